#include "aws/sigv4.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/time.h"
#include "crypto/ct.h"
#include "crypto/encode.h"

static const char hexup[] = "0123456789ABCDEF";

void fa2_sigv4_result_init(fa2_sigv4_result *r)
{
	r->amz_date[0] = '\0';
	r->signature[0] = '\0';
	fa2_buf_init(&r->scope, 1024);
	fa2_buf_init(&r->canonical_request, FA2_MAX_SIGV4_BYTES);
	fa2_buf_init(&r->string_to_sign, FA2_MAX_SIGV4_BYTES);
	fa2_buf_init(&r->signed_headers, FA2_MAX_SIGV4_BYTES);
	fa2_buf_init(&r->authorization, FA2_MAX_SIGV4_BYTES);
	fa2_buf_init(&r->query, FA2_MAX_SIGV4_BYTES);
	fa2_buf_init(&r->headers, FA2_MAX_SIGV4_BYTES);
}

void fa2_sigv4_result_cleanup(fa2_sigv4_result *r)
{
	fa2_buf_cleanup(&r->scope);
	fa2_buf_cleanup(&r->canonical_request);
	fa2_buf_cleanup(&r->string_to_sign);
	fa2_buf_cleanup(&r->signed_headers);
	fa2_buf_cleanup(&r->authorization);
	fa2_buf_cleanup(&r->query);
	fa2_buf_cleanup(&r->headers);
	fa2_wipe(r->signature, sizeof r->signature);
}

static void result_reset(fa2_sigv4_result *r)
{
	fa2_buf_reset(&r->scope);
	fa2_buf_reset(&r->canonical_request);
	fa2_buf_reset(&r->string_to_sign);
	fa2_buf_reset(&r->signed_headers);
	fa2_buf_reset(&r->authorization);
	fa2_buf_reset(&r->query);
	fa2_buf_reset(&r->headers);
	r->amz_date[0] = '\0';
	r->signature[0] = '\0';
}

void fa2_sigv4_format_date(int64_t time_ms, char out[FA2_SIGV4_DATE_LEN + 1])
{
	int64_t secs = time_ms >= 0 ? time_ms / 1000 : -((-time_ms + 999) / 1000);
	int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	int64_t rem = secs - days * 86400, y;
	unsigned m, d, hh, mm, ss, i;
	char *o = out;
	fa2_time_civil_from_days(days, &y, &m, &d);
	if (y < 0)
		y = 0;
	if (y > 9999)
		y = 9999;
	hh = (unsigned)(rem / 3600);
	mm = (unsigned)(rem % 3600 / 60);
	ss = (unsigned)(rem % 60);
	for (i = 0; i < 4; i++)
		o[3 - i] = (char)('0' + (y / (i == 0 ? 1 : i == 1 ? 10 : i == 2 ? 100 : 1000)) % 10);
	o[4] = (char)('0' + m / 10); o[5] = (char)('0' + m % 10);
	o[6] = (char)('0' + d / 10); o[7] = (char)('0' + d % 10);
	o[8] = 'T';
	o[9] = (char)('0' + hh / 10); o[10] = (char)('0' + hh % 10);
	o[11] = (char)('0' + mm / 10); o[12] = (char)('0' + mm % 10);
	o[13] = (char)('0' + ss / 10); o[14] = (char)('0' + ss % 10);
	o[15] = 'Z';
	o[16] = '\0';
}

static int unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

fa2_err fa2_sigv4_uri_encode(fa2_buf *out, fa2_slice s, int keep_slash)
{
	size_t i, extra = 0;
	char *o;
	fa2_err e;
	for (i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if (!unreserved(c) && !(keep_slash && c == '/'))
			extra += 2;
	}
	if (s.len > FA2_MAX_SIGV4_BYTES)
		return FA2_ERR_TOO_LARGE;
	e = fa2_buf_reserve(out, s.len + extra);
	if (e)
		return e;
	o = out->data + out->len;
	for (i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if (unreserved(c) || (keep_slash && c == '/')) {
			*o++ = (char)c;
		} else {
			*o++ = '%';
			*o++ = hexup[c >> 4];
			*o++ = hexup[c & 15];
		}
	}
	out->len += s.len + extra;
	out->data[out->len] = '\0';
	return FA2_OK;
}

/* Dot-segment and repeated-slash removal as botocore's remove_dot_segments: segments
 * that are empty or "." vanish, ".." drops the previous one, the leading slash is kept,
 * a trailing slash is kept when something remains. */
