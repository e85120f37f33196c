/* Configuration loading and validation. Every message names the file and the key. */
#include "agent/config.h"
#include "agent/config_import.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/time.h"

#define MAX_STRING_BYTES 65536u /* any one string value (architectureDescription, ...) */

typedef struct ctx {
	fa2_config *c;
	const char *origin;
	char *msg;
	size_t cap;
	fa2_err err;
} ctx;

static fa2_err fail(ctx *x, const char *key, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

static fa2_err fail(ctx *x, const char *key, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(x->msg, x->cap, "config %s: '%s' ", x->origin, key);
	if (n >= 0 && (size_t)n < x->cap) {
		va_start(ap, fmt);
		vsnprintf(x->msg + n, x->cap - (size_t)n, fmt, ap);
		va_end(ap);
	}
	x->err = FA2_ERR_CONFIG;
	return FA2_ERR_CONFIG;
}

static const char *type_name(const cJSON *j)
{
	if (cJSON_IsString(j)) return "a string";
	if (cJSON_IsNumber(j)) return "a number";
	if (cJSON_IsBool(j)) return "a boolean";
	if (cJSON_IsArray(j)) return "an array";
	if (cJSON_IsObject(j)) return "an object";
	return "null";
}

/* Replaces *field with a copy of j's string. Empty strings clear the field unless
 * nonempty is set (then they are an error). */
static fa2_err get_str(ctx *x, const cJSON *obj, const char *jkey, const char *key,
		       char **field, int nonempty)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, jkey);
	char *d;
	size_t n;
	if (!j)
		return FA2_OK;
	if (!cJSON_IsString(j))
		return fail(x, key, "must be a string, got %s", type_name(j));
	n = strlen(j->valuestring);
	if (n > MAX_STRING_BYTES)
		return fail(x, key, "is longer than %u bytes", MAX_STRING_BYTES);
	if (n == 0) {
		if (nonempty)
			return fail(x, key, "must not be empty");
		fa2_free(*field);
		*field = NULL;
		return FA2_OK;
	}
	d = fa2_strdup(j->valuestring);
	if (!d)
		return x->err = FA2_ERR_NOMEM;
	fa2_free(*field);
	*field = d;
	return FA2_OK;
}

static fa2_err get_bool(ctx *x, const cJSON *obj, const char *jkey, const char *key, int *field)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, jkey);
	if (!j)
		return FA2_OK;
	if (!cJSON_IsBool(j))
		return fail(x, key, "must be true or false, got %s", type_name(j));
	*field = cJSON_IsTrue(j) ? 1 : 0;
	return FA2_OK;
}

static fa2_err get_uint(ctx *x, const cJSON *obj, const char *jkey, const char *key,
			unsigned long min, unsigned long max, unsigned long *out, int *present)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, jkey);
	double d;
	*present = 0;
	if (!j)
		return FA2_OK;
	if (!cJSON_IsNumber(j))
		return fail(x, key, "must be an integer from %lu to %lu, got %s", min, max, type_name(j));
	d = j->valuedouble;
	if (!(d >= (double)min && d <= (double)max) || floor(d) != d)
		return fail(x, key, "must be an integer from %lu to %lu, got %g", min, max, d);
	*out = (unsigned long)d;
	*present = 1;
	return FA2_OK;
}

static fa2_err get_unsigned(ctx *x, const cJSON *obj, const char *jkey, const char *key,
			    unsigned long min, unsigned long max, unsigned *field)
{
	unsigned long v;
	int present;
	if (get_uint(x, obj, jkey, key, min, max, &v, &present))
		return x->err;
	if (present)
		*field = (unsigned)v;
	return FA2_OK;
}

static fa2_err get_double(ctx *x, const cJSON *obj, const char *jkey, const char *key,
			  double min, double max, double *field, int *present)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, jkey);
	if (!j)
		return FA2_OK;
	if (!cJSON_IsNumber(j) || !(j->valuedouble >= min && j->valuedouble <= max))
		return fail(x, key, "must be a number from %g to %g", min, max);
	*field = j->valuedouble;
	*present = 1;
	return FA2_OK;
}

static int known(const char *k, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(k, *list) == 0)
			return 1;
	return 0;
}

