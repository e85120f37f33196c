/* Unit tests for src/base: buffers, slices, numbers, errors, logging, time, files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/file.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/slice.h"
#include "base/time.h"
#include "test.h"

FA2_TEST(buf_append_and_cap)
{
	fa2_buf b;
	fa2_buf_init(&b, 10);
	CHECK_OK(fa2_buf_append_cstr(&b, "hello"));
	CHECK_OK(fa2_buf_appendf(&b, "%d", 1234));
	CHECK_INT_EQ(b.len, 9);
	CHECK_STR_EQ(b.data, "hello1234");
	CHECK_INT_EQ(fa2_buf_append_cstr(&b, "ab"), FA2_ERR_TOO_LARGE);
	CHECK_STR_EQ(b.data, "hello1234"); /* unchanged on failure */
	CHECK_OK(fa2_buf_append_byte(&b, '!'));
	CHECK_INT_EQ(b.len, 10);
	CHECK_INT_EQ(fa2_buf_append_byte(&b, '!'), FA2_ERR_TOO_LARGE);
	fa2_buf_consume(&b, 5);
	CHECK_STR_EQ(b.data, "1234!");
	fa2_buf_truncate(&b, 2);
	CHECK_SLICE_EQ(fa2_buf_slice(&b), "12");
	fa2_buf_cleanup(&b);
	CHECK(b.data == NULL);
}

