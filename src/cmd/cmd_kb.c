/* fa2 kb: the Bedrock knowledge base kb_tool queries.
 *
 *   fa2 kb list   knowledge bases of the region and their data sources
 *   fa2 kb sync   start an ingestion job (the sample's "data sync") and follow it to the end
 *
 * sync polls GetIngestionJob with a growing interval (2 s, x1.5, at most 30 s) until the
 * job is COMPLETE, FAILED or STOPPED or the deadline passes, printing a line whenever the
 * status or the statistics change, then the final statistics. Output in English or
 * Japanese (--lang, else LANG). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/config.h"
#include "aws/bedrock_agent.h"
#include "aws/session.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/msg.h"
#include "base/time.h"
#include "cmd/cmd.h"
#include "crypto/encode.h"
#include "crypto/random.h"

#define KB_POLL_FIRST_MS 2000
#define KB_POLL_MAX_MS   30000

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fa2 kb list [--config FILE] [--region REGION] [--profile NAME]\n"
		"       fa2 kb sync [--config FILE] [--kb ID] [--data-source ID] [--job ID]\n"
		"                   [--timeout DURATION] [--region REGION] [--profile NAME] [--lang en|ja]\n"
		"\n"
		"list: the region's Bedrock knowledge bases (id, status, name) and their data sources.\n"
		"\n"
		"sync: starts an ingestion job of the knowledge base's data source (what the sample\n"
		"calls data sync: after documents were added to its S3 bucket) and follows it until it\n"
		"is COMPLETE, FAILED or STOPPED, printing progress and the final statistics.\n"
		"  --kb ID            the knowledge base (default: knowledgeBaseId of the config)\n"
		"  --data-source ID   default: the knowledge base's only data source, or the one the\n"
		"                     sample named \"<envName[:3]>-fa2-datasoruce\"\n"
		"  --job ID           follow an ingestion job already started instead of starting one\n"
		"  --timeout DURATION stop following after this long (default 30m; the job goes on)\n"
		"  --config FILE      fa2's config (or FA2_CONFIG): knowledgeBaseId, env.region, envName\n"
		"\n"
		"exit codes: 0 the job completed with no failed document, 1 it failed, stopped, left\n"
		"documents failed, or was still running at the deadline, or an AWS call failed,\n"
		"2 usage or configuration error\n");
}

struct kb_opts {
	const char *config, *kb, *ds, *job, *region, *profile, *lang_opt;
	int64_t timeout_ms;
	fa2_lang lang;
};

static int parse(int argc, char **argv, struct kb_opts *o)
{
	const char *v;
	int i;
	memset(o, 0, sizeof *o);
	o->config = getenv("FA2_CONFIG");
	o->timeout_ms = 30LL * 60 * 1000;
	for (i = 2; i < argc; i++) {
		if (fa2_cmd_is_help(argv[i])) {
			usage(stdout);
			return 0;
		} else if ((v = fa2_cmd_opt_value(argc, argv, &i, "--config")) != NULL) {
			o->config = v;
		} else if ((v = fa2_cmd_opt_value(argc, argv, &i, "--kb")) != NULL) {
			o->kb = v;
		} else if ((v = fa2_cmd_opt_value(argc, argv, &i, "--data-source")) != NULL) {
			o->ds = v;
		} else if ((v = fa2_cmd_opt_value(argc, argv, &i, "--job")) != NULL) {
			o->job = v;
		} else if ((v = fa2_cmd_opt_value(argc, argv, &i, "--region")) != NULL) {
			o->region = v;
		} else if ((v = fa2_cmd_opt_value(argc, argv, &i, "--profile")) != NULL) {
			o->profile = v;
		} else if ((v = fa2_cmd_opt_value(argc, argv, &i, "--lang")) != NULL) {
			fa2_lang l;
			if (fa2_lang_parse(v, &l) != FA2_OK) {
				fprintf(stderr, "fa2 kb: --lang takes en or ja\n");
				return -1;
			}
			o->lang_opt = v;
		} else if ((v = fa2_cmd_opt_value(argc, argv, &i, "--timeout")) != NULL) {
			if (fa2_time_parse_duration(fa2_slice_cstr(v), &o->timeout_ms) || o->timeout_ms < 1000) {
				fprintf(stderr, "fa2 kb: --timeout takes a duration like 10m (at least 1s)\n");
				return -1;
			}
		} else {
			fprintf(stderr, "fa2 kb: unknown option or argument '%s'; see 'fa2 kb --help'\n", argv[i]);
			return -1;
		}
		if (v && !*v) {
			fprintf(stderr, "fa2 kb: %s needs a value\n", argv[i]);
			return -1;
		}
	}
	o->lang = fa2_cmd_ui_lang(o->lang_opt);
	return 1;
}

static void print_error(const char *what, fa2_err e, const fa2_aws_error *err)
{
	char line[1600];
	if (err->http_status || err->code[0]) {
		fa2_aws_error_format(err, line, sizeof line);
		fprintf(stderr, "fa2 kb: %s: %s\n", what, line);
	} else {
		fprintf(stderr, "fa2 kb: %s: %s%s%s\n", what, fa2_err_str(e), err->message[0] ? ": " : "",
		        err->message);
	}
}

static int list(fa2_aws_session *s, const struct kb_opts *o)
{
	fa2_ba_list *kbs = fa2_calloc(1, sizeof *kbs), *dss = fa2_calloc(1, sizeof *dss);
	fa2_aws_error err;
	size_t i, j;
	int rc = FA2_EXIT_OK;
	fa2_err e;
	memset(&err, 0, sizeof err);
	if (!kbs || !dss) {
		rc = FA2_EXIT_FAILURE;
		goto cleanup;
	}
	e = fa2_ba_list_knowledge_bases(&s->client, kbs, &err);
	if (e) {
		print_error("ListKnowledgeBases", e, &err);
		rc = FA2_EXIT_FAILURE;
		goto cleanup;
	}
	if (kbs->n == 0)
		printf(fa2_msg(o->lang, "cmd.kb.no_knowledge_bases_in"), s->region);
	for (i = 0; i < kbs->n; i++) {
		printf("%-12s %-10s %s\n", kbs->items[i].id, kbs->items[i].status, kbs->items[i].name);
		memset(&err, 0, sizeof err);
		e = fa2_ba_list_data_sources(&s->client, kbs->items[i].id, dss, &err);
		if (e) {
			print_error("ListDataSources", e, &err);
			rc = FA2_EXIT_FAILURE;
			continue;
		}
		for (j = 0; j < dss->n; j++)
			printf("  %s %-12s %-10s %s\n", fa2_msg(o->lang, "cmd.kb.data_source"), dss->items[j].id,
			       dss->items[j].status, dss->items[j].name);
	}
	if (kbs->truncated)
		printf("%s\n", fa2_msg(o->lang, "cmd.kb.more_knowledge_bases_than_listed"));
cleanup:
	fa2_free(kbs);
	fa2_free(dss);
	return rc;
}

/* The data source to sync: the only one, else the sample's name. */
static int pick_data_source(fa2_aws_session *s, const struct kb_opts *o, const char *kb,
                            const char *env_name, char *out, size_t cap)
{
	fa2_ba_list *dss = fa2_calloc(1, sizeof *dss);
	fa2_aws_error err;
	char want[64] = "";
	size_t i, k;
	int rc = FA2_EXIT_USAGE;
	fa2_err e;
	memset(&err, 0, sizeof err);
	if (!dss)
		return FA2_EXIT_FAILURE;
	e = fa2_ba_list_data_sources(&s->client, kb, dss, &err);
	if (e) {
		print_error("ListDataSources", e, &err);
		rc = FA2_EXIT_FAILURE;
		goto cleanup;
	}
	if (env_name && *env_name) {
		/* The sample: `${envName.slice(0,3).toLocaleLowerCase()}-fa2-datasoruce` (sic). */
		size_t n = 0;
		for (i = 0, k = 0; env_name[n] && k < 3; k++)
			for (n++; ((unsigned char)env_name[n] & 0xc0) == 0x80; n++)
				;
		snprintf(want, sizeof want, "%.*s-fa2-datasoruce", (int)(n < 24 ? n : 24), env_name);
		for (i = 0; i < n && i < 24; i++)
			if (want[i] >= 'A' && want[i] <= 'Z')
				want[i] = (char)(want[i] + 32);
	}
	for (i = 0; i < dss->n; i++) {
		if (dss->n == 1 || (want[0] && strcmp(dss->items[i].name, want) == 0)) {
			snprintf(out, cap, "%s", dss->items[i].id);
			rc = FA2_EXIT_OK;
			goto cleanup;
		}
	}
	if (dss->n == 0)
		fprintf(stderr, fa2_msg(o->lang, "cmd.kb.fa2_kb_knowledge_base_has"), kb);
	else {
		fprintf(stderr, fa2_msg(o->lang, "cmd.kb.fa2_kb_knowledge_base_has_2"), kb, dss->n);
		for (i = 0; i < dss->n; i++)
			fprintf(stderr, "  %s  %s\n", dss->items[i].id, dss->items[i].name);
	}
cleanup:
	fa2_free(dss);
	return rc;
}

