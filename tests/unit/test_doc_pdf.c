/* Unit tests for src/doc/pdf.c and md_pdf.c: the PDF structure (cross-reference
 * offsets, trailer), reproducibility, caps, and the real reader: poppler's pdftotext
 * must return the English and Japanese headings, body and table text, pdftoppm must
 * render every page with nothing on stderr, pdfinfo and pdffonts must read it. The
 * poppler tests skip with a message when poppler-utils is absent (tools/setup-deps.sh
 * test installs it). FA2_TEST_KEEP_PDF=DIR keeps the files and page images there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"
#include "doc/chain.h"
#include "doc/md_pdf.h"
#include "doc/pdf.h"
#include "pdf_check.h"
#include "test.h"

static const char md_en[] =
	"# Failure analysis report\n"
	"\n"
	"> The investigation stopped at the cycle limit; see Missing data.\n"
	"\n"
	"- **Incident**: ALB 5xx alarm on api-prod\n"
	"- **Window**: 2026-11-25T17:00:00+09:00 - 2026-11-25T17:45:00+09:00 (Asia/Tokyo, JST)\n"
	"\n"
	"## Summary\n"
	"\n"
	"The database ran out of connections at 08:02 after deploy v42 doubled the number of "
	"workers; *every* payment request that needed a new connection failed with `too many "
	"connections` until the rollback at 08:31. The logs_tool and metrics_tool results agree. "
	"Café, naïve, 50 €, “quotes” — and a very long token: "
	"arn:aws:rds:us-east-1:123456789012:db:payments-prod-primary-instance-0001/connections/overflow.\n"
	"\n"
	"## Root causes\n"
	"\n"
	"### 1. Connection pool exhausted\n"
	"\n"
	"- Severity: **high**\n"
	"- Confidence: **medium**\n"
	"  - nested evidence: 412 errors from 08:02\n"
	"1. Roll back the deploy\n"
	"2. Raise max_connections\n"
	"\n"
	"## Timeline\n"
	"\n"
	"| Time | Event | Source |\n"
	"| --- | --- | :-: |\n"
	"| 08:00 | deploy v42 (doubled workers) | audit_log_tool |\n"
	"| 08:02 | first `too many connections` error, then a long description that has to wrap "
	"inside its cell because it is longer than the column | logs_tool |\n"
	"| 08:31 | rollback | audit_log_tool |\n"
	"\n"
	"## Causal chain\n"
	"\n"
	"```mermaid\n"
	"%CHAIN_EN%"
	"```\n"
	"\n"
	"## Referenced data\n"
	"\n"
	"```\n"
	"fields @timestamp, @message\n"
	"| filter @message like /too many connections/\n"
	"\t| stats count() by bin(1m)\n"
	"```\n"
	"\n"
	"See [the runbook](https://example.com/runbooks/db) and <https://example.com/x>.\n"
	"\n"
	"---\n"
	"\n"
	"Stop reason: answer\n";

static const char md_ja[] =
	"# 障害分析レポート\n"
	"\n"
	"- **障害**: api-prod の ALB 5xx アラーム\n"
	"- **対象期間**: 2026-11-25T17:00:00+09:00 - 2026-11-25T17:45:00+09:00 (Asia/Tokyo, JST)\n"
	"\n"
	"## 概要\n"
	"\n"
	"デプロイ v42 でワーカー数が2倍になった後、08:02 にデータベースの接続が枯渇しました。"
	"新しい接続を必要とした決済リクエストは、08:31 のロールバックまで「too many connections」"
	"で失敗し続けました。ログ（logs_tool）とメトリクス（metrics_tool）の結果は一致しています。"
	"これは折り返しを確かめるための長い段落で、句読点、括弧、カタカナ、ひらがな、漢字が混ざっています。"
	"半角ｶﾀｶﾅも含みます。\n"
	"\n"
	"## 根本原因\n"
	"\n"
	"### 1. DB 接続プールが枯渇\n"
	"\n"
	"- 深刻度: **高**\n"
	"- 確信度: **中**\n"
	"\n"
	"## タイムライン\n"
	"\n"
	"| 時刻 | 出来事 | 根拠 |\n"
	"|---|---|---|\n"
	"| 08:00 | デプロイ v42（ワーカー数2倍） | audit_log_tool |\n"
	"| 08:02 | 最初の接続エラー | logs_tool |\n"
	"\n"
	"## 因果関係\n"
	"\n"
	"```mermaid\n"
	"%CHAIN_JA%"
	"```\n"
	"\n"
	"## 推奨対応\n"
	"\n"
	"1. デプロイをロールバックする\n"
	"2. `max_connections` を引き上げる\n";

/* md with %CHAIN_EN% / %CHAIN_JA% replaced by a rendered causal chain. */
static int fixture(const char *md, fa2_buf *out)
{
	static const char *const en[] = { "Deploy v42 doubled the workers", "DB connection pool exhausted",
					  "5xx on /pay", "ALB 5xx alarm" };
	static const char *const ja[] = { "デプロイ v42 でワーカー数が2倍に", "DB 接続プールが枯渇",
					  "/pay で 5xx", "ALB 5xx アラーム" };
	const char *mark = strstr(md, "%CHAIN_");
	fa2_chain c;
	size_t k;
	int ok = 1;
	fa2_buf_reset(out);
	if (!mark)
		return fa2_buf_append_cstr(out, md) == FA2_OK;
	fa2_chain_init(&c);
	for (k = 0; k < 4; k++) {
		ok &= fa2_chain_add_node(&c, (fa2_chain_kind)(k == 0 ? FA2_CHAIN_CHANGE : k == 1 ? FA2_CHAIN_MECHANISM
								       : k == 2 ? FA2_CHAIN_SYMPTOM : FA2_CHAIN_ALARM),
					 fa2_slice_cstr(mark[7] == 'E' ? en[k] : ja[k]),
					 k == 0 ? FA2_SLICE_LIT("08:00") : FA2_SLICE_EMPTY, FA2_SLICE_EMPTY, NULL) == FA2_OK;
		if (k)
			ok &= fa2_chain_add_edge(&c, k - 1, k, FA2_SLICE_EMPTY) == FA2_OK;
	}
	ok &= fa2_buf_append(out, md, (size_t)(mark - md)) == FA2_OK;
	ok &= fa2_chain_render_mermaid(&c, out) == FA2_OK;
	ok &= fa2_buf_append_cstr(out, mark + strlen("%CHAIN_EN%")) == FA2_OK;
	fa2_chain_cleanup(&c);
	return ok;
}

