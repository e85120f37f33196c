/* Users' time zones for fa2's Slack messages (users.info), with a small TTL cache, and
 * the texts that show a window of time to a person.
 *
 * Conversion uses the tz_offset Slack reports for the user (seconds east of UTC, the
 * offset in force now, daylight saving included), not a local tz database: fa2 is a
 * static binary with no zoneinfo, and Slack's offset is what the user sees in Slack.
 * A window that straddles a DST change of the user's zone is shown with today's
 * offset; the UTC times next to it are always exact. */
#ifndef FA2_SLACK_USERTZ_H
#define FA2_SLACK_USERTZ_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "base/json.h"
#include "slack/webapi.h"

#define FA2_SLACK_TZ_CACHE   512u                /* users remembered */
#define FA2_SLACK_TZ_TTL_MS  (60 * 60 * 1000)   /* default freshness: one hour */

typedef struct fa2_slack_tz {
	char name[64];    /* "Asia/Tokyo"; "" when Slack gave none */
	int offset_min;   /* east of UTC */
	int known;        /* 0: unknown (times are shown in UTC only) */
} fa2_slack_tz;

typedef struct fa2_slack_tz_entry {
	char user[32];
	fa2_slack_tz tz;
	int64_t expires_ms;  /* monotonic */
} fa2_slack_tz_entry;

typedef struct fa2_slack_tzcache {
	pthread_mutex_t lock;
	int64_t ttl_ms;
	fa2_slack_tz_entry e[FA2_SLACK_TZ_CACHE];
	uint64_t hits, lookups;  /* statistics */
} fa2_slack_tzcache;

/* ttl_ms <= 0: FA2_SLACK_TZ_TTL_MS. */
void fa2_slack_tzcache_init(fa2_slack_tzcache *c, int64_t ttl_ms);
void fa2_slack_tzcache_cleanup(fa2_slack_tzcache *c);
/* The user's zone: from the cache while fresh, else users.info (cached on success;
 * failures are not cached and give known = 0). Thread-safe; the network call is made
 * without the lock held. api may be NULL (cache only). */
void fa2_slack_tzcache_get(fa2_slack_tzcache *c, fa2_slack_api *api, const char *user,
                           fa2_slack_tz *out);

/* "2026-11-25 10:32–11:12 Asia/Tokyo (2026-11-25 01:32–02:12 UTC)"; the end carries its
 * own date when it falls on another day; only the UTC part when tz is unknown or UTC.
 * Returns the length (0 when cap is too small). */
size_t fa2_slack_format_window(int64_t start_s, int64_t end_s, const fa2_slack_tz *tz, char *out,
                               size_t cap);
/* "The alarm changed state at 2026-11-25 01:32 UTC (2026-11-25 10:32 UTC+09:00)." (in
 * Japanese when ja is not 0); the part in brackets only when cfg_offset_min is not 0 (the
 * configured timeZone). */
size_t fa2_slack_format_change(int64_t t_s, int cfg_offset_min, int ja, char *out, size_t cap);

/* Inserts {"type":"context","elements":[{"type":"mrkdwn","text":...}]} into the block
 * array at index at (appended when at is past the end). 0 when out of memory. */
int fa2_slack_blocks_insert_context(cJSON *blocks, int at, const char *mrkdwn);

#endif
