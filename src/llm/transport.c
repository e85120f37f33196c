/* Production LLM transports (see transport.h): one HTTP exchange per call over the AWS
 * layer's HTTP function (src/net's pooled client, TLS verified), signed with SigV4 for
 * Bedrock using the shared credential provider and endpoint resolution of src/aws. No
 * retries here: fa2_llm_call owns them. */
#include "llm/transport.h"

#include <stdio.h>
#include <string.h>

#include "aws/shared.h"
#include "aws/sigv4.h"
#include "aws/transport.h"
#include "base/alloc.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/num.h"
#include "base/time.h"
#include "base/version.h"

#define TRANSPORT_MAX_HDRS 16u

typedef struct llm_transport {
	fa2_llm_kind kind;
	fa2_aws_client *aws;   /* Bedrock: the shared client (creds, region, key cache) */
} llm_transport;

/* Copies resp's interesting parts into out. */
static void fill_response(const fa2_aws_http_response *r, fa2_llm_http_response *out)
{
	fa2_slice v;
	out->status = r->status;
	out->error_type[0] = '\0';
	out->retry_after_ms = 0;
	if (fa2_aws_http_response_header(r, "x-amzn-ErrorType", &v)) {
		long colon = fa2_slice_find_char(v, ':');
		if (colon >= 0)
			v.len = (size_t)colon;
		if (v.len >= sizeof out->error_type)
			v.len = sizeof out->error_type - 1;
		memcpy(out->error_type, v.ptr, v.len);
		out->error_type[v.len] = '\0';
	}
	if (fa2_aws_http_response_header(r, "Retry-After", &v)) {
		uint64_t s;
		if (fa2_num_parse_u64(fa2_slice_trim(v), 3599, &s) == FA2_OK)
			out->retry_after_ms = (int64_t)s * 1000;
	}
}

