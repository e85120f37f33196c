/* One analysis from Slack: see analysis.h. */
#include "serve/analysis.h"

#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "base/log.h"
#include "base/time.h"
#include "cmd/agent_run.h"
#include "slack/blocks.h"
#include "serve/graphs.h"
#include "serve/progress.h"
#include "serve/resume.h"

static void fail_thread(const fa2_slack_analysis_env *env, const char *channel, const char *thread, const char *progress_ts,
                        const char *why)
{
	char msg[1024];
	snprintf(msg, sizeof msg, ":x: The analysis failed: %s\nTo retry, fix the cause and press *Analyse* on the form again, "
	         "or run `/fa2`.", why);
	if (progress_ts && progress_ts[0])
		(void)fa2_slack_update_message(env->api, channel, progress_ts, msg, NULL);
	else
		(void)fa2_slack_post_message(env->api, channel, thread, msg, NULL, NULL);
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

/* Runs a new analysis (resume_id NULL) or resumes one, keeping progress_ts up to date
 * (serve/progress.h), then posts the report, its metric graphs (serve/graphs.h) and
 * marks the session's Slack context posted (serve/resume.h). */
static int drive_analysis(const fa2_slack_analysis_env *env, const char *channel, const char *thread, const char *progress_ts,
                           const char *desc, int64_t start_s, int64_t end_s, const char *resume_id)
{
	char path[1100], line[512], sid[FA2_SESSION_ID_MAX + 1] = "";
	fa2_run_opts o;
	fa2_buf report;
	fa2_slack_progress prog;
	progress_sink sink;
	cJSON *meta = NULL, *rj = NULL;
	int64_t t0 = fa2_time_mono_ms();
	int rc, ok = 0;

	fa2_buf_init(&report, 8u << 20);
	if (!env->cfg->cfg) {
		fail_thread(env, channel, thread, progress_ts, "fa2 serve has no analysis configuration");
		goto done;
	}
	snprintf(path, sizeof path, "%s/slack/report-%s-%s.md", env->cfg->state_dir, channel, thread);
	memset(&o, 0, sizeof o);
	o.cmd = "serve";
	o.cfg = env->cfg->cfg;
	o.format = FA2_OUT_MD;
	o.out_path = path;
	o.tz_offset_min = env->cfg->cfg->tz_offset_min;
	if (resume_id) {
		o.resume_id = resume_id;
	} else {
		o.event = desc;
		o.from_ms = start_s * 1000;
		o.to_ms = end_s * 1000;
		o.alarm = env->alarm;
		meta = fa2_slack_session_meta(channel, thread, progress_ts, fa2_time_now_ms());
		o.session_meta = meta;
	}
	o.session_id_out = sid;
	sink.env = env;
	sink.channel = channel;
	sink.ts = progress_ts;
	if (fa2_slack_progress_start(&prog, progress_send, &sink, desc, env->cfg->progress_interval_ms,
	                             env->cfg->cfg->lang) != FA2_OK)
		FA2_LOGW("slack", "progress updates disabled (no thread)");
	o.progress = fa2_slack_progress_event;
	o.progress_ctx = &prog;
	rc = fa2_cmd_run_agent(&o);
	if (rc != 0 || fa2_file_read_all(path, &report) != FA2_OK || report.len == 0) {
		fa2_slack_progress_finish(&prog, NULL);
		snprintf(line, sizeof line, "the analysis engine stopped with exit code %d (see the fa2 serve log)", rc);
		fail_thread(env, channel, thread, progress_ts, line);
		goto done;
	}
	snprintf(line, sizeof line, ":white_check_mark: Analysis complete in %llds.",
	         (long long)((fa2_time_mono_ms() - t0) / 1000));
	fa2_slack_progress_finish(&prog, line);
	(void)fa2_slack_post_report(env->api, channel, thread, fa2_buf_slice(&report));
	ok = 1;
	{ /* graphs: best effort, from the report document the session kept */
		char dir[1100];
		fa2_buf js;
		fa2_buf_init(&js, 8u << 20);
		if (sid[0] && fa2_session_path(env->cfg->state_dir, sid, dir, sizeof dir - 16) == FA2_OK) {
			size_t n = strlen(dir);
			snprintf(dir + n, sizeof dir - n, "/report.json");
			if (fa2_file_read_all(dir, &js) == FA2_OK)
				rj = fa2_json_parse(fa2_buf_slice(&js), NULL);
		}
		fa2_buf_cleanup(&js);
		if (rj) {
			fa2_slack_graph_opts go;
			const cJSON *inc = cJSON_GetObjectItemCaseSensitive(rj, "incident");
			double f = 0, t = 0;
			unsigned posted = 0;
			memset(&go, 0, sizeof go);
			go.region = env->cfg->cfg->region;
			(void)fa2_json_num(inc, "fromMs", &f);
			(void)fa2_json_num(inc, "toMs", &t);
			go.from_ms = (int64_t)f;
			go.to_ms = (int64_t)t;
			go.alarm = env->alarm;
			if (fa2_slack_post_graphs(env->api, channel, thread, rj, &go, &posted) != FA2_OK)
				FA2_LOGW("slack", "some metric graphs were not posted (%u posted); the report is in the thread", posted);
			else if (posted)
				FA2_LOGI("slack", "%u metric graph(s) posted in %s/%s", posted, channel, thread);
		}
	}
done:
	if (sid[0] && fa2_slack_session_mark_posted(env->cfg->state_dir, sid, NULL) != FA2_OK)
		FA2_LOGW("slack", "session %s: cannot mark its Slack outcome posted", sid);
	cJSON_Delete(meta);
	cJSON_Delete(rj);
	fa2_buf_cleanup(&report);
	return ok;
}

int fa2_slack_analysis_run(const fa2_slack_analysis_env *env, const char *channel, const char *thread,
                           const char *desc, int64_t start_s, int64_t end_s)
{
	char progress_ts[32] = "", line[512];
	snprintf(line, sizeof line, ":hourglass_flowing_sand: Analysing \"%s\"… (started)", desc);
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
	double started = 0;
	int64_t max_ms = env->cfg->cfg ? (int64_t)env->cfg->cfg->slack_resume_max_age_min * 60000 : 0;
	int64_t age;

	if (!id || !channel || !thread)
		return -1;
	(void)fa2_json_num(p, "startedMs", &started);
	age = fa2_time_now_ms() - (int64_t)started;
	snprintf(progress_ts, sizeof progress_ts, "%s", ts ? ts : "");
	if (!started || age > max_ms) {
		snprintf(line, sizeof line, "fa2 was restarted during this analysis (session %s), which started %lld min ago: "
		         "too long ago to resume (slackResumeMaxAgeMinutes is %u)", id, (long long)(age / 60000),
		         env->cfg->cfg ? env->cfg->cfg->slack_resume_max_age_min : 0u);
		FA2_LOGW("slack", "session %s not resumed: started %lld s ago", id, (long long)(age / 1000));
		if (fa2_slack_session_mark_posted(env->cfg->state_dir, id, "failed") == FA2_OK) {
			fail_thread(env, channel, thread, progress_ts, line);
			return 0;
		}
		return -1;
	}
	FA2_LOGI("slack", "resuming session %s for %s/%s after a restart", id, channel, thread);
	snprintf(line, sizeof line, ":hourglass_flowing_sand: Analysing \"%s\"… resuming after a restart of fa2",
	         event ? event : "");
	if (progress_ts[0])
		(void)fa2_slack_update_message(env->api, channel, progress_ts, line, NULL);
	else if (fa2_slack_post_message(env->api, channel, thread, line, NULL, progress_ts) != FA2_OK)
		return -1;
	return drive_analysis(env, channel, thread, progress_ts, event, 0, 0, id);
}
