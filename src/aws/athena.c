/* Amazon Athena client and SQL quoting (see athena.h). */
#include "aws/athena.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cJSON.h"

#include "aws/config.h"
#include "base/alloc.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/time.h"

#define ATHENA_PAGE_ROWS   1000
#define ATHENA_STOP_RESERVE_MS 3000  /* kept back from the deadline for StopQueryExecution */

void fa2_athena_result_init(fa2_athena_result *r)
{
	memset(r, 0, sizeof *r);
}

void fa2_athena_result_cleanup(fa2_athena_result *r)
{
	size_t i;
	for (i = 0; r->cols && i < r->n_cols; i++)
		fa2_free(r->cols[i]);
	for (i = 0; r->cells && i < r->n_rows * r->n_cols; i++)
		fa2_free(r->cells[i]);
	fa2_free(r->cols);
	fa2_free(r->cells);
	memset(r, 0, sizeof *r);
}

const char *fa2_athena_cell(const fa2_athena_result *r, size_t row, size_t col)
{
	if (!r->cells || row >= r->n_rows || col >= r->n_cols)
		return NULL;
	return r->cells[row * r->n_cols + col];
}

long fa2_athena_col(const fa2_athena_result *r, const char *name)
{
	size_t i;
	for (i = 0; i < r->n_cols; i++)
		if (r->cols[i] && fa2_slice_eq_ci(fa2_slice_cstr(r->cols[i]), fa2_slice_cstr(name)))
			return (long)i;
	return -1;
}

/* Length of s cut to at most cap bytes without splitting a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t len, size_t cap)
{
	if (len <= cap)
		return len;
	len = cap;
	while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
		len--;
	return len;
}

static char *cell_dup(const cJSON *d)
{
	const char *v = fa2_json_str(d, "VarCharValue");
	if (!v)
		return NULL;
	return fa2_strndup(v, utf8_cut(v, strlen(v), FA2_ATHENA_MAX_CELL_BYTES));
}

/* Sets the column names from ColumnInfo (or from the header row when absent). */
static fa2_err set_cols(fa2_athena_result *r, const cJSON *info, const cJSON *header)
{
	const cJSON *src = cJSON_IsArray(info) && cJSON_GetArraySize(info) > 0 ? info : header;
	const cJSON *it;
	size_t n = 0, i = 0;
	if (!cJSON_IsArray(src))
		return FA2_OK;
	n = (size_t)cJSON_GetArraySize(src);
	if (n > FA2_ATHENA_MAX_COLS)
		return FA2_ERR_TOO_LARGE;
	if (n == 0)
		return FA2_OK;
	r->cols = fa2_calloc(n, sizeof *r->cols);
	if (!r->cols)
		return FA2_ERR_NOMEM;
	r->n_cols = n;
	cJSON_ArrayForEach(it, src)
	{
		const char *name = src == info ? fa2_json_str(it, "Name") : fa2_json_str(it, "VarCharValue");
		char tmp[24];
		if (!name) {
			snprintf(tmp, sizeof tmp, "_col%zu", i);
			name = tmp;
		}
		r->cols[i] = fa2_strndup(name, utf8_cut(name, strlen(name), 255));
		if (!r->cols[i])
			return FA2_ERR_NOMEM;
		i++;
	}
	return FA2_OK;
}

