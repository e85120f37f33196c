/* One analysis from Slack: see analysis.h. */
#include "serve/analysis.h"

#include <stdio.h>
#include <string.h>

#include "agent/run.h"
#include "agent/session.h"
#include "aws/alarms.h"
#include "base/buf.h"
#include "base/json.h"
#include "base/log.h"
#include "base/num.h"
#include "base/time.h"
#include "slack/blocks.h"
#include "serve/graphs.h"
#include "serve/progress.h"
#include "serve/report_blocks.h"
#include "serve/resume.h"

/* en / ja by the configured language (the language of the report, forms and messages). */
#define TXT(ja, en_, ja_) ((ja) ? (ja_) : (en_))

static int is_ja(const fa2_slack_analysis_env *env)
{
	return env->cfg->cfg && env->cfg->cfg->lang == FA2_LANG_JA;
}

/* Tells the thread what went wrong: text replaces the progress message (or is posted). */
static void fail_thread(const fa2_slack_analysis_env *env, const char *channel, const char *thread, const char *progress_ts,
                        const char *text)
{
	if (progress_ts && progress_ts[0])
		(void)fa2_slack_update_message(env->api, channel, progress_ts, text, NULL);
	else
		(void)fa2_slack_post_message(env->api, channel, thread, text, NULL, NULL);
}

/* A fresh analysis form in the thread, prefilled as the failed analysis was: its submit
 * button (serve/app.c, FA2_SLACK_ACT_SUBMIT) runs the analysis again in this thread. */
static void post_retry_form(const fa2_slack_analysis_env *env, const char *channel, const char *thread,
                            const char *desc, int64_t from_ms, int64_t to_ms, const fa2_alarm *alarm)
{
	int ja = is_ja(env);
	const char *line = TXT(ja, "To retry once the cause is fixed, press the button of this form.",
	                       "原因を解消したら、このフォームのボタンを押して再実行してください。");
	cJSON *blocks, *sec, *txt;
	blocks = fa2_slack_form_blocks_alarm(desc ? desc : "", from_ms / 1000, to_ms / 1000, NULL, alarm,
	                                     (int)env->cfg->cfg->lang);
	sec = cJSON_CreateObject();
	txt = fa2_slack_text_obj("mrkdwn", line);
	if (!blocks || !sec || !txt || !cJSON_AddStringToObject(sec, "type", "section") ||
	    !cJSON_AddStringToObject(sec, "block_id", FA2_SLACK_BLK_RETRY)) {
		cJSON_Delete(txt);
		goto done;
	}
	cJSON_AddItemToObject(sec, "text", txt);
	if (!cJSON_InsertItemInArray(blocks, 0, sec))
		goto done;
	sec = NULL;
	if (fa2_slack_post_message(env->api, channel, thread, line, blocks, NULL) != FA2_OK)
		FA2_LOGW("slack", "cannot post the retry form in %s/%s", channel, thread);
done:
	cJSON_Delete(sec);
	cJSON_Delete(blocks);
}

/* The outcome's failure for the thread, in the configured language. */
static void failure_text(const fa2_slack_analysis_env *env, const fa2_run_outcome *oc, fa2_buf *out)
{
	int ja = is_ja(env);
	(void)fa2_buf_append_cstr(out, TXT(ja, ":x: *The analysis failed.* ", ":x: *分析に失敗しました。* "));
	if (oc->status == FA2_RUN_PARTIAL)
		(void)fa2_buf_append_cstr(out, TXT(ja, "fa2 assembled a partial report from what it had (below).\n",
		                                   "収集できた情報から fa2 が部分的なレポートを作成しました（下記）。\n"));
	else
		(void)fa2_buf_append_byte(out, '\n');
	(void)fa2_run_failure_render(&oc->failure, ja ? FA2_LANG_JA : FA2_LANG_EN, out);
	if (oc->session_id[0])
		(void)fa2_buf_appendf(out, TXT(ja, "Session: %s\n", "セッション: %s\n"), oc->session_id);
	(void)fa2_buf_append_cstr(out, TXT(ja, "To retry, use the form below in this thread.",
	                                   "再実行するには、このスレッドの下のフォームを使ってください。"));
}

typedef struct progress_sink {
	const fa2_slack_analysis_env *env;
	const char *channel, *ts;
} progress_sink;

static int progress_send(void *ctx, const char *text)
{
	progress_sink *k = ctx;
	return fa2_slack_update_message(k->env->api, k->channel, k->ts, text, NULL) == FA2_OK ? 0 : -1;
}

/* Posts the report's metric graphs (serve/graphs.h): best effort. */
/* The alarm a session started with (the first journal record's "alarm", as the agent
 * wrote it): a resumed analysis graphs the alarm's own metric like a new one. 1 when
 * out was filled (fa2_alarm_cleanup), else 0. */
