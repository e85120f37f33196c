/* AWS X-Ray: GetTraceSummaries over a time range (at most 6 hours per call, so longer
 * ranges are sliced; every page within a budget) and BatchGetTraces. Used by xray_tool
 * and the snapshot capture. */
#ifndef FA2_AWS_XRAY_H
#define FA2_AWS_XRAY_H

#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"

#include "aws/call.h"
#include "aws/client.h"
#include "base/err.h"
#include "base/slice.h"

#define FA2_XRAY_SLICE_MS   (6LL * 3600000LL)  /* GetTraceSummaries: longest range per call */
#define FA2_XRAY_BATCH_IDS  5u                 /* BatchGetTraces: trace ids per call */

/* Sees every GetTraceSummaries page: the request as sent and the raw reply. */
typedef fa2_err (*fa2_xray_page_fn)(void *ctx, const cJSON *request, fa2_slice reply, size_t n_summaries);

typedef struct fa2_xray_summaries {
	int64_t from_ms, to_ms;
	const char *filter;          /* FilterExpression (NULL: none) */
	int by_trace_id;             /* TimeRangeType TraceId (else the service's default, Event) */
	size_t max_pages;            /* budget over all slices (0: 100) */
	int64_t deadline_mono_ms;
	fa2_xray_page_fn on_page;
	void *ctx;
} fa2_xray_summaries;

typedef struct fa2_xray_stats {
	size_t pages, summaries;
	int more;                    /* the budget or the deadline ended the paging */
} fa2_xray_stats;

/* GetTraceSummaries (Sampling false) for q. Errors as fa2_aws_do (oc may be NULL). */
fa2_err fa2_xray_trace_summaries(fa2_aws_client *c, const fa2_xray_summaries *q, fa2_xray_stats *st,
				 fa2_aws_outcome *oc);

/* BatchGetTraces for ids (at most FA2_XRAY_BATCH_IDS); *out is the reply (caller
 * deletes). */
fa2_err fa2_xray_batch_get_traces(fa2_aws_client *c, const char *const *ids, size_t n, int64_t deadline_mono_ms,
				  cJSON **out, fa2_aws_outcome *oc);

#endif
