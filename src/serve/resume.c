/* Slack context of sessions and resume after restart: see resume.h. */
#include "serve/resume.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/num.h"
#include "base/time.h"
#include "store/sessions.h"

static int shared_on(void);
static fa2_err shared_start(int (*fn)(void *ctx, const fa2_slack_resume_item *it), void *ctx);

cJSON *fa2_slack_session_meta(const char *channel, const char *thread, const char *progress_ts,
                              int64_t started_ms)
{
	cJSON *o = cJSON_CreateObject(), *s = o ? cJSON_AddObjectToObject(o, "slack") : NULL;
	if (!s || !cJSON_AddStringToObject(s, "channel", channel) || !cJSON_AddStringToObject(s, "thread", thread) ||
	    !cJSON_AddStringToObject(s, "progressTs", progress_ts ? progress_ts : "") ||
	    !cJSON_AddNumberToObject(s, "startedMs", (double)started_ms) || !cJSON_AddFalseToObject(s, "posted")) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static int copy_field(const cJSON *o, const char *key, char *out, size_t cap, int required)
{
	const char *v = fa2_json_str(o, key);
	out[0] = '\0';
	if (!v)
		return !required;
	if (strlen(v) >= cap)
		return 0;
	snprintf(out, cap, "%s", v);
	return !required || *v;
}

int fa2_slack_resume_parse(const char *id, const cJSON *summary, fa2_slack_resume_item *out)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(summary, "slack");
	int64_t started = 0;
	memset(out, 0, sizeof *out);
	if (!cJSON_IsObject(s) || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "posted")) || !id ||
	    strlen(id) >= sizeof out->id)
		return 0;
	if (!copy_field(s, "channel", out->channel, sizeof out->channel, 1) ||
	    !copy_field(s, "thread", out->thread, sizeof out->thread, 1) ||
	    !copy_field(s, "progressTs", out->progress_ts, sizeof out->progress_ts, 0) ||
	    !copy_field(summary, "status", out->status, sizeof out->status, 0))
		return 0;
	if (strcmp(out->status, "failed") == 0)
		return 0;
	snprintf(out->event, sizeof out->event, "%s", fa2_json_str(summary, "event") ? fa2_json_str(summary, "event") : "");
	if (fa2_json_i64(s, "startedMs", 1, FA2_NUM_EPOCH_MAX_MS, &started))
		out->started_ms = started;
	snprintf(out->id, sizeof out->id, "%s", id);
	return 1;
}

cJSON *fa2_slack_resume_job(const fa2_slack_resume_item *it)
{
	cJSON *p = cJSON_CreateObject();
	if (!p || !cJSON_AddStringToObject(p, "id", it->id) || !cJSON_AddStringToObject(p, "channel", it->channel) ||
	    !cJSON_AddStringToObject(p, "thread", it->thread) || !cJSON_AddStringToObject(p, "progressTs", it->progress_ts) ||
	    !cJSON_AddStringToObject(p, "event", it->event) ||
	    !cJSON_AddNumberToObject(p, "startedMs", (double)it->started_ms)) {
		cJSON_Delete(p);
		return NULL;
	}
	return p;
}

typedef struct scan_ctx {
	int (*fn)(void *ctx, const fa2_slack_resume_item *it);
	void *ctx;
} scan_ctx;

static int scan_one(void *ctx, const char *id, const cJSON *summary)
{
	scan_ctx *sc = ctx;
	fa2_slack_resume_item it;
	if (!summary || !fa2_slack_resume_parse(id, summary, &it))
		return 0;
	return sc->fn(sc->ctx, &it);
}

fa2_err fa2_slack_resume_scan(const char *state_dir,
                              int (*fn)(void *ctx, const fa2_slack_resume_item *it), void *ctx)
{
	scan_ctx sc;
	if (shared_on()) /* the table's leases decide, not the files here */
		return shared_start(fn, ctx);
	sc.fn = fn;
	sc.ctx = ctx;
	return fa2_session_list(state_dir, scan_one, &sc);
}

fa2_err fa2_slack_session_mark_posted(const char *state_dir, const char *id, const char *status)
{
	fa2_session s;
	cJSON *f = NULL, *slack;
	char msg[512];
	fa2_err e;
	memset(&s, 0, sizeof s);
	e = fa2_session_open(&s, state_dir, id, msg, sizeof msg);
	if (e) {
		FA2_LOGW("slack", "session %s: %s", id, msg);
		return e;
	}
	e = FA2_ERR_NOMEM;
	slack = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(s.summary, "slack"), 1);
	if (!slack)
		slack = cJSON_CreateObject();
	f = cJSON_CreateObject();
	if (!slack || !f) {
		cJSON_Delete(slack);
		goto cleanup;
	}
	cJSON_AddItemToObject(f, "slack", slack);
	cJSON_DeleteItemFromObjectCaseSensitive(slack, "posted");
	if (!cJSON_AddTrueToObject(slack, "posted") || (status && !cJSON_AddStringToObject(f, "status", status)))
		goto cleanup;
	e = fa2_session_update_summary(&s, f);
cleanup:
	cJSON_Delete(f);
	fa2_session_close(&s);
	return e;
}

/* ---- sessions shared through DynamoDB: leases and take-over (resume.h) ---- */

static struct {
	fa2_sessdb *db;
	char state_dir[PATH_MAX];
	int (*fn)(void *ctx, const fa2_slack_resume_item *it);
	void *ctx;
	pthread_t thread;
	int running, stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
} g_shared = { NULL, "", NULL, NULL, 0, 0, 0, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER };

