/* (pointer, length) strings. Nothing here needs or adds a NUL terminator. */
#ifndef FA2_BASE_SLICE_H
#define FA2_BASE_SLICE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct fa2_slice {
	const char *ptr;  /* may be NULL only when len == 0 */
	size_t len;
} fa2_slice;

#define FA2_SLICE_LIT(s) ((fa2_slice){ (s), sizeof(s) - 1 })
#define FA2_SLICE_EMPTY  ((fa2_slice){ "", 0 })
/* printf helper: printf("%.*s", FA2_SLICE_FMT(s)) */
#define FA2_SLICE_FMT(s) (int)((s).len > 0x7fffffff ? 0x7fffffff : (s).len), (s).ptr

fa2_slice fa2_slice_make(const char *ptr, size_t len);
/* s may be NULL (empty slice). */
fa2_slice fa2_slice_cstr(const char *s);

int fa2_slice_eq(fa2_slice a, fa2_slice b);
int fa2_slice_eq_cstr(fa2_slice a, const char *b);
/* ASCII case-insensitive equality. */
int fa2_slice_eq_ci(fa2_slice a, fa2_slice b);
int fa2_slice_starts_with(fa2_slice s, fa2_slice prefix);
int fa2_slice_ends_with(fa2_slice s, fa2_slice suffix);
/* Index of the first occurrence of needle, or -1. An empty needle matches at 0. */
long fa2_slice_find(fa2_slice hay, fa2_slice needle);
long fa2_slice_find_char(fa2_slice s, char c);
/* Sub-slice [from, from+len) clamped to s. */
fa2_slice fa2_slice_sub(fa2_slice s, size_t from, size_t len);
/* Strips ASCII white space (space, tab, CR, LF, VT, FF) at both ends. */
fa2_slice fa2_slice_trim(fa2_slice s);
/* Splits at the first `sep`: *head gets the part before, *rest the part after.
 * Returns 0 (head = s, rest empty) when sep does not occur. */
int fa2_slice_split(fa2_slice s, char sep, fa2_slice *head, fa2_slice *rest);

/* Value of one hexadecimal digit (either case), or -1. */
int fa2_hex_digit(unsigned char c);

/* Bounded, overflow-checked number parsing of the whole slice. An optional leading
 * '-' (and '+') is accepted by the signed variants. Errors: FA2_ERR_PARSE for
 * non-digits or an empty slice, FA2_ERR_TOO_LARGE on overflow. */
fa2_err fa2_parse_u64(fa2_slice s, uint64_t *out);
fa2_err fa2_parse_i64(fa2_slice s, int64_t *out);
/* Like fa2_parse_i64 with an inclusive range check (FA2_ERR_TOO_LARGE outside). */
fa2_err fa2_parse_int_range(fa2_slice s, long long min, long long max, long long *out);

#endif
