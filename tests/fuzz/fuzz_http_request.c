/* libFuzzer target: HTTP request head parser, body framing and keep-alive.
 * Invariants: slices lie inside the input; head_len <= size; every prefix shorter than
 * a complete head is PARTIAL (the parser never decides before it has the bytes);
 * parsing the head alone gives the same result. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static fa2_http_request req, req2;

static void check_in(const char *base, size_t size, fa2_slice s)
{
	if (s.len > 0 && (s.ptr < base || s.ptr + s.len > base + size))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	fa2_err err = fa2_http_parse_request(buf, size, &req);
	size_t i, step;

	if (err != FA2_OK && err != FA2_ERR_PARTIAL && err != FA2_ERR_PARSE &&
	    err != FA2_ERR_TOO_LARGE && err != FA2_ERR_UNSUPPORTED)
		abort();
	if (err != FA2_OK)
		return 0;
	if (req.head_len == 0 || req.head_len > size || req.head_len > FA2_MAX_HTTP_HEADER_BYTES)
		abort();
	if (req.num_headers > FA2_MAX_HTTP_HEADERS || req.method.len == 0 || req.target.len == 0)
		abort();
	if (req.minor_version != 0 && req.minor_version != 1)
		abort();
	check_in(buf, req.head_len, req.method);
	check_in(buf, req.head_len, req.target);
	for (i = 0; i < req.num_headers; i++) {
		check_in(buf, req.head_len, req.headers[i].name);
		check_in(buf, req.head_len, req.headers[i].value);
		if (req.headers[i].name.len == 0)
			abort();
	}
	/* The head alone parses identically. */
	if (fa2_http_parse_request(buf, req.head_len, &req2) != FA2_OK ||
	    req2.head_len != req.head_len || req2.num_headers != req.num_headers)
		abort();
	/* Shorter prefixes are incomplete (sampled for long heads). */
	step = req.head_len > 256 ? req.head_len / 128 : 1;
	for (i = 0; i < req.head_len; i += step)
		if (fa2_http_parse_request(buf, i, &req2) != FA2_ERR_PARTIAL)
			abort();
	{
		fa2_http_body b;
		fa2_err e = fa2_http_request_body(&req, FA2_MAX_HTTP_REQ_BODY_BYTES, &b);
		if (e == FA2_OK) {
			if (b.kind == FA2_HTTP_BODY_UNTIL_CLOSE)
				abort();
			if (b.kind == FA2_HTTP_BODY_LENGTH && b.length > FA2_MAX_HTTP_REQ_BODY_BYTES)
				abort();
		} else if (e != FA2_ERR_PARSE && e != FA2_ERR_TOO_LARGE && e != FA2_ERR_UNSUPPORTED) {
			abort();
		}
	}
	(void)fa2_http_keep_alive(req.minor_version, req.headers, req.num_headers);
	return 0;
}
