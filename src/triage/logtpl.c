/* Online log template miner: see logtpl.h for the contract.
 *
 * Data layout (all bounded):
 *  - templates live in `slots` (at most cfg.max_templates), linked in LRU order;
 *  - each template keeps its tokens as 64-bit hashes (WILD_H for "<*>") plus the joined
 *    text, so matching a line is integer compares only;
 *  - the parse tree is one open-addressing table of nodes keyed by the hash of the path
 *    (token count, then up to depth-2 prefix tokens); every node can hold templates, so
 *    when the node cap is reached descent simply stops early;
 *  - ids index `ids[]` (slot of a live template, parent after a merge).
 *
 * Per line: split at white space into at most FA2_LOGTPL_MAX_TOKENS tokens, mask each
 * token into a scratch buffer (no allocation), hash the masked tokens, descend the tree,
 * pick the most similar template of the leaf, generalise it or create a new one. */
#include "triage/logtpl.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/limits.h"

#define WILD_H       1u
#define NONE         UINT32_MAX
#define MAX_IDS      (1u << 26)          /* ids ever issued, each costs 8 bytes */
#define TPL_NODES    6u                  /* leaf + suffix list + up to 4 alias leaves */
#define SCAN_CAP     256u                /* templates compared in one list search */
#define SECOND_SIM   0.8                 /* similarity needed to match outside the leaf */
#define MATURE_COUNT 1u                  /* a word constant seen this often is not generalised by another word */
#define MERGE_SIBLINGS 4u                /* finish: templates differing in one position that make it a variable */
#define MERGE_PAIR_SIBLINGS 8u           /* finish: the same for two positions at once */
#define MERGE_CONTEXT  3u                /* finish: constant tokens that must remain elsewhere */
#define MERGE_ROUNDS   8u
#define MERGE_MAX_KEYS (4u * 1024u * 1024u)  /* finish: bound on the (template, position) keys */
#define NODE_FACTOR  4u                  /* node cap = depth * max_templates * NODE_FACTOR */
#define NORM_BYTES   (FA2_LOGTPL_MAX_LINE_BYTES * 3u + 3u * FA2_LOGTPL_MAX_TOKENS + 16u)  /* "<*>" can triple a byte */

typedef struct tpl {
	uint32_t id;
	uint32_t ntok;
	uint32_t nconst;        /* tokens that are not WILD_H */
	uint64_t *h;            /* ntok hashes */
	uint32_t *off;          /* ntok offsets into text */
	uint32_t *len;          /* ntok lengths */
	unsigned char *kvw;     /* ntok flags: token is "key=<*>" */
	char *text;             /* the matching form: tokens masked as in tokenize */
	size_t text_len;
	uint32_t *doff;         /* ntok offsets into dtext */
	uint32_t *dlen;         /* ntok lengths */
	char *dtext;            /* the display form (what fa2_logtpl_info.text shows) */
	size_t dtext_len;
	uint64_t count;
	int64_t first_ms, last_ms;
	uint64_t first_line, last_line;
	fa2_logtpl_sev sev;
	uint32_t n_ex;
	char *ex[FA2_LOGTPL_MAX_EXAMPLES];
	size_t ex_len[FA2_LOGTPL_MAX_EXAMPLES];
	uint64_t node_keys[TPL_NODES];  /* nodes whose lists hold this template: leaf, suffix list, aliases */
	uint32_t n_nodes;
	uint32_t lru_prev, lru_next;
} tpl;

typedef struct node {
	uint64_t key;           /* 0 = empty slot */
	uint32_t nchild;
	uint32_t ntpl, captpl;
	uint32_t *tpls;         /* slots */
} node;

typedef struct idrec {
	uint32_t slot;          /* NONE when evicted or merged */
	uint32_t parent;        /* 0 = root of its merge set */
} idrec;

struct fa2_logtpl {
	fa2_logtpl_config cfg;
	fa2_logtpl_stats stats;
	tpl **slots;
	uint32_t nslots, capslots;   /* high-water and allocation */
	uint32_t *free_slots;
	uint32_t nfree;
	uint32_t lru_head, lru_tail;  /* head = most recent */
	node *nodes;
	size_t nodecap, nnodes, nodemax;
	idrec *ids;
	uint32_t nids, capids;       /* ids[0] unused; next id = nids */
	/* scratch for the current line */
	char *norm;
	const char *tok_ptr[FA2_LOGTPL_MAX_TOKENS];  /* masked token text (line or norm) */
	char *dnorm;                                 /* display forms of tokens that need one */
	char *gen;                                   /* disp_gen output for one token */
	const char *tok_disp[FA2_LOGTPL_MAX_TOKENS]; /* display form (line, dnorm or "<*>"); the
	                                              * raw token until tok_show made it */
	uint32_t tok_disp_len[FA2_LOGTPL_MAX_TOKENS];
	unsigned char tok_special[FA2_LOGTPL_MAX_TOKENS];  /* char_class bits; 0: display is raw */
	size_t dnorm_used;
	const char *tok_raw[FA2_LOGTPL_MAX_TOKENS];  /* the token as it was in the line */
	uint32_t tok_raw_len[FA2_LOGTPL_MAX_TOKENS];
	uint32_t tok_len[FA2_LOGTPL_MAX_TOKENS];
	uint64_t tok_h[FA2_LOGTPL_MAX_TOKENS];
	unsigned char tok_var[FA2_LOGTPL_MAX_TOKENS];
	unsigned char tok_date[FA2_LOGTPL_MAX_TOKENS];
};

/* ---------------------------------------------------------------- small helpers */

static int is_ws(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_alpha(unsigned char c) { return (c | 32) >= 'a' && (c | 32) <= 'z'; }
static int is_alnum(unsigned char c) { return is_digit(c) || is_alpha(c); }
static int is_hex(unsigned char c) { return is_digit(c) || ((c | 32) >= 'a' && (c | 32) <= 'f'); }
static unsigned char lower(unsigned char c) { return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 32) : c; }

static uint64_t hash_bytes(const char *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ (n * 0xff51afd7ed558ccdull), w;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
	}
	if (i < n) {
		w = 0;
		for (; i < n; i++)
			w = (w << 8) | (unsigned char)p[i];
		h = (h ^ w) * 0x94d049bb133111ebull;
		h ^= h >> 29;
	}
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 32;
	return h <= WILD_H ? h + 2 : h;
}

static uint64_t mix(uint64_t a, uint64_t b)
{
	uint64_t k = (a ^ (b * 0x9e3779b97f4a7c15ull)) * 0xbf58476d1ce4e5b9ull;
	k ^= k >> 29;
	k *= 0x94d049bb133111ebull;
	k ^= k >> 32;
	return k ? k : 1;
}

/* ---------------------------------------------------------------- severity */

/* The one severity classifier of fa2 (the miner's and the ranker's, via
 * fa2_tr_severity_guess): whole words only, so "NOERROR", "terror" or "errorCount" say
 * nothing. Class names ending in "Exception" or "Error" (OSError, KeyError) are errors;
 * an all-capital word must be a level itself ("ERROR", not "NOERROR"). */
static fa2_logtpl_sev word_sev(const char *w, size_t n)
{
	char b[12];
	size_t i;
	unsigned char f = lower((unsigned char)w[0]);
	if (n >= 9) {
		/* ...Exception as a suffix of a class name */
		const char *s = w + n - 9;
		for (i = 0; i < 9; i++)
			b[i] = (char)lower((unsigned char)s[i]);
		if (memcmp(b, "exception", 9) == 0)
			return FA2_LOGTPL_SEV_ERROR;
	}
	if (n >= 6 && memcmp(w + n - 5, "Error", 5) == 0)
		return FA2_LOGTPL_SEV_ERROR;  /* OSError, TypeError: exact case only */
	if (n < 9 && f != 'e' && f != 'w' && f != 'f' && f != 'c' && f != 'i' && f != 'd' &&
	    f != 't' && f != 'p' && f != 's' && f != 'n' && f != 'r')
		return FA2_LOGTPL_SEV_NONE;
	if (n < 3 || n > 10)
		return FA2_LOGTPL_SEV_NONE;
	for (i = 0; i < n; i++)
		b[i] = (char)lower((unsigned char)w[i]);
	switch (n) {
	case 3:
		if (!memcmp(b, "err", 3)) return FA2_LOGTPL_SEV_ERROR;
		break;
	case 4:
		if (!memcmp(b, "warn", 4)) return FA2_LOGTPL_SEV_WARN;
		if (!memcmp(b, "fail", 4)) return FA2_LOGTPL_SEV_ERROR;
		if (!memcmp(b, "crit", 4)) return FA2_LOGTPL_SEV_FATAL;
		if (!memcmp(b, "info", 4)) return FA2_LOGTPL_SEV_INFO;
		break;
	case 5:
		if (!memcmp(b, "error", 5)) return FA2_LOGTPL_SEV_ERROR;
		if (!memcmp(b, "fatal", 5)) return FA2_LOGTPL_SEV_FATAL;
		if (!memcmp(b, "panic", 5)) return FA2_LOGTPL_SEV_FATAL;
		if (!memcmp(b, "emerg", 5)) return FA2_LOGTPL_SEV_FATAL;
		if (!memcmp(b, "debug", 5)) return FA2_LOGTPL_SEV_DEBUG;
		if (!memcmp(b, "trace", 5)) return FA2_LOGTPL_SEV_DEBUG;
		if (!memcmp(b, "fails", 5)) return FA2_LOGTPL_SEV_ERROR;
		if (!memcmp(b, "retry", 5)) return FA2_LOGTPL_SEV_WARN;
		break;
	case 6:
		if (!memcmp(b, "failed", 6)) return FA2_LOGTPL_SEV_ERROR;
		if (!memcmp(b, "errors", 6)) return FA2_LOGTPL_SEV_ERROR;
		if (!memcmp(b, "severe", 6)) return FA2_LOGTPL_SEV_ERROR;
		if (!memcmp(b, "denied", 6)) return FA2_LOGTPL_SEV_ERROR;
		if (!memcmp(b, "notice", 6)) return FA2_LOGTPL_SEV_INFO;
		break;
	case 7:
		if (!memcmp(b, "warning", 7)) return FA2_LOGTPL_SEV_WARN;
		if (!memcmp(b, "failure", 7)) return FA2_LOGTPL_SEV_ERROR;
		if (!memcmp(b, "refused", 7)) return FA2_LOGTPL_SEV_ERROR;
		if (!memcmp(b, "timeout", 7)) return FA2_LOGTPL_SEV_WARN;
		break;
	case 8:
		if (!memcmp(b, "critical", 8)) return FA2_LOGTPL_SEV_FATAL;
		if (!memcmp(b, "warnings", 8)) return FA2_LOGTPL_SEV_WARN;
		if (!memcmp(b, "retrying", 8)) return FA2_LOGTPL_SEV_WARN;
		break;
	case 9:
		if (!memcmp(b, "emergency", 9)) return FA2_LOGTPL_SEV_FATAL;
		if (!memcmp(b, "traceback", 9)) return FA2_LOGTPL_SEV_ERROR;
		break;
	case 10:
		if (!memcmp(b, "deprecated", 10)) return FA2_LOGTPL_SEV_WARN;
		break;
	default:
		break;
	}
	return FA2_LOGTPL_SEV_NONE;
}

/* Highest severity of the letter words in p[0..n), keys of key=value and JSON pairs
 * excepted. */
static fa2_logtpl_sev scan_sev(const char *p, size_t n)
{
	fa2_logtpl_sev best = FA2_LOGTPL_SEV_NONE, s;
	size_t i = 0, start;
	while (i < n) {
		if (!is_alpha((unsigned char)p[i])) {
			i++;
			continue;
		}
		start = i;
		while (i < n && is_alpha((unsigned char)p[i]))
			i++;
		/* a key names a field, its value says how it went: errors=0, "error":null */
		if (i < n && (p[i] == '=' || (p[i] == '"' && i + 1 < n && p[i + 1] == ':')))
			continue;
		s = word_sev(p + start, i - start);
		if (s > best)
			best = s;
	}
	return best;
}

fa2_logtpl_sev fa2_logtpl_guess_severity(fa2_slice line)
{
	return scan_sev(line.ptr, line.len);
}

const char *fa2_logtpl_sev_name(fa2_logtpl_sev sev)
{
	static const char *const names[] = { "-", "DEBUG", "INFO", "WARN", "ERROR", "FATAL" };
	return (unsigned)sev < sizeof(names) / sizeof(names[0]) ? names[sev] : "-";
}

/* ---------------------------------------------------------------- token masking */

static int is_open_punct(unsigned char c) { return c == '(' || c == '[' || c == '{' || c == '<' || c == '\'' || c == '"' || c == '`'; }
static int is_close_punct(unsigned char c)
{
	return c == ')' || c == ']' || c == '}' || c == '>' || c == ',' || c == ';' || c == ':' ||
	       c == '.' || c == '\'' || c == '"' || c == '`' || c == '!' || c == '?';
}
static int is_num_sep(unsigned char c) { return c == '.' || c == ':' || c == '/' || c == '-' || c == '_' || c == ',' || c == '+' || c == '@'; }

