/* fa2 eval: runs triage over every scenario of a corpus (tools/make-corpus.py writes one)
 * and judges each report against the scenario's answer key; with --agent also the agent
 * (the model of the configuration, as fa2 analyze --source runs it), whose first root
 * cause is judged against the same key. A measurement: scenarios that fail do not
 * change the exit code. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent/run.h"
#include "agent/tools/snap.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/time.h"
#include "cmd/agent_run.h"
#include "cmd/cmd.h"
#include "cmd/eval.h"
#include "triage/data.h"
#include "triage/triage.h"

#define EVAL_DEFAULT_CORPUS "build/corpus"
#define EVAL_PATH_MAX 4096

enum { SET_DEV = 0, SET_HELDOUT, SET_OTHER, SET__COUNT };
static const char *const set_label[SET__COUNT] = { "dev", "held-out", "other" };
static const char *const set_key[SET__COUNT] = { "dev", "heldout", "other" };

typedef struct scenario {
	char *dir;                /* heap: the snapshot directory */
	fa2_eval_expect x;
	int set;
	fa2_eval_result res;
	char error[256];          /* why the scenario could not be judged; "" when judged */
	long long ms;             /* triage wall time */
	/* --agent: */
	fa2_eval_cause causes[4]; /* the expected events as the snapshot records them */
	size_t n_causes;
	fa2_eval_agent_result ag;
	char ag_error[300];       /* why the agent's report could not be judged; "" when judged */
	char ag_session[FA2_SESSION_ID_MAX + 1];
	long long ag_ms;
} scenario;

typedef struct corpus {
	scenario *v;
	size_t n, cap;
} corpus;

typedef struct totals {
	unsigned n, top1, top3, errors;
	unsigned ch_n, ch_top1, ch_top3;     /* change-caused */
	unsigned nc_n, nc_top1, nc_top3;     /* no change involved */
	unsigned blamed;                     /* no-change scenarios with a change ranked first */
	long long ms;
	unsigned ag_top1, ag_top3, ag_errors; /* --agent */
	long long ag_ms;
} totals;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fa2 eval [--corpus DIR] [--set dev|heldout|all] [--only TEXT] [--format text|json]\n"
		"                [--agent [--config FILE] [--state-dir DIR]]\n"
		"\n"
		"Runs triage (as 'fa2 triage --source') over every scenario of an evaluation corpus\n"
		"and judges its ranked suspects against the scenario's answer key (expected.json):\n"
		"per scenario the expected answer, the top suspect, the rank of the right answer and\n"
		"top-1 / top-3 pass or fail; then totals for the dev and the held-out set, and how\n"
		"often a change was blamed when none was involved. docs/eval.md has the rules.\n"
		"\n"
		"  --corpus DIR        the corpus (default $FA2_CORPUS, else %s); make one with\n"
		"                      'make corpus' or 'tools/make-corpus.py DIR'. A directory holding\n"
		"                      one scenario (manifest.json + expected.json) works too\n"
		"  --set S             only the dev or the held-out scenarios (default all)\n"
		"  --only TEXT         only scenarios whose name contains TEXT\n"
		"  --format text|json  a table (default) or JSON (schema fa2.eval/1)\n"
		"  --agent             also run the agent (the configured model, as 'fa2 analyze\n"
		"                      --source' does) over each scenario's snapshot and judge its\n"
		"                      report's first root cause against the same answer key; the\n"
		"                      agent's results and totals are printed next to triage's\n"
		"  --config FILE       with --agent: the configuration (default $FA2_CONFIG)\n"
		"  --state-dir DIR     with --agent: where the sessions are kept (default: the\n"
		"                      config's stateDir)\n"
		"Exit codes: 0 measured (whatever the score), 1 runtime failure, 2 usage error\n"
		"(bad option, no corpus, no scenario; with --agent a configuration the agent cannot\n"
		"run with, e.g. no usable model or prompts).\n",
		EVAL_DEFAULT_CORPUS);
}

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* dst = a "/" b; -1 when it does not fit. */
static int join(char *dst, size_t cap, const char *a, const char *b)
{
	int n = snprintf(dst, cap, "%s/%s", a, b);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

static fa2_err add_scenario(corpus *c, const char *dir)
{
	if (c->n >= FA2_MAX_EVAL_SCENARIOS)
		return FA2_ERR_TOO_LARGE;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		scenario *v = fa2_realloc(c->v, cap * sizeof *v);
		if (!v)
			return FA2_ERR_NOMEM;
		c->v = v;
		c->cap = cap;
	}
	memset(&c->v[c->n], 0, sizeof c->v[c->n]);
	c->v[c->n].dir = fa2_strdup(dir);
	if (!c->v[c->n].dir)
		return FA2_ERR_NOMEM;
	c->n++;
	return FA2_OK;
}