static fa2_err remove_dot_segments(fa2_slice path, fa2_buf *tmp)
{
	size_t i = 0;
	fa2_err e = FA2_OK;
	while (i <= path.len && !e) {
		size_t j = i;
		fa2_slice seg;
		while (j < path.len && path.ptr[j] != '/')
			j++;
		seg = fa2_slice_make(path.ptr + i, j - i);
		if (seg.len == 0 || fa2_slice_eq_cstr(seg, ".")) {
			/* skip */
		} else if (fa2_slice_eq_cstr(seg, "..")) {
			while (tmp->len > 0 && tmp->data[tmp->len - 1] != '/')
				tmp->len--;
			if (tmp->len > 0)
				tmp->len--;
			if (tmp->data)
				tmp->data[tmp->len] = '\0';
		} else {
			e = fa2_buf_append_byte(tmp, '/');
			if (!e)
				e = fa2_buf_append_slice(tmp, seg);
		}
		i = j + 1;
	}
	return e;
}

fa2_err fa2_sigv4_canonical_uri(fa2_buf *out, fa2_slice path, unsigned flags)
{
	fa2_buf tmp;
	fa2_slice norm;
	fa2_err e = FA2_OK;

	if (path.len == 0)
		return fa2_buf_append_byte(out, '/');
	if (flags & FA2_SIGV4_S3)
		return fa2_buf_append_slice(out, path);
	if (flags & FA2_SIGV4_NO_NORMALIZE)
		return fa2_sigv4_uri_encode(out, path, 1);

	fa2_buf_init(&tmp, FA2_MAX_SIGV4_BYTES);
	e = remove_dot_segments(path, &tmp);
	if (e)
		goto cleanup;
	norm = fa2_buf_slice(&tmp);
	if (path.ptr[0] != '/' && norm.len > 0) {
		norm.ptr++;  /* segments were stored as "/seg"; a relative path has no lead */
		norm.len--;
	}
	if (path.ptr[0] == '/' && norm.len == 0)
		e = fa2_buf_append_byte(out, '/');
	else
		e = fa2_sigv4_uri_encode(out, norm, 1);
	if (!e && path.ptr[path.len - 1] == '/' && tmp.len > 0)
		e = fa2_buf_append_byte(out, '/');
cleanup:
	fa2_buf_cleanup(&tmp);
	return e;
}

/* Appends the SigV4 encoding of the percent-decoding of s. A '%' not followed by two
 * hex digits stands for itself (and so becomes %25). */
static fa2_err reencode(fa2_buf *out, fa2_slice s)
{
	size_t i;
	fa2_err e = FA2_OK;
	for (i = 0; i < s.len && !e; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if (c == '%' && i + 2 < s.len &&
		    fa2_hex_digit((unsigned char)s.ptr[i + 1]) >= 0 && fa2_hex_digit((unsigned char)s.ptr[i + 2]) >= 0) {
			c = (unsigned char)(fa2_hex_digit((unsigned char)s.ptr[i + 1]) * 16 +
			                    fa2_hex_digit((unsigned char)s.ptr[i + 2]));
			i += 2;
		}
		if (unreserved(c)) {
			e = fa2_buf_append_byte(out, c);
		} else {
			char t[3];
			t[0] = '%';
			t[1] = hexup[c >> 4];
			t[2] = hexup[c & 15];
			e = fa2_buf_append(out, t, 3);
		}
	}
	return e;
}

struct qparam {
	size_t k_off, k_len, v_off, v_len;
};

static int cmp_span(const char *base, size_t ao, size_t al, size_t bo, size_t bl)
{
	size_t n = al < bl ? al : bl;
	int c = n ? memcmp(base + ao, base + bo, n) : 0;
	if (c)
		return c;
	return al < bl ? -1 : al > bl ? 1 : 0;
}

/* Insertion sort for small arrays, merge sort otherwise; both stable and reentrant
 * (qsort has no context pointer in C99). */
static int param_less(const char *base, const struct qparam *a, const struct qparam *b)
{
	int c = cmp_span(base, a->k_off, a->k_len, b->k_off, b->k_len);
	if (c)
		return c < 0;
	return cmp_span(base, a->v_off, a->v_len, b->v_off, b->v_len) < 0;
}

static void merge_sort_params(const char *base, struct qparam *a, struct qparam *tmp, size_t n)
{
	size_t mid, i, j, k;
	if (n < 16) {
		for (i = 1; i < n; i++) {
			struct qparam x = a[i];
			j = i;
			while (j > 0 && param_less(base, &x, &a[j - 1])) {
				a[j] = a[j - 1];
				j--;
			}
			a[j] = x;
		}
		return;
	}
	mid = n / 2;
	merge_sort_params(base, a, tmp, mid);
	merge_sort_params(base, a + mid, tmp, n - mid);
	for (i = 0, j = mid, k = 0; i < mid || j < n;) {
		if (j >= n || (i < mid && !param_less(base, &a[j], &a[i])))
			tmp[k++] = a[i++];
		else
			tmp[k++] = a[j++];
	}
	memcpy(a, tmp, n * sizeof *a);
}

