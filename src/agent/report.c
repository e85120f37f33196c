/* Report normalisation and rendering (Markdown en/ja, JSON). */
#include "agent/report.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/json.h"
#include "base/msg.h"
#include "base/time.h"
#include "doc/chain.h"

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

/* Adds key: a copy of s capped at cap bytes (on a UTF-8 boundary). */
static int add_capped_n(cJSON *o, const char *key, const char *s, size_t cap)
{
	size_t n = strlen(s);
	char *c;
	cJSON *r;
	if (n <= cap)
		return cJSON_AddStringToObject(o, key, s) != NULL;
	n = cap;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	c = fa2_strndup(s, n);
	if (!c)
		return 0;
	r = cJSON_AddStringToObject(o, key, c);
	fa2_free(c);
	return r != NULL;
}

static int add_capped(cJSON *o, const char *key, const char *s)
{
	return add_capped_n(o, key, s, FA2_REPORT_MAX_STRING);
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
	if (strncasecmp(s, "high", 4) == 0 || strncasecmp(s, "critical", 8) == 0 ||
			strcmp(s, fa2_msg(FA2_LANG_JA, "report.label.high")) == 0)
		return "high";
	if (strncasecmp(s, "medium", 6) == 0 || strncasecmp(s, "moderate", 8) == 0 ||
			strcmp(s, fa2_msg(FA2_LANG_JA, "report.label.medium")) == 0)
		return "medium";
	if (strncasecmp(s, "low", 3) == 0 || strcmp(s, fa2_msg(FA2_LANG_JA, "report.label.low")) == 0)
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

static int add_chain_text(cJSON *o, const char *key, const char *s)
{
	return add_capped_n(o, key, s, FA2_MAX_CHAIN_TEXT_BYTES);
}

/* One "next" entry as {id, label}; 1 with nothing added for an entry that names no id. */
static int add_chain_next(cJSON *arr, const cJSON *in)
{
	const cJSON *id = cJSON_IsObject(in) ? cJSON_GetObjectItemCaseSensitive(in, "id") : in;
	const cJSON *lab = cJSON_IsObject(in) ? cJSON_GetObjectItemCaseSensitive(in, "label") : NULL;
	cJSON *e;
	if (!cJSON_IsString(id) || !id->valuestring[0])
		return 1;
	e = cJSON_CreateObject();
	if (!e)
		return 0;
	cJSON_AddItemToArray(arr, e);
	return add_chain_text(e, "id", id->valuestring) &&
	       add_chain_text(e, "label", cJSON_IsString(lab) ? lab->valuestring : "");
}

/* The causalChain as documented in report.h; [] when nothing can be drawn from it. */
static int add_chain(cJSON *o, const cJSON *in)
{
	cJSON *arr = cJSON_AddArrayToObject(o, "causalChain");
	const cJSON *it;
	unsigned n = 0;
	char tmp[64];
	fa2_chain ch;
	fa2_err e;
	if (!arr)
		return 0;
	cJSON_ArrayForEach(it, as_array(in))
	{
		const cJSON *next, *x;
		cJSON *node, *nx;
		unsigned k = 0;
		if (n >= FA2_MAX_CHAIN_NODES)
			break;
		if (!cJSON_IsObject(it) || !*str_of(it, "label", tmp, sizeof tmp))
			continue;
		node = cJSON_CreateObject();
		if (!node)
			return 0;
		cJSON_AddItemToArray(arr, node);
		n++;
		if (!add_chain_text(node, "id", str_of(it, "id", tmp, sizeof tmp)) ||
		    !cJSON_AddStringToObject(node, "kind",
					     fa2_chain_kind_name(fa2_chain_kind_parse(
						     fa2_slice_cstr(str_of(it, "kind", tmp, sizeof tmp))))) ||
		    !add_chain_text(node, "label", str_of(it, "label", tmp, sizeof tmp)) ||
		    !add_chain_text(node, "time", str_of(it, "time", tmp, sizeof tmp)) ||
		    !add_chain_text(node, "evidence", str_of(it, "evidence", tmp, sizeof tmp)))
			return 0;
		next = cJSON_GetObjectItemCaseSensitive(it, "next");
		if (!next)
			continue; /* no "next": the list order is the chain (doc/chain.h) */
		nx = cJSON_AddArrayToObject(node, "next");
		if (!nx)
			return 0;
		if (cJSON_IsString(next) || cJSON_IsObject(next)) {
			if (!add_chain_next(nx, next))
				return 0;
			continue;
		}
		cJSON_ArrayForEach(x, as_array(next))
		{
			if (k++ >= FA2_REPORT_MAX_CHAIN_IDS)
				break;
			if (!add_chain_next(nx, x))
				return 0;
		}
	}
	/* A chain from which no diagram can be drawn degrades to none. */
	fa2_chain_init(&ch);
	e = cJSON_GetArraySize(arr) > 0 ? fa2_chain_from_json(&ch, arr) : FA2_ERR_PARSE;
	fa2_chain_cleanup(&ch);
	if (e == FA2_ERR_NOMEM)
		return 0;
	if (e) {
		while (cJSON_GetArraySize(arr) > 0)
			cJSON_DeleteItemFromArray(arr, 0);
	}
	return 1;
}
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
	    !add_string_list(o, "missing", cJSON_GetObjectItemCaseSensitive(in, "missing")) ||
	    !add_chain(o, cJSON_GetObjectItemCaseSensitive(in, "causalChain")))
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

