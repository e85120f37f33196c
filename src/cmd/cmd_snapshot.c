/* fa2 snapshot: capture an incident window's telemetry from AWS into a directory
 * (docs/snapshot.md) that 'fa2 triage --source DIR' reads. */
#include <stdio.h>
#include <string.h>

#include "aws/session.h"
#include "base/slice.h"
#include "base/time.h"
#include "base/tz.h"
#include "cmd/cmd.h"
#include "triage/capture.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fa2 snapshot --from TIME --to TIME --out DIR [--region R] [--profile P]\n"
		"                    [--log-group NAME]... [--query 'LOGS INSIGHTS STAGES']\n"
		"                    [--alarm NAME] [--metric 'Namespace|MetricName|Stat|Dim=Value,...']...\n"
		"                    [--no-cloudtrail] [--no-xray] [--max-pages N] [--max-queries N]\n"
		"                    [--tz ZONE]\n"
		"\n"
		"Saves the window's Logs Insights rows (hour by hour; a query that returns the\n"
		"service's 10,000-row cap is split until none does, or until --max-queries, default\n"
		"%u, is spent), the alarm and its metrics (the alarm's own and those sharing its\n"
		"dimensions, plus --metric ones) from GetMetricData, CloudTrail LookupEvents and\n"
		"X-Ray trace summaries, each as the API response, and a manifest that states how\n"
		"completely each source was read (\"coverage\"). A source that fails is recorded in\n"
		"the manifest and the others are still captured. DIR must not exist or be empty.\n"
		"--tz is the zone of --from/--to written without one: an IANA name (Asia/Tokyo) or an\n"
		"offset (+09:00).\n"
		"\n"
		"Exit codes: 0 saved (check the manifest's \"errors\" and \"coverage\"), 1 nothing\n"
		"could be captured, 2 usage or configuration error.\n", FA2_CAPTURE_LOG_QUERIES);
}

