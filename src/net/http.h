/* HTTP/1.1 message parsing shared by the client and the server (RFC 9110 / 9112).
 *
 * picohttpparser style: the caller accumulates bytes in its own buffer and calls a
 * parse function on the whole buffer each time more arrive. Nothing is copied and
 * nothing is allocated: every fa2_slice in a parsed head points into the caller's
 * buffer, so the buffer must outlive (and not move under) the parsed struct.
 *
 * Return contract of the head parsers:
 *   FA2_OK            a complete head; ->head_len bytes were used (the body or the next
 *                     pipelined message starts at buf + head_len)
 *   FA2_ERR_PARTIAL   everything so far is valid but the head is incomplete
 *   FA2_ERR_PARSE     malformed (server: 400)
 *   FA2_ERR_TOO_LARGE the head exceeds FA2_MAX_HTTP_HEADER_BYTES or has more than
 *                     FA2_MAX_HTTP_HEADERS fields (server: 431)
 *   FA2_ERR_UNSUPPORTED a well-formed request line with an HTTP version other than
 *                     1.0/1.1 (server: 505)
 * Errors are reported as early as possible (garbage is rejected before the blank line).
 *
 * Body framing errors (fa2_http_request_body / fa2_http_response_body):
 *   FA2_ERR_PARSE     conflicting or invalid framing: CL together with TE, several
 *                     differing CL values, a CL that is not a plain decimal number
 *                     (server: 400)
 *   FA2_ERR_TOO_LARGE the declared Content-Length exceeds the body cap (server: 413)
 *   FA2_ERR_UNSUPPORTED a request Transfer-Encoding other than "chunked" (server: 501)
 * The chunked decoder returns FA2_ERR_TOO_LARGE when the decoded body exceeds its cap
 * (server: 413) and FA2_ERR_PARSE for bad framing (400).
 *
 * Line endings: the head accepts CRLF and, as RFC 9112 section 2.2 permits, a bare LF
 * (some hand-written clients send them; a bare LF cannot hide a header here since a
 * bare CR is always rejected). Chunked framing lines are strict: only CRLF is accepted,
 * because lenient chunk-line parsing is a known request-smuggling vector.
 * obs-fold (a header line starting with SP/HTAB), white space between a field name and
 * its colon, and control characters in names or values are rejected (FA2_ERR_PARSE).
 * Empty lines before a request line are skipped (RFC 9112 section 2.2). */
#ifndef FA2_NET_HTTP_H
#define FA2_NET_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/slice.h"

typedef struct fa2_http_header {
	fa2_slice name;   /* token, case preserved */
	fa2_slice value;  /* leading and trailing OWS removed; may be empty */
} fa2_http_header;

typedef struct fa2_http_request {
	fa2_slice method;          /* token, case-sensitive ("GET") */
	fa2_slice target;          /* request-target as sent ("/healthz?x=1") */
	int minor_version;         /* 0 or 1 (HTTP/1.x) */
	size_t num_headers;
	fa2_http_header headers[FA2_MAX_HTTP_HEADERS];
	size_t head_len;           /* bytes of request line + headers + blank line */
} fa2_http_request;

typedef struct fa2_http_response {
	int minor_version;         /* 0 or 1 */
	int status;                /* 100..999 */
	fa2_slice reason;          /* may be empty */
	size_t num_headers;
	fa2_http_header headers[FA2_MAX_HTTP_HEADERS];
	size_t head_len;
} fa2_http_response;

/* Parses a request head from buf[0, len). See the return contract above. On any
 * result other than FA2_OK the contents of *req are unspecified. */
fa2_err fa2_http_parse_request(const char *buf, size_t len, fa2_http_request *req);

/* Parses a response head (status line + headers) from buf[0, len). */
fa2_err fa2_http_parse_response(const char *buf, size_t len, fa2_http_response *resp);

/* Value of the first field called `name` (ASCII case-insensitive), or NULL. */
const fa2_slice *fa2_http_header_find(const fa2_http_header *headers, size_t n,
                                      const char *name);

