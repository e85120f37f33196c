/* Slack request verification: see verify.h. */
#include "slack/verify.h"

#include <string.h>

#include "crypto/ct.h"
#include "crypto/encode.h"
#include "crypto/sha256.h"

static void mac(fa2_slice secret, fa2_slice ts, fa2_slice body, unsigned char out[FA2_SHA256_LEN])
{
	fa2_hmac_sha256_key key;
	fa2_hmac_sha256 m;

	fa2_hmac_sha256_key_init(&key, secret.ptr, secret.len);
	fa2_hmac_sha256_init(&m, &key);
	fa2_hmac_sha256_update(&m, "v0:", 3);
	fa2_hmac_sha256_update(&m, ts.ptr, ts.len);
	fa2_hmac_sha256_update(&m, ":", 1);
	fa2_hmac_sha256_update(&m, body.ptr, body.len);
	fa2_hmac_sha256_final(&m, out);
	fa2_hmac_sha256_key_wipe(&key);
	fa2_wipe(&m, sizeof m);
}

void fa2_slack_sign(fa2_slice secret, fa2_slice ts, fa2_slice body, char out[FA2_SLACK_SIG_LEN + 1])
{
	unsigned char d[FA2_SHA256_LEN];
	mac(secret, ts, body, d);
	memcpy(out, "v0=", 3);
	fa2_hex_encode(d, sizeof d, out + 3);
	out[FA2_SLACK_SIG_LEN] = '\0';
	fa2_wipe(d, sizeof d);
}

/* Lowercase hex digit value, or -1. Upper case is refused: Slack sends lowercase, and
 * accepting both would give one MAC two encodings. */
static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

fa2_slack_verdict fa2_slack_verify(fa2_slice secret, const fa2_slice *ts, const fa2_slice *sig,
                                   fa2_slice body, int64_t now_s)
{
	unsigned char want[FA2_SHA256_LEN], got[FA2_SHA256_LEN];
	uint64_t t;
	size_t i;
	int ok;

	if (secret.len == 0)
		return FA2_SLACK_NO_SECRET;
	if (!ts)
		return FA2_SLACK_NO_TIMESTAMP;
	/* plain digits only (fa2_parse_u64 refuses signs, spaces and overflow); at most 12
	 * digits keeps the arithmetic below far from overflow */
	if (ts->len == 0 || ts->len > 12 || fa2_parse_u64(*ts, &t) != FA2_OK)
		return FA2_SLACK_BAD_TIMESTAMP;
	if ((int64_t)t < now_s - FA2_SLACK_MAX_SKEW_S || (int64_t)t > now_s + FA2_SLACK_MAX_SKEW_S)
		return FA2_SLACK_STALE;
	if (!sig)
		return FA2_SLACK_NO_SIGNATURE;
	if (sig->len != FA2_SLACK_SIG_LEN || memcmp(sig->ptr, "v0=", 3) != 0)
		return FA2_SLACK_BAD_SIGNATURE;
	for (i = 0; i < FA2_SHA256_LEN; i++) {
		int hi = hexval(sig->ptr[3 + 2 * i]), lo = hexval(sig->ptr[4 + 2 * i]);
		if (hi < 0 || lo < 0)
			return FA2_SLACK_BAD_SIGNATURE;
		got[i] = (unsigned char)(hi << 4 | lo);
	}
	mac(secret, *ts, body, want);
	ok = fa2_ct_eq(want, got, sizeof want);
	fa2_wipe(want, sizeof want);
	return ok ? FA2_SLACK_VALID : FA2_SLACK_MISMATCH;
}

const char *fa2_slack_verdict_str(fa2_slack_verdict v)
{
	switch (v) {
	case FA2_SLACK_VALID: return "valid";
	case FA2_SLACK_NO_SECRET: return "no signing secret configured";
	case FA2_SLACK_NO_TIMESTAMP: return "missing X-Slack-Request-Timestamp";
	case FA2_SLACK_BAD_TIMESTAMP: return "malformed X-Slack-Request-Timestamp";
	case FA2_SLACK_STALE: return "timestamp more than 5 minutes from now (stale or replayed)";
	case FA2_SLACK_NO_SIGNATURE: return "missing X-Slack-Signature";
	case FA2_SLACK_BAD_SIGNATURE: return "malformed X-Slack-Signature (want v0= and 64 lowercase hex digits)";
	case FA2_SLACK_MISMATCH: return "signature mismatch";
	}
	return "unknown";
}
