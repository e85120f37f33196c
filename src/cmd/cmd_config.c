/* fa2 config import: the AWS sample's parameter.ts -> fa2's JSON configuration, saying
 * what was mapped, changed, dropped and what fa2 still needs (src/agent/config_import.c
 * does the reading and mapping; this file does the knowledge base lookup, validation and
 * output). The report is in English or Japanese (--lang, else LANG). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/config.h"
#include "agent/config_import.h"
#include "aws/bedrock_agent.h"
#include "aws/session.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/msg.h"
#include "cmd/cmd.h"

fa2_lang fa2_cmd_ui_lang(const char *opt)
{
	static const char *const vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
	fa2_lang l = FA2_LANG_EN;
	size_t i;
	if (opt && fa2_lang_parse(opt, &l) == FA2_OK)
		return l;
	for (i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		const char *v = getenv(vars[i]);
		if (v && *v)
			return strncmp(v, "ja", 2) == 0 ? FA2_LANG_JA : FA2_LANG_EN;
	}
	return FA2_LANG_EN;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fa2 config import [OPTIONS] parameter.ts\n"
		"\n"
		"Reads the AWS sample's parameter.ts (TypeScript: unquoted keys, '...', \"...\" and\n"
		"`template` strings, comments, trailing commas, `export const devParameter: AppParameter\n"
		"= {...}`) and writes fa2's JSON configuration, then says what it mapped, changed,\n"
		"dropped (and why) and what fa2 still needs (tokens, region, ids).\n"
		"\n"
		"With `knowledgeBase: true` and no id, it looks the knowledge base up by the name the\n"
		"sample gave it (\"<first 3 letters of envName>-fa2-knowledge-base\") with Bedrock\n"
		"ListKnowledgeBases; without AWS access it says how to add knowledgeBaseId.\n"
		"\n"
		"options:\n"
		"  --name NAME        the parameter object to import (default: the only one, or\n"
		"                     devParameter, which the sample deploys)\n"
		"  -o, --output FILE  write the JSON there (default: stdout; the report goes to stderr)\n"
		"  --force            overwrite FILE\n"
		"  --no-lookup        no AWS calls (no knowledge base lookup)\n"
		"  --region REGION    for the lookup (default: the file's env.region, then AWS_REGION)\n"
		"  --profile NAME     AWS profile for the lookup\n"
		"  --lang en|ja       language of the report (default: from LANG)\n"
		"\n"
		"exit codes: 0 written (check the 'needs' lines), 1 the file could not be written,\n"
		"2 usage error, unreadable parameter.ts, or a result fa2 would refuse\n");
}

static const char *kind_label(fa2_import_kind k, fa2_lang lang)
{
	switch (k) {
	case FA2_IMPORT_MAPPED: return fa2_msg(lang, "cmd.config.mapped");
	case FA2_IMPORT_CHANGED: return fa2_msg(lang, "cmd.config.changed");
	case FA2_IMPORT_DROPPED: return fa2_msg(lang, "cmd.config.dropped");
	case FA2_IMPORT_NEEDS: return fa2_msg(lang, "cmd.config.needs");
	}
	return "?";
}

static void report(FILE *f, const fa2_config_import *imp, const char *path, fa2_lang lang)
{
	size_t i, k;
	int first = 1;
	fprintf(f, fa2_msg(lang, "cmd.config.imported"), path, imp->picked);
	if (imp->alias_of[0])
		fprintf(f, fa2_msg(lang, "cmd.config.same_object_as"), imp->alias_of);
	if (imp->n_names > 1) {
		fprintf(f, "%s", fa2_msg(lang, "cmd.config.file_has"));
		for (i = 0; i < imp->n_names; i++)
			fprintf(f, "%s%s", i ? ", " : "", imp->names[i]);
		fprintf(f, "%s", fa2_msg(lang, "cmd.config.choose_with_name"));
	}
	fputc('\n', f);
	for (i = 0; i < imp->n_notes; i++) {
		if (imp->notes[i].kind != FA2_IMPORT_MAPPED)
			continue;
		if (first)
			fprintf(f, "%-8s %s", kind_label(FA2_IMPORT_MAPPED, lang), imp->notes[i].key);
		else
			fprintf(f, ", %s", imp->notes[i].key);
		first = 0;
	}
	if (!first)
		fputc('\n', f);
	for (k = FA2_IMPORT_CHANGED; k <= FA2_IMPORT_NEEDS; k++)
		for (i = 0; i < imp->n_notes; i++)
			if (imp->notes[i].kind == (fa2_import_kind)k)
				fprintf(f, "%-8s %s: %s\n", kind_label((fa2_import_kind)k, lang), imp->notes[i].key,
				        imp->notes[i].text[lang]);
}

/* ListKnowledgeBases and the sample's name: sets knowledgeBaseId when exactly one
 * knowledge base has that name; otherwise adds a note saying what was found. */
