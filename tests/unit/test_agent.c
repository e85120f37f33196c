/* Unit tests for the agent loop with a strict scripted Converse double and fake tools:
 * answers, parallel tool turns, repeat suppression, cycle bound, throttling, reports. */
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/report.h"
#include "base/alloc.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/time.h"
#include "agent_fake.h"
#include "test.h"

#define FROM 1795593600000LL /* 2026-11-25T08:00:00Z */
#define TO   (FROM + 45 * 60000LL)

static const fa2_agent_incident incident = { "ALB 5xx alarm on api-prod", FROM, TO, NULL };

FA2_TEST(agent_answers_without_tools)
{
	fake_env e;
	fa2_agent_result res;
	char *t = fake_text_turn(REPORT_JSON);
	cJSON *rc;
	CHECK(fake_env_init(&e, FA2_LANG_EN, 5) == 0);
	e.model.bodies[0] = t;
	e.model.n = 1;
	CHECK_OK(fa2_agent_run(&e.ac, &incident, &res));
	CHECK_MSG(!e.model.violation[0], "%s", e.model.violation);
	CHECK_INT_EQ(e.model.calls, 1);
	CHECK_INT_EQ(res.status, FA2_REPORT_COMPLETE);
	CHECK_INT_EQ(res.stop, FA2_AGENT_STOP_ANSWER);
	CHECK_STR_EQ(fa2_json_str(res.report, "status"), "complete");
	CHECK_STR_EQ(fa2_json_str(res.report, "summary"), "The database ran out of connections at 08:02.");
	rc = cJSON_GetArrayItem(cJSON_GetObjectItem(res.report, "rootCauses"), 0);
	CHECK_STR_EQ(fa2_json_str(rc, "severity"), "high"); /* "High" normalised */
	CHECK_STR_EQ(fa2_json_str(rc, "confidence"), "medium");
	CHECK_STR_EQ(fa2_json_str(cJSON_GetObjectItem(res.report, "incident"), "from"), "2026-11-25T08:00:00Z");
	/* The first request carried the system prompt with the architecture and the tools,
	 * and the incident message with the window. */
	CHECK(strstr(e.model.last_request, "ALB -> ECS (api) -> Aurora MySQL") != NULL);
	CHECK(strstr(e.model.last_request, "sleep_tool, echo_tool, big_tool, fail_tool") != NULL);
	CHECK(strstr(e.model.last_request, "2026-11-25T08:00:00Z to 2026-11-25T08:45:00Z (45 minutes)") != NULL);
	CHECK(strstr(e.model.last_request, "\"toolSpec\":{\"name\":\"sleep_tool\"") != NULL);
	CHECK(strstr(e.model.last_request, "{{") == NULL); /* every placeholder filled */
	fa2_agent_result_cleanup(&res);
	fa2_free(t);
	fake_env_cleanup(&e);
}

/* A secret in the model's answer across the report's string cut (16384 bytes): the
 * answer is redacted before the report cuts it, so not even a prefix remains. */
FA2_TEST(agent_answer_redacted_before_the_report_cuts)
{
	static const char secret[] = "sk-LEAKY-0123456789abcdef";
	fake_env e;
	fa2_agent_result res;
	fa2_buf ans;
	char *t;
	const char *sum;
	fa2_log_clear_secrets();
	CHECK_OK(fa2_log_add_secret(fa2_slice_cstr(secret)));
	fa2_buf_init(&ans, 1u << 20);
	CHECK_OK(fa2_buf_append_cstr(&ans, "{\"summary\":\""));
	while (ans.len < 12 + FA2_REPORT_MAX_STRING - 8)
		CHECK_OK(fa2_buf_append_byte(&ans, 'a'));
	CHECK_OK(fa2_buf_appendf(&ans, "%s tail\"}", secret));
	t = fake_text_turn(ans.data);
	CHECK(fake_env_init(&e, FA2_LANG_EN, 5) == 0);
	e.model.bodies[0] = t;
	e.model.n = 1;
	CHECK_OK(fa2_agent_run(&e.ac, &incident, &res));
	sum = fa2_json_str(res.report, "summary");
	CHECK(sum != NULL && strlen(sum) > 16000);
	CHECK_MSG(strstr(sum, "sk-LEAK") == NULL, "secret prefix kept at the cut");
	fa2_agent_result_cleanup(&res);
	fa2_free(t);
	fa2_buf_cleanup(&ans);
	fake_env_cleanup(&e);
	fa2_log_clear_secrets();
}

