/* fa2 triage: deterministic, LLM-free analysis of an incident window. */
#include <stdio.h>
#include <string.h>

#include "agent/config.h"
#include "agent/tool.h"
#include "agent/tools/snap.h"
#include "aws/alarms.h"
#include "aws/session.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/msg.h"
#include "base/time.h"
#include "base/tz.h"
#include "cmd/agent_run.h"
#include "cmd/cmd.h"
#include "triage/capture.h"
#include "triage/data.h"
#include "triage/triage.h"

#define TRIAGE_DEFAULT_BUDGET_TOKENS 6000u

#define TRIAGE_MAX_WINDOW_MS (31LL * 24 * 3600 * 1000)

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fa2 triage --source DIR [--from TIME] [--to TIME] [options]\n"
		"       fa2 triage --from TIME [--to TIME] [--config FILE] [options]   (reads AWS)\n"
		"       fa2 triage --alarm NAME [--region R] [--config FILE] [options] (reads AWS)\n"
		"\n"
		"Analyses an incident window without a model: metric change points, spikes and\n"
		"gradual rises, log templates that are new or spiking, X-Ray fault root causes,\n"
		"and CloudTrail changes linked to the symptoms by the names they share (timing\n"
		"alone never implicates a change; routine periodic writes are discounted). Prints\n"
		"a report with ranked suspects of every kind (changes, error templates, metrics,\n"
		"failing dependencies) and the evidence behind each, or says that no change is\n"
		"implicated and leads with the symptom.\n"
		"\n"
		"  --source DIR        a snapshot directory (docs/snapshot.md), e.g. examples/ecs-dynamodb-sg\n"
		"  --format md|json    Markdown (default) or JSON (schema fa2.triage/1, docs/triage.md)\n"
		"  --budget-tokens N   fit the report into about N tokens (4 bytes each; default %u)\n"
		"  --from, --to TIME   the window (RFC 3339, epoch, relative like -1h; --to defaults to\n"
		"                      now); with --source: narrow the snapshot's window\n"
		"  --tz ZONE           zone for --from/--to without one: Asia/Tokyo, +09:00, UTC\n"
		"                      (default UTC)\n"
		"  --lang en|ja        language of the report's headings and texts (default: the\n"
		"                      config's language when AWS is read, else en)\n"
		"\n"
		"Without --source, triage reads the window from AWS with the configuration analyze\n"
		"uses (cwLogsLogGroups, region, xrayTrace), into memory, as 'fa2 snapshot' would\n"
		"capture it (Logs Insights split at its 10,000-row cap, CloudTrail LookupEvents,\n"
		"X-Ray when xrayTrace is set, the alarm's metrics with --alarm):\n"
		"  --config FILE       configuration file (default: $FA2_CONFIG, else defaults)\n"
		"  --alarm NAME        the alarm (DescribeAlarms): its metric and neighbours are read;\n"
		"                      without --from the window is its state change minus --before\n"
		"                      and plus --after minutes (defaults 30 and 10)\n"
		"  --region R          AWS region (default: the config's, else AWS_REGION)\n"
		"  --before, --after MIN\n"
		"  --log-group NAME    a log group to read instead of cwLogsLogGroups (repeatable)\n"
		"  --max-pages N       CloudTrail / X-Ray / GetMetricData pages (default 100)\n"
		"  --max-queries N     Logs Insights queries in all (default %u)\n"
		"\n"
		"Exit codes: 0 report printed, 1 analysis failed (or nothing could be read), 2 usage\n"
		"or configuration error.\n",
		TRIAGE_DEFAULT_BUDGET_TOKENS, FA2_CAPTURE_LOG_QUERIES);
}

static int need_value(int i, int argc, const char *opt)
{
	if (i + 1 >= argc) {
		fprintf(stderr, "fa2 triage: %s needs a value\n", opt);
		return 0;
	}
	return 1;
}

