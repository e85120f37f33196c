#include "crypto/encode.h"

#include <string.h>

static const char hexdig[] = "0123456789abcdef";

void fa2_hex_encode(const void *data, size_t len, char *out)
{
	const unsigned char *p = data;
	size_t i;
	for (i = 0; i < len; i++) {
		out[2 * i] = hexdig[p[i] >> 4];
		out[2 * i + 1] = hexdig[p[i] & 15];
	}
}

fa2_err fa2_hex_append(fa2_buf *out, const void *data, size_t len)
{
	fa2_err e;
	if (len > ((size_t)-1) / 2)
		return FA2_ERR_TOO_LARGE;
	e = fa2_buf_reserve(out, 2 * len);
	if (e)
		return e;
	fa2_hex_encode(data, len, out->data + out->len);
	out->len += 2 * len;
	out->data[out->len] = '\0';
	return FA2_OK;
}

fa2_err fa2_hex_decode(fa2_slice hex, unsigned char *out, size_t cap, size_t *out_len)
{
	size_t i, n;
	if (hex.len % 2)
		return FA2_ERR_PARSE;
	n = hex.len / 2;
	for (i = 0; i < hex.len; i++)
		if (fa2_hex_digit((unsigned char)hex.ptr[i]) < 0)
			return FA2_ERR_PARSE;
	if (n > cap)
		return FA2_ERR_TOO_LARGE;
	for (i = 0; i < n; i++)
		out[i] = (unsigned char)((fa2_hex_digit((unsigned char)hex.ptr[2 * i]) << 4) |
		                         fa2_hex_digit((unsigned char)hex.ptr[2 * i + 1]));
	*out_len = n;
	return FA2_OK;
}

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t fa2_base64_encoded_len(size_t n, fa2_b64_variant v)
{
	size_t full = n / 3, rem = n % 3;
	if (full > ((size_t)-1) / 4 - 1)
		return 0;
	if (v == FA2_B64_URL)
		return full * 4 + (rem ? rem + 1 : 0);
	return full * 4 + (rem ? 4 : 0);
}

fa2_err fa2_base64_append(fa2_buf *out, const void *data, size_t len, fa2_b64_variant v)
{
	const unsigned char *p = data;
	const char *a = v == FA2_B64_STD ? b64_std : b64_url;
	size_t need = fa2_base64_encoded_len(len, v), i;
	char *o;
	fa2_err e;

	if (need == 0 && len != 0)
		return FA2_ERR_TOO_LARGE;
	e = fa2_buf_reserve(out, need);
	if (e)
		return e;
	o = out->data + out->len;
	for (i = 0; i + 3 <= len; i += 3) {
		unsigned long w = ((unsigned long)p[i] << 16) | ((unsigned long)p[i + 1] << 8) | p[i + 2];
		*o++ = a[(w >> 18) & 63];
		*o++ = a[(w >> 12) & 63];
		*o++ = a[(w >> 6) & 63];
		*o++ = a[w & 63];
	}
	if (len - i == 1) {
		unsigned long w = (unsigned long)p[i] << 16;
		*o++ = a[(w >> 18) & 63];
		*o++ = a[(w >> 12) & 63];
		if (v != FA2_B64_URL) {
			*o++ = '=';
			*o++ = '=';
		}
	} else if (len - i == 2) {
		unsigned long w = ((unsigned long)p[i] << 16) | ((unsigned long)p[i + 1] << 8);
		*o++ = a[(w >> 18) & 63];
		*o++ = a[(w >> 12) & 63];
		*o++ = a[(w >> 6) & 63];
		if (v != FA2_B64_URL)
			*o++ = '=';
	}
	out->len += need;
	out->data[out->len] = '\0';
	return FA2_OK;
}

static int b64val(unsigned char c, int url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (!url && c == '+')
		return 62;
	if (!url && c == '/')
		return 63;
	if (url && c == '-')
		return 62;
	if (url && c == '_')
		return 63;
	return -1;
}

fa2_err fa2_base64_decode(fa2_slice s, fa2_b64_variant v, fa2_buf *out)
{
	int url = v != FA2_B64_STD;
	size_t n = s.len, pad = 0, i, data_len, start = out->len, rem;
	unsigned long acc = 0;
	int bits = 0;
	fa2_err e;

	/* Strip and validate padding. */
	while (n > 0 && s.ptr[n - 1] == '=' && pad < 2) {
		n--;
		pad++;
	}
	if (pad) {
		if (s.len % 4)
			return FA2_ERR_PARSE;
	} else if (v != FA2_B64_URL && s.len % 4) {
		return FA2_ERR_PARSE;
	}
	rem = n % 4;
	if (rem == 1)
		return FA2_ERR_PARSE;
	if (pad && pad != (4 - rem) % 4)
		return FA2_ERR_PARSE;
	for (i = 0; i < n; i++)
		if (b64val((unsigned char)s.ptr[i], url) < 0)
			return FA2_ERR_PARSE;
	/* Trailing bits of the last quantum must be zero (canonical encoding). */
	if (rem == 2 && (b64val((unsigned char)s.ptr[n - 1], url) & 0x0f))
		return FA2_ERR_PARSE;
	if (rem == 3 && (b64val((unsigned char)s.ptr[n - 1], url) & 0x03))
		return FA2_ERR_PARSE;

	data_len = (n / 4) * 3 + (rem ? rem - 1 : 0);
	e = fa2_buf_reserve(out, data_len);
	if (e)
		return e;
	for (i = 0; i < n; i++) {
		acc = (acc << 6) | (unsigned long)b64val((unsigned char)s.ptr[i], url);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out->data[out->len++] = (char)((acc >> bits) & 0xff);
		}
	}
	out->data[out->len] = '\0';
	if (out->len - start != data_len)
		return FA2_ERR_INTERNAL;
	return FA2_OK;
}
