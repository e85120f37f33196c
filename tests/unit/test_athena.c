/* Athena: SQL quoting with hostile values, the ResultSet decoder, the SQL the
 * audit_log_tool (Athena path) and alb_log_tool build, and their registration. */
#include <string.h>

#include "test.h"

#include "cJSON.h"

#include "agent/config.h"
#include "agent/tool.h"
#include "agent/tools/tools.h"
#include "aws/athena.h"
#include "base/alloc.h"
#include "base/buf.h"

fa2_err fa2_audit_log_athena_sql(const fa2_tool_env *env, const cJSON *input, fa2_buf *sql,
				 const char **bad);
fa2_err fa2_alb_log_sql(const fa2_tool_env *env, const cJSON *input, int i, fa2_buf *sql, const char **bad);

static int buf_is(const fa2_buf *b, const char *s)
{
	return b->len == strlen(s) && memcmp(b->data, s, b->len) == 0;
}

FA2_TEST(athena_sql_string_hostile)
{
	static const struct { const char *in, *out; } ok[] = {
		{ "o'brien", "'o''brien'" },
		{ "'", "''''" },
		{ "x'; DROP TABLE t; --", "'x''; DROP TABLE t; --'" },
		{ "a\\b\\'", "'a\\b\\'''" },          /* backslash is no escape in Athena SQL */
		{ "日本語 ✓ 😀", "'日本語 ✓ 😀'" },
		{ "/* c */ \"q\" %_", "'/* c */ \"q\" %_'" },
		{ "", "''" },
	};
	static const char *const bad[] = {
		"line\nbreak", "tab\there", "cr\r", "del\x7f", "esc\x1b[0m", "\xff", "\xc0\xaf" /* overlong / */,
		"\xed\xa0\x80" /* surrogate */, "\xe6\x97" /* cut */, "\xf4\x90\x80\x80" /* > U+10FFFF */,
	};
	fa2_buf b;
	size_t i;
	char big[FA2_ATHENA_MAX_LITERAL + 2];
	fa2_buf_init(&b, 1 << 16);
	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		fa2_buf_reset(&b);
		CHECK_OK(fa2_athena_sql_string(&b, ok[i].in));
		CHECK_MSG(buf_is(&b, ok[i].out), "%s -> %.*s", ok[i].in, (int)b.len, (const char *)b.data);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		fa2_buf_reset(&b);
		CHECK(fa2_buf_append_cstr(&b, "X") == FA2_OK);
		CHECK_MSG(fa2_athena_sql_string(&b, bad[i]) == FA2_ERR_INVALID, "bad[%zu] accepted", i);
		CHECK(buf_is(&b, "X")); /* nothing appended */
	}
	CHECK(fa2_athena_sql_string(&b, NULL) == FA2_ERR_INVALID);
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	CHECK(fa2_athena_sql_string(&b, big) == FA2_ERR_INVALID);
	big[FA2_ATHENA_MAX_LITERAL] = '\0';
	CHECK_OK(fa2_athena_sql_string(&b, big));
	fa2_buf_cleanup(&b);
}

