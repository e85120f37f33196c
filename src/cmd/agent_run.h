/* The one code path that drives an analysis for `fa2 analyze` and
 * `fa2 sessions resume` (and later `serve`): config -> prompts -> provider + transport
 * -> tools -> session -> agent -> report output. */
#ifndef FA2_CMD_AGENT_RUN_H
#define FA2_CMD_AGENT_RUN_H

#include <stdint.h>

#include "agent/config.h"
#include "agent/tool.h"
#include "cJSON.h"

struct fa2_agent_progress;
#include "aws/alarms.h"

typedef enum fa2_out_format { FA2_OUT_MD = 0, FA2_OUT_JSON } fa2_out_format;

typedef struct fa2_run_opts {
	const char *cmd;           /* "analyze" or "sessions resume": prefix of messages */
	fa2_config *cfg;           /* loaded; lang already overridden by --lang */
	const char *prompts_dir;   /* --prompts, else cfg->prompts_dir */
	fa2_out_format format;
	const char *out_path;      /* NULL: stdout */
	int tz_offset_min;         /* for times shown in the Markdown report */
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

/* Loads --config FILE, or $FA2_CONFIG when set, on top of the defaults. Prints the
 * error and returns non-zero on failure. */
int fa2_cmd_load_config(const char *cmd, const char *path, fa2_config *cfg);

/* Writes data to path atomically, or to stdout when path is NULL. */
int fa2_cmd_write_output(const char *cmd, const char *path, const char *data, size_t len);

#endif
