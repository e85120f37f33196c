/* AWS Signature Version 4 (AWS4-HMAC-SHA256): header signing and query-string
 * presigning, with every stage callable on its own (canonical URI, canonical query,
 * canonical headers, canonical request, string to sign, signing key, signature,
 * Authorization header) so that each can be tested against the published suites.
 *
 * Inputs are (pointer, length) slices the caller owns for the duration of a call.
 * Outputs go into fa2_buf buffers the caller owns (FA2_MAX_SIGV4_BYTES caps them).
 *
 * Path model: `path` is the path exactly as it goes on the request line (normally
 * already percent-encoded by the caller). Unless FA2_SIGV4_S3 is set, the canonical
 * URI is that path with dot segments and repeated slashes removed and then
 * percent-encoded once more ("double encoding"), as every service except S3 expects
 * and as botocore and aws-c-auth do. With FA2_SIGV4_S3 the path is used verbatim.
 *
 * Query model: `query` is the raw query string (without '?'). Each name and value is
 * percent-decoded and re-encoded with the SigV4 rules (RFC 3986 unreserved characters
 * left alone, everything else %XX in upper case; '+' is a literal plus), then the pairs
 * are sorted by name and then value. A properly encoded query is therefore unchanged. */
#ifndef FA2_AWS_SIGV4_H
#define FA2_AWS_SIGV4_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/slice.h"
#include "crypto/sha256.h"

#define FA2_MAX_SIGV4_BYTES     (256u * 1024u)  /* canonical request, query, header text */
#define FA2_SIGV4_MAX_HEADERS   100u            /* headers considered for signing */
#define FA2_SIGV4_MAX_PARAMS    1000u           /* query parameters */
#define FA2_SIGV4_DATE_LEN      16u             /* 20150830T123600Z */
#define FA2_SIGV4_SIG_HEX_LEN   64u
#define FA2_SIGV4_CACHE_SLOTS   8u

/* Flags for fa2_sigv4_params.flags. */
#define FA2_SIGV4_NO_NORMALIZE  0x01u  /* keep '.', '..' and '//' in the path */
#define FA2_SIGV4_S3            0x02u  /* S3 rules: path verbatim, no double encoding */
#define FA2_SIGV4_SIGN_BODY     0x04u  /* header mode: add and sign X-Amz-Content-Sha256 */
#define FA2_SIGV4_OMIT_TOKEN    0x08u  /* add the session token after signing (unsigned) */

typedef struct fa2_sigv4_header {
	fa2_slice name;
	fa2_slice value;
} fa2_sigv4_header;

/* The request to sign. headers must contain Host (or :authority); repeated names are
 * allowed and are joined with ',' in order. Authorization, hop-by-hop headers
 * (Connection, Keep-Alive, TE, Trailer, Transfer-Encoding, Upgrade, Expect,
 * Proxy-Authorization, Proxy-Authenticate), User-Agent and X-Amzn-Trace-Id are never
 * signed (botocore's rule). An
 * existing X-Amz-Date or X-Amz-Security-Token header is ignored: the signer supplies
 * them. An X-Amz-Content-Sha256 header, when present, is used as the payload hash. */
typedef struct fa2_sigv4_request {
	fa2_slice method;
	fa2_slice path;
	fa2_slice query;
	const fa2_sigv4_header *headers;
	size_t n_headers;
	fa2_slice payload;       /* the body, hashed unless payload_hash is set */
	fa2_slice payload_hash;  /* optional: hex digest or "UNSIGNED-PAYLOAD" */
} fa2_sigv4_request;

struct fa2_sigv4_cache;

/* Who signs, where and when. The secret is only read; the signer never logs it. */
typedef struct fa2_sigv4_params {
	fa2_slice access_key_id;
	fa2_slice secret_access_key;
	fa2_slice session_token;    /* empty when not temporary credentials */
	fa2_slice region;
	fa2_slice service;
	int64_t time_ms;            /* signing time, ms since the epoch (UTC) */
	unsigned flags;
	uint32_t expires_s;         /* presigning: X-Amz-Expires (1..604800) */
	struct fa2_sigv4_cache *cache;  /* optional signing-key cache */
} fa2_sigv4_params;

/* Every stage's output of one signing. Initialise with fa2_sigv4_result_init, release
 * with fa2_sigv4_result_cleanup. `headers` lists, as "Name: value\r\n" lines, the headers
 * the caller must add to the request (X-Amz-Date, X-Amz-Security-Token,
 * X-Amz-Content-Sha256, Authorization) in header mode. In presign mode `query` is the
 * full query string to send (the request's own parameters, the X-Amz-* ones and
 * X-Amz-Signature). */
