/* fa2 serve: the long-running daemon. For now: the HTTP(S) server with GET /healthz.
 * Later issues add the Slack endpoints, Socket Mode and the worker pool. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/slice.h"
#include "base/time.h"
#include "cmd/cmd.h"
#include "base/version.h"
#include "net/server.h"
#include "net/tls.h"
#include "agent/config.h"
#include "aws/shared.h"
#include "store/sessions.h"
#include "store/store.h"
#include "cmd/agent_run.h"
#include "serve/app.h"
#include "slack/socket.h"
#include "serve/alarms.h"
#include "serve/secrets.h"
#include "serve/resume.h"
#include "serve/signals.h"
#include "serve/sns.h"
#include "serve/settings.h"
#include "slack/webapi.h"

#define SERVE_MAX_LISTEN 8
#define SERVE_MAX_SLEEP_MS 60000

static int64_t g_start_ms;
static fa2_slack_app *g_slack;
static fa2_slack_socket *g_socket;
static fa2_serve_alarms *g_alarms;
static fa2_serve_sns *g_sns;

/* Socket Mode's payloads go to the Slack app (slack/dispatch.h). */
static fa2_err slack_dispatch(void *ctx, fa2_slack_kind kind, cJSON *payload, const char *retry,
                              const fa2_slack_deferral *defer, fa2_slack_ack *ack)
{
	return fa2_slack_app_dispatch(ctx, kind, payload, retry, defer, ack);
}

/* The HTTP server's loop, on its own thread; a loop that ends by itself (an error) stops
 * the daemon as SIGTERM would. */
typedef struct http_state {
	fa2_server *srv;
	fa2_err err;
} http_state;

static void *http_loop(void *arg)
{
	http_state *h = arg;
	h->err = fa2_server_run(h->srv);
	fa2_serve_signals_stop();
	return NULL;
}

/* ---- readiness: /readyz (liveness stays /healthz) ---- */


#define SERVE_READY_CHECK_MS (5 * 60 * 1000) /* auth.test and the AWS credentials, re-checked */

typedef struct ready_checker {
	pthread_mutex_t mu;
	pthread_cond_t cond;      /* CLOCK_MONOTONIC */
	pthread_t thread;
	int have_thread, stopping;
	int64_t interval_ms;
} ready_checker;

static void *ready_loop(void *arg)
{
	ready_checker *r = arg;
	int first = 1;
	for (;;) {
		struct timespec ts;
		int64_t until;
		fa2_slack_auth_state a;
		if (g_slack)
			fa2_slack_app_auth(g_slack, &a);
		/* the token was checked at start: auth.test again one interval later */
		if (g_slack && (!first || !a.known))
			fa2_slack_app_check_auth(g_slack);
		first = 0;
		if (g_alarms)
			fa2_serve_alarms_check(g_alarms);
		until = fa2_time_mono_ms() + r->interval_ms;
		ts.tv_sec = (time_t)(until / 1000);
		ts.tv_nsec = (long)(until % 1000) * 1000000L;
		pthread_mutex_lock(&r->mu);
		while (!r->stopping && fa2_time_mono_ms() < until)
			if (pthread_cond_timedwait(&r->cond, &r->mu, &ts) != 0)
				break;
		if (r->stopping) {
			pthread_mutex_unlock(&r->mu);
			return NULL;
		}
		pthread_mutex_unlock(&r->mu);
	}
}

static void ready_start(ready_checker *r, int64_t interval_ms)
{
	pthread_condattr_t ca;
	memset(r, 0, sizeof *r);
	r->interval_ms = interval_ms > 0 ? interval_ms : SERVE_READY_CHECK_MS;
	pthread_mutex_init(&r->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cond, &ca);
	pthread_condattr_destroy(&ca);
	r->have_thread = pthread_create(&r->thread, NULL, ready_loop, r) == 0;
	if (!r->have_thread)
		FA2_LOGW("serve", "readiness checks disabled (no thread): /readyz reports the state at start");
}

static void ready_stop(ready_checker *r)
{
	if (!r->interval_ms)
		return; /* never started */
	pthread_mutex_lock(&r->mu);
	r->stopping = 1;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->mu);
	if (r->have_thread)
		pthread_join(r->thread, NULL);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->mu);
	r->interval_ms = 0;
}

static void add_time(cJSON *o, const char *key, int64_t ms)
{
	char t[40];
	if (ms <= 0) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	fa2_time_format_rfc3339(ms, 0, 0, t, sizeof t);
	cJSON_AddStringToObject(o, key, t);
}

/* GET /readyz: 200 when Slack accepts the bot token and AWS credentials are usable, else
 * 503; the JSON body names each check and what is wrong. No I/O: it reports what the
 * readiness thread and the calls of the app last saw. */
