/* fa2 snapshot's capture: see capture.h and docs/snapshot.md. */
#include "triage/capture.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "aws/alarms.h"
#include "aws/cloudtrail.h"
#include "aws/cloudwatch.h"
#include "aws/logs.h"
#include "aws/xray.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/time.h"

#define MOD "snapshot"
#define HOUR_MS 3600000LL
#define CALL_TIMEOUT_MS 60000LL  /* one paginated call (its retries included) */

struct cap {
	fa2_aws_client *c;
	const fa2_capture_opts *o;
	fa2_capture_stats *st;
	cJSON *files, *errors, *alarm, *coverage;
	cJSON *rows;              /* logs: rows of the query being read */
	const char *group;        /* logs: the group when there is only one */
	size_t n_files;
	int sources_ok;
	fa2_err sink_err;         /* first failure to store a response */
};

static void add_error_line(struct cap *k, const char *source, const char *line)
{
	cJSON *x = cJSON_CreateObject();
	FA2_LOGW(MOD, "%s: %s", source, line);
	if (x && cJSON_AddStringToObject(x, "source", source) && cJSON_AddStringToObject(x, "error", line))
		cJSON_AddItemToArray(k->errors, x);
	else
		cJSON_Delete(x);
	k->st->errors++;
}

static void add_error(struct cap *k, const char *source, const char *service, const char *op, fa2_err e,
		      const fa2_aws_outcome *oc)
{
	char line[1700];
	if (oc)
		fa2_aws_outcome_line(service, op, e, oc, line, sizeof line);
	else
		snprintf(line, sizeof line, "%s", fa2_err_str(e));
	add_error_line(k, source, line);
}

static void time_text(int64_t ms, int with_ms, char *out, size_t cap)
{
	if (!fa2_time_format_rfc3339(ms, 0, with_ms, out, cap))
		snprintf(out, cap, "?");
}

/* Stores one response: written under the snapshot (listed in the manifest with its
 * request params, which it takes) or decoded into memory. */
static fa2_err save(struct cap *k, const char *sub, const char *base, const char *kind, const char *api,
		    fa2_slice body, cJSON *params, cJSON *extra)
{
	const fa2_capture_opts *o = k->o;
	char rel[256], path[4096];
	cJSON *f = NULL;
	fa2_err e = FA2_OK;

	k->n_files++;
	if (o->into) {
		if (!strcmp(kind, "logs")) {
			e = fa2_tr_parse_logs(o->into, body, k->group);
		} else if (!strcmp(kind, "metrics")) {
			fa2_buf q;
			fa2_buf_init(&q, FA2_MAX_CONFIG_BYTES);
			e = fa2_json_append(&q, cJSON_GetObjectItemCaseSensitive(params, "MetricDataQueries"));
			if (!e)
				e = fa2_tr_parse_metrics(o->into, body, fa2_buf_slice(&q));
			fa2_buf_cleanup(&q);
		} else if (!strcmp(kind, "cloudtrail")) {
			e = fa2_tr_parse_events(o->into, body);
		} else {
			e = fa2_tr_parse_traces(o->into, body);
		}
		goto done;
	}
	snprintf(rel, sizeof rel, "%s/%s-%03zu.json", sub, base, k->n_files);
	if (snprintf(path, sizeof path, "%s/%s", o->out_dir, rel) >= (int)sizeof path) {
		e = FA2_ERR_INVALID;
		goto done;
	}
	if ((e = fa2_file_write_atomic(path, body.len ? body.ptr : "{}", body.len ? body.len : 2, 0644)))
		goto done;
	f = cJSON_CreateObject();
	if (!f || !cJSON_AddStringToObject(f, "path", rel) || !cJSON_AddStringToObject(f, "kind", kind) ||
	    !cJSON_AddStringToObject(f, "api", api)) {
		e = FA2_ERR_NOMEM;
		goto done;
	}
	if (params) {
		cJSON_AddItemToObject(f, "params", params);
		params = NULL;
	}
	if (extra) {
		cJSON_AddItemToObject(f, "range", extra);
		extra = NULL;
	}
	cJSON_AddItemToArray(k->files, f);
	f = NULL;
done:
	cJSON_Delete(f);
	cJSON_Delete(params);
	cJSON_Delete(extra);
	if (!e)
		k->st->files++;
	else if (!k->sink_err)
		k->sink_err = e;
	return e;
}

