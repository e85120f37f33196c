/* The agent loop: model turns, parallel tool execution, repeat suppression, forced stops,
 * final report, journal and resume. See agent.h for the contract. */
#include "agent/agent.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent/digest.h"
#include "base/msg.h"
#include "base/alloc.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/time.h"

typedef struct call_rec {
	char *id;
	char *name;
	char *key;        /* name + '\n' + input with object keys sorted: identity of a call */
	char *input;      /* compact input JSON as the model sent it */
	char *output;     /* bounded observation */
	int is_error;
	int repeated;     /* answered from an earlier result (output NULL) */
	int elided;       /* its result was elided from the conversation to save context */
	unsigned cycle;
	int64_t ms;
} call_rec;

typedef struct state {
	const fa2_agent_config *ac;
	fa2_agent_result *res;
	char *event;
	int64_t from_ms, to_ms;
	fa2_llm_conv conv;
	call_rec *calls;
	size_t n_calls, cap_calls;
	unsigned cycles;
	fa2_agent_stop stop;
	char *system;
	fa2_llm_tool_spec specs[FA2_AGENT_MAX_TOOLS];
	size_t n_specs;
	pthread_mutex_t progress_mu;
	pthread_mutex_t repair_mu;  /* one repair model call at a time (the provider is not
	                             * re-entrant); guards res->usage and model_calls then */
	int journal_warned;
} state;

const char *fa2_agent_stop_name(fa2_agent_stop s)
{
	switch (s) {
	case FA2_AGENT_STOP_ANSWER: return "answer";
	case FA2_AGENT_STOP_MAX_CYCLES: return "max_cycles";
	case FA2_AGENT_STOP_REPEATED: return "repeated_calls";
	case FA2_AGENT_STOP_THROTTLED: return "throttled";
	case FA2_AGENT_STOP_MODEL_ERROR: return "model_error";
	case FA2_AGENT_STOP_DEADLINE: return "deadline";
	default: return "none";
	}
}

static fa2_agent_stop stop_from_name(const char *s)
{
	int i;
	for (i = FA2_AGENT_STOP_ANSWER; i <= FA2_AGENT_STOP_DEADLINE; i++)
		if (s && strcmp(s, fa2_agent_stop_name((fa2_agent_stop)i)) == 0)
			return (fa2_agent_stop)i;
	return FA2_AGENT_STOP_NONE;
}

/* ---- small helpers ---- */

static void progress(state *st, fa2_agent_event ev, const char *tool, int64_t ms, int is_error)
{
	fa2_agent_progress p;
	if (!st->ac->progress)
		return;
	memset(&p, 0, sizeof p);
	p.event = ev;
	p.cycle = st->cycles + 1;
	p.max_cycles = st->ac->max_cycles;
	p.tool = tool;
	p.elapsed_ms = ms;
	p.is_error = is_error;
	pthread_mutex_lock(&st->progress_mu);
	st->ac->progress(st->ac->progress_ctx, &p);
	pthread_mutex_unlock(&st->progress_mu);
}

static void journal(state *st, cJSON *rec)
{
	if (!rec) {
		FA2_LOGE("agent", "out of memory building a journal record");
		return;
	}
	if (st->ac->session && fa2_session_append(st->ac->session, rec) && !st->journal_warned) {
		st->journal_warned = 1;
		st->res->storage_failed = 1;
		snprintf(st->res->storage_what, sizeof st->res->storage_what, "journal.jsonl");
		FA2_LOGE("agent", "session %s: journal write failed; the analysis stops",
			 st->ac->session->id);
	}
	cJSON_Delete(rec);
}

static void update_summary(state *st, const char *status)
{
	cJSON *f;
	char from[40], to[40];
	if (!st->ac->session)
		return;
	f = cJSON_CreateObject();
	if (!f)
		return;
	fa2_time_format_rfc3339(st->from_ms, 0, 0, from, sizeof from);
	fa2_time_format_rfc3339(st->to_ms, 0, 0, to, sizeof to);
	cJSON_AddStringToObject(f, "status", status);
	cJSON_AddStringToObject(f, "event", st->event ? st->event : "");
	cJSON_AddStringToObject(f, "from", from);
	cJSON_AddStringToObject(f, "to", to);
	cJSON_AddStringToObject(f, "language", fa2_lang_code(st->ac->lang));
	cJSON_AddNumberToObject(f, "cycles", st->cycles);
	cJSON_AddNumberToObject(f, "maxCycles", st->ac->max_cycles);
	cJSON_AddNumberToObject(f, "toolCalls", (double)st->n_calls);
	cJSON_AddNumberToObject(f, "pid", (double)getpid());
	if (st->stop != FA2_AGENT_STOP_NONE)
		cJSON_AddStringToObject(f, "stopReason", fa2_agent_stop_name(st->stop));
	if (fa2_session_update_summary(st->ac->session, f))
		FA2_LOGW("agent", "session %s: cannot write the summary", st->ac->session->id);
	cJSON_Delete(f);
}

/* Sorts the keys of every object in j (recursively) so equal inputs print equally. */
static void sort_keys(cJSON *j)
{
	cJSON *c, *sorted = NULL, *next;
	if (!j)
		return;
	for (c = j->child; c; c = c->next)
		sort_keys(c);
	if (!cJSON_IsObject(j))
		return;
	/* Insertion sort of the child list. */
	for (c = j->child; c; c = next) {
		cJSON **pp = &sorted;
		next = c->next;
		while (*pp && strcmp((*pp)->string, c->string) <= 0)
			pp = &(*pp)->next;
		c->next = *pp;
		*pp = c;
	}
	/* Relink prev pointers (cJSON keeps child->prev as the tail). */
	j->child = sorted;
	if (sorted) {
		cJSON *prev = NULL;
		for (c = sorted; c; c = c->next) {
			c->prev = prev ? prev : NULL;
			prev = c;
		}
		sorted->prev = prev;
	}
}

/* name + '\n' + canonical input; NULL on no memory. */
static char *call_key(const char *name, const char *input_json)
{
	cJSON *j = fa2_json_parse(fa2_slice_cstr(input_json ? input_json : "{}"), NULL);
	char *canon, *key;
	size_t n1, n2;
	if (!j)
		j = cJSON_CreateString(input_json ? input_json : "");
	if (!j)
		return NULL;
	sort_keys(j);
	canon = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (!canon)
		return NULL;
	n1 = strlen(name);
	n2 = strlen(canon);
	key = fa2_malloc(n1 + n2 + 2);
	if (key) {
		memcpy(key, name, n1);
		key[n1] = '\n';
		memcpy(key + n1 + 1, canon, n2 + 1);
	}
	fa2_free(canon);
	return key;
}

static void call_rec_free(call_rec *r)
{
	fa2_free(r->id);
	fa2_free(r->name);
	fa2_free(r->key);
	fa2_free(r->input);
	fa2_free(r->output);
	memset(r, 0, sizeof *r);
}

/* Appends a record taking ownership of nothing (copies). */
static fa2_err add_call(state *st, const char *id, const char *name, const char *key,
			const char *input, const char *output, int is_error, int repeated,
			unsigned cycle, int64_t ms)
{
	call_rec *r;
	if (st->n_calls >= FA2_AGENT_MAX_CALLS)
		return FA2_ERR_TOO_LARGE;
	if (st->n_calls == st->cap_calls) {
		size_t nc = st->cap_calls ? st->cap_calls * 2 : 16;
		call_rec *n = fa2_realloc(st->calls, nc * sizeof *n);
		if (!n)
			return FA2_ERR_NOMEM;
		st->calls = n;
		st->cap_calls = nc;
	}
	r = &st->calls[st->n_calls];
	memset(r, 0, sizeof *r);
	r->id = fa2_strdup(id ? id : "");
	r->name = fa2_strdup(name ? name : "");
	r->key = fa2_strdup(key ? key : "");
	r->input = fa2_strdup(input ? input : "{}");
	r->output = output ? fa2_strdup(output) : NULL;
	r->is_error = is_error;
	r->repeated = repeated;
	r->cycle = cycle;
	r->ms = ms;
	if (!r->id || !r->name || !r->key || !r->input || (output && !r->output)) {
		call_rec_free(r);
		return FA2_ERR_NOMEM;
	}
	st->n_calls++;
	return FA2_OK;
}

/* The journaled result of call `id` of turn `cycle` (ids are only unique per turn:
 * some servers number their calls call_1, call_2, ... in every turn). */
static const call_rec *find_by_id(const state *st, const char *id, unsigned cycle)
{
	size_t i;
	for (i = 0; i < st->n_calls; i++)
		if (!st->calls[i].repeated && st->calls[i].cycle == cycle &&
		    strcmp(st->calls[i].id, id) == 0)
			return &st->calls[i];
	return NULL;
}

static const call_rec *find_by_key(const state *st, const char *key)
{
	size_t i;
	for (i = 0; i < st->n_calls; i++)
		if (!st->calls[i].repeated && st->calls[i].output && strcmp(st->calls[i].key, key) == 0)
			return &st->calls[i];
	return NULL;
}

/* ---- journal encoding of messages ---- */