static int render(const char *md, fa2_buf *pdf)
{
	fa2_buf src;
	int ok;
	fa2_buf_init(&src, 1 << 20);
	ok = fixture(md, &src) && fa2_doc_md_to_pdf(fa2_buf_slice(&src), NULL, pdf) == FA2_OK;
	fa2_buf_cleanup(&src);
	return ok;
}

FA2_TEST(pdf_structure_and_reproducible)
{
	fa2_buf a, b;
	const char *why;
	fa2_buf_init(&a, FA2_MAX_PDF_BYTES);
	fa2_buf_init(&b, FA2_MAX_PDF_BYTES);
	CHECK(render(md_en, &a));
	why = pdf_check(a.data, a.len);
	CHECK_MSG(why == NULL, "en: %s", why);
	CHECK(render(md_en, &b));
	CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0); /* byte for byte the same */
	CHECK(strstr(a.data, "/CreationDate") == NULL);
	CHECK(strstr(a.data, "/BaseFont /Helvetica-Bold") != NULL);
	CHECK(strstr(a.data, "/BaseFont /Courier") != NULL);
	CHECK(strstr(a.data, "/FontFile") == NULL); /* nothing embedded */
	fa2_buf_reset(&b);
	CHECK(render(md_ja, &b));
	why = pdf_check(b.data, b.len);
	CHECK_MSG(why == NULL, "ja: %s", why);
	CHECK(strstr(b.data, "/Encoding /UniJIS-UTF16-H") != NULL);
	CHECK(strstr(b.data, "/Ordering (Japan1)") != NULL);
	CHECK(strstr(b.data, "/ToUnicode") != NULL);
	/* 障 is U+969C: in the content as UTF-16 and mapped to itself in the ToUnicode map. */
	CHECK(strstr(b.data, "<969C> <969C>") != NULL);
	fa2_buf_cleanup(&a);
	fa2_buf_cleanup(&b);
}

