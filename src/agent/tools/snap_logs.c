/* logs_tool over a snapshot's log events: the model's filter is evaluated with the Logs
 * Insights subset of snap_query.c over the lines inside the incident window (and the asked
 * log groups); the matching rows (newest first unless sort asc, at most limit, default
 * 10,000 like the service) are compressed into message templates exactly as the AWS tool
 * does (errors first, counts, first/last time, examples). stats count(*) [by bin(...) |
 * by FIELD] returns counts instead. A query outside the subset is an error observation
 * that lists the subset, so that the model repairs it on the next call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/tools/common.h"
#include "agent/tools/snap.h"
#include "agent/tools/tools.h"
#include "base/alloc.h"
#include "base/json.h"
#include "triage/logtpl.h"

#define SNAP_LOGS_SHOWN      40u
#define SNAP_LOGS_BINS_SHOWN 240u
#define SNAP_LOGS_KEYS_SHOWN 50u
#define SNAP_LOGS_MAX_KEYS   1000u

static int group_wanted(const cJSON *asked, const char *group)
{
	const cJSON *a;
	if (!cJSON_IsArray(asked) || cJSON_GetArraySize(asked) == 0)
		return 1;
	cJSON_ArrayForEach(a, asked)
		if (cJSON_IsString(a) && group && strcmp(a->valuestring, group) == 0)
			return 1;
	return 0;
}

typedef struct keycount {
	char key[160];
	size_t count;
} keycount;

static int key_cmp(const void *a, const void *b)
{
	const keycount *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->key, y->key);
}

static fa2_err render_stats(const fa2_tool_env *env, const fa2_snapq *q, const fa2_tr_data *d,
			    const size_t *idx, size_t n, const char *query, fa2_buf *out)
{
	char t1[40], t2[40];
	size_t i;
	fa2_tools_time(env->from_ms, t1, sizeof t1);
	fa2_tools_time(env->to_ms, t2, sizeof t2);
	(void)fa2_buf_appendf(out, FA2_T(env, "Logs Insights query (snapshot): %s\nwindow %s .. %s, %zu matching lines\n",
					 "Logs Insights クエリ (スナップショット): %s\n期間 %s .. %s、該当 %zu 行\n"),
			      query, t1, t2, n);
	if (fa2_snapq_stats(q) == FA2_SNAPQ_STATS_BIN) {
		int64_t bin = fa2_snapq_bin_ms(q), cur = 0;
		size_t cnt = 0, shown = 0, bins = 0;
		(void)fa2_buf_append_cstr(out, FA2_T(env, "bin start, count(*) (bins without lines omitted)\n",
						     "ビン開始時刻, count(*)（0 件のビンは省略）\n"));
		for (i = 0; i <= n; i++) {
			int64_t b = i < n ? d->lines[idx[i]].t_ms - ((d->lines[idx[i]].t_ms % bin) + bin) % bin : 0;
			if (i < n && cnt && b == cur) {
				cnt++;
				continue;
			}
			if (cnt) {
				bins++;
				if (shown < SNAP_LOGS_BINS_SHOWN) {
					fa2_tools_time(cur, t1, sizeof t1);
					(void)fa2_buf_appendf(out, "%s  %zu\n", t1, cnt);
					shown++;
				}
			}
			cur = b;
			cnt = 1;
		}
		if (bins > shown)
			(void)fa2_buf_appendf(out, FA2_T(env, "(%zu more bins not shown: use a wider bin)\n",
							 "（他 %zu ビン省略: bin を広げてください）\n"), bins - shown);
		return FA2_OK;
	}
	if (fa2_snapq_stats(q) == FA2_SNAPQ_STATS_FIELD) {
		keycount *keys = fa2_calloc(SNAP_LOGS_MAX_KEYS, sizeof *keys);
		size_t nk = 0, other = 0, missing = 0, k;
		if (!keys)
			return FA2_ERR_NOMEM;
		for (i = 0; i < n; i++) {
			char v[160];
			if (!fa2_snapq_field(&d->lines[idx[i]], fa2_snapq_by_field(q), v, sizeof v)) {
				missing++;
				continue;
			}
			for (k = 0; k < nk && strcmp(keys[k].key, v) != 0; k++)
				;
			if (k == nk) {
				if (nk == SNAP_LOGS_MAX_KEYS) {
					other++;
					continue;
				}
				memcpy(keys[nk].key, v, sizeof v);
				nk++;
			}
			keys[k].count++;
		}
		qsort(keys, nk, sizeof *keys, key_cmp);
		(void)fa2_buf_appendf(out, "%s, count(*)\n", fa2_snapq_by_field(q));
		for (k = 0; k < nk && k < SNAP_LOGS_KEYS_SHOWN; k++)
			(void)fa2_buf_appendf(out, "%s  %zu\n", keys[k].key, keys[k].count);
		if (nk > SNAP_LOGS_KEYS_SHOWN || other)
			(void)fa2_buf_appendf(out, FA2_T(env, "(%zu more values not shown)\n", "（他 %zu 値省略）\n"),
					      nk > SNAP_LOGS_KEYS_SHOWN ? nk - SNAP_LOGS_KEYS_SHOWN + (other ? 1 : 0) : 1);
		if (missing)
			(void)fa2_buf_appendf(out, FA2_T(env, "(%zu lines without %s)\n", "（%zu 行に %s なし）\n"),
					      missing, fa2_snapq_by_field(q));
		fa2_free(keys);
	}
	return FA2_OK;
}

fa2_err fa2_snap_logs_exec(void *ctx, const fa2_tool_env *env, const cJSON *input, fa2_buf *out)
{
	const fa2_snap *s = ctx;
	const fa2_tr_data *d = &s->d;
	const char *filter = fa2_json_str(input, "filter");
	const cJSON *asked = cJSON_GetObjectItemCaseSensitive(input, "logGroups");
	fa2_snapq *q = NULL;
	fa2_logtpl *m = NULL;
	size_t *idx = NULL, n_idx = 0, i, first, count;
	long limit;
	char msg[1400];
	fa2_buf qtext;
	fa2_err e;

	fa2_buf_init(&qtext, FA2_SNAPQ_MAX_TEXT + 256);
	e = fa2_snapq_parse(filter ? filter : "", &q, msg, sizeof msg);
	if (e) {
		(void)fa2_buf_appendf(out, FA2_T(env,
			"The query was rejected; repair the filter and call logs_tool again. Filter sent: %s\n%s\n",
			"クエリが拒否されました。filter を直して logs_tool を再度呼んでください。送信した filter: %s\n%s\n"),
			filter ? filter : "", msg);
		e = FA2_ERR_INVALID;
		goto cleanup;
	}
	limit = fa2_snapq_limit(q) ? fa2_snapq_limit(q) : fa2_tools_int(input, "limit", 10000, 1, 10000);
	(void)fa2_buf_append_cstr(&qtext, "fields @timestamp, @message");
	if (filter && *filter)
		(void)fa2_buf_appendf(&qtext, " | filter %s", filter);
	if (!fa2_snapq_stats(q))
		(void)fa2_buf_appendf(&qtext, " | sort @timestamp %s | limit %ld", fa2_snapq_sort_asc(q) ? "asc" : "desc",
				      limit);
	if (asked && cJSON_IsArray(asked) && cJSON_GetArraySize(asked) > 0) {
		const cJSON *a;
		int any = 0;
		cJSON_ArrayForEach(a, asked)
			for (i = 0; cJSON_IsString(a) && i < d->n_log_groups; i++)
				if (strcmp(a->valuestring, d->log_groups[i]) == 0)
					any = 1;
		if (!any && d->n_log_groups > 0) {
			(void)fa2_buf_append_cstr(out, FA2_T(env, "none of the asked log groups is in the snapshot; it has: ",
							     "指定のロググループはスナップショットにありません。あるもの: "));
			for (i = 0; i < d->n_log_groups; i++)
				(void)fa2_buf_appendf(out, "%s%s", i ? ", " : "", d->log_groups[i]);
			(void)fa2_buf_append_byte(out, '\n');
			e = FA2_ERR_INVALID;
			goto cleanup;
		}
	}
	idx = d->n_lines ? fa2_malloc(d->n_lines * sizeof *idx) : NULL;
	if (d->n_lines && !idx) {
		e = FA2_ERR_NOMEM;
		goto cleanup;
	}
	/* Lines are sorted by time: matching rows in ascending order. */
	for (i = 0; i < d->n_lines; i++) {
		const fa2_tr_logline *l = &d->lines[i];
		if (l->t_ms < env->from_ms || l->t_ms > env->to_ms || !group_wanted(asked, l->group))
			continue;
		if (fa2_snapq_match(q, l))
			idx[n_idx++] = i;
	}
	if (fa2_snapq_stats(q)) {
		e = render_stats(env, q, d, idx, n_idx, qtext.data, out);
		goto cleanup;
	}
	count = n_idx < (size_t)limit ? n_idx : (size_t)limit;
	first = fa2_snapq_sort_asc(q) ? 0 : n_idx - count;
	e = fa2_logtpl_new(NULL, &m);
	for (i = 0; !e && i < count; i++) {
		const fa2_tr_logline *l = &d->lines[idx[first + i]];
		e = fa2_logtpl_feed(m, fa2_slice_make(l->msg, l->msg_len), l->t_ms, i + 1, NULL);
	}
	if (!e)
		e = fa2_logtpl_finish(m);
	if (e)
		goto cleanup;
	e = fa2_logs_tool_render(env, m, qtext.data, 1, (unsigned long long)count, n_idx > count, out);
cleanup:
	fa2_logtpl_free(m);
	fa2_free(idx);
	fa2_snapq_free(q);
	fa2_buf_cleanup(&qtext);
	return e;
}