/* Reads the window from AWS into d (capture.c's memory sink). Returns an exit code. */
static int read_live(fa2_tr_data *d, const char *config, const char *region, const char *alarm,
		     const char *const *groups, size_t n_groups, int have_from, int64_t from_ms, int64_t to_ms,
		     uint64_t before_min, uint64_t after_min, long long pages, long long queries, int64_t now,
		     fa2_lang *lang)
{
	fa2_config cfg;
	fa2_aws_session sess;
	fa2_capture_opts o;
	fa2_capture_stats st;
	fa2_alarm al;
	char msg[1600];
	size_t i;
	int rc = FA2_EXIT_USAGE;
	fa2_err e;

	memset(&sess, 0, sizeof sess);
	memset(&o, 0, sizeof o);
	memset(&al, 0, sizeof al);
	if (fa2_cmd_load_config("triage", config, &cfg)) {
		fa2_config_cleanup(&cfg);
		return FA2_EXIT_USAGE;
	}
	*lang = cfg.lang;
	e = fa2_aws_session_open(&sess, NULL, region ? region : cfg.region, 30000, msg, sizeof msg);
	if (e) {
		fprintf(stderr, "fa2 triage: %s\n", msg);
		rc = e == FA2_ERR_CONFIG ? FA2_EXIT_USAGE : FA2_EXIT_FAILURE;
		goto cleanup;
	}
	if (alarm && !have_from) {
		/* The window around the state change, as analyze takes it. */
		e = fa2_alarm_describe(&sess.client, alarm, 0, &al, msg, sizeof msg);
		if (e) {
			fprintf(stderr, "fa2 triage: alarm %s: %s\n", alarm, msg);
			rc = e == FA2_ERR_NOT_FOUND ? FA2_EXIT_USAGE : FA2_EXIT_FAILURE;
			goto cleanup;
		}
		{
			int64_t changed = al.changed_ms ? al.changed_ms : now;
			from_ms = changed - (int64_t)before_min * FA2_TIME_MS_PER_MIN;
			to_ms = changed + (int64_t)after_min * FA2_TIME_MS_PER_MIN;
			if (to_ms > now && now > from_ms)
				to_ms = now;
		}
	}
	if (to_ms <= from_ms || to_ms - from_ms > TRIAGE_MAX_WINDOW_MS) {
		fprintf(stderr, "fa2 triage: the window must be non-empty and at most 31 days long\n");
		goto cleanup;
	}
	o.from_ms = from_ms;
	o.to_ms = to_ms;
	o.into = d;
	o.region = sess.region;
	o.alarm = alarm;
	if (n_groups) {
		for (i = 0; i < n_groups; i++)
			o.log_groups[i] = groups[i];
		o.n_log_groups = n_groups;
	} else {
		for (i = 0; i < cfg.n_log_groups && i < FA2_CAPTURE_MAX_GROUPS; i++)
			o.log_groups[i] = cfg.log_groups[i];
		o.n_log_groups = i;
	}
	o.max_pages = (size_t)pages;
	o.max_log_queries = (size_t)queries;
	o.no_xray = !cfg.xray_trace;
	rc = FA2_EXIT_FAILURE;
	e = fa2_capture_snapshot(&sess.client, &o, &st);
	fprintf(stderr, "fa2 triage: read from AWS (%s): %zu log rows in %zu queries, %zu series, %zu CloudTrail "
			"events, %zu trace summaries, %zu errors%s\n", sess.region, st.log_rows, st.log_queries, st.series,
		st.events, st.traces, st.errors, d->coverage_note ? " (coverage partial: see the report)" : "");
	if (e) {
		fprintf(stderr, "fa2 triage: %s\n", e == FA2_ERR_AWS ? "no source could be read (see the warnings above)"
								    : fa2_err_str(e));
		goto cleanup;
	}
	rc = FA2_EXIT_OK;
cleanup:
	fa2_alarm_cleanup(&al);
	fa2_aws_session_close(&sess);
	fa2_config_cleanup(&cfg);
	return rc;
}

