/* The snapshot data source (source.h): the tools answered from a snapshot directory
 * read once into memory (snap.h), restricted to the incident window.
 *
 * logs: the model's filter evaluated with the Logs Insights subset (snap_query.c) over
 *   the lines of the window and the asked groups; every matching line (the newest
 *   `limit` when one is asked); stats count(*) [by bin(...) | by FIELD] gives aggregate
 *   rows (bins without lines are omitted, as the service does).
 * metrics: every captured series matching namespace / metricName / dimensions (any
 *   namespace), each with the statistic it was captured with.
 * events: the events matching every given attribute (exact, as LookupEvents compares).
 * traces: the summaries matching a subset of the X-Ray filter language (service("name"),
 *   fault / error / throttle [= true|false], ok, http.status and responsetime / duration
 *   comparisons, joined by AND).
 * kb: BM25 over the snapshot's runbooks/ folder. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/tools/common.h"
#include "agent/tools/runbooks.h"
#include "agent/tools/snap.h"
#include "agent/tools/source.h"
#include "agent/tools/tools.h"
#include "base/alloc.h"
#include "base/json.h"
#include "triage/triage.h"

#define SNAP_MAX_KEYS      1000u
#define SNAP_XRAY_TERMS    8

static int snap_offers(const fa2_source *s, const char *tool)
{
	if (!strcmp(tool, "metrics_tool") || !strcmp(tool, "audit_log_tool") || !strcmp(tool, "logs_tool"))
		return 1;
	if (!strcmp(tool, "xray_tool"))
		return s->snap->d.n_traces > 0;
	if (!strcmp(tool, "kb_tool"))
		return s->runbooks != NULL;
	return 0;
}

static const char *const *snap_groups(const fa2_source *s, size_t *n)
{
	*n = s->snap->d.n_log_groups;
	return s->snap->d.log_groups;
}

/* ---- logs ---- */

static int in_groups(const fa2_src_logs_req *q, const char *group)
{
	size_t i;
	for (i = 0; i < q->n_groups; i++)
		if (group && strcmp(q->groups[i], group) == 0)
			return 1;
	return 0;
}

typedef struct keycount {
	char key[160];
	size_t count;
} keycount;

static int key_cmp(const void *a, const void *b)
{
	const keycount *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->key, y->key);
}

static fa2_err emit_agg(const fa2_src_logs_req *q, const char *name1, const char *v1, const char *name2,
			const char *v2, fa2_src_logs_res *res)
{
	fa2_tr_kv kv[2];
	fa2_src_row r;
	memset(&r, 0, sizeof r);
	r.t_ms = FA2_LOGS_NO_TIME;
	r.group = r.stream = "";
	kv[0].name = name1;
	kv[0].value = v1;
	kv[1].name = name2;
	kv[1].value = v2;
	r.fields = kv;
	r.n_fields = name2 ? 2 : 1;
	res->rows++;
	return q->on_row(q->ctx, &r);
}