typedef struct fa2_sigv4_result {
	char amz_date[FA2_SIGV4_DATE_LEN + 1];
	char signature[FA2_SIGV4_SIG_HEX_LEN + 1];
	fa2_buf scope;               /* 20150830/us-east-1/service/aws4_request */
	fa2_buf canonical_request;
	fa2_buf string_to_sign;
	fa2_buf signed_headers;      /* host;x-amz-date */
	fa2_buf authorization;       /* header mode: the Authorization value */
	fa2_buf query;               /* presign mode: the query string to send */
	fa2_buf headers;             /* header mode: headers to add */
} fa2_sigv4_result;

void fa2_sigv4_result_init(fa2_sigv4_result *r);
void fa2_sigv4_result_cleanup(fa2_sigv4_result *r);

/* Signs into the Authorization header. */
fa2_err fa2_sigv4_sign_headers(const fa2_sigv4_request *req, const fa2_sigv4_params *p,
                               fa2_sigv4_result *out);
/* Presigns into the query string (X-Amz-Expires = p->expires_s). Signs only the
 * request's headers (typically Host), never X-Amz-Date. */
fa2_err fa2_sigv4_presign(const fa2_sigv4_request *req, const fa2_sigv4_params *p,
                          fa2_sigv4_result *out);

/* ---- stages ---- */

/* "20150830T123600Z" from ms since the epoch; out needs 17 bytes. */
void fa2_sigv4_format_date(int64_t time_ms, char out[FA2_SIGV4_DATE_LEN + 1]);
/* Appends the SigV4 percent-encoding of s (unreserved A-Z a-z 0-9 - . _ ~ kept; '/'
 * kept too when keep_slash). */
fa2_err fa2_sigv4_uri_encode(fa2_buf *out, fa2_slice s, int keep_slash);
/* Appends the canonical URI of path (see the path model above). */
fa2_err fa2_sigv4_canonical_uri(fa2_buf *out, fa2_slice path, unsigned flags);
/* Appends the canonical query of query plus extra (already canonical "k=v" pairs
 * joined with '&', may be empty), all sorted together. */
fa2_err fa2_sigv4_canonical_query(fa2_buf *out, fa2_slice query, fa2_slice extra);
/* Appends the canonical header block ("name:value\n" lines) to canon and the signed
 * header list to signed_list. extra headers (may be NULL/0) are added to req's. */
fa2_err fa2_sigv4_canonical_headers(const fa2_sigv4_header *h, size_t n,
                                    const fa2_sigv4_header *extra, size_t n_extra,
                                    fa2_buf *canon, fa2_buf *signed_list);
/* Appends the string to sign for a canonical request. */
fa2_err fa2_sigv4_string_to_sign(fa2_buf *out, const char *amz_date, fa2_slice scope,
                                 fa2_slice canonical_request);
/* Derives the signing key HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date8), region), service),
 * "aws4_request"). date8 is "YYYYMMDD". out holds key material: wipe it after use. */
fa2_err fa2_sigv4_signing_key(fa2_slice secret, fa2_slice date8, fa2_slice region,
                              fa2_slice service, unsigned char out[FA2_SHA256_LEN]);
/* Hex signature of string_to_sign under signing_key; out needs 65 bytes. */
void fa2_sigv4_signature(const unsigned char signing_key[FA2_SHA256_LEN],
                         fa2_slice string_to_sign, char out[FA2_SIGV4_SIG_HEX_LEN + 1]);

/* ---- signing-key cache ----
 * Keys are derived once per (date, region, service, access key, secret) and reused;
 * a long-running process signs thousands of requests a day with the same key. Safe to
 * share between threads. An entry keeps a copy of the secret it was derived from (the
 * process holds the secret anyway) to match it in constant time; entries are wiped on
 * replacement and cleanup. Secrets over FA2_SIGV4_CACHE_SECRET_MAX bytes bypass it. */
#define FA2_SIGV4_CACHE_SECRET_MAX 128u
typedef struct fa2_sigv4_cache_entry {
	int used;
	uint64_t stamp;
	char date8[9];
	char region[32];
	char service[48];
	char akid[128];
	unsigned char secret[FA2_SIGV4_CACHE_SECRET_MAX];
	size_t secret_len;
	fa2_hmac_sha256_key key;  /* the signing key, prepared for HMAC */
} fa2_sigv4_cache_entry;

typedef struct fa2_sigv4_cache {
	pthread_mutex_t lock;
	uint64_t clock;
	unsigned long hits, misses;
	fa2_sigv4_cache_entry slot[FA2_SIGV4_CACHE_SLOTS];
} fa2_sigv4_cache;

fa2_err fa2_sigv4_cache_init(fa2_sigv4_cache *c);
void fa2_sigv4_cache_cleanup(fa2_sigv4_cache *c);
/* The process-wide cache (initialised on first use). */
fa2_sigv4_cache *fa2_sigv4_cache_global(void);

#endif
