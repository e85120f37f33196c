/* The Logs Insights subset logs_tool evaluates offline over a snapshot (snap.h).
 *
 * A recursive-descent parser over a one-token lexer builds a small expression tree per
 * filter stage (fixed node array, depth-limited); regexes are compiled once with POSIX
 * regcomp (extended syntax) after translating the Perl-style classes the model writes
 * (\d \w \s) and a leading (?i). Evaluation reads only the line and a JSON message
 * parsed on demand, so one compiled query can be shared between threads. */
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/tools/snap.h"
#include "base/alloc.h"
#include "base/json.h"
#include "base/slice.h"
#include "base/time.h"

#define Q_MAX_NODES   64
#define Q_MAX_FILTERS 8
#define Q_MAX_DEPTH   24
#define Q_MAX_TOKEN   1024
#define Q_MAX_FIELD   128
#define Q_MAX_REPEAT  100   /* largest {n,m} bound accepted in a regex */
#define Q_MAX_RE_SIZE 20000 /* atoms of a regex with its repetitions multiplied out */

enum { N_OR = 1, N_AND, N_NOT, N_MATCH, N_CMP };
enum { OP_EQ = 1, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };
enum { T_END = 0, T_PIPE, T_LP, T_RP, T_COMMA, T_STAR, T_OP, T_STR, T_RE, T_NUM, T_WORD };

typedef struct qnode {
	int kind;
	int l, r;                 /* children: OR/AND both, NOT l */
	char field[Q_MAX_FIELD];
	int op;                   /* N_CMP */
	int negate;               /* N_MATCH: not like */
	int is_regex;             /* N_MATCH: regex, else substring */
	int is_num;               /* N_CMP: numeric value */
	double num;
	char *text;               /* owned: substring or string value */
	regex_t re;
	int re_ok;
} qnode;

struct fa2_snapq {
	qnode nodes[Q_MAX_NODES];
	size_t n;
	int roots[Q_MAX_FILTERS];
	size_t n_roots;
	long limit;
	int asc;
	int stats;
	int64_t bin_ms;
	char by[Q_MAX_FIELD];
};

typedef struct parser {
	const char *s;
	size_t len, pos;
	int tok;                  /* current token */
	size_t tok_at;            /* its offset, for messages */
	char text[Q_MAX_TOKEN];   /* its text (strings unescaped, regex body) */
	size_t text_len;
	fa2_snapq *q;
	char *msg;
	size_t cap;
	fa2_err err;
} parser;

static const char supported[] =
	"supported: [filter] EXPR | filter EXPR | fields ... | sort @timestamp asc|desc | limit N | "
	"stats count(*) [by bin(1m) | by FIELD]; EXPR: FIELD like /regex/ | FIELD like \"text\" | "
	"FIELD not like ... | FIELD =~ /regex/ | FIELD = != < <= > >= VALUE, joined by and / or / not "
	"and parentheses; FIELD: @message, @timestamp, @logStream, @log or a JSON field (a.b)";

const char *fa2_snapq_supported(void)
{
	return supported;
}

static int fail(parser *p, const char *what)
{
	if (!p->err) {
		p->err = FA2_ERR_PARSE;
		snprintf(p->msg, p->cap, "query error at offset %zu: %s; %s", p->tok_at, what, supported);
	}
	return -1;
}

static int is_word_start(int c)
{
	return isalpha(c) || c == '_' || c == '@';
}

static int is_word_char(int c)
{
	return isalnum(c) || c == '_' || c == '@' || c == '.';
}

