/* Cryptographically secure random bytes from the kernel. */
#ifndef FA2_CRYPTO_RANDOM_H
#define FA2_CRYPTO_RANDOM_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* Fills buf with n random bytes: getrandom(2), or /dev/urandom when the kernel lacks
 * it (ENOSYS) or a seccomp filter refuses it. Blocks only until the kernel pool is
 * initialised at boot. FA2_ERR_IO when neither source works (buf is then zeroed). */
fa2_err fa2_random_bytes(void *buf, size_t n);

/* A uniformly distributed integer in [0, bound) (bound > 0), without modulo bias.
 * Returns 0 when the random source fails. For jitter, not for keys. */
uint64_t fa2_random_below(uint64_t bound);

#endif
