/* Unit tests for src/base/tz.c: TZif files from the system's zoneinfo (tzdata), POSIX TZ
 * rules, local-time conversion and formatting, checked against known instants and
 * against the system's own `date` for many instants. Tests that need a zone file skip
 * with a message when it is absent (install tzdata: tools/setup-deps.sh test). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent/config.h"
#include "agent/report.h"
#include "base/limits.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/time.h"
#include "base/tz.h"
#include "test.h"

/* Zones are large values (the transition table): kept out of the stack. */
static fa2_tz Z, Z2;

/* Loads name into z, or marks the test skipped (returns 0) when the file is absent. */
static int load_or_skip(const char *name, fa2_tz *z)
{
	char why[256];
	fa2_err e = fa2_tz_load(fa2_slice_cstr(name), z);
	if (e == FA2_ERR_NOT_FOUND) {
		snprintf(why, sizeof why, "zone file %s absent under %s (install tzdata)", name,
			 getenv("TZDIR") ? getenv("TZDIR") : "/usr/share/zoneinfo");
		fa2_test_skip(why);
		return 0;
	}
	if (e) {
		fa2_test_fail(__FILE__, __LINE__, "fa2_tz_load(%s): %s", name, fa2_err_str(e));
		return 0;
	}
	return 1;
}

