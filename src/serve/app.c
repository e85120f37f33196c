/* The Slack app: see app.h. */
#include "serve/app.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/msg.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "base/log.h"
#include "base/msg.h"
#include "base/num.h"
#include "base/time.h"
#include "aws/alarms.h"
#include "aws/sns.h"
#include "crypto/ct.h"
#include "store/store.h"
#include "slack/blocks.h"
#include "serve/analysis.h"
#include "serve/commands.h"
#include "serve/resume.h"
#include "serve/settings.h"
#include "slack/usertz.h"
#include "slack/verify.h"
#include "slack/webapi.h"

#define SLACK_MAX_WORKERS 32u
typedef char slack_lang_ja_agrees[FA2_SLACK_LANG_JA == FA2_LANG_JA ? 1 : -1];

/* Interactions: each is a few Web API calls at most, never an analysis. */
typedef enum job_kind { JOB_EVENT, JOB_ACTION, JOB_COMMAND, JOB_VIEW, JOB_ALARM } job_kind;

/* Where a deferred answer goes: complete(handle, ...) exactly once. */
typedef struct reply_to {
	void (*complete)(void *handle, int status, const char *content_type, const void *body, size_t len);
	void *handle;
} reply_to;

typedef struct job {
	struct job *next;
	job_kind kind;
	cJSON *payload;           /* owned */
	reply_to reply;           /* deferred answer (commands); complete NULL otherwise */
} job;

/* Long work, run on the analysis pool so that it never delays an interaction. */
typedef enum long_kind { LONG_ANALYSIS, LONG_RESUME, LONG_INSIGHT, LONG_FINDINGS } long_kind;

typedef struct long_job {
	struct long_job *next;
	long_kind kind;
	cJSON *payload;           /* owned: resume job, /insight view or /findings-report command */
	fa2_alarm *alarm;         /* owned (LONG_ANALYSIS); NULL: none */
	char *desc;               /* owned (LONG_ANALYSIS) */
	char channel[64], thread[32];
	char user[32];            /* LONG_ANALYSIS: the requester (their zone: users.info) */
	char notice_ts[32];       /* the "queued" notice in the thread; "" when none was posted */
	int64_t start_s, end_s;
	int64_t queued_ms;        /* monotonic */
	fa2_lang lang;
} long_job;

struct fa2_slack_app {
	fa2_slack_app_config cfg;
	char *secret;             /* owned copies */
	char *token;
	fa2_slack_api api;
	fa2_slack_live live;      /* reloadable settings (SIGHUP): see settings.h */
	fa2_slack_tzcache tz;     /* users' time zones (users.info) */
	char self_user[64], self_bot[64];  /* the bot's own ids (auth.test) */

	pthread_mutex_t lock;     /* guards everything below */
	pthread_cond_t cond;
	job *head, *tail;
	size_t queued;
	int stopping;
	pthread_t threads[SLACK_MAX_WORKERS];
	unsigned nthreads;

	/* the analysis pool (same lock): its own threads, its own bounded queue */
	pthread_cond_t acond;
	long_job *ahead, *atail;
	size_t aqueued;           /* jobs in the queue */
	size_t areserved;         /* slots promised to jobs being enqueued (notice in flight) */
	unsigned arunning;        /* jobs being run */
	size_t aqueue_cap;
	int astopping;            /* set once the interaction workers are gone */
	pthread_t athreads[SLACK_MAX_WORKERS];
	unsigned nathreads;

	fa2_slack_auth_state auth; /* the token's standing (readiness) */

	fa2_store *store;         /* idempotency keys: cfg.store (borrowed) or own_store */
	fa2_store *own_store;     /* the flat store opened here when cfg.store is NULL */
	fa2_slack_stats stats;
};

/* ---- idempotency keys (src/store: flat files, or a DynamoDB table shared by instances) ---- */

/* 1 when key was seen before (now, in an earlier run, or by another instance on the
 * same store); else remembers it (flat: queued for the log, which seen_flush writes).
 * A store that cannot answer (outage) gives -1, which callers treat as seen: the request
 * is dropped with a warning and counted (store_errors), never acted on twice; an event
 * is then answered 503 so that Slack retries it. */
static int seen_check(fa2_slack_app *app, const char *key)
{
	fa2_err e = fa2_store_put(app->store, key, 0);
	if (e == FA2_OK)
		return 0;
	pthread_mutex_lock(&app->lock);
	if (e == FA2_ERR_EXISTS)
		app->stats.duplicates++;
	else
		app->stats.store_errors++;
	pthread_mutex_unlock(&app->lock);
	if (e == FA2_ERR_EXISTS)
		return 1;
	FA2_LOGW("slack", "idempotency store (%s) unavailable (%s): request dropped", fa2_store_kind(app->store),
	         fa2_err_str(e));
	return -1;
}

struct fa2_store *fa2_slack_app_store(fa2_slack_app *app)
{
	return app->store;
}

/* Makes the remembered keys durable (a worker does this before it acts on a job, so a
 * key is on disk before any visible effect of its event). */
static void seen_flush(fa2_slack_app *app)
{
	(void)fa2_store_flush(app->store);
}

/* ---- helpers ---- */

static char *dup_str(const char *s)
{
	size_t n;
	char *d;
	if (!s)
		s = "";
	n = strlen(s);
	d = fa2_malloc(n + 1);
	if (d)
		memcpy(d, s, n + 1);
	return d;
}


/* 1 when id is in the comma-separated list (an empty list allows everyone). */
static int in_list(const char *list, const char *id)
{
	fa2_slice rest, item;
	if (!list || !*list)
		return -1;
	if (!id)
		return 0;
	rest = fa2_slice_cstr(list);
	while (rest.len) {
		(void)fa2_slice_split(rest, ',', &item, &rest);
		if (fa2_slice_eq_cstr(fa2_slice_trim(item), id))
			return 1;
	}
	return 0;
}

static int allowed(fa2_slack_app *app, const char *channel, const char *user)
{
	fa2_slack_settings *s = fa2_slack_live_get(&app->live);
	int ok = in_list(s->allow_channels, channel) != 0 && in_list(s->allow_users, user) != 0;
	fa2_slack_live_put(&app->live, s);
	return ok;
}

/* 1 when a message event is an alarm notification fa2 should look at: from a configured
 * alarm source, not from fa2's own bot, in an allowed channel. */
static int alarm_source(fa2_slack_app *app, const char *appid, const char *bot, const char *user,
                        const char *channel)
{
	fa2_slack_settings *s;
	int ok;
	if ((app->self_bot[0] && bot && strcmp(bot, app->self_bot) == 0) ||
	    (app->self_user[0] && user && strcmp(user, app->self_user) == 0)) {
		FA2_LOGD("slack", "own message in %s ignored", channel);
		return 0;
	}
	s = fa2_slack_live_get(&app->live);
	ok = in_list(s->alarm_ids ? s->alarm_ids : FA2_SLACK_DEFAULT_ALARM_IDS, appid) == 1 ||
	     in_list(s->alarm_ids ? s->alarm_ids : FA2_SLACK_DEFAULT_ALARM_IDS, bot) == 1;
	if (ok && in_list(s->allow_channels, channel) == 0) {
		FA2_LOGI("slack", "alarm message in channel %s ignored (not in the allow-list)", channel);
		ok = 0;
	}
	fa2_slack_live_put(&app->live, s);
	return ok;
}

static const char *refusal(fa2_lang lang)
{
	return fa2_msg(lang, "serve.app.sorry_fa2_is_not_enabled");
}

/* The configured language (of the current settings). */
static fa2_lang app_lang(fa2_slack_app *app)
{
	fa2_slack_settings *s = fa2_slack_live_get(&app->live);
	fa2_lang lang = s->cfg ? s->cfg->lang : FA2_LANG_EN;
	fa2_slack_live_put(&app->live, s);
	return lang;
}

static const char *jpath_str(const cJSON *o, const char *a, const char *b)
{
	return fa2_json_str(cJSON_GetObjectItemCaseSensitive(o, a), b);
}

static int enqueue(fa2_slack_app *app, job_kind kind, cJSON *payload, const reply_to *reply)
{
	job *j;
	pthread_mutex_lock(&app->lock);
	if (app->stopping || app->queued >= FA2_SLACK_MAX_QUEUE || !(j = fa2_malloc(sizeof *j))) {
		pthread_mutex_unlock(&app->lock);
		return -1;
	}
	j->next = NULL;
	j->kind = kind;
	j->payload = payload;
	if (reply)
		j->reply = *reply;
	else
		memset(&j->reply, 0, sizeof j->reply);
	if (app->tail)
		app->tail->next = j;
	else
		app->head = j;
	app->tail = j;
	app->queued++;
	pthread_cond_signal(&app->cond);
	pthread_mutex_unlock(&app->lock);
	return 0;
}

/* ---- alarm parsing ---- */

static void gather_text(const cJSON *o, fa2_buf *out, int depth)
{
	const cJSON *c;
	if (!o || depth > 8)
		return;
	if (cJSON_IsString(o)) {
		(void)fa2_buf_append_cstr(out, o->valuestring);
		(void)fa2_buf_append_byte(out, '\n');
		return;
	}
	cJSON_ArrayForEach(c, o) {
		if (c->string && (strcmp(c->string, "text") == 0 || strcmp(c->string, "title") == 0 ||
		                  strcmp(c->string, "fallback") == 0 || strcmp(c->string, "pretext") == 0 ||
		                  strcmp(c->string, "value") == 0 || strcmp(c->string, "title_link") == 0 ||
		                  strcmp(c->string, "url") == 0) && cJSON_IsString(c))
			gather_text(c, out, depth + 1);
		else if (cJSON_IsObject(c) || cJSON_IsArray(c))
			gather_text(c, out, depth + 1);
	}
}

