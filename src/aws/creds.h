/* AWS credentials and the provider chain, in the order the AWS SDKs use:
 *
 *   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
 *      (AWS_CREDENTIAL_EXPIRATION optional)
 *   2. web identity from the environment: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN
 *      (AWS_ROLE_SESSION_NAME) -> STS AssumeRoleWithWebIdentity
 *   3. the profile (AWS_PROFILE, default "default"):
 *      a. role_arn with source_profile (recursively) or credential_source
 *         (Environment, Ec2InstanceMetadata, EcsContainer) -> STS AssumeRole
 *      b. role_arn with web_identity_token_file -> STS AssumeRoleWithWebIdentity
 *      c. aws_access_key_id / aws_secret_access_key / aws_session_token in the
 *         credentials file, then in the config file
 *      d. credential_process: run through /bin/sh, JSON Version 1 on stdout
 *   4. ECS/EKS container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
 *      (http://169.254.170.2) or AWS_CONTAINER_CREDENTIALS_FULL_URI (loopback, the ECS
 *      and EKS link-local addresses, or https) with AWS_CONTAINER_AUTHORIZATION_TOKEN or
 *      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
 *   5. EC2 instance metadata, IMDSv2 only: PUT /latest/api/token, then
 *      /latest/meta-data/iam/security-credentials/[ROLE] with the token.
 *      AWS_EC2_METADATA_DISABLED=true skips it; AWS_EC2_METADATA_SERVICE_ENDPOINT
 *      moves it (tests, IPv6).
 *
 * Every secret obtained is registered with the log redactor. */
#ifndef FA2_AWS_CREDS_H
#define FA2_AWS_CREDS_H

#include <pthread.h>
#include <stdint.h>

#include "aws/config.h"
#include "aws/transport.h"
#include "base/err.h"
#include "base/slice.h"

#define FA2_AWS_MAX_TOKEN_BYTES   8192u   /* session tokens are ~1-2 KiB */
#define FA2_AWS_MAX_PROCESS_BYTES 65536u  /* credential_process stdout */
#define FA2_AWS_ROLE_CHAIN_MAX    5u      /* source_profile hops */
/* Temporary credentials are refreshed this long before they expire (botocore's
 * advisory window); within the mandatory window a failed refresh is an error. */
#define FA2_AWS_REFRESH_ADVISORY_MS  (15LL * 60 * 1000)
#define FA2_AWS_REFRESH_MANDATORY_MS (10LL * 60 * 1000)

typedef struct fa2_aws_creds {
	char *access_key_id;      /* NULL when empty */
	char *secret_access_key;
	char *session_token;      /* NULL for long-term keys */
	int64_t expiration_ms;    /* 0: does not expire */
	char source[64];          /* "environment", "profile NAME", "assume-role", ... */
} fa2_aws_creds;

void fa2_aws_creds_init(fa2_aws_creds *c);
/* Wipes and frees. */
void fa2_aws_creds_cleanup(fa2_aws_creds *c);
/* Replaces c's content (copies; token may be empty). Registers secrets for redaction. */
fa2_err fa2_aws_creds_set(fa2_aws_creds *c, fa2_slice akid, fa2_slice secret, fa2_slice token,
                          int64_t expiration_ms, const char *source);
fa2_err fa2_aws_creds_copy(fa2_aws_creds *dst, const fa2_aws_creds *src);
int fa2_aws_creds_valid(const fa2_aws_creds *c);

/* 0: fresh (or never expires); 1: inside the advisory window (refresh, but the old
 * ones may still be used); 2: inside the mandatory window or expired. */
int fa2_aws_creds_refresh_state(const fa2_aws_creds *c, int64_t now_ms);

/* ---- pure parsers (no I/O) ---- */

/* credential_process output: {"Version":1,"AccessKeyId":..,"SecretAccessKey":..,
 * "SessionToken":..,"Expiration":"RFC 3339"}. Version must be 1. */
fa2_err fa2_aws_creds_parse_process(fa2_slice json, fa2_aws_creds *out);
/* ECS container and IMDS role documents: {"AccessKeyId","SecretAccessKey","Token",
 * "Expiration"} (IMDS adds "Code":"Success", which must then be Success). */
fa2_err fa2_aws_creds_parse_json_doc(fa2_slice json, fa2_aws_creds *out, const char *source);
/* STS AssumeRole / AssumeRoleWithWebIdentity XML: the <Credentials> element. */
fa2_err fa2_aws_creds_parse_sts_xml(fa2_slice xml, fa2_aws_creds *out, const char *source);

/* ---- providers ---- */

typedef struct fa2_aws_chain {
	const fa2_aws_config *cfg;  /* required */
	const char *region;         /* for STS; may be NULL (then the profile's or us-east-1) */
	fa2_aws_http_fn http;       /* required for the network providers */
	void *http_ctx;
	int64_t deadline_ms;        /* monotonic, for the whole resolution */
} fa2_aws_chain;

fa2_err fa2_aws_creds_from_env(fa2_aws_creds *out);
fa2_err fa2_aws_creds_from_profile(const fa2_aws_chain *ch, const char *profile,
                                   fa2_aws_creds *out);
fa2_err fa2_aws_creds_from_process(const char *command, int64_t deadline_ms, fa2_aws_creds *out);
fa2_err fa2_aws_creds_from_container(const fa2_aws_chain *ch, fa2_aws_creds *out);
fa2_err fa2_aws_creds_from_imds(const fa2_aws_chain *ch, fa2_aws_creds *out);
/* Region from IMDS (/latest/meta-data/placement/region). */
fa2_err fa2_aws_imds_region(const fa2_aws_chain *ch, char *out, size_t cap);

/* The whole chain. FA2_ERR_NOT_FOUND when no provider had credentials; other errors
 * when a configured provider failed (a profile that names a role that cannot be
 * assumed is an error, not a fall-through, as in the SDKs). */
fa2_err fa2_aws_creds_resolve(const fa2_aws_chain *ch, fa2_aws_creds *out);

/* A thread-safe cache over the chain for long-running processes: returns the cached
 * credentials while fresh, refreshes them in the advisory window (keeping the old ones
 * if the refresh fails and they are still outside the mandatory window). */
typedef struct fa2_aws_creds_provider {
	pthread_mutex_t lock;
	fa2_aws_creds cached;
	int have;
	fa2_aws_chain chain;          /* chain.deadline_ms is ignored; timeout_ms applies */
	int64_t timeout_ms;
	unsigned long refreshes;      /* for tests and `fa2 check` */
	/* Tests may replace the chain. */
	fa2_err (*resolve)(const fa2_aws_chain *ch, fa2_aws_creds *out);
} fa2_aws_creds_provider;

fa2_err fa2_aws_creds_provider_init(fa2_aws_creds_provider *p, const fa2_aws_chain *chain,
                                    int64_t timeout_ms);
void fa2_aws_creds_provider_cleanup(fa2_aws_creds_provider *p);
/* Copies current credentials into out (caller cleans up). */
fa2_err fa2_aws_creds_provider_get(fa2_aws_creds_provider *p, fa2_aws_creds *out);
/* Drops the cache (e.g. after an ExpiredToken error). */
void fa2_aws_creds_provider_invalidate(fa2_aws_creds_provider *p);

#endif