FA2_TEST(agent_parallel_tools_one_turn)
{
	static const char *const ids[] = { "tooluse_a", "tooluse_b" };
	static const char *const names[] = { "sleep_tool", "sleep_tool" };
	static const char *const inputs[] = { "{\"ms\":1000,\"tag\":\"logs\"}", "{\"ms\":1000,\"tag\":\"metrics\"}" };
	fake_env e;
	fa2_agent_result res;
	char *t0 = fake_tool_turn(ids, names, inputs, 2), *t1 = fake_text_turn(REPORT_JSON);
	int64_t start, took;
	cJSON *req, *msgs, *last, *c;
	CHECK(fake_env_init(&e, FA2_LANG_EN, 5) == 0);
	e.model.bodies[0] = t0;
	e.model.bodies[1] = t1;
	e.model.n = 2;
	start = fa2_time_mono_ms();
	CHECK_OK(fa2_agent_run(&e.ac, &incident, &res));
	took = fa2_time_mono_ms() - start;
	CHECK_MSG(!e.model.violation[0], "%s", e.model.violation);
	CHECK_INT_EQ(fake_sleep_runs, 2);
	CHECK_MSG(took >= 1000 && took < 1600, "two 1 s tools of one turn took %lld ms", (long long)took);
	CHECK_INT_EQ(res.status, FA2_REPORT_COMPLETE);
	CHECK_INT_EQ(res.cycles, 1);
	CHECK_INT_EQ(res.tool_runs, 2);
	/* The second request answers both toolUse ids, in order, with their own outputs. */
	req = fa2_json_parse(fa2_slice_cstr(e.model.last_request), NULL);
	msgs = cJSON_GetObjectItem(req, "messages");
	CHECK_INT_EQ(cJSON_GetArraySize(msgs), 3);
	last = cJSON_GetObjectItem(cJSON_GetArrayItem(msgs, 2), "content");
	CHECK_INT_EQ(cJSON_GetArraySize(last), 2);
	c = cJSON_GetObjectItem(cJSON_GetArrayItem(last, 0), "toolResult");
	CHECK_STR_EQ(fa2_json_str(c, "toolUseId"), "tooluse_a");
	CHECK_STR_EQ(fa2_json_str(cJSON_GetArrayItem(cJSON_GetObjectItem(c, "content"), 0), "text"), "slept 1000 ms (logs)");
	c = cJSON_GetObjectItem(cJSON_GetArrayItem(last, 1), "toolResult");
	CHECK_STR_EQ(fa2_json_str(c, "toolUseId"), "tooluse_b");
	CHECK_STR_EQ(fa2_json_str(cJSON_GetArrayItem(cJSON_GetObjectItem(c, "content"), 0), "text"), "slept 1000 ms (metrics)");
	cJSON_Delete(req);
	/* The report lists both calls with their inputs (queries to re-run). */
	c = cJSON_GetObjectItem(cJSON_GetObjectItem(res.report, "agent"), "toolCalls");
	CHECK_INT_EQ(cJSON_GetArraySize(c), 2);
	CHECK_STR_EQ(fa2_json_str(cJSON_GetObjectItem(cJSON_GetArrayItem(c, 1), "input"), "tag"), "metrics");
	fa2_agent_result_cleanup(&res);
	fa2_free(t0);
	fa2_free(t1);
	fake_env_cleanup(&e);
}

FA2_TEST(agent_parallelism_bound)
{
	static const char *const ids[] = { "a", "b", "c" };
	static const char *const names[] = { "sleep_tool", "sleep_tool", "sleep_tool" };
	static const char *const inputs[] = { "{\"ms\":300,\"tag\":\"1\"}", "{\"ms\":300,\"tag\":\"2\"}", "{\"ms\":300,\"tag\":\"3\"}" };
	fake_env e;
	fa2_agent_result res;
	char *t0 = fake_tool_turn(ids, names, inputs, 3), *t1 = fake_text_turn(REPORT_JSON);
	int64_t start, took;
	CHECK(fake_env_init(&e, FA2_LANG_EN, 5) == 0);
	e.ac.parallelism = 1; /* serial: three 300 ms tools take 900 ms */
	e.model.bodies[0] = t0;
	e.model.bodies[1] = t1;
	e.model.n = 2;
	start = fa2_time_mono_ms();
	CHECK_OK(fa2_agent_run(&e.ac, &incident, &res));
	took = fa2_time_mono_ms() - start;
	CHECK_MSG(took >= 900, "parallelism 1 took only %lld ms", (long long)took);
	CHECK_INT_EQ(fake_sleep_runs, 3);
	fa2_agent_result_cleanup(&res);
	fa2_free(t0);
	fa2_free(t1);
	fake_env_cleanup(&e);
}

