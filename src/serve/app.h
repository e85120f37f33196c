/* The Slack app inside `fa2 serve`: one HTTP endpoint (default /slack/events) for the
 * Events API, interactivity and slash commands.
 *
 * On the server's loop thread every request is: size-capped (the server answers 413
 * above FA2_SLACK_MAX_BODY), verified (slack/verify.h; 401 and a log line with the
 * reason otherwise), decoded, de-duplicated, and acknowledged at once. Work runs on two
 * separate pools so that an interaction never waits behind an analysis:
 *   - interaction workers (`workers`): forms, modals, slash commands, view submissions;
 *     a few Web API calls each. Slash commands are deferred (server defer/complete) to
 *     one of them, which opens the modal with the trigger id and then answers.
 *   - analysis slots (`analysis_workers`) with a bounded queue (`analysis_queue`):
 *     analyses, resumptions, /insight and /findings-report runs. A request that has to
 *     wait gets a notice in its thread with the number of analyses ahead ("Queued: 2
 *     analyses ahead"), updated as it moves up and when it starts; a request that finds
 *     the queue full is told fa2 is busy.
 *
 * Idempotency: event ids (Slack retries carry the same event_id with X-Slack-Retry-Num)
 * and submit clicks (action + message ts) are put into an idempotency store
 * (store/store.h, one day TTL): cfg.store when given (e.g. one DynamoDB table shared by
 * several instances), else a flat store in memory appended to STATE_DIR/slack/seen.log
 * (read back at start, compacted, bounded by age), so a retry or a double click never
 * starts a second form or analysis, across restarts and instances too. */
#ifndef FA2_SERVE_APP_H
#define FA2_SERVE_APP_H

#include <stdint.h>

#include "agent/config.h"
#include "base/err.h"
#include "net/server.h"
#include "slack/dispatch.h"

struct fa2_alarm; /* aws/alarms.h */
struct fa2_store; /* store/store.h */

#define FA2_SLACK_MAX_BODY (512u * 1024u)   /* request bodies above this: 413 */
#define FA2_SLACK_MAX_SEEN 262144u          /* flat store: idempotency keys remembered */
#define FA2_SLACK_MAX_QUEUE 1024u           /* jobs waiting for a worker */
#define FA2_SLACK_DEFAULT_ANALYSIS_WORKERS 2u
#define FA2_SLACK_DEFAULT_ANALYSIS_QUEUE 16u

/* Looks up alarm name in region (NULL or "": the configured region) with DescribeAlarms
 * into out (aws/alarms.h). FA2_ERR_NOT_FOUND when CloudWatch has no such alarm; other
 * errors when the look-up failed. Called from several threads at once. */
typedef fa2_err (*fa2_slack_alarm_lookup)(void *ctx, const char *name, const char *region, struct fa2_alarm *out);

typedef struct fa2_slack_app_config {
	const char *signing_secret;   /* required for the HTTP endpoint (not for Socket Mode) */
	const char *bot_token;        /* xoxb-...; without it nothing is posted */
	const char *state_dir;        /* idempotency log lives in STATE_DIR/slack */
	struct fa2_store *store;      /* idempotency store (borrowed); NULL: the flat log above */
	const char *alarm_ids;        /* comma-separated bot/app ids whose messages are alarms */
	const char *allow_channels;   /* comma-separated channel ids; NULL/empty: all */
	const char *allow_users;      /* comma-separated user ids; NULL/empty: all */
	unsigned workers;             /* interaction worker threads (default 2) */
	unsigned analysis_workers;    /* analysis slots (default FA2_SLACK_DEFAULT_ANALYSIS_WORKERS) */
	unsigned analysis_queue;      /* analyses that may wait for a slot (default
	                               * FA2_SLACK_DEFAULT_ANALYSIS_QUEUE, at most FA2_SLACK_MAX_QUEUE) */
	int before_min, after_min;    /* form window around the alarm's state change (30, 10) */
	int max_window_min;           /* longest accepted window (default 1440) */
	fa2_config *cfg;              /* analysis configuration (borrowed) */
	fa2_slack_alarm_lookup lookup;/* DescribeAlarms (alarm state, time, metric); NULL: the
	                               * message text is all fa2 knows of an alarm */
	int64_t progress_interval_ms; /* progress message updates at most this often (2000) */
	void *lookup_ctx;
	/* Reloadable settings (serve/settings.h), one reference handed over; NULL: built from
	 * cfg, alarm_ids, allow_channels and allow_users above (which are then not used). */
	struct fa2_slack_settings *settings;
	const char *self_user_id;     /* the bot's own user id (auth.test): its messages are ignored */
	const char *self_bot_id;      /* and its bot id */
} fa2_slack_app_config;

typedef struct fa2_slack_app fa2_slack_app;

/* Default alarm sources: AWS Chatbot / Amazon Q Developer in chat applications. */
#define FA2_SLACK_DEFAULT_ALARM_IDS "A6L22LZNH"

