/* Block Kit builders: see blocks.h. */
#include "slack/blocks.h"

#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "slack/report_blocks.h"

/* See blocks.h. */
cJSON *fa2_slack_text_obj(const char *type, const char *text)
{
	cJSON *t = cJSON_CreateObject();
	if (t && (!cJSON_AddStringToObject(t, "type", type) || !cJSON_AddStringToObject(t, "text", text))) {
		cJSON_Delete(t);
		return NULL;
	}
	return t;
}

/* Adds {"type":"section","text":{"type":"mrkdwn","text":...}} to arr. */
static int add_section(cJSON *arr, const char *mrkdwn)
{
	cJSON *b = cJSON_CreateObject(), *t = fa2_slack_text_obj("mrkdwn", mrkdwn);
	if (!b || !t || !cJSON_AddStringToObject(b, "type", "section")) {
		cJSON_Delete(b);
		cJSON_Delete(t);
		return 0;
	}
	cJSON_AddItemToObject(b, "text", t);
	cJSON_AddItemToArray(arr, b);
	return 1;
}

static int add_input(cJSON *arr, const char *block_id, const char *label, cJSON *element)
{
	cJSON *b = cJSON_CreateObject(), *l = fa2_slack_text_obj("plain_text", label);
	if (!b || !l || !element || !cJSON_AddStringToObject(b, "type", "input") ||
	    !cJSON_AddStringToObject(b, "block_id", block_id)) {
		cJSON_Delete(b);
		cJSON_Delete(l);
		cJSON_Delete(element);
		return 0;
	}
	cJSON_AddItemToObject(b, "label", l);
	cJSON_AddItemToObject(b, "element", element);
	cJSON_AddItemToArray(arr, b);
	return 1;
}

static cJSON *dt_picker(const char *action_id, int64_t s)
{
	cJSON *e = cJSON_CreateObject();
	if (!e || !cJSON_AddStringToObject(e, "type", "datetimepicker") ||
	    !cJSON_AddStringToObject(e, "action_id", action_id) ||
	    (s > 0 && !cJSON_AddNumberToObject(e, "initial_date_time", (double)s))) {
		cJSON_Delete(e);
		return NULL;
	}
	return e;
}

static cJSON *desc_input(const char *desc)
{
	cJSON *e = cJSON_CreateObject();
	char v[3001];
	snprintf(v, sizeof v, "%.*s", (int)fa2_slack_split_len(fa2_slice_cstr(desc ? desc : ""), 3000),
	         desc ? desc : "");
	if (!e || !cJSON_AddStringToObject(e, "type", "plain_text_input") ||
	    !cJSON_AddStringToObject(e, "action_id", FA2_SLACK_ACT_DESC) ||
	    !cJSON_AddTrueToObject(e, "multiline") ||
	    (v[0] && !cJSON_AddStringToObject(e, "initial_value", v))) {
		cJSON_Delete(e);
		return NULL;
	}
	return e;
}

static int add_fields(cJSON *arr, const char *desc, int64_t start_s, int64_t end_s)
{
	return add_input(arr, FA2_SLACK_BLK_DESC, "What went wrong?", desc_input(desc)) &&
	       add_input(arr, FA2_SLACK_BLK_START, "Start (your time zone)", dt_picker(FA2_SLACK_ACT_START, start_s)) &&
	       add_input(arr, FA2_SLACK_BLK_END, "End (your time zone)", dt_picker(FA2_SLACK_ACT_END, end_s));
}

#define FORM_ALARM_PREFIX "alarm:"
#define FORM_VALUE_MAX 2000 /* Block Kit: a button's value */

int fa2_slack_form_alarm(const char *value, char *name, size_t name_cap, char *region, size_t region_cap)
{
	const char *r, *colon;
	size_t rlen, nlen;
	if (!value || strncmp(value, FORM_ALARM_PREFIX, sizeof FORM_ALARM_PREFIX - 1) != 0)
		return 0;
	r = value + sizeof FORM_ALARM_PREFIX - 1;
	colon = strchr(r, ':');
	if (!colon)
		return 0;
	rlen = (size_t)(colon - r);
	nlen = strlen(colon + 1);
	if (nlen == 0 || nlen >= name_cap || rlen >= region_cap)
		return 0;
	memcpy(region, r, rlen);
	region[rlen] = '\0';
	memcpy(name, colon + 1, nlen + 1);
	return 1;
}

