/* fa2 snapshot's capture: see capture.h and docs/snapshot.md. */
#include "triage/capture.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/time.h"
#include "triage/data.h"

#define MOD "snapshot"

struct cap {
	fa2_aws_client *c;
	const fa2_capture_opts *o;
	fa2_capture_stats *st;
	cJSON *files, *errors, *alarm;
	size_t n_files;
	int sources_ok;
};

static void add_error(struct cap *k, const char *source, fa2_err e, const fa2_aws_error *err)
{
	char line[1600];
	cJSON *x = cJSON_CreateObject();
	if (err && e == FA2_ERR_AWS)
		fa2_aws_error_format(err, line, sizeof line);
	else
		snprintf(line, sizeof line, "%s", fa2_err_str(e));
	FA2_LOGW(MOD, "%s: %s", source, line);
	if (x) {
		cJSON_AddStringToObject(x, "source", source);
		cJSON_AddStringToObject(x, "error", line);
		cJSON_AddItemToArray(k->errors, x);
	}
	k->st->errors++;
}

/* Calls svc.op with the JSON input; the response is left in out (reset first). */
static fa2_err call(struct cap *k, const char *svc_name, const char *op, const cJSON *in,
		    fa2_buf *out, fa2_aws_error *err)
{
	const fa2_aws_service *svc = fa2_aws_service_find(svc_name);
	char *body;
	fa2_err e;
	if (!svc)
		return FA2_ERR_UNSUPPORTED;
	body = cJSON_PrintUnformatted(in);
	if (!body)
		return FA2_ERR_NOMEM;
	fa2_buf_reset(out);
	memset(err, 0, sizeof *err);
	e = fa2_aws_call(k->c, svc, op, fa2_slice_cstr(body), out, err, NULL);
	cJSON_free(body);
	return e;
}

/* Writes a response under the snapshot and lists it in the manifest (params is taken). */
static fa2_err save(struct cap *k, const char *sub, const char *base, const char *kind,
		    const char *api, const fa2_buf *body, cJSON *params)
{
	char rel[256], path[4096];
	cJSON *f;
	fa2_err e;
	k->n_files++;
	snprintf(rel, sizeof rel, "%s/%s-%03zu.json", sub, base, k->n_files);
	if (snprintf(path, sizeof path, "%s/%s", k->o->out_dir, rel) >= (int)sizeof path) {
		cJSON_Delete(params);
		return FA2_ERR_INVALID;
	}
	if ((e = fa2_file_write_atomic(path, body->data ? body->data : "{}", body->data ? body->len : 2, 0644))) {
		cJSON_Delete(params);
		return e;
	}
	f = cJSON_CreateObject();
	if (!f) {
		cJSON_Delete(params);
		return FA2_ERR_NOMEM;
	}
	cJSON_AddStringToObject(f, "path", rel);
	cJSON_AddStringToObject(f, "kind", kind);
	cJSON_AddStringToObject(f, "api", api);
	cJSON_AddItemToObject(f, "params", params);
	cJSON_AddItemToArray(k->files, f);
	k->st->files++;
	return FA2_OK;
}

static double secs(int64_t ms)
{
	return (double)(ms / 1000);
}

static size_t array_len(const fa2_buf *b, const char *key, const char **next_token, cJSON **root)
{
	cJSON *j = fa2_json_parse(fa2_buf_slice(b), NULL);
	size_t n = 0;
	*root = j;
	if (next_token)
		*next_token = NULL;
	if (!j)
		return 0;
	n = (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, key));
	if (next_token)
		*next_token = fa2_json_str(j, "NextToken");
	return n;
}

/* ---- logs ---- */

