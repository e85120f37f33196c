/* The command-line side of an analysis for `fa2 analyze` and `fa2 sessions resume`:
 * the options become an fa2_run_request (agent/run.h, which does the analysis), the
 * outcome is written as Markdown, JSON or PDF, a failure is printed with what to do,
 * and the status becomes the exit code. */
#ifndef FA2_CMD_AGENT_RUN_H
#define FA2_CMD_AGENT_RUN_H

#include <stdint.h>

#include "agent/config.h"
#include "agent/run.h"
#include "aws/alarms.h"
#include "base/buf.h"

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
} fa2_run_opts;

/* Runs (or resumes) the analysis through fa2_run_analysis and writes the report.
 * Returns the exit code: 0 for a complete or incomplete report, 1 for a partial one or
 * a runtime failure (a session write that failed included), 2 for a usage or
 * configuration problem (including "not available in this build"). */
int fa2_cmd_run_agent(const fa2_run_opts *o);

/* Loads --config FILE, or $FA2_CONFIG when set, on top of the defaults. Prints the
 * error and returns non-zero on failure. */
int fa2_cmd_load_config(const char *cmd, const char *path, fa2_config *cfg);

/* Writes data to path atomically, or to stdout when path is NULL. */
int fa2_cmd_write_output(const char *cmd, const char *path, const char *data, size_t len);
/* Renders the Markdown md as a PDF (src/doc/md_pdf.h; lang "en"/"ja" or NULL) and
 * writes it like fa2_cmd_write_output. Prints the error and returns -1 on failure. */
int fa2_cmd_write_pdf(const char *cmd, const char *path, const char *md, size_t len, const char *lang);

#endif
