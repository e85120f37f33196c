/* libFuzzer target: the Markdown-to-PDF path (block and inline parsing, layout, the PDF
 * file) and the causal chain's readers (Mermaid read back, the report's JSON). Every
 * PDF produced must be structurally sound (tests/unit/pdf_check.h); every chain read
 * must render and read back from its own Mermaid to the same shape. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/limits.h"
#include "doc/chain.h"
#include "doc/md_pdf.h"
#include "pdf_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static fa2_chain c1, c2;

static void chain_roundtrip(void)
{
	fa2_buf m, t;
	fa2_buf_init(&m, 1 << 20);
	fa2_buf_init(&t, 1 << 20);
	if (fa2_chain_render_mermaid(&c1, &m) != FA2_OK || fa2_chain_render_text(&c1, 1, &t) != FA2_OK)
		abort();
	fa2_chain_init(&c2);
	if (fa2_chain_from_mermaid(&c2, fa2_buf_slice(&m)) != FA2_OK || c2.n_nodes != c1.n_nodes ||
	    c2.n_edges != c1.n_edges)
		abort();
	fa2_chain_cleanup(&c2);
	fa2_buf_cleanup(&m);
	fa2_buf_cleanup(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fa2_slice s = fa2_slice_make((const char *)data, size);
	fa2_buf out;
	cJSON *j;
	const char *why;

	fa2_json_init();
	if (size > 64 * 1024)
		return 0;
	fa2_buf_init(&out, FA2_MAX_PDF_BYTES);
	if (fa2_doc_md_to_pdf(s, NULL, &out) == FA2_OK) {
		why = pdf_check(out.data, out.len);
		if (why)
			abort();
	}
	fa2_buf_cleanup(&out);

	fa2_chain_init(&c1);
	if (fa2_chain_from_mermaid(&c1, s) == FA2_OK)
		chain_roundtrip();
	fa2_chain_cleanup(&c1);

	j = fa2_json_parse(s, NULL);
	if (j) {
		fa2_chain_init(&c1);
		if (fa2_chain_from_json(&c1, j) == FA2_OK)
			chain_roundtrip();
		fa2_chain_cleanup(&c1);
		cJSON_Delete(j);
	}
	return 0;
}
