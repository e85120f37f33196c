/* cJSON integration: routes cJSON's allocations through fa2's allocator and offers
 * (ptr,len) parsing with a size cap. */
#ifndef FA2_BASE_JSON_H
#define FA2_BASE_JSON_H

#include <stdint.h>

#include "cJSON.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/slice.h"

/* Installs fa2_malloc/fa2_free as cJSON's hooks. Idempotent; call once at start-up
 * (main and the test runner do). */
void fa2_json_init(void);

/* Parses exactly the bytes of s (no NUL needed). NULL on malformed input, input over
 * FA2_MAX_JSON_BYTES, or no memory; *err (may be NULL) says which. */
cJSON *fa2_json_parse(fa2_slice s, fa2_err *err);

/* String value of obj[key], or NULL when absent or not a string. */
const char *fa2_json_str(const cJSON *obj, const char *key);
/* Number value of obj[key] into *out; 0 when absent, not a number, or not finite (cJSON
 * reads 1e400 as infinity). */
int fa2_json_num(const cJSON *obj, const char *key, double *out);
/* Integer value of obj[key] (a JSON number, fraction truncated, base/num.h rules) into
 * *out; 0 when absent, not a number, or outside [min, max]. */
int fa2_json_i64(const cJSON *obj, const char *key, int64_t min, int64_t max, int64_t *out);

/* Serialises compactly and appends to out. */
fa2_err fa2_json_append(fa2_buf *out, const cJSON *item);
/* Appends s as a JSON string literal, quotes included, escaping per RFC 8259. */
fa2_err fa2_json_append_string(fa2_buf *out, fa2_slice s);

#endif