fa2_err fa2_athena_decode_page(fa2_athena_result *r, fa2_slice json, size_t max_rows,
			       char *next_token, size_t cap)
{
	cJSON *root = NULL;
	const cJSON *rs, *rows, *row, *tok;
	fa2_err e = FA2_ERR_PARSE;
	int first = 1;

	if (cap > 0)
		next_token[0] = '\0';
	if (max_rows == 0 || max_rows > FA2_ATHENA_MAX_ROWS)
		max_rows = FA2_ATHENA_MAX_ROWS;
	root = fa2_json_parse(json, NULL);
	if (!cJSON_IsObject(root))
		goto cleanup;
	rs = cJSON_GetObjectItemCaseSensitive(root, "ResultSet");
	if (!cJSON_IsObject(rs))
		goto cleanup;
	rows = cJSON_GetObjectItemCaseSensitive(rs, "Rows");
	if (rows && !cJSON_IsArray(rows))
		goto cleanup;
	tok = cJSON_GetObjectItemCaseSensitive(root, "NextToken");
	if (tok && !cJSON_IsNull(tok)) {
		if (!cJSON_IsString(tok) || strlen(tok->valuestring) >= cap)
			goto cleanup;
		memcpy(next_token, tok->valuestring, strlen(tok->valuestring) + 1);
	}
	cJSON_ArrayForEach(row, rows)
	{
		const cJSON *data = cJSON_GetObjectItemCaseSensitive(row, "Data"), *d;
		size_t i = 0, base;
		if (!cJSON_IsArray(data))
			goto cleanup;
		if (!r->header_done && first) {
			const cJSON *meta = cJSON_GetObjectItemCaseSensitive(rs, "ResultSetMetadata");
			first = 0;
			r->header_done = 1;
			if (r->n_cols == 0) {
				e = set_cols(r, cJSON_GetObjectItemCaseSensitive(meta, "ColumnInfo"), data);
				if (e)
					goto cleanup;
				e = FA2_ERR_PARSE;
			}
			continue; /* the header row of a SELECT */
		}
		if (r->n_cols == 0 && r->n_rows == 0) {
			e = set_cols(r, NULL, data);
			if (e)
				goto cleanup;
			e = FA2_ERR_PARSE;
		}
		if (r->n_rows >= max_rows) {
			r->truncated = 1;
			break;
		}
		if (r->n_rows == r->cap_rows) {
			size_t nc = r->cap_rows ? r->cap_rows * 2 : 64;
			char **p;
			if (nc > max_rows)
				nc = max_rows;
			p = fa2_realloc(r->cells, nc * r->n_cols * sizeof *p + 1);
			if (!p) {
				e = FA2_ERR_NOMEM;
				goto cleanup;
			}
			r->cells = p;
			r->cap_rows = nc;
		}
		base = r->n_rows * r->n_cols;
		for (i = 0; i < r->n_cols; i++)
			r->cells[base + i] = NULL;
		r->n_rows++;
		i = 0;
		cJSON_ArrayForEach(d, data)
		{
			if (i >= r->n_cols)
				break; /* a ragged row: extra cells ignored */
			if (!cJSON_IsObject(d))
				goto cleanup;
			if (fa2_json_str(d, "VarCharValue")) {
				r->cells[base + i] = cell_dup(d);
				if (!r->cells[base + i]) {
					e = FA2_ERR_NOMEM;
					goto cleanup;
				}
			}
			i++;
		}
	}
	e = FA2_OK;
cleanup:
	cJSON_Delete(root);
	return e;
}

/* ---- the client ---- */

/* One call with the time left before deadline; on failure writes the readable error. */
static fa2_err call(fa2_aws_client *c, const char *op, const cJSON *in, int64_t deadline,
		    cJSON **out, fa2_athena_result *r)
{
	const fa2_aws_service *svc = fa2_aws_service_find("athena");
	fa2_aws_error err;
	char line[1600];
	int64_t left = deadline - fa2_time_mono_ms();
	int stage;
	fa2_err e;

	*out = NULL;
	memset(&err, 0, sizeof err);
	if (!svc) {
		e = FA2_ERR_INTERNAL;
		goto cleanup;
	}
	if (left <= 0) {
		e = FA2_ERR_TIMEOUT;
		snprintf(r->error, sizeof r->error, "Athena %s: no time left before the deadline", op);
		goto cleanup;
	}
	e = fa2_aws_call_json(c, svc, op, in, 2u * FA2_ATHENA_MAX_QUERY + 65536u, left, out, &err, &stage);
	if (stage == FA2_AWS_JSON_CALL) {
		fa2_aws_error_format(&err, line, sizeof line);
		snprintf(r->error, sizeof r->error, "Athena %s: %.1100s", op, line);
	} else if (stage == FA2_AWS_JSON_REPLY) {
		snprintf(r->error, sizeof r->error, "Athena %s: the reply is not JSON", op);
		e = FA2_ERR_PARSE;
	}
cleanup:
	return e;
}

