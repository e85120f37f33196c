/* Amazon SNS HTTP(S) deliveries: parsing, signature verification, replay protection,
 * subscription confirmation, and CloudWatch alarm notifications carried in them.
 *
 * What arrives: a POST whose body is a JSON object (Content-Type text/plain) and whose
 * x-amz-sns-message-type / x-amz-sns-message-id / x-amz-sns-topic-arn headers repeat the
 * body's Type, MessageId and TopicArn. Three types: Notification, SubscriptionConfirmation,
 * UnsubscribeConfirmation.
 *
 * Trust: SNS signs each message (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA, both
 * PKCS#1 v1.5) over a canonical "Key\nValue\n" string of the type's fields. The signing
 * certificate is named by SigningCertURL, which is accepted only when it is https, has
 * no user information, no port, no query or fragment, a path of plain characters ending
 * in ".pem", and its host is the SNS host of the topic's region (sns.REGION.amazonaws.com,
 * sns.REGION.amazonaws.com.cn in China) or the host of AWS_ENDPOINT_URL_SNS. The
 * certificate is fetched over HTTPS with the peer verified against the trust anchors
 * (AWS_CA_BUNDLE, the system bundle) like every fa2 connection, through the endpoint
 * override when one is set; it must be an RSA certificate valid now. Certificates are
 * cached by URL (FA2_MAX_SNS_CERTS_CACHED entries, a TTL, never past notAfter) and
 * fetches are rate-limited, so unauthenticated senders cannot make fa2 fetch at will.
 *
 * The order of fa2_sns_accept is cheap-first and remembers nothing before the signature
 * holds: parse -> topic allowed -> Timestamp within the window -> certificate URL ->
 * certificate -> signature -> MessageId not seen before (then remembered).
 *
 * Thread-safety: a verifier may be shared by any number of threads (its cache and rate
 * limit are under a lock; no lock is held during a fetch). Messages are per-thread. */
#ifndef FA2_AWS_SNS_H
#define FA2_AWS_SNS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"

#include "aws/alarms.h"
#include "aws/client.h"
#include "aws/config.h"
#include "aws/transport.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/slice.h"

#define FA2_SNS_MAX_RSA_BYTES     512u                 /* 4096-bit modulus */
#define FA2_SNS_MAX_URL           1024u                /* SigningCertURL, SubscribeURL */
#define FA2_SNS_DEFAULT_MAX_AGE_MS (60LL * 60 * 1000)  /* Timestamp at most 1 h old */
#define FA2_SNS_DEFAULT_MAX_AHEAD_MS (5LL * 60 * 1000) /* and at most 5 min ahead */
#define FA2_SNS_DEFAULT_CERT_TTL_MS (6LL * 60 * 60 * 1000)
#define FA2_SNS_DEFAULT_FETCHES_PER_MIN 10u
#define FA2_SNS_DEFAULT_FETCH_TIMEOUT_MS 10000

typedef enum fa2_sns_type {
	FA2_SNS_NONE = 0,
	FA2_SNS_NOTIFICATION,
	FA2_SNS_SUBSCRIPTION_CONFIRMATION,
	FA2_SNS_UNSUBSCRIBE_CONFIRMATION
} fa2_sns_type;

/* Why a delivery was refused. Names and meanings: fa2_sns_verdict_name. */
typedef enum fa2_sns_verdict {
	FA2_SNS_OK = 0,
	FA2_SNS_MALFORMED,         /* not an SNS message: bad JSON, a field missing or mistyped,
	                            * headers disagreeing with the body */
	FA2_SNS_UNKNOWN_TOPIC,     /* TopicArn is not one of the configured topics */
	FA2_SNS_STALE,             /* Timestamp outside the accepted window */
	FA2_SNS_BAD_CERT_URL,      /* SigningCertURL / SubscribeURL not allowed */
	FA2_SNS_CERT_UNAVAILABLE,  /* fetching the certificate failed (transient) */
	FA2_SNS_BAD_CERT,          /* not an RSA certificate, or not valid now */
	FA2_SNS_BAD_SIGNATURE,     /* the signature does not verify */
	FA2_SNS_REPLAY,            /* this MessageId was accepted before */
	FA2_SNS_INTERNAL           /* out of memory or a similar local failure */
} fa2_sns_verdict;

