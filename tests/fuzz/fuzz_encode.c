/* libFuzzer target: hex and base64 decoders. Whatever a strict decoder accepts must
 * encode back to exactly the input (canonical encodings only), and decoding never reads
 * or writes out of bounds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "crypto/encode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fa2_slice s = fa2_slice_make((const char *)data, size);
	unsigned char out[512];
	size_t n;
	fa2_buf d, e;
	int v;

	if (fa2_hex_decode(s, out, sizeof out, &n) == FA2_OK) {
		fa2_buf_init(&e, 4096);
		if (fa2_hex_append(&e, out, n) != FA2_OK || e.len != size)
			abort();
		for (n = 0; n < size; n++) {
			char c = (char)data[n];
			if (c >= 'A' && c <= 'F')
				c = (char)(c - 'A' + 'a');
			if (e.data[n] != c)
				abort();
		}
		fa2_buf_cleanup(&e);
	}
	for (v = 0; v < 3; v++) {
		fa2_buf_init(&d, 1u << 16);
		fa2_buf_init(&e, 1u << 17);
		if (fa2_base64_decode(s, (fa2_b64_variant)v, &d) == FA2_OK) {
			if (fa2_base64_append(&e, d.data ? d.data : "", d.len, (fa2_b64_variant)v) != FA2_OK)
				abort();
			/* URL decoding tolerates padding; compare without it then. */
			if (v == FA2_B64_URL) {
				size_t m = size;
				while (m > 0 && data[m - 1] == '=')
					m--;
				if (e.len != m || memcmp(e.data ? e.data : "", data, m) != 0)
					abort();
			} else if (e.len != size || memcmp(e.data ? e.data : "", data, size) != 0) {
				abort();
			}
		} else if (d.len != 0) {
			abort(); /* out unchanged on error */
		}
		fa2_buf_cleanup(&d);
		fa2_buf_cleanup(&e);
	}
	return 0;
}
