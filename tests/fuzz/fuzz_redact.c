/* libFuzzer target: secret redaction (base/log.h). The input's first byte says how many
 * secrets (0..4) to register; each takes 4..19 bytes from the input (first byte: length);
 * the rest is the text. fa2_redact and fa2_log_redact (with room enough) must agree, fit
 * FA2_REDACT_CAP, and, for secrets that share no byte with the "[REDACTED]" mark, leave
 * no secret in the output. A log record of the text must not crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int shares_mark_byte(const uint8_t *s, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (memchr("[REDACT]", s[i], 8))
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sec[4];
	size_t sec_len[4], n_sec, i, k;
	int clean = 1;
	fa2_buf out;
	char *small;
	size_t n;

	if (size < 1)
		return 0;
	fa2_log_clear_secrets();
	fa2_log_set_fd(-1); /* records are formatted and dropped */
	n_sec = data[0] % 5;
	data++, size--;
	for (k = 0; k < n_sec; k++) {
		if (size < 1)
			return 0;
		sec_len[k] = 4 + data[0] % 16;
		data++, size--;
		if (size < sec_len[k])
			return 0;
		sec[k] = data;
		if (fa2_log_add_secret(fa2_slice_make((const char *)data, sec_len[k])))
			abort();
		clean &= !shares_mark_byte(data, sec_len[k]);
		data += sec_len[k], size -= sec_len[k];
	}
	fa2_buf_init(&out, FA2_REDACT_CAP(size));
	if (fa2_redact(fa2_slice_make((const char *)data, size), &out))
		abort();
	small = fa2_malloc(FA2_REDACT_CAP(size) + 1);
	if (!small)
		abort();
	n = fa2_log_redact((const char *)data, size, small, FA2_REDACT_CAP(size) + 1);
	if (n != out.len || (n && memcmp(small, out.data, n) != 0))
		abort();
	if (clean && (fa2_redact_has(fa2_slice_make((const char *)data, size)) != 0) != (out.len != size ||
	    (size && memcmp(out.data, data, size) != 0)))
		abort();
	for (k = 0; clean && k < n_sec; k++)
		for (i = 0; i + sec_len[k] <= out.len; i++)
			if (memcmp(out.data + i, sec[k], sec_len[k]) == 0)
				abort();
	fa2_log(FA2_LOG_ERROR, "fuzz", "%.*s", (int)size, (const char *)data);
	fa2_free(small);
	fa2_buf_cleanup(&out);
	fa2_log_clear_secrets();
	return 0;
}
