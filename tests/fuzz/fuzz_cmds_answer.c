/* libFuzzer target: the parsers of /insight and /findings-report over untrusted text:
 * model answers (JSON extraction, namespaces, metric choices validated against a fixed
 * ListMetrics result), GuardDuty / Security Hub findings arrays (the summary and both
 * renderings) and the Slack summary line. Invariants: namespaces are valid and unique,
 * every chosen metric is one of the listed ones, counts add up, gists fit their bounds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/ask.h"
#include "agent/findings.h"
#include "agent/insight.h"
#include "base/alloc.h"
#include "base/json.h"
#include "serve/commands.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char LISTED[] =
	"[{\"Namespace\":\"AWS/RDS\",\"MetricName\":\"CPUUtilization\",\"Dimensions\":[{\"Name\":\"DBInstanceIdentifier\",\"Value\":\"db-1\"}]},"
	"{\"Namespace\":\"AWS/EC2\",\"MetricName\":\"NetworkIn\"},"
	"{\"Namespace\":\"AWS/ECS\",\"MetricName\":\"CPUUtilization\",\"Dimensions\":[{\"Name\":\"ClusterName\",\"Value\":\"c\"},"
	"{\"Name\":\"ServiceName\",\"Value\":\"s\"}]}]";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	static cJSON *listed;
	fa2_slice in = fa2_slice_make((const char *)data, size);
	char ns[5][256], gist[128];
	size_t n, i, k, rej = 0;
	cJSON *sel, *m, *j;

	if (!init) {
		fa2_json_init();
		listed = fa2_json_parse(fa2_slice_cstr(LISTED), NULL);
		init = 1;
	}
	n = fa2_insight_parse_namespaces(in, ns, 5);
	if (n > 5)
		abort();
	for (i = 0; i < n; i++) {
		if (!ns[i][0] || strlen(ns[i]) > 255)
			abort();
		for (k = 0; k < i; k++)
			if (strcmp(ns[i], ns[k]) == 0)
				abort();
	}
	sel = fa2_insight_select_metrics(in, listed, 2, &rej);
	if (sel) {
		if (cJSON_GetArraySize(sel) > 2)
			abort();
		cJSON_ArrayForEach(m, sel) {
			const cJSON *l;
			int found = 0;
			cJSON_ArrayForEach(l, listed)
				found |= cJSON_Compare(m, l, 1);
			if (!found)
				abort();
		}
		cJSON_Delete(sel);
	}
	fa2_slack_md_gist(in, 100, gist, sizeof gist);
	if (strlen(gist) > 103)
		abort();
	j = fa2_ask_json(in);
	if (cJSON_IsArray(j) || cJSON_IsObject(j)) {
		fa2_findings_summary *s = fa2_malloc(sizeof *s);
		if (s) {
			fa2_buf out;
			unsigned total = 0;
			int v;
			memset(s, 0, sizeof *s);
			fa2_findings_add(s, size & 1 ? FA2_SRC_SECURITYHUB : FA2_SRC_GUARDDUTY,
					 cJSON_IsArray(j) ? j : cJSON_GetObjectItem(j, "findings"));
			for (v = 0; v < FA2_SEV__COUNT; v++)
				total += s->counts[0][v] + s->counts[1][v];
			if (s->n > total || s->n > FA2_FINDINGS_MAX)
				abort();
			fa2_buf_init(&out, 4u << 20);
			if (fa2_findings_render_summary(s, &out) != FA2_OK)
				abort();
			fa2_buf_reset(&out);
			if (fa2_findings_render_fallback(s, FA2_LANG_JA, "t", "w", &out) != FA2_OK)
				abort();
			fa2_buf_cleanup(&out);
			fa2_free(s);
		}
	}
	cJSON_Delete(j);
	{
		fa2_buf b;
		fa2_buf_init(&b, size + 16);
		if (fa2_buf_append(&b, data, size) == FA2_OK) {
			fa2_ask_unfence(&b);
			if (b.len > size)
				abort();
		}
		fa2_buf_cleanup(&b);
	}
	return 0;
}