static cJSON *message_to_json(const fa2_llm_message *m)
{
	cJSON *o = cJSON_CreateObject(), *arr;
	size_t i;
	if (!o)
		return NULL;
	if (!cJSON_AddStringToObject(o, "role", m->role == FA2_LLM_USER ? "user" : "assistant") ||
	    !(arr = cJSON_AddArrayToObject(o, "blocks")))
		goto fail;
	for (i = 0; i < m->n_blocks; i++) {
		const fa2_llm_block *b = &m->blocks[i];
		cJSON *x = cJSON_CreateObject();
		int ok;
		if (!x)
			goto fail;
		cJSON_AddItemToArray(arr, x);
		switch (b->kind) {
		case FA2_LLM_TEXT:
			ok = cJSON_AddStringToObject(x, "kind", "text") &&
			     cJSON_AddStringToObject(x, "text", b->text);
			break;
		case FA2_LLM_TOOL_USE:
			ok = cJSON_AddStringToObject(x, "kind", "tool_use") &&
			     cJSON_AddStringToObject(x, "id", b->tool_id) &&
			     cJSON_AddStringToObject(x, "name", b->tool_name) &&
			     cJSON_AddStringToObject(x, "input", b->input_json ? b->input_json : "{}");
			break;
		default:
			ok = cJSON_AddStringToObject(x, "kind", "tool_result") &&
			     cJSON_AddStringToObject(x, "id", b->tool_id) &&
			     cJSON_AddStringToObject(x, "name", b->tool_name ? b->tool_name : "") &&
			     cJSON_AddStringToObject(x, "text", b->text ? b->text : "") &&
			     cJSON_AddBoolToObject(x, "error", b->is_error);
			break;
		}
		if (!ok)
			goto fail;
	}
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

static fa2_err message_from_json(const cJSON *o, fa2_llm_message *m)
{
	const char *role = fa2_json_str(o, "role");
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, "blocks"), *x;
	fa2_err e = FA2_OK;
	memset(m, 0, sizeof *m);
	if (!role || !cJSON_IsArray(arr))
		return FA2_ERR_PARSE;
	m->role = strcmp(role, "assistant") == 0 ? FA2_LLM_ASSISTANT : FA2_LLM_USER;
	cJSON_ArrayForEach(x, arr)
	{
		const char *kind = fa2_json_str(x, "kind");
		if (!kind)
			e = FA2_ERR_PARSE;
		else if (strcmp(kind, "text") == 0)
			e = fa2_llm_message_add_text(m, fa2_slice_cstr(fa2_json_str(x, "text")));
		else if (strcmp(kind, "tool_use") == 0)
			e = fa2_llm_message_add_tool_use(m, fa2_json_str(x, "id"), fa2_json_str(x, "name"),
							 fa2_json_str(x, "input"));
		else if (strcmp(kind, "tool_result") == 0)
			e = fa2_llm_message_add_tool_result(
				m, fa2_json_str(x, "id"), fa2_json_str(x, "name"),
				fa2_slice_cstr(fa2_json_str(x, "text")),
				cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "error")));
		else
			e = FA2_ERR_PARSE;
		if (e)
			break;
	}
	if (e)
		fa2_llm_message_cleanup(m);
	return e;
}

static void journal_message(state *st, unsigned cycle, const fa2_llm_message *m)
{
	cJSON *rec, *msg;
	if (!st->ac->session)
		return;
	rec = cJSON_CreateObject();
	msg = message_to_json(m);
	if (!rec || !msg || !cJSON_AddStringToObject(rec, "type", "message") ||
	    !cJSON_AddNumberToObject(rec, "cycle", cycle)) {
		cJSON_Delete(rec);
		cJSON_Delete(msg);
		journal(st, NULL);
		return;
	}
	cJSON_AddItemToObjectCS(rec, "message", msg);
	journal(st, rec);
}

/* ---- model-assisted query repair (fa2_tool_repair_fn) ---- */

/* Strips what a model tends to wrap an answer in: surrounding blank space, a code fence
 * (with its language tag), backticks or quotes. Returns the inner slice of s. */
static fa2_slice strip_answer(fa2_slice s)
{
	s = fa2_slice_trim(s);
	if (s.len >= 6 && memcmp(s.ptr, "```", 3) == 0) {
		const char *nl = memchr(s.ptr, '\n', s.len);
		const char *end = s.ptr + s.len;
		if (nl) {
			while (end > nl + 1 && end[-1] == '`')
				end--;
			s = fa2_slice_trim(fa2_slice_make(nl + 1, (size_t)(end - (nl + 1))));
		}
	}
	while (s.len >= 2 && ((s.ptr[0] == '`' && s.ptr[s.len - 1] == '`') ||
			      (s.ptr[0] == '"' && s.ptr[s.len - 1] == '"'))) {
		s.ptr++;
		s.len -= 2;
		s = fa2_slice_trim(s);
	}
	return s;
}

static fa2_err agent_repair(void *ctx, const char *tool, const char *syntax, const char *bad,
			    const char *error, int64_t deadline_mono_ms, fa2_buf *fixed)
{
	state *st = ctx;
	const fa2_agent_config *ac = st->ac;
	fa2_prompt_var vars[4];
	fa2_llm_conv conv;
	fa2_llm_message *um;
	fa2_llm_request req;
	fa2_llm_response resp;
	fa2_llm_error err;
	fa2_buf prompt, text;
	fa2_slice ans;
	fa2_err e;

	if (!ac->llm || !ac->prompts || !ac->prompts->text[FA2_PROMPT_QUERY_REPAIR])
		return FA2_ERR_UNSUPPORTED;
	if (ac->deadline_mono_ms && (!deadline_mono_ms || deadline_mono_ms > ac->deadline_mono_ms))
		deadline_mono_ms = ac->deadline_mono_ms;
	fa2_llm_conv_init(&conv);
	fa2_llm_response_init(&resp);
	fa2_buf_init(&prompt, FA2_MAX_PROMPT_BYTES * 2);
	fa2_buf_init(&text, FA2_MAX_LLM_RESPONSE_BYTES);
	vars[0].name = "tool";
	vars[0].value = tool ? tool : "";
	vars[1].name = "syntax";
	vars[1].value = syntax ? syntax : "";
	vars[2].name = "query";
	vars[2].value = bad ? bad : "";
	vars[3].name = "error";
	vars[3].value = error && *error ? error : "(no message)";
	e = fa2_prompt_render(ac->prompts->text[FA2_PROMPT_QUERY_REPAIR], vars, 4, &prompt);
	if (!e)
		e = fa2_llm_conv_add(&conv, FA2_LLM_USER, &um);
	if (!e)
		e = fa2_llm_message_add_text(um, fa2_buf_slice(&prompt));
	if (e)
		goto cleanup;
	memset(&req, 0, sizeof req);
	req.conv = &conv;
	req.max_tokens = 512;
	req.has_temperature = ac->has_temperature;
	req.temperature = ac->temperature;
	req.has_top_p = !ac->has_temperature && ac->has_top_p;
	req.top_p = ac->top_p;
	pthread_mutex_lock(&st->repair_mu);
	st->res->model_calls++;
	e = fa2_llm_call(ac->llm, &req, deadline_mono_ms, &resp, &err);
	if (!e) {
		st->res->usage.input_tokens += resp.usage.input_tokens;
		st->res->usage.output_tokens += resp.usage.output_tokens;
		st->res->usage.total_tokens += resp.usage.total_tokens;
	}
	pthread_mutex_unlock(&st->repair_mu);
	if (e) {
		FA2_LOGW("agent", "%s: query repair call failed: %s%s%s", tool ? tool : "tool",
			 err.type[0] ? err.type : fa2_err_str(e), err.message[0] ? ": " : "", err.message);
		goto cleanup;
	}
	e = fa2_llm_message_text(&resp.msg, &text);
	if (e)
		goto cleanup;
	ans = strip_answer(fa2_buf_slice(&text));
	if (ans.len == 0) {
		e = FA2_ERR_LLM;
		goto cleanup;
	}
	e = fa2_buf_append(fixed, ans.ptr, ans.len);
cleanup:
	fa2_buf_cleanup(&prompt);
	fa2_buf_cleanup(&text);
	fa2_llm_response_cleanup(&resp);
	fa2_llm_conv_cleanup(&conv);
	return e;
}

/* ---- tool execution ---- */

typedef struct job {
	state *st;
	const fa2_tool *tool;
	const fa2_llm_block *blk;
	cJSON *input;
	char *key;
	unsigned cycle;
	fa2_buf out;
	fa2_err err;
	int64_t ms;
} job;

typedef struct pool {
	job *jobs;
	size_t n, next;
	pthread_mutex_t mu;
} pool;

