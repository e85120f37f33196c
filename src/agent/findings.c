/* The /findings-report engine (see findings.h). */
#include "agent/findings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/ask.h"
#include "agent/tools/common.h"
#include "aws/shared.h"
#include "base/alloc.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/msg.h"
#include "base/time.h"

static const char *const sev_names[FA2_SEV__COUNT] = { "CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL" };
static const char *const sev_titles[2][FA2_SEV__COUNT] = {
	{ "Critical", "High", "Medium", "Low", "Informational" },
	{ "重大 (Critical)", "高 (High)", "中 (Medium)", "低 (Low)", "情報 (Informational)" }
};
static const char *const src_names[FA2_SRC__COUNT] = { "GuardDuty", "Security Hub" };

const char *fa2_sev_name(fa2_sev s)
{
	return s < FA2_SEV__COUNT ? sev_names[s] : "?";
}

fa2_sev fa2_findings_gd_severity(double v)
{
	if (v >= 9.0)
		return FA2_SEV_CRITICAL;
	if (v >= 7.0)
		return FA2_SEV_HIGH;
	if (v >= 4.0)
		return FA2_SEV_MEDIUM;
	if (v >= 1.0)
		return FA2_SEV_LOW;
	return FA2_SEV_INFO;
}

fa2_sev fa2_findings_sh_severity(const cJSON *severity)
{
	const char *l = fa2_json_str(severity, "Label");
	double n;
	size_t i;
	if (l) {
		for (i = 0; i < FA2_SEV__COUNT; i++)
			if (strcmp(l, sev_names[i]) == 0)
				return (fa2_sev)i;
	}
	/* Label is the documented field; Normalized (0..100) is the older one. */
	if (fa2_json_num(severity, "Normalized", &n)) {
		if (n >= 90)
			return FA2_SEV_CRITICAL;
		if (n >= 70)
			return FA2_SEV_HIGH;
		if (n >= 40)
			return FA2_SEV_MEDIUM;
		if (n >= 1)
			return FA2_SEV_LOW;
	}
	return FA2_SEV_INFO;
}

/* Copies s into dst (cap bytes) with control characters turned into spaces, cut on a
 * UTF-8 boundary. */
static void copy_text(char *dst, size_t cap, const char *s)
{
	size_t n = 0;
	if (!s)
		s = "";
	while (s[n] && n + 1 < cap)
		n++;
	while (n > 0 && s[n] && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	memcpy(dst, s, n);
	dst[n] = '\0';
	for (; n > 0; n--)
		if ((unsigned char)dst[n - 1] < 0x20)
			dst[n - 1] = ' ';
}

static void gd_resource(const cJSON *res, char *out, size_t cap)
{
	const char *type = fa2_json_str(res, "resourceType"), *id = NULL;
	const cJSON *x;
	if ((x = cJSON_GetObjectItemCaseSensitive(res, "instanceDetails")))
		id = fa2_json_str(x, "instanceId");
	if (!id && (x = cJSON_GetObjectItemCaseSensitive(res, "accessKeyDetails")))
		id = fa2_json_str(x, "userName");
	if (!id && (x = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(res, "s3BucketDetails"), 0)))
		id = fa2_json_str(x, "name");
	if (!id && (x = cJSON_GetObjectItemCaseSensitive(res, "eksClusterDetails")))
		id = fa2_json_str(x, "name");
	if (!id && (x = cJSON_GetObjectItemCaseSensitive(res, "ecsClusterDetails")))
		id = fa2_json_str(x, "name");
	if (!id && (x = cJSON_GetObjectItemCaseSensitive(res, "lambdaDetails")))
		id = fa2_json_str(x, "functionName");
	if (!id && (x = cJSON_GetObjectItemCaseSensitive(res, "rdsDbInstanceDetails")))
		id = fa2_json_str(x, "dbInstanceIdentifier");
	snprintf(out, cap, "%s%s%s", type ? type : "?", id ? " " : "", id ? id : "");
}

