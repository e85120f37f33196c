/* Log template miner: token masking, parse tree grouping, generalisation, LRU
 * eviction, severity, allocation failure. */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "test.h"
#include "triage/logtpl.h"

static fa2_slice S(const char *s) { return fa2_slice_cstr(s); }

/* Feeds one line and returns its template id (0 on error). */
static uint32_t feed(fa2_logtpl *m, const char *line)
{
	uint32_t id = 0;
	if (fa2_logtpl_feed(m, S(line), FA2_LOGTPL_NO_TIME, 0, &id) != FA2_OK)
		return 0;
	return id;
}

/* Template text of id into buf ("" when not found). */
static const char *text_of(fa2_logtpl *m, uint32_t id, char *buf, size_t cap)
{
	fa2_logtpl_info info;
	buf[0] = '\0';
	if (fa2_logtpl_get(m, id, &info) == FA2_OK)
		snprintf(buf, cap, "%.*s", FA2_SLICE_FMT(info.text));
	return buf;
}

/* Template text of a single line fed to a fresh miner. */
static const char *one_line_template(const char *line, char *buf, size_t cap)
{
	fa2_logtpl *m = NULL;
	buf[0] = '\0';
	if (fa2_logtpl_new(NULL, &m) != FA2_OK)
		return buf;
	text_of(m, feed(m, line), buf, cap);
	fa2_logtpl_free(m);
	return buf;
}

FA2_TEST(logtpl_mask_token_classes)
{
	static const char *const vars[] = {
		"12345", "-42", "+7", "3.14", "1,024", "0x1f", "0XDEADBEEF", "deadbeef12", "10.251.73.220",
		"10.251.73.220:50010", "fe80::1", "2607:f140:6000:8:c6b3:1ff:fecd:467f",
		"123e4567-e89b-12d3-a456-426614174000", "/etc/passwd", "/", "C:\\Windows\\x.dll",
		"http://example.com/a?b=1", "https://x", "user@example.com", "2016-09-28", "07:57:30",
		"2016/9/27:20:30:31.455", "00:1b:44:11:3a:b7", "1498928900.759059", "~/x",
		"30546173_4261722401", "2026-11-25T08:00:00Z", "2026-11-25T08:00:00.123+09:00",
		"2016-09-28_12:00:00,5",
	};
	static const char *const consts[] = {
		"hello", "ERROR", "-", "", "abc-def", "deadbeef", "ssh2", "jk2_init()", "a=b",
		"Fri", "http", "x@y", "::", "[preauth]", "done.",
	};
	size_t i;
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		if (strcmp(vars[i], "/") == 0)
			continue;  /* a lone slash is a word, checked below */
		CHECK_MSG(fa2_logtpl_token_is_variable(S(vars[i])), "%s should be variable", vars[i]);
	}
	CHECK(!fa2_logtpl_token_is_variable(S("/")));
	for (i = 0; i < sizeof(consts) / sizeof(consts[0]); i++)
		CHECK_MSG(!fa2_logtpl_token_is_variable(S(consts[i])), "%s should be constant", consts[i]);
}

FA2_TEST(logtpl_mask_in_templates)
{
	char b[512];
	/* surrounding punctuation stays, the core is masked */
	CHECK_STR_EQ(one_line_template("from [173.234.31.186] port 22", b, sizeof b), "from [<*>] port <*>");
	CHECK_STR_EQ(one_line_template("addr (10.0.0.1:80), next", b, sizeof b), "addr (<*>), next");
	/* digit runs inside identifiers; a sign after punctuation belongs to the number */
	CHECK_STR_EQ(one_line_template("block blk_-6952295868487656571 done", b, sizeof b), "block blk_<*> done");
	CHECK_STR_EQ(one_line_template("block blk_38865049064139660 done", b, sizeof b), "block blk_<*> done");
	CHECK_STR_EQ(one_line_template("iface wl0 t761", b, sizeof b), "iface wl0 t761");
	CHECK_STR_EQ(one_line_template("at 10-20-x", b, sizeof b), "at 10-20-x");
	CHECK_STR_EQ(one_line_template("appattempt_1445144423722_0020_000001 up", b, sizeof b),
	             "appattempt_<*> up");
	/* key=value: numeric values masked; words, paths and quoted values are shown until
	 * they vary (the matching form masks them, see logtpl_kv_shapes_and_mature_constants) */
	CHECK_STR_EQ(one_line_template("logname= uid=0 euid=0 tty=NODEVssh user=root", b, sizeof b),
	             "logname= uid=<*> euid=<*> tty=NODEVssh user=root");
	CHECK_STR_EQ(one_line_template("acquire tag=\"View Lock\", name=x", b, sizeof b),
	             "acquire tag=\"View Lock\", name=x");
	CHECK_STR_EQ(one_line_template("open file=/var/log/x.log ok", b, sizeof b), "open file=/var/log/x.log ok");
	/* dates: weekday and month names next to numbers are masked, alone they are words */
	CHECK_STR_EQ(one_line_template("connection at Fri Jul  1 07:57:30 2005", b, sizeof b),
	             "connection at <*> <*> <*> <*> <*>");
	CHECK_STR_EQ(one_line_template("May I help", b, sizeof b), "May I help");
	/* white space of any kind separates tokens; CR at the end is dropped */
	CHECK_STR_EQ(one_line_template("  a\tb   c \r", b, sizeof b), "a b c");
	CHECK_STR_EQ(one_line_template("", b, sizeof b), "");
	CHECK_STR_EQ(one_line_template("mail root@example.com now", b, sizeof b), "mail root@example.com now");
	CHECK_STR_EQ(one_line_template("GET http://h/x?y=1 200", b, sizeof b), "GET http://h/x?y=<*> <*>");
}

