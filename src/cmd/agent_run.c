/* The CLI side of an analysis (analyze / sessions resume): request from the options,
 * the outcome written as Markdown, JSON or PDF, its failure printed. */
#include "cmd/agent_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/report.h"
#include "base/msg.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/time.h"
#include "cmd/cmd.h"
#include "doc/md_pdf.h"

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

/* Prints the outcome's failure in its language, each line prefixed with the command. */
static void print_failure(const char *cmd, const fa2_run_outcome *oc)
{
	fa2_buf b;
	size_t i = 0;
	fa2_buf_init(&b, 8192);
	if (fa2_run_failure_render(&oc->failure, oc->lang, &b) == FA2_OK && b.len) {
		while (i < b.len) {
			size_t j = i;
			while (j < b.len && b.data[j] != '\n')
				j++;
			fprintf(stderr, "fa2 %s: %.*s\n", cmd, (int)(j - i), b.data + i);
			i = j + 1;
		}
	}
	fa2_buf_cleanup(&b);
}

int fa2_cmd_run_agent(const fa2_run_opts *o)
{
	fa2_run_request rq;
	fa2_run_outcome oc;
	fa2_buf js;
	int rc;

	memset(&rq, 0, sizeof rq);
	rq.trigger = FA2_RUN_TRIGGER_CLI;
	rq.cfg = o->cfg;
	rq.prompts_dir = o->prompts_dir;
	rq.event = o->event;
	rq.from_ms = o->from_ms;
	rq.to_ms = o->to_ms;
	rq.alarm = o->alarm;
	rq.tz = o->tz;
	rq.tz_offset_min = o->tz_offset_min;
	rq.source_dir = o->source_dir;
	rq.resume_id = o->resume_id;
	if (isatty(2))
		rq.progress = progress_line;
	fa2_run_outcome_init(&oc);
	fa2_buf_init(&js, FA2_MAX_REPORT_BYTES);
	(void)fa2_run_analysis(&rq, &oc);
	if (oc.status == FA2_RUN_FAILED) {
		if (oc.session_id[0])
			fprintf(stderr, fa2_msg(oc.lang, "cmd.agent_run.fa2_the_analysis_failed_session"),
				o->cmd, oc.session_id, fa2_run_errclass_name(oc.failure.cls));
		print_failure(o->cmd, &oc);
		rc = oc.usage ? FA2_EXIT_USAGE : FA2_EXIT_FAILURE;
		goto cleanup;
	}
	if (o->format == FA2_OUT_JSON) {
		if (fa2_report_render_json(oc.report, &js)) {
			fprintf(stderr, "fa2 %s: cannot render the report as JSON\n", o->cmd);
			rc = FA2_EXIT_FAILURE;
			goto cleanup;
		}
		rc = fa2_cmd_write_output(o->cmd, o->out_path, js.data, js.len);
	} else if (o->format == FA2_OUT_PDF) {
		rc = fa2_cmd_write_pdf(o->cmd, o->out_path, oc.markdown.data, oc.markdown.len, fa2_lang_code(oc.lang));
	} else {
		rc = fa2_cmd_write_output(o->cmd, o->out_path, oc.markdown.data, oc.markdown.len);
	}
	if (rc) {
		rc = FA2_EXIT_FAILURE;
		goto cleanup;
	}
	if (oc.status == FA2_RUN_PARTIAL) {
		fprintf(stderr, "fa2 %s: partial report (%s); resume later with 'fa2 sessions resume %s'\n",
			o->cmd, oc.detail[0] ? oc.detail : "the model did not write it", oc.session_id);
		print_failure(o->cmd, &oc);
		rc = FA2_EXIT_FAILURE;
	} else {
		rc = FA2_EXIT_OK;
	}
cleanup:
	fa2_buf_cleanup(&js);
	fa2_run_outcome_cleanup(&oc);
	return rc;
}