FA2_TEST(buf_appendf_long)
{
	fa2_buf b;
	char big[1000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	fa2_buf_init(&b, 100000);
	CHECK_OK(fa2_buf_appendf(&b, "[%s]", big));
	CHECK_INT_EQ(b.len, 1001);
	CHECK(b.data[0] == '[' && b.data[1000] == ']' && b.data[1001] == '\0');
	fa2_buf_cleanup(&b);
	fa2_buf_init(&b, 50);
	CHECK_INT_EQ(fa2_buf_appendf(&b, "%s", big), FA2_ERR_TOO_LARGE);
	CHECK_INT_EQ(b.len, 0);
	fa2_buf_cleanup(&b);
}

FA2_TEST(buf_steal_and_binary)
{
	fa2_buf b;
	size_t n;
	char *s;
	fa2_buf_init(&b, 64);
	CHECK_OK(fa2_buf_append(&b, "a\0b", 3));
	CHECK_INT_EQ(b.len, 3);
	s = fa2_buf_steal(&b, &n);
	CHECK(s && n == 3 && s[1] == '\0' && s[2] == 'b');
	CHECK(b.data == NULL && b.len == 0);
	fa2_free(s);
	s = fa2_buf_steal(&b, &n);
	CHECK(s && n == 0 && s[0] == '\0');
	fa2_free(s);
}

static void torture_buf(void *ctx)
{
	fa2_buf b;
	int i;
	(void)ctx;
	fa2_buf_init(&b, 1 << 20);
	for (i = 0; i < 200; i++) {
		if (fa2_buf_appendf(&b, "line %d of the torture test\n", i) != FA2_OK)
			break;
	}
	fa2_buf_cleanup(&b);
}

FA2_TEST(buf_alloc_failure_injection)
{
	fa2_buf b;
	unsigned long runs;
	fa2_buf_init(&b, 100);
	fa2_alloc_fail_after(0);
	CHECK_INT_EQ(fa2_buf_append_cstr(&b, "x"), FA2_ERR_NOMEM);
	CHECK_INT_EQ(fa2_alloc_injected_failures(), 1);
	fa2_alloc_fail_reset();
	CHECK_OK(fa2_buf_append_cstr(&b, "x"));
	fa2_buf_cleanup(&b);
	runs = fa2_test_alloc_torture(torture_buf, NULL);
	CHECK(runs > 3);
}

FA2_TEST(slice_basics)
{
	fa2_slice s = FA2_SLICE_LIT("  Hello, World \r\n");
	fa2_slice h, r;
	s = fa2_slice_trim(s);
	CHECK_SLICE_EQ(s, "Hello, World");
	CHECK(fa2_slice_eq_ci(s, FA2_SLICE_LIT("hello, world")));
	CHECK(!fa2_slice_eq_ci(s, FA2_SLICE_LIT("hello, worl")));
	CHECK(fa2_slice_starts_with(s, FA2_SLICE_LIT("Hell")));
	CHECK(fa2_slice_ends_with(s, FA2_SLICE_LIT("World")));
	CHECK_INT_EQ(fa2_slice_find(s, FA2_SLICE_LIT("World")), 7);
	CHECK_INT_EQ(fa2_slice_find(s, FA2_SLICE_LIT("world")), -1);
	CHECK_INT_EQ(fa2_slice_find_char(s, ','), 5);
	CHECK(fa2_slice_split(s, ',', &h, &r));
	CHECK_SLICE_EQ(h, "Hello");
	CHECK_SLICE_EQ(r, " World");
	CHECK(!fa2_slice_split(h, ',', &h, &r));
	CHECK_SLICE_EQ(h, "Hello");
	CHECK_INT_EQ(r.len, 0);
	CHECK_SLICE_EQ(fa2_slice_sub(s, 7, 100), "World");
	CHECK_SLICE_EQ(fa2_slice_sub(s, 100, 1), "");
	CHECK_INT_EQ(fa2_slice_cstr(NULL).len, 0);
}

FA2_TEST(parse_numbers)
{
	uint64_t u;
	int64_t i;
	long long r;
	CHECK_OK(fa2_parse_u64(FA2_SLICE_LIT("18446744073709551615"), &u));
	CHECK(u == UINT64_MAX);
	CHECK_INT_EQ(fa2_parse_u64(FA2_SLICE_LIT("18446744073709551616"), &u), FA2_ERR_TOO_LARGE);
	CHECK_INT_EQ(fa2_parse_u64(FA2_SLICE_LIT(""), &u), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_parse_u64(FA2_SLICE_LIT("12a"), &u), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_parse_u64(FA2_SLICE_LIT("-1"), &u), FA2_ERR_PARSE);
	CHECK_OK(fa2_parse_i64(FA2_SLICE_LIT("-9223372036854775808"), &i));
	CHECK(i == INT64_MIN);
	CHECK_INT_EQ(fa2_parse_i64(FA2_SLICE_LIT("9223372036854775808"), &i), FA2_ERR_TOO_LARGE);
	CHECK_OK(fa2_parse_i64(FA2_SLICE_LIT("+42"), &i));
	CHECK_INT_EQ(i, 42);
	CHECK_INT_EQ(fa2_parse_i64(FA2_SLICE_LIT("-"), &i), FA2_ERR_PARSE);
	CHECK_OK(fa2_parse_int_range(FA2_SLICE_LIT("14"), 1, 14, &r));
	CHECK_INT_EQ(fa2_parse_int_range(FA2_SLICE_LIT("15"), 1, 14, &r), FA2_ERR_TOO_LARGE);
}

FA2_TEST(err_strings)
{
	int e;
	for (e = 0; e < FA2_ERR__COUNT; e++) {
		CHECK(fa2_err_str((fa2_err)e)[0] != '\0');
		CHECK(strncmp(fa2_err_name((fa2_err)e), "FA2_", 4) == 0);
	}
	CHECK_STR_EQ(fa2_err_str(FA2_ERR_TOO_LARGE), "size limit exceeded");
	CHECK_STR_EQ(fa2_err_name(FA2_ERR_TIMEOUT), "FA2_ERR_TIMEOUT");
	CHECK_STR_EQ(fa2_err_str((fa2_err)9999), "unknown error");
}

/* Reads what the logger wrote to a pipe. */
static size_t drain(int fd, char *out, size_t cap)
{
	ssize_t n = read(fd, out, cap - 1);
	if (n < 0)
		n = 0;
	out[n] = '\0';
	return (size_t)n;
}

FA2_TEST(log_redacts_secrets_text_and_json)
{
	int p[2];
	char out[4096];
	CHECK(pipe(p) == 0);
	fa2_log_set_fd(p[1]);
	fa2_log_set_level(FA2_LOG_INFO);
	fa2_log_clear_secrets();
	CHECK_OK(fa2_log_add_secret(FA2_SLICE_LIT("xoxb-123-SECRET")));
	CHECK_OK(fa2_log_add_secret(FA2_SLICE_LIT("wJalrXUtnFEMI/K7MDENG")));
	CHECK_OK(fa2_log_add_secret(FA2_SLICE_LIT("ab"))); /* too short: ignored, not an error */
	fa2_log(FA2_LOG_INFO, "slack", "token=%s and key %s, ab", "xoxb-123-SECRET", "wJalrXUtnFEMI/K7MDENG");
	drain(p[0], out, sizeof out);
	CHECK_MSG(strstr(out, "SECRET") == NULL, "secret leaked: %s", out);
	CHECK_MSG(strstr(out, "wJalr") == NULL, "secret leaked: %s", out);
	CHECK(strstr(out, "token=[REDACTED] and key [REDACTED], ab") != NULL);
	CHECK(strstr(out, " info  slack: ") != NULL);

	fa2_log_set_format(FA2_LOG_JSON);
	fa2_log(FA2_LOG_WARN, "aws", "quote \" newline \n secret xoxb-123-SECRET");
	drain(p[0], out, sizeof out);
	fa2_log_set_format(FA2_LOG_TEXT);
	{
		cJSON *j = fa2_json_parse(fa2_slice_cstr(out), NULL);
		CHECK_MSG(j != NULL, "not JSON: %s", out);
		CHECK_STR_EQ(fa2_json_str(j, "level"), "warn");
		CHECK_STR_EQ(fa2_json_str(j, "module"), "aws");
		CHECK_STR_EQ(fa2_json_str(j, "msg"), "quote \" newline \n secret [REDACTED]");
		cJSON_Delete(j);
	}
	fa2_log(FA2_LOG_DEBUG, "x", "not shown");
	fa2_log_set_fd(2);
	close(p[1]);
	CHECK_INT_EQ(drain(p[0], out, sizeof out), 0);
	close(p[0]);
	fa2_log_clear_secrets();
	fa2_log_set_level(FA2_LOG_ERROR);
}

FA2_TEST(log_redact_truncates_safely)
{
	char out[8];
	fa2_log_clear_secrets();
	CHECK_OK(fa2_log_add_secret(FA2_SLICE_LIT("secret")));
	CHECK_INT_EQ(fa2_log_redact("a secret", 8, out, sizeof out), 7);
	CHECK_STR_EQ(out, "a [REDA");
	fa2_log_clear_secrets();
}

/* A secret across the old 8191-byte cut: the whole message is redacted before the
 * record is cut, so not even the secret's prefix reaches the log. */
FA2_TEST(log_redacts_before_truncating)
{
	static const char secret[] = "SESSIONTOKENabcdef0123456789";
	static char big[20000], out[20000];
	int p[2];
	size_t n;
	CHECK(pipe(p) == 0);
	fa2_log_set_fd(p[1]);
	fa2_log_set_level(FA2_LOG_INFO);
	fa2_log_clear_secrets();
	CHECK_OK(fa2_log_add_secret(fa2_slice_cstr(secret)));
	memset(big, 'A', sizeof big - 1);
	memcpy(big + 8180, secret, sizeof secret - 1); /* after "body: ": bytes 8186.. of the message, across 8191 */
	fa2_log(FA2_LOG_INFO, "llm", "body: %s", big);
	n = drain(p[0], out, sizeof out);
	CHECK(n > 8000);
	CHECK_MSG(strstr(out, "SESSI") == NULL, "secret prefix leaked at the cut");
	fa2_log_set_format(FA2_LOG_JSON);
	fa2_log(FA2_LOG_INFO, "llm", "body: %s", big);
	n = drain(p[0], out, sizeof out);
	fa2_log_set_format(FA2_LOG_TEXT);
	CHECK(n > 8000);
	CHECK_MSG(strstr(out, "SESSI") == NULL, "secret prefix leaked at the cut (JSON)");
	fa2_log_set_fd(2);
	close(p[0]);
	close(p[1]);
	fa2_log_clear_secrets();
	fa2_log_set_level(FA2_LOG_ERROR);
}

FA2_TEST(redact_whole_buffers)
{
	fa2_buf b;
	fa2_log_clear_secrets();
	CHECK_OK(fa2_log_add_secret(FA2_SLICE_LIT("k3y!")));
	CHECK_OK(fa2_log_add_secret(FA2_SLICE_LIT("sk-live-0123456789")));
	fa2_buf_init(&b, 1024);
	/* at the start, adjacent, overlapping text, at the very end */
	CHECK_OK(fa2_redact(FA2_SLICE_LIT("k3y!k3y! x sk-live-012345678 sk-live-0123456789"), &b));
	CHECK_STR_EQ(b.data, "[REDACTED][REDACTED] x sk-live-012345678 [REDACTED]");
	CHECK(fa2_redact_has(FA2_SLICE_LIT("..k3y!")));
	CHECK(!fa2_redact_has(FA2_SLICE_LIT("k3y")));
	fa2_buf_cleanup(&b);
	/* the output cap applies after redaction: a too-small buffer is an error, not a cut secret */
	fa2_buf_init(&b, 12);
	CHECK_INT_EQ(fa2_redact(FA2_SLICE_LIT("ab k3y! k3y!"), &b), FA2_ERR_TOO_LARGE);
	fa2_buf_cleanup(&b);
	/* in place: grows past the buffer's cap when it has to */
	fa2_buf_init(&b, 8);
	CHECK_OK(fa2_buf_append_cstr(&b, "k3y!k3y!"));
	CHECK_OK(fa2_redact_buf(&b));
	CHECK_STR_EQ(b.data, "[REDACTED][REDACTED]");
	fa2_buf_cleanup(&b);
	CHECK(FA2_REDACT_CAP(8) >= 20);
	fa2_log_clear_secrets();
	fa2_buf_init(&b, 64);
	CHECK_OK(fa2_redact(FA2_SLICE_LIT("k3y! stays without secrets"), &b));
	CHECK_STR_EQ(b.data, "k3y! stays without secrets");
	fa2_buf_cleanup(&b);
}

FA2_TEST(log_parse_level)
{
	fa2_log_level l;
	CHECK_OK(fa2_log_parse_level(FA2_SLICE_LIT("DEBUG"), &l));
	CHECK_INT_EQ(l, FA2_LOG_DEBUG);
	CHECK_OK(fa2_log_parse_level(FA2_SLICE_LIT("warning"), &l));
	CHECK_INT_EQ(l, FA2_LOG_WARN);
	CHECK_INT_EQ(fa2_log_parse_level(FA2_SLICE_LIT("loud"), &l), FA2_ERR_INVALID);
}

static int64_t T(const char *s, int def_off)
{
	int64_t v = -1;
	/* now = 2026-11-25T08:00:00Z */
	if (fa2_time_parse(fa2_slice_cstr(s), 1795593600000LL, def_off, &v) != FA2_OK)
		return -1;
	return v;
}

FA2_TEST(time_civil_roundtrip)
{
	int64_t d, y;
	unsigned m, dd;
	CHECK_INT_EQ(fa2_time_days_from_civil(1970, 1, 1), 0);
	CHECK_INT_EQ(fa2_time_days_from_civil(2000, 3, 1), 11017);
	CHECK_INT_EQ(fa2_time_days_from_civil(1969, 12, 31), -1);
	for (d = -800000; d < 800000; d += 997) {
		fa2_time_civil_from_days(d, &y, &m, &dd);
		CHECK_INT_EQ(fa2_time_days_from_civil(y, m, dd), d);
	}
}

FA2_TEST(time_parse_absolute)
{
	CHECK_INT_EQ(T("2026-11-25T08:00:00Z", 0), 1795593600000LL);
	CHECK_INT_EQ(T("2026-11-25T08:00:00+09:00", 0), 1795593600000LL - 9 * 3600000LL);
	CHECK_INT_EQ(T("2026-11-25T17:00:00+09:00", 0), 1795593600000LL);
	CHECK_INT_EQ(T("2026-11-25t08:00:00.5z", 0), 1795593600500LL);
	CHECK_INT_EQ(T("2026-11-25T08:00:00.123456Z", 0), 1795593600123LL);
	CHECK_INT_EQ(T("2026-11-25 08:00:00.000", 0), 1795593600000LL); /* Logs Insights */
	CHECK_INT_EQ(T("2026-11-25 17:00", 540), 1795593600000LL);       /* default offset */
	CHECK_INT_EQ(T("2026-11-25T03:00:00-05:00", 0), 1795593600000LL);
	CHECK_INT_EQ(T("2026-11-25T13:30:00+0530", 0), 1795593600000LL);
	CHECK_INT_EQ(T("2026-11-25", 0), 1795564800000LL);
	CHECK_INT_EQ(T("2024-02-29T00:00:00Z", 0), 1709164800000LL);
	CHECK_INT_EQ(T("1970-01-01T00:00:00Z", 0), 0);
	CHECK_INT_EQ(T("2023-02-29T00:00:00Z", 0), -1);
	CHECK_INT_EQ(T("2026-13-01T00:00:00Z", 0), -1);
	CHECK_INT_EQ(T("2026-11-25T24:00:00Z", 0), -1);
	CHECK_INT_EQ(T("2026-11-25T08:00:00+25:00", 0), -1);
	CHECK_INT_EQ(T("2026-11-25T08:00:00 junk", 0), -1);
	CHECK_INT_EQ(T("2026-11-25T08", 0), -1);
	CHECK_INT_EQ(T("yesterday", 0), -1);
}

FA2_TEST(time_parse_relative)
{
	const int64_t now = 1795593600000LL;
	CHECK_INT_EQ(T("now", 0), now);
	CHECK_INT_EQ(T("NOW", 0), now);
	CHECK_INT_EQ(T("-30m", 0), now - 30 * 60000LL);
	CHECK_INT_EQ(T("now-30m", 0), now - 30 * 60000LL);
	CHECK_INT_EQ(T("+1h", 0), now + 3600000LL);
	CHECK_INT_EQ(T("-2d", 0), now - 2 * 86400000LL);
	CHECK_INT_EQ(T("-1h30m", 0), now - 90 * 60000LL);
	CHECK_INT_EQ(T("-90", 0), now - 90000LL);
	CHECK_INT_EQ(T("-1w", 0), now - 7 * 86400000LL);
	CHECK_INT_EQ(T("-5x", 0), -1);
	CHECK_INT_EQ(T("-", 0), -1);
	CHECK_INT_EQ(T("-m", 0), -1);
	CHECK_INT_EQ(T("-99999999999999999999d", 0), -1);
	CHECK_INT_EQ(T("1795593600", 0), now);
	CHECK_INT_EQ(T("1795593600000", 0), now);
}

FA2_TEST(time_parse_offset)
{
	int o;
	CHECK_OK(fa2_time_parse_offset(FA2_SLICE_LIT("+09:00"), &o)); CHECK_INT_EQ(o, 540);
	CHECK_OK(fa2_time_parse_offset(FA2_SLICE_LIT("-0530"), &o)); CHECK_INT_EQ(o, -330);
	CHECK_OK(fa2_time_parse_offset(FA2_SLICE_LIT("+9"), &o)); CHECK_INT_EQ(o, 540);
	CHECK_OK(fa2_time_parse_offset(FA2_SLICE_LIT("UTC"), &o)); CHECK_INT_EQ(o, 0);
	CHECK_OK(fa2_time_parse_offset(FA2_SLICE_LIT("jst"), &o)); CHECK_INT_EQ(o, 540);
	CHECK_OK(fa2_time_parse_offset(FA2_SLICE_LIT("UTC-03:30"), &o)); CHECK_INT_EQ(o, -210);
	CHECK_OK(fa2_time_parse_offset(FA2_SLICE_LIT("PDT"), &o)); CHECK_INT_EQ(o, -420);
	CHECK(fa2_time_parse_offset(FA2_SLICE_LIT("+19:00"), &o) != FA2_OK);
	CHECK(fa2_time_parse_offset(FA2_SLICE_LIT("Mars/Olympus"), &o) != FA2_OK);
	CHECK(fa2_time_parse_offset(FA2_SLICE_LIT("+09:7"), &o) != FA2_OK);
}

FA2_TEST(time_format)
{
	char b[40];
	CHECK(fa2_time_format_rfc3339(1795593600000LL, 0, 0, b, sizeof b) > 0);
	CHECK_STR_EQ(b, "2026-11-25T08:00:00Z");
	CHECK(fa2_time_format_rfc3339(1795593600123LL, 540, 1, b, sizeof b) > 0);
	CHECK_STR_EQ(b, "2026-11-25T17:00:00.123+09:00");
	CHECK(fa2_time_format_rfc3339(1795593600000LL, -330, 0, b, sizeof b) > 0);
	CHECK_STR_EQ(b, "2026-11-25T02:30:00-05:30");
	CHECK(fa2_time_format_rfc3339(-1, 0, 1, b, sizeof b) > 0);
	CHECK_STR_EQ(b, "1969-12-31T23:59:59.999Z");
	CHECK(fa2_time_format_human(1795593600000LL, 540, b, sizeof b) > 0);
	CHECK_STR_EQ(b, "2026-11-25 17:00");
	CHECK_INT_EQ(fa2_time_format_rfc3339(0, 0, 0, b, 10), 0);
}

FA2_TEST(time_roundtrip_random)
{
	unsigned i;
	unsigned long x = 12345;
	for (i = 0; i < 5000; i++) {
		char b[40];
		int64_t ms, back;
		int off;
		x = x * 6364136223846793005UL + 1442695040888963407UL;
		ms = (int64_t)((x >> 16) % 4102444800000ULL); /* 1970 .. 2100 */
		off = (int)((x >> 8) % (14 * 60 * 2)) - 14 * 60;
		CHECK(fa2_time_format_rfc3339(ms, off, 1, b, sizeof b) > 0);
		CHECK_OK(fa2_time_parse(fa2_slice_cstr(b), 0, 0, &back));
		CHECK_MSG(back == ms, "%s: %lld != %lld", b, (long long)back, (long long)ms);
	}
}

FA2_TEST(file_atomic_write_and_read)
{
	char path[600];
	fa2_buf b;
	struct stat st;
	snprintf(path, sizeof path, "%s/a/b/c", fa2_test_tmpdir());
	CHECK_OK(fa2_mkdir_p(path, 0700));
	CHECK_OK(fa2_mkdir_p(path, 0700)); /* again: fine */
	snprintf(path, sizeof path, "%s/a/b/c/summary.json", fa2_test_tmpdir());
	CHECK_OK(fa2_file_write_atomic(path, "{\"v\":1}", 7, 0600));
	CHECK_OK(fa2_file_write_atomic(path, "{\"v\":2}", 7, 0600));
	CHECK(stat(path, &st) == 0);
	CHECK_INT_EQ(st.st_mode & 0777, 0600);
	fa2_buf_init(&b, 100);
	CHECK_OK(fa2_file_read_all(path, &b));
	CHECK_STR_EQ(b.data, "{\"v\":2}");
	fa2_buf_cleanup(&b);
	fa2_buf_init(&b, 6);
	CHECK_INT_EQ(fa2_file_read_all(path, &b), FA2_ERR_TOO_LARGE);
	fa2_buf_cleanup(&b);
	fa2_buf_init(&b, 7); /* exactly fits */
	CHECK_OK(fa2_file_read_all(path, &b));
	CHECK_INT_EQ(b.len, 7);
	fa2_buf_cleanup(&b);
	fa2_buf_init(&b, 100);
	snprintf(path, sizeof path, "%s/nope", fa2_test_tmpdir());
	CHECK_INT_EQ(fa2_file_read_all(path, &b), FA2_ERR_NOT_FOUND);
	CHECK_OK(fa2_file_append_sync(path, "a\n", 2, 0600));
	CHECK_OK(fa2_file_append_sync(path, "b\n", 2, 0600));
	CHECK_OK(fa2_file_read_all(path, &b));
	CHECK_STR_EQ(b.data, "a\nb\n");
	fa2_buf_cleanup(&b);
	/* no temporary files left behind */
	{
		char cmd[700];
		snprintf(cmd, sizeof cmd, "ls -a %s/a/b/c | grep -c tmp >/dev/null", fa2_test_tmpdir());
		CHECK(system(cmd) != 0);
	}
}

FA2_TEST(file_atomic_write_failure_leaves_old)
{
	char path[600];
	fa2_buf b;
	snprintf(path, sizeof path, "%s/missing-dir/x", fa2_test_tmpdir());
	CHECK_INT_EQ(fa2_file_write_atomic(path, "x", 1, 0600), FA2_ERR_IO);
	fa2_buf_init(&b, 10);
	CHECK_INT_EQ(fa2_file_read_all(path, &b), FA2_ERR_NOT_FOUND);
	fa2_buf_cleanup(&b);
}

FA2_TEST(json_hooks_and_escape)
{
	fa2_buf b;
	cJSON *j;
	fa2_buf_init(&b, 1000);
	CHECK_OK(fa2_json_append_string(&b, fa2_slice_make("a\"b\\c\n\x01\xe3\x81\x82", 10)));
	CHECK_STR_EQ(b.data, "\"a\\\"b\\\\c\\n\\u0001\xe3\x81\x82\"");
	j = fa2_json_parse(fa2_buf_slice(&b), NULL);
	CHECK(cJSON_IsString(j));
	CHECK(memcmp(j->valuestring, "a\"b\\c\n\x01", 7) == 0);
	cJSON_Delete(j);
	/* cJSON allocates through fa2's allocator: injection makes it fail cleanly. */
	fa2_alloc_fail_after(0);
	j = fa2_json_parse(FA2_SLICE_LIT("{\"a\":[1,2,3]}"), NULL);
	CHECK(j == NULL);
	CHECK(fa2_alloc_injected_failures() > 0);
	fa2_alloc_fail_reset();
	fa2_buf_cleanup(&b);
}