FA2_TEST(logtpl_tree_groups_and_generalises)
{
	fa2_logtpl *m = NULL;
	uint32_t a, b, c, d, e;
	char t[256];
	CHECK_OK(fa2_logtpl_new(NULL, &m));
	/* same template: masked variables only */
	a = feed(m, "Connection from 10.0.0.1 closed after 12 ms");
	b = feed(m, "Connection from 10.0.0.2 closed after 7 ms");
	CHECK(a != 0);
	CHECK_INT_EQ(a, b);
	CHECK_STR_EQ(text_of(m, a, t, sizeof t), "Connection from <*> closed after <*> ms");
	/* different token count: a different template */
	c = feed(m, "Connection from 10.0.0.1 closed");
	CHECK(c != 0 && c != a);
	/* words differing in one position are distinct events (two or three values) ... */
	d = feed(m, "session opened for user alice by sshd");
	e = feed(m, "session opened for user bob by sshd");
	CHECK(d != e);
	CHECK(feed(m, "session opened for user carol by sshd") != e);
	/* ... until the fourth value makes the position a variable: merged online */
	e = feed(m, "session opened for user dave by sshd");
	CHECK_INT_EQ(fa2_logtpl_resolve(m, d), fa2_logtpl_resolve(m, e));
	CHECK_STR_EQ(text_of(m, d, t, sizeof t), "session opened for user <*> by sshd");
	{
		fa2_logtpl_info info;
		CHECK_OK(fa2_logtpl_get(m, d, &info));
		CHECK_INT_EQ(info.count, 4);
	}
	/* and later lines with other values land there directly */
	CHECK_INT_EQ(feed(m, "session opened for user erin by sshd"), fa2_logtpl_resolve(m, d));
	/* a difference in the digits of a name generalises at once ... */
	d = feed(m, "worker w1 finished task in time");
	CHECK_INT_EQ(feed(m, "worker w22 finished task in time"), d);
	CHECK_STR_EQ(text_of(m, d, t, sizeof t), "worker w<*> finished task in time");
	/* ... one in its letters is another name: another event (eth0 vs alt0) */
	CHECK(feed(m, "worker x1 finished task in time") != d);
	/* a clearly different message of the same length is not merged */
	CHECK(feed(m, "disk quota exceeded on volume data now") != d);
	/* short messages that share too little are not merged */
	CHECK(feed(m, "Command has completed successfully") != feed(m, "Command has failed badly"));
	fa2_logtpl_free(m);
}

FA2_TEST(logtpl_variable_prefix_second_chance)
{
	fa2_logtpl *m = NULL;
	uint32_t a, b;
	char t[256];
	CHECK_OK(fa2_logtpl_new(NULL, &m));
	/* the first token is a variable dotted name: the leaves differ, the message matches */
	a = feed(m, "com.apple.cache.daily: scheduler told me to run this job; however the start is late");
	b = feed(m, "com.apple.safari.update: scheduler told me to run this job; however the start is late");
	CHECK_INT_EQ(a, b);
	CHECK_STR_EQ(text_of(m, a, t, sizeof t),
	             "com.apple.<*>: scheduler told me to run this job; however the start is late");
	/* found directly on the next line under the second prefix */
	CHECK_INT_EQ(feed(m, "com.apple.safari.update: scheduler told me to run this job; however the start is late"), a);
	/* but a different plain verb in front is a different event */
	a = feed(m, "getTasks: caller 10113 does not hold REAL_GET_TASKS; limiting output");
	b = feed(m, "getRunningAppProcesses: caller 10113 does not hold REAL_GET_TASKS; limiting output");
	CHECK(a != b);
	fa2_logtpl_free(m);
}

FA2_TEST(logtpl_kv_shapes_and_mature_constants)
{
	fa2_logtpl *m = NULL;
	uint32_t a, b;
	int i;
	char line[128];
	CHECK_OK(fa2_logtpl_new(NULL, &m));
	/* key= (empty) and key=value are different events */
	a = feed(m, "auth failure; logname= uid=0 tty=ssh ruser= rhost=10.0.0.1");
	b = feed(m, "auth failure; logname= uid=0 tty=ssh ruser= rhost=");
	CHECK(a != b);
	/* a word constant seen many times is not generalised by one other word */
	for (i = 0; i < 60; i++) {
		snprintf(line, sizeof line, "Session: %d_%d initialized by client WindowsUpdateAgent.", i, i * 7);
		a = feed(m, line);
	}
	b = feed(m, "Session: 11152_142416105 initialized by client SPP.");
	CHECK(a != 0 && b != 0 && a != b);
	/* bytes vs values: two word values are two events */
	a = feed(m, "Block x_1 stored as bytes in memory (estimated size 5.2 KB, free 3 MB)");
	b = feed(m, "Block x_2 stored as values in memory (estimated size 93.0 B, free 2 MB)");
	CHECK(a != b);
	/* size units go with their numbers */
	CHECK_INT_EQ(feed(m, "Block x_3 stored as bytes in memory (estimated size 7 B, free 1 GB)"), a);
	fa2_logtpl_free(m);
}

