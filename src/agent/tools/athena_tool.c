/* Athena helpers of the agent tools (see athena_tool.h). */
#include "agent/tools/athena_tool.h"

#include <stdio.h>
#include <string.h>

#include "agent/config.h"
#include "agent/tools/common.h"
#include "base/time.h"

fa2_err fa2_tools_athena(const fa2_tool_env *env, const char *sql, size_t max_rows,
			 fa2_athena_result *r, fa2_buf *out)
{
	fa2_aws_client *c = env->aws;
	fa2_athena_query q;
	fa2_err e;

	memset(&q, 0, sizeof q);
	if (!c) {
		(void)fa2_buf_append_cstr(out, FA2_T(env, "athena: AWS is not available (no region or credentials configured)\n",
						     "athena: AWS を利用できません（リージョンか認証情報が設定されていません）\n"));
		return FA2_ERR_CONFIG;
	}
	q.sql = sql;
	q.max_rows = max_rows;
	q.deadline_mono_ms = env->deadline_mono_ms ? env->deadline_mono_ms : fa2_time_mono_ms() + 60000;
	if (env->cfg) {
		q.database = env->cfg->database_name;
		q.catalog = env->cfg->athena_catalog;
		q.workgroup = env->cfg->athena_workgroup;
		q.output_location = env->cfg->athena_output_location;
	}
	e = fa2_athena_run(c, &q, r);
	if (e) {
		(void)fa2_buf_appendf(out, "%s\n", r->error[0] ? r->error : fa2_err_str(e));
		if (e == FA2_ERR_TIMEOUT)
			(void)fa2_buf_append_cstr(out, FA2_T(env, "Narrow the filters or the time window and try again.\n",
							     "フィルタか期間を絞って再実行してください。\n"));
	}
	return e;
}

size_t fa2_tools_str_list(const cJSON *input, const char *key, const char **v, size_t cap)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(input, key), *x;
	const cJSON *arr = cJSON_IsArray(it) ? it : NULL;
	size_t n = 0;
	if (cap > FA2_TOOLS_MAX_LIST)
		cap = FA2_TOOLS_MAX_LIST;
	if (cJSON_IsString(it)) {
		if (*it->valuestring && cap > 0)
			v[n++] = it->valuestring;
		return n;
	}
	cJSON_ArrayForEach(x, arr)
	{
		if (n >= cap)
			break;
		if (cJSON_IsString(x) && *x->valuestring)
			v[n++] = x->valuestring;
	}
	return n;
}

fa2_err fa2_tools_sql_any_contains(fa2_buf *sql, const char *hay, const char *const *v, size_t n)
{
	size_t i;
	fa2_err e = FA2_OK;
	if (n == 0)
		return FA2_OK;
	e = fa2_buf_append_cstr(sql, " AND (");
	for (i = 0; !e && i < n; i++) {
		e = fa2_buf_appendf(sql, "%sstrpos(%s, ", i ? " OR " : "", hay);
		if (!e)
			e = fa2_athena_sql_string(sql, v[i]);
		if (!e)
			e = fa2_buf_append_cstr(sql, ") > 0");
	}
	if (!e)
		e = fa2_buf_append_byte(sql, ')');
	return e;
}