/* The label id in lang (the catalog's report.label.* keys). */
static const char *label(fa2_lang lang, fa2_report_label id)
{
	switch (id) {
	case FA2_RL_TITLE: return fa2_msg(lang, "report.label.title");
	case FA2_RL_STATUS_INCOMPLETE: return fa2_msg(lang, "report.label.status_incomplete");
	case FA2_RL_STATUS_PARTIAL: return fa2_msg(lang, "report.label.status_partial");
	case FA2_RL_INCIDENT: return fa2_msg(lang, "report.label.incident");
	case FA2_RL_WINDOW: return fa2_msg(lang, "report.label.window");
	case FA2_RL_SUMMARY: return fa2_msg(lang, "report.label.summary");
	case FA2_RL_ROOT_CAUSES: return fa2_msg(lang, "report.label.root_causes");
	case FA2_RL_SEVERITY: return fa2_msg(lang, "report.label.severity");
	case FA2_RL_CONFIDENCE: return fa2_msg(lang, "report.label.confidence");
	case FA2_RL_EVIDENCE: return fa2_msg(lang, "report.label.evidence");
	case FA2_RL_IMPACT: return fa2_msg(lang, "report.label.impact");
	case FA2_RL_TIMELINE: return fa2_msg(lang, "report.label.timeline");
	case FA2_RL_TIME: return fa2_msg(lang, "report.label.time");
	case FA2_RL_EVENT: return fa2_msg(lang, "report.label.event");
	case FA2_RL_REFERENCES: return fa2_msg(lang, "report.label.references");
	case FA2_RL_QUERY: return fa2_msg(lang, "report.label.query");
	case FA2_RL_QUERIES_RUN: return fa2_msg(lang, "report.label.queries_run");
	case FA2_RL_ACTIONS: return fa2_msg(lang, "report.label.actions");
	case FA2_RL_PREVENTION: return fa2_msg(lang, "report.label.prevention");
	case FA2_RL_MISSING: return fa2_msg(lang, "report.label.missing");
	case FA2_RL_HIGH: return fa2_msg(lang, "report.label.high");
	case FA2_RL_MEDIUM: return fa2_msg(lang, "report.label.medium");
	case FA2_RL_LOW: return fa2_msg(lang, "report.label.low");
	case FA2_RL_UNKNOWN: return fa2_msg(lang, "report.label.unknown");
	case FA2_RL_NONE: return fa2_msg(lang, "report.label.none");
	case FA2_RL_FOOTER: return fa2_msg(lang, "report.label.footer");
	case FA2_RL_CYCLE: return fa2_msg(lang, "report.label.cycle");
	case FA2_RL_OK: return fa2_msg(lang, "report.label.ok");
	case FA2_RL_FAILED: return fa2_msg(lang, "report.label.failed");
	case FA2_RL_REPEATED: return fa2_msg(lang, "report.label.repeated");
	case FA2_RL_STOP: return fa2_msg(lang, "report.label.stop");
	case FA2_RL_CHAIN: return fa2_msg(lang, "report.label.chain");
	case FA2_RL_CONTINUED: return fa2_msg(lang, "report.label.continued");
	case FA2_RL_ATTACHED: return fa2_msg(lang, "report.label.attached");
	default: return "";
	}
}

#define L(id) label(lang, (id))

