/* Unit tests for src/llm: Bedrock Converse and OpenAI-compatible request building,
 * response decoding (recorded-shape JSON), error classification and retries. */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/json.h"
#include "base/limits.h"
#include "llm/llm.h"
#include "test.h"

static const char *const schema = "{\"type\":\"object\",\"properties\":{\"filterPattern\":{\"type\":\"string\"}},\"required\":[\"filterPattern\"]}";

/* user text -> assistant text + toolUse -> user toolResult */
static int make_conv(fa2_llm_conv *c)
{
	fa2_llm_message *m;
	fa2_llm_conv_init(c);
	if (fa2_llm_conv_add(c, FA2_LLM_USER, &m) ||
	    fa2_llm_message_add_text(m, FA2_SLICE_LIT("API 5xx since 08:00")) ||
	    fa2_llm_conv_add(c, FA2_LLM_ASSISTANT, &m) ||
	    fa2_llm_message_add_text(m, FA2_SLICE_LIT("Checking the logs.")) ||
	    fa2_llm_message_add_tool_use(m, "tooluse_A1", "logs_tool", "{\"filterPattern\":\"ERROR\"}") ||
	    fa2_llm_conv_add(c, FA2_LLM_USER, &m) ||
	    fa2_llm_message_add_tool_result(m, "tooluse_A1", "logs_tool", FA2_SLICE_LIT("12 errors"), 0))
		return -1;
	return 0;
}

FA2_TEST(llm_bedrock_build_shape)
{
	fa2_llm_provider p;
	fa2_llm_conv c;
	fa2_llm_request req;
	fa2_llm_http_request http;
	fa2_llm_tool_spec spec = { "logs_tool", "Query logs", NULL };
	fa2_buf body;
	char path[512];
	cJSON *j, *msgs, *m1, *blk, *inf, *ts;
	spec.schema_json = schema;
	CHECK_OK(fa2_llm_provider_init(&p, FA2_LLM_BEDROCK, "us.anthropic.claude-3-5-sonnet-20241022-v2:0", NULL, NULL));
	CHECK(make_conv(&c) == 0);
	memset(&req, 0, sizeof req);
	req.system = "You are fa2.";
	req.conv = &c;
	req.tools = &spec;
	req.n_tools = 1;
	req.max_tokens = 8192;
	req.has_temperature = 1;
	req.temperature = 0.1;
	fa2_buf_init(&body, FA2_MAX_LLM_REQUEST_BYTES);
	CHECK_OK(fa2_llm_build(&p, &req, &http, &body, path, sizeof path));
	CHECK_STR_EQ(http.method, "POST");
	CHECK_STR_EQ(http.path, "/model/us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse");
	CHECK_STR_EQ(http.sign_service, "bedrock");
	CHECK(http.base_url == NULL);
	j = fa2_json_parse(fa2_buf_slice(&body), NULL);
	CHECK(j != NULL);
	CHECK_STR_EQ(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "system"), 0)->child->valuestring, "You are fa2.");
	msgs = cJSON_GetObjectItem(j, "messages");
	CHECK_INT_EQ(cJSON_GetArraySize(msgs), 3);
	m1 = cJSON_GetArrayItem(msgs, 1);
	CHECK_STR_EQ(fa2_json_str(m1, "role"), "assistant");
	blk = cJSON_GetArrayItem(cJSON_GetObjectItem(m1, "content"), 1);
	CHECK_STR_EQ(fa2_json_str(cJSON_GetObjectItem(blk, "toolUse"), "toolUseId"), "tooluse_A1");
	CHECK_STR_EQ(fa2_json_str(cJSON_GetObjectItem(cJSON_GetObjectItem(blk, "toolUse"), "input"), "filterPattern"), "ERROR");
	blk = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(msgs, 2), "content"), 0);
	blk = cJSON_GetObjectItem(blk, "toolResult");
	CHECK_STR_EQ(fa2_json_str(blk, "toolUseId"), "tooluse_A1");
	CHECK_STR_EQ(fa2_json_str(blk, "status"), "success");
	CHECK_STR_EQ(fa2_json_str(cJSON_GetArrayItem(cJSON_GetObjectItem(blk, "content"), 0), "text"), "12 errors");
	inf = cJSON_GetObjectItem(j, "inferenceConfig");
	CHECK(cJSON_GetObjectItem(inf, "maxTokens")->valuedouble == 8192);
	CHECK(cJSON_GetObjectItem(inf, "temperature") != NULL);
	CHECK(cJSON_GetObjectItem(inf, "topP") == NULL);
	ts = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "toolConfig"), "tools"), 0), "toolSpec");
	CHECK_STR_EQ(fa2_json_str(ts, "name"), "logs_tool");
	CHECK_STR_EQ(fa2_json_str(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(ts, "inputSchema"), "json"), "properties")->child, "type"), "string");
	cJSON_Delete(j);
	/* Both sampling parameters: refused, never sent. */
	req.has_top_p = 1;
	req.top_p = 0.9;
	fa2_buf_reset(&body);
	CHECK_INT_EQ(fa2_llm_build(&p, &req, &http, &body, path, sizeof path), FA2_ERR_INVALID);
	/* topP alone is sent as topP. */
	req.has_temperature = 0;
	CHECK_OK(fa2_llm_build(&p, &req, &http, &body, path, sizeof path));
	CHECK(strstr(body.data, "\"topP\":0.9") != NULL && strstr(body.data, "temperature") == NULL);
	fa2_buf_cleanup(&body);
	fa2_llm_conv_cleanup(&c);
	fa2_llm_provider_cleanup(&p);
}

