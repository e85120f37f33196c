/* Unit tests for configuration loading: the sample's names, fa2's own keys, defaults,
 * and validation messages that name the key. Prompt loading and rendering too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/config.h"
#include "agent/prompts.h"
#include "base/file.h"
#include "base/limits.h"
#include "test.h"

/* A sample parameter.ts carried over as JSON. */
static const char sample_cfg[] =
	"{\n"
	"  \"env\": { \"account\": \"123456789012\", \"region\": \"ap-northeast-1\" },\n"
	"  \"envName\": \"Development\",\n"
	"  \"language\": \"ja\",\n"
	"  \"modelId\": \"global.anthropic.claude-sonnet-4-6\",\n"
	"  \"slackAppTokenKey\": \"SlackAppToken\",\n"
	"  \"slackSigningSecretKey\": \"SlackSigningSecret\",\n"
	"  \"architectureDescription\": \"ALB, ECS on Fargate, Aurora MySQL\",\n"
	"  \"cwLogsLogGroups\": [\"/ecs/api\", \"/aws/rds/cluster/db/error\"],\n"
	"  \"cwLogsInsightQuery\": \"fields @timestamp, @message | limit 100\",\n"
	"  \"databaseName\": \"athenadatacatalog\",\n"
	"  \"albAccessLogTableName\": \"alb_access_logs\",\n"
	"  \"cloudTrailLogTableName\": \"cloudtrail_logs\",\n"
	"  \"xrayTrace\": true,\n"
	"  \"slashCommands\": { \"insight\": true, \"findingsReport\": false },\n"
	"  \"detectorId\": \"abc123\",\n"
	"  \"knowledgeBase\": true,\n"
	"  \"knowledgeBaseId\": \"KB12345678\",\n"
	"  \"embeddingModelId\": \"amazon.titan-embed-text-v2:0\",\n"
	"  \"rerankModelId\": \"cohere.rerank-v3-5:0\",\n"
	"  \"maxAgentCycles\": 7\n"
	"}\n";

FA2_TEST(config_sample_names)
{
	fa2_config c;
	char msg[512];
	CHECK_OK(fa2_config_init(&c));
	CHECK_OK(fa2_config_load_json(&c, fa2_slice_cstr(sample_cfg), "parameter.json", msg, sizeof msg));
	CHECK_INT_EQ(c.lang, FA2_LANG_JA);
	CHECK_STR_EQ(c.model_id, "global.anthropic.claude-sonnet-4-6");
	CHECK_STR_EQ(c.region, "ap-northeast-1");
	CHECK_STR_EQ(c.account, "123456789012");
	CHECK_INT_EQ(c.n_log_groups, 2);
	CHECK_STR_EQ(c.log_groups[1], "/aws/rds/cluster/db/error");
	CHECK_STR_EQ(c.insight_query, "fields @timestamp, @message | limit 100");
	CHECK_STR_EQ(c.alb_table, "alb_access_logs");
	CHECK_STR_EQ(c.cloudtrail_table, "cloudtrail_logs");
	CHECK_STR_EQ(c.database_name, "athenadatacatalog");
	CHECK(c.xray_trace && c.knowledge_base);
	CHECK_STR_EQ(c.knowledge_base_id, "KB12345678");
	CHECK_STR_EQ(c.rerank_model_id, "cohere.rerank-v3-5:0");
	CHECK(c.slash_insight && !c.slash_findings_report);
	CHECK_STR_EQ(c.slack_app_token_key, "SlackAppToken");
	CHECK_STR_EQ(c.slack_signing_secret_key, "SlackSigningSecret");
	CHECK_STR_EQ(c.detector_id, "abc123");
	CHECK_INT_EQ(c.max_agent_cycles, 7);
	CHECK_STR_EQ(fa2_config_model(&c), "global.anthropic.claude-sonnet-4-6");
	/* fa2's defaults untouched */
	CHECK_INT_EQ(c.llm_provider, FA2_LLM_BEDROCK);
	CHECK(c.has_temperature && !c.has_top_p);
	CHECK_INT_EQ(c.observation_bytes, FA2_MAX_OBSERVATION_BYTES);
	fa2_config_cleanup(&c);
}