FA2_TEST(pdf_info_and_empty)
{
	fa2_pdf *p;
	fa2_pdf_info info;
	fa2_buf out;
	const char *why;
	memset(&info, 0, sizeof info);
	info.title = "障害 (report)";
	info.lang = "ja";
	info.creation_date = "D:20261125170000+09'00'";
	fa2_buf_init(&out, FA2_MAX_PDF_BYTES);
	CHECK_OK(fa2_pdf_new(&info, &p));
	CHECK_OK(fa2_pdf_finish(p, &out));
	/* After finishing, the document takes nothing more. */
	CHECK_INT_EQ(fa2_pdf_paragraph(p, NULL, 0), FA2_ERR_INVALID);
	fa2_pdf_free(p);
	why = pdf_check(out.data, out.len);
	CHECK_MSG(why == NULL, "%s", why);
	CHECK(strstr(out.data, "/Count 1") != NULL); /* one blank page */
	CHECK(strstr(out.data, "/Title <FEFF969C5BB300200028007200650070006F007200740029>") != NULL);
	CHECK(strstr(out.data, "/CreationDate <FEFF0044003A") != NULL);
	CHECK(strstr(out.data, "/Lang <FEFF006A0061>") != NULL);
	fa2_buf_cleanup(&out);
}

FA2_TEST(pdf_widths_measured)
{
	/* Helvetica AFM: "Hello" = 722+556+222+222+556 = 2278/1000 em. */
	CHECK(fa2_pdf_text_width(FA2_SLICE_LIT("Hello"), 0, 10) > 22.77 &&
	      fa2_pdf_text_width(FA2_SLICE_LIT("Hello"), 0, 10) < 22.79);
	/* Bold is wider; Courier is 600 each; Japanese is a full em; half-width kana half. */
	CHECK(fa2_pdf_text_width(FA2_SLICE_LIT("Hello"), FA2_PDF_BOLD, 10) > 24);
	CHECK(fa2_pdf_text_width(FA2_SLICE_LIT("abc"), FA2_PDF_MONO, 10) > 17.99 &&
	      fa2_pdf_text_width(FA2_SLICE_LIT("abc"), FA2_PDF_MONO, 10) < 18.01);
	CHECK(fa2_pdf_text_width(FA2_SLICE_LIT("障害"), 0, 10) > 19.99 &&
	      fa2_pdf_text_width(FA2_SLICE_LIT("障害"), 0, 10) < 20.01);
	CHECK(fa2_pdf_text_width(FA2_SLICE_LIT("ｶﾀ"), 0, 10) > 9.99 &&
	      fa2_pdf_text_width(FA2_SLICE_LIT("ｶﾀ"), 0, 10) < 10.01);
	/* Runs of white space are one space. */
	CHECK(fa2_pdf_text_width(FA2_SLICE_LIT("a  \n b"), 0, 10) ==
	      fa2_pdf_text_width(FA2_SLICE_LIT("a b"), 0, 10));
}

