/* Slack analysis side: progress message rate limiting, cited metrics and MetricWidget
 * documents, Slack context of sessions. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/config.h"
#include "agent/session.h"
#include "base/file.h"
#include "base/json.h"
#include "base/time.h"
#include "aws/alarms.h"
#include "serve/graphs.h"
#include "serve/progress.h"
#include "serve/resume.h"
#include "base/tz.h"
#include "test.h"

typedef struct sink {
	pthread_mutex_t mu;
	unsigned n;
	int64_t at[64];
	char last[FA2_SLACK_PROGRESS_TEXT];
} sink;

static int sink_send(void *ctx, const char *text)
{
	sink *k = ctx;
	pthread_mutex_lock(&k->mu);
	if (k->n < 64)
		k->at[k->n] = fa2_time_mono_ms();
	k->n++;
	snprintf(k->last, sizeof k->last, "%s", text);
	pthread_mutex_unlock(&k->mu);
	return 0;
}

static void ev(fa2_slack_progress *p, fa2_agent_event e, unsigned cycle, const char *tool)
{
	fa2_agent_progress a;
	memset(&a, 0, sizeof a);
	a.event = e;
	a.cycle = cycle;
	a.max_cycles = 5;
	a.tool = tool;
	fa2_slack_progress_event(p, &a);
}

static void sleep_ms(long ms)
{
	struct timespec ts;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

FA2_TEST(slack_progress_text)
{
	fa2_slack_progress_state st;
	fa2_agent_progress a;
	char t[FA2_SLACK_PROGRESS_TEXT];
	memset(&st, 0, sizeof st);
	memset(&a, 0, sizeof a);
	fa2_slack_progress_text(&st, "API 5xx", 0, FA2_LANG_EN, t, sizeof t);
	CHECK(strstr(t, "Analysing \"API 5xx\"") && strstr(t, "starting") && strstr(t, "0s elapsed"));
	a.event = FA2_AGENT_EV_TOOL_START;
	a.cycle = 2;
	a.max_cycles = 5;
	a.tool = "logs_tool";
	fa2_slack_progress_apply(&st, &a);
	fa2_slack_progress_apply(&st, &a);
	a.tool = "metrics_tool";
	fa2_slack_progress_apply(&st, &a);
	fa2_slack_progress_text(&st, "x", 12345, FA2_LANG_EN, t, sizeof t);
	CHECK_MSG(strstr(t, "cycle 2/5") && strstr(t, "running: logs_tool ×2, metrics_tool") && strstr(t, "12s elapsed"), "%s", t);
	a.event = FA2_AGENT_EV_TOOL_DONE;
	a.is_error = 1;
	fa2_slack_progress_apply(&st, &a);
	a.tool = "logs_tool";
	a.is_error = 0;
	fa2_slack_progress_apply(&st, &a);
	fa2_slack_progress_apply(&st, &a);
	fa2_slack_progress_text(&st, "x", 0, FA2_LANG_EN, t, sizeof t);
	CHECK_MSG(!strstr(t, "running") && strstr(t, "asking the model") && strstr(t, "3 tool calls done (some failed)"), "%s", t);
	a.event = FA2_AGENT_EV_FINAL;
	fa2_slack_progress_apply(&st, &a);
	fa2_slack_progress_text(&st, "x", 0, FA2_LANG_EN, t, sizeof t);
	CHECK(strstr(t, "writing the report") != NULL);
	/* the same state in Japanese */
	fa2_slack_progress_text(&st, "API 5xx", 61000, FA2_LANG_JA, t, sizeof t);
	CHECK_MSG(strstr(t, "「API 5xx」を分析しています") && strstr(t, "レポートを作成中") &&
	          strstr(t, "ツール呼び出し 3 件完了（一部失敗）") && strstr(t, "経過 61 秒") && !strstr(t, "elapsed"), "%s", t);
	/* a done event for a tool never started, and a tiny buffer, are harmless */
	a.event = FA2_AGENT_EV_TOOL_DONE;
	a.tool = "never_started";
	fa2_slack_progress_apply(&st, &a);
	fa2_slack_progress_text(&st, "x", 0, FA2_LANG_EN, t, 8);
	CHECK(strlen(t) < 8);
}

