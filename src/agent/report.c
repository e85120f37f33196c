/* Report normalisation and rendering (Markdown en/ja, JSON). */
#include "agent/report.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/json.h"
#include "base/time.h"

const char *fa2_report_status_name(fa2_report_status s)
{
	switch (s) {
	case FA2_REPORT_COMPLETE: return "complete";
	case FA2_REPORT_INCOMPLETE: return "incomplete";
	default: return "partial";
	}
}

/* ---- normalisation ---- */

static const cJSON *as_array(const cJSON *a)
{
	return cJSON_IsArray(a) ? a : (const cJSON *)0;
}

/* Adds key: a copy of s capped at FA2_REPORT_MAX_STRING bytes (on a UTF-8 boundary). */
static int add_capped(cJSON *o, const char *key, const char *s)
{
	size_t n = strlen(s);
	char *c;
	cJSON *r;
	if (n <= FA2_REPORT_MAX_STRING)
		return cJSON_AddStringToObject(o, key, s) != NULL;
	n = FA2_REPORT_MAX_STRING;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	c = fa2_strndup(s, n);
	if (!c)
		return 0;
	r = cJSON_AddStringToObject(o, key, c);
	fa2_free(c);
	return r != NULL;
}

/* String value of obj[key] (numbers and booleans are rendered as text); "" if absent. */
static const char *str_of(const cJSON *obj, const char *key, char *tmp, size_t cap)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (cJSON_IsString(j))
		return j->valuestring;
	if (cJSON_IsNumber(j)) {
		snprintf(tmp, cap, "%g", j->valuedouble);
		return tmp;
	}
	if (cJSON_IsBool(j))
		return cJSON_IsTrue(j) ? "true" : "false";
	return "";
}

static const char *level_of(const char *s)
{
	if (strncasecmp(s, "high", 4) == 0 || strncasecmp(s, "critical", 8) == 0 || strcmp(s, "高") == 0)
		return "high";
	if (strncasecmp(s, "medium", 6) == 0 || strncasecmp(s, "moderate", 8) == 0 || strcmp(s, "中") == 0)
		return "medium";
	if (strncasecmp(s, "low", 3) == 0 || strcmp(s, "低") == 0)
		return "low";
	return "unknown";
}

/* A list of strings from an array of strings (objects/numbers are printed compactly) or
 * from a single string. */
static int add_string_list(cJSON *o, const char *key, const cJSON *in)
{
	cJSON *arr = cJSON_AddArrayToObject(o, key);
	const cJSON *it;
	unsigned n = 0;
	if (!arr)
		return 0;
	if (cJSON_IsString(in) && in->valuestring[0]) {
		cJSON *wrap = cJSON_CreateObject();
		int ok = wrap && add_capped(wrap, "v", in->valuestring);
		if (ok) {
			cJSON *v = cJSON_DetachItemFromObject(wrap, "v");
			cJSON_AddItemToArray(arr, v);
		}
		cJSON_Delete(wrap);
		return ok;
	}
	if (!cJSON_IsArray(in))
		return 1;
	cJSON_ArrayForEach(it, in)
	{
		cJSON *wrap;
		char *p = NULL;
		const char *s;
		int ok;
		if (n >= FA2_REPORT_MAX_ITEMS)
			break;
		if (cJSON_IsString(it))
			s = it->valuestring;
		else if (cJSON_IsNull(it))
			continue;
		else {
			p = cJSON_PrintUnformatted(it);
			if (!p)
				return 0;
			s = p;
		}
		if (!*s) {
			fa2_free(p);
			continue;
		}
		wrap = cJSON_CreateObject();
		ok = wrap && add_capped(wrap, "v", s);
		fa2_free(p);
		if (!ok) {
			cJSON_Delete(wrap);
			return 0;
		}
		cJSON_AddItemToArray(arr, cJSON_DetachItemFromObject(wrap, "v"));
		cJSON_Delete(wrap);
		n++;
	}
	return 1;
}

