/* HTTP/1.1 server: one poll() loop. Contracts in server.h. */
#define _GNU_SOURCE 1  /* accept4, pipe2 */

#include "net/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/time.h"
#include "net/tls.h"

#define SRV_MAX_LISTENERS 8
#define SRV_MAX_ROUTES 64
#define SRV_READ_CHUNK 16384u
#define SRV_OUT_HIGH (256u * 1024u)   /* stop parsing pipelined requests above this */
#define SRV_OUT_MAX (64u * 1024u * 1024u)
#define SRV_LINGER_MS 2000
#define SRV_ACCEPT_BURST 64
#define SRV_IN_MIN_CAP 1024u          /* first allocation of a connection's input buffer */
#define SRV_IN_FREE_CAP 2048u         /* input buffers up to this size are never refused */
#define SRV_BUDGET_WARN_MS 10000      /* at most one budget warning per this interval */

enum conn_state {
	C_READ = 0,    /* reading a request (or idle between requests) */
	C_HANDLING,    /* deferred to a worker */
	C_LINGER       /* final response sent, draining the peer's input before close */
};

enum conn_phase {  /* which deadline applies */
	P_NONE = 0,
	P_HEADER,      /* waiting for a complete head */
	P_BODY,        /* waiting for the body */
	P_IDLE,        /* keep-alive, nothing buffered */
	P_WRITE,       /* output pending */
	P_LINGER
};

typedef struct conn conn;

struct fa2_server_req {
	fa2_server *srv;
	conn *c;
	fa2_http_request head;
	fa2_slice body;
	fa2_slice path;
	fa2_slice query;
	int is_head;        /* HEAD served by a GET handler */
	int responded;
	int deferred;
	/* filled by fa2_server_complete on a worker thread */
	int done_status;
	char *done_ctype;
	char *done_extra;
	char *done_body;
	size_t done_len;
	fa2_server_req *next_done;
};

struct conn {
	int fd;
	enum conn_state state;
	enum conn_phase phase;
	int64_t deadline;      /* monotonic ms; 0 = none */
	fa2_buf in;
	fa2_buf out;
	size_t out_off;
	int have_head;         /* in[0, req.head.head_len) is a parsed head */
	fa2_http_body framing;
	fa2_http_chunked chunk;
	size_t body_end;       /* decoded body is in[head_len, body_end) */
	size_t raw_pos;        /* chunked: next undecoded byte */
	size_t req_bytes;      /* bytes of in[] used by the complete request */
	int keep_alive;
	int close_after;       /* close once out is written */
	int sent_continue;
	int peer_eof;
	int dead;              /* to be removed after this pass */
	uint64_t nreq;         /* requests answered on this connection */
	size_t scan_from;      /* in.len when the head was last parsed */
	fa2_tls *tls;           /* NULL for plain HTTP */
	int tls_ready;          /* the TLS engine can progress without the socket */
	char peer[64];
	unsigned char peer_key[16]; /* the address (IPv4 mapped, IPv6 /64) for the peer cap */
	int peer_counted;       /* counted in the server's peer table */
	const struct route *rt; /* route of the parsed head; NULL when none */
	int route_known;        /* the path has a route (for another method) */
	int discard;            /* skipping the body of a request already answered */
	int discard_chunked;
	uint64_t discard_left;  /* Content-Length bodies: bytes still to skip */
	fa2_server_req req;
};

/* Connections per peer: open addressing with linear probing; n == 0 marks a free slot. */
typedef struct peer_slot {
	unsigned char key[16];
	uint32_t n;
} peer_slot;

typedef struct route {
	char *method;
	char *path;
	fa2_server_handler fn;
	void *ctx;
} route;

struct fa2_server {
	fa2_server_config cfg;
	int lfd[SRV_MAX_LISTENERS];
	int lport[SRV_MAX_LISTENERS];
	size_t nlisten;
	route routes[SRV_MAX_ROUTES];
	size_t nroutes;
	conn **conns;
	size_t nconns;
	struct pollfd *pfds;
	conn **pconn;          /* pfds[i] -> conn (NULL for wake pipe / listeners) */
	size_t pcap;
	int wake[2];
	volatile sig_atomic_t stop_flag;
	int stopping;
	int64_t stop_deadline;
	pthread_mutex_t mu;
	fa2_server_req *done_head;
	fa2_server_req *done_tail;
	size_t outstanding;    /* deferred requests not yet completed */
	const struct fa2_tls_server_ctx *tls;
	fa2_server_stats stats;
	int64_t accept_paused_until;  /* monotonic ms */
	int64_t accept_warned;
	char date[64];
	size_t date_len;
	time_t date_sec;
	size_t buffered;              /* sum of every connection's in.cap */
	size_t buffered_peak;
	int64_t budget_warned;        /* monotonic ms of the last budget warning */
	peer_slot *peers;
	size_t peer_mask;             /* table size - 1 (a power of two) */
	char scratch[SRV_READ_CHUNK]; /* every read lands here first */
};

void fa2_server_config_default(fa2_server_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->header_timeout_ms = 10000;
	cfg->body_timeout_ms = 30000;
	cfg->idle_timeout_ms = 60000;
	cfg->write_timeout_ms = 30000;
	cfg->shutdown_grace_ms = 30000;
	cfg->max_conns = 4096;
	cfg->max_body = FA2_MAX_HTTP_REQ_BODY_BYTES;
	cfg->max_buffered = FA2_MAX_HTTP_BUFFERED_BYTES;
	cfg->max_conns_per_peer = FA2_MAX_HTTP_CONNS_PER_PEER;
	cfg->server_name = "fa2";
}

fa2_err fa2_server_new(const fa2_server_config *cfg, fa2_server **out)
{
	fa2_server *srv;
	struct rlimit rl;
	size_t i;

	*out = NULL;
	srv = fa2_calloc(1, sizeof *srv);
	if (!srv)
		return FA2_ERR_NOMEM;
	if (cfg)
		srv->cfg = *cfg;
	else
		fa2_server_config_default(&srv->cfg);
	if (!srv->cfg.server_name)
		srv->cfg.server_name = "fa2";
	if (srv->cfg.max_conns == 0)
		srv->cfg.max_conns = 1;
	if (srv->cfg.max_buffered == 0)
		srv->cfg.max_buffered = FA2_MAX_HTTP_BUFFERED_BYTES;
	/* Keep max_conns under the descriptor limit (listeners, pipe, stdio, files). */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		size_t fit = rl.rlim_cur > 64 ? (size_t)rl.rlim_cur - 32 : 16;
		if (srv->cfg.max_conns > fit)
			srv->cfg.max_conns = fit;
	}
	for (i = 0; i < SRV_MAX_LISTENERS; i++)
		srv->lfd[i] = -1;
	srv->wake[0] = srv->wake[1] = -1;
	if (pipe2(srv->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
		fa2_free(srv);
		return FA2_ERR_IO;
	}
	if (pthread_mutex_init(&srv->mu, NULL) != 0) {
		close(srv->wake[0]);
		close(srv->wake[1]);
		fa2_free(srv);
		return FA2_ERR_INTERNAL;
	}
	*out = srv;
	return FA2_OK;
}

/* ---- peers ---- */

