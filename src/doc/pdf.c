/* The PDF writer: layout (glyphs, line breaking, pages) and the file format (objects,
 * fonts, cross-reference table). See pdf.h. */
#include "doc/pdf.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "doc/pdf_afm.h"
#include "doc/utf8.h"

/* A4 in points; 20 mm margins, a little more at the foot for the page number. */
#define PAGE_W      595.276
#define PAGE_H      841.890
#define MARGIN_X    56.69
#define MARGIN_TOP  56.69
#define MARGIN_BOT  62.0
#define CONTENT_W   (PAGE_W - 2 * MARGIN_X)

#define BODY_SIZE   10.0
#define BODY_LEAD   14.5
#define CODE_SIZE   8.5
#define CODE_LEAD   11.0
#define TABLE_SIZE  9.0
#define TABLE_LEAD  12.5
#define CELL_PAD    4.0
#define LIST_INDENT 14.0
#define MAX_DEPTH   6u

enum { F_REG, F_BOLD, F_IT, F_BOLDIT, F_MONO, F_MONOBOLD, F_CJK, F_COUNT };
static const char *const latin_fonts[F_CJK] = {
	"Helvetica", "Helvetica-Bold", "Helvetica-Oblique", "Helvetica-BoldOblique", "Courier",
	"Courier-Bold",
};
#define CJK_FONT "KozGoPr6N-Medium"

/* One glyph to set: a WinAnsi byte in a Latin font, or a Unicode code point in the CJK
 * font. brk: a line may end before it. */
typedef struct glyph {
	uint32_t code;
	float w;          /* advance in points */
	uint8_t font;
	uint8_t bold;     /* CJK only: drawn stroked */
	uint8_t space;
	uint8_t brk;
} glyph;

typedef struct glyphs {
	glyph *g;
	size_t n, cap;
} glyphs;

struct fa2_pdf {
	char *title, *author, *subject, *lang, *date;
	fa2_buf *pages;
	size_t n_pages, cap_pages;
	double y;                /* top of the free space on the current page */
	int at_top;              /* nothing placed on the current page yet */
	size_t bytes;            /* content of the pages before the current one */
	unsigned char *cjk_used; /* bitmap of code points set in the CJK font */
	uint32_t cjk_min, cjk_max, cjk_count; /* its range and population */
	unsigned fonts_used;     /* bit per F_* */
	int finished;
	fa2_err err;
};

/* ---- characters ------------------------------------------------------------------- */

static const struct {
	uint16_t u;
	uint8_t c;
} winansi_hi[] = {
	{ 0x20AC, 0x80 }, { 0x201A, 0x82 }, { 0x0192, 0x83 }, { 0x201E, 0x84 }, { 0x2026, 0x85 },
	{ 0x2020, 0x86 }, { 0x2021, 0x87 }, { 0x02C6, 0x88 }, { 0x2030, 0x89 }, { 0x0160, 0x8A },
	{ 0x2039, 0x8B }, { 0x0152, 0x8C }, { 0x017D, 0x8E }, { 0x2018, 0x91 }, { 0x2019, 0x92 },
	{ 0x201C, 0x93 }, { 0x201D, 0x94 }, { 0x2022, 0x95 }, { 0x2013, 0x96 }, { 0x2014, 0x97 },
	{ 0x02DC, 0x98 }, { 0x2122, 0x99 }, { 0x0161, 0x9A }, { 0x203A, 0x9B }, { 0x0153, 0x9C },
	{ 0x017E, 0x9E }, { 0x0178, 0x9F },
};

/* The WinAnsiEncoding byte of cp, or -1. */
static int winansi(uint32_t cp)
{
	size_t k;
	if ((cp >= 0x20 && cp <= 0x7E) || (cp >= 0xA0 && cp <= 0xFF))
		return (int)cp;
	for (k = 0; k < sizeof winansi_hi / sizeof winansi_hi[0]; k++)
		if (winansi_hi[k].u == cp)
			return winansi_hi[k].c;
	return -1;
}

static unsigned latin_font(unsigned style)
{
	if (style & FA2_PDF_MONO)
		return style & FA2_PDF_BOLD ? F_MONOBOLD : F_MONO;
	if ((style & FA2_PDF_BOLD) && (style & FA2_PDF_ITALIC))
		return F_BOLDIT;
	return style & FA2_PDF_BOLD ? F_BOLD : style & FA2_PDF_ITALIC ? F_IT : F_REG;
}

/* Advance in 1/1000 em. */
static unsigned latin_width(unsigned font, int code)
{
	if (font == F_MONO || font == F_MONOBOLD)
		return 600;
	return font == F_BOLD || font == F_BOLDIT ? fa2_pdf_afm_helvetica_bold[code - 32]
						  : fa2_pdf_afm_helvetica[code - 32];
}

/* Half-width forms are half an em in Adobe-Japan1 (and in the W array below). */
static unsigned cjk_width(uint32_t cp)
{
	return cp >= 0xFF61 && cp <= 0xFF9F ? 500 : 1000;
}

/* Japanese line-breaking rules (kinsoku): characters that must not start a line, and
 * those that must not end one. */
static int no_line_start(uint32_t cp)
{
	static const uint32_t set[] = { 0x3001, 0x3002, 0xFF0C, 0xFF0E, 0xFF09, 0x300D, 0x300F,
					0x3011, 0x3015, 0x3009, 0x300B, 0x201D, 0x2019, 0xFF01,
					0xFF1F, 0x30FC, 0x2026, 0x3005, 0x309D, 0x309E, 0x30FD,
					0x30FE, 0xFF1A, 0xFF1B, 0x30FB };
	size_t k;
	if ((cp >= 0x3041 && cp <= 0x3049 && cp % 2) || cp == 0x3063 || cp == 0x3083 ||
	    cp == 0x3085 || cp == 0x3087 || cp == 0x308E || (cp >= 0x30A1 && cp <= 0x30A9 && cp % 2) ||
	    cp == 0x30C3 || cp == 0x30E3 || cp == 0x30E5 || cp == 0x30E7 || cp == 0x30EE ||
	    cp == 0x30F5 || cp == 0x30F6)
		return 1;
	for (k = 0; k < sizeof set / sizeof set[0]; k++)
		if (set[k] == cp)
			return 1;
	return 0;
}

