#include "aws/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

static const fa2_aws_service services[] = {
	{ "logs", "CloudWatch Logs", "CLOUDWATCH_LOGS", "cloudwatch_logs", "logs", "logs",
	  FA2_AWS_JSON_1_1, "Logs_20140328", NULL },
	{ "monitoring", "CloudWatch", "CLOUDWATCH", "cloudwatch", "monitoring", "monitoring",
	  FA2_AWS_JSON_1_0, "GraniteServiceVersion20100801", NULL },
	{ "cloudtrail", "CloudTrail", "CLOUDTRAIL", "cloudtrail", "cloudtrail", "cloudtrail",
	  FA2_AWS_JSON_1_1, "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101", NULL },
	{ "xray", "XRay", "XRAY", "xray", "xray", "xray", FA2_AWS_REST_JSON, NULL, NULL },
	{ "bedrock-runtime", "Bedrock Runtime", "BEDROCK_RUNTIME", "bedrock_runtime",
	  "bedrock-runtime", "bedrock", FA2_AWS_REST_JSON, NULL, NULL },
	{ "bedrock-agent-runtime", "Bedrock Agent Runtime", "BEDROCK_AGENT_RUNTIME",
	  "bedrock_agent_runtime", "bedrock-agent-runtime", "bedrock", FA2_AWS_REST_JSON, NULL, NULL },
	{ "secretsmanager", "Secrets Manager", "SECRETS_MANAGER", "secrets_manager",
	  "secretsmanager", "secretsmanager", FA2_AWS_JSON_1_1, "secretsmanager", NULL },
	{ "sts", "STS", "STS", "sts", "sts", "sts", FA2_AWS_QUERY, NULL, "2011-06-15" },
	{ "athena", "Athena", "ATHENA", "athena", "athena", "athena", FA2_AWS_JSON_1_1,
	  "AmazonAthena", NULL },
	{ "securityhub", "SecurityHub", "SECURITYHUB", "securityhub", "securityhub",
	  "securityhub", FA2_AWS_REST_JSON, NULL, NULL },
	{ "guardduty", "GuardDuty", "GUARDDUTY", "guardduty", "guardduty", "guardduty",
	  FA2_AWS_REST_JSON, NULL, NULL },
	{ "sns", "SNS", "SNS", "sns", "sns", "sns", FA2_AWS_QUERY, NULL, "2010-03-31" },
	{ "dynamodb", "DynamoDB", "DYNAMODB", "dynamodb", "dynamodb", "dynamodb", FA2_AWS_JSON_1_0,
	  "DynamoDB_20120810", NULL },
	{ "bedrock-agent", "Bedrock Agent", "BEDROCK_AGENT", "bedrock_agent", "bedrock-agent",
	  "bedrock", FA2_AWS_REST_JSON, NULL, NULL },
};

#define N_SERVICES (sizeof services / sizeof services[0])

static const struct { const char *alias, *name; } aliases[] = {
	{ "cloudwatch", "monitoring" },       { "cloudwatch-logs", "logs" },
	{ "secrets-manager", "secretsmanager" }, { "x-ray", "xray" },
};

const fa2_aws_service *fa2_aws_services(size_t *n)
{
	*n = N_SERVICES;
	return services;
}

