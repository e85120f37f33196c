/* src/agent/config_import.c: the TypeScript literal parser and the mapping of the
 * sample's parameter.ts (its README example, its two parameter templates and its
 * multi-environment file, as published) onto fa2's configuration. */
#include <stdio.h>
#include <string.h>

#include "agent/config.h"
#include "agent/config_import.h"
#include "base/alloc.h"
#include "base/json.h"
#include "test.h"

/* The sample README's example (Slack App version). */
static const char readme_example[] =
	"import { Environment } from \"aws-cdk-lib\";\n"
	"\n"
	"export type Language = \"ja\" | \"en\";\n"
	"export type SlashCommands = {\n  insight: boolean;\n  findingsReport: boolean;\n};\n"
	"export interface AppParameter {\n  env?: Environment;\n  language: Language;\n"
	"  slashCommands: SlashCommands;\n  knowledgeBase: boolean;\n  maxAgentCycles?: number;\n}\n"
	"\n"
	"// Example: Settings for the Slack App version when using Claude 3.7 Sonnet\n"
	"export const devParameter: AppParameter = {\n"
	"  env: {\n    account: \"123456789012\",\n    region: \"us-west-2\",\n  },\n"
	"  language: \"ja\",\n"
	"  envName: \"Development\",\n"
	"  modelId: \"us.anthropic.claude-3-7-sonnet-20250219-v1:0\",\n"
	"  slackAppTokenKey: \"SlackAppToken\",\n"
	"  slackSigningSecretKey: \"SlackSigningSecret\",\n"
	"  architectureDescription: \"The workload you are responsible for consists of ALB, EC2, and Aurora, "
	"and Spring applications are deployed on EC2.\",\n"
	"  cwLogsLogGroups: [\n    \"/ec2/demoapp\",\n    \"/ec2/messages\",\n    \"/aws/application-signals/data\",\n  ],\n"
	"  cwLogsInsightQuery: \"fields @message | limit 100\",\n"
	"  xrayTrace: false,\n"
	"  slashCommands: {\n    insight: true,\n    findingsReport: true\n  },\n"
	"  knowledgeBase: true,\n"
	"  embeddingModelId: \"amazon.titan-embed-text-v2:0\",\n"
	"  maxAgentCycles: 5 // Maximum number of cycles for ReAct agent\n"
	"};\n";

/* parameter_template.ts of the Custom Action era (topicArn) and of the two-model era. */
static const char template_topic[] =
	"export const devParameter: AppParameter = {\n"
	"  env: {\n    account: \"123456789012\",\n    region: \"us-east-1\",\n  },\n"
	"  language: \"ja\",\n  envName: \"Development\",\n"
	"  modelId: \"anthropic.claude-3-sonnet-20240229-v1:0\",\n"
	"  cwLogsLogGroups: [\n    \"EcsAppApiLogGroupXXXXXXXX-xxxxxxxxxxxx\",\n"
	"    \"/aws/ecs/containerinsights/EcsAppClusterXXXXXXXX-xxxxxxxxxxxx/performance\",\n  ],\n"
	"  // It's just sample query. Please you optimize to your situation.\n"
	"  cwLogsInsightQuery: \"fields @message | limit 100\",\n"
	"  databaseName: \"athenadatacatalog1111111\",\n"
	"  albAccessLogTableName: \"alb_access_logs\",\n"
	"  cloudTrailLogTableName: \"cloud_trail_logs\",\n"
	"  xrayTrace: true,\n"
	"  topicArn:\n    \"arn:aws:sns:us-east-1:123456789012:MonitoringAlarmTopicXXXXXXXX-xxxxxxxxxxxx\",\n"
	"};\n";

static const char template_two_models[] =
	"export const devParameter: AppParameter = {\n"
	"  env: { account: \"123456789012\", region: \"us-east-1\" },\n"
	"  language: \"ja\",\n  envName: \"Development\",\n"
	"  qualityModelId: \"anthropic.claude-3-sonnet-20240229-v1:0\",\n"
	"  fastModelId: \"anthropic.claude-3-haiku-20240307-v1:0\",\n"
	"  slackAppTokenKey: \"SlackAppToken\",\n  slackSigningSecretKey: \"SlackSigningSecret\",\n"
	"  architectureDescription: `\n  \xe3\x81\x82\xe3\x81\xaa\xe3\x81\x9f\xe3\x81\x8c\xe6\x8b\x85\xe5\xbd\x93"
	"\xe3\x81\x99\xe3\x82\x8b\xe3\x83\xaf\xe3\x83\xbc\xe3\x82\xaf\xe3\x83\xad\xe3\x83\xbc\xe3\x83\x89`,\n"
	"  cwLogsLogGroups: [\"a\"],\n  cwLogsInsightQuery: \"fields @message | limit 100\",\n"
	"  xrayTrace: true,\n  slashCommands: { insight: false, findingsReport: false, },\n"
	"  detectorId: \"ccc7636809ab9ef126976785ad0df79e\",\n  knowledgeBase: false,\n"
	"};\n";

