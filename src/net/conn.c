/* Client connections: URLs, proxies, TCP/CONNECT/TLS (see conn.h). */
#include "net/conn.h"

#include <arpa/inet.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/time.h"
#include "crypto/encode.h"
#include "net/http.h"
#include "net/sock.h"


/* ---- URLs ------------------------------------------------------------------------------- */

fa2_err fa2_url_parse(fa2_slice url, fa2_url *out)
{
	fa2_slice rest, auth, host;
	size_t i, slash;
	long at, colon;

	memset(out, 0, sizeof *out);
	for (i = 0; i < url.len; i++) {
		unsigned char ch = (unsigned char)url.ptr[i];
		if (ch <= 0x20 || ch >= 0x7f)
			return FA2_ERR_INVALID;
	}
	{
		long sep = fa2_slice_find(url, FA2_SLICE_LIT("://"));
		fa2_slice scheme;
		if (sep <= 0)
			return FA2_ERR_INVALID;
		scheme = fa2_slice_sub(url, 0, (size_t)sep);
		if (fa2_slice_eq_ci(scheme, FA2_SLICE_LIT("http"))) {
			out->port = 80;
		} else if (fa2_slice_eq_ci(scheme, FA2_SLICE_LIT("https"))) {
			out->tls = 1;
			out->port = 443;
		} else if (fa2_slice_eq_ci(scheme, FA2_SLICE_LIT("ws"))) {
			out->websocket = 1;
			out->port = 80;
		} else if (fa2_slice_eq_ci(scheme, FA2_SLICE_LIT("wss"))) {
			out->websocket = 1;
			out->tls = 1;
			out->port = 443;
		} else {
			return FA2_ERR_INVALID;
		}
		rest = fa2_slice_sub(url, (size_t)sep + 3, url.len);
	}
	/* Drop the fragment. */
	{
		long h = fa2_slice_find_char(rest, '#');
		if (h >= 0)
			rest.len = (size_t)h;
	}
	for (slash = 0; slash < rest.len; slash++)
		if (rest.ptr[slash] == '/' || rest.ptr[slash] == '?')
			break;
	auth = fa2_slice_sub(rest, 0, slash);
	out->target = fa2_slice_sub(rest, slash, rest.len);
	if (out->target.len == 0)
		out->target = FA2_SLICE_LIT("/");
	/* userinfo@ : the last '@' ends it. */
	at = -1;
	for (i = 0; i < auth.len; i++)
		if (auth.ptr[i] == '@')
			at = (long)i;
	if (at >= 0) {
		out->userinfo = fa2_slice_sub(auth, 0, (size_t)at);
		auth = fa2_slice_sub(auth, (size_t)at + 1, auth.len);
	}
	if (auth.len > 0 && auth.ptr[0] == '[') {
		long close = fa2_slice_find_char(auth, ']');
		if (close < 2)
			return FA2_ERR_INVALID;
		host = fa2_slice_sub(auth, 1, (size_t)close - 1);
		out->host_is_ipv6 = 1;
		auth = fa2_slice_sub(auth, (size_t)close + 1, auth.len);
		if (auth.len > 0 && auth.ptr[0] != ':')
			return FA2_ERR_INVALID;
		colon = auth.len > 0 ? 0 : -1;
	} else {
		colon = fa2_slice_find_char(auth, ':');
		host = colon >= 0 ? fa2_slice_sub(auth, 0, (size_t)colon) : auth;
		if (colon >= 0)
			auth = fa2_slice_sub(auth, (size_t)colon, auth.len);
	}
	if (colon >= 0) {
		long long port;
		fa2_slice ps = fa2_slice_sub(auth, 1, auth.len);
		if (ps.len > 0) {
			if (fa2_parse_int_range(ps, 1, 65535, &port) != FA2_OK || ps.ptr[0] == '+'
			    || ps.ptr[0] == '-')
				return FA2_ERR_INVALID;
			out->port = (uint16_t)port;
			out->port_explicit = 1;
		}
	}
	if (host.len == 0 || host.len > FA2_URL_MAX_HOST)
		return FA2_ERR_INVALID;
	for (i = 0; i < host.len; i++) {
		char ch = host.ptr[i];
		if (ch == '/' || ch == '@' || ch == '[' || ch == ']' || ch == '?' || ch == '#'
		    || (ch == ':' && !out->host_is_ipv6) || ch == '%' || ch == '\\')
			return FA2_ERR_INVALID;
	}
	memcpy(out->host, host.ptr, host.len);
	out->host[host.len] = '\0';
	return FA2_OK;
}

