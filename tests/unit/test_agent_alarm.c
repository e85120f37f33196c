/* Unit tests for the alarm decode (DescribeAlarms replies), the agent reading the
 * alarm's metric before its first model call (journaled, not repeated on resume), and
 * the model-assisted query repair offered to tools (fa2_tool_env.repair). */
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/session.h"
#include "aws/alarms.h"
#include "base/alloc.h"
#include "base/json.h"
#include "base/limits.h"
#include "slack/blocks.h"
#include "agent_fake.h"
#include "test.h"

#define FROM 1795593600000LL /* 2026-11-25T08:00:00Z */
#define TO   (FROM + 40 * 60000LL)

/* What moto_server / CloudWatch (JSON protocol) return for a single-metric alarm. */
static const char single_reply[] =
	"{\"MetricAlarms\":[{\"AlarmName\":\"orders-5xx\",\"AlarmArn\":\"arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-5xx\","
	"\"AlarmDescription\":\"5xx on the orders ALB\",\"StateValue\":\"ALARM\","
	"\"StateReason\":\"Threshold Crossed: 1 datapoint [42.0 (25/11/26 08:30:00)] was greater than the threshold (10.0).\","
	"\"StateUpdatedTimestamp\":1795595400.5,\"MetricName\":\"HTTPCode_Target_5XX_Count\",\"Namespace\":\"AWS/ApplicationELB\","
	"\"Statistic\":\"Sum\",\"Dimensions\":[{\"Name\":\"LoadBalancer\",\"Value\":\"app/orders/abc\"},"
	"{\"Name\":\"TargetGroup\",\"Value\":\"targetgroup/orders/def\"}],\"Period\":60,\"EvaluationPeriods\":3,"
	"\"Threshold\":10.0,\"ComparisonOperator\":\"GreaterThanThreshold\"}],\"CompositeAlarms\":[]}";

/* A metric-math alarm (Metrics[]) with an RFC 3339 time and an extended statistic. */
static const char math_reply[] =
	"{\"MetricAlarms\":[{\"AlarmName\":\"other\",\"StateValue\":\"OK\"},"
	"{\"AlarmName\":\"error-rate\",\"StateValue\":\"ALARM\",\"StateReason\":\"math\","
	"\"StateUpdatedTimestamp\":\"2026-11-25T08:30:00.000Z\",\"EvaluationPeriods\":1,\"Threshold\":5,"
	"\"ComparisonOperator\":\"GreaterThanOrEqualToThreshold\",\"Metrics\":["
	"{\"Id\":\"e1\",\"Expression\":\"100*m1/m2\",\"Label\":\"error %\",\"ReturnData\":true},"
	"{\"Id\":\"m1\",\"ReturnData\":false,\"MetricStat\":{\"Metric\":{\"Namespace\":\"AWS/Lambda\",\"MetricName\":\"Errors\","
	"\"Dimensions\":[{\"Name\":\"FunctionName\",\"Value\":\"pay\"}]},\"Period\":300,\"Stat\":\"Sum\"}},"
	"{\"Id\":\"m2\",\"ReturnData\":false,\"MetricStat\":{\"Metric\":{\"Namespace\":\"AWS/Lambda\",\"MetricName\":\"Invocations\","
	"\"Dimensions\":[{\"Name\":\"FunctionName\",\"Value\":\"pay\"}]},\"Period\":300,\"Stat\":\"p99\"}}]}]}";

