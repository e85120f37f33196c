/* The Amazon SNS entry point of `fa2 serve` (POST /sns by default): CloudWatch alarms
 * reach fa2 without Slack delivering them (the AWS sample's Custom Action branch).
 *
 * Configuration (the configuration file's "sns" object, read at start):
 *   "sns": {
 *     "path": "/sns",
 *     "topics": [
 *       { "topicArn": "arn:aws:sns:ap-northeast-1:123456789012:alarms",
 *         "channel": "C0123", "action": "form" },      // or "analyze"
 *     ]
 *   }
 * Only the listed topics are accepted (subscriptions confirmed, notifications taken).
 *
 * Per request, on the server's loop thread: the body is capped (FA2_MAX_SNS_BODY_BYTES
 * and the server's own cap; 413 above), copied with the x-amz-sns-* headers and deferred
 * to one of this endpoint's workers (a bounded queue: 503 when full, SNS retries). A
 * worker runs the whole check of aws/sns.h (parse, topic, Timestamp window, certificate
 * URL and verified HTTPS fetch, signature) and answers:
 *   - refused: 400 malformed, 403 unknown topic / stale / certificate URL / certificate /
 *     signature (SNS retries and gives up; nothing is done), 503 when the certificate
 *     could not be fetched or the store failed (transient: SNS retries);
 *   - SubscriptionConfirmation: confirmed by a GET of SubscribeURL (host rules as for
 *     the certificate), 200; 502 when the confirmation failed;
 *   - Notification: its MessageId is put into the idempotency store (the Slack app's:
 *     flat files or the DynamoDB table shared by instances), so a redelivery is answered
 *     200 and does nothing; a CloudWatch alarm (classic alarm action, or an EventBridge
 *     "CloudWatch Alarm State Change" event) in state ALARM is handed to the Slack app
 *     (fa2_slack_app_alarm): the form in the topic's channel, or the analysis at once with
 *     its report there. OK / INSUFFICIENT_DATA and other messages: 200, logged, nothing
 *     posted. The answer never waits for the form or the analysis. */
#ifndef FA2_SERVE_SNS_H
#define FA2_SERVE_SNS_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "net/server.h"
#include "serve/app.h"

#define FA2_SERVE_SNS_MAX_TOPICS 64u
#define FA2_SERVE_SNS_WORKERS 2u
#define FA2_SERVE_SNS_QUEUE 64u        /* deliveries waiting for a worker; more: 503 */
#define FA2_SERVE_SNS_HANDOVER_WAIT_MS 10000 /* a full interaction queue is waited out this long */
#define FA2_SERVE_SNS_HANDOVER_STEP_MS 100
#define FA2_SERVE_SNS_DEFAULT_PATH "/sns"

typedef struct fa2_serve_sns_topic {
	char arn[256];
	char channel[64];
	int analyze;                       /* 1: "analyze"; 0: "form" */
} fa2_serve_sns_topic;

typedef struct fa2_serve_sns_config {
	fa2_serve_sns_topic topics[FA2_SERVE_SNS_MAX_TOPICS];
	size_t n_topics;                   /* 0: no "sns" object (the endpoint is off) */
	char path[128];
} fa2_serve_sns_config;

/* Reads the "sns" object of a configuration JSON text (origin names the file in msg).
 * No "sns" object: FA2_OK with n_topics 0. FA2_ERR_CONFIG with msg (cap bytes) naming
 * the key when a value is wrong (not an SNS topic ARN, not a Slack channel id, an
 * unknown action, a path not starting with '/'). */
fa2_err fa2_serve_sns_config_parse(fa2_slice json, const char *origin, fa2_serve_sns_config *out, char *msg,
                                   size_t cap);

typedef struct fa2_serve_sns fa2_serve_sns;

/* The endpoint for cfg (copied) handing alarms to app (borrowed, must outlive it); starts
 * its workers. FA2_ERR_CONFIG with why when AWS_ENDPOINT_URL_SNS is not a URL. */
fa2_err fa2_serve_sns_new(const fa2_serve_sns_config *cfg, fa2_slack_app *app, fa2_serve_sns **out, char *why,
                          size_t cap);
/* Registers POST cfg.path on srv. */
fa2_err fa2_serve_sns_route(fa2_serve_sns *s, fa2_server *srv);
/* Finishes the queued deliveries, stops the workers, frees. Call after the server
 * stopped (no new requests). s may be NULL. */
void fa2_serve_sns_free(fa2_serve_sns *s);

typedef struct fa2_serve_sns_stats {
	uint64_t requests, refused, duplicates, confirmed, alarms, ignored, busy;
} fa2_serve_sns_stats;
void fa2_serve_sns_stats_get(fa2_serve_sns *s, fa2_serve_sns_stats *out);

#endif
