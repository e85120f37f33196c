/* The report as Slack messages (serve/report_blocks.h). Every built message is checked
 * against Block Kit's documented limits by check_limits below. */
#include <stdio.h>
#include <string.h>

#include "agent/report.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/json.h"
#include "serve/report_blocks.h"
#include "test.h"

static size_t chars_of(const char *s)
{
	return s ? fa2_slack_text_chars(fa2_slice_cstr(s)) : 0;
}

static const char *text_of(const cJSON *o)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "text");
	return cJSON_IsString(t) ? t->valuestring : fa2_json_str(t, "text");
}

/* The text of a table cell: raw_text, or rich_text with one section of one text
 * element; NULL for anything else. */
static const char *cell_text(const cJSON *c)
{
	const cJSON *sec, *el;
	if (strcmp(fa2_json_str(c, "type") ? fa2_json_str(c, "type") : "", "raw_text") == 0)
		return fa2_json_str(c, "text");
	if (strcmp(fa2_json_str(c, "type") ? fa2_json_str(c, "type") : "", "rich_text") != 0)
		return NULL;
	sec = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(c, "elements"), 0);
	el = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(sec, "elements"), 0);
	return el && strcmp(fa2_json_str(sec, "type"), "rich_text_section") == 0 ? fa2_json_str(el, "text") : NULL;
}

/* Writes into why the first limit a message breaks; 0 when it keeps them all. */
static int check_limits(const cJSON *msg, char *why, size_t cap)
{
	const cJSON *blocks = cJSON_GetObjectItemCaseSensitive(msg, "blocks"), *b;
	size_t md = 0, total = 0, tables = 0;
	if (!fa2_json_str(msg, "text") || !*fa2_json_str(msg, "text"))
		return snprintf(why, cap, "no fallback text"), 1;
	if (!cJSON_IsArray(blocks) || cJSON_GetArraySize(blocks) < 1 ||
	    cJSON_GetArraySize(blocks) > (int)FA2_SLACK_RB_MAX_BLOCKS)
		return snprintf(why, cap, "%d blocks", cJSON_GetArraySize(blocks)), 1;
	cJSON_ArrayForEach(b, blocks)
	{
		const char *type = fa2_json_str(b, "type");
		const cJSON *x, *y;
		if (!type)
			return snprintf(why, cap, "block without type"), 1;
		if (strcmp(type, "header") == 0) {
			if (strcmp(fa2_json_str(cJSON_GetObjectItemCaseSensitive(b, "text"), "type"), "plain_text") != 0 ||
			    chars_of(text_of(b)) > FA2_SLACK_RB_HEADER_CHARS || !chars_of(text_of(b)))
				return snprintf(why, cap, "header"), 1;
			total += chars_of(text_of(b));
		} else if (strcmp(type, "section") == 0) {
			const cJSON *fields = cJSON_GetObjectItemCaseSensitive(b, "fields");
			if (!text_of(b) && !fields)
				return snprintf(why, cap, "empty section"), 1;
			if (chars_of(text_of(b)) > FA2_SLACK_RB_SECTION_CHARS)
				return snprintf(why, cap, "section of %zu", chars_of(text_of(b))), 1;
			total += chars_of(text_of(b));
			if (cJSON_GetArraySize(fields) > (int)FA2_SLACK_RB_MAX_FIELDS)
				return snprintf(why, cap, "fields"), 1;
			cJSON_ArrayForEach(x, fields)
			{
				if (chars_of(text_of(x)) > FA2_SLACK_RB_FIELD_CHARS)
					return snprintf(why, cap, "field"), 1;
				total += chars_of(text_of(x));
			}
		} else if (strcmp(type, "markdown") == 0) {
			size_t n = chars_of(text_of(b));
			if (!n || n > 12000)
				return snprintf(why, cap, "markdown block of %zu", n), 1;
			md += n;
			total += n;
		} else if (strcmp(type, "context") == 0) {
			const cJSON *els = cJSON_GetObjectItemCaseSensitive(b, "elements");
			if (cJSON_GetArraySize(els) < 1 || cJSON_GetArraySize(els) > 10)
				return snprintf(why, cap, "context elements"), 1;
			cJSON_ArrayForEach(x, els)
			{
				if (chars_of(text_of(x)) > 3000)
					return snprintf(why, cap, "context text"), 1;
				total += chars_of(text_of(x));
			}
		} else if (strcmp(type, "table") == 0) {
			const cJSON *rows = cJSON_GetObjectItemCaseSensitive(b, "rows");
			tables++;
			if (cJSON_GetArraySize(rows) < 1 || cJSON_GetArraySize(rows) > (int)FA2_SLACK_RB_TABLE_ROWS)
				return snprintf(why, cap, "table rows"), 1;
			cJSON_ArrayForEach(x, rows)
			{
				if (cJSON_GetArraySize(x) < 1 || cJSON_GetArraySize(x) > (int)FA2_SLACK_RB_TABLE_CELLS)
					return snprintf(why, cap, "table cells"), 1;
				cJSON_ArrayForEach(y, x)
				{
					const char *ct = cell_text(y);
					if (!ct || !chars_of(ct) || chars_of(ct) > FA2_SLACK_RB_CELL_CHARS)
						return snprintf(why, cap, "table cell"), 1;
					total += chars_of(ct);
				}
			}
		} else {
			return snprintf(why, cap, "block type %s", type), 1;
		}
	}
	if (tables > 1)
		return snprintf(why, cap, "%zu tables", tables), 1;
	if (md > FA2_SLACK_RB_MARKDOWN_TOTAL)
		return snprintf(why, cap, "markdown total %zu", md), 1;
	if (total > FA2_SLACK_RB_MESSAGE_CHARS)
		return snprintf(why, cap, "message of %zu characters", total), 1;
	return 0;
}

