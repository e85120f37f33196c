/* The door from the triage engine to the log template miner. */
#include "triage/logs.h"

#include <string.h>

#include "base/alloc.h"

fa2_err fa2_tr_mine_lines(const fa2_tr_logline *lines, size_t n, fa2_tr_pool *pool,
			  fa2_tr_mined *out)
{
	(void)lines;
	(void)n;
	(void)pool;
	memset(out, 0, sizeof *out);
	return FA2_ERR_UNSUPPORTED;
}

void fa2_tr_mined_cleanup(fa2_tr_mined *m)
{
	fa2_free(m->ids);
	fa2_free((void *)m->texts);
	memset(m, 0, sizeof *m);
}