static const char *find_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++) {
		size_t i = 0;
		while (i < n && hay[i] && (hay[i] | 32) == (needle[i] | 32))
			i++;
		if (i == n)
			return hay;
	}
	return NULL;
}

/* Copies a token of alarm-name characters (stops at quotes, '|', '>', '*', newline). */
static void copy_name(const char *p, char *out, size_t cap)
{
	size_t n = 0;
	while (*p == ' ' || *p == '"' || *p == '*' || *p == '`' || *p == '\'')
		p++;
	while (*p && *p != '"' && *p != '|' && *p != '>' && *p != '\n' && *p != '*' && *p != '`' &&
	       *p != '\'' && n + 1 < cap) {
		if (*p == '%' && p[1] && p[2]) { /* URL-encoded name inside a console link */
			int hi = p[1], lo = p[2];
			hi = hi >= '0' && hi <= '9' ? hi - '0' : (hi | 32) >= 'a' && (hi | 32) <= 'f' ? (hi | 32) - 'a' + 10 : -1;
			lo = lo >= '0' && lo <= '9' ? lo - '0' : (lo | 32) >= 'a' && (lo | 32) <= 'f' ? (lo | 32) - 'a' + 10 : -1;
			if (hi >= 0 && lo >= 0) {
				out[n++] = (char)(hi << 4 | lo);
				p += 3;
				continue;
			}
		}
		out[n++] = *p++;
	}
	while (n && (out[n - 1] == ' ' || out[n - 1] == ':' || out[n - 1] == '.'))
		n--;
	out[n] = '\0';
}

static void copy_state(const char *p, char *out, size_t cap)
{
	while (*p == ' ' || *p == '*' || *p == '`' || *p == '"')
		p++;
	if (strncmp(p, "INSUFFICIENT_DATA", 17) == 0 || strncmp(p, "INSUFFICIENT DATA", 17) == 0)
		snprintf(out, cap, "INSUFFICIENT_DATA");
	else if (strncmp(p, "ALARM", 5) == 0)
		snprintf(out, cap, "ALARM");
	else if (strncmp(p, "OK", 2) == 0)
		snprintf(out, cap, "OK");
}

/* What a notification's text says about an alarm. */
typedef struct alarm_note {
	char name[256];
	char state[32];      /* "ALARM", "OK", "INSUFFICIENT_DATA" or "" */
	char region[32];
	char account[16];
} alarm_note;

/* The name in "The alarm NAME changed state ..." (one line; quotes around it dropped). */
static int name_before_change(const char *s, char *out, size_t cap)
{
	const char *p, *e, *nl;
	for (p = s; (p = find_ci(p, "the alarm ")) != NULL; p++) {
		const char *b = p + 10;
		e = find_ci(b, " changed state");
		nl = strchr(b, '\n');
		if (!e || (nl && nl < e))
			continue;
		while (b < e && (*b == ' ' || *b == '"' || *b == '*' || *b == '`' || *b == '\''))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '"' || e[-1] == '*' || e[-1] == '`' || e[-1] == '\''))
			e--;
		if (e > b && (size_t)(e - b) < cap) {
			snprintf(out, cap, "%.*s", (int)(e - b), b);
			return 1;
		}
	}
	return 0;
}

/* The name after key at its first occurrence that is not a state transition's target
 * ("... changed state to ALARM: Threshold Crossed" names a state, not an alarm). */
static void name_after(const char *s, const char *key, char *out, size_t cap)
{
	const char *p;
	for (p = s; !out[0] && (p = find_ci(p, key)) != NULL; p++) {
		if (p - s >= 3 && find_ci(p - 3, "to ") == p - 3)
			continue;
		copy_name(p + strlen(key), out, cap);
	}
}

