/* Snapshot-backed tools: the Logs Insights subset (parser and evaluation over lines), the
 * window check, and each tool over examples/ecs-dynamodb-sg (run from the repository
 * root, as make check does). The end-to-end run with the model doubles is
 * tests/integration/t_snap_source.py. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "test.h"

#include "agent/tools/snap.h"
#include "agent/tools/source.h"
#include "agent/tools/runbooks.h"
#include "base/file.h"
#include "base/json.h"

#define EXAMPLE "examples/ecs-dynamodb-sg"

static fa2_tr_logline line(const char *msg, int64_t t, const char *group, const char *stream)
{
	fa2_tr_logline l;
	l.t_ms = t;
	l.msg = msg;
	l.msg_len = strlen(msg);
	l.group = group;
	l.stream = stream;
	return l;
}

static int match(const char *query, const char *msg)
{
	fa2_snapq *q = NULL;
	char why[1024];
	fa2_tr_logline l = line(msg, 1763604000000LL, "/ecs/orders-api", "ecs/orders-api/abc");
	int r;
	if (fa2_snapq_parse(query, &q, why, sizeof why) != FA2_OK)
		return -1;
	r = fa2_snapq_match(q, &l);
	fa2_snapq_free(q);
	return r;
}

static fa2_err parse_err(const char *query, char *why, size_t cap)
{
	fa2_snapq *q = NULL;
	fa2_err e = fa2_snapq_parse(query, &q, why, cap);
	fa2_snapq_free(q);
	return e;
}

FA2_TEST(snapq_filters)
{
	const char *err = "2025-11-20 08:10:01 ERROR c.e.Orders : DynamoDB call failed: connect timed out";
	const char *info = "2025-11-20 08:10:02 INFO  c.e.Cache : cache hit key=order:1";
	CHECK(match("@message like /ERROR/", err) == 1);
	CHECK(match("@message like /ERROR/", info) == 0);
	CHECK(match("@message like /(?i)error|timeout/", info) == 0);
	CHECK(match("@message like /(?i)dynamodb call/", err) == 1);
	CHECK(match("@message like /error/", err) == 0);                 /* case-sensitive */
	CHECK(match("@message like \"cache hit\"", info) == 1);          /* substring */
	CHECK(match("@message like \"Cache Hit\"", info) == 0);
	CHECK(match("@message not like /INFO/", err) == 1);
	CHECK(match("@message not like /INFO/", info) == 0);
	CHECK(match("@message =~ /key=order:\\d+$/", info) == 1);
	CHECK(match("@message =~ /key=order:\\d+x/", info) == 0);
	CHECK(match("@message like /\\s+c\\.e\\.Cache\\s/", info) == 1);
	CHECK(match("@message like /[\\d:]+ INFO/", info) == 1);
	CHECK(match("@message like /[[:upper:]]{4}  c/", info) == 1);
	CHECK(match("@message like /[[:upper:]]{5}  c/", info) == 0);
	CHECK(match("@message like /^\\d{4}-\\d{2}-\\d{2} /", info) == 1);
	CHECK(match("@message like /ERROR/ and @message like /timed out/", err) == 1);
	CHECK(match("@message like /ERROR/ AND @message like /refused/", err) == 0);
	CHECK(match("@message like /refused/ or @message like /timed out/", err) == 1);
	CHECK(match("not @message like /INFO/", err) == 1);
	CHECK(match("(@message like /WARN/ or @message like /ERROR/) and not @message like /Cache/", err) == 1);
	CHECK(match("(@message like /WARN/ or @message like /ERROR/) and not @message like /Cache/", info) == 0);
	CHECK(match("filter @message like /ERROR/ | filter @message like /timed/", err) == 1);
	CHECK(match("filter @message like /ERROR/ | filter @message like /refused/", err) == 0);
	CHECK(match("@logStream like /orders-api/ and @log = \"/ecs/orders-api\"", err) == 1);
	CHECK(match("@log != \"/ecs/orders-api\"", err) == 0);
	CHECK(match("", info) == 1);                                      /* no filter: every line */
	CHECK(match("fields @timestamp, @message | sort @timestamp desc | limit 20", info) == 1);
}