FA2_TEST(llm_bedrock_model_id_forms)
{
	static const struct { const char *id, *path; } cases[] = {
		{ "global.anthropic.claude-sonnet-4-6", "/model/global.anthropic.claude-sonnet-4-6/converse" },
		{ "anthropic.claude-3-haiku-20240307-v1:0", "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse" },
		{ "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-7-sonnet-20250219-v1:0",
		  "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-7-sonnet-20250219-v1%3A0/converse" },
	};
	size_t i;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fa2_llm_provider p;
		fa2_llm_request req;
		fa2_llm_http_request http;
		fa2_llm_conv c;
		fa2_buf body;
		char path[512];
		CHECK_OK(fa2_llm_provider_init(&p, FA2_LLM_BEDROCK, cases[i].id, NULL, NULL));
		fa2_llm_conv_init(&c);
		memset(&req, 0, sizeof req);
		req.conv = &c;
		fa2_buf_init(&body, 1 << 20);
		CHECK_OK(fa2_llm_build(&p, &req, &http, &body, path, sizeof path));
		CHECK_STR_EQ(http.path, cases[i].path);
		CHECK(strstr(body.data, "toolConfig") == NULL); /* no tools, no toolConfig */
		fa2_buf_cleanup(&body);
		fa2_llm_provider_cleanup(&p);
	}
}

/* The shape of a real Converse response with text and two toolUse blocks. */
static const char bedrock_tool_response[] =
	"{\"metrics\":{\"latencyMs\":2113},\"output\":{\"message\":{\"content\":["
	"{\"text\":\"I'll check the logs and metrics.\"},"
	"{\"toolUse\":{\"input\":{\"filterPattern\":\"ERROR\",\"limit\":50},\"name\":\"logs_tool\",\"toolUseId\":\"tooluse_kZJMlvQmRJ6eAyJE5GIl7Q\"}},"
	"{\"toolUse\":{\"input\":{\"namespaces\":[\"AWS/ApplicationELB\"]},\"name\":\"metrics_tool\",\"toolUseId\":\"tooluse_2\"}}"
	"],\"role\":\"assistant\"}},\"stopReason\":\"tool_use\","
	"\"usage\":{\"inputTokens\":1201,\"outputTokens\":97,\"totalTokens\":1298}}";

