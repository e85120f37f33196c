/* Slack Socket Mode client: see socket.h. */
#include "slack/socket.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/time.h"
#include "crypto/ct.h"
#include "crypto/random.h"
#include "net/sock.h"
#include "net/ws.h"
#include "slack/webapi.h"

#define SOCK_POLL_MS 200          /* receive slice: how often stop and pending acks are checked */
#define SOCK_PENDING_POLL_MS 10   /* receive slice while slash command acks wait */
#define SOCK_MAX_PENDING 64u      /* slash command acks waiting for a worker */

/* A slash command ack waiting for its worker. Shared by the socket thread and one
 * worker: refs counts both; the last one frees it (under s->lock). */
typedef struct pending {
	struct pending *next;
	char envelope_id[128];
	int64_t deadline_ms;      /* monotonic: ack without payload after this */
	int done;                 /* worker answered */
	fa2_slack_ack ack;        /* the worker's answer when done */
	int refs;
} pending;

/* Guards done/ack/refs of every pending record. Global (not per client) because a
 * worker may complete a record after its client was stopped and freed. */
static pthread_mutex_t g_pend_lock = PTHREAD_MUTEX_INITIALIZER;

struct fa2_slack_socket {
	fa2_slack_socket_config cfg;
	char *token;              /* owned copy, wiped */
	pthread_t thread;
	pthread_mutex_t lock;     /* guards stop, stats, pending */
	int stop;
	pending *pend;            /* socket thread's list */
	size_t npend;
	fa2_slack_socket_stats stats;
};

/* ---- envelopes ---- */

static int copy_str(const cJSON *o, const char *key, char *out, size_t cap, int required)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	size_t n;
	out[0] = '\0';
	if (!v)
		return required ? -1 : 0;
	if (!cJSON_IsString(v) || !v->valuestring)
		return -1;
	n = strlen(v->valuestring);
	if (n >= cap)
		return -1;
	memcpy(out, v->valuestring, n + 1);
	return 0;
}

fa2_err fa2_slack_envelope_parse(fa2_slice msg, fa2_slack_envelope *out)
{
	cJSON *root = NULL, *pl;
	const cJSON *v;
	int64_t attempt = 0;
	fa2_err err = FA2_ERR_PARSE;

	memset(out, 0, sizeof *out);
	root = fa2_json_parse(msg, NULL);
	if (!cJSON_IsObject(root))
		goto cleanup;
	if (copy_str(root, "type", out->type, sizeof out->type, 1) != 0 || !out->type[0] ||
	    copy_str(root, "envelope_id", out->envelope_id, sizeof out->envelope_id, 0) != 0 ||
	    copy_str(root, "reason", out->reason, sizeof out->reason, 0) != 0)
		goto cleanup;
	v = cJSON_GetObjectItemCaseSensitive(root, "accepts_response_payload");
	out->accepts_response_payload = cJSON_IsTrue(v);
	if (fa2_json_i64(root, "retry_attempt", 1, 999, &attempt))
		snprintf(out->retry, sizeof out->retry, "%d", (int)attempt);
	pl = cJSON_DetachItemFromObjectCaseSensitive(root, "payload");
	if (pl && !cJSON_IsObject(pl)) {
		cJSON_Delete(pl);
		goto cleanup;
	}
	out->payload = pl;
	err = FA2_OK;
cleanup:
	cJSON_Delete(root);
	if (err)
		memset(out, 0, sizeof *out);
	return err;
}

void fa2_slack_envelope_cleanup(fa2_slack_envelope *e)
{
	cJSON_Delete(e->payload);
	e->payload = NULL;
}

int fa2_slack_envelope_kind(const char *type)
{
	if (strcmp(type, "events_api") == 0)
		return FA2_SLACK_EVENTS;
	if (strcmp(type, "interactive") == 0)
		return FA2_SLACK_INTERACTIVE;
	if (strcmp(type, "slash_commands") == 0)
		return FA2_SLACK_COMMAND;
	return 0;
}

fa2_err fa2_slack_socket_ack_json(const char *envelope_id, const fa2_slack_ack *ack, fa2_buf *out)
{
	fa2_err err;
	if ((err = fa2_buf_append_cstr(out, "{\"envelope_id\":")) != FA2_OK ||
	    (err = fa2_json_append_string(out, fa2_slice_cstr(envelope_id))) != FA2_OK)
		return err;
	if (ack && ack->json && ack->len && ack->status == 200) {
		if ((err = fa2_buf_append_cstr(out, ",\"payload\":")) != FA2_OK ||
		    (err = fa2_buf_append(out, ack->body, ack->len)) != FA2_OK)
			return err;
	}
	return fa2_buf_append_byte(out, '}');
}

