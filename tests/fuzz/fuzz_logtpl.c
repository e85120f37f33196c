/* libFuzzer target: the log template miner on arbitrary lines. The input is split at
 * LF; the first byte picks a small template cap (so eviction runs) and the depth. Every
 * successfully fed line must have a live template whose text is no longer than the
 * masked line can be and, right after the feed, covers the line: when the line has as
 * many white-space separated tokens as the template, each token is an instance of the
 * template's token ("<*>" standing for any bytes). The masking predicate must never
 * crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/slice.h"
#include "triage/logtpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

/* (s, sn) is an instance of the pattern (p, pn): "<*>" stands for any bytes. */
static int glob(const char *p, size_t pn, const char *s, size_t sn)
{
	size_t i = 0, j = 0, si = (size_t)-1, sj = 0;
	while (j < sn) {
		if (i + 3 <= pn && p[i] == '<' && p[i + 1] == '*' && p[i + 2] == '>') {
			si = i;
			sj = j;
			i += 3;
		} else if (i < pn && p[i] == s[j]) {
			i++;
			j++;
		} else if (si != (size_t)-1) {
			i = si + 3;
			j = ++sj;
		} else {
			return 0;
		}
	}
	while (i + 3 <= pn && p[i] == '<' && p[i + 1] == '*' && p[i + 2] == '>')
		i += 3;
	return i == pn;
}

/* Splits (p, n) at white space into at most cap tokens; returns how many (cap + 1 when
 * there are more). */
static size_t split(const char *p, size_t n, const char **tp, size_t *tl, size_t cap)
{
	size_t i = 0, k = 0;
	while (i < n) {
		size_t b;
		while (i < n && is_space(p[i]))
			i++;
		if (i >= n)
			break;
		b = i;
		while (i < n && !is_space(p[i]))
			i++;
		if (k == cap)
			return cap + 1;
		tp[k] = p + b;
		tl[k++] = i - b;
	}
	return k;
}

/* The template text covers the line (see the top comment); 1 when it does or when the
 * token counts differ. */
static int covers(fa2_slice tpl, fa2_slice line)
{
	enum { CAP = 64 };
	const char *a[CAP], *b[CAP];
	size_t al[CAP], bl[CAP], na, nb, k;
	na = split(tpl.ptr, tpl.len, a, al, CAP);
	nb = split(line.ptr, line.len, b, bl, CAP);
	if (na != nb || na > CAP)
		return 1;
	for (k = 0; k < na; k++)
		if (!glob(a[k], al[k], b[k], bl[k]))
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fa2_logtpl_config cfg;
	fa2_logtpl *m = NULL;
	fa2_logtpl_info info;
	const char *p = (const char *)data;
	size_t start = 0, i, cur = 0, n = 0;
	uint64_t line_no = 0;

	fa2_logtpl_config_default(&cfg);
	if (size > 0) {
		cfg.max_templates = 1 + (data[0] & 7);
		cfg.depth = 3 + ((data[0] >> 3) & 3);
		cfg.max_children = 2 + ((data[0] >> 5) & 3);
		p++;
		size--;
	}
	if (fa2_logtpl_new(&cfg, &m) != FA2_OK)
		abort();
	for (i = 0; i <= size; i++) {
		if (i == size || p[i] == '\n') {
			fa2_slice line = fa2_slice_make(p + start, i - start);
			uint32_t id = 0;
			line_no++;
			if (fa2_logtpl_feed(m, line, (int64_t)line_no, line_no, &id) != FA2_OK)
				abort();
			if (fa2_logtpl_get(m, id, &info) != FA2_OK)
				abort();
			if (info.text.len > 3 * FA2_LOGTPL_MAX_LINE_BYTES + 3 * FA2_LOGTPL_MAX_TOKENS)
				abort();
			if (info.count == 0 || info.n_examples > cfg.examples)
				abort();
			/* a quoted key="a b" value is one token to the miner: skip such lines */
			if (line.len < 1024 && !memchr(line.ptr, '"', line.len) && !covers(info.text, line))
				abort();
			(void)fa2_logtpl_token_is_variable(line);
			(void)fa2_logtpl_guess_severity(line);
			start = i + 1;
		}
	}
	if (fa2_logtpl_finish(m) != FA2_OK)
		abort();
	while (fa2_logtpl_next(m, &cur, &info)) {
		if (memchr(info.text.ptr, '\n', info.text.len))
			abort();
		n++;
	}
	if (n > cfg.max_templates)
		abort();
	fa2_logtpl_free(m);
	return 0;
}