/* An array of objects with the given string fields, from an array of objects. */
static int add_object_list(cJSON *o, const char *key, const cJSON *in, const char *const *fields)
{
	cJSON *arr = cJSON_AddArrayToObject(o, key);
	const cJSON *it;
	unsigned n = 0;
	char tmp[64];
	if (!arr)
		return 0;
	if (!cJSON_IsArray(in))
		return 1;
	cJSON_ArrayForEach(it, in)
	{
		cJSON *e;
		size_t i;
		int any = 0;
		if (n >= FA2_REPORT_MAX_ITEMS)
			break;
		if (!cJSON_IsObject(it))
			continue;
		e = cJSON_CreateObject();
		if (!e)
			return 0;
		for (i = 0; fields[i]; i++) {
			const char *s = str_of(it, fields[i], tmp, sizeof tmp);
			any |= *s != '\0';
			if (!add_capped(e, fields[i], s)) {
				cJSON_Delete(e);
				return 0;
			}
		}
		if (!any) {
			cJSON_Delete(e);
			continue;
		}
		cJSON_AddItemToArray(arr, e);
		n++;
	}
	return 1;
}

static const char *const timeline_fields[] = { "time", "event", NULL };
static const char *const ref_fields[] = { "tool", "description", "query", NULL };

cJSON *fa2_report_normalize(const cJSON *in)
{
	cJSON *o = cJSON_CreateObject(), *rcs;
	const cJSON *it, *src;
	char tmp[64];
	unsigned n = 0;
	if (!o)
		return NULL;
	if (!cJSON_IsObject(in))
		in = NULL;
	if (!add_capped(o, "summary", str_of(in, "summary", tmp, sizeof tmp)))
		goto fail;
	rcs = cJSON_AddArrayToObject(o, "rootCauses");
	if (!rcs)
		goto fail;
	src = cJSON_GetObjectItemCaseSensitive(in, "rootCauses");
	cJSON_ArrayForEach(it, as_array(src))
	{
		cJSON *rc;
		if (n >= FA2_REPORT_MAX_ITEMS)
			break;
		if (!cJSON_IsObject(it))
			continue;
		rc = cJSON_CreateObject();
		if (!rc)
			goto fail;
		cJSON_AddItemToArray(rcs, rc);
		if (!add_capped(rc, "title", str_of(it, "title", tmp, sizeof tmp)) ||
		    !add_capped(rc, "description", str_of(it, "description", tmp, sizeof tmp)) ||
		    !cJSON_AddStringToObject(rc, "severity", level_of(str_of(it, "severity", tmp, sizeof tmp))) ||
		    !cJSON_AddStringToObject(rc, "confidence",
					     level_of(str_of(it, "confidence", tmp, sizeof tmp))) ||
		    !add_string_list(rc, "evidence", cJSON_GetObjectItemCaseSensitive(it, "evidence")))
			goto fail;
		n++;
	}
	if (!add_capped(o, "impact", str_of(in, "impact", tmp, sizeof tmp)) ||
	    !add_object_list(o, "timeline", cJSON_GetObjectItemCaseSensitive(in, "timeline"),
			     timeline_fields) ||
	    !add_object_list(o, "references", cJSON_GetObjectItemCaseSensitive(in, "references"),
			     ref_fields) ||
	    !add_string_list(o, "actions", cJSON_GetObjectItemCaseSensitive(in, "actions")) ||
	    !add_string_list(o, "prevention", cJSON_GetObjectItemCaseSensitive(in, "prevention")) ||
	    !add_string_list(o, "missing", cJSON_GetObjectItemCaseSensitive(in, "missing")))
		goto fail;
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

cJSON *fa2_report_parse_model(fa2_slice text, fa2_err *err)
{
	size_t start, end;
	cJSON *j = NULL, *out;
	fa2_err pe = FA2_ERR_PARSE;
	/* Try every '{' from the left against the last '}' (prose before the object may
	 * itself contain braces). */
	for (end = text.len; end > 0 && text.ptr[end - 1] != '}'; end--)
		;
	for (start = 0; end > 0 && start < end; start++) {
		if (text.ptr[start] != '{')
			continue;
		j = fa2_json_parse(fa2_slice_make(text.ptr + start, end - start), &pe);
		if (cJSON_IsObject(j) && (cJSON_GetObjectItemCaseSensitive(j, "summary") ||
					  cJSON_GetObjectItemCaseSensitive(j, "rootCauses")))
			break;
		cJSON_Delete(j);
		j = NULL;
		if (pe == FA2_ERR_NOMEM)
			break;
	}
	if (!j || (!cJSON_GetObjectItemCaseSensitive(j, "summary") &&
		   !cJSON_GetObjectItemCaseSensitive(j, "rootCauses"))) {
		cJSON_Delete(j);
		if (err)
			*err = pe == FA2_ERR_NOMEM ? FA2_ERR_NOMEM : FA2_ERR_PARSE;
		return NULL;
	}
	out = fa2_report_normalize(j);
	cJSON_Delete(j);
	if (err)
		*err = out ? FA2_OK : FA2_ERR_NOMEM;
	return out;
}

/* ---- rendering ---- */

enum {
	L_TITLE, L_STATUS_INCOMPLETE, L_STATUS_PARTIAL, L_INCIDENT, L_WINDOW, L_SUMMARY,
	L_ROOT_CAUSES, L_SEVERITY, L_CONFIDENCE, L_EVIDENCE, L_IMPACT, L_TIMELINE, L_TIME,
	L_EVENT, L_REFERENCES, L_QUERY, L_QUERIES_RUN, L_ACTIONS, L_PREVENTION, L_MISSING,
	L_HIGH, L_MEDIUM, L_LOW, L_UNKNOWN, L_NONE, L_FOOTER, L_CYCLE, L_OK, L_FAILED,
	L_REPEATED, L_STOP, L__COUNT
};

static const char *const labels[2][L__COUNT] = {
	{ "Failure analysis report",
	  "Incomplete: the investigation was stopped before the model finished; see \"Missing or inconclusive data\".",
	  "Partial: the model could not write this report; fa2 assembled it from the data gathered, without analysis.",
	  "Incident", "Window", "Summary", "Root causes", "Severity", "Confidence", "Evidence",
	  "User and business impact", "Timeline", "Time", "Event", "Referenced data", "Query",
	  "Queries run (to re-run them)", "Recommended actions", "Prevention",
	  "Missing or inconclusive data", "High", "Medium", "Low", "Unknown", "None reported.",
	  "Generated by fa2", "cycle", "ok", "failed", "repeated, earlier result reused",
	  "stop reason" },
	{ "障害分析レポート",
	  "未完了: モデルが調査を終える前に打ち切りました。「不足しているデータ」を参照してください。",
	  "部分的: モデルがレポートを作成できなかったため、fa2 が収集したデータを分析せずにまとめました。",
	  "障害", "対象期間", "概要", "根本原因", "重大度", "確信度", "根拠",
	  "利用者・ビジネスへの影響", "タイムライン", "時刻", "出来事", "参照したデータ", "クエリ",
	  "実行したクエリ(再実行用)", "推奨する対応", "再発防止策", "不足しているデータ・未確定の点",
	  "高", "中", "低", "不明", "報告なし。", "fa2 により生成", "サイクル", "成功", "失敗",
	  "重複呼び出し、以前の結果を再利用", "終了理由" }
};

#define L(id) labels[lang][(id)]

static fa2_err put(fa2_buf *b, const char *s)
{
	return fa2_buf_append_cstr(b, s);
}

/* Appends s as one Markdown table cell: '|' escaped, line breaks as <br>. */
static fa2_err put_cell(fa2_buf *b, const char *s)
{
	fa2_err e = FA2_OK;
	for (; *s && !e; s++) {
		if (*s == '|')
			e = put(b, "\\|");
		else if (*s == '\n')
			e = put(b, "<br>");
		else if (*s != '\r')
			e = fa2_buf_append_byte(b, (unsigned char)*s);
	}
	return e;
}

/* Appends s as an inline code span, with a fence longer than any backtick run in s. */
static fa2_err put_code(fa2_buf *b, const char *s)
{
	size_t run = 0, max = 0, i;
	fa2_err e = FA2_OK;
	for (i = 0; s[i]; i++) {
		run = s[i] == '`' ? run + 1 : 0;
		if (run > max)
			max = run;
	}
	for (i = 0; i <= max && !e; i++)
		e = fa2_buf_append_byte(b, '`');
	if (!e && (s[0] == '`' || max))
		e = fa2_buf_append_byte(b, ' ');
	for (i = 0; s[i] && !e; i++)
		e = fa2_buf_append_byte(b, s[i] == '\n' ? ' ' : (unsigned char)s[i]);
	if (!e && max)
		e = fa2_buf_append_byte(b, ' ');
	for (i = 0; i <= max && !e; i++)
		e = fa2_buf_append_byte(b, '`');
	return e;
}

static const char *level_label(fa2_lang lang, const char *lvl)
{
	if (strcmp(lvl, "high") == 0) return L(L_HIGH);
	if (strcmp(lvl, "medium") == 0) return L(L_MEDIUM);
	if (strcmp(lvl, "low") == 0) return L(L_LOW);
	return L(L_UNKNOWN);
}

static const char *gs(const cJSON *o, const char *k)
{
	const char *s = fa2_json_str(o, k);
	return s ? s : "";
}

static fa2_err list_section(fa2_buf *b, fa2_lang lang, const char *title, const cJSON *arr,
			    int numbered)
{
	const cJSON *it;
	unsigned n = 0;
	fa2_err e = fa2_buf_appendf(b, "\n## %s\n\n", title);
	cJSON_ArrayForEach(it, as_array(arr))
	{
		if (e || !cJSON_IsString(it))
			continue;
		n++;
		e = numbered ? fa2_buf_appendf(b, "%u. ", n) : put(b, "- ");
		if (!e)
			e = put(b, it->valuestring);
		if (!e)
			e = put(b, "\n");
	}
	if (!e && n == 0)
		e = fa2_buf_appendf(b, "%s\n", L(L_NONE));
	return e;
}

/* The window at tz (an IANA zone: each end at its own offset, then the zone's name), or
 * at the fixed offset tz_min when tz is NULL. */
static fa2_err render_window(fa2_buf *b, const cJSON *inc, const fa2_tz *tz, int tz_min)
{
	double from, to;
	char f[40], t[40];
	fa2_tz_info i;
	fa2_err e;
	if (!fa2_json_num(inc, "fromMs", &from) || !fa2_json_num(inc, "toMs", &to))
		return fa2_buf_appendf(b, "%s - %s", gs(inc, "from"), gs(inc, "to"));
	if (tz ? !fa2_tz_format_rfc3339(tz, (int64_t)from, 0, f, sizeof f) ||
			 !fa2_tz_format_rfc3339(tz, (int64_t)to, 0, t, sizeof t)
	       : !fa2_time_format_rfc3339((int64_t)from, tz_min, 0, f, sizeof f) ||
			 !fa2_time_format_rfc3339((int64_t)to, tz_min, 0, t, sizeof t))
		return FA2_ERR_INVALID;
	e = fa2_buf_appendf(b, "%s - %s", f, t);
	if (e || !tz || tz->fixed)
		return e;
	fa2_tz_lookup(tz, (int64_t)from, &i);
	if (i.abbr[0] && i.abbr[0] != '+' && i.abbr[0] != '-')
		return fa2_buf_appendf(b, " (%s, %s)", tz->name, i.abbr);
	return fa2_buf_appendf(b, " (%s)", tz->name);
}

static fa2_err render_md(const cJSON *r, fa2_lang lang, const fa2_tz *tz, int tz_offset_min, fa2_buf *b);

fa2_err fa2_report_render_md(const cJSON *r, fa2_lang lang, int tz_offset_min, fa2_buf *b)
{
	return render_md(r, lang, NULL, tz_offset_min, b);
}

fa2_err fa2_report_render_md_tz(const cJSON *r, fa2_lang lang, const fa2_tz *tz, fa2_buf *b)
{
	return render_md(r, lang, tz, 0, b);
}

static fa2_err render_md(const cJSON *r, fa2_lang lang, const fa2_tz *tz, int tz_offset_min, fa2_buf *b)
{
	const cJSON *inc = cJSON_GetObjectItemCaseSensitive(r, "incident");
	const cJSON *agent = cJSON_GetObjectItemCaseSensitive(r, "agent");
	const cJSON *it, *arr;
	const char *status = gs(r, "status");
	unsigned n = 0;
	fa2_err e;

	e = fa2_buf_appendf(b, "# %s\n\n", L(L_TITLE));
	if (!e && strcmp(status, "incomplete") == 0)
		e = fa2_buf_appendf(b, "> %s\n\n", L(L_STATUS_INCOMPLETE));
	else if (!e && strcmp(status, "partial") == 0)
		e = fa2_buf_appendf(b, "> %s\n\n", L(L_STATUS_PARTIAL));
	if (!e && cJSON_IsObject(inc)) {
		e = fa2_buf_appendf(b, "- **%s**: %s\n- **%s**: ", L(L_INCIDENT), gs(inc, "event"),
				    L(L_WINDOW));
		if (!e)
			e = render_window(b, inc, tz, tz_offset_min);
		if (!e)
			e = put(b, "\n");
	}
	if (!e)
		e = fa2_buf_appendf(b, "\n## %s\n\n%s\n", L(L_SUMMARY),
				    *gs(r, "summary") ? gs(r, "summary") : L(L_NONE));
	if (!e)
		e = fa2_buf_appendf(b, "\n## %s\n", L(L_ROOT_CAUSES));
	arr = cJSON_GetObjectItemCaseSensitive(r, "rootCauses");
	cJSON_ArrayForEach(it, as_array(arr))
	{
		const cJSON *ev;
		if (e)
			break;
		n++;
		e = fa2_buf_appendf(b, "\n### %u. %s\n\n- %s: **%s**\n- %s: **%s**\n", n,
				    *gs(it, "title") ? gs(it, "title") : "-", L(L_SEVERITY),
				    level_label(lang, gs(it, "severity")), L(L_CONFIDENCE),
				    level_label(lang, gs(it, "confidence")));
		if (!e && *gs(it, "description"))
			e = fa2_buf_appendf(b, "\n%s\n", gs(it, "description"));
		ev = cJSON_GetObjectItemCaseSensitive(it, "evidence");
		if (!e && cJSON_GetArraySize(ev) > 0) {
			const cJSON *x;
			e = fa2_buf_appendf(b, "\n%s:\n\n", L(L_EVIDENCE));
			cJSON_ArrayForEach(x, ev)
			{
				if (!e && cJSON_IsString(x))
					e = fa2_buf_appendf(b, "- %s\n", x->valuestring);
			}
		}
	}
	if (!e && n == 0)
		e = fa2_buf_appendf(b, "\n%s\n", L(L_NONE));
	if (!e)
		e = fa2_buf_appendf(b, "\n## %s\n\n%s\n", L(L_IMPACT),
				    *gs(r, "impact") ? gs(r, "impact") : L(L_NONE));
	if (!e)
		e = fa2_buf_appendf(b, "\n## %s\n\n", L(L_TIMELINE));
	arr = cJSON_GetObjectItemCaseSensitive(r, "timeline");
	if (!e && cJSON_GetArraySize(arr) > 0) {
		e = fa2_buf_appendf(b, "| %s | %s |\n| --- | --- |\n", L(L_TIME), L(L_EVENT));
		cJSON_ArrayForEach(it, arr)
		{
			if (e)
				break;
			e = put(b, "| ");
			if (!e)
				e = put_cell(b, gs(it, "time"));
			if (!e)
				e = put(b, " | ");
			if (!e)
				e = put_cell(b, gs(it, "event"));
			if (!e)
				e = put(b, " |\n");
		}
	} else if (!e) {
		e = fa2_buf_appendf(b, "%s\n", L(L_NONE));
	}
	if (!e)
		e = fa2_buf_appendf(b, "\n## %s\n\n", L(L_REFERENCES));
	arr = cJSON_GetObjectItemCaseSensitive(r, "references");
	n = 0;
	cJSON_ArrayForEach(it, as_array(arr))
	{
		if (e)
			break;
		n++;
		e = fa2_buf_appendf(b, "- **%s**", *gs(it, "tool") ? gs(it, "tool") : "-");
		if (!e && *gs(it, "description"))
			e = fa2_buf_appendf(b, ": %s", gs(it, "description"));
		if (!e && *gs(it, "query")) {
			e = fa2_buf_appendf(b, "\n  %s: ", L(L_QUERY));
			if (!e)
				e = put_code(b, gs(it, "query"));
		}
		if (!e)
			e = put(b, "\n");
	}
	arr = agent ? cJSON_GetObjectItemCaseSensitive(agent, "toolCalls") : NULL;
	if (!e && cJSON_GetArraySize(arr) > 0) {
		e = fa2_buf_appendf(b, "%s### %s\n\n", n ? "\n" : "", L(L_QUERIES_RUN));
		cJSON_ArrayForEach(it, arr)
		{
			const cJSON *input = cJSON_GetObjectItemCaseSensitive(it, "input");
			char *in;
			double cyc = 0, ms = 0;
			if (e)
				break;
			fa2_json_num(it, "cycle", &cyc);
			fa2_json_num(it, "ms", &ms);
			in = input ? cJSON_PrintUnformatted(input) : NULL;
			e = fa2_buf_appendf(b, "- %s %u: ", L(L_CYCLE), (unsigned)cyc);
			if (!e)
				e = put_code(b, gs(it, "tool"));
			if (!e)
				e = put(b, " ");
			if (!e)
				e = put_code(b, in ? in : "{}");
			fa2_free(in);
			if (!e)
				e = fa2_buf_appendf(b, " (%s, %.1f s)\n",
						    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "repeated"))
							    ? L(L_REPEATED)
						    : cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "ok"))
							    ? L(L_OK)
							    : L(L_FAILED),
						    ms / 1000.0);
		}
	} else if (!e && n == 0) {
		e = fa2_buf_appendf(b, "%s\n", L(L_NONE));
	}
	if (!e)
		e = list_section(b, lang, L(L_ACTIONS), cJSON_GetObjectItemCaseSensitive(r, "actions"), 1);
	if (!e)
		e = list_section(b, lang, L(L_PREVENTION), cJSON_GetObjectItemCaseSensitive(r, "prevention"), 0);
	if (!e)
		e = list_section(b, lang, L(L_MISSING), cJSON_GetObjectItemCaseSensitive(r, "missing"), 0);
	if (!e && cJSON_IsObject(agent)) {
		double cycles = 0, calls = 0;
		fa2_json_num(agent, "cycles", &cycles);
		fa2_json_num(agent, "modelCalls", &calls);
		e = fa2_buf_appendf(b, "\n---\n%s · %s %s · %u %s · %s: %s\n", L(L_FOOTER),
				    gs(agent, "provider"), gs(agent, "model"), (unsigned)cycles,
				    L(L_CYCLE), L(L_STOP), gs(agent, "stopReason"));
	}
	return e;
}

fa2_err fa2_report_render_json(const cJSON *report, fa2_buf *out)
{
	char *s = cJSON_Print(report);
	fa2_err e;
	if (!s)
		return FA2_ERR_NOMEM;
	e = fa2_buf_append_cstr(out, s);
	if (!e)
		e = fa2_buf_append_byte(out, '\n');
	fa2_free(s);
	return e;
}
