/* The per-service AWS files and the tools over the live source, against in-process
 * fakes of the services (through the AWS client's transport seam): Logs Insights with
 * the 10,000-row cap (the range reader keeps every row once, split at the cap, whatever
 * the rounding of the seconds), the query composition (fa2's filter before a user's
 * limit, @timestamp always returned), a missing log group skipped and named, CloudTrail
 * LookupEvents paging with routine writes collapsed by their cadence, and runbooksDir for
 * kb_tool. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "agent/config.h"
#include "agent/tools/source.h"
#include "agent/tools/tools.h"
#include "aws/client.h"
#include "aws/cloudtrail.h"
#include "aws/logs.h"
#include "base/alloc.h"
#include "base/file.h"
#include "base/json.h"
#include "base/time.h"

/* ---- query text ---- */

FA2_TEST(logs_stages_split)
{
	fa2_logs_stage st[FA2_LOGS_MAX_STAGES];
	size_t n;
	CHECK_OK(fa2_logs_split_stages(fa2_slice_cstr("fields @message | filter @message like /a|b/ | limit 100"), st,
				       FA2_LOGS_MAX_STAGES, &n));
	CHECK_INT_EQ(n, 3);
	CHECK_STR_EQ(st[0].cmd, "fields");
	CHECK_SLICE_EQ(st[1].text, "filter @message like /a|b/");
	CHECK_STR_EQ(st[2].cmd, "limit");
	CHECK_OK(fa2_logs_split_stages(fa2_slice_cstr("stats sum(a)/count(*) as r by x | sort r desc"), st,
				       FA2_LOGS_MAX_STAGES, &n));
	CHECK_INT_EQ(n, 2);
	CHECK_STR_EQ(st[0].cmd, "stats");
	CHECK_OK(fa2_logs_split_stages(fa2_slice_cstr("@message like \"a | b\" |  | Limit 5 "), st, FA2_LOGS_MAX_STAGES, &n));
	CHECK_INT_EQ(n, 2);
	CHECK_STR_EQ(st[0].cmd, "");
	CHECK_STR_EQ(st[1].cmd, "limit");
	CHECK(fa2_logs_split_stages(fa2_slice_cstr("filter @message like /open"), st, FA2_LOGS_MAX_STAGES, &n) == FA2_ERR_PARSE);
	CHECK(fa2_logs_split_stages(fa2_slice_cstr("filter x = 'open\\'"), st, FA2_LOGS_MAX_STAGES, &n) == FA2_ERR_PARSE);
}

FA2_TEST(logs_compose_and_lint)
{
	fa2_buf b;
	fa2_logs_composed info;
	char msg[600];
	fa2_buf_init(&b, 1 << 16);
	/* The sample's example query: fa2's filter goes before the limit, @timestamp is added. */
	CHECK_OK(fa2_logs_compose("fields @message | limit 100", "@message like /ERROR/", &b, &info, msg, sizeof msg));
	CHECK_SLICE_EQ(fa2_buf_slice(&b), "fields @timestamp, @message, @logStream, @log | filter @message like /ERROR/");
	CHECK_INT_EQ(info.base_limit, 100);
	CHECK(!info.aggregate);
	fa2_buf_reset(&b);
	CHECK_OK(fa2_logs_compose(NULL, NULL, &b, &info, msg, sizeof msg));
	CHECK_SLICE_EQ(fa2_buf_slice(&b), "fields @timestamp, @message, @logStream, @log");
	fa2_buf_reset(&b);
	CHECK_OK(fa2_logs_compose("fields @timestamp, level, @message | sort @timestamp asc | filter level != 'DEBUG'",
				  "filter @message like /x/ | stats count(*) by bin(5m)", &b, &info, msg, sizeof msg));
	CHECK_SLICE_EQ(fa2_buf_slice(&b), "fields @timestamp, @message, @logStream, @log, level | filter level != 'DEBUG' | "
			"filter @message like /x/ | stats count(*) by bin(5m)");
	CHECK(info.aggregate && info.dropped_sort && info.base_limit == 0);
	fa2_buf_reset(&b);
	/* What does not split goes as it is: the service judges it (and the model repairs it). */
	CHECK_OK(fa2_logs_compose(NULL, "@message like /(unterminated", &b, &info, msg, sizeof msg));
	CHECK_SLICE_EQ(fa2_buf_slice(&b), "fields @timestamp, @message, @logStream, @log | filter @message like /(unterminated");
	CHECK(info.unsplit);
	fa2_buf_reset(&b);
	CHECK_OK(fa2_logs_compose("limit lots", NULL, &b, &info, msg, sizeof msg));
	CHECK(strstr(b.data, "| limit lots") != NULL && info.base_limit == 0);
	fa2_buf_cleanup(&b);

	CHECK_INT_EQ(fa2_logs_query_lint("fields @timestamp, @message | filter @message like /ERROR/", msg, sizeof msg), 0);
	CHECK_INT_EQ(fa2_logs_query_lint("fields @message | limit 100", msg, sizeof msg), 1);
	CHECK(strstr(msg, "'limit 100'") && strstr(msg, "at most that many rows"));
	CHECK(fa2_logs_query_lint("fields @message | limit 50 | filter @message like /x/", msg, sizeof msg) == 2);
	CHECK(strstr(msg, "comes before 'filter @message like /x/'") != NULL);
	CHECK_INT_EQ(fa2_logs_query_lint("stats count(*) by bin(1m)", msg, sizeof msg), 1);
	CHECK_INT_EQ(fa2_logs_query_lint("filter x like /open", msg, sizeof msg), -1);
}