/* ---- logs ---- */

static fa2_err logs_row(void *ctx, const cJSON *row, int64_t t_ms)
{
	struct cap *k = ctx;
	(void)t_ms;
	return cJSON_AddItemToArray(k->rows, cJSON_Duplicate(row, 1)) ? FA2_OK : FA2_ERR_NOMEM;
}

static fa2_err logs_done(void *ctx, const fa2_logs_query *q, int64_t from_ms, int64_t to_ms, size_t kept,
			 const fa2_logs_result *r)
{
	struct cap *k = ctx;
	cJSON *doc = cJSON_CreateObject(), *params = cJSON_CreateObject(), *groups, *range = cJSON_CreateObject(), *stats;
	char *text = NULL, t[40];
	size_t i;
	fa2_err e = FA2_ERR_NOMEM;

	if (!doc || !params || !range || !cJSON_AddStringToObject(doc, "status", "Complete") ||
	    !cJSON_AddItemToObject(doc, "results", k->rows))
		goto cleanup;
	k->rows = cJSON_CreateArray();
	stats = cJSON_AddObjectToObject(doc, "statistics");
	if (!k->rows || !stats || (r->matched >= 0 && !cJSON_AddNumberToObject(stats, "recordsMatched", r->matched)))
		goto cleanup;
	groups = cJSON_AddArrayToObject(params, "logGroupNames");
	for (i = 0; groups && i < q->n_groups; i++)
		cJSON_AddItemToArray(groups, cJSON_CreateString(q->groups[i]));
	if (!groups || !cJSON_AddStringToObject(params, "queryString", q->query) ||
	    !cJSON_AddNumberToObject(params, "startTime", (double)q->start_s) ||
	    !cJSON_AddNumberToObject(params, "endTime", (double)q->end_s) ||
	    !cJSON_AddNumberToObject(params, "limit", (double)q->limit))
		goto cleanup;
	time_text(from_ms, 1, t, sizeof t);
	cJSON_AddStringToObject(range, "from", t);
	time_text(to_ms, 1, t, sizeof t);
	cJSON_AddStringToObject(range, "to", t);
	cJSON_AddNumberToObject(range, "kept", (double)kept);
	text = cJSON_PrintUnformatted(doc);
	if (!text)
		goto cleanup;
	k->st->log_rows += kept;
	e = save(k, "logs", "insights", "logs", "logs:GetQueryResults", fa2_slice_cstr(text), params, range);
	params = range = NULL;
cleanup:
	cJSON_free(text);
	cJSON_Delete(doc);
	cJSON_Delete(params);
	cJSON_Delete(range);
	return e;
}

static cJSON *range_json(const fa2_logs_range *r)
{
	cJSON *x = cJSON_CreateObject();
	char t[40];
	if (!x)
		return NULL;
	time_text(r->from_ms, 1, t, sizeof t);
	cJSON_AddStringToObject(x, "from", t);
	time_text(r->to_ms, 1, t, sizeof t);
	cJSON_AddStringToObject(x, "to", t);
	if (r->missing >= 0)
		cJSON_AddNumberToObject(x, "rows_missing", r->missing);
	else
		cJSON_AddNullToObject(x, "rows_missing");
	return x;
}

