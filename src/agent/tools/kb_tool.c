/* kb_tool: Bedrock Knowledge Bases Retrieve (bedrock-agent-runtime) for runbooks and past
 * incidents. numberOfResults comes from the model, bounded to 1..20 (default 5); when
 * rerankModelId is configured the results are reranked by that model (the id becomes a
 * foundation-model ARN in the client's region unless it already is an ARN). Each result
 * shows its score, source location and text (cut at 1,500 bytes). */
#include <stdio.h>
#include <string.h>

#include "agent/config.h"
#include "agent/tools/common.h"
#include "agent/tools/tools.h"
#include "aws/shared.h"
#include "base/json.h"

#define KB_TEXT_MAX 1500

static const char schema[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"query\":{\"type\":\"string\",\"description\":\"what to look for, in words\"},"
	"\"numberOfResults\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":20}},"
	"\"required\":[\"query\"],\"additionalProperties\":false}";

static const char *location_uri(const cJSON *loc)
{
	static const char *const kinds[][2] = { { "s3Location", "uri" }, { "webLocation", "url" },
						{ "confluenceLocation", "url" }, { "sharePointLocation", "url" },
						{ "salesforceLocation", "url" } };
	size_t i;
	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		const char *u = fa2_json_str(cJSON_GetObjectItemCaseSensitive(loc, kinds[i][0]), kinds[i][1]);
		if (u)
			return u;
	}
	return fa2_json_str(loc, "type") ? fa2_json_str(loc, "type") : "?";
}

static fa2_err kb_exec(void *ctx, const fa2_tool_env *env, const cJSON *input, fa2_buf *out)
{
	const fa2_config *cfg = env->cfg;
	const char *q = fa2_json_str(input, "query");
	long n = fa2_tools_int(input, "numberOfResults", 5, 1, 20);
	cJSON *req = NULL, *rep = NULL, *vs, *r;
	fa2_err e = FA2_ERR_NOMEM;
	int i = 0;

	(void)ctx;
	if (!cfg || !cfg->knowledge_base_id) {
		(void)fa2_buf_append_cstr(out, FA2_T(env, "no knowledge base is configured (knowledgeBaseId)\n",
						     "ナレッジベースが設定されていません (knowledgeBaseId)\n"));
		return FA2_ERR_CONFIG;
	}
	if (!q || !*q) {
		(void)fa2_buf_append_cstr(out, FA2_T(env, "query is required\n", "query が必要です\n"));
		return FA2_ERR_INVALID;
	}
	req = cJSON_CreateObject();
	if (!req || !cJSON_AddStringToObject(req, "knowledgeBaseId", cfg->knowledge_base_id))
		goto cleanup;
	r = cJSON_AddObjectToObject(req, "retrievalQuery");
	if (!r || !cJSON_AddStringToObject(r, "text", q))
		goto cleanup;
	r = cJSON_AddObjectToObject(req, "retrievalConfiguration");
	vs = r ? cJSON_AddObjectToObject(r, "vectorSearchConfiguration") : NULL;
	if (!vs || !cJSON_AddNumberToObject(vs, "numberOfResults", (double)n))
		goto cleanup;
	if (cfg->rerank_model_id && *cfg->rerank_model_id) {
		char arn[512];
		fa2_aws_client *c = NULL;
		char msg[256];
		cJSON *rr, *br, *mc;
		if (strncmp(cfg->rerank_model_id, "arn:", 4) == 0) {
			snprintf(arn, sizeof arn, "%s", cfg->rerank_model_id);
		} else {
			e = fa2_aws_shared_get(cfg->region, &c, msg, sizeof msg);
			if (e) {
				(void)fa2_buf_appendf(out, "kb_tool: %s\n", msg);
				goto cleanup;
			}
			e = FA2_ERR_NOMEM;
			snprintf(arn, sizeof arn, "arn:aws:bedrock:%s::foundation-model/%s", c->region,
				 cfg->rerank_model_id);
		}
		rr = cJSON_AddObjectToObject(vs, "rerankingConfiguration");
		if (!rr || !cJSON_AddStringToObject(rr, "type", "BEDROCK_RERANKING_MODEL"))
			goto cleanup;
		br = cJSON_AddObjectToObject(rr, "bedrockRerankingConfiguration");
		mc = br ? cJSON_AddObjectToObject(br, "modelConfiguration") : NULL;
		if (!mc || !cJSON_AddStringToObject(mc, "modelArn", arn) ||
		    !cJSON_AddNumberToObject(br, "numberOfRerankedResults", (double)n))
			goto cleanup;
	}
	e = fa2_tools_aws_call(env, "bedrock-agent-runtime", "Retrieve", req, &rep, out, NULL);
	if (e)
		goto cleanup;
	(void)fa2_buf_appendf(out, FA2_T(env, "knowledge base %s, query \"%s\":\n", "ナレッジベース %s、クエリ「%s」:\n"),
			      cfg->knowledge_base_id, q);
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(rep, "retrievalResults")) {
		const char *text = fa2_json_str(cJSON_GetObjectItemCaseSensitive(r, "content"), "text");
		double score = 0;
		size_t len = text ? strlen(text) : 0;
		fa2_json_num(r, "score", &score);
		(void)fa2_buf_appendf(out, "\n%d. score %.3f  %s\n%.*s%s\n", ++i, score,
				      location_uri(cJSON_GetObjectItemCaseSensitive(r, "location")),
				      (int)(len > KB_TEXT_MAX ? KB_TEXT_MAX : len), text ? text : "",
				      len > KB_TEXT_MAX ? " ..." : "");
	}
	if (i == 0)
		(void)fa2_buf_append_cstr(out, FA2_T(env, "no documents matched\n", "該当する文書はありません\n"));
	e = FA2_OK;
cleanup:
	cJSON_Delete(req);
	cJSON_Delete(rep);
	return e;
}

const fa2_tool fa2_kb_tool = {
	"kb_tool",
	{ "Search the knowledge base (runbooks, architecture notes, past incidents) with a "
	  "natural-language query; returns the best passages with their sources.",
	  "ナレッジベース (ランブック、構成メモ、過去の障害) を自然文のクエリで検索し、"
	  "関連する文章と出典を返します。" },
	{ "ask a more specific query or fewer numberOfResults",
	  "より具体的な query にするか numberOfResults を減らしてください" },
	schema, kb_exec, NULL
};
