/* Unit tests of /insight and /findings-report: severity mapping and summary, the
 * model-less report, namespace parsing and metric selection validation, the JSON
 * extraction from model answers, the modal and the summary line. */
#include <stdio.h>
#include <string.h>

#include "agent/ask.h"
#include "agent/findings.h"
#include "agent/insight.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/json.h"
#include "serve/commands.h"
#include "test.h"

FA2_TEST(cmds_gd_severity_bands)
{
	CHECK_INT_EQ(fa2_findings_gd_severity(10.0), FA2_SEV_CRITICAL);
	CHECK_INT_EQ(fa2_findings_gd_severity(9.0), FA2_SEV_CRITICAL);
	CHECK_INT_EQ(fa2_findings_gd_severity(8.9), FA2_SEV_HIGH);
	CHECK_INT_EQ(fa2_findings_gd_severity(7.0), FA2_SEV_HIGH);
	CHECK_INT_EQ(fa2_findings_gd_severity(6.9), FA2_SEV_MEDIUM);
	CHECK_INT_EQ(fa2_findings_gd_severity(4.0), FA2_SEV_MEDIUM);
	CHECK_INT_EQ(fa2_findings_gd_severity(3.9), FA2_SEV_LOW);
	CHECK_INT_EQ(fa2_findings_gd_severity(1.0), FA2_SEV_LOW);
	CHECK_INT_EQ(fa2_findings_gd_severity(0.5), FA2_SEV_INFO);
	CHECK_STR_EQ(fa2_sev_name(FA2_SEV_INFO), "INFORMATIONAL");
}

FA2_TEST(cmds_sh_severity_label_and_normalized)
{
	const char *cases[][2] = { { "{\"Label\":\"CRITICAL\"}", "CRITICAL" }, { "{\"Label\":\"HIGH\",\"Normalized\":10}", "HIGH" },
				   { "{\"Label\":\"INFORMATIONAL\"}", "INFORMATIONAL" }, { "{\"Normalized\":75}", "HIGH" },
				   { "{\"Normalized\":95}", "CRITICAL" }, { "{\"Normalized\":40}", "MEDIUM" },
				   { "{\"Normalized\":0}", "INFORMATIONAL" }, { "{\"Label\":\"bogus\"}", "INFORMATIONAL" },
				   { "null", "INFORMATIONAL" } };
	size_t i;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cJSON *j = fa2_json_parse(fa2_slice_cstr(cases[i][0]), NULL);
		const char *got = fa2_sev_name(fa2_findings_sh_severity(j));
		cJSON_Delete(j);
		CHECK_MSG(strcmp(got, cases[i][1]) == 0, "%s: %s, want %s", cases[i][0], got, cases[i][1]);
	}
}

static const char GD[] =
	"[{\"id\":\"a\",\"severity\":8.0,\"title\":\"Bitcoin\\nmining\",\"type\":\"CryptoCurrency:EC2/BitcoinTool.B\","
	"\"updatedAt\":\"2026-11-25T01:00:00Z\",\"resource\":{\"resourceType\":\"Instance\",\"instanceDetails\":"
	"{\"instanceId\":\"i-1\"}},\"service\":{\"count\":7}},"
	"{\"id\":\"b\",\"severity\":2.0,\"title\":\"Tor caller\",\"type\":\"UnauthorizedAccess:IAMUser/TorIPCaller\","
	"\"resource\":{\"resourceType\":\"AccessKey\",\"accessKeyDetails\":{\"userName\":\"bob\"}}},"
	"{\"id\":\"c\",\"severity\":9.5,\"title\":\"Exfiltration\",\"resource\":{\"resourceType\":\"S3Bucket\","
	"\"s3BucketDetails\":[{\"name\":\"secret-bucket\"}]}}, 17]";
static const char SH[] =
	"[{\"Title\":\"S3 public\",\"Severity\":{\"Label\":\"HIGH\"},\"Types\":[\"Effects/Data Exposure\"],"
	"\"Resources\":[{\"Type\":\"AwsS3Bucket\",\"Id\":\"arn:aws:s3:::b\"}],\"UpdatedAt\":\"2026-11-24T00:00:00Z\"},"
	"{\"Title\":\"MFA\",\"Severity\":{\"Label\":\"MEDIUM\"},\"GeneratorId\":\"cis/1.2\",\"Resources\":[]}]";

