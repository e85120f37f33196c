/* Agent tools: the interface every read-only tool implements, and the registry.
 *
 * A tool has a name the model sees, a description in each language, a JSON Schema for
 * its input, and execute(): given the parsed input and the incident environment it
 * appends an observation (plain text for the model) to `out`. The agent bounds every
 * observation to env->budget_bytes afterwards (fa2_tool_bound), adding a marker that
 * tells the model how to narrow its query; tools should compress to fit the budget
 * themselves (summaries, templates, top-N) rather than rely on the cut.
 *
 * execute() runs on a worker thread, possibly concurrently with other tools (and with
 * itself for different inputs): it must be thread-safe and honour env->deadline_mono_ms.
 * On failure it returns an error and may leave an explanation in `out` (shown to the
 * model as an error result). The tools of this build (metrics, logs, audit_log, alb_log,
 * xray, kb) are written once over a data source, live AWS or a snapshot, and registered
 * for one by fa2_tools_build() (src/agent/tools/source.h). */
#ifndef FA2_AGENT_TOOL_H
#define FA2_AGENT_TOOL_H

#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"

#include "base/buf.h"
#include "base/err.h"

#define FA2_AGENT_MAX_TOOLS 16u
#define FA2_TOOL_MAX_RAW_BYTES (8u * 1024u * 1024u) /* raw observation before bounding */

typedef enum fa2_lang { FA2_LANG_EN = 0, FA2_LANG_JA = 1 } fa2_lang;

struct fa2_config;
struct fa2_aws_client;

/* One short model call on behalf of a tool: repairs `bad`, a query the service
 * rejected with `error` (its message), for the tool named `tool`; `syntax` names the
 * query language ("CloudWatch Logs Insights filter expression"). On success the
 * corrected text only (no prose, no quotes or code fences) is appended to `fixed`.
 * Errors: FA2_ERR_UNSUPPORTED when no model is available, the model call's error
 * otherwise. Thread-safe (the agent serialises the calls); honours deadline_mono_ms. */
typedef fa2_err (*fa2_tool_repair_fn)(void *ctx, const char *tool, const char *syntax,
				      const char *bad, const char *error,
				      int64_t deadline_mono_ms, fa2_buf *fixed);

/* What a tool knows about the analysis it serves. All borrowed. */
typedef struct fa2_tool_env {
	int64_t from_ms, to_ms;        /* incident window, epoch ms UTC */
	fa2_lang lang;                 /* language of the observation text */
	size_t budget_bytes;           /* observation budget after bounding */
	int64_t deadline_mono_ms;      /* absolute; every network call must end before */
	const struct fa2_config *cfg;  /* log groups, table names, region, ... (may be NULL) */
	/* The AWS client the calls use (the analysis's region and account). NULL: the tools
	 * registered over a live source use the source's client; code that calls AWS with
	 * an env of its own (insight, findings) sets it. */
	struct fa2_aws_client *aws;
	fa2_tool_repair_fn repair;     /* model-assisted query repair; NULL: none */
	void *repair_ctx;
} fa2_tool_env;

typedef fa2_err (*fa2_tool_exec_fn)(void *ctx, const fa2_tool_env *env, const cJSON *input,
				    fa2_buf *out);

typedef struct fa2_tool {
	const char *name;               /* [a-zA-Z0-9_-]{1,64} */
	const char *description[2];     /* indexed by fa2_lang */
	const char *narrow_hint[2];     /* how to narrow the input when output was cut */
	const char *input_schema_json;  /* JSON Schema object (type object) */
	fa2_tool_exec_fn execute;
	void *ctx;                      /* passed to execute; owned by whoever registered */
} fa2_tool;

typedef struct fa2_tool_registry {
	fa2_tool tools[FA2_AGENT_MAX_TOOLS];
	size_t n;
} fa2_tool_registry;

void fa2_tool_registry_init(fa2_tool_registry *r);
/* Copies *t (the strings it points to must outlive the registry). FA2_ERR_INVALID for a
 * bad name or a schema that is not a JSON object, FA2_ERR_EXISTS for a duplicate name,
 * FA2_ERR_TOO_LARGE when full. */
fa2_err fa2_tool_registry_add(fa2_tool_registry *r, const fa2_tool *t);
const fa2_tool *fa2_tool_registry_find(const fa2_tool_registry *r, const char *name);

/* Cuts obs to at most budget bytes (on a UTF-8 character boundary) when it is longer,
 * ending with a marker in lang that states how much was shown and repeats hint.
 * budget must be at least 512. */
fa2_err fa2_tool_bound(fa2_buf *obs, size_t budget, fa2_lang lang, const char *hint);

const char *fa2_lang_code(fa2_lang l);
/* "en" / "ja" (case-insensitive); FA2_ERR_INVALID otherwise. */
fa2_err fa2_lang_parse(const char *s, fa2_lang *out);

#endif
