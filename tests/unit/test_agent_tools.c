/* Agent tools: the pure helpers (Logs Insights timestamps, SQL quoting, input clamping)
 * and the registry's configuration guards. The tools' AWS exchanges are tested end to end
 * in tests/integration/t_agent_e2e.py against moto_server and strict doubles; the tools
 * over a fake source and the Logs Insights reader over a fake service are in
 * test_sources.c. */
#include <stdio.h>
#include <string.h>

#include "test.h"

#include "agent/config.h"
#include "agent/tools/common.h"
#include "agent/tools/tools.h"
#include "aws/logs.h"
#include "base/json.h"
#include "triage/logtpl.h"

FA2_TEST(tools_logs_timestamp_forms)
{
	/* 2026-11-25T09:52:35.123Z */
	int64_t want = 1795600355123LL;
	CHECK(fa2_logs_parse_ts("2026-11-25 09:52:35.123") == want);
	CHECK(fa2_logs_parse_ts("1795600355123") == want);
	CHECK(fa2_logs_parse_ts("2026-11-25 09:52:35") == want - 123);
	CHECK(fa2_logs_parse_ts("") == FA2_LOGS_NO_TIME);
	CHECK(fa2_logs_parse_ts(NULL) == FA2_LOGS_NO_TIME);
	CHECK(fa2_logs_parse_ts("yesterday at noon") == FA2_LOGS_NO_TIME);
	CHECK(fa2_logs_parse_ts("2026-13-45 99:99:99.000") == FA2_LOGS_NO_TIME);
}

FA2_TEST(tools_sql_quote_and_int)
{
	fa2_buf b;
	cJSON *in = cJSON_Parse("{\"n\": 50000, \"m\": -3, \"s\": \"x\"}");
	fa2_buf_init(&b, 256);
	CHECK_OK(fa2_tools_sql_quote(&b, "o'brien's ''x"));
	CHECK(b.len == strlen("o''brien''s ''''x") && memcmp(b.data, "o''brien''s ''''x", b.len) == 0);
	fa2_buf_cleanup(&b);
	CHECK(fa2_tools_int(in, "n", 5, 1, 10000) == 10000);
	CHECK(fa2_tools_int(in, "m", 5, 1, 10000) == 1);
	CHECK(fa2_tools_int(in, "s", 5, 1, 10000) == 5);
	CHECK(fa2_tools_int(in, "absent", 7, 1, 10000) == 7);
	cJSON_Delete(in);
}

FA2_TEST(tools_registry_follows_config)
{
	fa2_config cfg;
	fa2_tool_registry r;
	fa2_source *src = NULL;
	char msg[256];
	CHECK_OK(fa2_config_init(&cfg));
	fa2_tool_registry_init(&r);
	CHECK_OK(fa2_source_open_live(&cfg, NULL, "no AWS in unit tests", &src, msg, sizeof msg));
	CHECK_OK(fa2_tools_build(&r, src));
	fa2_source_close(src);
	src = NULL;
	CHECK(fa2_tool_registry_find(&r, "metrics_tool") && fa2_tool_registry_find(&r, "audit_log_tool"));
	CHECK(!fa2_tool_registry_find(&r, "logs_tool") && !fa2_tool_registry_find(&r, "xray_tool") &&
	      !fa2_tool_registry_find(&r, "kb_tool"));
	CHECK_OK(fa2_config_load_json(&cfg, fa2_slice_cstr("{\"cwLogsLogGroups\": [\"/a\"], \"xrayTrace\": true, "
							   "\"knowledgeBase\": true, \"knowledgeBaseId\": \"KB1\"}"),
				      "test", msg, sizeof msg));
	fa2_tool_registry_init(&r);
	CHECK_OK(fa2_source_open_live(&cfg, NULL, "no AWS in unit tests", &src, msg, sizeof msg));
	CHECK_OK(fa2_tools_build(&r, src));
	fa2_source_close(src);
	CHECK(r.n == 5);
	CHECK(fa2_tool_registry_find(&r, "logs_tool") && fa2_tool_registry_find(&r, "xray_tool") &&
	      fa2_tool_registry_find(&r, "kb_tool"));
	/* Every description exists in both languages, every schema is an object. */
	{
		size_t i;
		for (i = 0; i < r.n; i++) {
			cJSON *s = cJSON_Parse(r.tools[i].input_schema_json);
			CHECK(r.tools[i].description[0] && r.tools[i].description[1] && r.tools[i].narrow_hint[1]);
			CHECK(cJSON_IsObject(s));
			cJSON_Delete(s);
		}
	}
	fa2_config_cleanup(&cfg);
}

