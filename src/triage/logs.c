/* The door from the triage engine to the log template miner (triage/logtpl.h). */
#include "triage/logs.h"

#include <string.h>

#include "base/alloc.h"
#include "triage/logtpl.h"

fa2_err fa2_tr_mine_lines(const fa2_tr_logline *lines, size_t n, fa2_tr_pool *pool,
			  fa2_tr_mined *out)
{
	fa2_logtpl *m = NULL;
	fa2_logtpl_stats st;
	fa2_logtpl_info info;
	uint32_t *slot = NULL;   /* resolved miner id -> our index + 1 (0: not yet seen) */
	size_t i, max_id;
	fa2_err e;

	memset(out, 0, sizeof *out);
	if ((e = fa2_logtpl_new(NULL, &m)))
		return e;
	out->ids = fa2_calloc(n ? n : 1, sizeof *out->ids);
	if (!out->ids) {
		e = FA2_ERR_NOMEM;
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		uint32_t id = 0;
		if ((e = fa2_logtpl_feed(m, fa2_slice_make(lines[i].msg, lines[i].msg_len),
					 lines[i].t_ms ? lines[i].t_ms : FA2_LOGTPL_NO_TIME,
					 (uint64_t)i + 1, &id)))
			goto cleanup;
		out->ids[i] = id;
	}
	if ((e = fa2_logtpl_finish(m)))
		goto cleanup;
	fa2_logtpl_stats_get(m, &st);
	max_id = (size_t)st.created + 1;
	slot = fa2_calloc(max_id + 1, sizeof *slot);
	out->texts = fa2_calloc(st.live ? st.live : 1, sizeof *out->texts);
	out->severities = fa2_calloc(st.live ? st.live : 1, sizeof *out->severities);
	if (!slot || !out->texts || !out->severities) {
		e = FA2_ERR_NOMEM;
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		uint32_t rid = fa2_logtpl_resolve(m, out->ids[i]);
		if (!rid || rid > max_id) {
			out->ids[i] = UINT32_MAX;
			continue;
		}
		if (!slot[rid]) {
			char *text;
			if (fa2_logtpl_get(m, rid, &info) != FA2_OK || out->n_templates >= st.live) {
				out->ids[i] = UINT32_MAX;  /* evicted */
				continue;
			}
			text = fa2_tr_pool_strndup(pool, info.text.ptr, info.text.len);
			if (!text) {
				e = FA2_ERR_NOMEM;
				goto cleanup;
			}
			out->texts[out->n_templates] = text;
			out->severities[out->n_templates] = (int)info.severity;
			slot[rid] = (uint32_t)++out->n_templates;
		}
		out->ids[i] = slot[rid] - 1;
	}
cleanup:
	fa2_free(slot);
	fa2_logtpl_free(m);
	if (e)
		fa2_tr_mined_cleanup(out);
	return e;
}

void fa2_tr_mined_cleanup(fa2_tr_mined *m)
{
	fa2_free(m->ids);
	fa2_free((void *)m->texts);
	fa2_free(m->severities);
	memset(m, 0, sizeof *m);
}
