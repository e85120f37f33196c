/* Capturing an incident window from AWS (docs/snapshot.md): Logs Insights (split at the
 * 10,000-row cap so that no row is lost silently), CloudWatch (DescribeAlarms,
 * ListMetrics, GetMetricData), CloudTrail LookupEvents and X-Ray GetTraceSummaries,
 * through the per-service files of src/aws.
 *
 * Two sinks: a snapshot directory (each response written as AWS returned it, logs
 * responses holding only the rows their query was responsible for, plus manifest.json
 * with what was read and how completely: "coverage"), or an fa2_tr_data in memory (what
 * `fa2 triage` without --source analyses; the same data the directory would give when
 * read back). Each source that fails is recorded ("errors") and the capture goes on
 * with the others. */
#ifndef FA2_TRIAGE_CAPTURE_H
#define FA2_TRIAGE_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "aws/client.h"
#include "base/err.h"
#include "triage/data.h"

#define FA2_CAPTURE_MAX_GROUPS  50u    /* log groups per snapshot (one StartQuery) */
#define FA2_CAPTURE_MAX_METRICS 500u   /* metric queries */
#define FA2_CAPTURE_LOG_QUERIES 200u   /* default budget of Logs Insights queries */

typedef struct fa2_capture_opts {
	int64_t from_ms, to_ms;            /* the window, both ends inclusive */
	const char *out_dir;               /* the snapshot directory; NULL with into */
	fa2_tr_data *into;                 /* capture into memory instead (initialised by the caller) */
	const char *region;
	const char *alarm;                 /* alarm name or NULL */
	const char *log_groups[FA2_CAPTURE_MAX_GROUPS];
	size_t n_log_groups;
	const char *metrics[64];           /* "Namespace|MetricName|Stat|Dim=Value,Dim=Value" */
	size_t n_metrics;
	const char *query;                 /* Logs Insights stages (no stats); NULL: fields only */
	int64_t poll_timeout_ms;           /* per Logs Insights query; default 60 s */
	int64_t poll_interval_ms;          /* default 1000 */
	size_t max_pages;                  /* per paginated source; default 100 */
	size_t max_log_queries;            /* Logs Insights queries in all; default FA2_CAPTURE_LOG_QUERIES */
	int no_cloudtrail, no_xray;
} fa2_capture_opts;

typedef struct fa2_capture_stats {
	size_t files, log_rows, series, events, traces, errors;
	size_t log_queries;
	double log_rows_estimated;         /* the service's count of matching rows; -1 unknown */
	int logs_partial, events_partial, traces_partial;
} fa2_capture_stats;

/* Captures the window. FA2_ERR_EXISTS when out_dir exists and is not empty; FA2_ERR_IO
 * when it cannot be written; FA2_ERR_INVALID for a --query that cannot be used;
 * FA2_ERR_AWS when every source failed. With into, the data are decoded into it (window,
 * region, alarm, coverage and everything read, sorted by time). */
fa2_err fa2_capture_snapshot(fa2_aws_client *c, const fa2_capture_opts *o, fa2_capture_stats *st);

#endif
