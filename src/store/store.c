/* The store interface (store.h) and the flat-file implementation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/slice.h"
#include "base/time.h"
#include "store/store_impl.h"

fa2_err fa2_store_base_new(const fa2_store_ops *ops, void *impl, int64_t default_ttl_s,
                           fa2_store **out)
{
	fa2_store *s = fa2_calloc(1, sizeof *s);
	if (!s)
		return FA2_ERR_NOMEM;
	s->ops = ops;
	s->impl = impl;
	s->default_ttl_s = default_ttl_s > 0 ? default_ttl_s : FA2_STORE_DEFAULT_TTL_S;
	pthread_mutex_init(&s->lock, NULL);
	*out = s;
	return FA2_OK;
}

static void note_outcome(fa2_store *s, fa2_err e)
{
	int64_t now = fa2_time_now_ms();
	pthread_mutex_lock(&s->lock);
	if (e == FA2_OK) {
		s->stats.last_ok_ms = now;
	} else {
		s->stats.last_error_ms = now > s->stats.last_ok_ms ? now : s->stats.last_ok_ms + 1;
		s->stats.last_error = e;
	}
	pthread_mutex_unlock(&s->lock);
}

fa2_err fa2_store_put(fa2_store *s, const char *key, int64_t ttl_s)
{
	size_t n = key ? strlen(key) : 0;
	fa2_err e;
	if (!n || n > FA2_STORE_MAX_KEY || ttl_s < 0)
		return FA2_ERR_INVALID;
	e = s->ops->put(s, key, ttl_s ? ttl_s : s->default_ttl_s, fa2_time_now_ms() / 1000);
	pthread_mutex_lock(&s->lock);
	if (e == FA2_OK)
		s->stats.accepted++;
	else if (e == FA2_ERR_EXISTS)
		s->stats.duplicates++;
	else
		s->stats.errors++;
	pthread_mutex_unlock(&s->lock);
	note_outcome(s, e == FA2_OK || e == FA2_ERR_EXISTS ? FA2_OK : e);
	return e;
}

fa2_err fa2_store_flush(fa2_store *s)
{
	fa2_err e = s->ops->flush ? s->ops->flush(s) : FA2_OK;
	if (e != FA2_OK) {
		pthread_mutex_lock(&s->lock);
		s->stats.errors++;
		pthread_mutex_unlock(&s->lock);
		note_outcome(s, e);
	}
	return e;
}

const char *fa2_store_kind(const fa2_store *s)
{
	return s->ops->kind;
}

void fa2_store_get_stats(fa2_store *s, fa2_store_stats *out)
{
	pthread_mutex_lock(&s->lock);
	*out = s->stats;
	pthread_mutex_unlock(&s->lock);
}

void fa2_store_close(fa2_store *s)
{
	if (!s)
		return;
	s->ops->close(s);
	pthread_mutex_destroy(&s->lock);
	fa2_free(s);
}

/* ---- flat files ------------------------------------------------------------------------ */

#define FLAT_LINE 34   /* 16 hex, space, up to 16 decimal digits, newline (padded) */

typedef struct flat_ent {
	uint64_t h;          /* 0 = empty */
	int64_t expires_s;
} flat_ent;

typedef struct flat {
	char path[1024];
	size_t cap, nslots, live;
	flat_ent *tab;
	flat_ent *pending;   /* keys not yet in the log */
	size_t npending, pending_cap;
	size_t log_lines;    /* lines in the log file (estimate: counted at open, appended since) */
} flat;

static uint64_t key_hash(const char *k)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *k; k++) {
		h ^= (unsigned char)*k;
		h *= 1099511628211ULL;
	}
	return h ? h : 1;
}

/* Index of h's slot, or of the empty slot where it would go. */
static size_t flat_find(const flat *f, uint64_t h)
{
	size_t i = (size_t)(h % f->nslots);
	while (f->tab[i].h && f->tab[i].h != h)
		i = (i + 1) % f->nslots;
	return i;
}

static int cmp_expiry_desc(const void *a, const void *b)
{
	const flat_ent *x = a, *y = b;
	return x->expires_s < y->expires_s ? 1 : x->expires_s > y->expires_s ? -1 : 0;
}

/* Rebuilds the table without expired keys; keeps at most keep keys, the latest expiries.
 * Returns the number of unexpired keys dropped. */
