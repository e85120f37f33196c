/* src/store: the flat-file idempotency store (70,000 keys, restart, retries, eviction by
 * age, log compaction) and the interface's argument checks. The DynamoDB store runs
 * against moto_server in tests/integration/t_dynamodb.py (FA2_STORE_DDB_TABLE set). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/session.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/time.h"
#include "store/store.h"
#include "test.h"

static size_t log_lines(const char *path)
{
	fa2_buf b;
	size_t i, n = 0;
	fa2_buf_init(&b, 64u << 20);
	if (fa2_file_read_all(path, &b) == FA2_OK)
		for (i = 0; i < b.len; i++)
			n += b.data[i] == '\n';
	fa2_buf_cleanup(&b);
	return n;
}

static void key_of(char *k, size_t n, unsigned i)
{
	snprintf(k, n, "Ev%08uX", i);
}

FA2_TEST(store_flat_70000_keys_survive_restart)
{
	char path[1024], k[32];
	fa2_store *s = NULL;
	fa2_store_stats st;
	unsigned i, dup = 0;
	snprintf(path, sizeof path, "%s/seen70k.log", fa2_test_tmpdir());
	remove(path);
	CHECK_OK(fa2_store_open_flat(path, 262144, 3600, &s));
	for (i = 0; i < 70000; i++) {
		key_of(k, sizeof k, i);
		CHECK_OK(fa2_store_put(s, k, 0));
		if (i % 97 == 0)
			CHECK_OK(fa2_store_flush(s));
	}
	/* a retry in the same run */
	key_of(k, sizeof k, 5);
	CHECK_INT_EQ(fa2_store_put(s, k, 0), FA2_ERR_EXISTS);
	fa2_store_close(s);   /* flushes the rest */
	CHECK_INT_EQ(log_lines(path), 70000);

	/* restart: every key is still known, early and late */
	CHECK_OK(fa2_store_open_flat(path, 262144, 3600, &s));
	fa2_store_get_stats(s, &st);
	CHECK_INT_EQ(st.live, 70000);
	for (i = 0; i < 70000; i += 7) {
		key_of(k, sizeof k, i);
		dup += fa2_store_put(s, k, 0) == FA2_ERR_EXISTS;
	}
	key_of(k, sizeof k, 69999);
	dup += fa2_store_put(s, k, 0) == FA2_ERR_EXISTS;
	CHECK_INT_EQ(dup, 10000 + 1);
	CHECK_OK(fa2_store_put(s, "brand-new", 0));
	fa2_store_get_stats(s, &st);
	CHECK_INT_EQ(st.accepted, 1);
	CHECK_INT_EQ(st.evicted, 0);
	fa2_store_close(s);
	remove(path);
}

FA2_TEST(store_flat_evicts_oldest_not_all)
{
	char k[32];
	fa2_store *s = NULL;
	fa2_store_stats st;
	unsigned i;
	int64_t t0 = 1700000000000LL;
	fa2_time_set_fake_now_ms(t0);
	CHECK_OK(fa2_store_open_flat(NULL, 64, 1000, &s));
	for (i = 0; i < 64; i++) {
		fa2_time_set_fake_now_ms(t0 + (int64_t)i * 1000);  /* key i expires at t0+i+1000 s */
		key_of(k, sizeof k, i);
		CHECK_OK(fa2_store_put(s, k, 0));
	}
	key_of(k, sizeof k, 64);
	CHECK_OK(fa2_store_put(s, k, 0));  /* full: the oldest quarter goes, not the table */
	fa2_store_get_stats(s, &st);
	CHECK_INT_EQ(st.evicted, 64 - 48);
	CHECK_INT_EQ(st.live, 49);
	for (i = 16; i <= 64; i++) {
		key_of(k, sizeof k, i);
		CHECK_MSG(fa2_store_put(s, k, 0) == FA2_ERR_EXISTS, "key %u", i);
	}
	key_of(k, sizeof k, 0);            /* evicted before its TTL: accepted again (counted) */
	CHECK_OK(fa2_store_put(s, k, 0));
	/* after the TTL every key is new again */
	fa2_time_set_fake_now_ms(t0 + 5000LL * 1000);
	key_of(k, sizeof k, 40);
	CHECK_OK(fa2_store_put(s, k, 0));
	fa2_store_close(s);
	fa2_time_set_fake_now_ms(0);
}

