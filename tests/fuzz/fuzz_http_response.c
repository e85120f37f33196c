/* libFuzzer target: HTTP response head parser, response body framing, and the chunked
 * decoder on whatever follows a chunked head (as the client uses them). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static fa2_http_response resp, resp2;
static char body[1 << 16];

static void check_in(const char *base, size_t size, fa2_slice s)
{
	if (s.len > 0 && (s.ptr < base || s.ptr + s.len > base + size))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	fa2_err err = fa2_http_parse_response(buf, size, &resp);
	fa2_http_body b;
	size_t i, step;

	if (err != FA2_OK && err != FA2_ERR_PARTIAL && err != FA2_ERR_PARSE &&
	    err != FA2_ERR_TOO_LARGE)
		abort();
	if (err != FA2_OK)
		return 0;
	if (resp.head_len == 0 || resp.head_len > size || resp.status < 100 || resp.status > 999)
		abort();
	if (resp.num_headers > FA2_MAX_HTTP_HEADERS)
		abort();
	check_in(buf, resp.head_len, resp.reason);
	for (i = 0; i < resp.num_headers; i++) {
		check_in(buf, resp.head_len, resp.headers[i].name);
		check_in(buf, resp.head_len, resp.headers[i].value);
	}
	step = resp.head_len > 256 ? resp.head_len / 128 : 1;
	for (i = 0; i < resp.head_len; i += step)
		if (fa2_http_parse_response(buf, i, &resp2) != FA2_ERR_PARTIAL)
			abort();
	if (fa2_http_response_body(&resp, 1, FA2_MAX_HTTP_BODY_BYTES, &b) != FA2_OK ||
	    b.kind != FA2_HTTP_BODY_NONE)
		abort();
	err = fa2_http_response_body(&resp, 0, FA2_MAX_HTTP_BODY_BYTES, &b);
	if (err == FA2_OK && b.kind == FA2_HTTP_BODY_CHUNKED) {
		fa2_http_chunked d;
		size_t n = size - resp.head_len, o, c;
		if (n > sizeof body)
			n = sizeof body;
		memcpy(body, buf + resp.head_len, n);
		fa2_http_chunked_init(&d, FA2_MAX_HTTP_BODY_BYTES);
		err = fa2_http_chunked_decode(&d, body, n, &o, &c);
		if (o > c || c > n)
			abort();
		if (err == FA2_ERR_PARTIAL && c != n)
			abort();
	}
	(void)fa2_http_keep_alive(resp.minor_version, resp.headers, resp.num_headers);
	return 0;
}