void fa2_findings_add(fa2_findings_summary *s, fa2_finding_src src, const cJSON *findings)
{
	const cJSON *f;
	size_t kept = 0;
	s->ok[src] = 1;
	cJSON_ArrayForEach(f, findings) {
		fa2_finding *it;
		fa2_sev sev;
		double v = 0;
		char res[FA2_FINDINGS_TEXT_BYTES];
		if (!cJSON_IsObject(f))
			continue;
		if (src == FA2_SRC_GUARDDUTY) {
			(void)fa2_json_num(f, "severity", &v);
			sev = fa2_findings_gd_severity(v);
		} else {
			sev = fa2_findings_sh_severity(cJSON_GetObjectItemCaseSensitive(f, "Severity"));
		}
		s->counts[src][sev]++;
		if (kept >= FA2_FINDINGS_MAX || s->n >= sizeof s->items / sizeof s->items[0])
			continue;
		kept++;
		it = &s->items[s->n++];
		memset(it, 0, sizeof *it);
		it->src = src;
		it->sev = sev;
		if (src == FA2_SRC_GUARDDUTY) {
			const cJSON *svc = cJSON_GetObjectItemCaseSensitive(f, "service");
			copy_text(it->title, sizeof it->title, fa2_json_str(f, "title"));
			copy_text(it->type, sizeof it->type, fa2_json_str(f, "type"));
			gd_resource(cJSON_GetObjectItemCaseSensitive(f, "resource"), res, sizeof res);
			copy_text(it->resource, sizeof it->resource, res);
			copy_text(it->updated, sizeof it->updated, fa2_json_str(f, "updatedAt"));
			if (fa2_json_num(svc, "count", &v) && v >= 0 && v < 1e12)
				it->count = (long)v;
		} else {
			const cJSON *r0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(f, "Resources"), 0);
			const cJSON *t0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(f, "Types"), 0);
			copy_text(it->title, sizeof it->title, fa2_json_str(f, "Title"));
			copy_text(it->type, sizeof it->type,
				  cJSON_IsString(t0) ? t0->valuestring : fa2_json_str(f, "GeneratorId"));
			snprintf(res, sizeof res, "%s%s%s", fa2_json_str(r0, "Type") ? fa2_json_str(r0, "Type") : "?",
				 fa2_json_str(r0, "Id") ? " " : "", fa2_json_str(r0, "Id") ? fa2_json_str(r0, "Id") : "");
			copy_text(it->resource, sizeof it->resource, res);
			copy_text(it->updated, sizeof it->updated, fa2_json_str(f, "UpdatedAt"));
		}
	}
}

static unsigned total(const fa2_findings_summary *s, int sev)
{
	unsigned t = 0;
	int k;
	for (k = 0; k < FA2_SRC__COUNT; k++)
		t += s->counts[k][sev];
	return t;
}

static void finding_line(const fa2_finding *it, fa2_buf *out)
{
	(void)fa2_buf_appendf(out, "- [%s] %s — %s (%s)", src_names[it->src], it->title[0] ? it->title : "?",
			      it->resource, it->type[0] ? it->type : "?");
	if (it->count > 1)
		(void)fa2_buf_appendf(out, " x%ld", it->count);
	if (it->updated[0])
		(void)fa2_buf_appendf(out, ", updated %s", it->updated);
	(void)fa2_buf_append_byte(out, '\n');
}

fa2_err fa2_findings_render_summary(const fa2_findings_summary *s, fa2_buf *out)
{
	int k, v;
	size_t i;
	for (k = 0; k < FA2_SRC__COUNT; k++) {
		if (!s->ok[k]) {
			(void)fa2_buf_appendf(out, "%s: not available (%s)\n", src_names[k], s->error[k]);
			continue;
		}
		(void)fa2_buf_appendf(out, "%s active findings:", src_names[k]);
		for (v = 0; v < FA2_SEV__COUNT; v++)
			(void)fa2_buf_appendf(out, " %s %u%s", sev_names[v], s->counts[k][v], v + 1 < FA2_SEV__COUNT ? "," : "\n");
	}
	for (v = 0; v < FA2_SEV__COUNT; v++) {
		int head = 0;
		for (i = 0; i < s->n; i++) {
			if ((int)s->items[i].sev != v)
				continue;
			if (!head++)
				(void)fa2_buf_appendf(out, "\n%s:\n", sev_names[v]);
			finding_line(&s->items[i], out);
		}
	}
	if (s->n == 0)
		(void)fa2_buf_append_cstr(out, "\nNo active findings.\n");
	return out->len <= out->max ? FA2_OK : FA2_ERR_TOO_LARGE;
}

