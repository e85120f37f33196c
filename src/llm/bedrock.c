/* Amazon Bedrock Converse (restJson1): POST /model/{modelId}/converse.
 *
 * Request: system[].text, messages[].{role, content[]} with text / toolUse / toolResult
 * blocks, inferenceConfig {maxTokens, temperature | topP}, toolConfig.tools[].toolSpec
 * {name, description, inputSchema.json}. Response: output.message.content[] (text and
 * toolUse blocks), stopReason, usage. Errors carry their type in the x-amzn-ErrorType
 * header (or __type / code in the body) and a message in "message". */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/json.h"
#include "base/log.h"
#include "llm/llm_internal.h"

/* Adds one message's blocks as Converse content blocks. Empty text blocks are dropped
 * (Bedrock rejects blank text). */
static fa2_err add_content(cJSON *content, const fa2_llm_message *m)
{
	size_t i;
	for (i = 0; i < m->n_blocks; i++) {
		const fa2_llm_block *b = &m->blocks[i];
		cJSON *blk = cJSON_CreateObject(), *inner, *arr, *t;
		if (!blk)
			return FA2_ERR_NOMEM;
		cJSON_AddItemToArray(content, blk);
		switch (b->kind) {
		case FA2_LLM_TEXT:
			if (!b->text || !*b->text) {
				cJSON_DeleteItemFromArray(content, cJSON_GetArraySize(content) - 1);
				continue;
			}
			if (!cJSON_AddStringToObject(blk, "text", b->text))
				return FA2_ERR_NOMEM;
			break;
		case FA2_LLM_TOOL_USE:
			inner = cJSON_AddObjectToObject(blk, "toolUse");
			if (!inner || !cJSON_AddStringToObject(inner, "toolUseId", b->tool_id) ||
			    !cJSON_AddStringToObject(inner, "name", b->tool_name))
				return FA2_ERR_NOMEM;
			t = fa2_llm_parse_input(b->input_json);
			if (!t)
				return FA2_ERR_NOMEM;
			cJSON_AddItemToObjectCS(inner, "input", t);
			break;
		case FA2_LLM_TOOL_RESULT:
			inner = cJSON_AddObjectToObject(blk, "toolResult");
			if (!inner || !cJSON_AddStringToObject(inner, "toolUseId", b->tool_id))
				return FA2_ERR_NOMEM;
			arr = cJSON_AddArrayToObject(inner, "content");
			t = cJSON_CreateObject();
			if (!arr || !t)
				return FA2_ERR_NOMEM;
			cJSON_AddItemToArray(arr, t);
			if (!cJSON_AddStringToObject(t, "text",
						     b->text && *b->text ? b->text : "(no output)") ||
			    !cJSON_AddStringToObject(inner, "status", b->is_error ? "error" : "success"))
				return FA2_ERR_NOMEM;
			break;
		}
	}
	return FA2_OK;
}

