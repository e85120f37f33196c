/* CloudTrail LookupEvents paging (see cloudtrail.h). */
#include "aws/cloudtrail.h"

#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/time.h"

#define CT_DEFAULT_PAGES 100u
#define CT_MIN_CALL_MS   1500   /* do not start a call with less time left */
#define CT_THROTTLE_TRIES 3     /* extra tries of a throttled page, a second apart */

fa2_err fa2_ct_lookup_events(fa2_aws_client *c, const fa2_ct_lookup *q, fa2_ct_stats *st, fa2_aws_outcome *oc)
{
	size_t max = q->max_pages ? q->max_pages : CT_DEFAULT_PAGES;
	int64_t pace = q->pace_ms == 0 ? FA2_CT_PACE_MS : q->pace_ms < 0 ? 0 : q->pace_ms, own = 0;
	int64_t *last = q->pace_clock ? q->pace_clock : &own;
	unsigned throttled = 0;
	char token[8192] = "";
	fa2_buf raw;
	fa2_err e = FA2_OK;

	memset(st, 0, sizeof *st);
	fa2_buf_init(&raw, FA2_MAX_HTTP_BODY_BYTES);
	for (;;) {
		cJSON *in = cJSON_CreateObject(), *la, *a;
		size_t n;
		int64_t now;
		if (!in || !cJSON_AddNumberToObject(in, "StartTime", (double)(q->from_ms / 1000)) ||
		    !cJSON_AddNumberToObject(in, "EndTime", (double)((q->to_ms + 999) / 1000)) ||
		    !cJSON_AddNumberToObject(in, "MaxResults", FA2_CT_PAGE_EVENTS)) {
			cJSON_Delete(in);
			e = FA2_ERR_NOMEM;
			break;
		}
		if (q->attr_key && q->attr_value) {
			la = cJSON_AddArrayToObject(in, "LookupAttributes");
			a = la ? cJSON_CreateObject() : NULL;
			if (a && !cJSON_AddItemToArray(la, a)) {
				cJSON_Delete(a);
				a = NULL;
			}
			if (!a || !cJSON_AddStringToObject(a, "AttributeKey", q->attr_key) ||
			    !cJSON_AddStringToObject(a, "AttributeValue", q->attr_value)) {
				cJSON_Delete(in);
				e = FA2_ERR_NOMEM;
				break;
			}
		}
		if (token[0] && !cJSON_AddStringToObject(in, "NextToken", token)) {
			cJSON_Delete(in);
			e = FA2_ERR_NOMEM;
			break;
		}
		now = fa2_time_mono_ms();
		if (*last && now - *last < pace)
			fa2_time_sleep_ms(pace - (now - *last));
		if (q->deadline_mono_ms && fa2_time_mono_ms() + CT_MIN_CALL_MS >= q->deadline_mono_ms) {
			cJSON_Delete(in);
			st->more = 1;
			break;
		}
		e = fa2_aws_do_page(c, "cloudtrail", "LookupEvents", in, q->deadline_mono_ms, "Events", &raw, &n, token,
				    sizeof token, oc);
		/* The rate is per account and region, shared with every other caller: when the
		 * client's own retries were throttled too, wait a second and ask again. */
		while (e == FA2_ERR_AWS && oc && fa2_aws_error_retryable(&oc->err) == 1 && throttled++ < CT_THROTTLE_TRIES &&
		       (!q->deadline_mono_ms || fa2_time_mono_ms() + 1000 + CT_MIN_CALL_MS < q->deadline_mono_ms)) {
			fa2_time_sleep_ms(1000);
			e = fa2_aws_do_page(c, "cloudtrail", "LookupEvents", in, q->deadline_mono_ms, "Events", &raw, &n,
					    token, sizeof token, oc);
		}
		*last = fa2_time_mono_ms();
		if (!e) {
			st->pages++;
			st->events += n;
			if (q->on_page)
				e = q->on_page(q->ctx, in, fa2_buf_slice(&raw), n);
		}
		cJSON_Delete(in);
		if (e || !token[0])
			break;
		if (st->pages >= max) {
			st->more = 1;
			break;
		}
	}
	fa2_buf_cleanup(&raw);
	return e;
}
