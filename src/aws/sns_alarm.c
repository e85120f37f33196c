/* CloudWatch alarm notifications carried by SNS (see sns.h): the classic alarm-action
 * message and the EventBridge "CloudWatch Alarm State Change" event, both turned into a
 * MetricAlarm-shaped object that fa2_alarm_from_json decodes. */
#include "aws/sns.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "base/time.h"

/* Region display names as the console, the pricing API and CloudWatch alarm messages
 * write them (botocore's endpoints.json "description"), plus the older "EU (...)" and
 * "Asia Pacific (Osaka-Local)" forms alarm messages still carry. */
static const struct { const char *name, *code; } region_names[] = {
	{ "Africa (Cape Town)", "af-south-1" },
	{ "Asia Pacific (Hong Kong)", "ap-east-1" },
	{ "Asia Pacific (Taipei)", "ap-east-2" },
	{ "Asia Pacific (Tokyo)", "ap-northeast-1" },
	{ "Asia Pacific (Seoul)", "ap-northeast-2" },
	{ "Asia Pacific (Osaka)", "ap-northeast-3" },
	{ "Asia Pacific (Osaka-Local)", "ap-northeast-3" },
	{ "Asia Pacific (Mumbai)", "ap-south-1" },
	{ "Asia Pacific (Hyderabad)", "ap-south-2" },
	{ "Asia Pacific (Singapore)", "ap-southeast-1" },
	{ "Asia Pacific (Sydney)", "ap-southeast-2" },
	{ "Asia Pacific (Jakarta)", "ap-southeast-3" },
	{ "Asia Pacific (Melbourne)", "ap-southeast-4" },
	{ "Asia Pacific (Malaysia)", "ap-southeast-5" },
	{ "Asia Pacific (New Zealand)", "ap-southeast-6" },
	{ "Asia Pacific (Thailand)", "ap-southeast-7" },
	{ "Canada (Central)", "ca-central-1" },
	{ "Canada West (Calgary)", "ca-west-1" },
	{ "Europe (Frankfurt)", "eu-central-1" },
	{ "Europe (Zurich)", "eu-central-2" },
	{ "Europe (Stockholm)", "eu-north-1" },
	{ "Europe (Milan)", "eu-south-1" },
	{ "Europe (Spain)", "eu-south-2" },
	{ "Europe (Ireland)", "eu-west-1" },
	{ "Europe (London)", "eu-west-2" },
	{ "Europe (Paris)", "eu-west-3" },
	{ "Israel (Tel Aviv)", "il-central-1" },
	{ "Middle East (UAE)", "me-central-1" },
	{ "Middle East (Bahrain)", "me-south-1" },
	{ "Mexico (Central)", "mx-central-1" },
	{ "South America (Sao Paulo)", "sa-east-1" },
	{ "South America (S\xc3\xa3o Paulo)", "sa-east-1" },
	{ "US East (N. Virginia)", "us-east-1" },
	{ "US East (Ohio)", "us-east-2" },
	{ "US West (N. California)", "us-west-1" },
	{ "US West (Oregon)", "us-west-2" },
	{ "China (Beijing)", "cn-north-1" },
	{ "China (Ningxia)", "cn-northwest-1" },
	{ "AWS GovCloud (US-East)", "us-gov-east-1" },
	{ "AWS GovCloud (US-West)", "us-gov-west-1" },
	{ "AWS GovCloud (US)", "us-gov-west-1" },
};

/* Compares ignoring case, runs of white space and a leading "EU " for "Europe ". */
static int name_eq(fa2_slice a, const char *b)
{
	fa2_slice bs = fa2_slice_cstr(b);
	size_t i = 0, j = 0;
	if (fa2_slice_starts_with(a, FA2_SLICE_LIT("EU (")) &&
	    fa2_slice_starts_with(bs, FA2_SLICE_LIT("Europe ("))) {
		i = 3;
		j = 7;
	}
	while (i < a.len && j < bs.len) {
		unsigned char x = (unsigned char)a.ptr[i], y = (unsigned char)bs.ptr[j];
		if (isspace(x) && isspace(y)) {
			while (i < a.len && isspace((unsigned char)a.ptr[i]))
				i++;
			while (j < bs.len && isspace((unsigned char)bs.ptr[j]))
				j++;
			continue;
		}
		if (tolower(x) != tolower(y))
			return 0;
		i++;
		j++;
	}
	return i == a.len && j == bs.len;
}

