/* Shared AWS configuration: the profile in use, ~/.aws/config and ~/.aws/credentials,
 * region and endpoint resolution, and the table of services fa2 talks to.
 *
 * Files: AWS_CONFIG_FILE (default ~/.aws/config, sections "[default]" and
 * "[profile NAME]", plus "[services NAME]" for endpoint overrides) and
 * AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials, sections "[NAME]").
 * Profile: the explicit one, else AWS_PROFILE, else AWS_DEFAULT_PROFILE, else "default". */
#ifndef FA2_AWS_CONFIG_H
#define FA2_AWS_CONFIG_H

#include "aws/ini.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/slice.h"

#define FA2_AWS_MAX_NAME 256u  /* profile, region, service names */

typedef enum fa2_aws_protocol {
	FA2_AWS_JSON_1_0 = 0,  /* POST /, X-Amz-Target, application/x-amz-json-1.0 */
	FA2_AWS_JSON_1_1,      /* same with application/x-amz-json-1.1 */
	FA2_AWS_REST_JSON,     /* method + path template per operation, JSON body */
	FA2_AWS_QUERY          /* POST / form-encoded Action=...&Version=..., XML reply */
} fa2_aws_protocol;

typedef struct fa2_aws_service {
	const char *name;             /* fa2 and CLI name: "logs", "monitoring", ... */
	const char *service_id;       /* SDK service id: "CloudWatch Logs" */
	const char *env_suffix;       /* AWS_ENDPOINT_URL_<suffix> */
	const char *config_key;       /* key in a [services NAME] section */
	const char *endpoint_prefix;  /* host label: logs.us-east-1.amazonaws.com */
	const char *signing_name;     /* SigV4 service name */
	fa2_aws_protocol protocol;
	const char *target_prefix;    /* JSON 1.0/1.1: X-Amz-Target = prefix.Operation */
	const char *api_version;      /* query protocol: Version= */
} fa2_aws_service;

/* Finds a service by fa2 name, SDK-style alias ("cloudwatch", "cloudwatch-logs",
 * "secrets-manager") or endpoint prefix; NULL when unknown. */
const fa2_aws_service *fa2_aws_service_find(const char *name);
/* The whole table (for --help and tests); *n gets the count. */
const fa2_aws_service *fa2_aws_services(size_t *n);

typedef struct fa2_aws_config {
	char profile[FA2_AWS_MAX_NAME];
	const char *profile_source;  /* "option", "environment AWS_PROFILE",
	                              * "environment AWS_DEFAULT_PROFILE" or "default" */
	fa2_ini config;
	fa2_ini credentials;
	int have_config, have_credentials;
} fa2_aws_config;

/* Loads both files (absent files are fine; malformed ones are FA2_ERR_CONFIG, logged
 * with the file and line). profile may be NULL. */
fa2_err fa2_aws_config_load(fa2_aws_config *c, const char *profile);
/* An empty configuration (no files) for the given profile; for tests and fallbacks. */
void fa2_aws_config_init(fa2_aws_config *c, const char *profile);
void fa2_aws_config_cleanup(fa2_aws_config *c);

/* A key of a profile in the config file ("[profile NAME]", or "[default]" for default;
 * "[profile default]" is accepted too). profile NULL = c->profile. */
int fa2_aws_config_get(const fa2_aws_config *c, const char *profile, const char *key,
                       fa2_slice *out);
/* A key of a profile in the credentials file ("[NAME]"). */
int fa2_aws_credentials_get(const fa2_aws_config *c, const char *profile, const char *key,
                            fa2_slice *out);
/* 1 when the profile exists in either file. */
int fa2_aws_profile_exists(const fa2_aws_config *c, const char *profile);

/* Region from AWS_REGION, AWS_DEFAULT_REGION, then the profile's "region". Writes a
 * NUL-terminated name to out; FA2_ERR_NOT_FOUND when none is set (the caller may then
 * ask IMDS: fa2_aws_imds_region). */
fa2_err fa2_aws_region_from_config(const fa2_aws_config *c, char *out, size_t cap);
/* The same, also naming where the region came from in source (scap bytes): "environment
 * AWS_REGION", "environment AWS_DEFAULT_REGION" or "profile NAME in the AWS config file
 * (PATH)". */
fa2_err fa2_aws_region_from_config_src(const fa2_aws_config *c, char *out, size_t cap,
                                       char *source, size_t scap);

/* Checks a region name against the patterns of the known partitions:
 *   aws         us|eu|ap|sa|ca|me|af|il|mx - DIRECTION - N
 *   aws-cn      cn-DIRECTION-N           aws-us-gov  us-gov-DIRECTION-N
 *   aws-iso     us-iso-DIRECTION-N       aws-iso-b   us-isob-DIRECTION-N
 *   aws-iso-e   eu-isoe-DIRECTION-N      aws-iso-f   us-isof-DIRECTION-N
 *   aws-eusc    eusc-de-DIRECTION-N
 * DIRECTION: north, south, east, west, central, northeast, northwest, southeast,
 * southwest; N: 1..99 without a leading zero. Returns the partition's name, or NULL;
 * then suggest (cap bytes, may be NULL) gets the closest region in service today when
 * one is within three edits ("us-wst-2" -> "us-west-2"), else "". */
const char *fa2_aws_region_partition(const char *region, char *suggest, size_t cap);

/* The endpoint URL for service in region, as the SDKs resolve it:
 *   1. AWS_ENDPOINT_URL_<SERVICE>      2. AWS_ENDPOINT_URL
 *   3. the profile's "services" section: [services X] key = \n endpoint_url = URL
 *   4. the profile's endpoint_url      5. https://PREFIX.REGION.amazonaws.com(.cn)
 * 1-4 are skipped when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (or the profile's
 * ignore_configured_endpoint_urls) is true. A trailing '/' is removed. c may be NULL. */
fa2_err fa2_aws_endpoint_resolve(const fa2_aws_service *s, const char *region,
                                 const fa2_aws_config *c, fa2_buf *url_out);

/* Splits "https://host[:port][/base]" into its parts (host without brackets for IPv6).
 * FA2_ERR_INVALID for other schemes or a malformed URL. */
typedef struct fa2_aws_url {
	int https;
	char host[FA2_AWS_MAX_NAME];
	unsigned port;
	char base_path[512];  /* "" or "/something" without trailing '/' */
	char authority[FA2_AWS_MAX_NAME + 8]; /* Host header value: host[:port] */
} fa2_aws_url;
fa2_err fa2_aws_url_parse(fa2_slice url, fa2_aws_url *out);

/* True for "true"/"1"/"yes"/"on" (any case). */
int fa2_aws_truthy(fa2_slice v);

#endif
