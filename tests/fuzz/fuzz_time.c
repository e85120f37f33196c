/* libFuzzer target: time, offset and duration parsing; a successful parse must format
 * and parse back to the same instant. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/slice.h"
#include "base/time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fa2_slice s = fa2_slice_make((const char *)data, size);
	int64_t ms, back, dur;
	int off;
	char buf[40];

	if (fa2_time_parse(s, 1795593600000LL, 540, &ms) == FA2_OK) {
		if (fa2_time_format_rfc3339(ms, 0, 1, buf, sizeof buf) > 0) {
			if (fa2_time_parse(fa2_slice_cstr(buf), 0, 0, &back) != FA2_OK || back != ms)
				abort();
		}
	}
	if (fa2_time_parse_offset(s, &off) == FA2_OK && (off < -18 * 60 || off > 18 * 60))
		abort();
	if (fa2_time_parse_duration(s, &dur) == FA2_OK && dur < 0)
		abort();
	return 0;
}
