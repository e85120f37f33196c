/* The live data source (source.h): AWS through the per-service files of src/aws, with
 * the client the source was opened with.
 *
 * logs: Logs Insights over the whole window, split at the row cap (aws/logs.h) within a
 *   budget of queries and the tool's deadline; when the budget ends the reading, the
 *   unread part is read once more for error-like lines only, so that the lines that
 *   matter most are not lost to volume. A missing log group (ResourceNotFound) is found
 *   with DescribeLogGroups, skipped and named, and the others are queried.
 * events: CloudTrail LookupEvents. Without an attribute from the model, every mutating
 *   call of the window (ReadOnly=false, all pages within the budget) and then the newest
 *   pages of read-only calls (for their errors); with one, that lookup. Further
 *   attributes are matched here (LookupEvents takes one).
 * traces: GetTraceSummaries with the model's filter expression; BatchGetTraces for the
 *   fault details. metrics: ListMetrics (AWS/ namespaces unless one is named) and
 *   GetMetricData (Average). kb: Bedrock Knowledge Base Retrieve and/or runbooksDir. */
#include <stdio.h>
#include <string.h>

#include "agent/config.h"
#include "agent/tools/common.h"
#include "agent/tools/runbooks.h"
#include "agent/tools/source.h"
#include "agent/tools/tools.h"
#include "aws/cloudtrail.h"
#include "aws/cloudwatch.h"
#include "aws/logs.h"
#include "aws/xray.h"
#include "base/alloc.h"
#include "base/json.h"
#include "base/time.h"

#define LIVE_LOG_QUERIES     8u     /* Logs Insights queries per logs_tool call */
#define LIVE_ERROR_QUERIES   3u     /* ... for the error-only pass over each unread part */
#define LIVE_ERROR_RANGES    4u
#define LIVE_WRITE_PAGES     60u    /* LookupEvents pages of mutating calls (3,000 events) */
#define LIVE_READ_PAGES      6u     /* ... of read-only calls */
#define LIVE_ATTR_PAGES      40u    /* ... for one attribute the model gave */
#define LIVE_TRACE_PAGES     10u
#define LIVE_MARGIN_MS       1500   /* kept free before the tool's deadline */
#define KB_TEXT_MAX          1500

#define ERRORISH "@message like /(?i)(error|exception|fail|fatal|panic|critical|timeout|timed out|denied|" \
		 "refused|unavailable|throttl|out of memory|oom|killed|unreachable)/"

static int64_t deadline_of(const fa2_tool_env *env)
{
	int64_t d = env->deadline_mono_ms ? env->deadline_mono_ms : fa2_time_mono_ms() + 60000;
	return d - LIVE_MARGIN_MS;
}

static fa2_err no_aws(const fa2_source *s, const fa2_tool_env *env, fa2_buf *out)
{
	(void)fa2_buf_appendf(out, FA2_T(env, "AWS is not available: %s\n", "AWS を利用できません: %s\n"), s->no_aws);
	return FA2_ERR_CONFIG;
}

static int live_offers(const fa2_source *s, const char *tool)
{
	const fa2_config *c = s->cfg;
	if (!strcmp(tool, "metrics_tool") || !strcmp(tool, "audit_log_tool"))
		return 1;
	if (!strcmp(tool, "logs_tool"))
		return c && c->n_log_groups > 0;
	if (!strcmp(tool, "audit_log_tool/athena"))
		return c && c->cloudtrail_table && c->database_name;
	if (!strcmp(tool, "alb_log_tool"))
		return c && c->alb_table && c->database_name;
	if (!strcmp(tool, "xray_tool"))
		return c && c->xray_trace;
	if (!strcmp(tool, "kb_tool"))
		return (c && c->knowledge_base && c->knowledge_base_id) || s->runbooks;
	return 0;
}

static const char *const *live_groups(const fa2_source *s, size_t *n)
{
	*n = s->cfg ? s->cfg->n_log_groups : 0;
	return s->cfg ? (const char *const *)s->cfg->log_groups : NULL;
}

