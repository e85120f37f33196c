/* Metric graphs for a Slack report: the CloudWatch metrics the report cites, rendered by
 * CloudWatch GetMetricWidgetImage (a MetricWidget JSON document -> PNG) and uploaded in
 * the report's thread (files upload v2).
 *
 * Which metrics: the alarm's own (the alarm as data, aws/alarms.h: its metric, or the
 * metrics of its metric-math queries), drawn in the alarm's region with a mark at its
 * state change; then every metrics_tool call of the report (agent.toolCalls[].input and
 * references[].query) that names a namespace and a metric name, in the analysis region;
 * in order, without duplicates, at most FA2_SLACK_GRAPHS_MAX. The description people
 * typed is never read. Rendering is best effort: a failure is logged and never fails the
 * analysis. */
#ifndef FA2_SERVE_GRAPHS_H
#define FA2_SERVE_GRAPHS_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/json.h"
#include "slack/webapi.h"

#define FA2_SLACK_GRAPHS_MAX     4u     /* graphs posted per report */
#define FA2_SLACK_GRAPH_DIMS     10u    /* CloudWatch's dimension limit per metric (30) is cut to 10 */
#define FA2_SLACK_GRAPH_MAX_PNG  (4u << 20)

typedef struct fa2_slack_metric {
	char region[32];        /* "" : the analysis region */
	char ns[256];
	char name[256];
	unsigned ndims;
	char dim_name[FA2_SLACK_GRAPH_DIMS][256];
	char dim_value[FA2_SLACK_GRAPH_DIMS][256];
} fa2_slack_metric;

struct fa2_alarm; /* aws/alarms.h */

/* Collects the cited metrics (see above) into out[0..max). Returns how many. report and
 * alarm may be NULL. */
size_t fa2_slack_graph_metrics(const cJSON *report, const struct fa2_alarm *alarm, fa2_slack_metric *out,
                               size_t max);

/* The MetricWidget document for m over [from_ms, to_ms] (an Average series at a period of
 * at least 60 s keeping at most 1,440 points), with a vertical annotation at mark_ms when
 * it is inside the window (0: none). region may be NULL. NULL on no memory. */
cJSON *fa2_slack_graph_widget(const fa2_slack_metric *m, int64_t from_ms, int64_t to_ms, int64_t mark_ms,
                              const char *mark_label, const char *region);

typedef struct fa2_slack_graph_opts {
	const char *region;          /* the analysis region (NULL: environment / profile) */
	int64_t from_ms, to_ms;      /* the analysis window */
	const struct fa2_alarm *alarm; /* the alarm analysed (NULL: none): its metric first,
	                              * in its region, marked at its state change */
	int64_t timeout_ms;          /* per GetMetricWidgetImage call (0: 20000) */
	const struct fa2_tz *tz;     /* the zone of the graphs' time axis, named in their
	                              * titles (NULL: UTC) */
} fa2_slack_graph_opts;

/* Puts widget's time axis in zone tz (its offset at at_ms: "timezone": "+0900") and names
 * the zone in its title ("NS NAME · Asia/Tokyo (JST, +09:00)") and in title_out (cap
 * bytes). tz NULL leaves the widget in UTC. 0 when out of memory. */
int fa2_slack_graph_zone(cJSON *widget, const struct fa2_tz *tz, int64_t at_ms, char *title_out, size_t cap);

/* Renders and uploads the graphs of report in channel/thread. *posted gets the number of
 * PNGs uploaded. Errors are logged; the return value is the first error (FA2_OK when every
 * graph, or none, was posted). */
fa2_err fa2_slack_post_graphs(fa2_slack_api *api, const char *channel, const char *thread,
                              const cJSON *report, const fa2_slack_graph_opts *o, unsigned *posted);

#endif