const fa2_aws_service *fa2_aws_service_find(const char *name)
{
	size_t i;
	if (!name)
		return NULL;
	for (i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
		if (strcmp(name, aliases[i].alias) == 0)
			name = aliases[i].name;
	for (i = 0; i < N_SERVICES; i++)
		if (strcmp(name, services[i].name) == 0 || strcmp(name, services[i].endpoint_prefix) == 0)
			return &services[i];
	return NULL;
}

int fa2_aws_truthy(fa2_slice v)
{
	v = fa2_slice_trim(v);
	return fa2_slice_eq_ci(v, FA2_SLICE_LIT("true")) || fa2_slice_eq_cstr(v, "1") ||
	       fa2_slice_eq_ci(v, FA2_SLICE_LIT("yes")) || fa2_slice_eq_ci(v, FA2_SLICE_LIT("on"));
}

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

void fa2_aws_config_init(fa2_aws_config *c, const char *profile)
{
	memset(c, 0, sizeof *c);
	fa2_ini_init(&c->config);
	fa2_ini_init(&c->credentials);
	c->profile_source = "option";
	if (!profile || !*profile) {
		profile = env_nonempty("AWS_PROFILE");
		c->profile_source = "environment AWS_PROFILE";
	}
	if (!profile) {
		profile = env_nonempty("AWS_DEFAULT_PROFILE");
		c->profile_source = "environment AWS_DEFAULT_PROFILE";
	}
	if (!profile) {
		profile = "default";
		c->profile_source = "default";
	}
	snprintf(c->profile, sizeof c->profile, "%s", profile);
}

void fa2_aws_config_cleanup(fa2_aws_config *c)
{
	fa2_ini_cleanup(&c->config);
	fa2_ini_cleanup(&c->credentials);
}

static fa2_err load_one(fa2_ini *ini, const char *env, const char *rel, int *have)
{
	char path[4096];
	const char *p = env_nonempty(env), *home;
	fa2_err e;
	if (!p) {
		home = env_nonempty("HOME");
		if (!home)
			return FA2_OK;
		snprintf(path, sizeof path, "%s/%s", home, rel);
		p = path;
	}
	e = fa2_ini_load(ini, p);
	if (e == FA2_ERR_NOT_FOUND)
		return FA2_OK;
	if (e == FA2_ERR_PARSE) {
		FA2_LOGE("aws", "%s: line %zu: not an INI section, property or comment", p,
		         ini->error_line);
		return FA2_ERR_CONFIG;
	}
	if (e) {
		FA2_LOGE("aws", "%s: %s", p, fa2_err_str(e));
		return FA2_ERR_CONFIG;
	}
	*have = 1;
	return FA2_OK;
}

fa2_err fa2_aws_config_load(fa2_aws_config *c, const char *profile)
{
	fa2_err e;
	fa2_aws_config_init(c, profile);
	e = load_one(&c->config, "AWS_CONFIG_FILE", ".aws/config", &c->have_config);
	if (!e)
		e = load_one(&c->credentials, "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials",
		             &c->have_credentials);
	return e;
}

int fa2_aws_config_get(const fa2_aws_config *c, const char *profile, const char *key,
                       fa2_slice *out)
{
	char sec[FA2_AWS_MAX_NAME + 16];
	if (!profile)
		profile = c->profile;
	snprintf(sec, sizeof sec, "profile %s", profile);
	if (fa2_ini_get(&c->config, fa2_slice_cstr(sec), fa2_slice_cstr(key), out))
		return 1;
	if (strcmp(profile, "default") == 0 &&
	    fa2_ini_get(&c->config, FA2_SLICE_LIT("default"), fa2_slice_cstr(key), out))
		return 1;
	return 0;
}

int fa2_aws_credentials_get(const fa2_aws_config *c, const char *profile, const char *key,
                            fa2_slice *out)
{
	if (!profile)
		profile = c->profile;
	return fa2_ini_get(&c->credentials, fa2_slice_cstr(profile), fa2_slice_cstr(key), out);
}

int fa2_aws_profile_exists(const fa2_aws_config *c, const char *profile)
{
	char sec[FA2_AWS_MAX_NAME + 16];
	snprintf(sec, sizeof sec, "profile %s", profile);
	return fa2_ini_has_section(&c->credentials, fa2_slice_cstr(profile)) ||
	       fa2_ini_has_section(&c->config, fa2_slice_cstr(sec)) ||
	       (strcmp(profile, "default") == 0 &&
	        fa2_ini_has_section(&c->config, FA2_SLICE_LIT("default")));
}

static fa2_err copy_out(fa2_slice v, char *out, size_t cap)
{
	v = fa2_slice_trim(v);
	if (v.len == 0)
		return FA2_ERR_NOT_FOUND;
	if (v.len >= cap)
		return FA2_ERR_TOO_LARGE;
	memcpy(out, v.ptr, v.len);
	out[v.len] = '\0';
	return FA2_OK;
}

fa2_err fa2_aws_region_from_config_src(const fa2_aws_config *c, char *out, size_t cap,
                                       char *source, size_t scap)
{
	const char *v = env_nonempty("AWS_REGION"), *var = "AWS_REGION";
	fa2_slice s;
	if (!v) {
		v = env_nonempty("AWS_DEFAULT_REGION");
		var = "AWS_DEFAULT_REGION";
	}
	if (v) {
		if (scap)
			snprintf(source, scap, "environment %s", var);
		return copy_out(fa2_slice_cstr(v), out, cap);
	}
	if (c && fa2_aws_config_get(c, NULL, "region", &s)) {
		const char *file = env_nonempty("AWS_CONFIG_FILE");
		if (scap)
			snprintf(source, scap, "profile %s in the AWS config file (%s)", c->profile,
			         file ? file : "~/.aws/config");
		return copy_out(s, out, cap);
	}
	return FA2_ERR_NOT_FOUND;
}

fa2_err fa2_aws_region_from_config(const fa2_aws_config *c, char *out, size_t cap)
{
	return fa2_aws_region_from_config_src(c, out, cap, NULL, 0);
}

/* ---- region names ---- */

static const struct {
	const char *prefix, *partition;
} region_prefixes[] = {
	/* longest first: "us-gov" before "us" */
	{ "eusc-de", "aws-eusc" }, { "us-isob", "aws-iso-b" }, { "us-isof", "aws-iso-f" },
	{ "eu-isoe", "aws-iso-e" }, { "us-iso", "aws-iso" }, { "us-gov", "aws-us-gov" },
	{ "cn", "aws-cn" },
	{ "us", "aws" }, { "eu", "aws" }, { "ap", "aws" }, { "sa", "aws" }, { "ca", "aws" },
	{ "me", "aws" }, { "af", "aws" }, { "il", "aws" }, { "mx", "aws" },
};

static const char *const region_directions[] = {
	"north", "south", "east", "west", "central", "northeast", "northwest", "southeast",
	"southwest",
};

/* Regions in service (2025), for suggestions only: a name that fits a partition's
 * pattern is accepted even when it is not listed (new regions open every year). */
static const char *const known_regions[] = {
	"us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-east-2",
	"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
	"ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ap-northeast-1",
	"ap-northeast-2", "ap-northeast-3", "ca-central-1", "ca-west-1", "eu-central-1",
	"eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2",
	"eu-north-1", "il-central-1", "me-south-1", "me-central-1", "mx-central-1", "sa-east-1",
	"cn-north-1", "cn-northwest-1", "us-gov-west-1", "us-gov-east-1", "us-iso-east-1",
	"us-iso-west-1", "us-isob-east-1", "eu-isoe-west-1", "us-isof-south-1", "us-isof-east-1",
	"eusc-de-east-1",
};

/* Edit distance of two short names (longer ones count as far apart). */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[33];
	if (la > 32 || lb > 32)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* 1 when s is DIRECTION-N. */
static int region_tail_ok(const char *s)
{
	size_t k, dl, nl;
	for (k = 0; k < sizeof region_directions / sizeof region_directions[0]; k++) {
		dl = strlen(region_directions[k]);
		if (strncmp(s, region_directions[k], dl) == 0 && s[dl] == '-')
			break;
	}
	if (k == sizeof region_directions / sizeof region_directions[0])
		return 0;
	s += dl + 1;
	nl = strspn(s, "0123456789");
	return nl >= 1 && nl <= 2 && s[nl] == '\0' && s[0] != '0';
}

const char *fa2_aws_region_partition(const char *region, char *suggest, size_t cap)
{
	size_t k, best = (size_t)-1, best_k = 0;
	if (cap)
		suggest[0] = '\0';
	if (!region)
		return NULL;
	for (k = 0; k < sizeof region_prefixes / sizeof region_prefixes[0]; k++) {
		size_t pl = strlen(region_prefixes[k].prefix);
		if (strncmp(region, region_prefixes[k].prefix, pl) == 0 && region[pl] == '-' &&
		    region_tail_ok(region + pl + 1))
			return region_prefixes[k].partition;
	}
	for (k = 0; k < sizeof known_regions / sizeof known_regions[0]; k++) {
		size_t d = edit_distance(region, known_regions[k]);
		if (d < best) {
			best = d;
			best_k = k;
		}
	}
	if (cap && best <= 3)
		snprintf(suggest, cap, "%s", known_regions[best_k]);
	return NULL;
}

static fa2_err set_url(fa2_buf *out, fa2_slice url)
{
	url = fa2_slice_trim(url);
	while (url.len > 0 && url.ptr[url.len - 1] == '/')
		url.len--;
	if (url.len == 0)
		return FA2_ERR_NOT_FOUND;
	fa2_buf_reset(out);
	return fa2_buf_append_slice(out, url);
}

fa2_err fa2_aws_endpoint_resolve(const fa2_aws_service *s, const char *region,
                                 const fa2_aws_config *c, fa2_buf *url_out)
{
	char env[128];
	const char *v;
	fa2_slice cv, svc;
	int ignore = 0;

	if (!s)
		return FA2_ERR_INVALID;
	v = env_nonempty("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	if (v)
		ignore = fa2_aws_truthy(fa2_slice_cstr(v));
	else if (c && fa2_aws_config_get(c, NULL, "ignore_configured_endpoint_urls", &cv))
		ignore = fa2_aws_truthy(cv);
	if (!ignore) {
		snprintf(env, sizeof env, "AWS_ENDPOINT_URL_%s", s->env_suffix);
		if ((v = env_nonempty(env)) != NULL)
			return set_url(url_out, fa2_slice_cstr(v));
		if ((v = env_nonempty("AWS_ENDPOINT_URL")) != NULL)
			return set_url(url_out, fa2_slice_cstr(v));
		if (c && fa2_aws_config_get(c, NULL, "services", &svc)) {
			char sec[FA2_AWS_MAX_NAME + 16];
			snprintf(sec, sizeof sec, "services %.*s", FA2_SLICE_FMT(fa2_slice_trim(svc)));
			if (fa2_ini_get_sub(&c->config, fa2_slice_cstr(sec), fa2_slice_cstr(s->config_key),
			                    FA2_SLICE_LIT("endpoint_url"), &cv))
				return set_url(url_out, cv);
		}
		if (c && fa2_aws_config_get(c, NULL, "endpoint_url", &cv))
			return set_url(url_out, cv);
	}
	if (!region || !*region)
		return FA2_ERR_CONFIG;
	fa2_buf_reset(url_out);
	return fa2_buf_appendf(url_out, "https://%s.%s.%s", s->endpoint_prefix, region,
	                       strncmp(region, "cn-", 3) == 0 ? "amazonaws.com.cn" : "amazonaws.com");
}

fa2_err fa2_aws_url_parse(fa2_slice url, fa2_aws_url *out)
{
	fa2_slice rest, auth, path;
	long slash;
	memset(out, 0, sizeof *out);
	if (fa2_slice_starts_with(url, FA2_SLICE_LIT("https://"))) {
		out->https = 1;
		out->port = 443;
		rest = fa2_slice_sub(url, 8, url.len);
	} else if (fa2_slice_starts_with(url, FA2_SLICE_LIT("http://"))) {
		out->port = 80;
		rest = fa2_slice_sub(url, 7, url.len);
	} else {
		return FA2_ERR_INVALID;
	}
	slash = fa2_slice_find_char(rest, '/');
	auth = slash < 0 ? rest : fa2_slice_make(rest.ptr, (size_t)slash);
	path = slash < 0 ? FA2_SLICE_EMPTY : fa2_slice_sub(rest, (size_t)slash, rest.len);
	if (fa2_slice_find_char(path, '?') >= 0 || fa2_slice_find_char(auth, '@') >= 0)
		return FA2_ERR_INVALID;
	while (path.len > 0 && path.ptr[path.len - 1] == '/')
		path.len--;
	if (auth.len == 0 || auth.len >= sizeof out->authority || path.len >= sizeof out->base_path)
		return FA2_ERR_INVALID;
	memcpy(out->authority, auth.ptr, auth.len);
	out->authority[auth.len] = '\0';
	memcpy(out->base_path, path.ptr, path.len);
	out->base_path[path.len] = '\0';
	{
		fa2_slice host = auth, port = FA2_SLICE_EMPTY;
		if (auth.ptr[0] == '[') {
			long rb = fa2_slice_find_char(auth, ']');
			if (rb < 0)
				return FA2_ERR_INVALID;
			host = fa2_slice_make(auth.ptr + 1, (size_t)rb - 1);
			if ((size_t)rb + 1 < auth.len) {
				if (auth.ptr[rb + 1] != ':')
					return FA2_ERR_INVALID;
				port = fa2_slice_sub(auth, (size_t)rb + 2, auth.len);
			}
		} else {
			long colon = fa2_slice_find_char(auth, ':');
			if (colon >= 0) {
				host = fa2_slice_make(auth.ptr, (size_t)colon);
				port = fa2_slice_sub(auth, (size_t)colon + 1, auth.len);
			}
		}
		if (host.len == 0 || host.len >= sizeof out->host)
			return FA2_ERR_INVALID;
		memcpy(out->host, host.ptr, host.len);
		out->host[host.len] = '\0';
		if (port.len) {
			long long pn;
			if (fa2_parse_int_range(port, 1, 65535, &pn))
				return FA2_ERR_INVALID;
			out->port = (unsigned)pn;
			/* The Host header omits the scheme's default port, as SDKs send it. */
			if ((out->https && pn == 443) || (!out->https && pn == 80))
				out->authority[auth.len - port.len - 1] = '\0';
		}
	}
	return FA2_OK;
}
