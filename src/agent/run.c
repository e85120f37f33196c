/* The analysis API: see run.h. */
#include "agent/run.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/digest.h"
#include "agent/model.h"
#include "agent/prompts.h"
#include "agent/report.h"
#include "agent/tools/snap.h"
#include "agent/tools/source.h"
#include "aws/client.h"
#include "aws/shared.h"
#include "base/msg.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/time.h"

/* ---- names ---- */

const char *fa2_run_trigger_name(fa2_run_trigger t)
{
	switch (t) {
	case FA2_RUN_TRIGGER_CLI: return "cli";
	case FA2_RUN_TRIGGER_SLACK: return "slack";
	case FA2_RUN_TRIGGER_SNS: return "sns";
	}
	return "unknown";
}

const char *fa2_run_status_name(fa2_run_status s)
{
	switch (s) {
	case FA2_RUN_COMPLETE: return "complete";
	case FA2_RUN_INCOMPLETE: return "incomplete";
	case FA2_RUN_PARTIAL: return "partial";
	case FA2_RUN_FAILED: return "failed";
	}
	return "unknown";
}

static const char *const class_names[FA2_RUN_ERR__COUNT] = {
	"none", "model_access_denied", "model_not_found", "throttled", "credentials",
	"log_group_missing", "network", "storage", "config", "internal"
};

const char *fa2_run_errclass_name(fa2_run_errclass c)
{
	return (unsigned)c < FA2_RUN_ERR__COUNT ? class_names[c] : "internal";
}

/* ---- classification ---- */

static int eq_ci(const char *a, const char *b)
{
	while (*a && *b && tolower((unsigned char)*a) == tolower((unsigned char)*b))
		a++, b++;
	return *a == '\0' && *b == '\0';
}

static int has_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle), i;
	for (; *hay; hay++) {
		for (i = 0; i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]); i++)
			;
		if (i == n)
			return 1;
	}
	return 0;
}

static int code_in(const char *code, const char *const *list)
{
	for (; *list; list++)
		if (eq_ci(code, *list))
			return 1;
	return 0;
}

fa2_run_errclass fa2_run_classify(fa2_err e, int http_status, const char *code, const char *message)
{
	static const char *const throttled[] = { "ThrottlingException", "TooManyRequestsException",
		"ServiceQuotaExceededException", "ServiceUnavailableException", "ModelNotReadyException",
		"rate_limit_exceeded", "rate_limit_error", "overloaded_error", NULL };
	static const char *const creds[] = { "UnrecognizedClientException", "InvalidSignatureException",
		"ExpiredTokenException", "ExpiredToken", "InvalidClientTokenId", "IncompleteSignature",
		"MissingAuthenticationTokenException", "MissingAuthenticationToken", "SignatureDoesNotMatch",
		"AuthFailure", "invalid_api_key", "authentication_error", "invalid_request_error_auth", NULL };
	static const char *const denied[] = { "AccessDeniedException", "AccessDenied",
		"permission_denied", "permission_error", NULL };
	static const char *const missing[] = { "ResourceNotFoundException", "model_not_found",
		"NotFoundException", "not_found_error", NULL };
	static const char *const model_words[] = { "model identifier", "model id", "modelid",
		"on-demand throughput", "inference profile", "not supported in this region",
		"model is not", "end of its life", NULL };
	size_t i;

	if (!code)
		code = "";
	if (!message)
		message = "";
	if (code_in(code, throttled) || e == FA2_ERR_THROTTLED || http_status == 429)
		return FA2_RUN_ERR_THROTTLED;
	if (code_in(code, creds) || http_status == 401)
		return FA2_RUN_ERR_CREDENTIALS;
	if (code_in(code, denied) || http_status == 403)
		return has_ci(message, "security token") || has_ci(message, "expired")
			   ? FA2_RUN_ERR_CREDENTIALS : FA2_RUN_ERR_MODEL_ACCESS;
	if (code_in(code, missing) || http_status == 404)
		return has_ci(message, "log group") ? FA2_RUN_ERR_LOG_GROUP : FA2_RUN_ERR_MODEL_NOT_FOUND;
	if (eq_ci(code, "ValidationException") || http_status == 400) {
		for (i = 0; model_words[i]; i++)
			if (has_ci(message, model_words[i]))
				return FA2_RUN_ERR_MODEL_NOT_FOUND;
		return FA2_RUN_ERR_INTERNAL;
	}
	if (http_status == 503)
		return FA2_RUN_ERR_THROTTLED;
	switch (e) {
	case FA2_ERR_AUTH: return FA2_RUN_ERR_CREDENTIALS;
	case FA2_ERR_NET: case FA2_ERR_DNS: case FA2_ERR_TLS: case FA2_ERR_TIMEOUT:
	case FA2_ERR_CLOSED: case FA2_ERR_HTTP:
		return http_status ? FA2_RUN_ERR_INTERNAL : FA2_RUN_ERR_NETWORK;
	case FA2_ERR_IO: return FA2_RUN_ERR_STORAGE;
	case FA2_ERR_CONFIG: case FA2_ERR_UNSUPPORTED: return FA2_RUN_ERR_CONFIG;
	default: return FA2_RUN_ERR_INTERNAL;
	}
}

