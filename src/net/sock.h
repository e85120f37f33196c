/* TCP sockets with deadlines.
 *
 * Every blocking operation here takes an absolute deadline on the monotonic clock
 * (fa2_time_mono_ms() milliseconds); fa2_sock_deadline(timeout_ms) makes one. Sockets
 * returned by this module are non-blocking and close-on-exec; the "blocking" calls wait
 * with poll() until the deadline, so the same descriptor can also be driven from a poll
 * loop. A deadline that has passed makes a call fail with FA2_ERR_TIMEOUT (after one
 * non-blocking attempt, so data that is already there is still delivered). */
#ifndef FA2_NET_SOCK_H
#define FA2_NET_SOCK_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* Absolute monotonic deadline timeout_ms from now. timeout_ms <= 0 means "now"
 * (a single non-blocking attempt). */
int64_t fa2_sock_deadline(int64_t timeout_ms);
/* Milliseconds left until deadline_ms, clamped to [0, INT_MAX] (for poll()). */
int fa2_sock_remaining_ms(int64_t deadline_ms);

/* Resolves host (name, IPv4 or IPv6 literal, with or without [brackets]) with
 * getaddrinfo and connects to each address in turn until one accepts, all before
 * deadline_ms. On success *fd_out is a connected, non-blocking, close-on-exec TCP socket
 * with TCP_NODELAY set; the caller closes it (fa2_sock_close).
 * Errors: FA2_ERR_DNS (lookup failed), FA2_ERR_NET (every address refused/unreachable),
 * FA2_ERR_TIMEOUT, FA2_ERR_INVALID. Each failure is logged with host, port and reason. */
fa2_err fa2_sock_connect(const char *host, uint16_t port, int64_t deadline_ms, int *fd_out);

/* Sets O_NONBLOCK (and FD_CLOEXEC) on fd. */
fa2_err fa2_sock_set_nonblock(int fd);

/* Waits until fd is ready for `events` (POLLIN/POLLOUT bits) or the deadline passes.
 * *revents_out (may be NULL) receives poll()'s revents. FA2_ERR_TIMEOUT on deadline. */
fa2_err fa2_sock_wait(int fd, short events, int64_t deadline_ms, short *revents_out);

/* Reads at most cap (> 0) bytes; waits for data until deadline_ms. *n_out > 0 on
 * FA2_OK. FA2_ERR_CLOSED on orderly EOF, FA2_ERR_NET on reset or other socket error,
 * FA2_ERR_TIMEOUT. */
fa2_err fa2_sock_read(int fd, void *buf, size_t cap, size_t *n_out, int64_t deadline_ms);

/* Writes all len bytes before deadline_ms (SIGPIPE suppressed). FA2_ERR_NET when the
 * peer has gone, FA2_ERR_TIMEOUT. */
fa2_err fa2_sock_write_all(int fd, const void *data, size_t len, int64_t deadline_ms);

/* Non-blocking single attempts (for poll loops and the TLS pump): FA2_ERR_AGAIN when
 * the call would block; otherwise as above. */
fa2_err fa2_sock_read_some(int fd, void *buf, size_t cap, size_t *n_out);
fa2_err fa2_sock_write_some(int fd, const void *data, size_t len, size_t *n_out);

/* close() that ignores EINTR and accepts fd < 0. */
void fa2_sock_close(int fd);

#endif
