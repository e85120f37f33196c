/* The tools of this build, registered for the configuration: metrics_tool and
 * audit_log_tool always (they need only the account), logs_tool when cwLogsLogGroups is
 * set. alb_log_tool, xray_tool and kb_tool are not built yet. */
#include "agent/config.h"
#include "agent/tool.h"
#include "agent/tools/tools.h"

fa2_err fa2_tools_register_default(fa2_tool_registry *r, const struct fa2_config *cfg)
{
	fa2_err e = fa2_tool_registry_add(r, &fa2_metrics_tool);
	if (!e && cfg && cfg->n_log_groups > 0)
		e = fa2_tool_registry_add(r, &fa2_logs_tool);
	if (!e)
		e = fa2_tool_registry_add(r, &fa2_audit_log_tool);
	return e;
}
