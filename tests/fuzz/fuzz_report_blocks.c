/* libFuzzer target: a model's report answer through the report side. The input is the
 * model's text: fa2_report_local_text reads it as an incident line (times in a zone),
 * fa2_report_parse_model normalises it (causalChain included), the
 * Markdown renderer draws it (Mermaid diagram, timeline times in a zone), and
 * fa2_slack_report_messages builds the Slack messages, each of which must keep Block
 * Kit's limits (serve/report_blocks.h): at most 50 blocks, no text over 3,000
 * characters (header 150), at most 12,000 characters of text in all. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/report.h"
#include "base/buf.h"
#include "base/json.h"
#include "serve/report_blocks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The characters of every "text" string under j (text objects, cells, markdown). */
static size_t text_chars(const cJSON *j, size_t max_one)
{
	const cJSON *c;
	size_t n = 0;
	cJSON_ArrayForEach(c, j)
	{
		if (cJSON_IsString(c) && c->string && strcmp(c->string, "text") == 0) {
			size_t k = fa2_slack_text_chars(fa2_slice_cstr(c->valuestring));
			if (k > max_one)
				abort();
			n += k;
		} else if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
			n += text_chars(c, max_one);
		}
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *r, *msgs = NULL, *m;
	fa2_buf md;
	fa2_tz tz;
	char lt[48];
	char *s;
	if (size > (1u << 18))
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	fa2_tz_fixed(&tz, 540, "JST");
	if (fa2_report_local_time(s, &tz, 0, lt, sizeof lt) && strlen(lt) >= sizeof lt)
		abort();
	/* the input as free text (an incident line): zoned times shown in the zone, and a
	 * text without digits comes back byte for byte */
	fa2_buf_init(&md, 2 * size + 64);
	if (fa2_report_local_text(s, &tz, 0, &md) == FA2_OK && !strpbrk(s, "0123456789") &&
	    (md.len != strlen(s) || (md.len && memcmp(md.data, s, md.len) != 0)))
		abort();
	fa2_buf_cleanup(&md);
	r = fa2_report_parse_model(fa2_slice_make(s, size), NULL);
	if (r) {
		fa2_buf_init(&md, FA2_MAX_REPORT_BYTES);
		(void)fa2_report_render_md_tz(r, FA2_LANG_JA, &tz, &md);
		fa2_buf_cleanup(&md);
		if (fa2_slack_report_messages(r, (fa2_lang)(size & 1), &tz, &msgs) == FA2_OK) {
			if (cJSON_GetArraySize(msgs) < 1 || cJSON_GetArraySize(msgs) > (int)FA2_SLACK_RB_MAX_MESSAGES)
				abort();
			cJSON_ArrayForEach(m, msgs)
			{
				const cJSON *blocks = cJSON_GetObjectItemCaseSensitive(m, "blocks"), *b;
				if (cJSON_GetArraySize(blocks) < 1 || cJSON_GetArraySize(blocks) > (int)FA2_SLACK_RB_MAX_BLOCKS)
					abort();
				if (text_chars(blocks, FA2_SLACK_RB_SECTION_CHARS) > FA2_SLACK_RB_MESSAGE_CHARS)
					abort();
				cJSON_ArrayForEach(b, blocks)
				{
					const char *t = fa2_json_str(b, "type");
					if (t && strcmp(t, "header") == 0 &&
					    text_chars(b, FA2_SLACK_RB_SECTION_CHARS) > FA2_SLACK_RB_HEADER_CHARS)
						abort();
				}
			}
			cJSON_Delete(msgs);
		}
		cJSON_Delete(r);
	}
	free(s);
	return 0;
}
