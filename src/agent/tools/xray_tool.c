/* xray_tool: X-Ray traces in the incident window.
 *
 * GetTraceSummaries (epoch seconds, the model's filter expression, a few pages) gives a
 * per-service summary: traces, faults, errors, throttles, mean and max response time.
 * BatchGetTraces on up to 5 faulting traces then finds the root causes: the segments and
 * subsegments marked fault or error, with their exception messages. No raw documents. */
#include <stdio.h>
#include <string.h>

#include "agent/tools/common.h"
#include "agent/tools/tools.h"
#include "base/json.h"

#define XRAY_PAGES      5
#define XRAY_SERVICES   32
#define XRAY_FAULTY     5
#define XRAY_CAUSES     20

static const char schema[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"filterExpression\":{\"type\":\"string\",\"description\":\"X-Ray filter, e.g. fault = true AND service(\\\"api\\\")\"}},"
	"\"additionalProperties\":false}";

typedef struct svc_stat {
	char name[128];
	unsigned traces, faults, errors, throttles;
	double rt_sum, rt_max;
} svc_stat;

static svc_stat *svc_find(svc_stat *s, size_t *n, const char *name)
{
	size_t i;
	for (i = 0; i < *n; i++)
		if (strcmp(s[i].name, name) == 0)
			return &s[i];
	if (*n >= XRAY_SERVICES)
		return NULL;
	memset(&s[*n], 0, sizeof s[*n]);
	snprintf(s[*n].name, sizeof s[*n].name, "%s", name);
	return &s[(*n)++];
}

/* Walks a segment or subsegment for fault/error entries with causes. */
static void walk(const fa2_tool_env *env, const cJSON *seg, const char *service, fa2_buf *out,
		 unsigned *n, int depth)
{
	const cJSON *sub, *ex;
	int fault = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(seg, "fault"));
	int error = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(seg, "error"));
	const char *name = fa2_json_str(seg, "name");
	if (depth > 16 || *n >= XRAY_CAUSES)
		return;
	if (fault || error) {
		const cJSON *cause = cJSON_GetObjectItemCaseSensitive(seg, "cause");
		int any = 0;
		cJSON_ArrayForEach(ex, cJSON_GetObjectItemCaseSensitive(cause, "exceptions")) {
			if (*n >= XRAY_CAUSES)
				break;
			(void)fa2_buf_appendf(out, "  %s %s/%s: %.100s: %.300s\n", fault ? "FAULT" : "ERROR", service,
					      name ? name : "?", fa2_json_str(ex, "type") ? fa2_json_str(ex, "type") : "",
					      fa2_json_str(ex, "message") ? fa2_json_str(ex, "message") : "");
			(*n)++;
			any = 1;
		}
		if (!any && !cJSON_GetObjectItemCaseSensitive(seg, "subsegments")) {
			double st = 0;
			const cJSON *http = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(seg, "http"), "response");
			fa2_json_num(http, "status", &st);
			(void)fa2_buf_appendf(out, "  %s %s/%s%s", fault ? "FAULT" : "ERROR", service, name ? name : "?",
					      st > 0 ? "" : "\n");
			if (st > 0)
				(void)fa2_buf_appendf(out, FA2_T(env, " HTTP %d\n", " HTTP %d\n"), (int)st);
			(*n)++;
		}
	}
	cJSON_ArrayForEach(sub, cJSON_GetObjectItemCaseSensitive(seg, "subsegments"))
		walk(env, sub, service, out, n, depth + 1);
}

