/* The report as Slack messages: see report_blocks.h. */
#include "serve/report_blocks.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/json.h"
#include "base/log.h"
#include "base/time.h"
#include "doc/chain.h"
#include "slack/blocks.h"

#define RB_TEXT_MAX (FA2_MAX_REPORT_BYTES * 2u) /* one escaped free text */

size_t fa2_slack_text_chars(fa2_slice s)
{
	size_t i, n = 0;
	for (i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if ((c & 0xC0) == 0x80)
			continue; /* continuation byte */
		n += c >= 0xF0 && c < 0xF8 ? 2u : 1u; /* 4-byte sequences are surrogate pairs */
	}
	return n;
}

/* 1 when byte i of s starts a character (not a continuation byte). */
static int char_start(fa2_slice s, size_t i)
{
	return i >= s.len || ((unsigned char)s.ptr[i] & 0xC0) != 0x80;
}

size_t fa2_slack_cut(fa2_slice s, size_t max_chars)
{
	size_t i = 0, n = 0, end, k, amp;
	if (fa2_slack_text_chars(s) <= max_chars)
		return s.len;
	/* end: the longest prefix of whole characters within max_chars */
	while (i < s.len) {
		unsigned char c = (unsigned char)s.ptr[i];
		size_t w = c >= 0xF0 && c < 0xF8 ? 2u : 1u, j = i + 1;
		while (j < s.len && !char_start(s, j))
			j++;
		if (n + w > max_chars)
			break;
		n += w;
		i = j;
	}
	end = i;
	for (k = end; k > end / 2; k--)
		if (s.ptr[k - 1] == '\n')
			return k;
	for (k = end; k > end / 2; k--)
		if (s.ptr[k - 1] == ' ')
			return k;
	/* Never inside an entity of escaped text ("&amp;"). */
	for (amp = end; amp > 0 && end - amp < 6; amp--) {
		if (s.ptr[amp - 1] == ';')
			break;
		if (s.ptr[amp - 1] == '&') {
			if (amp - 1 > 0)
				end = amp - 1;
			break;
		}
	}
	return end ? end : s.len;
}

/* ---- the builder ---- */

typedef struct rb {
	cJSON *msgs;          /* the messages so far */
	cJSON *blocks;        /* blocks of the last message, NULL before the first */
	size_t n_blocks, chars, md_chars;
	int has_table;        /* the last message ends with a table: the next block starts a new one */
	int cut;              /* FA2_SLACK_RB_MAX_MESSAGES reached: the rest is in the file only */
	int last_kind;        /* kind of the last block pushed ('l': a heading) */
	size_t last_chars;    /* its characters */
	fa2_lang lang;
	const fa2_tz *tz;
	fa2_err err;
} rb;

#define LBL(b, id) fa2_report_label_text((b)->lang, (id))

static int new_message(rb *b)
{
	cJSON *m;
	if ((size_t)cJSON_GetArraySize(b->msgs) >= FA2_SLACK_RB_MAX_MESSAGES) {
		b->cut = 1;
		return 0;
	}
	m = cJSON_CreateObject();
	b->blocks = m ? cJSON_AddArrayToObject(m, "blocks") : NULL;
	if (!b->blocks || !cJSON_AddItemToArray(b->msgs, m)) {
		cJSON_Delete(m);
		b->blocks = NULL;
		b->err = FA2_ERR_NOMEM;
		return 0;
	}
	b->n_blocks = b->chars = b->md_chars = 0;
	b->has_table = 0;
	return 1;
}

/* Adds block (taken, may be NULL: no memory) holding chars characters of text; kind 'm'
 * for a markdown block, 't' for a table, 'l' for a heading, else 0. A block that does
 * not fit the message starts the next one, taking a heading just before it along; a
 * table ends its message (one table per message, and clients that draw a table at the
 * bottom of its message then keep the report's order). */
