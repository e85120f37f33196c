/* One analysis from Slack, on a worker of the Slack app (serve/app.c):
 *
 *   progress message (posted, then edited in place: serve/progress.h)
 *   -> fa2_run_analysis (agent/run.h; new, or resumed from the session journal), with
 *      the Slack context recorded in the session (serve/resume.h)
 *   -> complete: the report (Block Kit from the outcome's report document, and its
 *      Markdown as a file) in the thread, then metric graph PNGs (serve/graphs.h; best
 *      effort, never fails the analysis)
 *   -> failed or partial: the progress message becomes the failure in the configured
 *      language (cause, model id, region, error code, what to do), a partial report
 *      follows when there is one, and a prefilled form whose button runs it again
 *   -> the session's Slack outcome marked posted, so a restart does not post it again. */
#ifndef FA2_SERVE_ANALYSIS_H
#define FA2_SERVE_ANALYSIS_H

#include <stdint.h>

#include "base/json.h"
#include "serve/app.h"
#include "slack/webapi.h"

/* block_id of the first block of the retry form posted after a failure (the rest is the
 * analysis form of slack/blocks.h, whose button app.c handles). */
#define FA2_SLACK_BLK_RETRY "fa2_retry"

typedef struct fa2_slack_analysis_env {
	fa2_slack_api *api;                 /* borrowed */
	const fa2_slack_app_config *cfg;    /* state_dir, cfg (analysis), progress_interval_ms */
	const struct fa2_alarm *alarm;      /* new analyses: the alarm whose metric is read first
	                                     * (borrowed; NULL: none). A resume takes the alarm
	                                     * from the session journal. */
	const struct fa2_tz *tz;            /* new analyses: the requester's zone (Slack
	                                     * users.info; borrowed): the report's header and
	                                     * timeline and the graphs are in it. NULL: the
	                                     * configuration's timeZone. */
} fa2_slack_analysis_env;

/* Runs a new analysis in channel/thread. Returns 1 when the report was posted, 0 when
 * the thread was told of a failure, -1 when nothing could be posted. */
int fa2_slack_analysis_run(const fa2_slack_analysis_env *env, const char *channel, const char *thread,
                           const char *desc, int64_t start_s, int64_t end_s);

/* Resumes an analysis a restart interrupted; job is fa2_slack_resume_job's object. A
 * session that started longer ago than slackResumeMaxAgeMinutes is marked failed and its
 * thread told instead (returns 0). Same return values as fa2_slack_analysis_run. */
int fa2_slack_analysis_resume(const fa2_slack_analysis_env *env, const cJSON *job);

#endif