cJSON *fa2_slack_form_blocks(const char *desc, int64_t start_s, int64_t end_s, const char *error)
{
	return fa2_slack_form_blocks_alarm(desc, start_s, end_s, error, NULL, NULL);
}

cJSON *fa2_slack_form_blocks_alarm(const char *desc, int64_t start_s, int64_t end_s, const char *error,
                                   const char *alarm, const char *region)
{
	cJSON *arr = cJSON_CreateArray(), *act = NULL, *els, *btn;
	char value[FORM_VALUE_MAX + 1] = "submit";
	if (alarm && *alarm && (!region || !strchr(region, ':'))) {
		int n = snprintf(value, sizeof value, FORM_ALARM_PREFIX "%s:%s", region ? region : "", alarm);
		if (n < 0 || (size_t)n >= sizeof value)
			snprintf(value, sizeof value, "submit");
	}
	if (!arr || !add_section(arr, ":mag: *fa2 can analyse this.* Check the window and press *Analyse*.") ||
	    !add_fields(arr, desc, start_s, end_s))
		goto fail;
	act = cJSON_CreateObject();
	els = cJSON_CreateArray();
	btn = cJSON_CreateObject();
	if (!act || !els || !btn || !cJSON_AddStringToObject(act, "type", "actions") ||
	    !cJSON_AddStringToObject(btn, "type", "button") ||
	    !cJSON_AddStringToObject(btn, "action_id", FA2_SLACK_ACT_SUBMIT) ||
	    !cJSON_AddStringToObject(btn, "style", "primary") ||
	    !cJSON_AddStringToObject(btn, "value", value)) {
		cJSON_Delete(els);
		cJSON_Delete(btn);
		goto fail;
	}
	cJSON_AddItemToObject(btn, "text", fa2_slack_text_obj("plain_text", "Analyse"));
	cJSON_AddItemToArray(els, btn);
	cJSON_AddItemToObject(act, "elements", els);
	cJSON_AddItemToArray(arr, act);
	act = NULL;
	if (error) {
		char m[600];
		snprintf(m, sizeof m, ":warning: %s", error);
		if (!add_section(arr, m))
			goto fail;
	}
	return arr;
fail:
	cJSON_Delete(act);
	cJSON_Delete(arr);
	return NULL;
}

cJSON *fa2_slack_form_modal(int64_t start_s, int64_t end_s, const char *channel)
{
	cJSON *v = cJSON_CreateObject(), *arr = cJSON_CreateArray();
	if (!v || !arr || !add_fields(arr, "", start_s, end_s) || !cJSON_AddStringToObject(v, "type", "modal") ||
	    !cJSON_AddStringToObject(v, "callback_id", FA2_SLACK_VIEW_CALLBACK) ||
	    !cJSON_AddStringToObject(v, "private_metadata", channel ? channel : "")) {
		cJSON_Delete(v);
		cJSON_Delete(arr);
		return NULL;
	}
	cJSON_AddItemToObject(v, "title", fa2_slack_text_obj("plain_text", "fa2 analysis"));
	cJSON_AddItemToObject(v, "submit", fa2_slack_text_obj("plain_text", "Analyse"));
	cJSON_AddItemToObject(v, "close", fa2_slack_text_obj("plain_text", "Cancel"));
	cJSON_AddItemToObject(v, "blocks", arr);
	return v;
}

cJSON *fa2_slack_received_blocks(const char *desc, int64_t start_s, int64_t end_s, const char *user)
{
	char m[FA2_SLACK_MAX_TEXT + 1];
	cJSON *arr = cJSON_CreateArray();
	/* <!date^…> renders each reader's local time; the fallback is UTC */
	snprintf(m, sizeof m, ":inbox_tray: Request received from <@%s>.\n*From* <!date^%lld^{date_short_pretty} {time}|%lld> "
	         "*to* <!date^%lld^{date_short_pretty} {time}|%lld>\n>%.2600s",
	         user ? user : "someone", (long long)start_s, (long long)start_s, (long long)end_s,
	         (long long)end_s, desc);
	if (!arr || !add_section(arr, m)) {
		cJSON_Delete(arr);
		return NULL;
	}
	return arr;
}