FA2_TEST(athena_sql_ident_time_in)
{
	static const char *const bad[] = { "", "a\"b", "a b", "a.b", "t;--", "tbl'", "é", "a`b" };
	const char *vals[] = { "a", "o'b", "c" };
	const char *hostile[] = { "ok", "no\nway" };
	fa2_buf b;
	size_t i;
	char long_name[257];
	fa2_buf_init(&b, 4096);
	CHECK_OK(fa2_athena_sql_ident(&b, "ct_db"));
	CHECK_OK(fa2_buf_append_byte(&b, '.'));
	CHECK_OK(fa2_athena_sql_ident(&b, "My-Table_2"));
	CHECK(buf_is(&b, "\"ct_db\".\"My-Table_2\""));
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_MSG(fa2_athena_sql_ident(&b, bad[i]) == FA2_ERR_INVALID, "%s accepted", bad[i]);
	memset(long_name, 'a', 256);
	long_name[256] = '\0';
	CHECK(fa2_athena_sql_ident(&b, long_name) == FA2_ERR_INVALID);
	long_name[255] = '\0';
	CHECK_OK(fa2_athena_sql_ident(&b, long_name));

	fa2_buf_reset(&b);
	CHECK_OK(fa2_athena_sql_iso_time(&b, 1764064355123LL)); /* 2025-11-25T09:52:35.123Z */
	CHECK(buf_is(&b, "'2025-11-25T09:52:35'"));
	fa2_buf_reset(&b);
	CHECK_OK(fa2_athena_sql_timestamp(&b, 1764064355123LL));
	CHECK_MSG(buf_is(&b, "TIMESTAMP '2025-11-25 09:52:35.123'"), "%.*s", (int)b.len, (const char *)b.data);
	fa2_buf_reset(&b);
	CHECK_OK(fa2_athena_sql_in(&b, "eventname", vals, 3));
	CHECK(buf_is(&b, "eventname IN ('a', 'o''b', 'c')"));
	CHECK(fa2_athena_sql_in(&b, "x", vals, 0) == FA2_ERR_INVALID);
	CHECK(fa2_athena_sql_in(&b, "x", hostile, 2) == FA2_ERR_INVALID);
	CHECK(buf_is(&b, "eventname IN ('a', 'o''b', 'c')")); /* a refused list leaves no trace */
	fa2_buf_cleanup(&b);
}

static const char page1[] =
	"{\"ResultSet\":{\"Rows\":["
	"{\"Data\":[{\"VarCharValue\":\"eventname\"},{\"VarCharValue\":\"errorcode\"}]},"
	"{\"Data\":[{\"VarCharValue\":\"PutRolePolicy\"},{\"VarCharValue\":\"AccessDenied\"}]},"
	"{\"Data\":[{\"VarCharValue\":\"RunInstances\"},{}]}],"
	"\"ResultSetMetadata\":{\"ColumnInfo\":[{\"Name\":\"eventname\",\"Type\":\"varchar\"},"
	"{\"Name\":\"errorcode\",\"Type\":\"varchar\"}]}},\"NextToken\":\"tok-2\"}";
static const char page2[] =
	"{\"ResultSet\":{\"Rows\":["
	"{\"Data\":[{\"VarCharValue\":\"A\"},{\"VarCharValue\":\"e1\"}]},"
	"{\"Data\":[{\"VarCharValue\":\"B\"}]},"
	"{\"Data\":[{\"VarCharValue\":\"C\"},{\"VarCharValue\":\"e3\"}]}],"
	"\"ResultSetMetadata\":{\"ColumnInfo\":[{\"Name\":\"eventname\"},{\"Name\":\"errorcode\"}]}}}";

