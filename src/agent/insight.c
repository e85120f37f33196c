/* The /insight engine (see insight.h). */
#include "agent/insight.h"

#include <stdio.h>
#include <string.h>

#include "agent/ask.h"
#include "agent/tools/common.h"
#include "agent/tools/tools.h"
#include "aws/cloudwatch.h"
#include "aws/shared.h"
#include "base/msg.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/time.h"

#define INSIGHT_DATA_BYTES (64u * 1024u)  /* summaries handed to model call 3 */

static int ns_char_ok(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == ' ' || c == '.' || c == '-' || c == '_' || c == '/' || c == '#' || c == ':';
}

size_t fa2_insight_parse_namespaces(fa2_slice answer, char (*ns)[256], size_t max)
{
	cJSON *j = fa2_ask_json(answer), *it;
	const cJSON *arr;
	size_t n = 0, k;
	if (!j)
		return 0;
	arr = cJSON_IsArray(j) ? j : cJSON_GetObjectItemCaseSensitive(j, "namespaces");
	cJSON_ArrayForEach(it, arr) {
		const char *s = cJSON_IsString(it) ? it->valuestring : NULL;
		size_t len, i;
		int ok = 1;
		if (n >= max)
			break;
		if (!s || (len = strlen(s)) == 0 || len > 255)
			continue;
		for (i = 0; i < len && ok; i++)
			ok = ns_char_ok((unsigned char)s[i]);
		for (k = 0; k < n && ok; k++)
			ok = strcmp(ns[k], s) != 0;
		if (!ok)
			continue;
		memcpy(ns[n], s, len + 1);
		n++;
	}
	cJSON_Delete(j);
	return n;
}

static const char *str2(const cJSON *o, const char *a, const char *b)
{
	const char *s = fa2_json_str(o, a);
	return s ? s : fa2_json_str(o, b);
}

static const cJSON *arr2(const cJSON *o, const char *a, const char *b)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);
	return x ? x : cJSON_GetObjectItemCaseSensitive(o, b);
}

/* 1 when the model's dimension list equals the listed one as a set. */
static int same_dims(const cJSON *want, const cJSON *have)
{
	const cJSON *w, *h;
	int nw = cJSON_IsArray(want) ? cJSON_GetArraySize(want) : 0;
	int nh = cJSON_IsArray(have) ? cJSON_GetArraySize(have) : 0;
	if (want && !cJSON_IsArray(want))
		return 0;
	if (nw != nh)
		return 0;
	cJSON_ArrayForEach(w, want) {
		const char *wn = str2(w, "name", "Name"), *wv = str2(w, "value", "Value");
		int found = 0;
		if (!wn || !wv)
			return 0;
		cJSON_ArrayForEach(h, have) {
			const char *hn = fa2_json_str(h, "Name"), *hv = fa2_json_str(h, "Value");
			if (hn && hv && strcmp(hn, wn) == 0 && strcmp(hv, wv) == 0) {
				found = 1;
				break;
			}
		}
		if (!found)
			return 0;
	}
	return 1;
}

cJSON *fa2_insight_select_metrics(fa2_slice answer, const cJSON *listed, size_t max,
				  size_t *rejected)
{
	cJSON *j = fa2_ask_json(answer), *out = cJSON_CreateArray(), *it;
	const cJSON *arr;
	size_t n = 0, bad = 0;

	if (!out) {
		cJSON_Delete(j);
		return NULL;
	}
	arr = cJSON_IsArray(j) ? j : arr2(j, "metrics", "Metrics");
	cJSON_ArrayForEach(it, arr) {
		const char *ns = str2(it, "namespace", "Namespace"), *name = str2(it, "metricName", "MetricName");
		const cJSON *dims = arr2(it, "dimensions", "Dimensions"), *l, *match = NULL, *o;
		int dup = 0;
		if (n >= max) {
			bad++;
			continue;
		}
		cJSON_ArrayForEach(l, listed) {
			const char *lns = fa2_json_str(l, "Namespace"), *ln = fa2_json_str(l, "MetricName");
			if (ns && name && lns && ln && strcmp(ns, lns) == 0 && strcmp(name, ln) == 0 &&
			    same_dims(dims, cJSON_GetObjectItemCaseSensitive(l, "Dimensions"))) {
				match = l;
				break;
			}
		}
		if (!match) {
			bad++;
			continue;
		}
		cJSON_ArrayForEach(o, out)
			if (cJSON_Compare(o, match, 1))
				dup = 1;
		if (dup)
			continue;
		if (!cJSON_AddItemToArray(out, cJSON_Duplicate(match, 1))) {
			cJSON_Delete(out);
			out = NULL;
			break;
		}
		n++;
	}
	cJSON_Delete(j);
	if (rejected)
		*rejected = bad;
	return out;
}

