/* Markdown to PDF for fa2's reports (the analysis report, the findings report, the
 * insight): the subset they are written in, rendered with the PDF writer (pdf.h).
 *
 * Blocks: ATX headings (# to ###; deeper levels look like ###), paragraphs, bullet
 * (-, *, +) and numbered (1. or 1)) lists with nesting by indentation, block quotes,
 * pipe tables (with :-: alignment), fenced code blocks (``` or ~~~), horizontal rules.
 * A ```mermaid block written by fa2_chain_render_mermaid is shown as its causal chain
 * in plain lines; any other Mermaid block as its source text. Inline: **bold**,
 * __bold__, *italic*, _italic_ (not inside words: logs_tool stays as it is), `code`,
 * [text](url) as "text (url)", images as their alt text, <url> autolinks, backslash
 * escapes. Anything else is text. The input is untrusted (the model writes most of it). */
#ifndef FA2_DOC_MD_PDF_H
#define FA2_DOC_MD_PDF_H

#include "base/buf.h"
#include "base/err.h"
#include "base/slice.h"
#include "doc/pdf.h"

/* Renders md and appends the PDF file to out. info may be NULL; without a title the
 * first heading is the document's title. Errors: FA2_ERR_TOO_LARGE (input over
 * FA2_MAX_PDF_BYTES / 8, or a cap of the PDF writer), FA2_ERR_NOMEM; out is unchanged
 * on error. */
fa2_err fa2_doc_md_to_pdf(fa2_slice md, const fa2_pdf_info *info, fa2_buf *out);

#endif
