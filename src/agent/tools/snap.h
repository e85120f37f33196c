/* Snapshot-backed agent tools: the same tools the model knows (logs_tool, metrics_tool,
 * audit_log_tool, xray_tool, kb_tool) with the same names and input schemas, answered
 * from a snapshot directory (docs/snapshot.md) instead of AWS. Used by `fa2 analyze
 * --source DIR` for offline and air-gapped analysis and evaluation fixtures.
 *
 *   fa2_snap_open()        reads the snapshot (manifest + every listed file) and the
 *                          optional DIR/runbooks/ folder (*.md, *.txt) once.
 *   fa2_tools_register_snapshot()  registers the tools with ctx = the snapshot; the
 *                          snapshot is only read afterwards, so the tools are safe to run
 *                          concurrently. Keep the snapshot open while the registry is used.
 *
 * The Logs Insights subset that logs_tool understands offline (fa2_snapq_*) is exposed for
 * tests and the fuzz target. */
#ifndef FA2_AGENT_TOOLS_SNAP_H
#define FA2_AGENT_TOOLS_SNAP_H

#include <stddef.h>
#include <stdint.h>

#include "agent/tool.h"
#include "base/buf.h"
#include "base/err.h"
#include "triage/data.h"

#define FA2_SNAP_MAX_RUNBOOKS      200u                 /* files under DIR/runbooks */
#define FA2_SNAP_MAX_RUNBOOK_BYTES (1u * 1024u * 1024u) /* one runbook file */
#define FA2_SNAPQ_MAX_TEXT         4096u                /* one query */

/* ---- Logs Insights subset ----
 * A query is a pipeline of stages separated by '|'; the first stage may be a bare filter
 * expression (what logs_tool's "filter" holds) or start with a command:
 *   filter EXPR               EXPR: comparisons joined by and / or / not, parentheses
 *       FIELD like /regex/    POSIX extended regex; a leading (?i) ignores case;
 *       FIELD like "text"     \d \w \s (and \D \W \S) are accepted
 *       FIELD not like ...    substring (case-sensitive) for a quoted string
 *       FIELD =~ /regex/
 *       FIELD = != < <= > >= VALUE   VALUE: number or quoted string; numeric when both
 *                             sides are numbers
 *     FIELD: @message, @timestamp, @logStream, @log, or a field of a JSON message
 *     (dotted path, e.g. level, http.status)
 *   fields ...                accepted, ignored (the output is templated anyway)
 *   sort @timestamp desc|asc
 *   limit N                   1..10000
 *   stats count(*) [as NAME] [by bin(DURATION) | by FIELD]
 * Anything else is a parse error whose message lists this subset. */
typedef struct fa2_snapq fa2_snapq;

enum { FA2_SNAPQ_STATS_NONE = 0, FA2_SNAPQ_STATS_COUNT, FA2_SNAPQ_STATS_BIN, FA2_SNAPQ_STATS_FIELD };

/* Parses text (at most FA2_SNAPQ_MAX_TEXT bytes). On error *q is NULL and msg (cap bytes)
 * says where and what is supported: FA2_ERR_PARSE, FA2_ERR_TOO_LARGE or FA2_ERR_NOMEM. */
fa2_err fa2_snapq_parse(const char *text, fa2_snapq **q, char *msg, size_t cap);
void fa2_snapq_free(fa2_snapq *q);
/* 1 when the line passes every filter stage. Thread-safe for one q across threads. */
int fa2_snapq_match(const fa2_snapq *q, const fa2_tr_logline *line);
long fa2_snapq_limit(const fa2_snapq *q);      /* 0: none given */
int fa2_snapq_sort_asc(const fa2_snapq *q);    /* 1 for sort ... asc; default newest first */
int fa2_snapq_stats(const fa2_snapq *q);       /* FA2_SNAPQ_STATS_* */
int64_t fa2_snapq_bin_ms(const fa2_snapq *q);  /* for FA2_SNAPQ_STATS_BIN */
const char *fa2_snapq_by_field(const fa2_snapq *q); /* for FA2_SNAPQ_STATS_FIELD */
/* The value of FIELD for a line, as text (JSON numbers formatted); 0 when absent. */
int fa2_snapq_field(const fa2_tr_logline *line, const char *field, char *out, size_t cap);
/* Text listing the supported subset (for error observations). */
const char *fa2_snapq_supported(void);

/* ---- the snapshot ---- */
typedef struct fa2_snap_doc {
	const char *path;     /* relative to the snapshot, e.g. "runbooks/dynamodb.md" */
	char *text;           /* owned */
	size_t len;
} fa2_snap_doc;

typedef struct fa2_snap {
	fa2_tr_data d;        /* decoded telemetry, sorted by time */
	char *dir;            /* owned copy */
	fa2_snap_doc *docs;   /* runbooks */
	size_t n_docs;
	int has_runbooks;     /* DIR/runbooks exists */
} fa2_snap;

/* Reads the snapshot in dir. On error msg (cap bytes) names the file. FA2_ERR_PARSE /
 * FA2_ERR_NOT_FOUND for a missing or malformed manifest, others as fa2_tr_snapshot_read. */
fa2_err fa2_snap_open(const char *dir, fa2_snap **out, char *msg, size_t cap);
void fa2_snap_close(fa2_snap *s);

/* Reads only DIR/manifest.json: the window (epoch ms) and, in event (cap bytes), a text
 * describing the incident from its metadata (the alarm's name, state, time and reason,
 * else the description; "" when neither). FA2_ERR_PARSE or FA2_ERR_NOT_FOUND with msg. */
fa2_err fa2_snap_manifest_info(const char *dir, int64_t *from_ms, int64_t *to_ms, char *event,
			       size_t event_cap, char *msg, size_t cap);

/* FA2_OK when [from_ms, to_ms] lies inside the snapshot's [snap_from, snap_to];
 * otherwise FA2_ERR_INVALID with a message (cap bytes) that states both windows. */
fa2_err fa2_snap_window_check(int64_t snap_from, int64_t snap_to, int64_t from_ms, int64_t to_ms,
			      char *msg, size_t cap);

/* Registers logs_tool, metrics_tool and audit_log_tool, xray_tool when the snapshot has
 * traces, and kb_tool when it has a runbooks folder. Each is the AWS tool's definition
 * (name, descriptions, input schema) with the snapshot's execute() and ctx = s. */
fa2_err fa2_tools_register_snapshot(fa2_tool_registry *r, fa2_snap *s);

/* The snapshot implementations (ctx: the fa2_snap). */
fa2_err fa2_snap_logs_exec(void *ctx, const fa2_tool_env *env, const cJSON *input, fa2_buf *out);
fa2_err fa2_snap_metrics_exec(void *ctx, const fa2_tool_env *env, const cJSON *input, fa2_buf *out);
fa2_err fa2_snap_audit_exec(void *ctx, const fa2_tool_env *env, const cJSON *input, fa2_buf *out);
fa2_err fa2_snap_xray_exec(void *ctx, const fa2_tool_env *env, const cJSON *input, fa2_buf *out);
fa2_err fa2_snap_kb_exec(void *ctx, const fa2_tool_env *env, const cJSON *input, fa2_buf *out);

#endif
