/* Test doubles for the agent: a strict scripted Bedrock Converse transport and fake
 * tools. Shared by test_agent.c and test_session.c. */
#ifndef FA2_TESTS_AGENT_FAKE_H
#define FA2_TESTS_AGENT_FAKE_H

#include "agent/agent.h"
#include "agent/prompts.h"
#include "agent/tool.h"
#include "llm/llm.h"

#define FAKE_MAX_TURNS 16

/* Each scripted turn is a Converse response body; NULL bodies with status 429 mean
 * throttling. After the script ends the last entry repeats. The transport checks
 * every request strictly (path, signing name, role alternation, toolUse/toolResult ids,
 * never both temperature and topP, toolConfig present when tool blocks are) and records
 * the first violation in `violation`. */
typedef struct fake_model {
	const char *bodies[FAKE_MAX_TURNS];
	int statuses[FAKE_MAX_TURNS];
	int n;
	int calls;
	char violation[256];
	char *last_request; /* body of the last request (owned) */
	int keep_requests;  /* set: requests[] gets the first bodies, in order (owned) */
	char *requests[FAKE_MAX_TURNS];
} fake_model;

void fake_model_init(fake_model *m);
void fake_model_cleanup(fake_model *m);
fa2_err fake_converse(void *ctx, const fa2_llm_http_request *req, fa2_llm_http_response *resp);

/* Fake tools: sleep_tool {"ms": N, "tag": "..."} sleeps then reports; echo_tool echoes
 * its input; big_tool outputs N bytes; fail_tool fails. Each counts its executions. */
extern int fake_sleep_runs, fake_echo_runs, fake_big_runs;
void fake_tools_register(fa2_tool_registry *r);
void fake_tools_reset(void);

/* A ready agent config with the fake model as a Bedrock provider. */
typedef struct fake_env {
	fa2_llm_provider llm;
	fa2_tool_registry tools;
	fa2_prompts prompts;
	fa2_agent_config ac;
	fake_model model;
} fake_env;

int fake_env_init(fake_env *e, fa2_lang lang, unsigned max_cycles);
void fake_env_cleanup(fake_env *e);

#define REPORT_JSON "{\"summary\":\"The database ran out of connections at 08:02.\",\"rootCauses\":[{\"title\":\"Connection pool exhausted\",\"description\":\"A deploy doubled the workers.\",\"severity\":\"High\",\"confidence\":\"medium\",\"evidence\":[\"logs_tool: 412 'too many connections' errors from 08:02\"]}],\"impact\":\"5% of API requests failed for 20 minutes.\",\"timeline\":[{\"time\":\"2026-11-25T08:00:00Z\",\"event\":\"deploy\"},{\"time\":\"2026-11-25T08:02:00Z\",\"event\":\"errors start\"}],\"references\":[{\"tool\":\"logs_tool\",\"description\":\"errors\",\"query\":\"filter @message like /too many/\"}],\"actions\":[\"Roll back the deploy\"],\"prevention\":[\"Alarm on pool usage\"],\"missing\":[]}"

/* Converse response bodies. */
char *fake_text_turn(const char *text);                  /* caller frees */
char *fake_tool_turn(const char *const *ids, const char *const *names,
		     const char *const *inputs, int n);  /* caller frees */

#endif