FA2_TEST(cmds_findings_summary_counts_and_lines)
{
	fa2_findings_summary *s = fa2_malloc(sizeof *s);
	cJSON *gd = fa2_json_parse(fa2_slice_cstr(GD), NULL), *sh = fa2_json_parse(fa2_slice_cstr(SH), NULL);
	fa2_buf out;
	int ok = 0;
	fa2_buf_init(&out, 1u << 20);
	if (s && gd && sh) {
		memset(s, 0, sizeof *s);
		fa2_findings_add(s, FA2_SRC_GUARDDUTY, gd);
		fa2_findings_add(s, FA2_SRC_SECURITYHUB, sh);
		ok = fa2_findings_render_summary(s, &out) == FA2_OK;
	}
	cJSON_Delete(gd);
	cJSON_Delete(sh);
	if (!ok) {
		fa2_free(s);
		fa2_buf_cleanup(&out);
		CHECK(ok);
	}
	CHECK_INT_EQ(s->n, 5);
	CHECK_INT_EQ(s->counts[FA2_SRC_GUARDDUTY][FA2_SEV_CRITICAL], 1);
	CHECK_INT_EQ(s->counts[FA2_SRC_GUARDDUTY][FA2_SEV_HIGH], 1);
	CHECK_INT_EQ(s->counts[FA2_SRC_GUARDDUTY][FA2_SEV_LOW], 1);
	CHECK_INT_EQ(s->counts[FA2_SRC_SECURITYHUB][FA2_SEV_HIGH], 1);
	CHECK_INT_EQ(s->counts[FA2_SRC_SECURITYHUB][FA2_SEV_MEDIUM], 1);
	CHECK(strstr(out.data, "GuardDuty active findings: CRITICAL 1, HIGH 1, MEDIUM 0, LOW 1, INFORMATIONAL 0\n"));
	CHECK(strstr(out.data, "Security Hub active findings: CRITICAL 0, HIGH 1, MEDIUM 1, LOW 0, INFORMATIONAL 0\n"));
	/* control characters never reach the prompt; resources are named */
	CHECK(strstr(out.data, "- [GuardDuty] Bitcoin mining — Instance i-1 (CryptoCurrency:EC2/BitcoinTool.B) x7, "
			       "updated 2026-11-25T01:00:00Z\n"));
	CHECK(strstr(out.data, "AccessKey bob") && strstr(out.data, "S3Bucket secret-bucket"));
	CHECK(strstr(out.data, "- [Security Hub] MFA — ? (cis/1.2)\n"));
	/* grouped by severity: critical before high before low */
	CHECK(strstr(out.data, "Exfiltration") < strstr(out.data, "Bitcoin") &&
	      strstr(out.data, "Bitcoin") < strstr(out.data, "Tor caller"));
	fa2_buf_reset(&out);
	s->ok[FA2_SRC_SECURITYHUB] = 0;
	snprintf(s->error[FA2_SRC_SECURITYHUB], sizeof s->error[0], "AccessDeniedException: no");
	CHECK(fa2_findings_render_fallback(s, FA2_LANG_EN, "2026-11-25 10:00:00Z", "ThrottlingException", &out) == FA2_OK);
	CHECK(strstr(out.data, "The model was unavailable (ThrottlingException)"));
	CHECK(strstr(out.data, "| GuardDuty | 1 | 1 | 0 | 1 | 0 |"));
	CHECK(strstr(out.data, "| Security Hub | not available: AccessDeniedException: no |"));
	CHECK(strstr(out.data, "## Overview") && strstr(out.data, "## High Severity Issues") &&
	      strstr(out.data, "## Recommended Actions") && strstr(out.data, "## Detailed Findings") &&
	      strstr(out.data, "## Next Steps"));
	CHECK(strstr(out.data, "### Critical") && strstr(out.data, "### Low") && !strstr(out.data, "### Informational"));
	fa2_buf_reset(&out);
	CHECK(fa2_findings_render_fallback(s, FA2_LANG_JA, "x", "y", &out) == FA2_OK);
	CHECK(strstr(out.data, "## 概要") && strstr(out.data, "## 次のステップ") && !strstr(out.data, "Recommended"));
	fa2_free(s);
	fa2_buf_cleanup(&out);
}

FA2_TEST(cmds_findings_cap_per_source)
{
	fa2_findings_summary *s = fa2_malloc(sizeof *s);
	cJSON *arr = cJSON_CreateArray();
	int i;
	for (i = 0; arr && i < 60; i++) {
		cJSON *f = cJSON_CreateObject();
		cJSON_AddNumberToObject(f, "severity", 5.0);
		cJSON_AddStringToObject(f, "title", "t");
		cJSON_AddItemToArray(arr, f);
	}
	CHECK(s && arr);
	memset(s, 0, sizeof *s);
	fa2_findings_add(s, FA2_SRC_GUARDDUTY, arr);
	cJSON_Delete(arr);
	CHECK_INT_EQ(s->n, FA2_FINDINGS_MAX);
	CHECK_INT_EQ(s->counts[FA2_SRC_GUARDDUTY][FA2_SEV_MEDIUM], 60);
	CHECK(s->ok[FA2_SRC_GUARDDUTY] && !s->ok[FA2_SRC_SECURITYHUB]);
	fa2_free(s);
}

