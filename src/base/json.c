#include "base/json.h"

#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/num.h"

static void *json_malloc(size_t n) { return fa2_malloc(n); }
static void json_free(void *p) { fa2_free(p); }

void fa2_json_init(void)
{
	cJSON_Hooks h;
	h.malloc_fn = json_malloc;
	h.free_fn = json_free;
	cJSON_InitHooks(&h);
}

cJSON *fa2_json_parse(fa2_slice s, fa2_err *err)
{
	cJSON *j;
	if (s.len > FA2_MAX_JSON_BYTES) {
		if (err)
			*err = FA2_ERR_TOO_LARGE;
		return NULL;
	}
	j = cJSON_ParseWithLength(s.ptr, s.len);
	if (err)
		*err = j ? FA2_OK : FA2_ERR_PARSE;
	return j;
}

const char *fa2_json_str(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(it) ? it->valuestring : NULL;
}

int fa2_json_num(const cJSON *obj, const char *key, double *out)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble))
		return 0;
	*out = it->valuedouble;
	return 1;
}

int fa2_json_i64(const cJSON *obj, const char *key, int64_t min, int64_t max, int64_t *out)
{
	double d;
	return fa2_json_num(obj, key, &d) && fa2_num_double_to_i64(d, min, max, out) == FA2_OK;
}

fa2_err fa2_json_append(fa2_buf *out, const cJSON *item)
{
	char *s = cJSON_PrintUnformatted(item);
	fa2_err e;
	if (!s)
		return FA2_ERR_NOMEM;
	e = fa2_buf_append_cstr(out, s);
	fa2_free(s);
	return e;
}

fa2_err fa2_json_append_string(fa2_buf *out, fa2_slice s)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;
	fa2_err e = fa2_buf_append_byte(out, '"');
	for (i = 0; !e && i < s.len; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		const char *esc = NULL;
		char u[7];
		if (c == '"') esc = "\\\"";
		else if (c == '\\') esc = "\\\\";
		else if (c == '\n') esc = "\\n";
		else if (c == '\r') esc = "\\r";
		else if (c == '\t') esc = "\\t";
		else if (c == '\b') esc = "\\b";
		else if (c == '\f') esc = "\\f";
		else if (c < 0x20) {
			u[0] = '\\'; u[1] = 'u'; u[2] = '0'; u[3] = '0';
			u[4] = hex[c >> 4]; u[5] = hex[c & 15]; u[6] = '\0';
			esc = u;
		}
		if (esc) {
			e = fa2_buf_append(out, s.ptr + i - run, run);
			run = 0;
			if (!e)
				e = fa2_buf_append_cstr(out, esc);
		} else {
			run++;
		}
	}
	if (!e)
		e = fa2_buf_append(out, s.ptr + s.len - run, run);
	if (!e)
		e = fa2_buf_append_byte(out, '"');
	return e;
}
