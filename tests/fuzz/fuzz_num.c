/* libFuzzer target: base/num.h at the extremes. The input is parsed as every kind of
 * number; the first 16 bytes are also taken as two raw int64s and as a raw double for the
 * conversion and arithmetic helpers. Checked results must agree with wide arithmetic,
 * saturated ones must equal the clamped exact result, and formatting must accept any
 * instant the epoch parser produces. UBSan (abort on report) catches any overflow. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/num.h"
#include "base/time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_int_ops(int64_t a, int64_t b)
{
	int64_t r;
	long double wa = (long double)a, wb = (long double)b;
	long double sum = wa + wb, prod = wa * wb;
	int sum_fits = sum >= -9223372036854775808.0L && sum <= 9223372036854775807.0L;

	/* long double has a 64-bit mantissa on x86: exact for sums, and decides the product's
	 * range except in a sliver next to the limits, where only consistency is checked. */
	if ((fa2_num_add_i64(a, b, &r) == FA2_OK) != sum_fits)
		abort();
	if (sum_fits && r != a + b)
		abort();
	if (fa2_num_mul_i64(a, b, &r) == FA2_OK) {
		if (fabsl(prod) > 9.3e18L)
			abort();
		if (fa2_num_sat_mul_i64(a, b) != r)
			abort();
	} else {
		int64_t s = fa2_num_sat_mul_i64(a, b);
		if (fabsl(prod) < 9.2e18L)
			abort();
		if (s != ((a < 0) != (b < 0) ? INT64_MIN : INT64_MAX))
			abort();
	}
	r = fa2_num_sat_add_i64(a, b);
	if (!sum_fits && r != (sum > 0 ? INT64_MAX : INT64_MIN))
		abort();
	r = fa2_num_epoch_clamp_ms(a);
	if (r < 0 || r > FA2_NUM_EPOCH_MAX_MS)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	fa2_slice s = fa2_slice_make((const char *)data, size);
	int64_t i, lo, hi;
	uint64_t u;
	size_t z;
	double d;
	char buf[40];

	if (!init) {
		fa2_json_init();
		init = 1;
	}
	if (fa2_num_parse_i64(s, -1000000, 1000000, &i) == FA2_OK && (i < -1000000 || i > 1000000))
		abort();
	if (fa2_num_parse_u64(s, 65535, &u) == FA2_OK && u > 65535)
		abort();
	if (fa2_num_parse_size(s, 4096, &z) == FA2_OK && z > 4096)
		abort();
	if (fa2_num_parse_double(s, &d) == FA2_OK) {
		if (!isfinite(d))
			abort();
		if (fa2_num_double_to_i64(d, INT64_MIN, INT64_MAX, &i) == FA2_OK && fabs((double)i - trunc(d)) > 0)
			abort();
	}
	if (fa2_num_parse_epoch_s(s, &i) == FA2_OK) {
		if (i < 0 || i > FA2_NUM_EPOCH_MAX_S)
			abort();
		if (fa2_time_format_rfc3339(i * 1000, 0, 1, buf, sizeof buf) == 0)
			abort();
	}
	if (size >= 16) {
		memcpy(&lo, data, 8);
		memcpy(&hi, data + 8, 8);
		check_int_ops(lo, hi);
		memcpy(&d, data, 8);
		if (fa2_num_double_to_i64(d, lo < hi ? lo : hi, lo < hi ? hi : lo, &i) == FA2_OK &&
		    (i < (lo < hi ? lo : hi) || i > (lo < hi ? hi : lo)))
			abort();
		(void)fa2_time_format_rfc3339(lo, (int)(hi % 2000), 1, buf, sizeof buf);
	}
	/* the same text as a JSON value */
	if (size < 512) {
		char json[600];
		cJSON *j;
		memcpy(json, "{\"n\":", 5);
		memcpy(json + 5, data, size);
		json[5 + size] = '}';
		j = fa2_json_parse(fa2_slice_make(json, size + 6), NULL);
		if (j && fa2_json_i64(j, "n", 0, FA2_NUM_EPOCH_MAX_S, &i) && (i < 0 || i > FA2_NUM_EPOCH_MAX_S))
			abort();
		cJSON_Delete(j);
	}
	return 0;
}