/* stats count(*) [by bin(...) | by FIELD] over the matching lines idx[0..n). */
static fa2_err snap_stats(const fa2_snapq *sq, const fa2_tr_data *d, const size_t *idx, size_t n,
			  const fa2_src_logs_req *q, fa2_src_logs_res *res)
{
	char num[32], bin_name[40];
	size_t i;
	fa2_err e = FA2_OK;
	if (fa2_snapq_stats(sq) == FA2_SNAPQ_STATS_COUNT) {
		snprintf(num, sizeof num, "%zu", n);
		return emit_agg(q, "count(*)", num, NULL, NULL, res);
	}
	if (fa2_snapq_stats(sq) == FA2_SNAPQ_STATS_BIN) {
		int64_t bin = fa2_snapq_bin_ms(sq), cur = 0;
		size_t cnt = 0;
		snprintf(bin_name, sizeof bin_name, "bin(%llds)", (long long)(bin / 1000));
		for (i = 0; i <= n && !e; i++) {
			int64_t b = i < n ? d->lines[idx[i]].t_ms - ((d->lines[idx[i]].t_ms % bin) + bin) % bin : 0;
			if (i < n && cnt && b == cur) {
				cnt++;
				continue;
			}
			if (cnt) {
				char t[40];
				snprintf(t, sizeof t, "%lld", (long long)cur);
				snprintf(num, sizeof num, "%zu", cnt);
				e = emit_agg(q, bin_name, t, "count(*)", num, res);
			}
			cur = b;
			cnt = 1;
		}
		return e;
	}
	{
		keycount *keys = fa2_calloc(SNAP_MAX_KEYS, sizeof *keys);
		size_t nk = 0, other = 0, missing = 0, k;
		if (!keys)
			return FA2_ERR_NOMEM;
		for (i = 0; i < n; i++) {
			char v[160];
			if (!fa2_snapq_field(&d->lines[idx[i]], fa2_snapq_by_field(sq), v, sizeof v)) {
				missing++;
				continue;
			}
			for (k = 0; k < nk && strcmp(keys[k].key, v) != 0; k++)
				;
			if (k == nk) {
				if (nk == SNAP_MAX_KEYS) {
					other++;
					continue;
				}
				memcpy(keys[nk].key, v, sizeof v);
				nk++;
			}
			keys[k].count++;
		}
		qsort(keys, nk, sizeof *keys, key_cmp);
		for (k = 0; k < nk && !e; k++) {
			snprintf(num, sizeof num, "%zu", keys[k].count);
			e = emit_agg(q, fa2_snapq_by_field(sq), keys[k].key, "count(*)", num, res);
		}
		if (!e && other) {
			snprintf(num, sizeof num, "%zu", other);
			e = emit_agg(q, fa2_snapq_by_field(sq), "(other values)", "count(*)", num, res);
		}
		if (!e && missing) {
			snprintf(num, sizeof num, "%zu", missing);
			e = emit_agg(q, fa2_snapq_by_field(sq), "(absent)", "count(*)", num, res);
		}
		fa2_free(keys);
	}
	return e;
}

static fa2_err snap_logs(fa2_source *s, const fa2_tool_env *env, const fa2_src_logs_req *q, fa2_src_logs_res *res,
			 fa2_buf *out)
{
	const fa2_tr_data *d = &s->snap->d;
	fa2_snapq *sq = NULL;
	size_t *idx = NULL, n_idx = 0, i, count, first;
	long limit;
	char msg[1400];
	fa2_err e;

	(void)out;
	res->snapshot = 1;
	res->note = d->coverage_note;
	e = fa2_snapq_parse(q->filter ? q->filter : "", &sq, msg, sizeof msg);
	if (e) {
		(void)fa2_buf_append_cstr(res->query, q->filter ? q->filter : "");
		res->malformed = 1;
		snprintf(res->code, sizeof res->code, "MalformedQuery");
		snprintf(res->message, sizeof res->message, "%s", msg);
		e = FA2_ERR_INVALID;
		goto cleanup;
	}
	limit = fa2_snapq_limit(sq);
	res->query_limit = limit;
	if (q->limit && (!limit || (long)q->limit < limit))
		limit = (long)q->limit;
	(void)fa2_buf_append_cstr(res->query, "fields @timestamp, @message");
	if (q->filter && *q->filter)
		(void)fa2_buf_appendf(res->query, " | filter %s", q->filter);
	res->aggregate = fa2_snapq_stats(sq) != FA2_SNAPQ_STATS_NONE;
	if (!res->aggregate) {
		(void)fa2_buf_appendf(res->query, " | sort @timestamp %s", fa2_snapq_sort_asc(sq) ? "asc" : "desc");
		if (limit)
			(void)fa2_buf_appendf(res->query, " | limit %ld", limit);
	}
	idx = d->n_lines ? fa2_malloc(d->n_lines * sizeof *idx) : NULL;
	if (d->n_lines && !idx) {
		e = FA2_ERR_NOMEM;
		goto cleanup;
	}
	/* Lines are sorted by time: matching rows in ascending order. */
	for (i = 0; i < d->n_lines; i++) {
		const fa2_tr_logline *l = &d->lines[i];
		if (l->t_ms < env->from_ms || l->t_ms > env->to_ms)
			continue;
		if (q->n_groups > 0 && l->group && *l->group && !in_groups(q, l->group))
			continue;
		if (fa2_snapq_match(sq, l))
			idx[n_idx++] = i;
	}
	if (res->aggregate) {
		res->estimated = (double)n_idx;
		e = snap_stats(sq, d, idx, n_idx, q, res);
		goto cleanup;
	}
	count = limit && (size_t)limit < n_idx ? (size_t)limit : n_idx;
	res->limited = count < n_idx;
	first = fa2_snapq_sort_asc(sq) ? 0 : n_idx - count;
	res->estimated = (double)n_idx;
	for (i = 0; i < count; i++) {
		const fa2_tr_logline *l = &d->lines[idx[first + i]];
		fa2_src_row r;
		memset(&r, 0, sizeof r);
		r.t_ms = l->t_ms;
		r.msg = fa2_slice_make(l->msg, l->msg_len);
		r.group = l->group ? l->group : "";
		r.stream = l->stream ? l->stream : "";
		if ((e = q->on_row(q->ctx, &r)) != FA2_OK)
			goto cleanup;
		res->rows++;
	}
	e = FA2_OK;
cleanup:
	fa2_free(idx);
	fa2_snapq_free(sq);
	return e;
}