/* ---- small helpers ---- */

static int stopping(fa2_slack_socket *s)
{
	int v;
	pthread_mutex_lock(&s->lock);
	v = s->stop;
	pthread_mutex_unlock(&s->lock);
	return v;
}

#define BUMP(s, field) do { pthread_mutex_lock(&(s)->lock); (s)->stats.field++; pthread_mutex_unlock(&(s)->lock); } while (0)

/* Sleeps ms in short steps; returns 1 early when asked to stop. */
static int nap(fa2_slack_socket *s, int64_t ms)
{
	int64_t end = fa2_time_mono_ms() + ms;
	while (!stopping(s)) {
		int64_t left = end - fa2_time_mono_ms();
		struct timespec ts;
		if (left <= 0)
			return 0;
		if (left > 50)
			left = 50;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)left * 1000000L;
		nanosleep(&ts, NULL);
	}
	return 1;
}

/* The host part of a ws(s):// URL, for log lines (the query holds a ticket). */
static void url_host(const char *url, char *out, size_t cap)
{
	const char *p = strstr(url, "://");
	size_t n = 0;
	p = p ? p + 3 : url;
	while (p[n] && p[n] != '/' && p[n] != '?' && n + 1 < cap)
		n++;
	memcpy(out, p, n);
	out[n] = '\0';
}

/* apps.connections.open: a fresh wss:// URL into url (cap bytes). */
static fa2_err open_url(fa2_slack_socket *s, char *url, size_t cap)
{
	fa2_slack_api api;
	cJSON *ans = NULL;
	char code[64] = "";
	const char *u;
	fa2_err err;

	fa2_slack_api_init(&api, s->token);
	api.timeout_ms = 10000;
	err = fa2_slack_call_form(&api, "apps.connections.open", FA2_SLICE_EMPTY, &ans, code);
	if (err) {
		FA2_LOGW("slack-socket", "apps.connections.open failed: %s%s%s%s", fa2_err_str(err),
		         code[0] ? " (" : "", code, code[0] ? ")" : "");
		if (strcmp(code, "invalid_auth") == 0 || strcmp(code, "not_allowed_token_type") == 0)
			FA2_LOGE("slack-socket", "SLACK_APP_TOKEN must be an app-level token (xapp-...) with "
			         "the connections:write scope");
		goto cleanup;
	}
	u = fa2_json_str(ans, "url");
	if (!u || strlen(u) >= cap || (strncmp(u, "wss://", 6) != 0 && strncmp(u, "ws://", 5) != 0)) {
		FA2_LOGW("slack-socket", "apps.connections.open answered without a usable url");
		err = FA2_ERR_SLACK;
		goto cleanup;
	}
	/* The URL carries a one-time ticket: it is never logged (only its host is), and not
	 * registered for redaction either (one per reconnect would fill the log's table). */
	memcpy(url, u, strlen(u) + 1);
cleanup:
	cJSON_Delete(ans);
	return err;
}

/* Opens a URL and connects it. On FA2_OK *out is the new connection. */
static fa2_err connect_new(fa2_slack_socket *s, fa2_ws **out)
{
	char url[2048], host[256], msg[256] = "";
	fa2_ws_opts o;
	fa2_err err;

	*out = NULL;
	if ((err = open_url(s, url, sizeof url)) != FA2_OK)
		return err;
	url_host(url, host, sizeof host);
	memset(&o, 0, sizeof o);
	o.connect_timeout_ms = 10000;
	o.handshake_timeout_ms = 10000;
	o.max_message = FA2_MAX_WS_MESSAGE_BYTES;
	err = fa2_ws_connect(fa2_slice_cstr(url), &o, out, msg, sizeof msg);
	fa2_wipe(url, sizeof url);
	if (err) {
		FA2_LOGW("slack-socket", "cannot connect to %s: %s", host, msg[0] ? msg : fa2_err_str(err));
		return err;
	}
	pthread_mutex_lock(&s->lock);
	if (s->stats.connections++)
		s->stats.reconnects++;
	s->stats.connected = 1;
	pthread_mutex_unlock(&s->lock);
	FA2_LOGI("slack-socket", "connected to %s", host);
	return FA2_OK;
}