fa2_err fa2_llm_bedrock_build(const fa2_llm_provider *p, const fa2_llm_request *req,
			      fa2_llm_http_request *http, fa2_buf *body_out, char *path_out,
			      size_t path_cap)
{
	cJSON *root = cJSON_CreateObject(), *arr, *o, *m, *content;
	fa2_buf path;
	fa2_err e = FA2_ERR_NOMEM;
	size_t i;

	fa2_buf_init(&path, path_cap ? path_cap - 1 : 0);
	if (!root)
		goto cleanup;
	if (req->system && *req->system) {
		arr = cJSON_AddArrayToObject(root, "system");
		o = cJSON_CreateObject();
		if (!arr || !o)
			goto cleanup;
		cJSON_AddItemToArray(arr, o);
		if (!cJSON_AddStringToObject(o, "text", req->system))
			goto cleanup;
	}
	arr = cJSON_AddArrayToObject(root, "messages");
	if (!arr)
		goto cleanup;
	for (i = 0; req->conv && i < req->conv->n_msgs; i++) {
		const fa2_llm_message *msg = &req->conv->msgs[i];
		m = cJSON_CreateObject();
		if (!m)
			goto cleanup;
		cJSON_AddItemToArray(arr, m);
		if (!cJSON_AddStringToObject(m, "role",
					     msg->role == FA2_LLM_USER ? "user" : "assistant"))
			goto cleanup;
		content = cJSON_AddArrayToObject(m, "content");
		if (!content)
			goto cleanup;
		e = add_content(content, msg);
		if (e)
			goto cleanup;
		e = FA2_ERR_NOMEM;
	}
	o = cJSON_AddObjectToObject(root, "inferenceConfig");
	if (!o)
		goto cleanup;
	if (req->max_tokens && !cJSON_AddNumberToObject(o, "maxTokens", req->max_tokens))
		goto cleanup;
	if (req->has_temperature && !cJSON_AddNumberToObject(o, "temperature", req->temperature))
		goto cleanup;
	else if (!req->has_temperature && req->has_top_p &&
		 !cJSON_AddNumberToObject(o, "topP", req->top_p))
		goto cleanup;
	if (req->n_tools > 0) {
		cJSON *tc = cJSON_AddObjectToObject(root, "toolConfig"), *tools;
		if (!tc || !(tools = cJSON_AddArrayToObject(tc, "tools")))
			goto cleanup;
		for (i = 0; i < req->n_tools; i++) {
			const fa2_llm_tool_spec *ts = &req->tools[i];
			cJSON *t = cJSON_CreateObject(), *spec, *schema, *js;
			if (!t)
				goto cleanup;
			cJSON_AddItemToArray(tools, t);
			spec = cJSON_AddObjectToObject(t, "toolSpec");
			if (!spec || !cJSON_AddStringToObject(spec, "name", ts->name) ||
			    !cJSON_AddStringToObject(spec, "description",
						     ts->description ? ts->description : ts->name))
				goto cleanup;
			schema = cJSON_AddObjectToObject(spec, "inputSchema");
			js = fa2_llm_parse_input(ts->schema_json);
			if (!schema || !js) {
				cJSON_Delete(js);
				goto cleanup;
			}
			cJSON_AddItemToObjectCS(schema, "json", js);
		}
	}
	e = fa2_buf_append_cstr(&path, "/model/");
	if (!e)
		e = fa2_llm_path_encode(fa2_slice_cstr(p->model), &path);
	if (!e)
		e = fa2_buf_append_cstr(&path, "/converse");
	if (e)
		goto cleanup;
	memcpy(path_out, path.data, path.len + 1);
	e = fa2_llm_emit(root, body_out);
	if (e)
		goto cleanup;
	http->path = path_out;
	http->base_url = NULL;
	http->sign_service = "bedrock";
	http->body = fa2_buf_slice(body_out);
cleanup:
	fa2_buf_cleanup(&path);
	cJSON_Delete(root);
	return e;
}

/* Error type without the ":http://..." suffix some services append, or the part after
 * '#' of a __type. */
