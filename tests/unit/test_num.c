/* base/num.h: checked parsing, conversion and arithmetic at the extremes. */
#include <float.h>
#include <math.h>
#include <stdint.h>

#include "base/json.h"
#include "base/num.h"
#include "base/time.h"
#include "test.h"

#define S(x) fa2_slice_cstr(x)

FA2_TEST(num_parse_integers)
{
	int64_t i = 7;
	uint64_t u = 7;
	size_t z = 7;

	CHECK_OK(fa2_num_parse_i64(S("-9223372036854775808"), INT64_MIN, INT64_MAX, &i));
	CHECK(i == INT64_MIN);
	CHECK_OK(fa2_num_parse_i64(S("9223372036854775807"), INT64_MIN, INT64_MAX, &i));
	CHECK(i == INT64_MAX);
	CHECK_INT_EQ(fa2_num_parse_i64(S("9223372036854775808"), INT64_MIN, INT64_MAX, &i), FA2_ERR_TOO_LARGE);
	CHECK_INT_EQ(fa2_num_parse_i64(S("-9223372036854775809"), INT64_MIN, INT64_MAX, &i), FA2_ERR_TOO_LARGE);
	CHECK_INT_EQ(fa2_num_parse_i64(S("100"), 0, 99, &i), FA2_ERR_TOO_LARGE);
	CHECK_INT_EQ(fa2_num_parse_i64(S("-1"), 0, 99, &i), FA2_ERR_TOO_LARGE);
	CHECK(i == INT64_MAX);  /* untouched by the failures */
	CHECK_INT_EQ(fa2_num_parse_i64(S(""), 0, 99, &i), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_num_parse_i64(S(" 1"), 0, 99, &i), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_num_parse_i64(S("1 "), 0, 99, &i), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_num_parse_i64(S("0x10"), 0, 99, &i), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_num_parse_i64(S("1e3"), 0, 9999, &i), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_num_parse_i64(S("-"), -9, 9, &i), FA2_ERR_PARSE);
	CHECK_OK(fa2_num_parse_u64(S("18446744073709551615"), UINT64_MAX, &u));
	CHECK(u == UINT64_MAX);
	CHECK_INT_EQ(fa2_num_parse_u64(S("18446744073709551616"), UINT64_MAX, &u), FA2_ERR_TOO_LARGE);
	CHECK_INT_EQ(fa2_num_parse_u64(S("-1"), UINT64_MAX, &u), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_num_parse_u64(S("+1"), UINT64_MAX, &u), FA2_ERR_PARSE);
	CHECK_OK(fa2_num_parse_size(S("4096"), 4096, &z));
	CHECK_INT_EQ(z, 4096);
	CHECK_INT_EQ(fa2_num_parse_size(S("4097"), 4096, &z), FA2_ERR_TOO_LARGE);
	/* a slice, not a C string: bytes past len are not read */
	CHECK_OK(fa2_num_parse_i64(fa2_slice_make("12345", 2), 0, 99, &i));
	CHECK_INT_EQ(i, 12);
}

FA2_TEST(num_parse_double)
{
	double d = 0;
	char big[FA2_NUM_MAX_DOUBLE_CHARS + 2];

	CHECK_OK(fa2_num_parse_double(S("1764057600.123456"), &d));
	CHECK(fabs(d - 1764057600.123456) < 1e-6);
	CHECK_OK(fa2_num_parse_double(S("-1.5e3"), &d));
	CHECK(d == -1500.0);
	CHECK_OK(fa2_num_parse_double(S("+.5"), &d));
	CHECK(d == 0.5);
	CHECK_OK(fa2_num_parse_double(S("5."), &d));
	CHECK(d == 5.0);
	CHECK_OK(fa2_num_parse_double(S("1e-400"), &d));  /* underflow: 0, not an error */
	CHECK(d == 0.0);
	CHECK_OK(fa2_num_parse_double(S("1.7976931348623157e308"), &d));
	CHECK(d == DBL_MAX);
	CHECK_INT_EQ(fa2_num_parse_double(S("1e400"), &d), FA2_ERR_TOO_LARGE);
	CHECK_INT_EQ(fa2_num_parse_double(S("-1e400"), &d), FA2_ERR_TOO_LARGE);
	CHECK_INT_EQ(fa2_num_parse_double(S("nan"), &d), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_num_parse_double(S("inf"), &d), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_num_parse_double(S("-Infinity"), &d), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_num_parse_double(S("0x1p3"), &d), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_num_parse_double(S("."), &d), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_num_parse_double(S("1e"), &d), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_num_parse_double(S("1e+"), &d), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_num_parse_double(S(" 1"), &d), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_num_parse_double(S("1,5"), &d), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_num_parse_double(S(""), &d), FA2_ERR_PARSE);
	memset(big, '1', sizeof big);
	CHECK_INT_EQ(fa2_num_parse_double(fa2_slice_make(big, sizeof big), &d), FA2_ERR_TOO_LARGE);
	CHECK(d == DBL_MAX);  /* untouched by the failures */
}

