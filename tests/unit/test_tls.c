/* TLS unit tests: a BearSSL client and server session talking over a socketpair, both
 * driven from one thread through the non-blocking pump (the way the server's poll loop
 * drives sessions). Real-peer tests (openssl s_server, nginx) are in
 * tests/integration/t_net_tls.sh. */
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bearssl.h"

#include "base/time.h"
#include "net/sock.h"
#include "net/tls.h"
#include "test.h"
#include "tls_testcerts.h"

typedef struct pair {
	int fd[2];  /* [0] client, [1] server */
	fa2_tls_anchors *anchors;
	fa2_tls_server_ctx *sctx;
	fa2_tls *c, *s;
	fa2_err cerr, serr;
} pair;

static void pair_cleanup(pair *p)
{
	fa2_tls_free(p->c);
	fa2_tls_free(p->s);
	fa2_tls_server_ctx_free(p->sctx);
	fa2_tls_anchors_free(p->anchors);
	if (p->fd[0] >= 0)
		close(p->fd[0]);
	if (p->fd[1] >= 0)
		close(p->fd[1]);
	memset(p, 0, sizeof *p);
	p->fd[0] = p->fd[1] = -1;
}

/* Sets up both ends; returns nonzero on success. */
static int pair_setup(pair *p, const char *ca, const char *cert, const char *key,
                      const char *host)
{
	memset(p, 0, sizeof *p);
	p->fd[0] = p->fd[1] = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, p->fd) != 0)
		return 0;
	if (fa2_sock_set_nonblock(p->fd[0]) || fa2_sock_set_nonblock(p->fd[1]))
		return 0;
	if (fa2_tls_anchors_from_pem(fa2_slice_cstr(ca), &p->anchors))
		return 0;
	if (fa2_tls_server_ctx_from_pem(fa2_slice_cstr(cert), fa2_slice_cstr(key), &p->sctx))
		return 0;
	if (fa2_tls_client_new(p->fd[0], host, p->anchors, &p->c))
		return 0;
	if (fa2_tls_server_new(p->fd[1], p->sctx, "unit-peer", &p->s))
		return 0;
	return 1;
}

/* Drives both handshakes until the client finishes (or fails) and the server finishes
 * (or fails), within 10 s. */
static void pair_handshake(pair *p)
{
	int64_t deadline = fa2_sock_deadline(10000);
	p->cerr = p->serr = FA2_ERR_AGAIN;
	while (fa2_time_mono_ms() < deadline) {
		struct pollfd pf[2];
		if (p->cerr == FA2_ERR_AGAIN) {
			p->cerr = fa2_tls_handshake(p->c);
			/* A client that rejects the server hangs up (BearSSL sends no alert for
			 * certificate failures), as fa2's callers do. */
			if (p->cerr != FA2_OK && p->cerr != FA2_ERR_AGAIN)
				(void)shutdown(p->fd[0], SHUT_RDWR);
		}
		if (p->serr == FA2_ERR_AGAIN)
			p->serr = fa2_tls_handshake(p->s);
		if (p->cerr != FA2_ERR_AGAIN && p->serr != FA2_ERR_AGAIN)
			return;
		pf[0].fd = p->fd[0];
		pf[0].events = p->cerr == FA2_ERR_AGAIN ? fa2_tls_want(p->c) : 0;
		pf[1].fd = p->fd[1];
		pf[1].events = p->serr == FA2_ERR_AGAIN ? fa2_tls_want(p->s) : 0;
		if (!pf[0].events && !pf[1].events)
			return;
		(void)poll(pf, 2, 100);
	}
}

/* Moves len bytes from one session to the other (both non-blocking). */
static int pair_transfer(fa2_tls *from, fa2_tls *to, const char *data, size_t len,
                         char *got, size_t cap)
{
	size_t sent = 0, recvd = 0, n;
	int64_t deadline = fa2_sock_deadline(10000);
	int flushed = 0;
	while (fa2_time_mono_ms() < deadline && recvd < len) {
		fa2_err e;
		if (sent < len) {
			e = fa2_tls_write(from, data + sent, len - sent, &n);
			if (e == FA2_OK)
				sent += n;
			else if (e != FA2_ERR_AGAIN)
				return -1;
		} else if (!flushed) {
			e = fa2_tls_flush(from);
			if (e == FA2_OK)
				flushed = 1;
			else if (e != FA2_ERR_AGAIN)
				return -1;
		}
		e = fa2_tls_read(to, got + recvd, cap - recvd, &n);
		if (e == FA2_OK)
			recvd += n;
		else if (e != FA2_ERR_AGAIN)
			return -1;
		if (e == FA2_ERR_AGAIN)
			(void)fa2_tls_pump(from);
	}
	return (int)recvd;
}