/* The whole core is a number, hex, IP[:port], MAC, UUID, date or time: segments of hex
 * digits (optionally 0x-prefixed) split by separators, with at least one decimal digit. */
static int core_is_numeric(const unsigned char *c, size_t n)
{
	size_t i = 0;
	int digit = 0;
	while (i < n) {
		if (is_num_sep(c[i])) {
			i++;
			continue;
		}
		if (i + 1 < n && c[i] == '0' && (c[i + 1] | 32) == 'x' && !(i > 0 && is_alnum(c[i - 1])))
			i += 2;
		if (i >= n || !is_hex(c[i]))
			return 0;
		while (i < n && is_alnum(c[i])) {
			if (!is_hex(c[i]))
				return 0;
			if (is_digit(c[i]))
				digit = 1;
			i++;
		}
		if (i < n && !is_num_sep(c[i]))
			return 0;
	}
	return digit;
}

/* ISO-8601 date-time: YYYY-MM-DD, then optionally T or '_' and a time, fraction and
 * zone (Z or +hh:mm). */
static int core_is_iso_datetime(const unsigned char *c, size_t n)
{
	size_t i;
	if (n < 10 || !is_digit(c[0]) || !is_digit(c[1]) || !is_digit(c[2]) || !is_digit(c[3]) ||
	    c[4] != '-' || !is_digit(c[5]) || !is_digit(c[6]) || c[7] != '-' || !is_digit(c[8]) ||
	    !is_digit(c[9]))
		return 0;
	if (n == 10)
		return 1;
	if (c[10] != 'T' && c[10] != '_')
		return 0;
	for (i = 11; i < n; i++)
		if (!is_digit(c[i]) && c[i] != ':' && c[i] != '.' && c[i] != ',' && c[i] != '+' &&
		    c[i] != '-' && !(c[i] == 'Z' && i == n - 1))
			return 0;
	return 1;
}

static int core_is_path_or_url(const unsigned char *c, size_t n)
{
	size_t i;
	if (n >= 2 && c[0] == '/' && c[1] != '/' && !is_ws(c[1]))
		return 1;
	if (n >= 3 && is_alpha(c[0]) && c[1] == ':' && (c[2] == '\\' || c[2] == '/'))
		return 1;
	if (n >= 3 && c[0] == '~' && c[1] == '/')
		return 1;
	for (i = 0; i + 3 < n; i++)
		if (c[i] == ':' && c[i + 1] == '/' && c[i + 2] == '/' && i > 0 && is_alpha(c[0]))
			return 1;
	return 0;
}

static int core_is_email(const unsigned char *c, size_t n)
{
	size_t i, at = n;
	for (i = 0; i < n; i++)
		if (c[i] == '@') {
			at = i;
			break;
		}
	if (at == 0 || at >= n || !is_alnum(c[at - 1]))
		return 0;
	for (i = at + 1; i + 1 < n; i++)
		if (c[i] == '.' && is_alnum(c[i + 1]) && is_alnum(c[i - 1]))
			return 1;
	return 0;
}

static int core_is_path_or_url(const unsigned char *c, size_t n);
static int core_is_value(const unsigned char *c, size_t n);
static int value_is_variable(const unsigned char *v, size_t n)
{
	size_t i;
	if (n >= 2 && v[0] == '"')
		return 1;  /* a quoted string */
	for (i = 0; i < n; i++)
		if (is_digit(v[i]))
			return 1;
	return core_is_path_or_url(v, n);
}

#define CL_WS      1u
#define CL_SPECIAL 2u
#define CL_QUOTE   4u
#define CL_EQ      8u
#define CL_AT      16u
#define CL_SLASH   32u
/* Byte classes for the tokenizer: white space, bytes that can make a token variable,
 * the double quote. */
static const unsigned char char_class[256] = {
	[' '] = CL_WS, ['\t'] = CL_WS, ['\r'] = CL_WS, ['\n'] = CL_WS, ['\v'] = CL_WS, ['\f'] = CL_WS,
	['0'] = CL_SPECIAL, ['1'] = CL_SPECIAL, ['2'] = CL_SPECIAL, ['3'] = CL_SPECIAL,
	['4'] = CL_SPECIAL, ['5'] = CL_SPECIAL, ['6'] = CL_SPECIAL, ['7'] = CL_SPECIAL,
	['8'] = CL_SPECIAL, ['9'] = CL_SPECIAL, ['/'] = CL_SPECIAL | CL_SLASH,
	['\\'] = CL_SPECIAL | CL_SLASH,
	['@'] = CL_SPECIAL | CL_AT, ['='] = CL_SPECIAL | CL_EQ, ['"'] = CL_QUOTE,
	[':'] = CL_SLASH,
};

/* Masks one token (t, n) into out; returns the output length. *var is set to 1 when the
 * output contains a wildcard, 2 when it is exactly "<*>". out must hold 3n + 3 bytes. */
static size_t mask_token(const char *t, size_t n, char *out, int *var, unsigned flags)
{
	const unsigned char *s = (const unsigned char *)t;
	size_t b = 0, e = n, o = 0, i, k;
	*var = 0;
	if (!(flags & CL_SPECIAL)) {
		/* no digits, '/', '\\', '@' or '=': nothing to mask */
		memcpy(out, t, n);
		return n;
	}
	while (b < e && is_open_punct(s[b]))
		b++;
	while (e > b && is_close_punct(s[e - 1]))
		e--;
	if (e > b) {
		const unsigned char *c = s + b;
		size_t cn = e - b;
		/* key=value: keep the key, mask a value that holds a digit or is a path/URL
		 * (words such as true, NO, null, root stay: they usually tell events apart) */
		k = 0;
		if (flags & CL_EQ)
			for (; k < cn && (is_alnum(c[k]) || c[k] == '_' || c[k] == '.' || c[k] == '-'); k++)
				;
		if (k > 0 && k + 1 < cn && c[k] == '=' && is_alpha(c[0]) &&
		    value_is_variable(c + k + 1, cn - k - 1)) {
			size_t rest = e;
			if (c[k + 1] == '"') {
				/* a quoted value ends at its closing quote */
				const char *q = memchr(t + b + k + 2, '"', n - (b + k + 2));
				if (q)
					rest = (size_t)(q - t) + 1;
			}
			memcpy(out, t, b + k + 1);
			o = b + k + 1;
			memcpy(out + o, "<*>", 3);
			o += 3;
			memcpy(out + o, t + rest, n - rest);
			*var = 1;
			return o + (n - rest);
		}
		if (core_is_value(c, cn) || ((flags & CL_SLASH) && core_is_path_or_url(c, cn)) ||
		    ((flags & CL_AT) && core_is_email(c, cn)) || core_is_iso_datetime(c, cn)) {
			if (b == 0 && e == n) {
				memcpy(out, "<*>", 3);
				*var = 2;
				return 3;
			}
			memcpy(out, t, b);
			memcpy(out + b, "<*>", 3);
			memcpy(out + b + 3, t + e, n - e);
			*var = 1;
			return b + 3 + (n - e);
		}
	}
	/* Mixed token: mask hex/number segments, digit runs inside words. */
	i = 0;
	while (i < n) {
		size_t j;
		int digit = 0, allhex = 1, letter = 0;
		if (!is_alnum(s[i])) {
			out[o++] = (char)s[i++];
			continue;
		}
		j = i;
		while (j < n && is_alnum(s[j])) {
			if (is_digit(s[j]))
				digit = 1;
			else if (!is_hex(s[j]))
				allhex = 0;
			else
				letter = 1;
			j++;
		}
		/* a short run of hex letters and digits is a name ("ee0", "C1"), not a number */
		if (allhex && letter && j - i < 6)
			allhex = 0;
		if (!digit) {
			memcpy(out + o, t + i, j - i);
			o += j - i;
		} else if (allhex || (j - i > 2 && s[i] == '0' && (s[i + 1] | 32) == 'x')) {
			/* a sign right after punctuation belongs to the number */
			if (o > 0 && (out[o - 1] == '-' || out[o - 1] == '+') &&
			    (o == 1 || (!is_alnum((unsigned char)out[o - 2]) && out[o - 2] != '>')))
				o--;
			/* "<*>.<*>" and the like collapse into one wildcard */
			if (o >= 4 && is_num_sep((unsigned char)out[o - 1]) && memcmp(out + o - 4, "<*>", 3) == 0)
				o--;
			else {
				memcpy(out + o, "<*>", 3);
				o += 3;
			}
			*var = 1;
		} else {
			size_t q = i;
			while (q < j) {
				if (is_digit(s[q])) {
					while (q < j && is_digit(s[q]))
						q++;
					memcpy(out + o, "<*>", 3);
					o += 3;
				} else {
					out[o++] = (char)s[q++];
				}
			}
			*var = 1;
		}
		i = j;
	}
	if (o == 3 && *var && memcmp(out, "<*>", 3) == 0)
		*var = 2;
	return o;
}

/* ---------------------------------------------------------------- display forms
 *
 * A template has two texts. The matching form (mask_token) decides grouping: every digit
 * run, path and key=value value is masked so that lines of one event meet in one leaf.
 * The display form is what people read: a token is shown as it was until the lines of
 * its template disagree on it, so constants such as "ssh2", "G1" or "ap-northeast-1" stay
 * readable. Only values that are values on their own (numbers, hex, IPs, UUIDs, times,
 * ISO dates) are "<*>" from the first line on. */

/* A value for display: core_is_numeric or an ISO date-time, except that one run of hex
 * digits holding a letter must be at least 6 bytes long or 0x-prefixed ("C1", "ee0",
 * "e820" are names; "deadbeef12" is a value). */
static int core_is_value(const unsigned char *c, size_t n)
{
	size_t i;
	int letter = 0;
	if (core_is_iso_datetime(c, n))
		return 1;
	if (!core_is_numeric(c, n))
		return 0;
	for (i = 0; i < n; i++) {
		if (is_num_sep(c[i]))
			return 1;
		if (is_alpha(c[i]))
			letter = 1;
	}
	return !letter || n >= 6 || (n > 2 && c[0] == '0' && (c[1] | 32) == 'x');
}

/* Bytes that split a token into display components: path and key/value separators,
 * brackets and quotes. */
static int is_disp_split(unsigned char c)
{
	switch (c) {
	case '/': case '\\': case ':': case '=': case ',': case ';': case '(': case ')':
	case '[': case ']': case '{': case '}': case '"': case '\'': case '|': case '@':
	case '<': case '>': case '`':
		return 1;
	default:
		return 0;
	}
}

static int is_path_sep(unsigned char c) { return c == '/' || c == '\\'; }

static int ends_wild(const char *out, size_t o)
{
	return o >= 3 && out[o - 3] == '<' && out[o - 2] == '*' && out[o - 1] == '>';
}

/* An alphanumeric run that is a value even inside a name: 5+ decimal digits, or 8+ hex
 * digits mixing digits and letters (ids, timestamps, hashes). */
static int run_is_value(const unsigned char *r, size_t n)
{
	size_t i;
	int digit = 0, letter = 0;
	for (i = 0; i < n; i++) {
		if (is_digit(r[i]))
			digit = 1;
		else if (is_hex(r[i]))
			letter = 1;
		else
			return 0;
	}
	return digit && (letter ? n >= 8 : n >= 5);
}

/* Copies the component (c, n) into out, an identifier's value masked: from the first
 * run_is_value run (with a sign right before it) to the end of the letters, digits, '_'
 * and '-' that follow it becomes "<*>" ("job_1445144423722_0020" -> "job_<*>",
 * "blk_-6952295868487656571.meta" -> "blk_<*>.meta"); short numbers stay
 * ("ap-northeast-1"). Returns the length written (at most n + 2 per masked run). */
static size_t show_id_tail(const char *c, size_t n, char *out)
{
	const unsigned char *s = (const unsigned char *)c;
	size_t i = 0, o = 0, from = 0;
	while (i < n) {
		size_t j = i, b;
		if (!is_alnum(s[i])) {
			i++;
			continue;
		}
		while (j < n && is_alnum(s[j]))
			j++;
		if (!run_is_value(s + i, j - i)) {
			i = j;
			continue;
		}
		b = i;
		if (b > from && s[b - 1] == '-' && (b - 1 == 0 || !is_alnum(s[b - 2])))
			b--;
		while (j < n && (is_alnum(s[j]) || s[j] == '_' || s[j] == '-'))
			j++;
		memcpy(out + o, c + from, b - from);
		o += b - from;
		memcpy(out + o, "<*>", 3);
		o += 3;
		from = i = j;
	}
	memcpy(out + o, c + from, n - from);
	return o + (n - from);
}