static void run_job(job *j)
{
	state *st = j->st;
	const fa2_agent_config *ac = st->ac;
	fa2_tool_env env;
	int64_t t0 = fa2_time_mono_ms();
	fa2_err e;

	memset(&env, 0, sizeof env);
	env.from_ms = st->from_ms;
	env.to_ms = st->to_ms;
	env.lang = ac->lang;
	env.budget_bytes = ac->observation_bytes;
	env.deadline_mono_ms = t0 + (int64_t)(ac->tool_timeout_ms ? ac->tool_timeout_ms : 90000u);
	if (ac->deadline_mono_ms && env.deadline_mono_ms > ac->deadline_mono_ms)
		env.deadline_mono_ms = ac->deadline_mono_ms;
	env.cfg = ac->cfg;
	env.repair = agent_repair;
	env.repair_ctx = st;
	progress(st, FA2_AGENT_EV_TOOL_START, j->tool->name, 0, 0);
	e = j->tool->execute(j->tool->ctx, &env, j->input, &j->out);
	if (e == FA2_ERR_TOO_LARGE && j->out.len > 0)
		e = FA2_OK; /* hit the raw cap: keep what fits, the bound below marks the cut */
	j->err = e;
	if (e && j->out.len == 0)
		(void)fa2_buf_appendf(&j->out, fa2_msg(ac->lang, "agent.agent.tool_failed"),
				      fa2_err_str(e));
	if (fa2_tool_bound(&j->out, ac->observation_bytes, ac->lang,
			   j->tool->narrow_hint[ac->lang]) != FA2_OK)
		fa2_buf_truncate(&j->out, ac->observation_bytes);
	j->ms = fa2_time_mono_ms() - t0;
	if (ac->session) {
		cJSON *rec = cJSON_CreateObject();
		if (rec && cJSON_AddStringToObject(rec, "type", "tool") &&
		    cJSON_AddNumberToObject(rec, "cycle", j->cycle) &&
		    cJSON_AddStringToObject(rec, "id", j->blk->tool_id) &&
		    cJSON_AddStringToObject(rec, "name", j->blk->tool_name) &&
		    cJSON_AddStringToObject(rec, "input", j->blk->input_json ? j->blk->input_json : "{}") &&
		    cJSON_AddStringToObject(rec, "output", j->out.data ? j->out.data : "") &&
		    cJSON_AddBoolToObject(rec, "error", j->err != FA2_OK) &&
		    cJSON_AddNumberToObject(rec, "ms", (double)j->ms)) {
			journal(st, rec);
		} else {
			cJSON_Delete(rec);
			journal(st, NULL);
		}
	}
	progress(st, FA2_AGENT_EV_TOOL_DONE, j->tool->name, j->ms, j->err != FA2_OK);
}

static void *worker(void *arg)
{
	pool *p = arg;
	for (;;) {
		size_t i;
		pthread_mutex_lock(&p->mu);
		i = p->next++;
		pthread_mutex_unlock(&p->mu);
		if (i >= p->n)
			break;
		run_job(&p->jobs[i]);
	}
	return NULL;
}

/* Runs jobs on min(n, parallelism) threads, the calling thread being one of them. */
static void run_pool(job *jobs, size_t n, unsigned parallelism)
{
	pool p;
	pthread_t th[16];
	pthread_attr_t attr;
	size_t want, started = 0, i;
	if (n == 0)
		return;
	p.jobs = jobs;
	p.n = n;
	p.next = 0;
	pthread_mutex_init(&p.mu, NULL);
	want = parallelism < 1 ? 1 : parallelism;
	if (want > n)
		want = n;
	if (want > 16)
		want = 16;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 1024u * 1024u);
	for (i = 0; i + 1 < want; i++) {
		if (pthread_create(&th[started], &attr, worker, &p) != 0) {
			FA2_LOGW("agent", "cannot start a tool thread; running with %zu", started + 1);
			break;
		}
		started++;
	}
	pthread_attr_destroy(&attr);
	worker(&p);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&p.mu);
}

enum { K_RUN, K_JOURNAL, K_REPEAT_OLD, K_REPEAT_JOB, K_UNKNOWN };

static void tool_names(const state *st, fa2_buf *b)
{
	size_t i;
	for (i = 0; i < st->ac->tools->n; i++)
		(void)fa2_buf_appendf(b, "%s%s", i ? ", " : "", st->ac->tools->tools[i].name);
	if (st->ac->tools->n == 0)
		(void)fa2_buf_append_cstr(b, fa2_msg(st->ac->lang, "agent.agent.none"));
}

/* Executes the tool uses of assistant message am (cycle `cycle`) and appends the user
 * message with one toolResult per toolUse, ids matching, in the same order.
 * *all_repeated is set when every call repeated an earlier one. */
static fa2_err run_turn(state *st, size_t am_index, unsigned cycle, int *all_repeated)
{
	const fa2_agent_config *ac = st->ac;
	const fa2_llm_message *am = &st->conv.msgs[am_index];
	size_t nb = am->n_blocks, i, n_jobs = 0, n_uses = 0, n_rep = 0;
	int *kind = NULL;
	size_t *ref = NULL;
	job *jobs = NULL;
	fa2_llm_message *um;
	fa2_buf txt;
	fa2_err e = FA2_ERR_NOMEM;

	*all_repeated = 0;
	fa2_buf_init(&txt, FA2_MAX_LLM_REQUEST_BYTES);
	kind = fa2_calloc(nb ? nb : 1, sizeof *kind);
	ref = fa2_calloc(nb ? nb : 1, sizeof *ref);
	jobs = fa2_calloc(nb ? nb : 1, sizeof *jobs);
	if (!kind || !ref || !jobs)
		goto cleanup;
	for (i = 0; i < nb; i++) {
		const fa2_llm_block *b = &am->blocks[i];
		const call_rec *old;
		char *key;
		size_t k;
		if (b->kind != FA2_LLM_TOOL_USE)
			continue;
		n_uses++;
		if (find_by_id(st, b->tool_id, cycle)) {
			kind[i] = K_JOURNAL; /* completed before a crash: never run again */
			continue;
		}
		if (!fa2_tool_registry_find(ac->tools, b->tool_name)) {
			kind[i] = K_UNKNOWN;
			continue;
		}
		key = call_key(b->tool_name, b->input_json);
		if (!key)
			goto cleanup;
		old = find_by_key(st, key);
		if (old) {
			kind[i] = K_REPEAT_OLD;
			ref[i] = (size_t)(old - st->calls);
			fa2_free(key);
			/* Asking again for a result elided from the conversation is progress. */
			if (old->elided)
				st->calls[ref[i]].elided = 0;
			else
				n_rep++;
			continue;
		}
		for (k = 0; k < n_jobs; k++)
			if (strcmp(jobs[k].key, key) == 0)
				break;
		if (k < n_jobs) {
			kind[i] = K_REPEAT_JOB;
			ref[i] = k;
			fa2_free(key);
			n_rep++;
			continue;
		}
		kind[i] = K_RUN;
		ref[i] = n_jobs;
		jobs[n_jobs].st = st;
		jobs[n_jobs].tool = fa2_tool_registry_find(ac->tools, b->tool_name);
		jobs[n_jobs].blk = b;
		jobs[n_jobs].key = key;
		jobs[n_jobs].cycle = cycle;
		jobs[n_jobs].input = fa2_json_parse(fa2_slice_cstr(b->input_json ? b->input_json : "{}"), NULL);
		fa2_buf_init(&jobs[n_jobs].out, FA2_TOOL_MAX_RAW_BYTES);
		n_jobs++;
		if (!jobs[n_jobs - 1].input && !(jobs[n_jobs - 1].input = cJSON_CreateObject()))
			goto cleanup;
	}
	run_pool(jobs, n_jobs, ac->parallelism);
	st->res->tool_runs += (unsigned)n_jobs;
	for (i = 0; i < n_jobs; i++) {
		e = add_call(st, jobs[i].blk->tool_id, jobs[i].blk->tool_name, jobs[i].key,
			     jobs[i].blk->input_json, jobs[i].out.data ? jobs[i].out.data : "",
			     jobs[i].err != FA2_OK, 0, cycle, jobs[i].ms);
		if (e)
			goto cleanup;
	}
	e = fa2_llm_conv_add(&st->conv, FA2_LLM_USER, &um);
	if (e)
		goto cleanup;
	am = &st->conv.msgs[am_index]; /* the array may have moved */
	for (i = 0; i < nb && !e; i++) {
		const fa2_llm_block *b = &am->blocks[i];
		const call_rec *r;
		const char *out = "";
		int is_error = 0;
		if (b->kind != FA2_LLM_TOOL_USE)
			continue;
		fa2_buf_reset(&txt);
		switch (kind[i]) {
		case K_JOURNAL:
			r = find_by_id(st, b->tool_id, cycle);
			out = r->output ? r->output : "";
			is_error = r->is_error;
			st->res->tool_reused++;
			break;
		case K_UNKNOWN:
			e = fa2_buf_appendf(&txt, fa2_msg(ac->lang, "agent.agent.there_is_no_tool_available"),
					    b->tool_name);
			tool_names(st, &txt);
			out = txt.data ? txt.data : "";
			is_error = 1;
			break;
		case K_REPEAT_OLD:
		case K_REPEAT_JOB:
			if (kind[i] == K_REPEAT_OLD) {
				r = &st->calls[ref[i]];
				out = r->output;
				is_error = r->is_error;
				e = fa2_buf_appendf(&txt,
						fa2_msg(ac->lang, "agent.agent.repeated_call_already_ran_with"),
						    b->tool_name, r->cycle);
			} else {
				const job *jb = &jobs[ref[i]];
				out = jb->out.data ? jb->out.data : "";
				is_error = jb->err != FA2_OK;
				e = fa2_buf_appendf(&txt,
						fa2_msg(ac->lang, "agent.agent.repeated_call_already_ran_with_2"),
						    b->tool_name);
			}
			if (!e)
				e = fa2_buf_append_cstr(&txt, out);
			out = txt.data ? txt.data : "";
			st->res->tool_reused++;
			if (!e) {
				char *key = call_key(b->tool_name, b->input_json);
				e = key ? add_call(st, b->tool_id, b->tool_name, key, b->input_json, NULL,
						   is_error, 1, cycle, 0)
					: FA2_ERR_NOMEM;
				fa2_free(key);
			}
			break;
		default:
			out = jobs[ref[i]].out.data ? jobs[ref[i]].out.data : "";
			is_error = jobs[ref[i]].err != FA2_OK;
			break;
		}
		if (!e)
			e = fa2_llm_message_add_tool_result(um, b->tool_id, b->tool_name,
							    fa2_slice_cstr(out), is_error);
	}
	if (e)
		goto cleanup;
	journal_message(st, cycle, um);
	*all_repeated = n_uses > 0 && n_rep == n_uses;
cleanup:
	for (i = 0; jobs && i < n_jobs; i++) {
		cJSON_Delete(jobs[i].input);
		fa2_free(jobs[i].key);
		fa2_buf_cleanup(&jobs[i].out);
	}
	fa2_free(jobs);
	fa2_free(kind);
	fa2_free(ref);
	fa2_buf_cleanup(&txt);
	return e;
}