/* True when some field called `name` holds `token` as one of its comma-separated
 * elements (both compared case-insensitively, OWS ignored): for Connection,
 * Transfer-Encoding and the like. */
int fa2_http_header_has_token(const fa2_http_header *headers, size_t n,
                              const char *name, const char *token);

typedef enum fa2_http_body_kind {
	FA2_HTTP_BODY_NONE = 0,      /* no body at all */
	FA2_HTTP_BODY_LENGTH,        /* exactly ->length bytes (may be 0) */
	FA2_HTTP_BODY_CHUNKED,       /* chunked: feed it to fa2_http_chunked_decode */
	FA2_HTTP_BODY_UNTIL_CLOSE    /* responses only: everything until the peer closes */
} fa2_http_body_kind;

typedef struct fa2_http_body {
	fa2_http_body_kind kind;
	uint64_t length;             /* for FA2_HTTP_BODY_LENGTH */
} fa2_http_body;

/* How the body of a parsed request is framed. max_body is the cap on a declared
 * Content-Length (callers use FA2_MAX_HTTP_REQ_BODY_BYTES). A request without CL or
 * TE has no body. Errors: see the contract above. */
fa2_err fa2_http_request_body(const fa2_http_request *req, uint64_t max_body,
                              fa2_http_body *out);

/* How the body of a parsed response is framed. request_was_head: the request was a
 * HEAD (no body whatever the headers say). 1xx, 204 and 304 have no body. A response
 * without CL or chunked TE runs until close. max_body caps a declared Content-Length
 * (callers use FA2_MAX_HTTP_BODY_BYTES). */
fa2_err fa2_http_response_body(const fa2_http_response *resp, int request_was_head,
                               uint64_t max_body, fa2_http_body *out);

/* Whether the connection may be reused after this message: HTTP/1.1 unless a
 * Connection field has the "close" token; HTTP/1.0 only with a "keep-alive" token
 * (and no "close"). */
int fa2_http_keep_alive(int minor_version, const fa2_http_header *headers, size_t n);

/* Incremental, in-place chunked transfer-coding decoder (RFC 9112 section 7.1).
 * Chunk extensions are skipped (bounded), trailer fields are validated and discarded,
 * chunk sizes are overflow-checked, and the decoded total is capped. */
typedef struct fa2_http_chunked {
	int state;              /* internal */
	uint64_t chunk_left;    /* internal: data bytes left in the current chunk */
	uint64_t total;         /* decoded body bytes so far */
	uint64_t max_total;     /* cap on total (FA2_ERR_TOO_LARGE beyond) */
	size_t line_bytes;      /* internal: bytes of the current size/trailer line */
	size_t trailer_bytes;   /* internal: bytes of trailer section so far */
	unsigned digits;        /* internal: hex digits of the current size */
} fa2_http_chunked;

void fa2_http_chunked_init(fa2_http_chunked *d, uint64_t max_total);

/* Decodes buf[0, len) in place. The decoded body bytes of this call are written to
 * buf[0, *out_len) (the output never overtakes the input, so bytes of buf not yet
 * consumed are left intact). *consumed gets the number of input bytes used.
 * Returns FA2_OK when the last chunk and the trailer section are complete: then
 * buf[*consumed, len) is whatever follows the body (a pipelined message), untouched.
 * Returns FA2_ERR_PARTIAL when all input was used and more is needed (*consumed ==
 * len); call again with the next bytes. Any piece sizes work, down to one byte.
 * Errors: FA2_ERR_PARSE (bad framing; the decoder is then stuck in error),
 * FA2_ERR_TOO_LARGE (decoded total above max_total). Calling after FA2_OK returns
 * FA2_OK with nothing consumed. */
fa2_err fa2_http_chunked_decode(fa2_http_chunked *d, char *buf, size_t len,
                                size_t *out_len, size_t *consumed);

/* True once fa2_http_chunked_decode has returned FA2_OK. */
int fa2_http_chunked_done(const fa2_http_chunked *d);

/* Standard reason phrase for a status code ("Not Found"); "Unknown" when unknown. */
const char *fa2_http_reason(int status);

#endif
