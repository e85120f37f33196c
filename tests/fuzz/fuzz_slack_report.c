/* libFuzzer target: the Slack report side's parsers. The first byte picks one:
 * 0 the alarm form's description ("Metric: NS NAME Dim=Value ...", "went to ALARM at T"),
 * 1 a report document: the cited metrics and their MetricWidget documents,
 * 2 a session summary's Slack context. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/json.h"
#include "slack/graphs.h"
#include "slack/resume.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static fa2_slack_metric m[FA2_SLACK_GRAPHS_MAX];
	char *s;
	size_t n, i;
	if (size < 1 || size > (1u << 20))
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 3) {
	case 0:
		n = fa2_slack_graph_metrics(NULL, s, m, FA2_SLACK_GRAPHS_MAX);
		if (n > 1)
			abort(); /* one description names one metric */
		(void)fa2_slack_graph_alarm_time(s);
		break;
	case 1: {
		cJSON *r = fa2_json_parse(fa2_slice_cstr(s), NULL);
		n = fa2_slack_graph_metrics(r, fa2_json_str(cJSON_GetObjectItemCaseSensitive(r, "incident"), "event"), m,
		                            FA2_SLACK_GRAPHS_MAX);
		if (n > FA2_SLACK_GRAPHS_MAX)
			abort();
		for (i = 0; i < n; i++) {
			cJSON *w = fa2_slack_graph_widget(&m[i], 0, 3600000, 60000, "ALARM", "us-east-1");
			char *t = w ? cJSON_PrintUnformatted(w) : NULL;
			cJSON *back = t ? fa2_json_parse(fa2_slice_cstr(t), NULL) : NULL;
			if (w && !back)
				abort(); /* the widget is always valid JSON */
			cJSON_Delete(back);
			cJSON_free(t);
			cJSON_Delete(w);
		}
		cJSON_Delete(r);
		break;
	}
	default: {
		cJSON *r = fa2_json_parse(fa2_slice_cstr(s), NULL);
		fa2_slack_resume_item it;
		if (fa2_slack_resume_parse("id", r, &it) && (!it.channel[0] || !it.thread[0]))
			abort();
		cJSON_Delete(r);
		break;
	}
	}
	free(s);
	return 0;
}