static fa2_err add_params(fa2_slice q, int decode, fa2_buf *scratch, struct qparam *ps,
                          size_t *n)
{
	size_t i = 0;
	fa2_err e = FA2_OK;
	while (i < q.len && !e) {
		size_t j = i, eq;
		fa2_slice piece, k, v;
		while (j < q.len && q.ptr[j] != '&')
			j++;
		piece = fa2_slice_make(q.ptr + i, j - i);
		i = j + 1;
		if (piece.len == 0)
			continue;
		if (*n >= FA2_SIGV4_MAX_PARAMS)
			return FA2_ERR_TOO_LARGE;
		for (eq = 0; eq < piece.len && piece.ptr[eq] != '='; eq++)
			;
		k = fa2_slice_make(piece.ptr, eq);
		v = eq < piece.len ? fa2_slice_make(piece.ptr + eq + 1, piece.len - eq - 1)
		                   : FA2_SLICE_EMPTY;
		ps[*n].k_off = scratch->len;
		e = decode ? reencode(scratch, k) : fa2_buf_append_slice(scratch, k);
		ps[*n].k_len = scratch->len - ps[*n].k_off;
		ps[*n].v_off = scratch->len;
		if (!e)
			e = decode ? reencode(scratch, v) : fa2_buf_append_slice(scratch, v);
		ps[*n].v_len = scratch->len - ps[*n].v_off;
		(*n)++;
	}
	return e;
}

static size_t count_pieces(fa2_slice q)
{
	size_t i, n = 1;
	for (i = 0; i < q.len; i++)
		if (q.ptr[i] == '&')
			n++;
	return n;
}

fa2_err fa2_sigv4_canonical_query(fa2_buf *out, fa2_slice query, fa2_slice extra)
{
	fa2_buf scratch;
	struct qparam *ps = NULL, *tmp = NULL;
	size_t cap, n = 0, i;
	fa2_err e = FA2_OK;

	if (query.len == 0 && extra.len == 0)
		return FA2_OK;
	cap = count_pieces(query) + count_pieces(extra);
	if (cap > FA2_SIGV4_MAX_PARAMS + 2)
		return FA2_ERR_TOO_LARGE;
	fa2_buf_init(&scratch, FA2_MAX_SIGV4_BYTES);
	ps = fa2_calloc(cap, sizeof *ps);
	tmp = fa2_calloc(cap, sizeof *tmp);
	if (!ps || !tmp) {
		e = FA2_ERR_NOMEM;
		goto cleanup;
	}
	e = add_params(query, 1, &scratch, ps, &n);
	if (!e)
		e = add_params(extra, 0, &scratch, ps, &n);
	if (e)
		goto cleanup;
	merge_sort_params(scratch.data, ps, tmp, n);
	for (i = 0; i < n && !e; i++) {
		if (i)
			e = fa2_buf_append_byte(out, '&');
		if (!e)
			e = fa2_buf_append(out, scratch.data + ps[i].k_off, ps[i].k_len);
		if (!e)
			e = fa2_buf_append_byte(out, '=');
		if (!e)
			e = fa2_buf_append(out, scratch.data + ps[i].v_off, ps[i].v_len);
	}
cleanup:
	fa2_free(ps);
	fa2_free(tmp);
	fa2_buf_cleanup(&scratch);
	return e;
}

struct hentry {
	size_t n_off, n_len;  /* lower-cased name in scratch */
	fa2_slice value;
	size_t order;
};

static int hentry_less(const char *base, const struct hentry *a, const struct hentry *b)
{
	int c = cmp_span(base, a->n_off, a->n_len, b->n_off, b->n_len);
	if (c)
		return c < 0;
	return a->order < b->order;
}

static void sort_headers(const char *base, struct hentry *a, size_t n)
{
	size_t i, j;
	for (i = 1; i < n; i++) {
		struct hentry x = a[i];
		j = i;
		while (j > 0 && hentry_less(base, &x, &a[j - 1])) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = x;
	}
}

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Trimall: no white space at either end, every inner run (folded lines included)
 * becomes one space. */