static void clean_type(char *dst, size_t cap, const char *src)
{
	const char *hash = strrchr(src, '#');
	size_t n;
	if (hash)
		src = hash + 1;
	n = strcspn(src, ":");
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static fa2_err classify(int status, fa2_llm_error *err)
{
	const char *t = err->type;
	if (strcmp(t, "ThrottlingException") == 0 || strcmp(t, "ServiceUnavailableException") == 0 ||
	    strcmp(t, "ModelNotReadyException") == 0 || strcmp(t, "TooManyRequestsException") == 0 ||
	    (!*t && (status == 429 || status == 503))) {
		err->retryable = 1;
		err->throttled = 1;
		return FA2_ERR_THROTTLED;
	}
	if (strcmp(t, "InternalServerException") == 0 || strcmp(t, "ModelTimeoutException") == 0 ||
	    strcmp(t, "InternalFailure") == 0 || (!*t && status >= 500)) {
		err->retryable = 1;
		return FA2_ERR_AGAIN;
	}
	if (status == 401 || status == 403 || strcmp(t, "AccessDeniedException") == 0 ||
	    strcmp(t, "UnrecognizedClientException") == 0 || strcmp(t, "ExpiredTokenException") == 0 ||
	    strcmp(t, "InvalidSignatureException") == 0)
		return FA2_ERR_AUTH;
	return FA2_ERR_LLM;
}

static fa2_err decode_error(int status, const char *error_type, fa2_slice body, fa2_llm_error *err)
{
	cJSON *j = fa2_json_parse(body, NULL);
	const char *msg = NULL, *bt = NULL;
	fa2_err e;
	if (j && cJSON_IsObject(j)) {
		msg = fa2_json_str(j, "message");
		if (!msg)
			msg = fa2_json_str(j, "Message");
		bt = fa2_json_str(j, "__type");
		if (!bt)
			bt = fa2_json_str(j, "code");
	}
	if (error_type && *error_type)
		clean_type(err->type, sizeof err->type, error_type);
	else if (bt)
		clean_type(err->type, sizeof err->type, bt);
	if (msg)
		fa2_llm_copy(err->message, sizeof err->message, msg);
	else if (status != 200)
		snprintf(err->message, sizeof err->message, "HTTP %d", status);
	e = classify(status, err);
	cJSON_Delete(j);
	return e;
}

fa2_err fa2_llm_bedrock_decode(int status, const char *error_type, fa2_slice body,
			       fa2_llm_response *resp, fa2_llm_error *err)
{
	cJSON *j = NULL, *content, *blk, *usage;
	const cJSON *msg;
	const char *stop;
	fa2_err e = FA2_ERR_PARSE;

	if (status != 200)
		return decode_error(status, error_type, body, err);
	j = fa2_json_parse(body, NULL);
	msg = j ? cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "output"),
						   "message")
		: NULL;
	content = msg ? cJSON_GetObjectItemCaseSensitive(msg, "content") : NULL;
	if (!cJSON_IsArray(content)) {
		fa2_llm_copy(err->message, sizeof err->message,
			     "response has no output.message.content array");
		goto cleanup;
	}
	cJSON_ArrayForEach(blk, content)
	{
		const cJSON *text = cJSON_GetObjectItemCaseSensitive(blk, "text");
		const cJSON *tu = cJSON_GetObjectItemCaseSensitive(blk, "toolUse");
		if (cJSON_IsString(text)) {
			e = fa2_llm_message_add_text(&resp->msg, fa2_slice_cstr(text->valuestring));
		} else if (cJSON_IsObject(tu)) {
			const char *id = fa2_json_str(tu, "toolUseId"), *name = fa2_json_str(tu, "name");
			const cJSON *input = cJSON_GetObjectItemCaseSensitive(tu, "input");
			char *in = NULL;
			if (!id || !name || !*id || !*name) {
				fa2_llm_copy(err->message, sizeof err->message,
					     "toolUse block without toolUseId or name");
				e = FA2_ERR_PARSE;
				goto cleanup;
			}
			if (cJSON_IsObject(input)) {
				in = fa2_llm_print(input);
				if (!in) {
					e = FA2_ERR_NOMEM;
					goto cleanup;
				}
			}
			e = fa2_llm_message_add_tool_use(&resp->msg, id, name, in ? in : "{}");
			fa2_free(in);
		} else {
			continue; /* reasoningContent, citations, ...: not used */
		}
		if (e)
			goto cleanup;
	}
	stop = fa2_json_str(j, "stopReason");
	fa2_llm_copy(resp->stop_raw, sizeof resp->stop_raw, stop ? stop : "");
	if (!stop || strcmp(stop, "end_turn") == 0)
		resp->stop = FA2_LLM_STOP_END_TURN;
	else if (strcmp(stop, "tool_use") == 0)
		resp->stop = FA2_LLM_STOP_TOOL_USE;
	else if (strcmp(stop, "max_tokens") == 0)
		resp->stop = FA2_LLM_STOP_MAX_TOKENS;
	else
		resp->stop = FA2_LLM_STOP_OTHER;
	if (fa2_llm_message_count_tool_uses(&resp->msg) > 0 && resp->stop == FA2_LLM_STOP_END_TURN)
		resp->stop = FA2_LLM_STOP_TOOL_USE;
	usage = cJSON_GetObjectItemCaseSensitive(j, "usage");
	resp->usage.input_tokens = fa2_llm_u64(cJSON_GetObjectItemCaseSensitive(usage, "inputTokens"));
	resp->usage.output_tokens = fa2_llm_u64(cJSON_GetObjectItemCaseSensitive(usage, "outputTokens"));
	resp->usage.total_tokens = fa2_llm_u64(cJSON_GetObjectItemCaseSensitive(usage, "totalTokens"));
	e = FA2_OK;
cleanup:
	if (e)
		fa2_llm_message_cleanup(&resp->msg);
	cJSON_Delete(j);
	return e;
}