static void describe_metric(const cJSON *m, fa2_buf *out)
{
	const cJSON *d;
	(void)fa2_buf_appendf(out, "%s %s", fa2_json_str(m, "Namespace") ? fa2_json_str(m, "Namespace") : "?",
			      fa2_json_str(m, "MetricName") ? fa2_json_str(m, "MetricName") : "?");
	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(m, "Dimensions")) {
		const char *dn = fa2_json_str(d, "Name"), *dv = fa2_json_str(d, "Value");
		(void)fa2_buf_appendf(out, " %s=%s", dn ? dn : "?", dv ? dv : "?");
	}
}

fa2_err fa2_insight_run(const fa2_insight_req *r, fa2_buf *md, fa2_insight_info *info,
			char *msg, size_t cap)
{
	static const char *const defaults[] = FA2_INSIGHT_DEFAULT_NAMESPACES;
	fa2_insight_info inf;
	fa2_tool_env env;
	fa2_buf prompt, answer, errs, list, data;
	char ns[FA2_INSIGHT_MAX_NAMESPACES][256], why[512], t1[40], t2[40], days_s[8], max_s[8];
	cJSON *listed = cJSON_CreateArray(), *chosen = NULL;
	const char *arch;
	size_t i, n_ns, rejected = 0, shown = 0;
	int64_t now;
	fa2_err e = FA2_ERR_NOMEM;

	memset(&inf, 0, sizeof inf);
	fa2_buf_init(&prompt, FA2_MAX_LLM_REQUEST_BYTES);
	fa2_buf_init(&answer, FA2_MAX_LLM_RESPONSE_BYTES);
	fa2_buf_init(&errs, 16u * 1024u);
	fa2_buf_init(&list, FA2_INSIGHT_MAX_LIST_BYTES + 4096u);
	fa2_buf_init(&data, INSIGHT_DATA_BYTES + 4096u);
	if (cap)
		msg[0] = '\0';
	if (!listed)
		goto cleanup;
	if (!r->question || !r->question[strspn(r->question, " \t\r\n")] ||
	    strlen(r->question) > FA2_INSIGHT_MAX_QUESTION) {
		snprintf(msg, cap, "%s", fa2_msg(r->lang, "agent.insight.the_question_is_empty_or"));
		e = FA2_ERR_INVALID;
		goto cleanup;
	}
	if (r->days < 1 || r->days > FA2_INSIGHT_MAX_DAYS) {
		snprintf(msg, cap, "%s", fa2_msg(r->lang, "agent.insight.days_must_be_1_to"));
		e = FA2_ERR_INVALID;
		goto cleanup;
	}
	/* The window is plain UTC: now - days .. now (the sample shifted it by 9 hours). */
	now = r->now_ms ? r->now_ms : fa2_time_now_ms();
	inf.to_ms = now;
	inf.from_ms = now - (int64_t)r->days * FA2_TIME_MS_PER_DAY;
	memset(&env, 0, sizeof env);
	env.from_ms = inf.from_ms;
	env.to_ms = inf.to_ms;
	env.lang = r->lang;
	env.budget_bytes = INSIGHT_DATA_BYTES;
	env.deadline_mono_ms = r->deadline_mono_ms;
	env.cfg = r->cfg;
	if (fa2_aws_shared_get(r->cfg ? r->cfg->region : NULL, &env.aws, why, sizeof why) != FA2_OK) {
		env.aws = NULL;
		(void)fa2_buf_appendf(&errs, "%s\n", why);
	}
	arch = r->cfg && r->cfg->architecture_description ? r->cfg->architecture_description : "";
	fa2_tools_time(inf.from_ms, t1, sizeof t1);
	fa2_tools_time(inf.to_ms, t2, sizeof t2);
	snprintf(days_s, sizeof days_s, "%d", r->days);
	snprintf(max_s, sizeof max_s, "%u", FA2_INSIGHT_MAX_METRICS);

	/* 1. namespaces */
	{
		fa2_prompt_var v[] = { { "question", r->question }, { "architecture", arch } };
		e = fa2_prompt_render(r->prompts->text[FA2_PROMPT_INSIGHT_NAMESPACES], v, 2, &prompt);
		if (e)
			goto cleanup;
		n_ns = 0;
		if (fa2_ask(r->llm, r->cfg, fa2_buf_slice(&prompt), r->deadline_mono_ms, &answer, why, sizeof why) == FA2_OK)
			n_ns = fa2_insight_parse_namespaces(fa2_buf_slice(&answer), ns, FA2_INSIGHT_MAX_NAMESPACES);
		if (n_ns == 0) {
			FA2_LOGI("insight", "no namespaces from the model: using the defaults");
			inf.namespaces_fallback = 1;
			for (i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
				snprintf(ns[i], sizeof ns[i], "%s", defaults[i]);
			n_ns = i;
		}
		inf.n_namespaces = n_ns;
	}

	/* 2. ListMetrics, all pages, recently active */
	for (i = 0; env.aws && i < n_ns; i++) {
		cJSON *in = cJSON_CreateObject();
		fa2_aws_outcome oc;
		int truncated = 0;
		fa2_err le;
		if (!in || !cJSON_AddStringToObject(in, "Namespace", ns[i]) ||
		    !cJSON_AddStringToObject(in, "RecentlyActive", "PT3H")) {
			cJSON_Delete(in);
			e = FA2_ERR_NOMEM;
			goto cleanup;
		}
		le = fa2_cw_list_metrics(env.aws, in, 0, (size_t)cJSON_GetArraySize(listed) + FA2_INSIGHT_MAX_LISTED,
					 env.deadline_mono_ms, listed, &truncated, &oc);
		cJSON_Delete(in);
		if (le == FA2_ERR_NOMEM) {
			e = le;
			goto cleanup;
		}
		if (le)
			fa2_tools_aws_failure(&env, "monitoring", "ListMetrics", le, &oc, &errs);
		if (le == FA2_ERR_TIMEOUT)
			break;
	}
	inf.n_listed = (size_t)cJSON_GetArraySize(listed);
	if (errs.len)
		FA2_LOGW("insight", "ListMetrics: %.*s", (int)(errs.len > 600 ? 600 : errs.len), errs.data);
	if (inf.n_listed == 0) {
		if (errs.len) {
			snprintf(msg, cap, "%s%.*s", fa2_msg(r->lang, "agent.insight.cloudwatch_listmetrics_failed"),
				 (int)(errs.len > 400 ? 400 : errs.len), errs.data);
			e = FA2_ERR_AWS;
			goto cleanup;
		}
		(void)fa2_buf_appendf(md, fa2_msg(r->lang, "agent.insight.insight_question_no_metric_of"), r->question);
		for (i = 0; i < n_ns; i++)
			(void)fa2_buf_appendf(md, "%s`%s`", i ? ", " : "", ns[i]);
		(void)fa2_buf_append_cstr(md, fa2_msg(r->lang, "agent.insight.had_data_in_the_last"));
		e = FA2_OK;
		goto done;
	}

	/* 3. the model picks at most 5 of them */
	{
		const cJSON *m;
		cJSON_ArrayForEach(m, listed) {
			size_t before = list.len;
			describe_metric(m, &list);
			if (fa2_buf_append_byte(&list, '\n') || list.len > FA2_INSIGHT_MAX_LIST_BYTES) {
				fa2_buf_truncate(&list, before);
				break;
			}
			shown++;
		}
		if (shown < inf.n_listed)
			(void)fa2_buf_appendf(&list, "(%zu more not shown)\n", inf.n_listed - shown);
	}
	{
		fa2_prompt_var v[] = { { "question", r->question }, { "metrics", list.data ? list.data : "" },
				       { "max", max_s } };
		fa2_buf_reset(&prompt);
		fa2_buf_reset(&answer);
		e = fa2_prompt_render(r->prompts->text[FA2_PROMPT_INSIGHT_METRICS], v, 3, &prompt);
		if (e)
			goto cleanup;
		if (fa2_ask(r->llm, r->cfg, fa2_buf_slice(&prompt), r->deadline_mono_ms, &answer, why, sizeof why) == FA2_OK)
			chosen = fa2_insight_select_metrics(fa2_buf_slice(&answer), listed, FA2_INSIGHT_MAX_METRICS, &rejected);
		if (rejected)
			FA2_LOGW("insight", "%zu metric choices of the model are not in the ListMetrics result: ignored", rejected);
		if (!chosen || cJSON_GetArraySize(chosen) == 0) {
			const cJSON *m;
			cJSON_Delete(chosen);
			chosen = cJSON_CreateArray();
			if (!chosen) {
				e = FA2_ERR_NOMEM;
				goto cleanup;
			}
			inf.selection_fallback = 1;
			cJSON_ArrayForEach(m, listed) {
				if ((size_t)cJSON_GetArraySize(chosen) >= FA2_INSIGHT_MAX_METRICS)
					break;
				cJSON_AddItemToArray(chosen, cJSON_Duplicate(m, 1));
			}
		}
		inf.n_selected = (size_t)cJSON_GetArraySize(chosen);
	}

	/* 4. GetMetricData and summaries */
	e = fa2_metrics_tool_fetch_summarise(&env, chosen, fa2_cw_period(env.to_ms - env.from_ms), 0, &data);
	if (e) {
		snprintf(msg, cap, "%s%.*s", fa2_msg(r->lang, "agent.insight.cloudwatch_getmetricdata_failed"),
			 (int)(data.len > 400 ? 400 : data.len), data.data ? data.data : "");
		goto cleanup;
	}

	/* 5. the answer */
	{
		fa2_prompt_var v[] = { { "question", r->question }, { "from", t1 }, { "to", t2 }, { "days", days_s },
				       { "architecture", arch }, { "data", data.data ? data.data : "" } };
		fa2_buf_reset(&prompt);
		fa2_buf_reset(&answer);
		e = fa2_prompt_render(r->prompts->text[FA2_PROMPT_INSIGHT_REPORT], v, 6, &prompt);
		if (e)
			goto cleanup;
		if (fa2_ask(r->llm, r->cfg, fa2_buf_slice(&prompt), r->deadline_mono_ms, &answer, why, sizeof why) == FA2_OK) {
			fa2_ask_unfence(&answer);
			inf.model_ok = 1;
			e = fa2_buf_append_slice(md, fa2_buf_slice(&answer));
		} else {
			e = fa2_buf_appendf(md, fa2_msg(r->lang, "agent.insight.insight_question_the_model_was"),
					    r->question, why, data.data ? data.data : "");
		}
		if (e)
			goto cleanup;
	}
done:
	(void)fa2_buf_appendf(md, fa2_msg(r->lang, "agent.insight.period_utc_days_namespaces"), t1, t2, r->days);
	for (i = 0; i < n_ns; i++)
		(void)fa2_buf_appendf(md, "%s%s", i ? ", " : "", ns[i]);
	if (chosen && cJSON_GetArraySize(chosen)) {
		const cJSON *m;
		(void)fa2_buf_append_cstr(md, fa2_msg(r->lang, "agent.insight.metrics"));
		i = 0;
		cJSON_ArrayForEach(m, chosen) {
			if (i++)
				(void)fa2_buf_append_cstr(md, "; ");
			describe_metric(m, md);
		}
	}
	e = fa2_buf_append_cstr(md, "._\n");
cleanup:
	if (info)
		*info = inf;
	cJSON_Delete(listed);
	cJSON_Delete(chosen);
	fa2_buf_cleanup(&prompt);
	fa2_buf_cleanup(&answer);
	fa2_buf_cleanup(&errs);
	fa2_buf_cleanup(&list);
	fa2_buf_cleanup(&data);
	return e;
}
