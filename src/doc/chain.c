/* The causal chain: building, Mermaid and text rendering. See chain.h. */
#include "doc/chain.h"

#include <string.h>

#include "doc/utf8.h"

#define CHAIN_MAX_LINES 20u
#define CHAIN_POOL_MAX \
	((size_t)(FA2_MAX_CHAIN_NODES * 3u + FA2_MAX_CHAIN_EDGES) * (FA2_MAX_CHAIN_TEXT_BYTES + 8u))

static const char *const kind_names[FA2_CHAIN_KIND_COUNT] = {
	"change", "trigger", "mechanism", "symptom", "alarm", "other"
};

void fa2_chain_init(fa2_chain *c)
{
	c->n_nodes = 0;
	c->n_edges = 0;
	fa2_buf_init(&c->pool, CHAIN_POOL_MAX);
}

void fa2_chain_cleanup(fa2_chain *c)
{
	fa2_buf_cleanup(&c->pool);
	c->n_nodes = c->n_edges = 0;
}

fa2_slice fa2_chain_text(const fa2_chain *c, fa2_chain_str s)
{
	if (s.len == 0 || !c->pool.data)
		return FA2_SLICE_EMPTY;
	return fa2_slice_make(c->pool.data + s.off, s.len);
}

const char *fa2_chain_kind_name(fa2_chain_kind k)
{
	return (unsigned)k < FA2_CHAIN_KIND_COUNT ? kind_names[k] : "other";
}

fa2_chain_kind fa2_chain_kind_parse(fa2_slice s)
{
	unsigned k;
	s = fa2_slice_trim(s);
	for (k = 0; k < FA2_CHAIN_KIND_COUNT; k++)
		if (fa2_slice_eq_ci(s, fa2_slice_cstr(kind_names[k])))
			return (fa2_chain_kind)k;
	return FA2_CHAIN_OTHER;
}

/* Copies s into the pool, cleaned as fa2_chain_add_node says. keep_nl keeps '\n'. */
static fa2_err pool_add(fa2_chain *c, fa2_slice s, int keep_nl, fa2_chain_str *out)
{
	size_t start = c->pool.len, i = 0;
	int cut = 0;
	fa2_err e = FA2_OK;

	s = fa2_slice_trim(s);
	while (i < s.len && !e) {
		uint32_t cp = fa2_utf8_next(s, &i);
		if (cp == '\r')
			continue;
		if ((cp < 0x20 && !(cp == '\n' && keep_nl)) || (cp >= 0x7F && cp < 0xA0) || cp == 0x2028 ||
		    cp == 0x2029)
			cp = ' ';
		if (c->pool.len - start + 4 > FA2_MAX_CHAIN_TEXT_BYTES - 3) {
			cut = 1;
			break;
		}
		e = fa2_utf8_append(&c->pool, cp);
	}
	if (e)
		goto fail;
	/* Trailing blanks left by the cleaning. */
	while (c->pool.len > start && (c->pool.data[c->pool.len - 1] == ' ' || c->pool.data[c->pool.len - 1] == '\n'))
		c->pool.len--;
	if (cut)
		e = fa2_buf_append_cstr(&c->pool, "\xE2\x80\xA6"); /* … */
	if (e)
		goto fail;
	out->off = (uint32_t)start;
	out->len = (uint32_t)(c->pool.len - start);
	return FA2_OK;
fail:
	fa2_buf_truncate(&c->pool, start);
	return e;
}

fa2_err fa2_chain_add_node(fa2_chain *c, fa2_chain_kind kind, fa2_slice label, fa2_slice time,
			   fa2_slice evidence, size_t *index)
{
	fa2_chain_node n;
	size_t mark = c->pool.len;
	fa2_err e;

	if (c->n_nodes >= FA2_MAX_CHAIN_NODES)
		return FA2_ERR_TOO_LARGE;
	memset(&n, 0, sizeof n);
	n.kind = (unsigned)kind < FA2_CHAIN_KIND_COUNT ? kind : FA2_CHAIN_OTHER;
	e = pool_add(c, label, 1, &n.label);
	if (!e && n.label.len == 0)
		e = FA2_ERR_INVALID;
	if (!e)
		e = pool_add(c, time, 0, &n.time);
	if (!e)
		e = pool_add(c, evidence, 0, &n.evidence);
	if (e) {
		fa2_buf_truncate(&c->pool, mark);
		return e;
	}
	c->nodes[c->n_nodes] = n;
	if (index)
		*index = c->n_nodes;
	c->n_nodes++;
	return FA2_OK;
}

