/* Helpers of the Athena-backed agent tools (audit_log_tool over a CloudTrail table,
 * alb_log_tool): one query with the tool's deadline and the configured database,
 * catalog, workgroup and output location, and bounded input lists. */
#ifndef FA2_AGENT_TOOLS_ATHENA_TOOL_H
#define FA2_AGENT_TOOLS_ATHENA_TOOL_H

#include <stddef.h>

#include "cJSON.h"

#include "agent/tool.h"
#include "aws/athena.h"
#include "base/buf.h"

#define FA2_TOOLS_MAX_LIST 20u  /* entries of one filter list in a tool input */

/* Runs sql through env->aws before env->deadline_mono_ms, keeping at most max_rows rows. On failure
 * appends one readable line (the query's failure reason, or "stopped at the deadline")
 * to out and returns the error; r is filled either way (caller cleans it up). */
fa2_err fa2_tools_athena(const fa2_tool_env *env, const char *sql, size_t max_rows,
			 fa2_athena_result *r, fa2_buf *out);

/* Strings of input[key] (a string or an array of strings), at most FA2_TOOLS_MAX_LIST,
 * empty strings skipped. Returns the count written to v (pointers borrowed from input). */
size_t fa2_tools_str_list(const cJSON *input, const char *key, const char **v, size_t cap);

/* Appends " AND (expr1 OR expr2 ...)" where each expr is
 * "strpos(<hay>, '<value>') > 0"; nothing for n == 0. FA2_ERR_INVALID for a value that
 * cannot be quoted. */
fa2_err fa2_tools_sql_any_contains(fa2_buf *sql, const char *hay, const char *const *v, size_t n);

#endif
