/* Shared analysis driver for analyze / sessions resume. */
#include "cmd/agent_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/prompts.h"
#include "agent/report.h"
#include "agent/session.h"
#include "agent/tools/snap.h"
#include "agent/tools/source.h"
#include "aws/shared.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/time.h"
#include "cmd/cmd.h"
#include "doc/md_pdf.h"
#include "llm/transport.h"

int fa2_cmd_load_config(const char *cmd, const char *path, fa2_config *cfg)
{
	char msg[768];
	fa2_err e;
	if (fa2_config_init(cfg)) {
		fprintf(stderr, "fa2 %s: out of memory\n", cmd);
		return -1;
	}
	if (!path || !*path) {
		path = getenv("FA2_CONFIG");
		if (!path || !*path)
			return 0; /* defaults only */
	}
	e = fa2_config_load_file(cfg, path, msg, sizeof msg);
	if (e) {
		fprintf(stderr, "fa2 %s: %s\n", cmd, msg);
		return -1;
	}
	return 0;
}

int fa2_cmd_write_output(const char *cmd, const char *path, const char *data, size_t len)
{
	if (!path || strcmp(path, "-") == 0) {
		if (fa2_write_all(1, data, len)) {
			fprintf(stderr, "fa2 %s: cannot write the report to stdout\n", cmd);
			return -1;
		}
		return 0;
	}
	if (fa2_file_write_atomic(path, data, len, 0644)) {
		fprintf(stderr, "fa2 %s: cannot write %s\n", cmd, path);
		return -1;
	}
	return 0;
}

int fa2_cmd_write_pdf(const char *cmd, const char *path, const char *md, size_t len, const char *lang)
{
	fa2_pdf_info info;
	fa2_buf pdf;
	fa2_err e;
	int rc;
	memset(&info, 0, sizeof info);
	info.lang = lang;
	fa2_buf_init(&pdf, FA2_MAX_PDF_BYTES);
	e = fa2_doc_md_to_pdf(fa2_slice_make(md, len), &info, &pdf);
	if (e) {
		fprintf(stderr, "fa2 %s: cannot write the PDF: %s\n", cmd, fa2_err_str(e));
		rc = -1;
	} else {
		rc = fa2_cmd_write_output(cmd, path, pdf.data, pdf.len);
	}
	fa2_buf_cleanup(&pdf);
	return rc;
}

static void progress_line(void *ctx, const fa2_agent_progress *p)
{
	(void)ctx;
	switch (p->event) {
	case FA2_AGENT_EV_MODEL:
		fprintf(stderr, "cycle %u/%u: asking the model\n", p->cycle, p->max_cycles);
		break;
	case FA2_AGENT_EV_TOOL_START:
		fprintf(stderr, "cycle %u/%u: %s running\n", p->cycle, p->max_cycles, p->tool);
		break;
	case FA2_AGENT_EV_TOOL_DONE:
		fprintf(stderr, "cycle %u/%u: %s %s in %.1f s\n", p->cycle, p->max_cycles, p->tool,
			p->is_error ? "failed" : "done", (double)p->elapsed_ms / 1000.0);
		break;
	case FA2_AGENT_EV_FINAL:
		fprintf(stderr, "writing the report\n");
		break;
	}
}

static pthread_mutex_t g_totals_lock = PTHREAD_MUTEX_INITIALIZER;
static fa2_run_totals g_totals;
const double fa2_run_duration_bounds[FA2_RUN_DURATION_BUCKETS] = { 10, 30, 60, 120, 300, 600, 900, 1800 };

