/* alb_log_tool: Application Load Balancer access logs in Athena (the standard ALB
 * access-log table: time, elb, client_ip, target_ip, *_processing_time,
 * elb_status_code, target_status_code, request_verb, request_url, user_agent,
 * target_group_arn, trace_id, ...) over the incident window, filtered by target groups,
 * status codes, client IPs and paths. Aggregates rather than rows: status code counts,
 * overall latency percentiles (approx_percentile), the paths with the most errors,
 * errors per minute, and a few example requests with status >= 400. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/config.h"
#include "agent/tools/athena_tool.h"
#include "agent/tools/common.h"
#include "agent/tools/tools.h"
#include "base/time.h"

#define ALB_TOP_PATHS  15
#define ALB_MINUTES    180
#define ALB_EXAMPLES   8

static const char schema[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"targetGroups\":{\"type\":\"array\",\"maxItems\":20,\"items\":{\"type\":\"string\"},"
	"\"description\":\"target group names or ARNs (substring of target_group_arn)\"},"
	"\"statusCodes\":{\"type\":\"array\",\"maxItems\":20,\"items\":{\"type\":\"integer\",\"minimum\":100,\"maximum\":599},"
	"\"description\":\"ELB status codes, e.g. [502, 504]\"},"
	"\"clientIps\":{\"type\":\"array\",\"maxItems\":20,\"items\":{\"type\":\"string\"}},"
	"\"paths\":{\"type\":\"array\",\"maxItems\":20,\"items\":{\"type\":\"string\"},"
	"\"description\":\"URL path substrings, e.g. /api/pay\"}},"
	"\"additionalProperties\":false}";

/* The common FROM + WHERE of every query; *bad names the input a value was refused in. */
static fa2_err alb_from_where(fa2_buf *sql, const fa2_tool_env *env, const cJSON *input, const char **bad)
{
	const char *v[FA2_TOOLS_MAX_LIST];
	const cJSON *codes = cJSON_GetObjectItemCaseSensitive(input, "statusCodes"), *it;
	const cJSON *arr = cJSON_IsArray(codes) ? codes : NULL;
	size_t n, k = 0;
	fa2_err e = fa2_buf_append_cstr(sql, " FROM ");

	if (!e && (e = fa2_athena_sql_ident(sql, env->cfg->database_name)) == FA2_ERR_INVALID)
		*bad = "databaseName";
	if (!e)
		e = fa2_buf_append_byte(sql, '.');
	if (!e && (e = fa2_athena_sql_ident(sql, env->cfg->alb_table)) == FA2_ERR_INVALID)
		*bad = "albAccessLogTableName";
	if (!e)
		e = fa2_buf_append_cstr(sql, " WHERE time >= ");
	if (!e)
		e = fa2_athena_sql_iso_time(sql, env->from_ms);
	if (!e)
		e = fa2_buf_append_cstr(sql, " AND time < ");
	if (!e)
		e = fa2_athena_sql_iso_time(sql, env->to_ms + 1000);
	n = fa2_tools_str_list(input, "targetGroups", v, FA2_TOOLS_MAX_LIST);
	if (!e && (e = fa2_tools_sql_any_contains(sql, "coalesce(target_group_arn, '')", v, n)) == FA2_ERR_INVALID)
		*bad = "targetGroups";
	n = fa2_tools_str_list(input, "clientIps", v, FA2_TOOLS_MAX_LIST);
	if (!e && n) {
		e = fa2_buf_append_cstr(sql, " AND ");
		if (!e && (e = fa2_athena_sql_in(sql, "client_ip", v, n)) == FA2_ERR_INVALID)
			*bad = "clientIps";
	}
	n = fa2_tools_str_list(input, "paths", v, FA2_TOOLS_MAX_LIST);
	if (!e && (e = fa2_tools_sql_any_contains(sql, "coalesce(url_extract_path(request_url), request_url, '')",
						  v, n)) == FA2_ERR_INVALID)
		*bad = "paths";
	cJSON_ArrayForEach(it, arr)
	{
		double d = it->valuedouble;
		if (e || k >= FA2_TOOLS_MAX_LIST)
			break;
		if (!cJSON_IsNumber(it) || d < 100 || d > 599 || d != (double)(int)d) {
			*bad = "statusCodes";
			return FA2_ERR_INVALID;
		}
		e = fa2_buf_appendf(sql, "%s%d", k ? ", " : " AND elb_status_code IN (", (int)d);
		k++;
	}
	if (!e && k)
		e = fa2_buf_append_byte(sql, ')');
	return e;
}

