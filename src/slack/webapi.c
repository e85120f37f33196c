/* Slack Web API client: see webapi.h. */
#include "slack/webapi.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/num.h"
#include "base/time.h"
#include "net/httpc.h"

#define SLACK_API_DEFAULT "https://slack.com/api/"
#define SLACK_API_ATTEMPTS 3
#define SLACK_API_MAX_BODY (1u << 20)
#define SLACK_API_MAX_RESP (4u << 20)

void fa2_slack_api_init(fa2_slack_api *api, const char *token)
{
	const char *b = getenv("SLACK_API_URL");
	size_t n;
	memset(api, 0, sizeof *api);
	api->token = token;
	api->timeout_ms = 30000;
	if (!b || !*b)
		b = SLACK_API_DEFAULT;
	n = strlen(b);
	if (n + 2 > sizeof api->base)
		b = SLACK_API_DEFAULT, n = strlen(b);
	memcpy(api->base, b, n + 1);
	if (api->base[n - 1] != '/') {
		api->base[n] = '/';
		api->base[n + 1] = '\0';
	}
}

static fa2_err call(fa2_slack_api *api, const char *method, const char *ctype, fa2_slice body,
                    cJSON **out, char *err_code)
{
	fa2_buf url, auth, red;
	fa2_http_header hdrs[2];
	fa2_httpc_request req;
	fa2_httpc_response resp;
	int64_t deadline = fa2_time_mono_ms() + api->timeout_ms;
	cJSON *root = NULL;
	fa2_err err;
	int attempt;

	if (out)
		*out = NULL;
	if (err_code)
		err_code[0] = '\0';
	fa2_buf_init(&url, 1024);
	fa2_buf_init(&auth, 4096);
	fa2_buf_init(&red, FA2_REDACT_CAP(body.len));
	fa2_httpc_response_init(&resp);
	/* Nothing reaches Slack with a registered secret in it (base/log.h). */
	if (fa2_redact_has(body)) {
		if ((err = fa2_redact(body, &red)) != FA2_OK)
			goto cleanup;
		body = fa2_buf_slice(&red);
	}
	if ((err = fa2_buf_appendf(&url, "%s%s", api->base, method)) != FA2_OK ||
	    (err = fa2_buf_appendf(&auth, "Bearer %s", api->token ? api->token : "")) != FA2_OK)
		goto cleanup;
	hdrs[0].name = fa2_slice_cstr("Content-Type");
	hdrs[0].value = fa2_slice_cstr(ctype);
	hdrs[1].name = fa2_slice_cstr("Authorization");
	hdrs[1].value = fa2_buf_slice(&auth);
	for (attempt = 1;; attempt++) {
		int64_t left = deadline - fa2_time_mono_ms();
		const fa2_slice *ra;
		long long wait_s = 1;
		if (left <= 0) {
			err = FA2_ERR_TIMEOUT;
			goto cleanup;
		}
		memset(&req, 0, sizeof req);
		req.method = "POST";
		req.url = fa2_buf_slice(&url);
		req.headers = hdrs;
		req.num_headers = 2;
		req.body = body;
		req.timeout_ms = left;
		req.max_body = SLACK_API_MAX_RESP;
		err = fa2_httpc_do(NULL, &req, &resp);
		if (err) {
			FA2_LOGW("slack", "%s: %s", method, resp.errmsg);
			goto cleanup;
		}
		if (resp.status != 429)
			break;
		ra = fa2_httpc_response_header(&resp, "Retry-After");
		if (ra)
			(void)fa2_parse_int_range(fa2_slice_trim(*ra), 0, 3600, &wait_s);
		FA2_LOGW("slack", "%s: rate limited (429), Retry-After %llds (attempt %d)", method, wait_s,
		         attempt);
		if (attempt >= SLACK_API_ATTEMPTS || fa2_time_mono_ms() + wait_s * 1000 > deadline) {
			err = FA2_ERR_THROTTLED;
			goto cleanup;
		}
		fa2_time_sleep_ms(wait_s * 1000);
	}
	if (resp.status != 200) {
		FA2_LOGW("slack", "%s: HTTP %d", method, resp.status);
		err = FA2_ERR_SLACK;
		goto cleanup;
	}
	root = fa2_json_parse(fa2_buf_slice(&resp.body), NULL);
	if (!root) {
		FA2_LOGW("slack", "%s: answer is not JSON", method);
		err = FA2_ERR_SLACK;
		goto cleanup;
	}
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "ok"))) {
		const char *e = fa2_json_str(root, "error");
		FA2_LOGW("slack", "%s failed: %s", method, e ? e : "(no error code)");
		if (err_code)
			snprintf(err_code, 64, "%s", e ? e : "unknown");
		if (api->on_token_error && fa2_slack_token_error(e))
			api->on_token_error(api->on_token_error_ctx, method, e);
		err = FA2_ERR_SLACK;
		goto cleanup;
	}
	if (out) {
		*out = root;
		root = NULL;
	}
	err = FA2_OK;
