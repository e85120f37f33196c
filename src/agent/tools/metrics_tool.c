/* metrics_tool: CloudWatch metrics of the account's AWS services in the incident window.
 *
 * ListMetrics over all pages (namespaces with the "AWS/" prefix unless the model names a
 * namespace; the model may narrow by namespace, metric name and dimensions), then
 * GetMetricData in batches of at most 500 queries (the API limit), one Average series per
 * metric at a period that keeps each series under 1,440 points. Each series is summarised
 * by src/triage's analysis (min/max/mean/last, change points, spikes) and the series are
 * ranked by the strength of their findings: never a raw dump of the data points. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/config.h"
#include "agent/tools/common.h"
#include "agent/tools/tools.h"
#include "base/alloc.h"
#include "base/json.h"
#include "base/time.h"
#include "triage/metric.h"

#define METRICS_BATCH        500   /* GetMetricData: MetricDataQueries per call */
#define METRICS_MAX_SERIES   500
#define METRICS_MAX_PAGES    50
#define METRICS_MAX_POINTS   1440
#define METRICS_SHOWN        30

static const char schema[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"namespace\":{\"type\":\"string\",\"description\":\"e.g. AWS/ApplicationELB (default: every AWS/ namespace)\"},"
	"\"metricName\":{\"type\":\"string\"},"
	"\"dimensions\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":"
	"{\"name\":{\"type\":\"string\"},\"value\":{\"type\":\"string\"}},\"required\":[\"name\"]}},"
	"\"maxSeries\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":500}},"
	"\"additionalProperties\":false}";

typedef fa2_metrics_series series;

static double json_time_ms(const cJSON *t)
{
	int64_t ms;
	if (cJSON_IsNumber(t))
		return t->valuedouble * 1000.0;
	if (cJSON_IsString(t) && fa2_time_parse(fa2_slice_cstr(t->valuestring), 0, 0, &ms) == FA2_OK)
		return (double)ms;
	return -1;
}

fa2_err fa2_metrics_tool_list(const fa2_tool_env *env, const cJSON *input, long max_series,
			      cJSON *keep, fa2_buf *out, int *truncated)
{
	const char *recent = fa2_json_str(input, "recentlyActive");
	const char *ns = fa2_json_str(input, "namespace"), *name = fa2_json_str(input, "metricName");
	const cJSON *dims = cJSON_GetObjectItemCaseSensitive(input, "dimensions"), *d;
	char token[2048] = "";
	int page;
	fa2_err e = FA2_OK;

	for (page = 0; page < METRICS_MAX_PAGES; page++) {
		cJSON *req = cJSON_CreateObject(), *rep = NULL, *m, *list;
		if (!req)
			return FA2_ERR_NOMEM;
		if ((ns && *ns && !cJSON_AddStringToObject(req, "Namespace", ns)) ||
		    (name && *name && !cJSON_AddStringToObject(req, "MetricName", name)) ||
		    (recent && *recent && !cJSON_AddStringToObject(req, "RecentlyActive", recent)) ||
		    (token[0] && !cJSON_AddStringToObject(req, "NextToken", token))) {
			cJSON_Delete(req);
			return FA2_ERR_NOMEM;
		}
		if (cJSON_IsArray(dims) && cJSON_GetArraySize(dims) > 0) {
			cJSON *df = cJSON_AddArrayToObject(req, "Dimensions");
			cJSON_ArrayForEach(d, dims) {
				cJSON *o = cJSON_CreateObject();
				const char *dn = fa2_json_str(d, "name"), *dv = fa2_json_str(d, "value");
				if (!df || !o || !dn) {
					cJSON_Delete(o);
					continue;
				}
				cJSON_AddStringToObject(o, "Name", dn);
				if (dv)
					cJSON_AddStringToObject(o, "Value", dv);
				cJSON_AddItemToArray(df, o);
			}
		}
		e = fa2_tools_aws_call(env, "monitoring", "ListMetrics", req, &rep, out, NULL);
		cJSON_Delete(req);
		if (e)
			return e;
		list = cJSON_GetObjectItemCaseSensitive(rep, "Metrics");
		cJSON_ArrayForEach(m, list) {
			const char *mns = fa2_json_str(m, "Namespace");
			if (!mns || (!(ns && *ns) && strncmp(mns, "AWS/", 4) != 0))
				continue;
			if (cJSON_GetArraySize(keep) >= max_series) {
				*truncated = 1;
				break;
			}
			cJSON_AddItemToArray(keep, cJSON_Duplicate(m, 1));
		}
		token[0] = '\0';
		if (fa2_json_str(rep, "NextToken") && !*truncated) {
			const char *nt = fa2_json_str(rep, "NextToken");
			if (strlen(nt) < sizeof token)
				memcpy(token, nt, strlen(nt) + 1);
		}
		cJSON_Delete(rep);
		if (!token[0])
			break;
	}
	return FA2_OK;
}