FA2_TEST(logtpl_eviction_lru)
{
	fa2_logtpl_config cfg;
	fa2_logtpl *m = NULL;
	fa2_logtpl_stats st;
	fa2_logtpl_info info;
	uint32_t a, b, c, d, e;
	size_t cur = 0, n = 0;
	fa2_logtpl_config_default(&cfg);
	cfg.max_templates = 3;
	CHECK_OK(fa2_logtpl_new(&cfg, &m));
	a = feed(m, "alpha event one");
	b = feed(m, "bravo event two happened");
	c = feed(m, "charlie event three happened here");
	CHECK(a && b && c);
	CHECK_INT_EQ(feed(m, "alpha event one"), a);   /* a is now the most recent */
	d = feed(m, "delta event four happened here today");
	CHECK(d && d != a && d != b && d != c);
	fa2_logtpl_stats_get(m, &st);
	CHECK_INT_EQ(st.live, 3);
	CHECK_INT_EQ(st.evicted, 1);
	CHECK_INT_EQ(st.created, 4);
	CHECK_INT_EQ(fa2_logtpl_get(m, b, &info), FA2_ERR_NOT_FOUND);  /* least recent went */
	CHECK_OK(fa2_logtpl_get(m, a, &info));
	CHECK_INT_EQ(info.count, 2);
	CHECK_OK(fa2_logtpl_get(m, c, &info));
	CHECK_OK(fa2_logtpl_get(m, d, &info));
	/* an evicted template's line comes back under a new id */
	e = feed(m, "bravo event two happened");
	CHECK(e != b && e != 0);
	CHECK_INT_EQ(fa2_logtpl_get(m, c, &info), FA2_ERR_NOT_FOUND);  /* LRU was d, a, c */
	CHECK_OK(fa2_logtpl_get(m, a, &info));
	while (fa2_logtpl_next(m, &cur, &info))
		n++;
	CHECK_INT_EQ(n, 3);
	/* many more distinct templates: the cap holds */
	{
		char line[64];
		int i;
		for (i = 0; i < 200; i++) {
			snprintf(line, sizeof line, "event%c%c kind w%c%c", 'a' + i % 26, 'a' + i / 26,
			         'a' + i % 26, 'a' + i / 26);
			CHECK(feed(m, line) != 0);
		}
	}
	fa2_logtpl_stats_get(m, &st);
	CHECK_INT_EQ(st.live, 3);
	CHECK(st.evicted >= 200);
	fa2_logtpl_free(m);
}