/* ---- model calls ---- */

#define DEFAULT_CONTEXT_BYTES (400u * 1024u)

/* Keeps the tool results in the conversation within ac->context_bytes by replacing the
 * oldest ones (never those of the latest message) with a short note. The journal keeps
 * them in full, and asking for the same call again returns the full result. */
static fa2_err trim_context(state *st)
{
	size_t budget = st->ac->context_bytes ? st->ac->context_bytes : DEFAULT_CONTEXT_BYTES;
	size_t total = 0, i, j, k;
	char note[384];
	for (i = 0; i < st->conv.n_msgs; i++)
		for (j = 0; j < st->conv.msgs[i].n_blocks; j++)
			if (st->conv.msgs[i].blocks[j].kind == FA2_LLM_TOOL_RESULT)
				total += strlen(st->conv.msgs[i].blocks[j].text);
	for (i = 0; i + 1 < st->conv.n_msgs && total > budget; i++) {
		for (j = 0; j < st->conv.msgs[i].n_blocks && total > budget; j++) {
			fa2_llm_block *b = &st->conv.msgs[i].blocks[j];
			size_t len = b->kind == FA2_LLM_TOOL_RESULT ? strlen(b->text) : 0;
			char *nt;
			int n;
			if (len <= sizeof note)
				continue;
			n = snprintf(note, sizeof note,
				     fa2_msg(st->ac->lang, "agent.agent.the_earlier_result_of_bytes"),
				     b->tool_name ? b->tool_name : "the tool", len);
			if (n < 0 || (size_t)n >= sizeof note)
				continue;
			nt = fa2_strdup(note);
			if (!nt)
				return FA2_ERR_NOMEM;
			fa2_free(b->text);
			b->text = nt;
			total -= len - (size_t)n;
			for (k = 0; k < st->n_calls; k++)
				if (!st->calls[k].repeated && strcmp(st->calls[k].id, b->tool_id) == 0)
					st->calls[k].elided = 1;
			FA2_LOGD("agent", "elided a %zu-byte result of %s from the conversation", len,
				 b->tool_name ? b->tool_name : "?");
		}
	}
	return FA2_OK;
}

/* One model call with the current conversation. On success the assistant message is
 * appended (and journaled) and FA2_OK returned; otherwise st->stop says why. */
static fa2_err model_turn(state *st, unsigned cycle, int64_t deadline, fa2_llm_response *resp)
{
	const fa2_agent_config *ac = st->ac;
	fa2_llm_request req;
	fa2_llm_error err;
	fa2_err e;

	e = trim_context(st);
	if (e)
		return e;
	memset(&req, 0, sizeof req);
	req.system = st->system;
	req.conv = &st->conv;
	req.tools = st->specs;
	req.n_tools = st->n_specs;
	req.max_tokens = ac->max_tokens;
	req.has_temperature = ac->has_temperature;
	req.temperature = ac->temperature;
	req.has_top_p = !ac->has_temperature && ac->has_top_p;
	req.top_p = ac->top_p;
	st->res->model_calls++;
	memset(&err, 0, sizeof err);
	e = fa2_llm_call(ac->llm, &req, deadline, resp, &err);
	if (e) {
		st->res->model_err = e;
		st->res->model_error = err;
		snprintf(st->res->detail, sizeof st->res->detail, "%.90s%s%.160s",
			 err.type[0] ? err.type : fa2_err_str(e), err.message[0] ? ": " : "", err.message);
		FA2_LOGW("agent", "model call failed: %s", st->res->detail);
		if (e == FA2_ERR_THROTTLED)
			st->stop = FA2_AGENT_STOP_THROTTLED;
		else if (e == FA2_ERR_TIMEOUT && ac->deadline_mono_ms &&
			 fa2_time_mono_ms() >= ac->deadline_mono_ms)
			st->stop = FA2_AGENT_STOP_DEADLINE;
		else
			st->stop = FA2_AGENT_STOP_MODEL_ERROR;
		return e;
	}
	st->res->usage.input_tokens += resp->usage.input_tokens;
	st->res->usage.output_tokens += resp->usage.output_tokens;
	st->res->usage.total_tokens += resp->usage.total_tokens;
	if (resp->msg.n_blocks == 0) /* keep the conversation valid for the next request */
		e = fa2_llm_message_add_text(&resp->msg, FA2_SLICE_LIT("(no answer)"));
	if (!e)
		e = fa2_llm_conv_add_copy(&st->conv, &resp->msg);
	if (!e)
		journal_message(st, cycle, &resp->msg);
	return e;
}

static const char *stop_text(const state *st, char *buf, size_t cap)
{
	switch (st->stop) {
	case FA2_AGENT_STOP_ANSWER:
		return fa2_msg(st->ac->lang, "agent.agent.your_last_reply_was_not");
	case FA2_AGENT_STOP_MAX_CYCLES:
		snprintf(buf, cap, fa2_msg(st->ac->lang, "agent.agent.the_limit_of_rounds_of"),
			 st->ac->max_cycles);
		return buf;
	case FA2_AGENT_STOP_REPEATED:
		return fa2_msg(st->ac->lang, "agent.agent.the_last_round_only_repeated");
	case FA2_AGENT_STOP_THROTTLED:
		return fa2_msg(st->ac->lang, "agent.agent.the_model_service_kept_throttling");
	case FA2_AGENT_STOP_DEADLINE:
		return fa2_msg(st->ac->lang, "agent.agent.the_analysis_time_limit_was");
	case FA2_AGENT_STOP_MODEL_ERROR:
		snprintf(buf, cap, fa2_msg(st->ac->lang, "agent.agent.the_model_call_failed"),
			 st->res->detail);
		return buf;
	default:
		return "";
	}
}

/* Lines "- ..." naming what is known to be missing: tools never called, failed calls. */
static fa2_err missing_lines(const state *st, fa2_buf *b, cJSON *arr)
{
	size_t i, k;
	fa2_buf line;
	fa2_err e = FA2_OK;
	fa2_buf_init(&line, 4096);
	for (i = 0; i < st->ac->tools->n && !e; i++) {
		const char *name = st->ac->tools->tools[i].name;
		for (k = 0; k < st->n_calls; k++)
			if (strcmp(st->calls[k].name, name) == 0)
				break;
		if (k < st->n_calls)
			continue;
		fa2_buf_reset(&line);
		e = fa2_buf_appendf(&line, fa2_msg(st->ac->lang, "agent.agent.was_not_called"), name);
		if (!e && b)
			e = fa2_buf_appendf(b, "- %s\n", line.data);
		if (!e && arr)
			cJSON_AddItemToArray(arr, cJSON_CreateString(line.data));
	}
	for (k = 0; k < st->n_calls && !e; k++) {
		const call_rec *r = &st->calls[k];
		if (!r->is_error || r->repeated)
			continue;
		fa2_buf_reset(&line);
		e = fa2_buf_appendf(&line, fa2_msg(st->ac->lang, "agent.agent.failed"), r->name, r->input);
		if (!e && b)
			e = fa2_buf_appendf(b, "- %s\n", line.data);
		if (!e && arr)
			cJSON_AddItemToArray(arr, cJSON_CreateString(line.data));
	}
	if (!e && b && b->len == 0)
		e = fa2_buf_append_cstr(b, fa2_msg(st->ac->lang, "agent.agent.none_known"));
	fa2_buf_cleanup(&line);
	return e;
}

/* Appends text to the last user message, or adds a user message (roles must alternate). */
static fa2_err add_user_text(state *st, const char *text)
{
	fa2_llm_message *m;
	fa2_err e;
	size_t i, last;
	if (st->conv.n_msgs > 0 && st->conv.msgs[st->conv.n_msgs - 1].role == FA2_LLM_USER)
		return fa2_llm_message_add_text(&st->conv.msgs[st->conv.n_msgs - 1], fa2_slice_cstr(text));
	e = fa2_llm_conv_add(&st->conv, FA2_LLM_USER, &m);
	/* Tool uses the loop will not run still need a result each (the protocol requires
	 * one toolResult per toolUse in the next user message). */
	last = st->conv.n_msgs - 2;
	for (i = 0; !e && st->conv.n_msgs >= 2 && i < st->conv.msgs[last].n_blocks; i++) {
		const fa2_llm_block *b = &st->conv.msgs[last].blocks[i];
		if (b->kind == FA2_LLM_TOOL_USE)
			e = fa2_llm_message_add_tool_result(
				m, b->tool_id, b->tool_name,
				fa2_slice_cstr(fa2_msg(st->ac->lang, "agent.agent.not_run_the_investigation_has")),
				1);
	}
	if (!e)
		e = fa2_llm_message_add_text(m, fa2_slice_cstr(text));
	return e;
}

