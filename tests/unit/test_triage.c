/* Unit tests for the triage engine: change points and spikes on synthetic series with
 * known answers, noise that must stay quiet, response decoding, change ranking, and the
 * digest's token budget. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/json.h"
#include "triage/data.h"
#include "triage/metric.h"
#include "triage/triage.h"
#include "test.h"

/* xorshift64* and Box-Muller: deterministic noise. */
static uint64_t rng_state;
static double urand(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (double)((rng_state * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}
static double grand(void)
{
	double u = urand(), v = urand();
	if (u < 1e-12)
		u = 1e-12;
	return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}
static double prand(double lam)
{
	double l = exp(-lam), p = 1.0;
	int k = 0;
	do {
		p *= urand();
		k++;
	} while (p > l);
	return k - 1;
}

#define N 180
static int64_t T[N];
static double V[N];

static void times(void)
{
	int i;
	for (i = 0; i < N; i++)
		T[i] = 1763604000000LL + (int64_t)i * 60000;
}

FA2_TEST(tr_metric_step_up_and_down)
{
	fa2_tr_metric_result r;
	int i, dir;
	times();
	for (dir = -1; dir <= 1; dir += 2) {
		rng_state = 42 + (uint64_t)dir;
		for (i = 0; i < N; i++)
			V[i] = 100 + 3 * grand() + (i >= 120 ? dir * 30.0 : 0);
		CHECK_OK(fa2_tr_metric_analyze(T, V, N, 0, &r));
		CHECK_INT_EQ(r.n_shifts, 1);
		CHECK_MSG(r.shifts[0].index >= 118 && r.shifts[0].index <= 122, "index %zu", r.shifts[0].index);
		CHECK_INT_EQ(r.direction, dir);
		CHECK(r.onset_ms == T[r.shifts[0].index]);
		CHECK(fabs(r.base_median - 100) < 2);
		CHECK(r.shifts[0].z > 4);
		CHECK(r.min < r.max && r.last == V[N - 1]);
	}
}

FA2_TEST(tr_metric_zero_baseline_counts)
{
	/* An error count: zeros with rare ones, then hundreds per minute. */
	fa2_tr_metric_result r;
	int i;
	times();
	rng_state = 7;
	for (i = 0; i < N; i++)
		V[i] = i >= 150 ? 200 + prand(20) : (urand() < 0.03 ? 1 : 0);
	CHECK_OK(fa2_tr_metric_analyze(T, V, N, 0, &r));
	CHECK(r.n_shifts >= 1);
	CHECK_INT_EQ(r.shifts[0].index, 150);
	CHECK_INT_EQ(r.direction, 1);
	CHECK_INT_EQ(r.n_spikes, 0);  /* the stray ones are not spikes */
}

FA2_TEST(tr_metric_noise_has_no_shift)
{
	fa2_tr_metric_result r;
	int s, i, shifts = 0, spikes = 0;
	times();
	for (s = 0; s < 300; s++) {
		rng_state = 1000 + (uint64_t)s;
		for (i = 0; i < N; i++) {
			switch (s % 4) {
			case 0: V[i] = 50 + 5 * grand(); break;          /* Gaussian */
			case 1: V[i] = prand(0.7); break;                  /* sparse counts */
			case 2: V[i] = prand(300); break;                  /* busy counts */
			default: V[i] = 0.05 * exp(0.3 * grand()); break;  /* skewed latency */
			}
		}
		CHECK_OK(fa2_tr_metric_analyze(T, V, N, T[140], &r));
		shifts += r.n_shifts != 0;
		spikes += r.n_spikes != 0;
	}
	CHECK_MSG(shifts == 0, "%d of 300 noise-only series got a level shift", shifts);
	CHECK_MSG(spikes <= 3, "%d of 300 noise-only series got spikes", spikes);
}

FA2_TEST(tr_metric_slow_trend_is_not_a_step)
{
	fa2_tr_metric_result r;
	int i;
	times();
	rng_state = 99;
	for (i = 0; i < N; i++)
		V[i] = 300 + 1.0 * i + 8 * grand();
	CHECK_OK(fa2_tr_metric_analyze(T, V, N, 0, &r));
	CHECK_INT_EQ(r.n_shifts, 0);
}

FA2_TEST(tr_metric_spike_and_bump)
{
	fa2_tr_metric_result r;
	int i;
	times();
	rng_state = 5;
	for (i = 0; i < N; i++)
		V[i] = 20 + grand();
	V[70] = 60;
	CHECK_OK(fa2_tr_metric_analyze(T, V, N, 0, &r));
	CHECK_INT_EQ(r.n_shifts, 0);
	CHECK_INT_EQ(r.n_spikes, 1);
	CHECK(r.first_spike_ms == T[70] && r.onset_ms == T[70] && r.direction == 1);
	/* A bump: up at 60, back down at 100. */
	for (i = 0; i < N; i++)
		V[i] = 20 + grand() + (i >= 60 && i < 100 ? 15 : 0);
	CHECK_OK(fa2_tr_metric_analyze(T, V, N, 0, &r));
	CHECK_INT_EQ(r.n_shifts, 2);
	CHECK(r.shifts[0].index >= 59 && r.shifts[0].index <= 61);
	CHECK(r.shifts[1].index >= 99 && r.shifts[1].index <= 101);
	CHECK(r.shifts[1].after < r.shifts[1].before);
	CHECK(r.onset_ms == r.shifts[0].t_ms);
}

FA2_TEST(tr_metric_short_series)
{
	fa2_tr_metric_result r;
	double v[3] = { 1, 2, 30 };
	int64_t t[3] = { 1, 2, 3 };
	CHECK_OK(fa2_tr_metric_analyze(t, v, 3, 0, &r));
	CHECK_INT_EQ(r.n_shifts, 0);
	CHECK(r.max == 30 && r.min == 1 && r.last == 30);
	CHECK_OK(fa2_tr_metric_analyze(t, v, 0, 0, &r));
	CHECK_INT_EQ(r.n, 0);
}

FA2_TEST(tr_parse_logs_both_timestamp_forms)
{
	fa2_tr_data d;
	const char *j = "{\"results\":[[{\"field\":\"@timestamp\",\"value\":\"2025-11-20 08:02:40.123\"},"
		"{\"field\":\"@message\",\"value\":\"ERROR boom\"},{\"field\":\"@log\",\"value\":\"123456789012:/ecs/a\"}],"
		"[{\"field\":\"@timestamp\",\"value\":\"1763625760123\"},{\"field\":\"@message\",\"value\":\"x\"}],"
		"[{\"field\":\"@timestamp\",\"value\":1763625760123},{\"field\":\"@message\",\"value\":\"y\"}],"
		"[{\"field\":\"@message\"}], 5, [{\"field\":\"@timestamp\",\"value\":\"junk\"},{\"field\":\"@message\",\"value\":\"z\"}]],"
		"\"status\":\"Complete\"}";
	fa2_tr_data_init(&d);
	CHECK_OK(fa2_tr_parse_logs(&d, fa2_slice_cstr(j), "/default"));
	CHECK_INT_EQ(d.n_lines, 4);
	CHECK(d.lines[0].t_ms == 1763625760123LL);
	CHECK(d.lines[1].t_ms == 1763625760123LL);
	CHECK(d.lines[2].t_ms == 1763625760123LL);
	CHECK(d.lines[3].t_ms == 0);
	CHECK_STR_EQ(d.lines[0].group, "/ecs/a");
	CHECK_STR_EQ(d.lines[1].group, "/default");
	CHECK_INT_EQ(fa2_tr_parse_logs(&d, fa2_slice_cstr("[1,2]"), NULL), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_tr_parse_logs(&d, fa2_slice_cstr("{\"results\":"), NULL), FA2_ERR_PARSE);
	fa2_tr_data_cleanup(&d);
}

FA2_TEST(tr_parse_metrics_with_queries)
{
	fa2_tr_data d;
	const char *j = "{\"MetricDataResults\":[{\"Id\":\"m1\",\"Label\":\"5xx\",\"Timestamps\":[1763604120,1763604060,\"2025-11-20T02:00:00Z\"],"
		"\"Values\":[3,2,1],\"StatusCode\":\"Complete\"},{\"Id\":\"m2\",\"Timestamps\":[1],\"Values\":[\"x\"]}],\"Messages\":[]}";
	const char *q = "[{\"Id\":\"m1\",\"MetricStat\":{\"Metric\":{\"Namespace\":\"AWS/ApplicationELB\",\"MetricName\":"
		"\"HTTPCode_Target_5XX_Count\",\"Dimensions\":[{\"Name\":\"LoadBalancer\",\"Value\":\"app/x/1\"}]},\"Period\":60,\"Stat\":\"Sum\"}}]";
	fa2_tr_data_init(&d);
	CHECK_OK(fa2_tr_parse_metrics(&d, fa2_slice_cstr(j), fa2_slice_cstr(q)));
	CHECK_INT_EQ(d.n_series, 2);
	CHECK_STR_EQ(d.series[0].metric, "HTTPCode_Target_5XX_Count");
	CHECK_STR_EQ(d.series[0].namespace_, "AWS/ApplicationELB");
	CHECK_INT_EQ(d.series[0].period_s, 60);
	CHECK_INT_EQ(d.series[0].n_dims, 1);
	CHECK_STR_EQ(d.series[0].dims[0].value, "app/x/1");
	CHECK_INT_EQ(d.series[0].n, 3);
	CHECK(d.series[0].t_ms[0] == 1763604000000LL && d.series[0].v[0] == 1);  /* sorted ascending */
	CHECK(d.series[0].v[2] == 3);
	CHECK_INT_EQ(d.series[1].n, 0);
	CHECK_STR_EQ(d.series[1].metric, "m2");
	fa2_tr_data_cleanup(&d);
}

/* One LookupEvents entry as AWS returns it (CloudTrailEvent is a JSON string). */
static void add_event(fa2_buf *b, const char *name, const char *src, int64_t t_s, int ro,
		      const char *params_json)
{
	fa2_buf ct;
	fa2_buf_init(&ct, 1 << 16);
	(void)fa2_buf_appendf(&ct, "{\"eventName\":\"%s\",\"eventSource\":\"%s\",\"readOnly\":%s,"
			      "\"userIdentity\":{\"arn\":\"arn:aws:sts::1:assumed-role/Admin/bob\"},"
			      "\"requestParameters\":%s}", name, src, ro ? "true" : "false", params_json);
	(void)fa2_buf_appendf(b, "%s{\"EventId\":\"id-%s-%lld\",\"EventName\":\"%s\",\"ReadOnly\":\"%s\","
			      "\"EventTime\":%lld,\"EventSource\":\"%s\",\"Username\":\"bob\",\"CloudTrailEvent\":",
			      b->len > 11 ? "," : "", name, (long long)t_s, name, ro ? "true" : "false",
			      (long long)t_s, src);
	(void)fa2_json_append_string(b, fa2_buf_slice(&ct));
	(void)fa2_buf_append_byte(b, '}');
	fa2_buf_cleanup(&ct);
}

/* Data for a small incident: a latency/error step at minute 120, X-Ray faults with a
 * connection timeout, and changes around it. */
static int build_incident(fa2_tr_data *d)
{
	fa2_buf b;
	int i, rc = 1;
	const int64_t t0 = 1763604000;
	fa2_buf_init(&b, 1 << 20);
	/* Metrics. */
	(void)fa2_buf_append_cstr(&b, "{\"MetricDataResults\":[{\"Id\":\"m1\",\"Label\":\"5xx\",\"Timestamps\":[");
	for (i = 0; i < 180; i++)
		(void)fa2_buf_appendf(&b, "%s%lld", i ? "," : "", (long long)(t0 + i * 60));
	(void)fa2_buf_append_cstr(&b, "],\"Values\":[");
	rng_state = 3;
	for (i = 0; i < 180; i++)
		(void)fa2_buf_appendf(&b, "%s%g", i ? "," : "", i >= 120 ? 50 + prand(10) : (urand() < 0.05 ? 1.0 : 0.0));
	(void)fa2_buf_append_cstr(&b, "]}]}");
	if (fa2_tr_parse_metrics(d, fa2_buf_slice(&b), fa2_slice_cstr(
		"[{\"Id\":\"m1\",\"MetricStat\":{\"Metric\":{\"Namespace\":\"AWS/ApplicationELB\",\"MetricName\":\"HTTPCode_Target_5XX_Count\","
		"\"Dimensions\":[{\"Name\":\"TargetGroup\",\"Value\":\"targetgroup/shop-api-tg/1\"}]},\"Period\":60,\"Stat\":\"Sum\"}}]")))
		goto cleanup;
	/* Traces: faults from minute 120, root cause a connect timeout to a datastore. */
	fa2_buf_reset(&b);
	(void)fa2_buf_append_cstr(&b, "{\"TraceSummaries\":[");
	for (i = 0; i < 180; i++) {
		int f = i >= 120;
		(void)fa2_buf_appendf(&b, "%s{\"Id\":\"1-%08llx-000000000000000000000001\",\"HasFault\":%s,"
				      "\"ServiceIds\":[{\"Name\":\"shop-api\"}]", i ? "," : "",
				      (unsigned long long)(t0 + i * 60 + 30), f ? "true" : "false");
		if (f)
			(void)fa2_buf_append_cstr(&b, ",\"FaultRootCauses\":[{\"Services\":[{\"Name\":\"shop-api\",\"EntityPath\":"
				"[{\"Name\":\"shop-api\"},{\"Name\":\"RDS\",\"Exceptions\":[{\"Name\":\"ConnectTimeout\","
				"\"Message\":\"connect timed out to db-1\"}],\"Remote\":true}]}]}]");
		(void)fa2_buf_append_byte(&b, '}');
	}
	(void)fa2_buf_append_cstr(&b, "]}");
	if (fa2_tr_parse_traces(d, fa2_buf_slice(&b)))
		goto cleanup;
	/* Changes. */
	fa2_buf_reset(&b);
	(void)fa2_buf_append_cstr(&b, "{\"Events\":[");
	add_event(&b, "DescribeSecurityGroups", "ec2.amazonaws.com", t0 + 119 * 60, 1, "{\"groupId\":\"sg-0abc123456\"}");
	add_event(&b, "RevokeSecurityGroupEgress", "ec2.amazonaws.com", t0 + 119 * 60 + 20, 0, "{\"groupId\":\"sg-0abc123456\"}");
	add_event(&b, "PutRolePolicy", "iam.amazonaws.com", t0 + 10 * 60, 0, "{\"roleName\":\"batch\"}");
	add_event(&b, "UpdateService", "ecs.amazonaws.com", t0 + 90 * 60, 0, "{\"cluster\":\"prod\",\"service\":\"billing\"}");
	/* The failing service's own deployment (after the onset) names the group the
	 * revoke changes: that associates the revoke with the incident. */
	add_event(&b, "UpdateService", "ecs.amazonaws.com", t0 + 140 * 60, 0, "{\"cluster\":\"prod\",\"service\":\"shop-api\","
		  "\"networkConfiguration\":{\"awsvpcConfiguration\":{\"securityGroups\":[\"sg-0abc123456\"]}}}");
	add_event(&b, "CreateTags", "ec2.amazonaws.com", t0 + 118 * 60, 0, "{\"resourcesSet\":{}}");
	(void)fa2_buf_append_cstr(&b, "]}");
	if (fa2_tr_parse_events(d, fa2_buf_slice(&b)))
		goto cleanup;
	d->from_ms = t0 * 1000;
	d->to_ms = (t0 + 180 * 60) * 1000;
	rc = 0;
cleanup:
	fa2_buf_cleanup(&b);
	return rc;
}

FA2_TEST(tr_change_ranking)
{
	fa2_tr_data d;
	fa2_tr_analysis a;
	size_t i;
	fa2_tr_data_init(&d);
	CHECK(build_incident(&d) == 0);
	CHECK_INT_EQ(d.n_events, 6);
	CHECK_OK(fa2_tr_analyze(&d, NULL, &a));
	CHECK_INT_EQ(a.n_changes, 5);  /* the Describe call is read-only */
	for (i = 0; i < a.n_changes; i++)
		CHECK(strcmp(a.changes[i].ev->name, "DescribeSecurityGroups") != 0);
	CHECK(a.onset_ms >= d.from_ms + 119 * 60000LL && a.onset_ms <= d.from_ms + 121 * 60000LL);
	CHECK_STR_EQ(a.changes[0].ev->name, "RevokeSecurityGroupEgress");
	CHECK(a.changes[0].cats & FA2_TR_CAT_NETWORK);
	CHECK(a.changes[0].explained & FA2_TR_SYM_CONNECT);
	/* The CreateTags call is close in time, but explains nothing: below the revoke. */
	for (i = 1; i < a.n_changes; i++)
		CHECK(a.changes[i].score < a.changes[0].score);
	/* Neither deployment is a suspect: the one before the onset shares no name with the
	 * incident (timing alone), the one after it is linked but a reaction. */
	{
		double before = -1, after = -1;
		for (i = 0; i < a.n_changes; i++) {
			if (!strcmp(a.changes[i].ev->name, "UpdateService"))
				*(a.changes[i].delta_ms > 0 ? &before : &after) = a.changes[i].score;
		}
		CHECK(before >= 0 && before < 0.12);
		CHECK(after >= 0 && after < 0.12);
		CHECK(a.changes[0].overlap_score > 0);
	}
	CHECK(!a.no_change);
	CHECK(a.n_suspects >= 1);
	CHECK_INT_EQ(a.suspects[0].what.kind, FA2_TR_EV_CHANGE);
	CHECK(a.changes[a.suspects[0].what.idx].ev == a.changes[0].ev);
	/* Its evidence: the 5xx shift and the fault cause. */
	{
		int metric = 0, cause = 0;
		for (i = 0; i < a.suspects[0].n_evidence; i++) {
			metric |= a.suspects[0].evidence[i].kind == FA2_TR_EV_METRIC;
			cause |= a.suspects[0].evidence[i].kind == FA2_TR_EV_CAUSE;
		}
		CHECK(metric && cause);
	}
	fa2_tr_analysis_cleanup(&a);
	fa2_tr_data_cleanup(&d);
}

FA2_TEST(tr_categories_and_writes)
{
	fa2_tr_event ev;
	memset(&ev, 0, sizeof ev);
	CHECK(fa2_tr_change_categories("RevokeSecurityGroupEgress", "ec2.amazonaws.com") == FA2_TR_CAT_NETWORK);
	CHECK(fa2_tr_change_categories("UpdateFunctionCode20150331v2", "lambda.amazonaws.com") & FA2_TR_CAT_DEPLOY);
	CHECK(fa2_tr_change_categories("PutRolePolicy", "iam.amazonaws.com") == FA2_TR_CAT_IAM);
	CHECK(fa2_tr_change_categories("TagRole", "iam.amazonaws.com") == FA2_TR_CAT_IAM);
	CHECK(fa2_tr_change_categories("ModifyDBParameterGroup", "rds.amazonaws.com") == FA2_TR_CAT_CONFIG);
	CHECK(fa2_tr_change_categories("DescribeInstances", "ec2.amazonaws.com") == 0);
	CHECK(fa2_tr_change_categories("CreateTags", "ec2.amazonaws.com") == FA2_TR_CAT_OTHER);
	ev.name = "ListBuckets";
	ev.read_only = -1;
	CHECK(!fa2_tr_event_is_write(&ev));
	ev.name = "DeleteBucket";
	CHECK(fa2_tr_event_is_write(&ev));
	ev.read_only = 1;
	CHECK(!fa2_tr_event_is_write(&ev));
	CHECK(fa2_tr_symptoms("Connect to x:443 failed: connect timed out", 42) & FA2_TR_SYM_CONNECT);
	CHECK(fa2_tr_symptoms("AccessDeniedException: not authorized", 38) & FA2_TR_SYM_PERMISSION);
	CHECK(fa2_tr_symptoms("all good", 8) == 0);
}

FA2_TEST(tr_digest_budget)
{
	fa2_tr_data d;
	fa2_tr_analysis a;
	fa2_buf out;
	size_t budgets[] = { 200, 500, 1000, 6000 }, i;
	size_t prev_len = 0;
	fa2_tr_data_init(&d);
	CHECK(build_incident(&d) == 0);
	CHECK_OK(fa2_tr_analyze(&d, NULL, &a));
	fa2_buf_init(&out, 1 << 24);
	for (i = 0; i < sizeof budgets / sizeof budgets[0]; i++) {
		cJSON *j;
		fa2_buf_reset(&out);
		CHECK_OK(fa2_tr_render(&a, FA2_TR_FMT_MD, budgets[i], &out));
		CHECK_MSG(out.len <= budgets[i] * 4, "md %zu bytes for %zu tokens", out.len, budgets[i]);
		CHECK(strstr(out.data, "RevokeSecurityGroupEgress") != NULL);
		CHECK(out.len >= prev_len);
		prev_len = out.len;
		fa2_buf_reset(&out);
		CHECK_OK(fa2_tr_render(&a, FA2_TR_FMT_JSON, budgets[i], &out));
		j = fa2_json_parse(fa2_buf_slice(&out), NULL);
		CHECK_MSG(j != NULL, "JSON at budget %zu does not parse", budgets[i]);
		CHECK_STR_EQ(fa2_json_str(j, "schema"), "fa2.triage/1");
		CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(j, "suspects")) >= 1);
		if (budgets[i] >= 1000)
			CHECK_MSG(out.len <= budgets[i] * 4, "json %zu bytes for %zu tokens", out.len, budgets[i]);
		if (budgets[i] == 500)
			CHECK(cJSON_IsTrue(cJSON_GetObjectItem(j, "truncated")));
		cJSON_Delete(j);
	}
	fa2_buf_cleanup(&out);
	fa2_tr_analysis_cleanup(&a);
	fa2_tr_data_cleanup(&d);
}