static void capture_logs(struct cap *k, fa2_buf *out)
{
	const fa2_capture_opts *o = k->o;
	const char *q = o->query ? o->query
		: "fields @timestamp, @message, @logStream, @log | sort @timestamp desc | limit 10000";
	int64_t slice = 3600000LL, t;
	int ok = 1;
	fa2_aws_error err;
	size_t i;
	if (!o->n_log_groups)
		return;
	for (t = o->from_ms; t < o->to_ms && ok; t += slice) {
		int64_t end = t + slice < o->to_ms ? t + slice : o->to_ms, deadline;
		cJSON *in = cJSON_CreateObject(), *groups = cJSON_CreateArray(), *res = NULL, *params;
		const char *id, *status = "";
		char qid[256];
		fa2_err e;
		if (!in || !groups) {
			cJSON_Delete(in);
			cJSON_Delete(groups);
			add_error(k, "logs", FA2_ERR_NOMEM, NULL);
			return;
		}
		for (i = 0; i < o->n_log_groups; i++)
			cJSON_AddItemToArray(groups, cJSON_CreateString(o->log_groups[i]));
		cJSON_AddItemToObject(in, "logGroupNames", groups);
		cJSON_AddNumberToObject(in, "startTime", secs(t));
		cJSON_AddNumberToObject(in, "endTime", secs(end) - 1 > secs(t) ? secs(end) - 1 : secs(end));
		cJSON_AddStringToObject(in, "queryString", q);
		cJSON_AddNumberToObject(in, "limit", 10000);
		e = call(k, "logs", "StartQuery", in, out, &err);
		params = in;
		if (!e) {
			array_len(out, "x", NULL, &res);
			id = res ? fa2_json_str(res, "queryId") : NULL;
			snprintf(qid, sizeof qid, "%s", id ? id : "");
			cJSON_Delete(res);
			res = NULL;
			if (!*qid)
				e = FA2_ERR_PARSE;
		}
		if (e) {
			add_error(k, "logs StartQuery", e, &err);
			cJSON_Delete(params);
			ok = 0;
			break;
		}
		deadline = fa2_time_mono_ms() + (o->poll_timeout_ms ? o->poll_timeout_ms : 60000);
		for (;;) {
			cJSON *pin = cJSON_CreateObject();
			if (!pin) {
				e = FA2_ERR_NOMEM;
				break;
			}
			cJSON_AddStringToObject(pin, "queryId", qid);
			e = call(k, "logs", "GetQueryResults", pin, out, &err);
			cJSON_Delete(pin);
			if (e)
				break;
			array_len(out, "results", NULL, &res);
			status = res && fa2_json_str(res, "status") ? fa2_json_str(res, "status") : "";
			if (strcmp(status, "Running") && strcmp(status, "Scheduled")) {
				k->st->log_rows += (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(res, "results"));
				break;
			}
			cJSON_Delete(res);
			res = NULL;
			if (fa2_time_mono_ms() >= deadline) {
				cJSON *sin = cJSON_CreateObject();
				fa2_buf tmp;
				fa2_buf_init(&tmp, 1 << 16);
				if (sin) {
					cJSON_AddStringToObject(sin, "queryId", qid);
					(void)call(k, "logs", "StopQuery", sin, &tmp, &err);
				}
				cJSON_Delete(sin);
				fa2_buf_cleanup(&tmp);
				e = FA2_ERR_TIMEOUT;
				break;
			}
			fa2_time_sleep_ms(o->poll_interval_ms ? o->poll_interval_ms : 1000);
		}
		if (!e && strcmp(status, "Complete") != 0)
			FA2_LOGW(MOD, "logs: query %s ended %s; saved what it returned", qid, status);
		cJSON_Delete(res);
		if (e) {
			add_error(k, "logs GetQueryResults", e, &err);
			cJSON_Delete(params);
			ok = 0;
			break;
		}
		if ((e = save(k, "logs", "insights", "logs", "logs:GetQueryResults", out, params))) {
			add_error(k, "logs (writing)", e, NULL);
			return;
		}
	}
	if (ok)
		k->sources_ok++;
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

static cJSON *metric_query(size_t idx, const char *ns, const char *name, const char *stat,
			   const cJSON *dims, double period)
{
	cJSON *q = cJSON_CreateObject(), *ms = cJSON_CreateObject(), *m = cJSON_CreateObject();
	char id[32];
	if (!q || !ms || !m) {
		cJSON_Delete(q);
		cJSON_Delete(ms);
		cJSON_Delete(m);
		return NULL;
	}
	snprintf(id, sizeof id, "m%zu", idx);
	cJSON_AddStringToObject(q, "Id", id);
	cJSON_AddStringToObject(m, "Namespace", ns);
	cJSON_AddStringToObject(m, "MetricName", name);
	cJSON_AddItemToObject(m, "Dimensions", dims ? cJSON_Duplicate(dims, 1) : cJSON_CreateArray());
	cJSON_AddItemToObject(ms, "Metric", m);
	cJSON_AddNumberToObject(ms, "Period", period);
	cJSON_AddStringToObject(ms, "Stat", stat);
	cJSON_AddItemToObject(q, "MetricStat", ms);
	cJSON_AddBoolToObject(q, "ReturnData", 1);
	return q;
}

/* "Namespace|MetricName|Stat|Dim=Value,Dim=Value" */
static cJSON *parse_metric_spec(const char *spec, size_t idx, double period)
{
	char buf[1024], *f[4] = { NULL, NULL, NULL, NULL }, *p;
	cJSON *dims, *q;
	int n = 0;
	if (snprintf(buf, sizeof buf, "%s", spec) >= (int)sizeof buf)
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
			if (!eq) {
				cJSON_Delete(dims);
				return NULL;
			}
			*eq = '\0';
			o = cJSON_CreateObject();
			if (o) {
				cJSON_AddStringToObject(o, "Name", d);
				cJSON_AddStringToObject(o, "Value", eq + 1);
				cJSON_AddItemToArray(dims, o);
			}
			d = comma ? comma + 1 : NULL;
		}
	}
	q = metric_query(idx, f[0], f[1], n >= 3 && *f[2] ? f[2] : guess_stat(f[1]), dims, period);
	cJSON_Delete(dims);
	return q;
}

