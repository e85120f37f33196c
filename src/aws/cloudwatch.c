/* CloudWatch ListMetrics and GetMetricData (see cloudwatch.h). */
#include "aws/cloudwatch.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/time.h"

#define CW_TOKEN_BYTES 4096u

int64_t fa2_cw_time_ms(const cJSON *t)
{
	int64_t ms;
	if (cJSON_IsNumber(t) && t->valuedouble >= 0 && t->valuedouble < 1e11)
		return (int64_t)(t->valuedouble * 1000.0 + 0.5);
	if (cJSON_IsString(t) && fa2_time_parse(fa2_slice_cstr(t->valuestring), 0, 0, &ms) == FA2_OK)
		return ms;
	return -1;
}

long fa2_cw_period(int64_t span_ms)
{
	int64_t span_s = span_ms / 1000;
	if (span_s > 60LL * FA2_CW_MAX_POINTS)
		return (long)((span_s / FA2_CW_MAX_POINTS + 59) / 60 * 60);
	return 60;
}

void fa2_cw_series_cleanup(fa2_cw_series *s)
{
	if (!s)
		return;
	fa2_free(s->t_ms);
	fa2_free(s->v);
	memset(s, 0, sizeof *s);
}

/* Copies the reply's NextToken into token (cap bytes); "" when absent or too long. */
static void next_token(const cJSON *rep, char *token, size_t cap)
{
	const char *nt = fa2_json_str(rep, "NextToken");
	token[0] = '\0';
	if (nt && strlen(nt) < cap)
		memcpy(token, nt, strlen(nt) + 1);
}

/* 1 when out already holds metric m (same namespace, name and dimensions). AWS lists
 * each metric once, but emulators and some proxies repeat entries across pages; a
 * repeat must not use up the caller's max. */
static int listed_already(const cJSON *out, const cJSON *m)
{
	const cJSON *x;
	cJSON_ArrayForEach(x, out) {
		if (cJSON_Compare(x, m, 1))
			return 1;
	}
	return 0;
}

fa2_err fa2_cw_list_metrics(fa2_aws_client *c, const cJSON *request, int aws_only, size_t max,
			    int64_t deadline_mono_ms, cJSON *out, int *truncated, fa2_aws_outcome *oc)
{
	char token[CW_TOKEN_BYTES] = "";
	unsigned page;
	fa2_err e = FA2_OK;

	*truncated = 0;
	for (page = 0; page < FA2_CW_MAX_PAGES; page++) {
		cJSON *req = request ? cJSON_Duplicate(request, 1) : cJSON_CreateObject(), *rep = NULL;
		const cJSON *m;
		if (!req || (token[0] && !cJSON_AddStringToObject(req, "NextToken", token))) {
			cJSON_Delete(req);
			return FA2_ERR_NOMEM;
		}
		e = fa2_aws_do(c, "monitoring", "ListMetrics", req, deadline_mono_ms, &rep, oc);
		cJSON_Delete(req);
		if (e)
			return e;
		cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(rep, "Metrics")) {
			const char *ns = fa2_json_str(m, "Namespace");
			if (!ns || (aws_only && strncmp(ns, "AWS/", 4) != 0) || listed_already(out, m))
				continue;
			if ((size_t)cJSON_GetArraySize(out) >= max) {
				*truncated = 1;
				break;
			}
			if (!cJSON_AddItemToArray(out, cJSON_Duplicate(m, 1))) {
				cJSON_Delete(rep);
				return FA2_ERR_NOMEM;
			}
		}
		next_token(rep, token, sizeof token);
		cJSON_Delete(rep);
		if (!token[0] || *truncated)
			break;
	}
	if (token[0] && !*truncated)
		*truncated = 1; /* more pages than followed */
	return FA2_OK;
}

static fa2_err add_point(fa2_cw_series *s, int64_t t, double v)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 64;
		int64_t *nt;
		double *nv;
		if (nc > FA2_CW_MAX_POINTS * 4u)
			return FA2_OK; /* more than asked for: the excess is ignored */
		nt = fa2_realloc(s->t_ms, nc * sizeof *nt);
		if (!nt)
			return FA2_ERR_NOMEM;
		s->t_ms = nt;
		nv = fa2_realloc(s->v, nc * sizeof *nv);
		if (!nv)
			return FA2_ERR_NOMEM;
		s->v = nv;
		s->cap = nc;
	}
	s->t_ms[s->n] = t;
	s->v[s->n++] = v;
	return FA2_OK;
}

void fa2_cw_points_sort(int64_t *t_ms, double *v, size_t n)
{
	/* Insertion sort: the service returns points in order (ScanBy), reversed at worst,
	 * which the reversal first makes linear. */
	size_t i, j;
	if (n > 1 && t_ms[0] > t_ms[n - 1]) {
		for (i = 0, j = n - 1; i < j; i++, j--) {
			int64_t t = t_ms[i];
			double x = v[i];
			t_ms[i] = t_ms[j];
			v[i] = v[j];
			t_ms[j] = t;
			v[j] = x;
		}
	}
	for (i = 1; i < n; i++) {
		int64_t t = t_ms[i];
		double x = v[i];
		for (j = i; j > 0 && t_ms[j - 1] > t; j--) {
			t_ms[j] = t_ms[j - 1];
			v[j] = v[j - 1];
		}
		t_ms[j] = t;
		v[j] = x;
	}
}

