/* CloudWatch Logs Insights queries and the range reader (see logs.h). */
#include "aws/logs.h"

#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/time.h"

#define LOGS_DEFAULT_POLL_MS   1000
#define LOGS_DEFAULT_BUDGET    16u
#define LOGS_STOP_MS           5000   /* StopQuery after a deadline */
#define LOGS_MIN_QUERY_MS      3000   /* do not start a query with less time left */
#define LOGS_QUERY_BYTES       16384u

int64_t fa2_logs_parse_ts(const char *s)
{
	uint64_t ms;
	int64_t out;
	size_t n;
	char iso[40];
	if (!s || !*s)
		return FA2_LOGS_NO_TIME;
	n = strlen(s);
	if (fa2_parse_u64(fa2_slice_make(s, n), &ms) == FA2_OK && ms < 100000000000000ull)
		return (int64_t)ms;
	if (n < 19 || n + 2 > sizeof iso)
		return FA2_LOGS_NO_TIME;
	memcpy(iso, s, n);
	if (iso[10] == ' ')
		iso[10] = 'T';
	iso[n] = 'Z';
	iso[n + 1] = '\0';
	if (fa2_time_parse(fa2_slice_make(iso, n + 1), 0, 0, &out) != FA2_OK)
		return FA2_LOGS_NO_TIME;
	return out;
}

const char *fa2_logs_row_field(const cJSON *row, const char *name)
{
	const cJSON *f;
	cJSON_ArrayForEach(f, row) {
		const char *n = fa2_json_str(f, "field");
		if (n && strcmp(n, name) == 0)
			return fa2_json_str(f, "value");
	}
	return NULL;
}

void fa2_logs_result_cleanup(fa2_logs_result *r)
{
	if (!r)
		return;
	cJSON_Delete(r->reply);
	memset(r, 0, sizeof *r);
	r->matched = -1;
}

void fa2_logs_result_line(const fa2_logs_result *r, fa2_err e, char *line, size_t cap)
{
	if (r->op) {
		fa2_aws_outcome_line("logs", r->op, e, &r->oc, line, cap);
		return;
	}
	if (r->status[0] && strcmp(r->status, "Complete") != 0) {
		snprintf(line, cap, "logs query %s ended %s", r->query_id[0] ? r->query_id : "?", r->status);
		return;
	}
	snprintf(line, cap, "logs query: %s", fa2_err_str(e));
}

static int terminal(const char *status)
{
	static const char *const done[] = { "Complete", "Failed", "Cancelled", "Timeout", "Unknown" };
	size_t i;
	for (i = 0; status && i < sizeof done / sizeof done[0]; i++)
		if (strcmp(status, done[i]) == 0)
			return 1;
	return 0;
}

static void stop_query(fa2_aws_client *c, const char *query_id)
{
	cJSON *in = cJSON_CreateObject(), *rep = NULL;
	if (in && cJSON_AddStringToObject(in, "queryId", query_id))
		(void)fa2_aws_do(c, "logs", "StopQuery", in, fa2_time_mono_ms() + LOGS_STOP_MS, &rep, NULL);
	cJSON_Delete(in);
	cJSON_Delete(rep);
}