/* parameter_slackapp.ts: three environments and an alias. */
static const char several[] =
	"export const developParameter: AppParameter = {\n  envName: \"Development\",\n"
	"  // modelId: \"anthropic.claude-3-sonnet-20240229-v1:0\",\n"
	"  modelId: \"anthropic.claude-3-haiku-20240307-v1:0\",\n  cwLogsLogGroups: [\"dev\"],\n"
	"  cwLogsInsightQuery: \"fields @message | limit 100\",\n  xrayTrace: true,\n"
	"  detectorId: \"ccc7636809ab9ef126976785ad0df79e\"\n};\n\n"
	"export const stageParameter: AppParameter = {\n  envName: \"Stage\",\n"
	"  modelId: \"anthropic.claude-3-sonnet-20240229-v1:0\",\n  cwLogsLogGroups: [\"stage\"],\n"
	"  cwLogsInsightQuery: \"fields @message | limit 100\",\n  xrayTrace: true,\n}\n\n"
	"export const prodParameter: AppParameter = {\n  envName: \"Production\",\n"
	"  modelId: \"anthropic.claude-3-sonnet-20240229-v1:0\",\n  cwLogsLogGroups: [\"prod\"],\n"
	"  cwLogsInsightQuery: \"fields @message | limit 100\",\n  xrayTrace: true,\n}\n\n"
	"export const devParameter = stageParameter;";

static const fa2_import_note *find_note(const fa2_config_import *imp, fa2_import_kind kind, const char *key)
{
	size_t i;
	for (i = 0; i < imp->n_notes; i++)
		if (imp->notes[i].kind == kind && strcmp(imp->notes[i].key, key) == 0)
			return &imp->notes[i];
	return NULL;
}

/* The import's JSON loaded as fa2 loads a config file. */
static fa2_err load_result(const fa2_config_import *imp, fa2_config *c, char *msg, size_t cap)
{
	char *text = cJSON_PrintUnformatted(imp->config);
	fa2_err e;
	if (!text)
		return FA2_ERR_NOMEM;
	fa2_config_init(c);
	e = fa2_config_load_json(c, fa2_slice_cstr(text), "imported", msg, cap);
	cJSON_free(text);
	return e;
}

FA2_TEST(config_import_readme_example)
{
	fa2_config_import imp;
	fa2_config c;
	char msg[512];
	const fa2_import_note *n;
	CHECK_OK(fa2_config_import_ts(fa2_slice_cstr(readme_example), NULL, &imp, msg, sizeof msg));
	CHECK_STR_EQ(imp.picked, "devParameter");
	CHECK_STR_EQ(imp.env_name, "Development");
	CHECK_STR_EQ(imp.region, "us-west-2");
	CHECK(imp.kb_needs_id);
	n = find_note(&imp, FA2_IMPORT_NEEDS, "knowledgeBaseId");
	CHECK(n && strstr(n->text[FA2_LANG_EN], "\"Dev-fa2-knowledge-base\"") &&
	      strstr(n->text[FA2_LANG_JA], "\"Dev-fa2-knowledge-base\""));
	CHECK(find_note(&imp, FA2_IMPORT_NEEDS, "slackAppTokenKey") != NULL);
	CHECK(find_note(&imp, FA2_IMPORT_MAPPED, "maxAgentCycles") != NULL);
	CHECK(find_note(&imp, FA2_IMPORT_MAPPED, "env.region") != NULL);
	CHECK(find_note(&imp, FA2_IMPORT_DROPPED, "envName") == NULL);
	/* Without the id fa2 refuses it, naming the fix. */
	CHECK_INT_EQ(load_result(&imp, &c, msg, sizeof msg), FA2_ERR_CONFIG);
	CHECK(strstr(msg, "knowledgeBaseId") && strstr(msg, "Dev-fa2-knowledge-base") && strstr(msg, "fa2 kb list"));
	fa2_config_cleanup(&c);
	/* With the id found, it loads with every value. */
	CHECK_OK(fa2_config_import_set_kb(&imp, "KB12345678", "Dev-fa2-knowledge-base"));
	CHECK(!imp.kb_needs_id && find_note(&imp, FA2_IMPORT_CHANGED, "knowledgeBaseId"));
	CHECK_OK(load_result(&imp, &c, msg, sizeof msg));
	CHECK_INT_EQ(c.lang, FA2_LANG_JA);
	CHECK_STR_EQ(c.model_id, "us.anthropic.claude-3-7-sonnet-20250219-v1:0");
	CHECK_STR_EQ(c.region, "us-west-2");
	CHECK_STR_EQ(c.account, "123456789012");
	CHECK_INT_EQ(c.n_log_groups, 3);
	CHECK_STR_EQ(c.log_groups[2], "/aws/application-signals/data");
	CHECK_STR_EQ(c.insight_query, "fields @message | limit 100");
	CHECK(c.knowledge_base && strcmp(c.knowledge_base_id, "KB12345678") == 0);
	CHECK(c.slash_insight && c.slash_findings_report && !c.xray_trace);
	CHECK_INT_EQ(c.max_agent_cycles, 5);
	CHECK_STR_EQ(c.slack_app_token_key, "SlackAppToken");
	fa2_config_cleanup(&c);
	fa2_config_import_cleanup(&imp);
}

