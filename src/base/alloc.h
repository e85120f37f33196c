/* The one allocator of fa2. Every allocation, cJSON's included (see fa2_json_init),
 * goes through these functions so that failures can be injected in tests. */
#ifndef FA2_BASE_ALLOC_H
#define FA2_BASE_ALLOC_H

#include <stddef.h>

void *fa2_malloc(size_t n);
void *fa2_calloc(size_t count, size_t size);  /* overflow-checked */
void *fa2_realloc(void *p, size_t n);
void  fa2_free(void *p);
/* Copies len bytes of s into a new NUL-terminated string. */
char *fa2_strndup(const char *s, size_t len);
char *fa2_strdup(const char *s);

/* Failure injection (tests): after `n` more successful allocations, every further
 * allocation fails until fa2_alloc_fail_reset(). n < 0 disables injection. */
void fa2_alloc_fail_after(long n);
void fa2_alloc_fail_reset(void);
/* Number of allocations that failed because of injection since the last reset. */
unsigned long fa2_alloc_injected_failures(void);

#endif