FA2_TEST(tools_append_cut_keeps_the_cause)
{
	char line[3000];
	fa2_buf out;
	size_t n = 0;
	int i;
	/* A joined Java stack trace: the message, forty frames, the cause, more frames. */
	n += (size_t)snprintf(line + n, sizeof line - n, "ERROR o.e.Api - request failed: java.lang.IllegalStateException: "
			      "pool\n");
	for (i = 0; i < 20; i++)
		n += (size_t)snprintf(line + n, sizeof line - n, "\tat com.example.pool.Pool.get(Pool.java:%d)\n", i);
	n += (size_t)snprintf(line + n, sizeof line - n, "Caused by: java.net.SocketTimeoutException: connect timed out "
			      "to db-7.internal:5432\n");
	for (i = 0; i < 20; i++)
		n += (size_t)snprintf(line + n, sizeof line - n, "\tat java.net.Socket.connect(Socket.java:%d)\n", i);
	CHECK(n > 1500 && n < sizeof line - 1);
	fa2_buf_init(&out, 1 << 16);
	CHECK_OK(fa2_tools_append_cut(&out, line, n, 400));
	CHECK_MSG(out.len <= 400, "%zu", out.len);
	CHECK_MSG(strstr(out.data, "Caused by: java.net.SocketTimeoutException: connect timed out") != NULL, "%s", out.data);
	CHECK(strncmp(out.data, "ERROR o.e.Api - request failed", 30) == 0);
	CHECK(out.len >= 4 && !strcmp(out.data + out.len - 4, "19)\n")); /* the tail */
	/* No "Caused by": the exception with its message, from its class name; an error
	 * word inside an identifier (handleErrorResponse) is not what went wrong. */
	fa2_buf_reset(&out);
	n = (size_t)snprintf(line, sizeof line, "ERROR 1 --- c.e.ProductService : PutItem for product 230833 after 3 retries\n");
	for (i = 0; i < 4; i++)
		n += (size_t)snprintf(line + n, sizeof line - n, "\tat com.example.Handler.run(Handler.java:%d)\n", i);
	n += (size_t)snprintf(line + n, sizeof line - n, "\tat x.CombinedResponseHandler.handleErrorResponse(C.java:125)\n"
			      "software.amazon.awssdk.services.dynamodb.model.DynamoDbException: The level of configured "
			      "provisioned throughput for the table was exceeded\n");
	for (i = 0; i < 20; i++)
		n += (size_t)snprintf(line + n, sizeof line - n, "\tat java.net.Socket.connect(Socket.java:%d)\n", i);
	CHECK_OK(fa2_tools_append_cut(&out, line, n, 400));
	CHECK_MSG(out.len <= 400, "%zu", out.len);
	CHECK_MSG(strstr(out.data, "dynamodb.model.DynamoDbException: The level of configured") != NULL, "%s", out.data);
	/* Nothing telling in the middle: head and tail only, as before. */
	fa2_buf_reset(&out);
	memset(line, 'a', 1000);
	CHECK_OK(fa2_tools_append_cut(&out, line, 1000, 400));
	CHECK_INT_EQ(out.len, 240 + 5 + 155);
	CHECK(!memcmp(out.data + 240, " \xE2\x80\xA6 ", 5));
	/* Short enough: whole. */
	fa2_buf_reset(&out);
	CHECK_OK(fa2_tools_append_cut(&out, "Caused by: x", 12, 400));
	CHECK_STR_EQ(out.data, "Caused by: x");
	fa2_buf_cleanup(&out);
}
