/* CloudWatch DescribeAlarms for the Slack alarm flow: the authoritative state, state-change
 * time, reason and metric of an alarm named in a chat notification. */
#include "cmd/serve_alarm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/session.h"
#include "base/alloc.h"
#include "base/json.h"
#include "base/log.h"
#include "base/time.h"

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
	const fa2_aws_service *svc = fa2_aws_service_find("cloudwatch");
	cJSON *in = cJSON_CreateObject(), *names, *res = NULL, *al, *dims, *d;
	fa2_buf body, out;
	fa2_aws_error err;
	fa2_err e = FA2_ERR_NOMEM;
	double num;
	const char *s;

	(void)region; /* one client, the configured region */
	memset(info, 0, sizeof *info);
	fa2_buf_init(&body, 4096);
	fa2_buf_init(&out, 1u << 20);
	names = in ? cJSON_AddArrayToObject(in, "AlarmNames") : NULL;
	if (!svc || !names || !cJSON_AddItemToArray(names, cJSON_CreateString(name)) ||
	    fa2_json_append(&body, in) != FA2_OK)
		goto cleanup;
	e = fa2_aws_call(&a->sess.client, svc, "DescribeAlarms", fa2_buf_slice(&body), &out, &err, NULL);
	if (e) {
		char line[1600];
		fa2_aws_error_format(&err, line, sizeof line);
		FA2_LOGW("slack", "DescribeAlarms %s: %s", name, line);
		goto cleanup;
	}
	res = fa2_json_parse(fa2_buf_slice(&out), NULL);
	al = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(res, "MetricAlarms"), 0);
	if (!al) {
		e = FA2_ERR_NOT_FOUND;
		goto cleanup;
	}
	snprintf(info->state, sizeof info->state, "%s", (s = fa2_json_str(al, "StateValue")) ? s : "");
	snprintf(info->reason, sizeof info->reason, "%s", (s = fa2_json_str(al, "StateReason")) ? s : "");
	if (fa2_json_num(al, "StateUpdatedTimestamp", &num))
		info->changed_s = (int64_t)num;
	else if ((s = fa2_json_str(al, "StateUpdatedTimestamp")) != NULL) {
		int64_t ms;
		if (fa2_time_parse(fa2_slice_cstr(s), fa2_time_now_ms(), 0, &ms) == FA2_OK)
			info->changed_s = ms / 1000;
	}
	{
		size_t n;
		n = (size_t)snprintf(info->metric, sizeof info->metric, "%s %s",
		                     (s = fa2_json_str(al, "Namespace")) ? s : "?",
		                     fa2_json_str(al, "MetricName") ? fa2_json_str(al, "MetricName") : "(metric math)");
		dims = cJSON_GetObjectItemCaseSensitive(al, "Dimensions");
		cJSON_ArrayForEach(d, dims) {
			if (n >= sizeof info->metric)
				break;
			n += (size_t)snprintf(info->metric + n, sizeof info->metric - n, " %s=%s",
			                      fa2_json_str(d, "Name") ? fa2_json_str(d, "Name") : "?",
			                      fa2_json_str(d, "Value") ? fa2_json_str(d, "Value") : "?");
		}
		if (n < sizeof info->metric && fa2_json_num(al, "Threshold", &num))
			snprintf(info->metric + n, sizeof info->metric - n, " (%s %g)",
			         fa2_json_str(al, "ComparisonOperator") ? fa2_json_str(al, "ComparisonOperator") : "threshold", num);
	}
	e = FA2_OK;
cleanup:
	cJSON_Delete(in);
	cJSON_Delete(res);
	fa2_buf_cleanup(&body);
	fa2_buf_cleanup(&out);
	return e;
}