/* ---- logs ---- */

typedef struct live_rows {
	const fa2_src_logs_req *q;
} live_rows;

static fa2_err live_row(void *ctx, const cJSON *row, int64_t t_ms)
{
	const live_rows *c = ctx;
	const char *msg = fa2_logs_row_field(row, "@message"), *lg = fa2_logs_row_field(row, "@log");
	const char *stream = fa2_logs_row_field(row, "@logStream"), *colon;
	fa2_src_row r;
	if (!msg)
		return FA2_OK;
	memset(&r, 0, sizeof r);
	r.t_ms = t_ms;
	r.msg = fa2_slice_cstr(msg);
	/* "123456789012:/ecs/orders": the group follows the account id. */
	colon = lg ? strchr(lg, ':') : NULL;
	r.group = colon ? colon + 1 : lg ? lg : "";
	r.stream = stream ? stream : "";
	return c->q->on_row(c->q->ctx, &r);
}

/* An aggregate row ([{field, value}...]) to the consumer. */
static fa2_err agg_row(const fa2_src_logs_req *q, const cJSON *row)
{
	fa2_tr_kv kv[32];
	const cJSON *f;
	fa2_src_row r;
	size_t n = 0;
	cJSON_ArrayForEach(f, row) {
		const char *name = fa2_json_str(f, "field");
		if (!name || name[0] == '@' || n >= sizeof kv / sizeof kv[0])
			continue; /* @ptr and the like */
		kv[n].name = name;
		kv[n].value = fa2_json_str(f, "value") ? fa2_json_str(f, "value") : "";
		n++;
	}
	memset(&r, 0, sizeof r);
	r.t_ms = FA2_LOGS_NO_TIME;
	r.group = r.stream = "";
	r.fields = kv;
	r.n_fields = n;
	return n ? q->on_row(q->ctx, &r) : FA2_OK;
}

static int is_code(const fa2_logs_result *r, const char *code)
{
	return r->oc.stage == FA2_AWS_STAGE_CALL && r->oc.err.err == FA2_ERR_AWS && strcmp(r->oc.err.code, code) == 0;
}

static void copy_ranges(fa2_src_logs_res *res, const fa2_logs_coverage *cov)
{
	size_t i;
	for (i = 0; i < cov->n_ranges && res->n_ranges < FA2_SRC_MAX_RANGES; i++)
		res->ranges[res->n_ranges++] = cov->ranges[i];
}

