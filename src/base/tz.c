/* Time zones: TZif reader, POSIX TZ rules, lookups and formatting. See tz.h. */
#include "base/tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/time.h"

#define DEFAULT_TZDIR "/usr/share/zoneinfo"
/* RFC 8536 section 3.2: a UT offset SHOULD lie in [-89999, 93599]; this reader
 * requires it (larger values are nonsense and would skew the date arithmetic). */
#define MIN_UTOFF (-89999)
#define MAX_UTOFF 93599
#define SECS_PER_DAY 86400

/* Floor division of a by a positive b. */
static int64_t floor_div(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

void fa2_tz_utc(fa2_tz *z)
{
	fa2_tz_fixed(z, 0, "UTC");
	memcpy(z->name, "UTC", 4);
}

void fa2_tz_fixed(fa2_tz *z, int offset_min, const char *abbr)
{
	int a = offset_min < 0 ? -offset_min : offset_min;
	size_t n = abbr ? strlen(abbr) : 0;
	if (a > 18 * 60)
		a = 18 * 60;
	z->fixed = 1;
	z->fixed_off_s = (int32_t)((offset_min < 0 ? -a : a) * 60);
	z->n_trans = z->n_types = z->n_leaps = 0;
	z->has_rule = 0;
	if (n > FA2_TZ_ABBR_MAX)
		n = FA2_TZ_ABBR_MAX;
	memcpy(z->fixed_abbr, abbr ? abbr : "", n);
	z->fixed_abbr[n] = '\0';
	snprintf(z->name, sizeof z->name, "%c%02d:%02d", offset_min < 0 ? '-' : '+', a / 60, a % 60);
}

/* ---- POSIX TZ strings ------------------------------------------------------------ */

static int is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* A designation: 3+ letters, or <...> with letters, digits, '+' and '-'. */
static int rule_name(fa2_slice s, size_t *i, char *out)
{
	size_t start, n;
	if (*i < s.len && s.ptr[*i] == '<') {
		start = ++*i;
		while (*i < s.len && (is_alpha(s.ptr[*i]) || is_digit(s.ptr[*i]) || s.ptr[*i] == '+' ||
				      s.ptr[*i] == '-'))
			++*i;
		if (*i >= s.len || s.ptr[*i] != '>')
			return 0;
		n = *i - start;
		++*i;
	} else {
		start = *i;
		while (*i < s.len && is_alpha(s.ptr[*i]))
			++*i;
		n = *i - start;
	}
	if (n < 3 || n > FA2_TZ_ABBR_MAX)
		return 0;
	memcpy(out, s.ptr + start, n);
	out[n] = '\0';
	return 1;
}

/* Up to max_digits digits as a number no larger than max. */
static int rule_num(fa2_slice s, size_t *i, size_t max_digits, int max, int *out)
{
	size_t start = *i;
	int v = 0;
	while (*i < s.len && is_digit(s.ptr[*i]) && *i - start < max_digits) {
		v = v * 10 + (s.ptr[*i] - '0');
		++*i;
	}
	if (*i == start || v > max)
		return 0;
	*out = v;
	return 1;
}

/* [+-]hh[:mm[:ss]] with hh <= max_h, as signed seconds. */
static int rule_hms(fa2_slice s, size_t *i, int max_h, int32_t *out)
{
	int sign = 1, h, m = 0, sec = 0;
	if (*i < s.len && (s.ptr[*i] == '+' || s.ptr[*i] == '-')) {
		sign = s.ptr[*i] == '-' ? -1 : 1;
		++*i;
	}
	if (!rule_num(s, i, 3, max_h, &h))
		return 0;
	if (*i < s.len && s.ptr[*i] == ':') {
		++*i;
		if (!rule_num(s, i, 2, 59, &m))
			return 0;
		if (*i < s.len && s.ptr[*i] == ':') {
			++*i;
			if (!rule_num(s, i, 2, 59, &sec))
				return 0;
		}
	}
	*out = (int32_t)(sign * (h * 3600 + m * 60 + sec));
	return 1;
}

static int rule_date(fa2_slice s, size_t *i, fa2_tz_rule_date *d)
{
	memset(d, 0, sizeof *d);
	if (*i < s.len && s.ptr[*i] == 'J') {
		++*i;
		d->kind = 'J';
		if (!rule_num(s, i, 3, 365, &d->day) || d->day < 1)
			return 0;
	} else if (*i < s.len && s.ptr[*i] == 'M') {
		++*i;
		d->kind = 'M';
		if (!rule_num(s, i, 2, 12, &d->month) || d->month < 1 || *i >= s.len ||
		    s.ptr[(*i)++] != '.' || !rule_num(s, i, 1, 5, &d->week) || d->week < 1 ||
		    *i >= s.len || s.ptr[(*i)++] != '.' || !rule_num(s, i, 1, 6, &d->wday))
			return 0;
	} else {
		d->kind = 'D';
		if (!rule_num(s, i, 3, 365, &d->day))
			return 0;
	}
	d->time_s = 2 * 3600;
	if (*i < s.len && s.ptr[*i] == '/') {
		++*i;
		if (!rule_hms(s, i, 167, &d->time_s))
			return 0;
	}
	return 1;
}

fa2_err fa2_tz_parse_rule(fa2_slice s, fa2_tz_rule *out)
{
	fa2_tz_rule r;
	size_t i = 0;
	int32_t off;

	memset(&r, 0, sizeof r);
	if (s.len > FA2_MAX_TZ_FOOTER_BYTES)
		return FA2_ERR_TOO_LARGE;
	if (!rule_name(s, &i, r.std_abbr) || !rule_hms(s, &i, 24, &off))
		return FA2_ERR_PARSE;
	r.std_off_s = -off;
	if (i < s.len) {
		r.has_dst = 1;
		if (!rule_name(s, &i, r.dst_abbr))
			return FA2_ERR_PARSE;
		r.dst_off_s = r.std_off_s + 3600;
		if (i < s.len && s.ptr[i] != ',') {
			if (!rule_hms(s, &i, 24, &off))
				return FA2_ERR_PARSE;
			r.dst_off_s = -off;
		}
		if (i < s.len) {
			if (s.ptr[i++] != ',' || !rule_date(s, &i, &r.start) || i >= s.len ||
			    s.ptr[i++] != ',' || !rule_date(s, &i, &r.end))
				return FA2_ERR_PARSE;
		} else {
			/* POSIX leaves the default rule to the implementation; tzcode's is the
			 * US rule, and so is this one. */
			r.start.kind = r.end.kind = 'M';
			r.start.month = 3, r.start.week = 2;
			r.end.month = 11, r.end.week = 1;
			r.start.time_s = r.end.time_s = 2 * 3600;
		}
	}
	if (i != s.len || r.std_off_s < MIN_UTOFF || r.std_off_s > MAX_UTOFF ||
	    r.dst_off_s < MIN_UTOFF || r.dst_off_s > MAX_UTOFF)
		return FA2_ERR_PARSE;
	*out = r;
	return FA2_OK;
}

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Seconds since the epoch of the rule date in year y, as local time at offset off_s. */
static int64_t rule_when(const fa2_tz_rule_date *d, int64_t y, int32_t off_s)
{
	int64_t days = fa2_time_days_from_civil(y, 1, 1);
	if (d->kind == 'J') {
		days += d->day - 1 + (is_leap(y) && d->day >= 60);
	} else if (d->kind == 'D') {
		days += d->day;
	} else {
		static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
		int64_t first = fa2_time_days_from_civil(y, (unsigned)d->month, 1);
		int dim = mdays[d->month - 1] + (d->month == 2 && is_leap(y));
		/* 1970-01-01 was a Thursday (weekday 4). */
		int dow = (int)((first % 7 + 7 + 4) % 7);
		int mday = 1 + (d->wday - dow + 7) % 7 + (d->week - 1) * 7;
		while (mday > dim)
			mday -= 7;
		days = first + mday - 1;
	}
	return days * SECS_PER_DAY + d->time_s - off_s;
}

/* Local time under the rule at t seconds. The changes of the years around t are put in
 * order and the last one at or before t decides, so that rules whose changes cross a
 * year boundary (version 3 times, southern-hemisphere summers) come out right. */
static void rule_lookup(const fa2_tz_rule *r, int64_t t, fa2_tz_info *out)
{
	int64_t y, days;
	unsigned m, d;
	int64_t best = 0;
	int have = 0, dst = 0, k;

	if (!r->has_dst) {
		out->off_s = r->std_off_s;
		out->is_dst = 0;
		memcpy(out->abbr, r->std_abbr, sizeof out->abbr);
		return;
	}
	days = floor_div(t + r->std_off_s, SECS_PER_DAY);
	fa2_time_civil_from_days(days, &y, &m, &d);
	for (k = -1; k <= 1; k++) {
		int64_t s = rule_when(&r->start, y + k, r->std_off_s);
		int64_t e = rule_when(&r->end, y + k, r->dst_off_s);
		if (s <= t && (!have || s > best || (s == best && !dst))) {
			best = s, have = 1, dst = 1;
		}
		if (e <= t && (!have || e > best)) {
			best = e, have = 1, dst = 0;
		}
	}
	out->is_dst = dst;
	out->off_s = dst ? r->dst_off_s : r->std_off_s;
	memcpy(out->abbr, dst ? r->dst_abbr : r->std_abbr, sizeof out->abbr);
}

/* ---- TZif ------------------------------------------------------------------------- */

typedef struct rd {
	const unsigned char *p;
	size_t len, pos;
} rd;

static int rd_has(const rd *r, uint64_t n)
{
	return n <= r->len - r->pos;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64s(const unsigned char *p)
{
	uint64_t v = (uint64_t)be32(p) << 32 | be32(p + 4);
	/* Two's complement without implementation-defined conversion. */
	return v <= (uint64_t)INT64_MAX ? (int64_t)v : -(int64_t)(~v) - 1;
}

static int32_t be32s(const unsigned char *p)
{
	uint32_t v = be32(p);
	return v <= (uint32_t)INT32_MAX ? (int32_t)v : -(int32_t)(~v) - 1;
}

typedef struct tzif_hdr {
	char version;                 /* 0, '2', '3', '4' */
	uint32_t isut, isstd, leap, time, type, chars;
} tzif_hdr;

static fa2_err read_header(rd *r, tzif_hdr *h)
{
	const unsigned char *p;
	if (!rd_has(r, 44))
		return FA2_ERR_PARSE;
	p = r->p + r->pos;
	if (memcmp(p, "TZif", 4) != 0)
		return FA2_ERR_PARSE;
	h->version = (char)p[4];
	if (h->version != 0 && (h->version < '2' || h->version > '4'))
		return FA2_ERR_PARSE;
	h->isut = be32(p + 20);
	h->isstd = be32(p + 24);
	h->leap = be32(p + 28);
	h->time = be32(p + 32);
	h->type = be32(p + 36);
	h->chars = be32(p + 40);
	r->pos += 44;
	/* RFC 8536 3.1: typecnt and charcnt are nonzero; isutcnt and isstdcnt are zero or
	 * typecnt. */
	if (h->type == 0 || h->chars == 0 || (h->isut != 0 && h->isut != h->type) ||
	    (h->isstd != 0 && h->isstd != h->type))
		return FA2_ERR_PARSE;
	return FA2_OK;
}

/* Size of the data block that follows h; time_size is 4 (version 1) or 8. */
static uint64_t block_size(const tzif_hdr *h, unsigned time_size)
{
	return (uint64_t)h->time * (time_size + 1) + (uint64_t)h->type * 6 + h->chars +
	       (uint64_t)h->leap * (time_size + 4) + h->isstd + h->isut;
}

static int abbr_ok(const char *chars, uint32_t nchars, uint32_t idx)
{
	uint32_t k;
	if (idx >= nchars)
		return 0;
	for (k = idx; k < nchars && chars[k]; k++) {
		char c = chars[k];
		if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-')
			return 0;
	}
	return k < nchars && k - idx <= FA2_TZ_ABBR_MAX;
}

static fa2_err read_block(rd *r, const tzif_hdr *h, unsigned ts, fa2_tz *z)
{
	const unsigned char *p;
	uint32_t k;
	int64_t prev_leap = 0;

	if (h->time > FA2_MAX_TZ_TRANSITIONS || h->type > FA2_MAX_TZ_TYPES ||
	    h->chars > FA2_MAX_TZ_CHARS || h->leap > FA2_MAX_TZ_LEAPS)
		return FA2_ERR_TOO_LARGE;
	if (!rd_has(r, block_size(h, ts)))
		return FA2_ERR_PARSE;
	p = r->p + r->pos;
	z->n_trans = h->time;
	z->n_types = h->type;
	z->n_leaps = h->leap;
	for (k = 0; k < h->time; k++) {
		z->trans[k] = ts == 8 ? be64s(p) : be32s(p);
		if (k > 0 && z->trans[k] <= z->trans[k - 1])
			return FA2_ERR_PARSE;
		p += ts;
	}
	for (k = 0; k < h->time; k++) {
		if (p[k] >= h->type)
			return FA2_ERR_PARSE;
		z->trans_type[k] = p[k];
	}
	p += h->time;
	memcpy(z->chars, p + (size_t)h->type * 6, h->chars);
	z->chars[h->chars] = '\0';
	for (k = 0; k < h->type; k++, p += 6) {
		z->types[k].off_s = be32s(p);
		if (z->types[k].off_s < MIN_UTOFF || z->types[k].off_s > MAX_UTOFF || p[4] > 1 ||
		    !abbr_ok(z->chars, h->chars, p[5]))
			return FA2_ERR_PARSE;
		z->types[k].is_dst = p[4];
		z->types[k].abbr_idx = p[5];
	}
	p += h->chars;
	for (k = 0; k < h->leap; k++) {
		int64_t at = ts == 8 ? be64s(p) : be32s(p);
		int32_t corr = be32s(p + ts);
		/* Occurrences ascend and start at or after the epoch; each correction differs
		 * from the last by one, except that version 4 lets the first be any value and
		 * the last repeat the one before (the table's expiry). */
		int32_t step = k > 0 ? corr - z->leap_corr[k - 1] : 1;
		if ((k == 0 && at < 0) || (k > 0 && at <= prev_leap) ||
		    (step != 1 && step != -1 && !(step == 0 && k + 1 == h->leap)) ||
		    corr < -1000000 || corr > 1000000)
			return FA2_ERR_PARSE;
		z->leap_at[k] = at;
		z->leap_corr[k] = corr;
		prev_leap = at;
		p += ts + 4;
	}
	for (k = 0; k < h->isstd + h->isut; k++)
		if (p[k] > 1)
			return FA2_ERR_PARSE;
	r->pos += (size_t)block_size(h, ts);
	return FA2_OK;
}

fa2_err fa2_tz_parse_tzif(fa2_slice name, fa2_slice data, fa2_tz *out)
{
	static fa2_tz zero;
	fa2_tz *z = NULL;
	rd r;
	tzif_hdr h;
	fa2_err e;

	if (name.len > FA2_MAX_TZ_NAME_BYTES)
		return FA2_ERR_TOO_LARGE;
	if (data.len > FA2_MAX_TZIF_BYTES)
		return FA2_ERR_TOO_LARGE;
	/* Parsed into a scratch copy so that out is untouched on error. */
	z = fa2_malloc(sizeof *z);
	if (!z)
		return FA2_ERR_NOMEM;
	*z = zero;
	r.p = (const unsigned char *)data.ptr;
	r.len = data.len;
	r.pos = 0;
	e = read_header(&r, &h);
	if (e)
		goto cleanup;
	if (h.version == 0) {
		e = read_block(&r, &h, 4, z);
		if (e)
			goto cleanup;
		/* Version 1 has no footer; bytes after the block are not defined. */
		if (r.pos != r.len) {
			e = FA2_ERR_PARSE;
			goto cleanup;
		}
	} else {
		size_t start, end;
		fa2_slice footer;
		/* Skip the version 1 block (its counts need not fit our caps). */
		if (!rd_has(&r, block_size(&h, 4))) {
			e = FA2_ERR_PARSE;
			goto cleanup;
		}
		r.pos += (size_t)block_size(&h, 4);
		e = read_header(&r, &h);
		if (!e)
			e = read_block(&r, &h, 8, z);
		if (e)
			goto cleanup;
		/* The footer: NL, a POSIX TZ string (possibly empty), NL, and the end. */
		if (r.pos >= r.len || r.p[r.pos] != '\n') {
			e = FA2_ERR_PARSE;
			goto cleanup;
		}
		start = ++r.pos;
		end = start;
		while (end < r.len && r.p[end] != '\n')
			end++;
		if (end >= r.len || end + 1 != r.len) {
			e = FA2_ERR_PARSE;
			goto cleanup;
		}
		footer = fa2_slice_make((const char *)r.p + start, end - start);
		if (footer.len) {
			e = fa2_tz_parse_rule(footer, &z->rule);
			if (e)
				goto cleanup;
			z->has_rule = 1;
		}
	}
	memcpy(z->name, name.ptr, name.len);
	z->name[name.len] = '\0';
	*out = *z;
	e = FA2_OK;
cleanup:
	fa2_free(z);
	return e;
}

/* ---- lookups ---------------------------------------------------------------------- */

/* The file's time scale at POSIX time t: right/ zones count leap seconds. */
static int64_t file_time(const fa2_tz *z, int64_t t)
{
	int32_t corr = 0;
	uint32_t k;
	for (k = 0; k < z->n_leaps; k++) {
		if (z->leap_at[k] - (k ? z->leap_corr[k - 1] : 0) > t)
			break;
		corr = z->leap_corr[k];
	}
	return t + corr;
}

static void type_info(const fa2_tz *z, unsigned i, fa2_tz_info *out)
{
	const fa2_tz_type *ty = &z->types[i];
	size_t n = strlen(z->chars + ty->abbr_idx);
	out->off_s = ty->off_s;
	out->is_dst = ty->is_dst;
	memcpy(out->abbr, z->chars + ty->abbr_idx, n + 1);
}

void fa2_tz_lookup(const fa2_tz *z, int64_t ms, fa2_tz_info *out)
{
	int64_t t = floor_div(ms, 1000), tf;
	uint32_t lo, hi;

	if (z->fixed) {
		out->off_s = z->fixed_off_s;
		out->is_dst = 0;
		memcpy(out->abbr, z->fixed_abbr, sizeof out->abbr);
		return;
	}
	/* Transitions are compared in the file's time scale, the footer's rule (civil
	 * time) in POSIX time. */
	tf = file_time(z, t);
	/* RFC 8536 3.2: before the first transition, type 0; after the last, the footer
	 * when there is one; with no transitions at all, the footer, else type 0. */
	if (z->n_trans == 0 || tf < z->trans[0]) {
		if (z->n_trans == 0 && z->has_rule)
			rule_lookup(&z->rule, t, out);
		else
			type_info(z, 0, out);
		return;
	}
	if (tf >= z->trans[z->n_trans - 1]) {
		if (z->has_rule)
			rule_lookup(&z->rule, t, out);
		else
			type_info(z, z->trans_type[z->n_trans - 1], out);
		return;
	}
	/* trans[lo] <= t < trans[hi] */
	lo = 0;
	hi = z->n_trans - 1;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (z->trans[mid] <= tf)
			lo = mid;
		else
			hi = mid;
	}
	type_info(z, z->trans_type[lo], out);
}

int fa2_tz_offset_min(const fa2_tz *z, int64_t ms)
{
	fa2_tz_info i;
	fa2_tz_lookup(z, ms, &i);
	return (int)(i.off_s / 60);
}

int64_t fa2_tz_local_to_utc(const fa2_tz *z, int64_t local_ms)
{
	fa2_tz_info a, b;
	int64_t ta, tb;
	/* The offsets in force a day either side bound every candidate. */
	fa2_tz_lookup(z, local_ms - FA2_TIME_MS_PER_DAY, &a);
	fa2_tz_lookup(z, local_ms + FA2_TIME_MS_PER_DAY, &b);
	ta = local_ms - (int64_t)a.off_s * 1000;
	tb = local_ms - (int64_t)b.off_s * 1000;
	{
		fa2_tz_info ia, ib;
		int oka, okb;
		fa2_tz_lookup(z, ta, &ia);
		fa2_tz_lookup(z, tb, &ib);
		oka = ia.off_s == a.off_s;
		okb = ib.off_s == b.off_s;
		if (oka && okb)
			return ta < tb ? ta : tb;
		if (oka)
			return ta;
		if (okb)
			return tb;
	}
	return ta; /* skipped by a forward change: read with the offset before it */
}

/* ---- formatting ------------------------------------------------------------------- */

size_t fa2_tz_format_rfc3339(const fa2_tz *z, int64_t ms, int with_ms, char *out, size_t cap)
{
	return fa2_time_format_rfc3339(ms, fa2_tz_offset_min(z, ms), with_ms, out, cap);
}

size_t fa2_tz_format_human(const fa2_tz *z, int64_t ms, char *out, size_t cap)
{
	fa2_tz_info i;
	char day[24];
	int off, a, n;
	fa2_tz_lookup(z, ms, &i);
	off = (int)(i.off_s / 60);
	a = off < 0 ? -off : off;
	if (!fa2_time_format_human(ms, off, day, sizeof day))
		return 0;
	if (i.abbr[0] && i.abbr[0] != '+' && i.abbr[0] != '-')
		n = snprintf(out, cap, "%s %s (%c%02d:%02d)", day, i.abbr, off < 0 ? '-' : '+', a / 60,
			     a % 60);
	else
		n = snprintf(out, cap, "%s (%c%02d:%02d)", day, off < 0 ? '-' : '+', a / 60, a % 60);
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* ---- loading by name -------------------------------------------------------------- */

static int valid_name(fa2_slice s)
{
	size_t i, comp = 0;
	if (s.len == 0 || s.len > FA2_MAX_TZ_NAME_BYTES || s.ptr[0] == '/')
		return 0;
	for (i = 0; i <= s.len; i++) {
		char c = i < s.len ? s.ptr[i] : '/';
		if (c == '/') {
			size_t n = i - comp;
			if (n == 0 || (n == 1 && s.ptr[comp] == '.') ||
			    (n == 2 && s.ptr[comp] == '.' && s.ptr[comp + 1] == '.') || s.ptr[comp] == '-')
				return 0;
			comp = i + 1;
		} else if (!is_alpha(c) && !is_digit(c) && c != '.' && c != '_' && c != '+' && c != '-') {
			return 0;
		}
	}
	return 1;
}

void fa2_tz_explain(fa2_err e, char *out, size_t cap)
{
	const char *dir = getenv("TZDIR");
	const char *hint = "use an IANA zone name like Asia/Tokyo or America/New_York, or an "
			   "offset like +09:00, -0530 or UTC";
	if (!dir || !*dir)
		dir = DEFAULT_TZDIR;
	if (e == FA2_ERR_NOT_FOUND)
		snprintf(out, cap, "no such zone under %s (TZDIR; the tzdata package installs it); %s",
			 dir, hint);
	else if (e == FA2_ERR_INVALID)
		snprintf(out, cap, "not a zone name or UTC offset; %s", hint);
	else if (e == FA2_ERR_PARSE || e == FA2_ERR_TOO_LARGE)
		snprintf(out, cap, "the zone file under %s is not valid TZif data (%s)", dir,
			 fa2_err_str(e));
	else
		snprintf(out, cap, "cannot read the zone under %s: %s", dir, fa2_err_str(e));
}

fa2_err fa2_tz_load(fa2_slice spec, fa2_tz *z)
{
	const char *dir;
	char path[4096];
	struct stat st;
	fa2_buf data;
	fa2_err e;
	int off, n;
	fa2_slice name = fa2_slice_trim(spec);

	if (fa2_time_parse_offset(name, &off) == FA2_OK) {
		int numeric = name.len && (name.ptr[0] == '+' || name.ptr[0] == '-');
		char ab[FA2_TZ_ABBR_MAX + 1];
		size_t k;
		if (fa2_slice_eq_ci(name, FA2_SLICE_LIT("Z")) || fa2_slice_eq_ci(name, FA2_SLICE_LIT("UTC"))) {
			fa2_tz_utc(z);
			return FA2_OK;
		}
		/* "JST", "UTC+9": kept as written (upper case) for display. */
		for (k = 0; !numeric && k < name.len && k < FA2_TZ_ABBR_MAX; k++)
			ab[k] = name.ptr[k] >= 'a' && name.ptr[k] <= 'z' ? (char)(name.ptr[k] - 32) : name.ptr[k];
		ab[numeric ? 0 : k] = '\0';
		fa2_tz_fixed(z, off, ab);
		if (!numeric && name.len <= FA2_TZ_ABBR_MAX)
			memcpy(z->name, ab, strlen(ab) + 1);
		return FA2_OK;
	}
	if (!valid_name(name))
		return FA2_ERR_INVALID;
	dir = getenv("TZDIR");
	if (!dir || !*dir)
		dir = DEFAULT_TZDIR;
	n = snprintf(path, sizeof path, "%s/%.*s", dir, FA2_SLICE_FMT(name));
	if (n < 0 || (size_t)n >= sizeof path)
		return FA2_ERR_TOO_LARGE;
	/* A directory ("Asia") or a device is no zone. */
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return FA2_ERR_NOT_FOUND;
	fa2_buf_init(&data, FA2_MAX_TZIF_BYTES);
	e = fa2_file_read_all(path, &data);
	if (!e)
		e = fa2_tz_parse_tzif(name, fa2_buf_slice(&data), z);
	fa2_buf_cleanup(&data);
	return e;
}