FA2_TEST(slack_progress_rate_limit)
{
	fa2_slack_progress p;
	sink k;
	unsigned i, n;
	memset(&k, 0, sizeof k);
	pthread_mutex_init(&k.mu, NULL);
	CHECK_OK(fa2_slack_progress_start(&p, sink_send, &k, "rate", 200, FA2_LANG_EN));
	/* a burst of 50 events: one update at once, then the latest state once per 200 ms */
	for (i = 0; i < 50; i++)
		ev(&p, FA2_AGENT_EV_MODEL, i / 10 + 1, NULL);
	sleep_ms(60);
	pthread_mutex_lock(&k.mu);
	n = k.n;
	pthread_mutex_unlock(&k.mu);
	CHECK_MSG(n <= 2, "%u updates right after the burst", n);
	sleep_ms(500);
	pthread_mutex_lock(&k.mu);
	n = k.n;
	CHECK_MSG(n >= 1 && n <= 2, "%u updates for one burst", n);
	CHECK_MSG(strstr(k.last, "cycle 5/5") != NULL, "the latest state is sent: %s", k.last);
	pthread_mutex_unlock(&k.mu);
	/* events spread over time: never two updates closer than the interval */
	for (i = 0; i < 12; i++) {
		ev(&p, FA2_AGENT_EV_TOOL_START, 6, "logs_tool");
		sleep_ms(50);
	}
	sleep_ms(250);
	fa2_slack_progress_finish(&p, "done!");
	pthread_mutex_lock(&k.mu);
	CHECK_STR_EQ(k.last, "done!");
	CHECK(k.n >= 4 && k.n <= 64);
	for (i = 1; i + 1 < k.n; i++) /* the final one is exempt */
		CHECK_MSG(k.at[i] - k.at[i - 1] >= 200, "updates %u and %u %lld ms apart", i - 1, i,
			  (long long)(k.at[i] - k.at[i - 1]));
	pthread_mutex_unlock(&k.mu);
	pthread_mutex_destroy(&k.mu);
}