static size_t peer_hash(const unsigned char *key)
{
	uint32_t h = 2166136261u;  /* FNV-1a */
	size_t i;
	for (i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	return h;
}

/* The slot holding key, or the free slot where it would go. */
static size_t peer_find(const fa2_server *srv, const unsigned char *key)
{
	size_t i = peer_hash(key) & srv->peer_mask;
	while (srv->peers[i].n && memcmp(srv->peers[i].key, key, 16) != 0)
		i = (i + 1) & srv->peer_mask;
	return i;
}

/* Connections open from key's peer. */
static uint32_t peer_count(const fa2_server *srv, const unsigned char *key)
{
	return srv->peers ? srv->peers[peer_find(srv, key)].n : 0;
}

/* Counts one more connection from key (the table has room for max_conns peers). */
static void peer_add(fa2_server *srv, const unsigned char *key)
{
	size_t i = peer_find(srv, key);
	memcpy(srv->peers[i].key, key, 16);
	srv->peers[i].n++;
}

/* One connection from key is gone; an emptied slot is removed by backward shifting. */
static void peer_remove(fa2_server *srv, const unsigned char *key)
{
	size_t i = peer_find(srv, key), j = i;
	if (!srv->peers[i].n || --srv->peers[i].n)
		return;
	for (;;) {
		size_t home;
		j = (j + 1) & srv->peer_mask;
		if (!srv->peers[j].n)
			break;
		home = peer_hash(srv->peers[j].key) & srv->peer_mask;
		/* j's entry may fill the hole at i when its home is not in (i, j] (cyclically). */
		if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
			srv->peers[i] = srv->peers[j];
			srv->peers[j].n = 0;
			i = j;
		}
	}
}

/* The peer-cap key of an address: IPv4 as ::ffff:a.b.c.d (so a v4-mapped IPv6 peer is
 * the same peer), IPv6 by its /64 (what one host usually holds). */
static void peer_key(const struct sockaddr_storage *ss, unsigned char *key)
{
	memset(key, 0, 16);
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &a->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		static const unsigned char v4map[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		if (memcmp(a->sin6_addr.s6_addr, v4map, 12) == 0)
			memcpy(key, a->sin6_addr.s6_addr, 16);
		else
			memcpy(key, a->sin6_addr.s6_addr, 8);
	}
}

/* ---- input buffers and the budget ---- */

/* Resizes c->in to exactly ncap bytes, keeping srv->buffered in step. Growth past
 * SRV_IN_FREE_CAP must fit the budget: all of max_buffered for heads, three quarters
 * for bodies. Errors: FA2_ERR_THROTTLED (budget), FA2_ERR_TOO_LARGE (in.max), NOMEM. */
static fa2_err in_resize(fa2_server *srv, conn *c, size_t ncap)
{
	size_t limit = srv->cfg.max_buffered;
	char *old = c->in.data;
	fa2_err e;

	if (c->have_head && c->framing.kind != FA2_HTTP_BODY_NONE)
		limit -= limit / 4;
	if (ncap > c->in.cap && ncap > SRV_IN_FREE_CAP &&
	    (srv->buffered - c->in.cap > limit || ncap > limit - (srv->buffered - c->in.cap)))
		return FA2_ERR_THROTTLED;
	srv->buffered -= c->in.cap;
	e = fa2_buf_resize(&c->in, ncap);
	srv->buffered += c->in.cap;
	if (srv->buffered > srv->buffered_peak)
		srv->buffered_peak = srv->buffered;
	if (e)
		return e;
	/* A parsed head points into in.data: when it moved, parse the head again (these
	 * bytes parsed before, so this cannot fail). */
	if (c->have_head && c->in.data != old &&
	    fa2_http_parse_request(c->in.data, c->req.head.head_len, &c->req.head) != FA2_OK)
		return FA2_ERR_INTERNAL;
	return FA2_OK;
}

/* Appends p[0, n) to c->in, growing it (doubling from SRV_IN_MIN_CAP, never past
 * in.max + 1) within the budget. Errors as in_resize. */
static fa2_err in_append(fa2_server *srv, conn *c, const char *p, size_t n)
{
	size_t need, ncap;
	fa2_err e;

	if (n > c->in.max - c->in.len)
		return FA2_ERR_TOO_LARGE;
	need = c->in.len + n + 1;
	if (need > c->in.cap) {
		ncap = c->in.cap < SRV_IN_MIN_CAP ? SRV_IN_MIN_CAP : c->in.cap;
		while (ncap < need)
			ncap *= 2;  /* need <= in.max + 1, far below SIZE_MAX / 2 */
		if (ncap > c->in.max + 1)
			ncap = c->in.max + 1;
		e = in_resize(srv, c, ncap);
		if (e)
			return e;
	}
	memcpy(c->in.data + c->in.len, p, n);
	c->in.len += n;
	c->in.data[c->in.len] = '\0';
	return FA2_OK;
}

/* Gives an empty input buffer back (idle connections hold none). */
static void in_release(fa2_server *srv, conn *c)
{
	if (c->in.len || !c->in.data)
		return;
	srv->buffered -= c->in.cap;
	fa2_buf_cleanup(&c->in);
}

static void conn_free(fa2_server *srv, conn *c)
{
	if (!c)
		return;
	if (c->tls)
		fa2_tls_free(c->tls);
	if (c->fd >= 0)
		close(c->fd);
	if (c->peer_counted)
		peer_remove(srv, c->peer_key);
	srv->buffered -= c->in.cap;
	fa2_buf_cleanup(&c->in);
	fa2_buf_cleanup(&c->out);
	fa2_free(c);
}

static void free_done(fa2_server_req *r)
{
	fa2_free(r->done_ctype);
	fa2_free(r->done_extra);
	fa2_free(r->done_body);
	r->done_ctype = r->done_extra = r->done_body = NULL;
}

void fa2_server_free(fa2_server *srv)
{
	size_t i;

	if (!srv)
		return;
	for (i = 0; i < srv->nconns; i++) {
		free_done(&srv->conns[i]->req);
		conn_free(srv, srv->conns[i]);
	}
	for (i = 0; i < srv->nlisten; i++)
		if (srv->lfd[i] >= 0)
			close(srv->lfd[i]);
	for (i = 0; i < srv->nroutes; i++) {
		fa2_free(srv->routes[i].method);
		fa2_free(srv->routes[i].path);
	}
	fa2_free(srv->conns);
	fa2_free(srv->pfds);
	fa2_free(srv->pconn);
	fa2_free(srv->peers);
	close(srv->wake[0]);
	close(srv->wake[1]);
	pthread_mutex_destroy(&srv->mu);
	fa2_free(srv);
}

/* ---- listening ---- */

/* Splits "HOST:PORT" / "[V6]:PORT" / ":PORT" into host (NUL-terminated, may be empty)
 * and port. */
