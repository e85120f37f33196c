/* Constant-time comparison and secure wiping. */
#ifndef FA2_CRYPTO_CT_H
#define FA2_CRYPTO_CT_H

#include <stddef.h>

/* 1 when the n bytes at a and b are equal, else 0. The time taken depends on n only,
 * never on the content. n == 0 compares equal. */
int fa2_ct_eq(const void *a, const void *b, size_t n);

/* Equal-length-or-not comparison for secrets of public length: 0 when the lengths differ
 * (the length is not hidden), otherwise fa2_ct_eq. */
int fa2_ct_eq_len(const void *a, size_t a_len, const void *b, size_t b_len);

/* Overwrites n bytes at p with zeros in a way the compiler may not remove. p may be
 * NULL when n is 0. */
void fa2_wipe(void *p, size_t n);

#endif
