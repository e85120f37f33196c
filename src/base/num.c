/* Checked numbers (contracts in num.h). */
#include "base/num.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

fa2_err fa2_num_parse_i64(fa2_slice s, int64_t min, int64_t max, int64_t *out)
{
	int64_t v;
	fa2_err e = fa2_parse_i64(s, &v);
	if (e)
		return e;
	if (v < min || v > max)
		return FA2_ERR_TOO_LARGE;
	*out = v;
	return FA2_OK;
}

fa2_err fa2_num_parse_u64(fa2_slice s, uint64_t max, uint64_t *out)
{
	uint64_t v;
	fa2_err e = fa2_parse_u64(s, &v);
	if (e)
		return e;
	if (v > max)
		return FA2_ERR_TOO_LARGE;
	*out = v;
	return FA2_OK;
}

fa2_err fa2_num_parse_size(fa2_slice s, size_t max, size_t *out)
{
	uint64_t v;
	fa2_err e = fa2_num_parse_u64(s, (uint64_t)max, &v);
	if (e)
		return e;
	*out = (size_t)v;
	return FA2_OK;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* 1 when s is [+-] (digits [. digits*] | . digits) [(e|E) [+-] digits], nothing else. */
static int double_syntax_ok(fa2_slice s)
{
	size_t i = 0, int_digits = 0, frac_digits = 0, exp_digits = 0;
	if (i < s.len && (s.ptr[i] == '+' || s.ptr[i] == '-'))
		i++;
	while (i < s.len && is_digit(s.ptr[i])) {
		i++;
		int_digits++;
	}
	if (i < s.len && s.ptr[i] == '.') {
		i++;
		while (i < s.len && is_digit(s.ptr[i])) {
			i++;
			frac_digits++;
		}
	}
	if (int_digits == 0 && frac_digits == 0)
		return 0;
	if (i < s.len && (s.ptr[i] == 'e' || s.ptr[i] == 'E')) {
		i++;
		if (i < s.len && (s.ptr[i] == '+' || s.ptr[i] == '-'))
			i++;
		while (i < s.len && is_digit(s.ptr[i])) {
			i++;
			exp_digits++;
		}
		if (exp_digits == 0)
			return 0;
	}
	return i == s.len;
}

fa2_err fa2_num_parse_double(fa2_slice s, double *out)
{
	char tmp[FA2_NUM_MAX_DOUBLE_CHARS + 1];
	char *end = NULL;
	double v;

	if (s.len == 0 || !double_syntax_ok(s))
		return FA2_ERR_PARSE;
	if (s.len > FA2_NUM_MAX_DOUBLE_CHARS)
		return FA2_ERR_TOO_LARGE;
	memcpy(tmp, s.ptr, s.len);
	tmp[s.len] = '\0';
	/* fa2 never calls setlocale, so strtod reads '.' as the decimal point ("C"). */
	errno = 0;
	v = strtod(tmp, &end);
	if (end != tmp + s.len)
		return FA2_ERR_PARSE;
	if (!isfinite(v) || (errno == ERANGE && fabs(v) > 1.0))
		return FA2_ERR_TOO_LARGE;  /* overflow: strtod returned HUGE_VAL */
	*out = v;
	return FA2_OK;
}

fa2_err fa2_num_double_to_i64(double d, int64_t min, int64_t max, int64_t *out)
{
	double t;
	int64_t v;

	if (d != d)
		return FA2_ERR_PARSE;
	t = trunc(d);
	/* -2^63 and 2^63 are exact doubles: inside this interval the cast is defined. */
	if (!(t >= -9223372036854775808.0 && t < 9223372036854775808.0))
		return FA2_ERR_TOO_LARGE;
	v = (int64_t)t;
	if (v < min || v > max)
		return FA2_ERR_TOO_LARGE;
	*out = v;
	return FA2_OK;
}

fa2_err fa2_num_add_i64(int64_t a, int64_t b, int64_t *out)
{
	if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b))
		return FA2_ERR_TOO_LARGE;
	*out = a + b;
	return FA2_OK;
}

fa2_err fa2_num_mul_i64(int64_t a, int64_t b, int64_t *out)
{
	if (a > 0) {
		if (b > 0 ? a > INT64_MAX / b : b < INT64_MIN / a)
			return FA2_ERR_TOO_LARGE;
	} else if (a < 0) {
		if (b > 0 ? a < INT64_MIN / b : b < INT64_MAX / a)
			return FA2_ERR_TOO_LARGE;
	}
	*out = a * b;
	return FA2_OK;
}

int64_t fa2_num_sat_add_i64(int64_t a, int64_t b)
{
	int64_t r;
	if (fa2_num_add_i64(a, b, &r) == FA2_OK)
		return r;
	return b > 0 ? INT64_MAX : INT64_MIN;
}

int64_t fa2_num_sat_mul_i64(int64_t a, int64_t b)
{
	int64_t r;
	if (fa2_num_mul_i64(a, b, &r) == FA2_OK)
		return r;
	return (a < 0) != (b < 0) ? INT64_MIN : INT64_MAX;
}

int64_t fa2_num_clamp_i64(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

int64_t fa2_num_epoch_clamp_s(int64_t s)
{
	return fa2_num_clamp_i64(s, 0, FA2_NUM_EPOCH_MAX_S);
}

int64_t fa2_num_epoch_clamp_ms(int64_t ms)
{
	return fa2_num_clamp_i64(ms, 0, FA2_NUM_EPOCH_MAX_MS);
}

fa2_err fa2_num_parse_epoch_s(fa2_slice s, int64_t *out_s)
{
	double d;
	fa2_err e = fa2_num_parse_double(s, &d);
	if (e)
		return e;
	return fa2_num_double_to_i64(d, 0, FA2_NUM_EPOCH_MAX_S, out_s);
}
