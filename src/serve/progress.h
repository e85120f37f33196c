/* The ONE progress message of a Slack analysis, updated in place (chat.update).
 *
 * fa2_slack_progress_event is the agent's progress callback (fa2_agent_config.progress,
 * through fa2_run_opts.progress): it only records the state (cycle n/N, the tools
 * running) and wakes a flusher thread. The flusher sends the latest state at most once
 * per interval_ms (Slack's chat.update is rate limited; tier 3, ~50/min per workspace),
 * always the newest one: an update due while another is in flight is merged into the
 * next. fa2_slack_progress_finish stops the flusher and always sends its final text.
 * Elapsed seconds are measured on the monotonic clock from fa2_slack_progress_start. */
#ifndef FA2_SERVE_PROGRESS_H
#define FA2_SERVE_PROGRESS_H

#include <pthread.h>
#include <stdint.h>

#include "agent/agent.h"
#include "base/err.h"

#define FA2_SLACK_PROGRESS_TOOLS 16u   /* distinct tool names shown as running */
#define FA2_SLACK_PROGRESS_TEXT  1024u /* bytes of one progress text */

/* Sends text as the new content of the progress message. Returns 0 on success. */
typedef int (*fa2_slack_progress_send)(void *ctx, const char *text);

typedef struct fa2_slack_progress_state {
	unsigned cycle, max_cycles;
	int final;                        /* the final-report call started */
	unsigned ntools;
	char tools[FA2_SLACK_PROGRESS_TOOLS][48];
	unsigned running[FA2_SLACK_PROGRESS_TOOLS]; /* calls of tools[i] running now */
	unsigned tools_done, tools_failed;
} fa2_slack_progress_state;

typedef struct fa2_slack_progress {
	fa2_slack_progress_send send;
	void *send_ctx;
	char desc[200];                   /* what is analysed (shortened) */
	int64_t interval_ms;
	int64_t t0_mono_ms;
	pthread_mutex_t mu;
	pthread_cond_t cond;              /* CLOCK_MONOTONIC */
	pthread_t thread;
	int have_thread, stopping, dirty;
	int64_t last_sent_mono_ms;        /* 0: never */
	fa2_slack_progress_state st;
	unsigned updates_sent;            /* statistics, for tests */
	fa2_lang lang;                    /* of the texts */
} fa2_slack_progress;

/* Starts the flusher; its texts are in lang. desc may be NULL. interval_ms <= 0 means
 * 2000. FA2_ERR_NOMEM when the thread cannot be created (events are then dropped; finish
 * still sends). */
fa2_err fa2_slack_progress_start(fa2_slack_progress *p, fa2_slack_progress_send send, void *send_ctx,
                                 const char *desc, int64_t interval_ms, fa2_lang lang);
/* fa2_agent_config.progress: records the event (ctx is the fa2_slack_progress). */
void fa2_slack_progress_event(void *ctx, const fa2_agent_progress *ev);
/* Stops the flusher and sends final_text (when not NULL) unconditionally. Safe once
 * after start. */
void fa2_slack_progress_finish(fa2_slack_progress *p, const char *final_text);

/* Renders the progress text of st after elapsed_ms in lang into out (cap bytes). */
void fa2_slack_progress_text(const fa2_slack_progress_state *st, const char *desc, int64_t elapsed_ms,
                             fa2_lang lang, char *out, size_t cap);
/* Applies one event to st (pure; exposed for tests). */
void fa2_slack_progress_apply(fa2_slack_progress_state *st, const fa2_agent_progress *ev);

#endif
