/* Unit tests for src/net/server.c, in process: the loop runs on a thread, the test talks
 * to it over loopback sockets. Covers routing, pipelining order with a deferred request,
 * the worker hand-off, chunked request bodies, graceful stop with work in flight,
 * listen address parsing, routing on the head (411/413/404 with the body skipped), the
 * request-buffer budget and the per-peer connection cap. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "net/server.h"
#include "test.h"

typedef struct run_ctx {
	fa2_server *srv;
	fa2_err result;
} run_ctx;

static void *run_thread(void *arg)
{
	run_ctx *r = arg;
	r->result = fa2_server_run(r->srv);
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

static void on_sync(fa2_server_req *req, void *ctx)
{
	(void)ctx;
	(void)fa2_server_respond(req, 200, "text/plain", NULL, "sync", 4);
}

static void on_echo(fa2_server_req *req, void *ctx)
{
	fa2_slice b = fa2_server_req_body(req);
	(void)ctx;
	(void)fa2_server_respond(req, 201, "application/octet-stream", "X-Test: 1\r\n", b.ptr, b.len);
}

static void *worker(void *arg)
{
	fa2_server_req *req = arg;
	char body[64];
	/* The request stays readable on the worker until completion. */
	fa2_slice q = fa2_server_req_query(req);
	int n = snprintf(body, sizeof body, "deferred %.*s", FA2_SLICE_FMT(q));
	sleep_ms(150);
	fa2_server_complete(req, 200, "text/plain", NULL, body, (size_t)n);
	return NULL;
}

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static int g_deferred;  /* requests handed to workers so far */

static int deferred_count(void)
{
	int n;
	pthread_mutex_lock(&g_mu);
	n = g_deferred;
	pthread_mutex_unlock(&g_mu);
	return n;
}

static void on_defer(fa2_server_req *req, void *ctx)
{
	pthread_t th;
	pthread_mutex_lock(&g_mu);
	g_deferred++;
	pthread_mutex_unlock(&g_mu);
	fa2_server_req *d = fa2_server_defer(req);
	(void)ctx;
	if (!d || pthread_create(&th, NULL, worker, d) != 0) {
		if (d)
			fa2_server_complete(d, 500, NULL, NULL, "", 0);
		return;
	}
	pthread_detach(th);
}

