#include "base/slice.h"

#include <string.h>

#include "base/num.h"

fa2_slice fa2_slice_make(const char *ptr, size_t len)
{
	fa2_slice s;
	s.ptr = ptr ? ptr : "";
	s.len = ptr ? len : 0;
	return s;
}

fa2_slice fa2_slice_cstr(const char *s)
{
	return fa2_slice_make(s, s ? strlen(s) : 0);
}

int fa2_slice_eq(fa2_slice a, fa2_slice b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

int fa2_slice_eq_cstr(fa2_slice a, const char *b)
{
	return fa2_slice_eq(a, fa2_slice_cstr(b));
}

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

int fa2_slice_eq_ci(fa2_slice a, fa2_slice b)
{
	size_t i;
	if (a.len != b.len)
		return 0;
	for (i = 0; i < a.len; i++)
		if (lower((unsigned char)a.ptr[i]) != lower((unsigned char)b.ptr[i]))
			return 0;
	return 1;
}

int fa2_slice_starts_with(fa2_slice s, fa2_slice prefix)
{
	return s.len >= prefix.len && (prefix.len == 0 || memcmp(s.ptr, prefix.ptr, prefix.len) == 0);
}

int fa2_slice_ends_with(fa2_slice s, fa2_slice suffix)
{
	return s.len >= suffix.len &&
	       (suffix.len == 0 || memcmp(s.ptr + s.len - suffix.len, suffix.ptr, suffix.len) == 0);
}

long fa2_slice_find(fa2_slice hay, fa2_slice needle)
{
	size_t i;
	if (needle.len == 0)
		return 0;
	if (needle.len > hay.len)
		return -1;
	for (i = 0; i + needle.len <= hay.len; i++) {
		if (hay.ptr[i] == needle.ptr[0] && memcmp(hay.ptr + i, needle.ptr, needle.len) == 0)
			return (long)i;
	}
	return -1;
}

long fa2_slice_find_char(fa2_slice s, char c)
{
	const char *p = s.len ? memchr(s.ptr, c, s.len) : NULL;
	return p ? (long)(p - s.ptr) : -1;
}

fa2_slice fa2_slice_sub(fa2_slice s, size_t from, size_t len)
{
	if (from > s.len)
		from = s.len;
	if (len > s.len - from)
		len = s.len - from;
	return fa2_slice_make(s.ptr + from, len);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

fa2_slice fa2_slice_trim(fa2_slice s)
{
	while (s.len && is_space(s.ptr[0])) {
		s.ptr++;
		s.len--;
	}
	while (s.len && is_space(s.ptr[s.len - 1]))
		s.len--;
	return s;
}

int fa2_slice_split(fa2_slice s, char sep, fa2_slice *head, fa2_slice *rest)
{
	long i = fa2_slice_find_char(s, sep);
	if (i < 0) {
		*head = s;
		*rest = fa2_slice_make(s.ptr + s.len, 0);
		return 0;
	}
	*head = fa2_slice_make(s.ptr, (size_t)i);
	*rest = fa2_slice_make(s.ptr + i + 1, s.len - (size_t)i - 1);
	return 1;
}

int fa2_hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

fa2_err fa2_parse_u64(fa2_slice s, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;
	if (s.len == 0)
		return FA2_ERR_PARSE;
	for (i = 0; i < s.len; i++) {
		unsigned d;
		if (s.ptr[i] < '0' || s.ptr[i] > '9')
			return FA2_ERR_PARSE;
		d = (unsigned)(s.ptr[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return FA2_ERR_TOO_LARGE;
		v = v * 10 + d;
	}
	*out = v;
	return FA2_OK;
}

fa2_err fa2_parse_i64(fa2_slice s, int64_t *out)
{
	int neg = 0;
	uint64_t mag;
	fa2_err e;
	if (s.len && (s.ptr[0] == '-' || s.ptr[0] == '+')) {
		neg = s.ptr[0] == '-';
		s = fa2_slice_sub(s, 1, s.len - 1);
	}
	e = fa2_parse_u64(s, &mag);
	if (e)
		return e;
	if (neg) {
		if (mag > (uint64_t)INT64_MAX + 1)
			return FA2_ERR_TOO_LARGE;
		*out = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
	} else {
		if (mag > (uint64_t)INT64_MAX)
			return FA2_ERR_TOO_LARGE;
		*out = (int64_t)mag;
	}
	return FA2_OK;
}

fa2_err fa2_parse_int_range(fa2_slice s, long long min, long long max, long long *out)
{
	int64_t v;
	fa2_err e = fa2_num_parse_i64(s, min, max, &v);
	if (!e)
		*out = (long long)v;
	return e;
}