FA2_TEST(logtpl_info_and_severity)
{
	fa2_logtpl *m = NULL;
	fa2_logtpl_info info;
	uint32_t a, id2 = 0;
	CHECK_INT_EQ(fa2_logtpl_guess_severity(S("java.lang.NullPointerException at x")), FA2_LOGTPL_SEV_ERROR);
	CHECK_INT_EQ(fa2_logtpl_guess_severity(S("[WARN] disk low")), FA2_LOGTPL_SEV_WARN);
	CHECK_INT_EQ(fa2_logtpl_guess_severity(S("kernel panic - not syncing")), FA2_LOGTPL_SEV_FATAL);
	CHECK_INT_EQ(fa2_logtpl_guess_severity(S("Failed password for root")), FA2_LOGTPL_SEV_ERROR);
	CHECK_INT_EQ(fa2_logtpl_guess_severity(S("failover completed, terror none")), FA2_LOGTPL_SEV_NONE);
	CHECK_INT_EQ(fa2_logtpl_guess_severity(S("INFO started")), FA2_LOGTPL_SEV_INFO);
	CHECK_STR_EQ(fa2_logtpl_sev_name(FA2_LOGTPL_SEV_ERROR), "ERROR");
	CHECK_STR_EQ(fa2_logtpl_sev_name(FA2_LOGTPL_SEV_NONE), "-");

	CHECK_OK(fa2_logtpl_new(NULL, &m));
	CHECK_OK(fa2_logtpl_feed(m, S("job 1 state 0x1f done"), 2000, 10, &a));
	CHECK_OK(fa2_logtpl_feed(m, S("job 2 state 0x2e done"), 1000, 11, &id2));
	CHECK_OK(fa2_logtpl_feed(m, S("job 3 state 0x3d done\r"), FA2_LOGTPL_NO_TIME, 12, NULL));
	CHECK_INT_EQ(a, id2);
	CHECK_OK(fa2_logtpl_get(m, a, &info));
	CHECK_INT_EQ(info.count, 3);
	CHECK_INT_EQ(info.first_ms, 1000);
	CHECK_INT_EQ(info.last_ms, 2000);
	CHECK_INT_EQ(info.first_line, 10);
	CHECK_INT_EQ(info.last_line, 12);
	CHECK_INT_EQ(info.severity, FA2_LOGTPL_SEV_NONE);
	CHECK_INT_EQ(info.n_examples, 3);
	CHECK_SLICE_EQ(info.examples[0], "job 1 state 0x1f done");
	CHECK_SLICE_EQ(info.examples[2], "job 3 state 0x3d done");
	CHECK_SLICE_EQ(info.text, "job <*> state <*> done");
	/* severity of a variable position: the highest of its lines (merged siblings too) */
	CHECK_OK(fa2_logtpl_feed(m, S("code 1 level info in module core now"), 1, 1, &a));
	CHECK_OK(fa2_logtpl_feed(m, S("code 2 level error in module core now"), 2, 2, NULL));
	CHECK_OK(fa2_logtpl_feed(m, S("code 3 level debug in module core now"), 3, 3, NULL));
	CHECK_OK(fa2_logtpl_feed(m, S("code 4 level warning in module core now"), 4, 4, &id2));
	CHECK_INT_EQ(fa2_logtpl_resolve(m, a), id2);
	CHECK_OK(fa2_logtpl_get(m, a, &info));
	CHECK_SLICE_EQ(info.text, "code <*> level <*> in module core now");
	CHECK_INT_EQ(info.severity, FA2_LOGTPL_SEV_ERROR);
	CHECK_INT_EQ(info.count, 4);
	CHECK_INT_EQ(info.first_ms, 1);
	CHECK_INT_EQ(info.last_ms, 4);
	CHECK_OK(fa2_logtpl_feed(m, S("code 5 level fatal in module core now"), 5, 5, NULL));
	CHECK_OK(fa2_logtpl_get(m, a, &info));
	CHECK_INT_EQ(info.severity, FA2_LOGTPL_SEV_FATAL);
	/* upper-case enum values are never merged into a variable: levels stay apart */
	a = feed(m, "unit 1 state INFO in module core now");
	CHECK(a != feed(m, "unit 2 state ERROR in module core now"));
	CHECK(a != feed(m, "unit 3 state DEBUG in module core now"));
	id2 = feed(m, "unit 4 state WARN in module core now");
	CHECK_OK(fa2_logtpl_finish(m));
	CHECK(fa2_logtpl_resolve(m, a) != fa2_logtpl_resolve(m, id2));
	CHECK_INT_EQ(fa2_logtpl_resolve(m, a), a);
	CHECK_INT_EQ(fa2_logtpl_resolve(m, 0), 0);
	CHECK_INT_EQ(fa2_logtpl_resolve(m, 999), 0);
	CHECK_INT_EQ(fa2_logtpl_get(m, 999, &info), FA2_ERR_NOT_FOUND);
	CHECK_OK(fa2_logtpl_finish(m));
	CHECK_OK(fa2_logtpl_get(m, a, &info));
	fa2_logtpl_free(m);
	fa2_logtpl_free(NULL);
}

FA2_TEST(logtpl_config_and_limits)
{
	fa2_logtpl_config cfg;
	fa2_logtpl *m = NULL;
	fa2_logtpl_info info;
	static char big[3 * FA2_LOGTPL_MAX_LINE_BYTES];
	size_t i;
	uint32_t id;
	fa2_logtpl_config_default(&cfg);
	cfg.sim_threshold = 1.5;
	CHECK_INT_EQ(fa2_logtpl_new(&cfg, &m), FA2_ERR_INVALID);
	CHECK(m == NULL);
	fa2_logtpl_config_default(&cfg);
	cfg.depth = 2;
	CHECK_INT_EQ(fa2_logtpl_new(&cfg, &m), FA2_ERR_INVALID);
	fa2_logtpl_config_default(&cfg);
	cfg.max_templates = 0;
	CHECK_INT_EQ(fa2_logtpl_new(&cfg, &m), FA2_ERR_INVALID);
	fa2_logtpl_config_default(&cfg);
	cfg.examples = FA2_LOGTPL_MAX_EXAMPLES + 1;
	CHECK_INT_EQ(fa2_logtpl_new(&cfg, &m), FA2_ERR_INVALID);
	fa2_logtpl_config_default(&cfg);
	cfg.examples = 0;
	cfg.depth = 3;
	CHECK_OK(fa2_logtpl_new(&cfg, &m));
	/* a line of 12k one-letter tokens: cut to the byte cap, then the token cap */
	for (i = 0; i + 1 < sizeof big; i += 2) {
		big[i] = 'x';
		big[i + 1] = ' ';
	}
	CHECK_OK(fa2_logtpl_feed(m, fa2_slice_make(big, sizeof big), FA2_LOGTPL_NO_TIME, 1, &id));
	CHECK_OK(fa2_logtpl_get(m, id, &info));
	CHECK_INT_EQ(info.n_examples, 0);
	CHECK(info.text.len <= FA2_LOGTPL_MAX_LINE_BYTES);
	/* 255 "x " tokens plus the rest of the (cut) line joined into the last token */
	CHECK(info.text.len > 2 * (FA2_LOGTPL_MAX_TOKENS - 1));
	CHECK_INT_EQ(feed(m, "x"), feed(m, "x"));
	fa2_logtpl_free(m);
}