FA2_TEST(agent_repeated_calls_suppressed)
{
	static const char *const id1[] = { "t1" }, *const n1[] = { "echo_tool" }, *const i1[] = { "{\"a\":1,\"b\":{\"y\":2,\"x\":1}}" };
	/* Same input with keys in another order, plus a new one, plus the new one again. */
	static const char *const id2[] = { "t2", "t3", "t4" }, *const n2[] = { "echo_tool", "echo_tool", "echo_tool" };
	static const char *const i2[] = { "{\"b\":{\"x\":1,\"y\":2},\"a\":1}", "{\"a\":3}", "{\"a\":3}" };
	static const char *const id3[] = { "t5" }, *const i3[] = { "{\"a\":3}" };
	fake_env e;
	fa2_agent_result res;
	char *t0 = fake_tool_turn(id1, n1, i1, 1), *t1 = fake_tool_turn(id2, n2, i2, 3);
	char *t2 = fake_tool_turn(id3, n1, i3, 1), *t3 = fake_text_turn(REPORT_JSON);
	cJSON *calls;
	CHECK(fake_env_init(&e, FA2_LANG_EN, 10) == 0);
	e.model.bodies[0] = t0;
	e.model.bodies[1] = t1;
	e.model.bodies[2] = t2;
	e.model.bodies[3] = t3;
	e.model.n = 4;
	CHECK_OK(fa2_agent_run(&e.ac, &incident, &res));
	CHECK_MSG(!e.model.violation[0], "%s", e.model.violation);
	CHECK_INT_EQ(fake_echo_runs, 2); /* {"a":1,...} once and {"a":3} once */
	CHECK_INT_EQ(res.tool_reused, 3);
	/* Turn 3 only repeated: the loop stopped and asked for the report. */
	CHECK_INT_EQ(res.stop, FA2_AGENT_STOP_REPEATED);
	CHECK_INT_EQ(res.status, FA2_REPORT_INCOMPLETE);
	CHECK_INT_EQ(e.model.calls, 4);
	CHECK(strstr(e.model.last_request, "Repeated call: echo_tool already ran with this input in cycle 2") != NULL);
	CHECK(strstr(e.model.last_request, "Stop investigating now. Reason: the last round only repeated earlier tool calls.") != NULL);
	calls = cJSON_GetObjectItem(cJSON_GetObjectItem(res.report, "agent"), "toolCalls");
	CHECK_INT_EQ(cJSON_GetArraySize(calls), 5);
	fa2_agent_result_cleanup(&res);
	fa2_free(t0);
	fa2_free(t1);
	fa2_free(t2);
	fa2_free(t3);
	fake_env_cleanup(&e);
}

FA2_TEST(agent_max_cycles_then_report)
{
	static const char *const ids[] = { "c1", "c2", "c3" }, *const names[] = { "echo_tool" };
	static const char *const inputs[] = { "{\"n\":1}", "{\"n\":2}", "{\"n\":3}" };
	fake_env e;
	fa2_agent_result res;
	char *turns[4];
	int i;
	CHECK(fake_env_init(&e, FA2_LANG_EN, 3) == 0);
	for (i = 0; i < 3; i++) {
		turns[i] = fake_tool_turn(&ids[i], names, &inputs[i], 1);
		e.model.bodies[i] = turns[i];
	}
	/* The model would go on forever; the fourth call is the final-report call. */
	turns[3] = fake_text_turn(REPORT_JSON);
	e.model.bodies[3] = turns[3];
	e.model.n = 4;
	CHECK_OK(fa2_agent_run(&e.ac, &incident, &res));
	CHECK_MSG(!e.model.violation[0], "%s", e.model.violation);
	CHECK_INT_EQ(res.stop, FA2_AGENT_STOP_MAX_CYCLES);
	CHECK_INT_EQ(res.cycles, 3);
	CHECK_INT_EQ(e.model.calls, 4);
	CHECK_INT_EQ(fake_echo_runs, 3);
	CHECK_INT_EQ(res.status, FA2_REPORT_INCOMPLETE);
	CHECK(strstr(e.model.last_request, "the limit of 3 rounds of tool calls was reached") != NULL);
	/* Tools never called are named as missing. */
	CHECK(strstr(e.model.last_request, "- sleep_tool was not called") != NULL);
	fa2_agent_result_cleanup(&res);
	for (i = 0; i < 4; i++)
		fa2_free(turns[i]);
	fake_env_cleanup(&e);
}

