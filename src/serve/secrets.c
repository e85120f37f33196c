/* Slack credentials from the environment or Secrets Manager: see serve_secrets.h. */
#include "serve/secrets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/secretsmanager.h"
#include "aws/session.h"
#include "base/json.h"
#include "base/log.h"
#include "crypto/ct.h"

#define SECRET_MAX_BYTES 65536u  /* Secrets Manager's own limit is 64 KiB */

static const char *const token_keys[] = { "SlackBotToken", "SlackAppToken", "botToken", "bot_token",
	"token", "SLACK_BOT_TOKEN", NULL };
static const char *const signing_keys[] = { "SlackSigningSecret", "signingSecret", "signing_secret",
	"SLACK_SIGNING_SECRET", NULL };

void fa2_serve_secrets_init(fa2_serve_secrets *s)
{
	memset(s, 0, sizeof *s);
	fa2_buf_init(&s->token, SECRET_MAX_BYTES);
	fa2_buf_init(&s->signing, SECRET_MAX_BYTES);
}

void fa2_serve_secrets_cleanup(fa2_serve_secrets *s)
{
	fa2_buf_wipe(&s->token);
	fa2_buf_cleanup(&s->token);
	fa2_buf_wipe(&s->signing);
	fa2_buf_cleanup(&s->signing);
	s->token_from[0] = s->signing_from[0] = '\0';
}

/* Zeroes every string in a parsed secret before it is freed. */
static void wipe_json(cJSON *j)
{
	cJSON *it;
	if (!j)
		return;
	if (cJSON_IsString(j) && j->valuestring)
		fa2_wipe(j->valuestring, strlen(j->valuestring));
	cJSON_ArrayForEach(it, j)
		wipe_json(it);
}

fa2_err fa2_serve_secret_pick(fa2_slice value, fa2_slack_secret_kind kind, const char *name,
                              fa2_buf *out, char *msg, size_t cap)
{
	const char *const *keys = kind == FA2_SLACK_SECRET_TOKEN ? token_keys : signing_keys;
	cJSON *j;
	const cJSON *it, *only = NULL;
	const char *v = NULL;
	fa2_slice t = fa2_slice_trim(value);
	size_t i, nstr = 0;
	fa2_err e;

	if (!t.len || t.ptr[0] != '{') {  /* the value itself (surrounding blanks dropped) */
		if (!t.len) {
			snprintf(msg, cap, "secret %s is empty", name);
			return FA2_ERR_NOT_FOUND;
		}
		return fa2_buf_append(out, t.ptr, t.len);
	}
	j = fa2_json_parse(t, NULL);
	if (!cJSON_IsObject(j)) {
		wipe_json(j);
		cJSON_Delete(j);
		snprintf(msg, cap, "secret %s starts with '{' but is not a JSON object", name);
		return FA2_ERR_PARSE;
	}
	for (i = 0; keys[i] && !v; i++)
		v = fa2_json_str(j, keys[i]);
	if (!v) {
		cJSON_ArrayForEach(it, j)
			if (cJSON_IsString(it)) {
				nstr++;
				only = it;
			}
		if (nstr == 1)
			v = only->valuestring;
	}
	if (!v || !*v) {
		snprintf(msg, cap, "secret %s is a JSON object without a %s member (tried %s, %s, ...; "
		         "or keep exactly one string member)", name,
		         kind == FA2_SLACK_SECRET_TOKEN ? "bot token" : "signing secret", keys[0], keys[1]);
		e = FA2_ERR_NOT_FOUND;
	} else {
		e = fa2_buf_append_cstr(out, v);
	}
	wipe_json(j);
	cJSON_Delete(j);
	return e;
}

/* Reads secret name into out (NUL-terminated, registered for redaction). */
static fa2_err fetch(fa2_aws_session *sess, int *opened, const fa2_config *cfg, const char *name,
                     fa2_slack_secret_kind kind, fa2_buf *out, char *msg, size_t cap)
{
	fa2_buf raw;
	fa2_aws_error aerr;
	fa2_err e;

	if (!*opened) {
		e = fa2_aws_session_open(sess, NULL, cfg->region, 10000, msg, cap);
		if (e)
			return e;
		*opened = 1;
	}
	fa2_buf_init(&raw, SECRET_MAX_BYTES);
	memset(&aerr, 0, sizeof aerr);
	e = fa2_aws_secret_get(&sess->client, name, NULL, &raw, &aerr);
	if (e) {
		char line[1300];
		fa2_aws_error_format(&aerr, line, sizeof line);
		snprintf(msg, cap, "Secrets Manager GetSecretValue %s: %s", name, line);
	} else {
		e = fa2_serve_secret_pick(fa2_buf_slice(&raw), kind, name, out, msg, cap);
	}
	if (!e)
		e = fa2_buf_append_byte(out, '\0');
	if (!e) {
		out->len--; /* keep the terminator out of the length */
		(void)fa2_log_add_secret(fa2_buf_slice(out));
	} else {
		fa2_buf_wipe(out);
		fa2_buf_reset(out);
	}
	fa2_buf_wipe(&raw);
	fa2_buf_cleanup(&raw);
	return e;
}

static fa2_err from_env(const char *var, fa2_buf *out, char *from, size_t from_cap)
{
	const char *v = getenv(var);
	fa2_err e;
	if (!v || !*v)
		return FA2_ERR_NOT_FOUND;
	e = fa2_buf_append_cstr(out, v);
	if (!e)
		e = fa2_buf_append_byte(out, '\0');
	if (e)
		return e;
	out->len--;
	(void)fa2_log_add_secret(fa2_buf_slice(out));
	snprintf(from, from_cap, "%s", var);
	return FA2_OK;
}

fa2_err fa2_serve_secrets_load(const fa2_config *cfg, fa2_serve_secrets *s, char *msg, size_t cap)
{
	fa2_aws_session sess;
	int opened = 0;
	fa2_err e = FA2_OK;

	memset(&sess, 0, sizeof sess);
	msg[0] = '\0';
	e = from_env("SLACK_BOT_TOKEN", &s->token, s->token_from, sizeof s->token_from);
	if (e == FA2_ERR_NOT_FOUND && cfg && cfg->slack_app_token_key && *cfg->slack_app_token_key) {
		e = fetch(&sess, &opened, cfg, cfg->slack_app_token_key, FA2_SLACK_SECRET_TOKEN, &s->token, msg, cap);
		if (!e)
			snprintf(s->token_from, sizeof s->token_from, "Secrets Manager secret %s",
			         cfg->slack_app_token_key);
	}
	if (e == FA2_ERR_NOT_FOUND && !msg[0])
		e = FA2_OK;
	if (e)
		goto cleanup;
	e = from_env("SLACK_SIGNING_SECRET", &s->signing, s->signing_from, sizeof s->signing_from);
	if (e == FA2_ERR_NOT_FOUND && cfg && cfg->slack_signing_secret_key && *cfg->slack_signing_secret_key) {
		e = fetch(&sess, &opened, cfg, cfg->slack_signing_secret_key, FA2_SLACK_SECRET_SIGNING, &s->signing,
		          msg, cap);
		if (!e)
			snprintf(s->signing_from, sizeof s->signing_from, "Secrets Manager secret %s",
			         cfg->slack_signing_secret_key);
	}
	if (e == FA2_ERR_NOT_FOUND && !msg[0])
		e = FA2_OK;
cleanup:
	if (opened)
		fa2_aws_session_close(&sess);
	return e;
}
