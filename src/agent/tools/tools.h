/* The agent tools of this build, each written once over a data source (source.h) and
 * registered by fa2_tools_build(). */
#ifndef FA2_AGENT_TOOLS_TOOLS_H
#define FA2_AGENT_TOOLS_TOOLS_H

#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"

#include "agent/tool.h"
#include "agent/tools/source.h"
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

/* logs_tool's observation of mined log events: for a finished template miner m
 * (borrowed), appends the header (the query as run, env's window, rows read, templates;
 * the coverage: partial ranges, the error-only pass, groups skipped, the source's note),
 * then the templates, most severe first, then most frequent, within env->budget_bytes:
 * long templates and examples keep their head and their tail (where Java's "Caused by"
 * and the distinctive end of a line are), and once the budget is near the rest are
 * listed one line each, then counted. FA2_ERR_NOMEM with nothing appended. */
fa2_err fa2_logs_tool_render(const fa2_tool_env *env, const fa2_logtpl *m, const fa2_src_logs_res *res,
			     fa2_buf *out);

/* One metric series for metrics_tool's summary. */
typedef struct fa2_metrics_series {
	cJSON *metric;          /* {Namespace, MetricName, Dimensions} (borrowed) */
	const char *stat;       /* statistic shown after the name; NULL: none shown */
	int64_t *t;             /* epoch ms, any order (sorted by the summary); owned by the series */
	double *v;
	size_t n, cap;
	fa2_tr_metric_result r; /* filled by the summary */
	int analysed;
} fa2_metrics_series;

/* metrics_tool's summary, shared with the insight engine: analyses each series
 * (min/max/mean/last, change points, spikes; src/triage/metric.h), sorts ss by the
 * strength of the findings and appends the ranked summary (header naming the window,
 * period and stat, then the strongest series). */
fa2_err fa2_metrics_tool_summarise(const fa2_tool_env *env, fa2_metrics_series *ss, size_t n, long period,
				   const char *stat, int truncated, fa2_buf *out);

/* Frees the points of n series (not the array). */
void fa2_metrics_series_free_points(fa2_metrics_series *ss, size_t n);

/* GetMetricData (Average at period) for every metric of the array (borrowed) over env's
 * window, through env->aws, then fa2_metrics_tool_summarise; failures are explained in
 * out. Shared with the insight engine. */
fa2_err fa2_metrics_tool_fetch_summarise(const fa2_tool_env *env, const cJSON *metrics, long period,
					 int truncated, fa2_buf *out);

#endif
