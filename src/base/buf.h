/* Growable byte buffer with a hard cap (curl dynbuf style).
 *
 * The caller owns the fa2_buf struct; the buffer owns `data`. `data` is always
 * NUL-terminated after a successful append (so it can be handed to C APIs), but the
 * length is authoritative and the content may contain NUL bytes.
 * Growing past `max` fails with FA2_ERR_TOO_LARGE and leaves the buffer unchanged. */
#ifndef FA2_BASE_BUF_H
#define FA2_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "base/err.h"
#include "base/slice.h"

typedef struct fa2_buf {
	char *data;   /* NULL until the first append */
	size_t len;   /* bytes in use, excluding the terminating NUL */
	size_t cap;   /* bytes allocated */
	size_t max;   /* largest permitted len */
} fa2_buf;

void fa2_buf_init(fa2_buf *b, size_t max);
void fa2_buf_cleanup(fa2_buf *b);        /* frees data; b can be re-initialised */
void fa2_buf_reset(fa2_buf *b);          /* len = 0, keeps the allocation */
/* Wipes the used bytes with zeros (for secrets), then resets. */
void fa2_buf_wipe(fa2_buf *b);
fa2_err fa2_buf_reserve(fa2_buf *b, size_t extra);
/* Sets the allocation to exactly cap bytes, keeping the content: for callers that account
 * for their memory (len + 1 <= cap <= max + 1, else FA2_ERR_INVALID / FA2_ERR_TOO_LARGE). */
fa2_err fa2_buf_resize(fa2_buf *b, size_t cap);
fa2_err fa2_buf_append(fa2_buf *b, const void *p, size_t n);
fa2_err fa2_buf_append_slice(fa2_buf *b, fa2_slice s);
fa2_err fa2_buf_append_cstr(fa2_buf *b, const char *s);
fa2_err fa2_buf_append_byte(fa2_buf *b, unsigned char c);
fa2_err fa2_buf_appendf(fa2_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
fa2_err fa2_buf_vappendf(fa2_buf *b, const char *fmt, va_list ap);
/* Removes the first n bytes (n clamped to len). */
void fa2_buf_consume(fa2_buf *b, size_t n);
/* Truncates to n bytes if n < len. */
void fa2_buf_truncate(fa2_buf *b, size_t n);
fa2_slice fa2_buf_slice(const fa2_buf *b);
/* Hands the allocation to the caller (free with fa2_free) and resets the buffer.
 * Returns an empty allocated string when the buffer never grew; NULL on no memory. */
char *fa2_buf_steal(fa2_buf *b, size_t *len_out);

#endif
