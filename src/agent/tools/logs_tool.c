/* logs_tool: the application's logs in the incident window (the configured log groups),
 * written once over the data source (source.h).
 *
 * The source runs the query: live, Logs Insights over the whole window, split at the
 * service's 10,000-row cap (fa2's filter before any limit of the configured
 * cwLogsInsightQuery, @timestamp always returned, a missing log group skipped and
 * named); offline, the snapshot's rows through a Logs Insights subset. The rows are
 * compressed into message templates (src/triage/logtpl.h) with counts, first/last time
 * and examples, within the observation budget: never a raw dump. What matters first:
 * the templates that are new in the window (first seen after its first tenth: what
 * changed, a restart with a new version, an OOM kill, however rare or unlabelled), then
 * those present from the start; most severe, then most frequent, first in each. A stats
 * query gives its aggregate rows instead.
 *
 * A rejected query (MalformedQueryException live, outside the subset offline) with a
 * filter gets exactly one model-assisted repair (env->repair): the model sees the
 * rejected filter and the message and answers with a corrected filter, which is run
 * once. The observation states the original filter, the error, the repaired filter and
 * its results, or that the repair failed too. Never more than one repair per call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/tools/common.h"
#include "agent/tools/tools.h"
#include "base/alloc.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/time.h"
#include "triage/logtpl.h"

#define LOGS_MAX_TEMPLATES_SHOWN 60u
#define LOGS_TEMPLATE_CUT        500u   /* bytes of a template shown in full detail */
#define LOGS_EXAMPLE_CUT         400u
#define LOGS_BRIEF_CUT           120u
#define LOGS_DEFAULT_BUDGET      FA2_MAX_OBSERVATION_BYTES
#define LOGS_AGG_ROWS_SHOWN      240u