FA2_TEST(llm_bedrock_decode_tool_use)
{
	fa2_llm_response r;
	fa2_llm_error err;
	fa2_llm_response_init(&r);
	CHECK_OK(fa2_llm_decode(FA2_LLM_BEDROCK, 200, "", fa2_slice_cstr(bedrock_tool_response), &r, &err));
	CHECK_INT_EQ(r.msg.n_blocks, 3);
	CHECK_INT_EQ(r.msg.blocks[0].kind, FA2_LLM_TEXT);
	CHECK_STR_EQ(r.msg.blocks[0].text, "I'll check the logs and metrics.");
	CHECK_INT_EQ(r.msg.blocks[1].kind, FA2_LLM_TOOL_USE);
	CHECK_STR_EQ(r.msg.blocks[1].tool_id, "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q");
	CHECK_STR_EQ(r.msg.blocks[1].tool_name, "logs_tool");
	CHECK_STR_EQ(r.msg.blocks[1].input_json, "{\"filterPattern\":\"ERROR\",\"limit\":50}");
	CHECK_STR_EQ(r.msg.blocks[2].tool_name, "metrics_tool");
	CHECK_INT_EQ(r.stop, FA2_LLM_STOP_TOOL_USE);
	CHECK_STR_EQ(r.stop_raw, "tool_use");
	CHECK_INT_EQ(r.usage.input_tokens, 1201);
	CHECK_INT_EQ(r.usage.output_tokens, 97);
	CHECK_INT_EQ(r.usage.total_tokens, 1298);
	CHECK_INT_EQ(fa2_llm_message_count_tool_uses(&r.msg), 2);
	/* A second decode into the same response resets it first. */
	CHECK_OK(fa2_llm_decode(FA2_LLM_BEDROCK, 200, "", fa2_slice_cstr(
		"{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":[{\"text\":\"done\"}]}},\"stopReason\":\"end_turn\",\"usage\":{\"inputTokens\":1,\"outputTokens\":2,\"totalTokens\":3}}"),
		&r, &err));
	CHECK_INT_EQ(r.msg.n_blocks, 1);
	CHECK_INT_EQ(r.stop, FA2_LLM_STOP_END_TURN);
	fa2_llm_response_cleanup(&r);
}

FA2_TEST(llm_bedrock_decode_errors)
{
	static const struct {
		int status;
		const char *hdr, *body;
		fa2_err want;
		int retryable, throttled;
		const char *type;
	} cases[] = {
		{ 429, "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/",
		  "{\"message\":\"Too many requests, please wait before trying again.\"}",
		  FA2_ERR_THROTTLED, 1, 1, "ThrottlingException" },
		{ 503, "ServiceUnavailableException", "{\"message\":\"Bedrock is unable to process your request.\"}",
		  FA2_ERR_THROTTLED, 1, 1, "ServiceUnavailableException" },
		{ 429, "", "{\"__type\":\"com.amazon.bedrock#ModelNotReadyException\",\"message\":\"not ready\"}",
		  FA2_ERR_THROTTLED, 1, 1, "ModelNotReadyException" },
		{ 500, "InternalServerException", "{\"message\":\"oops\"}", FA2_ERR_AGAIN, 1, 0, "InternalServerException" },
		{ 408, "ModelTimeoutException", "{\"message\":\"timeout\"}", FA2_ERR_AGAIN, 1, 0, "ModelTimeoutException" },
		{ 400, "ValidationException", "{\"message\":\"The model returned the following errors: temperature and top_p cannot both be specified\"}",
		  FA2_ERR_LLM, 0, 0, "ValidationException" },
		{ 403, "AccessDeniedException", "{\"Message\":\"You don't have access to the model\"}", FA2_ERR_AUTH, 0, 0, "AccessDeniedException" },
		{ 404, "ResourceNotFoundException", "not json", FA2_ERR_LLM, 0, 0, "ResourceNotFoundException" },
	};
	size_t i;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fa2_llm_response r;
		fa2_llm_error err;
		fa2_llm_response_init(&r);
		CHECK_INT_EQ(fa2_llm_decode(FA2_LLM_BEDROCK, cases[i].status, cases[i].hdr,
					    fa2_slice_cstr(cases[i].body), &r, &err), cases[i].want);
		CHECK_INT_EQ(err.retryable, cases[i].retryable);
		CHECK_INT_EQ(err.throttled, cases[i].throttled);
		CHECK_STR_EQ(err.type, cases[i].type);
		CHECK_INT_EQ(err.status, cases[i].status);
		fa2_llm_response_cleanup(&r);
	}
	{
		fa2_llm_response r;
		fa2_llm_error err;
		fa2_llm_response_init(&r);
		CHECK_INT_EQ(fa2_llm_decode(FA2_LLM_BEDROCK, 200, "", FA2_SLICE_LIT("{\"output\":{}}"), &r, &err), FA2_ERR_PARSE);
		CHECK_INT_EQ(fa2_llm_decode(FA2_LLM_BEDROCK, 200, "", FA2_SLICE_LIT("{\"output\":{\"message\":{\"content\":[{\"toolUse\":{\"name\":\"x\"}}]}}}"), &r, &err), FA2_ERR_PARSE);
		CHECK_INT_EQ(r.msg.n_blocks, 0);
		fa2_llm_response_cleanup(&r);
	}
}

FA2_TEST(llm_openai_build_shape)
{
	fa2_llm_provider p;
	fa2_llm_conv c;
	fa2_llm_request req;
	fa2_llm_http_request http;
	fa2_llm_tool_spec spec = { "logs_tool", "Query logs", NULL };
	fa2_buf body;
	char path[512];
	cJSON *j, *msgs, *m, *call;
	spec.schema_json = schema;
	CHECK_OK(fa2_llm_provider_init(&p, FA2_LLM_OPENAI, "qwen2.5-7b-instruct", "http://127.0.0.1:8080/v1", "sk-test-secret-1234"));
	CHECK(make_conv(&c) == 0);
	memset(&req, 0, sizeof req);
	req.system = "You are fa2.";
	req.conv = &c;
	req.tools = &spec;
	req.n_tools = 1;
	req.max_tokens = 1000;
	req.has_top_p = 1;
	req.top_p = 0.5;
	fa2_buf_init(&body, FA2_MAX_LLM_REQUEST_BYTES);
	CHECK_OK(fa2_llm_build(&p, &req, &http, &body, path, sizeof path));
	CHECK_STR_EQ(http.base_url, "http://127.0.0.1:8080/v1");
	CHECK_STR_EQ(http.path, "/chat/completions");
	CHECK(http.sign_service == NULL);
	CHECK_INT_EQ(http.n_headers, 1);
	CHECK_STR_EQ(http.headers[0].name, "Authorization");
	CHECK_STR_EQ(http.headers[0].value, "Bearer sk-test-secret-1234");
	j = fa2_json_parse(fa2_buf_slice(&body), NULL);
	CHECK(j != NULL);
	CHECK_STR_EQ(fa2_json_str(j, "model"), "qwen2.5-7b-instruct");
	CHECK(cJSON_GetObjectItem(j, "top_p") && !cJSON_GetObjectItem(j, "temperature"));
	msgs = cJSON_GetObjectItem(j, "messages");
	CHECK_INT_EQ(cJSON_GetArraySize(msgs), 4); /* system, user, assistant, tool */
	CHECK_STR_EQ(fa2_json_str(cJSON_GetArrayItem(msgs, 0), "role"), "system");
	m = cJSON_GetArrayItem(msgs, 2);
	CHECK_STR_EQ(fa2_json_str(m, "role"), "assistant");
	CHECK_STR_EQ(fa2_json_str(m, "content"), "Checking the logs.");
	call = cJSON_GetArrayItem(cJSON_GetObjectItem(m, "tool_calls"), 0);
	CHECK_STR_EQ(fa2_json_str(call, "id"), "tooluse_A1");
	CHECK_STR_EQ(fa2_json_str(call, "type"), "function");
	CHECK_STR_EQ(fa2_json_str(cJSON_GetObjectItem(call, "function"), "arguments"), "{\"filterPattern\":\"ERROR\"}");
	m = cJSON_GetArrayItem(msgs, 3);
	CHECK_STR_EQ(fa2_json_str(m, "role"), "tool");
	CHECK_STR_EQ(fa2_json_str(m, "tool_call_id"), "tooluse_A1");
	CHECK_STR_EQ(fa2_json_str(m, "content"), "12 errors");
	CHECK_STR_EQ(fa2_json_str(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "tools"), 0), "function"), "name"), "logs_tool");
	CHECK_STR_EQ(fa2_json_str(j, "tool_choice"), "auto");
	cJSON_Delete(j);
	fa2_buf_cleanup(&body);
	fa2_llm_conv_cleanup(&c);
	fa2_llm_provider_cleanup(&p);
}

