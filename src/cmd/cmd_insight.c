/* fa2 insight: a question about the workload answered from CloudWatch metrics, and
 * fa2 findings-report: the Security Hub + GuardDuty findings report (the CLI side of the
 * Slack commands /insight and /findings-report). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent/config.h"
#include "base/limits.h"
#include "base/slice.h"
#include "cmd/agent_run.h"
#include "cmd/cmd.h"
#include "agent/cmds.h"

static void usage_insight(FILE *f)
{
	fprintf(f,
		"usage: fa2 insight --question TEXT [--days N] [--config FILE] [--lang en|ja] [--out FILE]\n"
		"\n"
		"Answers a question about the workload from the CloudWatch metrics of the last N days\n"
		"(UTC): the model names the namespaces, picks at most 5 recently active metrics, and\n"
		"writes a Markdown insight from their summaries (min/max/mean, change points, anomalies).\n"
		"\n"
		"  --question TEXT   what you want to know, e.g. \"Is the RDS database undersized?\"\n"
		"  --days N          1..14 (default 7)\n"
		"  --config FILE     configuration file (default: $FA2_CONFIG, else built-in defaults)\n"
		"  --lang en|ja      answer language (default: the config's 'language')\n"
		"  --out FILE        write the Markdown to FILE instead of stdout\n"
		"\n"
		"exit codes: 0 written, 1 runtime failure, 2 usage or configuration error (also when\n"
		"slashCommands.insight is false)\n");
}

static void usage_findings(FILE *f)
{
	fprintf(f,
		"usage: fa2 findings-report [--config FILE] [--lang en|ja] [--format md|pdf] [--out FILE]\n"
		"\n"
		"Writes a Markdown security report from the active GuardDuty findings (not archived,\n"
		"newest 50) and Security Hub findings (ACTIVE, NEW, newest 50): overview with counts by\n"
		"severity, high severity issues, recommended actions, detailed findings by severity,\n"
		"next steps. Without a model the report is built from the counts and lists alone.\n"
		"\n"
		"  --config FILE     configuration file (default: $FA2_CONFIG, else built-in defaults);\n"
		"                    detectorId names the GuardDuty detector (default: ListDetectors)\n"
		"  --lang en|ja      report language (default: the config's 'language')\n"
		"  --format md|pdf   Markdown (default), or the same report as an A4 PDF (pdf needs\n"
		"                    --out FILE or a redirected stdout)\n"
		"  --out FILE        write the report to FILE instead of stdout\n"
		"\n"
		"exit codes: 0 written, 1 runtime failure (neither service answered), 2 usage or\n"
		"configuration error (also when slashCommands.findingsReport is false)\n");
}

static int run(const char *cmd, int argc, char **argv, int insight)
{
	const char *question = NULL, *days_s = NULL, *config = NULL, *lang_s = NULL, *out = NULL, *v;
	const char *format = NULL;
	long long days = 7;
	fa2_config cfg;
	fa2_lang lang;
	fa2_buf md;
	char msg[1024];
	int i, rc = FA2_EXIT_USAGE, have_cfg = 0, model_ok = 0;
	fa2_err e;

	fa2_buf_init(&md, FA2_MAX_REPORT_BYTES);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (fa2_cmd_is_help(a)) {
			if (insight)
				usage_insight(stdout);
			else
				usage_findings(stdout);
			rc = FA2_EXIT_OK;
			goto cleanup;
		}
#define OPT(name, var) \
		if ((v = fa2_cmd_opt_value(argc, argv, &i, name)) != NULL) { \
			if (!*v) { fprintf(stderr, "fa2 %s: %s needs a value\n", cmd, name); goto cleanup; } \
			var = v; continue; }
		if (insight) {
			OPT("--question", question)
			OPT("--days", days_s)
		} else {
			OPT("--format", format)
		}
		OPT("--config", config)
		OPT("--lang", lang_s)
		OPT("--out", out)
#undef OPT
		fprintf(stderr, "fa2 %s: unknown argument '%s'; see 'fa2 %s --help'\n", cmd, a, cmd);
		goto cleanup;
	}
	if (insight) {
		if (!question || !question[strspn(question, " \t\r\n")]) {
			fprintf(stderr, "fa2 %s: --question is required\n", cmd);
			goto cleanup;
		}
		if (days_s && fa2_parse_int_range(fa2_slice_cstr(days_s), 1, 14, &days)) {
			fprintf(stderr, "fa2 %s: --days wants 1..14, got '%s'\n", cmd, days_s);
			goto cleanup;
		}
	}
	if (format && strcmp(format, "md") != 0 && strcmp(format, "markdown") != 0 && strcmp(format, "pdf") != 0) {
		fprintf(stderr, "fa2 %s: --format wants md or pdf, got '%s'\n", cmd, format);
		goto cleanup;
	}
	if (format && strcmp(format, "pdf") == 0 && (!out || strcmp(out, "-") == 0) && isatty(1)) {
		fprintf(stderr, "fa2 %s: --format pdf writes a binary file: give --out FILE\n", cmd);
		goto cleanup;
	}
	if (fa2_cmd_load_config(cmd, config, &cfg)) {
		have_cfg = 1;
		goto cleanup;
	}
	have_cfg = 1;
	lang = cfg.lang;
	if (lang_s && fa2_lang_parse(lang_s, &lang)) {
		fprintf(stderr, "fa2 %s: --lang wants en or ja, got '%s'\n", cmd, lang_s);
		goto cleanup;
	}
	e = insight ? fa2_cmds_run_insight(&cfg, lang, question, (int)days, &md, &model_ok, msg, sizeof msg)
		    : fa2_cmds_run_findings(&cfg, lang, &md, &model_ok, msg, sizeof msg);
	if (e) {
		fprintf(stderr, "fa2 %s: %s\n", cmd, msg[0] ? msg : fa2_err_str(e));
		rc = e == FA2_ERR_UNSUPPORTED || e == FA2_ERR_INVALID || e == FA2_ERR_CONFIG ? FA2_EXIT_USAGE
											       : FA2_EXIT_FAILURE;
		goto cleanup;
	}
	if (!model_ok)
		fprintf(stderr, "fa2 %s: the model was unavailable; the output was written without it\n", cmd);
	if (format && strcmp(format, "pdf") == 0)
		rc = fa2_cmd_write_pdf(cmd, out, md.data ? md.data : "", md.len, fa2_lang_code(lang)) ? FA2_EXIT_FAILURE
														: FA2_EXIT_OK;
	else
		rc = fa2_cmd_write_output(cmd, out, md.data ? md.data : "", md.len) ? FA2_EXIT_FAILURE : FA2_EXIT_OK;
cleanup:
	if (have_cfg)
		fa2_config_cleanup(&cfg);
	fa2_buf_cleanup(&md);
	return rc;
}

int fa2_cmd_insight(int argc, char **argv)
{
	return run("insight", argc, argv, 1);
}

int fa2_cmd_findings_report(int argc, char **argv)
{
	return run("findings-report", argc, argv, 0);
}
