/* fa2 patterns [options] [FILE...]: mine log templates from files (stdin when none).
 *
 * Each input line is taken whole as the message (no header parsing): a leading
 * timestamp, level or host is simply masked or kept as part of the template. When a line
 * starts with an ISO-8601 / RFC 3339 date and time, that instant feeds first/last time.
 * Lines end at LF; a CR before it is dropped; a last line without LF counts. Lines are
 * numbered from 1 across all inputs in order. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "base/slice.h"
#include "base/time.h"
#include "cmd/cmd.h"
#include "triage/logtpl.h"

#define READ_CHUNK        (1u << 20)          /* bytes per read(2) */
#define READ_BUF_BYTES    (READ_CHUNK + FA2_LOGTPL_MAX_LINE_BYTES)
#define MAX_ASSIGN_LINES  (256u * 1024u * 1024u)  /* --assign keeps 4 bytes per line */
#define OUT_FLUSH_BYTES   (1u << 20)

typedef struct pat_ctx {
	fa2_logtpl *miner;
	int assign;
	uint64_t line_no;
	uint32_t *ids;            /* --assign: template id per line (index line_no - 1) */
	size_t nids, capids;
	int any_time;
} pat_ctx;

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: fa2 patterns [options] [FILE...]\n"
	        "Mines log templates (Drain-style: numbers, hex, IPs, UUIDs, paths, URLs, dates\n"
	        "and key=value values are masked for grouping) from FILEs, or stdin when none.\n"
	        "A template shows a token as it was until its lines disagree on it; then what\n"
	        "they share stays (ssh2, node-<*>, /<*>/blk_<*>) and the rest is <*>.\n"
	        "Every line is taken whole as the message; a leading ISO-8601 date-time is also\n"
	        "used for the first/last time columns. Lines are numbered from 1 across inputs.\n"
	        "\n"
	        "options:\n"
	        "  --assign            print one line per input line instead of the table:\n"
	        "                      LINE_NO<TAB>TEMPLATE_ID<TAB>TEMPLATE (the line's final\n"
	        "                      template after all input is read)\n"
	        "  --format text|json  output format (default text)\n"
	        "  --sim X             similarity threshold 0..1 (default %.2f)\n"
	        "  --depth N           parse tree depth >= 3 (default %u)\n"
	        "  --max-templates N   live template cap, LRU eviction beyond (default %u)\n"
	        "  --examples N        example lines kept per template (default 3, max %u)\n"
	        "  -h, --help          this help\n",
	        0.6, 4u, (unsigned)50000u, (unsigned)FA2_LOGTPL_MAX_EXAMPLES);
}

/* Instant of a leading "YYYY-MM-DD[T ]hh:mm:ss[.fff][zone]" or FA2_LOGTPL_NO_TIME. */
static int64_t line_time(const char *p, size_t n)
{
	size_t e, k;
	int64_t ms;
	if (n < 19 || p[4] != '-' || p[7] != '-' || p[0] < '0' || p[0] > '9')
		return FA2_LOGTPL_NO_TIME;
	/* date, separator, then time up to white space (or ',' milliseconds) */
	e = 11;
	while (e < n && p[e] != ' ' && p[e] != '\t' && p[e] != ',')
		e++;
	if (fa2_time_parse(fa2_slice_make(p, e), 0, 0, &ms) == FA2_OK)
		return ms;
	/* "2026-11-25T08:00:00,123Z" style: try without the fraction */
	for (k = 11; k < e; k++)
		if (p[k] == '.')
			break;
	if (k < e && fa2_time_parse(fa2_slice_make(p, k), 0, 0, &ms) == FA2_OK)
		return ms;
	return FA2_LOGTPL_NO_TIME;
}

