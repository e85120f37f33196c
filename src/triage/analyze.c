/* The triage analysis: metrics, logs, traces, changes, then onset, suspects, timeline.
 * See triage.h. Scores are in [0, 1] unless stated; the weights are documented in
 * docs/triage.md. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/log.h"
#include "triage/logs.h"
#include "triage/triage.h"

/* qsort that accepts an empty (possibly NULL) array. */
static void sort_n(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

void fa2_tr_config_default(fa2_tr_config *c)
{
	c->horizon_ms = 60 * 60000LL;
	c->tau_ms = 20 * 60000LL;
}

static int ci_has(const char *text, const char *needle)
{
	size_t n = strlen(needle), len = strlen(text), i, j;
	for (i = 0; n && i + n <= len; i++) {
		for (j = 0; j < n; j++) {
			char c = text[i + j];
			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (c != needle[j])
				break;
		}
		if (j == n)
			return 1;
	}
	return 0;
}

/* ---- metrics ---- */

int fa2_tr_metric_family(const char *metric)
{
	static const struct { const char *w; int f; } rules[] = {
		/* first match wins: "ClientTLSNegotiationErrorCount" is about certificates,
		 * "UnHealthyHostCount" about errors, "HealthyHostCount" about headroom */
		{ "tls", FA2_TR_MF_TLS }, { "certificate", FA2_TR_MF_TLS }, { "daystoexpiry", FA2_TR_MF_TLS },
		{ "throttl", FA2_TR_MF_THROTTLE }, { "unhealthy", FA2_TR_MF_ERRORS },
		{ "healthy", FA2_TR_MF_HEADROOM }, { "5xx", FA2_TR_MF_ERRORS }, { "4xx", FA2_TR_MF_ERRORS },
		{ "error", FA2_TR_MF_ERRORS }, { "fault", FA2_TR_MF_ERRORS }, { "fail", FA2_TR_MF_ERRORS },
		{ "reject", FA2_TR_MF_ERRORS }, { "deadletter", FA2_TR_MF_ERRORS },
		{ "dropped", FA2_TR_MF_ERRORS }, { "timeout", FA2_TR_MF_ERRORS },
		{ "deadlock", FA2_TR_MF_ERRORS }, { "oomkill", FA2_TR_MF_SATURATION },
		{ "latency", FA2_TR_MF_LATENCY }, { "responsetime", FA2_TR_MF_LATENCY },
		{ "duration", FA2_TR_MF_LATENCY }, { "iteratorage", FA2_TR_MF_LATENCY },
		{ "free", FA2_TR_MF_HEADROOM }, { "available", FA2_TR_MF_HEADROOM },
		{ "success", FA2_TR_MF_HEADROOM },
		{ "utiliz", FA2_TR_MF_SATURATION }, { "used_percent", FA2_TR_MF_SATURATION },
		{ "usedpercent", FA2_TR_MF_SATURATION }, { "connections", FA2_TR_MF_SATURATION },
		{ "memory", FA2_TR_MF_SATURATION }, { "disk", FA2_TR_MF_SATURATION },
		{ "filesystem", FA2_TR_MF_SATURATION }, { "swap", FA2_TR_MF_SATURATION },
		{ "backlog", FA2_TR_MF_SATURATION }, { "queuedepth", FA2_TR_MF_SATURATION },
		{ "approximatenumberofmessages", FA2_TR_MF_SATURATION },
		{ "pending", FA2_TR_MF_SATURATION }, { "evict", FA2_TR_MF_SATURATION },
		{ "spillover", FA2_TR_MF_SATURATION }, { "surge", FA2_TR_MF_SATURATION },
		{ "requestcount", FA2_TR_MF_TRAFFIC }, { "requests", FA2_TR_MF_TRAFFIC },
		{ "invocations", FA2_TR_MF_TRAFFIC }, { "concurrentexecutions", FA2_TR_MF_TRAFFIC },
		{ "incomingrecords", FA2_TR_MF_TRAFFIC }, { "incomingbytes", FA2_TR_MF_TRAFFIC },
		{ "messagessent", FA2_TR_MF_TRAFFIC }, { "count", FA2_TR_MF_OTHER },
	};
	size_t i;
	for (i = 0; metric && i < sizeof rules / sizeof rules[0]; i++)
		if (ci_has(metric, rules[i].w))
			return rules[i].f;
	return FA2_TR_MF_OTHER;
}

/* +1: rising is bad; -1: falling is bad; 0: either way is only "unusual". */
static int family_direction(int family, const char *metric)
{
	switch (family) {
	case FA2_TR_MF_TLS:
		return ci_has(metric, "daystoexpiry") ? -1 : 1;
	case FA2_TR_MF_HEADROOM:
		return -1;
	case FA2_TR_MF_OTHER:
		return 0;
	default:
		return 1;
	}
}

/* Families whose harmful shift is a cause in its own right, not a symptom. */
static int family_is_cause(int family)
{
	return family == FA2_TR_MF_THROTTLE || family == FA2_TR_MF_SATURATION ||
	       family == FA2_TR_MF_TRAFFIC || family == FA2_TR_MF_TLS || family == FA2_TR_MF_HEADROOM;
}

static int cmp_dbl(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

int64_t fa2_tr_trend_start(const int64_t *t_ms, const double *v, size_t n, int64_t until_ms)
{
	double med[48], noise, *d;
	size_t k, nb, b, i, best_s = 0, best_e = 0, s;
	int64_t out = 0;
	if (until_ms)
		while (n && t_ms[n - 1] > until_ms)
			n--;
	if (n < 24)
		return 0;
	/* Up to 48 blocks of at least 3 points. */
	k = (n + 47) / 48 > 3 ? (n + 47) / 48 : 3;
	nb = n / k;
	if (nb < 6)
		return 0;
	d = fa2_calloc(n, sizeof *d);
	if (!d)
		return 0;
	/* Noise: the spread of the first differences (a trend shifts them, it does not
	 * spread them). */
	for (i = 0; i + 1 < n; i++)
		d[i] = fabs(v[i + 1] - v[i]);
	qsort(d, n - 1, sizeof *d, cmp_dbl);
	noise = 1.4826 * d[(n - 1) / 2] / 1.41421356;
	for (b = 0; b < nb; b++) {
		memcpy(d, v + b * k, k * sizeof *d);
		qsort(d, k, sizeof *d, cmp_dbl);
		med[b] = d[k / 2];
	}
	fa2_free(d);
	/* The longest rise of block medians: each block at most two block-noise sigmas
	 * under the highest so far, most steps up, ending at its highest block. */
	{
		double bn = noise / sqrt((double)k) + 1e-9;
		for (s = 0; s + 1 < nb; s++) {
			size_t e = s, ups = 0, top = s;
			while (e + 1 < nb && med[e + 1] >= med[top] - 2.0 * bn) {
				ups += med[e + 1] > med[e];
				e++;
				if (med[e] >= med[top])
					top = e;
			}
			double jump = 0;
			size_t q;
			for (q = s; q < top; q++)
				if (med[q + 1] - med[q] > jump)
					jump = med[q + 1] - med[q];
			/* gradual: no single block carries half of the rise (that is a step) */
			if (top - s >= 4 && 10 * ups >= 6 * (e - s) && top - s > best_e - best_s &&
			    med[top] - med[s] >= 6.0 * bn && med[top] - med[s] >= 0.10 * fabs(med[s]) &&
			    jump < 0.5 * (med[top] - med[s])) {
				best_s = s;
				best_e = top;
			}
		}
		/* a flat stretch before the rise is not part of it */
		while (best_e > best_s + 4 && med[best_s + 2] - med[best_s] < 2.0 * bn)
			best_s++;
		if (best_e > best_s)
			out = t_ms[best_s * k];
	}
	return out;
}

static int cmp_metric(const void *x, const void *y)
{
	const fa2_tr_metric *a = x, *b = y;
	if (a->score != b->score)
		return a->score < b->score ? 1 : -1;
	return strcmp(a->s->label, b->s->label);
}

static int same_dims(const fa2_tr_series *s, const fa2_tr_alarm *al)
{
	size_t i, j;
	if (!al->metric || !*al->metric || strcmp(s->metric, al->metric) != 0)
		return 0;
	if (al->namespace_ && *al->namespace_ && *s->namespace_ && strcmp(s->namespace_, al->namespace_))
		return 0;
	for (i = 0; i < al->n_dims; i++) {
		for (j = 0; j < s->n_dims; j++)
			if (!strcmp(s->dims[j].name, al->dims[i].name) && !strcmp(s->dims[j].value, al->dims[i].value))
				break;
		if (j == s->n_dims)
			return 0;
	}
	return 1;
}

/* The level after t_ms (the median of the points from there to until_ms, or the end,
 * in their last half) over the median before it; 0 when either side is empty. */
static double level_ratio(const fa2_tr_series *s, int64_t t_ms, int64_t until_ms)
{
	double *tmp, before, after;
	size_t i, nb = 0, na = 0, first = 0;
	if (!s->n || !(tmp = fa2_calloc(s->n, sizeof *tmp)))
		return 0;
	for (i = 0; i < s->n; i++)
		if (s->t_ms[i] < t_ms)
			tmp[nb++] = s->v[i];
	if (!nb) {
		fa2_free(tmp);
		return 0;
	}
	qsort(tmp, nb, sizeof *tmp, cmp_dbl);
	before = tmp[nb / 2];
	for (i = 0; i < s->n; i++)
		if (s->t_ms[i] >= t_ms && (!until_ms || s->t_ms[i] <= until_ms + 5 * 60000LL))
			na++;
	for (i = 0; i < s->n && !first; i++)
		if (s->t_ms[i] >= t_ms)
			first = i + 1;
	if (na < 2 || !first) {
		fa2_free(tmp);
		return 0;
	}
	/* the second half of the points after t_ms */
	memcpy(tmp, s->v + first - 1 + na / 2, (na - na / 2) * sizeof *tmp);
	qsort(tmp, na - na / 2, sizeof *tmp, cmp_dbl);
	after = tmp[(na - na / 2) / 2];
	fa2_free(tmp);
	return before > 1e-9 ? after / before : after > 0 ? 1e9 : 0;
}

/* The first shift the bad way (hd), its ratio, a ceiling, and for resources that fill
 * up (saturation) a gradual rise. A surge of demand counts from 2.5x its level. */
static void harm_shift(fa2_tr_metric *m, int hd, int64_t alarm_ms)
{
	const fa2_tr_series *s = m->s;
	size_t i;
	m->harm_ms = 0;
	m->ratio = 0;
	if (!hd)
		return;
	for (i = 0; i < m->r.n_shifts; i++) {
		const fa2_tr_shift *sh = &m->r.shifts[i];
		double ratio = fabs(sh->before) > 1e-9 ? sh->after / sh->before : (sh->after > 0 ? 1e9 : 0);
		if ((sh->after - sh->before) * hd <= 0)
			continue;
		if (m->family == FA2_TR_MF_TRAFFIC && ratio < 2.5)
			continue;
		m->harm_ms = sh->t_ms;
		m->ratio = ratio;
		break;
	}
	if (!m->harm_ms && m->r.n_spikes && m->r.direction == hd && m->family != FA2_TR_MF_TRAFFIC)
		m->harm_ms = m->r.first_spike_ms;
	/* Resources that fill up rise gradually (CPU follows load and does not); demand
	 * can ramp up too. */
	if (hd > 0 && ((m->family == FA2_TR_MF_SATURATION && !ci_has(s->metric, "cpu")) ||
		       m->family == FA2_TR_MF_TRAFFIC)) {
		m->trend_ms = fa2_tr_trend_start(s->t_ms, s->v, s->n, alarm_ms ? alarm_ms + 5 * 60000LL : 0);
		if (m->trend_ms && m->family == FA2_TR_MF_TRAFFIC) {
			double r = level_ratio(s, m->trend_ms, alarm_ms);
			if (r < 2.5)
				m->trend_ms = 0;  /* a drift, not a surge */
			else if (!m->harm_ms)
				m->ratio = r;
		}
	}
	/* A percentage at 100, or a count that stopped rising at its highest level
	 * (a connection limit) after a harmful rise. */
	if ((m->harm_ms || m->trend_ms) && hd > 0 && m->family == FA2_TR_MF_SATURATION && s->n >= 4) {
		size_t flat = 0;
		if ((ci_has(s->metric, "percent") || ci_has(s->metric, "utiliz")) && m->r.max >= 97.0)
			m->at_ceiling = 1;
		for (i = 0; i < s->n; i++)
			if (s->v[i] >= m->r.max - 0.005 * fabs(m->r.max))
				flat++;
		if (flat >= 6 && m->r.max > 0)
			m->at_ceiling = 1;
	}
}

fa2_err fa2_tr_analyze_metrics(fa2_tr_analysis *a)
{
	const fa2_tr_data *d = a->d;
	size_t i;
	fa2_err e;
	if (!d->n_series)
		return FA2_OK;
	a->metrics = fa2_calloc(d->n_series, sizeof *a->metrics);
	if (!a->metrics)
		return FA2_ERR_NOMEM;
	for (i = 0; i < d->n_series; i++) {
		fa2_tr_metric *m = &a->metrics[a->n_metrics];
		const fa2_tr_series *s = &d->series[i];
		int hd;
		double w;
		m->s = s;
		if ((e = fa2_tr_metric_analyze(s->t_ms, s->v, s->n, d->alarm.t_ms, &m->r)))
			return e;
		m->family = fa2_tr_metric_family(s->metric);
		hd = family_direction(m->family, s->metric);
		m->alarm_metric = same_dims(s, &d->alarm);
		harm_shift(m, hd, d->alarm.t_ms);
		m->harmful = m->harm_ms != 0 || m->trend_ms != 0;
		if (m->r.score <= 0)
			w = 0;
		else if (m->harmful)
			w = 1.0;
		else if (hd == 0)
			w = 0.6;
		else
			w = 0.3;
		if (m->alarm_metric && m->r.score > 0 && w < 1.0)
			w = 1.0;
		m->score = w * fmin(1.0, log10(1.0 + m->r.score) / 2.0);
		if (m->alarm_metric)
			m->score = fmin(1.0, m->score * 1.2);
		a->n_metrics++;
	}
	sort_n(a->metrics, a->n_metrics, sizeof *a->metrics, cmp_metric);
	return FA2_OK;
}

/* ---- logs ---- */

/* Lines read (kept, or mined while read) and the time of line i, in time order. */
static size_t data_lines(const fa2_tr_data *d)
{
	return d->mined ? d->mined->n_lines : d->n_lines;
}

static int64_t line_time(const fa2_tr_data *d, size_t i)
{
	return d->mined ? d->mined->t_ms[i] : d->lines[i].t_ms;
}

/* The incident period starts a margin before the reference time (an alarm fires minutes
 * after the trouble starts); without a reference, it is the second half of the window. */
static void set_split(fa2_tr_analysis *a)
{
	const fa2_tr_data *d = a->d;
	int64_t from = d->from_ms, to = d->to_ms, margin = 30 * 60000LL;
	size_t n = data_lines(d);
	if (n && (!from || line_time(d, 0) < from))
		from = line_time(d, 0);
	if (n && (!to || line_time(d, n - 1) > to))
		to = line_time(d, n - 1);
	if (a->ref_ms && a->ref_ms > from && (a->ref_ms - from) / 2 < margin)
		margin = (a->ref_ms - from) / 2;
	a->split_ms = a->ref_ms ? a->ref_ms - margin : from + (to - from) / 2;
	/* A harmful metric (or the alarm's own) that changed even earlier opens the
	 * incident period there, one datapoint ahead. */
	if (a->first_harm_ms && a->first_harm_ms - 60000 < a->split_ms && a->first_harm_ms > from)
		a->split_ms = a->first_harm_ms - 60000;
}

static int cmp_tpl(const void *x, const void *y)
{
	const fa2_tr_tpl *a = x, *b = y;
	if (a->score != b->score)
		return a->score < b->score ? 1 : -1;
	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	return a->first_ms < b->first_ms ? -1 : a->first_ms > b->first_ms;
}

fa2_err fa2_tr_analyze_logs(fa2_tr_analysis *a)
{
	const fa2_tr_data *d = a->d;
	fa2_tr_mined own;
	const fa2_tr_mined *mined = d->mined ? d->mined : &own;
	int64_t from = d->from_ms, to = d->to_ms, split = a->split_ms, dur_b, dur_a;
	size_t i, n = data_lines(d);
	fa2_err e;

	a->n_lines = n;
	if (!n)
		return FA2_OK;
	if (!from || line_time(d, 0) < from)
		from = line_time(d, 0);
	if (!to || line_time(d, n - 1) > to)
		to = line_time(d, n - 1);
	dur_b = split - from > 60000 ? split - from : 60000;
	dur_a = to - split > 60000 ? to - split : 60000;

	if (!d->mined && (e = fa2_tr_mine_lines(d->lines, d->n_lines, &a->pool, &own)))
		return e;
	a->tpls = fa2_calloc(mined->n_templates ? mined->n_templates : 1, sizeof *a->tpls);
	if (!a->tpls) {
		if (!d->mined)
			fa2_tr_mined_cleanup(&own);
		return FA2_ERR_NOMEM;
	}
	a->n_tpls = mined->n_templates;
	for (i = 0; i < mined->n_templates; i++) {
		a->tpls[i].text = mined->texts[i];
		a->tpls[i].severity = mined->severities[i];
		a->tpls[i].example = mined->examples[i];
		a->tpls[i].group = mined->groups[i];
	}
	for (i = 0; i < n; i++) {
		uint32_t id = mined->ids[i];
		int64_t t_ms = line_time(d, i);
		fa2_tr_tpl *t;
		if (id >= mined->n_templates)
			continue;
		t = &a->tpls[id];
		if (!t->count)
			t->first_ms = t_ms;
		t->count++;
		t->last_ms = t_ms;
		if (t_ms < split)
			t->n_before++;
		else {
			if (!t->n_after)
				t->first_after_ms = t_ms;
			t->n_after++;
		}
	}
	if (!d->mined)
		fa2_tr_mined_cleanup(&own);
	for (i = 0; i < a->n_tpls; i++) {
		fa2_tr_tpl *t = &a->tpls[i];
		double rb, ra, sev_w, novelty = 0;
		int sev;
		if (!t->count)
			continue;
		/* The miner's guess (from the level keyword of the lines) wins; word-based
		 * guessing is the fallback for lines without one. */
		sev = fa2_tr_severity_guess(t->text, strlen(t->text));
		if (t->severity == FA2_TR_SEV_UNKNOWN)
			t->severity = sev;
		t->symptoms = fa2_tr_symptoms(t->text, strlen(t->text)) |
			fa2_tr_symptoms(t->example, strlen(t->example));
		if (t->severity < FA2_TR_SEV_WARN)
			t->symptoms &= ~(unsigned)FA2_TR_SYM_DATASTORE;
		/* Rates per minute, smoothed by half an occurrence per period. */
		rb = ((double)t->n_before + 0.5) / ((double)dur_b / 60000.0);
		ra = ((double)t->n_after + 0.5) / ((double)dur_a / 60000.0);
		t->ratio = ra / rb;
		t->is_new = t->n_before == 0 && t->n_after > 0;
		if (t->is_new)
			novelty = 3.0;
		else if (t->ratio >= 4.0 && t->n_after >= 5)
			novelty = log2(t->ratio) / 2.0;
		sev_w = t->severity >= FA2_TR_SEV_ERROR ? 1.0 : t->severity == FA2_TR_SEV_WARN ? 0.6
			: 0.25;
		t->score = novelty * sev_w * log(1.0 + (double)t->n_after);
	}
	sort_n(a->tpls, a->n_tpls, sizeof *a->tpls, cmp_tpl);
	/* Drop the empty slots (templates evicted or never assigned). */
	while (a->n_tpls && !a->tpls[a->n_tpls - 1].count)
		a->n_tpls--;
	return FA2_OK;
}

/* ---- traces ---- */

static fa2_tr_svc *svc_get(fa2_tr_analysis *a, const char *name, size_t *cap)
{
	size_t i;
	for (i = 0; i < a->n_svcs; i++)
		if (strcmp(a->svcs[i].name, name) == 0)
			return &a->svcs[i];
	if (a->n_svcs == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		fa2_tr_svc *p;
		if (nc > 4096)
			return NULL;
		p = fa2_realloc(a->svcs, nc * sizeof *p);
		if (!p)
			return NULL;
		a->svcs = p;
		*cap = nc;
	}
	memset(&a->svcs[a->n_svcs], 0, sizeof a->svcs[0]);
	a->svcs[a->n_svcs].name = name;
	return &a->svcs[a->n_svcs++];
}

static fa2_tr_cause *cause_get(fa2_tr_analysis *a, const fa2_tr_rootcause *rc, size_t *cap)
{
	size_t i;
	for (i = 0; i < a->n_causes; i++) {
		const fa2_tr_cause *c = &a->causes[i];
		if (!strcmp(c->service, rc->service) && !strcmp(c->entity, rc->entity) &&
		    !strcmp(c->exception, rc->exception))
			return &a->causes[i];
	}
	if (a->n_causes == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		fa2_tr_cause *p;
		if (nc > 4096)
			return NULL;
		p = fa2_realloc(a->causes, nc * sizeof *p);
		if (!p)
			return NULL;
		a->causes = p;
		*cap = nc;
	}
	memset(&a->causes[a->n_causes], 0, sizeof a->causes[0]);
	a->causes[a->n_causes].service = rc->service;
	a->causes[a->n_causes].entity = rc->entity;
	a->causes[a->n_causes].exception = rc->exception;
	a->causes[a->n_causes].message = rc->message;
	return &a->causes[a->n_causes++];
}

static int cmp_svc(const void *x, const void *y)
{
	const fa2_tr_svc *a = x, *b = y;
	if (a->root_faults != b->root_faults)
		return a->root_faults < b->root_faults ? 1 : -1;
	if (a->faults != b->faults)
		return a->faults < b->faults ? 1 : -1;
	return strcmp(a->name, b->name);
}

static int cmp_cause(const void *x, const void *y)
{
	const fa2_tr_cause *a = x, *b = y;
	if (a->n_after != b->n_after)
		return a->n_after < b->n_after ? 1 : -1;
	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	return a->first_ms < b->first_ms ? -1 : a->first_ms > b->first_ms;
}

/* Per-service counts, fault signatures, and the fault onset. Before/after counts of the
 * signatures need the incident split: fa2_tr_split_causes(). */
fa2_err fa2_tr_analyze_traces(fa2_tr_analysis *a)
{
	const fa2_tr_data *d = a->d;
	size_t i, j, cap = 0, ccap = 0, nb;
	int64_t t0, t1, bucket;
	int64_t *bt = NULL;
	double *bv = NULL;
	fa2_tr_metric_result r;
	fa2_err e = FA2_OK;

	a->n_traces = d->n_traces;
	if (!d->n_traces)
		return FA2_OK;
	for (i = 0; i < d->n_traces; i++) {
		const fa2_tr_trace *t = &d->traces[i];
		a->n_fault_traces += t->fault != 0;
		a->n_error_traces += t->error != 0;
		for (j = 0; j < t->n_services; j++) {
			fa2_tr_svc *s = svc_get(a, t->services[j], &cap);
			if (!s) {
				e = FA2_ERR_NOMEM;
				goto cleanup;
			}
			s->traces++;
			s->faults += t->fault != 0;
			s->errors += t->error != 0;
			s->throttles += t->throttle != 0;
		}
		for (j = 0; j < t->n_faults; j++) {
			const fa2_tr_rootcause *rc = &t->faults[j];
			fa2_tr_svc *s;
			fa2_tr_cause *c;
			if (!*rc->service)
				continue;
			if (!(s = svc_get(a, rc->service, &cap)) || !(c = cause_get(a, rc, &ccap))) {
				e = FA2_ERR_NOMEM;
				goto cleanup;
			}
			s->root_faults++;
			if (!c->count)
				c->first_ms = t->t_ms;
			c->count++;
		}
	}
	sort_n(a->svcs, a->n_svcs, sizeof *a->svcs, cmp_svc);

	/* Fault onset: a level shift (or burst) in faulting traces per bucket. */
	t0 = d->traces[0].t_ms;
	t1 = d->traces[d->n_traces - 1].t_ms;
	if (d->from_ms && d->from_ms < t0)
		t0 = d->from_ms;
	if (d->to_ms && d->to_ms > t1)
		t1 = d->to_ms;
	bucket = (t1 - t0) / 120;
	if (bucket < 60000)
		bucket = 60000;
	nb = (size_t)((t1 - t0) / bucket) + 1;
	if (nb > 100000 || !a->n_fault_traces)
		goto cleanup;
	bt = fa2_calloc(nb, sizeof *bt);
	bv = fa2_calloc(nb, sizeof *bv);
	if (!bt || !bv) {
		e = FA2_ERR_NOMEM;
		goto cleanup;
	}
	for (i = 0; i < nb; i++)
		bt[i] = t0 + (int64_t)i * bucket;
	for (i = 0; i < d->n_traces; i++) {
		size_t k;
		if (!d->traces[i].fault || d->traces[i].t_ms < t0)
			continue;
		k = (size_t)((d->traces[i].t_ms - t0) / bucket);
		bv[k < nb ? k : nb - 1] += 1;
	}
	if ((e = fa2_tr_metric_analyze(bt, bv, nb, d->alarm.t_ms, &r)))
		goto cleanup;
	if (r.n_shifts && r.direction > 0) {
		/* The first faulting trace in the onset bucket. */
		for (i = 0; i < d->n_traces; i++)
			if (d->traces[i].fault && d->traces[i].t_ms >= r.onset_ms) {
				a->trace_fault_onset_ms = d->traces[i].t_ms;
				break;
			}
	}
cleanup:
	fa2_free(bt);
	fa2_free(bv);
	return e;
}

static void split_causes(fa2_tr_analysis *a)
{
	const fa2_tr_data *d = a->d;
	size_t i, j, k, total = 0;
	for (i = 0; i < d->n_traces; i++) {
		const fa2_tr_trace *t = &d->traces[i];
		for (j = 0; j < t->n_faults; j++) {
			for (k = 0; k < a->n_causes; k++) {
				fa2_tr_cause *c = &a->causes[k];
				if (strcmp(c->service, t->faults[j].service) || strcmp(c->entity, t->faults[j].entity) ||
				    strcmp(c->exception, t->faults[j].exception))
					continue;
				if (t->t_ms < a->split_ms)
					c->n_before++;
				else {
					if (!c->n_after)
						c->first_after_ms = t->t_ms;
					c->n_after++;
					total++;
				}
				break;
			}
		}
	}
	for (k = 0; k < a->n_causes; k++)
		a->causes[k].share = total ? (double)a->causes[k].n_after / (double)total : 0;
	sort_n(a->causes, a->n_causes, sizeof *a->causes, cmp_cause);
}

static int same_group(const char *x, const char *y)
{
	return x && y && (x == y || !strcmp(x, y));
}

/* How far a service's log times and CloudTrail's may disagree. */
#define FA2_TR_CLOCK_SKEW_MS 60000LL

/* ---- routine writes ---- */

typedef struct rkey {
	const fa2_tr_event *ev;
	size_t i;
} rkey;

static const char *res0(const fa2_tr_event *e)
{
	return e->n_resources ? e->resources[0].value : "";
}

static int cmp_rkey_call(const rkey *a, const rkey *b)
{
	int c = strcmp(a->ev->source ? a->ev->source : "", b->ev->source ? b->ev->source : "");
	return c ? c : strcmp(a->ev->name, b->ev->name);
}

static int cmp_rkey(const void *x, const void *y)
{
	const rkey *a = x, *b = y;
	int c = cmp_rkey_call(a, b);
	if (!c)
		c = strcmp(res0(a->ev), res0(b->ev));
	if (!c)
		c = a->ev->t_ms < b->ev->t_ms ? -1 : a->ev->t_ms > b->ev->t_ms;
	return c;
}

/* 1 when the k sorted times are regular: 75% of the gaps within a factor of 1.6 of
 * their median. */
static int regular_cadence(const rkey *r, size_t k)
{
	int64_t gaps[64] = { 0 }, g;
	size_t i, m = k - 1 < 64 ? k - 1 : 64, ok = 0;
	for (i = 0; i < m; i++)
		gaps[i] = r[i + 1].ev->t_ms - r[i].ev->t_ms;
	for (i = 1; i < m; i++) {  /* insertion sort: m <= 64 */
		int64_t x = gaps[i];
		size_t j = i;
		while (j > 0 && gaps[j - 1] > x) {
			gaps[j] = gaps[j - 1];
			j--;
		}
		gaps[j] = x;
	}
	g = gaps[m / 2];
	if (g <= 0)
		return 0;
	for (i = 0; i < m; i++)
		ok += gaps[i] * 16 >= g * 10 && gaps[i] * 10 <= g * 16;
	return ok * 4 >= m * 3;
}

void fa2_tr_mark_routine(const fa2_tr_event *const *ev, size_t n, int64_t from_ms,
			 int64_t to_ms, int *routine)
{
	rkey *r;
	size_t i, j, k;
	if (n < 4)
		return;
	r = fa2_calloc(n, sizeof *r);
	if (!r)
		return;  /* no discount is the safe side */
	for (i = 0; i < n; i++) {
		r[i].ev = ev[i];
		r[i].i = i;
	}
	if (!from_ms || ev[0]->t_ms < from_ms)
		from_ms = ev[0]->t_ms;
	if (!to_ms || ev[n - 1]->t_ms > to_ms)
		to_ms = ev[n - 1]->t_ms;
	qsort(r, n, sizeof *r, cmp_rkey);
	for (i = 0; i < n; i = j) {
		unsigned quarters = 0;
		/* the same call on any resource: background activity when spread out */
		for (j = i; j < n && !cmp_rkey_call(&r[i], &r[j]); j++)
			if (to_ms > from_ms)
				quarters |= 1u << (unsigned)((r[j].ev->t_ms - from_ms) * 4 / (to_ms - from_ms + 1));
		/* housekeeping (a call that changes no known setting) repeated in the window,
		 * or any call repeated throughout it */
		if ((j - i >= 3 && fa2_tr_change_categories(r[i].ev->name, r[i].ev->source) == FA2_TR_CAT_OTHER) ||
		    (j - i >= 8 && ((quarters & 1) + ((quarters >> 1) & 1) + ((quarters >> 2) & 1) +
				    ((quarters >> 3) & 1)) >= 3)) {
			for (k = i; k < j; k++)
				routine[r[k].i] = 1;
			continue;
		}
		/* the same call on the same resource at its own cadence */
		for (k = i; k < j;) {
			size_t e = k;
			while (e < j && !strcmp(res0(r[e].ev), res0(r[k].ev)))
				e++;
			if (e - k >= 4 && regular_cadence(r + k, e - k)) {
				size_t q;
				for (q = k; q < e; q++)
					routine[r[q].i] = 1;
			}
			k = e;
		}
	}
	fa2_free(r);
}

/* ---- changes ---- */

/* Words too common in resource names and messages to link anything. */
static const char *const stopwords[] = { "arn", "aws", "amazonaws", "com", "cn", "true",
	"false", "null", "none", "default", "http", "https", "service", "services", "error",
	"errors", "info", "warn", "warning", "debug", "exception", "request", "response",
	"failed", "failure", "tcp", "udp", "the", "and", "for", "with", "from", "this", "that",
	"ingress", "egress", "type", "name", "value", "values", "items", "item", "main", "prod",
	"production", "staging", "stage", "dev", "test", "user", "role", "root", "admin",
	"console", "cli", "sdk", "version", "latest", "task", "cluster", "group", "instance",
	"function", "table", "stack", "loadbalancer", "targetgroup", "app", "api", "apis",
	"web", "server", "client", "http1", "json", "cidr", "port", "ports", "all", "any",
	"account", "region", "id", "ids", "key", "keys", "policy", "new", "old", "get", "put",
	"post", "delete", "ecs", "ec2", "elb", "lambda", "iam", "rds", "s3", "sts", "log",
	"logs", "stream", "amazon", "count", "sum", "average", "maximum", "minimum", "p99",
	"ipprotocol", "fromport", "toport", "groupid", "requestid", "level", "message",
	"timestamp", "code", "status", "true", "time", "timeout", "when", "then", "while",
	"example", "internal", "local", "svc", "change", "changes", "localhost", "www", "net",
	"org", "io" };

static int is_stopword(const char *w, size_t n)
{
	size_t i;
	for (i = 0; i < sizeof stopwords / sizeof stopwords[0]; i++)
		if (strlen(stopwords[i]) == n && memcmp(stopwords[i], w, n) == 0)
			return 1;
	return 0;
}

enum { TOK_SKIP = -1, TOK_PART = 0, TOK_NAME = 1, TOK_ID = 2 };

typedef struct tok {
	char *s;
	int kind;
	double w;       /* context weight (1 direct, 0.5 associated) */
	long via;       /* event index it came from (associated tokens), or -1 */
	unsigned df;    /* number of write events containing it */
} tok;

/* A set of tokens: an array plus an open-addressing index (slots hold index + 1). */
typedef struct tokset {
	tok *v;
	size_t n, cap;
	uint32_t *slot;
	size_t n_slots;           /* a power of two, at least twice n */
} tokset;

static void tokset_free(tokset *t)
{
	size_t i;
	for (i = 0; i < t->n; i++)
		fa2_free(t->v[i].s);
	fa2_free(t->v);
	fa2_free(t->slot);
	memset(t, 0, sizeof *t);
}

static uint32_t tok_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;
	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static tok *tokset_find(const tokset *t, const char *s, size_t n)
{
	size_t i;
	if (!t->n_slots)
		return NULL;
	for (i = tok_hash(s, n) & (t->n_slots - 1); t->slot[i]; i = (i + 1) & (t->n_slots - 1)) {
		tok *x = &t->v[t->slot[i] - 1];
		if (strlen(x->s) == n && memcmp(x->s, s, n) == 0)
			return x;
	}
	return NULL;
}

static fa2_err tokset_reindex(tokset *t, size_t n_slots)
{
	uint32_t *ns = fa2_calloc(n_slots, sizeof *ns);
	size_t i, j;
	if (!ns)
		return FA2_ERR_NOMEM;
	for (i = 0; i < t->n; i++) {
		for (j = tok_hash(t->v[i].s, strlen(t->v[i].s)) & (n_slots - 1); ns[j]; j = (j + 1) & (n_slots - 1))
			;
		ns[j] = (uint32_t)i + 1;
	}
	fa2_free(t->slot);
	t->slot = ns;
	t->n_slots = n_slots;
	return FA2_OK;
}

#define TOKSET_MAX 20000u

static fa2_err tokset_add(tokset *t, const char *s, size_t n, int kind, double w, long via)
{
	tok *x = tokset_find(t, s, n);
	if (x) {
		if (w > x->w || (w == x->w && kind > x->kind)) {
			x->w = w;
			x->via = via;
		}
		if (kind > x->kind)
			x->kind = kind;
		return FA2_OK;
	}
	if (t->n >= TOKSET_MAX)
		return FA2_OK;  /* the context is already very rich; more adds little */
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 64;
		tok *p = fa2_realloc(t->v, nc * sizeof *p);
		if (!p)
			return FA2_ERR_NOMEM;
		t->v = p;
		t->cap = nc;
	}
	if ((t->n + 1) * 2 > t->n_slots) {
		fa2_err e = tokset_reindex(t, t->n_slots ? t->n_slots * 2 : 64);
		if (e)
			return e;
	}
	x = &t->v[t->n];
	x->s = fa2_strndup(s, n);
	if (!x->s)
		return FA2_ERR_NOMEM;
	x->kind = kind;
	x->w = w;
	x->via = via;
	x->df = 0;
	t->n++;
	{
		size_t i;
		for (i = tok_hash(s, n) & (t->n_slots - 1); t->slot[i]; i = (i + 1) & (t->n_slots - 1))
			;
		t->slot[i] = (uint32_t)t->n;
	}
	return FA2_OK;
}

static int is_tok_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* Region names ("ap-northeast-1") link every event in a region: not evidence. */
static int is_region(const char *w, size_t n)
{
	size_t dashes = 0, i;
	for (i = 0; i < n; i++)
		dashes += w[i] == '-';
	return dashes == 2 && n >= 9 && n <= 16 && w[n - 1] >= '0' && w[n - 1] <= '9' &&
	       w[n - 2] == '-';
}

/* Splits text into tokens and adds them (lower-cased) to t. */
static fa2_err tokenize(tokset *t, const char *text, double w, long via)
{
	char buf[128];
	size_t i = 0, len = strlen(text);
	fa2_err e;
	while (i < len) {
		size_t st, n, k, digits = 0, alpha = 0;
		while (i < len && !is_tok_char(text[i]))
			i++;
		st = i;
		while (i < len && is_tok_char(text[i]))
			i++;
		n = i - st;
		if (n < 3 || n >= sizeof buf)
			continue;
		for (k = 0; k < n; k++) {
			char c = text[st + k];
			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			buf[k] = c;
			digits += c >= '0' && c <= '9';
			alpha += c >= 'a' && c <= 'z';
		}
		buf[n] = '\0';
		while (n && (buf[n - 1] == '-' || buf[n - 1] == '_'))
			buf[--n] = '\0';
		/* dates and times ("2025-11-23t02") are not names */
		if (!alpha || n < 3 || is_region(buf, n) || is_stopword(buf, n) ||
		    (n >= 5 && buf[0] >= '0' && buf[0] <= '9' && buf[1] >= '0' && buf[1] <= '9' &&
		     buf[2] >= '0' && buf[2] <= '9' && buf[3] >= '0' && buf[3] <= '9' && buf[4] == '-'))
			continue;
		if ((e = tokset_add(t, buf, n, digits && n >= 6 ? TOK_ID : TOK_NAME, w, via)))
			return e;
		/* Parts of compound names: "orders-api" also gives "orders". */
		if (!digits) {
			size_t p = 0;
			while (p < n) {
				size_t q = p;
				while (q < n && buf[q] != '-' && buf[q] != '_')
					q++;
				if (q - p >= 4 && q - p < n && !is_stopword(buf + p, q - p) &&
				    (e = tokset_add(t, buf + p, q - p, TOK_PART, w, via)))
					return e;
				p = q + 1;
			}
		}
	}
	return FA2_OK;
}

static int is_container_type(const char *type)
{
	return ci_has(type, "cluster") && !ci_has(type, "dbcluster");
}

/* The names an event carries, except those of containers (the cluster of a service
 * links every service in it): those are marked TOK_SKIP. */
static fa2_err event_tokens(const fa2_tr_event *ev, tokset *t)
{
	tokset cont;
	size_t i;
	fa2_err e = FA2_OK;
	memset(&cont, 0, sizeof cont);
	for (i = 0; !e && i < ev->n_resources; i++)
		e = tokenize(is_container_type(ev->resources[i].name) ? &cont : t, ev->resources[i].value, 1.0, -1);
	if (!e)
		e = tokenize(t, ev->params, 1.0, -1);
	for (i = 0; !e && i < cont.n; i++) {
		tok *x = tokset_find(t, cont.v[i].s, strlen(cont.v[i].s));
		if (x)
			x->kind = TOK_SKIP;
	}
	tokset_free(&cont);
	return e;
}

static double kind_weight(int kind)
{
	return kind == TOK_ID ? 1.0 : kind == TOK_NAME ? 0.6 : 0.25;
}

/* Overlap of an event's tokens with the context; fills matched (a short list). */
static double overlap(const tokset *ctx, const tokset *evt, long self, char *matched, size_t cap)
{
	double sum = 0, parts = 0;
	size_t i, used = 0;
	matched[0] = '\0';
	for (i = 0; i < evt->n; i++) {
		const tok *c = tokset_find(ctx, evt->v[i].s, strlen(evt->v[i].s));
		double w;
		if (!c || evt->v[i].kind == TOK_SKIP || c->kind == TOK_SKIP || (c->via >= 0 && c->via == self))
			continue;
		w = kind_weight(evt->v[i].kind < c->kind ? evt->v[i].kind : c->kind) * c->w;
		/* A name shared by a deployment's companion calls still links; one in many
		 * changes links less. */
		if (c->df > 2)
			w *= 2.0 / (double)c->df;
		if (w < 0.05)
			continue;
		/* parts of names ("orders" of "orders-api") add up to one part at most */
		if ((evt->v[i].kind < c->kind ? evt->v[i].kind : c->kind) == TOK_PART) {
			if (parts >= 0.25)
				continue;
			if (parts + w > 0.25)
				w = 0.25 - parts;
			parts += w;
		}
		sum += w;
		if (used + strlen(c->s) + 24 < cap) {
			size_t n = strlen(c->s);
			if (used) {
				memcpy(matched + used, ", ", 2);
				used += 2;
			}
			memcpy(matched + used, c->s, n);
			used += n;
			if (c->via >= 0) {
				memcpy(matched + used, " (associated)", 13);
				used += 13;
			}
			matched[used] = '\0';
		}
	}
	return sum > 1.0 ? 1.0 : sum;
}

static int datastore_source(const char *src)
{
	static const char *const p[] = { "rds.", "dynamodb.", "elasticache.", "docdb.", "redshift.",
		"memorydb.", "neptune.", "dax.", "es.", "opensearch" };
	size_t i;
	for (i = 0; src && i < sizeof p / sizeof p[0]; i++)
		if (strncmp(src, p[i], strlen(p[i])) == 0)
			return 1;
	return 0;
}

/* 1 when the event's resources or parameters name DNS (a resolver, a CoreDNS add-on). */
static int names_dns(const fa2_tr_event *ev)
{
	size_t i;
	if (ev->source && (!strncmp(ev->source, "route53", 7) || !strncmp(ev->source, "servicediscovery", 16)))
		return 1;
	for (i = 0; i < ev->n_resources; i++)
		if (ci_has(ev->resources[i].value, "dns") || ci_has(ev->resources[i].value, "resolver"))
			return 1;
	return ev->params && (ci_has(ev->params, "coredns") || ci_has(ev->params, "resolver"));
}

/* Symptom classes a change would explain: *sharp those its kind explains directly (a
 * revoked rule, connectivity; a policy, permissions; a limit, throttling); the rest only
 * as a deployment explains almost anything. */
static unsigned explains(const fa2_tr_event *ev, unsigned cats, unsigned *sharp)
{
	unsigned m = 0, b = 0;
	if (cats & FA2_TR_CAT_NETWORK)
		m |= FA2_TR_SYM_CONNECT | FA2_TR_SYM_TLS;
	if (names_dns(ev))
		m |= FA2_TR_SYM_DNS | FA2_TR_SYM_CONNECT;
	if (cats & FA2_TR_CAT_IAM)
		m |= FA2_TR_SYM_PERMISSION;
	if (cats & FA2_TR_CAT_CONFIG) {
		m |= FA2_TR_SYM_CONFIG | FA2_TR_SYM_THROTTLE | FA2_TR_SYM_QUOTA | FA2_TR_SYM_MEMORY;
		b |= FA2_TR_SYM_CONNECT | FA2_TR_SYM_CRASH | FA2_TR_SYM_CAPACITY;
	}
	/* Only a change to a datastore explains datastore errors as such. */
	if (datastore_source(ev->source))
		m |= FA2_TR_SYM_DATASTORE | FA2_TR_SYM_CONNECT | FA2_TR_SYM_CAPACITY | FA2_TR_SYM_QUOTA |
		     FA2_TR_SYM_THROTTLE;
	if (cats & FA2_TR_CAT_SCALING)
		m |= FA2_TR_SYM_CAPACITY | FA2_TR_SYM_CONNECT | FA2_TR_SYM_THROTTLE | FA2_TR_SYM_QUOTA;
	if (cats & FA2_TR_CAT_DEPLOY)
		b |= FA2_TR_SYM_CONFIG | FA2_TR_SYM_CRASH | FA2_TR_SYM_PERMISSION |
		     FA2_TR_SYM_CONNECT | FA2_TR_SYM_MEMORY | FA2_TR_SYM_DNS | FA2_TR_SYM_TLS;
	*sharp = m;
	return m | b;
}

static int is_granting(const char *name)
{
	static const char *const p[] = { "Authorize", "Create", "Attach", "Add", "Associate",
		"Register", "Enable" };
	size_t i;
	for (i = 0; i < sizeof p / sizeof p[0]; i++)
		if (strncmp(name, p[i], strlen(p[i])) == 0)
			return 1;
	return 0;
}

static double category_prior(unsigned cats)
{
	if (cats & (FA2_TR_CAT_NETWORK | FA2_TR_CAT_DEPLOY))
		return 1.0;
	if (cats & (FA2_TR_CAT_IAM | FA2_TR_CAT_CONFIG))
		return 0.9;
	if (cats & FA2_TR_CAT_SCALING)
		return 0.7;
	return 0.3;
}

static int cmp_change(const void *x, const void *y)
{
	const fa2_tr_change *a = x, *b = y;
	if (a->score != b->score)
		return a->score < b->score ? 1 : -1;
	return a->ev->t_ms < b->ev->t_ms ? 1 : a->ev->t_ms > b->ev->t_ms ? -1 : 0;
}

/* The incident's context: names of the alarmed and anomalous resources, log groups,
 * traced services and the text of new error templates. */
static fa2_err build_context(const fa2_tr_analysis *a, tokset *ctx)
{
	const fa2_tr_data *d = a->d;
	size_t i, j;
	fa2_err e = FA2_OK;
	/* A cluster holds every service in it: its name links nothing. */
	for (i = 0; !e && i < d->alarm.n_dims; i++)
		if (strcmp(d->alarm.dims[i].name, "ClusterName"))
			e = tokenize(ctx, d->alarm.dims[i].value, 1.0, -1);
	for (i = 0; !e && i < a->n_metrics; i++) {
		if (a->metrics[i].score <= 0)
			continue;
		for (j = 0; !e && j < a->metrics[i].s->n_dims; j++)
			if (strcmp(a->metrics[i].s->dims[j].name, "ClusterName"))
				e = tokenize(ctx, a->metrics[i].s->dims[j].value, 1.0, -1);
	}
	/* The log groups that carry the incident's errors (below), not every group read:
	 * the affected service's at full weight, the others at half. */
	for (i = 0; !e && i < a->n_svcs; i++)
		e = tokenize(ctx, a->svcs[i].name, 1.0, -1);
	for (i = 0; !e && i < a->n_causes; i++) {
		if (a->causes[i].share < 0.1)
			continue;
		e = tokenize(ctx, a->causes[i].entity, 1.0, -1);
		if (!e)
			e = tokenize(ctx, a->causes[i].message, 1.0, -1);
	}
	for (i = 0; !e && i < a->n_tpls && i < 20; i++) {
		const fa2_tr_tpl *t = &a->tpls[i];
		double w;
		if (t->score <= 0 || t->severity < FA2_TR_SEV_WARN)
			continue;
		w = !a->main_group || same_group(t->group, a->main_group) ? 1.0 : 0.5;
		e = tokenize(ctx, t->text, w, -1);
		if (!e && t->group)
			e = tokenize(ctx, t->group, w, -1);
	}
	return e;
}

static double time_score(const fa2_tr_analysis *a, int64_t delta)
{
	double tau = (double)a->cfg.tau_ms;
	if (!a->onset_ms)
		return 0.3;  /* no onset known: time says nothing */
	if (delta >= 0)
		return exp(-(double)delta / tau);
	/* After the onset: most likely a reaction, not a cause. */
	return 0.15 * exp((double)delta / tau);
}

static int is_automated(const fa2_tr_change *c)
{
	return c->ev->by_service;
}

fa2_err fa2_tr_rank_changes(fa2_tr_analysis *a)
{
	const fa2_tr_data *d = a->d;
	tokset ctx, evt;
	tokset *evtoks = NULL;
	size_t i, j, nw = 0;
	fa2_err e = FA2_OK;

	memset(&ctx, 0, sizeof ctx);
	memset(&evt, 0, sizeof evt);
	a->n_events = d->n_events;
	for (i = 0; i < d->n_events; i++)
		nw += fa2_tr_event_is_write(&d->events[i]);
	a->n_read_events = d->n_events - nw;
	if (!nw)
		return FA2_OK;
	a->changes = fa2_calloc(nw, sizeof *a->changes);
	evtoks = fa2_calloc(nw, sizeof *evtoks);
	if (!a->changes || !evtoks) {
		e = FA2_ERR_NOMEM;
		goto cleanup;
	}
	for (i = 0; i < d->n_events; i++) {
		if (!fa2_tr_event_is_write(&d->events[i]))
			continue;
		a->changes[a->n_changes].ev = &d->events[i];
		a->changes[a->n_changes].cats = fa2_tr_change_categories(d->events[i].name,
									 d->events[i].source);
		if ((e = event_tokens(&d->events[i], &evtoks[a->n_changes])))
			goto cleanup;
		a->n_changes++;
	}
	{
		const fa2_tr_event **evs = fa2_calloc(a->n_changes, sizeof *evs);
		int *rt = fa2_calloc(a->n_changes, sizeof *rt);
		if (!evs || !rt) {
			fa2_free((void *)evs);
			fa2_free(rt);
			e = FA2_ERR_NOMEM;
			goto cleanup;
		}
		for (i = 0; i < a->n_changes; i++)
			evs[i] = a->changes[i].ev;
		fa2_tr_mark_routine(evs, a->n_changes, d->from_ms, d->to_ms, rt);
		for (i = 0; i < a->n_changes; i++)
			a->changes[i].routine = rt[i];
		fa2_free((void *)evs);
		fa2_free(rt);
	}
	if ((e = build_context(a, &ctx)))
		goto cleanup;
	/* Associated resources: ids named by a change that itself names incident resources
	 * (e.g. the security group in an UpdateService of the failing service). */
	for (i = 0; i < a->n_changes; i++) {
		char m[8];
		if (a->changes[i].routine || is_automated(&a->changes[i]) ||
		    overlap(&ctx, &evtoks[i], (long)i, m, sizeof m) < 0.5)
			continue;
		for (j = 0; !e && j < evtoks[i].n; j++)
			if (evtoks[i].v[j].kind == TOK_ID && !tokset_find(&ctx, evtoks[i].v[j].s, strlen(evtoks[i].v[j].s)))
				e = tokset_add(&ctx, evtoks[i].v[j].s, strlen(evtoks[i].v[j].s), TOK_ID, 0.5, (long)i);
		if (e)
			goto cleanup;
	}
	/* Document frequency over the changes people and pipelines made: a name in every
	 * change links nothing; routine and service-made writes do not count. */
	for (j = 0; j < ctx.n; j++)
		for (i = 0; i < a->n_changes; i++)
			if (!a->changes[i].routine && !is_automated(&a->changes[i]) &&
			    tokset_find(&evtoks[i], ctx.v[j].s, strlen(ctx.v[j].s)))
				ctx.v[j].df++;
	for (i = 0; i < a->n_changes; i++) {
		fa2_tr_change *c = &a->changes[i];
		double sym = 0, sharp_sym = 0;
		unsigned sharp, ex = explains(c->ev, c->cats, &sharp);
		unsigned b;
		c->prior = category_prior(c->cats);
		if (c->ev->error_code && *c->ev->error_code)
			c->prior *= 0.2;  /* a failed call changed nothing */
		c->delta_ms = a->onset_ms ? a->onset_ms - c->ev->t_ms : 0;
		/* within the onset's resolution, or the clocks' disagreement (a service's log
		 * times against CloudTrail's) */
		if (c->delta_ms < 0 && -c->delta_ms <= a->onset_slack_ms + FA2_TR_CLOCK_SKEW_MS)
			c->delta_ms = 0;
		/* Taking access away breaks things more often than granting it. */
		if ((c->cats & (FA2_TR_CAT_NETWORK | FA2_TR_CAT_IAM)) && is_granting(c->ev->name))
			c->prior *= 0.85;
		c->time_score = time_score(a, c->delta_ms);
		/* A gradual rise (a leak, a disk filling) starts long before the alarm: a
		 * change at the trend's start is as close as one at the onset. */
		if (a->trend_ms && a->onset_ms && a->trend_ms < a->onset_ms) {
			/* the start of a slow rise is known to a quarter of an hour at best */
			double dt = fabs((double)(a->trend_ms - c->ev->t_ms)) - 15 * 60000.0;
			double ts = exp(-(dt > 0 ? dt : 0) / (double)a->cfg.tau_ms);
			if (ts > c->time_score)
				c->time_score = ts;
		}
		for (b = 0; b < FA2_TR_SYM__COUNT; b++) {
			double st;
			if (!(ex & a->symptoms & (1u << b)))
				continue;
			st = a->sym_strength[b] * ((sharp & (1u << b)) ? 1.0 : 0.7);
			if (st > sym)
				sym = st;
			if ((sharp & (1u << b)) && st > sharp_sym)
				sharp_sym = st;
		}
		c->explained = ex & a->symptoms;
		c->sharp = sharp & a->symptoms;
		c->symptom_score = sym;
		c->overlap_score = overlap(&ctx, &evtoks[i], (long)i, c->matched, sizeof c->matched);
		/* Evidence first: shared names, then the symptoms the change would explain. A
		 * change that shares no name may still explain the symptom's class directly
		 * (a revoked rule and timeouts), which is weaker evidence; a deployment of
		 * something else explains nothing. Timing scales the evidence; it never
		 * stands in for it. */
		c->link = c->overlap_score > 0 ? fmin(1.0, c->overlap_score + 0.3 * sym)
			: 0.35 * sharp_sym * (is_granting(c->ev->name) ? 0.5 : 1.0);
		c->score = c->prior * c->link * (0.25 + 0.75 * c->time_score);
		/* A change after the onset did not cause it (it may be a reaction). */
		if (a->onset_ms && c->delta_ms < 0 && c->time_score < 0.2)
			c->score *= 0.3;
		if (c->routine)
			c->score *= 0.1;
		if (is_automated(c))
			c->score *= 0.3;
	}
	sort_n(a->changes, a->n_changes, sizeof *a->changes, cmp_change);
cleanup:
	for (i = 0; evtoks && i < nw; i++)
		tokset_free(&evtoks[i]);
	fa2_free(evtoks);
	tokset_free(&ctx);
	tokset_free(&evt);
	return e;
}

/* ---- onset, symptoms, suspects, timeline ---- */

/* The time resolution of a series: its period, else its first spacing. */
static int64_t series_slack(const fa2_tr_series *s)
{
	if (s->period_s > 0)
		return s->period_s * 1000;
	return s->n > 1 ? s->t_ms[1] - s->t_ms[0] : 0;
}

static int tpl_is_signal(const fa2_tr_tpl *t)
{
	return t->severity >= FA2_TR_SEV_WARN && t->count &&
	       (t->is_new || (t->ratio >= 4.0 && t->n_after >= 5));
}

/* The affected service's log group: the group of the new or surging warn/error
 * template with the most lines in the incident period (volume, not the first stray). */
static int shares_word(const char *text, const char *ref);

/* 1 when the log group names what the alarm's dimensions name (the alarmed function,
 * load balancer, service); 1 as well when the alarm has no dimension to compare. */
static int group_of_alarm(const fa2_tr_analysis *a, const char *group)
{
	const fa2_tr_data *d = a->d;
	size_t i, n = 0;
	for (i = 0; i < d->alarm.n_dims; i++) {
		if (!strcmp(d->alarm.dims[i].name, "ClusterName"))
			continue;
		n++;
		if (shares_word(d->alarm.dims[i].value, group))
			return 1;
	}
	return n == 0;
}

static void find_main_group(fa2_tr_analysis *a)
{
	size_t i, best = 0;
	int pass;
	a->main_group = NULL;
	/* the alarmed resource's groups first, then any */
	for (pass = 0; pass < 2 && !a->main_group; pass++)
		for (i = 0; i < a->n_tpls; i++) {
			const fa2_tr_tpl *t = &a->tpls[i];
			if (tpl_is_signal(t) && t->n_after > best && t->group &&
			    (pass || group_of_alarm(a, t->group))) {
				best = t->n_after;
				a->main_group = t->group;
			}
		}
}

/* The first line of the affected service's new errors: the earliest new warn/error
 * template of the main group carrying at least a tenth of its largest volume. */
static int64_t log_onset(const fa2_tr_analysis *a, int64_t lo, int64_t hi)
{
	size_t i, top = 0;
	int64_t t0 = 0;
	for (i = 0; i < a->n_tpls; i++) {
		const fa2_tr_tpl *t = &a->tpls[i];
		if (tpl_is_signal(t) && same_group(t->group, a->main_group) && t->n_after > top)
			top = t->n_after;
	}
	for (i = 0; i < a->n_tpls; i++) {
		const fa2_tr_tpl *t = &a->tpls[i];
		int64_t ft = t->is_new ? t->first_ms : t->first_after_ms;
		if (!tpl_is_signal(t) || !same_group(t->group, a->main_group) || t->n_after < 3 ||
		    t->n_after * 10 < top || ft < lo || ft > hi)
			continue;
		if (!t0 || ft < t0)
			t0 = ft;
	}
	return t0;
}

/* The onset: the alarm metric's change point when there is an alarm (refined by the
 * affected service's first error line inside that datapoint); otherwise the affected
 * service's first new errors, else the first harmful metric change, else the X-Ray
 * fault onset. */
static void find_onset(fa2_tr_analysis *a)
{
	const fa2_tr_data *d = a->d;
	int64_t lo = INT64_MIN, hi = INT64_MAX, am = 0, am_slack = 0, lg, mt = 0, mt_slack = 0;
	size_t i;
	if (d->alarm.t_ms) {
		lo = d->alarm.t_ms - 2 * 3600000LL;
		hi = d->alarm.t_ms + 5 * 60000LL;
	}
	find_main_group(a);
	for (i = 0; i < a->n_metrics; i++) {
		const fa2_tr_metric *m = &a->metrics[i];
		size_t k;
		if (!m->alarm_metric)
			continue;
		/* the alarm metric's last change before the alarm */
		for (k = 0; k < m->r.n_shifts; k++) {
			int64_t t = m->r.shifts[k].t_ms;
			if (t >= lo && t <= hi && t > am) {
				am = t;
				am_slack = series_slack(m->s);
			}
		}
		if (!am && m->r.first_spike_ms >= lo && m->r.first_spike_ms <= hi) {
			am = m->r.first_spike_ms;
			am_slack = series_slack(m->s);
		}
	}
	for (i = 0; i < a->n_metrics; i++) {
		const fa2_tr_metric *m = &a->metrics[i];
		if (m->harm_ms && m->harm_ms >= lo && m->harm_ms <= hi && (!mt || m->harm_ms < mt)) {
			mt = m->harm_ms;
			mt_slack = series_slack(m->s);
		}
	}
	lg = log_onset(a, lo, hi);
	a->onset_slack_ms = 0;
	if (am) {
		a->onset_ms = am;
		a->onset_slack_ms = am_slack;
		a->onset_basis = "alarm metric change point";
		/* a datapoint stands for its period: a first error line in it is finer */
		if (lg && lg >= am - am_slack && lg < am + am_slack) {
			a->onset_ms = lg;
			a->onset_slack_ms = 0;
			a->onset_basis = "alarm metric change point, first error line of the affected service";
		}
	} else if (lg) {
		a->onset_ms = lg;
		a->onset_basis = "first new errors of the affected service";
		if (mt && mt < lg && lg - mt <= 10 * 60000LL) {
			a->onset_ms = mt;
			a->onset_slack_ms = mt_slack;
			a->onset_basis = "first harmful metric change";
		}
		if (a->trace_fault_onset_ms && a->trace_fault_onset_ms < a->onset_ms &&
		    a->onset_ms - a->trace_fault_onset_ms <= 10 * 60000LL) {
			a->onset_ms = a->trace_fault_onset_ms;
			a->onset_slack_ms = 0;
			a->onset_basis = "X-Ray fault onset";
		}
	} else if (mt) {
		a->onset_ms = mt;
		a->onset_slack_ms = mt_slack;
		a->onset_basis = "first harmful metric change";
	} else if (a->trace_fault_onset_ms && a->trace_fault_onset_ms >= lo && a->trace_fault_onset_ms <= hi) {
		a->onset_ms = a->trace_fault_onset_ms;
		a->onset_basis = "X-Ray fault onset";
	} else if (d->alarm.t_ms) {
		a->onset_ms = d->alarm.t_ms;
		a->onset_basis = "alarm state change";
	} else {
		a->onset_ms = 0;
		a->onset_basis = "unknown";
	}
	/* A gradual rise of a resource that fills up (memory, disk, connections), before
	 * the onset and within the window: where a cause would have started it. */
	a->trend_ms = 0;
	{
		double best = -1;
		for (i = 0; i < a->n_metrics; i++) {
			const fa2_tr_metric *m = &a->metrics[i];
			if (!m->trend_ms || (a->onset_ms && m->trend_ms > a->onset_ms))
				continue;
			if (m->r.score > best) {
				best = m->r.score;
				a->trend_ms = m->trend_ms;
			}
		}
	}
}

/* 1 when some word of text (4+ letters or digits, '-' and '_' inside), or a part of one
 * between '-' and '_', is in ref. */
static int shares_word(const char *text, const char *ref)
{
	char w[96];
	size_t i = 0, n, p, q;
	if (!text || !ref)
		return 0;
	while (text[i]) {
		while (text[i] && !is_tok_char(text[i]))
			i++;
		for (n = 0; text[i] && is_tok_char(text[i]); i++)
			if (n + 1 < sizeof w)
				w[n++] = text[i];
		w[n] = '\0';
		if (n >= 4 && !is_stopword(w, n) && ci_has(ref, w))
			return 1;
		for (p = 0; p < n; p = q + 1) {
			for (q = p; q < n && w[q] != '-' && w[q] != '_'; q++)
				;
			if (q - p >= 4 && q - p < n && !is_stopword(w + p, q - p)) {
				char c = w[q];
				int hit;
				w[q] = '\0';
				hit = ci_has(ref, w + p);
				w[q] = c;
				if (hit)
					return 1;
			}
		}
	}
	return 0;
}

/* A metric belongs to the incident when it is the alarm's, or names what the alarm or
 * the affected service's log group names. */
static int metric_linked(const fa2_tr_analysis *a, const fa2_tr_metric *m)
{
	const fa2_tr_data *d = a->d;
	size_t i, j;
	if (m->alarm_metric)
		return 1;
	for (i = 0; i < m->s->n_dims; i++) {
		const char *v = m->s->dims[i].value;
		if (!strcmp(m->s->dims[i].name, "ClusterName"))
			continue;
		if (shares_word(v, a->main_group))
			return 1;
		for (j = 0; j < d->alarm.n_dims; j++)
			if (strcmp(d->alarm.dims[j].name, "ClusterName") && shares_word(v, d->alarm.dims[j].value))
				return 1;
	}
	/* or what the leading error templates name (a table, a stream, a host) */
	for (i = 0; i < m->s->n_dims; i++) {
		size_t k, n = 0;
		if (!strcmp(m->s->dims[i].name, "ClusterName"))
			continue;
		for (k = 0; k < a->n_tpls && n < 5; k++) {
			const fa2_tr_tpl *t = &a->tpls[k];
			if (t->score <= 0 || t->severity < FA2_TR_SEV_WARN)
				continue;
			n++;
			if (shares_word(m->s->dims[i].value, t->text) || shares_word(m->s->dims[i].value, t->example))
				return 1;
		}
	}
	/* with neither an alarm nor a leading log group there is nothing to link to */
	return !d->alarm.name && !a->main_group;
}

/* The symptom class a harmful metric of the incident shows (throttles, a full disk, a
 * memory limit, connections at their limit, TLS errors), 0 for errors and latency. */
static unsigned metric_symptom(const fa2_tr_metric *m)
{
	const char *n = m->s->metric;
	switch (m->family) {
	case FA2_TR_MF_THROTTLE: return FA2_TR_SYM_THROTTLE | FA2_TR_SYM_CAPACITY;
	case FA2_TR_MF_TLS: return FA2_TR_SYM_TLS;
	case FA2_TR_MF_TRAFFIC: return FA2_TR_SYM_CAPACITY;
	case FA2_TR_MF_SATURATION:
	case FA2_TR_MF_HEADROOM:
		if (ci_has(n, "memory") || ci_has(n, "mem_") || ci_has(n, "swap"))
			return FA2_TR_SYM_MEMORY | FA2_TR_SYM_CAPACITY;
		if (ci_has(n, "disk") || ci_has(n, "filesystem") || ci_has(n, "storage"))
			return FA2_TR_SYM_STORAGE | FA2_TR_SYM_CAPACITY;
		if (ci_has(n, "connections"))
			return FA2_TR_SYM_QUOTA | FA2_TR_SYM_CAPACITY;
		return FA2_TR_SYM_CAPACITY;
	default:
		return 0;
	}
}

static void find_symptoms(fa2_tr_analysis *a)
{
	double top = 0;
	size_t i;
	unsigned b;
	for (i = 0; i < a->n_metrics; i++) {
		const fa2_tr_metric *m = &a->metrics[i];
		unsigned ms;
		double st;
		if (!m->harmful || m->score <= 0 || !(ms = metric_symptom(m)) || !metric_linked(a, m))
			continue;
		st = m->alarm_metric ? 1.0 : 0.7;
		for (b = 0; b < FA2_TR_SYM__COUNT; b++)
			if (ms & (1u << b)) {
				a->symptoms |= 1u << b;
				if (st > a->sym_strength[b])
					a->sym_strength[b] = st;
			}
	}
	for (i = 0; i < a->n_tpls; i++)
		if (a->tpls[i].severity >= FA2_TR_SEV_WARN && a->tpls[i].score > top)
			top = a->tpls[i].score;
	for (i = 0; i < a->n_tpls && top > 0; i++) {
		const fa2_tr_tpl *t = &a->tpls[i];
		if (t->severity < FA2_TR_SEV_WARN || t->score <= 0)
			continue;
		for (b = 0; b < FA2_TR_SYM__COUNT; b++)
			if (t->symptoms & (1u << b)) {
				a->symptoms |= 1u << b;
				if (t->score / top > a->sym_strength[b])
					a->sym_strength[b] = t->score / top;
			}
	}
	for (i = 0; i < a->n_causes; i++) {
		const fa2_tr_cause *s = &a->causes[i];
		unsigned m;
		double share = s->share;
		if (share <= 0)
			continue;
		m = fa2_tr_symptoms(s->exception, strlen(s->exception)) |
		    fa2_tr_symptoms(s->message, strlen(s->message));
		for (b = 0; b < FA2_TR_SYM__COUNT; b++)
			if (m & (1u << b)) {
				a->symptoms |= 1u << b;
				if (share > a->sym_strength[b])
					a->sym_strength[b] = share;
			}
	}
}

static void add_ev(fa2_tr_suspect *s, int kind, size_t idx)
{
	if (s->n_evidence < FA2_TR_MAX_EVIDENCE) {
		s->evidence[s->n_evidence].kind = kind;
		s->evidence[s->n_evidence].idx = idx;
		s->n_evidence++;
	}
}

/* Evidence that follows time t: harmful metric changes, new or spiking error templates,
 * fault root causes, each starting no earlier than a minute before t and within the
 * horizon. Returns how many items were found. */
static size_t effects_after(const fa2_tr_analysis *a, fa2_tr_suspect *s, int64_t t, int linked)
{
	size_t i, k = 0, found = 0;
	int64_t lo = t - 60000, hi = t + a->cfg.horizon_ms;
	/* A change that names the failing resources may take effect late (a release
	 * whose bug needs a rare request, credentials that expire): its evidence is
	 * whatever follows it up to the incident. */
	if (linked && a->onset_ms && a->onset_ms + a->cfg.horizon_ms > hi)
		hi = a->onset_ms + a->cfg.horizon_ms;
	for (i = 0; i < a->n_metrics && k < 3; i++) {
		const fa2_tr_metric *m = &a->metrics[i];
		if (m->score > 0 && (m->harmful || m->alarm_metric) && m->r.onset_ms >= lo && m->r.onset_ms <= hi) {
			add_ev(s, FA2_TR_EV_METRIC, i);
			k++;
		}
	}
	found += k;
	for (i = 0, k = 0; i < a->n_tpls && k < 3; i++) {
		const fa2_tr_tpl *t2 = &a->tpls[i];
		int64_t ft = t2->is_new ? t2->first_ms : t2->first_after_ms;
		if (t2->score > 0 && t2->severity >= FA2_TR_SEV_WARN && ft >= lo && ft <= hi) {
			add_ev(s, FA2_TR_EV_TEMPLATE, i);
			k++;
		}
	}
	found += k;
	for (i = 0, k = 0; i < a->n_causes && k < 1; i++) {
		const fa2_tr_cause *sv = &a->causes[i];
		int64_t ft = sv->n_before ? 0 : sv->first_ms;
		if (sv->share >= 0.1 && ft >= lo && ft <= hi) {
			add_ev(s, FA2_TR_EV_CAUSE, i);
			k++;
		}
	}
	return found + k;
}

static int cmp_suspect(const void *x, const void *y)
{
	const fa2_tr_suspect *a = x, *b = y;
	return a->score < b->score ? 1 : a->score > b->score ? -1 : 0;
}

/* A change that explains a symptom (shares names with the incident, would explain the
 * symptom's class, came before it): the symptom is its consequence, not a cause of its
 * own. Returns the change's index, or -1. */
static long explaining_change(const fa2_tr_analysis *a, unsigned sym, int64_t t)
{
	size_t i;
	for (i = 0; i < a->n_changes; i++) {
		const fa2_tr_change *c = &a->changes[i];
		if (c->score < 0.15)
			break;  /* sorted by score */
		/* linked by a name: a full one, or a part when the change's kind explains
		 * the symptom directly (a scaling change and a backlog) */
		if (c->routine || c->ev->by_service || c->overlap_score <= 0 ||
		    (c->overlap_score < 0.3 && !(c->sharp & sym)))
			continue;
		if ((!sym || (c->explained & sym)) && (!t || c->ev->t_ms <= t + a->onset_slack_ms))
			return (long)i;
	}
	return -1;
}

static fa2_tr_suspect *new_suspect(fa2_tr_suspect *pool, size_t *n, size_t cap, int kind, size_t idx)
{
	fa2_tr_suspect *s;
	if (*n >= cap)
		return NULL;
	s = &pool[(*n)++];
	memset(s, 0, sizeof *s);
	s->what.kind = kind;
	s->what.idx = idx;
	return s;
}

/* Suspects are hypotheses of every kind, ranked on one scale: changes (by their
 * evidence and timing), failing dependencies (X-Ray), log templates that name an
 * exhausted or expired resource or lead the new errors, and metrics whose harmful
 * shift is a cause of its own (saturation, a surge of demand, throttling, TLS). */
static void build_suspects(fa2_tr_analysis *a)
{
	fa2_tr_suspect cand[32];
	size_t nc = 0, i, k;
	double top_tpl = 0;
	int64_t late = a->onset_ms ? a->onset_ms + 10 * 60000LL + a->onset_slack_ms : INT64_MAX;

	for (i = 0, k = 0; i < a->n_changes && k < 5; i++) {
		fa2_tr_change *c = &a->changes[i];
		fa2_tr_suspect *s;
		if (c->score < 0.12)
			break;
		if (c->routine || !(s = new_suspect(cand, &nc, 32, FA2_TR_EV_CHANGE, i)))
			continue;
		s->score = c->score;
		/* A change with no effect after it is a weak suspect. */
		if (!effects_after(a, s, c->ev->t_ms, c->overlap_score > 0))
			s->score *= 0.5;
		k++;
	}
	for (i = 0; i < a->n_causes; i++) {
		const fa2_tr_cause *sv = &a->causes[i];
		fa2_tr_suspect *s;
		size_t n = 0;
		double sc = 0.5 * sv->share * (sv->n_before ? 0.6 : 1.0);
		if (sc < 0.1 || !(s = new_suspect(cand, &nc, 32, FA2_TR_EV_CAUSE, i)))
			break;
		/* A failing dependency says where; a linked change says why. */
		if (explaining_change(a, 0, sv->first_after_ms ? sv->first_after_ms : sv->first_ms) >= 0)
			sc *= 0.5;
		s->score = sc;
		for (k = 0; k < a->n_tpls && n < 3; k++) {
			const fa2_tr_tpl *t = &a->tpls[k];
			if (t->score > 0 && t->severity >= FA2_TR_SEV_WARN &&
			    ((*sv->entity && ci_has(t->text, sv->entity)) ||
			     (*sv->exception && strstr(t->text, sv->exception)) || n == 0)) {
				add_ev(s, FA2_TR_EV_TEMPLATE, k);
				n++;
			}
		}
		for (k = 0, n = 0; k < a->n_metrics && n < 2; k++)
			if (a->metrics[k].score > 0 && a->metrics[k].harmful) {
				add_ev(s, FA2_TR_EV_METRIC, k);
				n++;
			}
	}
	for (i = 0; i < a->n_tpls; i++)
		if (a->tpls[i].severity >= FA2_TR_SEV_WARN && a->tpls[i].score > top_tpl)
			top_tpl = a->tpls[i].score;
	for (i = 0, k = 0; i < a->n_tpls && k < 3 && top_tpl > 0; i++) {
		const fa2_tr_tpl *t = &a->tpls[i];
		int64_t ft = t->is_new ? t->first_ms : t->first_after_ms;
		int resource = (t->symptoms & FA2_TR_SYM_RESOURCE) != 0;
		double sc;
		fa2_tr_suspect *s;
		size_t j, n = 0;
		long ch;
		if (t->score <= 0 || t->severity < FA2_TR_SEV_WARN || ft > late)
			continue;
		sc = (resource ? 0.55 : 0.3) * (0.5 + 0.5 * t->score / top_tpl);
		if (a->main_group && !same_group(t->group, a->main_group))
			sc *= 0.6;
		if (!group_of_alarm(a, t->group))
			sc *= 0.6;  /* another service than the alarmed one */
		if ((ch = explaining_change(a, t->symptoms, ft)) >= 0)
			sc *= 0.4;
		if (!(s = new_suspect(cand, &nc, 32, FA2_TR_EV_TEMPLATE, i)))
			break;
		s->score = sc;
		if (ch >= 0)
			add_ev(s, FA2_TR_EV_CHANGE, (size_t)ch);
		for (j = 0; j < a->n_metrics && n < 2; j++)
			if (a->metrics[j].score > 0 && a->metrics[j].harmful) {
				add_ev(s, FA2_TR_EV_METRIC, j);
				n++;
			}
		for (j = 0, n = 0; j < a->n_tpls && n < 2; j++)
			if (j != i && a->tpls[j].score > 0 && a->tpls[j].severity >= FA2_TR_SEV_WARN &&
			    same_group(a->tpls[j].group, t->group)) {
				add_ev(s, FA2_TR_EV_TEMPLATE, j);
				n++;
			}
		k++;
	}
	for (i = 0, k = 0; i < a->n_metrics && k < 3; i++) {
		const fa2_tr_metric *m = &a->metrics[i];
		int64_t ht = m->trend_ms && (!m->harm_ms || m->trend_ms < m->harm_ms) ? m->trend_ms : m->harm_ms;
		double strength, sc;
		fa2_tr_suspect *s;
		size_t j, n = 0;
		long ch;
		if (!m->harmful || !family_is_cause(m->family) || !ht || ht > late ||
		    !metric_linked(a, m) || (ci_has(m->s->metric, "cpu") && !m->at_ceiling))
			continue;
		strength = fmin(1.0, log10(1.0 + m->r.score) / 1.5);
		if ((m->trend_ms || m->at_ceiling) && strength < 0.8)
			strength = 0.8;  /* a sustained rise, not a blip */
		/* A surge of demand explains the saturation it causes: it ranks first. */
		if (m->family == FA2_TR_MF_TRAFFIC && m->ratio >= 3.0)
			sc = 0.6;
		else if (ci_has(m->s->metric, "cpu"))
			sc = 0.45;
		else if (m->at_ceiling || m->trend_ms || m->family == FA2_TR_MF_TLS ||
			 m->family == FA2_TR_MF_THROTTLE)
			sc = 0.55;
		else
			sc = 0.45;
		sc *= 0.5 + 0.5 * strength;
		/* (a slow rise's start is known to a quarter of an hour) */
		if ((ch = explaining_change(a, FA2_TR_SYM_RESOURCE | FA2_TR_SYM_CAPACITY,
					    ht == m->trend_ms ? ht + 15 * 60000LL : ht)) >= 0)
			sc *= 0.4;
		if (!(s = new_suspect(cand, &nc, 32, FA2_TR_EV_METRIC, i)))
			break;
		s->score = sc;
		if (ch >= 0)
			add_ev(s, FA2_TR_EV_CHANGE, (size_t)ch);
		for (j = 0; j < a->n_metrics && n < 2; j++)
			if (j != i && a->metrics[j].score > 0 && a->metrics[j].harmful &&
			    !family_is_cause(a->metrics[j].family)) {
				add_ev(s, FA2_TR_EV_METRIC, j);
				n++;
			}
		for (j = 0, n = 0; j < a->n_tpls && n < 2; j++)
			if (a->tpls[j].score > 0 && a->tpls[j].severity >= FA2_TR_SEV_WARN) {
				add_ev(s, FA2_TR_EV_TEMPLATE, j);
				n++;
			}
		k++;
	}
	sort_n(cand, nc, sizeof cand[0], cmp_suspect);
	a->n_suspects = nc < FA2_TR_MAX_SUSPECTS ? nc : FA2_TR_MAX_SUSPECTS;
	memcpy(a->suspects, cand, a->n_suspects * sizeof cand[0]);
	a->no_change = a->n_suspects && a->suspects[0].what.kind != FA2_TR_EV_CHANGE;
}

static int cmp_tl(const void *x, const void *y)
{
	const fa2_tr_tl *a = x, *b = y;
	if (a->t_ms != b->t_ms)
		return a->t_ms < b->t_ms ? -1 : 1;
	return a->ref.kind - b->ref.kind;
}

static fa2_err build_timeline(fa2_tr_analysis *a)
{
	size_t cap = a->n_metrics + a->n_tpls + a->n_causes + a->n_changes + 1, i;
	a->timeline = fa2_calloc(cap, sizeof *a->timeline);
	if (!a->timeline)
		return FA2_ERR_NOMEM;
#define TL(t, k, i_) do { a->timeline[a->n_timeline].t_ms = (t); \
	a->timeline[a->n_timeline].ref.kind = (k); a->timeline[a->n_timeline].ref.idx = (i_); \
	a->n_timeline++; } while (0)
	for (i = 0; i < a->n_metrics; i++)
		if (a->metrics[i].score > 0 && a->metrics[i].r.onset_ms)
			TL(a->metrics[i].r.onset_ms, FA2_TR_EV_METRIC, i);
	for (i = 0; i < a->n_tpls; i++)
		if (a->tpls[i].score > 0 && a->tpls[i].severity >= FA2_TR_SEV_WARN)
			TL(a->tpls[i].is_new ? a->tpls[i].first_ms : a->tpls[i].first_after_ms,
			   FA2_TR_EV_TEMPLATE, i);
	for (i = 0; i < a->n_causes; i++)
		if (a->causes[i].share >= 0.05)
			TL(a->causes[i].n_before ? a->causes[i].first_after_ms : a->causes[i].first_ms,
			   FA2_TR_EV_CAUSE, i);
	for (i = 0; i < a->n_changes; i++)
		if (a->changes[i].score >= 0.1 || a->changes[i].cats != FA2_TR_CAT_OTHER)
			TL(a->changes[i].ev->t_ms, FA2_TR_EV_CHANGE, i);
#undef TL
	sort_n(a->timeline, a->n_timeline, sizeof *a->timeline, cmp_tl);
	return FA2_OK;
}