static fa2_err append_trimall(fa2_buf *out, fa2_slice v)
{
	size_t i = 0, j;
	int first = 1;
	fa2_err e = FA2_OK;
	while (i < v.len && !e) {
		while (i < v.len && is_ws((unsigned char)v.ptr[i]))
			i++;
		if (i >= v.len)
			break;
		j = i;
		while (j < v.len && !is_ws((unsigned char)v.ptr[j]))
			j++;
		if (!first)
			e = fa2_buf_append_byte(out, ' ');
		if (!e)
			e = fa2_buf_append(out, v.ptr + i, j - i);
		first = 0;
		i = j;
	}
	return e;
}

#define SKIP_NAME(x) { x, sizeof(x) - 1 }

static int never_signed(fa2_slice lname)
{
	/* botocore's SIGNED_HEADERS_BLACKLIST plus Authorization: hop-by-hop headers and
	 * headers that proxies and tracers rewrite. */
	static const fa2_slice skip[] = {
		SKIP_NAME("authorization"), SKIP_NAME("connection"), SKIP_NAME("expect"),
		SKIP_NAME("keep-alive"), SKIP_NAME("proxy-authenticate"),
		SKIP_NAME("proxy-authorization"), SKIP_NAME("te"), SKIP_NAME("trailer"),
		SKIP_NAME("transfer-encoding"), SKIP_NAME("upgrade"), SKIP_NAME("user-agent"),
		SKIP_NAME("x-amzn-trace-id")
	};
	size_t i;
	for (i = 0; i < sizeof skip / sizeof skip[0]; i++)
		if (skip[i].len == lname.len && memcmp(skip[i].ptr, lname.ptr, lname.len) == 0)
			return 1;
	return 0;
}

fa2_err fa2_sigv4_canonical_headers(const fa2_sigv4_header *h, size_t n,
                                    const fa2_sigv4_header *extra, size_t n_extra,
                                    fa2_buf *canon, fa2_buf *signed_list)
{
	struct hentry *es = NULL;
	fa2_buf scratch;
	size_t i, k, m = 0, total = n + n_extra;
	int have_host = 0;
	fa2_err e = FA2_OK;

	if (total > FA2_SIGV4_MAX_HEADERS)
		return FA2_ERR_TOO_LARGE;
	fa2_buf_init(&scratch, FA2_MAX_SIGV4_BYTES);
	es = fa2_calloc(total ? total : 1, sizeof *es);
	if (!es) {
		e = FA2_ERR_NOMEM;
		goto cleanup;
	}
	for (i = 0; i < total && !e; i++) {
		const fa2_sigv4_header *x = i < n ? &h[i] : &extra[i - n];
		fa2_slice name = fa2_slice_trim(x->name);
		size_t off = scratch.len;
		e = fa2_buf_append_slice(&scratch, name);
		if (e)
			break;
		for (k = off; k < scratch.len; k++)
			if (scratch.data[k] >= 'A' && scratch.data[k] <= 'Z')
				scratch.data[k] = (char)(scratch.data[k] + ('a' - 'A'));
		{
			fa2_slice lname = fa2_slice_make(scratch.data + off, name.len);
			/* A request header the signer supplies itself (X-Amz-Date, ...) is
			 * replaced by the signer's value. */
			if (i < n) {
				size_t x2;
				int dup = 0;
				for (x2 = 0; x2 < n_extra && !dup; x2++)
					dup = fa2_slice_eq_ci(lname, fa2_slice_trim(extra[x2].name));
				if (dup)
					continue;
			}
			if (name.len == 0 || never_signed(lname))
				continue;
			if (fa2_slice_eq_cstr(lname, "host"))
				have_host = 1;
		}
		es[m].n_off = off;
		es[m].n_len = name.len;
		es[m].value = x->value;
		es[m].order = i;
		m++;
	}
	if (e)
		goto cleanup;
	if (!have_host) {
		e = FA2_ERR_INVALID;
		goto cleanup;
	}
	sort_headers(scratch.data, es, m);
	for (i = 0; i < m && !e; i++) {
		int same = i > 0 && cmp_span(scratch.data, es[i].n_off, es[i].n_len,
		                             es[i - 1].n_off, es[i - 1].n_len) == 0;
		if (same) {
			e = fa2_buf_append_byte(canon, ',');
		} else {
			if (i > 0)
				e = fa2_buf_append_byte(canon, '\n');
			if (!e && i > 0)
				e = fa2_buf_append_byte(signed_list, ';');
			if (!e)
				e = fa2_buf_append(signed_list, scratch.data + es[i].n_off, es[i].n_len);
			if (!e)
				e = fa2_buf_append(canon, scratch.data + es[i].n_off, es[i].n_len);
			if (!e)
				e = fa2_buf_append_byte(canon, ':');
		}
		if (!e)
			e = append_trimall(canon, es[i].value);
	}
	if (!e && m > 0)
		e = fa2_buf_append_byte(canon, '\n');
cleanup:
	fa2_free(es);
	fa2_buf_cleanup(&scratch);
	return e;
}

