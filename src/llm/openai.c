/* OpenAI-compatible chat completions with tools (OpenAI, llama.cpp server, vLLM, Ollama).
 *
 * Request: POST {base}/chat/completions {model, messages, tools[].function{name,
 * description, parameters}, tool_choice "auto", max_tokens, temperature | top_p}.
 * Our tool-use blocks become assistant tool_calls (arguments as a JSON string); our
 * tool-result blocks become role "tool" messages with tool_call_id, placed right after
 * the assistant message that asked for them. Response: choices[0].message {content,
 * tool_calls}, finish_reason, usage {prompt_tokens, completion_tokens, total_tokens}.
 * Errors: {"error": {"message", "type", "code"}} or {"error": "text"}. */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/json.h"
#include "base/limits.h"
#include "llm/llm_internal.h"

static fa2_err add_message(cJSON *arr, const fa2_llm_message *m)
{
	size_t i;
	fa2_buf text;
	fa2_err e = FA2_ERR_NOMEM;
	cJSON *o = NULL, *calls = NULL;

	fa2_buf_init(&text, FA2_MAX_LLM_REQUEST_BYTES);
	if (m->role == FA2_LLM_USER) {
		/* Tool results first (they answer the previous assistant turn), then text. */
		for (i = 0; i < m->n_blocks; i++) {
			const fa2_llm_block *b = &m->blocks[i];
			cJSON *t;
			if (b->kind != FA2_LLM_TOOL_RESULT)
				continue;
			t = cJSON_CreateObject();
			if (!t)
				goto cleanup;
			cJSON_AddItemToArray(arr, t);
			fa2_buf_reset(&text);
			if (b->is_error && fa2_buf_append_cstr(&text, "ERROR: "))
				goto cleanup;
			if (fa2_buf_append_cstr(&text, b->text ? b->text : ""))
				goto cleanup;
			if (!cJSON_AddStringToObject(t, "role", "tool") ||
			    !cJSON_AddStringToObject(t, "tool_call_id", b->tool_id) ||
			    !cJSON_AddStringToObject(t, "content", text.data ? text.data : ""))
				goto cleanup;
		}
		fa2_buf_reset(&text);
		if (fa2_llm_message_text(m, &text))
			goto cleanup;
		if (text.len == 0) {
			e = FA2_OK;
			goto cleanup;
		}
		o = cJSON_CreateObject();
		if (!o)
			goto cleanup;
		cJSON_AddItemToArray(arr, o);
		if (!cJSON_AddStringToObject(o, "role", "user") ||
		    !cJSON_AddStringToObject(o, "content", text.data))
			goto cleanup;
		e = FA2_OK;
		goto cleanup;
	}
	o = cJSON_CreateObject();
	if (!o)
		goto cleanup;
	cJSON_AddItemToArray(arr, o);
	if (!cJSON_AddStringToObject(o, "role", "assistant") || fa2_llm_message_text(m, &text))
		goto cleanup;
	if (text.len ? !cJSON_AddStringToObject(o, "content", text.data)
		     : !cJSON_AddNullToObject(o, "content"))
		goto cleanup;
	for (i = 0; i < m->n_blocks; i++) {
		const fa2_llm_block *b = &m->blocks[i];
		cJSON *c, *f;
		if (b->kind != FA2_LLM_TOOL_USE)
			continue;
		if (!calls && !(calls = cJSON_AddArrayToObject(o, "tool_calls")))
			goto cleanup;
		c = cJSON_CreateObject();
		if (!c)
			goto cleanup;
		cJSON_AddItemToArray(calls, c);
		if (!cJSON_AddStringToObject(c, "id", b->tool_id) ||
		    !cJSON_AddStringToObject(c, "type", "function") ||
		    !(f = cJSON_AddObjectToObject(c, "function")) ||
		    !cJSON_AddStringToObject(f, "name", b->tool_name) ||
		    !cJSON_AddStringToObject(f, "arguments", b->input_json ? b->input_json : "{}"))
			goto cleanup;
	}
	e = FA2_OK;
cleanup:
	fa2_buf_cleanup(&text);
	return e;
}

