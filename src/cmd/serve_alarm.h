/* DescribeAlarms look-up for `fa2 serve`'s Slack alarm flow (fa2_slack_alarm_lookup). */
#ifndef FA2_CMD_SERVE_ALARM_H
#define FA2_CMD_SERVE_ALARM_H

#include "aws/alarms.h"
#include "base/err.h"
#include "slack/app.h"

typedef struct fa2_serve_alarms fa2_serve_alarms;

/* A CloudWatch client for region (NULL: AWS_REGION / the profile). FA2_ERR_CONFIG when
 * no region or credentials chain can be set up. */
fa2_err fa2_serve_alarms_new(const char *region, fa2_serve_alarms **out);
void fa2_serve_alarms_free(fa2_serve_alarms *a);
/* fa2_slack_alarm_lookup for ctx = a fa2_serve_alarms. */
fa2_err fa2_serve_alarms_lookup(void *ctx, const char *name, const char *region, fa2_slack_alarm_info *info);

/* The whole alarm (fa2_slack_app_config.lookup_alarm) for ctx = a fa2_serve_alarms. */
fa2_err fa2_serve_alarms_describe(void *ctx, const char *name, const char *region, struct fa2_alarm *out);

#endif