/* "malformed", "unknown-topic", ... (stable, for logs and metrics); never NULL. */
const char *fa2_sns_verdict_name(fa2_sns_verdict v);
/* 1 when SNS should retry the delivery (answer 5xx): CERT_UNAVAILABLE and INTERNAL. */
int fa2_sns_verdict_transient(fa2_sns_verdict v);

/* The x-amz-sns-* request headers; empty slices when absent. */
typedef struct fa2_sns_headers {
	fa2_slice message_type, message_id, topic_arn, subscription_arn;
} fa2_sns_headers;

/* A parsed delivery. The strings point into doc (owned) and live until
 * fa2_sns_message_cleanup; absent optional fields are NULL. */
typedef struct fa2_sns_message {
	cJSON *doc;
	fa2_sns_type type;
	const char *type_str, *message_id, *topic_arn, *subject, *message, *timestamp;
	const char *signature_version, *signature, *signing_cert_url;
	const char *subscribe_url, *token, *unsubscribe_url;
	int sig_version;        /* 1 or 2 */
	int64_t timestamp_ms;   /* Timestamp, epoch ms UTC */
	char partition[32];     /* from TopicArn: "aws", "aws-cn", "aws-us-gov" */
	char region[32];        /* from TopicArn: "ap-northeast-1" */
	char account[16];       /* from TopicArn: 12 digits */
} fa2_sns_message;

/* Parses body (at most FA2_MAX_SNS_BODY_BYTES) and checks it against the headers (each
 * header present must equal the body's field). h may be NULL. FA2_SNS_OK or
 * FA2_SNS_MALFORMED / FA2_SNS_INTERNAL with a sentence in why (cap bytes; may be 0). On
 * failure *m is empty (safe to clean up). */
fa2_sns_verdict fa2_sns_parse(fa2_slice body, const fa2_sns_headers *h, fa2_sns_message *m,
                              char *why, size_t cap);
void fa2_sns_message_cleanup(fa2_sns_message *m);

/* Appends the canonical string SNS signs for m's type (AWS's documented field order:
 * Notification: Message, MessageId, Subject if present, Timestamp, TopicArn, Type;
 * confirmations: Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type;
 * each as "Name\nvalue\n"). */
fa2_err fa2_sns_string_to_sign(const fa2_sns_message *m, fa2_buf *out);

/* ---- certificates ------------------------------------------------------------------ */

/* The parts of a signing certificate fa2 uses: its RSA public key and validity. */
typedef struct fa2_sns_cert {
	unsigned char n[FA2_SNS_MAX_RSA_BYTES];
	size_t nlen;
	unsigned char e[8];
	size_t elen;
	int64_t not_before_ms, not_after_ms;
} fa2_sns_cert;

/* Decodes the first certificate of a PEM text (or DER when it does not start like PEM).
 * FA2_SNS_BAD_CERT (why says: not a certificate, not RSA, key too large) or
 * FA2_SNS_OK. */
fa2_sns_verdict fa2_sns_cert_parse(fa2_slice pem, fa2_sns_cert *out, char *why, size_t cap);
/* FA2_SNS_OK when now_ms is within [notBefore, notAfter], else FA2_SNS_BAD_CERT. */
fa2_sns_verdict fa2_sns_cert_check_time(const fa2_sns_cert *c, int64_t now_ms, char *why,
                                        size_t cap);
/* Verifies m's Signature (base64, SignatureVersion 1 or 2) over its string to sign with
 * c's key: FA2_SNS_OK, FA2_SNS_BAD_SIGNATURE or FA2_SNS_INTERNAL. */
fa2_sns_verdict fa2_sns_signature_check(const fa2_sns_message *m, const fa2_sns_cert *c,
                                        char *why, size_t cap);