static int no_line_end(uint32_t cp)
{
	return cp == 0xFF08 || cp == 0x300C || cp == 0x300E || cp == 0x3010 || cp == 0x3014 ||
	       cp == 0x3008 || cp == 0x300A || cp == 0x201C || cp == 0x2018;
}

/* ---- glyph runs ------------------------------------------------------------------- */

static void glyphs_free(glyphs *G)
{
	fa2_free(G->g);
	G->g = NULL;
	G->n = G->cap = 0;
}

static fa2_err glyphs_push(glyphs *G, const glyph *g)
{
	if (G->n == G->cap) {
		size_t cap = G->cap ? G->cap * 2 : 64;
		glyph *ng;
		if (cap > FA2_MAX_PDF_BYTES / sizeof *ng)
			return FA2_ERR_TOO_LARGE;
		ng = fa2_realloc(G->g, cap * sizeof *ng);
		if (!ng)
			return FA2_ERR_NOMEM;
		G->g = ng;
		G->cap = cap;
	}
	G->g[G->n++] = *g;
	return FA2_OK;
}

static fa2_err mark_cjk(fa2_pdf *p, uint32_t cp)
{
	if (!p)
		return FA2_OK;
	if (!p->cjk_used) {
		p->cjk_used = fa2_calloc(0x110000 / 8, 1);
		if (!p->cjk_used)
			return FA2_ERR_NOMEM;
	}
	if (!(p->cjk_used[cp >> 3] & (1u << (cp & 7)))) {
		p->cjk_used[cp >> 3] |= (unsigned char)(1u << (cp & 7));
		if (!p->cjk_count || cp < p->cjk_min)
			p->cjk_min = cp;
		if (!p->cjk_count || cp > p->cjk_max)
			p->cjk_max = cp;
		p->cjk_count++;
	}
	p->fonts_used |= 1u << F_CJK;
	return FA2_OK;
}

/* Appends the glyphs of s in style at size. In flowing text (keep_spaces 0) runs of
 * white space become one breakable space; in code they are kept, each one a glyph.
 * p (may be NULL, when only measuring) records the fonts and CJK characters used. */
static fa2_err add_text(fa2_pdf *p, glyphs *G, fa2_slice s, unsigned style, double size, int keep_spaces)
{
	unsigned lf = latin_font(style);
	size_t i = 0;
	fa2_err e = FA2_OK;

	while (i < s.len && !e) {
		uint32_t cp = fa2_utf8_next(s, &i);
		const glyph *prev = G->n ? &G->g[G->n - 1] : NULL;
		glyph g;
		int code;

		if (cp == '\r')
			continue;
		if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == 0x2028 || cp == 0x2029)
			cp = ' ';
		if (cp == FA2_UTF8_REPLACEMENT)
			cp = '?';
		else if ((cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF) ||
			 (cp >= 0x200B && cp <= 0x200F) || cp == 0xFEFF)
			continue; /* zero-width characters and variation selectors: nothing to set */
		memset(&g, 0, sizeof g);
		if (cp == ' ') {
			if (!keep_spaces && (!prev || prev->space))
				continue;
			g.space = 1;
			g.brk = 1;
		}
		code = winansi(cp);
		if (code >= 0) {
			g.font = (uint8_t)lf;
			g.code = (uint32_t)code;
			g.w = (float)(latin_width(lf, code) * size / 1000.0);
			if (!g.space && prev && (prev->space || prev->font == F_CJK ||
						 (prev->font != F_CJK && (prev->code == '/' || prev->code == '-') &&
						  code != '/' && code != '-')))
				g.brk = 1;
		} else {
			g.font = F_CJK;
			g.bold = (style & FA2_PDF_BOLD) != 0;
			g.code = cp;
			g.w = (float)(cjk_width(cp) * size / 1000.0);
			g.brk = prev && !no_line_start(cp) && !(prev->font == F_CJK && no_line_end(prev->code));
			e = mark_cjk(p, cp);
			if (e)
				break;
		}
		if (g.font != F_CJK && p)
			p->fonts_used |= 1u << g.font;
		e = glyphs_push(G, &g);
	}
	return e;
}

static fa2_err add_spans(fa2_pdf *p, glyphs *G, const fa2_pdf_span *spans, size_t n, unsigned extra,
			 double size)
{
	size_t k;
	fa2_err e = FA2_OK;
	for (k = 0; k < n && !e; k++)
		e = add_text(p, G, spans[k].text, spans[k].style | extra, size, 0);
	return e;
}

/* The end of the line that starts at i (after its leading spaces) within width. */
static size_t line_end(const glyphs *G, size_t i, double width)
{
	size_t j, last_brk = i;
	double w = 0;
	for (j = i; j < G->n; j++) {
		if (j > i && G->g[j].brk)
			last_brk = j;
		if (w + G->g[j].w > width && j > i)
			return last_brk > i ? last_brk : j;
		w += G->g[j].w;
	}
	return G->n;
}

static size_t skip_spaces(const glyphs *G, size_t i)
{
	while (i < G->n && G->g[i].space)
		i++;
	return i;
}

