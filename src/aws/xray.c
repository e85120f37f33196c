/* X-Ray GetTraceSummaries and BatchGetTraces (see xray.h). */
#include "aws/xray.h"

#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/time.h"

#define XRAY_DEFAULT_PAGES 100u
#define XRAY_MIN_CALL_MS   1500

fa2_err fa2_xray_trace_summaries(fa2_aws_client *c, const fa2_xray_summaries *q, fa2_xray_stats *st,
				 fa2_aws_outcome *oc)
{
	size_t max = q->max_pages ? q->max_pages : XRAY_DEFAULT_PAGES;
	int64_t t;
	fa2_buf raw;
	fa2_err e = FA2_OK;

	memset(st, 0, sizeof *st);
	fa2_buf_init(&raw, FA2_MAX_HTTP_BODY_BYTES);
	for (t = q->from_ms; t < q->to_ms && !e && !st->more; t += FA2_XRAY_SLICE_MS) {
		int64_t end = t + FA2_XRAY_SLICE_MS < q->to_ms ? t + FA2_XRAY_SLICE_MS : q->to_ms;
		char token[4096] = "";
		do {
			cJSON *in = cJSON_CreateObject();
			size_t n;
			if (st->pages >= max ||
			    (q->deadline_mono_ms && fa2_time_mono_ms() + XRAY_MIN_CALL_MS >= q->deadline_mono_ms)) {
				cJSON_Delete(in);
				st->more = 1;
				break;
			}
			if (!in || !cJSON_AddNumberToObject(in, "StartTime", (double)(t / 1000)) ||
			    !cJSON_AddNumberToObject(in, "EndTime", (double)((end + 999) / 1000)) ||
			    !cJSON_AddBoolToObject(in, "Sampling", 0) ||
			    (q->by_trace_id && !cJSON_AddStringToObject(in, "TimeRangeType", "TraceId")) ||
			    (q->filter && *q->filter && !cJSON_AddStringToObject(in, "FilterExpression", q->filter)) ||
			    (token[0] && !cJSON_AddStringToObject(in, "NextToken", token))) {
				cJSON_Delete(in);
				e = FA2_ERR_NOMEM;
				break;
			}
			e = fa2_aws_do_page(c, "xray", "GetTraceSummaries", in, q->deadline_mono_ms, "TraceSummaries", &raw, &n,
					    token, sizeof token, oc);
			if (!e) {
				st->pages++;
				st->summaries += n;
				if (q->on_page)
					e = q->on_page(q->ctx, in, fa2_buf_slice(&raw), n);
			}
			cJSON_Delete(in);
		} while (!e && token[0]);
	}
	fa2_buf_cleanup(&raw);
	return e;
}

fa2_err fa2_xray_batch_get_traces(fa2_aws_client *c, const char *const *ids, size_t n, int64_t deadline_mono_ms,
				  cJSON **out, fa2_aws_outcome *oc)
{
	cJSON *in = cJSON_CreateObject(), *arr;
	size_t i;
	fa2_err e = FA2_ERR_NOMEM;
	*out = NULL;
	arr = in ? cJSON_AddArrayToObject(in, "TraceIds") : NULL;
	if (!arr)
		goto cleanup;
	for (i = 0; i < n && i < FA2_XRAY_BATCH_IDS; i++)
		if (!cJSON_AddItemToArray(arr, cJSON_CreateString(ids[i])))
			goto cleanup;
	e = fa2_aws_do(c, "xray", "BatchGetTraces", in, deadline_mono_ms, out, oc);
cleanup:
	cJSON_Delete(in);
	return e;
}