static void torture_parse(void *ctx)
{
	fa2_tr_data d;
	fa2_tr_analysis a;
	fa2_buf out;
	(void)ctx;
	memset(&a, 0, sizeof a);
	fa2_tr_data_init(&d);
	fa2_buf_init(&out, 1 << 20);
	if (build_incident(&d) == 0 && fa2_tr_analyze(&d, NULL, &a) == FA2_OK)
		(void)fa2_tr_render(&a, FA2_TR_FMT_JSON, 2000, &out);
	fa2_tr_analysis_cleanup(&a);
	fa2_buf_cleanup(&out);
	fa2_tr_data_cleanup(&d);
}

FA2_TEST(tr_alloc_torture)
{
	CHECK(fa2_test_alloc_torture(torture_parse, NULL) > 10);
}

FA2_TEST(tr_snapshot_rejects_unsafe_paths)
{
	char path[512];
	FILE *f;
	fa2_tr_data d;
	const char *why = NULL;
	snprintf(path, sizeof path, "%s/manifest.json", fa2_test_tmpdir());
	f = fopen(path, "w");
	CHECK(f != NULL);
	fputs("{\"format\":\"fa2-snapshot\",\"window\":{\"from\":\"2025-11-20T00:00:00Z\",\"to\":\"2025-11-20T01:00:00Z\"},"
	      "\"files\":[{\"path\":\"../../etc/passwd\",\"kind\":\"logs\"}]}", f);
	fclose(f);
	fa2_tr_data_init(&d);
	CHECK_INT_EQ(fa2_tr_snapshot_read(&d, fa2_test_tmpdir(), &why), FA2_ERR_PARSE);
	CHECK(why && strstr(why, "safe relative path"));
	CHECK(d.from_ms == 1763596800000LL);
	fa2_tr_data_cleanup(&d);
	fa2_tr_data_init(&d);
	CHECK_INT_EQ(fa2_tr_snapshot_read(&d, "/nonexistent-fa2-dir", &why), FA2_ERR_NOT_FOUND);
	fa2_tr_data_cleanup(&d);
}