fa2_err fa2_chain_add_edge(fa2_chain *c, size_t from, size_t to, fa2_slice label)
{
	fa2_chain_edge ed;
	size_t k;
	fa2_err e;
	if (from >= c->n_nodes || to >= c->n_nodes || from == to)
		return FA2_ERR_INVALID;
	for (k = 0; k < c->n_edges; k++)
		if (c->edges[k].from == from && c->edges[k].to == to)
			return FA2_OK;
	if (c->n_edges >= FA2_MAX_CHAIN_EDGES)
		return FA2_ERR_TOO_LARGE;
	ed.from = (uint16_t)from;
	ed.to = (uint16_t)to;
	e = pool_add(c, label, 0, &ed.label);
	if (e)
		return e;
	c->edges[c->n_edges++] = ed;
	return FA2_OK;
}

/* ---- JSON ---------------------------------------------------------------------------- */

static fa2_slice json_text(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (cJSON_IsArray(v))
		v = cJSON_GetArrayItem(v, 0);
	return cJSON_IsString(v) ? fa2_slice_cstr(v->valuestring) : FA2_SLICE_EMPTY;
}

fa2_err fa2_chain_from_json(fa2_chain *c, const cJSON *arr)
{
	const char *ids[FA2_MAX_CHAIN_NODES];
	const cJSON *src[FA2_MAX_CHAIN_NODES];
	const cJSON *it;
	int any_next = 0;
	size_t k;
	fa2_err e = FA2_OK;

	if (!cJSON_IsArray(arr))
		return FA2_ERR_PARSE;
	cJSON_ArrayForEach(it, arr)
	{
		size_t idx;
		const cJSON *id;
		if (c->n_nodes >= FA2_MAX_CHAIN_NODES)
			break;
		if (!cJSON_IsObject(it))
			continue;
		e = fa2_chain_add_node(c, fa2_chain_kind_parse(json_text(it, "kind")), json_text(it, "label"),
				       json_text(it, "time"), json_text(it, "evidence"), &idx);
		if (e == FA2_ERR_INVALID) {
			e = FA2_OK; /* no label: skipped */
			continue;
		}
		if (e)
			return e;
		id = cJSON_GetObjectItemCaseSensitive(it, "id");
		ids[idx] = cJSON_IsString(id) && id->valuestring[0] ? id->valuestring : NULL;
		for (k = 0; ids[idx] && k < idx; k++)
			if (ids[k] && strcmp(ids[k], ids[idx]) == 0)
				ids[idx] = NULL; /* a repeated id names the first node only */
		src[idx] = it;
		if (cJSON_GetObjectItemCaseSensitive(it, "next"))
			any_next = 1;
	}
	if (c->n_nodes == 0)
		return FA2_ERR_PARSE;
	if (!any_next) {
		for (k = 0; k + 1 < c->n_nodes && !e; k++)
			e = fa2_chain_add_edge(c, k, k + 1, FA2_SLICE_EMPTY);
		return e == FA2_ERR_TOO_LARGE ? FA2_OK : e;
	}
	for (k = 0; k < c->n_nodes; k++) {
		const cJSON *next = cJSON_GetObjectItemCaseSensitive(src[k], "next"), *n;
		if (cJSON_IsString(next)) {
			/* A single id. */
			size_t j;
			for (j = 0; j < c->n_nodes; j++)
				if (ids[j] && strcmp(ids[j], next->valuestring) == 0)
					break;
			if (j < c->n_nodes && j != k) {
				e = fa2_chain_add_edge(c, k, j, FA2_SLICE_EMPTY);
				if (e == FA2_ERR_TOO_LARGE)
					return FA2_OK;
				if (e)
					return e;
			}
			continue;
		}
		if (!cJSON_IsArray(next))
			continue;
		cJSON_ArrayForEach(n, next)
		{
			const char *target = NULL;
			fa2_slice label = FA2_SLICE_EMPTY;
			size_t j;
			if (cJSON_IsString(n)) {
				target = n->valuestring;
			} else if (cJSON_IsObject(n)) {
				const cJSON *t = cJSON_GetObjectItemCaseSensitive(n, "id");
				target = cJSON_IsString(t) ? t->valuestring : NULL;
				label = json_text(n, "label");
			}
			if (!target)
				continue;
			for (j = 0; j < c->n_nodes; j++)
				if (ids[j] && strcmp(ids[j], target) == 0)
					break;
			if (j >= c->n_nodes || j == k)
				continue;
			e = fa2_chain_add_edge(c, k, j, label);
			if (e == FA2_ERR_TOO_LARGE)
				return FA2_OK;
			if (e)
				return e;
		}
	}
	return FA2_OK;
}

