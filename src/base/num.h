/* Checked numbers: every number that comes from the network or from a file goes through
 * one of these before fa2 computes with it.
 *
 * - Parsing takes a (pointer, length) string, refuses anything but the documented form
 *   and checks the caller's range: FA2_ERR_PARSE for a malformed number (empty, stray
 *   characters, white space, "nan", "inf", hexadecimal), FA2_ERR_TOO_LARGE for a
 *   well-formed number outside the range (overflow of the type included). The output is
 *   written only on FA2_OK.
 * - A double becomes an integer only through fa2_num_double_to_i64, which refuses NaN,
 *   infinities and values outside the range (a plain cast of those is undefined).
 * - Time arithmetic on values derived from input uses the checked or saturating forms.
 * - Epoch instants from input are checked against (or clamped to) 1970-01-01 ..
 *   9999-12-31 UTC before arithmetic: the range fa2 can format, far from int64 limits,
 *   so that adding a window of days or multiplying seconds by 1000 cannot overflow.
 *
 * The unranged integer parsers fa2_parse_u64 / fa2_parse_i64 / fa2_parse_int_range
 * (base/slice.h) are the primitives these build on. */
#ifndef FA2_BASE_NUM_H
#define FA2_BASE_NUM_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"

/* Longest text fa2_num_parse_double accepts (digits, sign, point and exponent). */
#define FA2_NUM_MAX_DOUBLE_CHARS 400u

/* Sane epoch range: 1970-01-01T00:00:00Z .. 9999-12-31T23:59:59.999Z. */
#define FA2_NUM_EPOCH_MAX_S  253402300799LL
#define FA2_NUM_EPOCH_MAX_MS 253402300799999LL

/* Decimal integers: optional '-' or '+' (signed form only), then digits, nothing else. */
fa2_err fa2_num_parse_i64(fa2_slice s, int64_t min, int64_t max, int64_t *out);
fa2_err fa2_num_parse_u64(fa2_slice s, uint64_t max, uint64_t *out);
fa2_err fa2_num_parse_size(fa2_slice s, size_t max, size_t *out);

/* Decimal floating point as JSON and Slack write it, with an optional leading '+':
 * [+-] (digits [. digits*] | . digits) [(e|E) [+-] digits], at most
 * FA2_NUM_MAX_DOUBLE_CHARS characters. The result is finite: a magnitude beyond
 * DBL_MAX is FA2_ERR_TOO_LARGE; one too small to represent becomes 0 or a subnormal
 * (FA2_OK). Independent of the locale's decimal point. */
fa2_err fa2_num_parse_double(fa2_slice s, double *out);

/* d truncated toward zero, if finite and within [min, max] after truncation.
 * FA2_ERR_PARSE for NaN, FA2_ERR_TOO_LARGE for infinities and out-of-range values. */
fa2_err fa2_num_double_to_i64(double d, int64_t min, int64_t max, int64_t *out);

/* Checked arithmetic: FA2_ERR_TOO_LARGE (and *out untouched) on int64 overflow. */
fa2_err fa2_num_add_i64(int64_t a, int64_t b, int64_t *out);
fa2_err fa2_num_mul_i64(int64_t a, int64_t b, int64_t *out);
/* Saturating arithmetic: the exact result clamped to [INT64_MIN, INT64_MAX]. */
int64_t fa2_num_sat_add_i64(int64_t a, int64_t b);
int64_t fa2_num_sat_mul_i64(int64_t a, int64_t b);
/* v clamped to [lo, hi] (lo <= hi). */
int64_t fa2_num_clamp_i64(int64_t v, int64_t lo, int64_t hi);

/* Epoch instants clamped to [0, FA2_NUM_EPOCH_MAX_S] / [0, FA2_NUM_EPOCH_MAX_MS]. */
int64_t fa2_num_epoch_clamp_s(int64_t s);
int64_t fa2_num_epoch_clamp_ms(int64_t ms);

/* An epoch instant in seconds written as a decimal number ("1764057600",
 * "1764057600.123456" as in a Slack ts, "1.7640576e9"); the fraction is dropped.
 * FA2_ERR_PARSE when it is not a number, FA2_ERR_TOO_LARGE outside
 * [0, FA2_NUM_EPOCH_MAX_S]. */
fa2_err fa2_num_parse_epoch_s(fa2_slice s, int64_t *out_s);

#endif