/* One severity classifier, whole words: a level inside another word is no level. */
FA2_TEST(tr_severity_whole_words)
{
	CHECK_INT_EQ(fa2_tr_severity_guess("\"rcode\": \"NOERROR\"", 19), FA2_TR_SEV_UNKNOWN);
	CHECK_INT_EQ(fa2_tr_severity_guess("errorCount=0 terror", 19), FA2_TR_SEV_UNKNOWN);
	CHECK_INT_EQ(fa2_tr_severity_guess("ERROR could not write", 21), FA2_TR_SEV_ERROR);
	CHECK_INT_EQ(fa2_tr_severity_guess("OSError: [Errno 28]", 19), FA2_TR_SEV_ERROR);
	CHECK_INT_EQ(fa2_tr_severity_guess("Traceback (most recent call last):", 34), FA2_TR_SEV_ERROR);
	CHECK_INT_EQ(fa2_tr_severity_guess("connect failed, retrying", 24), FA2_TR_SEV_ERROR);
	CHECK_INT_EQ(fa2_tr_severity_guess("retrying in 5s", 14), FA2_TR_SEV_WARN);
	CHECK_INT_EQ(fa2_tr_severity_guess("[crit] pwrite() failed", 22), FA2_TR_SEV_FATAL);
}

/* The symptom vocabulary: resources that run out or expire, each its own class, matched
 * at word starts only. */
