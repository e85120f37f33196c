/* libFuzzer target: DescribeAlarms reply decoding (src/aws/alarms.c). Any input either
 * decodes into an alarm whose invariants hold (a name, bounded dimension and query
 * counts, every dimension named) or is rejected; the text renderers never fail on a
 * decoded alarm. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "aws/alarms.h"
#include "base/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_metric(const fa2_alarm_metric *m)
{
	size_t i;
	if (m->n_dims > FA2_ALARM_MAX_DIMS)
		abort();
	for (i = 0; i < m->n_dims; i++)
		if (!m->dims[i].name || !m->dims[i].value)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	fa2_alarm a, c;
	fa2_buf out;
	size_t i;
	fa2_err e;
	if (!init) {
		fa2_json_init();
		init = 1;
	}
	e = fa2_alarm_decode(fa2_slice_make((const char *)data, size), NULL, &a);
	if (e != FA2_OK) {
		if (a.doc || (e != FA2_ERR_PARSE && e != FA2_ERR_NOT_FOUND && e != FA2_ERR_NOMEM))
			abort();
		return 0;
	}
	if (!a.name || a.n_queries > FA2_ALARM_MAX_QUERIES || a.period_s < 0 || a.changed_ms < 0)
		abort();
	check_metric(&a.metric);
	for (i = 0; i < a.n_queries; i++)
		check_metric(&a.queries[i].metric);
	fa2_buf_init(&out, 1u << 22);
	if (fa2_alarm_describe_text(&a, &out) != FA2_OK || fa2_alarm_metric_text(&a, &out) != FA2_OK)
		abort();
	fa2_buf_cleanup(&out);
	if (fa2_alarm_from_json(a.doc, &c) != FA2_OK)
		abort();
	fa2_alarm_cleanup(&c);
	fa2_alarm_cleanup(&a);
	return 0;
}