static void torture_feed(void *ctx)
{
	static const char *const lines[] = {
		"Connection from 10.0.0.1 closed", "Connection from 10.0.0.2 closed",
		"user alice logged in", "user bob logged in", "com.a.b: run job now please ok",
		"com.c.d: run job now please ok", "k=\"v w\" x=1", "", "one two three four five",
		"alpha", "beta", "gamma", "delta", "user carol logged in", "user dave logged in",
		"user erin logged in", "ann ran the job today", "bob ran the job today",
		"cat ran the job today", "dan ran the job today",
	};
	fa2_logtpl_config cfg;
	fa2_logtpl *m = NULL;
	fa2_logtpl_info info;
	size_t i, cur = 0;
	(void)ctx;
	fa2_logtpl_config_default(&cfg);
	cfg.max_templates = 8;  /* eviction under failure too */
	if (fa2_logtpl_new(&cfg, &m) != FA2_OK)
		return;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		uint32_t id = 0;
		fa2_err err = fa2_logtpl_feed(m, S(lines[i]), (int64_t)i, i + 1, &id);
		if (err == FA2_OK) {
			/* a successful feed always leaves a live template behind its id */
			if (fa2_logtpl_get(m, id, &info) != FA2_OK)
				fa2_test_fail(__FILE__, __LINE__, "fed line %zu has no template", i);
		} else if (err != FA2_ERR_NOMEM) {
			fa2_test_fail(__FILE__, __LINE__, "unexpected error %d", (int)err);
		}
	}
	(void)fa2_logtpl_finish(m);
	while (fa2_logtpl_next(m, &cur, &info))
		;
	fa2_logtpl_free(m);
}

FA2_TEST(logtpl_alloc_failure_torture)
{
	unsigned long runs = fa2_test_alloc_torture(torture_feed, NULL);
	CHECK(runs > 20);
}

FA2_TEST(logtpl_finish_merges_siblings)
{
	fa2_logtpl *m = NULL;
	fa2_logtpl_stats st;
	fa2_logtpl_info info;
	uint32_t id[8], r;
	char line[128], t[256];
	static const char *const who[] = { "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel" };
	static const char *const where[] = { "north", "south", "east", "west", "up", "down", "left", "right" };
	size_t i, cur = 0, n = 0;
	CHECK_OK(fa2_logtpl_new(NULL, &m));
	/* the varying word is the first token: each line has its own leaf, so only the
	 * end-of-input pass sees them together */
	for (i = 0; i < 4; i++) {
		snprintf(line, sizeof line, "%s started the nightly backup job", who[i]);
		id[i] = feed(m, line);
		CHECK(id[i] != 0);
	}
	CHECK(id[0] != id[1] && id[1] != id[2]);
	/* two or three values stay apart even after finish */
	CHECK(feed(m, "service on cache restarted after crash") != feed(m, "service on queue restarted after crash"));
	CHECK_OK(fa2_logtpl_finish(m));
	r = fa2_logtpl_resolve(m, id[0]);
	for (i = 1; i < 4; i++)
		CHECK_INT_EQ(fa2_logtpl_resolve(m, id[i]), r);
	CHECK_STR_EQ(text_of(m, id[2], t, sizeof t), "<*> started the nightly backup job");
	CHECK_OK(fa2_logtpl_get(m, id[3], &info));
	CHECK_INT_EQ(info.id, r);
	CHECK_INT_EQ(info.count, 4);
	CHECK_INT_EQ(info.n_examples, 3);
	fa2_logtpl_stats_get(m, &st);
	CHECK_INT_EQ(st.merged, 3);
	CHECK_INT_EQ(fa2_logtpl_resolve(m, feed(m, "service on cache restarted after crash")),
	             fa2_logtpl_resolve(m, feed(m, "service on cache restarted after crash")));
	CHECK(fa2_logtpl_resolve(m, feed(m, "service on cache restarted after crash")) !=
	      fa2_logtpl_resolve(m, feed(m, "service on queue restarted after crash")));
	/* two words varying together: merged when there are enough of them */
	for (i = 0; i < 8; i++) {
		snprintf(line, sizeof line, "moving %s to %s with the standard crane", who[i], where[i]);
		id[i] = feed(m, line);
	}
	CHECK(id[0] != id[1]);
	CHECK_OK(fa2_logtpl_finish(m));
	r = fa2_logtpl_resolve(m, id[0]);
	for (i = 1; i < 8; i++)
		CHECK_INT_EQ(fa2_logtpl_resolve(m, id[i]), r);
	CHECK_STR_EQ(text_of(m, id[5], t, sizeof t), "moving <*> to <*> with the standard crane");
	/* iteration shows merged templates once */
	while (fa2_logtpl_next(m, &cur, &info))
		n++;
	fa2_logtpl_stats_get(m, &st);
	CHECK_INT_EQ(n, st.live);
	fa2_logtpl_free(m);
}

/* Many sibling groups at once: finish sorts tens of thousands of (template, positions)
 * keys; every group must become one template and no two groups may meet. */
