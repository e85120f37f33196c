/* HTTP/1.1 server: one thread, one poll() loop, non-blocking sockets.
 *
 * - Listens on one or more "HOST:PORT" / "[V6ADDR]:PORT" addresses (IPv4 and IPv6).
 * - Complete requests (head + body, Content-Length or chunked, decoded) are handed to a
 *   handler registered for an exact method + path. Unknown path: 404; known path with
 *   another method: 405 (with Allow). HEAD is served by the GET handler without a body.
 * - Per-connection deadlines on the monotonic clock: header read (slowloris), request
 *   body, idle keep-alive, response write. Header or body timeout: 408 then close.
 * - Bad input is answered automatically with Connection: close: 400 (malformed), 408,
 *   413 (body above cap), 431 (head above FA2_MAX_HTTP_HEADER_BYTES or too many fields),
 *   501 (unsupported transfer coding), 505 (HTTP version); then a lingering close (the
 *   peer's remaining bytes are drained briefly so that it reads the answer, not a RST).
 * - Pipelined requests are answered in order (the next one is parsed only once the
 *   current one has its response queued).
 * - At max_conns open connections, new ones get a 503 and are closed; so do connections
 *   from a peer that already has max_conns_per_peer open (one IPv4 address or IPv6 /64),
 *   so that no single peer can take every connection.
 * - Memory for unauthenticated peers is bounded in total: every request byte buffered
 *   (heads, bodies, pipelined input) counts against one budget, max_buffered, across all
 *   connections. A body that does not fit gets a 503 (Retry-After: 1) before any of it
 *   is buffered, and so does a head that would grow past its first 2 KiB; heads may use
 *   all of the budget, bodies only three quarters, so that small requests (/healthz)
 *   are still answered while bodies fill it. Idle connections hold no buffer.
 * - Requests are routed on the head: a body is buffered only for a route that takes
 *   one (every method but GET, HEAD, DELETE, OPTIONS, TRACE); such a route answers 411
 *   to a request without Content-Length or chunked framing, a route that takes none
 *   answers 413 to a request with a body, and a 404/405 is queued at once while the
 *   body, if any, is read and discarded without being stored.
 * - Graceful shutdown: fa2_server_stop() (thread- and async-signal-safe): listeners
 *   close, idle connections close, requests in flight (being read, handled or written)
 *   finish with Connection: close, then fa2_server_run returns. A shutdown_grace_ms
 *   deadline bounds the wait. Process signals are the program's business (fa2 serve:
 *   serve/signals.h), not the server's.
 * - Worker hand-off: a handler may fa2_server_defer() the request and return at once; a
 *   worker thread later calls fa2_server_complete() with the response, which wakes the
 *   loop through a pipe. Until then the request (and every slice it exposes) stays valid
 *   and the connection reads nothing more.
 * - Transport: plain TCP, or TLS (net/tls.h, BearSSL) after fa2_server_set_tls: the
 *   handshake runs inside the loop, bounded by the header timeout. */
#ifndef FA2_NET_SERVER_H
#define FA2_NET_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "net/http.h"

typedef struct fa2_server fa2_server;
typedef struct fa2_server_req fa2_server_req;

typedef struct fa2_server_config {
	int64_t header_timeout_ms;    /* first byte of a request -> complete head (default 10000) */
	int64_t body_timeout_ms;      /* complete head -> complete body (default 30000) */
	int64_t idle_timeout_ms;      /* keep-alive idle between requests (default 60000) */
	int64_t write_timeout_ms;     /* response queued -> fully sent (default 30000) */
	int64_t shutdown_grace_ms;    /* longest wait for in-flight requests (default 30000) */
	size_t max_conns;             /* default 4096, lowered to fit RLIMIT_NOFILE */
	size_t max_body;              /* request body cap (default FA2_MAX_HTTP_REQ_BODY_BYTES) */
	size_t max_buffered;          /* all connections' request bytes (default
	                               * FA2_MAX_HTTP_BUFFERED_BYTES; 0: the default) */
	size_t max_conns_per_peer;    /* default FA2_MAX_HTTP_CONNS_PER_PEER; 0: no cap */
	const char *server_name;      /* Server: header value (default "fa2") */
} fa2_server_config;

/* Fills *cfg with the defaults above. */
void fa2_server_config_default(fa2_server_config *cfg);

/* A handler answers with fa2_server_respond*() before returning, or calls
 * fa2_server_defer() and returns; it must do exactly one of the two. It runs on the loop
 * thread and must not block. */