/* Display form of one token (t, n) into out (room for 3n + 3 bytes); returns its length.
 * flags as for mask_token. A whole-token value becomes "<*>" inside its punctuation
 * ("[1.2.3.4]" -> "[<*>]"); otherwise each component between is_disp_split bytes that
 * is a value becomes "<*>" ("/10.0.0.1:50010" -> "/<*>", "uid=0" -> "uid=<*>",
 * "host:8080" -> "host:<*>") and everything else is kept as it is, names with digits
 * included ("ssh2", "blk_-12", "ap-northeast-1"): disp_gen generalises those once the
 * lines of a template disagree. */
static size_t show_token(const char *t, size_t n, char *out, unsigned flags)
{
	const unsigned char *s = (const unsigned char *)t;
	size_t i = 0, o = 0, b = 0, e = n;
	if (!(flags & CL_SPECIAL)) {
		memcpy(out, t, n);
		return n;
	}
	while (b < e && is_open_punct(s[b]))
		b++;
	while (e > b && is_close_punct(s[e - 1]))
		e--;
	if (e > b && !is_path_sep(s[b]) && core_is_value(s + b, e - b)) {
		memcpy(out, t, b);
		memcpy(out + b, "<*>", 3);
		memcpy(out + b + 3, t + e, n - e);
		return b + 3 + (n - e);
	}
	while (i < n) {
		size_t j, cb, ce;
		if (is_disp_split(s[i])) {
			out[o++] = (char)s[i++];
			continue;
		}
		for (j = i; j < n && !is_disp_split(s[j]); j++)
			;
		cb = i;
		ce = j;
		while (ce > cb && is_close_punct(s[ce - 1]))
			ce--;
		if (ce > cb && core_is_value(s + cb, ce - cb)) {
			/* "<*>:<*>" and "<*>,<*>" (a time, a port after an address) are one value */
			if (o >= 4 && (out[o - 1] == ':' || out[o - 1] == ',') && ends_wild(out, o - 1)) {
				o--;
			} else {
				memcpy(out + o, "<*>", 3);
				o += 3;
			}
			memcpy(out + o, t + ce, j - ce);
			o += j - ce;
		} else {
			o += show_id_tail(t + i, j - i, out + o);
		}
		i = j;
	}
	return o;
}

/* End of the display segment that starts at i: "<*>", a run of letters, a run of
 * digits, or one other byte. */
static size_t seg_next(const char *p, size_t n, size_t i)
{
	const unsigned char *s = (const unsigned char *)p;
	if (i + 3 <= n && s[i] == '<' && s[i + 1] == '*' && s[i + 2] == '>')
		return i + 3;
	if (is_alpha(s[i])) {
		while (i < n && is_alpha(s[i]))
			i++;
		return i;
	}
	if (is_digit(s[i])) {
		while (i < n && is_digit(s[i]))
			i++;
		return i;
	}
	return i + 1;
}

/* Start of the display segment that ends at e (> 0). */
static size_t seg_prev(const char *p, size_t e)
{
	const unsigned char *s = (const unsigned char *)p;
	if (ends_wild(p, e))
		return e - 3;
	if (is_alpha(s[e - 1])) {
		while (e > 0 && is_alpha(s[e - 1]))
			e--;
		return e;
	}
	if (is_digit(s[e - 1])) {
		while (e > 0 && is_digit(s[e - 1]))
			e--;
		return e;
	}
	return e - 1;
}

/* A segment of p starting at i that may stay constant when equal on both sides: anything
 * but a run of digits, except in the leading part right after (equal) letters ("ssh2"
 * keeps its 2, "node-41" does not). */
static int seg_keepable(const char *p, size_t i, int leading)
{
	if (!is_digit((unsigned char)p[i]))
		return 1;
	return leading && i > 0 && is_alpha((unsigned char)p[i - 1]);
}

static size_t last_path_sep(const char *p, size_t n)
{
	size_t i = n;
	while (i > 0)
		if (is_path_sep((unsigned char)p[--i]))
			return i;
	return n;
}

/* The display token that covers both display tokens a and b (each may hold "<*>").
 * Equal tokens stay; otherwise the common leading and trailing segments are kept and
 * what lies between becomes one "<*>" ("attempt_1_m_2" ~ "attempt_3_m_4" ->
 * "attempt_<*>", "()" ~ "(x)" -> "(<*>)", "user=root" ~ "user=bob" -> "user=<*>"). A
 * number not glued to letters ends the kept part, a sign before a number goes with it.
 * When both hold a path separator, the last component is generalised on its own and
 * differing directories become "<*>" after their leading separators ("/a/b/blk_1" ~
 * "/c/blk_2" -> "/<*>/blk_<*>"). out must hold an + 8 bytes; returns the length. */
static size_t disp_gen(const char *a, size_t an, const char *b, size_t bn, char *out)
{
	size_t pa = 0, pb = 0, ea = an, eb = bn, o, ka, kb;
	if (an == bn && memcmp(a, b, an) == 0) {
		memcpy(out, a, an);
		return an;
	}
	ka = last_path_sep(a, an);
	kb = last_path_sep(b, bn);
	if (ka < an && kb < bn && a[ka] == b[kb]) {
		if (ka == kb && memcmp(a, b, ka) == 0) {
			memcpy(out, a, ka);
			o = ka;
		} else {
			size_t c = 0, k = 0;
			while (c < ka && c < kb && a[c] == b[c])
				c++;
			while (k < c && !is_path_sep((unsigned char)a[k]))
				k++;
			if (k < c) {
				while (k < c && is_path_sep((unsigned char)a[k]))
					k++;
			} else {
				k = 0;
			}
			memcpy(out, a, k);
			o = k;
			if (!ends_wild(out, o)) {
				memcpy(out + o, "<*>", 3);
				o += 3;
			}
		}
		{
			size_t d = o, f;
			out[o++] = a[ka];
			f = disp_gen(a + ka + 1, an - ka - 1, b + kb + 1, bn - kb - 1, out + o);
			if (ends_wild(out, d) && f >= 3 && out[o] == '<' && out[o + 1] == '*' && out[o + 2] == '>') {
				/* "/<*>/<*>:" says no more than "/<*>:" */
				memmove(out + d, out + o + 3, f - 3);
				return d + f - 3;
			}
			return o + f;
		}
	}
	while (pa < an && pb < bn) {
		size_t na = seg_next(a, an, pa), nb = seg_next(b, bn, pb);
		if (na - pa != nb - pb || memcmp(a + pa, b + pb, na - pa) != 0 || !seg_keepable(a, pa, 1))
			break;
		pa = na;
		pb = nb;
	}
	if (pa > 0 && (a[pa - 1] == '-' || a[pa - 1] == '+') &&
	    (pa == 1 || !is_alnum((unsigned char)a[pa - 2])) &&
	    ((pa < an && is_digit((unsigned char)a[pa])) || (pb < bn && is_digit((unsigned char)b[pb])))) {
		pa--;
		pb--;
	}
	while (ea > pa && eb > pb) {
		size_t sa = seg_prev(a, ea), sb = seg_prev(b, eb);
		if (sa < pa || sb < pb || ea - sa != eb - sb || memcmp(a + sa, b + sb, ea - sa) != 0 ||
		    !seg_keepable(a, sa, 0))
			break;
		ea = sa;
		eb = sb;
	}
	memcpy(out, a, pa);
	o = pa;
	if (!ends_wild(out, o)) {
		memcpy(out + o, "<*>", 3);
		o += 3;
	}
	if (an - ea >= 3 && a[ea] == '<' && a[ea + 1] == '*' && a[ea + 2] == '>')
		ea += 3;  /* "<*><*>" is one wildcard */
	memcpy(out + o, a + ea, an - ea);
	return o + (an - ea);
}

int fa2_logtpl_token_is_variable(fa2_slice tok)
{
	char out[3 * 64 + 3];
	int var = 0;
	unsigned flags = 0;
	size_t i;
	if (tok.len == 0 || tok.len > 64)
		return 0;
	for (i = 0; i < tok.len; i++)
		flags |= char_class[(unsigned char)tok.ptr[i]];
	(void)mask_token(tok.ptr, tok.len, out, &var, flags);
	return var == 2;
}

/* A weekday or month name (English, 3-letter or full, capitalised or upper case), with
 * optional surrounding punctuation. Alone it is a word ("May"); next to a number or
 * another such name it is part of a date and masked. */
static int is_date_name(const char *t, size_t n)
{
	static const char names[][10] = {
		"mon", "tue", "wed", "thu", "fri", "sat", "sun", "jan", "feb", "mar", "apr", "may",
		"jun", "jul", "aug", "sep", "oct", "nov", "dec", "monday", "tuesday", "wednesday",
		"thursday", "friday", "saturday", "sunday", "january", "february", "march", "april",
		"june", "july", "august", "september", "october", "november", "december", "sept", "tues", "thur", "thurs"
	};
	const unsigned char *s = (const unsigned char *)t;
	char b[10];
	size_t i, k;
	while (n && !is_alpha(s[0])) {
		s++;
		n--;
	}
	while (n && !is_alpha(s[n - 1]))
		n--;
	if (n < 3 || n > 9)
		return 0;
	switch (s[0]) {
	case 'J': case 'F': case 'M': case 'A': case 'S': case 'O': case 'N': case 'D': case 'T': case 'W':
		break;
	default:
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (!is_alpha(s[i]))
			return 0;
		b[i] = (char)lower(s[i]);
	}
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		if (names[k][0] != b[0] || names[k][n] != '\0')
			continue;
		for (i = 1; i < n && names[k][i] == b[i]; i++)
			;
		if (i == n)
			return 1;
	}
	return 0;
}

/* A byte-size unit (B, KB, kB, MB, GB, TB, PB, KiB, MiB, GiB, TiB), a trailing ',' ';'
 * or ')' allowed. */
static int is_size_unit(const char *t, size_t n)
{
	while (n > 1 && (t[n - 1] == ',' || t[n - 1] == ';' || t[n - 1] == ')'))
		n--;
	if (n == 1)
		return t[0] == 'B';
	if (n == 2)
		return t[1] == 'B' && strchr("KkMGTP", t[0]) != NULL && t[0] != '\0';
	if (n == 3)
		return t[1] == 'i' && t[2] == 'B' && strchr("KMGT", t[0]) != NULL && t[0] != '\0';
	return 0;
}

/* A unit of time (ns, us, ms, s, sec, secs, second(s), msec(s), millis, millisecond(s),
 * min, mins, minute(s), h, hr, hrs, hour(s)), a trailing ',' ';' ')' or '.' allowed. */
static int is_time_unit(const char *t, size_t n)
{
	static const char *const units[] = {
		"ns", "us", "ms", "s", "sec", "secs", "second", "seconds", "msec", "msecs", "millis",
		"millisecond", "milliseconds", "min", "mins", "minute", "minutes", "h", "hr", "hrs",
		"hour", "hours",
	};
	size_t k;
	while (n > 1 && (t[n - 1] == ',' || t[n - 1] == ';' || t[n - 1] == ')' || t[n - 1] == '.'))
		n--;
	if (n > 12 || (t[0] != 'n' && t[0] != 'u' && t[0] != 'm' && t[0] != 's' && t[0] != 'h'))
		return 0;
	for (k = 0; k < sizeof(units) / sizeof(units[0]); k++)
		if (units[k][0] == t[0] && strlen(units[k]) == n && memcmp(units[k], t, n) == 0)
			return 1;
	return 0;
}

/* Makes the display form of the line's token k (show_token) unless it is made. */
static void tok_show(fa2_logtpl *m, uint32_t k)
{
	size_t len;
	if (!m->tok_special[k])
		return;
	len = show_token(m->tok_raw[k], m->tok_raw_len[k], m->dnorm + m->dnorm_used, m->tok_special[k]);
	m->tok_disp[k] = m->dnorm + m->dnorm_used;
	m->tok_disp_len[k] = (uint32_t)len;
	m->dnorm_used += len;
	m->tok_special[k] = 0;
}

