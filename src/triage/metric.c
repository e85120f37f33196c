/* Change points and spikes in one metric series. See metric.h for the contract.
 *
 * Method. Candidate change points come from binary segmentation with a rank CUSUM
 * (the standardised Mann-Whitney rank sum of the left part, maximised over split
 * points): ranks make the location robust to spikes and to skewed distributions. A
 * candidate is accepted only when the medians on both sides differ by FA2_TR_SHIFT_Z
 * robust sigmas of the left segment and by FA2_TR_SHIFT_SE standard errors. Segmentation
 * recurses into both halves to a fixed depth even when a split is rejected, so a bump
 * (up, then back down) is found from either end. */
#include "triage/metric.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

#define SEG_DEPTH 4

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double fa2_tr_median(const double *v, size_t n, double *scratch)
{
	memcpy(scratch, v, n * sizeof *v);
	qsort(scratch, n, sizeof *scratch, cmp_double);
	return n % 2 ? scratch[n / 2] : (scratch[n / 2 - 1] + scratch[n / 2]) / 2.0;
}

double fa2_tr_mad_sigma(const double *v, size_t n, double median, double *scratch)
{
	size_t i;
	for (i = 0; i < n; i++)
		scratch[i] = fabs(v[i] - median);
	qsort(scratch, n, sizeof *scratch, cmp_double);
	return 1.4826 * (n % 2 ? scratch[n / 2] : (scratch[n / 2 - 1] + scratch[n / 2]) / 2.0);
}

/* Robust scale of a segment: the largest of the MAD sigma, the MAD sigma of first
 * differences (insensitive to slow drift), half the classical standard deviation (so a
 * mostly-constant segment with rare blips is not given a zero scale) and a floor
 * relative to the level. */
static double seg_sigma(const double *v, size_t n, double median, double *scratch, int integral_series)
{
	double s, sd = 0, mean = 0, floor_;
	size_t i;
	if (n == 0)
		return 1e-9;
	s = fa2_tr_mad_sigma(v, n, median, scratch);
	if (n > 2) {
		double dm, ds;
		for (i = 1; i < n; i++)
			scratch[i - 1] = v[i] - v[i - 1];
		dm = fa2_tr_median(scratch, n - 1, scratch + n);
		/* scratch+n may overlap nothing: caller provides 2n doubles. */
		ds = fa2_tr_mad_sigma(scratch, n - 1, dm, scratch + n) / sqrt(2.0);
		if (ds > s)
			s = ds;
	}
	for (i = 0; i < n; i++)
		mean += v[i];
	mean /= (double)n;
	for (i = 0; i < n; i++)
		sd += (v[i] - mean) * (v[i] - mean);
	sd = n > 1 ? sqrt(sd / (double)(n - 1)) : 0;
	if (0.5 * sd > s)
		s = 0.5 * sd;
	floor_ = 1e-3 * fabs(median);
	if (floor_ < 1e-9)
		floor_ = 1e-9;
	/* Counts: a Poisson-like floor, so that a stray 1 among zeros is not an event. */
	if (integral_series && floor_ < sqrt(fabs(median) > 1 ? fabs(median) : 1))
		floor_ = sqrt(fabs(median) > 1 ? fabs(median) : 1);
	return s > floor_ ? s : floor_;
}

struct rv {
	double v;
	size_t i;
};

