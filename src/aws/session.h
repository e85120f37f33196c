/* An AWS session: the shared config files, the region, a credential provider and a
 * client, set up the same way for every command that talks to AWS (fa2 aws, snapshot,
 * check, analyze, serve).
 *
 * The struct holds pointers into itself (the client borrows the config and provider),
 * so it must not be moved or copied after fa2_aws_session_open. */
#ifndef FA2_AWS_SESSION_H
#define FA2_AWS_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "aws/client.h"
#include "aws/config.h"
#include "aws/creds.h"
#include "base/err.h"

typedef struct fa2_aws_session {
	fa2_aws_config cfg;
	fa2_aws_chain chain;
	fa2_aws_creds_provider prov;
	fa2_aws_client client;
	char region[64];
	char region_source[160];    /* "option", "environment AWS_REGION", "profile NAME in
	                             * the AWS config file (PATH)", "IMDS", ... */
	int have_cfg, have_prov, have_client;
} fa2_aws_session;

/* Loads ~/.aws/config and credentials for profile (NULL: AWS_PROFILE or "default"),
 * picks the region (region_opt, else AWS_REGION / AWS_DEFAULT_REGION / the profile,
 * else IMDS), and sets up the credential provider and the client with timeout_ms per
 * call (credentials are resolved lazily, on the first call).
 * Errors: FA2_ERR_CONFIG when the config files are unreadable or no region can be found
 * (usage material: exit 2), FA2_ERR_NOMEM otherwise. msg (cap bytes) gets a sentence
 * for the user. s is always safe to pass to fa2_aws_session_close afterwards. */
fa2_err fa2_aws_session_open(fa2_aws_session *s, const char *profile, const char *region_opt,
			     int64_t timeout_ms, char *msg, size_t cap);
void fa2_aws_session_close(fa2_aws_session *s);

#endif