fa2_err fa2_sigv4_string_to_sign(fa2_buf *out, const char *amz_date, fa2_slice scope,
                                 fa2_slice canonical_request)
{
	char h[FA2_SHA256_HEX_LEN + 1];
	fa2_err e;
	fa2_sha256_hex(canonical_request.ptr, canonical_request.len, h);
	e = fa2_buf_append(out, "AWS4-HMAC-SHA256\n", 17);
	if (!e)
		e = fa2_buf_append(out, amz_date, FA2_SIGV4_DATE_LEN);
	if (!e)
		e = fa2_buf_append_byte(out, '\n');
	if (!e)
		e = fa2_buf_append_slice(out, scope);
	if (!e)
		e = fa2_buf_append_byte(out, '\n');
	if (!e)
		e = fa2_buf_append(out, h, FA2_SHA256_HEX_LEN);
	return e;
}

fa2_err fa2_sigv4_signing_key(fa2_slice secret, fa2_slice date8, fa2_slice region,
                              fa2_slice service, unsigned char out[FA2_SHA256_LEN])
{
	unsigned char k[FA2_SHA256_LEN];
	unsigned char *kin;
	size_t kin_len = secret.len + 4;
	if (secret.len > FA2_MAX_SECRET_BYTES)
		return FA2_ERR_TOO_LARGE;
	kin = fa2_malloc(kin_len);
	if (!kin)
		return FA2_ERR_NOMEM;
	memcpy(kin, "AWS4", 4);
	memcpy(kin + 4, secret.ptr, secret.len);
	fa2_hmac_sha256_digest(kin, kin_len, date8.ptr, date8.len, k);
	fa2_wipe(kin, kin_len);
	fa2_free(kin);
	fa2_hmac_sha256_digest(k, sizeof k, region.ptr, region.len, k);
	fa2_hmac_sha256_digest(k, sizeof k, service.ptr, service.len, k);
	fa2_hmac_sha256_digest(k, sizeof k, "aws4_request", 12, out);
	fa2_wipe(k, sizeof k);
	return FA2_OK;
}

void fa2_sigv4_signature(const unsigned char signing_key[FA2_SHA256_LEN],
                         fa2_slice string_to_sign, char out[FA2_SIGV4_SIG_HEX_LEN + 1])
{
	unsigned char mac[FA2_SHA256_LEN];
	fa2_hmac_sha256_digest(signing_key, FA2_SHA256_LEN, string_to_sign.ptr, string_to_sign.len, mac);
	fa2_hex_encode(mac, sizeof mac, out);
	out[FA2_SIGV4_SIG_HEX_LEN] = '\0';
	fa2_wipe(mac, sizeof mac);
}

/* ---- signing-key cache ---- */

fa2_err fa2_sigv4_cache_init(fa2_sigv4_cache *c)
{
	memset(c, 0, sizeof *c);
	if (pthread_mutex_init(&c->lock, NULL) != 0)
		return FA2_ERR_INTERNAL;
	return FA2_OK;
}

void fa2_sigv4_cache_cleanup(fa2_sigv4_cache *c)
{
	pthread_mutex_destroy(&c->lock);
	fa2_wipe(c->slot, sizeof c->slot);
}

static fa2_sigv4_cache global_cache;
static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void global_init(void)
{
	(void)fa2_sigv4_cache_init(&global_cache);
}

fa2_sigv4_cache *fa2_sigv4_cache_global(void)
{
	pthread_once(&global_once, global_init);
	return &global_cache;
}

static int fits(fa2_slice s, size_t cap)
{
	return s.len < cap;
}

static int field_eq(const char *field, fa2_slice s)
{
	/* field is NUL-terminated and shorter than its array; s.len bytes then a NUL. */
	return memcmp(field, s.ptr, s.len) == 0 && field[s.len] == '\0';
}

static int entry_match(const fa2_sigv4_cache_entry *en, fa2_slice date8, const fa2_sigv4_params *p)
{
	return en->used && field_eq(en->date8, date8) && field_eq(en->region, p->region) &&
	       field_eq(en->service, p->service) && field_eq(en->akid, p->access_key_id) &&
	       fa2_ct_eq_len(en->secret, en->secret_len, p->secret_access_key.ptr,
	                     p->secret_access_key.len);
}

static void copy_cstr(char *dst, size_t cap, fa2_slice s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;
	memcpy(dst, s.ptr, n);
	dst[n] = '\0';
}

