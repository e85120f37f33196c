/* libFuzzer target: CloudWatch alarm notifications in SNS messages (src/aws/sns_alarm.c),
 * classic and EventBridge. Any input is rejected or decoded into an alarm whose
 * invariants hold (a name, bounded dimensions and queries, region and account in their
 * alphabet); the text renderers never fail on it; region display names never crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sns.h"
#include "base/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int alphabet_ok(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s && strchr(extra, *s))))
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	fa2_sns_alarm a;
	fa2_buf out;
	size_t i;
	fa2_err e;
	if (!init) {
		fa2_json_init();
		init = 1;
	}
	(void)fa2_sns_region_from_name(fa2_slice_make((const char *)data, size));
	e = fa2_sns_alarm_parse(fa2_slice_make((const char *)data, size), &a);
	if (e != FA2_OK) {
		if (a.alarm.doc || (e != FA2_ERR_PARSE && e != FA2_ERR_NOMEM))
			abort();
		return 0;
	}
	if (!a.alarm.name || a.alarm.metric.n_dims > FA2_ALARM_MAX_DIMS ||
	    a.alarm.n_queries > FA2_ALARM_MAX_QUERIES ||
	    !alphabet_ok(a.region, "abcdefghijklmnopqrstuvwxyz-") || !alphabet_ok(a.account, "") ||
	    (a.account[0] && strlen(a.account) != 12) ||
	    (a.source != FA2_SNS_ALARM_CLASSIC && a.source != FA2_SNS_ALARM_EVENTBRIDGE))
		abort();
	for (i = 0; i < a.alarm.n_queries; i++)
		if (a.alarm.queries[i].metric.n_dims > FA2_ALARM_MAX_DIMS)
			abort();
	fa2_buf_init(&out, 1u << 22);
	if (fa2_alarm_describe_text(&a.alarm, &out) != FA2_OK || fa2_alarm_metric_text(&a.alarm, &out) != FA2_OK)
		abort();
	fa2_buf_cleanup(&out);
	fa2_sns_alarm_cleanup(&a);
	return 0;
}