FA2_TEST(tr_symptom_vocabulary)
{
	static const struct { const char *text; unsigned want; } cases[] = {
		{ "OSError: [Errno 28] No space left on device: '/var/spool/x'", FA2_TR_SYM_STORAGE },
		{ "write /data/wal: ENOSPC", FA2_TR_SYM_STORAGE },
		{ "java.lang.OutOfMemoryError: Java heap space", FA2_TR_SYM_MEMORY },
		{ "Out of memory: Killed process 4242 (java)", FA2_TR_SYM_MEMORY },
		{ "Essential container in task exited, exit code 137", FA2_TR_SYM_MEMORY },
		{ "PKIX path validation failed: certificate expired", FA2_TR_SYM_TLS },
		{ "x509: certificate has expired or is not yet valid", FA2_TR_SYM_TLS },
		{ "dial tcp: lookup api.internal: no such host", FA2_TR_SYM_DNS },
		{ "java.net.UnknownHostException: db.internal", FA2_TR_SYM_DNS },
		{ "ThrottlingException: Rate exceeded", FA2_TR_SYM_THROTTLE },
		{ "ProvisionedThroughputExceededException", FA2_TR_SYM_THROTTLE },
		{ "FATAL: remaining connection slots are reserved", FA2_TR_SYM_QUOTA },
		{ "HikariPool-1 - Connection is not available, request timed out", FA2_TR_SYM_QUOTA },
		{ "KMSInvalidStateException: key is disabled", FA2_TR_SYM_PERMISSION },
		{ "AccessDeniedException: not authorized to perform", FA2_TR_SYM_PERMISSION },
		{ "connect timed out to db-1:5432", FA2_TR_SYM_CONNECT },
	};
	size_t i;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		CHECK_MSG(fa2_tr_symptoms(cases[i].text, strlen(cases[i].text)) & cases[i].want,
			  "no class 0x%x in \"%s\"", cases[i].want, cases[i].text);
	/* inside another word: nothing */
	CHECK(!(fa2_tr_symptoms("subdnsrecords ok", 16) & FA2_TR_SYM_DNS));
	CHECK(!(fa2_tr_symptoms("unthrottled path", 16) & FA2_TR_SYM_THROTTLE));
	CHECK(!(fa2_tr_symptoms("request served", 14) & FA2_TR_SYM_RESOURCE));
}

