/* One AWS JSON call with a deadline (see call.h). */
#include "aws/call.h"

#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "base/limits.h"
#include "base/time.h"

#define CALL_IN_CAP (16u * 1024u * 1024u)  /* one request body */

/* Timeout left before deadline; 0 means "use the client's"; -1 when none is left. */
static int64_t time_left(int64_t deadline_mono_ms)
{
	int64_t left;
	if (!deadline_mono_ms)
		return 0;
	left = deadline_mono_ms - fa2_time_mono_ms();
	return left > 0 ? left : -1;
}

fa2_err fa2_aws_do_raw(fa2_aws_client *c, const char *service, const char *op, const cJSON *in,
		       int64_t deadline_mono_ms, fa2_buf *raw, fa2_aws_outcome *oc)
{
	const fa2_aws_service *svc = fa2_aws_service_find(service);
	fa2_aws_outcome local;
	fa2_aws_call_opts opts;
	fa2_buf body;
	int64_t left = time_left(deadline_mono_ms);
	fa2_err e;

	if (!oc)
		oc = &local;
	memset(oc, 0, sizeof *oc);
	fa2_buf_reset(raw);
	fa2_buf_init(&body, CALL_IN_CAP);
	if (!svc || !c) {
		oc->stage = FA2_AWS_STAGE_LOCAL;
		e = FA2_ERR_INTERNAL;
		goto cleanup;
	}
	if (left < 0) {
		oc->stage = FA2_AWS_STAGE_NO_TIME;
		e = FA2_ERR_TIMEOUT;
		goto cleanup;
	}
	e = in ? fa2_json_append(&body, in) : fa2_buf_append_cstr(&body, "{}");
	if (e) {
		oc->stage = FA2_AWS_STAGE_LOCAL;
		goto cleanup;
	}
	memset(&opts, 0, sizeof opts);
	opts.timeout_ms = left;
	e = fa2_aws_call(c, svc, op, fa2_buf_slice(&body), raw, &oc->err, &opts);
	if (e)
		oc->stage = FA2_AWS_STAGE_CALL;
cleanup:
	fa2_buf_cleanup(&body);
	return e;
}

fa2_err fa2_aws_do_both(fa2_aws_client *c, const char *service, const char *op, const cJSON *in,
			int64_t deadline_mono_ms, fa2_buf *raw, cJSON **out, fa2_aws_outcome *oc)
{
	fa2_aws_outcome local;
	fa2_err e;

	*out = NULL;
	if (!oc)
		oc = &local;
	e = fa2_aws_do_raw(c, service, op, in, deadline_mono_ms, raw, oc);
	if (e)
		return e;
	if (raw->len == 0) {
		*out = cJSON_CreateObject();
		return *out ? FA2_OK : FA2_ERR_NOMEM;
	}
	*out = fa2_json_parse(fa2_buf_slice(raw), &e);
	if (!*out && e != FA2_ERR_NOMEM) {
		oc->stage = FA2_AWS_STAGE_REPLY;
		e = FA2_ERR_PARSE;
	}
	return e;
}

fa2_err fa2_aws_do(fa2_aws_client *c, const char *service, const char *op, const cJSON *in,
		   int64_t deadline_mono_ms, cJSON **out, fa2_aws_outcome *oc)
{
	fa2_buf raw;
	fa2_err e;
	fa2_buf_init(&raw, FA2_MAX_HTTP_BODY_BYTES);
	e = fa2_aws_do_both(c, service, op, in, deadline_mono_ms, &raw, out, oc);
	fa2_buf_cleanup(&raw);
	return e;
}

fa2_err fa2_aws_do_page(fa2_aws_client *c, const char *service, const char *op, const cJSON *in,
			int64_t deadline_mono_ms, const char *list_key, fa2_buf *raw, size_t *n, char *token,
			size_t cap, fa2_aws_outcome *oc)
{
	cJSON *rep = NULL;
	const char *nt;
	fa2_err e = fa2_aws_do_both(c, service, op, in, deadline_mono_ms, raw, &rep, oc);
	*n = 0;
	if (cap)
		token[0] = '\0';
	if (e)
		return e;
	*n = (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(rep, list_key));
	nt = fa2_json_str(rep, "NextToken");
	if (nt && *nt && strlen(nt) < cap)
		memcpy(token, nt, strlen(nt) + 1);
	cJSON_Delete(rep);
	return FA2_OK;
}

void fa2_aws_outcome_line(const char *service, const char *op, fa2_err e, const fa2_aws_outcome *oc,
			  char *line, size_t cap)
{
	char what[1400];
	if (!cap)
		return;
	switch (oc ? oc->stage : FA2_AWS_STAGE_LOCAL) {
	case FA2_AWS_STAGE_NO_TIME:
		snprintf(what, sizeof what, "no time left for this call");
		break;
	case FA2_AWS_STAGE_CALL:
		fa2_aws_error_format(&oc->err, what, sizeof what);
		break;
	case FA2_AWS_STAGE_REPLY:
		snprintf(what, sizeof what, "the reply is not JSON");
		break;
	default:
		snprintf(what, sizeof what, "%s", fa2_err_str(e));
		break;
	}
	snprintf(line, cap, "%s %s: %s", service, op, what);
}
