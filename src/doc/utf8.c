/* UTF-8 decoding: see utf8.h. */
#include "doc/utf8.h"

uint32_t fa2_utf8_next(fa2_slice s, size_t *i)
{
	const unsigned char *p = (const unsigned char *)s.ptr + *i;
	size_t left = s.len - *i, n, k;
	uint32_t cp, min;

	if (p[0] < 0x80) {
		++*i;
		return p[0];
	}
	if ((p[0] & 0xE0) == 0xC0)
		n = 2, cp = p[0] & 0x1Fu, min = 0x80;
	else if ((p[0] & 0xF0) == 0xE0)
		n = 3, cp = p[0] & 0x0Fu, min = 0x800;
	else if ((p[0] & 0xF8) == 0xF0)
		n = 4, cp = p[0] & 0x07u, min = 0x10000;
	else
		goto bad;
	if (left < n)
		goto bad;
	for (k = 1; k < n; k++) {
		if ((p[k] & 0xC0) != 0x80)
			goto bad;
		cp = cp << 6 | (p[k] & 0x3Fu);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		goto bad;
	*i += n;
	return cp;
bad:
	++*i;
	return FA2_UTF8_REPLACEMENT;
}

fa2_err fa2_utf8_append(fa2_buf *b, uint32_t cp)
{
	unsigned char u[4];
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = FA2_UTF8_REPLACEMENT;
	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		return fa2_buf_append(b, u, 1);
	}
	if (cp < 0x800) {
		u[0] = (unsigned char)(0xC0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return fa2_buf_append(b, u, 2);
	}
	if (cp < 0x10000) {
		u[0] = (unsigned char)(0xE0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		u[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return fa2_buf_append(b, u, 3);
	}
	u[0] = (unsigned char)(0xF0 | cp >> 18);
	u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
	u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
	u[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return fa2_buf_append(b, u, 4);
}

size_t fa2_utf8_cut(fa2_slice s, size_t max)
{
	size_t n;
	if (max >= s.len)
		return s.len;
	n = max;
	/* Back off continuation bytes; at most three. */
	while (n > 0 && max - n < 3 && ((unsigned char)s.ptr[n] & 0xC0) == 0x80)
		n--;
	return n;
}
