/* One-shot model calls (see ask.h). */
#include "agent/ask.h"

#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "base/log.h"

fa2_err fa2_ask(fa2_llm_provider *llm, const fa2_config *cfg, fa2_slice prompt,
		int64_t deadline_mono_ms, fa2_buf *reply, char *why, size_t cap)
{
	fa2_llm_conv conv;
	fa2_llm_message *m;
	fa2_llm_request req;
	fa2_llm_response resp;
	fa2_llm_error lerr;
	size_t before = reply->len;
	fa2_err e;

	fa2_llm_conv_init(&conv);
	fa2_llm_response_init(&resp);
	memset(&lerr, 0, sizeof lerr);
	if (cap)
		why[0] = '\0';
	e = fa2_llm_conv_add(&conv, FA2_LLM_USER, &m);
	if (!e)
		e = fa2_llm_message_add_text(m, prompt);
	if (e) {
		snprintf(why, cap, "%s", fa2_err_str(e));
		goto cleanup;
	}
	memset(&req, 0, sizeof req);
	req.conv = &conv;
	req.max_tokens = cfg ? cfg->llm_max_tokens : 0;
	if (cfg && cfg->has_top_p) {
		req.has_top_p = 1;
		req.top_p = cfg->top_p;
	} else {
		req.has_temperature = 1;
		req.temperature = cfg && cfg->has_temperature ? cfg->temperature : 0.1;
	}
	e = fa2_llm_call(llm, &req, deadline_mono_ms, &resp, &lerr);
	if (e) {
		if (lerr.type[0] || lerr.message[0])
			snprintf(why, cap, "%s%s%s", lerr.type, lerr.type[0] && lerr.message[0] ? ": " : "", lerr.message);
		else
			snprintf(why, cap, "%s", fa2_err_str(e));
		FA2_LOGW("ask", "model call failed: %s (%s)", fa2_err_str(e), why);
		goto cleanup;
	}
	e = fa2_llm_message_text(&resp.msg, reply);
	if (!e && reply->len == before) {
		snprintf(why, cap, "the model answered with no text");
		e = FA2_ERR_LLM;
	}
cleanup:
	fa2_llm_response_cleanup(&resp);
	fa2_llm_conv_cleanup(&conv);
	return e;
}

static cJSON *try_parse(const char *p, size_t n)
{
	cJSON *j;
	while (n && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) {
		p++;
		n--;
	}
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\n' || p[n - 1] == '\r' || p[n - 1] == '\t'))
		n--;
	if (!n)
		return NULL;
	j = fa2_json_parse(fa2_slice_make(p, n), NULL);
	return j;
}

cJSON *fa2_ask_json(fa2_slice text)
{
	const char *p = text.ptr, *end = text.ptr + text.len, *a, *b, *q;
	cJSON *j = try_parse(p, text.len);
	if (j || !text.len)
		return j;
	/* a fenced block: ```json ... ``` */
	for (q = p; q + 3 <= end; q++) {
		if (memcmp(q, "```", 3) == 0) {
			const char *body = q + 3, *close;
			while (body < end && *body != '\n')
				body++;
			for (close = body; close + 3 <= end; close++)
				if (memcmp(close, "```", 3) == 0)
					break;
			if (close + 3 <= end) {
				j = try_parse(body, (size_t)(close - body));
				if (j)
					return j;
			}
			break;
		}
	}
	/* the outermost braces */
	a = memchr(p, '{', text.len);
	for (b = end; b > p && b[-1] != '}'; b--)
		;
	if (a && b > a)
		return try_parse(a, (size_t)(b - a));
	return NULL;
}

void fa2_ask_unfence(fa2_buf *md)
{
	size_t s = 0, e = md->len, nl;
	if (!md->data)
		return;
	while (s < e && (md->data[s] == ' ' || md->data[s] == '\n' || md->data[s] == '\r'))
		s++;
	while (e > s && (md->data[e - 1] == ' ' || md->data[e - 1] == '\n' || md->data[e - 1] == '\r'))
		e--;
	if (e - s < 6 || memcmp(md->data + s, "```", 3) != 0 || memcmp(md->data + e - 3, "```", 3) != 0)
		return;
	for (nl = s; nl < e && md->data[nl] != '\n'; nl++)
		;
	if (nl >= e - 3)
		return;
	e -= 3;
	nl++;
	memmove(md->data, md->data + nl, e - nl);
	md->len = e - nl;
	md->data[md->len] = '\0';
}
