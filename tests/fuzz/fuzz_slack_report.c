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
#include "aws/alarms.h"
#include "slack/blocks.h"
#include "serve/graphs.h"
#include "serve/resume.h"

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
	case 0: { /* a form's button value: the alarm as data survives a round trip */
		fa2_alarm al, back;
		if (fa2_slack_form_alarm(s, &al)) {
			cJSON *b = fa2_slack_form_blocks_alarm("d", 1, 2, NULL, &al, 0);
			const cJSON *x, *act = NULL;
			const char *v;
			cJSON_ArrayForEach(x, b)
				if (fa2_json_str(x, "type") && strcmp(fa2_json_str(x, "type"), "actions") == 0)
					act = x;
			v = fa2_json_str(cJSON_GetArrayItem(cJSON_GetObjectItem(act, "elements"), 0), "value");
			if (b && (!v || strlen(v) > 2000))
				abort(); /* within Block Kit's limit */
			if (v && strncmp(v, "alarm:", 6) == 0) {
				if (!fa2_slack_form_alarm(v, &back) || strcmp(back.name, al.name) != 0 ||
				    strcmp(back.region, al.region) != 0)
					abort();
				fa2_alarm_cleanup(&back);
			}
			n = fa2_slack_graph_metrics(NULL, &al, m, FA2_SLACK_GRAPHS_MAX);
			if (n > FA2_SLACK_GRAPHS_MAX)
				abort();
			cJSON_Delete(b);
			fa2_alarm_cleanup(&al);
		}
		break;
	}
	case 1: {
		cJSON *r = fa2_json_parse(fa2_slice_cstr(s), NULL);
		n = fa2_slack_graph_metrics(r, NULL, m, FA2_SLACK_GRAPHS_MAX);
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