static const char openai_tool_response[] =
	"{\"id\":\"chatcmpl-abc123\",\"object\":\"chat.completion\",\"created\":1764057600,\"model\":\"gpt-4o-mini\","
	"\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
	"{\"id\":\"call_9pw1qnYScqvGrCH58HWCvFH6\",\"type\":\"function\",\"function\":{\"name\":\"logs_tool\",\"arguments\":\"{\\\"filterPattern\\\": \\\"timeout\\\"}\"}},"
	"{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"xray_tool\",\"arguments\":{\"filterExpression\":\"fault = true\"}}}"
	"]},\"logprobs\":null,\"finish_reason\":\"tool_calls\"}],"
	"\"usage\":{\"prompt_tokens\":82,\"completion_tokens\":17,\"total_tokens\":99}}";

FA2_TEST(llm_openai_decode)
{
	fa2_llm_response r;
	fa2_llm_error err;
	fa2_llm_response_init(&r);
	CHECK_OK(fa2_llm_decode(FA2_LLM_OPENAI, 200, NULL, fa2_slice_cstr(openai_tool_response), &r, &err));
	CHECK_INT_EQ(r.msg.n_blocks, 2);
	CHECK_STR_EQ(r.msg.blocks[0].tool_id, "call_9pw1qnYScqvGrCH58HWCvFH6");
	CHECK_STR_EQ(r.msg.blocks[0].input_json, "{\"filterPattern\":\"timeout\"}");
	CHECK_STR_EQ(r.msg.blocks[1].input_json, "{\"filterExpression\":\"fault = true\"}");
	CHECK_INT_EQ(r.stop, FA2_LLM_STOP_TOOL_USE);
	CHECK_INT_EQ(r.usage.input_tokens, 82);
	CHECK_INT_EQ(r.usage.total_tokens, 99);
	CHECK_OK(fa2_llm_decode(FA2_LLM_OPENAI, 200, NULL, FA2_SLICE_LIT(
		"{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"All good.\"},\"finish_reason\":\"length\"}]}"), &r, &err));
	CHECK_INT_EQ(r.msg.n_blocks, 1);
	CHECK_STR_EQ(r.msg.blocks[0].text, "All good.");
	CHECK_INT_EQ(r.stop, FA2_LLM_STOP_MAX_TOKENS);
	CHECK_INT_EQ(fa2_llm_decode(FA2_LLM_OPENAI, 429, NULL, FA2_SLICE_LIT(
		"{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}"), &r, &err), FA2_ERR_THROTTLED);
	CHECK(err.retryable && err.throttled);
	CHECK_STR_EQ(err.type, "rate_limit_exceeded");
	CHECK_INT_EQ(fa2_llm_decode(FA2_LLM_OPENAI, 429, NULL, FA2_SLICE_LIT(
		"{\"error\":{\"message\":\"You exceeded your current quota\",\"type\":\"insufficient_quota\",\"code\":\"insufficient_quota\"}}"), &r, &err), FA2_ERR_LLM);
	CHECK(!err.retryable);
	CHECK_INT_EQ(fa2_llm_decode(FA2_LLM_OPENAI, 401, NULL, FA2_SLICE_LIT("{\"error\":\"bad key\"}"), &r, &err), FA2_ERR_AUTH);
	CHECK_STR_EQ(err.message, "bad key");
	CHECK_INT_EQ(fa2_llm_decode(FA2_LLM_OPENAI, 502, NULL, FA2_SLICE_LIT("<html>bad gateway</html>"), &r, &err), FA2_ERR_AGAIN);
	CHECK_INT_EQ(fa2_llm_decode(FA2_LLM_OPENAI, 200, NULL, FA2_SLICE_LIT("{\"choices\":[]}"), &r, &err), FA2_ERR_PARSE);
	fa2_llm_response_cleanup(&r);
}