/* ---- metrics ---- */

static int dims_match(const fa2_tr_series *s, const cJSON *dims)
{
	const cJSON *d;
	cJSON_ArrayForEach(d, dims) {
		const char *dn = fa2_json_str(d, "name"), *dv = fa2_json_str(d, "value");
		size_t k;
		int found = 0;
		if (!dn)
			continue;
		for (k = 0; k < s->n_dims && !found; k++)
			found = strcmp(s->dims[k].name, dn) == 0 && (!dv || strcmp(s->dims[k].value, dv) == 0);
		if (!found)
			return 0;
	}
	return 1;
}

static fa2_err snap_metrics(fa2_source *s, const fa2_tool_env *env, const fa2_src_metrics_req *q,
			    fa2_src_metrics *r, fa2_buf *out)
{
	const fa2_tr_data *d = &s->snap->d;
	size_t i, k;
	(void)out;
	r->metrics = cJSON_CreateArray();
	r->ss = fa2_calloc(q->max_series ? q->max_series : 1, sizeof *r->ss);
	if (!r->metrics || !r->ss)
		return FA2_ERR_NOMEM;
	r->stat = FA2_T(env, "statistic as captured", "取得時の統計");
	for (i = 0; i < d->n_series; i++) {
		const fa2_tr_series *sr = &d->series[i];
		cJSON *m, *darr;
		fa2_metrics_series *o;
		if ((q->ns && *q->ns && strcmp(sr->namespace_, q->ns) != 0) ||
		    (q->name && *q->name && strcmp(sr->metric, q->name) != 0) || !dims_match(sr, q->dims))
			continue;
		if (r->n >= q->max_series) {
			r->truncated = 1;
			break;
		}
		m = cJSON_CreateObject();
		if (!m)
			return FA2_ERR_NOMEM;
		if (!cJSON_AddItemToArray(r->metrics, m)) {
			cJSON_Delete(m);
			return FA2_ERR_NOMEM;
		}
		if (!cJSON_AddStringToObject(m, "Namespace", sr->namespace_) ||
		    !cJSON_AddStringToObject(m, "MetricName", sr->metric) || !(darr = cJSON_AddArrayToObject(m, "Dimensions")))
			return FA2_ERR_NOMEM;
		for (k = 0; k < sr->n_dims; k++) {
			cJSON *o2 = cJSON_CreateObject();
			if (!o2)
				return FA2_ERR_NOMEM;
			if (!cJSON_AddItemToArray(darr, o2)) {
				cJSON_Delete(o2);
				return FA2_ERR_NOMEM;
			}
			if (!cJSON_AddStringToObject(o2, "Name", sr->dims[k].name) ||
			    !cJSON_AddStringToObject(o2, "Value", sr->dims[k].value))
				return FA2_ERR_NOMEM;
		}
		o = &r->ss[r->n++];
		o->metric = m;
		o->stat = sr->stat && *sr->stat ? sr->stat : NULL;
		if (sr->n) {
			o->t = fa2_malloc(sr->n * sizeof *o->t);
			o->v = fa2_malloc(sr->n * sizeof *o->v);
			if (!o->t || !o->v)
				return FA2_ERR_NOMEM;
			o->cap = sr->n;
		}
		for (k = 0; k < sr->n; k++) {
			if (sr->t_ms[k] < env->from_ms || sr->t_ms[k] > env->to_ms)
				continue;
			o->t[o->n] = sr->t_ms[k];
			o->v[o->n++] = sr->v[k];
		}
		if (!r->period_s && sr->period_s > 0)
			r->period_s = (long)sr->period_s;
	}
	if (!r->period_s)
		r->period_s = 60;
	return FA2_OK;
}