fa2_err fa2_tr_analyze(const fa2_tr_data *d, const fa2_tr_config *cfg, fa2_tr_analysis *a)
{
	fa2_err e;
	size_t i;
	memset(a, 0, sizeof *a);
	a->d = d;
	if (cfg)
		a->cfg = *cfg;
	else
		fa2_tr_config_default(&a->cfg);
	fa2_tr_pool_init(&a->pool, FA2_MAX_TR_POOL_BYTES);
	if ((e = fa2_tr_analyze_metrics(a)) || (e = fa2_tr_analyze_traces(a)))
		return e;
	/* The log split: the alarm, else the first harmful metric change, else the trace
	 * fault onset (else the middle of the window, chosen inside the log analysis). */
	for (i = 0; i < a->n_metrics; i++) {
		const fa2_tr_metric *m = &a->metrics[i];
		int64_t t = m->harm_ms ? m->harm_ms : m->alarm_metric && m->r.n_shifts ? m->r.onset_ms : 0;
		if (t && (!d->alarm.t_ms || (t <= d->alarm.t_ms && t >= d->alarm.t_ms - 6 * 3600000LL)) &&
		    (!a->first_harm_ms || t < a->first_harm_ms))
			a->first_harm_ms = t;
	}
	a->ref_ms = d->alarm.t_ms ? d->alarm.t_ms : a->first_harm_ms;
	if (!a->ref_ms)
		a->ref_ms = a->trace_fault_onset_ms;
	set_split(a);
	split_causes(a);
	if ((e = fa2_tr_analyze_logs(a)))
		return e;
	find_onset(a);
	find_symptoms(a);
	if ((e = fa2_tr_rank_changes(a)))
		return e;
	build_suspects(a);
	return build_timeline(a);
}

void fa2_tr_analysis_cleanup(fa2_tr_analysis *a)
{
	fa2_free(a->metrics);
	fa2_free(a->tpls);
	fa2_free(a->svcs);
	fa2_free(a->causes);
	fa2_free(a->changes);
	fa2_free(a->timeline);
	fa2_tr_pool_cleanup(&a->pool);
	memset(a, 0, sizeof *a);
}
