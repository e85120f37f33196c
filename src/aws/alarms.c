/* CloudWatch DescribeAlarms for one alarm, decoded (see alarms.h). */
#include "aws/alarms.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/num.h"
#include "base/time.h"

#define ALARM_REPLY_CAP (1u << 20)  /* one alarm's DescribeAlarms reply */

void fa2_alarm_cleanup(fa2_alarm *a)
{
	if (!a)
		return;
	cJSON_Delete(a->doc);
	memset(a, 0, sizeof *a);
}

/* Integral number member in [0, 2^53); 0 when absent or out of range. */
static int64_t num_i64(const cJSON *o, const char *key)
{
	int64_t v;
	return fa2_json_i64(o, key, 0, 9007199254740991LL, &v) ? v : 0;
}

/* A timestamp as the JSON protocol sends it (epoch seconds, possibly fractional) or as
 * an RFC 3339 string; 0 when absent or unreadable. */
static int64_t time_ms(const cJSON *o, const char *key)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, key);
	int64_t ms;
	if (cJSON_IsNumber(t) &&
	    fa2_num_double_to_i64(round(t->valuedouble * 1000.0), 1, FA2_NUM_EPOCH_MAX_MS, &ms) == FA2_OK)
		return ms;
	if (cJSON_IsString(t) && fa2_time_parse(fa2_slice_cstr(t->valuestring), 0, 0, &ms) == FA2_OK &&
	    ms > 0 && ms <= FA2_NUM_EPOCH_MAX_MS)
		return ms;
	return 0;
}

static void decode_metric(const cJSON *o, fa2_alarm_metric *m)
{
	const cJSON *d;
	m->ns = fa2_json_str(o, "Namespace");
	m->name = fa2_json_str(o, "MetricName");
	m->n_dims = 0;
	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(o, "Dimensions")) {
		const char *n = fa2_json_str(d, "Name"), *v = fa2_json_str(d, "Value");
		if (!n || m->n_dims >= FA2_ALARM_MAX_DIMS)
			continue;
		m->dims[m->n_dims].name = n;
		m->dims[m->n_dims].value = v ? v : "";
		m->n_dims++;
	}
}

/* 1 when s looks like a region name (lower-case letters, digits and '-', 4..31 bytes). */
static int region_like(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n >= 4 && n < 32 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n && strchr(s, '-');
}

static int account_like(const char *s)
{
	return s && strlen(s) == 12 && strspn(s, "0123456789") == 12;
}

/* region and account of "arn:PARTITION:cloudwatch:REGION:ACCOUNT:alarm:NAME", else of
 * the fa2Region / fa2Account members. */
static void place_from_doc(fa2_alarm *a)
{
	const char *arn = a->arn, *f[5];
	size_t i, n = 0;
	char part[32];
	a->region[0] = a->account[0] = '\0';
	if (arn && strncmp(arn, "arn:", 4) == 0) {
		const char *p = arn;
		for (i = 0; i < 5; i++) {
			p = strchr(p, ':');
			if (!p)
				break;
			f[n++] = ++p;
		}
	}
	if (n == 5) { /* f[2]: region, f[3]: account */
		size_t rl = (size_t)(f[3] - f[2] - 1), al = (size_t)(f[4] - f[3] - 1);
		if (rl < sizeof part) {
			memcpy(part, f[2], rl);
			part[rl] = '\0';
			if (region_like(part))
				memcpy(a->region, part, rl + 1);
		}
		if (al < sizeof part) {
			memcpy(part, f[3], al);
			part[al] = '\0';
			if (account_like(part))
				memcpy(a->account, part, al + 1);
		}
	}
	if (!a->region[0] && region_like(fa2_json_str(a->doc, "fa2Region")))
		snprintf(a->region, sizeof a->region, "%s", fa2_json_str(a->doc, "fa2Region"));
	if (!a->account[0] && account_like(fa2_json_str(a->doc, "fa2Account")))
		snprintf(a->account, sizeof a->account, "%s", fa2_json_str(a->doc, "fa2Account"));
}