/* ---- Mermaid ------------------------------------------------------------------------- */

/* Shapes by kind: changes and triggers hexagons, mechanisms rectangles, symptoms
 * rounded, alarms stadiums. */
static const char *const shape_open[FA2_CHAIN_KIND_COUNT] = { "{{", "{{", "[", "(", "([", "[" };
static const char *const shape_close[FA2_CHAIN_KIND_COUNT] = { "}}", "}}", "]", ")", "])", "]" };
static const char *const class_style[FA2_CHAIN_KIND_COUNT] = {
	"fill:#fde2e1,stroke:#c0392b,color:#000", "fill:#fdebd0,stroke:#ca6f1e,color:#000",
	"fill:#fcf3cf,stroke:#b7950b,color:#000", "fill:#d6eaf8,stroke:#2e86c1,color:#000",
	"fill:#e8daef,stroke:#7d3c98,color:#000", "fill:#eaeded,stroke:#566573,color:#000",
};

/* Appends s for inside a Mermaid "..." string: the characters that could end the
 * string, start an entity, start a Markdown string, a directive (%%{...}%%, which
 * Mermaid strips from anywhere in the text), or reach the HTML label as markup become
 * Mermaid entity codes; '\n' becomes <br/>. Mermaid also rewrites "style ...:#...;" and
 * "classDef ...:#...;" anywhere on a line before parsing, which would eat the ';' of
 * an entity: a letter of those words is written as an entity so that they never
 * appear. */
static fa2_err mermaid_text(fa2_buf *b, fa2_slice s)
{
	size_t i;
	fa2_err e = FA2_OK;
	for (i = 0; i < s.len && !e; i++) {
		char ch = s.ptr[i];
		fa2_slice rest = fa2_slice_sub(s, i, s.len - i);
		if (fa2_slice_starts_with(rest, FA2_SLICE_LIT("style"))) {
			e = fa2_buf_append_cstr(b, "styl#101;");
			i += 4;
			continue;
		}
		if (fa2_slice_starts_with(rest, FA2_SLICE_LIT("classDef"))) {
			e = fa2_buf_append_cstr(b, "classDe#102;");
			i += 7;
			continue;
		}
		switch (ch) {
		case '"': e = fa2_buf_append_cstr(b, "#quot;"); break;
		case '#': e = fa2_buf_append_cstr(b, "#35;"); break;
		case '&': e = fa2_buf_append_cstr(b, "#amp;"); break;
		case '<': e = fa2_buf_append_cstr(b, "#lt;"); break;
		case '>': e = fa2_buf_append_cstr(b, "#gt;"); break;
		case '`': e = fa2_buf_append_cstr(b, "#96;"); break;
		case ';': e = fa2_buf_append_cstr(b, "#59;"); break;
		case '|': e = fa2_buf_append_cstr(b, "#124;"); break;
		case '\\': e = fa2_buf_append_cstr(b, "#92;"); break;
		case '%': e = fa2_buf_append_cstr(b, "#37;"); break;
		case '\n': e = fa2_buf_append_cstr(b, "<br/>"); break;
		default: e = fa2_buf_append_byte(b, (unsigned char)ch); break;
		}
	}
	return e;
}