size_t fa2_slack_split_len(fa2_slice md, size_t max)
{
	size_t n, i;
	if (md.len <= max)
		return md.len;
	n = max;
	for (i = n; i > max / 2; i--)
		if (md.ptr[i - 1] == '\n')
			return i;
	while (n > 0 && ((unsigned char)md.ptr[n] & 0xC0) == 0x80)
		n--; /* do not cut inside a UTF-8 sequence */
	return n ? n : max;
}

/* See blocks.h. */
fa2_err fa2_slack_upload_file(fa2_slack_api *api, const char *channel, const char *thread,
                              const char *filename, const char *title, const char *comment, fa2_slice data)
{
	fa2_buf f;
	cJSON *r1 = NULL, *done = NULL, *files, *one;
	const char *url, *id;
	fa2_err err;

	fa2_buf_init(&f, 2048);
	err = fa2_buf_append_cstr(&f, "filename=");
	if (!err)
		err = fa2_slack_form_escape(&f, fa2_slice_cstr(filename));
	if (!err)
		err = fa2_buf_appendf(&f, "&length=%zu", data.len);
	if (!err)
		err = fa2_slack_call_form(api, "files.getUploadURLExternal", fa2_buf_slice(&f), &r1, NULL);
	if (err)
		goto cleanup;
	url = fa2_json_str(r1, "upload_url");
	id = fa2_json_str(r1, "file_id");
	if (!url || !id) {
		err = FA2_ERR_SLACK;
		goto cleanup;
	}
	err = fa2_slack_upload_bytes(api, url, data);
	if (err)
		goto cleanup;
	err = FA2_ERR_NOMEM;
	done = cJSON_CreateObject();
	files = done ? cJSON_AddArrayToObject(done, "files") : NULL;
	one = cJSON_CreateObject();
	if (!files || !one || !cJSON_AddItemToArray(files, one)) {
		cJSON_Delete(one);
		goto cleanup;
	}
	if (!cJSON_AddStringToObject(one, "id", id) || !cJSON_AddStringToObject(one, "title", title ? title : filename) ||
	    !cJSON_AddStringToObject(done, "channel_id", channel) ||
	    (thread && !cJSON_AddStringToObject(done, "thread_ts", thread)) ||
	    (comment && *comment && !cJSON_AddStringToObject(done, "initial_comment", comment)))
		goto cleanup;
	err = fa2_slack_call_json(api, "files.completeUploadExternal", done, NULL, NULL);
cleanup:
	cJSON_Delete(r1);
	cJSON_Delete(done);
	fa2_buf_cleanup(&f);
	return err;
}

fa2_err fa2_slack_post_report(fa2_slack_api *api, const char *channel, const char *thread,
                              const cJSON *report, fa2_lang lang, const fa2_tz *tz, fa2_slice md)
{
	cJSON *msgs = NULL, *m;
	fa2_err err = FA2_OK, ferr;
	const char *title = fa2_report_label_text(lang, FA2_RL_TITLE);

	if (report) {
		err = fa2_slack_report_messages(report, lang, tz, &msgs);
		cJSON_ArrayForEach(m, msgs)
		{
			if (err)
				break;
			err = fa2_slack_post_message(api, channel, thread, fa2_json_str(m, "text"),
			                             cJSON_GetObjectItemCaseSensitive(m, "blocks"), NULL);
		}
		cJSON_Delete(msgs);
		if (err)
			FA2_LOGW("slack", "report blocks not posted in %s/%s: %s; the report goes as the file alone",
			         channel, thread ? thread : "-", fa2_err_str(err));
	}
	/* The file in any case: the report reaches the thread even when a message did not. */
	ferr = fa2_slack_upload_file(api, channel, thread, "fa2-report.md", title, report && !err ? NULL : title, md);
	return err ? err : ferr;
}
