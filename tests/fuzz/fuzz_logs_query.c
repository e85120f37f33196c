/* libFuzzer target: Logs Insights query text as fa2 handles it (src/aws/logs.h). The
 * input is split at the first LF: before it a configured query (cwLogsInsightQuery),
 * after it a model's filter. Splitting into stages must either fail cleanly or give
 * stages that lie inside the text; composing must give text that asks for @timestamp,
 * @message, @logStream and @log (unless a part did not split and went as it is); the lint
 * must count its findings; a @timestamp parse of either part must not crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/logs.h"
#include "base/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *base, *filter, msg[1200];
	const char *nl = memchr(data, '\n', size);
	size_t blen = nl ? (size_t)(nl - (const char *)data) : size, flen = nl ? size - blen - 1 : 0, n, i;
	fa2_logs_stage st[FA2_LOGS_MAX_STAGES];
	fa2_logs_composed info;
	fa2_buf out;
	fa2_err e;
	int found;

	if (size > 40000)
		return 0;
	base = malloc(blen + 1);
	filter = malloc(flen + 1);
	if (!base || !filter)
		abort();
	memcpy(base, data, blen);
	base[blen] = '\0';
	if (flen)
		memcpy(filter, nl + 1, flen);
	filter[flen] = '\0';
	e = fa2_logs_split_stages(fa2_slice_make(base, strlen(base)), st, FA2_LOGS_MAX_STAGES, &n);
	if (e == FA2_OK) {
		for (i = 0; i < n; i++)
			if (st[i].text.len == 0 || st[i].text.ptr < base || st[i].text.ptr + st[i].text.len > base + strlen(base))
				abort();
	} else if (e != FA2_ERR_PARSE && e != FA2_ERR_TOO_LARGE) {
		abort();
	}
	fa2_buf_init(&out, 1u << 20);
	e = fa2_logs_compose(base, flen ? filter : NULL, &out, &info, msg, sizeof msg);
	if (e == FA2_OK && (out.len < 7 || memchr(out.data, '\0', out.len) != NULL))
		abort();
	if (e == FA2_OK && !info.unsplit) {
		/* Every composed query asks for @timestamp (a fields or display stage has it). */
		if (fa2_buf_append_byte(&out, 0) == FA2_OK && !strstr(out.data, "@timestamp, @message, @logStream, @log"))
			abort();
	}
	if (e != FA2_OK && e != FA2_ERR_TOO_LARGE && e != FA2_ERR_NOMEM)
		abort();
	if (info.base_limit < 0 || info.base_limit > 10000)
		abort();
	fa2_buf_cleanup(&out);
	found = fa2_logs_query_lint(base, msg, sizeof msg);
	if (found < -1 || strlen(msg) >= sizeof msg)
		abort();
	(void)fa2_logs_parse_ts(base);
	(void)fa2_logs_parse_ts(filter);
	free(base);
	free(filter);
	return 0;
}