/* The final-report call. Returns the normalised body or NULL. *raw_answer receives the
 * model's text when it was not a report (caller frees). */
static cJSON *final_call(state *st, char **raw_answer)
{
	const fa2_agent_config *ac = st->ac;
	fa2_prompt_var vars[3];
	fa2_buf prompt, missing, text;
	fa2_llm_response resp;
	char tmp[512];
	cJSON *body = NULL;
	int64_t deadline = ac->deadline_mono_ms;

	fa2_buf_init(&prompt, FA2_MAX_PROMPT_BYTES * 2);
	fa2_buf_init(&missing, 64u * 1024u);
	fa2_buf_init(&text, FA2_MAX_LLM_RESPONSE_BYTES);
	fa2_llm_response_init(&resp);
	if (missing_lines(st, &missing, NULL))
		goto cleanup;
	vars[0].name = "stop_reason";
	vars[0].value = stop_text(st, tmp, sizeof tmp);
	vars[1].name = "missing";
	vars[1].value = missing.data ? missing.data : "";
	vars[2].name = "report_schema";
	vars[2].value = ac->prompts->text[FA2_PROMPT_REPORT_SCHEMA];
	if (fa2_prompt_render(ac->prompts->text[FA2_PROMPT_FINAL_REPORT], vars, 3, &prompt) ||
	    add_user_text(st, prompt.data ? prompt.data : ""))
		goto cleanup;
	/* After the deadline the report call gets a short grace of its own. */
	if (deadline && fa2_time_mono_ms() + 5000 > deadline)
		deadline = fa2_time_mono_ms() + 60000;
	progress(st, FA2_AGENT_EV_FINAL, NULL, 0, 0);
	{
		fa2_agent_stop keep = st->stop;
		char keep_detail[sizeof st->res->detail];
		memcpy(keep_detail, st->res->detail, sizeof keep_detail);
		if (model_turn(st, st->cycles + 1, deadline, &resp) != FA2_OK) {
			/* Keep the original reason; note the final call failed too. */
			char d[sizeof st->res->detail];
			snprintf(d, sizeof d, "%s", st->res->detail);
			st->stop = keep;
			if (keep_detail[0])
				snprintf(st->res->detail, sizeof st->res->detail, "%.120s; report call: %.120s",
					 keep_detail, d);
			goto cleanup;
		}
	}
	/* Redacted before the report cuts its strings (base/log.h). */
	if (fa2_llm_message_text(&resp.msg, &text) || fa2_redact_buf(&text))
		goto cleanup;
	body = fa2_report_parse_model(fa2_buf_slice(&text), NULL);
	if (!body && text.len > 0 && raw_answer && !*raw_answer)
		*raw_answer = fa2_buf_steal(&text, NULL);
cleanup:
	fa2_llm_response_cleanup(&resp);
	fa2_buf_cleanup(&prompt);
	fa2_buf_cleanup(&missing);
	fa2_buf_cleanup(&text);
	return body;
}

/* First line of s, at most max bytes (UTF-8 safe), as a new string. */
static char *first_line(const char *s, size_t max)
{
	size_t n = strcspn(s, "\n");
	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	return fa2_strndup(s, n);
}

/* The report fa2 writes when the model could not. */
static cJSON *fallback_body(state *st, const char *raw_answer)
{
	cJSON *in = cJSON_CreateObject(), *refs, *missing, *body = NULL;
	char tmp[512];
	fa2_buf s;
	size_t i;
	unsigned executed = 0;

	fa2_buf_init(&s, FA2_REPORT_MAX_STRING);
	if (!in)
		goto cleanup;
	for (i = 0; i < st->n_calls; i++)
		executed += !st->calls[i].repeated;
	if (raw_answer && *raw_answer)
		(void)fa2_buf_append_cstr(&s, raw_answer);
	else
		(void)fa2_buf_appendf(&s, fa2_msg(st->ac->lang, "agent.agent.fa2_could_not_obtain_an"),
				      stop_text(st, tmp, sizeof tmp), executed);
	cJSON_AddStringToObject(in, "summary", s.data ? s.data : "");
	refs = cJSON_AddArrayToObject(in, "references");
	missing = cJSON_AddArrayToObject(in, "missing");
	if (!refs || !missing)
		goto cleanup;
	for (i = 0; i < st->n_calls; i++) {
		const call_rec *r = &st->calls[i];
		cJSON *o;
		char *fl;
		if (r->repeated || !r->output)
			continue;
		o = cJSON_CreateObject();
		fl = first_line(r->output, 300);
		if (!o || !fl) {
			cJSON_Delete(o);
			fa2_free(fl);
			goto cleanup;
		}
		cJSON_AddStringToObject(o, "tool", r->name);
		cJSON_AddStringToObject(o, "description", fl);
		cJSON_AddStringToObject(o, "query", r->input);
		cJSON_AddItemToArray(refs, o);
		fa2_free(fl);
	}
	snprintf(tmp, sizeof tmp, fa2_msg(st->ac->lang, "agent.agent.root_cause_analysis_by_the"),
		 fa2_agent_stop_name(st->stop));
	cJSON_AddItemToArray(missing, cJSON_CreateString(tmp));
	(void)missing_lines(st, NULL, missing);
	body = fa2_report_normalize(in);
cleanup:
	cJSON_Delete(in);
	fa2_buf_cleanup(&s);
	return body;
}

/* Adds "TOOL INPUT failed" for every failed call to the model's missing list (fa2 knows
 * these gaps for certain; the model may not mention them). */
static void add_failed_calls(const state *st, cJSON *missing)
{
	size_t k;
	char line[512];
	if (!cJSON_IsArray(missing))
		return;
	for (k = 0; k < st->n_calls; k++) {
		const call_rec *r = &st->calls[k];
		cJSON *it;
		if (!r->is_error || r->repeated)
			continue;
		snprintf(line, sizeof line, fa2_msg(st->ac->lang, "agent.agent.failed"),
			 r->name, r->input);
		cJSON_ArrayForEach(it, missing)
		{
			if (cJSON_IsString(it) && strcmp(it->valuestring, line) == 0)
				break;
		}
		if (!it && cJSON_GetArraySize(missing) < (int)FA2_REPORT_MAX_ITEMS)
			cJSON_AddItemToArray(missing, cJSON_CreateString(line));
	}
}

/* Adds the envelope to body (consumed) and stores the document in res. */
static fa2_err assemble(state *st, cJSON *body, fa2_report_status status)
{
	const fa2_agent_config *ac = st->ac;
	cJSON *doc = cJSON_CreateObject(), *inc, *agent, *calls, *it;
	char from[40], to[40];
	size_t i;
	if (!doc || !body) {
		cJSON_Delete(doc);
		cJSON_Delete(body);
		return FA2_ERR_NOMEM;
	}
	fa2_time_format_rfc3339(st->from_ms, 0, 0, from, sizeof from);
	fa2_time_format_rfc3339(st->to_ms, 0, 0, to, sizeof to);
	cJSON_AddNumberToObject(doc, "schemaVersion", FA2_REPORT_SCHEMA_VERSION);
	cJSON_AddStringToObject(doc, "status", fa2_report_status_name(status));
	cJSON_AddStringToObject(doc, "language", fa2_lang_code(ac->lang));
	inc = cJSON_AddObjectToObject(doc, "incident");
	if (inc) {
		cJSON_AddStringToObject(inc, "event", st->event ? st->event : "");
		cJSON_AddStringToObject(inc, "from", from);
		cJSON_AddStringToObject(inc, "to", to);
		cJSON_AddNumberToObject(inc, "fromMs", (double)st->from_ms);
		cJSON_AddNumberToObject(inc, "toMs", (double)st->to_ms);
	}
	/* The body's fields, in schema order, after the envelope's head. */
	while (body->child) {
		it = cJSON_DetachItemViaPointer(body, body->child);
		if (!cJSON_AddItemToObject(doc, it->string, it)) {
			cJSON_Delete(it);
			cJSON_Delete(body);
			cJSON_Delete(doc);
			return FA2_ERR_NOMEM;
		}
	}
	cJSON_Delete(body);
	agent = cJSON_AddObjectToObject(doc, "agent");
	if (agent) {
		cJSON_AddStringToObject(agent, "stopReason", fa2_agent_stop_name(st->stop));
		cJSON_AddStringToObject(agent, "stopDetail", st->res->detail);
		cJSON_AddNumberToObject(agent, "cycles", st->cycles);
		cJSON_AddNumberToObject(agent, "maxCycles", ac->max_cycles);
		cJSON_AddNumberToObject(agent, "modelCalls", st->res->model_calls);
		cJSON_AddStringToObject(agent, "provider", fa2_llm_kind_name(ac->llm->kind));
		cJSON_AddStringToObject(agent, "model", ac->llm->model ? ac->llm->model : "");
		cJSON_AddNumberToObject(agent, "inputTokens", (double)st->res->usage.input_tokens);
		cJSON_AddNumberToObject(agent, "outputTokens", (double)st->res->usage.output_tokens);
		if (ac->session)
			cJSON_AddStringToObject(agent, "sessionId", ac->session->id);
		else
			cJSON_AddNullToObject(agent, "sessionId");
		calls = cJSON_AddArrayToObject(agent, "toolCalls");
		for (i = 0; calls && i < st->n_calls; i++) {
			const call_rec *r = &st->calls[i];
			cJSON *o = cJSON_CreateObject(), *in;
			if (!o)
				break;
			cJSON_AddItemToArray(calls, o);
			cJSON_AddNumberToObject(o, "cycle", r->cycle);
			cJSON_AddStringToObject(o, "tool", r->name);
			in = fa2_json_parse(fa2_slice_cstr(r->input), NULL);
			if (in)
				cJSON_AddItemToObjectCS(o, "input", in);
			else
				cJSON_AddStringToObject(o, "input", r->input);
			cJSON_AddBoolToObject(o, "ok", !r->is_error);
			cJSON_AddBoolToObject(o, "repeated", r->repeated);
			cJSON_AddNumberToObject(o, "ms", (double)r->ms);
			cJSON_AddNumberToObject(o, "bytes", r->output ? (double)strlen(r->output) : 0);
		}
	}
	st->res->report = doc;
	st->res->status = status;
	return FA2_OK;
}

