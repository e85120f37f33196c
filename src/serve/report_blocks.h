/* The analysis report as Slack messages, built from the report document
 * (docs/report-schema.md), not from its Markdown: Slack renders no GitHub Markdown in
 * mrkdwn text, so headings, bold and pipe tables would reach the reader as raw
 * characters.
 *
 * The first message has a header block (the title), the incident and its window in the
 * report's zone, the summary, the causal chain as arrow lines and the root causes (a
 * heading section with severity and confidence as fields, the model's description, the
 * evidence); then impact, the timeline (a table block when it fits, else a list; a
 * table ends its message), the references, actions, prevention, missing data and a
 * footer. A heading never ends a message apart from what it heads. Free text the model wrote
 * (summary, descriptions, impact, actions, prevention, missing) goes into `markdown`
 * blocks, which Slack renders as standard Markdown; everything fa2 composes is mrkdwn
 * with &, < and > escaped. Text that does not fit one block is split over several
 * (at line ends, then spaces, never inside a character); blocks that do not fit one
 * message continue in the next (a thread reply): nothing is dropped.
 *
 * Limits (Block Kit reference, docs.slack.dev/reference/block-kit): 50 blocks per
 * message; header text 150 characters; section text 3000; a section's fields 10 of at
 * most 2000 each; context elements 10; markdown blocks 12,000 characters cumulative per
 * message; a table block 100 rows of at most 20 cells, and one table per message.
 * Slack also refuses messages whose blocks hold much more than about 13,000 characters
 * in total (msg_blocks_too_long, not documented), so each message here holds at most
 * FA2_SLACK_RB_MESSAGE_CHARS characters of text over all its blocks, which also keeps
 * the markdown total within 12,000. Slack does not say how it counts characters; fa2
 * counts UTF-16 code units (a character outside the BMP, like most emoji, counts 2),
 * never fewer than the code points, so the stricter reading holds. */
#ifndef FA2_SERVE_REPORT_BLOCKS_H
#define FA2_SERVE_REPORT_BLOCKS_H

#include <stddef.h>

#include "cJSON.h"

#include "agent/report.h"
#include "base/err.h"
#include "base/slice.h"
#include "base/tz.h"
#include "slack/webapi.h"

#define FA2_SLACK_RB_MAX_BLOCKS     50u
#define FA2_SLACK_RB_HEADER_CHARS   150u
#define FA2_SLACK_RB_SECTION_CHARS  3000u
#define FA2_SLACK_RB_FIELD_CHARS    2000u
#define FA2_SLACK_RB_MAX_FIELDS     10u
#define FA2_SLACK_RB_MARKDOWN_TOTAL 12000u  /* all markdown blocks of one message */
#define FA2_SLACK_RB_TABLE_ROWS     100u
#define FA2_SLACK_RB_TABLE_CELLS    20u
#define FA2_SLACK_RB_CELL_CHARS     2000u   /* fa2's cap per table cell (none documented) */
#define FA2_SLACK_RB_MESSAGE_CHARS  12000u  /* all text of one message (see above) */
#define FA2_SLACK_RB_FALLBACK_CHARS 300u    /* the notification text */
#define FA2_SLACK_RB_MAX_MESSAGES   64u     /* a report that needs more is cut, said so */

/* Characters as fa2 counts them for Slack: UTF-16 code units of the UTF-8 text (an
 * invalid byte counts 1). */
size_t fa2_slack_text_chars(fa2_slice s);

/* The length in bytes of the first piece of s holding at most max_chars characters
 * (fa2_slack_text_chars): the whole of s when it fits, else cut after the last line
 * end in the piece's second half, else after its last space there, else at the
 * character boundary. Never 0 for non-empty s and max_chars >= 2. */
size_t fa2_slack_cut(fa2_slice s, size_t max_chars);

/* Builds the report's messages: *out gets a new array of objects
 * {"text": notification fallback, "blocks": [...]}, the first to post in the thread
 * first, each within the limits above. report is a normalised report document
 * (agent/report.h); lang the language of the labels; times (window, timeline, chain)
 * are shown at tz (NULL: UTC). Errors: FA2_ERR_NOMEM. */
fa2_err fa2_slack_report_messages(const cJSON *report, fa2_lang lang, const fa2_tz *tz, cJSON **out);

/* Posts the report in the thread: Block Kit messages built from the report document
 * (serve/report_blocks.h: labels in lang, times at tz, NULL for UTC), one after the other,
 * then md, the same report as Markdown, as the file fa2-report.md (files upload v2).
 * report NULL (the document could not be read), or a message Slack refused: the file
 * is uploaded all the same, with the title as its comment. Messages after a refused one
 * are not posted. Returns the first error. */
fa2_err fa2_slack_post_report(fa2_slack_api *api, const char *channel, const char *thread,
                              const cJSON *report, fa2_lang lang, const fa2_tz *tz, fa2_slice md);

#endif
