/* Capturing an incident window from AWS into a snapshot directory (docs/snapshot.md):
 * Logs Insights (StartQuery / GetQueryResults / StopQuery), CloudWatch (DescribeAlarms,
 * ListMetrics, GetMetricData), CloudTrail LookupEvents and X-Ray GetTraceSummaries. Each
 * response is written as AWS returned it; each source that fails is recorded in the
 * manifest ("errors") and the capture goes on with the others. */
#ifndef FA2_TRIAGE_CAPTURE_H
#define FA2_TRIAGE_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "aws/client.h"
#include "base/err.h"

#define FA2_CAPTURE_MAX_GROUPS  50u    /* log groups per snapshot (one StartQuery) */
#define FA2_CAPTURE_MAX_METRICS 500u   /* metric queries (one GetMetricData page size) */

typedef struct fa2_capture_opts {
	int64_t from_ms, to_ms;
	const char *out_dir;
	const char *region;
	const char *alarm;                 /* alarm name or NULL */
	const char *log_groups[FA2_CAPTURE_MAX_GROUPS];
	size_t n_log_groups;
	const char *metrics[64];           /* "Namespace|MetricName|Stat|Dim=Value,Dim=Value" */
	size_t n_metrics;
	const char *query;                 /* Logs Insights query; NULL = fields + sort + limit */
	int64_t poll_timeout_ms;           /* per Logs Insights query; default 60 s */
	int64_t poll_interval_ms;          /* default 1000 */
	size_t max_pages;                  /* per paginated source; default 100 */
	int no_cloudtrail, no_xray;
} fa2_capture_opts;

typedef struct fa2_capture_stats {
	size_t files, log_rows, series, events, traces, errors;
} fa2_capture_stats;

/* Captures the window. FA2_ERR_EXISTS when out_dir exists and is not empty; FA2_ERR_IO
 * when it cannot be written; FA2_ERR_AWS when every source failed. */
fa2_err fa2_capture_snapshot(fa2_aws_client *c, const fa2_capture_opts *o, fa2_capture_stats *st);

#endif
