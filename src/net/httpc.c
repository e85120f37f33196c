/* HTTP/1.1 client (see httpc.h). The wire format is parsed by net/http.c. */
#include "net/httpc.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/time.h"
#include "net/conn.h"
#include "net/sock.h"

#define POOL_IDLE_MS       30000
#define POOL_MAX_PER_KEY   8
#define POOL_MAX_TOTAL     64
#define POOL_KEY_BYTES     (FA2_URL_MAX_HOST + 300)
#define READ_CHUNK         16384u

typedef struct pooled {
	struct pooled *next;
	char key[POOL_KEY_BYTES];
	fa2_conn conn;
} pooled;

struct fa2_httpc {
	pthread_mutex_t lock;
	pooled *idle;             /* most recently returned first */
	size_t n_idle;
	fa2_proxy_config proxy;
	unsigned long connects, reuses;
};

/* ---- response ----------------------------------------------------------------------- */

void fa2_httpc_response_init(fa2_httpc_response *r)
{
	memset(r, 0, sizeof *r);
	fa2_buf_init(&r->raw_head, FA2_MAX_HTTP_HEADER_BYTES + READ_CHUNK);
	fa2_buf_init(&r->body, FA2_MAX_HTTP_BODY_BYTES);
}

void fa2_httpc_response_cleanup(fa2_httpc_response *r)
{
	fa2_buf_cleanup(&r->raw_head);
	fa2_buf_cleanup(&r->body);
	r->status = 0;
	r->head.num_headers = 0;
}

const fa2_slice *fa2_httpc_response_header(const fa2_httpc_response *r, const char *name)
{
	return fa2_http_header_find(r->head.headers, r->head.num_headers, name);
}

static void resp_msg(fa2_httpc_response *r, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

static void resp_msg(fa2_httpc_response *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(r->errmsg, sizeof r->errmsg, fmt, ap);
	va_end(ap);
}

/* ---- client and pool ------------------------------------------------------------------ */

fa2_err fa2_httpc_new(fa2_httpc **out)
{
	fa2_httpc *c;
	fa2_err err;
	*out = NULL;
	c = fa2_calloc(1, sizeof *c);
	if (!c)
		return FA2_ERR_NOMEM;
	err = fa2_proxy_config_from_env(&c->proxy);
	if (err) {
		fa2_free(c);
		return err;
	}
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		fa2_proxy_config_cleanup(&c->proxy);
		fa2_free(c);
		return FA2_ERR_INTERNAL;
	}
	*out = c;
	return FA2_OK;
}

void fa2_httpc_free(fa2_httpc *c)
{
	pooled *p, *next;
	if (!c)
		return;
	for (p = c->idle; p; p = next) {
		next = p->next;
		fa2_conn_close(&p->conn);
		fa2_free(p);
	}
	fa2_proxy_config_cleanup(&c->proxy);
	(void)pthread_mutex_destroy(&c->lock);
	fa2_free(c);
}

static pthread_once_t default_once = PTHREAD_ONCE_INIT;
static fa2_httpc *default_client;

static void default_create(void)
{
	if (fa2_httpc_new(&default_client) != FA2_OK)
		default_client = NULL;
}

fa2_httpc *fa2_httpc_default(void)
{
	(void)pthread_once(&default_once, default_create);
	return default_client;
}

void fa2_httpc_stats(fa2_httpc *c, unsigned long *connects, unsigned long *reuses)
{
	pthread_mutex_lock(&c->lock);
	*connects = c->connects;
	*reuses = c->reuses;
	pthread_mutex_unlock(&c->lock);
}

void fa2_httpc_proxy_for(const fa2_httpc *c, const char *scheme, const char *host,
                         fa2_slice *proxy_out)
{
	*proxy_out = fa2_proxy_for(&c->proxy, strcmp(scheme, "https") == 0, host);
}

int fa2_httpc_no_proxy_match(fa2_slice no_proxy, fa2_slice host)
{
	return fa2_no_proxy_match(no_proxy, host);
}

