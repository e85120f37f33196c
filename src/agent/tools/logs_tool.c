/* logs_tool: CloudWatch Logs Insights over the configured log groups (cwLogsLogGroups).
 *
 * StartQuery with the incident window in epoch SECONDS and the configured
 * cwLogsInsightQuery (or a default that returns @timestamp and @message), plus the
 * model's filter appended as "| filter <expr>"; GetQueryResults is polled until the query
 * ends or the tool's deadline (then StopQuery). The rows are compressed into message
 * templates (src/triage/logtpl.h) with counts, first/last time and examples, errors
 * first: never a raw dump. @timestamp is accepted as "YYYY-MM-DD HH:MM:SS.mmm" (UTC, what
 * Insights returns) or epoch milliseconds.
 *
 * A MalformedQueryException on a query with a filter gets exactly one model-assisted
 * repair (env->repair): the model sees the rejected filter and the service's message and
 * answers with a corrected filter only, which is run once. The observation states the
 * original filter, the error, the repaired filter and its results, or that the repair
 * failed too (then the model can still fix the filter itself on its next call). Never
 * more than one repair per call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/config.h"
#include "agent/tools/common.h"
#include "agent/tools/tools.h"
#include "base/alloc.h"
#include "base/json.h"
#include "base/time.h"
#include "triage/logtpl.h"

#define LOGS_MAX_TEMPLATES_SHOWN 40u
#define LOGS_POLL_MS 300

static const char schema[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"filter\":{\"type\":\"string\",\"description\":\"Logs Insights filter expression, "
	"e.g. @message like /(?i)error|timeout/\"},"
	"\"logGroups\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},"
	"\"description\":\"subset of the configured log groups (default: all)\"},"
	"\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":10000}},"
	"\"additionalProperties\":false}";

/* @timestamp: "YYYY-MM-DD HH:MM:SS.mmm" (UTC) or epoch ms digits. */
int64_t fa2_logs_tool_parse_ts(const char *s)
{
	uint64_t ms;
	int64_t out;
	size_t n;
	char iso[40];
	if (!s || !*s)
		return FA2_LOGTPL_NO_TIME;
	n = strlen(s);
	if (fa2_parse_u64(fa2_slice_make(s, n), &ms) == FA2_OK && ms < 100000000000000ull)
		return (int64_t)ms;
	if (n < 19 || n >= sizeof iso - 2)
		return FA2_LOGTPL_NO_TIME;
	memcpy(iso, s, n + 1);
	if (iso[10] == ' ')
		iso[10] = 'T';
	iso[n] = 'Z';
	iso[n + 1] = '\0';
	if (fa2_time_parse(fa2_slice_cstr(iso), 0, 0, &out) != FA2_OK)
		return FA2_LOGTPL_NO_TIME;
	return out;
}

