/* libFuzzer target: resuming a session from an arbitrary (torn, corrupted, hostile)
 * journal. The input becomes STATE/sessions/s1/journal.jsonl; the session is opened
 * (torn tail cut), replayed and driven to a report with a model that always fails
 * with a ValidationException and one echo tool. Resume must never crash, leak or
 * loop, and must produce a report whenever it returns FA2_OK. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/prompts.h"
#include "agent/session.h"
#include "base/file.h"
#include "base/json.h"
#include "base/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char state[256], journal[512];
static fa2_prompts prompts;

/* Removes the scratch state directory at exit (sessions hold only plain files). */
static void remove_state(void)
{
	char dir[300], path[600];
	DIR *d;
	struct dirent *de;
	snprintf(dir, sizeof dir, "%s/sessions/s1", state);
	d = opendir(dir);
	while (d && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
	snprintf(dir, sizeof dir, "%s/sessions", state);
	rmdir(dir);
	rmdir(state);
}

static fa2_err refuse(void *ctx, const fa2_llm_http_request *req, fa2_llm_http_response *resp)
{
	(void)ctx;
	(void)req;
	resp->status = 400;
	snprintf(resp->error_type, sizeof resp->error_type, "ValidationException");
	return fa2_buf_append_cstr(&resp->body, "{\"message\":\"no\"}");
}

static fa2_err echo(void *ctx, const fa2_tool_env *env, const cJSON *input, fa2_buf *out)
{
	(void)ctx;
	(void)env;
	return fa2_json_append(out, input);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	fa2_llm_provider llm;
	fa2_tool_registry reg;
	fa2_tool t;
	fa2_agent_config ac;
	fa2_agent_result res;
	fa2_session s;
	char msg[256], dir[300];
	fa2_err e;

	if (!init) {
		char tmpl[] = "/tmp/fa2-fuzz-journal-XXXXXX";
		fa2_json_init();
		fa2_log_set_level(FA2_LOG_ERROR);
		if (!mkdtemp(tmpl))
			abort();
		snprintf(state, sizeof state, "%s", tmpl);
		snprintf(dir, sizeof dir, "%s/sessions/s1", state);
		if (fa2_mkdir_p(dir, 0700))
			abort();
		snprintf(journal, sizeof journal, "%s/journal.jsonl", dir);
		if (fa2_prompts_load(&prompts, FA2_LANG_EN, NULL, msg, sizeof msg))
			abort();
		atexit(remove_state);
		init = 1;
	}
	if (fa2_file_write_atomic(journal, data, size, 0600))
		return 0;
	if (fa2_session_open(&s, state, "s1", msg, sizeof msg))
		return 0;
	fa2_tool_registry_init(&reg);
	memset(&t, 0, sizeof t);
	t.name = "t";
	t.description[0] = t.description[1] = "echo";
	t.input_schema_json = "{\"type\":\"object\"}";
	t.execute = echo;
	fa2_tool_registry_add(&reg, &t);
	if (fa2_llm_provider_init(&llm, FA2_LLM_BEDROCK, "m", NULL, NULL) == FA2_OK) {
		llm.transport = refuse;
		llm.max_retries = 0;
		memset(&ac, 0, sizeof ac);
		ac.llm = &llm;
		ac.tools = &reg;
		ac.prompts = &prompts;
		ac.max_cycles = 3;
		ac.parallelism = 2;
		ac.observation_bytes = 4096;
		ac.session = &s;
		e = fa2_agent_resume(&ac, &res);
		if (e == FA2_OK && !res.report)
			abort();
		fa2_agent_result_cleanup(&res);
		fa2_llm_provider_cleanup(&llm);
	}
	fa2_session_close(&s);
	return 0;
}
