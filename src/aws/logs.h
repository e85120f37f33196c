/* CloudWatch Logs Insights: one query (StartQuery, GetQueryResults polled until the query
 * ends or the deadline, then StopQuery), and a reader that covers a whole time range
 * in spite of the service's row cap by splitting any query that returns the cap.
 *
 * Times: StartQuery takes epoch SECONDS; rows carry @timestamp as "YYYY-MM-DD
 * HH:MM:SS.mmm" (UTC, what the service returns) or epoch milliseconds (what moto
 * returns): fa2_logs_parse_ts accepts both. Used by logs_tool (src/agent/tools) and
 * `fa2 snapshot` / `fa2 triage` capture (src/triage/capture.c). */
#ifndef FA2_AWS_LOGS_H
#define FA2_AWS_LOGS_H

#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"

#include "aws/call.h"
#include "aws/client.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/slice.h"

#define FA2_LOGS_ROW_CAP      10000u     /* rows one query returns at most */
#define FA2_LOGS_MAX_GROUPS   50u        /* log groups in one StartQuery */
#define FA2_LOGS_MAX_PARTIAL  32u        /* partial ranges recorded in a coverage */
#define FA2_LOGS_NO_TIME      INT64_MIN  /* a row without a readable @timestamp */

/* @timestamp text: "YYYY-MM-DD HH:MM:SS[.mmm]" (UTC) or epoch milliseconds digits;
 * FA2_LOGS_NO_TIME otherwise (also for NULL). */
int64_t fa2_logs_parse_ts(const char *s);

/* The value of field name in a result row ([{"field", "value"}, ...]); NULL when absent. */
const char *fa2_logs_row_field(const cJSON *row, const char *name);

/* ---- one query ---- */

typedef struct fa2_logs_query {
	const char *const *groups;   /* log group names (1..FA2_LOGS_MAX_GROUPS) */
	size_t n_groups;
	const char *query;           /* the query text, sent as it is */
	int64_t start_s, end_s;      /* epoch seconds */
	long limit;                  /* StartQuery's limit member (0: not sent) */
	int64_t poll_ms;             /* between GetQueryResults calls (0: 1000) */
	int64_t deadline_mono_ms;    /* absolute; 0: 60 s from the start */
} fa2_logs_query;

typedef struct fa2_logs_result {
	cJSON *reply;                /* the last GetQueryResults reply (owned; NULL when none) */
	const cJSON *rows;           /* its "results" array (borrowed from reply; may be NULL) */
	size_t n_rows;
	double matched;              /* statistics.recordsMatched; -1 when absent */
	char status[16];             /* Complete, Failed, Cancelled, Timeout, ... ("" before) */
	char query_id[128];
	const char *op;              /* the operation that failed (when the call returned an error) */
	fa2_aws_outcome oc;          /* why it failed */
} fa2_logs_result;

/* Runs q. FA2_OK when the query completed (r holds its rows). FA2_ERR_TIMEOUT when the
 * deadline came first (the query is stopped with StopQuery); FA2_ERR_AWS when a call
 * failed with a service error (r->op, r->oc) or the query ended Failed / Cancelled /
 * Timeout (r->status; r->oc.stage is OK then); other errors as fa2_aws_do. Clean r up
 * with fa2_logs_result_cleanup whatever the outcome. */
fa2_err fa2_logs_run(fa2_aws_client *c, const fa2_logs_query *q, fa2_logs_result *r);
void fa2_logs_result_cleanup(fa2_logs_result *r);
/* One line in English for a failed fa2_logs_run ("logs StartQuery: ResourceNotFound..."). */
void fa2_logs_result_line(const fa2_logs_result *r, fa2_err e, char *line, size_t cap);

/* ---- a whole range, split on the row cap ---- */

/* Called for every row kept, in the order the queries return them (newest first within
 * a query; the queries walk from the end of the range towards its start). t_ms is the
 * row's time (FA2_LOGS_NO_TIME when it has none). A non-OK return stops the reading. */
typedef fa2_err (*fa2_logs_row_fn)(void *ctx, const cJSON *row, int64_t t_ms);
/* Called after the rows of each query were delivered: the query, the range of the rows
 * it contributed [from_ms, to_ms] (inclusive), how many it contributed and its result. */
typedef fa2_err (*fa2_logs_done_fn)(void *ctx, const fa2_logs_query *q, int64_t from_ms, int64_t to_ms,
				    size_t kept, const fa2_logs_result *r);

typedef struct fa2_logs_range {
	int64_t from_ms, to_ms;      /* inclusive */
	double missing;              /* rows matched there but not read; -1 unknown */
} fa2_logs_range;

typedef struct fa2_logs_coverage {
	size_t queries;              /* StartQuery calls made */
	size_t rows;                 /* rows kept */
	double estimated;            /* rows the range holds: exact when read in full, else the
	                              * service's count (recordsMatched); -1 unknown */
	int partial;                 /* some part of the range was not read in full */
	int budget_hit;              /* ... because the query budget or the deadline ran out */
	int limited;                 /* stopped at want_rows (asked for, not a loss) */
	fa2_logs_range ranges[FA2_LOGS_MAX_PARTIAL];  /* the parts that stayed partial */
	size_t n_ranges;
	size_t n_ranges_dropped;     /* partial parts beyond FA2_LOGS_MAX_PARTIAL */
} fa2_logs_coverage;