/* ---- failure text ---- */

/* The class texts: title, fix and the fix for OpenAI-compatible providers (NULL: the same). */
static void class_texts(fa2_run_errclass c, fa2_lang lang, const char **title, const char **fix,
                        const char **fix_oa)
{
	*fix_oa = NULL;
	switch (c) {
	case FA2_RUN_ERR_MODEL_ACCESS:
		*title = fa2_msg(lang, "agent.run.model_access.title");
		*fix = fa2_msg(lang, "agent.run.model_access.fix");
		*fix_oa = fa2_msg(lang, "agent.run.model_access.fix_openai");
		return;
	case FA2_RUN_ERR_MODEL_NOT_FOUND:
		*title = fa2_msg(lang, "agent.run.model_not_found.title");
		*fix = fa2_msg(lang, "agent.run.model_not_found.fix");
		*fix_oa = fa2_msg(lang, "agent.run.model_not_found.fix_openai");
		return;
	case FA2_RUN_ERR_THROTTLED:
		*title = fa2_msg(lang, "agent.run.throttled.title");
		*fix = fa2_msg(lang, "agent.run.throttled.fix");
		*fix_oa = fa2_msg(lang, "agent.run.throttled.fix_openai");
		return;
	case FA2_RUN_ERR_CREDENTIALS:
		*title = fa2_msg(lang, "agent.run.credentials.title");
		*fix = fa2_msg(lang, "agent.run.credentials.fix");
		*fix_oa = fa2_msg(lang, "agent.run.credentials.fix_openai");
		return;
	case FA2_RUN_ERR_LOG_GROUP:
		*title = fa2_msg(lang, "agent.run.log_group.title");
		*fix = fa2_msg(lang, "agent.run.log_group.fix");
		return;
	case FA2_RUN_ERR_NETWORK:
		*title = fa2_msg(lang, "agent.run.network.title");
		*fix = fa2_msg(lang, "agent.run.network.fix");
		return;
	case FA2_RUN_ERR_STORAGE:
		*title = fa2_msg(lang, "agent.run.storage.title");
		*fix = fa2_msg(lang, "agent.run.storage.fix");
		return;
	case FA2_RUN_ERR_CONFIG:
		*title = fa2_msg(lang, "agent.run.config.title");
		*fix = fa2_msg(lang, "agent.run.config.fix");
		return;
	default:
		*title = fa2_msg(lang, "agent.run.internal.title");
		*fix = fa2_msg(lang, "agent.run.internal.fix");
		return;
	}
}

