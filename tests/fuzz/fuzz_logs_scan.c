/* libFuzzer target: the Logs Insights row reader (src/triage/logs.c, fa2_tr_logs_scan
 * through fa2_tr_parse_logs), differentially against the cJSON tree reader it replaced
 * (tests/unit/logs_oracle.h): every input must give the same outcome (parsed or not) and
 * the same rows, field by field; any difference aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "logs_oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why;
	if (size > 200000)
		return 0;
	/* With and without a default group (it names rows that lack @log). */
	if (!oracle_same(fa2_slice_make((const char *)data, size), size % 2 ? "/default" : NULL, &why)) {
		fprintf(stderr, "fuzz_logs_scan: %s\n", why);
		abort();
	}
	return 0;
}