FA2_TEST(config_import_templates)
{
	fa2_config_import imp;
	fa2_config c;
	char msg[512];
	const fa2_import_note *n;
	CHECK_OK(fa2_config_import_ts(fa2_slice_cstr(template_topic), NULL, &imp, msg, sizeof msg));
	n = find_note(&imp, FA2_IMPORT_DROPPED, "topicArn");
	CHECK(n && strstr(n->text[FA2_LANG_EN], "fa2 sns verify"));
	CHECK(find_note(&imp, FA2_IMPORT_NEEDS, "athenaOutputLocation") != NULL);
	CHECK(find_note(&imp, FA2_IMPORT_NEEDS, "SLACK_BOT_TOKEN") != NULL);
	CHECK(!imp.kb_needs_id);
	CHECK_OK(load_result(&imp, &c, msg, sizeof msg));
	CHECK_STR_EQ(c.alb_table, "alb_access_logs");
	CHECK(c.xray_trace);
	fa2_config_cleanup(&c);
	fa2_config_import_cleanup(&imp);

	CHECK_OK(fa2_config_import_ts(fa2_slice_cstr(template_two_models), NULL, &imp, msg, sizeof msg));
	CHECK(find_note(&imp, FA2_IMPORT_CHANGED, "qualityModelId") != NULL);
	CHECK(find_note(&imp, FA2_IMPORT_DROPPED, "fastModelId") != NULL);
	CHECK_OK(load_result(&imp, &c, msg, sizeof msg));
	CHECK_STR_EQ(c.model_id, "anthropic.claude-3-sonnet-20240229-v1:0");
	CHECK(strncmp(c.architecture_description, "\n  \xe3\x81\x82", 5) == 0);
	CHECK(!c.slash_insight && !c.knowledge_base);
	CHECK_STR_EQ(c.detector_id, "ccc7636809ab9ef126976785ad0df79e");
	fa2_config_cleanup(&c);
	fa2_config_import_cleanup(&imp);
}

FA2_TEST(config_import_several_objects)
{
	fa2_config_import imp;
	char msg[512];
	const cJSON *g;
	CHECK_OK(fa2_config_import_ts(fa2_slice_cstr(several), NULL, &imp, msg, sizeof msg));
	CHECK_STR_EQ(imp.picked, "devParameter");
	CHECK_STR_EQ(imp.alias_of, "stageParameter");
	CHECK_INT_EQ(imp.n_names, 4);
	g = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(imp.config, "cwLogsLogGroups"), 0);
	CHECK(cJSON_IsString(g) && strcmp(g->valuestring, "stage") == 0);
	fa2_config_import_cleanup(&imp);
	CHECK_OK(fa2_config_import_ts(fa2_slice_cstr(several), "prodParameter", &imp, msg, sizeof msg));
	CHECK_STR_EQ(fa2_json_str(imp.config, "envName"), "Production");
	fa2_config_import_cleanup(&imp);
	CHECK_INT_EQ(fa2_config_import_ts(fa2_slice_cstr(several), "qaParameter", &imp, msg, sizeof msg),
	             FA2_ERR_NOT_FOUND);
	CHECK(strstr(msg, "qaParameter") && strstr(msg, "developParameter, stageParameter, prodParameter"));
	fa2_config_import_cleanup(&imp);
	/* Several and no devParameter: the names are listed. */
	CHECK_INT_EQ(fa2_config_import_ts(FA2_SLICE_LIT("const a = {x: 1}; const b = {x: 2};"), NULL, &imp, msg,
	                                  sizeof msg), FA2_ERR_NOT_FOUND);
	CHECK(strstr(msg, "a, b"));
	fa2_config_import_cleanup(&imp);
	CHECK_INT_EQ(fa2_config_import_ts(FA2_SLICE_LIT("export type X = { a: string };"), NULL, &imp, msg,
	                                  sizeof msg), FA2_ERR_NOT_FOUND);
	fa2_config_import_cleanup(&imp);
}

