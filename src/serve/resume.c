/* Slack context of sessions and resume after restart: see resume.h. */
#include "serve/resume.h"

#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/num.h"

cJSON *fa2_slack_session_meta(const char *channel, const char *thread, const char *progress_ts,
                              int64_t started_ms)
{
	cJSON *o = cJSON_CreateObject(), *s = o ? cJSON_AddObjectToObject(o, "slack") : NULL;
	if (!s || !cJSON_AddStringToObject(s, "channel", channel) || !cJSON_AddStringToObject(s, "thread", thread) ||
	    !cJSON_AddStringToObject(s, "progressTs", progress_ts ? progress_ts : "") ||
	    !cJSON_AddNumberToObject(s, "startedMs", (double)started_ms) || !cJSON_AddFalseToObject(s, "posted")) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static int copy_field(const cJSON *o, const char *key, char *out, size_t cap, int required)
{
	const char *v = fa2_json_str(o, key);
	out[0] = '\0';
	if (!v)
		return !required;
	if (strlen(v) >= cap)
		return 0;
	snprintf(out, cap, "%s", v);
	return !required || *v;
}

int fa2_slack_resume_parse(const char *id, const cJSON *summary, fa2_slack_resume_item *out)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(summary, "slack");
	int64_t started = 0;
	memset(out, 0, sizeof *out);
	if (!cJSON_IsObject(s) || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "posted")) || !id ||
	    strlen(id) >= sizeof out->id)
		return 0;
	if (!copy_field(s, "channel", out->channel, sizeof out->channel, 1) ||
	    !copy_field(s, "thread", out->thread, sizeof out->thread, 1) ||
	    !copy_field(s, "progressTs", out->progress_ts, sizeof out->progress_ts, 0) ||
	    !copy_field(summary, "status", out->status, sizeof out->status, 0))
		return 0;
	if (strcmp(out->status, "failed") == 0)
		return 0;
	snprintf(out->event, sizeof out->event, "%s", fa2_json_str(summary, "event") ? fa2_json_str(summary, "event") : "");
	if (fa2_json_i64(s, "startedMs", 1, FA2_NUM_EPOCH_MAX_MS, &started))
		out->started_ms = started;
	snprintf(out->id, sizeof out->id, "%s", id);
	return 1;
}

cJSON *fa2_slack_resume_job(const fa2_slack_resume_item *it)
{
	cJSON *p = cJSON_CreateObject();
	if (!p || !cJSON_AddStringToObject(p, "id", it->id) || !cJSON_AddStringToObject(p, "channel", it->channel) ||
	    !cJSON_AddStringToObject(p, "thread", it->thread) || !cJSON_AddStringToObject(p, "progressTs", it->progress_ts) ||
	    !cJSON_AddStringToObject(p, "event", it->event) ||
	    !cJSON_AddNumberToObject(p, "startedMs", (double)it->started_ms)) {
		cJSON_Delete(p);
		return NULL;
	}
	return p;
}

typedef struct scan_ctx {
	int (*fn)(void *ctx, const fa2_slack_resume_item *it);
	void *ctx;
} scan_ctx;

static int scan_one(void *ctx, const char *id, const cJSON *summary)
{
	scan_ctx *sc = ctx;
	fa2_slack_resume_item it;
	if (!summary || !fa2_slack_resume_parse(id, summary, &it))
		return 0;
	return sc->fn(sc->ctx, &it);
}

fa2_err fa2_slack_resume_scan(const char *state_dir,
                              int (*fn)(void *ctx, const fa2_slack_resume_item *it), void *ctx)
{
	scan_ctx sc;
	sc.fn = fn;
	sc.ctx = ctx;
	return fa2_session_list(state_dir, scan_one, &sc);
}

fa2_err fa2_slack_session_mark_posted(const char *state_dir, const char *id, const char *status)
{
	fa2_session s;
	cJSON *f = NULL, *slack;
	char msg[512];
	fa2_err e;
	memset(&s, 0, sizeof s);
	e = fa2_session_open(&s, state_dir, id, msg, sizeof msg);
	if (e) {
		FA2_LOGW("slack", "session %s: %s", id, msg);
		return e;
	}
	e = FA2_ERR_NOMEM;
	slack = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(s.summary, "slack"), 1);
	if (!slack)
		slack = cJSON_CreateObject();
	f = cJSON_CreateObject();
	if (!slack || !f) {
		cJSON_Delete(slack);
		goto cleanup;
	}
	cJSON_AddItemToObject(f, "slack", slack);
	cJSON_DeleteItemFromObjectCaseSensitive(slack, "posted");
	if (!cJSON_AddTrueToObject(slack, "posted") || (status && !cJSON_AddStringToObject(f, "status", status)))
		goto cleanup;
	e = fa2_session_update_summary(&s, f);
cleanup:
	cJSON_Delete(f);
	fa2_session_close(&s);
	return e;
}
