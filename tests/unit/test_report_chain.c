/* The report document's causal chain (normalised, bounded, drawn in the Markdown) and
 * the times the model wrote, shown in the report's zone (agent/report.h). */
#include <string.h>

#include "agent/report.h"
#include "base/buf.h"
#include "base/json.h"
#include "doc/md_pdf.h"
#include "test.h"

FA2_TEST(report_local_time)
{
	char out[48];
	fa2_tz z;
	fa2_tz_fixed(&z, 540, "JST");
	CHECK(fa2_report_local_time("2026-11-25T08:02:00Z", &z, 0, out, sizeof out));
	CHECK_STR_EQ(out, "2026-11-25 17:02 JST");
	CHECK(fa2_report_local_time("2026-11-25T08:02:13.5+01:00", NULL, 0, out, sizeof out));
	CHECK_STR_EQ(out, "2026-11-25 07:02:13 UTC");
	CHECK(fa2_report_local_time("2026-11-25 08:02:00+0900", NULL, -300, out, sizeof out));
	CHECK_STR_EQ(out, "2026-11-24 18:02 -05:00");
	CHECK(!fa2_report_local_time("08:02", &z, 0, out, sizeof out));
	CHECK(!fa2_report_local_time("2026-11-25T08:02:00", &z, 0, out, sizeof out)); /* no zone */
	CHECK(!fa2_report_local_time("2026-11-25T08:02:00Z approx", &z, 0, out, sizeof out));
	CHECK(!fa2_report_local_time("2026-11-25", &z, 0, out, sizeof out));
}

/* Zoned date-times inside free text (the incident line) are shown in the zone; the rest
 * of the text is kept byte for byte. */
FA2_TEST(report_local_text)
{
	fa2_tz z;
	fa2_buf b;
	fa2_tz_fixed(&z, 540, "JST");
	fa2_buf_init(&b, 4096);
	CHECK(fa2_report_local_text("alarm went to ALARM at 2026-12-05T12:39:28Z in us-east-1 (since "
	                            "2026-12-05T12:30:00+00:00). 3 datapoints [50.0] at 12:39, id 2026-12-05", &z, 0,
	                            &b) == FA2_OK);
	CHECK_STR_EQ(b.data, "alarm went to ALARM at 2026-12-05 21:39:28 JST in us-east-1 (since "
	                     "2026-12-05 21:30 JST). 3 datapoints [50.0] at 12:39, id 2026-12-05");
	fa2_buf_reset(&b);
	CHECK(fa2_report_local_text("2026-11-25T08:02:00Z", NULL, -300, &b) == FA2_OK);
	CHECK_STR_EQ(b.data, "2026-11-25 03:02 -05:00");
	fa2_buf_reset(&b);
	CHECK(fa2_report_local_text("", &z, 0, &b) == FA2_OK);
	CHECK(b.len == 0);
	fa2_buf_cleanup(&b);
}

