/* fa2 analyze: one analysis from the command line. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent/config.h"
#include "aws/alarms.h"
#include "aws/session.h"
#include "agent/tools/snap.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/slice.h"
#include "base/time.h"
#include "base/tz.h"
#include "cmd/agent_run.h"
#include "cmd/cmd.h"

#define MAX_WINDOW_MS (31LL * FA2_TIME_MS_PER_DAY)
#define MAX_EVENT_BYTES 8192u

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fa2 analyze --from TIME [--to TIME] --event TEXT [options]\n"
		"       fa2 analyze --alarm NAME [--region R] [options]\n"
		"       fa2 analyze --source DIR [--alarm NAME] [--from TIME] [--to TIME] [--event TEXT] [options]\n"
		"\n"
		"Runs one failure analysis over the incident window and prints the report.\n"
		"\n"
		"  --source DIR      offline: the tools read this snapshot directory (fa2 snapshot,\n"
		"                    docs/snapshot.md) instead of AWS; the window defaults to the\n"
		"                    snapshot's and must lie inside it; the event defaults to the\n"
		"                    snapshot's alarm or description\n"
		"  --from TIME       start of the window: RFC 3339, -30m, now-2h, epoch s/ms\n"
		"  --to TIME         end of the window (default: now)\n"
		"  --event TEXT      what happened: alarm text or a description\n"
		"  --alarm NAME      a CloudWatch alarm (DescribeAlarms): its metric is read first;\n"
		"                    without --from/--to the window is the alarm's state change\n"
		"                    minus --before and plus --after minutes, without --event the\n"
		"                    text is the alarm's name and state reason\n"
		"                    With --source the alarm is the snapshot's own (its manifest;\n"
		"                    NAME must be its name): nothing is read from AWS\n"
		"  --region R        region of the alarm (default: the config's / AWS_REGION)\n"
		"  --before MIN      minutes before the state change (default 30)\n"
		"  --after MIN       minutes after the state change (default 10)\n"
		"  --config FILE     configuration file (default: $FA2_CONFIG, else built-in defaults)\n"
		"  --lang en|ja      report language (default: the config's 'language')\n"
		"  --format FMT      md (default), json, or pdf: the Markdown report as an A4 PDF\n"
		"                    (pdf needs --out FILE or a redirected stdout)\n"
		"  --out FILE        write the report to FILE instead of stdout\n"
		"  --prompts DIR     prompt override directory (DIR/en/*.txt, DIR/ja/*.txt)\n"
		"  --tz ZONE         zone for times without one and for the report: an IANA name\n"
		"                    (Asia/Tokyo, America/New_York) or an offset (+09:00, UTC, JST);\n"
		"                    default: the config's timeZone, else UTC\n"
		"  --state-dir DIR   where sessions are kept (default: the config's stateDir)\n"
		"\n"
		"A failure or partial report is explained on stderr in the report's language:\n"
		"the cause (model access, model not in the region, throttling, credentials,\n"
		"network, storage, configuration) with the model id, region and what to do.\n"
		"\n"
		"exit codes: 0 report written, 1 partial report or runtime failure (including a\n"
		"session write that failed), 2 usage or configuration error\n");
}

int fa2_cmd_analyze(int argc, char **argv)
{
	const char *from = NULL, *to = NULL, *event = NULL, *config = NULL, *lang = NULL;
	const char *format = NULL, *out = NULL, *prompts = NULL, *tz = NULL, *state_dir = NULL, *v;
	const char *alarm = NULL, *region = NULL, *before = NULL, *after = NULL;
	uint64_t before_min = 30, after_min = 10;
	fa2_alarm al;
	fa2_buf ev;
	const char *source = NULL;
	char snap_event[2048], msg[512];
	int64_t snap_from = 0, snap_to = 0;
	fa2_run_opts o;
	fa2_config cfg;
	int64_t now = fa2_time_now_ms();
	int i, rc;
	fa2_lang l;
	fa2_tz zone;

	memset(&o, 0, sizeof o);
	memset(&al, 0, sizeof al);
	fa2_buf_init(&ev, MAX_EVENT_BYTES);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (fa2_cmd_is_help(a)) {
			usage(stdout);
			return FA2_EXIT_OK;
		}
#define OPT(name, var) \
		if ((v = fa2_cmd_opt_value(argc, argv, &i, name)) != NULL) { \
			if (!*v) { fprintf(stderr, "fa2 analyze: %s needs a value\n", name); return FA2_EXIT_USAGE; } \
			var = v; continue; }
		OPT("--from", from)
		OPT("--to", to)
		OPT("--event", event)
		OPT("--config", config)
		OPT("--lang", lang)
		OPT("--format", format)
		OPT("--out", out)
		OPT("--prompts", prompts)
		OPT("--tz", tz)
		OPT("--state-dir", state_dir)
		OPT("--alarm", alarm)
		OPT("--region", region)
		OPT("--before", before)
		OPT("--after", after)
		OPT("--source", source)
#undef OPT
		fprintf(stderr, "fa2 analyze: unknown argument '%s'; see 'fa2 analyze --help'\n", a);
		return FA2_EXIT_USAGE;
	}
	if (tz) {
		fa2_err tze = fa2_tz_load(fa2_slice_cstr(tz), &zone);
		if (tze) {
			fa2_tz_explain(tze, msg, sizeof msg);
			fprintf(stderr, "fa2 analyze: --tz '%s': %s\n", tz, msg);
			return FA2_EXIT_USAGE;
		}
	}
	if (source && (region || before || after)) {
		fprintf(stderr, "fa2 analyze: --region, --before and --after read AWS: they do not go with --source\n");
		return FA2_EXIT_USAGE;
	}
	if (source) {
		/* The manifest gives the default window and event; the data are read later. */
		if (fa2_snap_manifest_info(source, &snap_from, &snap_to, snap_event, sizeof snap_event, msg,
					   sizeof msg)) {
			fprintf(stderr, "fa2 analyze: --source: %s\n", msg);
			return FA2_EXIT_USAGE;
		}
		if (!event) {
			if (!snap_event[0]) {
				fprintf(stderr, "fa2 analyze: --event is required: the snapshot has no alarm or "
					"description to describe what happened\n");
				return FA2_EXIT_USAGE;
			}
			event = snap_event;
		}
	}
	if (!from && !alarm && !source) {
		fprintf(stderr, "fa2 analyze: --from is required (e.g. --from -1h), or --alarm NAME, or --source DIR\n");
		return FA2_EXIT_USAGE;
	}
	if ((region || before || after) && !alarm) {
		fprintf(stderr, "fa2 analyze: --region, --before and --after go with --alarm\n");
		return FA2_EXIT_USAGE;
	}
	if ((before && (fa2_parse_u64(fa2_slice_cstr(before), &before_min) || before_min > 10080)) ||
	    (after && (fa2_parse_u64(fa2_slice_cstr(after), &after_min) || after_min > 10080))) {
		fprintf(stderr, "fa2 analyze: --before/--after take minutes (0 to 10080)\n");
		return FA2_EXIT_USAGE;
	}
	if (!alarm && (!event || fa2_slice_trim(fa2_slice_cstr(event)).len == 0)) {
		fprintf(stderr, "fa2 analyze: --event is required: describe what happened\n");
		return FA2_EXIT_USAGE;
	}
	if (event && strlen(event) > MAX_EVENT_BYTES) {
		fprintf(stderr, "fa2 analyze: --event is longer than %u bytes\n", MAX_EVENT_BYTES);
		return FA2_EXIT_USAGE;
	}
	if (format && strcmp(format, "md") != 0 && strcmp(format, "markdown") != 0 &&
	    strcmp(format, "json") != 0 && strcmp(format, "pdf") != 0) {
		fprintf(stderr, "fa2 analyze: --format must be md, json or pdf\n");
		return FA2_EXIT_USAGE;
	}
	if (format && strcmp(format, "pdf") == 0 && (!out || strcmp(out, "-") == 0) && isatty(1)) {
		fprintf(stderr, "fa2 analyze: --format pdf writes a binary file: give --out FILE\n");
		return FA2_EXIT_USAGE;
	}
	if (lang && fa2_lang_parse(lang, &l)) {
		fprintf(stderr, "fa2 analyze: --lang must be en or ja\n");
		return FA2_EXIT_USAGE;
	}
	if (fa2_cmd_load_config("analyze", config, &cfg)) {
		fa2_config_cleanup(&cfg);
		return FA2_EXIT_USAGE;
	}
	rc = FA2_EXIT_USAGE;
	if (lang)
		cfg.lang = l;
	if (state_dir) {
		char *d = fa2_strdup(state_dir);
		if (!d)
			goto cleanup;
		fa2_free(cfg.state_dir);
		cfg.state_dir = d;
	}
	if (!tz)
		zone = cfg.tz; /* the config's zone for times written without one */
	if (alarm && source) {
		/* Offline: the snapshot's own alarm (its manifest), which must be the one named. */
		if (fa2_snap_manifest_alarm(source, alarm, &al, msg, sizeof msg)) {
			fprintf(stderr, "fa2 analyze: --alarm %s: %s\n", alarm, msg);
			goto cleanup;
		}
		o.alarm = &al;
	} else if (alarm) {
		fa2_aws_session sess;
		char amsg[1600];
		fa2_err e = fa2_aws_session_open(&sess, NULL, region ? region : cfg.region, 15000, amsg, sizeof amsg);
		if (!e)
			e = fa2_alarm_describe(&sess.client, alarm, 0, &al, amsg, sizeof amsg);
		fa2_aws_session_close(&sess);
		if (e) {
			fprintf(stderr, "fa2 analyze: alarm %s: %s\n", alarm, amsg);
			rc = e == FA2_ERR_NOT_FOUND || e == FA2_ERR_CONFIG ? FA2_EXIT_USAGE : FA2_EXIT_FAILURE;
			goto cleanup;
		}
		o.alarm = &al;
		/* The window around the state change, as the Slack form proposes it. */
		{
			int64_t changed = al.changed_ms ? al.changed_ms : now;
			o.from_ms = changed - (int64_t)before_min * FA2_TIME_MS_PER_MIN;
			o.to_ms = changed + (int64_t)after_min * FA2_TIME_MS_PER_MIN;
			if (o.to_ms > now && now > o.from_ms)
				o.to_ms = now;
			if (o.to_ms <= o.from_ms)
				o.to_ms = o.from_ms + FA2_TIME_MS_PER_MIN;
		}
		if (!event) {
			/* An over-long reason is left out: the name and state remain. */
			if (!fa2_buf_appendf(&ev, "CloudWatch alarm %s is %s", al.name,
					     al.state ? al.state : "in an unknown state") && al.reason)
				(void)fa2_buf_appendf(&ev, ": %s", al.reason);
			event = ev.data ? ev.data : alarm;
		}
	}
	if (source)
		o.from_ms = snap_from;
	if (from && fa2_time_parse_in(fa2_slice_cstr(from), now, &zone, &o.from_ms)) {
		fprintf(stderr, "fa2 analyze: --from '%s' is not a time (RFC 3339, -30m, now-2h, epoch)\n", from);
		goto cleanup;
	}
	if (source)
		o.to_ms = snap_to;
	else if (!alarm || from)
		o.to_ms = now;
	if (to && fa2_time_parse_in(fa2_slice_cstr(to), now, &zone, &o.to_ms)) {
		fprintf(stderr, "fa2 analyze: --to '%s' is not a time (RFC 3339, -30m, now-2h, epoch)\n", to);
		goto cleanup;
	}
	if (o.to_ms <= o.from_ms) {
		fprintf(stderr, "fa2 analyze: the window is empty: --to must be after --from\n");
		goto cleanup;
	}
	if (o.to_ms - o.from_ms > MAX_WINDOW_MS) {
		fprintf(stderr, "fa2 analyze: the window is longer than 31 days; narrow --from/--to\n");
		goto cleanup;
	}
	if (source && fa2_snap_window_check(snap_from, snap_to, o.from_ms, o.to_ms, msg, sizeof msg)) {
		fprintf(stderr, "fa2 analyze: %s\n", msg);
		goto cleanup;
	}
	if (o.from_ms > now + 5 * FA2_TIME_MS_PER_MIN) {
		fprintf(stderr, "fa2 analyze: --from is in the future\n");
		goto cleanup;
	}
	o.cmd = "analyze";
	o.cfg = &cfg;
	o.prompts_dir = prompts;
	o.format = !format ? FA2_OUT_MD : strcmp(format, "json") == 0 ? FA2_OUT_JSON
		 : strcmp(format, "pdf") == 0 ? FA2_OUT_PDF : FA2_OUT_MD;
	o.out_path = out;
	o.tz_offset_min = fa2_tz_offset_min(&zone, o.from_ms);
	o.tz = &zone;
	o.event = event;
	o.source_dir = source;
	rc = fa2_cmd_run_agent(&o);
cleanup:
	fa2_config_cleanup(&cfg);
	fa2_alarm_cleanup(&al);
	fa2_buf_cleanup(&ev);
	return rc;
}