/* ---- the loop ---- */

static int last_is_pending_turn(const state *st)
{
	const fa2_llm_message *m;
	if (st->conv.n_msgs == 0)
		return 0;
	m = &st->conv.msgs[st->conv.n_msgs - 1];
	return m->role == FA2_LLM_ASSISTANT && fa2_llm_message_count_tool_uses(m) > 0;
}

static fa2_err drive(state *st)
{
	const fa2_agent_config *ac = st->ac;
	fa2_llm_response resp;
	cJSON *body = NULL;
	char *raw = NULL;
	fa2_buf text;
	fa2_report_status status = FA2_REPORT_COMPLETE;
	fa2_err e = FA2_OK;
	int rep = 0;

	fa2_llm_response_init(&resp);
	fa2_buf_init(&text, FA2_MAX_LLM_RESPONSE_BYTES);
	/* A turn whose tools had not all finished when the process died. */
	if (st->stop == FA2_AGENT_STOP_NONE && last_is_pending_turn(st)) {
		e = run_turn(st, st->conv.n_msgs - 1, st->cycles + 1, &rep);
		if (e)
			goto cleanup;
		st->cycles++;
		update_summary(st, "running");
		if (rep)
			st->stop = FA2_AGENT_STOP_REPEATED;
	}
	while (st->stop == FA2_AGENT_STOP_NONE) {
		if (st->res->storage_failed) {
			e = FA2_ERR_IO; /* nothing more is worth doing that cannot be kept */
			goto cleanup;
		}
		if (st->conv.n_msgs > 0 && st->conv.msgs[st->conv.n_msgs - 1].role == FA2_LLM_ASSISTANT) {
			st->stop = FA2_AGENT_STOP_ANSWER; /* resumed after the answer was journaled */
			break;
		}
		if (st->cycles >= ac->max_cycles) {
			st->stop = FA2_AGENT_STOP_MAX_CYCLES;
			break;
		}
		if (ac->deadline_mono_ms && fa2_time_mono_ms() >= ac->deadline_mono_ms) {
			st->stop = FA2_AGENT_STOP_DEADLINE;
			break;
		}
		progress(st, FA2_AGENT_EV_MODEL, NULL, 0, 0);
		fa2_llm_response_cleanup(&resp);
		e = model_turn(st, st->cycles + 1, ac->deadline_mono_ms, &resp);
		if (e) {
			if (st->stop != FA2_AGENT_STOP_NONE)
				e = FA2_OK; /* a model failure ends the loop, not the analysis */
			break;
		}
		if (fa2_llm_message_count_tool_uses(&resp.msg) == 0) {
			st->stop = FA2_AGENT_STOP_ANSWER;
			break;
		}
		e = run_turn(st, st->conv.n_msgs - 1, st->cycles + 1, &rep);
		if (e)
			goto cleanup;
		st->cycles++;
		update_summary(st, "running");
		if (rep)
			st->stop = FA2_AGENT_STOP_REPEATED;
	}
	if (e)
		goto cleanup;
	{
		cJSON *rec = cJSON_CreateObject();
		if (rec) {
			cJSON_AddStringToObject(rec, "type", "stop");
			cJSON_AddStringToObject(rec, "reason", fa2_agent_stop_name(st->stop));
			cJSON_AddStringToObject(rec, "detail", st->res->detail);
		}
		journal(st, rec);
	}
	st->res->stop = st->stop;
	if (st->stop == FA2_AGENT_STOP_ANSWER) {
		e = fa2_llm_message_text(&st->conv.msgs[st->conv.n_msgs - 1], &text);
		if (!e) /* redacted before the report cuts its strings (base/log.h) */
			e = fa2_redact_buf(&text);
		if (e)
			goto cleanup;
		body = fa2_report_parse_model(fa2_buf_slice(&text), NULL);
		if (!body && text.len)
			raw = fa2_buf_steal(&text, NULL);
	}
	if (!body && st->stop != FA2_AGENT_STOP_MODEL_ERROR) {
		body = final_call(st, &raw);
		status = st->stop == FA2_AGENT_STOP_ANSWER ? FA2_REPORT_COMPLETE : FA2_REPORT_INCOMPLETE;
	}
	if (!body) {
		body = fallback_body(st, raw);
		status = FA2_REPORT_PARTIAL;
	}
	if (!body) {
		e = FA2_ERR_NOMEM;
		goto cleanup;
	}
	if (st->stop != FA2_AGENT_STOP_ANSWER && !st->res->detail[0]) {
		char tmp[256];
		snprintf(st->res->detail, sizeof st->res->detail, "%s", stop_text(st, tmp, sizeof tmp));
	}
	if (status != FA2_REPORT_PARTIAL)
		add_failed_calls(st, cJSON_GetObjectItemCaseSensitive(body, "missing"));
	e = assemble(st, body, status);
	body = NULL;
	if (e)
		goto cleanup;
	{
		cJSON *rec = cJSON_CreateObject();
		if (rec) {
			cJSON_AddStringToObject(rec, "type", "final");
			cJSON_AddStringToObject(rec, "status", fa2_report_status_name(status));
			cJSON_AddItemToObjectCS(rec, "report", cJSON_Duplicate(st->res->report, 1));
		}
		journal(st, rec);
	}
	if (ac->session) {
		fa2_buf out;
		const char *bad = NULL;
		fa2_buf_init(&out, FA2_MAX_REPORT_BYTES);
		if (fa2_report_render_json(st->res->report, &out) ||
		    fa2_session_write_file(ac->session, "report.json", out.data, out.len))
			bad = "report.json";
		fa2_buf_reset(&out);
		if (!bad && (fa2_report_render_md(st->res->report, ac->lang, 0, &out) ||
			     fa2_session_write_file(ac->session, "report.md", out.data, out.len)))
			bad = "report.md";
		fa2_buf_cleanup(&out);
		if (bad && !st->res->storage_failed) {
			st->res->storage_failed = 1;
			snprintf(st->res->storage_what, sizeof st->res->storage_what, "%s", bad);
			FA2_LOGE("agent", "session %s: cannot write %s", ac->session->id, bad);
		}
	}
	if (st->res->storage_failed) {
		e = FA2_ERR_IO;
		goto cleanup;
	}
	update_summary(st, status == FA2_REPORT_PARTIAL ? "partial"
			   : status == FA2_REPORT_INCOMPLETE ? "incomplete"
							     : "done");
cleanup:
	st->res->cycles = st->cycles;
	cJSON_Delete(body);
	fa2_free(raw);
	fa2_buf_cleanup(&text);
	fa2_llm_response_cleanup(&resp);
	return e;
}

static fa2_err state_init(state *st, const fa2_agent_config *ac, fa2_agent_result *res)
{
	fa2_prompt_var vars[4];
	fa2_buf sys, names;
	char cyc[16];
	size_t i;
	fa2_err e;

	memset(st, 0, sizeof *st);
	memset(res, 0, sizeof *res);
	st->ac = ac;
	st->res = res;
	fa2_llm_conv_init(&st->conv);
	pthread_mutex_init(&st->progress_mu, NULL);
	pthread_mutex_init(&st->repair_mu, NULL);
	if (!ac->llm || !ac->tools || !ac->prompts || ac->max_cycles < 1 ||
	    ac->observation_bytes < 2048)
		return FA2_ERR_INVALID;
	for (i = 0; i < ac->tools->n; i++) {
		st->specs[i].name = ac->tools->tools[i].name;
		st->specs[i].description = ac->tools->tools[i].description[ac->lang]
						   ? ac->tools->tools[i].description[ac->lang]
						   : ac->tools->tools[i].description[FA2_LANG_EN];
		st->specs[i].schema_json = ac->tools->tools[i].input_schema_json;
	}
	st->n_specs = ac->tools->n;
	fa2_buf_init(&sys, FA2_MAX_PROMPT_BYTES * 4);
	fa2_buf_init(&names, 4096);
	tool_names(st, &names);
	snprintf(cyc, sizeof cyc, "%u", ac->max_cycles);
	vars[0].name = "max_cycles";
	vars[0].value = cyc;
	vars[1].name = "architecture";
	vars[1].value = ac->architecture && *ac->architecture
				? ac->architecture
				: fa2_msg(ac->lang, "agent.agent.not_described");
	vars[2].name = "tools";
	vars[2].value = names.data ? names.data : "";
	vars[3].name = "report_schema";
	vars[3].value = ac->prompts->text[FA2_PROMPT_REPORT_SCHEMA];
	e = fa2_prompt_render(ac->prompts->text[FA2_PROMPT_SYSTEM], vars, 4, &sys);
	if (!e) {
		st->system = fa2_buf_steal(&sys, NULL);
		if (!st->system)
			e = FA2_ERR_NOMEM;
	}
	fa2_buf_cleanup(&sys);
	fa2_buf_cleanup(&names);
	return e;
}