static int same_metric(const cJSON *queries, const char *ns, const char *name, const cJSON *dims)
{
	const cJSON *q;
	char *a = cJSON_PrintUnformatted(dims), *b;
	int same = 0;
	cJSON_ArrayForEach(q, queries) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(q, "MetricStat"), "Metric");
		const char *qn = fa2_json_str(m, "Namespace"), *qm = fa2_json_str(m, "MetricName");
		if (!qn || !qm || strcmp(qn, ns) || strcmp(qm, name))
			continue;
		b = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(m, "Dimensions"));
		same = a && b && !strcmp(a, b);
		cJSON_free(b);
		if (same)
			break;
	}
	cJSON_free(a);
	return same;
}

static void capture_alarm(struct cap *k, fa2_buf *out, cJSON *queries, double period)
{
	cJSON *in = cJSON_CreateObject(), *names = cJSON_CreateArray(), *res = NULL, *al, *a;
	fa2_aws_error err;
	fa2_err e;
	const cJSON *dims;
	const char *ns, *mn, *stat;
	char t[40];
	if (!in || !names) {
		cJSON_Delete(in);
		cJSON_Delete(names);
		return;
	}
	cJSON_AddItemToArray(names, cJSON_CreateString(k->o->alarm));
	cJSON_AddItemToObject(in, "AlarmNames", names);
	e = call(k, "monitoring", "DescribeAlarms", in, out, &err);
	cJSON_Delete(in);
	if (e) {
		add_error(k, "monitoring DescribeAlarms", e, &err);
		return;
	}
	array_len(out, "MetricAlarms", NULL, &res);
	al = res ? cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(res, "MetricAlarms"), 0) : NULL;
	if (!al) {
		add_error(k, "monitoring DescribeAlarms: no such alarm", FA2_ERR_NOT_FOUND, NULL);
		cJSON_Delete(res);
		return;
	}
	ns = fa2_json_str(al, "Namespace");
	mn = fa2_json_str(al, "MetricName");
	stat = fa2_json_str(al, "Statistic");
	dims = cJSON_GetObjectItemCaseSensitive(al, "Dimensions");
	a = cJSON_CreateObject();
	if (a) {
		int64_t ms = fa2_tr_json_time_s(cJSON_GetObjectItemCaseSensitive(al, "StateUpdatedTimestamp"));
		cJSON_AddStringToObject(a, "name", k->o->alarm);
		cJSON_AddStringToObject(a, "state", fa2_json_str(al, "StateValue") ? fa2_json_str(al, "StateValue") : "");
		if (ms && fa2_time_format_rfc3339(ms, 0, 0, t, sizeof t))
			cJSON_AddStringToObject(a, "state_change_time", t);
		cJSON_AddStringToObject(a, "reason", fa2_json_str(al, "StateReason") ? fa2_json_str(al, "StateReason") : "");
		cJSON_AddStringToObject(a, "namespace", ns ? ns : "");
		cJSON_AddStringToObject(a, "metric_name", mn ? mn : "");
		cJSON_AddItemToObject(a, "dimensions", dims ? cJSON_Duplicate(dims, 1) : cJSON_CreateArray());
		k->alarm = a;
	}
	if (ns && mn) {
		cJSON *q = metric_query((size_t)cJSON_GetArraySize(queries) + 1, ns, mn,
					stat ? stat : guess_stat(mn), dims, period);
		if (q)
			cJSON_AddItemToArray(queries, q);
		/* The alarm's neighbours: metrics of the same namespace and dimensions. */
		if (dims && cJSON_GetArraySize(dims) > 0) {
			cJSON *lin = cJSON_CreateObject(), *lres = NULL, *m, *list;
			if (lin) {
				cJSON_AddStringToObject(lin, "Namespace", ns);
				cJSON_AddItemToObject(lin, "Dimensions", cJSON_Duplicate(dims, 1));
				e = call(k, "monitoring", "ListMetrics", lin, out, &err);
				cJSON_Delete(lin);
				if (e)
					add_error(k, "monitoring ListMetrics", e, &err);
				else
					array_len(out, "Metrics", NULL, &lres);
				list = lres ? cJSON_GetObjectItemCaseSensitive(lres, "Metrics") : NULL;
				cJSON_ArrayForEach(m, list) {
					const char *n2 = fa2_json_str(m, "MetricName");
					const cJSON *d2 = cJSON_GetObjectItemCaseSensitive(m, "Dimensions");
					if (!n2 || cJSON_GetArraySize(queries) >= 50 ||
					    cJSON_GetArraySize(d2) != cJSON_GetArraySize(dims) || same_metric(queries, ns, n2, d2))
						continue;
					q = metric_query((size_t)cJSON_GetArraySize(queries) + 1, ns, n2, guess_stat(n2), d2, period);
					if (q)
						cJSON_AddItemToArray(queries, q);
				}
				cJSON_Delete(lres);
			}
		}
	}
	cJSON_Delete(res);
}

