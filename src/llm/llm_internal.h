/* Provider implementations behind llm.h (not for other modules). */
#ifndef FA2_LLM_INTERNAL_H
#define FA2_LLM_INTERNAL_H

#include "cJSON.h"

#include "llm/llm.h"

fa2_err fa2_llm_bedrock_build(const fa2_llm_provider *p, const fa2_llm_request *req,
			      fa2_llm_http_request *http, fa2_buf *body_out, char *path_out,
			      size_t path_cap);
fa2_err fa2_llm_bedrock_decode(int status, const char *error_type, fa2_slice body,
			       fa2_llm_response *resp, fa2_llm_error *err);
fa2_err fa2_llm_openai_build(const fa2_llm_provider *p, const fa2_llm_request *req,
			     fa2_llm_http_request *http, fa2_buf *body_out, char *path_out,
			     size_t path_cap);
fa2_err fa2_llm_openai_decode(int status, fa2_slice body, fa2_llm_response *resp,
			      fa2_llm_error *err);

/* Shared helpers (llm_json.c). */
/* Parses a tool input JSON text into an object; "{}" when absent or not an object. */
cJSON *fa2_llm_parse_input(const char *input_json);
/* Serialises cJSON into a compact text owned by the caller (fa2_free). */
char *fa2_llm_print(const cJSON *j);
/* Copies s into dst (cap bytes, NUL-terminated, truncated) with registered secrets
 * redacted over the whole of s first (base/log.h). */
void fa2_llm_copy(char *dst, size_t cap, const char *s);
/* Appends cJSON j compactly to out with out's cap. */
fa2_err fa2_llm_emit(const cJSON *j, fa2_buf *out);
/* Non-negative integer value of a JSON number, clamped; 0 for anything else. */
uint64_t fa2_llm_u64(const cJSON *j);

#endif