static fa2_err start(fa2_aws_client *c, const fa2_athena_query *q, fa2_athena_result *r)
{
	cJSON *in = cJSON_CreateObject(), *ctx, *rc, *rep = NULL;
	const char *id;
	fa2_err e = FA2_ERR_NOMEM;

	if (!in)
		goto cleanup;
	if (!cJSON_AddStringToObject(in, "QueryString", q->sql) ||
	    !cJSON_AddStringToObject(in, "WorkGroup", q->workgroup && *q->workgroup ? q->workgroup : "primary"))
		goto cleanup;
	if ((q->database && *q->database) || (q->catalog && *q->catalog)) {
		ctx = cJSON_AddObjectToObject(in, "QueryExecutionContext");
		if (!ctx)
			goto cleanup;
		if (q->database && *q->database && !cJSON_AddStringToObject(ctx, "Database", q->database))
			goto cleanup;
		if (q->catalog && *q->catalog && !cJSON_AddStringToObject(ctx, "Catalog", q->catalog))
			goto cleanup;
	}
	if (q->output_location && *q->output_location) {
		rc = cJSON_AddObjectToObject(in, "ResultConfiguration");
		if (!rc || !cJSON_AddStringToObject(rc, "OutputLocation", q->output_location))
			goto cleanup;
	}
	e = call(c, "StartQueryExecution", in, q->deadline_mono_ms, &rep, r);
	if (e)
		goto cleanup;
	id = fa2_json_str(rep, "QueryExecutionId");
	if (!id || !*id || strlen(id) >= sizeof r->id) {
		snprintf(r->error, sizeof r->error, "Athena StartQueryExecution: no QueryExecutionId in the reply");
		e = FA2_ERR_PARSE;
		goto cleanup;
	}
	memcpy(r->id, id, strlen(id) + 1);
cleanup:
	cJSON_Delete(in);
	cJSON_Delete(rep);
	return e;
}

static cJSON *id_input(const fa2_athena_result *r)
{
	cJSON *in = cJSON_CreateObject();
	if (in && !cJSON_AddStringToObject(in, "QueryExecutionId", r->id)) {
		cJSON_Delete(in);
		in = NULL;
	}
	return in;
}

/* Reads the state; on FAILED / CANCELLED fills r->error from the status. */
static fa2_err poll_once(fa2_aws_client *c, int64_t deadline, fa2_athena_result *r)
{
	cJSON *in = id_input(r), *rep = NULL;
	const cJSON *qe, *st, *ae;
	const char *state, *reason;
	fa2_err e = FA2_ERR_NOMEM;

	if (!in)
		goto cleanup;
	r->polls++;
	e = call(c, "GetQueryExecution", in, deadline, &rep, r);
	if (e)
		goto cleanup;
	qe = cJSON_GetObjectItemCaseSensitive(rep, "QueryExecution");
	st = cJSON_GetObjectItemCaseSensitive(qe, "Status");
	state = fa2_json_str(st, "State");
	if (!state || strlen(state) >= sizeof r->state) {
		snprintf(r->error, sizeof r->error, "Athena GetQueryExecution: no Status.State in the reply");
		e = FA2_ERR_PARSE;
		goto cleanup;
	}
	memcpy(r->state, state, strlen(state) + 1);
	if (strcmp(state, "FAILED") == 0 || strcmp(state, "CANCELLED") == 0) {
		char code[80] = "";
		double cat = 0, type = 0;
		reason = fa2_json_str(st, "StateChangeReason");
		ae = cJSON_GetObjectItemCaseSensitive(st, "AthenaError");
		if (cJSON_IsObject(ae)) {
			const char *msg = fa2_json_str(ae, "ErrorMessage");
			if (fa2_json_num(ae, "ErrorType", &type) | fa2_json_num(ae, "ErrorCategory", &cat))
				snprintf(code, sizeof code, " (AthenaError category %.0f type %.0f)", cat, type);
			if (!reason)
				reason = msg;
		}
		snprintf(r->error, sizeof r->error, "Athena query %s %s%s: %.800s", r->id, state, code,
			 reason ? reason : "no reason given");
		e = strcmp(state, "FAILED") == 0 ? FA2_ERR_AWS : FA2_ERR_CANCELLED;
	}
cleanup:
	cJSON_Delete(in);
	cJSON_Delete(rep);
	return e;
}