FA2_TEST(agent_model_never_stops_calling_tools)
{
	/* Every answer, including the one to the final-report request, asks for a tool:
	 * the loop still ends, with a partial report. */
	static const char *const ids[] = { "x" }, *const names[] = { "echo_tool" }, *const inputs[] = { "{\"q\":1}" };
	fake_env e;
	fa2_agent_result res;
	char *t = fake_tool_turn(ids, names, inputs, 1);
	CHECK(fake_env_init(&e, FA2_LANG_EN, 4) == 0);
	e.model.bodies[0] = t;
	e.model.n = 1;
	CHECK_OK(fa2_agent_run(&e.ac, &incident, &res));
	CHECK_INT_EQ(fake_echo_runs, 1);
	CHECK_INT_EQ(res.stop, FA2_AGENT_STOP_REPEATED);
	CHECK(e.model.calls <= 4);
	CHECK_INT_EQ(res.status, FA2_REPORT_PARTIAL);
	fa2_agent_result_cleanup(&res);
	fa2_free(t);
	fake_env_cleanup(&e);
}

FA2_TEST(agent_throttled_partial_report)
{
	static const char *const ids[] = { "q1" }, *const names[] = { "echo_tool" }, *const inputs[] = { "{\"filter\":\"ERROR\"}" };
	fake_env e;
	fa2_agent_result res;
	fa2_buf md;
	char *t = fake_tool_turn(ids, names, inputs, 1);
	const cJSON *refs;
	int64_t start;
	CHECK(fake_env_init(&e, FA2_LANG_EN, 5) == 0);
	/* One tool turn, then throttling on every call. */
	e.model.bodies[0] = t;
	e.model.statuses[1] = 429;
	e.model.n = 2;
	start = fa2_time_mono_ms();
	CHECK_OK(fa2_agent_run(&e.ac, &incident, &res));
	CHECK(fa2_time_mono_ms() - start < 2000);
	CHECK_INT_EQ(res.stop, FA2_AGENT_STOP_THROTTLED);
	CHECK_INT_EQ(res.status, FA2_REPORT_PARTIAL);
	/* 1 + (1 + 2 retries) + final report call (1 + 2 retries) */
	CHECK_INT_EQ(e.model.calls, 7);
	CHECK_STR_EQ(fa2_json_str(res.report, "status"), "partial");
	CHECK(strstr(fa2_json_str(res.report, "summary"), "could not obtain an analysis from the model") != NULL);
	refs = cJSON_GetObjectItem(res.report, "references");
	CHECK_INT_EQ(cJSON_GetArraySize(refs), 1);
	CHECK_STR_EQ(fa2_json_str(cJSON_GetArrayItem(refs, 0), "tool"), "echo_tool");
	CHECK_STR_EQ(fa2_json_str(cJSON_GetArrayItem(refs, 0), "query"), "{\"filter\":\"ERROR\"}");
	CHECK(strstr(fa2_json_str(cJSON_GetObjectItem(res.report, "agent"), "stopDetail"), "ThrottlingException") != NULL);
	fa2_buf_init(&md, FA2_MAX_REPORT_BYTES);
	CHECK_OK(fa2_report_render_md(res.report, FA2_LANG_EN, 0, &md));
	CHECK(strstr(md.data, "> Partial: the model could not write this report") != NULL);
	CHECK(strstr(md.data, "root-cause analysis by the model (throttled)") != NULL);
	fa2_buf_cleanup(&md);
	fa2_agent_result_cleanup(&res);
	/* Throttled from the first call: still a report, no tool ran. */
	fake_tools_reset();
	e.model.calls = 0;
	e.model.statuses[0] = 429;
	e.model.n = 1;
	CHECK_OK(fa2_agent_run(&e.ac, &incident, &res));
	CHECK_INT_EQ(res.status, FA2_REPORT_PARTIAL);
	CHECK_INT_EQ(e.model.calls, 6);
	CHECK_INT_EQ(fake_echo_runs, 0);
	fa2_agent_result_cleanup(&res);
	fa2_free(t);
	fake_env_cleanup(&e);
}

