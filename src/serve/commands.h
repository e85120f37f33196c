/* The Slack commands /insight and /findings-report (the app's routing calls in here;
 * the engines are src/agent/insight.c and src/agent/findings.c, driven through
 * src/agent/cmds.c).
 *
 * /insight opens a modal (multiline question, 1..14 day select); on submit a "working"
 * message is posted in the channel the command came from, the insight runs, the message
 * is updated with a short summary and the Markdown answer is uploaded as a file (files
 * upload v2) in its thread. /findings-report acknowledges at once, posts "working", runs,
 * and uploads the report the same way. When the bot cannot post in the channel (a DM
 * between people, a private channel it is not in), the output goes to the user's DM
 * with the bot instead. Failures are posted to the user with the reason. */
#ifndef FA2_SERVE_COMMANDS_H
#define FA2_SERVE_COMMANDS_H

#include <stddef.h>

#include "agent/config.h"
#include "base/json.h"
#include "slack/webapi.h"

#define FA2_SLACK_INSIGHT_CALLBACK "fa2_insight"
#define FA2_SLACK_BLK_QUESTION     "fa2_question"
#define FA2_SLACK_ACT_QUESTION     "fa2_question_input"
#define FA2_SLACK_BLK_DAYS         "fa2_days"
#define FA2_SLACK_ACT_DAYS         "fa2_days_input"

/* 1 for "/insight" and "/findings-report". */
int fa2_slack_cmds_owns(const char *command);
/* 1 for the callback_id of the /insight modal. */
int fa2_slack_cmds_owns_view(const char *callback_id);

/* The /insight modal; private_metadata carries channel. lang picks the labels. */
cJSON *fa2_slack_insight_modal(const char *channel, fa2_lang lang);

/* How the deferred answer to a slash command is delivered (HTTP response or Socket Mode
 * acknowledgement): called exactly once with handle. */
typedef void (*fa2_slack_cmds_complete_fn)(void *handle, int status, const char *content_type,
                                           const void *body, size_t len);

/* Interaction side. Handles one of our slash commands (p: the command's fields as a
 * flat object) and calls complete(handle, ...) exactly once (complete may be NULL:
 * nothing to answer); only quick work (views.open). cfg may be NULL (answered with an
 * error). Returns 1 when long work follows: the caller then runs
 * fa2_slack_cmds_findings(p) where long work runs (the analysis pool), else 0. */
int fa2_slack_cmds_command(fa2_slack_api *api, const fa2_config *cfg, const cJSON *p,
                           fa2_slack_cmds_complete_fn complete, void *handle);
/* Long work: the /findings-report run for the command p (see above). */
void fa2_slack_cmds_findings(fa2_slack_api *api, const fa2_config *cfg, const cJSON *p);
/* Long work. A submitted /insight modal (the view_submission payload). */
void fa2_slack_cmds_view(fa2_slack_api *api, const fa2_config *cfg, const cJSON *p);

/* The first paragraph of md that is not a heading, at most max bytes (UTF-8 safe),
 * into out (cap bytes). Exposed for tests. */
void fa2_slack_md_gist(fa2_slice md, size_t max, char *out, size_t cap);

#endif