FA2_TEST(slack_graph_metrics)
{
	const char *rep =
		"{\"incident\":{\"event\":\"x\"},\"agent\":{\"toolCalls\":["
		"{\"tool\":\"metrics_tool\",\"input\":{}},"
		"{\"tool\":\"logs_tool\",\"input\":{\"namespace\":\"N\",\"metricName\":\"M\"}},"
		"{\"tool\":\"metrics_tool\",\"input\":{\"namespace\":\"AWS/EC2\",\"metricName\":\"CPUUtilization\","
		"\"dimensions\":[{\"name\":\"InstanceId\",\"value\":\"i-1\"}]}},"
		"{\"tool\":\"metrics_tool\",\"input\":{\"namespace\":\"AWS/EC2\",\"metricName\":\"CPUUtilization\","
		"\"dimensions\":[{\"name\":\"InstanceId\",\"value\":\"i-1\"}]}},"
		"{\"tool\":\"metrics_tool\",\"input\":{\"namespace\":\"AWS/EC2\",\"metricName\":\"NetworkIn\","
		"\"dimensions\":[{\"name\":\"InstanceId\"}]}}]},"
		"\"references\":[{\"tool\":\"metrics_tool\",\"query\":\"{\\\"namespace\\\":\\\"AWS/RDS\\\",\\\"metricName\\\":\\\"DatabaseConnections\\\"}\"},"
		"{\"tool\":\"metrics_tool\",\"query\":\"not json\"},"
		"{\"tool\":\"metrics_tool\",\"query\":\"{\\\"namespace\\\":\\\"A\\\",\\\"metricName\\\":\\\"B\\\"}\"},"
		"{\"tool\":\"metrics_tool\",\"query\":\"{\\\"namespace\\\":\\\"C\\\",\\\"metricName\\\":\\\"D\\\"}\"}]}";
	/* the alarm as data (DescribeAlarms), in eu-west-1 */
	const char *alarm_json = "{\"AlarmName\":\"api\",\"AlarmArn\":\"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:api\","
	                         "\"StateValue\":\"ALARM\",\"StateUpdatedTimestamp\":\"2026-11-25T08:12:00Z\","
	                         "\"Namespace\":\"AWS/ApplicationELB\",\"MetricName\":\"HTTPCode_Target_5XX_Count\","
	                         "\"Dimensions\":[{\"Name\":\"LoadBalancer\",\"Value\":\"app/web/1\"},"
	                         "{\"Name\":\"TargetGroup\",\"Value\":\"tg/x\"}]}";
	const char *math_json = "{\"AlarmName\":\"m\",\"Metrics\":[{\"Id\":\"e1\",\"Expression\":\"m1/m2\"},"
	                        "{\"Id\":\"m1\",\"ReturnData\":false,\"MetricStat\":{\"Metric\":{\"Namespace\":\"N\","
	                        "\"MetricName\":\"Errors\"},\"Stat\":\"Sum\",\"Period\":60}}]}";
	cJSON *r = fa2_json_parse(fa2_slice_cstr(rep), NULL), *w, *aj = fa2_json_parse(fa2_slice_cstr(alarm_json), NULL);
	cJSON *mj = fa2_json_parse(fa2_slice_cstr(math_json), NULL);
	fa2_slack_metric m[FA2_SLACK_GRAPHS_MAX];
	fa2_alarm al, math, bare;
	size_t n;
	char *txt;
	CHECK(r != NULL && aj != NULL && mj != NULL);
	CHECK_OK(fa2_alarm_from_json(aj, &al));
	CHECK_OK(fa2_alarm_from_json(mj, &math));
	CHECK_OK(fa2_alarm_from_name("bare", "ALARM", &bare));
	n = fa2_slack_graph_metrics(r, &al, m, FA2_SLACK_GRAPHS_MAX);
	CHECK_INT_EQ(n, 4);
	CHECK_STR_EQ(m[0].region, "eu-west-1");  /* the alarm's metric, in the alarm's region */
	CHECK_STR_EQ(m[1].region, "");           /* cited metrics: the analysis region */
	CHECK_STR_EQ(m[0].ns, "AWS/ApplicationELB");
	CHECK_STR_EQ(m[0].name, "HTTPCode_Target_5XX_Count");
	CHECK_INT_EQ(m[0].ndims, 2);
	CHECK_STR_EQ(m[0].dim_value[0], "app/web/1");
	CHECK_STR_EQ(m[0].dim_name[1], "TargetGroup");
	CHECK_STR_EQ(m[0].dim_value[1], "tg/x");
	CHECK_STR_EQ(m[1].name, "CPUUtilization"); /* once, though cited twice */
	CHECK_STR_EQ(m[2].name, "DatabaseConnections"); /* NetworkIn (no dimension value) skipped */
	CHECK_STR_EQ(m[3].ns, "A");                /* then the cap */
	CHECK(al.changed_ms == 1795594320000LL);
	CHECK_INT_EQ(fa2_slack_graph_metrics(NULL, NULL, m, 4), 0);
	CHECK_INT_EQ(fa2_slack_graph_metrics(NULL, &bare, m, 4), 0);   /* an alarm without its metric */
	CHECK_INT_EQ(fa2_slack_graph_metrics(NULL, &math, m, 4), 1);   /* metric math: its metrics */
	CHECK_STR_EQ(m[0].name, "Errors");
	n = fa2_slack_graph_metrics(r, &al, m, FA2_SLACK_GRAPHS_MAX);

	w = fa2_slack_graph_widget(&m[0], 1795593600000LL, 1795600800000LL, 1795594320000LL, "ALARM", "us-east-1");
	CHECK(w != NULL);
	txt = cJSON_PrintUnformatted(w);
	CHECK_MSG(txt && strstr(txt, "\"metrics\":[[\"AWS/ApplicationELB\",\"HTTPCode_Target_5XX_Count\",\"LoadBalancer\","
	                              "\"app/web/1\",\"TargetGroup\",\"tg/x\"]]") &&
	          strstr(txt, "\"start\":\"2026-11-25T08:00:00Z\"") && strstr(txt, "\"end\":\"2026-11-25T10:00:00Z\"") &&
	          strstr(txt, "\"period\":60") && strstr(txt, "\"vertical\":[{\"label\":\"ALARM\",\"value\":\"2026-11-25T08:12:00Z\"}]") &&
	          strstr(txt, "\"region\":\"us-east-1\""), "%s", txt ? txt : "");
	cJSON_free(txt);
	{ /* the time axis and the title in the user's zone, named */
		char title[700];
		fa2_tz z;
		fa2_tz_fixed(&z, 540, "JST");
		snprintf(z.name, sizeof z.name, "Asia/Tokyo");
		CHECK(fa2_slack_graph_zone(w, &z, 1795600800000LL, title, sizeof title));
		CHECK_STR_EQ(fa2_json_str(w, "timezone"), "+0900");
		CHECK_STR_EQ(title, "AWS/ApplicationELB HTTPCode_Target_5XX_Count · Asia/Tokyo (JST, +09:00)");
		CHECK_STR_EQ(fa2_json_str(w, "title"), title);
		fa2_tz_fixed(&z, -330, NULL);
		snprintf(z.name, sizeof z.name, "-05:30");
		CHECK(fa2_slack_graph_zone(w, &z, 0, title, sizeof title));
		CHECK_STR_EQ(fa2_json_str(w, "timezone"), "-0530");
		CHECK(fa2_slack_graph_zone(w, NULL, 0, title, sizeof title)); /* NULL: left as it is */
		CHECK_STR_EQ(fa2_json_str(w, "timezone"), "-0530");
	}
	cJSON_Delete(w);
	/* a 7-day window: period keeps the series at most 1,440 points, a multiple of 60; the
	 * mark outside the window is left out */
	w = fa2_slack_graph_widget(&m[1], 0, 7LL * 86400000, 8LL * 86400000, NULL, NULL);
	CHECK(w != NULL);
	{
		double period = 0;
		CHECK(fa2_json_num(w, "period", &period));
		CHECK((long)period % 60 == 0 && 7.0 * 86400 / period <= 1440 && period == 420);
		CHECK(!cJSON_GetObjectItemCaseSensitive(w, "annotations") && !cJSON_GetObjectItemCaseSensitive(w, "region"));
	}
	cJSON_Delete(w);
	cJSON_Delete(r);
	cJSON_Delete(aj);
	cJSON_Delete(mj);
	fa2_alarm_cleanup(&al);
	fa2_alarm_cleanup(&math);
	fa2_alarm_cleanup(&bare);
}

