/* libFuzzer target: fa2 eval's answer-key parser and judge. The input is split at the
 * first LF: before it an expected.json, after it a triage report. A key either parses
 * (then judging the report, when it is JSON, must not crash and must give a consistent
 * result) or fails with FA2_ERR_PARSE / FA2_ERR_TOO_LARGE. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "cmd/eval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	size_t klen = nl ? (size_t)(nl - (const char *)data) : size;
	fa2_eval_expect x;
	fa2_eval_result r;
	const char *why = NULL;
	cJSON *doc;
	fa2_err e;

	fa2_json_init();
	e = fa2_eval_expect_parse(fa2_slice_make((const char *)data, klen), &x, &why);
	if (e != FA2_OK) {
		if ((e != FA2_ERR_PARSE && e != FA2_ERR_TOO_LARGE && e != FA2_ERR_NOMEM) || !why || !*why)
			abort();
		return 0;
	}
	if ((x.want_change && !x.n_ids) || (!x.want_change && !x.n_keys) || x.n_ids > FA2_MAX_EVAL_ANSWERS ||
	    x.n_keys > FA2_MAX_EVAL_ANSWERS)
		abort();
	if (!nl)
		return 0;
	doc = fa2_json_parse(fa2_slice_make(nl + 1, size - klen - 1), NULL);
	if (!doc)
		return 0;
	fa2_eval_judge(&x, doc, &r);
	cJSON_Delete(doc);
	if (r.rank < 0 || r.rank > r.n_suspects || (r.top1 && r.rank != 1) || (r.top3 && (r.rank < 1 || r.rank > 3)) ||
	    (r.top1 && !r.top3) || (r.blamed_change && x.want_change) || (x.want_change ? r.change_rank < 0 : r.change_rank != -1) ||
	    r.nci < -1 || r.nci > 1 || memchr(r.top_title, '\0', sizeof r.top_title) == NULL ||
	    memchr(r.top_kind, '\0', sizeof r.top_kind) == NULL || memchr(r.top_event, '\0', sizeof r.top_event) == NULL)
		abort();
	return 0;
}