FA2_TEST(alarm_decode_single_metric)
{
	fa2_alarm a;
	fa2_buf b;
	CHECK_OK(fa2_alarm_decode(fa2_slice_cstr(single_reply), "orders-5xx", &a));
	CHECK_STR_EQ(a.name, "orders-5xx");
	CHECK_STR_EQ(a.state, "ALARM");
	CHECK(strstr(a.reason, "Threshold Crossed") == a.reason);
	CHECK_INT_EQ(a.changed_ms, 1795595400500LL);
	CHECK_STR_EQ(a.metric.ns, "AWS/ApplicationELB");
	CHECK_STR_EQ(a.metric.name, "HTTPCode_Target_5XX_Count");
	CHECK_INT_EQ(a.metric.n_dims, 2);
	CHECK_STR_EQ(a.metric.dims[1].name, "TargetGroup");
	CHECK_STR_EQ(a.metric.dims[1].value, "targetgroup/orders/def");
	CHECK_STR_EQ(a.statistic, "Sum");
	CHECK(a.extended_statistic == NULL);
	CHECK_INT_EQ(a.period_s, 60);
	CHECK_INT_EQ(a.evaluation_periods, 3);
	CHECK(a.has_threshold && a.threshold == 10.0);
	CHECK_STR_EQ(a.comparison, "GreaterThanThreshold");
	CHECK_INT_EQ(a.n_queries, 0);
	fa2_buf_init(&b, 8192);
	CHECK_OK(fa2_alarm_metric_text(&a, &b));
	CHECK_STR_EQ(b.data, "AWS/ApplicationELB HTTPCode_Target_5XX_Count LoadBalancer=app/orders/abc "
			     "TargetGroup=targetgroup/orders/def");
	fa2_buf_reset(&b);
	CHECK_OK(fa2_alarm_describe_text(&a, &b));
	CHECK(strstr(b.data, "State changed: 2026-11-25T08:30:00Z\n") != NULL);
	CHECK(strstr(b.data, "Condition: GreaterThanThreshold 10\n") != NULL);
	CHECK(strstr(b.data, "Period: 60 s x 3 evaluation periods\n") != NULL);
	fa2_buf_cleanup(&b);
	fa2_alarm_cleanup(&a);
	/* NULL name: the first; unknown name: not found; not a reply: parse error. */
	CHECK_OK(fa2_alarm_decode(fa2_slice_cstr(single_reply), NULL, &a));
	fa2_alarm_cleanup(&a);
	CHECK_INT_EQ(fa2_alarm_decode(fa2_slice_cstr(single_reply), "nope", &a), FA2_ERR_NOT_FOUND);
	CHECK(a.doc == NULL);
	CHECK_INT_EQ(fa2_alarm_decode(fa2_slice_cstr("{\"MetricAlarms\":[]}"), "x", &a), FA2_ERR_NOT_FOUND);
	CHECK_INT_EQ(fa2_alarm_decode(fa2_slice_cstr("{\"MetricAlarms\":{}}"), "x", &a), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_alarm_decode(fa2_slice_cstr("<xml/>"), "x", &a), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_alarm_decode(fa2_slice_cstr("[1]"), "x", &a), FA2_ERR_PARSE);
	/* Wrong types are absent members, never crashes. */
	CHECK_OK(fa2_alarm_decode(fa2_slice_cstr("{\"MetricAlarms\":[{\"AlarmName\":\"w\",\"StateValue\":3,"
						 "\"Dimensions\":\"x\",\"Period\":-5,\"Threshold\":\"t\",\"Metrics\":7}]}"),
				  "w", &a));
	CHECK(a.state == NULL && a.metric.n_dims == 0 && a.period_s == 0 && !a.has_threshold && a.n_queries == 0);
	fa2_alarm_cleanup(&a);
}

