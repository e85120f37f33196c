/* Time zones as people name them: IANA zones ("Asia/Tokyo") read from the system's
 * zoneinfo directory in TZif format (RFC 8536, versions 1 to 4), and fixed offsets
 * ("+09:00", "-0530", "UTC", "Z", "JST": see fa2_time_parse_offset).
 *
 * A zone is a caller-owned value (no allocation inside, no cleanup; copy it freely):
 * the transitions and local time types of the file's 64-bit data, and the POSIX TZ
 * string of the footer ("EST5EDT,M3.2.0,M11.1.0"), which gives local time after the
 * last transition. Zone files are untrusted input: every count is checked against the
 * caps in base/limits.h before use, every offset against RFC 8536's range. */
#ifndef FA2_BASE_TZ_H
#define FA2_BASE_TZ_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/slice.h"

#define FA2_TZ_ABBR_MAX 15u   /* longest designation kept ("JST", "+0530", "AEDT") */

/* A POSIX TZ rule (the TZif footer): standard time, and daylight saving time between
 * two yearly dates when has_dst. */
typedef struct fa2_tz_rule_date {
	char kind;           /* 'J': Julian day 1..365 without Feb 29; 'D': 0..365 with it;
	                      * 'M': month.week.weekday */
	int day;             /* 'J', 'D' */
	int month, week, wday; /* 'M': 1..12, 1..5 (5 = last), 0..6 (Sunday = 0) */
	int32_t time_s;      /* local time of day of the change, -167 h .. +167 h */
} fa2_tz_rule_date;

typedef struct fa2_tz_rule {
	int32_t std_off_s;   /* seconds east of UTC (the POSIX sign inverted) */
	int32_t dst_off_s;
	int has_dst;
	char std_abbr[FA2_TZ_ABBR_MAX + 1];
	char dst_abbr[FA2_TZ_ABBR_MAX + 1];
	fa2_tz_rule_date start, end; /* start: in standard time; end: in daylight time */
} fa2_tz_rule;

typedef struct fa2_tz_type {
	int32_t off_s;       /* seconds east of UTC */
	uint8_t is_dst;
	uint8_t abbr_idx;    /* into fa2_tz.chars, NUL-terminated there */
} fa2_tz_type;

typedef struct fa2_tz {
	char name[FA2_MAX_TZ_NAME_BYTES + 1]; /* "Asia/Tokyo", "+09:00", "UTC" */
	int fixed;                   /* 1: fixed_off_s and fixed_abbr only */
	int32_t fixed_off_s;
	char fixed_abbr[FA2_TZ_ABBR_MAX + 1]; /* "UTC", "JST"; "" for a bare offset */
	uint32_t n_trans, n_types, n_leaps;
	int has_rule;                /* the footer holds a TZ string */
	fa2_tz_rule rule;
	int64_t trans[FA2_MAX_TZ_TRANSITIONS];   /* strictly ascending, seconds */
	uint8_t trans_type[FA2_MAX_TZ_TRANSITIONS];
	fa2_tz_type types[FA2_MAX_TZ_TYPES];
	char chars[FA2_MAX_TZ_CHARS + 1];
	int64_t leap_at[FA2_MAX_TZ_LEAPS];       /* leap records (the right/ zones) */
	int32_t leap_corr[FA2_MAX_TZ_LEAPS];
} fa2_tz;

/* Local time at one instant. */
typedef struct fa2_tz_info {
	int32_t off_s;       /* seconds east of UTC */
	int is_dst;
	char abbr[FA2_TZ_ABBR_MAX + 1]; /* "JST", "EDT"; "" for a bare offset */
} fa2_tz_info;

/* Sets z to UTC. */
void fa2_tz_utc(fa2_tz *z);
/* Sets z to a fixed offset (minutes east of UTC, |offset| <= 18 h); abbr may be NULL. */
void fa2_tz_fixed(fa2_tz *z, int offset_min, const char *abbr);

/* Loads a zone by what people write: an offset or abbreviation that
 * fa2_time_parse_offset accepts ("+09:00", "UTC", "Z", "JST": fixed offsets), else an
 * IANA name read from $TZDIR (default /usr/share/zoneinfo). Names are validated
 * before any file is opened: components of [A-Za-z0-9._+-], no "." or ".." component,
 * not absolute, at most FA2_MAX_TZ_NAME_BYTES. Errors (z unchanged): FA2_ERR_INVALID
 * (not a valid name), FA2_ERR_NOT_FOUND (no such zone file), FA2_ERR_PARSE (not a
 * valid TZif file), FA2_ERR_TOO_LARGE (over a cap), FA2_ERR_IO. */
fa2_err fa2_tz_load(fa2_slice spec, fa2_tz *z);

/* Writes into out (cap bytes, NUL-terminated) why spec is not a zone, for a message
 * like "--tz 'Mars/Olympus': <this>": e names the failure fa2_tz_load returned. */
void fa2_tz_explain(fa2_err e, char *out, size_t cap);

/* Parses TZif data (RFC 8536) named name into z. Versions 1 (32-bit data only) to 4;
 * for 2 and later the 64-bit data and the footer are used. Errors: FA2_ERR_PARSE,
 * FA2_ERR_TOO_LARGE; z is unchanged on error. */
fa2_err fa2_tz_parse_tzif(fa2_slice name, fa2_slice data, fa2_tz *z);

/* Parses a POSIX TZ string ("JST-9", "EST5EDT,M3.2.0,M11.1.0",
 * "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", TZif version 3's hours -167..167 in rule
 * times). A daylight name without a rule takes the US rule M3.2.0,M11.1.0. */
fa2_err fa2_tz_parse_rule(fa2_slice s, fa2_tz_rule *out);

/* Local time at the instant ms (milliseconds since the epoch). */
void fa2_tz_lookup(const fa2_tz *z, int64_t ms, fa2_tz_info *out);
/* The offset at ms in minutes east of UTC (truncated toward zero, as date +%z shows). */
int fa2_tz_offset_min(const fa2_tz *z, int64_t ms);

/* The instant of a local wall-clock time (local_ms: the local date and time counted
 * as if it were UTC). A time that occurs twice (the hour repeated when daylight saving
 * time ends) is its first occurrence; a time skipped by a forward change is read with
 * the offset before the change (02:30 on a spring-forward night is 03:30 daylight). */
int64_t fa2_tz_local_to_utc(const fa2_tz *z, int64_t local_ms);

/* "2026-11-25T17:00:00+09:00" (RFC 3339 at the zone's offset at ms; "Z" for UTC), with
 * milliseconds when with_ms. Returns the length, 0 when cap is too small (needs 30). */
size_t fa2_tz_format_rfc3339(const fa2_tz *z, int64_t ms, int with_ms, char *out, size_t cap);
/* "2026-11-25 17:00 JST (+09:00)" for people: the designation is left out when it is
 * empty or only repeats the offset ("+04"). Returns the length, 0 when cap is too small
 * (48 bytes are always enough). */
size_t fa2_tz_format_human(const fa2_tz *z, int64_t ms, char *out, size_t cap);

#endif
