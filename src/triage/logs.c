/* The door from the triage engine to the log template miner (triage/logtpl.h). */
#include "triage/logs.h"

#include <string.h>

#include <stdlib.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/limits.h"
#include "base/num.h"
#include "base/time.h"
#include "triage/logtpl.h"

/* Per miner id: the first line fed with it. */
struct first_line {
	size_t line;            /* index + 1; 0: not seen */
	const char *msg;
	const char *group;
};

struct fa2_tr_feed {
	fa2_logtpl *m;
	fa2_tr_pool *pool;      /* copies of first lines; NULL: the caller's pointers stay valid */
	uint32_t *ids;          /* per line: the miner's id */
	int64_t *t_ms;          /* per line */
	size_t n, cap;
	struct first_line *first;
	size_t cap_first;
};

static fa2_err feed_new(fa2_tr_pool *pool, fa2_tr_feed **out)
{
	fa2_tr_feed *f = fa2_calloc(1, sizeof *f);
	fa2_err e;
	*out = NULL;
	if (!f)
		return FA2_ERR_NOMEM;
	f->pool = pool;
	if ((e = fa2_logtpl_new(NULL, &f->m))) {
		fa2_free(f);
		return e;
	}
	*out = f;
	return FA2_OK;
}

fa2_err fa2_tr_feed_new(fa2_tr_pool *pool, fa2_tr_feed **out)
{
	return feed_new(pool, out);
}

void fa2_tr_feed_free(fa2_tr_feed *f)
{
	if (!f)
		return;
	fa2_logtpl_free(f->m);
	fa2_free(f->ids);
	fa2_free(f->t_ms);
	fa2_free(f->first);
	fa2_free(f);
}

fa2_err fa2_tr_feed_line(fa2_tr_feed *f, int64_t t_ms, const char *msg, size_t msg_len,
			 const char *group)
{
	uint32_t id = 0;
	fa2_err e;
	if (f->n == f->cap) {
		size_t nc = f->cap ? f->cap * 2 : 1024;
		uint32_t *ids;
		int64_t *ts;
		if (nc > FA2_MAX_TR_LOG_LINES)
			nc = FA2_MAX_TR_LOG_LINES;
		if (f->n >= nc)
			return FA2_ERR_TOO_LARGE;
		if (!(ids = fa2_realloc(f->ids, nc * sizeof *ids)))
			return FA2_ERR_NOMEM;
		f->ids = ids;
		if (!(ts = fa2_realloc(f->t_ms, nc * sizeof *ts)))
			return FA2_ERR_NOMEM;
		f->t_ms = ts;
		f->cap = nc;
	}
	if ((e = fa2_logtpl_feed(f->m, fa2_slice_make(msg, msg_len),
				 t_ms ? t_ms : FA2_LOGTPL_NO_TIME, (uint64_t)f->n + 1, &id)))
		return e;
	if (id >= f->cap_first) {
		size_t nc = f->cap_first ? f->cap_first : 64;
		struct first_line *p;
		while (nc <= id)
			nc *= 2;
		if (!(p = fa2_realloc(f->first, nc * sizeof *p)))
			return FA2_ERR_NOMEM;
		memset(p + f->cap_first, 0, (nc - f->cap_first) * sizeof *p);
		f->first = p;
		f->cap_first = nc;
	}
	if (!f->first[id].line) {
		struct first_line *fl = &f->first[id];
		fl->msg = f->pool ? fa2_tr_pool_strndup(f->pool, msg, msg_len) : msg;
		fl->group = f->pool ? fa2_tr_pool_strdup(f->pool, group) : group;
		if (!fl->msg || (f->pool && !fl->group))
			return FA2_ERR_NOMEM;
		fl->line = f->n + 1;
	}
	f->ids[f->n] = id;
	f->t_ms[f->n] = t_ms;
	f->n++;
	return FA2_OK;
}