static fa2_err split_addr(const char *addr, char *host, size_t hcap, char *port, size_t pcap)
{
	const char *p, *colon;
	size_t hl, pl;
	long long pv;

	if (!addr || !*addr)
		return FA2_ERR_INVALID;
	if (addr[0] == '[') {
		p = strchr(addr, ']');
		if (!p || p[1] != ':')
			return FA2_ERR_INVALID;
		hl = (size_t)(p - addr - 1);
		if (hl == 0 || hl >= hcap)
			return FA2_ERR_INVALID;
		memcpy(host, addr + 1, hl);
		host[hl] = '\0';
		colon = p + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon)
			return FA2_ERR_INVALID;
		hl = (size_t)(colon - addr);
		if (hl >= hcap || memchr(addr, ':', hl))
			return FA2_ERR_INVALID;  /* a bare IPv6 address needs brackets */
		memcpy(host, addr, hl);
		host[hl] = '\0';
	}
	pl = strlen(colon + 1);
	if (pl == 0 || pl >= pcap)
		return FA2_ERR_INVALID;
	if (fa2_parse_int_range(fa2_slice_make(colon + 1, pl), 0, 65535, &pv) != FA2_OK)
		return FA2_ERR_INVALID;
	memcpy(port, colon + 1, pl + 1);
	return FA2_OK;
}

