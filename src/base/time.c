#include "base/time.h"
#include "base/tz.h"

#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <time.h>

#include "base/num.h"

static int64_t fake_now_ms;

void fa2_time_set_fake_now_ms(int64_t ms) { fake_now_ms = ms; }

int64_t fa2_time_now_ms(void)
{
	struct timespec ts;
	if (fake_now_ms)
		return fake_now_ms;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t fa2_time_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Civil-calendar conversion: years are shifted to start in March so that the leap day
 * is the last day of the shifted year; eras are 400-year cycles of 146097 days. */
int64_t fa2_time_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (int64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 + (int64_t)d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void fa2_time_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* Reads exactly n digits at s[*i]. */
static int read_digits(fa2_slice s, size_t *i, size_t n, unsigned *out)
{
	unsigned v = 0;
	size_t k;
	if (s.len - *i < n)
		return 0;
	for (k = 0; k < n; k++) {
		char c = s.ptr[*i + k];
		if (!is_digit(c))
			return 0;
		v = v * 10 + (unsigned)(c - '0');
	}
	*i += n;
	*out = v;
	return 1;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
	static const unsigned dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

static const struct {
	const char *name;
	int minutes;
} zone_abbrevs[] = {
	{ "UTC", 0 }, { "GMT", 0 }, { "Z", 0 },
	{ "JST", 540 }, { "KST", 540 }, { "IST", 330 }, { "SGT", 480 }, { "HKT", 480 },
	{ "CET", 60 }, { "CEST", 120 }, { "EET", 120 }, { "BST", 60 },
	{ "EST", -300 }, { "EDT", -240 }, { "CST", -360 }, { "CDT", -300 },
	{ "MST", -420 }, { "MDT", -360 }, { "PST", -480 }, { "PDT", -420 },
	{ "AEST", 600 }, { "AEDT", 660 },
};

/* Parses "+HH:MM", "+HHMM", "+HH" (sign required) into minutes. */
static int parse_numeric_offset(fa2_slice s, int *out)
{
	size_t i = 1;
	unsigned hh, mm = 0;
	int sign;
	if (s.len < 2 || (s.ptr[0] != '+' && s.ptr[0] != '-'))
		return 0;
	sign = s.ptr[0] == '-' ? -1 : 1;
	if (s.len == 2 || (s.len > 2 && !is_digit(s.ptr[2]) && s.ptr[2] != ':')) {
		/* one-digit hour "+9" */
		if (!read_digits(s, &i, 1, &hh))
			return 0;
	} else if (!read_digits(s, &i, 2, &hh)) {
		return 0;
	}
	if (i < s.len) {
		if (s.ptr[i] == ':')
			i++;
		if (!read_digits(s, &i, 2, &mm))
			return 0;
	}
	if (i != s.len || hh > 18 || mm > 59 || hh * 60 + mm > 18 * 60)
		return 0;
	*out = sign * (int)(hh * 60 + mm);
	return 1;
}

fa2_err fa2_time_parse_offset(fa2_slice s, int *offset_min)
{
	size_t k;
	s = fa2_slice_trim(s);
	if (s.len == 0)
		return FA2_ERR_PARSE;
	if (parse_numeric_offset(s, offset_min))
		return FA2_OK;
	for (k = 0; k < sizeof zone_abbrevs / sizeof zone_abbrevs[0]; k++) {
		if (fa2_slice_eq_ci(s, fa2_slice_cstr(zone_abbrevs[k].name))) {
			*offset_min = zone_abbrevs[k].minutes;
			return FA2_OK;
		}
	}
	if (s.len > 3 && (fa2_slice_starts_with(s, FA2_SLICE_LIT("UTC")) ||
			  fa2_slice_starts_with(s, FA2_SLICE_LIT("GMT")))) {
		if (parse_numeric_offset(fa2_slice_sub(s, 3, s.len - 3), offset_min))
			return FA2_OK;
	}
	return FA2_ERR_PARSE;
}

/* Unit suffix to milliseconds; 0 if unknown. */
static int64_t unit_ms(fa2_slice u)
{
	if (u.len == 0 || fa2_slice_eq_cstr(u, "s") || fa2_slice_eq_cstr(u, "sec"))
		return 1000;
	if (fa2_slice_eq_cstr(u, "ms"))
		return 1;
	if (fa2_slice_eq_cstr(u, "m") || fa2_slice_eq_cstr(u, "min"))
		return FA2_TIME_MS_PER_MIN;
	if (fa2_slice_eq_cstr(u, "h") || fa2_slice_eq_cstr(u, "hr"))
		return FA2_TIME_MS_PER_HOUR;
	if (fa2_slice_eq_cstr(u, "d"))
		return FA2_TIME_MS_PER_DAY;
	if (fa2_slice_eq_cstr(u, "w"))
		return 7 * FA2_TIME_MS_PER_DAY;
	return 0;
}

#define FA2_TIME_MAX_DURATION_MS (100LL * 366 * FA2_TIME_MS_PER_DAY)

fa2_err fa2_time_parse_duration(fa2_slice s, int64_t *out_ms)
{
	int64_t total = 0;
	size_t i = 0;
	s = fa2_slice_trim(s);
	if (s.len == 0)
		return FA2_ERR_PARSE;
	while (i < s.len) {
		size_t ds = i, us;
		uint64_t n;
		int64_t mul;
		fa2_err e;
		while (i < s.len && is_digit(s.ptr[i]))
			i++;
		if (i == ds)
			return FA2_ERR_PARSE;
		e = fa2_parse_u64(fa2_slice_sub(s, ds, i - ds), &n);
		if (e)
			return e;
		us = i;
		while (i < s.len && s.ptr[i] >= 'a' && s.ptr[i] <= 'z')
			i++;
		mul = unit_ms(fa2_slice_sub(s, us, i - us));
		if (!mul)
			return FA2_ERR_PARSE;
		if (us == i && i != s.len)
			return FA2_ERR_PARSE; /* a bare number must be the whole input */
		if (n > (uint64_t)(FA2_TIME_MAX_DURATION_MS / mul))
			return FA2_ERR_TOO_LARGE;
		total += (int64_t)n * mul;
		if (total > FA2_TIME_MAX_DURATION_MS)
			return FA2_ERR_TOO_LARGE;
	}
	*out_ms = total;
	return FA2_OK;
}

/* RFC 3339 date-time; zone optional (local time in tz when absent, or at
 * default_offset_min when tz is NULL). */
static fa2_err parse_absolute(fa2_slice s, int default_offset_min, const fa2_tz *tz, int64_t *out)
{
	int zoned = 0;
	size_t i = 0;
	unsigned Y, M, D, h = 0, m = 0, sec = 0, ms = 0;
	int off = default_offset_min;
	int64_t days, t;

	if (!read_digits(s, &i, 4, &Y) || i >= s.len || s.ptr[i++] != '-' ||
	    !read_digits(s, &i, 2, &M) || i >= s.len || s.ptr[i++] != '-' ||
	    !read_digits(s, &i, 2, &D))
		return FA2_ERR_PARSE;
	if (M < 1 || M > 12 || D < 1 || D > days_in_month(Y, M))
		return FA2_ERR_PARSE;
	if (i < s.len) {
		char c = s.ptr[i++];
		if (c != 'T' && c != 't' && c != ' ')
			return FA2_ERR_PARSE;
		if (!read_digits(s, &i, 2, &h) || i >= s.len || s.ptr[i++] != ':' ||
		    !read_digits(s, &i, 2, &m))
			return FA2_ERR_PARSE;
		if (i < s.len && s.ptr[i] == ':') {
			i++;
			if (!read_digits(s, &i, 2, &sec))
				return FA2_ERR_PARSE;
			if (i < s.len && (s.ptr[i] == '.' || s.ptr[i] == ',')) {
				unsigned scale = 100;
				size_t start = ++i;
				while (i < s.len && is_digit(s.ptr[i])) {
					ms += (unsigned)(s.ptr[i] - '0') * scale;
					scale /= 10;
					i++;
				}
				if (i == start)
					return FA2_ERR_PARSE;
			}
		}
		if (h > 23 || m > 59 || sec > 60)
			return FA2_ERR_PARSE;
		if (sec == 60)
			sec = 59; /* leap second: clamp */
		if (i < s.len) {
			fa2_slice z = fa2_slice_sub(s, i, s.len - i);
			if (z.len && z.ptr[0] == ' ')
				z = fa2_slice_trim(z);
			if (fa2_slice_eq_cstr(z, "Z") || fa2_slice_eq_cstr(z, "z"))
				off = 0;
			else if (fa2_time_parse_offset(z, &off))
				return FA2_ERR_PARSE;
			zoned = 1;
		}
	}
	days = fa2_time_days_from_civil(Y, M, D);
	t = ((days * 24 + h) * 60 + m) * 60 + sec;
	if (tz && !zoned) {
		*out = fa2_tz_local_to_utc(tz, t * 1000 + ms);
		return FA2_OK;
	}
	t -= (int64_t)off * 60;
	*out = t * 1000 + ms;
	return FA2_OK;
}

static fa2_err parse_time(fa2_slice s, int64_t now_ms, int default_offset_min, const fa2_tz *tz,
			  int64_t *out_ms);

fa2_err fa2_time_parse(fa2_slice s, int64_t now_ms, int default_offset_min, int64_t *out_ms)
{
	return parse_time(s, now_ms, default_offset_min, NULL, out_ms);
}

fa2_err fa2_time_parse_in(fa2_slice s, int64_t now_ms, const fa2_tz *tz, int64_t *out_ms)
{
	return parse_time(s, now_ms, 0, tz, out_ms);
}

static fa2_err parse_time(fa2_slice s, int64_t now_ms, int default_offset_min, const fa2_tz *tz,
			  int64_t *out_ms)
{
	int64_t base = now_ms, d;
	fa2_err e;
	size_t k;
	int all_digits = 1;

	s = fa2_slice_trim(s);
	if (s.len == 0)
		return FA2_ERR_PARSE;
	if (fa2_slice_eq_ci(s, FA2_SLICE_LIT("now"))) {
		*out_ms = now_ms;
		return FA2_OK;
	}
	if (s.len > 3 && fa2_slice_starts_with(s, FA2_SLICE_LIT("now")) &&
	    (s.ptr[3] == '-' || s.ptr[3] == '+'))
		s = fa2_slice_sub(s, 3, s.len - 3);
	if (s.ptr[0] == '-' || s.ptr[0] == '+') {
		e = fa2_time_parse_duration(fa2_slice_sub(s, 1, s.len - 1), &d);
		if (e)
			return e;
		*out_ms = fa2_num_sat_add_i64(base, s.ptr[0] == '-' ? -d : d);
		return FA2_OK;
	}
	for (k = 0; k < s.len; k++)
		if (!is_digit(s.ptr[k]))
			all_digits = 0;
	if (all_digits) {
		uint64_t v;
		if (s.len > 16)
			return FA2_ERR_TOO_LARGE;
		e = fa2_parse_u64(s, &v);
		if (e)
			return e;
		*out_ms = s.len <= 11 ? (int64_t)v * 1000 : (int64_t)v;
		return FA2_OK;
	}
	return parse_absolute(s, default_offset_min, tz, out_ms);
}

/* 0000-01-01T00:00:00Z less a day (room for any zone offset). */
#define TIME_MIN_FORMAT_MS (-62167219200000LL - FA2_TIME_MS_PER_DAY)

size_t fa2_time_format_rfc3339(int64_t ms, int offset_min, int with_ms, char *out, size_t cap)
{
	int64_t t, secs, days, y;
	unsigned mo, d, h, mi, se, milli;
	int n;
	char zone[8];

	if (cap < 30)
		return 0;
	/* Years 0..9999 only, checked before any arithmetic (ms may come from input). */
	if (ms < TIME_MIN_FORMAT_MS || ms > FA2_NUM_EPOCH_MAX_MS + FA2_TIME_MS_PER_DAY ||
	    offset_min < -24 * 60 || offset_min > 24 * 60)
		return 0;
	t = ms + (int64_t)offset_min * 60000;
	secs = t >= 0 ? t / 1000 : (t - 999) / 1000;
	milli = (unsigned)(t - secs * 1000);
	days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	secs -= days * 86400;
	h = (unsigned)(secs / 3600);
	mi = (unsigned)(secs / 60 % 60);
	se = (unsigned)(secs % 60);
	fa2_time_civil_from_days(days, &y, &mo, &d);
	if (y < 0 || y > 9999)
		return 0;
	if (offset_min == 0) {
		zone[0] = 'Z';
		zone[1] = '\0';
	} else {
		int a = offset_min < 0 ? -offset_min : offset_min;
		snprintf(zone, sizeof zone, "%c%02d:%02d", offset_min < 0 ? '-' : '+', (a / 60) % 100,
			 a % 60);
	}
	if (with_ms)
		n = snprintf(out, cap, "%04d-%02u-%02uT%02u:%02u:%02u.%03u%s", (int)y, mo, d, h, mi, se,
			     milli, zone);
	else
		n = snprintf(out, cap, "%04d-%02u-%02uT%02u:%02u:%02u%s", (int)y, mo, d, h, mi, se, zone);
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

size_t fa2_time_format_human(int64_t ms, int offset_min, char *out, size_t cap)
{
	char full[40];
	size_t n = fa2_time_format_rfc3339(ms, offset_min, 0, full, sizeof full);
	if (n < 16 || cap < 17)
		return 0;
	memcpy(out, full, 16);
	out[10] = ' ';
	out[16] = '\0';
	return 16;
}

void fa2_time_sleep_ms(int64_t ms)
{
	struct timespec ts;
	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}