static fa2_err live_logs(fa2_source *s, const fa2_tool_env *env, const fa2_src_logs_req *q, fa2_src_logs_res *res,
			 fa2_buf *out)
{
	const char *groups[FA2_LOGS_MAX_GROUPS];
	size_t n_groups = 0, i, want;
	fa2_logs_composed info;
	fa2_logs_result fail;
	fa2_buf stages, text;
	live_rows lr;
	char msg[400];
	int attempt;
	int64_t deadline = deadline_of(env);
	fa2_err e;

	if (!s->aws)
		return no_aws(s, env, out);
	memset(&fail, 0, sizeof fail);
	fa2_buf_init(&stages, 4u * FA2_LOGS_MAX_QUERY);
	fa2_buf_init(&text, 4u * FA2_LOGS_MAX_QUERY + 64);
	for (i = 0; i < q->n_groups && i < FA2_LOGS_MAX_GROUPS; i++)
		groups[n_groups++] = q->groups[i];
	e = fa2_logs_compose(s->cfg ? s->cfg->insight_query : NULL, q->filter, &stages, &info, msg, sizeof msg);
	if (e) {
		(void)fa2_buf_appendf(out, "logs_tool: %s\n", fa2_err_str(e));
		goto cleanup;
	}
	res->aggregate = info.aggregate;
	res->query_limit = info.base_limit;
	want = q->limit;
	if (info.base_limit > 0 && (!want || (size_t)info.base_limit < want))
		want = (size_t)info.base_limit;
	lr.q = q;
	for (attempt = 0; attempt < 2; attempt++) {
		fa2_buf_reset(&text);
		fa2_buf_reset(res->query);
		if (info.aggregate) {
			fa2_logs_query lq;
			fa2_logs_result r;
			const cJSON *row;
			e = fa2_buf_append(&text, stages.data, stages.len);
			if (!e && want)
				e = fa2_buf_appendf(&text, " | limit %zu", want);
			if (!e)
				e = fa2_buf_append(res->query, text.data, text.len);
			if (e)
				goto cleanup;
			memset(&lq, 0, sizeof lq);
			lq.groups = groups;
			lq.n_groups = n_groups;
			lq.query = text.data;
			lq.start_s = env->from_ms / 1000;
			lq.end_s = env->to_ms / 1000 + 1;
			lq.poll_ms = 500;
			lq.deadline_mono_ms = deadline;
			res->n_queries++;
			e = fa2_logs_run(s->aws, &lq, &r);
			if (!e) {
				cJSON_ArrayForEach(row, r.rows) {
					if ((e = agg_row(q, row)) != FA2_OK)
						break;
					res->rows++;
				}
				fa2_logs_result_cleanup(&r);
			} else {
				fa2_logs_result_cleanup(&fail);
				fail = r;
			}
		} else {
			fa2_logs_read rd;
			fa2_logs_coverage cov;
			e = fa2_buf_appendf(res->query, "%s | sort @timestamp desc | limit %zu", stages.data,
					    want && want < FA2_LOGS_ROW_CAP ? want : (size_t)FA2_LOGS_ROW_CAP);
			if (e)
				goto cleanup;
			memset(&rd, 0, sizeof rd);
			rd.groups = groups;
			rd.n_groups = n_groups;
			rd.stages = stages.data;
			rd.from_ms = env->from_ms;
			rd.to_ms = env->to_ms;
			rd.max_queries = LIVE_LOG_QUERIES;
			rd.want_rows = want;
			rd.poll_ms = 500;
			rd.deadline_mono_ms = deadline;
			rd.on_row = live_row;
			rd.ctx = &lr;
			fa2_logs_result_cleanup(&fail);
			e = fa2_logs_read_all(s->aws, &rd, &cov, &fail);
			res->n_queries += cov.queries;
			res->rows += cov.rows;
			if (!e) {
				res->estimated = cov.estimated;
				res->partial = cov.partial;
				res->budget_hit = cov.budget_hit;
				res->limited = cov.limited;
				copy_ranges(res, &cov);
			}
		}
		if (!e || attempt > 0 || !is_code(&fail, "ResourceNotFoundException") || n_groups == 0)
			break;
		/* A log group that does not exist fails the whole query: find it, skip it. */
		{
			int missing[FA2_LOGS_MAX_GROUPS];
			size_t k = 0;
			fa2_aws_outcome oc;
			if (fa2_logs_find_missing(s->aws, groups, n_groups, deadline, missing, &oc) != FA2_OK)
				break;
			for (i = 0; i < n_groups; i++) {
				if (missing[i])
					res->missing[res->n_missing++] = groups[i];
				else
					groups[k++] = groups[i];
			}
			if (k == n_groups)
				break; /* none is missing: not what failed */
			n_groups = k;
			if (n_groups == 0) {
				(void)fa2_buf_append_cstr(out, FA2_T(env, "none of the log groups exists:", "どのロググループも存在しません:"));
				for (i = 0; i < res->n_missing; i++)
					(void)fa2_buf_appendf(out, "%s%s", i ? ", " : " ", res->missing[i]);
				(void)fa2_buf_append_byte(out, '\n');
				e = FA2_ERR_NOT_FOUND;
				goto cleanup;
			}
			res->rows = 0;
		}
	}
	if (e) {
		if (is_code(&fail, "MalformedQueryException") || is_code(&fail, "InvalidParameterException")) {
			res->malformed = 1;
			snprintf(res->code, sizeof res->code, "%s", fail.oc.err.code);
			snprintf(res->message, sizeof res->message, "%s", fail.oc.err.message);
			e = FA2_ERR_INVALID;
		} else if (fail.op) {
			fa2_tools_aws_failure(env, "logs", fail.op, e, &fail.oc, out);
		} else {
			char line[400];
			fa2_logs_result_line(&fail, e, line, sizeof line);
			(void)fa2_buf_appendf(out, "%s\n", line);
			if (e == FA2_ERR_TIMEOUT)
				(void)fa2_buf_append_cstr(out, FA2_T(env, "the query did not finish in time and was stopped; "
								     "narrow the window or the filter\n",
								     "クエリが時間内に終わらなかったため停止しました。期間か filter を絞ってください\n"));
		}
		goto cleanup;
	}
	/* The budget ended the reading: the unread parts once more, error-like lines only. */
	if (res->partial && res->budget_hit && !want) {
		fa2_buf_reset(&text);
		if (fa2_buf_appendf(&text, "%s | filter %s", stages.data, ERRORISH) == FA2_OK) {
			size_t n_ranges = res->n_ranges;
			for (i = 0; i < n_ranges && i < LIVE_ERROR_RANGES; i++) {
				fa2_logs_read rd;
				fa2_logs_coverage cov;
				fa2_logs_result f2;
				memset(&rd, 0, sizeof rd);
				rd.groups = groups;
				rd.n_groups = n_groups;
				rd.stages = text.data;
				rd.from_ms = res->ranges[i].from_ms;
				rd.to_ms = res->ranges[i].to_ms;
				rd.max_queries = LIVE_ERROR_QUERIES;
				rd.poll_ms = 500;
				rd.deadline_mono_ms = deadline;
				rd.on_row = live_row;
				rd.ctx = &lr;
				if (fa2_logs_read_all(s->aws, &rd, &cov, &f2) == FA2_OK)
					res->error_rows += cov.rows;
				fa2_logs_result_cleanup(&f2);
				res->n_queries += cov.queries;
				res->rows += cov.rows;
			}
		}
	}
	e = FA2_OK;
cleanup:
	fa2_logs_result_cleanup(&fail);
	fa2_buf_cleanup(&stages);
	fa2_buf_cleanup(&text);
	return e;
}

