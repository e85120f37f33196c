/* UTF-8 decoding for the document renderers. */
#ifndef FA2_DOC_UTF8_H
#define FA2_DOC_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/slice.h"

#define FA2_UTF8_REPLACEMENT 0xFFFDu

/* Decodes the code point at s.ptr[*i] (*i < s.len) and advances *i past it. A malformed
 * or overlong sequence, a surrogate or a value above U+10FFFF yields U+FFFD and
 * advances one byte, so that every input makes progress. */
uint32_t fa2_utf8_next(fa2_slice s, size_t *i);

/* Appends cp as UTF-8 (U+FFFD for surrogates and values above U+10FFFF). */
fa2_err fa2_utf8_append(fa2_buf *b, uint32_t cp);

/* The largest n <= max such that s[0, n) ends on a code point boundary. */
size_t fa2_utf8_cut(fa2_slice s, size_t max);

#endif