FA2_TEST(alarm_decode_metric_math)
{
	fa2_alarm a, c;
	fa2_buf b;
	CHECK_OK(fa2_alarm_decode(fa2_slice_cstr(math_reply), "error-rate", &a));
	CHECK_STR_EQ(a.name, "error-rate");
	CHECK_INT_EQ(a.changed_ms, 1795595400000LL);
	CHECK(a.metric.name == NULL && a.metric.ns == NULL);
	CHECK_INT_EQ(a.n_queries, 3);
	CHECK_STR_EQ(a.queries[0].expression, "100*m1/m2");
	CHECK(a.queries[0].return_data && !a.queries[0].has_metric);
	CHECK_STR_EQ(a.queries[0].label, "error %");
	CHECK(!a.queries[1].return_data && a.queries[1].has_metric);
	CHECK_STR_EQ(a.queries[1].metric.name, "Errors");
	CHECK_STR_EQ(a.queries[1].metric.dims[0].value, "pay");
	CHECK_STR_EQ(a.queries[2].stat, "p99");
	CHECK_INT_EQ(a.queries[2].period_s, 300);
	fa2_buf_init(&b, 8192);
	CHECK_OK(fa2_alarm_metric_text(&a, &b));
	CHECK_STR_EQ(b.data, "(metric math: 100*m1/m2)");
	fa2_buf_reset(&b);
	CHECK_OK(fa2_alarm_describe_text(&a, &b));
	CHECK(strstr(b.data, "Query m1: AWS/Lambda Errors FunctionName=pay stat=Sum period=300s\n") != NULL);
	CHECK(strstr(b.data, "Query e1 (alarm value): expression 100*m1/m2 label=\"error %\"\n") != NULL);
	fa2_buf_cleanup(&b);
	/* from_json copies: the copy outlives the original. */
	CHECK_OK(fa2_alarm_from_json(a.doc, &c));
	fa2_alarm_cleanup(&a);
	CHECK_STR_EQ(c.queries[2].metric.name, "Invocations");
	fa2_alarm_cleanup(&c);
	CHECK_INT_EQ(fa2_alarm_from_json(NULL, &c), FA2_ERR_PARSE);
}

/* ---- the agent reads the alarm's metric first ---- */

static int fake_metrics_runs;
static char fake_metrics_input[1024];

static fa2_err fake_metrics_exec(void *ctx, const fa2_tool_env *env, const cJSON *input, fa2_buf *out)
{
	char *s = cJSON_PrintUnformatted(input);
	(void)ctx;
	__atomic_add_fetch(&fake_metrics_runs, 1, __ATOMIC_SEQ_CST);
	snprintf(fake_metrics_input, sizeof fake_metrics_input, "%s", s ? s : "");
	fa2_free(s);
	return fa2_buf_appendf(out, "series HTTPCode_Target_5XX_Count: change at 08:29 (1 -> 42), window %lld..%lld",
			       (long long)env->from_ms, (long long)env->to_ms);
}

static void add_fake_metrics(fake_env *e)
{
	static const char schema[] = "{\"type\":\"object\",\"properties\":{}}";
	fa2_tool t;
	memset(&t, 0, sizeof t);
	t.name = "metrics_tool";
	t.description[0] = "metrics";
	t.description[1] = "メトリクス";
	t.input_schema_json = schema;
	t.execute = fake_metrics_exec;
	fa2_tool_registry_add(&e->tools, &t);
	fake_metrics_runs = 0;
	fake_metrics_input[0] = '\0';
}

