#include "aws/client.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/num.h"
#include "base/time.h"
#include "crypto/random.h"

#define FA2_AWS_MAX_REQ_BYTES (16u * 1024u * 1024u)

struct rest_op {
	const char *service, *operation, *method, *path;
};

/* restJson1 operations fa2 uses (and a few that tests use to seed data). */
static const struct rest_op rest_ops[] = {
	{ "xray", "GetTraceSummaries", "POST", "/TraceSummaries" },
	{ "xray", "BatchGetTraces", "POST", "/Traces" },
	{ "xray", "GetServiceGraph", "POST", "/ServiceGraph" },
	{ "xray", "GetTraceGraph", "POST", "/TraceGraph" },
	{ "xray", "PutTraceSegments", "POST", "/TraceSegments" },
	{ "bedrock-runtime", "Converse", "POST", "/model/{modelId}/converse" },
	{ "bedrock-runtime", "InvokeModel", "POST", "/model/{modelId}/invoke" },
	{ "bedrock-agent-runtime", "Retrieve", "POST", "/knowledgebases/{knowledgeBaseId}/retrieve" },
	{ "bedrock-agent-runtime", "Rerank", "POST", "/rerank" },
	{ "bedrock-agent", "ListKnowledgeBases", "POST", "/knowledgebases/" },
	{ "bedrock-agent", "GetKnowledgeBase", "GET", "/knowledgebases/{knowledgeBaseId}" },
	{ "bedrock-agent", "ListDataSources", "POST", "/knowledgebases/{knowledgeBaseId}/datasources/" },
	{ "bedrock-agent", "StartIngestionJob", "PUT",
	  "/knowledgebases/{knowledgeBaseId}/datasources/{dataSourceId}/ingestionjobs/" },
	{ "bedrock-agent", "GetIngestionJob", "GET",
	  "/knowledgebases/{knowledgeBaseId}/datasources/{dataSourceId}/ingestionjobs/{ingestionJobId}" },
	{ "securityhub", "GetFindings", "POST", "/findings" },
	{ "guardduty", "ListDetectors", "GET", "/detector" },
	{ "guardduty", "ListFindings", "POST", "/detector/{DetectorId}/findings" },
	{ "guardduty", "GetFindings", "POST", "/detector/{DetectorId}/findings/get" },
	{ "guardduty", "GetFindingsStatistics", "POST", "/detector/{DetectorId}/findings/statistics" },
};

fa2_err fa2_aws_client_init(fa2_aws_client *c, fa2_aws_creds_provider *creds,
                            const fa2_aws_config *cfg, const char *region,
                            fa2_aws_http_fn http, void *http_ctx)
{
	memset(c, 0, sizeof *c);
	if (!region || strlen(region) >= sizeof c->region)
		return FA2_ERR_INVALID;
	snprintf(c->region, sizeof c->region, "%s", region);
	c->creds = creds;
	c->cfg = cfg;
	c->http = http ? http : fa2_aws_http_default;
	c->http_ctx = http_ctx;
	c->max_attempts = 3;
	{
		/* AWS_MAX_ATTEMPTS, then the profile's max_attempts (SDK settings). */
		const char *v = getenv("AWS_MAX_ATTEMPTS");
		fa2_slice sv = fa2_slice_cstr(v);
		long long n;
		if (!(v && *v) && cfg)
			fa2_aws_config_get(cfg, NULL, "max_attempts", &sv);
		if (sv.len && fa2_parse_int_range(fa2_slice_trim(sv), 1, 20, &n) == FA2_OK)
			c->max_attempts = (int)n;
	}
	c->base_delay_ms = 100;
	c->throttle_base_ms = 500;
	c->max_backoff_ms = 20000;
	c->timeout_ms = 30000;
	c->attempt_timeout_ms = 10000;
	c->quota = FA2_AWS_RETRY_QUOTA;
	if (fa2_sigv4_cache_init(&c->key_cache))
		return FA2_ERR_INTERNAL;
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		fa2_sigv4_cache_cleanup(&c->key_cache);
		return FA2_ERR_INTERNAL;
	}
	return FA2_OK;
}

void fa2_aws_client_cleanup(fa2_aws_client *c)
{
	fa2_sigv4_cache_cleanup(&c->key_cache);
	pthread_mutex_destroy(&c->lock);
}

/* ---- errors ---- */

static void copy_trunc(char *dst, size_t cap, fa2_slice s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;
	memcpy(dst, s.ptr, n);
	dst[n] = '\0';
}