/* [a, b) without trailing spaces; its width. */
static double trimmed(const glyphs *G, size_t a, size_t *b)
{
	double w = 0;
	size_t k;
	while (*b > a && G->g[*b - 1].space)
		--*b;
	for (k = a; k < *b; k++)
		w += G->g[k].w;
	return w;
}

/* ---- page content ----------------------------------------------------------------- */

static fa2_buf *page(fa2_pdf *p)
{
	return &p->pages[p->n_pages - 1];
}

/* Appends a number with two decimals (no locale, no exponent). */
static fa2_err num(fa2_buf *b, double v)
{
	long long c = (long long)(v * 100.0 + (v < 0 ? -0.5 : 0.5));
	const char *sign = c < 0 ? "-" : "";
	if (c < 0)
		c = -c;
	if (c % 100 == 0)
		return fa2_buf_appendf(b, "%s%lld ", sign, c / 100);
	return fa2_buf_appendf(b, "%s%lld.%02lld ", sign, c / 100, c % 100);
}

static fa2_err nums(fa2_buf *b, const double *v, size_t n, const char *op)
{
	size_t k;
	fa2_err e = FA2_OK;
	for (k = 0; k < n && !e; k++)
		e = num(b, v[k]);
	return e ? e : fa2_buf_appendf(b, "%s\n", op);
}

static fa2_err new_page(fa2_pdf *p)
{
	if (p->n_pages)
		p->bytes += page(p)->len;
	if (p->n_pages >= FA2_MAX_PDF_PAGES || p->bytes > FA2_MAX_PDF_BYTES)
		return FA2_ERR_TOO_LARGE;
	if (p->n_pages == p->cap_pages) {
		size_t cap = p->cap_pages ? p->cap_pages * 2 : 8;
		fa2_buf *np = fa2_realloc(p->pages, cap * sizeof *np);
		if (!np)
			return FA2_ERR_NOMEM;
		p->pages = np;
		p->cap_pages = cap;
	}
	fa2_buf_init(&p->pages[p->n_pages++], FA2_MAX_PDF_BYTES);
	p->y = PAGE_H - MARGIN_TOP;
	p->at_top = 1;
	return FA2_OK;
}

/* Makes room for h points on the page, starting a new one when needed. */
static fa2_err need(fa2_pdf *p, double h)
{
	if (p->n_pages == 0 || (!p->at_top && p->y - h < MARGIN_BOT))
		return new_page(p);
	return FA2_OK;
}

static void gap(fa2_pdf *p, double h)
{
	if (p->n_pages && !p->at_top)
		p->y -= h;
}

/* Appends a literal string of WinAnsi bytes. */
static fa2_err latin_string(fa2_buf *b, const glyph *g, size_t n)
{
	size_t k;
	fa2_err e = fa2_buf_append_byte(b, '(');
	for (k = 0; k < n && !e; k++) {
		unsigned c = g[k].code;
		if (c == '(' || c == ')' || c == '\\')
			e = fa2_buf_appendf(b, "\\%c", (char)c);
		else if (c < 0x20 || c >= 0x7F)
			e = fa2_buf_appendf(b, "\\%03o", c);
		else
			e = fa2_buf_append_byte(b, (unsigned char)c);
	}
	return e ? e : fa2_buf_append_cstr(b, ") Tj\n");
}

/* UTF-16BE hex of cp (the CJK font's encoding, UniJIS-UTF16-H). */
static fa2_err utf16_hex(fa2_buf *b, uint32_t cp)
{
	if (cp < 0x10000)
		return fa2_buf_appendf(b, "%04X", (unsigned)cp);
	cp -= 0x10000;
	return fa2_buf_appendf(b, "%04X%04X", (unsigned)(0xD800 + (cp >> 10)), (unsigned)(0xDC00 + (cp & 0x3FF)));
}

/* Sets glyphs [a, b) with the first at (x, y) into the content stream o; gray > 0 sets
 * them in that gray instead of black. */
static fa2_err set_text(fa2_buf *o, const glyphs *G, size_t a, size_t b, double x, double y, double size,
			double gray)
{
	size_t k = a;
	int font = -1;
	fa2_err e;

	if (a >= b)
		return FA2_OK;
	e = fa2_buf_append_cstr(o, "BT\n");
	if (!e && gray > 0) {
		e = num(o, gray);
		if (!e)
			e = fa2_buf_append_cstr(o, "g\n");
	}
	if (!e) {
		double tm[6] = { 1, 0, 0, 1, 0, 0 };
		tm[4] = x, tm[5] = y;
		e = nums(o, tm, 6, "Tm");
	}
	while (k < b && !e) {
		size_t end = k + 1;
		const glyph *g = &G->g[k];
		while (end < b && G->g[end].font == g->font && G->g[end].bold == g->bold)
			end++;
		if (g->font != font) {
			font = g->font;
			e = fa2_buf_appendf(o, "/F%d ", font + 1);
			if (!e)
				e = num(o, size);
			if (!e)
				e = fa2_buf_append_cstr(o, "Tf\n");
		}
		if (e)
			break;
		if (g->font != F_CJK) {
			e = latin_string(o, g, end - k);
		} else {
			size_t m;
			if (g->bold)
				e = fa2_buf_append_cstr(o, "0.3 w 2 Tr\n");
			if (!e)
				e = fa2_buf_append_byte(o, '<');
			for (m = k; m < end && !e; m++)
				e = utf16_hex(o, G->g[m].code);
			if (!e)
				e = fa2_buf_append_cstr(o, "> Tj\n");
			if (!e && g->bold)
				e = fa2_buf_append_cstr(o, "0 Tr\n");
		}
		k = end;
	}
	if (!e)
		e = fa2_buf_append_cstr(o, gray > 0 ? "0 g\nET\n" : "ET\n");
	return e;
}