FA2_TEST(cmds_insight_namespaces)
{
	char ns[5][256];
	size_t n;
	n = fa2_insight_parse_namespaces(fa2_slice_cstr("Here you go:\n```json\n{\"namespaces\":[\"AWS/RDS\",\"AWS/RDS\","
							"\"bad\\nname\",\"\",17,\"AWS/ECS\",\"ContainerInsights\"]}\n```"), ns, 5);
	CHECK_INT_EQ(n, 3);
	CHECK_STR_EQ(ns[0], "AWS/RDS");
	CHECK_STR_EQ(ns[1], "AWS/ECS");
	CHECK_STR_EQ(ns[2], "ContainerInsights");
	CHECK_INT_EQ(fa2_insight_parse_namespaces(fa2_slice_cstr("[\"AWS/A\",\"AWS/B\",\"AWS/C\"]"), ns, 2), 2);
	CHECK_INT_EQ(fa2_insight_parse_namespaces(fa2_slice_cstr("I would look at EC2."), ns, 5), 0);
	CHECK_INT_EQ(fa2_insight_parse_namespaces(fa2_slice_cstr("{\"namespaces\":\"AWS/EC2\"}"), ns, 5), 0);
	CHECK_INT_EQ(fa2_insight_parse_namespaces(fa2_slice_cstr(""), ns, 5), 0);
}

static const char LISTED[] =
	"[{\"Namespace\":\"AWS/RDS\",\"MetricName\":\"CPUUtilization\",\"Dimensions\":[{\"Name\":\"DBInstanceIdentifier\",\"Value\":\"db-1\"}]},"
	"{\"Namespace\":\"AWS/RDS\",\"MetricName\":\"CPUUtilization\",\"Dimensions\":[]},"
	"{\"Namespace\":\"AWS/ECS\",\"MetricName\":\"CPUUtilization\",\"Dimensions\":[{\"Name\":\"ClusterName\",\"Value\":\"c\"},"
	"{\"Name\":\"ServiceName\",\"Value\":\"s\"}]},"
	"{\"Namespace\":\"AWS/EC2\",\"MetricName\":\"NetworkIn\"}]";

FA2_TEST(cmds_insight_select_validates)
{
	cJSON *listed = fa2_json_parse(fa2_slice_cstr(LISTED), NULL), *sel;
	size_t rej = 0;
	const char *answer =
		"Chosen:\n{\"metrics\":["
		"{\"namespace\":\"AWS/RDS\",\"metricName\":\"CPUUtilization\",\"dimensions\":[{\"name\":\"DBInstanceIdentifier\",\"value\":\"db-1\"}]},"
		"{\"namespace\":\"AWS/RDS\",\"metricName\":\"CPUUtilization\",\"dimensions\":[{\"name\":\"DBInstanceIdentifier\",\"value\":\"db-1\"}]},"
		"{\"namespace\":\"AWS/RDS\",\"metricName\":\"CPUUtilization\",\"dimensions\":[{\"name\":\"DBInstanceIdentifier\",\"value\":\"db-2\"}]},"
		"{\"Namespace\":\"AWS/ECS\",\"MetricName\":\"CPUUtilization\",\"Dimensions\":[{\"Name\":\"ServiceName\",\"Value\":\"s\"},"
		"{\"Name\":\"ClusterName\",\"Value\":\"c\"}]},"
		"{\"namespace\":\"AWS/ECS\",\"metricName\":\"CPUUtilization\",\"dimensions\":[{\"name\":\"ClusterName\",\"value\":\"c\"}]},"
		"{\"namespace\":\"AWS/EC2\",\"metricName\":\"NetworkIn\"},"
		"{\"namespace\":\"AWS/EC2\",\"metricName\":\"NetworkOut\"},"
		"{\"namespace\":\"AWS/RDS\",\"metricName\":\"CPUUtilization\"}"
		"]}\nThanks";
	CHECK(listed);
	sel = fa2_insight_select_metrics(fa2_slice_cstr(answer), listed, 5, &rej);
	CHECK(sel);
	/* db-1, the ECS pair (any order), EC2 NetworkIn (no dimensions), RDS without dims */
	CHECK_INT_EQ(cJSON_GetArraySize(sel), 4);
	CHECK_INT_EQ(rej, 3); /* db-2, ECS with one dimension, NetworkOut */
	CHECK_STR_EQ(fa2_json_str(cJSON_GetArrayItem(sel, 1), "Namespace"), "AWS/ECS");
	CHECK(cJSON_Compare(cJSON_GetArrayItem(sel, 0), cJSON_GetArrayItem(listed, 0), 1));
	CHECK(cJSON_Compare(cJSON_GetArrayItem(sel, 3), cJSON_GetArrayItem(listed, 1), 1));
	cJSON_Delete(sel);
	sel = fa2_insight_select_metrics(fa2_slice_cstr(answer), listed, 2, &rej);
	CHECK(sel && cJSON_GetArraySize(sel) == 2);
	cJSON_Delete(sel);
	sel = fa2_insight_select_metrics(fa2_slice_cstr("no JSON here"), listed, 5, &rej);
	CHECK(sel && cJSON_GetArraySize(sel) == 0);
	cJSON_Delete(sel);
	cJSON_Delete(listed);
}

