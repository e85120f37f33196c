/* Block Kit builders: see blocks.h. */
#include "slack/blocks.h"

#include <stdio.h>
#include <string.h>

#include "aws/alarms.h"
#include "base/buf.h"
#include "base/json.h"
#include "base/log.h"
#include "base/msg.h"


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

static int add_fields(cJSON *arr, const char *desc, int64_t start_s, int64_t end_s, int lang)
{
	return add_input(arr, FA2_SLACK_BLK_DESC, fa2_msg(lang, "slack.form.what_went_wrong"), desc_input(desc)) &&
	       add_input(arr, FA2_SLACK_BLK_START, fa2_msg(lang, "slack.form.start_your_time_zone"),
	                 dt_picker(FA2_SLACK_ACT_START, start_s)) &&
	       add_input(arr, FA2_SLACK_BLK_END, fa2_msg(lang, "slack.form.end_your_time_zone"),
	                 dt_picker(FA2_SLACK_ACT_END, end_s));
}

#define FORM_ALARM_PREFIX "alarm:"
#define FORM_VALUE_MAX 2000 /* Block Kit: a button's value */

int fa2_slack_form_alarm(const char *value, fa2_alarm *out)
{
	const char *r, *colon;
	char region[64];
	size_t rlen;
	memset(out, 0, sizeof *out);
	if (!value || strncmp(value, FORM_ALARM_PREFIX, sizeof FORM_ALARM_PREFIX - 1) != 0)
		return 0;
	r = value + sizeof FORM_ALARM_PREFIX - 1;
	if (*r == '{') { /* the alarm as data (fa2_alarm_compact_json) */
		cJSON *doc = fa2_json_parse(fa2_slice_cstr(r), NULL);
		fa2_err e = doc ? fa2_alarm_from_json(doc, out) : FA2_ERR_PARSE;
		cJSON_Delete(doc);
		return e == FA2_OK;
	}
	/* "alarm:REGION:NAME", as forms posted by earlier versions carry it */
	colon = strchr(r, ':');
	if (!colon || !colon[1])
		return 0;
	rlen = (size_t)(colon - r);
	if (rlen >= sizeof region)
		return 0;
	memcpy(region, r, rlen);
	region[rlen] = '\0';
	if (fa2_alarm_from_name(colon + 1, NULL, out) != FA2_OK)
		return 0;
	if (fa2_alarm_locate(out, region, NULL) != FA2_OK) {
		fa2_alarm_cleanup(out);
		return 0;
	}
	return 1;
}

/* The submit button's value for alarm: "alarm:" and the alarm as JSON, reduced to fit;
 * just its name and place when even that does not fit; "submit" without an alarm. */
static void alarm_value(const fa2_alarm *alarm, char *value, size_t cap)
{
	fa2_buf b;
	fa2_alarm bare;
	snprintf(value, cap, "submit");
	if (!alarm || !alarm->name || !*alarm->name)
		return;
	fa2_buf_init(&b, cap);
	if (fa2_buf_append_cstr(&b, FORM_ALARM_PREFIX) == FA2_OK &&
	    fa2_alarm_compact_json(alarm, cap - 1 - b.len, &b) == FA2_OK) {
		snprintf(value, cap, "%.*s", (int)b.len, (const char *)b.data);
	} else if (fa2_alarm_from_name(alarm->name, alarm->state, &bare) == FA2_OK) {
		fa2_buf_reset(&b);
		if (fa2_alarm_locate(&bare, alarm->region, alarm->account) == FA2_OK &&
		    fa2_buf_append_cstr(&b, FORM_ALARM_PREFIX) == FA2_OK &&
		    fa2_alarm_compact_json(&bare, cap - 1 - b.len, &b) == FA2_OK)
			snprintf(value, cap, "%.*s", (int)b.len, (const char *)b.data);
		else
			FA2_LOGW("slack", "alarm %.80s: its name does not fit the form", alarm->name);
		fa2_alarm_cleanup(&bare);
	}
	fa2_buf_cleanup(&b);
}

cJSON *fa2_slack_form_blocks(const char *desc, int64_t start_s, int64_t end_s, const char *error, int lang)
{
	return fa2_slack_form_blocks_alarm(desc, start_s, end_s, error, NULL, lang);
}

cJSON *fa2_slack_form_blocks_alarm(const char *desc, int64_t start_s, int64_t end_s, const char *error,
                                   const fa2_alarm *alarm, int lang)
{
	cJSON *arr = cJSON_CreateArray(), *act = NULL, *els, *btn;
	char value[FORM_VALUE_MAX + 1];
	alarm_value(alarm, value, sizeof value);
	if (!arr || !add_section(arr, fa2_msg(lang, "slack.form.fa2_can_analyse_this_check")) ||
	    !add_fields(arr, desc, start_s, end_s, lang))
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
	cJSON_AddItemToObject(btn, "text", fa2_slack_text_obj("plain_text", fa2_msg(lang, "slack.form.analyse")));
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

cJSON *fa2_slack_form_modal(int64_t start_s, int64_t end_s, const char *channel, int lang)
{
	cJSON *v = cJSON_CreateObject(), *arr = cJSON_CreateArray();
	if (!v || !arr || !add_fields(arr, "", start_s, end_s, lang) || !cJSON_AddStringToObject(v, "type", "modal") ||
	    !cJSON_AddStringToObject(v, "callback_id", FA2_SLACK_VIEW_CALLBACK) ||
	    !cJSON_AddStringToObject(v, "private_metadata", channel ? channel : "")) {
		cJSON_Delete(v);
		cJSON_Delete(arr);
		return NULL;
	}
	cJSON_AddItemToObject(v, "title", fa2_slack_text_obj("plain_text", fa2_msg(lang, "slack.form.fa2_analysis")));
	cJSON_AddItemToObject(v, "submit", fa2_slack_text_obj("plain_text", fa2_msg(lang, "slack.form.analyse")));
	cJSON_AddItemToObject(v, "close", fa2_slack_text_obj("plain_text", fa2_msg(lang, "slack.form.cancel")));
	cJSON_AddItemToObject(v, "blocks", arr);
	return v;
}

cJSON *fa2_slack_received_blocks(const char *desc, int64_t start_s, int64_t end_s, const char *user, int lang)
{
	char m[FA2_SLACK_MAX_TEXT + 1];
	cJSON *arr = cJSON_CreateArray();
	/* <!date^…> renders each reader's local time; the fallback is UTC */
	snprintf(m, sizeof m, fa2_msg(lang, "slack.form.request_received_from_from_to"),
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
