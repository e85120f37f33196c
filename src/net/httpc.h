/* HTTP/1.1 client with a keep-alive connection pool, TLS, deadlines and proxies.
 *
 * Usage (the common case: the process-wide client):
 *
 *     fa2_http_header hdrs[] = { { FA2_SLICE_LIT("Content-Type"),
 *                                  FA2_SLICE_LIT("application/x-amz-json-1.1") } };
 *     fa2_httpc_request req = { 0 };
 *     fa2_httpc_response resp;
 *     req.method = "POST";
 *     req.url = FA2_SLICE_LIT("https://logs.us-east-1.amazonaws.com/");
 *     req.headers = hdrs;
 *     req.num_headers = 1;
 *     req.body = payload;
 *     fa2_httpc_response_init(&resp);
 *     err = fa2_httpc_do(NULL, &req, &resp);
 *     if (err) { log resp.errmsg } else { use resp.status, resp.body }
 *     fa2_httpc_response_cleanup(&resp);
 *
 * What the client adds to a request: Host (unless given), Content-Length (when there is
 * a body or the method is POST/PUT/PATCH; unless given), and nothing else: no
 * User-Agent, no Accept-Encoding (responses are never compressed), no Connection (keep-alive
 * is the HTTP/1.1 default). Callers must not send Transfer-Encoding.
 *
 * Connections: one pool per client, keyed by scheme + host + port (+ proxy). A
 * connection returns to the pool when a response was read completely and both sides
 * allow keep-alive; idle connections older than 30 s are dropped. A request on a pooled
 * connection that fails before any response byte arrives (the server closed it while it
 * sat idle) is retried once on a new connection when the method is idempotent (GET,
 * HEAD, PUT, DELETE, OPTIONS) or the caller sets retry_stale. The pool is thread-safe:
 * any number of threads may call fa2_httpc_do on one client.
 *
 * Proxies: read from the environment when the client is created: HTTPS_PROXY /
 * https_proxy for https URLs, HTTP_PROXY / http_proxy for http URLs (lower case wins,
 * as in curl), NO_PROXY / no_proxy: comma-separated "*", host names (matching the host
 * and its subdomains; a leading dot is allowed), IP addresses and CIDR blocks
 * ("10.0.0.0/8", "fd00::/8"). https goes through a CONNECT tunnel (TLS end to end,
 * certificate verified against the target host); http uses absolute-form requests. A
 * proxy URL is http://[user:password@]host[:port] (Basic proxy authentication; the
 * credentials are registered for log redaction).
 *
 * Redirects are not followed unless max_redirects > 0 (then 301/302/303/307/308 with a
 * Location are followed, 303 and 301/302-after-POST becoming GET without a body).
 *
 * Errors (fa2_err, with a sentence naming the host in resp->errmsg, also logged):
 * FA2_ERR_INVALID (bad URL or request), FA2_ERR_DNS, FA2_ERR_NET (refused, reset),
 * FA2_ERR_CLOSED (the server closed the connection before any response byte, and the
 * request was not retried), FA2_ERR_TIMEOUT (connect, TLS or total deadline),
 * FA2_ERR_TLS (certificate or handshake failure, or a TLS connection cut without
 * close_notify: see errmsg), FA2_ERR_HTTP (malformed or truncated response, proxy
 * refused the tunnel), FA2_ERR_AUTH (proxy answered 407), FA2_ERR_CONFIG (bad proxy
 * URL or CA bundle), FA2_ERR_UNSUPPORTED (https:// proxy), FA2_ERR_TOO_LARGE (response
 * head or body over its cap), FA2_ERR_NOMEM.
 * An HTTP error status (4xx, 5xx) is NOT an fa2 error: FA2_OK with resp->status set.
 *
 * Limits: host name lookup (getaddrinfo) has no deadline of its own (resolv.conf's
 * timeout and attempts bound it); HTTPS to an IP-literal host only verifies when the
 * certificate carries that address as a DNS name (BearSSL matches DNS names only);
 * a caller-supplied Host field is sent unchanged after a cross-host redirect. */
