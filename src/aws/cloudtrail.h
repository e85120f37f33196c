/* CloudTrail LookupEvents: every page of a time range (50 events per page, NextToken),
 * paced under the API's rate of 2 requests per second per account and region, within a
 * page budget and a deadline; a page still throttled after the client's retries (other
 * callers share the rate) is asked again up to 3 times, a second apart. Used by
 * audit_log_tool and the snapshot capture. */
#ifndef FA2_AWS_CLOUDTRAIL_H
#define FA2_AWS_CLOUDTRAIL_H

#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"

#include "aws/call.h"
#include "aws/client.h"
#include "base/err.h"
#include "base/slice.h"

#define FA2_CT_PAGE_EVENTS 50u   /* LookupEvents MaxResults */
#define FA2_CT_PACE_MS     550   /* between two LookupEvents calls (2 per second allowed) */

/* Sees every page: the request as sent and the raw reply; n_events is the size of its
 * Events array. A non-OK return stops the paging. */
typedef fa2_err (*fa2_ct_page_fn)(void *ctx, const cJSON *request, fa2_slice reply, size_t n_events);

typedef struct fa2_ct_lookup {
	int64_t from_ms, to_ms;      /* the range (sent as epoch seconds, to rounded up) */
	const char *attr_key;        /* one LookupAttributes entry (EventName, ReadOnly, ...); NULL: none */
	const char *attr_value;
	size_t max_pages;            /* budget (0: 100) */
	int64_t pace_ms;             /* minimum spacing of calls (0: FA2_CT_PACE_MS; < 0: none) */
	int64_t *pace_clock;         /* when the last call was made (monotonic ms), shared by
	                              * lookups paced together; NULL: this lookup's own */
	int64_t deadline_mono_ms;    /* absolute; paging stops (with more = 1) when too close */
	fa2_ct_page_fn on_page;
	void *ctx;
} fa2_ct_lookup;

typedef struct fa2_ct_stats {
	size_t pages, events;
	int more;                    /* a NextToken was left: the budget or the deadline ended it */
} fa2_ct_stats;

/* Pages through LookupEvents for q. Errors as fa2_aws_do (oc may be NULL); st holds what
 * was read before. */
fa2_err fa2_ct_lookup_events(fa2_aws_client *c, const fa2_ct_lookup *q, fa2_ct_stats *st, fa2_aws_outcome *oc);

#endif