/* ---- metrics ---- */

static fa2_err live_metrics(fa2_source *s, const fa2_tool_env *env, const fa2_src_metrics_req *q, fa2_src_metrics *r,
			    fa2_buf *out)
{
	cJSON *req = cJSON_CreateObject();
	const cJSON *d, *m;
	fa2_cw_query *qs = NULL;
	fa2_cw_series *ser = NULL;
	fa2_aws_outcome oc;
	size_t n, i;
	fa2_err e = FA2_ERR_NOMEM;

	if (!s->aws) {
		cJSON_Delete(req);
		return no_aws(s, env, out);
	}
	r->metrics = cJSON_CreateArray();
	if (!req || !r->metrics || (q->ns && *q->ns && !cJSON_AddStringToObject(req, "Namespace", q->ns)) ||
	    (q->name && *q->name && !cJSON_AddStringToObject(req, "MetricName", q->name)) ||
	    (q->recently_active && !cJSON_AddStringToObject(req, "RecentlyActive", q->recently_active)))
		goto cleanup;
	if (cJSON_IsArray(q->dims) && cJSON_GetArraySize(q->dims) > 0) {
		cJSON *df = cJSON_AddArrayToObject(req, "Dimensions");
		if (!df)
			goto cleanup;
		cJSON_ArrayForEach(d, q->dims) {
			const char *dn = fa2_json_str(d, "name"), *dv = fa2_json_str(d, "value");
			cJSON *o;
			if (!dn)
				continue;
			o = cJSON_CreateObject();
			if (!o)
				goto cleanup;
			if (!cJSON_AddItemToArray(df, o)) {
				cJSON_Delete(o);
				goto cleanup;
			}
			if (!cJSON_AddStringToObject(o, "Name", dn) || (dv && !cJSON_AddStringToObject(o, "Value", dv)))
				goto cleanup;
		}
	}
	e = fa2_cw_list_metrics(s->aws, req, !(q->ns && *q->ns), q->max_series, deadline_of(env), r->metrics,
				&r->truncated, &oc);
	if (e) {
		fa2_tools_aws_failure(env, "monitoring", "ListMetrics", e, &oc, out);
		goto cleanup;
	}
	n = (size_t)cJSON_GetArraySize(r->metrics);
	r->period_s = fa2_cw_period(env->to_ms - env->from_ms);
	r->stat = "Average";
	if (n == 0)
		goto cleanup;
	e = FA2_ERR_NOMEM;
	qs = fa2_calloc(n, sizeof *qs);
	ser = fa2_calloc(n, sizeof *ser);
	r->ss = fa2_calloc(n, sizeof *r->ss);
	if (!qs || !ser || !r->ss)
		goto cleanup;
	i = 0;
	cJSON_ArrayForEach(m, r->metrics)
		qs[i++].metric = m;
	{
		fa2_cw_fetch f;
		memset(&f, 0, sizeof f);
		f.queries = qs;
		f.n = n;
		f.from_ms = env->from_ms;
		f.to_ms = env->to_ms;
		f.period_s = r->period_s;
		f.deadline_mono_ms = deadline_of(env);
		e = fa2_cw_get_metric_data(s->aws, &f, ser, &oc);
		if (e) {
			fa2_tools_aws_failure(env, "monitoring", "GetMetricData", e, &oc, out);
			goto cleanup;
		}
	}
	i = 0;
	cJSON_ArrayForEach(m, r->metrics) {
		r->ss[i].metric = (cJSON *)m;
		r->ss[i].t = ser[i].t_ms;
		r->ss[i].v = ser[i].v;
		r->ss[i].n = ser[i].n;
		r->ss[i].cap = ser[i].cap;
		memset(&ser[i], 0, sizeof ser[i]);
		i++;
	}
	r->n = n;
cleanup:
	for (i = 0; ser && i < (size_t)cJSON_GetArraySize(r->metrics); i++)
		fa2_cw_series_cleanup(&ser[i]);
	fa2_free(ser);
	fa2_free(qs);
	cJSON_Delete(req);
	return e;
}

