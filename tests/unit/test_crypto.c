/* Unit tests for src/crypto: SHA-256, HMAC-SHA256 (RFC 4231 and every Wycheproof
 * vector), hex, base64, constant-time compare, wipe, random. */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "crypto/ct.h"
#include "crypto/encode.h"
#include "crypto/random.h"
#include "crypto/sha256.h"
#include "test.h"

static int hex_is(const unsigned char *d, size_t n, const char *want)
{
	char h[2 * 64 + 1];
	if (n > 64)
		return 0;
	fa2_hex_encode(d, n, h);
	h[2 * n] = '\0';
	return strcmp(h, want) == 0;
}

FA2_TEST(crypto_sha256_known)
{
	char h[65];
	unsigned char d[32];
	fa2_sha256 c;
	size_t i;
	fa2_sha256_hex("", 0, h);
	CHECK_STR_EQ(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	fa2_sha256_hex("abc", 3, h);
	CHECK_STR_EQ(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* Streaming in odd pieces gives the same digest (FIPS 180-2 two-block message). */
	{
		const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
		size_t len = strlen(m);
		fa2_sha256_init(&c);
		for (i = 0; i < len; i += 3)
			fa2_sha256_update(&c, m + i, len - i < 3 ? len - i : 3);
		fa2_sha256_final(&c, d);
		CHECK(hex_is(d, 32, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
	}
}

/* RFC 4231 test cases 1, 2 (short key "Jefe"), 6 (131-byte key, hashed first) and
 * 5 (truncated to 128 bits). */
FA2_TEST(crypto_hmac_rfc4231)
{
	unsigned char key[131], out[32], msg[50];
	fa2_hmac_sha256_key k;
	fa2_hmac_sha256 m;
	memset(key, 0x0b, 20);
	fa2_hmac_sha256_digest(key, 20, "Hi There", 8, out);
	CHECK(hex_is(out, 32, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"));
	fa2_hmac_sha256_digest("Jefe", 4, "what do ya want for nothing?", 28, out);
	CHECK(hex_is(out, 32, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
	memset(key, 0xaa, 131);
	fa2_hmac_sha256_digest(key, 131, "Test Using Larger Than Block-Size Key - Hash Key First", 54, out);
	CHECK(hex_is(out, 32, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"));
	memset(key, 0x0c, 20);
	fa2_hmac_sha256_digest(key, 20, "Test With Truncation", 20, out);
	CHECK(hex_is(out, 16, "a3b6167473100ee06e0c796c2955552b"));
	CHECK(fa2_hmac_sha256_verify(key, 20, "Test With Truncation", 20, out, 16) == 1);
	CHECK(fa2_hmac_sha256_verify(key, 20, "Test With Truncation", 20, out, 0) == 0);
	CHECK(fa2_hmac_sha256_verify(key, 20, "Test With Truncation", 20, out, 33) == 0);
	/* Case 3 streamed byte by byte with a prepared key, key reused twice. */
	memset(key, 0xaa, 20);
	memset(msg, 0xdd, 50);
	fa2_hmac_sha256_key_init(&k, key, 20);
	{
		int round;
		size_t i;
		for (round = 0; round < 2; round++) {
			fa2_hmac_sha256_init(&m, &k);
			for (i = 0; i < 50; i++)
				fa2_hmac_sha256_update(&m, msg + i, 1);
			fa2_hmac_sha256_final(&m, out);
			CHECK(hex_is(out, 32, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"));
		}
	}
	fa2_hmac_sha256_key_wipe(&k);
}

/* Every test of Wycheproof's hmac_sha256_test.json: valid tags verify (and equal our
 * MAC, truncated to tagSize), invalid (modified) tags are rejected. */
FA2_TEST(crypto_hmac_wycheproof)
{
	char path[1024];
	fa2_buf file, key, msg, tag;
	cJSON *root = NULL, *groups, *g;
	unsigned n_valid = 0, n_invalid = 0, n_total = 0;
	double declared = 0;

	fa2_buf_init(&file, 4u << 20);
	fa2_buf_init(&key, 4096);
	fa2_buf_init(&msg, 1u << 20);
	fa2_buf_init(&tag, 4096);
	fa2_test_data("crypto/wycheproof/hmac_sha256_test.json", path, sizeof path);
	if (fa2_file_read_all(path, &file) != FA2_OK) {
		fa2_test_skip("Wycheproof data not found (set FA2_TESTDATA)");
		goto cleanup;
	}
	root = fa2_json_parse(fa2_buf_slice(&file), NULL);
	CHECK_MSG(root != NULL, "cannot parse %s", path);
	fa2_json_num(root, "numberOfTests", &declared);
	groups = cJSON_GetObjectItemCaseSensitive(root, "testGroups");
	cJSON_ArrayForEach(g, groups) {
		double tag_bits = 0;
		cJSON *t;
		fa2_json_num(g, "tagSize", &tag_bits);
		cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(g, "tests")) {
			const char *kh = fa2_json_str(t, "key"), *mh = fa2_json_str(t, "msg");
			const char *th = fa2_json_str(t, "tag"), *res = fa2_json_str(t, "result");
			unsigned char kb[512], mb[4096], tb[64], mac[32];
			size_t kl, ml, tl;
			double id = 0;
			int ok;
			fa2_json_num(t, "tcId", &id);
			CHECK(kh && mh && th && res);
			CHECK_OK(fa2_hex_decode(fa2_slice_cstr(kh), kb, sizeof kb, &kl));
			CHECK_OK(fa2_hex_decode(fa2_slice_cstr(mh), mb, sizeof mb, &ml));
			CHECK_OK(fa2_hex_decode(fa2_slice_cstr(th), tb, sizeof tb, &tl));
			CHECK_INT_EQ(tl * 8, (long long)tag_bits);
			ok = fa2_hmac_sha256_verify(kb, kl, mb, ml, tb, tl);
			fa2_hmac_sha256_digest(kb, kl, mb, ml, mac);
			if (strcmp(res, "valid") == 0) {
				CHECK_MSG(ok == 1, "tcId %d (tag %u bits): valid tag rejected", (int)id, (unsigned)tl * 8);
				CHECK_MSG(memcmp(mac, tb, tl) == 0, "tcId %d: MAC differs", (int)id);
				n_valid++;
			} else {
				CHECK_MSG(ok == 0, "tcId %d: invalid tag accepted", (int)id);
				n_invalid++;
			}
			n_total++;
		}
	}
	CHECK_INT_EQ(n_total, (long long)declared);
	CHECK(n_total == 174 && n_valid > 0 && n_invalid > 0);
cleanup:
	cJSON_Delete(root);
	fa2_buf_cleanup(&file);
	fa2_buf_cleanup(&key);
	fa2_buf_cleanup(&msg);
	fa2_buf_cleanup(&tag);
}

FA2_TEST(crypto_hex)
{
	unsigned char out[8];
	size_t n = 99;
	fa2_buf b;
	CHECK_OK(fa2_hex_decode(FA2_SLICE_LIT("00fFa0"), out, sizeof out, &n));
	CHECK(n == 3 && out[0] == 0 && out[1] == 0xff && out[2] == 0xa0);
	CHECK_INT_EQ(fa2_hex_decode(FA2_SLICE_LIT("abc"), out, sizeof out, &n), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_hex_decode(FA2_SLICE_LIT("zz"), out, sizeof out, &n), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_hex_decode(FA2_SLICE_LIT("0 "), out, sizeof out, &n), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_hex_decode(FA2_SLICE_LIT("000000000000000000"), out, sizeof out, &n),
	             FA2_ERR_TOO_LARGE);
	CHECK_OK(fa2_hex_decode(FA2_SLICE_EMPTY, out, 0, &n));
	CHECK_INT_EQ(n, 0);
	fa2_buf_init(&b, 6);
	CHECK_OK(fa2_hex_append(&b, "\x01\xab\xff", 3));
	CHECK_STR_EQ(b.data, "01abff");
	CHECK_INT_EQ(fa2_hex_append(&b, "x", 1), FA2_ERR_TOO_LARGE);
	fa2_buf_cleanup(&b);
}

/* RFC 4648 section 10 vectors, both alphabets, plus strictness. */
FA2_TEST(crypto_base64)
{
	static const char *plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *std[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	static const char *url[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy" };
	static const char *bad_std[] = { "Zg", "Zg=", "Zg===", "Z===", "Zh==", "Zm9=", "Zm 9v",
	                                 "Zm9v\n", "Zm9-", "=Zm9", "Zm=v", "Z", "Zm9vY" };
	static const char *bad_url[] = { "Z", "Zh", "Zm9", "Zg=", "Zm+v", "Zm/v", "Zm9vY", "Zg===" };
	fa2_buf b;
	size_t i;
	fa2_buf_init(&b, 1024);
	for (i = 0; i < sizeof plain / sizeof plain[0]; i++) {
		fa2_buf_reset(&b);
		CHECK_OK(fa2_base64_append(&b, plain[i], strlen(plain[i]), FA2_B64_STD));
		CHECK_STR_EQ(b.data ? b.data : "", std[i]);
		CHECK_INT_EQ(b.len, fa2_base64_encoded_len(strlen(plain[i]), FA2_B64_STD));
		fa2_buf_reset(&b);
		CHECK_OK(fa2_base64_append(&b, plain[i], strlen(plain[i]), FA2_B64_URL));
		CHECK_STR_EQ(b.data ? b.data : "", url[i]);
		fa2_buf_reset(&b);
		CHECK_OK(fa2_base64_decode(fa2_slice_cstr(std[i]), FA2_B64_STD, &b));
		CHECK(b.len == strlen(plain[i]) && memcmp(b.data ? b.data : "", plain[i], b.len) == 0);
		fa2_buf_reset(&b);
		CHECK_OK(fa2_base64_decode(fa2_slice_cstr(url[i]), FA2_B64_URL, &b));
		CHECK(b.len == strlen(plain[i]) && memcmp(b.data ? b.data : "", plain[i], b.len) == 0);
		fa2_buf_reset(&b);
		CHECK_OK(fa2_base64_decode(fa2_slice_cstr(std[i]), FA2_B64_URL_PADDED, &b));
		CHECK(b.len == strlen(plain[i]));
	}
	fa2_buf_reset(&b);
	CHECK_OK(fa2_base64_append(&b, "\xfb\xff\xbf", 3, FA2_B64_STD));
	CHECK_STR_EQ(b.data, "+/+/");
	fa2_buf_reset(&b);
	CHECK_OK(fa2_base64_append(&b, "\xfb\xff\xbf", 3, FA2_B64_URL));
	CHECK_STR_EQ(b.data, "-_-_");
	for (i = 0; i < sizeof bad_std / sizeof bad_std[0]; i++) {
		fa2_buf_reset(&b);
		CHECK_MSG(fa2_base64_decode(fa2_slice_cstr(bad_std[i]), FA2_B64_STD, &b) == FA2_ERR_PARSE,
		          "std accepted \"%s\"", bad_std[i]);
		CHECK_INT_EQ(b.len, 0);
	}
	for (i = 0; i < sizeof bad_url / sizeof bad_url[0]; i++) {
		fa2_buf_reset(&b);
		CHECK_MSG(fa2_base64_decode(fa2_slice_cstr(bad_url[i]), FA2_B64_URL, &b) == FA2_ERR_PARSE,
		          "url accepted \"%s\"", bad_url[i]);
	}
	fa2_buf_cleanup(&b);
	/* The cap applies to decoding. */
	fa2_buf_init(&b, 2);
	CHECK_INT_EQ(fa2_base64_decode(FA2_SLICE_LIT("Zm9v"), FA2_B64_STD, &b), FA2_ERR_TOO_LARGE);
	fa2_buf_cleanup(&b);
}

/* Random round trips through every encoder/decoder pair. */
FA2_TEST(crypto_encode_roundtrip)
{
	unsigned char data[300], back[300];
	fa2_buf b, d;
	size_t n, i, bl;
	fa2_buf_init(&b, 4096);
	fa2_buf_init(&d, 4096);
	for (i = 0; i < 200; i++) {
		int v;
		n = (size_t)fa2_random_below(sizeof data + 1);
		CHECK_OK(fa2_random_bytes(data, n));
		for (v = 0; v < 3; v++) {
			fa2_buf_reset(&b);
			fa2_buf_reset(&d);
			CHECK_OK(fa2_base64_append(&b, data, n, (fa2_b64_variant)v));
			CHECK_OK(fa2_base64_decode(fa2_buf_slice(&b), (fa2_b64_variant)v, &d));
			CHECK(d.len == n && (n == 0 || memcmp(d.data, data, n) == 0));
		}
		fa2_buf_reset(&b);
		CHECK_OK(fa2_hex_append(&b, data, n));
		CHECK_OK(fa2_hex_decode(fa2_buf_slice(&b), back, sizeof back, &bl));
		CHECK(bl == n && memcmp(back, data, n) == 0);
	}
	fa2_buf_cleanup(&b);
	fa2_buf_cleanup(&d);
}

FA2_TEST(crypto_ct_and_wipe)
{
	unsigned char a[32], b[32];
	size_t i;
	memset(a, 0x5a, sizeof a);
	memcpy(b, a, sizeof b);
	CHECK(fa2_ct_eq(a, b, 32) == 1);
	CHECK(fa2_ct_eq(a, b, 0) == 1);
	for (i = 0; i < 32; i++) {
		unsigned bit;
		for (bit = 0; bit < 8; bit++) {
			b[i] ^= (unsigned char)(1u << bit);
			CHECK(fa2_ct_eq(a, b, 32) == 0);
			b[i] ^= (unsigned char)(1u << bit);
		}
	}
	CHECK(fa2_ct_eq_len(a, 32, b, 31) == 0);
	CHECK(fa2_ct_eq_len(a, 32, b, 32) == 1);
	fa2_wipe(a, sizeof a);
	for (i = 0; i < sizeof a; i++)
		CHECK(a[i] == 0);
	fa2_wipe(NULL, 0);
}

FA2_TEST(crypto_random)
{
	unsigned char x[64], y[64];
	unsigned seen[10] = { 0 };
	size_t i;
	CHECK_OK(fa2_random_bytes(x, sizeof x));
	CHECK_OK(fa2_random_bytes(y, sizeof y));
	CHECK(memcmp(x, y, sizeof x) != 0);
	CHECK_OK(fa2_random_bytes(x, 0));
	for (i = 0; i < 2000; i++) {
		uint64_t r = fa2_random_below(10);
		CHECK(r < 10);
		seen[r]++;
	}
	for (i = 0; i < 10; i++)
		CHECK_MSG(seen[i] > 100, "value %u drawn only %u times in 2000", (unsigned)i, seen[i]);
	CHECK(fa2_random_below(1) == 0);
}