static int session_alarm(const fa2_slack_analysis_env *env, const char *sid, fa2_alarm *out)
{
	char dir[1100];
	cJSON *recs = NULL;
	const cJSON *ad;
	size_t valid = 0;
	int ok = 0;
	memset(out, 0, sizeof *out);
	if (!sid || !sid[0] || fa2_session_path(env->cfg->state_dir, sid, dir, sizeof dir) != FA2_OK ||
	    fa2_session_read_journal(dir, &recs, &valid) != FA2_OK)
		return 0;
	ad = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(recs, 0), "alarm");
	if (ad && fa2_alarm_from_json(ad, out) == FA2_OK)
		ok = 1;
	else
		fa2_alarm_cleanup(out);
	cJSON_Delete(recs);
	return ok;
}

static void post_graphs(const fa2_slack_analysis_env *env, const char *channel, const char *thread,
                        const cJSON *report, const char *resumed_sid)
{
	const cJSON *inc = cJSON_GetObjectItemCaseSensitive(report, "incident");
	fa2_slack_graph_opts go;
	fa2_alarm resumed;
	int have_resumed = 0;
	unsigned posted = 0;
	memset(&go, 0, sizeof go);
	go.region = env->cfg->cfg->region;
	go.tz = env->tz ? env->tz : &env->cfg->cfg->tz;
	if (!fa2_json_i64(inc, "fromMs", 0, FA2_NUM_EPOCH_MAX_MS, &go.from_ms))
		go.from_ms = 0;
	if (!fa2_json_i64(inc, "toMs", 0, FA2_NUM_EPOCH_MAX_MS, &go.to_ms))
		go.to_ms = 0;
	go.alarm = env->alarm;
	if (!go.alarm && resumed_sid && (have_resumed = session_alarm(env, resumed_sid, &resumed)) != 0)
		go.alarm = &resumed;
	if (fa2_slack_post_graphs(env->api, channel, thread, report, &go, &posted) != FA2_OK)
		FA2_LOGW("slack", "some metric graphs were not posted (%u posted); the report is in the thread", posted);
	else if (posted)
		FA2_LOGI("slack", "%u metric graph(s) posted in %s/%s", posted, channel, thread);
	if (have_resumed)
		fa2_alarm_cleanup(&resumed);
}

/* Runs a new analysis (resume_id NULL) or resumes one through the analysis API
 * (agent/run.h), keeping progress_ts up to date (serve/progress.h), then posts the
 * report and its metric graphs, or the failure with what to do and a retry form, and
 * marks the session's Slack context posted (serve/resume.h). */
static int drive_analysis(const fa2_slack_analysis_env *env, const char *channel, const char *thread, const char *progress_ts,
                           const char *desc, int64_t start_s, int64_t end_s, const char *resume_id)
{
	fa2_run_request rq;
	fa2_run_outcome oc;
	fa2_slack_progress prog;
	progress_sink sink;
	fa2_buf text;
	cJSON *meta = NULL;
	char line[256];
	int ja = is_ja(env), ok = 0;

	fa2_run_outcome_init(&oc);
	fa2_buf_init(&text, 16384);
	if (!env->cfg->cfg) {
		fail_thread(env, channel, thread, progress_ts,
		            TXT(ja, ":x: The analysis cannot run: fa2 serve has no analysis configuration.",
		                ":x: 分析を実行できません: fa2 serve に分析の設定がありません。"));
		goto done;
	}
	memset(&rq, 0, sizeof rq);
	rq.trigger = FA2_RUN_TRIGGER_SLACK;
	rq.cfg = env->cfg->cfg;
	rq.tz_offset_min = env->cfg->cfg->tz_offset_min;
	rq.tz = env->tz;
	if (resume_id) {
		rq.resume_id = resume_id;
	} else {
		rq.event = desc;
		rq.from_ms = start_s * 1000;
		rq.to_ms = end_s * 1000;
		rq.alarm = env->alarm;
		meta = fa2_slack_session_meta(channel, thread, progress_ts, fa2_time_now_ms());
		rq.session_meta = meta;
	}
	sink.env = env;
	sink.channel = channel;
	sink.ts = progress_ts;
	if (fa2_slack_progress_start(&prog, progress_send, &sink, desc, env->cfg->progress_interval_ms,
	                             env->cfg->cfg->lang) != FA2_OK)
		FA2_LOGW("slack", "progress updates disabled (no thread)");
	rq.progress = fa2_slack_progress_event;
	rq.progress_ctx = &prog;
	(void)fa2_run_analysis(&rq, &oc);
	if (!fa2_slack_sessions_claim(oc.session_id)) {
		/* several instances: another one took this analysis over (our lease ran out) */
		fa2_slack_progress_finish(&prog, NULL);
		ok = -1;
		goto unclaimed;
	}
	if (oc.status == FA2_RUN_FAILED || oc.failure.cls != FA2_RUN_ERR_NONE) {
		fa2_slack_progress_finish(&prog, NULL);
		failure_text(env, &oc, &text);
		fail_thread(env, channel, thread, progress_ts, text.data ? text.data : "");
		if (oc.status == FA2_RUN_PARTIAL && oc.markdown.len)
			(void)fa2_slack_post_report(env->api, channel, thread, oc.report, env->cfg->cfg->lang,
			                            env->tz ? env->tz : &env->cfg->cfg->tz, fa2_buf_slice(&oc.markdown));
		if (oc.to_ms <= oc.from_ms) { /* a resume whose journal was unreadable: the last hour */
			oc.to_ms = fa2_time_now_ms();
			oc.from_ms = oc.to_ms - 3600000;
		}
		post_retry_form(env, channel, thread, desc, oc.from_ms, oc.to_ms, resume_id ? NULL : env->alarm);
		goto done;
	}
	snprintf(line, sizeof line, TXT(ja, ":white_check_mark: Analysis complete in %llds.",
	                                ":white_check_mark: 分析が完了しました（%lld 秒）。"),
	         (long long)(oc.duration_ms / 1000));
	fa2_slack_progress_finish(&prog, line);
	(void)fa2_slack_post_report(env->api, channel, thread, oc.report, env->cfg->cfg->lang,
	                            env->tz ? env->tz : &env->cfg->cfg->tz, fa2_buf_slice(&oc.markdown));
	ok = 1;
	post_graphs(env, channel, thread, oc.report, resume_id);
done:
	if (oc.session_id[0] && fa2_slack_session_mark_posted(env->cfg->state_dir, oc.session_id, NULL) != FA2_OK)
		FA2_LOGW("slack", "session %s: cannot mark its Slack outcome posted", oc.session_id);
unclaimed:
	cJSON_Delete(meta);
	fa2_buf_cleanup(&text);
	fa2_run_outcome_cleanup(&oc);
	return ok;
}

