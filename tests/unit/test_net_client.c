/* Client-side network stack: URLs, NO_PROXY, base64, WebSocket framing (socket-less),
 * sockets. The tests named net_it_* talk to real peers (openssl s_server, nginx, Python
 * proxy / WebSocket servers) that tests/integration/t_net_client.sh starts; they skip
 * when the environment variable naming the peer's port is absent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/file.h"
#include "base/time.h"
#include "net/conn.h"
#include "net/httpc.h"
#include "net/sock.h"
#include "net/tls.h"
#include "net/ws.h"
#include "test.h"

/* ---- pure ---------------------------------------------------------------------------- */

FA2_TEST(net_url_parse)
{
	fa2_url u;
	CHECK_OK(fa2_url_parse(FA2_SLICE_LIT("https://example.com/a/b?c=d#frag"), &u));
	CHECK(u.tls && !u.websocket);
	CHECK_STR_EQ(u.host, "example.com");
	CHECK_INT_EQ(u.port, 443);
	CHECK(!u.port_explicit);
	CHECK_SLICE_EQ(u.target, "/a/b?c=d");
	CHECK_OK(fa2_url_parse(FA2_SLICE_LIT("HTTP://127.0.0.1:8080"), &u));
	CHECK(!u.tls);
	CHECK_STR_EQ(u.host, "127.0.0.1");
	CHECK_INT_EQ(u.port, 8080);
	CHECK(u.port_explicit);
	CHECK_SLICE_EQ(u.target, "/");
	CHECK_OK(fa2_url_parse(FA2_SLICE_LIT("wss://[::1]:9443/link?x=1"), &u));
	CHECK(u.tls && u.websocket && u.host_is_ipv6);
	CHECK_STR_EQ(u.host, "::1");
	CHECK_INT_EQ(u.port, 9443);
	CHECK_OK(fa2_url_parse(FA2_SLICE_LIT("http://user:p%40ss@proxy.corp:3128"), &u));
	CHECK_SLICE_EQ(u.userinfo, "user:p%40ss");
	CHECK_STR_EQ(u.host, "proxy.corp");
	CHECK_INT_EQ(u.port, 3128);
	CHECK_OK(fa2_url_parse(FA2_SLICE_LIT("ws://h?q"), &u));
	CHECK_SLICE_EQ(u.target, "?q");
	CHECK_INT_EQ(u.port, 80);
	CHECK_INT_EQ(fa2_url_parse(FA2_SLICE_LIT("ftp://x/"), &u), FA2_ERR_INVALID);
	CHECK_INT_EQ(fa2_url_parse(FA2_SLICE_LIT("https:///x"), &u), FA2_ERR_INVALID);
	CHECK_INT_EQ(fa2_url_parse(FA2_SLICE_LIT("https://h:0/"), &u), FA2_ERR_INVALID);
	CHECK_INT_EQ(fa2_url_parse(FA2_SLICE_LIT("https://h:65536/"), &u), FA2_ERR_INVALID);
	CHECK_INT_EQ(fa2_url_parse(FA2_SLICE_LIT("https://h:+5/"), &u), FA2_ERR_INVALID);
	CHECK_INT_EQ(fa2_url_parse(FA2_SLICE_LIT("https://h:x/"), &u), FA2_ERR_INVALID);
	CHECK_INT_EQ(fa2_url_parse(FA2_SLICE_LIT("https://a b/"), &u), FA2_ERR_INVALID);
	CHECK_INT_EQ(fa2_url_parse(FA2_SLICE_LIT("https://h/\r\nX: y"), &u), FA2_ERR_INVALID);
	CHECK_INT_EQ(fa2_url_parse(FA2_SLICE_LIT("https://[::1/"), &u), FA2_ERR_INVALID);
	CHECK_INT_EQ(fa2_url_parse(FA2_SLICE_LIT("https://[::1]x/"), &u), FA2_ERR_INVALID);
	CHECK_INT_EQ(fa2_url_parse(FA2_SLICE_LIT("example.com"), &u), FA2_ERR_INVALID);
}

FA2_TEST(net_no_proxy)
{
#define NP(list, host) fa2_no_proxy_match(FA2_SLICE_LIT(list), FA2_SLICE_LIT(host))
	CHECK(NP("*", "anything.example"));
	CHECK(NP("example.com", "example.com"));
	CHECK(NP("example.com", "api.example.com"));
	CHECK(NP(".example.com", "api.example.com"));
	CHECK(NP(".example.com", "example.com"));
	CHECK(NP("*.example.com", "a.b.example.com"));
	CHECK(NP("EXAMPLE.com", "Api.Example.COM"));
	CHECK(!NP("example.com", "badexample.com"));
	CHECK(!NP("example.com", "example.com.evil"));
	CHECK(NP(" foo , localhost ,bar", "localhost"));
	CHECK(NP("localhost:8080", "localhost"));
	CHECK(NP("169.254.169.254", "169.254.169.254"));
	CHECK(!NP("169.254.169.254", "169.254.169.253"));
	CHECK(NP("10.0.0.0/8", "10.1.2.3"));
	CHECK(!NP("10.0.0.0/8", "11.1.2.3"));
	CHECK(NP("192.168.1.0/25", "192.168.1.127"));
	CHECK(!NP("192.168.1.0/25", "192.168.1.128"));
	CHECK(NP("::1", "::1"));
	CHECK(NP("[::1]", "::1"));
	CHECK(NP("fd00::/8", "fd12:3456::1"));
	CHECK(!NP("fd00::/8", "fe80::1"));
	CHECK(!NP("10.0.0.0/8", "ten.example"));
	CHECK(!NP("example.com", "10.0.0.1"));
	CHECK(!NP("", "example.com"));
	CHECK(!NP(",,", "example.com"));
	CHECK(!NP("10.0.0.0/33", "10.0.0.1"));
	CHECK(NP("s3.amazonaws.com", "bucket.s3.amazonaws.com."));
#undef NP
}

