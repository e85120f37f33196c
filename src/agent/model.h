/* The model provider and its transport, built from the configuration in ONE place
 * (analyses, insight, findings report, fa2 check all use it).
 *
 * fa2_model_open: API key from llm.apiKeyEnv (OpenAI-compatible), the provider
 * (llm.provider, modelId, llm.endpoint) with the configured retries, backoff and
 * per-attempt timeout, and the production transport (Bedrock: the process's shared AWS
 * client for cfg->region). The caller holds the shared AWS client
 * (fa2_aws_shared_hold) for as long as the model is open. */
#ifndef FA2_AGENT_MODEL_H
#define FA2_AGENT_MODEL_H

#include <stddef.h>

#include "agent/config.h"
#include "base/err.h"
#include "llm/llm.h"

typedef struct fa2_model {
	fa2_llm_provider llm;   /* ready to call once fa2_model_open returned FA2_OK */
	void *tctx;             /* transport context; NULL when none */
	int have_llm;
} fa2_model;

/* Opens m. On failure msg (cap bytes) holds a sentence for people and the error is
 * FA2_ERR_CONFIG (API key variable unset, bad provider settings), FA2_ERR_UNSUPPORTED
 * (not available in this build) or another error of the transport. fa2_model_close(m)
 * is safe either way. */
fa2_err fa2_model_open(fa2_model *m, const fa2_config *cfg, char *msg, size_t cap);
void fa2_model_close(fa2_model *m);

#endif