/* Splits and masks the line into the scratch arrays; returns the token count. */
static uint32_t tokenize(fa2_logtpl *m, const char *p, size_t n)
{
	uint32_t nt = 0;
	size_t i = 0, o = 0;
	m->dnorm_used = 0;
	while (i < n) {
		size_t start, len;
		int var;
		unsigned special = 0;
		while (i < n && (char_class[(unsigned char)p[i]] & CL_WS))
			i++;
		if (i >= n)
			break;
		start = i;
		if (nt + 1 == FA2_LOGTPL_MAX_TOKENS) {
			/* the last token takes the rest of the line */
			i = n;
			while (i > start && is_ws((unsigned char)p[i - 1]))
				i--;
			special = CL_SPECIAL | CL_EQ | CL_AT | CL_SLASH;
		} else {
			/* one pass finds the end and whether anything needs masking */
			while (i < n) {
				unsigned char cl = char_class[(unsigned char)p[i]];
				if (cl & CL_WS)
					break;
				special |= cl;
				/* key="a quoted value" stays one token when its quote closes */
				if ((cl & CL_QUOTE) && i > start && p[i - 1] == '=') {
					const char *q = memchr(p + i + 1, '"', n - i - 1);
					if (q) {
						i = (size_t)(q - p) + 1;
						continue;
					}
				}
				i++;
			}
		}
		m->tok_raw[nt] = p + start;
		m->tok_raw_len[nt] = (uint32_t)(i - start);
		var = 0;
		if (!(special & CL_SPECIAL)) {
			/* nothing to mask: the token is used in place */
			len = i - start;
			m->tok_ptr[nt] = p + start;
			m->tok_special[nt] = 0;
		} else {
			len = mask_token(p + start, i - start, m->norm + o, &var, special);
			m->tok_ptr[nt] = m->norm + o;
			o += len;
			m->tok_special[nt] = (unsigned char)special;
		}
		/* the display form is made when needed (tok_show) */
		m->tok_disp[nt] = p + start;
		m->tok_disp_len[nt] = (uint32_t)(i - start);
		m->tok_len[nt] = (uint32_t)len;
		m->tok_var[nt] = (unsigned char)var;
		m->tok_h[nt] = var == 2 ? WILD_H : hash_bytes(m->tok_ptr[nt], len);
		m->tok_date[nt] = (unsigned char)(!var && len >= 3 && len <= 11 &&
		                                  is_date_name(m->tok_ptr[nt], len));
		nt++;
	}
	for (i = 0; i < nt; i++) {
		uint32_t q = (uint32_t)i;
		int wild = 0, after_num;
		size_t u = 0;
		if (!m->tok_date[q]) {
			/* a unit after a number goes with the number for matching ("5.2 KB" ~
			 * "93.0 B", "<1 sec" ~ "2 ms"); a size unit is shown as part of the value, a
			 * time unit as it is */
			after_num = q > 0 && m->tok_var[q - 1] && !m->tok_var[q] &&
			            ends_wild(m->tok_ptr[q - 1], m->tok_len[q - 1]);
			if (after_num && is_time_unit(m->tok_ptr[q], m->tok_len[q])) {
				m->tok_ptr[q] = "<*>";
				m->tok_len[q] = 3;
				m->tok_var[q] = 2;
				m->tok_h[q] = WILD_H;
				continue;
			}
			wild = after_num && is_size_unit(m->tok_ptr[q], m->tok_len[q]);
		} else {
			wild = (q > 0 && (m->tok_var[q - 1] == 2 || m->tok_date[q - 1])) ||
			       (q + 1 < nt && (m->tok_var[q + 1] == 2 || m->tok_date[q + 1]));
		}
		if (wild) {
			m->tok_ptr[q] = "<*>";
			m->tok_len[q] = 3;
			/* a size unit is part of its number's value; "KB," keeps its comma */
			while (!m->tok_date[q] && u < m->tok_disp_len[q] &&
			       is_alpha((unsigned char)m->tok_disp[q][u]))
				u++;
			m->tok_special[q] = 0;
			if (m->tok_date[q] || u == m->tok_disp_len[q]) {
				m->tok_disp[q] = "<*>";
				m->tok_disp_len[q] = 3;
			} else {
				char *d = m->dnorm + m->dnorm_used;
				memcpy(d, "<*>", 3);
				memcpy(d + 3, m->tok_disp[q] + u, m->tok_disp_len[q] - u);
				m->tok_disp[q] = d;
				m->tok_disp_len[q] = (uint32_t)(3 + m->tok_disp_len[q] - u);
				m->dnorm_used += m->tok_disp_len[q];
			}
			m->tok_var[q] = 2;
			m->tok_h[q] = WILD_H;
		}
	}
	return nt;
}

/* ---------------------------------------------------------------- config, new, free */

void fa2_logtpl_config_default(fa2_logtpl_config *cfg)
{
	cfg->sim_threshold = 0.6;
	cfg->depth = 4;
	cfg->max_templates = FA2_MAX_LOG_TEMPLATES;
	cfg->max_children = 100;
	cfg->examples = 3;
}

static void tpl_free(tpl *t)
{
	uint32_t i;
	if (!t)
		return;
	for (i = 0; i < t->n_ex; i++)
		fa2_free(t->ex[i]);
	fa2_free(t->h);
	fa2_free(t->text);
	fa2_free(t->dtext);
	fa2_free(t);
}

fa2_err fa2_logtpl_new(const fa2_logtpl_config *cfg, fa2_logtpl **out)
{
	fa2_logtpl *m = NULL;
	fa2_err err = FA2_OK;
	fa2_logtpl_config c;

	*out = NULL;
	if (cfg)
		c = *cfg;
	else
		fa2_logtpl_config_default(&c);
	if (!(c.sim_threshold >= 0.0 && c.sim_threshold <= 1.0) || c.depth < 3 || c.depth > 32 ||
	    c.max_templates < 1 || c.max_templates > (size_t)16 * FA2_MAX_LOG_TEMPLATES ||
	    c.max_children < 2 || c.max_children > 1000000 || c.examples > FA2_LOGTPL_MAX_EXAMPLES) {
		err = FA2_ERR_INVALID;
		goto cleanup;
	}
	m = fa2_calloc(1, sizeof(*m));
	if (!m) {
		err = FA2_ERR_NOMEM;
		goto cleanup;
	}
	m->cfg = c;
	m->lru_head = m->lru_tail = NONE;
	/* a rebuild needs at most depth nodes per live template */
	m->nodemax = (size_t)c.depth * (c.max_templates + 1) * NODE_FACTOR;
	m->norm = fa2_malloc(NORM_BYTES);
	m->dnorm = fa2_malloc(NORM_BYTES);
	m->gen = fa2_malloc(NORM_BYTES + 8);
	m->nodecap = 1024;
	m->nodes = fa2_calloc(m->nodecap, sizeof(node));
	m->capids = 1024;
	m->ids = fa2_calloc(m->capids, sizeof(idrec));
	m->nids = 1;
	if (!m->norm || !m->dnorm || !m->gen || !m->nodes || !m->ids) {
		err = FA2_ERR_NOMEM;
		goto cleanup;
	}
	*out = m;
	m = NULL;
cleanup:
	fa2_logtpl_free(m);
	return err;
}

void fa2_logtpl_free(fa2_logtpl *m)
{
	size_t i;
	if (!m)
		return;
	for (i = 0; i < m->nslots; i++)
		tpl_free(m->slots[i]);
	if (m->nodes)
		for (i = 0; i < m->nodecap; i++)
			fa2_free(m->nodes[i].tpls);
	fa2_free(m->slots);
	fa2_free(m->free_slots);
	fa2_free(m->nodes);
	fa2_free(m->ids);
	fa2_free(m->norm);
	fa2_free(m->dnorm);
	fa2_free(m->gen);
	fa2_free(m);
}

/* ---------------------------------------------------------------- nodes */

static node *node_find(const fa2_logtpl *m, uint64_t key)
{
	size_t mask = m->nodecap - 1, i = (size_t)(key ^ (key >> 32)) & mask;
	for (;;) {
		node *nd = &m->nodes[i];
		if (nd->key == key)
			return nd;
		if (nd->key == 0)
			return NULL;
		i = (i + 1) & mask;
	}
}

static fa2_err node_grow(fa2_logtpl *m)
{
	size_t ncap = m->nodecap * 2, i, mask = ncap - 1;
	node *nn = fa2_calloc(ncap, sizeof(node));
	if (!nn)
		return FA2_ERR_NOMEM;
	for (i = 0; i < m->nodecap; i++) {
		node *o = &m->nodes[i];
		size_t j;
		if (!o->key)
			continue;
		j = (size_t)(o->key ^ (o->key >> 32)) & mask;
		while (nn[j].key)
			j = (j + 1) & mask;
		nn[j] = *o;
	}
	fa2_free(m->nodes);
	m->nodes = nn;
	m->nodecap = ncap;
	return FA2_OK;
}

/* Finds or creates a node. *out is NULL (with FA2_OK) when the node cap is reached. */
static fa2_err node_get(fa2_logtpl *m, uint64_t key, node **out)
{
	size_t mask, i;
	*out = node_find(m, key);
	if (*out)
		return FA2_OK;
	if (m->nnodes >= m->nodemax)
		return FA2_OK;
	if ((m->nnodes + 1) * 2 > m->nodecap) {
		fa2_err err = node_grow(m);
		if (err)
			return err;
	}
	mask = m->nodecap - 1;
	i = (size_t)(key ^ (key >> 32)) & mask;
	while (m->nodes[i].key)
		i = (i + 1) & mask;
	m->nodes[i].key = key;
	m->nnodes++;
	*out = &m->nodes[i];
	return FA2_OK;
}

/* Makes room for one more template in nd's list. */
static fa2_err node_reserve(node *nd)
{
	if (nd->ntpl == nd->captpl) {
		uint32_t ncap = nd->captpl ? nd->captpl * 2 : 4;
		uint32_t *p = fa2_realloc(nd->tpls, (size_t)ncap * sizeof(uint32_t));
		if (!p)
			return FA2_ERR_NOMEM;
		nd->tpls = p;
		nd->captpl = ncap;
	}
	return FA2_OK;
}

static void node_remove_tpl(fa2_logtpl *m, uint64_t key, uint32_t slot)
{
	node *nd = node_find(m, key);
	uint32_t i;
	if (!nd)
		return;
	for (i = 0; i < nd->ntpl; i++)
		if (nd->tpls[i] == slot) {
			nd->tpls[i] = nd->tpls[--nd->ntpl];
			return;
		}
}

/* True when p[0..n) contains "<*>". */
static int memmem_wild(const char *p, size_t n)
{
	size_t i;
	for (i = 0; i + 3 <= n; i++)
		if (p[i] == '<' && p[i + 1] == '*' && p[i + 2] == '>')
			return 1;
	return 0;
}

/* Key of the node listing the templates of nt tokens that end in the same two tokens
 * (variables as "<*>"): the second-chance search for lines whose leading tokens vary. */
static uint64_t sfx_key(uint32_t nt, const uint64_t *h, const unsigned char *var)
{
	uint64_t k = mix(0x6c656e6c697374ull, nt);
	if (nt >= 1)
		k = mix(k, var[nt - 1] ? WILD_H : h[nt - 1]);
	if (nt >= 2)
		k = mix(k, var[nt - 2] ? WILD_H : h[nt - 2]);
	return k;
}

/* Descends the tree for the current line; *leaf gets the deepest node reached. */
static fa2_err descend(fa2_logtpl *m, uint32_t nt, const uint64_t *h, const unsigned char *var,
                       node **leaf, uint64_t *leaf_key)
{
	uint64_t key = mix(0x6c6f67747066ull, nt);
	node *cur, *child;
	uint32_t lvl, levels = m->cfg.depth - 2;
	fa2_err err;

	err = node_get(m, key, &cur);
	if (err)
		return err;
	if (!cur) {
		*leaf = NULL;
		return FA2_OK;
	}
	if (levels > nt)
		levels = nt;
	for (lvl = 0; lvl < levels; lvl++) {
		uint64_t th = var[lvl] ? WILD_H : h[lvl];
		uint64_t ck = mix(key, th);
		child = node_find(m, ck);
		if (!child && th != WILD_H && cur->nchild >= m->cfg.max_children) {
			th = WILD_H;
			ck = mix(key, th);
			child = node_find(m, ck);
		}
		if (!child) {
			err = node_get(m, ck, &child);
			if (err)
				return err;
			if (!child)
				break;   /* node cap: stop here */
			cur = node_find(m, key);  /* the table may have moved */
			cur->nchild++;
		}
		cur = child;
		key = ck;
	}
	*leaf = cur;
	*leaf_key = key;
	return FA2_OK;
}

/* ---------------------------------------------------------------- templates */

/* Rebuilds the parse tree from the live templates only (dropping nodes that evicted
 * templates left behind, and alias entries). On failure the templates that could not be
 * re-inserted stay live but unreachable until evicted; the miner stays consistent. */