FA2_TEST(snapq_json_fields)
{
	const char *j = "{\"level\":\"ERROR\",\"status\":503,\"http\":{\"path\":\"/orders\",\"ms\":\"1200\"},\"ok\":false}";
	CHECK(match("level = \"ERROR\"", j) == 1);
	CHECK(match("level = 'WARN'", j) == 0);
	CHECK(match("status >= 500", j) == 1);
	CHECK(match("status < 500", j) == 0);
	CHECK(match("status = 503 and http.path like /orders/", j) == 1);
	CHECK(match("http.ms > 1000", j) == 1);                           /* numeric string */
	CHECK(match("http.ms > 2000", j) == 0);
	CHECK(match("missing = 1", j) == 0);
	CHECK(match("missing like /x/", j) == 0);
	CHECK(match("ok = false", j) == 1);
	CHECK(match("status = 503", "not json status=503") == 0);
}

FA2_TEST(snapq_stages)
{
	fa2_snapq *q = NULL;
	char why[1024];
	CHECK_OK(fa2_snapq_parse("@message like /ERROR/ | stats count(*) by bin(5m)", &q, why, sizeof why));
	CHECK(fa2_snapq_stats(q) == FA2_SNAPQ_STATS_BIN && fa2_snapq_bin_ms(q) == 300000);
	fa2_snapq_free(q);
	CHECK_OK(fa2_snapq_parse("filter @message like /x/ | stats count(*) as n by @logStream", &q, why, sizeof why));
	CHECK(fa2_snapq_stats(q) == FA2_SNAPQ_STATS_FIELD && strcmp(fa2_snapq_by_field(q), "@logStream") == 0);
	fa2_snapq_free(q);
	CHECK_OK(fa2_snapq_parse("stats count(*)", &q, why, sizeof why));
	CHECK(fa2_snapq_stats(q) == FA2_SNAPQ_STATS_COUNT);
	fa2_snapq_free(q);
	CHECK_OK(fa2_snapq_parse("@message like /a/ | sort @timestamp asc | limit 25", &q, why, sizeof why));
	CHECK(fa2_snapq_limit(q) == 25 && fa2_snapq_sort_asc(q) == 1 && fa2_snapq_stats(q) == 0);
	fa2_snapq_free(q);
	CHECK_OK(fa2_snapq_parse("sort @timestamp desc", &q, why, sizeof why));
	CHECK(fa2_snapq_limit(q) == 0 && fa2_snapq_sort_asc(q) == 0);
	fa2_snapq_free(q);
}

FA2_TEST(snapq_errors_list_the_subset)
{
	char why[1024];
	static const char *const bad[] = {
		"@message like /unterminated", "@message like \"open", "@message like", "@message",
		"@message ~ /x/", "| limit 5", "@message like /x/ |", "limit 0", "limit 20000",
		"parse @message \"* *\" as a, b", "stats avg(x) by bin(1m)", "stats count(*) by bin(0m)",
		"@message like /x/ and", "(@message like /x/", "@message like /(?<n>x)/",
		"@message like /a{1000}/", "sort @message desc", "dedup @logStream", "@message in [\"a\"]",
		"@message like /x/ extra", "((((((((((((((((((((((((((((@message like /x/))))))))))))))))))))))))))))",
		"@message like /[\\D]/", "@message like /(a)\\1/",
		"@message like /d\\++++/", "@message like /a*?/", "@message like /((a{50}){50}){50}/",
		"@message like /((((((((((((((a+)+)+)+)+)+)+)+)+)+)+)+)+)+)+/", "`aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa` = 1",
	};
	size_t i;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		fa2_err e = parse_err(bad[i], why, sizeof why);
		CHECK_MSG(e == FA2_ERR_PARSE, "%s: %s", bad[i], fa2_err_str(e));
		CHECK_MSG(strstr(why, "supported:") != NULL, "%s: %s", bad[i], why);
	}
	{
		char big[FA2_SNAPQ_MAX_TEXT + 10];
		memset(big, 'a', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		CHECK(parse_err(big, why, sizeof why) == FA2_ERR_TOO_LARGE);
	}
}

FA2_TEST(snap_window_check)
{
	char msg[512];
	CHECK_OK(fa2_snap_window_check(1000, 5000, 1000, 5000, msg, sizeof msg));
	CHECK_OK(fa2_snap_window_check(1000, 5000, 2000, 3000, msg, sizeof msg));
	CHECK(fa2_snap_window_check(1000, 5000, 500, 3000, msg, sizeof msg) == FA2_ERR_INVALID);
	CHECK(strstr(msg, "not inside the snapshot's window") != NULL);
	CHECK(fa2_snap_window_check(1000, 5000, 2000, 6000, msg, sizeof msg) == FA2_ERR_INVALID);
	CHECK(fa2_snap_window_check(1000, 5000, 6000, 7000, msg, sizeof msg) == FA2_ERR_INVALID);
}