/* copy_trunc of a peer's error message: every registered secret in all of s is
 * replaced first, so that the cut cannot leave the start of a secret an echoing peer
 * put across it (base/log.h: redaction before any truncation). */
static void copy_redacted(char *dst, size_t cap, fa2_slice s)
{
	fa2_buf b;
	fa2_buf_init(&b, FA2_REDACT_CAP(s.len));
	if (fa2_redact(s, &b) == FA2_OK)
		copy_trunc(dst, cap, fa2_buf_slice(&b));
	else
		copy_trunc(dst, cap, fa2_slice_cstr("(the error message could not be redacted; withheld)"));
	fa2_buf_cleanup(&b);
}

/* "aws.protocoltests#FooError:http://..." -> "FooError" */
static fa2_slice sanitize_code(fa2_slice code)
{
	long i = fa2_slice_find_char(code, ':');
	if (i >= 0)
		code.len = (size_t)i;
	for (i = (long)code.len - 1; i >= 0; i--)
		if (code.ptr[i] == '#') {
			code = fa2_slice_sub(code, (size_t)i + 1, code.len);
			break;
		}
	return fa2_slice_trim(code);
}

void fa2_aws_error_decode(const fa2_aws_http_response *resp, fa2_aws_error *err)
{
	fa2_slice body = fa2_slice_trim(fa2_buf_slice(&resp->body)), v;
	cJSON *j = NULL;

	err->err = FA2_ERR_AWS;
	err->http_status = resp->status;
	err->code[0] = err->message[0] = err->request_id[0] = '\0';
	if (fa2_aws_http_response_header(resp, "x-amzn-RequestId", &v) ||
	    fa2_aws_http_response_header(resp, "x-amz-request-id", &v))
		copy_trunc(err->request_id, sizeof err->request_id, v);
	if (fa2_aws_http_response_header(resp, "x-amzn-ErrorType", &v))
		copy_trunc(err->code, sizeof err->code, sanitize_code(v));
	if (body.len && body.ptr[0] == '{' && (j = fa2_json_parse(body, NULL)) != NULL) {
		const char *t = fa2_json_str(j, "__type");
		const char *m = fa2_json_str(j, "message");
		if (!t)
			t = fa2_json_str(j, "code");
		if (!t)
			t = fa2_json_str(j, "Code");
		if (!m)
			m = fa2_json_str(j, "Message");
		if (!m)
			m = fa2_json_str(j, "errorMessage");
		if (t && !err->code[0])
			copy_trunc(err->code, sizeof err->code, sanitize_code(fa2_slice_cstr(t)));
		if (m)
			copy_redacted(err->message, sizeof err->message, fa2_slice_cstr(m));
		cJSON_Delete(j);
	} else if (body.len && body.ptr[0] == '<') {
		fa2_slice e = body;
		fa2_aws_xml_elem(body, "Error", &e);
		if (!err->code[0] && fa2_aws_xml_elem(e, "Code", &v))
			copy_trunc(err->code, sizeof err->code, fa2_slice_trim(v));
		if (fa2_aws_xml_elem(e, "Message", &v))
			copy_redacted(err->message, sizeof err->message, fa2_slice_trim(v));
		if (!err->request_id[0] && (fa2_aws_xml_elem(body, "RequestId", &v) || fa2_aws_xml_elem(body, "RequestID", &v)))
			copy_trunc(err->request_id, sizeof err->request_id, fa2_slice_trim(v));
	} else if (body.len) {
		copy_redacted(err->message, sizeof err->message < 300 ? sizeof err->message : 300, body);
	}
	if (!err->code[0]) {
		const char *generic = resp->status == 429 ? "TooManyRequests"
		                      : resp->status == 403 ? "AccessDenied"
		                      : resp->status == 404 ? "NotFound"
		                      : resp->status >= 500 ? "InternalFailure" : "UnknownError";
		snprintf(err->code, sizeof err->code, "%s", generic);
	}
}

static int code_in(const char *code, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(code, *list) == 0)
			return 1;
	return 0;
}

static const char *const throttle_codes[] = {
	"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
	"TooManyRequestsException", "ProvisionedThroughputExceededException",
	"TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
	"LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
	"EC2ThrottledException", "TooManyRequests", NULL
};
static const char *const transient_codes[] = {
	"RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure",
	"ServiceUnavailable", "InternalServerError", "InternalServerException", NULL
};
static const char *const skew_codes[] = {
	"RequestTimeTooSkewed", "RequestExpired", "InvalidSignatureException",
	"SignatureDoesNotMatch", "AuthFailure", "RequestInTheFuture", NULL
};

