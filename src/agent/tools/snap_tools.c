/* metrics_tool, audit_log_tool and xray_tool over a snapshot (snap.h). Same inputs and
 * observation shapes as the AWS tools; the data are the snapshot's, restricted to the
 * incident window.
 *
 * metrics_tool: every captured series matching namespace / metricName / dimensions (all
 *   namespaces: the snapshot was chosen by whoever captured it), summarised by
 *   metrics_tool's own summary (fa2_metrics_tool_summarise), each series with the
 *   statistic it was captured with.
 * audit_log_tool: the newest maxEvents events matching every given attribute (exact, as
 *   LookupEvents compares), errors first, then mutating, newest first.
 * xray_tool: the trace summaries matching a subset of the X-Ray filter language
 *   (service("name"), fault / error / throttle [= true|false], ok, http.status and
 *   responsetime / duration comparisons, joined by AND); per-service summary, then the
 *   root causes (FaultRootCauses / ErrorRootCauses) counted over the matching traces. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/tools/common.h"
#include "agent/tools/snap.h"
#include "agent/tools/tools.h"
#include "base/alloc.h"
#include "base/json.h"
#include "triage/triage.h"

#define SNAP_METRICS_MAX   500
#define SNAP_AUDIT_MAX     1000
#define SNAP_AUDIT_SHOWN   60
#define SNAP_XRAY_SERVICES 32
#define SNAP_XRAY_CAUSES   200
#define SNAP_XRAY_SHOWN    20
#define SNAP_XRAY_TERMS    8

/* ---- metrics_tool ---- */

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

fa2_err fa2_snap_metrics_exec(void *ctx, const fa2_tool_env *env, const cJSON *input, fa2_buf *out)
{
	const fa2_snap *snap = ctx;
	const fa2_tr_data *d = &snap->d;
	const char *ns = fa2_json_str(input, "namespace"), *name = fa2_json_str(input, "metricName");
	const cJSON *dims = cJSON_GetObjectItemCaseSensitive(input, "dimensions");
	long max_series = fa2_tools_int(input, "maxSeries", 100, 1, SNAP_METRICS_MAX);
	cJSON *keep = cJSON_CreateArray();
	fa2_metrics_series *ss = NULL;
	size_t i, k, n = 0;
	long period = 0;
	int truncated = 0;
	fa2_err e = FA2_ERR_NOMEM;

	if (!keep)
		goto cleanup;
	ss = fa2_calloc((size_t)max_series, sizeof *ss);
	if (!ss)
		goto cleanup;
	for (i = 0; i < d->n_series; i++) {
		const fa2_tr_series *s = &d->series[i];
		cJSON *m, *darr;
		fa2_metrics_series *o;
		if ((ns && *ns && strcmp(s->namespace_, ns) != 0) || (name && *name && strcmp(s->metric, name) != 0) ||
		    !dims_match(s, dims))
			continue;
		if (n >= (size_t)max_series) {
			truncated = 1;
			break;
		}
		m = cJSON_CreateObject();
		if (!m || !cJSON_AddItemToArray(keep, m) || !cJSON_AddStringToObject(m, "Namespace", s->namespace_) ||
		    !cJSON_AddStringToObject(m, "MetricName", s->metric) || !(darr = cJSON_AddArrayToObject(m, "Dimensions")))
			goto cleanup;
		for (k = 0; k < s->n_dims; k++) {
			cJSON *o2 = cJSON_CreateObject();
			if (!o2 || !cJSON_AddItemToArray(darr, o2) || !cJSON_AddStringToObject(o2, "Name", s->dims[k].name) ||
			    !cJSON_AddStringToObject(o2, "Value", s->dims[k].value))
				goto cleanup;
		}
		o = &ss[n++];
		o->metric = m;
		o->stat = s->stat && *s->stat ? s->stat : NULL;
		if (s->n) {
			o->t = fa2_malloc(s->n * sizeof *o->t);
			o->v = fa2_malloc(s->n * sizeof *o->v);
			if (!o->t || !o->v)
				goto cleanup;
			o->cap = s->n;
		}
		for (k = 0; k < s->n; k++) {
			if (s->t_ms[k] < env->from_ms || s->t_ms[k] > env->to_ms)
				continue;
			o->t[o->n] = s->t_ms[k];
			o->v[o->n++] = s->v[k];
		}
		if (!period && s->period_s > 0)
			period = (long)s->period_s;
	}
	if (n == 0) {
		(void)fa2_buf_append_cstr(out, FA2_T(env, "no metrics matched in the snapshot; list without metricName/dimensions "
						     "or name another namespace\n",
						     "スナップショットに該当するメトリクスがありません。metricName/dimensions を外すか別の名前空間を指定してください\n"));
		e = FA2_OK;
		goto cleanup;
	}
	e = fa2_metrics_tool_summarise(env, ss, n, period ? period : 60, FA2_T(env, "statistic as captured", "取得時の統計"),
				       truncated, out);
cleanup:
	for (i = 0; ss && i < (size_t)max_series; i++) {
		fa2_free(ss[i].t);
		fa2_free(ss[i].v);
	}
	fa2_free(ss);
	cJSON_Delete(keep);
	return e;
}