/* ---- a fake of the services behind the client's transport ---- */

#define FAKE_EVENTS_MAX 40000
#define FAKE_CT_MAX     2000

struct fake_ev {
	int64_t t_ms;
	char msg[96];
	unsigned seen;
};

struct fake_ct {
	int64_t t_s;
	char name[48], source[48], user[48], error[32];
	int read_only;
	char res[48];                /* requestParameters.service; "" for "svc-NAME" */
};

struct fake_aws {
	struct fake_ev *ev;
	size_t n_ev;
	int end_exclusive;           /* endTime covers [end, end+1s) too (else only up to end*1000) */
	const char *groups[4];       /* log groups that exist */
	size_t n_groups;
	int64_t q_start[64], q_end[64];
	long q_limit[64];
	char q_text[64][1024];
	size_t n_queries, starts, stops, describes;
	struct fake_ct ct[FAKE_CT_MAX];
	size_t n_ct, ct_calls;
	char ct_attr[16][64];
};

static void reply_json(fa2_aws_http_response *resp, int status, const char *type, const char *body)
{
	resp->status = status;
	if (type)
		(void)fa2_aws_http_response_add_header(resp, "x-amzn-ErrorType", fa2_slice_cstr(type));
	(void)fa2_buf_append_cstr(&resp->body, body);
}

static void ts_text(int64_t ms, char *out, size_t cap)
{
	char iso[40];
	fa2_time_format_rfc3339(ms, 0, 1, iso, sizeof iso);   /* 2026-01-01T00:00:00.000Z */
	iso[10] = ' ';
	snprintf(out, cap, "%.23s", iso);
}

static int ev_cmp_desc(const void *a, const void *b)
{
	const struct fake_ev *x = *(const struct fake_ev *const *)a, *y = *(const struct fake_ev *const *)b;
	return x->t_ms > y->t_ms ? -1 : x->t_ms < y->t_ms;
}

static void logs_results(struct fake_aws *f, size_t qi, fa2_aws_http_response *resp)
{
	struct fake_ev **m = fa2_malloc(f->n_ev * sizeof *m + 1);
	size_t n = 0, i, keep;
	long limit = f->q_limit[qi] > 0 && f->q_limit[qi] < 10000 ? f->q_limit[qi] : 10000;
	char ts[40];
	if (!m)
		return;
	int errors_only = strstr(f->q_text[qi], "like /ERROR/") != NULL; /* the one filter the fake knows */
	for (i = 0; i < f->n_ev; i++) {
		int64_t t = f->ev[i].t_ms;
		if (errors_only && !strstr(f->ev[i].msg, "ERROR"))
			continue;
		if (t >= f->q_start[qi] * 1000 &&
		    (f->end_exclusive ? t < (f->q_end[qi] + 1) * 1000 : t <= f->q_end[qi] * 1000))
			m[n++] = &f->ev[i];
	}
	qsort(m, n, sizeof *m, ev_cmp_desc);
	keep = n < (size_t)limit ? n : (size_t)limit;
	(void)fa2_buf_append_cstr(&resp->body, "{\"status\":\"Complete\",\"results\":[");
	for (i = 0; i < keep; i++) {
		ts_text(m[i]->t_ms, ts, sizeof ts);
		(void)fa2_buf_appendf(&resp->body, "%s[{\"field\":\"@timestamp\",\"value\":\"%s\"},{\"field\":\"@message\","
				      "\"value\":\"%s\"},{\"field\":\"@log\",\"value\":\"123456789012:/app\"},"
				      "{\"field\":\"@ptr\",\"value\":\"p%zu\"}]", i ? "," : "", ts, m[i]->msg, i);
	}
	(void)fa2_buf_appendf(&resp->body, "],\"statistics\":{\"recordsMatched\":%zu.0}}", n);
	resp->status = 200;
	fa2_free(m);
}