static void capture_logs(struct cap *k)
{
	const fa2_capture_opts *o = k->o;
	size_t budget = o->max_log_queries ? o->max_log_queries : FA2_CAPTURE_LOG_QUERIES, queries = 0, dropped = 0;
	double estimated = 0;
	int partial = 0, estimate_known = 1, failed = 0;
	cJSON *cov = cJSON_CreateObject(), *ranges = cov ? cJSON_AddArrayToObject(cov, "partial") : NULL;
	fa2_logs_composed info;
	fa2_buf stages;
	char msg[300];
	int64_t t;

	memset(&info, 0, sizeof info);
	fa2_buf_init(&stages, 4u * FA2_LOGS_MAX_QUERY);
	k->group = o->n_log_groups == 1 ? o->log_groups[0] : NULL;
	if (!ranges || fa2_logs_compose(o->query, NULL, &stages, &info, msg, sizeof msg) != FA2_OK || info.aggregate) {
		add_error_line(k, "logs", !ranges ? "out of memory" : info.aggregate
			       ? "--query: a stats query gives aggregates, not log events" : msg[0] ? msg : "--query is too long");
		failed = 1;
		goto done;
	}
	if (info.base_limit)
		FA2_LOGW(MOD, "logs: the query's limit %ld is ignored: the capture keeps every row", info.base_limit);
	for (t = o->from_ms;; t += HOUR_MS) {
		fa2_logs_read rd;
		fa2_logs_coverage lc;
		fa2_logs_result fail;
		size_t i;
		fa2_err e;
		memset(&rd, 0, sizeof rd);
		rd.groups = o->log_groups;
		rd.n_groups = o->n_log_groups;
		rd.stages = stages.data;
		rd.from_ms = t;
		rd.to_ms = o->to_ms - t <= HOUR_MS ? o->to_ms : t + HOUR_MS - 1;
		rd.max_queries = queries < budget ? budget - queries : 0;
		rd.poll_ms = o->poll_interval_ms ? o->poll_interval_ms : 1000;
		rd.query_timeout_ms = o->poll_timeout_ms ? o->poll_timeout_ms : 60000;
		rd.on_row = logs_row;
		rd.on_done = logs_done;
		rd.ctx = k;
		cJSON_Delete(k->rows);
		k->rows = cJSON_CreateArray();
		if (!k->rows) {
			add_error_line(k, "logs", "out of memory");
			failed = 1;
			break;
		}
		if (rd.max_queries == 0) {
			fa2_logs_range r = { 0, 0, -1 };
			r.from_ms = rd.from_ms;
			r.to_ms = o->to_ms;
			partial = 1;
			estimate_known = 0;
			cJSON_AddItemToArray(ranges, range_json(&r));
			FA2_LOGW(MOD, "logs: the budget of %zu queries is spent; the rest of the window is not read", budget);
			break;
		}
		e = fa2_logs_read_all(k->c, &rd, &lc, &fail);
		queries += lc.queries;
		if (e) {
			char line[1700];
			fa2_logs_result_line(&fail, e, line, sizeof line);
			add_error_line(k, "logs", k->sink_err ? fa2_err_str(k->sink_err) : line);
			fa2_logs_result_cleanup(&fail);
			failed = 1;
		}
		if (lc.partial) {
			partial = 1;
			for (i = 0; i < lc.n_ranges; i++)
				cJSON_AddItemToArray(ranges, range_json(&lc.ranges[i]));
			dropped += lc.n_ranges_dropped;
		}
		if (lc.estimated >= 0)
			estimated += lc.estimated;
		else
			estimate_known = 0;
		if (failed || rd.to_ms == o->to_ms)
			break;
	}
	k->st->log_queries = queries;
	k->st->logs_partial = partial || failed;
	k->st->log_rows_estimated = estimate_known && !failed ? estimated : -1;
	if (failed)
		estimate_known = 0;
done:
	if (cov) {
		cJSON_AddStringToObject(cov, "status", failed ? "failed" : partial ? "partial" : "complete");
		cJSON_AddNumberToObject(cov, "rows_kept", (double)k->st->log_rows);
		/* Parts never queried (the budget) have no count: then the estimate is a lower bound. */
		if (!failed) {
			cJSON_AddNumberToObject(cov, "rows_estimated", estimated > (double)k->st->log_rows
						? estimated : (double)k->st->log_rows);
			if (!estimate_known)
				cJSON_AddTrueToObject(cov, "rows_estimated_is_lower_bound");
		} else {
			cJSON_AddNullToObject(cov, "rows_estimated");
		}
		cJSON_AddNumberToObject(cov, "queries", (double)queries);
		cJSON_AddNumberToObject(cov, "query_budget", (double)budget);
		if (dropped)
			cJSON_AddNumberToObject(cov, "partial_not_listed", (double)dropped);
		cJSON_AddItemToObject(k->coverage, "logs", cov);
	}
	if (!failed)
		k->sources_ok++;
	cJSON_Delete(k->rows);
	k->rows = NULL;
	fa2_buf_cleanup(&stages);
}

