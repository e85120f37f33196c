/* LLM provider interface: one conversation model, two wire formats.
 *
 * A call goes: build the provider's HTTP request from an fa2_llm_request (pure, no I/O)
 * -> send it through an injected transport function -> decode the HTTP response into an
 * fa2_llm_response (pure) -> classify errors (retryable or not). fa2_llm_call() wraps the
 * three with retries, exponential backoff with jitter and a deadline.
 *
 * The transport is the seam to the network stack (src/net/) and, for Bedrock, to SigV4
 * signing (src/aws/): the provider only produces method, path, headers and body; the
 * transport adds host, signing, TLS and deadlines. Tests inject scripted transports.
 *
 * Ownership: every string inside fa2_llm_* structs is owned by the struct (allocated with
 * fa2_malloc) and freed by its cleanup function. */
#ifndef FA2_LLM_LLM_H
#define FA2_LLM_LLM_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/slice.h"

#define FA2_LLM_MAX_BLOCKS_PER_MESSAGE 64u   /* content blocks kept from one message */
#define FA2_LLM_MAX_MESSAGES           512u  /* messages in one conversation */
#define FA2_LLM_MAX_HEADERS            4u    /* extra request headers a provider sets */

typedef enum fa2_llm_role { FA2_LLM_USER = 0, FA2_LLM_ASSISTANT } fa2_llm_role;

typedef enum fa2_llm_block_kind {
	FA2_LLM_TEXT = 0,
	FA2_LLM_TOOL_USE,     /* model -> us: id, name, input_json */
	FA2_LLM_TOOL_RESULT   /* us -> model: id, text, is_error */
} fa2_llm_block_kind;

typedef struct fa2_llm_block {
	fa2_llm_block_kind kind;
	char *text;        /* TEXT: the text; TOOL_RESULT: the observation */
	char *tool_id;     /* TOOL_USE / TOOL_RESULT: toolUseId / tool_call_id */
	char *tool_name;   /* TOOL_USE (and TOOL_RESULT, for providers that want it) */
	char *input_json;  /* TOOL_USE: the input object as compact JSON text */
	int is_error;      /* TOOL_RESULT: status "error" */
} fa2_llm_block;

typedef struct fa2_llm_message {
	fa2_llm_role role;
	fa2_llm_block *blocks;
	size_t n_blocks;
} fa2_llm_message;

/* A growing conversation. The caller owns the struct; the struct owns the messages. */
typedef struct fa2_llm_conv {
	fa2_llm_message *msgs;
	size_t n_msgs;
	size_t cap_msgs;
} fa2_llm_conv;

typedef struct fa2_llm_tool_spec {
	const char *name;         /* borrowed */
	const char *description;  /* borrowed, already localised */
	const char *schema_json;  /* borrowed: a JSON Schema object as text */
} fa2_llm_tool_spec;

typedef struct fa2_llm_request {
	const char *system;            /* borrowed; may be NULL */
	const fa2_llm_conv *conv;      /* borrowed */
	const fa2_llm_tool_spec *tools; /* borrowed; n_tools may be 0 */
	size_t n_tools;
	unsigned max_tokens;           /* 0: provider default left out */
	int has_temperature;           /* at most one of temperature / top_p is ever sent */
	double temperature;
	int has_top_p;
	double top_p;
} fa2_llm_request;

typedef enum fa2_llm_stop {
	FA2_LLM_STOP_END_TURN = 0,
	FA2_LLM_STOP_TOOL_USE,
	FA2_LLM_STOP_MAX_TOKENS,
	FA2_LLM_STOP_OTHER      /* stop_sequence, guardrail_intervened, content_filtered, ... */
} fa2_llm_stop;

typedef struct fa2_llm_usage {
	uint64_t input_tokens;
	uint64_t output_tokens;
	uint64_t total_tokens;
} fa2_llm_usage;

typedef struct fa2_llm_response {
	fa2_llm_message msg;      /* role ASSISTANT; text and tool-use blocks in order */
	fa2_llm_stop stop;
	char stop_raw[48];        /* the provider's stop reason string, truncated */
	fa2_llm_usage usage;
} fa2_llm_response;

/* ---- transport seam ---- */

typedef struct fa2_llm_header {
	const char *name;
	const char *value;   /* may be a secret: the transport must not log it */
} fa2_llm_header;

/* What a provider asks the transport to send. All pointers borrowed for the call. */
typedef struct fa2_llm_http_request {
	const char *method;        /* "POST" */
	const char *base_url;      /* NULL for Bedrock (the transport resolves the regional
	                            * endpoint, AWS_ENDPOINT_URL_BEDROCK_RUNTIME, ...);
	                            * the configured endpoint for OpenAI-compatible servers */
	const char *path;          /* already percent-encoded, e.g. /model/us.x%3Ay/converse */
	const char *sign_service;  /* "bedrock" for SigV4 signing; NULL: do not sign */
	const char *content_type;  /* "application/json" */
	fa2_llm_header headers[FA2_LLM_MAX_HEADERS];
	size_t n_headers;
	fa2_slice body;
	int64_t deadline_mono_ms;  /* absolute, fa2_time_mono_ms() clock; 0: none */
} fa2_llm_http_request;

/* What the transport hands back. The caller initialises body (with a cap) before the call. */
typedef struct fa2_llm_http_response {
	int status;                /* HTTP status; 0 when nothing was received */
	char error_type[96];       /* x-amzn-ErrorType header up to ':' (may be empty) */
	int64_t retry_after_ms;    /* Retry-After header, 0 when absent */
	fa2_buf body;
} fa2_llm_http_response;

