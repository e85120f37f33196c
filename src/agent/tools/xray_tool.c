/* xray_tool: X-Ray traces in the incident window, written once over the data source
 * (source.h): the trace summaries matching the model's filter expression (live:
 * GetTraceSummaries, a few pages; snapshot: a subset of the filter language) give a
 * per-service summary (traces, faults, errors, throttles, mean and max response time)
 * and the root causes the summaries carry (FaultRootCauses / ErrorRootCauses), counted
 * and most frequent first; live, BatchGetTraces on up to 5 faulting traces adds the
 * exceptions of their segments. No raw documents. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/tools/common.h"
#include "agent/tools/tools.h"
#include "base/alloc.h"
#include "base/json.h"

#define XRAY_SERVICES   32
#define XRAY_FAULTY     5
#define XRAY_CAUSES     200
#define XRAY_SHOWN      20
#define XRAY_MAX_TRACES 100000u

static const char schema[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"filterExpression\":{\"type\":\"string\",\"description\":\"X-Ray filter, e.g. fault = true AND service(\\\"api\\\")\"}},"
	"\"additionalProperties\":false}";

typedef struct xsvc {
	const char *name;
	unsigned traces, faults, errors, throttles;
	double rt_sum, rt_max;
} xsvc;

typedef struct xcause {
	const fa2_tr_rootcause *rc;
	int fault;
	size_t count;
	int64_t first_ms, last_ms;
} xcause;

static int cause_cmp(const void *a, const void *b)
{
	const xcause *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->first_ms < y->first_ms ? -1 : x->first_ms > y->first_ms;
}

static int same_cause(const fa2_tr_rootcause *a, const fa2_tr_rootcause *b)
{
	return strcmp(a->service ? a->service : "", b->service ? b->service : "") == 0 &&
	       strcmp(a->entity ? a->entity : "", b->entity ? b->entity : "") == 0 &&
	       strcmp(a->exception ? a->exception : "", b->exception ? b->exception : "") == 0 &&
	       strcmp(a->message ? a->message : "", b->message ? b->message : "") == 0;
}

static void add_causes(xcause *cs, size_t *n, const fa2_tr_rootcause *rcs, size_t n_rc, int fault, int64_t t)
{
	size_t i, k;
	for (i = 0; i < n_rc; i++) {
		for (k = 0; k < *n && !(cs[k].fault == fault && same_cause(cs[k].rc, &rcs[i])); k++)
			;
		if (k == *n) {
			if (*n >= XRAY_CAUSES)
				continue;
			cs[k].rc = &rcs[i];
			cs[k].fault = fault;
			cs[k].first_ms = t;
			(*n)++;
		}
		cs[k].count++;
		cs[k].last_ms = t;
	}
}

static fa2_err xray_exec(void *ctx, const fa2_tool_env *env, const cJSON *input, fa2_buf *out)
{
	fa2_source *src = ctx;
	const char *filter = fa2_json_str(input, "filterExpression");
	fa2_src_traces r;
	xsvc svcs[XRAY_SERVICES];
	xcause *cs = NULL;
	const char *faulty[XRAY_FAULTY];
	size_t n_svcs = 0, n_cs = 0, n_faulty = 0, i, k;
	unsigned n_fault = 0, n_error = 0, details = 0;
	char t1[40], t2[40];
	fa2_err e;

	memset(&r, 0, sizeof r);
	fa2_tr_data_init(&r.own);
	e = src->ops->traces(src, env, filter && *filter ? filter : NULL, XRAY_MAX_TRACES, &r, out);
	if (e)
		goto cleanup;
	cs = fa2_calloc(XRAY_CAUSES, sizeof *cs);
	if (!cs) {
		e = FA2_ERR_NOMEM;
		goto cleanup;
	}
	for (i = 0; i < r.n; i++) {
		const fa2_tr_trace *tr = r.v[i];
		n_fault += tr->fault ? 1u : 0u;
		n_error += tr->error ? 1u : 0u;
		for (k = 0; k < tr->n_services; k++) {
			size_t j;
			for (j = 0; j < n_svcs && strcmp(svcs[j].name, tr->services[k]) != 0; j++)
				;
			if (j == n_svcs) {
				if (n_svcs >= XRAY_SERVICES)
					continue;
				memset(&svcs[j], 0, sizeof svcs[j]);
				svcs[j].name = tr->services[k];
				n_svcs++;
			}
			svcs[j].traces++;
			svcs[j].faults += tr->fault ? 1u : 0u;
			svcs[j].errors += tr->error ? 1u : 0u;
			svcs[j].throttles += tr->throttle ? 1u : 0u;
			svcs[j].rt_sum += tr->duration_s;
			if (tr->duration_s > svcs[j].rt_max)
				svcs[j].rt_max = tr->duration_s;
		}
		add_causes(cs, &n_cs, tr->faults, tr->n_faults, 1, tr->t_ms);
		add_causes(cs, &n_cs, tr->errors, tr->n_errors, 0, tr->t_ms);
		if ((tr->fault || tr->error) && n_faulty < XRAY_FAULTY && tr->id && *tr->id)
			faulty[n_faulty++] = tr->id;
	}
	fa2_tools_time(env->from_ms, t1, sizeof t1);
	fa2_tools_time(env->to_ms, t2, sizeof t2);
	(void)fa2_buf_appendf(out, FA2_T(env, "X-Ray%s %s .. %s%s%s: %zu traces, %u with faults, %u with errors%s\n",
					 "X-Ray%s %s .. %s%s%s: トレース %zu 件、フォールトあり %u、エラーあり %u%s\n"),
			      src->snap ? FA2_T(env, " (snapshot)", " (スナップショット)") : "", t1, t2,
			      filter && *filter ? " filter " : "", filter && *filter ? filter : "", r.n, n_fault, n_error,
			      r.more ? FA2_T(env, " (more exist: narrow the filter)", "（続きあり: filter で絞ってください）") : "");
	if (r.note)
		(void)fa2_buf_appendf(out, FA2_T(env, "Snapshot coverage: %s\n", "スナップショットの網羅状況: %s\n"), r.note);
	for (i = 0; i < n_svcs; i++)
		(void)fa2_buf_appendf(out, FA2_T(env, "  service %s: %u traces, %u faults, %u errors, %u throttled, "
						 "response mean %.3f s max %.3f s\n",
						 "  サービス %s: %u トレース、フォールト %u、エラー %u、スロットル %u、"
						 "応答 平均 %.3f 秒 最大 %.3f 秒\n"),
				      svcs[i].name, svcs[i].traces, svcs[i].faults, svcs[i].errors, svcs[i].throttles,
				      svcs[i].traces ? svcs[i].rt_sum / svcs[i].traces : 0.0, svcs[i].rt_max);
	if (n_cs) {
		qsort(cs, n_cs, sizeof *cs, cause_cmp);
		(void)fa2_buf_append_cstr(out, FA2_T(env, "root causes over the matching traces (most frequent first):\n",
						     "該当トレースの原因（多い順）:\n"));
		for (i = 0; i < n_cs && i < XRAY_SHOWN; i++) {
			const fa2_tr_rootcause *rc = cs[i].rc;
			fa2_tools_time(cs[i].first_ms, t1, sizeof t1);
			fa2_tools_time(cs[i].last_ms, t2, sizeof t2);
			(void)fa2_buf_appendf(out, "  %s %s/%s: %.100s: %.300s (x%zu, %s .. %s)\n", cs[i].fault ? "FAULT" : "ERROR",
					      rc->service && *rc->service ? rc->service : "?",
					      rc->entity && *rc->entity ? rc->entity : "?", rc->exception ? rc->exception : "",
					      rc->message ? rc->message : "", cs[i].count, t1, t2);
		}
		if (n_cs > XRAY_SHOWN)
			(void)fa2_buf_appendf(out, FA2_T(env, "  (%zu more causes not shown)\n", "  （他 %zu 件省略）\n"),
					      n_cs - XRAY_SHOWN);
	}
	if (src->ops->trace_details && n_faulty)
		(void)src->ops->trace_details(src, env, faulty, n_faulty, out, &details);
	if (!n_cs && !details && (n_fault || n_error))
		(void)fa2_buf_append_cstr(out, FA2_T(env, "  (no root causes recorded for the faulting traces)\n",
						     "  （フォールトのあるトレースに原因の記録なし）\n"));
	e = FA2_OK;
cleanup:
	fa2_free(cs);
	fa2_src_traces_cleanup(&r);
	return e;
}

const fa2_tool fa2_xray_tool = {
	"xray_tool",
	{ "X-Ray traces in the incident window: per-service trace, fault, error and latency "
	  "summary, and the root causes and exceptions of faulting traces. Narrow with an X-Ray "
	  "filterExpression.",
	  "インシデント期間の X-Ray トレース: サービスごとのトレース数・フォールト・エラー・レイテンシの要約と、"
	  "フォールトのあるトレースの原因と例外。X-Ray の filterExpression で絞り込めます。" },
	{ "give a filterExpression (e.g. service(\"api\") AND fault = true)",
	  "filterExpression を指定してください (例: service(\"api\") AND fault = true)" },
	schema, xray_exec, NULL
};
