#include "base/buf.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"

void fa2_buf_init(fa2_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void fa2_buf_cleanup(fa2_buf *b)
{
	fa2_free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void fa2_buf_reset(fa2_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void fa2_buf_wipe(fa2_buf *b)
{
	if (b->data) {
		volatile char *p = b->data;
		size_t i;
		for (i = 0; i < b->cap; i++)
			p[i] = 0;
	}
	b->len = 0;
}

fa2_err fa2_buf_reserve(fa2_buf *b, size_t extra)
{
	size_t need, ncap;
	char *nd;
	if (extra > b->max || b->len > b->max - extra)
		return FA2_ERR_TOO_LARGE;
	need = b->len + extra + 1; /* + NUL */
	if (need <= b->cap)
		return FA2_OK;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need) {
		if (ncap > ((size_t)-1) / 2) {
			ncap = need;
			break;
		}
		ncap *= 2;
	}
	if (ncap > b->max + 1)
		ncap = b->max + 1;
	if (ncap < need)
		ncap = need;
	nd = fa2_realloc(b->data, ncap);
	if (!nd)
		return FA2_ERR_NOMEM;
	b->data = nd;
	b->cap = ncap;
	return FA2_OK;
}

fa2_err fa2_buf_resize(fa2_buf *b, size_t cap)
{
	char *nd;
	if (cap < b->len + 1)
		return FA2_ERR_INVALID;
	if (cap - 1 > b->max)
		return FA2_ERR_TOO_LARGE;
	if (cap == b->cap)
		return FA2_OK;
	nd = fa2_realloc(b->data, cap);
	if (!nd)
		return FA2_ERR_NOMEM;
	if (!b->data)
		nd[0] = '\0';
	b->data = nd;
	b->cap = cap;
	return FA2_OK;
}

fa2_err fa2_buf_append(fa2_buf *b, const void *p, size_t n)
{
	fa2_err e = fa2_buf_reserve(b, n);
	if (e)
		return e;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return FA2_OK;
}

fa2_err fa2_buf_append_slice(fa2_buf *b, fa2_slice s)
{
	return fa2_buf_append(b, s.ptr, s.len);
}

fa2_err fa2_buf_append_cstr(fa2_buf *b, const char *s)
{
	return fa2_buf_append(b, s, strlen(s));
}

fa2_err fa2_buf_append_byte(fa2_buf *b, unsigned char c)
{
	return fa2_buf_append(b, &c, 1);
}

fa2_err fa2_buf_vappendf(fa2_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	fa2_err e;
	char small[256];

	va_copy(ap2, ap);
	n = vsnprintf(small, sizeof small, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return FA2_ERR_INVALID;
	if ((size_t)n < sizeof small)
		return fa2_buf_append(b, small, (size_t)n);
	e = fa2_buf_reserve(b, (size_t)n);
	if (e)
		return e;
	va_copy(ap2, ap);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	b->len += (size_t)n;
	return FA2_OK;
}

fa2_err fa2_buf_appendf(fa2_buf *b, const char *fmt, ...)
{
	va_list ap;
	fa2_err e;
	va_start(ap, fmt);
	e = fa2_buf_vappendf(b, fmt, ap);
	va_end(ap);
	return e;
}

void fa2_buf_consume(fa2_buf *b, size_t n)
{
	if (n >= b->len) {
		fa2_buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}

void fa2_buf_truncate(fa2_buf *b, size_t n)
{
	if (n < b->len) {
		b->len = n;
		b->data[n] = '\0';
	}
}

fa2_slice fa2_buf_slice(const fa2_buf *b)
{
	return fa2_slice_make(b->data ? b->data : "", b->len);
}

char *fa2_buf_steal(fa2_buf *b, size_t *len_out)
{
	char *d = b->data;
	if (len_out)
		*len_out = b->len;
	if (!d)
		d = fa2_strndup("", 0);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return d;
}