const char *fa2_sns_region_from_name(fa2_slice display_name)
{
	size_t i;
	display_name = fa2_slice_trim(display_name);
	for (i = 0; i < sizeof region_names / sizeof region_names[0]; i++)
		if (name_eq(display_name, region_names[i].name))
			return region_names[i].code;
	return NULL;
}

void fa2_sns_alarm_cleanup(fa2_sns_alarm *a)
{
	if (!a)
		return;
	fa2_alarm_cleanup(&a->alarm);
	memset(a, 0, sizeof *a);
}

/* ---- building the MetricAlarm object ------------------------------------------------ */

static const char *str(const cJSON *o, const char *key)
{
	const char *s = fa2_json_str(o, key);
	return s && *s ? s : NULL;
}

/* Copies o[from] to doc[to] when it is a non-empty string. */
static int copy_str(cJSON *doc, const char *to, const cJSON *o, const char *from)
{
	const char *s = str(o, from);
	return !s || cJSON_AddStringToObject(doc, to, s) ? 0 : -1;
}

/* Copies o[from] to doc[to] when it is a finite number. */
static int copy_num(cJSON *doc, const char *to, const cJSON *o, const char *from)
{
	double d;
	if (!fa2_json_num(o, from, &d) || !isfinite(d))
		return 0;
	return cJSON_AddNumberToObject(doc, to, d) ? 0 : -1;
}

static int add_time(cJSON *doc, const char *to, const char *text, int64_t *ms_out)
{
	int64_t ms;
	if (!text || fa2_time_parse(fa2_slice_cstr(text), 0, 0, &ms) != FA2_OK || ms <= 0)
		return 0;
	if (ms_out)
		*ms_out = ms;
	/* The JSON protocol's form (epoch seconds), which alarms.c reads. */
	return cJSON_AddNumberToObject(doc, to, (double)ms / 1000.0) ? 0 : -1;
}

/* Statistic as alarm messages write it ("AVERAGE", "SAMPLE_COUNT") -> API form. */
static const char *statistic_name(const char *s)
{
	static const struct { const char *in, *out; } m[] = {
		{ "AVERAGE", "Average" }, { "SUM", "Sum" }, { "MINIMUM", "Minimum" },
		{ "MAXIMUM", "Maximum" }, { "SAMPLE_COUNT", "SampleCount" },
		{ "SAMPLECOUNT", "SampleCount" },
	};
	size_t i;
	for (i = 0; s && i < sizeof m / sizeof m[0]; i++)
		if (fa2_slice_eq_ci(fa2_slice_cstr(s), fa2_slice_cstr(m[i].in)))
			return m[i].out;
	return s;
}

/* Dimensions as a list of {name,value} in any case, or as an object {name: value}
 * (EventBridge), into doc[Dimensions] as [{Name, Value}]. */
static int add_dims(cJSON *doc, const cJSON *dims)
{
	cJSON *arr;
	const cJSON *d;
	size_t n = 0;
	if (!dims)
		return 0;
	arr = cJSON_AddArrayToObject(doc, "Dimensions");
	if (!arr)
		return -1;
	cJSON_ArrayForEach(d, dims) {
		const char *name, *value;
		cJSON *o;
		if (n >= FA2_ALARM_MAX_DIMS)
			break;
		if (cJSON_IsObject(dims)) {
			name = d->string;
			value = cJSON_IsString(d) ? d->valuestring : NULL;
		} else {
			name = fa2_json_str(d, "name");
			if (!name)
				name = fa2_json_str(d, "Name");
			value = fa2_json_str(d, "value");
			if (!value)
				value = fa2_json_str(d, "Value");
		}
		if (!name || !*name)
			continue;
		o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			return -1;
		}
		if (!cJSON_AddStringToObject(o, "Name", name) ||
		    !cJSON_AddStringToObject(o, "Value", value ? value : ""))
			return -1;
		n++;
	}
	return 0;
}

