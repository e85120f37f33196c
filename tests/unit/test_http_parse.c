/* Unit tests for src/net/http_parse.c: heads, framing, keep-alive, chunked decoding. */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "net/http.h"
#include "test.h"

static fa2_http_request g_req;
static fa2_http_response g_resp;

static fa2_err parse_req_str(const char *s)
{
	return fa2_http_parse_request(s, strlen(s), &g_req);
}

static fa2_err parse_resp_str(const char *s)
{
	return fa2_http_parse_response(s, strlen(s), &g_resp);
}

FA2_TEST(http_request_basic)
{
	const char *s = "GET /healthz?x=1 HTTP/1.1\r\nHost: example.com\r\n"
	                "X-Empty:\r\nX-Pad: \t  padded value \t\r\n\r\nBODY";
	const fa2_slice *v;

	CHECK_INT_EQ(parse_req_str(s), FA2_OK);
	CHECK_SLICE_EQ(g_req.method, "GET");
	CHECK_SLICE_EQ(g_req.target, "/healthz?x=1");
	CHECK_INT_EQ(g_req.minor_version, 1);
	CHECK_INT_EQ(g_req.num_headers, 3);
	CHECK_SLICE_EQ(g_req.headers[0].name, "Host");
	CHECK_SLICE_EQ(g_req.headers[0].value, "example.com");
	CHECK_SLICE_EQ(g_req.headers[1].value, "");
	CHECK_SLICE_EQ(g_req.headers[2].value, "padded value");
	CHECK_INT_EQ(g_req.head_len, strlen(s) - 4);
	/* zero-copy: slices point into the input */
	CHECK(g_req.method.ptr == s);
	v = fa2_http_header_find(g_req.headers, g_req.num_headers, "HOST");
	CHECK(v != NULL);
	CHECK_SLICE_EQ(*v, "example.com");
	CHECK(fa2_http_header_find(g_req.headers, g_req.num_headers, "Hos") == NULL);

	CHECK_INT_EQ(parse_req_str("POST / HTTP/1.0\r\n\r\n"), FA2_OK);
	CHECK_INT_EQ(g_req.minor_version, 0);
	CHECK_INT_EQ(g_req.num_headers, 0);
	/* HTTP/1.9 is answered as 1.1; HTTP/2.0 is not supported */
	CHECK_INT_EQ(parse_req_str("GET / HTTP/1.9\r\n\r\n"), FA2_OK);
	CHECK_INT_EQ(g_req.minor_version, 1);
	CHECK_INT_EQ(parse_req_str("GET / HTTP/2.0\r\n\r\n"), FA2_ERR_UNSUPPORTED);
}

/* Every prefix of a valid request is PARTIAL, the whole is OK: the request is fed
 * one byte more at a time, as if it arrived byte by byte. */
FA2_TEST(http_request_every_split_point)
{
	const char *reqs[] = {
		"GET /a HTTP/1.1\r\nHost: h\r\nAccept: */*\r\n\r\n",
		"\r\nPUT /x/y?z HTTP/1.0\nA: b\nC:d  \n\n",
		"DELETE * HTTP/1.1\r\nX:\r\n\r\n",
	};
	size_t k;

	for (k = 0; k < sizeof reqs / sizeof reqs[0]; k++) {
		size_t n = strlen(reqs[k]), i;
		char *copy = fa2_malloc(n);
		CHECK(copy != NULL);
		memcpy(copy, reqs[k], n);
		for (i = 0; i < n; i++) {
			fa2_err e = fa2_http_parse_request(copy, i, &g_req);
			if (e != FA2_ERR_PARTIAL) {
				fa2_free(copy);
				CHECK_MSG(0, "req %zu prefix %zu: got %s", k, i, fa2_err_name(e));
			}
		}
		{
			fa2_err e = fa2_http_parse_request(copy, n, &g_req);
			fa2_free(copy);
			CHECK_INT_EQ(e, FA2_OK);
			CHECK_INT_EQ(g_req.head_len, n);
		}
	}
}