/* The session mirror (agent/session.h): every write goes to the table too. A journal
 * record needs the lease: a new session acquires it with its first record; a session
 * whose lease this instance does not hold (another took it over) gets no more records. */
static fa2_err mirror(void *ctx, const char *id, fa2_session_mirror_kind kind, const char *name, uint64_t seq,
                      const char *data, size_t len)
{
	fa2_sessdb *db = ctx;
	if (kind == FA2_SESSION_MIRROR_JOURNAL) {
		if (!fa2_sessdb_holds(db, id)) {
			fa2_err e = seq == 0 ? fa2_sessdb_acquire(db, id) : FA2_ERR_EXISTS;
			if (e == FA2_ERR_EXISTS) {
				FA2_LOGW("store", "session %s: its lease is another instance's: journal record %llu not written",
				         id, (unsigned long long)seq);
				return FA2_ERR_LOCKED;
			}
			if (e)
				return e;
		}
		return fa2_sessdb_put_journal(db, id, seq, data, len);
	}
	return fa2_sessdb_put_named(db, id, name, data, len);
}

static int shared_on(void)
{
	return g_shared.db != NULL;
}

void fa2_slack_sessions_share(fa2_sessdb *db, const char *state_dir)
{
	g_shared.db = db;
	snprintf(g_shared.state_dir, sizeof g_shared.state_dir, "%s", state_dir ? state_dir : "");
	fa2_session_set_mirror(db ? mirror : NULL, db);
}

int fa2_slack_sessions_claim(const char *id)
{
	fa2_err e;
	if (!g_shared.db || !id || !id[0])
		return 1;
	e = fa2_sessdb_claim_post(g_shared.db, id);
	if (e == FA2_OK)
		return 1;
	FA2_LOGW("slack", "session %s: outcome not posted here: %s", id,
	         e == FA2_ERR_EXISTS ? "another instance holds its lease or posted it" : fa2_err_str(e));
	return 0;
}

/* Rebuilds a taken-over session under state_dir/sessions/<id> from the table and queues
 * its resumption. */
static int take_one(void *ctx, const char *id)
{
	char dir[PATH_MAX];
	cJSON *sum = NULL;
	fa2_slack_resume_item it;
	fa2_err e = FA2_ERR_INVALID;
	(void)ctx;
	if (fa2_session_id_valid(id) && fa2_session_path(g_shared.state_dir, id, dir, sizeof dir) == FA2_OK)
		e = fa2_sessdb_fetch(g_shared.db, id, dir);
	if (!e)
		e = fa2_session_read_summary(dir, &sum);
	if (e || !sum) {
		FA2_LOGW("slack", "session %s: taken over but cannot be rebuilt here: %s", id, fa2_err_str(e));
		fa2_sessdb_release(g_shared.db, id);
		cJSON_Delete(sum);
		return 0;
	}
	if (!fa2_slack_resume_parse(id, sum, &it)) {
		/* nothing to post for it (no Slack context, or failed): never taken over again */
		(void)fa2_sessdb_claim_post(g_shared.db, id);
	} else {
		FA2_LOGI("slack", "session %s: taken over from an instance that stopped renewing its lease", id);
		(void)g_shared.fn(g_shared.ctx, &it);
	}
	cJSON_Delete(sum);
	return 0;
}

/* Renews this instance's leases every quarter of the lease, and looks for expired ones
 * every half. */
static void *lease_loop(void *arg)
{
	int64_t tick = fa2_sessdb_lease_ms(g_shared.db) / 4;
	unsigned n = 0;
	(void)arg;
	if (tick < 250)
		tick = 250;
	pthread_mutex_lock(&g_shared.mu);
	while (!g_shared.stop) {
		struct timespec ts;
		int64_t until;
		pthread_mutex_unlock(&g_shared.mu);
		(void)fa2_sessdb_renew_all(g_shared.db, NULL);
		if (n++ % 2 == 0) {
			fa2_err e = fa2_sessdb_take_expired(g_shared.db, take_one, NULL, NULL);
			if (e)
				FA2_LOGW("store", "cannot look for expired leases: %s", fa2_err_str(e));
		}
		until = fa2_time_now_ms() + tick;
		ts.tv_sec = (time_t)(until / 1000);
		ts.tv_nsec = (long)(until % 1000) * 1000000L;
		pthread_mutex_lock(&g_shared.mu);
		if (!g_shared.stop)
			(void)pthread_cond_timedwait(&g_shared.cv, &g_shared.mu, &ts);
	}
	pthread_mutex_unlock(&g_shared.mu);
	return NULL;
}

static fa2_err shared_start(int (*fn)(void *ctx, const fa2_slack_resume_item *it), void *ctx)
{
	pthread_mutex_lock(&g_shared.mu);
	if (g_shared.running) {
		pthread_mutex_unlock(&g_shared.mu);
		return FA2_ERR_EXISTS;
	}
	g_shared.fn = fn;
	g_shared.ctx = ctx;
	g_shared.stop = 0;
	g_shared.running = pthread_create(&g_shared.thread, NULL, lease_loop, NULL) == 0;
	pthread_mutex_unlock(&g_shared.mu);
	return g_shared.running ? FA2_OK : FA2_ERR_NOMEM;
}

void fa2_slack_sessions_stop(void)
{
	int running;
	pthread_mutex_lock(&g_shared.mu);
	running = g_shared.running;
	g_shared.stop = 1;
	pthread_cond_broadcast(&g_shared.cv);
	pthread_mutex_unlock(&g_shared.mu);
	if (running)
		pthread_join(g_shared.thread, NULL);
	g_shared.running = 0;
}