static void stop(fa2_aws_client *c, int64_t deadline, fa2_athena_result *r)
{
	cJSON *in = id_input(r), *rep = NULL;
	char keep[sizeof r->error];
	memcpy(keep, r->error, sizeof keep);
	if (in && call(c, "StopQueryExecution", in, deadline, &rep, r) == FA2_OK)
		r->stopped = 1;
	memcpy(r->error, keep, sizeof keep);
	cJSON_Delete(in);
	cJSON_Delete(rep);
}

static fa2_err fetch(fa2_aws_client *c, const fa2_athena_query *q, fa2_athena_result *r)
{
	char token[4096] = "";
	unsigned page;
	size_t max_rows = q->max_rows ? q->max_rows : FA2_ATHENA_MAX_ROWS;
	fa2_err e = FA2_OK;

	for (page = 0; page < FA2_ATHENA_MAX_PAGES; page++) {
		cJSON *in = id_input(r), *rep = NULL;
		char *text = NULL;
		if (!in || !cJSON_AddNumberToObject(in, "MaxResults", ATHENA_PAGE_ROWS) ||
		    (token[0] && !cJSON_AddStringToObject(in, "NextToken", token))) {
			cJSON_Delete(in);
			return FA2_ERR_NOMEM;
		}
		e = call(c, "GetQueryResults", in, q->deadline_mono_ms, &rep, r);
		cJSON_Delete(in);
		if (e)
			return e;
		text = cJSON_PrintUnformatted(rep);
		cJSON_Delete(rep);
		if (!text)
			return FA2_ERR_NOMEM;
		e = fa2_athena_decode_page(r, fa2_slice_cstr(text), max_rows, token, sizeof token);
		cJSON_free(text);
		if (e) {
			snprintf(r->error, sizeof r->error, "Athena GetQueryResults: %s",
				 e == FA2_ERR_PARSE ? "the result set is not the documented shape" : fa2_err_str(e));
			return e;
		}
		if (!token[0] || r->truncated)
			return FA2_OK;
	}
	r->truncated = 1;
	return FA2_OK;
}

fa2_err fa2_athena_run(fa2_aws_client *c, const fa2_athena_query *q, fa2_athena_result *r)
{
	int64_t now = fa2_time_mono_ms(), reserve, stop_at;
	int64_t delay = q->poll_first_ms > 0 ? q->poll_first_ms : 200;
	int64_t cap = q->poll_max_ms > 0 ? q->poll_max_ms : 2000;
	fa2_err e;

	if (!q->sql || !*q->sql || q->deadline_mono_ms <= 0) {
		snprintf(r->error, sizeof r->error, "Athena: no query or no deadline");
		return FA2_ERR_INVALID;
	}
	if (strlen(q->sql) > FA2_ATHENA_MAX_QUERY) {
		snprintf(r->error, sizeof r->error, "Athena: the query is longer than %u bytes", FA2_ATHENA_MAX_QUERY);
		return FA2_ERR_TOO_LARGE;
	}
	reserve = (q->deadline_mono_ms - now) / 4;
	if (reserve > ATHENA_STOP_RESERVE_MS)
		reserve = ATHENA_STOP_RESERVE_MS;
	stop_at = q->deadline_mono_ms - reserve;
	e = start(c, q, r);
	if (e)
		return e;
	for (;;) {
		e = poll_once(c, stop_at, r);
		if (e && e != FA2_ERR_TIMEOUT)
			return e;
		if (!e && strcmp(r->state, "SUCCEEDED") == 0)
			break;
		now = fa2_time_mono_ms();
		if (e == FA2_ERR_TIMEOUT || now >= stop_at) {
			snprintf(r->error, sizeof r->error,
				 "Athena query %s still %s at the deadline; stopped it (StopQueryExecution)",
				 r->id, r->state[0] ? r->state : "QUEUED");
			stop(c, q->deadline_mono_ms, r);
			return FA2_ERR_TIMEOUT;
		}
		fa2_time_sleep_ms(delay < stop_at - now ? delay : stop_at - now);
		delay = delay * 2 > cap ? cap : delay * 2;
	}
	return fetch(c, q, r);
}