static void push(rb *b, cJSON *block, size_t chars, int kind)
{
	if (b->err || b->cut || !block) {
		if (!block && !b->err)
			b->err = FA2_ERR_NOMEM;
		cJSON_Delete(block);
		return;
	}
	if (!b->blocks || b->has_table || b->n_blocks + 1 > FA2_SLACK_RB_MAX_BLOCKS ||
	    b->chars + chars > FA2_SLACK_RB_MESSAGE_CHARS ||
	    (kind == 'm' && b->md_chars + chars > FA2_SLACK_RB_MARKDOWN_TOTAL)) {
		/* A heading moves on with what it heads. */
		cJSON *heading = b->blocks && b->last_kind == 'l' && b->n_blocks > 1
					 ? cJSON_DetachItemFromArray(b->blocks, (int)b->n_blocks - 1)
					 : NULL;
		size_t hc = b->last_chars;
		if (!new_message(b)) {
			cJSON_Delete(heading);
			cJSON_Delete(block);
			return;
		}
		if (heading) {
			cJSON_AddItemToArray(b->blocks, heading);
			b->n_blocks = 1;
			b->chars = hc;
		}
	}
	b->last_kind = kind;
	b->last_chars = chars;
	cJSON_AddItemToArray(b->blocks, block);
	b->n_blocks++;
	b->chars += chars;
	if (kind == 'm')
		b->md_chars += chars;
	if (kind == 't')
		b->has_table = 1;
}

static cJSON *text_obj(const char *type, const char *text, size_t len)
{
	cJSON *t = cJSON_CreateObject();
	char *c = fa2_strndup(text, len);
	if (!t || !c || !cJSON_AddStringToObject(t, "type", type) || !cJSON_AddStringToObject(t, "text", c)) {
		cJSON_Delete(t);
		t = NULL;
	}
	fa2_free(c);
	return t;
}

/* A block {"type": type, key: text_obj(ttype, text)} or, for a markdown block,
 * {"type": "markdown", "text": text}. */
static cJSON *text_block(const char *type, const char *ttype, fa2_slice text)
{
	cJSON *b = cJSON_CreateObject(), *t;
	if (!b || !cJSON_AddStringToObject(b, "type", type))
		goto fail;
	if (strcmp(type, "markdown") == 0) {
		char *c = fa2_strndup(text.ptr, text.len);
		cJSON *r = c ? cJSON_AddStringToObject(b, "text", c) : NULL;
		fa2_free(c);
		if (!r)
			goto fail;
		return b;
	}
	t = text_obj(ttype, text.ptr, text.len);
	if (!t)
		goto fail;
	if (strcmp(type, "context") == 0) {
		cJSON *els = cJSON_AddArrayToObject(b, "elements");
		if (!els) {
			cJSON_Delete(t);
			goto fail;
		}
		cJSON_AddItemToArray(els, t);
	} else {
		cJSON_AddItemToObject(b, "text", t);
	}
	return b;
fail:
	cJSON_Delete(b);
	return NULL;
}

/* Adds text as blocks of type ("section" with mrkdwn, "markdown", "context"), split
 * into pieces of at most FA2_SLACK_RB_SECTION_CHARS characters. */
static void add_text(rb *b, const char *type, fa2_slice text)
{
	while (text.len && !b->err && !b->cut) {
		size_t n = fa2_slack_cut(text, FA2_SLACK_RB_SECTION_CHARS);
		fa2_slice piece = fa2_slice_make(text.ptr, n);
		text = fa2_slice_sub(text, n, text.len - n);
		while (piece.len && (piece.ptr[piece.len - 1] == '\n' || piece.ptr[piece.len - 1] == ' '))
			piece.len--;
		if (!piece.len)
			continue;
		push(b, text_block(type, "mrkdwn", piece), fa2_slack_text_chars(piece),
		     strcmp(type, "markdown") == 0 ? 'm' : 0);
	}
}

/* Adds t's text as blocks of type when e is FA2_OK (else records no memory), and frees t. */
static void flush(rb *b, fa2_err e, const char *type, fa2_buf *t)
{
	if (e)
		b->err = FA2_ERR_NOMEM;
	else
		add_text(b, type, fa2_buf_slice(t));
	fa2_buf_cleanup(t);
}

