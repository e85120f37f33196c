/* Sessions and leases in DynamoDB (store/sessions.h), against moto_server: t_dynamodb.py
 * runs sessdb_live_moto with FA2_SESSDB_TABLE set (and reads the table back with boto3). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/session.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/time.h"
#include "store/sessions.h"
#include "test.h"

static unsigned g_calls;
static char g_taken[80];

static int listed(void *ctx, const fa2_sessdb_lease *l)
{
	fa2_sessdb_lease *out = ctx;
	if (strcmp(l->id, "s1") == 0)
		*out = *l;
	return 0;
}

static int took(void *ctx, const char *id)
{
	(void)ctx;
	g_calls++;
	snprintf(g_taken, sizeof g_taken, "%s", id);
	return 0;
}

FA2_TEST(sessdb_live_moto)
{
	const char *table = getenv("FA2_SESSDB_TABLE");
	fa2_aws_session sa, sb;
	fa2_sessdb *a = NULL, *b = NULL;
	fa2_buf journal, summary;
	fa2_sessdb_stats st;
	fa2_sessdb_lease ls;
	char msg[512], *big;
	const size_t big_len = 700u * 1024u;   /* three parts */
	const char *rec0 = "{\"type\":\"start\",\"seq\":0}\n", *sum = "{\"status\":\"running\"}";
	unsigned taken = 0, lost = 0;
	size_t i;
	if (!table || !*table) {
		fa2_test_skip("FA2_SESSDB_TABLE not set (t_dynamodb.py runs this against moto_server)");
		return;
	}
	big = fa2_malloc(big_len);
	CHECK(big != NULL);
	if (!big)
		return;
	for (i = 0; i < big_len; i++)
		big[i] = (char)('a' + i % 26);
	big[big_len - 1] = '\n';
	CHECK_OK(fa2_aws_session_open(&sa, NULL, "us-east-1", 20000, msg, sizeof msg));
	CHECK_OK(fa2_aws_session_open(&sb, NULL, "us-east-1", 20000, msg, sizeof msg));
	CHECK_INT_EQ(fa2_sessdb_open(&sa.client, table, 999, 0, &a), FA2_ERR_INVALID);
	CHECK_OK(fa2_sessdb_open(&sa.client, table, 3000, 10000, &a));
	CHECK_OK(fa2_sessdb_open(&sb.client, table, 3000, 10000, &b));
	CHECK(strcmp(fa2_sessdb_owner(a), fa2_sessdb_owner(b)) != 0);

	/* A starts session s1: the lease is A's, B cannot acquire it */
	CHECK_OK(fa2_sessdb_acquire(a, "s1"));
	CHECK(fa2_sessdb_holds(a, "s1"));
	CHECK_INT_EQ(fa2_sessdb_acquire(b, "s1"), FA2_ERR_EXISTS);
	CHECK(!fa2_sessdb_holds(b, "s1"));
	CHECK_OK(fa2_sessdb_put_journal(a, "s1", 0, rec0, strlen(rec0)));
	CHECK_OK(fa2_sessdb_put_journal(a, "s1", 1, big, big_len));
	CHECK_OK(fa2_sessdb_put_named(a, "s1", "summary.json", sum, strlen(sum)));
	CHECK_OK(fa2_sessdb_put_named(a, "s1", "report.md", "# r\n", 4));
	/* a record is written once: another writer of the same number is refused */
	CHECK_INT_EQ(fa2_sessdb_put_journal(b, "s1", 1, "x\n", 2), FA2_ERR_EXISTS);
	CHECK_INT_EQ(fa2_sessdb_put_journal(a, "bad#id", 0, "x\n", 2), FA2_ERR_INVALID);

	/* B reads it back: the records in order, the big one whole */
	fa2_buf_init(&journal, 4u << 20);
	fa2_buf_init(&summary, 1u << 20);
	CHECK_OK(fa2_sessdb_read(b, "s1", &journal, &summary));
	CHECK_INT_EQ(journal.len, strlen(rec0) + big_len);
	CHECK(journal.len == strlen(rec0) + big_len && memcmp(journal.data, rec0, strlen(rec0)) == 0 &&
	      memcmp(journal.data + strlen(rec0), big, big_len) == 0);
	CHECK(summary.len == strlen(sum) && memcmp(summary.data, sum, summary.len) == 0);
	fa2_buf_cleanup(&journal);
	fa2_buf_cleanup(&summary);
	fa2_buf_init(&journal, 1u << 20);
	fa2_buf_init(&summary, 1u << 20);
	CHECK_INT_EQ(fa2_sessdb_read(b, "nosuch", &journal, &summary), FA2_ERR_NOT_FOUND);
	CHECK_OK(fa2_sessdb_read_file(b, "s1", "report.md", &journal));
	CHECK(journal.len == 4 && memcmp(journal.data, "# r\n", 4) == 0);
	CHECK_INT_EQ(fa2_sessdb_read_file(b, "s1", "report.json", &summary), FA2_ERR_NOT_FOUND);
	fa2_buf_cleanup(&journal);
	fa2_buf_cleanup(&summary);

	/* renewed in time, the lease is not taken over */
	fa2_time_sleep_ms(1800);
	CHECK_OK(fa2_sessdb_renew_all(a, &lost));
	CHECK_INT_EQ(lost, 0);
	fa2_time_sleep_ms(1800);
	CHECK_OK(fa2_sessdb_take_expired(b, took, NULL, &taken));
	CHECK_INT_EQ(taken, 0);
	CHECK_INT_EQ(g_calls, 0);

	/* A stops renewing: once the lease ran out, B takes it over (once) */
	fa2_time_sleep_ms(3400);
	CHECK_OK(fa2_sessdb_take_expired(b, took, NULL, &taken));
	CHECK_INT_EQ(taken, 1);
	CHECK_INT_EQ(g_calls, 1);
	CHECK_STR_EQ(g_taken, "s1");
	CHECK(fa2_sessdb_holds(b, "s1"));
	CHECK_OK(fa2_sessdb_take_expired(b, took, NULL, &taken));
	CHECK_INT_EQ(taken, 0);
	/* A learns it lost the lease when it renews; it may not post */
	CHECK_OK(fa2_sessdb_renew_all(a, &lost));
	CHECK_INT_EQ(lost, 1);
	CHECK(!fa2_sessdb_holds(a, "s1"));
	CHECK_INT_EQ(fa2_sessdb_claim_post(a, "s1"), FA2_ERR_EXISTS);
	/* B posts once; a posted session is never taken over again */
	CHECK_OK(fa2_sessdb_claim_post(b, "s1"));
	CHECK(!fa2_sessdb_holds(b, "s1"));
	CHECK_INT_EQ(fa2_sessdb_claim_post(b, "s1"), FA2_ERR_EXISTS);
	fa2_time_sleep_ms(3200);
	CHECK_OK(fa2_sessdb_take_expired(a, took, NULL, &taken));
	CHECK_INT_EQ(taken, 0);
	CHECK_INT_EQ(g_calls, 1);
	/* a session whose lease was never acquired (the table was down at its first record)
	 * is posted by the first to claim it, once */
	CHECK_OK(fa2_sessdb_claim_post(a, "s2"));
	CHECK_INT_EQ(fa2_sessdb_claim_post(b, "s2"), FA2_ERR_EXISTS);
	memset(&ls, 0, sizeof ls);
	CHECK_OK(fa2_sessdb_list(a, listed, &ls));
	CHECK_STR_EQ(ls.id, "s1");
	CHECK_STR_EQ(ls.owner, fa2_sessdb_owner(b));
	CHECK(ls.posted && ls.takeovers == 1 && ls.until_ms > 1700000000000LL);
	fa2_sessdb_get_stats(b, &st);
	CHECK_INT_EQ(st.takeovers, 1);
	CHECK_INT_EQ(st.errors, 0);
	fa2_sessdb_close(a);
	fa2_sessdb_close(b);
	fa2_aws_session_close(&sa);
	fa2_aws_session_close(&sb);
	fa2_free(big);
}