static void state_cleanup(state *st)
{
	size_t i;
	for (i = 0; i < st->n_calls; i++)
		call_rec_free(&st->calls[i]);
	fa2_free(st->calls);
	fa2_llm_conv_cleanup(&st->conv);
	fa2_free(st->system);
	fa2_free(st->event);
	pthread_mutex_destroy(&st->progress_mu);
	pthread_mutex_destroy(&st->repair_mu);
}

static void window_text(fa2_lang lang, int64_t ms, char *out, size_t cap)
{
	int64_t min = ms / 60000;
	if (min >= 120 && min % 60 == 0)
		snprintf(out, cap, fa2_msg(lang, "agent.agent.window_hours"), (long long)(min / 60));
	else
		snprintf(out, cap, fa2_msg(lang, "agent.agent.window_minutes"), (long long)min);
}

/* The metrics_tool input for metric m: {"namespace", "metricName", "dimensions"}.
 * Caller frees the text (fa2_free). */
static char *alarm_metric_input(const fa2_alarm_metric *m)
{
	cJSON *o = cJSON_CreateObject(), *dims;
	char *txt = NULL;
	size_t i;
	if (!o || !cJSON_AddStringToObject(o, "namespace", m->ns ? m->ns : "") ||
	    !cJSON_AddStringToObject(o, "metricName", m->name ? m->name : ""))
		goto cleanup;
	if (m->n_dims) {
		if (!(dims = cJSON_AddArrayToObject(o, "dimensions")))
			goto cleanup;
		for (i = 0; i < m->n_dims; i++) {
			cJSON *d = cJSON_CreateObject();
			if (!d || !cJSON_AddItemToArray(dims, d) ||
			    !cJSON_AddStringToObject(d, "name", m->dims[i].name) ||
			    !cJSON_AddStringToObject(d, "value", m->dims[i].value))
				goto cleanup;
		}
	}
	txt = cJSON_PrintUnformatted(o);
cleanup:
	cJSON_Delete(o);
	return txt;
}

/* Runs metrics_tool on the alarm's metric(s) as journaled calls of cycle 0 (a result
 * already in the journal is reused, never run again) and appends the alarm prompt with
 * the alarm and the observations to msg. */
static fa2_err alarm_intro(state *st, const fa2_alarm *al, fa2_buf *msg)
{
	const fa2_agent_config *ac = st->ac;
	const fa2_alarm_metric *ms[FA2_AGENT_ALARM_METRICS];
	const fa2_tool *tool = fa2_tool_registry_find(ac->tools, "metrics_tool");
	fa2_prompt_var vars[2];
	fa2_buf desc, obs;
	size_t n = 0, i;
	fa2_err e;

	if (al->metric.name) {
		ms[n++] = &al->metric;
	} else {
		for (i = 0; i < al->n_queries && n < FA2_AGENT_ALARM_METRICS; i++)
			if (al->queries[i].has_metric && al->queries[i].metric.name)
				ms[n++] = &al->queries[i].metric;
	}
	fa2_buf_init(&desc, 64u * 1024u);
	fa2_buf_init(&obs, FA2_MAX_LLM_REQUEST_BYTES);
	e = fa2_alarm_describe_text(al, &desc);
	for (i = 0; i < n && !e; i++) {
		char id[48], name[] = "metrics_tool";
		char *input = alarm_metric_input(ms[i]);
		const call_rec *r;
		snprintf(id, sizeof id, "fa2-alarm-metric-%zu", i + 1);
		if (!input) {
			e = FA2_ERR_NOMEM;
			break;
		}
		if (n > 1)
			e = fa2_buf_appendf(&obs, "%s[%s]\n", i ? "\n" : "", input);
		if (!e && (r = find_by_id(st, id, 0)) != NULL) {
			e = fa2_buf_append_cstr(&obs, r->output ? r->output : "");
			st->res->tool_reused++;
		} else if (!e && !tool) {
			e = fa2_buf_append_cstr(&obs, fa2_msg(ac->lang, "agent.agent.metrics_tool_is_not_available"));
		} else if (!e) {
			job j;
			fa2_llm_block blk;
			char *key = call_key(name, input);
			memset(&j, 0, sizeof j);
			memset(&blk, 0, sizeof blk);
			blk.kind = FA2_LLM_TOOL_USE;
			blk.tool_id = id;
			blk.tool_name = name;
			blk.input_json = input;
			j.st = st;
			j.tool = tool;
			j.blk = &blk;
			j.cycle = 0;
			j.input = fa2_json_parse(fa2_slice_cstr(input), NULL);
			fa2_buf_init(&j.out, FA2_TOOL_MAX_RAW_BYTES);
			if (!key || !j.input) {
				e = FA2_ERR_NOMEM;
			} else {
				run_job(&j);
				st->res->tool_runs++;
				e = add_call(st, id, name, key, input, j.out.data ? j.out.data : "",
					     j.err != FA2_OK, 0, 0, j.ms);
				if (!e)
					e = fa2_buf_append_cstr(&obs, j.out.data ? j.out.data : "");
			}
			cJSON_Delete(j.input);
			fa2_buf_cleanup(&j.out);
			fa2_free(key);
		}
		fa2_free(input);
	}
	if (!e && n == 0)
		e = fa2_buf_append_cstr(&obs, fa2_msg(ac->lang, "agent.agent.the_alarm_names_no_metric"));
	if (!e) {
		vars[0].name = "alarm";
		vars[0].value = desc.data ? desc.data : "";
		vars[1].name = "observation";
		vars[1].value = obs.data ? obs.data : "";
		e = fa2_prompt_render(ac->prompts->text[FA2_PROMPT_ALARM], vars, 2, msg);
	}
	fa2_buf_cleanup(&desc);
	fa2_buf_cleanup(&obs);
	return e;
}

/* Runs triage over the window as journaled call "fa2-triage-digest" of cycle 0 (a
 * journaled result is reused, never run again) and appends its digest to msg. A failure
 * is a note in the message and a failed call in the report, never the analysis's end. */
static fa2_err digest_intro(state *st, fa2_buf *msg)
{
	static const char id[] = "fa2-triage-digest", name[] = "triage_digest";
	const fa2_agent_config *ac = st->ac;
	const call_rec *r = find_by_id(st, id, 0);
	char input[96], why[512], *key;
	int64_t t0;
	fa2_buf obs;
	fa2_err e, de;

	if (r) {
		st->res->tool_reused++;
		e = fa2_buf_append_cstr(msg, r->output ? r->output : "");
		return e ? e : fa2_buf_append_cstr(msg, "\n");
	}
	snprintf(input, sizeof input, "{\"fromMs\":%lld,\"toMs\":%lld}", (long long)st->from_ms,
		 (long long)st->to_ms);
	fa2_buf_init(&obs, ac->observation_bytes + 1024u);
	progress(st, FA2_AGENT_EV_TOOL_START, name, 0, 0);
	t0 = fa2_time_mono_ms();
	de = fa2_digest_build(ac->digest, st->from_ms, st->to_ms, ac->lang, ac->observation_bytes, &obs, why,
			      sizeof why);
	if (de == FA2_ERR_NOMEM) {
		fa2_buf_cleanup(&obs);
		return de;
	}
	if (de) {
		FA2_LOGW("agent", "triage digest unavailable: %s", why);
		fa2_buf_truncate(&obs, 0);
		e = fa2_buf_appendf(&obs, fa2_msg(ac->lang, "agent.agent.the_triage_digest_could_not"),
				    why);
	} else {
		e = FA2_OK;
	}
	st->res->tool_runs++;
	key = call_key(name, input);
	if (!e && !key)
		e = FA2_ERR_NOMEM;
	if (!e)
		e = add_call(st, id, name, key, input, obs.data ? obs.data : "", de != FA2_OK, 0, 0,
			     fa2_time_mono_ms() - t0);
	if (!e && ac->session) {
		cJSON *rec = cJSON_CreateObject();
		if (rec && cJSON_AddStringToObject(rec, "type", "tool") && cJSON_AddNumberToObject(rec, "cycle", 0) &&
		    cJSON_AddStringToObject(rec, "id", id) && cJSON_AddStringToObject(rec, "name", name) &&
		    cJSON_AddStringToObject(rec, "input", input) &&
		    cJSON_AddStringToObject(rec, "output", obs.data ? obs.data : "") &&
		    cJSON_AddBoolToObject(rec, "error", de != FA2_OK) &&
		    cJSON_AddNumberToObject(rec, "ms", (double)(fa2_time_mono_ms() - t0))) {
			journal(st, rec);
		} else {
			cJSON_Delete(rec);
			journal(st, NULL);
		}
	}
	progress(st, FA2_AGENT_EV_TOOL_DONE, name, fa2_time_mono_ms() - t0, de != FA2_OK);
	if (!e)
		e = fa2_buf_append(msg, obs.data ? obs.data : "", obs.len);
	if (!e)
		e = fa2_buf_append_cstr(msg, "\n");
	fa2_free(key);
	fa2_buf_cleanup(&obs);
	return e;
}

/* Renders the incident (with the alarm and its metric, when there is one), appends it
 * as the first user message and journals it. */