FA2_TEST(store_flat_log_stays_bounded)
{
	char path[1024], k[32];
	fa2_store *s = NULL;
	fa2_store_stats st;
	unsigned i;
	size_t most = 0;
	int64_t t0 = 1700000000000LL;
	snprintf(path, sizeof path, "%s/seenbound.log", fa2_test_tmpdir());
	remove(path);
	CHECK_OK(fa2_store_open_flat(path, 1024, 60, &s));
	for (i = 0; i < 20000; i++) {
		fa2_time_set_fake_now_ms(t0 + (int64_t)i * 100);  /* 10 keys/s, TTL 60 s: ~600 live */
		key_of(k, sizeof k, i);
		CHECK_OK(fa2_store_put(s, k, 0));
		if (i % 10 == 9) {
			size_t n;
			CHECK_OK(fa2_store_flush(s));
			n = log_lines(path);
			if (n > most)
				most = n;
		}
	}
	fa2_store_get_stats(s, &st);
	CHECK_MSG(most <= 2 * 1024 + 10, "log grew to %zu lines", most);
	CHECK(st.compactions > 10);
	CHECK_INT_EQ(st.evicted, 0);   /* expiry kept the table below its cap */
	fa2_store_close(s);
	/* restart: the keys within their TTL are back, the expired ones are not */
	CHECK_OK(fa2_store_open_flat(path, 1024, 60, &s));
	key_of(k, sizeof k, 19999);
	CHECK_INT_EQ(fa2_store_put(s, k, 0), FA2_ERR_EXISTS);
	key_of(k, sizeof k, 19500);        /* 50 s old */
	CHECK_INT_EQ(fa2_store_put(s, k, 0), FA2_ERR_EXISTS);
	key_of(k, sizeof k, 1000);         /* long expired */
	CHECK_OK(fa2_store_put(s, k, 0));
	fa2_store_close(s);
	fa2_time_set_fake_now_ms(0);
	remove(path);
}

FA2_TEST(store_flat_reads_old_format_and_skips_garbage)
{
	char path[1024];
	static const char old[] = "00000000000000aa\nzzzz\n00000000000000bb 1\n\n";
	fa2_store *s = NULL;
	fa2_store_stats st;
	snprintf(path, sizeof path, "%s/seenold.log", fa2_test_tmpdir());
	CHECK_OK(fa2_file_write_atomic(path, old, sizeof old - 1, 0600));
	CHECK_OK(fa2_store_open_flat(path, 64, 60, &s));
	fa2_store_get_stats(s, &st);
	CHECK_INT_EQ(st.live, 1);   /* aa (old format: default TTL); bb expired in 1970 */
	CHECK_INT_EQ(fa2_store_put(s, "", 0), FA2_ERR_INVALID);
	CHECK_INT_EQ(fa2_store_put(s, "x", -1), FA2_ERR_INVALID);
	CHECK(strcmp(fa2_store_kind(s), "flat") == 0);
	fa2_store_close(s);
	remove(path);
	CHECK_INT_EQ(fa2_store_open_flat(NULL, 8, 60, &s), FA2_ERR_INVALID);
}

/* Run by tests/integration/t_dynamodb.py with FA2_STORE_DDB_TABLE (moto_server): two stores,
 * each with its own AWS session, on one table; every key is accepted exactly once. */