static void loopback(const char *cert, const char *key, const char *host)
{
	pair p;
	static char big[100000], got[100000];
	size_t i, n;
	int r;

	CHECK(pair_setup(&p, TLS_TEST_CA1, cert, key, host));
	pair_handshake(&p);
	CHECK_MSG(p.cerr == FA2_OK, "client: %s", fa2_tls_errmsg(p.c));
	CHECK_MSG(p.serr == FA2_OK, "server: %s", fa2_tls_errmsg(p.s));
	CHECK(fa2_tls_alpn(p.c) != NULL);
	CHECK_STR_EQ(fa2_tls_alpn(p.c), "http/1.1");
	CHECK_STR_EQ(fa2_tls_alpn(p.s), "http/1.1");
	CHECK_INT_EQ(pair_transfer(p.c, p.s, "hello", 5, got, sizeof got), 5);
	CHECK(memcmp(got, "hello", 5) == 0);
	for (i = 0; i < sizeof big; i++)
		big[i] = (char)(i * 7u);
	r = pair_transfer(p.s, p.c, big, sizeof big, got, sizeof got);
	CHECK_INT_EQ(r, (int)sizeof big);
	CHECK(memcmp(got, big, sizeof big) == 0);
	/* Clean close: the client sends close_notify, the server sees FA2_ERR_CLOSED and
	 * answers with its own; the client's close then completes. */
	CHECK_INT_EQ(fa2_tls_close(p.c), FA2_ERR_AGAIN);
	{
		int64_t dl = fa2_sock_deadline(5000);
		fa2_err e = FA2_ERR_AGAIN;
		while (e == FA2_ERR_AGAIN && fa2_time_mono_ms() < dl)
			e = fa2_tls_read(p.s, got, sizeof got, &n);
		CHECK_INT_EQ(e, FA2_ERR_CLOSED);
		e = FA2_ERR_AGAIN;
		while (e == FA2_ERR_AGAIN && fa2_time_mono_ms() < dl)
			e = fa2_tls_close(p.c);
		CHECK_INT_EQ(e, FA2_OK);
	}
	pair_cleanup(&p);
}

FA2_TEST(tls_loopback_ec)
{
	loopback(TLS_TEST_EC_CERT, TLS_TEST_EC_KEY, "localhost");
}

FA2_TEST(tls_loopback_rsa)
{
	loopback(TLS_TEST_RSA_CERT, TLS_TEST_RSA_KEY, "localhost");
}

FA2_TEST(tls_loopback_wildcard)
{
	loopback(TLS_TEST_EC_CERT, TLS_TEST_EC_KEY, "api.test.example");
}

static void expect_fail(const char *ca, const char *cert, const char *key, const char *host,
                        int br_err, const char *text)
{
	pair p;
	const char *msg;
	CHECK(pair_setup(&p, ca, cert, key, host));
	pair_handshake(&p);
	CHECK_INT_EQ(p.cerr, FA2_ERR_TLS);
	CHECK_INT_EQ(fa2_tls_last_error(p.c), br_err);
	msg = fa2_tls_errmsg(p.c);
	CHECK_MSG(strstr(msg, host) != NULL, "message lacks host: %s", msg);
	CHECK_MSG(strstr(msg, text) != NULL, "message lacks '%s': %s", text, msg);
	/* The server learns of the failure through the client's alert. */
	CHECK(p.serr != FA2_OK);
	/* Errors are sticky. */
	CHECK_INT_EQ(fa2_tls_handshake(p.c), FA2_ERR_TLS);
	pair_cleanup(&p);
}

