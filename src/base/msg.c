/* The message catalog: see msg.h. */
#include "base/msg.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/limits.h"
#include "base/log.h"

/* One loaded override language: entries sorted by key, strings in one owned block. */
struct msg_table {
	struct fa2_msg_entry *e;
	size_t n;
	char *block;
};

struct msg_override {
	char *dir;
	struct msg_table lang[FA2_MSG_NLANG];
	struct msg_override *prev; /* kept alive: texts handed out must not dangle */
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct msg_override *g_over;

static const struct fa2_msg_entry *builtin_table(int lang, size_t *n)
{
	static size_t counts[FA2_MSG_NLANG] = { (size_t)-1, (size_t)-1 };
	const struct fa2_msg_entry *t = lang == FA2_MSG_JA ? fa2_msg_builtin_ja : fa2_msg_builtin_en;
	size_t *c = &counts[lang == FA2_MSG_JA ? 1 : 0];
	if (*c == (size_t)-1) { /* benign race: every thread computes the same count */
		size_t k = 0;
		while (t[k].key)
			k++;
		*c = k;
	}
	*n = *c;
	return t;
}

static const char *find(const struct fa2_msg_entry *t, size_t n, const char *key)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(key, t[mid].key);
		if (c == 0)
			return t[mid].text;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const char *fa2_msg_builtin(int lang, const char *key)
{
	size_t n;
	const struct fa2_msg_entry *t = builtin_table(lang, &n);
	return key ? find(t, n, key) : NULL;
}

const char *fa2_msg(int lang, const char *key)
{
	const char *s = NULL;
	int l = lang == FA2_MSG_JA ? FA2_MSG_JA : FA2_MSG_EN;
	if (!key)
		return "";
	pthread_mutex_lock(&g_lock);
	if (g_over)
		s = find(g_over->lang[l].e, g_over->lang[l].n, key);
	pthread_mutex_unlock(&g_lock);
	if (!s)
		s = fa2_msg_builtin(l, key);
	if (!s && l != FA2_MSG_EN)
		s = fa2_msg_builtin(FA2_MSG_EN, key);
	if (!s) {
		FA2_LOGW("msg", "message key %.80s is not in the catalog", key);
		s = key;
	}
	return s;
}

int fa2_msg_placeholders(const char *text, char *out, size_t out_cap)
{
	size_t o = 0;
	const char *p = text;
	if (!out_cap)
		return 0;
	while ((p = strchr(p, '%')) != NULL) {
		const char *q = p + 1;
		if (*q == '%') {
			p = q + 1;
			continue;
		}
		while (*q && strchr("-+ #0123456789.*", *q))
			q++;
		while (*q && strchr("hljztL", *q))
			q++;
		if (*q)
			q++; /* the conversion letter */
		if (o + (size_t)(q - p) + 1 > out_cap)
			return 0;
		memcpy(out + o, p, (size_t)(q - p));
		o += (size_t)(q - p);
		p = q;
	}
	out[o] = '\0';
	return 1;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct fa2_msg_entry *)a)->key, ((const struct fa2_msg_entry *)b)->key);
}

static void table_free(struct msg_table *t)
{
	fa2_free(t->e);
	fa2_free(t->block);
	memset(t, 0, sizeof *t);
}

