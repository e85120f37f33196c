/* The AWS-backed agent tools of this build (registered by fa2_tools_register_default). */
#ifndef FA2_AGENT_TOOLS_TOOLS_H
#define FA2_AGENT_TOOLS_TOOLS_H

#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"

#include "agent/tool.h"
#include "base/buf.h"
#include "triage/logtpl.h"
#include "triage/metric.h"

extern const fa2_tool fa2_logs_tool;
extern const fa2_tool fa2_metrics_tool;
extern const fa2_tool fa2_audit_log_tool;
extern const fa2_tool fa2_audit_log_athena_tool; /* audit_log_tool over a CloudTrail table */
extern const fa2_tool fa2_alb_log_tool;
extern const fa2_tool fa2_kb_tool;
extern const fa2_tool fa2_xray_tool;

/* Logs Insights @timestamp ("YYYY-MM-DD HH:MM:SS.mmm" UTC, or epoch ms digits) to epoch
 * ms; FA2_LOGTPL_NO_TIME when neither. */
int64_t fa2_logs_tool_parse_ts(const char *s);

/* logs_tool's observation, shared with the snapshot-backed tool (snap_logs.c): for a
 * finished template miner m (borrowed), appends the header (query text, env's window,
 * rows, template count; snapshot names the snapshot; capped adds the result-cap note),
 * then the templates (most severe, then most frequent, first; at most 40, two examples
 * each) and a count of those not shown. FA2_ERR_NOMEM with nothing appended. */
fa2_err fa2_logs_tool_render(const fa2_tool_env *env, const fa2_logtpl *m, const char *query, int snapshot,
			     unsigned long long rows, int capped, fa2_buf *out);

/* One metric series for metrics_tool's summary. */
typedef struct fa2_metrics_series {
	cJSON *metric;          /* {Namespace, MetricName, Dimensions} (borrowed) */
	const char *stat;       /* statistic shown after the name; NULL: none shown */
	int64_t *t;             /* epoch ms, any order (sorted by the summary) */
	double *v;
	size_t n, cap;
	fa2_tr_metric_result r; /* filled by the summary */
	int analysed;
} fa2_metrics_series;

/* metrics_tool's summary, shared with the snapshot-backed tool: analyses each series
 * (min/max/mean/last, change points, spikes; src/triage/metric.h), sorts ss by the
 * strength of the findings and appends the ranked summary (header naming the window,
 * period and stat, then the strongest series). */
fa2_err fa2_metrics_tool_summarise(const fa2_tool_env *env, fa2_metrics_series *ss, size_t n, long period,
				   const char *stat, int truncated, fa2_buf *out);

/* metrics_tool's pieces, shared with the insight engine (src/agent/insight.c). */
/* ListMetrics over all pages into keep (a cJSON array; duplicates of the listed
 * {Namespace, MetricName, Dimensions} are added). input members: "namespace" (without it
 * only AWS/ namespaces are kept), "metricName", "dimensions" [{name, value}],
 * "recentlyActive" ("PT3H"). Stops at max_series and sets *truncated. Errors are
 * explained in out. */
fa2_err fa2_metrics_tool_list(const fa2_tool_env *env, const cJSON *input, long max_series,
			      cJSON *keep, fa2_buf *out, int *truncated);
/* The GetMetricData period (seconds, a multiple of 60, at least 60) that keeps a window of
 * span_ms under 1,440 points per series. */
long fa2_metrics_tool_period(int64_t span_ms);
/* GetMetricData (Average at period) for every metric of the array (borrowed) over env's
 * window, then per series min/max/mean/last, change points and anomalies, strongest
 * findings first, appended to out. truncated adds a note that the list was cut. */
fa2_err fa2_metrics_tool_fetch_summarise(const fa2_tool_env *env, const cJSON *metrics, long period,
					 int truncated, fa2_buf *out);

#endif