static fa2_err fake_logs(struct fake_aws *f, const char *op, const cJSON *in, fa2_aws_http_response *resp)
{
	if (!strcmp(op, "StartQuery")) {
		const cJSON *g;
		double d;
		size_t qi = f->n_queries;
		f->starts++;
		cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(in, "logGroupNames")) {
			size_t k;
			int known = 0;
			for (k = 0; k < f->n_groups; k++)
				known |= cJSON_IsString(g) && !strcmp(g->valuestring, f->groups[k]);
			if (!known) {
				reply_json(resp, 400, "ResourceNotFoundException",
					   "{\"__type\":\"ResourceNotFoundException\",\"message\":\"The specified log group does not exist.\"}");
				return FA2_OK;
			}
		}
		if (qi >= 64) {
			reply_json(resp, 400, "LimitExceededException", "{\"message\":\"too many queries\"}");
			return FA2_OK;
		}
		f->q_start[qi] = fa2_json_num(in, "startTime", &d) ? (int64_t)d : 0;
		f->q_end[qi] = fa2_json_num(in, "endTime", &d) ? (int64_t)d : 0;
		f->q_limit[qi] = fa2_json_num(in, "limit", &d) ? (long)d : 0;
		snprintf(f->q_text[qi], sizeof f->q_text[qi], "%s", fa2_json_str(in, "queryString") ? fa2_json_str(in, "queryString") : "");
		if (f->q_end[qi] > 100000000000LL || f->q_start[qi] > f->q_end[qi] || f->q_limit[qi] > 10000) {
			reply_json(resp, 400, "InvalidParameterException", "{\"message\":\"bad time range or limit\"}");
			return FA2_OK;
		}
		if (strstr(f->q_text[qi], "| limit 10000") == NULL && strstr(f->q_text[qi], "| limit ") == NULL) {
			reply_json(resp, 400, "InvalidParameterException", "{\"message\":\"fa2 always sends a limit\"}");
			return FA2_OK;
		}
		f->n_queries++;
		resp->status = 200;
		(void)fa2_buf_appendf(&resp->body, "{\"queryId\":\"q%zu\"}", qi);
		return FA2_OK;
	}
	if (!strcmp(op, "GetQueryResults")) {
		const char *id = fa2_json_str(in, "queryId");
		uint64_t qi;
		if (!id || id[0] != 'q' || fa2_parse_u64(fa2_slice_cstr(id + 1), &qi) || qi >= f->n_queries) {
			reply_json(resp, 400, "InvalidParameterException", "{\"message\":\"unknown query\"}");
			return FA2_OK;
		}
		logs_results(f, (size_t)qi, resp);
		return FA2_OK;
	}
	if (!strcmp(op, "DescribeLogGroups")) {
		const char *prefix = fa2_json_str(in, "logGroupNamePrefix");
		size_t k, shown = 0;
		f->describes++;
		(void)fa2_buf_append_cstr(&resp->body, "{\"logGroups\":[");
		for (k = 0; k < f->n_groups; k++)
			if (prefix && !strncmp(f->groups[k], prefix, strlen(prefix)))
				(void)fa2_buf_appendf(&resp->body, "%s{\"logGroupName\":\"%s\"}", shown++ ? "," : "", f->groups[k]);
		(void)fa2_buf_append_cstr(&resp->body, "]}");
		resp->status = 200;
		return FA2_OK;
	}
	if (!strcmp(op, "StopQuery")) {
		f->stops++;
		reply_json(resp, 200, NULL, "{\"success\":true}");
		return FA2_OK;
	}
	reply_json(resp, 400, "UnknownOperationException", "{}");
	return FA2_OK;
}

static fa2_err fake_lookup(struct fake_aws *f, const cJSON *in, fa2_aws_http_response *resp)
{
	const cJSON *la = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(in, "LookupAttributes"), 0);
	const char *key = fa2_json_str(la, "AttributeKey"), *val = fa2_json_str(la, "AttributeValue");
	const char *tok = fa2_json_str(in, "NextToken");
	double start = 0, end = 0, maxr = 50;
	uint64_t off = 0;
	size_t i, shown = 0, matched = 0;
	fa2_json_num(in, "StartTime", &start);
	fa2_json_num(in, "EndTime", &end);
	fa2_json_num(in, "MaxResults", &maxr);
	if (f->ct_calls < 16)
		snprintf(f->ct_attr[f->ct_calls], sizeof f->ct_attr[0], "%s=%s", key ? key : "", val ? val : "");
	f->ct_calls++;
	if (maxr < 1 || maxr > 50 || (tok && fa2_parse_u64(fa2_slice_cstr(tok), &off))) {
		reply_json(resp, 400, "InvalidLookupAttributesException", "{\"message\":\"bad request\"}");
		return FA2_OK;
	}
	(void)fa2_buf_append_cstr(&resp->body, "{\"Events\":[");
	/* Newest first, as the service returns them. */
	for (i = f->n_ct; i-- > 0;) {
		const struct fake_ct *e = &f->ct[i];
		char detail[512];
		if (e->t_s < start || e->t_s > end)
			continue;
		if (key && !strcmp(key, "ReadOnly") && strcmp(val, e->read_only ? "true" : "false"))
			continue;
		if (key && !strcmp(key, "EventName") && strcmp(val, e->name))
			continue;
		if (matched++ < off)
			continue;
		if (shown == (size_t)maxr) {
			shown++;
			break;
		}
		snprintf(detail, sizeof detail, "{\\\"eventName\\\":\\\"%s\\\",\\\"readOnly\\\":%s%s%s%s,"
			 "\\\"requestParameters\\\":{\\\"service\\\":\\\"%s%s\\\"}}", e->name, e->read_only ? "true" : "false",
			 e->error[0] ? ",\\\"errorCode\\\":\\\"" : "", e->error, e->error[0] ? "\\\"" : "",
			 e->res[0] ? "" : "svc-", e->res[0] ? e->res : e->name);
		(void)fa2_buf_appendf(&resp->body, "%s{\"EventId\":\"e%zu\",\"EventName\":\"%s\",\"EventSource\":\"%s\","
				      "\"Username\":\"%s\",\"EventTime\":%lld,\"ReadOnly\":\"%s\",\"CloudTrailEvent\":\"%s\"}",
				      shown ? "," : "", i, e->name, e->source, e->user, (long long)e->t_s,
				      e->read_only ? "true" : "false", detail);
		shown++;
	}
	(void)fa2_buf_append_cstr(&resp->body, "]");
	if (shown > (size_t)maxr)
		(void)fa2_buf_appendf(&resp->body, ",\"NextToken\":\"%llu\"", (unsigned long long)(off + (uint64_t)maxr));
	(void)fa2_buf_append_cstr(&resp->body, "}");
	resp->status = 200;
	return FA2_OK;
}