FA2_TEST(config_defaults_and_fa2_keys)
{
	fa2_config c;
	char msg[512];
	setenv("FA2_STATE_DIR", "/tmp/fa2-state-test", 1);
	CHECK_OK(fa2_config_init(&c));
	unsetenv("FA2_STATE_DIR");
	CHECK_INT_EQ(c.lang, FA2_LANG_EN);
	CHECK_INT_EQ(c.max_agent_cycles, 5);
	CHECK_STR_EQ(fa2_config_model(&c), FA2_CONFIG_DEFAULT_MODEL);
	CHECK_STR_EQ(c.state_dir, "/tmp/fa2-state-test");
	CHECK_INT_EQ(c.session_retention_days, 30);
	CHECK_INT_EQ(c.tool_parallelism, 4);
	CHECK_INT_EQ(c.llm_max_tokens, 8192);
	CHECK_OK(fa2_config_load_json(&c, FA2_SLICE_LIT(
		"{\"llm\":{\"provider\":\"openai\",\"endpoint\":\"http://127.0.0.1:8080/v1\",\"model\":\"qwen2.5\","
		"\"apiKeyEnv\":\"LOCAL_LLM_KEY\",\"topP\":0.9,\"maxTokens\":2048,\"timeoutSeconds\":30,\"maxRetries\":1},"
		"\"agent\":{\"observationBytes\":8192,\"contextBytes\":65536,\"toolParallelism\":2,\"toolTimeoutSeconds\":20,\"timeoutSeconds\":300},"
		"\"stateDir\":\"/var/lib/fa2\",\"sessionRetentionDays\":7,\"timeZone\":\"+09:00\",\"promptsDir\":\"/etc/fa2/prompts\"}"),
		"fa2.json", msg, sizeof msg));
	CHECK_INT_EQ(c.llm_provider, FA2_LLM_OPENAI);
	CHECK_STR_EQ(c.llm_endpoint, "http://127.0.0.1:8080/v1");
	CHECK_STR_EQ(fa2_config_model(&c), "qwen2.5");
	CHECK_STR_EQ(c.llm_api_key_env, "LOCAL_LLM_KEY");
	CHECK(!c.has_temperature && c.has_top_p && c.top_p == 0.9); /* topP replaces the default temperature */
	CHECK_INT_EQ(c.llm_max_tokens, 2048);
	CHECK_INT_EQ(c.observation_bytes, 8192);
	CHECK_INT_EQ(c.context_bytes, 65536);
	CHECK_INT_EQ(c.tool_parallelism, 2);
	CHECK_INT_EQ(c.analysis_timeout_s, 300);
	CHECK_STR_EQ(c.state_dir, "/var/lib/fa2");
	CHECK_INT_EQ(c.session_retention_days, 7);
	CHECK_INT_EQ(c.tz_offset_min, 540);
	CHECK_STR_EQ(c.prompts_dir, "/etc/fa2/prompts");
	fa2_config_cleanup(&c);
}