static fa2_err xray_exec(void *ctx, const fa2_tool_env *env, const cJSON *input, fa2_buf *out)
{
	const char *filter = fa2_json_str(input, "filterExpression");
	svc_stat stats[XRAY_SERVICES];
	char faulty[XRAY_FAULTY][80], token[2048] = "", t1[40], t2[40];
	size_t n_stats = 0, n_faulty = 0, i;
	unsigned traces = 0, causes = 0, n_fault = 0, n_error = 0;
	cJSON *req = NULL, *rep = NULL, *ids, *t;
	int page;
	fa2_err e = FA2_OK;

	(void)ctx;
	for (page = 0; page < XRAY_PAGES; page++) {
		req = cJSON_CreateObject();
		if (!req)
			return FA2_ERR_NOMEM;
		cJSON_AddNumberToObject(req, "StartTime", (double)(env->from_ms / 1000));
		cJSON_AddNumberToObject(req, "EndTime", (double)((env->to_ms + 999) / 1000));
		cJSON_AddBoolToObject(req, "Sampling", 0);
		if (filter && *filter)
			cJSON_AddStringToObject(req, "FilterExpression", filter);
		if (token[0])
			cJSON_AddStringToObject(req, "NextToken", token);
		e = fa2_tools_aws_call(env, "xray", "GetTraceSummaries", req, &rep, out, NULL);
		cJSON_Delete(req);
		req = NULL;
		if (e)
			goto cleanup;
		cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(rep, "TraceSummaries")) {
			const cJSON *sid, *list, *one;
			double rt = 0;
			int fault = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "HasFault"));
			int error = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "HasError"));
			int thr = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "HasThrottle"));
			traces++;
			n_fault += (unsigned)fault;
			n_error += (unsigned)error;
			fa2_json_num(t, "ResponseTime", &rt);
			list = cJSON_GetObjectItemCaseSensitive(t, "ServiceIds");
			/* Not reported (moto, partial data): count under the entry point, if any. */
			one = cJSON_GetArraySize(list) == 0 ? cJSON_GetObjectItemCaseSensitive(t, "EntryPoint") : NULL;
			for (sid = one ? one : cJSON_IsArray(list) ? list->child : NULL; sid; sid = one ? NULL : sid->next) {
				const char *nm = fa2_json_str(sid, "Name");
				svc_stat *s = nm ? svc_find(stats, &n_stats, nm) : NULL;
				if (!s)
					continue;
				s->traces++;
				s->faults += (unsigned)fault;
				s->errors += (unsigned)error;
				s->throttles += (unsigned)thr;
				s->rt_sum += rt;
				if (rt > s->rt_max)
					s->rt_max = rt;
			}
			if ((fault || error) && n_faulty < XRAY_FAULTY && fa2_json_str(t, "Id") &&
			    strlen(fa2_json_str(t, "Id")) < sizeof faulty[0])
				snprintf(faulty[n_faulty++], sizeof faulty[0], "%s", fa2_json_str(t, "Id"));
		}
		token[0] = '\0';
		if (fa2_json_str(rep, "NextToken") && strlen(fa2_json_str(rep, "NextToken")) < sizeof token)
			snprintf(token, sizeof token, "%s", fa2_json_str(rep, "NextToken"));
		cJSON_Delete(rep);
		rep = NULL;
		if (!token[0])
			break;
	}
	fa2_tools_time(env->from_ms, t1, sizeof t1);
	fa2_tools_time(env->to_ms, t2, sizeof t2);
	(void)fa2_buf_appendf(out, FA2_T(env, "X-Ray %s .. %s%s%s: %u traces, %u with faults, %u with errors%s\n",
					 "X-Ray %s .. %s%s%s: トレース %u 件、フォールトあり %u、エラーあり %u%s\n"),
			      t1, t2, filter && *filter ? " filter " : "", filter && *filter ? filter : "", traces, n_fault, n_error,
			      token[0] ? FA2_T(env, " (more pages: narrow the filter)", "（続きあり: filter で絞ってください）") : "");
	for (i = 0; i < n_stats; i++)
		(void)fa2_buf_appendf(out, FA2_T(env, "  service %s: %u traces, %u faults, %u errors, %u throttled, "
						 "response mean %.3f s max %.3f s\n",
						 "  サービス %s: %u トレース、フォールト %u、エラー %u、スロットル %u、"
						 "応答 平均 %.3f 秒 最大 %.3f 秒\n"),
				      stats[i].name, stats[i].traces, stats[i].faults, stats[i].errors, stats[i].throttles,
				      stats[i].traces ? stats[i].rt_sum / stats[i].traces : 0.0, stats[i].rt_max);
	if (n_faulty == 0)
		goto cleanup;
	req = cJSON_CreateObject();
	ids = req ? cJSON_AddArrayToObject(req, "TraceIds") : NULL;
	if (!ids) {
		e = FA2_ERR_NOMEM;
		goto cleanup;
	}
	for (i = 0; i < n_faulty; i++)
		cJSON_AddItemToArray(ids, cJSON_CreateString(faulty[i]));
	e = fa2_tools_aws_call(env, "xray", "BatchGetTraces", req, &rep, out, NULL);
	if (e)
		goto cleanup;
	(void)fa2_buf_appendf(out, FA2_T(env, "root causes in %zu faulting traces:\n", "フォールトのあるトレース %zu 件の原因:\n"),
			      n_faulty);
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(rep, "Traces")) {
		const cJSON *seg;
		cJSON_ArrayForEach(seg, cJSON_GetObjectItemCaseSensitive(t, "Segments")) {
			const char *doc = fa2_json_str(seg, "Document");
			cJSON *d = doc ? fa2_json_parse(fa2_slice_cstr(doc), NULL) : NULL;
			if (d)
				walk(env, d, fa2_json_str(d, "name") ? fa2_json_str(d, "name") : "?", out, &causes, 0);
			cJSON_Delete(d);
		}
	}
	if (causes == 0)
		(void)fa2_buf_append_cstr(out, FA2_T(env, "  (no fault details in the segments)\n", "  （セグメントに詳細なし）\n"));
cleanup:
	cJSON_Delete(req);
	cJSON_Delete(rep);
	return e;
}

const fa2_tool fa2_xray_tool = {
	"xray_tool",
	{ "X-Ray traces in the incident window: per-service trace, fault, error and latency "
	  "summary, and the exceptions of faulting traces. Narrow with an X-Ray filterExpression.",
	  "インシデント期間の X-Ray トレース: サービスごとのトレース数・フォールト・エラー・レイテンシの要約と、"
	  "フォールトのあるトレースの例外。X-Ray の filterExpression で絞り込めます。" },
	{ "give a filterExpression (e.g. service(\"api\") AND fault = true)",
	  "filterExpression を指定してください (例: service(\"api\") AND fault = true)" },
	schema, xray_exec, NULL
};