static fa2_err rect(fa2_pdf *p, double x, double y, double w, double h, const char *op)
{
	double v[4];
	v[0] = x, v[1] = y, v[2] = w, v[3] = h;
	return nums(page(p), v, 4, op);
}

static fa2_err line(fa2_pdf *p, double x1, double y1, double x2, double y2, double width, double gray)
{
	fa2_buf *o = page(p);
	double v[2];
	fa2_err e = fa2_buf_append_cstr(o, "q ");
	if (!e)
		e = num(o, width);
	if (!e)
		e = fa2_buf_append_cstr(o, "w ");
	if (!e)
		e = num(o, gray);
	if (!e)
		e = fa2_buf_append_cstr(o, "G ");
	v[0] = x1, v[1] = y1;
	if (!e)
		e = nums(o, v, 2, "m");
	v[0] = x2, v[1] = y2;
	if (!e)
		e = nums(o, v, 2, "l S Q");
	return e;
}

/* ---- blocks ----------------------------------------------------------------------- */

static fa2_err check(fa2_pdf *p)
{
	if (p->err)
		return p->err;
	if (p->finished)
		return p->err = FA2_ERR_INVALID;
	return FA2_OK;
}

/* Remembers the first failure; checks the size of the content so far. */
static fa2_err done(fa2_pdf *p, fa2_err e)
{
	if (!e && p->n_pages && p->bytes + page(p)->len > FA2_MAX_PDF_BYTES)
		e = FA2_ERR_TOO_LARGE;
	if (e && !p->err)
		p->err = e;
	return e;
}

/* Flows glyphs G into lines of width at x: the marker (may be empty) at marker_x on the
 * first line, a bar at bar_x (>= 0) beside every line, keep points kept with the first
 * line (so a heading does not end a page). */
static fa2_err flow(fa2_pdf *p, const glyphs *G, double x, double width, double size, double lead,
		    const glyphs *marker, double marker_x, double bar_x, double keep)
{
	size_t i = skip_spaces(G, 0);
	int first = 1;
	fa2_err e = FA2_OK;

	while (i < G->n && !e) {
		size_t end = line_end(G, i, width), b = end;
		double base;
		trimmed(G, i, &b);
		e = need(p, lead + (first ? keep : 0));
		if (e)
			break;
		base = p->y - lead * 0.78;
		if (first && marker && marker->n)
			e = set_text(page(p), marker, 0, marker->n, marker_x, base, size, 0);
		if (!e && bar_x >= 0)
			e = line(p, bar_x, p->y, bar_x, p->y - lead, 2, 0.75);
		if (!e)
			e = set_text(page(p), G, i, b, x, base, size, 0);
		p->y -= lead;
		p->at_top = 0;
		first = 0;
		i = skip_spaces(G, end);
	}
	return e;
}

static fa2_err block(fa2_pdf *p, const fa2_pdf_span *spans, size_t n, unsigned extra, double size,
		     double lead, double indent, const glyphs *marker, double marker_x, double bar_x,
		     double keep)
{
	glyphs G = { 0 };
	fa2_err e = add_spans(p, &G, spans, n, extra, size);
	if (!e)
		e = flow(p, &G, MARGIN_X + indent, CONTENT_W - indent, size, lead, marker, marker_x, bar_x, keep);
	glyphs_free(&G);
	return e;
}

fa2_err fa2_pdf_heading(fa2_pdf *p, unsigned level, const fa2_pdf_span *spans, size_t n)
{
	static const double size[3] = { 18, 14, 12 }, before[3] = { 16, 14, 10 };
	fa2_err e = check(p);
	unsigned l = level < 1 ? 0 : level > 3 ? 2 : level - 1;
	double top;
	if (e)
		return e;
	gap(p, before[l]);
	e = need(p, size[l] * 1.35 + 3 * BODY_LEAD);
	top = p->y;
	if (!e)
		e = block(p, spans, n, FA2_PDF_BOLD, size[l], size[l] * 1.35, 0, NULL, 0, -1, 3 * BODY_LEAD);
	if (!e && l == 0 && p->y < top) {
		e = line(p, MARGIN_X, p->y - 2, PAGE_W - MARGIN_X, p->y - 2, 0.8, 0.4);
		p->y -= 4;
	}
	if (!e)
		gap(p, 4);
	return done(p, e);
}

/* A paragraph, indented and with a bar at bar_x (>= 0) for quotes. */
static fa2_err text_block(fa2_pdf *p, const fa2_pdf_span *spans, size_t n, double indent, double bar_x)
{
	fa2_err e = check(p);
	if (e)
		return e;
	e = block(p, spans, n, 0, BODY_SIZE, BODY_LEAD, indent, NULL, 0, bar_x, 0);
	if (!e)
		gap(p, 6);
	return done(p, e);
}

fa2_err fa2_pdf_paragraph(fa2_pdf *p, const fa2_pdf_span *spans, size_t n)
{
	return text_block(p, spans, n, 0, -1);
}

fa2_err fa2_pdf_list_item(fa2_pdf *p, unsigned depth, fa2_slice marker, const fa2_pdf_span *spans,
			  size_t n)
{
	glyphs M = { 0 };
	double mx, mw = 0;
	size_t k;
	fa2_err e = check(p);
	if (e)
		return e;
	if (depth > MAX_DEPTH)
		depth = MAX_DEPTH;
	mx = MARGIN_X + depth * LIST_INDENT + 2;
	e = add_text(p, &M, marker.len ? marker : FA2_SLICE_LIT("\xE2\x80\xA2"), 0, BODY_SIZE, 0);
	for (k = 0; k < M.n; k++)
		mw += M.g[k].w;
	if (mw < 6)
		mw = 6;
	/* The text close to its marker: text extraction keeps them on one line. */
	if (!e)
		e = block(p, spans, n, 0, BODY_SIZE, BODY_LEAD, depth * LIST_INDENT + 2 + mw + 3.5, &M, mx, -1, 0);
	glyphs_free(&M);
	if (!e)
		gap(p, 2);
	return done(p, e);
}