/* ---- retries through a scripted transport ---- */

struct scripted {
	int statuses[8];
	const char *types[8];
	const char *bodies[8];
	int n, calls;
	fa2_err transport_err[8];
};

static fa2_err scripted_send(void *ctx, const fa2_llm_http_request *req, fa2_llm_http_response *resp)
{
	struct scripted *s = ctx;
	int i = s->calls < s->n ? s->calls : s->n - 1;
	(void)req;
	s->calls++;
	if (s->transport_err[i])
		return s->transport_err[i];
	resp->status = s->statuses[i];
	snprintf(resp->error_type, sizeof resp->error_type, "%s", s->types[i] ? s->types[i] : "");
	return fa2_buf_append_cstr(&resp->body, s->bodies[i]);
}

static unsigned waits[16], n_waits;
static void record_sleep(unsigned ms)
{
	if (n_waits < 16)
		waits[n_waits] = ms;
	n_waits++;
}

FA2_TEST(llm_call_retries_then_succeeds)
{
	struct scripted s;
	fa2_llm_provider p;
	fa2_llm_conv c;
	fa2_llm_request req;
	fa2_llm_response r;
	fa2_llm_error err;
	memset(&s, 0, sizeof s);
	s.n = 4;
	s.statuses[0] = 429; s.types[0] = "ThrottlingException"; s.bodies[0] = "{\"message\":\"slow down\"}";
	s.transport_err[1] = FA2_ERR_NET;
	s.statuses[2] = 503; s.types[2] = "ServiceUnavailableException"; s.bodies[2] = "{}";
	s.statuses[3] = 200; s.bodies[3] = bedrock_tool_response;
	CHECK_OK(fa2_llm_provider_init(&p, FA2_LLM_BEDROCK, "m", NULL, NULL));
	p.transport = scripted_send;
	p.transport_ctx = &s;
	p.backoff_base_ms = 100;
	p.backoff_max_ms = 1000;
	n_waits = 0;
	fa2_llm_set_sleep_fn(record_sleep);
	CHECK(make_conv(&c) == 0);
	memset(&req, 0, sizeof req);
	req.conv = &c;
	fa2_llm_response_init(&r);
	CHECK_OK(fa2_llm_call(&p, &req, 0, &r, &err));
	CHECK_INT_EQ(s.calls, 4);
	CHECK_INT_EQ(n_waits, 3);
	/* 100, 200, 400 ms, each +-20% jitter */
	CHECK(waits[0] >= 80 && waits[0] <= 120);
	CHECK(waits[1] >= 160 && waits[1] <= 240);
	CHECK(waits[2] >= 320 && waits[2] <= 480);
	CHECK_INT_EQ(p.throttled, 2);
	CHECK_INT_EQ(fa2_llm_message_count_tool_uses(&r.msg), 2);
	/* Throttled every time: gives up after max_retries with FA2_ERR_THROTTLED. */
	s.calls = 0;
	s.n = 1;
	n_waits = 0;
	p.max_retries = 2;
	CHECK_INT_EQ(fa2_llm_call(&p, &req, 0, &r, &err), FA2_ERR_THROTTLED);
	CHECK_INT_EQ(s.calls, 3);
	CHECK(err.throttled);
	CHECK_STR_EQ(err.type, "ThrottlingException");
	/* A validation error is not retried. */
	s.calls = 0;
	s.statuses[0] = 400; s.types[0] = "ValidationException";
	CHECK_INT_EQ(fa2_llm_call(&p, &req, 0, &r, &err), FA2_ERR_LLM);
	CHECK_INT_EQ(s.calls, 1);
	/* No transport: a clear error, no crash. */
	p.transport = NULL;
	CHECK_INT_EQ(fa2_llm_call(&p, &req, 0, &r, &err), FA2_ERR_UNSUPPORTED);
	fa2_llm_set_sleep_fn(NULL);
	fa2_llm_response_cleanup(&r);
	fa2_llm_conv_cleanup(&c);
	fa2_llm_provider_cleanup(&p);
}