FA2_TEST(store_dynamodb_live_moto)
{
	const char *table = getenv("FA2_STORE_DDB_TABLE");
	fa2_aws_session a, b;
	fa2_store *sa = NULL, *sb = NULL;
	fa2_store_stats st;
	char msg[512], k[32];
	unsigned i, accepted = 0, dup = 0;
	if (!table || !*table) {
		fa2_test_skip("FA2_STORE_DDB_TABLE not set (t_dynamodb.py runs this against moto_server)");
		return;
	}
	CHECK_OK(fa2_aws_session_open(&a, NULL, "us-east-1", 20000, msg, sizeof msg));
	CHECK_OK(fa2_aws_session_open(&b, NULL, "us-east-1", 20000, msg, sizeof msg));
	CHECK_OK(fa2_store_open_dynamodb(&a.client, table, 10000, &sa));
	CHECK_OK(fa2_store_open_dynamodb(&b.client, table, 10000, &sb));
	CHECK(strcmp(fa2_store_kind(sa), "dynamodb") == 0);
	for (i = 0; i < 40; i++) {
		fa2_err ea, eb;
		key_of(k, sizeof k, i);
		if (i % 2) {   /* either instance may see an event first */
			ea = fa2_store_put(sa, k, 0);
			eb = fa2_store_put(sb, k, 0);
		} else {
			eb = fa2_store_put(sb, k, 0);
			ea = fa2_store_put(sa, k, 0);
		}
		accepted += (ea == FA2_OK) + (eb == FA2_OK);
		dup += (ea == FA2_ERR_EXISTS) + (eb == FA2_ERR_EXISTS);
		CHECK_OK(fa2_store_flush(sa));
	}
	CHECK_INT_EQ(accepted, 40);
	CHECK_INT_EQ(dup, 40);
	/* an item whose TTL has passed (DynamoDB deletes late) does not block the key */
	CHECK_OK(fa2_store_put(sa, "short-lived", 1));
	CHECK_INT_EQ(fa2_store_put(sb, "short-lived", 1), FA2_ERR_EXISTS);
	fa2_time_sleep_ms(2100);
	CHECK_OK(fa2_store_put(sb, "short-lived", 1));
	fa2_store_get_stats(sa, &st);
	CHECK_INT_EQ(st.errors, 0);
	fa2_store_close(sa);
	fa2_store_close(sb);
	fa2_aws_session_close(&a);
	fa2_aws_session_close(&b);
}

/* bench/store.sh runs this with FA2_STORE_BENCH=N (and FA2_STORE_DDB_TABLE for the
 * DynamoDB store): N puts of new keys per store, printed as puts per second and the mean
 * latency per put (flat: memory only, and with one fsync'd flush per put). */
static void bench_one(const char *name, fa2_store *s, unsigned n, int flush_each)
{
	char k[48];
	unsigned i;
	int64_t t0 = fa2_time_mono_ms(), dt;
	for (i = 0; i < n; i++) {
		snprintf(k, sizeof k, "bench-%s-%lld-%u", name, (long long)t0, i);
		CHECK_OK(fa2_store_put(s, k, 0));
		if (flush_each)
			CHECK_OK(fa2_store_flush(s));
	}
	dt = fa2_time_mono_ms() - t0;
	printf("store bench: %-22s %7u puts in %6lld ms: %9.0f puts/s, %8.3f ms per put\n", name, n,
	       (long long)dt, dt > 0 ? n * 1000.0 / (double)dt : 0.0, (double)dt / n);
}

FA2_TEST(store_bench)
{
	const char *nv = getenv("FA2_STORE_BENCH"), *table = getenv("FA2_STORE_DDB_TABLE");
	char path[1024], msg[512];
	fa2_store *s = NULL;
	unsigned n = nv ? (unsigned)atoi(nv) : 0;
	if (!n) {
		fa2_test_skip("FA2_STORE_BENCH not set (bench/store.sh runs this)");
		return;
	}
	snprintf(path, sizeof path, "%s/bench.log", fa2_test_tmpdir());
	CHECK_OK(fa2_store_open_flat(NULL, 262144, 0, &s));
	bench_one("flat-memory", s, n * 100, 0);
	fa2_store_close(s);
	CHECK_OK(fa2_store_open_flat(path, 262144, 0, &s));
	bench_one("flat-fsync-each", s, n, 1);
	fa2_store_close(s);
	if (table && *table) {
		fa2_aws_session a;
		CHECK_OK(fa2_aws_session_open(&a, NULL, "us-east-1", 20000, msg, sizeof msg));
		CHECK_OK(fa2_store_open_dynamodb(&a.client, table, 10000, &s));
		bench_one("dynamodb", s, n, 0);
		fa2_store_close(s);
		fa2_aws_session_close(&a);
	}
}