typedef void (*fa2_server_handler)(fa2_server_req *req, void *ctx);

/* Creates a server (no sockets yet). cfg may be NULL for defaults. */
fa2_err fa2_server_new(const fa2_server_config *cfg, fa2_server **out);
/* Frees everything, closing any sockets. Must not run while fa2_server_run does or
 * while a deferred request is outstanding. srv may be NULL. */
void fa2_server_free(fa2_server *srv);

/* Parses "HOST:PORT", "[V6]:PORT" or ":PORT" (every IPv4 address; "[::]:PORT" for every
 * IPv6 one; IPv6 sockets are IPv6-only), binds and listens.
 * HOST is a numeric address or a name resolved with getaddrinfo (first result).
 * PORT 0 picks a free port (see fa2_server_port). Errors: FA2_ERR_INVALID (bad syntax),
 * FA2_ERR_DNS, FA2_ERR_NET (bind/listen failed; logged with the reason). */
fa2_err fa2_server_listen(fa2_server *srv, const char *addr);
/* Port of the index-th listener (0 when there is none). */
int fa2_server_port(const fa2_server *srv, size_t index);

/* Registers handler for method (exact, e.g. "GET") and path (exact, no query). */
fa2_err fa2_server_route(fa2_server *srv, const char *method, const char *path,
                         fa2_server_handler handler, void *ctx);

/* Serve HTTPS with this context (net/tls.h; NULL: plain HTTP). Not owned; it must
 * outlive the server. */
struct fa2_tls_server_ctx;
void fa2_server_set_tls(fa2_server *srv, const struct fa2_tls_server_ctx *tls);

/* Runs the loop until stopped. Returns FA2_OK after a graceful shutdown. */
fa2_err fa2_server_run(fa2_server *srv);
/* Asks the loop to shut down gracefully. Async-signal-safe and thread-safe. */
void fa2_server_stop(fa2_server *srv);

/* Counters (read on the loop thread or after run returns). */
typedef struct fa2_server_stats {
	uint64_t accepted;
	uint64_t requests;
	uint64_t rejected_busy;       /* 503 at max_conns */
	uint64_t rejected_peer;       /* 503 at max_conns_per_peer */
	uint64_t rejected_budget;     /* 503: the request did not fit max_buffered */
	uint64_t timeouts;
	uint64_t bad_requests;        /* 4xx/5xx answered by the server itself */
	size_t open_conns;
	size_t buffered_bytes;        /* request buffers allocated now */
	size_t buffered_peak;         /* highest buffered_bytes so far */
} fa2_server_stats;
void fa2_server_get_stats(const fa2_server *srv, fa2_server_stats *out);

/* ---- the request, for handlers and workers ---- */

fa2_slice fa2_server_req_method(const fa2_server_req *req);
fa2_slice fa2_server_req_target(const fa2_server_req *req);  /* as sent */
fa2_slice fa2_server_req_path(const fa2_server_req *req);    /* target before '?' */
fa2_slice fa2_server_req_query(const fa2_server_req *req);   /* after '?', may be empty */
fa2_slice fa2_server_req_body(const fa2_server_req *req);    /* decoded */
/* Value of a request header (case-insensitive name), or NULL. */
const fa2_slice *fa2_server_req_header(const fa2_server_req *req, const char *name);
const fa2_http_request *fa2_server_req_head(const fa2_server_req *req);
/* Peer address as text ("127.0.0.1:5555", "[::1]:5555"). */
const char *fa2_server_req_peer(const fa2_server_req *req);

/* Queues the response: status line, Date-less minimal headers (Server, Content-Length,
 * Content-Type when given, Connection when closing), extra_headers verbatim (each line
 * ending in CRLF; NULL for none), then the body (omitted for HEAD). Copies everything.
 * Errors: FA2_ERR_INVALID (already answered), FA2_ERR_NOMEM. */
fa2_err fa2_server_respond(fa2_server_req *req, int status, const char *content_type,
                           const char *extra_headers, const void *body, size_t len);

/* Hands the request over to another thread. Returns the same request, now owned by the
 * caller until fa2_server_complete (NULL when out of memory: then respond instead). */
fa2_server_req *fa2_server_defer(fa2_server_req *req);
/* From any thread: answers a deferred request (same arguments as fa2_server_respond)
 * and wakes the loop. After this call req must not be touched. A response that cannot
 * be stored (no memory) becomes a 500. */
void fa2_server_complete(fa2_server_req *req, int status, const char *content_type,
                         const char *extra_headers, const void *body, size_t len);

#endif