/* ---- metrics ---- */

static const char *guess_stat(const char *metric)
{
	static const char *const sums[] = { "Count", "Errors", "Error", "5XX", "4XX", "Invocations",
		"Throttles", "Requests", "Faults", "Bytes" };
	size_t i;
	for (i = 0; i < sizeof sums / sizeof sums[0]; i++)
		if (strstr(metric, sums[i]))
			return "Sum";
	return "Average";
}

/* A metric object {Namespace, MetricName, Dimensions} (dims copied; may be NULL). */
static cJSON *metric_json(const char *ns, const char *name, const cJSON *dims)
{
	cJSON *m = cJSON_CreateObject(), *d;
	if (!m)
		return NULL;
	if (!cJSON_AddStringToObject(m, "Namespace", ns) || !cJSON_AddStringToObject(m, "MetricName", name)) {
		cJSON_Delete(m);
		return NULL;
	}
	d = dims ? cJSON_Duplicate(dims, 1) : cJSON_CreateArray();
	if (!d || !cJSON_AddItemToObject(m, "Dimensions", d)) {
		cJSON_Delete(d);
		cJSON_Delete(m);
		return NULL;
	}
	return m;
}

struct mlist {
	cJSON *metrics;                       /* array of metric objects */
	const char *stats[FA2_CAPTURE_MAX_METRICS];
};

static int have_metric(const struct mlist *l, const cJSON *m)
{
	const cJSON *x;
	int same = 0;
	cJSON_ArrayForEach(x, l->metrics)
		if (cJSON_Compare(x, m, 1)) {
			same = 1;
			break;
		}
	return same;
}

/* Adds m (taken) with stat unless it is listed already or the list is full. */
static void add_metric(struct mlist *l, cJSON *m, const char *stat)
{
	size_t n = (size_t)cJSON_GetArraySize(l->metrics);
	if (!m || n >= FA2_CAPTURE_MAX_METRICS || have_metric(l, m) || !cJSON_AddItemToArray(l->metrics, m)) {
		cJSON_Delete(m);
		return;
	}
	l->stats[n] = stat;
}

/* "Namespace|MetricName|Stat|Dim=Value,Dim=Value" into a metric object, *stat pointing
 * into spec_copy (a buffer that outlives the capture); NULL when malformed. */
static cJSON *parse_metric_spec(const char *spec, char *buf, size_t cap, const char **stat)
{
	char *f[4] = { NULL, NULL, NULL, NULL }, *p;
	cJSON *dims, *m;
	int n = 0;
	if (snprintf(buf, cap, "%s", spec) >= (int)cap)
		return NULL;
	f[n++] = buf;
	for (p = buf; *p && n < 4; p++)
		if (*p == '|') {
			*p = '\0';
			f[n++] = p + 1;
		}
	if (n < 2 || !*f[0] || !*f[1])
		return NULL;
	dims = cJSON_CreateArray();
	if (!dims)
		return NULL;
	if (n == 4 && *f[3]) {
		char *d = f[3];
		while (d && *d) {
			char *comma = strchr(d, ','), *eq;
			cJSON *o;
			if (comma)
				*comma = '\0';
			eq = strchr(d, '=');
			if (!eq || eq == d) {
				cJSON_Delete(dims);
				return NULL;
			}
			*eq = '\0';
			o = cJSON_CreateObject();
			if (!o || !cJSON_AddItemToArray(dims, o) || !cJSON_AddStringToObject(o, "Name", d) ||
			    !cJSON_AddStringToObject(o, "Value", eq + 1)) {
				cJSON_Delete(dims);
				return NULL;
			}
			d = comma ? comma + 1 : NULL;
		}
	}
	*stat = n >= 3 && *f[2] ? f[2] : guess_stat(f[1]);
	m = metric_json(f[0], f[1], dims);
	cJSON_Delete(dims);
	return m;
}

