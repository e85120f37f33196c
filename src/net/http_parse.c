/* HTTP/1.1 head parser, body framing and chunked decoder. See http.h. (stub) */
#include "net/http.h"

fa2_err fa2_http_parse_request(const char *buf, size_t len, fa2_http_request *req)
{
	(void)buf; (void)len; (void)req;
	return FA2_ERR_UNSUPPORTED;
}

fa2_err fa2_http_parse_response(const char *buf, size_t len, fa2_http_response *resp)
{
	(void)buf; (void)len; (void)resp;
	return FA2_ERR_UNSUPPORTED;
}

const fa2_slice *fa2_http_header_find(const fa2_http_header *headers, size_t n, const char *name)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (fa2_slice_eq_ci(headers[i].name, fa2_slice_cstr(name)))
			return &headers[i].value;
	return NULL;
}

int fa2_http_header_has_token(const fa2_http_header *headers, size_t n, const char *name, const char *token)
{
	(void)headers; (void)n; (void)name; (void)token;
	return 0;
}

fa2_err fa2_http_request_body(const fa2_http_request *req, uint64_t max_body, fa2_http_body *out)
{
	(void)req; (void)max_body; (void)out;
	return FA2_ERR_UNSUPPORTED;
}

fa2_err fa2_http_response_body(const fa2_http_response *resp, int request_was_head, uint64_t max_body, fa2_http_body *out)
{
	(void)resp; (void)request_was_head; (void)max_body; (void)out;
	return FA2_ERR_UNSUPPORTED;
}

int fa2_http_keep_alive(int minor_version, const fa2_http_header *headers, size_t n)
{
	(void)headers; (void)n;
	return minor_version == 1;
}

void fa2_http_chunked_init(fa2_http_chunked *d, uint64_t max_total)
{
	d->state = 0; d->chunk_left = 0; d->total = 0; d->max_total = max_total;
	d->line_bytes = 0; d->trailer_bytes = 0; d->digits = 0;
}

fa2_err fa2_http_chunked_decode(fa2_http_chunked *d, char *buf, size_t len, size_t *out_len, size_t *consumed)
{
	(void)d; (void)buf; (void)len;
	*out_len = 0; *consumed = 0;
	return FA2_ERR_UNSUPPORTED;
}

int fa2_http_chunked_done(const fa2_http_chunked *d)
{
	(void)d;
	return 0;
}

const char *fa2_http_reason(int status)
{
	(void)status;
	return "Unknown";
}
