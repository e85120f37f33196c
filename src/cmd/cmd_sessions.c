/* fa2 sessions list | show ID | resume ID | prune | pull ID: the flat-file session store,
 * and with store.kind dynamodb the sessions of the shared table (store/sessions.h). */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "agent/config.h"
#include "agent/session.h"
#include "agent/tool.h"
#include "aws/session.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/time.h"
#include "cmd/agent_run.h"
#include "cmd/cmd.h"
#include "store/sessions.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fa2 sessions list [--json]\n"
		"       fa2 sessions show ID [--format md|json|journal]\n"
		"       fa2 sessions resume ID [--format md|json] [--out FILE] [--prompts DIR]\n"
		"                           [--source DIR]  (an offline analysis: its snapshot)\n"
		"       fa2 sessions prune\n"
		"       fa2 sessions pull ID\n"
		"\n"
		"Sessions live in STATE_DIR/sessions/ID (stateDir in the config, $FA2_STATE_DIR).\n"
		"resume continues an interrupted analysis from its journal without repeating the\n"
		"tool calls it completed; a finished session prints its report again.\n"
		"With store.kind \"dynamodb\" (fa2 serve on several instances), list also lists the\n"
		"sessions of the table with their lease, and pull copies one from the table into\n"
		"STATE_DIR/sessions/ID (then show and resume work on it here).\n"
		"\n"
		"common options:\n"
		"  --config FILE     configuration file (default: $FA2_CONFIG)\n"
		"  --state-dir DIR   override stateDir\n");
}

struct list_ctx {
	int json;
	unsigned n;
	cJSON *arr;
};

static int list_one(void *ctx, const char *id, const cJSON *sum)
{
	struct list_ctx *l = ctx;
	double upd = 0, cycles = 0;
	char when[40] = "-";
	const char *status = sum ? fa2_json_str(sum, "status") : NULL;
	const char *event = sum ? fa2_json_str(sum, "event") : NULL;
	l->n++;
	if (l->json) {
		cJSON *o = sum ? cJSON_Duplicate(sum, 1) : cJSON_CreateObject();
		if (o) {
			if (!cJSON_GetObjectItemCaseSensitive(o, "id"))
				cJSON_AddStringToObject(o, "id", id);
			cJSON_AddItemToArray(l->arr, o);
		}
		return 0;
	}
	if (sum && fa2_json_num(sum, "updated", &upd))
		fa2_time_format_rfc3339((int64_t)upd, 0, 0, when, sizeof when);
	if (sum)
		fa2_json_num(sum, "cycles", &cycles);
	printf("%-26s %-10s %6u  %-20s  %.60s\n", id, status ? status : "unknown", (unsigned)cycles, when,
	       event ? event : "");
	return 0;
}

/* STATE_DIR/sessions/ID of a valid id into dir; -1 (said why) otherwise. */
static int session_dir(const fa2_config *cfg, const char *id, char *dir, size_t cap)
{
	if (!fa2_session_id_valid(id)) {
		fprintf(stderr, "fa2 sessions: '%s' is not a session id\n", id);
		return -1;
	}
	return fa2_session_path(cfg->state_dir, id, dir, cap) == FA2_OK ? 0 : -1;
}

/* The sessions of the configured DynamoDB table (store.kind dynamodb). */
typedef struct table_conn {
	fa2_aws_session aws;
	fa2_sessdb *db;
} table_conn;

static int table_open(const fa2_config *cfg, table_conn *t)
{
	char msg[512];
	fa2_err e;
	memset(t, 0, sizeof *t);
	e = fa2_aws_session_open(&t->aws, NULL, cfg->store_region ? cfg->store_region : cfg->region, 20000,
	                         msg, sizeof msg);
	if (e) {
		fprintf(stderr, "fa2 sessions: DynamoDB table %s: %s\n", cfg->store_table, msg);
		return -1;
	}
	e = fa2_sessdb_open(&t->aws.client, cfg->store_table, (int64_t)cfg->store_lease_s * 1000, 0, &t->db);
	if (e) {
		fprintf(stderr, "fa2 sessions: DynamoDB table %s: %s\n", cfg->store_table, fa2_err_str(e));
		fa2_aws_session_close(&t->aws);
		return -1;
	}
	return 0;
}

