/* Model provider + transport from the configuration: see model.h. */
#include "agent/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm/transport.h"

fa2_err fa2_model_open(fa2_model *m, const fa2_config *cfg, char *msg, size_t cap)
{
	fa2_llm_transport_fn fn = NULL;
	const char *api_key = NULL;
	fa2_err e;

	memset(m, 0, sizeof *m);
	if (cap)
		msg[0] = '\0';
	if (cfg->llm_provider == FA2_LLM_OPENAI && cfg->llm_api_key_env) {
		api_key = getenv(cfg->llm_api_key_env);
		if (!api_key || !*api_key) {
			snprintf(msg, cap, "llm.apiKeyEnv names %s, which is not set in the environment",
				 cfg->llm_api_key_env);
			return FA2_ERR_CONFIG;
		}
	}
	e = fa2_llm_provider_init(&m->llm, cfg->llm_provider, fa2_config_model(cfg), cfg->llm_endpoint, api_key);
	if (e) {
		snprintf(msg, cap, "cannot set up the %s provider: %s", fa2_llm_kind_name(cfg->llm_provider),
			 fa2_err_str(e));
		return e == FA2_ERR_NOMEM ? e : FA2_ERR_CONFIG;
	}
	m->have_llm = 1;
	m->llm.max_retries = cfg->llm_max_retries;
	m->llm.backoff_base_ms = cfg->llm_backoff_ms;
	m->llm.timeout_ms = cfg->llm_timeout_s * 1000u;
	e = fa2_llm_transport_open(cfg->llm_provider, cfg->region, &fn, &m->tctx, msg, cap);
	if (e)
		return e;
	m->llm.transport = fn;
	m->llm.transport_ctx = m->tctx;
	return FA2_OK;
}

void fa2_model_close(fa2_model *m)
{
	if (m->tctx)
		fa2_llm_transport_release(m->tctx);
	m->tctx = NULL;
	if (m->have_llm)
		fa2_llm_provider_cleanup(&m->llm);
	m->have_llm = 0;
}
