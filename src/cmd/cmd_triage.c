/* fa2 triage: deterministic, LLM-free analysis of an incident window. */
#include <stdio.h>
#include <string.h>

#include "agent/tools/snap.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/time.h"
#include "base/tz.h"
#include "cmd/cmd.h"
#include "triage/data.h"
#include "triage/triage.h"

#define TRIAGE_DEFAULT_BUDGET_TOKENS 6000u

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fa2 triage --source DIR [--format md|json] [--budget-tokens N]\n"
		"                  [--from TIME] [--to TIME] [--tz ZONE]\n"
		"\n"
		"Analyses an incident window without a model: metric change points and spikes,\n"
		"log templates that are new or spiking, X-Ray fault root causes, and CloudTrail\n"
		"changes ranked against the onset. Prints a report with ranked suspects and the\n"
		"evidence behind each.\n"
		"\n"
		"  --source DIR        a snapshot directory (docs/snapshot.md), e.g. examples/ecs-dynamodb-sg\n"
		"  --format md|json    Markdown (default) or JSON (schema fa2.triage/1, docs/triage.md)\n"
		"  --budget-tokens N   fit the report into about N tokens (4 bytes each; default %u)\n"
		"  --from, --to TIME   narrow the snapshot's window (RFC 3339, epoch, relative)\n"
		"  --tz ZONE           zone for --from/--to without one: Asia/Tokyo, +09:00, UTC\n"
		"                      (default UTC)\n"
		"\n"
		"Without --source, triage reads AWS directly, which needs the AWS layer.\n"
		"Exit codes: 0 report printed, 1 analysis failed, 2 usage error.\n",
		TRIAGE_DEFAULT_BUDGET_TOKENS);
}

static int need_value(int i, int argc, const char *opt)
{
	if (i + 1 >= argc) {
		fprintf(stderr, "fa2 triage: %s needs a value\n", opt);
		return 0;
	}
	return 1;
}