/* Parses one messages file (owned text, rewritten in place) into t. */
static fa2_err parse_file(char *text, int lang, const char *path, struct msg_table *t, char *msg,
			  size_t msg_cap)
{
	size_t cap = 0, lineno = 0;
	char *line = text;
	t->block = text;
	while (line && *line) {
		char *nl = strchr(line, '\n'), *k, *v, *w, *r;
		size_t klen;
		lineno++;
		if (nl)
			*nl = '\0';
		if (nl && nl > line && nl[-1] == '\r')
			nl[-1] = '\0';
		k = line;
		line = nl ? nl + 1 : NULL;
		if (*k == '#' || *k == '\0')
			continue;
		klen = strspn(k, "abcdefghijklmnopqrstuvwxyz0123456789_.");
		v = k + klen;
		v += strspn(v, " \t");
		if (klen == 0 || *v != '=') {
			snprintf(msg, msg_cap, "%s line %zu: expected \"key = text\"", path, lineno);
			return FA2_ERR_PARSE;
		}
		k[klen] = '\0';
		v++;
		if (*v == ' ')
			v++; /* one space after '='; the rest is verbatim */
		for (r = w = v; *r; r++) { /* \n and \\ escapes, in place */
			if (*r == '\\') {
				if (r[1] == 'n')
					*w++ = '\n';
				else if (r[1] == '\\')
					*w++ = '\\';
				else {
					snprintf(msg, msg_cap, "%s line %zu: only \\n and \\\\ escapes are allowed",
						 path, lineno);
					return FA2_ERR_PARSE;
				}
				r++;
			} else {
				*w++ = *r;
			}
		}
		*w = '\0';
		{
			const char *en = fa2_msg_builtin(FA2_MSG_EN, k);
			char a[128], b[128];
			if (en && (!fa2_msg_placeholders(en, a, sizeof a) ||
				   !fa2_msg_placeholders(v, b, sizeof b) || strcmp(a, b) != 0)) {
				FA2_LOGW("msg", "%s line %zu: %s takes placeholders \"%s\", not \"%s\"; "
					 "using the compiled-in text", path, lineno, k, a, b);
				continue;
			}
		}
		if (t->n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct fa2_msg_entry *ne = fa2_realloc(t->e, nc * sizeof *ne);
			if (!ne)
				return FA2_ERR_NOMEM;
			t->e = ne;
			cap = nc;
		}
		t->e[t->n].key = k;
		t->e[t->n].text = v;
		t->n++;
	}
	(void)lang;
	if (t->n)
		qsort(t->e, t->n, sizeof *t->e, cmp_entry);
	return FA2_OK;
}

fa2_err fa2_msg_use_dir(const char *dir, char *msg, size_t msg_cap)
{
	struct msg_override *o;
	fa2_err e = FA2_OK;
	int l, same;
	if (msg_cap)
		msg[0] = '\0';
	if (!dir || !*dir)
		return FA2_OK;
	pthread_mutex_lock(&g_lock);
	same = g_over && strcmp(g_over->dir, dir) == 0;
	pthread_mutex_unlock(&g_lock);
	if (same)
		return FA2_OK;
	o = fa2_calloc(1, sizeof *o);
	if (!o || !(o->dir = fa2_strdup(dir))) {
		fa2_free(o);
		return FA2_ERR_NOMEM;
	}
	for (l = 0; l < FA2_MSG_NLANG && !e; l++) {
		char path[4096];
		fa2_buf b;
		int n = snprintf(path, sizeof path, "%s/%s/messages", dir, l == FA2_MSG_JA ? "ja" : "en");
		if (n < 0 || (size_t)n >= sizeof path) {
			snprintf(msg, msg_cap, "prompt directory path too long");
			e = FA2_ERR_TOO_LARGE;
			break;
		}
		fa2_buf_init(&b, FA2_MAX_PROMPT_BYTES);
		e = fa2_file_read_all(path, &b);
		if (e == FA2_ERR_NOT_FOUND) {
			fa2_buf_cleanup(&b);
			e = FA2_OK;
			continue;
		}
		if (e) {
			snprintf(msg, msg_cap, "messages %s: %s", path,
				 e == FA2_ERR_TOO_LARGE ? "larger than 256 KiB" : "cannot be read");
			fa2_buf_cleanup(&b);
			break;
		}
		{
			char *text = fa2_buf_steal(&b, NULL);
			fa2_buf_cleanup(&b);
			if (!text) {
				e = FA2_ERR_NOMEM;
				break;
			}
			e = parse_file(text, l, path, &o->lang[l], msg, msg_cap);
			if (!o->lang[l].block)
				fa2_free(text);
		}
		if (!e)
			FA2_LOGD("msg", "using %s (%zu texts)", path, o->lang[l].n);
	}
	if (e) {
		for (l = 0; l < FA2_MSG_NLANG; l++)
			table_free(&o->lang[l]);
		fa2_free(o->dir);
		fa2_free(o);
		return e;
	}
	pthread_mutex_lock(&g_lock);
	o->prev = g_over;
	g_over = o;
	pthread_mutex_unlock(&g_lock);
	return FA2_OK;
}