/* A member under either capitalisation ("Metric" / "metric"). */
static const cJSON *get2(const cJSON *o, const char *a, const char *b)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, a);
	return j ? j : cJSON_GetObjectItemCaseSensitive(o, b);
}

static const char *str2(const cJSON *o, const char *a, const char *b)
{
	const char *s = str(o, a);
	return s ? s : str(o, b);
}

/* Metrics[] entries of either shape into doc[Metrics] (API capitalisation). */
static int add_metrics(cJSON *doc, const cJSON *metrics)
{
	cJSON *arr;
	const cJSON *q;
	size_t n = 0;
	if (!cJSON_IsArray(metrics))
		return 0;
	arr = cJSON_AddArrayToObject(doc, "Metrics");
	if (!arr)
		return -1;
	cJSON_ArrayForEach(q, metrics) {
		cJSON *o, *ms;
		const cJSON *in_ms = get2(q, "MetricStat", "metricStat"), *rd;
		const char *s;
		double d;
		if (n >= FA2_ALARM_MAX_QUERIES)
			break;
		if (!cJSON_IsObject(q))
			continue;
		o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			return -1;
		}
		n++;
		if (((s = str2(q, "Id", "id")) && !cJSON_AddStringToObject(o, "Id", s)) ||
		    ((s = str2(q, "Expression", "expression")) &&
		     !cJSON_AddStringToObject(o, "Expression", s)) ||
		    ((s = str2(q, "Label", "label")) && !cJSON_AddStringToObject(o, "Label", s)))
			return -1;
		rd = get2(q, "ReturnData", "returnData");
		if (cJSON_IsBool(rd) && !cJSON_AddBoolToObject(o, "ReturnData", cJSON_IsTrue(rd)))
			return -1;
		if ((fa2_json_num(q, "Period", &d) || fa2_json_num(q, "period", &d)) && isfinite(d) &&
		    !cJSON_AddNumberToObject(o, "Period", d))
			return -1;
		if (cJSON_IsObject(in_ms)) {
			const cJSON *met = get2(in_ms, "Metric", "metric");
			cJSON *mo;
			ms = cJSON_AddObjectToObject(o, "MetricStat");
			mo = ms ? cJSON_AddObjectToObject(ms, "Metric") : NULL;
			if (!mo)
				return -1;
			if (((s = str2(met, "Namespace", "namespace")) &&
			     !cJSON_AddStringToObject(mo, "Namespace", s)) ||
			    ((s = str2(met, "MetricName", "name")) &&
			     !cJSON_AddStringToObject(mo, "MetricName", s)) ||
			    add_dims(mo, get2(met, "Dimensions", "dimensions")) ||
			    ((s = str2(in_ms, "Stat", "stat")) && !cJSON_AddStringToObject(ms, "Stat", s)) ||
			    ((s = str2(in_ms, "Unit", "unit")) && !cJSON_AddStringToObject(ms, "Unit", s)))
				return -1;
			if ((fa2_json_num(in_ms, "Period", &d) || fa2_json_num(in_ms, "period", &d)) &&
			    isfinite(d) && !cJSON_AddNumberToObject(ms, "Period", d))
				return -1;
		}
	}
	return 0;
}

static void copy_field(char *dst, size_t cap, const char *s)
{
	if (s && strlen(s) < cap)
		snprintf(dst, cap, "%s", s);
}

/* Region codes and account ids reach lookups and host names: only their own alphabet. */
static void set_checked(char *dst, size_t cap, const char *s, int digits_only)
{
	size_t i, n = s ? strlen(s) : 0;
	if (n == 0 || n >= cap || (digits_only && n != 12))
		return;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (!digits_only && ((c >= 'a' && c <= 'z') || c == '-'))))
			return;
	}
	memcpy(dst, s, n + 1);
}

/* arn:PARTITION:cloudwatch:REGION:ACCOUNT:alarm:NAME -> region, account. */
static void from_alarm_arn(const char *arn, fa2_sns_alarm *a)
{
	fa2_slice s = fa2_slice_cstr(arn), p[5];
	size_t i;
	for (i = 0; i < 5; i++)
		if (!fa2_slice_split(s, ':', &p[i], &s))
			return;
	if (!fa2_slice_eq_cstr(p[0], "arn") || !fa2_slice_eq_cstr(p[2], "cloudwatch"))
		return;
	if (p[3].len < 32 && !a->region[0]) {
		char r[32];
		memcpy(r, p[3].ptr, p[3].len);
		r[p[3].len] = '\0';
		set_checked(a->region, sizeof a->region, r, 0);
	}
	if (p[4].len == 12 && !a->account[0]) {
		char acct[16];
		memcpy(acct, p[4].ptr, 12);
		acct[12] = '\0';
		set_checked(a->account, sizeof a->account, acct, 1);
	}
}