#define ALB_P(col, q) "approx_percentile(CASE WHEN " col " >= 0 THEN " col " END, " q ")"

static const char *const alb_selects[] = {
	/* 0: overall */
	"SELECT count(*) AS requests, count_if(elb_status_code >= 500) AS elb_5xx, "
	"count_if(elb_status_code BETWEEN 400 AND 499) AS elb_4xx, "
	"count_if(target_status_code LIKE '5%') AS target_5xx, "
	"count_if(target_processing_time = -1) AS target_no_response, "
	ALB_P("target_processing_time", "0.5") " AS target_p50, "
	ALB_P("target_processing_time", "0.9") " AS target_p90, "
	ALB_P("target_processing_time", "0.99") " AS target_p99, "
	"max(target_processing_time) AS target_max, "
	ALB_P("request_processing_time", "0.99") " AS request_p99, "
	ALB_P("response_processing_time", "0.99") " AS response_p99",
	/* 1: status codes */
	"SELECT elb_status_code, target_status_code, count(*) AS requests",
	/* 2: paths */
	"SELECT request_verb, url_extract_path(request_url) AS path, count(*) AS requests, "
	"count_if(elb_status_code >= 500) AS elb_5xx, count_if(elb_status_code BETWEEN 400 AND 499) AS elb_4xx, "
	ALB_P("target_processing_time", "0.99") " AS target_p99",
	/* 3: per minute */
	"SELECT substr(time, 1, 16) AS minute, count(*) AS requests, count_if(elb_status_code >= 500) AS elb_5xx, "
	"count_if(elb_status_code BETWEEN 400 AND 499) AS elb_4xx, "
	ALB_P("target_processing_time", "0.99") " AS target_p99",
	/* 4: examples */
	"SELECT time, client_ip, target_ip, elb_status_code, target_status_code, request_verb, "
	"substr(request_url, 1, 200) AS request_url, target_processing_time, substr(user_agent, 1, 80) AS user_agent, "
	"target_group_arn, trace_id",
};

static const char *const alb_tails[] = {
	"",
	" GROUP BY 1, 2 ORDER BY requests DESC LIMIT 30",
	" GROUP BY 1, 2 ORDER BY elb_5xx DESC, elb_4xx DESC, requests DESC LIMIT 15",
	" GROUP BY 1 ORDER BY 1 LIMIT 180",
	" AND elb_status_code >= 400 ORDER BY time DESC LIMIT 8",
};

/* The five queries' SQL for input (i in 0..4); exposed for tests. */
fa2_err fa2_alb_log_sql(const fa2_tool_env *env, const cJSON *input, int i, fa2_buf *sql, const char **bad);
fa2_err fa2_alb_log_sql(const fa2_tool_env *env, const cJSON *input, int i, fa2_buf *sql, const char **bad)
{
	fa2_err e;
	*bad = NULL;
	if (i < 0 || i > 4)
		return FA2_ERR_INVALID;
	e = fa2_buf_append_cstr(sql, alb_selects[i]);
	if (!e)
		e = alb_from_where(sql, env, input, bad);
	if (!e)
		e = fa2_buf_append_cstr(sql, alb_tails[i]);
	return e;
}

static const char *cell(const fa2_athena_result *r, size_t row, const char *col)
{
	long c = fa2_athena_col(r, col);
	const char *v = c >= 0 ? fa2_athena_cell(r, row, (size_t)c) : NULL;
	return v ? v : "-";
}