FA2_TEST(agent_tool_errors_and_budget)
{
	static const char *const ids[] = { "u1", "u2", "u3" };
	static const char *const names[] = { "nope_tool", "fail_tool", "big_tool" };
	static const char *const inputs[] = { "{}", "{}", "{\"bytes\":100000}" };
	fake_env e;
	fa2_agent_result res;
	char *t0 = fake_tool_turn(ids, names, inputs, 3), *t1 = fake_text_turn("not a report at all"), *t2 = fake_text_turn(REPORT_JSON);
	cJSON *req, *content, *tr;
	const char *txt;
	CHECK(fake_env_init(&e, FA2_LANG_EN, 5) == 0);
	e.model.bodies[0] = t0;
	e.model.bodies[1] = t1;
	e.model.bodies[2] = t2;
	e.model.n = 3;
	CHECK_OK(fa2_agent_run(&e.ac, &incident, &res));
	CHECK_MSG(!e.model.violation[0], "%s", e.model.violation);
	/* The answer was not a report: one reformat request, then complete. */
	CHECK_INT_EQ(e.model.calls, 3);
	CHECK_INT_EQ(res.status, FA2_REPORT_COMPLETE);
	req = fa2_json_parse(fa2_slice_cstr(e.model.last_request), NULL);
	content = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(req, "messages"), 2), "content");
	tr = cJSON_GetObjectItem(cJSON_GetArrayItem(content, 0), "toolResult");
	CHECK_STR_EQ(fa2_json_str(tr, "status"), "error");
	CHECK(strstr(fa2_json_str(cJSON_GetArrayItem(cJSON_GetObjectItem(tr, "content"), 0), "text"), "There is no tool \"nope_tool\"") != NULL);
	tr = cJSON_GetObjectItem(cJSON_GetArrayItem(content, 1), "toolResult");
	CHECK_STR_EQ(fa2_json_str(tr, "status"), "error");
	CHECK(strstr(fa2_json_str(cJSON_GetArrayItem(cJSON_GetObjectItem(tr, "content"), 0), "text"), "AccessDeniedException") != NULL);
	tr = cJSON_GetObjectItem(cJSON_GetArrayItem(content, 2), "toolResult");
	CHECK_STR_EQ(fa2_json_str(tr, "status"), "success");
	txt = fa2_json_str(cJSON_GetArrayItem(cJSON_GetObjectItem(tr, "content"), 0), "text");
	CHECK(strlen(txt) <= 4096);
	CHECK(strstr(txt, "[output cut: showing ") != NULL);
	CHECK(strstr(txt, "of 100000 bytes. To see more, narrow the query: ask for fewer bytes]") != NULL);
	cJSON_Delete(req);
	fa2_agent_result_cleanup(&res);
	fa2_free(t0);
	fa2_free(t1);
	fa2_free(t2);
	fake_env_cleanup(&e);
}

FA2_TEST(agent_japanese_report)
{
	fake_env e;
	fa2_agent_result res;
	fa2_buf md;
	char *t = fake_text_turn("以下がレポートです。\n```json\n{\"summary\":\"DB の接続数が上限に達しました。\",\"rootCauses\":[{\"title\":\"接続プールの枯渇\",\"severity\":\"高\",\"confidence\":\"low\",\"evidence\":[\"logs_tool: エラー 412 件\"]}],\"timeline\":[{\"time\":\"08:02\",\"event\":\"エラー | 開始\"}],\"actions\":[\"ロールバック\"]}\n```");
	CHECK(fake_env_init(&e, FA2_LANG_JA, 5) == 0);
	e.model.bodies[0] = t;
	e.model.n = 1;
	CHECK_OK(fa2_agent_run(&e.ac, &incident, &res));
	CHECK(strstr(e.model.last_request, "この期間に何が起きたのか") != NULL);
	CHECK(strstr(e.model.last_request, "\"description\":\"スリープします\"") != NULL);
	CHECK_INT_EQ(res.status, FA2_REPORT_COMPLETE);
	fa2_buf_init(&md, FA2_MAX_REPORT_BYTES);
	CHECK_OK(fa2_report_render_md(res.report, FA2_LANG_JA, 540, &md));
	CHECK(strstr(md.data, "# 障害分析レポート") != NULL);
	CHECK(strstr(md.data, "## 根本原因") != NULL);
	CHECK(strstr(md.data, "重大度: **高**") != NULL);
	CHECK(strstr(md.data, "確信度: **低**") != NULL);
	CHECK(strstr(md.data, "2026-11-25T17:00:00+09:00 - 2026-11-25T17:45:00+09:00") != NULL);
	CHECK(strstr(md.data, "| 08:02 | エラー \\| 開始 |") != NULL);
	CHECK(strstr(md.data, "## 再発防止策\n\n報告なし。") != NULL);
	CHECK(strstr(md.data, "Root") == NULL); /* nothing left in English */
	fa2_buf_cleanup(&md);
	fa2_agent_result_cleanup(&res);
	fa2_free(t);
	fake_env_cleanup(&e);
}

