/* A small XML reader for query-protocol responses (STS): elements, text, entities.
 * No DTDs, no namespaces beyond ignoring xmlns attributes, depth-limited. */
#include <stdio.h>
#include <string.h>

#include "aws/client.h"
#include "base/json.h"
#include "base/limits.h"

#define XML_MAX_DEPTH 32

struct xp {
	const char *s;
	size_t n, i;
};

static void skip_ws(struct xp *x)
{
	while (x->i < x->n && (x->s[x->i] == ' ' || x->s[x->i] == '\t' || x->s[x->i] == '\r' ||
	                       x->s[x->i] == '\n'))
		x->i++;
}

static int starts(const struct xp *x, const char *lit)
{
	size_t l = strlen(lit);
	return x->n - x->i >= l && memcmp(x->s + x->i, lit, l) == 0;
}

/* Skips <?...?>, <!--...-->, <!...> and white space. */
static int skip_misc(struct xp *x)
{
	for (;;) {
		skip_ws(x);
		if (starts(x, "<?") || starts(x, "<!--") || starts(x, "<!")) {
			const char *end = starts(x, "<!--") ? "-->" : starts(x, "<?") ? "?>" : ">";
			size_t l = strlen(end);
			x->i += 2;
			while (x->i + l <= x->n && memcmp(x->s + x->i, end, l) != 0)
				x->i++;
			if (x->i + l > x->n)
				return -1;
			x->i += l;
			continue;
		}
		return 0;
	}
}