static int model_class(fa2_run_errclass c)
{
	return c == FA2_RUN_ERR_MODEL_ACCESS || c == FA2_RUN_ERR_MODEL_NOT_FOUND || c == FA2_RUN_ERR_THROTTLED ||
	       c == FA2_RUN_ERR_CREDENTIALS || c == FA2_RUN_ERR_NETWORK;
}

fa2_err fa2_run_failure_render(const fa2_run_failure *f, fa2_lang lang, fa2_buf *out)
{
	int oa = strcmp(f->provider, "openai") == 0;
	const char *title, *fix, *fix_oa;
	fa2_err e;

	if (f->cls == FA2_RUN_ERR_NONE)
		return FA2_OK;
	class_texts(f->cls, lang, &title, &fix, &fix_oa);
	e = fa2_buf_appendf(out, "%s\n", title);
	if (!e && f->model[0] && model_class(f->cls)) {
		e = fa2_buf_appendf(out, fa2_msg(lang, "agent.run.model"), f->model,
				    f->provider[0] ? f->provider : "?");
		if (!e && f->region[0])
			e = fa2_buf_appendf(out, fa2_msg(lang, "agent.run.region"), f->region);
		if (!e)
			e = fa2_buf_append_byte(out, '\n');
	} else if (!e && f->region[0] && f->cls != FA2_RUN_ERR_STORAGE && f->cls != FA2_RUN_ERR_CONFIG) {
		e = fa2_buf_appendf(out, fa2_msg(lang, "agent.run.region_2"), f->region);
	}
	if (!e && (f->code[0] || f->http_status || f->message[0])) {
		e = fa2_buf_append_cstr(out, fa2_msg(lang, "agent.run.error"));
		if (!e && f->code[0])
			e = fa2_buf_append_cstr(out, f->code);
		if (!e && f->http_status)
			e = fa2_buf_appendf(out, f->code[0] ? fa2_msg(lang, "agent.run.http_after_code")
			                                    : fa2_msg(lang, "agent.run.http"), f->http_status);
		if (!e && f->message[0])
			e = fa2_buf_appendf(out, "%s%s", f->code[0] || f->http_status ? ": " : "", f->message);
		if (!e)
			e = fa2_buf_append_byte(out, '\n');
	}
	if (!e && f->subject[0])
		e = fa2_buf_appendf(out, fa2_msg(lang, "agent.run.concerns"), f->subject);
	if (oa && fix_oa)
		fix = fix_oa;
	if (!e)
		e = fa2_buf_appendf(out, fa2_msg(lang, "agent.run.what_to_do"), fix);
	return e;
}

/* ---- outcome ---- */

void fa2_run_outcome_init(fa2_run_outcome *o)
{
	memset(o, 0, sizeof *o);
	fa2_buf_init(&o->markdown, FA2_MAX_REPORT_BYTES);
	o->status = FA2_RUN_FAILED;
}

void fa2_run_outcome_cleanup(fa2_run_outcome *o)
{
	cJSON_Delete(o->report);
	o->report = NULL;
	fa2_buf_cleanup(&o->markdown);
}

/* Copies src into dst (cap bytes) with registered secrets redacted. */
static void copy_redacted(char *dst, size_t cap, const char *src)
{
	(void)fa2_log_redact(src ? src : "", src ? strlen(src) : 0, dst, cap);
}

static void fail(fa2_run_outcome *o, fa2_run_errclass cls, fa2_err e, const char *msg)
{
	o->status = FA2_RUN_FAILED;
	o->failure.cls = cls;
	o->failure.err = e;
	copy_redacted(o->failure.message, sizeof o->failure.message, msg);
}

