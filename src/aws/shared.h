/* The process-wide AWS context of an analysis: the shared config files, one credential
 * provider (cached, thread-safe) and one JSON client, created on first use and kept until
 * fa2_aws_shared_release(). The LLM transport (Bedrock) uses it, and the commands hand
 * its client to the agent's tools (through their live data source, never read by the
 * tools themselves), so credentials are resolved once per process. Thread-safe. */
#ifndef FA2_AWS_SHARED_H
#define FA2_AWS_SHARED_H

#include <stddef.h>

#include "aws/client.h"

/* Returns the shared client (creating it on the first call; region may be NULL: then
 * AWS_REGION / AWS_DEFAULT_REGION / the profile / IMDS decide). On failure writes why to
 * msg and returns FA2_ERR_CONFIG (no region, unreadable config files) or FA2_ERR_NOMEM. */
fa2_err fa2_aws_shared_get(const char *region, fa2_aws_client **out, char *msg, size_t msg_cap);
/* Marks one user of the shared context (an analysis, an insight, a findings report):
 * the context outlives every hold. Pair each call with fa2_aws_shared_release(). */
void fa2_aws_shared_hold(void);
/* Drops one hold (a release without a hold counts as one); when none is left, frees the
 * shared context. Concurrent analyses in `fa2 serve` each hold it, so one finishing never
 * frees a client another is still using. */
void fa2_aws_shared_release(void);

#endif