FA2_TEST(tls_reject_wrong_host)
{
	expect_fail(TLS_TEST_CA1, TLS_TEST_EC_CERT, TLS_TEST_EC_KEY, "example.com",
	            BR_ERR_X509_BAD_SERVER_NAME, "does not match the host name");
	/* A wildcard covers one label only. */
	expect_fail(TLS_TEST_CA1, TLS_TEST_EC_CERT, TLS_TEST_EC_KEY, "a.b.test.example",
	            BR_ERR_X509_BAD_SERVER_NAME, "does not match the host name");
}

FA2_TEST(tls_reject_unknown_ca)
{
	expect_fail(TLS_TEST_CA2, TLS_TEST_RSA_CERT, TLS_TEST_RSA_KEY, "localhost",
	            BR_ERR_X509_NOT_TRUSTED, "unknown CA");
}

FA2_TEST(tls_reject_expired)
{
	expect_fail(TLS_TEST_CA1, TLS_TEST_EXPIRED_CERT, TLS_TEST_EC_KEY, "localhost",
	            BR_ERR_X509_EXPIRED, "expired");
}

FA2_TEST(tls_truncation_is_error)
{
	pair p;
	char buf[64];
	size_t n;
	fa2_err e;
	CHECK(pair_setup(&p, TLS_TEST_CA1, TLS_TEST_EC_CERT, TLS_TEST_EC_KEY, "localhost"));
	pair_handshake(&p);
	CHECK_INT_EQ(p.cerr, FA2_OK);
	/* The server goes away without close_notify. */
	close(p.fd[1]);
	p.fd[1] = -1;
	e = fa2_tls_read_wait(p.c, buf, sizeof buf, &n, fa2_sock_deadline(5000));
	CHECK_INT_EQ(e, FA2_ERR_TLS);
	CHECK_MSG(strstr(fa2_tls_errmsg(p.c), "without close_notify") != NULL, "%s",
	          fa2_tls_errmsg(p.c));
	pair_cleanup(&p);
}

FA2_TEST(tls_read_deadline)
{
	pair p;
	char buf[64];
	size_t n;
	int64_t t0;
	CHECK(pair_setup(&p, TLS_TEST_CA1, TLS_TEST_EC_CERT, TLS_TEST_EC_KEY, "localhost"));
	pair_handshake(&p);
	CHECK_INT_EQ(p.cerr, FA2_OK);
	t0 = fa2_time_mono_ms();
	CHECK_INT_EQ(fa2_tls_read_wait(p.c, buf, sizeof buf, &n, fa2_sock_deadline(200)),
	             FA2_ERR_TIMEOUT);
	CHECK(fa2_time_mono_ms() - t0 >= 190);
	pair_cleanup(&p);
}

FA2_TEST(tls_anchors_pem)
{
	fa2_tls_anchors *a = NULL;
	char both[8192];
	size_t l1 = strlen(TLS_TEST_CA1), l2 = strlen(TLS_TEST_CA2);
	CHECK(l1 + l2 + 20 < sizeof both);
	memcpy(both, TLS_TEST_CA1, l1);
	memcpy(both + l1, "junk between\n", 13);
	memcpy(both + l1 + 13, TLS_TEST_CA2, l2);
	CHECK_OK(fa2_tls_anchors_from_pem(fa2_slice_make(both, l1 + 13 + l2), &a));
	CHECK_INT_EQ(fa2_tls_anchors_count(a), 2);
	fa2_tls_anchors_free(a);
	/* No final newline is fine. */
	CHECK_OK(fa2_tls_anchors_from_pem(fa2_slice_make(TLS_TEST_CA1, l1 - 1), &a));
	CHECK_INT_EQ(fa2_tls_anchors_count(a), 1);
	fa2_tls_anchors_free(a);
	/* A key is not an anchor; nothing usable is an error. */
	CHECK_INT_EQ(fa2_tls_anchors_from_pem(fa2_slice_cstr(TLS_TEST_EC_KEY), &a), FA2_ERR_PARSE);
	CHECK(a == NULL);
	CHECK_INT_EQ(fa2_tls_anchors_from_pem(FA2_SLICE_LIT(""), &a), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_tls_anchors_from_pem(
	                 FA2_SLICE_LIT("-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n"),
	                 &a), FA2_ERR_PARSE);
	/* A truncated object. */
	CHECK_INT_EQ(fa2_tls_anchors_from_pem(fa2_slice_make(TLS_TEST_CA1, l1 / 2), &a),
	             FA2_ERR_PARSE);
}