/* ---- NO_PROXY --------------------------------------------------------------------------- */

/* Parses an IPv4 or IPv6 literal into 16 bytes (IPv4 mapped); returns the bit length
 * (32 or 128) or 0. */
static int ip_parse(fa2_slice s, unsigned char out[16])
{
	char tmp[64];
	struct in_addr a4;
	if (s.len >= 2 && s.ptr[0] == '[' && s.ptr[s.len - 1] == ']')
		s = fa2_slice_sub(s, 1, s.len - 2);
	if (s.len == 0 || s.len >= sizeof tmp)
		return 0;
	memcpy(tmp, s.ptr, s.len);
	tmp[s.len] = '\0';
	memset(out, 0, 16);
	if (inet_pton(AF_INET, tmp, &a4) == 1) {
		memcpy(out, &a4, 4);
		return 32;
	}
	if (inet_pton(AF_INET6, tmp, out) == 1)
		return 128;
	return 0;
}

static int prefix_eq(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	unsigned full = bits / 8, rem = bits % 8;
	if (memcmp(a, b, full) != 0)
		return 0;
	if (rem) {
		unsigned char mask = (unsigned char)(0xffu << (8 - rem));
		return (a[full] & mask) == (b[full] & mask);
	}
	return 1;
}

static int no_proxy_entry(fa2_slice e, fa2_slice host, int host_bits,
                          const unsigned char *host_ip)
{
	long slash;
	unsigned char ip[16];
	int bits;

	if (fa2_slice_eq_cstr(e, "*"))
		return 1;
	slash = fa2_slice_find_char(e, '/');
	if (slash >= 0) {
		long long plen;
		bits = ip_parse(fa2_slice_sub(e, 0, (size_t)slash), ip);
		if (!bits || bits != host_bits)
			return 0;
		if (fa2_parse_int_range(fa2_slice_sub(e, (size_t)slash + 1, e.len), 0, bits, &plen))
			return 0;
		return prefix_eq(ip, host_ip, (unsigned)plen);
	}
	bits = ip_parse(e, ip);
	if (bits)
		return bits == host_bits && memcmp(ip, host_ip, 16) == 0;
	/* A host name, perhaps with a port (ignored) and a leading "*." or ".". */
	{
		long colon = fa2_slice_find_char(e, ':');
		if (colon >= 0)
			e.len = (size_t)colon;
	}
	if (fa2_slice_starts_with(e, FA2_SLICE_LIT("*.")))
		e = fa2_slice_sub(e, 2, e.len);
	else if (fa2_slice_starts_with(e, FA2_SLICE_LIT(".")))
		e = fa2_slice_sub(e, 1, e.len);
	if (e.len > 0 && e.ptr[e.len - 1] == '.')
		e.len--;
	if (e.len == 0)
		return 0;
	if (host_bits)
		return 0;
	if (fa2_slice_eq_ci(host, e))
		return 1;
	if (host.len > e.len && host.ptr[host.len - e.len - 1] == '.'
	    && fa2_slice_eq_ci(fa2_slice_sub(host, host.len - e.len, e.len), e))
		return 1;
	return 0;
}