int fa2_cmd_triage(int argc, char **argv)
{
	const char *source = NULL, *from_s = NULL, *to_s = NULL, *why = "", *config = NULL, *region = NULL;
	const char *alarm = NULL, *groups[FA2_CAPTURE_MAX_GROUPS], *lang_s = NULL;
	fa2_lang lang = FA2_LANG_EN;
	int format = FA2_TR_FMT_MD, rc = FA2_EXIT_FAILURE, i, live_opts = 0;
	fa2_tz zone;
	long long budget = TRIAGE_DEFAULT_BUDGET_TOKENS, pages = 100, queries = FA2_CAPTURE_LOG_QUERIES;
	uint64_t before_min = 30, after_min = 10;
	size_t n_groups = 0;
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
		static const char *const with_value[] = { "--source", "--format", "--budget-tokens", "--from", "--to",
							  "--tz", "--lang", "--config", "--region", "--alarm", "--before",
							  "--after", "--log-group", "--max-pages", "--max-queries" };
		const char *o = argv[i], *v;
		size_t k;
		if (fa2_cmd_is_help(o)) {
			usage(stdout);
			rc = FA2_EXIT_OK;
			goto cleanup;
		}
		for (k = 0; k < sizeof with_value / sizeof with_value[0] && strcmp(o, with_value[k]) != 0; k++)
			;
		if (k == sizeof with_value / sizeof with_value[0]) {
			fprintf(stderr, "fa2 triage: unknown argument '%s'; see 'fa2 triage --help'\n", o);
			rc = FA2_EXIT_USAGE;
			goto cleanup;
		}
		if (!need_value(i, argc, o)) {
			rc = FA2_EXIT_USAGE;
			goto cleanup;
		}
		v = argv[++i];
		if (k >= 7)
			live_opts = 1;
		if (!strcmp(o, "--source"))
			source = v;
		else if (!strcmp(o, "--lang"))
			lang_s = v;
		else if (!strcmp(o, "--from"))
			from_s = v;
		else if (!strcmp(o, "--to"))
			to_s = v;
		else if (!strcmp(o, "--config"))
			config = v;
		else if (!strcmp(o, "--region"))
			region = v;
		else if (!strcmp(o, "--alarm"))
			alarm = v;
		else if (!strcmp(o, "--log-group")) {
			if (n_groups >= FA2_CAPTURE_MAX_GROUPS) {
				fprintf(stderr, "fa2 triage: at most %u log groups\n", FA2_CAPTURE_MAX_GROUPS);
				rc = FA2_EXIT_USAGE;
				goto cleanup;
			}
			groups[n_groups++] = v;
		} else if (!strcmp(o, "--format")) {
			if (!strcmp(v, "md") || !strcmp(v, "markdown"))
				format = FA2_TR_FMT_MD;
			else if (!strcmp(v, "json"))
				format = FA2_TR_FMT_JSON;
			else {
				fprintf(stderr, "fa2 triage: unknown format '%s' (md, json)\n", v);
				rc = FA2_EXIT_USAGE;
				goto cleanup;
			}
		} else if (!strcmp(o, "--budget-tokens") || !strcmp(o, "--max-pages") || !strcmp(o, "--max-queries")) {
			int bt = !strcmp(o, "--budget-tokens");
			if (fa2_parse_int_range(fa2_slice_cstr(v), bt ? 200 : 1, bt ? 2000000 : 10000,
						bt ? &budget : !strcmp(o, "--max-pages") ? &pages : &queries)) {
				fprintf(stderr, "fa2 triage: %s wants %s, got '%s'\n", o, bt ? "200..2000000" : "1..10000", v);
				rc = FA2_EXIT_USAGE;
				goto cleanup;
			}
		} else if (!strcmp(o, "--before") || !strcmp(o, "--after")) {
			uint64_t *dst = !strcmp(o, "--before") ? &before_min : &after_min;
			if (fa2_parse_u64(fa2_slice_cstr(v), dst) || *dst > 10080) {
				fprintf(stderr, "fa2 triage: %s takes minutes (0 to 10080)\n", o);
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
		if (!from_s && !alarm) {
			fprintf(stderr, "fa2 triage: give --source DIR (a snapshot), or --from TIME or --alarm NAME "
					"to read AWS directly\n");
			rc = FA2_EXIT_USAGE;
			goto cleanup;
		}
		rc = read_live(&d, config, region, alarm, groups, n_groups, from_s != NULL, from_ms,
			       to_s ? to_ms : now, before_min, after_min, pages, queries, now, &lang);
		if (rc != FA2_EXIT_OK)
			goto cleanup;
		rc = FA2_EXIT_FAILURE;
	} else {
		if (live_opts) {
			fprintf(stderr, "fa2 triage: --config, --region, --alarm, --before, --after, --log-group, "
					"--max-pages and --max-queries read AWS: they do not go with --source\n");
			rc = FA2_EXIT_USAGE;
			goto cleanup;
		}
		/* Triage alone needs no line kept: they are mined as they are read. */
		if ((e = fa2_tr_snapshot_read_mined(&d, source, from_ms, to_ms, &why))) {
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
	}
	if ((e = fa2_tr_analyze(&d, NULL, &a))) {
		fprintf(stderr, "fa2 triage: analysis failed: %s\n", fa2_err_str(e));
		goto cleanup;
	}
	if (lang_s && fa2_lang_parse(lang_s, &lang) != FA2_OK) {
		fprintf(stderr, "fa2 triage: --lang must be en or ja\n");
		rc = FA2_EXIT_USAGE;
		goto cleanup;
	}
	a.lang = lang == FA2_LANG_JA ? FA2_MSG_JA : FA2_MSG_EN;
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
