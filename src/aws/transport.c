#include "aws/transport.h"

#include <string.h>

#include "base/limits.h"

void fa2_aws_http_response_init(fa2_aws_http_response *r)
{
	r->status = 0;
	r->errmsg[0] = '\0';
	fa2_buf_init(&r->headers, FA2_MAX_HTTP_HEADER_BYTES);
	fa2_buf_init(&r->body, FA2_MAX_HTTP_BODY_BYTES);
}

void fa2_aws_http_response_reset(fa2_aws_http_response *r)
{
	r->status = 0;
	r->errmsg[0] = '\0';
	fa2_buf_reset(&r->headers);
	fa2_buf_wipe(&r->body);  /* bodies carry credentials and secrets */
}

void fa2_aws_http_response_cleanup(fa2_aws_http_response *r)
{
	fa2_buf_wipe(&r->body);
	fa2_buf_cleanup(&r->headers);
	fa2_buf_cleanup(&r->body);
}

fa2_err fa2_aws_http_response_add_header(fa2_aws_http_response *r, const char *name,
                                         fa2_slice value)
{
	fa2_err e = fa2_buf_append_cstr(&r->headers, name);
	if (!e)
		e = fa2_buf_append(&r->headers, ": ", 2);
	if (!e)
		e = fa2_buf_append_slice(&r->headers, value);
	if (!e)
		e = fa2_buf_append(&r->headers, "\r\n", 2);
	return e;
}

int fa2_aws_http_response_header(const fa2_aws_http_response *r, const char *name,
                                 fa2_slice *value)
{
	fa2_slice all = fa2_buf_slice(&r->headers), line, rest;
	fa2_slice want = fa2_slice_cstr(name);
	while (all.len > 0) {
		long colon;
		if (!fa2_slice_split(all, '\n', &line, &rest))
			line = all, rest = FA2_SLICE_EMPTY;
		all = rest;
		colon = fa2_slice_find_char(line, ':');
		if (colon < 0)
			continue;
		if (fa2_slice_eq_ci(fa2_slice_trim(fa2_slice_make(line.ptr, (size_t)colon)), want)) {
			*value = fa2_slice_trim(fa2_slice_sub(line, (size_t)colon + 1, line.len));
			return 1;
		}
	}
	return 0;
}