/* 1 when the message's last block is a heading ("*Label*", a section of one line) while
 * another message follows with what it heads. */
static int orphan_heading(const cJSON *msg)
{
	const cJSON *blocks = cJSON_GetObjectItemCaseSensitive(msg, "blocks");
	const cJSON *last = cJSON_GetArrayItem(blocks, cJSON_GetArraySize(blocks) - 1);
	const char *t = text_of(last);
	size_t n = t ? strlen(t) : 0;
	return msg->next && last && strcmp(fa2_json_str(last, "type"), "section") == 0 &&
	       !cJSON_GetObjectItemCaseSensitive(last, "fields") && n > 2 && t[0] == '*' && t[n - 1] == '*' &&
	       !strchr(t, '\n');
}

/* Builds the messages of a report given as the model's JSON, checks every message's
 * limits, and returns all their text joined (caller frees) with *n_msgs. */
static char *build(const char *model_json, fa2_lang lang, const fa2_tz *tz, int *n_msgs)
{
	cJSON *in = cJSON_Parse(model_json), *rep, *msgs = NULL, *m, *inc;
	fa2_buf all;
	char *out = NULL;
	int bad = 0;
	*n_msgs = 0;
	rep = fa2_report_normalize(in);
	cJSON_Delete(in);
	if (!rep)
		return NULL;
	cJSON_AddStringToObject(rep, "status", "complete");
	inc = cJSON_AddObjectToObject(rep, "incident");
	cJSON_AddStringToObject(inc, "event", "ALB 5xx <@U123>");
	cJSON_AddNumberToObject(inc, "fromMs", 1795593600000.0); /* 2026-11-25T08:00:00Z */
	cJSON_AddNumberToObject(inc, "toMs", 1795596300000.0);
	if (fa2_slack_report_messages(rep, lang, tz, &msgs) != FA2_OK) {
		cJSON_Delete(rep);
		return NULL;
	}
	fa2_buf_init(&all, 64u << 20);
	cJSON_ArrayForEach(m, msgs)
	{
		char why[128];
		char *p = cJSON_PrintUnformatted(m);
		if (check_limits(m, why, sizeof why)) {
			fprintf(stderr, "    message %d: %s\n", *n_msgs + 1, why);
			bad = 1;
		}
		if (orphan_heading(m)) {
			fprintf(stderr, "    message %d ends with a heading, its content in the next\n", *n_msgs + 1);
			bad = 1;
		}
		if (p)
			(void)fa2_buf_append_cstr(&all, p);
		fa2_free(p);
		(*n_msgs)++;
	}
	if (!bad && all.data)
		out = fa2_strndup(all.data, all.len);
	fa2_buf_cleanup(&all);
	cJSON_Delete(msgs);
	cJSON_Delete(rep);
	return out;
}

#define SMALL_REPORT \
	"{\"summary\":\"The **DB** ran out of connections <!channel> at 08:02.\"," \
	"\"rootCauses\":[{\"title\":\"Pool <exhausted> & co\",\"description\":\"A deploy doubled the workers.\"," \
	"\"severity\":\"high\",\"confidence\":\"medium\",\"evidence\":[\"logs_tool: 412 errors\"]}]," \
	"\"impact\":\"5% of requests failed.\",\"timeline\":[{\"time\":\"2026-11-25T08:02:00Z\",\"event\":\"errors start\"}," \
	"{\"time\":\"08:10\",\"event\":\"rollback\"}],\"actions\":[\"Roll back\",\"Raise the pool\"]," \
	"\"prevention\":[\"Alarm on pool usage\"],\"causalChain\":[{\"kind\":\"change\",\"label\":\"Deploy v42\"," \
	"\"time\":\"2026-11-25T08:00:00Z\"},{\"kind\":\"mechanism\",\"label\":\"Pool exhausted\"},{\"kind\":\"alarm\"," \
	"\"label\":\"5xx alarm\"}]}"