FA2_TEST(http_request_pipelined)
{
	const char *s = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
	                "POST /2 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
	                "GET /3 HTTP/1.1\r\n\r\n";
	size_t off = 0, len = strlen(s);
	fa2_http_body body;

	CHECK_INT_EQ(fa2_http_parse_request(s + off, len - off, &g_req), FA2_OK);
	CHECK_SLICE_EQ(g_req.target, "/1");
	CHECK_OK(fa2_http_request_body(&g_req, 1000, &body));
	CHECK_INT_EQ(body.kind, FA2_HTTP_BODY_NONE);
	off += g_req.head_len;
	CHECK_INT_EQ(fa2_http_parse_request(s + off, len - off, &g_req), FA2_OK);
	CHECK_SLICE_EQ(g_req.target, "/2");
	CHECK_OK(fa2_http_request_body(&g_req, 1000, &body));
	CHECK_INT_EQ(body.kind, FA2_HTTP_BODY_LENGTH);
	CHECK_INT_EQ(body.length, 3);
	off += g_req.head_len;
	CHECK(memcmp(s + off, "abc", 3) == 0);
	off += 3;
	CHECK_INT_EQ(fa2_http_parse_request(s + off, len - off, &g_req), FA2_OK);
	CHECK_SLICE_EQ(g_req.target, "/3");
	CHECK_INT_EQ(off + g_req.head_len, len);
}

FA2_TEST(http_request_rejects)
{
	static const char *bad[] = {
		"GET /a HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n",       /* obs-fold */
		"GET /a HTTP/1.1\r\nHost: h\r\n\tfolded\r\n\r\n",       /* obs-fold (tab) */
		"GET /a HTTP/1.1\r\n Host: h\r\n\r\n",                  /* leading SP */
		"GET /a HTTP/1.1\r\nHost : h\r\n\r\n",                  /* SP before colon */
		"GET /a HTTP/1.1\r\nHo st: h\r\n\r\n",
		"GET /a HTTP/1.1\r\n: h\r\n\r\n",                       /* empty name */
		"GET /a HTTP/1.1\r\nHost: h\rX: y\r\n\r\n",             /* bare CR */
		"GET /a HTTP/1.1\rHost: h\r\n\r\n",
		"GET /a HTTP/1.1\r\nHost: a\x01b\r\n\r\n",              /* CTL in value */
		"GET /a HTTP/1.1\r\nHost: a\x7f\r\n\r\n",
		"GET  /a HTTP/1.1\r\n\r\n",                             /* double SP */
		"GET /a  HTTP/1.1\r\n\r\n",
		"GET /a HTTP/1.1 \r\n\r\n",
		"GET\t/a HTTP/1.1\r\n\r\n",
		" GET /a HTTP/1.1\r\n\r\n",
		"GET /a\x01 HTTP/1.1\r\n\r\n",
		"GET /\xc3\xa9 HTTP/1.1\r\n\r\n",                       /* non-ASCII target */
		"GET /a HTTP/1.x\r\n\r\n",
		"GET /a HTTQ/1.1\r\n\r\n",
		"GET /a http/1.1\r\n\r\n",
		"G(T /a HTTP/1.1\r\n\r\n",
		"GET /a HTTP/1.1\r\nHost\r\n\r\n",                      /* no colon */
		"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",          /* a TLS ClientHello */
	};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		fa2_err e = parse_req_str(bad[i]);
		CHECK_MSG(e == FA2_ERR_PARSE, "bad[%zu]: got %s", i, fa2_err_name(e));
	}
	/* garbage is rejected early, before any blank line arrives */
	CHECK_INT_EQ(parse_req_str("GET /a HTTP/1.1\r\nHost : "), FA2_ERR_PARSE);
	CHECK_INT_EQ(parse_req_str("\x16\x03"), FA2_ERR_PARSE);
	/* too many leading blank lines */
	CHECK_INT_EQ(parse_req_str("\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n"),
	             FA2_ERR_PARSE);
}

/* Bare LF is accepted as a line end in the head (documented in http.h). */
FA2_TEST(http_request_bare_lf)
{
	CHECK_INT_EQ(parse_req_str("GET / HTTP/1.1\nHost: h\n\n"), FA2_OK);
	CHECK_INT_EQ(g_req.num_headers, 1);
	CHECK_SLICE_EQ(g_req.headers[0].value, "h");
	CHECK_INT_EQ(parse_req_str("GET / HTTP/1.1\r\nHost: h\n\r\n"), FA2_OK);
	CHECK_INT_EQ(g_req.head_len, strlen("GET / HTTP/1.1\r\nHost: h\n\r\n"));
}

