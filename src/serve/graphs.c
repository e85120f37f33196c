/* Metric graphs in the report's thread: see graphs.h. */
#include "serve/graphs.h"

#include <stdio.h>
#include <string.h>

#include "aws/alarms.h"
#include "aws/session.h"
#include "base/alloc.h"
#include "base/log.h"
#include "base/time.h"
#include "base/tz.h"
#include "crypto/encode.h"
#include "slack/blocks.h"

static int metric_eq(const fa2_slack_metric *a, const fa2_slack_metric *b)
{
	unsigned i;
	/* the region is not compared: a metric the report cites again is the alarm's, drawn
	 * once, in the alarm's region */
	if (strcmp(a->ns, b->ns) || strcmp(a->name, b->name) || a->ndims != b->ndims)
		return 0;
	for (i = 0; i < a->ndims; i++)
		if (strcmp(a->dim_name[i], b->dim_name[i]) || strcmp(a->dim_value[i], b->dim_value[i]))
			return 0;
	return 1;
}

/* Adds m unless present or full. */
static void add_metric(fa2_slack_metric *out, size_t *n, size_t max, const fa2_slack_metric *m)
{
	size_t i;
	if (*n >= max || !m->ns[0] || !m->name[0])
		return;
	for (i = 0; i < *n; i++)
		if (metric_eq(&out[i], m))
			return;
	out[(*n)++] = *m;
}

/* A metrics_tool input {namespace, metricName, dimensions:[{name, value}]} as a metric.
 * Returns 0 unless it names both a namespace and a metric. */
static int from_input(const cJSON *in, fa2_slack_metric *m)
{
	const char *ns = fa2_json_str(in, "namespace"), *name = fa2_json_str(in, "metricName");
	const cJSON *d;
	memset(m, 0, sizeof *m);
	if (!ns || !*ns || !name || !*name || strlen(ns) >= sizeof m->ns || strlen(name) >= sizeof m->name)
		return 0;
	snprintf(m->ns, sizeof m->ns, "%s", ns);
	snprintf(m->name, sizeof m->name, "%s", name);
	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(in, "dimensions")) {
		const char *dn = fa2_json_str(d, "name"), *dv = fa2_json_str(d, "value");
		if (!dn || !dv || m->ndims >= FA2_SLACK_GRAPH_DIMS) /* a name without a value matches all: no single graph */
			return 0;
		snprintf(m->dim_name[m->ndims], sizeof m->dim_name[0], "%s", dn);
		snprintf(m->dim_value[m->ndims], sizeof m->dim_value[0], "%s", dv);
		m->ndims++;
	}
	return 1;
}

/* An alarm metric as a graph metric in region. Returns 0 unless it names both a namespace
 * and a metric name and fits. */
static int from_alarm_metric(const fa2_alarm_metric *am, const char *region, fa2_slack_metric *m)
{
	size_t i;
	memset(m, 0, sizeof *m);
	if (!am->ns || !am->name || strlen(am->ns) >= sizeof m->ns || strlen(am->name) >= sizeof m->name ||
	    am->n_dims > FA2_SLACK_GRAPH_DIMS || (region && strlen(region) >= sizeof m->region))
		return 0;
	snprintf(m->region, sizeof m->region, "%s", region ? region : "");
	snprintf(m->ns, sizeof m->ns, "%s", am->ns);
	snprintf(m->name, sizeof m->name, "%s", am->name);
	for (i = 0; i < am->n_dims; i++) {
		if (strlen(am->dims[i].name) >= sizeof m->dim_name[0] || strlen(am->dims[i].value) >= sizeof m->dim_value[0])
			return 0;
		snprintf(m->dim_name[i], sizeof m->dim_name[0], "%s", am->dims[i].name);
		snprintf(m->dim_value[i], sizeof m->dim_value[0], "%s", am->dims[i].value);
	}
	m->ndims = (unsigned)am->n_dims;
	return 1;
}