static fa2_err decode_text(fa2_slice t, fa2_buf *out)
{
	size_t i;
	fa2_err e = FA2_OK;
	for (i = 0; i < t.len && !e; i++) {
		if (t.ptr[i] != '&') {
			e = fa2_buf_append_byte(out, (unsigned char)t.ptr[i]);
			continue;
		}
		{
			static const struct { const char *ent; char c; } ents[] = {
				{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&apos;", '\'' }
			};
			size_t k;
			int done = 0;
			for (k = 0; k < 5 && !done; k++) {
				size_t l = strlen(ents[k].ent);
				if (t.len - i >= l && memcmp(t.ptr + i, ents[k].ent, l) == 0) {
					e = fa2_buf_append_byte(out, (unsigned char)ents[k].c);
					i += l - 1;
					done = 1;
				}
			}
			if (!done && t.len - i > 3 && t.ptr[i + 1] == '#') {
				/* &#NN; or &#xHH; -> UTF-8 */
				size_t j = i + 2;
				unsigned long cp = 0;
				int hex = j < t.len && (t.ptr[j] == 'x' || t.ptr[j] == 'X');
				if (hex)
					j++;
				while (j < t.len && t.ptr[j] != ';' && cp < 0x110000) {
					char c = t.ptr[j];
					int d = (c >= '0' && c <= '9') ? c - '0'
					        : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
					        : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
					if (d < 0)
						break;
					cp = cp * (hex ? 16 : 10) + (unsigned long)d;
					j++;
				}
				if (j < t.len && t.ptr[j] == ';' && cp > 0 && cp < 0x110000 &&
				    !(cp >= 0xd800 && cp <= 0xdfff)) {
					unsigned char u[4];
					size_t ul;
					if (cp < 0x80) { u[0] = (unsigned char)cp; ul = 1; }
					else if (cp < 0x800) { u[0] = (unsigned char)(0xc0 | (cp >> 6)); u[1] = (unsigned char)(0x80 | (cp & 63)); ul = 2; }
					else if (cp < 0x10000) { u[0] = (unsigned char)(0xe0 | (cp >> 12)); u[1] = (unsigned char)(0x80 | ((cp >> 6) & 63)); u[2] = (unsigned char)(0x80 | (cp & 63)); ul = 3; }
					else { u[0] = (unsigned char)(0xf0 | (cp >> 18)); u[1] = (unsigned char)(0x80 | ((cp >> 12) & 63)); u[2] = (unsigned char)(0x80 | ((cp >> 6) & 63)); u[3] = (unsigned char)(0x80 | (cp & 63)); ul = 4; }
					e = fa2_buf_append(out, u, ul);
					i = j;
					done = 1;
				}
			}
			if (!done)
				e = fa2_buf_append_byte(out, '&');
		}
	}
	return e;
}

static int name_char(char c)
{
	return !(c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '>' || c == '/' || c == '=' ||
	         c == '<' || c == '"' || c == '\'');
}

/* Parses one element at x->i (which is at '<'); sets *name and returns its value. */
static cJSON *parse_elem(struct xp *x, fa2_slice *name, int depth, fa2_err *e)
{
	cJSON *obj = NULL, *val = NULL;
	size_t text_start;
	int empty = 0, has_children = 0;
	if (depth > XML_MAX_DEPTH) {
		*e = FA2_ERR_TOO_LARGE;
		return NULL;
	}
	if (x->i >= x->n || x->s[x->i] != '<') {
		*e = FA2_ERR_PARSE;
		return NULL;
	}
	x->i++;
	name->ptr = x->s + x->i;
	while (x->i < x->n && name_char(x->s[x->i]))
		x->i++;
	name->len = (size_t)(x->s + x->i - name->ptr);
	if (name->len == 0) {
		*e = FA2_ERR_PARSE;
		return NULL;
	}
	/* Attributes are skipped (quoted values may contain '>'). */
	while (x->i < x->n && x->s[x->i] != '>') {
		char q = x->s[x->i];
		if (q == '"' || q == '\'') {
			x->i++;
			while (x->i < x->n && x->s[x->i] != q)
				x->i++;
		} else if (q == '/' && x->i + 1 < x->n && x->s[x->i + 1] == '>') {
			empty = 1;
			x->i++;
			break;
		}
		x->i++;
	}
	if (x->i >= x->n) {
		*e = FA2_ERR_PARSE;
		return NULL;
	}
	x->i++;
	if (empty)
		return cJSON_CreateString("");
	text_start = x->i;
	for (;;) {
		while (x->i < x->n && x->s[x->i] != '<')
			x->i++;
		if (x->i >= x->n) {
			*e = FA2_ERR_PARSE;
			goto fail;
		}
		if (starts(x, "<!--") || starts(x, "<?")) {
			if (skip_misc(x)) {
				*e = FA2_ERR_PARSE;
				goto fail;
			}
			continue;
		}
		if (starts(x, "</")) {
			fa2_slice cn;
			x->i += 2;
			cn.ptr = x->s + x->i;
			while (x->i < x->n && name_char(x->s[x->i]))
				x->i++;
			cn.len = (size_t)(x->s + x->i - cn.ptr);
			skip_ws(x);
			if (x->i >= x->n || x->s[x->i] != '>' || !fa2_slice_eq(cn, *name)) {
				*e = FA2_ERR_PARSE;
				goto fail;
			}
			x->i++;
			if (!has_children) {
				fa2_buf t;
				/* The text runs from text_start to the '<' of '</'. */
				fa2_buf_init(&t, FA2_MAX_JSON_BYTES);
				*e = decode_text(fa2_slice_make(x->s + text_start,
				                                (size_t)(cn.ptr - 2 - x->s) - text_start), &t);
				if (!*e)
					val = cJSON_CreateString(t.data ? t.data : "");
				fa2_buf_cleanup(&t);
				if (!val && !*e)
					*e = FA2_ERR_NOMEM;
				return val;
			}
			return obj;
		}
		/* A child element. */
		{
			fa2_slice cn;
			cJSON *child = parse_elem(x, &cn, depth + 1, e), *prev;
			char key[256];
			if (!child)
				goto fail;
			if (!obj && !(obj = cJSON_CreateObject())) {
				cJSON_Delete(child);
				*e = FA2_ERR_NOMEM;
				goto fail;
			}
			has_children = 1;
			if (cn.len >= sizeof key)
				cn.len = sizeof key - 1;
			memcpy(key, cn.ptr, cn.len);
			key[cn.len] = '\0';
			prev = cJSON_GetObjectItemCaseSensitive(obj, key);
			if (!prev && strcmp(key, "member") == 0) {
				cJSON *arr = cJSON_CreateArray();
				if (!arr) {
					cJSON_Delete(child);
					*e = FA2_ERR_NOMEM;
					goto fail;
				}
				cJSON_AddItemToArray(arr, child);
				if (!cJSON_AddItemToObject(obj, key, arr)) {
					cJSON_Delete(arr);
					*e = FA2_ERR_NOMEM;
					goto fail;
				}
			} else if (!prev) {
				if (!cJSON_AddItemToObject(obj, key, child)) {
					cJSON_Delete(child);
					*e = FA2_ERR_NOMEM;
					goto fail;
				}
			} else if (cJSON_IsArray(prev)) {
				cJSON_AddItemToArray(prev, child);
			} else {
				cJSON *arr = cJSON_CreateArray();
				cJSON *old;
				if (!arr) {
					cJSON_Delete(child);
					*e = FA2_ERR_NOMEM;
					goto fail;
				}
				old = cJSON_DetachItemFromObjectCaseSensitive(obj, key);
				cJSON_AddItemToArray(arr, old);
				cJSON_AddItemToArray(arr, child);
				if (!cJSON_AddItemToObject(obj, key, arr)) {
					cJSON_Delete(arr);
					*e = FA2_ERR_NOMEM;
					goto fail;
				}
			}
		}
	}
fail:
	cJSON_Delete(obj);
	return NULL;
}

/* Objects whose only member is "member" (a list wrapper) collapse to that array. */
static void collapse_members(cJSON *v)
{
	cJSON *it = v->child;
	while (it) {
		cJSON *next = it->next;
		collapse_members(it);
		if (cJSON_IsObject(it) && it->child && !it->child->next && it->child->string &&
		    strcmp(it->child->string, "member") == 0 && cJSON_IsArray(it->child) && it->string) {
			cJSON *arr = cJSON_DetachItemViaPointer(it, it->child);
			char *key = it->string;
			/* arr takes it's place and name; it (now empty) is freed. */
			it->string = NULL;
			if (!(arr->type & cJSON_StringIsConst))
				cJSON_free(arr->string);
			arr->string = key;
			arr->type &= ~cJSON_StringIsConst;
			cJSON_ReplaceItemViaPointer(v, it, arr);
		}
		it = next;
	}
}

fa2_err fa2_aws_xml_to_json(fa2_slice xml, fa2_buf *out)
{
	struct xp x;
	fa2_slice name;
	cJSON *root = NULL, *v;
	char key[256];
	fa2_err e = FA2_OK;
	x.s = xml.ptr;
	x.n = xml.len;
	x.i = 0;
	if (skip_misc(&x) || x.i >= x.n)
		return FA2_ERR_PARSE;
	v = parse_elem(&x, &name, 0, &e);
	if (!v)
		return e ? e : FA2_ERR_PARSE;
	if (skip_misc(&x) || x.i != x.n) {
		cJSON_Delete(v);
		return FA2_ERR_PARSE;
	}
	root = cJSON_CreateObject();
	if (!root) {
		cJSON_Delete(v);
		return FA2_ERR_NOMEM;
	}
	if (name.len >= sizeof key)
		name.len = sizeof key - 1;
	memcpy(key, name.ptr, name.len);
	key[name.len] = '\0';
	if (!cJSON_AddItemToObject(root, key, v)) {
		cJSON_Delete(v);
		cJSON_Delete(root);
		return FA2_ERR_NOMEM;
	}
	collapse_members(root);
	e = fa2_json_append(out, root);
	cJSON_Delete(root);
	return e;
}

int fa2_aws_xml_elem(fa2_slice s, const char *name, fa2_slice *out)
{
	char open[80], close[80];
	long a, b;
	int n = snprintf(open, sizeof open, "<%s>", name);
	if (n < 0 || (size_t)n >= sizeof open)
		return 0;
	snprintf(close, sizeof close, "</%s>", name);
	a = fa2_slice_find(s, fa2_slice_cstr(open));
	if (a < 0)
		return 0;
	s = fa2_slice_sub(s, (size_t)a + (size_t)n, s.len);
	b = fa2_slice_find(s, fa2_slice_cstr(close));
	if (b < 0)
		return 0;
	*out = fa2_slice_make(s.ptr, (size_t)b);
	return 1;
}
