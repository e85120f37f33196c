/* libFuzzer target: PEM decoding into trust anchors and into a server certificate +
 * key (the input is split at its first NUL byte into the two files). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fa2_slice all = fa2_slice_make((const char *)data, size), cert = all, key = all;
	fa2_tls_anchors *a = NULL;
	fa2_tls_server_ctx *c = NULL;
	const uint8_t *nul = memchr(data, 0, size);
	fa2_err err;

	err = fa2_tls_anchors_from_pem(all, &a);
	if (err == FA2_OK) {
		if (!a || fa2_tls_anchors_count(a) == 0)
			abort();
		fa2_tls_anchors_free(a);
	} else if (a) {
		abort();
	}
	if (nul) {
		cert = fa2_slice_make((const char *)data, (size_t)(nul - data));
		key = fa2_slice_make((const char *)nul + 1, size - (size_t)(nul - data) - 1);
	}
	err = fa2_tls_server_ctx_from_pem(cert, key, &c);
	if ((err == FA2_OK) != (c != NULL))
		abort();
	fa2_tls_server_ctx_free(c);
	return 0;
}