/* The name in a title line "ALARM: name" / "OK: \"name\" in ..." (state word first). */
static void name_in_title(const char *s, char *out, size_t cap)
{
	static const char *const states[] = { "ALARM: ", "OK: ", "INSUFFICIENT_DATA: ", NULL };
	const char *p = s;
	size_t i;
	while (p && !out[0]) {
		while (*p == '*' || *p == ' ')
			p++;
		for (i = 0; states[i] && !out[0]; i++)
			if (strncmp(p, states[i], strlen(states[i])) == 0 && p[strlen(states[i])] != '<' &&
			    strncmp(p + strlen(states[i]), "http", 4) != 0)  /* a link: "alarm/" reads it */
				copy_name(p + strlen(states[i]), out, cap);
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
}

static int parse_note(const cJSON *event, alarm_note *out)
{
	/* most specific first: a prose sentence, a quoted name, a labelled field, the
	 * console link, a title "ALARM: name" */
	static const char *const name_keys[] = { "alarm \"", "alarm name: ", "alarmname: ", "alarm/",
		"cloudwatch alarm | ", "alarm: ", "the alarm ", NULL };
	static const char *const state_keys[] = { "changed state to ", "changed state from ok to ",
		"new state: ", "state: ", "state:* ", "state*: ", "is now in ", "is in ", " to ", NULL };
	fa2_buf t;
	const char *s, *p;
	size_t i;

	memset(out, 0, sizeof *out);
	fa2_buf_init(&t, 256u * 1024u);
	gather_text(cJSON_GetObjectItemCaseSensitive(event, "text"), &t, 0);
	gather_text(cJSON_GetObjectItemCaseSensitive(event, "attachments"), &t, 0);
	gather_text(cJSON_GetObjectItemCaseSensitive(event, "blocks"), &t, 0);
	if (fa2_buf_append_byte(&t, '\0') != FA2_OK) {
		fa2_buf_cleanup(&t);
		return 0;
	}
	s = (const char *)t.data;
	if (!name_before_change(s, out->name, sizeof out->name))
		name_in_title(s, out->name, sizeof out->name);
	for (i = 0; name_keys[i] && !out->name[0]; i++)
		name_after(s, name_keys[i], out->name, sizeof out->name);
	for (i = 0; state_keys[i] && !out->state[0]; i++) {
		for (p = s; (p = find_ci(p, state_keys[i])) != NULL && !out->state[0]; p++)
			copy_state(p + strlen(state_keys[i]), out->state, sizeof out->state);
	}
	if (!out->state[0]) { /* a title like "ALARM: name" or "| ALARM |" */
		if (strstr(s, "INSUFFICIENT_DATA"))
			snprintf(out->state, sizeof out->state, "INSUFFICIENT_DATA");
		else if (strstr(s, "ALARM:") || strstr(s, "| ALARM"))
			snprintf(out->state, sizeof out->state, "ALARM");
		else if (strstr(s, "OK:") || strstr(s, "| OK"))
			snprintf(out->state, sizeof out->state, "OK");
	}
	/* region: "region=xx-yyyy-N" in a console link, else the first aa-bbbb-N word */
	if ((p = strstr(s, "region=")) != NULL) {
		size_t n = 0;
		p += 7;
		while (n + 1 < sizeof out->region && ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			out->region[n++] = *p++;
	}
	for (p = s; !out->region[0] && *p; p++) {
		const char *q = p;
		size_t a = 0, b = 0;
		if (p != s && ((p[-1] >= 'a' && p[-1] <= 'z') || p[-1] == '-'))
			continue;
		while (q[a] >= 'a' && q[a] <= 'z')
			a++;
		if (a != 2 || q[a] != '-')
			continue;
		q += 3;
		if (strncmp(q, "gov-", 4) == 0)
			q += 4;
		while (q[b] >= 'a' && q[b] <= 'z')
			b++;
		if (b < 4 || q[b] != '-' || q[b + 1] < '1' || q[b + 1] > '9')
			continue;
		snprintf(out->region, sizeof out->region, "%.*s", (int)(q + b + 2 - p), p);
	}
	/* a display name, "in US East (N. Virginia)" or "Region: ...", as CloudWatch's notification writes it */
	for (i = 0; i < 2 && !out->region[0]; i++) {
		const char *key = i ? "region: " : "in ";
		for (p = s; !out->region[0] && (p = find_ci(p, key)) != NULL; p++) {
			const char *b = p + strlen(key), *close = strchr(b, ')'), *nl = strchr(b, '\n');
			const char *code;
			while (*b == '*' || *b == ' ')
				b++;
			if (!close || (nl && nl < close) || close < b)
				continue;
			code = fa2_sns_region_from_name(fa2_slice_make(b, (size_t)(close + 1 - b)));
			if (code)
				snprintf(out->region, sizeof out->region, "%s", code);
		}
	}
	/* account: 12 digits after "Account", on its line or the next (a field's value) */
	for (p = s; !out->account[0] && (p = find_ci(p, "account")) != NULL; p++) {
		const char *q = p + 7;
		int lines = 0;
		for (; *q && !(*q >= '0' && *q <= '9') && lines < 2; q++)
			if (*q == '\n')
				lines++;
		if (lines < 2 && strspn(q, "0123456789") == 12)
			snprintf(out->account, sizeof out->account, "%.12s", q);
	}
	fa2_buf_cleanup(&t);
	return out->name[0] != '\0';
}

int fa2_slack_parse_alarm(const cJSON *event, fa2_alarm *out)
{
	alarm_note n;
	memset(out, 0, sizeof *out);
	if (!parse_note(event, &n) || fa2_alarm_from_name(n.name, n.state, out) != FA2_OK)
		return 0;
	if (fa2_alarm_locate(out, n.region, n.account) != FA2_OK) {
		fa2_alarm_cleanup(out);
		return 0;
	}
	return 1;
}

const char *fa2_slack_check_window(int64_t start_s, int64_t end_s, int64_t now_s, int max_min, fa2_lang lang,
                                   int *start_at_fault)
{
	int dummy;
	if (!start_at_fault)
		start_at_fault = &dummy;
	*start_at_fault = 0;
	if (start_s <= 0 || end_s <= 0)
		return fa2_msg(lang, "serve.app.please_pick_both_a_start");
	if (end_s <= start_s)
		return fa2_msg(lang, "serve.app.the_end_time_must_be");
	if (start_s > now_s + 60) {
		*start_at_fault = 1;
		return fa2_msg(lang, "serve.app.the_start_time_is_in");
	}
	if (end_s > now_s + 3600)
		return fa2_msg(lang, "serve.app.the_end_time_is_more");
	if (end_s - start_s > (int64_t)max_min * 60)
		return fa2_msg(lang, "serve.app.the_time_window_is_longer");
	return NULL;
}

/* ---- worker side ---- */

/* The form's prefilled description: what people read and may edit; the analysis and
 * the graphs read the alarm itself, carried in the form (blocks.h). */
static void alarm_desc(const fa2_alarm *al, int64_t change_s, fa2_lang lang, char *out, size_t cap)
{
	char when[40];
	fa2_buf metric, d;
	fa2_buf_init(&metric, 1024);
	if (fa2_alarm_has_metric(al) && fa2_alarm_metric_text(al, &metric) == FA2_OK && al->has_threshold)
		(void)fa2_buf_appendf(&metric, " (%s %g)", al->comparison ? al->comparison : "threshold", al->threshold);
	fa2_time_format_rfc3339(change_s * 1000, 0, 0, when, sizeof when);
	fa2_buf_init(&d, 64u * 1024u); /* over cap: the snprintf below cuts */
	(void)fa2_buf_appendf(&d, fa2_msg(lang, "serve.app.alarm_desc.head"), al->name, when);
	if (al->region[0])
		(void)fa2_buf_appendf(&d, fa2_msg(lang, "serve.app.alarm_desc.region"), al->region);
	(void)fa2_buf_append_cstr(&d, fa2_msg(lang, "serve.app.alarm_desc.stop"));
	if (metric.len)
		(void)fa2_buf_appendf(&d, fa2_msg(lang, "serve.app.alarm_desc.metric"), (int)metric.len,
		                      (const char *)metric.data);
	if (al->reason)
		(void)fa2_buf_appendf(&d, fa2_msg(lang, "serve.app.alarm_desc.reason"), al->reason);
	snprintf(out, cap, "%s", d.data ? d.data : "");
	fa2_buf_cleanup(&d);
	fa2_buf_cleanup(&metric);
}

void fa2_slack_unconfirmed_note(fa2_err e, const char *region, const char *account, fa2_lang lang, char *out,
                                size_t cap)
{
	const char *r = region && *region ? region : fa2_msg(lang, "serve.app.the_default_region");
	const char *acct = account && *account ? account : "";
	const char *tail = fa2_msg(lang, "serve.app.the_details_here_come_from");
	if (e == FA2_ERR_NOT_FOUND)
		snprintf(out, cap, fa2_msg(lang, "serve.app.cloudwatch_in_has_no_alarm"), r,
		         *acct ? fa2_msg(lang, "serve.app.it_may_belong_to_another") : "", acct,
		         *acct ? fa2_msg(lang, "serve.app.account_alarm_close") : "", tail);
	else if (e == FA2_ERR_AUTH || e == FA2_ERR_AWS)
		snprintf(out, cap, fa2_msg(lang, "serve.app.cloudwatch_in_refused_describealarms"), r,
		         e == FA2_ERR_AUTH ? fa2_msg(lang, "serve.app.credentials_not_accepted")
		                           : fa2_msg(lang, "serve.app.access_denied_or_service_error"), tail);
	else if (e == FA2_ERR_CONFIG)
		snprintf(out, cap, fa2_msg(lang, "serve.app.fa2_has_no_way_to"), r, tail);
	else
		snprintf(out, cap, fa2_msg(lang, "serve.app.cloudwatch_in_could_not_be"), r, fa2_err_str(e), tail);
}

/* unconfirmed: why DescribeAlarms could not confirm the alarm (a context line), or NULL */
static void post_form(fa2_slack_app *app, const char *channel, const char *thread_ts, const fa2_alarm *al,
                      int64_t change_s, const char *unconfirmed)
{
	char desc[2048], note[200];
	cJSON *blocks;
	int64_t start = change_s - (int64_t)app->cfg.before_min * 60;
	int64_t end = change_s + (int64_t)app->cfg.after_min * 60;
	int64_t now = fa2_time_now_ms() / 1000;
	fa2_slack_settings *s = fa2_slack_live_get(&app->live);
	fa2_lang lang = s->cfg ? s->cfg->lang : FA2_LANG_EN;
	int tz = s->cfg ? s->cfg->tz_offset_min : 0;
	fa2_slack_live_put(&app->live, s);
	if (end > now)
		end = now;
	alarm_desc(al, change_s, lang, desc, sizeof desc);
	blocks = fa2_slack_form_blocks_alarm(desc, start, end, NULL, al, lang);
	/* the state-change time in UTC and the configured timeZone */
	if (blocks && fa2_slack_format_change(change_s, tz, lang == FA2_LANG_JA, note, sizeof note))
		(void)fa2_slack_blocks_insert_context(blocks, 1, note);
	if (blocks && unconfirmed)
		(void)fa2_slack_blocks_insert_context(blocks, 1, unconfirmed);
	if (!blocks) {
		FA2_LOGE("slack", "cannot build the form (out of memory)");
		return;
	}
	if (fa2_slack_post_message(&app->api, channel, thread_ts, fa2_msg(lang, "serve.app.analyse_this_alarm_with_fa2"),
	                           blocks, NULL) == FA2_OK) {
		pthread_mutex_lock(&app->lock);
		app->stats.forms_posted++;
		pthread_mutex_unlock(&app->lock);
		FA2_LOGI("slack", "form posted for alarm %s in %s (thread %s)", al->name, channel,
		         thread_ts ? thread_ts : "-");
	}
	cJSON_Delete(blocks);
}

/* 1 when an Events API envelope may start something (a message from one of the alarm
 * sources); everything else is only acknowledged. do_event applies the full checks. */
static int event_is_candidate(fa2_slack_app *app, const cJSON *env)
{
	const cJSON *ev = cJSON_GetObjectItemCaseSensitive(env, "event");
	const char *type = fa2_json_str(ev, "type");
	fa2_slack_settings *s;
	const char *ids;
	int ok;
	if (!type || strcmp(type, "message") != 0)
		return 0;
	s = fa2_slack_live_get(&app->live);
	ids = s->alarm_ids ? s->alarm_ids : FA2_SLACK_DEFAULT_ALARM_IDS;
	ok = in_list(ids, fa2_json_str(ev, "app_id")) == 1 || in_list(ids, fa2_json_str(ev, "bot_id")) == 1;
	fa2_slack_live_put(&app->live, s);
	return ok;
}

static void do_event(fa2_slack_app *app, const cJSON *env)
{
	const cJSON *ev = cJSON_GetObjectItemCaseSensitive(env, "event");
	const char *type = fa2_json_str(ev, "type"), *channel = fa2_json_str(ev, "channel");
	const char *ts = fa2_json_str(ev, "ts"), *bot = fa2_json_str(ev, "bot_id");
	const char *appid = fa2_json_str(ev, "app_id"), *thread = fa2_json_str(ev, "thread_ts");
	fa2_alarm note, full, *al = &note;
	int64_t change_s;
	char unconfirmed[400] = "";

	if (!type || strcmp(type, "message") != 0 || !channel || !ts)
		return;
	if (!alarm_source(app, appid, bot, fa2_json_str(ev, "user"), channel))
		return;
	if (!fa2_slack_parse_alarm(ev, &note)) {
		FA2_LOGI("slack", "message from %s in %s is not a recognisable alarm", appid ? appid : bot, channel);
		return;
	}
	memset(&full, 0, sizeof full);
	if (fa2_num_parse_epoch_s(fa2_slice_cstr(ts), &change_s) != FA2_OK)
		change_s = 0;  /* unusable ts: only DescribeAlarms can still date the alarm */
	if (app->cfg.lookup) { /* CloudWatch is the authority, in the alarm's region */
		fa2_err e = app->cfg.lookup(app->cfg.lookup_ctx, note.name, note.region, &full);
		if (e == FA2_OK) {
			if (!note.state || !full.state || strcmp(full.state, note.state) != 0)
				FA2_LOGI("slack", "alarm %s: message says %s, CloudWatch says %s (using CloudWatch)",
				         note.name, note.state ? note.state : "?", full.state ? full.state : "?");
			(void)fa2_alarm_locate(&full, note.region, note.account);
			al = &full;
			if (full.changed_ms > 0)
				change_s = full.changed_ms / 1000;
		} else {
			FA2_LOGW("slack", "alarm %s: DescribeAlarms failed (%s); using the message text",
			         note.name, fa2_err_str(e));
			fa2_slack_unconfirmed_note(e, note.region, note.account, app_lang(app), unconfirmed,
			                           sizeof unconfirmed);
		}
	}
	if (!al->state || strcmp(al->state, "ALARM") != 0) {
		FA2_LOGI("slack", "alarm %s is %s: no form", al->name, al->state ? al->state : "in an unknown state");
		goto done;
	}
	if (change_s <= 0 || change_s > fa2_time_now_ms() / 1000 + 3600) {
		FA2_LOGW("slack", "alarm %s: message ts '%.40s' is not a usable time (not a number, or "
		         "outside 1970 .. now+1h): no form", al->name, ts);
		pthread_mutex_lock(&app->lock);
		app->stats.events_refused++;
		pthread_mutex_unlock(&app->lock);
		goto done;
	}
	post_form(app, channel, thread ? thread : ts, al, change_s, unconfirmed[0] ? unconfirmed : NULL);
done:
	fa2_alarm_cleanup(&note);
	fa2_alarm_cleanup(&full);
}

static int64_t state_num(const cJSON *values, const char *block, const char *action, const char *field)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(values, block), action);
	int64_t v;
	return fa2_json_i64(a, field, 0, FA2_NUM_EPOCH_MAX_S, &v) ? v : 0;
}