static void print_job(const fa2_ba_job *j, fa2_lang lang)
{
	printf("%s %s", fa2_msg(lang, "cmd.kb.ingestion_job"), j->job_id);
	printf(" %s", j->status);
	if (j->has_stats)
		printf(fa2_msg(lang, "cmd.kb.scanned_new_modified_deleted_failed"),
		       (unsigned long long)j->stats.scanned, (unsigned long long)j->stats.new_indexed,
		       (unsigned long long)j->stats.modified_indexed, (unsigned long long)j->stats.deleted,
		       (unsigned long long)j->stats.failed);
	putchar('\n');
	fflush(stdout);
}

static int same_progress(const fa2_ba_job *a, const fa2_ba_job *b)
{
	return strcmp(a->status, b->status) == 0 && a->has_stats == b->has_stats &&
	       memcmp(&a->stats, &b->stats, sizeof a->stats) == 0;
}

/* envName of the config file (fa2's config accepts and ignores it): "" when absent. */
static void config_env_name(const char *path, char *out, size_t cap)
{
	fa2_buf b;
	cJSON *j = NULL;
	out[0] = '\0';
	if (!path)
		return;
	fa2_buf_init(&b, FA2_MAX_CONFIG_BYTES);
	if (fa2_file_read_all(path, &b) == FA2_OK && (j = fa2_json_parse(fa2_buf_slice(&b), NULL)) != NULL &&
	    fa2_json_str(j, "envName"))
		snprintf(out, cap, "%s", fa2_json_str(j, "envName"));
	cJSON_Delete(j);
	fa2_buf_cleanup(&b);
}

