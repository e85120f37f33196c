/* Amazon Athena over the AWS JSON client (awsJson1_1, target prefix AmazonAthena), and
 * the SQL building the agent's Athena-backed tools need.
 *
 * fa2_athena_run() starts one query (StartQueryExecution), polls GetQueryExecution with
 * backoff until SUCCEEDED / FAILED / CANCELLED, calls StopQueryExecution when the
 * deadline comes first, then reads every page of GetQueryResults (MaxResults 1000,
 * NextToken) up to a row cap. The first row of a SELECT result is the header: it gives
 * the column names and is not counted as a row. Everything ends before
 * q->deadline_mono_ms (monotonic clock).
 *
 * The SQL helpers append to a buffer and refuse what they cannot quote safely (control
 * characters, NUL, invalid UTF-8, identifiers outside [A-Za-z0-9_-]) with
 * FA2_ERR_INVALID, so a hostile value never reaches a query. */
#ifndef FA2_AWS_ATHENA_H
#define FA2_AWS_ATHENA_H

#include <stddef.h>
#include <stdint.h>

#include "aws/client.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/slice.h"

#define FA2_ATHENA_MAX_ROWS       10000u   /* rows kept from one query */
#define FA2_ATHENA_MAX_COLS       64u
#define FA2_ATHENA_MAX_CELL_BYTES 4096u    /* longer cell values are cut (UTF-8 safe) */
#define FA2_ATHENA_MAX_PAGES      100u
#define FA2_ATHENA_MAX_LITERAL    4096u    /* bytes of one SQL string literal */
#define FA2_ATHENA_MAX_QUERY      (256u * 1024u) /* Athena's own limit is 262144 bytes */

typedef struct fa2_athena_query {
	const char *sql;
	const char *database;         /* QueryExecutionContext.Database (may be NULL) */
	const char *catalog;          /* QueryExecutionContext.Catalog (NULL: AwsDataCatalog) */
	const char *workgroup;        /* NULL: "primary" */
	const char *output_location;  /* ResultConfiguration.OutputLocation (may be NULL) */
	int64_t deadline_mono_ms;     /* absolute, monotonic; required */
	size_t max_rows;              /* 0: FA2_ATHENA_MAX_ROWS */
	int64_t poll_first_ms;        /* first poll delay: 0 = 200 */
	int64_t poll_max_ms;          /* backoff cap: 0 = 2000 */
} fa2_athena_query;

typedef struct fa2_athena_result {
	char id[128];                 /* QueryExecutionId ("" before the start) */
	char state[16];               /* last state seen: SUCCEEDED, FAILED, CANCELLED, ... */
	size_t n_cols, n_rows;
	char **cols;                  /* n_cols names (owned) */
	char **cells;                 /* n_rows * n_cols, row-major; NULL for SQL NULL */
	size_t cap_rows;
	int truncated;                /* more rows existed than the cap */
	int header_done;              /* decoder state: the header row was consumed */
	unsigned polls;               /* GetQueryExecution calls made */
	int stopped;                  /* StopQueryExecution was sent (deadline) */
	char error[1200];             /* readable failure, "" on success */
} fa2_athena_result;

void fa2_athena_result_init(fa2_athena_result *r);
void fa2_athena_result_cleanup(fa2_athena_result *r);

/* Runs q. FA2_OK with r filled on SUCCEEDED. Otherwise r->error says why:
 * FA2_ERR_AWS (the query FAILED: StateChangeReason and AthenaError code, or a service
 * error of a call), FA2_ERR_CANCELLED (someone cancelled it), FA2_ERR_TIMEOUT (the
 * deadline came first; StopQueryExecution was sent), FA2_ERR_INVALID (q incomplete),
 * transport errors, FA2_ERR_PARSE for a reply that is not the documented shape. */
fa2_err fa2_athena_run(fa2_aws_client *c, const fa2_athena_query *q, fa2_athena_result *r);

/* Decodes one GetQueryResults reply into r (appending rows; the first row of the first
 * page is the header when r->header_done is 0). Keeps at most max_rows rows, setting
 * r->truncated past it. Copies NextToken (or "" when none) into next_token (cap bytes;
 * a longer token is FA2_ERR_PARSE). FA2_ERR_PARSE for a malformed reply, FA2_ERR_TOO_LARGE
 * for more than FA2_ATHENA_MAX_COLS columns. */
fa2_err fa2_athena_decode_page(fa2_athena_result *r, fa2_slice json, size_t max_rows,
			       char *next_token, size_t cap);

/* Cell of row (0-based, header excluded) and column; NULL for NULL or out of range. */
const char *fa2_athena_cell(const fa2_athena_result *r, size_t row, size_t col);
/* Column index by name (case-insensitive), -1 when absent. */
long fa2_athena_col(const fa2_athena_result *r, const char *name);

/* ---- SQL building ---- */

/* 'value' with ' doubled. Rejects NUL-free but unsafe input: bytes < 0x20, 0x7f,
 * invalid UTF-8, more than FA2_ATHENA_MAX_LITERAL bytes (FA2_ERR_INVALID). */
fa2_err fa2_athena_sql_string(fa2_buf *out, const char *value);
/* "name": a database, table or column name of 1..255 characters [A-Za-z0-9_-]
 * (FA2_ERR_INVALID otherwise). */
fa2_err fa2_athena_sql_ident(fa2_buf *out, const char *name);
/* '2026-11-25T09:52:35' (UTC, seconds; no zone): compared as a string against ISO-8601
 * time columns (CloudTrail eventtime, ALB time), which sort the same way. */
fa2_err fa2_athena_sql_iso_time(fa2_buf *out, int64_t ms);
/* TIMESTAMP '2026-11-25 09:52:35.000' (UTC). */
fa2_err fa2_athena_sql_timestamp(fa2_buf *out, int64_t ms);
/* expr IN ('a', 'b', ...) for n >= 1 values (each quoted as fa2_athena_sql_string);
 * expr is SQL written by the caller, not user input. */
fa2_err fa2_athena_sql_in(fa2_buf *out, const char *expr, const char *const *values, size_t n);

#endif