static fa2_err add_point(series *s, int64_t t, double v)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 64;
		int64_t *nt;
		double *nv;
		if (nc > METRICS_MAX_POINTS * 4)
			return FA2_OK; /* more than asked for: ignore the excess */
		nt = fa2_malloc(nc * sizeof *nt);
		nv = fa2_malloc(nc * sizeof *nv);
		if (!nt || !nv) {
			fa2_free(nt);
			fa2_free(nv);
			return FA2_ERR_NOMEM;
		}
		if (s->n) {
			memcpy(nt, s->t, s->n * sizeof *nt);
			memcpy(nv, s->v, s->n * sizeof *nv);
		}
		fa2_free(s->t);
		fa2_free(s->v);
		s->t = nt;
		s->v = nv;
		s->cap = nc;
	}
	s->t[s->n] = t;
	s->v[s->n++] = v;
	return FA2_OK;
}

/* One GetMetricData batch [first, first + count), all pages. */
static fa2_err get_batch(const fa2_tool_env *env, series *ss, size_t first, size_t count,
			 long period, fa2_buf *out)
{
	char token[4096] = "";
	int page;
	fa2_err e = FA2_OK;
	for (page = 0; page < METRICS_MAX_PAGES; page++) {
		cJSON *req = cJSON_CreateObject(), *rep = NULL, *qs, *r;
		size_t i;
		if (!req || !(qs = cJSON_AddArrayToObject(req, "MetricDataQueries")))
			goto nomem;
		for (i = 0; i < count; i++) {
			cJSON *q = cJSON_CreateObject(), *ms, *mc;
			char id[16];
			if (!q)
				goto nomem;
			cJSON_AddItemToArray(qs, q);
			snprintf(id, sizeof id, "m%zu", first + i);
			cJSON_AddStringToObject(q, "Id", id);
			ms = cJSON_AddObjectToObject(q, "MetricStat");
			mc = ms ? cJSON_Duplicate(ss[first + i].metric, 1) : NULL;
			if (!mc)
				goto nomem;
			cJSON_AddItemToObject(ms, "Metric", mc);
			cJSON_AddNumberToObject(ms, "Period", (double)period);
			cJSON_AddStringToObject(ms, "Stat", "Average");
			cJSON_AddBoolToObject(q, "ReturnData", 1);
		}
		cJSON_AddNumberToObject(req, "StartTime", (double)(env->from_ms / 1000));
		cJSON_AddNumberToObject(req, "EndTime", (double)((env->to_ms + 999) / 1000));
		cJSON_AddStringToObject(req, "ScanBy", "TimestampAscending");
		if (token[0])
			cJSON_AddStringToObject(req, "NextToken", token);
		e = fa2_tools_aws_call(env, "monitoring", "GetMetricData", req, &rep, out, NULL);
		cJSON_Delete(req);
		if (e)
			return e;
		cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(rep, "MetricDataResults")) {
			const char *id = fa2_json_str(r, "Id");
			const cJSON *ts = cJSON_GetObjectItemCaseSensitive(r, "Timestamps");
			const cJSON *vs = cJSON_GetObjectItemCaseSensitive(r, "Values");
			uint64_t idx;
			int k, nts;
			if (!id || id[0] != 'm' || fa2_parse_u64(fa2_slice_cstr(id + 1), &idx) ||
			    idx < first || idx >= first + count)
				continue;
			nts = cJSON_GetArraySize(ts);
			for (k = 0; k < nts && k < cJSON_GetArraySize(vs); k++) {
				double t = json_time_ms(cJSON_GetArrayItem(ts, k));
				const cJSON *v = cJSON_GetArrayItem(vs, k);
				if (t < 0 || !cJSON_IsNumber(v))
					continue;
				if (add_point(&ss[idx], (int64_t)t, v->valuedouble)) {
					cJSON_Delete(rep);
					return FA2_ERR_NOMEM;
				}
			}
		}
		token[0] = '\0';
		if (fa2_json_str(rep, "NextToken") && strlen(fa2_json_str(rep, "NextToken")) < sizeof token)
			snprintf(token, sizeof token, "%s", fa2_json_str(rep, "NextToken"));
		cJSON_Delete(rep);
		if (!token[0])
			break;
		continue;
nomem:
		cJSON_Delete(req);
		return FA2_ERR_NOMEM;
	}
	return FA2_OK;
}