FA2_TEST(agent_report_render_en_json)
{
	fa2_err err;
	cJSON *body = fa2_report_parse_model(FA2_SLICE_LIT("Here you go: {\"note\": {\"x\": 1}} and " REPORT_JSON " thanks"), &err);
	fa2_buf md, js;
	cJSON *back;
	CHECK(body != NULL);
	fa2_buf_init(&md, FA2_MAX_REPORT_BYTES);
	fa2_buf_init(&js, FA2_MAX_REPORT_BYTES);
	CHECK_OK(fa2_report_render_md(body, FA2_LANG_EN, 0, &md));
	CHECK(strstr(md.data, "### 1. Connection pool exhausted\n\n- Severity: **High**\n- Confidence: **Medium**") != NULL);
	CHECK(strstr(md.data, "Query: `filter @message like /too many/`") != NULL);
	CHECK(strstr(md.data, "1. Roll back the deploy") != NULL);
	CHECK(strstr(md.data, "| 2026-11-25 08:02 UTC | errors start |") != NULL); /* written in UTC, shown at offset 0 */
	CHECK_OK(fa2_report_render_json(body, &js));
	back = fa2_json_parse(fa2_buf_slice(&js), NULL);
	CHECK(back && cJSON_Compare(back, body, 1));
	cJSON_Delete(back);
	CHECK(fa2_report_parse_model(FA2_SLICE_LIT("no json here"), &err) == NULL && err == FA2_ERR_PARSE);
	CHECK(fa2_report_parse_model(FA2_SLICE_LIT("{\"unrelated\":1}"), &err) == NULL);
	fa2_buf_cleanup(&md);
	fa2_buf_cleanup(&js);
	cJSON_Delete(body);
}

FA2_TEST(agent_tool_bound_utf8)
{
	fa2_buf b;
	size_t i;
	fa2_buf_init(&b, 1 << 20);
	for (i = 0; i < 3000; i++)
		CHECK_OK(fa2_buf_append_cstr(&b, "あ"));
	CHECK_OK(fa2_tool_bound(&b, 2048, FA2_LANG_JA, NULL));
	CHECK(b.len <= 2048);
	CHECK(strstr(b.data, "9000 バイト中") != NULL);
	/* The kept prefix is whole characters. */
	CHECK(memcmp(b.data, "あああ", 9) == 0);
	i = (size_t)(strstr(b.data, "\n[出力") - b.data);
	CHECK_INT_EQ(i % 3, 0);
	fa2_buf_reset(&b);
	CHECK_OK(fa2_buf_append_cstr(&b, "short"));
	CHECK_OK(fa2_tool_bound(&b, 2048, FA2_LANG_EN, "x"));
	CHECK_STR_EQ(b.data, "short");
	CHECK_INT_EQ(fa2_tool_bound(&b, 100, FA2_LANG_EN, "x"), FA2_ERR_INVALID);
	fa2_buf_cleanup(&b);
}

FA2_TEST(agent_registry_rules)
{
	fa2_tool_registry r;
	fa2_tool t;
	fa2_tool_registry_init(&r);
	fake_tools_register(&r);
	CHECK_INT_EQ(r.n, 4);
	memset(&t, 0, sizeof t);
	t = r.tools[0];
	CHECK_INT_EQ(fa2_tool_registry_add(&r, &t), FA2_ERR_EXISTS);
	t.name = "bad name";
	CHECK_INT_EQ(fa2_tool_registry_add(&r, &t), FA2_ERR_INVALID);
	t.name = "ok_name";
	t.input_schema_json = "[1]";
	CHECK_INT_EQ(fa2_tool_registry_add(&r, &t), FA2_ERR_INVALID);
	CHECK(fa2_tool_registry_find(&r, "echo_tool") != NULL);
	CHECK(fa2_tool_registry_find(&r, "ok_name") == NULL);
}