fa2_err fa2_logs_run(fa2_aws_client *c, const fa2_logs_query *q, fa2_logs_result *r)
{
	cJSON *in = NULL, *groups, *rep = NULL;
	int64_t deadline = q->deadline_mono_ms ? q->deadline_mono_ms : fa2_time_mono_ms() + 60000;
	int64_t poll = q->poll_ms > 0 ? q->poll_ms : LOGS_DEFAULT_POLL_MS;
	const char *id;
	size_t i;
	fa2_err e = FA2_ERR_NOMEM;

	memset(r, 0, sizeof *r);
	r->matched = -1;
	in = cJSON_CreateObject();
	groups = in ? cJSON_AddArrayToObject(in, "logGroupNames") : NULL;
	if (!groups)
		goto cleanup;
	for (i = 0; i < q->n_groups; i++)
		if (!cJSON_AddItemToArray(groups, cJSON_CreateString(q->groups[i])))
			goto cleanup;
	if (!cJSON_AddNumberToObject(in, "startTime", (double)q->start_s) ||
	    !cJSON_AddNumberToObject(in, "endTime", (double)q->end_s) ||
	    !cJSON_AddStringToObject(in, "queryString", q->query) ||
	    (q->limit > 0 && !cJSON_AddNumberToObject(in, "limit", (double)q->limit)))
		goto cleanup;
	e = fa2_aws_do(c, "logs", "StartQuery", in, deadline, &rep, &r->oc);
	if (e) {
		r->op = "StartQuery";
		goto cleanup;
	}
	id = fa2_json_str(rep, "queryId");
	if (!id || !*id || strlen(id) >= sizeof r->query_id) {
		r->op = "StartQuery";
		r->oc.stage = FA2_AWS_STAGE_REPLY;
		e = FA2_ERR_PARSE;
		goto cleanup;
	}
	memcpy(r->query_id, id, strlen(id) + 1);
	cJSON_Delete(rep);
	rep = NULL;
	cJSON_Delete(in);
	in = cJSON_CreateObject();
	if (!in || !cJSON_AddStringToObject(in, "queryId", r->query_id)) {
		e = FA2_ERR_NOMEM;
		goto stop;
	}
	for (;;) {
		const char *status;
		e = fa2_aws_do(c, "logs", "GetQueryResults", in, deadline, &rep, &r->oc);
		if (e) {
			r->op = "GetQueryResults";
			goto stop;
		}
		status = fa2_json_str(rep, "status");
		if (terminal(status)) {
			snprintf(r->status, sizeof r->status, "%s", status);
			break;
		}
		cJSON_Delete(rep);
		rep = NULL;
		if (fa2_time_mono_ms() + poll >= deadline) {
			e = FA2_ERR_TIMEOUT;
			goto stop;
		}
		fa2_time_sleep_ms(poll);
	}
	r->reply = rep;
	rep = NULL;
	r->rows = cJSON_GetObjectItemCaseSensitive(r->reply, "results");
	r->n_rows = cJSON_IsArray(r->rows) ? (size_t)cJSON_GetArraySize(r->rows) : 0;
	{
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(r->reply, "statistics");
		double m;
		if (fa2_json_num(st, "recordsMatched", &m) && m >= 0 && m < 1e15)
			r->matched = m;
	}
	e = strcmp(r->status, "Complete") == 0 ? FA2_OK : FA2_ERR_AWS;
	goto cleanup;
stop:
	/* Deadline or a failed poll: do not leave the query running. */
	stop_query(c, r->query_id);
cleanup:
	cJSON_Delete(in);
	cJSON_Delete(rep);
	return e;
}

/* ---- the range reader ---- */

static void add_range(fa2_logs_coverage *cov, int64_t from_ms, int64_t to_ms, double missing)
{
	cov->partial = 1;
	if (cov->n_ranges >= FA2_LOGS_MAX_PARTIAL) {
		cov->n_ranges_dropped++;
		return;
	}
	cov->ranges[cov->n_ranges].from_ms = from_ms;
	cov->ranges[cov->n_ranges].to_ms = to_ms;
	cov->ranges[cov->n_ranges].missing = missing;
	cov->n_ranges++;
}

