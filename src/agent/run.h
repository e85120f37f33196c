/* The analysis API: one request in, one structured outcome out, for every trigger
 * (`fa2 analyze`, `fa2 sessions resume`, Slack, SNS, ...).
 *
 *   request -> model provider + transport (agent/model.h) -> tools over a data source
 *   (live AWS or a snapshot) -> session (new, or resumed from its journal) -> agent loop
 *   -> outcome: status, the report document, its Markdown, the session id, and on failure
 *   an error class with the facts a user needs and what to do about it.
 *
 * fa2_run_analysis never prints, never exits and writes no report file of its own (the
 * session store still writes the session's journal, summary and report files). The
 * caller decides how to deliver the outcome: a terminal, a file, a Slack thread.
 *
 * Every text the outcome carries (report strings, Markdown, the peer's error message)
 * has passed through fa2_redact (base/log.h): no registered secret survives in it. */
#ifndef FA2_AGENT_RUN_H
#define FA2_AGENT_RUN_H

#include <stdint.h>

#include "cJSON.h"

#include "agent/config.h"
#include "agent/session.h"
#include "aws/alarms.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/tz.h"

struct fa2_agent_progress;

typedef enum fa2_run_trigger {
	FA2_RUN_TRIGGER_CLI = 0,    /* fa2 analyze / fa2 sessions resume */
	FA2_RUN_TRIGGER_SLACK,      /* a Slack form, /fa2, or a resume after a restart */
	FA2_RUN_TRIGGER_SNS         /* an alarm through SNS without a form */
} fa2_run_trigger;

const char *fa2_run_trigger_name(fa2_run_trigger t);

typedef enum fa2_run_status {
	FA2_RUN_COMPLETE = 0,   /* the model finished and wrote the report */
	FA2_RUN_INCOMPLETE,     /* the model wrote it after a forced stop (cycles, repeats) */
	FA2_RUN_PARTIAL,        /* fa2 assembled the report itself (the model failed) */
	FA2_RUN_FAILED          /* no report: outcome.failure says why */
} fa2_run_status;

const char *fa2_run_status_name(fa2_run_status s);

/* Why an analysis failed (or why its report is only partial). */
typedef enum fa2_run_errclass {
	FA2_RUN_ERR_NONE = 0,
	FA2_RUN_ERR_MODEL_ACCESS,    /* the model refused access (AccessDeniedException, 403) */
	FA2_RUN_ERR_MODEL_NOT_FOUND, /* unknown model id, or not offered/enabled in the region */
	FA2_RUN_ERR_THROTTLED,       /* throttling or overload outlasted the retries */
	FA2_RUN_ERR_CREDENTIALS,     /* no, invalid or expired credentials / API key */
	FA2_RUN_ERR_LOG_GROUP,       /* a configured log group does not exist */
	FA2_RUN_ERR_NETWORK,         /* no answer: connection, DNS, TLS, timeout */
	FA2_RUN_ERR_STORAGE,         /* a session write failed (disk full, read-only, ...) */
	FA2_RUN_ERR_CONFIG,          /* the configuration or the request is not usable */
	FA2_RUN_ERR_INTERNAL,        /* anything else (out of memory, a model error, ...) */
	FA2_RUN_ERR__COUNT
} fa2_run_errclass;

/* Stable name ("model_access_denied", ...), used in logs, JSON and tests. */
const char *fa2_run_errclass_name(fa2_run_errclass c);

/* Classifies a failed model or AWS call: transport error e (FA2_OK when an HTTP answer
 * arrived), HTTP status (0: none), the error code (x-amzn-ErrorType, __type, OpenAI
 * "code"/"type"; may be NULL) and the peer's message (may be NULL). Pure. */
fa2_run_errclass fa2_run_classify(fa2_err e, int http_status, const char *code, const char *message);

/* The facts of a failure, for people. Strings are NUL-terminated, possibly empty. */
typedef struct fa2_run_failure {
	fa2_run_errclass cls;
	fa2_err err;            /* the underlying error */
	int http_status;        /* 0: none */
	char code[96];          /* AWS error code / provider error type */
	char message[512];      /* the peer's or fa2's explanation, redacted */
	char model[256];        /* model id (model classes) */
	char provider[16];      /* "bedrock" / "openai" */
	char region[64];        /* AWS region in use, when known */
	char subject[512];      /* what it concerns: a path, a log group, a session */
} fa2_run_failure;

typedef struct fa2_run_request {
	fa2_run_trigger trigger;
	const fa2_config *cfg;       /* loaded (cfg->lang is the default language) */
	const char *prompts_dir;     /* NULL: cfg->prompts_dir */
	/* New analysis (resume_id NULL): */
	const char *event;           /* what the user or the alarm said */
	int64_t from_ms, to_ms;      /* window, epoch ms UTC */
	const fa2_alarm *alarm;      /* the alarm as data; may be NULL */
	int has_lang;                /* lang overrides cfg->lang (a resume keeps the session's) */
	fa2_lang lang;
	/* Time zone of the Markdown's times: tz when not NULL, else the config's IANA zone,
	 * else the fixed offset tz_offset_min. */
	const fa2_tz *tz;
	int tz_offset_min;
	/* Options: */
	const char *source_dir;      /* a snapshot answers the tools instead of AWS; NULL: AWS */
	const char *resume_id;       /* continue this session instead of a new analysis */
	void (*progress)(void *ctx, const struct fa2_agent_progress *p); /* serialised; may be NULL */
	void *progress_ctx;
	const cJSON *session_meta;   /* merged into a NEW session's summary before the run */
} fa2_run_request;

typedef struct fa2_run_outcome {
	fa2_run_status status;
	char session_id[FA2_SESSION_ID_MAX + 1]; /* "" when no session was created */
	fa2_lang lang;               /* the report's language */
	int64_t from_ms, to_ms;      /* the window analysed (a resume: the journal's) */
	cJSON *report;               /* the report document (docs/report-schema.md); owned; NULL when failed */
	fa2_buf markdown;            /* the report rendered as Markdown (empty when failed) */
	fa2_run_failure failure;     /* cls NONE for a complete or incomplete report */
	char detail[256];            /* why the agent stopped, for people */
	int usage;                   /* the request itself is unusable (config, unknown session):
	                              * a CLI exits 2 for it */
	unsigned cycles, model_calls, tool_runs, tool_reused;
	uint64_t input_tokens, output_tokens;
	int64_t duration_ms;
} fa2_run_outcome;

void fa2_run_outcome_init(fa2_run_outcome *o);
void fa2_run_outcome_cleanup(fa2_run_outcome *o);

/* Runs (or resumes) one analysis. Fills out (initialised by the caller) and returns its
 * status. Thread-safe: analyses may run side by side (they share the process's AWS
 * client). */
fa2_run_status fa2_run_analysis(const fa2_run_request *req, fa2_run_outcome *out);

/* Appends, in lang, what went wrong (the class in words, with the model id, region, code
 * and the peer's redacted message where known) and what to do, as plain text lines
 * (Slack mrkdwn-safe; no Markdown headings). Nothing is appended for cls NONE. */
fa2_err fa2_run_failure_render(const fa2_run_failure *f, fa2_lang lang, fa2_buf *out);

/* Totals over every analysis this process ran, for `fa2 serve`'s /metrics.
 * Thread-safe. Outcomes: complete, incomplete, partial, failed. Durations: wall time of
 * fa2_run_analysis, as a cumulative histogram. */
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

#endif
