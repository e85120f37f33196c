/* libFuzzer target: configuration validation and prompt template rendering. A config
 * that loads must satisfy its documented invariants; rendering never fails on any
 * template text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "agent/config.h"
#include "agent/prompts.h"
#include "base/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	fa2_config c;
	char msg[512];
	fa2_err e;
	if (!init) {
		fa2_json_init();
		init = 1;
	}
	if (fa2_config_init(&c))
		return 0;
	e = fa2_config_load_json(&c, fa2_slice_make((const char *)data, size), "fuzz", msg, sizeof msg);
	if (e == FA2_OK) {
		if (c.max_agent_cycles < 1 || c.max_agent_cycles > 50 || c.n_log_groups > 50 ||
		    (c.has_temperature && c.has_top_p) || c.tool_parallelism < 1 ||
		    c.tool_parallelism > 16 || c.observation_bytes < 2048 ||
		    (c.llm_provider == FA2_LLM_OPENAI && !c.llm_endpoint) ||
		    (c.knowledge_base && !c.knowledge_base_id))
			abort();
	} else if (e == FA2_ERR_CONFIG && msg[0] == '\0') {
		abort(); /* every rejection explains itself */
	}
	fa2_config_cleanup(&c);
	if (size < 4096) {
		fa2_buf out;
		char *t = malloc(size + 1);
		fa2_prompt_var vars[2] = { { "event", "E" }, { "tools", "a, b" } };
		if (t) {
			size_t i;
			for (i = 0; i < size; i++)
				t[i] = data[i] ? (char)data[i] : ' ';
			t[size] = '\0';
			fa2_buf_init(&out, 1u << 20);
			if (fa2_prompt_render(t, vars, 2, &out) != FA2_OK)
				abort();
			fa2_buf_cleanup(&out);
			free(t);
		}
	}
	return 0;
}