static void warn_unknown(ctx *x, const cJSON *obj, const char *prefix, const char *const *list)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, obj)
	{
		if (it->string && !known(it->string, list))
			FA2_LOGW("config", "%s: unknown key '%s%s' ignored (see docs/configuration.md)",
				 x->origin, prefix, it->string);
	}
}

static const char *const top_keys[] = {
	"language", "modelId", "architectureDescription", "cwLogsLogGroups",
	"cwLogsInsightQuery", "databaseName", "albAccessLogTableName", "cloudTrailLogTableName",
	"athenaWorkGroup", "athenaOutputLocation", "athenaCatalog",
	"xrayTrace", "knowledgeBase", "knowledgeBaseId", "embeddingModelId", "rerankModelId",
	"maxAgentCycles", "slashCommands", "slackAppTokenKey", "slackSigningSecretKey",
	"detectorId", "env", "envName", "llm", "agent", "stateDir", "sessionRetentionDays",
	"timeZone", "promptsDir", "$schema", "slackResumeMaxAgeMinutes", "slack", "runbooksDir", "store", "sns", NULL
};
static const char *const llm_keys[] = {
	"provider", "endpoint", "model", "apiKeyEnv", "maxTokens", "temperature", "topP",
	"timeoutSeconds", "maxRetries", "backoffMs", NULL
};
static const char *const agent_keys[] = {
	"observationBytes", "contextBytes", "toolParallelism", "toolTimeoutSeconds",
	"timeoutSeconds", NULL
};
static const char *const env_keys[] = { "region", "account", NULL };
static const char *const store_keys[] = { "kind", "table", "region", "leaseSeconds", NULL };
static const char *const slash_keys[] = { "insight", "findingsReport", NULL };

static fa2_err load_log_groups(ctx *x, const cJSON *root)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "cwLogsLogGroups"), *it;
	fa2_config *c = x->c;
	size_t n, i = 0;
	char **v;
	if (!arr)
		return FA2_OK;
	if (!cJSON_IsArray(arr))
		return fail(x, "cwLogsLogGroups", "must be an array of log group names, got %s",
			    type_name(arr));
	n = (size_t)cJSON_GetArraySize(arr);
	if (n > FA2_CONFIG_MAX_LOG_GROUPS)
		return fail(x, "cwLogsLogGroups", "has %zu entries; at most %u are allowed", n,
			    FA2_CONFIG_MAX_LOG_GROUPS);
	v = fa2_calloc(n ? n : 1, sizeof *v);
	if (!v)
		return x->err = FA2_ERR_NOMEM;
	cJSON_ArrayForEach(it, arr)
	{
		size_t len;
		if (!cJSON_IsString(it) || (len = strlen(it->valuestring)) == 0 || len > 512) {
			fail(x, "cwLogsLogGroups", "entry %zu must be a non-empty log group name "
				 "(at most 512 characters)", i + 1);
			goto fail_free;
		}
		v[i] = fa2_strdup(it->valuestring);
		if (!v[i]) {
			x->err = FA2_ERR_NOMEM;
			goto fail_free;
		}
		i++;
	}
	for (i = 0; i < c->n_log_groups; i++)
		fa2_free(c->log_groups[i]);
	fa2_free(c->log_groups);
	c->log_groups = v;
	c->n_log_groups = n;
	return FA2_OK;
fail_free:
	while (i > 0)
		fa2_free(v[--i]);
	fa2_free(v);
	return x->err;
}

static int is_http_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

