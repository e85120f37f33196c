/* fa2 error codes: one enum for the whole program, with a string table.
 * Functions that can fail return fa2_err; FA2_OK is zero so `if (err)` works. */
#ifndef FA2_BASE_ERR_H
#define FA2_BASE_ERR_H

#define FA2_ERR_LIST(X) \
	X(FA2_OK,              "ok") \
	X(FA2_ERR_NOMEM,       "out of memory") \
	X(FA2_ERR_TOO_LARGE,   "size limit exceeded") \
	X(FA2_ERR_INVALID,     "invalid argument") \
	X(FA2_ERR_PARSE,       "malformed input") \
	X(FA2_ERR_PARTIAL,     "incomplete input, more data needed") \
	X(FA2_ERR_IO,          "I/O error") \
	X(FA2_ERR_NOT_FOUND,   "not found") \
	X(FA2_ERR_EXISTS,      "already exists") \
	X(FA2_ERR_TIMEOUT,     "deadline exceeded") \
	X(FA2_ERR_AGAIN,       "try again") \
	X(FA2_ERR_CLOSED,      "connection closed") \
	X(FA2_ERR_NET,         "network error") \
	X(FA2_ERR_DNS,         "host name lookup failed") \
	X(FA2_ERR_TLS,         "TLS error") \
	X(FA2_ERR_HTTP,        "HTTP protocol error") \
	X(FA2_ERR_AUTH,        "authentication failed") \
	X(FA2_ERR_AWS,         "AWS service error") \
	X(FA2_ERR_THROTTLED,   "throttled") \
	X(FA2_ERR_LLM,         "model error") \
	X(FA2_ERR_SLACK,       "Slack API error") \
	X(FA2_ERR_CONFIG,      "configuration error") \
	X(FA2_ERR_LOCKED,      "locked by another process") \
	X(FA2_ERR_UNSUPPORTED, "not supported") \
	X(FA2_ERR_CANCELLED,   "cancelled") \
	X(FA2_ERR_INTERNAL,    "internal error")

typedef enum fa2_err {
#define FA2_ERR_ENUM_(name, text) name,
	FA2_ERR_LIST(FA2_ERR_ENUM_)
#undef FA2_ERR_ENUM_
	FA2_ERR__COUNT
} fa2_err;

/* Returns a static, human-readable description; never NULL. */
const char *fa2_err_str(fa2_err err);
/* Returns the enumerator's name ("FA2_ERR_TIMEOUT"); never NULL. */
const char *fa2_err_name(fa2_err err);

#endif