const char *fa2_report_label_text(fa2_lang lang, fa2_report_label id)
{
	return label(lang, id);
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* 1 when w[0..n) ends in a zone: Z, +HH:MM or +HHMM (either sign). */
static int ends_in_zone(const char *w, size_t n)
{
	if (w[n - 1] == 'Z' || w[n - 1] == 'z')
		return 1;
	if ((w[n - 6] == '+' || w[n - 6] == '-') && is_digit(w[n - 5]) && is_digit(w[n - 4]) && w[n - 3] == ':' &&
	    is_digit(w[n - 2]) && is_digit(w[n - 1]))
		return 1;
	return (w[n - 5] == '+' || w[n - 5] == '-') && is_digit(w[n - 4]) && is_digit(w[n - 3]) &&
	       is_digit(w[n - 2]) && is_digit(w[n - 1]) && w[n - 6] != '-';
}

int fa2_report_local_time(const char *w, const fa2_tz *tz, int tz_offset_min, char *out, size_t cap)
{
	size_t n = strlen(w), i;
	int64_t ms;
	int off = tz_offset_min, k, letters = 0;
	char r[40];
	const char *zone;
	fa2_tz_info inf;

	if (n < 17 || n > 35 || cap == 0)
		return 0;
	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? w[i] != '-' : !is_digit(w[i]))
			return 0;
	if ((w[10] != 'T' && w[10] != 't' && w[10] != ' ') || !ends_in_zone(w, n))
		return 0;
	if (fa2_time_parse(fa2_slice_make(w, n), 0, 0, &ms) != FA2_OK)
		return 0;
	memset(&inf, 0, sizeof inf);
	if (tz) {
		fa2_tz_lookup(tz, ms, &inf);
		off = fa2_tz_offset_min(tz, ms);
	}
	if (!fa2_time_format_rfc3339(ms, off, 0, r, sizeof r))
		return 0;
	for (k = 0; inf.abbr[k]; k++)
		letters |= (inf.abbr[k] >= 'A' && inf.abbr[k] <= 'Z') || (inf.abbr[k] >= 'a' && inf.abbr[k] <= 'z');
	zone = letters ? inf.abbr : off == 0 ? "UTC" : r + 19;
	k = snprintf(out, cap, "%.10s %.5s%s%.2s %s", r, r + 11, memcmp(r + 17, "00", 2) ? ":" : "",
		     memcmp(r + 17, "00", 2) ? r + 17 : "", zone);
	return k > 0 && (size_t)k < cap;
}

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

fa2_err fa2_report_local_text(const char *text, const fa2_tz *tz, int tz_offset_min, fa2_buf *out)
{
	const char *p = text ? text : "", *q;
	char word[40], lt[64];
	size_t n;
	fa2_err e = FA2_OK;
	while (*p && !e) {
		if (is_digit(*p) && (p == text || !is_digit(p[-1]))) {
			for (n = 0; p[n] && p[n] != ' ' && p[n] != '\n' && p[n] != '\t' && n < sizeof word; n++)
				;
			while (n > 0 && strchr(".,;)]", p[n - 1]))
				n--;
			if (n >= 17 && n < sizeof word) {
				memcpy(word, p, n);
				word[n] = '\0';
				if (fa2_report_local_time(word, tz, tz_offset_min, lt, sizeof lt)) {
					e = fa2_buf_append_cstr(out, lt);
					p += n;
					continue;
				}
			}
		}
		for (q = p + 1; *q && !is_digit(*q); q++)
			;
		e = fa2_buf_append(out, p, (size_t)(q - p));
		p = q;
	}
	return e;
}

const char *fa2_report_level_text(fa2_lang lang, const char *lvl)
{
	lang = lang == FA2_LANG_JA ? FA2_LANG_JA : FA2_LANG_EN;
	if (strcmp(lvl, "high") == 0) return L(FA2_RL_HIGH);
	if (strcmp(lvl, "medium") == 0) return L(FA2_RL_MEDIUM);
	if (strcmp(lvl, "low") == 0) return L(FA2_RL_LOW);
	return L(FA2_RL_UNKNOWN);
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
		e = fa2_buf_appendf(b, "%s\n", L(FA2_RL_NONE));
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

/* The causal chain as a Mermaid flowchart and, under it, as lines of text (for viewers
 * that do not draw Mermaid); nothing when the report has no chain or it yields none. */
fa2_err fa2_report_chain_build(const cJSON *report, const fa2_tz *tz, int tz_offset_min, fa2_chain *c)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(report, "causalChain");
	cJSON *copy, *it;
	fa2_err e;
	if (cJSON_GetArraySize(arr) == 0)
		return FA2_ERR_PARSE;
	copy = cJSON_Duplicate(arr, 1);
	if (!copy)
		return FA2_ERR_NOMEM;
	cJSON_ArrayForEach(it, copy)
	{
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(it, "time");
		char lt[48];
		if (cJSON_IsString(t) && fa2_report_local_time(t->valuestring, tz, tz_offset_min, lt, sizeof lt)) {
			cJSON *v = cJSON_CreateString(lt);
			if (!v || !cJSON_ReplaceItemInObjectCaseSensitive(it, "time", v)) {
				cJSON_Delete(v);
				cJSON_Delete(copy);
				return FA2_ERR_NOMEM;
			}
		}
	}
	e = fa2_chain_from_json(c, copy);
	cJSON_Delete(copy);
	return e;
}