static void count_outcome(fa2_slack_app *app, int outcome)
{
	pthread_mutex_lock(&app->lock);
	if (outcome > 0)
		app->stats.analyses_ok++;
	else if (outcome == 0)
		app->stats.analyses_failed++;
	pthread_mutex_unlock(&app->lock);
}

/* The analysis itself, its progress message, report, graphs and resume: serve/analysis.c.
 * With resume (a queued resumption's payload) resumes that session; else runs a new
 * analysis of desc over start_s..end_s, answered in channel/thread. */
/* The zone of Slack user `user` (users.info tz, read from the system's zoneinfo; its
 * tz_offset as a fixed zone when the name cannot be loaded) into z. 0 when Slack gave
 * none (or no user): the configuration's zone applies. */
static int user_zone(fa2_slack_app *app, const char *user, fa2_tz *z)
{
	fa2_slack_tz st;
	fa2_err e;
	if (!user || !*user)
		return 0;
	fa2_slack_tzcache_get(&app->tz, app->api.token && app->api.token[0] ? &app->api : NULL, user, &st);
	if (!st.known)
		return 0;
	if (st.name[0] && (e = fa2_tz_load(fa2_slice_cstr(st.name), z)) == FA2_OK)
		return 1;
	if (st.name[0])
		FA2_LOGW("slack", "user %s: zone %s not in the zoneinfo (%s): using its offset %+d min", user, st.name,
		         fa2_err_str(e), st.offset_min);
	fa2_tz_fixed(z, st.offset_min, NULL);
	return 1;
}

static void analyse(fa2_slack_app *app, const cJSON *resume, const char *channel, const char *thread,
                    const char *desc, int64_t start_s, int64_t end_s, const fa2_alarm *alarm, const char *user)
{
	/* the configuration this analysis started with, kept across a reload (settings.h) */
	fa2_slack_settings *cur = fa2_slack_live_get(&app->live);
	fa2_slack_app_config c = app->cfg;
	fa2_slack_analysis_env env;
	fa2_tz *z = resume ? NULL : fa2_calloc(1, sizeof *z);
	c.cfg = cur->cfg;
	env.api = &app->api;
	env.cfg = &c;
	env.alarm = resume ? NULL : alarm;
	env.tz = z && user_zone(app, user, z) ? z : NULL;
	count_outcome(app, resume ? fa2_slack_analysis_resume(&env, resume)
	                          : fa2_slack_analysis_run(&env, channel, thread, desc, start_s, end_s));
	fa2_free(z);
	fa2_slack_live_put(&app->live, cur);
}

/* ---- the analysis pool: long work never waits in front of an interaction ---- */

static void long_job_free(long_job *j)
{
	if (!j)
		return;
	cJSON_Delete(j->payload);
	if (j->alarm) {
		fa2_alarm_cleanup(j->alarm);
		fa2_free(j->alarm);
	}
	fa2_free(j->desc);
	fa2_free(j);
}

/* A new long job of kind (zeroed, lang and queued time set); NULL when out of memory. */
static long_job *long_job_new(fa2_slack_app *app, long_kind kind)
{
	long_job *j = fa2_calloc(1, sizeof *j);
	fa2_slack_settings *s;
	if (!j)
		return NULL;
	j->kind = kind;
	s = fa2_slack_live_get(&app->live);
	j->lang = s->cfg ? s->cfg->lang : FA2_LANG_EN;
	fa2_slack_live_put(&app->live, s);
	return j;
}

/* The queue notice: how many analyses are ahead (running and waiting before this one). */
static void queued_text(fa2_lang lang, size_t ahead, char *out, size_t cap)
{
	if (ahead == 1)
		snprintf(out, cap, "%s", fa2_msg(lang, "serve.app.queued_1_analysis_ahead_of"));
	else
		snprintf(out, cap, fa2_msg(lang, "serve.app.queued_analyses_ahead_of_yours"), ahead);
}

/* Hands j (owned) to the analysis pool. With every slot busy the thread first gets a
 * notice with the number of analyses ahead; with the queue full the thread is told fa2 is
 * busy and j is dropped (-1). Runs on an interaction worker (Web API calls are fine). */
static int long_submit(fa2_slack_app *app, long_job *j)
{
	size_t before = 0, cap;
	int full, waits = 0;
	char text[512];

	pthread_mutex_lock(&app->lock);
	cap = app->aqueue_cap;
	full = app->astopping || app->aqueued + app->areserved >= cap;
	if (!full) {
		app->areserved++;
		before = app->arunning + app->aqueued + app->areserved - 1;
		waits = before >= app->nathreads;
	} else {
		app->stats.analyses_rejected++;
	}
	pthread_mutex_unlock(&app->lock);
	if (full) {
		FA2_LOGW("slack", "analysis queue full (%zu waiting): request in %s refused", cap, j->channel[0] ? j->channel : "-");
		if (j->channel[0] && app->token[0]) {
			snprintf(text, sizeof text, fa2_msg(j->lang, "serve.app.fa2_is_busy_analyses_are"), cap);
			(void)fa2_slack_post_message(&app->api, j->channel, j->thread[0] ? j->thread : NULL, text, NULL, NULL);
		}
		long_job_free(j);
		return -1;
	}
	if (waits && j->channel[0] && app->token[0]) {
		queued_text(j->lang, before, text, sizeof text);
		if (fa2_slack_post_message(&app->api, j->channel, j->thread[0] ? j->thread : NULL, text, NULL,
		                           j->notice_ts) != FA2_OK)
			j->notice_ts[0] = '\0';
	}
	if (waits)
		FA2_LOGI("slack", "analysis queued in %s: %zu ahead", j->channel[0] ? j->channel : "-", before);
	j->queued_ms = fa2_time_mono_ms();
	j->next = NULL;
	pthread_mutex_lock(&app->lock);
	app->areserved--;
	if (app->atail)
		app->atail->next = j;
	else
		app->ahead = j;
	app->atail = j;
	app->aqueued++;
	pthread_cond_signal(&app->acond);
	pthread_mutex_unlock(&app->lock);
	return 0;
}

typedef struct notice_pos {
	char channel[64], ts[32];
	size_t ahead;
	fa2_lang lang;
} notice_pos;

/* With app->lock held: the queue notices still waiting and their new positions into a
 * new array (*n entries; NULL when none or out of memory). */
static notice_pos *positions_locked(fa2_slack_app *app, size_t *n)
{
	notice_pos *v;
	long_job *q;
	size_t i = 0, idx = 0;
	*n = 0;
	for (q = app->ahead; q; q = q->next)
		i += q->notice_ts[0] != '\0';
	if (!i || !(v = fa2_malloc(i * sizeof *v)))
		return NULL;
	for (q = app->ahead; q; q = q->next, idx++) {
		if (!q->notice_ts[0])
			continue;
		memcpy(v[*n].channel, q->channel, sizeof v[*n].channel);
		memcpy(v[*n].ts, q->notice_ts, sizeof v[*n].ts);
		v[*n].ahead = app->arunning + idx;
		v[*n].lang = q->lang;
		(*n)++;
	}
	return v;
}

static void run_long(fa2_slack_app *app, long_job *j)
{
	fa2_slack_settings *cur;
	switch (j->kind) {
	case LONG_ANALYSIS:
		if (j->alarm && !fa2_alarm_has_metric(j->alarm) && app->cfg.lookup) {
			/* the form carried the alarm's name and place only: ask CloudWatch, here
			 * where waiting delays no interaction */
			fa2_alarm *full = fa2_calloc(1, sizeof *full);
			if (full && app->cfg.lookup(app->cfg.lookup_ctx, j->alarm->name, j->alarm->region, full) == FA2_OK) {
				(void)fa2_alarm_locate(full, j->alarm->region, j->alarm->account);
				fa2_alarm_cleanup(j->alarm);
				fa2_free(j->alarm);
				j->alarm = full;
			} else {
				FA2_LOGW("slack", "alarm %s: DescribeAlarms failed; analysing without its metric", j->alarm->name);
				fa2_alarm_cleanup(full);
				fa2_free(full);
			}
		}
		analyse(app, NULL, j->channel, j->thread, j->desc, j->start_s, j->end_s,
		        j->alarm && j->alarm->doc ? j->alarm : NULL, j->user);
		break;
	case LONG_RESUME:
		analyse(app, j->payload, NULL, NULL, NULL, 0, 0, NULL, NULL);
		break;
	case LONG_INSIGHT:
	case LONG_FINDINGS:
		cur = fa2_slack_live_get(&app->live);
		if (j->kind == LONG_INSIGHT)
			fa2_slack_cmds_view(&app->api, cur->cfg, j->payload);
		else
			fa2_slack_cmds_findings(&app->api, cur->cfg, j->payload);
		fa2_slack_live_put(&app->live, cur);
		break;
	}
}