/* ---- CloudTrail ---- */

static fa2_err ct_page(void *ctx, const cJSON *request, fa2_slice reply, size_t n)
{
	fa2_src_events *r = ctx;
	(void)request;
	(void)n;
	return fa2_tr_parse_events(&r->own, reply);
}

static fa2_err live_events(fa2_source *s, const fa2_tool_env *env, const fa2_src_events_req *q, fa2_src_events *r,
			   fa2_buf *out)
{
	static const char *const keys[] = { "EventName", "EventSource", "ResourceName", "Username" };
	const char *vals[4];
	fa2_ct_lookup lk;
	fa2_ct_stats st;
	fa2_aws_outcome oc;
	const char *key = NULL, *value = NULL;
	int64_t pace_clock = 0;
	size_t i;
	fa2_err e;

	if (!s->aws)
		return no_aws(s, env, out);
	vals[0] = q->event_name;
	vals[1] = q->event_source;
	vals[2] = q->resource_name;
	vals[3] = q->user_name;
	for (i = 0; i < 4 && !key; i++) {
		if (vals[i] && *vals[i]) {
			key = keys[i];
			value = vals[i];
		}
	}
	memset(&lk, 0, sizeof lk);
	lk.from_ms = env->from_ms;
	lk.to_ms = env->to_ms;
	lk.pace_clock = &pace_clock; /* both passes share the rate */
	lk.deadline_mono_ms = deadline_of(env);
	lk.on_page = ct_page;
	lk.ctx = r;
	if (key) {
		lk.attr_key = key;
		lk.attr_value = value;
		lk.max_pages = LIVE_ATTR_PAGES;
		e = fa2_ct_lookup_events(s->aws, &lk, &st, &oc);
		r->pages = st.pages;
		r->more = st.more;
		snprintf(r->how, sizeof r->how, "LookupEvents %s=%s: %zu events in %zu pages%s", key, value, st.events,
			 st.pages, st.more ? FA2_T(env, ", more exist", "、続きあり") : "");
	} else {
		fa2_ct_stats rs;
		memset(&rs, 0, sizeof rs);
		lk.attr_key = "ReadOnly";
		lk.attr_value = "false";
		lk.max_pages = LIVE_WRITE_PAGES;
		e = fa2_ct_lookup_events(s->aws, &lk, &st, &oc);
		r->pages = st.pages;
		r->more = st.more;
		if (!e && !st.more) {
			/* Read-only calls are the bulk: their newest pages, for the errors among them. */
			lk.attr_value = "true";
			lk.max_pages = LIVE_READ_PAGES;
			e = fa2_ct_lookup_events(s->aws, &lk, &rs, &oc);
			r->pages += rs.pages;
		}
		snprintf(r->how, sizeof r->how, FA2_T(env, "LookupEvents: every mutating call of the window%s (%zu); "
						     "read-only calls: the newest %zu%s",
						     "LookupEvents: 期間内の変更系の呼び出し%s（%zu 件）。読み取り系: 新しい %zu 件%s"),
			 st.more ? FA2_T(env, " up to the page budget", "（ページ予算まで）") : "", st.events, rs.events,
			 rs.more ? FA2_T(env, " (more exist)", "（続きあり）") : "");
	}
	if (e) {
		fa2_tools_aws_failure(env, "cloudtrail", "LookupEvents", e, &oc, out);
		return e;
	}
	e = fa2_tr_data_finish(&r->own);
	if (!e)
		e = fa2_src_events_select(env, q, &r->own, r);
	return e;
}