fa2_err fa2_server_listen(fa2_server *srv, const char *addr)
{
	char host[256], port[8];
	struct addrinfo hints, *res = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int fd = -1, one = 1, rc;
	fa2_err err = FA2_OK;

	if (srv->nlisten >= SRV_MAX_LISTENERS)
		return FA2_ERR_TOO_LARGE;
	err = split_addr(addr, host, sizeof host, port, sizeof port);
	if (err) {
		FA2_LOGE("server", "bad listen address '%s' (want HOST:PORT or [IPV6]:PORT)", addr ? addr : "");
		return err;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = host[0] ? AF_UNSPEC : AF_INET;  /* ":PORT": every IPv4 address */
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (rc != 0 || !res) {
		FA2_LOGE("server", "cannot resolve listen address '%s': %s", addr, gai_strerror(rc));
		err = FA2_ERR_DNS;
		goto cleanup;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		FA2_LOGE("server", "socket for %s: %s", addr, strerror(errno));
		err = FA2_ERR_NET;
		goto cleanup;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (res->ai_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, res->ai_addr, res->ai_addrlen) != 0) {
		FA2_LOGE("server", "cannot bind %s: %s", addr, strerror(errno));
		err = FA2_ERR_NET;
		goto cleanup;
	}
	if (listen(fd, 4096) != 0) {
		FA2_LOGE("server", "cannot listen on %s: %s", addr, strerror(errno));
		err = FA2_ERR_NET;
		goto cleanup;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		err = FA2_ERR_NET;
		goto cleanup;
	}
	srv->lport[srv->nlisten] = ss.ss_family == AF_INET6
		? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
		: ntohs(((struct sockaddr_in *)&ss)->sin_port);
	srv->lfd[srv->nlisten++] = fd;
	fd = -1;
cleanup:
	if (fd >= 0)
		close(fd);
	if (res)
		freeaddrinfo(res);
	return err;
}

int fa2_server_port(const fa2_server *srv, size_t index)
{
	return index < srv->nlisten ? srv->lport[index] : 0;
}

fa2_err fa2_server_route(fa2_server *srv, const char *method, const char *path,
                         fa2_server_handler handler, void *ctx)
{
	route *r;

	if (!method || !path || !handler)
		return FA2_ERR_INVALID;
	if (srv->nroutes >= SRV_MAX_ROUTES)
		return FA2_ERR_TOO_LARGE;
	r = &srv->routes[srv->nroutes];
	r->method = fa2_strdup(method);
	r->path = fa2_strdup(path);
	if (!r->method || !r->path) {
		fa2_free(r->method);
		fa2_free(r->path);
		r->method = r->path = NULL;
		return FA2_ERR_NOMEM;
	}
	r->fn = handler;
	r->ctx = ctx;
	srv->nroutes++;
	return FA2_OK;
}

void fa2_server_set_tls(fa2_server *srv, const struct fa2_tls_server_ctx *tls)
{
	srv->tls = tls;
}

void fa2_server_get_stats(const fa2_server *srv, fa2_server_stats *out)
{
	*out = srv->stats;
	out->open_conns = srv->nconns;
	out->buffered_bytes = srv->buffered;
	out->buffered_peak = srv->buffered_peak;
}

/* ---- stop ---- */

void fa2_server_stop(fa2_server *srv)
{
	int saved = errno;
	char b = 's';
	srv->stop_flag = 1;
	if (write(srv->wake[1], &b, 1) < 0) {
		/* pipe full: the loop is already being woken */
	}
	errno = saved;
}

/* ---- requests ---- */

fa2_slice fa2_server_req_method(const fa2_server_req *req) { return req->head.method; }
fa2_slice fa2_server_req_target(const fa2_server_req *req) { return req->head.target; }
fa2_slice fa2_server_req_path(const fa2_server_req *req) { return req->path; }
fa2_slice fa2_server_req_query(const fa2_server_req *req) { return req->query; }
fa2_slice fa2_server_req_body(const fa2_server_req *req) { return req->body; }
const fa2_http_request *fa2_server_req_head(const fa2_server_req *req) { return &req->head; }
const char *fa2_server_req_peer(const fa2_server_req *req) { return req->c->peer; }

const fa2_slice *fa2_server_req_header(const fa2_server_req *req, const char *name)
{
	return fa2_http_header_find(req->head.headers, req->head.num_headers, name);
}

static void update_date(fa2_server *srv)
{
	time_t now = time(NULL);
	struct tm tm;

	if (now == srv->date_sec && srv->date[0])
		return;
	srv->date_sec = now;
	if (!gmtime_r(&now, &tm) ||
	    strftime(srv->date, sizeof srv->date, "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0)
		srv->date[0] = '\0';
	srv->date_len = strlen(srv->date);
}

static fa2_err append_size(fa2_buf *o, size_t v)
{
	char tmp[24];
	size_t i = sizeof tmp;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i > 0);
	return fa2_buf_append(o, tmp + i, sizeof tmp - i);
}

/* Appends a complete response to c->out. */
static fa2_err queue_response(fa2_server *srv, conn *c, int status, const char *ctype,
                              const char *extra, const void *body, size_t len, int is_head)
{
	fa2_buf *o = &c->out;
	size_t mark = o->len;
	fa2_err err;

	if (srv->stopping)
		c->keep_alive = 0;
	/* Built without printf: this runs for every response. */
	{
		char st[4];
		if (status < 100 || status > 999)
			status = 500;
		st[0] = (char)('0' + status / 100);
		st[1] = (char)('0' + status / 10 % 10);
		st[2] = (char)('0' + status % 10);
		st[3] = ' ';
		err = fa2_buf_append(o, "HTTP/1.1 ", 9);
		if (!err)
			err = fa2_buf_append(o, st, 4);
		if (!err)
			err = fa2_buf_append_cstr(o, fa2_http_reason(status));
		if (!err)
			err = fa2_buf_append(o, "\r\nServer: ", 10);
		if (!err)
			err = fa2_buf_append_cstr(o, srv->cfg.server_name);
		if (!err)
			err = fa2_buf_append(o, "\r\nDate: ", 8);
		if (!err)
			err = fa2_buf_append(o, srv->date, srv->date_len);
		if (!err)
			err = fa2_buf_append(o, "\r\nContent-Length: ", 18);
		if (!err)
			err = append_size(o, len);
		if (!err)
			err = fa2_buf_append(o, "\r\n", 2);
	}
	if (!err && ctype) {
		err = fa2_buf_append(o, "Content-Type: ", 14);
		if (!err)
			err = fa2_buf_append_cstr(o, ctype);
		if (!err)
			err = fa2_buf_append(o, "\r\n", 2);
	}
	if (!err && !c->keep_alive)
		err = fa2_buf_append_cstr(o, "Connection: close\r\n");
	else if (!err && c->req.head.minor_version == 0)
		err = fa2_buf_append_cstr(o, "Connection: keep-alive\r\n");
	if (!err && extra)
		err = fa2_buf_append_cstr(o, extra);
	if (!err)
		err = fa2_buf_append(o, "\r\n", 2);
	if (!err && !is_head && len)
		err = fa2_buf_append(o, body, len);
	if (err) {
		fa2_buf_truncate(o, mark);
		return err;
	}
	if (!c->keep_alive)
		c->close_after = 1;
	return FA2_OK;
}

fa2_err fa2_server_respond(fa2_server_req *req, int status, const char *content_type,
                           const char *extra_headers, const void *body, size_t len)
{
	fa2_err err;

	if (req->responded || req->deferred)
		return FA2_ERR_INVALID;
	err = queue_response(req->srv, req->c, status, content_type, extra_headers, body, len,
	                     req->is_head);
	if (err)
		return err;
	req->responded = 1;
	return FA2_OK;
}

fa2_server_req *fa2_server_defer(fa2_server_req *req)
{
	if (req->responded || req->deferred)
		return NULL;
	req->deferred = 1;
	return req;
}

void fa2_server_complete(fa2_server_req *req, int status, const char *content_type,
                         const char *extra_headers, const void *body, size_t len)
{
	fa2_server *srv = req->srv;
	char b = 'c';

	req->done_status = status;
	req->done_ctype = content_type ? fa2_strdup(content_type) : NULL;
	req->done_extra = extra_headers ? fa2_strdup(extra_headers) : NULL;
	req->done_body = fa2_malloc(len ? len : 1);
	if ((content_type && !req->done_ctype) || (extra_headers && !req->done_extra) ||
	    !req->done_body) {
		free_done(req);
		req->done_status = 500;
		req->done_len = 0;
	} else {
		if (len)
			memcpy(req->done_body, body, len);
		req->done_len = len;
	}
	pthread_mutex_lock(&srv->mu);
	req->next_done = NULL;
	if (srv->done_tail)
		srv->done_tail->next_done = req;
	else
		srv->done_head = req;
	srv->done_tail = req;
	pthread_mutex_unlock(&srv->mu);
	if (write(srv->wake[1], &b, 1) < 0) {
		/* pipe full: the loop is already being woken */
	}
}

/* ---- connections ---- */

static void set_phase(fa2_server *srv, conn *c, enum conn_phase ph, int64_t now)
{
	int64_t t = 0;

	if (c->phase == ph)
		return;
	c->phase = ph;
	switch (ph) {
	case P_HEADER: t = srv->cfg.header_timeout_ms; break;
	case P_BODY: t = srv->cfg.body_timeout_ms; break;
	case P_IDLE: t = srv->cfg.idle_timeout_ms; break;
	case P_WRITE: t = srv->cfg.write_timeout_ms; break;
	case P_LINGER: t = SRV_LINGER_MS; break;
	default: t = 0; break;
	}
	c->deadline = t > 0 ? now + t : 0;
}

/* Picks the deadline that applies now. */
static void conn_update_phase(fa2_server *srv, conn *c, int64_t now)
{
	if (c->state == C_LINGER)
		set_phase(srv, c, P_LINGER, now);
	else if (c->state == C_HANDLING)
		set_phase(srv, c, P_NONE, now);
	else if (c->out.len > c->out_off)
		set_phase(srv, c, P_WRITE, now);
	else if (c->have_head || c->discard)
		set_phase(srv, c, P_BODY, now);
	else if (c->in.len > 0 || c->nreq == 0)
		set_phase(srv, c, P_HEADER, now);  /* a fresh connection owes its first head */
	else
		set_phase(srv, c, P_IDLE, now);
}

/* Transport: plain socket or TLS. Return >0 bytes, 0 for EOF, -1 with errno
 * (EAGAIN when it would block). */
static long conn_recv(conn *c, char *p, size_t n)
{
	ssize_t r;
	if (c->tls) {
		size_t got = 0;
		fa2_err e = fa2_tls_read(c->tls, p, n, &got);
		if (e == FA2_OK)
			return (long)got;
		if (e == FA2_ERR_CLOSED)
			return 0;  /* close_notify */
		errno = e == FA2_ERR_AGAIN ? EAGAIN : EPROTO;
		return -1;
	}
	do {
		r = recv(c->fd, p, n, 0);
	} while (r < 0 && errno == EINTR);
	return (long)r;
}

static long conn_send(conn *c, const char *p, size_t n)
{
	ssize_t r;
	if (c->tls) {
		size_t put = 0;
		fa2_err e = fa2_tls_write(c->tls, p, n, &put);
		if (e == FA2_OK)
			return (long)put;
		errno = e == FA2_ERR_AGAIN ? EAGAIN : EPROTO;
		return -1;
	}
	do {
		r = send(c->fd, p, n, MSG_NOSIGNAL);
	} while (r < 0 && errno == EINTR);
	return (long)r;
}

/* Queues an error response generated by the server and marks the connection for close. */
static void conn_fail(fa2_server *srv, conn *c, int status)
{
	char body[96];
	int n = snprintf(body, sizeof body, "%d %s\n", status, fa2_http_reason(status));

	c->keep_alive = 0;
	srv->stats.bad_requests++;
	if (queue_response(srv, c, status, "text/plain; charset=utf-8",
	                   status == 503 ? "Retry-After: 1\r\n" : NULL, body,
	                   n > 0 ? (size_t)n : 0, 0) != FA2_OK)
		c->close_after = 1;
	c->close_after = 1;
	c->have_head = 0;
	c->discard = 0;
	FA2_LOGD("server", "%s: answered %d", c->peer, status);
}

/* Answers a failed growth of c->in: 503 for the budget, 413/431 past the request cap. */
static void conn_fail_grow(fa2_server *srv, conn *c, fa2_err e, int64_t now)
{
	if (e == FA2_ERR_THROTTLED) {
		srv->stats.rejected_budget++;
		if (srv->budget_warned == 0 || now - srv->budget_warned >= SRV_BUDGET_WARN_MS) {
			FA2_LOGW("server", "request buffers are at the budget (%zu of %zu bytes): answering "
			         "503 to new bodies (--max-buffer-mb raises it)", srv->buffered,
			         srv->cfg.max_buffered);
			srv->budget_warned = now;
		}
		conn_fail(srv, c, 503);
	} else if (e == FA2_ERR_TOO_LARGE) {
		conn_fail(srv, c, c->have_head ? 413 : 431);
	} else {
		conn_fail(srv, c, 500);
	}
}

static const route *find_route(const fa2_server *srv, fa2_slice method, fa2_slice path,
                               int *path_known)
{
	size_t i;
	*path_known = 0;
	for (i = 0; i < srv->nroutes; i++) {
		if (!fa2_slice_eq_cstr(path, srv->routes[i].path))
			continue;
		*path_known = 1;
		if (fa2_slice_eq_cstr(method, srv->routes[i].method))
			return &srv->routes[i];
	}
	return NULL;
}

/* 1 when requests to rt carry a body: every method but GET, HEAD, DELETE, OPTIONS and
 * TRACE (whose bodies have no defined meaning, RFC 9110 section 9.3). */
static int route_takes_body(const route *rt)
{
	static const char *const none[] = { "GET", "HEAD", "DELETE", "OPTIONS", "TRACE" };
	size_t i;
	for (i = 0; i < sizeof none / sizeof none[0]; i++)
		if (strcmp(rt->method, none[i]) == 0)
			return 0;
	return 1;
}

/* Fills req->path / req->query from the target (again after in.data moved). */
static void split_target(fa2_server_req *r)
{
	fa2_slice before, after;
	if (fa2_slice_split(r->head.target, '?', &before, &after)) {
		r->path = before;
		r->query = after;
	} else {
		r->path = r->head.target;
		r->query = FA2_SLICE_EMPTY;
	}
}

/* Routes the parsed head: c->rt, c->route_known and req.is_head. HEAD falls back to
 * the GET handler. */
static void route_head(fa2_server *srv, conn *c)
{
	fa2_server_req *r = &c->req;
	split_target(r);
	r->is_head = 0;
	c->rt = find_route(srv, r->head.method, r->path, &c->route_known);
	if (!c->rt && fa2_slice_eq_cstr(r->head.method, "HEAD")) {
		c->rt = find_route(srv, FA2_SLICE_LIT("GET"), r->path, &c->route_known);
		r->is_head = c->rt != NULL;
	}
}

/* Queues the 404 (unknown path) or 405 (with Allow) for a request without a route. */
static void answer_no_route(fa2_server *srv, conn *c)
{
	fa2_server_req *r = &c->req;
	int known = c->route_known;
	char allow[256];
	size_t i, n = 0;
	const char *body = known ? "405 Method Not Allowed\n" : "404 Not Found\n";

	allow[0] = '\0';
	if (known) {
		int k = snprintf(allow, sizeof allow, "Allow: ");
		n = k > 0 ? (size_t)k : 0;
		for (i = 0; i < srv->nroutes && n < sizeof allow; i++) {
			if (!fa2_slice_eq_cstr(r->path, srv->routes[i].path))
				continue;
			k = snprintf(allow + n, sizeof allow - n, "%s%s",
			             n > 7 ? ", " : "", srv->routes[i].method);
			if (k < 0 || (size_t)k >= sizeof allow - n)
				break;
			n += (size_t)k;
		}
		if (n + 3 <= sizeof allow) {
			memcpy(allow + n, "\r\n", 3);
		} else {
			allow[0] = '\0';
		}
	}
	r->is_head = fa2_slice_eq_cstr(r->head.method, "HEAD");
	if (queue_response(srv, c, known ? 405 : 404, "text/plain; charset=utf-8",
	                   known ? allow : NULL, body, strlen(body), r->is_head) != FA2_OK)
		c->close_after = 1;
	r->responded = 1;
}

/* The request in c->req is complete: run its route's handler (routed on the head). */
static void dispatch(fa2_server *srv, conn *c)
{
	fa2_server_req *r = &c->req;
	const route *rt = c->rt;

	r->srv = srv;
	r->c = c;
	r->responded = r->deferred = 0;
	r->body = fa2_slice_make(c->in.data + r->head.head_len, c->body_end - r->head.head_len);
	split_target(r);
	srv->stats.requests++;
	if (!rt) {
		answer_no_route(srv, c);
		return;
	}
	rt->fn(r, rt->ctx);
	if (r->deferred) {
		c->state = C_HANDLING;
		srv->outstanding++;
		return;
	}
	if (!r->responded) {
		FA2_LOGE("server", "handler for %.*s %.*s returned without a response",
		         FA2_SLICE_FMT(r->head.method), FA2_SLICE_FMT(r->path));
		c->keep_alive = 0;
		if (queue_response(srv, c, 500, "text/plain; charset=utf-8", NULL,
		                   "500 Internal Server Error\n", 26, r->is_head) != FA2_OK)
			c->close_after = 1;
		r->responded = 1;
	}
}

/* The current request has been answered: drop its bytes. */
static void finish_request(fa2_server *srv, conn *c)
{
	c->nreq++;
	fa2_buf_consume(&c->in, c->req_bytes);
	in_release(srv, c);
	c->have_head = 0;
	c->rt = NULL;
	c->req_bytes = 0;
	c->sent_continue = 0;
	c->scan_from = 0;
	memset(&c->framing, 0, sizeof c->framing);
}

/* Skips body bytes of a request that was answered on its head. Returns how many of
 * p[0, n) belonged to that body; clears c->discard once it is over. Chunked framing is
 * checked (and decoded in place into p, then dropped); bad framing or more than
 * max_body decoded closes the connection after the answer. */
static size_t discard_bytes(fa2_server *srv, conn *c, char *p, size_t n)
{
	size_t used = 0, out_len = 0;
	fa2_err e;

	if (!c->discard_chunked) {
		used = (uint64_t)n < c->discard_left ? n : (size_t)c->discard_left;
		c->discard_left -= used;
		if (c->discard_left == 0)
			c->discard = 0;
		return used;
	}
	e = fa2_http_chunked_decode(&c->chunk, p, n, &out_len, &used);
	if (e == FA2_OK) {
		c->discard = 0;
	} else if (e != FA2_ERR_PARTIAL) {
		c->discard = 0;
		c->keep_alive = 0;
		c->close_after = 1;
		srv->stats.bad_requests++;
		return n;
	}
	return used;
}

/* Handles framing and routing once the head is parsed. Returns 0 to go on with the body,
 * 1 when the request was answered on its head and its body is being skipped, -1 when the
 * connection failed (response queued). */
static int on_head(fa2_server *srv, conn *c, int64_t now)
{
	fa2_err err;
	const fa2_slice *expect;
	int has_body;

	c->have_head = 1;
	err = fa2_http_request_body(&c->req.head, srv->cfg.max_body, &c->framing);
	if (err) {
		c->req.head.minor_version = 1;
		conn_fail(srv, c, err == FA2_ERR_TOO_LARGE ? 413 : err == FA2_ERR_UNSUPPORTED ? 501 : 400);
		return -1;
	}
	c->keep_alive = fa2_http_keep_alive(c->req.head.minor_version, c->req.head.headers,
	                                    c->req.head.num_headers);
	c->body_end = c->req.head.head_len;
	c->raw_pos = c->req.head.head_len;
	has_body = c->framing.kind == FA2_HTTP_BODY_CHUNKED ||
	           (c->framing.kind == FA2_HTTP_BODY_LENGTH && c->framing.length > 0);
	route_head(srv, c);
	if (!c->rt && has_body) {
		/* Answer now; the body is read and dropped, never stored. */
		srv->stats.requests++;
		c->req.srv = srv;
		c->req.c = c;
		answer_no_route(srv, c);
		c->discard = 1;
		c->discard_chunked = c->framing.kind == FA2_HTTP_BODY_CHUNKED;
		c->discard_left = c->framing.length;
		if (c->discard_chunked)
			fa2_http_chunked_init(&c->chunk, srv->cfg.max_body);
		c->req_bytes = c->req.head.head_len;
		finish_request(srv, c);
		return 1;
	}
	if (c->rt && !route_takes_body(c->rt) && has_body) {
		conn_fail(srv, c, 413);
		return -1;
	}
	if (c->rt && route_takes_body(c->rt) && c->framing.kind == FA2_HTTP_BODY_NONE) {
		conn_fail(srv, c, 411);
		return -1;
	}
	if (c->framing.kind == FA2_HTTP_BODY_LENGTH && has_body) {
		/* The whole body's room is taken from the budget now, before any of it is read. */
		size_t need = c->req.head.head_len + (size_t)c->framing.length;
		if (need < c->in.len)
			need = c->in.len;
		if (need + 1 > c->in.cap) {
			err = in_resize(srv, c, need + 1);
			if (err) {
				conn_fail_grow(srv, c, err, now);
				return -1;
			}
		}
	}
	if (c->framing.kind == FA2_HTTP_BODY_CHUNKED)
		fa2_http_chunked_init(&c->chunk, srv->cfg.max_body);
	expect = fa2_http_header_find(c->req.head.headers, c->req.head.num_headers, "Expect");
	if (expect) {
		if (!fa2_slice_eq_ci(*expect, FA2_SLICE_LIT("100-continue"))) {
			conn_fail(srv, c, 417);
			return -1;
		}
		if (c->req.head.minor_version >= 1 && has_body &&
		    c->in.len == c->req.head.head_len && !c->sent_continue) {
			if (fa2_buf_append_cstr(&c->out, "HTTP/1.1 100 Continue\r\n\r\n") != FA2_OK) {
				conn_fail(srv, c, 500);
				return -1;
			}
			c->sent_continue = 1;
		}
	}
	return 0;
}

/* Parses and dispatches as many buffered requests as possible. */
static void conn_process(fa2_server *srv, conn *c, int64_t now)
{
	while (c->state == C_READ && !c->close_after && c->out.len - c->out_off < SRV_OUT_HIGH) {
		if (c->discard) {
			size_t used = c->in.len ? discard_bytes(srv, c, c->in.data, c->in.len) : 0;
			fa2_buf_consume(&c->in, used);
			in_release(srv, c);
			if (c->discard) {
				if (c->peer_eof)
					c->close_after = 1;
				break;
			}
			c->scan_from = 0;
			continue;
		}
		if (!c->have_head) {
			fa2_err err;
			int rc;
			if (c->in.len == 0)
				break;
			/* Re-parse only when a line may have completed (or at first bytes / the cap),
			 * which bounds the work a byte-at-a-time client can cause. */
			if (c->scan_from > 0 && c->in.len < FA2_MAX_HTTP_HEADER_BYTES &&
			    !memchr(c->in.data + c->scan_from, '\n', c->in.len - c->scan_from)) {
				c->scan_from = c->in.len;
				break;
			}
			err = fa2_http_parse_request(c->in.data, c->in.len, &c->req.head);
			c->scan_from = c->in.len;
			if (err == FA2_ERR_PARTIAL) {
				if (c->peer_eof)
					c->close_after = 1;  /* half a request, then EOF: just close */
				break;
			}
			if (err) {
				c->req.head.minor_version = 1;
				conn_fail(srv, c, err == FA2_ERR_TOO_LARGE ? 431 :
				                  err == FA2_ERR_UNSUPPORTED ? 505 : 400);
				break;
			}
			rc = on_head(srv, c, now);
			if (rc < 0)
				break;
			if (rc > 0)
				continue;  /* answered on the head; its body is being skipped */
		}
		/* body */
		if (c->framing.kind == FA2_HTTP_BODY_LENGTH) {
			size_t need = c->req.head.head_len + (size_t)c->framing.length;
			if (c->in.len < need) {
				if (c->peer_eof)
					c->close_after = 1;
				break;
			}
			c->body_end = need;
			c->req_bytes = need;
		} else if (c->framing.kind == FA2_HTTP_BODY_CHUNKED) {
			size_t out_len = 0, used = 0;
			fa2_err err = FA2_ERR_PARTIAL;
			if (c->raw_pos < c->in.len) {
				err = fa2_http_chunked_decode(&c->chunk, c->in.data + c->raw_pos,
				                              c->in.len - c->raw_pos, &out_len, &used);
				if (out_len && c->body_end != c->raw_pos)
					memmove(c->in.data + c->body_end, c->in.data + c->raw_pos, out_len);
				c->body_end += out_len;
				c->raw_pos += used;
			}
			if (err == FA2_ERR_PARTIAL) {
				/* Compact: move the undecoded tail next to the decoded body. */
				if (c->raw_pos > c->body_end) {
					memmove(c->in.data + c->body_end, c->in.data + c->raw_pos,
					        c->in.len - c->raw_pos);
					c->in.len -= c->raw_pos - c->body_end;
					c->raw_pos = c->body_end;
					c->scan_from = c->in.len;
				}
				if (c->peer_eof)
					c->close_after = 1;
				break;
			}
			if (err) {
				conn_fail(srv, c, err == FA2_ERR_TOO_LARGE ? 413 : 400);
				break;
			}
			c->req_bytes = c->raw_pos;
		} else {
			c->body_end = c->req.head.head_len;
			c->req_bytes = c->req.head.head_len;
		}
		dispatch(srv, c);
		if (c->state == C_HANDLING)
			break;
		finish_request(srv, c);
	}
	conn_update_phase(srv, c, now);
}

/* Writes pending output. Returns -1 when the connection is to be closed. */
static int conn_flush(fa2_server *srv, conn *c, int64_t now)
{
	int flushed = 1;

	while (c->out.len > c->out_off) {
		long n = conn_send(c, c->out.data + c->out_off, c->out.len - c->out_off);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -1;
		}
		if (n == 0)
			return -1;
		c->out_off += (size_t)n;
	}
	if (c->tls && c->out.len == c->out_off) {
		fa2_err e = fa2_tls_flush(c->tls);
		if (e == FA2_ERR_AGAIN)
			flushed = 0;  /* records still queued; the engine wants POLLOUT */
		else if (e)
			return -1;
	}
	if (c->out.len == c->out_off && flushed) {
		fa2_buf_reset(&c->out);
		c->out_off = 0;
		if (c->close_after && c->state != C_LINGER) {
			/* Lingering close: stop sending, drain what the peer still sends, so that it
			 * reads our answer rather than a reset. TLS first sends close_notify. */
			c->state = C_LINGER;
			if (c->tls) {
				fa2_err e = fa2_tls_close(c->tls);
				if (e != FA2_ERR_AGAIN)
					return -1;
			} else {
				shutdown(c->fd, SHUT_WR);
				if (c->peer_eof)
					return -1;
			}
		} else if (c->peer_eof && c->state == C_READ && !c->close_after) {
			return -1;  /* the peer is gone and everything it asked for is answered */
		}
	}
	conn_update_phase(srv, c, now);
	return 0;
}

/* How many of p[0, n) to append before the head in c->in can be complete: up to and
 * including the first blank line (LF LF or LF CR LF, counting c->in's last bytes), or n. */
static size_t head_part(const conn *c, const char *p, size_t n)
{
	char a = c->in.len >= 2 ? c->in.data[c->in.len - 2] : 0;
	char b = c->in.len >= 1 ? c->in.data[c->in.len - 1] : 0;
	size_t i;
	for (i = 0; i < n; i++) {
		if (p[i] == '\n' && (b == '\n' || (b == '\r' && a == '\n')))
			return i + 1;
		a = b;
		b = p[i];
	}
	return n;
}

/* Takes n bytes just read. A head is appended only up to its end and handled (routed,
 * its body admitted, skipped or refused) before any byte after it is stored; a
 * Content-Length body is appended only up to its end, into the room reserved for it;
 * bytes of a body being skipped are dropped. Returns -1 when the connection failed
 * (answered). */
static int conn_take(fa2_server *srv, conn *c, char *p, size_t n, int64_t now)
{
	while (n > 0 && !c->close_after) {
		size_t k = n;
		fa2_err e;
		if (c->discard) {
			size_t used = discard_bytes(srv, c, p, n);
			p += used;
			n -= used;
			continue;
		}
		if (c->state == C_READ && !c->have_head) {
			k = head_part(c, p, n);
		} else if (c->state == C_READ && c->framing.kind == FA2_HTTP_BODY_LENGTH) {
			size_t end = c->req.head.head_len + (size_t)c->framing.length;
			if (c->in.len < end && end - c->in.len < n)
				k = end - c->in.len;
		}
		if (c->in.len == 0 && !c->have_head)
			c->scan_from = 0;
		e = in_append(srv, c, p, k);
		if (e) {
			conn_fail_grow(srv, c, e, now);
			return -1;
		}
		p += k;
		n -= k;
		if (n > 0 && c->state == C_READ)
			conn_process(srv, c, now);
	}
	return 0;
}

/* Reads what is available (plain: one recv; TLS: until the engine has nothing more).
 * Every read lands in srv->scratch first, so that a connection's buffer grows only by
 * what it received, and never for a body being discarded. Returns -1 when the
 * connection is to be closed. */
static int conn_read(fa2_server *srv, conn *c, int64_t now)
{
	int pass;

	if (c->state == C_LINGER) {
		long n;
		if (c->tls) {
			fa2_err e = fa2_tls_close(c->tls);  /* pumps, discards app data */
			return e == FA2_ERR_AGAIN ? 0 : -1;
		}
		n = conn_recv(c, srv->scratch, sizeof srv->scratch);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
			return -1;
		return 0;
	}
	if (c->close_after || c->state != C_READ)
		return 0;  /* nothing more is read from this request stream */
	for (pass = 0; pass < (c->tls ? 64 : 1); pass++) {
		long n = conn_recv(c, srv->scratch, sizeof srv->scratch);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -1;
		}
		if (n == 0) {
			c->peer_eof = 1;
			if (c->in.len == 0 && c->out.len == c->out_off)
				return -1;  /* clean close between requests */
			break;
		}
		if (conn_take(srv, c, srv->scratch, (size_t)n, now) != 0 || c->close_after)
			break;
	}
	conn_update_phase(srv, c, now);
	return 0;
}