fa2_err fa2_chain_render_mermaid(const fa2_chain *c, fa2_buf *out)
{
	size_t k;
	unsigned used = 0;
	fa2_err e = fa2_buf_append_cstr(out, "flowchart TD\n");
	for (k = 0; k < c->n_nodes && !e; k++) {
		const fa2_chain_node *n = &c->nodes[k];
		fa2_slice t = fa2_chain_text(c, n->time), ev = fa2_chain_text(c, n->evidence);
		used |= 1u << n->kind;
		e = fa2_buf_appendf(out, "  n%zu%s\"", k + 1, shape_open[n->kind]);
		if (!e)
			e = mermaid_text(out, fa2_chain_text(c, n->label));
		if (!e && t.len)
			e = fa2_buf_append_cstr(out, "<br/><small>");
		if (!e && t.len)
			e = mermaid_text(out, t);
		if (!e && t.len)
			e = fa2_buf_append_cstr(out, "</small>");
		if (!e && ev.len)
			e = fa2_buf_append_cstr(out, "<br/><i>");
		if (!e && ev.len)
			e = mermaid_text(out, ev);
		if (!e && ev.len)
			e = fa2_buf_append_cstr(out, "</i>");
		if (!e)
			e = fa2_buf_appendf(out, "\"%s:::%s\n", shape_close[n->kind], kind_names[n->kind]);
	}
	for (k = 0; k < c->n_edges && !e; k++) {
		const fa2_chain_edge *ed = &c->edges[k];
		if (ed->label.len) {
			e = fa2_buf_appendf(out, "  n%u -->|\"", (unsigned)ed->from + 1);
			if (!e)
				e = mermaid_text(out, fa2_chain_text(c, ed->label));
			if (!e)
				e = fa2_buf_appendf(out, "\"| n%u\n", (unsigned)ed->to + 1);
		} else {
			e = fa2_buf_appendf(out, "  n%u --> n%u\n", (unsigned)ed->from + 1, (unsigned)ed->to + 1);
		}
	}
	for (k = 0; k < FA2_CHAIN_KIND_COUNT && !e; k++)
		if (used & (1u << k))
			e = fa2_buf_appendf(out, "  classDef %s %s\n", kind_names[k], class_style[k]);
	return e;
}

/* ---- text ---------------------------------------------------------------------------- */

typedef struct text_ctx {
	const fa2_chain *c;
	fa2_buf *out;
	int mrkdwn;
	unsigned lines;
	uint8_t covered[FA2_MAX_CHAIN_NODES];
	uint8_t on_path[FA2_MAX_CHAIN_NODES];
	uint16_t path[FA2_MAX_CHAIN_NODES];
	uint16_t via[FA2_MAX_CHAIN_NODES]; /* edge index leading to path[i] (i > 0) */
} text_ctx;

static fa2_err text_piece(text_ctx *x, fa2_slice s)
{
	size_t i;
	fa2_err e = FA2_OK;
	for (i = 0; i < s.len && !e; i++) {
		char ch = s.ptr[i];
		if (ch == '\n')
			e = fa2_buf_append_byte(x->out, ' ');
		else if (x->mrkdwn && ch == '&')
			e = fa2_buf_append_cstr(x->out, "&amp;");
		else if (x->mrkdwn && ch == '<')
			e = fa2_buf_append_cstr(x->out, "&lt;");
		else if (x->mrkdwn && ch == '>')
			e = fa2_buf_append_cstr(x->out, "&gt;");
		else
			e = fa2_buf_append_byte(x->out, (unsigned char)ch);
	}
	return e;
}

static fa2_err text_node(text_ctx *x, size_t k)
{
	const fa2_chain_node *n = &x->c->nodes[k];
	fa2_err e = text_piece(x, fa2_chain_text(x->c, n->label));
	if (!e && n->time.len) {
		e = fa2_buf_append_cstr(x->out, " (");
		if (!e)
			e = text_piece(x, fa2_chain_text(x->c, n->time));
		if (!e)
			e = fa2_buf_append_byte(x->out, ')');
	}
	return e;
}