#ifndef FA2_NET_HTTPC_H
#define FA2_NET_HTTPC_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/slice.h"
#include "net/http.h"
#include "net/tls.h"

#define FA2_HTTPC_CONNECT_TIMEOUT_MS 10000   /* defaults for zero fields */
#define FA2_HTTPC_TLS_TIMEOUT_MS     10000
#define FA2_HTTPC_TIMEOUT_MS         60000

typedef struct fa2_httpc_request {
	const char *method;             /* "GET", "POST", ...; required */
	/* Either a URL "http[s]://host[:port][/path][?query]" (host may be an [IPv6]
	 * literal) ... */
	fa2_slice url;
	/* ... or, when url is empty, the parts: */
	int tls;                        /* 1 for https */
	const char *host;
	uint16_t port;                  /* 0: 443 or 80 */
	fa2_slice target;               /* "/path?query"; empty means "/" */

	const fa2_http_header *headers; /* extra request fields, sent as given */
	size_t num_headers;
	fa2_slice body;                 /* may be empty */

	int64_t connect_timeout_ms;     /* TCP connect (per request); 0: default */
	int64_t tls_timeout_ms;         /* TLS handshake; 0: default */
	int64_t timeout_ms;             /* whole request incl. retries, redirects; 0: default */
	size_t max_body;                /* response body cap; 0: FA2_MAX_HTTP_BODY_BYTES */
	int max_redirects;              /* 0: return 3xx responses as they are */
	int retry_stale;                /* retry a stale pooled connection even if not
	                                 * idempotent (e.g. read-only POST APIs) */
	const fa2_tls_anchors *anchors; /* NULL: the process-wide trust anchors */
} fa2_httpc_request;

typedef struct fa2_httpc_response {
	int status;                     /* e.g. 200; 0 when no response arrived */
	fa2_http_response head;         /* parsed head: headers slices point into raw_head */
	fa2_buf raw_head;               /* status line and fields as received */
	fa2_buf body;                   /* decoded body (chunked removed) */
	int reused;                     /* 1 when a pooled connection carried the request */
	char errmsg[320];               /* readable failure reason, "" on success */
} fa2_httpc_response;

void fa2_httpc_response_init(fa2_httpc_response *r);
/* Frees the buffers; r can be reused after fa2_httpc_response_init. */
void fa2_httpc_response_cleanup(fa2_httpc_response *r);
/* Value of the first response field called name (case-insensitive), or NULL. */
const fa2_slice *fa2_httpc_response_header(const fa2_httpc_response *r, const char *name);

typedef struct fa2_httpc fa2_httpc;

/* A new client with an empty pool and the proxy settings of the environment now. */
fa2_err fa2_httpc_new(fa2_httpc **out);
/* Closes pooled connections and frees the client. No request may be running. */
void fa2_httpc_free(fa2_httpc *c);
/* The process-wide client (created on first use, never freed); NULL on no memory. */
fa2_httpc *fa2_httpc_default(void);

/* Performs one request (plus redirects and one stale-connection retry) and reads the
 * whole response into resp (initialised by the caller; previous content is replaced).
 * c NULL means fa2_httpc_default(). See the top of this file for errors. */
fa2_err fa2_httpc_do(fa2_httpc *c, const fa2_httpc_request *req, fa2_httpc_response *resp);

/* Statistics for tests and `fa2 check`: connections opened and requests that reused a
 * pooled connection since the client was created. */
void fa2_httpc_stats(fa2_httpc *c, unsigned long *connects, unsigned long *reuses);

/* Proxy decision, exposed for tests: writes the proxy URL to use for scheme ("http" or
 * "https") and host into *proxy_out (empty slice: direct). Uses the settings captured
 * by fa2_httpc_new. */
void fa2_httpc_proxy_for(const fa2_httpc *c, const char *scheme, const char *host,
                         fa2_slice *proxy_out);

/* NO_PROXY matching alone: 1 when host must bypass the proxy under the list no_proxy. */
int fa2_httpc_no_proxy_match(fa2_slice no_proxy, fa2_slice host);

#endif