FA2_TEST(pdf_many_pages_and_caps)
{
	fa2_buf md, out;
	size_t k;
	const char *why;
	fa2_buf_init(&md, 1 << 24);
	fa2_buf_init(&out, FA2_MAX_PDF_BYTES);
	/* 300 paragraphs, a 400-row table and a 300-line code block: many pages, each
	 * table page starting with the header again. */
	for (k = 0; k < 300; k++)
		(void)fa2_buf_appendf(&md, "Paragraph %zu: 障害の説明とその影響。 Some English words to wrap around.\n\n", k);
	(void)fa2_buf_append_cstr(&md, "| a | b |\n|---|---|\n");
	for (k = 0; k < 400; k++)
		(void)fa2_buf_appendf(&md, "| row %zu | 値 %zu |\n", k, k);
	(void)fa2_buf_append_cstr(&md, "\n```\n");
	for (k = 0; k < 300; k++)
		(void)fa2_buf_appendf(&md, "line %zu\n", k);
	(void)fa2_buf_append_cstr(&md, "```\n");
	CHECK_OK(fa2_doc_md_to_pdf(fa2_buf_slice(&md), NULL, &out));
	why = pdf_check(out.data, out.len);
	CHECK_MSG(why == NULL, "%s", why);
	CHECK(strstr(out.data, "/Count 1") == NULL);
	fa2_buf_cleanup(&out);
	/* A table wider than the cap, a list nested deeper than the indent cap, an
	 * unterminated fence, and an input over the cap. */
	fa2_buf_reset(&md);
	(void)fa2_buf_append_cstr(&md, "|");
	for (k = 0; k < 40; k++)
		(void)fa2_buf_append_cstr(&md, " c |");
	(void)fa2_buf_append_cstr(&md, "\n|");
	for (k = 0; k < 40; k++)
		(void)fa2_buf_append_cstr(&md, "---|");
	(void)fa2_buf_append_cstr(&md, "\n");
	for (k = 0; k < 30; k++)
		(void)fa2_buf_appendf(&md, "%*s- deep %zu\n", (int)(k * 2), "", k);
	(void)fa2_buf_append_cstr(&md, "```\nnever closed\n");
	fa2_buf_init(&out, FA2_MAX_PDF_BYTES);
	CHECK_OK(fa2_doc_md_to_pdf(fa2_buf_slice(&md), NULL, &out));
	why = pdf_check(out.data, out.len);
	CHECK_MSG(why == NULL, "%s", why);
	fa2_buf_reset(&out);
	CHECK_INT_EQ(fa2_doc_md_to_pdf(fa2_slice_make(md.data, FA2_MAX_PDF_BYTES / 8 + 1), NULL, &out),
		     FA2_ERR_TOO_LARGE);
	CHECK_INT_EQ(out.len, 0);
	fa2_buf_cleanup(&out);
	fa2_buf_cleanup(&md);
}

static void torture_md(void *ctx)
{
	fa2_buf *out = ctx;
	fa2_buf src;
	fa2_err e;
	fa2_buf_init(&src, 1 << 20);
	fa2_buf_reset(out);
	if (fixture(md_ja, &src)) {
		e = fa2_doc_md_to_pdf(fa2_buf_slice(&src), NULL, out);
		if (e != FA2_OK && e != FA2_ERR_NOMEM)
			fa2_test_fail(__FILE__, __LINE__, "unexpected error %d", (int)e);
		if (e == FA2_ERR_NOMEM && out->len != 0)
			fa2_test_fail(__FILE__, __LINE__, "output left after a failure");
	}
	fa2_buf_cleanup(&src);
}

FA2_TEST(pdf_allocation_failures)
{
	fa2_buf out;
	unsigned long runs;
	fa2_buf_init(&out, FA2_MAX_PDF_BYTES);
	runs = fa2_test_alloc_torture(torture_md, &out);
	CHECK(runs > 10);
	fa2_buf_cleanup(&out);
}

/* ---- poppler ------------------------------------------------------------------------ */

