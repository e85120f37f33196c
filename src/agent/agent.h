/* The ReAct loop with native tool use.
 *
 * system prompt + incident -> model (with the registry's tools) -> every toolUse of the
 * turn runs in parallel on a bounded pool -> toolResult blocks with matching ids -> ...
 * until the model answers without tools (its answer is the JSON report), maxAgentCycles
 * turns with tools, a turn that only repeats earlier calls, throttling that outlasts the
 * provider's retries, a model error, or the deadline. After a forced stop one more
 * model call asks for the report from what was gathered, stating what is missing; when
 * that fails too, fa2 assembles a partial report itself. The loop is bounded by
 * max_cycles + 2 model calls and never runs the same tool with the same input twice (a
 * repeat is answered from the earlier result).
 *
 * With a session, every step is journaled (fa2_session_append) so fa2_agent_resume can
 * continue after a crash without repeating completed tool calls. */
#ifndef FA2_AGENT_AGENT_H
#define FA2_AGENT_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"

#include "agent/prompts.h"
#include "agent/report.h"
#include "agent/session.h"
#include "agent/tool.h"
#include "aws/alarms.h"
#include "llm/llm.h"

#define FA2_AGENT_MAX_CALLS 1024u  /* tool calls recorded in one analysis */

typedef enum fa2_agent_stop {
	FA2_AGENT_STOP_NONE = 0,
	FA2_AGENT_STOP_ANSWER,      /* the model answered without tools */
	FA2_AGENT_STOP_MAX_CYCLES,  /* maxAgentCycles turns with tools */
	FA2_AGENT_STOP_REPEATED,    /* a turn consisted only of repeated calls */
	FA2_AGENT_STOP_THROTTLED,   /* throttling outlasted the retries */
	FA2_AGENT_STOP_MODEL_ERROR, /* the model call failed otherwise */
	FA2_AGENT_STOP_DEADLINE     /* the analysis deadline passed */
} fa2_agent_stop;

const char *fa2_agent_stop_name(fa2_agent_stop s);

typedef enum fa2_agent_event {
	FA2_AGENT_EV_MODEL = 0,     /* a model call starts (cycle n of max) */
	FA2_AGENT_EV_TOOL_START,
	FA2_AGENT_EV_TOOL_DONE,     /* elapsed_ms, is_error set */
	FA2_AGENT_EV_FINAL          /* the final-report call starts */
} fa2_agent_event;

typedef struct fa2_agent_progress {
	fa2_agent_event event;
	unsigned cycle, max_cycles;
	const char *tool;           /* TOOL_* only */
	int64_t elapsed_ms;
	int is_error;
} fa2_agent_progress;

/* With an alarm, metrics_tool runs on exactly the alarm's metric (each MetricStat of a
 * metric-math alarm, at most FA2_AGENT_ALARM_METRICS) for the window before the first
 * model call; those runs are journaled as tool calls of cycle 0 (ids
 * "fa2-alarm-metric-N"), so a resume never repeats them, and the first user message
 * carries the alarm and their observations (prompt alarm.txt). */
#define FA2_AGENT_ALARM_METRICS 4u

typedef struct fa2_agent_incident {
	const char *event;          /* what the user or the alarm said */
	int64_t from_ms, to_ms;     /* window, epoch ms UTC */
	const fa2_alarm *alarm;     /* the alarm that triggered it; may be NULL */
} fa2_agent_incident;

/* Everything the loop needs. Pointers are borrowed for the run. */
typedef struct fa2_agent_config {
	fa2_llm_provider *llm;
	const fa2_tool_registry *tools;
	const fa2_prompts *prompts;        /* in lang */
	const struct fa2_config *cfg;      /* handed to tools; may be NULL */
	fa2_lang lang;
	const char *architecture;          /* may be NULL */
	unsigned max_cycles;               /* >= 1 */
	unsigned parallelism;              /* >= 1: tools running at once */
	size_t observation_bytes;          /* >= 2048 */
	size_t context_bytes;              /* tool results kept in full in the conversation
	                                    * (oldest are elided beyond it); 0: 400 KiB */
	unsigned max_tokens;
	int has_temperature;
	double temperature;
	int has_top_p;
	double top_p;
	unsigned tool_timeout_ms;
	int64_t deadline_mono_ms;          /* whole analysis; 0: none */
	fa2_session *session;              /* journal; may be NULL */
	/* The triage digest of the window, the first observation (journaled as call
	 * "fa2-triage-digest" of cycle 0, never run again on resume); NULL: none. */
	const struct fa2_digest_source *digest;
	void (*progress)(void *ctx, const fa2_agent_progress *p); /* serialised; may be NULL */
	void *progress_ctx;
} fa2_agent_config;

typedef struct fa2_agent_result {
	cJSON *report;              /* the report document (docs/report-schema.md); owned */
	fa2_report_status status;
	fa2_agent_stop stop;
	unsigned cycles;            /* turns whose tools ran */
	unsigned model_calls;
	unsigned tool_runs;         /* tool executions in this process */
	unsigned tool_reused;       /* calls answered from an earlier result or the journal */
	fa2_llm_usage usage;
	char detail[256];           /* why it stopped, for people */
	/* The last failed model call (model_err FA2_OK: none failed): the transport or
	 * decode error and the provider's error detail (status, type, message). */
	fa2_err model_err;
	fa2_llm_error model_error;
	/* A session write the analysis depends on failed (journal record, report file):
	 * the analysis stops, fa2_agent_run/resume return FA2_ERR_IO, storage_what names
	 * the file. */
	int storage_failed;
	char storage_what[64];
} fa2_agent_result;

/* Runs a new analysis. FA2_OK whenever a report was produced and kept (res->status
 * says how complete); an error when none could be (no memory), or FA2_ERR_IO when a
 * session write failed (res->storage_failed; the loop stops at the next step). */
fa2_err fa2_agent_run(const fa2_agent_config *ac, const fa2_agent_incident *inc,
		      fa2_agent_result *res);

/* Continues the analysis journaled in ac->session. The incident comes from the journal.
 * A finished session returns its report without any model or tool call. */
fa2_err fa2_agent_resume(const fa2_agent_config *ac, fa2_agent_result *res);

/* Reads the incident of a journal's start record (strings point into records; alarm is
 * always NULL: the start record keeps it as "alarm", a MetricAlarm object). */
fa2_err fa2_agent_journal_incident(const cJSON *records, fa2_agent_incident *inc, fa2_lang *lang);

void fa2_agent_result_cleanup(fa2_agent_result *res);

#endif