static void sort_points(series *s)
{
	/* Insertion sort: the service returns them ascending already (ScanBy), so this is
	 * linear in practice; it only guards the analysis's precondition. */
	size_t i, j;
	for (i = 1; i < s->n; i++) {
		int64_t t = s->t[i];
		double v = s->v[i];
		for (j = i; j > 0 && s->t[j - 1] > t; j--) {
			s->t[j] = s->t[j - 1];
			s->v[j] = s->v[j - 1];
		}
		s->t[j] = t;
		s->v[j] = v;
	}
}

static int series_cmp(const void *a, const void *b)
{
	const series *x = a, *y = b;
	if (x->r.score != y->r.score)
		return x->r.score > y->r.score ? -1 : 1;
	if ((x->n > 0) != (y->n > 0))
		return x->n > 0 ? -1 : 1;
	return 0;
}

static void describe(const fa2_tool_env *env, const series *s, fa2_buf *out)
{
	const cJSON *m = s->metric, *d;
	char t1[40];
	size_t k;
	(void)fa2_buf_appendf(out, "\n%s %s", fa2_json_str(m, "Namespace") ? fa2_json_str(m, "Namespace") : "?",
			      fa2_json_str(m, "MetricName") ? fa2_json_str(m, "MetricName") : "?");
	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(m, "Dimensions")) {
		const char *dn = fa2_json_str(d, "Name"), *dv = fa2_json_str(d, "Value");
		(void)fa2_buf_appendf(out, " %s=%s", dn ? dn : "?", dv ? dv : "?");
	}
	if (s->stat)
		(void)fa2_buf_appendf(out, " (%s)", s->stat);
	if (s->n == 0) {
		(void)fa2_buf_append_cstr(out, FA2_T(env, ": no data in the window\n", ": 期間内のデータなし\n"));
		return;
	}
	(void)fa2_buf_appendf(out, "\n  n=%zu min=%.6g max=%.6g mean=%.6g last=%.6g", s->n, s->r.min, s->r.max,
			      s->r.mean, s->r.last);
	if (s->r.base_n)
		(void)fa2_buf_appendf(out, FA2_T(env, " baseline=%.6g", " ベースライン=%.6g"), s->r.base_median);
	(void)fa2_buf_append_byte(out, '\n');
	for (k = 0; k < s->r.n_shifts; k++) {
		fa2_tools_time(s->r.shifts[k].t_ms, t1, sizeof t1);
		(void)fa2_buf_appendf(out, FA2_T(env, "  change at %s: %.6g -> %.6g (z=%.1f)\n",
						 "  変化点 %s: %.6g -> %.6g (z=%.1f)\n"),
				      t1, s->r.shifts[k].before, s->r.shifts[k].after, s->r.shifts[k].z);
	}
	if (s->r.n_spikes) {
		fa2_tools_time(s->r.first_spike_ms, t1, sizeof t1);
		(void)fa2_buf_appendf(out, FA2_T(env, "  %zu anomalous points, first at %s, largest %.6g (z=%.1f)\n",
						 "  異常点 %zu 個、最初 %s、最大 %.6g (z=%.1f)\n"),
				      s->r.n_spikes, t1, s->r.max_spike_value, s->r.max_spike_z);
	}
}