static void on_readyz(fa2_server_req *req, void *ctx)
{
	cJSON *root = cJSON_CreateObject(), *checks = cJSON_AddObjectToObject(root, "checks");
	cJSON *problems = cJSON_AddArrayToObject(root, "problems");
	char line[768], *body = NULL;
	int ready = 1;
	(void)ctx;
	if (!root || !checks || !problems)
		goto fail;
	if (g_slack) {
		fa2_slack_auth_state a;
		cJSON *s = cJSON_AddObjectToObject(checks, "slack");
		fa2_slack_app_auth(g_slack, &a);
		if (!s)
			goto fail;
		if (!a.has_token) {
			cJSON_AddBoolToObject(s, "ok", 1);
			cJSON_AddStringToObject(s, "note", "no bot token: nothing is posted");
		} else if (!a.known) {
			ready = 0;
			cJSON_AddBoolToObject(s, "ok", 0);
			cJSON_AddStringToObject(s, "error", "unverified");
			cJSON_AddItemToArray(problems, cJSON_CreateString("Slack: the bot token is not verified yet "
			                                                  "(auth.test has not answered)"));
		} else if (!a.ok) {
			ready = 0;
			cJSON_AddBoolToObject(s, "ok", 0);
			cJSON_AddStringToObject(s, "error", a.code);
			cJSON_AddStringToObject(s, "method", a.method);
			add_time(s, "since", a.at_ms);
			snprintf(line, sizeof line, "Slack refused the bot token (%s%s%s): replace SLACK_BOT_TOKEN (or the "
			         "Secrets Manager secret) and restart fa2 serve", a.code, a.method[0] ? " on " : "", a.method);
			cJSON_AddItemToArray(problems, cJSON_CreateString(line));
		} else {
			cJSON_AddBoolToObject(s, "ok", 1);
		}
		add_time(s, "checkedAt", a.checked_ms);
	}
	{
		cJSON *w = cJSON_AddObjectToObject(checks, "aws");
		fa2_serve_aws_state st;
		if (!w)
			goto fail;
		memset(&st, 0, sizeof st);
		if (g_alarms)
			fa2_serve_alarms_state(g_alarms, &st);
		if (!g_alarms || (st.known && !st.ok)) {
			ready = 0;
			cJSON_AddBoolToObject(w, "ok", 0);
			snprintf(line, sizeof line, "AWS: %s", g_alarms ? st.why : "no AWS region or credentials were set up "
			         "at start (AWS_REGION / env.region, and credentials)");
			cJSON_AddStringToObject(w, "error", g_alarms ? st.why : "not set up");
			cJSON_AddItemToArray(problems, cJSON_CreateString(line));
		} else {
			cJSON_AddBoolToObject(w, "ok", 1);
		}
		if (st.source[0])
			cJSON_AddStringToObject(w, "credentials", st.source);
		add_time(w, "expiresAt", st.expires_ms);
		add_time(w, "checkedAt", st.checked_ms);
	}
	if (g_slack) {
		fa2_store *store = fa2_slack_app_store(g_slack);
		cJSON *w = cJSON_AddObjectToObject(checks, "store");
		fa2_store_stats st;
		if (!w)
			goto fail;
		fa2_store_get_stats(store, &st);
		cJSON_AddStringToObject(w, "kind", fa2_store_kind(store));
		if (st.last_error_ms > st.last_ok_ms) {
			ready = 0;
			cJSON_AddBoolToObject(w, "ok", 0);
			cJSON_AddStringToObject(w, "error", fa2_err_str(st.last_error));
			add_time(w, "since", st.last_error_ms);
			snprintf(line, sizeof line, "the idempotency store (%s) failed its last call (%s): Slack requests "
			         "are dropped until it answers again", fa2_store_kind(store), fa2_err_str(st.last_error));
			cJSON_AddItemToArray(problems, cJSON_CreateString(line));
		} else {
			cJSON_AddBoolToObject(w, "ok", 1);
		}
		cJSON_AddNumberToObject(w, "errors", (double)st.errors);
	}
	cJSON_AddStringToObject(root, "status", ready ? "ready" : "not ready");
	body = cJSON_PrintUnformatted(root);
	if (!body)
		goto fail;
	(void)fa2_server_respond(req, ready ? 200 : 503, "application/json", "Cache-Control: no-store\r\n", body,
	                         strlen(body));
	cJSON_free(body);
	cJSON_Delete(root);
	return;
fail:
	cJSON_Delete(root);
	(void)fa2_server_respond(req, 503, "text/plain", NULL, "out of memory\n", 14);
}

/* What a SIGHUP re-reads: --config (or $FA2_CONFIG) with the command-line lists on top. */
typedef struct reload_ctx {
	const char *config;
	const char *alarm_ids, *allow_channels, *allow_users;
	unsigned long reloads;
} reload_ctx;

/* SIGHUP, on the main thread: a good file becomes the configuration for work that starts
 * from now on; a bad one is logged and the old configuration stays. */
static void reload(reload_ctx *r)
{
	fa2_slack_settings *s = NULL;
	char msg[768];
	const char *path = r->config && *r->config ? r->config : getenv("FA2_CONFIG");
	fa2_err e;
	e = fa2_slack_settings_load(r->config, r->alarm_ids, r->allow_channels, r->allow_users, &s, msg,
	                            sizeof msg);
	if (e) {
		FA2_LOGE("serve", "SIGHUP: reload failed, keeping the previous configuration: %s", msg);
		return;
	}
	r->reloads++;
	FA2_LOGI("serve", "SIGHUP: configuration reloaded from %s (reload %lu): allow-channels %s, "
	         "allow-users %s, alarm ids %s; analyses already running keep theirs",
	         path && *path ? path : "(defaults)", r->reloads,
	         s->allow_channels ? s->allow_channels : "(all)", s->allow_users ? s->allow_users : "(all)",
	         s->alarm_ids ? s->alarm_ids : FA2_SLACK_DEFAULT_ALARM_IDS);
	if (g_slack)
		fa2_slack_app_reload(g_slack, s);
	else
		fa2_slack_settings_free(s);
}

/* auth.test at start: logs who the token is; a token Slack refuses is fatal (-1); a
 * transport failure only warns (0). id gets the bot's ids on success. */