fa2_err fa2_pdf_quote(fa2_pdf *p, const fa2_pdf_span *spans, size_t n)
{
	return text_block(p, spans, n, 14, MARGIN_X + 4);
}

fa2_err fa2_pdf_rule(fa2_pdf *p)
{
	fa2_err e = check(p);
	if (e)
		return e;
	e = need(p, 12);
	if (!e) {
		e = line(p, MARGIN_X, p->y - 6, PAGE_W - MARGIN_X, p->y - 6, 0.6, 0.6);
		p->y -= 12;
		p->at_top = 0;
	}
	return done(p, e);
}

fa2_err fa2_pdf_code(fa2_pdf *p, fa2_slice text)
{
	const double pad = 4, width = CONTENT_W - 2 * pad;
	fa2_slice rest = text, ln;
	glyphs G = { 0 };
	int any = 0;
	fa2_err e = check(p);
	if (e)
		return e;
	if (rest.len && rest.ptr[rest.len - 1] == '\n')
		rest.len--;
	for (;;) {
		int more = fa2_slice_split(rest, '\n', &ln, &rest);
		size_t i = 0, k;
		G.n = 0;
		/* Tabs to the next multiple of 4 columns. */
		for (k = 0; k < ln.len && !e; k++) {
			if (ln.ptr[k] == '\t') {
				size_t col = G.n;
				do
					e = add_text(p, &G, FA2_SLICE_LIT(" "), FA2_PDF_MONO, CODE_SIZE, 1);
				while (!e && ++col % 4);
			} else {
				size_t st = k;
				while (k < ln.len && ln.ptr[k] != '\t')
					k++;
				e = add_text(p, &G, fa2_slice_make(ln.ptr + st, k - st), FA2_PDF_MONO, CODE_SIZE, 1);
				k--;
			}
		}
		do {
			size_t end = G.n ? line_end(&G, i, width) : 0;
			if (!e)
				e = need(p, CODE_LEAD + (any ? 0 : pad));
			if (!e && (!any || p->at_top)) {
				/* The top padding of the box on each page. */
				e = fa2_buf_append_cstr(page(p), "0.95 g\n");
				if (!e)
					e = rect(p, MARGIN_X, p->y - pad, CONTENT_W, pad, "re f 0 g");
				p->y -= pad;
				p->at_top = 0;
			}
			if (!e)
				e = fa2_buf_append_cstr(page(p), "0.95 g\n");
			if (!e)
				e = rect(p, MARGIN_X, p->y - CODE_LEAD, CONTENT_W, CODE_LEAD, "re f 0 g");
			if (!e)
				e = set_text(page(p), &G, i, end, MARGIN_X + pad, p->y - CODE_LEAD * 0.78, CODE_SIZE, 0);
			p->y -= CODE_LEAD;
			p->at_top = 0;
			any = 1;
			i = end;
		} while (!e && i < G.n);
		if (e || !more)
			break;
	}
	if (!e) {
		e = fa2_buf_append_cstr(page(p), "0.95 g\n");
		if (!e)
			e = rect(p, MARGIN_X, p->y - pad, CONTENT_W, pad, "re f 0 g");
		p->y -= pad + 8;
	}
	glyphs_free(&G);
	return done(p, e);
}

/* ---- tables ----------------------------------------------------------------------- */

typedef struct col_metrics {
	double natural, min;
} col_metrics;

/* The widest unbreakable run and the whole width of a cell's glyphs. */
static void measure(const glyphs *G, double *natural, double *min)
{
	double run = 0, total = 0;
	size_t k;
	*min = 0;
	for (k = 0; k < G->n; k++) {
		if (G->g[k].brk)
			run = 0;
		if (!G->g[k].space)
			run += G->g[k].w;
		total += G->g[k].w;
		if (run > *min)
			*min = run;
	}
	*natural = total;
}

/* Builds the glyphs of one row's cells into G and counts the lines of the tallest
 * (at most cap). */
static fa2_err row_glyphs(fa2_pdf *p, glyphs *G, const fa2_pdf_cell *row, size_t cols, const double *w,
			  int hdr, size_t cap, size_t *most)
{
	size_t c, i, lines;
	fa2_err e = FA2_OK;
	*most = 1;
	for (c = 0; c < cols && !e; c++) {
		G[c].n = 0;
		e = add_spans(p, &G[c], row[c].spans, row[c].n, hdr ? FA2_PDF_BOLD : 0, TABLE_SIZE);
		lines = 0;
		for (i = skip_spaces(&G[c], 0); i < G[c].n && lines < cap;
		     i = skip_spaces(&G[c], line_end(&G[c], i, w[c] - 2 * CELL_PAD)))
			lines++;
		if (lines > *most)
			*most = lines;
	}
	return e;
}

/* Draws a row of `most` lines at the top of the free space, with borders (and shaded
 * when hdr), and moves below it. */
