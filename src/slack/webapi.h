/* Slack Web API client over net/httpc.
 *
 * Base URL: $SLACK_API_URL when set (tests point it at a loopback double), else
 * https://slack.com/api/. Every call sends "Authorization: Bearer <token>".
 * JSON-bodied methods (chat.postMessage, chat.update, chat.postEphemeral, views.open)
 * POST application/json; charset=utf-8; query-style methods (users.info, auth.test)
 * POST application/x-www-form-urlencoded, as Slack's method docs define.
 * A 429 answer is retried after its Retry-After seconds (at most 3 attempts and never
 * beyond the call's 30 s deadline). An answer with "ok": false gives FA2_ERR_SLACK and
 * is logged with Slack's error code (e.g. "channel_not_found"). */
#ifndef FA2_SLACK_WEBAPI_H
#define FA2_SLACK_WEBAPI_H

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "base/slice.h"

typedef struct fa2_slack_api {
	const char *token;      /* bot token xoxb-...; borrowed */
	char base[512];         /* ends with '/' */
	int64_t timeout_ms;     /* per call, retries included (default 30000) */
	/* Called (when set) after any call Slack refused because of the token itself
	 * (fa2_slack_token_error: invalid_auth, token_revoked, ...), with the method and the
	 * error code; from the calling thread. */
	void (*on_token_error)(void *ctx, const char *method, const char *code);
	void *on_token_error_ctx;
} fa2_slack_api;

/* Sets the base URL from $SLACK_API_URL or the default. */
void fa2_slack_api_init(fa2_slack_api *api, const char *token);

/* POSTs a JSON body to method. On FA2_OK *out (when not NULL) gets the parsed answer
 * (caller frees with cJSON_Delete). err_code (may be NULL, 64 bytes) gets Slack's error
 * code on FA2_ERR_SLACK. */
fa2_err fa2_slack_call_json(fa2_slack_api *api, const char *method, const cJSON *body,
                            cJSON **out, char *err_code);
/* POSTs a form body ("a=b&c=d", already encoded). */
fa2_err fa2_slack_call_form(fa2_slack_api *api, const char *method, fa2_slice form,
                            cJSON **out, char *err_code);

/* Appends s percent-encoded for a form value. */
fa2_err fa2_slack_form_escape(fa2_buf *out, fa2_slice s);
/* Finds field name in an application/x-www-form-urlencoded body and appends its decoded
 * value to out. FA2_ERR_NOT_FOUND when absent, FA2_ERR_PARSE on a bad %-escape. */
fa2_err fa2_slack_form_get(fa2_slice form, const char *name, fa2_buf *out);

/* POSTs raw bytes to an upload_url from files.getUploadURLExternal (files upload v2). */
fa2_err fa2_slack_upload_bytes(fa2_slack_api *api, const char *url, fa2_slice data);

/* Conveniences. ts_out (may be NULL, 32 bytes) gets the message ts. */
fa2_err fa2_slack_post_message(fa2_slack_api *api, const char *channel, const char *thread_ts,
                               const char *text, const cJSON *blocks, char *ts_out);
fa2_err fa2_slack_update_message(fa2_slack_api *api, const char *channel, const char *ts,
                                 const char *text, const cJSON *blocks);
/* users.info: the user's UTC offset in minutes (tz_offset), 0 when unknown. */
fa2_err fa2_slack_user_tz(fa2_slack_api *api, const char *user, int *offset_min);

/* users.info with the zone's name: tz ("Asia/Tokyo", cap bytes; "" when absent) and
 * tz_offset (the user's offset now, DST included, in minutes). *known is 1 only when
 * the answer carried a usable tz_offset. */
fa2_err fa2_slack_user_tz_info(fa2_slack_api *api, const char *user, char *tz, size_t cap,
                               int *offset_min, int *known);

/* Who the token belongs to (auth.test). */
typedef struct fa2_slack_identity {
	char user_id[64];   /* the bot's own user id (U...) */
	char bot_id[64];    /* B... for bot tokens, "" otherwise */
	char team_id[64];
	char team[128];
	char user[128];
	char url[256];      /* https://<workspace>.slack.com/ */
} fa2_slack_identity;
/* auth.test. FA2_ERR_SLACK with err_code (64 bytes, may be NULL) when Slack refuses the
 * token ("invalid_auth", "token_revoked", ...); transport errors as they come. */
fa2_err fa2_slack_auth_test(fa2_slack_api *api, fa2_slack_identity *id, char *err_code);
/* 1 when a Slack error code means the token itself is bad (not a passing failure). */
int fa2_slack_token_error(const char *err_code);

#endif