static fa2_err apply(ctx *x, const cJSON *root)
{
	fa2_config *c = x->c;
	const cJSON *llm, *agent, *env, *slash, *kb;
	char *lang = NULL, *provider = NULL, *tz = NULL;
	unsigned long v;
	int present, t_set = 0, p_set = 0;
	double t = 0, p = 0;

	if (!cJSON_IsObject(root))
		return fail(x, "(top level)", "must be a JSON object");
	warn_unknown(x, root, "", top_keys);

	if (get_str(x, root, "language", "language", &lang, 1))
		goto out;
	if (lang) {
		if (fa2_lang_parse(lang, &c->lang)) {
			fail(x, "language", "must be \"en\" or \"ja\", got \"%s\"", lang);
			goto out;
		}
	}
	if (get_str(x, root, "modelId", "modelId", &c->model_id, 1) ||
	    get_str(x, root, "architectureDescription", "architectureDescription",
		    &c->architecture_description, 0) ||
	    load_log_groups(x, root) ||
	    get_str(x, root, "cwLogsInsightQuery", "cwLogsInsightQuery", &c->insight_query, 1) ||
	    get_str(x, root, "databaseName", "databaseName", &c->database_name, 0) ||
	    get_str(x, root, "albAccessLogTableName", "albAccessLogTableName", &c->alb_table, 0) ||
	    get_str(x, root, "cloudTrailLogTableName", "cloudTrailLogTableName",
		    &c->cloudtrail_table, 0) ||
	    get_str(x, root, "athenaWorkGroup", "athenaWorkGroup", &c->athena_workgroup, 0) ||
	    get_str(x, root, "athenaOutputLocation", "athenaOutputLocation",
		    &c->athena_output_location, 0) ||
	    get_str(x, root, "athenaCatalog", "athenaCatalog", &c->athena_catalog, 0) ||
	    get_bool(x, root, "xrayTrace", "xrayTrace", &c->xray_trace) ||
	    get_str(x, root, "knowledgeBaseId", "knowledgeBaseId", &c->knowledge_base_id, 0) ||
	    get_str(x, root, "embeddingModelId", "embeddingModelId", &c->embedding_model_id, 0) ||
	    get_str(x, root, "rerankModelId", "rerankModelId", &c->rerank_model_id, 0) ||
	    get_unsigned(x, root, "maxAgentCycles", "maxAgentCycles", 1, 50, &c->max_agent_cycles) ||
	    get_str(x, root, "slackAppTokenKey", "slackAppTokenKey", &c->slack_app_token_key, 0) ||
	    get_str(x, root, "slackSigningSecretKey", "slackSigningSecretKey",
		    &c->slack_signing_secret_key, 0) ||
	    get_str(x, root, "detectorId", "detectorId", &c->detector_id, 0) ||
	    get_str(x, root, "stateDir", "stateDir", &c->state_dir, 1) ||
	    get_unsigned(x, root, "sessionRetentionDays", "sessionRetentionDays", 0, 3650,
			 &c->session_retention_days) ||
	    get_unsigned(x, root, "slackResumeMaxAgeMinutes", "slackResumeMaxAgeMinutes", 0, 10080,
			 &c->slack_resume_max_age_min) ||
	    get_str(x, root, "timeZone", "timeZone", &tz, 0) ||
	    get_str(x, root, "promptsDir", "promptsDir", &c->prompts_dir, 0) ||
	    get_str(x, root, "runbooksDir", "runbooksDir", &c->runbooks_dir, 0))
		goto out;

	/* knowledgeBase: the sample's boolean; a string is taken as the knowledge base id. */
	kb = cJSON_GetObjectItemCaseSensitive(root, "knowledgeBase");
	if (cJSON_IsString(kb)) {
		if (get_str(x, root, "knowledgeBase", "knowledgeBase", &c->knowledge_base_id, 1))
			goto out;
		c->knowledge_base = 1;
	} else if (get_bool(x, root, "knowledgeBase", "knowledgeBase", &c->knowledge_base)) {
		goto out;
	}
	if (tz) {
		fa2_err tze = fa2_tz_load(fa2_slice_cstr(tz), &c->tz);
		if (tze) {
			char why[256];
			fa2_tz_explain(tze, why, sizeof why);
			fail(x, "timeZone", "must be a time zone, got \"%s\": %s", tz, why);
			goto out;
		}
		c->tz_offset_min = fa2_tz_offset_min(&c->tz, fa2_time_now_ms());
	}

	env = cJSON_GetObjectItemCaseSensitive(root, "env");
	if (env) {
		if (!cJSON_IsObject(env)) {
			fail(x, "env", "must be an object like {\"region\": \"us-east-1\"}");
			goto out;
		}
		warn_unknown(x, env, "env.", env_keys);
		if (get_str(x, env, "region", "env.region", &c->region, 0) ||
		    get_str(x, env, "account", "env.account", &c->account, 0))
			goto out;
		if (c->region) {
			const char *r = c->region;
			size_t i, n = strlen(r);
			for (i = 0; i < n; i++)
				if (!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= '0' && r[i] <= '9') || r[i] == '-'))
					break;
			if (i < n || n > 32) {
				fail(x, "env.region", "must be an AWS region name like \"us-east-1\", got \"%s\"", r);
				goto out;
			}
		}
	}
	{
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(root, "store");
		char *kind = NULL;
		if (st && !cJSON_IsObject(st)) {
			fail(x, "store", "must be an object like {\"kind\": \"dynamodb\", \"table\": \"fa2-state\"}");
			goto out;
		}
		if (st) {
			warn_unknown(x, st, "store.", store_keys);
			if (get_str(x, st, "kind", "store.kind", &kind, 1) ||
			    get_str(x, st, "table", "store.table", &c->store_table, 1) ||
			    get_str(x, st, "region", "store.region", &c->store_region, 1) ||
			    get_unsigned(x, st, "leaseSeconds", "store.leaseSeconds", 2, 3600, &c->store_lease_s)) {
				fa2_free(kind);
				goto out;
			}
			c->store_dynamodb = kind && strcmp(kind, "dynamodb") == 0;
			if (kind && !c->store_dynamodb && strcmp(kind, "flat") != 0) {
				fail(x, "store.kind", "must be \"flat\" or \"dynamodb\", got \"%s\"", kind);
				fa2_free(kind);
				goto out;
			}
			fa2_free(kind);
			if (c->store_dynamodb && !c->store_table) {
				fail(x, "store.table", "is required when store.kind is \"dynamodb\"");
				goto out;
			}
		}
	}
	slash = cJSON_GetObjectItemCaseSensitive(root, "slashCommands");
	if (slash) {
		if (!cJSON_IsObject(slash)) {
			fail(x, "slashCommands", "must be an object like {\"insight\": true, \"findingsReport\": false}");
			goto out;
		}
		warn_unknown(x, slash, "slashCommands.", slash_keys);
		if (get_bool(x, slash, "insight", "slashCommands.insight", &c->slash_insight) ||
		    get_bool(x, slash, "findingsReport", "slashCommands.findingsReport",
			     &c->slash_findings_report))
			goto out;
	}

	llm = cJSON_GetObjectItemCaseSensitive(root, "llm");
	if (llm) {
		if (!cJSON_IsObject(llm)) {
			fail(x, "llm", "must be an object");
			goto out;
		}
		warn_unknown(x, llm, "llm.", llm_keys);
		if (get_str(x, llm, "provider", "llm.provider", &provider, 1) ||
		    get_str(x, llm, "endpoint", "llm.endpoint", &c->llm_endpoint, 0) ||
		    get_str(x, llm, "model", "llm.model", &c->llm_model, 0) ||
		    get_str(x, llm, "apiKeyEnv", "llm.apiKeyEnv", &c->llm_api_key_env, 0) ||
		    get_unsigned(x, llm, "maxTokens", "llm.maxTokens", 1, 1000000, &c->llm_max_tokens) ||
		    get_double(x, llm, "temperature", "llm.temperature", 0.0, 2.0, &t, &t_set) ||
		    get_double(x, llm, "topP", "llm.topP", 0.0, 1.0, &p, &p_set) ||
		    get_unsigned(x, llm, "timeoutSeconds", "llm.timeoutSeconds", 1, 3600,
				 &c->llm_timeout_s) ||
		    get_unsigned(x, llm, "maxRetries", "llm.maxRetries", 0, 10, &c->llm_max_retries) ||
		    get_unsigned(x, llm, "backoffMs", "llm.backoffMs", 1, 60000, &c->llm_backoff_ms))
			goto out;
		if (provider) {
			if (strcmp(provider, "bedrock") == 0)
				c->llm_provider = FA2_LLM_BEDROCK;
			else if (strcmp(provider, "openai") == 0)
				c->llm_provider = FA2_LLM_OPENAI;
			else {
				fail(x, "llm.provider", "must be \"bedrock\" or \"openai\", got \"%s\"", provider);
				goto out;
			}
		}
		if (t_set && p_set) {
			fail(x, "llm.temperature", "and 'llm.topP' are both set: set one of them "
				 "(newer Claude models reject requests that carry both)");
			goto out;
		}
		if (t_set) {
			c->has_temperature = 1;
			c->temperature = t;
			c->has_top_p = 0;
		} else if (p_set) {
			c->has_top_p = 1;
			c->top_p = p;
			c->has_temperature = 0;
		}
		if (c->llm_api_key_env) {
			const char *s = c->llm_api_key_env;
			size_t i;
			for (i = 0; s[i]; i++)
				if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
				      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
					break;
			if (s[i] || (s[0] >= '0' && s[0] <= '9')) {
				fail(x, "llm.apiKeyEnv", "must name an environment variable (like "
					 "\"OPENAI_API_KEY\"), not hold the key itself");
				goto out;
			}
		}
	}
	if (c->llm_endpoint && !is_http_url(c->llm_endpoint)) {
		fail(x, "llm.endpoint", "must be an http:// or https:// URL, got \"%s\"", c->llm_endpoint);
		goto out;
	}
	if (c->llm_provider == FA2_LLM_OPENAI && !c->llm_endpoint) {
		fail(x, "llm.endpoint", "is required when llm.provider is \"openai\" "
			 "(e.g. \"http://127.0.0.1:8080/v1\")");
		goto out;
	}

	agent = cJSON_GetObjectItemCaseSensitive(root, "agent");
	if (agent) {
		if (!cJSON_IsObject(agent)) {
			fail(x, "agent", "must be an object");
			goto out;
		}
		warn_unknown(x, agent, "agent.", agent_keys);
		if (get_uint(x, agent, "observationBytes", "agent.observationBytes", 2048,
			     1024ul * 1024ul, &v, &present))
			goto out;
		if (present)
			c->observation_bytes = v;
		if (get_uint(x, agent, "contextBytes", "agent.contextBytes", 16384,
			     16ul * 1024ul * 1024ul, &v, &present))
			goto out;
		if (present)
			c->context_bytes = v;
		if (get_unsigned(x, agent, "toolParallelism", "agent.toolParallelism", 1, 16,
				 &c->tool_parallelism) ||
		    get_unsigned(x, agent, "toolTimeoutSeconds", "agent.toolTimeoutSeconds", 1, 3600,
				 &c->tool_timeout_s) ||
		    get_unsigned(x, agent, "timeoutSeconds", "agent.timeoutSeconds", 10, 86400,
				 &c->analysis_timeout_s))
			goto out;
	}
	if (c->knowledge_base && !c->knowledge_base_id) {
		char kb_name[160];
		fa2_config_import_kb_name(fa2_json_str(root, "envName"), kb_name, sizeof kb_name);
		fail(x, "knowledgeBase", "is true but 'knowledgeBaseId' is not set: add \"knowledgeBaseId\": "
			 "\"<id>\" to %s (the id is in the Bedrock console under Knowledge bases, or run "
			 "'fa2 kb list'%s%s%s)", x->origin, kb_name[0] ? "; the sample named its knowledge base \"" : "",
			 kb_name, kb_name[0] ? "\"" : "");
		goto out;
	}
	if (c->alb_table && !c->database_name) {
		fail(x, "albAccessLogTableName", "needs 'databaseName' (the Athena database of the table)");
		goto out;
	}
	if (c->cloudtrail_table && !c->database_name) {
		fail(x, "cloudTrailLogTableName", "needs 'databaseName' (the Athena database of the table)");
		goto out;
	}
	if (c->athena_output_location && strncmp(c->athena_output_location, "s3://", 5) != 0) {
		fail(x, "athenaOutputLocation", "must be an S3 URL like \"s3://bucket/athena-results/\"");
		goto out;
	}