static fa2_err fake_http(void *ctx, const fa2_aws_http_request *req, fa2_aws_http_response *resp)
{
	struct fake_aws *f = ctx;
	char target[128] = "";
	const char *op;
	cJSON *in;
	size_t i;
	fa2_err e;
	for (i = 0; i < req->n_headers; i++)
		if (fa2_slice_eq_ci(req->headers[i].name, fa2_slice_cstr("X-Amz-Target")))
			snprintf(target, sizeof target, "%.*s", FA2_SLICE_FMT(req->headers[i].value));
	in = fa2_json_parse(req->body, NULL);
	op = strchr(target, '.') ? strchr(target, '.') + 1 : "";
	if (!strncmp(target, "Logs_", 5))
		e = fake_logs(f, op, in, resp);
	else if (strstr(target, "LookupEvents"))
		e = fake_lookup(f, in, resp);
	else {
		reply_json(resp, 400, "UnknownOperationException", "{}");
		e = FA2_OK;
	}
	cJSON_Delete(in);
	return e;
}

static fa2_err static_creds(const fa2_aws_chain *ch, fa2_aws_creds *out)
{
	(void)ch;
	return fa2_aws_creds_set(out, FA2_SLICE_LIT("AKIDTEST"), FA2_SLICE_LIT("secret-test"), FA2_SLICE_EMPTY, 0, "test");
}

struct fixture {
	fa2_aws_config cfg;
	fa2_aws_creds_provider prov;
	fa2_aws_client cl;
	struct fake_aws *f;
};

static int fixture_init(struct fixture *x)
{
	fa2_aws_chain ch;
	memset(x, 0, sizeof *x);
	x->f = fa2_calloc(1, sizeof *x->f);
	if (!x->f)
		return -1;
	x->f->ev = fa2_calloc(FAKE_EVENTS_MAX, sizeof *x->f->ev);
	if (!x->f->ev)
		return -1;
	fa2_aws_config_init(&x->cfg, "default");
	memset(&ch, 0, sizeof ch);
	ch.cfg = &x->cfg;
	if (fa2_aws_creds_provider_init(&x->prov, &ch, 1000))
		return -1;
	x->prov.resolve = static_creds;
	return fa2_aws_client_init(&x->cl, &x->prov, &x->cfg, "us-east-1", fake_http, x->f) ? -1 : 0;
}

static void fixture_cleanup(struct fixture *x)
{
	fa2_aws_client_cleanup(&x->cl);
	fa2_aws_creds_provider_cleanup(&x->prov);
	fa2_aws_config_cleanup(&x->cfg);
	if (x->f)
		fa2_free(x->f->ev);
	fa2_free(x->f);
}

/* 25,000 lines in one hour, 3 per millisecond in bursts, some on whole seconds. */
static void seed_hour(struct fake_aws *f, int64_t t0)
{
	size_t i;
	for (i = 0; i < 25000 && i < FAKE_EVENTS_MAX; i++) {
		struct fake_ev *e = &f->ev[f->n_ev++];
		e->t_ms = t0 + (int64_t)(i / 3) * 431 % 3600000;
		if (i % 997 == 0)
			e->t_ms = e->t_ms / 1000 * 1000; /* on a second */
		snprintf(e->msg, sizeof e->msg, "%s request %zu done", i % 50 ? "INFO" : "ERROR", i);
	}
}

static fa2_err count_row(void *ctx, const cJSON *row, int64_t t)
{
	struct fake_aws *f = ctx;
	const char *m = fa2_logs_row_field(row, "@message");
	uint64_t idx;
	const char *p = m ? strstr(m, "request ") : NULL;
	(void)t;
	if (!p || fa2_parse_u64(fa2_slice_make(p + 8, strcspn(p + 8, " ")), &idx) || idx >= f->n_ev)
		return FA2_ERR_PARSE;
	f->ev[idx].seen++;
	return FA2_OK;
}