fa2_err fa2_findings_render_fallback(const fa2_findings_summary *s, fa2_lang lang, const char *generated,
				     const char *why, fa2_buf *out)
{
	int k, v, li = lang == FA2_LANG_JA;
	size_t i;
	unsigned hi = total(s, FA2_SEV_CRITICAL) + total(s, FA2_SEV_HIGH);

	(void)fa2_buf_appendf(out, fa2_msg(lang, "agent.findings.security_findings_report_generated_utc"), generated, why);
	for (k = 0; k < FA2_SRC__COUNT; k++) {
		if (!s->ok[k]) {
			(void)fa2_buf_appendf(out, fa2_msg(lang, "agent.findings.not_available"), src_names[k], s->error[k]);
			continue;
		}
		(void)fa2_buf_appendf(out, "| %s |", src_names[k]);
		for (v = 0; v < FA2_SEV__COUNT; v++)
			(void)fa2_buf_appendf(out, " %u |", s->counts[k][v]);
		(void)fa2_buf_append_byte(out, '\n');
	}
	(void)fa2_buf_appendf(out, fa2_msg(lang, "agent.findings.active_findings_in_total_of"),
			      total(s, 0) + total(s, 1) + total(s, 2) + total(s, 3) + total(s, 4), hi);
	(void)fa2_buf_append_cstr(out, fa2_msg(lang, "agent.findings.high_severity_issues"));
	for (i = 0; i < s->n; i++)
		if (s->items[i].sev <= FA2_SEV_HIGH) {
			(void)fa2_buf_appendf(out, "- **%s** ", sev_names[s->items[i].sev]);
			finding_line(&s->items[i], out);
		}
	if (!hi)
		(void)fa2_buf_append_cstr(out, fa2_msg(lang, "agent.findings.none"));
	(void)fa2_buf_append_cstr(out, fa2_msg(lang, "agent.findings.recommended_actions_n1_triage_every"));
	(void)fa2_buf_append_cstr(out, fa2_msg(lang, "agent.findings.detailed_findings"));
	for (v = 0; v < FA2_SEV__COUNT; v++) {
		int head = 0;
		for (i = 0; i < s->n; i++) {
			if ((int)s->items[i].sev != v)
				continue;
			if (!head++)
				(void)fa2_buf_appendf(out, "\n### %s\n\n", sev_titles[li][v]);
			finding_line(&s->items[i], out);
		}
	}
	if (s->n == 0)
		(void)fa2_buf_append_cstr(out, fa2_msg(lang, "agent.findings.nno_active_findings"));
	return fa2_buf_append_cstr(out, fa2_msg(lang, "agent.findings.next_steps_run_this_report"));
}