/* ---- events ---- */

static fa2_err snap_events(fa2_source *s, const fa2_tool_env *env, const fa2_src_events_req *q, fa2_src_events *r,
			   fa2_buf *out)
{
	const fa2_tr_data *d = &s->snap->d;
	(void)out;
	r->note = d->coverage_note;
	snprintf(r->how, sizeof r->how, "%s", FA2_T(env, "the snapshot's CloudTrail events", "スナップショットの CloudTrail イベント"));
	return fa2_src_events_select(env, q, d, r);
}

/* ---- traces ---- */

enum { XT_SERVICE = 1, XT_FAULT, XT_ERROR, XT_THROTTLE, XT_OK, XT_STATUS, XT_RT };

typedef struct xterm {
	int kind;
	int op;                 /* '=', '!', '<', 'l' (<=), '>', 'g' (>=) */
	double num;
	int want;               /* boolean terms */
	char name[128];
} xterm;

static const char xray_supported[] =
	"supported filterExpression subset: service(\"NAME\"), fault, error, throttle, ok "
	"(optionally = true|false), http.status OP N, responsetime OP SECONDS, duration OP SECONDS "
	"(OP: = != < <= > >=), joined by AND";

/* Parses one term [s, s+len). 0 on success. */
static int xray_term(const char *s, size_t len, xterm *t)
{
	char buf[256], *p, *end;
	size_t i;
	memset(t, 0, sizeof *t);
	if (len >= sizeof buf)
		return -1;
	for (i = 0; i < len; i++)
		buf[i] = s[i];
	buf[len] = '\0';
	p = buf;
	if (strncmp(p, "service(", 8) == 0) {
		char *q = p + 8, *close;
		if (*q == '"')
			q++;
		close = strchr(q, ')');
		if (!close || close[1] != '\0')
			return -1;
		if (close > q && close[-1] == '"')
			close--;
		if ((size_t)(close - q) >= sizeof t->name || close == q)
			return -1;
		memcpy(t->name, q, (size_t)(close - q));
		t->name[close - q] = '\0';
		t->kind = XT_SERVICE;
		return 0;
	}
	for (i = 0; p[i] && (isalnum((unsigned char)p[i]) || p[i] == '.' || p[i] == '_'); i++)
		p[i] = (char)tolower((unsigned char)p[i]);
	{
		char word[32];
		const char *rest = p + i;
		size_t wl = i;
		if (wl == 0 || wl >= sizeof word)
			return -1;
		memcpy(word, p, wl);
		word[wl] = '\0';
		while (*rest == ' ')
			rest++;
		if (!strcmp(word, "fault") || !strcmp(word, "error") || !strcmp(word, "throttle") || !strcmp(word, "ok")) {
			t->kind = !strcmp(word, "fault") ? XT_FAULT : !strcmp(word, "error") ? XT_ERROR
				  : !strcmp(word, "throttle") ? XT_THROTTLE : XT_OK;
			t->want = 1;
			if (!*rest)
				return 0;
			if (*rest != '=')
				return -1;
			rest++;
			while (*rest == ' ')
				rest++;
			if (!strcmp(rest, "true"))
				return 0;
			if (!strcmp(rest, "false")) {
				t->want = 0;
				return 0;
			}
			return -1;
		}
		if (!strcmp(word, "http.status"))
			t->kind = XT_STATUS;
		else if (!strcmp(word, "responsetime") || !strcmp(word, "duration"))
			t->kind = XT_RT;
		else
			return -1;
		if (rest[0] == '!' && rest[1] == '=')
			t->op = '!', rest += 2;
		else if (rest[0] == '<' && rest[1] == '=')
			t->op = 'l', rest += 2;
		else if (rest[0] == '>' && rest[1] == '=')
			t->op = 'g', rest += 2;
		else if (rest[0] == '=' || rest[0] == '<' || rest[0] == '>')
			t->op = rest[0], rest += 1;
		else
			return -1;
		while (*rest == ' ')
			rest++;
		t->num = strtod(rest, &end);
		if (end == rest || *end != '\0')
			return -1;
		return 0;
	}
}