static void table_close(table_conn *t)
{
	fa2_sessdb_close(t->db);
	fa2_aws_session_close(&t->aws);
}

static int list_lease(void *ctx, const fa2_sessdb_lease *l)
{
	struct list_ctx *lc = ctx;
	char when[40] = "-", state[80];
	int64_t now = fa2_time_now_ms();
	lc->n++;
	if (l->until_ms > 0)
		fa2_time_format_rfc3339(l->until_ms, 0, 0, when, sizeof when);
	if (lc->json) {
		cJSON *o = cJSON_CreateObject();
		if (o && cJSON_AddStringToObject(o, "id", l->id) && cJSON_AddStringToObject(o, "store", "dynamodb") &&
		    cJSON_AddStringToObject(o, "leaseOwner", l->owner) &&
		    cJSON_AddNumberToObject(o, "leaseUntil", (double)l->until_ms) &&
		    cJSON_AddBoolToObject(o, "posted", l->posted) &&
		    cJSON_AddNumberToObject(o, "takeovers", (double)l->takeovers))
			cJSON_AddItemToArray(lc->arr, o);
		else
			cJSON_Delete(o);
		return 0;
	}
	if (l->posted)
		snprintf(state, sizeof state, "posted");
	else if (l->until_ms < now)
		snprintf(state, sizeof state, "lease expired (instance %.8s)", l->owner);
	else
		snprintf(state, sizeof state, "running on instance %.8s", l->owner);
	printf("%-26s %-40s %9lld  %s\n", l->id, state, (long long)l->takeovers, when);
	return 0;
}

static int cmd_pull(const fa2_config *cfg, const char *id)
{
	table_conn t;
	struct stat st;
	char dir[4200];
	fa2_err e;
	if (session_dir(cfg, id, dir, sizeof dir))
		return FA2_EXIT_USAGE;
	if (stat(dir, &st) == 0) {
		fprintf(stderr, "fa2 sessions: %s exists already; remove it first to pull the table's copy\n", dir);
		return FA2_EXIT_FAILURE;
	}
	if (table_open(cfg, &t))
		return FA2_EXIT_FAILURE;
	e = fa2_sessdb_fetch(t.db, id, dir);
	table_close(&t);
	if (e) {
		fprintf(stderr, "fa2 sessions: session %s from table %s: %s\n", id, cfg->store_table,
		        e == FA2_ERR_NOT_FOUND ? "not in the table" : fa2_err_str(e));
		return FA2_EXIT_FAILURE;
	}
	printf("session %s copied from DynamoDB table %s to %s\n", id, cfg->store_table, dir);
	return FA2_EXIT_OK;
}

static int cmd_list(const fa2_config *cfg, int json)
{
	struct list_ctx l;
	fa2_err e;
	memset(&l, 0, sizeof l);
	l.json = json;
	if (json && !(l.arr = cJSON_CreateArray()))
		return FA2_EXIT_FAILURE;
	if (!json)
		printf("%-26s %-10s %6s  %-20s  %s\n", "ID", "STATUS", "CYCLES", "UPDATED", "EVENT");
	e = fa2_session_list(cfg->state_dir, list_one, &l);
	if (e) {
		fprintf(stderr, "fa2 sessions: cannot list %s/sessions: %s\n", cfg->state_dir, fa2_err_str(e));
		cJSON_Delete(l.arr);
		return FA2_EXIT_FAILURE;
	}
	if (cfg->store_dynamodb) {
		table_conn t;
		if (table_open(cfg, &t)) {
			cJSON_Delete(l.arr);
			return FA2_EXIT_FAILURE;
		}
		if (!json)
			printf("\nin DynamoDB table %s:\n%-26s %-40s %9s  %s\n", cfg->store_table, "ID", "STATE",
			       "TAKEOVERS", "LEASE UNTIL");
		e = fa2_sessdb_list(t.db, list_lease, &l);
		table_close(&t);
		if (e) {
			fprintf(stderr, "fa2 sessions: cannot list table %s: %s\n", cfg->store_table, fa2_err_str(e));
			cJSON_Delete(l.arr);
			return FA2_EXIT_FAILURE;
		}
	}
	if (json) {
		char *s = cJSON_Print(l.arr);
		if (s)
			printf("%s\n", s);
		cJSON_free(s);
		cJSON_Delete(l.arr);
	}
	return FA2_EXIT_OK;
}

