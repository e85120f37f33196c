/* The tools of this build. The AWS-backed tools (metrics_tool, logs_tool, audit_log_tool,
 * alb_log_tool, xray_tool, kb_tool) land with the AWS layer: each adds an
 * fa2_tool_registry_add() call here, guarded by the configuration it needs (e.g.
 * alb_log_tool only when albAccessLogTableName is set, kb_tool only with knowledgeBase). */
#include "agent/config.h"
#include "agent/tool.h"

fa2_err fa2_tools_register_default(fa2_tool_registry *r, const struct fa2_config *cfg)
{
	(void)r;
	(void)cfg;
	return FA2_OK;
}