/* Fills a from a->doc (already owned). */
static fa2_err decode_doc(fa2_alarm *a)
{
	const cJSON *al = a->doc, *q;
	double d;
	a->name = fa2_json_str(al, "AlarmName");
	if (!a->name)
		return FA2_ERR_PARSE;
	a->arn = fa2_json_str(al, "AlarmArn");
	place_from_doc(a);
	a->description = fa2_json_str(al, "AlarmDescription");
	a->state = fa2_json_str(al, "StateValue");
	a->reason = fa2_json_str(al, "StateReason");
	a->changed_ms = time_ms(al, "StateUpdatedTimestamp");
	decode_metric(al, &a->metric);
	a->statistic = fa2_json_str(al, "Statistic");
	a->extended_statistic = fa2_json_str(al, "ExtendedStatistic");
	a->period_s = num_i64(al, "Period");
	a->evaluation_periods = num_i64(al, "EvaluationPeriods");
	if (fa2_json_num(al, "Threshold", &d) && isfinite(d)) {
		a->has_threshold = 1;
		a->threshold = d;
	}
	a->comparison = fa2_json_str(al, "ComparisonOperator");
	a->threshold_metric_id = fa2_json_str(al, "ThresholdMetricId");
	cJSON_ArrayForEach(q, cJSON_GetObjectItemCaseSensitive(al, "Metrics")) {
		fa2_alarm_query *x;
		const cJSON *ms = cJSON_GetObjectItemCaseSensitive(q, "MetricStat");
		const cJSON *rd = cJSON_GetObjectItemCaseSensitive(q, "ReturnData");
		if (a->n_queries >= FA2_ALARM_MAX_QUERIES)
			break;
		x = &a->queries[a->n_queries++];
		x->id = fa2_json_str(q, "Id");
		x->expression = fa2_json_str(q, "Expression");
		x->label = fa2_json_str(q, "Label");
		x->return_data = !cJSON_IsFalse(rd);
		x->period_s = num_i64(q, "Period");
		if (cJSON_IsObject(ms)) {
			x->has_metric = 1;
			decode_metric(cJSON_GetObjectItemCaseSensitive(ms, "Metric"), &x->metric);
			x->stat = fa2_json_str(ms, "Stat");
			if (!x->period_s)
				x->period_s = num_i64(ms, "Period");
		}
	}
	return FA2_OK;
}

fa2_err fa2_alarm_from_json(const cJSON *metric_alarm, fa2_alarm *out)
{
	fa2_err e;
	memset(out, 0, sizeof *out);
	if (!cJSON_IsObject(metric_alarm))
		return FA2_ERR_PARSE;
	out->doc = cJSON_Duplicate(metric_alarm, 1);
	if (!out->doc)
		return FA2_ERR_NOMEM;
	e = decode_doc(out);
	if (e)
		fa2_alarm_cleanup(out);
	return e;
}

fa2_err fa2_alarm_decode(fa2_slice body, const char *name, fa2_alarm *out)
{
	cJSON *res, *list, *al, *pick = NULL;
	fa2_err e = FA2_OK;
	memset(out, 0, sizeof *out);
	res = fa2_json_parse(body, &e);
	if (!res)
		return e == FA2_ERR_NOMEM ? e : FA2_ERR_PARSE;
	list = cJSON_GetObjectItemCaseSensitive(res, "MetricAlarms");
	if (!cJSON_IsObject(res) || (list && !cJSON_IsArray(list))) {
		e = FA2_ERR_PARSE;
		goto cleanup;
	}
	cJSON_ArrayForEach(al, list) {
		const char *n = fa2_json_str(al, "AlarmName");
		if (n && (!name || strcmp(n, name) == 0)) {
			pick = al;
			break;
		}
	}
	if (!pick) {
		e = FA2_ERR_NOT_FOUND;
		goto cleanup;
	}
	out->doc = cJSON_DetachItemViaPointer(list, pick);
	e = decode_doc(out);
	if (e)
		fa2_alarm_cleanup(out);
cleanup:
	cJSON_Delete(res);
	return e;
}

