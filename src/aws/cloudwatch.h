/* CloudWatch metrics: ListMetrics over all pages and GetMetricData into series (batches
 * of at most 500 queries, every page), shared by metrics_tool, the insight engine and the
 * snapshot capture. DescribeAlarms for one alarm is fa2_alarm_describe (aws/alarms.h).
 *
 * Metrics travel as the API's own JSON objects {Namespace, MetricName, Dimensions:
 * [{Name, Value}]}. Times are epoch milliseconds; the API takes epoch seconds. */
#ifndef FA2_AWS_CLOUDWATCH_H
#define FA2_AWS_CLOUDWATCH_H

#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"

#include "aws/alarms.h"
#include "aws/call.h"
#include "aws/client.h"
#include "base/buf.h"
#include "base/err.h"

#define FA2_CW_BATCH       500u   /* GetMetricData: MetricDataQueries per call */
#define FA2_CW_MAX_PAGES   50u    /* pages followed per ListMetrics / GetMetricData batch */
#define FA2_CW_MAX_POINTS  1440u  /* points per series the period is chosen for */

/* ListMetrics with the request members of `request` (Namespace, MetricName, Dimensions,
 * RecentlyActive; may be NULL: every metric), all pages. Each listed metric is
 * duplicated into out (a cJSON array) unless aws_only is set and its namespace does not
 * start with "AWS/"; listing stops when out holds max entries (*truncated is then 1).
 * Errors as fa2_aws_do, with oc (may be NULL) saying why; out keeps what was listed. */
fa2_err fa2_cw_list_metrics(fa2_aws_client *c, const cJSON *request, int aws_only, size_t max,
			    int64_t deadline_mono_ms, cJSON *out, int *truncated, fa2_aws_outcome *oc);

/* One series of GetMetricData points (caller-owned arrays; ascending by time after
 * fa2_cw_get_metric_data). */
typedef struct fa2_cw_series {
	int64_t *t_ms;
	double *v;
	size_t n, cap;
} fa2_cw_series;

void fa2_cw_series_cleanup(fa2_cw_series *s);

/* One query: a metric (borrowed {Namespace, MetricName, Dimensions}) with a statistic. */
typedef struct fa2_cw_query {
	const cJSON *metric;
	const char *stat;        /* "Average", "Sum", "p99", ... (NULL: Average) */
} fa2_cw_query;

/* Sees every GetMetricData request (its MetricDataQueries name every Id "m<index into
 * the queries>") and the raw reply, before the reply is decoded. */
typedef fa2_err (*fa2_cw_page_fn)(void *ctx, const cJSON *request, fa2_slice reply);

typedef struct fa2_cw_fetch {
	const fa2_cw_query *queries;
	size_t n;
	int64_t from_ms, to_ms;
	long period_s;           /* a multiple of 60 (0: fa2_cw_period) */
	int newest_first;        /* ScanBy TimestampDescending (else ascending) */
	size_t max_pages;        /* per batch (0: FA2_CW_MAX_PAGES) */
	int64_t deadline_mono_ms;
	fa2_cw_page_fn on_page;  /* may be NULL */
	void *ctx;
} fa2_cw_fetch;

/* GetMetricData for every query over [from_ms, to_ms]; points are appended to series[i]
 * (n entries, zeroed by the caller) and sorted by time. At most 4 * FA2_CW_MAX_POINTS
 * points are kept per series. Errors as fa2_aws_do (oc may be NULL). */
fa2_err fa2_cw_get_metric_data(fa2_aws_client *c, const fa2_cw_fetch *f, fa2_cw_series *series,
			       fa2_aws_outcome *oc);

/* Sorts n points (t_ms[i], v[i]) by time; linear for points in either order. */
void fa2_cw_points_sort(int64_t *t_ms, double *v, size_t n);

/* The GetMetricData period (seconds, a multiple of 60, at least 60) that keeps a window
 * of span_ms under FA2_CW_MAX_POINTS points per series. */
long fa2_cw_period(int64_t span_ms);

/* A time in an API reply: epoch seconds (number, fractional allowed) or an RFC 3339
 * string, as epoch ms; -1 when neither. */
int64_t fa2_cw_time_ms(const cJSON *t);

#endif
