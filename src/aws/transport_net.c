/* fa2_aws_http_default: the AWS layer's exchanges over src/net's pooled HTTP client
 * (TLS verified against AWS_CA_BUNDLE / system anchors, HTTPS_PROXY / NO_PROXY). */
#include "aws/transport.h"

#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/time.h"
#include "net/httpc.h"

#define TRANSPORT_MAX_HEADERS 32u

fa2_err fa2_aws_http_default(void *ctx, const fa2_aws_http_request *req,
                             fa2_aws_http_response *resp)
{
	fa2_http_header h[TRANSPORT_MAX_HEADERS];
	fa2_httpc_request hr;
	fa2_httpc_response r;
	int64_t left = req->deadline_ms - fa2_time_mono_ms();
	size_t i;
	fa2_err e;

	(void)ctx;
	if (req->n_headers > TRANSPORT_MAX_HEADERS)
		return FA2_ERR_TOO_LARGE;
	if (left <= 0)
		return FA2_ERR_TIMEOUT;
	for (i = 0; i < req->n_headers; i++) {
		h[i].name = req->headers[i].name;
		h[i].value = req->headers[i].value;
	}
	memset(&hr, 0, sizeof hr);
	hr.method = req->method;
	hr.tls = req->url->https;
	hr.host = req->url->host;
	hr.port = (uint16_t)req->url->port;
	hr.target = req->target;
	hr.headers = h;
	hr.num_headers = req->n_headers;
	hr.body = req->body;
	hr.timeout_ms = left;
	hr.connect_timeout_ms = left < FA2_HTTPC_CONNECT_TIMEOUT_MS ? left : FA2_HTTPC_CONNECT_TIMEOUT_MS;
	hr.tls_timeout_ms = left < FA2_HTTPC_TLS_TIMEOUT_MS ? left : FA2_HTTPC_TLS_TIMEOUT_MS;
	hr.max_body = resp->body.max;
	/* AWS JSON APIs are POST but the requests fa2 sends are safe to repeat when a pooled
	 * connection turns out stale before any byte of a response arrived. */
	hr.retry_stale = 1;
	fa2_httpc_response_init(&r);
	e = fa2_httpc_do(NULL, &hr, &r);
	if (e) {
		snprintf(resp->errmsg, sizeof resp->errmsg, "%s", r.errmsg[0] ? r.errmsg : fa2_err_str(e));
		FA2_LOGD("aws", "%s %s%.*s: %s", req->method, req->url->authority,
		         FA2_SLICE_FMT(req->target), r.errmsg[0] ? r.errmsg : fa2_err_str(e));
		goto cleanup;
	}
	resp->status = r.status;
	for (i = 0; i < r.head.num_headers && !e; i++) {
		char name[128];
		fa2_slice n = r.head.headers[i].name;
		if (n.len >= sizeof name)
			continue;
		memcpy(name, n.ptr, n.len);
		name[n.len] = '\0';
		e = fa2_aws_http_response_add_header(resp, name, r.head.headers[i].value);
	}
	if (!e)
		e = fa2_buf_append_slice(&resp->body, fa2_buf_slice(&r.body));
cleanup:
	fa2_buf_wipe(&r.body);
	fa2_httpc_response_cleanup(&r);
	return e;
}