FA2_TEST(tr_metric_families)
{
	CHECK_INT_EQ(fa2_tr_metric_family("DatabaseConnections"), FA2_TR_MF_SATURATION);
	CHECK_INT_EQ(fa2_tr_metric_family("disk_used_percent"), FA2_TR_MF_SATURATION);
	CHECK_INT_EQ(fa2_tr_metric_family("RequestCount"), FA2_TR_MF_TRAFFIC);
	CHECK_INT_EQ(fa2_tr_metric_family("HTTPCode_Target_5XX_Count"), FA2_TR_MF_ERRORS);
	CHECK_INT_EQ(fa2_tr_metric_family("ClientTLSNegotiationErrorCount"), FA2_TR_MF_TLS);
	CHECK_INT_EQ(fa2_tr_metric_family("WriteThrottleEvents"), FA2_TR_MF_THROTTLE);
	CHECK_INT_EQ(fa2_tr_metric_family("UnHealthyHostCount"), FA2_TR_MF_ERRORS);
	CHECK_INT_EQ(fa2_tr_metric_family("HealthyHostCount"), FA2_TR_MF_HEADROOM);
	CHECK_INT_EQ(fa2_tr_metric_family("TargetResponseTime"), FA2_TR_MF_LATENCY);
}

/* Routine writes: a periodic call on one resource, a housekeeping call repeated, a call
 * spread over the window; a one-off change and a pair are not routine. */
