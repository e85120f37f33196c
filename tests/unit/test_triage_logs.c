/* Unit tests for the Logs Insights row reader and for mining lines while a snapshot is
 * read (src/triage/logs.c, snapshot.c): the reader against the cJSON tree reader it
 * replaced, the stable sort of lines, and triage of a snapshot read with and without
 * keeping its lines. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "logs_oracle.h"
#include "test.h"
#include "triage/logs.h"
#include "triage/triage.h"

/* Documents where a hand-written reader could part from cJSON: escapes (\u0000, bad
 * hex, surrogates), raw NUL and control bytes, names in a different order or twice,
 * elements that are not objects, "results" as an object, a BOM, trailing bytes, numbers
 * cJSON reads loosely, and broken documents. */
FA2_TEST(tr_logs_scan_same_as_tree)
{
	static const char *const docs[] = {
		"{\"results\":[[{\"field\":\"@timestamp\",\"value\":\"2025-11-20 08:02:40.123\"},"
		"{\"field\":\"@message\",\"value\":\"ERROR \\u00e9\\ud83d\\ude00 \\\"q\\\" \\/ \\b\\f\\n\\r\\t\"},"
		"{\"field\":\"@logStream\",\"value\":\"s/1\"},{\"field\":\"@log\",\"value\":\"123:/ecs/a\"}]]}",
		"{\"results\":[[{\"value\":1763625760,\"field\":\"@timestamp\"},{\"field\":\"@message\",\"value\":\"x\\u0000y\"}]]}",
		"{\"results\":[[{\"field\":\"@message\",\"value\":\"bad hex \\uZZ12 here\"}]]}",
		"{\"results\":[[{\"field\":\"@message\",\"value\":\"lone \\ud800 high\"}]]}",
		"{\"results\":[[{\"field\":\"@message\",\"value\":\"lone \\udc00 low\"}]]}",
		"{\"results\":[[{\"field\":\"@message\",\"value\":\"bad \\x escape\"}]]}",
		"{\"results\":[[{\"field\":\"@message\",\"field\":\"@log\",\"value\":\"m\",\"value\":\"n\"}]]}",
		"{\"results\":[[{\"field\":\"@timestamp\",\"value\":\"1763625760123\"},{\"field\":\"@timestamp\"},"
		"{\"field\":\"@message\",\"value\":\"ts then none\"}]]}",
		"{\"results\":[[{\"field\":\"@message\",\"value\":\"a\"},{\"field\":\"@message\",\"value\":5},"
		"{\"field\":\"@message\",\"value\":\"b\"},5,[1,2],\"s\",null,{\"field\":7}]]}",
		"{\"results\":{\"x\":[{\"field\":\"@message\",\"value\":\"in an object\"}],\"y\":3},\"results\":[]}",
		"{\"result\\u0073\":[[{\"fiel\\u0064\":\"@message\",\"value\":\"escaped names\"}]]}",
		"\xEF\xBB\xBF {\"results\":[[{\"field\":\"@message\",\"value\":\"bom\"}]]} trailing bytes",
		"{\"results\":[[{\"field\":\"@timestamp\",\"value\":1.7636257601e12},{\"field\":\"@message\",\"value\":\"n\"}],"
		"[{\"field\":\"@timestamp\",\"value\":-5},{\"field\":\"@message\",\"value\":\"neg\"}],"
		"[{\"field\":\"@timestamp\",\"value\":1e400},{\"field\":\"@message\",\"value\":\"inf\"}]]}",
		"{\"results\":[[{\"field\":\"@timestamp\",\"value\":1-2},{\"field\":\"@message\",\"value\":\"x\"}]]}",
		"{\"results\":[[{\"field\":\"@message\",\"value\":\"unterminated]]}",
		"{\"results\":[[{\"field\":\"@message\",\"value\":\"x\"}]],}",
		"{\"results\":[[{\"field\":\"@message\",\"value\":\"x\"},]]}",
		"{\"results\":[[{\"field\":\"@message\" \"value\":\"x\"}]]}",
		"{\"results\":[[{\"field\":\"@message\",\"value\":tru}]]}",
		"{\"results\":[[{\"field\":\"@message\",\"value\":\"x\\",
		"[{\"results\":[]}]",
		"\"results\"",
		"",
		"   ",
		"{}",
		"{\"results\":[[{\"field\":\"@log\",\"value\":\"no-colon\"},{\"field\":\"@message\",\"value\":\"g\"}]]}",
	};
	char raw[] = "{\"results\":[[{\"field\":\"@message\",\"value\":\"raw\0nul \x01 ctl\"},"
		     "{\"field\":\"@logStream\",\"value\":\"st\0x\"}]]}";
	fa2_buf deep;
	const char *why;
	size_t i;
	for (i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		CHECK_MSG(oracle_same(fa2_slice_cstr(docs[i]), "/default", &why), "doc %zu: %s", i, why);
		CHECK_MSG(oracle_same(fa2_slice_cstr(docs[i]), NULL, &why), "doc %zu: %s", i, why);
	}
	CHECK_MSG(oracle_same(fa2_slice_make(raw, sizeof raw - 1), NULL, &why), "raw: %s", why);
	/* Nesting: cJSON stops at 1000 levels. */
	fa2_buf_init(&deep, 1 << 20);
	for (i = 0; i < 2; i++) {
		size_t k, levels = i ? 1000 : 997;
		fa2_buf_reset(&deep);
		(void)fa2_buf_append_cstr(&deep, "{\"results\":[[{\"field\":\"@message\",\"value\":\"d\",\"x\":");
		for (k = 0; k < levels; k++)
			(void)fa2_buf_append_byte(&deep, '[');
		for (k = 0; k < levels; k++)
			(void)fa2_buf_append_byte(&deep, ']');
		(void)fa2_buf_append_cstr(&deep, "}]]}");
		CHECK_MSG(oracle_same(fa2_buf_slice(&deep), NULL, &why), "depth %zu: %s", levels, why);
	}
	fa2_buf_cleanup(&deep);
}

