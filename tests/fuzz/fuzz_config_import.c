/* libFuzzer target: the parameter.ts reader (src/agent/config_import.c). Any input is
 * either refused with a message or read into constants; importing it either fails with
 * a known error or yields a JSON object (no unresolved value in it) whose notes are
 * bounded and NUL-terminated. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/config_import.h"
#include "base/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int has_raw(const cJSON *j)
{
	const cJSON *c;
	if (cJSON_IsRaw(j))
		return 1;
	cJSON_ArrayForEach(c, j)
		if (has_raw(c))
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	fa2_config_import imp;
	cJSON *all = NULL;
	char msg[256];
	size_t i;
	fa2_err e;
	if (!init) {
		fa2_json_init();
		init = 1;
	}
	e = fa2_ts_parse_consts(fa2_slice_make((const char *)data, size), &all, msg, sizeof msg);
	if (e) {
		if (all || (e != FA2_ERR_PARSE && e != FA2_ERR_TOO_LARGE && e != FA2_ERR_NOMEM) || !msg[0])
			abort();
	} else if (!cJSON_IsObject(all)) {
		abort();
	}
	cJSON_Delete(all);
	e = fa2_config_import_ts(fa2_slice_make((const char *)data, size), NULL, &imp, msg, sizeof msg);
	if (e == FA2_OK) {
		if (!cJSON_IsObject(imp.config) || has_raw(imp.config) || !imp.picked[0] ||
		    imp.n_notes > FA2_IMPORT_MAX_NOTES || imp.n_names > FA2_IMPORT_MAX_OBJECTS)
			abort();
		for (i = 0; i < imp.n_notes; i++)
			if (strlen(imp.notes[i].text[0]) >= sizeof imp.notes[i].text[0])
				abort();
		(void)fa2_config_import_set_kb(&imp, "KB0000", "x"); /* fails only for memory */
	} else if (imp.config || (e != FA2_ERR_PARSE && e != FA2_ERR_NOT_FOUND && e != FA2_ERR_TOO_LARGE &&
	                          e != FA2_ERR_NOMEM)) {
		abort();
	}
	fa2_config_import_cleanup(&imp);
	return 0;
}