FA2_TEST(logtpl_finish_many_sibling_groups)
{
	enum { GROUPS = 300, MEMBERS = 4 };
	static const char *const who[MEMBERS] = { "alpha", "bravo", "charlie", "delta" };
	static uint32_t id[GROUPS][MEMBERS];
	fa2_logtpl *m = NULL;
	fa2_logtpl_stats st;
	char line[160], want[160], t[256], w[3][4];
	size_t g, i, k;
	CHECK_OK(fa2_logtpl_new(NULL, &m));
	/* group g: three words of its own (letters only, so constants); members differ in
	 * the first word; groups are fed interleaved */
	for (i = 0; i < MEMBERS; i++)
		for (g = 0; g < GROUPS; g++) {
			for (k = 0; k < 3; k++) {
				w[k][0] = (char)('a' + k);
				w[k][1] = (char)('a' + (g / 26) % 26);
				w[k][2] = (char)('a' + g % 26);
				w[k][3] = '\0';
			}
			snprintf(line, sizeof line, "%s started the %s %s %s backup", who[i], w[0], w[1], w[2]);
			id[g][i] = feed(m, line);
			CHECK(id[g][i] != 0);
		}
	CHECK_OK(fa2_logtpl_finish(m));
	for (g = 0; g < GROUPS; g++) {
		uint32_t r = fa2_logtpl_resolve(m, id[g][0]);
		for (i = 1; i < MEMBERS; i++)
			CHECK_INT_EQ(fa2_logtpl_resolve(m, id[g][i]), r);
		if (g > 0)
			CHECK(r != fa2_logtpl_resolve(m, id[g - 1][0]));
		snprintf(want, sizeof want, "<*> started the a%c%c b%c%c c%c%c backup",
		         'a' + (int)((g / 26) % 26), 'a' + (int)(g % 26), 'a' + (int)((g / 26) % 26),
		         'a' + (int)(g % 26), 'a' + (int)((g / 26) % 26), 'a' + (int)(g % 26));
		CHECK_STR_EQ(text_of(m, id[g][0], t, sizeof t), want);
	}
	fa2_logtpl_stats_get(m, &st);
	CHECK_INT_EQ(st.merged, GROUPS * (MEMBERS - 1));
	CHECK_INT_EQ(st.live, GROUPS);
	fa2_logtpl_free(m);
}

/* Feeds lines (NULL-terminated) to m; returns the id of the last one. */
static uint32_t feed_all(fa2_logtpl *m, const char *const *lines)
{
	uint32_t id = 0;
	for (; *lines; lines++)
		id = feed(m, *lines);
	return id;
}

/* Final template text of the group of id (after finish) into buf. */
static const char *final_text(fa2_logtpl *m, uint32_t id, char *buf, size_t cap)
{
	return text_of(m, fa2_logtpl_resolve(m, id), buf, cap);
}

FA2_TEST(logtpl_display_keeps_constants)
{
	static const char *const region[] = {
		"region ap-northeast-1 bucket logs-prod replicated 12 objects",
		"region ap-northeast-1 bucket logs-prod replicated 7 objects",
		"region ap-northeast-1 bucket logs-prod replicated 130 objects", NULL,
	};
	static const char *const gc[] = {
		"heap collector G1 paused 12 ms", "heap collector G1 paused 130 ms", NULL,
	};
	static const char *const ssh[] = {
		"Failed password for root from 10.0.0.1 port 5000 ssh2",
		"Failed password for root from 10.0.0.2 port 5001 ssh2", NULL,
	};
	static const char *const nodes[] = { "node node-12 is up again", "node node-7 is up again", NULL };
	fa2_logtpl *m = NULL;
	char t[256];
	CHECK_OK(fa2_logtpl_new(NULL, &m));
	/* names with digits that every line of the group shares stay as they are ... */
	CHECK_STR_EQ(text_of(m, feed_all(m, region), t, sizeof t),
	             "region ap-northeast-1 bucket logs-prod replicated <*> objects");
	CHECK_STR_EQ(text_of(m, feed_all(m, gc), t, sizeof t), "heap collector G1 paused <*> ms");
	CHECK_STR_EQ(text_of(m, feed_all(m, ssh), t, sizeof t),
	             "Failed password for root from <*> port <*> ssh2");
	/* ... the part of a name that varies does not */
	CHECK_STR_EQ(text_of(m, feed_all(m, nodes), t, sizeof t), "node node-<*> is up again");
	/* numbers, addresses, times are values from the first line on */
	CHECK_STR_EQ(one_line_template("took 12 ms at 07:57:30 from 10.1.2.3:8080 id 0x1f", t, sizeof t),
	             "took <*> ms at <*> from <*> id <*>");
	/* a long number makes an identifier's value; a short one stays */
	CHECK_STR_EQ(one_line_template("job job_1445144423722_0020 done", t, sizeof t), "job job_<*> done");
	CHECK_STR_EQ(one_line_template("wrote part-00191. ok", t, sizeof t), "wrote part-<*>. ok");
	CHECK_STR_EQ(one_line_template("instance i-0abc123def456 on eu-west-3", t, sizeof t),
	             "instance i-<*> on eu-west-3");
	/* short hex-looking names are names (and differ: another interface is another event) */
	CHECK_STR_EQ(one_line_template("link up on ee0 C1", t, sizeof t), "link up on ee0 C1");
	CHECK(feed(m, "NIFF: node node-1 found network 10.0.0.0 via interface ee0") !=
	      feed(m, "NIFF: node node-2 found network 10.0.0.0 via interface alt0"));
	fa2_logtpl_free(m);
}

