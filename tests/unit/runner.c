/* Unit-test runner: runs every test in the generated table (or those whose name
 * contains one of the arguments) and ends with "N passed, N failed". */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/json.h"
#include "base/log.h"
#include "base/time.h"
#include "test.h"

struct fa2_unit_test {
	const char *name;
	void (*fn)(void);
};
extern const struct fa2_unit_test fa2_unit_tests[];
extern const unsigned fa2_unit_test_count;

static int cur_failed;
static int cur_skipped;
static char cur_tmp[512];

void fa2_test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	cur_failed = 1;
	fprintf(stderr, "    %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int fa2_test_failed(void) { return cur_failed; }

void fa2_test_skip(const char *why)
{
	cur_skipped = 1;
	fprintf(stderr, "    skipped: %s\n", why);
}

const char *fa2_test_data(const char *rel, char *out, size_t cap)
{
	const char *root = getenv("FA2_TESTDATA");
	if (!root || !*root)
		root = "../shared/testdata";
	snprintf(out, cap, "%s/%s", root, rel);
	return out;
}

const char *fa2_test_tmpdir(void)
{
	if (!cur_tmp[0]) {
		const char *base = getenv("TMPDIR");
		snprintf(cur_tmp, sizeof cur_tmp, "%s/fa2-unit-XXXXXX", base && *base ? base : "/tmp");
		if (!mkdtemp(cur_tmp)) {
			fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
			abort();
		}
	}
	return cur_tmp;
}

static void rm_rf(const char *path)
{
	char cmd[1100];
	/* Test scratch directories only; the path comes from mkdtemp above. */
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "warning: could not remove %s\n", path);
}

unsigned long fa2_test_alloc_torture(void (*fn)(void *ctx), void *ctx)
{
	unsigned long runs = 0;
	long n;
	for (n = 0;; n++) {
		fa2_alloc_fail_after(n);
		fn(ctx);
		runs++;
		if (fa2_alloc_injected_failures() == 0 || cur_failed)
			break;
	}
	fa2_alloc_fail_reset();
	return runs;
}

static int selected(const char *name, int argc, char **argv)
{
	int i, any = 0;
	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		any = 1;
		if (strstr(name, argv[i]))
			return 1;
	}
	return !any;
}

int main(int argc, char **argv)
{
	unsigned i, passed = 0, failed = 0, skipped = 0;
	int list = 0, quiet = 0, a;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--list") == 0)
			list = 1;
		else if (strcmp(argv[a], "-q") == 0)
			quiet = 1;
	}
	fa2_json_init();
	fa2_log_set_level(FA2_LOG_ERROR);
	for (i = 0; i < fa2_unit_test_count; i++) {
		const struct fa2_unit_test *t = &fa2_unit_tests[i];
		if (!selected(t->name, argc, argv))
			continue;
		if (list) {
			printf("%s\n", t->name);
			continue;
		}
		cur_failed = 0;
		cur_skipped = 0;
		cur_tmp[0] = '\0';
		t->fn();
		fa2_alloc_fail_reset();
		fa2_time_set_fake_now_ms(0);
		if (cur_tmp[0])
			rm_rf(cur_tmp);
		if (cur_failed) {
			failed++;
			printf("FAIL %s\n", t->name);
		} else if (cur_skipped) {
			skipped++;
			printf("SKIP %s\n", t->name);
		} else {
			passed++;
			if (!quiet)
				printf("ok   %s\n", t->name);
		}
		fflush(stdout);
	}
	if (list)
		return 0;
	if (skipped)
		printf("%u passed, %u failed, %u skipped\n", passed, failed, skipped);
	else
		printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