static int cat_file(const char *dir, const char *name)
{
	char path[4300];
	fa2_buf b;
	fa2_err e;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	fa2_buf_init(&b, FA2_MAX_JOURNAL_BYTES);
	e = fa2_file_read_all(path, &b);
	if (!e)
		e = fa2_write_all(1, b.data ? b.data : "", b.len);
	fa2_buf_cleanup(&b);
	return e ? -1 : 0;
}

static int cmd_show(const fa2_config *cfg, const char *id, const char *format)
{
	char dir[4200];
	cJSON *sum = NULL;
	fa2_err e;
	if (session_dir(cfg, id, dir, sizeof dir))
		return FA2_EXIT_USAGE;
	e = fa2_session_read_summary(dir, &sum);
	if (e == FA2_ERR_NOT_FOUND) {
		fprintf(stderr, "fa2 sessions: no session %s under %s/sessions\n", id, cfg->state_dir);
		return FA2_EXIT_USAGE;
	}
	if (format && strcmp(format, "journal") == 0) {
		cJSON_Delete(sum);
		if (cat_file(dir, "journal.jsonl")) {
			fprintf(stderr, "fa2 sessions: session %s has no journal\n", id);
			return FA2_EXIT_FAILURE;
		}
		return FA2_EXIT_OK;
	}
	if (format && strcmp(format, "json") == 0) {
		if (cat_file(dir, "report.json") == 0) {
			cJSON_Delete(sum);
			return FA2_EXIT_OK;
		}
		if (sum) {
			char *s = cJSON_Print(sum);
			if (s)
				printf("%s\n", s);
			cJSON_free(s);
		}
		cJSON_Delete(sum);
		return FA2_EXIT_OK;
	}
	if (sum) {
		double cycles = 0, max = 0, upd = 0;
		char when[40] = "-";
		fa2_json_num(sum, "cycles", &cycles);
		fa2_json_num(sum, "maxCycles", &max);
		if (fa2_json_num(sum, "updated", &upd))
			fa2_time_format_rfc3339((int64_t)upd, 0, 0, when, sizeof when);
		printf("session:  %s\nstatus:   %s\nevent:    %s\nwindow:   %s - %s\ncycles:   %u/%u\nupdated:  %s\n",
		       id, fa2_json_str(sum, "status") ? fa2_json_str(sum, "status") : "unknown",
		       fa2_json_str(sum, "event") ? fa2_json_str(sum, "event") : "",
		       fa2_json_str(sum, "from") ? fa2_json_str(sum, "from") : "?",
		       fa2_json_str(sum, "to") ? fa2_json_str(sum, "to") : "?", (unsigned)cycles,
		       (unsigned)max, when);
		if (fa2_json_str(sum, "stopReason"))
			printf("stopped:  %s\n", fa2_json_str(sum, "stopReason"));
		if (fa2_json_str(sum, "failure"))
			printf("failure:  %s\n", fa2_json_str(sum, "failure"));
		printf("\n");
		fflush(stdout);
	}
	cJSON_Delete(sum);
	if (cat_file(dir, "report.md") != 0)
		printf("(no report yet: 'fa2 sessions resume %s' continues the analysis)\n", id);
	return FA2_EXIT_OK;
}