/* Sends req and fills resp. Returns FA2_OK when an HTTP response (any status) arrived;
 * FA2_ERR_TIMEOUT / FA2_ERR_NET / FA2_ERR_TLS / ... when none did (these are retried by
 * fa2_llm_call as long as the deadline allows). Must be safe to call from one thread at a
 * time per provider. */
typedef fa2_err (*fa2_llm_transport_fn)(void *ctx, const fa2_llm_http_request *req,
					fa2_llm_http_response *resp);

/* ---- providers ---- */

typedef enum fa2_llm_kind { FA2_LLM_BEDROCK = 0, FA2_LLM_OPENAI } fa2_llm_kind;

typedef struct fa2_llm_provider {
	fa2_llm_kind kind;
	char *model;            /* Bedrock modelId / inference profile / ARN; OpenAI model */
	char *base_url;         /* OpenAI-compatible: e.g. http://127.0.0.1:8080/v1 */
	char *api_key;          /* OpenAI-compatible: bearer token or NULL; wiped on free */
	char *auth_header;      /* "Bearer <api_key>" or NULL; wiped on free */
	fa2_llm_transport_fn transport;
	void *transport_ctx;
	unsigned max_retries;       /* retries after the first attempt */
	unsigned backoff_base_ms;   /* first delay; doubles, with +-20% jitter */
	unsigned backoff_max_ms;
	unsigned timeout_ms;        /* per attempt */
	/* Calls made / retried / throttled (for progress lines and tests). */
	unsigned long calls, retries, throttled;
} fa2_llm_provider;

/* Error detail from the last failed call, for messages and the journal. */
typedef struct fa2_llm_error {
	int status;
	int retryable;
	int throttled;
	char type[96];       /* ThrottlingException, rate_limit_exceeded, ... */
	char message[256];
} fa2_llm_error;

/* Initialises p (all fields zeroed, defaults set). model (and, for OpenAI, base_url) are
 * copied. api_key may be NULL; it is copied, registered for log redaction, and wiped on
 * cleanup. */
fa2_err fa2_llm_provider_init(fa2_llm_provider *p, fa2_llm_kind kind, const char *model,
			      const char *base_url, const char *api_key);
void fa2_llm_provider_cleanup(fa2_llm_provider *p);

/* Builds the HTTP request for req into *http; the body goes to body_out (caller-owned,
 * capped), path_out holds the path (caller storage, cap bytes). */
fa2_err fa2_llm_build(const fa2_llm_provider *p, const fa2_llm_request *req,
		      fa2_llm_http_request *http, fa2_buf *body_out, char *path_out,
		      size_t path_cap);

/* Decodes an HTTP response. On HTTP 200 with a valid body fills resp and returns FA2_OK.
 * Otherwise fills err (when not NULL) and returns FA2_ERR_THROTTLED (retryable rate
 * limits and overload), FA2_ERR_AGAIN (other retryable server errors), FA2_ERR_LLM (a
 * model/request error that retrying will not fix), FA2_ERR_AUTH, or FA2_ERR_PARSE (200
 * with a body that is not the expected shape). resp must be initialised
 * (fa2_llm_response_init); it is reset first. */
fa2_err fa2_llm_decode(fa2_llm_kind kind, int status, const char *error_type,
		       fa2_slice body, fa2_llm_response *resp, fa2_llm_error *err);

/* Build -> transport -> decode with retries. Returns FA2_OK, FA2_ERR_THROTTLED when
 * throttling outlasted the retries, FA2_ERR_TIMEOUT when the deadline passed, or the
 * decode/transport error. deadline_mono_ms 0 means only the per-attempt timeout. */
fa2_err fa2_llm_call(fa2_llm_provider *p, const fa2_llm_request *req, int64_t deadline_mono_ms,
		     fa2_llm_response *resp, fa2_llm_error *err);

/* Sleep used between retries; tests may replace it (NULL restores nanosleep). */
void fa2_llm_set_sleep_fn(void (*fn)(unsigned ms));

/* ---- conversation helpers ---- */

void fa2_llm_conv_init(fa2_llm_conv *c);
void fa2_llm_conv_cleanup(fa2_llm_conv *c);
/* Appends an empty message with the given role; *out points into c (valid until the next
 * append). */
fa2_err fa2_llm_conv_add(fa2_llm_conv *c, fa2_llm_role role, fa2_llm_message **out);
/* Deep-copies m onto the end of c. */
fa2_err fa2_llm_conv_add_copy(fa2_llm_conv *c, const fa2_llm_message *m);

void fa2_llm_message_cleanup(fa2_llm_message *m);
fa2_err fa2_llm_message_copy(fa2_llm_message *dst, const fa2_llm_message *src);
/* Block appenders: strings are copied. input_json must be a JSON object text. */
fa2_err fa2_llm_message_add_text(fa2_llm_message *m, fa2_slice text);
fa2_err fa2_llm_message_add_tool_use(fa2_llm_message *m, const char *id, const char *name,
				     const char *input_json);
fa2_err fa2_llm_message_add_tool_result(fa2_llm_message *m, const char *id, const char *name,
					fa2_slice text, int is_error);
/* Concatenated text blocks of m, separated by newlines, appended to out. */
fa2_err fa2_llm_message_text(const fa2_llm_message *m, fa2_buf *out);
size_t fa2_llm_message_count_tool_uses(const fa2_llm_message *m);

void fa2_llm_response_init(fa2_llm_response *r);
void fa2_llm_response_cleanup(fa2_llm_response *r);

const char *fa2_llm_kind_name(fa2_llm_kind k);

/* Percent-encodes s for one URI path segment (everything but A-Z a-z 0-9 - . _ ~). */
fa2_err fa2_llm_path_encode(fa2_slice s, fa2_buf *out);

#endif