/* The SNS host for a region: "sns.REGION.amazonaws.com" (".amazonaws.com.cn" for cn-*
 * regions). FA2_ERR_INVALID for a region that is not [a-z0-9-]{1,31}. */
fa2_err fa2_sns_host(const char *region, char *out, size_t cap);

/* Checks a SigningCertURL (kind "cert": path ending in .pem) or SubscribeURL (kind
 * "subscribe": path "/" and a query with Action=ConfirmSubscription) against the rules
 * at the top of this file for region, with override_host / override_port (the host of
 * AWS_ENDPOINT_URL_SNS; NULL when unset) also allowed. On success writes the path (and
 * query) to target (cap bytes). FA2_SNS_OK or FA2_SNS_BAD_CERT_URL. */
fa2_sns_verdict fa2_sns_url_check(fa2_slice url, const char *kind, const char *region,
                                  const char *override_host, unsigned override_port,
                                  char *target, size_t target_cap, char *why, size_t cap);

/* ---- replay memory ----------------------------------------------------------------- */

/* Where accepted MessageIds are remembered (the daemon's store implements it; a bounded
 * in-memory one is below). remember returns FA2_OK when id is new (and records it until
 * expires_ms, epoch ms), FA2_ERR_EXISTS when it was recorded before, another error when
 * the store failed (the delivery is then refused as transient, never accepted twice). */
typedef struct fa2_sns_seen {
	fa2_err (*remember)(void *ctx, fa2_slice message_id, int64_t expires_ms);
	void *ctx;
} fa2_sns_seen;

/* In-memory replay memory: at most cap ids (<= FA2_MAX_SNS_SEEN_IDS); expired ids are
 * dropped first, and when all are live the oldest is evicted (logged). Thread-safe. */
typedef struct fa2_sns_seen_mem fa2_sns_seen_mem;
fa2_err fa2_sns_seen_mem_new(size_t cap, fa2_sns_seen_mem **out);
void fa2_sns_seen_mem_free(fa2_sns_seen_mem *s);
/* The interface over s (s must outlive it). */
fa2_sns_seen fa2_sns_seen_mem_iface(fa2_sns_seen_mem *s);

/* ---- the verifier ------------------------------------------------------------------ */

typedef struct fa2_sns_cache_entry {
	char url[FA2_SNS_MAX_URL];      /* "" = free slot */
	fa2_sns_cert cert;
	int64_t expires_mono_ms;
	uint64_t used;                  /* LRU clock */
} fa2_sns_cache_entry;

typedef struct fa2_sns_verifier {
	char **topics;                  /* owned copies of the accepted TopicArns */
	size_t n_topics;
	int64_t max_age_ms, max_ahead_ms;
	int64_t cert_ttl_ms;
	int64_t fetch_timeout_ms;
	unsigned fetches_per_min;
	char override_host[FA2_AWS_MAX_NAME];  /* "" when AWS_ENDPOINT_URL_SNS is unset */
	unsigned override_port;
	int override_https;
	fa2_aws_http_fn http;           /* certificate fetches: fa2_aws_http_default */
	void *http_ctx;
	pthread_mutex_t lock;
	fa2_sns_cache_entry *cache;     /* FA2_MAX_SNS_CERTS_CACHED entries */
	uint64_t clock;
	int64_t window_start_mono_ms;
	unsigned window_fetches;
	unsigned long fetches, cache_hits;  /* statistics */
} fa2_sns_verifier;

/* Sets up v for the given topics (copied; n 0 accepts none) with the defaults above and
 * the endpoint override from AWS_ENDPOINT_URL_SNS (only that variable: AWS_ENDPOINT_URL,
 * which points every service at one emulator, does not name where certificates may come
 * from). FA2_ERR_CONFIG with why when the override is not a URL, FA2_ERR_NOMEM. */
fa2_err fa2_sns_verifier_init(fa2_sns_verifier *v, const char *const *topic_arns, size_t n,
                              char *why, size_t cap);
void fa2_sns_verifier_cleanup(fa2_sns_verifier *v);

