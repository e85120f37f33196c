/* libFuzzer target: the Logs Insights subset of the snapshot-backed logs_tool. The input
 * is split at the first LF: before it the query, after it a log message. A query either
 * parses (then matching the message, as text and as JSON, must not crash and the stage
 * accessors must be in range) or fails with FA2_ERR_PARSE / FA2_ERR_TOO_LARGE and a
 * message that lists the supported subset. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/tools/snap.h"
#include "base/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *query, *msg, why[1024], out[256];
	const char *nl = memchr(data, '\n', size);
	size_t qlen = nl ? (size_t)(nl - (const char *)data) : size;
	size_t mlen = nl ? size - qlen - 1 : 0;
	fa2_snapq *q = NULL;
	fa2_tr_logline l;
	fa2_err e;

	if (size > 16384)
		return 0;
	query = malloc(qlen + 1);
	msg = malloc(mlen + 1);
	if (!query || !msg)
		abort();
	memcpy(query, data, qlen);
	query[qlen] = '\0';
	if (mlen)
		memcpy(msg, nl + 1, mlen);
	msg[mlen] = '\0';
	e = fa2_snapq_parse(query, &q, why, sizeof why);
	if (e == FA2_OK) {
		if (!q || fa2_snapq_limit(q) < 0 || fa2_snapq_limit(q) > 10000 || fa2_snapq_stats(q) < 0 ||
		    fa2_snapq_stats(q) > FA2_SNAPQ_STATS_FIELD)
			abort();
		if (fa2_snapq_stats(q) == FA2_SNAPQ_STATS_BIN && fa2_snapq_bin_ms(q) < 1000)
			abort();
		l.t_ms = 1763604000000LL;
		l.msg = msg;
		l.msg_len = strlen(msg);
		l.group = "/ecs/app";
		l.stream = "s-1";
		(void)fa2_snapq_match(q, &l);
		if (fa2_snapq_stats(q) == FA2_SNAPQ_STATS_FIELD)
			(void)fa2_snapq_field(&l, fa2_snapq_by_field(q), out, sizeof out);
		fa2_snapq_free(q);
	} else {
		if (q || (e != FA2_ERR_PARSE && e != FA2_ERR_TOO_LARGE && e != FA2_ERR_NOMEM))
			abort();
		if (e == FA2_ERR_PARSE && !strstr(why, "supported:"))
			abort();
	}
	free(query);
	free(msg);
	return 0;
}