static void *analysis_worker(void *arg)
{
	fa2_slack_app *app = arg;
	for (;;) {
		long_job *j;
		notice_pos *pos;
		size_t npos = 0, i;
		char text[512];
		pthread_mutex_lock(&app->lock);
		while (!app->ahead && !app->astopping)
			pthread_cond_wait(&app->acond, &app->lock);
		j = app->ahead;
		if (!j) {
			pthread_mutex_unlock(&app->lock);
			return NULL;
		}
		app->ahead = j->next;
		if (!app->ahead)
			app->atail = NULL;
		app->aqueued--;
		app->arunning++;
		pos = positions_locked(app, &npos);
		pthread_mutex_unlock(&app->lock);
		if (j->notice_ts[0]) {
			snprintf(text, sizeof text, fa2_msg(j->lang, "serve.app.your_analysis_started_after_s"),
			         (long long)((fa2_time_mono_ms() - j->queued_ms) / 1000));
			(void)fa2_slack_update_message(&app->api, j->channel, j->notice_ts, text, NULL);
		}
		for (i = 0; i < npos; i++) { /* everyone still waiting moved up one place */
			queued_text(pos[i].lang, pos[i].ahead, text, sizeof text);
			(void)fa2_slack_update_message(&app->api, pos[i].channel, pos[i].ts, text, NULL);
		}
		fa2_free(pos);
		run_long(app, j);
		pthread_mutex_lock(&app->lock);
		app->arunning--;
		pthread_mutex_unlock(&app->lock);
		long_job_free(j);
	}
}

static int queue_resume(void *ctx, const fa2_slack_resume_item *it)
{
	fa2_slack_app *app = ctx;
	long_job *j = long_job_new(app, LONG_RESUME);
	if (!j || !(j->payload = fa2_slack_resume_job(it)) || long_submit(app, j) != 0) {
		FA2_LOGW("slack", "session %s: cannot queue its resumption", it->id);
		if (j && !j->payload)
			long_job_free(j);
		return 0;
	}
	FA2_LOGI("slack", "session %s (%s) interrupted by a restart: queued", it->id, it->status);
	return 0;
}

/* "Request received: <window in the user's time zone> (<UTC>)" into line. */
static void received_line(fa2_slack_app *app, const char *user, int64_t start, int64_t end, fa2_lang lang,
                          char *line, size_t cap)
{
	fa2_slack_tz tz;
	char when[300];
	fa2_slack_tzcache_get(&app->tz, app->api.token && app->api.token[0] ? &app->api : NULL, user, &tz);
	if (fa2_slack_format_window(start, end, &tz, when, sizeof when))
		snprintf(line, cap, fa2_msg(lang, "serve.app.request_received"), when);
	else
		snprintf(line, cap, "%s", fa2_msg(lang, "serve.app.request_received_2"));
}

static void do_action(fa2_slack_app *app, const cJSON *p)
{
	const char *channel = jpath_str(p, "channel", "id"), *user = jpath_str(p, "user", "id");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(p, "message");
	const char *mts = fa2_json_str(msg, "ts"), *thread = fa2_json_str(msg, "thread_ts");
	const cJSON *values = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(p, "state"), "values");
	const cJSON *a = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(p, "actions"), 0);
	const char *aid = fa2_json_str(a, "action_id");
	const char *desc, *why;
	int64_t start, end;
	char key[256];
	fa2_alarm *alarm = NULL;  /* the alarm the form carries (on the heap: worker stacks are small) */
	long_job *lj = NULL;
	fa2_lang lang = app_lang(app);

	if (!aid || strcmp(aid, FA2_SLACK_ACT_SUBMIT) != 0 || !channel || !mts)
		return;
	if (!allowed(app, channel, user)) {
		cJSON *b = cJSON_CreateObject();
		if (b && cJSON_AddStringToObject(b, "channel", channel) && cJSON_AddStringToObject(b, "user", user ? user : "") &&
		    cJSON_AddStringToObject(b, "text", refusal(lang)))
			(void)fa2_slack_call_json(&app->api, "chat.postEphemeral", b, NULL, NULL);
		cJSON_Delete(b);
		return;
	}
	if ((alarm = fa2_calloc(1, sizeof *alarm)) != NULL && !fa2_slack_form_alarm(fa2_json_str(a, "value"), alarm)) {
		fa2_free(alarm);
		alarm = NULL;
	}
	desc = fa2_json_str(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(values, FA2_SLACK_BLK_DESC),
	                    FA2_SLACK_ACT_DESC), "value");
	start = state_num(values, FA2_SLACK_BLK_START, FA2_SLACK_ACT_START, "selected_date_time");
	end = state_num(values, FA2_SLACK_BLK_END, FA2_SLACK_ACT_END, "selected_date_time");
	why = fa2_slack_check_window(start, end, fa2_time_now_ms() / 1000, app->cfg.max_window_min, lang, NULL);
	if (!desc || !*desc)
		why = fa2_msg(lang, "serve.app.please_describe_what_went_wrong");
	if (why) { /* inline error: the form again, with the message under it */
		cJSON *blocks = fa2_slack_form_blocks_alarm(desc ? desc : "", start, end, why, alarm, lang);
		if (blocks)
			(void)fa2_slack_update_message(&app->api, channel, mts,
					fa2_msg(lang, "serve.app.please_correct_the_form"), blocks);
		cJSON_Delete(blocks);
		goto done;
	}
	/* a second click on the same form, or Slack retrying the action, starts nothing */
	snprintf(key, sizeof key, "act:%s:%s:%s", aid, channel, mts);
	if (seen_check(app, key)) {
		FA2_LOGI("slack", "submit on %s/%s already handled: ignored", channel, mts);
		goto done;
	}
	seen_flush(app);
	{
		cJSON *blocks = fa2_slack_received_blocks(desc, start, end, user, lang);
		char line[400];
		received_line(app, user, start, end, lang, line, sizeof line);
		if (blocks && fa2_slack_blocks_insert_context(blocks, 1, line))
			(void)fa2_slack_update_message(&app->api, channel, mts, line, blocks);
		cJSON_Delete(blocks);
	}
	if (!(lj = long_job_new(app, LONG_ANALYSIS)) || !(lj->desc = dup_str(desc))) {
		FA2_LOGE("slack", "submit on %s/%s: out of memory", channel, mts);
		long_job_free(lj);
		goto done;
	}
	lj->alarm = alarm; /* handed over: the analysis and its graphs read it */
	alarm = NULL;
	snprintf(lj->channel, sizeof lj->channel, "%s", channel);
	snprintf(lj->thread, sizeof lj->thread, "%s", thread ? thread : mts);
	snprintf(lj->user, sizeof lj->user, "%s", user ? user : "");
	lj->start_s = start;
	lj->end_s = end;
	(void)long_submit(app, lj);
done:
	if (alarm) {
		fa2_alarm_cleanup(alarm);
		fa2_free(alarm);
	}
}

/* A submitted /fa2 modal (validated on the loop already): the request goes to the
 * channel the command came from, and the analysis runs in that message's thread. */
static void do_view(fa2_slack_app *app, const cJSON *p)
{
	const cJSON *view = cJSON_GetObjectItemCaseSensitive(p, "view");
	const char *channel = fa2_json_str(view, "private_metadata"), *user = jpath_str(p, "user", "id");
	const cJSON *values = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(view, "state"), "values");
	const char *desc = fa2_json_str(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(values,
	                                FA2_SLACK_BLK_DESC), FA2_SLACK_ACT_DESC), "value");
	int64_t start = state_num(values, FA2_SLACK_BLK_START, FA2_SLACK_ACT_START, "selected_date_time");
	int64_t end = state_num(values, FA2_SLACK_BLK_END, FA2_SLACK_ACT_END, "selected_date_time");
	char ts[32] = "", line[400];
	cJSON *blocks;
	long_job *lj = NULL;
	fa2_lang lang = app_lang(app);

	if (fa2_slack_cmds_owns_view(fa2_json_str(view, "callback_id"))) { /* /insight: long work */
		if ((lj = long_job_new(app, LONG_INSIGHT)) != NULL && (lj->payload = cJSON_Duplicate(p, 1)) != NULL)
			(void)long_submit(app, lj);
		else
			long_job_free(lj);
		return;
	}
	if (!channel || !*channel || !desc)
		return;
	blocks = fa2_slack_received_blocks(desc, start, end, user, lang);
	received_line(app, user, start, end, lang, line, sizeof line);
	if (blocks && fa2_slack_blocks_insert_context(blocks, 1, line) &&
	    fa2_slack_post_message(&app->api, channel, NULL, line, blocks, ts) == FA2_OK && ts[0]) {
		if ((lj = long_job_new(app, LONG_ANALYSIS)) != NULL && (lj->desc = dup_str(desc)) != NULL) {
			snprintf(lj->channel, sizeof lj->channel, "%s", channel);
			snprintf(lj->thread, sizeof lj->thread, "%s", ts);
			snprintf(lj->user, sizeof lj->user, "%s", user ? user : "");
			lj->start_s = start;
			lj->end_s = end;
			(void)long_submit(app, lj);
		} else {
			long_job_free(lj);
		}
	}
	cJSON_Delete(blocks);
}

/* Completes a deferred slash-command answer with an ephemeral text (NULL: an empty 200). */
static void complete_ephemeral(const reply_to *reply, const char *text)
{
	fa2_buf out;
	if (!reply->complete)
		return;
	fa2_buf_init(&out, 4096);
	if (text && fa2_buf_append_cstr(&out, "{\"response_type\":\"ephemeral\",\"text\":") == FA2_OK &&
	    fa2_json_append_string(&out, fa2_slice_cstr(text)) == FA2_OK && fa2_buf_append_byte(&out, '}') == FA2_OK)
		reply->complete(reply->handle, 200, "application/json", out.data, out.len);
	else
		reply->complete(reply->handle, 200, "text/plain", "", 0);
	fa2_buf_cleanup(&out);
}