static int check_token(const char *token, const char *from, fa2_slack_identity *id)
{
	fa2_slack_api api;
	char code[64] = "";
	fa2_err e;
	fa2_slack_api_init(&api, token);
	api.timeout_ms = 10000;
	e = fa2_slack_auth_test(&api, id, code);
	if (e == FA2_OK) {
		FA2_LOGI("serve", "Slack token (%s) is valid: bot user %s%s%s in team %s (%s)", from, id->user_id,
		         id->bot_id[0] ? ", bot id " : "", id->bot_id, id->team_id, id->team);
		return 0;
	}
	memset(id, 0, sizeof *id);
	if (e == FA2_ERR_SLACK && fa2_slack_token_error(code)) {
		fprintf(stderr, "fa2 serve: the Slack bot token from %s is not valid: auth.test answered "
		        "\"%s\" (check the token, or reinstall the Slack app to get a new one)\n", from, code);
		return -1;
	}
	FA2_LOGW("serve", "Slack auth.test failed (%s%s%s): starting anyway; the token is not "
	         "verified and the bot's own messages are recognised only by the alarm-source list",
	         fa2_err_str(e), code[0] ? ": " : "", code);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fa2 serve [OPTIONS]\n"
		"\n"
		"Runs the fa2 daemon. Endpoints: GET /healthz (liveness: 200, JSON with status,\n"
		"version, uptime_s), GET /readyz (readiness: 200, or 503 when Slack refuses the\n"
		"bot token or the AWS credentials are missing, expired or refused; the JSON body\n"
		"names the check and the fix), GET /metrics (Prometheus text), POST /slack/events\n"
		"(see below), and POST /sns when the config file has an \"sns\" object: Amazon SNS\n"
		"deliveries of CloudWatch alarms from the listed topics, signatures verified, the\n"
		"form or the analysis posted to each topic's channel (docs/sns.md; read at start,\n"
		"not on SIGHUP; needs a bot token). Stops gracefully on SIGTERM or SIGINT: stops\n"
		"accepting, finishes requests in flight, then the work already queued (analyses\n"
		"included), exits 0.\n"		"SIGHUP re-reads --config (analysis settings, the \"slack\" allow-lists and\n"
		"alarm ids): work that starts afterwards uses the new file, analyses already\n"
		"running keep theirs, and a file that does not load is logged and ignored.\n"
		"\n");
	fprintf(f,
		"options:\n"
		"  --listen HOST:PORT        address to listen on; repeatable. IPv6 as [::1]:8080;\n"
		"                            :8080 is every IPv4 address, [::]:8080 every IPv6 one\n"
		"                            (default 127.0.0.1:8080)\n"
		"  --tls-cert FILE           PEM certificate chain (leaf first): serve HTTPS\n"
		"  --tls-key FILE            PEM private key (RSA or EC) for --tls-cert\n"
		"  --header-timeout-ms N     time allowed to send a request head (default 10000)\n"
		"  --body-timeout-ms N       time allowed to send a request body (default 30000)\n"
		"  --idle-timeout-ms N       keep-alive idle time before closing (default 60000)\n"
		"  --shutdown-grace-ms N     longest wait for requests in flight at shutdown\n"
		"                            (default 30000)\n"
		"  --max-conns N             open connections before answering 503 (default 4096,\n"
		"                            capped by the open-file limit)\n"
		"  --max-conns-per-peer N    open connections from one address (IPv6: one /64)\n"
		"                            before answering 503 (default 2048; 0: no cap, e.g.\n"
		"                            behind a local reverse proxy with more connections)\n"
		"  --max-buffer-mb N         memory for request heads and bodies of all\n"
		"                            connections together; a body that does not fit is\n"
		"                            answered 503 before it is read (default 32)\n"
		"  --config FILE             fa2 configuration (default $FA2_CONFIG) for analyses\n"
		"  --slack-path PATH         Slack endpoint (Events API, interactivity, slash\n"
		"                            commands; default /slack/events). Enabled when a\n"
		"                            signing secret is set: SLACK_SIGNING_SECRET, else the\n"
		"                            Secrets Manager secret slackSigningSecretKey names.\n"
		"                            The bot token (SLACK_BOT_TOKEN, else the secret\n"
		"                            slackAppTokenKey names) posts; auth.test checks it\n"
		"                            at start and a token Slack refuses stops fa2 serve.\n"
		"  --socket-mode             require Socket Mode (fail without SLACK_APP_TOKEN).\n"
		"                            Socket Mode runs whenever SLACK_APP_TOKEN (xapp-...,\n"
		"                            connections:write) is set: fa2 connects out to Slack,\n"
		"                            no inbound port needed. Then HTTP is only served when\n"
		"                            --listen is given (both run side by side).\n"
		"  --ready-check-ms N        how often /readyz's checks run again: Slack auth.test\n"
		"                            and the AWS credentials (default 300000); a call Slack\n"
		"                            refuses for the token marks it bad at once\n"
		"  --socket-ping-ms N        Socket Mode: ping after N ms of silence, reconnect\n"
		"                            when no pong follows (default 30000)\n"
		"  --slack-alarm-ids LIST    bot/app ids whose messages are alarms\n"
		"                            (default A6L22LZNH, AWS Chatbot / Amazon Q Developer)\n"
		"  --slack-allow-channels L  only these channel ids (comma-separated)\n"
		"  --slack-allow-users L     only these user ids (comma-separated)\n"
		"                            (these three override the config file's \"slack\"\n"
		"                            object: alarmIds, allowChannels, allowUsers)\n"
		);
	fprintf(f,
		"  --workers N               threads for Slack interactions (forms, modals,\n"
		"                            slash commands; default 2). They never run analyses.\n"
		"  --analysis-workers N      analyses run at the same time (default 2); analyses,\n"
		"                            /insight and /findings-report runs have their own\n"
		"                            threads, so /fa2 and forms answer while they run\n"
		"  --analysis-queue N        analyses that may wait for a free slot (default 16);\n"
		"                            a waiting user sees how many are ahead, and a request\n"
		"                            that finds the queue full is told fa2 is busy\n"
		"  --debug-endpoints         also serve GET /debug/sleep?ms=N, answered by a worker\n"
		"                            thread after N ms (for tests of the worker hand-off)\n"
		"  -h, --help                this help\n");
}

static void on_healthz(fa2_server_req *req, void *ctx)
{
	char body[160];
	int64_t up = (fa2_time_mono_ms() - g_start_ms) / 1000;
	int n = snprintf(body, sizeof body, "{\"status\":\"ok\",\"version\":\"%s\",\"uptime_s\":%lld}\n",
	                 FA2_VERSION, (long long)up);
	(void)ctx;
	if (n < 0 || (size_t)n >= sizeof body)
		n = 0;
	if (fa2_server_respond(req, 200, "application/json", "Cache-Control: no-store\r\n", body,
	                       (size_t)n) != FA2_OK)
		FA2_LOGW("serve", "cannot queue the /healthz response");
}

