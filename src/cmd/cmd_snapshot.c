/* fa2 snapshot: capture an incident window's telemetry from AWS into a directory
 * (docs/snapshot.md) that 'fa2 triage --source DIR' reads. */
#include <stdio.h>
#include <string.h>

#include "aws/client.h"
#include "aws/config.h"
#include "aws/creds.h"
#include "aws/transport.h"
#include "base/slice.h"
#include "base/time.h"
#include "cmd/cmd.h"
#include "triage/capture.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fa2 snapshot --from TIME --to TIME --out DIR [--region R] [--profile P]\n"
		"                    [--log-group NAME]... [--query 'LOGS INSIGHTS QUERY']\n"
		"                    [--alarm NAME] [--metric 'Namespace|MetricName|Stat|Dim=Value,...']...\n"
		"                    [--no-cloudtrail] [--no-xray] [--max-pages N] [--tz OFFSET]\n"
		"\n"
		"Saves the window's Logs Insights results (one query per hour), the alarm and its\n"
		"metrics (the alarm's own and those sharing its dimensions, plus --metric ones) from\n"
		"GetMetricData, CloudTrail LookupEvents and X-Ray trace summaries, each as the raw\n"
		"API response, and a manifest. A source that fails is recorded in the manifest and\n"
		"the others are still captured. DIR must not exist or be empty.\n"
		"\n"
		"Exit codes: 0 saved (check the manifest's \"errors\"), 1 nothing could be captured,\n"
		"2 usage or configuration error.\n");
}

int fa2_cmd_snapshot(int argc, char **argv)
{
	fa2_capture_opts o;
	fa2_capture_stats st;
	const char *from_s = NULL, *to_s = NULL, *region_opt = NULL, *profile = NULL;
	char region[64];
	int tz = 0, i, rc = FA2_EXIT_USAGE;
	int have_cfg = 0, have_prov = 0, have_cl = 0;
	long long pages = 100;
	int64_t now = fa2_time_now_ms();
	fa2_aws_config cfg;
	fa2_aws_chain ch;
	fa2_aws_creds_provider prov;
	fa2_aws_client cl;
	fa2_err e;

	memset(&o, 0, sizeof o);
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
		} else if (!strcmp(a, "--tz")) {
			if (fa2_time_parse_offset(fa2_slice_cstr(v), &tz)) {
				fprintf(stderr, "fa2 snapshot: bad --tz '%s'\n", v);
				goto cleanup;
			}
		} else {
			fprintf(stderr, "fa2 snapshot: unknown option '%s'; see 'fa2 snapshot --help'\n", a);
			goto cleanup;
		}
	}
	o.max_pages = (size_t)pages;
	if (!from_s || !to_s || !o.out_dir) {
		fprintf(stderr, "fa2 snapshot: --from, --to and --out are required\n");
		goto cleanup;
	}
	if (fa2_time_parse(fa2_slice_cstr(from_s), now, tz, &o.from_ms) ||
	    fa2_time_parse(fa2_slice_cstr(to_s), now, tz, &o.to_ms) || o.from_ms >= o.to_ms) {
		fprintf(stderr, "fa2 snapshot: --from and --to must be times (RFC 3339, epoch, -30m), from before to\n");
		goto cleanup;
	}
	if (fa2_aws_config_load(&cfg, profile)) {
		have_cfg = 1;
		goto cleanup;
	}
	have_cfg = 1;
	memset(&ch, 0, sizeof ch);
	ch.cfg = &cfg;
	ch.http = fa2_aws_http_default;
	ch.deadline_ms = fa2_time_mono_ms() + 30000;
	if (region_opt)
		snprintf(region, sizeof region, "%s", region_opt);
	else if (fa2_aws_region_from_config(&cfg, region, sizeof region) != FA2_OK &&
		 fa2_aws_imds_region(&ch, region, sizeof region) != FA2_OK) {
		fprintf(stderr, "fa2 snapshot: no region: use --region, AWS_REGION, the profile's region, "
				"or run on EC2\n");
		goto cleanup;
	}
	ch.region = region;
	o.region = region;
	rc = FA2_EXIT_FAILURE;
	if (fa2_aws_creds_provider_init(&prov, &ch, 30000))
		goto cleanup;
	have_prov = 1;
	if (fa2_aws_client_init(&cl, &prov, &cfg, region, fa2_aws_http_default, NULL))
		goto cleanup;
	have_cl = 1;
	e = fa2_capture_snapshot(&cl, &o, &st);
	if (e == FA2_ERR_EXISTS) {
		fprintf(stderr, "fa2 snapshot: %s exists and is not empty\n", o.out_dir);
		rc = FA2_EXIT_USAGE;
		goto cleanup;
	}
	fprintf(stderr, "fa2 snapshot: %s: %zu files, %zu log rows, %zu series, %zu CloudTrail events, "
			"%zu trace summaries, %zu errors\n", o.out_dir, st.files, st.log_rows, st.series,
		st.events, st.traces, st.errors);
	if (e) {
		fprintf(stderr, "fa2 snapshot: %s\n", e == FA2_ERR_AWS ? "no source could be captured"
				: fa2_err_str(e));
		goto cleanup;
	}
	rc = FA2_EXIT_OK;
cleanup:
	if (have_cl)
		fa2_aws_client_cleanup(&cl);
	if (have_prov)
		fa2_aws_creds_provider_cleanup(&prov);
	if (have_cfg)
		fa2_aws_config_cleanup(&cfg);
	return rc;
}