/* ---- pending slash command acks ---- */

typedef struct defer_ctx {
	fa2_slack_socket *s;
	const char *envelope_id;
} defer_ctx;

static void pending_unref(pending *p)
{
	int last;
	pthread_mutex_lock(&g_pend_lock);
	last = --p->refs == 0;
	pthread_mutex_unlock(&g_pend_lock);
	if (last)
		fa2_free(p);
}

static void *sock_defer(void *ctx)
{
	defer_ctx *d = ctx;
	fa2_slack_socket *s = d->s;
	pending *p;
	size_t n = strlen(d->envelope_id);
	if (n >= sizeof p->envelope_id || s->npend >= SOCK_MAX_PENDING || !(p = fa2_malloc(sizeof *p)))
		return NULL;
	memset(p, 0, sizeof *p);
	memcpy(p->envelope_id, d->envelope_id, n + 1);
	p->deadline_ms = fa2_time_mono_ms() + s->cfg.command_wait_ms;
	p->refs = 2;
	p->next = s->pend;   /* only the socket thread touches the list */
	s->pend = p;
	s->npend++;
	return p;
}

/* From a worker (or the socket thread when the queue was full): records the answer;
 * the socket thread sends it with the ack. */
static void sock_complete(void *handle, int status, const char *content_type, const void *body, size_t len)
{
	pending *p = handle;
	if (len >= sizeof p->ack.body)
		len = 0;
	pthread_mutex_lock(&g_pend_lock);
	p->ack.status = status;
	p->ack.json = content_type && strncmp(content_type, "application/json", 16) == 0;
	memcpy(p->ack.body, body, len);
	p->ack.body[len] = '\0';
	p->ack.len = len;
	p->done = 1;
	pthread_mutex_unlock(&g_pend_lock);
	pending_unref(p);
}

static fa2_err send_ack(fa2_slack_socket *s, fa2_ws *ws, const char *envelope_id, const fa2_slack_ack *ack)
{
	fa2_buf out;
	fa2_err err;
	fa2_buf_init(&out, sizeof ack->body + 256);
	err = fa2_slack_socket_ack_json(envelope_id, ack, &out);
	if (!err)
		err = fa2_ws_send(ws, FA2_WS_TEXT, fa2_buf_slice(&out), fa2_sock_deadline(5000));
	fa2_buf_cleanup(&out);
	if (!err)
		BUMP(s, acks);
	else
		FA2_LOGW("slack-socket", "cannot acknowledge envelope %s: %s", envelope_id, fa2_err_str(err));
	return err;
}

/* Sends the acks whose answer arrived or whose wait ran out (all of them when flush). */
static fa2_err flush_pending(fa2_slack_socket *s, fa2_ws *ws, int flush)
{
	pending **pp = &s->pend;
	fa2_err err = FA2_OK;
	int64_t now = fa2_time_mono_ms();
	while (*pp) {
		pending *p = *pp;
		int done;
		fa2_slack_ack ack;
		pthread_mutex_lock(&g_pend_lock);
		done = p->done;
		if (done)
			ack = p->ack;
		pthread_mutex_unlock(&g_pend_lock);
		if (!done && !flush && now < p->deadline_ms) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		s->npend--;
		if (!done)
			FA2_LOGW("slack-socket", "slash command %s: no answer within %lld ms, acknowledged "
			         "without one", p->envelope_id, (long long)s->cfg.command_wait_ms);
		if (ws && !err)
			err = send_ack(s, ws, p->envelope_id, done ? &ack : NULL);
		pending_unref(p);
	}
	return err;
}

/* ---- one message ---- */

typedef enum msg_result { MSG_OK, MSG_DISCONNECT } msg_result;

