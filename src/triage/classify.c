/* Word-level classification: symptom classes of error text, categories of CloudTrail
 * events, severity of log lines. Tables, not code paths, so they stay easy to extend. */
#include <string.h>

#include "triage/logtpl.h"
#include "triage/triage.h"

static int is_alnum_c(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Case-insensitive search of needle (lower case) in text[0..len), starting a word: at
 * the start, after a byte that is not a letter or digit, or at a camelCase hump
 * ("ProvisionedThroughputExceeded" has "throughput" and "exceeded"). */
static int ci_word(const char *text, size_t len, const char *needle)
{
	size_t n = strlen(needle), i, j;
	if (n == 0 || n > len)
		return n == 0;
	for (i = 0; i + n <= len; i++) {
		if (i > 0 && is_alnum_c(text[i - 1]) &&
		    !(text[i - 1] >= 'a' && text[i - 1] <= 'z' && text[i] >= 'A' && text[i] <= 'Z'))
			continue;
		for (j = 0; j < n; j++) {
			char c = text[i + j];
			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (c != needle[j])
				break;
		}
		if (j == n)
			return 1;
	}
	return 0;
}

struct word_class {
	const char *word;
	unsigned bits;
};

/* Phrases are stems: "throttl" matches "throttled" and "ThrottlingException". */
static const struct word_class symptom_words[] = {
	{ "timed out", FA2_TR_SYM_CONNECT }, { "timeout", FA2_TR_SYM_CONNECT },
	{ "connection refused", FA2_TR_SYM_CONNECT }, { "connection reset", FA2_TR_SYM_CONNECT },
	{ "connect to", FA2_TR_SYM_CONNECT }, { "connecttimeout", FA2_TR_SYM_CONNECT },
	{ "unable to connect", FA2_TR_SYM_CONNECT }, { "could not connect", FA2_TR_SYM_CONNECT },
	{ "unreachable", FA2_TR_SYM_CONNECT }, { "no route to host", FA2_TR_SYM_CONNECT },
	{ "econnrefused", FA2_TR_SYM_CONNECT }, { "etimedout", FA2_TR_SYM_CONNECT },
	{ "econnreset", FA2_TR_SYM_CONNECT }, { "ehostunreach", FA2_TR_SYM_CONNECT },
	{ "unable to execute http request", FA2_TR_SYM_CONNECT }, { "upstream", FA2_TR_SYM_CONNECT },
	{ "broken pipe", FA2_TR_SYM_CONNECT }, { "socket", FA2_TR_SYM_CONNECT },
	{ "unknownhost", FA2_TR_SYM_DNS | FA2_TR_SYM_CONNECT },
	{ "name resolution", FA2_TR_SYM_DNS | FA2_TR_SYM_CONNECT },
	{ "getaddrinfo", FA2_TR_SYM_DNS | FA2_TR_SYM_CONNECT }, { "enotfound", FA2_TR_SYM_DNS },
	{ "eai_again", FA2_TR_SYM_DNS }, { "nxdomain", FA2_TR_SYM_DNS }, { "servfail", FA2_TR_SYM_DNS },
	{ "no such host", FA2_TR_SYM_DNS }, { "could not resolve host", FA2_TR_SYM_DNS },
	{ "name or service not known", FA2_TR_SYM_DNS }, { "dns", FA2_TR_SYM_DNS },
	{ "accessdenied", FA2_TR_SYM_PERMISSION }, { "access denied", FA2_TR_SYM_PERMISSION },
	{ "not authorized", FA2_TR_SYM_PERMISSION }, { "unauthorized", FA2_TR_SYM_PERMISSION },
	{ "forbidden", FA2_TR_SYM_PERMISSION }, { "permission denied", FA2_TR_SYM_PERMISSION },
	{ "invalidclienttokenid", FA2_TR_SYM_PERMISSION }, { "expiredtoken", FA2_TR_SYM_PERMISSION },
	{ "signaturedoesnotmatch", FA2_TR_SYM_PERMISSION }, { "kms", FA2_TR_SYM_PERMISSION },
	{ "disabledexception", FA2_TR_SYM_PERMISSION }, { "invalidstate", FA2_TR_SYM_PERMISSION },
	{ "invalid", FA2_TR_SYM_CONFIG }, { "missing", FA2_TR_SYM_CONFIG },
	{ "not set", FA2_TR_SYM_CONFIG }, { "undefined", FA2_TR_SYM_CONFIG },
	{ "environment variable", FA2_TR_SYM_CONFIG }, { "misconfigur", FA2_TR_SYM_CONFIG },
	{ "no such", FA2_TR_SYM_CONFIG }, { "cannot find", FA2_TR_SYM_CONFIG },
	{ "not found", FA2_TR_SYM_CONFIG }, { "unknown parameter", FA2_TR_SYM_CONFIG },
	{ "validationexception", FA2_TR_SYM_CONFIG }, { "parse", FA2_TR_SYM_CONFIG },
	{ "importerror", FA2_TR_SYM_CONFIG }, { "modulenotfound", FA2_TR_SYM_CONFIG },
	{ "unsupported", FA2_TR_SYM_CONFIG }, { "feature flag", FA2_TR_SYM_CONFIG },
	{ "throttl", FA2_TR_SYM_THROTTLE | FA2_TR_SYM_CAPACITY },
	{ "rate exceeded", FA2_TR_SYM_THROTTLE | FA2_TR_SYM_CAPACITY },
	{ "provisionedthroughput", FA2_TR_SYM_THROTTLE | FA2_TR_SYM_CAPACITY },
	{ "provisioned throughput", FA2_TR_SYM_THROTTLE | FA2_TR_SYM_CAPACITY },
	{ "throughput exceeded", FA2_TR_SYM_THROTTLE | FA2_TR_SYM_CAPACITY },
	{ "toomanyrequests", FA2_TR_SYM_THROTTLE | FA2_TR_SYM_CAPACITY },
	{ "too many requests", FA2_TR_SYM_THROTTLE | FA2_TR_SYM_CAPACITY },
	{ "slow down", FA2_TR_SYM_THROTTLE }, { "slowdown", FA2_TR_SYM_THROTTLE },
	{ "requestlimitexceeded", FA2_TR_SYM_THROTTLE | FA2_TR_SYM_CAPACITY },
	{ "too many", FA2_TR_SYM_QUOTA | FA2_TR_SYM_CAPACITY },
	{ "limit exceeded", FA2_TR_SYM_QUOTA | FA2_TR_SYM_CAPACITY },
	{ "limitexceeded", FA2_TR_SYM_QUOTA | FA2_TR_SYM_CAPACITY },
	{ "quota", FA2_TR_SYM_QUOTA | FA2_TR_SYM_CAPACITY },
	{ "connection slots", FA2_TR_SYM_QUOTA | FA2_TR_SYM_CAPACITY },
	{ "max_connections", FA2_TR_SYM_QUOTA | FA2_TR_SYM_CAPACITY },
	{ "connection is not available", FA2_TR_SYM_QUOTA | FA2_TR_SYM_CAPACITY },
	{ "pool exhausted", FA2_TR_SYM_QUOTA | FA2_TR_SYM_CAPACITY },
	{ "exhausted", FA2_TR_SYM_QUOTA | FA2_TR_SYM_CAPACITY },
	{ "capacity", FA2_TR_SYM_CAPACITY },
	{ "out of memory", FA2_TR_SYM_MEMORY | FA2_TR_SYM_CAPACITY },
	{ "outofmemory", FA2_TR_SYM_MEMORY | FA2_TR_SYM_CAPACITY },
	{ "oomkill", FA2_TR_SYM_MEMORY | FA2_TR_SYM_CAPACITY },
	{ "oom-kill", FA2_TR_SYM_MEMORY | FA2_TR_SYM_CAPACITY },
	{ "oom killer", FA2_TR_SYM_MEMORY | FA2_TR_SYM_CAPACITY },
	{ "memoryerror", FA2_TR_SYM_MEMORY | FA2_TR_SYM_CAPACITY },
	{ "heap space", FA2_TR_SYM_MEMORY | FA2_TR_SYM_CAPACITY },
	{ "exit code 137", FA2_TR_SYM_MEMORY }, { "exitcode 137", FA2_TR_SYM_MEMORY },
	{ "exit status 137", FA2_TR_SYM_MEMORY }, { "exited with code 137", FA2_TR_SYM_MEMORY },
	{ "\"exitcode\": 137", FA2_TR_SYM_MEMORY }, { "\"exitcode\":137", FA2_TR_SYM_MEMORY },
	{ "killed process", FA2_TR_SYM_MEMORY },
	{ "no space left", FA2_TR_SYM_STORAGE | FA2_TR_SYM_CAPACITY },
	{ "enospc", FA2_TR_SYM_STORAGE | FA2_TR_SYM_CAPACITY },
	{ "disk full", FA2_TR_SYM_STORAGE | FA2_TR_SYM_CAPACITY },
	{ "disk is full", FA2_TR_SYM_STORAGE | FA2_TR_SYM_CAPACITY },
	{ "ephemeral-storage", FA2_TR_SYM_STORAGE | FA2_TR_SYM_CAPACITY },
	{ "diskpressure", FA2_TR_SYM_STORAGE | FA2_TR_SYM_CAPACITY },
	{ "could not extend file", FA2_TR_SYM_STORAGE | FA2_TR_SYM_CAPACITY },
	{ "certificate", FA2_TR_SYM_TLS }, { "x509", FA2_TR_SYM_TLS }, { "pkix", FA2_TR_SYM_TLS },
	{ "certpathvalidator", FA2_TR_SYM_TLS }, { "cert_has_expired", FA2_TR_SYM_TLS },
	{ "ssl", FA2_TR_SYM_TLS }, { "tls", FA2_TR_SYM_TLS }, { "handshake", FA2_TR_SYM_TLS },
	{ "sslhandshake", FA2_TR_SYM_TLS },
	{ "dynamodb", FA2_TR_SYM_DATASTORE }, { "database", FA2_TR_SYM_DATASTORE },
	{ "sql", FA2_TR_SYM_DATASTORE }, { "postgres", FA2_TR_SYM_DATASTORE },
	{ "mysql", FA2_TR_SYM_DATASTORE }, { "jdbc", FA2_TR_SYM_DATASTORE },
	{ "redis", FA2_TR_SYM_DATASTORE }, { "deadlock", FA2_TR_SYM_DATASTORE },
	{ "rds", FA2_TR_SYM_DATASTORE }, { "aurora", FA2_TR_SYM_DATASTORE },
	{ "mongo", FA2_TR_SYM_DATASTORE }, { "elasticache", FA2_TR_SYM_DATASTORE },
	{ "hikari", FA2_TR_SYM_DATASTORE },
	{ "exception", FA2_TR_SYM_CRASH }, { "traceback", FA2_TR_SYM_CRASH },
	{ "panic", FA2_TR_SYM_CRASH }, { "segmentation fault", FA2_TR_SYM_CRASH },
	{ "fatal", FA2_TR_SYM_CRASH }, { "exited with", FA2_TR_SYM_CRASH },
	{ "crash", FA2_TR_SYM_CRASH }, { "nullpointer", FA2_TR_SYM_CRASH },
	{ "typeerror", FA2_TR_SYM_CRASH }, { "keyerror", FA2_TR_SYM_CRASH },
	{ "essential container", FA2_TR_SYM_CRASH },
};

unsigned fa2_tr_symptoms(const char *text, size_t len)
{
	unsigned m = 0;
	size_t i;
	for (i = 0; i < sizeof symptom_words / sizeof symptom_words[0]; i++)
		if ((m & symptom_words[i].bits) != symptom_words[i].bits &&
		    ci_word(text, len, symptom_words[i].word))
			m |= symptom_words[i].bits;
	return m;
}

const char *fa2_tr_symptom_name(unsigned bit)
{
	switch (bit) {
	case FA2_TR_SYM_CONNECT: return "connectivity";
	case FA2_TR_SYM_PERMISSION: return "permission";
	case FA2_TR_SYM_CONFIG: return "configuration";
	case FA2_TR_SYM_CAPACITY: return "capacity";
	case FA2_TR_SYM_DATASTORE: return "datastore";
	case FA2_TR_SYM_CRASH: return "crash/exception";
	case FA2_TR_SYM_STORAGE: return "storage full";
	case FA2_TR_SYM_MEMORY: return "out of memory";
	case FA2_TR_SYM_TLS: return "certificate/TLS";
	case FA2_TR_SYM_DNS: return "DNS";
	case FA2_TR_SYM_THROTTLE: return "throttling";
	case FA2_TR_SYM_QUOTA: return "quota/limit";
	default: return "other";
	}
}

/* Event-name rules: a prefix (or exact name with a trailing '$') and its categories. */
struct name_rule {
	const char *prefix;
	unsigned cats;
};

static const struct name_rule change_rules[] = {
	{ "AuthorizeSecurityGroup", FA2_TR_CAT_NETWORK },
	{ "RevokeSecurityGroup", FA2_TR_CAT_NETWORK },
	{ "ModifySecurityGroupRules", FA2_TR_CAT_NETWORK },
	{ "DeleteSecurityGroup", FA2_TR_CAT_NETWORK },
	{ "CreateNetworkAcl", FA2_TR_CAT_NETWORK }, { "DeleteNetworkAcl", FA2_TR_CAT_NETWORK },
	{ "ReplaceNetworkAcl", FA2_TR_CAT_NETWORK },
	{ "CreateRoute", FA2_TR_CAT_NETWORK }, { "ReplaceRoute", FA2_TR_CAT_NETWORK },
	{ "DeleteRoute", FA2_TR_CAT_NETWORK }, { "AssociateRouteTable", FA2_TR_CAT_NETWORK },
	{ "DisassociateRouteTable", FA2_TR_CAT_NETWORK },
	{ "ModifyVpcEndpoint", FA2_TR_CAT_NETWORK | FA2_TR_CAT_IAM },
	{ "DeleteVpcEndpoint", FA2_TR_CAT_NETWORK }, { "CreateVpcEndpoint", FA2_TR_CAT_NETWORK },
	{ "ModifyNetworkInterfaceAttribute", FA2_TR_CAT_NETWORK },
	{ "DeleteNatGateway", FA2_TR_CAT_NETWORK }, { "DetachInternetGateway", FA2_TR_CAT_NETWORK },
	{ "ModifySubnetAttribute", FA2_TR_CAT_NETWORK }, { "DisassociateAddress", FA2_TR_CAT_NETWORK },
	{ "ChangeResourceRecordSets", FA2_TR_CAT_NETWORK },
	{ "ModifyListener", FA2_TR_CAT_NETWORK }, { "ModifyRule", FA2_TR_CAT_NETWORK },
	{ "ModifyTargetGroup", FA2_TR_CAT_NETWORK }, { "DeregisterTargets", FA2_TR_CAT_NETWORK },
	{ "ModifyLoadBalancerAttributes", FA2_TR_CAT_NETWORK },
	{ "SetSecurityGroups", FA2_TR_CAT_NETWORK }, { "SetSubnets", FA2_TR_CAT_NETWORK },
	{ "AttachRolePolicy", FA2_TR_CAT_IAM }, { "DetachRolePolicy", FA2_TR_CAT_IAM },
	{ "PutRolePolicy", FA2_TR_CAT_IAM }, { "DeleteRolePolicy", FA2_TR_CAT_IAM },
	{ "AttachUserPolicy", FA2_TR_CAT_IAM }, { "DetachUserPolicy", FA2_TR_CAT_IAM },
	{ "PutUserPolicy", FA2_TR_CAT_IAM }, { "AttachGroupPolicy", FA2_TR_CAT_IAM },
	{ "CreatePolicyVersion", FA2_TR_CAT_IAM }, { "SetDefaultPolicyVersion", FA2_TR_CAT_IAM },
	{ "UpdateAssumeRolePolicy", FA2_TR_CAT_IAM }, { "DeleteRole", FA2_TR_CAT_IAM },
	{ "RemoveRoleFromInstanceProfile", FA2_TR_CAT_IAM }, { "PutRolePermissionsBoundary", FA2_TR_CAT_IAM },
	{ "PutKeyPolicy", FA2_TR_CAT_IAM }, { "DisableKey", FA2_TR_CAT_IAM },
	{ "ScheduleKeyDeletion", FA2_TR_CAT_IAM }, { "RevokeGrant", FA2_TR_CAT_IAM },
	{ "PutBucketPolicy", FA2_TR_CAT_IAM }, { "DeleteBucketPolicy", FA2_TR_CAT_IAM },
	{ "PutBucketAcl", FA2_TR_CAT_IAM }, { "PutPublicAccessBlock", FA2_TR_CAT_IAM },
	{ "AddPermission", FA2_TR_CAT_IAM }, { "RemovePermission", FA2_TR_CAT_IAM },
	{ "UpdateService", FA2_TR_CAT_DEPLOY }, { "UpdateAddon", FA2_TR_CAT_DEPLOY },
	{ "CreateAddon", FA2_TR_CAT_DEPLOY }, { "UpdateClusterConfig", FA2_TR_CAT_CONFIG },
	{ "UpdateNodegroupConfig", FA2_TR_CAT_SCALING },
	{ "UpdateConfigurationProfile", FA2_TR_CAT_CONFIG }, { "CreateService", FA2_TR_CAT_DEPLOY },
	{ "RegisterTaskDefinition", FA2_TR_CAT_DEPLOY },
	{ "UpdateFunctionCode", FA2_TR_CAT_DEPLOY },
	{ "UpdateFunctionConfiguration", FA2_TR_CAT_DEPLOY | FA2_TR_CAT_CONFIG },
	{ "PublishVersion", FA2_TR_CAT_DEPLOY }, { "UpdateAlias", FA2_TR_CAT_DEPLOY },
	{ "CreateDeployment", FA2_TR_CAT_DEPLOY }, { "CreateStack", FA2_TR_CAT_DEPLOY },
	{ "UpdateStack", FA2_TR_CAT_DEPLOY }, { "ExecuteChangeSet", FA2_TR_CAT_DEPLOY },
	{ "DeleteStack", FA2_TR_CAT_DEPLOY }, { "UpdateEnvironment", FA2_TR_CAT_DEPLOY },
	{ "UpdateApplication", FA2_TR_CAT_DEPLOY }, { "StartDeployment", FA2_TR_CAT_DEPLOY },
	{ "ModifyDBParameterGroup", FA2_TR_CAT_CONFIG },
	{ "ModifyDBClusterParameterGroup", FA2_TR_CAT_CONFIG },
	{ "ResetDBParameterGroup", FA2_TR_CAT_CONFIG }, { "ModifyDBInstance", FA2_TR_CAT_CONFIG },
	{ "ModifyDBCluster", FA2_TR_CAT_CONFIG }, { "RebootDBInstance", FA2_TR_CAT_CONFIG },
	{ "FailoverDBCluster", FA2_TR_CAT_CONFIG }, { "PutParameter", FA2_TR_CAT_CONFIG },
	{ "DeleteParameter", FA2_TR_CAT_CONFIG }, { "UpdateSecret", FA2_TR_CAT_CONFIG },
	{ "PutSecretValue", FA2_TR_CAT_CONFIG }, { "RotateSecret", FA2_TR_CAT_CONFIG },
	{ "UpdateTable", FA2_TR_CAT_CONFIG }, { "PutFunctionConcurrency", FA2_TR_CAT_CONFIG | FA2_TR_CAT_SCALING },
	{ "DeleteFunctionConcurrency", FA2_TR_CAT_CONFIG }, { "ModifyCacheCluster", FA2_TR_CAT_CONFIG },
	{ "ModifyReplicationGroup", FA2_TR_CAT_CONFIG }, { "UpdateEventSourceMapping", FA2_TR_CAT_CONFIG },
	{ "SetQueueAttributes", FA2_TR_CAT_CONFIG }, { "PutConfigurationSetting", FA2_TR_CAT_CONFIG },
	{ "UpdateAutoScalingGroup", FA2_TR_CAT_SCALING }, { "SetDesiredCapacity", FA2_TR_CAT_SCALING },
	{ "PutScalingPolicy", FA2_TR_CAT_SCALING }, { "RegisterScalableTarget", FA2_TR_CAT_SCALING },
	{ "TerminateInstances", FA2_TR_CAT_SCALING }, { "StopInstances", FA2_TR_CAT_SCALING },
	{ "RebootInstances", FA2_TR_CAT_SCALING }, { "ModifyInstanceAttribute", FA2_TR_CAT_SCALING },
	{ "StopTask", FA2_TR_CAT_SCALING }, { "UpdateContainerInstancesState", FA2_TR_CAT_SCALING },
};

static const char *const read_prefixes[] = {
	"Describe", "List", "Get", "Head", "Lookup", "Search", "Select", "Scan", "Query",
	"BatchGet", "Check", "Validate", "Test", "Estimate", "Preview", "Simulate",
	"AssumeRole", "Decrypt", "Encrypt", "GenerateDataKey", "ConsoleLogin",
	"LookupEvents", "FilterLogEvents", "StartQuery", "StopQuery",
};

static int is_read_name(const char *name)
{
	size_t i;
	for (i = 0; i < sizeof read_prefixes / sizeof read_prefixes[0]; i++)
		if (strncmp(name, read_prefixes[i], strlen(read_prefixes[i])) == 0)
			return 1;
	return 0;
}

int fa2_tr_event_is_write(const fa2_tr_event *ev)
{
	if (ev->read_only == 1)
		return 0;
	if (ev->read_only == 0)
		return 1;
	return !is_read_name(ev->name);
}

unsigned fa2_tr_change_categories(const char *name, const char *source)
{
	size_t i, best_len = 0;
	unsigned cats = 0;
	if (!name || is_read_name(name))
		return 0;
	/* The longest matching prefix wins ("PutRolePolicy" over "Put"). */
	for (i = 0; i < sizeof change_rules / sizeof change_rules[0]; i++) {
		size_t n = strlen(change_rules[i].prefix);
		if (n > best_len && strncmp(name, change_rules[i].prefix, n) == 0) {
			best_len = n;
			cats = change_rules[i].cats;
		}
	}
	if (!cats || cats == FA2_TR_CAT_OTHER) {
		/* Unlisted IAM writes are still access changes. */
		if (source && strncmp(source, "iam.", 4) == 0)
			return FA2_TR_CAT_IAM;
		return FA2_TR_CAT_OTHER;
	}
	return cats;
}

const char *fa2_tr_category_name(unsigned cats)
{
	if (cats & FA2_TR_CAT_DEPLOY)
		return "deployment";
	if (cats & FA2_TR_CAT_NETWORK)
		return "network";
	if (cats & FA2_TR_CAT_IAM)
		return "access";
	if (cats & FA2_TR_CAT_CONFIG)
		return "configuration";
	if (cats & FA2_TR_CAT_SCALING)
		return "capacity";
	return "other";
}

/* The miner's whole-word classifier (logtpl.c word_sev): one lexicon for both. */
int fa2_tr_severity_guess(const char *text, size_t len)
{
	return (int)fa2_logtpl_guess_severity(fa2_slice_make(text, len));
}

const char *fa2_tr_severity_name(int sev)
{
	static const char *const names[] = { "unknown", "debug", "info", "warn", "error", "fatal" };
	return sev >= 0 && sev <= FA2_TR_SEV_FATAL ? names[sev] : "unknown";
}