typedef struct fa2_logs_read {
	const char *const *groups;
	size_t n_groups;
	/* The query's stages before the sort and limit this reader appends ("| sort @timestamp
	 * desc | limit N"): they must return @timestamp (e.g. start with "fields @timestamp,
	 * @message") and must not sort, limit or aggregate. */
	const char *stages;
	int64_t from_ms, to_ms;      /* the range, both ends inclusive */
	size_t max_queries;          /* budget of StartQuery calls (0: 16) */
	size_t want_rows;            /* keep at most this many (newest) rows; 0: all */
	int64_t poll_ms;
	int64_t query_timeout_ms;    /* per query (0: up to the deadline) */
	int64_t deadline_mono_ms;    /* absolute, for the whole reading (0: none but the budget) */
	fa2_logs_row_fn on_row;
	fa2_logs_done_fn on_done;    /* may be NULL */
	void *ctx;
} fa2_logs_read;

/* Reads [from_ms, to_ms] with queries "STAGES | sort @timestamp desc | limit N". A query
 * that returns the cap (FA2_LOGS_ROW_CAP rows, or fewer than recordsMatched) is split:
 * its rows newer than its oldest row are complete and kept, and the rest of the range
 * (up to and including that oldest instant) is queried again; every query's rows are
 * kept only inside the part of the range it is responsible for (milliseconds, both
 * ends inclusive), so there is no gap and no duplicate at the seams whatever the
 * service's rounding of startTime/endTime to seconds. When the budget or the deadline
 * ends the reading first, the unread part is recorded in cov as partial (and FA2_OK is
 * returned). A failed query ends the reading with its error; *failed (may be NULL) then
 * holds the failed query's result (caller cleans it up) and cov what was read before. */
fa2_err fa2_logs_read_all(fa2_aws_client *c, const fa2_logs_read *rd, fa2_logs_coverage *cov,
			  fa2_logs_result *failed);

/* ---- log groups ---- */

/* Which of groups exist: DescribeLogGroups by name prefix for each; missing[i] is set to 1
 * for a group that does not exist. Errors of DescribeLogGroups are returned (missing
 * then says nothing). */
fa2_err fa2_logs_find_missing(fa2_aws_client *c, const char *const *groups, size_t n, int64_t deadline_mono_ms,
			      int *missing, fa2_aws_outcome *oc);


/* ---- query text ---- */

#define FA2_LOGS_MAX_STAGES  32u     /* stages of one query */
#define FA2_LOGS_MAX_QUERY   10000u  /* bytes of one query (the service's limit) */

/* A query cut into its stages at the pipes that are outside quotes, regex literals and
 * brackets. Each stage is a (pointer, length) into the text, trimmed; cmd is its
 * command word in lower case ("fields", "filter", "stats", "limit", ...) or "" when
 * the stage does not start with a known command (a bare filter expression). */
typedef struct fa2_logs_stage {
	fa2_slice text;
	char cmd[16];
} fa2_logs_stage;

/* Splits text (at most FA2_LOGS_MAX_QUERY bytes). FA2_ERR_PARSE for an unterminated
 * quote or regex, FA2_ERR_TOO_LARGE for too many stages or bytes. */
fa2_err fa2_logs_split_stages(fa2_slice text, fa2_logs_stage *st, size_t cap, size_t *n);

/* What fa2_logs_compose made of a configured query and a filter. */
typedef struct fa2_logs_composed {
	long base_limit;             /* the limit written in the query or the filter (0: none) */
	int aggregate;               /* a stats stage: rows are aggregates, not log events */
	int dropped_sort;            /* a sort was dropped (fa2 sorts by time itself) */
	int unsplit;                 /* a part did not split (an unterminated quote or regex):
	                              * it was passed on as it is, for the service to judge */
} fa2_logs_composed;

/* Builds the stages fa2 runs (without the final sort and limit) from base (the
 * configured cwLogsInsightQuery; NULL or "" for none) and filter (the model's filter
 * expression, which may continue with further stages: "x | stats count(*) by bin(5m)";
 * NULL for none): base's stages in order with its limit and sort taken out (the limit is
 * reported in info and applied after the filter; fa2 sorts by time itself), its first
 * fields/display stage extended so that @timestamp, @message, @logStream and @log are
 * returned (a "fields" stage is put first when base has none), then "filter <filter>".
 * A part that does not split is passed on as it is (info->unsplit). Appends to out;
 * msg (cap bytes) is cleared. Errors: FA2_ERR_NOMEM / FA2_ERR_TOO_LARGE. */
fa2_err fa2_logs_compose(const char *base, const char *filter, fa2_buf *out, fa2_logs_composed *info,
			 char *msg, size_t cap);

/* Checks a configured query for what weakens fa2's reading: a limit before a filter,
 * stats or parse stage (the later stages only see the limited rows), a limit at all
 * (each logs_tool call then reads at most that many rows), a stats stage (aggregates
 * cannot be templated). Writes one sentence per finding to msg (cap bytes, "" when
 * none). Returns the number of findings; -1 when the text does not split. */
int fa2_logs_query_lint(const char *query, char *msg, size_t cap);

#endif