static fa2_err feed_line(pat_ctx *c, const char *p, size_t n)
{
	uint32_t id = 0;
	int64_t ts;
	fa2_err err;
	if (n && p[n - 1] == '\r')
		n--;
	c->line_no++;
	ts = line_time(p, n);
	if (ts != FA2_LOGTPL_NO_TIME)
		c->any_time = 1;
	err = fa2_logtpl_feed(c->miner, fa2_slice_make(p, n), ts, c->line_no, &id);
	if (err && err != FA2_ERR_NOMEM)
		return err;
	if (err)
		id = 0;  /* out of memory for this line: it gets no template */
	if (c->assign) {
		if (c->nids == c->capids) {
			size_t ncap = c->capids ? c->capids * 2 : 65536;
			uint32_t *ni;
			if (ncap > MAX_ASSIGN_LINES)
				ncap = MAX_ASSIGN_LINES;
			if (ncap <= c->nids)
				return FA2_ERR_TOO_LARGE;
			ni = fa2_realloc(c->ids, ncap * sizeof(uint32_t));
			if (!ni)
				return FA2_ERR_NOMEM;
			c->ids = ni;
			c->capids = ncap;
		}
		c->ids[c->nids++] = id;
	}
	return FA2_OK;
}

/* Reads fd to the end in big chunks and feeds every line; no per-line allocation. */
static fa2_err feed_fd(pat_ctx *c, int fd, char *buf)
{
	size_t have = 0;
	int skipping = 0;  /* inside an over-long line whose head was fed */
	fa2_err err = FA2_OK;
	for (;;) {
		ssize_t r = read(fd, buf + have, READ_BUF_BYTES - have);
		size_t start = 0, i;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = FA2_ERR_IO;
			goto cleanup;
		}
		if (r == 0)
			break;
		have += (size_t)r;
		for (;;) {
			const char *nl = memchr(buf + start, '\n', have - start);
			if (!nl)
				break;
			i = (size_t)(nl - buf);
			if (!skipping) {
				err = feed_line(c, buf + start, i - start);
				if (err)
					goto cleanup;
			}
			skipping = 0;
			start = i + 1;
		}
		if (start > 0) {
			memmove(buf, buf + start, have - start);
			have -= start;
		} else if (have == READ_BUF_BYTES) {
			/* no LF in a full buffer: feed the head (the miner cuts it) and skip the rest */
			if (!skipping) {
				err = feed_line(c, buf, have);
				if (err)
					goto cleanup;
			}
			skipping = 1;
			have = 0;
		}
	}
	if (have > 0 && !skipping)
		err = feed_line(c, buf, have);
cleanup:
	return err;
}

static int cmp_count_desc(const void *a, const void *b)
{
	const fa2_logtpl_info *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->id < y->id ? -1 : (x->id > y->id);
}

static fa2_err flush_out(fa2_buf *out, int force)
{
	fa2_err err = FA2_OK;
	if (out->len && (force || out->len >= OUT_FLUSH_BYTES)) {
		err = fa2_write_all(1, out->data, out->len);
		fa2_buf_reset(out);
	}
	return err;
}

static fa2_err print_assign(pat_ctx *c, int json, fa2_buf *out)
{
	size_t i;
	fa2_err err = FA2_OK;
	uint32_t last_id = 0, last_res = 0;
	fa2_logtpl_info info;
	fa2_slice text = FA2_SLICE_EMPTY;
	if (json && (err = fa2_buf_append_cstr(out, "[")))
		return err;
	for (i = 0; i < c->nids; i++) {
		uint32_t id = c->ids[i];
		if (id != last_id || i == 0) {
			last_id = id;
			last_res = fa2_logtpl_resolve(c->miner, id);
			if (fa2_logtpl_get(c->miner, last_res, &info) == FA2_OK)
				text = info.text;
			else
				text = last_res ? FA2_SLICE_LIT("<evicted>") : FA2_SLICE_LIT("<none>");
		}
		if (json) {
			err = fa2_buf_appendf(out, "%s{\"line\":%zu,\"id\":%u,\"template\":", i ? "," : "",
			                      i + 1, (unsigned)last_res);
			if (!err)
				err = fa2_json_append_string(out, text);
			if (!err)
				err = fa2_buf_append_cstr(out, "}\n");
		} else {
			err = fa2_buf_appendf(out, "%zu\t%u\t", i + 1, (unsigned)last_res);
			if (!err)
				err = fa2_buf_append_slice(out, text);
			if (!err)
				err = fa2_buf_append_byte(out, '\n');
		}
		if (!err)
			err = flush_out(out, 0);
		if (err)
			return err;
	}
	if (json)
		err = fa2_buf_append_cstr(out, "]\n");
	return err;
}

