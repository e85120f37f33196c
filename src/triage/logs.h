/* Log lines -> templates, through the template miner (src/triage/logtpl.*).
 * The triage engine never groups lines itself: this is its only door to the miner. */
#ifndef FA2_TRIAGE_LOGS_H
#define FA2_TRIAGE_LOGS_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "triage/data.h"

typedef struct fa2_tr_mined {
	uint32_t *ids;          /* one per input line: index into texts, or UINT32_MAX */
	const char **texts;     /* template text per id, in the caller's pool */
	int *severities;        /* the miner's severity guess per id (FA2_TR_SEV_* scale) */
	const char **examples;  /* per id: the message of its first line (not copied by
	                         * fa2_tr_mine_lines: the lines' own; pooled when fed) */
	const char **groups;    /* per id: the log group of its first line (likewise) */
	size_t n_templates;
	int64_t *t_ms;          /* per line when the lines were fed one by one (the lines
	                         * themselves are gone); NULL from fa2_tr_mine_lines */
	size_t n_lines;
} fa2_tr_mined;

/* Mines the @message of n lines (in order) and assigns each a template. Template texts
 * are copied into pool. Lines whose template was evicted get UINT32_MAX. */
fa2_err fa2_tr_mine_lines(const fa2_tr_logline *lines, size_t n, fa2_tr_pool *pool,
			  fa2_tr_mined *out);
void fa2_tr_mined_cleanup(fa2_tr_mined *m);

/* The same, line by line, for lines that are not kept: a feed remembers per line only its
 * time and the miner's id (12 bytes), and copies into pool the message and group of the
 * first line of each template the miner creates. fa2_tr_feed_finish gives what
 * fa2_tr_mine_lines gives for the same lines in the same order, with t_ms set. */
typedef struct fa2_tr_feed fa2_tr_feed;
fa2_err fa2_tr_feed_new(fa2_tr_pool *pool, fa2_tr_feed **out);
fa2_err fa2_tr_feed_line(fa2_tr_feed *f, int64_t t_ms, const char *msg, size_t msg_len,
			 const char *group);
fa2_err fa2_tr_feed_finish(fa2_tr_feed *f, fa2_tr_mined *out);
void fa2_tr_feed_free(fa2_tr_feed *f);  /* NULL is fine */

/* ---- streaming reader of Logs Insights results ----
 * A GetQueryResults document ({"results":[[{"field","value"}...]...]}) read row by row
 * with a small tokenizer: no tree is built, memory does not grow with the document. It
 * accepts and rejects exactly what cJSON (vendor/cjson, as fa2_json_parse calls it)
 * accepts and rejects, and decodes rows as the tree reader did: the root must be an
 * object; the first "results" member is read (an array, or an object's member values);
 * each row is an array of objects whose first "field" names the field and whose first
 * "value" holds it; within a row the last @timestamp, @message, @logStream and @log win
 * (@message, @logStream and @log only when a string); strings end at a \u0000 as they
 * did in C strings; a row without @message is skipped. */
typedef struct fa2_tr_logrow {
	int64_t t_ms;          /* 0 when absent or malformed */
	const char *msg;       /* msg_len bytes, not NUL-terminated: in the document when it
	                        * holds no escape, else decoded; valid during the callback */
	size_t msg_len;
	const char *group;     /* after the account id of @log, else the default group, else "" */
	const char *stream;    /* "" when absent */
} fa2_tr_logrow;

/* Called once per row in document order; an error stops the scan and is returned. */
typedef fa2_err (*fa2_tr_logrow_fn)(void *ctx, const fa2_tr_logrow *row);

/* What a scan may leave out: FA2_TR_LOGS_TIMES only t_ms is set (the strings are ""),
 * FA2_TR_LOGS_NO_STREAM stream is "". */
#define FA2_TR_LOGS_TIMES      1u
#define FA2_TR_LOGS_NO_STREAM  2u

/* Scans one document, calling fn for each row. Errors: FA2_ERR_PARSE (not JSON, or not
 * an object at the root; rows before the error were already passed to fn),
 * FA2_ERR_TOO_LARGE (over FA2_MAX_JSON_BYTES), FA2_ERR_NOMEM, or fn's error. */
fa2_err fa2_tr_logs_scan(fa2_slice json, const char *default_group, unsigned flags,
			 fa2_tr_logrow_fn fn, void *ctx);

#endif