static void capture_metrics(struct cap *k, fa2_buf *out)
{
	const fa2_capture_opts *o = k->o;
	double period = (double)((o->to_ms - o->from_ms) / 1000 / 1440);
	cJSON *queries = cJSON_CreateArray();
	const char *next = NULL;
	char token[4096] = "";
	size_t i, page = 0;
	fa2_aws_error err;
	int ok = 1;
	if (!queries)
		return;
	period = period < 60 ? 60 : ((long long)period + 59) / 60 * 60;
	if (o->alarm)
		capture_alarm(k, out, queries, period);
	for (i = 0; i < o->n_metrics; i++) {
		cJSON *q = parse_metric_spec(o->metrics[i], (size_t)cJSON_GetArraySize(queries) + 1, period);
		if (!q) {
			add_error(k, "metrics: bad --metric spec (Namespace|MetricName|Stat|Dim=Value,...)",
				  FA2_ERR_INVALID, NULL);
			continue;
		}
		cJSON_AddItemToArray(queries, q);
	}
	if (!cJSON_GetArraySize(queries)) {
		cJSON_Delete(queries);
		return;
	}
	do {
		cJSON *in = cJSON_CreateObject(), *res = NULL;
		fa2_err e;
		size_t n;
		if (!in)
			break;
		cJSON_AddItemToObject(in, "MetricDataQueries", cJSON_Duplicate(queries, 1));
		cJSON_AddNumberToObject(in, "StartTime", secs(o->from_ms));
		cJSON_AddNumberToObject(in, "EndTime", secs(o->to_ms));
		cJSON_AddStringToObject(in, "ScanBy", "TimestampDescending");
		if (*token)
			cJSON_AddStringToObject(in, "NextToken", token);
		e = call(k, "monitoring", "GetMetricData", in, out, &err);
		if (e) {
			add_error(k, "monitoring GetMetricData", e, &err);
			cJSON_Delete(in);
			ok = 0;
			break;
		}
		n = array_len(out, "MetricDataResults", &next, &res);
		if (!page)
			k->st->series += n;
		snprintf(token, sizeof token, "%s", next ? next : "");
		cJSON_Delete(res);
		if ((e = save(k, "metrics", "getmetricdata", "metrics", "monitoring:GetMetricData", out, in))) {
			add_error(k, "metrics (writing)", e, NULL);
			ok = 0;
			break;
		}
	} while (*token && ++page < (o->max_pages ? o->max_pages : 100));
	cJSON_Delete(queries);
	if (ok)
		k->sources_ok++;
}

