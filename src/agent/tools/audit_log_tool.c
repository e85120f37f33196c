/* audit_log_tool, two back ends with one observation shape:
 * - CloudTrail LookupEvents in the incident window, filtered by one lookup attribute the
 *   model chooses (event name, event source, resource name, user name), all pages up to
 *   a cap;
 * - when cloudTrailLogTableName (+ databaseName) is configured, Athena SQL over the
 *   CloudTrail table (the standard CloudTrail Athena schema), filtered by lists of
 *   services, event names, resources and users at once, ranked in SQL.
 * Events are ranked: errors first, then mutating (non read-only) events, then the rest;
 * within a rank newest first. Each line shows time, event source and name, user,
 * resources and the error code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/config.h"
#include "agent/tools/athena_tool.h"
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

/* ---- the Athena path ---- */

static const char athena_schema[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"services\":{\"type\":\"array\",\"maxItems\":20,\"items\":{\"type\":\"string\"},"
	"\"description\":\"event sources, e.g. lambda or lambda.amazonaws.com\"},"
	"\"eventNames\":{\"type\":\"array\",\"maxItems\":20,\"items\":{\"type\":\"string\"},"
	"\"description\":\"e.g. UpdateFunctionConfiguration\"},"
	"\"resources\":{\"type\":\"array\",\"maxItems\":20,\"items\":{\"type\":\"string\"},"
	"\"description\":\"resource names or ARNs (substring of the resource ARNs or request parameters)\"},"
	"\"users\":{\"type\":\"array\",\"maxItems\":20,\"items\":{\"type\":\"string\"},"
	"\"description\":\"user names, role names or ARNs (substring)\"},"
	"\"maxEvents\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000}},"
	"\"additionalProperties\":false}";

/* Appends the WHERE clause of the CloudTrail query for input and the window. */
static fa2_err ct_where(fa2_buf *sql, const fa2_tool_env *env, const cJSON *input, const char **bad)
{
	const char *v[FA2_TOOLS_MAX_LIST];
	char svc[FA2_TOOLS_MAX_LIST][160];
	const char *sv[FA2_TOOLS_MAX_LIST];
	size_t n, i;
	fa2_err e;

	e = fa2_buf_append_cstr(sql, " WHERE eventtime >= ");
	if (!e)
		e = fa2_athena_sql_iso_time(sql, env->from_ms);
	if (!e)
		e = fa2_buf_append_cstr(sql, " AND eventtime < ");
	if (!e)
		e = fa2_athena_sql_iso_time(sql, env->to_ms + 1000);
	n = fa2_tools_str_list(input, "services", v, FA2_TOOLS_MAX_LIST);
	for (i = 0; i < n; i++) {
		/* "lambda" -> "lambda.amazonaws.com"; a full event source stays as it is. */
		if (strlen(v[i]) >= 120) {
			*bad = "services";
			return FA2_ERR_INVALID;
		}
		snprintf(svc[i], sizeof svc[i], strchr(v[i], '.') ? "%s" : "%s.amazonaws.com", v[i]);
		sv[i] = svc[i];
	}
	if (!e && n) {
		e = fa2_buf_append_cstr(sql, " AND ");
		if (!e && (e = fa2_athena_sql_in(sql, "eventsource", sv, n)) == FA2_ERR_INVALID)
			*bad = "services";
	}
	n = fa2_tools_str_list(input, "eventNames", v, FA2_TOOLS_MAX_LIST);
	if (!e && n) {
		e = fa2_buf_append_cstr(sql, " AND ");
		if (!e && (e = fa2_athena_sql_in(sql, "eventname", v, n)) == FA2_ERR_INVALID)
			*bad = "eventNames";
	}
	n = fa2_tools_str_list(input, "resources", v, FA2_TOOLS_MAX_LIST);
	if (!e && (e = fa2_tools_sql_any_contains(sql,
			"coalesce(array_join(transform(resources, x -> x.arn), ' '), '') || ' ' || "
			"coalesce(requestparameters, '')", v, n)) == FA2_ERR_INVALID)
		*bad = "resources";
	n = fa2_tools_str_list(input, "users", v, FA2_TOOLS_MAX_LIST);
	if (!e && (e = fa2_tools_sql_any_contains(sql,
			"coalesce(useridentity.arn, '') || ' ' || coalesce(useridentity.username, '') || ' ' || "
			"coalesce(useridentity.sessioncontext.sessionissuer.username, '')", v, n)) == FA2_ERR_INVALID)
		*bad = "users";
	return e;
}

/* The query, kept apart so tests can check it (caller cleans sql up). */
fa2_err fa2_audit_log_athena_sql(const fa2_tool_env *env, const cJSON *input, fa2_buf *sql,
				 const char **bad);
fa2_err fa2_audit_log_athena_sql(const fa2_tool_env *env, const cJSON *input, fa2_buf *sql,
				 const char **bad)
{
	long max_events = fa2_tools_int(input, "maxEvents", 200, 1, AUDIT_MAX_EVENTS);
	fa2_err e;

	*bad = NULL;
	e = fa2_buf_append_cstr(sql,
		"SELECT eventtime, eventsource, eventname, awsregion, sourceipaddress, "
		"coalesce(useridentity.arn, useridentity.username, useridentity.principalid) AS principal, "
		"errorcode, errormessage, readonly, "
		"array_join(transform(resources, x -> x.arn), ' ') AS resource_arns, "
		"substr(requestparameters, 1, 300) AS request_parameters, "
		"count(*) OVER () AS total, "
		"sum(CASE WHEN errorcode IS NOT NULL AND errorcode <> '' THEN 1 ELSE 0 END) OVER () AS total_errors, "
		"sum(CASE WHEN readonly = 'false' THEN 1 ELSE 0 END) OVER () AS total_writes FROM ");
	if (!e && (e = fa2_athena_sql_ident(sql, env->cfg->database_name)) == FA2_ERR_INVALID)
		*bad = "databaseName";
	if (!e)
		e = fa2_buf_append_byte(sql, '.');
	if (!e && (e = fa2_athena_sql_ident(sql, env->cfg->cloudtrail_table)) == FA2_ERR_INVALID)
		*bad = "cloudTrailLogTableName";
	if (!e)
		e = ct_where(sql, env, input, bad);
	if (!e)
		e = fa2_buf_appendf(sql,
			" ORDER BY CASE WHEN errorcode IS NOT NULL AND errorcode <> '' THEN 0 "
			"WHEN readonly = 'false' THEN 1 ELSE 2 END, eventtime DESC LIMIT %ld", max_events);
	return e;
}

static fa2_err audit_athena_exec(void *ctx, const fa2_tool_env *env, const cJSON *input, fa2_buf *out)
{
	fa2_athena_result r;
	fa2_buf sql;
	const char *bad = NULL;
	char t1[40], t2[40];
	size_t i, errors = 0, writes = 0, total = 0, shown = 0;
	long c_time, c_src, c_name, c_pr, c_err, c_msg, c_ro, c_res, c_par, c_tot, c_te, c_tw, c_reg, c_ip;
	fa2_err e;

	(void)ctx;
	fa2_athena_result_init(&r);
	fa2_buf_init(&sql, FA2_ATHENA_MAX_QUERY);
	if (!env->cfg || !env->cfg->database_name || !env->cfg->cloudtrail_table) {
		e = FA2_ERR_CONFIG;
		goto cleanup;
	}
	e = fa2_audit_log_athena_sql(env, input, &sql, &bad);
	if (e) {
		if (e == FA2_ERR_INVALID)
			(void)fa2_buf_appendf(out, FA2_T(env, "%s: a value contains control characters, invalid UTF-8 "
							      "or is too long; it cannot be used in a query\n",
							 "%s: 制御文字・不正な UTF-8 を含むか長すぎる値は検索に使えません\n"),
					      bad ? bad : "input");
		goto cleanup;
	}
	e = fa2_tools_athena(env, (const char *)sql.data, (size_t)AUDIT_MAX_EVENTS, &r, out);
	if (e)
		goto cleanup;
	c_time = fa2_athena_col(&r, "eventtime");
	c_src = fa2_athena_col(&r, "eventsource");
	c_name = fa2_athena_col(&r, "eventname");
	c_pr = fa2_athena_col(&r, "principal");
	c_err = fa2_athena_col(&r, "errorcode");
	c_msg = fa2_athena_col(&r, "errormessage");
	c_ro = fa2_athena_col(&r, "readonly");
	c_res = fa2_athena_col(&r, "resource_arns");
	c_par = fa2_athena_col(&r, "request_parameters");
	c_tot = fa2_athena_col(&r, "total");
	c_te = fa2_athena_col(&r, "total_errors");
	c_tw = fa2_athena_col(&r, "total_writes");
	c_reg = fa2_athena_col(&r, "awsregion");
	c_ip = fa2_athena_col(&r, "sourceipaddress");
#define CELL(row, col) ((col) >= 0 ? fa2_athena_cell(&r, (row), (size_t)(col)) : NULL)
#define NUM(row, col, dst)                                                                       \
	do {                                                                                     \
		const char *s_ = CELL(row, col);                                                 \
		uint64_t u_;                                                                     \
		if (s_ && fa2_parse_u64(fa2_slice_cstr(s_), &u_) == FA2_OK && u_ < (uint64_t)SIZE_MAX) \
			dst = (size_t)u_;                                                        \
	} while (0)
	for (i = 0; i < r.n_rows; i++) {
		const char *ec = CELL(i, c_err), *ro = CELL(i, c_ro);
		if (ec && *ec)
			errors++;
		else if (ro && strcmp(ro, "false") == 0)
			writes++;
	}
	total = r.n_rows;
	if (r.n_rows > 0) {
		NUM(0, c_tot, total);
		NUM(0, c_te, errors);
		NUM(0, c_tw, writes);
	}
	fa2_tools_time(env->from_ms, t1, sizeof t1);
	fa2_tools_time(env->to_ms, t2, sizeof t2);
	(void)fa2_buf_appendf(out, FA2_T(env, "CloudTrail (Athena %s.%s) in %s .. %s: %zu events (%zu errors, %zu mutating)%s; "
					 "errors first, then mutating, newest first\n",
					 "CloudTrail (Athena %s.%s) 期間 %s .. %s: %zu 件（エラー %zu、変更系 %zu）%s。エラー、変更系の順、新しい順\n"),
			      env->cfg->database_name, env->cfg->cloudtrail_table, t1, t2, total, errors, writes,
			      total > r.n_rows ? FA2_T(env, " (only the first ones fetched: narrow by eventNames, services, resources or users)",
						       "（先頭のみ取得: eventNames、services、resources、users で絞ってください）") : "");
	for (i = 0; i < r.n_rows && shown < AUDIT_SHOWN; i++, shown++) {
		const char *ec = CELL(i, c_err), *em = CELL(i, c_msg), *ro = CELL(i, c_ro), *t = CELL(i, c_time);
		const char *res = CELL(i, c_res), *par = CELL(i, c_par), *reg = CELL(i, c_reg), *ip = CELL(i, c_ip);
		int64_t ms;
		int rank = ec && *ec ? 0 : ro && strcmp(ro, "false") == 0 ? 1 : 2;
		if (t && fa2_time_parse(fa2_slice_cstr(t), 0, 0, &ms) == FA2_OK)
			fa2_tools_time(ms, t1, sizeof t1);
		else
			snprintf(t1, sizeof t1, "%.30s", t ? t : "?");
		(void)fa2_buf_appendf(out, "%s %s %s %s user=%.200s", t1, rank == 0 ? "ERROR" : rank == 1 ? "WRITE" : "read",
				      CELL(i, c_src) ? CELL(i, c_src) : "?", CELL(i, c_name) ? CELL(i, c_name) : "?",
				      CELL(i, c_pr) ? CELL(i, c_pr) : "?");
		if (res && *res)
			(void)fa2_buf_appendf(out, " res=%.300s", res);
		if (reg && *reg)
			(void)fa2_buf_appendf(out, " region=%.40s", reg);
		if (ip && *ip)
			(void)fa2_buf_appendf(out, " ip=%.64s", ip);
		if (ec && *ec)
			(void)fa2_buf_appendf(out, " error=%.100s%s%.200s", ec, em ? ": " : "", em ? em : "");
		if (rank < 2 && par && *par && strcmp(par, "null") != 0)
			(void)fa2_buf_appendf(out, " params=%.200s", par);
		(void)fa2_buf_append_byte(out, '\n');
	}
#undef NUM
#undef CELL
	if (total > shown)
		(void)fa2_buf_appendf(out, FA2_T(env, "(%zu more read-only or older events not shown)\n",
						 "（他 %zu 件省略）\n"), total - shown);
	e = FA2_OK;
cleanup:
	fa2_athena_result_cleanup(&r);
	fa2_buf_cleanup(&sql);
	return e;
}

const fa2_tool fa2_audit_log_athena_tool = {
	"audit_log_tool",
	{ "AWS API activity (CloudTrail, queried with Athena) in the incident window: who changed "
	  "what. Errors and mutating calls first. Filter with lists (combined with AND between "
	  "lists, OR inside one): services, eventNames, resources, users.",
	  "インシデント期間の AWS API 操作 (CloudTrail を Athena で検索): 誰が何を変更したか。エラーと"
	  "変更系の呼び出しを先頭に返します。services、eventNames、resources、users のリストで絞り込めます"
	  "（リスト間は AND、リスト内は OR）。" },
	{ "give services, eventNames, resources or users, or a smaller maxEvents",
	  "services、eventNames、resources、users を指定するか maxEvents を小さくしてください" },
	athena_schema, audit_athena_exec, NULL
};