static int has_expected(const char *dir)
{
	char p[EVAL_PATH_MAX];
	return !join(p, sizeof p, dir, "expected.json") && is_file(p);
}

/* Collects the scenario directories (those with expected.json) at dir or up to depth
 * levels below it. */
static fa2_err discover(corpus *c, const char *dir, int depth)
{
	DIR *d;
	struct dirent *de;
	fa2_err e = FA2_OK;
	if (has_expected(dir))
		return add_scenario(c, dir);
	if (depth <= 0 || !(d = opendir(dir)))
		return FA2_OK;
	while (!e && (de = readdir(d)) != NULL) {
		char p[EVAL_PATH_MAX];
		if (de->d_name[0] == '.' || join(p, sizeof p, dir, de->d_name) || !is_dir(p))
			continue;
		e = discover(c, p, depth - 1);
	}
	closedir(d);
	return e;
}

static int set_of(const char *s)
{
	if (!strcmp(s, "dev"))
		return SET_DEV;
	if (!strcmp(s, "heldout") || !strcmp(s, "held-out"))
		return SET_HELDOUT;
	return SET_OTHER;
}

static int by_set_then_name(const void *pa, const void *pb)
{
	const scenario *a = pa, *b = pb;
	if (a->set != b->set)
		return a->set - b->set;
	return strcmp(a->x.name, b->x.name);
}

/* Reads the answer key; the name defaults to the directory's last component and the set
 * to its parent's. */
static void load_key(scenario *s)
{
	char p[EVAL_PATH_MAX];
	const char *why = "", *base, *slash;
	fa2_buf b;
	fa2_err e;
	fa2_buf_init(&b, FA2_MAX_EVAL_EXPECT_BYTES);
	if (join(p, sizeof p, s->dir, "expected.json") || (e = fa2_file_read_all(p, &b))) {
		snprintf(s->error, sizeof s->error, "cannot read expected.json");
		goto cleanup;
	}
	if ((e = fa2_eval_expect_parse(fa2_buf_slice(&b), &s->x, &why))) {
		snprintf(s->error, sizeof s->error, "expected.json: %s", why);
		goto cleanup;
	}
cleanup:
	base = strrchr(s->dir, '/');
	base = base ? base + 1 : s->dir;
	if (!s->x.name[0]) {
		size_t n = strlen(base);
		n = n < sizeof s->x.name - 1 ? n : sizeof s->x.name - 1;
		memcpy(s->x.name, base, n);
		s->x.name[n] = '\0';
	}
	if (!s->x.set[0] && base > s->dir + 1) {
		size_t n;
		for (slash = base - 2; slash > s->dir && *slash != '/'; slash--)
			;
		if (*slash == '/')
			slash++;
		n = (size_t)(base - 1 - slash);
		if (n < sizeof s->x.set) {
			memcpy(s->x.set, slash, n);
			s->x.set[n] = '\0';
		}
	}
	s->set = set_of(s->x.set);
	fa2_buf_cleanup(&b);
}

