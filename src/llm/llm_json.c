/* JSON helpers shared by the providers. */
#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "base/json.h"
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
	size_t n;
	if (cap == 0)
		return;
	if (!s)
		s = "";
	n = strlen(s);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

fa2_err fa2_llm_emit(const cJSON *j, fa2_buf *out)
{
	return fa2_json_append(out, j);
}

uint64_t fa2_llm_u64(const cJSON *j)
{
	double d;
	if (!cJSON_IsNumber(j))
		return 0;
	d = j->valuedouble;
	if (!(d >= 0) || isnan(d))
		return 0;
	if (d >= 1.8e19)
		return UINT64_MAX;
	return (uint64_t)d;
}