/* Takes an idle connection for key, dropping expired or dead ones. NULL if none. */
static pooled *pool_take(fa2_httpc *c, const char *key)
{
	pooled **pp, *found = NULL, *dead = NULL, *p;
	int64_t now = fa2_time_mono_ms();

	pthread_mutex_lock(&c->lock);
	pp = &c->idle;
	while ((p = *pp) != NULL) {
		if (now - p->conn.idle_since_ms > POOL_IDLE_MS) {
			*pp = p->next;
			c->n_idle--;
			p->next = dead;
			dead = p;
			continue;
		}
		if (!found && strcmp(p->key, key) == 0) {
			*pp = p->next;
			c->n_idle--;
			if (fa2_conn_idle_ok(&p->conn)) {
				found = p;
			} else {
				p->next = dead;
				dead = p;
			}
			continue;
		}
		pp = &p->next;
	}
	pthread_mutex_unlock(&c->lock);
	while (dead) {
		p = dead->next;
		fa2_conn_close(&dead->conn);
		fa2_free(dead);
		dead = p;
	}
	if (found)
		found->next = NULL;
	return found;
}

/* Returns a connection to the pool (or closes it when the pool is full). */
static void pool_put(fa2_httpc *c, pooled *p)
{
	pooled *q;
	size_t same = 0;
	int keep;

	p->conn.idle_since_ms = fa2_time_mono_ms();
	pthread_mutex_lock(&c->lock);
	for (q = c->idle; q; q = q->next)
		if (strcmp(q->key, p->key) == 0)
			same++;
	keep = same < POOL_MAX_PER_KEY && c->n_idle < POOL_MAX_TOTAL;
	if (keep) {
		p->next = c->idle;
		c->idle = p;
		c->n_idle++;
	}
	pthread_mutex_unlock(&c->lock);
	if (!keep) {
		fa2_conn_close(&p->conn);
		fa2_free(p);
	}
}

static void conn_discard(pooled *p)
{
	if (p) {
		fa2_conn_close(&p->conn);
		fa2_free(p);
	}
}

/* ---- one exchange ------------------------------------------------------------------- */

typedef struct target {
	int tls;
	const char *host;
	uint16_t port;
	fa2_slice path;      /* origin-form request target */
} target;

static int is_idempotent(const char *m)
{
	return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 || strcmp(m, "PUT") == 0
	       || strcmp(m, "DELETE") == 0 || strcmp(m, "OPTIONS") == 0;
}

static int valid_token(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch <= 0x20 || ch >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", ch))
			return 0;
	}
	return 1;
}

static int valid_field(fa2_slice name, fa2_slice value)
{
	size_t i;
	if (name.len == 0)
		return 0;
	for (i = 0; i < name.len; i++) {
		unsigned char ch = (unsigned char)name.ptr[i];
		if (ch <= 0x20 || ch >= 0x7f || ch == ':')
			return 0;
	}
	for (i = 0; i < value.len; i++) {
		unsigned char ch = (unsigned char)value.ptr[i];
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return 0;
	}
	return 1;
}

static int has_field(const fa2_httpc_request *req, const char *name)
{
	size_t i;
	for (i = 0; i < req->num_headers; i++)
		if (fa2_slice_eq_ci(req->headers[i].name, fa2_slice_cstr(name)))
			return 1;
	return 0;
}

static fa2_err append_hostport(fa2_buf *b, const target *t)
{
	int dflt = t->port == (t->tls ? 443 : 80);
	if (strchr(t->host, ':'))
		return dflt ? fa2_buf_appendf(b, "[%s]", t->host)
		            : fa2_buf_appendf(b, "[%s]:%u", t->host, (unsigned)t->port);
	return dflt ? fa2_buf_append_cstr(b, t->host)
	            : fa2_buf_appendf(b, "%s:%u", t->host, (unsigned)t->port);
}