FA2_TEST(config_import_typescript_syntax)
{
	static const char src[] =
		"/* header\n   comment */\n"
		"const base = 'us-east-1';\n"
		"const groups = [\"/a\", '/b',] as const;\n"
		"const helper = (x: string) => { return x + '1'; };\n"
		"function f() { const hidden = { modelId: 'no' }; return hidden; }\n"
		"class K { static readonly v = { a: 1 }; }\n"
		"export const p = {\n"
		"  'quoted-key': \"dq \\\"esc\\\" \\u00e9 \\u{1F600} \\x41 \\\n continued\",\n"
		"  42: 'numeric key',\n"
		"  env: { region: base, account: process.env.CDK_DEFAULT_ACCOUNT },\n"
		"  cwLogsLogGroups: [...groups, `/c/${base}`],\n"
		"  maxAgentCycles: 0x0A,\n"
		"  big: 1_000_000, neg: -2.5e3, oct: 0o17, bin: 0b101,\n"
		"  list: [ { x: [1, [2, [3]]] }, null, undefined, true ],\n"
		"  nested: ({ a: 1 }),\n"
		"  callValue: helper('z'),\n"
		"  base,\n"
		"} satisfies AppParameter;\n"
		"export const q = { ...p, maxAgentCycles: 7 } as AppParameter;\n";
	cJSON *all = NULL, *p;
	char msg[256];
	const cJSON *env, *g;
	CHECK_OK(fa2_ts_parse_consts(fa2_slice_cstr(src), &all, msg, sizeof msg));
	p = cJSON_GetObjectItemCaseSensitive(all, "p");
	CHECK(cJSON_IsObject(p));
	CHECK(cJSON_GetObjectItemCaseSensitive(all, "hidden") == NULL);
	CHECK(cJSON_IsRaw(cJSON_GetObjectItemCaseSensitive(all, "helper")));
	CHECK_STR_EQ(fa2_json_str(p, "quoted-key"), "dq \"esc\" \xc3\xa9 \xf0\x9f\x98\x80 A  continued");
	CHECK_STR_EQ(fa2_json_str(p, "42"), "numeric key");
	env = cJSON_GetObjectItemCaseSensitive(p, "env");
	CHECK_STR_EQ(fa2_json_str(env, "region"), "us-east-1");
	CHECK(cJSON_IsRaw(cJSON_GetObjectItemCaseSensitive(env, "account")));
	CHECK_STR_EQ(cJSON_GetObjectItemCaseSensitive(env, "account")->valuestring, "process.env.CDK_DEFAULT_ACCOUNT");
	g = cJSON_GetObjectItemCaseSensitive(p, "cwLogsLogGroups");
	CHECK_INT_EQ(cJSON_GetArraySize(g), 3);
	CHECK_STR_EQ(cJSON_GetArrayItem(g, 2)->valuestring, "/c/us-east-1");
	CHECK(cJSON_GetObjectItemCaseSensitive(p, "maxAgentCycles")->valuedouble == 10);
	CHECK(cJSON_GetObjectItemCaseSensitive(p, "big")->valuedouble == 1000000);
	CHECK(cJSON_GetObjectItemCaseSensitive(p, "neg")->valuedouble == -2500);
	CHECK(cJSON_GetObjectItemCaseSensitive(p, "oct")->valuedouble == 15);
	CHECK(cJSON_GetObjectItemCaseSensitive(p, "bin")->valuedouble == 5);
	CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(p, "list")), 4);
	CHECK(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(p, "nested")));
	CHECK(cJSON_IsRaw(cJSON_GetObjectItemCaseSensitive(p, "callValue")));
	CHECK_STR_EQ(fa2_json_str(p, "base"), "us-east-1");
	CHECK(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(all, "q"), "maxAgentCycles")->valuedouble == 7);
	CHECK_STR_EQ(fa2_json_str(cJSON_GetObjectItemCaseSensitive(all, "q"), "quoted-key"),
	             fa2_json_str(p, "quoted-key"));
	cJSON_Delete(all);
}