FA2_TEST(agent_context_budget_elides_oldest)
{
	static const char *const i1[] = { "b1" }, *const n[] = { "big_tool" }, *const in1[] = { "{\"bytes\":5000}" };
	static const char *const i2[] = { "b2" }, *const in2[] = { "{\"bytes\":6000}" };
	static const char *const i3[] = { "b3" };
	fake_env e;
	fa2_agent_result res;
	char *t0 = fake_tool_turn(i1, n, in1, 1), *t1 = fake_tool_turn(i2, n, in2, 1);
	char *t2 = fake_tool_turn(i3, n, in1, 1), *t3 = fake_text_turn(REPORT_JSON);
	CHECK(fake_env_init(&e, FA2_LANG_EN, 10) == 0);
	e.ac.context_bytes = 6000;
	e.model.bodies[0] = t0;
	e.model.bodies[1] = t1;
	e.model.bodies[2] = t2;
	e.model.bodies[3] = t3;
	e.model.n = 4;
	CHECK_OK(fa2_agent_run(&e.ac, &incident, &res));
	CHECK_MSG(!e.model.violation[0], "%s", e.model.violation);
	CHECK_INT_EQ(fake_big_runs, 2);
	/* Asking again for an elided result is answered from the earlier run and does not
	 * count as a repeat that ends the investigation. */
	CHECK_INT_EQ(res.stop, FA2_AGENT_STOP_ANSWER);
	CHECK_INT_EQ(res.status, FA2_REPORT_COMPLETE);
	CHECK_INT_EQ(e.model.calls, 4);
	CHECK(strstr(e.model.last_request, "The earlier result of big_tool (4096 bytes) was elided") != NULL);
	CHECK(strstr(e.model.last_request, "Repeated call: big_tool already ran with this input in cycle 1") != NULL);
	fa2_agent_result_cleanup(&res);
	fa2_free(t0);
	fa2_free(t1);
	fa2_free(t2);
	fa2_free(t3);
	fake_env_cleanup(&e);
}

FA2_TEST(agent_deadline_then_report)
{
	static const char *const ids[] = { "d1" }, *const names[] = { "sleep_tool" }, *const inputs[] = { "{\"ms\":700}" };
	fake_env e;
	fa2_agent_result res;
	char *t0 = fake_tool_turn(ids, names, inputs, 1), *t1 = fake_text_turn(REPORT_JSON);
	CHECK(fake_env_init(&e, FA2_LANG_EN, 5) == 0);
	e.model.bodies[0] = t0;
	e.model.bodies[1] = t1;
	e.model.n = 2;
	e.ac.deadline_mono_ms = fa2_time_mono_ms() + 400;
	CHECK_OK(fa2_agent_run(&e.ac, &incident, &res));
	CHECK_INT_EQ(res.stop, FA2_AGENT_STOP_DEADLINE);
	CHECK_INT_EQ(res.status, FA2_REPORT_INCOMPLETE); /* the report call gets a grace period */
	CHECK_INT_EQ(e.model.calls, 2);
	CHECK(strstr(e.model.last_request, "the analysis time limit was reached") != NULL);
	fa2_agent_result_cleanup(&res);
	fa2_free(t0);
	fa2_free(t1);
	fake_env_cleanup(&e);
}

/* ---- the same loop over the OpenAI-compatible wire format ---- */

struct oa_fake {
	int calls;
	char violation[200];
	char *last;
};

static const char *const oa_turns[] = {
	"{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
	"{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"echo_tool\",\"arguments\":\"{\\\"n\\\":1}\"}},"
	"{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"echo_tool\",\"arguments\":\"{\\\"n\\\":2}\"}}]},"
	"\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15}}",
	/* A local server numbering its calls call_1... again in the next turn. */
	"{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"more\",\"tool_calls\":["
	"{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"echo_tool\",\"arguments\":\"{\\\"n\\\":3}\"}}]},"
	"\"finish_reason\":\"tool_calls\"}]}",
};