static int classic(const cJSON *m, cJSON *doc, fa2_sns_alarm *a)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(m, "Trigger");
	const char *region_name = str(m, "Region"), *stat;
	if (copy_str(doc, "AlarmName", m, "AlarmName") || copy_str(doc, "AlarmArn", m, "AlarmArn") ||
	    copy_str(doc, "AlarmDescription", m, "AlarmDescription") ||
	    copy_str(doc, "StateValue", m, "NewStateValue") ||
	    copy_str(doc, "StateReason", m, "NewStateReason") ||
	    copy_str(doc, "AlarmRule", m, "AlarmRule") ||
	    add_time(doc, "StateUpdatedTimestamp", str(m, "StateChangeTime"), NULL))
		return -1;
	copy_field(a->previous_state, sizeof a->previous_state, str(m, "OldStateValue"));
	set_checked(a->account, sizeof a->account, str(m, "AWSAccountId"), 1);
	if (str(m, "AlarmArn"))
		from_alarm_arn(str(m, "AlarmArn"), a);
	if (!a->region[0] && region_name)
		copy_field(a->region, sizeof a->region,
		           fa2_sns_region_from_name(fa2_slice_cstr(region_name)));
	a->composite = str(m, "AlarmRule") != NULL;
	if (!cJSON_IsObject(t))
		return 0;
	stat = str(t, "Statistic");
	if (copy_str(doc, "Namespace", t, "Namespace") || copy_str(doc, "MetricName", t, "MetricName") ||
	    add_dims(doc, cJSON_GetObjectItemCaseSensitive(t, "Dimensions")) ||
	    (stat && !cJSON_AddStringToObject(doc, "Statistic", statistic_name(stat))) ||
	    copy_str(doc, "ExtendedStatistic", t, "ExtendedStatistic") ||
	    copy_str(doc, "Unit", t, "Unit") || copy_num(doc, "Period", t, "Period") ||
	    copy_num(doc, "EvaluationPeriods", t, "EvaluationPeriods") ||
	    copy_num(doc, "DatapointsToAlarm", t, "DatapointsToAlarm") ||
	    copy_str(doc, "ComparisonOperator", t, "ComparisonOperator") ||
	    copy_num(doc, "Threshold", t, "Threshold") ||
	    copy_str(doc, "ThresholdMetricId", t, "ThresholdMetricId") ||
	    copy_str(doc, "TreatMissingData", t, "TreatMissingData") ||
	    add_metrics(doc, cJSON_GetObjectItemCaseSensitive(t, "Metrics")))
		return -1;
	return 0;
}