FA2_TEST(athena_decode_pages)
{
	fa2_athena_result r;
	char tok[64];
	fa2_athena_result_init(&r);
	CHECK_OK(fa2_athena_decode_page(&r, fa2_slice_cstr(page1), 4, tok, sizeof tok));
	CHECK_STR_EQ(tok, "tok-2");
	CHECK(r.n_cols == 2 && r.n_rows == 2 && !r.truncated);
	CHECK(fa2_athena_col(&r, "ErrorCode") == 1 && fa2_athena_col(&r, "nope") == -1);
	CHECK_STR_EQ(fa2_athena_cell(&r, 0, 0), "PutRolePolicy");
	CHECK_STR_EQ(fa2_athena_cell(&r, 0, 1), "AccessDenied");
	CHECK(fa2_athena_cell(&r, 1, 1) == NULL); /* SQL NULL */
	CHECK(fa2_athena_cell(&r, 2, 0) == NULL && fa2_athena_cell(&r, 0, 2) == NULL);
	/* The second page has no header row; a ragged row gets NULLs; the cap cuts. */
	CHECK_OK(fa2_athena_decode_page(&r, fa2_slice_cstr(page2), 4, tok, sizeof tok));
	CHECK_STR_EQ(tok, "");
	CHECK(r.n_rows == 4 && r.truncated);
	CHECK_STR_EQ(fa2_athena_cell(&r, 2, 0), "A");
	CHECK(fa2_athena_cell(&r, 3, 1) == NULL);
	fa2_athena_result_cleanup(&r);

	/* A token too long for the caller's buffer, malformed shapes. */
	fa2_athena_result_init(&r);
	CHECK(fa2_athena_decode_page(&r, fa2_slice_cstr(page1), 10, tok, 4) == FA2_ERR_PARSE);
	fa2_athena_result_cleanup(&r);
	{
		static const char *const bad[] = {
			"", "[]", "{}", "{\"ResultSet\":[]}", "{\"ResultSet\":{\"Rows\":{}}}",
			"{\"ResultSet\":{\"Rows\":[{\"Data\":7}]}}",
			"{\"ResultSet\":{\"Rows\":[{\"Data\":[{\"VarCharValue\":\"h\"}]},{\"Data\":[3]}]}}",
			"{\"ResultSet\":{\"Rows\":[]},\"NextToken\":5}",
		};
		size_t i;
		for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			fa2_athena_result_init(&r);
			CHECK_MSG(fa2_athena_decode_page(&r, fa2_slice_cstr(bad[i]), 10, tok, sizeof tok) == FA2_ERR_PARSE,
				  "bad[%zu] accepted", i);
			fa2_athena_result_cleanup(&r);
		}
	}
	/* No ColumnInfo: the header row names the columns. */
	fa2_athena_result_init(&r);
	CHECK_OK(fa2_athena_decode_page(&r, fa2_slice_cstr("{\"ResultSet\":{\"Rows\":[{\"Data\":[{\"VarCharValue\":\"n\"}]},"
							   "{\"Data\":[{\"VarCharValue\":\"42\"}]}]}}"), 10, tok, sizeof tok));
	CHECK(r.n_cols == 1 && r.n_rows == 1 && fa2_athena_col(&r, "n") == 0);
	CHECK_STR_EQ(fa2_athena_cell(&r, 0, 0), "42");
	fa2_athena_result_cleanup(&r);
}

FA2_TEST(athena_decode_too_many_columns)
{
	fa2_athena_result r;
	fa2_buf b;
	char tok[8];
	unsigned i;
	fa2_buf_init(&b, 1 << 16);
	CHECK_OK(fa2_buf_append_cstr(&b, "{\"ResultSet\":{\"Rows\":[{\"Data\":["));
	for (i = 0; i <= FA2_ATHENA_MAX_COLS; i++)
		CHECK_OK(fa2_buf_appendf(&b, "%s{\"VarCharValue\":\"c%u\"}", i ? "," : "", i));
	CHECK_OK(fa2_buf_append_cstr(&b, "]}]}}"));
	fa2_athena_result_init(&r);
	CHECK(fa2_athena_decode_page(&r, fa2_buf_slice(&b), 10, tok, sizeof tok) == FA2_ERR_TOO_LARGE);
	fa2_athena_result_cleanup(&r);
	fa2_buf_cleanup(&b);
}

static void torture_decode(void *ctx)
{
	fa2_athena_result r;
	char tok[64];
	(void)ctx;
	fa2_athena_result_init(&r);
	if (fa2_athena_decode_page(&r, fa2_slice_cstr(page1), 10, tok, sizeof tok) == FA2_OK)
		(void)fa2_athena_decode_page(&r, fa2_slice_cstr(page2), 10, tok, sizeof tok);
	fa2_athena_result_cleanup(&r);
}

FA2_TEST(athena_decode_alloc_failures)
{
	CHECK(fa2_test_alloc_torture(torture_decode, NULL) > 5);
}

static void env_for(fa2_tool_env *env, fa2_config *cfg)
{
	memset(env, 0, sizeof *env);
	env->from_ms = 1764064355000LL;
	env->to_ms = 1764066155000LL;
	env->cfg = cfg;
}

