/* libFuzzer target: chunked decoder. Differential check: decoding the input in one shot,
 * split in two at every offset (sampled for long inputs) and byte by byte must give the
 * same result code, the same decoded bytes and the same number of bytes consumed.
 * The first input byte selects the cap so that the TOO_LARGE path is reached. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXIN 8192
static char work[MAXIN], ref_out[MAXIN], out[MAXIN];

typedef struct result {
	fa2_err err;
	size_t out_len;
	size_t consumed;
} result;

/* Feeds in[0, n) in pieces whose boundaries are at cut (or byte-wise when bytewise). */
static result feed(const char *in, size_t n, uint64_t cap, size_t cut, int bytewise, char *dst)
{
	fa2_http_chunked d;
	result r = { FA2_ERR_PARTIAL, 0, 0 };
	size_t off = 0;

	fa2_http_chunked_init(&d, cap);
	while (off < n) {
		size_t k = bytewise ? 1 : (off < cut ? cut - off : n - off), o, c;
		fa2_err e;
		memcpy(work, in + off, k);
		e = fa2_http_chunked_decode(&d, work, k, &o, &c);
		if (o > c || c > k)
			abort();
		if (e == FA2_ERR_PARTIAL && c != k)
			abort();
		memcpy(dst + r.out_len, work, o);
		r.out_len += o;
		off += c;
		r.consumed = off;
		r.err = e;
		if (e != FA2_ERR_PARTIAL)
			break;
	}
	if (r.err == FA2_OK && !fa2_http_chunked_done(&d))
		abort();
	if (r.err == FA2_OK && d.total != r.out_len)
		abort();
	return r;
}

static void same(result a, result b)
{
	if (a.err != b.err || a.out_len != b.out_len || a.consumed != b.consumed)
		abort();
	if (memcmp(ref_out, out, a.out_len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in;
	uint64_t cap;
	size_t n, cut, step;
	result ref;

	if (size < 1 || size > MAXIN)
		return 0;
	cap = data[0] & 0x80 ? FA2_MAX_HTTP_BODY_BYTES : (uint64_t)(data[0] & 0x7f) * 4;
	in = (const char *)data + 1;
	n = size - 1;
	ref = feed(in, n, cap, n, 0, ref_out);
	if (ref.out_len > cap)
		abort();
	same(ref, feed(in, n, cap, 0, 1, out));
	step = n > 512 ? n / 256 : 1;
	for (cut = 1; cut < n; cut += step)
		same(ref, feed(in, n, cap, cut, 0, out));
	return 0;
}