static fa2_err draw_row(fa2_pdf *p, const glyphs *G, size_t cols, const double *w, int hdr,
			const fa2_pdf_align *align, size_t most)
{
	double h = most * TABLE_LEAD + 2 * CELL_PAD, x = MARGIN_X;
	size_t c;
	fa2_err e = FA2_OK;
	for (c = 0; c < cols && !e; c++) {
		size_t i, n = 0;
		if (hdr) {
			e = fa2_buf_append_cstr(page(p), "0.9 g\n");
			if (!e)
				e = rect(p, x, p->y - h, w[c], h, "re f 0 g");
		}
		for (i = skip_spaces(&G[c], 0); i < G[c].n && n < most && !e; n++) {
			size_t end = line_end(&G[c], i, w[c] - 2 * CELL_PAD), b = end;
			double lw = trimmed(&G[c], i, &b), tx = x + CELL_PAD;
			fa2_pdf_align a = align ? align[c] : FA2_PDF_LEFT;
			if (a == FA2_PDF_RIGHT)
				tx = x + w[c] - CELL_PAD - lw;
			else if (a == FA2_PDF_CENTER)
				tx = x + (w[c] - lw) / 2;
			e = set_text(page(p), &G[c], i, b, tx, p->y - CELL_PAD - n * TABLE_LEAD - TABLE_LEAD * 0.78,
				     TABLE_SIZE, 0);
			i = skip_spaces(&G[c], end);
		}
		if (!e)
			e = fa2_buf_append_cstr(page(p), "q 0.5 w 0.3 G\n");
		if (!e)
			e = rect(p, x, p->y - h, w[c], h, "re S Q");
		x += w[c];
	}
	p->y -= h;
	p->at_top = 0;
	return e;
}

fa2_err fa2_pdf_table(fa2_pdf *p, const fa2_pdf_cell *cells, size_t rows, size_t cols, int header,
		      const fa2_pdf_align *align)
{
	col_metrics m[FA2_MAX_PDF_TABLE_COLS];
	double w[FA2_MAX_PDF_TABLE_COLS], sum_min = 0, sum_nat = 0;
	/* A row never splits across pages: longer cells are cut to fit half a page, so that
	 * the repeated header and the row always fit together. */
	const size_t cap = (size_t)((PAGE_H - MARGIN_TOP - MARGIN_BOT) / 2 / TABLE_LEAD) - 1;
	glyphs G[FA2_MAX_PDF_TABLE_COLS], H[FA2_MAX_PDF_TABLE_COLS];
	size_t r, c;
	fa2_err e = check(p);

	if (e)
		return e;
	if (cols == 0 || rows == 0)
		return FA2_OK;
	if (cols > FA2_MAX_PDF_TABLE_COLS || rows > FA2_MAX_PDF_TABLE_ROWS)
		return done(p, FA2_ERR_TOO_LARGE);
	memset(G, 0, sizeof G);
	memset(H, 0, sizeof H);
	memset(m, 0, sizeof m);
	/* Column widths: at least the widest word, the rest shared by how much more each
	 * column wants; a table too wide even so is scaled down and its words break. */
	for (r = 0; r < rows && !e; r++) {
		for (c = 0; c < cols && !e; c++) {
			double nat, mn;
			G[0].n = 0;
			e = add_spans(p, &G[0], cells[r * cols + c].spans, cells[r * cols + c].n,
				      header && r == 0 ? FA2_PDF_BOLD : 0, TABLE_SIZE);
			measure(&G[0], &nat, &mn);
			if (nat > m[c].natural)
				m[c].natural = nat;
			if (mn > m[c].min)
				m[c].min = mn;
		}
	}
	for (c = 0; c < cols; c++) {
		m[c].natural += 2 * CELL_PAD;
		m[c].min += 2 * CELL_PAD;
		sum_nat += m[c].natural;
		sum_min += m[c].min;
	}
	for (c = 0; c < cols; c++) {
		if (sum_nat <= CONTENT_W)
			w[c] = m[c].natural;
		else if (sum_min >= CONTENT_W)
			w[c] = CONTENT_W * m[c].min / sum_min;
		else
			w[c] = m[c].min + (CONTENT_W - sum_min) * (m[c].natural - m[c].min) / (sum_nat - sum_min);
	}
	gap(p, 2);
	for (r = 0; r < rows && !e; r++) {
		size_t most, before;
		e = row_glyphs(p, G, cells + r * cols, cols, w, header && r == 0, cap, &most);
		before = p->n_pages;
		if (!e)
			e = need(p, most * TABLE_LEAD + 2 * CELL_PAD);
		if (!e && header && r > 0 && p->n_pages != before) {
			size_t hm;
			e = row_glyphs(p, H, cells, cols, w, 1, cap, &hm);
			if (!e)
				e = draw_row(p, H, cols, w, 1, align, hm);
		}
		if (!e)
			e = draw_row(p, G, cols, w, header && r == 0, align, most);
	}
	for (c = 0; c < cols; c++) {
		glyphs_free(&G[c]);
		glyphs_free(&H[c]);
	}
	if (!e)
		gap(p, 8);
	return done(p, e);
}

/* ---- the file --------------------------------------------------------------------- */

fa2_err fa2_pdf_new(const fa2_pdf_info *info, fa2_pdf **out)
{
	fa2_pdf *p = fa2_calloc(1, sizeof *p);
	size_t k;
	*out = NULL;
	if (!p)
		return FA2_ERR_NOMEM;
	if (info) {
		const char *src[5];
		char **dst[5];
		src[0] = info->title, dst[0] = &p->title;
		src[1] = info->author, dst[1] = &p->author;
		src[2] = info->subject, dst[2] = &p->subject;
		src[3] = info->lang, dst[3] = &p->lang;
		src[4] = info->creation_date, dst[4] = &p->date;
		for (k = 0; k < 5; k++) {
			if (src[k] && (*dst[k] = fa2_strdup(src[k])) == NULL) {
				fa2_pdf_free(p);
				return FA2_ERR_NOMEM;
			}
		}
	}
	*out = p;
	return FA2_OK;
}