fa2_err fa2_llm_openai_build(const fa2_llm_provider *p, const fa2_llm_request *req,
			     fa2_llm_http_request *http, fa2_buf *body_out, char *path_out,
			     size_t path_cap)
{
	cJSON *root = cJSON_CreateObject(), *arr, *o;
	fa2_err e = FA2_ERR_NOMEM;
	size_t i;
	int n;

	if (!root)
		goto cleanup;
	if (!cJSON_AddStringToObject(root, "model", p->model))
		goto cleanup;
	arr = cJSON_AddArrayToObject(root, "messages");
	if (!arr)
		goto cleanup;
	if (req->system && *req->system) {
		o = cJSON_CreateObject();
		if (!o)
			goto cleanup;
		cJSON_AddItemToArray(arr, o);
		if (!cJSON_AddStringToObject(o, "role", "system") ||
		    !cJSON_AddStringToObject(o, "content", req->system))
			goto cleanup;
	}
	for (i = 0; req->conv && i < req->conv->n_msgs; i++) {
		e = add_message(arr, &req->conv->msgs[i]);
		if (e)
			goto cleanup;
		e = FA2_ERR_NOMEM;
	}
	if (req->n_tools > 0) {
		cJSON *tools = cJSON_AddArrayToObject(root, "tools");
		if (!tools)
			goto cleanup;
		for (i = 0; i < req->n_tools; i++) {
			cJSON *t = cJSON_CreateObject(), *f, *schema;
			if (!t)
				goto cleanup;
			cJSON_AddItemToArray(tools, t);
			if (!cJSON_AddStringToObject(t, "type", "function") ||
			    !(f = cJSON_AddObjectToObject(t, "function")) ||
			    !cJSON_AddStringToObject(f, "name", req->tools[i].name) ||
			    !cJSON_AddStringToObject(f, "description", req->tools[i].description
									   ? req->tools[i].description
									   : req->tools[i].name))
				goto cleanup;
			schema = fa2_llm_parse_input(req->tools[i].schema_json);
			if (!schema)
				goto cleanup;
			cJSON_AddItemToObjectCS(f, "parameters", schema);
		}
		if (!cJSON_AddStringToObject(root, "tool_choice", "auto"))
			goto cleanup;
	}
	if (req->max_tokens && !cJSON_AddNumberToObject(root, "max_tokens", req->max_tokens))
		goto cleanup;
	if (req->has_temperature) {
		if (!cJSON_AddNumberToObject(root, "temperature", req->temperature))
			goto cleanup;
	} else if (req->has_top_p && !cJSON_AddNumberToObject(root, "top_p", req->top_p)) {
		goto cleanup;
	}
	if (!cJSON_AddFalseToObject(root, "stream"))
		goto cleanup;
	n = snprintf(path_out, path_cap, "/chat/completions");
	if (n < 0 || (size_t)n >= path_cap) {
		e = FA2_ERR_TOO_LARGE;
		goto cleanup;
	}
	e = fa2_llm_emit(root, body_out);
	if (e)
		goto cleanup;
	http->base_url = p->base_url;
	http->path = path_out;
	http->sign_service = NULL;
	if (p->auth_header) {
		http->headers[0].name = "Authorization";
		http->headers[0].value = p->auth_header; /* a secret: registered for redaction */
		http->n_headers = 1;
	}
	http->body = fa2_buf_slice(body_out);
cleanup:
	cJSON_Delete(root);
	return e;
}

static fa2_err classify(int status, fa2_llm_error *err)
{
	if (strcmp(err->type, "insufficient_quota") == 0)
		return FA2_ERR_LLM;
	if (status == 429 || status == 503) {
		err->retryable = 1;
		err->throttled = 1;
		return FA2_ERR_THROTTLED;
	}
	if (status >= 500) {
		err->retryable = 1;
		return FA2_ERR_AGAIN;
	}
	if (status == 401 || status == 403)
		return FA2_ERR_AUTH;
	return FA2_ERR_LLM;
}

static fa2_err decode_error(int status, fa2_slice body, fa2_llm_error *err)
{
	cJSON *j = fa2_json_parse(body, NULL);
	const cJSON *eo = j ? cJSON_GetObjectItemCaseSensitive(j, "error") : NULL;
	fa2_err e;
	if (cJSON_IsString(eo)) {
		fa2_llm_copy(err->message, sizeof err->message, eo->valuestring);
	} else if (cJSON_IsObject(eo)) {
		const char *m = fa2_json_str(eo, "message"), *t = fa2_json_str(eo, "type");
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(eo, "code");
		if (m)
			fa2_llm_copy(err->message, sizeof err->message, m);
		if (cJSON_IsString(code) && code->valuestring[0])
			fa2_llm_copy(err->type, sizeof err->type, code->valuestring);
		else if (t)
			fa2_llm_copy(err->type, sizeof err->type, t);
	}
	if (!err->message[0])
		snprintf(err->message, sizeof err->message, "HTTP %d", status);
	e = classify(status, err);
	cJSON_Delete(j);
	return e;
}