static const char schema[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"filter\":{\"type\":\"string\",\"description\":\"Logs Insights filter expression, "
	"e.g. @message like /(?i)error|timeout/ (may continue with stages, e.g. "
	"| stats count(*) by bin(5m))\"},"
	"\"logGroups\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},"
	"\"description\":\"subset of the configured log groups (default: all)\"},"
	"\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":10000,"
	"\"description\":\"only the newest N lines (default: the whole window)\"}},"
	"\"additionalProperties\":false}";

/* New in the window: first seen after its first tenth (at least 5 minutes in). */
static int tpl_new(const fa2_logtpl_info *t, int64_t from_ms, int64_t to_ms)
{
	int64_t lead = (to_ms - from_ms) / 10;
	if (lead < 300000)
		lead = 300000;
	return from_ms > 0 && to_ms > from_ms && t->first_ms != FA2_LOGTPL_NO_TIME && t->first_ms > from_ms + lead;
}

/* A template with its place in the listing. */
typedef struct tpl_item {
	fa2_logtpl_info t;
	int is_new;
} tpl_item;

static int tpl_cmp(const void *a, const void *b)
{
	const tpl_item *xi = a, *yi = b;
	const fa2_logtpl_info *x = &xi->t, *y = &yi->t;
	if (xi->is_new != yi->is_new)
		return yi->is_new - xi->is_new;
	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void render_coverage(const fa2_tool_env *env, const fa2_src_logs_res *res, fa2_buf *out)
{
	size_t i;
	char t1[40], t2[40];
	if (res->partial) {
		if (res->estimated > (double)res->rows)
			(void)fa2_buf_appendf(out, FA2_T(env, "NOT COMPLETE: %zu of about %.0f lines read; not read in full:",
							 "未完了: %zu 行を読み込み（全体は約 %.0f 行）。読み切れなかった範囲:"),
					      res->rows, res->estimated);
		else
			(void)fa2_buf_append_cstr(out, FA2_T(env, "NOT COMPLETE: not read in full:", "未完了: 読み切れなかった範囲:"));
		for (i = 0; i < res->n_ranges; i++) {
			fa2_tools_time(res->ranges[i].from_ms, t1, sizeof t1);
			fa2_tools_time(res->ranges[i].to_ms, t2, sizeof t2);
			(void)fa2_buf_appendf(out, " %s .. %s", t1, t2);
			if (res->ranges[i].missing > 0)
				(void)fa2_buf_appendf(out, FA2_T(env, " (about %.0f lines)", " (約 %.0f 行)"), res->ranges[i].missing);
		}
		(void)fa2_buf_append_cstr(out, res->budget_hit ? FA2_T(env, " (the query budget ran out: narrow the filter "
								       "or the window)\n",
								       " (クエリの予算を使い切りました: filter か期間を絞ってください)\n")
							       : "\n");
		if (res->error_rows)
			(void)fa2_buf_appendf(out, FA2_T(env, "In those parts only error-like lines were read: %zu.\n",
							 "その範囲ではエラーらしい行のみ読み込み: %zu 行。\n"), res->error_rows);
	}
	if (res->limited)
		(void)fa2_buf_appendf(out, FA2_T(env, "Only the newest %zu lines were read (a limit was asked%s).\n",
						 "新しい %zu 行のみ読み込み（limit 指定%s）。\n"),
				      res->rows, res->query_limit ? FA2_T(env, " in the query", ": クエリ内") : "");
	if (res->n_missing) {
		(void)fa2_buf_append_cstr(out, FA2_T(env, "Log groups that do not exist, skipped:", "存在しないため除外したロググループ:"));
		for (i = 0; i < res->n_missing; i++)
			(void)fa2_buf_appendf(out, "%s%s", i ? ", " : " ", res->missing[i]);
		(void)fa2_buf_append_byte(out, '\n');
	}
	if (res->note)
		(void)fa2_buf_appendf(out, FA2_T(env, "Snapshot coverage: %s\n", "スナップショットの網羅状況: %s\n"), res->note);
}

static size_t budget_of(const fa2_tool_env *env)
{
	return env->budget_bytes >= 2048 ? env->budget_bytes : LOGS_DEFAULT_BUDGET;
}

/* See tools.h. */
fa2_err fa2_logs_tool_render(const fa2_tool_env *env, const fa2_logtpl *m, const fa2_src_logs_res *res,
			     fa2_buf *out)
{
	tpl_item *list = NULL;
	fa2_logtpl_stats st;
	size_t n = 0, cursor = 0, i, start = out->len, budget = budget_of(env), brief = 0, n_new = 0;
	int section = -1;
	char t1[40], t2[40];

	fa2_logtpl_stats_get(m, &st);
	list = st.live ? fa2_malloc(st.live * sizeof *list) : NULL;
	if (st.live && !list)
		return FA2_ERR_NOMEM;
	while (n < st.live && fa2_logtpl_next(m, &cursor, &list[n].t)) {
		list[n].is_new = tpl_new(&list[n].t, env->from_ms, env->to_ms);
		n_new += list[n].is_new != 0;
		n++;
	}
	qsort(list, n, sizeof *list, tpl_cmp);
	fa2_tools_time(env->from_ms, t1, sizeof t1);
	fa2_tools_time(env->to_ms, t2, sizeof t2);
	(void)fa2_buf_appendf(out, FA2_T(env, "Logs Insights query%s: %s\nwindow %s .. %s, %zu lines, %zu templates "
					 "(most severe, then most frequent, first)\n",
					 "Logs Insights クエリ%s: %s\n期間 %s .. %s、%zu 行、%zu テンプレート（重大度、件数の順）\n"),
			      res->snapshot ? FA2_T(env, " (snapshot)", " (スナップショット)") : "",
			      res->query && res->query->data ? res->query->data : "", t1, t2, res->rows, n);
	render_coverage(env, res, out);
	if (n_new && n_new < n)
		(void)fa2_buf_appendf(out, FA2_T(env, "%zu templates first appear after the window's start (new): listed first.\n",
						 "%zu テンプレートは期間の始まりより後に初めて現れたもの（新規）で、先頭に示します。\n"),
				      n_new);
	for (i = 0; i < n && i < LOGS_MAX_TEMPLATES_SHOWN; i++) {
		const fa2_logtpl_info *t = &list[i].t;
		size_t used = out->len - start, k;
		int wild = memchr(t->text.ptr, '*', t->text.len) != NULL;
		if (used + 300 > budget)
			break;
		if (n_new && n_new < n && list[i].is_new != section) {
			section = list[i].is_new;
			(void)fa2_buf_append_cstr(out, section ? FA2_T(env, "\n-- new in the window --\n", "\n-- 期間内に新たに現れたもの --\n")
							       : FA2_T(env, "\n-- present from the window's start --\n",
								       "\n-- 期間の始まりからあるもの --\n"));
		}
		fa2_tools_time(t->first_ms, t1, sizeof t1);
		fa2_tools_time(t->last_ms, t2, sizeof t2);
		if (used + 2500 > budget) {
			/* Near the budget: one line each, so that every template is at least named. */
			(void)fa2_buf_appendf(out, "[%s] x%llu %s: ", fa2_logtpl_sev_name(t->severity),
					      (unsigned long long)t->count, t1);
			(void)fa2_tools_append_cut(out, t->text.ptr, t->text.len, LOGS_BRIEF_CUT);
			(void)fa2_buf_append_byte(out, '\n');
			brief++;
			continue;
		}
		(void)fa2_buf_appendf(out, "\n[%s] x%llu  %s .. %s\n  ", fa2_logtpl_sev_name(t->severity),
				      (unsigned long long)t->count, t1, t2);
		(void)fa2_tools_append_cut(out, t->text.ptr, t->text.len, LOGS_TEMPLATE_CUT);
		(void)fa2_buf_append_byte(out, '\n');
		/* Examples add what the template masked (<*>) or cut. */
		for (k = 0; k < t->n_examples && k < 2 && (wild || t->text.len > LOGS_TEMPLATE_CUT); k++) {
			(void)fa2_buf_append_cstr(out, "  e.g. ");
			(void)fa2_tools_append_cut(out, t->examples[k].ptr, t->examples[k].len, LOGS_EXAMPLE_CUT);
			(void)fa2_buf_append_byte(out, '\n');
		}
	}
	if (n > i)
		(void)fa2_buf_appendf(out, FA2_T(env, "\n(%zu more templates not shown: narrow the filter)\n",
						 "\n（他 %zu テンプレート省略: filter で絞ってください）\n"), n - i);
	(void)brief;
	fa2_free(list);
	return FA2_OK;
}

/* ---- consuming rows ---- */

typedef struct rows_ctx {
	const fa2_tool_env *env;
	fa2_logtpl *m;
	uint64_t lines;
	fa2_buf *agg;           /* aggregate rows, rendered as they come */
	size_t agg_rows, agg_shown;
} rows_ctx;

static fa2_err agg_row(rows_ctx *c, const fa2_src_row *r)
{
	size_t i;
	fa2_err e = FA2_OK;
	if (c->agg_rows++ == 0) {
		for (i = 0; i < r->n_fields && !e; i++)
			e = fa2_buf_appendf(c->agg, "%s%s", i ? ", " : "", r->fields[i].name);
		if (!e)
			e = fa2_buf_append_byte(c->agg, '\n');
	}
	if (e || c->agg_shown >= LOGS_AGG_ROWS_SHOWN || c->agg->len > budget_of(c->env) - 600)
		return e;
	c->agg_shown++;
	for (i = 0; i < r->n_fields && !e; i++) {
		const char *v = r->fields[i].value ? r->fields[i].value : "";
		if (i)
			e = fa2_buf_append_cstr(c->agg, "  ");
		if (!e && strncmp(r->fields[i].name, "bin(", 4) == 0 && fa2_logs_parse_ts(v) != FA2_LOGS_NO_TIME) {
			char t[40];
			fa2_tools_time(fa2_logs_parse_ts(v), t, sizeof t);
			e = fa2_buf_append_cstr(c->agg, t);
		} else if (!e) {
			e = fa2_tools_append_cut(c->agg, v, strlen(v), 200);
		}
	}
	return e ? e : fa2_buf_append_byte(c->agg, '\n');
}

static fa2_err on_row(void *ctx, const fa2_src_row *r)
{
	rows_ctx *c = ctx;
	if (!r->msg.ptr)
		return agg_row(c, r);
	c->lines++;
	return fa2_logtpl_feed(c->m, r->msg, r->t_ms == FA2_LOGS_NO_TIME ? FA2_LOGTPL_NO_TIME : r->t_ms, c->lines, NULL);
}

/* One run of the query over groups: rows mined (or aggregates collected) and the
 * observation appended to out. A rejection is returned as FA2_ERR_INVALID with
 * res->malformed set and nothing appended. */
static fa2_err run_once(fa2_source *src, const fa2_tool_env *env, const char *const *groups, size_t n_groups,
			const char *filter, size_t limit, fa2_buf *query, fa2_src_logs_res *res, fa2_buf *out)
{
	fa2_src_logs_req q;
	rows_ctx c;
	fa2_buf agg, body;
	fa2_err e;

	memset(res, 0, sizeof *res);
	res->query = query;
	res->estimated = -1;
	fa2_buf_reset(query);
	memset(&c, 0, sizeof c);
	fa2_buf_init(&agg, FA2_TOOL_MAX_RAW_BYTES);
	fa2_buf_init(&body, FA2_TOOL_MAX_RAW_BYTES);
	c.env = env;
	c.agg = &agg;
	e = fa2_logtpl_new(NULL, &c.m);
	if (e)
		goto cleanup;
	memset(&q, 0, sizeof q);
	q.groups = groups;
	q.n_groups = n_groups;
	q.filter = filter && *filter ? filter : NULL;
	q.limit = limit;
	q.on_row = on_row;
	q.ctx = &c;
	e = src->ops->logs(src, env, &q, res, &body);
	if (e) {
		(void)fa2_buf_append(out, body.data ? body.data : "", body.len);
		goto cleanup;
	}
	if (res->aggregate) {
		char t1[40], t2[40];
		fa2_tools_time(env->from_ms, t1, sizeof t1);
		fa2_tools_time(env->to_ms, t2, sizeof t2);
		(void)fa2_buf_appendf(out, FA2_T(env, "Logs Insights query%s: %s\nwindow %s .. %s, %zu result rows",
						 "Logs Insights クエリ%s: %s\n期間 %s .. %s、結果 %zu 行"),
				      res->snapshot ? FA2_T(env, " (snapshot)", " (スナップショット)") : "",
				      query->data ? query->data : "", t1, t2, c.agg_rows);
		if (res->estimated >= 0)
			(void)fa2_buf_appendf(out, FA2_T(env, " over %.0f matching lines", "（該当 %.0f 行から集計）"), res->estimated);
		(void)fa2_buf_append_byte(out, '\n');
		render_coverage(env, res, out);
		(void)fa2_buf_append(out, agg.data ? agg.data : "", agg.len);
		if (c.agg_rows > c.agg_shown)
			(void)fa2_buf_appendf(out, FA2_T(env, "(%zu more rows not shown: use a wider bin or a narrower filter)\n",
							 "（他 %zu 行省略: bin を広げるか filter を絞ってください）\n"),
					      c.agg_rows - c.agg_shown);
		goto cleanup;
	}
	e = fa2_logtpl_finish(c.m);
	if (!e)
		e = fa2_logs_tool_render(env, c.m, res, out);
cleanup:
	fa2_logtpl_free(c.m);
	fa2_buf_cleanup(&agg);
	fa2_buf_cleanup(&body);
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
	fa2_source *src = ctx;
	const char *filter = fa2_json_str(input, "filter");
	const cJSON *asked = cJSON_GetObjectItemCaseSensitive(input, "logGroups"), *a;
	const char *const *avail;
	const char *sel[FA2_LOGS_MAX_GROUPS], *unknown[FA2_LOGS_MAX_GROUPS];
	size_t n_avail = 0, n_sel = 0, n_unknown = 0, i, limit;
	fa2_src_logs_res res;
	fa2_buf q, fixed, first;
	fa2_err e, re;

	fa2_buf_init(&q, 4u * FA2_LOGS_MAX_QUERY);
	fa2_buf_init(&fixed, 8192);
	fa2_buf_init(&first, FA2_TOOL_MAX_RAW_BYTES);
	limit = (size_t)fa2_tools_int(input, "limit", 0, 0, 10000);
	avail = src->ops->log_groups(src, &n_avail);
	if (cJSON_IsArray(asked) && cJSON_GetArraySize(asked) > 0) {
		cJSON_ArrayForEach(a, asked) {
			int found = n_avail == 0;
			if (!cJSON_IsString(a) || !*a->valuestring)
				continue;
			for (i = 0; i < n_avail && !found; i++)
				found = strcmp(avail[i], a->valuestring) == 0;
			if (found && n_sel < FA2_LOGS_MAX_GROUPS)
				sel[n_sel++] = a->valuestring;
			else if (!found && n_unknown < FA2_LOGS_MAX_GROUPS)
				unknown[n_unknown++] = a->valuestring;
		}
	} else {
		for (i = 0; i < n_avail && n_sel < FA2_LOGS_MAX_GROUPS; i++)
			sel[n_sel++] = avail[i];
	}
	if (n_sel == 0 && (n_avail > 0 || n_unknown > 0)) {
		(void)fa2_buf_append_cstr(out, FA2_T(env, "none of the asked log groups is available; available: ",
						     "指定のロググループはありません。利用できるもの: "));
		for (i = 0; i < n_avail; i++)
			(void)fa2_buf_appendf(out, "%s%s", i ? ", " : "", avail[i]);
		(void)fa2_buf_append_byte(out, '\n');
		e = FA2_ERR_INVALID;
		goto cleanup;
	}
	if (n_sel == 0 && !src->snap) {
		(void)fa2_buf_append_cstr(out, FA2_T(env, "no log groups are configured (cwLogsLogGroups)\n",
						     "ロググループが設定されていません (cwLogsLogGroups)\n"));
		e = FA2_ERR_CONFIG;
		goto cleanup;
	}
	if (n_unknown) {
		(void)fa2_buf_append_cstr(out, FA2_T(env, "Not among the log groups, skipped:", "対象外のため除外したロググループ:"));
		for (i = 0; i < n_unknown; i++)
			(void)fa2_buf_appendf(out, "%s%s", i ? ", " : " ", unknown[i]);
		(void)fa2_buf_append_byte(out, '\n');
	}
	e = run_once(src, env, sel, n_sel, filter, limit, &q, &res, &first);
	if (!(e == FA2_ERR_INVALID && res.malformed)) {
		(void)fa2_buf_append(out, first.data ? first.data : "", first.len);
		goto cleanup;
	}
	/* Rejected: one model-assisted repair of the model's filter, run once. Not offline:
	 * there the rejection is the subset's (the message lists it), which the model fixes
	 * better itself on its next call than a Logs Insights repair would. */
	if (!filter || !*filter || !env->repair || res.snapshot) {
		(void)fa2_buf_appendf(out, FA2_T(env,
			"The query was rejected (%s: %s); repair the filter (Logs Insights syntax) and call "
			"logs_tool again. Query sent: %s\n",
			"クエリが拒否されました (%s: %s)。filter を Logs Insights の構文で直して logs_tool を再度呼んでください。送信したクエリ: %s\n"),
			res.code, res.message, q.data ? q.data : "");
		goto cleanup;
	}
	(void)fa2_buf_appendf(out, FA2_T(env,
		"The filter was rejected and was repaired once with the model's help.\n"
		"Original filter: %s\nError: %s: %s\n",
		"filter が拒否されたため、モデルの助けを借りて 1 回だけ修正しました。\n"
		"元の filter: %s\nエラー: %s: %s\n"), filter, res.code, res.message);
	re = env->repair(env->repair_ctx, "logs_tool", LOGS_SYNTAX, filter, res.message, env->deadline_mono_ms, &fixed);
	if (re || !*strip_filter_word(fixed.data ? fixed.data : "")) {
		(void)fa2_buf_appendf(out, FA2_T(env,
			"The repair failed (%s); repair the filter yourself and call logs_tool again. Query sent: %s\n",
			"修正に失敗しました (%s)。filter を直して logs_tool を再度呼んでください。送信したクエリ: %s\n"),
			re ? fa2_err_str(re) : FA2_T(env, "empty answer", "空の回答"), q.data ? q.data : "");
		goto cleanup;
	}
	{
		const char *nf = strip_filter_word(fixed.data);
		(void)fa2_buf_appendf(out, FA2_T(env, "Repaired filter: %s\n\n", "修正後の filter: %s\n\n"), nf);
		fa2_buf_reset(&first);
		e = run_once(src, env, sel, n_sel, nf, limit, &q, &res, &first);
		if (e == FA2_ERR_INVALID && res.malformed)
			(void)fa2_buf_appendf(out, FA2_T(env,
				"The repaired filter was rejected too (%s: %s); no further repair is tried. "
				"Fix the filter and call logs_tool again. Query sent: %s\n",
				"修正後の filter も拒否されました (%s: %s)。これ以上の修正は行いません。"
				"filter を直して logs_tool を再度呼んでください。送信したクエリ: %s\n"),
				res.code, res.message, q.data ? q.data : "");
		else
			(void)fa2_buf_append(out, first.data ? first.data : "", first.len);
	}
cleanup:
	fa2_buf_cleanup(&q);
	fa2_buf_cleanup(&fixed);
	fa2_buf_cleanup(&first);
	return e;
}

const fa2_tool fa2_logs_tool = {
	"logs_tool",
	{ "Search the application's CloudWatch Logs (the configured log groups) in the incident "
	  "window with Logs Insights. Reads the whole window and returns message templates with "
	  "counts, first/last time and examples, errors first. Give a filter to narrow (Logs "
	  "Insights filter syntax); a stats stage returns counts instead.",
	  "設定されたロググループ (CloudWatch Logs) をインシデント期間全体について Logs Insights で検索します。"
	  "メッセージのテンプレートを件数・最初と最後の時刻・例とともに、エラーを先頭に返します。"
	  "filter (Logs Insights の filter 構文) で絞り込めます。stats を続けると件数を返します。" },
	{ "narrow the filter (e.g. @message like /ERROR/) or ask for fewer log groups",
	  "filter を絞る (例: @message like /ERROR/) か、ロググループを減らしてください" },
	schema, logs_exec, NULL
};