/* Connects from the loopback address 127.0.0.N (a distinct peer each). */
static int connect_from(int port, int n)
{
	struct sockaddr_in a;
	struct timeval tv = { 5, 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(0x7f000000u | (unsigned)n);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		return -1;
	}
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int connect_to(int port)
{
	return connect_from(port, 1);
}

/* Sends req, reads until EOF into out (NUL-terminated). Returns bytes read. */
static size_t exchange(int port, const char *req, char *out, size_t cap)
{
	size_t got = 0;
	int fd = connect_to(port);
	if (fd < 0)
		return 0;
	if (send(fd, req, strlen(req), 0) < 0) {
		close(fd);
		return 0;
	}
	for (;;) {
		ssize_t n = recv(fd, out + got, cap - 1 - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got >= cap - 1)
			break;
	}
	out[got] = '\0';
	close(fd);
	return got;
}

static size_t g_max_body = 1000;
static size_t g_max_buffered;       /* 0: the default */
static size_t g_per_peer;  /* 0: the default */
static size_t g_max_conns; /* 0: the default */

static fa2_err start(fa2_server **srv, run_ctx *rc, pthread_t *th, int *port)
{
	fa2_server_config cfg;
	fa2_err err;

	fa2_server_config_default(&cfg);
	cfg.header_timeout_ms = 2000;
	cfg.max_body = g_max_body;
	cfg.max_buffered = g_max_buffered;
	if (g_per_peer)
		cfg.max_conns_per_peer = g_per_peer;
	if (g_max_conns)
		cfg.max_conns = g_max_conns;
	err = fa2_server_new(&cfg, srv);
	if (err)
		return err;
	err = fa2_server_listen(*srv, "127.0.0.1:0");
	if (!err)
		err = fa2_server_route(*srv, "GET", "/sync", on_sync, NULL);
	if (!err)
		err = fa2_server_route(*srv, "POST", "/echo", on_echo, NULL);
	if (!err)
		err = fa2_server_route(*srv, "GET", "/defer", on_defer, NULL);
	if (err) {
		fa2_server_free(*srv);
		*srv = NULL;
		return err;
	}
	*port = fa2_server_port(*srv, 0);
	rc->srv = *srv;
	rc->result = FA2_ERR_INTERNAL;
	if (pthread_create(th, NULL, run_thread, rc) != 0) {
		fa2_server_free(*srv);
		*srv = NULL;
		return FA2_ERR_INTERNAL;
	}
	return FA2_OK;
}

FA2_TEST(server_pipelined_with_worker)
{
	fa2_server *srv = NULL;
	run_ctx rc;
	pthread_t th;
	int port = 0;
	static char out[8192];
	const char *p1, *p2, *p3, *p4;
	fa2_server_stats st;

	CHECK_OK(start(&srv, &rc, &th, &port));
	CHECK(port > 0);
	/* The deferred answer must come first although /sync is ready at once. */
	exchange(port,
	         "GET /defer?a=1 HTTP/1.1\r\nHost: x\r\n\r\n"
	         "GET /sync HTTP/1.1\r\nHost: x\r\n\r\n"
	         "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	         "3\r\nabc\r\n4;x=y\r\ndefg\r\n0\r\nT: 1\r\n\r\n"
	         "GET /missing HTTP/1.1\r\nConnection: close\r\n\r\n",
	         out, sizeof out);
	p1 = strstr(out, "deferred a=1");
	p2 = strstr(out, "\r\n\r\nsync");
	p3 = strstr(out, "HTTP/1.1 201 Created");
	p4 = strstr(out, "HTTP/1.1 404 Not Found");
	fa2_server_stop(srv);
	pthread_join(th, NULL);
	fa2_server_get_stats(srv, &st);
	fa2_server_free(srv);
	CHECK_MSG(p1 && p2 && p3 && p4, "responses: %s", out);
	CHECK(p1 < p2 && p2 < p3 && p3 < p4);
	CHECK(strstr(p3, "X-Test: 1\r\n") != NULL);
	CHECK(strstr(p3, "\r\n\r\nabcdefg") != NULL);
	CHECK(strstr(p4, "Connection: close\r\n") != NULL);
	CHECK_INT_EQ(rc.result, FA2_OK);
	CHECK_INT_EQ(st.requests, 4);
}

FA2_TEST(server_errors_and_head)
{
	fa2_server *srv = NULL;
	run_ctx rc;
	pthread_t th;
	int port = 0;
	static char out[4096];
	int ok413, ok405, ok_head, ok400;

	CHECK_OK(start(&srv, &rc, &th, &port));
	exchange(port, "POST /echo HTTP/1.1\r\nContent-Length: 1001\r\n\r\n", out, sizeof out);
	ok413 = strncmp(out, "HTTP/1.1 413 ", 13) == 0 && strstr(out, "Connection: close") != NULL;
	exchange(port, "DELETE /sync HTTP/1.1\r\n\r\n", out, sizeof out);
	ok405 = strncmp(out, "HTTP/1.1 405 ", 13) == 0 && strstr(out, "Allow: GET\r\n") != NULL;
	exchange(port, "HEAD /sync HTTP/1.1\r\nConnection: close\r\n\r\n", out, sizeof out);
	ok_head = strncmp(out, "HTTP/1.1 200 ", 13) == 0 && strstr(out, "Content-Length: 4\r\n") &&
	          strcmp(strstr(out, "\r\n\r\n"), "\r\n\r\n") == 0;
	exchange(port, "POST /echo HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", out,
	         sizeof out);
	ok400 = strncmp(out, "HTTP/1.1 400 ", 13) == 0;
	fa2_server_stop(srv);
	pthread_join(th, NULL);
	fa2_server_free(srv);
	CHECK(ok413);
	CHECK(ok405);
	CHECK(ok_head);
	CHECK(ok400);
}

typedef struct late_ctx {
	int port;
	char out[1024];
} late_ctx;

static void *late_client(void *arg)
{
	late_ctx *l = arg;
	exchange(l->port, "GET /defer?z HTTP/1.1\r\nHost: x\r\n\r\n", l->out, sizeof l->out);
	return NULL;
}

/* A stop while a worker holds a request: the request is answered (with close), then
 * the loop returns. */
FA2_TEST(server_stop_waits_for_worker)
{
	fa2_server *srv = NULL;
	run_ctx rc;
	pthread_t th, cl;
	int port = 0, before, i;
	static late_ctx l;

	CHECK_OK(start(&srv, &rc, &th, &port));
	l.port = port;
	l.out[0] = '\0';
	before = deferred_count();
	pthread_create(&cl, NULL, late_client, &l);
	for (i = 0; i < 500 && deferred_count() == before; i++)
		sleep_ms(10);
	fa2_server_stop(srv);
	pthread_join(cl, NULL);
	pthread_join(th, NULL);
	fa2_server_free(srv);
	CHECK_INT_EQ(rc.result, FA2_OK);
	CHECK_MSG(strncmp(l.out, "HTTP/1.1 200 ", 13) == 0, "got %s", l.out);
	CHECK(strstr(l.out, "Connection: close\r\n") != NULL);
	CHECK(strstr(l.out, "deferred z") != NULL);
}

FA2_TEST(server_listen_addresses)
{
	static const char *bad[] = { "", "nonsense", "1.2.3.4", "[::1]", "[::1]80", ":99999",
	                             "127.0.0.1:", "::1:80", "127.0.0.1:8o", "[]:80" };
	fa2_server *srv = NULL;
	size_t i;

	CHECK_OK(fa2_server_new(NULL, &srv));
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		fa2_err e = fa2_server_listen(srv, bad[i]);
		if (e != FA2_ERR_INVALID) {
			fa2_server_free(srv);
			CHECK_MSG(0, "'%s': %s", bad[i], fa2_err_name(e));
		}
	}
	{
		fa2_err e = fa2_server_listen(srv, "127.0.0.1:0");
		int p = fa2_server_port(srv, 0);
		fa2_server_free(srv);
		CHECK_INT_EQ(e, FA2_OK);
		CHECK(p > 0);
	}
}

