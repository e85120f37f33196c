/* A structural check of a PDF file written by src/doc/pdf.c, shared by the unit tests
 * and the fuzz targets: the header, every cross-reference entry pointing at its
 * "N 0 obj", startxref pointing at the table, the trailer and the end marker.
 * Returns NULL when the file is sound, else what is wrong. */
#ifndef FA2_TESTS_PDF_CHECK_H
#define FA2_TESTS_PDF_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t pdf_check_num(const char *s, size_t len, size_t *i)
{
	size_t v = 0;
	while (*i < len && s[*i] >= '0' && s[*i] <= '9')
		v = v * 10 + (size_t)(s[(*i)++] - '0');
	return v;
}

static const char *pdf_check(const char *d, size_t len)
{
	static char why[160];
	size_t i, xref, n, k, sx;
	const char *tail;

	if (len < 64 || memcmp(d, "%PDF-1.7\n", 9) != 0)
		return "no %PDF-1.7 header";
	if (memcmp(d + len - 6, "%%EOF\n", 6) != 0)
		return "no %%EOF at the end";
	/* startxref: the last "startxref\n" before the end. */
	for (tail = d + len - 16; tail > d && memcmp(tail, "startxref\n", 10) != 0; tail--)
		;
	if (tail == d)
		return "no startxref";
	i = (size_t)(tail - d) + 10;
	xref = pdf_check_num(d, len, &i);
	if (xref + 5 > len || memcmp(d + xref, "xref\n", 5) != 0)
		return "startxref does not point at the xref table";
	i = xref + 5;
	if (pdf_check_num(d, len, &i) != 0 || d[i++] != ' ')
		return "xref subsection does not start at 0";
	n = pdf_check_num(d, len, &i);
	if (d[i++] != '\n' || n < 2 || i + n * 20 > len)
		return "bad xref count";
	if (memcmp(d + i, "0000000000 65535 f \n", 20) != 0)
		return "bad free entry 0";
	for (k = 1; k < n; k++) {
		size_t j = i + k * 20, off, m;
		char head[32];
		if (d[j + 10] != ' ' || memcmp(d + j + 11, "00000 n \n", 9) != 0)
			return "bad xref entry";
		off = pdf_check_num(d, j + 10, &j);
		m = (size_t)snprintf(head, sizeof head, "%zu 0 obj\n", k);
		if (off + m > len || memcmp(d + off, head, m) != 0 || (off && d[off - 1] != '\n')) {
			snprintf(why, sizeof why, "xref entry %zu (offset %zu) does not point at its object", k, off);
			return why;
		}
	}
	sx = i + n * 20;
	if (len - sx < 8 || memcmp(d + sx, "trailer\n", 8) != 0)
		return "no trailer after the xref table";
	snprintf(why, sizeof why, "/Size %zu ", n);
	{
		const char *t = d + sx;
		size_t tl = (size_t)(tail - t), q;
		int found = 0;
		for (q = 0; q + strlen(why) <= tl; q++)
			if (memcmp(t + q, why, strlen(why)) == 0)
				found = 1;
		if (!found)
			return "trailer /Size does not match the xref table";
	}
	return NULL;
}

#endif