static fa2_err first_message(state *st, const fa2_alarm *al)
{
	const fa2_agent_config *ac = st->ac;
	fa2_prompt_var vars[4];
	fa2_buf msg;
	fa2_llm_message *um;
	char from[40], to[40], win[48];
	fa2_err e;

	fa2_buf_init(&msg, FA2_MAX_LLM_REQUEST_BYTES);
	fa2_time_format_rfc3339(st->from_ms, 0, 0, from, sizeof from);
	fa2_time_format_rfc3339(st->to_ms, 0, 0, to, sizeof to);
	window_text(ac->lang, st->to_ms - st->from_ms, win, sizeof win);
	vars[0].name = "event";
	vars[0].value = st->event;
	vars[1].name = "from";
	vars[1].value = from;
	vars[2].name = "to";
	vars[2].value = to;
	vars[3].name = "window";
	vars[3].value = win;
	e = fa2_prompt_render(ac->prompts->text[FA2_PROMPT_INCIDENT], vars, 4, &msg);
	if (!e && ac->digest)
		e = fa2_buf_append_cstr(&msg, "\n");
	if (!e && ac->digest)
		e = digest_intro(st, &msg);
	if (!e && al)
		e = alarm_intro(st, al, &msg);
	if (!e)
		e = fa2_llm_conv_add(&st->conv, FA2_LLM_USER, &um);
	if (!e)
		e = fa2_llm_message_add_text(um, fa2_buf_slice(&msg));
	if (!e)
		journal_message(st, 0, um);
	fa2_buf_cleanup(&msg);
	return e;
}

fa2_err fa2_agent_run(const fa2_agent_config *ac, const fa2_agent_incident *inc,
		      fa2_agent_result *res)
{
	state st;
	cJSON *rec;
	fa2_err e;

	e = state_init(&st, ac, res);
	if (e)
		goto cleanup;
	if (!inc || !inc->event || inc->to_ms <= inc->from_ms ||
	    (inc->alarm && !inc->alarm->doc)) {
		e = FA2_ERR_INVALID;
		goto cleanup;
	}
	st.from_ms = inc->from_ms;
	st.to_ms = inc->to_ms;
	st.event = fa2_strdup(inc->event);
	if (!st.event) {
		e = FA2_ERR_NOMEM;
		goto cleanup;
	}
	rec = cJSON_CreateObject();
	if (rec) {
		cJSON_AddStringToObject(rec, "type", "start");
		cJSON_AddNumberToObject(rec, "v", 1);
		cJSON_AddStringToObject(rec, "event", inc->event);
		cJSON_AddNumberToObject(rec, "fromMs", (double)inc->from_ms);
		cJSON_AddNumberToObject(rec, "toMs", (double)inc->to_ms);
		cJSON_AddStringToObject(rec, "language", fa2_lang_code(ac->lang));
		cJSON_AddNumberToObject(rec, "maxCycles", ac->max_cycles);
		cJSON_AddStringToObject(rec, "provider", fa2_llm_kind_name(ac->llm->kind));
		cJSON_AddStringToObject(rec, "model", ac->llm->model ? ac->llm->model : "");
		if (inc->alarm && !cJSON_AddItemToObjectCS(rec, "alarm", cJSON_Duplicate(inc->alarm->doc, 1))) {
			cJSON_Delete(rec);
			rec = NULL;
		}
	}
	journal(&st, rec);
	e = first_message(&st, inc->alarm);
	if (e)
		goto cleanup;
	update_summary(&st, "running");
	e = drive(&st);
cleanup:
	state_cleanup(&st);
	return e;
}

fa2_err fa2_agent_journal_incident(const cJSON *records, fa2_agent_incident *inc, fa2_lang *lang)
{
	const cJSON *r = cJSON_GetArrayItem(records, 0);
	double from, to;
	const char *t = r ? fa2_json_str(r, "type") : NULL;
	if (!t || strcmp(t, "start") != 0 || !fa2_json_str(r, "event") ||
	    !fa2_json_num(r, "fromMs", &from) || !fa2_json_num(r, "toMs", &to))
		return FA2_ERR_PARSE;
	inc->event = fa2_json_str(r, "event");
	inc->alarm = NULL;
	inc->from_ms = (int64_t)from;
	inc->to_ms = (int64_t)to;
	if (lang && fa2_lang_parse(fa2_json_str(r, "language"), lang))
		*lang = FA2_LANG_EN;
	return FA2_OK;
}

fa2_err fa2_agent_resume(const fa2_agent_config *ac, fa2_agent_result *res)
{
	state st;
	cJSON *recs = NULL;
	const cJSON *r;
	fa2_agent_incident inc;
	fa2_err e;

	e = state_init(&st, ac, res);
	if (e)
		goto cleanup;
	if (!ac->session) {
		e = FA2_ERR_INVALID;
		goto cleanup;
	}
	e = fa2_session_read_journal(ac->session->dir, &recs, NULL);
	if (e)
		goto cleanup;
	e = fa2_agent_journal_incident(recs, &inc, NULL);
	if (e)
		goto cleanup;
	st.event = fa2_strdup(inc.event);
	st.from_ms = inc.from_ms;
	st.to_ms = inc.to_ms;
	if (!st.event) {
		e = FA2_ERR_NOMEM;
		goto cleanup;
	}
	cJSON_ArrayForEach(r, recs)
	{
		const char *type = fa2_json_str(r, "type");
		double d = 0;
		if (strcmp(type, "final") == 0) {
			const cJSON *rep = cJSON_GetObjectItemCaseSensitive(r, "report");
			const char *s = fa2_json_str(r, "status");
			/* A partial report (the model was unavailable) is retried on resume; the
			 * tool results gathered so far are kept. */
			if (!s || strcmp(s, "partial") == 0)
				continue;
			res->report = cJSON_Duplicate(rep, 1);
			if (!res->report) {
				e = FA2_ERR_NOMEM;
				goto cleanup;
			}
			res->status = s && strcmp(s, "complete") == 0 ? FA2_REPORT_COMPLETE
				      : s && strcmp(s, "incomplete") == 0 ? FA2_REPORT_INCOMPLETE
									   : FA2_REPORT_PARTIAL;
			rep = cJSON_GetObjectItemCaseSensitive(rep, "agent");
			res->stop = stop_from_name(fa2_json_str(rep, "stopReason"));
			if (fa2_json_num(rep, "cycles", &d))
				res->cycles = (unsigned)d;
			goto cleanup; /* finished already: nothing to do */
		} else if (strcmp(type, "message") == 0) {
			fa2_llm_message m;
			e = message_from_json(cJSON_GetObjectItemCaseSensitive(r, "message"), &m);
			if (!e) {
				e = fa2_llm_conv_add_copy(&st.conv, &m);
				fa2_llm_message_cleanup(&m);
			}
			if (e)
				goto cleanup;
			if (m.role == FA2_LLM_USER && st.conv.n_msgs >= 2 &&
			    fa2_llm_message_count_tool_uses(&st.conv.msgs[st.conv.n_msgs - 2]) > 0)
				st.cycles++;
		} else if (strcmp(type, "tool") == 0) {
			const char *name = fa2_json_str(r, "name"), *input = fa2_json_str(r, "input");
			char *key;
			if (!name || !fa2_json_str(r, "id"))
				continue;
			key = call_key(name, input);
			fa2_json_num(r, "cycle", &d);
			e = key ? add_call(&st, fa2_json_str(r, "id"), name, key, input,
					   fa2_json_str(r, "output") ? fa2_json_str(r, "output") : "",
					   cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "error")), 0,
					   (unsigned)d, 0)
				: FA2_ERR_NOMEM;
			if (e == FA2_OK && fa2_json_num(r, "ms", &d))
				st.calls[st.n_calls - 1].ms = (int64_t)d;
			fa2_free(key);
			if (e)
				goto cleanup;
		} else if (strcmp(type, "stop") == 0) {
			st.stop = stop_from_name(fa2_json_str(r, "reason"));
			if (fa2_json_str(r, "detail"))
				snprintf(res->detail, sizeof res->detail, "%s", fa2_json_str(r, "detail"));
		}
	}
	if (st.conv.n_msgs == 0) {
		/* The process died before the first message was journaled (while the alarm's
		 * metric was being read): build it again, reusing the journaled results. */
		const cJSON *ad = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(recs, 0), "alarm");
		fa2_alarm al;
		memset(&al, 0, sizeof al);
		if (ad && fa2_alarm_from_json(ad, &al) != FA2_OK) {
			e = FA2_ERR_PARSE;
			goto cleanup;
		}
		e = first_message(&st, ad ? &al : NULL);
		fa2_alarm_cleanup(&al);
		if (e)
			goto cleanup;
	}
	FA2_LOGI("agent", "resuming session %s at cycle %u with %zu tool results from the journal",
		 ac->session->id, st.cycles, st.n_calls);
	/* A throttled or failed stop is retried: the service may be back. */
	if (st.stop == FA2_AGENT_STOP_THROTTLED || st.stop == FA2_AGENT_STOP_MODEL_ERROR ||
	    st.stop == FA2_AGENT_STOP_DEADLINE) {
		st.stop = FA2_AGENT_STOP_NONE;
		res->detail[0] = '\0';
	}
	update_summary(&st, "running");
	e = drive(&st);
cleanup:
	cJSON_Delete(recs);
	state_cleanup(&st);
	return e;
}

void fa2_agent_result_cleanup(fa2_agent_result *res)
{
	cJSON_Delete(res->report);
	memset(res, 0, sizeof *res);
}