FA2_TEST(slack_resume_context)
{
	char dir[256], msg[256];
	fa2_session s;
	cJSON *meta, *sum = NULL;
	fa2_slack_resume_item it;
	snprintf(dir, sizeof dir, "%s/slack-resume", fa2_test_tmpdir());
	memset(&s, 0, sizeof s);
	CHECK_OK(fa2_session_create(&s, dir, msg, sizeof msg));
	meta = fa2_slack_session_meta("C1", "1700.1", "1700.2", 1234);
	CHECK(meta != NULL);
	CHECK_OK(fa2_session_update_summary(&s, meta));
	cJSON_Delete(meta);
	CHECK(fa2_slack_resume_parse(s.id, s.summary, &it) == 1);
	CHECK_STR_EQ(it.channel, "C1");
	CHECK_STR_EQ(it.thread, "1700.1");
	CHECK_STR_EQ(it.progress_ts, "1700.2");
	CHECK(it.started_ms == 1234);
	/* held by this process: cannot be marked */
	CHECK(fa2_slack_session_mark_posted(dir, s.id, "failed") == FA2_ERR_LOCKED);
	{
		char id[FA2_SESSION_ID_MAX + 1], sd[PATH_MAX];
		snprintf(id, sizeof id, "%s", s.id);
		snprintf(sd, sizeof sd, "%s", s.dir);
		fa2_session_close(&s);
		CHECK_OK(fa2_slack_session_mark_posted(dir, id, "failed"));
		CHECK_OK(fa2_session_read_summary(sd, &sum));
		CHECK_STR_EQ(fa2_json_str(sum, "status"), "failed");
		CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(sum, "slack"), "posted")));
		CHECK_STR_EQ(fa2_json_str(cJSON_GetObjectItemCaseSensitive(sum, "slack"), "channel"), "C1");
		CHECK(fa2_slack_resume_parse(id, sum, &it) == 0);
		cJSON_Delete(sum);
		sum = NULL;
	}
	/* no context, missing thread, an over-long channel: nothing to resume */
	sum = fa2_json_parse(fa2_slice_cstr("{\"status\":\"running\"}"), NULL);
	CHECK(fa2_slack_resume_parse("a", sum, &it) == 0);
	cJSON_Delete(sum);
	sum = fa2_json_parse(fa2_slice_cstr("{\"status\":\"running\",\"slack\":{\"channel\":\"C\"}}"), NULL);
	CHECK(fa2_slack_resume_parse("a", sum, &it) == 0);
	cJSON_Delete(sum);
	sum = fa2_json_parse(fa2_slice_cstr("{\"status\":\"done\",\"slack\":{\"channel\":\"C\",\"thread\":\"t\",\"posted\":false}}"), NULL);
	CHECK(fa2_slack_resume_parse("a", sum, &it) == 1 && strcmp(it.status, "done") == 0); /* report not posted yet */
	cJSON_Delete(sum);
}

FA2_TEST(slack_resume_max_age_config)
{
	fa2_config c;
	char msg[512];
	CHECK_OK(fa2_config_init(&c));
	CHECK_INT_EQ(c.slack_resume_max_age_min, 60);
	CHECK_OK(fa2_config_load_json(&c, FA2_SLICE_LIT("{\"slackResumeMaxAgeMinutes\":5}"), "a.json", msg, sizeof msg));
	CHECK_INT_EQ(c.slack_resume_max_age_min, 5);
	CHECK_OK(fa2_config_load_json(&c, FA2_SLICE_LIT("{\"slackResumeMaxAgeMinutes\":0}"), "a.json", msg, sizeof msg));
	CHECK_INT_EQ(c.slack_resume_max_age_min, 0);
	CHECK(fa2_config_load_json(&c, FA2_SLICE_LIT("{\"slackResumeMaxAgeMinutes\":10081}"), "a.json", msg, sizeof msg) != FA2_OK);
	CHECK(strstr(msg, "slackResumeMaxAgeMinutes") != NULL);
	fa2_config_cleanup(&c);
}