/* ---- audit_log_tool ---- */

typedef struct snap_ev {
	const fa2_tr_event *ev;
	int rank;                 /* 0 error, 1 mutating, 2 read */
} snap_ev;

static int ev_cmp(const void *a, const void *b)
{
	const snap_ev *x = a, *y = b;
	if (x->rank != y->rank)
		return x->rank - y->rank;
	return x->ev->t_ms > y->ev->t_ms ? -1 : x->ev->t_ms < y->ev->t_ms;
}

static int ev_matches(const fa2_tr_event *ev, const cJSON *input)
{
	const char *v;
	size_t k;
	if ((v = fa2_json_str(input, "eventName")) && *v && strcmp(ev->name ? ev->name : "", v) != 0)
		return 0;
	if ((v = fa2_json_str(input, "eventSource")) && *v && strcmp(ev->source ? ev->source : "", v) != 0)
		return 0;
	if ((v = fa2_json_str(input, "userName")) && *v && strcmp(ev->user ? ev->user : "", v) != 0) {
		/* Username, or the last part of the identity ARN. */
		const char *slash = ev->user ? strrchr(ev->user, '/') : NULL;
		if (!slash || strcmp(slash + 1, v) != 0)
			return 0;
	}
	if ((v = fa2_json_str(input, "resourceName")) && *v) {
		int found = 0;
		for (k = 0; k < ev->n_resources && !found; k++)
			found = ev->resources[k].value && strcmp(ev->resources[k].value, v) == 0;
		if (!found)
			return 0;
	}
	return 1;
}