static fa2_err build_request(fa2_buf *b, const fa2_httpc_request *req, const char *method,
                             fa2_slice body, const target *t, const fa2_conn *conn)
{
	fa2_err err = fa2_buf_appendf(b, "%s ", method);
	size_t i;
	if (!err && conn->via_proxy) {
		err = fa2_buf_append_cstr(b, t->tls ? "https://" : "http://");
		if (!err)
			err = append_hostport(b, t);
	}
	if (!err)
		err = fa2_buf_append_slice(b, t->path);
	if (!err)
		err = fa2_buf_append_cstr(b, " HTTP/1.1\r\n");
	if (!err && !has_field(req, "Host")) {
		err = fa2_buf_append_cstr(b, "Host: ");
		if (!err)
			err = append_hostport(b, t);
		if (!err)
			err = fa2_buf_append_cstr(b, "\r\n");
	}
	if (!err && conn->via_proxy && conn->proxy_auth)
		err = fa2_buf_appendf(b, "Proxy-Authorization: %s\r\n", conn->proxy_authz);
	for (i = 0; !err && i < req->num_headers; i++)
		err = fa2_buf_appendf(b, "%.*s: %.*s\r\n", FA2_SLICE_FMT(req->headers[i].name),
		                      FA2_SLICE_FMT(req->headers[i].value));
	if (!err && !has_field(req, "Content-Length")
	    && (body.len > 0 || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0
	        || strcmp(method, "PATCH") == 0))
		err = fa2_buf_appendf(b, "Content-Length: %zu\r\n", body.len);
	if (!err)
		err = fa2_buf_append_cstr(b, "\r\n");
	if (!err)
		err = fa2_buf_append_slice(b, body);
	return err;
}

/* Reads the response on conn. *got_bytes says whether any byte arrived; *reusable
 * whether the connection may carry another request. */