static void torture_decode(void *ctx)
{
	fa2_llm_response r;
	(void)ctx;
	fa2_llm_response_init(&r);
	(void)fa2_llm_decode(FA2_LLM_BEDROCK, 200, "", fa2_slice_cstr(bedrock_tool_response), &r, NULL);
	fa2_llm_response_cleanup(&r);
	(void)fa2_llm_decode(FA2_LLM_OPENAI, 200, "", fa2_slice_cstr(openai_tool_response), &r, NULL);
	fa2_llm_response_cleanup(&r);
}

static void torture_build(void *ctx)
{
	fa2_llm_provider p;
	fa2_llm_conv c;
	fa2_llm_request req;
	fa2_llm_http_request http;
	fa2_buf body;
	char path[256];
	(void)ctx;
	memset(&req, 0, sizeof req);
	if (fa2_llm_provider_init(&p, FA2_LLM_BEDROCK, "m:1", NULL, NULL))
		return;
	if (make_conv(&c) == 0) {
		req.conv = &c;
		req.system = "s";
		fa2_buf_init(&body, 1 << 20);
		(void)fa2_llm_build(&p, &req, &http, &body, path, sizeof path);
		fa2_buf_cleanup(&body);
	}
	fa2_llm_conv_cleanup(&c);
	fa2_llm_provider_cleanup(&p);
}

FA2_TEST(llm_alloc_torture)
{
	CHECK(fa2_test_alloc_torture(torture_decode, NULL) > 5);
	CHECK(fa2_test_alloc_torture(torture_build, NULL) > 5);
}