static size_t flat_rebuild(flat *f, int64_t now_s, size_t keep)
{
	flat_ent *all = fa2_malloc(f->live ? f->live * sizeof *all : 1);
	size_t n = 0, i, dropped = 0;
	if (!all)
		return 0;   /* no memory: the caller's put fails with NOMEM below if still full */
	for (i = 0; i < f->nslots; i++)
		if (f->tab[i].h && f->tab[i].expires_s > now_s)
			all[n++] = f->tab[i];
	if (n > keep) {
		qsort(all, n, sizeof *all, cmp_expiry_desc);
		dropped = n - keep;
		n = keep;
	}
	memset(f->tab, 0, f->nslots * sizeof *f->tab);
	for (i = 0; i < n; i++)
		f->tab[flat_find(f, all[i].h)] = all[i];
	f->live = n;
	fa2_free(all);
	return dropped;
}

/* With s->lock held: 1 when h is live, else inserts it and returns 0 (-1: no room). */
static int flat_insert(fa2_store *s, uint64_t h, int64_t expires_s, int64_t now_s)
{
	flat *f = s->impl;
	size_t i = flat_find(f, h);
	if (f->tab[i].h) {
		if (f->tab[i].expires_s > now_s)
			return 1;
		f->tab[i].expires_s = expires_s;   /* expired: the key is new again */
		return 0;
	}
	if (f->live >= f->cap) {
		s->stats.evicted += flat_rebuild(f, now_s, f->cap - f->cap / 4);
		if (f->live >= f->cap)
			return -1;
		i = flat_find(f, h);
	}
	f->tab[i].h = h;
	f->tab[i].expires_s = expires_s;
	f->live++;
	return 0;
}

static fa2_err flat_put(fa2_store *s, const char *key, int64_t ttl_s, int64_t now_s)
{
	flat *f = s->impl;
	uint64_t h = key_hash(key);
	int64_t exp = now_s > INT64_MAX - ttl_s ? INT64_MAX : now_s + ttl_s;
	fa2_err e = FA2_OK;
	int r;
	pthread_mutex_lock(&s->lock);
	r = flat_insert(s, h, exp, now_s);
	if (r > 0)
		e = FA2_ERR_EXISTS;
	else if (r < 0)
		e = FA2_ERR_NOMEM;
	else if (f->path[0]) {
		if (f->npending == f->pending_cap) {
			size_t nc = f->pending_cap ? f->pending_cap * 2 : 64;
			flat_ent *p = fa2_calloc(nc, sizeof *p);
			if (p) {
				if (f->npending)
					memcpy(p, f->pending, f->npending * sizeof *p);
				fa2_free(f->pending);
				f->pending = p;
				f->pending_cap = nc;
			}
		}
		if (f->npending < f->pending_cap) {
			f->pending[f->npending].h = h;
			f->pending[f->npending].expires_s = exp;
			f->npending++;
		} else {
			e = FA2_ERR_NOMEM;   /* remembered in memory, but it could not be queued */
		}
	}
	s->stats.live = f->live;
	pthread_mutex_unlock(&s->lock);
	return e;
}

static size_t fmt_line(char *buf, const flat_ent *e)
{
	int n = snprintf(buf, FLAT_LINE + 1, "%016llx %lld\n", (unsigned long long)e->h,
	                 (long long)e->expires_s);
	return n > 0 && n <= FLAT_LINE ? (size_t)n : 0;
}

/* With s->lock held: rewrites the log with the live keys. */
static fa2_err flat_compact(fa2_store *s, int64_t now_s)
{
	flat *f = s->impl;
	fa2_buf b;
	char line[FLAT_LINE + 1];
	size_t i, n = 0;
	fa2_err e = FA2_OK;
	fa2_buf_init(&b, (f->live + 1) * FLAT_LINE);
	for (i = 0; i < f->nslots && e == FA2_OK; i++)
		if (f->tab[i].h && f->tab[i].expires_s > now_s) {
			e = fa2_buf_append(&b, line, fmt_line(line, &f->tab[i]));
			n++;
		}
	if (e == FA2_OK)
		e = fa2_file_write_atomic(f->path, b.data ? (const void *)b.data : "", b.len, 0600);
	if (e == FA2_OK) {
		f->log_lines = n;
		s->stats.compactions++;
	}
	fa2_buf_cleanup(&b);
	return e;
}