fa2_err fa2_alarm_describe(fa2_aws_client *c, const char *name, int64_t timeout_ms,
			   fa2_alarm *out, char *msg, size_t cap)
{
	const fa2_aws_service *svc = fa2_aws_service_find("cloudwatch");
	cJSON *in = cJSON_CreateObject(), *names;
	fa2_buf body, reply;
	fa2_aws_error err;
	fa2_aws_call_opts opts;
	fa2_err e = FA2_ERR_NOMEM;

	memset(out, 0, sizeof *out);
	memset(&err, 0, sizeof err);
	if (cap)
		msg[0] = '\0';
	fa2_buf_init(&body, 4096);
	fa2_buf_init(&reply, ALARM_REPLY_CAP);
	if (!name || !*name) {
		e = FA2_ERR_INVALID;
		snprintf(msg, cap, "no alarm name");
		goto cleanup;
	}
	names = in ? cJSON_AddArrayToObject(in, "AlarmNames") : NULL;
	if (!svc || !names || !cJSON_AddItemToArray(names, cJSON_CreateString(name)) ||
	    !cJSON_AddNumberToObject(in, "MaxRecords", 1) || fa2_json_append(&body, in) != FA2_OK)
		goto cleanup;
	memset(&opts, 0, sizeof opts);
	opts.timeout_ms = timeout_ms;
	e = fa2_aws_call(c, svc, "DescribeAlarms", fa2_buf_slice(&body), &reply, &err, &opts);
	if (e) {
		fa2_aws_error_format(&err, msg, cap);
		goto cleanup;
	}
	e = fa2_alarm_decode(fa2_buf_slice(&reply), name, out);
	if (e == FA2_ERR_NOT_FOUND)
		snprintf(msg, cap, "CloudWatch has no metric alarm named '%s'", name);
	else if (e)
		snprintf(msg, cap, "DescribeAlarms: the reply could not be read (%s)", fa2_err_str(e));
cleanup:
	cJSON_Delete(in);
	fa2_buf_cleanup(&body);
	fa2_buf_cleanup(&reply);
	return e;
}

static fa2_err metric_text(const fa2_alarm_metric *m, fa2_buf *out)
{
	size_t i;
	fa2_err e = fa2_buf_appendf(out, "%s %s", m->ns ? m->ns : "?", m->name ? m->name : "?");
	for (i = 0; i < m->n_dims && !e; i++)
		e = fa2_buf_appendf(out, " %s=%s", m->dims[i].name, m->dims[i].value);
	return e;
}

fa2_err fa2_alarm_metric_text(const fa2_alarm *a, fa2_buf *out)
{
	size_t i;
	fa2_err e = FA2_OK;
	if (a->metric.name || a->n_queries == 0)
		return metric_text(&a->metric, out);
	for (i = 0; i < a->n_queries && !e; i++)
		if (a->queries[i].expression && a->queries[i].return_data)
			return fa2_buf_appendf(out, "(metric math: %s)", a->queries[i].expression);
	for (i = 0; i < a->n_queries && !e; i++)
		if (a->queries[i].has_metric)
			return metric_text(&a->queries[i].metric, out);
	return fa2_buf_append_cstr(out, "(metric math)");
}