/* Runs triage on one scenario and judges it. */
static fa2_err run_one(scenario *s)
{
	fa2_tr_data d;
	fa2_tr_analysis a;
	fa2_buf out;
	cJSON *doc = NULL;
	const char *why = "";
	int64_t t0 = fa2_time_mono_ms();
	size_t k, j;
	fa2_err e;

	fa2_tr_data_init(&d);
	memset(&a, 0, sizeof a);
	fa2_buf_init(&out, FA2_MAX_TR_REPORT_BYTES);
	if ((e = fa2_tr_snapshot_read_mined(&d, s->dir, 0, 0, &why))) {
		snprintf(s->error, sizeof s->error, "reading the snapshot: %s%s%s", fa2_err_str(e), *why ? ": " : "", why);
		goto cleanup;
	}
	/* The expected events as recorded, for judging the agent's words. */
	for (k = 0; k < d.n_events && s->n_causes < sizeof s->causes / sizeof s->causes[0]; k++) {
		const fa2_tr_event *ev = &d.events[k];
		fa2_eval_cause *cz = &s->causes[s->n_causes];
		if (!ev->id || !s->x.want_change)
			continue;
		for (j = 0; j < s->x.n_ids && strcmp(ev->id, s->x.ids[j]); j++)
			;
		if (j == s->x.n_ids || strlen(ev->id) >= sizeof cz->id || !ev->name || strlen(ev->name) >= sizeof cz->name)
			continue;
		memset(cz, 0, sizeof *cz);
		snprintf(cz->id, sizeof cz->id, "%s", ev->id);
		snprintf(cz->name, sizeof cz->name, "%s", ev->name);
		for (j = 0; j < ev->n_resources; j++)
			fa2_eval_cause_add_resource(cz, ev->resources[j].value);
		s->n_causes++;
	}
	if ((e = fa2_tr_analyze(&d, NULL, &a))) {
		snprintf(s->error, sizeof s->error, "triage failed: %s", fa2_err_str(e));
		goto cleanup;
	}
	/* Budget 0: the largest report, so that no suspect or change is left out. */
	if ((e = fa2_tr_render(&a, FA2_TR_FMT_JSON, 0, &out))) {
		snprintf(s->error, sizeof s->error, "rendering the report failed: %s", fa2_err_str(e));
		goto cleanup;
	}
	if (!(doc = fa2_json_parse(fa2_buf_slice(&out), &e))) {
		snprintf(s->error, sizeof s->error, "the triage report is not JSON: %s", fa2_err_str(e));
		goto cleanup;
	}
	fa2_eval_judge(&s->x, doc, &s->res);
	if (s->x.want_change && s->res.change_rank == 0) {
		/* The report lists only the top changes: find the cause's rank in the analysis. */
		for (k = 0; k < a.n_changes && !s->res.change_rank; k++)
			for (j = 0; j < s->x.n_ids; j++)
				if (a.changes[k].ev && a.changes[k].ev->id && !strcmp(a.changes[k].ev->id, s->x.ids[j])) {
					s->res.change_rank = (int)k + 1;
					break;
				}
	}
	e = FA2_OK;
cleanup:
	s->ms = (long long)(fa2_time_mono_ms() - t0);
	cJSON_Delete(doc);
	fa2_buf_cleanup(&out);
	fa2_tr_analysis_cleanup(&a);
	fa2_tr_data_cleanup(&d);
	/* Out of memory ends the run; any other failure is this scenario's result. */
	return e == FA2_ERR_NOMEM ? e : FA2_OK;
}

/* Runs the agent over the scenario's snapshot, as 'fa2 analyze --source DIR' does (the
 * window and the event from its manifest), and judges its report. A failure is the
 * scenario's agent result; returns 1 when the configuration itself is unusable (no
 * model, prompts), which no other scenario would escape either. */
