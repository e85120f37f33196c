/* The AWS-backed agent tools of this build (registered by fa2_tools_register_default). */
#ifndef FA2_AGENT_TOOLS_TOOLS_H
#define FA2_AGENT_TOOLS_TOOLS_H

#include <stdint.h>

#include "agent/tool.h"

extern const fa2_tool fa2_logs_tool;
extern const fa2_tool fa2_metrics_tool;
extern const fa2_tool fa2_audit_log_tool;
extern const fa2_tool fa2_audit_log_athena_tool; /* audit_log_tool over a CloudTrail table */
extern const fa2_tool fa2_alb_log_tool;
extern const fa2_tool fa2_kb_tool;
extern const fa2_tool fa2_xray_tool;

/* Logs Insights @timestamp ("YYYY-MM-DD HH:MM:SS.mmm" UTC, or epoch ms digits) to epoch
 * ms; FA2_LOGTPL_NO_TIME when neither. */
int64_t fa2_logs_tool_parse_ts(const char *s);

#endif