static void remove_conn(fa2_server *srv, size_t i)
{
	conn *c = srv->conns[i];
	srv->conns[i] = srv->conns[srv->nconns - 1];
	srv->nconns--;
	conn_free(srv, c);
}

static void accept_ready(fa2_server *srv, int lfd, int64_t now)
{
	int k;

	for (k = 0; k < SRV_ACCEPT_BURST; k++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int one = 1;
		unsigned char key[16];
		conn *c;
		char host[INET6_ADDRSTRLEN];

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				/* Out of descriptors or memory: stop polling the listeners for a while
				 * rather than spinning on a readable listener. */
				srv->accept_paused_until = now + 100;
				if (now - srv->accept_warned >= 5000) {
					FA2_LOGW("server", "accept: %s; pausing new connections", strerror(errno));
					srv->accept_warned = now;
				}
			} else if (errno != EAGAIN && errno != EWOULDBLOCK) {
				FA2_LOGW("server", "accept: %s", strerror(errno));
			}
			return;
		}
		srv->stats.accepted++;
		peer_key(&ss, key);
		if (srv->nconns >= srv->cfg.max_conns ||
		    (srv->peers && peer_count(srv, key) >= srv->cfg.max_conns_per_peer)) {
			static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 20\r\n"
			                           "Connection: close\r\nRetry-After: 1\r\n\r\n"
			                           "503 server is busy\r\n";
			if (srv->nconns >= srv->cfg.max_conns)
				srv->stats.rejected_busy++;
			else
				srv->stats.rejected_peer++;
			/* Plain HTTP only: a TLS client would read these bytes as a bad record. */
			if (!srv->tls && send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
				/* best effort */
			}
			close(fd);
			continue;
		}
		c = fa2_calloc(1, sizeof *c);
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		if (srv->peers) {
			memcpy(c->peer_key, key, 16);
			peer_add(srv, key);
			c->peer_counted = 1;
		}
		fa2_buf_init(&c->in, FA2_MAX_HTTP_HEADER_BYTES + srv->cfg.max_body + SRV_READ_CHUNK);
		fa2_buf_init(&c->out, SRV_OUT_MAX);
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
			if (!inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host))
				host[0] = '\0';
			snprintf(c->peer, sizeof c->peer, "[%s]:%u", host, (unsigned)ntohs(a->sin6_port));
		} else if (ss.ss_family == AF_INET) {
			struct sockaddr_in *a = (struct sockaddr_in *)&ss;
			if (!inet_ntop(AF_INET, &a->sin_addr, host, sizeof host))
				host[0] = '\0';
			snprintf(c->peer, sizeof c->peer, "%s:%u", host, (unsigned)ntohs(a->sin_port));
		}
		if (srv->tls) {
			if (fa2_tls_server_new(fd, srv->tls, c->peer, &c->tls) != FA2_OK) {
				conn_free(srv, c);
				continue;
			}
		}
		/* A fresh connection must send its head within the header timeout. */
		c->phase = P_NONE;
		set_phase(srv, c, P_HEADER, now);
		srv->conns[srv->nconns++] = c;
	}
}