static fa2_err guardduty(const fa2_tool_env *env, const char *detector, fa2_findings_summary *s, fa2_buf *errs)
{
	cJSON *in = NULL, *rep = NULL, *ids, *crit, *sort;
	const cJSON *list;
	char det[256];
	fa2_err e = FA2_ERR_NOMEM;

	if (detector && *detector) {
		snprintf(det, sizeof det, "%s", detector);
	} else {
		in = cJSON_CreateObject();
		if (!in)
			goto cleanup;
		e = fa2_tools_aws_call(env, "guardduty", "ListDetectors", in, &rep, errs, NULL);
		if (e)
			goto cleanup;
		list = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(rep, "detectorIds"), 0);
		if (!cJSON_IsString(list) || strlen(list->valuestring) >= sizeof det) {
			(void)fa2_buf_append_cstr(errs, "GuardDuty has no detector in this region (is it enabled?)");
			e = FA2_ERR_NOT_FOUND;
			goto cleanup;
		}
		snprintf(det, sizeof det, "%s", list->valuestring);
		cJSON_Delete(in);
		cJSON_Delete(rep);
		in = rep = NULL;
	}
	in = cJSON_CreateObject();
	crit = in ? cJSON_AddObjectToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(in, "findingCriteria"),
				"criterion"), "service.archived") : NULL;
	sort = in ? cJSON_AddObjectToObject(in, "sortCriteria") : NULL;
	if (!crit || !sort || !cJSON_AddStringToObject(in, "DetectorId", det) ||
	    !cJSON_AddItemToObject(crit, "eq", cJSON_CreateStringArray((const char *const[]){ "false" }, 1)) ||
	    !cJSON_AddStringToObject(sort, "attributeName", "updatedAt") ||
	    !cJSON_AddStringToObject(sort, "orderBy", "DESC") ||
	    !cJSON_AddNumberToObject(in, "maxResults", FA2_FINDINGS_MAX)) {
		e = FA2_ERR_NOMEM;
		goto cleanup;
	}
	e = fa2_tools_aws_call(env, "guardduty", "ListFindings", in, &rep, errs, NULL);
	if (e)
		goto cleanup;
	ids = cJSON_DetachItemFromObjectCaseSensitive(rep, "findingIds");
	cJSON_Delete(rep);
	rep = NULL;
	if (!cJSON_IsArray(ids) || cJSON_GetArraySize(ids) == 0) {
		cJSON_Delete(ids);
		fa2_findings_add(s, FA2_SRC_GUARDDUTY, NULL);
		e = FA2_OK;
		goto cleanup;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(in, "findingCriteria");
	cJSON_DeleteItemFromObjectCaseSensitive(in, "maxResults");
	cJSON_AddItemToObject(in, "findingIds", ids);
	e = fa2_tools_aws_call(env, "guardduty", "GetFindings", in, &rep, errs, NULL);
	if (e)
		goto cleanup;
	fa2_findings_add(s, FA2_SRC_GUARDDUTY, cJSON_GetObjectItemCaseSensitive(rep, "findings"));
cleanup:
	cJSON_Delete(in);
	cJSON_Delete(rep);
	return e;
}

static cJSON *sh_filter(const char *value)
{
	cJSON *a = cJSON_CreateArray(), *o = cJSON_CreateObject();
	if (!a || !o || !cJSON_AddStringToObject(o, "Value", value) ||
	    !cJSON_AddStringToObject(o, "Comparison", "EQUALS") || !cJSON_AddItemToArray(a, o)) {
		cJSON_Delete(a);
		cJSON_Delete(o);
		return NULL;
	}
	return a;
}

static fa2_err securityhub(const fa2_tool_env *env, fa2_findings_summary *s, fa2_buf *errs)
{
	cJSON *in = cJSON_CreateObject(), *rep = NULL, *filters, *sort, *one, *rs, *ws;
	fa2_err e = FA2_ERR_NOMEM;

	filters = in ? cJSON_AddObjectToObject(in, "Filters") : NULL;
	sort = in ? cJSON_AddArrayToObject(in, "SortCriteria") : NULL;
	one = cJSON_CreateObject();
	if (!filters || !sort || !one || !cJSON_AddItemToArray(sort, one)) {
		cJSON_Delete(one);
		goto cleanup;
	}
	rs = sh_filter("ACTIVE");
	if (!rs || !cJSON_AddItemToObject(filters, "RecordState", rs))
		goto cleanup;
	ws = sh_filter("NEW");
	if (!ws || !cJSON_AddItemToObject(filters, "WorkflowStatus", ws) ||
	    !cJSON_AddStringToObject(one, "Field", "UpdatedAt") || !cJSON_AddStringToObject(one, "SortOrder", "desc") ||
	    !cJSON_AddNumberToObject(in, "MaxResults", FA2_FINDINGS_MAX))
		goto cleanup;
	e = fa2_tools_aws_call(env, "securityhub", "GetFindings", in, &rep, errs, NULL);
	if (!e)
		fa2_findings_add(s, FA2_SRC_SECURITYHUB, cJSON_GetObjectItemCaseSensitive(rep, "Findings"));
cleanup:
	cJSON_Delete(in);
	cJSON_Delete(rep);
	return e;
}

static void keep_error(fa2_findings_summary *s, fa2_finding_src src, fa2_buf *errs)
{
	size_t n = errs->len;
	while (n && (errs->data[n - 1] == '\n' || errs->data[n - 1] == ' '))
		n--;
	snprintf(s->error[src], sizeof s->error[src], "%.*s", (int)n, n ? errs->data : "unknown error");
	copy_text(s->error[src], sizeof s->error[src], s->error[src]);
	fa2_buf_reset(errs);
}

