/* Slack request verification ("Verifying requests from Slack", signature version v0).
 *
 *   X-Slack-Signature = "v0=" + lowercase hex(HMAC-SHA256(signing_secret,
 *                                          "v0:" + X-Slack-Request-Timestamp + ":" + raw body))
 *
 * The MAC is computed over the raw body bytes exactly as received (before any JSON or
 * form decoding) and compared in constant time. The timestamp must be a plain decimal
 * number of Unix seconds within FA2_SLACK_MAX_SKEW_S of the verifier's clock, in either
 * direction (a request from the future is as suspicious as a replayed old one). */
#ifndef FA2_SLACK_VERIFY_H
#define FA2_SLACK_VERIFY_H

#include <stdint.h>

#include "base/slice.h"

#define FA2_SLACK_MAX_SKEW_S 300

typedef enum fa2_slack_verdict {
	FA2_SLACK_VALID = 0,
	FA2_SLACK_NO_SECRET,        /* verifier has no signing secret configured */
	FA2_SLACK_NO_TIMESTAMP,     /* X-Slack-Request-Timestamp missing */
	FA2_SLACK_BAD_TIMESTAMP,    /* not a decimal number of seconds */
	FA2_SLACK_STALE,            /* more than FA2_SLACK_MAX_SKEW_S from now */
	FA2_SLACK_NO_SIGNATURE,     /* X-Slack-Signature missing */
	FA2_SLACK_BAD_SIGNATURE,    /* not "v0=" + 64 lowercase hex digits */
	FA2_SLACK_MISMATCH          /* well formed, but the MAC does not match */
} fa2_slack_verdict;

/* Checks one request. ts and sig are the header values (NULL when absent), body the raw
 * request body, now_s the verifier's clock (Unix seconds). Pure function: no logging,
 * no allocation. */
fa2_slack_verdict fa2_slack_verify(fa2_slice secret, const fa2_slice *ts, const fa2_slice *sig,
                                   fa2_slice body, int64_t now_s);

/* A short English reason for logs ("signature mismatch", ...). */
const char *fa2_slack_verdict_str(fa2_slack_verdict v);

/* Computes the v0 signature of (ts, body) under secret into out ("v0=" + 64 hex + NUL,
 * 68 bytes). Used by tests and by the Socket Mode-less test tools. */
#define FA2_SLACK_SIG_LEN 67u
void fa2_slack_sign(fa2_slice secret, fa2_slice ts, fa2_slice body, char out[FA2_SLACK_SIG_LEN + 1]);

#endif
