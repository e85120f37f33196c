/* Wall-clock and monotonic time, RFC 3339 / relative time parsing and formatting.
 * All instants are int64 milliseconds since the Unix epoch (UTC). Offsets are minutes
 * east of UTC (Asia/Tokyo is +540). */
#ifndef FA2_BASE_TIME_H
#define FA2_BASE_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"

#define FA2_TIME_MS_PER_MIN  60000LL
#define FA2_TIME_MS_PER_HOUR 3600000LL
#define FA2_TIME_MS_PER_DAY  86400000LL

int64_t fa2_time_now_ms(void);   /* CLOCK_REALTIME */
int64_t fa2_time_mono_ms(void);  /* CLOCK_MONOTONIC: use for every timeout and deadline */
/* Sleeps ms milliseconds (nothing for ms <= 0), resuming after signal interruptions. */
void fa2_time_sleep_ms(int64_t ms);
/* Tests may pin "now" for fa2_time_now_ms(); 0 unpins. */
void fa2_time_set_fake_now_ms(int64_t ms);

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1..12). */
int64_t fa2_time_days_from_civil(int64_t y, unsigned m, unsigned d);
void fa2_time_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* Parses a point in time. Accepted forms:
 *   now | now-30m | now+2h          relative to now_ms
 *   -30m | +1h | -2d | -90s | -1w   relative (units s, m, h, d, w; "min" too)
 *   2026-11-25T08:00:00Z, 2026-11-25T08:00:00.123+09:00, 2026-11-25 08:00:00
 *     (RFC 3339; 'T' or space; an absent zone means default_offset_min)
 *   2026-11-25                      midnight at default_offset_min
 *   1764057600 / 1764057600000      epoch seconds (<= 11 digits) / milliseconds
 * Errors: FA2_ERR_PARSE (with nothing else changed) or FA2_ERR_TOO_LARGE. */
fa2_err fa2_time_parse(fa2_slice s, int64_t now_ms, int default_offset_min, int64_t *out_ms);
/* The same, but a date or date-time written without a zone is local time in tz (an IANA
 * zone: the offset in force at that local time, daylight saving time included; see
 * fa2_tz_local_to_utc); tz NULL means UTC. */
struct fa2_tz;
fa2_err fa2_time_parse_in(fa2_slice s, int64_t now_ms, const struct fa2_tz *tz, int64_t *out_ms);

/* Parses a zone offset: Z, UTC, GMT, +09:00, +0900, +09, -05:30, UTC+9, UTC-03:30, and
 * common abbreviations (JST, KST, IST, SGT, HKT, CET, CEST, EET, BST, EST, EDT, CST, CDT,
 * MST, MDT, PST, PDT, AEST, AEDT). Result in minutes east of UTC, within +-18 h. */
fa2_err fa2_time_parse_offset(fa2_slice s, int *offset_min);

/* Parses a duration: "30m", "90s", "1h30m", "2d", "500ms", or a bare number of seconds.
 * Result in milliseconds (non-negative). */
fa2_err fa2_time_parse_duration(fa2_slice s, int64_t *out_ms);

/* Formats ms as RFC 3339 at the given offset ("Z" for 0), with milliseconds when
 * with_ms. Writes at most cap bytes including the NUL; returns the length, or 0 when cap
 * is too small (needs 30), ms falls outside the years 0..9999 or |offset_min| > 24 h
 * (any int64 ms is safe to pass). */
size_t fa2_time_format_rfc3339(int64_t ms, int offset_min, int with_ms, char *out, size_t cap);
/* "2026-11-25 17:00" in the given offset (for people). Same return contract. */
size_t fa2_time_format_human(int64_t ms, int offset_min, char *out, size_t cap);

#endif