FA2_TEST(config_import_computed_values_dropped)
{
	static const char src[] =
		"export const devParameter = {\n"
		"  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },\n"
		"  language: 'en', modelId: getModel(), cwLogsLogGroups: [stack.logGroupName],\n"
		"  envName: 'Prod', knowledgeBase: false, mystery: 1,\n"
		"};\n";
	fa2_config_import imp;
	char msg[256];
	const fa2_import_note *n;
	CHECK_OK(fa2_config_import_ts(fa2_slice_cstr(src), NULL, &imp, msg, sizeof msg));
	n = find_note(&imp, FA2_IMPORT_DROPPED, "env.region");
	CHECK(n && strstr(n->text[FA2_LANG_EN], "process.env.CDK_DEFAULT_REGION"));
	CHECK(find_note(&imp, FA2_IMPORT_NEEDS, "env.region") != NULL);
	n = find_note(&imp, FA2_IMPORT_DROPPED, "modelId");
	CHECK(n && strstr(n->text[FA2_LANG_EN], "getModel()"));
	CHECK(find_note(&imp, FA2_IMPORT_DROPPED, "cwLogsLogGroups") != NULL);
	CHECK(find_note(&imp, FA2_IMPORT_DROPPED, "mystery") != NULL);
	CHECK(cJSON_GetObjectItemCaseSensitive(imp.config, "modelId") == NULL);
	CHECK(cJSON_GetObjectItemCaseSensitive(imp.config, "env") == NULL);
	CHECK(cJSON_GetObjectItemCaseSensitive(imp.config, "mystery") == NULL);
	fa2_config_import_cleanup(&imp);
}

FA2_TEST(config_import_syntax_errors)
{
	static const struct { const char *src, *says; } bad[] = {
		{ "export const p = { a: 'unterminated };", "1:23: a string is not closed" },
		{ "export const p = {\n  a: 1,\n  b: \"x\n};", "3:6: a string runs past" },
		{ "export const p = { a: 1 ", "the file ends" },
		{ "/* never closed", "comment is not closed" },
		{ "export const p = `${undefinedName}`;", "" },
		{ "}", "closes nothing" },
		{ "export const p = { a: 1 };\n{", "ends inside a block" },
		{ "export const p = { a: '\\u{110000}' };", "invalid code point" },
		{ "export const p = { a: 1 };\x01", "control character" },
	};
	cJSON *all;
	char msg[256];
	size_t i;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		fa2_err e = fa2_ts_parse_consts(fa2_slice_cstr(bad[i].src), &all, msg, sizeof msg);
		if (i == 4) {
			/* A template naming nothing known: kept as an unresolved value. */
			CHECK_OK(e);
			CHECK(cJSON_IsRaw(cJSON_GetObjectItemCaseSensitive(all, "p")));
			CHECK_STR_EQ(cJSON_GetObjectItemCaseSensitive(all, "p")->valuestring, "`${undefinedName}`");
			cJSON_Delete(all);
			continue;
		}
		CHECK_MSG(e == FA2_ERR_PARSE, "case %zu: error %d", i, (int)e);
		CHECK_MSG(strstr(msg, bad[i].says) != NULL, "case %zu: \"%s\" lacks \"%s\"", i, msg, bad[i].says);
		CHECK(all == NULL);
	}
}

FA2_TEST(config_import_kb_name)
{
	char out[160];
	fa2_config_import_kb_name("Development", out, sizeof out);
	CHECK_STR_EQ(out, "Dev-fa2-knowledge-base");
	fa2_config_import_kb_name("QA", out, sizeof out);
	CHECK_STR_EQ(out, "QA-fa2-knowledge-base");
	fa2_config_import_kb_name("\xe6\x9c\xac\xe7\x95\xaa\xe7\x92\xb0\xe5\xa2\x83", out, sizeof out);
	CHECK_STR_EQ(out, "\xe6\x9c\xac\xe7\x95\xaa\xe7\x92\xb0-fa2-knowledge-base");
	fa2_config_import_kb_name("", out, sizeof out);
	CHECK_STR_EQ(out, "");
	fa2_config_import_kb_name(NULL, out, sizeof out);
	CHECK_STR_EQ(out, "");
}

static void torture_import(void *ctx)
{
	fa2_config_import imp;
	char msg[256];
	(void)ctx;
	if (fa2_config_import_ts(fa2_slice_cstr(readme_example), NULL, &imp, msg, sizeof msg) == FA2_OK)
		(void)fa2_config_import_set_kb(&imp, "KB1", "Dev-fa2-knowledge-base");
	fa2_config_import_cleanup(&imp);
}

FA2_TEST(config_import_alloc_failures)
{
	CHECK(fa2_test_alloc_torture(torture_import, NULL) > 10);
}