/* floor(ms / 1000) for any sign. */
static int64_t floor_s(int64_t ms)
{
	return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

fa2_err fa2_logs_read_all(fa2_aws_client *c, const fa2_logs_read *rd, fa2_logs_coverage *cov,
			  fa2_logs_result *failed)
{
	fa2_buf qtext;
	fa2_logs_result r;
	size_t budget = rd->max_queries ? rd->max_queries : LOGS_DEFAULT_BUDGET;
	int64_t lo = rd->from_ms, hi = rd->to_ms;
	double remaining = -1;   /* rows the last capped query left for [lo, hi]; -1 unknown */
	int first = 1;
	fa2_err e = FA2_OK;

	memset(cov, 0, sizeof *cov);
	cov->estimated = -1;
	memset(&r, 0, sizeof r);
	if (failed) {
		memset(failed, 0, sizeof *failed);
		failed->matched = -1;
	}
	fa2_buf_init(&qtext, LOGS_QUERY_BYTES);
	while (hi >= lo) {
		fa2_logs_query q;
		const cJSON *row;
		int64_t t_min = INT64_MAX, cut;
		size_t limit = FA2_LOGS_ROW_CAP, kept = 0;
		int capped, asked_limit = 0;

		if (rd->want_rows) {
			if (cov->rows >= rd->want_rows) {
				cov->limited = 1;
				break;
			}
			if (rd->want_rows - cov->rows < limit) {
				limit = rd->want_rows - cov->rows;
				asked_limit = 1;
			}
		}
		if (cov->queries >= budget ||
		    (rd->deadline_mono_ms && fa2_time_mono_ms() + LOGS_MIN_QUERY_MS >= rd->deadline_mono_ms)) {
			cov->budget_hit = 1;
			add_range(cov, lo, hi, remaining);
			break;
		}
		fa2_buf_reset(&qtext);
		e = fa2_buf_appendf(&qtext, "%s | sort @timestamp desc | limit %zu",
				    rd->stages && *rd->stages ? rd->stages : "fields @timestamp, @message, @logStream, @log",
				    limit);
		if (e)
			goto cleanup;
		memset(&q, 0, sizeof q);
		q.groups = rd->groups;
		q.n_groups = rd->n_groups;
		q.query = qtext.data;
		q.start_s = floor_s(lo);
		q.end_s = floor_s(hi) + 1;   /* covers hi whether endTime counts as inclusive or not */
		q.limit = (long)limit;
		q.poll_ms = rd->poll_ms;
		q.deadline_mono_ms = rd->deadline_mono_ms;
		if (rd->query_timeout_ms > 0) {
			int64_t qd = fa2_time_mono_ms() + rd->query_timeout_ms;
			if (!q.deadline_mono_ms || qd < q.deadline_mono_ms)
				q.deadline_mono_ms = qd;
		}
		cov->queries++;
		e = fa2_logs_run(c, &q, &r);
		if (e == FA2_ERR_TIMEOUT && cov->queries > 1 && rd->deadline_mono_ms &&
		    q.deadline_mono_ms == rd->deadline_mono_ms) {
			/* The reading's own deadline: what was read stands, the rest is partial. */
			fa2_logs_result_cleanup(&r);
			cov->budget_hit = 1;
			add_range(cov, lo, hi, remaining);
			e = FA2_OK;
			break;
		}
		if (e) {
			add_range(cov, lo, hi, remaining);
			if (failed) {
				*failed = r;
				memset(&r, 0, sizeof r);
			}
			goto cleanup;
		}
		if (first && r.matched >= 0)
			cov->estimated = r.matched;
		first = 0;
		cJSON_ArrayForEach(row, r.rows) {
			int64_t t = fa2_logs_parse_ts(fa2_logs_row_field(row, "@timestamp"));
			if (t != FA2_LOGS_NO_TIME && t >= lo && t <= hi && t < t_min)
				t_min = t;
		}
		capped = r.n_rows >= limit || (r.matched >= 0 && r.matched > (double)r.n_rows);
		if (asked_limit && capped) {
			/* Only as many rows as asked for: the newest ones are what was wanted. */
			capped = 0;
			cov->limited = 1;
		}
		if (!capped) {
			cut = lo - 1;          /* every row in [lo, hi] */
		} else if (t_min == INT64_MAX) {
			/* Capped, and no row says when it happened: nothing to split at. */
			cut = lo - 1;
			add_range(cov, lo, hi, r.matched >= 0 ? r.matched - (double)r.n_rows : -1);
		} else if (t_min < hi) {
			cut = t_min;           /* rows in (t_min, hi] are complete */
		} else {
			/* The newest millisecond alone fills the cap: keep what came, record the
			 * rest of that millisecond as partial, and go on below it. */
			cut = hi - 1;
			add_range(cov, hi, hi, r.matched >= 0 ? r.matched - (double)r.n_rows : -1);
		}
		cJSON_ArrayForEach(row, r.rows) {
			int64_t t = fa2_logs_parse_ts(fa2_logs_row_field(row, "@timestamp"));
			if (t == FA2_LOGS_NO_TIME ? capped : (t <= cut || t > hi))
				continue;
			kept++;
			if (rd->on_row && (e = rd->on_row(rd->ctx, row, t)) != FA2_OK)
				goto cleanup;
		}
		cov->rows += kept;
		if (rd->on_done && (e = rd->on_done(rd->ctx, &q, cut + 1, hi, kept, &r)) != FA2_OK)
			goto cleanup;
		remaining = r.matched >= 0 ? r.matched - (double)kept : -1;
		fa2_logs_result_cleanup(&r);
		if (cut < lo)
			break;
		hi = cut;
	}
	if (!cov->partial)
		cov->estimated = (double)cov->rows; /* read in full: the count is exact */
cleanup:
	fa2_logs_result_cleanup(&r);
	fa2_buf_cleanup(&qtext);
	return e;
}

fa2_err fa2_logs_find_missing(fa2_aws_client *c, const char *const *groups, size_t n, int64_t deadline_mono_ms,
			      int *missing, fa2_aws_outcome *oc)
{
	size_t i;
	fa2_err e = FA2_OK;
	for (i = 0; i < n; i++)
		missing[i] = 0;
	for (i = 0; i < n && !e; i++) {
		cJSON *in = cJSON_CreateObject(), *rep = NULL;
		const cJSON *g;
		char token[2048] = "";
		int found = 0, page;
		for (page = 0; page < 10 && !found && !e; page++) {
			cJSON_Delete(in);
			in = cJSON_CreateObject();
			if (!in || !cJSON_AddStringToObject(in, "logGroupNamePrefix", groups[i]) ||
			    (token[0] && !cJSON_AddStringToObject(in, "nextToken", token))) {
				e = FA2_ERR_NOMEM;
				break;
			}
			e = fa2_aws_do(c, "logs", "DescribeLogGroups", in, deadline_mono_ms, &rep, oc);
			if (e)
				break;
			cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(rep, "logGroups")) {
				const char *name = fa2_json_str(g, "logGroupName");
				if (name && strcmp(name, groups[i]) == 0)
					found = 1;
			}
			token[0] = '\0';
			if (fa2_json_str(rep, "nextToken") && strlen(fa2_json_str(rep, "nextToken")) < sizeof token)
				snprintf(token, sizeof token, "%s", fa2_json_str(rep, "nextToken"));
			cJSON_Delete(rep);
			rep = NULL;
			if (!token[0])
				break;
		}
		cJSON_Delete(in);
		cJSON_Delete(rep);
		if (!e)
			missing[i] = !found;
	}
	return e;
}

