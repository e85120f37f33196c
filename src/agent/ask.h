/* One-shot model calls for the commands that are not agent loops (/insight,
 * /findings-report): one user message, no tools, the configuration's sampling settings,
 * a deadline. */
#ifndef FA2_AGENT_ASK_H
#define FA2_AGENT_ASK_H

#include <stddef.h>
#include <stdint.h>

#include "agent/config.h"
#include "base/buf.h"
#include "base/err.h"
#include "llm/llm.h"

/* Sends prompt as the only user message (cfg: maxTokens, temperature/topP; may be NULL)
 * and appends the text of the model's answer to reply. deadline_mono_ms is absolute.
 * On failure writes a sentence to why (cap bytes) and returns the error of
 * fa2_llm_call, or FA2_ERR_LLM for an empty answer. */
fa2_err fa2_ask(fa2_llm_provider *llm, const fa2_config *cfg, fa2_slice prompt,
		int64_t deadline_mono_ms, fa2_buf *reply, char *why, size_t cap);

/* The JSON value in a model's answer: the text itself, or inside a ``` fence, or from
 * the first '{' to the last '}'. NULL when none parses. Caller deletes. */
cJSON *fa2_ask_json(fa2_slice text);

/* Removes a ``` / ```markdown fence that wraps the whole answer, in place. */
void fa2_ask_unfence(fa2_buf *md);

#endif
