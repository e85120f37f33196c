/* Slack Socket Mode client: the Slack app without an inbound port.
 *
 * A thread of its own asks apps.connections.open (Web API, "Authorization: Bearer
 * xapp-..." app-level token with connections:write; base URL $SLACK_API_URL as in
 * webapi.h) for a wss:// URL, connects it with net/ws.h and then, per message:
 *
 *   hello                        connection ready (backoff is reset)
 *   events_api / interactive /   payload goes to the dispatch callback (the app's, the same code
 *   slash_commands               as the HTTP endpoint: de-duplication, queueing), and the
 *                                envelope is acknowledged {"envelope_id":..., "payload":...}
 *                                at once (a JSON ack, e.g. view_submission errors, becomes
 *                                "payload"). Slash commands are answered by a worker: the
 *                                ack waits for it at most command_wait_ms (default 2500,
 *                                inside Slack's 3 s), then goes without a payload.
 *   disconnect                   (refresh_requested, warning, link_disabled, ...): a new
 *                                connection is opened and connected first, then the old
 *                                one is closed (make before break).
 *
 * Liveness: when nothing arrived for ping_interval_ms the client pings; without a pong
 * within pong_timeout_ms the link is considered dead. A dead link, a closed or reset
 * connection, or a failed open/connect leads to a reconnect after a capped exponential
 * backoff with jitter (backoff_min_ms doubling up to backoff_max_ms; each wait is drawn
 * uniformly from [b/2, b]). The app token is registered as a log secret; the wss:// URL
 * (its ticket) is never logged, only its host.
 *
 * Stopping (fa2_slack_socket_stop) is prompt: the thread notices within ~200 ms while
 * connected, sends a 1000 close, and exits; a connection attempt in progress finishes
 * (bounded by its 10 s timeouts) first. */
#ifndef FA2_SLACK_SOCKET_H
#define FA2_SLACK_SOCKET_H

#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "base/slice.h"
#include "slack/dispatch.h"

typedef struct fa2_slack_socket_config {
	const char *app_token;        /* xapp-...; required (copied) */
	fa2_slack_dispatch_fn dispatch; /* receives the payloads (required) */
	void *dispatch_ctx;           /* its ctx (borrowed, outlives the client) */
	int64_t ping_interval_ms;     /* silence before a ping (default 30000) */
	int64_t pong_timeout_ms;      /* wait for the pong (default 10000) */
	int64_t backoff_min_ms;       /* first reconnect wait (default 1000) */
	int64_t backoff_max_ms;       /* cap (default 60000) */
	int64_t command_wait_ms;      /* longest wait for a slash command answer (default 2500) */
} fa2_slack_socket_config;

typedef struct fa2_slack_socket_stats {
	uint64_t connections;         /* successful WebSocket connections */
	uint64_t reconnects;          /* connections after the first */
	uint64_t envelopes;           /* envelopes with an envelope_id received */
	uint64_t acks;                /* acknowledgements sent */
	uint64_t disconnects;         /* disconnect messages from Slack */
	uint64_t failures;            /* failed opens/connects and lost links */
	int connected;                /* 1 while a connection is up */
} fa2_slack_socket_stats;

typedef struct fa2_slack_socket fa2_slack_socket;

/* Validates cfg (FA2_ERR_CONFIG without a token or dispatch) and starts the thread. */
fa2_err fa2_slack_socket_start(const fa2_slack_socket_config *cfg, fa2_slack_socket **out);
/* Stops the thread (closing the connection), waits for it, frees s. s may be NULL. */
void fa2_slack_socket_stop(fa2_slack_socket *s);
void fa2_slack_socket_get_stats(fa2_slack_socket *s, fa2_slack_socket_stats *out);

/* ---- pieces exposed for tests and fuzzing ---- */

typedef struct fa2_slack_envelope {
	char type[32];                /* hello, disconnect, events_api, interactive, slash_commands */
	char envelope_id[128];        /* "" when absent */
	char reason[64];              /* disconnect reason, "" otherwise */
	char retry[16];               /* retry_attempt when > 0, else "" */
	int accepts_response_payload;
	cJSON *payload;               /* owned; NULL when absent */
} fa2_slack_envelope;

/* Decodes one Socket Mode message. FA2_ERR_PARSE when it is not a JSON object with a
 * string "type" (of at most 31 bytes), when envelope_id is not a string of at most 127
 * bytes, or when "payload" is present but not an object. On error nothing is owned. */
fa2_err fa2_slack_envelope_parse(fa2_slice msg, fa2_slack_envelope *out);
void fa2_slack_envelope_cleanup(fa2_slack_envelope *e);
/* Maps an envelope type to the dispatch kind; 0 for others (hello, disconnect, ...). */
int fa2_slack_envelope_kind(const char *type);
/* Appends the acknowledgement for envelope_id: {"envelope_id":"..."} plus "payload" when
 * ack is not NULL and carries a JSON body. */
fa2_err fa2_slack_socket_ack_json(const char *envelope_id, const fa2_slack_ack *ack, fa2_buf *out);

#endif