/* Final templates in the order of their first line; texts copied into pool. */
static fa2_err feed_finish(fa2_tr_feed *f, fa2_tr_pool *pool, fa2_tr_mined *out)
{
	fa2_logtpl_stats st;
	fa2_logtpl_info info;
	uint32_t *slot = NULL;   /* resolved miner id -> our index + 1 (0: not yet seen) */
	size_t i, max_id, live;
	fa2_err e;

	memset(out, 0, sizeof *out);
	if ((e = fa2_logtpl_finish(f->m)))
		return e;
	fa2_logtpl_stats_get(f->m, &st);
	max_id = (size_t)st.created + 1;
	live = st.live ? st.live : 1;
	slot = fa2_calloc(max_id + 1, sizeof *slot);
	out->texts = fa2_calloc(live, sizeof *out->texts);
	out->severities = fa2_calloc(live, sizeof *out->severities);
	out->examples = fa2_calloc(live, sizeof *out->examples);
	out->groups = fa2_calloc(live, sizeof *out->groups);
	if (!slot || !out->texts || !out->severities || !out->examples || !out->groups) {
		e = FA2_ERR_NOMEM;
		goto cleanup;
	}
	for (i = 0; i < f->n; i++) {
		uint32_t rid = fa2_logtpl_resolve(f->m, f->ids[i]);
		if (!rid || rid > max_id) {
			f->ids[i] = UINT32_MAX;
			continue;
		}
		if (!slot[rid]) {
			char *text;
			if (fa2_logtpl_get(f->m, rid, &info) != FA2_OK || out->n_templates >= st.live) {
				f->ids[i] = UINT32_MAX;  /* evicted */
				continue;
			}
			text = fa2_tr_pool_strndup(pool, info.text.ptr, info.text.len);
			if (!text) {
				e = FA2_ERR_NOMEM;
				goto cleanup;
			}
			/* This line is the template's first: the first of the miner ids that
			 * resolve to it, since every id's first line is a line of the template. */
			out->texts[out->n_templates] = text;
			out->severities[out->n_templates] = (int)info.severity;
			out->examples[out->n_templates] = f->first[f->ids[i]].msg;
			out->groups[out->n_templates] = f->first[f->ids[i]].group;
			slot[rid] = (uint32_t)++out->n_templates;
		}
		f->ids[i] = slot[rid] - 1;
	}
	out->ids = f->ids;
	out->t_ms = f->t_ms;
	out->n_lines = f->n;
	f->ids = NULL;
	f->t_ms = NULL;
	f->n = f->cap = 0;
cleanup:
	fa2_free(slot);
	if (e)
		fa2_tr_mined_cleanup(out);
	return e;
}

fa2_err fa2_tr_feed_finish(fa2_tr_feed *f, fa2_tr_mined *out)
{
	return feed_finish(f, f->pool, out);
}

fa2_err fa2_tr_mine_lines(const fa2_tr_logline *lines, size_t n, fa2_tr_pool *pool,
			  fa2_tr_mined *out)
{
	fa2_tr_feed *f = NULL;
	size_t i;
	fa2_err e;

	memset(out, 0, sizeof *out);
	if ((e = feed_new(NULL, &f)))
		return e;
	for (i = 0; i < n && !e; i++)
		e = fa2_tr_feed_line(f, lines[i].t_ms, lines[i].msg, lines[i].msg_len,
				     lines[i].group);
	if (!e)
		e = feed_finish(f, pool, out);
	if (!e) {
		fa2_free(out->t_ms);
		out->t_ms = NULL;
	}
	fa2_tr_feed_free(f);
	return e;
}

void fa2_tr_mined_cleanup(fa2_tr_mined *m)
{
	fa2_free(m->ids);
	fa2_free((void *)m->texts);
	fa2_free(m->severities);
	fa2_free((void *)m->examples);
	fa2_free((void *)m->groups);
	fa2_free(m->t_ms);
	memset(m, 0, sizeof *m);
}

/* ---- streaming reader of Logs Insights results ---- */

/* The tokenizer follows cJSON's grammar (vendor/cjson/cJSON.c) byte for byte where it is
 * looser than RFC 8259: whitespace is any byte <= 32, numbers are the longest run of
 * [0-9+-.eE] that strtod reads a prefix of, raw control bytes may stand in strings, a bad
 * hex digit in \u makes a zero, trailing bytes after the root are ignored, nesting stops
 * at 1000 levels. */
#define LX_NESTING_LIMIT 1000u

/* A string or number token: its bytes (a string's without the quotes). */
typedef struct lx_tok {
	int kind;        /* 0 none (absent), 1 string, 2 number, 3 other */
	int esc;         /* a string with a backslash */
	int nul;         /* a string with a NUL byte */
	size_t beg, end;
} lx_tok;

typedef struct lx {
	const unsigned char *s;
	size_t len, off;
	unsigned depth;
	fa2_buf num;     /* a number's text, for strtod */
	fa2_buf key;     /* a decoded member name (when it has an escape or a NUL) */
	lx_tok name;     /* the current member's name */
} lx;

