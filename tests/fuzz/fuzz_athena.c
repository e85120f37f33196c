/* libFuzzer target: the Athena GetQueryResults decoder and the SQL string quoting.
 * The first byte picks the row cap (1..256) and whether the input is split in two pages
 * at the second byte's offset; the rest is the reply body. Invariants: every kept row
 * has n_cols cells, n_rows never exceeds the cap, a token fits its buffer; a value the
 * quoting accepts comes out wrapped in quotes with every quote doubled and no control
 * byte. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/athena.h"
#include "base/alloc.h"
#include "base/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_quote(const uint8_t *data, size_t size)
{
	char *s = fa2_strndup((const char *)data, size);
	fa2_buf b;
	size_t i, quotes_in = 0, quotes_out = 0;
	if (!s)
		return;
	fa2_buf_init(&b, 4u * FA2_ATHENA_MAX_LITERAL);
	if (fa2_athena_sql_string(&b, s) == FA2_OK) {
		if (b.len < 2 || b.data[0] != '\'' || b.data[b.len - 1] != '\'')
			abort();
		for (i = 0; s[i]; i++)
			quotes_in += s[i] == '\'';
		for (i = 1; i + 1 < b.len; i++) {
			if ((unsigned char)b.data[i] < 0x20 || b.data[i] == 0x7f)
				abort();
			if (b.data[i] == '\'') {
				if (i + 2 >= b.len || b.data[i + 1] != '\'')
					abort(); /* a lone quote inside the literal */
				quotes_out++;
				i++;
			}
		}
		if (quotes_in != quotes_out)
			abort();
	}
	fa2_buf_cleanup(&b);
	fa2_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fa2_athena_result r;
	char tok[256];
	size_t cap, split, i, j;
	if (size < 2)
		return 0;
	cap = (size_t)(data[0] & 0x7f) * 2u + 1u;
	split = data[0] & 0x80 ? (size_t)data[1] * 8u : size;
	data += 2;
	size -= 2;
	if (split > size)
		split = size;
	check_quote(data, size < 512 ? size : 512);
	fa2_athena_result_init(&r);
	if (fa2_athena_decode_page(&r, fa2_slice_make((const char *)data, split), cap, tok, sizeof tok) == FA2_OK) {
		if (strlen(tok) >= sizeof tok)
			abort();
		if (split < size)
			(void)fa2_athena_decode_page(&r, fa2_slice_make((const char *)data + split, size - split), cap, tok,
						     sizeof tok);
	}
	if (r.n_rows > cap || r.n_cols > FA2_ATHENA_MAX_COLS)
		abort();
	for (i = 0; i < r.n_rows; i++)
		for (j = 0; j < r.n_cols; j++) {
			const char *c = fa2_athena_cell(&r, i, j);
			if (c && strlen(c) > FA2_ATHENA_MAX_CELL_BYTES)
				abort();
		}
	for (j = 0; j < r.n_cols; j++)
		if (!r.cols[j])
			abort();
	fa2_athena_result_cleanup(&r);
	return 0;
}