/* ---- paginated sources: CloudTrail, X-Ray ---- */

static void capture_pages(struct cap *k, fa2_buf *out, const char *svc, const char *op,
			  const char *sub, const char *base, const char *kind, const char *api,
			  const char *list_key, size_t *counter, int64_t slice_ms, int64_t gap_ms)
{
	const fa2_capture_opts *o = k->o;
	size_t pages = 0, max = o->max_pages ? o->max_pages : 100;
	int64_t t;
	fa2_aws_error err;
	for (t = o->from_ms; t < o->to_ms && pages < max; t += slice_ms) {
		int64_t end = t + slice_ms < o->to_ms ? t + slice_ms : o->to_ms;
		char token[8192] = "";
		do {
			cJSON *in = cJSON_CreateObject(), *res = NULL;
			const char *next;
			fa2_err e;
			if (!in)
				return;
			cJSON_AddNumberToObject(in, "StartTime", secs(t));
			cJSON_AddNumberToObject(in, "EndTime", secs(end));
			if (!strcmp(svc, "cloudtrail"))
				cJSON_AddNumberToObject(in, "MaxResults", 50);
			else {
				cJSON_AddBoolToObject(in, "Sampling", 0);
				cJSON_AddStringToObject(in, "TimeRangeType", "TraceId");
			}
			if (*token)
				cJSON_AddStringToObject(in, "NextToken", token);
			if (pages && gap_ms)
				fa2_time_sleep_ms(gap_ms);
			e = call(k, svc, op, in, out, &err);
			if (e) {
				char what[96];
				snprintf(what, sizeof what, "%s %s", svc, op);
				add_error(k, what, e, &err);
				cJSON_Delete(in);
				return;
			}
			*counter += array_len(out, list_key, &next, &res);
			snprintf(token, sizeof token, "%s", next ? next : "");
			cJSON_Delete(res);
			if ((e = save(k, sub, base, kind, api, out, in))) {
				add_error(k, "writing", e, NULL);
				return;
			}
			pages++;
		} while (*token && pages < max);
	}
	k->sources_ok++;
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

fa2_err fa2_capture_snapshot(fa2_aws_client *c, const fa2_capture_opts *o, fa2_capture_stats *st)
{
	struct cap k;
	fa2_buf out;
	cJSON *man = NULL, *w, *lg;
	char path[4096], t[40];
	size_t i, sources = 0;
	fa2_err e;
	char *text = NULL;

	memset(st, 0, sizeof *st);
	memset(&k, 0, sizeof k);
	fa2_buf_init(&out, FA2_MAX_JSON_BYTES);
	if ((e = check_out_dir(o->out_dir)))
		goto cleanup;
	if (snprintf(path, sizeof path, "%s/logs", o->out_dir) >= (int)sizeof path) {
		e = FA2_ERR_INVALID;
		goto cleanup;
	}
	if ((e = fa2_mkdir_p(path, 0755)))
		goto cleanup;
	snprintf(path, sizeof path, "%s/metrics", o->out_dir);
	if ((e = fa2_mkdir_p(path, 0755)))
		goto cleanup;
	snprintf(path, sizeof path, "%s/cloudtrail", o->out_dir);
	if ((e = fa2_mkdir_p(path, 0755)))
		goto cleanup;
	snprintf(path, sizeof path, "%s/xray", o->out_dir);
	if ((e = fa2_mkdir_p(path, 0755)))
		goto cleanup;
	k.c = c;
	k.o = o;
	k.st = st;
	k.files = cJSON_CreateArray();
	k.errors = cJSON_CreateArray();
	man = cJSON_CreateObject();
	if (!k.files || !k.errors || !man) {
		e = FA2_ERR_NOMEM;
		goto cleanup;
	}
	if (o->n_log_groups) {
		sources++;
		capture_logs(&k, &out);
	}
	if (o->alarm || o->n_metrics) {
		sources++;
		capture_metrics(&k, &out);
	}
	if (!o->no_cloudtrail) {
		sources++;
		/* LookupEvents allows 2 requests per second per account and region. */
		capture_pages(&k, &out, "cloudtrail", "LookupEvents", "cloudtrail", "lookupevents",
			      "cloudtrail", "cloudtrail:LookupEvents", "Events", &st->events,
			      o->to_ms - o->from_ms + 1, 550);
	}
	if (!o->no_xray) {
		sources++;
		/* GetTraceSummaries takes at most 6 hours per call. */
		capture_pages(&k, &out, "xray", "GetTraceSummaries", "xray", "tracesummaries", "xray",
			      "xray:GetTraceSummaries", "TraceSummaries", &st->traces, 6 * 3600000LL, 0);
	}
	cJSON_AddStringToObject(man, "format", "fa2-snapshot");
	cJSON_AddNumberToObject(man, "format_version", 1);
	cJSON_AddStringToObject(man, "fa2_version", FA2_VERSION);
	cJSON_AddStringToObject(man, "created_by", "fa2 snapshot");
	if (fa2_time_format_rfc3339(fa2_time_now_ms(), 0, 0, t, sizeof t))
		cJSON_AddStringToObject(man, "created", t);
	cJSON_AddStringToObject(man, "region", o->region ? o->region : "");
	w = cJSON_AddObjectToObject(man, "window");
	if (w && fa2_time_format_rfc3339(o->from_ms, 0, 0, t, sizeof t))
		cJSON_AddStringToObject(w, "from", t);
	if (w && fa2_time_format_rfc3339(o->to_ms, 0, 0, t, sizeof t))
		cJSON_AddStringToObject(w, "to", t);
	if (k.alarm) {
		cJSON_AddItemToObject(man, "alarm", k.alarm);
		k.alarm = NULL;
	}
	lg = cJSON_AddArrayToObject(man, "log_groups");
	for (i = 0; lg && i < o->n_log_groups; i++)
		cJSON_AddItemToArray(lg, cJSON_CreateString(o->log_groups[i]));
	cJSON_AddItemToObject(man, "files", k.files);
	k.files = NULL;
	cJSON_AddItemToObject(man, "errors", k.errors);
	k.errors = NULL;
	text = cJSON_Print(man);
	if (!text) {
		e = FA2_ERR_NOMEM;
		goto cleanup;
	}
	snprintf(path, sizeof path, "%s/manifest.json", o->out_dir);
	if ((e = fa2_file_write_atomic(path, text, strlen(text), 0644)))
		goto cleanup;
	e = sources && !k.sources_ok ? FA2_ERR_AWS : FA2_OK;
cleanup:
	cJSON_free(text);
	cJSON_Delete(man);
	cJSON_Delete(k.files);
	cJSON_Delete(k.errors);
	cJSON_Delete(k.alarm);
	fa2_buf_cleanup(&out);
	return e;
}