fa2_err fa2_alarm_describe_text(const fa2_alarm *a, fa2_buf *out)
{
	char when[40];
	size_t i;
	fa2_err e;

	e = fa2_buf_appendf(out, "Alarm: %s\nState: %s\n", a->name, a->state ? a->state : "?");
	if (!e && a->reason)
		e = fa2_buf_appendf(out, "Reason: %s\n", a->reason);
	if (!e && a->changed_ms) {
		fa2_time_format_rfc3339(a->changed_ms, 0, 0, when, sizeof when);
		e = fa2_buf_appendf(out, "State changed: %s\n", when);
	}
	if (!e && a->description && *a->description)
		e = fa2_buf_appendf(out, "Description: %s\n", a->description);
	if (!e && a->metric.name) {
		e = fa2_buf_append_cstr(out, "Metric: ");
		if (!e)
			e = metric_text(&a->metric, out);
		if (!e)
			e = fa2_buf_append_byte(out, '\n');
	}
	for (i = 0; i < a->n_queries && !e; i++) {
		const fa2_alarm_query *q = &a->queries[i];
		e = fa2_buf_appendf(out, "Query %s%s: ", q->id ? q->id : "?", q->return_data ? " (alarm value)" : "");
		if (!e && q->has_metric) {
			e = metric_text(&q->metric, out);
			if (!e)
				e = fa2_buf_appendf(out, " stat=%s period=%llds", q->stat ? q->stat : "?",
						    (long long)q->period_s);
		} else if (!e) {
			e = fa2_buf_appendf(out, "expression %s", q->expression ? q->expression : "?");
		}
		if (!e && q->label)
			e = fa2_buf_appendf(out, " label=\"%s\"", q->label);
		if (!e)
			e = fa2_buf_append_byte(out, '\n');
	}
	if (!e && (a->statistic || a->extended_statistic))
		e = fa2_buf_appendf(out, "Statistic: %s\n", a->statistic ? a->statistic : a->extended_statistic);
	if (!e && a->period_s)
		e = fa2_buf_appendf(out, "Period: %lld s x %lld evaluation periods\n", (long long)a->period_s,
				    (long long)a->evaluation_periods);
	if (!e && (a->comparison || a->has_threshold)) {
		if (a->threshold_metric_id)
			e = fa2_buf_appendf(out, "Condition: %s band %s\n", a->comparison ? a->comparison : "?",
					    a->threshold_metric_id);
		else
			e = fa2_buf_appendf(out, "Condition: %s %g\n", a->comparison ? a->comparison : "?",
					    a->threshold);
	}
	return e;
}

fa2_err fa2_alarm_from_name(const char *name, const char *state, fa2_alarm *out)
{
	cJSON *doc;
	fa2_err e;
	memset(out, 0, sizeof *out);
	if (!name || !*name)
		return FA2_ERR_INVALID;
	doc = cJSON_CreateObject();
	if (!doc || !cJSON_AddStringToObject(doc, "AlarmName", name) ||
	    (state && *state && !cJSON_AddStringToObject(doc, "StateValue", state))) {
		cJSON_Delete(doc);
		return FA2_ERR_NOMEM;
	}
	out->doc = doc;
	e = decode_doc(out);
	if (e)
		fa2_alarm_cleanup(out);
	return e;
}

/* Sets member key of a->doc to the string v (replacing it). */
static fa2_err doc_set(fa2_alarm *a, const char *key, const char *v)
{
	cJSON *s = cJSON_CreateString(v);
	if (!s)
		return FA2_ERR_NOMEM;
	if (cJSON_GetObjectItemCaseSensitive(a->doc, key))
		return cJSON_ReplaceItemInObjectCaseSensitive(a->doc, key, s) ? FA2_OK : FA2_ERR_NOMEM;
	if (!cJSON_AddItemToObject(a->doc, key, s)) {
		cJSON_Delete(s);
		return FA2_ERR_NOMEM;
	}
	return FA2_OK;
}

fa2_err fa2_alarm_locate(fa2_alarm *a, const char *region, const char *account)
{
	fa2_err e = FA2_OK;
	if (!a->doc)
		return FA2_ERR_INVALID;
	if (!a->region[0] && region_like(region))
		e = doc_set(a, "fa2Region", region);
	if (!e && !a->account[0] && account_like(account))
		e = doc_set(a, "fa2Account", account);
	if (!e) /* the strings of a point into doc: decode again */
		e = decode_doc(a);
	return e;
}