static fa2_err send_one(void *ctx, const fa2_llm_http_request *req, fa2_llm_http_response *out)
{
	llm_transport *t = ctx;
	fa2_buf url, target;
	fa2_aws_url u;
	fa2_sigv4_header h[TRANSPORT_MAX_HDRS];
	fa2_sigv4_result sres;
	fa2_aws_creds creds;
	fa2_aws_http_request hr;
	fa2_aws_http_response resp;
	int64_t deadline = req->deadline_mono_ms ? req->deadline_mono_ms : fa2_time_mono_ms() + 120000;
	size_t n = 0, i;
	fa2_err e;

	fa2_buf_init(&url, 2048);
	fa2_buf_init(&target, FA2_MAX_SIGV4_BYTES);
	fa2_sigv4_result_init(&sres);
	fa2_aws_creds_init(&creds);
	fa2_aws_http_response_init(&resp);
	resp.body.max = out->body.max ? out->body.max : FA2_MAX_HTTP_BODY_BYTES;

	if (req->base_url) {
		e = fa2_buf_append_cstr(&url, req->base_url);
	} else {
		const fa2_aws_service *svc = fa2_aws_service_find("bedrock-runtime");
		e = svc && t->aws ? fa2_aws_endpoint_resolve(svc, t->aws->region, t->aws->cfg, &url)
				  : FA2_ERR_CONFIG;
	}
	while (!e && url.len && url.data[url.len - 1] == '/')
		url.len--, url.data[url.len] = '\0';
	if (!e)
		e = fa2_aws_url_parse(fa2_buf_slice(&url), &u);
	if (e) {
		FA2_LOGE("llm", "bad model endpoint URL '%s'", url.data ? url.data : "");
		e = FA2_ERR_CONFIG;
		goto cleanup;
	}
	e = fa2_buf_append_cstr(&target, u.base_path);
	if (!e)
		e = fa2_buf_append_cstr(&target, req->path);
	if (e)
		goto cleanup;

	h[n].name = FA2_SLICE_LIT("Host");
	h[n++].value = fa2_slice_cstr(u.authority);
	h[n].name = FA2_SLICE_LIT("Content-Type");
	h[n++].value = fa2_slice_cstr(req->content_type ? req->content_type : "application/json");
	h[n].name = FA2_SLICE_LIT("Accept");
	h[n++].value = FA2_SLICE_LIT("application/json");
	h[n].name = FA2_SLICE_LIT("User-Agent");
	h[n++].value = FA2_SLICE_LIT("fa2/" FA2_VERSION);
	for (i = 0; i < req->n_headers && n + 4 < TRANSPORT_MAX_HDRS; i++) {
		h[n].name = fa2_slice_cstr(req->headers[i].name);
		h[n++].value = fa2_slice_cstr(req->headers[i].value);
	}
	if (req->sign_service) {
		fa2_sigv4_request sr;
		fa2_sigv4_params sp;
		if (!t->aws) {
			e = FA2_ERR_CONFIG;
			goto cleanup;
		}
		e = fa2_aws_creds_provider_get(t->aws->creds, &creds);
		if (e) {
			FA2_LOGE("llm", "no AWS credentials for Bedrock (environment, profile, container "
				 "or instance role)");
			e = FA2_ERR_AUTH;
			goto cleanup;
		}
		memset(&sr, 0, sizeof sr);
		sr.method = fa2_slice_cstr(req->method);
		sr.path = fa2_buf_slice(&target);
		sr.headers = h;
		sr.n_headers = n;
		sr.payload = req->body;
		memset(&sp, 0, sizeof sp);
		sp.access_key_id = fa2_slice_cstr(creds.access_key_id);
		sp.secret_access_key = fa2_slice_cstr(creds.secret_access_key);
		sp.session_token = fa2_slice_cstr(creds.session_token);
		sp.region = fa2_slice_cstr(t->aws->region);
		sp.service = fa2_slice_cstr(req->sign_service);
		pthread_mutex_lock(&t->aws->lock);
		sp.time_ms = fa2_time_now_ms() + t->aws->skew_ms;
		pthread_mutex_unlock(&t->aws->lock);
		sp.cache = &t->aws->key_cache;
		e = fa2_sigv4_sign_headers(&sr, &sp, &sres);
		if (e)
			goto cleanup;
		h[n].name = FA2_SLICE_LIT("X-Amz-Date");
		h[n++].value = fa2_slice_cstr(sres.amz_date);
		if (creds.session_token) {
			h[n].name = FA2_SLICE_LIT("X-Amz-Security-Token");
			h[n++].value = fa2_slice_cstr(creds.session_token);
		}
		h[n].name = FA2_SLICE_LIT("Authorization");
		h[n++].value = fa2_buf_slice(&sres.authorization);
	}
	memset(&hr, 0, sizeof hr);
	hr.method = req->method;
	hr.url = &u;
	hr.target = fa2_buf_slice(&target);
	hr.headers = h;
	hr.n_headers = n;
	hr.body = req->body;
	hr.deadline_ms = deadline;
	e = fa2_aws_http_default(NULL, &hr, &resp);
	if (e) {
		FA2_LOGW("llm", "%s %s: %s", req->method, u.authority, resp.errmsg);
		goto cleanup;
	}
	fill_response(&resp, out);
	e = fa2_buf_append_slice(&out->body, fa2_buf_slice(&resp.body));
cleanup:
	fa2_aws_http_response_cleanup(&resp);
	fa2_aws_creds_cleanup(&creds);
	fa2_sigv4_result_cleanup(&sres);
	fa2_buf_cleanup(&target);
	fa2_buf_cleanup(&url);
	return e;
}

fa2_err fa2_llm_transport_open(fa2_llm_kind kind, const char *region, fa2_llm_transport_fn *fn,
			       void **ctx, char *msg, size_t msg_cap)
{
	llm_transport *t;
	fa2_err e;
	*fn = NULL;
	*ctx = NULL;
	t = fa2_malloc(sizeof *t);
	if (!t) {
		snprintf(msg, msg_cap, "out of memory");
		return FA2_ERR_NOMEM;
	}
	memset(t, 0, sizeof *t);
	t->kind = kind;
	if (kind == FA2_LLM_BEDROCK) {
		e = fa2_aws_shared_get(region, &t->aws, msg, msg_cap);
		if (e) {
			fa2_free(t);
			return e;
		}
	}
	*fn = send_one;
	*ctx = t;
	return FA2_OK;
}

void fa2_llm_transport_release(void *ctx)
{
	fa2_free(ctx);
}