static cJSON *dims_json(const fa2_alarm_metric *am)
{
	cJSON *d = cJSON_CreateArray();
	size_t i;
	for (i = 0; d && i < am->n_dims; i++) {
		cJSON *o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(d, o) || !cJSON_AddStringToObject(o, "Name", am->dims[i].name) ||
		    !cJSON_AddStringToObject(o, "Value", am->dims[i].value)) {
			cJSON_Delete(d);
			return NULL;
		}
	}
	return d;
}

/* DescribeAlarms: the alarm into the manifest, its metric(s) and their neighbours (same
 * namespace and dimensions) into l. */
static void capture_alarm(struct cap *k, struct mlist *l, fa2_alarm *al)
{
	char msg[600], t[40];
	const fa2_alarm_metric *am = NULL;
	cJSON *a, *dims = NULL;
	size_t i;
	fa2_err e = fa2_alarm_describe(k->c, k->o->alarm, CALL_TIMEOUT_MS, al, msg, sizeof msg);
	if (e) {
		char line[700];
		snprintf(line, sizeof line, "monitoring DescribeAlarms: %s", msg);
		add_error_line(k, "metrics (alarm)", line);
		return;
	}
	if (al->metric.name)
		am = &al->metric;
	for (i = 0; i < al->n_queries; i++) {
		const fa2_alarm_query *q = &al->queries[i];
		if (q->has_metric && q->metric.ns && q->metric.name) {
			cJSON *qd = dims_json(&q->metric);
			add_metric(l, metric_json(q->metric.ns, q->metric.name, qd), q->stat ? q->stat : guess_stat(q->metric.name));
			cJSON_Delete(qd);
			if (!am)
				am = &q->metric;
		}
	}
	dims = am ? dims_json(am) : cJSON_CreateArray();
	a = cJSON_CreateObject();
	if (a && dims) {
		cJSON_AddStringToObject(a, "name", al->name);
		cJSON_AddStringToObject(a, "state", al->state ? al->state : "");
		if (al->changed_ms) {
			time_text(al->changed_ms, 0, t, sizeof t);
			cJSON_AddStringToObject(a, "state_change_time", t);
		}
		cJSON_AddStringToObject(a, "reason", al->reason ? al->reason : "");
		cJSON_AddStringToObject(a, "namespace", am && am->ns ? am->ns : "");
		cJSON_AddStringToObject(a, "metric_name", am && am->name ? am->name : "");
		cJSON_AddItemToObject(a, "dimensions", cJSON_Duplicate(dims, 1));
		k->alarm = a;
		a = NULL;
	}
	cJSON_Delete(a);
	if (al->metric.name && al->metric.ns)
		add_metric(l, metric_json(al->metric.ns, al->metric.name, dims),
			   al->statistic ? al->statistic : guess_stat(al->metric.name));
	if (am && am->ns && am->n_dims > 0 && dims) {
		/* The alarm's neighbours: metrics of the same namespace and dimensions. */
		cJSON *req = cJSON_CreateObject(), *listed = cJSON_CreateArray();
		const cJSON *m;
		fa2_aws_outcome oc;
		int truncated = 0;
		if (req && listed && cJSON_AddStringToObject(req, "Namespace", am->ns) &&
		    cJSON_AddItemToObject(req, "Dimensions", cJSON_Duplicate(dims, 1))) {
			e = fa2_cw_list_metrics(k->c, req, 0, 200, fa2_time_mono_ms() + CALL_TIMEOUT_MS, listed, &truncated, &oc);
			if (e)
				add_error(k, "metrics (neighbours)", "monitoring", "ListMetrics", e, &oc);
			cJSON_ArrayForEach(m, listed) {
				const char *n2 = fa2_json_str(m, "MetricName");
				const cJSON *d2 = cJSON_GetObjectItemCaseSensitive(m, "Dimensions");
				if (!n2 || cJSON_GetArraySize(l->metrics) >= 50 || cJSON_GetArraySize(d2) != (int)am->n_dims)
					continue;
				add_metric(l, metric_json(am->ns, n2, d2), guess_stat(n2));
			}
		}
		cJSON_Delete(req);
		cJSON_Delete(listed);
	}
	cJSON_Delete(dims);
}