FA2_TEST(num_double_to_i64)
{
	int64_t v = 3;
	double nan = NAN;

	CHECK_INT_EQ(fa2_num_double_to_i64(nan, INT64_MIN, INT64_MAX, &v), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_num_double_to_i64(INFINITY, INT64_MIN, INT64_MAX, &v), FA2_ERR_TOO_LARGE);
	CHECK_INT_EQ(fa2_num_double_to_i64(-INFINITY, INT64_MIN, INT64_MAX, &v), FA2_ERR_TOO_LARGE);
	CHECK_INT_EQ(fa2_num_double_to_i64(9223372036854775808.0, INT64_MIN, INT64_MAX, &v), FA2_ERR_TOO_LARGE);
	CHECK_INT_EQ(fa2_num_double_to_i64(1e300, INT64_MIN, INT64_MAX, &v), FA2_ERR_TOO_LARGE);
	CHECK_INT_EQ(v, 3);
	CHECK_OK(fa2_num_double_to_i64(-9223372036854775808.0, INT64_MIN, INT64_MAX, &v));
	CHECK(v == INT64_MIN);
	CHECK_OK(fa2_num_double_to_i64(-2.9, -10, 10, &v));
	CHECK_INT_EQ(v, -2);
	CHECK_OK(fa2_num_double_to_i64(10.99, -10, 10, &v));
	CHECK_INT_EQ(v, 10);
	CHECK_INT_EQ(fa2_num_double_to_i64(11.0, -10, 10, &v), FA2_ERR_TOO_LARGE);
}

FA2_TEST(num_checked_and_saturating)
{
	int64_t r = 5;

	CHECK_INT_EQ(fa2_num_add_i64(INT64_MAX, 1, &r), FA2_ERR_TOO_LARGE);
	CHECK_INT_EQ(fa2_num_add_i64(INT64_MIN, -1, &r), FA2_ERR_TOO_LARGE);
	CHECK_INT_EQ(r, 5);
	CHECK_OK(fa2_num_add_i64(INT64_MAX, INT64_MIN, &r));
	CHECK_INT_EQ(r, -1);
	CHECK_INT_EQ(fa2_num_mul_i64(INT64_MAX / 2 + 1, 2, &r), FA2_ERR_TOO_LARGE);
	CHECK_INT_EQ(fa2_num_mul_i64(INT64_MIN, -1, &r), FA2_ERR_TOO_LARGE);
	CHECK_INT_EQ(fa2_num_mul_i64(-1, INT64_MIN, &r), FA2_ERR_TOO_LARGE);
	CHECK_INT_EQ(fa2_num_mul_i64(-4611686018427387905LL, 2, &r), FA2_ERR_TOO_LARGE);
	CHECK_OK(fa2_num_mul_i64(-4611686018427387904LL, 2, &r));
	CHECK(r == INT64_MIN);
	CHECK_OK(fa2_num_mul_i64(-3, -4, &r));
	CHECK_INT_EQ(r, 12);
	CHECK_OK(fa2_num_mul_i64(0, INT64_MIN, &r));
	CHECK_INT_EQ(r, 0);
	CHECK(fa2_num_sat_add_i64(INT64_MAX, 10) == INT64_MAX);
	CHECK(fa2_num_sat_add_i64(INT64_MIN, -10) == INT64_MIN);
	CHECK(fa2_num_sat_mul_i64(100000000000000000LL, 1000) == INT64_MAX);
	CHECK(fa2_num_sat_mul_i64(INT64_MIN, 1000) == INT64_MIN);
	CHECK(fa2_num_sat_mul_i64(INT64_MIN, -1) == INT64_MAX);
	CHECK_INT_EQ(fa2_num_sat_mul_i64(-7, 6), -42);
	CHECK(fa2_num_epoch_clamp_s(INT64_MIN) == 0);
	CHECK(fa2_num_epoch_clamp_s(INT64_MAX) == FA2_NUM_EPOCH_MAX_S);
	CHECK(fa2_num_epoch_clamp_ms(INT64_MAX) == FA2_NUM_EPOCH_MAX_MS);
	CHECK_INT_EQ(fa2_num_epoch_clamp_ms(1234), 1234);
}