static void handle_done(fa2_server *srv, int64_t now)
{
	fa2_server_req *list, *r;

	pthread_mutex_lock(&srv->mu);
	list = srv->done_head;
	srv->done_head = srv->done_tail = NULL;
	pthread_mutex_unlock(&srv->mu);
	while ((r = list) != NULL) {
		conn *c = r->c;
		list = r->next_done;
		srv->outstanding--;
		r->deferred = 0;
		if (queue_response(srv, c, r->done_status, r->done_ctype, r->done_extra,
		                   r->done_body, r->done_len, r->is_head) != FA2_OK)
			c->close_after = 1;
		r->responded = 1;
		free_done(r);
		c->state = C_READ;
		finish_request(srv, c);
		conn_process(srv, c, now);
		if (c->state != C_HANDLING && conn_flush(srv, c, now) != 0)
			c->dead = 1;
	}
}

static int ensure_capacity(fa2_server *srv)
{
	size_t need = srv->cfg.max_conns + SRV_MAX_LISTENERS + 1;
	if (srv->pcap >= need)
		return 0;
	srv->conns = fa2_calloc(srv->cfg.max_conns, sizeof *srv->conns);
	srv->pfds = fa2_calloc(need, sizeof *srv->pfds);
	srv->pconn = fa2_calloc(need, sizeof *srv->pconn);
	if (srv->cfg.max_conns_per_peer) {
		/* At most max_conns peers: a table of twice that keeps probe runs short. */
		size_t n = 16;
		while (n < 2 * srv->cfg.max_conns)
			n *= 2;
		srv->peers = fa2_calloc(n, sizeof *srv->peers);
		srv->peer_mask = n - 1;
	}
	if (!srv->conns || !srv->pfds || !srv->pconn || (srv->cfg.max_conns_per_peer && !srv->peers)) {
		fa2_free(srv->conns);
		fa2_free(srv->pfds);
		fa2_free(srv->pconn);
		fa2_free(srv->peers);
		srv->conns = NULL;
		srv->pfds = NULL;
		srv->pconn = NULL;
		srv->peers = NULL;
		return -1;
	}
	srv->pcap = need;
	return 0;
}

