/* audit_log_tool, two back ends:
 * - over the data source (source.h): CloudTrail LookupEvents live (every mutating call
 *   of the window, paged within a budget, then the newest read-only calls), or the
 *   snapshot's events; narrowed by event name, event source, resource name, user name;
 * - when cloudTrailLogTableName (+ databaseName) is configured (live only), Athena SQL
 *   over the CloudTrail table (the standard CloudTrail Athena schema), filtered by lists
 *   of services, event names, resources and users at once, ranked in SQL.
 * What matters comes first within the observation budget: the mutating calls on the
 * resources the incident is about (the alarm's: fa2_source_set_focus), then errors
 * (repeated ones counted on one line), then the other mutating calls (newest first, with
 * their request parameters; repeated ones counted), then the routine writes (recognised
 * by their cadence with triage's rule, fa2_tr_mark_routine: SSM UpdateInstanceInformation,
 * CreateLogStream, ... collapsed into one counted line each so that they cannot crowd out
 * a deploy hours before the onset), then read-only calls counted by name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/config.h"
#include "agent/tools/athena_tool.h"
#include "agent/tools/common.h"
#include "agent/tools/tools.h"
#include "base/alloc.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/time.h"
#include "triage/triage.h"

#define AUDIT_MAX_EVENTS   1000
#define AUDIT_SHOWN        60
#define AUDIT_GROUP_MIN    3      /* a call repeated this often is counted on one line */
#define AUDIT_READS_SHOWN  10

