/* The AWS-backed agent tools of this build (registered by fa2_tools_register_default). */
#ifndef FA2_AGENT_TOOLS_TOOLS_H
#define FA2_AGENT_TOOLS_TOOLS_H

#include <stdint.h>

#include "cJSON.h"

#include "agent/tool.h"
#include "base/buf.h"

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
fa2_err fa2_metrics_tool_summarise(const fa2_tool_env *env, const cJSON *metrics, long period,
				   int truncated, fa2_buf *out);

#endif
