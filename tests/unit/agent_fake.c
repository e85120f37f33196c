/* Test doubles for the agent (see agent_fake.h). */
#include "agent_fake.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/json.h"
#include "base/limits.h"

int fake_sleep_runs, fake_echo_runs, fake_big_runs;

void fake_model_init(fake_model *m)
{
	memset(m, 0, sizeof *m);
}

void fake_model_cleanup(fake_model *m)
{
	int i;
	fa2_free(m->last_request);
	m->last_request = NULL;
	for (i = 0; i < FAKE_MAX_TURNS; i++) {
		fa2_free(m->requests[i]);
		m->requests[i] = NULL;
	}
}

static void violate(fake_model *m, const char *what)
{
	if (!m->violation[0])
		snprintf(m->violation, sizeof m->violation, "request %d: %s", m->calls, what);
}

/* Strict checks of one Converse request body. */
static void check_request(fake_model *m, const fa2_llm_http_request *req)
{
	cJSON *j = fa2_json_parse(req->body, NULL), *msgs, *msg, *inf;
	const char *prev_role = NULL;
	char pending[64][128];
	int n_pending = 0, any_tool_blocks = 0;
	if (!req->path || strncmp(req->path, "/model/", 7) != 0 ||
	    strcmp(req->path + strlen(req->path) - 9, "/converse") != 0)
		violate(m, "path is not /model/{id}/converse");
	if (!req->sign_service || strcmp(req->sign_service, "bedrock") != 0)
		violate(m, "signing name is not bedrock");
	if (!j) {
		violate(m, "body is not JSON");
		return;
	}
	inf = cJSON_GetObjectItem(j, "inferenceConfig");
	if (cJSON_GetObjectItem(inf, "temperature") && cJSON_GetObjectItem(inf, "topP"))
		violate(m, "both temperature and topP");
	msgs = cJSON_GetObjectItem(j, "messages");
	if (!cJSON_IsArray(msgs) || cJSON_GetArraySize(msgs) == 0)
		violate(m, "no messages");
	cJSON_ArrayForEach(msg, msgs)
	{
		const char *role = fa2_json_str(msg, "role");
		const cJSON *c, *content = cJSON_GetObjectItem(msg, "content");
		int results = 0;
		if (!role || (prev_role && strcmp(prev_role, role) == 0))
			violate(m, "roles do not alternate");
		if (!prev_role && strcmp(role, "user") != 0)
			violate(m, "first message is not from the user");
		if (cJSON_GetArraySize(content) == 0)
			violate(m, "empty content");
		cJSON_ArrayForEach(c, content)
		{
			const cJSON *tu = cJSON_GetObjectItem(c, "toolUse"), *tr = cJSON_GetObjectItem(c, "toolResult");
			const char *text = fa2_json_str(c, "text");
			if (text && !*text)
				violate(m, "blank text block");
			if (tu) {
				any_tool_blocks = 1;
				if (strcmp(role, "assistant") != 0)
					violate(m, "toolUse in a user message");
				if (n_pending < 64)
					snprintf(pending[n_pending++], 128, "%s", fa2_json_str(tu, "toolUseId"));
			}
			if (tr) {
				int k, found = -1;
				const char *id = fa2_json_str(tr, "toolUseId");
				any_tool_blocks = 1;
				results++;
				for (k = 0; id && k < n_pending; k++)
					if (strcmp(pending[k], id) == 0)
						found = k;
				if (found < 0)
					violate(m, "toolResult id matches no open toolUse id");
				else
					pending[found][0] = '\0';
				if (!cJSON_IsArray(cJSON_GetObjectItem(tr, "content")))
					violate(m, "toolResult without content");
			}
		}
		if (strcmp(role, "user") == 0) {
			int k;
			for (k = 0; k < n_pending; k++)
				if (pending[k][0])
					violate(m, "a toolUse has no toolResult in the next user message");
			n_pending = 0;
		}
		(void)results;
		prev_role = role;
	}
	if (any_tool_blocks && !cJSON_GetObjectItem(j, "toolConfig"))
		violate(m, "tool blocks without toolConfig");
	if (prev_role && strcmp(prev_role, "user") != 0)
		violate(m, "last message is not from the user");
	cJSON_Delete(j);
}