static void on_metrics(fa2_server_req *req, void *ctx)
{
	fa2_server *srv = ctx;
	fa2_server_stats st;
	fa2_slack_stats sl;
	fa2_slack_socket_stats so;
	fa2_buf all;
	char body[4096];
	int n;
	fa2_server_get_stats(srv, &st);
	memset(&sl, 0, sizeof sl);
	if (g_slack)
		fa2_slack_app_stats(g_slack, &sl);
	memset(&so, 0, sizeof so);
	if (g_socket)
		fa2_slack_socket_get_stats(g_socket, &so);
	n = snprintf(body, sizeof body,
		"# TYPE fa2_http_requests_total counter\nfa2_http_requests_total %llu\n"
		"# TYPE fa2_http_connections_total counter\nfa2_http_connections_total %llu\n"
		"# TYPE fa2_http_open_connections gauge\nfa2_http_open_connections %zu\n"
		"# TYPE fa2_http_rejected_total counter\nfa2_http_rejected_total{reason=\"max_conns\"} %llu\n"
		"fa2_http_rejected_total{reason=\"per_peer\"} %llu\n"
		"fa2_http_rejected_total{reason=\"buffer_budget\"} %llu\n"
		"# TYPE fa2_http_buffered_bytes gauge\nfa2_http_buffered_bytes %zu\n"
		"# TYPE fa2_slack_requests_total counter\nfa2_slack_requests_total %llu\n"
		"# TYPE fa2_slack_rejected_total counter\nfa2_slack_rejected_total %llu\n"
		"# TYPE fa2_slack_duplicates_total counter\nfa2_slack_duplicates_total %llu\n"
		"# TYPE fa2_store_errors_total counter\nfa2_store_errors_total %llu\n"
		"# TYPE fa2_slack_events_total counter\nfa2_slack_events_total %llu\n"
		"# TYPE fa2_slack_forms_posted_total counter\nfa2_slack_forms_posted_total %llu\n"
		"# TYPE fa2_slack_events_refused_total counter\nfa2_slack_events_refused_total %llu\n"
		"# TYPE fa2_analyses_total counter\nfa2_analyses_total{outcome=\"ok\"} %llu\n"
		"fa2_analyses_total{outcome=\"failed\"} %llu\n"
		"# TYPE fa2_analyses_rejected_total counter\nfa2_analyses_rejected_total %llu\n"
		"# TYPE fa2_analyses_queued gauge\nfa2_analyses_queued %zu\n"
		"# TYPE fa2_analyses_running gauge\nfa2_analyses_running %u\n"
		"# TYPE fa2_analysis_slots gauge\nfa2_analysis_slots %u\n"
		"# TYPE fa2_slack_socket_connected gauge\nfa2_slack_socket_connected %d\n"
		"# TYPE fa2_slack_socket_connections_total counter\nfa2_slack_socket_connections_total %llu\n"
		"# TYPE fa2_slack_socket_reconnects_total counter\nfa2_slack_socket_reconnects_total %llu\n"
		"# TYPE fa2_slack_socket_envelopes_total counter\nfa2_slack_socket_envelopes_total %llu\n"
		"# TYPE fa2_slack_socket_disconnects_total counter\nfa2_slack_socket_disconnects_total %llu\n",
		(unsigned long long)st.requests, (unsigned long long)st.accepted, st.open_conns,
		(unsigned long long)st.rejected_busy, (unsigned long long)st.rejected_peer,
		(unsigned long long)st.rejected_budget, st.buffered_bytes,
		(unsigned long long)sl.requests, (unsigned long long)sl.rejected,
		(unsigned long long)sl.duplicates, (unsigned long long)sl.store_errors,
		(unsigned long long)sl.events,
		(unsigned long long)sl.forms_posted, (unsigned long long)sl.events_refused,
		(unsigned long long)sl.analyses_ok,
		(unsigned long long)sl.analyses_failed, (unsigned long long)sl.analyses_rejected,
		sl.analyses_queued, sl.analyses_running, sl.analysis_slots, so.connected, (unsigned long long)so.connections,
		(unsigned long long)so.reconnects, (unsigned long long)so.envelopes,
		(unsigned long long)so.disconnects);
	if (n < 0 || (size_t)n >= sizeof body)
		n = 0;
	fa2_buf_init(&all, 64u * 1024u);
	(void)fa2_buf_append(&all, body, (size_t)n);
	if (g_sns) {
		fa2_serve_sns_stats ss;
		fa2_serve_sns_stats_get(g_sns, &ss);
		(void)fa2_buf_appendf(&all,
			"# TYPE fa2_sns_requests_total counter\nfa2_sns_requests_total %llu\n"
			"# TYPE fa2_sns_refused_total counter\nfa2_sns_refused_total %llu\n"
			"# TYPE fa2_sns_duplicates_total counter\nfa2_sns_duplicates_total %llu\n"
			"# TYPE fa2_sns_confirmed_total counter\nfa2_sns_confirmed_total %llu\n"
			"# TYPE fa2_sns_alarms_total counter\nfa2_sns_alarms_total %llu\n"
			"# TYPE fa2_sns_ignored_total counter\nfa2_sns_ignored_total %llu\n"
			"# TYPE fa2_sns_busy_total counter\nfa2_sns_busy_total %llu\n",
			(unsigned long long)ss.requests, (unsigned long long)ss.refused,
			(unsigned long long)ss.duplicates, (unsigned long long)ss.confirmed,
			(unsigned long long)ss.alarms, (unsigned long long)ss.ignored, (unsigned long long)ss.busy);
	}
	if (all.len && fa2_run_totals_prometheus(&all) == FA2_OK)
		(void)fa2_server_respond(req, 200, "text/plain; version=0.0.4", NULL, all.data, all.len);
	else
		(void)fa2_server_respond(req, 200, "text/plain; version=0.0.4", NULL, body, (size_t)n);
	fa2_buf_cleanup(&all);
}