int fa2_alarm_has_metric(const fa2_alarm *a)
{
	size_t i;
	if (a->metric.ns && a->metric.name)
		return 1;
	for (i = 0; i < a->n_queries; i++)
		if (a->queries[i].has_metric || a->queries[i].expression)
			return 1;
	return 0;
}

/* The length of c printed without formatting (0 when out of memory). */
static size_t printed_len(const cJSON *c)
{
	char *t = cJSON_PrintUnformatted(c);
	size_t n = t ? strlen(t) : 0;
	cJSON_free(t);
	return n;
}

/* Replaces c's StateReason by the first bytes of reason that keep c within max bytes
 * (cut at a UTF-8 boundary, "..." appended); removes it when none fit. */
static fa2_err shorten_reason(cJSON *c, const char *reason, size_t max)
{
	size_t without, keep;
	char *r;
	cJSON_DeleteItemFromObjectCaseSensitive(c, "StateReason");
	without = printed_len(c);
	if (!without)
		return FA2_ERR_NOMEM;
	/* room for the key, quotes, the ellipsis; escapes may take more: checked after */
	keep = max > without + 32 ? max - without - 32 : 0;
	if (keep > strlen(reason))
		keep = strlen(reason);
	while (keep && ((unsigned char)reason[keep] & 0xC0) == 0x80)
		keep--;
	if (!keep)
		return FA2_OK;
	if (!(r = fa2_malloc(keep + 4)))
		return FA2_ERR_NOMEM;
	memcpy(r, reason, keep);
	memcpy(r + keep, "...", 4);
	if (!cJSON_AddStringToObject(c, "StateReason", r)) {
		fa2_free(r);
		return FA2_ERR_NOMEM;
	}
	fa2_free(r);
	if (printed_len(c) > max)
		cJSON_DeleteItemFromObjectCaseSensitive(c, "StateReason");
	return FA2_OK;
}

fa2_err fa2_alarm_compact_json(const fa2_alarm *a, size_t max, fa2_buf *out)
{
	static const char *const keys[] = { "AlarmName", "AlarmArn", "fa2Region", "fa2Account", "StateValue",
		"StateUpdatedTimestamp", "Namespace", "MetricName", "Dimensions", "Statistic",
		"ExtendedStatistic", "Period", "EvaluationPeriods", "Threshold", "ComparisonOperator",
		"ThresholdMetricId", "Metrics", "AlarmDescription", "StateReason", NULL };
	cJSON *c = cJSON_CreateObject();
	char *t = NULL;
	size_t i;
	fa2_err e = FA2_ERR_NOMEM;
	if (!c || !a->doc)
		goto cleanup;
	for (i = 0; keys[i]; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(a->doc, keys[i]);
		cJSON *d;
		if (!v)
			continue;
		if (!(d = cJSON_Duplicate(v, 1)) || !cJSON_AddItemToObject(c, keys[i], d)) {
			cJSON_Delete(d);
			goto cleanup;
		}
	}
	/* to fit: the description goes, then the reason is shortened, then the queries go */
	if (printed_len(c) > max)
		cJSON_DeleteItemFromObjectCaseSensitive(c, "AlarmDescription");
	if (printed_len(c) > max && a->reason && (e = shorten_reason(c, a->reason, max)) != FA2_OK)
		goto cleanup;
	if (printed_len(c) > max && a->metric.ns && a->metric.name)
		cJSON_DeleteItemFromObjectCaseSensitive(c, "Metrics");
	e = FA2_ERR_NOMEM;
	if (!(t = cJSON_PrintUnformatted(c)))
		goto cleanup;
	e = strlen(t) <= max ? fa2_buf_append(out, t, strlen(t)) : FA2_ERR_TOO_LARGE;
cleanup:
	cJSON_free(t);
	cJSON_Delete(c);
	return e;
}