static int run_agent(scenario *s, const fa2_config *cfg)
{
	int usage = 0;
	fa2_run_request rq;
	fa2_run_outcome oc;
	char event[2048], msg[512];
	int64_t from = 0, to = 0, t0 = fa2_time_mono_ms();

	memset(&rq, 0, sizeof rq);
	fa2_run_outcome_init(&oc);
	if (fa2_snap_manifest_info(s->dir, &from, &to, event, sizeof event, msg, sizeof msg)) {
		snprintf(s->ag_error, sizeof s->ag_error, "%.290s", msg);
		goto cleanup;
	}
	rq.trigger = FA2_RUN_TRIGGER_CLI;
	rq.cfg = cfg;
	rq.event = event[0] ? event : s->x.name;
	rq.from_ms = from;
	rq.to_ms = to;
	rq.source_dir = s->dir;
	(void)fa2_run_analysis(&rq, &oc);
	snprintf(s->ag_session, sizeof s->ag_session, "%s", oc.session_id);
	if (oc.status == FA2_RUN_FAILED || !oc.report) {
		snprintf(s->ag_error, sizeof s->ag_error, "agent failed: %s: %.200s", fa2_run_errclass_name(oc.failure.cls),
			 oc.failure.message);
		usage = oc.usage;
		goto cleanup;
	}
	fa2_eval_judge_agent(&s->x, s->causes, s->n_causes, oc.report, &s->ag);
	if (oc.status == FA2_RUN_PARTIAL)
		snprintf(s->ag_error, sizeof s->ag_error, "partial report: %.200s",
			 oc.detail[0] ? oc.detail : "the model did not write it");
cleanup:
	s->ag_ms = (long long)(fa2_time_mono_ms() - t0);
	fa2_run_outcome_cleanup(&oc);
	return usage;
}

static void count(totals *t, const scenario *s)
{
	int ok = !s->error[0];
	t->n++;
	t->ms += s->ms;
	if (!ok)
		t->errors++;
	if (s->x.want_change) {
		t->ch_n++;
		t->ch_top1 += ok && s->res.top1;
		t->ch_top3 += ok && s->res.top3;
	} else {
		t->nc_n++;
		t->nc_top1 += ok && s->res.top1;
		t->nc_top3 += ok && s->res.top3;
		t->blamed += ok && s->res.blamed_change;
	}
	t->top1 += ok && s->res.top1;
	t->top3 += ok && s->res.top3;
	t->ag_errors += s->ag_error[0] != '\0';
	t->ag_top1 += !s->ag_error[0] && s->ag.top1;
	t->ag_top3 += !s->ag_error[0] && s->ag.top3;
	t->ag_ms += s->ag_ms;
}

/* Appends text cut to width characters (bytes of ASCII; UTF-8 continuations are kept
 * whole), padded with spaces. */
static fa2_err cell(fa2_buf *o, const char *text, size_t width)
{
	size_t n = strlen(text), cols = 0, i = 0;
	fa2_err e;
	while (i < n && cols < width) {
		size_t k = 1;
		while (i + k < n && ((unsigned char)text[i + k] & 0xC0u) == 0x80u)
			k++;
		if (cols + 1 == width && i + k < n) {
			if ((e = fa2_buf_append_cstr(o, "~")))
				return e;
			cols++;
			break;
		}
		if ((e = fa2_buf_append(o, text + i, k)))
			return e;
		i += k;
		cols++;
	}
	while (cols++ < width + 1)
		if ((e = fa2_buf_append_byte(o, ' ')))
			return e;
	return FA2_OK;
}