static void lx_ws(lx *x)
{
	while (x->off < x->len && x->s[x->off] <= 32)
		x->off++;
}

static unsigned hex4(const unsigned char *p)
{
	unsigned h = 0, i;
	for (i = 0; i < 4; i++) {
		unsigned c = p[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			return 0;  /* cJSON: the whole escape reads as zero */
		h = h << 4 | d;
	}
	return h;
}

/* Decodes the escapes of s[0..n) (a string's bytes) into out (NULL: only checks them).
 * Returns 0 where cJSON fails the document. out is NUL-terminated. */
static int lx_unescape(const unsigned char *s, size_t n, fa2_buf *out)
{
	size_t i = 0;
	if (out)
		fa2_buf_reset(out);
	while (i < n) {
		const unsigned char *bs = memchr(s + i, '\\', n - i);
		size_t run = bs ? (size_t)(bs - (s + i)) : n - i;
		unsigned char c[4];
		size_t cl = 1, adv = 2;
		if (out && run && fa2_buf_append(out, s + i, run))
			return -1;
		i += run;
		if (!bs)
			break;
		if (i + 1 >= n)
			return 0;
		switch (s[i + 1]) {
		case 'b': c[0] = '\b'; break;
		case 'f': c[0] = '\f'; break;
		case 'n': c[0] = '\n'; break;
		case 'r': c[0] = '\r'; break;
		case 't': c[0] = '\t'; break;
		case '"': case '\\': case '/': c[0] = s[i + 1]; break;
		case 'u': {
			unsigned long cp;
			unsigned first, second;
			if (n - i < 6)
				return 0;
			first = hex4(s + i + 2);
			if (first >= 0xDC00 && first <= 0xDFFF)
				return 0;
			if (first >= 0xD800 && first <= 0xDBFF) {
				if (n - i < 12 || s[i + 6] != '\\' || s[i + 7] != 'u')
					return 0;
				second = hex4(s + i + 8);
				if (second < 0xDC00 || second > 0xDFFF)
					return 0;
				cp = 0x10000 + (((unsigned long)(first & 0x3FF) << 10) | (second & 0x3FF));
				adv = 12;
			} else {
				cp = first;
				adv = 6;
			}
			if (cp < 0x80) {
				c[0] = (unsigned char)cp;
			} else if (cp < 0x800) {
				c[0] = (unsigned char)(0xC0 | cp >> 6);
				c[1] = (unsigned char)(0x80 | (cp & 0x3F));
				cl = 2;
			} else if (cp < 0x10000) {
				c[0] = (unsigned char)(0xE0 | cp >> 12);
				c[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
				c[2] = (unsigned char)(0x80 | (cp & 0x3F));
				cl = 3;
			} else {
				c[0] = (unsigned char)(0xF0 | cp >> 18);
				c[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
				c[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
				c[3] = (unsigned char)(0x80 | (cp & 0x3F));
				cl = 4;
			}
			break;
		}
		default:
			return 0;
		}
		if (out && fa2_buf_append(out, c, cl))
			return -1;
		i += adv;
	}
	if (out && fa2_buf_append_byte(out, 0))
		return -1;
	if (out)
		out->len--;
	return 1;
}

#define LX_ONES  0x0101010101010101ull
#define LX_HIGHS 0x8080808080808080ull
/* Non-zero when one of the 8 bytes of v is zero. */
#define LX_ZERO(v) (((v) - LX_ONES) & ~(v) & LX_HIGHS)

/* A string token at x->off (the opening quote), checked, in one pass eight bytes at a
 * time: a backslash takes the next byte with it; notes escapes and NUL bytes. 1 ok, 0
 * parse error. */
static int lx_str(lx *x, lx_tok *t)
{
	const unsigned char *s = x->s;
	size_t i = x->off + 1, n = x->len;
	t->kind = 1;
	t->esc = t->nul = 0;
	t->beg = i;
	for (;;) {
		unsigned char c;
		while (i < n && n - i >= 8) {
			uint64_t v;
			memcpy(&v, s + i, 8);
			if (LX_ZERO(v ^ (LX_ONES * '"')) | LX_ZERO(v ^ (LX_ONES * '\\')) | LX_ZERO(v))
				break;
			i += 8;
		}
		if (i >= n)
			return 0;
		c = s[i];
		if (c == '"')
			break;
		if (c == '\\') {
			t->esc = 1;
			i += 2;
			continue;
		}
		if (c == 0)
			t->nul = 1;
		i++;
	}
	t->end = i;
	x->off = i + 1;
	return !t->esc || lx_unescape(s + t->beg, t->end - t->beg, NULL) == 1;
}

static int lx_numchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == 'e' || c == 'E' || c == '.';
}

/* The number at x->off as cJSON reads it: strtod over the longest run of number bytes,
 * advancing by what strtod took. 1 ok, 0 parse error, -1 no memory. */
static int lx_number(lx *x, double *v, lx_tok *t)
{
	size_t n = 0;
	char *endp;
	double d;
	while (x->off + n < x->len && lx_numchar(x->s[x->off + n]))
		n++;
	fa2_buf_reset(&x->num);
	if (fa2_buf_append(&x->num, x->s + x->off, n) || fa2_buf_append_byte(&x->num, 0))
		return -1;
	d = strtod((const char *)x->num.data, &endp);
	if (endp == (char *)x->num.data)
		return 0;
	t->kind = 2;
	t->beg = x->off;
	t->end = x->off + (size_t)(endp - (char *)x->num.data);
	x->off = t->end;
	if (v)
		*v = d;
	return 1;
}

static int lx_value(lx *x, lx_tok *t);

/* Walks an array or object at x->off ('[' or '{'). For each element (an object's member
 * value, with its name in x->name) calls each(x, ctx); each parses the
 * element itself. 1 ok, 0 parse error, -1 no memory, other negatives from each. */
typedef int (*lx_each_fn)(lx *x, void *ctx);
static int lx_container(lx *x, lx_each_fn each, void *ctx)
{
	unsigned char close = x->s[x->off] == '[' ? ']' : '}';
	int obj = close == '}', r;
	if (x->depth >= LX_NESTING_LIMIT)
		return 0;
	x->depth++;
	x->off++;
	lx_ws(x);
	if (x->off < x->len && x->s[x->off] == close) {
		x->off++;
		x->depth--;
		return 1;
	}
	for (;;) {
		lx_ws(x);
		if (obj) {
			if (x->off >= x->len || x->s[x->off] != '"' || !lx_str(x, &x->name))
				return 0;
			lx_ws(x);
			if (x->off >= x->len || x->s[x->off] != ':')
				return 0;
			x->off++;
			lx_ws(x);
		}
		if (x->off >= x->len)
			return 0;
		if (each) {
			if ((r = each(x, ctx)) != 1)
				return r;
		} else {
			lx_tok t;
			if ((r = lx_value(x, &t)) != 1)
				return r;
		}
		lx_ws(x);
		if (x->off < x->len && x->s[x->off] == ',') {
			x->off++;
			continue;
		}
		if (x->off < x->len && x->s[x->off] == close) {
			x->off++;
			x->depth--;
			return 1;
		}
		return 0;
	}
}

/* Any value at x->off (after whitespace), checked and skipped; strings and numbers are
 * returned as tokens. */
static int lx_value(lx *x, lx_tok *t)
{
	unsigned char c;
	t->kind = 3;
	if (x->off >= x->len)
		return 0;
	c = x->s[x->off];
	if (c == '"')
		return lx_str(x, t);
	if (c == '-' || (c >= '0' && c <= '9'))
		return lx_number(x, NULL, t);
	if (c == '[' || c == '{')
		return lx_container(x, NULL, NULL);
	if (x->len - x->off >= 4 && (memcmp(x->s + x->off, "null", 4) == 0 ||
				     memcmp(x->s + x->off, "true", 4) == 0)) {
		x->off += 4;
		return 1;
	}
	if (x->len - x->off >= 5 && memcmp(x->s + x->off, "false", 5) == 0) {
		x->off += 5;
		return 1;
	}
	return 0;
}

/* C-string equality of the current member's name (which ends at its first NUL, as in
 * cJSON): in place unless it has an escape or a NUL. */
static int key_is(lx *x, const char *name)
{
	const lx_tok *t = &x->name;
	size_t n = strlen(name);
	if (!t->esc && !t->nul)
		return t->end - t->beg == n && memcmp(x->s + t->beg, name, n) == 0;
	return lx_unescape(x->s + t->beg, t->end - t->beg, &x->key) == 1 &&
	       strcmp((const char *)x->key.data, name) == 0;
}

struct row_state {
	lx_tok ts, msg, stream, log;
	int has_ts;
	lx_tok field_name, field_value;
	int seen_name, seen_value;
};

struct scan {
	const char *default_group;
	fa2_tr_logrow_fn fn;
	void *ctx;
	fa2_err cb_err;
	struct row_state row;
	fa2_buf msg, stream, group, ts;
	int seen_results;
	unsigned flags;
};

/* A member of one field object: remembers the first "field" and the first "value". */
static int field_member(lx *x, void *ctx)
{
	struct row_state *r = &((struct scan *)ctx)->row;
	lx_tok t;
	int rc;
	if (!r->seen_name && key_is(x, "field")) {
		r->seen_name = 1;
		rc = lx_value(x, &r->field_name);
		return rc;
	}
	if (!r->seen_value && key_is(x, "value")) {
		r->seen_value = 1;
		return lx_value(x, &r->field_value);
	}
	return lx_value(x, &t);
}

/* Decodes token t (a string) into b, cut at its first NUL. */
static int tok_text(lx *x, const lx_tok *t, fa2_buf *b)
{
	int r = lx_unescape(x->s + t->beg, t->end - t->beg, b);
	if (r == 1)
		b->len = strlen((const char *)b->data);
	return r;
}

/* One element of a row: a field object sets the row's fields, anything else is skipped. */
static int row_element(lx *x, void *ctx)
{
	struct scan *sc = ctx;
	struct row_state *r = &sc->row;
	lx_tok t;
	int rc;
	const char *name;
	if (x->s[x->off] != '{')
		return lx_value(x, &t);
	r->seen_name = r->seen_value = 0;
	r->field_name.kind = r->field_value.kind = 0;
	if ((rc = lx_container(x, field_member, sc)) != 1)
		return rc;
	if (r->field_name.kind != 1)
		return 1;
	if ((rc = tok_text(x, &r->field_name, &x->key)) != 1)
		return rc;
	name = (const char *)x->key.data;
	if (strcmp(name, "@timestamp") == 0) {
		r->ts = r->field_value;
		r->has_ts = 1;
	} else if (r->field_value.kind == 1) {
		if (strcmp(name, "@message") == 0)
			r->msg = r->field_value;
		else if (strcmp(name, "@logStream") == 0)
			r->stream = r->field_value;
		else if (strcmp(name, "@log") == 0)
			r->log = r->field_value;
	}
	return 1;
}

/* A Logs Insights @timestamp: "YYYY-MM-DD HH:MM:SS.mmm" (UTC) or epoch ms digits; a
 * number below 1e11 is epoch seconds. */
static int64_t row_time(lx *x, struct scan *sc)
{
	const lx_tok *t = &sc->row.ts;
	int64_t ms;
	if (!sc->row.has_ts || t->kind == 0 || t->kind == 3)
		return 0;
	if (t->kind == 2) {
		double v;
		fa2_buf_reset(&sc->ts);
		if (fa2_buf_append(&sc->ts, x->s + t->beg, t->end - t->beg) ||
		    fa2_buf_append_byte(&sc->ts, 0))
			return 0;
		v = strtod((const char *)sc->ts.data, NULL);
		return fa2_num_double_to_i64(v < 1e11 ? v * 1000.0 : v, 1, FA2_NUM_EPOCH_MAX_MS, &ms)
		       ? 0 : ms;
	}
	if (tok_text(x, t, &sc->ts) != 1)
		return 0;
	if (fa2_time_parse(fa2_slice_make((const char *)sc->ts.data, sc->ts.len), 0, 0, &ms) ==
	    FA2_OK && ms > 0 && ms <= FA2_NUM_EPOCH_MAX_MS)
		return ms;
	return 0;
}

/* A string's text as a slice cut at its first NUL: the bytes in place when it has no
 * escape, else decoded into b. 1 ok, -1 no memory. */
static int tok_slice(lx *x, const lx_tok *t, fa2_buf *b, fa2_slice *out)
{
	const char *p = (const char *)x->s + t->beg, *nul;
	size_t n = t->end - t->beg;
	if (t->esc) {
		if (tok_text(x, t, b) != 1)
			return -1;
		*out = fa2_slice_make((const char *)b->data, b->len);
		return 1;
	}
	nul = t->nul ? memchr(p, 0, n) : NULL;
	*out = fa2_slice_make(p, nul ? (size_t)(nul - p) : n);
	return 1;
}

/* A string field's text into b ("" when the row has none). 1 ok, -1 no memory. */
static int field_text(lx *x, const lx_tok *t, fa2_buf *b)
{
	if (t->kind == 1)
		return tok_text(x, t, b) == 1 ? 1 : -1;
	fa2_buf_reset(b);
	return fa2_buf_append_byte(b, 0) ? -1 : (b->len = 0, 1);
}

/* One element of "results": a row (an array) is decoded and passed on. */
static int result_element(lx *x, void *ctx)
{
	struct scan *sc = ctx;
	struct row_state *r = &sc->row;
	fa2_tr_logrow row;
	fa2_slice msg;
	lx_tok t, none = { 0, 0, 0, 0, 0 };
	int rc;
	if (x->s[x->off] != '[')
		return lx_value(x, &t);
	memset(r, 0, sizeof *r);
	if ((rc = lx_container(x, row_element, sc)) != 1)
		return rc;
	if (r->msg.kind != 1)
		return 1;
	row.t_ms = row_time(x, sc);
	if (sc->flags & FA2_TR_LOGS_TIMES) {
		row.msg = row.group = row.stream = "";
		row.msg_len = 0;
		return (sc->cb_err = sc->fn(sc->ctx, &row)) == FA2_OK ? 1 : -2;
	}
	if (tok_slice(x, &r->msg, &sc->msg, &msg) != 1 ||
	    field_text(x, (sc->flags & FA2_TR_LOGS_NO_STREAM) ? &none : &r->stream, &sc->stream) != 1 ||
	    field_text(x, &r->log, &sc->group) != 1)
		return -1;
	row.msg = msg.ptr;
	row.msg_len = msg.len;
	row.stream = (const char *)sc->stream.data;
	if (r->log.kind == 1) {
		/* "123456789012:/ecs/orders": the group follows the account id. */
		const char *c = strchr((const char *)sc->group.data, ':');
		row.group = c ? c + 1 : (const char *)sc->group.data;
	} else {
		row.group = sc->default_group ? sc->default_group : "";
	}
	if ((sc->cb_err = sc->fn(sc->ctx, &row)) != FA2_OK)
		return -2;
	return 1;
}

/* A member of the root object: the first "results" is read, the rest checked. */
static int root_member(lx *x, void *ctx)
{
	struct scan *sc = ctx;
	lx_tok t;
	if (!sc->seen_results && key_is(x, "results")) {
		sc->seen_results = 1;
		if (x->s[x->off] == '[' || x->s[x->off] == '{')
			return lx_container(x, result_element, sc);
	}
	return lx_value(x, &t);
}

fa2_err fa2_tr_logs_scan(fa2_slice json, const char *default_group, unsigned flags,
			 fa2_tr_logrow_fn fn, void *ctx)
{
	struct scan sc;
	lx x;
	int rc = 0;

	if (json.len > FA2_MAX_JSON_BYTES)
		return FA2_ERR_TOO_LARGE;
	memset(&sc, 0, sizeof sc);
	memset(&x, 0, sizeof x);
	sc.default_group = default_group;
	sc.flags = flags;
	sc.fn = fn;
	sc.ctx = ctx;
	x.s = (const unsigned char *)json.ptr;
	x.len = json.len;
	fa2_buf_init(&x.num, FA2_MAX_JSON_BYTES);
	fa2_buf_init(&x.key, FA2_MAX_JSON_BYTES);
	fa2_buf_init(&sc.msg, FA2_MAX_JSON_BYTES);
	fa2_buf_init(&sc.stream, FA2_MAX_JSON_BYTES);
	fa2_buf_init(&sc.group, FA2_MAX_JSON_BYTES);
	fa2_buf_init(&sc.ts, FA2_MAX_JSON_BYTES);
	if (x.len > 4 && memcmp(x.s, "\xEF\xBB\xBF", 3) == 0)
		x.off = 3;
	lx_ws(&x);
	/* The root must be an object; anything else (valid JSON or not) is a parse error. */
	if (x.off < x.len && x.s[x.off] == '{')
		rc = lx_container(&x, root_member, &sc);
	fa2_buf_cleanup(&x.num);
	fa2_buf_cleanup(&x.key);
	fa2_buf_cleanup(&sc.msg);
	fa2_buf_cleanup(&sc.stream);
	fa2_buf_cleanup(&sc.group);
	fa2_buf_cleanup(&sc.ts);
	return rc == 1 ? FA2_OK : rc == -2 ? sc.cb_err : rc == -1 ? FA2_ERR_NOMEM : FA2_ERR_PARSE;
}