static fa2_err emit_path(text_ctx *x, size_t len)
{
	size_t i;
	fa2_err e = FA2_OK;
	if (x->lines >= CHAIN_MAX_LINES)
		return FA2_OK;
	x->lines++;
	for (i = 0; i < len && !e; i++) {
		x->covered[x->path[i]] = 1;
		if (i > 0) {
			const fa2_chain_edge *ed = &x->c->edges[x->via[i]];
			if (ed->label.len) {
				e = fa2_buf_append_cstr(x->out, " \xE2\x86\x92 (");
				if (!e)
					e = text_piece(x, fa2_chain_text(x->c, ed->label));
				if (!e)
					e = fa2_buf_append_cstr(x->out, ") \xE2\x86\x92 ");
			} else {
				e = fa2_buf_append_cstr(x->out, " \xE2\x86\x92 "); /* → */
			}
		}
		if (!e)
			e = text_node(x, x->path[i]);
	}
	return e ? e : fa2_buf_append_byte(x->out, '\n');
}

/* Extends the path (len nodes so far) along every edge to a node not on it; a path
 * that cannot be extended is a line. */
static fa2_err walk(text_ctx *x, size_t len)
{
	size_t k, last = x->path[len - 1];
	int extended = 0;
	fa2_err e = FA2_OK;
	for (k = 0; k < x->c->n_edges && !e && x->lines < CHAIN_MAX_LINES; k++) {
		const fa2_chain_edge *ed = &x->c->edges[k];
		if (ed->from != last || x->on_path[ed->to])
			continue;
		extended = 1;
		x->path[len] = ed->to;
		x->via[len] = (uint16_t)k;
		x->on_path[ed->to] = 1;
		e = walk(x, len + 1);
		x->on_path[ed->to] = 0;
	}
	if (!e && !extended)
		e = emit_path(x, len);
	return e;
}

fa2_err fa2_chain_render_text(const fa2_chain *c, int mrkdwn, fa2_buf *out)
{
	text_ctx x;
	uint8_t has_in[FA2_MAX_CHAIN_NODES];
	size_t k, pass;
	fa2_err e = FA2_OK;

	memset(&x, 0, sizeof x);
	memset(has_in, 0, sizeof has_in);
	x.c = c;
	x.out = out;
	x.mrkdwn = mrkdwn;
	for (k = 0; k < c->n_edges; k++)
		has_in[c->edges[k].to] = 1;
	/* First the paths from the starts, then from nodes only reachable inside a cycle. */
	for (pass = 0; pass < 2; pass++) {
		for (k = 0; k < c->n_nodes && !e && x.lines < CHAIN_MAX_LINES; k++) {
			if (pass == 0 ? has_in[k] : x.covered[k])
				continue;
			x.path[0] = (uint16_t)k;
			x.on_path[k] = 1;
			e = walk(&x, 1);
			x.on_path[k] = 0;
		}
	}
	return e;
}

/* ---- reading Mermaid back -------------------------------------------------------------- */

static int skip_lit(fa2_slice s, size_t *i, const char *lit)
{
	size_t n = strlen(lit);
	if (s.len - *i < n || memcmp(s.ptr + *i, lit, n) != 0)
		return 0;
	*i += n;
	return 1;
}

/* "n<digits>" as a 1-based index. */
static int node_ref(fa2_slice s, size_t *i, size_t *out)
{
	size_t v = 0, start;
	if (!skip_lit(s, i, "n"))
		return 0;
	start = *i;
	while (*i < s.len && s.ptr[*i] >= '0' && s.ptr[*i] <= '9' && *i - start < 4)
		v = v * 10 + (size_t)(s.ptr[(*i)++] - '0');
	if (*i == start || v == 0)
		return 0;
	*out = v;
	return 1;
}

/* Decodes a quoted string's inside (up to the next '"'): the label into dst[0], the
 * time (in <small>) into dst[1], the evidence (in <i>) into dst[2]. */