int fa2_aws_error_retryable(const fa2_aws_error *err)
{
	if (err->err != FA2_ERR_AWS) {
		return err->err == FA2_ERR_NET || err->err == FA2_ERR_CLOSED ||
		       err->err == FA2_ERR_TIMEOUT || err->err == FA2_ERR_HTTP ||
		       err->err == FA2_ERR_DNS ? 2 : 0;
	}
	if (err->http_status == 429 || code_in(err->code, throttle_codes))
		return 1;
	if (err->http_status == 500 || err->http_status == 502 || err->http_status == 503 ||
	    err->http_status == 504 || code_in(err->code, transient_codes))
		return 2;
	return 0;
}

void fa2_aws_error_format(const fa2_aws_error *err, char *out, size_t cap)
{
	if (err->err != FA2_ERR_AWS) {
		snprintf(out, cap, "%s%s%s", fa2_err_str(err->err), err->message[0] ? ": " : "",
		         err->message);
		return;
	}
	snprintf(out, cap, "%s: %s (HTTP %d%s%s)", err->code,
	         err->message[0] ? err->message : "(no message)", err->http_status,
	         err->request_id[0] ? ", request id " : "", err->request_id);
}

/* ---- time ---- */

static int month_index(fa2_slice m)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int i;
	for (i = 0; i < 12; i++)
		if (fa2_slice_eq_ci(m, fa2_slice_cstr(months[i])))
			return i + 1;
	return 0;
}

fa2_err fa2_aws_parse_http_date(fa2_slice s, int64_t *ms)
{
	/* Tokenise on spaces, commas, dashes and colons; then recognise the three forms
	 * by the position of the month name. */
	fa2_slice tok[10];
	size_t n = 0, i = 0;
	long long day, year, hh, mm, ss;
	int mon;
	s = fa2_slice_trim(s);
	while (i < s.len && n < 10) {
		size_t j;
		while (i < s.len && (s.ptr[i] == ' ' || s.ptr[i] == ',' || s.ptr[i] == '-' || s.ptr[i] == ':'))
			i++;
		j = i;
		while (j < s.len && !(s.ptr[j] == ' ' || s.ptr[j] == ',' || s.ptr[j] == '-' || s.ptr[j] == ':'))
			j++;
		if (j > i)
			tok[n++] = fa2_slice_make(s.ptr + i, j - i);
		i = j;
	}
	/* IMF: Wed 25 Nov 2026 08 00 00 GMT; RFC 850: Wednesday 25 Nov 26 08 00 00 GMT;
	 * asctime: Wed Nov 25 08 00 00 2026 */
	if (n == 8 && (mon = month_index(tok[2])) != 0) {
		if (fa2_parse_int_range(tok[1], 1, 31, &day) || fa2_parse_int_range(tok[3], 0, 9999, &year))
			return FA2_ERR_PARSE;
		if (year < 100)
			year += year < 70 ? 2000 : 1900;
		if (fa2_parse_int_range(tok[4], 0, 23, &hh) || fa2_parse_int_range(tok[5], 0, 59, &mm) ||
		    fa2_parse_int_range(tok[6], 0, 60, &ss))
			return FA2_ERR_PARSE;
	} else if (n == 7 && (mon = month_index(tok[1])) != 0) {
		if (fa2_parse_int_range(tok[2], 1, 31, &day) || fa2_parse_int_range(tok[3], 0, 23, &hh) ||
		    fa2_parse_int_range(tok[4], 0, 59, &mm) || fa2_parse_int_range(tok[5], 0, 60, &ss) ||
		    fa2_parse_int_range(tok[6], 1970, 9999, &year))
			return FA2_ERR_PARSE;
	} else {
		return FA2_ERR_PARSE;
	}
	*ms = (fa2_time_days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 + hh * 3600 +
	       mm * 60 + ss) * 1000;
	return FA2_OK;
}

int64_t fa2_aws_backoff_ms(const fa2_aws_client *c, int attempt, int throttled)
{
	int64_t cap = throttled ? c->throttle_base_ms : c->base_delay_ms;
	int i;
	for (i = 1; i < attempt && cap < c->max_backoff_ms; i++)
		cap *= 2;
	if (cap > c->max_backoff_ms)
		cap = c->max_backoff_ms;
	if (cap <= 0)
		return 0;
	return (int64_t)fa2_random_below((uint64_t)cap + 1);
}