static int have_poppler(void)
{
	if (system("pdftotext -v >/dev/null 2>&1") != 0 || system("pdftoppm -v >/dev/null 2>&1") != 0) {
		fa2_test_skip("poppler-utils absent (pdftotext, pdftoppm): tools/setup-deps.sh test installs it");
		return 0;
	}
	return 1;
}

/* Runs cmd (stdout to out_path, stderr to err_path); returns its exit status. */
static int run(const char *cmd, const char *out_path, const char *err_path)
{
	char full[4000];
	snprintf(full, sizeof full, "( %s ) > '%s' 2> '%s'", cmd, out_path, err_path);
	return system(full);
}

static char *slurp(const char *path)
{
	fa2_buf b;
	fa2_buf_init(&b, 1 << 24);
	if (fa2_file_read_all(path, &b) != FA2_OK || fa2_buf_append_byte(&b, 0)) {
		fa2_buf_cleanup(&b);
		return NULL;
	}
	return b.data;
}

static const char *dir_for(const char *name, char *buf, size_t cap)
{
	const char *keep = getenv("FA2_TEST_KEEP_PDF");
	snprintf(buf, cap, "%s/%s", keep && *keep ? keep : fa2_test_tmpdir(), name);
	return buf;
}

/* Writes the PDF of md, checks it with pdftotext (each of want[] present, in order),
 * pdftoppm (every page renders, stderr empty), pdfinfo and pdffonts. */
static void poppler_check(const char *name, const char *md, const char *const *want, size_t n_want,
			  const char *font)
{
	char pdf[600], txt[700], err[700], cmd[2200], prefix[700];
	fa2_buf out;
	char *text = NULL, *errs = NULL, *info = NULL;
	const char *at;
	size_t k;
	fa2_err e;

	fa2_buf_init(&out, FA2_MAX_PDF_BYTES);
	if (!render(md, &out)) {
		fa2_buf_cleanup(&out);
		CHECK_MSG(0, "%s: render failed", name);
	}
	dir_for(name, pdf, sizeof pdf);
	snprintf(pdf + strlen(pdf), sizeof pdf - strlen(pdf), ".pdf");
	e = fa2_file_write_atomic(pdf, out.data, out.len, 0644);
	fa2_buf_cleanup(&out);
	CHECK_OK(e);
	snprintf(txt, sizeof txt, "%s.txt", pdf);
	snprintf(err, sizeof err, "%s.err", pdf);

	snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' -", pdf);
	CHECK_MSG(run(cmd, txt, err) == 0, "%s: pdftotext failed", name);
	text = slurp(txt);
	errs = slurp(err);
	CHECK(text && errs);
	if (errs[0]) {
		fa2_test_fail(__FILE__, __LINE__, "%s: pdftotext wrote to stderr: %s", name, errs);
		goto cleanup;
	}
	for (at = text, k = 0; k < n_want; k++) {
		const char *f = strstr(at, want[k]);
		if (!f) {
			fa2_test_fail(__FILE__, __LINE__, "%s: pdftotext output lacks \"%s\" (after %zu found):\n%s",
				      name, want[k], k, text);
			goto cleanup;
		}
		at = f + strlen(want[k]);
	}

	snprintf(prefix, sizeof prefix, "%s-page", pdf);
	snprintf(cmd, sizeof cmd, "pdftoppm -png -r 60 '%s' '%s'", pdf, prefix);
	fa2_free(errs);
	errs = NULL;
	if (run(cmd, txt, err) != 0) {
		fa2_test_fail(__FILE__, __LINE__, "%s: pdftoppm failed", name);
		goto cleanup;
	}
	errs = slurp(err);
	if (!errs || errs[0]) {
		fa2_test_fail(__FILE__, __LINE__, "%s: pdftoppm wrote to stderr: %s", name, errs ? errs : "?");
		goto cleanup;
	}
	snprintf(cmd, sizeof cmd, "%s-1.png", prefix);
	if (access(cmd, R_OK) != 0) {
		snprintf(cmd, sizeof cmd, "%s-01.png", prefix);
		if (access(cmd, R_OK) != 0) {
			fa2_test_fail(__FILE__, __LINE__, "%s: no page image from pdftoppm", name);
			goto cleanup;
		}
	}

	snprintf(cmd, sizeof cmd, "pdfinfo '%s' && pdffonts '%s'", pdf, pdf);
	fa2_free(errs);
	errs = NULL;
	if (run(cmd, txt, err) != 0) {
		fa2_test_fail(__FILE__, __LINE__, "%s: pdfinfo/pdffonts failed", name);
		goto cleanup;
	}
	info = slurp(txt);
	errs = slurp(err);
	/* Every font line of pdffonts says "no" under emb and sub: nothing is embedded. */
	{
		const char *hdr = info ? strstr(info, "name ") : NULL, *emb = hdr ? strstr(hdr, " emb sub") : NULL;
		const char *l = hdr ? strstr(hdr, "---------\n") : NULL;
		size_t fonts = 0, unembedded = 0, col = emb ? (size_t)(emb - hdr) + 1 : 0;
		while (col && l && (l = strchr(l, '\n')) != NULL && l[1]) {
			const char *eol = strchr(++l, '\n');
			size_t len = eol ? (size_t)(eol - l) : strlen(l);
			fonts++;
			if (len > col + 6 && memcmp(l + col, "no  no", 6) == 0)
				unembedded++;
		}
		if (!fonts || fonts != unembedded) {
			fa2_test_fail(__FILE__, __LINE__, "%s: pdffonts: %zu fonts, %zu not embedded:\n%s", name,
				      fonts, unembedded, info ? info : "");
			goto cleanup;
		}
	}
	if (!info || !errs || errs[0] || !strstr(info, "595.276 x 841.89 pts (A4)") ||
	    !strstr(info, "Producer:") || !strstr(info, "Title:") || !strstr(info, font)) {
		fa2_test_fail(__FILE__, __LINE__, "%s: pdfinfo/pdffonts output unexpected:\n%s\n%s", name,
			      info ? info : "", errs ? errs : "");
		goto cleanup;
	}
cleanup:
	fa2_free(text);
	fa2_free(errs);
	fa2_free(info);
}