/* outcome: 0..2 a fa2_report_status, 3 no report */
static void totals_add(unsigned outcome, const fa2_agent_result *res, int64_t ms)
{
	double s = (double)ms / 1000.0;
	size_t i;
	pthread_mutex_lock(&g_totals_lock);
	g_totals.analyses[outcome < 4 ? outcome : 3]++;
	g_totals.tool_runs += res->tool_runs;
	g_totals.tool_reused += res->tool_reused;
	g_totals.model_calls += res->model_calls;
	g_totals.input_tokens += res->usage.input_tokens;
	g_totals.output_tokens += res->usage.output_tokens;
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

int fa2_cmd_run_agent(const fa2_run_opts *o)
{
	fa2_config *cfg = o->cfg;
	fa2_prompts prompts;
	fa2_llm_provider llm;
	fa2_tool_registry tools;
	fa2_source *src = NULL;
	fa2_session session;
	fa2_agent_config ac;
	fa2_agent_result res;
	fa2_llm_transport_fn fn = NULL;
	void *tctx = NULL;
	fa2_lang lang = cfg->lang;
	fa2_buf out;
	char msg[768];
	const char *api_key = NULL;
	int rc = FA2_EXIT_USAGE, have_prompts = 0, have_llm = 0, have_session = 0;
	int64_t win_from = o->from_ms, win_to = o->to_ms, t0 = fa2_time_mono_ms();
	int ran = 0;  /* the agent ran: counted in the process totals */
	const fa2_tz *tz;
	fa2_err e;

	memset(&res, 0, sizeof res);
	memset(&session, 0, sizeof session);
	fa2_buf_init(&out, FA2_MAX_REPORT_BYTES);
	fa2_tool_registry_init(&tools);
	fa2_aws_shared_hold(); /* released at cleanup: other analyses may share the client */

	/* Resume: the session's language wins (its conversation is in it). */
	if (o->resume_id) {
		e = fa2_session_open(&session, cfg->state_dir, o->resume_id, msg, sizeof msg);
		if (e) {
			fprintf(stderr, "fa2 %s: %s\n", o->cmd, msg);
			rc = e == FA2_ERR_LOCKED || e == FA2_ERR_IO ? FA2_EXIT_FAILURE : FA2_EXIT_USAGE;
			goto cleanup;
		}
		have_session = 1;
		{
			cJSON *recs = NULL;
			fa2_agent_incident inc;
			if (fa2_session_read_journal(session.dir, &recs, NULL) ||
			    fa2_agent_journal_incident(recs, &inc, &lang)) {
				fprintf(stderr, "fa2 %s: session %s has no readable start record\n", o->cmd,
					o->resume_id);
				cJSON_Delete(recs);
				rc = FA2_EXIT_FAILURE;
				goto cleanup;
			}
			cJSON_Delete(recs);
			win_from = inc.from_ms;
			win_to = inc.to_ms;
		}
	}
	e = fa2_prompts_load(&prompts, lang, o->prompts_dir ? o->prompts_dir : cfg->prompts_dir, msg,
			     sizeof msg);
	if (e) {
		fprintf(stderr, "fa2 %s: %s\n", o->cmd, msg);
		goto cleanup;
	}
	have_prompts = 1;
	if (cfg->llm_provider == FA2_LLM_OPENAI && cfg->llm_api_key_env) {
		api_key = getenv(cfg->llm_api_key_env);
		if (!api_key || !*api_key) {
			fprintf(stderr, "fa2 %s: llm.apiKeyEnv names %s, which is not set in the environment\n",
				o->cmd, cfg->llm_api_key_env);
			goto cleanup;
		}
	}
	e = fa2_llm_provider_init(&llm, cfg->llm_provider, fa2_config_model(cfg), cfg->llm_endpoint, api_key);
	if (e) {
		fprintf(stderr, "fa2 %s: cannot set up the %s provider: %s\n", o->cmd,
			fa2_llm_kind_name(cfg->llm_provider), fa2_err_str(e));
		goto cleanup;
	}
	have_llm = 1;
	llm.max_retries = cfg->llm_max_retries;
	llm.backoff_base_ms = cfg->llm_backoff_ms;
	llm.timeout_ms = cfg->llm_timeout_s * 1000u;
	if (o->source_dir) {
		int64_t snap_from, snap_to;
		e = fa2_source_open_snapshot(o->source_dir, cfg, &src, msg, sizeof msg);
		if (e) {
			fprintf(stderr, "fa2 %s: %s\n", o->cmd, msg);
			rc = FA2_EXIT_FAILURE;
			goto cleanup;
		}
		fa2_source_window(src, &snap_from, &snap_to);
		if (fa2_snap_window_check(snap_from, snap_to, win_from, win_to, msg, sizeof msg)) {
			fprintf(stderr, "fa2 %s: %s\n", o->cmd, msg);
			goto cleanup;
		}
		FA2_LOGI("agent", "offline: the tools read the snapshot %s", o->source_dir);
	} else {
		/* The tools get the client in their source, not from a global of their own. */
		fa2_aws_client *aws = NULL;
		char why[512];
		if (fa2_aws_shared_get(cfg->region, &aws, why, sizeof why) != FA2_OK)
			aws = NULL;
		e = fa2_source_open_live(cfg, aws, why, &src, msg, sizeof msg);
		if (e) {
			fprintf(stderr, "fa2 %s: %s\n", o->cmd, e == FA2_ERR_NOMEM ? fa2_err_str(e) : msg);
			goto cleanup;
		}
	}
	e = fa2_tools_build(&tools, src);
	if (e) {
		fprintf(stderr, "fa2 %s: cannot set up the tools: %s\n", o->cmd, fa2_err_str(e));
		goto cleanup;
	}
	/* The transport is the last check: everything before it is validated either way. */
	e = fa2_llm_transport_open(cfg->llm_provider, cfg->region, &fn, &tctx, msg, sizeof msg);
	if (e) {
		fprintf(stderr, "fa2 %s: %s\n", o->cmd, msg);
		rc = e == FA2_ERR_UNSUPPORTED ? FA2_EXIT_USAGE : FA2_EXIT_FAILURE;
		goto cleanup;
	}
	llm.transport = fn;
	llm.transport_ctx = tctx;

	if (!have_session) {
		unsigned removed = 0;
		(void)fa2_session_remove_expired(cfg->state_dir,
						 (int64_t)cfg->session_retention_days * FA2_TIME_MS_PER_DAY,
						 fa2_time_now_ms(), &removed);
		if (removed)
			FA2_LOGI("sessions", "removed %u expired sessions", removed);
		e = fa2_session_create(&session, cfg->state_dir, msg, sizeof msg);
		if (e) {
			fprintf(stderr, "fa2 %s: %s\n", o->cmd, msg);
			rc = FA2_EXIT_FAILURE;
			goto cleanup;
		}
		have_session = 1;
		if (o->session_meta && fa2_session_update_summary(&session, o->session_meta) != FA2_OK)
			FA2_LOGW("agent", "session %s: cannot record its context in the summary", session.id);
	}
	if (o->session_id_out)
		snprintf(o->session_id_out, FA2_SESSION_ID_MAX + 1, "%s", session.id);
	FA2_LOGI("agent", "session %s (%s)", session.id, session.dir);

	memset(&ac, 0, sizeof ac);
	ac.llm = &llm;
	ac.tools = &tools;
	ac.prompts = &prompts;
	ac.cfg = cfg;
	ac.lang = lang;
	ac.architecture = cfg->architecture_description;
	ac.max_cycles = cfg->max_agent_cycles;
	ac.parallelism = cfg->tool_parallelism;
	ac.observation_bytes = cfg->observation_bytes;
	ac.context_bytes = cfg->context_bytes;
	ac.max_tokens = cfg->llm_max_tokens;
	ac.has_temperature = cfg->has_temperature;
	ac.temperature = cfg->temperature;
	ac.has_top_p = cfg->has_top_p;
	ac.top_p = cfg->top_p;
	ac.tool_timeout_ms = cfg->tool_timeout_s * 1000u;
	ac.deadline_mono_ms = fa2_time_mono_ms() + (int64_t)cfg->analysis_timeout_s * 1000;
	ac.session = &session;
	if (o->progress) {
		ac.progress = o->progress;
		ac.progress_ctx = o->progress_ctx;
	} else if (isatty(2)) {
		ac.progress = progress_line;
	}
	if (o->resume_id) {
		e = fa2_agent_resume(&ac, &res);
	} else {
		fa2_agent_incident inc;
		inc.event = o->event;
		inc.from_ms = o->from_ms;
		inc.to_ms = o->to_ms;
		inc.alarm = o->alarm;
		e = fa2_agent_run(&ac, &inc, &res);
	}
	ran = 1;
	if (e || !res.report) {
		fprintf(stderr, "fa2 %s: the analysis failed: %s (session %s can be resumed)\n", o->cmd,
			fa2_err_str(e ? e : FA2_ERR_INTERNAL), session.id);
		rc = FA2_EXIT_FAILURE;
		goto cleanup;
	}
	/* --tz, else the config's IANA zone; fixed offsets arrive as o->tz_offset_min. */
	tz = o->tz ? o->tz : !cfg->tz.fixed ? &cfg->tz : NULL;
	e = o->format == FA2_OUT_JSON ? fa2_report_render_json(res.report, &out)
	    : tz ? fa2_report_render_md_tz(res.report, lang, tz, &out)
		 : fa2_report_render_md(res.report, lang, o->tz_offset_min, &out);
	if (e || (o->format == FA2_OUT_PDF
		      ? fa2_cmd_write_pdf(o->cmd, o->out_path, out.data, out.len, fa2_lang_code(lang))
		      : fa2_cmd_write_output(o->cmd, o->out_path, out.data, out.len))) {
		if (e)
			fprintf(stderr, "fa2 %s: cannot render the report: %s\n", o->cmd, fa2_err_str(e));
		rc = FA2_EXIT_FAILURE;
		goto cleanup;
	}
	if (res.status == FA2_REPORT_PARTIAL) {
		fprintf(stderr, "fa2 %s: partial report (%s); resume later with 'fa2 sessions resume %s'\n",
			o->cmd, res.detail[0] ? res.detail : fa2_agent_stop_name(res.stop), session.id);
		rc = FA2_EXIT_FAILURE;
	} else {
		rc = FA2_EXIT_OK;
	}
cleanup:
	if (ran)
		totals_add(e || !res.report ? 3u : (unsigned)res.status, &res, fa2_time_mono_ms() - t0);
	fa2_agent_result_cleanup(&res);
	if (have_session)
		fa2_session_close(&session);
	if (tctx)
		fa2_llm_transport_release(tctx);
	/* The tools and the Bedrock transport share one AWS client; none of this analysis's
	 * workers runs now (other analyses keep it alive with their own hold). */
	fa2_aws_shared_release();
	if (have_llm)
		fa2_llm_provider_cleanup(&llm);
	if (have_prompts)
		fa2_prompts_cleanup(&prompts);
	fa2_source_close(src);
	fa2_buf_cleanup(&out);
	return rc;
}