/* The request of one batch [first, first + count) (without NextToken). */
static cJSON *batch_request(const fa2_cw_fetch *f, size_t first, size_t count, long period)
{
	cJSON *req = cJSON_CreateObject(), *qs;
	size_t i;
	if (!req || !(qs = cJSON_AddArrayToObject(req, "MetricDataQueries")))
		goto fail;
	for (i = 0; i < count; i++) {
		cJSON *q = cJSON_CreateObject(), *ms, *mc;
		char id[24];
		if (!q || !cJSON_AddItemToArray(qs, q))
			goto fail_q;
		snprintf(id, sizeof id, "m%zu", first + i);
		mc = cJSON_Duplicate(f->queries[first + i].metric, 1);
		if (!cJSON_AddStringToObject(q, "Id", id) || !(ms = cJSON_AddObjectToObject(q, "MetricStat")) || !mc ||
		    !cJSON_AddItemToObject(ms, "Metric", mc) || !cJSON_AddNumberToObject(ms, "Period", (double)period) ||
		    !cJSON_AddStringToObject(ms, "Stat", f->queries[first + i].stat ? f->queries[first + i].stat : "Average") ||
		    !cJSON_AddBoolToObject(q, "ReturnData", 1)) {
			cJSON_Delete(mc);
			goto fail;
		}
		continue;
fail_q:
		cJSON_Delete(q);
		goto fail;
	}
	if (!cJSON_AddNumberToObject(req, "StartTime", (double)(f->from_ms / 1000)) ||
	    !cJSON_AddNumberToObject(req, "EndTime", (double)((f->to_ms + 999) / 1000)) ||
	    !cJSON_AddStringToObject(req, "ScanBy", f->newest_first ? "TimestampDescending" : "TimestampAscending"))
		goto fail;
	return req;
fail:
	cJSON_Delete(req);
	return NULL;
}

fa2_err fa2_cw_get_metric_data(fa2_aws_client *c, const fa2_cw_fetch *f, fa2_cw_series *series,
			       fa2_aws_outcome *oc)
{
	long period = f->period_s > 0 ? f->period_s : fa2_cw_period(f->to_ms - f->from_ms);
	size_t max_pages = f->max_pages ? f->max_pages : FA2_CW_MAX_PAGES, first, i;
	fa2_buf raw;
	fa2_err e = FA2_OK;

	fa2_buf_init(&raw, FA2_MAX_HTTP_BODY_BYTES);
	for (first = 0; first < f->n && !e; first += FA2_CW_BATCH) {
		size_t count = f->n - first < FA2_CW_BATCH ? f->n - first : FA2_CW_BATCH, page;
		char token[CW_TOKEN_BYTES] = "";
		for (page = 0; page < max_pages; page++) {
			cJSON *req = batch_request(f, first, count, period), *rep = NULL, *r;
			if (!req || (token[0] && !cJSON_AddStringToObject(req, "NextToken", token))) {
				cJSON_Delete(req);
				e = FA2_ERR_NOMEM;
				break;
			}
			e = fa2_aws_do_both(c, "monitoring", "GetMetricData", req, f->deadline_mono_ms, &raw, &rep, oc);
			if (!e && f->on_page)
				e = f->on_page(f->ctx, req, fa2_buf_slice(&raw));
			cJSON_Delete(req);
			if (e) {
				cJSON_Delete(rep);
				break;
			}
			cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(rep, "MetricDataResults")) {
				const char *id = fa2_json_str(r, "Id");
				const cJSON *ts = cJSON_GetObjectItemCaseSensitive(r, "Timestamps");
				const cJSON *vs = cJSON_GetObjectItemCaseSensitive(r, "Values");
				const cJSON *t, *v;
				uint64_t idx;
				if (!id || id[0] != 'm' || fa2_parse_u64(fa2_slice_cstr(id + 1), &idx) ||
				    idx < first || idx >= first + count)
					continue;
				for (t = ts ? ts->child : NULL, v = vs ? vs->child : NULL; t && v && !e; t = t->next, v = v->next) {
					int64_t ms = fa2_cw_time_ms(t);
					if (ms >= 0 && cJSON_IsNumber(v))
						e = add_point(&series[idx], ms, v->valuedouble);
				}
			}
			next_token(rep, token, sizeof token);
			cJSON_Delete(rep);
			if (e || !token[0])
				break;
		}
	}
	for (i = 0; i < f->n; i++)
		fa2_cw_points_sort(series[i].t_ms, series[i].v, series[i].n);
	fa2_buf_cleanup(&raw);
	return e;
}