size_t fa2_slack_graph_metrics(const cJSON *report, const fa2_alarm *alarm, fa2_slack_metric *out, size_t max)
{
	fa2_slack_metric m;
	const cJSON *c;
	size_t n = 0, i;
	if (alarm) {
		if (from_alarm_metric(&alarm->metric, alarm->region, &m))
			add_metric(out, &n, max, &m);
		for (i = 0; i < alarm->n_queries; i++)
			if (alarm->queries[i].has_metric && from_alarm_metric(&alarm->queries[i].metric, alarm->region, &m))
				add_metric(out, &n, max, &m);
	}
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(report, "agent"),
	                                                       "toolCalls")) {
		const char *tool = fa2_json_str(c, "tool");
		if (tool && strcmp(tool, "metrics_tool") == 0 && from_input(cJSON_GetObjectItemCaseSensitive(c, "input"), &m))
			add_metric(out, &n, max, &m);
	}
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(report, "references")) {
		const char *tool = fa2_json_str(c, "tool"), *q = fa2_json_str(c, "query");
		cJSON *in;
		if (!tool || strcmp(tool, "metrics_tool") != 0 || !q)
			continue;
		in = fa2_json_parse(fa2_slice_cstr(q), NULL);
		if (in && from_input(in, &m))
			add_metric(out, &n, max, &m);
		cJSON_Delete(in);
	}
	return n;
}

cJSON *fa2_slack_graph_widget(const fa2_slack_metric *m, int64_t from_ms, int64_t to_ms, int64_t mark_ms,
                              const char *mark_label, const char *region)
{
	cJSON *w = cJSON_CreateObject(), *metrics, *row;
	char t0[40], t1[40], title[600];
	int64_t span_s = (to_ms - from_ms) / 1000, period;
	unsigned i;
	if (!w)
		return NULL;
	if (span_s < 60)
		span_s = 60;
	period = (span_s + 1439) / 1440;          /* at most 1,440 points */
	period = (period + 59) / 60 * 60;         /* a multiple of 60 s */
	if (period < 60)
		period = 60;
	fa2_time_format_rfc3339(from_ms, 0, 0, t0, sizeof t0);
	fa2_time_format_rfc3339(to_ms, 0, 0, t1, sizeof t1);
	snprintf(title, sizeof title, "%s %s", m->ns, m->name);
	metrics = cJSON_AddArrayToObject(w, "metrics");
	row = cJSON_CreateArray();
	if (!metrics || !row || !cJSON_AddItemToArray(metrics, row))
		goto fail;
	if (!cJSON_AddItemToArray(row, cJSON_CreateString(m->ns)) || !cJSON_AddItemToArray(row, cJSON_CreateString(m->name)))
		goto fail;
	for (i = 0; i < m->ndims; i++)
		if (!cJSON_AddItemToArray(row, cJSON_CreateString(m->dim_name[i])) ||
		    !cJSON_AddItemToArray(row, cJSON_CreateString(m->dim_value[i])))
			goto fail;
	if (!cJSON_AddStringToObject(w, "view", "timeSeries") || !cJSON_AddFalseToObject(w, "stacked") ||
	    !cJSON_AddStringToObject(w, "stat", "Average") || !cJSON_AddNumberToObject(w, "period", (double)period) ||
	    !cJSON_AddStringToObject(w, "start", t0) || !cJSON_AddStringToObject(w, "end", t1) ||
	    !cJSON_AddStringToObject(w, "title", title) || !cJSON_AddNumberToObject(w, "width", 800) ||
	    !cJSON_AddNumberToObject(w, "height", 400) || !cJSON_AddStringToObject(w, "timezone", "+0000") ||
	    (region && *region && !cJSON_AddStringToObject(w, "region", region)))
		goto fail;
	if (mark_ms >= from_ms && mark_ms <= to_ms && mark_ms > 0) {
		cJSON *ann = cJSON_AddObjectToObject(w, "annotations");
		cJSON *vert = ann ? cJSON_AddArrayToObject(ann, "vertical") : NULL;
		cJSON *a = cJSON_CreateObject();
		char tm[40];
		fa2_time_format_rfc3339(mark_ms, 0, 0, tm, sizeof tm);
		if (!vert || !a || !cJSON_AddItemToArray(vert, a)) {
			cJSON_Delete(a);
			goto fail;
		}
		if (!cJSON_AddStringToObject(a, "label", mark_label && *mark_label ? mark_label : "ALARM") ||
		    !cJSON_AddStringToObject(a, "value", tm))
			goto fail;
	}
	return w;
fail:
	cJSON_Delete(w);
	return NULL;
}