static fa2_err flat_flush(fa2_store *s)
{
	flat *f = s->impl;
	char *buf;
	size_t n = 0, i, cnt;
	int64_t now_s = fa2_time_now_ms() / 1000;
	fa2_err e = FA2_OK;
	if (!f->path[0])
		return FA2_OK;
	pthread_mutex_lock(&s->lock);
	cnt = f->npending;
	if (!cnt) {
		pthread_mutex_unlock(&s->lock);
		return FA2_OK;
	}
	/* The append happens under the lock, so that a compaction cannot lose it. */
	buf = fa2_malloc(cnt * FLAT_LINE);
	if (!buf) {
		pthread_mutex_unlock(&s->lock);
		return FA2_ERR_NOMEM;
	}
	for (i = 0; i < cnt; i++)
		n += fmt_line(buf + n, &f->pending[i]);
	if (f->log_lines + cnt > 2 * f->live && f->log_lines + cnt >= f->cap / 4) {
		e = flat_compact(s, now_s);   /* the pending keys are in the table: written too */
	} else {
		e = fa2_file_append_sync(f->path, buf, n, 0600);
		if (e == FA2_OK)
			f->log_lines += cnt;
	}
	if (e == FA2_OK)
		f->npending = 0;
	pthread_mutex_unlock(&s->lock);
	fa2_free(buf);
	if (e != FA2_OK)
		FA2_LOGW("store", "cannot persist idempotency keys to %s", f->path);
	return e;
}

static void flat_close(fa2_store *s)
{
	flat *f = s->impl;
	(void)flat_flush(s);
	fa2_free(f->tab);
	fa2_free(f->pending);
	fa2_free(f);
}

static const fa2_store_ops flat_ops = { "flat", flat_put, flat_flush, flat_close };

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One log line: "HASH16" (old format) or "HASH16 EXPIRES_S". 0 when malformed. */
static int parse_line(fa2_slice line, int64_t now_s, int64_t ttl_s, flat_ent *out)
{
	uint64_t h = 0;
	int64_t exp = 0;
	size_t i;
	if (line.len < 16)
		return 0;
	for (i = 0; i < 16; i++) {
		int v = hexval(line.ptr[i]);
		if (v < 0)
			return 0;
		h = h << 4 | (uint64_t)v;
	}
	if (!h)
		return 0;
	if (line.len == 16) {
		exp = now_s + ttl_s;
	} else {
		if (line.ptr[16] != ' ' || line.len == 17 || line.len > 17 + 18)
			return 0;
		for (i = 17; i < line.len; i++) {
			if (line.ptr[i] < '0' || line.ptr[i] > '9')
				return 0;
			exp = exp * 10 + (line.ptr[i] - '0');   /* <= 18 digits: no overflow */
		}
	}
	out->h = h;
	out->expires_s = exp;
	return 1;
}

fa2_err fa2_store_open_flat(const char *log_path, size_t cap, int64_t default_ttl_s,
                            fa2_store **out)
{
	flat *f;
	fa2_store *s = NULL;
	fa2_err e;
	int64_t now_s = fa2_time_now_ms() / 1000;
	if (cap < 16 || cap > ((size_t)1 << 28) || (log_path && strlen(log_path) >= sizeof f->path))
		return FA2_ERR_INVALID;
	f = fa2_calloc(1, sizeof *f);
	if (!f)
		return FA2_ERR_NOMEM;
	f->cap = cap;
	f->nslots = cap * 2;
	f->tab = fa2_calloc(f->nslots, sizeof *f->tab);
	if (!f->tab) {
		fa2_free(f);
		return FA2_ERR_NOMEM;
	}
	if (log_path)
		snprintf(f->path, sizeof f->path, "%s", log_path);
	e = fa2_store_base_new(&flat_ops, f, default_ttl_s, &s);
	if (e != FA2_OK) {
		fa2_free(f->tab);
		fa2_free(f);
		return e;
	}
	if (f->path[0]) {
		fa2_buf b;
		fa2_slice rest, line;
		size_t n = 0;
		fa2_buf_init(&b, FA2_MAX_FILE_BYTES);
		e = fa2_file_read_all(f->path, &b);
		if (e == FA2_OK) {
			rest = fa2_buf_slice(&b);
			while (rest.len) {
				flat_ent ent;
				(void)fa2_slice_split(rest, '\n', &line, &rest);
				f->log_lines++;
				if (!parse_line(line, now_s, s->default_ttl_s, &ent) || ent.expires_s <= now_s)
					continue;
				pthread_mutex_lock(&s->lock);
				{
					size_t i = flat_find(f, ent.h);
					if (f->tab[i].h) {
						if (ent.expires_s > f->tab[i].expires_s)
							f->tab[i].expires_s = ent.expires_s;
					} else if (flat_insert(s, ent.h, ent.expires_s, now_s) == 0) {
						n++;
					}
				}
				pthread_mutex_unlock(&s->lock);
			}
			if (n)
				FA2_LOGI("store", "loaded %zu idempotency key(s) from %s", n, f->path);
		} else if (e != FA2_ERR_NOT_FOUND) {
			FA2_LOGW("store", "cannot read %s: idempotency keys of earlier runs are lost",
			         f->path);
		}
		fa2_buf_cleanup(&b);
		s->stats.live = f->live;
	}
	*out = s;
	return FA2_OK;
}