/* ---- query text ---- */

static const char *const known_cmds[] = { "fields", "display", "filter", "filterindex", "stats", "sort",
					  "limit", "parse", "dedup", "unmask", "pattern", "diff", "anomaly",
					  "unnest", "source", "lookup" };

static int is_word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static fa2_slice trim(fa2_slice s)
{
	while (s.len && (s.ptr[0] == ' ' || s.ptr[0] == '\t' || s.ptr[0] == '\n' || s.ptr[0] == '\r'))
		s.ptr++, s.len--;
	while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t' || s.ptr[s.len - 1] == '\n' ||
			 s.ptr[s.len - 1] == '\r'))
		s.len--;
	return s;
}

/* 1 when a '/' at text[i] opens a regex literal: it follows (spaces aside) the start of
 * the stage, "like", "=~", "(" or ",". Otherwise it divides. */
static int regex_opens(const char *text, size_t stage_start, size_t i)
{
	size_t j = i;
	while (j > stage_start && (text[j - 1] == ' ' || text[j - 1] == '\t'))
		j--;
	if (j == stage_start)
		return 1;
	if (text[j - 1] == '(' || text[j - 1] == ',' || text[j - 1] == '~')
		return 1;
	if (j >= stage_start + 4 && (text[j - 1] | 0x20) == 'e' && (text[j - 2] | 0x20) == 'k' &&
	    (text[j - 3] | 0x20) == 'i' && (text[j - 4] | 0x20) == 'l' &&
	    (j == stage_start + 4 || !is_word_char((unsigned char)text[j - 5])))
		return 1;
	return 0;
}

