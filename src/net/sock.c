/* TCP sockets with deadlines (see sock.h). */
#include "net/sock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "base/log.h"
#include "base/time.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

int64_t fa2_sock_deadline(int64_t timeout_ms)
{
	int64_t now = fa2_time_mono_ms();
	if (timeout_ms <= 0)
		return now;
	if (timeout_ms > INT64_MAX - now)
		return INT64_MAX;
	return now + timeout_ms;
}

int fa2_sock_remaining_ms(int64_t deadline_ms)
{
	int64_t left = deadline_ms - fa2_time_mono_ms();
	if (left <= 0)
		return 0;
	if (left > INT_MAX)
		return INT_MAX;
	return (int)left;
}

fa2_err fa2_sock_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return FA2_ERR_IO;
	fl = fcntl(fd, F_GETFD);
	if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)
		return FA2_ERR_IO;
	return FA2_OK;
}

void fa2_sock_close(int fd)
{
	if (fd >= 0)
		(void)close(fd);
}

fa2_err fa2_sock_wait(int fd, short events, int64_t deadline_ms, short *revents_out)
{
	for (;;) {
		struct pollfd p;
		int rc;
		p.fd = fd;
		p.events = events;
		p.revents = 0;
		rc = poll(&p, 1, fa2_sock_remaining_ms(deadline_ms));
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			return FA2_ERR_IO;
		}
		if (rc == 0)
			return FA2_ERR_TIMEOUT;
		if (revents_out)
			*revents_out = p.revents;
		return FA2_OK;
	}
}

fa2_err fa2_sock_read_some(int fd, void *buf, size_t cap, size_t *n_out)
{
	*n_out = 0;
	for (;;) {
		ssize_t n = recv(fd, buf, cap, 0);
		if (n > 0) {
			*n_out = (size_t)n;
			return FA2_OK;
		}
		if (n == 0)
			return FA2_ERR_CLOSED;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return FA2_ERR_AGAIN;
		return FA2_ERR_NET;
	}
}

fa2_err fa2_sock_write_some(int fd, const void *data, size_t len, size_t *n_out)
{
	*n_out = 0;
	for (;;) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
		if (n >= 0) {
			*n_out = (size_t)n;
			return n > 0 || len == 0 ? FA2_OK : FA2_ERR_AGAIN;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return FA2_ERR_AGAIN;
		return FA2_ERR_NET;
	}
}

fa2_err fa2_sock_read(int fd, void *buf, size_t cap, size_t *n_out, int64_t deadline_ms)
{
	for (;;) {
		fa2_err err = fa2_sock_read_some(fd, buf, cap, n_out);
		if (err != FA2_ERR_AGAIN)
			return err;
		err = fa2_sock_wait(fd, POLLIN, deadline_ms, NULL);
		if (err)
			return err;
	}
}

fa2_err fa2_sock_write_all(int fd, const void *data, size_t len, int64_t deadline_ms)
{
	const char *p = data;
	while (len > 0) {
		size_t n;
		fa2_err err = fa2_sock_write_some(fd, p, len, &n);
		if (err == FA2_ERR_AGAIN) {
			err = fa2_sock_wait(fd, POLLOUT, deadline_ms, NULL);
			if (err)
				return err;
			continue;
		}
		if (err)
			return err;
		p += n;
		len -= n;
	}
	return FA2_OK;
}

/* Connects fd to one address; the socket is already non-blocking. */
static fa2_err connect_one(int fd, const struct sockaddr *sa, socklen_t salen,
                           int64_t deadline_ms, int *errno_out)
{
	int rc, soerr = 0;
	socklen_t sl = sizeof soerr;
	fa2_err err;

	do {
		rc = connect(fd, sa, salen);
	} while (rc < 0 && errno == EINTR);
	if (rc == 0)
		return FA2_OK;
	if (errno != EINPROGRESS && errno != EAGAIN) {
		*errno_out = errno;
		return FA2_ERR_NET;
	}
	err = fa2_sock_wait(fd, POLLOUT, deadline_ms, NULL);
	if (err) {
		*errno_out = ETIMEDOUT;
		return err;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0) {
		*errno_out = errno;
		return FA2_ERR_NET;
	}
	if (soerr != 0) {
		*errno_out = soerr;
		return FA2_ERR_NET;
	}
	return FA2_OK;
}