/* Replaces every string in j that holds a registered secret by its redacted copy. */
static fa2_err redact_json(cJSON *j)
{
	cJSON *c;
	if (!j)
		return FA2_OK;
	if (cJSON_IsString(j) && j->valuestring && fa2_redact_has(fa2_slice_cstr(j->valuestring))) {
		fa2_buf b;
		fa2_err e;
		fa2_buf_init(&b, FA2_REDACT_CAP(strlen(j->valuestring)));
		e = fa2_redact(fa2_slice_cstr(j->valuestring), &b);
		if (!e && !cJSON_SetValuestring(j, b.data ? b.data : ""))
			e = FA2_ERR_NOMEM;
		fa2_buf_cleanup(&b);
		return e;
	}
	for (c = j->child; c; c = c->next) {
		fa2_err e = redact_json(c);
		if (e)
			return e;
	}
	return FA2_OK;
}

/* ---- totals ---- */

static pthread_mutex_t g_totals_lock = PTHREAD_MUTEX_INITIALIZER;
static fa2_run_totals g_totals;
const double fa2_run_duration_bounds[FA2_RUN_DURATION_BUCKETS] = { 10, 30, 60, 120, 300, 600, 900, 1800 };

static void totals_add(const fa2_run_outcome *o)
{
	double s = (double)o->duration_ms / 1000.0;
	size_t i;
	pthread_mutex_lock(&g_totals_lock);
	g_totals.analyses[(unsigned)o->status < 4 ? (unsigned)o->status : 3u]++;
	g_totals.tool_runs += o->tool_runs;
	g_totals.tool_reused += o->tool_reused;
	g_totals.model_calls += o->model_calls;
	g_totals.input_tokens += o->input_tokens;
	g_totals.output_tokens += o->output_tokens;
	for (i = 0; i < FA2_RUN_DURATION_BUCKETS; i++)
		if (s <= fa2_run_duration_bounds[i])
			g_totals.duration_le[i]++;
	g_totals.duration_count++;
	g_totals.duration_sum_s += s;
	pthread_mutex_unlock(&g_totals_lock);
}

void fa2_run_totals_get(fa2_run_totals *out)
{
	pthread_mutex_lock(&g_totals_lock);
	*out = g_totals;
	pthread_mutex_unlock(&g_totals_lock);
}

fa2_err fa2_run_totals_prometheus(fa2_buf *out)
{
	static const char *const outcome[4] = { "complete", "incomplete", "partial", "failed" };
	fa2_run_totals t;
	fa2_err e;
	size_t i;
	fa2_run_totals_get(&t);
	e = fa2_buf_append_cstr(out, "# TYPE fa2_agent_analyses_total counter\n");
	for (i = 0; !e && i < 4; i++)
		e = fa2_buf_appendf(out, "fa2_agent_analyses_total{outcome=\"%s\"} %llu\n", outcome[i],
				    (unsigned long long)t.analyses[i]);
	if (!e)
		e = fa2_buf_appendf(out,
			"# TYPE fa2_agent_tool_calls_total counter\n"
			"fa2_agent_tool_calls_total{source=\"run\"} %llu\n"
			"fa2_agent_tool_calls_total{source=\"reused\"} %llu\n"
			"# TYPE fa2_agent_model_calls_total counter\nfa2_agent_model_calls_total %llu\n"
			"# TYPE fa2_llm_tokens_total counter\n"
			"fa2_llm_tokens_total{direction=\"input\"} %llu\n"
			"fa2_llm_tokens_total{direction=\"output\"} %llu\n"
			"# TYPE fa2_analysis_duration_seconds histogram\n",
			(unsigned long long)t.tool_runs, (unsigned long long)t.tool_reused,
			(unsigned long long)t.model_calls, (unsigned long long)t.input_tokens,
			(unsigned long long)t.output_tokens);
	for (i = 0; !e && i < FA2_RUN_DURATION_BUCKETS; i++)
		e = fa2_buf_appendf(out, "fa2_analysis_duration_seconds_bucket{le=\"%g\"} %llu\n",
				    fa2_run_duration_bounds[i], (unsigned long long)t.duration_le[i]);
	if (!e)
		e = fa2_buf_appendf(out, "fa2_analysis_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
				    "fa2_analysis_duration_seconds_sum %.3f\n"
				    "fa2_analysis_duration_seconds_count %llu\n",
				    (unsigned long long)t.duration_count, t.duration_sum_s,
				    (unsigned long long)t.duration_count);
	return e;
}