void fa2_pdf_free(fa2_pdf *p)
{
	size_t k;
	if (!p)
		return;
	for (k = 0; k < p->n_pages; k++)
		fa2_buf_cleanup(&p->pages[k]);
	fa2_free(p->pages);
	fa2_free(p->cjk_used);
	fa2_free(p->title);
	fa2_free(p->author);
	fa2_free(p->subject);
	fa2_free(p->lang);
	fa2_free(p->date);
	fa2_free(p);
}

double fa2_pdf_text_width(fa2_slice text, unsigned style, double size)
{
	glyphs G = { 0 };
	double w = 0;
	size_t k;
	if (add_text(NULL, &G, text, style, size, 0) == FA2_OK)
		for (k = 0; k < G.n; k++)
			w += G.g[k].w;
	glyphs_free(&G);
	return w;
}

typedef struct writer {
	fa2_buf *out;
	size_t base;          /* offset of the file in out */
	size_t *offs;         /* object number -> offset */
	size_t n_objs;
	fa2_err e;
} writer;

static void obj_begin(writer *w, size_t id)
{
	if (w->e)
		return;
	w->offs[id] = w->out->len - w->base;
	w->e = fa2_buf_appendf(w->out, "%zu 0 obj\n", id);
}

static void put(writer *w, const char *s)
{
	if (!w->e)
		w->e = fa2_buf_append_cstr(w->out, s);
}

static void putf_zu(writer *w, const char *fmt, size_t v)
{
	if (!w->e)
		w->e = fa2_buf_appendf(w->out, fmt, v);
}

/* A PDF text string (Info values): UTF-16BE with a byte order mark, as hex. */
static void text_string(writer *w, const char *s)
{
	fa2_slice t = fa2_slice_cstr(s);
	size_t i = 0;
	put(w, "<FEFF");
	while (i < t.len && !w->e) {
		uint32_t cp = fa2_utf8_next(t, &i);
		if (cp < 0x20)
			cp = ' ';
		w->e = utf16_hex(w->out, cp);
	}
	put(w, ">");
}

static void stream(writer *w, const char *dict_extra, const char *data, size_t len)
{
	putf_zu(w, "<< /Length %zu", len);
	put(w, dict_extra);
	put(w, " >>\nstream\n");
	if (!w->e && len)
		w->e = fa2_buf_append(w->out, data, len);
	put(w, "\nendstream\nendobj\n");
}