/* ---- X-Ray ---- */

static fa2_err xray_page(void *ctx, const cJSON *request, fa2_slice reply, size_t n)
{
	fa2_src_traces *r = ctx;
	(void)request;
	(void)n;
	return fa2_tr_parse_traces(&r->own, reply);
}

static fa2_err live_traces(fa2_source *s, const fa2_tool_env *env, const char *filter, size_t max,
			   fa2_src_traces *r, fa2_buf *out)
{
	fa2_xray_summaries q;
	fa2_xray_stats st;
	fa2_aws_outcome oc;
	size_t i;
	fa2_err e;

	if (!s->aws)
		return no_aws(s, env, out);
	memset(&q, 0, sizeof q);
	q.from_ms = env->from_ms;
	q.to_ms = env->to_ms;
	q.filter = filter;
	q.max_pages = LIVE_TRACE_PAGES;
	q.deadline_mono_ms = deadline_of(env);
	q.on_page = xray_page;
	q.ctx = r;
	e = fa2_xray_trace_summaries(s->aws, &q, &st, &oc);
	if (e) {
		fa2_tools_aws_failure(env, "xray", "GetTraceSummaries", e, &oc, out);
		return e;
	}
	r->more = st.more;
	if ((e = fa2_tr_data_finish(&r->own)))
		return e;
	r->v = r->own.n_traces ? fa2_calloc(r->own.n_traces, sizeof *r->v) : NULL;
	if (r->own.n_traces && !r->v)
		return FA2_ERR_NOMEM;
	for (i = 0; i < r->own.n_traces && r->n < max; i++)
		r->v[r->n++] = &r->own.traces[i];
	return FA2_OK;
}

#define XRAY_CAUSES 20u

