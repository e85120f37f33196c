/* TLS 1.2 on BearSSL: trust anchors, client and server sessions, one engine pump.
 *
 * Verification is always on: a client session checks the full chain against the trust
 * anchors and the server's name against the host it was given. There is no switch to
 * turn this off.
 *
 * Sessions run over a connected, NON-BLOCKING socket that the caller owns (fa2_tls_free
 * does not close it). Two ways to drive one:
 *   - from blocking code with deadlines (client): fa2_tls_handshake_wait,
 *     fa2_tls_read_wait, fa2_tls_write_all, fa2_tls_close_wait;
 *   - from a poll() loop (server): poll the fd for fa2_tls_want(t); on readiness call
 *     fa2_tls_handshake / fa2_tls_read / fa2_tls_write / fa2_tls_flush, which make
 *     whatever progress they can without blocking and return FA2_ERR_AGAIN when they
 *     need the socket again; then ask fa2_tls_want(t) again before the next poll().
 * Both are built on the same pump (fa2_tls_pump), which moves records between the
 * socket and BearSSL's sendrec/recvrec buffers until the socket would block.
 *
 * Errors: FA2_ERR_TLS for any protocol, certificate or handshake failure (including the
 * peer closing the TCP connection without close_notify: a truncation attack looks just
 * like that), FA2_ERR_CLOSED after the peer's close_notify, FA2_ERR_NET for socket
 * errors, FA2_ERR_TIMEOUT for deadlines. fa2_tls_errmsg() gives a readable sentence that
 * names the host, e.g. "TLS with example.com: the server's certificate is signed by an
 * unknown CA (BR_ERR_X509_NOT_TRUSTED)"; the failing call also logs it once.
 *
 * Host names: the client matches DNS names in the certificate (subjectAltName, with
 * one-label wildcards; the common name when there is no subjectAltName), as BearSSL
 * does; iPAddress entries are not supported, so an IP-literal host only verifies
 * against a certificate that lists it as a DNS name.
 *
 * Thread-safety: a session is used by one thread at a time. Anchor sets and server
 * contexts are immutable after creation and may be shared by any number of sessions and
 * threads. */
#ifndef FA2_NET_TLS_H
#define FA2_NET_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"

/* ---- trust anchors ---------------------------------------------------------------- */

typedef struct fa2_tls_anchors fa2_tls_anchors;  /* immutable after creation */

/* The process-wide anchors, loaded on first use (thread-safe, exactly once) from the
 * first of: $AWS_CA_BUNDLE, $SSL_CERT_FILE, /etc/ssl/certs/ca-certificates.crt
 * (Debian, Ubuntu, Alpine), /etc/pki/tls/certs/ca-bundle.crt (Amazon Linux, RHEL),
 * /etc/ssl/cert.pem. A file named by an environment variable that cannot be read or
 * holds no certificate is an error (no silent fallback). The result (success or
 * failure) is cached for the life of the process; *out is never freed by the caller.
 * FA2_ERR_NOT_FOUND when no bundle exists, FA2_ERR_CONFIG for a bad bundle. */
fa2_err fa2_tls_anchors_global(const fa2_tls_anchors **out);
/* Path the global anchors were loaded from (NULL before a successful load). */
const char *fa2_tls_anchors_global_path(void);

/* Parses every CERTIFICATE in a PEM bundle into a new anchor set (for tests, and for
 * fa2_tls_anchors_global). Objects of other types are skipped; certificates BearSSL
 * cannot decode are skipped with a debug log. FA2_ERR_PARSE when the PEM is malformed or
 * yields no anchor, FA2_ERR_TOO_LARGE past FA2_MAX_TLS_ANCHORS. */
fa2_err fa2_tls_anchors_from_pem(fa2_slice pem, fa2_tls_anchors **out);
fa2_err fa2_tls_anchors_from_file(const char *path, fa2_tls_anchors **out);
size_t fa2_tls_anchors_count(const fa2_tls_anchors *a);
void fa2_tls_anchors_free(fa2_tls_anchors *a);  /* a may be NULL */

/* ---- server credentials ----------------------------------------------------------- */

typedef struct fa2_tls_server_ctx fa2_tls_server_ctx;  /* immutable after creation */

/* Loads a certificate chain (leaf first, PEM) and its private key (PEM: "RSA PRIVATE
 * KEY", "EC PRIVATE KEY" or PKCS#8 "PRIVATE KEY"; RSA or EC). FA2_ERR_CONFIG with a
 * logged reason when a file is unreadable, holds no certificate, or the key is
 * unsupported. The key is wiped on free. */
fa2_err fa2_tls_server_ctx_from_files(const char *cert_path, const char *key_path,
                                      fa2_tls_server_ctx **out);