int fa2_no_proxy_match(fa2_slice no_proxy, fa2_slice host)
{
	unsigned char host_ip[16];
	int host_bits;
	fa2_slice rest = no_proxy, item;

	if (host.len > 0 && host.ptr[host.len - 1] == '.')
		host.len--;
	host_bits = ip_parse(host, host_ip);
	while (rest.len > 0) {
		(void)fa2_slice_split(rest, ',', &item, &rest);
		item = fa2_slice_trim(item);
		if (item.len && no_proxy_entry(item, host, host_bits, host_ip))
			return 1;
	}
	return 0;
}

/* *out = copy of $lower, else of $upper, else NULL. FA2_ERR_NOMEM only on no memory. */
static fa2_err env_get(const char *lower, const char *upper, char **out)
{
	const char *v = getenv(lower);
	*out = NULL;
	if (!v || !*v)
		v = getenv(upper);
	if (!v || !*v)
		return FA2_OK;
	*out = fa2_strdup(v);
	return *out ? FA2_OK : FA2_ERR_NOMEM;
}

fa2_err fa2_proxy_config_from_env(fa2_proxy_config *pc)
{
	fa2_err err;
	memset(pc, 0, sizeof *pc);
	err = env_get("https_proxy", "HTTPS_PROXY", &pc->https_proxy);
	if (!err)
		err = env_get("http_proxy", "HTTP_PROXY", &pc->http_proxy);
	if (!err)
		err = env_get("no_proxy", "NO_PROXY", &pc->no_proxy);
	if (err)
		fa2_proxy_config_cleanup(pc);
	return err;
}

void fa2_proxy_config_cleanup(fa2_proxy_config *pc)
{
	fa2_free(pc->http_proxy);
	fa2_free(pc->https_proxy);
	fa2_free(pc->no_proxy);
	memset(pc, 0, sizeof *pc);
}

fa2_slice fa2_proxy_for(const fa2_proxy_config *pc, int tls, const char *host)
{
	const char *p = tls ? pc->https_proxy : pc->http_proxy;
	if (!p)
		return FA2_SLICE_EMPTY;
	if (pc->no_proxy && fa2_no_proxy_match(fa2_slice_cstr(pc->no_proxy), fa2_slice_cstr(host)))
		return FA2_SLICE_EMPTY;
	return fa2_slice_cstr(p);
}

/* ---- connections -------------------------------------------------------------------- */