fa2_err fa2_snap_audit_exec(void *ctx, const fa2_tool_env *env, const cJSON *input, fa2_buf *out)
{
	static const char *const attrs[] = { "eventName", "eventSource", "resourceName", "userName" };
	const fa2_snap *snap = ctx;
	const fa2_tr_data *d = &snap->d;
	long max_events = fa2_tools_int(input, "maxEvents", 500, 1, SNAP_AUDIT_MAX);
	snap_ev *evs = fa2_calloc((size_t)max_events, sizeof *evs);
	size_t n = 0, i, k, errors = 0, writes = 0, matched = 0;
	char t1[40], t2[40];
	fa2_buf filter;

	fa2_buf_init(&filter, 2048);
	if (!evs)
		return FA2_ERR_NOMEM;
	for (i = 0; i < sizeof attrs / sizeof attrs[0]; i++) {
		const char *v = fa2_json_str(input, attrs[i]);
		if (v && *v)
			(void)fa2_buf_appendf(&filter, " %s=%.200s", attrs[i], v);
	}
	/* Events are sorted by time: walk from the newest. */
	for (i = d->n_events; i-- > 0;) {
		const fa2_tr_event *ev = &d->events[i];
		snap_ev *a;
		if (ev->t_ms < env->from_ms || ev->t_ms > env->to_ms || !ev_matches(ev, input))
			continue;
		matched++;
		if (n >= (size_t)max_events)
			continue;
		a = &evs[n++];
		a->ev = ev;
		if (ev->error_code && *ev->error_code)
			a->rank = 0, errors++;
		else if (fa2_tr_event_is_write(ev))
			a->rank = 1, writes++;
		else
			a->rank = 2;
	}
	qsort(evs, n, sizeof *evs, ev_cmp);
	fa2_tools_time(env->from_ms, t1, sizeof t1);
	fa2_tools_time(env->to_ms, t2, sizeof t2);
	(void)fa2_buf_appendf(out, FA2_T(env, "CloudTrail events (snapshot)%s in %s .. %s: %zu events (%zu errors, %zu mutating)%s; "
					 "errors first, then mutating, newest first\n",
					 "CloudTrail イベント (スナップショット)%s 期間 %s .. %s: %zu 件（エラー %zu、変更系 %zu）%s。エラー、変更系の順、新しい順\n"),
			      filter.data ? filter.data : "", t1, t2, n, errors, writes,
			      matched > n ? FA2_T(env, " (more exist: narrow by eventName or resourceName)",
						  "（続きあり: eventName か resourceName で絞ってください）") : "");
	for (i = 0; i < n && i < SNAP_AUDIT_SHOWN; i++) {
		const fa2_tr_event *ev = evs[i].ev;
		fa2_tools_time(ev->t_ms, t1, sizeof t1);
		(void)fa2_buf_appendf(out, "%s %s %s %s user=%s", t1,
				      evs[i].rank == 0 ? "ERROR" : evs[i].rank == 1 ? "WRITE" : "read",
				      ev->source && *ev->source ? ev->source : "?", ev->name && *ev->name ? ev->name : "?",
				      ev->user && *ev->user ? ev->user : "?");
		for (k = 0; k < ev->n_resources && k < 6; k++)
			if (ev->resources[k].value && *ev->resources[k].value)
				(void)fa2_buf_appendf(out, " res=%.200s", ev->resources[k].value);
		if (ev->params && *ev->params && evs[i].rank < 2)
			(void)fa2_buf_appendf(out, " params=%.300s", ev->params);
		if (ev->error_code && *ev->error_code)
			(void)fa2_buf_appendf(out, " error=%s", ev->error_code);
		(void)fa2_buf_append_byte(out, '\n');
	}
	if (n > SNAP_AUDIT_SHOWN)
		(void)fa2_buf_appendf(out, FA2_T(env, "(%zu more read-only or older events not shown)\n",
						 "（他 %zu 件省略）\n"), n - SNAP_AUDIT_SHOWN);
	fa2_free(evs);
	fa2_buf_cleanup(&filter);
	return FA2_OK;
}

/* ---- xray_tool ---- */

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
			if (*n >= SNAP_XRAY_CAUSES)
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