/* Walks a segment or subsegment for fault/error entries with causes. */
static void walk(const fa2_tool_env *env, const cJSON *seg, const char *service, fa2_buf *out, unsigned *n, int depth)
{
	const cJSON *sub, *ex;
	int fault = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(seg, "fault"));
	int error = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(seg, "error"));
	const char *name = fa2_json_str(seg, "name");
	if (depth > 16 || *n >= XRAY_CAUSES)
		return;
	if (fault || error) {
		const cJSON *cause = cJSON_GetObjectItemCaseSensitive(seg, "cause");
		int any = 0;
		cJSON_ArrayForEach(ex, cJSON_GetObjectItemCaseSensitive(cause, "exceptions")) {
			if (*n >= XRAY_CAUSES)
				break;
			(void)fa2_buf_appendf(out, "  %s %s/%s: %.100s: %.300s\n", fault ? "FAULT" : "ERROR", service,
					      name ? name : "?", fa2_json_str(ex, "type") ? fa2_json_str(ex, "type") : "",
					      fa2_json_str(ex, "message") ? fa2_json_str(ex, "message") : "");
			(*n)++;
			any = 1;
		}
		if (!any && !cJSON_GetObjectItemCaseSensitive(seg, "subsegments")) {
			double st = 0;
			const cJSON *http = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(seg, "http"), "response");
			fa2_json_num(http, "status", &st);
			(void)fa2_buf_appendf(out, "  %s %s/%s", fault ? "FAULT" : "ERROR", service, name ? name : "?");
			if (st > 0)
				(void)fa2_buf_appendf(out, " HTTP %d", (int)st);
			(void)fa2_buf_append_byte(out, '\n');
			(*n)++;
		}
	}
	cJSON_ArrayForEach(sub, cJSON_GetObjectItemCaseSensitive(seg, "subsegments"))
		walk(env, sub, service, out, n, depth + 1);
	(void)env;
}

static fa2_err live_trace_details(fa2_source *s, const fa2_tool_env *env, const char *const *ids, size_t n,
				  fa2_buf *out, unsigned *causes)
{
	cJSON *rep = NULL;
	const cJSON *t, *seg;
	fa2_aws_outcome oc;
	fa2_err e;
	if (!s->aws || n == 0)
		return FA2_OK;
	e = fa2_xray_batch_get_traces(s->aws, ids, n, deadline_of(env), &rep, &oc);
	if (e) {
		fa2_tools_aws_failure(env, "xray", "BatchGetTraces", e, &oc, out);
		return e;
	}
	(void)fa2_buf_appendf(out, FA2_T(env, "fault details of %zu traces (BatchGetTraces):\n",
					 "フォールトのあるトレース %zu 件の詳細 (BatchGetTraces):\n"), n);
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(rep, "Traces")) {
		cJSON_ArrayForEach(seg, cJSON_GetObjectItemCaseSensitive(t, "Segments")) {
			const char *doc = fa2_json_str(seg, "Document");
			cJSON *d = doc ? fa2_json_parse(fa2_slice_cstr(doc), NULL) : NULL;
			if (d)
				walk(env, d, fa2_json_str(d, "name") ? fa2_json_str(d, "name") : "?", out, causes, 0);
			cJSON_Delete(d);
		}
	}
	cJSON_Delete(rep);
	return FA2_OK;
}

/* ---- knowledge ---- */

static const char *location_uri(const cJSON *loc)
{
	static const char *const kinds[][2] = { { "s3Location", "uri" }, { "webLocation", "url" },
						{ "confluenceLocation", "url" }, { "sharePointLocation", "url" },
						{ "salesforceLocation", "url" } };
	size_t i;
	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		const char *u = fa2_json_str(cJSON_GetObjectItemCaseSensitive(loc, kinds[i][0]), kinds[i][1]);
		if (u)
			return u;
	}
	return fa2_json_str(loc, "type") ? fa2_json_str(loc, "type") : "?";
}