fa2_err fa2_findings_run(const fa2_findings_req *r, fa2_buf *md, fa2_findings_summary *sum_out,
			 int *model_ok, char *msg, size_t cap)
{
	fa2_findings_summary *s = sum_out;
	fa2_tool_env env;
	fa2_buf errs, summary, prompt, answer;
	char generated[40], why[512];
	const char *region = r->cfg && r->cfg->region ? r->cfg->region : getenv("AWS_REGION");
	fa2_err e = FA2_OK;

	fa2_buf_init(&errs, 8192);
	fa2_buf_init(&summary, 512u * 1024u);
	fa2_buf_init(&prompt, FA2_MAX_LLM_REQUEST_BYTES);
	fa2_buf_init(&answer, FA2_MAX_LLM_RESPONSE_BYTES);
	if (model_ok)
		*model_ok = 0;
	if (cap)
		msg[0] = '\0';
	if (!s && !(s = fa2_malloc(sizeof *s))) {
		e = FA2_ERR_NOMEM;
		goto cleanup;
	}
	memset(s, 0, sizeof *s);
	memset(&env, 0, sizeof env);
	env.to_ms = r->now_ms ? r->now_ms : fa2_time_now_ms();
	env.from_ms = env.to_ms;
	env.lang = FA2_LANG_EN;
	env.deadline_mono_ms = r->deadline_mono_ms;
	env.cfg = r->cfg;
	fa2_tools_time(env.to_ms, generated, sizeof generated);

	if (fa2_aws_shared_get(r->cfg ? r->cfg->region : NULL, &env.aws, why, sizeof why) != FA2_OK) {
		(void)fa2_buf_append_cstr(&errs, why);
		keep_error(s, FA2_SRC_GUARDDUTY, &errs);
		(void)fa2_buf_append_cstr(&errs, why);
		keep_error(s, FA2_SRC_SECURITYHUB, &errs);
	} else {
		if (guardduty(&env, r->cfg ? r->cfg->detector_id : NULL, s, &errs) != FA2_OK)
			keep_error(s, FA2_SRC_GUARDDUTY, &errs);
		fa2_buf_reset(&errs);
		if (securityhub(&env, s, &errs) != FA2_OK)
			keep_error(s, FA2_SRC_SECURITYHUB, &errs);
	}
	if (!s->ok[FA2_SRC_GUARDDUTY] && !s->ok[FA2_SRC_SECURITYHUB]) {
		snprintf(msg, cap, "neither GuardDuty nor Security Hub answered. GuardDuty: %s. Security Hub: %s",
			 s->error[FA2_SRC_GUARDDUTY], s->error[FA2_SRC_SECURITYHUB]);
		e = FA2_ERR_AWS;
		goto cleanup;
	}
	e = fa2_findings_render_summary(s, &summary);
	if (e)
		goto cleanup;
	{
		fa2_prompt_var v[] = { { "generated", generated }, { "region", region ? region : "?" },
				       { "findings", summary.data ? summary.data : "" } };
		e = fa2_prompt_render(r->prompts->text[FA2_PROMPT_FINDINGS_REPORT], v, 3, &prompt);
		if (e)
			goto cleanup;
	}
	if (fa2_ask(r->llm, r->cfg, fa2_buf_slice(&prompt), r->deadline_mono_ms, &answer, why, sizeof why) == FA2_OK) {
		fa2_ask_unfence(&answer);
		if (model_ok)
			*model_ok = 1;
		e = fa2_buf_append_slice(md, fa2_buf_slice(&answer));
	} else {
		FA2_LOGW("findings", "model unavailable (%s): writing the report from the summary", why);
		e = fa2_findings_render_fallback(s, r->lang, generated, why, md);
	}
cleanup:
	if (s != sum_out)
		fa2_free(s);
	fa2_buf_cleanup(&errs);
	fa2_buf_cleanup(&summary);
	fa2_buf_cleanup(&prompt);
	fa2_buf_cleanup(&answer);
	return e;
}
