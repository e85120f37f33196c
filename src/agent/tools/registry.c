/* The tools of this build, registered for the configuration: metrics_tool and
 * audit_log_tool always (they need only the account), logs_tool when cwLogsLogGroups is
 * set, xray_tool with xrayTrace, kb_tool with knowledgeBase and knowledgeBaseId,
 * alb_log_tool with albAccessLogTableName (+ databaseName). audit_log_tool queries the
 * CloudTrail table with Athena when cloudTrailLogTableName is set, else LookupEvents. */
#include "agent/config.h"
#include "agent/tool.h"
#include "agent/tools/tools.h"

fa2_err fa2_tools_register_default(fa2_tool_registry *r, const struct fa2_config *cfg)
{
	fa2_err e = fa2_tool_registry_add(r, &fa2_metrics_tool);
	if (!e && cfg && cfg->n_log_groups > 0)
		e = fa2_tool_registry_add(r, &fa2_logs_tool);
	if (!e)
		e = fa2_tool_registry_add(r, cfg && cfg->cloudtrail_table && cfg->database_name
					       ? &fa2_audit_log_athena_tool : &fa2_audit_log_tool);
	if (!e && cfg && cfg->alb_table && cfg->database_name)
		e = fa2_tool_registry_add(r, &fa2_alb_log_tool);
	if (!e && cfg && cfg->xray_trace)
		e = fa2_tool_registry_add(r, &fa2_xray_tool);
	if (!e && cfg && cfg->knowledge_base && cfg->knowledge_base_id)
		e = fa2_tool_registry_add(r, &fa2_kb_tool);
	return e;
}
