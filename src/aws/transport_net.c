/* fa2_aws_http_default: placeholder until src/net's HTTP client is merged. */
#include "aws/transport.h"

#include "base/log.h"

fa2_err fa2_aws_http_default(void *ctx, const fa2_aws_http_request *req,
                             fa2_aws_http_response *resp)
{
	(void)ctx;
	(void)resp;
	FA2_LOGE("aws", "%s %s: no HTTP client in this build", req->method, req->url->host);
	return FA2_ERR_UNSUPPORTED;
}
