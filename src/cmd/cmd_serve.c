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
#include "base/log.h"
#include "base/slice.h"
#include "base/time.h"
#include "cmd/cmd.h"
#include "cmd/version.h"
#include "net/server.h"
#include "net/tls.h"

#define SERVE_MAX_LISTEN 8
#define SERVE_MAX_SLEEP_MS 60000

static int64_t g_start_ms;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fa2 serve [OPTIONS]\n"
		"\n"
		"Runs the fa2 daemon. Endpoints: GET /healthz (200, JSON with status, version,\n"
		"uptime_s). Stops gracefully on SIGTERM or SIGINT: stops accepting, finishes\n"
		"requests in flight, exits 0.\n"
		"\n"
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

int fa2_cmd_serve(int argc, char **argv)
{
	const char *listen_addr[SERVE_MAX_LISTEN];
	size_t nlisten = 0, i;
	const char *cert = NULL, *key = NULL;
	int debug = 0, rc = FA2_EXIT_USAGE;
	fa2_server_config cfg;
	fa2_server *srv = NULL;
	fa2_tls_server_ctx *tls = NULL;
	struct rlimit rl;
	fa2_err err;
	int a;

	fa2_server_config_default(&cfg);
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
	if (nlisten == 0)
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
	if (cert) {
		err = fa2_tls_server_ctx_from_files(cert, key, &tls);
		if (err) {
			fprintf(stderr, "fa2 serve: cannot use --tls-cert %s / --tls-key %s: %s\n", cert, key,
			        fa2_err_str(err));
			goto cleanup;
		}
	}
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
	    (debug && fa2_server_route(srv, "GET", "/debug/sleep", on_sleep, NULL) != FA2_OK) ||
	    fa2_server_handle_signals(srv) != FA2_OK) {
		fprintf(stderr, "fa2 serve: cannot set up the server\n");
		rc = FA2_EXIT_FAILURE;
		goto cleanup;
	}
	for (i = 0; i < nlisten; i++)
		FA2_LOGI("serve", "listening on %s (port %d, %s)", listen_addr[i],
		         fa2_server_port(srv, i), tls ? "https" : "http");
	err = fa2_server_run(srv);
	if (err) {
		FA2_LOGE("serve", "server stopped: %s", fa2_err_str(err));
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
	rc = FA2_EXIT_OK;
cleanup:
	fa2_server_free(srv);
	fa2_tls_server_ctx_free(tls);
	return rc;
}