/* Latency cell in ms when it is a number of seconds, else as it is. */
static void secs(char *buf, size_t cap, const char *v)
{
	char *end = NULL;
	double d;
	if (!v || strcmp(v, "-") == 0) {
		snprintf(buf, cap, "-");
		return;
	}
	d = strtod(v, &end);
	if (end && end != v && *end == '\0' && d < 0)
		snprintf(buf, cap, "none"); /* -1: the target did not answer */
	else if (end && end != v && *end == '\0')
		snprintf(buf, cap, "%.0fms", d * 1000.0);
	else
		snprintf(buf, cap, "%.20s", v);
}

static void render(const fa2_tool_env *env, int i, const fa2_athena_result *r, fa2_buf *out)
{
	size_t k;
	char a[32], b[32], c[32], d[32];
	switch (i) {
	case 0:
		secs(a, sizeof a, cell(r, 0, "target_p50"));
		secs(b, sizeof b, cell(r, 0, "target_p90"));
		secs(c, sizeof c, cell(r, 0, "target_p99"));
		secs(d, sizeof d, cell(r, 0, "target_max"));
		(void)fa2_buf_appendf(out, FA2_T(env, "requests=%s elb_5xx=%s elb_4xx=%s target_5xx=%s target_no_response=%s\n"
						      "target latency p50=%s p90=%s p99=%s max=%s",
						 "リクエスト=%s elb_5xx=%s elb_4xx=%s target_5xx=%s ターゲット無応答=%s\n"
						 "ターゲット処理時間 p50=%s p90=%s p99=%s 最大=%s"),
				      cell(r, 0, "requests"), cell(r, 0, "elb_5xx"), cell(r, 0, "elb_4xx"),
				      cell(r, 0, "target_5xx"), cell(r, 0, "target_no_response"), a, b, c, d);
		secs(a, sizeof a, cell(r, 0, "request_p99"));
		secs(b, sizeof b, cell(r, 0, "response_p99"));
		(void)fa2_buf_appendf(out, "; request p99=%s response p99=%s\n", a, b);
		break;
	case 1:
		(void)fa2_buf_append_cstr(out, FA2_T(env, "status codes (elb/target: requests):", "ステータス (elb/target: 件数):"));
		for (k = 0; k < r->n_rows; k++)
			(void)fa2_buf_appendf(out, " %s/%s:%s", cell(r, k, "elb_status_code"), cell(r, k, "target_status_code"),
					      cell(r, k, "requests"));
		(void)fa2_buf_append_byte(out, '\n');
		break;
	case 2:
		(void)fa2_buf_append_cstr(out, FA2_T(env, "paths with most errors:\n", "エラーの多いパス:\n"));
		for (k = 0; k < r->n_rows && k < ALB_TOP_PATHS; k++) {
			secs(a, sizeof a, cell(r, k, "target_p99"));
			(void)fa2_buf_appendf(out, "  %s %.200s requests=%s 5xx=%s 4xx=%s p99=%s\n", cell(r, k, "request_verb"),
					      cell(r, k, "path"), cell(r, k, "requests"), cell(r, k, "elb_5xx"),
					      cell(r, k, "elb_4xx"), a);
		}
		break;
	case 3:
		(void)fa2_buf_append_cstr(out, FA2_T(env, "per minute (UTC) requests/5xx/4xx/p99:\n",
						     "分ごと (UTC) リクエスト/5xx/4xx/p99:\n"));
		for (k = 0; k < r->n_rows && k < ALB_MINUTES; k++) {
			const char *m = cell(r, k, "minute");
			secs(a, sizeof a, cell(r, k, "target_p99"));
			(void)fa2_buf_appendf(out, "  %.16s %s/%s/%s/%s\n", m, cell(r, k, "requests"), cell(r, k, "elb_5xx"),
					      cell(r, k, "elb_4xx"), a);
		}
		break;
	default:
		(void)fa2_buf_append_cstr(out, FA2_T(env, "example requests with status >= 400 (newest first):\n",
						     "ステータス 400 以上のリクエスト例 (新しい順):\n"));
		for (k = 0; k < r->n_rows && k < ALB_EXAMPLES; k++) {
			secs(a, sizeof a, cell(r, k, "target_processing_time"));
			(void)fa2_buf_appendf(out, "  %.32s %s -> %s elb=%s target=%s %s %.200s target_time=%s tg=%.120s "
					      "trace=%.80s ua=%.80s\n",
					      cell(r, k, "time"), cell(r, k, "client_ip"), cell(r, k, "target_ip"),
					      cell(r, k, "elb_status_code"), cell(r, k, "target_status_code"),
					      cell(r, k, "request_verb"), cell(r, k, "request_url"), a,
					      cell(r, k, "target_group_arn"), cell(r, k, "trace_id"), cell(r, k, "user_agent"));
		}
		break;
	}
}