/* Reads the next token into p->tok / p->text. */
static void next(parser *p)
{
	const char *s = p->s;
	size_t i;
	char c, quote;

	while (p->pos < p->len && isspace((unsigned char)s[p->pos]))
		p->pos++;
	p->tok_at = p->pos;
	p->text_len = 0;
	p->text[0] = '\0';
	if (p->err || p->pos >= p->len) {
		p->tok = T_END;
		return;
	}
	c = s[p->pos];
	switch (c) {
	case '|': p->tok = T_PIPE; p->pos++; return;
	case '(': p->tok = T_LP; p->pos++; return;
	case ')': p->tok = T_RP; p->pos++; return;
	case ',': p->tok = T_COMMA; p->pos++; return;
	case '*': p->tok = T_STAR; p->pos++; return;
	default: break;
	}
	if (strchr("=!<>", c)) {
		static const char *const ops[] = { "=~", "==", "!=", "<=", ">=", "=", "<", ">" };
		for (i = 0; i < sizeof ops / sizeof ops[0]; i++) {
			size_t n = strlen(ops[i]);
			if (p->len - p->pos >= n && memcmp(s + p->pos, ops[i], n) == 0) {
				memcpy(p->text, ops[i], n + 1);
				p->text_len = n;
				p->pos += n;
				p->tok = T_OP;
				return;
			}
		}
		p->tok = T_END;
		(void)fail(p, "unknown operator");
		return;
	}
	if (c == '"' || c == '\'' || c == '/' || c == '`') {
		quote = c;
		p->pos++;
		while (p->pos < p->len && s[p->pos] != quote) {
			char ch = s[p->pos++];
			if (ch == '\\' && p->pos < p->len) {
				char nx = s[p->pos];
				if (nx == quote || (quote != '/' && nx == '\\')) {
					ch = nx;
					p->pos++;
				}
			}
			if (p->text_len + 1 >= sizeof p->text) {
				p->tok = T_END;
				(void)fail(p, "string or regex too long");
				return;
			}
			p->text[p->text_len++] = ch;
		}
		if (p->pos >= p->len) {
			p->tok = T_END;
			(void)fail(p, quote == '/' ? "unterminated regex (/.../)" : "unterminated string");
			return;
		}
		p->pos++;
		p->text[p->text_len] = '\0';
		p->tok = quote == '/' ? T_RE : quote == '`' ? T_WORD : T_STR;
		if (quote == '`' && p->text_len >= Q_MAX_FIELD) {
			p->tok = T_END;
			(void)fail(p, "name too long");
		}
		return;
	}
	if (isdigit((unsigned char)c) || (c == '-' && p->pos + 1 < p->len && isdigit((unsigned char)s[p->pos + 1]))) {
		i = p->pos + 1;
		while (i < p->len && (isalnum((unsigned char)s[i]) || s[i] == '.'))
			i++;
		if (i - p->pos >= 64) {
			p->tok = T_END;
			(void)fail(p, "number too long");
			return;
		}
		memcpy(p->text, s + p->pos, i - p->pos);
		p->text_len = i - p->pos;
		p->text[p->text_len] = '\0';
		p->pos = i;
		p->tok = T_NUM;
		return;
	}
	if (is_word_start((unsigned char)c)) {
		i = p->pos;
		while (i < p->len && is_word_char((unsigned char)s[i]))
			i++;
		if (i - p->pos >= Q_MAX_FIELD) {
			p->tok = T_END;
			(void)fail(p, "name too long");
			return;
		}
		memcpy(p->text, s + p->pos, i - p->pos);
		p->text_len = i - p->pos;
		p->text[p->text_len] = '\0';
		p->pos = i;
		p->tok = T_WORD;
		return;
	}
	p->tok = T_END;
	(void)fail(p, "unexpected character");
}

static int is_kw(const parser *p, const char *kw)
{
	size_t i, n = strlen(kw);
	if (p->tok != T_WORD || p->text_len != n)
		return 0;
	for (i = 0; i < n; i++)
		if (tolower((unsigned char)p->text[i]) != kw[i])
			return 0;
	return 1;
}

static int new_node(parser *p, int kind)
{
	qnode *n;
	if (p->q->n >= Q_MAX_NODES)
		return fail(p, "expression too long");
	n = &p->q->nodes[p->q->n];
	memset(n, 0, sizeof *n);
	n->kind = kind;
	n->l = n->r = -1;
	return (int)p->q->n++;
}

/* Appends the POSIX form of one Perl class escape; 0 when c is not one. */
static int class_escape(char c, int in_bracket, char *out, size_t cap, size_t *o)
{
	const char *rep = NULL;
	size_t n;
	switch (c) {
	case 'd': rep = in_bracket ? "0-9" : "[0-9]"; break;
	case 'w': rep = in_bracket ? "[:alnum:]_" : "[[:alnum:]_]"; break;
	case 's': rep = in_bracket ? "[:space:]" : "[[:space:]]"; break;
	case 'D': rep = in_bracket ? NULL : "[^0-9]"; break;
	case 'W': rep = in_bracket ? NULL : "[^[:alnum:]_]"; break;
	case 'S': rep = in_bracket ? NULL : "[^[:space:]]"; break;
	default: return 0;
	}
	if (!rep)
		return -1;
	n = strlen(rep);
	if (*o + n >= cap)
		return -1;
	memcpy(out + *o, rep, n);
	*o += n;
	return 1;
}