FA2_TEST(agent_alarm_metric_first)
{
	fake_env e;
	fa2_session s;
	fa2_agent_result res;
	fa2_agent_incident inc;
	fa2_alarm al;
	char msg[256], id[80];
	char *t0 = fake_text_turn(REPORT_JSON);
	cJSON *calls, *c0;
	CHECK(fake_env_init(&e, FA2_LANG_EN, 5) == 0);
	add_fake_metrics(&e);
	CHECK_OK(fa2_alarm_decode(fa2_slice_cstr(single_reply), "orders-5xx", &al));
	e.model.statuses[0] = 429; /* the model is unavailable: a partial report */
	e.model.n = 1;
	e.model.keep_requests = 1;
	CHECK_OK(fa2_session_create(&s, fa2_test_tmpdir(), msg, sizeof msg));
	snprintf(id, sizeof id, "%s", s.id);
	e.ac.session = &s;
	memset(&inc, 0, sizeof inc);
	inc.event = "CloudWatch alarm orders-5xx is ALARM";
	inc.from_ms = FROM;
	inc.to_ms = TO;
	inc.alarm = &al;
	CHECK_OK(fa2_agent_run(&e.ac, &inc, &res));
	fa2_alarm_cleanup(&al);
	CHECK_INT_EQ(fake_metrics_runs, 1);
	CHECK_STR_EQ(fake_metrics_input, "{\"namespace\":\"AWS/ApplicationELB\",\"metricName\":\"HTTPCode_Target_5XX_Count\","
					 "\"dimensions\":[{\"name\":\"LoadBalancer\",\"value\":\"app/orders/abc\"},"
					 "{\"name\":\"TargetGroup\",\"value\":\"targetgroup/orders/def\"}]}");
	/* The very first model request carries the alarm and the metric's observation. */
	CHECK(e.model.requests[0] != NULL);
	CHECK(strstr(e.model.requests[0], "Alarm: orders-5xx") != NULL);
	CHECK(strstr(e.model.requests[0], "Start from the alarm's metric") != NULL);
	CHECK(strstr(e.model.requests[0], "change at 08:29 (1 -> 42), window 1795593600000..1795596000000") != NULL);
	CHECK(strstr(e.model.requests[0], "{{") == NULL);
	CHECK_INT_EQ(res.status, FA2_REPORT_PARTIAL);
	calls = cJSON_GetObjectItem(cJSON_GetObjectItem(res.report, "agent"), "toolCalls");
	c0 = cJSON_GetArrayItem(calls, 0);
	CHECK_INT_EQ(cJSON_GetArraySize(calls), 1);
	CHECK_STR_EQ(fa2_json_str(c0, "tool"), "metrics_tool");
	fa2_agent_result_cleanup(&res);
	fa2_session_close(&s);
	/* Resume when the model is back: the alarm's metric is not read again, and the
	 * first message is the journaled one. */
	fake_model_cleanup(&e.model);
	fake_model_init(&e.model);
	e.model.bodies[0] = t0;
	e.model.n = 1;
	e.model.keep_requests = 1;
	CHECK_OK(fa2_session_open(&s, fa2_test_tmpdir(), id, msg, sizeof msg));
	CHECK_OK(fa2_agent_resume(&e.ac, &res));
	CHECK_MSG(!e.model.violation[0], "%s", e.model.violation);
	CHECK_INT_EQ(fake_metrics_runs, 1);
	CHECK_INT_EQ(res.status, FA2_REPORT_COMPLETE);
	CHECK(strstr(e.model.requests[0], "change at 08:29 (1 -> 42)") != NULL);
	fa2_agent_result_cleanup(&res);
	fa2_session_close(&s);
	fa2_free(t0);
	fake_env_cleanup(&e);
}

FA2_TEST(agent_alarm_resume_before_first_message)
{
	/* The process died while the alarm's metric was being read, after its result was
	 * journaled: resume builds the first message from the journal, no second run. */
	fake_env e;
	fa2_session s;
	fa2_agent_result res;
	char msg[256], id[80];
	char *t0 = fake_text_turn(REPORT_JSON);
	cJSON *rec, *doc = fa2_json_parse(fa2_slice_cstr(single_reply), NULL);
	CHECK(doc != NULL);
	CHECK(fake_env_init(&e, FA2_LANG_EN, 5) == 0);
	add_fake_metrics(&e);
	CHECK_OK(fa2_session_create(&s, fa2_test_tmpdir(), msg, sizeof msg));
	snprintf(id, sizeof id, "%s", s.id);
	rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "type", "start");
	cJSON_AddStringToObject(rec, "event", "alarm");
	cJSON_AddNumberToObject(rec, "fromMs", (double)FROM);
	cJSON_AddNumberToObject(rec, "toMs", (double)TO);
	cJSON_AddStringToObject(rec, "language", "en");
	cJSON_AddItemToObject(rec, "alarm", cJSON_DetachItemFromArray(cJSON_GetObjectItem(doc, "MetricAlarms"), 0));
	CHECK_OK(fa2_session_append(&s, rec));
	cJSON_Delete(rec);
	rec = fa2_json_parse(fa2_slice_cstr("{\"type\":\"tool\",\"cycle\":0,\"id\":\"fa2-alarm-metric-1\","
					    "\"name\":\"metrics_tool\",\"input\":\"{}\",\"output\":\"JOURNALED SERIES\","
					    "\"error\":false,\"ms\":5}"), NULL);
	CHECK_OK(fa2_session_append(&s, rec));
	cJSON_Delete(rec);
	cJSON_Delete(doc);
	fa2_session_close(&s);
	e.model.bodies[0] = t0;
	e.model.n = 1;
	e.model.keep_requests = 1;
	CHECK_OK(fa2_session_open(&s, fa2_test_tmpdir(), id, msg, sizeof msg));
	e.ac.session = &s;
	CHECK_OK(fa2_agent_resume(&e.ac, &res));
	CHECK_MSG(!e.model.violation[0], "%s", e.model.violation);
	CHECK_INT_EQ(fake_metrics_runs, 0);
	CHECK(strstr(e.model.requests[0], "JOURNALED SERIES") != NULL);
	CHECK(strstr(e.model.requests[0], "Alarm: orders-5xx") != NULL);
	CHECK_INT_EQ(res.status, FA2_REPORT_COMPLETE);
	fa2_agent_result_cleanup(&res);
	fa2_session_close(&s);
	fa2_free(t0);
	fake_env_cleanup(&e);
}

