/* The server's view of a TLS connection: a non-blocking byte transport over a socket,
 * implemented on top of net/tls.h. The server loop drives it:
 *   fa2_server_tls_events(t, want)  socket events to poll for, given what the loop wants
 *                                   at the application level (POLLIN / POLLOUT)
 *   fa2_server_tls_io(t, revents)   moves records between the socket and the engine
 *   fa2_server_tls_recv / _send     application bytes; -1 with errno EAGAIN when the
 *                                   engine cannot take or give any now; recv returns 0
 *                                   on a clean close_notify
 *   fa2_server_tls_flush            pushes buffered records to the socket
 *   fa2_server_tls_pending          records are waiting to be written
 *   fa2_server_tls_close            queues close_notify
 * Without TLS support in this build, conn_new returns FA2_ERR_UNSUPPORTED. */
#ifndef FA2_NET_SERVER_TLS_H
#define FA2_NET_SERVER_TLS_H

#include <stddef.h>

#include "base/err.h"

struct fa2_tls_server_ctx;
typedef struct fa2_server_tls_conn fa2_server_tls_conn;

/* Loads a PEM certificate chain and private key (RSA or EC) into a new server context.
 * Errors name the file in the log. */
fa2_err fa2_server_tls_ctx_load(const char *cert_file, const char *key_file,
                                struct fa2_tls_server_ctx **out);
void fa2_server_tls_ctx_free(struct fa2_tls_server_ctx *ctx);

fa2_err fa2_server_tls_conn_new(struct fa2_tls_server_ctx *ctx, int fd, fa2_server_tls_conn **out);
void fa2_server_tls_conn_free(fa2_server_tls_conn *t);
short fa2_server_tls_events(fa2_server_tls_conn *t, short want);
int fa2_server_tls_io(fa2_server_tls_conn *t, short revents);
long fa2_server_tls_recv(fa2_server_tls_conn *t, char *p, size_t n);
long fa2_server_tls_send(fa2_server_tls_conn *t, const char *p, size_t n);
int fa2_server_tls_flush(fa2_server_tls_conn *t);
int fa2_server_tls_pending(const fa2_server_tls_conn *t);
void fa2_server_tls_close(fa2_server_tls_conn *t);

#endif
