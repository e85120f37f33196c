/* SHA-256 (thin wrapper over BearSSL's br_sha256) and HMAC-SHA256 (RFC 2104, our own).
 *
 * Contexts are plain structs the caller owns; none allocates. A context may be copied
 * (struct assignment) to fork a running hash, which fa2_hmac_sha256_key uses to keep
 * the keyed inner and outer states so a key is absorbed once and used many times. */
#ifndef FA2_CRYPTO_SHA256_H
#define FA2_CRYPTO_SHA256_H

#include <stddef.h>

#include "bearssl_hash.h"

#define FA2_SHA256_LEN       32u
#define FA2_SHA256_BLOCK_LEN 64u
#define FA2_SHA256_HEX_LEN   64u

typedef struct fa2_sha256 {
	br_sha256_context br;
} fa2_sha256;

void fa2_sha256_init(fa2_sha256 *c);
void fa2_sha256_update(fa2_sha256 *c, const void *data, size_t len);
/* Writes the digest; the context is left usable (more updates continue the stream). */
void fa2_sha256_final(const fa2_sha256 *c, unsigned char out[FA2_SHA256_LEN]);
/* One-shot digest. */
void fa2_sha256_digest(const void *data, size_t len, unsigned char out[FA2_SHA256_LEN]);
/* One-shot digest as 64 lowercase hex characters plus a NUL (out needs 65 bytes). */
void fa2_sha256_hex(const void *data, size_t len, char out[FA2_SHA256_HEX_LEN + 1]);

/* A key prepared for HMAC-SHA256: the hash states after absorbing key^ipad and key^opad.
 * Holds key-derived material: wipe with fa2_hmac_sha256_key_wipe when done. */
typedef struct fa2_hmac_sha256_key {
	fa2_sha256 inner;
	fa2_sha256 outer;
} fa2_hmac_sha256_key;

/* A running MAC computation (init, update*, final). */
typedef struct fa2_hmac_sha256 {
	fa2_sha256 inner;
	const fa2_hmac_sha256_key *key;  /* borrowed; must outlive the computation */
} fa2_hmac_sha256;

/* Prepares key (any length; keys longer than the 64-byte block are hashed first,
 * RFC 2104 section 2). key may be NULL when key_len is 0. */
void fa2_hmac_sha256_key_init(fa2_hmac_sha256_key *k, const void *key, size_t key_len);
void fa2_hmac_sha256_key_wipe(fa2_hmac_sha256_key *k);

void fa2_hmac_sha256_init(fa2_hmac_sha256 *m, const fa2_hmac_sha256_key *k);
void fa2_hmac_sha256_update(fa2_hmac_sha256 *m, const void *data, size_t len);
void fa2_hmac_sha256_final(fa2_hmac_sha256 *m, unsigned char out[FA2_SHA256_LEN]);

/* One-shot MAC with a prepared key / with a raw key. */
void fa2_hmac_sha256_keyed(const fa2_hmac_sha256_key *k, const void *msg, size_t msg_len,
                           unsigned char out[FA2_SHA256_LEN]);
void fa2_hmac_sha256_digest(const void *key, size_t key_len, const void *msg, size_t msg_len,
                            unsigned char out[FA2_SHA256_LEN]);

/* Verifies a tag, possibly truncated to its first tag_len bytes (1..32), in constant time
 * with respect to the tag's content. Returns 1 when valid, 0 otherwise (including
 * tag_len 0 or over 32, which no honest sender produces). */
int fa2_hmac_sha256_verify(const void *key, size_t key_len, const void *msg, size_t msg_len,
                           const void *tag, size_t tag_len);

#endif
