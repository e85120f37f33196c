#include "crypto/sha256.h"

#include <string.h>

#include "crypto/ct.h"
#include "crypto/encode.h"

void fa2_sha256_init(fa2_sha256 *c)
{
	br_sha256_init(&c->br);
}

void fa2_sha256_update(fa2_sha256 *c, const void *data, size_t len)
{
	if (len)
		br_sha256_update(&c->br, data, len);
}

void fa2_sha256_final(const fa2_sha256 *c, unsigned char out[FA2_SHA256_LEN])
{
	br_sha256_out(&c->br, out);
}

void fa2_sha256_digest(const void *data, size_t len, unsigned char out[FA2_SHA256_LEN])
{
	fa2_sha256 c;
	fa2_sha256_init(&c);
	fa2_sha256_update(&c, data, len);
	fa2_sha256_final(&c, out);
}

void fa2_sha256_hex(const void *data, size_t len, char out[FA2_SHA256_HEX_LEN + 1])
{
	unsigned char d[FA2_SHA256_LEN];
	fa2_sha256_digest(data, len, d);
	fa2_hex_encode(d, sizeof d, out);
	out[FA2_SHA256_HEX_LEN] = '\0';
}

/* RFC 2104: H(K ^ opad, H(K ^ ipad, text)), K zero-padded to the block length B = 64
 * after hashing it when it is longer than B. We absorb the two padded key blocks once
 * and keep the resulting states. */
void fa2_hmac_sha256_key_init(fa2_hmac_sha256_key *k, const void *key, size_t key_len)
{
	unsigned char block[FA2_SHA256_BLOCK_LEN];
	unsigned char pad[FA2_SHA256_BLOCK_LEN];
	size_t i;

	memset(block, 0, sizeof block);
	if (key_len > FA2_SHA256_BLOCK_LEN)
		fa2_sha256_digest(key, key_len, block);
	else if (key_len)
		memcpy(block, key, key_len);

	for (i = 0; i < sizeof pad; i++)
		pad[i] = (unsigned char)(block[i] ^ 0x36);
	fa2_sha256_init(&k->inner);
	fa2_sha256_update(&k->inner, pad, sizeof pad);
	for (i = 0; i < sizeof pad; i++)
		pad[i] = (unsigned char)(block[i] ^ 0x5c);
	fa2_sha256_init(&k->outer);
	fa2_sha256_update(&k->outer, pad, sizeof pad);

	fa2_wipe(block, sizeof block);
	fa2_wipe(pad, sizeof pad);
}

void fa2_hmac_sha256_key_wipe(fa2_hmac_sha256_key *k)
{
	fa2_wipe(k, sizeof *k);
}

void fa2_hmac_sha256_init(fa2_hmac_sha256 *m, const fa2_hmac_sha256_key *k)
{
	m->inner = k->inner;
	m->key = k;
}

void fa2_hmac_sha256_update(fa2_hmac_sha256 *m, const void *data, size_t len)
{
	fa2_sha256_update(&m->inner, data, len);
}

void fa2_hmac_sha256_final(fa2_hmac_sha256 *m, unsigned char out[FA2_SHA256_LEN])
{
	unsigned char ih[FA2_SHA256_LEN];
	fa2_sha256 outer = m->key->outer;

	fa2_sha256_final(&m->inner, ih);
	fa2_sha256_update(&outer, ih, sizeof ih);
	fa2_sha256_final(&outer, out);
	fa2_wipe(ih, sizeof ih);
	fa2_wipe(&outer, sizeof outer);
	fa2_wipe(&m->inner, sizeof m->inner);
}

void fa2_hmac_sha256_keyed(const fa2_hmac_sha256_key *k, const void *msg, size_t msg_len,
                           unsigned char out[FA2_SHA256_LEN])
{
	fa2_hmac_sha256 m;
	fa2_hmac_sha256_init(&m, k);
	fa2_hmac_sha256_update(&m, msg, msg_len);
	fa2_hmac_sha256_final(&m, out);
}

void fa2_hmac_sha256_digest(const void *key, size_t key_len, const void *msg, size_t msg_len,
                            unsigned char out[FA2_SHA256_LEN])
{
	fa2_hmac_sha256_key k;
	fa2_hmac_sha256_key_init(&k, key, key_len);
	fa2_hmac_sha256_keyed(&k, msg, msg_len, out);
	fa2_hmac_sha256_key_wipe(&k);
}

int fa2_hmac_sha256_verify(const void *key, size_t key_len, const void *msg, size_t msg_len,
                           const void *tag, size_t tag_len)
{
	unsigned char mac[FA2_SHA256_LEN];
	int ok;
	if (tag_len == 0 || tag_len > FA2_SHA256_LEN)
		return 0;
	fa2_hmac_sha256_digest(key, key_len, msg, msg_len, mac);
	ok = fa2_ct_eq(mac, tag, tag_len);
	fa2_wipe(mac, sizeof mac);
	return ok;
}