FA2_TEST(logtpl_display_structure)
{
	static const char *const hdfs[] = {
		"Deleting block blk_-123 file /mnt/data/current/subdir1/blk_-123",
		"Deleting block blk_456 file /mnt/data/current/blk_456", NULL,
	};
	static const char *const logs[] = { "open /var/log/app/a.log now", "open /var/log/app/b.log now", NULL };
	static const char *const hosts[] = {
		"connect to db1.internal:5432 failed", "connect to db2.internal:5432 failed", NULL,
	};
	static const char *const paren[] = {
		"connection from 1.2.3.4 (host.example) at noon", "connection from 1.2.3.5 () at noon", NULL,
	};
	static const char *const peers[] = {
		"Receiving block blk_1 src: /10.250.19.102:54106 dest: /10.250.19.102:50010",
		"Receiving block blk_2 src: /10.251.43.21:40524 dest: /10.251.43.21:50010", NULL,
	};
	static const char *const ids[] = {
		"Progress of TaskAttempt attempt_1445144423722_0020_m_000001_0 is : 0.1",
		"Progress of TaskAttempt attempt_1445144423722_0020_m_000002_0 is : 0.5", NULL,
	};
	static const char *const users[] = {
		"session opened for user=root by sshd in 5 ms", "session opened for user=bob by sshd in 2 ms",
		"session opened for user=carol by sshd in 3 ms", "session opened for user=dave by sshd in 4 ms",
		NULL,
	};
	fa2_logtpl *m = NULL;
	uint32_t id;
	char t[256];
	CHECK_OK(fa2_logtpl_new(NULL, &m));
	/* differing directories become one <*>; the file keeps its kind */
	CHECK_STR_EQ(text_of(m, feed_all(m, hdfs), t, sizeof t), "Deleting block blk_<*> file /<*>/blk_<*>");
	/* equal directories stay */
	CHECK_STR_EQ(text_of(m, feed_all(m, logs), t, sizeof t), "open /var/log/app/<*>.log now");
	/* host:port keeps its shape */
	CHECK_STR_EQ(text_of(m, feed_all(m, hosts), t, sizeof t), "connect to db<*>.internal:<*> failed");
	CHECK_STR_EQ(text_of(m, feed_all(m, paren), t, sizeof t), "connection from <*> (<*>) at noon");
	CHECK_STR_EQ(text_of(m, feed_all(m, peers), t, sizeof t),
	             "Receiving block blk_<*> src: /<*> dest: /<*>");
	CHECK_STR_EQ(text_of(m, feed_all(m, ids), t, sizeof t), "Progress of TaskAttempt attempt_<*> is : <*>");
	/* key=value: the key stays when the values become a variable */
	id = feed_all(m, users);
	CHECK_OK(fa2_logtpl_finish(m));
	CHECK_STR_EQ(final_text(m, id, t, sizeof t), "session opened for user=<*> by sshd in <*> ms");
	fa2_logtpl_free(m);
}

FA2_TEST(logtpl_java_traces)
{
	static const char *const npe_a1 =
		"ERROR request failed java.lang.NullPointerException: boom\n\tat com.a.Foo.bar(Foo.java:10)\n"
		"\tat com.a.Main.run(Main.java:5)";
	static const char *const npe_a2 =
		"ERROR request failed java.lang.NullPointerException: boom\n\tat com.a.Foo.bar(Foo.java:11)\n"
		"\tat com.a.Main.run(Main.java:6)";
	static const char *const npe_b =
		"ERROR request failed java.lang.NullPointerException: boom\n\tat com.b.Baz.qux(Baz.java:77)\n"
		"\tat com.a.Main.run(Main.java:9)";
	static const char *const npe_deep =
		"ERROR request failed java.lang.NullPointerException: boom\n\tat com.a.Foo.bar(Foo.java:10)\n"
		"\tat com.a.Mid.go(Mid.java:3)\n\tat com.a.Main.run(Main.java:5)";
	fa2_logtpl *m = NULL;
	uint32_t a1, a2, b, deep, f1, f2;
	char t[512];
	CHECK_OK(fa2_logtpl_new(NULL, &m));
	/* a joined multi-line event: line breaks separate tokens; shifted line numbers are
	 * the same failure */
	a1 = feed(m, npe_a1);
	a2 = feed(m, npe_a2);
	CHECK_INT_EQ(a1, a2);
	CHECK_STR_EQ(text_of(m, a1, t, sizeof t),
	             "ERROR request failed java.lang.NullPointerException: boom at com.a.Foo.bar(Foo.java:<*>) "
	             "at com.a.Main.run(Main.java:<*>)");
	/* another failing frame, another frame count: other failures, also after finish */
	b = feed(m, npe_b);
	deep = feed(m, npe_deep);
	CHECK(b != a1 && deep != a1 && deep != b);
	/* split traces: one frame a line, each frame its own template */
	f1 = feed(m, "\tat com.a.Foo.bar(Foo.java:10)");
	f2 = feed(m, "\tat com.b.Baz.qux(Baz.java:77)");
	CHECK(f1 != f2);
	CHECK_INT_EQ(feed(m, "\tat com.a.Foo.bar(Foo.java:12)"), f1);
	CHECK_OK(fa2_logtpl_finish(m));
	CHECK(fa2_logtpl_resolve(m, a1) != fa2_logtpl_resolve(m, b));
	CHECK(fa2_logtpl_resolve(m, a1) != fa2_logtpl_resolve(m, deep));
	CHECK(fa2_logtpl_resolve(m, f1) != fa2_logtpl_resolve(m, f2));
	CHECK_INT_EQ(fa2_logtpl_guess_severity(S(npe_b)), FA2_LOGTPL_SEV_ERROR);
	fa2_logtpl_free(m);
}