static const char schema[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"eventName\":{\"type\":\"string\",\"description\":\"e.g. UpdateFunctionConfiguration\"},"
	"\"eventSource\":{\"type\":\"string\",\"description\":\"e.g. lambda.amazonaws.com\"},"
	"\"resourceName\":{\"type\":\"string\"},"
	"\"userName\":{\"type\":\"string\"},"
	"\"maxEvents\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000,"
	"\"description\":\"events listed one per line at most (the rest are counted)\"}},"
	"\"additionalProperties\":false}";

enum { R_LINKED = 0, R_ERROR, R_WRITE, R_ROUTINE, R_READ, R__COUNT };

/* An event with its section. */
typedef struct ev_item {
	const fa2_tr_event *ev;
	int rank;                           /* R_* */
} ev_item;

typedef struct ev_group {
	const fa2_tr_event *first, *last;   /* oldest and newest */
	const char *source, *name, *error;
	size_t count;
	int rank;                           /* R_* */
	int64_t cadence_ms;                 /* routine: the typical spacing */
	const ev_item *members;             /* into the shared order array, oldest first */
} ev_group;

static int plain_rank(const fa2_tr_event *ev)
{
	if (ev->error_code && *ev->error_code)
		return R_ERROR;
	return fa2_tr_event_is_write(ev) ? R_WRITE : R_READ;
}

/* 1 when the event acted on one of the source's focus names. */
static int linked(const fa2_source *src, const fa2_tr_event *ev)
{
	size_t k;
	for (k = 0; k < ev->n_resources; k++)
		if (fa2_source_focus_hit(src, ev->resources[k].value))
			return 1;
	return fa2_source_focus_hit(src, ev->params);
}

/* Calls of one kind, counted on one line when repeated; those on the alarm's resources
 * are few and matter most: each on its own line. */
static int same_group(const ev_item *a, const ev_item *b)
{
	return a->rank == b->rank && a->rank != R_LINKED && strcmp(a->ev->source ? a->ev->source : "", b->ev->source ? b->ev->source : "") == 0 &&
	       strcmp(a->ev->name ? a->ev->name : "", b->ev->name ? b->ev->name : "") == 0 &&
	       strcmp(a->ev->error_code ? a->ev->error_code : "", b->ev->error_code ? b->ev->error_code : "") == 0;
}

static int key_cmp(const void *pa, const void *pb)
{
	const ev_item *x = pa, *y = pb;
	const fa2_tr_event *a = x->ev, *b = y->ev;
	int c = x->rank - y->rank;
	if (!c)
		c = strcmp(a->source ? a->source : "", b->source ? b->source : "");
	if (!c)
		c = strcmp(a->name ? a->name : "", b->name ? b->name : "");
	if (!c)
		c = strcmp(a->error_code ? a->error_code : "", b->error_code ? b->error_code : "");
	if (!c)
		c = a->t_ms < b->t_ms ? -1 : a->t_ms > b->t_ms;
	return c;
}

/* Sections of v[0..n) (oldest first) into items: the routine writes by triage's rule
 * (fa2_tr_mark_routine over the successful writes), then the writes on the focus names. */
static fa2_err classify(const fa2_source *src, const fa2_tool_env *env, const fa2_tr_event *const *v, size_t n,
			ev_item *items)
{
	const fa2_tr_event **w = fa2_malloc((n ? n : 1) * sizeof *w);
	size_t *at = fa2_malloc((n ? n : 1) * sizeof *at), i, nw = 0;
	int *routine = fa2_calloc(n ? n : 1, sizeof *routine);
	if (!w || !at || !routine) {
		fa2_free(w);
		fa2_free(at);
		fa2_free(routine);
		return FA2_ERR_NOMEM;
	}
	for (i = 0; i < n; i++) {
		items[i].ev = v[i];
		items[i].rank = plain_rank(v[i]);
		if (items[i].rank == R_WRITE) {
			at[nw] = i;
			w[nw++] = v[i];
		}
	}
	fa2_tr_mark_routine(w, nw, env->from_ms, env->to_ms, routine);
	for (i = 0; i < nw; i++)
		items[at[i]].rank = routine[i] ? R_ROUTINE : linked(src, w[i]) ? R_LINKED : R_WRITE;
	fa2_free(w);
	fa2_free(at);
	fa2_free(routine);
	return FA2_OK;
}

static void append_duration(fa2_buf *out, int64_t ms)
{
	if (ms >= 3600000)
		(void)fa2_buf_appendf(out, "%.1fh", (double)ms / 3600000.0);
	else if (ms >= 60000)
		(void)fa2_buf_appendf(out, "%lldm", (long long)((ms + 30000) / 60000));
	else
		(void)fa2_buf_appendf(out, "%llds", (long long)((ms + 500) / 1000));
}

/* One event on one line. */
static void event_line(const fa2_tool_env *env, const fa2_tr_event *ev, int rank, fa2_buf *out)
{
	char t1[40];
	size_t k;
	fa2_tools_time(ev->t_ms, t1, sizeof t1);
	(void)fa2_buf_appendf(out, "%s %s %s %s user=%s", t1, rank == R_ERROR ? "ERROR" : rank == R_READ ? "read" : "WRITE",
			      ev->source && *ev->source ? ev->source : "?", ev->name && *ev->name ? ev->name : "?",
			      ev->user && *ev->user ? ev->user : "?");
	for (k = 0; k < ev->n_resources && k < 6; k++)
		if (ev->resources[k].value && *ev->resources[k].value)
			(void)fa2_buf_appendf(out, " res=%.200s", ev->resources[k].value);
	if (ev->params && *ev->params && rank != R_READ)
		(void)fa2_buf_appendf(out, " params=%.300s", ev->params);
	if (rank == R_ERROR)
		(void)fa2_buf_appendf(out, " error=%s%s%.200s", ev->error_code, ev->error_message && *ev->error_message ? ": " : "",
				      ev->error_message ? ev->error_message : "");
	(void)fa2_buf_append_byte(out, '\n');
	(void)env;
}

/* A group of repeated calls on one line (with the newest one's details after it). */
static void group_line(const fa2_tool_env *env, const ev_group *g, fa2_buf *out)
{
	char t1[40], t2[40];
	const char *users[3];
	size_t nu = 0, i, k;
	fa2_tools_time(g->first->t_ms, t1, sizeof t1);
	fa2_tools_time(g->last->t_ms, t2, sizeof t2);
	(void)fa2_buf_appendf(out, "%s %s %s x%zu %s .. %s", g->rank == R_ERROR ? "ERROR" : g->rank == R_ROUTINE
			      ? FA2_T(env, "routine", "定常") : g->rank == R_READ ? "read" : "WRITE",
			      g->source && *g->source ? g->source : "?", g->name && *g->name ? g->name : "?", g->count, t1, t2);
	if (g->rank == R_ROUTINE) {
		(void)fa2_buf_append_cstr(out, FA2_T(env, " (steady, about every ", "（定常的、約 "));
		append_duration(out, g->cadence_ms);
		(void)fa2_buf_append_cstr(out, FA2_T(env, ")", " ごと）"));
	}
	for (i = 0; i < g->count; i++) {
		const char *u = g->members[i].ev->user;
		if (!u || !*u)
			continue;
		for (k = 0; k < nu && strcmp(users[k], u) != 0; k++)
			;
		if (k == nu && nu < 3)
			users[nu++] = u;
	}
	for (k = 0; k < nu; k++)
		(void)fa2_buf_appendf(out, "%s%.120s", k ? "," : " users=", users[k]);
	if (g->error)
		(void)fa2_buf_appendf(out, " error=%s", g->error);
	(void)fa2_buf_append_byte(out, '\n');
	if (g->rank != R_READ && g->rank != R_ROUTINE) {
		(void)fa2_buf_append_cstr(out, FA2_T(env, "  newest: ", "  最新: "));
		event_line(env, g->last, g->rank, out);
	}
}

static int group_cmp(const void *pa, const void *pb)
{
	const ev_group *a = pa, *b = pb;
	if (a->rank != b->rank)
		return a->rank - b->rank;
	if (a->rank == R_READ && a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return a->last->t_ms > b->last->t_ms ? -1 : a->last->t_ms < b->last->t_ms;
}

/* The events v[0..n) (oldest first) ranked and grouped into out within env's budget. */
static fa2_err render_events(const fa2_source *src, const fa2_tool_env *env, const fa2_tr_event *const *v, size_t n,
			     size_t max_lines, fa2_buf *out)
{
	ev_item *order = NULL;
	ev_group *g = NULL;
	size_t ng = 0, i, j, start = out->len, budget = env->budget_bytes >= 2048 ? env->budget_bytes : FA2_MAX_OBSERVATION_BYTES;
	size_t lines = 0, skipped = 0, routine = 0, reads = 0, n_linked = 0;
	int section = -1;
	fa2_err e;

	if (n == 0)
		return FA2_OK;
	order = fa2_malloc(n * sizeof *order);
	g = fa2_calloc(n, sizeof *g);
	if (!order || !g || (e = classify(src, env, v, n, order)) != FA2_OK) {
		fa2_free(order);
		fa2_free(g);
		return FA2_ERR_NOMEM;
	}
	qsort(order, n, sizeof *order, key_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && same_group(&order[i], &order[j]); j++)
			;
		g[ng].members = &order[i];
		g[ng].count = j - i;
		g[ng].first = order[i].ev;
		g[ng].last = order[j - 1].ev;
		g[ng].source = order[i].ev->source;
		g[ng].name = order[i].ev->name;
		g[ng].error = order[i].ev->error_code && *order[i].ev->error_code ? order[i].ev->error_code : NULL;
		g[ng].rank = order[i].rank;
		if (g[ng].rank == R_ROUTINE && j - i > 1)
			g[ng].cadence_ms = (g[ng].last->t_ms - g[ng].first->t_ms) / (int64_t)(j - i - 1);
		routine += g[ng].rank == R_ROUTINE ? g[ng].count : 0;
		n_linked += g[ng].rank == R_LINKED ? g[ng].count : 0;
		ng++;
	}
	/* Single calls of a group are listed one by one; repeated ones on one line. */
	qsort(g, ng, sizeof *g, group_cmp);
	if (n_linked) {
		(void)fa2_buf_append_cstr(out, FA2_T(env, "Mutating calls on what the alarm is about (",
						     "アラームの対象 ("));
		for (i = 0; i < src->n_focus; i++)
			(void)fa2_buf_appendf(out, "%s%.120s", i ? ", " : "", src->focus[i]);
		(void)fa2_buf_appendf(out, FA2_T(env, "): %zu, listed first.\n", ") への変更系の呼び出し: %zu 件、先頭に示します。\n"),
				      n_linked);
	}
	if (routine)
		(void)fa2_buf_appendf(out, FA2_T(env, "%zu of them are routine writes (steady over the window), "
						 "counted on one line each below.\n",
						 "うち %zu 件は定常的な書き込み（期間を通じて一定の頻度）で、下にまとめて示します。\n"),
				      routine);
	for (i = 0; i < ng; i++) {
		const ev_group *x = &g[i];
		size_t used = out->len - start;
		if (x->rank != section) {
			static const char *const titles[2][R__COUNT] = {
				{ "mutating calls on the alarm's resources, newest first", "errors",
				  "mutating calls, newest first", "routine writes", "read-only calls, most frequent first" },
				{ "アラームの対象への変更系の呼び出し（新しい順）", "エラー", "変更系の呼び出し（新しい順）",
				  "定常的な書き込み", "読み取り系（多い順）" } };
			if (used + 200 > budget)
				break;
			section = x->rank;
			(void)fa2_buf_appendf(out, "-- %s --\n", titles[env->lang == FA2_LANG_JA][section]);
		}
		if (x->rank == R_READ) {
			if (reads++ >= AUDIT_READS_SHOWN || used + 300 > budget) {
				skipped += x->count;
				continue;
			}
			group_line(env, x, out);
			continue;
		}
		if (used + 600 > budget || lines >= max_lines) {
			skipped += x->count;
			continue;
		}
		if (x->count >= AUDIT_GROUP_MIN || x->rank == R_ROUTINE) {
			group_line(env, x, out);
			lines++;
			continue;
		}
		for (j = x->count; j-- > 0;) {
			if (out->len - start + 600 > budget || lines >= max_lines) {
				skipped += j + 1;
				break;
			}
			event_line(env, x->members[j].ev, x->rank, out);
			lines++;
		}
	}
	for (; i < ng; i++)
		skipped += g[i].count;
	if (skipped)
		(void)fa2_buf_appendf(out, FA2_T(env, "(%zu more events not listed: narrow by eventName, eventSource, "
						 "resourceName or userName)\n",
						 "（他 %zu 件は省略: eventName、eventSource、resourceName、userName で絞ってください）\n"),
				      skipped);
	fa2_free(order);
	fa2_free(g);
	return FA2_OK;
}

static fa2_err audit_exec(void *ctx, const fa2_tool_env *env, const cJSON *input, fa2_buf *out)
{
	static const char *const attrs[] = { "eventName", "eventSource", "resourceName", "userName" };
	fa2_source *src = ctx;
	fa2_src_events_req q;
	fa2_src_events r;
	size_t i, errors = 0, writes = 0;
	char t1[40], t2[40];
	fa2_buf filter;
	fa2_err e;

	memset(&q, 0, sizeof q);
	memset(&r, 0, sizeof r);
	fa2_tr_data_init(&r.own);
	fa2_buf_init(&filter, 2048);
	q.event_name = fa2_json_str(input, "eventName");
	q.event_source = fa2_json_str(input, "eventSource");
	q.resource_name = fa2_json_str(input, "resourceName");
	q.user_name = fa2_json_str(input, "userName");
	q.max_events = (size_t)fa2_tools_int(input, "maxEvents", 500, 1, AUDIT_MAX_EVENTS);
	for (i = 0; i < sizeof attrs / sizeof attrs[0]; i++) {
		const char *v = fa2_json_str(input, attrs[i]);
		if (v && *v)
			(void)fa2_buf_appendf(&filter, " %s=%.200s", attrs[i], v);
	}
	e = src->ops->events(src, env, &q, &r, out);
	if (e)
		goto cleanup;
	for (i = 0; i < r.n; i++) {
		int rank = plain_rank(r.v[i]);
		errors += rank == R_ERROR;
		writes += rank == R_WRITE;
	}
	fa2_tools_time(env->from_ms, t1, sizeof t1);
	fa2_tools_time(env->to_ms, t2, sizeof t2);
	(void)fa2_buf_appendf(out, FA2_T(env, "CloudTrail events%s%s in %s .. %s: %zu events (%zu errors, %zu mutating)%s\n",
					 "CloudTrail イベント%s%s 期間 %s .. %s: %zu 件（エラー %zu、変更系 %zu）%s\n"),
			      src->snap ? FA2_T(env, " (snapshot)", " (スナップショット)") : "",
			      filter.data ? filter.data : "", t1, t2, r.n, errors, writes,
			      r.more ? FA2_T(env, "; more exist than were read: narrow by eventName or resourceName",
					     "。読み切れない分あり: eventName か resourceName で絞ってください") : "");
	if (r.how[0])
		(void)fa2_buf_appendf(out, FA2_T(env, "read: %s\n", "読み込み: %s\n"), r.how);
	if (r.note)
		(void)fa2_buf_appendf(out, FA2_T(env, "Snapshot coverage: %s\n", "スナップショットの網羅状況: %s\n"), r.note);
	e = render_events(src, env, r.v, r.n, q.max_events, out);
cleanup:
	fa2_src_events_cleanup(&r);
	fa2_buf_cleanup(&filter);
	return e;
}

const fa2_tool fa2_audit_log_tool = {
	"audit_log_tool",
	{ "AWS API activity (CloudTrail) in the whole incident window: who changed what. Errors "
	  "first, then mutating calls (newest first, with their parameters), routine periodic "
	  "writes counted on one line, read-only calls counted. Narrow with eventName, "
	  "eventSource, resourceName, userName.",
	  "インシデント期間全体の AWS API 操作 (CloudTrail): 誰が何を変更したか。エラー、変更系の呼び出し"
	  "（新しい順、パラメータ付き）、定常的な書き込み（1 行に集計）、読み取り系（件数）の順に返します。"
	  "eventName、eventSource、resourceName、userName で絞り込めます。" },
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

static fa2_err audit_athena_exec(void *ctx, const fa2_tool_env *env_in, const cJSON *input, fa2_buf *out)
{
	fa2_tool_env envs, *env = &envs;
	fa2_athena_result r;
	fa2_buf sql;
	const char *bad = NULL;
	char t1[40], t2[40];
	size_t i, errors = 0, writes = 0, total = 0, shown = 0;
	long c_time, c_src, c_name, c_pr, c_err, c_msg, c_ro, c_res, c_par, c_tot, c_te, c_tw, c_reg, c_ip;
	fa2_err e;

	fa2_source_env(ctx, env_in, &envs);
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
