/* DescribeAlarms look-ups for `fa2 serve`'s Slack alarm flow (fa2_slack_app_config.lookup):
 * one CloudWatch client per region asked for (the alarm's region, from its notification
 * or ARN; the configured region when it has none), created on first use and kept. */
#ifndef FA2_SERVE_ALARMS_H
#define FA2_SERVE_ALARMS_H

#include "aws/alarms.h"
#include "base/err.h"

#define FA2_SERVE_ALARM_REGIONS 8u  /* regions with a kept client; more are refused */

typedef struct fa2_serve_alarms fa2_serve_alarms;

/* Look-ups with region (NULL: AWS_REGION / the profile) as the default. FA2_ERR_CONFIG
 * when no region or credentials chain can be set up for it. */
fa2_err fa2_serve_alarms_new(const char *region, fa2_serve_alarms **out);
void fa2_serve_alarms_free(fa2_serve_alarms *a);

/* The whole alarm named name in region (NULL or "": the default region) for ctx = a
 * fa2_serve_alarms; out's region is set to the region asked when its ARN names none.
 * FA2_ERR_NOT_FOUND when CloudWatch has no such alarm. Thread-safe. */
fa2_err fa2_serve_alarms_describe(void *ctx, const char *name, const char *region, struct fa2_alarm *out);

/* AWS credentials' standing, for readiness (/readyz). */
typedef struct fa2_serve_aws_state {
	int known;                /* 1 once checked */
	int ok;
	char why[512];            /* what is wrong, for people ("" when ok) */
	char source[64];          /* where the credentials came from ("environment", ...) */
	int64_t expires_ms;       /* 0: they do not expire */
	int64_t checked_ms;       /* wall clock of the last check */
} fa2_serve_aws_state;

/* Checks now that credentials can be had for the default region and are not expired
 * (refreshing them when due: may block up to the session timeout). A DescribeAlarms
 * refused for the credentials (ExpiredToken, InvalidClientTokenId, ...) also marks them
 * bad until a later call or check succeeds. */
void fa2_serve_alarms_check(fa2_serve_alarms *a);
void fa2_serve_alarms_state(fa2_serve_alarms *a, fa2_serve_aws_state *out);

#endif
