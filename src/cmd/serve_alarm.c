/* CloudWatch DescribeAlarms for the Slack alarm flow: the authoritative state, state-change
 * time, reason and metric of an alarm named in a chat notification. */
#include "cmd/serve_alarm.h"

#include <stdio.h>
#include <string.h>

#include "aws/alarms.h"
#include "aws/session.h"
#include "base/alloc.h"
#include "base/log.h"

struct fa2_serve_alarms {
	fa2_aws_session sess;
};

fa2_err fa2_serve_alarms_new(const char *region, fa2_serve_alarms **out)
{
	fa2_serve_alarms *a;
	char msg[256];
	*out = NULL;
	a = fa2_malloc(sizeof *a);
	if (!a)
		return FA2_ERR_NOMEM;
	if (fa2_aws_session_open(&a->sess, NULL, region, 10000, msg, sizeof msg) != FA2_OK) {
		FA2_LOGW("serve", "alarm look-ups disabled: %s", msg);
		fa2_aws_session_close(&a->sess);
		fa2_free(a);
		return FA2_ERR_CONFIG;
	}
	*out = a;
	return FA2_OK;
}

void fa2_serve_alarms_free(fa2_serve_alarms *a)
{
	if (!a)
		return;
	fa2_aws_session_close(&a->sess);
	fa2_free(a);
}

fa2_err fa2_serve_alarms_lookup(void *ctx, const char *name, const char *region, fa2_slack_alarm_info *info)
{
	fa2_serve_alarms *a = ctx;
	fa2_alarm al;
	fa2_buf metric;
	char msg[1600];
	fa2_err e;

	(void)region; /* one client, the configured region */
	memset(info, 0, sizeof *info);
	e = fa2_alarm_describe(&a->sess.client, name, 0, &al, msg, sizeof msg);
	if (e) {
		if (e != FA2_ERR_NOT_FOUND)
			FA2_LOGW("slack", "DescribeAlarms %s: %s", name, msg);
		return e;
	}
	snprintf(info->state, sizeof info->state, "%s", al.state ? al.state : "");
	snprintf(info->reason, sizeof info->reason, "%s", al.reason ? al.reason : "");
	info->changed_s = al.changed_ms / 1000;
	fa2_buf_init(&metric, 16384);
	e = fa2_alarm_metric_text(&al, &metric);
	if (!e && al.has_threshold)
		e = fa2_buf_appendf(&metric, " (%s %g)", al.comparison ? al.comparison : "threshold", al.threshold);
	/* A cut description is still useful: keep what fits. */
	snprintf(info->metric, sizeof info->metric, "%.*s", (int)metric.len, metric.data ? metric.data : "");
	fa2_buf_cleanup(&metric);
	fa2_alarm_cleanup(&al);
	return FA2_OK;
}

fa2_err fa2_serve_alarms_describe(void *ctx, const char *name, const char *region, fa2_alarm *out)
{
	fa2_serve_alarms *a = ctx;
	char msg[1600];
	fa2_err e;
	(void)region; /* one client, the configured region */
	e = fa2_alarm_describe(&a->sess.client, name, 0, out, msg, sizeof msg);
	if (e)
		FA2_LOGW("slack", "DescribeAlarms %s: %s", name, msg);
	return e;
}