static fa2_err tree_rebuild(fa2_logtpl *m)
{
	node *nn;
	size_t i;
	uint32_t s, k;
	fa2_err err = FA2_OK;
	unsigned char var[FA2_LOGTPL_MAX_TOKENS];

	nn = fa2_calloc(m->nodecap, sizeof(node));
	if (!nn)
		return FA2_ERR_NOMEM;
	for (i = 0; i < m->nodecap; i++)
		fa2_free(m->nodes[i].tpls);
	fa2_free(m->nodes);
	m->nodes = nn;
	m->nnodes = 0;
	for (s = 0; s < m->nslots; s++) {
		tpl *t = m->slots[s];
		node *leaf = NULL, *ln = NULL;
		uint64_t leaf_key = 0;
		if (!t)
			continue;
		t->n_nodes = 0;
		if (err)
			continue;
		for (k = 0; k < t->ntok; k++)
			var[k] = (unsigned char)(t->h[k] == WILD_H ||
			                         (t->len[k] >= 3 && memmem_wild(t->text + t->off[k], t->len[k])));
		err = descend(m, t->ntok, t->h, var, &leaf, &leaf_key);
		if (err || !leaf)
			continue;
		err = node_get(m, sfx_key(t->ntok, t->h, var), &ln);
		if (err || !ln)
			continue;
		leaf = node_find(m, leaf_key);
		if (!leaf)
			continue;
		err = node_reserve(leaf);
		if (!err)
			err = node_reserve(ln);
		if (err)
			continue;
		leaf->tpls[leaf->ntpl++] = s;
		ln->tpls[ln->ntpl++] = s;
		t->node_keys[0] = leaf_key;
		t->node_keys[1] = sfx_key(t->ntok, t->h, var);
		t->n_nodes = 2;
	}
	return err;
}

static void lru_unlink(fa2_logtpl *m, uint32_t s)
{
	tpl *t = m->slots[s];
	if (t->lru_prev != NONE)
		m->slots[t->lru_prev]->lru_next = t->lru_next;
	else
		m->lru_head = t->lru_next;
	if (t->lru_next != NONE)
		m->slots[t->lru_next]->lru_prev = t->lru_prev;
	else
		m->lru_tail = t->lru_prev;
	t->lru_prev = t->lru_next = NONE;
}

static void lru_push_front(fa2_logtpl *m, uint32_t s)
{
	tpl *t = m->slots[s];
	t->lru_prev = NONE;
	t->lru_next = m->lru_head;
	if (m->lru_head != NONE)
		m->slots[m->lru_head]->lru_prev = s;
	m->lru_head = s;
	if (m->lru_tail == NONE)
		m->lru_tail = s;
}

/* Removes the template in slot s from every structure and frees it. */
static void tpl_drop(fa2_logtpl *m, uint32_t s)
{
	tpl *t = m->slots[s];
	lru_unlink(m, s);
	{
		uint32_t k;
		for (k = 0; k < t->n_nodes; k++)
			node_remove_tpl(m, t->node_keys[k], s);
	}
	m->ids[t->id].slot = NONE;
	tpl_free(t);
	m->slots[s] = NULL;
	m->free_slots[m->nfree++] = s;
	m->stats.live--;
}

static void tpl_observe(fa2_logtpl *m, tpl *t, fa2_slice line, int64_t ts, uint64_t line_no,
                        fa2_logtpl_sev sev)
{
	t->count++;
	if (ts != FA2_LOGTPL_NO_TIME) {
		if (t->first_ms == FA2_LOGTPL_NO_TIME || ts < t->first_ms)
			t->first_ms = ts;
		if (t->last_ms == FA2_LOGTPL_NO_TIME || ts > t->last_ms)
			t->last_ms = ts;
	}
	if (line_no) {
		if (!t->first_line || line_no < t->first_line)
			t->first_line = line_no;
		if (line_no > t->last_line)
			t->last_line = line_no;
	}
	if (sev > t->sev)
		t->sev = sev;
	if (t->n_ex < m->cfg.examples) {
		char *ex = fa2_strndup(line.ptr, line.len);
		if (ex) {  /* an example is best effort */
			t->ex[t->n_ex] = ex;
			t->ex_len[t->n_ex++] = line.len;
		}
	}
}

static size_t kv_key_len(const char *t, size_t n);

/* The token is "key=<*>" (a key=value whose value is a variable). */
static int is_kv_wild(const char *a, size_t an)
{
	if (an < 5 || a[an - 1] != '>' || a[an - 2] != '*' || a[an - 3] != '<' || a[an - 4] != '=')
		return 0;
	return kv_key_len(a, an) + 3 == an;
}

/* Generalises template t with the current line: each constant position that differs
 * becomes "<*>", or "key=<*>" when both are key=value tokens with the same key. The new
 * text is allocated before anything changes, so on failure t is unchanged. */
static fa2_err tpl_generalise(fa2_logtpl *m, tpl *t)
{
	size_t o = 0;
	uint32_t i, nc = 0;
	char *nt;
	unsigned char kind[FA2_LOGTPL_MAX_TOKENS];  /* 0 keep, 1 "key=<*>", 2 "<*>" */
	uint32_t noff[FA2_LOGTPL_MAX_TOKENS], nlen[FA2_LOGTPL_MAX_TOKENS];

	/* first the new lengths, so the text is allocated at its exact size */
	for (i = 0; i < t->ntok; i++) {
		const char *a = t->text + t->off[i];
		size_t an = t->len[i];
		kind[i] = 0;
		nlen[i] = (uint32_t)an;
		if (t->h[i] != WILD_H && t->h[i] != m->tok_h[i]) {
			size_t ak = kv_key_len(a, an);
			size_t bk = kv_key_len(m->tok_ptr[i], m->tok_len[i]);
			if (ak && ak == bk && memcmp(a, m->tok_ptr[i], ak) == 0 && m->tok_h[i] != WILD_H) {
				kind[i] = 1;
				nlen[i] = (uint32_t)(ak + 3);
			} else {
				kind[i] = 2;
				nlen[i] = 3;
			}
		}
		o += nlen[i] + (i ? 1 : 0);
	}
	nt = fa2_malloc(o + 1);
	if (!nt)
		return FA2_ERR_NOMEM;
	o = 0;
	for (i = 0; i < t->ntok; i++) {
		const char *a = t->text + t->off[i];
		if (i)
			nt[o++] = ' ';
		noff[i] = (uint32_t)o;
		if (kind[i] == 0) {
			memcpy(nt + o, a, nlen[i]);
		} else if (kind[i] == 1) {
			memcpy(nt + o, a, nlen[i] - 3);
			memcpy(nt + o + nlen[i] - 3, "<*>", 3);
			t->h[i] = hash_bytes(nt + o, nlen[i]);
			t->kvw[i] = 1;
		} else {
			memcpy(nt + o, "<*>", 3);
			t->h[i] = WILD_H;
			t->kvw[i] = 0;
		}
		o += nlen[i];
	}
	nt[o] = '\0';
	for (i = 0; i < t->ntok; i++) {
		t->off[i] = noff[i];
		t->len[i] = nlen[i];
		if (t->h[i] != WILD_H)
			nc++;
	}
	t->nconst = nc;
	fa2_free(t->text);
	t->text = nt;
	t->text_len = o;
	return FA2_OK;
}

static fa2_err slot_alloc(fa2_logtpl *m, uint32_t *slot)
{
	if (m->nfree) {
		*slot = m->free_slots[--m->nfree];
		return FA2_OK;
	}
	if (m->nslots == m->capslots) {
		uint32_t ncap = m->capslots ? m->capslots * 2 : 64;
		tpl **ns;
		uint32_t *nf;
		if (ncap > m->cfg.max_templates)
			ncap = (uint32_t)m->cfg.max_templates;
		if (ncap <= m->capslots)
			return FA2_ERR_INTERNAL;
		ns = fa2_realloc(m->slots, (size_t)ncap * sizeof(tpl *));
		if (!ns)
			return FA2_ERR_NOMEM;
		m->slots = ns;
		nf = fa2_realloc(m->free_slots, (size_t)ncap * sizeof(uint32_t));
		if (!nf)
			return FA2_ERR_NOMEM;
		m->free_slots = nf;
		m->capslots = ncap;
	}
	*slot = m->nslots++;
	m->slots[*slot] = NULL;
	return FA2_OK;
}

/* Creates a template from the current line's tokens in node nd. */
static fa2_err tpl_create(fa2_logtpl *m, uint32_t nt, uint64_t node_key, uint32_t *slot_out)
{
	tpl *t = NULL;
	uint32_t slot = NONE, i;
	size_t tl = 0, dl = 0, o = 0;
	node *nd, *lnd = NULL;
	fa2_err err = FA2_OK;

	if (m->nids >= MAX_IDS) {
		err = FA2_ERR_TOO_LARGE;
		goto cleanup;
	}
	if (m->nids == m->capids) {
		idrec *ni = fa2_realloc(m->ids, (size_t)m->capids * 2 * sizeof(idrec));
		if (!ni) {
			err = FA2_ERR_NOMEM;
			goto cleanup;
		}
		m->ids = ni;
		m->capids *= 2;
	}
	t = fa2_calloc(1, sizeof(*t));
	if (!t) {
		err = FA2_ERR_NOMEM;
		goto cleanup;
	}
	t->h = fa2_malloc((size_t)(nt ? nt : 1) * (sizeof(uint64_t) + 4 * sizeof(uint32_t) + 1));
	for (i = 0; i < nt; i++) {
		tok_show(m, i);
		tl += m->tok_len[i] + 1;
		dl += m->tok_disp_len[i] + 1;
	}
	t->text = fa2_malloc(tl + 1);
	t->dtext = fa2_malloc(dl + 1);
	if (!t->h || !t->text || !t->dtext) {
		err = FA2_ERR_NOMEM;
		goto cleanup;
	}
	t->off = (uint32_t *)(t->h + (nt ? nt : 1));
	t->len = t->off + (nt ? nt : 1);
	t->doff = t->len + (nt ? nt : 1);
	t->dlen = t->doff + (nt ? nt : 1);
	t->kvw = (unsigned char *)(t->dlen + (nt ? nt : 1));
	t->ntok = nt;
	for (i = 0, o = 0; i < nt; i++) {
		if (i)
			t->dtext[o++] = ' ';
		memcpy(t->dtext + o, m->tok_disp[i], m->tok_disp_len[i]);
		t->doff[i] = (uint32_t)o;
		t->dlen[i] = m->tok_disp_len[i];
		o += m->tok_disp_len[i];
	}
	t->dtext[o] = '\0';
	t->dtext_len = o;
	o = 0;
	for (i = 0; i < nt; i++) {
		if (i)
			t->text[o++] = ' ';
		memcpy(t->text + o, m->tok_ptr[i], m->tok_len[i]);
		t->off[i] = (uint32_t)o;
		t->len[i] = m->tok_len[i];
		t->h[i] = m->tok_h[i];
		t->kvw[i] = (unsigned char)is_kv_wild(t->text + o, m->tok_len[i]);
		if (t->h[i] != WILD_H)
			t->nconst++;
		o += m->tok_len[i];
	}
	t->text[o] = '\0';
	t->text_len = o;
	t->first_ms = t->last_ms = FA2_LOGTPL_NO_TIME;
	t->lru_prev = t->lru_next = NONE;
	t->node_keys[0] = node_key;
	t->node_keys[1] = sfx_key(nt, m->tok_h, m->tok_var);
	t->n_nodes = 2;
	/* everything that can fail happens before the eviction */
	err = node_get(m, t->node_keys[1], &lnd);
	if (err)
		goto cleanup;
	nd = node_find(m, node_key);
	if (!nd || !lnd) {
		err = nd ? FA2_ERR_TOO_LARGE : FA2_ERR_INTERNAL;
		goto cleanup;
	}
	err = node_reserve(nd);
	if (!err)
		err = node_reserve(lnd);
	if (err)
		goto cleanup;
	if (m->stats.live >= m->cfg.max_templates && m->lru_tail != NONE) {
		tpl_drop(m, m->lru_tail);
		m->stats.evicted++;
	}
	err = slot_alloc(m, &slot);
	if (err)
		goto cleanup;
	nd->tpls[nd->ntpl++] = slot;
	lnd->tpls[lnd->ntpl++] = slot;
	t->id = m->nids++;
	m->ids[t->id].slot = slot;
	m->ids[t->id].parent = 0;
	m->slots[slot] = t;
	lru_push_front(m, slot);
	m->stats.live++;
	m->stats.created++;
	*slot_out = slot;
	t = NULL;
	slot = NONE;
cleanup:
	if (slot != NONE)
		m->free_slots[m->nfree++] = slot;
	tpl_free(t);
	return err;
}

/* A display text prepared for a template (disp_cover), committed by disp_commit. */
typedef struct disp_new {
	char *text;
	size_t len;
	uint32_t off[FA2_LOGTPL_MAX_TOKENS];
	uint32_t ln[FA2_LOGTPL_MAX_TOKENS];
} disp_new;

static int disp_is_wild(const char *p, size_t n)
{
	return n == 3 && p[0] == '<' && p[1] == '*' && p[2] == '>';
}

/* The line token (s, sn) is an instance of the display token (p, pn): equal, or equal
 * with each "<*>" of p standing for any bytes. Display tokens with more than 8
 * wildcards are not tried (0), which only costs a disp_gen. */