FA2_TEST(pdf_poppler_en)
{
	static const char *const want[] = {
		"Failure analysis report", "The investigation stopped at the cycle limit",
		"Incident: ALB 5xx alarm on api-prod", "Summary", "logs_tool and metrics_tool",
		"Café, naïve, 50 €, “quotes” —", "Root causes", "1. Connection pool exhausted",
		"Severity: high", "nested evidence", "Roll back the deploy", "Timeline", "Time",
		"Event", "deploy v42 (doubled workers)", "Causal chain",
		"Deploy v42 doubled the workers (08:00) → DB connection pool exhausted → 5xx on /pay",
		"fields @timestamp, @message", "stats count() by bin(1m)",
		"the runbook (https://example.com/runbooks/db)", "Stop reason: answer",
	};
	if (!have_poppler())
		return;
	poppler_check("report-en", md_en, want, sizeof want / sizeof want[0], "Helvetica-Bold");
}

FA2_TEST(pdf_poppler_ja)
{
	static const char *const want[] = {
		"障害分析レポート", "障害: api-prod の ALB 5xx アラーム", "概要", "デプロイ v42 でワーカー数が2倍になった後",
		"根本原因", "1. DB 接続プールが枯渇", "深刻度: 高", "タイムライン", "時刻", "出来事",
		"デプロイ v42（ワーカー数2倍）", "因果関係", "→ DB 接続プールが枯渇 →", "推奨対応",
		"デプロイをロールバックする", "max_connections",
	};
	if (!have_poppler())
		return;
	poppler_check("report-ja", md_ja, want, sizeof want / sizeof want[0], "KozGoPr6N-Medium");
}