fa2_err fa2_snap_xray_exec(void *ctx, const fa2_tool_env *env, const cJSON *input, fa2_buf *out)
{
	const fa2_snap *snap = ctx;
	const fa2_tr_data *d = &snap->d;
	const char *filter = fa2_json_str(input, "filterExpression");
	xterm terms[SNAP_XRAY_TERMS];
	xsvc svcs[SNAP_XRAY_SERVICES];
	xcause *cs = NULL;
	size_t n_terms = 0, n_svcs = 0, n_cs = 0, i, k;
	unsigned traces = 0, n_fault = 0, n_error = 0;
	char t1[40], t2[40];

	if (xray_parse(filter, terms, &n_terms)) {
		(void)fa2_buf_appendf(out, FA2_T(env, "filterExpression not understood offline: %s\n%s\n",
						 "filterExpression をオフラインで解釈できません: %s\n%s\n"),
				      filter, xray_supported);
		return FA2_ERR_INVALID;
	}
	cs = fa2_calloc(SNAP_XRAY_CAUSES, sizeof *cs);
	if (!cs)
		return FA2_ERR_NOMEM;
	for (i = 0; i < d->n_traces; i++) {
		const fa2_tr_trace *tr = &d->traces[i];
		if (tr->t_ms < env->from_ms || tr->t_ms > env->to_ms || !trace_matches(tr, terms, n_terms))
			continue;
		traces++;
		n_fault += tr->fault ? 1u : 0u;
		n_error += tr->error ? 1u : 0u;
		for (k = 0; k < tr->n_services; k++) {
			size_t j;
			for (j = 0; j < n_svcs && strcmp(svcs[j].name, tr->services[k]) != 0; j++)
				;
			if (j == n_svcs) {
				if (n_svcs >= SNAP_XRAY_SERVICES)
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
	}
	fa2_tools_time(env->from_ms, t1, sizeof t1);
	fa2_tools_time(env->to_ms, t2, sizeof t2);
	(void)fa2_buf_appendf(out, FA2_T(env, "X-Ray (snapshot) %s .. %s%s%s: %u traces, %u with faults, %u with errors\n",
					 "X-Ray (スナップショット) %s .. %s%s%s: トレース %u 件、フォールトあり %u、エラーあり %u\n"),
			      t1, t2, filter && *filter ? " filter " : "", filter && *filter ? filter : "", traces, n_fault,
			      n_error);
	for (i = 0; i < n_svcs; i++)
		(void)fa2_buf_appendf(out, FA2_T(env, "  service %s: %u traces, %u faults, %u errors, %u throttled, "
						 "response mean %.3f s max %.3f s\n",
						 "  サービス %s: %u トレース、フォールト %u、エラー %u、スロットル %u、"
						 "応答 平均 %.3f 秒 最大 %.3f 秒\n"),
				      svcs[i].name, svcs[i].traces, svcs[i].faults, svcs[i].errors, svcs[i].throttles,
				      svcs[i].traces ? svcs[i].rt_sum / svcs[i].traces : 0.0, svcs[i].rt_max);
	if (n_cs) {
		qsort(cs, n_cs, sizeof *cs, cause_cmp);
		(void)fa2_buf_appendf(out, FA2_T(env, "root causes over the matching traces (most frequent first):\n",
						 "該当トレースの原因（多い順）:\n"));
		for (i = 0; i < n_cs && i < SNAP_XRAY_SHOWN; i++) {
			const fa2_tr_rootcause *rc = cs[i].rc;
			fa2_tools_time(cs[i].first_ms, t1, sizeof t1);
			fa2_tools_time(cs[i].last_ms, t2, sizeof t2);
			(void)fa2_buf_appendf(out, "  %s %s/%s: %.100s: %.300s (x%zu, %s .. %s)\n", cs[i].fault ? "FAULT" : "ERROR",
					      rc->service && *rc->service ? rc->service : "?",
					      rc->entity && *rc->entity ? rc->entity : "?", rc->exception ? rc->exception : "",
					      rc->message ? rc->message : "", cs[i].count, t1, t2);
		}
		if (n_cs > SNAP_XRAY_SHOWN)
			(void)fa2_buf_appendf(out, FA2_T(env, "  (%zu more causes not shown)\n", "  （他 %zu 件省略）\n"),
					      n_cs - SNAP_XRAY_SHOWN);
	} else if (n_fault || n_error) {
		(void)fa2_buf_append_cstr(out, FA2_T(env, "  (no root causes recorded in the summaries)\n",
						     "  （サマリーに原因の記録なし）\n"));
	}
	fa2_free(cs);
	return FA2_OK;
}