FA2_TEST(slack_report_blocks_small_en)
{
	int n;
	char *all = build(SMALL_REPORT, FA2_LANG_EN, NULL, &n);
	CHECK(all != NULL);
	if (!all)
		return;
	/* The timeline table ends the first message; the rest follows in a reply. */
	CHECK_INT_EQ(n, 2);
	CHECK(strstr(all, "{\"is_wrapped\":true}]}],\"text\":\"Failure analysis report: ") != NULL);
	CHECK(strstr(all, "\"text\":\"Failure analysis report (continued 2/2)\"") != NULL);
	CHECK(strstr(all, "\"type\":\"header\"") && strstr(all, "Failure analysis report"));
	/* Severity and confidence as fields; fa2's mrkdwn escaped, model text in markdown. */
	CHECK(strstr(all, "\"fields\":[{\"type\":\"mrkdwn\",\"text\":\"*Severity*\\nHigh\"}"));
	CHECK(strstr(all, "*1. Pool &lt;exhausted&gt; &amp; co*"));
	CHECK(strstr(all, "{\"type\":\"markdown\",\"text\":\"The **DB** ran out of connections <\xE2\x80\x8B!channel> at 08:02.\"}"));
	/* No GitHub Markdown in mrkdwn: no '#' headings, no pipe tables. */
	CHECK(strstr(all, "\"text\":\"#") == NULL && strstr(all, "| ---") == NULL);
	/* The timeline as a table, the UTC time shown with its zone, "08:10" as written. */
	CHECK(strstr(all, "\"type\":\"table\"") != NULL);
	CHECK(strstr(all, "[{\"type\":\"text\",\"text\":\"2026-11-25 08:02 UTC\"}]"));
	CHECK(strstr(all, "[{\"type\":\"text\",\"text\":\"08:10\"}]"));
	CHECK(strstr(all, "{\"type\":\"text\",\"text\":\"Event\",\"style\":{\"bold\":true}}"));
	/* The causal chain as an arrow line. */
	CHECK_MSG(strstr(all, "Deploy v42 (2026-11-25 08:00 UTC) → Pool exhausted → 5xx alarm") != NULL, "%s", all);
	CHECK(strstr(all, "\"text\":\"Failure analysis report: The **DB** ran out of connections &lt;!channel&gt; at 08:02.\"") != NULL);
	fa2_free(all);
}

FA2_TEST(slack_report_blocks_ja_tokyo)
{
	int n;
	fa2_tz *tz = fa2_malloc(sizeof *tz);
	char *all;
	CHECK(tz != NULL);
	if (!tz)
		return;
	if (fa2_tz_load(FA2_SLICE_LIT("Asia/Tokyo"), tz) != FA2_OK)
		fa2_tz_fixed(tz, 540, "JST");
	all = build(SMALL_REPORT, FA2_LANG_JA, tz, &n);
	CHECK(all != NULL);
	if (all) {
		CHECK(strstr(all, "障害分析レポート") && strstr(all, "*重大度*\\n高") && strstr(all, "*確信度*\\n中"));
		CHECK(strstr(all, "因果関係(仮説)") && strstr(all, "*タイムライン*"));
		CHECK_MSG(strstr(all, "*障害*: ALB 5xx &lt;@U123&gt;\\n*対象期間*: 2026-11-25 17:00 – 17:45 JST") != NULL, "%s", all);
		/* 08:02 UTC is 17:02 in Tokyo, named. */
		CHECK_MSG(strstr(all, "2026-11-25 17:02 JST") != NULL, "%s", all);
		CHECK(strstr(all, "Deploy v42 (2026-11-25 17:00 JST)") != NULL);
		CHECK(strstr(all, "Severity") == NULL && strstr(all, "Root causes") == NULL);
	}
	fa2_free(all);
	fa2_free(tz);
}

/* Appends n copies of unit to b. */
static void rep(fa2_buf *b, const char *unit, unsigned n)
{
	while (n--)
		(void)fa2_buf_append_cstr(b, unit);
}