fa2_err fake_converse(void *ctx, const fa2_llm_http_request *req, fa2_llm_http_response *resp)
{
	fake_model *m = ctx;
	int i = m->calls < m->n ? m->calls : m->n - 1;
	if (m->keep_requests && m->calls < FAKE_MAX_TURNS)
		m->requests[m->calls] = fa2_strndup(req->body.ptr, req->body.len);
	m->calls++;
	check_request(m, req);
	fa2_free(m->last_request);
	m->last_request = fa2_strndup(req->body.ptr, req->body.len);
	if (i < 0) {
		resp->status = 500;
		return fa2_buf_append_cstr(&resp->body, "{\"message\":\"script empty\"}");
	}
	resp->status = m->statuses[i] ? m->statuses[i] : 200;
	if (resp->status == 429) {
		snprintf(resp->error_type, sizeof resp->error_type, "ThrottlingException");
		return fa2_buf_append_cstr(&resp->body, "{\"message\":\"Too many requests, please wait before trying again.\"}");
	}
	return fa2_buf_append_cstr(&resp->body, m->bodies[i] ? m->bodies[i] : "{}");
}

char *fake_text_turn(const char *text)
{
	cJSON *j = cJSON_CreateObject(), *msg, *content, *b;
	char *s;
	msg = cJSON_AddObjectToObject(cJSON_AddObjectToObject(j, "output"), "message");
	cJSON_AddStringToObject(msg, "role", "assistant");
	content = cJSON_AddArrayToObject(msg, "content");
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "text", text);
	cJSON_AddItemToArray(content, b);
	cJSON_AddStringToObject(j, "stopReason", "end_turn");
	b = cJSON_AddObjectToObject(j, "usage");
	cJSON_AddNumberToObject(b, "inputTokens", 100);
	cJSON_AddNumberToObject(b, "outputTokens", 50);
	cJSON_AddNumberToObject(b, "totalTokens", 150);
	s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return s;
}

char *fake_tool_turn(const char *const *ids, const char *const *names, const char *const *inputs, int n)
{
	cJSON *j = cJSON_CreateObject(), *msg, *content, *b, *tu;
	char *s;
	int i;
	msg = cJSON_AddObjectToObject(cJSON_AddObjectToObject(j, "output"), "message");
	cJSON_AddStringToObject(msg, "role", "assistant");
	content = cJSON_AddArrayToObject(msg, "content");
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "text", "Let me check.");
	cJSON_AddItemToArray(content, b);
	for (i = 0; i < n; i++) {
		b = cJSON_CreateObject();
		tu = cJSON_AddObjectToObject(b, "toolUse");
		cJSON_AddStringToObject(tu, "toolUseId", ids[i]);
		cJSON_AddStringToObject(tu, "name", names[i]);
		cJSON_AddItemToObject(tu, "input", cJSON_Parse(inputs[i]));
		cJSON_AddItemToArray(content, b);
	}
	cJSON_AddStringToObject(j, "stopReason", "tool_use");
	b = cJSON_AddObjectToObject(j, "usage");
	cJSON_AddNumberToObject(b, "inputTokens", 10);
	cJSON_AddNumberToObject(b, "outputTokens", 5);
	cJSON_AddNumberToObject(b, "totalTokens", 15);
	s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return s;
}

/* ---- tools ---- */

static fa2_err sleep_exec(void *ctx, const fa2_tool_env *env, const cJSON *input, fa2_buf *out)
{
	double ms = 0;
	struct timespec ts;
	(void)ctx;
	(void)env;
	fa2_json_num(input, "ms", &ms);
	__atomic_add_fetch(&fake_sleep_runs, 1, __ATOMIC_SEQ_CST);
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)((long long)ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0)
		;
	return fa2_buf_appendf(out, "slept %.0f ms (%s)", ms, fa2_json_str(input, "tag") ? fa2_json_str(input, "tag") : "");
}