/* ---- model-assisted repair ---- */

static int repair_tool_runs;

/* Asks the agent to repair "bad filter" once, like logs_tool on a MalformedQueryException. */
static fa2_err repair_exec(void *ctx, const fa2_tool_env *env, const cJSON *input, fa2_buf *out)
{
	fa2_buf fixed;
	fa2_err e;
	(void)ctx;
	(void)input;
	repair_tool_runs++;
	if (!env->repair)
		return fa2_buf_append_cstr(out, "no repair offered");
	fa2_buf_init(&fixed, 4096);
	e = env->repair(env->repair_ctx, "logs_tool", "Logs Insights filter", "@message like /(ERROR",
			"unexpected symbol found ( at line 1", env->deadline_mono_ms, &fixed);
	if (!e)
		e = fa2_buf_appendf(out, "repaired: [%s]", fixed.data);
	else
		(void)fa2_buf_appendf(out, "repair failed: %s", fa2_err_str(e));
	fa2_buf_cleanup(&fixed);
	return e;
}

FA2_TEST(agent_query_repair_one_call)
{
	static const char *const ids[] = { "r1" }, *const names[] = { "repair_tool" }, *const inputs[] = { "{}" };
	static const char schema[] = "{\"type\":\"object\",\"properties\":{}}";
	fake_env e;
	fa2_agent_result res;
	fa2_tool t;
	char *t0 = fake_tool_turn(ids, names, inputs, 1);
	char *t1 = fake_text_turn("```\nfilter @message like /ERROR/\n```\n");
	char *t2 = fake_text_turn(REPORT_JSON);
	cJSON *req;
	CHECK(fake_env_init(&e, FA2_LANG_EN, 5) == 0);
	memset(&t, 0, sizeof t);
	t.name = "repair_tool";
	t.description[0] = t.description[1] = "asks for a repair";
	t.input_schema_json = schema;
	t.execute = repair_exec;
	CHECK_OK(fa2_tool_registry_add(&e.tools, &t));
	repair_tool_runs = 0;
	e.model.bodies[0] = t0;
	e.model.bodies[1] = t1;
	e.model.bodies[2] = t2;
	e.model.n = 3;
	e.model.keep_requests = 1;
	CHECK_OK(fa2_agent_run(&e.ac, &(fa2_agent_incident){ "logs", FROM, TO, NULL }, &res));
	CHECK_MSG(!e.model.violation[0], "%s", e.model.violation);
	CHECK_INT_EQ(repair_tool_runs, 1);
	CHECK_INT_EQ(e.model.calls, 3);
	CHECK_INT_EQ(res.model_calls, 3);
	CHECK_INT_EQ(res.status, FA2_REPORT_COMPLETE);
	/* The repair request: one user message with the rejected query and the error, no
	 * tools, no system prompt of the analysis. */
	req = fa2_json_parse(fa2_slice_cstr(e.model.requests[1]), NULL);
	CHECK(req != NULL);
	CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(req, "messages")), 1);
	CHECK(cJSON_GetObjectItem(req, "toolConfig") == NULL);
	CHECK(cJSON_GetObjectItem(req, "system") == NULL);
	cJSON_Delete(req);
	CHECK(strstr(e.model.requests[1], "@message like /(ERROR") != NULL);
	CHECK(strstr(e.model.requests[1], "unexpected symbol found ( at line 1") != NULL);
	CHECK(strstr(e.model.requests[1], "Reply with the corrected query only") != NULL);
	/* The tool got the answer without the code fence; the model saw it as the result. */
	CHECK(strstr(e.model.requests[2], "repaired: [filter @message like /ERROR/]") != NULL);
	fa2_agent_result_cleanup(&res);
	/* A failing repair call is reported by the tool as such; still one call. */
	fake_model_cleanup(&e.model);
	fake_model_init(&e.model);
	repair_tool_runs = 0;
	e.model.bodies[0] = t0;
	e.model.statuses[1] = 500;
	e.model.bodies[1] = "{\"message\":\"boom\"}";
	e.model.bodies[2] = t2;
	e.model.n = 3;
	e.model.keep_requests = 1;
	e.llm.max_retries = 0;
	CHECK_OK(fa2_agent_run(&e.ac, &(fa2_agent_incident){ "logs", FROM, TO, NULL }, &res));
	CHECK_INT_EQ(repair_tool_runs, 1);
	CHECK_INT_EQ(e.model.calls, 3);
	CHECK(strstr(e.model.requests[2], "repair failed") != NULL);
	CHECK_INT_EQ(res.status, FA2_REPORT_COMPLETE);
	fa2_agent_result_cleanup(&res);
	fa2_free(t0);
	fa2_free(t1);
	fa2_free(t2);
	fake_env_cleanup(&e);
}

