#include "aws/secretsmanager.h"

#include <string.h>

#include "base/json.h"
#include "base/log.h"
#include "crypto/encode.h"

fa2_err fa2_aws_secret_get(fa2_aws_client *c, const char *secret_id, const char *version_stage,
                           fa2_buf *out, fa2_aws_error *err)
{
	cJSON *in = cJSON_CreateObject(), *j = NULL;
	fa2_buf req, res;
	const char *s;
	fa2_err e = FA2_ERR_NOMEM;

	fa2_buf_init(&req, 1 << 16);
	fa2_buf_init(&res, 1 << 20);
	if (!in || !cJSON_AddStringToObject(in, "SecretId", secret_id) ||
	    (version_stage && !cJSON_AddStringToObject(in, "VersionStage", version_stage)))
		goto cleanup;
	e = fa2_json_append(&req, in);
	if (!e)
		e = fa2_aws_call(c, fa2_aws_service_find("secretsmanager"), "GetSecretValue",
		                 fa2_buf_slice(&req), &res, err, NULL);
	if (e)
		goto cleanup;
	j = fa2_json_parse(fa2_buf_slice(&res), &e);
	if (!j)
		goto cleanup;
	if ((s = fa2_json_str(j, "SecretString")) != NULL) {
		e = fa2_buf_append_cstr(out, s);
	} else if ((s = fa2_json_str(j, "SecretBinary")) != NULL) {
		e = fa2_base64_decode(fa2_slice_cstr(s), FA2_B64_STD, out);
	} else {
		FA2_LOGE("aws", "secret %s: reply has neither SecretString nor SecretBinary", secret_id);
		e = FA2_ERR_PARSE;
	}
	if (!e)
		(void)fa2_log_add_secret(fa2_buf_slice(out));
cleanup:
	cJSON_Delete(in);
	cJSON_Delete(j);
	fa2_buf_cleanup(&req);
	fa2_buf_wipe(&res);
	fa2_buf_cleanup(&res);
	return e;
}

fa2_err fa2_aws_secret_get_key(fa2_aws_client *c, const char *secret_id, const char *key,
                               fa2_buf *out, fa2_aws_error *err)
{
	fa2_buf v;
	cJSON *j = NULL;
	const char *s;
	fa2_err e;
	fa2_buf_init(&v, 1 << 20);
	e = fa2_aws_secret_get(c, secret_id, NULL, &v, err);
	if (e)
		goto cleanup;
	j = fa2_json_parse(fa2_buf_slice(&v), NULL);
	s = j ? fa2_json_str(j, key) : NULL;
	if (!s) {
		FA2_LOGE("aws", "secret %s has no string member \"%s\"", secret_id, key);
		e = FA2_ERR_NOT_FOUND;
		goto cleanup;
	}
	e = fa2_buf_append_cstr(out, s);
	if (!e)
		(void)fa2_log_add_secret(fa2_slice_cstr(s));
cleanup:
	if (j) {
		/* cJSON copies of the secret: wipe before freeing. */
		cJSON *it;
		cJSON_ArrayForEach(it, j)
			if (cJSON_IsString(it) && it->valuestring)
				memset(it->valuestring, 0, strlen(it->valuestring));
	}
	cJSON_Delete(j);
	fa2_buf_wipe(&v);
	fa2_buf_cleanup(&v);
	return e;
}
