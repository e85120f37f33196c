/* kb_tool: runbooks, architecture notes and past incidents, written once over the data
 * source (source.h): live, Bedrock Knowledge Bases Retrieve (optional reranking by
 * rerankModelId) and/or the runbooksDir of the configuration searched in-process;
 * offline, the snapshot's runbooks/ folder. numberOfResults comes from the model,
 * bounded to 1..20 (default 5). Each result shows its score, source and text (cut at
 * 1,500 bytes). */
#include <stdio.h>
#include <string.h>

#include "agent/tools/common.h"
#include "agent/tools/tools.h"
#include "base/json.h"

static const char schema[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"query\":{\"type\":\"string\",\"description\":\"what to look for, in words\"},"
	"\"numberOfResults\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":20}},"
	"\"required\":[\"query\"],\"additionalProperties\":false}";

static fa2_err kb_exec(void *ctx, const fa2_tool_env *env, const cJSON *input, fa2_buf *out)
{
	fa2_source *src = ctx;
	const char *q = fa2_json_str(input, "query");
	long n = fa2_tools_int(input, "numberOfResults", 5, 1, 20);
	int shown = 0;
	fa2_err e;

	if (!q || !*q) {
		(void)fa2_buf_append_cstr(out, FA2_T(env, "query is required\n", "query が必要です\n"));
		return FA2_ERR_INVALID;
	}
	e = src->ops->kb(src, env, q, (size_t)n, out, &shown);
	if (e == FA2_ERR_UNSUPPORTED) {
		(void)fa2_buf_append_cstr(out, FA2_T(env, "no knowledge base is configured (knowledgeBaseId or runbooksDir)\n",
						     "ナレッジベースが設定されていません (knowledgeBaseId か runbooksDir)\n"));
		return FA2_ERR_CONFIG;
	}
	if (!e && shown == 0)
		(void)fa2_buf_append_cstr(out, FA2_T(env, "no documents matched\n", "該当する文書はありません\n"));
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