static msg_result on_message(fa2_slack_socket *s, fa2_ws *ws, fa2_slice msg)
{
	fa2_slack_envelope e;
	fa2_slack_ack *ack = NULL;
	int kind;
	msg_result r = MSG_OK;

	if (fa2_slack_envelope_parse(msg, &e) != FA2_OK) {
		FA2_LOGW("slack-socket", "ignored a message that is not a Socket Mode envelope (%zu bytes)", msg.len);
		return MSG_OK;
	}
	if (strcmp(e.type, "hello") == 0) {
		FA2_LOGI("slack-socket", "hello: Socket Mode connection ready");
		goto cleanup;
	}
	if (strcmp(e.type, "disconnect") == 0) {
		BUMP(s, disconnects);
		FA2_LOGI("slack-socket", "disconnect requested by Slack (%s)", e.reason[0] ? e.reason : "no reason");
		r = MSG_DISCONNECT;
		goto cleanup;
	}
	kind = fa2_slack_envelope_kind(e.type);
	if (!e.envelope_id[0]) {
		FA2_LOGW("slack-socket", "%s message without envelope_id ignored", e.type);
		goto cleanup;
	}
	BUMP(s, envelopes);
	if (!kind) {
		FA2_LOGI("slack-socket", "envelope type %s not handled: acknowledged", e.type);
		(void)send_ack(s, ws, e.envelope_id, NULL);
		goto cleanup;
	}
	if (!(ack = fa2_malloc(sizeof *ack))) {
		(void)send_ack(s, ws, e.envelope_id, NULL);
		goto cleanup;
	}
	{
		defer_ctx dc;
		fa2_slack_deferral d;
		dc.s = s;
		dc.envelope_id = e.envelope_id;
		d.begin = sock_defer;
		d.complete = sock_complete;
		d.ctx = &dc;
		if (s->cfg.dispatch(s->cfg.dispatch_ctx, (fa2_slack_kind)kind, e.payload, e.retry[0] ? e.retry : NULL,
		                    &d, ack) != FA2_OK)
			FA2_LOGW("slack-socket", "%s envelope %s: %s", e.type, e.envelope_id, ack->body);
		e.payload = NULL;   /* dispatch owns it */
	}
	if (!ack->deferred)
		(void)send_ack(s, ws, e.envelope_id, ack);
cleanup:
	fa2_free(ack);
	fa2_slack_envelope_cleanup(&e);
	return r;
}

/* ---- the thread ---- */

static void drop(fa2_slack_socket *s, fa2_ws *ws, int graceful)
{
	if (!ws)
		return;
	(void)flush_pending(s, graceful ? ws : NULL, 1);
	if (graceful)
		(void)fa2_ws_close(ws, 1000, FA2_SLICE_EMPTY, fa2_sock_deadline(2000));
	fa2_ws_free(ws);
	pthread_mutex_lock(&s->lock);
	s->stats.connected = 0;
	pthread_mutex_unlock(&s->lock);
}

static void *run(void *arg)
{
	fa2_slack_socket *s = arg;
	fa2_ws *ws = NULL;
	fa2_buf msg;
	int64_t backoff = s->cfg.backoff_min_ms;

	fa2_buf_init(&msg, FA2_MAX_WS_MESSAGE_BYTES);
	while (!stopping(s)) {
		int64_t last_rx, ping_sent = 0;
		unsigned long pongs;

		if (connect_new(s, &ws) != FA2_OK) {
			int64_t wait = backoff / 2 + (int64_t)fa2_random_below((uint64_t)(backoff / 2 + 1));
			BUMP(s, failures);
			FA2_LOGI("slack-socket", "reconnecting in %lld ms", (long long)wait);
			if (nap(s, wait))
				break;
			backoff = backoff * 2 > s->cfg.backoff_max_ms ? s->cfg.backoff_max_ms : backoff * 2;
			continue;
		}
		last_rx = fa2_time_mono_ms();
		pongs = fa2_ws_pongs(ws);
		for (;;) {
			fa2_ws_type type;
			fa2_err err;
			int64_t now;
			if (stopping(s)) {
				drop(s, ws, 1);
				ws = NULL;
				goto done;
			}
			if (flush_pending(s, ws, 0) != FA2_OK)
				break;
			/* short slices while a slash command answer is awaited, so its ack leaves
			 * soon after the worker completes it */
			err = fa2_ws_recv(ws, &msg, &type, fa2_sock_deadline(s->npend ? SOCK_PENDING_POLL_MS : SOCK_POLL_MS));
			now = fa2_time_mono_ms();
			if (fa2_ws_pongs(ws) != pongs) {
				pongs = fa2_ws_pongs(ws);
				last_rx = now;
				ping_sent = 0;
			}
			if (err == FA2_ERR_TIMEOUT) {
				if (ping_sent && now - ping_sent > s->cfg.pong_timeout_ms) {
					FA2_LOGW("slack-socket", "no pong within %lld ms: the link is dead",
					         (long long)s->cfg.pong_timeout_ms);
					break;
				}
				if (!ping_sent && now - last_rx > s->cfg.ping_interval_ms) {
					if (fa2_ws_ping(ws, FA2_SLICE_LIT("fa2"), fa2_sock_deadline(5000)) != FA2_OK)
						break;
					ping_sent = now;
				}
				continue;
			}
			if (err) {
				FA2_LOGW("slack-socket", "connection lost: %s%s%s (close code %d)", fa2_err_str(err),
				         fa2_ws_errmsg(ws)[0] ? ": " : "", fa2_ws_errmsg(ws), fa2_ws_close_code(ws));
				break;
			}
			last_rx = now;
			ping_sent = 0;
			if (type != FA2_WS_TEXT)
				continue;
			if (on_message(s, ws, fa2_buf_slice(&msg)) == MSG_DISCONNECT) {
				/* make before break: the new connection first, then close the old one */
				fa2_ws *nw = NULL;
				if (!stopping(s) && connect_new(s, &nw) == FA2_OK) {
					drop(s, ws, 1);
					ws = nw;
					last_rx = fa2_time_mono_ms();
					pongs = fa2_ws_pongs(ws);
					ping_sent = 0;
					backoff = s->cfg.backoff_min_ms;
					continue;
				}
				break;
			}
			backoff = s->cfg.backoff_min_ms;
		}
		/* the link failed: drop it and reconnect after a backoff */
		drop(s, ws, 0);
		ws = NULL;
		BUMP(s, failures);
		{
			int64_t wait = backoff / 2 + (int64_t)fa2_random_below((uint64_t)(backoff / 2 + 1));
			FA2_LOGI("slack-socket", "reconnecting in %lld ms", (long long)wait);
			if (nap(s, wait))
				break;
			backoff = backoff * 2 > s->cfg.backoff_max_ms ? s->cfg.backoff_max_ms : backoff * 2;
		}
	}
done:
	drop(s, ws, 1);
	fa2_buf_cleanup(&msg);
	FA2_LOGI("slack-socket", "stopped");
	return NULL;
}

