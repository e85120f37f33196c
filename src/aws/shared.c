/* Process-wide AWS context (see shared.h). */
#include "aws/shared.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "base/time.h"

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_ready;
static char g_region[64];
static fa2_aws_config g_cfg;
static fa2_aws_creds_provider g_prov;
static fa2_aws_client g_client;

fa2_err fa2_aws_shared_get(const char *region, fa2_aws_client **out, char *msg, size_t msg_cap)
{
	fa2_aws_chain ch;
	fa2_err e = FA2_OK;
	int have_cfg = 0, have_prov = 0;

	*out = NULL;
	pthread_mutex_lock(&g_lock);
	if (g_ready)
		goto done;
	if (fa2_aws_config_load(&g_cfg, NULL)) {
		snprintf(msg, msg_cap, "cannot read the AWS config files (see the log)");
		e = FA2_ERR_CONFIG;
		goto fail;
	}
	have_cfg = 1;
	memset(&ch, 0, sizeof ch);
	ch.cfg = &g_cfg;
	ch.http = fa2_aws_http_default;
	ch.deadline_ms = fa2_time_mono_ms() + 10000;
	if (region && *region) {
		if (strlen(region) >= sizeof g_region) {
			snprintf(msg, msg_cap, "the region name is too long");
			e = FA2_ERR_CONFIG;
			goto fail;
		}
		snprintf(g_region, sizeof g_region, "%s", region);
	} else if (fa2_aws_region_from_config(&g_cfg, g_region, sizeof g_region) != FA2_OK &&
		   fa2_aws_imds_region(&ch, g_region, sizeof g_region) != FA2_OK) {
		snprintf(msg, msg_cap, "no AWS region: set env.region in the config, AWS_REGION, "
			 "or the profile's region");
		e = FA2_ERR_CONFIG;
		goto fail;
	}
	ch.region = g_region;
	e = fa2_aws_creds_provider_init(&g_prov, &ch, 30000);
	if (e) {
		snprintf(msg, msg_cap, "cannot set up the AWS credential provider: %s", fa2_err_str(e));
		goto fail;
	}
	have_prov = 1;
	e = fa2_aws_client_init(&g_client, &g_prov, &g_cfg, g_region, fa2_aws_http_default, NULL);
	if (e) {
		snprintf(msg, msg_cap, "cannot set up the AWS client: %s", fa2_err_str(e));
		goto fail;
	}
	g_ready = 1;
	goto done;
fail:
	if (have_prov)
		fa2_aws_creds_provider_cleanup(&g_prov);
	if (have_cfg)
		fa2_aws_config_cleanup(&g_cfg);
done:
	if (g_ready)
		*out = &g_client;
	pthread_mutex_unlock(&g_lock);
	return e;
}

void fa2_aws_shared_release(void)
{
	pthread_mutex_lock(&g_lock);
	if (g_ready) {
		fa2_aws_client_cleanup(&g_client);
		fa2_aws_creds_provider_cleanup(&g_prov);
		fa2_aws_config_cleanup(&g_cfg);
		g_ready = 0;
	}
	pthread_mutex_unlock(&g_lock);
}
