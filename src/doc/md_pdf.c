/* Markdown to PDF: block and inline parsing of the report subset. See md_pdf.h. */
#include "doc/md_pdf.h"

#include <string.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "doc/chain.h"

#define MD_MAX_BYTES      (FA2_MAX_PDF_BYTES / 8u)
#define MD_MAX_SEARCH     4096u  /* bytes searched for a closing delimiter */
#define MD_MAX_DEPTH      4      /* nested inline constructs */
#define MD_MAX_TITLE      200u

typedef struct spans {
	fa2_pdf_span *s;
	size_t n, cap;
} spans;

typedef struct md {
	fa2_pdf *pdf;
	spans S;          /* inline spans of the block being built */
	/* The pending paragraph or list item: a contiguous slice of the input. */
	int kind;         /* K_NONE, K_PARA, K_ITEM, K_QUOTE */
	const char *start, *end;
	unsigned depth;   /* list item */
	fa2_slice marker; /* list item: "" for a bullet, "1." */
} md;

enum { K_NONE, K_PARA, K_ITEM, K_QUOTE };

/* ---- inline ------------------------------------------------------------------------ */

static fa2_err span_add(spans *S, fa2_slice t, unsigned style)
{
	if (t.len == 0)
		return FA2_OK;
	if (S->n == S->cap) {
		size_t cap = S->cap ? S->cap * 2 : 32;
		fa2_pdf_span *ns;
		if (cap > MD_MAX_BYTES)
			return FA2_ERR_TOO_LARGE;
		ns = fa2_realloc(S->s, cap * sizeof *ns);
		if (!ns)
			return FA2_ERR_NOMEM;
		S->s = ns;
		S->cap = cap;
	}
	S->s[S->n].text = t;
	S->s[S->n].style = style;
	S->n++;
	return FA2_OK;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static int is_punct(char c)
{
	return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
	       (c >= '{' && c <= '~');
}

/* A byte of a word: ASCII letters and digits, and every non-ASCII byte. */
static int is_word(char c)
{
	unsigned char u = (unsigned char)c;
	return (u >= '0' && u <= '9') || (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || u >= 0x80;
}

static size_t run_of(fa2_slice t, size_t i, char c)
{
	size_t j = i;
	while (j < t.len && t.ptr[j] == c)
		j++;
	return j - i;
}

/* The closing delimiter (d times c) of an emphasis opened at i, or 0. */
static size_t find_closer(fa2_slice t, size_t i, size_t d, char c)
{
	size_t j, lim = t.len - i > MD_MAX_SEARCH ? i + MD_MAX_SEARCH : t.len;
	for (j = i + d + 1; j + d <= lim; j++) {
		size_t r;
		if (t.ptr[j] != c)
			continue;
		r = run_of(t, j, c);
		if (r == d && !is_space(t.ptr[j - 1]) && (c != '_' || j + d >= t.len || !is_word(t.ptr[j + d])))
			return j;
		j += r - 1;
	}
	return 0;
}

static fa2_err parse_inline(spans *S, fa2_slice t, unsigned style, int depth);

/* [text](url) at i (t.ptr[i] == '['): *next gets the index after it. 0 if it is none. */
static int link_at(fa2_slice t, size_t i, fa2_slice *text, fa2_slice *url, size_t *next)
{
	size_t j, lim = t.len - i > MD_MAX_SEARCH ? i + MD_MAX_SEARCH : t.len, k;
	for (j = i + 1; j < lim && t.ptr[j] != ']'; j++)
		if (t.ptr[j] == '[' || t.ptr[j] == '\n')
			return 0;
	if (j + 1 >= lim || t.ptr[j] != ']' || t.ptr[j + 1] != '(')
		return 0;
	for (k = j + 2; k < lim && t.ptr[k] != ')'; k++)
		if (is_space(t.ptr[k]) && t.ptr[k] != ' ')
			return 0;
	if (k >= lim)
		return 0;
	*text = fa2_slice_make(t.ptr + i + 1, j - i - 1);
	*url = fa2_slice_trim(fa2_slice_make(t.ptr + j + 2, k - j - 2));
	*next = k + 1;
	return 1;
}

static fa2_err parse_inline(spans *S, fa2_slice t, unsigned style, int depth)
{
	size_t i = 0, lit = 0;
	fa2_err e = FA2_OK;

#define FLUSH(upto) \
	do { \
		if (!e && (upto) > lit) \
			e = span_add(S, fa2_slice_make(t.ptr + lit, (upto) - lit), style); \
	} while (0)

	while (i < t.len && !e) {
		char c = t.ptr[i];
		if (c == '\\' && i + 1 < t.len && is_punct(t.ptr[i + 1])) {
			FLUSH(i);
			lit = i + 1;
			i += 2;
		} else if (c == '`') {
			size_t n = run_of(t, i, '`'), j, lim = t.len - i > MD_MAX_SEARCH ? i + MD_MAX_SEARCH : t.len;
			for (j = i + n; j < lim; j++) {
				size_t r;
				if (t.ptr[j] != '`')
					continue;
				r = run_of(t, j, '`');
				if (r == n)
					break;
				j += r - 1;
			}
			if (j < lim) {
				fa2_slice code = fa2_slice_make(t.ptr + i + n, j - i - n);
				if (code.len >= 2 && code.ptr[0] == ' ' && code.ptr[code.len - 1] == ' ')
					code = fa2_slice_sub(code, 1, code.len - 2);
				FLUSH(i);
				if (!e)
					e = span_add(S, code, style | FA2_PDF_MONO);
				i = j + n;
				lit = i;
			} else {
				i += n;
			}
		} else if ((c == '*' || c == '_') && depth < MD_MAX_DEPTH) {
			size_t n = run_of(t, i, c), d = n >= 2 ? 2 : 1, j = 0;
			unsigned bit = d == 2 ? FA2_PDF_BOLD : FA2_PDF_ITALIC;
			int opens = i + n < t.len && !is_space(t.ptr[i + n]) && (c != '_' || i == 0 || !is_word(t.ptr[i - 1]));
			if (opens)
				j = find_closer(t, i + n - d, d, c);
			if (j) {
				FLUSH(i + n - d);
				if (!e)
					e = parse_inline(S, fa2_slice_make(t.ptr + i + n, j - i - n), style | bit, depth + 1);
				i = j + d;
				lit = i;
			} else {
				i += n;
			}
		} else if ((c == '[' || (c == '!' && i + 1 < t.len && t.ptr[i + 1] == '[')) && depth < MD_MAX_DEPTH) {
			fa2_slice text, url;
			size_t next, at = c == '!' ? i + 1 : i;
			if (link_at(t, at, &text, &url, &next)) {
				FLUSH(i);
				if (!e)
					e = parse_inline(S, text, style, depth + 1);
				/* A link shows where it goes, unless its text says it already. */
				if (!e && c == '[' && url.len && !fa2_slice_eq(fa2_slice_trim(text), url)) {
					e = span_add(S, FA2_SLICE_LIT(" ("), style);
					if (!e)
						e = span_add(S, url, style);
					if (!e)
						e = span_add(S, FA2_SLICE_LIT(")"), style);
				}
				i = next;
				lit = i;
			} else {
				i = at + 1;
			}
		} else if (c == '<') {
			fa2_slice rest = fa2_slice_sub(t, i, t.len - i);
			size_t close = i + 1;
			while (close < t.len && close - i < 2048 && t.ptr[close] != '>' && !is_space(t.ptr[close]) &&
			       t.ptr[close] != '<')
				close++;
			if (close < t.len && t.ptr[close] == '>' &&
			    (fa2_slice_starts_with(rest, FA2_SLICE_LIT("<http://")) ||
			     fa2_slice_starts_with(rest, FA2_SLICE_LIT("<https://")) ||
			     fa2_slice_starts_with(rest, FA2_SLICE_LIT("<mailto:")))) {
				FLUSH(i);
				if (!e)
					e = span_add(S, fa2_slice_make(t.ptr + i + 1, close - i - 1), style);
				i = close + 1;
				lit = i;
			} else if (fa2_slice_starts_with(rest, FA2_SLICE_LIT("<br>")) ||
				   fa2_slice_starts_with(rest, FA2_SLICE_LIT("<br/>")) ||
				   fa2_slice_starts_with(rest, FA2_SLICE_LIT("<br />"))) {
				FLUSH(i);
				if (!e)
					e = span_add(S, FA2_SLICE_LIT(" "), style);
				i = i + (size_t)fa2_slice_find_char(rest, '>') + 1;
				lit = i;
			} else {
				i++;
			}
		} else if (c == '~' && i + 1 < t.len && t.ptr[i + 1] == '~') {
			FLUSH(i);
			i += 2;
			lit = i;
		} else {
			i++;
		}
	}
	FLUSH(t.len);
#undef FLUSH
	return e;
}

/* ---- blocks ------------------------------------------------------------------------ */

static fa2_slice line_text(const char *a, const char *b)
{
	return fa2_slice_make(a, (size_t)(b - a));
}

/* Leading spaces (a tab counts 4). */
static size_t indent_of(fa2_slice l, size_t *bytes)
{
	size_t n = 0, i = 0;
	while (i < l.len && (l.ptr[i] == ' ' || l.ptr[i] == '\t'))
		n += l.ptr[i++] == '\t' ? 4 : 1;
	if (bytes)
		*bytes = i;
	return n;
}

static fa2_err flush(md *m)
{
	fa2_err e = FA2_OK;
	fa2_slice body;
	if (m->kind == K_NONE)
		return FA2_OK;
	m->S.n = 0;
	if (m->kind == K_QUOTE) {
		/* Quote lines without their '>' markers, one after the other. */
		fa2_slice rest = line_text(m->start, m->end), l;
		for (;;) {
			int more = fa2_slice_split(rest, '\n', &l, &rest);
			size_t b;
			indent_of(l, &b);
			l = fa2_slice_sub(l, b, l.len - b);
			if (l.len && l.ptr[0] == '>')
				l = fa2_slice_sub(l, 1, l.len - 1);
			e = parse_inline(&m->S, l, 0, 0);
			if (!e)
				e = span_add(&m->S, FA2_SLICE_LIT(" "), 0);
			if (e || !more)
				break;
		}
		if (!e)
			e = fa2_pdf_quote(m->pdf, m->S.s, m->S.n);
	} else {
		body = line_text(m->start, m->end);
		e = parse_inline(&m->S, body, 0, 0);
		if (!e && m->kind == K_PARA)
			e = fa2_pdf_paragraph(m->pdf, m->S.s, m->S.n);
		else if (!e)
			e = fa2_pdf_list_item(m->pdf, m->depth, m->marker, m->S.s, m->S.n);
	}
	m->kind = K_NONE;
	return e;
}

/* "#", "##", ... at the start of l (after up to 3 spaces): its level and text. */
static unsigned heading_of(fa2_slice l, fa2_slice *text)
{
	size_t b, h;
	fa2_slice t;
	if (indent_of(l, &b) > 3)
		return 0;
	h = run_of(l, b, '#');
	if (h == 0 || h > 6 || (b + h < l.len && l.ptr[b + h] != ' ' && l.ptr[b + h] != '\t'))
		return 0;
	t = fa2_slice_trim(fa2_slice_sub(l, b + h, l.len - b - h));
	/* A closing run of '#' after a space is not text. */
	{
		size_t e = t.len;
		while (e > 0 && t.ptr[e - 1] == '#')
			e--;
		if (e == 0 || t.ptr[e - 1] == ' ')
			t = fa2_slice_trim(fa2_slice_sub(t, 0, e));
	}
	*text = t;
	return (unsigned)h;
}

static int is_rule(fa2_slice l)
{
	size_t b, i, n = 0;
	char c;
	if (indent_of(l, &b) > 3 || b >= l.len)
		return 0;
	c = l.ptr[b];
	if (c != '-' && c != '*' && c != '_')
		return 0;
	for (i = b; i < l.len; i++) {
		if (l.ptr[i] == c)
			n++;
		else if (l.ptr[i] != ' ' && l.ptr[i] != '\t')
			return 0;
	}
	return n >= 3;
}

/* A list item start: its depth, marker ("" for bullets) and where its text begins. */
static int item_of(fa2_slice l, unsigned *depth, fa2_slice *marker, size_t *text_at)
{
	size_t b, i, ind = indent_of(l, &b);
	if (b >= l.len)
		return 0;
	i = b;
	if (l.ptr[i] == '-' || l.ptr[i] == '*' || l.ptr[i] == '+') {
		i++;
		*marker = FA2_SLICE_EMPTY;
	} else {
		while (i < l.len && i - b < 9 && l.ptr[i] >= '0' && l.ptr[i] <= '9')
			i++;
		if (i == b || i >= l.len || (l.ptr[i] != '.' && l.ptr[i] != ')'))
			return 0;
		i++;
		*marker = fa2_slice_make(l.ptr + b, i - b);
	}
	if (i < l.len && l.ptr[i] != ' ' && l.ptr[i] != '\t')
		return 0;
	*depth = (unsigned)(ind / 2);
	*text_at = i < l.len ? i + 1 : i;
	return 1;
}

/* ```, ~~~ (3 or more) after up to 3 spaces: the fence character and length. */
static size_t fence_of(fa2_slice l, char *c, fa2_slice *info)
{
	size_t b, n;
	if (indent_of(l, &b) > 3 || b >= l.len || (l.ptr[b] != '`' && l.ptr[b] != '~'))
		return 0;
	n = run_of(l, b, l.ptr[b]);
	if (n < 3)
		return 0;
	*c = l.ptr[b];
	*info = fa2_slice_trim(fa2_slice_sub(l, b + n, l.len - b - n));
	if (*c == '`' && fa2_slice_find_char(*info, '`') >= 0)
		return 0;
	return n;
}

/* A table delimiter row: | --- | :-: | --: | */
static int is_delimiter_row(fa2_slice l, fa2_pdf_align *align, size_t max, size_t *cols)
{
	fa2_slice t = fa2_slice_trim(l), cell, rest;
	int any_dash = 0;
	*cols = 0;
	if (t.len && t.ptr[0] == '|')
		t = fa2_slice_sub(t, 1, t.len - 1);
	if (t.len && t.ptr[t.len - 1] == '|')
		t.len--;
	if (!t.len)
		return 0;
	rest = t;
	for (;;) {
		int more = fa2_slice_split(rest, '|', &cell, &rest);
		size_t k;
		int left, right;
		cell = fa2_slice_trim(cell);
		if (!cell.len)
			return 0;
		left = cell.ptr[0] == ':';
		right = cell.ptr[cell.len - 1] == ':';
		for (k = left; k < cell.len - (size_t)right; k++) {
			if (cell.ptr[k] != '-')
				return 0;
			any_dash = 1;
		}
		if (*cols < max)
			align[*cols] = left && right ? FA2_PDF_CENTER : right ? FA2_PDF_RIGHT : FA2_PDF_LEFT;
		++*cols;
		if (!more)
			break;
	}
	return any_dash;
}

/* Splits a table row at '|' outside code spans and escapes. */
static size_t split_row(fa2_slice l, fa2_slice *cells, size_t max)
{
	fa2_slice t = fa2_slice_trim(l);
	size_t i, start, n = 0;
	int code = 0;
	if (t.len && t.ptr[0] == '|')
		t = fa2_slice_sub(t, 1, t.len - 1);
	if (t.len && t.ptr[t.len - 1] == '|' && (t.len < 2 || t.ptr[t.len - 2] != '\\'))
		t.len--;
	for (i = 0, start = 0; i <= t.len; i++) {
		if (i < t.len && t.ptr[i] == '\\') {
			i++;
			continue;
		}
		if (i < t.len && t.ptr[i] == '`')
			code = !code;
		if (i == t.len || (t.ptr[i] == '|' && !code)) {
			if (n < max)
				cells[n] = fa2_slice_trim(fa2_slice_make(t.ptr + start, i - start));
			n++;
			start = i + 1;
		}
	}
	return n < max ? n : max;
}

typedef struct cell_ref {
	size_t first, n;
} cell_ref;

static fa2_err table(md *m, const fa2_slice *lines, size_t n_lines)
{
	fa2_pdf_align align[FA2_MAX_PDF_TABLE_COLS];
	fa2_slice cells[FA2_MAX_PDF_TABLE_COLS];
	size_t cols, r, c, rows = 0;
	cell_ref *refs = NULL;
	fa2_pdf_cell *pc = NULL;
	fa2_err e = FA2_OK;

	is_delimiter_row(lines[1], align, FA2_MAX_PDF_TABLE_COLS, &cols);
	if (cols > FA2_MAX_PDF_TABLE_COLS)
		cols = FA2_MAX_PDF_TABLE_COLS;
	if (n_lines - 1 > FA2_MAX_PDF_TABLE_ROWS)
		n_lines = FA2_MAX_PDF_TABLE_ROWS + 1;
	refs = fa2_calloc((n_lines - 1) * cols, sizeof *refs);
	pc = fa2_calloc((n_lines - 1) * cols, sizeof *pc);
	if (!refs || !pc) {
		e = FA2_ERR_NOMEM;
		goto cleanup;
	}
	m->S.n = 0;
	for (r = 0; r < n_lines && !e; r++) {
		size_t got;
		if (r == 1)
			continue; /* the delimiter row */
		got = split_row(lines[r], cells, FA2_MAX_PDF_TABLE_COLS);
		for (c = 0; c < cols && !e; c++) {
			refs[rows * cols + c].first = m->S.n;
			if (c < got)
				e = parse_inline(&m->S, cells[c], 0, 0);
			refs[rows * cols + c].n = m->S.n - refs[rows * cols + c].first;
		}
		rows++;
	}
	/* The spans are final now: point the cells at them. */
	for (r = 0; r < rows * cols && !e; r++) {
		pc[r].spans = m->S.s + refs[r].first;
		pc[r].n = refs[r].n;
	}
	if (!e)
		e = fa2_pdf_table(m->pdf, pc, rows, cols, 1, align);
cleanup:
	fa2_free(refs);
	fa2_free(pc);
	return e;
}

/* A ```mermaid block: the causal chain as lines when it is one of ours (text gets them,
 * each ending in '\n'), else the source as code (text left empty). */
static fa2_err mermaid(md *m, fa2_slice src, fa2_buf *text_out)
{
	fa2_chain ch;
	fa2_buf text;
	fa2_err e;
	fa2_chain_init(&ch);
	fa2_buf_init(&text, 64u * 1024u);
	if (fa2_chain_from_mermaid(&ch, src) != FA2_OK || fa2_chain_render_text(&ch, 0, &text) != FA2_OK) {
		e = fa2_pdf_code(m->pdf, src);
	} else {
		e = fa2_buf_append(text_out, text.data, text.len);
		fa2_slice rest = fa2_buf_slice(&text), l;
		fa2_pdf_span sp;
		while (!e && rest.len) {
			fa2_slice_split(rest, '\n', &l, &rest);
			sp.text = l;
			sp.style = 0;
			e = fa2_pdf_list_item(m->pdf, 0, FA2_SLICE_LIT("\xE2\x80\xA2"), &sp, 1);
		}
	}
	fa2_buf_cleanup(&text);
	fa2_chain_cleanup(&ch);
	return e;
}

/* The report writes its causal chain twice: the Mermaid block and, under it, the same
 * lines as list items ("- A → B") for viewers that do not draw Mermaid. When the lines
 * from L[i] on (after blank lines) are exactly those items, returns the index past them,
 * so the PDF shows the chain once; else i. */
static size_t skip_chain_list(const fa2_slice *L, size_t n, size_t i, fa2_slice drawn)
{
	size_t k = i;
	fa2_slice line;
	while (k < n && fa2_slice_trim(L[k]).len == 0)
		k++;
	while (drawn.len) {
		fa2_slice_split(drawn, '\n', &line, &drawn);
		if (k >= n || L[k].len != line.len + 2 || memcmp(L[k].ptr, "- ", 2) != 0 ||
		    memcmp(L[k].ptr + 2, line.ptr, line.len) != 0)
			return i;
		k++;
	}
	return k;
}

/* Splits md into lines (without their ends). */
static fa2_err lines_of(fa2_slice s, fa2_slice **out, size_t *n)
{
	size_t cap = 1, i, k = 0;
	fa2_slice *v;
	for (i = 0; i < s.len; i++)
		cap += s.ptr[i] == '\n';
	v = fa2_calloc(cap, sizeof *v);
	if (!v)
		return FA2_ERR_NOMEM;
	{
		fa2_slice rest = s, l;
		for (;;) {
			int more = fa2_slice_split(rest, '\n', &l, &rest);
			if (l.len && l.ptr[l.len - 1] == '\r')
				l.len--;
			v[k++] = l;
			if (!more)
				break;
		}
	}
	*out = v;
	*n = k;
	return FA2_OK;
}

static fa2_err render(md *m, const fa2_slice *L, size_t n)
{
	size_t i = 0;
	fa2_err e = FA2_OK;

	while (i < n && !e) {
		fa2_slice l = L[i], text, info;
		unsigned level, depth;
		size_t b, at, fl, cols;
		char fc;
		fa2_pdf_align al[FA2_MAX_PDF_TABLE_COLS];

		if (fa2_slice_trim(l).len == 0) {
			e = flush(m);
			i++;
			continue;
		}
		if ((fl = fence_of(l, &fc, &info)) != 0) {
			size_t j = i + 1;
			fa2_slice body;
			e = flush(m);
			while (j < n) {
				char c2;
				fa2_slice i2;
				size_t f2 = fence_of(L[j], &c2, &i2);
				if (f2 >= fl && c2 == fc && i2.len == 0)
					break;
				j++;
			}
			body = j > i + 1 ? line_text(L[i + 1].ptr, L[j - 1].ptr + L[j - 1].len) : FA2_SLICE_EMPTY;
			i = j + 1;
			if (!e) {
				fa2_slice lang, dummy;
				fa2_buf drawn;
				fa2_slice_split(info, ' ', &lang, &dummy);
				fa2_buf_init(&drawn, 64u * 1024u);
				e = fa2_slice_eq_ci(lang, FA2_SLICE_LIT("mermaid")) ? mermaid(m, body, &drawn)
										      : fa2_pdf_code(m->pdf, body);
				if (!e && drawn.len)
					i = skip_chain_list(L, n, i, fa2_buf_slice(&drawn));
				fa2_buf_cleanup(&drawn);
			}
			continue;
		}
		if ((level = heading_of(l, &text)) != 0) {
			e = flush(m);
			m->S.n = 0;
			if (!e)
				e = parse_inline(&m->S, text, 0, 0);
			if (!e)
				e = fa2_pdf_heading(m->pdf, level, m->S.s, m->S.n);
			i++;
			continue;
		}
		/* Setext headings: a paragraph underlined with === or ---. */
		if (m->kind == K_PARA && indent_of(l, &b) <= 3 && (l.ptr[b] == '=' || l.ptr[b] == '-') &&
		    run_of(l, b, l.ptr[b]) == fa2_slice_trim(l).len) {
			fa2_slice para = fa2_slice_trim(line_text(m->start, m->end));
			m->kind = K_NONE;
			m->S.n = 0;
			e = parse_inline(&m->S, para, 0, 0);
			if (!e)
				e = fa2_pdf_heading(m->pdf, l.ptr[b] == '=' ? 1 : 2, m->S.s, m->S.n);
			i++;
			continue;
		}
		if (is_rule(l)) {
			e = flush(m);
			if (!e)
				e = fa2_pdf_rule(m->pdf);
			i++;
			continue;
		}
		if (fa2_slice_find_char(l, '|') >= 0 && i + 1 < n &&
		    is_delimiter_row(L[i + 1], al, FA2_MAX_PDF_TABLE_COLS, &cols)) {
			size_t j = i + 2;
			e = flush(m);
			while (j < n && fa2_slice_trim(L[j]).len && fa2_slice_find_char(L[j], '|') >= 0)
				j++;
			if (!e)
				e = table(m, L + i, j - i);
			i = j;
			continue;
		}
		indent_of(l, &b);
		if (b < l.len && l.ptr[b] == '>') {
			if (m->kind != K_QUOTE) {
				e = flush(m);
				m->kind = K_QUOTE;
				m->start = l.ptr;
			}
			m->end = l.ptr + l.len;
			i++;
			continue;
		}
		if (item_of(l, &depth, &text, &at)) {
			e = flush(m);
			m->kind = K_ITEM;
			m->depth = depth;
			m->marker = text;
			m->start = l.ptr + at;
			m->end = l.ptr + l.len;
			i++;
			continue;
		}
		/* Text: continues the pending paragraph or list item (quotes end here). */
		if (m->kind == K_QUOTE)
			e = flush(m);
		if (m->kind == K_NONE) {
			m->kind = K_PARA;
			m->start = l.ptr;
		}
		m->end = l.ptr + l.len;
		i++;
	}
	if (!e)
		e = flush(m);
	return e;
}

fa2_err fa2_doc_md_to_pdf(fa2_slice md_text, const fa2_pdf_info *info, fa2_buf *out)
{
	fa2_pdf_info inf;
	fa2_slice *lines = NULL;
	size_t n = 0, k;
	char title[MD_MAX_TITLE + 1];
	md m;
	fa2_err e;

	memset(&m, 0, sizeof m);
	if (md_text.len > MD_MAX_BYTES)
		return FA2_ERR_TOO_LARGE;
	if (info)
		inf = *info;
	else
		memset(&inf, 0, sizeof inf);
	e = lines_of(md_text, &lines, &n);
	if (e)
		return e;
	if (!inf.title) {
		/* The first heading names the document. */
		for (k = 0; k < n; k++) {
			fa2_slice t;
			if (heading_of(lines[k], &t)) {
				size_t len = t.len > MD_MAX_TITLE ? MD_MAX_TITLE : t.len, j;
				memcpy(title, t.ptr, len);
				title[len] = '\0';
				for (j = 0; j < len; j++)
					if (title[j] == '*' || title[j] == '`')
						title[j] = ' ';
				inf.title = title;
				break;
			}
		}
	}
	e = fa2_pdf_new(&inf, &m.pdf);
	if (!e)
		e = render(&m, lines, n);
	if (!e)
		e = fa2_pdf_finish(m.pdf, out);
	fa2_pdf_free(m.pdf);
	fa2_free(m.S.s);
	fa2_free(lines);
	return e;
}
