/* Shared tool helpers (see common.h). */
#include "agent/tools/common.h"

#include <stdio.h>
#include <string.h>

#include "agent/config.h"
#include "aws/shared.h"
#include "base/alloc.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/time.h"

fa2_err fa2_tools_aws_call(const fa2_tool_env *env, const char *svc_name, const char *op,
			   const cJSON *input, cJSON **output, fa2_buf *out, fa2_aws_error *err_out)
{
	fa2_aws_client *c = NULL;
	const fa2_aws_service *svc = fa2_aws_service_find(svc_name);
	fa2_aws_error err;
	char msg[512], line[1600];
	int64_t left = env->deadline_mono_ms ? env->deadline_mono_ms - fa2_time_mono_ms() : 60000;
	int stage;
	fa2_err e;

	*output = NULL;
	memset(&err, 0, sizeof err);
	if (!svc) {
		e = FA2_ERR_INTERNAL;
		goto cleanup;
	}
	if (left <= 0) {
		e = FA2_ERR_TIMEOUT;
		(void)fa2_buf_appendf(out, "%s %s: %s\n", svc_name, op,
				      FA2_T(env, "no time left for this call", "この呼び出しの時間が残っていません"));
		goto cleanup;
	}
	e = fa2_aws_shared_get(env->cfg ? env->cfg->region : NULL, &c, msg, sizeof msg);
	if (e) {
		(void)fa2_buf_appendf(out, "%s %s: %s\n", svc_name, op, msg);
		goto cleanup;
	}
	e = fa2_aws_call_json(c, svc, op, input, FA2_MAX_HTTP_BODY_BYTES, left, output, &err, &stage);
	if (stage == FA2_AWS_JSON_CALL) {
		fa2_aws_error_format(&err, line, sizeof line);
		(void)fa2_buf_appendf(out, "%s %s: %s\n", svc_name, op, line);
	} else if (stage == FA2_AWS_JSON_REPLY) {
		(void)fa2_buf_appendf(out, "%s %s: %s\n", svc_name, op,
				      FA2_T(env, "the reply is not JSON", "応答が JSON ではありません"));
		e = FA2_ERR_PARSE;
	}
cleanup:
	if (err_out)
		*err_out = err;
	return e;
}

void fa2_tools_time(int64_t ms, char *buf, size_t cap)
{
	char tmp[64];
	size_t n = fa2_time_format_rfc3339(ms, 0, 0, tmp, sizeof tmp);
	if (n == 0 || n >= sizeof tmp) {
		snprintf(buf, cap, "?");
		return;
	}
	if (n > 10 && tmp[10] == 'T')
		tmp[10] = ' ';
	snprintf(buf, cap, "%s", tmp);
}

long fa2_tools_int(const cJSON *input, const char *key, long def, long lo, long hi)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(input, key);
	double d;
	if (!cJSON_IsNumber(v))
		return def;
	d = v->valuedouble;
	if (d != d)
		return def;
	if (d < (double)lo)
		return lo;
	if (d > (double)hi)
		return hi;
	return (long)d;
}

fa2_err fa2_tools_sql_quote(fa2_buf *out, const char *s)
{
	fa2_err e = FA2_OK;
	for (; *s && !e; s++)
		e = *s == '\'' ? fa2_buf_append_cstr(out, "''") : fa2_buf_append_byte(out, (unsigned char)*s);
	return e;
}
