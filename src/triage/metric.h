/* Metric analysis for one time series: summary statistics, a robust baseline (median
 * and MAD), level shifts (binary segmentation on a CUSUM-style statistic, confirmed by a
 * two-segment median test) and spikes (points far from their segment's level).
 *
 * The detector is deliberately conservative: a shift must move the median by at least
 * FA2_TR_SHIFT_Z robust standard deviations of the segment before it, and by at least
 * FA2_TR_SHIFT_SE standard errors, so that noise alone does not produce a change. */
#ifndef FA2_TRIAGE_METRIC_H
#define FA2_TRIAGE_METRIC_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define FA2_TR_SHIFT_Z   4.0   /* shift size in robust sigmas of the baseline */
#define FA2_TR_SHIFT_SE  5.0   /* shift size in standard errors of the medians */
#define FA2_TR_SPIKE_Z   8.0   /* a spike's distance from its segment level, in sigmas */
#define FA2_TR_MAX_SHIFTS 4    /* change points reported per series */

typedef struct fa2_tr_shift {
	size_t index;          /* first point of the new level */
	int64_t t_ms;
	double before, after;  /* segment medians */
	double z;              /* |after - before| / sigma of the segment before */
} fa2_tr_shift;

typedef struct fa2_tr_metric_result {
	size_t n;
	double min, max, mean, last;
	double base_median, base_sigma;  /* baseline: the points before the first change */
	size_t base_n;
	fa2_tr_shift shifts[FA2_TR_MAX_SHIFTS];  /* ascending by time */
	size_t n_shifts;
	size_t n_spikes;
	int64_t first_spike_ms;   /* 0 when none */
	double max_spike_z;
	double max_spike_value;
	int64_t onset_ms;         /* first significant change (shift or spike); 0 none */
	double score;             /* strength of the strongest finding (z, capped); 0 none */
	int direction;            /* +1 up, -1 down, 0 none: of the first shift or spike */
} fa2_tr_metric_result;

/* Analyses n points (t ascending). ref_ms (0 = none) is the alarm or suspected onset:
 * when no level shift is found, the baseline is the part before ref_ms. Needs no heap
 * beyond a scratch copy (FA2_ERR_NOMEM). Fewer than 8 points: statistics only. */
fa2_err fa2_tr_metric_analyze(const int64_t *t_ms, const double *v, size_t n, int64_t ref_ms,
			      fa2_tr_metric_result *out);

/* Median and MAD-based sigma (1.4826 * MAD) of v[0..n); n > 0. scratch holds n doubles. */
double fa2_tr_median(const double *v, size_t n, double *scratch);
double fa2_tr_mad_sigma(const double *v, size_t n, double median, double *scratch);

#endif