fa2_err fa2_metrics_tool_summarise(const fa2_tool_env *env, fa2_metrics_series *ss, size_t n, long period,
				   const char *stat, int truncated, fa2_buf *out)
{
	size_t i, with_data = 0, flagged = 0;
	char t1[40], t2[40];
	fa2_err e;
	for (i = 0; i < n; i++) {
		if (ss[i].n == 0)
			continue;
		sort_points(&ss[i]);
		e = fa2_tr_metric_analyze(ss[i].t, ss[i].v, ss[i].n, 0, &ss[i].r);
		if (e)
			return e;
		ss[i].analysed = 1;
		with_data++;
		if (ss[i].r.score > 0)
			flagged++;
	}
	qsort(ss, n, sizeof *ss, series_cmp);
	fa2_tools_time(env->from_ms, t1, sizeof t1);
	fa2_tools_time(env->to_ms, t2, sizeof t2);
	(void)fa2_buf_appendf(out, FA2_T(env, "%zu metrics (%zu with data, %zu with changes or anomalies) in %s .. %s, "
					 "period %ld s, %s%s; strongest findings first\n",
					 "メトリクス %zu 件（データあり %zu、変化・異常あり %zu）期間 %s .. %s、周期 %ld 秒、%s%s。所見の強い順\n"),
			      n, with_data, flagged, t1, t2, period, stat,
			      truncated ? FA2_T(env, " (list cut at maxSeries: narrow by namespace or metricName)",
						" （maxSeries で打ち切り: namespace か metricName で絞ってください）") : "");
	for (i = 0; i < n && i < METRICS_SHOWN; i++)
		describe(env, &ss[i], out);
	if (n > METRICS_SHOWN)
		(void)fa2_buf_appendf(out, FA2_T(env, "\n(%zu more series without stronger findings not shown)\n",
						 "\n（他 %zu 系列は省略）\n"), n - METRICS_SHOWN);
	return FA2_OK;
}

long fa2_metrics_tool_period(int64_t span_ms)
{
	int64_t span_s = span_ms / 1000;
	if (span_s > 60L * METRICS_MAX_POINTS)
		return (long)((span_s / METRICS_MAX_POINTS + 59) / 60 * 60);
	return 60;
}

fa2_err fa2_metrics_tool_fetch_summarise(const fa2_tool_env *env, const cJSON *metrics, long period,
					 int truncated, fa2_buf *out)
{
	const cJSON *m;
	series *ss = NULL;
	size_t n = (size_t)cJSON_GetArraySize(metrics), i;
	fa2_err e = FA2_OK;

	if (n == 0)
		return FA2_OK;
	ss = fa2_malloc(n * sizeof *ss);
	if (!ss)
		return FA2_ERR_NOMEM;
	memset(ss, 0, n * sizeof *ss);
	i = 0;
	cJSON_ArrayForEach(m, metrics)
		ss[i++].metric = (cJSON *)m;
	for (i = 0; i < n; i += METRICS_BATCH) {
		e = get_batch(env, ss, i, n - i < METRICS_BATCH ? n - i : METRICS_BATCH, period, out);
		if (e)
			goto cleanup;
	}
	e = fa2_metrics_tool_summarise(env, ss, n, period, "Average", truncated, out);
cleanup:
	for (i = 0; i < n; i++) {
		fa2_free(ss[i].t);
		fa2_free(ss[i].v);
	}
	fa2_free(ss);
	return e;
}

static fa2_err metrics_exec(void *ctx, const fa2_tool_env *env, const cJSON *input, fa2_buf *out)
{
	cJSON *keep = cJSON_CreateArray();
	long max_series = fa2_tools_int(input, "maxSeries", 100, 1, METRICS_MAX_SERIES);
	int truncated = 0;
	fa2_err e = FA2_ERR_NOMEM;

	(void)ctx;
	if (!keep)
		goto cleanup;
	e = fa2_metrics_tool_list(env, input, max_series, keep, out, &truncated);
	if (e)
		goto cleanup;
	if (cJSON_GetArraySize(keep) == 0) {
		(void)fa2_buf_append_cstr(out, FA2_T(env, "no metrics matched; list without metricName/dimensions "
						     "or name another namespace\n",
						     "該当するメトリクスがありません。metricName/dimensions を外すか別の名前空間を指定してください\n"));
		e = FA2_OK;
		goto cleanup;
	}
	e = fa2_metrics_tool_fetch_summarise(env, keep, fa2_metrics_tool_period(env->to_ms - env->from_ms), truncated,
					     out);
cleanup:
	cJSON_Delete(keep);
	return e;
}

const fa2_tool fa2_metrics_tool = {
	"metrics_tool",
	{ "CloudWatch metrics of the AWS services (namespaces AWS/...) in the incident window: per "
	  "series min/max/mean/last, change points and anomalous points, strongest findings first. "
	  "Narrow with namespace, metricName and dimensions.",
	  "インシデント期間の AWS サービスの CloudWatch メトリクス (AWS/... 名前空間) を、系列ごとの "
	  "最小/最大/平均/最終値、変化点、異常点として、所見の強い順に返します。namespace、metricName、"
	  "dimensions で絞り込めます。" },
	{ "give a namespace and metricName, or dimensions, or a smaller maxSeries",
	  "namespace と metricName、または dimensions を指定するか、maxSeries を小さくしてください" },
	schema, metrics_exec, NULL
};