/* Prepares the HMAC key for signing: from the cache when possible. */
static fa2_err get_key(const fa2_sigv4_params *p, fa2_slice date8, fa2_hmac_sha256_key *out)
{
	fa2_sigv4_cache *c = p->cache;
	unsigned char raw[FA2_SHA256_LEN];
	fa2_err e;
	size_t i, victim = 0;
	int cacheable = c && fits(p->region, sizeof c->slot[0].region) &&
	                fits(p->service, sizeof c->slot[0].service) &&
	                fits(p->access_key_id, sizeof c->slot[0].akid) &&
	                p->secret_access_key.len <= FA2_SIGV4_CACHE_SECRET_MAX;

	if (cacheable) {
		pthread_mutex_lock(&c->lock);
		for (i = 0; i < FA2_SIGV4_CACHE_SLOTS; i++) {
			if (entry_match(&c->slot[i], date8, p)) {
				*out = c->slot[i].key;
				c->slot[i].stamp = ++c->clock;
				c->hits++;
				pthread_mutex_unlock(&c->lock);
				return FA2_OK;
			}
		}
		c->misses++;
		pthread_mutex_unlock(&c->lock);
	}
	e = fa2_sigv4_signing_key(p->secret_access_key, date8, p->region, p->service, raw);
	if (e)
		return e;
	fa2_hmac_sha256_key_init(out, raw, sizeof raw);
	fa2_wipe(raw, sizeof raw);
	if (cacheable) {
		fa2_sigv4_cache_entry *en;
		pthread_mutex_lock(&c->lock);
		for (i = 0; i < FA2_SIGV4_CACHE_SLOTS; i++) {
			if (!c->slot[i].used) {
				victim = i;
				break;
			}
			if (c->slot[i].stamp < c->slot[victim].stamp)
				victim = i;
		}
		en = &c->slot[victim];
		fa2_wipe(en, sizeof *en);
		en->used = 1;
		en->stamp = ++c->clock;
		copy_cstr(en->date8, sizeof en->date8, date8);
		copy_cstr(en->region, sizeof en->region, p->region);
		copy_cstr(en->service, sizeof en->service, p->service);
		copy_cstr(en->akid, sizeof en->akid, p->access_key_id);
		memcpy(en->secret, p->secret_access_key.ptr, p->secret_access_key.len);
		en->secret_len = p->secret_access_key.len;
		en->key = *out;
		pthread_mutex_unlock(&c->lock);
	}
	return FA2_OK;
}

/* Appends (const char *, fa2_slice) pairs in order until a NULL C string. */
static fa2_err append_all(fa2_buf *out, const char *lit, ...)
{
	va_list ap;
	fa2_err e = FA2_OK;
	va_start(ap, lit);
	while (lit && !e) {
		fa2_slice s;
		e = fa2_buf_append_cstr(out, lit);
		s = va_arg(ap, fa2_slice);
		if (!e)
			e = fa2_buf_append_slice(out, s);
		lit = va_arg(ap, const char *);
	}
	va_end(ap);
	return e;
}

/* ---- whole signings ---- */

static fa2_err append_upper(fa2_buf *out, fa2_slice s)
{
	size_t i;
	fa2_err e = fa2_buf_append_slice(out, s);
	if (e)
		return e;
	for (i = out->len - s.len; i < out->len; i++)
		if (out->data[i] >= 'a' && out->data[i] <= 'z')
			out->data[i] = (char)(out->data[i] - ('a' - 'A'));
	return FA2_OK;
}

static fa2_slice find_header(const fa2_sigv4_request *req, const char *lname)
{
	size_t i;
	for (i = 0; i < req->n_headers; i++)
		if (fa2_slice_eq_ci(fa2_slice_trim(req->headers[i].name), fa2_slice_cstr(lname)))
			return fa2_slice_trim(req->headers[i].value);
	return fa2_slice_make(NULL, 0);
}

static fa2_err check_params(const fa2_sigv4_request *req, const fa2_sigv4_params *p)
{
	if (!req || !p || req->method.len == 0 || p->access_key_id.len == 0 ||
	    p->secret_access_key.len == 0 || p->region.len == 0 || p->service.len == 0)
		return FA2_ERR_INVALID;
	if (req->n_headers && !req->headers)
		return FA2_ERR_INVALID;
	return FA2_OK;
}