static int cmp_rv(const void *a, const void *b)
{
	const struct rv *x = a, *y = b;
	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Best split k in [lo+m, hi-m] of v by the standardised rank sum; returns 0 when none.
 * rk: scratch of (hi-lo) struct rv; rank: scratch of (hi-lo) doubles. */
static size_t best_split(const double *v, size_t lo, size_t hi, size_t m, struct rv *rk,
			 double *rank)
{
	size_t n = hi - lo, i, j, best = 0;
	double sum = 0, best_stat = 0, mid;
	if (n < 2 * m)
		return 0;
	for (i = 0; i < n; i++) {
		rk[i].v = v[lo + i];
		rk[i].i = i;
	}
	qsort(rk, n, sizeof *rk, cmp_rv);
	for (i = 0; i < n; i = j) {
		double avg;
		for (j = i; j < n && rk[j].v == rk[i].v; j++)
			;
		avg = ((double)i + (double)j + 1.0) / 2.0;  /* mean of ranks i+1..j */
		while (i < j)
			rank[rk[i++].i] = avg;
	}
	mid = ((double)n + 1.0) / 2.0;
	for (i = 0; i + 1 < n; i++) {
		double k = (double)(i + 1), stat;
		sum += rank[i] - mid;
		if (i + 1 < m || n - (i + 1) < m)
			continue;
		stat = fabs(sum) / sqrt(k * ((double)n - k) / (double)n);
		if (stat > best_stat) {
			best_stat = stat;
			best = lo + i + 1;
		}
	}
	return best;
}

struct seg_ctx {
	const int64_t *t;
	const double *v;
	size_t m;
	struct rv *rk;
	double *rank, *scratch;
	fa2_tr_shift found[16];
	size_t n_found;
	size_t cand[32];
	size_t n_cand;
	int integral;   /* every value is a whole number (counts) */
};

/* Tests the split k of [lo, hi); records it as a shift when it passes. */
static void test_split(struct seg_ctx *c, size_t lo, size_t k, size_t hi)
{
	size_t nl = k - lo, nr = hi - k, j, steps;
	double ml, mr, sl, sr, delta, se, ll, lr;
	int dir;
	fa2_tr_shift *s;
	if (nl < c->m || nr < c->m || c->n_found >= 16)
		return;
	ml = fa2_tr_median(c->v + lo, nl, c->scratch);
	mr = fa2_tr_median(c->v + k, nr, c->scratch);
	sl = seg_sigma(c->v + lo, nl, ml, c->scratch, c->integral);
	sr = seg_sigma(c->v + k, nr, mr, c->scratch, c->integral);
	delta = fabs(mr - ml);
	se = 1.2533 * sqrt(sl * sl / (double)nl + sr * sr / (double)nr);
	if (delta < FA2_TR_SHIFT_Z * sl || delta < FA2_TR_SHIFT_SE * se)
		return;
	/* Abruptness: the m points on either side of the split must differ by at least half
	 * the shift, which tells a step from a slow trend. */
	ll = fa2_tr_median(c->v + k - c->m, c->m, c->scratch);
	lr = fa2_tr_median(c->v + k, c->m, c->scratch);
	if ((lr - ll) * (mr - ml) <= 0 || fabs(lr - ll) < 0.5 * delta)
		return;
	s = &c->found[c->n_found++];
	j = k;
	dir = mr > ml ? 1 : -1;
	/* Refine: the first point of the new level is the earliest one, within m points
	 * before the split, from which on values sit beyond 3 sigma. */
	for (steps = 0; steps < c->m && j > lo + 1 && (c->v[j - 1] - ml) * dir > 3.0 * sl; steps++)
		j--;
	for (steps = 0; steps < c->m && j + 1 < hi && !((c->v[j] - ml) * dir > 3.0 * sl); steps++)
		j++;
	s->index = j;
	s->t_ms = c->t[j];
	s->before = ml;
	s->after = mr;
	s->z = delta / sl;
}

/* Collects candidate splits by binary segmentation, recursing into both halves to a
 * fixed depth whatever the split's significance (a bump's first split may be its far
 * edge, whose test fails until the near edge is cut off). */
static void segment(struct seg_ctx *c, size_t lo, size_t hi, int depth)
{
	size_t k;
	if (depth >= SEG_DEPTH || c->n_cand >= sizeof c->cand / sizeof c->cand[0])
		return;
	k = best_split(c->v, lo, hi, c->m, c->rk, c->rank);
	if (!k)
		return;
	c->cand[c->n_cand++] = k;
	segment(c, lo, k, depth + 1);
	segment(c, k, hi, depth + 1);
}

static int cmp_size(const void *x, const void *y)
{
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	return a < b ? -1 : a > b;
}

/* Each candidate is tested against its neighbouring candidates. */
static void test_candidates(struct seg_ctx *c, size_t n)
{
	size_t i;
	qsort(c->cand, c->n_cand, sizeof c->cand[0], cmp_size);
	for (i = 0; i < c->n_cand; i++)
		test_split(c, i ? c->cand[i - 1] : 0, c->cand[i], i + 1 < c->n_cand ? c->cand[i + 1] : n);
}

static int cmp_shift(const void *a, const void *b)
{
	size_t x = ((const fa2_tr_shift *)a)->index, y = ((const fa2_tr_shift *)b)->index;
	return x < y ? -1 : x > y;
}

fa2_err fa2_tr_metric_analyze(const int64_t *t_ms, const double *v, size_t n, int64_t ref_ms,
			      fa2_tr_metric_result *out)
{
	struct seg_ctx c;
	double *scratch = NULL, *rank = NULL;
	struct rv *rk = NULL;
	size_t i, j, base_end;
	fa2_err e = FA2_OK;

	memset(out, 0, sizeof *out);
	memset(&c, 0, sizeof c);
	out->n = n;
	if (n == 0)
		return FA2_OK;
	out->min = out->max = v[0];
	for (i = 0; i < n; i++) {
		if (v[i] < out->min)
			out->min = v[i];
		if (v[i] > out->max)
			out->max = v[i];
		out->mean += v[i];
	}
	out->mean /= (double)n;
	out->last = v[n - 1];
	scratch = fa2_calloc(2 * n + 2, sizeof *scratch);
	rank = fa2_calloc(n, sizeof *rank);
	rk = fa2_calloc(n, sizeof *rk);
	if (!scratch || !rank || !rk) {
		e = FA2_ERR_NOMEM;
		goto cleanup;
	}
	c.integral = 1;
	for (i = 0; i < n && c.integral; i++)
		c.integral = v[i] == floor(v[i]) && fabs(v[i]) < 1e15;
	c.t = t_ms;
	c.v = v;
	c.m = n / 20 > 5 ? n / 20 : 5;
	c.rk = rk;
	c.rank = rank;
	c.scratch = scratch;
	if (n >= 2 * c.m) {
		segment(&c, 0, n, 0);
		test_candidates(&c, n);
	}
	qsort(c.found, c.n_found, sizeof c.found[0], cmp_shift);
	/* Two accepted splits closer than m points describe one transition: keep the first. */
	for (i = 0; i < c.n_found && out->n_shifts < FA2_TR_MAX_SHIFTS; i++) {
		if (out->n_shifts && c.found[i].index < out->shifts[out->n_shifts - 1].index + c.m)
			continue;
		out->shifts[out->n_shifts++] = c.found[i];
	}

	base_end = n;
	if (out->n_shifts)
		base_end = out->shifts[0].index;
	else if (ref_ms) {
		for (j = 0; j < n && t_ms[j] < ref_ms; j++)
			;
		if (j >= c.m)
			base_end = j;
	}
	if (base_end == 0)
		base_end = 1;
	out->base_n = base_end;
	out->base_median = fa2_tr_median(v, base_end, scratch);
	out->base_sigma = seg_sigma(v, base_end, out->base_median, scratch, c.integral);

	/* Spikes: points far from the level of their own segment (between shifts). */
	if (n >= 8) {
		size_t lo = 0, s_i;
		for (s_i = 0; s_i <= out->n_shifts; s_i++) {
			size_t hi = s_i < out->n_shifts ? out->shifts[s_i].index : n;
			double lvl, sg;
			if (hi <= lo)
				continue;
			lvl = fa2_tr_median(v + lo, hi - lo, scratch);
			sg = s_i == 0 ? out->base_sigma : seg_sigma(v + lo, hi - lo, lvl, scratch, c.integral);
			for (i = lo; i < hi; i++) {
				double z = fabs(v[i] - lvl) / sg;
				if (z < FA2_TR_SPIKE_Z || hi - lo < 4)
					continue;
				out->n_spikes++;
				if (!out->first_spike_ms) {
					out->first_spike_ms = t_ms[i];
					if (!out->n_shifts)
						out->direction = v[i] > lvl ? 1 : -1;
				}
				if (z > out->max_spike_z) {
					out->max_spike_z = z;
					out->max_spike_value = v[i];
				}
			}
			lo = hi;
		}
	}
	if (out->n_shifts) {
		out->onset_ms = out->shifts[0].t_ms;
		out->direction = out->shifts[0].after > out->shifts[0].before ? 1 : -1;
		for (i = 0; i < out->n_shifts; i++)
			if (out->shifts[i].z > out->score)
				out->score = out->shifts[i].z;
	} else if (out->n_spikes) {
		out->onset_ms = out->first_spike_ms;
		/* A spike is weaker evidence than a sustained shift. */
		out->score = out->max_spike_z / 2;
	}
	if (out->score > 100)
		out->score = 100;
cleanup:
	fa2_free(scratch);
	fa2_free(rank);
	fa2_free(rk);
	return e;
}