FA2_TEST(tr_routine_cadence)
{
	fa2_tr_event ev[40];
	const fa2_tr_event *p[40];
	int rt[40];
	fa2_tr_kv res[3] = { { "instanceId", "i-0abc" }, { "AWS::ECS::Service", "orders-api" },
			     { "AWS::SSM::Parameter", "/orders/flag" } };
	size_t n = 0, i;
	const int64_t t0 = 1763604000000LL;
	memset(ev, 0, sizeof ev);
	/* ssm UpdateInstanceInformation every 5 minutes (+-20 s) on one instance */
	for (i = 0; i < 12; i++, n++) {
		ev[n].t_ms = t0 + (int64_t)i * 300000 + (int64_t)((i * 7919) % 40 - 20) * 1000;
		ev[n].name = "UpdateInstanceInformation";
		ev[n].source = "ssm.amazonaws.com";
		ev[n].resources = &res[0];
		ev[n].n_resources = 1;
	}
	/* one deployment and its rollback */
	ev[n].t_ms = t0 + 1800000; ev[n].name = "UpdateService"; ev[n].source = "ecs.amazonaws.com";
	ev[n].resources = &res[1]; ev[n].n_resources = 1; n++;
	ev[n].t_ms = t0 + 3000000; ev[n].name = "UpdateService"; ev[n].source = "ecs.amazonaws.com";
	ev[n].resources = &res[1]; ev[n].n_resources = 1; n++;
	/* a parameter written three times at irregular times: a person, not a cadence */
	ev[n].t_ms = t0 + 600000; ev[n].name = "PutParameter"; ev[n].source = "ssm.amazonaws.com";
	ev[n].resources = &res[2]; ev[n].n_resources = 1; n++;
	ev[n].t_ms = t0 + 660000; ev[n].name = "PutParameter"; ev[n].source = "ssm.amazonaws.com";
	ev[n].resources = &res[2]; ev[n].n_resources = 1; n++;
	ev[n].t_ms = t0 + 2900000; ev[n].name = "PutParameter"; ev[n].source = "ssm.amazonaws.com";
	ev[n].resources = &res[2]; ev[n].n_resources = 1; n++;
	/* grant churn: a housekeeping call, three times on different keys */
	for (i = 0; i < 3; i++, n++) {
		ev[n].t_ms = t0 + 100000 + (int64_t)i * 1234567;
		ev[n].name = "CreateGrant";
		ev[n].source = "kms.amazonaws.com";
	}
	for (i = 0; i < n; i++) {
		p[i] = &ev[i];
		rt[i] = 0;
	}
	/* the function wants them ascending by time */
	for (i = 1; i < n; i++) {
		const fa2_tr_event *x = p[i];
		size_t j = i;
		while (j > 0 && p[j - 1]->t_ms > x->t_ms) {
			p[j] = p[j - 1];
			j--;
		}
		p[j] = x;
	}
	fa2_tr_mark_routine(p, n, t0, t0 + 3600000, rt);
	for (i = 0; i < n; i++) {
		int want = !strcmp(p[i]->name, "UpdateInstanceInformation") || !strcmp(p[i]->name, "CreateGrant");
		CHECK_MSG(rt[i] == want, "%s at +%llds: routine %d", p[i]->name,
			  (long long)((p[i]->t_ms - t0) / 1000), rt[i]);
	}
}