static fa2_err read_response(fa2_conn *conn, int is_head, size_t max_body,
                             int64_t deadline, fa2_httpc_response *r, int *got_bytes,
                             int *reusable, const target *t)
{
	char *rb = NULL;
	size_t extra = 0;
	fa2_http_body bd;
	fa2_err err;

	*got_bytes = 0;
	*reusable = 0;
	/* The head (skipping 1xx interim responses). */
	for (;;) {
		size_t n, want;
		err = fa2_buf_reserve(&r->raw_head, 4096);
		if (err) {
			resp_msg(r, "HTTP %s: response head too large", t->host);
			err = FA2_ERR_TOO_LARGE;
			goto cleanup;
		}
		want = r->raw_head.cap - r->raw_head.len - 1;
		if (want > READ_CHUNK)
			want = READ_CHUNK;
		if (want > r->raw_head.max - r->raw_head.len)
			want = r->raw_head.max - r->raw_head.len;
		err = fa2_conn_read(conn, r->raw_head.data + r->raw_head.len, want, &n, deadline);
		if (err) {
			if (err == FA2_ERR_TLS)
				resp_msg(r, "%s", fa2_conn_errmsg(conn));
			else
				resp_msg(r, "HTTP %s: %s before the response %s", t->host,
				         err == FA2_ERR_TIMEOUT ? "timed out" : "connection closed",
				         *got_bytes ? "was complete" : "arrived");
			if (err == FA2_ERR_CLOSED)
				err = *got_bytes ? FA2_ERR_HTTP : FA2_ERR_CLOSED;
			goto cleanup;
		}
		*got_bytes = 1;
		r->raw_head.len += n;
		r->raw_head.data[r->raw_head.len] = '\0';
	reparse:
		err = fa2_http_parse_response(r->raw_head.data, r->raw_head.len, &r->head);
		if (err == FA2_ERR_PARTIAL)
			continue;
		if (err) {
			resp_msg(r, "HTTP %s: %s response head", t->host,
			         err == FA2_ERR_TOO_LARGE ? "oversized" : "malformed");
			err = err == FA2_ERR_TOO_LARGE ? err : FA2_ERR_HTTP;
			goto cleanup;
		}
		if (r->head.status >= 100 && r->head.status < 200 && r->head.status != 101) {
			fa2_buf_consume(&r->raw_head, r->head.head_len);
			if (r->raw_head.len > 0)
				goto reparse;
			continue;
		}
		break;
	}
	r->status = r->head.status;
	rb = fa2_malloc(READ_CHUNK);
	if (!rb) {
		err = FA2_ERR_NOMEM;
		goto cleanup;
	}
	extra = r->raw_head.len - r->head.head_len;
	if (extra > READ_CHUNK) {
		err = FA2_ERR_INTERNAL;
		goto cleanup;
	}
	memcpy(rb, r->raw_head.data + r->head.head_len, extra);
	fa2_buf_truncate(&r->raw_head, r->head.head_len);
	err = fa2_http_response_body(&r->head, is_head, max_body, &bd);
	if (err) {
		resp_msg(r, "HTTP %s: %s", t->host, err == FA2_ERR_TOO_LARGE
		         ? "response body larger than the limit" : "invalid response body framing");
		err = err == FA2_ERR_TOO_LARGE ? err : FA2_ERR_HTTP;
		goto cleanup;
	}
	r->body.max = max_body;
	switch (bd.kind) {
	case FA2_HTTP_BODY_NONE:
		*reusable = extra == 0;
		break;
	case FA2_HTTP_BODY_LENGTH: {
		uint64_t left = bd.length;
		size_t take = extra < left ? extra : (size_t)left;
		err = fa2_buf_append(&r->body, rb, take);
		if (err)
			goto toolarge;
		left -= take;
		*reusable = extra == take;
		while (left > 0) {
			size_t n, want = left < READ_CHUNK ? (size_t)left : READ_CHUNK;
			err = fa2_conn_read(conn, rb, want, &n, deadline);
			if (err)
				goto readfail;
			err = fa2_buf_append(&r->body, rb, n);
			if (err)
				goto toolarge;
			left -= n;
		}
		break;
	}
	case FA2_HTTP_BODY_CHUNKED: {
		fa2_http_chunked dec;
		size_t have = extra;
		fa2_http_chunked_init(&dec, max_body);
		for (;;) {
			size_t out_len = 0, used = 0, n;
			if (have > 0) {
				err = fa2_http_chunked_decode(&dec, rb, have, &out_len, &used);
				if (err != FA2_OK && err != FA2_ERR_PARTIAL) {
					if (err == FA2_ERR_TOO_LARGE)
						goto toolarge;
					resp_msg(r, "HTTP %s: malformed chunked body", t->host);
					err = FA2_ERR_HTTP;
					goto cleanup;
				}
				if (fa2_buf_append(&r->body, rb, out_len))
					goto toolarge;
				if (err == FA2_OK) {
					*reusable = used == have;
					break;
				}
			}
			err = fa2_conn_read(conn, rb, READ_CHUNK, &n, deadline);
			if (err)
				goto readfail;
			have = n;
		}
		break;
	}
	case FA2_HTTP_BODY_UNTIL_CLOSE:
		if (fa2_buf_append(&r->body, rb, extra))
			goto toolarge;
		for (;;) {
			size_t n;
			err = fa2_conn_read(conn, rb, READ_CHUNK, &n, deadline);
			if (err == FA2_ERR_CLOSED)
				break;
			if (err)
				goto readfail;
			if (fa2_buf_append(&r->body, rb, n))
				goto toolarge;
		}
		break;
	}
	if (*reusable && !fa2_http_keep_alive(r->head.minor_version, r->head.headers,
	                                      r->head.num_headers))
		*reusable = 0;
	err = FA2_OK;
	goto cleanup;
toolarge:
	resp_msg(r, "HTTP %s: response body larger than the limit (%zu bytes)", t->host, max_body);
	err = FA2_ERR_TOO_LARGE;
	goto cleanup;
readfail:
	if (err == FA2_ERR_TLS)
		resp_msg(r, "%s", fa2_conn_errmsg(conn));
	else
		resp_msg(r, "HTTP %s: %s while reading the response body", t->host,
		         err == FA2_ERR_TIMEOUT ? "timed out" : "connection lost");
	if (err == FA2_ERR_CLOSED)
		err = FA2_ERR_HTTP;
cleanup:
	fa2_free(rb);
	return err;
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* One request/response exchange on a pooled or new connection, with one retry on a
 * stale pooled connection. */
static fa2_err exchange(fa2_httpc *c, const fa2_httpc_request *req, const char *method,
                        fa2_slice body, const target *t, int64_t deadline,
                        fa2_httpc_response *r)
{
	char key[POOL_KEY_BYTES];
	fa2_slice proxy = fa2_proxy_for(&c->proxy, t->tls, t->host);
	fa2_buf out;
	pooled *p = NULL;
	int attempt;
	fa2_err err = FA2_OK;
	size_t max_body = req->max_body ? req->max_body : FA2_MAX_HTTP_BODY_BYTES;
	int retryable = req->retry_stale || is_idempotent(method);

	fa2_buf_init(&out, FA2_MAX_HTTP_HEADER_BYTES + body.len);
	(void)snprintf(key, sizeof key, "%s://%s:%u|%.*s", t->tls ? "https" : "http", t->host,
	               (unsigned)t->port, (int)(proxy.len > 200 ? 200 : proxy.len), proxy.ptr);
	for (attempt = 0; attempt < 2; attempt++) {
		int got = 0, reusable = 0, reused;
		p = attempt == 0 ? pool_take(c, key) : NULL;
		reused = p != NULL;
		if (!p) {
			fa2_conn_opts o;
			int64_t now = fa2_time_mono_ms();
			p = fa2_calloc(1, sizeof *p);
			if (!p) {
				err = FA2_ERR_NOMEM;
				goto cleanup;
			}
			memcpy(p->key, key, sizeof key);
			memset(&o, 0, sizeof o);
			o.anchors = req->anchors;
			o.proxy = proxy;
			o.connect_deadline_ms = min64(deadline, now + (req->connect_timeout_ms > 0
			                              ? req->connect_timeout_ms : FA2_HTTPC_CONNECT_TIMEOUT_MS));
			o.tls_deadline_ms = min64(deadline, o.connect_deadline_ms + (req->tls_timeout_ms > 0
			                          ? req->tls_timeout_ms : FA2_HTTPC_TLS_TIMEOUT_MS));
			err = fa2_conn_open(&p->conn, t->tls, t->host, t->port, &o, r->errmsg,
			                    sizeof r->errmsg);
			pthread_mutex_lock(&c->lock);
			c->connects++;
			pthread_mutex_unlock(&c->lock);
			if (err) {
				fa2_free(p);
				p = NULL;
				goto cleanup;
			}
		} else {
			pthread_mutex_lock(&c->lock);
			c->reuses++;
			pthread_mutex_unlock(&c->lock);
		}
		r->reused = reused;
		fa2_buf_reset(&out);
		err = build_request(&out, req, method, body, t, &p->conn);
		if (err)
			goto cleanup;
		err = fa2_conn_write_all(&p->conn, out.data, out.len, deadline);
		if (err) {
			if (reused && retryable && err != FA2_ERR_TIMEOUT) {
				FA2_LOGD("http", "stale connection to %s, retrying", t->host);
				conn_discard(p);
				p = NULL;
				continue;
			}
			if (err == FA2_ERR_TLS)
				resp_msg(r, "%s", fa2_conn_errmsg(&p->conn));
			else
				resp_msg(r, "HTTP %s: %s while sending the request", t->host,
				         err == FA2_ERR_TIMEOUT ? "timed out" : "connection lost");
			goto cleanup;
		}
		fa2_buf_reset(&r->raw_head);
		fa2_buf_reset(&r->body);
		r->status = 0;
		r->errmsg[0] = '\0';
		err = read_response(&p->conn, strcmp(method, "HEAD") == 0, max_body, deadline, r,
		                    &got, &reusable, t);
		if (err && !got && reused && retryable && err != FA2_ERR_TIMEOUT) {
			FA2_LOGD("http", "stale connection to %s, retrying", t->host);
			conn_discard(p);
			p = NULL;
			continue;
		}
		if (err)
			goto cleanup;
		if (reusable) {
			pool_put(c, p);
			p = NULL;
		}
		break;
	}
cleanup:
	conn_discard(p);
	fa2_buf_cleanup(&out);
	return err;
}

fa2_err fa2_httpc_do(fa2_httpc *c, const fa2_httpc_request *req, fa2_httpc_response *r)
{
	fa2_url u;
	fa2_buf loc;
	target t;
	const char *method;
	fa2_slice body;
	int redirects = 0;
	int64_t deadline;
	size_t i;
	fa2_err err;

	fa2_buf_init(&loc, 8192);
	r->errmsg[0] = '\0';
	r->status = 0;
	r->reused = 0;
	r->head.num_headers = 0;
	fa2_buf_reset(&r->raw_head);
	fa2_buf_reset(&r->body);
	if (!c)
		c = fa2_httpc_default();
	if (!c) {
		err = FA2_ERR_NOMEM;
		goto cleanup;
	}
	if (!req->method || !valid_token(req->method)) {
		resp_msg(r, "HTTP: invalid request method");
		err = FA2_ERR_INVALID;
		goto cleanup;
	}
	for (i = 0; i < req->num_headers; i++) {
		if (!valid_field(req->headers[i].name, req->headers[i].value)
		    || fa2_slice_eq_ci(req->headers[i].name, FA2_SLICE_LIT("Transfer-Encoding"))) {
			resp_msg(r, "HTTP: invalid request field %.*s", FA2_SLICE_FMT(req->headers[i].name));
			err = FA2_ERR_INVALID;
			goto cleanup;
		}
	}
	if (req->url.len) {
		if (fa2_url_parse(req->url, &u) != FA2_OK || u.websocket || u.userinfo.len) {
			resp_msg(r, "HTTP: invalid URL %.*s", FA2_SLICE_FMT(req->url));
			err = FA2_ERR_INVALID;
			goto cleanup;
		}
		t.tls = u.tls;
		t.host = u.host;
		t.port = u.port;
		t.path = u.target;
	} else {
		if (!req->host || !*req->host || strlen(req->host) > FA2_URL_MAX_HOST) {
			resp_msg(r, "HTTP: no host");
			err = FA2_ERR_INVALID;
			goto cleanup;
		}
		t.tls = req->tls;
		t.host = req->host;
		t.port = req->port ? req->port : (req->tls ? 443 : 80);
		t.path = req->target.len ? req->target : FA2_SLICE_LIT("/");
	}
	for (i = 0; i < t.path.len; i++) {
		unsigned char ch = (unsigned char)t.path.ptr[i];
		if (ch <= 0x20 || ch >= 0x7f) {
			resp_msg(r, "HTTP %s: invalid request target", t.host);
			err = FA2_ERR_INVALID;
			goto cleanup;
		}
	}
	method = req->method;
	body = req->body;
	deadline = fa2_sock_deadline(req->timeout_ms > 0 ? req->timeout_ms : FA2_HTTPC_TIMEOUT_MS);
	for (;;) {
		const fa2_slice *location;
		fa2_url nu;
		int st;
		err = exchange(c, req, method, body, &t, deadline, r);
		if (err) {
			if (err == FA2_ERR_TIMEOUT && !r->errmsg[0])
				resp_msg(r, "HTTP %s: timed out", t.host);
			goto cleanup;
		}
		st = r->status;
		if (redirects >= req->max_redirects
		    || !(st == 301 || st == 302 || st == 303 || st == 307 || st == 308))
			break;
		location = fa2_httpc_response_header(r, "Location");
		if (!location || location->len == 0)
			break;
		/* Resolve: absolute URL or absolute path on the same origin. */
		fa2_buf_reset(&loc);
		if (location->ptr[0] == '/' && !(location->len > 1 && location->ptr[1] == '/')) {
			err = fa2_buf_appendf(&loc, "%s://%s%s%s:%u%.*s", t.tls ? "https" : "http",
			                      strchr(t.host, ':') ? "[" : "", t.host,
			                      strchr(t.host, ':') ? "]" : "", (unsigned)t.port,
			                      FA2_SLICE_FMT(*location));
		} else {
			err = fa2_buf_append_slice(&loc, *location);
		}
		if (err || fa2_url_parse(fa2_buf_slice(&loc), &nu) != FA2_OK || nu.websocket
		    || nu.userinfo.len) {
			err = FA2_OK;  /* unusable Location: hand the 3xx back as it is */
			break;
		}
		u = nu;
		t.tls = u.tls;
		t.host = u.host;
		t.port = u.port;
		t.path = u.target;
		if (st == 303 || ((st == 301 || st == 302) && strcmp(method, "POST") == 0)) {
			if (strcmp(method, "HEAD") != 0)
				method = "GET";
			body = FA2_SLICE_EMPTY;
		}
		redirects++;
		FA2_LOGD("http", "following %d redirect to %s", st, loc.data);
	}
cleanup:
	if (err && r->errmsg[0])
		FA2_LOGW("http", "%s", r->errmsg);
	fa2_buf_cleanup(&loc);
	return err;
}
