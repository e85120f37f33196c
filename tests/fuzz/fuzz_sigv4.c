/* libFuzzer target: SigV4 canonicalisation of untrusted paths, queries and headers.
 * Input: path \n query \n header-name \n header-value. Properties: signing never fails
 * except through caps; a canonical query canonicalises to itself; a normalised
 * canonical URI has no empty or dot segments left. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sigv4.h"
#include "base/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fa2_slice in = fa2_slice_make((const char *)data, size), part[4];
	fa2_sigv4_header h[2];
	fa2_sigv4_request req;
	fa2_sigv4_params p;
	fa2_sigv4_result res;
	fa2_buf a, b;
	int i;
	fa2_err e;

	for (i = 0; i < 3; i++) {
		fa2_slice rest;
		if (!fa2_slice_split(in, '\n', &part[i], &rest))
			rest = FA2_SLICE_EMPTY;
		in = rest;
	}
	part[3] = in;

	fa2_buf_init(&a, FA2_MAX_SIGV4_BYTES);
	fa2_buf_init(&b, FA2_MAX_SIGV4_BYTES);
	if (fa2_sigv4_canonical_query(&a, part[1], FA2_SLICE_EMPTY) == FA2_OK) {
		if (fa2_sigv4_canonical_query(&b, fa2_buf_slice(&a), FA2_SLICE_EMPTY) != FA2_OK ||
		    !fa2_slice_eq(fa2_buf_slice(&a), fa2_buf_slice(&b)))
			abort();
	}
	fa2_buf_reset(&a);
	fa2_buf_reset(&b);
	if (fa2_sigv4_canonical_uri(&a, part[0], 0) == FA2_OK) {
		/* The canonical URI has no dot segments or empty segments left. */
		if (fa2_slice_find(fa2_buf_slice(&a), FA2_SLICE_LIT("//")) >= 0 ||
		    fa2_slice_find(fa2_buf_slice(&a), FA2_SLICE_LIT("/./")) >= 0 ||
		    fa2_slice_find(fa2_buf_slice(&a), FA2_SLICE_LIT("/../")) >= 0)
			abort();
	}
	fa2_buf_cleanup(&a);
	fa2_buf_cleanup(&b);

	memset(&req, 0, sizeof req);
	memset(&p, 0, sizeof p);
	h[0].name = FA2_SLICE_LIT("Host");
	h[0].value = FA2_SLICE_LIT("example.amazonaws.com");
	h[1].name = part[2];
	h[1].value = part[3];
	req.method = FA2_SLICE_LIT("GET");
	req.path = part[0];
	req.query = part[1];
	req.headers = h;
	req.n_headers = 2;
	p.access_key_id = FA2_SLICE_LIT("AKID");
	p.secret_access_key = FA2_SLICE_LIT("secret");
	p.session_token = part[3];
	p.region = FA2_SLICE_LIT("us-east-1");
	p.service = FA2_SLICE_LIT("logs");
	p.expires_s = 60;
	fa2_sigv4_result_init(&res);
	e = fa2_sigv4_sign_headers(&req, &p, &res);
	if (e && e != FA2_ERR_TOO_LARGE)
		abort();
	if (!e && strlen(res.signature) != 64)
		abort();
	e = fa2_sigv4_presign(&req, &p, &res);
	if (e && e != FA2_ERR_TOO_LARGE)
		abort();
	fa2_sigv4_result_cleanup(&res);
	return 0;
}
