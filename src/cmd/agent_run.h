/* The one code path that drives an analysis for `fa2 analyze` and
 * `fa2 sessions resume` (and later `serve`): config -> prompts -> provider + transport
 * -> tools -> session -> agent -> report output. */
#ifndef FA2_CMD_AGENT_RUN_H
#define FA2_CMD_AGENT_RUN_H

#include <stdint.h>

#include "agent/config.h"
#include "base/buf.h"
#include "agent/tool.h"
#include "cJSON.h"

struct fa2_agent_progress;
#include "aws/alarms.h"

typedef enum fa2_out_format { FA2_OUT_MD = 0, FA2_OUT_JSON, FA2_OUT_PDF } fa2_out_format;

typedef struct fa2_run_opts {
	const char *cmd;           /* "analyze" or "sessions resume": prefix of messages */
	fa2_config *cfg;           /* loaded; lang already overridden by --lang */
	const char *prompts_dir;   /* --prompts, else cfg->prompts_dir */
	fa2_out_format format;
	const char *out_path;      /* NULL: stdout */
	int tz_offset_min;         /* for times shown in the Markdown report (when tz is NULL
	                            * and the config has no timeZone) */
	const fa2_tz *tz;          /* zone of the report's times; NULL: the config's timeZone */
	/* New analysis: */
	const char *event;
	int64_t from_ms, to_ms;
	const fa2_alarm *alarm;    /* the alarm that triggered it (its metric is read first); may be NULL */
	/* Resume: */
	const char *resume_id;
	/* Offline: a snapshot directory (docs/snapshot.md) answers the tools instead of AWS;
	 * the window must lie inside the snapshot's. NULL: AWS. */
	const char *source_dir;
	/* Optional (serve): progress replaces the terminal progress lines (serialised; see
	 * fa2_agent_config.progress); session_meta is merged into a NEW session's summary
	 * before the analysis starts (e.g. the Slack thread, so a restart can resume it);
	 * session_id_out (FA2_SESSION_ID_MAX + 1 bytes) gets the session id. */
	void (*progress)(void *ctx, const struct fa2_agent_progress *p);
	void *progress_ctx;
	const cJSON *session_meta;
	char *session_id_out;
} fa2_run_opts;

/* Runs (or resumes) the analysis and writes the report. Returns the exit code: 0 for a
 * complete or incomplete report, 1 for a partial one or a runtime failure, 2 for a
 * usage or configuration problem (including "not available in this build"). */
int fa2_cmd_run_agent(const fa2_run_opts *o);

/* Totals over every analysis this process ran (new or resumed), for `fa2 serve`'s
 * /metrics. Thread-safe. Outcomes: complete, incomplete, partial report, failed (no
 * report). Durations: wall time of fa2_cmd_run_agent, as a cumulative histogram. */
#define FA2_RUN_DURATION_BUCKETS 8
typedef struct fa2_run_totals {
	uint64_t analyses[4];         /* complete, incomplete, partial, failed */
	uint64_t tool_runs, tool_reused, model_calls;
	uint64_t input_tokens, output_tokens;
	uint64_t duration_le[FA2_RUN_DURATION_BUCKETS]; /* analyses that took <= bound */
	uint64_t duration_count;
	double duration_sum_s;
} fa2_run_totals;
extern const double fa2_run_duration_bounds[FA2_RUN_DURATION_BUCKETS]; /* seconds */
void fa2_run_totals_get(fa2_run_totals *out);
/* Appends the totals in the Prometheus text format (counters fa2_agent_*, histogram
 * fa2_analysis_duration_seconds). */
fa2_err fa2_run_totals_prometheus(fa2_buf *out);

/* Loads --config FILE, or $FA2_CONFIG when set, on top of the defaults. Prints the
 * error and returns non-zero on failure. */
int fa2_cmd_load_config(const char *cmd, const char *path, fa2_config *cfg);

/* Writes data to path atomically, or to stdout when path is NULL. */
int fa2_cmd_write_output(const char *cmd, const char *path, const char *data, size_t len);
/* Renders the Markdown md as a PDF (src/doc/md_pdf.h; lang "en"/"ja" or NULL) and
 * writes it like fa2_cmd_write_output. Prints the error and returns -1 on failure. */
int fa2_cmd_write_pdf(const char *cmd, const char *path, const char *md, size_t len, const char *lang);

#endif