cleanup:
	cJSON_Delete(root);
	fa2_buf_cleanup(&red);
	fa2_buf_wipe(&auth);
	fa2_buf_cleanup(&auth);
	fa2_buf_cleanup(&url);
	fa2_httpc_response_cleanup(&resp);
	return err;
}

fa2_err fa2_slack_call_json(fa2_slack_api *api, const char *method, const cJSON *body,
                            cJSON **out, char *err_code)
{
	fa2_buf b;
	fa2_err err;
	fa2_buf_init(&b, SLACK_API_MAX_BODY);
	err = fa2_json_append(&b, body);
	if (!err)
		err = call(api, method, "application/json; charset=utf-8", fa2_buf_slice(&b), out, err_code);
	fa2_buf_cleanup(&b);
	return err;
}

fa2_err fa2_slack_call_form(fa2_slack_api *api, const char *method, fa2_slice form,
                            cJSON **out, char *err_code)
{
	return call(api, method, "application/x-www-form-urlencoded", form, out, err_code);
}

fa2_err fa2_slack_form_escape(fa2_buf *out, fa2_slice s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;
	fa2_err err = FA2_OK;
	for (i = 0; i < s.len && !err; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			err = fa2_buf_append_byte(out, c);
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };
			err = fa2_buf_append(out, e, 3);
		}
	}
	return err;
}

