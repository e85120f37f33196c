/* CloudWatch alarms: DescribeAlarms for one alarm name, decoded into a structured alarm
 * (state, reason, state-change time, the metric or the metric-math queries, statistic,
 * period, threshold, comparison). Shared by `fa2 analyze --alarm`, the agent (which
 * looks at the alarm's metric first) and `fa2 serve`'s Slack alarm flow.
 *
 * A decoded alarm keeps the MetricAlarm JSON object it came from (doc); every string
 * member points into it, so the strings live as long as the alarm (until
 * fa2_alarm_cleanup). Absent members are NULL (strings) or 0 with their has_ flag clear. */
#ifndef FA2_AWS_ALARMS_H
#define FA2_AWS_ALARMS_H

#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"

#include "aws/client.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/slice.h"

#define FA2_ALARM_MAX_DIMS    30u  /* CloudWatch allows 30 dimensions per metric */
#define FA2_ALARM_MAX_QUERIES 20u  /* metric-math alarm: Metrics[] entries kept */

typedef struct fa2_alarm_dim {
	const char *name, *value;
} fa2_alarm_dim;

/* A metric: namespace, name and dimensions (ns and name NULL when absent). */
typedef struct fa2_alarm_metric {
	const char *ns, *name;
	fa2_alarm_dim dims[FA2_ALARM_MAX_DIMS];
	size_t n_dims;
} fa2_alarm_metric;

/* One entry of a metric-math alarm's Metrics[]: either a MetricStat (has_metric) or an
 * Expression. */
typedef struct fa2_alarm_query {
	const char *id, *expression, *label, *stat;
	int has_metric;
	fa2_alarm_metric metric;
	int64_t period_s;            /* 0 when absent */
	int return_data;             /* ReturnData (absent counts as true) */
} fa2_alarm_query;

typedef struct fa2_alarm {
	cJSON *doc;                  /* owned: the MetricAlarm object */
	const char *name, *arn, *description;
	char region[32];             /* from AlarmArn, else fa2_alarm_locate; "" when unknown */
	char account[16];            /* likewise (12 digits) */
	const char *state, *reason;  /* StateValue (OK, ALARM, INSUFFICIENT_DATA), StateReason */
	int64_t changed_ms;          /* StateUpdatedTimestamp, epoch ms UTC; 0 when absent */
	fa2_alarm_metric metric;     /* single-metric alarm; ns/name NULL for metric math */
	const char *statistic;       /* Average, Sum, ... or NULL */
	const char *extended_statistic; /* p99, ... or NULL */
	int64_t period_s;
	int64_t evaluation_periods;
	int has_threshold;
	double threshold;
	const char *comparison;      /* ComparisonOperator */
	const char *threshold_metric_id; /* anomaly-detection band alarms */
	fa2_alarm_query queries[FA2_ALARM_MAX_QUERIES];
	size_t n_queries;            /* > 0: a metric-math alarm */
} fa2_alarm;

/* Decodes a DescribeAlarms reply (JSON) and picks the MetricAlarms entry whose AlarmName
 * is name (NULL: the first). FA2_ERR_PARSE when body is not a reply, FA2_ERR_NOT_FOUND
 * when there is no such alarm. On success *out owns its doc; on failure *out is
 * zeroed. */
fa2_err fa2_alarm_decode(fa2_slice body, const char *name, fa2_alarm *out);

/* Decodes one MetricAlarm object (copied: the caller keeps metric_alarm).
 * FA2_ERR_PARSE when it has no AlarmName. */
fa2_err fa2_alarm_from_json(const cJSON *metric_alarm, fa2_alarm *out);

/* DescribeAlarms for name through client c (service "cloudwatch"), timeout_ms for the
 * call. FA2_ERR_NOT_FOUND when CloudWatch has no such alarm; other errors when the call
 * failed, with one line for people in msg (cap bytes). */
fa2_err fa2_alarm_describe(fa2_aws_client *c, const char *name, int64_t timeout_ms,
			   fa2_alarm *out, char *msg, size_t cap);

void fa2_alarm_cleanup(fa2_alarm *a);

/* An alarm known only by name (and state, may be NULL), e.g. from a chat notification.
 * FA2_ERR_INVALID without a name. */
fa2_err fa2_alarm_from_name(const char *name, const char *state, fa2_alarm *out);

/* Records where an alarm lives when its ARN does not say (region and account may be
 * NULL or "": left as they are; values that are no region / account id are ignored).
 * Kept in doc as "fa2Region" / "fa2Account", so a copy of doc (session journal, form
 * value) keeps them. */
fa2_err fa2_alarm_locate(fa2_alarm *a, const char *region, const char *account);

/* 1 when the alarm carries its metric (a single metric or metric-math queries). */
int fa2_alarm_has_metric(const fa2_alarm *a);

/* Appends a's MetricAlarm document reduced to what an analysis and its graphs read (name,
 * ARN, region, account, state, reason, state-change time, metric or metric-math queries,
 * statistic, period, threshold, comparison) as one JSON object of at most max bytes: to
 * fit, the reason is shortened first, then the description and metric-math queries are
 * dropped. FA2_ERR_TOO_LARGE when even the name, place and metric do not fit. */
fa2_err fa2_alarm_compact_json(const fa2_alarm *a, size_t max, fa2_buf *out);

/* Appends "Namespace MetricName Dim=Value ..." (or "(metric math: expr)") to out. */
fa2_err fa2_alarm_metric_text(const fa2_alarm *a, fa2_buf *out);

/* Appends a multi-line plain-text description of the alarm (name, state, reason, time,
 * metric or queries, statistic, period, threshold and comparison) to out. */
fa2_err fa2_alarm_describe_text(const fa2_alarm *a, fa2_buf *out);

#endif
