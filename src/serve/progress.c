/* Rate-limited progress message: see progress.h. */
#include "serve/progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/msg.h"
#include "base/time.h"
#include "slack/blocks.h"

void fa2_slack_progress_apply(fa2_slack_progress_state *st, const fa2_agent_progress *ev)
{
	unsigned i;
	if (ev->cycle)
		st->cycle = ev->cycle;
	if (ev->max_cycles)
		st->max_cycles = ev->max_cycles;
	switch (ev->event) {
	case FA2_AGENT_EV_MODEL:
		break;
	case FA2_AGENT_EV_FINAL:
		st->final = 1;
		break;
	case FA2_AGENT_EV_TOOL_START:
	case FA2_AGENT_EV_TOOL_DONE:
		if (!ev->tool)
			break;
		for (i = 0; i < st->ntools; i++)
			if (strcmp(st->tools[i], ev->tool) == 0)
				break;
		if (i == st->ntools) {
			if (ev->event == FA2_AGENT_EV_TOOL_DONE || st->ntools >= FA2_SLACK_PROGRESS_TOOLS)
				i = FA2_SLACK_PROGRESS_TOOLS; /* unknown or no room: counted only */
			else {
				snprintf(st->tools[i], sizeof st->tools[i], "%s", ev->tool);
				st->running[i] = 0;
				st->ntools++;
			}
		}
		if (ev->event == FA2_AGENT_EV_TOOL_START) {
			if (i < FA2_SLACK_PROGRESS_TOOLS)
				st->running[i]++;
		} else {
			if (i < FA2_SLACK_PROGRESS_TOOLS && st->running[i])
				st->running[i]--;
			if (ev->is_error)
				st->tools_failed++;
			else
				st->tools_done++;
		}
		break;
	}
}

void fa2_slack_progress_text(const fa2_slack_progress_state *st, const char *desc, int64_t elapsed_ms,
                             fa2_lang lang, char *out, size_t cap)
{
	size_t n = 0;
	unsigned i, shown = 0;
	int w;
	if (!cap)
		return;
	out[0] = '\0';
#define PUT(...) do { \
		if (n < cap) { \
			w = snprintf(out + n, cap - n, __VA_ARGS__); \
			if (w > 0) \
				n += (size_t)w < cap - n ? (size_t)w : cap - n - 1; \
		} \
	} while (0)
	PUT(fa2_msg(lang, "serve.progress.analysing"),
	    desc && *desc ? desc : fa2_msg(lang, "serve.progress.the_incident"));
	if (st->final)
		PUT("%s", fa2_msg(lang, "serve.progress.writing_report"));
	else if (st->cycle)
		PUT(fa2_msg(lang, "serve.progress.cycle"), st->cycle, st->max_cycles);
	else
		PUT("%s", fa2_msg(lang, "serve.progress.starting"));
	for (i = 0; i < st->ntools; i++) {
		if (!st->running[i])
			continue;
		PUT("%s%s", shown ? ", " : fa2_msg(lang, "serve.progress.running"), st->tools[i]);
		if (st->running[i] > 1)
			PUT(" ×%u", st->running[i]);
		shown++;
	}
	if (!shown && !st->final && st->cycle)
		PUT("%s", fa2_msg(lang, "serve.progress.asking_model"));
	if (st->tools_done || st->tools_failed) {
		unsigned calls = st->tools_done + st->tools_failed;
		PUT(calls == 1 ? fa2_msg(lang, "serve.progress.tool_call_done") :
		    fa2_msg(lang, "serve.progress.tool_calls_done"), calls, st->tools_failed ? fa2_msg(lang, "serve.progress.some_failed") : "");
	}
	PUT(fa2_msg(lang, "serve.progress.s_elapsed"), (long long)(elapsed_ms / 1000));
#undef PUT
}

/* Absolute CLOCK_MONOTONIC time ms as a timespec. */
static struct timespec mono_ts(int64_t ms)
{
	struct timespec ts;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	return ts;
}

/* Sends the current state with p->mu held; the lock is released during the call. */
static void send_locked(fa2_slack_progress *p)
{
	char text[FA2_SLACK_PROGRESS_TEXT];
	int64_t now = fa2_time_mono_ms();
	int rc;
	fa2_slack_progress_text(&p->st, p->desc, now - p->t0_mono_ms, p->lang, text, sizeof text);
	p->dirty = 0;
	pthread_mutex_unlock(&p->mu);
	rc = p->send(p->send_ctx, text);
	pthread_mutex_lock(&p->mu);
	/* the interval runs from the end of this call: never two calls closer than it */
	p->last_sent_mono_ms = fa2_time_mono_ms();
	if (rc == 0)
		p->updates_sent++;
}

static void *flusher(void *arg)
{
	fa2_slack_progress *p = arg;
	pthread_mutex_lock(&p->mu);
	while (!p->stopping) {
		int64_t due;
		if (!p->dirty) {
			pthread_cond_wait(&p->cond, &p->mu);
			continue;
		}
		due = p->last_sent_mono_ms ? p->last_sent_mono_ms + p->interval_ms : 0;
		if (fa2_time_mono_ms() >= due) {
			send_locked(p);
		} else {
			struct timespec ts = mono_ts(due);
			(void)pthread_cond_timedwait(&p->cond, &p->mu, &ts);
		}
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

fa2_err fa2_slack_progress_start(fa2_slack_progress *p, fa2_slack_progress_send send, void *send_ctx,
                                 const char *desc, int64_t interval_ms, fa2_lang lang)
{
	pthread_condattr_t ca;
	memset(p, 0, sizeof *p);
	p->lang = lang;
	p->send = send;
	p->send_ctx = send_ctx;
	snprintf(p->desc, sizeof p->desc, "%s", desc ? desc : "");
	if (strlen(p->desc) >= sizeof p->desc - 1) { /* shortened: do not cut a UTF-8 sequence */
		size_t n = sizeof p->desc - 4;
		while (n && ((unsigned char)p->desc[n] & 0xC0) == 0x80)
			n--;
		memcpy(p->desc + n, "...", 4);
	}
	p->interval_ms = interval_ms > 0 ? interval_ms : 2000;
	p->t0_mono_ms = fa2_time_mono_ms();
	pthread_mutex_init(&p->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&p->thread, NULL, flusher, p) != 0)
		return FA2_ERR_NOMEM;
	p->have_thread = 1;
	return FA2_OK;
}

void fa2_slack_progress_event(void *ctx, const fa2_agent_progress *ev)
{
	fa2_slack_progress *p = ctx;
	pthread_mutex_lock(&p->mu);
	fa2_slack_progress_apply(&p->st, ev);
	p->dirty = 1;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->mu);
}

void fa2_slack_progress_finish(fa2_slack_progress *p, const char *final_text)
{
	pthread_mutex_lock(&p->mu);
	p->stopping = 1;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->mu);
	if (p->have_thread)
		pthread_join(p->thread, NULL);
	p->have_thread = 0;
	if (final_text && p->send(p->send_ctx, final_text) == 0)
		p->updates_sent++;
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cond);
}