static fa2_err oa_send(void *ctx, const fa2_llm_http_request *req, fa2_llm_http_response *resp)
{
	struct oa_fake *f = ctx;
	cJSON *j = fa2_json_parse(req->body, NULL), *m;
	int open_calls = 0, idx = f->calls++;
	const char *prev = NULL;
	if (strcmp(req->path, "/chat/completions") != 0 || req->sign_service || !req->base_url)
		snprintf(f->violation, sizeof f->violation, "bad target");
	cJSON_ArrayForEach(m, cJSON_GetObjectItem(j, "messages"))
	{
		const char *role = fa2_json_str(m, "role");
		if (strcmp(role, "tool") == 0) {
			if (open_calls <= 0 || (strcmp(prev, "assistant") != 0 && strcmp(prev, "tool") != 0))
				snprintf(f->violation, sizeof f->violation, "tool message out of place");
			open_calls--;
		} else {
			if (open_calls != 0)
				snprintf(f->violation, sizeof f->violation, "tool_calls left unanswered");
			open_calls = cJSON_GetArraySize(cJSON_GetObjectItem(m, "tool_calls"));
		}
		prev = role;
	}
	if (open_calls != 0)
		snprintf(f->violation, sizeof f->violation, "tool_calls left unanswered at the end");
	cJSON_Delete(j);
	fa2_free(f->last);
	f->last = fa2_strndup(req->body.ptr, req->body.len);
	resp->status = 200;
	if (idx < 2)
		return fa2_buf_append_cstr(&resp->body, oa_turns[idx]);
	{
		cJSON *o = cJSON_CreateObject(), *ch = cJSON_AddArrayToObject(o, "choices"), *c = cJSON_CreateObject(), *msg;
		char *s;
		fa2_err e;
		cJSON_AddItemToArray(ch, c);
		msg = cJSON_AddObjectToObject(c, "message");
		cJSON_AddStringToObject(msg, "role", "assistant");
		cJSON_AddStringToObject(msg, "content", REPORT_JSON);
		cJSON_AddStringToObject(c, "finish_reason", "stop");
		s = cJSON_PrintUnformatted(o);
		e = fa2_buf_append_cstr(&resp->body, s);
		cJSON_free(s);
		cJSON_Delete(o);
		return e;
	}
}

FA2_TEST(agent_openai_provider_loop)
{
	fake_env e;
	fa2_agent_result res;
	struct oa_fake f;
	memset(&f, 0, sizeof f);
	CHECK(fake_env_init(&e, FA2_LANG_EN, 2) == 0);
	fa2_llm_provider_cleanup(&e.llm);
	CHECK_OK(fa2_llm_provider_init(&e.llm, FA2_LLM_OPENAI, "qwen2.5", "http://127.0.0.1:8080/v1", NULL));
	e.llm.transport = oa_send;
	e.llm.transport_ctx = &f;
	CHECK_OK(fa2_agent_run(&e.ac, &incident, &res));
	CHECK_MSG(!f.violation[0], "%s", f.violation);
	/* Two tool turns reach maxAgentCycles 2; the third call writes the report. */
	CHECK_INT_EQ(f.calls, 3);
	CHECK_INT_EQ(fake_echo_runs, 3); /* call_1 of turn 2 is a new call, not a replay */
	CHECK_INT_EQ(res.stop, FA2_AGENT_STOP_MAX_CYCLES);
	CHECK_INT_EQ(res.status, FA2_REPORT_INCOMPLETE);
	CHECK(strstr(f.last, "\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"window") != NULL);
	CHECK(strstr(f.last, "Stop investigating now") != NULL);
	CHECK_STR_EQ(fa2_json_str(cJSON_GetObjectItem(res.report, "agent"), "provider"), "openai");
	fa2_agent_result_cleanup(&res);
	fa2_free(f.last);
	fake_env_cleanup(&e);
}

FA2_TEST(agent_failed_calls_listed_as_missing)
{
	static const char *const ids[] = { "f1" }, *const names[] = { "fail_tool" }, *const inputs[] = { "{\"logGroup\":\"/ecs/api\"}" };
	fake_env e;
	fa2_agent_result res;
	char *t0 = fake_tool_turn(ids, names, inputs, 1), *t1 = fake_text_turn(REPORT_JSON);
	const cJSON *missing;
	CHECK(fake_env_init(&e, FA2_LANG_EN, 5) == 0);
	e.model.bodies[0] = t0;
	e.model.bodies[1] = t1;
	e.model.n = 2;
	CHECK_OK(fa2_agent_run(&e.ac, &incident, &res));
	CHECK_INT_EQ(res.status, FA2_REPORT_COMPLETE);
	missing = cJSON_GetObjectItem(res.report, "missing");
	CHECK_INT_EQ(cJSON_GetArraySize(missing), 1);
	CHECK_STR_EQ(cJSON_GetArrayItem(missing, 0)->valuestring, "fail_tool {\"logGroup\":\"/ecs/api\"} failed");
	fa2_agent_result_cleanup(&res);
	fa2_free(t0);
	fa2_free(t1);
	fake_env_cleanup(&e);
}