out:
	fa2_free(lang);
	fa2_free(provider);
	fa2_free(tz);
	return x->err;
}

fa2_err fa2_config_init(fa2_config *c)
{
	const char *s;
	fa2_buf b;
	fa2_err e = FA2_OK;
	memset(c, 0, sizeof *c);
	c->lang = FA2_LANG_EN;
	c->max_agent_cycles = 5;
	c->slash_insight = 1;
	c->slash_findings_report = 1;
	c->llm_provider = FA2_LLM_BEDROCK;
	c->llm_max_tokens = 8192;
	c->has_temperature = 1;
	c->temperature = 0.1;
	c->llm_timeout_s = 120;
	c->llm_max_retries = 3;
	c->llm_backoff_ms = 1000;
	c->observation_bytes = FA2_MAX_OBSERVATION_BYTES;
	c->context_bytes = 400u * 1024u;
	c->tool_parallelism = 4;
	c->tool_timeout_s = 90;
	c->analysis_timeout_s = 900;
	c->session_retention_days = 30;
	c->slack_resume_max_age_min = 60;
	c->store_lease_s = 60;
	fa2_tz_utc(&c->tz);
	fa2_buf_init(&b, 4096);
	if ((s = getenv("FA2_STATE_DIR")) && *s)
		e = fa2_buf_append_cstr(&b, s);
	else if ((s = getenv("XDG_STATE_HOME")) && *s)
		e = fa2_buf_appendf(&b, "%s/fa2", s);
	else if ((s = getenv("HOME")) && *s)
		e = fa2_buf_appendf(&b, "%s/.local/state/fa2", s);
	else
		e = fa2_buf_append_cstr(&b, "/var/lib/fa2");
	if (!e)
		c->state_dir = fa2_buf_steal(&b, NULL);
	fa2_buf_cleanup(&b);
	if (e || !c->state_dir)
		return e ? e : FA2_ERR_NOMEM;
	return FA2_OK;
}

