/* Slack credentials for `fa2 serve` and `fa2 check`.
 *
 * Each value comes from its environment variable when that is set and not empty
 * (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET), else from Secrets Manager GetSecretValue of
 * the secret the configuration names (slackAppTokenKey: the bot token, as the AWS sample
 * calls it; slackSigningSecretKey: the signing secret), in the configured region.
 *
 * A secret's SecretString may be the value itself, or a JSON object. From an object the
 * first string member found among these names is taken:
 *   bot token:       SlackBotToken, SlackAppToken, botToken, bot_token, token, SLACK_BOT_TOKEN
 *   signing secret:  SlackSigningSecret, signingSecret, signing_secret, SLACK_SIGNING_SECRET
 * and otherwise the object's only string member, when it has exactly one; anything else
 * is an error that names the members tried. Values are registered for log redaction and
 * wiped from memory when released. */
#ifndef FA2_SERVE_SECRETS_H
#define FA2_SERVE_SECRETS_H

#include "agent/config.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/slice.h"

typedef enum fa2_slack_secret_kind { FA2_SLACK_SECRET_TOKEN, FA2_SLACK_SECRET_SIGNING } fa2_slack_secret_kind;

typedef struct fa2_serve_secrets {
	fa2_buf token;         /* NUL-terminated text when token_from is set */
	fa2_buf signing;
	char token_from[300];  /* "SLACK_BOT_TOKEN" or "Secrets Manager secret NAME"; "" when unset */
	char signing_from[300];
} fa2_serve_secrets;

void fa2_serve_secrets_init(fa2_serve_secrets *s);
/* Wipes and frees. */
void fa2_serve_secrets_cleanup(fa2_serve_secrets *s);

/* Fills s as described above (cfg may be NULL: environment only). A value neither
 * variable nor configuration provides stays unset (not an error). When a configured
 * secret cannot be read, returns the error with a sentence in msg (cap bytes) naming the
 * secret and AWS's error code. */
fa2_err fa2_serve_secrets_load(const fa2_config *cfg, fa2_serve_secrets *s, char *msg, size_t cap);

/* Picks the value out of a SecretString (see above) and appends it to out. name is the
 * secret's name for msg. FA2_ERR_NOT_FOUND when an object has no usable member. */
fa2_err fa2_serve_secret_pick(fa2_slice value, fa2_slack_secret_kind kind, const char *name,
                              fa2_buf *out, char *msg, size_t cap);

#endif