/* Shared by both modes: date, scope, payload hash. */
static fa2_err begin(const fa2_sigv4_request *req, const fa2_sigv4_params *p,
                     fa2_sigv4_result *out, char payload_hex[FA2_SHA256_HEX_LEN + 1],
                     fa2_slice *payload_hash)
{
	fa2_slice given;
	fa2_err e = check_params(req, p);
	if (e)
		return e;
	result_reset(out);
	fa2_sigv4_format_date(p->time_ms, out->amz_date);
	e = fa2_buf_append(&out->scope, out->amz_date, 8);
	if (!e)
		e = fa2_buf_append_byte(&out->scope, '/');
	if (!e)
		e = fa2_buf_append_slice(&out->scope, p->region);
	if (!e)
		e = fa2_buf_append_byte(&out->scope, '/');
	if (!e)
		e = fa2_buf_append_slice(&out->scope, p->service);
	if (!e)
		e = fa2_buf_append(&out->scope, "/aws4_request", 13);
	if (e)
		return e;
	given = req->payload_hash.len ? req->payload_hash : find_header(req, "x-amz-content-sha256");
	if (given.len) {
		*payload_hash = given;
	} else {
		fa2_sha256_hex(req->payload.ptr, req->payload.len, payload_hex);
		*payload_hash = fa2_slice_make(payload_hex, FA2_SHA256_HEX_LEN);
	}
	return FA2_OK;
}

/* canonical request = method \n uri \n query \n headers \n signed \n payload-hash */
static fa2_err build_creq(const fa2_sigv4_request *req, const fa2_sigv4_params *p,
                          fa2_sigv4_result *out, fa2_slice extra_query,
                          const fa2_sigv4_header *extra, size_t n_extra, fa2_slice payload_hash)
{
	fa2_buf *c = &out->canonical_request;
	fa2_err e = append_upper(c, req->method);
	if (!e)
		e = fa2_buf_append_byte(c, '\n');
	if (!e)
		e = fa2_sigv4_canonical_uri(c, req->path, p->flags);
	if (!e)
		e = fa2_buf_append_byte(c, '\n');
	if (!e)
		e = fa2_sigv4_canonical_query(c, req->query, extra_query);
	if (!e)
		e = fa2_buf_append_byte(c, '\n');
	if (!e)
		e = fa2_sigv4_canonical_headers(req->headers, req->n_headers, extra, n_extra, c,
		                                &out->signed_headers);
	if (!e)
		e = fa2_buf_append_byte(c, '\n');
	if (!e)
		e = fa2_buf_append_slice(c, fa2_buf_slice(&out->signed_headers));
	if (!e)
		e = fa2_buf_append_byte(c, '\n');
	if (!e)
		e = fa2_buf_append_slice(c, payload_hash);
	return e;
}

static fa2_err finish_signature(const fa2_sigv4_params *p, fa2_sigv4_result *out)
{
	fa2_hmac_sha256_key key;
	unsigned char mac[FA2_SHA256_LEN];
	fa2_err e = fa2_sigv4_string_to_sign(&out->string_to_sign, out->amz_date,
	                                     fa2_buf_slice(&out->scope),
	                                     fa2_buf_slice(&out->canonical_request));
	if (e)
		return e;
	e = get_key(p, fa2_slice_make(out->amz_date, 8), &key);
	if (e)
		return e;
	fa2_hmac_sha256_keyed(&key, out->string_to_sign.data, out->string_to_sign.len, mac);
	fa2_hex_encode(mac, sizeof mac, out->signature);
	out->signature[FA2_SIGV4_SIG_HEX_LEN] = '\0';
	fa2_wipe(mac, sizeof mac);
	fa2_hmac_sha256_key_wipe(&key);
	return FA2_OK;
}

fa2_err fa2_sigv4_sign_headers(const fa2_sigv4_request *req, const fa2_sigv4_params *p,
                               fa2_sigv4_result *out)
{
	char payload_hex[FA2_SHA256_HEX_LEN + 1];
	fa2_sigv4_header extra[3];
	size_t n_extra = 0;
	fa2_slice payload_hash;
	int sign_token = p && p->session_token.len && !(p->flags & FA2_SIGV4_OMIT_TOKEN);
	int add_body = p && (p->flags & FA2_SIGV4_SIGN_BODY) &&
	               find_header(req, "x-amz-content-sha256").len == 0;
	fa2_err e = begin(req, p, out, payload_hex, &payload_hash);
	if (e)
		return e;

	extra[n_extra].name = FA2_SLICE_LIT("X-Amz-Date");
	extra[n_extra++].value = fa2_slice_make(out->amz_date, FA2_SIGV4_DATE_LEN);
	if (sign_token) {
		extra[n_extra].name = FA2_SLICE_LIT("X-Amz-Security-Token");
		extra[n_extra++].value = p->session_token;
	}
	if (add_body) {
		extra[n_extra].name = FA2_SLICE_LIT("X-Amz-Content-Sha256");
		extra[n_extra++].value = payload_hash;
	}
	e = build_creq(req, p, out, FA2_SLICE_EMPTY, extra, n_extra, payload_hash);
	if (!e)
		e = finish_signature(p, out);
	if (e)
		return e;
	e = append_all(&out->authorization, "AWS4-HMAC-SHA256 Credential=", p->access_key_id, "/",
	               fa2_buf_slice(&out->scope), ", SignedHeaders=", fa2_buf_slice(&out->signed_headers),
	               ", Signature=", fa2_slice_make(out->signature, FA2_SIGV4_SIG_HEX_LEN), NULL);
	if (!e)
		e = append_all(&out->headers, "X-Amz-Date: ",
		               fa2_slice_make(out->amz_date, FA2_SIGV4_DATE_LEN), "\r\n", FA2_SLICE_EMPTY, NULL);
	if (!e && p->session_token.len)
		e = append_all(&out->headers, "X-Amz-Security-Token: ", p->session_token, "\r\n", FA2_SLICE_EMPTY, NULL);
	if (!e && add_body)
		e = append_all(&out->headers, "X-Amz-Content-Sha256: ", payload_hash, "\r\n", FA2_SLICE_EMPTY, NULL);
	if (!e)
		e = append_all(&out->headers, "Authorization: ", fa2_buf_slice(&out->authorization),
		               "\r\n", FA2_SLICE_EMPTY, NULL);
	return e;
}

