/* Hex and base64 (RFC 4648: standard and URL-safe alphabets).
 *
 * Encoders cannot fail except through the output buffer's cap. Decoders are strict:
 * they reject characters outside the alphabet, white space, misplaced or excess
 * padding and non-zero trailing bits, so every accepted input has exactly one encoding. */
#ifndef FA2_CRYPTO_ENCODE_H
#define FA2_CRYPTO_ENCODE_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/slice.h"

/* Writes 2*len lowercase hex characters to out (no NUL). */
void fa2_hex_encode(const void *data, size_t len, char *out);
fa2_err fa2_hex_append(fa2_buf *out, const void *data, size_t len);
/* Decodes hex (either case) into out (capacity cap); *out_len gets the byte count.
 * FA2_ERR_PARSE on odd length or a non-hex character, FA2_ERR_TOO_LARGE when cap is
 * smaller than len/2. out is untouched on error. */
fa2_err fa2_hex_decode(fa2_slice hex, unsigned char *out, size_t cap, size_t *out_len);

typedef enum fa2_b64_variant {
	FA2_B64_STD = 0,      /* A-Z a-z 0-9 + /, padded with '=' */
	FA2_B64_URL,          /* A-Z a-z 0-9 - _, no padding (RFC 4648 section 5, JWT style) */
	FA2_B64_URL_PADDED    /* URL alphabet with '=' padding */
} fa2_b64_variant;

/* Length of the encoding of n bytes (without NUL). 0 on overflow. */
size_t fa2_base64_encoded_len(size_t n, fa2_b64_variant v);
fa2_err fa2_base64_append(fa2_buf *out, const void *data, size_t len, fa2_b64_variant v);
/* Decodes s, appending the bytes to out. FA2_B64_STD requires padding to a multiple of
 * 4; FA2_B64_URL accepts the unpadded form and, for tolerance, correct padding too.
 * FA2_ERR_PARSE on malformed input (out unchanged), FA2_ERR_TOO_LARGE from the cap. */
fa2_err fa2_base64_decode(fa2_slice s, fa2_b64_variant v, fa2_buf *out);

#endif