static fa2_err print_table(pat_ctx *c, int json, fa2_buf *out)
{
	fa2_logtpl_stats st;
	fa2_logtpl_info *all = NULL;
	size_t n = 0, cur = 0, i, k;
	fa2_err err = FA2_OK;
	char t1[40], t2[40];

	fa2_logtpl_stats_get(c->miner, &st);
	all = fa2_calloc(st.live ? st.live : 1, sizeof(*all));
	if (!all)
		return FA2_ERR_NOMEM;
	while (n < st.live && fa2_logtpl_next(c->miner, &cur, &all[n]))
		n++;
	qsort(all, n, sizeof(*all), cmp_count_desc);
	if (json) {
		err = fa2_buf_appendf(out, "{\"lines\":%llu,\"templates\":%zu,\"evicted\":%llu,\"patterns\":[",
		                      (unsigned long long)st.lines, n, (unsigned long long)st.evicted);
	} else {
		err = fa2_buf_appendf(out, "# %llu lines, %zu templates\n%-6s %9s %s%-5s %s\n",
		                      (unsigned long long)st.lines, n, "ID", "COUNT",
		                      c->any_time ? "FIRST                    LAST                     " : "",
		                      "SEV", "TEMPLATE");
	}
	for (i = 0; i < n && !err; i++) {
		fa2_logtpl_info *p = &all[i];
		t1[0] = t2[0] = '\0';
		if (p->first_ms != FA2_LOGTPL_NO_TIME) {
			fa2_time_format_rfc3339(p->first_ms, 0, 1, t1, sizeof t1);
			fa2_time_format_rfc3339(p->last_ms, 0, 1, t2, sizeof t2);
		}
		if (json) {
			err = fa2_buf_appendf(out, "%s{\"id\":%u,\"count\":%llu,\"severity\":\"%s\",", i ? "," : "",
			                      (unsigned)p->id, (unsigned long long)p->count,
			                      fa2_logtpl_sev_name(p->severity));
			if (!err && t1[0])
				err = fa2_buf_appendf(out, "\"first\":\"%s\",\"last\":\"%s\",", t1, t2);
			if (!err)
				err = fa2_buf_appendf(out, "\"first_line\":%llu,\"last_line\":%llu,\"template\":",
				                      (unsigned long long)p->first_line,
				                      (unsigned long long)p->last_line);
			if (!err)
				err = fa2_json_append_string(out, p->text);
			if (!err)
				err = fa2_buf_append_cstr(out, ",\"examples\":[");
			for (k = 0; k < p->n_examples && !err; k++) {
				if (k)
					err = fa2_buf_append_byte(out, ',');
				if (!err)
					err = fa2_json_append_string(out, p->examples[k]);
			}
			if (!err)
				err = fa2_buf_append_cstr(out, "]}\n");
		} else {
			err = fa2_buf_appendf(out, "%-6u %9llu ", (unsigned)p->id, (unsigned long long)p->count);
			if (!err && c->any_time)
				err = fa2_buf_appendf(out, "%-24s %-24s ", t1[0] ? t1 : "-", t2[0] ? t2 : "-");
			if (!err)
				err = fa2_buf_appendf(out, "%-5s ", fa2_logtpl_sev_name(p->severity));
			if (!err)
				err = fa2_buf_append_slice(out, p->text);
			if (!err)
				err = fa2_buf_append_byte(out, '\n');
		}
		if (!err)
			err = flush_out(out, 0);
	}
	if (!err && json)
		err = fa2_buf_append_cstr(out, "]}\n");
	fa2_free(all);
	return err;
}

static int parse_num_opt(const char *name, const char *val, long long min, long long max,
                         long long *out)
{
	if (!val || fa2_parse_int_range(fa2_slice_cstr(val), min, max, out) != FA2_OK) {
		fprintf(stderr, "fa2 patterns: %s wants an integer in %lld..%lld\n", name, min, max);
		return 0;
	}
	return 1;
}