static void begin_stop(fa2_server *srv, int64_t now)
{
	size_t i;

	if (srv->stopping)
		return;
	srv->stopping = 1;
	srv->stop_deadline = now + srv->cfg.shutdown_grace_ms;
	FA2_LOGI("server", "shutting down: %zu connection(s) open, %zu request(s) in workers",
	         srv->nconns, srv->outstanding);
	for (i = 0; i < srv->nlisten; i++) {
		close(srv->lfd[i]);
		srv->lfd[i] = -1;
	}
	srv->nlisten = 0;
}

/* During shutdown: a connection with nothing in flight can go. */
static int conn_idle(const conn *c)
{
	return c->state == C_READ && c->in.len == 0 && !c->have_head && !c->discard &&
	       c->out.len == c->out_off;
}

/* Runs the timers of connection i. Returns 1 when it was removed. */
static int conn_timers(fa2_server *srv, size_t i, int64_t now)
{
	conn *c = srv->conns[i];

	if (c->dead) {
		remove_conn(srv, i);
		return 1;
	}
	if (c->deadline <= 0 || now < c->deadline)
		return 0;
	switch (c->phase) {
	case P_HEADER:
	case P_BODY:
		srv->stats.timeouts++;
		if (c->phase == P_HEADER && c->in.len == 0) {
			remove_conn(srv, i);  /* never sent a byte of this request */
			return 1;
		}
		FA2_LOGD("server", "%s: %s timeout", c->peer, c->phase == P_HEADER ? "header" : "body");
		conn_fail(srv, c, 408);
		c->phase = P_NONE;
		if (conn_flush(srv, c, now) != 0) {
			remove_conn(srv, i);
			return 1;
		}
		return 0;
	case P_WRITE:
		srv->stats.timeouts++;
		remove_conn(srv, i);
		return 1;
	default:
		remove_conn(srv, i);
		return 1;
	}
}