static int64_t utc_ms(int y, unsigned mo, unsigned d, unsigned h, unsigned mi)
{
	return ((fa2_time_days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000LL;
}

static void info_at(const fa2_tz *z, int64_t ms, fa2_tz_info *i) { fa2_tz_lookup(z, ms, i); }

FA2_TEST(tz_tokyo)
{
	fa2_tz_info i;
	char buf[64];
	if (!load_or_skip("Asia/Tokyo", &Z))
		return;
	CHECK_STR_EQ(Z.name, "Asia/Tokyo");
	info_at(&Z, utc_ms(2026, 11, 25, 8, 0), &i);
	CHECK_INT_EQ(i.off_s, 9 * 3600);
	CHECK_INT_EQ(i.is_dst, 0);
	CHECK_STR_EQ(i.abbr, "JST");
	CHECK(fa2_tz_format_human(&Z, utc_ms(2026, 11, 25, 8, 0), buf, sizeof buf) > 0);
	CHECK_STR_EQ(buf, "2026-11-25 17:00 JST (+09:00)");
	CHECK(fa2_tz_format_rfc3339(&Z, utc_ms(2026, 11, 25, 8, 0), 0, buf, sizeof buf) > 0);
	CHECK_STR_EQ(buf, "2026-11-25T17:00:00+09:00");
	/* Japan kept daylight saving time 1948-1951: JDT +10:00 in summer 1950. */
	info_at(&Z, utc_ms(1950, 7, 1, 0, 0), &i);
	CHECK_INT_EQ(i.off_s, 10 * 3600);
	CHECK_STR_EQ(i.abbr, "JDT");
	CHECK_INT_EQ(fa2_tz_offset_min(&Z, utc_ms(1950, 12, 1, 0, 0)), 540);
}

FA2_TEST(tz_new_york_dst)
{
	fa2_tz_info i;
	char buf[64];
	/* 2026: EDT from 2026-03-08 07:00Z (02:00 EST) to 2026-11-01 06:00Z (02:00 EDT). */
	const int64_t spring = utc_ms(2026, 3, 8, 7, 0), fall = utc_ms(2026, 11, 1, 6, 0);
	if (!load_or_skip("America/New_York", &Z))
		return;
	info_at(&Z, spring - 1000, &i);
	CHECK_INT_EQ(i.off_s, -5 * 3600);
	CHECK_STR_EQ(i.abbr, "EST");
	info_at(&Z, spring, &i);
	CHECK_INT_EQ(i.off_s, -4 * 3600);
	CHECK_STR_EQ(i.abbr, "EDT");
	CHECK_INT_EQ(i.is_dst, 1);
	info_at(&Z, fall - 1, &i);
	CHECK_STR_EQ(i.abbr, "EDT");
	info_at(&Z, fall, &i);
	CHECK_STR_EQ(i.abbr, "EST");
	CHECK(fa2_tz_format_human(&Z, utc_ms(2026, 7, 4, 16, 30), buf, sizeof buf) > 0);
	CHECK_STR_EQ(buf, "2026-07-04 12:30 EDT (-04:00)");
	/* Local times: 02:30 on the spring night does not exist (read as 03:30 EDT); 01:30 on
	 * the autumn night happens twice (the first, EDT, is taken). */
	CHECK_INT_EQ(fa2_tz_local_to_utc(&Z, utc_ms(2026, 3, 8, 2, 30)), utc_ms(2026, 3, 8, 7, 30));
	CHECK_INT_EQ(fa2_tz_local_to_utc(&Z, utc_ms(2026, 11, 1, 1, 30)), utc_ms(2026, 11, 1, 5, 30));
	CHECK_INT_EQ(fa2_tz_local_to_utc(&Z, utc_ms(2026, 11, 1, 2, 30)), utc_ms(2026, 11, 1, 7, 30));
	CHECK_INT_EQ(fa2_tz_local_to_utc(&Z, utc_ms(2026, 1, 10, 9, 0)), utc_ms(2026, 1, 10, 14, 0));
}

FA2_TEST(tz_london_and_lord_howe)
{
	fa2_tz_info i;
	char buf[64];
	if (!load_or_skip("Europe/London", &Z) || !load_or_skip("Australia/Lord_Howe", &Z2))
		return;
	info_at(&Z, utc_ms(2026, 6, 1, 12, 0), &i);
	CHECK_INT_EQ(i.off_s, 3600);
	CHECK_STR_EQ(i.abbr, "BST");
	info_at(&Z, utc_ms(2026, 12, 1, 12, 0), &i);
	CHECK_INT_EQ(i.off_s, 0);
	CHECK_STR_EQ(i.abbr, "GMT");
	/* Lord Howe Island: +10:30 in winter, a 30-minute daylight shift to +11:00 in summer
	 * (from 2026-10-04 02:00 local = 2026-10-03 15:30Z). */
	info_at(&Z2, utc_ms(2026, 7, 1, 0, 0), &i);
	CHECK_INT_EQ(i.off_s, 10 * 3600 + 1800);
	CHECK_INT_EQ(i.is_dst, 0);
	info_at(&Z2, utc_ms(2026, 1, 15, 0, 0), &i);
	CHECK_INT_EQ(i.off_s, 11 * 3600);
	CHECK_INT_EQ(i.is_dst, 1);
	CHECK_INT_EQ(fa2_tz_offset_min(&Z2, utc_ms(2026, 10, 3, 15, 29)), 630);
	CHECK_INT_EQ(fa2_tz_offset_min(&Z2, utc_ms(2026, 10, 3, 15, 30)), 660);
	CHECK(fa2_tz_format_human(&Z2, utc_ms(2026, 7, 1, 0, 0), buf, sizeof buf) > 0);
	CHECK_STR_EQ(buf, "2026-07-01 10:30 (+10:30)"); /* designation "+1030" repeats the offset */
}

FA2_TEST(tz_footer_after_last_transition)
{
	fa2_tz_info i;
	const int64_t summer = utc_ms(2090, 7, 1, 12, 0), winter = utc_ms(2090, 1, 15, 12, 0);
	if (!load_or_skip("America/New_York", &Z))
		return;
	CHECK(Z.has_rule);
	CHECK(Z.n_trans > 0 && Z.trans[Z.n_trans - 1] < summer / 1000 - 86400 * 365);
	info_at(&Z, summer, &i);
	CHECK_INT_EQ(i.off_s, -4 * 3600);
	CHECK_STR_EQ(i.abbr, "EDT");
	info_at(&Z, winter, &i);
	CHECK_INT_EQ(i.off_s, -5 * 3600);
	CHECK_STR_EQ(i.abbr, "EST");
	/* 2090-03-12 is the second Sunday of March: 02:00 EST = 07:00Z. */
	CHECK_INT_EQ(fa2_tz_offset_min(&Z, utc_ms(2090, 3, 12, 6, 59)), -300);
	CHECK_INT_EQ(fa2_tz_offset_min(&Z, utc_ms(2090, 3, 12, 7, 0)), -240);
	/* Southern hemisphere through the footer: Sydney's summer spans the new year. */
	if (!load_or_skip("Australia/Sydney", &Z2))
		return;
	CHECK_INT_EQ(fa2_tz_offset_min(&Z2, utc_ms(2091, 1, 1, 0, 0)), 660);
	CHECK_INT_EQ(fa2_tz_offset_min(&Z2, utc_ms(2090, 12, 31, 23, 0)), 660);
	CHECK_INT_EQ(fa2_tz_offset_min(&Z2, utc_ms(2090, 6, 30, 0, 0)), 600);
}

FA2_TEST(tz_fixed_offsets)
{
	char buf[64];
	fa2_tz_info i;
	const int64_t t = utc_ms(2026, 11, 25, 8, 0);
	CHECK_OK(fa2_tz_load(FA2_SLICE_LIT("+09:00"), &Z));
	CHECK_STR_EQ(Z.name, "+09:00");
	CHECK(fa2_tz_format_human(&Z, t, buf, sizeof buf) > 0);
	CHECK_STR_EQ(buf, "2026-11-25 17:00 (+09:00)");
	CHECK_OK(fa2_tz_load(FA2_SLICE_LIT("-0530"), &Z));
	CHECK_INT_EQ(fa2_tz_offset_min(&Z, t), -330);
	CHECK(fa2_tz_format_rfc3339(&Z, t, 0, buf, sizeof buf) > 0);
	CHECK_STR_EQ(buf, "2026-11-25T02:30:00-05:30");
	CHECK_OK(fa2_tz_load(FA2_SLICE_LIT("Z"), &Z));
	CHECK_STR_EQ(Z.name, "UTC");
	CHECK(fa2_tz_format_rfc3339(&Z, t, 0, buf, sizeof buf) > 0);
	CHECK_STR_EQ(buf, "2026-11-25T08:00:00Z");
	CHECK(fa2_tz_format_human(&Z, t, buf, sizeof buf) > 0);
	CHECK_STR_EQ(buf, "2026-11-25 08:00 UTC (+00:00)");
	CHECK_OK(fa2_tz_load(FA2_SLICE_LIT("utc"), &Z));
	CHECK_INT_EQ(fa2_tz_offset_min(&Z, t), 0);
	CHECK_OK(fa2_tz_load(FA2_SLICE_LIT("jst"), &Z));
	fa2_tz_lookup(&Z, t, &i);
	CHECK_INT_EQ(i.off_s, 9 * 3600);
	CHECK_STR_EQ(i.abbr, "JST");
	CHECK_STR_EQ(Z.name, "JST");
	CHECK(fa2_tz_format_human(&Z, t, buf, sizeof buf) > 0);
	CHECK_STR_EQ(buf, "2026-11-25 17:00 JST (+09:00)");
	/* A buffer too small is refused, not overrun. */
	CHECK_INT_EQ(fa2_tz_format_human(&Z, t, buf, 10), 0);
}

FA2_TEST(tz_names_validated)
{
	static const char *bad[] = { "../etc/passwd", "/etc/localtime", "Asia/../../etc/passwd",
				     "Asia//Tokyo", "Asia/Tokyo/", "./Asia/Tokyo", "Asia/To kyo",
				     "Asia/Tokyo\n/x", "-rf", "Asia/-x", "Europe/..", "" };
	char longname[300];
	size_t k;
	for (k = 0; k < sizeof bad / sizeof bad[0]; k++)
		CHECK_MSG(fa2_tz_load(fa2_slice_cstr(bad[k]), &Z) == FA2_ERR_INVALID, "'%s' accepted", bad[k]);
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	CHECK_INT_EQ(fa2_tz_load(fa2_slice_cstr(longname), &Z), FA2_ERR_INVALID);
	CHECK_INT_EQ(fa2_tz_load(FA2_SLICE_LIT("No_Such/Zone_Anywhere"), &Z), FA2_ERR_NOT_FOUND);
	if (!load_or_skip("Asia/Tokyo", &Z))
		return;
	/* A directory is no zone. */
	CHECK_INT_EQ(fa2_tz_load(FA2_SLICE_LIT("Asia"), &Z2), FA2_ERR_NOT_FOUND);
	/* A file that is not TZif is refused, and the zone is left as it was. */
	CHECK_INT_EQ(fa2_tz_load(FA2_SLICE_LIT("zone1970.tab"), &Z), FA2_ERR_PARSE);
	CHECK_STR_EQ(Z.name, "Asia/Tokyo");
}

/* Appends big-endian integers. */
static void put32(fa2_buf *b, int64_t v)
{
	unsigned char p[4];
	uint32_t u = (uint32_t)v;
	p[0] = (unsigned char)(u >> 24), p[1] = (unsigned char)(u >> 16);
	p[2] = (unsigned char)(u >> 8), p[3] = (unsigned char)u;
	(void)fa2_buf_append(b, p, 4);
}

static void put64(fa2_buf *b, int64_t v)
{
	put32(b, (int64_t)((uint64_t)v >> 32));
	put32(b, (int64_t)((uint64_t)v & 0xffffffffu));
}

static void header(fa2_buf *b, char version, uint32_t timecnt, uint32_t typecnt, uint32_t charcnt)
{
	(void)fa2_buf_append(b, "TZif", 4);
	(void)fa2_buf_append_byte(b, (unsigned char)version);
	(void)fa2_buf_append(b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 15);
	put32(b, 0), put32(b, 0), put32(b, 0); /* isut, isstd, leap */
	put32(b, timecnt), put32(b, typecnt), put32(b, charcnt);
}

/* A two-type zone ("AAA" +1 h, "BBB" +2 h daylight) with transitions at t[0..n). */
static void block(fa2_buf *b, int wide, const int64_t *t, const unsigned char *idx, uint32_t n)
{
	uint32_t k;
	for (k = 0; k < n; k++)
		wide ? put64(b, t[k]) : put32(b, t[k]);
	(void)fa2_buf_append(b, idx, n);
	put32(b, 3600), (void)fa2_buf_append(b, "\0\0", 2);
	put32(b, 7200), (void)fa2_buf_append(b, "\1\4", 2);
	(void)fa2_buf_append(b, "AAA\0BBB\0", 8);
}

FA2_TEST(tz_tzif_crafted)
{
	static const int64_t t[] = { 1000000, 2000000, 3000000 };
	static const unsigned char idx[] = { 1, 0, 1 };
	fa2_tz_info i;
	fa2_buf b;
	fa2_buf_init(&b, 1 << 16);

	/* Version 1: 32-bit data only. */
	header(&b, 0, 3, 2, 8);
	block(&b, 0, t, idx, 3);
	CHECK_OK(fa2_tz_parse_tzif(FA2_SLICE_LIT("V1/Zone"), fa2_buf_slice(&b), &Z));
	fa2_tz_lookup(&Z, 500000 * 1000LL, &i);
	CHECK_INT_EQ(i.off_s, 3600); /* before the first: type 0 */
	fa2_tz_lookup(&Z, 1500000 * 1000LL, &i);
	CHECK_INT_EQ(i.off_s, 7200);
	CHECK_STR_EQ(i.abbr, "BBB");
	fa2_tz_lookup(&Z, 2500000 * 1000LL, &i);
	CHECK_STR_EQ(i.abbr, "AAA");
	fa2_tz_lookup(&Z, 9000000 * 1000LL, &i);
	CHECK_STR_EQ(i.abbr, "BBB"); /* no footer: the last transition's type */
	/* Trailing bytes after a version 1 block. */
	(void)fa2_buf_append(&b, "x", 1);
	CHECK_INT_EQ(fa2_tz_parse_tzif(FA2_SLICE_LIT("V1/Zone"), fa2_buf_slice(&b), &Z), FA2_ERR_PARSE);

	/* Version 2 with a footer: the v1 block is skipped, the 64-bit data used. */
	fa2_buf_reset(&b);
	header(&b, '2', 0, 1, 4);
	put32(&b, 0), (void)fa2_buf_append(&b, "\0\0", 2), (void)fa2_buf_append(&b, "XXX\0", 4);
	header(&b, '2', 3, 2, 8);
	block(&b, 1, t, idx, 3);
	(void)fa2_buf_append_cstr(&b, "\n<+01>-1<+02>,M3.5.0,M10.5.0/3\n");
	CHECK_OK(fa2_tz_parse_tzif(FA2_SLICE_LIT("V2/Zone"), fa2_buf_slice(&b), &Z));
	CHECK(Z.has_rule);
	fa2_tz_lookup(&Z, utc_ms(2030, 7, 1, 0, 0), &i);
	CHECK_INT_EQ(i.off_s, 7200);
	CHECK_STR_EQ(i.abbr, "+02");
	CHECK_INT_EQ(i.is_dst, 1);
	/* The footer must end the file with a newline. */
	fa2_buf_truncate(&b, b.len - 1);
	CHECK_INT_EQ(fa2_tz_parse_tzif(FA2_SLICE_LIT("V2/Zone"), fa2_buf_slice(&b), &Z), FA2_ERR_PARSE);

	/* Transitions out of order, a type index out of range, a bad magic, truncation. */
	{
		static const int64_t desc[] = { 2000000, 1000000 };
		static const unsigned char bad_idx[] = { 0, 2 };
		fa2_buf_reset(&b);
		header(&b, 0, 2, 2, 8);
		block(&b, 0, desc, idx, 2);
		CHECK_INT_EQ(fa2_tz_parse_tzif(FA2_SLICE_LIT("x"), fa2_buf_slice(&b), &Z), FA2_ERR_PARSE);
		fa2_buf_reset(&b);
		header(&b, 0, 2, 2, 8);
		block(&b, 0, t, bad_idx, 2);
		CHECK_INT_EQ(fa2_tz_parse_tzif(FA2_SLICE_LIT("x"), fa2_buf_slice(&b), &Z), FA2_ERR_PARSE);
		fa2_buf_reset(&b);
		header(&b, 0, 2, 2, 8);
		block(&b, 0, t, idx, 2);
		b.data[3] = 'g';
		CHECK_INT_EQ(fa2_tz_parse_tzif(FA2_SLICE_LIT("x"), fa2_buf_slice(&b), &Z), FA2_ERR_PARSE);
		b.data[3] = 'f';
		CHECK_OK(fa2_tz_parse_tzif(FA2_SLICE_LIT("x"), fa2_buf_slice(&b), &Z));
		CHECK_INT_EQ(fa2_tz_parse_tzif(FA2_SLICE_LIT("x"), fa2_slice_make(b.data, b.len - 1), &Z),
			     FA2_ERR_PARSE);
	}
	/* Counts over the caps are refused before any use. */
	fa2_buf_reset(&b);
	header(&b, 0, FA2_MAX_TZ_TRANSITIONS + 1, 2, 8);
	CHECK_INT_EQ(fa2_tz_parse_tzif(FA2_SLICE_LIT("x"), fa2_buf_slice(&b), &Z), FA2_ERR_TOO_LARGE);
	fa2_buf_reset(&b);
	header(&b, 0, 0xffffffffu, 2, 8);
	CHECK_INT_EQ(fa2_tz_parse_tzif(FA2_SLICE_LIT("x"), fa2_buf_slice(&b), &Z), FA2_ERR_TOO_LARGE);
	/* A designation index past the characters. */
	fa2_buf_reset(&b);
	header(&b, 0, 0, 1, 4);
	put32(&b, 3600), (void)fa2_buf_append(&b, "\0\4", 2), (void)fa2_buf_append(&b, "AAA\0", 4);
	CHECK_INT_EQ(fa2_tz_parse_tzif(FA2_SLICE_LIT("x"), fa2_buf_slice(&b), &Z), FA2_ERR_PARSE);
	/* An offset outside RFC 8536's range. */
	fa2_buf_reset(&b);
	header(&b, 0, 0, 1, 4);
	put32(&b, -2147483647 - 1), (void)fa2_buf_append(&b, "\0\0", 2), (void)fa2_buf_append(&b, "AAA\0", 4);
	CHECK_INT_EQ(fa2_tz_parse_tzif(FA2_SLICE_LIT("x"), fa2_buf_slice(&b), &Z), FA2_ERR_PARSE);
	fa2_buf_cleanup(&b);
}

FA2_TEST(tz_posix_rules)
{
	fa2_tz_rule r;
	static const char *bad[] = { "EST", "AB5", "EST5EDT,M13.1.0,M1.1.0", "EST25", "<EST5",
				     "EST5EDT,M3.2.0", "EST5EDT,M3.6.0,M11.1.0", "EST5EDT,J0,J365",
				     "EST5EDT,M3.2.0/168,M11.1.0", "EST5 ", "<AB>5", "EST5EDT4,M3.2.7,M1.1.0",
				     "EST5EDT,D366,1" };
	size_t k;
	CHECK_OK(fa2_tz_parse_rule(FA2_SLICE_LIT("JST-9"), &r));
	CHECK_INT_EQ(r.std_off_s, 9 * 3600);
	CHECK(!r.has_dst);
	CHECK_OK(fa2_tz_parse_rule(FA2_SLICE_LIT("<+0530>-5:30"), &r));
	CHECK_INT_EQ(r.std_off_s, 5 * 3600 + 1800);
	CHECK_STR_EQ(r.std_abbr, "+0530");
	CHECK_OK(fa2_tz_parse_rule(FA2_SLICE_LIT("EST5EDT"), &r)); /* the default US rule */
	CHECK(r.has_dst && r.start.kind == 'M' && r.start.month == 3 && r.end.month == 11);
	CHECK_INT_EQ(r.dst_off_s, -4 * 3600);
	CHECK_OK(fa2_tz_parse_rule(FA2_SLICE_LIT("<-02>2<-01>,M3.5.0/-1,M10.5.0/0"), &r));
	CHECK_INT_EQ(r.start.time_s, -3600);
	CHECK_OK(fa2_tz_parse_rule(FA2_SLICE_LIT("IST-1GMT0,M10.5.0,M3.5.0/1"), &r));
	CHECK_INT_EQ(r.std_off_s, 3600);
	CHECK_INT_EQ(r.dst_off_s, 0);
	for (k = 0; k < sizeof bad / sizeof bad[0]; k++)
		CHECK_MSG(fa2_tz_parse_rule(fa2_slice_cstr(bad[k]), &r) != FA2_OK, "'%s' accepted", bad[k]);

	/* Daylight time all year (version 3 encoding): every instant is daylight time. */
	memset(&Z, 0, sizeof Z);
	CHECK_OK(fa2_tz_parse_rule(FA2_SLICE_LIT("EST5EDT,0/0,J365/25"), &Z.rule));
	Z.has_rule = 1;
	Z.n_types = 1;
	for (k = 0; k < 24; k++)
		CHECK_INT_EQ(fa2_tz_offset_min(&Z, utc_ms(2031 + (int)(k / 12), (unsigned)(k % 12 + 1), 1, 3, 0)),
			     -240);
	CHECK_INT_EQ(fa2_tz_offset_min(&Z, utc_ms(2032, 1, 1, 4, 30)), -240); /* new year */
	/* Negative daylight saving (Ireland): the summer is standard time, winter "daylight". */
	CHECK_OK(fa2_tz_parse_rule(FA2_SLICE_LIT("IST-1GMT0,M10.5.0,M3.5.0/1"), &Z.rule));
	CHECK_INT_EQ(fa2_tz_offset_min(&Z, utc_ms(2040, 7, 1, 0, 0)), 60);
	CHECK_INT_EQ(fa2_tz_offset_min(&Z, utc_ms(2040, 1, 1, 0, 0)), 0);
}

FA2_TEST(tz_parse_time_in_zone)
{
	int64_t ms;
	if (!load_or_skip("Asia/Tokyo", &Z) || !load_or_skip("America/New_York", &Z2))
		return;
	CHECK_OK(fa2_time_parse_in(FA2_SLICE_LIT("2026-11-25 17:00"), 0, &Z, &ms));
	CHECK_INT_EQ(ms, utc_ms(2026, 11, 25, 8, 0));
	CHECK_OK(fa2_time_parse_in(FA2_SLICE_LIT("2026-11-25"), 0, &Z, &ms));
	CHECK_INT_EQ(ms, utc_ms(2026, 11, 24, 15, 0));
	CHECK_OK(fa2_time_parse_in(FA2_SLICE_LIT("2026-11-25T17:00:00Z"), 0, &Z, &ms));
	CHECK_INT_EQ(ms, utc_ms(2026, 11, 25, 17, 0)); /* an explicit zone wins */
	CHECK_OK(fa2_time_parse_in(FA2_SLICE_LIT("2026-07-01T09:00:00"), 0, &Z2, &ms));
	CHECK_INT_EQ(ms, utc_ms(2026, 7, 1, 13, 0)); /* EDT in July */
	CHECK_OK(fa2_time_parse_in(FA2_SLICE_LIT("2026-01-01 09:00"), 0, &Z2, &ms));
	CHECK_INT_EQ(ms, utc_ms(2026, 1, 1, 14, 0)); /* EST in January */
	CHECK_OK(fa2_time_parse_in(FA2_SLICE_LIT("-30m"), 1800000, &Z2, &ms));
	CHECK_INT_EQ(ms, 0);
	CHECK_OK(fa2_time_parse_in(FA2_SLICE_LIT("2026-01-01 09:00"), 0, NULL, &ms));
	CHECK_INT_EQ(ms, utc_ms(2026, 1, 1, 9, 0));
	CHECK(fa2_time_parse_in(FA2_SLICE_LIT("2026-02-30"), 0, &Z, &ms) == FA2_ERR_PARSE);
}

FA2_TEST(tz_tzdir_honoured)
{
	char path[700], dir[600];
	const char *old = getenv("TZDIR");
	char saved[600];
	fa2_buf b;
	fa2_err e;
	if (!load_or_skip("Asia/Tokyo", &Z))
		return;
	snprintf(saved, sizeof saved, "%s", old ? old : "");
	snprintf(dir, sizeof dir, "%s/zi/Test", fa2_test_tmpdir());
	CHECK_OK(fa2_mkdir_p(dir, 0700));
	/* A copy of Tokyo's file under another name in another directory. */
	fa2_buf_init(&b, FA2_MAX_TZIF_BYTES);
	snprintf(path, sizeof path, "%s/Asia/Tokyo", old && *old ? old : "/usr/share/zoneinfo");
	CHECK_OK(fa2_file_read_all(path, &b));
	snprintf(path, sizeof path, "%s/Zone", dir);
	e = fa2_file_write_atomic(path, b.data, b.len, 0600);
	fa2_buf_cleanup(&b);
	CHECK_OK(e);
	snprintf(dir, sizeof dir, "%s/zi", fa2_test_tmpdir());
	setenv("TZDIR", dir, 1);
	e = fa2_tz_load(FA2_SLICE_LIT("Test/Zone"), &Z2);
	if (!e)
		e = fa2_tz_load(FA2_SLICE_LIT("Asia/Tokyo"), &Z) == FA2_ERR_NOT_FOUND ? FA2_OK : FA2_ERR_INTERNAL;
	if (saved[0])
		setenv("TZDIR", saved, 1);
	else
		unsetenv("TZDIR");
	CHECK_OK(e);
	CHECK_STR_EQ(Z2.name, "Test/Zone");
	CHECK_INT_EQ(fa2_tz_offset_min(&Z2, utc_ms(2026, 1, 1, 0, 0)), 540);
}

FA2_TEST(tz_load_out_of_memory)
{
	if (!load_or_skip("Asia/Tokyo", &Z))
		return;
	fa2_alloc_fail_after(0);
	CHECK_INT_EQ(fa2_tz_load(FA2_SLICE_LIT("Asia/Tokyo"), &Z2), FA2_ERR_NOMEM);
	fa2_alloc_fail_after(1);
	CHECK_INT_EQ(fa2_tz_load(FA2_SLICE_LIT("Asia/Tokyo"), &Z2), FA2_ERR_NOMEM);
	fa2_alloc_fail_reset();
	CHECK_OK(fa2_tz_load(FA2_SLICE_LIT("Asia/Tokyo"), &Z2));
}

/* Cross-check with the system's date(1) (glibc or busybox reading the same files):
 * the offset of many instants in many zones, one `date -f` run per zone. */
FA2_TEST(tz_matches_system_date)
{
	static const char *zones[] = {
		"Asia/Tokyo", "America/New_York", "Europe/London", "Australia/Lord_Howe",
		"America/Sao_Paulo", "Asia/Kolkata", "Pacific/Chatham", "America/Santiago",
		"Africa/Casablanca", "Europe/Dublin", "Asia/Tehran", "America/St_Johns",
		"Pacific/Apia", "Antarctica/Troll", "America/Nuuk", "Asia/Gaza", "Europe/Moscow",
		"Pacific/Kiritimati", "America/Los_Angeles", "Australia/Sydney", "UTC", "EST5EDT",
	};
	char inpath[600], outpath[600], cmd[2000], line[64];
	size_t zi, checked = 0, zones_run = 0;
	FILE *f;
	int64_t t;

	if (system("date -d @0 +%z >/dev/null 2>&1") != 0) {
		fa2_test_skip("no GNU date(1) with -d on PATH");
		return;
	}
	snprintf(inpath, sizeof inpath, "%s/instants", fa2_test_tmpdir());
	snprintf(outpath, sizeof outpath, "%s/offsets", fa2_test_tmpdir());
	f = fopen(inpath, "w");
	CHECK(f != NULL);
	/* Every 3 days and 7 hours from 1970 to 2060: lands near every kind of change. */
	for (t = 0; t < 2840000000LL; t += 3 * 86400 + 7 * 3600 + 1)
		fprintf(f, "@%lld\n", (long long)t);
	fclose(f);
	for (zi = 0; zi < sizeof zones / sizeof zones[0]; zi++) {
		FILE *o;
		if (fa2_tz_load(fa2_slice_cstr(zones[zi]), &Z) != FA2_OK)
			continue; /* absent from this tzdata: fine, others are checked */
		snprintf(cmd, sizeof cmd, "TZ='%s' date -f '%s' +%%s%%z > '%s'", zones[zi], inpath, outpath);
		CHECK_MSG(system(cmd) == 0, "%s failed", cmd);
		o = fopen(outpath, "r");
		CHECK(o != NULL);
		while (fgets(line, sizeof line, o)) {
			long long secs;
			char sign;
			int hh, mm, off_date, off_ours;
			if (sscanf(line, "%lld%c%2d%2d", &secs, &sign, &hh, &mm) != 4) {
				fclose(o);
				CHECK_MSG(0, "%s: unexpected date output '%s'", zones[zi], line);
			}
			off_date = (sign == '-' ? -1 : 1) * (hh * 60 + mm);
			off_ours = fa2_tz_offset_min(&Z, (int64_t)secs * 1000);
			if (off_date != off_ours) {
				fclose(o);
				CHECK_MSG(0, "%s at %lld: date says %d min, fa2 says %d", zones[zi], secs,
					  off_date, off_ours);
			}
			checked++;
		}
		fclose(o);
		zones_run++;
	}
	if (zones_run == 0) {
		fa2_test_skip("no zone files (install tzdata)");
		return;
	}
	CHECK(checked > zones_run * 9000);
}

/* The right/ zones count leap seconds: their transitions are in that time scale, and
 * local offsets must still agree with the plain zone. */
FA2_TEST(tz_right_zone_leap_seconds)
{
	int64_t t;
	if (!load_or_skip("right/Europe/London", &Z) || !load_or_skip("Europe/London", &Z2))
		return;
	CHECK(Z.n_leaps >= 27);
	/* tzdata cuts the right/ zones at the leap-second table's expiry, with an empty
	 * footer: local time after it is unspecified (RFC 8536 3.3), so compare before. */
	for (t = 0; t < Z.trans[Z.n_trans - 1] - 60; t += 86400 * 5 + 3601)
		CHECK_MSG(fa2_tz_offset_min(&Z, t * 1000) == fa2_tz_offset_min(&Z2, t * 1000),
			  "offsets differ at %lld", (long long)t);
	/* 2026-03-29 01:00Z: BST begins; the leap correction must not shift it by 27 s. */
	CHECK_INT_EQ(fa2_tz_offset_min(&Z, utc_ms(2026, 3, 29, 1, 0) - 1000), 0);
	CHECK_INT_EQ(fa2_tz_offset_min(&Z, utc_ms(2026, 3, 29, 1, 0)), 60);
}

/* The config key timeZone takes IANA names as well as offsets. */
FA2_TEST(tz_config_time_zone)
{
	static fa2_config c;
	char msg[512];
	if (!load_or_skip("Asia/Tokyo", &Z))
		return;
	CHECK_OK(fa2_config_init(&c));
	CHECK(c.tz.fixed && c.tz.fixed_off_s == 0);
	CHECK_OK(fa2_config_load_json(&c, FA2_SLICE_LIT("{\"timeZone\":\"Asia/Tokyo\"}"), "x.json", msg, sizeof msg));
	CHECK_STR_EQ(c.tz.name, "Asia/Tokyo");
	CHECK_INT_EQ(c.tz_offset_min, 540);
	fa2_config_cleanup(&c);
	CHECK_OK(fa2_config_init(&c));
	CHECK_OK(fa2_config_load_json(&c, FA2_SLICE_LIT("{\"timeZone\":\"-05:30\"}"), "x.json", msg, sizeof msg));
	CHECK_INT_EQ(c.tz_offset_min, -330);
	CHECK(c.tz.fixed);
	fa2_config_cleanup(&c);
	CHECK_OK(fa2_config_init(&c));
	CHECK_INT_EQ(fa2_config_load_json(&c, FA2_SLICE_LIT("{\"timeZone\":\"../../etc/passwd\"}"), "x.json", msg,
					  sizeof msg), FA2_ERR_CONFIG);
	CHECK_MSG(strstr(msg, "not a zone name") != NULL, "%s", msg);
	fa2_config_cleanup(&c);
}

/* The Markdown report's window in an IANA zone: each end at the offset in force then,
 * followed by the zone's name and designation. */
FA2_TEST(tz_report_window_names_the_zone)
{
	cJSON *r;
	fa2_buf md;
	if (!load_or_skip("America/New_York", &Z) || !load_or_skip("Asia/Tokyo", &Z2))
		return;
	r = cJSON_Parse("{\"status\":\"complete\",\"incident\":{\"event\":\"x\",\"fromMs\":1793511600000,"
			"\"toMs\":1793529600000},\"summary\":\"s\"}");
	CHECK(r != NULL);
	fa2_buf_init(&md, FA2_MAX_REPORT_BYTES);
	/* 2026-11-01 05:40Z (01:40 EDT) to 10:40Z (05:40 EST): across the end of DST. */
	CHECK_OK(fa2_report_render_md_tz(r, FA2_LANG_EN, &Z, &md));
	CHECK_MSG(strstr(md.data, "2026-11-01T01:40:00-04:00 - 2026-11-01T05:40:00-05:00 (America/New_York, EDT)"),
			  "%s", md.data);
	fa2_buf_reset(&md);
	CHECK_OK(fa2_report_render_md_tz(r, FA2_LANG_JA, &Z2, &md));
	CHECK_MSG(strstr(md.data, "2026-11-01T14:40:00+09:00 - 2026-11-01T19:40:00+09:00 (Asia/Tokyo, JST)"),
			  "%s", md.data);
	/* A fixed offset keeps the plain form. */
	fa2_buf_reset(&md);
	CHECK_OK(fa2_report_render_md(r, FA2_LANG_EN, 540, &md));
	CHECK(strstr(md.data, "2026-11-01T14:40:00+09:00 - 2026-11-01T19:40:00+09:00\n") != NULL);
	fa2_buf_cleanup(&md);
	cJSON_Delete(r);
}