static void run_split(int end_exclusive)
{
	struct fixture x;
	fa2_logs_read rd;
	fa2_logs_coverage cov;
	fa2_logs_result fail;
	const char *groups[] = { "/app" };
	int64_t t0 = 1767225600000LL; /* 2026-01-01T00:00:00Z */
	size_t i, once = 0, twice = 0;
	CHECK(fixture_init(&x) == 0);
	x.f->end_exclusive = end_exclusive;
	x.f->groups[0] = "/app";
	x.f->n_groups = 1;
	seed_hour(x.f, t0);
	memset(&rd, 0, sizeof rd);
	rd.groups = groups;
	rd.n_groups = 1;
	rd.from_ms = t0;
	rd.to_ms = t0 + 3600000 - 1;
	rd.poll_ms = 1;
	rd.on_row = count_row;
	rd.ctx = x.f;
	CHECK_OK(fa2_logs_read_all(&x.cl, &rd, &cov, &fail));
	for (i = 0; i < x.f->n_ev; i++) {
		once += x.f->ev[i].seen == 1;
		twice += x.f->ev[i].seen > 1;
	}
	CHECK_MSG(once == 25000 && twice == 0, "kept once %zu, more than once %zu, of 25000 (%zu queries)", once, twice,
		  cov.queries);
	CHECK(!cov.partial && cov.rows == 25000 && cov.estimated == 25000.0);
	CHECK_MSG(cov.queries >= 3 && cov.queries <= 5, "%zu queries", cov.queries);
	/* Every query after the first ends where the previous one's oldest row was. */
	CHECK(strstr(x.f->q_text[0], "| sort @timestamp desc | limit 10000") != NULL);
	fixture_cleanup(&x);
}

FA2_TEST(logs_read_all_splits_at_the_cap)
{
	run_split(0);
	if (fa2_test_failed())
		return;
	run_split(1);
}

FA2_TEST(logs_read_all_budget_is_partial)
{
	struct fixture x;
	fa2_logs_read rd;
	fa2_logs_coverage cov;
	fa2_logs_result fail;
	const char *groups[] = { "/app" };
	int64_t t0 = 1767225600000LL;
	CHECK(fixture_init(&x) == 0);
	x.f->groups[0] = "/app";
	x.f->n_groups = 1;
	seed_hour(x.f, t0);
	memset(&rd, 0, sizeof rd);
	rd.groups = groups;
	rd.n_groups = 1;
	rd.from_ms = t0;
	rd.to_ms = t0 + 3600000 - 1;
	rd.poll_ms = 1;
	rd.max_queries = 1;
	rd.on_row = count_row;
	rd.ctx = x.f;
	CHECK_OK(fa2_logs_read_all(&x.cl, &rd, &cov, &fail));
	CHECK(cov.partial && cov.budget_hit && cov.rows < 10000 && cov.n_ranges == 1);
	CHECK(cov.ranges[0].from_ms == t0 && cov.estimated == 25000.0);
	CHECK_MSG(cov.ranges[0].missing > 15000 && cov.ranges[0].missing < 16000, "%f", cov.ranges[0].missing);
	fixture_cleanup(&x);
}

/* ---- the tools over the live source ---- */

static fa2_err run_tool(fa2_tool_registry *r, const char *name, const char *input, fa2_tool_env *env, fa2_buf *out)
{
	const fa2_tool *t = fa2_tool_registry_find(r, name);
	cJSON *in = cJSON_Parse(input);
	fa2_err e;
	fa2_buf_reset(out);
	if (!t || !in) {
		cJSON_Delete(in);
		return FA2_ERR_NOT_FOUND;
	}
	e = t->execute(t->ctx, env, in, out);
	(void)fa2_buf_append_byte(out, 0);
	cJSON_Delete(in);
	return e;
}

FA2_TEST(logs_tool_users_query_and_missing_group)
{
	struct fixture x;
	fa2_config cfg;
	fa2_source *src = NULL;
	fa2_tool_registry r;
	fa2_tool_env env;
	fa2_buf out;
	char msg[512];
	int64_t t0 = 1767225600000LL;
	size_t i;
	CHECK(fixture_init(&x) == 0);
	x.f->groups[0] = "/app";
	x.f->n_groups = 1;
	for (i = 0; i < 300; i++) {
		struct fake_ev *e = &x.f->ev[x.f->n_ev++];
		e->t_ms = t0 + (int64_t)i * 10000;
		snprintf(e->msg, sizeof e->msg, i % 3 ? "INFO ok request %zu" : "ERROR timeout calling db-%zu", i);
	}
	CHECK_OK(fa2_config_init(&cfg));
	CHECK_OK(fa2_config_load_json(&cfg, fa2_slice_cstr("{\"cwLogsLogGroups\": [\"/app\", \"/gone\"], "
							   "\"cwLogsInsightQuery\": \"fields @message | limit 100\"}"),
				      "test", msg, sizeof msg));
	CHECK_OK(fa2_source_open_live(&cfg, &x.cl, NULL, &src, msg, sizeof msg));
	fa2_tool_registry_init(&r);
	CHECK_OK(fa2_tools_build(&r, src));
	memset(&env, 0, sizeof env);
	env.from_ms = t0;
	env.to_ms = t0 + 3600000;
	env.deadline_mono_ms = fa2_time_mono_ms() + 30000;
	fa2_buf_init(&out, FA2_TOOL_MAX_RAW_BYTES);
	CHECK_OK(run_tool(&r, "logs_tool", "{\"filter\":\"@message like /ERROR/\"}", &env, &out));
	/* /gone fails the first query; it is found missing, named, and /app is queried. */
	CHECK_MSG(strstr(out.data, "do not exist, skipped: /gone") != NULL, "%.2000s", out.data);
	CHECK(x.f->describes == 2);
	/* The filter went before the user's limit; timestamps were asked for and shown. */
	CHECK_MSG(strstr(x.f->q_text[0], "fields @timestamp, @message, @logStream, @log | filter @message like /ERROR/ | "
				       "sort @timestamp desc | limit 100") != NULL, "%s", x.f->q_text[0]);
	CHECK_MSG(strstr(out.data, "x100") && strstr(out.data, "2026-01-01 00:"), "%.2000s", out.data);
	CHECK(strstr(out.data, "Only the newest 100 lines were read") != NULL);
	fa2_buf_cleanup(&out);
	fa2_source_close(src);
	fa2_config_cleanup(&cfg);
	fixture_cleanup(&x);
}