static void set_msg(char *errmsg, size_t cap, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

static void set_msg(char *errmsg, size_t cap, const char *fmt, ...)
{
	va_list ap;
	if (!errmsg || cap == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(errmsg, cap, fmt, ap);
	va_end(ap);
}

/* "host:port" with [brackets] for IPv6 literals. */
static fa2_err append_authority(fa2_buf *b, const char *host, uint16_t port)
{
	if (strchr(host, ':'))
		return fa2_buf_appendf(b, "[%s]:%u", host, (unsigned)port);
	return fa2_buf_appendf(b, "%s:%u", host, (unsigned)port);
}

/* Sends CONNECT host:port and reads the proxy's answer. */
static fa2_err proxy_connect(fa2_conn *c, const char *host, uint16_t port,
                             fa2_slice authz, const char *proxy_host, int64_t deadline_ms,
                             char *errmsg, size_t cap)
{
	fa2_buf req, in;
	fa2_http_response *resp = NULL;
	fa2_err err;

	fa2_buf_init(&req, 4096);
	fa2_buf_init(&in, 16384);
	err = fa2_buf_append_cstr(&req, "CONNECT ");
	if (!err)
		err = append_authority(&req, host, port);
	if (!err)
		err = fa2_buf_append_cstr(&req, " HTTP/1.1\r\nHost: ");
	if (!err)
		err = append_authority(&req, host, port);
	if (!err && authz.len)
		err = fa2_buf_appendf(&req, "\r\nProxy-Authorization: %.*s", FA2_SLICE_FMT(authz));
	if (!err)
		err = fa2_buf_append_cstr(&req, "\r\n\r\n");
	if (err)
		goto cleanup;
	err = fa2_sock_write_all(c->fd, req.data, req.len, deadline_ms);
	if (err) {
		set_msg(errmsg, cap, "proxy %s: cannot send CONNECT for %s: %s", proxy_host, host,
		        fa2_err_str(err));
		goto cleanup;
	}
	resp = fa2_malloc(sizeof *resp);
	if (!resp) {
		err = FA2_ERR_NOMEM;
		goto cleanup;
	}
	for (;;) {
		size_t n;
		if (fa2_buf_reserve(&in, 1024)) {
			err = FA2_ERR_TOO_LARGE;
			set_msg(errmsg, cap, "proxy %s: CONNECT response head too large", proxy_host);
			goto cleanup;
		}
		/* Read a little at a time: nothing after the head may be consumed. */
		err = fa2_sock_read(c->fd, in.data + in.len, 1, &n, deadline_ms);
		if (err) {
			set_msg(errmsg, cap, "proxy %s: no answer to CONNECT for %s: %s", proxy_host,
			        host, fa2_err_str(err));
			if (err == FA2_ERR_CLOSED)
				err = FA2_ERR_HTTP;
			goto cleanup;
		}
		in.len += n;
		if (in.data[in.len - 1] != '\n')
			continue;
		err = fa2_http_parse_response(in.data, in.len, resp);
		if (err == FA2_ERR_PARTIAL)
			continue;
		if (err) {
			set_msg(errmsg, cap, "proxy %s: malformed answer to CONNECT", proxy_host);
			err = FA2_ERR_HTTP;
			goto cleanup;
		}
		break;
	}
	if (resp->status < 200 || resp->status > 299) {
		set_msg(errmsg, cap, "proxy %s refused the tunnel to %s:%u: %d %.*s", proxy_host,
		        host, (unsigned)port, resp->status, FA2_SLICE_FMT(resp->reason));
		err = resp->status == 407 ? FA2_ERR_AUTH : FA2_ERR_HTTP;
		goto cleanup;
	}
	err = FA2_OK;
cleanup:
	fa2_free(resp);
	fa2_buf_wipe(&req);
	fa2_buf_cleanup(&req);
	fa2_buf_cleanup(&in);
	return err;
}

fa2_err fa2_conn_open(fa2_conn *c, int tls, const char *host, uint16_t port,
                      const fa2_conn_opts *opts, char *errmsg, size_t cap)
{
	fa2_url purl;
	fa2_buf authz;
	const char *dial_host = host;
	uint16_t dial_port = port;
	int use_proxy = opts->proxy.len > 0;
	fa2_err err;

	memset(c, 0, sizeof *c);
	c->fd = -1;
	fa2_buf_init(&authz, sizeof c->proxy_authz - 1);
	set_msg(errmsg, cap, "%s", "");
	if (use_proxy) {
		fa2_slice ps = opts->proxy;
		char withscheme[1024];
		/* "proxy.corp:3128" without a scheme means http://, as in curl. */
		if (fa2_slice_find(ps, FA2_SLICE_LIT("://")) < 0 && ps.len + 8 < sizeof withscheme) {
			memcpy(withscheme, "http://", 7);
			memcpy(withscheme + 7, ps.ptr, ps.len);
			ps = fa2_slice_make(withscheme, ps.len + 7);
		}
		if (fa2_url_parse(ps, &purl) != FA2_OK || purl.websocket) {
			set_msg(errmsg, cap, "invalid proxy URL (expected http://[user:password@]host:port)");
			err = FA2_ERR_CONFIG;
			goto cleanup;
		}
		if (purl.tls) {
			set_msg(errmsg, cap, "proxy %s: https:// proxies are not supported (use http://)",
			        purl.host);
			err = FA2_ERR_UNSUPPORTED;
			goto cleanup;
		}
		if (!purl.port_explicit)
			purl.port = 1080;  /* curl's default proxy port */
		if (purl.userinfo.len) {
			(void)fa2_log_add_secret(purl.userinfo);
			err = fa2_buf_append_cstr(&authz, "Basic ");
			if (!err)
				err = fa2_base64_append(&authz, purl.userinfo.ptr, purl.userinfo.len, FA2_B64_STD);
			if (err)
				goto cleanup;
			(void)fa2_log_add_secret(fa2_buf_slice(&authz));
		}
		dial_host = purl.host;
		dial_port = purl.port;
	}
	err = fa2_sock_connect(dial_host, dial_port, opts->connect_deadline_ms, &c->fd);
	if (err) {
		set_msg(errmsg, cap, "%s %s port %u: %s", use_proxy ? "proxy" : "connect to", dial_host,
		        (unsigned)dial_port,
		        err == FA2_ERR_DNS ? "host name lookup failed"
		        : err == FA2_ERR_TIMEOUT ? "connect timed out" : "connection failed");
		goto cleanup;
	}
	if (use_proxy && (tls || opts->force_tunnel)) {
		err = proxy_connect(c, host, port, fa2_buf_slice(&authz), dial_host,
		                    opts->tls_deadline_ms, errmsg, cap);
		if (err)
			goto cleanup;
	} else if (use_proxy) {
		c->via_proxy = 1;
		if (authz.len) {
			memcpy(c->proxy_authz, authz.data, authz.len);
			c->proxy_authz[authz.len] = '\0';
			c->proxy_auth = 1;
		}
	}
	if (tls) {
		err = fa2_tls_client_new(c->fd, host, opts->anchors, &c->tls);
		if (err) {
			set_msg(errmsg, cap, "TLS with %s: %s", host,
			        err == FA2_ERR_NOT_FOUND || err == FA2_ERR_CONFIG
			        ? "no usable CA bundle (set AWS_CA_BUNDLE or SSL_CERT_FILE)"
			        : fa2_err_str(err));
			goto cleanup;
		}
		err = fa2_tls_handshake_wait(c->tls, opts->tls_deadline_ms);
		if (err) {
			if (err == FA2_ERR_TIMEOUT)
				set_msg(errmsg, cap, "TLS with %s: handshake timed out", host);
			else
				set_msg(errmsg, cap, "%s", fa2_tls_errmsg(c->tls));
			goto cleanup;
		}
	}
	err = FA2_OK;
cleanup:
	fa2_buf_wipe(&authz);
	fa2_buf_cleanup(&authz);
	if (err)
		fa2_conn_close(c);
	return err;
}

fa2_err fa2_conn_read(fa2_conn *c, void *buf, size_t cap, size_t *n_out, int64_t deadline_ms)
{
	if (c->tls)
		return fa2_tls_read_wait(c->tls, buf, cap, n_out, deadline_ms);
	return fa2_sock_read(c->fd, buf, cap, n_out, deadline_ms);
}

fa2_err fa2_conn_write_all(fa2_conn *c, const void *data, size_t len, int64_t deadline_ms)
{
	if (c->tls)
		return fa2_tls_write_all(c->tls, data, len, deadline_ms);
	return fa2_sock_write_all(c->fd, data, len, deadline_ms);
}

int fa2_conn_idle_ok(fa2_conn *c)
{
	struct pollfd p;
	if (c->fd < 0)
		return 0;
	p.fd = c->fd;
	p.events = POLLIN;
	p.revents = 0;
	/* Readable while idle means EOF, a reset, or unsolicited data: all unusable. */
	if (poll(&p, 1, 0) != 0)
		return 0;
	return 1;
}

void fa2_conn_close(fa2_conn *c)
{
	if (c->tls) {
		(void)fa2_tls_close(c->tls);  /* one non-blocking attempt at close_notify */
		fa2_tls_free(c->tls);
		c->tls = NULL;
	}
	fa2_sock_close(c->fd);
	c->fd = -1;
	memset(c->proxy_authz, 0, sizeof c->proxy_authz);
}

const char *fa2_conn_errmsg(const fa2_conn *c)
{
	return c->tls ? fa2_tls_errmsg(c->tls) : "";
}