static void do_command(fa2_slack_app *app, const cJSON *p, const reply_to *reply)
{
	const char *cmd = fa2_json_str(p, "command"), *trig = fa2_json_str(p, "trigger_id");
	const char *channel = fa2_json_str(p, "channel_id"), *user = fa2_json_str(p, "user_id");
	const char *text = NULL;
	fa2_lang lang = app_lang(app);

	if (!allowed(app, channel, user)) {
		text = refusal(lang);
	} else if (fa2_slack_cmds_owns(cmd)) { /* /insight, /findings-report: they answer */
		fa2_slack_settings *cur = fa2_slack_live_get(&app->live);
		int more = fa2_slack_cmds_command(&app->api, cur->cfg, p, reply->complete, reply->handle);
		long_job *lj;
		fa2_slack_live_put(&app->live, cur);
		if (more) { /* the report itself: long work */
			if ((lj = long_job_new(app, LONG_FINDINGS)) != NULL && (lj->payload = cJSON_Duplicate(p, 1)) != NULL)
				(void)long_submit(app, lj);
			else
				long_job_free(lj);
		}
		return;
	} else if (cmd && strcmp(cmd, "/fa2") == 0 && trig) {
		int64_t now = fa2_time_now_ms() / 1000;
		cJSON *view = fa2_slack_form_modal(now - 3600, now, channel, lang);
		cJSON *b = cJSON_CreateObject();
		if (view && b && cJSON_AddStringToObject(b, "trigger_id", trig)) {
			cJSON_AddItemToObject(b, "view", view);
			view = NULL;
			if (fa2_slack_call_json(&app->api, "views.open", b, NULL, NULL) != FA2_OK)
				text = fa2_msg(lang, "serve.app.sorry_the_form_could_not");
		}
		cJSON_Delete(view);
		cJSON_Delete(b);
	} else {
		text = fa2_msg(lang, "serve.app.unknown_command_try_fa2");
	}
	complete_ephemeral(reply, text);
}

static void do_alarm(fa2_slack_app *app, const cJSON *p);

static void *worker(void *arg)
{
	fa2_slack_app *app = arg;
	for (;;) {
		job *j;
		pthread_mutex_lock(&app->lock);
		while (!app->head && !app->stopping)
			pthread_cond_wait(&app->cond, &app->lock);
		j = app->head;
		if (!j) {
			pthread_mutex_unlock(&app->lock);
			return NULL;
		}
		app->head = j->next;
		if (!app->head)
			app->tail = NULL;
		app->queued--;
		pthread_mutex_unlock(&app->lock);
		seen_flush(app);
		if (j->kind == JOB_EVENT)
			do_event(app, j->payload);
		else if (j->kind == JOB_ACTION)
			do_action(app, j->payload);
		else if (j->kind == JOB_VIEW)
			do_view(app, j->payload);
		else if (j->kind == JOB_ALARM)
			do_alarm(app, j->payload);
		else
			do_command(app, j->payload, &j->reply);
		cJSON_Delete(j->payload);
		fa2_free(j);
	}
}

/* ---- alarms from other entry points (serve/sns.c) ---- */

/* An alarm handed over by fa2_slack_app_alarm: its form in the channel, or an
 * announcement there and the analysis queued in its thread. */
static void do_alarm(fa2_slack_app *app, const cJSON *p)
{
	const char *channel = fa2_json_str(p, "channel");
	fa2_alarm *al = fa2_calloc(1, sizeof *al);
	fa2_lang lang = app_lang(app);
	int64_t now_s = fa2_time_now_ms() / 1000, change_s;
	long_job *j = NULL;
	char when[40], text[600];

	if (!al || !channel ||
	    fa2_alarm_from_json(cJSON_GetObjectItemCaseSensitive(p, "alarm"), al) != FA2_OK) {
		FA2_LOGE("slack", "cannot take over an alarm from SNS (out of memory or unreadable)");
		goto done;
	}
	(void)fa2_alarm_locate(al, fa2_json_str(p, "region"), fa2_json_str(p, "account"));
	change_s = al->changed_ms / 1000;
	if (change_s <= 0 || change_s > now_s + 3600)
		change_s = now_s;  /* no usable state-change time: the alarm is arriving now */
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "analyze"))) {
		post_form(app, channel, NULL, al, change_s, NULL);
		goto done;
	}
	if (!(j = long_job_new(app, LONG_ANALYSIS)) || !(j->desc = fa2_malloc(2048)))
		goto done;
	alarm_desc(al, change_s, lang, j->desc, 2048);
	fa2_time_format_rfc3339(change_s * 1000, 0, 0, when, sizeof when);
	snprintf(text, sizeof text, fa2_msg(lang, "serve.sns.analysing_now"), al->name, when,
	         al->region[0] ? al->region : "-", al->account[0] ? al->account : "-");
	if (fa2_slack_post_message(&app->api, channel, NULL, text, NULL, j->thread) != FA2_OK || !j->thread[0]) {
		FA2_LOGE("slack", "alarm %s from SNS: cannot post in %s; no analysis", al->name, channel);
		goto done;
	}
	snprintf(j->channel, sizeof j->channel, "%s", channel);
	j->start_s = change_s - (int64_t)app->cfg.before_min * 60;
	j->end_s = change_s + (int64_t)app->cfg.after_min * 60;
	if (j->end_s > now_s)
		j->end_s = now_s > j->start_s ? now_s : change_s;
	j->alarm = al;
	al = NULL;
	FA2_LOGI("slack", "alarm %s from SNS: analysis queued in %s (thread %s)", j->alarm->name, channel, j->thread);
	(void)long_submit(app, j);  /* frees j when the queue is full (the thread is told) */
	j = NULL;
done:
	long_job_free(j);
	if (al) {
		fa2_alarm_cleanup(al);
		fa2_free(al);
	}
}

fa2_err fa2_slack_app_alarm(fa2_slack_app *app, const fa2_alarm *alarm, const char *channel, int analyze)
{
	cJSON *p = cJSON_CreateObject(), *doc = alarm->doc ? cJSON_Duplicate(alarm->doc, 1) : NULL;
	if (!p || !doc) {
		cJSON_Delete(p);
		cJSON_Delete(doc);
		return FA2_ERR_NOMEM;
	}
	cJSON_AddItemToObject(p, "alarm", doc);
	if (!cJSON_AddStringToObject(p, "channel", channel) || !cJSON_AddBoolToObject(p, "analyze", analyze) ||
	    !cJSON_AddStringToObject(p, "region", alarm->region) ||
	    !cJSON_AddStringToObject(p, "account", alarm->account)) {
		cJSON_Delete(p);
		return FA2_ERR_NOMEM;
	}
	if (enqueue(app, JOB_ALARM, p, NULL) != 0) {
		int stopping;
		cJSON_Delete(p);
		pthread_mutex_lock(&app->lock);
		stopping = app->stopping;
		pthread_mutex_unlock(&app->lock);
		return stopping ? FA2_ERR_CLOSED : FA2_ERR_AGAIN; /* AGAIN: the queue is full */
	}
	return FA2_OK;
}

/* ---- dispatch: everything after verification, shared by HTTP and Socket Mode ---- */

static void ack_set(fa2_slack_ack *ack, int status, int json, const char *text, size_t len)
{
	ack->status = status;
	ack->json = json;
	if (len >= sizeof ack->body)
		len = 0;
	memcpy(ack->body, text, len);
	ack->body[len] = '\0';
	ack->len = len;
}

static void ack_text(fa2_slack_ack *ack, int status, const char *text)
{
	ack_set(ack, status, 0, text, strlen(text));
}

/* view_submission must be answered in the acknowledgement: validation errors go back as
 * response_action "errors" (shown under the field); a valid one closes the modal and is
 * queued. Takes ownership of p. */
static void on_view_submission(fa2_slack_app *app, cJSON *p, fa2_slack_ack *ack)
{
	const cJSON *view = cJSON_GetObjectItemCaseSensitive(p, "view");
	const cJSON *values = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(view, "state"), "values");
	const char *cb = fa2_json_str(view, "callback_id"), *vid = fa2_json_str(view, "id");
	const char *channel = fa2_json_str(view, "private_metadata"), *user = jpath_str(p, "user", "id");
	int64_t start = state_num(values, FA2_SLACK_BLK_START, FA2_SLACK_ACT_START, "selected_date_time");
	int64_t end = state_num(values, FA2_SLACK_BLK_END, FA2_SLACK_ACT_END, "selected_date_time");
	const char *why, *field = FA2_SLACK_BLK_END;
	char key[160];
	int on_start = 0;

	if (fa2_slack_cmds_owns_view(cb) && allowed(app, channel, user)) { /* /insight: queued as is */
		snprintf(key, sizeof key, "view:%s", vid ? vid : "");
		if ((vid && seen_check(app, key)) || enqueue(app, JOB_VIEW, p, NULL) != 0)
			cJSON_Delete(p);
		ack_text(ack, 200, "");
		return;
	}
	ack_text(ack, 200, "");
	if (!cb || strcmp(cb, FA2_SLACK_VIEW_CALLBACK) != 0 || !allowed(app, channel, user)) {
		cJSON_Delete(p);
		return;
	}
	why = fa2_slack_check_window(start, end, fa2_time_now_ms() / 1000, app->cfg.max_window_min, app_lang(app),
	                             &on_start);
	if (why && on_start)
		field = FA2_SLACK_BLK_START;
	if (why) {
		fa2_buf out;
		fa2_buf_init(&out, sizeof ack->body - 1);
		if (fa2_buf_appendf(&out, "{\"response_action\":\"errors\",\"errors\":{\"%s\":", field) == FA2_OK &&
		    fa2_json_append_string(&out, fa2_slice_cstr(why)) == FA2_OK && fa2_buf_append_cstr(&out, "}}") == FA2_OK)
			ack_set(ack, 200, 1, (const char *)out.data, out.len);
		fa2_buf_cleanup(&out);
		cJSON_Delete(p);
		return;
	}
	snprintf(key, sizeof key, "view:%s", vid ? vid : "");
	if (vid && seen_check(app, key)) {
		cJSON_Delete(p);
		return;
	}
	if (enqueue(app, JOB_VIEW, p, NULL) != 0)
		cJSON_Delete(p);
}

