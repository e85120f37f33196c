/* Client connections shared by the HTTP client and the WebSocket client: URL parsing,
 * proxy selection (HTTP(S)_PROXY / NO_PROXY), TCP (+ CONNECT tunnel) (+ TLS) with
 * deadlines, and reads/writes that work the same over TCP and TLS. */
#ifndef FA2_NET_CONN_H
#define FA2_NET_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/slice.h"
#include "net/tls.h"

#define FA2_URL_MAX_HOST 255

typedef struct fa2_url {
	int tls;                         /* https / wss */
	int websocket;                   /* ws / wss */
	char host[FA2_URL_MAX_HOST + 1]; /* without [brackets]; NUL-terminated */
	int host_is_ipv6;                /* was an [IPv6] literal */
	uint16_t port;                   /* explicit or the scheme's default */
	int port_explicit;               /* the URL named a port */
	fa2_slice userinfo;              /* "user:password" (points into the URL) or empty */
	fa2_slice target;                /* "/path?query" (points into the URL); "/" if absent */
} fa2_url;

/* Parses an absolute http, https, ws or wss URL (scheme case-insensitive). The fragment
 * is dropped. FA2_ERR_INVALID for anything else (other schemes, empty or oversized
 * host, bad port, spaces or control characters). */
fa2_err fa2_url_parse(fa2_slice url, fa2_url *out);

/* 1 when host must bypass the proxy under the NO_PROXY list (see httpc.h). */
int fa2_no_proxy_match(fa2_slice no_proxy, fa2_slice host);

/* Proxy settings captured from the environment (owned copies). */
typedef struct fa2_proxy_config {
	char *http_proxy;   /* NULL: none */
	char *https_proxy;
	char *no_proxy;
} fa2_proxy_config;

fa2_err fa2_proxy_config_from_env(fa2_proxy_config *pc);
void fa2_proxy_config_cleanup(fa2_proxy_config *pc);
/* The proxy URL for a connection to host over tls/plain, or an empty slice. */
fa2_slice fa2_proxy_for(const fa2_proxy_config *pc, int tls, const char *host);

typedef struct fa2_conn {
	int fd;              /* -1 when closed */
	fa2_tls *tls;        /* NULL for plain TCP */
	int via_proxy;       /* plain HTTP through a proxy: requests use absolute form */
	int proxy_auth;      /* via_proxy with credentials: proxy_authz holds the field value */
	char proxy_authz[512];
	int64_t idle_since_ms;
} fa2_conn;

typedef struct fa2_conn_opts {
	const fa2_tls_anchors *anchors;  /* NULL: global */
	int64_t connect_deadline_ms;     /* absolute, monotonic (fa2_sock_deadline) */
	int64_t tls_deadline_ms;         /* absolute; also bounds the CONNECT exchange */
	fa2_slice proxy;                 /* proxy URL or empty */
	int force_tunnel;                /* CONNECT through the proxy even for plain TCP */
} fa2_conn_opts;

/* Opens a connection to host:port (TLS when tls) as opts say. On failure *c is closed
 * and errmsg (cap bytes, may be NULL) holds a sentence naming the host. */
fa2_err fa2_conn_open(fa2_conn *c, int tls, const char *host, uint16_t port,
                      const fa2_conn_opts *opts, char *errmsg, size_t cap);

/* Reads 1..cap bytes. FA2_ERR_CLOSED on clean EOF (TCP) or close_notify (TLS);
 * FA2_ERR_TLS on a TLS EOF without close_notify; FA2_ERR_TIMEOUT. */
fa2_err fa2_conn_read(fa2_conn *c, void *buf, size_t cap, size_t *n_out, int64_t deadline_ms);
fa2_err fa2_conn_write_all(fa2_conn *c, const void *data, size_t len, int64_t deadline_ms);
/* 1 when an idle connection still looks usable (nothing to read, no EOF). */
int fa2_conn_idle_ok(fa2_conn *c);
/* Sends close_notify (TLS, best effort, no waiting), closes the socket, frees. */
void fa2_conn_close(fa2_conn *c);
/* Readable reason for the last TLS failure on c, or "". */
const char *fa2_conn_errmsg(const fa2_conn *c);

#endif
