/* libFuzzer target: the log template miner on arbitrary lines. The input is split at
 * LF; the first byte picks a small template cap (so eviction runs) and the depth. Every
 * successfully fed line must have a live template whose text is no longer than the
 * masked line can be, and the masking predicate must never crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/slice.h"
#include "triage/logtpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fa2_logtpl_config cfg;
	fa2_logtpl *m = NULL;
	fa2_logtpl_info info;
	const char *p = (const char *)data;
	size_t start = 0, i, cur = 0, n = 0;
	uint64_t line_no = 0;

	fa2_logtpl_config_default(&cfg);
	if (size > 0) {
		cfg.max_templates = 1 + (data[0] & 7);
		cfg.depth = 3 + ((data[0] >> 3) & 3);
		cfg.max_children = 2 + ((data[0] >> 5) & 3);
		p++;
		size--;
	}
	if (fa2_logtpl_new(&cfg, &m) != FA2_OK)
		abort();
	for (i = 0; i <= size; i++) {
		if (i == size || p[i] == '\n') {
			fa2_slice line = fa2_slice_make(p + start, i - start);
			uint32_t id = 0;
			line_no++;
			if (fa2_logtpl_feed(m, line, (int64_t)line_no, line_no, &id) != FA2_OK)
				abort();
			if (fa2_logtpl_get(m, id, &info) != FA2_OK)
				abort();
			if (info.text.len > 3 * FA2_LOGTPL_MAX_LINE_BYTES + 3 * FA2_LOGTPL_MAX_TOKENS)
				abort();
			if (info.count == 0 || info.n_examples > cfg.examples)
				abort();
			(void)fa2_logtpl_token_is_variable(line);
			(void)fa2_logtpl_guess_severity(line);
			start = i + 1;
		}
	}
	if (fa2_logtpl_finish(m) != FA2_OK)
		abort();
	while (fa2_logtpl_next(m, &cur, &info)) {
		if (memchr(info.text.ptr, '\n', info.text.len))
			abort();
		n++;
	}
	if (n > cfg.max_templates)
		abort();
	fa2_logtpl_free(m);
	return 0;
}