int fa2_cmd_snapshot(int argc, char **argv)
{
	fa2_capture_opts o;
	fa2_capture_stats st;
	const char *from_s = NULL, *to_s = NULL, *region_opt = NULL, *profile = NULL;
	int i, rc = FA2_EXIT_USAGE;
	fa2_tz zone;
	long long pages = 100, queries = FA2_CAPTURE_LOG_QUERIES;
	int64_t now = fa2_time_now_ms();
	fa2_aws_session sess;
	char msg[256];
	fa2_err e;

	memset(&o, 0, sizeof o);
	memset(&sess, 0, sizeof sess);
	fa2_tz_utc(&zone);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		if (fa2_cmd_is_help(a)) {
			usage(stdout);
			return FA2_EXIT_OK;
		}
		if (!strcmp(a, "--no-cloudtrail")) {
			o.no_cloudtrail = 1;
			continue;
		}
		if (!strcmp(a, "--no-xray")) {
			o.no_xray = 1;
			continue;
		}
		if (i + 1 >= argc || strncmp(a, "--", 2) != 0) {
			fprintf(stderr, "fa2 snapshot: unknown argument or missing value: '%s'\n", a);
			goto cleanup;
		}
		v = argv[++i];
		if (!strcmp(a, "--from"))
			from_s = v;
		else if (!strcmp(a, "--to"))
			to_s = v;
		else if (!strcmp(a, "--out"))
			o.out_dir = v;
		else if (!strcmp(a, "--region"))
			region_opt = v;
		else if (!strcmp(a, "--profile"))
			profile = v;
		else if (!strcmp(a, "--alarm"))
			o.alarm = v;
		else if (!strcmp(a, "--query"))
			o.query = v;
		else if (!strcmp(a, "--log-group")) {
			if (o.n_log_groups >= FA2_CAPTURE_MAX_GROUPS) {
				fprintf(stderr, "fa2 snapshot: at most %u log groups\n", FA2_CAPTURE_MAX_GROUPS);
				goto cleanup;
			}
			o.log_groups[o.n_log_groups++] = v;
		} else if (!strcmp(a, "--metric")) {
			if (o.n_metrics >= sizeof o.metrics / sizeof o.metrics[0]) {
				fprintf(stderr, "fa2 snapshot: too many --metric\n");
				goto cleanup;
			}
			o.metrics[o.n_metrics++] = v;
		} else if (!strcmp(a, "--max-pages")) {
			if (fa2_parse_int_range(fa2_slice_cstr(v), 1, 10000, &pages)) {
				fprintf(stderr, "fa2 snapshot: --max-pages wants 1..10000\n");
				goto cleanup;
			}
		} else if (!strcmp(a, "--max-queries")) {
			if (fa2_parse_int_range(fa2_slice_cstr(v), 1, 10000, &queries)) {
				fprintf(stderr, "fa2 snapshot: --max-queries wants 1..10000\n");
				goto cleanup;
			}
		} else if (!strcmp(a, "--tz")) {
			if ((e = fa2_tz_load(fa2_slice_cstr(v), &zone)) != FA2_OK) {
				fa2_tz_explain(e, msg, sizeof msg);
				fprintf(stderr, "fa2 snapshot: --tz '%s': %s\n", v, msg);
				goto cleanup;
			}
		} else {
			fprintf(stderr, "fa2 snapshot: unknown option '%s'; see 'fa2 snapshot --help'\n", a);
			goto cleanup;
		}
	}
	o.max_pages = (size_t)pages;
	o.max_log_queries = (size_t)queries;
	if (!from_s || !to_s || !o.out_dir) {
		fprintf(stderr, "fa2 snapshot: --from, --to and --out are required\n");
		goto cleanup;
	}
	if (fa2_time_parse_in(fa2_slice_cstr(from_s), now, &zone, &o.from_ms) ||
	    fa2_time_parse_in(fa2_slice_cstr(to_s), now, &zone, &o.to_ms) || o.from_ms >= o.to_ms) {
		fprintf(stderr, "fa2 snapshot: --from and --to must be times (RFC 3339, epoch, -30m), from before to\n");
		goto cleanup;
	}
	e = fa2_aws_session_open(&sess, profile, region_opt, 30000, msg, sizeof msg);
	if (e) {
		fprintf(stderr, "fa2 snapshot: %s\n", msg);
		if (e != FA2_ERR_CONFIG)
			rc = FA2_EXIT_FAILURE;
		goto cleanup;
	}
	o.region = sess.region;
	rc = FA2_EXIT_FAILURE;
	e = fa2_capture_snapshot(&sess.client, &o, &st);
	if (e == FA2_ERR_EXISTS) {
		fprintf(stderr, "fa2 snapshot: %s exists and is not empty\n", o.out_dir);
		rc = FA2_EXIT_USAGE;
		goto cleanup;
	}
	fprintf(stderr, "fa2 snapshot: %s: %zu files, %zu log rows (%zu queries), %zu series, %zu CloudTrail "
			"events, %zu trace summaries, %zu errors\n", o.out_dir, st.files, st.log_rows, st.log_queries,
		st.series, st.events, st.traces, st.errors);
	if (st.logs_partial || st.events_partial || st.traces_partial)
		fprintf(stderr, "fa2 snapshot: PARTIAL: not everything in the window was read (%s%s%s); the "
				"manifest's \"coverage\" says which parts\n",
			st.logs_partial ? "logs " : "", st.events_partial ? "cloudtrail " : "",
			st.traces_partial ? "xray" : "");
	if (e) {
		fprintf(stderr, "fa2 snapshot: %s\n", e == FA2_ERR_AWS ? "no source could be captured"
				: fa2_err_str(e));
		goto cleanup;
	}
	rc = FA2_EXIT_OK;
cleanup:
	fa2_aws_session_close(&sess);
	return rc;
}