FA2_TEST(athena_audit_sql)
{
	fa2_config cfg;
	fa2_tool_env env;
	fa2_buf sql;
	const char *bad;
	char msg[256];
	cJSON *in;
	const char *s;
	CHECK_OK(fa2_config_init(&cfg));
	CHECK_OK(fa2_config_load_json(&cfg, fa2_slice_cstr("{\"databaseName\":\"ct_db\",\"cloudTrailLogTableName\":\"ct\"}"),
				      "t", msg, sizeof msg));
	env_for(&env, &cfg);
	fa2_buf_init(&sql, FA2_ATHENA_MAX_QUERY);
	in = cJSON_Parse("{\"services\":[\"lambda\",\"iam.amazonaws.com\"],\"eventNames\":\"x'); DROP TABLE ct; --\","
			 "\"users\":[\"o'brien\",\"\\\\\"],\"resources\":[\"arn:aws:s3:::b/%_\"],\"maxEvents\":5000}");
	CHECK_OK(fa2_audit_log_athena_sql(&env, in, &sql, &bad));
	s = (const char *)sql.data;
	CHECK(strstr(s, "FROM \"ct_db\".\"ct\" WHERE eventtime >= '2025-11-25T09:52:35' AND eventtime < '2025-11-25T10:22:36'"));
	CHECK(strstr(s, "eventsource IN ('lambda.amazonaws.com', 'iam.amazonaws.com')"));
	CHECK(strstr(s, "eventname IN ('x''); DROP TABLE ct; --')"));
	CHECK(strstr(s, ", 'o''brien') > 0 OR strpos("));
	CHECK(strstr(s, ", '\\') > 0)"));
	CHECK(strstr(s, ", 'arn:aws:s3:::b/%_') > 0"));
	CHECK(strstr(s, "LIMIT 1000")); /* maxEvents clamped */
	cJSON_Delete(in);

	fa2_buf_reset(&sql);
	in = cJSON_Parse("{\"users\":[\"ok\",\"evil\\u0000\"]}");
	/* cJSON stops at the NUL: "evil" is a plain value; a control character is refused. */
	CHECK_OK(fa2_audit_log_athena_sql(&env, in, &sql, &bad));
	cJSON_Delete(in);
	fa2_buf_reset(&sql);
	in = cJSON_Parse("{\"users\":[\"line\\nbreak\"]}");
	CHECK(fa2_audit_log_athena_sql(&env, in, &sql, &bad) == FA2_ERR_INVALID);
	CHECK_STR_EQ(bad, "users");
	cJSON_Delete(in);
	fa2_buf_reset(&sql);
	in = cJSON_Parse("{\"resources\":[\"\\u001b[0m\"]}");
	CHECK(fa2_audit_log_athena_sql(&env, in, &sql, &bad) == FA2_ERR_INVALID);
	CHECK_STR_EQ(bad, "resources");
	cJSON_Delete(in);

	/* A table name that is not an identifier never reaches SQL. */
	fa2_free(cfg.cloudtrail_table);
	cfg.cloudtrail_table = fa2_strdup("ct\" ; DROP");
	fa2_buf_reset(&sql);
	in = cJSON_Parse("{}");
	CHECK(fa2_audit_log_athena_sql(&env, in, &sql, &bad) == FA2_ERR_INVALID);
	CHECK_STR_EQ(bad, "cloudTrailLogTableName");
	cJSON_Delete(in);
	fa2_buf_cleanup(&sql);
	fa2_config_cleanup(&cfg);
}