/* A document that fails to parse adds no line, even after rows that did. */
FA2_TEST(tr_parse_logs_failure_adds_nothing)
{
	fa2_tr_data d;
	fa2_tr_data_init(&d);
	CHECK_OK(fa2_tr_parse_logs(&d, fa2_slice_cstr("{\"results\":[[{\"field\":\"@message\",\"value\":\"a\"}]]}"), NULL));
	CHECK_INT_EQ(fa2_tr_parse_logs(&d, fa2_slice_cstr("{\"results\":[[{\"field\":\"@message\",\"value\":\"b\"}],[{"), NULL),
		     FA2_ERR_PARSE);
	CHECK_INT_EQ(d.n_lines, 1);
	CHECK_STR_EQ(d.lines[0].msg, "a");
	fa2_tr_data_cleanup(&d);
}

static uint64_t lrng = 88172645463325292ULL;
static uint64_t lrand(void)
{
	lrng ^= lrng << 13;
	lrng ^= lrng >> 7;
	lrng ^= lrng << 17;
	return lrng;
}

/* The sort of lines is stable: equal times keep their order, whatever the runs (newest
 * first, oldest first, shuffled, ties within and across runs). */
FA2_TEST(tr_sort_lines_stable)
{
	static char ids[4000];
	fa2_tr_data d;
	fa2_tr_logline *ref;
	size_t n = 4000, i, j, shape;
	for (shape = 0; shape < 4; shape++) {
		fa2_tr_data_init(&d);
		d.lines = calloc(n, sizeof *d.lines);
		ref = calloc(n, sizeof *ref);
		CHECK(d.lines && ref);
		if (!d.lines || !ref)
			return;
		d.n_lines = d.cap_lines = n;
		for (i = 0; i < n; i++) {
			int64_t t;
			size_t seg = i / 500;  /* eight segments: descending, ascending, random */
			if (shape == 0)
				t = (int64_t)(lrand() % 50);
			else if (shape == 1)
				t = seg % 2 ? (int64_t)(i % 500) / 3 : (int64_t)(500 - i % 500) / 3;
			else if (shape == 2)
				t = (int64_t)(n - i) / 7;
			else
				t = seg % 3 == 0 ? (int64_t)(lrand() % 20) : seg % 3 == 1 ? (int64_t)(600 - i % 500) / 2
					: (int64_t)(i % 500) / 2;
			d.lines[i].t_ms = t;
			d.lines[i].msg = &ids[i];
			/* Reference: insertion sort, stable. */
			for (j = i; j > 0 && ref[j - 1].t_ms > t; j--)
				ref[j] = ref[j - 1];
			ref[j] = d.lines[i];
		}
		CHECK_OK(fa2_tr_data_finish(&d));
		for (i = 0; i < n; i++)
			if (d.lines[i].t_ms != ref[i].t_ms || d.lines[i].msg != ref[i].msg)
				break;
		CHECK_MSG(i == n, "shape %zu: differs at %zu", shape, i);
		free(ref);
		fa2_tr_data_cleanup(&d);
	}
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[600];
	FILE *f;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

/* One Logs Insights result, newest first, of n rows from t0 (epoch s) every step s; a
 * few rows share a time; messages of a few kinds, errors after t_err. */
static void write_logs(const char *dir, const char *name, int64_t t0, int n, int step,
		       int64_t t_err, const char *group)
{
	fa2_buf b;
	int i;
	fa2_buf_init(&b, 1 << 22);
	(void)fa2_buf_append_cstr(&b, "{\"results\":[");
	for (i = n - 1; i >= 0; i--) {
		int64_t t = t0 + (int64_t)(i - i % 3) * step;  /* three rows per time */
		const char *m = t >= t_err && i % 4 == 0 ? "ERROR connect to db-%d timed out after %d ms"
			: i % 2 ? "INFO GET /api/orders/%d 200 %dms" : "INFO cache hit key=order:%d \\\"x\\\" %d";
		char msg[200];
		snprintf(msg, sizeof msg, m, i % 7, i);
		(void)fa2_buf_appendf(&b, "%s[{\"field\":\"@timestamp\",\"value\":\"%lld\"},{\"field\":\"@message\","
				      "\"value\":\"%s\"},{\"field\":\"@logStream\",\"value\":\"s/%d\"},"
				      "{\"field\":\"@log\",\"value\":\"1:%s\"}]",
				      i == n - 1 ? "" : ",", (long long)t * 1000, msg, i % 2, group);
	}
	(void)fa2_buf_append_cstr(&b, "],\"status\":\"Complete\"}");
	write_file(dir, name, b.data);
	fa2_buf_cleanup(&b);
}

static void report(const char *dir, int mined, int64_t from_ms, int64_t to_ms, fa2_buf *out)
{
	fa2_tr_data d;
	fa2_tr_analysis a;
	const char *why = "";
	fa2_tr_data_init(&d);
	memset(&a, 0, sizeof a);
	if (mined) {
		CHECK_OK(fa2_tr_snapshot_read_mined(&d, dir, from_ms, to_ms, &why));
		CHECK_INT_EQ(d.n_lines, 0);  /* no line kept */
		CHECK(d.mined != NULL && d.mined->n_lines > 100);
	} else {
		CHECK_OK(fa2_tr_snapshot_read(&d, dir, &why));
	}
	if (from_ms || to_ms)
		fa2_tr_data_narrow(&d, from_ms, to_ms);
	CHECK_OK(fa2_tr_analyze(&d, NULL, &a));
	CHECK_OK(fa2_tr_render(&a, FA2_TR_FMT_JSON, 0, out));
	fa2_tr_analysis_cleanup(&a);
	fa2_tr_data_cleanup(&d);
}

/* Triage of a snapshot mined while read gives the report of the snapshot read whole:
 * result files that overlap in time (each newest first, ties across files), files apart
 * in time, a window narrower than the snapshot. */
FA2_TEST(tr_snapshot_mined_same_report)
{
	char dir[512];
	fa2_buf kept, mined;
	const int64_t t0 = 1763604000;  /* 2025-11-20T02:00:00Z */
	int k;
	snprintf(dir, sizeof dir, "%s/snap-mined", fa2_test_tmpdir());
	CHECK(mkdir(dir, 0700) == 0 || errno == EEXIST);
	write_file(dir, "manifest.json",
		   "{\"format\":\"fa2-snapshot\",\"format_version\":1,\"region\":\"ap-northeast-1\","
		   "\"window\":{\"from\":\"2025-11-20T02:00:00Z\",\"to\":\"2025-11-20T05:00:00Z\"},"
		   "\"log_groups\":[\"/ecs/a\",\"/ecs/b\"],\"files\":["
		   "{\"path\":\"l1.json\",\"kind\":\"logs\",\"params\":{\"logGroupNames\":[\"/ecs/a\"]}},"
		   "{\"path\":\"l2.json\",\"kind\":\"logs\",\"params\":{\"logGroupNames\":[\"/ecs/b\"]}},"
		   "{\"path\":\"l3.json\",\"kind\":\"logs\",\"params\":{\"logGroupNames\":[\"/ecs/a\"]}},"
		   "{\"path\":\"l4.json\",\"kind\":\"logs\",\"params\":{\"logGroupNames\":[\"/ecs/a\"]}}]}");
	/* l1 and l2 overlap (same times: ties across files), l3 later and apart, l4 earliest
	 * although listed last. */
	write_logs(dir, "l1.json", t0 + 3600, 600, 6, t0 + 9000, "/ecs/a");
	write_logs(dir, "l2.json", t0 + 3600, 600, 6, t0 + 9000, "/ecs/b");
	write_logs(dir, "l3.json", t0 + 7200, 900, 4, t0 + 9000, "/ecs/a");
	write_logs(dir, "l4.json", t0, 500, 7, t0 + 9000, "/ecs/a");
	for (k = 0; k < 3; k++) {
		int64_t from = k == 1 ? (t0 + 4000) * 1000 : 0, to = k == 2 ? (t0 + 9500) * 1000 : 0;
		fa2_buf_init(&kept, 1 << 22);
		fa2_buf_init(&mined, 1 << 22);
		report(dir, 0, from, to, &kept);
		report(dir, 1, from, to, &mined);
		CHECK(kept.len > 100 && strstr(kept.data, "timed out after"));
		CHECK_MSG(kept.len == mined.len && memcmp(kept.data, mined.data, kept.len) == 0,
			  "window %d: reports differ:\n%s\n---\n%s", k, kept.data, mined.data);
		fa2_buf_cleanup(&kept);
		fa2_buf_cleanup(&mined);
	}
}
