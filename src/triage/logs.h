/* Log lines -> templates, through the template miner (src/triage/logtpl.*).
 * The triage engine never groups lines itself: this is its only door to the miner. */
#ifndef FA2_TRIAGE_LOGS_H
#define FA2_TRIAGE_LOGS_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "triage/data.h"

typedef struct fa2_tr_mined {
	uint32_t *ids;          /* one per input line: index into texts, or UINT32_MAX */
	const char **texts;     /* template text per id, in the caller's pool */
	int *severities;        /* the miner's severity guess per id (FA2_TR_SEV_* scale) */
	size_t n_templates;
} fa2_tr_mined;

/* Mines the @message of n lines (in order) and assigns each a template. Template texts
 * are copied into pool. Lines whose template was evicted get UINT32_MAX. */
fa2_err fa2_tr_mine_lines(const fa2_tr_logline *lines, size_t n, fa2_tr_pool *pool,
			  fa2_tr_mined *out);
void fa2_tr_mined_cleanup(fa2_tr_mined *m);

#endif