/* The Slack ts shapes of the attack run: huge, INT64_MIN, non-numeric, exponent. */
FA2_TEST(num_epoch_from_text)
{
	int64_t s = 9;
	char buf[40];

	CHECK_OK(fa2_num_parse_epoch_s(S("1764057600.000200"), &s));
	CHECK_INT_EQ(s, 1764057600);
	CHECK_OK(fa2_num_parse_epoch_s(S("1.7640576e9"), &s));
	CHECK_INT_EQ(s, 1764057600);
	CHECK_INT_EQ(fa2_num_parse_epoch_s(S("100000000000000000"), &s), FA2_ERR_TOO_LARGE);
	CHECK_INT_EQ(fa2_num_parse_epoch_s(S("-9223372036854775808"), &s), FA2_ERR_TOO_LARGE);
	CHECK_INT_EQ(fa2_num_parse_epoch_s(S("1e400"), &s), FA2_ERR_TOO_LARGE);
	CHECK_INT_EQ(fa2_num_parse_epoch_s(S("253402300800"), &s), FA2_ERR_TOO_LARGE);
	CHECK_INT_EQ(fa2_num_parse_epoch_s(S("abc"), &s), FA2_ERR_PARSE);
	CHECK_INT_EQ(s, 1764057600);
	/* formatting refuses (instead of overflowing on) anything outside years 0..9999 */
	CHECK_INT_EQ(fa2_time_format_rfc3339(INT64_MAX, 540, 1, buf, sizeof buf), 0);
	CHECK_INT_EQ(fa2_time_format_rfc3339(INT64_MIN, -540, 1, buf, sizeof buf), 0);
	CHECK_INT_EQ(fa2_time_format_rfc3339(FA2_NUM_EPOCH_MAX_MS, 0, 1, buf, sizeof buf), 24);
	CHECK_STR_EQ(buf, "9999-12-31T23:59:59.999Z");
}

FA2_TEST(num_json_i64)
{
	cJSON *j = fa2_json_parse(S("{\"a\":1e400,\"b\":-1e400,\"c\":12.9,\"d\":\"7\",\"e\":1e18,\"f\":-5}"), NULL);
	int64_t v = 0;
	double d = 0;
	CHECK(j != NULL);
	CHECK(!fa2_json_num(j, "a", &d));  /* cJSON reads 1e400 as infinity */
	CHECK(!fa2_json_i64(j, "a", INT64_MIN, INT64_MAX, &v));
	CHECK(!fa2_json_i64(j, "b", INT64_MIN, INT64_MAX, &v));
	CHECK(fa2_json_i64(j, "c", 0, 100, &v));
	CHECK_INT_EQ(v, 12);
	CHECK(!fa2_json_i64(j, "d", 0, 100, &v));
	CHECK(!fa2_json_i64(j, "e", 0, FA2_NUM_EPOCH_MAX_S, &v));
	CHECK(!fa2_json_i64(j, "f", 0, 100, &v));
	CHECK(!fa2_json_i64(j, "missing", 0, 100, &v));
	CHECK_INT_EQ(v, 12);
	cJSON_Delete(j);
}
