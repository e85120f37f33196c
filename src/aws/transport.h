/* The HTTP exchange the AWS layer needs, as a function pointer so that the credential
 * chain, the JSON client and its retries are testable without a network (tests pass a
 * fake) and so that the real client (src/net) plugs in at one place
 * (fa2_aws_http_default). */
#ifndef FA2_AWS_TRANSPORT_H
#define FA2_AWS_TRANSPORT_H

#include <stdint.h>

#include "aws/config.h"
#include "aws/sigv4.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/slice.h"

typedef struct fa2_aws_http_request {
	const char *method;
	const fa2_aws_url *url;        /* scheme, host, port; url->authority is the Host */
	fa2_slice target;              /* request target: "/path?query" */
	const fa2_sigv4_header *headers;  /* Host is added by the transport when absent */
	size_t n_headers;
	fa2_slice body;
	int64_t deadline_ms;           /* monotonic; the whole exchange must end by then */
} fa2_aws_http_request;

typedef struct fa2_aws_http_response {
	int status;
	fa2_buf headers;               /* "Name: value\r\n" lines as received */
	fa2_buf body;                  /* capped at FA2_MAX_HTTP_BODY_BYTES */
	char errmsg[320];              /* on a transport error: why, naming the host */
} fa2_aws_http_response;

/* One exchange. FA2_OK with resp->status set when any HTTP response arrived (whatever
 * the status); otherwise FA2_ERR_NET, FA2_ERR_CLOSED, FA2_ERR_DNS, FA2_ERR_TLS,
 * FA2_ERR_TIMEOUT, FA2_ERR_HTTP (malformed response), FA2_ERR_TOO_LARGE. */
typedef fa2_err (*fa2_aws_http_fn)(void *ctx, const fa2_aws_http_request *req,
                                   fa2_aws_http_response *resp);

void fa2_aws_http_response_init(fa2_aws_http_response *r);
void fa2_aws_http_response_reset(fa2_aws_http_response *r);
void fa2_aws_http_response_cleanup(fa2_aws_http_response *r);
/* Adds a header line (for transports and fakes). */
fa2_err fa2_aws_http_response_add_header(fa2_aws_http_response *r, const char *name,
                                         fa2_slice value);
/* First header named name (case-insensitive), trimmed; 0 when absent. */
int fa2_aws_http_response_header(const fa2_aws_http_response *r, const char *name,
                                 fa2_slice *value);

/* The real transport over src/net's HTTP client (ctx unused, may be NULL). */
fa2_err fa2_aws_http_default(void *ctx, const fa2_aws_http_request *req,
                             fa2_aws_http_response *resp);

#endif