FA2_TEST(athena_alb_sql)
{
	fa2_config cfg;
	fa2_tool_env env;
	fa2_buf sql;
	const char *bad;
	char msg[256];
	cJSON *in;
	int i;
	CHECK_OK(fa2_config_init(&cfg));
	CHECK_OK(fa2_config_load_json(&cfg, fa2_slice_cstr("{\"databaseName\":\"db\",\"albAccessLogTableName\":\"alb\"}"),
				      "t", msg, sizeof msg));
	env_for(&env, &cfg);
	fa2_buf_init(&sql, FA2_ATHENA_MAX_QUERY);
	in = cJSON_Parse("{\"statusCodes\":[502,504],\"clientIps\":[\"10.0.0.1\"],\"paths\":[\"/a'b\"],"
			 "\"targetGroups\":[\"tg--x\"]}");
	for (i = 0; i < 5; i++) {
		const char *s;
		fa2_buf_reset(&sql);
		CHECK_OK(fa2_alb_log_sql(&env, in, i, &sql, &bad));
		s = (const char *)sql.data;
		CHECK(strstr(s, " FROM \"db\".\"alb\" WHERE time >= '2025-11-25T09:52:35' AND time < '2025-11-25T10:22:36'"));
		CHECK(strstr(s, "client_ip IN ('10.0.0.1')") && strstr(s, "'/a''b') > 0") && strstr(s, "'tg--x') > 0") &&
		      strstr(s, "elb_status_code IN (502, 504)"));
	}
	CHECK(fa2_alb_log_sql(&env, in, 5, &sql, &bad) == FA2_ERR_INVALID);
	cJSON_Delete(in);
	{
		static const char *const bad_in[] = { "{\"statusCodes\":[700]}", "{\"statusCodes\":[502.5]}",
						      "{\"statusCodes\":[\"502\"]}", "{\"clientIps\":[\"1.2.3.4\\r\"]}" };
		size_t k;
		for (k = 0; k < sizeof bad_in / sizeof bad_in[0]; k++) {
			in = cJSON_Parse(bad_in[k]);
			fa2_buf_reset(&sql);
			CHECK_MSG(fa2_alb_log_sql(&env, in, 0, &sql, &bad) == FA2_ERR_INVALID, "%s", bad_in[k]);
			cJSON_Delete(in);
		}
	}
	fa2_buf_cleanup(&sql);
	fa2_config_cleanup(&cfg);
}

FA2_TEST(athena_tools_registration_and_config)
{
	fa2_source *src = NULL;
	fa2_config cfg;
	fa2_tool_registry r;
	const fa2_tool *t;
	char msg[256];
	CHECK_OK(fa2_config_init(&cfg));
	CHECK_OK(fa2_config_load_json(&cfg, fa2_slice_cstr("{\"databaseName\":\"db\",\"cloudTrailLogTableName\":\"ct\","
							   "\"athenaWorkGroup\":\"wg\",\"athenaCatalog\":\"cat\","
							   "\"athenaOutputLocation\":\"s3://b/p/\"}"), "t", msg, sizeof msg));
	CHECK_STR_EQ(cfg.athena_workgroup, "wg");
	CHECK_STR_EQ(cfg.athena_catalog, "cat");
	CHECK_STR_EQ(cfg.athena_output_location, "s3://b/p/");
	fa2_tool_registry_init(&r);
	CHECK_OK(fa2_source_open_live(&cfg, NULL, "test", &src, msg, sizeof msg));
	CHECK_OK(fa2_tools_build(&r, src));
	fa2_source_close(src);
	src = NULL;
	t = fa2_tool_registry_find(&r, "audit_log_tool");
	CHECK(t == NULL ? 0 : t->execute == fa2_audit_log_athena_tool.execute);
	CHECK(!fa2_tool_registry_find(&r, "alb_log_tool"));
	CHECK_OK(fa2_config_load_json(&cfg, fa2_slice_cstr("{\"albAccessLogTableName\":\"alb\"}"), "t", msg, sizeof msg));
	fa2_tool_registry_init(&r);
	CHECK_OK(fa2_source_open_live(&cfg, NULL, "test", &src, msg, sizeof msg));
	CHECK_OK(fa2_tools_build(&r, src));
	fa2_source_close(src);
	CHECK(fa2_tool_registry_find(&r, "alb_log_tool") != NULL);
	t = fa2_tool_registry_find(&r, "alb_log_tool");
	CHECK(t && strstr(t->description[1], "ALB"));
	if (t) {
		cJSON *sch = cJSON_Parse(t->input_schema_json);
		CHECK(cJSON_IsObject(sch));
		cJSON_Delete(sch);
	}
	CHECK(fa2_config_load_json(&cfg, fa2_slice_cstr("{\"athenaOutputLocation\":\"/tmp/x\"}"), "t", msg, sizeof msg) ==
	      FA2_ERR_CONFIG);
	fa2_config_cleanup(&cfg);
}
