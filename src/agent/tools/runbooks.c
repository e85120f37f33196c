/* Runbooks: loading and BM25 search (see runbooks.h). */
#include "agent/tools/runbooks.h"

#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/file.h"
#include "base/log.h"

#define KB_MAX_TERMS     32
#define KB_TERM_BYTES    64
#define KB_PASSAGE_BYTES 1200
#define KB_MAX_PASSAGES  5000
#define KB_TEXT_MAX      1500

typedef struct passage {
	size_t doc, start, len;
	unsigned ntok;
	unsigned tf[KB_MAX_TERMS];
	double score;
} passage;

static size_t utf8_len(unsigned char c)
{
	return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

/* Next term of s[*pos..len) into tok (NUL-terminated); 0 at the end. *prev_wide tracks
 * whether the previous character was non-ASCII (for bigrams). */
static size_t next_term(const char *s, size_t len, size_t *pos, int *prev_wide, char *tok, size_t cap)
{
	while (*pos < len) {
		unsigned char c = (unsigned char)s[*pos];
		if (c < 0x80) {
			size_t n = 0;
			*prev_wide = 0;
			if (!isalnum(c)) {
				(*pos)++;
				continue;
			}
			while (*pos < len && (unsigned char)s[*pos] < 0x80 && isalnum((unsigned char)s[*pos])) {
				if (n + 1 < cap)
					tok[n++] = (char)tolower((unsigned char)s[*pos]);
				(*pos)++;
			}
			tok[n] = '\0';
			if (n >= 2)
				return n;
			continue;
		} else {
			size_t l1 = utf8_len(c), l2, n;
			int was = *prev_wide;
			if (*pos + l1 > len) {
				*pos = len;
				return 0;
			}
			*prev_wide = 1;
			n = l1;
			if (*pos + l1 < len && (unsigned char)s[*pos + l1] >= 0x80) {
				l2 = utf8_len((unsigned char)s[*pos + l1]);
				if (*pos + l1 + l2 <= len)
					n = l1 + l2;
			} else if (was) {
				*pos += l1; /* end of a run: covered by the last bigram */
				continue;
			}
			if (n + 1 > cap) {
				*pos += l1;
				continue;
			}
			memcpy(tok, s + *pos, n);
			tok[n] = '\0';
			*pos += l1;
			return n;
		}
	}
	return 0;
}

/* Cuts every document into passages. */
static size_t make_passages(const fa2_runbooks *s, passage *ps)
{
	size_t n = 0, d;
	for (d = 0; d < s->n_docs; d++) {
		const char *t = s->docs[d].text;
		size_t len = s->docs[d].len, i = 0, start = 0;
		while (i < len && n < KB_MAX_PASSAGES) {
			size_t eol = i;
			int heading, blank;
			while (eol < len && t[eol] != '\n')
				eol++;
			heading = t[i] == '#';
			blank = eol == i || (eol == i + 1 && t[i] == '\r');
			if (i > start && (heading || (blank && i - start >= KB_PASSAGE_BYTES / 2) ||
					  eol - start > KB_PASSAGE_BYTES)) {
				memset(&ps[n], 0, sizeof ps[n]);
				ps[n].doc = d;
				ps[n].start = start;
				ps[n].len = i - start;
				n++;
				start = i;
			}
			i = eol < len ? eol + 1 : len;
		}
		if (len > start && n < KB_MAX_PASSAGES) {
			memset(&ps[n], 0, sizeof ps[n]);
			ps[n].doc = d;
			ps[n].start = start;
			ps[n].len = len - start;
			n++;
		}
	}
	return n;
}

static int score_cmp(const void *a, const void *b)
{
	const passage *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->doc != y->doc)
		return x->doc < y->doc ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

static int doc_cmp(const void *a, const void *b)
{
	return strcmp(((const fa2_runbook_doc *)a)->path, ((const fa2_runbook_doc *)b)->path);
}

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n > m && strcmp(s + n - m, suf) == 0;
}

void fa2_runbooks_free(fa2_runbooks *rb)
{
	size_t i;
	if (!rb)
		return;
	for (i = 0; i < rb->n_docs; i++) {
		fa2_free(rb->docs[i].path);
		fa2_free(rb->docs[i].text);
	}
	fa2_free(rb->docs);
	fa2_free(rb->dir);
	fa2_free(rb);
}