static int eventbridge(const cJSON *m, cJSON *doc, fa2_sns_alarm *a)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(m, "detail");
	const cJSON *state = cJSON_GetObjectItemCaseSensitive(d, "state");
	const cJSON *prev = cJSON_GetObjectItemCaseSensitive(d, "previousState");
	const cJSON *conf = cJSON_GetObjectItemCaseSensitive(d, "configuration");
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(m, "resources"), *r;
	const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(conf, "metrics");
	const char *arn = NULL, *reason_data;
	cJSON *rd = NULL;
	int rc = -1;

	cJSON_ArrayForEach(r, res) {
		if (cJSON_IsString(r) && strstr(r->valuestring, ":alarm:")) {
			arn = r->valuestring;
			break;
		}
	}
	if (copy_str(doc, "AlarmName", d, "alarmName") ||
	    (arn && !cJSON_AddStringToObject(doc, "AlarmArn", arn)) ||
	    copy_str(doc, "AlarmDescription", conf, "description") ||
	    copy_str(doc, "StateValue", state, "value") || copy_str(doc, "StateReason", state, "reason") ||
	    copy_str(doc, "AlarmRule", conf, "alarmRule") ||
	    add_time(doc, "StateUpdatedTimestamp",
	             str(state, "timestamp") ? str(state, "timestamp") : str(m, "time"), NULL))
		goto out;
	copy_field(a->previous_state, sizeof a->previous_state, str(prev, "value"));
	set_checked(a->account, sizeof a->account, str(m, "account"), 1);
	set_checked(a->region, sizeof a->region, str(m, "region"), 0);
	if (arn && (!a->region[0] || !a->account[0]))
		from_alarm_arn(arn, a);
	a->composite = str(conf, "alarmRule") != NULL;
	/* One metric (and no expression): the single-metric form; otherwise Metrics[]. */
	if (cJSON_GetArraySize(metrics) == 1 &&
	    !str(cJSON_GetArrayItem(metrics, 0), "expression")) {
		const cJSON *ms = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(metrics, 0),
		                                                   "metricStat");
		const cJSON *met = cJSON_GetObjectItemCaseSensitive(ms, "metric");
		const char *stat = str(ms, "stat");
		if (copy_str(doc, "Namespace", met, "namespace") ||
		    copy_str(doc, "MetricName", met, "name") ||
		    add_dims(doc, cJSON_GetObjectItemCaseSensitive(met, "dimensions")) ||
		    copy_num(doc, "Period", ms, "period"))
			goto out;
		if (stat && !cJSON_AddStringToObject(doc, (stat[0] == 'p' || stat[0] == 'P') &&
		                                                  stat[1] >= '0' && stat[1] <= '9'
		                                              ? "ExtendedStatistic" : "Statistic",
		                                      stat))
			goto out;
	} else if (add_metrics(doc, metrics)) {
		goto out;
	}
	/* state.reasonData is a JSON string with the threshold (metric alarms). */
	reason_data = str(state, "reasonData");
	if (reason_data && (rd = fa2_json_parse(fa2_slice_cstr(reason_data), NULL)) != NULL) {
		if (copy_num(doc, "Threshold", rd, "threshold") ||
		    (!cJSON_GetObjectItemCaseSensitive(doc, "Period") && copy_num(doc, "Period", rd, "period")))
			goto out;
	}
	rc = 0;
out:
	cJSON_Delete(rd);
	return rc;
}

fa2_err fa2_sns_alarm_parse(fa2_slice message, fa2_sns_alarm *out)
{
	cJSON *m, *doc = NULL;
	const char *dt;
	fa2_err e = FA2_ERR_PARSE, pe = FA2_OK;

	memset(out, 0, sizeof *out);
	message = fa2_slice_trim(message);
	if (message.len == 0 || message.ptr[0] != '{')
		return FA2_ERR_PARSE;
	m = fa2_json_parse(message, &pe);
	if (!m)
		return pe == FA2_ERR_NOMEM ? FA2_ERR_NOMEM : FA2_ERR_PARSE;
	doc = cJSON_CreateObject();
	if (!doc) {
		e = FA2_ERR_NOMEM;
		goto cleanup;
	}
	dt = fa2_json_str(m, "detail-type");
	if (str(m, "AlarmName") && str(m, "NewStateValue")) {
		out->source = FA2_SNS_ALARM_CLASSIC;
		if (classic(m, doc, out)) {
			e = FA2_ERR_NOMEM;
			goto cleanup;
		}
	} else if (dt && strcmp(dt, "CloudWatch Alarm State Change") == 0 &&
	           str(cJSON_GetObjectItemCaseSensitive(m, "detail"), "alarmName") &&
	           str(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "detail"),
	                                                "state"), "value")) {
		out->source = FA2_SNS_ALARM_EVENTBRIDGE;
		if (eventbridge(m, doc, out)) {
			e = FA2_ERR_NOMEM;
			goto cleanup;
		}
	} else {
		goto cleanup;
	}
	e = fa2_alarm_from_json(doc, &out->alarm);
	if (!e)
		out->alarm_rule = fa2_json_str(out->alarm.doc, "AlarmRule");
cleanup:
	cJSON_Delete(m);
	cJSON_Delete(doc);
	if (e) {
		fa2_alarm_cleanup(&out->alarm);
		memset(out, 0, sizeof *out);
	}
	return e;
}
