/* metrics_tool: CloudWatch metrics in the incident window, written once over the data
 * source (source.h).
 *
 * The source lists and fetches the series (live: ListMetrics over all pages, namespaces
 * with the "AWS/" prefix unless the model names one, then GetMetricData, one Average
 * series per metric at a period that keeps each under 1,440 points; snapshot: the
 * captured series with their own statistic). Each series is summarised by src/triage's
 * analysis (min/max/mean/last, change points, spikes) and the series are ranked by the
 * strength of their findings: never a raw dump of the data points. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/tools/common.h"
#include "agent/tools/tools.h"
#include "base/alloc.h"
#include "base/json.h"
#include "aws/cloudwatch.h"
#include "base/time.h"
#include "triage/metric.h"

#define METRICS_MAX_SERIES   500
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
		fa2_cw_points_sort(ss[i].t, ss[i].v, ss[i].n);
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

void fa2_metrics_series_free_points(fa2_metrics_series *ss, size_t n)
{
	size_t i;
	for (i = 0; ss && i < n; i++) {
		fa2_free(ss[i].t);
		fa2_free(ss[i].v);
		ss[i].t = NULL;
		ss[i].v = NULL;
		ss[i].n = ss[i].cap = 0;
	}
}

fa2_err fa2_metrics_tool_fetch_summarise(const fa2_tool_env *env, const cJSON *metrics, long period,
					 int truncated, fa2_buf *out)
{
	const cJSON *m;
	fa2_cw_query *qs = NULL;
	fa2_cw_series *cs = NULL;
	series *ss = NULL;
	fa2_aws_outcome oc;
	size_t n = (size_t)cJSON_GetArraySize(metrics), i;
	fa2_cw_fetch f;
	fa2_err e = FA2_ERR_NOMEM;

	if (n == 0)
		return FA2_OK;
	if (!env->aws) {
		(void)fa2_buf_append_cstr(out, FA2_T(env, "AWS is not available\n", "AWS を利用できません\n"));
		return FA2_ERR_CONFIG;
	}
	qs = fa2_calloc(n, sizeof *qs);
	cs = fa2_calloc(n, sizeof *cs);
	ss = fa2_calloc(n, sizeof *ss);
	if (!qs || !cs || !ss)
		goto cleanup;
	i = 0;
	cJSON_ArrayForEach(m, metrics) {
		qs[i].metric = m;
		ss[i++].metric = (cJSON *)m;
	}
	memset(&f, 0, sizeof f);
	f.queries = qs;
	f.n = n;
	f.from_ms = env->from_ms;
	f.to_ms = env->to_ms;
	f.period_s = period;
	f.deadline_mono_ms = env->deadline_mono_ms;
	e = fa2_cw_get_metric_data(env->aws, &f, cs, &oc);
	if (e) {
		fa2_tools_aws_failure(env, "monitoring", "GetMetricData", e, &oc, out);
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		ss[i].t = cs[i].t_ms;
		ss[i].v = cs[i].v;
		ss[i].n = cs[i].n;
		ss[i].cap = cs[i].cap;
		memset(&cs[i], 0, sizeof cs[i]);
	}
	e = fa2_metrics_tool_summarise(env, ss, n, period, "Average", truncated, out);
cleanup:
	for (i = 0; cs && i < n; i++)
		fa2_cw_series_cleanup(&cs[i]);
	fa2_metrics_series_free_points(ss, n);
	fa2_free(ss);
	fa2_free(cs);
	fa2_free(qs);
	return e;
}

static fa2_err metrics_exec(void *ctx, const fa2_tool_env *env, const cJSON *input, fa2_buf *out)
{
	fa2_source *src = ctx;
	fa2_src_metrics_req q;
	fa2_src_metrics r;
	fa2_err e;

	memset(&q, 0, sizeof q);
	memset(&r, 0, sizeof r);
	q.ns = fa2_json_str(input, "namespace");
	q.name = fa2_json_str(input, "metricName");
	q.dims = cJSON_GetObjectItemCaseSensitive(input, "dimensions");
	q.max_series = (size_t)fa2_tools_int(input, "maxSeries", 100, 1, METRICS_MAX_SERIES);
	e = src->ops->metrics(src, env, &q, &r, out);
	if (e)
		goto cleanup;
	if (r.n == 0) {
		(void)fa2_buf_append_cstr(out, src->snap
			? FA2_T(env, "no metrics matched in the snapshot; list without metricName/dimensions or name "
				     "another namespace\n",
				"スナップショットに該当するメトリクスがありません。metricName/dimensions を外すか別の名前空間を指定してください\n")
			: FA2_T(env, "no metrics matched; list without metricName/dimensions or name another namespace\n",
				"該当するメトリクスがありません。metricName/dimensions を外すか別の名前空間を指定してください\n"));
		goto cleanup;
	}
	e = fa2_metrics_tool_summarise(env, r.ss, r.n, r.period_s, r.stat ? r.stat : "Average", r.truncated, out);
cleanup:
	fa2_src_metrics_cleanup(&r);
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
