/* Slack context of an analysis session, so an analysis started from Slack survives a
 * restart of `fa2 serve`.
 *
 * The context lives in the session's summary.json under "slack":
 *   {"channel", "thread", "progressTs", "startedMs", "posted": false}
 * written before the analysis starts (fa2_run_opts.session_meta). "posted" becomes true
 * once the outcome (report or failure) is in the thread. At start, fa2 serve looks for
 * sessions with a Slack context not yet posted: younger than the configured maximum
 * they are resumed on the worker pool (completed tool calls come from the journal),
 * older ones are marked failed and the thread is told. */
#ifndef FA2_SERVE_RESUME_H
#define FA2_SERVE_RESUME_H

#include <stdint.h>

#include "agent/session.h"
#include "base/err.h"
#include "base/json.h"

typedef struct fa2_slack_resume_item {
	char id[FA2_SESSION_ID_MAX + 1];
	char channel[64];
	char thread[64];
	char progress_ts[64];
	int64_t started_ms;
	char status[32];           /* the summary's status ("running", "done", ...) */
	char event[1024];          /* the summary's event (shortened) */
} fa2_slack_resume_item;

/* The "slack" summary fields for a new session (a new object holding {"slack": {...}}). */
cJSON *fa2_slack_session_meta(const char *channel, const char *thread, const char *progress_ts,
                              int64_t started_ms);

/* Reads the Slack context of a summary. Returns 1 when the summary has one that still
 * has to be posted (and is not marked failed), 0 otherwise. */
int fa2_slack_resume_parse(const char *id, const cJSON *summary, fa2_slack_resume_item *out);

/* Calls fn for every session under state_dir that fa2_slack_resume_parse accepts,
 * oldest first (fn returning non-zero stops the scan). */
fa2_err fa2_slack_resume_scan(const char *state_dir,
                              int (*fn)(void *ctx, const fa2_slack_resume_item *it), void *ctx);

/* The item as a JSON object (a work-queue job for fa2_slack_analysis_resume). */
cJSON *fa2_slack_resume_job(const fa2_slack_resume_item *it);

/* Marks the session's Slack outcome posted (and, when status is not NULL, sets the
 * summary's status, e.g. "failed"). Takes the session's lock: FA2_ERR_LOCKED when a
 * process holds it. */
fa2_err fa2_slack_session_mark_posted(const char *state_dir, const char *id, const char *status);

/* ---- several instances on one DynamoDB table (store/sessions.h) ----
 * fa2_slack_sessions_share(db, state_dir) before the Slack app starts: every session
 * write is copied to the table (journal records under the session's lease), and
 * fa2_slack_resume_scan no longer reads state_dir: it starts a thread that renews this
 * instance's leases every quarter of the lease and, every half, takes over the sessions
 * whose lease expired (their instance died or hung), rebuilds each under
 * state_dir/sessions from the table and hands it to fn like a restart's resumption.
 * fa2_slack_sessions_stop() ends that thread (before fn's context goes away). */
struct fa2_sessdb;
void fa2_slack_sessions_share(struct fa2_sessdb *db, const char *state_dir);
void fa2_slack_sessions_stop(void);
/* Before a session's outcome is posted: 1 when this instance may post it (no shared
 * table, no session id, or the posting claimed under its lease), 0 when another
 * instance holds the lease or posted it already (nothing must be posted here). */
int fa2_slack_sessions_claim(const char *id);

#endif
