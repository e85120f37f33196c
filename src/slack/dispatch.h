/* What a Slack transport (the HTTP endpoint, Socket Mode) hands to the application:
 * the kind of payload, how a late answer is given, and the immediate acknowledgement.
 * Protocol only: the application (serve/app.h) implements fa2_slack_dispatch_fn. */
#ifndef FA2_SLACK_DISPATCH_H
#define FA2_SLACK_DISPATCH_H

#include <stddef.h>

#include "base/err.h"
#include "base/json.h"

typedef enum fa2_slack_kind {
	FA2_SLACK_EVENTS = 1,     /* Events API body: url_verification, event_callback */
	FA2_SLACK_INTERACTIVE,    /* interactivity payload: block_actions, view_submission, ... */
	FA2_SLACK_COMMAND         /* slash command as a flat object: command, text, trigger_id,
	                           * channel_id, user_id, team_id, response_url */
} fa2_slack_kind;

/* An answer given later (slash commands: the worker opens the modal, then answers).
 * begin runs on the dispatching thread and returns a handle (NULL: cannot defer, the
 * request is answered 503 at once); complete is then called exactly once with that
 * handle, from a worker thread (or the dispatching one when the queue is full). */
typedef struct fa2_slack_deferral {
	void *(*begin)(void *ctx);
	void (*complete)(void *handle, int status, const char *content_type, const void *body, size_t len);
	void *ctx;
} fa2_slack_deferral;

/* The immediate acknowledgement. Over HTTP: status, Content-Type (JSON when json) and
 * body. Over Socket Mode: a JSON body becomes the ack's "payload". */
typedef struct fa2_slack_ack {
	int status;             /* 200; 400 undecodable or incomplete; 503 busy */
	int deferred;           /* 1: nothing to send now, the deferral completes later */
	int json;               /* body is a JSON object */
	size_t len;
	char body[4096];        /* NUL-terminated too */
} fa2_slack_ack;

/* Handles one verified payload (ownership taken; NULL gives a 400 ack), with retry
 * (Slack's retry number or reason, or NULL) and defer (NULL: no late answers), filling
 * ack. Cheap and non-blocking: called on a transport's thread. FA2_ERR_PARSE when the
 * ack is a 400. */
typedef fa2_err (*fa2_slack_dispatch_fn)(void *ctx, fa2_slack_kind kind, cJSON *payload, const char *retry,
                                         const fa2_slack_deferral *defer, fa2_slack_ack *ack);

#endif