/* Translates the model's regex into POSIX ERE in out; sets *icase for a leading (?i). */
static int translate_re(parser *p, const char *in, char *out, size_t cap, int *icase)
{
	size_t i = 0, o = 0, n = strlen(in);
	int in_br = 0, prev_quant = 0, depth = 0;
	/* Size estimate of the compiled pattern (atoms, with repetitions multiplied out as
	 * regcomp does): per group level the running size and the size of the last atom. */
	double size[Q_MAX_DEPTH + 2], last[Q_MAX_DEPTH + 2];
	size[0] = last[0] = 0;
	*icase = 0;
	if (n >= 4 && memcmp(in, "(?i)", 4) == 0) {
		*icase = 1;
		i = 4;
	}
	for (; i < n; i++) {
		char c = in[i];
		int quant = 0;
		if (o + 2 >= cap)
			return fail(p, "regex too long");
		if (c == '\\' && i + 1 < n) {
			int r;
			if (isdigit((unsigned char)in[i + 1]))
				return fail(p, "regex back-references are not supported");
			r = class_escape(in[i + 1], in_br, out, cap, &o);
			if (r < 0)
				return fail(p, "regex class escape not supported here");
			prev_quant = 0;
			size[depth] += 1;
			last[depth] = 1;
			if (r > 0) {
				i++;
				continue;
			}
			out[o++] = c;
			out[o++] = in[++i];
			continue;
		}
		if (in_br) {
			if (c == '[' && i + 1 < n && (in[i + 1] == ':' || in[i + 1] == '.' || in[i + 1] == '=')) {
				/* [:class:] inside a bracket expression: copy through its closing ":]". */
				char kind = in[i + 1];
				size_t k = i + 2;
				while (k + 1 < n && !(in[k] == kind && in[k + 1] == ']'))
					k++;
				if (k + 1 >= n || o + (k + 2 - i) + 1 >= cap)
					return fail(p, "malformed [:class:] in a regex");
				memcpy(out + o, in + i, k + 2 - i);
				o += k + 2 - i;
				i = k + 1;
				continue;
			}
			if (c == ']')
				in_br = 0;
			out[o++] = c;
			continue;
		}
		if (c == '[') {
			in_br = 1;
			prev_quant = 0;
			size[depth] += 1;
			last[depth] = 1;
			out[o++] = c;
			if (i + 1 < n && in[i + 1] == '^')
				out[o++] = in[++i];
			if (i + 1 < n && in[i + 1] == ']')
				out[o++] = in[++i];
			continue;
		}
		if (c == '(' && i + 1 < n && in[i + 1] == '?')
			return fail(p, "regex groups (?...) other than a leading (?i) are not supported");
		if (c == '(') {
			if (depth > Q_MAX_DEPTH)
				return fail(p, "regex groups nested too deeply");
			depth++;
			size[depth] = last[depth] = 0;
			prev_quant = 0;
			out[o++] = c;
			continue;
		}
		if (c == ')' && depth > 0) {
			double g = size[depth];
			depth--;
			size[depth] += g;
			last[depth] = g;
			prev_quant = 0;
			out[o++] = c;
			continue;
		}
		if (c == '*' || c == '+' || c == '?')
			quant = 1;
		if (c == '{') {
			/* {n}, {n,}, {n,m}: copied whole; bounds at most Q_MAX_REPEAT. */
			unsigned long v = 0, most = 0;
			size_t k = i + 1;
			while (k < n && (isdigit((unsigned char)in[k]) || in[k] == ',')) {
				if (in[k] == ',') {
					v = 0;
					most += 1; /* {n,}: one copy more than n */
				} else if ((v = v * 10 + (unsigned long)(in[k] - '0')) > Q_MAX_REPEAT) {
					return fail(p, "regex repetition bound above 100");
				}
				if (v > most)
					most = v;
				k++;
			}
			if (k < n && in[k] == '}' && k > i + 1) {
				if (prev_quant)
					return fail(p, "stacked regex quantifiers (like a+{2} or a*?) are not supported");
				size[depth] += last[depth] * (double)(most ? most : 1) - last[depth];
				last[depth] *= (double)(most ? most : 1);
				if (size[depth] > Q_MAX_RE_SIZE)
					return fail(p, "regex repetitions expand too much");
				if (o + (k + 1 - i) + 1 >= cap)
					return fail(p, "regex too long");
				memcpy(out + o, in + i, k + 1 - i);
				o += k + 1 - i;
				i = k;
				prev_quant = 1;
				continue;
			}
		}
		if (quant) {
			if (prev_quant)
				return fail(p, "stacked regex quantifiers (like a++ or a*?) are not supported");
			if (c == '+') {
				size[depth] += last[depth];
				last[depth] *= 2;
				if (size[depth] > Q_MAX_RE_SIZE)
					return fail(p, "regex repetitions expand too much");
			}
		} else if (c != '|' && c != '^' && c != '$') {
			size[depth] += 1;
			last[depth] = 1;
		}
		prev_quant = quant;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

/* pattern after like / not like / =~: /regex/ or "text". */
static int parse_pattern(parser *p, int id)
{
	qnode *n = &p->q->nodes[id];
	if (p->tok == T_RE) {
		char ere[2 * Q_MAX_TOKEN + 64];
		int icase, rc;
		if (translate_re(p, p->text, ere, sizeof ere, &icase))
			return -1;
		rc = regcomp(&n->re, ere, REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0));
		if (rc != 0) {
			char why[128];
			regerror(rc, &n->re, why, sizeof why);
			return fail(p, why);
		}
		n->re_ok = 1;
		n->is_regex = 1;
	} else if (p->tok == T_STR) {
		n->text = fa2_strdup(p->text);
		if (!n->text) {
			p->err = FA2_ERR_NOMEM;
			snprintf(p->msg, p->cap, "out of memory");
			return -1;
		}
	} else {
		return fail(p, "expected /regex/ or \"text\" after like");
	}
	next(p);
	return 0;
}

static int parse_or(parser *p, int depth);

static int parse_cmp(parser *p)
{
	int id;
	qnode *n;
	if (p->tok != T_WORD || is_kw(p, "and") || is_kw(p, "or") || is_kw(p, "like"))
		return fail(p, "expected a field name (@message, @logStream, a JSON field)");
	id = new_node(p, N_MATCH);
	if (id < 0)
		return -1;
	n = &p->q->nodes[id];
	memcpy(n->field, p->text, p->text_len + 1);
	next(p);
	if (is_kw(p, "like")) {
		next(p);
		return parse_pattern(p, id) ? -1 : id;
	}
	if (is_kw(p, "not")) {
		next(p);
		if (!is_kw(p, "like"))
			return fail(p, "expected like after not");
		next(p);
		n->negate = 1;
		return parse_pattern(p, id) ? -1 : id;
	}
	if (p->tok == T_OP && strcmp(p->text, "=~") == 0) {
		next(p);
		return parse_pattern(p, id) ? -1 : id;
	}
	if (p->tok == T_OP) {
		static const struct { const char *s; int op; } ops[] = {
			{ "=", OP_EQ }, { "==", OP_EQ }, { "!=", OP_NE }, { "<", OP_LT },
			{ "<=", OP_LE }, { ">", OP_GT }, { ">=", OP_GE } };
		size_t i;
		n->kind = N_CMP;
		for (i = 0; i < sizeof ops / sizeof ops[0]; i++)
			if (strcmp(p->text, ops[i].s) == 0)
				n->op = ops[i].op;
		next(p);
		if (p->tok == T_NUM) {
			char *end;
			n->num = strtod(p->text, &end);
			if (*end != '\0')
				return fail(p, "malformed number");
			n->is_num = 1;
		} else if (p->tok != T_STR && !(p->tok == T_WORD && (is_kw(p, "true") || is_kw(p, "false")))) {
			return fail(p, "expected a number or a quoted string");
		}
		n->text = fa2_strdup(p->text);
		if (!n->text) {
			p->err = FA2_ERR_NOMEM;
			snprintf(p->msg, p->cap, "out of memory");
			return -1;
		}
		next(p);
		return id;
	}
	return fail(p, "expected like, not like, =~ or a comparison after the field");
}

static int parse_unary(parser *p, int depth)
{
	int id, c;
	if (depth > Q_MAX_DEPTH)
		return fail(p, "expression nested too deeply");
	if (is_kw(p, "not")) {
		next(p);
		c = parse_unary(p, depth + 1);
		if (c < 0)
			return -1;
		id = new_node(p, N_NOT);
		if (id >= 0)
			p->q->nodes[id].l = c;
		return id;
	}
	if (p->tok == T_LP) {
		next(p);
		id = parse_or(p, depth + 1);
		if (id < 0)
			return -1;
		if (p->tok != T_RP)
			return fail(p, "expected )");
		next(p);
		return id;
	}
	return parse_cmp(p);
}

static int parse_and(parser *p, int depth)
{
	int l = parse_unary(p, depth), r, id;
	while (l >= 0 && is_kw(p, "and")) {
		next(p);
		r = parse_unary(p, depth);
		if (r < 0)
			return -1;
		id = new_node(p, N_AND);
		if (id < 0)
			return -1;
		p->q->nodes[id].l = l;
		p->q->nodes[id].r = r;
		l = id;
	}
	return l;
}

static int parse_or(parser *p, int depth)
{
	int l, r, id;
	if (depth > Q_MAX_DEPTH)
		return fail(p, "expression nested too deeply");
	l = parse_and(p, depth);
	while (l >= 0 && is_kw(p, "or")) {
		next(p);
		r = parse_and(p, depth);
		if (r < 0)
			return -1;
		id = new_node(p, N_OR);
		if (id < 0)
			return -1;
		p->q->nodes[id].l = l;
		p->q->nodes[id].r = r;
		l = id;
	}
	return l;
}

static int parse_filter(parser *p)
{
	int root;
	if (p->q->n_roots >= Q_MAX_FILTERS)
		return fail(p, "too many filter stages");
	root = parse_or(p, 0);
	if (root < 0)
		return -1;
	p->q->roots[p->q->n_roots++] = root;
	return 0;
}

static int parse_stats(parser *p)
{
	if (!is_kw(p, "count"))
		return fail(p, "only stats count(*) is supported");
	next(p);
	if (p->tok != T_LP)
		return fail(p, "expected ( after count");
	next(p);
	if (p->tok == T_STAR || (p->tok == T_WORD && strcmp(p->text, "@message") == 0))
		next(p);
	if (p->tok != T_RP)
		return fail(p, "expected count(*)");
	next(p);
	p->q->stats = FA2_SNAPQ_STATS_COUNT;
	if (is_kw(p, "as")) {
		next(p);
		if (p->tok != T_WORD)
			return fail(p, "expected a name after as");
		next(p);
	}
	if (!is_kw(p, "by"))
		return 0;
	next(p);
	if (is_kw(p, "bin")) {
		next(p);
		if (p->tok != T_LP)
			return fail(p, "expected ( after bin");
		next(p);
		if (p->tok != T_NUM || fa2_time_parse_duration(fa2_slice_make(p->text, p->text_len), &p->q->bin_ms) ||
		    p->q->bin_ms < 1000 || p->q->bin_ms > 31LL * FA2_TIME_MS_PER_DAY)
			return fail(p, "expected a duration between 1s and 31d in bin(), e.g. bin(1m)");
		next(p);
		if (p->tok != T_RP)
			return fail(p, "expected ) after the bin duration");
		next(p);
		p->q->stats = FA2_SNAPQ_STATS_BIN;
		return 0;
	}
	if (p->tok != T_WORD)
		return fail(p, "expected bin(...) or a field after by");
	memcpy(p->q->by, p->text, p->text_len + 1);
	p->q->stats = FA2_SNAPQ_STATS_FIELD;
	next(p);
	return 0;
}

static int parse_stage(parser *p, int first)
{
	if (is_kw(p, "filter")) {
		next(p);
		return parse_filter(p);
	}
	if (is_kw(p, "fields") || is_kw(p, "display")) {
		while (p->tok != T_END && p->tok != T_PIPE)
			next(p);
		return p->err ? -1 : 0;
	}
	if (is_kw(p, "sort")) {
		next(p);
		if (p->tok != T_WORD || strcmp(p->text, "@timestamp") != 0)
			return fail(p, "only sort @timestamp is supported");
		next(p);
		if (is_kw(p, "asc") || is_kw(p, "desc")) {
			p->q->asc = is_kw(p, "asc");
			next(p);
		}
		return 0;
	}
	if (is_kw(p, "limit")) {
		long long v;
		next(p);
		if (p->tok != T_NUM || fa2_parse_int_range(fa2_slice_make(p->text, p->text_len), 1, 10000, &v))
			return fail(p, "limit takes a number from 1 to 10000");
		p->q->limit = (long)v;
		next(p);
		return 0;
	}
	if (is_kw(p, "stats")) {
		next(p);
		return parse_stats(p);
	}
	if (first && p->tok != T_END)
		return parse_filter(p);
	if (p->tok == T_WORD)
		return fail(p, "unsupported command");
	return fail(p, "expected a command");
}

fa2_err fa2_snapq_parse(const char *text, fa2_snapq **out, char *msg, size_t cap)
{
	parser *p = NULL;
	fa2_snapq *q = NULL;
	fa2_err e = FA2_ERR_NOMEM;
	int first = 1;

	*out = NULL;
	if (cap)
		msg[0] = '\0';
	if (strlen(text) > FA2_SNAPQ_MAX_TEXT) {
		snprintf(msg, cap, "query longer than %u bytes", FA2_SNAPQ_MAX_TEXT);
		return FA2_ERR_TOO_LARGE;
	}
	p = fa2_calloc(1, sizeof *p);
	q = fa2_calloc(1, sizeof *q);
	if (!p || !q) {
		snprintf(msg, cap, "out of memory");
		goto cleanup;
	}
	p->s = text;
	p->len = strlen(text);
	p->q = q;
	p->msg = msg;
	p->cap = cap;
	next(p);
	for (;;) {
		if (p->tok == T_END && !p->err && !first)
			break;
		if (p->tok == T_END && first && !p->err)
			break; /* empty query: every line */
		if (parse_stage(p, first))
			break;
		first = 0;
		if (p->tok == T_PIPE) {
			next(p);
			if (p->tok == T_END)
				(void)fail(p, "nothing after |");
			continue;
		}
		if (p->tok != T_END)
			(void)fail(p, "unexpected text after the stage");
		break;
	}
	if (p->err) {
		e = p->err;
		goto cleanup;
	}
	*out = q;
	q = NULL;
	e = FA2_OK;
cleanup:
	fa2_snapq_free(q);
	fa2_free(p);
	return e;
}

void fa2_snapq_free(fa2_snapq *q)
{
	size_t i;
	if (!q)
		return;
	for (i = 0; i < q->n; i++) {
		if (q->nodes[i].re_ok)
			regfree(&q->nodes[i].re);
		fa2_free(q->nodes[i].text);
	}
	fa2_free(q);
}

long fa2_snapq_limit(const fa2_snapq *q) { return q->limit; }
int fa2_snapq_sort_asc(const fa2_snapq *q) { return q->asc; }
int fa2_snapq_stats(const fa2_snapq *q) { return q->stats; }
int64_t fa2_snapq_bin_ms(const fa2_snapq *q) { return q->bin_ms; }
const char *fa2_snapq_by_field(const fa2_snapq *q) { return q->by; }

/* ---- evaluation ---- */

typedef struct evalctx {
	const fa2_tr_logline *line;
	cJSON *json;              /* the message parsed as JSON, on demand */
	int parsed;
} evalctx;

static const cJSON *json_field(evalctx *c, const char *path)
{
	const cJSON *it;
	char part[Q_MAX_FIELD];
	const char *s = path;
	if (!c->parsed) {
		const char *m = c->line->msg;
		c->parsed = 1;
		while (*m == ' ' || *m == '\t')
			m++;
		if (*m == '{')
			c->json = fa2_json_parse(fa2_slice_cstr(m), NULL);
	}
	it = c->json;
	while (it && *s) {
		const char *dot = strchr(s, '.');
		size_t n = dot ? (size_t)(dot - s) : strlen(s);
		if (n >= sizeof part)
			return NULL;
		memcpy(part, s, n);
		part[n] = '\0';
		it = cJSON_IsObject(it) ? cJSON_GetObjectItemCaseSensitive(it, part) : NULL;
		s += n + (dot ? 1 : 0);
	}
	return it;
}

/* Field value as text (and as a number when *is_num). 0 when absent. */
static int field_value(evalctx *c, const char *f, char *buf, size_t cap, const char **text,
		       double *num, int *is_num)
{
	const fa2_tr_logline *l = c->line;
	*is_num = 0;
	*text = NULL;
	if (strcmp(f, "@message") == 0) {
		*text = l->msg;
	} else if (strcmp(f, "@logStream") == 0) {
		*text = l->stream ? l->stream : "";
	} else if (strcmp(f, "@log") == 0 || strcmp(f, "@logGroup") == 0) {
		*text = l->group ? l->group : "";
	} else if (strcmp(f, "@timestamp") == 0) {
		char iso[40];
		size_t n = fa2_time_format_rfc3339(l->t_ms, 0, 1, iso, sizeof iso);
		if (n < 20)
			return 0;
		iso[10] = ' ';
		if (iso[n - 1] == 'Z')
			iso[n - 1] = '\0';
		snprintf(buf, cap, "%s", iso);
		*text = buf;
		*num = (double)l->t_ms;
		*is_num = 1;
		return 1;
	} else {
		const cJSON *it = json_field(c, f);
		if (!it || cJSON_IsNull(it))
			return 0;
		if (cJSON_IsNumber(it)) {
			*num = it->valuedouble;
			*is_num = 1;
			snprintf(buf, cap, "%.15g", it->valuedouble);
			*text = buf;
			return 1;
		} else if (cJSON_IsBool(it)) {
			*text = cJSON_IsTrue(it) ? "true" : "false";
			return 1;
		} else if (!cJSON_IsString(it)) {
			return 0;
		}
		*text = it->valuestring; /* numeric strings compare as numbers below */
	}
	if (*text && **text) {
		char *end;
		double d = strtod(*text, &end);
		if (*end == '\0' && end != *text) {
			*num = d;
			*is_num = 1;
		}
	}
	return 1;
}

static int eval(const fa2_snapq *q, int id, evalctx *c, int depth)
{
	const qnode *n = &q->nodes[id];
	char buf[64];
	const char *text;
	double num = 0;
	int is_num, r;
	if (depth > 2 * Q_MAX_DEPTH + 8)
		return 0;
	switch (n->kind) {
	case N_OR:
		return eval(q, n->l, c, depth + 1) || eval(q, n->r, c, depth + 1);
	case N_AND:
		return eval(q, n->l, c, depth + 1) && eval(q, n->r, c, depth + 1);
	case N_NOT:
		return !eval(q, n->l, c, depth + 1);
	case N_MATCH:
		if (!field_value(c, n->field, buf, sizeof buf, &text, &num, &is_num) || !text)
			return 0;
		r = n->is_regex ? regexec(&n->re, text, 0, NULL, 0) == 0 : strstr(text, n->text) != NULL;
		return n->negate ? !r : r;
	case N_CMP:
		if (!field_value(c, n->field, buf, sizeof buf, &text, &num, &is_num) || !text)
			return 0;
		if (n->is_num) {
			if (!is_num)
				return 0;
			r = num < n->num ? -1 : num > n->num;
		} else {
			r = strcmp(text, n->text);
			r = r < 0 ? -1 : r > 0;
		}
		switch (n->op) {
		case OP_EQ: return r == 0;
		case OP_NE: return r != 0;
		case OP_LT: return r < 0;
		case OP_LE: return r <= 0;
		case OP_GT: return r > 0;
		case OP_GE: return r >= 0;
		default: return 0;
		}
	default:
		return 0;
	}
}

int fa2_snapq_match(const fa2_snapq *q, const fa2_tr_logline *line)
{
	evalctx c;
	size_t i;
	int ok = 1;
	c.line = line;
	c.json = NULL;
	c.parsed = 0;
	for (i = 0; i < q->n_roots && ok; i++)
		ok = eval(q, q->roots[i], &c, 0);
	cJSON_Delete(c.json);
	return ok;
}

int fa2_snapq_field(const fa2_tr_logline *line, const char *field, char *out, size_t cap)
{
	evalctx c;
	char buf[64];
	const char *text;
	double num;
	int is_num, ok;
	c.line = line;
	c.json = NULL;
	c.parsed = 0;
	ok = field_value(&c, field, buf, sizeof buf, &text, &num, &is_num) && text;
	if (ok)
		snprintf(out, cap, "%s", text);
	cJSON_Delete(c.json);
	return ok;
}