FA2_TEST(slack_report_blocks_huge_nothing_lost)
{
	fa2_buf j;
	unsigned c, k;
	int n;
	char *all;
	fa2_buf_init(&j, 64u << 20);
	(void)fa2_buf_append_cstr(&j, "{\"summary\":\"");
	/* CJK, emoji (2 UTF-16 units each) and Latin, far over every per-block limit. */
	rep(&j, "障害の概要です。😀 ", 500); /* 5,500 characters, within the 16 KiB string cap */
	(void)fa2_buf_append_cstr(&j, "SUMMARY-END\",\"rootCauses\":[");
	for (c = 0; c < 50; c++) {
		(void)fa2_buf_appendf(&j, "%s{\"title\":\"cause %u ", c ? "," : "", c);
		rep(&j, "長い題名 ", c == 3 ? 800 : 1);
		(void)fa2_buf_appendf(&j, "\",\"severity\":\"low\",\"confidence\":\"high\",\"description\":\"");
		rep(&j, "description text & <more> ", c % 7 == 0 ? 600 : 2);
		(void)fa2_buf_appendf(&j, "DESC-%u-END\",\"evidence\":[", c);
		for (k = 0; k < 5; k++)
			(void)fa2_buf_appendf(&j, "%s\"EV-%u-%u logs_tool: 412 errors 😀 x\"", k ? "," : "", c, k);
		(void)fa2_buf_append_cstr(&j, "]}");
	}
	(void)fa2_buf_append_cstr(&j, "],\"impact\":\"big\",\"timeline\":[");
	for (k = 0; k < 50; k++) {
		(void)fa2_buf_appendf(&j, "%s{\"time\":\"2026-11-25T08:%02u:00Z\",\"event\":\"", k ? "," : "", k);
		rep(&j, "event ", k == 10 ? 500 : 1); /* one cell over 2000: the list form */
		(void)fa2_buf_appendf(&j, "TL-%u\"}", k);
	}
	(void)fa2_buf_append_cstr(&j, "],\"actions\":[");
	for (k = 0; k < 50; k++)
		(void)fa2_buf_appendf(&j, "%s\"ACT-%u do it\"", k ? "," : "", k);
	(void)fa2_buf_append_cstr(&j, "]}");
	all = build(j.data, FA2_LANG_EN, NULL, &n);
	CHECK(all != NULL);
	if (all) {
		CHECK_MSG(n > 3 && n <= (int)FA2_SLACK_RB_MAX_MESSAGES, "%d messages", n);
		CHECK(strstr(all, "SUMMARY-END") != NULL);
		/* The title over one section's limit: plain sections, then the fields alone. */
		CHECK(strstr(all, "\"text\":\"4. cause 3 長い題名") != NULL && strstr(all, "*4. cause 3") == NULL);
		CHECK(strstr(all, "\"text\":\"*Confidence*\\nHigh\"}],\"type\":\"section\"}") != NULL);
		for (c = 0; c < 50; c++) {
			char t[32];
			snprintf(t, sizeof t, "DESC-%u-END", c);
			CHECK_MSG(strstr(all, t) != NULL, "%s", t);
			snprintf(t, sizeof t, "EV-%u-4 logs_tool", c);
			CHECK_MSG(strstr(all, t) != NULL, "%s", t);
		}
		for (k = 0; k < 50; k++) {
			char t[32];
			snprintf(t, sizeof t, "TL-%u", k);
			CHECK(strstr(all, t) != NULL);
			snprintf(t, sizeof t, "ACT-%u do it", k);
			CHECK(strstr(all, t) != NULL);
		}
		/* The timeline did not fit a table: a list, times still converted. */
		CHECK(strstr(all, "\"type\":\"table\"") == NULL);
		CHECK(strstr(all, "*2026-11-25 08:49 UTC*  event TL-49") != NULL);
		CHECK(strstr(all, "(continued 2/") != NULL);
	}
	fa2_free(all);
	fa2_buf_cleanup(&j);
}

FA2_TEST(slack_report_blocks_empty_and_partial)
{
	int n;
	char *all = build("{\"summary\":\"\"}", FA2_LANG_EN, NULL, &n);
	CHECK(all != NULL);
	if (all) {
		CHECK_INT_EQ(n, 1);
		CHECK(strstr(all, "None reported.") != NULL);
		CHECK(strstr(all, "Causal chain") == NULL); /* no chain, no heading */
	}
	fa2_free(all);
}

FA2_TEST(slack_text_chars_and_cut)
{
	fa2_slice s = FA2_SLICE_LIT("aé日😀");
	size_t k;
	CHECK_INT_EQ(fa2_slack_text_chars(s), 5); /* the emoji is a surrogate pair */
	CHECK_INT_EQ(fa2_slack_cut(s, 5), s.len);
	CHECK_INT_EQ(fa2_slack_cut(s, 4), strlen("aé日")); /* never half an emoji */
	CHECK_INT_EQ(fa2_slack_cut(FA2_SLICE_LIT("abc def\nghij"), 10), 8);
	CHECK_INT_EQ(fa2_slack_cut(FA2_SLICE_LIT("abcdef ghij"), 9), 7);
	/* Not inside an entity. */
	k = fa2_slack_cut(FA2_SLICE_LIT("xxxxxxxxxxxx&amp;yy"), 15);
	CHECK_INT_EQ(k, 12);
}