static fa2_err run(fa2_tool_registry *r, const char *name, const char *input, fa2_tool_env *env, fa2_buf *out)
{
	const fa2_tool *t = fa2_tool_registry_find(r, name);
	cJSON *in = cJSON_Parse(input);
	fa2_err e;
	fa2_buf_reset(out);
	if (!t || !in) {
		cJSON_Delete(in);
		return FA2_ERR_NOT_FOUND;
	}
	e = t->execute(t->ctx, env, in, out);
	(void)fa2_buf_append_byte(out, 0);
	cJSON_Delete(in);
	return e;
}

FA2_TEST(snap_tools_over_example)
{
	fa2_source *s = NULL;
	fa2_tool_registry r;
	fa2_tool_env env;
	fa2_buf out;
	char msg[512], ev[2048];
	int64_t from, to;

	CHECK_OK(fa2_snap_manifest_info(EXAMPLE, &from, &to, ev, sizeof ev, msg, sizeof msg));
	CHECK(from == 1763604000000LL && to == 1763627400000LL);
	CHECK(strstr(ev, "orders-api-target-5xx-high") != NULL && strstr(ev, "ALARM") != NULL);
	CHECK_OK(fa2_source_open_snapshot(EXAMPLE, NULL, &s, msg, sizeof msg));
	if (!s)
		return;
	fa2_tool_registry_init(&r);
	CHECK_OK(fa2_tools_build(&r, s));
	CHECK(fa2_tool_registry_find(&r, "logs_tool") && fa2_tool_registry_find(&r, "metrics_tool") &&
	      fa2_tool_registry_find(&r, "audit_log_tool") && fa2_tool_registry_find(&r, "xray_tool"));
	CHECK(fa2_tool_registry_find(&r, "kb_tool") == NULL); /* no runbooks folder */
	memset(&env, 0, sizeof env);
	env.from_ms = from;
	env.to_ms = to;
	fa2_buf_init(&out, FA2_TOOL_MAX_RAW_BYTES);

	CHECK_OK(run(&r, "logs_tool", "{\"filter\":\"@message like /(?i)dynamodb/ and @message like /ERROR/\"}", &env, &out));
	CHECK_MSG(strstr(out.data, "[ERROR] x") && strstr(out.data, "dynamodb"), "%.1500s", out.data);
	CHECK(strstr(out.data, "INFO") == NULL || strstr(out.data, "[INFO]") == NULL);
	CHECK_OK(run(&r, "logs_tool", "{\"filter\":\"@message like /ERROR/ | stats count(*) by bin(30m)\"}", &env, &out));
	CHECK_MSG(strstr(out.data, "2025-11-20 08:00:00Z  ") != NULL, "%.1500s", out.data);
	CHECK(run(&r, "logs_tool", "{\"filter\":\"@message like /x/ | parse @message 'a'\"}", &env, &out) == FA2_ERR_INVALID);
	CHECK(strstr(out.data, "supported:") != NULL);

	CHECK_OK(run(&r, "metrics_tool", "{\"metricName\":\"HTTPCode_Target_5XX_Count\"}", &env, &out));
	CHECK_MSG(strstr(out.data, "AWS/ApplicationELB HTTPCode_Target_5XX_Count") && strstr(out.data, "change at 2025-11-20 08:"),
		  "%.1500s", out.data);
	CHECK_OK(run(&r, "metrics_tool", "{\"namespace\":\"AWS/Nothing\"}", &env, &out));
	CHECK(strstr(out.data, "no metrics matched") != NULL);

	CHECK_OK(run(&r, "audit_log_tool", "{\"eventSource\":\"ec2.amazonaws.com\"}", &env, &out));
	CHECK_MSG(strstr(out.data, "WRITE ec2.amazonaws.com") && strstr(out.data, "SecurityGroup"), "%.2000s", out.data);
	CHECK_OK(run(&r, "xray_tool", "{\"filterExpression\":\"fault = true AND service(\\\"orders-api\\\")\"}", &env, &out));
	CHECK_MSG(strstr(out.data, "FAULT orders-api/DynamoDB") && strstr(out.data, "connect timed out"), "%.1500s", out.data);
	CHECK(run(&r, "xray_tool", "{\"filterExpression\":\"annotation.x = 1\"}", &env, &out) == FA2_ERR_INVALID);
	CHECK(strstr(out.data, "supported filterExpression subset") != NULL);

	/* A narrower window is honoured: nothing of the incident before 03:00. */
	env.to_ms = from + 3600000;
	CHECK_OK(run(&r, "xray_tool", "{\"filterExpression\":\"fault\"}", &env, &out));
	CHECK_MSG(strstr(out.data, "DynamoDB: SdkClientException") == NULL, "%.1000s", out.data);
	fa2_buf_cleanup(&out);
	fa2_source_close(s);
}

