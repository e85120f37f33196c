/* libFuzzer target: TZif zone files (RFC 8536) and POSIX TZ strings. A file that parses
 * must answer every lookup with an offset in RFC 8536's range and a short designation,
 * format every instant, and map local times back to instants near them. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/slice.h"
#include "base/time.h"
#include "base/tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static fa2_tz z;

static void check_zone(void)
{
	static const int64_t at_s[] = { -9000000000LL, -2147483648LL, -1, 0, 1, 946684800LL,
					1795593600LL, 2147483647LL, 4102444800LL, 9000000000LL,
					253402300799LL };
	fa2_tz_info i;
	char buf[64];
	size_t k;
	for (k = 0; k < sizeof at_s / sizeof at_s[0]; k++) {
		int64_t ms = at_s[k] * 1000, back;
		fa2_tz_lookup(&z, ms, &i);
		if (i.off_s < -89999 || i.off_s > 93599 || memchr(i.abbr, 0, sizeof i.abbr) == NULL)
			abort();
		if (at_s[k] >= 0 && at_s[k] < 253402300799LL - 200000 &&
		    (!fa2_tz_format_human(&z, ms, buf, sizeof buf) ||
		     !fa2_tz_format_rfc3339(&z, ms, 1, buf, sizeof buf)))
			abort();
		/* A local time maps to an instant within two days of it (offsets < 26 h). */
		back = fa2_tz_local_to_utc(&z, ms);
		if (back - ms > 2 * FA2_TIME_MS_PER_DAY || ms - back > 2 * FA2_TIME_MS_PER_DAY)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fa2_slice s = fa2_slice_make((const char *)data, size);
	fa2_tz_rule r;
	if (fa2_tz_parse_tzif(FA2_SLICE_LIT("Fuzz/Zone"), s, &z) == FA2_OK)
		check_zone();
	if (fa2_tz_parse_rule(s, &r) == FA2_OK) {
		memset(&z, 0, sizeof z);
		z.rule = r;
		z.has_rule = 1;
		z.n_types = 1;
		check_zone();
	}
	return 0;
}