static int mermaid_unquote(fa2_slice s, size_t *i, fa2_buf *dst)
{
	fa2_buf *to = &dst[0];
	if (!skip_lit(s, i, "\""))
		return 0;
	while (*i < s.len && s.ptr[*i] != '"') {
		char ch = s.ptr[*i];
		if (ch == '#') {
			size_t j = *i + 1;
			uint32_t cp = 0;
			if (skip_lit(s, &j, "quot;"))
				cp = '"';
			else if (skip_lit(s, &j, "amp;"))
				cp = '&';
			else if (skip_lit(s, &j, "lt;"))
				cp = '<';
			else if (skip_lit(s, &j, "gt;"))
				cp = '>';
			else {
				size_t st = j;
				while (j < s.len && s.ptr[j] >= '0' && s.ptr[j] <= '9' && j - st < 7)
					cp = cp * 10 + (uint32_t)(s.ptr[j++] - '0');
				if (j == st || !skip_lit(s, &j, ";"))
					return 0;
			}
			if (fa2_utf8_append(to, cp))
				return 0;
			*i = j;
		} else if (ch == '<') {
			/* Only the tags fa2_chain_render_mermaid writes: labels' '<' are entities. */
			if (skip_lit(s, i, "<br/>")) {
				if (to == &dst[0] && fa2_buf_append_byte(to, '\n'))
					return 0;
			} else if (skip_lit(s, i, "<small>")) {
				to = &dst[1];
			} else if (skip_lit(s, i, "<i>")) {
				to = &dst[2];
			} else if (skip_lit(s, i, "</small>") || skip_lit(s, i, "</i>")) {
				to = &dst[0];
			} else {
				return 0;
			}
		} else {
			if (fa2_buf_append_byte(to, (unsigned char)ch))
				return 0;
			++*i;
		}
	}
	return skip_lit(s, i, "\"");
}

fa2_err fa2_chain_from_mermaid(fa2_chain *c, fa2_slice src)
{
	fa2_buf text[3];
	fa2_slice line, rest = src;
	int first = 1;
	size_t k;
	fa2_err e = FA2_OK;

	for (k = 0; k < 3; k++)
		fa2_buf_init(&text[k], FA2_MAX_CHAIN_TEXT_BYTES * 4u);
	while (rest.len && !e) {
		size_t i = 0, a, b;
		fa2_slice_split(rest, '\n', &line, &rest);
		if (line.len && line.ptr[line.len - 1] == '\r')
			line.len--;
		if (first) {
			first = 0;
			if (!fa2_slice_eq_cstr(fa2_slice_trim(line), "flowchart TD"))
				e = FA2_ERR_PARSE;
			continue;
		}
		if (fa2_slice_trim(line).len == 0)
			continue;
		if (!skip_lit(line, &i, "  ")) {
			e = FA2_ERR_PARSE;
			break;
		}
		if (skip_lit(line, &i, "classDef "))
			continue;
		if (!node_ref(line, &i, &a)) {
			e = FA2_ERR_PARSE;
			break;
		}
		for (k = 0; k < 3; k++)
			fa2_buf_reset(&text[k]);
		if (skip_lit(line, &i, " -->")) {
			fa2_slice label = FA2_SLICE_EMPTY;
			if (skip_lit(line, &i, "|")) {
				if (!mermaid_unquote(line, &i, text) || !skip_lit(line, &i, "|")) {
					e = FA2_ERR_PARSE;
					break;
				}
				label = fa2_buf_slice(&text[0]);
			}
			if (!skip_lit(line, &i, " ") || !node_ref(line, &i, &b) || i != line.len) {
				e = FA2_ERR_PARSE;
				break;
			}
			e = fa2_chain_add_edge(c, a - 1, b - 1, label);
		} else {
			unsigned kd;
			fa2_slice kind;
			for (kd = 0; kd < FA2_CHAIN_KIND_COUNT; kd++) {
				size_t j = i;
				/* "([" and "(" differ by what follows: the quote. */
				if (skip_lit(line, &j, shape_open[kd]) && j < line.len && line.ptr[j] == '"')
					break;
			}
			if (kd == FA2_CHAIN_KIND_COUNT) {
				e = FA2_ERR_PARSE;
				break;
			}
			i += strlen(shape_open[kd]);
			if (a != c->n_nodes + 1 || !mermaid_unquote(line, &i, text) ||
			    !skip_lit(line, &i, shape_close[kd]) || !skip_lit(line, &i, ":::")) {
				e = FA2_ERR_PARSE;
				break;
			}
			kind = fa2_slice_sub(line, i, line.len - i);
			e = fa2_chain_add_node(c, fa2_chain_kind_parse(kind), fa2_buf_slice(&text[0]),
					       fa2_buf_slice(&text[1]), fa2_buf_slice(&text[2]), NULL);
		}
	}
	for (k = 0; k < 3; k++)
		fa2_buf_cleanup(&text[k]);
	if (!e && (first || c->n_nodes == 0))
		e = FA2_ERR_PARSE;
	return e;
}