/* A body much larger than the first read buffer: the buffer grows under a parsed head. */
FA2_TEST(server_large_body)
{
	fa2_server *srv = NULL;
	run_ctx rc;
	pthread_t th;
	int port = 0, fd;
	size_t n = 300000, i, got = 0;
	static char req[310000], out[320000];
	int hl;

	g_max_body = 400000;
	if (start(&srv, &rc, &th, &port) != FA2_OK) {
		g_max_body = 1000;
		CHECK(0);
	}
	g_max_body = 1000;
	hl = snprintf(req, sizeof req, "POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	              "Content-Length: %zu\r\n\r\n", n);
	for (i = 0; i < n; i++)
		req[(size_t)hl + i] = (char)('a' + i % 26);
	fd = connect_to(port);
	if (fd >= 0) {
		size_t off = 0;
		while (off < (size_t)hl + n) {
			ssize_t k = send(fd, req + off, (size_t)hl + n - off, 0);
			if (k <= 0)
				break;
			off += (size_t)k;
		}
		for (;;) {
			ssize_t k = recv(fd, out + got, sizeof out - 1 - got, 0);
			if (k <= 0)
				break;
			got += (size_t)k;
		}
		close(fd);
	}
	out[got] = '\0';
	fa2_server_stop(srv);
	pthread_join(th, NULL);
	fa2_server_free(srv);
	CHECK(fd >= 0);
	CHECK_MSG(strncmp(out, "HTTP/1.1 201 ", 13) == 0, "got %.60s", out);
	{
		const char *b = strstr(out, "\r\n\r\n");
		CHECK(b != NULL);
		b += 4;
		CHECK_INT_EQ(got - (size_t)(b - out), n);
		CHECK(memcmp(b, req + hl, n) == 0);
	}
}

static void torture_setup(void *ctx)
{
	fa2_server *srv = NULL;
	(void)ctx;
	if (fa2_server_new(NULL, &srv) != FA2_OK)
		return;
	if (fa2_server_listen(srv, "127.0.0.1:0") == FA2_OK)
		(void)fa2_server_route(srv, "GET", "/sync", on_sync, NULL);
	fa2_server_free(srv);
}

/* Every allocation of server set-up may fail without leaks or crashes. */
FA2_TEST(server_alloc_torture)
{
	unsigned long runs = fa2_test_alloc_torture(torture_setup, NULL);
	CHECK(runs >= 4);
}

/* Sends data on fd and reads one response (up to its blank line and a short body). */
static size_t send_recv(int fd, const char *data, char *out, size_t cap)
{
	size_t got = 0;
	if (send(fd, data, strlen(data), 0) < 0)
		return 0;
	while (got < cap - 1) {
		ssize_t n = recv(fd, out + got, cap - 1 - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
		out[got] = '\0';
		if (strstr(out, "\r\n\r\n") && got > (size_t)(strstr(out, "\r\n\r\n") - out) + 4)
			break;
	}
	out[got] = '\0';
	return got;
}

/* Routing happens on the head: no body is stored for a request nobody takes. */
FA2_TEST(server_route_on_head)
{
	fa2_server *srv = NULL;
	run_ctx rc;
	pthread_t th;
	int port = 0;
	static char o411[1024], o413[1024], o404[2048], ochunk[2048];
	fa2_server_stats st;

	CHECK_OK(start(&srv, &rc, &th, &port));
	exchange(port, "POST /echo HTTP/1.1\r\nHost: x\r\n\r\n", o411, sizeof o411);
	exchange(port, "GET /sync HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", o413, sizeof o413);
	exchange(port, "POST /missing HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
	               "GET /sync HTTP/1.1\r\nConnection: close\r\n\r\n", o404, sizeof o404);
	exchange(port, "DELETE /sync HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	               "3\r\nabc\r\n0\r\n\r\nGET /sync HTTP/1.1\r\nConnection: close\r\n\r\n",
	         ochunk, sizeof ochunk);
	fa2_server_stop(srv);
	pthread_join(th, NULL);
	fa2_server_get_stats(srv, &st);
	fa2_server_free(srv);
	CHECK_MSG(strncmp(o411, "HTTP/1.1 411 ", 13) == 0, "got %s", o411);
	CHECK_MSG(strncmp(o413, "HTTP/1.1 413 ", 13) == 0, "got %s", o413);
	CHECK_MSG(strncmp(o404, "HTTP/1.1 404 ", 13) == 0 && strstr(o404, "\r\n\r\nsync"),
	          "got %s", o404);
	CHECK_MSG(strncmp(ochunk, "HTTP/1.1 405 ", 13) == 0 && strstr(ochunk, "\r\n\r\nsync"),
	          "got %s", ochunk);
	CHECK_INT_EQ(st.buffered_bytes, 0);
	CHECK(st.buffered_peak > 0 && st.buffered_peak <= 4096);
}

/* Bodies share one budget: one that does not fit gets 503 before it is read, small
 * requests still pass, and the budget comes back when the held body completes. */
FA2_TEST(server_buffer_budget)
{
	fa2_server *srv = NULL;
	run_ctx rc;
	pthread_t th;
	int port = 0, a, b;
	static char out_b[1024], out_sync[1024], out_a[1024], out_b2[40000];
	static char body[30001];
	char head[128];
	fa2_server_stats st;

	g_max_body = 40000;
	g_max_buffered = 64 * 1024;  /* bodies may use 48 KiB */
	if (start(&srv, &rc, &th, &port) != FA2_OK) {
		g_max_body = 1000;
		g_max_buffered = 0;
		CHECK(0);
	}
	g_max_body = 1000;
	g_max_buffered = 0;
	memset(body, 'q', sizeof body - 1);
	snprintf(head, sizeof head, "POST /echo HTTP/1.1\r\nContent-Length: 30000\r\n\r\n");
	a = connect_to(port);
	b = connect_to(port);
	if (a >= 0 && send(a, head, strlen(head), 0) > 0 && send(a, body, 10, 0) > 0) {
		sleep_ms(100);
		send_recv(b, head, out_b, sizeof out_b);  /* 30000 more do not fit */
		exchange(port, "GET /sync HTTP/1.1\r\nConnection: close\r\n\r\n", out_sync, sizeof out_sync);
		send_recv(a, body + 10, out_a, sizeof out_a);
	}
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	sleep_ms(100);
	{
		static char req2[31000];
		snprintf(req2, sizeof req2, "%s%sGET /x HTTP/1.1\r\nConnection: close\r\n\r\n", head, body);
		exchange(port, req2, out_b2, sizeof out_b2);
	}
	fa2_server_stop(srv);
	pthread_join(th, NULL);
	fa2_server_get_stats(srv, &st);
	fa2_server_free(srv);
	CHECK_MSG(strncmp(out_b, "HTTP/1.1 503 ", 13) == 0 && strstr(out_b, "Retry-After: 1\r\n"),
	          "second body: %s", out_b);
	CHECK_MSG(strncmp(out_sync, "HTTP/1.1 200 ", 13) == 0, "small request: %s", out_sync);
	CHECK_MSG(strncmp(out_a, "HTTP/1.1 201 ", 13) == 0, "held body: %.80s", out_a);
	CHECK_MSG(strncmp(out_b2, "HTTP/1.1 201 ", 13) == 0, "body after the budget freed: %.80s", out_b2);
	CHECK_INT_EQ(st.rejected_budget, 1);
	CHECK(st.buffered_peak <= 64 * 1024);
	CHECK_INT_EQ(st.buffered_bytes, 0);
}

/* max_conns_per_peer: the peer's next connection gets 503 until one closes. */
FA2_TEST(server_per_peer_cap)
{
	fa2_server *srv = NULL;
	run_ctx rc;
	pthread_t th;
	int port = 0, fds[2], i;
	static char third[512], after[512];
	fa2_server_stats st;

	g_per_peer = 2;
	if (start(&srv, &rc, &th, &port) != FA2_OK) {
		g_per_peer = 0;
		CHECK(0);
	}
	g_per_peer = 0;
	for (i = 0; i < 2; i++)
		fds[i] = connect_to(port);
	sleep_ms(100);
	exchange(port, "GET /sync HTTP/1.1\r\nConnection: close\r\n\r\n", third, sizeof third);
	if (fds[0] >= 0)
		close(fds[0]);
	sleep_ms(100);
	exchange(port, "GET /sync HTTP/1.1\r\nConnection: close\r\n\r\n", after, sizeof after);
	if (fds[1] >= 0)
		close(fds[1]);
	fa2_server_stop(srv);
	pthread_join(th, NULL);
	fa2_server_get_stats(srv, &st);
	fa2_server_free(srv);
	CHECK_MSG(strncmp(third, "HTTP/1.1 503 ", 13) == 0, "third connection: %s", third);
	CHECK_MSG(strncmp(after, "HTTP/1.1 200 ", 13) == 0, "after one closed: %s", after);
	CHECK_INT_EQ(st.rejected_peer, 1);
}

/* 1 when a request on fd is answered 200 (the connection was admitted). */
static int served(int fd)
{
	char out[512];
	if (fd < 0)
		return 0;
	out[0] = '\0';
	send_recv(fd, "GET /sync HTTP/1.1\r\nHost: x\r\n\r\n", out, sizeof out);
	return strncmp(out, "HTTP/1.1 200 ", 13) == 0;
}

/* The peer table under churn: a 16-slot table (max_conns 7) with many peers coming and
 * going keeps exact counts (removal shifts colliding entries back). */
FA2_TEST(server_per_peer_table_churn)
{
	fa2_server *srv = NULL;
	run_ctx rc;
	pthread_t th;
	int port = 0, fd[40], round, i, bad = 0, extra;
	fa2_server_stats st;

	for (i = 0; i < 40; i++)
		fd[i] = -1;
	g_per_peer = 1;
	g_max_conns = 7;
	if (start(&srv, &rc, &th, &port) != FA2_OK) {
		g_per_peer = 0;
		g_max_conns = 0;
		CHECK(0);
	}
	g_per_peer = 0;
	g_max_conns = 0;
	for (round = 0; round < 6 && !bad; round++) {
		/* six peers, a different mix each round */
		for (i = 0; i < 6; i++) {
			int peer = 2 + (round * 5 + i * 7) % 37;
			fd[i] = connect_from(port, peer);
			if (!served(fd[i]))
				bad = 1;
		}
		/* a second connection from each of them is refused */
		for (i = 0; i < 6 && !bad; i++) {
			int peer = 2 + (round * 5 + i * 7) % 37;
			extra = connect_from(port, peer);
			if (served(extra))
				bad = 2;
			if (extra >= 0)
				close(extra);
		}
		for (i = 0; i < 6; i++) {
			if (fd[i] >= 0)
				close(fd[i]);
			fd[i] = -1;
		}
		sleep_ms(150);
	}
	fa2_server_stop(srv);
	pthread_join(th, NULL);
	fa2_server_get_stats(srv, &st);
	fa2_server_free(srv);
	CHECK_MSG(bad == 0, "round %d: %s", round, bad == 1 ? "a first connection was refused"
	                                                   : "a second connection was admitted");
	CHECK_INT_EQ(st.rejected_peer, 36);
}