/* Appends s escaped for mrkdwn (&, <, >). */
static fa2_err put_esc(fa2_buf *o, const char *s)
{
	fa2_err e = FA2_OK;
	for (; *s && !e; s++) {
		if (*s == '&')
			e = fa2_buf_append_cstr(o, "&amp;");
		else if (*s == '<')
			e = fa2_buf_append_cstr(o, "&lt;");
		else if (*s == '>')
			e = fa2_buf_append_cstr(o, "&gt;");
		else if (*s != '\r')
			e = fa2_buf_append_byte(o, (unsigned char)*s);
	}
	return e;
}

/* Appends model text for a markdown block: as written, except that Slack's special
 * syntax (<!channel>, <@U123>, <#C123>) is broken with a zero-width space, so a log
 * line quoted by the model cannot notify anyone. */
static fa2_err put_md(fa2_buf *o, const char *s)
{
	fa2_err e = FA2_OK;
	for (; *s && !e; s++) {
		if (*s == '\r')
			continue;
		e = fa2_buf_append_byte(o, (unsigned char)*s);
		if (!e && *s == '<' && (s[1] == '!' || s[1] == '@' || s[1] == '#'))
			e = fa2_buf_append_cstr(o, "\xE2\x80\x8B");
	}
	return e;
}

/* Appends "• *bold*", then sep and rest when rest is not empty, escaped for mrkdwn. */
static fa2_err put_bullet(fa2_buf *t, const char *bold, const char *sep, const char *rest)
{
	fa2_err e = fa2_buf_append_cstr(t, "• *");
	if (!e)
		e = put_esc(t, bold);
	if (!e)
		e = fa2_buf_append_byte(t, '*');
	if (!e && *rest) {
		e = fa2_buf_append_cstr(t, sep);
		if (!e)
			e = put_esc(t, rest);
	}
	return e;
}

static const char *gs(const cJSON *o, const char *k)
{
	const char *s = fa2_json_str(o, k);
	return s ? s : "";
}

/* A heading: a section with the label in bold. */
static void add_label(rb *b, const char *label)
{
	fa2_buf t;
	fa2_buf_init(&t, 1024);
	if (fa2_buf_append_byte(&t, '*') || put_esc(&t, label) || fa2_buf_append_byte(&t, '*'))
		b->err = FA2_ERR_NOMEM;
	else /* a label of ours is short: one block */
		push(b, text_block("section", "mrkdwn", fa2_buf_slice(&t)), fa2_slack_text_chars(fa2_buf_slice(&t)), 'l');
	fa2_buf_cleanup(&t);
}

/* Model free text as markdown blocks ("None reported." when empty). */
static void add_free(rb *b, const char *text)
{
	fa2_buf t;
	fa2_buf_init(&t, RB_TEXT_MAX);
	flush(b, put_md(&t, *text ? text : LBL(b, FA2_RL_NONE)), "markdown", &t);
}

/* A list of strings the model wrote, as markdown ("1." numbered or "-" bullets). */
static void add_list(rb *b, const cJSON *arr, int numbered)
{
	const cJSON *it;
	unsigned n = 0;
	fa2_buf t;
	fa2_err e = FA2_OK;
	fa2_buf_init(&t, RB_TEXT_MAX);
	cJSON_ArrayForEach(it, arr)
	{
		if (e || !cJSON_IsString(it))
			continue;
		n++;
		e = numbered ? fa2_buf_appendf(&t, "%u. ", n) : fa2_buf_append_cstr(&t, "- ");
		if (!e)
			e = put_md(&t, it->valuestring);
		if (!e)
			e = fa2_buf_append_byte(&t, '\n');
	}
	if (e)
		b->err = FA2_ERR_NOMEM;
	else if (n)
		add_text(b, "markdown", fa2_buf_slice(&t));
	else
		add_free(b, "");
	fa2_buf_cleanup(&t);
}

static void add_section(rb *b, fa2_report_label label, const char *text)
{
	add_label(b, LBL(b, label));
	add_free(b, text);
}

static void add_list_section(rb *b, fa2_report_label label, const cJSON *arr, int numbered)
{
	add_label(b, LBL(b, label));
	add_list(b, arr, numbered);
}

/* "2026-11-25 17:00 JST" (seconds when not :00): the instant ms at tz, as report.h shows
 * a time the model wrote in UTC. */
static int local_ms(int64_t ms, const fa2_tz *tz, char *out, size_t cap)
{
	char utc[40];
	return fa2_time_format_rfc3339(ms, 0, 0, utc, sizeof utc) &&
	       fa2_report_local_time(utc, tz, 0, out, cap);
}

