/* One call to an AWS JSON operation before an absolute deadline, the form every service
 * file (logs.c, cloudwatch.c, cloudtrail.c, xray.c), the agent's tools and the snapshot
 * capture share, with one readable line when it fails.
 *
 * Deadlines are absolute CLOCK_MONOTONIC milliseconds (fa2_time_mono_ms); 0 means "the
 * client's own per-call timeout". */
#ifndef FA2_AWS_CALL_H
#define FA2_AWS_CALL_H

#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"

#include "aws/client.h"
#include "base/buf.h"
#include "base/err.h"

/* What failed, for fa2_aws_do's callers that word the failure themselves. */
typedef enum fa2_aws_stage {
	FA2_AWS_STAGE_OK = 0,
	FA2_AWS_STAGE_NO_TIME,   /* the deadline had passed: nothing was sent */
	FA2_AWS_STAGE_CALL,      /* the call failed: err is filled (service or transport error) */
	FA2_AWS_STAGE_REPLY,     /* the reply is not JSON */
	FA2_AWS_STAGE_LOCAL      /* before sending: unknown service, no memory */
} fa2_aws_stage;

typedef struct fa2_aws_outcome {
	fa2_aws_stage stage;
	fa2_aws_error err;       /* filled for FA2_AWS_STAGE_CALL (zeroed otherwise) */
} fa2_aws_outcome;

/* Calls service (fa2 name: "logs", "monitoring", "cloudtrail", "xray", ...) operation op
 * with the JSON object in, ending before deadline_mono_ms (0: the client's timeout).
 * On success *out is the parsed reply (caller deletes; an empty body is {}). On failure
 * *out is NULL and oc (may be NULL) says what failed. Errors: FA2_ERR_TIMEOUT (no time
 * left, or the call ran out of it), FA2_ERR_AWS (service error), FA2_ERR_PARSE (reply
 * not JSON), the transport's errors, FA2_ERR_INTERNAL for an unknown service. */
fa2_err fa2_aws_do(fa2_aws_client *c, const char *service, const char *op, const cJSON *in,
		   int64_t deadline_mono_ms, cJSON **out, fa2_aws_outcome *oc);

/* fa2_aws_do keeping the reply as the service sent it: appended to raw (reset first). */
fa2_err fa2_aws_do_raw(fa2_aws_client *c, const char *service, const char *op, const cJSON *in,
		       int64_t deadline_mono_ms, fa2_buf *raw, fa2_aws_outcome *oc);

/* fa2_aws_do_raw, then the reply parsed as well: raw keeps the bytes, *out (caller
 * deletes; NULL on failure) the JSON. FA2_ERR_PARSE (stage REPLY) when it is not JSON. */
fa2_err fa2_aws_do_both(fa2_aws_client *c, const char *service, const char *op, const cJSON *in,
			int64_t deadline_mono_ms, fa2_buf *raw, cJSON **out, fa2_aws_outcome *oc);

/* One page of a paged operation: fa2_aws_do_raw (the reply stays in raw), then *n gets
 * the size of the reply's list_key array and token (cap bytes) its NextToken ("" when
 * none, or too long to follow). Errors as fa2_aws_do_both. */
fa2_err fa2_aws_do_page(fa2_aws_client *c, const char *service, const char *op, const cJSON *in,
			int64_t deadline_mono_ms, const char *list_key, fa2_buf *raw, size_t *n, char *token,
			size_t cap, fa2_aws_outcome *oc);

/* One line in English for a failure of service op: "logs StartQuery: AccessDenied...:
 * User is not authorized ... (HTTP 400, request id ...)", "... : no time left for this
 * call", "... : the reply is not JSON". Always NUL-terminates (cap > 0). */
void fa2_aws_outcome_line(const char *service, const char *op, fa2_err e, const fa2_aws_outcome *oc,
			  char *line, size_t cap);

#endif