static int disp_matches(const char *p, size_t pn, const char *s, size_t sn)
{
	size_t i = 0, j = 0, star_i = (size_t)-1, star_j = 0, k, stars = 0;
	if (pn == sn && memcmp(p, s, pn) == 0)
		return 1;
	for (k = 0; k + 3 <= pn; k++)
		if (p[k] == '<' && p[k + 1] == '*' && p[k + 2] == '>')
			stars++;
	if (stars == 0 || stars > 8)
		return 0;
	while (j < sn) {
		if (i + 3 <= pn && p[i] == '<' && p[i + 1] == '*' && p[i + 2] == '>') {
			star_i = i;
			star_j = j;
			i += 3;
		} else if (i < pn && p[i] == s[j]) {
			i++;
			j++;
		} else if (star_i != (size_t)-1) {
			i = star_i + 3;
			j = ++star_j;
		} else {
			return 0;
		}
	}
	while (i + 3 <= pn && p[i] == '<' && p[i + 1] == '*' && p[i + 2] == '>')
		i += 3;
	return i == pn;
}

/* Prepares t's display text covering other display tokens bp[k] (bl[k] bytes) at each of
 * t's positions: token k becomes disp_gen(t's token k, bp[k]). Returns 0 when nothing
 * would change (dn untouched), 1 when dn holds the new text (the caller commits or frees
 * it), -1 when out of memory. t is never changed here. */
static int disp_cover(fa2_logtpl *m, const tpl *t, const char *const *bp, const uint32_t *bl,
                      disp_new *dn)
{
	uint32_t k;
	size_t cap = 0, o = 0;
	int any = 0;
	for (k = 0; k < t->ntok && !any; k++) {
		const char *a = t->dtext + t->doff[k];
		size_t an = t->dlen[k], g;
		if ((an == bl[k] && memcmp(a, bp[k], an) == 0) || disp_is_wild(a, an))
			continue;
		g = disp_gen(a, an, bp[k], bl[k], m->gen);
		any = g != an || memcmp(m->gen, a, an) != 0;
	}
	if (!any)
		return 0;
	for (k = 0; k < t->ntok; k++)
		cap += t->dlen[k] + 8 + 1;
	dn->text = fa2_malloc(cap + 1);
	if (!dn->text)
		return -1;
	for (k = 0; k < t->ntok; k++) {
		const char *a = t->dtext + t->doff[k];
		size_t an = t->dlen[k];
		if (k)
			dn->text[o++] = ' ';
		dn->off[k] = (uint32_t)o;
		if ((an == bl[k] && memcmp(a, bp[k], an) == 0) || disp_is_wild(a, an)) {
			memcpy(dn->text + o, a, an);
			dn->ln[k] = (uint32_t)an;
		} else {
			dn->ln[k] = (uint32_t)disp_gen(a, an, bp[k], bl[k], dn->text + o);
		}
		o += dn->ln[k];
	}
	dn->text[o] = '\0';
	dn->len = o;
	return 1;
}

static void disp_commit(tpl *t, disp_new *dn)
{
	memcpy(t->doff, dn->off, t->ntok * sizeof(uint32_t));
	memcpy(t->dlen, dn->ln, t->ntok * sizeof(uint32_t));
	fa2_free(t->dtext);
	t->dtext = dn->text;
	t->dtext_len = dn->len;
	dn->text = NULL;
}

/* Display tokens of template a, as disp_cover wants them. */
static void disp_tokens(const tpl *a, const char **bp, uint32_t *bl)
{
	uint32_t k;
	for (k = 0; k < a->ntok; k++) {
		bp[k] = a->dtext + a->doff[k];
		bl[k] = a->dlen[k];
	}
}

/* ---------------------------------------------------------------- feed */

static void scan_list(const fa2_logtpl *m, const node *nd, uint32_t nt, uint32_t cap,
                      int strict, double threshold, uint32_t *best_out, double *sim_out);

/* A plain word: letters only ('_' inside, '-' between letters, brackets inside and a
 * masked number glued to letters are fine), after stripping surrounding punctuation; for
 * key=value the value decides. */
static int plain_word(const char *t, size_t n)
{
	const unsigned char *s = (const unsigned char *)t;
	size_t b = 0, e = n, i;
	for (i = 0; i < n; i++)
		if (s[i] == '=') {
			b = i + 1;
			break;
		}
	while (b < e && is_open_punct(s[b]))
		b++;
	while (e > b && is_close_punct(s[e - 1]))
		e--;
	if (e <= b)
		return 0;
	for (i = b; i < e; i++) {
		if (is_alpha(s[i]) || (s[i] == '_' && i > b))
			continue;
		/* a name with a number glued on (eth<*>, alt<*>): the letters tell it apart */
		if (s[i] == '<' && i > b && is_alpha(s[i - 1]) && i + 2 < n && s[i + 1] == '*' && s[i + 2] == '>') {
			i += 2;
			continue;
		}
		/* Mount-cache, WWEN[enable] */
		if (s[i] == '-' && i > b && i + 1 < e && is_alpha(s[i - 1]) && is_alpha(s[i + 1]))
			continue;
		if ((s[i] == '[' || s[i] == ']') && i > b)
			continue;
		return 0;
	}
	return 1;
}

/* Length of the key of a key=value token including the '=', 0 when not one. */
static size_t kv_key_len(const char *t, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)t[i];
		if (ch == '=')
			return i > 0 && is_alnum((unsigned char)t[i - 1]) ? i + 1 : 0;
		if (is_ws(ch))
			return 0;
	}
	return 0;
}

/* Template token k is "key=<*>" and the line token is "key=VALUE" (VALUE non-empty). */
static int kv_covers(const tpl *c, uint32_t k, const fa2_logtpl *m)
{
	const char *a = c->text + c->off[k], *b = m->tok_ptr[k];
	size_t an = c->len[k], bn = m->tok_len[k];
	return c->kvw[k] && bn > an - 3 && memcmp(a, b, an - 3) == 0;
}

/* Two key=value tokens with different keys, or one with an empty value and one
 * without, are structurally different: never the same template position. */
static int kv_conflict(const fa2_logtpl *m, const tpl *c, uint32_t nt)
{
	uint32_t k;
	for (k = 0; k < nt; k++) {
		const char *a, *b;
		size_t an, bn, ak, bk;
		if (c->h[k] == WILD_H || c->h[k] == m->tok_h[k] || m->tok_h[k] == WILD_H)
			continue;
		a = c->text + c->off[k];
		an = c->len[k];
		b = m->tok_ptr[k];
		bn = m->tok_len[k];
		ak = kv_key_len(a, an);
		bk = kv_key_len(b, bn);
		if (!ak || !bk)
			continue;
		if (ak != bk || memcmp(a, b, ak) != 0)
			return 1;
		if ((an == ak) != (bn == bk))
			return 1;
	}
	return 0;
}

/* A qualified name in code: dotted words with a call and a masked line number, as in a
 * stack frame ("com.a.Foo.bar(Foo.java:<*>)"): where two differ, so does the failure. */
static int code_name(const char *t, size_t n)
{
	size_t i, dots = 0, open = n;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)t[i];
		if (ch == '.')
			dots++;
		else if (ch == '(' && open == n)
			open = i;
		else if (ch == '/' || ch == '=' || ch == '@' || ch == ' ')
			return 0;
	}
	return dots >= 2 && open < n && open > 0 && is_alpha((unsigned char)t[open - 1]) &&
	       t[n - 1] == ')' && ends_wild(t, n - 1);
}

/* The line disagrees with a constant of the (mature) template c where both tokens are
 * plain words (or both code locations): that looks like a different event, not a
 * variable. */
static int mature_conflict(const fa2_logtpl *m, const tpl *c, uint32_t nt)
{
	uint32_t k;
	for (k = 0; k < nt; k++) {
		if (c->h[k] == WILD_H || c->h[k] == m->tok_h[k] || m->tok_h[k] == WILD_H)
			continue;
		if (m->tok_var[k] == 2)
			continue;
		if (plain_word(c->text + c->off[k], c->len[k]) &&
		    plain_word(m->tok_ptr[k], m->tok_len[k]))
			return 1;
		if (code_name(c->text + c->off[k], c->len[k]) && code_name(m->tok_ptr[k], m->tok_len[k]))
			return 1;
	}
	return 0;
}
/* Finds the most similar admissible template of nt tokens in nd's list (at most cap
 * compared): *best (NONE when none) and its similarity. */
static void scan_list(const fa2_logtpl *m, const node *nd, uint32_t nt, uint32_t cap,
                      int strict, double threshold, uint32_t *best_out, double *sim_out)
{
	uint32_t i, best = NONE, best_wild = 0, seen = 0;
	double best_sim = -1.0;
	/* sim >= threshold needs misses <= (1 - threshold) * (nt - both) <= this */
	uint32_t max_miss = (uint32_t)((1.0 - threshold) * (double)nt + 1e-9);
	/* newest (and most recently matched, see move_to_end) first */
	for (i = nd->ntpl; i-- > 0;) {
		tpl *c = m->slots[nd->tpls[i]];
		uint32_t k, same = 0, wild = 0;
		double sim;
		if (c->ntok != nt)
			continue;
		if (++seen > cap)
			break;
		{
			uint32_t both = 0, miss = 0;
			for (k = 0; k < nt && miss <= max_miss; k++) {
				if (c->h[k] == WILD_H) {
					wild++;
					if (m->tok_var[k])
						both++;
					else
						miss++;
				} else if (c->h[k] == m->tok_h[k] ||
				           (c->kvw[k] && m->tok_h[k] != WILD_H && kv_covers(c, k, m))) {
					same++;
				} else {
					miss++;
				}
			}
			if (miss > max_miss)
				continue;  /* cannot reach the threshold */
			/* positions where both are variables say nothing either way */
			sim = nt - both ? (double)same / (double)(nt - both) : 1.0;
			if (sim < threshold || sim < best_sim)
				continue;  /* cannot win: skip the costlier checks */
			if ((strict || c->count >= MATURE_COUNT) && mature_conflict(m, c, nt))
				continue;
			if (kv_conflict(m, c, nt))
				continue;
		}
		if (sim > best_sim || (sim == best_sim && wild > best_wild)) {
			best_sim = sim;
			best = nd->tpls[i];
			best_wild = wild;
		}
	}
	*best_out = best;
	*sim_out = best_sim;
}

/* Moves slot to the end of the list of node key (searched first next time). */
static void move_to_end(fa2_logtpl *m, uint64_t key, uint32_t slot)
{
	node *nd = node_find(m, key);
	uint32_t i;
	if (!nd || nd->ntpl < 2 || nd->tpls[nd->ntpl - 1] == slot)
		return;
	for (i = nd->ntpl - 1; i-- > 0;)
		if (nd->tpls[i] == slot) {
			nd->tpls[i] = nd->tpls[nd->ntpl - 1];
			nd->tpls[nd->ntpl - 1] = slot;
			return;
		}
}

static fa2_err tpl_set_wild(tpl *t, uint32_t k);
static void tpl_absorb(fa2_logtpl *m, uint32_t s_slot, uint32_t a_slot);
static int is_caps_word(const char *t, size_t n);

/* The online half of the sibling merge (see merge_round): when the line and at least
 * MERGE_SIBLINGS - 1 templates of its leaf differ in one and the same position only,
 * the largest of them gets a variable there and absorbs the others. Returns its slot,
 * or NONE (also when out of memory: the line then simply gets a new template). */
static uint32_t online_sibling_merge(fa2_logtpl *m, uint64_t leaf_key, uint32_t nt)
{
	enum { MAXREC = 64 };
	uint32_t rec_slot[MAXREC], rec_pos[MAXREC], nrec = 0, i, r, k, seen = 0;
	node *nd = node_find(m, leaf_key);
	if (!nd)
		return NONE;
	for (i = 0; i < nd->ntpl && nrec < MAXREC && seen < SCAN_CAP; i++) {
		tpl *c = m->slots[nd->tpls[i]];
		uint32_t diff = 0, pos = 0;
		if (c->ntok != nt)
			continue;
		seen++;
		for (k = 0; k < nt && diff < 2; k++)
			if (c->h[k] != m->tok_h[k]) {
				diff++;
				pos = k;
			}
		if (diff == 1 && c->h[pos] != WILD_H && m->tok_h[pos] != WILD_H && !c->kvw[pos] &&
		    kv_key_len(c->text + c->off[pos], c->len[pos]) ==
		            kv_key_len(m->tok_ptr[pos], m->tok_len[pos]) &&
		    memcmp(c->text + c->off[pos], m->tok_ptr[pos],
		           kv_key_len(m->tok_ptr[pos], m->tok_len[pos])) == 0 &&
		    !is_caps_word(c->text + c->off[pos], c->len[pos]) &&
		    !is_caps_word(m->tok_ptr[pos], m->tok_len[pos])) {
			rec_slot[nrec] = nd->tpls[i];
			rec_pos[nrec++] = pos;
		}
	}
	for (r = 0; r < nrec; r++) {
		uint32_t pos = rec_pos[r], count = 0, best = NONE, ctx = 0;
		tpl *b;
		for (i = 0; i < nrec; i++)
			if (rec_pos[i] == pos) {
				count++;
				if (best == NONE || m->slots[rec_slot[i]]->count > m->slots[best]->count)
					best = rec_slot[i];
			}
		if (count + 1 < MERGE_SIBLINGS)
			continue;
		b = m->slots[best];
		for (k = 0; k < nt; k++)
			if (k != pos && b->h[k] != WILD_H && !memmem_wild(b->text + b->off[k], b->len[k]))
				ctx++;
		if (ctx < MERGE_CONTEXT)
			continue;
		if (tpl_set_wild(b, pos) != FA2_OK)
			return NONE;
		for (i = 0; i < nrec; i++)
			if (rec_pos[i] == pos && rec_slot[i] != best)
				tpl_absorb(m, best, rec_slot[i]);
		return best;
	}
	return NONE;
}