/* The ToUnicode CMap of the CJK font: each code used (UTF-16BE) to itself. */
static fa2_err to_unicode(const fa2_pdf *p, fa2_buf *b)
{
	uint32_t cp, n = 0;
	fa2_err e = fa2_buf_append_cstr(
		b, "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
		   "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
		   "/CMapName /fa2-UTF16-UCS def\n/CMapType 2 def\n"
		   "3 begincodespacerange\n<0000> <D7FF>\n<D800DC00> <DBFFDFFF>\n<E000> <FFFF>\n"
		   "endcodespacerange\n");
	for (cp = p->cjk_min; p->cjk_count && cp <= p->cjk_max && !e; cp++) {
		if (!(p->cjk_used[cp >> 3] & (1u << (cp & 7))))
			continue;
		/* At most 100 entries a block. */
		if (n % 100 == 0) {
			uint32_t more = p->cjk_count - n < 100 ? p->cjk_count - n : 100;
			if (n)
				e = fa2_buf_append_cstr(b, "endbfchar\n");
			if (!e)
				e = fa2_buf_appendf(b, "%u beginbfchar\n", (unsigned)more);
		}
		if (!e)
			e = fa2_buf_append_byte(b, '<');
		if (!e)
			e = utf16_hex(b, cp);
		if (!e)
			e = fa2_buf_append_cstr(b, "> <");
		if (!e)
			e = utf16_hex(b, cp);
		if (!e)
			e = fa2_buf_append_cstr(b, ">\n");
		n++;
	}
	if (!e && n)
		e = fa2_buf_append_cstr(b, "endbfchar\n");
	if (!e)
		e = fa2_buf_append_cstr(b, "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
	return e;
}

/* "n / N" centred at the foot of every page. */
static fa2_err footers(fa2_pdf *p)
{
	size_t k, i;
	fa2_err e = FA2_OK;
	for (k = 0; k < p->n_pages && !e; k++) {
		char txt[48];
		glyphs G = { 0 };
		int n = snprintf(txt, sizeof txt, "%zu / %zu", k + 1, p->n_pages);
		double wd = 0;
		e = add_text(p, &G, fa2_slice_make(txt, n > 0 ? (size_t)n : 0), 0, 8, 0);
		for (i = 0; i < G.n; i++)
			wd += G.g[i].w;
		if (!e)
			e = set_text(&p->pages[k], &G, 0, G.n, (PAGE_W - wd) / 2, 32, 8, 0.35);
		glyphs_free(&G);
	}
	return e;
}

fa2_err fa2_pdf_finish(fa2_pdf *p, fa2_buf *out)
{
	/* Objects: 1 catalog, 2 page tree, 3 info, 4 resources, then the fonts in use (the
	 * CJK font with its CIDFont, descriptor and ToUnicode map), then each page and its
	 * content stream. */
	enum { O_CATALOG = 1, O_PAGES, O_INFO, O_RES, O_NEXT };
	size_t font_id[F_COUNT], cid_id = 0, desc_id = 0, touni_id = 0, page0, next = O_NEXT;
	writer w;
	fa2_buf cmap;
	size_t k, xref, start_len = out->len;
	fa2_err e = check(p);

	if (e)
		return e;
	fa2_buf_init(&cmap, FA2_MAX_PDF_BYTES);
	memset(&w, 0, sizeof w);
	if (p->n_pages == 0)
		e = new_page(p);
	if (!e)
		e = footers(p);
	if (!e && (p->fonts_used & (1u << F_CJK)))
		e = to_unicode(p, &cmap);
	for (k = 0; k < F_COUNT; k++)
		font_id[k] = p->fonts_used & (1u << k) ? next++ : 0;
	if (font_id[F_CJK]) {
		cid_id = next++;
		desc_id = next++;
		touni_id = next++;
	}
	page0 = next;
	w.n_objs = page0 + 2 * p->n_pages;
	w.offs = e ? NULL : fa2_calloc(w.n_objs, sizeof *w.offs);
	if (!e && !w.offs)
		e = FA2_ERR_NOMEM;
	if (e)
		goto cleanup;
	w.out = out;
	w.base = out->len;
	/* A comment of high bytes marks the file as binary for transfer programs. */
	put(&w, "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n");
	obj_begin(&w, O_CATALOG);
	put(&w, "<< /Type /Catalog /Pages 2 0 R");
	if (p->lang) {
		put(&w, " /Lang ");
		text_string(&w, p->lang);
	}
	if (p->title)
		put(&w, " /ViewerPreferences << /DisplayDocTitle true >>");
	put(&w, " >>\nendobj\n");
	obj_begin(&w, O_PAGES);
	put(&w, "<< /Type /Pages /Kids [");
	for (k = 0; k < p->n_pages; k++)
		putf_zu(&w, k ? " %zu 0 R" : "%zu 0 R", page0 + 2 * k);
	putf_zu(&w, "] /Count %zu >>\nendobj\n", p->n_pages);
	obj_begin(&w, O_INFO);
	put(&w, "<< /Producer (fa2)");
	if (p->title) {
		put(&w, " /Title ");
		text_string(&w, p->title);
	}
	if (p->author) {
		put(&w, " /Author ");
		text_string(&w, p->author);
	}
	if (p->subject) {
		put(&w, " /Subject ");
		text_string(&w, p->subject);
	}
	if (p->date) {
		put(&w, " /CreationDate ");
		text_string(&w, p->date);
	}
	put(&w, " >>\nendobj\n");
	obj_begin(&w, O_RES);
	put(&w, "<< /ProcSet [/PDF /Text] /Font <<");
	for (k = 0; k < F_COUNT; k++) {
		if (!font_id[k])
			continue;
		putf_zu(&w, " /F%zu", k + 1);
		putf_zu(&w, " %zu 0 R", font_id[k]);
	}
	put(&w, " >> >>\nendobj\n");
	for (k = 0; k < F_CJK; k++) {
		size_t c;
		if (!font_id[k])
			continue;
		obj_begin(&w, font_id[k]);
		put(&w, "<< /Type /Font /Subtype /Type1 /BaseFont /");
		put(&w, latin_fonts[k]);
		put(&w, " /Encoding /WinAnsiEncoding /FirstChar 32 /LastChar 255 /Widths [");
		for (c = 32; c < 256; c++)
			putf_zu(&w, c % 16 ? " %zu" : "\n%zu", latin_width((unsigned)k, (int)c));
		put(&w, "] >>\nendobj\n");
	}
	if (font_id[F_CJK]) {
		obj_begin(&w, font_id[F_CJK]);
		put(&w, "<< /Type /Font /Subtype /Type0 /BaseFont /" CJK_FONT "-UniJIS-UTF16-H"
			" /Encoding /UniJIS-UTF16-H");
		putf_zu(&w, " /DescendantFonts [%zu 0 R]", cid_id);
		putf_zu(&w, " /ToUnicode %zu 0 R >>\nendobj\n", touni_id);
		obj_begin(&w, cid_id);
		/* CIDs 231-632 are Adobe-Japan1's half-width forms. */
		put(&w, "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /" CJK_FONT
			" /CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 6 >>");
		putf_zu(&w, " /FontDescriptor %zu 0 R /DW 1000 /W [231 632 500] >>\nendobj\n", desc_id);
		obj_begin(&w, desc_id);
		put(&w, "<< /Type /FontDescriptor /FontName /" CJK_FONT " /Flags 4"
			" /FontBBox [-149 -374 1254 1008] /ItalicAngle 0 /Ascent 880 /Descent -120"
			" /CapHeight 763 /StemV 116 /Style << /Panose <000000000200000000000000> >> >>\nendobj\n");
		obj_begin(&w, touni_id);
		stream(&w, "", cmap.data, cmap.len);
	}
	for (k = 0; k < p->n_pages; k++) {
		obj_begin(&w, page0 + 2 * k);
		put(&w, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.276 841.89] /Resources 4 0 R");
		putf_zu(&w, " /Contents %zu 0 R >>\nendobj\n", page0 + 2 * k + 1);
		obj_begin(&w, page0 + 2 * k + 1);
		stream(&w, "", p->pages[k].data, p->pages[k].len);
	}
	xref = out->len - w.base;
	putf_zu(&w, "xref\n0 %zu\n0000000000 65535 f \n", w.n_objs);
	for (k = 1; k < w.n_objs && !w.e; k++)
		w.e = fa2_buf_appendf(out, "%010zu 00000 n \n", w.offs[k]);
	putf_zu(&w, "trailer\n<< /Size %zu /Root 1 0 R /Info 3 0 R >>\n", w.n_objs);
	putf_zu(&w, "startxref\n%zu\n%%%%EOF\n", xref);
	e = w.e;
	if (!e && out->len - w.base > FA2_MAX_PDF_BYTES)
		e = FA2_ERR_TOO_LARGE;
cleanup:
	if (e)
		fa2_buf_truncate(out, start_len);
	fa2_free(w.offs);
	fa2_buf_cleanup(&cmap);
	p->finished = 1;
	if (e)
		p->err = e;
	return e;
}
