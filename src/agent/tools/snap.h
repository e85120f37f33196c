/* A snapshot directory (docs/snapshot.md) for the snapshot data source (source.h): the
 * decoded telemetry, the manifest's metadata, the window check shared by analyze and
 * triage, and the Logs Insights subset logs_tool evaluates offline (fa2_snapq_*,
 * exposed for tests and the fuzz target). The snapshot source (source_snap.c) answers
 * the tools from it; `fa2 analyze --source DIR` uses it for offline and air-gapped
 * analysis and evaluation fixtures. */
#ifndef FA2_AGENT_TOOLS_SNAP_H
#define FA2_AGENT_TOOLS_SNAP_H

#include <stddef.h>
#include <stdint.h>

#include "agent/tool.h"
#include "aws/alarms.h"
#include "base/buf.h"
#include "base/err.h"
#include "triage/data.h"

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
typedef struct fa2_snap {
	fa2_tr_data d;        /* decoded telemetry, sorted by time */
	char *dir;            /* owned copy */
} fa2_snap;

/* Reads the snapshot in dir (read-only afterwards: safe to share between threads). On
 * error msg (cap bytes) names the file. FA2_ERR_PARSE / FA2_ERR_NOT_FOUND for a missing
 * or malformed manifest, others as fa2_tr_snapshot_read. */
fa2_err fa2_snap_open(const char *dir, fa2_snap **out, char *msg, size_t cap);
void fa2_snap_close(fa2_snap *s);

/* Reads only DIR/manifest.json: the window (epoch ms) and, in event (cap bytes), a text
 * describing the incident from its metadata (the alarm's name, state, time and reason,
 * else the description; "" when neither). FA2_ERR_PARSE or FA2_ERR_NOT_FOUND with msg. */
fa2_err fa2_snap_manifest_info(const char *dir, int64_t *from_ms, int64_t *to_ms, char *event,
			       size_t event_cap, char *msg, size_t cap);

/* The manifest's alarm (docs/snapshot.md) as an alarm (*out owns its doc; zeroed on
 * failure). name (may be NULL) must be the alarm's name. FA2_ERR_NOT_FOUND when the
 * snapshot has no alarm or another one, with one line for people in msg (cap bytes). */
fa2_err fa2_snap_manifest_alarm(const char *dir, const char *name, fa2_alarm *out, char *msg, size_t cap);

/* FA2_OK when [from_ms, to_ms] lies inside the snapshot's [snap_from, snap_to];
 * otherwise FA2_ERR_INVALID with a message (cap bytes) that states both windows. */
fa2_err fa2_snap_window_check(int64_t snap_from, int64_t snap_to, int64_t from_ms, int64_t to_ms,
			      char *msg, size_t cap);

#endif
