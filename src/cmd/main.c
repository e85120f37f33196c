/* fa2 entry point: global options, subcommand dispatch, --version, --help. */
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include "base/json.h"
#include "base/log.h"
#include "base/slice.h"
#include "cmd/cmd.h"
#include "base/version.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "serve", fa2_cmd_serve,
	  "long-running daemon: Slack endpoint, Socket Mode, worker pool, /healthz" },
	{ "analyze", fa2_cmd_analyze,
	  "one analysis from the command line (--from, --to, --event), report on stdout" },
	{ "triage", fa2_cmd_triage,
	  "deterministic, LLM-free analysis: log templates, metric change points, changes" },
	{ "patterns", fa2_cmd_patterns, "mine log templates from files or stdin" },
	{ "snapshot", fa2_cmd_snapshot,
	  "capture an incident window's telemetry from AWS into a directory" },
	{ "aws", fa2_cmd_aws, "one signed call to an AWS JSON API: fa2 aws SERVICE OPERATION [JSON]" },
	{ "check", fa2_cmd_check,
	  "doctor: config, credentials, log groups, Slack auth, CA bundle, clock, model (--model)" },
	{ "sessions", fa2_cmd_sessions, "inspect the session store: list, show, resume" },
	{ "insight", fa2_cmd_insight, "answer a question from the last 1-14 days of CloudWatch metrics" },
	{ "findings-report", fa2_cmd_findings_report,
	  "security report from active GuardDuty and Security Hub findings" },
	{ "eval", fa2_cmd_eval, "run triage (with --agent also the agent) over an evaluation corpus and score it" },
	{ "sns", fa2_cmd_sns, "check Amazon SNS deliveries (signature, topic, replay); confirm a subscription" },
	{ "config", fa2_cmd_config, "config import parameter.ts: the AWS sample's parameters as fa2's JSON" },
	{ "kb", fa2_cmd_kb, "Bedrock knowledge base: list, sync (start and follow an ingestion job)" },
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void print_version(void)
{
	printf("fa2 %s\n", FA2_VERSION);
	printf("target: %s\n", FA2_TARGET);
#if defined(__GLIBC__)
	printf("libc: glibc %d.%d\n", __GLIBC__, __GLIBC_MINOR__);
#else
	printf("libc: musl\n");  /* glibc (and uClibc) define __GLIBC__; musl defines nothing */
#endif
	printf("bearssl: %s\n", FA2_BEARSSL_VERSION);
	printf("cjson: %s (Debian %s)\n", cJSON_Version(), FA2_CJSON_VERSION);
}

static void print_help(FILE *f)
{
	size_t i;
	fprintf(f,
		"fa2 %s: failure-analysis assistant for AWS workloads\n"
		"\n"
		"usage: fa2 [GLOBAL OPTIONS] COMMAND [ARGS]\n"
		"\n"
		"commands:\n",
		FA2_VERSION);
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
		"\n"
		"global options:\n"
		"  --log-level LEVEL    error, warn, info (default), debug, trace; or FA2_LOG_LEVEL\n"
		"  --log-format FORMAT  text (default) or json; or FA2_LOG_FORMAT\n"
		"  --version            print version, target and library versions\n"
		"  -h, --help           this help; 'fa2 COMMAND --help' for a command's options\n"
		"\n"
		"exit codes: 0 ok, 1 analysis or runtime failure, 2 usage or configuration error\n"
		"documentation: README.md and docs/ in the source distribution\n");
}

static int set_level(const char *v)
{
	fa2_log_level lvl;
	if (fa2_log_parse_level(fa2_slice_cstr(v), &lvl)) {
		fprintf(stderr, "fa2: unknown log level '%s' (error, warn, info, debug, trace)\n", v);
		return -1;
	}
	fa2_log_set_level(lvl);
	return 0;
}

static int set_format(const char *v)
{
	if (strcmp(v, "text") == 0)
		fa2_log_set_format(FA2_LOG_TEXT);
	else if (strcmp(v, "json") == 0)
		fa2_log_set_format(FA2_LOG_JSON);
	else {
		fprintf(stderr, "fa2: unknown log format '%s' (text, json)\n", v);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *env;
	int i;
	size_t k;

	fa2_json_init();
	env = getenv("FA2_LOG_LEVEL");
	if (env && *env && set_level(env))
		return FA2_EXIT_USAGE;
	env = getenv("FA2_LOG_FORMAT");
	if (env && *env && set_format(env))
		return FA2_EXIT_USAGE;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--version") == 0 || strcmp(a, "version") == 0) {
			print_version();
			return FA2_EXIT_OK;
		} else if (fa2_cmd_is_help(a) || strcmp(a, "help") == 0) {
			print_help(stdout);
			return FA2_EXIT_OK;
		} else if (strcmp(a, "--log-level") == 0 || strcmp(a, "--log-format") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "fa2: %s needs a value\n", a);
				return FA2_EXIT_USAGE;
			}
			if ((a[6] == 'l' ? set_level(argv[i + 1]) : set_format(argv[i + 1])) != 0)
				return FA2_EXIT_USAGE;
			i++;
		} else if (strncmp(a, "--log-level=", 12) == 0) {
			if (set_level(a + 12))
				return FA2_EXIT_USAGE;
		} else if (strncmp(a, "--log-format=", 13) == 0) {
			if (set_format(a + 13))
				return FA2_EXIT_USAGE;
		} else if (a[0] == '-') {
			fprintf(stderr, "fa2: unknown option '%s'; see 'fa2 --help'\n", a);
			return FA2_EXIT_USAGE;
		} else {
			break;
		}
	}
	if (i >= argc) {
		print_help(stderr);
		return FA2_EXIT_USAGE;
	}
	for (k = 0; k < N_COMMANDS; k++) {
		if (strcmp(argv[i], commands[k].name) == 0)
			return commands[k].run(argc - i, argv + i);
	}
	fprintf(stderr, "fa2: unknown command '%s'; see 'fa2 --help'\n", argv[i]);
	return FA2_EXIT_USAGE;
}