static int sync_kb(fa2_aws_session *s, const struct kb_opts *o, const fa2_config *cfg)
{
	char ds[FA2_BA_MAX_ID], token[40], env_name[128];
	unsigned char rnd[16];
	fa2_ba_job job, prev;
	fa2_aws_error err;
	const char *kb = o->kb ? o->kb : cfg->knowledge_base_id;
	int64_t deadline = fa2_time_mono_ms() + o->timeout_ms, wait = KB_POLL_FIRST_MS;
	int rc;
	size_t i;
	fa2_err e;

	memset(&err, 0, sizeof err);
	if (!kb || !*kb) {
		fprintf(stderr, "%s", fa2_msg(o->lang, "cmd.kb.fa2_kb_sync_which_knowledge"));
		return FA2_EXIT_USAGE;
	}
	if (o->ds)
		snprintf(ds, sizeof ds, "%s", o->ds);
	else {
		config_env_name(o->config, env_name, sizeof env_name);
		rc = pick_data_source(s, o, kb, env_name, ds, sizeof ds);
		if (rc != FA2_EXIT_OK)
			return rc;
	}
	if (o->job) {
		e = fa2_ba_get_ingestion(&s->client, kb, ds, o->job, &job, &err);
		if (e) {
			print_error("GetIngestionJob", e, &err);
			return FA2_EXIT_FAILURE;
		}
	} else {
		if (fa2_random_bytes(rnd, sizeof rnd)) {
			fprintf(stderr, "fa2 kb sync: no randomness for the client token\n");
			return FA2_EXIT_FAILURE;
		}
		snprintf(token, sizeof token, "fa2-");
		fa2_hex_encode(rnd, sizeof rnd, token + 4);
		token[4 + 2 * sizeof rnd] = '\0';
		e = fa2_ba_start_ingestion(&s->client, kb, ds, token, &job, &err);
		if (e) {
			print_error("StartIngestionJob", e, &err);
			if (strcmp(err.code, "ConflictException") == 0)
				fprintf(stderr, "%s", fa2_msg(o->lang, "cmd.kb.fa2_kb_sync_another_ingestion"));
			return FA2_EXIT_FAILURE;
		}
		printf(fa2_msg(o->lang, "cmd.kb.started_ingestion_job_knowledge_base"),
		       job.job_id, kb, ds);
	}
	print_job(&job, o->lang);
	prev = job;
	while (!fa2_ba_job_done(&job)) {
		int64_t left = deadline - fa2_time_mono_ms();
		if (left <= 0) {
			printf(fa2_msg(o->lang, "cmd.kb.still_after_deadline_job_goes"), job.status, kb, ds, job.job_id);
			return FA2_EXIT_FAILURE;
		}
		fa2_time_sleep_ms(wait < left ? wait : left);
		wait = wait * 3 / 2 > KB_POLL_MAX_MS ? KB_POLL_MAX_MS : wait * 3 / 2;
		memset(&err, 0, sizeof err);
		e = fa2_ba_get_ingestion(&s->client, kb, ds, prev.job_id, &job, &err);
		if (e) {
			print_error("GetIngestionJob", e, &err);
			return FA2_EXIT_FAILURE;
		}
		if (!same_progress(&job, &prev))
			print_job(&job, o->lang);
		prev = job;
	}
	for (i = 0; i < job.n_reasons; i++)
		printf("%s %s\n", fa2_msg(o->lang, "cmd.kb.reason"), job.reasons[i]);
	if (strcmp(job.status, "COMPLETE") == 0 && job.stats.failed == 0) {
		printf(fa2_msg(o->lang, "cmd.kb.done_documents_scanned_new_modified"),
		       (unsigned long long)job.stats.scanned, (unsigned long long)job.stats.new_indexed,
		       (unsigned long long)job.stats.modified_indexed, (unsigned long long)job.stats.deleted);
		return FA2_EXIT_OK;
	}
	if (strcmp(job.status, "COMPLETE") == 0)
		printf(fa2_msg(o->lang, "cmd.kb.completed_but_documents_failed_to"),
		       (unsigned long long)job.stats.failed);
	else
		printf(fa2_msg(o->lang, "cmd.kb.ingestion_job_ended"),
		       job.status);
	return FA2_EXIT_FAILURE;
}

