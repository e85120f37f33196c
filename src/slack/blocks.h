/* Block Kit builders for fa2's Slack messages, within Block Kit's limits:
 * at most FA2_SLACK_MAX_BLOCKS blocks per message, section/context text at most
 * FA2_SLACK_MAX_TEXT characters, plain-text input initial values at most 3000. Long
 * reports are split across sections and messages. */
#ifndef FA2_SLACK_BLOCKS_H
#define FA2_SLACK_BLOCKS_H

#include <stddef.h>
#include <stdint.h>

#include "base/json.h"
#include "base/slice.h"
#include "base/tz.h"
#include "slack/webapi.h"

struct fa2_alarm; /* aws/alarms.h */

/* The en or ja variant of a user-visible text. lang is an fa2_lang value (agent/tool.h:
 * 0 English, FA2_SLACK_LANG_JA Japanese), taken as an int so that this protocol layer
 * does not include the agent; serve/app.c checks the two agree at compile time. */
#define FA2_SLACK_LANG_JA 1
#define FA2_SLACK_L(lang, en, ja) ((lang) == FA2_SLACK_LANG_JA ? (ja) : (en))

#define FA2_SLACK_MAX_BLOCKS 50
#define FA2_SLACK_MAX_TEXT   3000

/* block_id / action_id of the form's fields */
#define FA2_SLACK_BLK_DESC  "fa2_desc"
#define FA2_SLACK_ACT_DESC  "fa2_desc_input"
#define FA2_SLACK_BLK_START "fa2_start"
#define FA2_SLACK_ACT_START "fa2_start_input"
#define FA2_SLACK_BLK_END   "fa2_end"
#define FA2_SLACK_ACT_END   "fa2_end_input"
#define FA2_SLACK_ACT_SUBMIT "fa2_submit"
#define FA2_SLACK_VIEW_CALLBACK "fa2_form"

/* A Block Kit text object {"type": type, "text": text} (plain_text or mrkdwn); NULL
 * when out of memory. */
cJSON *fa2_slack_text_obj(const char *type, const char *text);

/* The analysis form for a message: description input (prefilled), start and end as
 * datetimepickers (Unix seconds: Slack shows them in each user's own time zone and
 * returns UTC seconds), a primary submit button, and error (may be NULL) shown under it.
 * Labels in lang (an fa2_lang, agent/config.h). */
cJSON *fa2_slack_form_blocks(const char *desc, int64_t start_s, int64_t end_s, const char *error, int lang);
/* The form for an alarm: as fa2_slack_form_blocks, with the alarm itself carried in the
 * submit button's value as data ("alarm:" and fa2_alarm_compact_json, within Block Kit's
 * 2,000 characters): its name, region, account, state-change time and metric travel with
 * the form, so the analysis and its graphs read them whatever the description says.
 * alarm NULL gives the plain form. */
cJSON *fa2_slack_form_blocks_alarm(const char *desc, int64_t start_s, int64_t end_s, const char *error,
                                   const struct fa2_alarm *alarm, int lang);
/* Reads a submit button's value: 1 with the alarm it carries decoded into out (which then
 * owns a document: fa2_alarm_cleanup), else 0 (out zeroed). Also reads the
 * "alarm:REGION:NAME" value of forms posted by earlier versions (name and region only). */
int fa2_slack_form_alarm(const char *value, struct fa2_alarm *out);
/* The same fields as a modal view for views.open; private_metadata carries channel. */
cJSON *fa2_slack_form_modal(int64_t start_s, int64_t end_s, const char *channel, int lang);
/* What replaces the form once submitted. */
cJSON *fa2_slack_received_blocks(const char *desc, int64_t start_s, int64_t end_s, const char *user, int lang);


/* Uploads data as a file named filename (files upload v2: getUploadURLExternal, the
 * bytes, completeUploadExternal) in channel, in thread when not NULL, titled title
 * (NULL: filename), with comment as its message when not NULL or "". */
fa2_err fa2_slack_upload_file(fa2_slack_api *api, const char *channel, const char *thread,
                              const char *filename, const char *title, const char *comment, fa2_slice data);

/* Splits md into pieces of at most max bytes, preferring line ends and never cutting
 * a UTF-8 sequence. Returns the length of the first piece (0 only for empty md). */
size_t fa2_slack_split_len(fa2_slice md, size_t max);

#endif