static int hexv(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

fa2_err fa2_slack_form_get(fa2_slice form, const char *name, fa2_buf *out)
{
	fa2_slice rest = form, pair, key, val;
	while (rest.len) {
		(void)fa2_slice_split(rest, '&', &pair, &rest);
		(void)fa2_slice_split(pair, '=', &key, &val);
		if (fa2_slice_eq_cstr(key, name)) {
			size_t i;
			for (i = 0; i < val.len; i++) {
				unsigned char c = (unsigned char)val.ptr[i];
				fa2_err err;
				if (c == '+') {
					c = ' ';
				} else if (c == '%') {
					int hi, lo;
					if (i + 2 >= val.len)
						return FA2_ERR_PARSE;
					hi = hexv(val.ptr[i + 1]);
					lo = hexv(val.ptr[i + 2]);
					if (hi < 0 || lo < 0)
						return FA2_ERR_PARSE;
					c = (unsigned char)(hi << 4 | lo);
					i += 2;
				}
				if ((err = fa2_buf_append_byte(out, c)) != FA2_OK)
					return err;
			}
			return FA2_OK;
		}
	}
	return FA2_ERR_NOT_FOUND;
}

fa2_err fa2_slack_post_message(fa2_slack_api *api, const char *channel, const char *thread_ts,
                               const char *text, const cJSON *blocks, char *ts_out)
{
	cJSON *b = cJSON_CreateObject(), *res = NULL;
	fa2_err err = FA2_ERR_NOMEM;
	if (!b || !cJSON_AddStringToObject(b, "channel", channel) ||
	    !cJSON_AddStringToObject(b, "text", text) ||
	    (thread_ts && !cJSON_AddStringToObject(b, "thread_ts", thread_ts)) ||
	    (blocks && !cJSON_AddItemToObject(b, "blocks", cJSON_Duplicate(blocks, 1))))
		goto cleanup;
	err = fa2_slack_call_json(api, "chat.postMessage", b, &res, NULL);
	if (!err && ts_out) {
		const char *ts = fa2_json_str(res, "ts");
		snprintf(ts_out, 32, "%s", ts ? ts : "");
	}
cleanup:
	cJSON_Delete(b);
	cJSON_Delete(res);
	return err;
}

fa2_err fa2_slack_update_message(fa2_slack_api *api, const char *channel, const char *ts,
                                 const char *text, const cJSON *blocks)
{
	cJSON *b = cJSON_CreateObject();
	fa2_err err = FA2_ERR_NOMEM;
	if (!b || !cJSON_AddStringToObject(b, "channel", channel) ||
	    !cJSON_AddStringToObject(b, "ts", ts) || !cJSON_AddStringToObject(b, "text", text) ||
	    (blocks && !cJSON_AddItemToObject(b, "blocks", cJSON_Duplicate(blocks, 1))))
		goto cleanup;
	err = fa2_slack_call_json(api, "chat.update", b, NULL, NULL);
cleanup:
	cJSON_Delete(b);
	return err;
}

fa2_err fa2_slack_user_tz(fa2_slack_api *api, const char *user, int *offset_min)
{
	fa2_buf f;
	cJSON *res = NULL;
	int64_t off = 0;
	fa2_err err;
	*offset_min = 0;
	fa2_buf_init(&f, 256);
	err = fa2_buf_append_cstr(&f, "user=");
	if (!err)
		err = fa2_slack_form_escape(&f, fa2_slice_cstr(user));
	if (!err)
		err = fa2_slack_call_form(api, "users.info", fa2_buf_slice(&f), &res, NULL);
	if (!err && fa2_json_i64(cJSON_GetObjectItemCaseSensitive(res, "user"), "tz_offset", -86399,
	                         86399, &off))
		*offset_min = (int)(off / 60);
	cJSON_Delete(res);
	fa2_buf_cleanup(&f);
	return err;
}

fa2_err fa2_slack_upload_bytes(fa2_slack_api *api, const char *url, fa2_slice data)
{
	fa2_http_header h[1];
	fa2_httpc_request req;
	fa2_httpc_response resp;
	fa2_buf red;
	fa2_err err;
	fa2_buf_init(&red, FA2_REDACT_CAP(data.len));
	if (fa2_redact_has(data)) { /* a report file: no registered secret leaves (base/log.h) */
		if ((err = fa2_redact(data, &red)) != FA2_OK) {
			fa2_buf_cleanup(&red);
			return err;
		}
		data = fa2_buf_slice(&red);
	}
	h[0].name = fa2_slice_cstr("Content-Type");
	h[0].value = fa2_slice_cstr("application/octet-stream");
	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.url = fa2_slice_cstr(url);
	req.headers = h;
	req.num_headers = 1;
	req.body = data;
	req.timeout_ms = api->timeout_ms;
	fa2_httpc_response_init(&resp);
	err = fa2_httpc_do(NULL, &req, &resp);
	if (!err && resp.status != 200) {
		FA2_LOGW("slack", "file upload: HTTP %d", resp.status);
		err = FA2_ERR_SLACK;
	}
	fa2_buf_cleanup(&red);
	fa2_httpc_response_cleanup(&resp);
	return err;
}

fa2_err fa2_slack_user_tz_info(fa2_slack_api *api, const char *user, char *tz, size_t cap,
                               int *offset_min, int *known)
{
	fa2_buf f;
	cJSON *res = NULL;
	const cJSON *u;
	const char *name;
	double off = 0;
	int64_t off_s = 0;
	fa2_err err;
	*offset_min = 0;
	*known = 0;
	if (cap)
		tz[0] = '\0';
	fa2_buf_init(&f, 256);
	err = fa2_buf_append_cstr(&f, "user=");
	if (!err)
		err = fa2_slack_form_escape(&f, fa2_slice_cstr(user));
	if (!err)
		err = fa2_slack_call_form(api, "users.info", fa2_buf_slice(&f), &res, NULL);
	if (err)
		goto cleanup;
	u = cJSON_GetObjectItemCaseSensitive(res, "user");
	/* Slack's offsets run from -12:00 to +14:00 and are whole minutes */
	if (fa2_json_num(u, "tz_offset", &off) &&
	    fa2_num_double_to_i64(off, -16 * 3600, 16 * 3600, &off_s) == FA2_OK &&
	    (double)off_s == off && off_s % 60 == 0) {
		*offset_min = (int)(off_s / 60);
		*known = 1;
	}
	name = fa2_json_str(u, "tz");
	if (*known && name && cap)
		snprintf(tz, cap, "%s", name);
cleanup:
	cJSON_Delete(res);
	fa2_buf_cleanup(&f);
	return err;
}

fa2_err fa2_slack_auth_test(fa2_slack_api *api, fa2_slack_identity *id, char *err_code)
{
	static const struct {
		const char *key;
		size_t off, cap;
	} f[] = {
		{ "user_id", offsetof(fa2_slack_identity, user_id), sizeof id->user_id },
		{ "bot_id", offsetof(fa2_slack_identity, bot_id), sizeof id->bot_id },
		{ "team_id", offsetof(fa2_slack_identity, team_id), sizeof id->team_id },
		{ "team", offsetof(fa2_slack_identity, team), sizeof id->team },
		{ "user", offsetof(fa2_slack_identity, user), sizeof id->user },
		{ "url", offsetof(fa2_slack_identity, url), sizeof id->url },
	};
	cJSON *res = NULL;
	fa2_err err;
	size_t i;
	memset(id, 0, sizeof *id);
	err = fa2_slack_call_form(api, "auth.test", fa2_slice_cstr(""), &res, err_code);
	if (!err) {
		for (i = 0; i < sizeof f / sizeof f[0]; i++) {
			const char *v = fa2_json_str(res, f[i].key);
			snprintf((char *)id + f[i].off, f[i].cap, "%s", v ? v : "");
		}
		if (!id->user_id[0])
			err = FA2_ERR_SLACK;
	}
	cJSON_Delete(res);
	return err;
}

int fa2_slack_token_error(const char *code)
{
	static const char *const bad[] = { "invalid_auth", "not_authed", "account_inactive",
		"token_revoked", "token_expired", "not_allowed_token_type",
		NULL };
	size_t i;
	for (i = 0; code && bad[i]; i++)
		if (strcmp(code, bad[i]) == 0)
			return 1;
	return 0;
}