fa2_err fa2_logtpl_feed(fa2_logtpl *m, fa2_slice line, int64_t ts_ms, uint64_t line_no,
                        uint32_t *tpl_id)
{
	fa2_logtpl_sev sev;
	uint32_t nt, i, best = NONE;
	int created = 0;
	double best_sim = -1.0;
	node *leaf = NULL;
	uint64_t leaf_key = 0;
	tpl *t;
	fa2_err err = FA2_OK;

	if (tpl_id)
		*tpl_id = 0;
	m->stats.lines++;
	if (line.len > FA2_LOGTPL_MAX_LINE_BYTES)
		line.len = FA2_LOGTPL_MAX_LINE_BYTES;
	while (line.len && (line.ptr[line.len - 1] == '\r' || line.ptr[line.len - 1] == '\n'))
		line.len--;
	nt = tokenize(m, line.ptr, line.len);
	if (m->nnodes + m->cfg.depth + 2 > m->nodemax) {
		/* the tree is full of nodes that evicted templates left behind: rebuild it */
		err = tree_rebuild(m);
		if (err)
			goto cleanup;
	}
	err = descend(m, nt, m->tok_h, m->tok_var, &leaf, &leaf_key);
	if (err)
		goto cleanup;
	if (!leaf) {
		err = FA2_ERR_TOO_LARGE;  /* not even a root node fits */
		goto cleanup;
	}
	scan_list(m, leaf, nt, SCAN_CAP, 0, m->cfg.sim_threshold, &best, &best_sim);
	if ((best == NONE || best_sim < m->cfg.sim_threshold) && nt > 1) {
		/* second chance: the same message under another prefix (a variable word among
		 * the first tokens) must be nearly identical elsewhere */
		node *ln = node_find(m, sfx_key(nt, m->tok_h, m->tok_var));
		uint32_t b2 = NONE;
		double s2 = -1.0;
		double need = m->cfg.sim_threshold > SECOND_SIM ? m->cfg.sim_threshold : SECOND_SIM;
		if (ln)
			scan_list(m, ln, nt, SCAN_CAP, 1, need, &b2, &s2);
		if (b2 != NONE && s2 >= need) {
			tpl *c = m->slots[b2];
			best = b2;
			best_sim = s2;
			/* remember it in this leaf too, so the next such line finds it directly */
			leaf = node_find(m, leaf_key);
			if (c->n_nodes < TPL_NODES && leaf && node_reserve(leaf) == FA2_OK) {
				leaf->tpls[leaf->ntpl++] = b2;
				c->node_keys[c->n_nodes++] = leaf_key;
			}
		}
	}
	if ((best == NONE || best_sim < m->cfg.sim_threshold) && nt > 1) {
		/* enough templates in this leaf that differ from the line in one word only:
		 * that word is a variable after all, merge them now */
		uint32_t b3 = online_sibling_merge(m, leaf_key, nt);
		if (b3 != NONE) {
			best = b3;
			best_sim = 1.0;
		}
	}
	if (best != NONE && best_sim >= m->cfg.sim_threshold) {
		int changed = 0, dchanged, dneed = 0;
		disp_new dn;
		t = m->slots[best];
		for (i = 0; i < nt; i++)
			if (t->h[i] != WILD_H && t->h[i] != m->tok_h[i] &&
			    !(m->tok_h[i] != WILD_H && kv_covers(t, i, m))) {
				changed = 1;
				break;
			}
		dn.text = NULL;
		/* display forms are needed where the template shows neither "<*>" nor the
		 * token as it is in the line */
		for (i = 0; i < nt; i++) {
			const char *a = t->dtext + t->doff[i];
			size_t an = t->dlen[i];
			/* a plain token equal to the template's constant is shown as it is */
			if (!m->tok_special[i] && t->h[i] == m->tok_h[i] && t->h[i] != WILD_H)
				continue;
			if (disp_is_wild(a, an))
				continue;
			if (disp_matches(a, an, m->tok_raw[i], m->tok_raw_len[i])) {
				/* covered as it is: disp_cover sees the template's own token (these
				 * pointers are not used after disp_commit) */
				m->tok_disp[i] = a;
				m->tok_disp_len[i] = (uint32_t)an;
				continue;
			}
			tok_show(m, i);
			if (an != m->tok_disp_len[i] || memcmp(a, m->tok_disp[i], an) != 0)
				dneed = 1;
		}
		dchanged = dneed ? disp_cover(m, t, m->tok_disp, m->tok_disp_len, &dn) : 0;
		if (dchanged < 0) {
			err = FA2_ERR_NOMEM;
			goto cleanup;
		}
		if (changed) {
			err = tpl_generalise(m, t);
			if (err) {
				fa2_free(dn.text);
				goto cleanup;
			}
		}
		if (dchanged)
			disp_commit(t, &dn);
		lru_unlink(m, best);
		lru_push_front(m, best);
		move_to_end(m, leaf_key, best);
	} else {
		err = tpl_create(m, nt, leaf_key, &best);
		if (err)
			goto cleanup;
		t = m->slots[best];
		created = 1;
	}
	/* severity from the words of the line (masked parts such as paths do not count): a
	 * new template reads every word, a known one only the words at its variables (the
	 * rest is already in t->sev) */
	sev = FA2_LOGTPL_SEV_NONE;
	for (i = 0; i < nt; i++) {
		fa2_logtpl_sev s1;
		if (m->tok_var[i] == 2 || !(created || t->h[i] == WILD_H))
			continue;
		/* a token masked in part (a JSON line without spaces is one token) counts by its
		 * constant words: "level":"ERROR" does, the masked "<*>" parts do not */
		s1 = m->tok_var[i] ? scan_sev(m->tok_ptr[i], m->tok_len[i])
		                   : scan_sev(m->tok_raw[i], m->tok_raw_len[i]);
		if (s1 > sev)
			sev = s1;
	}
	tpl_observe(m, t, line, ts_ms, line_no, sev);
	if (tpl_id)
		*tpl_id = t->id;
cleanup:
	return err;
}

/* ---------------------------------------------------------------- merge pass */

uint32_t fa2_logtpl_resolve(const fa2_logtpl *m, uint32_t id)
{
	if (id == 0 || id >= m->nids)
		return 0;
	while (m->ids[id].parent)
		id = m->ids[id].parent;
	return id;
}

typedef struct sib_key {
	uint64_t key;   /* hash of the token count and every token but one or two */
	uint32_t slot;
	uint16_t p1, p2; /* the positions left out (p2 == p1 for one) */
} sib_key;

/* Order of sib_key: key, then p1, p2, slot (total: no two keys are equal). */
static int sib_less(const sib_key *x, const sib_key *y)
{
	if (x->key != y->key)
		return x->key < y->key;
	if (x->p1 != y->p1)
		return x->p1 < y->p1;
	if (x->p2 != y->p2)
		return x->p2 < y->p2;
	return x->slot < y->slot;
}

/* Sorts a[0..n) by sib_less; tmp holds n keys. A merge sort with the comparison
 * inlined: qsort through a function pointer was most of finish's time with tens of
 * thousands of templates. The order is total, so the result is the one qsort gave. */
static void sib_sort(sib_key *a, sib_key *tmp, size_t n)
{
	size_t i, j, k, mid;
	if (n <= 16) {
		for (i = 1; i < n; i++) {
			sib_key v = a[i];
			for (j = i; j > 0 && sib_less(&v, &a[j - 1]); j--)
				a[j] = a[j - 1];
			a[j] = v;
		}
		return;
	}
	mid = n / 2;
	sib_sort(a, tmp, mid);
	sib_sort(a + mid, tmp, n - mid);
	if (!sib_less(&a[mid], &a[mid - 1]))
		return;  /* already in order */
	memcpy(tmp, a, mid * sizeof(*a));
	for (i = 0, j = mid, k = 0; i < mid && j < n; k++)
		a[k] = sib_less(&a[j], &tmp[i]) ? a[j++] : tmp[i++];
	while (i < mid)
		a[k++] = tmp[i++];
}

/* Sets position k of t to "<*>" (text rebuilt; t unchanged on failure). */
static fa2_err tpl_set_wild(tpl *t, uint32_t k)
{
	size_t need = t->text_len + 3, o = 0, key;
	uint32_t i;
	char *nt;
	uint32_t noff[FA2_LOGTPL_MAX_TOKENS], nlen[FA2_LOGTPL_MAX_TOKENS];
	if (t->h[k] == WILD_H || t->kvw[k])
		return FA2_OK;
	/* a key=value keeps its key (the siblings share it: sib_hash) */
	key = kv_key_len(t->text + t->off[k], t->len[k]);
	nt = fa2_malloc(need + 1);
	if (!nt)
		return FA2_ERR_NOMEM;
	for (i = 0; i < t->ntok; i++) {
		if (i)
			nt[o++] = ' ';
		noff[i] = (uint32_t)o;
		if (i == k) {
			memcpy(nt + o, t->text + t->off[i], key);
			memcpy(nt + o + key, "<*>", 3);
			nlen[i] = (uint32_t)key + 3;
		} else {
			memcpy(nt + o, t->text + t->off[i], t->len[i]);
			nlen[i] = t->len[i];
		}
		o += nlen[i];
	}
	nt[o] = '\0';
	memcpy(t->off, noff, t->ntok * sizeof(uint32_t));
	memcpy(t->len, nlen, t->ntok * sizeof(uint32_t));
	if (key) {
		t->h[k] = hash_bytes(nt + noff[k], nlen[k]);
		t->kvw[k] = 1;
	} else {
		t->h[k] = WILD_H;
		t->kvw[k] = 0;
		t->nconst--;
	}
	fa2_free(t->text);
	t->text = nt;
	t->text_len = o;
	return FA2_OK;
}

/* Folds template a into s: counts, times, lines, severity, examples; a's id then
 * resolves to s's and a is dropped. */
static void tpl_absorb(fa2_logtpl *m, uint32_t s_slot, uint32_t a_slot)
{
	tpl *s = m->slots[s_slot], *a = m->slots[a_slot];
	uint32_t i;
	s->count += a->count;
	if (a->first_ms != FA2_LOGTPL_NO_TIME &&
	    (s->first_ms == FA2_LOGTPL_NO_TIME || a->first_ms < s->first_ms))
		s->first_ms = a->first_ms;
	if (a->last_ms != FA2_LOGTPL_NO_TIME &&
	    (s->last_ms == FA2_LOGTPL_NO_TIME || a->last_ms > s->last_ms))
		s->last_ms = a->last_ms;
	if (a->first_line && (!s->first_line || a->first_line < s->first_line))
		s->first_line = a->first_line;
	if (a->last_line > s->last_line)
		s->last_line = a->last_line;
	if (a->sev > s->sev)
		s->sev = a->sev;
	for (i = 0; i < a->n_ex && s->n_ex < m->cfg.examples; i++) {
		s->ex[s->n_ex] = a->ex[i];
		s->ex_len[s->n_ex++] = a->ex_len[i];
		a->ex[i] = NULL;
	}
	{
		/* the survivor's display covers the absorbed template's (best effort: out of
		 * memory leaves it as it was, still a true text for most of the group) */
		const char *bp[FA2_LOGTPL_MAX_TOKENS];
		uint32_t bl[FA2_LOGTPL_MAX_TOKENS];
		disp_new dn;
		if (a->ntok == s->ntok) {
			disp_tokens(a, bp, bl);
			if (disp_cover(m, s, bp, bl, &dn) > 0)
				disp_commit(s, &dn);
		}
	}
	m->ids[a->id].parent = s->id;
	tpl_drop(m, a_slot);
	m->stats.merged++;
}

/* An upper-case identifier (NEW, RUNNING, CONTAINER_REMOTE_LAUNCH), punctuation around
 * it allowed: an enum value, never turned into a variable by sibling merges. */