/* ---- life cycle ---- */

fa2_err fa2_slack_socket_start(const fa2_slack_socket_config *cfg, fa2_slack_socket **out)
{
	fa2_slack_socket *s;
	size_t n;
	*out = NULL;
	if (!cfg->app_token || !*cfg->app_token || !cfg->dispatch)
		return FA2_ERR_CONFIG;
	if (strncmp(cfg->app_token, "xapp-", 5) != 0)
		FA2_LOGW("slack-socket", "SLACK_APP_TOKEN does not look like an app-level token (xapp-...)");
	if (!(s = fa2_malloc(sizeof *s)))
		return FA2_ERR_NOMEM;
	memset(s, 0, sizeof *s);
	s->cfg = *cfg;
	if (s->cfg.ping_interval_ms <= 0)
		s->cfg.ping_interval_ms = 30000;
	if (s->cfg.pong_timeout_ms <= 0)
		s->cfg.pong_timeout_ms = 10000;
	if (s->cfg.backoff_min_ms <= 0)
		s->cfg.backoff_min_ms = 1000;
	if (s->cfg.backoff_max_ms < s->cfg.backoff_min_ms)
		s->cfg.backoff_max_ms = s->cfg.backoff_min_ms > 60000 ? s->cfg.backoff_min_ms : 60000;
	if (s->cfg.command_wait_ms <= 0)
		s->cfg.command_wait_ms = 2500;
	n = strlen(cfg->app_token);
	if (!(s->token = fa2_malloc(n + 1))) {
		fa2_free(s);
		return FA2_ERR_NOMEM;
	}
	memcpy(s->token, cfg->app_token, n + 1);
	s->cfg.app_token = NULL;
	(void)fa2_log_add_secret(fa2_slice_cstr(s->token));
	pthread_mutex_init(&s->lock, NULL);
	if (pthread_create(&s->thread, NULL, run, s) != 0) {
		pthread_mutex_destroy(&s->lock);
		fa2_wipe(s->token, n);
		fa2_free(s->token);
		fa2_free(s);
		return FA2_ERR_NOMEM;
	}
	*out = s;
	return FA2_OK;
}

void fa2_slack_socket_stop(fa2_slack_socket *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = 1;
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	pthread_mutex_destroy(&s->lock);
	fa2_wipe(s->token, strlen(s->token));
	fa2_free(s->token);
	fa2_free(s);
}

void fa2_slack_socket_get_stats(fa2_slack_socket *s, fa2_slack_socket_stats *out)
{
	pthread_mutex_lock(&s->lock);
	*out = s->stats;
	pthread_mutex_unlock(&s->lock);
}
