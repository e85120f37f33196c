#include "crypto/random.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "crypto/ct.h"

static fa2_err from_urandom(unsigned char *p, size_t n)
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	fa2_err e = FA2_OK;
	if (fd < 0)
		return FA2_ERR_IO;
	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			e = FA2_ERR_IO;
			break;
		}
		p += r;
		n -= (size_t)r;
	}
	close(fd);
	return e;
}

fa2_err fa2_random_bytes(void *buf, size_t n)
{
	unsigned char *p = buf;
	size_t left = n;
	fa2_err e = FA2_OK;

#ifdef SYS_getrandom
	while (left > 0) {
		/* getrandom returns at most 33554431 bytes per call; ask for 256 at a time
		 * so that a signal cannot interrupt a large request half-way. */
		size_t chunk = left > 256 ? 256 : left;
		long r = syscall(SYS_getrandom, p, chunk, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			if (errno == ENOSYS || errno == EPERM)
				break;
			e = FA2_ERR_IO;
			goto cleanup;
		}
		p += r;
		left -= (size_t)r;
	}
#endif
	if (left > 0)
		e = from_urandom(p, left);
cleanup:
	if (e)
		fa2_wipe(buf, n);
	return e;
}

uint64_t fa2_random_below(uint64_t bound)
{
	uint64_t x, limit;
	if (bound <= 1)
		return 0;
	/* Reject values in the incomplete last interval. */
	limit = UINT64_MAX - (UINT64_MAX % bound);
	do {
		if (fa2_random_bytes(&x, sizeof x))
			return 0;
	} while (x >= limit);
	return x % bound;
}
