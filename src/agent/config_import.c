/* parameter.ts -> fa2 JSON (see config_import.h). Part 1: the TypeScript literal parser.
 * Part 2: the mapping of the sample's AppParameter onto fa2's keys. */
#include "agent/config_import.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/json.h"
#include "base/limits.h"

#define MAX_STRING_BYTES (1u * 1024u * 1024u)

/* ---- lexer ------------------------------------------------------------------------- */

enum tok {
	T_EOF = 0,
	T_IDENT,      /* text */
	T_STRING,     /* text: the decoded value */
	T_TEMPLATE,   /* text: decoded, ${name} substituted */
	T_NUMBER,     /* num */
	T_SPREAD,     /* ... */
	T_PUNCT       /* c */
};

typedef struct ts {
	const char *src, *p, *end;
	unsigned line;
	const char *line_start;
	/* The current token. */
	enum tok tok;
	char c;
	double num;
	fa2_buf text;
	unsigned tline, tcol;
	const char *tstart;   /* where the current token begins in src */
	int tmpl_unresolved;  /* T_TEMPLATE with a ${...} that names no earlier constant */
	/* Top-level consts so far. */
	cJSON *consts;
	unsigned depth;
	char *msg;
	size_t cap;
	fa2_err err;
} ts;

static fa2_err fail(ts *t, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

static fa2_err fail(ts *t, const char *fmt, ...)
{
	va_list ap;
	int n;
	if (t->err)
		return t->err;
	t->err = FA2_ERR_PARSE;
	if (!t->msg || t->cap == 0)
		return t->err;
	n = snprintf(t->msg, t->cap, "%u:%u: ", t->tline, t->tcol);
	if (n >= 0 && (size_t)n < t->cap) {
		va_start(ap, fmt);
		vsnprintf(t->msg + n, t->cap - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return t->err;
}

static fa2_err oom(ts *t)
{
	if (!t->err) {
		t->err = FA2_ERR_NOMEM;
		if (t->msg && t->cap)
			snprintf(t->msg, t->cap, "out of memory");
	}
	return t->err;
}

static int is_id_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' || c >= 0x80;
}

static int is_id_char(unsigned char c)
{
	return is_id_start(c) || (c >= '0' && c <= '9');
}

/* Skips white space and comments. */
static fa2_err skip_space(ts *t)
{
	while (t->p < t->end) {
		char c = *t->p;
		if (c == '\n') {
			t->line++;
			t->line_start = ++t->p;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			t->p++;
		} else if (c == '/' && t->p + 1 < t->end && t->p[1] == '/') {
			while (t->p < t->end && *t->p != '\n')
				t->p++;
		} else if (c == '/' && t->p + 1 < t->end && t->p[1] == '*') {
			t->p += 2;
			for (;;) {
				if (t->p + 1 >= t->end) {
					t->p = t->end;
					return fail(t, "a /* comment is not closed");
				}
				if (*t->p == '\n') {
					t->line++;
					t->line_start = t->p + 1;
				}
				if (t->p[0] == '*' && t->p[1] == '/') {
					t->p += 2;
					break;
				}
				t->p++;
			}
		} else if ((unsigned char)c == 0xef && t->p + 2 < t->end &&
		           (unsigned char)t->p[1] == 0xbb && (unsigned char)t->p[2] == 0xbf) {
			t->p += 3; /* a byte order mark */
		} else {
			break;
		}
	}
	return FA2_OK;
}

static fa2_err put_utf8(ts *t, unsigned long cp)
{
	unsigned char b[4];
	size_t n;
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return fail(t, "an escape names an invalid code point");
	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | (cp >> 18));
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return fa2_buf_append(&t->text, b, n) ? oom(t) : FA2_OK;
}

/* n hex digits at t->p into *v. */
static int hex_n(ts *t, size_t n, unsigned long *v)
{
	size_t i;
	*v = 0;
	if ((size_t)(t->end - t->p) < n)
		return -1;
	for (i = 0; i < n; i++) {
		int d = fa2_hex_digit((unsigned char)t->p[i]);
		if (d < 0)
			return -1;
		*v = *v * 16 + (unsigned long)d;
	}
	t->p += n;
	return 0;
}

/* One escape after a backslash (t->p at the character after '\'). */
static fa2_err escape(ts *t)
{
	unsigned long cp, lo;
	char c;
	if (t->p >= t->end)
		return fail(t, "a string ends inside an escape");
	c = *t->p++;
	switch (c) {
	case 'n': return put_utf8(t, '\n');
	case 't': return put_utf8(t, '\t');
	case 'r': return put_utf8(t, '\r');
	case 'b': return put_utf8(t, '\b');
	case 'f': return put_utf8(t, '\f');
	case 'v': return put_utf8(t, '\v');
	case '0':
		if (t->p < t->end && *t->p >= '0' && *t->p <= '9')
			return fail(t, "octal escapes are not allowed");
		return put_utf8(t, 0);
	case '\r':
		if (t->p < t->end && *t->p == '\n')
			t->p++;
		/* fall through */
	case '\n':
		t->line++;
		t->line_start = t->p;
		return FA2_OK; /* line continuation */
	case 'x':
		if (hex_n(t, 2, &cp))
			return fail(t, "a \\x escape needs two hex digits");
		return put_utf8(t, cp);
	case 'u':
		if (t->p < t->end && *t->p == '{') {
			t->p++;
			cp = 0;
			while (t->p < t->end && *t->p != '}') {
				int d = fa2_hex_digit((unsigned char)*t->p++);
				if (d < 0 || cp > 0x10ffff)
					return fail(t, "a \\u{...} escape is not hexadecimal");
				cp = cp * 16 + (unsigned long)d;
			}
			if (t->p >= t->end)
				return fail(t, "a \\u{ escape is not closed");
			t->p++;
			return put_utf8(t, cp);
		}
		if (hex_n(t, 4, &cp))
			return fail(t, "a \\u escape needs four hex digits");
		if (cp >= 0xd800 && cp <= 0xdbff && t->end - t->p >= 6 && t->p[0] == '\\' && t->p[1] == 'u') {
			t->p += 2;
			if (hex_n(t, 4, &lo) || lo < 0xdc00 || lo > 0xdfff)
				return fail(t, "a surrogate pair is broken");
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
		return put_utf8(t, cp);
	default:
		return fa2_buf_append_byte(&t->text, (unsigned char)c) ? oom(t) : FA2_OK;
	}
}

static fa2_err lex_string(ts *t, char q)
{
	t->p++;
	for (;;) {
		char c;
		if (t->p >= t->end)
			return fail(t, "a string is not closed");
		c = *t->p;
		if (c == q) {
			t->p++;
			return FA2_OK;
		}
		if (c == '\n')
			return fail(t, "a string runs past the end of its line");
		if (t->text.len > MAX_STRING_BYTES)
			return fail(t, "a string is longer than %u bytes", MAX_STRING_BYTES);
		if (c == '\\') {
			t->p++;
			if (escape(t))
				return t->err;
		} else {
			if (fa2_buf_append_byte(&t->text, (unsigned char)c))
				return oom(t);
			t->p++;
		}
	}
}

/* `...`: ${NAME} takes the value of an earlier string or number const; any other
 * substitution marks the template unresolved (the file computes it when the CDK app
 * runs). */
static fa2_err lex_template(ts *t)
{
	t->tmpl_unresolved = 0;
	t->p++;
	for (;;) {
		char c;
		if (t->p >= t->end)
			return fail(t, "a template string is not closed");
		c = *t->p;
		if (t->text.len > MAX_STRING_BYTES)
			return fail(t, "a string is longer than %u bytes", MAX_STRING_BYTES);
		if (c == '`') {
			t->p++;
			return FA2_OK;
		}
		if (c == '\\') {
			t->p++;
			if (escape(t))
				return t->err;
		} else if (c == '$' && t->p + 1 < t->end && t->p[1] == '{') {
			const char *s = t->p + 2, *e = s, *close;
			const cJSON *v;
			char name[128];
			while (e < t->end && *e != '}' && *e != '`' && *e != '\n')
				e++;
			if (e >= t->end || *e != '}')
				return fail(t, "a ${...} substitution is not closed on its line");
			close = e;
			while (s < e && (*s == ' ' || *s == '\t'))
				s++;
			while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			if ((size_t)(e - s) >= sizeof name || e == s)
				return fail(t, "a ${...} substitution is not a name");
			memcpy(name, s, (size_t)(e - s));
			name[e - s] = '\0';
			v = cJSON_GetObjectItemCaseSensitive(t->consts, name);
			if (!cJSON_IsString(v) && !cJSON_IsNumber(v))
				t->tmpl_unresolved = 1; /* computed when the CDK app runs */
			else if (cJSON_IsString(v) ? fa2_buf_append_cstr(&t->text, v->valuestring)
			                           : fa2_buf_appendf(&t->text, "%.17g", v->valuedouble))
				return oom(t);
			t->p = close + 1;
		} else {
			if (c == '\n') {
				t->line++;
				t->line_start = t->p + 1;
			}
			if (fa2_buf_append_byte(&t->text, (unsigned char)c))
				return oom(t);
			t->p++;
		}
	}
}

static fa2_err lex_number(ts *t)
{
	char digits[128];
	size_t n = 0;
	int base = 10;
	const char *s = t->p;
	if (s + 1 < t->end && s[0] == '0' && (s[1] == 'x' || s[1] == 'X' || s[1] == 'o' || s[1] == 'O' ||
	                                     s[1] == 'b' || s[1] == 'B')) {
		base = (s[1] == 'x' || s[1] == 'X') ? 16 : (s[1] == 'o' || s[1] == 'O') ? 8 : 2;
		t->p += 2;
	}
	while (t->p < t->end) {
		char c = *t->p;
		int ok = base == 16 ? fa2_hex_digit((unsigned char)c) >= 0
		       : base == 10 ? ((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' ||
		                       ((c == '+' || c == '-') && n > 0 &&
		                        (digits[n - 1] == 'e' || digits[n - 1] == 'E')))
		                    : (c >= '0' && c < '0' + base);
		if (c == '_') {
			t->p++;
			continue;
		}
		if (!ok)
			break;
		if (n + 1 >= sizeof digits)
			return fail(t, "a number is too long");
		digits[n++] = c;
		t->p++;
	}
	digits[n] = '\0';
	if (n == 0 || (t->p < t->end && (is_id_char((unsigned char)*t->p) || *t->p == 'n')))
		return fail(t, "a malformed number");
	if (base == 10) {
		char *endp;
		errno = 0;
		t->num = strtod(digits, &endp);
		if (*endp != '\0' || !isfinite(t->num))
			return fail(t, "a malformed number \"%s\"", digits);
	} else {
		double v = 0;
		size_t i;
		for (i = 0; i < n; i++) {
			v = v * base + fa2_hex_digit((unsigned char)digits[i]);
			if (v > 9007199254740992.0)
				return fail(t, "a number is larger than 2^53");
		}
		t->num = v;
	}
	return FA2_OK;
}

/* Reads the next token into t->tok (and text/num/c). */
static fa2_err next(ts *t)
{
	unsigned char c;
	fa2_buf_reset(&t->text);
	if (t->err || skip_space(t))
		return t->err;
	t->tline = t->line;
	t->tcol = (unsigned)(t->p - t->line_start) + 1;
	t->tstart = t->p;
	if (t->p >= t->end) {
		t->tok = T_EOF;
		return FA2_OK;
	}
	c = (unsigned char)*t->p;
	if (is_id_start(c)) {
		const char *s = t->p;
		while (t->p < t->end && is_id_char((unsigned char)*t->p))
			t->p++;
		t->tok = T_IDENT;
		return fa2_buf_append(&t->text, s, (size_t)(t->p - s)) ? oom(t) : FA2_OK;
	}
	if (c == '"' || c == '\'') {
		t->tok = T_STRING;
		return lex_string(t, (char)c);
	}
	if (c == '`') {
		t->tok = T_TEMPLATE;
		return lex_template(t);
	}
	if ((c >= '0' && c <= '9') || (c == '.' && t->p + 1 < t->end && t->p[1] >= '0' && t->p[1] <= '9')) {
		t->tok = T_NUMBER;
		return lex_number(t);
	}
	if (c == '.' && t->end - t->p >= 3 && t->p[1] == '.' && t->p[2] == '.') {
		t->p += 3;
		t->tok = T_SPREAD;
		return FA2_OK;
	}
	if (c == 0 || c < 0x20)
		return fail(t, "a control character (0x%02x) outside a string", c);
	t->tok = T_PUNCT;
	t->c = (char)c;
	t->p++;
	return FA2_OK;
}

static int is_punct(const ts *t, char c)
{
	return t->tok == T_PUNCT && t->c == c;
}

static int is_ident(const ts *t, const char *s)
{
	return t->tok == T_IDENT && strcmp(t->text.data, s) == 0;
}

/* ---- parser ------------------------------------------------------------------------ */

static cJSON *value(ts *t);

/* Skips a type: up to (not past) one of stops at bracket depth 0. */
static fa2_err skip_type(ts *t, const char *stops)
{
	unsigned depth = 0;
	for (;;) {
		if (t->err)
			return t->err;
		if (t->tok == T_EOF)
			return depth ? fail(t, "a type is not closed") : FA2_OK;
		if (t->tok == T_PUNCT) {
			if (depth == 0 && strchr(stops, t->c))
				return FA2_OK;
			if (strchr("{[(<", t->c))
				depth++;
			else if (strchr("}])>", t->c)) {
				if (depth == 0)
					return FA2_OK;
				depth--;
			}
		}
		if (depth > FA2_IMPORT_MAX_DEPTH)
			return fail(t, "a type is nested too deeply");
		next(t);
	}
}

/* An expression fa2 does not evaluate (a.b.c, f(x), x + y): its source text up to the
 * next ',' ';' or closing bracket at depth 0 becomes a raw item. */
static cJSON *unresolved(ts *t, const char *from)
{
	unsigned depth = 0;
	const char *to;
	char *txt;
	cJSON *raw;
	size_t n;
	for (;;) {
		if (t->err)
			return NULL;
		if (t->tok == T_EOF)
			break;
		if (t->tok == T_PUNCT) {
			if (depth == 0 && (t->c == ',' || t->c == ';' || t->c == '}' || t->c == ']' || t->c == ')'))
				break;
			if (strchr("{[(", t->c))
				depth++;
			else if (strchr("}])", t->c) && depth > 0)
				depth--;
		}
		if (depth > FA2_IMPORT_MAX_DEPTH) {
			fail(t, "an expression is nested too deeply");
			return NULL;
		}
		next(t);
	}
	/* The expression's text ends where the token after it begins. */
	to = t->tok == T_EOF ? t->end : t->tstart;
	if (to < from)
		to = from;
	while (to > from && (to[-1] == ' ' || to[-1] == '\n' || to[-1] == '\t' || to[-1] == '\r'))
		to--;
	n = (size_t)(to - from) > 200 ? 200 : (size_t)(to - from);
	txt = fa2_strndup(from, n);
	raw = txt ? cJSON_CreateRaw(txt) : NULL;
	fa2_free(txt);
	if (!raw)
		oom(t);
	return raw;
}

/* After a list element: ',' moves on; anything but the closing bracket is an error. */
static void list_sep(ts *t, char close)
{
	if (t->err)
		return;
	if (is_punct(t, ','))
		next(t);
	else if (!is_punct(t, close))
		fail(t, "expected ',' or '%c'", close);
}

/* The end of an object or array: c past its closing bracket, or NULL after an error. */
static cJSON *list_end(ts *t, cJSON *c)
{
	if (t->err) {
		cJSON_Delete(c);
		return NULL;
	}
	next(t);
	return c;
}

static cJSON *object(ts *t)
{
	cJSON *o = cJSON_CreateObject();
	if (!o) {
		oom(t);
		return NULL;
	}
	next(t); /* past '{' */
	while (!t->err && !is_punct(t, '}')) {
		char key[256];
		cJSON *v = NULL;
		if (t->tok == T_SPREAD) {
			const cJSON *src, *it;
			next(t);
			if (t->tok != T_IDENT) {
				fail(t, "only ...NAME of an earlier constant can be spread");
				break;
			}
			src = cJSON_GetObjectItemCaseSensitive(t->consts, t->text.data);
			if (!cJSON_IsObject(src)) {
				fail(t, "...%s does not name an earlier object constant of this file", t->text.data);
				break;
			}
			cJSON_ArrayForEach(it, src) {
				cJSON *d = cJSON_Duplicate(it, 1);
				if (d)
					cJSON_DeleteItemFromObjectCaseSensitive(o, it->string);
				if (!d || !cJSON_AddItemToObject(o, it->string, d)) {
					cJSON_Delete(d);
					oom(t);
					break;
				}
			}
			next(t);
		} else {
			if (t->tok == T_IDENT || t->tok == T_STRING) {
				if (t->text.len >= sizeof key) {
					fail(t, "a key is longer than %zu bytes", sizeof key - 1);
					break;
				}
				memcpy(key, t->text.data ? t->text.data : "", t->text.len + 1);
			} else if (t->tok == T_NUMBER) {
				snprintf(key, sizeof key, "%.17g", t->num);
			} else if (is_punct(t, '[')) {
				fail(t, "computed keys [...] are not supported");
				break;
			} else {
				fail(t, "expected a key or '}'");
				break;
			}
			next(t);
			if (is_punct(t, ':')) {
				next(t);
				v = value(t);
			} else if (is_punct(t, ',') || is_punct(t, '}')) {
				const cJSON *src = cJSON_GetObjectItemCaseSensitive(t->consts, key);
				if (!src) {
					fail(t, "shorthand member '%s' does not name an earlier constant", key);
					break;
				}
				v = cJSON_Duplicate(src, 1);
				if (!v)
					oom(t);
			} else if (is_punct(t, '(')) {
				fail(t, "methods are not supported in a parameter object ('%s')", key);
				break;
			} else {
				fail(t, "expected ':' after '%s'", key);
				break;
			}
			if (!v)
				break;
			cJSON_DeleteItemFromObjectCaseSensitive(o, key);
			if (!cJSON_AddItemToObject(o, key, v)) {
				cJSON_Delete(v);
				oom(t);
				break;
			}
		}
		list_sep(t, '}');
	}
	return list_end(t, o);
}

static cJSON *array(ts *t)
{
	cJSON *a = cJSON_CreateArray();
	if (!a) {
		oom(t);
		return NULL;
	}
	next(t);
	while (!t->err && !is_punct(t, ']')) {
		cJSON *v;
		if (is_punct(t, ',')) {
			fail(t, "an empty array element");
			break;
		}
		if (t->tok == T_SPREAD) {
			const cJSON *src, *it;
			next(t);
			src = t->tok == T_IDENT ? cJSON_GetObjectItemCaseSensitive(t->consts, t->text.data) : NULL;
			if (!cJSON_IsArray(src)) {
				fail(t, "only ...NAME of an earlier array constant can be spread");
				break;
			}
			cJSON_ArrayForEach(it, src) {
				cJSON *d = cJSON_Duplicate(it, 1);
				if (!d || !cJSON_AddItemToArray(a, d)) {
					cJSON_Delete(d);
					oom(t);
					break;
				}
			}
			next(t);
		} else {
			v = value(t);
			if (!v)
				break;
			if (!cJSON_AddItemToArray(a, v)) {
				cJSON_Delete(v);
				oom(t);
				break;
			}
		}
		list_sep(t, ']');
	}
	return list_end(t, a);
}

static cJSON *primary(ts *t)
{
	cJSON *v = NULL;
	const char *start = t->tstart;
	switch (t->tok) {
	case T_PUNCT:
		if (t->c == '{')
			return object(t);
		if (t->c == '[')
			return array(t);
		if (t->c == '(') {
			next(t);
			v = value(t);
			if (v && !is_punct(t, ')')) {
				cJSON_Delete(v);
				fail(t, "expected ')'");
				return NULL;
			}
			next(t);
			return v;
		}
		if (t->c == '-' || t->c == '+') {
			int neg = t->c == '-';
			next(t);
			if (t->tok != T_NUMBER)
				return unresolved(t, start);
			v = cJSON_CreateNumber(neg ? -t->num : t->num);
			break;
		}
		fail(t, "expected a value, got '%c'", t->c);
		return NULL;
	case T_TEMPLATE:
		if (t->tmpl_unresolved) {
			char *txt = fa2_strndup(t->tstart, (size_t)(t->p - t->tstart) > 200 ? 200
			                                   : (size_t)(t->p - t->tstart));
			v = txt ? cJSON_CreateRaw(txt) : NULL;
			fa2_free(txt);
			break;
		}
		/* fall through */
	case T_STRING:
		v = cJSON_CreateString(t->text.data ? t->text.data : "");
		break;
	case T_NUMBER:
		v = cJSON_CreateNumber(t->num);
		break;
	case T_IDENT: {
		const cJSON *c;
		if (is_ident(t, "true") || is_ident(t, "false")) {
			v = cJSON_CreateBool(is_ident(t, "true"));
			break;
		}
		if (is_ident(t, "null") || is_ident(t, "undefined")) {
			v = cJSON_CreateNull();
			break;
		}
		/* A plain reference to an earlier const (not a.b, f(), a[0], a + b). */
		c = cJSON_GetObjectItemCaseSensitive(t->consts, t->text.data);
		if (skip_space(t))
			return NULL;
		if (c && (t->p >= t->end || !strchr(".([+-*/?`", *t->p))) { /* no NUL: next() refuses it */
			v = cJSON_Duplicate(c, 1);
			break;
		}
		return unresolved(t, start);
	}
	case T_SPREAD:
		fail(t, "'...' outside an object or array");
		return NULL;
	case T_EOF:
		fail(t, "the file ends where a value was expected");
		return NULL;
	}
	if (!v) {
		oom(t);
		return NULL;
	}
	next(t);
	return v;
}

/* A value with its type suffixes (as T, as const, satisfies T, !). */
static cJSON *value(ts *t)
{
	cJSON *v;
	if (++t->depth > FA2_IMPORT_MAX_DEPTH) {
		fail(t, "values are nested more than %u deep", FA2_IMPORT_MAX_DEPTH);
		return NULL;
	}
	v = primary(t);
	while (v && !t->err) {
		if (is_ident(t, "as") || is_ident(t, "satisfies")) {
			next(t);
			skip_type(t, ",;})]=");
		} else if (is_punct(t, '!')) {
			next(t);
		} else {
			break;
		}
	}
	t->depth--;
	if (t->err) {
		cJSON_Delete(v);
		return NULL;
	}
	return v;
}

/* Skips to the end of a statement: ';' or a declaration keyword at depth 0. */
static void skip_statement(ts *t)
{
	static const char *const starts[] = { "export", "const", "let", "var", "import", "function",
	                                      "class", "interface", "type", "enum", "declare", NULL };
	unsigned depth = 0;
	size_t i;
	while (!t->err && t->tok != T_EOF) {
		if (t->tok == T_PUNCT) {
			if (depth == 0 && t->c == ';')
				return;
			if (strchr("{[(", t->c))
				depth++;
			else if (strchr("}])", t->c) && depth > 0)
				depth--;
		} else if (depth == 0 && t->tok == T_IDENT) {
			for (i = 0; starts[i]; i++)
				if (is_ident(t, starts[i]))
					return;
		}
		next(t);
	}
	if (!t->err && depth)
		fail(t, "the file ends inside a declaration");
}

static fa2_err add_const(ts *t, const char *name, cJSON *v)
{
	if ((size_t)cJSON_GetArraySize(t->consts) >= FA2_IMPORT_MAX_CONSTS) {
		cJSON_Delete(v);
		t->err = FA2_ERR_TOO_LARGE;
		if (t->msg && t->cap)
			snprintf(t->msg, t->cap, "more than %u constants", FA2_IMPORT_MAX_CONSTS);
		return t->err;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(t->consts, name);
	if (!cJSON_AddItemToObject(t->consts, name, v)) {
		cJSON_Delete(v);
		return oom(t);
	}
	return FA2_OK;
}

/* const NAME [: TYPE] = VALUE [, NAME2 = VALUE2]*. An initialiser that is not a literal
 * (an arrow function, a class instance) is kept as an unresolved value holding the parse
 * error, so helpers next to the parameter objects do not stop the import. */
static fa2_err declaration(ts *t)
{
	for (;;) {
		char name[128];
		const char *save_p, *save_ls;
		unsigned save_line;
		cJSON *v;
		next(t);
		if (t->tok != T_IDENT) {
			if (is_punct(t, '{') || is_punct(t, '['))
				return fail(t, "destructuring declarations are not supported");
			return fail(t, "expected a name after const");
		}
		if (t->text.len >= sizeof name)
			return fail(t, "a name is longer than %zu bytes", sizeof name - 1);
		memcpy(name, t->text.data, t->text.len + 1);
		next(t);
		if (is_punct(t, ':')) {
			next(t);
			if (skip_type(t, "=;,"))
				return t->err;
		}
		if (!is_punct(t, '='))
			return is_punct(t, ';') || is_punct(t, ',') || t->tok == T_EOF
			       ? FA2_OK : fail(t, "expected '=' after %s", name);
		save_p = t->p;
		save_line = t->line;
		save_ls = t->line_start;
		next(t);
		v = value(t);
		if (!v && t->err == FA2_ERR_PARSE) {
			char why[300];
			snprintf(why, sizeof why, "(not read: line %s)", t->msg && t->cap ? t->msg : "?");
			t->err = FA2_OK;
			t->depth = 0;
			t->p = save_p;
			t->line = save_line;
			t->line_start = save_ls;
			next(t);
			skip_statement(t);
			if (t->err)
				return t->err;
			v = cJSON_CreateRaw(why);
			if (!v)
				return oom(t);
			if (t->msg && t->cap)
				t->msg[0] = '\0';
		}
		if (!v)
			return t->err ? t->err : oom(t);
		if (add_const(t, name, v))
			return t->err;
		if (!is_punct(t, ','))
			return FA2_OK;
	}
}

fa2_err fa2_ts_parse_consts(fa2_slice src, cJSON **out, char *msg, size_t cap)
{
	ts t;
	unsigned depth = 0;
	*out = NULL;
	if (cap)
		msg[0] = '\0';
	if (src.len > FA2_MAX_CONFIG_BYTES) {
		snprintf(msg, cap, "larger than %u bytes", FA2_MAX_CONFIG_BYTES);
		return FA2_ERR_TOO_LARGE;
	}
	memset(&t, 0, sizeof t);
	t.src = t.p = src.len ? src.ptr : "";
	t.end = t.p + src.len;
	t.line = 1;
	t.line_start = t.p;
	t.msg = msg;
	t.cap = cap;
	fa2_buf_init(&t.text, MAX_STRING_BYTES + 16);
	t.consts = cJSON_CreateObject();
	if (!t.consts) {
		fa2_buf_cleanup(&t.text);
		return FA2_ERR_NOMEM;
	}
	next(&t);
	while (!t.err && t.tok != T_EOF) {
		if (depth == 0 && (is_ident(&t, "const") || is_ident(&t, "let") || is_ident(&t, "var"))) {
			if (declaration(&t))
				break;
			continue;
		}
		if (depth == 0 && is_ident(&t, "default")) {
			/* export default { ... } */
			cJSON *v;
			next(&t);
			if (!is_punct(&t, '{'))
				continue;
			v = value(&t);
			if (!v || add_const(&t, "default", v))
				break;
			continue;
		}
		if (t.tok == T_PUNCT) {
			if (strchr("{[(", t.c)) {
				if (++depth > 4 * FA2_IMPORT_MAX_DEPTH)
					fail(&t, "blocks are nested too deeply");
			} else if (strchr("}])", t.c)) {
				if (depth == 0) {
					fail(&t, "'%c' closes nothing", t.c);
					break;
				}
				depth--;
			}
		}
		next(&t);
	}
	if (!t.err && depth)
		fail(&t, "the file ends inside a block");
	fa2_buf_cleanup(&t.text);
	if (t.err) {
		cJSON_Delete(t.consts);
		return t.err;
	}
	*out = t.consts;
	return FA2_OK;
}

/* ---- mapping ----------------------------------------------------------------------- */

void fa2_config_import_note(fa2_config_import *imp, fa2_import_kind kind, const char *key,
                            const char *en, const char *ja)
{
	fa2_import_note *n;
	if (imp->n_notes >= FA2_IMPORT_MAX_NOTES)
		return;
	n = &imp->notes[imp->n_notes++];
	n->kind = kind;
	snprintf(n->key, sizeof n->key, "%s", key ? key : "");
	snprintf(n->text[FA2_LANG_EN], sizeof n->text[0], "%s", en);
	snprintf(n->text[FA2_LANG_JA], sizeof n->text[1], "%s", ja);
}

#define NOTE(imp, kind, key, ...) note_f((imp), (kind), (key), __VA_ARGS__)

/* A note whose texts are printf formats sharing the same arguments: en_fmt and ja_fmt
 * take one string argument each (arg), or none when arg is NULL. */
static void note_f(fa2_config_import *imp, fa2_import_kind kind, const char *key,
                   const char *en_fmt, const char *ja_fmt, const char *arg)
{
	char en[480], ja[480];
	if (arg) {
		snprintf(en, sizeof en, en_fmt, arg);
		snprintf(ja, sizeof ja, ja_fmt, arg);
	} else {
		snprintf(en, sizeof en, "%s", en_fmt);
		snprintf(ja, sizeof ja, "%s", ja_fmt);
	}
	fa2_config_import_note(imp, kind, key, en, ja);
}

void fa2_config_import_cleanup(fa2_config_import *imp)
{
	if (!imp)
		return;
	cJSON_Delete(imp->config);
	memset(imp, 0, sizeof *imp);
}

void fa2_config_import_kb_name(const char *env_name, char *out, size_t cap)
{
	/* envName.slice(0, 3): three characters (UTF-16 units; code points here, the same
	 * for every name outside the astral planes). */
	size_t i = 0, chars = 0;
	if (!cap)
		return;
	out[0] = '\0';
	if (!env_name || !*env_name)
		return;
	while (env_name[i] && chars < 3) {
		i++;
		while (((unsigned char)env_name[i] & 0xc0) == 0x80)
			i++;
		chars++;
	}
	snprintf(out, cap, "%.*s-fa2-knowledge-base", (int)i, env_name);
}

static int has_raw(const cJSON *j)
{
	const cJSON *c;
	if (cJSON_IsRaw(j))
		return 1;
	cJSON_ArrayForEach(c, j)
		if (has_raw(c))
			return 1;
	return 0;
}

/* The first raw (unresolved) text inside j. */
static const char *raw_text(const cJSON *j)
{
	const cJSON *c;
	if (cJSON_IsRaw(j))
		return j->valuestring;
	cJSON_ArrayForEach(c, j) {
		const char *r = raw_text(c);
		if (r)
			return r;
	}
	return NULL;
}

/* The sample's keys fa2 reads under the same name, in the order they are written. */
static const char *const same_keys[] = {
	"language", "envName", "modelId", "architectureDescription", "cwLogsLogGroups",
	"cwLogsInsightQuery", "databaseName", "albAccessLogTableName", "cloudTrailLogTableName",
	"xrayTrace", "knowledgeBase", "knowledgeBaseId", "embeddingModelId", "rerankModelId",
	"maxAgentCycles", "slashCommands", "slackAppTokenKey", "slackSigningSecretKey", "detectorId",
	/* fa2's own keys, when a file already carries them */
	"athenaWorkGroup", "athenaOutputLocation", "athenaCatalog", "llm", "agent", "stateDir",
	"sessionRetentionDays", "timeZone", "promptsDir", "slackResumeMaxAgeMinutes", "slack", NULL
};

static int in_list(const char *k, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(k, *list) == 0)
			return 1;
	return 0;
}

/* Copies p[key] to cfg under to (deep). A value the file computes is dropped with a
 * note. Returns -1 on no memory, 0 otherwise. */
static int carry(fa2_config_import *imp, const cJSON *p, const char *key, const char *to)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, key);
	cJSON *d;
	if (!v)
		return 0;
	if (has_raw(v)) {
		char en[480], ja[480];
		snprintf(en, sizeof en, "computed by the TypeScript (%.200s), which fa2 does not run: set "
		         "'%s' by hand", raw_text(v), to);
		snprintf(ja, sizeof ja, "TypeScript の式 (%.200s) で決まる値で、fa2 は実行しません: '%s' を"
		         "手で設定してください", raw_text(v), to);
		fa2_config_import_note(imp, FA2_IMPORT_DROPPED, key, en, ja);
		return 0;
	}
	if (cJSON_IsNull(v))
		return 0;
	d = cJSON_Duplicate(v, 1);
	if (!d || !cJSON_AddItemToObject(imp->config, to, d)) {
		cJSON_Delete(d);
		return -1;
	}
	if (strcmp(key, to) == 0)
		fa2_config_import_note(imp, FA2_IMPORT_MAPPED, key, "", "");
	return 0;
}

static fa2_err map_env(fa2_config_import *imp, const cJSON *env)
{
	const cJSON *it;
	cJSON *out;
	if (!env)
		return FA2_OK;
	if (!cJSON_IsObject(env)) {
		NOTE(imp, FA2_IMPORT_DROPPED, "env", "not an object {account, region}",
		     "{account, region} の形ではありません", NULL);
		return FA2_OK;
	}
	out = cJSON_CreateObject();
	if (!out || !cJSON_AddItemToObject(imp->config, "env", out)) {
		cJSON_Delete(out);
		return FA2_ERR_NOMEM;
	}
	cJSON_ArrayForEach(it, env) {
		char key[80];
		snprintf(key, sizeof key, "env.%.70s", it->string);
		if (strcmp(it->string, "region") != 0 && strcmp(it->string, "account") != 0) {
			NOTE(imp, FA2_IMPORT_DROPPED, key, "a CDK deployment setting fa2 does not use",
			     "fa2 が使わない CDK のデプロイ設定です", NULL);
			continue;
		}
		if (has_raw(it)) {
			note_f(imp, FA2_IMPORT_DROPPED, key,
			       "computed when the CDK app runs (%s): fa2 takes the region from AWS_REGION or "
			       "the profile, or set env.region",
			       "CDK アプリ実行時に決まる値 (%s) です: リージョンは AWS_REGION かプロファイルから"
			       "取るか、env.region を設定してください", raw_text(it));
			continue;
		}
		if (!cJSON_IsString(it)) {
			NOTE(imp, FA2_IMPORT_DROPPED, key, "not a string", "文字列ではありません", NULL);
			continue;
		}
		if (!cJSON_AddStringToObject(out, it->string, it->valuestring))
			return FA2_ERR_NOMEM;
		if (strcmp(it->string, "region") == 0)
			snprintf(imp->region, sizeof imp->region, "%s", it->valuestring);
		fa2_config_import_note(imp, FA2_IMPORT_MAPPED, key, "", "");
	}
	if (cJSON_GetArraySize(out) == 0)
		cJSON_DeleteItemFromObjectCaseSensitive(imp->config, "env");
	return FA2_OK;
}

/* Maps the parameter object p onto imp->config and notes. */
static fa2_err map_params(fa2_config_import *imp, const cJSON *p)
{
	const cJSON *it, *kb;
	const char *s;

	imp->config = cJSON_CreateObject();
	if (!imp->config)
		return FA2_ERR_NOMEM;
	if (map_env(imp, cJSON_GetObjectItemCaseSensitive(p, "env")))
		return FA2_ERR_NOMEM;
	s = fa2_json_str(p, "envName");
	if (s)
		snprintf(imp->env_name, sizeof imp->env_name, "%s", s);

	/* The model: modelId, or the older template's qualityModelId. */
	if (!cJSON_GetObjectItemCaseSensitive(p, "modelId") &&
	    cJSON_GetObjectItemCaseSensitive(p, "qualityModelId")) {
		if (carry(imp, p, "qualityModelId", "modelId"))
			return FA2_ERR_NOMEM;
		if (cJSON_GetObjectItemCaseSensitive(imp->config, "modelId"))
			NOTE(imp, FA2_IMPORT_CHANGED, "qualityModelId", "became modelId (fa2 uses one model)",
			     "modelId になりました (fa2 のモデルは 1 つです)", NULL);
	}
	for (it = p ? p->child : NULL; it; it = it->next) {
		const char *k = it->string;
		if (strcmp(k, "env") == 0 || (strcmp(k, "qualityModelId") == 0 &&
		                              !cJSON_GetObjectItemCaseSensitive(p, "modelId")))
			continue;
		if (in_list(k, same_keys)) {
			if (carry(imp, p, k, k))
				return FA2_ERR_NOMEM;
		} else if (strcmp(k, "qualityModelId") == 0 || strcmp(k, "fastModelId") == 0) {
			NOTE(imp, FA2_IMPORT_DROPPED, k, "fa2 uses one model, modelId",
			     "fa2 が使うモデルは modelId の 1 つです", NULL);
		} else if (strcmp(k, "topicArn") == 0) {
			NOTE(imp, FA2_IMPORT_DROPPED, k,
			     "the Custom Action branch's SNS topic: fa2 serve's SNS endpoint is not wired yet; "
			     "'fa2 sns verify --topic ARN' checks deliveries from it today (docs/sns.md)",
			     "Custom Action 版の SNS トピックです: fa2 serve の SNS エンドポイントはまだ接続"
			     "されていません。現在は 'fa2 sns verify --topic ARN' で配信を検証できます "
			     "(docs/sns.md)", NULL);
		} else {
			NOTE(imp, FA2_IMPORT_DROPPED, k, "not a parameter fa2 knows",
			     "fa2 の知らないパラメータです", NULL);
		}
	}

	/* What fa2 needs that the file does not say. */
	if (!imp->region[0])
		NOTE(imp, FA2_IMPORT_NEEDS, "env.region",
		     "the AWS region: set AWS_REGION (or the profile's region, or env.region)",
		     "AWS リージョン: AWS_REGION (またはプロファイルの region か env.region) を設定"
		     "してください", NULL);
	if ((s = fa2_json_str(p, "slackAppTokenKey")) != NULL && *s)
		note_f(imp, FA2_IMPORT_NEEDS, "slackAppTokenKey",
		       "the Secrets Manager secret '%s' with the Slack bot token (xoxb-...) in fa2's region "
		       "(the sample created it), readable by fa2's role; or SLACK_BOT_TOKEN in the "
		       "environment",
		       "Slack ボットトークン (xoxb-...) を持つ Secrets Manager のシークレット '%s' "
		       "(サンプルが作成したもの) を fa2 のリージョンで fa2 のロールから読めること。または"
		       "環境変数 SLACK_BOT_TOKEN", s);
	else
		NOTE(imp, FA2_IMPORT_NEEDS, "SLACK_BOT_TOKEN",
		     "Slack tokens: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket "
		     "Mode) in the environment, or slackAppTokenKey / slackSigningSecretKey",
		     "Slack のトークン: 環境変数 SLACK_BOT_TOKEN と SLACK_SIGNING_SECRET (Socket Mode "
		     "なら SLACK_APP_TOKEN)、または slackAppTokenKey / slackSigningSecretKey", NULL);
	if ((s = fa2_json_str(p, "slackSigningSecretKey")) != NULL && *s)
		note_f(imp, FA2_IMPORT_NEEDS, "slackSigningSecretKey",
		       "the Secrets Manager secret '%s' with the Slack signing secret; or "
		       "SLACK_SIGNING_SECRET (Socket Mode needs SLACK_APP_TOKEN instead)",
		       "Slack の署名シークレットを持つ Secrets Manager のシークレット '%s'。または "
		       "SLACK_SIGNING_SECRET (Socket Mode では代わりに SLACK_APP_TOKEN)", s);
	if (fa2_json_str(p, "albAccessLogTableName") || fa2_json_str(p, "cloudTrailLogTableName"))
		NOTE(imp, FA2_IMPORT_NEEDS, "athenaOutputLocation",
		     "an Athena query result location: the sample's stack set one up; set "
		     "athenaOutputLocation (s3://...) unless the workgroup (athenaWorkGroup, default "
		     "primary) defines its own",
		     "Athena のクエリ結果の保存先: サンプルのスタックが用意していました。ワークグループ "
		     "(athenaWorkGroup、既定は primary) に設定がなければ athenaOutputLocation (s3://...) "
		     "を設定してください", NULL);
	kb = cJSON_GetObjectItemCaseSensitive(p, "knowledgeBase");
	if (cJSON_IsTrue(kb) && !fa2_json_str(p, "knowledgeBaseId")) {
		char name[160];
		imp->kb_needs_id = 1;
		fa2_config_import_kb_name(imp->env_name, name, sizeof name);
		note_f(imp, FA2_IMPORT_NEEDS, "knowledgeBaseId",
		       "the id of the knowledge base the sample deployed (named \"%s\"): add "
		       "\"knowledgeBaseId\": \"...\" (Bedrock console > Knowledge bases, or 'fa2 kb list')",
		       "サンプルがデプロイしたナレッジベース (名前 \"%s\") の ID: \"knowledgeBaseId\": "
		       "\"...\" を追加してください (Bedrock コンソールのナレッジベース、または "
		       "'fa2 kb list')", name[0] ? name : "?-fa2-knowledge-base");
	}
	return FA2_OK;
}

fa2_err fa2_config_import_set_kb(fa2_config_import *imp, const char *id, const char *name)
{
	size_t i;
	cJSON_DeleteItemFromObjectCaseSensitive(imp->config, "knowledgeBaseId");
	if (!cJSON_AddStringToObject(imp->config, "knowledgeBaseId", id))
		return FA2_ERR_NOMEM;
	imp->kb_needs_id = 0;
	for (i = 0; i < imp->n_notes; i++) {
		fa2_import_note *n = &imp->notes[i];
		if (n->kind == FA2_IMPORT_NEEDS && strcmp(n->key, "knowledgeBaseId") == 0) {
			n->kind = FA2_IMPORT_CHANGED;
			snprintf(n->text[FA2_LANG_EN], sizeof n->text[0],
			         "found the sample's knowledge base \"%.200s\": %.100s", name, id);
			snprintf(n->text[FA2_LANG_JA], sizeof n->text[1],
			         "サンプルのナレッジベース \"%.200s\" を見つけました: %.100s", name, id);
		}
	}
	return FA2_OK;
}

fa2_err fa2_config_import_ts(fa2_slice src, const char *name, fa2_config_import *out, char *msg,
                             size_t cap)
{
	cJSON *consts = NULL;
	const cJSON *it, *pick = NULL;
	fa2_err e;
	size_t i;

	memset(out, 0, sizeof *out);
	if (cap)
		msg[0] = '\0';
	e = fa2_ts_parse_consts(src, &consts, msg, cap);
	if (e)
		return e;
	/* Parameter objects: top-level object constants (and aliases of them). */
	cJSON_ArrayForEach(it, consts) {
		if (cJSON_IsObject(it) && out->n_names < FA2_IMPORT_MAX_OBJECTS)
			snprintf(out->names[out->n_names++], sizeof out->names[0], "%s", it->string);
	}
	if (name) {
		pick = cJSON_GetObjectItemCaseSensitive(consts, name);
		if (!pick) {
			e = FA2_ERR_NOT_FOUND;
			snprintf(msg, cap, "no constant named %s", name);
			goto list;
		}
	} else if (out->n_names == 1) {
		pick = cJSON_GetObjectItemCaseSensitive(consts, out->names[0]);
	} else if (out->n_names > 1 && cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(consts, "devParameter"))) {
		pick = cJSON_GetObjectItemCaseSensitive(consts, "devParameter");
	} else {
		e = FA2_ERR_NOT_FOUND;
		snprintf(msg, cap, out->n_names ? "several parameter objects and none is devParameter: pick one"
		                                 : "no parameter object (export const NAME = { ... }) in the file");
		goto list;
	}
	if (cJSON_IsRaw(pick)) {
		e = FA2_ERR_PARSE;
		snprintf(msg, cap, "%s is not a literal fa2 can read %s", pick->string, pick->valuestring);
		goto cleanup;
	}
	if (!cJSON_IsObject(pick)) {
		e = FA2_ERR_NOT_FOUND;
		snprintf(msg, cap, "%s is not an object", pick->string);
		goto list;
	}
	snprintf(out->picked, sizeof out->picked, "%s", pick->string);
	/* devParameter = stageParameter: say which object it is. */
	cJSON_ArrayForEach(it, consts) {
		if (it != pick && cJSON_IsObject(it) && cJSON_Compare(it, pick, 1)) {
			snprintf(out->alias_of, sizeof out->alias_of, "%s", it->string);
			break;
		}
	}
	e = map_params(out, pick);
	goto cleanup;
list:
	for (i = 0; i < out->n_names; i++) {
		size_t n = strlen(msg);
		if (n + 4 < cap)
			snprintf(msg + n, cap - n, "%s%s", i ? ", " : " (the file has: ", out->names[i]);
	}
	if (out->n_names && strlen(msg) + 2 < cap)
		snprintf(msg + strlen(msg), cap - strlen(msg), ")");
cleanup:
	cJSON_Delete(consts);
	if (e) {
		cJSON_Delete(out->config);
		out->config = NULL;
	}
	return e;
}
