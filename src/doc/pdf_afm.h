/* Font metrics of the standard 14 fonts used by the PDF writer (see pdf_afm.c). */
#ifndef FA2_DOC_PDF_AFM_H
#define FA2_DOC_PDF_AFM_H

/* Widths in 1/1000 em for WinAnsiEncoding codes 32..255 (index code - 32). */
extern const unsigned short fa2_pdf_afm_helvetica[224];
extern const unsigned short fa2_pdf_afm_helvetica_bold[224];

#endif