static void on_events(fa2_slack_app *app, cJSON *p, const char *retry, fa2_slack_ack *ack)
{
	const char *type = fa2_json_str(p, "type");
	if (!type) {
		ack_text(ack, 400, "bad JSON body\n");
	} else if (strcmp(type, "url_verification") == 0) {
		const char *ch = fa2_json_str(p, "challenge");
		fa2_buf out;
		fa2_buf_init(&out, sizeof ack->body - 1);
		if (ch && fa2_buf_append_cstr(&out, "{\"challenge\":") == FA2_OK &&
		    fa2_json_append_string(&out, fa2_slice_cstr(ch)) == FA2_OK &&
		    fa2_buf_append_byte(&out, '}') == FA2_OK)
			ack_set(ack, 200, 1, (const char *)out.data, out.len);
		else
			ack_text(ack, 400, "no challenge\n");
		fa2_buf_cleanup(&out);
	} else if (strcmp(type, "event_callback") == 0) {
		const char *eid = fa2_json_str(p, "event_id");
		char key[160];
		int seen;
		snprintf(key, sizeof key, "ev:%s", eid ? eid : "");
		if (!eid) {
			ack_text(ack, 400, "event without event_id\n");
		} else if (!event_is_candidate(app, p)) {
			/* most events of a busy channel: acknowledged on the loop, no worker, no I/O */
			pthread_mutex_lock(&app->lock);
			app->stats.events++;
			pthread_mutex_unlock(&app->lock);
			ack_text(ack, 200, "");
		} else if ((seen = seen_check(app, key)) < 0) {
			ack_text(ack, 503, "idempotency store unavailable\n"); /* Slack retries it */
		} else if (seen) {
			FA2_LOGI("slack", "event %s already received (retry %s): ignored", eid, retry ? retry : "-");
			ack_text(ack, 200, "");
		} else {
			pthread_mutex_lock(&app->lock);
			app->stats.events++;
			pthread_mutex_unlock(&app->lock);
			if (enqueue(app, JOB_EVENT, p, NULL) == 0)
				p = NULL;
			else
				FA2_LOGW("slack", "event %s dropped: work queue full", eid);
			ack_text(ack, 200, "");
		}
	} else {
		ack_text(ack, 200, "");
	}
	cJSON_Delete(p);
}

static void on_interactive(fa2_slack_app *app, cJSON *p, fa2_slack_ack *ack)
{
	const char *type = fa2_json_str(p, "type");
	if (!type) {
		ack_text(ack, 400, "bad payload\n");
	} else if (strcmp(type, "view_submission") == 0) {
		on_view_submission(app, p, ack);
		return;
	} else {
		if (strcmp(type, "block_actions") == 0) {
			pthread_mutex_lock(&app->lock);
			app->stats.actions++;
			pthread_mutex_unlock(&app->lock);
			if (enqueue(app, JOB_ACTION, p, NULL) == 0)
				p = NULL;
		}
		ack_text(ack, 200, "");
	}
	cJSON_Delete(p);
}

static void on_command(fa2_slack_app *app, cJSON *p, const fa2_slack_deferral *defer, fa2_slack_ack *ack)
{
	reply_to r;
	if (!fa2_json_str(p, "command")) {
		ack_text(ack, 400, "unrecognised request\n");
		cJSON_Delete(p);
		return;
	}
	r.complete = defer ? defer->complete : NULL;
	r.handle = defer && defer->begin ? defer->begin(defer->ctx) : NULL;
	if (!r.handle) {
		ack_text(ack, 503, "busy\n");
		cJSON_Delete(p);
		return;
	}
	ack->deferred = 1;
	if (enqueue(app, JOB_COMMAND, p, &r) != 0) {
		r.complete(r.handle, 503, "text/plain", "busy\n", 5);
		cJSON_Delete(p);
		return;
	}
	pthread_mutex_lock(&app->lock);
	app->stats.commands++;
	pthread_mutex_unlock(&app->lock);
}

fa2_err fa2_slack_app_dispatch(fa2_slack_app *app, fa2_slack_kind kind, cJSON *payload, const char *retry,
                               const fa2_slack_deferral *defer, fa2_slack_ack *ack)
{
	memset(ack, 0, sizeof *ack);
	if (!payload) {
		ack_text(ack, 400, "bad payload\n");
		return FA2_ERR_PARSE;
	}
	if (kind == FA2_SLACK_EVENTS)
		on_events(app, payload, retry, ack);
	else if (kind == FA2_SLACK_INTERACTIVE)
		on_interactive(app, payload, ack);
	else if (kind == FA2_SLACK_COMMAND)
		on_command(app, payload, defer, ack);
	else {
		cJSON_Delete(payload);
		ack_text(ack, 400, "unrecognised request\n");
	}
	return ack->status == 400 ? FA2_ERR_PARSE : FA2_OK;
}

/* ---- HTTP endpoint ---- */

static void reply(fa2_server_req *req, int status, const char *text)
{
	(void)fa2_server_respond(req, status, "text/plain", NULL, text, strlen(text));
}

static void *http_defer(void *ctx)
{
	return fa2_server_defer(ctx);
}

static void http_complete(void *handle, int status, const char *content_type, const void *body, size_t len)
{
	fa2_server_complete(handle, status, content_type, NULL, body, len);
}

/* Turns a slash command form into a flat JSON object (the shape Socket Mode delivers). */
static cJSON *command_from_form(fa2_slice body, fa2_buf *tmp)
{
	static const char *const fields[] = { "command", "text", "trigger_id", "channel_id",
		"user_id", "team_id", "response_url", "user_name", "channel_name", NULL };
	size_t i;
	cJSON *p = cJSON_CreateObject();
	for (i = 0; p && fields[i]; i++) {
		fa2_buf_reset(tmp);
		if (fa2_slack_form_get(body, fields[i], tmp) == FA2_OK && fa2_buf_append_byte(tmp, '\0') == FA2_OK)
			(void)cJSON_AddStringToObject(p, fields[i], (const char *)tmp->data);
	}
	return p;
}

static void on_request(fa2_server_req *req, void *ctx)
{
	fa2_slack_app *app = ctx;
	fa2_slice body = fa2_server_req_body(req);
	const fa2_slice *ts = fa2_server_req_header(req, "X-Slack-Request-Timestamp");
	const fa2_slice *sig = fa2_server_req_header(req, "X-Slack-Signature");
	const fa2_slice *ct = fa2_server_req_header(req, "Content-Type");
	const fa2_slice *retry = fa2_server_req_header(req, "X-Slack-Retry-Num");
	fa2_slack_deferral defer;
	fa2_slack_verdict v;
	fa2_slack_kind kind;
	fa2_slack_ack *ack = NULL;
	cJSON *p = NULL;
	char retry_s[16] = "";
	fa2_buf form;

	pthread_mutex_lock(&app->lock);
	app->stats.requests++;
	pthread_mutex_unlock(&app->lock);
	if (body.len > FA2_SLACK_MAX_BODY) {
		reply(req, 413, "request body too large\n");
		return;
	}
	v = fa2_slack_verify(fa2_slice_cstr(app->secret), ts, sig, body, fa2_time_now_ms() / 1000);
	if (v != FA2_SLACK_VALID) {
		FA2_LOGW("slack", "rejected request from %s: %s", fa2_server_req_peer(req), fa2_slack_verdict_str(v));
		pthread_mutex_lock(&app->lock);
		app->stats.rejected++;
		pthread_mutex_unlock(&app->lock);
		reply(req, 401, "invalid request signature\n");
		return;
	}
	if (retry)
		snprintf(retry_s, sizeof retry_s, "%.*s", (int)(retry->len < 8 ? retry->len : 8), retry->ptr);
	fa2_buf_init(&form, FA2_SLACK_MAX_BODY);
	if (ct && fa2_slice_starts_with(*ct, fa2_slice_cstr("application/json"))) {
		kind = FA2_SLACK_EVENTS;
		p = fa2_json_parse(body, NULL);
	} else if (fa2_slack_form_get(body, "payload", &form) == FA2_OK) {
		kind = FA2_SLACK_INTERACTIVE;
		p = fa2_json_parse(fa2_buf_slice(&form), NULL);
	} else {
		kind = FA2_SLACK_COMMAND;
		p = command_from_form(body, &form);
	}
	fa2_buf_cleanup(&form);
	if (!(ack = fa2_malloc(sizeof *ack))) {
		cJSON_Delete(p);
		reply(req, 503, "busy\n");
		return;
	}
	defer.begin = http_defer;
	defer.complete = http_complete;
	defer.ctx = req;
	(void)fa2_slack_app_dispatch(app, kind, p, retry ? retry_s : NULL, &defer, ack);
	if (!ack->deferred)
		(void)fa2_server_respond(req, ack->status, ack->json ? "application/json" : "text/plain", NULL,
		                         ack->body, ack->len);
	fa2_free(ack);
}

