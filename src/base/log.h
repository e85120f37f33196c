/* Leveled logging to stderr, as text or JSON lines, and THE secret redaction of fa2.
 *
 * Any byte sequence registered with fa2_log_add_secret() is replaced by "[REDACTED]"
 * in every log record before it is written, whatever module logs it, and by fa2_redact
 * wherever text leaves the process otherwise: session files (agent/session.c), the
 * analysis outcome (agent/run.c), everything sent to Slack (slack/webapi.c).
 * Redaction always sees the whole text: a record is formatted in full (up to
 * FA2_MAX_LOG_FORMAT_BYTES) and redacted before it is cut to FA2_MAX_LOG_LINE_BYTES.
 * Thread-safe: records are formatted and written whole under one lock. */
#ifndef FA2_BASE_LOG_H
#define FA2_BASE_LOG_H

#include <stdarg.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/slice.h"

typedef enum fa2_log_level {
	FA2_LOG_ERROR = 0,
	FA2_LOG_WARN,
	FA2_LOG_INFO,
	FA2_LOG_DEBUG,
	FA2_LOG_TRACE
} fa2_log_level;

typedef enum fa2_log_format {
	FA2_LOG_TEXT = 0,
	FA2_LOG_JSON
} fa2_log_format;

void fa2_log_set_level(fa2_log_level level);
fa2_log_level fa2_log_get_level(void);
void fa2_log_set_format(fa2_log_format fmt);
/* Parses "error", "warn", "info", "debug", "trace" (case-insensitive). */
fa2_err fa2_log_parse_level(fa2_slice s, fa2_log_level *out);
/* Redirects output to fd (default 2). For tests. */
void fa2_log_set_fd(int fd);

/* Registers a secret to redact. Secrets shorter than 4 bytes are ignored (they would
 * redact ordinary text); at most FA2_MAX_SECRETS are kept (FA2_ERR_TOO_LARGE after). */
fa2_err fa2_log_add_secret(fa2_slice secret);
void fa2_log_clear_secrets(void);
/* Copies src to dst (capacity cap, NUL-terminated, truncated) with secrets replaced.
 * Returns the length written. Exposed for tests and for code that echoes user data. */
size_t fa2_log_redact(const char *src, size_t len, char *dst, size_t cap);
/* Appends in to out with every registered secret replaced by "[REDACTED]". All of in
 * is redacted first; only then does out's cap apply (FA2_ERR_TOO_LARGE). */
fa2_err fa2_redact(fa2_slice in, fa2_buf *out);
/* The most fa2_redact can make of len bytes (every secret is at least 4 bytes and
 * becomes 10): a cap for its output buffer. */
#define FA2_REDACT_CAP(len) ((len) / 4 * 10 + (len) % 4 + 1)
/* Redacts b in place (its cap grows to FA2_REDACT_CAP of its length when needed). FA2_OK and b unchanged when it holds no secret. */
fa2_err fa2_redact_buf(fa2_buf *b);
/* 1 when s contains a registered secret. */
int fa2_redact_has(fa2_slice s);

int fa2_log_enabled(fa2_log_level level);
void fa2_log(fa2_log_level level, const char *module, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
void fa2_vlog(fa2_log_level level, const char *module, const char *fmt, va_list ap);

#define FA2_LOGE(mod, ...) fa2_log(FA2_LOG_ERROR, (mod), __VA_ARGS__)
#define FA2_LOGW(mod, ...) fa2_log(FA2_LOG_WARN, (mod), __VA_ARGS__)
#define FA2_LOGI(mod, ...) fa2_log(FA2_LOG_INFO, (mod), __VA_ARGS__)
#define FA2_LOGD(mod, ...) do { if (fa2_log_enabled(FA2_LOG_DEBUG)) fa2_log(FA2_LOG_DEBUG, (mod), __VA_ARGS__); } while (0)
#define FA2_LOGT(mod, ...) do { if (fa2_log_enabled(FA2_LOG_TRACE)) fa2_log(FA2_LOG_TRACE, (mod), __VA_ARGS__); } while (0)

#endif