fa2_err fa2_tls_server_ctx_from_pem(fa2_slice cert_pem, fa2_slice key_pem,
                                    fa2_tls_server_ctx **out);
void fa2_tls_server_ctx_free(fa2_tls_server_ctx *ctx);  /* ctx may be NULL */

/* ---- sessions --------------------------------------------------------------------- */

typedef struct fa2_tls fa2_tls;  /* one TLS connection (~35 KiB, heap) */

/* Client session over fd (connected, non-blocking). host is the name to send as SNI and
 * to verify the certificate against (copied). anchors NULL means the global anchors.
 * ALPN offers "http/1.1"; only TLS 1.2 is negotiated. Nothing is sent until the first
 * pump. */
fa2_err fa2_tls_client_new(int fd, const char *host, const fa2_tls_anchors *anchors,
                           fa2_tls **out);
/* Server session over an accepted, non-blocking fd. peer names the client in messages
 * (e.g. "127.0.0.1:5555"; copied; may be NULL). ctx must outlive the session. */
fa2_err fa2_tls_server_new(int fd, const fa2_tls_server_ctx *ctx, const char *peer,
                           fa2_tls **out);
/* Frees the session (wiping key material). Does not close fd and does not send
 * close_notify (use fa2_tls_close / fa2_tls_close_wait first for a clean close). */
void fa2_tls_free(fa2_tls *t);

int fa2_tls_fd(const fa2_tls *t);

/* Non-blocking pump: writes pending records and reads incoming ones until the socket
 * would block or the engine needs the application. FA2_OK (including "nothing to do"),
 * or a terminal error as described at the top. After a terminal error every call on
 * the session returns the same error. */
fa2_err fa2_tls_pump(fa2_tls *t);

/* poll() events (POLLIN and/or POLLOUT) the session waits for on its fd before it can
 * make progress; 0 when it can progress without the socket (the app has data to read or
 * room to write) or when it is closed. */
short fa2_tls_want(const fa2_tls *t);

/* Non-blocking steps. Each pumps first, then:
 *   handshake: FA2_OK once the handshake is complete, FA2_ERR_AGAIN until then;
 *   read: copies up to cap decrypted bytes, *n_out > 0 on FA2_OK; FA2_ERR_AGAIN when
 *         none is available yet; FA2_ERR_CLOSED after close_notify;
 *   write: accepts up to len bytes into the engine (*n_out > 0 on FA2_OK), FA2_ERR_AGAIN
 *         when the engine is full; data is only guaranteed to leave after flush;
 *   flush: pushes buffered application data out as records; FA2_OK when everything has
 *         been written to the socket, FA2_ERR_AGAIN while some is still pending;
 *   close: sends close_notify; FA2_OK when the close is complete, FA2_ERR_AGAIN until
 *         then. */
fa2_err fa2_tls_handshake(fa2_tls *t);
fa2_err fa2_tls_read(fa2_tls *t, void *buf, size_t cap, size_t *n_out);
fa2_err fa2_tls_write(fa2_tls *t, const void *data, size_t len, size_t *n_out);
fa2_err fa2_tls_flush(fa2_tls *t);
fa2_err fa2_tls_close(fa2_tls *t);

/* Blocking forms of the above, waiting with poll() until deadline_ms (monotonic). */
fa2_err fa2_tls_handshake_wait(fa2_tls *t, int64_t deadline_ms);
fa2_err fa2_tls_read_wait(fa2_tls *t, void *buf, size_t cap, size_t *n_out,
                          int64_t deadline_ms);
/* Writes and flushes all of data. */
fa2_err fa2_tls_write_all(fa2_tls *t, const void *data, size_t len, int64_t deadline_ms);
/* Sends close_notify and waits (until the deadline) for the peer's. */
fa2_err fa2_tls_close_wait(fa2_tls *t, int64_t deadline_ms);

/* Negotiated ALPN protocol ("http/1.1") or NULL. */
const char *fa2_tls_alpn(const fa2_tls *t);
/* The last BearSSL error code (BR_ERR_*, 0 if none). */
int fa2_tls_last_error(const fa2_tls *t);
/* A readable sentence describing the last failure, naming the host (or peer); "" when
 * there was none. Valid until the next call on t. */
const char *fa2_tls_errmsg(const fa2_tls *t);

/* Static description of a BearSSL error code ("the server's certificate has expired");
 * never NULL. */
const char *fa2_tls_strerror(int br_err);
/* Static name of a BearSSL error code ("BR_ERR_X509_EXPIRED"); never NULL. */
const char *fa2_tls_errname(int br_err);

#endif
