#include "aws/sts.h"

#include <stdio.h>
#include <string.h>

#include "aws/client.h"
#include "base/file.h"
#include "base/json.h"
#include "base/log.h"
#include "base/time.h"

static const char *sts_region(const fa2_aws_chain *ch, char *buf, size_t cap)
{
	if (ch->region && *ch->region)
		return ch->region;
	if (fa2_aws_region_from_config(ch->cfg, buf, cap) == FA2_OK)
		return buf;
	return "us-east-1";
}

/* One STS call through a throw-away client bound to the chain's transport. */
static fa2_err sts_call(const fa2_aws_chain *ch, const char *op, cJSON *input,
                        const fa2_aws_creds *creds, fa2_aws_creds *out, const char *source)
{
	fa2_aws_client c;
	fa2_aws_call_opts opts;
	fa2_aws_error err;
	fa2_buf in, res;
	char region[64], line[1400];
	int64_t left = ch->deadline_ms - fa2_time_mono_ms();
	fa2_err e;

	fa2_buf_init(&in, 1 << 20);
	fa2_buf_init(&res, 1 << 20);
	e = fa2_aws_client_init(&c, NULL, ch->cfg, sts_region(ch, region, sizeof region), ch->http,
	                        ch->http_ctx);
	if (e)
		goto cleanup;
	memset(&opts, 0, sizeof opts);
	opts.creds = creds;
	opts.anonymous = creds == NULL;
	opts.timeout_ms = left > 0 ? left : 1;
	e = fa2_json_append(&in, input);
	if (!e)
		e = fa2_aws_call(&c, fa2_aws_service_find("sts"), op, fa2_buf_slice(&in), &res, &err, &opts);
	fa2_aws_client_cleanup(&c);
	if (e) {
		fa2_aws_error_format(&err, line, sizeof line);
		FA2_LOGE("aws", "STS %s: %s", op, line);
		if (e == FA2_ERR_AWS)
			e = FA2_ERR_AUTH;
		goto cleanup;
	}
	{
		/* The JSON form of the XML reply: {"<Op>Response":{"<Op>Result":{"Credentials":{...}}}} */
		cJSON *j = fa2_json_parse(fa2_buf_slice(&res), NULL), *r, *cr;
		char k1[96], k2[96];
		snprintf(k1, sizeof k1, "%sResponse", op);
		snprintf(k2, sizeof k2, "%sResult", op);
		r = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, k1), k2);
		cr = cJSON_GetObjectItemCaseSensitive(r, "Credentials");
		if (!cr || !fa2_json_str(cr, "AccessKeyId") || !fa2_json_str(cr, "SecretAccessKey")) {
			FA2_LOGE("aws", "STS %s: reply has no credentials", op);
			e = FA2_ERR_PARSE;
		} else {
			int64_t exp = 0;
			const char *es = fa2_json_str(cr, "Expiration");
			if (es && fa2_time_parse(fa2_slice_cstr(es), 0, 0, &exp))
				exp = 0;
			e = fa2_aws_creds_set(out, fa2_slice_cstr(fa2_json_str(cr, "AccessKeyId")),
			                      fa2_slice_cstr(fa2_json_str(cr, "SecretAccessKey")),
			                      fa2_slice_cstr(fa2_json_str(cr, "SessionToken")), exp, source);
		}
		cJSON_Delete(j);
	}
cleanup:
	fa2_buf_wipe(&res);
	fa2_buf_cleanup(&res);
	fa2_buf_wipe(&in);
	fa2_buf_cleanup(&in);
	return e;
}

fa2_err fa2_aws_sts_assume_role(const fa2_aws_chain *ch, const fa2_aws_creds *source,
                                const char *role_arn, const char *session_name,
                                const char *external_id, int duration_s, fa2_aws_creds *out)
{
	cJSON *in = cJSON_CreateObject();
	fa2_err e = FA2_ERR_NOMEM;
	if (!in || !cJSON_AddStringToObject(in, "RoleArn", role_arn) ||
	    !cJSON_AddStringToObject(in, "RoleSessionName", session_name) ||
	    (external_id && !cJSON_AddStringToObject(in, "ExternalId", external_id)) ||
	    (duration_s > 0 && !cJSON_AddNumberToObject(in, "DurationSeconds", duration_s)))
		goto cleanup;
	e = sts_call(ch, "AssumeRole", in, source, out, "assume-role");
cleanup:
	cJSON_Delete(in);
	return e;
}

fa2_err fa2_aws_sts_assume_role_web_identity(const fa2_aws_chain *ch, const char *role_arn,
                                             const char *session_name, const char *token_file,
                                             fa2_aws_creds *out)
{
	fa2_buf tok;
	cJSON *in = NULL;
	fa2_err e;
	fa2_buf_init(&tok, FA2_AWS_MAX_TOKEN_BYTES * 4);
	e = fa2_file_read_all(token_file, &tok);
	if (e) {
		FA2_LOGE("aws", "web identity token file %s: %s", token_file, fa2_err_str(e));
		e = FA2_ERR_CONFIG;
		goto cleanup;
	}
	(void)fa2_log_add_secret(fa2_slice_trim(fa2_buf_slice(&tok)));
	in = cJSON_CreateObject();
	e = FA2_ERR_NOMEM;
	if (!in || !cJSON_AddStringToObject(in, "RoleArn", role_arn) ||
	    !cJSON_AddStringToObject(in, "RoleSessionName", session_name))
		goto cleanup;
	{
		fa2_slice t = fa2_slice_trim(fa2_buf_slice(&tok));
		cJSON *s;
		fa2_buf_truncate(&tok, (size_t)(t.ptr - tok.data) + t.len);
		s = cJSON_CreateString(tok.data + (t.ptr - tok.data));
		if (!s || !cJSON_AddItemToObject(in, "WebIdentityToken", s)) {
			cJSON_Delete(s);
			goto cleanup;
		}
	}
	e = sts_call(ch, "AssumeRoleWithWebIdentity", in, NULL, out, "web-identity");
cleanup:
	cJSON_Delete(in);
	fa2_buf_wipe(&tok);
	fa2_buf_cleanup(&tok);
	return e;
}
