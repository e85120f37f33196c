#include "crypto/ct.h"

#include <string.h>

int fa2_ct_eq(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a;
	const volatile unsigned char *y = b;
	unsigned acc = 0;
	size_t i;
	for (i = 0; i < n; i++)
		acc |= (unsigned)(x[i] ^ y[i]);
	/* acc is 0..255; map 0 -> 1 and anything else -> 0 without a branch on it. */
	return (int)(((acc - 1u) >> 8) & 1u);
}

int fa2_ct_eq_len(const void *a, size_t a_len, const void *b, size_t b_len)
{
	if (a_len != b_len)
		return 0;
	return fa2_ct_eq(a, b, a_len);
}

/* Calling memset through a volatile function pointer keeps the compiler from proving
 * the store dead and eliding it. */
static void *(*const volatile wipe_memset)(void *, int, size_t) = memset;

void fa2_wipe(void *p, size_t n)
{
	if (p && n)
		wipe_memset(p, 0, n);
}