/* 1 when topic_arn is one of v's topics (exact match). */
int fa2_sns_topic_allowed(const fa2_sns_verifier *v, const char *topic_arn);
/* FA2_SNS_OK when m's Timestamp is within [now - max_age, now + max_ahead]. */
fa2_sns_verdict fa2_sns_check_timestamp(const fa2_sns_verifier *v, const fa2_sns_message *m,
                                        int64_t now_ms, char *why, size_t cap);
/* The certificate for m: URL check, cache or verified HTTPS fetch, parse, valid now. */
fa2_sns_verdict fa2_sns_get_cert(fa2_sns_verifier *v, const fa2_sns_message *m, int64_t now_ms,
                                 fa2_sns_cert *out, char *why, size_t cap);
/* Every check of a parsed message in the order at the top of this file. seen may be
 * NULL (no replay memory: the caller deduplicates). FA2_SNS_OK means: authentic, from an
 * accepted topic, fresh, and (with seen) not accepted before. */
fa2_sns_verdict fa2_sns_accept(fa2_sns_verifier *v, const fa2_sns_message *m,
                               const fa2_sns_seen *seen, int64_t now_ms, char *why, size_t cap);

/* Confirms an accepted SubscriptionConfirmation whose topic is allowed: with client (its
 * region must be the topic's) through the SNS API (ConfirmSubscription with the Token,
 * AuthenticateOnUnsubscribe=true so only signed requests can unsubscribe), else by a GET
 * of SubscribeURL after fa2_sns_url_check. Writes the SubscriptionArn to arn (cap
 * arn_cap; "" when the answer has none). FA2_OK, FA2_ERR_AUTH (topic not allowed, URL
 * refused), FA2_ERR_AWS (the API refused: why has its error) or a transport error. */
fa2_err fa2_sns_confirm(fa2_sns_verifier *v, fa2_aws_client *client, const fa2_sns_message *m,
                        char *arn, size_t arn_cap, char *why, size_t cap);

/* ---- CloudWatch alarms in a notification ------------------------------------------- */

typedef enum fa2_sns_alarm_source {
	FA2_SNS_ALARM_CLASSIC = 1,      /* CloudWatch alarm action: {"AlarmName": ...} */
	FA2_SNS_ALARM_EVENTBRIDGE       /* "CloudWatch Alarm State Change" event */
} fa2_sns_alarm_source;

/* An alarm notification decoded. alarm is filled as DescribeAlarms would fill it (its
 * doc is a MetricAlarm-shaped object built from the notification: AlarmName, AlarmArn,
 * StateValue, StateReason, StateUpdatedTimestamp, Namespace/MetricName/Dimensions or
 * Metrics, Statistic, Period, Threshold, ComparisonOperator, ...), so code written for
 * fa2_alarm takes it as it is. */
typedef struct fa2_sns_alarm {
	fa2_sns_alarm_source source;
	fa2_alarm alarm;            /* owned (fa2_sns_alarm_cleanup) */
	char region[32];            /* region code: from the ARN, the event, or the display
	                             * name ("Asia Pacific (Tokyo)" -> ap-northeast-1); "" when
	                             * none of them says */
	char account[16];           /* from AWSAccountId, the event's account or the ARN */
	char previous_state[24];    /* OldStateValue / previousState.value; "" when absent */
	const char *alarm_rule;     /* composite alarms: AlarmRule (points into alarm.doc) */
	int composite;              /* 1 for a composite alarm */
} fa2_sns_alarm;

/* Decodes a Notification's Message. FA2_ERR_PARSE when it is neither shape (e.g. a
 * plain-text message), FA2_ERR_NOMEM; *out is empty on failure. */
fa2_err fa2_sns_alarm_parse(fa2_slice message, fa2_sns_alarm *out);
void fa2_sns_alarm_cleanup(fa2_sns_alarm *a);

/* Region code for a region's display name as CloudWatch writes it ("US East (N.
 * Virginia)", "Asia Pacific (Tokyo)", "EU (Ireland)"); NULL when unknown. */
const char *fa2_sns_region_from_name(fa2_slice display_name);

#endif