static void add_ct(struct fake_aws *f, int64_t t_s, const char *name, const char *source, const char *user, int ro,
		   const char *error)
{
	struct fake_ct *e;
	if (f->n_ct >= FAKE_CT_MAX)
		return;
	e = &f->ct[f->n_ct++];
	e->t_s = t_s;
	snprintf(e->name, sizeof e->name, "%s", name);
	snprintf(e->source, sizeof e->source, "%s", source);
	snprintf(e->user, sizeof e->user, "%s", user);
	snprintf(e->error, sizeof e->error, "%s", error ? error : "");
	e->read_only = ro;
}

static int ct_time_cmp(const void *a, const void *b)
{
	const struct fake_ct *x = a, *y = b;
	return x->t_s < y->t_s ? -1 : x->t_s > y->t_s;
}

FA2_TEST(audit_log_tool_routine_writes_do_not_crowd_out)
{
	struct fixture x;
	fa2_config cfg;
	fa2_source *src = NULL;
	fa2_tool_registry r;
	fa2_tool_env env;
	fa2_buf out;
	char msg[512];
	int64_t t0 = 1767225600; /* seconds */
	int i;
	CHECK(fixture_init(&x) == 0);
	/* Six hours: SSM check-ins every 5 minutes from two instances, log streams every 20
	 * minutes, the deploy at the start, a denied call near the end, reads. */
	for (i = 0; i < 72; i++) {
		add_ct(x.f, t0 + i * 300 + 7, "UpdateInstanceInformation", "ssm.amazonaws.com", "i-0a", 0, NULL);
		add_ct(x.f, t0 + i * 300 + 151, "UpdateInstanceInformation", "ssm.amazonaws.com", "i-0b", 0, NULL);
	}
	for (i = 0; i < 18; i++)
		add_ct(x.f, t0 + i * 1200 + 60, "CreateLogStream", "logs.amazonaws.com", "lambda", 0, NULL);
	add_ct(x.f, t0 + 600, "UpdateService", "ecs.amazonaws.com", "deployer", 0, NULL);
	add_ct(x.f, t0 + 6 * 3600 - 300, "PutParameter", "ssm.amazonaws.com", "alice", 0, "AccessDenied");
	for (i = 0; i < 40; i++)
		add_ct(x.f, t0 + 20000 + i * 10, "DescribeInstances", "ec2.amazonaws.com", "console", 1, NULL);
	qsort(x.f->ct, x.f->n_ct, sizeof x.f->ct[0], ct_time_cmp);
	CHECK_OK(fa2_config_init(&cfg));
	CHECK_OK(fa2_source_open_live(&cfg, &x.cl, NULL, &src, msg, sizeof msg));
	fa2_tool_registry_init(&r);
	CHECK_OK(fa2_tools_build(&r, src));
	memset(&env, 0, sizeof env);
	env.from_ms = t0 * 1000;
	env.to_ms = (t0 + 6 * 3600) * 1000;
	env.budget_bytes = 6000;
	env.deadline_mono_ms = fa2_time_mono_ms() + 60000;
	fa2_buf_init(&out, FA2_TOOL_MAX_RAW_BYTES);
	CHECK_OK(run_tool(&r, "audit_log_tool", "{}", &env, &out));
	/* Every write was read (ReadOnly=false, 4 pages), then the reads. */
	CHECK_STR_EQ(x.f->ct_attr[0], "ReadOnly=false");
	CHECK_MSG(strstr(out.data, ": 204 events (1 errors, 163 mutating)") != NULL, "%.3000s", out.data);
	CHECK_MSG(strstr(out.data, "WRITE ecs.amazonaws.com UpdateService user=deployer") != NULL, "%.3000s", out.data);
	CHECK(strstr(out.data, "params=svc-UpdateService") != NULL);
	CHECK(strstr(out.data, "ERROR ssm.amazonaws.com PutParameter") != NULL);
	CHECK_MSG(strstr(out.data, "routine ssm.amazonaws.com UpdateInstanceInformation x144") &&
		  strstr(out.data, "about every 2m") && strstr(out.data, "routine logs.amazonaws.com CreateLogStream x18"),
		  "%.3000s", out.data);
	CHECK(strstr(out.data, "read ec2.amazonaws.com DescribeInstances x40") != NULL);
	if (getenv("FA2_SHOW")) fprintf(stderr, "%s\n", out.data);
	CHECK(out.len < 6000);
	fa2_buf_cleanup(&out);
	fa2_source_close(src);
	fa2_config_cleanup(&cfg);
	fixture_cleanup(&x);
}