static fa2_err metrics_page(void *ctx, const cJSON *request, fa2_slice reply)
{
	struct cap *k = ctx;
	cJSON *params = cJSON_Duplicate(request, 1);
	if (!params)
		return FA2_ERR_NOMEM;
	return save(k, "metrics", "getmetricdata", "metrics", "monitoring:GetMetricData", reply, params, NULL);
}

static void capture_metrics(struct cap *k)
{
	const fa2_capture_opts *o = k->o;
	struct mlist l;
	fa2_alarm al;
	fa2_cw_query *qs = NULL;
	fa2_cw_series *ss = NULL;
	char specs[64][1024];
	cJSON *cov = cJSON_CreateObject();
	const cJSON *m;
	size_t i, n = 0;
	int ok = 0;

	memset(&l, 0, sizeof l);
	memset(&al, 0, sizeof al);
	l.metrics = cJSON_CreateArray();
	if (!l.metrics || !cov)
		goto done;
	if (o->alarm)
		capture_alarm(k, &l, &al);
	for (i = 0; i < o->n_metrics && i < 64; i++) {
		const char *stat = NULL;
		cJSON *mm = parse_metric_spec(o->metrics[i], specs[i], sizeof specs[i], &stat);
		if (!mm) {
			add_error_line(k, "metrics", "bad --metric spec (Namespace|MetricName|Stat|Dim=Value,...)");
			continue;
		}
		add_metric(&l, mm, stat);
	}
	n = (size_t)cJSON_GetArraySize(l.metrics);
	if (n == 0)
		goto done;
	qs = fa2_calloc(n, sizeof *qs);
	ss = fa2_calloc(n, sizeof *ss);
	if (!qs || !ss)
		goto done;
	i = 0;
	cJSON_ArrayForEach(m, l.metrics) {
		qs[i].metric = m;
		qs[i].stat = l.stats[i];
		i++;
	}
	{
		fa2_cw_fetch f;
		fa2_aws_outcome oc;
		fa2_err e;
		memset(&f, 0, sizeof f);
		f.queries = qs;
		f.n = n;
		f.from_ms = o->from_ms;
		f.to_ms = o->to_ms;
		f.newest_first = 1;
		f.max_pages = o->max_pages ? o->max_pages : 100;
		f.deadline_mono_ms = fa2_time_mono_ms() + 5 * CALL_TIMEOUT_MS;
		f.on_page = metrics_page;
		f.ctx = k;
		e = fa2_cw_get_metric_data(k->c, &f, ss, &oc);
		if (e)
			add_error(k, "metrics", "monitoring", "GetMetricData", k->sink_err ? k->sink_err : e,
				  k->sink_err ? NULL : &oc);
		else
			ok = 1;
		k->st->series = n;
	}
done:
	if (cov) {
		cJSON_AddStringToObject(cov, "status", ok ? "complete" : "failed");
		cJSON_AddNumberToObject(cov, "series", (double)k->st->series);
		if (n || o->alarm || o->n_metrics)
			cJSON_AddItemToObject(k->coverage, "metrics", cov);
		else
			cJSON_Delete(cov);
	}
	if (ok)
		k->sources_ok++;
	for (i = 0; ss && i < n; i++)
		fa2_cw_series_cleanup(&ss[i]);
	fa2_free(ss);
	fa2_free(qs);
	fa2_alarm_cleanup(&al);
	cJSON_Delete(l.metrics);
}

