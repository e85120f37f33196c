/* audit_log_tool: CloudTrail LookupEvents in the incident window, filtered by one lookup
 * attribute the model chooses (event name, event source, resource name, user name), all
 * pages up to a cap. Events are ranked: errors first, then mutating (non read-only)
 * events, then the rest; within a rank newest first. Each line shows time, event source
 * and name, user, resources and the error code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/tools/common.h"
#include "agent/tools/tools.h"
#include "base/alloc.h"
#include "base/json.h"
#include "base/time.h"

#define AUDIT_MAX_EVENTS 1000
#define AUDIT_SHOWN      60

static const char schema[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"eventName\":{\"type\":\"string\",\"description\":\"e.g. UpdateFunctionConfiguration\"},"
	"\"eventSource\":{\"type\":\"string\",\"description\":\"e.g. lambda.amazonaws.com\"},"
	"\"resourceName\":{\"type\":\"string\"},"
	"\"userName\":{\"type\":\"string\"},"
	"\"maxEvents\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000}},"
	"\"additionalProperties\":false}";

typedef struct audit_ev {
	const cJSON *ev;     /* borrowed from the reply kept in the list */
	cJSON *detail;       /* parsed CloudTrailEvent (owned) */
	int rank;            /* 0 error, 1 mutating, 2 read */
	double t;
} audit_ev;

static int ev_cmp(const void *a, const void *b)
{
	const audit_ev *x = a, *y = b;
	if (x->rank != y->rank)
		return x->rank - y->rank;
	return x->t > y->t ? -1 : x->t < y->t;
}

static double ev_time_ms(const cJSON *t)
{
	int64_t ms;
	if (cJSON_IsNumber(t))
		return t->valuedouble * 1000.0;
	if (cJSON_IsString(t) && fa2_time_parse(fa2_slice_cstr(t->valuestring), 0, 0, &ms) == FA2_OK)
		return (double)ms;
	return 0;
}