/* The header, the status note, the incident and its window. */
static void add_head(rb *b, const cJSON *r)
{
	const cJSON *inc = cJSON_GetObjectItemCaseSensitive(r, "incident");
	const char *status = gs(r, "status");
	double from, to;
	fa2_buf t;
	fa2_err e;
	const char *title = LBL(b, FA2_RL_TITLE);

	push(b, text_block("header", "plain_text", fa2_slice_cstr(title)), fa2_slack_text_chars(fa2_slice_cstr(title)), 0);
	if (strcmp(status, "incomplete") == 0 || strcmp(status, "partial") == 0) {
		const char *note = LBL(b, status[0] == 'i' ? FA2_RL_STATUS_INCOMPLETE : FA2_RL_STATUS_PARTIAL);
		fa2_buf_init(&t, 4096);
		flush(b, fa2_buf_append_cstr(&t, ":warning: ") || put_esc(&t, note) ? FA2_ERR_NOMEM : FA2_OK, "context", &t);
	}
	if (!cJSON_IsObject(inc))
		return;
	fa2_buf_init(&t, RB_TEXT_MAX);
	e = fa2_buf_appendf(&t, "*%s*: ", LBL(b, FA2_RL_INCIDENT));
	if (!e) {
		fa2_buf ev;
		fa2_buf_init(&ev, strlen(gs(inc, "event")) + 4096u);
		e = fa2_report_local_text(gs(inc, "event"), b->tz, 0, &ev);
		if (!e)
			e = put_esc(&t, ev.data ? ev.data : "");
		fa2_buf_cleanup(&ev);
	}
	if (!e)
		e = fa2_buf_appendf(&t, "\n*%s*: ", LBL(b, FA2_RL_WINDOW));
	if (!e && fa2_json_num(inc, "fromMs", &from) && fa2_json_num(inc, "toMs", &to)) {
		char f[48], u[48];
		if (!local_ms((int64_t)from, b->tz, f, sizeof f) || !local_ms((int64_t)to, b->tz, u, sizeof u))
			e = fa2_buf_append_cstr(&t, "-");
		else if (memcmp(f, u, 11) == 0 && strcmp(strrchr(f, ' '), strrchr(u, ' ')) == 0) /* same day and zone */
			e = fa2_buf_appendf(&t, "%.*s – %s", (int)(strrchr(f, ' ') - f), f, u + 11);
		else
			e = fa2_buf_appendf(&t, "%s – %s", f, u);
		if (!e && !b->tz->fixed)
			e = fa2_buf_appendf(&t, " (%s)", b->tz->name);
	} else if (!e) {
		e = put_esc(&t, gs(inc, "from"));
		if (!e)
			e = fa2_buf_append_cstr(&t, " – ");
		if (!e)
			e = put_esc(&t, gs(inc, "to"));
	}
	flush(b, e, "section", &t);
}

/* The causal chain as arrow lines (mrkdwn-escaped by doc/chain.h); nothing without one. */
static void add_chain(rb *b, const cJSON *r)
{
	fa2_chain ch;
	fa2_buf t;
	fa2_err e;
	fa2_chain_init(&ch);
	fa2_buf_init(&t, RB_TEXT_MAX);
	e = fa2_report_chain_build(r, b->tz, 0, &ch);
	if (!e)
		e = fa2_chain_render_text(&ch, 1, &t);
	if (!e && t.len) {
		add_label(b, LBL(b, FA2_RL_CHAIN));
		add_text(b, "section", fa2_buf_slice(&t));
	} else if (e == FA2_ERR_NOMEM) {
		b->err = e;
	}
	fa2_buf_cleanup(&t);
	fa2_chain_cleanup(&ch);
}

/* A field "*Label*\nvalue". */
static cJSON *field(const char *label, const char *value)
{
	char f[256];
	snprintf(f, sizeof f, "*%s*\n%s", label, value);
	return text_obj("mrkdwn", f, strlen(f));
}