/* ---- request building ---- */

/* A JSON number as a query value: an integer when it is one (within int64), else the
 * shortest exact decimal; NaN and infinities (which JSON cannot hold) as 0. */
static fa2_err append_number(fa2_buf *out, double d)
{
	char num[64];
	int64_t i;
	if (fa2_num_double_to_i64(d, INT64_MIN, INT64_MAX, &i) == FA2_OK && (double)i == d)
		snprintf(num, sizeof num, "%lld", (long long)i);
	else if (d == d && d - d == 0)
		snprintf(num, sizeof num, "%.17g", d);
	else
		snprintf(num, sizeof num, "0");
	return fa2_buf_append_cstr(out, num);
}

static fa2_err url_encode_form(fa2_buf *out, fa2_slice s)
{
	return fa2_sigv4_uri_encode(out, s, 0);
}

/* Flattens a JSON value into query-protocol parameters: objects as Prefix.Key, arrays as
 * Prefix.member.N (1-based), scalars as strings. */
static fa2_err flatten_query(fa2_buf *out, const char *prefix, const cJSON *v, int depth)
{
	char key[512];
	const cJSON *it;
	fa2_err e = FA2_OK;
	int idx = 0;
	if (depth > 10)
		return FA2_ERR_TOO_LARGE;
	if (cJSON_IsObject(v)) {
		cJSON_ArrayForEach(it, v) {
			snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "", it->string);
			e = flatten_query(out, key, it, depth + 1);
			if (e)
				return e;
		}
		return FA2_OK;
	}
	if (cJSON_IsArray(v)) {
		cJSON_ArrayForEach(it, v) {
			snprintf(key, sizeof key, "%s.member.%d", prefix, ++idx);
			e = flatten_query(out, key, it, depth + 1);
			if (e)
				return e;
		}
		return FA2_OK;
	}
	e = fa2_buf_append_byte(out, '&');
	if (!e)
		e = url_encode_form(out, fa2_slice_cstr(prefix));
	if (!e)
		e = fa2_buf_append_byte(out, '=');
	if (e)
		return e;
	if (cJSON_IsString(v))
		return url_encode_form(out, fa2_slice_cstr(v->valuestring));
	if (cJSON_IsBool(v))
		return fa2_buf_append_cstr(out, cJSON_IsTrue(v) ? "true" : "false");
	if (cJSON_IsNumber(v))
		return append_number(out, v->valuedouble);
	return FA2_OK;
}

/* Prepared request: method, target, body, content type, X-Amz-Target. */
struct prepared {
	const char *method;
	fa2_buf target;
	fa2_buf body;
	char content_type[64];
	char amz_target[256];
};

static const struct rest_op *find_rest_op(const fa2_aws_service *svc, const char *op)
{
	size_t i;
	for (i = 0; i < sizeof rest_ops / sizeof rest_ops[0]; i++)
		if (strcmp(rest_ops[i].service, svc->name) == 0 && strcmp(rest_ops[i].operation, op) == 0)
			return &rest_ops[i];
	return NULL;
}

static cJSON *take_member_ci(cJSON *obj, fa2_slice name)
{
	cJSON *it;
	cJSON_ArrayForEach(it, obj) {
		if (it->string && fa2_slice_eq_ci(fa2_slice_cstr(it->string), name))
			return cJSON_DetachItemViaPointer(obj, it);
	}
	return NULL;
}