/* ---- paginated sources: CloudTrail, X-Ray ---- */

static fa2_err ct_page(void *ctx, const cJSON *request, fa2_slice reply, size_t n)
{
	struct cap *k = ctx;
	cJSON *params = cJSON_Duplicate(request, 1);
	(void)n;
	if (!params)
		return FA2_ERR_NOMEM;
	return save(k, "cloudtrail", "lookupevents", "cloudtrail", "cloudtrail:LookupEvents", reply, params, NULL);
}

static fa2_err xray_page(void *ctx, const cJSON *request, fa2_slice reply, size_t n)
{
	struct cap *k = ctx;
	cJSON *params = cJSON_Duplicate(request, 1);
	(void)n;
	if (!params)
		return FA2_ERR_NOMEM;
	return save(k, "xray", "tracesummaries", "xray", "xray:GetTraceSummaries", reply, params, NULL);
}

/* The end of a paged source (service name = source name): its error or success, and
 * its coverage. */
static void paged_end(struct cap *k, const char *name, const char *op, fa2_err e, const fa2_aws_outcome *oc, int more,
		      size_t pages, size_t items, const char *items_key)
{
	cJSON *cov;
	if (e)
		add_error(k, name, name, op, k->sink_err ? k->sink_err : e, k->sink_err ? NULL : oc);
	else
		k->sources_ok++;
	cov = cJSON_CreateObject();
	if (!cov)
		return;
	cJSON_AddStringToObject(cov, "status", e ? "failed" : more ? "partial" : "complete");
	cJSON_AddNumberToObject(cov, items_key, (double)items);
	cJSON_AddNumberToObject(cov, "pages", (double)pages);
	if (more)
		cJSON_AddStringToObject(cov, "why", "the page budget (--max-pages) ended the paging; the oldest part "
						    "of the window was not read");
	cJSON_AddItemToObject(k->coverage, name, cov);
}

static void capture_cloudtrail(struct cap *k)
{
	fa2_ct_lookup q;
	fa2_ct_stats st;
	fa2_aws_outcome oc;
	fa2_err e;
	memset(&q, 0, sizeof q);
	q.from_ms = k->o->from_ms;
	q.to_ms = k->o->to_ms;
	q.max_pages = k->o->max_pages ? k->o->max_pages : 100;
	q.on_page = ct_page;
	q.ctx = k;
	e = fa2_ct_lookup_events(k->c, &q, &st, &oc);
	k->st->events = st.events;
	k->st->events_partial = st.more || e;
	paged_end(k, "cloudtrail", "LookupEvents", e, &oc, st.more, st.pages, st.events, "events");
}

static void capture_xray(struct cap *k)
{
	fa2_xray_summaries q;
	fa2_xray_stats st;
	fa2_aws_outcome oc;
	fa2_err e;
	memset(&q, 0, sizeof q);
	q.from_ms = k->o->from_ms;
	q.to_ms = k->o->to_ms;
	q.by_trace_id = 1;
	q.max_pages = k->o->max_pages ? k->o->max_pages : 100;
	q.on_page = xray_page;
	q.ctx = k;
	e = fa2_xray_trace_summaries(k->c, &q, &st, &oc);
	k->st->traces = st.summaries;
	k->st->traces_partial = st.more || e;
	paged_end(k, "xray", "GetTraceSummaries", e, &oc, st.more, st.pages, st.summaries, "traces");
}

static fa2_err check_out_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int empty = 1;
	if (!d)
		return errno == ENOENT ? FA2_OK : FA2_ERR_IO;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = 0;
	closedir(d);
	return empty ? FA2_OK : FA2_ERR_EXISTS;
}

static fa2_err make_dirs(const char *out_dir)
{
	static const char *const subs[] = { "logs", "metrics", "cloudtrail", "xray" };
	char path[4096];
	size_t i;
	fa2_err e;
	for (i = 0; i < sizeof subs / sizeof subs[0]; i++) {
		if (snprintf(path, sizeof path, "%s/%s", out_dir, subs[i]) >= (int)sizeof path)
			return FA2_ERR_INVALID;
		if ((e = fa2_mkdir_p(path, 0755)))
			return e;
	}
	return FA2_OK;
}