static fa2_err text_line(fa2_buf *o, const scenario *s, int agent)
{
	char expect[160], top[400], rank[16];
	const fa2_eval_result *r = &s->res;
	fa2_err e;
	if (s->x.want_change)
		snprintf(expect, sizeof expect, "change %.8s%s", s->x.ids[0], s->x.n_ids > 1 ? " (+more)" : "");
	else
		snprintf(expect, sizeof expect, "no change: %.120s", s->x.keys[0]);
	if (s->error[0])
		snprintf(top, sizeof top, "ERROR %.255s", s->error);
	else if (!r->n_suspects)
		snprintf(top, sizeof top, "(no suspects)");
	else if (r->top_event[0])
		snprintf(top, sizeof top, "change %.8s %.159s", r->top_event, r->top_title);
	else
		snprintf(top, sizeof top, "%.31s %.159s", r->top_kind, r->top_title);
	if (r->rank)
		snprintf(rank, sizeof rank, "%d", r->rank);
	else
		snprintf(rank, sizeof rank, "-");
	if ((e = cell(o, set_key[s->set], 8)) || (e = cell(o, s->x.name, 34)) || (e = cell(o, expect, 30)) ||
	    (e = cell(o, top, 60)) || (e = cell(o, rank, 4)) ||
	    (e = cell(o, s->error[0] || !r->top1 ? "FAIL" : "pass", 4)) ||
	    (e = cell(o, s->error[0] || !r->top3 ? "FAIL" : "pass", 4)))
		return e;
	if (agent) {
		char ag[220];
		if (s->ag_error[0])
			snprintf(ag, sizeof ag, "ERROR %.200s", s->ag_error);
		else if (!s->ag.n_causes)
			snprintf(ag, sizeof ag, "(no root cause)");
		else
			snprintf(ag, sizeof ag, "%.159s", s->ag.top_title);
		if ((e = cell(o, s->ag_error[0] || !s->ag.top1 ? "FAIL" : "pass", 5)) ||
		    (e = cell(o, s->ag_error[0] || !s->ag.top3 ? "FAIL" : "pass", 5)) || (e = cell(o, ag, 50)))
			return e;
	}
	if (!s->error[0] && s->x.want_change && r->change_rank > 0 && !r->rank)
		e = fa2_buf_appendf(o, " cause is change #%d", r->change_rank);
	else if (!s->error[0] && s->x.want_change && r->change_rank == 0)
		e = fa2_buf_appendf(o, " cause is not a ranked change");
	else if (r->blamed_change && !s->error[0])
		e = fa2_buf_appendf(o, " blamed a change");
	if (!e && !s->error[0] && r->nci >= 0 && r->nci == s->x.want_change)
		e = fa2_buf_appendf(o, " no_change_implicated=%s", r->nci ? "true" : "false");
	while (!e && o->len && o->data[o->len - 1] == ' ')
		o->len--;
	return e ? e : fa2_buf_append_byte(o, '\n');
}

static fa2_err text_totals(fa2_buf *o, const char *label, const totals *t, int agent)
{
	fa2_err e;
	if (!t->n)
		return FA2_OK;
	e = fa2_buf_appendf(o,
			       "%-9s top-1 %u/%u, top-3 %u/%u | change-caused top-1 %u/%u, top-3 %u/%u | "
			       "no change top-1 %u/%u, top-3 %u/%u | blamed a change when none was involved: %u/%u | "
			       "errors %u\n",
			       label, t->top1, t->n, t->top3, t->n, t->ch_top1, t->ch_n, t->ch_top3, t->ch_n,
			       t->nc_top1, t->nc_n, t->nc_top3, t->nc_n, t->blamed, t->nc_n, t->errors);
	if (!e && agent)
		e = fa2_buf_appendf(o, "%-9s agent top-1 %u/%u, top-3 %u/%u (first root cause / first three) | errors %u\n",
				    "", t->ag_top1, t->n, t->ag_top3, t->n, t->ag_errors);
	return e;
}

static cJSON *totals_json(const totals *t, int agent)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "scenarios", t->n);
	cJSON_AddNumberToObject(o, "top1", t->top1);
	cJSON_AddNumberToObject(o, "top3", t->top3);
	cJSON_AddNumberToObject(o, "change_scenarios", t->ch_n);
	cJSON_AddNumberToObject(o, "change_top1", t->ch_top1);
	cJSON_AddNumberToObject(o, "change_top3", t->ch_top3);
	cJSON_AddNumberToObject(o, "no_change_scenarios", t->nc_n);
	cJSON_AddNumberToObject(o, "no_change_top1", t->nc_top1);
	cJSON_AddNumberToObject(o, "no_change_top3", t->nc_top3);
	cJSON_AddNumberToObject(o, "blamed_change", t->blamed);
	cJSON_AddNumberToObject(o, "errors", t->errors);
	cJSON_AddNumberToObject(o, "triage_ms", (double)t->ms);
	if (agent) {
		cJSON_AddNumberToObject(o, "agent_top1", t->ag_top1);
		cJSON_AddNumberToObject(o, "agent_top3", t->ag_top3);
		cJSON_AddNumberToObject(o, "agent_errors", t->ag_errors);
		cJSON_AddNumberToObject(o, "agent_ms", (double)t->ag_ms);
	}
	return o;
}