static fa2_err prepare(const fa2_aws_service *svc, const char *op, fa2_slice input,
                       const char *base_path, struct prepared *p, fa2_aws_error *err)
{
	cJSON *in = NULL;
	fa2_err e = FA2_OK;
	input = fa2_slice_trim(input);
	if (input.len == 0)
		input = FA2_SLICE_LIT("{}");
	in = fa2_json_parse(input, &e);
	if (!in || !cJSON_IsObject(in)) {
		snprintf(err->message, sizeof err->message, "the input is not a JSON object");
		e = FA2_ERR_INVALID;
		goto cleanup;
	}
	e = fa2_buf_append_cstr(&p->target, base_path);
	if (e)
		goto cleanup;
	switch (svc->protocol) {
	case FA2_AWS_JSON_1_0:
	case FA2_AWS_JSON_1_1:
		p->method = "POST";
		snprintf(p->content_type, sizeof p->content_type, "application/x-amz-json-%s",
		         svc->protocol == FA2_AWS_JSON_1_0 ? "1.0" : "1.1");
		snprintf(p->amz_target, sizeof p->amz_target, "%s.%s", svc->target_prefix, op);
		e = fa2_buf_append_byte(&p->target, '/');
		if (!e)
			e = fa2_buf_append_slice(&p->body, input);
		break;
	case FA2_AWS_QUERY:
		p->method = "POST";
		snprintf(p->content_type, sizeof p->content_type,
		         "application/x-www-form-urlencoded; charset=utf-8");
		e = fa2_buf_append_byte(&p->target, '/');
		if (!e)
			e = fa2_buf_append_cstr(&p->body, "Action=");
		if (!e)
			e = url_encode_form(&p->body, fa2_slice_cstr(op));
		if (!e)
			e = fa2_buf_append_cstr(&p->body, "&Version=");
		if (!e)
			e = fa2_buf_append_cstr(&p->body, svc->api_version);
		if (!e)
			e = flatten_query(&p->body, "", in, 0);
		break;
	case FA2_AWS_REST_JSON: {
		const struct rest_op *ro = find_rest_op(svc, op);
		const char *t;
		if (!ro) {
			snprintf(err->message, sizeof err->message,
			         "%s %s: operation not known to fa2's restJson1 table", svc->name, op);
			e = FA2_ERR_UNSUPPORTED;
			goto cleanup;
		}
		p->method = ro->method;
		snprintf(p->content_type, sizeof p->content_type, "application/json");
		for (t = ro->path; *t && !e; t++) {
			if (*t == '{') {
				const char *end = strchr(t, '}');
				cJSON *m;
				if (!end) {
					e = FA2_ERR_INTERNAL;
					break;
				}
				m = take_member_ci(in, fa2_slice_make(t + 1, (size_t)(end - t - 1)));
				if (!cJSON_IsString(m) || !m->valuestring[0]) {
					snprintf(err->message, sizeof err->message,
					         "%s %s needs \"%.*s\" (a path parameter) in the input", svc->name, op,
					         (int)(end - t - 1), t + 1);
					cJSON_Delete(m);
					e = FA2_ERR_INVALID;
					break;
				}
				e = fa2_sigv4_uri_encode(&p->target, fa2_slice_cstr(m->valuestring), 0);
				cJSON_Delete(m);
				t = end;
			} else {
				e = fa2_buf_append_byte(&p->target, (unsigned char)*t);
			}
		}
		if (e)
			goto cleanup;
		if (strcmp(p->method, "GET") == 0) {
			/* Remaining scalar members become the query string. */
			const cJSON *it;
			char sep = '?';
			cJSON_ArrayForEach(it, in) {
				if (cJSON_IsObject(it) || cJSON_IsArray(it))
					continue;
				e = fa2_buf_append_byte(&p->target, (unsigned char)sep);
				sep = '&';
				if (!e)
					e = fa2_sigv4_uri_encode(&p->target, fa2_slice_cstr(it->string), 0);
				if (!e)
					e = fa2_buf_append_byte(&p->target, '=');
				if (!e && cJSON_IsString(it))
					e = fa2_sigv4_uri_encode(&p->target, fa2_slice_cstr(it->valuestring), 0);
				else if (!e && cJSON_IsNumber(it))
					e = append_number(&p->target, it->valuedouble);
				else if (!e && cJSON_IsBool(it))
					e = fa2_buf_append_cstr(&p->target, cJSON_IsTrue(it) ? "true" : "false");
				if (e)
					break;
			}
			p->content_type[0] = '\0';
		} else {
			e = fa2_json_append(&p->body, in);
		}
		break;
	}
	}
cleanup:
	cJSON_Delete(in);
	return e;
}

/* ---- the call ---- */

static void debug_print(const char *what, fa2_slice text)
{
	/* Session tokens are registered secrets: redact before printing. */
	size_t cap = text.len + 4096;
	char *red = fa2_malloc(cap);
	if (!red)
		return;
	fa2_log_redact(text.ptr, text.len, red, cap);
	fprintf(stderr, "---- %s\n%s\n", what, red);
	fa2_free(red);
}