/* ---- the Slack form carries the alarm ---- */

/* The submit button's value of a form's blocks. */
static const char *form_value(const cJSON *blocks)
{
	const cJSON *x, *act = NULL;
	cJSON_ArrayForEach(x, blocks)
		if (fa2_json_str(x, "type") && strcmp(fa2_json_str(x, "type"), "actions") == 0)
			act = x;
	return fa2_json_str(cJSON_GetArrayItem(cJSON_GetObjectItem(act, "elements"), 0), "value");
}

FA2_TEST(slack_form_alarm_value)
{
	static const char *reply =
		"{\"MetricAlarms\":[{\"AlarmName\":\"orders:5xx/high\","
		"\"AlarmArn\":\"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:orders:5xx/high\","
		"\"StateValue\":\"ALARM\",\"StateReason\":\"Threshold Crossed: 1 datapoint [7.0] was greater than 5.0\","
		"\"StateUpdatedTimestamp\":\"2026-11-25T08:12:00Z\",\"Namespace\":\"AWS/ApplicationELB\","
		"\"MetricName\":\"HTTPCode_Target_5XX_Count\",\"Dimensions\":[{\"Name\":\"LoadBalancer\",\"Value\":\"app/web/1\"}],"
		"\"Statistic\":\"Sum\",\"Period\":60,\"EvaluationPeriods\":1,\"Threshold\":5,"
		"\"ComparisonOperator\":\"GreaterThanThreshold\",\"AlarmDescription\":\"pages on-call\"}]}";
	fa2_alarm al, back, bare;
	char *big = NULL;
	const char *v;
	cJSON *b;
	CHECK_OK(fa2_alarm_decode(fa2_slice_cstr(reply), NULL, &al));
	CHECK_STR_EQ(al.region, "eu-west-1");
	CHECK_STR_EQ(al.account, "123456789012");
	/* the alarm travels as data in the button value and comes back whole */
	b = fa2_slack_form_blocks_alarm("anything the user types", 100, 200, NULL, &al, FA2_LANG_EN);
	CHECK(b != NULL);
	v = form_value(b);
	CHECK(v && strncmp(v, "alarm:{", 7) == 0 && strlen(v) <= 2000);
	CHECK(fa2_slack_form_alarm(v, &back));
	CHECK_STR_EQ(back.name, "orders:5xx/high");
	CHECK_STR_EQ(back.region, "eu-west-1");
	CHECK_STR_EQ(back.metric.ns, "AWS/ApplicationELB");
	CHECK_STR_EQ(back.metric.dims[0].value, "app/web/1");
	CHECK(back.changed_ms == al.changed_ms && back.changed_ms > 0);
	CHECK(fa2_alarm_has_metric(&back));
	fa2_alarm_cleanup(&back);
	cJSON_Delete(b);
	/* a reason far over the button's 2,000 characters is shortened; the metric stays */
	big = fa2_malloc(5001);
	CHECK(big != NULL);
	if (big) {
		memset(big, 'r', 5000);
		big[5000] = '\0';
		CHECK(cJSON_ReplaceItemInObjectCaseSensitive(al.doc, "StateReason", cJSON_CreateString(big)));
		fa2_alarm_cleanup(&back);
		CHECK_OK(fa2_alarm_from_json(al.doc, &back));
		b = fa2_slack_form_blocks_alarm("d", 100, 200, NULL, &back, FA2_LANG_JA);
		v = form_value(b);
		CHECK(v && strlen(v) <= 2000);
		fa2_alarm_cleanup(&back);
		CHECK(fa2_slack_form_alarm(v, &back));
		CHECK_STR_EQ(back.metric.name, "HTTPCode_Target_5XX_Count");
		CHECK(back.reason && strlen(back.reason) < 2000 && strstr(back.reason, "..."));
		fa2_alarm_cleanup(&back);
		cJSON_Delete(b);
		fa2_free(big);
	}
	fa2_alarm_cleanup(&al);
	/* forms of earlier versions: "alarm:REGION:NAME" */
	CHECK(fa2_slack_form_alarm("alarm:us-east-1:orders:5xx/high", &back));
	CHECK_STR_EQ(back.name, "orders:5xx/high");
	CHECK_STR_EQ(back.region, "us-east-1");
	CHECK(!fa2_alarm_has_metric(&back));
	fa2_alarm_cleanup(&back);
	CHECK(fa2_slack_form_alarm("alarm::n", &back));
	CHECK(back.name[0] == 'n' && back.region[0] == '\0');
	fa2_alarm_cleanup(&back);
	CHECK(!fa2_slack_form_alarm("submit", &back));
	CHECK(!fa2_slack_form_alarm(NULL, &back));
	CHECK(!fa2_slack_form_alarm("alarm:us-east-1", &back));
	CHECK(!fa2_slack_form_alarm("alarm:us-east-1:", &back));
	CHECK(!fa2_slack_form_alarm("alarm:{\"no\":\"name\"}", &back));
	CHECK(!fa2_slack_form_alarm("alarm:{broken", &back));
	/* no alarm: the plain form */
	b = fa2_slack_form_blocks_alarm("desc", 100, 200, "err", NULL, FA2_LANG_EN);
	CHECK_STR_EQ(form_value(b), "submit");
	cJSON_Delete(b);
	/* a name alone (a notification CloudWatch could not confirm) keeps its place */
	CHECK_OK(fa2_alarm_from_name("db cpu", "ALARM", &bare));
	CHECK_OK(fa2_alarm_locate(&bare, "ap-northeast-1", "123456789012"));
	CHECK_OK(fa2_alarm_locate(&bare, "not a region", "12"));  /* ignored: set already / invalid */
	b = fa2_slack_form_blocks_alarm("desc", 100, 200, NULL, &bare, FA2_LANG_EN);
	CHECK(fa2_slack_form_alarm(form_value(b), &back));
	CHECK_STR_EQ(back.region, "ap-northeast-1");
	CHECK_STR_EQ(back.account, "123456789012");
	CHECK_STR_EQ(back.state, "ALARM");
	fa2_alarm_cleanup(&back);
	fa2_alarm_cleanup(&bare);
	cJSON_Delete(b);
}