/* ---- life cycle ---- */

/* ---- the token's standing (readiness) ---- */

static void on_token_error(void *ctx, const char *method, const char *code)
{
	fa2_slack_app *app = ctx;
	int was_ok;
	pthread_mutex_lock(&app->lock);
	was_ok = !app->auth.known || app->auth.ok;
	app->auth.known = 1;
	app->auth.ok = 0;
	snprintf(app->auth.code, sizeof app->auth.code, "%s", code ? code : "unknown");
	snprintf(app->auth.method, sizeof app->auth.method, "%s", method ? method : "");
	app->auth.at_ms = fa2_time_now_ms();
	pthread_mutex_unlock(&app->lock);
	if (was_ok)
		FA2_LOGE("slack", "Slack refused the bot token (%s on %s): fa2 cannot post until it is replaced; "
		         "/readyz reports it", code ? code : "unknown", method ? method : "?");
}

void fa2_slack_app_check_auth(fa2_slack_app *app)
{
	fa2_slack_identity id;
	char code[64] = "";
	fa2_err e;
	if (!app->token[0])
		return;
	e = fa2_slack_auth_test(&app->api, &id, code); /* a refusal also goes through on_token_error */
	pthread_mutex_lock(&app->lock);
	app->auth.checked_ms = fa2_time_now_ms();
	if (e == FA2_OK) {
		if (app->auth.known && !app->auth.ok)
			FA2_LOGI("slack", "Slack accepts the bot token again (auth.test)");
		app->auth.known = 1;
		app->auth.ok = 1;
		app->auth.code[0] = app->auth.method[0] = '\0';
		app->auth.at_ms = app->auth.checked_ms;
	} else if (!(e == FA2_ERR_SLACK && fa2_slack_token_error(code))) {
		FA2_LOGW("slack", "auth.test failed (%s%s%s): the token's standing is unchanged", fa2_err_str(e),
		         code[0] ? ": " : "", code);
	}
	pthread_mutex_unlock(&app->lock);
}

void fa2_slack_app_auth(fa2_slack_app *app, fa2_slack_auth_state *out)
{
	pthread_mutex_lock(&app->lock);
	*out = app->auth;
	pthread_mutex_unlock(&app->lock);
}

fa2_err fa2_slack_app_new(const fa2_slack_app_config *cfg, fa2_slack_app **out)
{
	fa2_slack_app *app;
	fa2_slack_settings *st = cfg->settings;  /* handed over, also on failure */
	unsigned i, n;
	*out = NULL;
	if (!st)
		st = fa2_slack_settings_wrap(cfg->cfg, cfg->alarm_ids, cfg->allow_channels, cfg->allow_users);
	app = st ? fa2_malloc(sizeof *app) : NULL;
	if (!app) {
		fa2_slack_settings_free(st);
		return FA2_ERR_NOMEM;
	}
	memset(app, 0, sizeof *app);
	app->cfg = *cfg;
	if (!app->cfg.alarm_ids)
		app->cfg.alarm_ids = FA2_SLACK_DEFAULT_ALARM_IDS;
	if (!app->cfg.before_min)
		app->cfg.before_min = 30;
	if (!app->cfg.after_min)
		app->cfg.after_min = 10;
	if (!app->cfg.max_window_min)
		app->cfg.max_window_min = 1440;
	app->secret = dup_str(cfg->signing_secret);
	app->token = dup_str(cfg->bot_token);
	app->store = cfg->store;
	if (!app->store) {
		char path[1024] = "";
		if (cfg->state_dir && *cfg->state_dir) {
			char dir[900];
			snprintf(dir, sizeof dir, "%s/slack", cfg->state_dir);
			if (fa2_mkdir_p(dir, 0700) == FA2_OK)
				snprintf(path, sizeof path, "%s/seen.log", dir);
			else
				FA2_LOGW("slack", "cannot create %s: idempotency keys kept in memory only", dir);
		}
		if (fa2_store_open_flat(path, FA2_SLACK_MAX_SEEN, 0, &app->own_store) == FA2_OK)
			app->store = app->own_store;
	}
	if (!app->secret || !app->token || !app->store) {
		fa2_slack_settings_free(st);
		fa2_free(app->secret);
		fa2_free(app->token);
		fa2_store_close(app->own_store);
		fa2_free(app);
		return FA2_ERR_NOMEM;
	}
	if (app->secret[0])
		(void)fa2_log_add_secret(fa2_slice_cstr(app->secret));
	if (app->token[0])
		(void)fa2_log_add_secret(fa2_slice_cstr(app->token));
	fa2_slack_api_init(&app->api, app->token);
	app->api.on_token_error = on_token_error;
	app->api.on_token_error_ctx = app;
	app->auth.has_token = app->token[0] != '\0';
	if (app->auth.has_token && cfg->self_user_id && *cfg->self_user_id) { /* auth.test passed at start */
		app->auth.known = app->auth.ok = 1;
		app->auth.at_ms = app->auth.checked_ms = fa2_time_now_ms();
	}
	snprintf(app->self_user, sizeof app->self_user, "%s", cfg->self_user_id ? cfg->self_user_id : "");
	snprintf(app->self_bot, sizeof app->self_bot, "%s", cfg->self_bot_id ? cfg->self_bot_id : "");
	fa2_slack_tzcache_init(&app->tz, 0);
	fa2_slack_live_init(&app->live, st);
	pthread_mutex_init(&app->lock, NULL);
	pthread_cond_init(&app->cond, NULL);
	pthread_cond_init(&app->acond, NULL);
	app->aqueue_cap = cfg->analysis_queue ? cfg->analysis_queue : FA2_SLACK_DEFAULT_ANALYSIS_QUEUE;
	if (app->aqueue_cap > FA2_SLACK_MAX_QUEUE)
		app->aqueue_cap = FA2_SLACK_MAX_QUEUE;
	n = cfg->workers ? cfg->workers : 2;
	if (n > SLACK_MAX_WORKERS)
		n = SLACK_MAX_WORKERS;
	for (i = 0; i < n; i++)
		if (pthread_create(&app->threads[app->nthreads], NULL, worker, app) == 0)
			app->nthreads++;
	n = cfg->analysis_workers ? cfg->analysis_workers : FA2_SLACK_DEFAULT_ANALYSIS_WORKERS;
	if (n > SLACK_MAX_WORKERS)
		n = SLACK_MAX_WORKERS;
	{
		/* An analysis runs the triage digest, the agent and report rendering on this
		 * thread: musl's default thread stack (128 KiB) is far too small for them. The
		 * size is address space; only the pages touched are memory. */
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, FA2_ANALYSIS_STACK_BYTES);
		for (i = 0; i < n; i++)
			if (pthread_create(&app->athreads[app->nathreads], &attr, analysis_worker, app) == 0)
				app->nathreads++;
		pthread_attr_destroy(&attr);
	}
	if (!app->nthreads || !app->nathreads) {
		fa2_slack_app_free(app);
		return FA2_ERR_NOMEM;
	}
	FA2_LOGI("slack", "%u interaction worker(s); %u analysis slot(s), queue of %zu", app->nthreads,
	         app->nathreads, app->aqueue_cap);
	if (app->live.cur && app->live.cur->cfg && cfg->state_dir && *cfg->state_dir && app->token[0])
		(void)fa2_slack_resume_scan(cfg->state_dir, queue_resume, app);
	*out = app;
	return FA2_OK;
}

fa2_err fa2_slack_app_route(fa2_slack_app *app, fa2_server *srv, const char *path)
{
	if (!app->secret[0])
		return FA2_ERR_CONFIG;
	return fa2_server_route(srv, "POST", path, on_request, app);
}

void fa2_slack_app_reload(fa2_slack_app *app, fa2_slack_settings *s)
{
	fa2_slack_live_replace(&app->live, s);
}

void fa2_slack_app_stats(fa2_slack_app *app, fa2_slack_stats *out)
{
	pthread_mutex_lock(&app->lock);
	*out = app->stats;
	out->analyses_queued = app->aqueued + app->areserved;
	out->analyses_running = app->arunning;
	out->analysis_slots = app->nathreads;
	pthread_mutex_unlock(&app->lock);
}

void fa2_slack_app_free(fa2_slack_app *app)
{
	unsigned i;
	if (!app)
		return;
	fa2_slack_sessions_stop(); /* the take-over thread queues onto this app */
	pthread_mutex_lock(&app->lock);
	app->stopping = 1;
	pthread_cond_broadcast(&app->cond);
	pthread_mutex_unlock(&app->lock);
	for (i = 0; i < app->nthreads; i++)
		pthread_join(app->threads[i], NULL);
	/* then the analysis pool (interactions may have queued analyses until now) */
	pthread_mutex_lock(&app->lock);
	app->astopping = 1;
	pthread_cond_broadcast(&app->acond);
	pthread_mutex_unlock(&app->lock);
	for (i = 0; i < app->nathreads; i++)
		pthread_join(app->athreads[i], NULL);
	seen_flush(app);
	pthread_mutex_destroy(&app->lock);
	pthread_cond_destroy(&app->cond);
	pthread_cond_destroy(&app->acond);
	fa2_slack_live_cleanup(&app->live);
	fa2_slack_tzcache_cleanup(&app->tz);
	if (app->secret) {
		fa2_wipe(app->secret, strlen(app->secret));
		fa2_free(app->secret);
	}
	if (app->token) {
		fa2_wipe(app->token, strlen(app->token));
		fa2_free(app->token);
	}
	fa2_store_close(app->own_store);
	fa2_free(app);
}