fa2_err fa2_server_run(fa2_server *srv)
{
	fa2_err err = FA2_OK;
	int warned_grace = 0;

	if (ensure_capacity(srv) != 0)
		return FA2_ERR_NOMEM;
	update_date(srv);
	for (;;) {
		int64_t now = fa2_time_mono_ms(), next = 0;
		size_t np = 0, i, nl;
		int timeout, rc, any_ready = 0;

		if (srv->stop_flag)
			begin_stop(srv, now);
		if (srv->stopping) {
			for (i = srv->nconns; i-- > 0;) {
				if (conn_idle(srv->conns[i]))
					remove_conn(srv, i);
			}
			if (now >= srv->stop_deadline) {
				for (i = srv->nconns; i-- > 0;) {
					if (srv->conns[i]->state != C_HANDLING)
						remove_conn(srv, i);
				}
				if (srv->outstanding && !warned_grace) {
					FA2_LOGW("server", "shutdown grace over; waiting for %zu worker request(s)",
					         srv->outstanding);
					warned_grace = 1;
				}
			}
			if (srv->nconns == 0 && srv->outstanding == 0)
				break;
		}
		/* The poll set: wake pipe, listeners, connections. */
		srv->pfds[np].fd = srv->wake[0];
		srv->pfds[np].events = POLLIN;
		srv->pconn[np++] = NULL;
		nl = srv->stopping || now < srv->accept_paused_until ? 0 : srv->nlisten;
		if (now < srv->accept_paused_until)
			next = srv->accept_paused_until;
		for (i = 0; i < nl; i++) {
			srv->pfds[np].fd = srv->lfd[i];
			srv->pfds[np].events = POLLIN;
			srv->pconn[np++] = NULL;
		}
		for (i = 0; i < srv->nconns; i++) {
			conn *c = srv->conns[i];
			short ev = 0;
			if (c->state == C_LINGER) {
				ev = POLLIN;
			} else if (c->state == C_READ) {
				if (c->out.len > c->out_off)
					ev |= POLLOUT;
				if (!c->close_after && c->out.len - c->out_off < SRV_OUT_HIGH && !c->peer_eof)
					ev |= POLLIN;
			}
			c->tls_ready = 0;
			if (c->tls && c->state != C_HANDLING) {
				/* Poll for what the engine needs. When it needs nothing from the socket
				 * but the loop has work for it (data to read or to write), run the
				 * connection without waiting. */
				short want = fa2_tls_want(c->tls);
				if (want == 0 && ev != 0) {
					c->tls_ready = 1;
					any_ready = 1;
				}
				ev = want;
			}
			if (c->deadline > 0 && (next == 0 || c->deadline < next))
				next = c->deadline;
			/* A deferred connection is not polled at all (a hang-up would spin). */
			srv->pfds[np].fd = c->state == C_HANDLING || ev == 0 ? -1 : c->fd;
			srv->pfds[np].events = ev;
			srv->pfds[np].revents = 0;
			srv->pconn[np++] = c;
		}
		if (srv->stopping && (next == 0 || srv->stop_deadline < next))
			next = srv->stop_deadline;
		if (any_ready)
			timeout = 0;
		else if (next == 0)
			timeout = 1000;
		else if (next <= now)
			timeout = 0;
		else
			timeout = next - now > 1000 ? 1000 : (int)(next - now);
		rc = poll(srv->pfds, np, timeout);
		if (rc < 0 && errno != EINTR) {
			FA2_LOGE("server", "poll: %s", strerror(errno));
			err = FA2_ERR_IO;
			break;
		}
		now = fa2_time_mono_ms();
		update_date(srv);
		if (rc > 0 || any_ready) {
			for (i = 1 + nl; i < np; i++) {
				conn *c = srv->pconn[i];
				short re = srv->pfds[i].revents;
				if (c->tls_ready)
					re |= POLLIN | POLLOUT;
				if (!re || c->state == C_HANDLING)
					continue;
				if (re & POLLNVAL) {
					c->dead = 1;
					continue;
				}
				/* TLS: any socket event may move the engine either way; run both. */
				if (c->tls)
					re |= POLLIN | POLLOUT;
				if (re & (POLLIN | POLLHUP | POLLERR)) {
					if (conn_read(srv, c, now) != 0) {
						c->dead = 1;
						continue;
					}
					if (c->state == C_READ)
						conn_process(srv, c, now);
				}
				if (c->state != C_HANDLING && conn_flush(srv, c, now) != 0)
					c->dead = 1;
			}
			if (srv->pfds[0].revents) {
				char drain[256];
				while (read(srv->wake[0], drain, sizeof drain) > 0) {
				}
				handle_done(srv, now);
			}
			/* Accept last so that new connections are not in this pass's pconn map. */
			for (i = 1; i < 1 + nl; i++)
				if (srv->pfds[i].revents)
					accept_ready(srv, srv->pfds[i].fd, now);
		}
		for (i = srv->nconns; i-- > 0;)
			(void)conn_timers(srv, i, now);
	}
	return err;
}
