/* /insight and /findings-report (see commands.h). */
#include "serve/commands.h"

#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/msg.h"
#include "base/time.h"
#include "agent/cmds.h"
#include "doc/md_pdf.h"
#include "slack/blocks.h"

#define GIST_BYTES 700u

int fa2_slack_cmds_owns(const char *command)
{
	return command && (strcmp(command, "/insight") == 0 || strcmp(command, "/findings-report") == 0);
}

int fa2_slack_cmds_owns_view(const char *cb)
{
	return cb && strcmp(cb, FA2_SLACK_INSIGHT_CALLBACK) == 0;
}

static cJSON *option(int days, fa2_lang lang)
{
	cJSON *o = cJSON_CreateObject();
	char label[32], value[8];
	snprintf(label, sizeof label,
			days == 1 ? fa2_msg(lang, "serve.cmd.day") : fa2_msg(lang, "serve.cmd.days"), days);
	snprintf(value, sizeof value, "%d", days);
	if (!o || !cJSON_AddItemToObject(o, "text", fa2_slack_text_obj("plain_text", label)) ||
	    !cJSON_AddStringToObject(o, "value", value)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

cJSON *fa2_slack_insight_modal(const char *channel, fa2_lang lang)
{
	cJSON *v = cJSON_CreateObject(), *blocks, *b1, *b2, *q, *sel, *opts;
	int d;
	if (!v)
		return NULL;
	blocks = cJSON_AddArrayToObject(v, "blocks");
	b1 = cJSON_CreateObject();
	b2 = cJSON_CreateObject();
	q = cJSON_CreateObject();
	sel = cJSON_CreateObject();
	if (!blocks || !b1 || !b2 || !q || !sel)
		goto fail;
	cJSON_AddItemToArray(blocks, b1);
	cJSON_AddItemToArray(blocks, b2);
	cJSON_AddStringToObject(v, "type", "modal");
	cJSON_AddStringToObject(v, "callback_id", FA2_SLACK_INSIGHT_CALLBACK);
	cJSON_AddStringToObject(v, "private_metadata", channel ? channel : "");
	cJSON_AddItemToObject(v, "title", fa2_slack_text_obj("plain_text", fa2_msg(lang, "serve.cmd.insight")));
	cJSON_AddItemToObject(v, "submit", fa2_slack_text_obj("plain_text", fa2_msg(lang, "serve.cmd.ask")));
	cJSON_AddItemToObject(v, "close", fa2_slack_text_obj("plain_text", fa2_msg(lang, "slack.form.cancel")));

	cJSON_AddStringToObject(b1, "type", "input");
	cJSON_AddStringToObject(b1, "block_id", FA2_SLACK_BLK_QUESTION);
	cJSON_AddItemToObject(b1, "label",
			fa2_slack_text_obj("plain_text", fa2_msg(lang, "serve.cmd.what_do_you_want_to")));
	cJSON_AddStringToObject(q, "type", "plain_text_input");
	cJSON_AddStringToObject(q, "action_id", FA2_SLACK_ACT_QUESTION);
	cJSON_AddBoolToObject(q, "multiline", 1);
	cJSON_AddNumberToObject(q, "max_length", 3000);
	cJSON_AddItemToObject(q, "placeholder",
			fa2_slack_text_obj("plain_text", fa2_msg(lang, "serve.cmd.e_g_is_ecs_service")));
	cJSON_AddItemToObject(b1, "element", q);
	q = NULL;

	cJSON_AddStringToObject(b2, "type", "input");
	cJSON_AddStringToObject(b2, "block_id", FA2_SLACK_BLK_DAYS);
	cJSON_AddItemToObject(b2, "label",
			fa2_slack_text_obj("plain_text", fa2_msg(lang, "serve.cmd.period_days_up_to_now")));
	cJSON_AddStringToObject(sel, "type", "static_select");
	cJSON_AddStringToObject(sel, "action_id", FA2_SLACK_ACT_DAYS);
	cJSON_AddItemToObject(sel, "initial_option", option(7, lang));
	opts = cJSON_AddArrayToObject(sel, "options");
	for (d = 1; opts && d <= 14; d++)
		cJSON_AddItemToArray(opts, option(d, lang));
	cJSON_AddItemToObject(b2, "element", sel);
	sel = NULL;
	if (cJSON_GetArraySize(opts) != 14)
		goto fail;
	return v;
fail:
	cJSON_Delete(q);
	cJSON_Delete(sel);
	cJSON_Delete(v);
	return NULL;
}

void fa2_slack_md_gist(fa2_slice md, size_t max, char *out, size_t cap)
{
	size_t i = 0, start, end, n;
	if (cap == 0)
		return;
	out[0] = '\0';
	if (cap < 8 || max == 0)
		return;
	while (i < md.len) {
		size_t eol = i;
		while (eol < md.len && md.ptr[eol] != '\n')
			eol++;
		if (eol > i && md.ptr[i] != '#' && md.ptr[i] != '>' && md.ptr[i] != '|' && md.ptr[i] != '-' &&
		    !(eol - i >= 3 && memcmp(md.ptr + i, "```", 3) == 0) && md.ptr[i] != '_') {
			start = i;
			/* the paragraph ends at a blank line */
			end = eol;
			while (end < md.len) {
				size_t nx = end + 1, ne = nx;
				while (ne < md.len && md.ptr[ne] != '\n')
					ne++;
				if (ne == nx || nx >= md.len || md.ptr[nx] == '#')
					break;
				end = ne;
			}
			n = end - start;
			if (n > max || n + 1 > cap) {
				size_t lim = max < cap - 4 ? max : cap - 4;
				n = fa2_slack_split_len(fa2_slice_make(md.ptr + start, n), lim);
				if (n > lim)
					n = lim;
				memcpy(out, md.ptr + start, n);
				memcpy(out + n, "…", 3);
				out[n + 3] = '\0';
				return;
			}
			memcpy(out, md.ptr + start, n);
			out[n] = '\0';
			return;
		}
		i = eol + 1;
	}
}

/* Where the output of one command goes: the channel, or the user's DM with the bot when
 * the bot cannot post there. */
typedef struct dest {
	char channel[64];
	char ts[32];          /* the "working" message: its thread takes the file */
} dest;

static fa2_err open_dm(fa2_slack_api *api, const char *user, char *out, size_t cap)
{
	fa2_buf f;
	cJSON *r = NULL;
	const char *id;
	fa2_err e;
	fa2_buf_init(&f, 512);
	e = fa2_buf_append_cstr(&f, "users=");
	if (!e)
		e = fa2_slack_form_escape(&f, fa2_slice_cstr(user));
	if (!e)
		e = fa2_slack_call_form(api, "conversations.open", fa2_buf_slice(&f), &r, NULL);
	if (!e) {
		id = fa2_json_str(cJSON_GetObjectItemCaseSensitive(r, "channel"), "id");
		if (id && strlen(id) < cap)
			snprintf(out, cap, "%s", id);
		else
			e = FA2_ERR_SLACK;
	}
	cJSON_Delete(r);
	fa2_buf_cleanup(&f);
	return e;
}

/* Posts the "working" message in channel, falling back to the user's DM. */
static fa2_err post_working(fa2_slack_api *api, const char *channel, const char *user, const char *text, dest *d)
{
	char code[64] = "";
	fa2_err e = FA2_ERR_INVALID;
	memset(d, 0, sizeof *d);
	if (channel && *channel && strlen(channel) < sizeof d->channel) {
		cJSON *b = cJSON_CreateObject();
		if (!b || !cJSON_AddStringToObject(b, "channel", channel) || !cJSON_AddStringToObject(b, "text", text)) {
			cJSON_Delete(b);
			return FA2_ERR_NOMEM;
		}
		{
			cJSON *r = NULL;
			e = fa2_slack_call_json(api, "chat.postMessage", b, &r, code);
			if (!e) {
				const char *ts = fa2_json_str(r, "ts"), *ch = fa2_json_str(r, "channel");
				snprintf(d->ts, sizeof d->ts, "%s", ts ? ts : "");
				snprintf(d->channel, sizeof d->channel, "%s", ch ? ch : channel);
			}
			cJSON_Delete(r);
		}
		cJSON_Delete(b);
		if (!e)
			return FA2_OK;
		FA2_LOGI("slack", "cannot post in %s (%s): answering in the user's DM", channel, code[0] ? code : fa2_err_str(e));
	}
	if (!user || !*user)
		return e;
	e = open_dm(api, user, d->channel, sizeof d->channel);
	if (!e)
		e = fa2_slack_post_message(api, d->channel, NULL, text, NULL, d->ts);
	return e;
}

/* Tells the user why it failed: in the working message when there is one, else as an
 * ephemeral message in channel, else in the user's DM. */
static void tell_failure(fa2_slack_api *api, const dest *d, const char *channel, const char *user, const char *text)
{
	if (d && d->channel[0] && d->ts[0] &&
	    fa2_slack_update_message(api, d->channel, d->ts, text, NULL) == FA2_OK)
		return;
	if (channel && user) {
		cJSON *b = cJSON_CreateObject();
		fa2_err e = FA2_ERR_NOMEM;
		if (b && cJSON_AddStringToObject(b, "channel", channel) && cJSON_AddStringToObject(b, "user", user) &&
		    cJSON_AddStringToObject(b, "text", text))
			e = fa2_slack_call_json(api, "chat.postEphemeral", b, NULL, NULL);
		cJSON_Delete(b);
		if (!e)
			return;
	}
	if (user) {
		char dm[64];
		if (open_dm(api, user, dm, sizeof dm) == FA2_OK)
			(void)fa2_slack_post_message(api, dm, NULL, text, NULL, NULL);
	}
	FA2_LOGW("slack", "%s", text);
}

static void run_insight(fa2_slack_api *api, const fa2_config *cfg, const char *channel, const char *user,
			const char *question, int days)
{
	fa2_lang lang = cfg ? cfg->lang : FA2_LANG_EN;
	dest d;
	fa2_buf md;
	char line[1400], msg[1024], gist[GIST_BYTES + 8], q[200];
	int64_t t0 = fa2_time_mono_ms();
	int model_ok = 0;
	fa2_err e;

	fa2_buf_init(&md, FA2_MAX_REPORT_BYTES);
	memset(&d, 0, sizeof d);
	fa2_slack_md_gist(fa2_slice_cstr(question), 180, q, sizeof q);
	if (!cfg) {
		tell_failure(api, NULL, channel, user, fa2_msg(lang, "serve.cmd.no_configuration_insight"));
		goto cleanup;
	}
	snprintf(line, sizeof line, fa2_msg(lang, "serve.cmd.asked_last_days_reading_cloudwatch"),
		 user ? user : "?", q, days);
	if (post_working(api, channel, user, line, &d) != FA2_OK) {
		tell_failure(api, NULL, channel, user, fa2_msg(lang, "serve.cmd.fa2_cannot_post_insight_here"));
		goto cleanup;
	}
	e = fa2_cmds_run_insight(cfg, lang, question, days, &md, &model_ok, msg, sizeof msg);
	if (e) {
		snprintf(line, sizeof line, fa2_msg(lang, "serve.cmd.insight_failed"),
			 msg[0] ? msg : fa2_err_str(e));
		tell_failure(api, &d, channel, user, line);
		goto cleanup;
	}
	fa2_slack_md_gist(fa2_buf_slice(&md), GIST_BYTES, gist, sizeof gist);
	snprintf(line, sizeof line, fa2_msg(lang, "serve.cmd.insight_for_last_days_s"),
		 q, days, (long long)((fa2_time_mono_ms() - t0) / 1000),
		 model_ok ? "" : fa2_msg(lang, "serve.cmd.model_was_unavailable_metric_data"),
		 gist);
	(void)fa2_slack_update_message(api, d.channel, d.ts, line, NULL);
	e = fa2_slack_upload_file(api, d.channel, d.ts[0] ? d.ts : NULL, "insight.md",
			fa2_msg(lang, "serve.cmd.fa2_insight"),
		   fa2_msg(lang, "serve.cmd.full_insight_markdown"), fa2_buf_slice(&md));
	if (e)
		tell_failure(api, NULL, d.channel, user, fa2_msg(lang, "serve.cmd.insight_was_written_but_file"));
cleanup:
	fa2_buf_cleanup(&md);
}

/* The findings report as a PDF (the Markdown is uploaded too), in the thread of d. */
static void upload_findings_pdf(fa2_slack_api *api, const dest *d, const char *user, int lang, fa2_slice md)
{
	fa2_pdf_info info;
	fa2_buf pdf;
	fa2_err e;
	memset(&info, 0, sizeof info);
	info.lang = lang == FA2_LANG_JA ? "ja" : "en";
	info.title = fa2_msg(lang, "serve.cmd.fa2_security_findings_report");
	fa2_buf_init(&pdf, FA2_MAX_PDF_BYTES);
	e = fa2_doc_md_to_pdf(md, &info, &pdf);
	if (!e)
		e = fa2_slack_upload_file(api, d->channel, d->ts[0] ? d->ts : NULL, "findings-report.pdf",
					  info.title, fa2_msg(lang, "serve.cmd.full_report_pdf"), fa2_buf_slice(&pdf));
	if (e) {
		FA2_LOGW("serve", "/findings-report PDF: %s", fa2_err_str(e));
		tell_failure(api, NULL, d->channel, user, fa2_msg(lang, "serve.cmd.report_pdf_failed"));
	}
	fa2_buf_cleanup(&pdf);
}
static void run_findings(fa2_slack_api *api, const fa2_config *cfg, const char *channel, const char *user)
{
	fa2_lang lang = cfg ? cfg->lang : FA2_LANG_EN;
	dest d;
	fa2_buf md;
	char line[1400], msg[1024], gist[GIST_BYTES + 8];
	int64_t t0 = fa2_time_mono_ms();
	int model_ok = 0;
	fa2_err e;

	fa2_buf_init(&md, FA2_MAX_REPORT_BYTES);
	memset(&d, 0, sizeof d);
	if (!cfg) {
		tell_failure(api, NULL, channel, user, fa2_msg(lang, "serve.cmd.no_configuration_findings_report"));
		goto cleanup;
	}
	snprintf(line, sizeof line, fa2_msg(lang, "serve.cmd.requested_security_findings_report_reading"),
			user ? user : "?");
	if (post_working(api, channel, user, line, &d) != FA2_OK) {
		tell_failure(api, NULL, channel, user, fa2_msg(lang, "serve.cmd.fa2_cannot_post_report_here"));
		goto cleanup;
	}
	e = fa2_cmds_run_findings(cfg, lang, &md, &model_ok, msg, sizeof msg);
	if (e) {
		snprintf(line, sizeof line, fa2_msg(lang, "serve.cmd.findings_report_failed"),
				msg[0] ? msg : fa2_err_str(e));
		tell_failure(api, &d, channel, user, line);
		goto cleanup;
	}
	fa2_slack_md_gist(fa2_buf_slice(&md), GIST_BYTES, gist, sizeof gist);
	snprintf(line, sizeof line, fa2_msg(lang, "serve.cmd.security_findings_report_s"),
		 (long long)((fa2_time_mono_ms() - t0) / 1000),
		 model_ok ? "" : fa2_msg(lang, "serve.cmd.model_was_unavailable_built_from"), gist);
	(void)fa2_slack_update_message(api, d.channel, d.ts, line, NULL);
	e = fa2_slack_upload_file(api, d.channel, d.ts[0] ? d.ts : NULL, "findings-report.md",
		   fa2_msg(lang, "serve.cmd.fa2_security_findings_report"),
		   fa2_msg(lang, "serve.cmd.full_report_markdown"), fa2_buf_slice(&md));
	if (e)
		tell_failure(api, NULL, d.channel, user, fa2_msg(lang, "serve.cmd.report_was_written_but_file"));
	else
		upload_findings_pdf(api, &d, user, lang, fa2_buf_slice(&md));
cleanup:
	fa2_buf_cleanup(&md);
}

typedef struct answer {
	fa2_slack_cmds_complete_fn fn;
	void *handle;
} answer;

/* Completes the deferred answer: an ephemeral text, or an empty 200 (text NULL). */
static void complete_text(const answer *a, const char *text)
{
	fa2_buf out;
	if (!a->fn)
		return;
	fa2_buf_init(&out, 4096);
	if (!text || (fa2_buf_append_cstr(&out, "{\"response_type\":\"ephemeral\",\"text\":") == FA2_OK &&
		      fa2_json_append_string(&out, fa2_slice_cstr(text)) == FA2_OK &&
		      fa2_buf_append_byte(&out, '}') == FA2_OK))
		a->fn(a->handle, 200, text ? "application/json" : "text/plain", out.data ? out.data : "", out.len);
	else
		a->fn(a->handle, 200, "text/plain", "", 0);
	fa2_buf_cleanup(&out);
}

int fa2_slack_cmds_command(fa2_slack_api *api, const fa2_config *cfg, const cJSON *p,
                            fa2_slack_cmds_complete_fn complete, void *handle)
{
	answer a0, *req = &a0;
	const char *cmd = fa2_json_str(p, "command"), *trig = fa2_json_str(p, "trigger_id");
	const char *channel = fa2_json_str(p, "channel_id");
	fa2_lang lang = cfg ? cfg->lang : FA2_LANG_EN;
	int insight = cmd && strcmp(cmd, "/insight") == 0;

	a0.fn = complete;
	a0.handle = handle;

	if (!cfg) {
		complete_text(req, "fa2 serve runs without an analysis configuration, so this command is not available.");
		return 0;
	}
	if (insight && !cfg->slash_insight) {
		complete_text(req, fa2_msg(lang, "serve.cmd.sorry_insight_is_turned_off"));
		return 0;
	}
	if (!insight && !cfg->slash_findings_report) {
		complete_text(req, fa2_msg(lang, "serve.cmd.sorry_findings_report_is_turned"));
		return 0;
	}
	if (insight) {
		cJSON *b = cJSON_CreateObject(), *view = fa2_slack_insight_modal(channel, lang);
		char code[64] = "";
		fa2_err e = FA2_ERR_NOMEM;
		if (b && view && trig && cJSON_AddStringToObject(b, "trigger_id", trig)) {
			cJSON_AddItemToObject(b, "view", view);
			view = NULL;
			e = fa2_slack_call_json(api, "views.open", b, NULL, code);
		}
		cJSON_Delete(view);
		cJSON_Delete(b);
		if (e) {
			char t[256];
			snprintf(t, sizeof t, fa2_msg(lang, "serve.cmd.sorry_insight_form_could_not"),
				 code[0] ? code : fa2_err_str(e));
			complete_text(req, t);
		} else {
			complete_text(req, NULL);
		}
		return 0;
	}
	/* /findings-report: acknowledge now (Slack wants an answer within 3 s); the caller
	 * runs the report (fa2_slack_cmds_findings) where long work runs. */
	complete_text(req, fa2_msg(lang, "serve.cmd.working_on_security_findings_report"));
	return 1;
}

void fa2_slack_cmds_findings(fa2_slack_api *api, const fa2_config *cfg, const cJSON *p)
{
	run_findings(api, cfg, fa2_json_str(p, "channel_id"), fa2_json_str(p, "user_id"));
}

void fa2_slack_cmds_view(fa2_slack_api *api, const fa2_config *cfg, const cJSON *p)
{
	const cJSON *view = cJSON_GetObjectItemCaseSensitive(p, "view");
	const cJSON *values = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(view, "state"), "values");
	const char *channel = fa2_json_str(view, "private_metadata");
	const char *user = fa2_json_str(cJSON_GetObjectItemCaseSensitive(p, "user"), "id");
	const char *question = fa2_json_str(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(values,
					    FA2_SLACK_BLK_QUESTION), FA2_SLACK_ACT_QUESTION), "value");
	const char *days_s = fa2_json_str(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
					  cJSON_GetObjectItemCaseSensitive(values, FA2_SLACK_BLK_DAYS), FA2_SLACK_ACT_DAYS),
					  "selected_option"), "value");
	long long days = 7;

	if (days_s && fa2_parse_int_range(fa2_slice_cstr(days_s), 1, 14, &days))
		days = 7;
	if (!question || !question[strspn(question, " \t\r\n")]) {
		tell_failure(api, NULL, channel, user,
				fa2_msg(cfg ? cfg->lang : FA2_LANG_EN, "serve.cmd.please_write_question_for_insight"));
		return;
	}
	if (cfg && !cfg->slash_insight) {
		tell_failure(api, NULL, channel, user, fa2_msg(cfg->lang, "serve.cmd.sorry_insight_is_turned_off_2"));
		return;
	}
	run_insight(api, cfg, channel, user, question, (int)days);
}
