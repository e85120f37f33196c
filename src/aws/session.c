#include "aws/session.h"

#include <stdio.h>
#include <string.h>

#include "aws/transport.h"
#include "base/time.h"

fa2_err fa2_aws_session_open(fa2_aws_session *s, const char *profile, const char *region_opt,
			     int64_t timeout_ms, char *msg, size_t cap)
{
	fa2_err e;

	memset(s, 0, sizeof *s);
	if (cap)
		msg[0] = '\0';
	e = fa2_aws_config_load(&s->cfg, profile);
	s->have_cfg = 1;
	if (e) {
		snprintf(msg, cap, "cannot read the AWS config or credentials file (%s)", fa2_err_str(e));
		return FA2_ERR_CONFIG;
	}
	s->chain.cfg = &s->cfg;
	s->chain.http = fa2_aws_http_default;
	s->chain.deadline_ms = fa2_time_mono_ms() + timeout_ms;
	if (region_opt && *region_opt) {
		snprintf(s->region, sizeof s->region, "%s", region_opt);
		snprintf(s->region_source, sizeof s->region_source, "option");
	} else if (fa2_aws_region_from_config_src(&s->cfg, s->region, sizeof s->region,
	                                          s->region_source, sizeof s->region_source) == FA2_OK) {
		/* source named by the config layer */
	} else if (fa2_aws_imds_region(&s->chain, s->region, sizeof s->region) == FA2_OK) {
		snprintf(s->region_source, sizeof s->region_source, "IMDS");
	} else {
		snprintf(msg, cap, "no AWS region: use --region, AWS_REGION, the profile's region, "
			 "or run on EC2");
		return FA2_ERR_CONFIG;
	}
	s->chain.region = s->region;
	e = fa2_aws_creds_provider_init(&s->prov, &s->chain, timeout_ms);
	if (e) {
		snprintf(msg, cap, "cannot set up AWS credentials (%s)", fa2_err_str(e));
		return e;
	}
	s->have_prov = 1;
	e = fa2_aws_client_init(&s->client, &s->prov, &s->cfg, s->region, fa2_aws_http_default, NULL);
	if (e) {
		snprintf(msg, cap, "cannot set up the AWS client (%s)", fa2_err_str(e));
		return e;
	}
	s->have_client = 1;
	s->client.timeout_ms = timeout_ms;
	return FA2_OK;
}

void fa2_aws_session_close(fa2_aws_session *s)
{
	if (s->have_client)
		fa2_aws_client_cleanup(&s->client);
	if (s->have_prov)
		fa2_aws_creds_provider_cleanup(&s->prov);
	if (s->have_cfg)
		fa2_aws_config_cleanup(&s->cfg);
	s->have_client = s->have_prov = s->have_cfg = 0;
}
