/* The production transports for the LLM providers: the seam where the network stack
 * plugs in.
 *
 * Bedrock: fn must POST req->body to https://bedrock-runtime.<region>.amazonaws.com
 * (or AWS_ENDPOINT_URL_BEDROCK_RUNTIME / AWS_ENDPOINT_URL, or req->base_url when set)
 * + req->path, signed with SigV4 for service req->sign_service ("bedrock") with the
 * credential chain, honour req->deadline_mono_ms, and fill resp (status, body,
 * x-amzn-ErrorType, Retry-After). OpenAI-compatible: POST req->base_url + req->path with
 * req->headers (Authorization: Bearer ...), no signing. One call of fn is ONE attempt:
 * fa2_llm_call retries (throttling, 5xx, network errors) with its own backoff, so the
 * transport must not retry (e.g. send through the raw signed HTTP path of src/aws, not
 * through fa2_aws_call's retry loop). When the response carries no x-amzn-ErrorType, the
 * decoder falls back to __type / code in the body. Until src/net and src/aws land this
 * returns FA2_ERR_UNSUPPORTED with an explanation. */
#ifndef FA2_LLM_TRANSPORT_H
#define FA2_LLM_TRANSPORT_H

#include <stddef.h>

#include "base/err.h"
#include "llm/llm.h"

/* region may be NULL (environment and profile decide). On success *fn and *ctx are set;
 * release ctx with fa2_llm_transport_release. */
fa2_err fa2_llm_transport_open(fa2_llm_kind kind, const char *region, fa2_llm_transport_fn *fn,
			       void **ctx, char *msg, size_t msg_cap);
void fa2_llm_transport_release(void *ctx);

#endif
