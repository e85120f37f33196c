/* Shared driver of the insight and findings-report commands (see cmds.h). */
#include "agent/cmds.h"

#include <stdio.h>
#include <string.h>

#include "agent/findings.h"
#include "agent/insight.h"
#include "agent/model.h"
#include "agent/prompts.h"
#include "aws/shared.h"
#include "base/time.h"

typedef struct setup {
	fa2_prompts prompts;
	fa2_model model;
	int have_prompts, held;
} setup;

static fa2_err open_setup(setup *s, const fa2_config *cfg, fa2_lang lang, char *msg, size_t cap)
{
	fa2_err e;

	memset(s, 0, sizeof *s);
	e = fa2_prompts_load(&s->prompts, lang, cfg->prompts_dir, msg, cap);
	if (e)
		return FA2_ERR_CONFIG;
	s->have_prompts = 1;
	e = fa2_model_open(&s->model, cfg, msg, cap);
	return e == FA2_ERR_UNSUPPORTED ? FA2_ERR_CONFIG : e;
}

/* Undoes begin (whatever it returned). */
static void close_setup(setup *s)
{
	fa2_model_close(&s->model);
	if (s->have_prompts)
		fa2_prompts_cleanup(&s->prompts);
	if (s->held)
		fa2_aws_shared_release();
}

/* Clears *model_ok; when the feature is off (enabled 0) puts off_en / off_ja in msg and
 * returns FA2_ERR_UNSUPPORTED; else holds the shared AWS client (the model transport and
 * the AWS calls share one) and opens s. close_setup(s) in every case. */
static fa2_err begin(setup *s, const fa2_config *cfg, fa2_lang lang, int enabled, const char *off_en,
		     const char *off_ja, int *model_ok, char *msg, size_t cap)
{
	fa2_err e;

	memset(s, 0, sizeof *s);
	if (model_ok)
		*model_ok = 0;
	if (!enabled) {
		snprintf(msg, cap, "%s", lang == FA2_LANG_JA ? off_ja : off_en);
		return FA2_ERR_UNSUPPORTED;
	}
	fa2_aws_shared_hold();
	e = open_setup(s, cfg, lang, msg, cap);
	s->held = 1;
	return e;
}

fa2_err fa2_cmds_run_insight(const fa2_config *cfg, fa2_lang lang, const char *question, int days,
			     fa2_buf *md, int *model_ok, char *msg, size_t cap)
{
	setup s;
	fa2_insight_req r;
	fa2_insight_info info;
	fa2_err e;

	e = begin(&s, cfg, lang, cfg->slash_insight,
		  "Insight is turned off in this fa2's configuration (slashCommands.insight). Please ask your administrator.",
		  "インサイト機能はこの fa2 の設定で無効になっています（slashCommands.insight）。管理者にお問い合わせください。",
		  model_ok, msg, cap);
	if (!e) {
		memset(&r, 0, sizeof r);
		r.cfg = cfg;
		r.llm = &s.model.llm;
		r.prompts = &s.prompts;
		r.lang = lang;
		r.question = question;
		r.days = days;
		r.deadline_mono_ms = fa2_time_mono_ms() + (int64_t)cfg->analysis_timeout_s * 1000;
		e = fa2_insight_run(&r, md, &info, msg, cap);
		if (!e && model_ok)
			*model_ok = info.model_ok;
	}
	close_setup(&s);
	return e;
}

fa2_err fa2_cmds_run_findings(const fa2_config *cfg, fa2_lang lang, fa2_buf *md, int *model_ok,
			      char *msg, size_t cap)
{
	setup s;
	fa2_findings_req r;
	fa2_err e;

	e = begin(&s, cfg, lang, cfg->slash_findings_report,
		  "The findings report is turned off in this fa2's configuration (slashCommands.findingsReport). "
		  "Please ask your administrator.",
		  "検出結果レポート機能はこの fa2 の設定で無効になっています（slashCommands.findingsReport）。管理者にお問い合わせください。",
		  model_ok, msg, cap);
	if (!e) {
		memset(&r, 0, sizeof r);
		r.cfg = cfg;
		r.llm = &s.model.llm;
		r.prompts = &s.prompts;
		r.lang = lang;
		r.deadline_mono_ms = fa2_time_mono_ms() + (int64_t)cfg->analysis_timeout_s * 1000;
		e = fa2_findings_run(&r, md, NULL, model_ok, msg, cap);
	}
	close_setup(&s);
	return e;
}