FA2_TEST(logs_tool_new_templates_first)
{
	struct fixture x;
	fa2_config cfg;
	fa2_source *src = NULL;
	fa2_tool_registry r;
	fa2_tool_env env;
	fa2_buf out;
	char msg[512];
	int64_t t0 = 1767225600000LL;
	const char *started, *noise, *head;
	int m, k, w;
	CHECK(fixture_init(&x) == 0);
	x.f->groups[0] = "/app";
	x.f->n_groups = 1;
	/* Thirty error templates all hour long (different lengths: thirty templates), and
	 * one INFO line late in the window: the restart with a new version. */
	for (m = 0; m < 60; m++) {
		for (k = 1; k <= 30; k++) {
			struct fake_ev *e = &x.f->ev[x.f->n_ev++];
			size_t n;
			e->t_ms = t0 + (int64_t)m * 60000 + k * 100;
			n = (size_t)snprintf(e->msg, sizeof e->msg, "ERROR noisy");
			for (w = 0; w < k && n + 3 < sizeof e->msg; w++)
				n += (size_t)snprintf(e->msg + n, sizeof e->msg - n, " w");
		}
		if (m == 50) {
			struct fake_ev *e = &x.f->ev[x.f->n_ev++];
			e->t_ms = t0 + (int64_t)m * 60000 + 5000;
			snprintf(e->msg, sizeof e->msg, "INFO Started orders-api in 11.2 seconds version=4.26.15");
		}
	}
	CHECK_OK(fa2_config_init(&cfg));
	CHECK_OK(fa2_config_load_json(&cfg, fa2_slice_cstr("{\"cwLogsLogGroups\": [\"/app\"]}"), "test", msg, sizeof msg));
	CHECK_OK(fa2_source_open_live(&cfg, &x.cl, NULL, &src, msg, sizeof msg));
	fa2_tool_registry_init(&r);
	CHECK_OK(fa2_tools_build(&r, src));
	memset(&env, 0, sizeof env);
	env.from_ms = t0;
	env.to_ms = t0 + 3600000;
	env.budget_bytes = 2048;
	env.deadline_mono_ms = fa2_time_mono_ms() + 30000;
	fa2_buf_init(&out, FA2_TOOL_MAX_RAW_BYTES);
	CHECK_OK(run_tool(&r, "logs_tool", "{}", &env, &out));
	if (getenv("FA2_SHOW"))
		fprintf(stderr, "%s\n", out.data);
	started = strstr(out.data, "Started orders-api");
	noise = strstr(out.data, "ERROR noisy");
	head = strstr(out.data, "1 templates first appear after the window's start (new): listed first.");
	/* Every line read; the new template first although it is INFO and single; the
	 * budget cut falls on the old ones. */
	CHECK_MSG(strstr(out.data, "1801 lines, 31 templates") != NULL, "%.2000s", out.data);
	CHECK_MSG(head && started && noise && started < noise, "%.4000s", out.data);
	CHECK(strstr(out.data, "-- new in the window --") != NULL);
	CHECK(strstr(out.data, "-- present from the window's start --") != NULL);
	CHECK_MSG(strstr(out.data, "more templates not shown") != NULL, "%.4000s", out.data);
	fa2_buf_cleanup(&out);
	fa2_source_close(src);
	fa2_config_cleanup(&cfg);
	fixture_cleanup(&x);
}

FA2_TEST(source_focus_from_alarm_dimensions)
{
	static const char *const dims[] = { "arn:aws:ecs:us-east-1:123456789012:service/prod/orders-api",
					    "app/orders-api-alb/91ae8677a702f212", "targetgroup/orders-api-tg/2a94a44179a263f7" };
	fa2_source *src = NULL;
	char msg[256];
	CHECK_OK(fa2_source_open_live(NULL, NULL, "none", &src, msg, sizeof msg));
	CHECK_OK(fa2_source_set_focus(src, dims, 3));
	/* Parts of ARNs and paths without ids, regions, accounts and generic words. */
	CHECK_INT_EQ(src->n_focus, 3);
	CHECK_STR_EQ(src->focus[0], "orders-api");
	CHECK_STR_EQ(src->focus[1], "orders-api-alb");
	CHECK_STR_EQ(src->focus[2], "orders-api-tg");
	/* Whole words only, case-insensitive. */
	CHECK(fa2_source_focus_hit(src, "arn:aws:iam::1:role/Orders-API-task-role"));
	CHECK(!fa2_source_focus_hit(src, "legacyorders-apiv2 us-east-1 prod"));
	CHECK(!fa2_source_focus_hit(src, NULL));
	/* Replaced, not added to. */
	CHECK_OK(fa2_source_set_focus(src, dims + 1, 1));
	CHECK_INT_EQ(src->n_focus, 2);
	fa2_source_close(src);
}