int fa2_slack_analysis_run(const fa2_slack_analysis_env *env, const char *channel, const char *thread,
                           const char *desc, int64_t start_s, int64_t end_s)
{
	char progress_ts[32] = "", line[512];
	snprintf(line, sizeof line, TXT(is_ja(env), ":hourglass_flowing_sand: Analysing \"%s\"… (started)",
	                                ":hourglass_flowing_sand: 「%s」を分析しています…（開始）"), desc);
	if (fa2_slack_post_message(env->api, channel, thread, line, NULL, progress_ts) != FA2_OK)
		return -1;
	return drive_analysis(env, channel, thread, progress_ts, desc, start_s, end_s, NULL);
}

int fa2_slack_analysis_resume(const fa2_slack_analysis_env *env, const cJSON *p)
{
	const char *id = fa2_json_str(p, "id"), *channel = fa2_json_str(p, "channel");
	const char *thread = fa2_json_str(p, "thread"), *ts = fa2_json_str(p, "progressTs");
	const char *event = fa2_json_str(p, "event");
	char progress_ts[64] = "", line[1024];
	int64_t started = 0;
	int64_t max_ms = env->cfg->cfg ? (int64_t)env->cfg->cfg->slack_resume_max_age_min * 60000 : 0;
	int64_t age;

	if (!id || !channel || !thread)
		return -1;
	if (!fa2_json_i64(p, "startedMs", 0, FA2_NUM_EPOCH_MAX_MS, &started))
		started = 0; /* unknown: not resumed */
	age = fa2_time_now_ms() - started;
	snprintf(progress_ts, sizeof progress_ts, "%s", ts ? ts : "");
	if (!started || age > max_ms) {
		snprintf(line, sizeof line, TXT(is_ja(env),
		         ":x: fa2 was restarted during this analysis (session %s), which started %lld min ago: "
		         "too long ago to resume (slackResumeMaxAgeMinutes is %u). Run it again with `/fa2`.",
		         ":x: この分析（セッション %s）の実行中に fa2 が再起動されました。分析の開始は %lld 分前で、"
		         "再開するには古すぎます（slackResumeMaxAgeMinutes は %u）。`/fa2` で再度実行してください。"),
		         id, (long long)(age / 60000), env->cfg->cfg ? env->cfg->cfg->slack_resume_max_age_min : 0u);
		FA2_LOGW("slack", "session %s not resumed: started %lld s ago", id, (long long)(age / 1000));
		if (!fa2_slack_sessions_claim(id))
			return -1;
		if (fa2_slack_session_mark_posted(env->cfg->state_dir, id, "failed") == FA2_OK) {
			fail_thread(env, channel, thread, progress_ts, line);
			return 0;
		}
		return -1;
	}
	FA2_LOGI("slack", "resuming session %s for %s/%s after a restart", id, channel, thread);
	snprintf(line, sizeof line, TXT(is_ja(env), ":hourglass_flowing_sand: Analysing \"%s\"… resuming after a restart of fa2",
	                                ":hourglass_flowing_sand: 「%s」を分析しています…（fa2 の再起動後に再開）"),
	         event ? event : "");
	if (progress_ts[0])
		(void)fa2_slack_update_message(env->api, channel, progress_ts, line, NULL);
	else if (fa2_slack_post_message(env->api, channel, thread, line, NULL, progress_ts) != FA2_OK)
		return -1;
	return drive_analysis(env, channel, thread, progress_ts, event, 0, 0, id);
}