fa2_err fa2_runbooks_load(const char *dir, const char *prefix, fa2_runbooks **out, char *msg, size_t cap)
{
	fa2_runbooks *rb = NULL;
	char file[4352];
	DIR *dh = NULL;
	struct dirent *de;
	struct stat st;
	fa2_err e = FA2_ERR_NOMEM;

	*out = NULL;
	if (cap)
		msg[0] = '\0';
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(msg, cap, "%s: not a directory", dir);
		return FA2_ERR_NOT_FOUND;
	}
	rb = fa2_calloc(1, sizeof *rb);
	if (!rb || !(rb->dir = fa2_strdup(dir)) || !(rb->docs = fa2_calloc(FA2_RUNBOOKS_MAX_FILES, sizeof *rb->docs)))
		goto cleanup;
	dh = opendir(dir);
	if (!dh) {
		snprintf(msg, cap, "%s: cannot open the directory", dir);
		e = FA2_ERR_IO;
		goto cleanup;
	}
	e = FA2_OK;
	while (!e && (de = readdir(dh)) != NULL) {
		fa2_buf b;
		fa2_runbook_doc *d;
		int n;
		if (de->d_name[0] == '.' ||
		    !(has_suffix(de->d_name, ".md") || has_suffix(de->d_name, ".txt") || has_suffix(de->d_name, ".markdown")))
			continue;
		if (rb->n_docs >= FA2_RUNBOOKS_MAX_FILES) {
			FA2_LOGW("kb", "%s: more than %u runbooks; the rest are ignored", dir, FA2_RUNBOOKS_MAX_FILES);
			break;
		}
		n = snprintf(file, sizeof file, "%s/%s", dir, de->d_name);
		if (n < 0 || (size_t)n >= sizeof file || stat(file, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		d = &rb->docs[rb->n_docs];
		fa2_buf_init(&b, FA2_RUNBOOKS_MAX_FILE_BYTES);
		if (fa2_buf_append_cstr(&b, prefix ? prefix : "") || fa2_buf_append_cstr(&b, de->d_name) ||
		    !(d->path = fa2_buf_steal(&b, NULL))) {
			fa2_buf_cleanup(&b);
			e = FA2_ERR_NOMEM;
			break;
		}
		fa2_buf_cleanup(&b);
		fa2_buf_init(&b, FA2_RUNBOOKS_MAX_FILE_BYTES);
		e = fa2_file_read_all(file, &b);
		if (e) {
			fa2_buf_cleanup(&b);
			snprintf(msg, cap, "%s: %s", file, fa2_err_str(e));
			fa2_free(d->path);
			d->path = NULL;
			break;
		}
		d->len = b.len;
		d->text = b.len ? fa2_buf_steal(&b, NULL) : fa2_strdup("");
		fa2_buf_cleanup(&b);
		if (!d->text) {
			fa2_free(d->path);
			d->path = NULL;
			e = FA2_ERR_NOMEM;
			break;
		}
		rb->n_docs++;
	}
	if (!e) {
		qsort(rb->docs, rb->n_docs, sizeof *rb->docs, doc_cmp);
		*out = rb;
		rb = NULL;
	}
cleanup:
	if (dh)
		closedir(dh);
	fa2_runbooks_free(rb);
	return e;
}

fa2_err fa2_runbooks_search(const fa2_runbooks *s, const char *q, size_t want, fa2_buf *out, int *shown)
{
	char terms[KB_MAX_TERMS][KB_TERM_BYTES], tok[KB_TERM_BYTES];
	size_t n_terms = 0, n_ps, i, k, pos = 0, done = 0;
	unsigned df[KB_MAX_TERMS];
	passage *ps = NULL;
	double avg = 0;
	int wide = 0;

	while (n_terms < KB_MAX_TERMS && next_term(q, strlen(q), &pos, &wide, tok, sizeof tok)) {
		for (k = 0; k < n_terms && strcmp(terms[k], tok) != 0; k++)
			;
		if (k == n_terms)
			memcpy(terms[n_terms++], tok, sizeof tok);
	}
	ps = fa2_calloc(KB_MAX_PASSAGES, sizeof *ps);
	if (!ps)
		return FA2_ERR_NOMEM;
	n_ps = make_passages(s, ps);
	memset(df, 0, sizeof df);
	for (i = 0; i < n_ps; i++) {
		const char *t = s->docs[ps[i].doc].text + ps[i].start;
		pos = 0;
		wide = 0;
		while (next_term(t, ps[i].len, &pos, &wide, tok, sizeof tok)) {
			ps[i].ntok++;
			for (k = 0; k < n_terms; k++)
				if (strcmp(terms[k], tok) == 0)
					ps[i].tf[k]++;
		}
		for (k = 0; k < n_terms; k++)
			df[k] += ps[i].tf[k] ? 1u : 0u;
		avg += ps[i].ntok;
	}
	avg = n_ps ? avg / (double)n_ps : 1.0;
	if (avg <= 0)
		avg = 1.0;
	for (i = 0; i < n_ps; i++) {
		double sc = 0;
		for (k = 0; k < n_terms; k++) {
			double tf = ps[i].tf[k], idf;
			if (!tf)
				continue;
			idf = log(1.0 + ((double)n_ps - df[k] + 0.5) / (df[k] + 0.5));
			sc += idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * ps[i].ntok / avg));
		}
		ps[i].score = sc;
	}
	qsort(ps, n_ps, sizeof *ps, score_cmp);
	for (i = 0; i < n_ps && done < want && ps[i].score > 0; i++) {
		const char *t = s->docs[ps[i].doc].text + ps[i].start;
		size_t len = ps[i].len;
		size_t cut;
		while (len > 0 && (t[len - 1] == '\n' || t[len - 1] == '\r'))
			len--;
		cut = len > KB_TEXT_MAX ? KB_TEXT_MAX : len;
		while (cut > 0 && cut < len && ((unsigned char)t[cut] & 0xC0) == 0x80)
			cut--; /* not inside a UTF-8 character */
		(void)fa2_buf_appendf(out, "\n%d. score %.3f  %s\n%.*s%s\n", ++*shown, ps[i].score, s->docs[ps[i].doc].path,
				      (int)cut, t, cut < len ? " ..." : "");
		done++;
	}
	fa2_free(ps);
	return FA2_OK;
}