static cJSON *scenario_json(const scenario *s, int agent)
{
	cJSON *o = cJSON_CreateObject(), *arr;
	const fa2_eval_result *r = &s->res;
	size_t k;
	int ok = !s->error[0];
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "name", s->x.name);
	cJSON_AddStringToObject(o, "set", set_key[s->set]);
	cJSON_AddStringToObject(o, "path", s->dir);
	cJSON_AddStringToObject(o, "kind", s->x.kind);
	cJSON_AddStringToObject(o, "expect", s->x.want_change ? "change" : "no_change");
	arr = cJSON_AddArrayToObject(o, s->x.want_change ? "event_ids" : "keywords");
	for (k = 0; arr && k < (s->x.want_change ? s->x.n_ids : s->x.n_keys); k++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(s->x.want_change ? s->x.ids[k] : s->x.keys[k]));
	if (ok && r->n_suspects) {
		cJSON *top = cJSON_AddObjectToObject(o, "top");
		if (top) {
			cJSON_AddStringToObject(top, "kind", r->top_kind);
			cJSON_AddStringToObject(top, "title", r->top_title);
			if (r->top_event[0])
				cJSON_AddStringToObject(top, "event_id", r->top_event);
		}
	} else
		cJSON_AddNullToObject(o, "top");
	if (ok && r->rank)
		cJSON_AddNumberToObject(o, "rank", r->rank);
	else
		cJSON_AddNullToObject(o, "rank");
	if (ok && r->change_rank > 0)
		cJSON_AddNumberToObject(o, "change_rank", r->change_rank);
	else
		cJSON_AddNullToObject(o, "change_rank");
	if (ok && r->nci >= 0)
		cJSON_AddBoolToObject(o, "no_change_implicated", r->nci);
	else
		cJSON_AddNullToObject(o, "no_change_implicated");
	cJSON_AddNumberToObject(o, "suspects", ok ? r->n_suspects : 0);
	cJSON_AddBoolToObject(o, "top1", ok && r->top1);
	cJSON_AddBoolToObject(o, "top3", ok && r->top3);
	cJSON_AddBoolToObject(o, "blamed_change", ok && r->blamed_change);
	cJSON_AddNumberToObject(o, "triage_ms", (double)s->ms);
	if (ok)
		cJSON_AddNullToObject(o, "error");
	else
		cJSON_AddStringToObject(o, "error", s->error);
	if (agent) {
		cJSON *ag = cJSON_AddObjectToObject(o, "agent");
		int aok = !s->ag_error[0];
		if (ag) {
			cJSON_AddStringToObject(ag, "root_cause", aok ? s->ag.top_title : "");
			cJSON_AddNumberToObject(ag, "root_causes", aok ? s->ag.n_causes : 0);
			if (aok && s->ag.rank)
				cJSON_AddNumberToObject(ag, "rank", s->ag.rank);
			else
				cJSON_AddNullToObject(ag, "rank");
			cJSON_AddBoolToObject(ag, "top1", aok && s->ag.top1);
			cJSON_AddBoolToObject(ag, "top3", aok && s->ag.top3);
			cJSON_AddStringToObject(ag, "session", s->ag_session);
			cJSON_AddNumberToObject(ag, "ms", (double)s->ag_ms);
			if (aok)
				cJSON_AddNullToObject(ag, "error");
			else
				cJSON_AddStringToObject(ag, "error", s->ag_error);
		}
	}
	return o;
}