static void torture_select(void *ctx)
{
	cJSON *listed = fa2_json_parse(fa2_slice_cstr(LISTED), NULL), *sel;
	(void)ctx;
	if (!listed)
		return;
	sel = fa2_insight_select_metrics(fa2_slice_cstr("{\"metrics\":[{\"namespace\":\"AWS/EC2\",\"metricName\":\"NetworkIn\"}]}"),
					 listed, 5, NULL);
	cJSON_Delete(sel);
	cJSON_Delete(listed);
}

FA2_TEST(cmds_insight_select_alloc_failures)
{
	CHECK(fa2_test_alloc_torture(torture_select, NULL) > 3);
}

FA2_TEST(cmds_ask_json_and_unfence)
{
	cJSON *j;
	fa2_buf b;
	j = fa2_ask_json(fa2_slice_cstr("  {\"a\":1}  "));
	CHECK(j && cJSON_IsObject(j));
	cJSON_Delete(j);
	j = fa2_ask_json(fa2_slice_cstr("text ```json\n[1,2]\n``` more"));
	CHECK(j && cJSON_GetArraySize(j) == 2);
	cJSON_Delete(j);
	j = fa2_ask_json(fa2_slice_cstr("blah {\"x\":{\"y\":2}} blah"));
	CHECK(j && cJSON_GetObjectItem(j, "x"));
	cJSON_Delete(j);
	CHECK(fa2_ask_json(fa2_slice_cstr("}{")) == NULL);
	CHECK(fa2_ask_json(fa2_slice_cstr("```")) == NULL);
	fa2_buf_init(&b, 1024);
	CHECK_OK(fa2_buf_append_cstr(&b, "\n```markdown\n## A\ntext\n```\n"));
	fa2_ask_unfence(&b);
	CHECK_STR_EQ(b.data, "## A\ntext\n");
	fa2_buf_reset(&b);
	CHECK_OK(fa2_buf_append_cstr(&b, "## A\n```\ncode\n```\nafter"));
	fa2_ask_unfence(&b);
	CHECK_STR_EQ(b.data, "## A\n```\ncode\n```\nafter");
	fa2_buf_cleanup(&b);
}

FA2_TEST(cmds_md_gist)
{
	char out[64];
	fa2_slack_md_gist(fa2_slice_cstr("# Title\n\n## Answer\nFirst line\nsecond line\n\nNext para"), 100, out, sizeof out);
	CHECK_STR_EQ(out, "First line\nsecond line");
	fa2_slack_md_gist(fa2_slice_cstr("## A\n> quote\nabcdefghijklmnopqrstuvwxyz"), 10, out, sizeof out);
	CHECK_STR_EQ(out, "abcdefghij…");
	fa2_slack_md_gist(fa2_slice_cstr("## A\n日本語のテキスト"), 7, out, sizeof out);
	CHECK_STR_EQ(out, "日本…");
	fa2_slack_md_gist(fa2_slice_cstr("## only headings\n"), 10, out, sizeof out);
	CHECK_STR_EQ(out, "");
}

FA2_TEST(cmds_insight_modal)
{
	cJSON *v = fa2_slack_insight_modal("C123", FA2_LANG_EN), *blocks, *sel;
	CHECK(v);
	CHECK_STR_EQ(fa2_json_str(v, "callback_id"), FA2_SLACK_INSIGHT_CALLBACK);
	CHECK_STR_EQ(fa2_json_str(v, "private_metadata"), "C123");
	blocks = cJSON_GetObjectItem(v, "blocks");
	CHECK_INT_EQ(cJSON_GetArraySize(blocks), 2);
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(blocks, 0), "element"), "multiline")));
	sel = cJSON_GetObjectItem(cJSON_GetArrayItem(blocks, 1), "element");
	CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(sel, "options")), 14);
	CHECK_STR_EQ(fa2_json_str(cJSON_GetArrayItem(cJSON_GetObjectItem(sel, "options"), 13), "value"), "14");
	CHECK_STR_EQ(fa2_json_str(cJSON_GetObjectItem(sel, "initial_option"), "value"), "7");
	CHECK(fa2_slack_cmds_owns("/insight") && fa2_slack_cmds_owns("/findings-report") && !fa2_slack_cmds_owns("/fa2") &&
	      !fa2_slack_cmds_owns(NULL));
	cJSON_Delete(v);
}
