/* The shared driver of `fa2 insight` / `fa2 findings-report` and the Slack commands
 * /insight and /findings-report: configuration checks (slashCommands.*), prompts,
 * model provider and transport, the engine, clean-up. */
#ifndef FA2_AGENT_CMDS_H
#define FA2_AGENT_CMDS_H

#include <stddef.h>

#include "agent/config.h"
#include "base/buf.h"
#include "base/err.h"

/* Writes the Markdown insight for question over the last days (1..14) to md. Returns
 * FA2_ERR_UNSUPPORTED when slashCommands.insight is off, FA2_ERR_INVALID / FA2_ERR_CONFIG
 * for bad input or set-up, other errors when the run failed; msg (cap bytes) then holds a
 * sentence for the user. *model_ok (may be NULL): the model wrote the answer. */
fa2_err fa2_cmds_run_insight(const fa2_config *cfg, fa2_lang lang, const char *question, int days,
			     fa2_buf *md, int *model_ok, char *msg, size_t cap);
/* The same for the findings report (slashCommands.findingsReport). */
fa2_err fa2_cmds_run_findings(const fa2_config *cfg, fa2_lang lang, fa2_buf *md, int *model_ok,
			      char *msg, size_t cap);

#endif
