/* The AWS JSON-protocol client: awsJson1_0 / awsJson1_1 (POST / with X-Amz-Target),
 * restJson1 (per-operation method and path template, path parameters taken from the
 * input), and the query protocol for STS (form-encoded input, XML output returned as
 * JSON). Signs with SigV4, decodes errors into one fa2_aws_error, and retries as the
 * SDKs' "standard" mode: throttling errors, 5xx, connection errors and timeouts,
 * exponential backoff with full jitter capped at max_backoff_ms, a shared retry quota
 * (500 tokens, 5 per retry, 10 per timeout retry, refunded on success), never past the
 * call's deadline; clock skew is learnt from the Date header of responses.
 *
 * One client may be used from several threads (credentials, key cache, quota and skew
 * are shared under locks). */
#ifndef FA2_AWS_CLIENT_H
#define FA2_AWS_CLIENT_H

#include <pthread.h>
#include <stdint.h>

#include "cJSON.h"

#include "aws/config.h"
#include "aws/creds.h"
#include "aws/sigv4.h"
#include "aws/transport.h"
#include "base/buf.h"
#include "base/err.h"

#define FA2_AWS_RETRY_QUOTA        500
#define FA2_AWS_RETRY_COST         5
#define FA2_AWS_RETRY_TIMEOUT_COST 10
#define FA2_AWS_SKEW_ADOPT_MS      (4LL * 60 * 1000)

typedef struct fa2_aws_error {
	fa2_err err;          /* FA2_ERR_AWS for a service error, else the transport error */
	int http_status;      /* 0 when no response arrived */
	char code[128];       /* "ThrottlingException", "SignatureDoesNotMatch", ... */
	char message[1024];
	char request_id[128];
	int attempts;         /* how many requests were sent */
} fa2_aws_error;

typedef struct fa2_aws_client {
	fa2_aws_creds_provider *creds;  /* borrowed */
	const fa2_aws_config *cfg;      /* borrowed, may be NULL */
	char region[64];
	fa2_aws_http_fn http;
	void *http_ctx;
	fa2_sigv4_cache key_cache;
	int max_attempts;               /* 3 (standard mode) */
	int64_t base_delay_ms;          /* backoff base for transient errors: 100 */
	int64_t throttle_base_ms;       /* backoff base for throttling: 500 */
	int64_t max_backoff_ms;         /* 20000 */
	int64_t timeout_ms;             /* per call, retries included: 30000 */
	int64_t attempt_timeout_ms;     /* per attempt: 10000 (0 = up to the deadline);
	                                 * not applied to Bedrock, whose calls run long */
	int debug;                      /* print canonical request and string to sign */
	pthread_mutex_t lock;
	int quota;
	int64_t skew_ms;                /* server clock minus ours */
	unsigned long attempts, retries;  /* statistics */
} fa2_aws_client;

fa2_err fa2_aws_client_init(fa2_aws_client *c, fa2_aws_creds_provider *creds,
                            const fa2_aws_config *cfg, const char *region,
                            fa2_aws_http_fn http, void *http_ctx);
void fa2_aws_client_cleanup(fa2_aws_client *c);

typedef struct fa2_aws_call_opts {
	const char *endpoint;           /* URL override; NULL = fa2_aws_endpoint_resolve */
	const fa2_aws_creds *creds;     /* explicit credentials (AssumeRole's source) */
	int anonymous;                  /* send unsigned (AssumeRoleWithWebIdentity) */
	int64_t timeout_ms;             /* 0 = client's */
	int64_t attempt_timeout_ms;     /* 0 = client's (Bedrock: none, only timeout_ms) */
} fa2_aws_call_opts;

/* Calls svc's operation with a JSON input (an object; "{}" or empty for none) and
 * appends the JSON output to out. On a service error returns FA2_ERR_AWS with *err
 * filled; on other failures the transport's error (err->err says which). err may be
 * NULL. opts may be NULL. */
fa2_err fa2_aws_call(fa2_aws_client *c, const fa2_aws_service *svc, const char *operation,
                     fa2_slice input, fa2_buf *out, fa2_aws_error *err,
                     const fa2_aws_call_opts *opts);

/* What fa2_aws_call_json's *stage names as failed. */
#define FA2_AWS_JSON_CALL  1 /* the call itself (*err filled) */
#define FA2_AWS_JSON_REPLY 2 /* the reply is not JSON */

/* fa2_aws_call with cJSON on both sides: encodes in (at most in_cap bytes), calls
 * operation with timeout_ms (0: the client's), parses the reply into *out (caller frees;
 * NULL on failure). *stage is FA2_AWS_JSON_CALL or FA2_AWS_JSON_REPLY when that step
 * failed, else 0 (success, or the input could not be encoded). err may be NULL. */
fa2_err fa2_aws_call_json(fa2_aws_client *c, const fa2_aws_service *svc, const char *operation,
                          const cJSON *in, size_t in_cap, int64_t timeout_ms, cJSON **out,
                          fa2_aws_error *err, int *stage);

/* ---- pieces, exposed for tests ---- */

/* Decodes an error response (JSON __type/code/message or XML <Error>, plus
 * x-amzn-ErrorType / x-amzn-RequestId / x-amz-request-id headers). */
void fa2_aws_error_decode(const fa2_aws_http_response *resp, fa2_aws_error *err);
/* 1 for throttling codes, 2 for other transient errors, 0 otherwise. */
int fa2_aws_error_retryable(const fa2_aws_error *err);
/* One readable line: "ThrottlingException: Rate exceeded (HTTP 400, request id X)". */
void fa2_aws_error_format(const fa2_aws_error *err, char *out, size_t cap);
/* Parses an HTTP date (IMF-fixdate, also RFC 850 and asctime) into ms. */
fa2_err fa2_aws_parse_http_date(fa2_slice s, int64_t *ms);
/* Full-jitter backoff for attempt (1-based count of failures so far). */
int64_t fa2_aws_backoff_ms(const fa2_aws_client *c, int attempt, int throttled);
/* Converts a small XML document to JSON (elements -> keys, repeated or <member>
 * children -> arrays, text -> strings, entities decoded). */
fa2_err fa2_aws_xml_to_json(fa2_slice xml, fa2_buf *out);
/* Text of the first <name>...</name> inside s (no attributes, no nesting of the same
 * name; entities are left to the caller). Returns 0 when absent. */
int fa2_aws_xml_elem(fa2_slice s, const char *name, fa2_slice *out);

#endif