FA2_TEST(snap_kb_runbooks)
{
	char dir[512], path[600];
	fa2_source *s = NULL;
	fa2_tool_registry r;
	fa2_tool_env env;
	fa2_buf out;
	char msg[512];
	static const char manifest[] =
		"{\"format\":\"fa2-snapshot\",\"format_version\":1,\"window\":{\"from\":\"2025-11-20T02:00:00Z\","
		"\"to\":\"2025-11-20T03:00:00Z\"},\"files\":[]}";
	static const char rb1[] = "# DynamoDB connectivity\n\nIf tasks cannot reach DynamoDB, check the security group "
				  "egress rules and the VPC endpoint.\n\n# Unrelated\n\nRotate the TLS certificate yearly.\n";
	static const char rb2[] = "# Payment gateway\n\nSlow payment responses: page the payments team.\n";
	static const char rb3[] = "# 障害対応\n\nセキュリティグループの変更を確認する。\n";

	snprintf(dir, sizeof dir, "%s/snapkb", fa2_test_tmpdir());
	snprintf(path, sizeof path, "%s/runbooks", dir);
	CHECK_OK(fa2_mkdir_p(path, 0755));
	snprintf(path, sizeof path, "%s/manifest.json", dir);
	CHECK_OK(fa2_file_write_atomic(path, manifest, sizeof manifest - 1, 0644));
	snprintf(path, sizeof path, "%s/runbooks/dynamodb.md", dir);
	CHECK_OK(fa2_file_write_atomic(path, rb1, sizeof rb1 - 1, 0644));
	snprintf(path, sizeof path, "%s/runbooks/payments.txt", dir);
	CHECK_OK(fa2_file_write_atomic(path, rb2, sizeof rb2 - 1, 0644));
	snprintf(path, sizeof path, "%s/runbooks/ja.md", dir);
	CHECK_OK(fa2_file_write_atomic(path, rb3, sizeof rb3 - 1, 0644));
	CHECK_OK(fa2_source_open_snapshot(dir, NULL, &s, msg, sizeof msg));
	if (!s)
		return;
	CHECK(s->runbooks && s->runbooks->n_docs == 3);
	fa2_tool_registry_init(&r);
	CHECK_OK(fa2_tools_build(&r, s));
	CHECK(fa2_tool_registry_find(&r, "kb_tool") != NULL);
	CHECK(fa2_tool_registry_find(&r, "xray_tool") == NULL); /* no traces */
	memset(&env, 0, sizeof env);
	fa2_source_window(s, &env.from_ms, &env.to_ms);
	fa2_buf_init(&out, 1 << 20);
	CHECK_OK(run(&r, "kb_tool", "{\"query\":\"DynamoDB security group egress\",\"numberOfResults\":1}", &env, &out));
	CHECK_MSG(strstr(out.data, "1. score") && strstr(out.data, "runbooks/dynamodb.md") &&
		  strstr(out.data, "egress rules") && !strstr(out.data, "2. score") && !strstr(out.data, "TLS"),
		  "%s", out.data);
	CHECK_OK(run(&r, "kb_tool", "{\"query\":\"セキュリティグループ\"}", &env, &out));
	CHECK_MSG(strstr(out.data, "runbooks/ja.md") != NULL, "%s", out.data);
	CHECK_OK(run(&r, "kb_tool", "{\"query\":\"kubernetes\"}", &env, &out));
	CHECK(strstr(out.data, "no documents matched") != NULL);
	CHECK(run(&r, "kb_tool", "{}", &env, &out) == FA2_ERR_INVALID);
	fa2_buf_cleanup(&out);
	fa2_source_close(s);
}