static void add_causes(rb *b, const cJSON *r)
{
	const cJSON *it;
	unsigned n = 0;
	add_label(b, LBL(b, FA2_RL_ROOT_CAUSES));
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r, "rootCauses"))
	{
		const cJSON *ev = cJSON_GetObjectItemCaseSensitive(it, "evidence"), *x;
		cJSON *sec, *fields, *f1, *f2, *title;
		fa2_buf t;
		fa2_err e;
		size_t chars;
		n++;
		fa2_buf_init(&t, RB_TEXT_MAX);
		e = fa2_buf_appendf(&t, "*%u. ", n);
		if (!e)
			e = put_esc(&t, *gs(it, "title") ? gs(it, "title") : "-");
		if (!e)
			e = fa2_buf_append_byte(&t, '*');
		if (e) {
			b->err = FA2_ERR_NOMEM;
			fa2_buf_cleanup(&t);
			return;
		}
		chars = fa2_slack_text_chars(fa2_buf_slice(&t));
		if (chars > FA2_SLACK_RB_SECTION_CHARS) {
			/* A title too long for one section: sections of its own, not in bold (a
			 * piece cannot carry the closing '*'), then the fields alone. */
			add_text(b, "section", fa2_slice_make(t.data + 1, t.len - 2));
			fa2_buf_reset(&t);
			chars = 0;
		}
		sec = cJSON_CreateObject();
		fields = sec ? cJSON_AddArrayToObject(sec, "fields") : NULL;
		f1 = field(LBL(b, FA2_RL_SEVERITY), fa2_report_level_text(b->lang, gs(it, "severity")));
		f2 = field(LBL(b, FA2_RL_CONFIDENCE), fa2_report_level_text(b->lang, gs(it, "confidence")));
		title = t.len ? text_obj("mrkdwn", t.data, t.len) : NULL;
		if (!fields || !f1 || !f2 || (t.len && !title) || !cJSON_AddStringToObject(sec, "type", "section")) {
			cJSON_Delete(sec);
			cJSON_Delete(f1);
			cJSON_Delete(f2);
			cJSON_Delete(title);
			b->err = FA2_ERR_NOMEM;
			fa2_buf_cleanup(&t);
			return;
		}
		if (title)
			cJSON_AddItemToObject(sec, "text", title);
		cJSON_AddItemToArray(fields, f1);
		cJSON_AddItemToArray(fields, f2);
		push(b, sec, chars + 64u, 0);
		fa2_buf_cleanup(&t);
		if (*gs(it, "description"))
			add_free(b, gs(it, "description"));
		if (cJSON_GetArraySize(ev) > 0) {
			fa2_buf_init(&t, RB_TEXT_MAX);
			e = fa2_buf_appendf(&t, "*%s*\n", LBL(b, FA2_RL_EVIDENCE));
			cJSON_ArrayForEach(x, ev)
			{
				if (e || !cJSON_IsString(x))
					continue;
				e = fa2_buf_append_cstr(&t, "• ");
				if (!e)
					e = put_esc(&t, x->valuestring);
				if (!e)
					e = fa2_buf_append_byte(&t, '\n');
			}
			flush(b, e, "section", &t);
		}
	}
	if (n == 0)
		add_free(b, "");
}

/* A table cell: rich_text with one section holding text (bold for a column heading).
 * rich_text rather than raw_text: both are documented, rich_text is what Slack's own
 * clients send. */
static cJSON *cell(const char *text, int bold)
{
	cJSON *c = cJSON_CreateObject(), *els, *sec, *sels, *t;
	int ok = c && cJSON_AddStringToObject(c, "type", "rich_text") && (els = cJSON_AddArrayToObject(c, "elements")) &&
		 (sec = cJSON_CreateObject()) && cJSON_AddItemToArray(els, sec) &&
		 cJSON_AddStringToObject(sec, "type", "rich_text_section") &&
		 (sels = cJSON_AddArrayToObject(sec, "elements")) && (t = cJSON_CreateObject()) &&
		 cJSON_AddItemToArray(sels, t) && cJSON_AddStringToObject(t, "type", "text") &&
		 cJSON_AddStringToObject(t, "text", *text ? text : "-");
	if (ok && bold) {
		cJSON *st = cJSON_AddObjectToObject(t, "style");
		ok = st && cJSON_AddTrueToObject(st, "bold");
	}
	if (!ok) {
		cJSON_Delete(c);
		return NULL;
	}
	return c;
}