/* ---- the run ---- */

/* The agent's knobs from the configuration. */
static void agent_config(fa2_agent_config *ac, const fa2_config *cfg, fa2_lang lang)
{
	memset(ac, 0, sizeof *ac);
	ac->cfg = cfg;
	ac->lang = lang;
	ac->architecture = cfg->architecture_description;
	ac->max_cycles = cfg->max_agent_cycles;
	ac->parallelism = cfg->tool_parallelism;
	ac->observation_bytes = cfg->observation_bytes;
	ac->context_bytes = cfg->context_bytes;
	ac->max_tokens = cfg->llm_max_tokens;
	ac->has_temperature = cfg->has_temperature;
	ac->temperature = cfg->temperature;
	ac->has_top_p = cfg->has_top_p;
	ac->top_p = cfg->top_p;
	ac->tool_timeout_ms = cfg->tool_timeout_s * 1000u;
	ac->deadline_mono_ms = fa2_time_mono_ms() + (int64_t)cfg->analysis_timeout_s * 1000;
}

/* The model facts every failure carries. */
static void failure_facts(fa2_run_failure *f, const fa2_config *cfg, const char *region)
{
	snprintf(f->model, sizeof f->model, "%s", fa2_config_model(cfg) ? fa2_config_model(cfg) : "");
	snprintf(f->provider, sizeof f->provider, "%s", fa2_llm_kind_name(cfg->llm_provider));
	snprintf(f->region, sizeof f->region, "%s", region && *region ? region : cfg->region ? cfg->region : "");
}