FA2_TEST(config_errors_name_the_key)
{
	static const struct { const char *json, *want; } cases[] = {
		{ "{\"maxAgentCycles\":0}", "'maxAgentCycles' must be an integer from 1 to 50, got 0" },
		{ "{\"maxAgentCycles\":\"5\"}", "'maxAgentCycles' must be an integer from 1 to 50, got a string" },
		{ "{\"maxAgentCycles\":2.5}", "'maxAgentCycles' must be an integer" },
		{ "{\"language\":\"fr\"}", "'language' must be \"en\" or \"ja\", got \"fr\"" },
		{ "{\"modelId\":\"\"}", "'modelId' must not be empty" },
		{ "{\"cwLogsLogGroups\":\"/ecs/api\"}", "'cwLogsLogGroups' must be an array of log group names, got a string" },
		{ "{\"cwLogsLogGroups\":[\"/a\", 3]}", "'cwLogsLogGroups' entry 2 must be a non-empty log group name" },
		{ "{\"xrayTrace\":\"yes\"}", "'xrayTrace' must be true or false" },
		{ "{\"env\":{\"region\":\"Tokyo\"}}", "'env.region' must be an AWS region name" },
		{ "{\"llm\":{\"temperature\":0.2,\"topP\":0.9}}", "'llm.temperature' and 'llm.topP' are both set" },
		{ "{\"llm\":{\"provider\":\"openai\"}}", "'llm.endpoint' is required when llm.provider is \"openai\"" },
		{ "{\"llm\":{\"provider\":\"vertex\"}}", "'llm.provider' must be \"bedrock\" or \"openai\", got \"vertex\"" },
		{ "{\"llm\":{\"endpoint\":\"127.0.0.1:8080\"}}", "'llm.endpoint' must be an http:// or https:// URL" },
		{ "{\"llm\":{\"apiKeyEnv\":\"sk-abc123\"}}", "'llm.apiKeyEnv' must name an environment variable" },
		{ "{\"llm\":{\"temperature\":3}}", "'llm.temperature' must be a number from 0 to 2" },
		{ "{\"agent\":{\"observationBytes\":100}}", "'agent.observationBytes' must be an integer from 2048 to 1048576" },
		{ "{\"agent\":{\"toolParallelism\":64}}", "'agent.toolParallelism' must be an integer from 1 to 16" },
		{ "{\"knowledgeBase\":true}", "'knowledgeBase' is true but 'knowledgeBaseId' is not set" },
		{ "{\"albAccessLogTableName\":\"alb\"}", "'albAccessLogTableName' needs 'databaseName'" },
		{ "{\"timeZone\":\"Mars/Olympus\"}", "'timeZone' must be a time zone, got \"Mars/Olympus\": no such zone" },
		{ "{\"stateDir\":\"\"}", "'stateDir' must not be empty" },
		{ "{\"store\":\"dynamodb\"}", "'store' must be an object" },
		{ "{\"store\":{\"kind\":\"redis\"}}", "'store.kind' must be \"flat\" or \"dynamodb\", got \"redis\"" },
		{ "{\"store\":{\"kind\":\"dynamodb\"}}", "'store.table' is required when store.kind is \"dynamodb\"" },
		{ "[1,2]", "'(top level)' must be a JSON object" },
		{ "{\"language\": \"en\",}", "not valid JSON" },
	};
	size_t i;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fa2_config c;
		char msg[512];
		CHECK_OK(fa2_config_init(&c));
		CHECK_INT_EQ(fa2_config_load_json(&c, fa2_slice_cstr(cases[i].json), "x.json", msg, sizeof msg), FA2_ERR_CONFIG);
		CHECK_MSG(strstr(msg, cases[i].want) != NULL, "case %zu: message \"%s\" lacks \"%s\"", i, msg, cases[i].want);
		CHECK_MSG(strncmp(msg, "config x.json: ", 15) == 0, "case %zu: \"%s\"", i, msg);
		fa2_config_cleanup(&c);
	}
}

FA2_TEST(config_store)
{
	fa2_config c;
	char msg[512];
	CHECK_OK(fa2_config_init(&c));
	CHECK_OK(fa2_config_load_json(&c, FA2_SLICE_LIT("{\"store\":{\"kind\":\"dynamodb\",\"table\":\"fa2-state\","
	                                                 "\"region\":\"eu-west-1\"}}"), "x.json", msg, sizeof msg));
	CHECK(c.store_dynamodb);
	CHECK_STR_EQ(c.store_table, "fa2-state");
	CHECK_STR_EQ(c.store_region, "eu-west-1");
	fa2_config_cleanup(&c);
	CHECK_OK(fa2_config_init(&c));
	CHECK_OK(fa2_config_load_json(&c, FA2_SLICE_LIT("{\"store\":{\"kind\":\"flat\"}}"), "x.json", msg, sizeof msg));
	CHECK(!c.store_dynamodb && !c.store_table);
	fa2_config_cleanup(&c);
}