int fa2_cmd_triage(int argc, char **argv)
{
	const char *source = NULL, *from_s = NULL, *to_s = NULL, *why = "";
	int format = FA2_TR_FMT_MD, rc = FA2_EXIT_FAILURE, i;
	fa2_tz zone;
	long long budget = TRIAGE_DEFAULT_BUDGET_TOKENS;
	int64_t from_ms = 0, to_ms = 0, now = fa2_time_now_ms();
	fa2_tr_data d;
	fa2_tr_analysis a;
	fa2_buf out;
	fa2_err e;

	fa2_tz_utc(&zone);
	fa2_tr_data_init(&d);
	memset(&a, 0, sizeof a);
	fa2_buf_init(&out, FA2_MAX_TR_REPORT_BYTES);
	for (i = 1; i < argc; i++) {
		const char *o = argv[i];
		if (fa2_cmd_is_help(o)) {
			usage(stdout);
			rc = FA2_EXIT_OK;
			goto cleanup;
		} else if (!strcmp(o, "--source") || !strcmp(o, "--format") || !strcmp(o, "--budget-tokens") ||
			   !strcmp(o, "--from") || !strcmp(o, "--to") || !strcmp(o, "--tz")) {
			const char *v;
			if (!need_value(i, argc, o)) {
				rc = FA2_EXIT_USAGE;
				goto cleanup;
			}
			v = argv[++i];
			if (!strcmp(o, "--source"))
				source = v;
			else if (!strcmp(o, "--from"))
				from_s = v;
			else if (!strcmp(o, "--to"))
				to_s = v;
			else if (!strcmp(o, "--format")) {
				if (!strcmp(v, "md") || !strcmp(v, "markdown"))
					format = FA2_TR_FMT_MD;
				else if (!strcmp(v, "json"))
					format = FA2_TR_FMT_JSON;
				else {
					fprintf(stderr, "fa2 triage: unknown format '%s' (md, json)\n", v);
					rc = FA2_EXIT_USAGE;
					goto cleanup;
				}
			} else if (!strcmp(o, "--budget-tokens")) {
				if (fa2_parse_int_range(fa2_slice_cstr(v), 200, 2000000, &budget)) {
					fprintf(stderr, "fa2 triage: --budget-tokens wants 200..2000000, got '%s'\n", v);
					rc = FA2_EXIT_USAGE;
					goto cleanup;
				}
			} else if ((e = fa2_tz_load(fa2_slice_cstr(v), &zone)) != FA2_OK) {
				char tzwhy[256];
				fa2_tz_explain(e, tzwhy, sizeof tzwhy);
				fprintf(stderr, "fa2 triage: --tz '%s': %s\n", v, tzwhy);
				rc = FA2_EXIT_USAGE;
				goto cleanup;
			}
		} else {
			fprintf(stderr, "fa2 triage: unknown argument '%s'; see 'fa2 triage --help'\n", o);
			rc = FA2_EXIT_USAGE;
			goto cleanup;
		}
	}
	if ((from_s && fa2_time_parse_in(fa2_slice_cstr(from_s), now, &zone, &from_ms)) ||
	    (to_s && fa2_time_parse_in(fa2_slice_cstr(to_s), now, &zone, &to_ms))) {
		fprintf(stderr, "fa2 triage: cannot parse --from/--to (RFC 3339, epoch, or like -30m)\n");
		rc = FA2_EXIT_USAGE;
		goto cleanup;
	}
	if (from_ms && to_ms && from_ms >= to_ms) {
		fprintf(stderr, "fa2 triage: --from must be before --to\n");
		rc = FA2_EXIT_USAGE;
		goto cleanup;
	}
	if (!source) {
		fprintf(stderr, "fa2 triage: reading AWS directly needs the AWS layer, which is not in "
				"this build yet; use --source DIR with a snapshot directory\n");
		rc = FA2_EXIT_USAGE;
		goto cleanup;
	}
	if ((e = fa2_tr_snapshot_read(&d, source, &why))) {
		fprintf(stderr, "fa2 triage: %s: %s%s%s\n", source, fa2_err_str(e), *why ? ": " : "", why);
		/* No usable manifest: the directory is not a snapshot (a usage error). A bad
		 * response file inside a snapshot is an analysis failure. */
		rc = strstr(why, "manifest") ? FA2_EXIT_USAGE : FA2_EXIT_FAILURE;
		goto cleanup;
	}
	if (from_ms || to_ms) {
		/* Same rule as analyze --source: the window must lie inside the snapshot's. */
		char msg[512];
		if (d.from_ms > 0 && d.to_ms > d.from_ms &&
		    fa2_snap_window_check(d.from_ms, d.to_ms, from_ms ? from_ms : d.from_ms, to_ms ? to_ms : d.to_ms,
					  msg, sizeof msg)) {
			fprintf(stderr, "fa2 triage: %s\n", msg);
			rc = FA2_EXIT_USAGE;
			goto cleanup;
		}
		fa2_tr_data_narrow(&d, from_ms, to_ms);
	}
	if ((e = fa2_tr_analyze(&d, NULL, &a))) {
		fprintf(stderr, "fa2 triage: analysis failed: %s\n", fa2_err_str(e));
		goto cleanup;
	}
	if ((e = fa2_tr_render(&a, format, (size_t)budget, &out))) {
		fprintf(stderr, "fa2 triage: rendering failed: %s\n", fa2_err_str(e));
		goto cleanup;
	}
	if (fa2_write_all(1, out.data ? out.data : "", out.len)) {
		fprintf(stderr, "fa2 triage: cannot write the report\n");
		goto cleanup;
	}
	rc = FA2_EXIT_OK;
cleanup:
	fa2_buf_cleanup(&out);
	fa2_tr_analysis_cleanup(&a);
	fa2_tr_data_cleanup(&d);
	return rc;
}