static fa2_err alb_exec(void *ctx, const fa2_tool_env *env_in, const cJSON *input, fa2_buf *out)
{
	fa2_tool_env envs, *env = &envs;
	fa2_buf sql;
	const char *bad = NULL;
	char t1[40], t2[40];
	int i, ok = 0;
	fa2_err e = FA2_OK, last = FA2_OK;

	fa2_source_env(ctx, env_in, &envs); /* the live source's AWS client */
	fa2_buf_init(&sql, FA2_ATHENA_MAX_QUERY);
	if (!env->cfg || !env->cfg->database_name || !env->cfg->alb_table) {
		e = FA2_ERR_CONFIG;
		goto cleanup;
	}
	fa2_tools_time(env->from_ms, t1, sizeof t1);
	fa2_tools_time(env->to_ms, t2, sizeof t2);
	(void)fa2_buf_appendf(out, FA2_T(env, "ALB access logs (Athena %s.%s) in %s .. %s:\n",
					 "ALB アクセスログ (Athena %s.%s) 期間 %s .. %s:\n"),
			      env->cfg->database_name, env->cfg->alb_table, t1, t2);
	for (i = 0; i < 5; i++) {
		fa2_athena_result r;
		fa2_buf_reset(&sql);
		e = fa2_alb_log_sql(env, input, i, &sql, &bad);
		if (e) {
			if (e == FA2_ERR_INVALID)
				(void)fa2_buf_appendf(out, FA2_T(env, "%s: a value is not usable in a query (control characters, "
								      "invalid UTF-8, too long, or a status code outside 100..599)\n",
								 "%s: 検索に使えない値です（制御文字、不正な UTF-8、長すぎる、100..599 外のステータス）\n"),
						      bad ? bad : "input");
			goto cleanup;
		}
		fa2_athena_result_init(&r);
		last = fa2_tools_athena(env, (const char *)sql.data, 200, &r, out);
		if (!last) {
			render(env, i, &r, out);
			ok++;
		}
		fa2_athena_result_cleanup(&r);
		if (last == FA2_ERR_TIMEOUT || (last && i == 0))
			break; /* no time left, or the table itself is unusable (the first query is the simplest) */
	}
	e = ok ? FA2_OK : last;
cleanup:
	fa2_buf_cleanup(&sql);
	return e;
}

const fa2_tool fa2_alb_log_tool = {
	"alb_log_tool",
	{ "Application Load Balancer access logs (Athena) in the incident window, aggregated: "
	  "status code counts, latency percentiles, the paths with the most errors, errors per "
	  "minute and a few example failing requests. Filter with targetGroups, statusCodes, "
	  "clientIps, paths.",
	  "インシデント期間の ALB アクセスログ (Athena) の集計: ステータスコード別件数、レイテンシの"
	  "パーセンタイル、エラーの多いパス、分ごとのエラー数、失敗したリクエストの例。targetGroups、"
	  "statusCodes、clientIps、paths で絞り込めます。" },
	{ "give targetGroups, statusCodes, clientIps or paths",
	  "targetGroups、statusCodes、clientIps、paths のいずれかを指定してください" },
	schema, alb_exec, NULL
};