/* GetMetricWidgetImage for widget: the decoded PNG into png. */
static fa2_err render(fa2_aws_client *c, const cJSON *widget, int64_t timeout_ms, fa2_buf *png)
{
	const fa2_aws_service *svc = fa2_aws_service_find("cloudwatch");
	cJSON *in = cJSON_CreateObject(), *res = NULL;
	char *wtext = cJSON_PrintUnformatted(widget);
	fa2_buf body, out;
	fa2_aws_error err;
	fa2_aws_call_opts opts;
	const char *b64;
	fa2_err e = FA2_ERR_NOMEM;

	fa2_buf_init(&body, 64u * 1024u);
	fa2_buf_init(&out, FA2_SLACK_GRAPH_MAX_PNG * 2u);
	memset(&opts, 0, sizeof opts);
	opts.timeout_ms = timeout_ms;
	if (!svc || !in || !wtext || !cJSON_AddStringToObject(in, "MetricWidget", wtext) ||
	    !cJSON_AddStringToObject(in, "OutputFormat", "png") || fa2_json_append(&body, in) != FA2_OK)
		goto cleanup;
	e = fa2_aws_call(c, svc, "GetMetricWidgetImage", fa2_buf_slice(&body), &out, &err, &opts);
	if (e) {
		char line[1600];
		fa2_aws_error_format(&err, line, sizeof line);
		FA2_LOGW("slack", "GetMetricWidgetImage: %s", line);
		goto cleanup;
	}
	res = fa2_json_parse(fa2_buf_slice(&out), NULL);
	b64 = fa2_json_str(res, "MetricWidgetImage");
	if (!b64) {
		FA2_LOGW("slack", "GetMetricWidgetImage: the answer has no MetricWidgetImage");
		e = FA2_ERR_PARSE;
		goto cleanup;
	}
	e = fa2_base64_decode(fa2_slice_cstr(b64), FA2_B64_STD, png);
	if (!e && (png->len < 8 || memcmp(png->data, "\x89PNG\r\n\x1a\n", 8) != 0)) {
		FA2_LOGW("slack", "GetMetricWidgetImage: the image is not a PNG");
		e = FA2_ERR_PARSE;
	}
cleanup:
	cJSON_free(wtext);
	cJSON_Delete(in);
	cJSON_Delete(res);
	fa2_buf_cleanup(&body);
	fa2_buf_cleanup(&out);
	return e;
}

/* The sessions the graphs need: [0] the analysis region, [1] the alarm's when it is
 * another one (only the alarm's metrics carry a region, and an alarm has one). */
typedef struct graph_sessions {
	int open[2], failed[2];
	fa2_aws_session sess[2];
} graph_sessions;

/* The client for region ("": the analysis region o->region), opened on first use; NULL
 * when it cannot be set up (logged once). */
static fa2_aws_client *session_for(graph_sessions *g, const char *region, const fa2_slack_graph_opts *o,
                                   int64_t timeout)
{
	char msg[512];
	int k = region[0] && !(o->region && strcmp(region, o->region) == 0);
	const char *want = k ? region : o->region;
	if (g->open[k])
		return &g->sess[k].client;
	if (g->failed[k])
		return NULL;
	if (fa2_aws_session_open(&g->sess[k], NULL, want, timeout, msg, sizeof msg) != FA2_OK) {
		FA2_LOGW("slack", "metric graphs in %s skipped: %s", want ? want : "the default region", msg);
		fa2_aws_session_close(&g->sess[k]);
		g->failed[k] = 1;
		return NULL;
	}
	g->open[k] = 1;
	return &g->sess[k].client;
}