static void stage_cmd(fa2_logs_stage *st)
{
	size_t i, n = 0;
	char w[16];
	st->cmd[0] = '\0';
	while (n < st->text.len && is_word_char((unsigned char)st->text.ptr[n]))
		n++;
	if (n == 0 || n >= sizeof w || (n < st->text.len && is_word_char((unsigned char)st->text.ptr[n])))
		return;
	/* A command word is followed by a space or ends the stage ("fields" alone). */
	if (n < st->text.len && st->text.ptr[n] != ' ' && st->text.ptr[n] != '\t' && st->text.ptr[n] != '\n')
		return;
	for (i = 0; i < n; i++)
		w[i] = (char)(st->text.ptr[i] | ((st->text.ptr[i] >= 'A' && st->text.ptr[i] <= 'Z') ? 0x20 : 0));
	w[n] = '\0';
	for (i = 0; i < sizeof known_cmds / sizeof known_cmds[0]; i++)
		if (strcmp(w, known_cmds[i]) == 0) {
			memcpy(st->cmd, w, n + 1);
			return;
		}
}

/* Adds the stage text[start, end) (trimmed; empty stages are skipped). */
static fa2_err add_stage(fa2_slice text, size_t start, size_t end, fa2_logs_stage *st, size_t cap, size_t *n)
{
	fa2_slice s = trim(fa2_slice_make(text.ptr + start, end - start));
	if (s.len == 0)
		return FA2_OK; /* "| x", "x |", "a || b" */
	if (*n >= cap)
		return FA2_ERR_TOO_LARGE;
	st[*n].text = s;
	stage_cmd(&st[*n]);
	(*n)++;
	return FA2_OK;
}

fa2_err fa2_logs_split_stages(fa2_slice text, fa2_logs_stage *st, size_t cap, size_t *n)
{
	size_t i, start = 0, depth = 0;
	char quote = 0;
	int in_re = 0;
	fa2_err e;

	*n = 0;
	if (text.len > FA2_LOGS_MAX_QUERY)
		return FA2_ERR_TOO_LARGE;
	for (i = 0; i < text.len; i++) {
		char c = text.ptr[i];
		if (quote || in_re) {
			if (c == '\\')
				i++;
			else if ((quote && c == quote) || (in_re && c == '/'))
				quote = 0, in_re = 0;
			continue;
		}
		if (c == '"' || c == '\'' || c == '`')
			quote = c;
		else if (c == '/' && regex_opens(text.ptr, start, i))
			in_re = 1;
		else if (c == '(' || c == '[' || c == '{')
			depth++;
		else if ((c == ')' || c == ']' || c == '}') && depth)
			depth--;
		else if (c == '|' && depth == 0) {
			if ((e = add_stage(text, start, i, st, cap, n)) != FA2_OK)
				return e;
			start = i + 1;
		}
	}
	if (quote || in_re)
		return FA2_ERR_PARSE;
	return add_stage(text, start, text.len, st, cap, n);
}