/* Names for which a failed AI_ADDRCONFIG lookup is retried without the flag: address
 * literals and localhost (the ones that matter on hosts with only loopback configured).
 * Other names are not looked up twice, which would double a DNS timeout. */
static int retry_without_addrconfig(const char *name)
{
	size_t n = strlen(name);
	if (strspn(name, "0123456789abcdefABCDEF.:") == n)
		return 1;
	if (strcmp(name, "localhost") == 0)
		return 1;
	return n > 10 && strcmp(name + n - 10, ".localhost") == 0;
}

fa2_err fa2_sock_connect(const char *host, uint16_t port, int64_t deadline_ms, int *fd_out)
{
	struct addrinfo hints, *res = NULL, *ai;
	char portstr[8], hostbuf[256];
	const char *name = host;
	size_t hl;
	int rc, last_errno = 0, fd = -1, one = 1;
	unsigned naddr = 0;
	fa2_err err = FA2_ERR_NET;

	*fd_out = -1;
	if (!host || !*host || port == 0)
		return FA2_ERR_INVALID;
	hl = strlen(host);
	/* "[::1]" -> "::1" */
	if (host[0] == '[' && hl >= 2 && host[hl - 1] == ']') {
		if (hl - 2 >= sizeof hostbuf)
			return FA2_ERR_INVALID;
		memcpy(hostbuf, host + 1, hl - 2);
		hostbuf[hl - 2] = '\0';
		name = hostbuf;
	}
	(void)snprintf(portstr, sizeof portstr, "%u", (unsigned)port);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
	/* getaddrinfo has no timeout of its own; resolv.conf's timeout/attempts bound it. */
	rc = getaddrinfo(name, portstr, &hints, &res);
	if (retry_without_addrconfig(name) && (rc == EAI_NONAME || rc == EAI_FAIL
#ifdef EAI_NODATA
	    || rc == EAI_NODATA
#endif
#ifdef EAI_ADDRFAMILY
	    || rc == EAI_ADDRFAMILY
#endif
	    )) {
		/* AI_ADDRCONFIG hides ::1/127.0.0.1 on hosts with only loopback configured
		 * (containers, build sandboxes): retry without it. */
		hints.ai_flags = AI_NUMERICSERV;
		rc = getaddrinfo(name, portstr, &hints, &res);
	}
	if (rc != 0) {
		FA2_LOGW("net", "cannot resolve %s: %s", name, gai_strerror(rc));
		return FA2_ERR_DNS;
	}
	for (ai = res; ai; ai = ai->ai_next)
		naddr++;
	for (ai = res; ai; ai = ai->ai_next, naddr--) {
		int64_t now = fa2_time_mono_ms(), attempt_deadline = deadline_ms;
		if (now >= deadline_ms) {
			err = FA2_ERR_TIMEOUT;
			last_errno = ETIMEDOUT;
			break;
		}
		/* With several addresses, one that black-holes (a broken IPv6 route) must not
		 * eat the whole budget: each gets an equal share of what is left, but at least
		 * 2 s (or everything when less is left). */
		if (naddr > 1) {
			int64_t share = (deadline_ms - now) / naddr;
			if (share < 2000)
				share = 2000;
			if (now + share < deadline_ms)
				attempt_deadline = now + share;
		}
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0) {
			last_errno = errno;
			continue;
		}
		if (fa2_sock_set_nonblock(fd) != FA2_OK) {
			last_errno = errno;
			fa2_sock_close(fd);
			fd = -1;
			continue;
		}
		err = connect_one(fd, ai->ai_addr, ai->ai_addrlen, attempt_deadline, &last_errno);
		if (err == FA2_OK)
			break;
		fa2_sock_close(fd);
		fd = -1;
		if (err == FA2_ERR_TIMEOUT && attempt_deadline >= deadline_ms)
			break;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		FA2_LOGW("net", "cannot connect to %s port %u: %s", name, (unsigned)port,
		         err == FA2_ERR_TIMEOUT ? "connect timed out" : strerror(last_errno));
		return err == FA2_OK ? FA2_ERR_NET : err;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	*fd_out = fd;
	return FA2_OK;
}