fa2_run_status fa2_run_analysis(const fa2_run_request *req, fa2_run_outcome *out)
{
	const fa2_config *cfg = req->cfg;
	fa2_prompts prompts;
	fa2_model model;
	fa2_tool_registry tools;
	fa2_source *src = NULL;
	fa2_session session;
	fa2_agent_config ac;
	fa2_digest_source digest;
	fa2_agent_result res;
	fa2_aws_client *aws = NULL;
	char msg[768], region[64] = "", why[512] = "";
	int have_prompts = 0, have_session = 0, ran = 0;
	int64_t t0 = fa2_time_mono_ms();
	const fa2_tz *tz;
	fa2_err e;

	memset(&res, 0, sizeof res);
	memset(&session, 0, sizeof session);
	memset(&model, 0, sizeof model);
	session.lock_fd = -1;
	fa2_tool_registry_init(&tools);
	fa2_aws_shared_hold(); /* released at cleanup: other analyses may share the client */
	out->lang = req->has_lang ? req->lang : cfg->lang;
	out->from_ms = req->from_ms;
	out->to_ms = req->to_ms;
	msg[0] = '\0';

	if (!req->source_dir || cfg->llm_provider == FA2_LLM_BEDROCK) {
		/* The region the AWS calls (and Bedrock) use, for the failure's facts. */
		if (fa2_aws_shared_get(cfg->region, &aws, why, sizeof why) != FA2_OK)
			aws = NULL;
		else
			snprintf(region, sizeof region, "%s", aws->region);
	}
	failure_facts(&out->failure, cfg, region);

	/* Resume: the session's language and window win (its conversation is in them). */
	if (req->resume_id) {
		cJSON *recs = NULL;
		fa2_agent_incident inc;
		e = fa2_session_open(&session, cfg->state_dir, req->resume_id, msg, sizeof msg);
		if (e) {
			fail(out, e == FA2_ERR_IO ? FA2_RUN_ERR_STORAGE : e == FA2_ERR_LOCKED ? FA2_RUN_ERR_INTERNAL
			     : FA2_RUN_ERR_CONFIG, e, msg);
			out->usage = e != FA2_ERR_LOCKED && e != FA2_ERR_IO;
			goto cleanup;
		}
		have_session = 1;
		snprintf(out->session_id, sizeof out->session_id, "%s", session.id);
		if (fa2_session_read_journal(session.dir, &recs, NULL) ||
		    fa2_agent_journal_incident(recs, &inc, &out->lang)) {
			snprintf(msg, sizeof msg, "session %s has no readable start record", req->resume_id);
			fail(out, FA2_RUN_ERR_INTERNAL, FA2_ERR_PARSE, msg);
			cJSON_Delete(recs);
			goto cleanup;
		}
		cJSON_Delete(recs);
		out->from_ms = inc.from_ms;
		out->to_ms = inc.to_ms;
	}
	e = fa2_prompts_load(&prompts, out->lang, req->prompts_dir ? req->prompts_dir : cfg->prompts_dir, msg,
			     sizeof msg);
	if (e) {
		fail(out, FA2_RUN_ERR_CONFIG, e, msg);
		out->usage = 1;
		goto cleanup;
	}
	have_prompts = 1;
	if (req->source_dir) {
		int64_t snap_from, snap_to;
		e = fa2_source_open_snapshot(req->source_dir, cfg, &src, msg, sizeof msg);
		if (e) {
			fail(out, e == FA2_ERR_NOMEM ? FA2_RUN_ERR_INTERNAL : FA2_RUN_ERR_CONFIG, e, msg);
			snprintf(out->failure.subject, sizeof out->failure.subject, "%s", req->source_dir);
			goto cleanup;
		}
		fa2_source_window(src, &snap_from, &snap_to);
		if (fa2_snap_window_check(snap_from, snap_to, out->from_ms, out->to_ms, msg, sizeof msg)) {
			fail(out, FA2_RUN_ERR_CONFIG, FA2_ERR_INVALID, msg);
			out->usage = 1;
			goto cleanup;
		}
		FA2_LOGI("agent", "offline: the tools read the snapshot %s", req->source_dir);
	} else {
		/* The tools get the client in their source, not from a global of their own. */
		e = fa2_source_open_live(cfg, aws, why, &src, msg, sizeof msg);
		if (e) {
			fail(out, e == FA2_ERR_NOMEM ? FA2_RUN_ERR_INTERNAL : FA2_RUN_ERR_CONFIG, e,
			     e == FA2_ERR_NOMEM ? fa2_err_str(e) : msg);
			out->usage = e != FA2_ERR_NOMEM;
			goto cleanup;
		}
	}
	if (req->alarm) {
		/* The alarm's resources come first in the tools' observations. */
		const char *v[FA2_SRC_MAX_FOCUS];
		size_t i, q, n = 0;
		for (i = 0; i < req->alarm->metric.n_dims && n < FA2_SRC_MAX_FOCUS; i++)
			v[n++] = req->alarm->metric.dims[i].value;
		for (q = 0; q < req->alarm->n_queries; q++)
			for (i = 0; i < req->alarm->queries[q].metric.n_dims && n < FA2_SRC_MAX_FOCUS; i++)
				v[n++] = req->alarm->queries[q].metric.dims[i].value;
		e = n ? fa2_source_set_focus(src, v, n) : FA2_OK;
	}
	if (!e)
		e = fa2_tools_build(&tools, src);
	if (e) {
		snprintf(msg, sizeof msg, "cannot set up the tools: %s", fa2_err_str(e));
		fail(out, FA2_RUN_ERR_INTERNAL, e, msg);
		goto cleanup;
	}
	/* The model is the last check: everything before it is validated either way. */
	e = fa2_model_open(&model, cfg, msg, sizeof msg);
	if (e) {
		fail(out, e == FA2_ERR_NOMEM ? FA2_RUN_ERR_INTERNAL
		     : e == FA2_ERR_CONFIG || e == FA2_ERR_UNSUPPORTED ? FA2_RUN_ERR_CONFIG
		     : fa2_run_classify(e, 0, NULL, msg), e, msg);
		out->usage = e == FA2_ERR_CONFIG || e == FA2_ERR_UNSUPPORTED;
		goto cleanup;
	}

	if (!have_session) {
		unsigned removed = 0;
		(void)fa2_session_remove_expired(cfg->state_dir,
						 (int64_t)cfg->session_retention_days * FA2_TIME_MS_PER_DAY,
						 fa2_time_now_ms(), &removed);
		if (removed)
			FA2_LOGI("sessions", "removed %u expired sessions", removed);
		e = fa2_session_create(&session, cfg->state_dir, msg, sizeof msg);
		if (e) {
			fail(out, FA2_RUN_ERR_STORAGE, e, msg);
			snprintf(out->failure.subject, sizeof out->failure.subject, "%s", cfg->state_dir);
			goto cleanup;
		}
		have_session = 1;
		snprintf(out->session_id, sizeof out->session_id, "%s", session.id);
		if (req->session_meta && fa2_session_update_summary(&session, req->session_meta) != FA2_OK) {
			/* Without its context the session could not be resumed or answered: stop. */
			snprintf(msg, sizeof msg, "cannot write the summary of session %s", session.id);
			fail(out, FA2_RUN_ERR_STORAGE, FA2_ERR_IO, msg);
			snprintf(out->failure.subject, sizeof out->failure.subject, "%.480s/summary.json", session.dir);
			goto cleanup;
		}
	}
	FA2_LOGI("agent", "session %s (%s), trigger %s", session.id, session.dir, fa2_run_trigger_name(req->trigger));

	agent_config(&ac, cfg, out->lang);
	ac.llm = &model.llm;
	ac.tools = &tools;
	ac.prompts = &prompts;
	ac.session = &session;
	ac.progress = req->progress;
	ac.progress_ctx = req->progress_ctx;
	/* The first observation: triage over the tools' own data source. */
	memset(&digest, 0, sizeof digest);
	digest.snapshot_dir = req->source_dir;
	digest.aws = req->source_dir ? NULL : aws;
	digest.cfg = cfg;
	digest.alarm = req->alarm ? req->alarm->name : NULL;
	/* An overview, not the investigation: at most 30 s of Logs Insights waits. */
	digest.budget_ms = ac.tool_timeout_ms && ac.tool_timeout_ms < 30000u ? (int64_t)ac.tool_timeout_ms : 30000;
	ac.digest = &digest;
	if (req->resume_id) {
		e = fa2_agent_resume(&ac, &res);
	} else {
		fa2_agent_incident inc;
		inc.event = req->event;
		inc.from_ms = req->from_ms;
		inc.to_ms = req->to_ms;
		inc.alarm = req->alarm;
		e = fa2_agent_run(&ac, &inc, &res);
	}
	ran = 1;
	out->cycles = res.cycles;
	out->model_calls = res.model_calls;
	out->tool_runs = res.tool_runs;
	out->tool_reused = res.tool_reused;
	out->input_tokens = res.usage.input_tokens;
	out->output_tokens = res.usage.output_tokens;
	copy_redacted(out->detail, sizeof out->detail, res.detail);
	if (res.storage_failed || e == FA2_ERR_IO) {
		/* The failed file is the fact; the class's text says the rest in the language. */
		fail(out, FA2_RUN_ERR_STORAGE, FA2_ERR_IO, "");
		snprintf(out->failure.subject, sizeof out->failure.subject, "%.400s/%.64s", session.dir,
			 res.storage_what[0] ? res.storage_what : "journal.jsonl");
		goto cleanup;
	}
	if (e || !res.report) {
		snprintf(msg, sizeof msg, "the analysis failed: %s (session %s can be resumed)",
			 fa2_err_str(e ? e : FA2_ERR_INTERNAL), session.id);
		fail(out, FA2_RUN_ERR_INTERNAL, e ? e : FA2_ERR_INTERNAL, msg);
		goto cleanup;
	}
	out->status = res.status == FA2_REPORT_COMPLETE ? FA2_RUN_COMPLETE
		      : res.status == FA2_REPORT_INCOMPLETE ? FA2_RUN_INCOMPLETE : FA2_RUN_PARTIAL;
	if (out->status == FA2_RUN_PARTIAL && res.model_err) {
		fa2_run_failure *f = &out->failure;
		f->cls = fa2_run_classify(res.model_err, res.model_error.status, res.model_error.type,
					  res.model_error.message);
		f->err = res.model_err;
		f->http_status = res.model_error.status;
		copy_redacted(f->code, sizeof f->code, res.model_error.type);
		copy_redacted(f->message, sizeof f->message,
			      res.model_error.message[0] ? res.model_error.message : fa2_err_str(res.model_err));
	} else if (out->status == FA2_RUN_PARTIAL) {
		out->failure.cls = FA2_RUN_ERR_INTERNAL;
		out->failure.err = FA2_ERR_LLM;
		copy_redacted(out->failure.message, sizeof out->failure.message, out->detail);
	}
	out->report = res.report;
	res.report = NULL;
	/* --tz, else the config's IANA zone, else the fixed offset. */
	tz = req->tz ? req->tz : !cfg->tz.fixed ? &cfg->tz : NULL;
	e = redact_json(out->report);
	if (!e)
		e = tz ? fa2_report_render_md_tz(out->report, out->lang, tz, &out->markdown)
		       : fa2_report_render_md(out->report, out->lang, req->tz_offset_min, &out->markdown);
	if (!e)
		e = fa2_redact_buf(&out->markdown);
	if (e) {
		snprintf(msg, sizeof msg, "cannot render the report: %s", fa2_err_str(e));
		fail(out, FA2_RUN_ERR_INTERNAL, e, msg);
		fa2_buf_reset(&out->markdown);
	}
cleanup:
	if (out->status == FA2_RUN_FAILED && have_session) {
		char reason[700];
		snprintf(reason, sizeof reason, "%s: %.300s%s%.300s", fa2_run_errclass_name(out->failure.cls),
			 out->failure.message, out->failure.message[0] && out->failure.subject[0] ? " " : "",
			 out->failure.subject);
		if (fa2_session_mark_failed(&session, reason) != FA2_OK)
			FA2_LOGE("agent", "session %s: cannot mark it failed", session.id);
	}
	out->duration_ms = fa2_time_mono_ms() - t0;
	/* One line per analysis: "agent: analysis STATUS in session ID: ..." */
	if (out->status == FA2_RUN_FAILED || out->failure.cls != FA2_RUN_ERR_NONE)
		FA2_LOGW("agent", "analysis %s in session %s: %s: %s %s", fa2_run_status_name(out->status),
			 out->session_id[0] ? out->session_id : "-", fa2_run_errclass_name(out->failure.cls),
			 out->failure.message, out->failure.subject);
	else
		FA2_LOGI("agent", "analysis %s in session %s: %u cycles, %u model calls, %u tool runs, %lld ms",
			 fa2_run_status_name(out->status), out->session_id, out->cycles, out->model_calls,
			 out->tool_runs, (long long)out->duration_ms);
	if (ran)
		totals_add(out);
	fa2_agent_result_cleanup(&res);
	if (have_session)
		fa2_session_close(&session);
	/* The tools and the Bedrock transport share one AWS client; none of this analysis's
	 * workers runs now (other analyses keep it alive with their own hold). */
	fa2_model_close(&model);
	fa2_aws_shared_release();
	if (have_prompts)
		fa2_prompts_cleanup(&prompts);
	fa2_source_close(src);
	return out->status;
}