FA2_TEST(http_request_caps)
{
	size_t n = FA2_MAX_HTTP_HEADER_BYTES + 100, i, off;
	char *big = fa2_malloc(n);
	fa2_err e;

	CHECK(big != NULL);
	/* one long header value: partial below the cap, TOO_LARGE at it */
	off = (size_t)snprintf(big, n, "GET / HTTP/1.1\r\nX: ");
	for (i = off; i < n; i++)
		big[i] = 'a';
	e = fa2_http_parse_request(big, FA2_MAX_HTTP_HEADER_BYTES - 1, &g_req);
	if (e != FA2_ERR_PARTIAL) {
		fa2_free(big);
		CHECK_MSG(0, "below cap: %s", fa2_err_name(e));
	}
	e = fa2_http_parse_request(big, n, &g_req);
	if (e != FA2_ERR_TOO_LARGE) {
		fa2_free(big);
		CHECK_MSG(0, "at cap: %s", fa2_err_name(e));
	}
	/* too many header fields */
	off = (size_t)snprintf(big, n, "GET / HTTP/1.1\r\n");
	for (i = 0; i <= FA2_MAX_HTTP_HEADERS; i++)
		off += (size_t)snprintf(big + off, n - off, "H%zu: v\r\n", i);
	off += (size_t)snprintf(big + off, n - off, "\r\n");
	e = fa2_http_parse_request(big, off, &g_req);
	if (e != FA2_ERR_TOO_LARGE) {
		fa2_free(big);
		CHECK_MSG(0, "too many headers: %s", fa2_err_name(e));
	}
	/* exactly the maximum is fine */
	off = (size_t)snprintf(big, n, "GET / HTTP/1.1\r\n");
	for (i = 0; i < FA2_MAX_HTTP_HEADERS; i++)
		off += (size_t)snprintf(big + off, n - off, "H%zu: v\r\n", i);
	off += (size_t)snprintf(big + off, n - off, "\r\n");
	e = fa2_http_parse_request(big, off, &g_req);
	fa2_free(big);
	CHECK_INT_EQ(e, FA2_OK);
	CHECK_INT_EQ(g_req.num_headers, FA2_MAX_HTTP_HEADERS);
}

static fa2_err req_body(const char *s, fa2_http_body *b)
{
	fa2_err e = parse_req_str(s);
	if (e)
		return FA2_ERR_INTERNAL;
	return fa2_http_request_body(&g_req, 1000, b);
}

/* Request smuggling: framing the server cannot trust is rejected. */
FA2_TEST(http_request_framing)
{
	fa2_http_body b;
	static const char *bad[] = {
		"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 3, 4\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: +3\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 3 4\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length:\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 18446744073709551616\r\n\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, identity\r\n\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
		"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
	};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		fa2_err e = req_body(bad[i], &b);
		CHECK_MSG(e == FA2_ERR_PARSE, "bad[%zu]: got %s", i, fa2_err_name(e));
	}
	CHECK_INT_EQ(req_body("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", &b),
	             FA2_ERR_UNSUPPORTED);
	CHECK_INT_EQ(req_body("POST / HTTP/1.1\r\nContent-Length: 1001\r\n\r\n", &b),
	             FA2_ERR_TOO_LARGE);
	CHECK_INT_EQ(req_body("POST / HTTP/1.1\r\nContent-Length: 1000\r\n\r\n", &b), FA2_OK);
	CHECK_INT_EQ(b.kind, FA2_HTTP_BODY_LENGTH);
	CHECK_INT_EQ(b.length, 1000);
	/* identical repeats are one length (RFC 9110 section 8.6) */
	CHECK_INT_EQ(req_body("POST / HTTP/1.1\r\nContent-Length: 7\r\ncontent-length: 7, 7\r\n\r\n", &b), FA2_OK);
	CHECK_INT_EQ(b.length, 7);
	CHECK_INT_EQ(req_body("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", &b), FA2_OK);
	CHECK_INT_EQ(b.kind, FA2_HTTP_BODY_LENGTH);
	CHECK_INT_EQ(b.length, 0);
	CHECK_INT_EQ(req_body("POST / HTTP/1.1\r\ntransfer-encoding:  Chunked \r\n\r\n", &b), FA2_OK);
	CHECK_INT_EQ(b.kind, FA2_HTTP_BODY_CHUNKED);
	CHECK_INT_EQ(req_body("GET / HTTP/1.1\r\n\r\n", &b), FA2_OK);
	CHECK_INT_EQ(b.kind, FA2_HTTP_BODY_NONE);
}