FA2_TEST(report_causal_chain_normalised)
{
	cJSON *in = cJSON_Parse("{\"summary\":\"s\",\"causalChain\":[{\"id\":\"a\",\"kind\":\"CHANGE\",\"label\":\"Deploy\","
				"\"next\":[\"b\",{\"id\":\"c\",\"label\":\"2 min\"},7]},{\"id\":\"b\",\"label\":\"Pool\",\"extra\":1},"
				"{\"kind\":\"symptom\"},{\"id\":\"c\",\"kind\":\"weird\",\"label\":\"5xx\",\"time\":42}]}");
	cJSON *r = fa2_report_normalize(in), *bad;
	const cJSON *ch = cJSON_GetObjectItemCaseSensitive(r, "causalChain"), *n0, *nx;
	fa2_buf md;
	CHECK(r != NULL);
	CHECK_INT_EQ(cJSON_GetArraySize(ch), 3); /* the node without a label is dropped */
	n0 = cJSON_GetArrayItem(ch, 0);
	CHECK_STR_EQ(fa2_json_str(n0, "kind"), "change");
	nx = cJSON_GetObjectItemCaseSensitive(n0, "next");
	CHECK_INT_EQ(cJSON_GetArraySize(nx), 2); /* the number is not an id */
	CHECK_STR_EQ(fa2_json_str(cJSON_GetArrayItem(nx, 1), "label"), "2 min");
	CHECK_STR_EQ(fa2_json_str(cJSON_GetArrayItem(ch, 2), "kind"), "other");
	CHECK_STR_EQ(fa2_json_str(cJSON_GetArrayItem(ch, 2), "time"), "42");
	CHECK(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(ch, 1), "extra") == NULL);
	fa2_buf_init(&md, FA2_MAX_REPORT_BYTES);
	CHECK_OK(fa2_report_render_md(r, FA2_LANG_EN, 0, &md));
	CHECK(strstr(md.data, "## Causal chain (hypothesis)\n\n```mermaid\nflowchart TD\n") != NULL);
	CHECK_MSG(strstr(md.data, "- Deploy → Pool\n") && strstr(md.data, "- Deploy → (2 min) → 5xx (42)\n"), "%s", md.data);
	fa2_buf_cleanup(&md);
	cJSON_Delete(r);
	cJSON_Delete(in);
	/* Malformed chains degrade to none: not an array, no labels, wrong types. */
	in = cJSON_Parse("{\"summary\":\"s\",\"causalChain\":{\"label\":\"x\"}}");
	r = fa2_report_normalize(in);
	CHECK(r && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(r, "causalChain")) &&
	      cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "causalChain")) == 0);
	fa2_buf_init(&md, FA2_MAX_REPORT_BYTES);
	CHECK_OK(fa2_report_render_md(r, FA2_LANG_EN, 0, &md));
	CHECK(strstr(md.data, "mermaid") == NULL);
	fa2_buf_cleanup(&md);
	cJSON_Delete(r);
	cJSON_Delete(in);
	in = cJSON_Parse("{\"summary\":\"s\",\"causalChain\":[1,\"x\",{\"label\":\"\"},{\"label\":[]}]}");
	bad = fa2_report_normalize(in);
	CHECK(bad && cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(bad, "causalChain")) == 0);
	cJSON_Delete(bad);
	cJSON_Delete(in);
}

FA2_TEST(report_causal_chain_capped)
{
	fa2_buf j;
	unsigned k;
	cJSON *in, *r;
	fa2_buf_init(&j, 1u << 20);
	(void)fa2_buf_append_cstr(&j, "{\"causalChain\":[");
	for (k = 0; k < 100; k++) {
		(void)fa2_buf_appendf(&j, "%s{\"label\":\"node %u ", k ? "," : "", k);
		if (k == 0) {
			unsigned x;
			for (x = 0; x < 5000; x++)
				(void)fa2_buf_append_byte(&j, 'x');
		}
		(void)fa2_buf_append_cstr(&j, "\"}");
	}
	(void)fa2_buf_append_cstr(&j, "]}");
	in = cJSON_Parse(j.data);
	r = fa2_report_normalize(in);
	CHECK(r != NULL);
	CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "causalChain")), FA2_MAX_CHAIN_NODES);
	CHECK(strlen(fa2_json_str(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "causalChain"), 0), "label")) <=
	      FA2_MAX_CHAIN_TEXT_BYTES);
	cJSON_Delete(r);
	cJSON_Delete(in);
	fa2_buf_cleanup(&j);
}

/* Occurrences of needle in the n bytes at h. */
static unsigned count_in(const char *h, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;
	unsigned c = 0;
	for (i = 0; i + k <= n; i++)
		c += memcmp(h + i, needle, k) == 0;
	return c;
}

FA2_TEST(report_chain_once_in_pdf)
{
	cJSON *in = cJSON_Parse("{\"summary\":\"s\",\"causalChain\":[{\"kind\":\"change\",\"label\":\"DeployXYZ\"},"
				"{\"kind\":\"alarm\",\"label\":\"AlarmXYZ\"}]}");
	cJSON *r = fa2_report_normalize(in);
	fa2_buf md, pdf;
	fa2_pdf_info info;
	memset(&info, 0, sizeof info);
	fa2_buf_init(&md, FA2_MAX_REPORT_BYTES);
	fa2_buf_init(&pdf, 8u << 20);
	CHECK(r != NULL);
	CHECK_OK(fa2_report_render_md(r, FA2_LANG_EN, 0, &md));
	/* The .md has the chain twice: in the diagram and in the fallback line. */
	CHECK_INT_EQ(count_in(md.data, md.len, "DeployXYZ"), 2);
	CHECK_OK(fa2_doc_md_to_pdf(fa2_buf_slice(&md), &info, &pdf));
	/* The PDF draws the diagram as that line, once (its content streams are not compressed). */
	CHECK_INT_EQ(count_in(pdf.data, pdf.len, "DeployXYZ"), 1);
	fa2_buf_cleanup(&md);
	fa2_buf_cleanup(&pdf);
	cJSON_Delete(r);
	cJSON_Delete(in);
}
