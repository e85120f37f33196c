/* Production LLM transports (see transport.h). This build has none yet: the HTTP client
 * (src/net/httpc.h) and SigV4 with the credential chain (src/aws/) are being written;
 * when they land, fa2_llm_transport_open returns a function that sends through them. */
#include "llm/transport.h"

#include <stdio.h>

fa2_err fa2_llm_transport_open(fa2_llm_kind kind, const char *region, fa2_llm_transport_fn *fn,
			       void **ctx, char *msg, size_t msg_cap)
{
	(void)region;
	*fn = NULL;
	*ctx = NULL;
	snprintf(msg, msg_cap,
		 "calling %s is not available in this build yet: the HTTPS client and %s "
		 "arrive with the network and AWS layers",
		 kind == FA2_LLM_OPENAI ? "an OpenAI-compatible server" : "Amazon Bedrock",
		 kind == FA2_LLM_OPENAI ? "its TLS support" : "SigV4 signing");
	return FA2_ERR_UNSUPPORTED;
}

void fa2_llm_transport_release(void *ctx)
{
	(void)ctx;
}