FA2_TEST(audit_log_tool_alarm_resources_first)
{
	static const char *const dims[] = { "app/orders-api-alb/91ae8677a702f212" };
	struct fixture x;
	fa2_config cfg;
	fa2_source *src = NULL;
	fa2_tool_registry r;
	fa2_tool_env env;
	fa2_buf out;
	char msg[512];
	const char *deploy, *decoy;
	int64_t t0 = 1767225600; /* seconds */
	int i;
	CHECK(fixture_init(&x) == 0);
	/* Six hours: routine check-ins; the deploy of the alarm's service at the start;
	 * seventy unrelated one-off changes later, more than the budget holds. */
	for (i = 0; i < 72; i++)
		add_ct(x.f, t0 + i * 300 + 7, "UpdateInstanceInformation", "ssm.amazonaws.com", "i-0a", 0, NULL);
	add_ct(x.f, t0 + 600, "UpdateService", "ecs.amazonaws.com", "deployer", 0, NULL);
	snprintf(x.f->ct[x.f->n_ct - 1].res, sizeof x.f->ct[0].res, "orders-api");
	for (i = 0; i < 70; i++) {
		char name[48];
		snprintf(name, sizeof name, "PutSetting%02d", i);
		add_ct(x.f, t0 + 7200 + i * 200, name, "misc.amazonaws.com", "ops", 0, NULL);
		snprintf(x.f->ct[x.f->n_ct - 1].res, sizeof x.f->ct[0].res, "legacyorders-apiv%d", i);
	}
	qsort(x.f->ct, x.f->n_ct, sizeof x.f->ct[0], ct_time_cmp);
	CHECK_OK(fa2_config_init(&cfg));
	CHECK_OK(fa2_source_open_live(&cfg, &x.cl, NULL, &src, msg, sizeof msg));
	CHECK_OK(fa2_source_set_focus(src, dims, 1));
	fa2_tool_registry_init(&r);
	CHECK_OK(fa2_tools_build(&r, src));
	memset(&env, 0, sizeof env);
	env.from_ms = t0 * 1000;
	env.to_ms = (t0 + 6 * 3600) * 1000;
	env.budget_bytes = 6000;
	env.deadline_mono_ms = fa2_time_mono_ms() + 60000;
	fa2_buf_init(&out, FA2_TOOL_MAX_RAW_BYTES);
	CHECK_OK(run_tool(&r, "audit_log_tool", "{}", &env, &out));
	if (getenv("FA2_SHOW"))
		fprintf(stderr, "%s\n", out.data);
	deploy = strstr(out.data, "WRITE ecs.amazonaws.com UpdateService user=deployer");
	decoy = strstr(out.data, "WRITE misc.amazonaws.com PutSetting");
	CHECK_MSG(strstr(out.data, "Mutating calls on what the alarm is about (orders-api-alb, orders-api): 1, listed first.") &&
		  strstr(out.data, "-- mutating calls on the alarm's resources, newest first --"), "%.3000s", out.data);
	/* The deploy six hours back comes first; the budget cut falls on the unrelated ones. */
	CHECK_MSG(deploy && decoy && deploy < decoy, "%.3000s", out.data);
	CHECK_MSG(strstr(out.data, "more events not listed"), "%.3000s", out.data);
	CHECK(strstr(out.data, "72 of them are routine writes") != NULL);
	CHECK(out.len < 6000);
	fa2_buf_cleanup(&out);
	fa2_source_close(src);
	fa2_config_cleanup(&cfg);
	fixture_cleanup(&x);
}

FA2_TEST(kb_tool_runbooks_dir)
{
	char dir[512], path[640], json[800], msg[512];
	static const char rb[] = "# Disk full\n\nWhen /var fills up, rotate the logs and grow the volume.\n\n"
				 "# Certificates\n\nRenew the TLS certificate with certbot.\n";
	fa2_config cfg;
	fa2_source *src = NULL;
	fa2_tool_registry r;
	fa2_tool_env env;
	fa2_buf out;
	snprintf(dir, sizeof dir, "%s/rb", fa2_test_tmpdir());
	CHECK_OK(fa2_mkdir_p(dir, 0755));
	snprintf(path, sizeof path, "%s/storage.md", dir);
	CHECK_OK(fa2_file_write_atomic(path, rb, sizeof rb - 1, 0644));
	snprintf(json, sizeof json, "{\"runbooksDir\": \"%s\"}", dir);
	CHECK_OK(fa2_config_init(&cfg));
	CHECK_OK(fa2_config_load_json(&cfg, fa2_slice_cstr(json), "test", msg, sizeof msg));
	CHECK_OK(fa2_source_open_live(&cfg, NULL, "no AWS here", &src, msg, sizeof msg));
	fa2_tool_registry_init(&r);
	CHECK_OK(fa2_tools_build(&r, src));
	memset(&env, 0, sizeof env);
	fa2_buf_init(&out, 1 << 20);
	CHECK_OK(run_tool(&r, "kb_tool", "{\"query\":\"no space left on device /var full\",\"numberOfResults\":1}", &env, &out));
	CHECK_MSG(strstr(out.data, "1. score") && strstr(out.data, "storage.md") && strstr(out.data, "grow the volume") &&
		  !strstr(out.data, "certbot"), "%s", out.data);
	fa2_buf_cleanup(&out);
	fa2_source_close(src);
	/* A runbooksDir that does not exist is a configuration error at start. */
	fa2_config_cleanup(&cfg);
	CHECK_OK(fa2_config_init(&cfg));
	CHECK_OK(fa2_config_load_json(&cfg, fa2_slice_cstr("{\"runbooksDir\": \"/nonexistent/rb\"}"), "test", msg, sizeof msg));
	CHECK(fa2_source_open_live(&cfg, NULL, "x", &src, msg, sizeof msg) == FA2_ERR_NOT_FOUND);
	CHECK(strstr(msg, "/nonexistent/rb") != NULL);
	fa2_config_cleanup(&cfg);
}