int fa2_cmd_sessions(int argc, char **argv)
{
	const char *verb = NULL, *id = NULL, *config = NULL, *state_dir = NULL, *format = NULL;
	const char *out = NULL, *prompts = NULL, *source = NULL;
	int json = 0, i, rc = FA2_EXIT_USAGE;
	fa2_config cfg;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;
		if (fa2_cmd_is_help(a)) {
			usage(stdout);
			return FA2_EXIT_OK;
		}
		if (strcmp(a, "--json") == 0) {
			json = 1;
			continue;
		}
		if (strcmp(a, "--config") == 0) slot = &config;
		else if (strcmp(a, "--state-dir") == 0) slot = &state_dir;
		else if (strcmp(a, "--format") == 0) slot = &format;
		else if (strcmp(a, "--out") == 0) slot = &out;
		else if (strcmp(a, "--prompts") == 0) slot = &prompts;
		else if (strcmp(a, "--source") == 0) slot = &source;
		if (slot) {
			if (i + 1 >= argc || !*argv[i + 1]) {
				fprintf(stderr, "fa2 sessions: %s needs a value\n", a);
				return FA2_EXIT_USAGE;
			}
			*slot = argv[++i];
			continue;
		}
		if (a[0] == '-') {
			fprintf(stderr, "fa2 sessions: unknown option '%s'; see 'fa2 sessions --help'\n", a);
			return FA2_EXIT_USAGE;
		}
		if (!verb)
			verb = a;
		else if (!id)
			id = a;
		else {
			fprintf(stderr, "fa2 sessions: unexpected argument '%s'\n", a);
			return FA2_EXIT_USAGE;
		}
	}
	if (!verb) {
		usage(stderr);
		return FA2_EXIT_USAGE;
	}
	if (strcmp(verb, "list") != 0 && strcmp(verb, "show") != 0 && strcmp(verb, "resume") != 0 &&
	    strcmp(verb, "prune") != 0 && strcmp(verb, "pull") != 0) {
		fprintf(stderr, "fa2 sessions: unknown action '%s' (list, show, resume, prune, pull)\n", verb);
		return FA2_EXIT_USAGE;
	}
	if ((strcmp(verb, "show") == 0 || strcmp(verb, "resume") == 0 || strcmp(verb, "pull") == 0) && !id) {
		fprintf(stderr, "fa2 sessions %s: needs a session ID (see 'fa2 sessions list')\n", verb);
		return FA2_EXIT_USAGE;
	}
	if (format && strcmp(format, "md") != 0 && strcmp(format, "json") != 0 &&
	    !(strcmp(verb, "show") == 0 && strcmp(format, "journal") == 0)) {
		fprintf(stderr, "fa2 sessions: --format must be md or json%s\n",
			strcmp(verb, "show") == 0 ? " or journal" : "");
		return FA2_EXIT_USAGE;
	}
	if (fa2_cmd_load_config("sessions", config, &cfg)) {
		fa2_config_cleanup(&cfg);
		return FA2_EXIT_USAGE;
	}
	if (state_dir) {
		char *d = fa2_strdup(state_dir);
		if (!d)
			goto cleanup;
		fa2_free(cfg.state_dir);
		cfg.state_dir = d;
	}
	if (strcmp(verb, "list") == 0) {
		rc = cmd_list(&cfg, json);
	} else if (strcmp(verb, "show") == 0) {
		rc = cmd_show(&cfg, id, format);
	} else if (strcmp(verb, "pull") == 0) {
		if (!cfg.store_dynamodb) {
			fprintf(stderr, "fa2 sessions pull: needs store.kind \"dynamodb\" and store.table in the config\n");
			rc = FA2_EXIT_USAGE;
		} else {
			rc = cmd_pull(&cfg, id);
		}
	} else if (strcmp(verb, "prune") == 0) {
		unsigned removed = 0;
		if (fa2_session_remove_expired(cfg.state_dir,
					       (int64_t)cfg.session_retention_days * FA2_TIME_MS_PER_DAY,
					       fa2_time_now_ms(), &removed)) {
			fprintf(stderr, "fa2 sessions: cannot prune %s/sessions\n", cfg.state_dir);
			rc = FA2_EXIT_FAILURE;
		} else {
			printf("removed %u expired session%s (retention %u days)\n", removed,
			       removed == 1 ? "" : "s", cfg.session_retention_days);
			rc = FA2_EXIT_OK;
		}
	} else {
		fa2_run_opts o;
		memset(&o, 0, sizeof o);
		o.cmd = "sessions resume";
		o.cfg = &cfg;
		o.prompts_dir = prompts;
		o.format = format && strcmp(format, "json") == 0 ? FA2_OUT_JSON : FA2_OUT_MD;
		o.out_path = out;
		o.tz_offset_min = cfg.tz_offset_min;
		o.resume_id = id;
		o.source_dir = source;
		rc = fa2_cmd_run_agent(&o);
	}
cleanup:
	fa2_config_cleanup(&cfg);
	return rc;
}