/* The time of a timeline entry as shown: in the report's zone when written with one. */
static const char *entry_time(rb *b, const cJSON *it, char *lt, size_t cap)
{
	return fa2_report_local_time(gs(it, "time"), b->tz, 0, lt, cap) ? lt : gs(it, "time");
}

/* The timeline as a table block when it fits one (rows, cells, the message budget),
 * else as a list. */
static void add_timeline(rb *b, const cJSON *r)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(r, "timeline"), *it;
	size_t total = 0, rows = 0;
	int table = 1;
	char lt[48], head[FA2_MAX_TZ_NAME_BYTES + 64];
	fa2_buf t;
	fa2_err e = FA2_OK;

	add_label(b, LBL(b, FA2_RL_TIMELINE));
	if (cJSON_GetArraySize(arr) == 0) {
		add_free(b, "");
		return;
	}
	snprintf(head, sizeof head, "%s (%s)", LBL(b, FA2_RL_TIME), b->tz->name);
	total = fa2_slack_text_chars(fa2_slice_cstr(head)) + fa2_slack_text_chars(fa2_slice_cstr(LBL(b, FA2_RL_EVENT)));
	cJSON_ArrayForEach(it, arr)
	{
		size_t a = fa2_slack_text_chars(fa2_slice_cstr(entry_time(b, it, lt, sizeof lt)));
		size_t c = fa2_slack_text_chars(fa2_slice_cstr(gs(it, "event")));
		rows++;
		total += a + c;
		if (a > FA2_SLACK_RB_CELL_CHARS || c > FA2_SLACK_RB_CELL_CHARS)
			table = 0;
	}
	if (rows + 1 > FA2_SLACK_RB_TABLE_ROWS || total > FA2_SLACK_RB_MESSAGE_CHARS)
		table = 0;
	if (table) {
		cJSON *blk = cJSON_CreateObject(), *rs = NULL, *row, *cs = NULL, *c1, *c2;
		int ok = blk && cJSON_AddStringToObject(blk, "type", "table") && (rs = cJSON_AddArrayToObject(blk, "rows")) &&
			 (cs = cJSON_AddArrayToObject(blk, "column_settings"));
		if (ok) {
			c1 = cJSON_CreateObject();
			c2 = cJSON_CreateObject();
			ok = c1 && c2 && cJSON_AddFalseToObject(c1, "is_wrapped") && cJSON_AddTrueToObject(c2, "is_wrapped");
			if (c1)
				cJSON_AddItemToArray(cs, c1);
			if (c2)
				cJSON_AddItemToArray(cs, c2);
		}
		row = ok ? cJSON_CreateArray() : NULL;
		ok = ok && row && cJSON_AddItemToArray(rs, row) && cJSON_AddItemToArray(row, cell(head, 1)) &&
		     cJSON_AddItemToArray(row, cell(LBL(b, FA2_RL_EVENT), 1));
		cJSON_ArrayForEach(it, arr)
		{
			if (!ok)
				break;
			row = cJSON_CreateArray();
			ok = row && cJSON_AddItemToArray(rs, row) &&
			     cJSON_AddItemToArray(row, cell(entry_time(b, it, lt, sizeof lt), 0)) &&
			     cJSON_AddItemToArray(row, cell(gs(it, "event"), 0));
		}
		if (!ok) {
			cJSON_Delete(blk);
			blk = NULL;
		}
		/* cJSON_AddItemToArray refuses NULL: a failed cell fails the row above. */
		push(b, blk, total, 't');
		return;
	}
	fa2_buf_init(&t, RB_TEXT_MAX);
	cJSON_ArrayForEach(it, arr)
	{
		if (e)
			break;
		e = put_bullet(&t, entry_time(b, it, lt, sizeof lt), "  ", gs(it, "event"));
		if (!e)
			e = fa2_buf_append_byte(&t, '\n');
	}
	flush(b, e, "section", &t);
}