FA2_TEST(net_proxy_env)
{
	fa2_proxy_config pc;
	fa2_slice p;
	setenv("HTTPS_PROXY", "http://upper:1", 1);
	setenv("https_proxy", "http://lower:2", 1);
	unsetenv("http_proxy");
	setenv("HTTP_PROXY", "http://plain:3", 1);
	setenv("NO_PROXY", ".internal,10.0.0.0/8", 1);
	unsetenv("no_proxy");
	CHECK_OK(fa2_proxy_config_from_env(&pc));
	unsetenv("HTTPS_PROXY");
	unsetenv("https_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("NO_PROXY");
	p = fa2_proxy_for(&pc, 1, "api.example.com");
	CHECK_SLICE_EQ(p, "http://lower:2");
	p = fa2_proxy_for(&pc, 0, "api.example.com");
	CHECK_SLICE_EQ(p, "http://plain:3");
	CHECK(fa2_proxy_for(&pc, 1, "db.internal").len == 0);
	CHECK(fa2_proxy_for(&pc, 0, "10.2.3.4").len == 0);
	fa2_proxy_config_cleanup(&pc);
	CHECK_OK(fa2_proxy_config_from_env(&pc));
	CHECK(fa2_proxy_for(&pc, 1, "api.example.com").len == 0);
	fa2_proxy_config_cleanup(&pc);
}

FA2_TEST(net_sock_connect_errors)
{
	int fd = -1, lfd;
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	uint16_t port;
	char buf[8];
	size_t n;
	int64_t t0;

	/* A port nobody listens on: find one by binding and closing. */
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(lfd >= 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(lfd, (struct sockaddr *)&a, sizeof a) == 0);
	CHECK(getsockname(lfd, (struct sockaddr *)&a, &al) == 0);
	port = ntohs(a.sin_port);
	close(lfd);
	CHECK_INT_EQ(fa2_sock_connect("127.0.0.1", port, fa2_sock_deadline(2000), &fd), FA2_ERR_NET);
	CHECK(fd == -1);
	CHECK_INT_EQ(fa2_sock_connect("", port, fa2_sock_deadline(2000), &fd), FA2_ERR_INVALID);
	CHECK_INT_EQ(fa2_sock_connect("no-such-host.invalid", 80, fa2_sock_deadline(5000), &fd),
	             FA2_ERR_DNS);
	/* A listener that never accepts still completes the TCP handshake; reading from it
	 * must time out at the deadline. */
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(bind(lfd, (struct sockaddr *)&a, sizeof a) == 0 || (a.sin_port = 0, 1));
	a.sin_port = 0;
	close(lfd);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(bind(lfd, (struct sockaddr *)&a, sizeof a) == 0);
	CHECK(listen(lfd, 4) == 0);
	al = sizeof a;
	CHECK(getsockname(lfd, (struct sockaddr *)&a, &al) == 0);
	CHECK_OK(fa2_sock_connect("localhost", ntohs(a.sin_port), fa2_sock_deadline(2000), &fd));
	t0 = fa2_time_mono_ms();
	CHECK_INT_EQ(fa2_sock_read(fd, buf, sizeof buf, &n, fa2_sock_deadline(150)), FA2_ERR_TIMEOUT);
	CHECK(fa2_time_mono_ms() - t0 >= 140);
	CHECK_OK(fa2_sock_write_all(fd, "x", 1, fa2_sock_deadline(1000)));
	fa2_sock_close(fd);
	close(lfd);
}

/* ---- WebSocket, socket-less -------------------------------------------------------- */

FA2_TEST(ws_accept_key_rfc)
{
	char out[29];
	fa2_ws_accept_key(FA2_SLICE_LIT("dGhlIHNhbXBsZSBub25jZQ=="), out);
	CHECK_STR_EQ(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

/* Unmasks the first frame of s into payload; returns its opcode or -1. */
static int unmask_frame(fa2_slice s, char *payload, size_t cap, size_t *len, size_t *used)
{
	const unsigned char *p = (const unsigned char *)s.ptr;
	size_t hl = 2, n, i;
	if (s.len < 6 || !(p[1] & 0x80))
		return -1;
	n = p[1] & 127;
	if (n == 126) {
		n = ((size_t)p[2] << 8) | p[3];
		hl = 4;
	}
	if (n > cap || s.len < hl + 4 + n)
		return -1;
	for (i = 0; i < n; i++)
		payload[i] = (char)(p[hl + 4 + i] ^ p[hl + (i & 3)]);
	*len = n;
	*used = hl + 4 + n;
	return p[0] & 15;
}

FA2_TEST(ws_detached_frames)
{
	fa2_ws *w;
	fa2_buf m;
	fa2_ws_type t;
	char pl[200];
	size_t plen, used;
	/* RFC 6455 5.7: unmasked "Hello", then fragmented "Hel" + "lo" with a ping in
	 * between. */
	static const unsigned char hello[] = { 0x81, 0x05, 'H', 'e', 'l', 'l', 'o' };
	static const unsigned char frag[] = { 0x01, 0x03, 'H', 'e', 'l', 0x89, 0x02, 'p', '!',
	                                      0x80, 0x02, 'l', 'o' };
	size_t i;

	fa2_buf_init(&m, 1024);
	CHECK_OK(fa2_ws_new_detached(1000, &w));
	/* Byte by byte. */
	for (i = 0; i < sizeof hello - 1; i++) {
		CHECK_OK(fa2_ws_feed(w, hello + i, 1));
		CHECK_INT_EQ(fa2_ws_next(w, &m, &t), FA2_ERR_PARTIAL);
	}
	CHECK_OK(fa2_ws_feed(w, hello + i, 1));
	CHECK_OK(fa2_ws_next(w, &m, &t));
	CHECK_INT_EQ(t, FA2_WS_TEXT);
	CHECK_SLICE_EQ(fa2_buf_slice(&m), "Hello");
	CHECK_OK(fa2_ws_feed(w, frag, sizeof frag));
	CHECK_OK(fa2_ws_next(w, &m, &t));
	CHECK_SLICE_EQ(fa2_buf_slice(&m), "Hello");
	/* The ping was answered with a masked pong carrying the same payload. */
	CHECK_INT_EQ(unmask_frame(fa2_ws_pending_output(w), pl, sizeof pl, &plen, &used), 10);
	CHECK_INT_EQ(plen, 2);
	CHECK(memcmp(pl, "p!", 2) == 0);
	/* 256-byte binary message with a 16-bit length. */
	{
		unsigned char big[4 + 256];
		big[0] = 0x82;
		big[1] = 126;
		big[2] = 1;
		big[3] = 0;
		for (i = 0; i < 256; i++)
			big[4 + i] = (unsigned char)i;
		CHECK_OK(fa2_ws_feed(w, big, sizeof big));
		CHECK_OK(fa2_ws_next(w, &m, &t));
		CHECK_INT_EQ(t, FA2_WS_BINARY);
		CHECK_INT_EQ(m.len, 256);
		CHECK((unsigned char)m.data[255] == 255);
	}
	/* Close with code 4001 and a reason: answered with a close echoing the code. */
	{
		static const unsigned char cl[] = { 0x88, 0x04, 0x0f, 0xa1, 'b', 'y' };
		fa2_slice out = fa2_ws_pending_output(w);
		size_t first;
		CHECK_INT_EQ(unmask_frame(out, pl, sizeof pl, &plen, &first), 10);
		CHECK_OK(fa2_ws_feed(w, cl, sizeof cl));
		CHECK_INT_EQ(fa2_ws_next(w, &m, &t), FA2_ERR_CLOSED);
		CHECK_INT_EQ(fa2_ws_close_code(w), 4001);
		out = fa2_ws_pending_output(w);
		out = fa2_slice_sub(out, first, out.len);
		CHECK_INT_EQ(unmask_frame(out, pl, sizeof pl, &plen, &used), 8);
		CHECK_INT_EQ(plen, 2);
		CHECK((unsigned char)pl[0] == 0x0f && (unsigned char)pl[1] == 0xa1);
		CHECK_INT_EQ(fa2_ws_next(w, &m, &t), FA2_ERR_CLOSED);
	}
	fa2_ws_free(w);
	fa2_buf_cleanup(&m);
}

static void ws_expect(const unsigned char *bytes, size_t n, size_t max, fa2_err want,
                      int want_close_code)
{
	fa2_ws *w;
	fa2_buf m;
	fa2_ws_type t;
	fa2_err e;
	char pl[200];
	size_t plen, used;
	fa2_buf_init(&m, 1 << 20);
	CHECK_OK(fa2_ws_new_detached(max, &w));
	CHECK_OK(fa2_ws_feed(w, bytes, n));
	do
		e = fa2_ws_next(w, &m, &t);
	while (e == FA2_OK);
	CHECK_INT_EQ(e, want);
	if (want_close_code) {
		/* The failure queued a close frame with the code. */
		fa2_slice out = fa2_ws_pending_output(w);
		int op;
		for (;;) {
			op = unmask_frame(out, pl, sizeof pl, &plen, &used);
			CHECK(op >= 0);
			if (op == 8)
				break;
			out = fa2_slice_sub(out, used, out.len);
		}
		CHECK(plen >= 2);
		CHECK_INT_EQ(((unsigned char)pl[0] << 8) | (unsigned char)pl[1], want_close_code);
	}
	fa2_ws_free(w);
	fa2_buf_cleanup(&m);
}

FA2_TEST(ws_detached_violations)
{
	static const unsigned char masked[] = { 0x81, 0x85, 1, 2, 3, 4, 'a', 'b', 'c', 'd', 'e' };
	static const unsigned char rsv[] = { 0xc1, 0x01, 'a' };
	static const unsigned char opc[] = { 0x83, 0x00 };
	static const unsigned char cont[] = { 0x80, 0x01, 'a' };
	static const unsigned char nested[] = { 0x01, 0x01, 'a', 0x01, 0x01, 'b' };
	static const unsigned char bigping[] = { 0x89, 126, 0, 126 };
	static const unsigned char fragping[] = { 0x09, 0x00 };
	static const unsigned char nonmin[] = { 0x81, 126, 0, 5, 'a', 'b', 'c', 'd', 'e' };
	static const unsigned char badutf[] = { 0x81, 0x02, 0xc0, 0x80 };
	static const unsigned char surrogate[] = { 0x81, 0x03, 0xed, 0xa0, 0x80 };
	static const unsigned char close1[] = { 0x88, 0x01, 0x03 };
	static const unsigned char closebad[] = { 0x88, 0x02, 0x03, 0xed };  /* 1005 */
	static const unsigned char huge[] = { 0x82, 127, 0, 0, 0, 1, 0, 0, 0, 0 };
	static const unsigned char top[] = { 0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0 };
	static const unsigned char frag_over[] = { 0x02, 0x06, 1, 2, 3, 4, 5, 6,
	                                           0x80, 0x06, 1, 2, 3, 4, 5, 6 };
	static const unsigned char ok_utf8[] = { 0x81, 0x04, 0xf0, 0x9f, 0x98, 0x80 };

	ws_expect(masked, sizeof masked, 100, FA2_ERR_PARSE, 1002);
	ws_expect(rsv, sizeof rsv, 100, FA2_ERR_PARSE, 1002);
	ws_expect(opc, sizeof opc, 100, FA2_ERR_PARSE, 1002);
	ws_expect(cont, sizeof cont, 100, FA2_ERR_PARSE, 1002);
	ws_expect(nested, sizeof nested, 100, FA2_ERR_PARSE, 1002);
	ws_expect(bigping, sizeof bigping, 100, FA2_ERR_PARSE, 1002);
	ws_expect(fragping, sizeof fragping, 100, FA2_ERR_PARSE, 1002);
	ws_expect(nonmin, sizeof nonmin, 100, FA2_ERR_PARSE, 1002);
	ws_expect(badutf, sizeof badutf, 100, FA2_ERR_PARSE, 1007);
	ws_expect(surrogate, sizeof surrogate, 100, FA2_ERR_PARSE, 1007);
	ws_expect(close1, sizeof close1, 100, FA2_ERR_PARSE, 1002);
	ws_expect(closebad, sizeof closebad, 100, FA2_ERR_PARSE, 1002);
	/* A 4 GiB frame is refused from its header alone. */
	ws_expect(huge, sizeof huge, 1000, FA2_ERR_TOO_LARGE, 1009);
	ws_expect(top, sizeof top, 1000, FA2_ERR_PARSE, 1002);
	/* Two 6-byte fragments against a 10-byte cap. */
	ws_expect(frag_over, sizeof frag_over, 10, FA2_ERR_TOO_LARGE, 1009);
	/* A valid 4-byte UTF-8 character is fine (then no more input). */
	ws_expect(ok_utf8, sizeof ok_utf8, 100, FA2_ERR_PARTIAL, 0);
}

/* ---- integration (peers started by tests/integration/t_net_client.sh) --------------- */

static int env_port(const char *name, uint16_t *port)
{
	const char *v = getenv(name);
	long long p;
	if (!v || fa2_parse_int_range(fa2_slice_cstr(v), 1, 65535, &p) != FA2_OK)
		return 0;
	*port = (uint16_t)p;
	return 1;
}

static fa2_tls_anchors *it_anchors(void)
{
	fa2_tls_anchors *a = NULL;
	const char *ca = getenv("FA2_IT_CA");
	if (!ca || fa2_tls_anchors_from_file(ca, &a) != FA2_OK)
		return NULL;
	return a;
}

static fa2_err it_get(fa2_httpc *c, const char *url, const fa2_tls_anchors *a,
                      fa2_httpc_response *r)
{
	fa2_httpc_request q;
	memset(&q, 0, sizeof q);
	q.method = "GET";
	q.url = fa2_slice_cstr(url);
	q.anchors = a;
	q.timeout_ms = 10000;
	return fa2_httpc_do(c, &q, r);
}

FA2_TEST(net_it_tls_s_server)
{
	static const struct {
		const char *env, *want;
		int br;
	} bad[] = {
		{ "FA2_IT_TLS_UNTRUSTED", "unknown CA", 62 },
		{ "FA2_IT_TLS_WRONGNAME", "does not match the host name", 56 },
		{ "FA2_IT_TLS_EXPIRED", "expired", 54 },
	};
	fa2_tls_anchors *a;
	fa2_httpc *c = NULL;
	fa2_httpc_response r;
	char url[128];
	uint16_t port;
	size_t i;

	if (!env_port("FA2_IT_TLS_GOOD", &port)) {
		fa2_test_skip("FA2_IT_TLS_GOOD not set (run by t_net_client.sh)");
		return;
	}
	a = it_anchors();
	CHECK(a != NULL);
	CHECK_OK(fa2_httpc_new(&c));
	fa2_httpc_response_init(&r);
	/* s_server -www answers with an HTTP/1.0 page and closes with close_notify. */
	(void)snprintf(url, sizeof url, "https://localhost:%u/", (unsigned)port);
	CHECK_MSG(it_get(c, url, a, &r) == FA2_OK, "%s", r.errmsg);
	CHECK_INT_EQ(r.status, 200);
	CHECK(fa2_slice_find(fa2_buf_slice(&r.body), FA2_SLICE_LIT("s_server")) >= 0);
	/* The same server through a direct TLS session: ALPN and a clean close. */
	{
		int fd;
		fa2_tls *t;
		CHECK_OK(fa2_sock_connect("localhost", port, fa2_sock_deadline(5000), &fd));
		CHECK_OK(fa2_tls_client_new(fd, "localhost", a, &t));
		CHECK_OK(fa2_tls_handshake_wait(t, fa2_sock_deadline(5000)));
		CHECK_OK(fa2_tls_write_all(t, "GET / HTTP/1.0\r\n\r\n", 18, fa2_sock_deadline(5000)));
		{
			char buf[4096];
			size_t n, total = 0;
			fa2_err e;
			while ((e = fa2_tls_read_wait(t, buf, sizeof buf, &n, fa2_sock_deadline(5000)))
			       == FA2_OK)
				total += n;
			CHECK_INT_EQ(e, FA2_ERR_CLOSED);
			CHECK(total > 100);
		}
		fa2_tls_free(t);
		fa2_sock_close(fd);
	}
	/* An IP literal: BearSSL matches DNS names only; the message says so. */
	(void)snprintf(url, sizeof url, "https://127.0.0.1:%u/", (unsigned)port);
	CHECK_INT_EQ(it_get(c, url, a, &r), FA2_ERR_TLS);
	CHECK_MSG(strstr(r.errmsg, "connect by host name") != NULL, "%s", r.errmsg);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		fa2_err e;
		if (!env_port(bad[i].env, &port))
			continue;
		(void)snprintf(url, sizeof url, "https://localhost:%u/", (unsigned)port);
		e = it_get(c, url, a, &r);
		CHECK_MSG(e == FA2_ERR_TLS, "%s: got %s", bad[i].env, fa2_err_name(e));
		CHECK_MSG(strstr(r.errmsg, bad[i].want) != NULL, "%s: %s", bad[i].env, r.errmsg);
		CHECK_MSG(strstr(r.errmsg, "localhost") != NULL, "%s: %s", bad[i].env, r.errmsg);
		printf("    %s -> %s\n", bad[i].env, r.errmsg);
	}
	fa2_httpc_response_cleanup(&r);
	fa2_httpc_free(c);
	fa2_tls_anchors_free(a);
}

/* TLS policy: a server that offers only static-RSA key exchange with CBC/SHA-1
 * (AES128-SHA) is refused, since the client offers ECDHE with AEAD suites only; a peer
 * that answers in plain HTTP is named as not a TLS server. */
FA2_TEST(net_it_tls_policy)
{
	fa2_tls_anchors *a;
	fa2_httpc *c = NULL;
	fa2_httpc_response r;
	char url[128];
	uint16_t cbc, http;
	fa2_err e;

	if (!env_port("FA2_IT_TLS_CBC", &cbc) || !env_port("FA2_IT_NGINX_HTTP", &http)) {
		fa2_test_skip("FA2_IT_TLS_CBC / FA2_IT_NGINX_HTTP not set (run by t_net_client.sh)");
		return;
	}
	a = it_anchors();
	CHECK(a != NULL);
	CHECK_OK(fa2_httpc_new(&c));
	fa2_httpc_response_init(&r);
	(void)snprintf(url, sizeof url, "https://localhost:%u/", (unsigned)cbc);
	e = it_get(c, url, a, &r);
	printf("    AES128-SHA only -> %s: %s\n", fa2_err_name(e), r.errmsg);
	CHECK_MSG(e == FA2_ERR_TLS, "a static-RSA CBC server was accepted: %s", fa2_err_name(e));
	CHECK_MSG(strstr(r.errmsg, "handshake_failure") || strstr(r.errmsg, "no cipher suite"),
	          "%s", r.errmsg);
	(void)snprintf(url, sizeof url, "https://localhost:%u/ka", (unsigned)http);
	e = it_get(c, url, a, &r);
	printf("    plain HTTP peer -> %s: %s\n", fa2_err_name(e), r.errmsg);
	CHECK_INT_EQ(e, FA2_ERR_TLS);
	CHECK_MSG(strstr(r.errmsg, "not a TLS server \xe2\x80\x94 is the endpoint http://, or the port wrong?"),
	          "%s", r.errmsg);
	fa2_httpc_response_cleanup(&r);
	fa2_httpc_free(c);
	fa2_tls_anchors_free(a);
}

/* Compares the body with the file FA2_IT_CHUNKED_EXPECT. */
static int body_matches_file(const fa2_buf *body, const char *path)
{
	fa2_buf f;
	int ok;
	fa2_buf_init(&f, 1u << 24);
	if (fa2_file_read_all(path, &f) != FA2_OK) {
		fa2_buf_cleanup(&f);
		return 0;
	}
	ok = f.len == body->len && memcmp(f.data, body->data, f.len) == 0;
	fa2_buf_cleanup(&f);
	return ok;
}

FA2_TEST(net_it_nginx)
{
	fa2_tls_anchors *a;
	fa2_httpc *c = NULL;
	fa2_httpc_response r;
	char url[160];
	uint16_t hp, sp;
	unsigned long conns, reuses;
	const fa2_slice *h;
	fa2_buf first_conn;
	int i;

	if (!env_port("FA2_IT_NGINX_HTTP", &hp) || !env_port("FA2_IT_NGINX_HTTPS", &sp)) {
		fa2_test_skip("FA2_IT_NGINX_HTTP(S) not set (run by t_net_client.sh)");
		return;
	}
	a = it_anchors();
	CHECK(a != NULL);
	unsetenv("http_proxy");
	unsetenv("https_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("HTTPS_PROXY");
	CHECK_OK(fa2_httpc_new(&c));
	fa2_httpc_response_init(&r);
	fa2_buf_init(&first_conn, 64);

	/* Chunked body (sub_filter makes nginx stream the file chunked). */
	(void)snprintf(url, sizeof url, "http://127.0.0.1:%u/chunked/big.txt", (unsigned)hp);
	CHECK_MSG(it_get(c, url, NULL, &r) == FA2_OK, "%s", r.errmsg);
	CHECK_INT_EQ(r.status, 200);
	CHECK(fa2_http_header_has_token(r.head.headers, r.head.num_headers, "Transfer-Encoding",
	                                "chunked"));
	CHECK(fa2_httpc_response_header(&r, "Content-Length") == NULL);
	CHECK_MSG(body_matches_file(&r.body, getenv("FA2_IT_CHUNKED_EXPECT")),
	          "chunked body differs (%zu bytes)", r.body.len);

	/* Keep-alive: three requests, one connection (nginx's $connection is the same). */
	for (i = 0; i < 3; i++) {
		(void)snprintf(url, sizeof url, "http://127.0.0.1:%u/ka", (unsigned)hp);
		CHECK_MSG(it_get(c, url, NULL, &r) == FA2_OK, "%s", r.errmsg);
		CHECK_INT_EQ(r.status, 200);
		h = fa2_httpc_response_header(&r, "X-Conn");
		CHECK(h != NULL);
		if (i == 0)
			CHECK_OK(fa2_buf_append_slice(&first_conn, *h));
		else
			CHECK_SLICE_EQ(*h, first_conn.data);
		h = fa2_httpc_response_header(&r, "X-Conn-Requests");
		CHECK(h != NULL);
		CHECK_INT_EQ(h->ptr[0] - '0', i + 2);  /* the chunked request was the first */
		CHECK_INT_EQ(r.reused, 1);
	}
	fa2_httpc_stats(c, &conns, &reuses);
	CHECK_INT_EQ(conns, 1);
	CHECK_INT_EQ(reuses, 3);

	/* HEAD, 404 and a POST body (nginx's /echo answers with the request length). */
	{
		fa2_httpc_request q;
		const fa2_http_header hd[] = { { FA2_SLICE_LIT("X-Test"), FA2_SLICE_LIT("yes") } };
		memset(&q, 0, sizeof q);
		q.method = "HEAD";
		q.host = "127.0.0.1";
		q.port = hp;
		q.target = FA2_SLICE_LIT("/chunked/big.txt");
		CHECK_MSG(fa2_httpc_do(c, &q, &r) == FA2_OK, "%s", r.errmsg);
		CHECK_INT_EQ(r.status, 200);
		CHECK_INT_EQ(r.body.len, 0);
		q.method = "GET";
		q.target = FA2_SLICE_LIT("/missing");
		CHECK_OK(fa2_httpc_do(c, &q, &r));
		CHECK_INT_EQ(r.status, 404);
		q.method = "POST";
		q.target = FA2_SLICE_LIT("/echo");
		q.headers = hd;
		q.num_headers = 1;
		q.body = FA2_SLICE_LIT("0123456789");
		CHECK_MSG(fa2_httpc_do(c, &q, &r) == FA2_OK, "%s", r.errmsg);
		CHECK_INT_EQ(r.status, 200);
		CHECK_SLICE_EQ(fa2_buf_slice(&r.body), "len=10 x-test=yes\n");
		/* Redirects: not followed by default, followed when asked. */
		q.method = "GET";
		q.body = FA2_SLICE_EMPTY;
		q.target = FA2_SLICE_LIT("/redirect");
		CHECK_OK(fa2_httpc_do(c, &q, &r));
		CHECK_INT_EQ(r.status, 302);
		q.max_redirects = 2;
		CHECK_OK(fa2_httpc_do(c, &q, &r));
		CHECK_INT_EQ(r.status, 200);
		CHECK_SLICE_EQ(fa2_buf_slice(&r.body), "ka\n");
		/* The body cap. */
		q.max_redirects = 0;
		q.target = FA2_SLICE_LIT("/chunked/big.txt");
		q.max_body = 1000;
		CHECK_INT_EQ(fa2_httpc_do(c, &q, &r), FA2_ERR_TOO_LARGE);
		q.target = FA2_SLICE_LIT("/plain/big.txt");
		CHECK_INT_EQ(fa2_httpc_do(c, &q, &r), FA2_ERR_TOO_LARGE);
	}

	/* HTTPS with keep-alive. */
	fa2_buf_reset(&first_conn);
	for (i = 0; i < 2; i++) {
		(void)snprintf(url, sizeof url, "https://localhost:%u/ka", (unsigned)sp);
		CHECK_MSG(it_get(c, url, a, &r) == FA2_OK, "%s", r.errmsg);
		CHECK_INT_EQ(r.status, 200);
		h = fa2_httpc_response_header(&r, "X-Conn");
		CHECK(h != NULL);
		if (i == 0)
			CHECK_OK(fa2_buf_append_slice(&first_conn, *h));
		else
			CHECK_SLICE_EQ(*h, first_conn.data);
		CHECK_INT_EQ(r.reused, i);
	}
	(void)snprintf(url, sizeof url, "https://localhost:%u/chunked/big.txt", (unsigned)sp);
	CHECK_MSG(it_get(c, url, a, &r) == FA2_OK, "%s", r.errmsg);
	CHECK(body_matches_file(&r.body, getenv("FA2_IT_CHUNKED_EXPECT")));

	/* IPv6 when nginx listens on [::1]. */
	if (getenv("FA2_IT_NGINX_V6")) {
		(void)snprintf(url, sizeof url, "http://[::1]:%u/ka", (unsigned)hp);
		CHECK_MSG(it_get(c, url, NULL, &r) == FA2_OK, "%s", r.errmsg);
		CHECK_INT_EQ(r.status, 200);
		h = fa2_httpc_response_header(&r, "X-Addr");
		CHECK(h != NULL);
		CHECK_SLICE_EQ(*h, "::1");
	}
	fa2_buf_cleanup(&first_conn);
	fa2_httpc_response_cleanup(&r);
	fa2_httpc_free(c);
	fa2_tls_anchors_free(a);
}


typedef struct conc_arg {
	fa2_httpc *c;
	const fa2_tls_anchors *a;
	const char *url;
	int ok;
} conc_arg;

static void *conc_worker(void *p)
{
	conc_arg *ca = p;
	fa2_httpc_response r;
	int i;
	fa2_httpc_response_init(&r);
	for (i = 0; i < 25; i++)
		if (it_get(ca->c, ca->url, ca->a, &r) == FA2_OK && r.status == 200
		    && fa2_slice_eq_cstr(fa2_buf_slice(&r.body), "ka\n"))
			ca->ok++;
	fa2_httpc_response_cleanup(&r);
	return NULL;
}

/* Four threads share one client (and its pool) over HTTPS. */
FA2_TEST(net_it_nginx_threads)
{
	fa2_tls_anchors *a;
	fa2_httpc *c = NULL;
	conc_arg args[4];
	pthread_t th[4];
	char url[128];
	uint16_t sp;
	unsigned long conns, reuses;
	int64_t t0;
	int i;

	if (!env_port("FA2_IT_NGINX_HTTPS", &sp)) {
		fa2_test_skip("FA2_IT_NGINX_HTTPS not set (run by t_net_client.sh)");
		return;
	}
	a = it_anchors();
	CHECK(a != NULL);
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	CHECK_OK(fa2_httpc_new(&c));
	(void)snprintf(url, sizeof url, "https://localhost:%u/ka", (unsigned)sp);
	t0 = fa2_time_mono_ms();
	for (i = 0; i < 4; i++) {
		args[i].c = c;
		args[i].a = a;
		args[i].url = url;
		args[i].ok = 0;
		CHECK(pthread_create(&th[i], NULL, conc_worker, &args[i]) == 0);
	}
	for (i = 0; i < 4; i++)
		(void)pthread_join(th[i], NULL);
	for (i = 0; i < 4; i++)
		CHECK_INT_EQ(args[i].ok, 25);
	fa2_httpc_stats(c, &conns, &reuses);
	printf("    4 threads x 25 HTTPS requests: %lu connections, %lu reuses, %lld ms\n", conns,
	       reuses, (long long)(fa2_time_mono_ms() - t0));
	CHECK(conns >= 1 && conns <= 8);
	CHECK_INT_EQ(conns + reuses, 100);
	fa2_httpc_free(c);
	fa2_tls_anchors_free(a);
}


static size_t count_in_file(const char *path, const char *needle)
{
	fa2_buf f;
	size_t n = 0;
	fa2_slice s;
	long at;
	fa2_buf_init(&f, 1u << 20);
	if (fa2_file_read_all(path, &f) == FA2_OK) {
		s = fa2_buf_slice(&f);
		while ((at = fa2_slice_find(s, fa2_slice_cstr(needle))) >= 0) {
			n++;
			s = fa2_slice_sub(s, (size_t)at + 1, s.len);
		}
	}
	fa2_buf_cleanup(&f);
	return n;
}

FA2_TEST(net_it_proxy)
{
	fa2_tls_anchors *a;
	fa2_httpc *c = NULL;
	fa2_httpc_response r;
	char url[160], proxy[160], needle[96];
	uint16_t pp, hp, sp;
	const char *log = getenv("FA2_IT_PROXY_LOG");
	size_t before;

	if (!env_port("FA2_IT_PROXY", &pp) || !env_port("FA2_IT_NGINX_HTTP", &hp)
	    || !env_port("FA2_IT_NGINX_HTTPS", &sp) || !log) {
		fa2_test_skip("FA2_IT_PROXY not set (run by t_net_client.sh)");
		return;
	}
	a = it_anchors();
	CHECK(a != NULL);
	fa2_httpc_response_init(&r);

	/* https through a CONNECT tunnel, with proxy credentials. */
	(void)snprintf(proxy, sizeof proxy, "http://fa2user:s3cret-pw@127.0.0.1:%u", (unsigned)pp);
	setenv("https_proxy", proxy, 1);
	setenv("HTTP_PROXY", proxy, 1);
	unsetenv("http_proxy");
	unsetenv("HTTPS_PROXY");
	setenv("NO_PROXY", "example.invalid", 1);
	unsetenv("no_proxy");
	CHECK_OK(fa2_httpc_new(&c));
	(void)snprintf(url, sizeof url, "https://localhost:%u/ka", (unsigned)sp);
	CHECK_MSG(it_get(c, url, a, &r) == FA2_OK, "%s", r.errmsg);
	CHECK_INT_EQ(r.status, 200);
	(void)snprintf(needle, sizeof needle, "CONNECT localhost:%u", (unsigned)sp);
	CHECK_INT_EQ(count_in_file(log, needle), 1);
	/* Basic credentials reached the proxy (fa2user:s3cret-pw). */
	CHECK(count_in_file(log, "auth=Basic ZmEydXNlcjpzM2NyZXQtcHc=") >= 1);
	/* The tunnel is pooled like any connection. */
	CHECK_MSG(it_get(c, url, a, &r) == FA2_OK, "%s", r.errmsg);
	CHECK_INT_EQ(r.reused, 1);
	CHECK_INT_EQ(count_in_file(log, needle), 1);
	/* Plain http: absolute-form request through the proxy. */
	(void)snprintf(url, sizeof url, "http://localhost:%u/ka", (unsigned)hp);
	CHECK_MSG(it_get(c, url, a, &r) == FA2_OK, "%s", r.errmsg);
	CHECK_INT_EQ(r.status, 200);
	(void)snprintf(needle, sizeof needle, "GET http://localhost:%u/ka", (unsigned)hp);
	CHECK_INT_EQ(count_in_file(log, needle), 1);
	/* The proxy refuses a tunnel to a closed port: a clear error. */
	CHECK_INT_EQ(it_get(c, "https://localhost:1/", a, &r), FA2_ERR_HTTP);
	CHECK_MSG(strstr(r.errmsg, "refused the tunnel to localhost:1") != NULL, "%s", r.errmsg);
	fa2_httpc_free(c);

	/* A proxy given without a scheme ("host:port") is http://. */
	(void)snprintf(proxy, sizeof proxy, "127.0.0.1:%u", (unsigned)pp);
	setenv("https_proxy", proxy, 1);
	CHECK_OK(fa2_httpc_new(&c));
	before = count_in_file(log, "CONNECT");
	(void)snprintf(url, sizeof url, "https://localhost:%u/ka", (unsigned)sp);
	CHECK_MSG(it_get(c, url, a, &r) == FA2_OK, "%s", r.errmsg);
	CHECK_INT_EQ(count_in_file(log, "CONNECT"), before + 1);
	fa2_httpc_free(c);
	/* An unsupported proxy scheme is a configuration error, named as such. */
	setenv("https_proxy", "socks5://127.0.0.1:1080", 1);
	CHECK_OK(fa2_httpc_new(&c));
	CHECK_INT_EQ(it_get(c, url, a, &r), FA2_ERR_CONFIG);
	CHECK_MSG(strstr(r.errmsg, "invalid proxy URL") != NULL, "%s", r.errmsg);
	fa2_httpc_free(c);
	setenv("https_proxy", proxy, 1);

	/* A WebSocket goes through the proxy with CONNECT too (ws:// via HTTP_PROXY). */
	if (env_port("FA2_IT_WS", &hp)) {
		fa2_ws *w = NULL;
		fa2_ws_opts o;
		char err[320];
		memset(&o, 0, sizeof o);
		o.anchors = a;
		(void)snprintf(url, sizeof url, "ws://localhost:%u/via-proxy", (unsigned)hp);
		CHECK_MSG(fa2_ws_connect(fa2_slice_cstr(url), &o, &w, err, sizeof err) == FA2_OK,
		          "%s", err);
		(void)snprintf(needle, sizeof needle, "CONNECT localhost:%u", (unsigned)hp);
		CHECK_INT_EQ(count_in_file(log, needle), 1);
		CHECK_OK(fa2_ws_close(w, 1000, FA2_SLICE_EMPTY, fa2_sock_deadline(5000)));
		fa2_ws_free(w);
		(void)env_port("FA2_IT_NGINX_HTTP", &hp);
	}

	/* NO_PROXY bypass: the same requests go direct. */
	before = count_in_file(log, "CONNECT");
	setenv("NO_PROXY", "example.invalid, .localhost, localhost", 1);
	CHECK_OK(fa2_httpc_new(&c));
	(void)snprintf(url, sizeof url, "https://localhost:%u/ka", (unsigned)sp);
	CHECK_MSG(it_get(c, url, a, &r) == FA2_OK, "%s", r.errmsg);
	CHECK_INT_EQ(r.status, 200);
	CHECK_INT_EQ(count_in_file(log, "CONNECT"), before);
	fa2_httpc_free(c);
	setenv("NO_PROXY", "*", 1);
	CHECK_OK(fa2_httpc_new(&c));
	(void)snprintf(url, sizeof url, "http://localhost:%u/ka", (unsigned)hp);
	CHECK_MSG(it_get(c, url, a, &r) == FA2_OK, "%s", r.errmsg);
	(void)snprintf(needle, sizeof needle, "GET http://localhost:%u/ka", (unsigned)hp);
	CHECK_INT_EQ(count_in_file(log, needle), 1);
	fa2_httpc_free(c);

	unsetenv("https_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("NO_PROXY");
	fa2_httpc_response_cleanup(&r);
	fa2_tls_anchors_free(a);
}

FA2_TEST(net_it_stale_retry)
{
	fa2_httpc *c = NULL;
	fa2_httpc_response r;
	fa2_httpc_request q;
	uint16_t port;
	unsigned long conns, reuses;

	if (!env_port("FA2_IT_STALE", &port)) {
		fa2_test_skip("FA2_IT_STALE not set (run by t_net_client.sh)");
		return;
	}
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	CHECK_OK(fa2_httpc_new(&c));
	fa2_httpc_response_init(&r);
	memset(&q, 0, sizeof q);
	q.method = "GET";
	q.host = "127.0.0.1";
	q.port = port;
	q.timeout_ms = 10000;
	/* The peer answers the first request on a connection and silently drops the
	 * connection on the second: an idempotent request is retried on a new one. */
	CHECK_MSG(fa2_httpc_do(c, &q, &r) == FA2_OK, "%s", r.errmsg);
	CHECK_SLICE_EQ(fa2_buf_slice(&r.body), "ok");
	CHECK_MSG(fa2_httpc_do(c, &q, &r) == FA2_OK, "%s", r.errmsg);
	CHECK_SLICE_EQ(fa2_buf_slice(&r.body), "ok");
	CHECK_INT_EQ(r.reused, 0);
	fa2_httpc_stats(c, &conns, &reuses);
	CHECK_INT_EQ(conns, 2);
	CHECK_INT_EQ(reuses, 1);
	/* A POST is not retried... */
	q.method = "POST";
	q.body = FA2_SLICE_LIT("{}");
	CHECK_INT_EQ(fa2_httpc_do(c, &q, &r), FA2_ERR_CLOSED);
	CHECK_MSG(strstr(r.errmsg, "127.0.0.1") != NULL, "%s", r.errmsg);
	/* ... unless the caller says it is safe. */
	CHECK_OK(fa2_httpc_do(c, &q, &r));
	q.retry_stale = 1;
	CHECK_MSG(fa2_httpc_do(c, &q, &r) == FA2_OK, "%s", r.errmsg);
	CHECK_INT_EQ(r.status, 200);
	/* Total deadline: /slow answers after 3 s. */
	q.method = "GET";
	q.body = FA2_SLICE_EMPTY;
	q.target = FA2_SLICE_LIT("/slow");
	q.timeout_ms = 300;
	{
		int64_t t0 = fa2_time_mono_ms();
		CHECK_INT_EQ(fa2_httpc_do(c, &q, &r), FA2_ERR_TIMEOUT);
		CHECK(fa2_time_mono_ms() - t0 < 2000);
	}
	fa2_httpc_response_cleanup(&r);
	fa2_httpc_free(c);
}

FA2_TEST(net_it_websocket)
{
	static const char *const schemes[] = { "ws", "wss" };
	static const char *const envs[] = { "FA2_IT_WS", "FA2_IT_WSS" };
	fa2_tls_anchors *a;
	int s;

	if (!getenv("FA2_IT_WS")) {
		fa2_test_skip("FA2_IT_WS not set (run by t_net_client.sh)");
		return;
	}
	a = it_anchors();
	CHECK(a != NULL);
	unsetenv("http_proxy");
	unsetenv("https_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("HTTPS_PROXY");
	for (s = 0; s < 2; s++) {
		fa2_ws *w = NULL;
		fa2_ws_opts o;
		fa2_buf m;
		fa2_ws_type t;
		char url[160], err[320];
		uint16_t port;
		static char big[200000];
		size_t i;
		const fa2_http_header hd[] = { { FA2_SLICE_LIT("Authorization"),
		                                        FA2_SLICE_LIT("Bearer xapp-test") } };

		if (!env_port(envs[s], &port))
			continue;
		memset(&o, 0, sizeof o);
		o.anchors = a;
		o.headers = hd;
		o.num_headers = 1;
		o.max_message = 1 << 20;
		fa2_buf_init(&m, 1 << 20);
		(void)snprintf(url, sizeof url, "%s://localhost:%u/link?ticket=1", schemes[s],
		               (unsigned)port);
		CHECK_MSG(fa2_ws_connect(fa2_slice_cstr(url), &o, &w, err, sizeof err) == FA2_OK,
		          "%s", err);
		/* The server greets with the request it saw (path and Authorization). */
		CHECK_OK(fa2_ws_recv(w, &m, &t, fa2_sock_deadline(5000)));
		CHECK_SLICE_EQ(fa2_buf_slice(&m), "hello /link?ticket=1 Bearer xapp-test");
		/* Echo of text and of a large binary message (64-bit length). */
		CHECK_OK(fa2_ws_send(w, FA2_WS_TEXT, FA2_SLICE_LIT("echo:héllo"), fa2_sock_deadline(5000)));
		CHECK_OK(fa2_ws_recv(w, &m, &t, fa2_sock_deadline(5000)));
		CHECK_INT_EQ(t, FA2_WS_TEXT);
		CHECK_SLICE_EQ(fa2_buf_slice(&m), "echo:héllo");
		for (i = 0; i < sizeof big; i++)
			big[i] = (char)(i * 31u);
		CHECK_OK(fa2_ws_send(w, FA2_WS_BINARY, fa2_slice_make(big, sizeof big),
		                     fa2_sock_deadline(5000)));
		CHECK_OK(fa2_ws_recv(w, &m, &t, fa2_sock_deadline(5000)));
		CHECK_INT_EQ(t, FA2_WS_BINARY);
		CHECK_INT_EQ(m.len, sizeof big);
		CHECK(memcmp(m.data, big, sizeof big) == 0);
		/* The server sends "frag" as 3 fragments with a ping in between; our pong
		 * reaches it (it reports the pong payload in the next message). */
		CHECK_OK(fa2_ws_send(w, FA2_WS_TEXT, FA2_SLICE_LIT("frag"), fa2_sock_deadline(5000)));
		CHECK_OK(fa2_ws_recv(w, &m, &t, fa2_sock_deadline(5000)));
		CHECK_SLICE_EQ(fa2_buf_slice(&m), "fragmented-message-reassembled");
		CHECK_OK(fa2_ws_recv(w, &m, &t, fa2_sock_deadline(5000)));
		CHECK_SLICE_EQ(fa2_buf_slice(&m), "pong:srv-ping");
		/* Our ping gets the server's pong. */
		CHECK_OK(fa2_ws_ping(w, FA2_SLICE_LIT("cli-ping"), fa2_sock_deadline(5000)));
		CHECK_OK(fa2_ws_send(w, FA2_WS_TEXT, FA2_SLICE_LIT("stats"), fa2_sock_deadline(5000)));
		CHECK_OK(fa2_ws_recv(w, &m, &t, fa2_sock_deadline(5000)));
		CHECK_INT_EQ(fa2_ws_pongs(w), 1);
		/* The server checked that every frame was masked and that the keys varied. */
		CHECK_MSG(fa2_slice_starts_with(fa2_buf_slice(&m), FA2_SLICE_LIT("stats unmasked=0 ")),
		          "%.*s", FA2_SLICE_FMT(fa2_buf_slice(&m)));
		{
			unsigned dm = 0, fr = 0;
			CHECK(sscanf(m.data, "stats unmasked=0 distinct_masks=%u frames=%u", &dm, &fr) == 2);
			CHECK(fr >= 5);
			CHECK_MSG(dm == fr, "mask keys repeat: %u distinct in %u frames", dm, fr);
		}
		/* A receive deadline with nothing to read leaves the connection usable. */
		CHECK_INT_EQ(fa2_ws_recv(w, &m, &t, fa2_sock_deadline(100)), FA2_ERR_TIMEOUT);
		if (s == 0) {
			/* Client-initiated close handshake. */
			CHECK_OK(fa2_ws_close(w, 1000, FA2_SLICE_LIT("bye"), fa2_sock_deadline(5000)));
			CHECK_INT_EQ(fa2_ws_close_code(w), 1000);
		} else {
			/* Server-initiated close. */
			CHECK_OK(fa2_ws_send(w, FA2_WS_TEXT, FA2_SLICE_LIT("close"), fa2_sock_deadline(5000)));
			CHECK_INT_EQ(fa2_ws_recv(w, &m, &t, fa2_sock_deadline(5000)), FA2_ERR_CLOSED);
			CHECK_INT_EQ(fa2_ws_close_code(w), 4001);
		}
		fa2_ws_free(w);
		w = NULL;
		/* A server that refuses the upgrade. */
		(void)snprintf(url, sizeof url, "%s://localhost:%u/forbidden", schemes[s], (unsigned)port);
		CHECK_INT_EQ(fa2_ws_connect(fa2_slice_cstr(url), &o, &w, err, sizeof err), FA2_ERR_HTTP);
		CHECK_MSG(strstr(err, "403") != NULL && strstr(err, "localhost") != NULL, "%s", err);
		/* A server that sends a masked frame violates the protocol. */
		(void)snprintf(url, sizeof url, "%s://localhost:%u/badframe", schemes[s], (unsigned)port);
		CHECK_OK(fa2_ws_connect(fa2_slice_cstr(url), &o, &w, err, sizeof err));
		CHECK_INT_EQ(fa2_ws_recv(w, &m, &t, fa2_sock_deadline(5000)), FA2_ERR_PARSE);
		CHECK_MSG(strstr(fa2_ws_errmsg(w), "masked") != NULL, "%s", fa2_ws_errmsg(w));
		fa2_ws_free(w);
		fa2_buf_cleanup(&m);
	}
	fa2_tls_anchors_free(a);
}

/* The process-wide trust anchors, from the file the environment names. Run by
 * t_net_client.sh once per variable (AWS_CA_BUNDLE, SSL_CERT_FILE, a missing file). */
FA2_TEST(net_ca_bundle_it)
{
	const char *want = getenv("FA2_IT_EXPECT_BUNDLE");
	const fa2_tls_anchors *a = NULL;
	fa2_httpc *c = NULL;
	fa2_httpc_response r;
	char url[128];
	uint16_t port;
	fa2_err e;

	if (!want || !env_port("FA2_IT_TLS_GOOD", &port)) {
		fa2_test_skip("FA2_IT_EXPECT_BUNDLE not set (run by t_net_client.sh)");
		return;
	}
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	e = fa2_tls_anchors_global(&a);
	CHECK_OK(fa2_httpc_new(&c));
	fa2_httpc_response_init(&r);
	(void)snprintf(url, sizeof url, "https://localhost:%u/", (unsigned)port);
	if (strcmp(want, "missing") == 0) {
		CHECK_INT_EQ(e, FA2_ERR_CONFIG);
		CHECK(a == NULL);
		/* Cached: the second call answers the same without reloading. */
		CHECK_INT_EQ(fa2_tls_anchors_global(&a), FA2_ERR_CONFIG);
		CHECK(it_get(c, url, NULL, &r) != FA2_OK);
		CHECK_MSG(strstr(r.errmsg, "CA bundle") != NULL, "%s", r.errmsg);
	} else {
		CHECK_OK(e);
		CHECK_INT_EQ(fa2_tls_anchors_count(a), 1);
		CHECK_STR_EQ(fa2_tls_anchors_global_path(), want);
		CHECK_MSG(it_get(c, url, NULL, &r) == FA2_OK, "%s", r.errmsg);
		CHECK_INT_EQ(r.status, 200);
	}
	fa2_httpc_response_cleanup(&r);
	fa2_httpc_free(c);
}

/* ---- allocation failure: an in-process HTTP/1.1 peer ------------------------------- */

/* A one-thread keep-alive server on 127.0.0.1 that answers every request with a
 * chunked "hello". It uses no fa2 allocation, so injected failures hit the client only. */
typedef struct mini_srv {
	int lfd;
	uint16_t port;
	pthread_t th;
	volatile int stop;
} mini_srv;

static void *mini_srv_run(void *p)
{
	mini_srv *s = p;
	static const char resp[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	                           "3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n";
	while (!s->stop) {
		int fd;
		char buf[8192];
		size_t have = 0;
		short rev;
		if (fa2_sock_wait(s->lfd, POLLIN, fa2_sock_deadline(50), &rev) != FA2_OK)
			continue;
		fd = accept(s->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		while (!s->stop) {
			size_t n;
			char *end;
			fa2_err e = fa2_sock_read(fd, buf + have, sizeof buf - have - 1, &n,
			                          fa2_sock_deadline(100));
			if (e == FA2_ERR_TIMEOUT)
				continue;
			if (e)
				break;
			have += n;
			buf[have] = '\0';
			while ((end = strstr(buf, "\r\n\r\n")) != NULL) {
				size_t used = (size_t)(end + 4 - buf);
				if (fa2_sock_write_all(fd, resp, sizeof resp - 1, fa2_sock_deadline(1000)))
					break;
				memmove(buf, buf + used, have - used);
				have -= used;
				buf[have] = '\0';
			}
			if (have >= sizeof buf - 1)
				break;
		}
		close(fd);
	}
	return NULL;
}

static int mini_srv_start(mini_srv *s)
{
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	memset(s, 0, sizeof *s);
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (s->lfd < 0)
		return 0;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s->lfd, (struct sockaddr *)&a, sizeof a) || listen(s->lfd, 16)
	    || getsockname(s->lfd, (struct sockaddr *)&a, &al) || fa2_sock_set_nonblock(s->lfd))
		return 0;
	s->port = ntohs(a.sin_port);
	return pthread_create(&s->th, NULL, mini_srv_run, s) == 0;
}

static void mini_srv_stop(mini_srv *s)
{
	s->stop = 1;
	(void)pthread_join(s->th, NULL);
	close(s->lfd);
}

static void torture_httpc(void *ctx)
{
	mini_srv *s = ctx;
	fa2_httpc *c = NULL;
	fa2_httpc_response r;
	fa2_httpc_request q;
	int i;
	if (fa2_httpc_new(&c) != FA2_OK)
		return;
	fa2_httpc_response_init(&r);
	memset(&q, 0, sizeof q);
	q.method = "GET";
	q.host = "127.0.0.1";
	q.port = s->port;
	q.target = FA2_SLICE_LIT("/x");
	q.timeout_ms = 5000;
	for (i = 0; i < 2; i++) {
		fa2_err e = fa2_httpc_do(c, &q, &r);
		if (e == FA2_OK && (r.status != 200 || !fa2_slice_eq_cstr(fa2_buf_slice(&r.body), "hello")))
			fa2_test_fail(__FILE__, __LINE__, "wrong response under allocation failure");
	}
	fa2_httpc_response_cleanup(&r);
	fa2_httpc_free(c);
}

FA2_TEST(net_httpc_alloc_torture)
{
	mini_srv s;
	unsigned long runs;
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	CHECK(mini_srv_start(&s));
	/* Sanity: without injection the exchange works and reuses the connection. */
	{
		fa2_httpc *c = NULL;
		fa2_httpc_response r;
		fa2_httpc_request q;
		unsigned long conns, reuses;
		CHECK_OK(fa2_httpc_new(&c));
		fa2_httpc_response_init(&r);
		memset(&q, 0, sizeof q);
		q.method = "GET";
		{
			char url[64];
			(void)snprintf(url, sizeof url, "http://127.0.0.1:%u/y", (unsigned)s.port);
			q.url = fa2_slice_cstr(url);
			CHECK_OK(fa2_httpc_do(c, &q, &r));
			CHECK_OK(fa2_httpc_do(c, &q, &r));
		}
		CHECK_SLICE_EQ(fa2_buf_slice(&r.body), "hello");
		fa2_httpc_stats(c, &conns, &reuses);
		CHECK_INT_EQ(conns, 1);
		CHECK_INT_EQ(reuses, 1);
		fa2_httpc_response_cleanup(&r);
		fa2_httpc_free(c);
	}
	runs = fa2_test_alloc_torture(torture_httpc, &s);
	mini_srv_stop(&s);
	printf("    %lu allocation-failure runs\n", runs);
	CHECK(runs > 5);
}

static void torture_ws(void *ctx)
{
	static const unsigned char in[] = { 0x01, 0x03, 'H', 'e', 'l', 0x89, 0x02, 'p', '!',
	                                    0x80, 0x02, 'l', 'o', 0x88, 0x02, 0x03, 0xe8 };
	fa2_ws *w;
	fa2_buf m;
	fa2_ws_type t;
	(void)ctx;
	if (fa2_ws_new_detached(100, &w) != FA2_OK)
		return;
	fa2_buf_init(&m, 100);
	if (fa2_ws_feed(w, in, sizeof in) == FA2_OK)
		while (fa2_ws_next(w, &m, &t) == FA2_OK)
			;
	fa2_buf_cleanup(&m);
	fa2_ws_free(w);
}

FA2_TEST(ws_alloc_torture)
{
	CHECK(fa2_test_alloc_torture(torture_ws, NULL) > 3);
}

/* A listener whose accept queue is full drops SYNs: connect must give up at the
 * deadline. (Skipped where the kernel accepts anyway.) */
FA2_TEST(net_sock_connect_timeout)
{
	int lfd, fill[4], fd = -1, i;
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	int64_t t0, took;
	fa2_err e;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(lfd >= 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(lfd, (struct sockaddr *)&a, sizeof a) == 0);
	CHECK(listen(lfd, 0) == 0);
	CHECK(getsockname(lfd, (struct sockaddr *)&a, &al) == 0);
	for (i = 0; i < 4; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM, 0);
		(void)fa2_sock_set_nonblock(fill[i]);
		(void)connect(fill[i], (struct sockaddr *)&a, sizeof a);
	}
	usleep(100000);
	t0 = fa2_time_mono_ms();
	e = fa2_sock_connect("127.0.0.1", ntohs(a.sin_port), fa2_sock_deadline(300), &fd);
	took = fa2_time_mono_ms() - t0;
	for (i = 0; i < 4; i++)
		close(fill[i]);
	close(lfd);
	if (e == FA2_OK) {
		fa2_sock_close(fd);
		fa2_test_skip("this kernel completed the connection despite a full accept queue");
		return;
	}
	CHECK_INT_EQ(e, FA2_ERR_TIMEOUT);
	CHECK(took >= 290 && took < 2000);
}