fa2_err fa2_slack_app_new(const fa2_slack_app_config *cfg, fa2_slack_app **out);
/* Registers POST path on srv. FA2_ERR_CONFIG when the app has no signing secret. */
fa2_err fa2_slack_app_route(fa2_slack_app *app, fa2_server *srv, const char *path);

/* ---- transport-independent entry (slack/dispatch.h): the HTTP endpoint and Socket Mode ---- */

/* Handles one verified request or envelope payload: decode, de-duplicate (event ids,
 * view ids, submit clicks), enqueue for the workers, and fill ack. Takes ownership of
 * payload (NULL gives a 400 ack). retry: Slack's retry number or reason for the log, or
 * NULL. defer is needed for slash commands (NULL: they are answered 503). Cheap and
 * non-blocking: safe on a loop thread. FA2_ERR_PARSE when the ack is a 400. */
fa2_err fa2_slack_app_dispatch(fa2_slack_app *app, fa2_slack_kind kind, cJSON *payload, const char *retry,
                               const fa2_slack_deferral *defer, fa2_slack_ack *ack);
/* Makes s (one reference handed over) the settings for work that starts from now on;
 * work already running keeps the settings it started with. Thread-safe. */
void fa2_slack_app_reload(fa2_slack_app *app, struct fa2_slack_settings *s);
/* An alarm from another entry point (serve/sns.h), already authenticated and in state
 * ALARM: queued for an interaction worker, which posts its form in channel (a new
 * message), or with analyze posts a message announcing it and queues its analysis, whose
 * progress and report follow in that message's thread. alarm is copied. Non-blocking.
 * FA2_ERR_AGAIN when the interaction queue is full (space comes back as jobs finish),
 * FA2_ERR_CLOSED when the app is stopping. */
fa2_err fa2_slack_app_alarm(fa2_slack_app *app, const struct fa2_alarm *alarm, const char *channel, int analyze);
/* Stops the workers after the queued jobs finish, then frees. app may be NULL. */
void fa2_slack_app_free(fa2_slack_app *app);

/* The bot token's standing with Slack, for readiness (/readyz). */
typedef struct fa2_slack_auth_state {
	int has_token;            /* 0: no bot token, nothing to check */
	int known;                /* 1 once auth.test ran or a call was refused */
	int ok;                   /* the last verdict: 1 accepted, 0 refused */
	char code[64];            /* Slack's error code when refused ("token_revoked", ...) */
	char method[48];          /* the call that was refused */
	int64_t at_ms;            /* wall clock of the last verdict */
	int64_t checked_ms;       /* wall clock of the last auth.test (0: none yet) */
} fa2_slack_auth_state;
/* Runs auth.test now and records the verdict (a transport failure changes nothing:
 * Slack being unreachable is not the token's fault; logged). Blocking (Web API call). */
void fa2_slack_app_check_auth(fa2_slack_app *app);
/* The recorded verdict. Any Web API call of the app that Slack refuses for the token
 * (invalid_auth, token_revoked, ...) records a refusal at once. Thread-safe, no I/O. */
void fa2_slack_app_auth(fa2_slack_app *app, fa2_slack_auth_state *out);

typedef struct fa2_slack_stats {
	uint64_t requests, rejected, duplicates, events, actions, commands;
	uint64_t store_errors;    /* requests dropped: the idempotency store could not answer */
	uint64_t forms_posted, analyses_ok, analyses_failed;
	uint64_t events_refused;  /* alarm messages dropped: unusable ts (logged) */
	uint64_t analyses_rejected; /* long work refused: the analysis queue was full */
	size_t analyses_queued;   /* gauge: waiting for an analysis slot */
	unsigned analyses_running, analysis_slots;  /* gauges */
} fa2_slack_stats;
void fa2_slack_app_stats(fa2_slack_app *app, fa2_slack_stats *out);
/* The idempotency store in use (cfg.store or the app's flat store; /readyz reads its stats). */
struct fa2_store *fa2_slack_app_store(fa2_slack_app *app);

/* ---- pieces exposed for tests ---- */

/* Reads an alarm notification from a message event (text, attachments, blocks) into
 * out: its name, the state it names (when it does) and its region and account (when the
 * text names them). Returns 1 when an alarm name was found (out then owns a document:
 * fa2_alarm_cleanup), else 0 (out zeroed). */
int fa2_slack_parse_alarm(const cJSON *event, struct fa2_alarm *out);

/* The form's note (in lang) when DescribeAlarms could not confirm the alarm: why (e: no
 * such alarm in region, perhaps another account; access refused; CloudWatch not set up
 * or unreachable) and that the form shows what the message says, unconfirmed. */
void fa2_slack_unconfirmed_note(fa2_err e, const char *region, const char *account, fa2_lang lang, char *out,
                                size_t cap);

/* Validates an analysis window (Unix seconds). Returns NULL when valid, else a sentence
 * for the user in lang; *start_at_fault (may be NULL) is 1 when the start field is the
 * one to correct. */
const char *fa2_slack_check_window(int64_t start_s, int64_t end_s, int64_t now_s, int max_min, fa2_lang lang,
                                   int *start_at_fault);

#endif