static void add_references(rb *b, const cJSON *r)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(r, "references"), *it;
	fa2_buf t;
	fa2_err e = FA2_OK;
	if (cJSON_GetArraySize(arr) == 0)
		return; /* the queries fa2 ran are in the attached file */
	add_label(b, LBL(b, FA2_RL_REFERENCES));
	fa2_buf_init(&t, RB_TEXT_MAX);
	cJSON_ArrayForEach(it, arr)
	{
		if (e)
			break;
		e = put_bullet(&t, *gs(it, "tool") ? gs(it, "tool") : "-", ": ", gs(it, "description"));
		if (!e && *gs(it, "query")) {
			e = fa2_buf_appendf(&t, "\n      %s: ", LBL(b, FA2_RL_QUERY));
			if (!e)
				e = put_esc(&t, gs(it, "query"));
		}
		if (!e)
			e = fa2_buf_append_byte(&t, '\n');
	}
	flush(b, e, "section", &t);
}

static void add_footer(rb *b, const cJSON *r)
{
	const cJSON *agent = cJSON_GetObjectItemCaseSensitive(r, "agent");
	fa2_buf t;
	fa2_err e;
	double cycles = 0;
	fa2_buf_init(&t, 8192);
	e = put_esc(&t, LBL(b, FA2_RL_FOOTER));
	if (!e && cJSON_IsObject(agent)) {
		fa2_json_num(agent, "cycles", &cycles);
		e = fa2_buf_append_cstr(&t, " · ");
		if (!e)
			e = put_esc(&t, gs(agent, "provider"));
		if (!e)
			e = fa2_buf_append_byte(&t, ' ');
		if (!e)
			e = put_esc(&t, gs(agent, "model"));
		if (!e)
			e = fa2_buf_appendf(&t, " · %u %s · %s: ", (unsigned)cycles, LBL(b, FA2_RL_CYCLE), LBL(b, FA2_RL_STOP));
		if (!e)
			e = put_esc(&t, gs(agent, "stopReason"));
	}
	if (!e)
		e = fa2_buf_appendf(&t, "\n%s", LBL(b, FA2_RL_ATTACHED));
	flush(b, e, "context", &t);
}

/* When the report needed more than FA2_SLACK_RB_MAX_MESSAGES messages: the last one
 * ends with a note that the rest is in the attached file (blocks dropped to make room). */
static void add_cut_note(rb *b)
{
	char note[512];
	cJSON *blk;
	size_t chars;
	snprintf(note, sizeof note, ":scissors: … %s", LBL(b, FA2_RL_ATTACHED));
	chars = fa2_slack_text_chars(fa2_slice_cstr(note));
	while (b->n_blocks > 0 && (b->n_blocks + 1 > FA2_SLACK_RB_MAX_BLOCKS || b->chars + chars > FA2_SLACK_RB_MESSAGE_CHARS)) {
		cJSON *last = cJSON_DetachItemFromArray(b->blocks, (int)b->n_blocks - 1);
		const cJSON *tx = cJSON_GetObjectItemCaseSensitive(last, "text");
		const char *s = cJSON_IsString(tx) ? tx->valuestring : fa2_json_str(tx, "text");
		size_t c = s ? fa2_slack_text_chars(fa2_slice_cstr(s)) : b->chars;
		b->chars -= c < b->chars ? c : b->chars;
		b->n_blocks--;
		cJSON_Delete(last);
	}
	blk = text_block("context", "mrkdwn", fa2_slice_cstr(note));
	if (!blk) {
		b->err = FA2_ERR_NOMEM;
		return;
	}
	cJSON_AddItemToArray(b->blocks, blk);
	b->n_blocks++;
	b->chars += chars;
}

/* The notification text of each message: the title and the summary's beginning for the
 * first, "title (continued i/n)" for the others. */
