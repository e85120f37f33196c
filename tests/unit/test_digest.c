/* The agent's first observation: the triage digest over a snapshot (run from the
 * repository root, as make check does), its header in both languages, its budget, and a
 * failure that leaves nothing half-written; the manifest's alarm for --alarm with
 * --source. The agent-level checks (first message, journal, resume) are in
 * tests/integration/t_agent_e2e.py, t_agent_alarm.py and t_snap_source.py. */
#include <string.h>

#include "test.h"

#include "agent/digest.h"
#include "agent/tools/snap.h"
#include "base/buf.h"

#define EXAMPLE "examples/ecs-dynamodb-sg"
/* Inside the example's window (2025-11-20T02:00Z .. 08:30Z). */
#define FROM_MS 1763604000000LL
#define TO_MS   1763627400000LL

static fa2_err build(const char *dir, fa2_lang lang, size_t budget, fa2_buf *out, char *why, size_t cap)
{
	fa2_digest_source src;
	memset(&src, 0, sizeof src);
	src.snapshot_dir = dir;
	return fa2_digest_build(&src, FROM_MS, TO_MS, lang, budget, out, why, cap);
}

FA2_TEST(digest_snapshot)
{
	fa2_buf out, ja;
	char why[256];
	fa2_buf_init(&out, 1u << 20);
	fa2_buf_init(&ja, 1u << 20);
	CHECK(build(EXAMPLE, FA2_LANG_EN, 24576, &out, why, sizeof why) == FA2_OK);
	CHECK(out.len > 0 && out.len <= 24576);
	CHECK(out.data && strncmp(out.data, "## Triage digest", 16) == 0);
	/* The example's cause: the security group's egress rule change, among the suspects. */
	CHECK(out.data && strstr(out.data, "SecurityGroupEgress") != NULL);
	CHECK(build(EXAMPLE, FA2_LANG_JA, 24576, &ja, why, sizeof why) == FA2_OK);
	CHECK(ja.data && strncmp(ja.data, "## トリアージ要約", strlen("## トリアージ要約")) == 0);
	CHECK(ja.data && strstr(ja.data, "SecurityGroupEgress") != NULL);
	fa2_buf_cleanup(&out);
	fa2_buf_cleanup(&ja);
}

FA2_TEST(digest_budget)
{
	static const size_t budgets[] = { 1024, 2048, 4096, 9000 };
	size_t i, prev = 0;
	char why[256];
	for (i = 0; i < sizeof budgets / sizeof budgets[0]; i++) {
		fa2_buf out;
		fa2_buf_init(&out, 1u << 20);
		CHECK(fa2_buf_append_cstr(&out, "before\n") == FA2_OK);
		CHECK_MSG(build(EXAMPLE, FA2_LANG_EN, budgets[i], &out, why, sizeof why) == FA2_OK, "%s", why);
		/* Appended within the budget, ending at a whole line, growing with it. */
		CHECK_MSG(out.len - 7 <= budgets[i], "%zu > %zu", out.len - 7, budgets[i]);
		CHECK(out.len > 7 && out.data[out.len - 1] == '\n');
		CHECK(out.len - 7 >= prev);
		CHECK(strncmp(out.data, "before\n## Triage digest", 23) == 0);
		prev = out.len - 7;
		fa2_buf_cleanup(&out);
	}
}

FA2_TEST(digest_failure)
{
	fa2_buf out;
	char why[256];
	fa2_buf_init(&out, 1u << 20);
	CHECK(fa2_buf_append_cstr(&out, "kept") == FA2_OK);
	CHECK(build("tests/no-such-snapshot", FA2_LANG_EN, 24576, &out, why, sizeof why) != FA2_OK);
	CHECK(out.len == 4 && why[0] != '\0');
	CHECK(build(EXAMPLE, FA2_LANG_EN, 100, &out, why, sizeof why) == FA2_ERR_INVALID); /* below the minimum */
	CHECK(out.len == 4);
	fa2_buf_cleanup(&out);
}

FA2_TEST(digest_manifest_alarm)
{
	fa2_alarm al;
	char msg[512];
	CHECK(fa2_snap_manifest_alarm(EXAMPLE, "orders-api-target-5xx-high", &al, msg, sizeof msg) == FA2_OK);
	CHECK(al.name && strcmp(al.name, "orders-api-target-5xx-high") == 0);
	CHECK(al.metric.name && strcmp(al.metric.name, "HTTPCode_Target_5XX_Count") == 0);
	CHECK(al.metric.ns && strcmp(al.metric.ns, "AWS/ApplicationELB") == 0);
	CHECK(al.changed_ms > FROM_MS && al.changed_ms < TO_MS);
	fa2_alarm_cleanup(&al);
	CHECK(fa2_snap_manifest_alarm(EXAMPLE, NULL, &al, msg, sizeof msg) == FA2_OK);
	fa2_alarm_cleanup(&al);
	CHECK(fa2_snap_manifest_alarm(EXAMPLE, "other", &al, msg, sizeof msg) == FA2_ERR_NOT_FOUND);
	CHECK(strstr(msg, "orders-api-target-5xx-high") != NULL && al.doc == NULL);
}
