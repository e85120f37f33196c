/* Unit-test harness. A test is `FA2_TEST(name) { ... }` in any C file under tests/unit;
 * tools/gen-unit-table.sh collects them into the runner's name -> function table.
 * CHECK* macros record the first failure and return from the test. */
#ifndef FA2_TESTS_UNIT_TEST_H
#define FA2_TESTS_UNIT_TEST_H

#include <stdint.h>
#include <string.h>

#include "base/slice.h"

#define FA2_TEST(name) void fa2_test_##name(void); void fa2_test_##name(void)

void fa2_test_fail(const char *file, int line, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
int fa2_test_failed(void);
/* Path of a file under the shared test data (FA2_TESTDATA or ../shared/testdata). */
const char *fa2_test_data(const char *rel, char *out, size_t cap);
/* A fresh temporary directory for this test (removed by the runner afterwards). */
const char *fa2_test_tmpdir(void);
/* Marks the current test skipped with a reason (e.g. test data absent); then return. */
void fa2_test_skip(const char *why);

/* Runs fn(ctx) with allocation failure injected at the 0th, 1st, 2nd ... allocation
 * until a run completes without any injected failure. fn must cope with every failure
 * (return an error, leak nothing: ASan checks). Returns the number of runs. */
unsigned long fa2_test_alloc_torture(void (*fn)(void *ctx), void *ctx);

#define CHECK(cond) do { \
	if (!(cond)) { fa2_test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond); return; } \
} while (0)

#define CHECK_MSG(cond, ...) do { \
	if (!(cond)) { fa2_test_fail(__FILE__, __LINE__, __VA_ARGS__); return; } \
} while (0)

#define CHECK_INT_EQ(a, b) do { \
	long long a_ = (long long)(a), b_ = (long long)(b); \
	if (a_ != b_) { fa2_test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, a_, b_); return; } \
} while (0)

#define CHECK_STR_EQ(a, b) do { \
	const char *a_ = (a), *b_ = (b); \
	if (!a_ || !b_ || strcmp(a_, b_) != 0) { \
		fa2_test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
		return; } \
} while (0)

#define CHECK_SLICE_EQ(s, cstr) do { \
	fa2_slice s_ = (s); const char *c_ = (cstr); \
	if (!fa2_slice_eq_cstr(s_, c_)) { \
		fa2_test_fail(__FILE__, __LINE__, "%s == \"%s\": got \"%.*s\"", #s, c_, FA2_SLICE_FMT(s_)); return; } \
} while (0)

#define CHECK_OK(expr) do { \
	int e_ = (int)(expr); \
	if (e_ != 0) { fa2_test_fail(__FILE__, __LINE__, "%s failed: error %d", #expr, e_); return; } \
} while (0)

#endif
