/* JSON helpers shared by the providers. */
#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "base/json.h"
#include "base/log.h"
#include "base/num.h"
#include "llm/llm_internal.h"

cJSON *fa2_llm_parse_input(const char *input_json)
{
	cJSON *j = NULL;
	if (input_json && *input_json)
		j = fa2_json_parse(fa2_slice_cstr(input_json), NULL);
	if (j && cJSON_IsObject(j))
		return j;
	cJSON_Delete(j);
	return cJSON_CreateObject();
}

char *fa2_llm_print(const cJSON *j)
{
	return cJSON_PrintUnformatted(j);
}

void fa2_llm_copy(char *dst, size_t cap, const char *s)
{
	if (!s)
		s = "";
	/* Redacted as a whole before it is cut: a peer's message may echo a secret (the
	 * API key in a 401 body) right across the cut. */
	(void)fa2_log_redact(s, strlen(s), dst, cap);
}

fa2_err fa2_llm_emit(const cJSON *j, fa2_buf *out)
{
	return fa2_json_append(out, j);
}

uint64_t fa2_llm_u64(const cJSON *j)
{
	int64_t v;
	if (!cJSON_IsNumber(j) || !(j->valuedouble >= 0))
		return 0;  /* absent, negative or NaN */
	if (fa2_num_double_to_i64(j->valuedouble, 0, INT64_MAX, &v) != FA2_OK)
		return UINT64_MAX;  /* beyond int64 (or infinite): saturate */
	return (uint64_t)v;
}