/* GET /debug/sleep?ms=N: deferred to a worker thread that answers after N ms. */
typedef struct sleep_job {
	fa2_server_req *req;
	long long ms;
} sleep_job;

static void *sleep_worker(void *arg)
{
	sleep_job *job = arg;
	struct timespec ts;
	char body[64];
	int n;

	ts.tv_sec = (time_t)(job->ms / 1000);
	ts.tv_nsec = (long)(job->ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
	n = snprintf(body, sizeof body, "{\"slept_ms\":%lld}\n", job->ms);
	fa2_server_complete(job->req, 200, "application/json", NULL, body, n > 0 ? (size_t)n : 0);
	fa2_free(job);
	return NULL;
}

static void on_sleep(fa2_server_req *req, void *ctx)
{
	fa2_slice q = fa2_server_req_query(req), key, val;
	long long ms = 0;
	sleep_job *job;
	pthread_t th;
	pthread_attr_t attr;

	(void)ctx;
	if (!fa2_slice_split(q, '=', &key, &val) || !fa2_slice_eq_cstr(key, "ms") ||
	    fa2_parse_int_range(val, 0, SERVE_MAX_SLEEP_MS, &ms) != FA2_OK) {
		(void)fa2_server_respond(req, 400, "text/plain", NULL, "want ?ms=0..60000\n", 18);
		return;
	}
	job = fa2_malloc(sizeof *job);
	if (!job) {
		(void)fa2_server_respond(req, 503, "text/plain", NULL, "busy\n", 5);
		return;
	}
	job->ms = ms;
	job->req = fa2_server_defer(req);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (!job->req || pthread_create(&th, &attr, sleep_worker, job) != 0) {
		/* cannot hand over: answer on the loop thread instead */
		if (job->req)
			fa2_server_complete(job->req, 503, "text/plain", NULL, "busy\n", 5);
		else
			(void)fa2_server_respond(req, 503, "text/plain", NULL, "busy\n", 5);
		fa2_free(job);
	}
	pthread_attr_destroy(&attr);
}

/* Parses a non-negative millisecond count for option opt. */
static int parse_ms(const char *opt, const char *v, int64_t *out)
{
	long long x;
	if (fa2_parse_int_range(fa2_slice_cstr(v), 1, 24LL * 3600 * 1000, &x) != FA2_OK) {
		fprintf(stderr, "fa2 serve: %s wants milliseconds (1..86400000), got '%s'\n", opt, v);
		return -1;
	}
	*out = x;
	return 0;
}

static int readable(const char *opt, const char *path)
{
	if (access(path, R_OK) != 0) {
		fprintf(stderr, "fa2 serve: %s %s: %s\n", opt, path, strerror(errno));
		return 0;
	}
	return 1;
}

/* The configuration file's "sns" object (serve/sns.h) into *out (allocated; n_topics 0
 * when there is no file or no object). Read once at start (SIGHUP does not change it). */
static fa2_err load_sns(const char *config, fa2_serve_sns_config **out, char *msg, size_t cap)
{
	const char *path = config && *config ? config : getenv("FA2_CONFIG");
	fa2_buf text;
	fa2_err e = FA2_OK;
	if (!(*out = fa2_calloc(1, sizeof **out))) {
		snprintf(msg, cap, "out of memory");
		return FA2_ERR_NOMEM;
	}
	if (!path || !*path)
		return FA2_OK;
	fa2_buf_init(&text, FA2_MAX_CONFIG_BYTES);
	e = fa2_file_read_all(path, &text);
	if (e)
		snprintf(msg, cap, "config %s: %s", path, fa2_err_str(e));
	else
		e = fa2_serve_sns_config_parse(fa2_buf_slice(&text), path, *out, msg, cap);
	fa2_buf_cleanup(&text);
	return e;
}

int fa2_cmd_serve(int argc, char **argv)
{
	const char *listen_addr[SERVE_MAX_LISTEN];
	size_t nlisten = 0, i;
	const char *cert = NULL, *key = NULL;
	const char *config = NULL, *slack_path = "/slack/events";
	fa2_slack_app_config scfg;
	fa2_slack_settings *sset = NULL; /* until handed to the Slack app */
	const fa2_config *acfg;
	fa2_serve_secrets sec;
	fa2_slack_identity self;
	reload_ctx rl_ctx;
	char state_dir[1024] = "", msg[768];
	fa2_store *store = NULL;      /* store.kind dynamodb: the idempotency store */
	int store_held = 0;
	fa2_sessdb *sessdb = NULL;    /* store.kind dynamodb: sessions and leases */
	fa2_serve_alarms *alarms = NULL;
	fa2_serve_sns_config *snscfg = NULL; /* the "sns" object (n_topics 0: no SNS endpoint) */
	ready_checker ready;
	int64_t ready_ms = 0;
	http_state hs;
	pthread_t http_thread;
	int http_running = 0, signals = 0;
	int debug = 0, rc = FA2_EXIT_USAGE, socket_required = 0;
	const char *app_token = getenv("SLACK_APP_TOKEN");
	fa2_slack_socket_config sockcfg;
	fa2_server_config cfg;
	fa2_server *srv = NULL;
	fa2_tls_server_ctx *tls = NULL;
	struct rlimit rl;
	fa2_err err;
	int a;

	fa2_server_config_default(&cfg);
	memset(&ready, 0, sizeof ready);
	memset(&scfg, 0, sizeof scfg);
	memset(&sockcfg, 0, sizeof sockcfg);
	for (a = 1; a < argc; a++) {
		const char *o = argv[a];
		const char *v = a + 1 < argc ? argv[a + 1] : NULL;
		if (fa2_cmd_is_help(o)) {
			usage(stdout);
			return FA2_EXIT_OK;
		}
		if (strcmp(o, "--debug-endpoints") == 0) {
			debug = 1;
			continue;
		}
		if (strcmp(o, "--socket-mode") == 0) {
			socket_required = 1;
			continue;
		}
		if (o[0] != '-' || o[1] != '-') {
			fprintf(stderr, "fa2 serve: unexpected argument '%s'; see 'fa2 serve --help'\n", o);
			return FA2_EXIT_USAGE;
		}
		if (!v) {
			fprintf(stderr, "fa2 serve: %s needs a value\n", o);
			return FA2_EXIT_USAGE;
		}
		a++;
		if (strcmp(o, "--listen") == 0) {
			if (nlisten >= SERVE_MAX_LISTEN) {
				fprintf(stderr, "fa2 serve: at most %d --listen addresses\n", SERVE_MAX_LISTEN);
				return FA2_EXIT_USAGE;
			}
			listen_addr[nlisten++] = v;
		} else if (strcmp(o, "--config") == 0) {
			config = v;
		} else if (strcmp(o, "--slack-path") == 0) {
			if (v[0] != '/') {
				fprintf(stderr, "fa2 serve: --slack-path wants a path starting with /\n");
				return FA2_EXIT_USAGE;
			}
			slack_path = v;
		} else if (strcmp(o, "--slack-alarm-ids") == 0) {
			scfg.alarm_ids = v;
		} else if (strcmp(o, "--slack-allow-channels") == 0) {
			scfg.allow_channels = v;
		} else if (strcmp(o, "--slack-allow-users") == 0) {
			scfg.allow_users = v;
		} else if (strcmp(o, "--workers") == 0) {
			long long n;
			if (fa2_parse_int_range(fa2_slice_cstr(v), 1, 32, &n) != FA2_OK) {
				fprintf(stderr, "fa2 serve: --workers wants 1..32, got '%s'\n", v);
				return FA2_EXIT_USAGE;
			}
			scfg.workers = (unsigned)n;
		} else if (strcmp(o, "--analysis-workers") == 0) {
			long long n;
			if (fa2_parse_int_range(fa2_slice_cstr(v), 1, 32, &n) != FA2_OK) {
				fprintf(stderr, "fa2 serve: --analysis-workers wants 1..32, got '%s'\n", v);
				return FA2_EXIT_USAGE;
			}
			scfg.analysis_workers = (unsigned)n;
		} else if (strcmp(o, "--analysis-queue") == 0) {
			long long n;
			if (fa2_parse_int_range(fa2_slice_cstr(v), 1, FA2_SLACK_MAX_QUEUE, &n) != FA2_OK) {
				fprintf(stderr, "fa2 serve: --analysis-queue wants 1..%u, got '%s'\n", FA2_SLACK_MAX_QUEUE, v);
				return FA2_EXIT_USAGE;
			}
			scfg.analysis_queue = (unsigned)n;
		} else if (strcmp(o, "--ready-check-ms") == 0) {
			if (parse_ms(o, v, &ready_ms))
				return FA2_EXIT_USAGE;
		} else if (strcmp(o, "--socket-ping-ms") == 0) {
			if (parse_ms(o, v, &sockcfg.ping_interval_ms))
				return FA2_EXIT_USAGE;
		} else if (strcmp(o, "--tls-cert") == 0) {
			cert = v;
		} else if (strcmp(o, "--tls-key") == 0) {
			key = v;
		} else if (strcmp(o, "--header-timeout-ms") == 0) {
			if (parse_ms(o, v, &cfg.header_timeout_ms))
				return FA2_EXIT_USAGE;
		} else if (strcmp(o, "--body-timeout-ms") == 0) {
			if (parse_ms(o, v, &cfg.body_timeout_ms))
				return FA2_EXIT_USAGE;
		} else if (strcmp(o, "--idle-timeout-ms") == 0) {
			if (parse_ms(o, v, &cfg.idle_timeout_ms))
				return FA2_EXIT_USAGE;
		} else if (strcmp(o, "--shutdown-grace-ms") == 0) {
			if (parse_ms(o, v, &cfg.shutdown_grace_ms))
				return FA2_EXIT_USAGE;
		} else if (strcmp(o, "--max-conns-per-peer") == 0) {
			long long n;
			if (fa2_parse_int_range(fa2_slice_cstr(v), 0, 1000000, &n) != FA2_OK) {
				fprintf(stderr, "fa2 serve: --max-conns-per-peer wants 0..1000000, got '%s'\n", v);
				return FA2_EXIT_USAGE;
			}
			cfg.max_conns_per_peer = (size_t)n;
		} else if (strcmp(o, "--max-buffer-mb") == 0) {
			long long n;
			if (fa2_parse_int_range(fa2_slice_cstr(v), 1, 65536, &n) != FA2_OK) {
				fprintf(stderr, "fa2 serve: --max-buffer-mb wants 1..65536, got '%s'\n", v);
				return FA2_EXIT_USAGE;
			}
			cfg.max_buffered = (size_t)n * 1024u * 1024u;
		} else if (strcmp(o, "--max-conns") == 0) {
			long long n;
			if (fa2_parse_int_range(fa2_slice_cstr(v), 1, 1000000, &n) != FA2_OK) {
				fprintf(stderr, "fa2 serve: --max-conns wants 1..1000000, got '%s'\n", v);
				return FA2_EXIT_USAGE;
			}
			cfg.max_conns = (size_t)n;
		} else {
			fprintf(stderr, "fa2 serve: unknown option '%s'; see 'fa2 serve --help'\n", o);
			return FA2_EXIT_USAGE;
		}
	}
	if (app_token && !*app_token)
		app_token = NULL;
	if (socket_required && !app_token) {
		fprintf(stderr, "fa2 serve: --socket-mode needs SLACK_APP_TOKEN (an app-level token, xapp-...)\n");
		return FA2_EXIT_USAGE;
	}
	/* With Socket Mode and no --listen, no inbound port is opened. */
	if (nlisten == 0 && !app_token)
		listen_addr[nlisten++] = "127.0.0.1:8080";
	if ((cert != NULL) != (key != NULL)) {
		fprintf(stderr, "fa2 serve: --tls-cert and --tls-key go together\n");
		return FA2_EXIT_USAGE;
	}
	if (cert && (!readable("--tls-cert", cert) || !readable("--tls-key", key)))
		return FA2_EXIT_USAGE;

	/* Room for many connections: raise the soft descriptor limit to the hard one. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	g_start_ms = fa2_time_mono_ms();
	/* signals first: a SIGTERM during start-up is a stop once the loop below runs */
	if (fa2_serve_signals_install() != FA2_OK) {
		fprintf(stderr, "fa2 serve: cannot install the signal handlers\n");
		return FA2_EXIT_FAILURE;
	}
	signals = 1;
	fa2_serve_secrets_init(&sec);
	memset(&rl_ctx, 0, sizeof rl_ctx);
	rl_ctx.config = config;
	rl_ctx.alarm_ids = scfg.alarm_ids;
	rl_ctx.allow_channels = scfg.allow_channels;
	rl_ctx.allow_users = scfg.allow_users;
	if (fa2_slack_settings_load(config, scfg.alarm_ids, scfg.allow_channels, scfg.allow_users, &sset, msg,
	                            sizeof msg)) {
		fprintf(stderr, "fa2 serve: %s\n", msg);
		fa2_serve_secrets_cleanup(&sec);
		return FA2_EXIT_USAGE;
	}
	acfg = sset->cfg;
	if (load_sns(config, &snscfg, msg, sizeof msg) != FA2_OK) {
		fprintf(stderr, "fa2 serve: %s\n", msg);
		fa2_free(snscfg);
		fa2_slack_settings_free(sset);
		fa2_serve_secrets_cleanup(&sec);
		return FA2_EXIT_USAGE;
	}
	/* the state directory and region are fixed for the process (not reloaded) */
	snprintf(state_dir, sizeof state_dir, "%s", acfg->state_dir ? acfg->state_dir : "");
	err = fa2_serve_secrets_load(acfg, &sec, msg, sizeof msg);
	if (err) {
		fprintf(stderr, "fa2 serve: cannot read the Slack credentials: %s\n", msg);
		rc = FA2_EXIT_FAILURE;
		goto cleanup;
	}
	scfg.signing_secret = sec.signing_from[0] ? (const char *)sec.signing.data : NULL;
	scfg.bot_token = sec.token_from[0] ? (const char *)sec.token.data : NULL;
	if (sec.signing_from[0])
		FA2_LOGI("serve", "Slack signing secret from %s", sec.signing_from);
	if (snscfg->n_topics && (!scfg.bot_token || !*scfg.bot_token || !nlisten)) {
		fprintf(stderr, "fa2 serve: the \"sns\" configuration needs %s\n", nlisten ?
		        "a Slack bot token (SLACK_BOT_TOKEN or slackAppTokenKey) to post alarms to their channel" :
		        "--listen: SNS delivers alarms by HTTP(S) POST");
		rc = FA2_EXIT_USAGE;
		goto cleanup;
	}
	if ((scfg.signing_secret && *scfg.signing_secret) || app_token || snscfg->n_topics) {
		if (scfg.bot_token && *scfg.bot_token) {
			FA2_LOGI("serve", "Slack bot token from %s", sec.token_from);
			if (check_token(scfg.bot_token, sec.token_from, &self) != 0) {
				rc = FA2_EXIT_FAILURE;
				goto cleanup;
			}
			scfg.self_user_id = self.user_id;
			scfg.self_bot_id = self.bot_id;
		}
		scfg.state_dir = state_dir;
		if (acfg->store_dynamodb) {
			fa2_aws_client *client = NULL;
			const char *region = acfg->store_region ? acfg->store_region : acfg->region;
			err = fa2_aws_shared_get(region, &client, msg, sizeof msg);
			if (err == FA2_OK) {
				fa2_aws_shared_hold();
				store_held = 1;
				err = fa2_store_open_dynamodb(client, acfg->store_table, 0, &store);
				if (err == FA2_OK)
					err = fa2_sessdb_open(client, acfg->store_table, (int64_t)acfg->store_lease_s * 1000, 0,
					                      &sessdb);
				if (err != FA2_OK)
					snprintf(msg, sizeof msg, "%s", fa2_err_str(err));
			}
			if (err != FA2_OK) {
				fprintf(stderr, "fa2 serve: cannot use the DynamoDB store (table %s): %s\n",
				        acfg->store_table, msg);
				rc = FA2_EXIT_FAILURE;
				goto cleanup;
			}
			FA2_LOGI("serve", "idempotency keys and analysis sessions in DynamoDB table %s (instance %.8s, "
			         "lease %u s)", acfg->store_table, fa2_sessdb_owner(sessdb), acfg->store_lease_s);
			fa2_slack_sessions_share(sessdb, state_dir);
			scfg.store = store;
		}
		if (fa2_serve_alarms_new(acfg->region, &alarms) == FA2_OK) {
			g_alarms = alarms;
			scfg.lookup = fa2_serve_alarms_describe;
			scfg.lookup_ctx = alarms;
		} else {
			FA2_LOGW("serve", "no AWS region/credentials set-up: alarm states are taken from "
			         "the Slack message text, not CloudWatch DescribeAlarms");
		}
		scfg.settings = sset; /* handed over */
		sset = NULL;
		if (cfg.max_body > FA2_SLACK_MAX_BODY)
			cfg.max_body = FA2_SLACK_MAX_BODY;
		err = fa2_slack_app_new(&scfg, &g_slack);
		if (err) {
			fprintf(stderr, "fa2 serve: cannot start the Slack app: %s\n", fa2_err_str(err));
			rc = FA2_EXIT_FAILURE;
			goto cleanup;
		}
		if (snscfg->n_topics) {
			err = fa2_serve_sns_new(snscfg, g_slack, &g_sns, msg, sizeof msg);
			if (err) {
				fprintf(stderr, "fa2 serve: cannot start the SNS endpoint: %s\n",
				        msg[0] ? msg : fa2_err_str(err));
				rc = FA2_EXIT_FAILURE;
				goto cleanup;
			}
		}
		if (!scfg.bot_token || !*scfg.bot_token)
			FA2_LOGW("serve", "no Slack bot token (SLACK_BOT_TOKEN or slackAppTokenKey): Slack "
			         "requests are verified but nothing is posted");
	}
	if (g_slack && app_token) {
		if (sockcfg.ping_interval_ms > 0 && sockcfg.ping_interval_ms < 10000)
			sockcfg.pong_timeout_ms = sockcfg.ping_interval_ms;
		sockcfg.app_token = app_token;
		sockcfg.dispatch = slack_dispatch;
		sockcfg.dispatch_ctx = g_slack;
		err = fa2_slack_socket_start(&sockcfg, &g_socket);
		if (err) {
			fprintf(stderr, "fa2 serve: cannot start Socket Mode: %s\n", fa2_err_str(err));
			rc = FA2_EXIT_FAILURE;
			goto cleanup;
		}
		FA2_LOGI("serve", "Slack Socket Mode enabled%s", nlisten ? "" : " (no inbound port)");
	}
	if (cert) {
		err = fa2_tls_server_ctx_from_files(cert, key, &tls);
		if (err) {
			fprintf(stderr, "fa2 serve: cannot use --tls-cert %s / --tls-key %s: %s\n", cert, key,
			        fa2_err_str(err));
			goto cleanup;
		}
	}
	/* HTTP only when there is something to listen on: Socket Mode alone needs no port */
	if (nlisten) {
		err = fa2_server_new(&cfg, &srv);
		if (err) {
			fprintf(stderr, "fa2 serve: %s\n", fa2_err_str(err));
			rc = FA2_EXIT_FAILURE;
			goto cleanup;
		}
		for (i = 0; i < nlisten; i++) {
			err = fa2_server_listen(srv, listen_addr[i]);
			if (err) {
				fprintf(stderr, "fa2 serve: cannot listen on '%s': %s\n", listen_addr[i],
				        fa2_err_str(err));
				goto cleanup;
			}
		}
		if (tls)
			fa2_server_set_tls(srv, tls);
		if (fa2_server_route(srv, "GET", "/healthz", on_healthz, NULL) != FA2_OK ||
		    fa2_server_route(srv, "GET", "/readyz", on_readyz, NULL) != FA2_OK ||
		    fa2_server_route(srv, "GET", "/metrics", on_metrics, srv) != FA2_OK ||
		    (g_slack && scfg.signing_secret && *scfg.signing_secret &&
		     fa2_slack_app_route(g_slack, srv, slack_path) != FA2_OK) ||
		    (g_sns && fa2_serve_sns_route(g_sns, srv) != FA2_OK) ||
		    (debug && fa2_server_route(srv, "GET", "/debug/sleep", on_sleep, NULL) != FA2_OK)) {
			fprintf(stderr, "fa2 serve: cannot set up the server\n");
			rc = FA2_EXIT_FAILURE;
			goto cleanup;
		}
		if (g_slack && scfg.signing_secret && *scfg.signing_secret)
			FA2_LOGI("serve", "Slack endpoint POST %s", slack_path);
		if (g_sns)
			FA2_LOGI("serve", "Amazon SNS endpoint POST %s (%zu topic(s))", snscfg->path, snscfg->n_topics);
		for (i = 0; i < nlisten; i++)
			FA2_LOGI("serve", "listening on %s (port %d, %s)", listen_addr[i],
			         fa2_server_port(srv, i), tls ? "https" : "http");
		hs.srv = srv;
		hs.err = FA2_OK;
		if (pthread_create(&http_thread, NULL, http_loop, &hs) != 0) {
			fprintf(stderr, "fa2 serve: cannot start the HTTP server thread\n");
			rc = FA2_EXIT_FAILURE;
			goto cleanup;
		}
		http_running = 1;
	}
	ready_start(&ready, ready_ms);
	/* the process's life: reload on SIGHUP, drain on SIGTERM / SIGINT */
	for (;;) {
		fa2_serve_sig sig = fa2_serve_signals_wait(-1);
		if (sig == FA2_SERVE_SIG_RELOAD)
			reload(&rl_ctx);
		else if (sig == FA2_SERVE_SIG_STOP)
			break;
	}
	FA2_LOGI("serve", "stopping: no new requests; requests in flight, then queued work, are finished");
	if (http_running) {
		fa2_server_stop(srv);
		pthread_join(http_thread, NULL);
		http_running = 0;
		if (hs.err) {
			FA2_LOGE("serve", "server stopped: %s", fa2_err_str(hs.err));
			rc = FA2_EXIT_FAILURE;
			goto cleanup;
		}
		{
			fa2_server_stats st;
			fa2_server_get_stats(srv, &st);
			FA2_LOGI("serve", "stopped: %llu connection(s), %llu request(s), %llu timeout(s), "
			         "%llu rejected as busy", (unsigned long long)st.accepted,
			         (unsigned long long)st.requests, (unsigned long long)st.timeouts,
			         (unsigned long long)st.rejected_busy);
		}
	}
	rc = FA2_EXIT_OK;
cleanup:
	if (http_running) { /* a set-up step failed after the HTTP thread started */
		fa2_server_stop(srv);
		pthread_join(http_thread, NULL);
	}
	ready_stop(&ready);
	fa2_slack_socket_stop(g_socket);
	g_socket = NULL;
	fa2_serve_sns_free(g_sns); /* its workers hand alarms to the Slack app: first */
	g_sns = NULL;
	fa2_free(snscfg);
	fa2_slack_app_free(g_slack);
	g_slack = NULL;
	fa2_slack_sessions_share(NULL, NULL);
	fa2_sessdb_close(sessdb);
	fa2_store_close(store);
	if (store_held)
		fa2_aws_shared_release();
	g_alarms = NULL;
	fa2_serve_alarms_free(alarms);
	fa2_slack_settings_free(sset);
	fa2_serve_secrets_cleanup(&sec);
	fa2_server_free(srv);
	fa2_tls_server_ctx_free(tls);
	if (signals)
		fa2_serve_signals_restore();
	return rc;
}