/* Splits expr at AND (any case) into terms; -1 with nothing parsed on error. */
static int xray_parse(const char *expr, xterm *terms, size_t *n)
{
	const char *s = expr;
	*n = 0;
	if (!expr)
		return 0;
	while (*s) {
		const char *e = s, *cut = NULL;
		size_t len;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		for (e = s; *e; e++) {
			if ((e[0] == ' ') && (e[1] == 'A' || e[1] == 'a') && (e[2] == 'N' || e[2] == 'n') &&
			    (e[3] == 'D' || e[3] == 'd') && e[4] == ' ') {
				cut = e;
				break;
			}
		}
		len = cut ? (size_t)(cut - s) : strlen(s);
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		if (*n >= SNAP_XRAY_TERMS || xray_term(s, len, &terms[*n]))
			return -1;
		(*n)++;
		if (!cut)
			break;
		s = cut + 5;
	}
	return 0;
}

static int cmp_num(double a, int op, double b)
{
	switch (op) {
	case '=': return a == b;
	case '!': return a != b;
	case '<': return a < b;
	case 'l': return a <= b;
	case '>': return a > b;
	case 'g': return a >= b;
	default: return 0;
	}
}

static int trace_matches(const fa2_tr_trace *tr, const xterm *terms, size_t n)
{
	size_t i, k;
	for (i = 0; i < n; i++) {
		const xterm *t = &terms[i];
		int ok = 0;
		switch (t->kind) {
		case XT_SERVICE:
			for (k = 0; k < tr->n_services && !ok; k++)
				ok = strcmp(tr->services[k], t->name) == 0;
			break;
		case XT_FAULT: ok = !!tr->fault == t->want; break;
		case XT_ERROR: ok = !!tr->error == t->want; break;
		case XT_THROTTLE: ok = !!tr->throttle == t->want; break;
		case XT_OK: ok = (tr->fault || tr->error || tr->throttle ? 0 : 1) == t->want; break;
		case XT_STATUS: ok = tr->http_status > 0 && cmp_num((double)tr->http_status, t->op, t->num); break;
		case XT_RT: ok = cmp_num(tr->duration_s, t->op, t->num); break;
		default: break;
		}
		if (!ok)
			return 0;
	}
	return 1;
}

static fa2_err snap_traces(fa2_source *s, const fa2_tool_env *env, const char *filter, size_t max,
			   fa2_src_traces *r, fa2_buf *out)
{
	const fa2_tr_data *d = &s->snap->d;
	xterm terms[SNAP_XRAY_TERMS];
	size_t n_terms = 0, i;
	if (xray_parse(filter, terms, &n_terms)) {
		(void)fa2_buf_appendf(out, FA2_T(env, "filterExpression not understood offline: %s\n%s\n",
						 "filterExpression をオフラインで解釈できません: %s\n%s\n"),
				      filter, xray_supported);
		return FA2_ERR_INVALID;
	}
	r->note = d->coverage_note;
	r->v = d->n_traces ? fa2_calloc(d->n_traces, sizeof *r->v) : NULL;
	if (d->n_traces && !r->v)
		return FA2_ERR_NOMEM;
	for (i = 0; i < d->n_traces; i++) {
		const fa2_tr_trace *tr = &d->traces[i];
		if (tr->t_ms < env->from_ms || tr->t_ms > env->to_ms || !trace_matches(tr, terms, n_terms))
			continue;
		if (r->n >= max) {
			r->more = 1;
			break;
		}
		r->v[r->n++] = tr;
	}
	return FA2_OK;
}

static fa2_err snap_kb(fa2_source *s, const fa2_tool_env *env, const char *query, size_t n, fa2_buf *out, int *shown)
{
	if (!s->runbooks)
		return FA2_ERR_UNSUPPORTED;
	(void)fa2_buf_appendf(out, FA2_T(env, "knowledge base (snapshot runbooks, %zu files), query \"%s\":\n",
					 "ナレッジベース (スナップショットのランブック %zu 件)、クエリ「%s」:\n"),
			      s->runbooks->n_docs, query);
	return fa2_runbooks_search(s->runbooks, query, n, out, shown);
}

const fa2_source_ops fa2_source_snap_ops = {
	snap_offers, snap_groups, snap_logs, snap_metrics, snap_events, snap_traces, NULL, snap_kb, NULL
};