FA2_TEST(config_file_and_knowledge_base_string)
{
	fa2_config c;
	char msg[512], path[4200];
	const char *kb = "{\"knowledgeBase\":\"KBID0001\",\"unknownKey\":1}";
	snprintf(path, sizeof path, "%s/fa2.json", fa2_test_tmpdir());
	CHECK_OK(fa2_config_init(&c));
	CHECK_INT_EQ(fa2_config_load_file(&c, path, msg, sizeof msg), FA2_ERR_NOT_FOUND);
	CHECK(strstr(msg, "no such file") != NULL);
	CHECK_OK(fa2_file_write_atomic(path, kb, strlen(kb), 0600));
	CHECK_OK(fa2_config_load_file(&c, path, msg, sizeof msg));
	CHECK(c.knowledge_base);
	CHECK_STR_EQ(c.knowledge_base_id, "KBID0001");
	CHECK_STR_EQ(c.source, path);
	fa2_config_cleanup(&c);
}

static void torture_config(void *ctx)
{
	fa2_config c;
	char msg[512];
	(void)ctx;
	if (fa2_config_init(&c) == FA2_OK)
		(void)fa2_config_load_json(&c, fa2_slice_cstr(sample_cfg), "t", msg, sizeof msg);
	fa2_config_cleanup(&c);
}

FA2_TEST(config_alloc_torture)
{
	CHECK(fa2_test_alloc_torture(torture_config, NULL) > 10);
}

FA2_TEST(prompts_builtin_and_override)
{
	fa2_prompts p;
	char msg[256], dir[4200], path[4300];
	fa2_buf b;
	fa2_prompt_var vars[2] = { { "a", "1" }, { "bb", "two" } };
	CHECK_OK(fa2_prompts_load(&p, FA2_LANG_EN, NULL, msg, sizeof msg));
	CHECK(strstr(p.text[FA2_PROMPT_SYSTEM], "{{max_cycles}}") != NULL);
	CHECK(strstr(p.text[FA2_PROMPT_REPORT_SCHEMA], "\"rootCauses\"") != NULL);
	fa2_prompts_cleanup(&p);
	CHECK_OK(fa2_prompts_load(&p, FA2_LANG_JA, NULL, msg, sizeof msg));
	CHECK(strstr(p.text[FA2_PROMPT_INCIDENT], "分析する障害") != NULL);
	fa2_prompts_cleanup(&p);
	/* An override directory replaces the files it has; the rest stay built in. */
	snprintf(dir, sizeof dir, "%s/prompts", fa2_test_tmpdir());
	snprintf(path, sizeof path, "%s/en", dir);
	CHECK_OK(fa2_mkdir_p(path, 0700));
	snprintf(path, sizeof path, "%s/en/system.txt", dir);
	CHECK_OK(fa2_file_write_atomic(path, "Custom {{tools}}", 16, 0600));
	CHECK_OK(fa2_prompts_load(&p, FA2_LANG_EN, dir, msg, sizeof msg));
	CHECK_STR_EQ(p.text[FA2_PROMPT_SYSTEM], "Custom {{tools}}");
	CHECK(p.overridden[FA2_PROMPT_SYSTEM] && !p.overridden[FA2_PROMPT_INCIDENT]);
	CHECK(strstr(p.text[FA2_PROMPT_INCIDENT], "Incident to analyse") != NULL);
	fa2_prompts_cleanup(&p);
	snprintf(path, sizeof path, "%s/missing", fa2_test_tmpdir());
	CHECK_INT_EQ(fa2_prompts_load(&p, FA2_LANG_EN, path, msg, sizeof msg), FA2_ERR_NOT_FOUND);
	CHECK(strstr(msg, "does not exist") != NULL);
	/* Rendering */
	fa2_buf_init(&b, 1024);
	CHECK_OK(fa2_prompt_render("x{{a}}y{{bb}}z{{c}}{{", vars, 2, &b));
	CHECK_STR_EQ(b.data, "x1ytwoz{{c}}{{");
	fa2_buf_cleanup(&b);
}
