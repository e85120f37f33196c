/* fa2 configuration: one JSON file.
 *
 * The AWS sample's parameter names are accepted as they are (modelId, language,
 * architectureDescription, cwLogsLogGroups, cwLogsInsightQuery, databaseName,
 * albAccessLogTableName, cloudTrailLogTableName, xrayTrace, knowledgeBase, rerankModelId,
 * embeddingModelId, maxAgentCycles, slashCommands, slackAppTokenKey,
 * slackSigningSecretKey, detectorId, env.region, env.account, envName), plus fa2's own
 * (llm.*, agent.*, stateDir, sessionRetentionDays, timeZone, promptsDir, runbooksDir).
 * docs/configuration.md is the reference. Unknown keys are reported as warnings (a typo
 * must not go unnoticed) but do not fail the load. */
#ifndef FA2_AGENT_CONFIG_H
#define FA2_AGENT_CONFIG_H

#include <stddef.h>

#include "agent/tool.h"
#include "base/err.h"
#include "base/slice.h"
#include "base/tz.h"
#include "llm/llm.h"

#define FA2_CONFIG_MAX_LOG_GROUPS 50u
#define FA2_CONFIG_DEFAULT_MODEL  "global.anthropic.claude-sonnet-4-6"

typedef struct fa2_config {
	/* The sample's parameters. Strings are owned (NULL when unset). */
	fa2_lang lang;                  /* language: en (default) | ja */
	char *model_id;                 /* modelId: model id, inference profile or ARN */
	char *architecture_description; /* architectureDescription */
	char **log_groups;              /* cwLogsLogGroups (0..50 names) */
	size_t n_log_groups;
	char *insight_query;            /* cwLogsInsightQuery */
	char *database_name;            /* databaseName (Athena/Glue) */
	char *alb_table;                /* albAccessLogTableName */
	char *cloudtrail_table;         /* cloudTrailLogTableName */
	char *athena_workgroup;         /* athenaWorkGroup (fa2): NULL means "primary" */
	char *athena_output_location;   /* athenaOutputLocation (fa2): s3://bucket/prefix/ */
	char *athena_catalog;           /* athenaCatalog (fa2): NULL means AwsDataCatalog */
	int xray_trace;                 /* xrayTrace */
	int knowledge_base;             /* knowledgeBase */
	char *knowledge_base_id;        /* knowledgeBaseId (fa2: the sample deployed its own) */
	char *embedding_model_id;       /* embeddingModelId */
	char *rerank_model_id;          /* rerankModelId */
	unsigned max_agent_cycles;      /* maxAgentCycles: 1..50, default 5 */
	int slash_insight;              /* slashCommands.insight */
	int slash_findings_report;      /* slashCommands.findingsReport */
	char *slack_app_token_key;      /* slackAppTokenKey: Secrets Manager secret name */
	char *slack_signing_secret_key; /* slackSigningSecretKey */
	char *detector_id;              /* detectorId (GuardDuty) */
	char *region;                   /* env.region (NULL: AWS_REGION / profile decide) */
	char *account;                  /* env.account (informational) */

	/* fa2's own. */
	fa2_llm_kind llm_provider;      /* llm.provider: bedrock (default) | openai */
	char *llm_endpoint;             /* llm.endpoint: base URL (required for openai) */
	char *llm_model;                /* llm.model: overrides modelId for openai */
	char *llm_api_key_env;          /* llm.apiKeyEnv: env variable holding the API key */
	unsigned llm_max_tokens;        /* llm.maxTokens: default 8192 */
	int has_temperature;            /* llm.temperature (default 0.1 unless topP is set) */
	double temperature;
	int has_top_p;                  /* llm.topP */
	double top_p;
	unsigned llm_timeout_s;         /* llm.timeoutSeconds: per model call, default 120 */
	unsigned llm_max_retries;       /* llm.maxRetries: default 3 */
	unsigned llm_backoff_ms;        /* llm.backoffMs: first retry delay, default 1000 */
	size_t observation_bytes;       /* agent.observationBytes: default 24576 */
	size_t context_bytes;           /* agent.contextBytes: tool results kept in full, 409600 */
	unsigned tool_parallelism;      /* agent.toolParallelism: 1..16, default 4 */
	unsigned tool_timeout_s;        /* agent.toolTimeoutSeconds: default 90 */
	unsigned analysis_timeout_s;    /* agent.timeoutSeconds: whole analysis, default 900 */
	char *state_dir;                /* stateDir: sessions live in STATE_DIR/sessions */
	unsigned session_retention_days;/* sessionRetentionDays: default 30, 0 keeps forever */
	unsigned slack_resume_max_age_min; /* slackResumeMaxAgeMinutes: Slack analyses interrupted
	                                 * by a restart are resumed when younger; default 60,
	                                 * 0 never resumes */
	fa2_tz tz;                      /* timeZone: zone of times shown to people and of
	                                 * times written without one (default UTC) */
	int tz_offset_min;              /* the offset of tz when the config was loaded (use
	                                 * tz: an IANA zone's offset changes with DST) */
	char *prompts_dir;              /* promptsDir: prompt override directory */
	char *runbooks_dir;             /* runbooksDir: Markdown/text runbooks kb_tool searches
	                                 * in-process (where there is no Bedrock KB) */

	int store_dynamodb;             /* store.kind "dynamodb" (default "flat": STATE_DIR files) */
	char *store_table;              /* store.table: the DynamoDB table (required for dynamodb) */
	char *store_region;             /* store.region: the table's region (default env.region) */
	unsigned store_lease_s;         /* store.leaseSeconds: an analysis lease (dynamodb; 60) */

	char *source;                   /* the file loaded, or NULL for defaults only */
} fa2_config;

/* Fills c with the defaults (no allocation except state_dir, derived from $FA2_STATE_DIR,
 * $XDG_STATE_HOME or $HOME). Always pair with fa2_config_cleanup. */
fa2_err fa2_config_init(fa2_config *c);
void fa2_config_cleanup(fa2_config *c);

/* Reads and applies a JSON config file on top of c. On error returns FA2_ERR_CONFIG
 * (invalid content), FA2_ERR_NOT_FOUND / FA2_ERR_IO (unreadable) or FA2_ERR_NOMEM, and
 * writes a message naming the file and the key into msg. */
fa2_err fa2_config_load_file(fa2_config *c, const char *path, char *msg, size_t msg_cap);
/* The same for JSON text; origin names it in messages. */
fa2_err fa2_config_load_json(fa2_config *c, fa2_slice json, const char *origin, char *msg,
			     size_t msg_cap);

/* The model the provider should use (llm.model for openai when set, else modelId). */
const char *fa2_config_model(const fa2_config *c);

#endif