fa2_err fa2_capture_snapshot(fa2_aws_client *c, const fa2_capture_opts *o, fa2_capture_stats *st)
{
	struct cap k;
	cJSON *man = NULL, *w, *lg;
	char path[4096], t[40];
	size_t i, sources = 0;
	fa2_err e;
	char *text = NULL;

	memset(st, 0, sizeof *st);
	st->log_rows_estimated = -1;
	memset(&k, 0, sizeof k);
	e = o->into ? FA2_OK : o->out_dir ? check_out_dir(o->out_dir) : FA2_ERR_INVALID;
	if (e)
		goto cleanup;
	if (!o->into && (e = make_dirs(o->out_dir)))
		goto cleanup;
	k.c = c;
	k.o = o;
	k.st = st;
	k.files = cJSON_CreateArray();
	k.errors = cJSON_CreateArray();
	k.coverage = cJSON_CreateObject();
	man = cJSON_CreateObject();
	if (!k.files || !k.errors || !k.coverage || !man) {
		e = FA2_ERR_NOMEM;
		goto cleanup;
	}
	if (o->n_log_groups) {
		sources++;
		capture_logs(&k);
	}
	if (o->alarm || o->n_metrics) {
		sources++;
		capture_metrics(&k);
	}
	if (!o->no_cloudtrail) {
		sources++;
		capture_cloudtrail(&k);
	}
	if (!o->no_xray) {
		sources++;
		capture_xray(&k);
	}
	cJSON_AddStringToObject(man, "format", "fa2-snapshot");
	cJSON_AddNumberToObject(man, "format_version", 1);
	cJSON_AddStringToObject(man, "fa2_version", FA2_VERSION);
	cJSON_AddStringToObject(man, "created_by", o->into ? "fa2 triage" : "fa2 snapshot");
	time_text(fa2_time_now_ms(), 0, t, sizeof t);
	cJSON_AddStringToObject(man, "created", t);
	cJSON_AddStringToObject(man, "region", o->region ? o->region : "");
	w = cJSON_AddObjectToObject(man, "window");
	if (w) {
		time_text(o->from_ms, 1, t, sizeof t);
		cJSON_AddStringToObject(w, "from", t);
		time_text(o->to_ms, 1, t, sizeof t);
		cJSON_AddStringToObject(w, "to", t);
	}
	if (k.alarm) {
		cJSON_AddItemToObject(man, "alarm", k.alarm);
		k.alarm = NULL;
	}
	lg = cJSON_AddArrayToObject(man, "log_groups");
	for (i = 0; lg && i < o->n_log_groups; i++)
		cJSON_AddItemToArray(lg, cJSON_CreateString(o->log_groups[i]));
	cJSON_AddItemToObject(man, "coverage", k.coverage);
	k.coverage = NULL;
	cJSON_AddItemToObject(man, "files", k.files);
	k.files = NULL;
	cJSON_AddItemToObject(man, "errors", k.errors);
	k.errors = NULL;
	text = cJSON_Print(man);
	if (!text) {
		e = FA2_ERR_NOMEM;
		goto cleanup;
	}
	if (o->into) {
		if ((e = fa2_tr_parse_manifest(o->into, fa2_slice_cstr(text))) || (e = fa2_tr_data_finish(o->into)))
			goto cleanup;
	} else {
		snprintf(path, sizeof path, "%s/manifest.json", o->out_dir);
		if ((e = fa2_file_write_atomic(path, text, strlen(text), 0644)))
			goto cleanup;
	}
	e = sources && !k.sources_ok ? FA2_ERR_AWS : FA2_OK;
cleanup:
	cJSON_free(text);
	cJSON_Delete(man);
	cJSON_Delete(k.files);
	cJSON_Delete(k.errors);
	cJSON_Delete(k.coverage);
	cJSON_Delete(k.alarm);
	cJSON_Delete(k.rows);
	return e;
}
