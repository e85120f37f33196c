/* A small PDF writer for reports: A4 pages with headings, paragraphs, bullet and
 * numbered lists, quotes, tables with borders and monospace blocks, laid out with
 * measured line wrapping and page breaks.
 *
 * No font is embedded and nothing beyond libc is needed. Latin text uses the standard
 * 14 fonts (Helvetica, Helvetica-Bold, Helvetica-Oblique, Helvetica-BoldOblique,
 * Courier, Courier-Bold) in WinAnsiEncoding, measured with their Adobe AFM widths;
 * every other character (Japanese, and what WinAnsi lacks) uses the standard
 * Adobe-Japan1 CID font KozGoPr6N-Medium (Type0, UniJIS-UTF16-H, full width), which
 * PDF viewers provide or substitute, with a ToUnicode map so that text can be copied
 * and extracted. Bold Japanese is drawn stroked. Output is reproducible: no time stamp
 * or random id unless the caller gives one.
 *
 * Usage: fa2_pdf_new, then the block functions in reading order, then fa2_pdf_finish.
 * Errors are sticky: after a failure every call returns the same error. */
#ifndef FA2_DOC_PDF_H
#define FA2_DOC_PDF_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/slice.h"

/* Text styles (bits). */
#define FA2_PDF_BOLD   1u
#define FA2_PDF_ITALIC 2u
#define FA2_PDF_MONO   4u

/* A run of UTF-8 text in one style. Invalid UTF-8 is shown as '?'; control characters
 * and line breaks as spaces. */
typedef struct fa2_pdf_span {
	fa2_slice text;
	unsigned style;
} fa2_pdf_span;

/* A table cell: its spans (borrowed for the call). */
typedef struct fa2_pdf_cell {
	const fa2_pdf_span *spans;
	size_t n;
} fa2_pdf_cell;

/* Column alignment for fa2_pdf_table. */
typedef enum fa2_pdf_align { FA2_PDF_LEFT = 0, FA2_PDF_CENTER, FA2_PDF_RIGHT } fa2_pdf_align;

/* Document information; every field may be NULL. The strings are copied. */
typedef struct fa2_pdf_info {
	const char *title;         /* /Title, also shown by viewers in the title bar */
	const char *author;
	const char *subject;
	const char *lang;          /* /Lang of the catalog: "en", "ja" */
	const char *creation_date; /* PDF date "D:20261125170000+09'00'"; NULL: none */
} fa2_pdf_info;

typedef struct fa2_pdf fa2_pdf;

/* A new empty document (no page until the first block). FA2_ERR_NOMEM. */
fa2_err fa2_pdf_new(const fa2_pdf_info *info, fa2_pdf **out);
void fa2_pdf_free(fa2_pdf *p);

/* level 1..3 (larger levels are 3). Kept with the block after it. */
fa2_err fa2_pdf_heading(fa2_pdf *p, unsigned level, const fa2_pdf_span *spans, size_t n);
fa2_err fa2_pdf_paragraph(fa2_pdf *p, const fa2_pdf_span *spans, size_t n);
/* One list item at depth 0.. (indented 14 pt a level, at most 6): marker is what
 * precedes it ("•" when empty, or "1."). */
fa2_err fa2_pdf_list_item(fa2_pdf *p, unsigned depth, fa2_slice marker, const fa2_pdf_span *spans,
			  size_t n);
/* A block quote: indented, with a bar on its left. */
fa2_err fa2_pdf_quote(fa2_pdf *p, const fa2_pdf_span *spans, size_t n);
/* Monospace text on a shaded box, line breaks kept, long lines wrapped. */
fa2_err fa2_pdf_code(fa2_pdf *p, fa2_slice text);
/* A horizontal rule. */
fa2_err fa2_pdf_rule(fa2_pdf *p);
/* A table of rows x cols cells (row-major), at most FA2_MAX_PDF_TABLE_ROWS x
 * FA2_MAX_PDF_TABLE_COLS, with borders; the first row is a shaded header repeated on
 * each page when header is set. align (may be NULL) gives each column's alignment.
 * Column widths follow the content; cell text wraps. */
fa2_err fa2_pdf_table(fa2_pdf *p, const fa2_pdf_cell *cells, size_t rows, size_t cols, int header,
		      const fa2_pdf_align *align);

/* Appends the finished PDF file to out (page numbers "n / N" at the foot of each page);
 * an empty document gets one blank page. Then p can only be freed. FA2_ERR_TOO_LARGE
 * past FA2_MAX_PDF_BYTES or FA2_MAX_PDF_PAGES (also from the block functions). */
fa2_err fa2_pdf_finish(fa2_pdf *p, fa2_buf *out);

/* Width in points of text set in style at size pt, as the layout measures it. */
double fa2_pdf_text_width(fa2_slice text, unsigned style, double size);

#endif