fa2_err fa2_llm_openai_decode(int status, fa2_slice body, fa2_llm_response *resp,
			      fa2_llm_error *err)
{
	cJSON *j = NULL, *calls, *c;
	const cJSON *choices, *choice, *msg, *content, *usage;
	const char *finish;
	fa2_err e = FA2_ERR_PARSE;
	unsigned n = 0;

	if (status != 200)
		return decode_error(status, body, err);
	j = fa2_json_parse(body, NULL);
	choices = j ? cJSON_GetObjectItemCaseSensitive(j, "choices") : NULL;
	choice = cJSON_IsArray(choices) ? cJSON_GetArrayItem(choices, 0) : NULL;
	msg = choice ? cJSON_GetObjectItemCaseSensitive(choice, "message") : NULL;
	if (!cJSON_IsObject(msg)) {
		if (j && cJSON_GetObjectItemCaseSensitive(j, "error")) {
			cJSON_Delete(j);
			return decode_error(500, body, err);
		}
		fa2_llm_copy(err->message, sizeof err->message, "response has no choices[0].message");
		goto cleanup;
	}
	content = cJSON_GetObjectItemCaseSensitive(msg, "content");
	if (cJSON_IsString(content) && content->valuestring[0]) {
		e = fa2_llm_message_add_text(&resp->msg, fa2_slice_cstr(content->valuestring));
		if (e)
			goto cleanup;
	} else if (cJSON_IsArray(content)) {
		const cJSON *part;
		cJSON_ArrayForEach(part, content)
		{
			const char *t = fa2_json_str(part, "text");
			if (t && *t && (e = fa2_llm_message_add_text(&resp->msg, fa2_slice_cstr(t))))
				goto cleanup;
		}
	}
	calls = cJSON_GetObjectItemCaseSensitive(msg, "tool_calls");
	if (!cJSON_IsArray(calls))
		calls = NULL;
	cJSON_ArrayForEach(c, calls)
	{
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(c, "function");
		const cJSON *args = f ? cJSON_GetObjectItemCaseSensitive(f, "arguments") : NULL;
		const char *id = fa2_json_str(c, "id"), *name = f ? fa2_json_str(f, "name") : NULL;
		char idbuf[32], *in = NULL;
		cJSON *parsed = NULL;
		n++;
		if (!name || !*name) {
			fa2_llm_copy(err->message, sizeof err->message, "tool call without a function name");
			e = FA2_ERR_PARSE;
			goto cleanup;
		}
		if (!id || !*id) {
			/* Some local servers omit ids; ours only need to be unique in the turn. */
			snprintf(idbuf, sizeof idbuf, "call_%u", n);
			id = idbuf;
		}
		if (cJSON_IsString(args)) {
			parsed = fa2_json_parse(fa2_slice_cstr(args->valuestring), NULL);
			if (cJSON_IsObject(parsed))
				in = fa2_llm_print(parsed);
			cJSON_Delete(parsed);
		} else if (cJSON_IsObject(args)) {
			in = fa2_llm_print(args); /* Ollama sends an object */
		}
		e = fa2_llm_message_add_tool_use(&resp->msg, id, name, in ? in : "{}");
		fa2_free(in);
		if (e)
			goto cleanup;
	}
	finish = fa2_json_str(choice, "finish_reason");
	fa2_llm_copy(resp->stop_raw, sizeof resp->stop_raw, finish ? finish : "");
	if (n > 0 || (finish && strcmp(finish, "tool_calls") == 0))
		resp->stop = n > 0 ? FA2_LLM_STOP_TOOL_USE : FA2_LLM_STOP_END_TURN;
	else if (!finish || strcmp(finish, "stop") == 0)
		resp->stop = FA2_LLM_STOP_END_TURN;
	else if (strcmp(finish, "length") == 0)
		resp->stop = FA2_LLM_STOP_MAX_TOKENS;
	else
		resp->stop = FA2_LLM_STOP_OTHER;
	usage = cJSON_GetObjectItemCaseSensitive(j, "usage");
	resp->usage.input_tokens = fa2_llm_u64(cJSON_GetObjectItemCaseSensitive(usage, "prompt_tokens"));
	resp->usage.output_tokens =
		fa2_llm_u64(cJSON_GetObjectItemCaseSensitive(usage, "completion_tokens"));
	resp->usage.total_tokens = fa2_llm_u64(cJSON_GetObjectItemCaseSensitive(usage, "total_tokens"));
	e = FA2_OK;
cleanup:
	if (e)
		fa2_llm_message_cleanup(&resp->msg);
	cJSON_Delete(j);
	return e;
}