static fa2_err echo_exec(void *ctx, const fa2_tool_env *env, const cJSON *input, fa2_buf *out)
{
	(void)ctx;
	__atomic_add_fetch(&fake_echo_runs, 1, __ATOMIC_SEQ_CST);
	fa2_buf_appendf(out, "window %lld-%lld; input ", (long long)env->from_ms, (long long)env->to_ms);
	return fa2_json_append(out, input);
}

static fa2_err big_exec(void *ctx, const fa2_tool_env *env, const cJSON *input, fa2_buf *out)
{
	double n = 0;
	size_t i;
	fa2_err e = FA2_OK;
	(void)ctx;
	(void)env;
	__atomic_add_fetch(&fake_big_runs, 1, __ATOMIC_SEQ_CST);
	fa2_json_num(input, "bytes", &n);
	for (i = 0; i < (size_t)n && !e; i++)
		e = fa2_buf_append_byte(out, (unsigned char)('a' + i % 26));
	return e;
}

static fa2_err fail_exec(void *ctx, const fa2_tool_env *env, const cJSON *input, fa2_buf *out)
{
	(void)ctx;
	(void)env;
	(void)input;
	fa2_buf_append_cstr(out, "AccessDeniedException: not authorized to perform logs:StartQuery");
	return FA2_ERR_AUTH;
}

void fake_tools_reset(void)
{
	fake_sleep_runs = fake_echo_runs = fake_big_runs = 0;
}

void fake_tools_register(fa2_tool_registry *r)
{
	static const char obj[] = "{\"type\":\"object\",\"properties\":{}}";
	fa2_tool t;
	memset(&t, 0, sizeof t);
	t.input_schema_json = obj;
	t.name = "sleep_tool";
	t.description[0] = "Sleeps";
	t.description[1] = "スリープします";
	t.execute = sleep_exec;
	fa2_tool_registry_add(r, &t);
	t.name = "echo_tool";
	t.description[0] = "Echoes its input";
	t.description[1] = "入力を返します";
	t.execute = echo_exec;
	fa2_tool_registry_add(r, &t);
	t.name = "big_tool";
	t.description[0] = "Prints many bytes";
	t.description[1] = "大量のバイトを出力します";
	t.narrow_hint[0] = "ask for fewer bytes";
	t.narrow_hint[1] = "バイト数を減らしてください";
	t.execute = big_exec;
	fa2_tool_registry_add(r, &t);
	t.name = "fail_tool";
	t.narrow_hint[0] = t.narrow_hint[1] = NULL;
	t.execute = fail_exec;
	fa2_tool_registry_add(r, &t);
}

int fake_env_init(fake_env *e, fa2_lang lang, unsigned max_cycles)
{
	char msg[256];
	memset(e, 0, sizeof *e);
	fake_model_init(&e->model);
	if (fa2_llm_provider_init(&e->llm, FA2_LLM_BEDROCK, "us.anthropic.claude-sonnet-4-5-20250929-v1:0", NULL, NULL))
		return -1;
	e->llm.transport = fake_converse;
	e->llm.transport_ctx = &e->model;
	e->llm.backoff_base_ms = 1;
	e->llm.backoff_max_ms = 2;
	e->llm.max_retries = 2;
	fa2_tool_registry_init(&e->tools);
	fake_tools_register(&e->tools);
	if (fa2_prompts_load(&e->prompts, lang, NULL, msg, sizeof msg))
		return -1;
	e->ac.llm = &e->llm;
	e->ac.tools = &e->tools;
	e->ac.prompts = &e->prompts;
	e->ac.lang = lang;
	e->ac.architecture = "ALB -> ECS (api) -> Aurora MySQL";
	e->ac.max_cycles = max_cycles;
	e->ac.parallelism = 4;
	e->ac.observation_bytes = 4096;
	e->ac.max_tokens = 4096;
	e->ac.has_temperature = 1;
	e->ac.temperature = 0.1;
	e->ac.tool_timeout_ms = 10000;
	fake_tools_reset();
	return 0;
}

void fake_env_cleanup(fake_env *e)
{
	fake_model_cleanup(&e->model);
	fa2_prompts_cleanup(&e->prompts);
	fa2_llm_provider_cleanup(&e->llm);
}
