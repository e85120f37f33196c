/* The Amazon SNS entry point of fa2 serve: see sns.h. */
#include "serve/sns.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "aws/alarms.h"
#include "aws/sns.h"
#include "base/alloc.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/time.h"
#include "store/store.h"

#define SNS_WORKER_STACK (512u * 1024u)  /* TLS certificate fetch + RSA: more than musl's default */
#define SNS_MAX_HEADER 512u             /* an x-amz-sns-* header kept for the check */

/* ---- configuration ---- */

static const char *const sns_keys[] = { "path", "topics", NULL };
static const char *const topic_keys[] = { "topicArn", "channel", "action", NULL };

static int known_key(const char *k, const char *const *list)
{
	size_t i;
	for (i = 0; k && list[i]; i++)
		if (strcmp(k, list[i]) == 0)
			return 1;
	return 0;
}

/* 1 when s is arn:PARTITION:sns:REGION:ACCOUNT(12 digits):NAME (name: letters, digits,
 * '-', '_', '.'; 1..256). */
static int topic_arn_ok(const char *s)
{
	const char *p = s;
	size_t i, n;
	if (strncmp(p, "arn:", 4) != 0)
		return 0;
	p += 4;
	for (n = 0; p[n] && p[n] != ':'; n++)
		if (!((p[n] >= 'a' && p[n] <= 'z') || p[n] == '-'))
			return 0;
	if (!n || strncmp(p + n, ":sns:", 5) != 0)
		return 0;
	p += n + 5;
	for (n = 0; p[n] && p[n] != ':'; n++)
		if (!((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= '0' && p[n] <= '9') || p[n] == '-'))
			return 0;
	if (!n || p[n] != ':')
		return 0;
	p += n + 1;
	for (i = 0; i < 12; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	if (p[12] != ':')
		return 0;
	p += 13;
	for (n = 0; p[n]; n++)
		if (!((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= '0' && p[n] <= '9') ||
		      p[n] == '-' || p[n] == '_' || p[n] == '.'))
			return 0;
	return n >= 1 && n <= 256;
}

/* 1 when s looks like a Slack channel id (C..., G..., D...: upper-case letters and digits). */
static int channel_ok(const char *s)
{
	size_t n;
	if (!s || (s[0] != 'C' && s[0] != 'G' && s[0] != 'D'))
		return 0;
	for (n = 0; s[n]; n++)
		if (!((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= '0' && s[n] <= '9')))
			return 0;
	return n >= 2 && n < 64;
}

static fa2_err parse_topic(const cJSON *t, size_t idx, const char *origin, fa2_serve_sns_topic *out, char *msg,
                           size_t cap)
{
	const char *arn = fa2_json_str(t, "topicArn"), *ch = fa2_json_str(t, "channel");
	const char *action = fa2_json_str(t, "action");
	const cJSON *it;
	if (!cJSON_IsObject(t)) {
		snprintf(msg, cap, "config %s: sns.topics[%zu] must be an object like {\"topicArn\": "
		         "\"arn:aws:sns:REGION:ACCOUNT:NAME\", \"channel\": \"C0123\", \"action\": \"form\"}", origin, idx);
		return FA2_ERR_CONFIG;
	}
	cJSON_ArrayForEach(it, t) {
		if (!known_key(it->string, topic_keys))
			FA2_LOGW("config", "%s: unknown key 'sns.topics[%zu].%s' ignored (see docs/configuration.md)",
			         origin, idx, it->string ? it->string : "?");
	}
	if (!arn || strlen(arn) >= sizeof out->arn || !topic_arn_ok(arn)) {
		snprintf(msg, cap, "config %s: sns.topics[%zu].topicArn must be an SNS topic ARN like "
		         "arn:aws:sns:ap-northeast-1:123456789012:alarms", origin, idx);
		return FA2_ERR_CONFIG;
	}
	if (!channel_ok(ch)) {
		snprintf(msg, cap, "config %s: sns.topics[%zu].channel must be a Slack channel id like C0123ABCD "
		         "(the channel's name does not work: copy the id from the channel's details)", origin, idx);
		return FA2_ERR_CONFIG;
	}
	if (action && strcmp(action, "form") != 0 && strcmp(action, "analyze") != 0) {
		snprintf(msg, cap, "config %s: sns.topics[%zu].action must be \"form\" (post the analysis form) or "
		         "\"analyze\" (start the analysis at once)", origin, idx);
		return FA2_ERR_CONFIG;
	}
	snprintf(out->arn, sizeof out->arn, "%s", arn);
	snprintf(out->channel, sizeof out->channel, "%s", ch);
	out->analyze = action && strcmp(action, "analyze") == 0;
	return FA2_OK;
}

fa2_err fa2_serve_sns_config_parse(fa2_slice json, const char *origin, fa2_serve_sns_config *out, char *msg,
                                   size_t cap)
{
	cJSON *root = fa2_json_parse(json, NULL);
	const cJSON *sns, *topics, *it, *path;
	fa2_err e = FA2_OK;
	size_t i = 0, k;

	memset(out, 0, sizeof *out);
	snprintf(out->path, sizeof out->path, "%s", FA2_SERVE_SNS_DEFAULT_PATH);
	if (!root) {
		snprintf(msg, cap, "config %s: not valid JSON", origin);
		return FA2_ERR_CONFIG;
	}
	sns = cJSON_GetObjectItemCaseSensitive(root, "sns");
	if (!sns || cJSON_IsNull(sns))
		goto done;
	e = FA2_ERR_CONFIG;
	if (!cJSON_IsObject(sns)) {
		snprintf(msg, cap, "config %s: sns must be an object like {\"topics\": [{\"topicArn\": \"arn:aws:sns:"
		         "REGION:ACCOUNT:NAME\", \"channel\": \"C0123\"}]}", origin);
		goto done;
	}
	cJSON_ArrayForEach(it, sns) {
		if (!known_key(it->string, sns_keys))
			FA2_LOGW("config", "%s: unknown key 'sns.%s' ignored (see docs/configuration.md)", origin,
			         it->string ? it->string : "?");
	}
	path = cJSON_GetObjectItemCaseSensitive(sns, "path");
	if (path) {
		const char *p = cJSON_IsString(path) ? path->valuestring : NULL;
		if (!p || p[0] != '/' || strlen(p) >= sizeof out->path || strchr(p, '?') || strchr(p, ' ')) {
			snprintf(msg, cap, "config %s: sns.path must be a URL path like \"/sns\"", origin);
			goto done;
		}
		snprintf(out->path, sizeof out->path, "%s", p);
	}
	topics = cJSON_GetObjectItemCaseSensitive(sns, "topics");
	if (!cJSON_IsArray(topics) || cJSON_GetArraySize(topics) < 1) {
		snprintf(msg, cap, "config %s: sns.topics must list at least one topic: [{\"topicArn\": \"arn:aws:sns:"
		         "REGION:ACCOUNT:NAME\", \"channel\": \"C0123\", \"action\": \"form\"}]", origin);
		goto done;
	}
	cJSON_ArrayForEach(it, topics) {
		if (i >= FA2_SERVE_SNS_MAX_TOPICS) {
			snprintf(msg, cap, "config %s: sns.topics: at most %u topics", origin, FA2_SERVE_SNS_MAX_TOPICS);
			goto done;
		}
		if (parse_topic(it, i, origin, &out->topics[i], msg, cap) != FA2_OK)
			goto done;
		for (k = 0; k < i; k++)
			if (strcmp(out->topics[k].arn, out->topics[i].arn) == 0) {
				snprintf(msg, cap, "config %s: sns.topics[%zu]: topic %s is listed twice", origin, i,
				         out->topics[i].arn);
				goto done;
			}
		i++;
	}
	out->n_topics = i;
	e = FA2_OK;
done:
	if (e)
		out->n_topics = 0;
	cJSON_Delete(root);
	return e;
}

/* ---- the endpoint ---- */

/* One delivery, copied off the loop thread's buffers. */
typedef struct delivery {
	struct delivery *next;
	fa2_server_req *req;        /* deferred: answered exactly once by a worker */
	char *body;
	size_t len;
	char *hdr[4];               /* message type, id, topic arn, subscription arn; NULL absent */
	char peer[64];
} delivery;

static const char *const hdr_names[4] = { "x-amz-sns-message-type", "x-amz-sns-message-id",
	"x-amz-sns-topic-arn", "x-amz-sns-subscription-arn" };

struct fa2_serve_sns {
	fa2_serve_sns_config cfg;
	fa2_slack_app *app;          /* borrowed */
	fa2_sns_verifier ver;
	pthread_mutex_t lock;        /* guards the queue and stats */
	pthread_cond_t cond;
	delivery *head, *tail;
	size_t queued;
	int stopping;
	pthread_t threads[FA2_SERVE_SNS_WORKERS];
	unsigned nthreads;
	fa2_serve_sns_stats stats;
};

static void delivery_free(delivery *d)
{
	size_t i;
	if (!d)
		return;
	fa2_free(d->body);
	for (i = 0; i < 4; i++)
		fa2_free(d->hdr[i]);
	fa2_free(d);
}

static void count(fa2_serve_sns *s, uint64_t *field)
{
	pthread_mutex_lock(&s->lock);
	(*field)++;
	pthread_mutex_unlock(&s->lock);
}

static void answer(delivery *d, int status, const char *text)
{
	fa2_server_complete(d->req, status, "text/plain", NULL, text, strlen(text));
	d->req = NULL;
}

/* Replay memory over the Slack app's idempotency store (flat files, or the DynamoDB
 * table shared by instances): key "sns:" + MessageId, the store's default TTL. */
static fa2_err seen_put(void *ctx, fa2_slice id, int64_t expires_ms)
{
	fa2_serve_sns *s = ctx;
	fa2_store *st = fa2_slack_app_store(s->app);
	char key[FA2_STORE_MAX_KEY];
	fa2_err e;
	(void)expires_ms;  /* the default TTL (a day) outlasts the Timestamp window */
	if (id.len + 5 > sizeof key)
		return FA2_ERR_TOO_LARGE;
	snprintf(key, sizeof key, "sns:%.*s", (int)id.len, id.ptr);
	e = fa2_store_put(st, key, 0);
	if (e == FA2_OK && fa2_store_flush(st) != FA2_OK)
		FA2_LOGW("sns", "idempotency store (%s): MessageId %.*s kept in memory only (flush failed)",
		         fa2_store_kind(st), (int)id.len, id.ptr);
	return e;
}

static const fa2_serve_sns_topic *topic_of(const fa2_serve_sns *s, const char *arn)
{
	size_t i;
	for (i = 0; arn && i < s->cfg.n_topics; i++)
		if (strcmp(s->cfg.topics[i].arn, arn) == 0)
			return &s->cfg.topics[i];
	return NULL;
}

/* An accepted Notification: a CloudWatch alarm in ALARM goes to the Slack app. */
static void notification(fa2_serve_sns *s, delivery *d, const fa2_sns_message *m)
{
	const fa2_serve_sns_topic *t = topic_of(s, m->topic_arn);
	fa2_sns_alarm a;
	fa2_err e;
	int64_t waited_ms;
	if (!t) { /* the verifier accepts only configured topics: cannot happen */
		answer(d, 403, "unknown topic\n");
		return;
	}
	if (fa2_sns_alarm_parse(fa2_slice_cstr(m->message), &a) != FA2_OK) {
		FA2_LOGI("sns", "message %s on %s is not a CloudWatch alarm notification: ignored", m->message_id,
		         m->topic_arn);
		count(s, &s->stats.ignored);
		answer(d, 200, "not an alarm notification: ignored\n");
		return;
	}
	if (!a.alarm.state || strcmp(a.alarm.state, "ALARM") != 0) {
		FA2_LOGI("sns", "alarm %s is %s (message %s): nothing to do", a.alarm.name,
		         a.alarm.state ? a.alarm.state : "in an unknown state", m->message_id);
		count(s, &s->stats.ignored);
		answer(d, 200, "alarm not in ALARM: ignored\n");
		fa2_sns_alarm_cleanup(&a);
		return;
	}
	(void)fa2_alarm_locate(&a.alarm, a.region, a.account);
	/* The MessageId is already remembered (a redelivery would be dropped as a duplicate), so
	 * a full interaction queue is waited out here, on this delivery's worker, rather than
	 * answered 503: interaction jobs take milliseconds, so space comes back quickly. */
	for (waited_ms = 0;; waited_ms += FA2_SERVE_SNS_HANDOVER_STEP_MS) {
		e = fa2_slack_app_alarm(s->app, &a.alarm, t->channel, t->analyze);
		if (e != FA2_ERR_AGAIN || waited_ms >= FA2_SERVE_SNS_HANDOVER_WAIT_MS)
			break;
		fa2_time_sleep_ms(FA2_SERVE_SNS_HANDOVER_STEP_MS);
	}
	if (e) {
		/* the MessageId is remembered: a redelivery would be dropped, so say it plainly */
		FA2_LOGE("sns", "alarm %s (message %s): cannot hand it over (%s): no %s in %s", a.alarm.name,
		         m->message_id, fa2_err_str(e), t->analyze ? "analysis" : "form", t->channel);
		answer(d, 503, "busy\n");
	} else {
		FA2_LOGI("sns", "alarm %s (region %s, account %s, message %s): %s in %s", a.alarm.name,
		         a.alarm.region[0] ? a.alarm.region : "-", a.alarm.account[0] ? a.alarm.account : "-",
		         m->message_id, t->analyze ? "analysis" : "form", t->channel);
		count(s, &s->stats.alarms);
		answer(d, 200, "accepted\n");
	}
	fa2_sns_alarm_cleanup(&a);
}

static int verdict_status(fa2_sns_verdict v)
{
	if (fa2_sns_verdict_transient(v))
		return 503;
	return v == FA2_SNS_MALFORMED ? 400 : 403;
}

static void handle(fa2_serve_sns *s, delivery *d)
{
	fa2_sns_headers h;
	fa2_sns_message m;
	fa2_sns_seen seen;
	fa2_sns_verdict v;
	char why[768] = "", arn[512];
	fa2_slice *hs[4];
	size_t i;

	memset(&h, 0, sizeof h);
	hs[0] = &h.message_type;
	hs[1] = &h.message_id;
	hs[2] = &h.topic_arn;
	hs[3] = &h.subscription_arn;
	for (i = 0; i < 4; i++)
		if (d->hdr[i])
			*hs[i] = fa2_slice_cstr(d->hdr[i]);
	seen.remember = seen_put;
	seen.ctx = s;
	v = fa2_sns_parse(fa2_slice_make(d->body, d->len), &h, &m, why, sizeof why);
	/* confirmations are not remembered: confirming twice is harmless, and a failed one
	 * must be possible again */
	if (v == FA2_SNS_OK)
		v = fa2_sns_accept(&s->ver, &m, m.type == FA2_SNS_NOTIFICATION ? &seen : NULL, fa2_time_now_ms(), why,
		                   sizeof why);
	if (v == FA2_SNS_REPLAY) {
		FA2_LOGI("sns", "message %s from %s: %s: ignored", m.message_id, d->peer, why);
		count(s, &s->stats.duplicates);
		answer(d, 200, "duplicate: ignored\n");
	} else if (v != FA2_SNS_OK) {
		FA2_LOGW("sns", "refused a delivery from %s (%s): %s", d->peer, fa2_sns_verdict_name(v), why);
		count(s, &s->stats.refused);
		answer(d, verdict_status(v), fa2_sns_verdict_name(v));
	} else if (m.type == FA2_SNS_SUBSCRIPTION_CONFIRMATION) {
		if (fa2_sns_confirm(&s->ver, NULL, &m, arn, sizeof arn, why, sizeof why) == FA2_OK) {
			FA2_LOGI("sns", "subscription to %s confirmed (%s)", m.topic_arn, arn[0] ? arn : "no ARN in the answer");
			count(s, &s->stats.confirmed);
			answer(d, 200, "confirmed\n");
		} else {
			FA2_LOGE("sns", "subscription to %s NOT confirmed: %s", m.topic_arn, why);
			answer(d, 502, "confirmation failed\n");
		}
	} else if (m.type == FA2_SNS_UNSUBSCRIBE_CONFIRMATION) {
		FA2_LOGW("sns", "the subscription to %s was removed (UnsubscribeConfirmation %s): no more alarms "
		         "arrive from it until it is subscribed again", m.topic_arn, m.message_id);
		answer(d, 200, "ok\n");
	} else {
		notification(s, d, &m);
	}
	fa2_sns_message_cleanup(&m);
}

static void *worker(void *arg)
{
	fa2_serve_sns *s = arg;
	for (;;) {
		delivery *d;
		pthread_mutex_lock(&s->lock);
		while (!s->head && !s->stopping)
			pthread_cond_wait(&s->cond, &s->lock);
		d = s->head;
		if (!d) {
			pthread_mutex_unlock(&s->lock);
			return NULL;
		}
		s->head = d->next;
		if (!s->head)
			s->tail = NULL;
		s->queued--;
		pthread_mutex_unlock(&s->lock);
		handle(s, d);
		if (d->req) /* every path answers; a guard against a silent one */
			answer(d, 500, "internal error\n");
		delivery_free(d);
	}
}

static void respond(fa2_server_req *req, int status, const char *text)
{
	(void)fa2_server_respond(req, status, "text/plain", NULL, text, strlen(text));
}

/* On the loop thread: cap, copy, hand over. Nothing here blocks. */
static void on_request(fa2_server_req *req, void *ctx)
{
	fa2_serve_sns *s = ctx;
	fa2_slice body = fa2_server_req_body(req);
	delivery *d;
	size_t i;
	int full, queued = 0;

	count(s, &s->stats.requests);
	if (body.len > FA2_MAX_SNS_BODY_BYTES) {
		respond(req, 413, "request body too large\n");
		return;
	}
	d = fa2_calloc(1, sizeof *d);
	if (!d || !(d->body = fa2_malloc(body.len + 1)))
		goto nomem;
	memcpy(d->body, body.ptr, body.len);
	d->body[body.len] = '\0';
	d->len = body.len;
	for (i = 0; i < 4; i++) {
		const fa2_slice *v = fa2_server_req_header(req, hdr_names[i]);
		if (!v)
			continue;
		if (v->len > SNS_MAX_HEADER) {
			delivery_free(d);
			respond(req, 400, "malformed\n");
			return;
		}
		if (!(d->hdr[i] = fa2_strndup(v->ptr, v->len)))
			goto nomem;
	}
	snprintf(d->peer, sizeof d->peer, "%s", fa2_server_req_peer(req));
	pthread_mutex_lock(&s->lock);
	full = s->stopping || s->queued >= FA2_SERVE_SNS_QUEUE;
	if (full)
		s->stats.busy++;
	else if ((d->req = fa2_server_defer(req)) != NULL) {
		if (s->tail)
			s->tail->next = d;
		else
			s->head = d;
		s->tail = d;
		s->queued++;
		pthread_cond_signal(&s->cond);
		queued = 1;  /* d belongs to the workers from here: not touched again */
	}
	pthread_mutex_unlock(&s->lock);
	if (queued)
		return;
	if (!full)
		goto nomem;
	FA2_LOGW("sns", "queue full (%u deliveries) or stopping: a delivery from %s answered 503 (SNS retries it)",
	         FA2_SERVE_SNS_QUEUE, d->peer);
	delivery_free(d);
	(void)fa2_server_respond(req, 503, "text/plain", "Retry-After: 1\r\n", "busy\n", 5);
	return;
nomem:
	delivery_free(d);
	respond(req, 503, "busy\n");
}

fa2_err fa2_serve_sns_new(const fa2_serve_sns_config *cfg, fa2_slack_app *app, fa2_serve_sns **out, char *why,
                          size_t cap)
{
	fa2_serve_sns *s;
	const char *arns[FA2_SERVE_SNS_MAX_TOPICS];
	pthread_attr_t attr;
	size_t i;
	fa2_err e;

	*out = NULL;
	if (!(s = fa2_calloc(1, sizeof *s)))
		return FA2_ERR_NOMEM;
	s->cfg = *cfg;
	s->app = app;
	for (i = 0; i < cfg->n_topics; i++)
		arns[i] = s->cfg.topics[i].arn;
	e = fa2_sns_verifier_init(&s->ver, arns, cfg->n_topics, why, cap);
	if (e) {
		fa2_free(s);
		return e;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, SNS_WORKER_STACK);
	for (i = 0; i < FA2_SERVE_SNS_WORKERS; i++)
		if (pthread_create(&s->threads[s->nthreads], &attr, worker, s) == 0)
			s->nthreads++;
	pthread_attr_destroy(&attr);
	if (!s->nthreads) {
		fa2_serve_sns_free(s);
		return FA2_ERR_NOMEM;
	}
	*out = s;
	return FA2_OK;
}

fa2_err fa2_serve_sns_route(fa2_serve_sns *s, fa2_server *srv)
{
	return fa2_server_route(srv, "POST", s->cfg.path, on_request, s);
}

void fa2_serve_sns_stats_get(fa2_serve_sns *s, fa2_serve_sns_stats *out)
{
	pthread_mutex_lock(&s->lock);
	*out = s->stats;
	pthread_mutex_unlock(&s->lock);
}

void fa2_serve_sns_free(fa2_serve_sns *s)
{
	unsigned i;
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = 1;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	for (i = 0; i < s->nthreads; i++)
		pthread_join(s->threads[i], NULL);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	fa2_sns_verifier_cleanup(&s->ver);
	fa2_free(s);
}