FA2_TEST(logtpl_finish_merges_value_spans)
{
	static const char *const proxy[] = {
		"x.example:443 close, 0 bytes sent, 10 bytes received, lifetime <1 sec",
		"x.example:443 close, 1190 bytes (1.16 KB) sent, 99 bytes received, lifetime 00:02",
		"x.example:443 close, 5 bytes sent, 178000 bytes (173.8 KB) received, lifetime 01:02",
		"x.example:443 close, 4100 bytes (4.0 KB) sent, 9100 bytes (8.9 KB) received, lifetime 00:09",
		NULL,
	};
	fa2_logtpl *m = NULL;
	uint32_t id[4], r, blk1, blk2, other;
	size_t i;
	char t[256];
	CHECK_OK(fa2_logtpl_new(NULL, &m));
	for (i = 0; proxy[i]; i++)
		id[i] = feed(m, proxy[i]);
	CHECK(id[0] != id[1]);  /* other token counts: apart while mining ... */
	blk1 = feed(m, "BLOCK* ask 10.0.0.1:50010 to delete blk_1 blk_2 blk_3");
	blk2 = feed(m, "BLOCK* ask 10.0.0.2:50010 to delete blk_4");
	/* equal words around other values are not enough when a word differs */
	other = feed(m, "BLOCK* ask 10.0.0.2:50010 to keep blk_4");
	CHECK(blk1 != blk2);
	CHECK_OK(fa2_logtpl_finish(m));
	/* ... one event after finish: the values took more or fewer tokens */
	r = fa2_logtpl_resolve(m, id[0]);
	for (i = 1; i < 4; i++)
		CHECK_INT_EQ(fa2_logtpl_resolve(m, id[i]), r);
	CHECK_STR_EQ(text_of(m, r, t, sizeof t),
	             "x.example:<*> close, <*> bytes sent, <*> bytes received, lifetime <*> <*>");
	/* a list of any length */
	CHECK_INT_EQ(fa2_logtpl_resolve(m, blk1), fa2_logtpl_resolve(m, blk2));
	CHECK_STR_EQ(final_text(m, blk1, t, sizeof t), "BLOCK* ask <*> to delete blk_<*>");
	CHECK(fa2_logtpl_resolve(m, other) != fa2_logtpl_resolve(m, blk1));
	fa2_logtpl_free(m);
}

/* A JSON line without spaces is one token, masked in part: its constant words count
 * ("level":"WARN"), its keys do not ("errors":0, errors=0). */
FA2_TEST(logtpl_severity_in_json_and_keys)
{
	fa2_logtpl *m = NULL;
	fa2_logtpl_info info;
	uint32_t w = 0, e = 0, k = 0;
	CHECK_INT_EQ(fa2_logtpl_guess_severity(S("INFO errors=0 warnings=2 processed=10")), FA2_LOGTPL_SEV_INFO);
	CHECK_INT_EQ(fa2_logtpl_guess_severity(S("{\"error\":null,\"level\":\"INFO\"}")), FA2_LOGTPL_SEV_INFO);
	CHECK_INT_EQ(fa2_logtpl_guess_severity(S("error: connection refused")), FA2_LOGTPL_SEV_ERROR);
	CHECK_OK(fa2_logtpl_new(NULL, &m));
	CHECK_OK(fa2_logtpl_feed(m, S("{\"@timestamp\":\"2025-11-25T10:23:03.080Z\",\"message\":\"responded in 2300ms\","
	                              "\"thread_name\":\"http-nio-8080-exec-190\",\"level\":\"WARN\",\"level_value\":30000}"),
	                         1, 1, &w));
	CHECK_OK(fa2_logtpl_feed(m, S("{\"@timestamp\":\"2025-11-25T10:23:04.080Z\",\"message\":\"Servlet.service() threw\","
	                              "\"thread_name\":\"http-nio-8080-exec-191\",\"level\":\"ERROR\",\"level_value\":40000}"),
	                         2, 2, &e));
	CHECK_OK(fa2_logtpl_feed(m, S("2025-11-25 10:23:05.1 INFO 1 --- [main] c.e.S : errors=3 warnings=1 processed=77"),
	                         3, 3, &k));
	CHECK_OK(fa2_logtpl_get(m, w, &info));
	CHECK_INT_EQ(info.severity, FA2_LOGTPL_SEV_WARN);
	CHECK_OK(fa2_logtpl_get(m, e, &info));
	CHECK_INT_EQ(info.severity, FA2_LOGTPL_SEV_ERROR);
	CHECK_OK(fa2_logtpl_get(m, k, &info));
	CHECK_INT_EQ(info.severity, FA2_LOGTPL_SEV_INFO);
	fa2_logtpl_free(m);
}