static fa2_err render_chain(fa2_buf *b, fa2_lang lang, const cJSON *r, const fa2_tz *tz, int tz_offset_min)
{
	fa2_chain ch;
	fa2_buf text;
	fa2_err e;
	fa2_chain_init(&ch);
	fa2_buf_init(&text, 64u * 1024u);
	e = fa2_report_chain_build(r, tz, tz_offset_min, &ch);
	if (e == FA2_ERR_PARSE) {
		e = FA2_OK; /* nothing to draw */
		goto cleanup;
	}
	if (!e)
		e = fa2_chain_render_text(&ch, 0, &text);
	if (!e)
		e = fa2_buf_appendf(b, "\n## %s\n\n```mermaid\n", L(FA2_RL_CHAIN));
	if (!e)
		e = fa2_chain_render_mermaid(&ch, b);
	if (!e)
		e = put(b, "```\n\n");
	if (!e) { /* one list item per path */
		fa2_slice rest = fa2_buf_slice(&text);
		while (rest.len && !e) {
			size_t k = 0;
			while (k < rest.len && rest.ptr[k] != '\n')
				k++;
			e = put(b, "- ");
			if (!e)
				e = fa2_buf_append(b, rest.ptr, k);
			if (!e)
				e = put(b, "\n");
			rest = fa2_slice_sub(rest, k < rest.len ? k + 1 : k, rest.len - (k < rest.len ? k + 1 : k));
		}
	}
cleanup:
	fa2_buf_cleanup(&text);
	fa2_chain_cleanup(&ch);
	return e;
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

	e = fa2_buf_appendf(b, "# %s\n\n", L(FA2_RL_TITLE));
	if (!e && strcmp(status, "incomplete") == 0)
		e = fa2_buf_appendf(b, "> %s\n\n", L(FA2_RL_STATUS_INCOMPLETE));
	else if (!e && strcmp(status, "partial") == 0)
		e = fa2_buf_appendf(b, "> %s\n\n", L(FA2_RL_STATUS_PARTIAL));
	if (!e && cJSON_IsObject(inc)) {
		e = fa2_buf_appendf(b, "- **%s**: ", L(FA2_RL_INCIDENT));
		if (!e)
			e = fa2_report_local_text(gs(inc, "event"), tz, tz_offset_min, b);
		if (!e)
			e = fa2_buf_appendf(b, "\n- **%s**: ", L(FA2_RL_WINDOW));
		if (!e)
			e = render_window(b, inc, tz, tz_offset_min);
		if (!e)
			e = put(b, "\n");
	}
	if (!e)
		e = fa2_buf_appendf(b, "\n## %s\n\n%s\n", L(FA2_RL_SUMMARY),
				    *gs(r, "summary") ? gs(r, "summary") : L(FA2_RL_NONE));
	if (!e)
		e = fa2_buf_appendf(b, "\n## %s\n", L(FA2_RL_ROOT_CAUSES));
	arr = cJSON_GetObjectItemCaseSensitive(r, "rootCauses");
	cJSON_ArrayForEach(it, as_array(arr))
	{
		const cJSON *ev;
		if (e)
			break;
		n++;
		e = fa2_buf_appendf(b, "\n### %u. %s\n\n- %s: **%s**\n- %s: **%s**\n", n,
				    *gs(it, "title") ? gs(it, "title") : "-", L(FA2_RL_SEVERITY),
				    fa2_report_level_text(lang, gs(it, "severity")), L(FA2_RL_CONFIDENCE),
				    fa2_report_level_text(lang, gs(it, "confidence")));
		if (!e && *gs(it, "description"))
			e = fa2_buf_appendf(b, "\n%s\n", gs(it, "description"));
		ev = cJSON_GetObjectItemCaseSensitive(it, "evidence");
		if (!e && cJSON_GetArraySize(ev) > 0) {
			const cJSON *x;
			e = fa2_buf_appendf(b, "\n%s:\n\n", L(FA2_RL_EVIDENCE));
			cJSON_ArrayForEach(x, ev)
			{
				if (!e && cJSON_IsString(x))
					e = fa2_buf_appendf(b, "- %s\n", x->valuestring);
			}
		}
	}
	if (!e && n == 0)
		e = fa2_buf_appendf(b, "\n%s\n", L(FA2_RL_NONE));
	if (!e)
		e = render_chain(b, lang, r, tz, tz_offset_min);
	if (!e)
		e = fa2_buf_appendf(b, "\n## %s\n\n%s\n", L(FA2_RL_IMPACT),
				    *gs(r, "impact") ? gs(r, "impact") : L(FA2_RL_NONE));
	if (!e)
		e = fa2_buf_appendf(b, "\n## %s\n\n", L(FA2_RL_TIMELINE));
	arr = cJSON_GetObjectItemCaseSensitive(r, "timeline");
	if (!e && cJSON_GetArraySize(arr) > 0) {
		if (tz && !tz->fixed) /* the zone converted times are shown in */
			e = fa2_buf_appendf(b, "| %s (%s) | %s |\n| --- | --- |\n", L(FA2_RL_TIME), tz->name, L(FA2_RL_EVENT));
		else
			e = fa2_buf_appendf(b, "| %s | %s |\n| --- | --- |\n", L(FA2_RL_TIME), L(FA2_RL_EVENT));
		cJSON_ArrayForEach(it, arr)
		{
			if (e)
				break;
			char lt[48];
			e = put(b, "| ");
			if (!e)
				e = put_cell(b, fa2_report_local_time(gs(it, "time"), tz, tz_offset_min, lt, sizeof lt)
							? lt
							: gs(it, "time"));
			if (!e)
				e = put(b, " | ");
			if (!e)
				e = put_cell(b, gs(it, "event"));
			if (!e)
				e = put(b, " |\n");
		}
	} else if (!e) {
		e = fa2_buf_appendf(b, "%s\n", L(FA2_RL_NONE));
	}
	if (!e)
		e = fa2_buf_appendf(b, "\n## %s\n\n", L(FA2_RL_REFERENCES));
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
			e = fa2_buf_appendf(b, "\n  %s: ", L(FA2_RL_QUERY));
			if (!e)
				e = put_code(b, gs(it, "query"));
		}
		if (!e)
			e = put(b, "\n");
	}
	arr = agent ? cJSON_GetObjectItemCaseSensitive(agent, "toolCalls") : NULL;
	if (!e && cJSON_GetArraySize(arr) > 0) {
		e = fa2_buf_appendf(b, "%s### %s\n\n", n ? "\n" : "", L(FA2_RL_QUERIES_RUN));
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
			e = fa2_buf_appendf(b, "- %s %u: ", L(FA2_RL_CYCLE), (unsigned)cyc);
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
							    ? L(FA2_RL_REPEATED)
						    : cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "ok"))
							    ? L(FA2_RL_OK)
							    : L(FA2_RL_FAILED),
						    ms / 1000.0);
		}
	} else if (!e && n == 0) {
		e = fa2_buf_appendf(b, "%s\n", L(FA2_RL_NONE));
	}
	if (!e)
		e = list_section(b, lang, L(FA2_RL_ACTIONS), cJSON_GetObjectItemCaseSensitive(r, "actions"), 1);
	if (!e)
		e = list_section(b, lang, L(FA2_RL_PREVENTION), cJSON_GetObjectItemCaseSensitive(r, "prevention"), 0);
	if (!e)
		e = list_section(b, lang, L(FA2_RL_MISSING), cJSON_GetObjectItemCaseSensitive(r, "missing"), 0);
	if (!e && cJSON_IsObject(agent)) {
		double cycles = 0, calls = 0;
		fa2_json_num(agent, "cycles", &cycles);
		fa2_json_num(agent, "modelCalls", &calls);
		e = fa2_buf_appendf(b, "\n---\n%s · %s %s · %u %s · %s: %s\n", L(FA2_RL_FOOTER),
				    gs(agent, "provider"), gs(agent, "model"), (unsigned)cycles,
				    L(FA2_RL_CYCLE), L(FA2_RL_STOP), gs(agent, "stopReason"));
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
