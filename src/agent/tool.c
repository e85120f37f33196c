/* Tool registry and observation bounding. */
#include "agent/tool.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/json.h"

void fa2_tool_registry_init(fa2_tool_registry *r)
{
	memset(r, 0, sizeof *r);
}

static int valid_name(const char *s)
{
	size_t n = 0;
	if (!s)
		return 0;
	for (; s[n]; n++) {
		char c = s[n];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return 0;
	}
	return n >= 1 && n <= 64;
}

fa2_err fa2_tool_registry_add(fa2_tool_registry *r, const fa2_tool *t)
{
	cJSON *schema;
	int ok;
	if (!valid_name(t->name) || !t->execute || !t->input_schema_json)
		return FA2_ERR_INVALID;
	schema = fa2_json_parse(fa2_slice_cstr(t->input_schema_json), NULL);
	ok = cJSON_IsObject(schema);
	cJSON_Delete(schema);
	if (!ok)
		return FA2_ERR_INVALID;
	if (fa2_tool_registry_find(r, t->name))
		return FA2_ERR_EXISTS;
	if (r->n >= FA2_AGENT_MAX_TOOLS)
		return FA2_ERR_TOO_LARGE;
	r->tools[r->n++] = *t;
	return FA2_OK;
}

const fa2_tool *fa2_tool_registry_find(const fa2_tool_registry *r, const char *name)
{
	size_t i;
	for (i = 0; name && i < r->n; i++)
		if (strcmp(r->tools[i].name, name) == 0)
			return &r->tools[i];
	return NULL;
}

static int format_marker(char *out, size_t cap, fa2_lang lang, size_t shown, size_t total,
			 const char *hint)
{
	if (lang == FA2_LANG_JA)
		return snprintf(out, cap,
				"\n[出力を切り詰めました: %zu バイト中 %zu バイトを表示。"
				"続きが必要なら条件を絞って再実行してください: %s]\n",
				total, shown, hint);
	return snprintf(out, cap,
			"\n[output cut: showing %zu of %zu bytes. To see more, narrow the query: %s]\n",
			shown, total, hint);
}

fa2_err fa2_tool_bound(fa2_buf *obs, size_t budget, fa2_lang lang, const char *hint)
{
	char marker[768];
	size_t total = obs->len, keep;
	int n;
	if (budget < 512)
		return FA2_ERR_INVALID;
	if (obs->len <= budget)
		return FA2_OK;
	if (!hint || !*hint)
		hint = lang == FA2_LANG_JA ? "期間・対象・条件を絞ってください"
					   : "use a narrower time range, filter or resource";
	/* Size the marker with the largest number it can show. */
	n = format_marker(marker, sizeof marker, lang, total, total, hint);
	if (n < 0 || (size_t)n >= sizeof marker || (size_t)n + 64 > budget)
		return FA2_ERR_INVALID;
	keep = budget - (size_t)n;
	/* Back up to a UTF-8 character boundary (never split a multi-byte sequence). */
	while (keep > 0 && ((unsigned char)obs->data[keep] & 0xC0) == 0x80)
		keep--;
	fa2_buf_truncate(obs, keep);
	n = format_marker(marker, sizeof marker, lang, keep, total, hint);
	return fa2_buf_append(obs, marker, (size_t)n);
}

const char *fa2_lang_code(fa2_lang l)
{
	return l == FA2_LANG_JA ? "ja" : "en";
}

fa2_err fa2_lang_parse(const char *s, fa2_lang *out)
{
	if (s && strcasecmp(s, "en") == 0)
		*out = FA2_LANG_EN;
	else if (s && strcasecmp(s, "ja") == 0)
		*out = FA2_LANG_JA;
	else
		return FA2_ERR_INVALID;
	return FA2_OK;
}
