/* The triage digest as the agent's first observation. See digest.h. */
#include "agent/digest.h"

#include <stdio.h>
#include <string.h>

#include "agent/config.h"
#include "aws/cloudtrail.h"
#include "base/time.h"
#include "triage/capture.h"
#include "triage/data.h"
#include "triage/triage.h"

fa2_err fa2_digest_header(fa2_lang lang, fa2_buf *out)
{
	return fa2_buf_append_cstr(out, lang == FA2_LANG_JA
		? "## トリアージ要約 (fa2 が同じデータから機械的に求めた結果)\n"
		  "容疑の順位と根拠です。結論ではなく出発点です: 上位の容疑をツールで確かめ、"
		  "否定されたら次の容疑へ進んでください。(要約の本文は英語です)\n\n"
		: "## Triage digest (fa2's deterministic analysis of the same data)\n"
		  "Ranked suspects with their evidence: a starting point, not a conclusion. Verify the "
		  "leading suspect with the tools; when the evidence contradicts it, move to the next.\n\n");
}

/* Fills d from AWS: the capture's memory sink with the digest's budgets. */
static fa2_err read_live(const fa2_digest_source *src, int64_t from_ms, int64_t to_ms, fa2_tr_data *d,
			 char *why, size_t why_cap)
{
	fa2_capture_opts o;
	fa2_capture_stats st;
	int64_t budget;
	size_t i;
	fa2_err e;

	if (!src->aws) {
		snprintf(why, why_cap, "no AWS client");
		return FA2_ERR_INVALID;
	}
	memset(&o, 0, sizeof o);
	memset(&st, 0, sizeof st);
	o.from_ms = from_ms;
	o.to_ms = to_ms;
	o.into = d;
	o.region = src->aws->region;
	o.alarm = src->alarm;
	if (src->cfg) {
		for (i = 0; i < src->cfg->n_log_groups && i < FA2_CAPTURE_MAX_GROUPS; i++)
			o.log_groups[i] = src->cfg->log_groups[i];
		o.n_log_groups = i;
		o.no_xray = !src->cfg->xray_trace;
	} else {
		o.no_xray = 1;
	}
	budget = src->budget_ms > 0 ? src->budget_ms : 30000;
	o.poll_timeout_ms = budget < 10000 ? budget : 10000;
	o.max_log_queries = (size_t)(budget / o.poll_timeout_ms);
	if (o.max_log_queries > FA2_DIGEST_LOG_QUERIES)
		o.max_log_queries = FA2_DIGEST_LOG_QUERIES;
	o.max_pages = FA2_DIGEST_PAGES;
	e = fa2_capture_snapshot(src->aws, &o, &st);
	/* LookupEvents calls are paced per lookup, not per process: let a second pass
	 * before the tools' own lookups start, so that together they stay within the API's
	 * rate (2 per second) instead of being throttled. */
	fa2_time_sleep_ms(2 * FA2_CT_PACE_MS);
	if (e)
		snprintf(why, why_cap, "%s", e == FA2_ERR_AWS ? "no source could be read from AWS" : fa2_err_str(e));
	return e;
}

fa2_err fa2_digest_build(const fa2_digest_source *src, int64_t from_ms, int64_t to_ms, fa2_lang lang,
			 size_t budget_bytes, fa2_buf *out, char *why, size_t why_cap)
{
	fa2_tr_data d;
	fa2_tr_analysis a;
	size_t mark = out->len, head;
	const char *reason = "";
	fa2_err e;

	if (why_cap)
		why[0] = '\0';
	if (!src || budget_bytes < FA2_DIGEST_MIN_BYTES || to_ms <= from_ms) {
		snprintf(why, why_cap, "invalid digest request");
		return FA2_ERR_INVALID;
	}
	fa2_tr_data_init(&d);
	memset(&a, 0, sizeof a);
	if (src->snapshot_dir) {
		e = fa2_tr_snapshot_read(&d, src->snapshot_dir, &reason);
		if (e)
			snprintf(why, why_cap, "%s%s%s", fa2_err_str(e), reason && *reason ? ": " : "",
				 reason ? reason : "");
		else
			fa2_tr_data_narrow(&d, from_ms, to_ms);
	} else {
		e = read_live(src, from_ms, to_ms, &d, why, why_cap);
	}
	if (!e && (e = fa2_tr_analyze(&d, NULL, &a)) != FA2_OK)
		snprintf(why, why_cap, "triage failed: %s", fa2_err_str(e));
	if (!e)
		e = fa2_digest_header(lang, out);
	head = out->len - mark;
	if (!e && head + FA2_DIGEST_MIN_BYTES / 2 > budget_bytes)
		e = FA2_ERR_TOO_LARGE;
	/* fa2_tr_render estimates tokens as bytes / 4 and may overshoot by its own
	 * "left out" notes: ask for a little less than what remains, then hold to it. */
	if (!e && (e = fa2_tr_render(&a, FA2_TR_FMT_MD, (budget_bytes - head) * 7 / 8 / 4, out)) != FA2_OK)
		snprintf(why, why_cap, "rendering failed: %s", fa2_err_str(e));
	if (!e && out->len - mark > budget_bytes) {
		/* Over budget all the same: cut at the last whole line that fits. */
		size_t cut = mark + budget_bytes;
		while (cut > mark + head && out->data[cut - 1] != '\n')
			cut--;
		fa2_buf_truncate(out, cut);
	}
	if (e) {
		if (!why[0])
			snprintf(why, why_cap, "%s", fa2_err_str(e));
		fa2_buf_truncate(out, mark);
	}
	fa2_tr_analysis_cleanup(&a);
	fa2_tr_data_cleanup(&d);
	return e;
}