/* The argument of "limit N"; -1 when not a number in 1..10000. */
static long limit_arg(const fa2_logs_stage *s)
{
	fa2_slice a = trim(fa2_slice_make(s->text.ptr + 5, s->text.len - 5));
	long long n;
	if (fa2_parse_int_range(a, 1, 10000, &n) != FA2_OK)
		return -1;
	return (long)n;
}

static const char *const std_fields[] = { "@timestamp", "@message", "@logStream", "@log" };

/* Appends "CMD @timestamp, @message, @logStream, @log[, the stage's other items]". */
static fa2_err extend_fields(const fa2_logs_stage *s, fa2_buf *out)
{
	size_t cl = strlen(s->cmd), i, start, depth = 0;
	fa2_slice args = fa2_slice_make(s->text.ptr + cl, s->text.len - cl);
	char quote = 0;
	fa2_err e = fa2_buf_appendf(out, "%s %s, %s, %s, %s", s->cmd, std_fields[0], std_fields[1], std_fields[2],
				    std_fields[3]);
	for (i = 0, start = 0; !e && i <= args.len; i++) {
		char c = i < args.len ? args.ptr[i] : ',';
		if (quote) {
			if (c == '\\')
				i++;
			else if (c == quote)
				quote = 0;
			continue;
		}
		if (c == '"' || c == '\'' || c == '`')
			quote = c;
		else if (c == '(')
			depth++;
		else if (c == ')' && depth)
			depth--;
		else if (c == ',' && depth == 0) {
			fa2_slice it = trim(fa2_slice_make(args.ptr + start, i - start));
			size_t k;
			int dup = 0;
			start = i + 1;
			for (k = 0; k < sizeof std_fields / sizeof std_fields[0]; k++)
				dup |= fa2_slice_eq_cstr(it, std_fields[k]);
			if (it.len && !dup)
				e = fa2_buf_appendf(out, ", %.*s", (int)it.len, it.ptr);
		}
	}
	return e;
}

/* Appends the stages of text (the model's filter when is_filter: a first stage without a
 * command becomes "filter ..."), taking limits and sorts out into info. */
static fa2_err compose_part(const char *text, int is_filter, int *fields_done, fa2_buf *out,
			    fa2_logs_composed *info)
{
	fa2_logs_stage st[FA2_LOGS_MAX_STAGES];
	size_t n, i;
	fa2_err e = fa2_logs_split_stages(fa2_slice_cstr(text), st, FA2_LOGS_MAX_STAGES, &n);
	if (e == FA2_ERR_PARSE || e == FA2_ERR_TOO_LARGE) {
		/* Not for fa2 to judge: the text goes as it is, and the service says what is
		 * wrong with it (logs_tool then has the model repair it). */
		fa2_logs_stage whole;
		whole.text = trim(fa2_slice_cstr(text));
		stage_cmd(&whole);
		info->unsplit = 1;
		e = out->len ? fa2_buf_append_cstr(out, " | ") : FA2_OK;
		if (!e && is_filter && !whole.cmd[0])
			e = fa2_buf_append_cstr(out, "filter ");
		return e ? e : fa2_buf_append(out, whole.text.ptr, whole.text.len);
	}
	if (e)
		return e;
	for (i = 0; i < n && !e; i++) {
		const fa2_logs_stage *s = &st[i];
		if (strcmp(s->cmd, "limit") == 0 && limit_arg(s) > 0) {
			long l = limit_arg(s);
			if (!info->base_limit || l < info->base_limit)
				info->base_limit = l;
			continue;
		}
		if (strcmp(s->cmd, "sort") == 0) {
			info->dropped_sort = 1;
			continue;
		}
		if (strcmp(s->cmd, "stats") == 0)
			info->aggregate = 1;
		if (out->len)
			e = fa2_buf_append_cstr(out, " | ");
		if (e)
			break;
		if (!*fields_done && (strcmp(s->cmd, "fields") == 0 || strcmp(s->cmd, "display") == 0)) {
			*fields_done = strcmp(s->cmd, "display") == 0 ? 2 : 1;
			e = extend_fields(s, out);
		} else if (is_filter && i == 0 && !s->cmd[0]) {
			e = fa2_buf_appendf(out, "filter %.*s", (int)s->text.len, s->text.ptr);
		} else {
			e = fa2_buf_append(out, s->text.ptr, s->text.len);
		}
	}
	return e;
}

