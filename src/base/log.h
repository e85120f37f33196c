/* Leveled logging to stderr, as text or JSON lines, with secret redaction.
 *
 * Any byte sequence registered with fa2_log_add_secret() is replaced by
 * "[REDACTED]" in every record before it is written, whatever module logs it.
 * Thread-safe: records are formatted and written whole under one lock. */
#ifndef FA2_BASE_LOG_H
#define FA2_BASE_LOG_H

#include <stdarg.h>

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