/* ---- SQL ---- */

/* Length of the valid UTF-8 sequence at s (1..4), 0 when invalid. */
static size_t utf8_seq(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		return (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0))
			return 0; /* overlong, surrogate */
		return 3;
	}
	if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
			return 0;
		if ((s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

fa2_err fa2_athena_sql_string(fa2_buf *out, const char *value)
{
	const unsigned char *s = (const unsigned char *)value;
	size_t len = 0, n, mark = out->len;
	fa2_err e;

	if (!value)
		return FA2_ERR_INVALID;
	for (; s[len]; len += n) {
		if (s[len] < 0x20 || s[len] == 0x7f)
			return FA2_ERR_INVALID;
		n = utf8_seq(s + len);
		if (n == 0)
			return FA2_ERR_INVALID;
		if (len + n > FA2_ATHENA_MAX_LITERAL)
			return FA2_ERR_INVALID;
	}
	e = fa2_buf_append_byte(out, '\'');
	for (; !e && *s; s++)
		e = *s == '\'' ? fa2_buf_append_cstr(out, "''") : fa2_buf_append_byte(out, *s);
	if (!e)
		e = fa2_buf_append_byte(out, '\'');
	if (e)
		fa2_buf_truncate(out, mark);
	return e;
}

fa2_err fa2_athena_sql_ident(fa2_buf *out, const char *name)
{
	size_t i;
	if (!name || !*name)
		return FA2_ERR_INVALID;
	for (i = 0; name[i]; i++) {
		char ch = name[i];
		if (i >= 255 || !((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
				  (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return FA2_ERR_INVALID;
	}
	return fa2_buf_appendf(out, "\"%s\"", name);
}

static fa2_err iso(fa2_buf *out, int64_t ms, char sep, const char *pre, const char *suf)
{
	char t[64];
	size_t n = fa2_time_format_rfc3339(ms, 0, 0, t, sizeof t);
	if (n < 19 || n >= sizeof t)
		return FA2_ERR_INVALID;
	t[10] = sep;
	t[19] = '\0';
	return fa2_buf_appendf(out, "%s'%s%s'", pre, t, suf);
}

fa2_err fa2_athena_sql_iso_time(fa2_buf *out, int64_t ms)
{
	return iso(out, ms, 'T', "", "");
}

fa2_err fa2_athena_sql_timestamp(fa2_buf *out, int64_t ms)
{
	char frac[8];
	int64_t r = ms % 1000;
	snprintf(frac, sizeof frac, ".%03d", (int)(r < 0 ? r + 1000 : r));
	return iso(out, ms - (r < 0 ? r + 1000 : r), ' ', "TIMESTAMP ", frac);
}

fa2_err fa2_athena_sql_in(fa2_buf *out, const char *expr, const char *const *values, size_t n)
{
	size_t i, mark = out->len;
	fa2_err e;
	if (n == 0)
		return FA2_ERR_INVALID;
	e = fa2_buf_appendf(out, "%s IN (", expr);
	for (i = 0; !e && i < n; i++) {
		if (i)
			e = fa2_buf_append_cstr(out, ", ");
		if (!e)
			e = fa2_athena_sql_string(out, values[i]);
	}
	if (!e)
		e = fa2_buf_append_byte(out, ')');
	if (e)
		fa2_buf_truncate(out, mark);
	return e;
}