static void lookup_kb(fa2_config_import *imp, const char *profile, const char *region)
{
	fa2_aws_session s;
	fa2_ba_list *kbs = NULL;
	fa2_aws_error err;
	char want[160], msg[600], en[480], ja[480];
	size_t i, hits = 0, hit = 0;
	fa2_err e;

	fa2_config_import_kb_name(imp->env_name, want, sizeof want);
	if (!want[0])
		return;
	memset(&err, 0, sizeof err);
	e = fa2_aws_session_open(&s, profile, region && *region ? region : imp->region, 15000, msg, sizeof msg);
	if (!e) {
		kbs = fa2_calloc(1, sizeof *kbs);
		e = kbs ? fa2_ba_list_knowledge_bases(&s.client, kbs, &err) : FA2_ERR_NOMEM;
		if (e == FA2_ERR_AWS || err.http_status || err.message[0])
			fa2_aws_error_format(&err, msg, sizeof msg);
		else if (e)
			snprintf(msg, sizeof msg, "%s", fa2_err_str(e));
	}
	if (e) {
		snprintf(en, sizeof en, "the lookup of \"%.100s\" (Bedrock ListKnowledgeBases) failed: %.250s", want, msg);
		snprintf(ja, sizeof ja, "\"%.100s\" の検索 (Bedrock ListKnowledgeBases) に失敗しました: %.250s", want, msg);
		fa2_config_import_note(imp, FA2_IMPORT_NEEDS, "knowledgeBaseId", en, ja);
		goto cleanup;
	}
	for (i = 0; i < kbs->n; i++)
		if (strcmp(kbs->items[i].name, want) == 0) {
			hits++;
			hit = i;
		}
	if (hits == 1) {
		if (fa2_config_import_set_kb(imp, kbs->items[hit].id, want) == FA2_OK &&
		    !fa2_slice_eq_ci(fa2_slice_cstr(kbs->items[hit].status), FA2_SLICE_LIT("ACTIVE"))) {
			snprintf(en, sizeof en, "knowledge base %s is %s, not ACTIVE", kbs->items[hit].id,
			         kbs->items[hit].status);
			snprintf(ja, sizeof ja, "ナレッジベース %s は ACTIVE ではなく %s です", kbs->items[hit].id,
			         kbs->items[hit].status);
			fa2_config_import_note(imp, FA2_IMPORT_NEEDS, "knowledgeBaseId", en, ja);
		}
	} else {
		snprintf(en, sizeof en, "%s knowledge base is named \"%s\" in %s (%zu listed): give the id by hand",
		         hits ? "more than one" : "no", want, s.region, kbs->n);
		snprintf(ja, sizeof ja, "%s に \"%s\" という名前のナレッジベースが%s (一覧 %zu 件): ID を手で"
		         "指定してください", s.region, want, hits ? "複数あります" : "ありません", kbs->n);
		fa2_config_import_note(imp, FA2_IMPORT_NEEDS, "knowledgeBaseId", en, ja);
	}
cleanup:
	fa2_free(kbs);
	fa2_aws_session_close(&s);
}