FA2_TEST(tls_server_ctx_errors)
{
	fa2_tls_server_ctx *c = NULL;
	CHECK_OK(fa2_tls_server_ctx_from_pem(fa2_slice_cstr(TLS_TEST_RSA_CERT),
	                                     fa2_slice_cstr(TLS_TEST_RSA_KEY), &c));
	fa2_tls_server_ctx_free(c);
	/* Key of the wrong type for the certificate. */
	CHECK_INT_EQ(fa2_tls_server_ctx_from_pem(fa2_slice_cstr(TLS_TEST_RSA_CERT),
	                                         fa2_slice_cstr(TLS_TEST_EC_KEY), &c),
	             FA2_ERR_CONFIG);
	CHECK(c == NULL);
	CHECK_INT_EQ(fa2_tls_server_ctx_from_pem(fa2_slice_cstr(TLS_TEST_EC_KEY),
	                                         fa2_slice_cstr(TLS_TEST_EC_KEY), &c),
	             FA2_ERR_CONFIG);
	CHECK_INT_EQ(fa2_tls_server_ctx_from_pem(fa2_slice_cstr(TLS_TEST_EC_CERT),
	                                         fa2_slice_cstr(TLS_TEST_EC_CERT), &c),
	             FA2_ERR_CONFIG);
	CHECK_INT_EQ(fa2_tls_server_ctx_from_files("/nonexistent/c.pem", "/nonexistent/k.pem", &c),
	             FA2_ERR_CONFIG);
}

FA2_TEST(tls_error_text)
{
	static const int codes[] = {
		BR_ERR_BAD_PARAM, BR_ERR_UNSUPPORTED_VERSION, BR_ERR_BAD_MAC, BR_ERR_BAD_CIPHER_SUITE,
		BR_ERR_X509_EXPIRED, BR_ERR_X509_BAD_SERVER_NAME, BR_ERR_X509_NOT_TRUSTED,
		BR_ERR_X509_NOT_CA, BR_ERR_X509_WEAK_PUBLIC_KEY, BR_ERR_IO,
	};
	size_t i;
	int c;
	for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		CHECK(strcmp(fa2_tls_strerror(codes[i]), "unknown TLS error") != 0);
		CHECK(strncmp(fa2_tls_errname(codes[i]), "BR_ERR_", 7) == 0);
		CHECK(strcmp(fa2_tls_errname(codes[i]), "BR_ERR_UNKNOWN") != 0);
	}
	/* Every code BearSSL defines between 1 and 62 has a description (11, 30, 61 are
	 * unassigned). */
	for (c = 1; c <= 62; c++) {
		if (c == 11 || c == 30 || c == 61)
			continue;
		CHECK_MSG(strcmp(fa2_tls_strerror(c), "unknown TLS error") != 0, "code %d", c);
	}
	CHECK_STR_EQ(fa2_tls_errname(BR_ERR_RECV_FATAL_ALERT + 48), "BR_ERR_RECV_FATAL_ALERT");
	CHECK_STR_EQ(fa2_tls_strerror(9999), "unknown TLS error");
}

static void torture_setup(void *ctx)
{
	fa2_tls_anchors *a = NULL;
	fa2_tls_server_ctx *s = NULL;
	(void)ctx;
	if (fa2_tls_anchors_from_pem(fa2_slice_cstr(TLS_TEST_CA1), &a) == FA2_OK)
		fa2_tls_anchors_free(a);
	if (fa2_tls_server_ctx_from_pem(fa2_slice_cstr(TLS_TEST_RSA_CERT),
	                                fa2_slice_cstr(TLS_TEST_RSA_KEY), &s) == FA2_OK)
		fa2_tls_server_ctx_free(s);
}

FA2_TEST(tls_alloc_torture)
{
	CHECK(fa2_test_alloc_torture(torture_setup, NULL) > 3);
}