fa2_err fa2_logs_compose(const char *base, const char *filter, fa2_buf *out, fa2_logs_composed *info,
			 char *msg, size_t cap)
{
	fa2_buf body;
	int fields_done = 0;
	fa2_err e = FA2_OK;

	memset(info, 0, sizeof *info);
	if (cap)
		msg[0] = '\0';
	fa2_buf_init(&body, 4u * FA2_LOGS_MAX_QUERY);
	if (base && *base)
		e = compose_part(base, 0, &fields_done, &body, info);
	if (!e && filter && *filter)
		e = compose_part(filter, 1, &fields_done, &body, info);
	if (e)
		goto cleanup;
	if (!fields_done)
		e = fa2_buf_appendf(out, "fields %s, %s, %s, %s%s", std_fields[0], std_fields[1], std_fields[2],
				    std_fields[3], body.len ? " | " : "");
	if (!e && body.len)
		e = fa2_buf_append(out, body.data, body.len);
cleanup:
	fa2_buf_cleanup(&body);
	return e;
}

int fa2_logs_query_lint(const char *query, char *msg, size_t cap)
{
	fa2_logs_stage st[FA2_LOGS_MAX_STAGES];
	fa2_buf b;
	size_t n, i, j;
	int found = 0;

	if (cap)
		msg[0] = '\0';
	if (fa2_logs_split_stages(fa2_slice_cstr(query), st, FA2_LOGS_MAX_STAGES, &n) != FA2_OK)
		return -1;
	fa2_buf_init(&b, cap > 1 ? cap - 1 : 1);
	for (i = 0; i < n; i++) {
		if (strcmp(st[i].cmd, "limit") != 0)
			continue;
		for (j = i + 1; j < n; j++)
			if (!st[j].cmd[0] || strcmp(st[j].cmd, "filter") == 0 || strcmp(st[j].cmd, "stats") == 0 ||
			    strcmp(st[j].cmd, "parse") == 0 || strcmp(st[j].cmd, "dedup") == 0 ||
			    strcmp(st[j].cmd, "pattern") == 0)
				break;
		if (j < n) {
			(void)fa2_buf_appendf(&b, "%s'%.*s' comes before '%.*s': that stage sees only the limited rows "
					      "(fa2 puts its own filter before the limit, but not yours); move the limit to "
					      "the end.", found ? " " : "", (int)st[i].text.len, st[i].text.ptr,
					      (int)(st[j].text.len > 60 ? 60 : st[j].text.len), st[j].text.ptr);
			found++;
		}
		(void)fa2_buf_appendf(&b, "%s'%.*s': each logs_tool call reads at most that many rows; without it "
				      "logs_tool reads the whole window (splitting queries at the 10,000-row cap).",
				      found ? " " : "", (int)st[i].text.len, st[i].text.ptr);
		found++;
	}
	for (i = 0; i < n; i++)
		if (strcmp(st[i].cmd, "stats") == 0) {
			(void)fa2_buf_appendf(&b, "%s'%.*s': logs_tool then sees aggregates, not log lines, and cannot "
					      "group messages into templates.", found ? " " : "",
					      (int)(st[i].text.len > 60 ? 60 : st[i].text.len), st[i].text.ptr);
			found++;
			break;
		}
	if (cap > 1 && b.len)
		memcpy(msg, b.data, b.len);
	if (cap)
		msg[b.len < cap ? b.len : cap - 1] = '\0';
	fa2_buf_cleanup(&b);
	return found;
}