static int is_caps_word(const char *t, size_t n)
{
	const unsigned char *s = (const unsigned char *)t;
	size_t b = 0, e = n, i, letters = 0;
	while (b < e && is_open_punct(s[b]))
		b++;
	while (e > b && is_close_punct(s[e - 1]))
		e--;
	for (i = b; i < e; i++) {
		if (s[i] >= 'A' && s[i] <= 'Z')
			letters++;
		else if (s[i] != '_' && !is_digit(s[i]))
			return 0;
	}
	return letters >= 2;
}

/* Hash of t's tokens with positions p1 and p2 left out. */
static uint64_t sib_hash(const tpl *t, uint32_t p1, uint32_t p2)
{
	uint64_t h = mix(0x7369626c696e67ull, t->ntok);
	uint32_t k;
	for (k = 0; k < t->ntok; k++) {
		if (k == p1 || k == p2) {
			/* a key=value left out still tells its key */
			size_t key = kv_key_len(t->text + t->off[k], t->len[k]);
			h = mix(h, key ? hash_bytes(t->text + t->off[k], key) : 0x2a2a2aull + k);
		} else {
			h = mix(h, t->h[k]);
		}
	}
	return h;
}

/* One merge round. Templates of equal token count that differ only in one constant
 * position (two when pairs), when at least MERGE_SIBLINGS of them do and enough fixed
 * context remains, are one template with a variable there: many values make a
 * variable, two or three values are distinct events. *merged counts absorbed ones.
 * A template changed in this round takes no further part in it. */
static fa2_err merge_round(fa2_logtpl *m, int pairs, size_t *merged)
{
	sib_key *keys = NULL, *tmp = NULL;
	unsigned char *touched = NULL;
	size_t nkeys = 0, cap = 0, i, j;
	uint32_t s, k, q;
	fa2_err err = FA2_OK;

	for (s = 0; s < m->nslots; s++) {
		tpl *t = m->slots[s];
		if (t)
			cap += pairs ? (size_t)t->nconst * (t->nconst - (t->nconst > 0)) / 2 : t->nconst;
	}
	if (cap == 0 || cap > MERGE_MAX_KEYS)
		goto cleanup;
	keys = fa2_malloc(cap * sizeof(*keys));
	touched = fa2_calloc(m->nslots ? m->nslots : 1, 1);
	if (!keys || !touched) {
		err = FA2_ERR_NOMEM;
		goto cleanup;
	}
	for (s = 0; s < m->nslots; s++) {
		tpl *t = m->slots[s];
		if (!t || t->ntok < 2)
			continue;
		for (k = 0; k < t->ntok; k++) {
			if (t->h[k] == WILD_H || is_caps_word(t->text + t->off[k], t->len[k]))
				continue;
			if (!pairs) {
				keys[nkeys].key = sib_hash(t, k, k);
				keys[nkeys].slot = s;
				keys[nkeys].p1 = keys[nkeys].p2 = (uint16_t)k;
				nkeys++;
				continue;
			}
			for (q = k + 1; q < t->ntok && nkeys < cap; q++) {
				if (t->h[q] == WILD_H || is_caps_word(t->text + t->off[q], t->len[q]))
					continue;
				keys[nkeys].key = sib_hash(t, k, q);
				keys[nkeys].slot = s;
				keys[nkeys].p1 = (uint16_t)k;
				keys[nkeys].p2 = (uint16_t)q;
				nkeys++;
			}
		}
	}
	tmp = fa2_malloc((nkeys / 2 + 1) * sizeof(*tmp));
	if (!tmp) {
		err = FA2_ERR_NOMEM;
		goto cleanup;
	}
	sib_sort(keys, tmp, nkeys);
	for (i = 0; i < nkeys; i = j) {
		uint32_t live = 0, best = NONE, ctx = 0, p1 = keys[i].p1, p2 = keys[i].p2;
		tpl *b;
		for (j = i; j < nkeys && keys[j].key == keys[i].key && keys[j].p1 == p1 && keys[j].p2 == p2; j++) {
			tpl *t = m->slots[keys[j].slot];
			if (!t || touched[keys[j].slot])
				continue;
			live++;
			if (best == NONE || t->count > m->slots[best]->count)
				best = keys[j].slot;
		}
		if (live < (pairs ? MERGE_PAIR_SIBLINGS : MERGE_SIBLINGS) || best == NONE)
			continue;
		/* enough fixed context: constants without a wildcard elsewhere */
		b = m->slots[best];
		for (q = 0; q < b->ntok; q++)
			if (q != p1 && q != p2 && b->h[q] != WILD_H &&
			    !memmem_wild(b->text + b->off[q], b->len[q]))
				ctx++;
		if (ctx < MERGE_CONTEXT)
			continue;
		err = tpl_set_wild(b, p1);
		if (!err)
			err = tpl_set_wild(b, p2);
		if (err)
			goto cleanup;
		touched[best] = 1;
		for (q = (uint32_t)i; q < j; q++) {
			if (!m->slots[keys[q].slot] || keys[q].slot == best || touched[keys[q].slot])
				continue;
			tpl_absorb(m, best, keys[q].slot);
			(*merged)++;
		}
	}
cleanup:
	fa2_free(keys);
	fa2_free(tmp);
	fa2_free(touched);
	return err;
}

typedef struct skel_key {
	uint64_t key;    /* hash of the constant skeleton */
	uint64_t count;
	uint32_t slot, ntok;
} skel_key;

static int cmp_skel(const void *a, const void *b)
{
	const skel_key *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->ntok != y->ntok)
		return x->ntok < y->ntok ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->slot < y->slot ? -1 : (x->slot > y->slot);
}

/* A token with a wildcard that still names something: a letter outside its wildcards
 * ("blk_<*>", "Foo.java:<*>)"), unlike "(<*>" or "<*>,". */
static int wild_has_letter(const char *p, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		if (p[i] == '<' && i + 2 < n && p[i + 1] == '*' && p[i + 2] == '>')
			i += 2;
		else if (is_alpha((unsigned char)p[i]))
			return 1;
	}
	return 0;
}

/* The constant skeleton of t, in order: its tokens without a wildcard and those with a
 * wildcard that still name something (a run of equal ones counts once: a list), the keys
 * of its "key=<*>" tokens. Pure values ("<*>", "(<*>", "<*>,") are left out. *n gets how
 * many tokens went in without a wildcard (keys included). */
static uint64_t skel_hash(const tpl *t, uint32_t *n, uint32_t *pos, uint32_t *npos)
{
	uint64_t h = mix(0x736b656c65746full, 0), prev = 0;
	uint32_t k;
	*n = 0;
	*npos = 0;
	for (k = 0; k < t->ntok; k++) {
		const char *p = t->text + t->off[k];
		size_t len = t->len[k];
		if (t->h[k] == WILD_H)
			continue;
		if (t->kvw[k]) {
			len -= 3;
		} else if (memmem_wild(p, len)) {
			if (!wild_has_letter(p, len) || t->h[k] == prev)
				continue;
			prev = t->h[k];
			h = mix(h, t->h[k]);
			pos[(*npos)++] = k;
			continue;
		}
		prev = 0;
		h = mix(h, hash_bytes(p, len));
		pos[(*npos)++] = k;
		(*n)++;
	}
	return h;
}

/* Before s absorbs a (equal skeletons, other token counts): s's display covers a's,
 * aligned on the skeleton's elements. Between two elements, tokens are covered one by
 * one when both have as many there, else s's become "<*>". Best effort. */
static void disp_cover_skel(fa2_logtpl *m, tpl *s, const tpl *a)
{
	const char *bp[FA2_LOGTPL_MAX_TOKENS];
	uint32_t bl[FA2_LOGTPL_MAX_TOKENS], ps[FA2_LOGTPL_MAX_TOKENS + 1], pa[FA2_LOGTPL_MAX_TOKENS + 1];
	uint32_t ns, na, nc, e, k, gs = 0, ga = 0;
	disp_new dn;
	(void)skel_hash(s, &nc, ps, &ns);
	(void)skel_hash(a, &nc, pa, &na);
	if (ns != na)
		return;
	ps[ns] = s->ntok;
	pa[na] = a->ntok;
	disp_tokens(s, bp, bl);
	for (e = 0; e <= ns; e++) {
		/* the gap before element e: s's tokens [gs, ps[e]), a's [ga, pa[e]) */
		for (k = gs; k < ps[e]; k++) {
			if (ps[e] - gs == pa[e] - ga) {
				bp[k] = a->dtext + a->doff[ga + (k - gs)];
				bl[k] = a->dlen[ga + (k - gs)];
			} else {
				bp[k] = "<*>";
				bl[k] = 3;
			}
		}
		if (e == ns)
			break;
		bp[ps[e]] = a->dtext + a->doff[pa[e]];
		bl[ps[e]] = a->dlen[pa[e]];
		/* a run of equal list tokens belongs to its element */
		for (gs = ps[e] + 1; gs < ps[e + 1] && s->h[gs] == s->h[ps[e]]; gs++)
			;
		for (ga = pa[e] + 1; ga < pa[e + 1] && a->h[ga] == a->h[pa[e]]; ga++)
			;
	}
	if (disp_cover(m, s, bp, bl, &dn) > 0)
		disp_commit(s, &dn);
}

/* Templates whose constant skeletons are equal (at least MERGE_CONTEXT constants) differ
 * in their variable parts only: in how many tokens a value takes ("1190 bytes (1.16 KB)
 * sent" ~ "0 bytes sent"), in list lengths ("delete blk_1 blk_2" ~ "delete blk_3"), in
 * the shape of a value. They are one template: the shortest (then the most frequent)
 * absorbs the others. *merged counts absorbed ones. */
static fa2_err merge_lengths(fa2_logtpl *m, size_t *merged)
{
	skel_key *keys = NULL;
	size_t n = 0, i, j;
	uint32_t s, pos[FA2_LOGTPL_MAX_TOKENS];
	fa2_err err = FA2_OK;
	if (m->stats.live < 2)
		return FA2_OK;
	keys = fa2_malloc(m->stats.live * sizeof(*keys));
	if (!keys)
		return FA2_ERR_NOMEM;
	for (s = 0; s < m->nslots; s++) {
		tpl *t = m->slots[s];
		uint32_t nc, np;
		if (!t)
			continue;
		keys[n].key = skel_hash(t, &nc, pos, &np);
		if (nc < MERGE_CONTEXT)
			continue;
		keys[n].count = t->count;
		keys[n].slot = s;
		keys[n].ntok = t->ntok;
		n++;
	}
	qsort(keys, n, sizeof(*keys), cmp_skel);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && keys[j].key == keys[i].key; j++) {
			if (keys[j].ntok != keys[i].ntok)
				disp_cover_skel(m, m->slots[keys[i].slot], m->slots[keys[j].slot]);
			tpl_absorb(m, keys[i].slot, keys[j].slot);
			(*merged)++;
		}
	}
	fa2_free(keys);
	return err;
}

fa2_err fa2_logtpl_finish(fa2_logtpl *m)
{
	size_t merged, round;
	fa2_err err = FA2_OK;
	for (round = 0; round < MERGE_ROUNDS; round++) {
		merged = 0;
		err = merge_round(m, 0, &merged);
		if (!err && merged == 0)
			err = merge_round(m, 1, &merged);
		if (err || merged == 0)
			break;
	}
	if (!err) {
		merged = 0;
		err = merge_lengths(m, &merged);
	}
	return err;
}

/* ---------------------------------------------------------------- queries */

static void fill_info(const fa2_logtpl *m, const tpl *t, fa2_logtpl_info *out)
{
	uint32_t i;
	(void)m;
	memset(out, 0, sizeof(*out));
	out->id = t->id;
	out->text = fa2_slice_make(t->dtext, t->dtext_len);
	out->count = t->count;
	out->first_ms = t->first_ms;
	out->last_ms = t->last_ms;
	out->first_line = t->first_line;
	out->last_line = t->last_line;
	out->severity = t->sev;
	out->n_examples = t->n_ex;
	for (i = 0; i < t->n_ex; i++)
		out->examples[i] = fa2_slice_make(t->ex[i], t->ex_len[i]);
}

fa2_err fa2_logtpl_get(const fa2_logtpl *m, uint32_t id, fa2_logtpl_info *out)
{
	uint32_t r = fa2_logtpl_resolve(m, id);
	if (!r || m->ids[r].slot == NONE)
		return FA2_ERR_NOT_FOUND;
	fill_info(m, m->slots[m->ids[r].slot], out);
	return FA2_OK;
}

int fa2_logtpl_next(const fa2_logtpl *m, size_t *cursor, fa2_logtpl_info *out)
{
	size_t id = *cursor ? *cursor : 1;
	for (; id < m->nids; id++) {
		if (m->ids[id].slot != NONE && !m->ids[id].parent) {
			fill_info(m, m->slots[m->ids[id].slot], out);
			*cursor = id + 1;
			return 1;
		}
	}
	*cursor = id;
	return 0;
}

void fa2_logtpl_stats_get(const fa2_logtpl *m, fa2_logtpl_stats *out)
{
	*out = m->stats;
}