/* A gradual rise is found at its start, hours before the alarm; a flat series and a
 * step have none. */
FA2_TEST(tr_trend_start)
{
	static int64_t t[360];
	static double v[360];
	const int64_t t0 = 1763604000000LL;
	int64_t ts;
	int i;
	rng_state = 5;
	for (i = 0; i < 360; i++) {
		t[i] = t0 + (int64_t)i * 60000;
		v[i] = (i < 100 ? 40.0 : 40.0 + 0.2 * (i - 100)) + 0.5 * grand();
	}
	ts = fa2_tr_trend_start(t, v, 360, 0);
	CHECK_MSG(ts >= t0 + 70 * 60000LL && ts <= t0 + 125 * 60000LL, "trend start at minute %lld",
		  (long long)((ts - t0) / 60000));
	for (i = 0; i < 360; i++)
		v[i] = 40.0 + 0.5 * grand();
	CHECK_INT_EQ(fa2_tr_trend_start(t, v, 360, 0), 0);
	for (i = 0; i < 360; i++)
		v[i] = (i < 200 ? 40.0 : 80.0) + 0.5 * grand();
	CHECK_INT_EQ(fa2_tr_trend_start(t, v, 360, 0), 0);
}

/* A disk-full incident with no change behind it: steady traffic logs all along, the
 * disk's "No space left" errors from minute 120, and two decoy changes shortly before
 * (another service's deployment, another team's parameter). The report says no change
 * is implicated and leads with the symptom. Then the same incident with a linked change
 * (the failing service's own configuration, 40 minutes earlier): that change leads. */
static int build_logs(fa2_tr_data *d, int64_t t0)
{
	fa2_buf b;
	int i, rc;
	fa2_buf_init(&b, 1 << 22);
	(void)fa2_buf_append_cstr(&b, "{\"results\":[");
	for (i = 0; i < 180 * 4; i++) {
		int64_t t = (t0 + i * 15) * 1000;
		const char *msg = i / 4 >= 120 && i % 2 ? "ERROR could not write report: [Errno 28] No space left on device"
			: "INFO GET /api/reports 200 12ms";
		(void)fa2_buf_appendf(&b, "%s[{\"field\":\"@timestamp\",\"value\":\"%lld\"},{\"field\":\"@message\","
				      "\"value\":\"%s\"},{\"field\":\"@log\",\"value\":\"1:/ecs/report-builder\"}]",
				      i ? "," : "", (long long)t, msg);
	}
	(void)fa2_buf_append_cstr(&b, "]}");
	rc = fa2_tr_parse_logs(d, fa2_buf_slice(&b), NULL) != FA2_OK;
	fa2_buf_cleanup(&b);
	return rc;
}