static fa2_err add_fallbacks(rb *b, const cJSON *r)
{
	int n = cJSON_GetArraySize(b->msgs), i;
	cJSON *m;
	char line[FA2_SLACK_RB_FALLBACK_CHARS * 5 + 64]; /* "&amp;" per character at most */
	i = 0;
	cJSON_ArrayForEach(m, b->msgs)
	{
		i++;
		if (i == 1) {
			/* The summary's beginning, escaped: the notification text is mrkdwn too. */
			fa2_slice s = fa2_slice_cstr(gs(r, "summary"));
			size_t k = fa2_slack_cut(s, FA2_SLACK_RB_FALLBACK_CHARS);
			char *head = fa2_strndup(s.ptr, k);
			fa2_buf t;
			fa2_err e;
			fa2_buf_init(&t, sizeof line);
			e = head ? fa2_buf_appendf(&t, "%s: ", LBL(b, FA2_RL_TITLE)) : FA2_ERR_NOMEM;
			if (!e)
				e = put_esc(&t, head);
			if (!e && k < s.len)
				e = fa2_buf_append_cstr(&t, "…");
			if (!e)
				snprintf(line, sizeof line, "%s", t.data);
			fa2_free(head);
			fa2_buf_cleanup(&t);
			if (e)
				return FA2_ERR_NOMEM;
		} else {
			snprintf(line, sizeof line, "%s (%s %d/%d)", LBL(b, FA2_RL_TITLE), LBL(b, FA2_RL_CONTINUED), i, n);
		}
		if (!cJSON_AddStringToObject(m, "text", line))
			return FA2_ERR_NOMEM;
	}
	return FA2_OK;
}

fa2_err fa2_slack_report_messages(const cJSON *report, fa2_lang lang, const fa2_tz *tz, cJSON **out)
{
	rb b;
	fa2_tz *utc = NULL;

	*out = NULL;
	memset(&b, 0, sizeof b);
	b.lang = lang == FA2_LANG_JA ? FA2_LANG_JA : FA2_LANG_EN;
	if (!tz) {
		utc = fa2_malloc(sizeof *utc);
		if (!utc)
			return FA2_ERR_NOMEM;
		fa2_tz_utc(utc);
		tz = utc;
	}
	b.tz = tz;
	b.msgs = cJSON_CreateArray();
	if (!b.msgs) {
		fa2_free(utc);
		return FA2_ERR_NOMEM;
	}
	add_head(&b, report);
	add_section(&b, FA2_RL_SUMMARY, gs(report, "summary"));
	add_chain(&b, report);
	add_causes(&b, report);
	add_section(&b, FA2_RL_IMPACT, gs(report, "impact"));
	add_timeline(&b, report);
	add_references(&b, report);
	add_list_section(&b, FA2_RL_ACTIONS, cJSON_GetObjectItemCaseSensitive(report, "actions"), 1);
	add_list_section(&b, FA2_RL_PREVENTION, cJSON_GetObjectItemCaseSensitive(report, "prevention"), 0);
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(report, "missing")) > 0)
		add_list_section(&b, FA2_RL_MISSING, cJSON_GetObjectItemCaseSensitive(report, "missing"), 0);
	add_footer(&b, report);
	if (!b.err && b.cut)
		add_cut_note(&b);
	if (!b.err)
		b.err = add_fallbacks(&b, report);
	fa2_free(utc);
	if (b.err) {
		cJSON_Delete(b.msgs);
		return b.err;
	}
	*out = b.msgs;
	return FA2_OK;
}

/* See report_blocks.h. */
fa2_err fa2_slack_post_report(fa2_slack_api *api, const char *channel, const char *thread,
                              const cJSON *report, fa2_lang lang, const fa2_tz *tz, fa2_slice md)
{
	cJSON *msgs = NULL, *m;
	fa2_err err = FA2_OK, ferr;
	const char *title = fa2_report_label_text(lang, FA2_RL_TITLE);

	if (report) {
		err = fa2_slack_report_messages(report, lang, tz, &msgs);
		cJSON_ArrayForEach(m, msgs)
		{
			if (err)
				break;
			err = fa2_slack_post_message(api, channel, thread, fa2_json_str(m, "text"),
			                             cJSON_GetObjectItemCaseSensitive(m, "blocks"), NULL);
		}
		cJSON_Delete(msgs);
		if (err)
			FA2_LOGW("slack", "report blocks not posted in %s/%s: %s; the report goes as the file alone",
			         channel, thread ? thread : "-", fa2_err_str(err));
	}
	/* The file in any case: the report reaches the thread even when a message did not. */
	ferr = fa2_slack_upload_file(api, channel, thread, "fa2-report.md", title, report && !err ? NULL : title, md);
	return err ? err : ferr;
}