static fa2_err one_attempt(fa2_aws_client *c, const fa2_aws_service *svc, const fa2_aws_url *u,
                           struct prepared *p, const fa2_aws_creds *creds, int anonymous,
                           int64_t deadline, fa2_aws_http_response *resp)
{
	fa2_sigv4_header h[12];
	size_t n = 0;
	fa2_sigv4_request sr;
	fa2_sigv4_params sp;
	fa2_sigv4_result res;
	fa2_aws_http_request hr;
	fa2_slice path, query = FA2_SLICE_EMPTY;
	long q;
	int64_t skew;
	fa2_err e = FA2_OK;

	fa2_sigv4_result_init(&res);
	h[n].name = FA2_SLICE_LIT("Host");
	h[n++].value = fa2_slice_cstr(u->authority);
	if (p->content_type[0]) {
		h[n].name = FA2_SLICE_LIT("Content-Type");
		h[n++].value = fa2_slice_cstr(p->content_type);
	}
	if (p->amz_target[0]) {
		h[n].name = FA2_SLICE_LIT("X-Amz-Target");
		h[n++].value = fa2_slice_cstr(p->amz_target);
	}
	h[n].name = FA2_SLICE_LIT("User-Agent");
	h[n++].value = FA2_SLICE_LIT("fa2/" FA2_VERSION);
	h[n].name = FA2_SLICE_LIT("Accept");
	h[n++].value = FA2_SLICE_LIT("application/json");

	path = fa2_buf_slice(&p->target);
	q = fa2_slice_find_char(path, '?');
	if (q >= 0) {
		query = fa2_slice_sub(path, (size_t)q + 1, path.len);
		path.len = (size_t)q;
	}
	if (!anonymous) {
		pthread_mutex_lock(&c->lock);
		skew = c->skew_ms;
		pthread_mutex_unlock(&c->lock);
		memset(&sr, 0, sizeof sr);
		sr.method = fa2_slice_cstr(p->method);
		sr.path = path;
		sr.query = query;
		sr.headers = h;
		sr.n_headers = n;
		sr.payload = fa2_buf_slice(&p->body);
		memset(&sp, 0, sizeof sp);
		sp.access_key_id = fa2_slice_cstr(creds->access_key_id);
		sp.secret_access_key = fa2_slice_cstr(creds->secret_access_key);
		sp.session_token = fa2_slice_cstr(creds->session_token);
		sp.region = fa2_slice_cstr(c->region);
		sp.service = fa2_slice_cstr(svc->signing_name);
		sp.time_ms = fa2_time_now_ms() + skew;
		sp.cache = &c->key_cache;
		e = fa2_sigv4_sign_headers(&sr, &sp, &res);
		if (e)
			goto cleanup;
		if (c->debug) {
			debug_print("canonical request", fa2_buf_slice(&res.canonical_request));
			debug_print("string to sign", fa2_buf_slice(&res.string_to_sign));
		}
		h[n].name = FA2_SLICE_LIT("X-Amz-Date");
		h[n++].value = fa2_slice_cstr(res.amz_date);
		if (creds->session_token) {
			h[n].name = FA2_SLICE_LIT("X-Amz-Security-Token");
			h[n++].value = fa2_slice_cstr(creds->session_token);
		}
		h[n].name = FA2_SLICE_LIT("Authorization");
		h[n++].value = fa2_buf_slice(&res.authorization);
	}
	memset(&hr, 0, sizeof hr);
	hr.method = p->method;
	hr.url = u;
	hr.target = fa2_buf_slice(&p->target);
	hr.headers = h;
	hr.n_headers = n;
	hr.body = fa2_buf_slice(&p->body);
	hr.deadline_ms = deadline;
	fa2_aws_http_response_reset(resp);
	e = c->http(c->http_ctx, &hr, resp);
cleanup:
	fa2_sigv4_result_cleanup(&res);
	return e;
}

static void learn_skew(fa2_aws_client *c, const fa2_aws_http_response *resp, int force)
{
	fa2_slice d;
	int64_t server, skew;
	if (!fa2_aws_http_response_header(resp, "Date", &d) || fa2_aws_parse_http_date(d, &server))
		return;
	skew = server - fa2_time_now_ms();
	if (force || skew > FA2_AWS_SKEW_ADOPT_MS || skew < -FA2_AWS_SKEW_ADOPT_MS) {
		pthread_mutex_lock(&c->lock);
		if (c->skew_ms != skew && (skew > 2000 || skew < -2000 || c->skew_ms != 0))
			FA2_LOGI("aws", "clock skew: server time differs from ours by %lld s; correcting",
			         (long long)(skew / 1000));
		c->skew_ms = (skew > 2000 || skew < -2000) ? skew : 0;
		pthread_mutex_unlock(&c->lock);
	}
}