int fa2_cmd_kb(int argc, char **argv)
{
	struct kb_opts o;
	fa2_config cfg;
	fa2_aws_session s;
	char msg[768];
	int rc, is_sync;

	if (argc < 2 || fa2_cmd_is_help(argv[1])) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? FA2_EXIT_USAGE : FA2_EXIT_OK;
	}
	is_sync = strcmp(argv[1], "sync") == 0;
	if (!is_sync && strcmp(argv[1], "list") != 0) {
		fprintf(stderr, "fa2 kb: unknown subcommand '%s' (list, sync)\n", argv[1]);
		return FA2_EXIT_USAGE;
	}
	rc = parse(argc, argv, &o);
	if (rc <= 0)
		return rc == 0 ? FA2_EXIT_OK : FA2_EXIT_USAGE;
	if (fa2_config_init(&cfg)) {
		fprintf(stderr, "fa2 kb: out of memory\n");
		return FA2_EXIT_FAILURE;
	}
	memset(&s, 0, sizeof s);
	rc = FA2_EXIT_USAGE;
	if (o.config && fa2_config_load_file(&cfg, o.config, msg, sizeof msg)) {
		fprintf(stderr, "fa2 kb: %s\n", msg);
		goto cleanup;
	}
	if (fa2_aws_session_open(&s, o.profile, o.region ? o.region : cfg.region, 30000, msg, sizeof msg)) {
		fprintf(stderr, "fa2 kb: %s\n", msg);
		goto cleanup;
	}
	rc = is_sync ? sync_kb(&s, &o, &cfg) : list(&s, &o);
cleanup:
	fa2_aws_session_close(&s);
	fa2_config_cleanup(&cfg);
	return rc;
}
