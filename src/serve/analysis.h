/* One analysis from Slack, on a worker of the Slack app (serve/app.c):
 *
 *   progress message (posted, then edited in place: serve/progress.h)
 *   -> fa2_cmd_run_agent (new, or resumed from the session journal), with the Slack
 *      context recorded in the session (serve/resume.h)
 *   -> outcome in the progress message, report blocks + Markdown file in the thread
 *   -> metric graph PNGs (serve/graphs.h; best effort, never fails the analysis)
 *   -> the session's Slack outcome marked posted, so a restart does not post it again. */
#ifndef FA2_SERVE_ANALYSIS_H
#define FA2_SERVE_ANALYSIS_H

#include <stdint.h>

#include "base/json.h"
#include "serve/app.h"
#include "slack/webapi.h"

typedef struct fa2_slack_analysis_env {
	fa2_slack_api *api;                 /* borrowed */
	const fa2_slack_app_config *cfg;    /* state_dir, cfg (analysis), progress_interval_ms */
	const struct fa2_alarm *alarm;      /* new analyses: the alarm whose metric is read first
	                                     * (borrowed; NULL: none). A resume takes the alarm
	                                     * from the session journal. */
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