fa2_err fa2_sigv4_presign(const fa2_sigv4_request *req, const fa2_sigv4_params *p,
                          fa2_sigv4_result *out)
{
	char payload_hex[FA2_SHA256_HEX_LEN + 1];
	fa2_buf extra, canon_hdrs;
	fa2_slice payload_hash;
	fa2_err e;

	if (!p || p->expires_s < 1 || p->expires_s > 604800)
		return FA2_ERR_INVALID;
	e = begin(req, p, out, payload_hex, &payload_hash);
	if (e)
		return e;
	fa2_buf_init(&extra, FA2_MAX_SIGV4_BYTES);
	fa2_buf_init(&canon_hdrs, FA2_MAX_SIGV4_BYTES);
	/* The signed-header list is part of the query, so work it out first. */
	e = fa2_sigv4_canonical_headers(req->headers, req->n_headers, NULL, 0, &canon_hdrs,
	                                &out->signed_headers);
	if (e)
		goto cleanup;
	{
		/* X-Amz-Credential=<akid>/<scope>, slashes encoded. */
		fa2_buf cred;
		fa2_buf_init(&cred, FA2_MAX_SIGV4_BYTES);
		e = fa2_buf_append_slice(&cred, p->access_key_id);
		if (!e)
			e = fa2_buf_append_byte(&cred, '/');
		if (!e)
			e = fa2_buf_append_slice(&cred, fa2_buf_slice(&out->scope));
		if (!e)
			e = fa2_buf_append_cstr(&extra, "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=");
		if (!e)
			e = fa2_sigv4_uri_encode(&extra, fa2_buf_slice(&cred), 0);
		fa2_buf_cleanup(&cred);
	}
	if (!e)
		e = fa2_buf_appendf(&extra, "&X-Amz-Date=%s&X-Amz-Expires=%lu", out->amz_date,
		                    (unsigned long)p->expires_s);
	if (!e && p->session_token.len && !(p->flags & FA2_SIGV4_OMIT_TOKEN)) {
		e = fa2_buf_append_cstr(&extra, "&X-Amz-Security-Token=");
		if (!e)
			e = fa2_sigv4_uri_encode(&extra, p->session_token, 0);
	}
	if (!e)
		e = fa2_buf_append_cstr(&extra, "&X-Amz-SignedHeaders=");
	if (!e)
		e = fa2_sigv4_uri_encode(&extra, fa2_buf_slice(&out->signed_headers), 0);
	if (e)
		goto cleanup;
	fa2_buf_reset(&out->signed_headers);
	e = build_creq(req, p, out, fa2_buf_slice(&extra), NULL, 0, payload_hash);
	if (!e)
		e = finish_signature(p, out);
	if (!e)
		e = fa2_sigv4_canonical_query(&out->query, req->query, fa2_buf_slice(&extra));
	if (!e)
		e = fa2_buf_appendf(&out->query, "&X-Amz-Signature=%s", out->signature);
	if (!e && p->session_token.len && (p->flags & FA2_SIGV4_OMIT_TOKEN)) {
		e = fa2_buf_append_cstr(&out->query, "&X-Amz-Security-Token=");
		if (!e)
			e = fa2_sigv4_uri_encode(&out->query, p->session_token, 0);
	}
cleanup:
	fa2_buf_cleanup(&extra);
	fa2_buf_cleanup(&canon_hdrs);
	return e;
}