FA2_TEST(http_response_parse)
{
	fa2_http_body b;
	const char *s = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: x\r\n\r\nhello";

	CHECK_INT_EQ(parse_resp_str(s), FA2_OK);
	CHECK_INT_EQ(g_resp.status, 200);
	CHECK_SLICE_EQ(g_resp.reason, "OK");
	CHECK_INT_EQ(g_resp.minor_version, 1);
	CHECK_INT_EQ(g_resp.num_headers, 2);
	CHECK_INT_EQ(g_resp.head_len, strlen(s) - 5);
	CHECK_OK(fa2_http_response_body(&g_resp, 0, 100, &b));
	CHECK_INT_EQ(b.kind, FA2_HTTP_BODY_LENGTH);
	CHECK_INT_EQ(b.length, 5);
	CHECK_OK(fa2_http_response_body(&g_resp, 1, 100, &b));
	CHECK_INT_EQ(b.kind, FA2_HTTP_BODY_NONE);
	CHECK_INT_EQ(fa2_http_response_body(&g_resp, 0, 4, &b), FA2_ERR_TOO_LARGE);

	{
		size_t n = strlen(s) - 5, i;
		for (i = 0; i < n; i++)
			CHECK_INT_EQ(fa2_http_parse_response(s, i, &g_resp), FA2_ERR_PARTIAL);
	}

	CHECK_INT_EQ(parse_resp_str("HTTP/1.0 404 Not  Found here\r\n\r\n"), FA2_OK);
	CHECK_SLICE_EQ(g_resp.reason, "Not  Found here");
	CHECK_OK(fa2_http_response_body(&g_resp, 0, 100, &b));
	CHECK_INT_EQ(b.kind, FA2_HTTP_BODY_UNTIL_CLOSE);
	CHECK_INT_EQ(parse_resp_str("HTTP/1.1 204\r\n\r\n"), FA2_OK);
	CHECK_INT_EQ(g_resp.status, 204);
	CHECK_INT_EQ(g_resp.reason.len, 0);
	CHECK_OK(fa2_http_response_body(&g_resp, 0, 100, &b));
	CHECK_INT_EQ(b.kind, FA2_HTTP_BODY_NONE);
	CHECK_INT_EQ(parse_resp_str("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"), FA2_OK);
	CHECK_OK(fa2_http_response_body(&g_resp, 0, 100, &b));
	CHECK_INT_EQ(b.kind, FA2_HTTP_BODY_NONE);
	CHECK_INT_EQ(parse_resp_str("HTTP/1.1 100 Continue\r\n\r\n"), FA2_OK);
	CHECK_OK(fa2_http_response_body(&g_resp, 0, 100, &b));
	CHECK_INT_EQ(b.kind, FA2_HTTP_BODY_NONE);
	CHECK_INT_EQ(parse_resp_str("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), FA2_OK);
	CHECK_OK(fa2_http_response_body(&g_resp, 0, 100, &b));
	CHECK_INT_EQ(b.kind, FA2_HTTP_BODY_CHUNKED);
	CHECK_INT_EQ(parse_resp_str("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n"), FA2_OK);
	CHECK_INT_EQ(fa2_http_response_body(&g_resp, 0, 100, &b), FA2_ERR_PARSE);
	CHECK_INT_EQ(parse_resp_str("HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\n"), FA2_OK);
	CHECK_OK(fa2_http_response_body(&g_resp, 0, 100, &b));
	CHECK_INT_EQ(b.kind, FA2_HTTP_BODY_UNTIL_CLOSE);
	CHECK_INT_EQ(parse_resp_str("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"), FA2_OK);
	CHECK_INT_EQ(fa2_http_response_body(&g_resp, 0, 100, &b), FA2_ERR_PARSE);

	CHECK_INT_EQ(parse_resp_str("HTTP/1.1 20 OK\r\n\r\n"), FA2_ERR_PARSE);
	CHECK_INT_EQ(parse_resp_str("HTTP/1.1 2000 OK\r\n\r\n"), FA2_ERR_PARSE);
	CHECK_INT_EQ(parse_resp_str("HTTP/1.1 099 OK\r\n\r\n"), FA2_ERR_PARSE);
	CHECK_INT_EQ(parse_resp_str("HTTP/2 200 OK\r\n\r\n"), FA2_ERR_PARSE);
	CHECK_INT_EQ(parse_resp_str("HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n"), FA2_ERR_PARSE);
	CHECK_INT_EQ(parse_resp_str("HTTP/1.1 200 O\x01K\r\n\r\n"), FA2_ERR_PARSE);
	CHECK_INT_EQ(parse_resp_str("<html>"), FA2_ERR_PARSE);
}

FA2_TEST(http_keep_alive)
{
	CHECK_OK(parse_req_str("GET / HTTP/1.1\r\n\r\n"));
	CHECK(fa2_http_keep_alive(g_req.minor_version, g_req.headers, g_req.num_headers));
	CHECK_OK(parse_req_str("GET / HTTP/1.1\r\nConnection: Upgrade, CLOSE\r\n\r\n"));
	CHECK(!fa2_http_keep_alive(g_req.minor_version, g_req.headers, g_req.num_headers));
	CHECK_OK(parse_req_str("GET / HTTP/1.1\r\nConnection: closed\r\n\r\n"));
	CHECK(fa2_http_keep_alive(g_req.minor_version, g_req.headers, g_req.num_headers));
	CHECK_OK(parse_req_str("GET / HTTP/1.0\r\n\r\n"));
	CHECK(!fa2_http_keep_alive(g_req.minor_version, g_req.headers, g_req.num_headers));
	CHECK_OK(parse_req_str("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"));
	CHECK(fa2_http_keep_alive(g_req.minor_version, g_req.headers, g_req.num_headers));
	CHECK_OK(parse_req_str("GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n"));
	CHECK(!fa2_http_keep_alive(g_req.minor_version, g_req.headers, g_req.num_headers));
	CHECK(fa2_http_header_has_token(g_req.headers, g_req.num_headers, "connection", "KEEP-ALIVE"));
	CHECK(!fa2_http_header_has_token(g_req.headers, g_req.num_headers, "connection", "upgrade"));
}

/* Decodes `in` fed in pieces of `step` bytes (0: all at once) into out. */
static fa2_err chunked_feed(const char *in, size_t n, size_t step, uint64_t cap,
                            char *out, size_t *out_n, size_t *rest)
{
	fa2_http_chunked d;
	char tmp[512];
	size_t off = 0;
	fa2_err e = FA2_ERR_PARTIAL;

	fa2_http_chunked_init(&d, cap);
	*out_n = 0;
	*rest = 0;
	while (off < n) {
		size_t k = step ? step : n, o, c;
		if (k > n - off)
			k = n - off;
		memcpy(tmp, in + off, k);
		e = fa2_http_chunked_decode(&d, tmp, k, &o, &c);
		memcpy(out + *out_n, tmp, o);
		*out_n += o;
		off += c;
		if (e == FA2_OK) {
			*rest = n - off;
			return FA2_OK;
		}
		if (e != FA2_ERR_PARTIAL)
			return e;
	}
	return e;
}

FA2_TEST(http_chunked_decode)
{
	const char *in = "5\r\nhello\r\n1;ext=\"v\" ; x\r\n \r\nA \r\n0123456789\r\n"
	                 "0\r\nTrailer: t\r\nX: y\r\n\r\nGET / HTTP/1.1";
	size_t n = strlen(in), step, out_n, rest;
	char out[256];

	for (step = 0; step <= n; step++) {
		fa2_err e = chunked_feed(in, n, step, 1000, out, &out_n, &rest);
		CHECK_MSG(e == FA2_OK, "step %zu: %s", step, fa2_err_name(e));
		CHECK_INT_EQ(out_n, 16);
		CHECK(memcmp(out, "hello 0123456789", 16) == 0);
		CHECK_INT_EQ(rest, strlen("GET / HTTP/1.1"));
	}
	/* in place, one shot: the pipelined tail is untouched */
	{
		char b[128];
		fa2_http_chunked d;
		size_t o, c;
		const char *m = "3\r\nabc\r\n0\r\n\r\nNEXT";
		memcpy(b, m, strlen(m));
		fa2_http_chunked_init(&d, 10);
		CHECK_INT_EQ(fa2_http_chunked_decode(&d, b, strlen(m), &o, &c), FA2_OK);
		CHECK_INT_EQ(o, 3);
		CHECK(memcmp(b, "abc", 3) == 0);
		CHECK_INT_EQ(c, strlen(m) - 4);
		CHECK(memcmp(b + c, "NEXT", 4) == 0);
		CHECK(fa2_http_chunked_done(&d));
		CHECK_INT_EQ(d.total, 3);
		CHECK_INT_EQ(fa2_http_chunked_decode(&d, b + c, 4, &o, &c), FA2_OK);
		CHECK_INT_EQ(c, 0);
	}
}

FA2_TEST(http_chunked_rejects)
{
	static const char *bad[] = {
		"\r\n",                         /* no size */
		"x\r\n",
		"-1\r\n",
		"+1\r\n",
		"0x5\r\nhello\r\n0\r\n\r\n",
		"5\nhello\r\n0\r\n\r\n",         /* bare LF after size */
		"5\r\nhello\n0\r\n\r\n",         /* bare LF after data */
		"5\r\nhelloX\r\n0\r\n\r\n",      /* data longer than size */
		"5\rhello\r\n0\r\n\r\n",
		"5;a\nb\r\nhello\r\n0\r\n\r\n",  /* LF inside an extension */
		"5;\x01\r\nhello\r\n0\r\n\r\n",
		"0\r\n\n",                       /* bare LF at the end */
		"0\r\n folded: x\r\n\r\n",
		"0\r\nbad trailer\r\n\r\n",
		"0\r\nT: a\nb\r\n\r\n",
		"0\r\nT: v\r\r\n\r\n",
	};
	size_t i, out_n, rest;
	char out[64];

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		fa2_err e = chunked_feed(bad[i], strlen(bad[i]), 1, 1000, out, &out_n, &rest);
		CHECK_MSG(e == FA2_ERR_PARSE, "bad[%zu] byte-wise: %s", i, fa2_err_name(e));
		e = chunked_feed(bad[i], strlen(bad[i]), 0, 1000, out, &out_n, &rest);
		CHECK_MSG(e == FA2_ERR_PARSE, "bad[%zu] one-shot: %s", i, fa2_err_name(e));
	}
	/* overflowing and over-cap sizes */
	CHECK_INT_EQ(chunked_feed("10000000000000000\r\n", 19, 0, 1000, out, &out_n, &rest),
	             FA2_ERR_TOO_LARGE);
	CHECK_INT_EQ(chunked_feed("ffffffffffffffff\r\n", 18, 0, 1000, out, &out_n, &rest),
	             FA2_ERR_TOO_LARGE);
	CHECK_INT_EQ(chunked_feed("3e9\r\n", 5, 0, 1000, out, &out_n, &rest), FA2_ERR_TOO_LARGE);
	CHECK_INT_EQ(chunked_feed("3e8\r\n", 5, 0, 1000, out, &out_n, &rest), FA2_ERR_PARTIAL);
	/* the cap applies to the running total */
	CHECK_INT_EQ(chunked_feed("2\r\nab\r\n2\r\ncd\r\n", 14, 0, 3, out, &out_n, &rest),
	             FA2_ERR_TOO_LARGE);
	/* leading zeros are fine */
	CHECK_INT_EQ(chunked_feed("00000000000000000000003\r\nabc\r\n0\r\n\r\n", 35, 0, 3, out,
	                          &out_n, &rest), FA2_OK);
	CHECK_INT_EQ(out_n, 3);
}

FA2_TEST(http_reason)
{
	CHECK_STR_EQ(fa2_http_reason(431), "Request Header Fields Too Large");
	CHECK_STR_EQ(fa2_http_reason(200), "OK");
	CHECK_STR_EQ(fa2_http_reason(299), "Unknown");
}
