/* What `fa2 serve` can reload on SIGHUP: the analysis configuration and the Slack
 * lists (alarm source ids, allow-lists), as one reference-counted snapshot.
 *
 * Readers take a reference (fa2_slack_live_get) for the length of one unit of work
 * (an event, a click, a whole analysis) and drop it (fa2_slack_live_put); a reload
 * (fa2_slack_live_replace) swaps the current snapshot under the holder's lock and the
 * old one is freed when its last reader drops it. So an analysis that started before a
 * reload keeps the configuration it started with, and nothing is freed under a reader.
 *
 * The Slack lists come from the configuration file's "slack" object:
 *   "slack": { "alarmIds": ["A6L22LZNH"], "allowChannels": ["C0123"], "allowUsers": [] }
 * (arrays of ids, or one comma-separated string). Command-line values, when given, win
 * over the file and stay the same across reloads. */
#ifndef FA2_SERVE_SETTINGS_H
#define FA2_SERVE_SETTINGS_H

#include <pthread.h>

#include "agent/config.h"
#include "base/err.h"
#include "base/slice.h"

#define FA2_SLACK_MAX_LIST_BYTES 16384u  /* one comma-separated id list */

typedef struct fa2_slack_settings {
	fa2_config *cfg;        /* analysis configuration: &own, or borrowed (see _wrap) */
	char *alarm_ids;        /* owned; NULL: FA2_SLACK_DEFAULT_ALARM_IDS */
	char *allow_channels;   /* owned; NULL: every channel */
	char *allow_users;      /* owned; NULL: every user */
	/* private */
	fa2_config own;
	int owns_cfg;
	unsigned refs;          /* guarded by the holder's lock (1 while unshared) */
} fa2_slack_settings;

/* Loads path (NULL or "": $FA2_CONFIG, else defaults only) into a new snapshot with one
 * reference. The cli_* lists, when not NULL, replace the file's. On failure returns the
 * error, *out stays NULL and msg (cap bytes) says why, naming the file and the key. */
fa2_err fa2_slack_settings_load(const char *path, const char *cli_alarm_ids,
                                const char *cli_allow_channels, const char *cli_allow_users,
                                fa2_slack_settings **out, char *msg, size_t cap);

/* Applies the "slack" object of a configuration JSON text to s (origin names it in
 * messages). An absent object changes nothing. */
fa2_err fa2_slack_settings_apply_json(fa2_slack_settings *s, fa2_slice json, const char *origin,
                                      char *msg, size_t cap);

/* A snapshot around a configuration the caller keeps alive (cfg may be NULL) and copies
 * of the lists (each may be NULL). One reference. NULL when out of memory. */
fa2_slack_settings *fa2_slack_settings_wrap(fa2_config *cfg, const char *alarm_ids,
                                            const char *allow_channels, const char *allow_users);

/* Frees a snapshot that was never handed to a holder. s may be NULL. */
void fa2_slack_settings_free(fa2_slack_settings *s);

typedef struct fa2_slack_live {
	pthread_mutex_t lock;
	fa2_slack_settings *cur;
	unsigned long generation;  /* 1 at init, +1 per replace */
} fa2_slack_live;

/* Takes s's reference. */
void fa2_slack_live_init(fa2_slack_live *l, fa2_slack_settings *s);
/* Drops the current snapshot (it is freed once its readers are done; call after every
 * reader has stopped). */
void fa2_slack_live_cleanup(fa2_slack_live *l);
/* The current snapshot, +1 reference. Never NULL after init. */
fa2_slack_settings *fa2_slack_live_get(fa2_slack_live *l);
/* -1 reference; frees s at zero. s may be NULL. */
void fa2_slack_live_put(fa2_slack_live *l, fa2_slack_settings *s);
/* Makes s (its reference taken over) current; the previous one is dropped. */
void fa2_slack_live_replace(fa2_slack_live *l, fa2_slack_settings *s);

#endif