int fa2_cmd_patterns(int argc, char **argv)
{
	fa2_logtpl_config cfg;
	pat_ctx c;
	fa2_buf out;
	char *buf = NULL;
	int json = 0, rc = FA2_EXIT_FAILURE, i, nfiles = 0;
	fa2_err err = FA2_OK;
	long long v;

	memset(&c, 0, sizeof c);
	fa2_buf_init(&out, (size_t)OUT_FLUSH_BYTES * 4);
	fa2_logtpl_config_default(&cfg);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (fa2_cmd_is_help(a)) {
			usage(stdout);
			rc = FA2_EXIT_OK;
			goto cleanup;
		} else if (strcmp(a, "--assign") == 0) {
			c.assign = 1;
		} else if (strcmp(a, "--format") == 0) {
			if (!val || (strcmp(val, "json") != 0 && strcmp(val, "text") != 0)) {
				fprintf(stderr, "fa2 patterns: --format wants text or json\n");
				rc = FA2_EXIT_USAGE;
				goto cleanup;
			}
			json = strcmp(val, "json") == 0;
			i++;
		} else if (strcmp(a, "--sim") == 0) {
			char *end = NULL;
			double d = val ? strtod(val, &end) : -1.0;
			if (!val || end == val || *end || !(d >= 0.0 && d <= 1.0)) {
				fprintf(stderr, "fa2 patterns: --sim wants a number in 0..1\n");
				rc = FA2_EXIT_USAGE;
				goto cleanup;
			}
			cfg.sim_threshold = d;
			i++;
		} else if (strcmp(a, "--depth") == 0) {
			if (!parse_num_opt(a, val, 3, 32, &v)) {
				rc = FA2_EXIT_USAGE;
				goto cleanup;
			}
			cfg.depth = (unsigned)v;
			i++;
		} else if (strcmp(a, "--max-templates") == 0) {
			if (!parse_num_opt(a, val, 1, 16LL * 50000, &v)) {
				rc = FA2_EXIT_USAGE;
				goto cleanup;
			}
			cfg.max_templates = (size_t)v;
			i++;
		} else if (strcmp(a, "--examples") == 0) {
			if (!parse_num_opt(a, val, 0, FA2_LOGTPL_MAX_EXAMPLES, &v)) {
				rc = FA2_EXIT_USAGE;
				goto cleanup;
			}
			cfg.examples = (unsigned)v;
			i++;
		} else if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "fa2 patterns: unknown option '%s' (see --help)\n", a);
			rc = FA2_EXIT_USAGE;
			goto cleanup;
		} else {
			break;
		}
	}
	err = fa2_logtpl_new(&cfg, &c.miner);
	if (!err) {
		buf = fa2_malloc(READ_BUF_BYTES);
		if (!buf)
			err = FA2_ERR_NOMEM;
	}
	if (err) {
		fprintf(stderr, "fa2 patterns: %s\n", fa2_err_str(err));
		goto cleanup;
	}
	for (; i < argc && !err; i++) {
		int fd;
		nfiles++;
		if (strcmp(argv[i], "-") == 0) {
			err = feed_fd(&c, 0, buf);
			continue;
		}
		fd = open(argv[i], O_RDONLY);
		if (fd < 0) {
			fprintf(stderr, "fa2 patterns: %s: %s\n", argv[i], strerror(errno));
			err = FA2_ERR_IO;
			break;
		}
		err = feed_fd(&c, fd, buf);
		close(fd);
		if (err)
			fprintf(stderr, "fa2 patterns: %s: %s\n", argv[i], fa2_err_str(err));
	}
	if (!err && nfiles == 0) {
		err = feed_fd(&c, 0, buf);
		if (err)
			fprintf(stderr, "fa2 patterns: stdin: %s\n", fa2_err_str(err));
	}
	if (err)
		goto cleanup;
	err = fa2_logtpl_finish(c.miner);
	if (!err)
		err = c.assign ? print_assign(&c, json, &out) : print_table(&c, json, &out);
	if (!err)
		err = flush_out(&out, 1);
	if (err) {
		fprintf(stderr, "fa2 patterns: %s\n", fa2_err_str(err));
		goto cleanup;
	}
	rc = FA2_EXIT_OK;
cleanup:
	fa2_buf_cleanup(&out);
	fa2_free(buf);
	fa2_free(c.ids);
	fa2_logtpl_free(c.miner);
	return rc;
}
