/* libFuzzer target: the WebSocket client's frame parser and message reassembly, fed the
 * input (as if from a server) in pieces whose sizes come from the first byte. Checks:
 * only the documented results come back, a text message is valid UTF-8 and within the
 * cap, and every queued reply is a well-formed masked frame. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/ws.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_MSG 4096

/* Walks the queued output: every frame must be masked, FIN, with a minimal length. */
static void check_output(fa2_slice out)
{
	const unsigned char *p = (const unsigned char *)out.ptr;
	size_t left = out.len;
	while (left > 0) {
		size_t hl = 2, n;
		if (left < 2 || !(p[0] & 0x80) || !(p[1] & 0x80))
			abort();
		n = p[1] & 127;
		if (n == 126) {
			if (left < 4)
				abort();
			n = ((size_t)p[2] << 8) | p[3];
			hl = 4;
		} else if (n == 127) {
			abort();  /* control replies are <= 125 bytes */
		}
		if ((p[0] & 15) < 8 || n > 125 || left < hl + 4 + n)
			abort();
		p += hl + 4 + n;
		left -= hl + 4 + n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fa2_ws *w;
	fa2_buf m;
	fa2_ws_type t;
	size_t step, off;
	fa2_err err = FA2_ERR_PARTIAL;

	if (size < 1)
		return 0;
	step = (size_t)(data[0] % 17) + 1;
	data++;
	size--;
	if (fa2_ws_new_detached(MAX_MSG, &w) != FA2_OK)
		return 0;
	fa2_buf_init(&m, MAX_MSG);
	for (off = 0; off < size && (err == FA2_OK || err == FA2_ERR_PARTIAL); off += step) {
		size_t n = size - off < step ? size - off : step;
		if (fa2_ws_feed(w, data + off, n) != FA2_OK)
			break;
		while ((err = fa2_ws_next(w, &m, &t)) == FA2_OK) {
			if (m.len > MAX_MSG || (t != FA2_WS_TEXT && t != FA2_WS_BINARY))
				abort();
		}
		if (err != FA2_ERR_PARTIAL && err != FA2_ERR_CLOSED && err != FA2_ERR_PARSE
		    && err != FA2_ERR_TOO_LARGE)
			abort();
	}
	if (err == FA2_ERR_CLOSED && fa2_ws_close_code(w) < 1000)
		abort();
	check_output(fa2_ws_pending_output(w));
	fa2_buf_cleanup(&m);
	fa2_ws_free(w);
	return 0;
}