void fa2_config_cleanup(fa2_config *c)
{
	size_t i;
	char **strs[] = {
		&c->model_id, &c->architecture_description, &c->insight_query, &c->database_name,
		&c->alb_table, &c->cloudtrail_table, &c->athena_workgroup, &c->athena_output_location,
		&c->athena_catalog, &c->knowledge_base_id, &c->embedding_model_id,
		&c->rerank_model_id, &c->slack_app_token_key, &c->slack_signing_secret_key,
		&c->detector_id, &c->region, &c->account, &c->llm_endpoint, &c->llm_model,
		&c->llm_api_key_env, &c->state_dir, &c->prompts_dir, &c->source, &c->runbooks_dir,
		&c->store_table, &c->store_region
	};
	for (i = 0; i < sizeof strs / sizeof strs[0]; i++) {
		fa2_free(*strs[i]);
		*strs[i] = NULL;
	}
	for (i = 0; i < c->n_log_groups; i++)
		fa2_free(c->log_groups[i]);
	fa2_free(c->log_groups);
	memset(c, 0, sizeof *c);
}

fa2_err fa2_config_load_json(fa2_config *c, fa2_slice json, const char *origin, char *msg,
			     size_t msg_cap)
{
	ctx x;
	cJSON *root;
	fa2_err pe;
	x.c = c;
	x.origin = origin ? origin : "(inline)";
	x.msg = msg;
	x.cap = msg_cap;
	x.err = FA2_OK;
	if (msg_cap)
		msg[0] = '\0';
	root = fa2_json_parse(json, &pe);
	if (!root) {
		if (pe == FA2_ERR_NOMEM)
			return FA2_ERR_NOMEM;
		snprintf(msg, msg_cap, "config %s: not valid JSON (near byte %zu)", x.origin,
			 (size_t)(cJSON_GetErrorPtr() && cJSON_GetErrorPtr() >= json.ptr &&
					  cJSON_GetErrorPtr() <= json.ptr + json.len
				  ? cJSON_GetErrorPtr() - json.ptr
				  : 0));
		return FA2_ERR_CONFIG;
	}
	apply(&x, root);
	cJSON_Delete(root);
	if (x.err == FA2_ERR_NOMEM && msg_cap)
		snprintf(msg, msg_cap, "config %s: out of memory", x.origin);
	return x.err;
}

fa2_err fa2_config_load_file(fa2_config *c, const char *path, char *msg, size_t msg_cap)
{
	fa2_buf b;
	fa2_err e;
	fa2_buf_init(&b, FA2_MAX_CONFIG_BYTES);
	e = fa2_file_read_all(path, &b);
	if (e) {
		snprintf(msg, msg_cap, "config %s: %s", path,
			 e == FA2_ERR_NOT_FOUND ? "no such file"
			 : e == FA2_ERR_TOO_LARGE ? "larger than 1 MiB"
						  : "cannot be read");
		goto cleanup;
	}
	e = fa2_config_load_json(c, fa2_buf_slice(&b), path, msg, msg_cap);
	if (!e) {
		fa2_free(c->source);
		c->source = fa2_strdup(path);
		if (!c->source)
			e = FA2_ERR_NOMEM;
	}
cleanup:
	fa2_buf_cleanup(&b);
	return e;
}

const char *fa2_config_model(const fa2_config *c)
{
	if (c->llm_provider == FA2_LLM_OPENAI && c->llm_model)
		return c->llm_model;
	return c->model_id ? c->model_id : FA2_CONFIG_DEFAULT_MODEL;
}