static int tpl_cmp(const void *a, const void *b)
{
	const fa2_logtpl_info *x = a, *y = b;
	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* See tools.h. */
fa2_err fa2_logs_tool_render(const fa2_tool_env *env, const fa2_logtpl *m, const char *query, int snapshot,
			     unsigned long long rows, int capped, fa2_buf *out)
{
	fa2_logtpl_info *list = NULL;
	fa2_logtpl_stats st;
	size_t n = 0, cursor = 0, i;
	char t1[40], t2[40];

	fa2_logtpl_stats_get(m, &st);
	list = st.live ? fa2_malloc(st.live * sizeof *list) : NULL;
	if (st.live && !list)
		return FA2_ERR_NOMEM;
	while (n < st.live && fa2_logtpl_next(m, &cursor, &list[n]))
		n++;
	qsort(list, n, sizeof *list, tpl_cmp);
	fa2_tools_time(env->from_ms, t1, sizeof t1);
	fa2_tools_time(env->to_ms, t2, sizeof t2);
	(void)fa2_buf_appendf(out, FA2_T(env, "Logs Insights query%s: %s\nwindow %s .. %s, %llu lines, %zu templates%s\n",
					 "Logs Insights クエリ%s: %s\n期間 %s .. %s、%llu 行、%zu テンプレート%s\n"),
			      snapshot ? FA2_T(env, " (snapshot)", " (スナップショット)") : "", query, t1, t2, rows, n,
			      capped ? FA2_T(env, " (result cap reached: narrow the filter)",
					     "（結果の上限に到達: filter で絞り込んでください）") : "");
	for (i = 0; i < n && i < LOGS_MAX_TEMPLATES_SHOWN; i++) {
		const fa2_logtpl_info *t = &list[i];
		size_t k;
		fa2_tools_time(t->first_ms, t1, sizeof t1);
		fa2_tools_time(t->last_ms, t2, sizeof t2);
		(void)fa2_buf_appendf(out, "\n[%s] x%llu  %s .. %s\n  %.*s\n", fa2_logtpl_sev_name(t->severity),
				      (unsigned long long)t->count, t1, t2, (int)(t->text.len > 400 ? 400 : t->text.len),
				      t->text.ptr);
		for (k = 0; k < t->n_examples && k < 2; k++)
			(void)fa2_buf_appendf(out, "  e.g. %.*s\n",
					      (int)(t->examples[k].len > 300 ? 300 : t->examples[k].len),
					      t->examples[k].ptr);
	}
	if (n > LOGS_MAX_TEMPLATES_SHOWN)
		(void)fa2_buf_appendf(out, FA2_T(env, "\n(%zu more templates not shown)\n", "\n（他 %zu テンプレート省略）\n"),
				      n - LOGS_MAX_TEMPLATES_SHOWN);
	fa2_free(list);
	return FA2_OK;
}

static fa2_err build_query(const fa2_tool_env *env, const cJSON *input, const char *filter,
			   fa2_buf *q)
{
	const char *base = env->cfg && env->cfg->insight_query && *env->cfg->insight_query
				   ? env->cfg->insight_query : NULL;
	long limit = fa2_tools_int(input, "limit", 10000, 1, 10000);
	fa2_err e = fa2_buf_append_cstr(q, base ? base : "fields @timestamp, @message");
	if (!e && filter && *filter)
		e = fa2_buf_appendf(q, " | filter %s", filter);
	if (!e && !base)
		e = fa2_buf_append_cstr(q, " | sort @timestamp desc");
	if (!e && !(base && strstr(base, "limit ")))
		e = fa2_buf_appendf(q, " | limit %ld", limit);
	return e;
}

/* Feeds the rows of a GetQueryResults reply to the miner. */
static fa2_err feed_rows(fa2_logtpl *m, const cJSON *results, uint64_t *rows)
{
	const cJSON *row;
	fa2_err e = FA2_OK;
	cJSON_ArrayForEach(row, results) {
		const cJSON *f;
		const char *msg = NULL, *ts = NULL;
		cJSON_ArrayForEach(f, row) {
			const char *name = fa2_json_str(f, "field"), *val = fa2_json_str(f, "value");
			if (!name || !val)
				continue;
			if (strcmp(name, "@message") == 0)
				msg = val;
			else if (strcmp(name, "@timestamp") == 0)
				ts = val;
		}
		if (!msg)
			continue;
		(*rows)++;
		e = fa2_logtpl_feed(m, fa2_slice_cstr(msg), fa2_logs_tool_parse_ts(ts), *rows, NULL);
		if (e)
			break;
	}
	return e;
}

static int is_malformed(fa2_err e, const fa2_aws_error *err)
{
	return e == FA2_ERR_AWS && (strcmp(err->code, "MalformedQueryException") == 0 ||
				    strcmp(err->code, "InvalidParameterException") == 0);
}

/* One Logs Insights query over groups (a JSON array, copied) in the window: StartQuery,
 * polling, template mining and the summary appended to out. A service error of
 * StartQuery is returned with *err filled (the line naming it is appended to out). */
static fa2_err run_query(const fa2_tool_env *env, const cJSON *groups, const char *qstr,
			 fa2_buf *out, fa2_aws_error *err)
{
	cJSON *req = NULL, *rep = NULL;
	fa2_logtpl *m = NULL;
	char query_id[128] = "";
	const char *status = "";
	uint64_t rows = 0;
	fa2_err e = FA2_ERR_NOMEM;
	int done = 0;

	memset(err, 0, sizeof *err);
	req = cJSON_CreateObject();
	if (!req || !cJSON_AddItemToObject(req, "logGroupNames", cJSON_Duplicate(groups, 1)) ||
	    !cJSON_AddNumberToObject(req, "startTime", (double)(env->from_ms / 1000)) ||
	    !cJSON_AddNumberToObject(req, "endTime", (double)((env->to_ms + 999) / 1000)) ||
	    !cJSON_AddStringToObject(req, "queryString", qstr))
		goto cleanup;
	e = fa2_tools_aws_call(env, "logs", "StartQuery", req, &rep, out, err);
	if (e)
		goto cleanup;
	if (!fa2_json_str(rep, "queryId")) {
		(void)fa2_buf_append_cstr(out, "logs StartQuery: no queryId in the reply\n");
		e = FA2_ERR_PARSE;
		goto cleanup;
	}
	snprintf(query_id, sizeof query_id, "%s", fa2_json_str(rep, "queryId"));
	cJSON_Delete(rep);
	rep = NULL;
	cJSON_Delete(req);
	req = cJSON_CreateObject();
	if (!req || !cJSON_AddStringToObject(req, "queryId", query_id)) {
		e = FA2_ERR_NOMEM;
		goto cleanup;
	}
	while (!done) {
		e = fa2_tools_aws_call(env, "logs", "GetQueryResults", req, &rep, out, NULL);
		if (e)
			goto stop;
		status = fa2_json_str(rep, "status");
		if (status && (strcmp(status, "Complete") == 0 || strcmp(status, "Failed") == 0 ||
			       strcmp(status, "Cancelled") == 0 || strcmp(status, "Timeout") == 0)) {
			done = 1;
			break;
		}
		if (env->deadline_mono_ms && fa2_time_mono_ms() + LOGS_POLL_MS + 1000 >= env->deadline_mono_ms) {
			e = FA2_ERR_TIMEOUT;
			goto stop;
		}
		cJSON_Delete(rep);
		rep = NULL;
		fa2_time_sleep_ms(LOGS_POLL_MS);
	}
	if (strcmp(status, "Complete") != 0) {
		(void)fa2_buf_appendf(out, "logs query %s: %s\n", query_id, status);
		e = FA2_ERR_AWS;
		goto cleanup;
	}
	e = fa2_logtpl_new(NULL, &m);
	if (!e)
		e = feed_rows(m, cJSON_GetObjectItemCaseSensitive(rep, "results"), &rows);
	if (!e)
		e = fa2_logtpl_finish(m);
	if (e)
		goto cleanup;
	e = fa2_logs_tool_render(env, m, qstr, 0, (unsigned long long)rows, rows >= 10000, out);
	goto cleanup;
stop:
	/* Deadline or polling failure: do not leave the query running. */
	if (query_id[0]) {
		cJSON *stop_rep = NULL;
		fa2_tool_env late = *env;
		late.deadline_mono_ms = fa2_time_mono_ms() + 5000;
		(void)fa2_tools_aws_call(&late, "logs", "StopQuery", req, &stop_rep, out, NULL);
		cJSON_Delete(stop_rep);
		(void)fa2_buf_appendf(out, FA2_T(env, "the query did not finish in time and was stopped; "
						 "narrow the window or the filter\n",
						 "クエリが時間内に終わらなかったため停止しました。期間か filter を絞ってください\n"));
	}
cleanup:
	fa2_logtpl_free(m);
	cJSON_Delete(rep);
	cJSON_Delete(req);
	return e;
}

#define LOGS_SYNTAX "CloudWatch Logs Insights filter expression (what follows the filter command)"

/* A repaired filter written as a whole command ("filter x", "| filter x"): keep x. */
static const char *strip_filter_word(const char *s)
{
	while (*s == ' ' || *s == '|')
		s++;
	if (strncmp(s, "filter ", 7) == 0)
		s += 7;
	while (*s == ' ')
		s++;
	return s;
}

static fa2_err logs_exec(void *ctx, const fa2_tool_env *env, const cJSON *input, fa2_buf *out)
{
	const fa2_config *cfg = env->cfg;
	cJSON *groups = NULL;
	const cJSON *asked;
	const char *filter = fa2_json_str(input, "filter");
	fa2_buf q, first, fixed;
	fa2_aws_error err;
	size_t i;
	fa2_err e = FA2_ERR_NOMEM, re;

	(void)ctx;
	fa2_buf_init(&q, 16384);
	fa2_buf_init(&first, FA2_TOOL_MAX_RAW_BYTES);
	fa2_buf_init(&fixed, 8192);
	if (!cfg || cfg->n_log_groups == 0) {
		(void)fa2_buf_append_cstr(out, FA2_T(env, "no log groups are configured (cwLogsLogGroups)\n",
						     "ロググループが設定されていません (cwLogsLogGroups)\n"));
		e = FA2_ERR_CONFIG;
		goto cleanup;
	}
	if (build_query(env, input, filter, &q))
		goto cleanup;
	groups = cJSON_CreateArray();
	if (!groups)
		goto cleanup;
	asked = cJSON_GetObjectItemCaseSensitive(input, "logGroups");
	for (i = 0; i < cfg->n_log_groups; i++) {
		int want = !cJSON_IsArray(asked) || cJSON_GetArraySize(asked) == 0;
		const cJSON *a;
		cJSON_ArrayForEach(a, asked) {
			if (cJSON_IsString(a) && strcmp(a->valuestring, cfg->log_groups[i]) == 0)
				want = 1;
		}
		if (want && !cJSON_AddItemToArray(groups, cJSON_CreateString(cfg->log_groups[i])))
			goto cleanup;
	}
	if (cJSON_GetArraySize(groups) == 0) {
		(void)fa2_buf_append_cstr(out, FA2_T(env, "none of the asked log groups is configured; configured: ",
						     "指定のロググループは設定にありません。設定済み: "));
		for (i = 0; i < cfg->n_log_groups; i++)
			(void)fa2_buf_appendf(out, "%s%s", i ? ", " : "", cfg->log_groups[i]);
		(void)fa2_buf_append_byte(out, '\n');
		e = FA2_ERR_INVALID;
		goto cleanup;
	}
	e = run_query(env, groups, q.data, &first, &err);
	if (!is_malformed(e, &err)) {
		(void)fa2_buf_append(out, first.data ? first.data : "", first.len);
		goto cleanup;
	}
	/* Rejected: one model-assisted repair of the model's filter, run once. */
	if (!filter || !*filter || !env->repair) {
		(void)fa2_buf_appendf(out, FA2_T(env,
			"The query was rejected (%s: %s); repair the filter (Logs Insights syntax) and call "
			"logs_tool again. Query sent: %s\n",
			"クエリが拒否されました (%s: %s)。filter を Logs Insights の構文で直して logs_tool を再度呼んでください。送信したクエリ: %s\n"),
			err.code, err.message, q.data);
		goto cleanup;
	}
	(void)fa2_buf_appendf(out, FA2_T(env,
		"The filter was rejected by Logs Insights and was repaired once with the model's help.\n"
		"Original filter: %s\nError: %s: %s\n",
		"filter が Logs Insights に拒否されたため、モデルの助けを借りて 1 回だけ修正しました。\n"
		"元の filter: %s\nエラー: %s: %s\n"), filter, err.code, err.message);
	re = env->repair(env->repair_ctx, "logs_tool", LOGS_SYNTAX, filter, err.message,
			 env->deadline_mono_ms, &fixed);
	if (re || !*strip_filter_word(fixed.data ? fixed.data : "")) {
		(void)fa2_buf_appendf(out, FA2_T(env,
			"The repair failed (%s); repair the filter yourself and call logs_tool again. Query sent: %s\n",
			"修正に失敗しました (%s)。filter を直して logs_tool を再度呼んでください。送信したクエリ: %s\n"),
			re ? fa2_err_str(re) : FA2_T(env, "empty answer", "空の回答"), q.data);
		goto cleanup;
	}
	{
		const char *nf = strip_filter_word(fixed.data);
		fa2_buf_reset(&q);
		(void)fa2_buf_appendf(out, FA2_T(env, "Repaired filter: %s\n\n", "修正後の filter: %s\n\n"), nf);
		if (build_query(env, input, nf, &q)) {
			e = FA2_ERR_NOMEM;
			goto cleanup;
		}
		fa2_buf_reset(&first);
		e = run_query(env, groups, q.data, &first, &err);
		if (e && is_malformed(e, &err))
			(void)fa2_buf_appendf(out, FA2_T(env,
				"The repaired filter was rejected too (%s: %s); no further repair is tried. "
				"Fix the filter and call logs_tool again. Query sent: %s\n",
				"修正後の filter も拒否されました (%s: %s)。これ以上の修正は行いません。"
				"filter を直して logs_tool を再度呼んでください。送信したクエリ: %s\n"),
				err.code, err.message, q.data);
		else
			(void)fa2_buf_append(out, first.data ? first.data : "", first.len);
	}
cleanup:
	cJSON_Delete(groups);
	fa2_buf_cleanup(&q);
	fa2_buf_cleanup(&first);
	fa2_buf_cleanup(&fixed);
	return e;
}

const fa2_tool fa2_logs_tool = {
	"logs_tool",
	{ "Search the application's CloudWatch Logs (the configured log groups) in the incident "
	  "window with Logs Insights. Returns message templates with counts, first/last time and "
	  "examples, errors first. Give a filter to narrow (Logs Insights filter syntax).",
	  "設定されたロググループ (CloudWatch Logs) をインシデント期間で Logs Insights により検索します。"
	  "メッセージのテンプレートを件数・最初と最後の時刻・例とともに、エラーを先頭に返します。"
	  "filter (Logs Insights の filter 構文) で絞り込めます。" },
	{ "narrow the filter (e.g. @message like /ERROR/) or ask for fewer log groups",
	  "filter を絞る (例: @message like /ERROR/) か、ロググループを減らしてください" },
	schema, logs_exec, NULL
};