FA2_TEST(tr_no_change_then_linked_change)
{
	fa2_tr_data d;
	fa2_tr_analysis a;
	fa2_buf b, out;
	const int64_t t0 = 1763604000;
	int pass;
	for (pass = 0; pass < 2; pass++) {
		fa2_tr_data_init(&d);
		fa2_buf_init(&b, 1 << 20);
		fa2_buf_init(&out, 1 << 22);
		CHECK(build_logs(&d, t0) == 0);
		(void)fa2_buf_append_cstr(&b, "{\"Events\":[");
		add_event(&b, "UpdateService", "ecs.amazonaws.com", t0 + 116 * 60, 0,
			  "{\"cluster\":\"prod\",\"service\":\"fraud-rules\"}");
		add_event(&b, "PutParameter", "ssm.amazonaws.com", t0 + 118 * 60, 0,
			  "{\"name\":\"/email-sender/prod/feature/new-export\"}");
		if (pass)
			add_event(&b, "PutParameter", "ssm.amazonaws.com", t0 + 80 * 60, 0,
				  "{\"name\":\"/report-builder/prod/spool-dir\"}");
		(void)fa2_buf_append_cstr(&b, "]}");
		CHECK_OK(fa2_tr_parse_events(&d, fa2_buf_slice(&b)));
		d.from_ms = t0 * 1000;
		d.to_ms = (t0 + 180 * 60) * 1000;
		CHECK_OK(fa2_tr_data_finish(&d));
		CHECK_OK(fa2_tr_analyze(&d, NULL, &a));
		CHECK(a.symptoms & FA2_TR_SYM_STORAGE);
		CHECK(a.n_suspects >= 1);
		if (!pass) {
			cJSON *j;
			CHECK(a.no_change);
			CHECK_INT_EQ(a.suspects[0].what.kind, FA2_TR_EV_TEMPLATE);
			CHECK(strstr(a.tpls[a.suspects[0].what.idx].text, "No space left") != NULL);
			CHECK_OK(fa2_tr_render(&a, FA2_TR_FMT_JSON, 0, &out));
			j = fa2_json_parse(fa2_buf_slice(&out), NULL);
			CHECK(j != NULL);
			CHECK(cJSON_IsTrue(cJSON_GetObjectItem(j, "no_change_implicated")));
			cJSON_Delete(j);
			fa2_buf_reset(&out);
			CHECK_OK(fa2_tr_render(&a, FA2_TR_FMT_MD, 0, &out));
			CHECK(strstr(out.data, "No change is implicated") != NULL);
		} else {
			CHECK(!a.no_change);
			CHECK_INT_EQ(a.suspects[0].what.kind, FA2_TR_EV_CHANGE);
			CHECK(strstr(a.changes[a.suspects[0].what.idx].ev->params, "report-builder") != NULL);
			CHECK(a.changes[a.suspects[0].what.idx].overlap_score > 0);
		}
		/* the unlinked decoys are never suspects */
		{
			size_t i;
			for (i = 0; i < a.n_suspects; i++)
				if (a.suspects[i].what.kind == FA2_TR_EV_CHANGE) {
					const fa2_tr_event *ev = a.changes[a.suspects[i].what.idx].ev;
					CHECK(strstr(ev->params, "fraud-rules") == NULL);
					CHECK(strstr(ev->params, "email-sender") == NULL);
				}
		}
		fa2_tr_analysis_cleanup(&a);
		fa2_tr_data_cleanup(&d);
		fa2_buf_cleanup(&b);
		fa2_buf_cleanup(&out);
	}
}

/* A change's title names the changed thing: the service, not its cluster. */
FA2_TEST(tr_change_title_names_the_service)
{
	fa2_tr_data d;
	fa2_tr_analysis a;
	fa2_buf b, out;
	const int64_t t0 = 1763604000;
	fa2_tr_data_init(&d);
	fa2_buf_init(&b, 1 << 20);
	fa2_buf_init(&out, 1 << 22);
	(void)fa2_buf_append_cstr(&b, "{\"Events\":[");
	add_event(&b, "UpdateService", "ecs.amazonaws.com", t0, 0, "{\"cluster\":\"prod\",\"service\":\"orders-api\"}");
	(void)fa2_buf_append_cstr(&b, "]}");
	CHECK_OK(fa2_tr_parse_events(&d, fa2_buf_slice(&b)));
	/* resources as CloudTrail gives them: the cluster first */
	CHECK_OK(fa2_tr_data_finish(&d));
	CHECK_OK(fa2_tr_analyze(&d, NULL, &a));
	CHECK_OK(fa2_tr_render(&a, FA2_TR_FMT_MD, 0, &out));
	CHECK_MSG(strstr(out.data, "UpdateService on orders-api") != NULL, "%s", out.data);
	CHECK(strstr(out.data, "UpdateService on prod") == NULL);
	fa2_tr_analysis_cleanup(&a);
	fa2_tr_data_cleanup(&d);
	fa2_buf_cleanup(&b);
	fa2_buf_cleanup(&out);
}

/* Log group and stream names are pooled once and shared by the lines that repeat them. */
FA2_TEST(tr_parse_logs_interns_names)
{
	fa2_tr_data d;
	fa2_buf b;
	int i;
	fa2_tr_data_init(&d);
	fa2_buf_init(&b, 1 << 20);
	(void)fa2_buf_append_cstr(&b, "{\"results\":[");
	for (i = 0; i < 40; i++)
		(void)fa2_buf_appendf(&b, "%s[{\"field\":\"@timestamp\",\"value\":\"%d\"},{\"field\":\"@message\",\"value\":\"m%d\"},"
				      "{\"field\":\"@log\",\"value\":\"1:/ecs/g%d\"},{\"field\":\"@logStream\",\"value\":\"s%d\"}]",
				      i ? "," : "", 1000 + i, i, i % 20, i % 3);
	(void)fa2_buf_append_cstr(&b, "]}");
	CHECK_OK(fa2_tr_parse_logs(&d, fa2_buf_slice(&b), NULL));
	CHECK_INT_EQ(d.n_lines, 40);
	for (i = 0; i < 40; i++) {
		char want[16];
		snprintf(want, sizeof want, "/ecs/g%d", i % 20);
		CHECK_STR_EQ(d.lines[i].group, want);
		snprintf(want, sizeof want, "s%d", i % 3);
		CHECK_STR_EQ(d.lines[i].stream, want);
	}
	CHECK(d.lines[0].stream == d.lines[3].stream);   /* a recent name is shared */
	CHECK(d.lines[1].group != d.lines[2].group);
	fa2_buf_cleanup(&b);
	fa2_tr_data_cleanup(&d);
}
