/* Helpers shared by the agent tools: one AWS call with the tool's deadline and a
 * readable error in the observation (through env->aws), time formatting and input
 * accessors. */
#ifndef FA2_AGENT_TOOLS_COMMON_H
#define FA2_AGENT_TOOLS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"

#include "agent/tool.h"
#include "aws/call.h"
#include "aws/client.h"
#include "base/buf.h"

/* Calls svc/op with input (a JSON object) through env->aws before
 * env->deadline_mono_ms. On success *output is the parsed reply (caller deletes). On
 * failure appends one line naming the operation and the error to out (in env's
 * language), copies the error into *err when not NULL, and returns it (FA2_ERR_AWS for a
 * service error; FA2_ERR_CONFIG when env has no AWS client). */
fa2_err fa2_tools_aws_call(const fa2_tool_env *env, const char *svc, const char *op,
			   const cJSON *input, cJSON **output, fa2_buf *out, fa2_aws_error *err);
/* Appends the line fa2_tools_aws_call writes for a failure of svc op (e, oc) to out. */
void fa2_tools_aws_failure(const fa2_tool_env *env, const char *svc, const char *op, fa2_err e,
			   const fa2_aws_outcome *oc, fa2_buf *out);
/* "2026-11-25 09:52:35Z" (UTC, seconds). */
void fa2_tools_time(int64_t ms, char *buf, size_t cap);
/* Localised pick: en or ja text. */
#define FA2_T(env, en, ja) ((env)->lang == FA2_LANG_JA ? (ja) : (en))
/* Integer member of input clamped to [lo, hi], def when absent or not a number. */
long fa2_tools_int(const cJSON *input, const char *key, long def, long lo, long hi);
/* Appends s to out with SQL single-quote escaping ('' for '), without the quotes. */
fa2_err fa2_tools_sql_quote(fa2_buf *out, const char *s);
/* Appends up to max bytes of s (len bytes), cut on a UTF-8 character boundary; when s
 * is longer, its head and its tail with " … " between (the tail holds what ends a line:
 * an exception's cause, a status), and when the part that would be cut says what went
 * wrong (the last "Caused by", else the first error word such as Exception, ERROR,
 * refused, timed out, No space) that part too: head, " … ", a quarter of max from just
 * before it, " … ", tail. */
fa2_err fa2_tools_append_cut(fa2_buf *out, const char *s, size_t len, size_t max);

#endif