static fa2_err audit_exec(void *ctx, const fa2_tool_env *env, const cJSON *input, fa2_buf *out)
{
	static const struct { const char *in, *attr; } attrs[] = {
		{ "eventName", "EventName" }, { "eventSource", "EventSource" },
		{ "resourceName", "ResourceName" }, { "userName", "Username" } };
	cJSON *pages = cJSON_CreateArray();
	audit_ev *evs = NULL;
	size_t n = 0, i, errors = 0, writes = 0;
	long max_events = fa2_tools_int(input, "maxEvents", 500, 1, AUDIT_MAX_EVENTS);
	char token[4096] = "", t1[40], t2[40], filter[300] = "";
	int page;
	fa2_err e = FA2_ERR_NOMEM;

	(void)ctx;
	evs = fa2_malloc((size_t)max_events * sizeof *evs);
	if (!pages || !evs)
		goto cleanup;
	memset(evs, 0, (size_t)max_events * sizeof *evs);
	for (page = 0; page < 20 && n < (size_t)max_events; page++) {
		cJSON *req = cJSON_CreateObject(), *rep = NULL, *la, *ev;
		if (!req)
			goto cleanup;
		cJSON_AddNumberToObject(req, "StartTime", (double)(env->from_ms / 1000));
		cJSON_AddNumberToObject(req, "EndTime", (double)((env->to_ms + 999) / 1000));
		cJSON_AddNumberToObject(req, "MaxResults", 50);
		for (i = 0; i < sizeof attrs / sizeof attrs[0]; i++) {
			const char *v = fa2_json_str(input, attrs[i].in);
			cJSON *a;
			if (!v || !*v)
				continue;
			/* LookupEvents takes one attribute: the first given wins. */
			la = cJSON_AddArrayToObject(req, "LookupAttributes");
			a = cJSON_CreateObject();
			if (!la || !a) {
				cJSON_Delete(a);
				cJSON_Delete(req);
				goto cleanup;
			}
			cJSON_AddItemToArray(la, a);
			cJSON_AddStringToObject(a, "AttributeKey", attrs[i].attr);
			cJSON_AddStringToObject(a, "AttributeValue", v);
			snprintf(filter, sizeof filter, " %s=%s", attrs[i].attr, v);
			break;
		}
		if (token[0])
			cJSON_AddStringToObject(req, "NextToken", token);
		e = fa2_tools_aws_call(env, "cloudtrail", "LookupEvents", req, &rep, out, NULL);
		cJSON_Delete(req);
		if (e)
			goto cleanup;
		cJSON_AddItemToArray(pages, rep);
		cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(rep, "Events")) {
			const char *detail = fa2_json_str(ev, "CloudTrailEvent"), *ro;
			audit_ev *a;
			if (n >= (size_t)max_events)
				break;
			a = &evs[n++];
			a->ev = ev;
			a->detail = detail ? fa2_json_parse(fa2_slice_cstr(detail), NULL) : NULL;
			a->t = ev_time_ms(cJSON_GetObjectItemCaseSensitive(ev, "EventTime"));
			ro = fa2_json_str(ev, "ReadOnly");
			if (a->detail && fa2_json_str(a->detail, "errorCode"))
				a->rank = 0, errors++;
			else if (ro ? strcmp(ro, "false") == 0
				    : !(a->detail && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a->detail, "readOnly"))))
				a->rank = 1, writes++;
			else
				a->rank = 2;
		}
		token[0] = '\0';
		if (fa2_json_str(rep, "NextToken") && strlen(fa2_json_str(rep, "NextToken")) < sizeof token)
			snprintf(token, sizeof token, "%s", fa2_json_str(rep, "NextToken"));
		if (!token[0])
			break;
	}
	qsort(evs, n, sizeof *evs, ev_cmp);
	fa2_tools_time(env->from_ms, t1, sizeof t1);
	fa2_tools_time(env->to_ms, t2, sizeof t2);
	(void)fa2_buf_appendf(out, FA2_T(env, "CloudTrail LookupEvents%s in %s .. %s: %zu events (%zu errors, %zu mutating)%s; "
					 "errors first, then mutating, newest first\n",
					 "CloudTrail LookupEvents%s 期間 %s .. %s: %zu 件（エラー %zu、変更系 %zu）%s。エラー、変更系の順、新しい順\n"),
			      filter, t1, t2, n, errors, writes,
			      token[0] ? FA2_T(env, " (more exist: narrow by eventName or resourceName)",
					       "（続きあり: eventName か resourceName で絞ってください）") : "");
	for (i = 0; i < n && i < AUDIT_SHOWN; i++) {
		const audit_ev *a = &evs[i];
		const cJSON *r;
		const char *err = a->detail ? fa2_json_str(a->detail, "errorCode") : NULL;
		const char *errmsg = a->detail ? fa2_json_str(a->detail, "errorMessage") : NULL;
		fa2_tools_time((int64_t)a->t, t1, sizeof t1);
		(void)fa2_buf_appendf(out, "%s %s %s %s user=%s", t1, a->rank == 0 ? "ERROR" : a->rank == 1 ? "WRITE" : "read",
				      fa2_json_str(a->ev, "EventSource") ? fa2_json_str(a->ev, "EventSource") : "?",
				      fa2_json_str(a->ev, "EventName") ? fa2_json_str(a->ev, "EventName") : "?",
				      fa2_json_str(a->ev, "Username") ? fa2_json_str(a->ev, "Username") : "?");
		cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(a->ev, "Resources")) {
			const char *rn = fa2_json_str(r, "ResourceName");
			if (rn)
				(void)fa2_buf_appendf(out, " res=%.200s", rn);
		}
		if (err)
			(void)fa2_buf_appendf(out, " error=%s%s%.200s", err, errmsg ? ": " : "", errmsg ? errmsg : "");
		(void)fa2_buf_append_byte(out, '\n');
	}
	if (n > AUDIT_SHOWN)
		(void)fa2_buf_appendf(out, FA2_T(env, "(%zu more read-only or older events not shown)\n",
						 "（他 %zu 件省略）\n"), n - AUDIT_SHOWN);
	e = FA2_OK;
cleanup:
	for (i = 0; evs && i < n; i++)
		cJSON_Delete(evs[i].detail);
	fa2_free(evs);
	cJSON_Delete(pages);
	return e;
}

const fa2_tool fa2_audit_log_tool = {
	"audit_log_tool",
	{ "AWS API activity (CloudTrail) in the incident window: who changed what. Errors and "
	  "mutating calls first. Narrow with one of eventName, eventSource, resourceName, userName.",
	  "インシデント期間の AWS API 操作 (CloudTrail): 誰が何を変更したか。エラーと変更系の呼び出しを先頭に"
	  "返します。eventName、eventSource、resourceName、userName のいずれかで絞り込めます。" },
	{ "give eventName, eventSource, resourceName or userName, or a smaller maxEvents",
	  "eventName、eventSource、resourceName、userName のいずれかを指定するか maxEvents を小さくしてください" },
	schema, audit_exec, NULL
};
