/* Subcommands. Each takes argv with argv[0] = the subcommand name and returns the
 * process exit code: 0 ok, 1 analysis/runtime failure, 2 usage or config error. */
#ifndef FA2_CMD_CMD_H
#define FA2_CMD_CMD_H

#include "agent/tool.h"

#define FA2_EXIT_OK      0
#define FA2_EXIT_FAILURE 1
#define FA2_EXIT_USAGE   2

int fa2_cmd_serve(int argc, char **argv);
int fa2_cmd_analyze(int argc, char **argv);
int fa2_cmd_triage(int argc, char **argv);
int fa2_cmd_patterns(int argc, char **argv);
int fa2_cmd_snapshot(int argc, char **argv);
int fa2_cmd_aws(int argc, char **argv);
int fa2_cmd_check(int argc, char **argv);
int fa2_cmd_sessions(int argc, char **argv);
int fa2_cmd_insight(int argc, char **argv);
int fa2_cmd_findings_report(int argc, char **argv);
int fa2_cmd_eval(int argc, char **argv);
int fa2_cmd_sns(int argc, char **argv);
int fa2_cmd_config(int argc, char **argv);
int fa2_cmd_kb(int argc, char **argv);

/* Prints "fa2 NAME: not available in this build yet (WHAT)" and returns FA2_EXIT_USAGE. */
int fa2_cmd_not_built(const char *name, const char *what);

/* The language of a command's own output: opt ("en"/"ja") when given, else LC_ALL /
 * LC_MESSAGES / LANG starting with "ja", else English. */
fa2_lang fa2_cmd_ui_lang(const char *opt);

/* True when argv[i] is -h or --help. */
int fa2_cmd_is_help(const char *arg);

/* Value of option argv[*i] named name ("--x VALUE", *i then moves past VALUE, or
 * "--x=VALUE"); "" when VALUE is missing; NULL when argv[*i] is another option. */
const char *fa2_cmd_opt_value(int argc, char **argv, int *i, const char *name);

#endif