static fa2_err bedrock_kb(fa2_source *s, const fa2_tool_env *env, const char *query, size_t n, fa2_buf *out, int *shown)
{
	const fa2_config *cfg = s->cfg;
	fa2_tool_env e2;
	cJSON *req = cJSON_CreateObject(), *rep = NULL, *vs, *r;
	fa2_err e = FA2_ERR_NOMEM;

	fa2_source_env(s, env, &e2);
	if (!req || !cJSON_AddStringToObject(req, "knowledgeBaseId", cfg->knowledge_base_id))
		goto cleanup;
	r = cJSON_AddObjectToObject(req, "retrievalQuery");
	if (!r || !cJSON_AddStringToObject(r, "text", query))
		goto cleanup;
	r = cJSON_AddObjectToObject(req, "retrievalConfiguration");
	vs = r ? cJSON_AddObjectToObject(r, "vectorSearchConfiguration") : NULL;
	if (!vs || !cJSON_AddNumberToObject(vs, "numberOfResults", (double)n))
		goto cleanup;
	if (cfg->rerank_model_id && *cfg->rerank_model_id) {
		char arn[512];
		cJSON *rr, *br, *mc;
		if (strncmp(cfg->rerank_model_id, "arn:", 4) == 0)
			snprintf(arn, sizeof arn, "%s", cfg->rerank_model_id);
		else
			snprintf(arn, sizeof arn, "arn:aws:bedrock:%s::foundation-model/%s",
				 s->aws ? s->aws->region : "us-east-1", cfg->rerank_model_id);
		rr = cJSON_AddObjectToObject(vs, "rerankingConfiguration");
		if (!rr || !cJSON_AddStringToObject(rr, "type", "BEDROCK_RERANKING_MODEL"))
			goto cleanup;
		br = cJSON_AddObjectToObject(rr, "bedrockRerankingConfiguration");
		mc = br ? cJSON_AddObjectToObject(br, "modelConfiguration") : NULL;
		if (!mc || !cJSON_AddStringToObject(mc, "modelArn", arn) ||
		    !cJSON_AddNumberToObject(br, "numberOfRerankedResults", (double)n))
			goto cleanup;
	}
	if (!s->aws) {
		e = no_aws(s, env, out);
		goto cleanup;
	}
	e = fa2_tools_aws_call(&e2, "bedrock-agent-runtime", "Retrieve", req, &rep, out, NULL);
	if (e)
		goto cleanup;
	(void)fa2_buf_appendf(out, FA2_T(env, "knowledge base %s, query \"%s\":\n", "ナレッジベース %s、クエリ「%s」:\n"),
			      cfg->knowledge_base_id, query);
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(rep, "retrievalResults")) {
		const char *text = fa2_json_str(cJSON_GetObjectItemCaseSensitive(r, "content"), "text");
		double score = 0;
		size_t len = text ? strlen(text) : 0;
		fa2_json_num(r, "score", &score);
		(void)fa2_buf_appendf(out, "\n%d. score %.3f  %s\n", ++*shown, score,
				      location_uri(cJSON_GetObjectItemCaseSensitive(r, "location")));
		(void)fa2_tools_append_cut(out, text ? text : "", len, KB_TEXT_MAX);
		(void)fa2_buf_append_byte(out, '\n');
	}
	e = FA2_OK;
cleanup:
	cJSON_Delete(req);
	cJSON_Delete(rep);
	return e;
}

static fa2_err live_kb(fa2_source *s, const fa2_tool_env *env, const char *query, size_t n, fa2_buf *out, int *shown)
{
	fa2_err e = FA2_ERR_UNSUPPORTED;
	if (s->cfg && s->cfg->knowledge_base && s->cfg->knowledge_base_id)
		e = bedrock_kb(s, env, query, n, out, shown);
	if (s->runbooks) {
		int before = *shown;
		(void)fa2_buf_appendf(out, FA2_T(env, "%srunbooks (%s, %zu files), query \"%s\":\n",
						 "%sランブック (%s、%zu 件)、クエリ「%s」:\n"),
				      out->len ? "\n" : "", s->runbooks->dir, s->runbooks->n_docs, query);
		if (fa2_runbooks_search(s->runbooks, query, n, out, shown) == FA2_ERR_NOMEM)
			return FA2_ERR_NOMEM;
		if (e == FA2_ERR_UNSUPPORTED || *shown > before)
			e = FA2_OK; /* the runbooks answered (even if Retrieve failed) */
	}
	return e;
}

const fa2_source_ops fa2_source_live_ops = {
	live_offers, live_groups, live_logs, live_metrics, live_events, live_traces, live_trace_details, live_kb, NULL
};