int fa2_cmd_eval(int argc, char **argv)
{
	const char *dir = getenv("FA2_CORPUS"), *only = NULL, *v, *config = NULL, *state_dir = NULL;
	int json = 0, want_set = -1, rc = FA2_EXIT_FAILURE, i, agent = 0, have_cfg = 0;
	fa2_config cfg;
	corpus c = { NULL, 0, 0 };
	totals tot[SET__COUNT], all;
	fa2_buf o;
	cJSON *doc = NULL;
	size_t k;
	fa2_err e;

	memset(tot, 0, sizeof tot);
	memset(&all, 0, sizeof all);
	fa2_buf_init(&o, FA2_MAX_TR_REPORT_BYTES);
	if (!dir || !*dir)
		dir = EVAL_DEFAULT_CORPUS;
	for (i = 1; i < argc; i++) {
		static const char *const opts[] = { "--corpus", "--only", "--format", "--set", "--config", "--state-dir" };
		size_t which;
		if (fa2_cmd_is_help(argv[i])) {
			usage(stdout);
			rc = FA2_EXIT_OK;
			goto cleanup;
		}
		if (!strcmp(argv[i], "--agent")) {
			agent = 1;
			continue;
		}
		for (which = 0, v = NULL; which < sizeof opts / sizeof opts[0]; which++)
			if ((v = fa2_cmd_opt_value(argc, argv, &i, opts[which])))
				break;
		if (!v) {
			fprintf(stderr, "fa2 eval: unknown argument '%s'; see 'fa2 eval --help'\n", argv[i]);
			rc = FA2_EXIT_USAGE;
			goto cleanup;
		}
		if (!*v) {
			fprintf(stderr, "fa2 eval: %s needs a value\n", opts[which]);
			rc = FA2_EXIT_USAGE;
			goto cleanup;
		}
		if (which == 0) {
			dir = v;
		} else if (which == 1) {
			only = v;
		} else if (which == 4) {
			config = v;
		} else if (which == 5) {
			state_dir = v;
		} else if (which == 2) {
			if (!strcmp(v, "json") || !strcmp(v, "text"))
				json = !strcmp(v, "json");
			else {
				fprintf(stderr, "fa2 eval: unknown format '%s' (text, json)\n", v);
				rc = FA2_EXIT_USAGE;
				goto cleanup;
			}
		} else if (!strcmp(v, "dev") || !strcmp(v, "heldout") || !strcmp(v, "held-out") || !strcmp(v, "all")) {
			want_set = !strcmp(v, "all") ? -1 : set_of(v);
		} else {
			fprintf(stderr, "fa2 eval: unknown set '%s' (dev, heldout, all)\n", v);
			rc = FA2_EXIT_USAGE;
			goto cleanup;
		}
	}
	if ((config || state_dir) && !agent) {
		fprintf(stderr, "fa2 eval: --config and --state-dir go with --agent\n");
		rc = FA2_EXIT_USAGE;
		goto cleanup;
	}
	if (agent) {
		/* The configuration as fa2 analyze loads it; the model must be usable. */
		have_cfg = 1;
		if (fa2_cmd_load_config("eval", config, &cfg)) {
			rc = FA2_EXIT_USAGE;
			goto cleanup;
		}
		if (state_dir) {
			char *sd = fa2_strdup(state_dir);
			if (!sd)
				goto cleanup;
			fa2_free(cfg.state_dir);
			cfg.state_dir = sd;
		}
	}
	if (!is_dir(dir)) {
		fprintf(stderr, "fa2 eval: no corpus at %s; generate one with 'make corpus' (or "
				"'tools/make-corpus.py DIR') and pass --corpus DIR\n", dir);
		rc = FA2_EXIT_USAGE;
		goto cleanup;
	}
	if ((e = discover(&c, dir, 2))) {
		fprintf(stderr, "fa2 eval: %s: %s\n", dir, fa2_err_str(e));
		goto cleanup;
	}
	for (k = 0; k < c.n; k++)
		load_key(&c.v[k]);
	qsort(c.v, c.n, sizeof *c.v, by_set_then_name);
	/* Filters (after the keys are read: a scenario's set and name come from its key). */
	{
		size_t w = 0;
		for (k = 0; k < c.n; k++) {
			if ((want_set >= 0 && c.v[k].set != want_set) || (only && !strstr(c.v[k].x.name, only))) {
				fa2_free(c.v[k].dir);
				continue;
			}
			c.v[w++] = c.v[k];
		}
		c.n = w;
	}
	if (!c.n) {
		fprintf(stderr, "fa2 eval: no scenario (a directory with expected.json) in %s%s\n", dir,
			only || want_set >= 0 ? " matches the filters" : "");
		rc = FA2_EXIT_USAGE;
		goto cleanup;
	}
	if (!json && ((e = fa2_buf_appendf(&o, "fa2 eval: %zu scenario%s from %s%s\n\n%-8s %-34s %-30s %-60s %-4s %-4s %-4s%s\n",
					  c.n, c.n == 1 ? "" : "s", dir, agent ? " (triage, then the agent)" : "", "set",
					  "scenario", "expected", "top suspect", "rank", "top1", "top3",
					  agent ? " agent1 agent3 agent's first root cause" : "")) ||
		      fa2_write_all(1, o.data, o.len))) {
		fprintf(stderr, "fa2 eval: cannot write the results\n");
		goto cleanup;
	}
	for (k = 0; k < c.n; k++) {
		scenario *s = &c.v[k];
		if (!s->error[0] && (e = run_one(s))) {
			fprintf(stderr, "fa2 eval: %s: %s\n", s->dir, fa2_err_str(e));
			goto cleanup;
		}
		if (agent && s->error[0])
			snprintf(s->ag_error, sizeof s->ag_error, "not run: %.280s", s->error);
		else if (agent && run_agent(s, &cfg)) {
			fprintf(stderr, "fa2 eval: --agent: %s\n", s->ag_error);
			rc = FA2_EXIT_USAGE;
			goto cleanup;
		}
		count(&tot[s->set], s);
		count(&all, s);
		if (!json) {
			/* Line by line, so a long run shows progress. */
			fa2_buf_reset(&o);
			if ((e = text_line(&o, s, agent)) || fa2_write_all(1, o.data, o.len)) {
				fprintf(stderr, "fa2 eval: cannot write the results\n");
				goto cleanup;
			}
		}
	}
	fa2_buf_reset(&o);
	if (json) {
		cJSON *arr, *t;
		int ok = (doc = cJSON_CreateObject()) != NULL;
		ok = ok && cJSON_AddStringToObject(doc, "schema", "fa2.eval/1") && cJSON_AddStringToObject(doc, "corpus", dir);
		ok = ok && (arr = cJSON_AddArrayToObject(doc, "scenarios")) != NULL;
		for (k = 0; ok && k < c.n; k++) {
			cJSON *one = scenario_json(&c.v[k], agent);
			ok = one && cJSON_AddItemToArray(arr, one);
		}
		ok = ok && (t = cJSON_AddObjectToObject(doc, "totals")) != NULL;
		for (i = 0; ok && i < SET__COUNT; i++) {
			cJSON *one;
			if (!tot[i].n)
				continue;
			one = totals_json(&tot[i], agent);
			ok = one && cJSON_AddItemToObject(t, set_key[i], one);
		}
		if (ok) {
			cJSON *one = totals_json(&all, agent);
			ok = one && cJSON_AddItemToObject(t, "all", one);
		}
		if (!ok || (e = fa2_json_append(&o, doc)) || (e = fa2_buf_append_byte(&o, '\n'))) {
			fprintf(stderr, "fa2 eval: out of memory building the JSON output\n");
			goto cleanup;
		}
	} else {
		e = fa2_buf_append_byte(&o, '\n');
		for (i = 0; !e && i < SET__COUNT; i++)
			e = text_totals(&o, set_label[i], &tot[i], agent);
		if (!e && (tot[SET_DEV].n ? 1 : 0) + (tot[SET_HELDOUT].n ? 1 : 0) + (tot[SET_OTHER].n ? 1 : 0) > 1)
			e = text_totals(&o, "all", &all, agent);
		if (!e)
			e = fa2_buf_appendf(&o, "triage time: %lld ms for %u scenario%s\n", all.ms, all.n, all.n == 1 ? "" : "s");
		if (!e && agent)
			e = fa2_buf_appendf(&o, "agent time: %lld ms\n", all.ag_ms);
		if (e) {
			fprintf(stderr, "fa2 eval: out of memory\n");
			goto cleanup;
		}
	}
	if (fa2_write_all(1, o.data ? o.data : "", o.len)) {
		fprintf(stderr, "fa2 eval: cannot write the results\n");
		goto cleanup;
	}
	rc = FA2_EXIT_OK;
cleanup:
	cJSON_Delete(doc);
	if (have_cfg)
		fa2_config_cleanup(&cfg);
	for (k = 0; k < c.n; k++)
		fa2_free(c.v[k].dir);
	fa2_free(c.v);
	fa2_buf_cleanup(&o);
	return rc;
}