static int import(int argc, char **argv)
{
	const char *name = NULL, *output = NULL, *profile = NULL, *region = NULL, *lang_opt = NULL;
	const char *path = NULL, *v;
	int force = 0, lookup = 1, i, rc = FA2_EXIT_OK;
	fa2_lang lang;
	fa2_config_import imp;
	fa2_config check;
	fa2_buf src, json;
	char msg[1024], *text = NULL;
	fa2_err e;

	memset(&imp, 0, sizeof imp);
	for (i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (fa2_cmd_is_help(a)) {
			usage(stdout);
			return FA2_EXIT_OK;
		} else if ((v = fa2_cmd_opt_value(argc, argv, &i, "--name")) != NULL) {
			name = v;
		} else if ((v = fa2_cmd_opt_value(argc, argv, &i, "--output")) != NULL ||
		           (v = fa2_cmd_opt_value(argc, argv, &i, "-o")) != NULL) {
			output = v;
		} else if ((v = fa2_cmd_opt_value(argc, argv, &i, "--region")) != NULL) {
			region = v;
		} else if ((v = fa2_cmd_opt_value(argc, argv, &i, "--profile")) != NULL) {
			profile = v;
		} else if ((v = fa2_cmd_opt_value(argc, argv, &i, "--lang")) != NULL) {
			lang_opt = v;
		} else if (strcmp(a, "--force") == 0) {
			force = 1;
		} else if (strcmp(a, "--no-lookup") == 0) {
			lookup = 0;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "fa2 config import: unknown option '%s'; see 'fa2 config import --help'\n", a);
			return FA2_EXIT_USAGE;
		} else if (!path) {
			path = a;
		} else {
			fprintf(stderr, "fa2 config import: one parameter.ts at a time\n");
			return FA2_EXIT_USAGE;
		}
	}
	lang = fa2_cmd_ui_lang(lang_opt);
	if (lang_opt && fa2_lang_parse(lang_opt, &lang) != FA2_OK) {
		fprintf(stderr, "fa2 config import: --lang takes en or ja\n");
		return FA2_EXIT_USAGE;
	}
	if (!path || (name && !*name) || (output && !*output)) {
		usage(stderr);
		return FA2_EXIT_USAGE;
	}
	if (output && !force && access(output, F_OK) == 0) {
		fprintf(stderr, fa2_msg(lang, "cmd.config.fa2_config_import_exists_use"), output);
		return FA2_EXIT_USAGE;
	}
	fa2_buf_init(&src, FA2_MAX_CONFIG_BYTES);
	fa2_buf_init(&json, FA2_MAX_CONFIG_BYTES * 2);
	e = fa2_file_read_all(strcmp(path, "-") == 0 ? "/dev/stdin" : path, &src);
	if (e) {
		fprintf(stderr, "fa2 config import: %s: %s\n", path,
		        e == FA2_ERR_NOT_FOUND ? fa2_msg(lang, "cmd.config.no_such_file")
		        : e == FA2_ERR_TOO_LARGE ? fa2_msg(lang, "cmd.config.larger_than_1_mib")
		                                 : fa2_msg(lang, "cmd.config.cannot_be_read"));
		rc = FA2_EXIT_USAGE;
		goto cleanup;
	}
	e = fa2_config_import_ts(fa2_buf_slice(&src), name, &imp, msg, sizeof msg);
	if (e) {
		fprintf(stderr, "fa2 config import: %s:%s%s\n", path, e == FA2_ERR_PARSE ? "" : " ", msg);
		rc = e == FA2_ERR_NOMEM ? FA2_EXIT_FAILURE : FA2_EXIT_USAGE;
		goto cleanup;
	}
	if (imp.kb_needs_id && lookup)
		lookup_kb(&imp, profile, region);
	text = cJSON_Print(imp.config);
	if (!text || fa2_buf_append_cstr(&json, text) || fa2_buf_append_byte(&json, '\n')) {
		fprintf(stderr, "fa2 config import: out of memory\n");
		rc = FA2_EXIT_FAILURE;
		goto cleanup;
	}
	/* The result must load as fa2 loads a config; a missing knowledge base id aside (a
	 * 'needs' line, which `fa2 check` asks for too): that copy is checked without it. */
	if (fa2_config_init(&check) == FA2_OK) {
		cJSON *probe = imp.kb_needs_id ? cJSON_Duplicate(imp.config, 1) : NULL;
		char *probe_text = NULL;
		fa2_err ce;
		if (probe) {
			cJSON_DeleteItemFromObjectCaseSensitive(probe, "knowledgeBase");
			probe_text = cJSON_PrintUnformatted(probe);
			cJSON_Delete(probe);
		}
		ce = fa2_config_load_json(&check, probe_text ? fa2_slice_cstr(probe_text) : fa2_buf_slice(&json),
		                          output ? output : "(import)", msg, sizeof msg);
		if (probe_text)
			cJSON_free(probe_text);
		if (ce) {
			fprintf(stderr, fa2_msg(lang, "cmd.config.fa2_config_import_fa2_would"), msg);
			rc = FA2_EXIT_USAGE;
		}
		fa2_config_cleanup(&check);
	}
	if (output) {
		e = fa2_file_write_atomic(output, json.data, json.len, 0644);
		if (e) {
			fprintf(stderr, "fa2 config import: %s: %s\n", output, fa2_err_str(e));
			rc = FA2_EXIT_FAILURE;
			goto cleanup;
		}
	} else {
		fwrite(json.data, 1, json.len, stdout);
		fflush(stdout);
	}
	report(output ? stdout : stderr, &imp, path, lang);
	if (output)
		printf(fa2_msg(lang, "cmd.config.wrote_next_fa2_check_config"),
		       output, output);
cleanup:
	if (text)
		cJSON_free(text);
	fa2_config_import_cleanup(&imp);
	fa2_buf_cleanup(&src);
	fa2_buf_cleanup(&json);
	return rc;
}

int fa2_cmd_config(int argc, char **argv)
{
	if (argc < 2 || fa2_cmd_is_help(argv[1])) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? FA2_EXIT_USAGE : FA2_EXIT_OK;
	}
	if (strcmp(argv[1], "import") == 0)
		return import(argc, argv);
	fprintf(stderr, "fa2 config: unknown subcommand '%s' (import)\n", argv[1]);
	return FA2_EXIT_USAGE;
}