int fa2_slack_graph_zone(cJSON *widget, const fa2_tz *tz, int64_t at_ms, char *title_out, size_t cap)
{
	const char *title = fa2_json_str(widget, "title");
	char zone[16], name[sizeof tz->name + 64], t[700];
	fa2_tz_info inf;
	unsigned a;
	int off;
	if (!title)
		return 0;
	snprintf(title_out, cap, "%s", title);
	if (!tz)
		return 1;
	fa2_tz_lookup(tz, at_ms, &inf);
	off = inf.off_s / 60;
	a = (unsigned)(off < 0 ? -off : off) % (24u * 60u); /* |offset| < 24 h */
	snprintf(zone, sizeof zone, "%c%02u%02u", off < 0 ? '-' : '+', a / 60u, a % 60u);
	if (inf.abbr[0] && strcmp(inf.abbr, tz->name) != 0)
		snprintf(name, sizeof name, "%s (%s, %.3s:%.2s)", tz->name, inf.abbr, zone, zone + 3);
	else
		snprintf(name, sizeof name, "%s (%.3s:%.2s)", tz->name[0] ? tz->name : "UTC", zone, zone + 3);
	snprintf(t, sizeof t, "%s · %s", title, name);
	snprintf(title_out, cap, "%s", t);
	return cJSON_ReplaceItemInObjectCaseSensitive(widget, "timezone", cJSON_CreateString(zone)) &&
	       cJSON_ReplaceItemInObjectCaseSensitive(widget, "title", cJSON_CreateString(t));
}

fa2_err fa2_slack_post_graphs(fa2_slack_api *api, const char *channel, const char *thread,
                              const cJSON *report, const fa2_slack_graph_opts *o, unsigned *posted)
{
	fa2_slack_metric *ms = NULL;
	graph_sessions g;
	fa2_buf png;
	char fname[96], title[600];
	size_t n, i;
	fa2_err first = FA2_OK, e;
	int64_t timeout = o->timeout_ms > 0 ? o->timeout_ms : 20000;
	/* whole seconds, as the form's window is: a change in the window's last second is in it */
	int64_t mark_ms = o->alarm ? o->alarm->changed_ms / 1000 * 1000 : 0;

	*posted = 0;
	memset(&g, 0, sizeof g);
	fa2_buf_init(&png, FA2_SLACK_GRAPH_MAX_PNG);
	ms = fa2_malloc(FA2_SLACK_GRAPHS_MAX * sizeof *ms);
	if (!ms) {
		first = FA2_ERR_NOMEM;
		goto cleanup;
	}
	n = fa2_slack_graph_metrics(report, o->alarm, ms, FA2_SLACK_GRAPHS_MAX);
	if (!n) {
		FA2_LOGI("slack", "no metric graph: neither the alarm nor the report names a CloudWatch metric");
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		const char *region = ms[i].region[0] ? ms[i].region : o->region;
		fa2_aws_client *c = session_for(&g, ms[i].region, o, timeout);
		cJSON *w = c ? fa2_slack_graph_widget(&ms[i], o->from_ms, o->to_ms, mark_ms, "ALARM", region) : NULL;
		if (w && !fa2_slack_graph_zone(w, o->tz, o->to_ms, title, sizeof title)) {
			cJSON_Delete(w);
			w = NULL;
		}
		fa2_buf_reset(&png);
		e = !c ? FA2_ERR_CONFIG : w ? render(c, w, timeout, &png) : FA2_ERR_NOMEM;
		cJSON_Delete(w);
		if (!e) {
			snprintf(fname, sizeof fname, "fa2-metric-%zu.png", i + 1);
			e = fa2_slack_upload_file(api, channel, thread, fname, title, NULL, fa2_buf_slice(&png));
			if (e)
				FA2_LOGW("slack", "graph %s: upload failed: %s", title, fa2_err_str(e));
		} else {
			FA2_LOGW("slack", "graph %s %s: not rendered (%s)", ms[i].ns, ms[i].name, fa2_err_str(e));
		}
		if (e && !first)
			first = e;
		if (!e)
			(*posted)++;
	}
cleanup:
	for (i = 0; i < 2; i++)
		if (g.open[i])
			fa2_aws_session_close(&g.sess[i]);
	fa2_free(ms);
	fa2_buf_cleanup(&png);
	return first;
}
