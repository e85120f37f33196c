/* libFuzzer target: the Bedrock Converse and OpenAI chat-completions response decoders,
 * and the report extractor that reads the model's answer. The first byte picks the HTTP
 * status class; the rest is the body. A decoded message must survive a round trip
 * through the request builder of its provider. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/report.h"
#include "base/json.h"
#include "base/limits.h"
#include "llm/llm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(fa2_llm_kind kind, const fa2_llm_message *m)
{
	fa2_llm_provider p;
	fa2_llm_conv c;
	fa2_llm_message *u;
	fa2_llm_request req;
	fa2_llm_http_request http;
	fa2_buf body;
	char path[512];
	size_t i;
	if (fa2_llm_provider_init(&p, kind, "m", "http://127.0.0.1:1/v1", NULL))
		return;
	fa2_llm_conv_init(&c);
	if (fa2_llm_conv_add(&c, FA2_LLM_USER, &u) == FA2_OK &&
	    fa2_llm_message_add_text(u, FA2_SLICE_LIT("q")) == FA2_OK &&
	    fa2_llm_conv_add_copy(&c, m) == FA2_OK && fa2_llm_conv_add(&c, FA2_LLM_USER, &u) == FA2_OK) {
		for (i = 0; i < m->n_blocks; i++)
			if (m->blocks[i].kind == FA2_LLM_TOOL_USE)
				(void)fa2_llm_message_add_tool_result(u, m->blocks[i].tool_id, m->blocks[i].tool_name,
								      FA2_SLICE_LIT("r"), 0);
		memset(&req, 0, sizeof req);
		req.conv = &c;
		fa2_buf_init(&body, FA2_MAX_LLM_REQUEST_BYTES);
		if (fa2_llm_build(&p, &req, &http, &body, path, sizeof path) == FA2_OK) {
			cJSON *j = fa2_json_parse(fa2_buf_slice(&body), NULL);
			if (!j)
				abort(); /* we must always produce valid JSON */
			cJSON_Delete(j);
		}
		fa2_buf_cleanup(&body);
	}
	fa2_llm_conv_cleanup(&c);
	fa2_llm_provider_cleanup(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	static const int statuses[] = { 200, 200, 200, 429, 503, 400, 403, 500 };
	fa2_llm_response r;
	fa2_llm_error err;
	fa2_slice body;
	int status;
	fa2_err e;
	cJSON *rep;
	if (!init) {
		fa2_json_init();
		init = 1;
	}
	if (size < 1)
		return 0;
	status = statuses[data[0] & 7];
	body = fa2_slice_make((const char *)data + 1, size - 1);
	fa2_llm_response_init(&r);
	e = fa2_llm_decode(FA2_LLM_BEDROCK, status, (data[0] & 8) ? "ThrottlingException" : "", body, &r, &err);
	if (e == FA2_OK && status != 200)
		abort();
	if (e == FA2_OK)
		round_trip(FA2_LLM_BEDROCK, &r.msg);
	if (e == FA2_ERR_THROTTLED && !err.retryable)
		abort();
	fa2_llm_response_cleanup(&r);
	e = fa2_llm_decode(FA2_LLM_OPENAI, status, NULL, body, &r, &err);
	if (e == FA2_OK)
		round_trip(FA2_LLM_OPENAI, &r.msg);
	fa2_llm_response_cleanup(&r);
	rep = fa2_report_parse_model(body, NULL);
	if (rep) {
		fa2_buf md;
		fa2_buf_init(&md, FA2_MAX_REPORT_BYTES * 4);
		if (fa2_report_render_md(rep, (data[0] & 16) ? FA2_LANG_JA : FA2_LANG_EN, 540, &md) != FA2_OK)
			abort();
		fa2_buf_cleanup(&md);
		cJSON_Delete(rep);
	}
	return 0;
}