static int64_t quota_take(fa2_aws_client *c, int cost)
{
	int ok;
	pthread_mutex_lock(&c->lock);
	ok = c->quota >= cost;
	if (ok)
		c->quota -= cost;
	pthread_mutex_unlock(&c->lock);
	return ok;
}

static void quota_release(fa2_aws_client *c, int cost)
{
	pthread_mutex_lock(&c->lock);
	c->quota += cost;
	if (c->quota > FA2_AWS_RETRY_QUOTA)
		c->quota = FA2_AWS_RETRY_QUOTA;
	pthread_mutex_unlock(&c->lock);
}

fa2_err fa2_aws_call(fa2_aws_client *c, const fa2_aws_service *svc, const char *operation,
                     fa2_slice input, fa2_buf *out, fa2_aws_error *err_out,
                     const fa2_aws_call_opts *opts)
{
	fa2_aws_error local;
	fa2_aws_error *err = err_out ? err_out : &local;
	struct prepared p;
	fa2_buf url;
	fa2_aws_url u;
	fa2_aws_http_response resp;
	fa2_aws_creds creds;
	int64_t timeout = opts && opts->timeout_ms > 0 ? opts->timeout_ms : c->timeout_ms;
	int64_t deadline = fa2_time_mono_ms() + timeout;
	int attempt = 0, last_cost = 0, refreshed_creds = 0, skew_retry = 0;
	fa2_err e;

	memset(err, 0, sizeof *err);
	memset(&p, 0, sizeof p);
	fa2_buf_init(&p.target, FA2_MAX_SIGV4_BYTES);
	fa2_buf_init(&p.body, FA2_AWS_MAX_REQ_BYTES);
	fa2_buf_init(&url, 2048);
	fa2_aws_http_response_init(&resp);
	fa2_aws_creds_init(&creds);

	if (!svc || !operation || !*operation) {
		e = FA2_ERR_INVALID;
		goto done;
	}
	if (opts && opts->endpoint)
		e = fa2_buf_append_cstr(&url, opts->endpoint);
	else
		e = fa2_aws_endpoint_resolve(svc, c->region, c->cfg, &url);
	if (!e)
		e = fa2_aws_url_parse(fa2_buf_slice(&url), &u);
	if (e) {
		snprintf(err->message, sizeof err->message, "bad endpoint URL '%s'", url.data ? url.data : "");
		e = FA2_ERR_CONFIG;
		goto done;
	}
	e = prepare(svc, operation, input, u.base_path, &p, err);
	if (e)
		goto done;

	for (;;) {
		int64_t now = fa2_time_mono_ms(), attempt_deadline, delay;
		int kind;
		if (now >= deadline) {
			e = FA2_ERR_TIMEOUT;
			if (!err->message[0])
				snprintf(err->message, sizeof err->message, "no answer within %lld ms",
				         (long long)timeout);
			goto done;
		}
		if (!(opts && opts->anonymous)) {
			if (opts && opts->creds)
				e = fa2_aws_creds_copy(&creds, opts->creds);
			else if (c->creds)
				e = fa2_aws_creds_provider_get(c->creds, &creds);
			else
				e = FA2_ERR_AUTH;
			if (e) {
				snprintf(err->message, sizeof err->message,
				         "no AWS credentials (environment, profile, container or instance role)");
				if (e == FA2_ERR_NOT_FOUND)
					e = FA2_ERR_AUTH;
				goto done;
			}
		}
		{
			/* Model calls (Bedrock) legitimately take minutes: only the call's deadline. */
			int64_t per = opts && opts->attempt_timeout_ms ? opts->attempt_timeout_ms
			              : strcmp(svc->signing_name, "bedrock") == 0 ? 0 : c->attempt_timeout_ms;
			attempt_deadline = per > 0 && now + per < deadline ? now + per : deadline;
		}
		attempt++;
		pthread_mutex_lock(&c->lock);
		c->attempts++;
		pthread_mutex_unlock(&c->lock);
		e = one_attempt(c, svc, &u, &p, &creds, opts && opts->anonymous, attempt_deadline, &resp);
		err->attempts = attempt;
		if (e == FA2_OK && resp.status >= 200 && resp.status < 300) {
			learn_skew(c, &resp, 0);
			if (last_cost)
				quota_release(c, last_cost);
			else
				quota_release(c, 1);
			if (svc->protocol == FA2_AWS_QUERY)
				e = fa2_aws_xml_to_json(fa2_buf_slice(&resp.body), out);
			else if (fa2_slice_trim(fa2_buf_slice(&resp.body)).len == 0)
				e = fa2_buf_append_cstr(out, "{}");
			else
				e = fa2_buf_append_slice(out, fa2_buf_slice(&resp.body));
			if (e)
				err->err = e;
			goto done;
		}
		if (e == FA2_OK) {
			fa2_aws_error_decode(&resp, err);
			learn_skew(c, &resp, code_in(err->code, skew_codes));
		} else {
			err->err = e;
			err->http_status = 0;
			err->code[0] = '\0';
			snprintf(err->message, sizeof err->message, "%s %s: %s", svc->name, u.authority,
			         resp.errmsg[0] ? resp.errmsg : fa2_err_str(e));
			if (e == FA2_ERR_UNSUPPORTED || e == FA2_ERR_INVALID || e == FA2_ERR_TOO_LARGE ||
			    e == FA2_ERR_NOMEM || e == FA2_ERR_TLS)
				goto done;
		}
		kind = fa2_aws_error_retryable(err);
		if (!kind && err->err == FA2_ERR_AWS && !refreshed_creds && c->creds &&
		    !(opts && (opts->creds || opts->anonymous)) &&
		    (strcmp(err->code, "ExpiredToken") == 0 || strcmp(err->code, "ExpiredTokenException") == 0)) {
			/* The cached temporary credentials outlived their validity: fetch anew. */
			fa2_aws_creds_provider_invalidate(c->creds);
			refreshed_creds = 1;
			kind = 2;
		}
		if (!kind && err->err == FA2_ERR_AWS && !skew_retry && code_in(err->code, skew_codes)) {
			/* Retry once when the Date header showed a skew we have now corrected. */
			int64_t sk;
			pthread_mutex_lock(&c->lock);
			sk = c->skew_ms;
			pthread_mutex_unlock(&c->lock);
			if (sk != 0) {
				skew_retry = 1;
				kind = 2;
			}
		}
		if (!kind || attempt >= c->max_attempts) {
			e = err->err;
			goto done;
		}
		last_cost = err->err == FA2_ERR_TIMEOUT ? FA2_AWS_RETRY_TIMEOUT_COST : FA2_AWS_RETRY_COST;
		if (!quota_take(c, last_cost)) {
			FA2_LOGW("aws", "%s %s: retry quota exhausted; not retrying", svc->name, operation);
			e = err->err;
			goto done;
		}
		delay = fa2_aws_backoff_ms(c, attempt, kind == 1);
		if (fa2_time_mono_ms() + delay >= deadline) {
			quota_release(c, last_cost);
			e = err->err;
			goto done;
		}
		FA2_LOGD("aws", "%s %s: attempt %d failed (%s %s); retrying in %lld ms", svc->name,
		         operation, attempt, err->code[0] ? err->code : fa2_err_str(err->err),
		         err->message, (long long)delay);
		pthread_mutex_lock(&c->lock);
		c->retries++;
		pthread_mutex_unlock(&c->lock);
		fa2_time_sleep_ms(delay);
	}
done:
	if (e && err->err == FA2_OK)
		err->err = e;
	fa2_aws_creds_cleanup(&creds);
	fa2_aws_http_response_cleanup(&resp);
	fa2_buf_cleanup(&url);
	fa2_buf_cleanup(&p.target);
	fa2_buf_wipe(&p.body);
	fa2_buf_cleanup(&p.body);
	return e;
}

fa2_err fa2_aws_call_json(fa2_aws_client *c, const fa2_aws_service *svc, const char *operation,
                          const cJSON *in, size_t in_cap, int64_t timeout_ms, cJSON **out,
                          fa2_aws_error *err, int *stage)
{
	fa2_aws_call_opts opts;
	fa2_buf body, res;
	fa2_err e;

	*out = NULL;
	*stage = 0;
	fa2_buf_init(&body, in_cap);
	fa2_buf_init(&res, FA2_MAX_HTTP_BODY_BYTES);
	e = fa2_json_append(&body, in);
	if (e)
		goto cleanup;
	memset(&opts, 0, sizeof opts);
	opts.timeout_ms = timeout_ms;
	e = fa2_aws_call(c, svc, operation, fa2_buf_slice(&body), &res, err, &opts);
	if (e) {
		*stage = FA2_AWS_JSON_CALL;
		goto cleanup;
	}
	*out = fa2_json_parse(fa2_buf_slice(&res), &e);
	if (!*out)
		*stage = FA2_AWS_JSON_REPLY;
cleanup:
	fa2_buf_cleanup(&body);
	fa2_buf_cleanup(&res);
	return e;
}
