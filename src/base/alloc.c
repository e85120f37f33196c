#include "base/alloc.h"

#include <stdlib.h>
#include <string.h>

/* Injection state. The countdown is only touched by tests, which are single-threaded
 * when they use it; a plain long is enough. */
static long fail_countdown = -1;
static unsigned long injected;

static int should_fail(void)
{
	if (fail_countdown < 0)
		return 0;
	if (fail_countdown == 0) {
		injected++;
		return 1;
	}
	fail_countdown--;
	return 0;
}

void fa2_alloc_fail_after(long n)
{
	fail_countdown = n < 0 ? -1 : n;
	injected = 0;
}

void fa2_alloc_fail_reset(void)
{
	fail_countdown = -1;
}

unsigned long fa2_alloc_injected_failures(void)
{
	return injected;
}

void *fa2_malloc(size_t n)
{
	if (should_fail())
		return NULL;
	return malloc(n ? n : 1);
}

void *fa2_calloc(size_t count, size_t size)
{
	if (size && count > (size_t)-1 / size)
		return NULL;
	if (should_fail())
		return NULL;
	return calloc(count ? count : 1, size ? size : 1);
}

void *fa2_realloc(void *p, size_t n)
{
	if (should_fail())
		return NULL;
	return realloc(p, n ? n : 1);
}

void fa2_free(void *p)
{
	free(p);
}

char *fa2_strndup(const char *s, size_t len)
{
	char *d;
	if (len == (size_t)-1)
		return NULL;
	d = fa2_malloc(len + 1);
	if (!d)
		return NULL;
	if (len)
		memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

char *fa2_strdup(const char *s)
{
	return fa2_strndup(s, strlen(s));
}
