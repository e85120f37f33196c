/* fa2 aws: one signed call to an AWS JSON API, and an offline signing mode.
 *
 *   fa2 aws [OPTIONS] SERVICE OPERATION [JSON]   one call (see usage())
 *   fa2 aws --sign-only                          JSON request descriptions on stdin, one
 *                                                per line; prints every SigV4 stage as JSON
 *   fa2 aws --sign-bench [N]                     in-process signing rate
 *
 * --sign-only reads objects like
 *   {"method":"POST","path":"/","query":"a=1","headers":[["Host","logs.us-east-1.amazonaws.com"]],
 *    "body":"{}","access_key_id":"AKID","secret_access_key":"...","session_token":"...",
 *    "region":"us-east-1","service":"logs","time":"20150830T123600Z",
 *    "presign":3600,"s3":false,"normalize":true,"sign_body":false,"omit_token":false}
 * ("headers" may also be an object; "time" may be epoch seconds or RFC 3339) and writes
 *   {"canonical_request":...,"string_to_sign":...,"signature":...,"signed_headers":...,
 *    "authorization":...,"amz_date":...,"query":...}
 * one line per input line, or {"error":"..."} for a bad line. It never prints the
 * signing key. It exists for differential tests against other signers, for --debug
 * style inspection without network, and for the benchmark. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/client.h"
#include "aws/config.h"
#include "aws/session.h"
#include "aws/sigv4.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/num.h"
#include "base/time.h"
#include "cmd/cmd.h"

#define SIGN_ONLY_MAX_LINE (4u * 1024u * 1024u)

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fa2 aws [OPTIONS] SERVICE OPERATION [JSON]\n"
		"       fa2 aws --sign-only < requests.jsonl\n"
		"       fa2 aws --sign-bench [N]\n"
		"\n"
		"One signed call to an AWS JSON API; the response JSON goes to stdout.\n"
		"SERVICE is the signing name (logs, monitoring, xray, secretsmanager, sts, ...).\n"
		"\n"
		"options:\n"
		"  --region REGION      default: AWS_REGION, AWS_DEFAULT_REGION, profile, IMDS\n"
		"  --profile NAME       default: AWS_PROFILE, then 'default'\n"
		"  --endpoint-url URL   default: AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, regional\n"
		"  --timeout SECONDS    whole call including retries (default 30)\n"
		"  --debug              print the canonical request and string to sign to stderr\n"
		"  --sign-only          offline: sign JSON request descriptions read from stdin\n"
		"  --sign-bench [N]     offline: sign N requests in-process, print the rate\n"
		"\n"
		"exit codes: 0 ok, 1 AWS or network error, 2 usage or configuration error\n");
}

static fa2_err json_slice(const cJSON *o, const char *key, fa2_slice *out)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
	*out = FA2_SLICE_EMPTY;
	if (!it || cJSON_IsNull(it))
		return FA2_OK;
	if (!cJSON_IsString(it))
		return FA2_ERR_INVALID;
	*out = fa2_slice_cstr(it->valuestring);
	return FA2_OK;
}

static int json_bool(const cJSON *o, const char *key, int dflt)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
	if (cJSON_IsTrue(it))
		return 1;
	if (cJSON_IsFalse(it))
		return 0;
	return dflt;
}

/* Parses "20150830T123600Z". */
static int parse_amz_date(const char *s, int64_t *ms)
{
	long long v[6];
	static const int off[6] = { 0, 4, 6, 9, 11, 13 }, len[6] = { 4, 2, 2, 2, 2, 2 };
	int i;
	if (strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z')
		return -1;
	for (i = 0; i < 6; i++)
		if (fa2_parse_int_range(fa2_slice_make(s + off[i], (size_t)len[i]), 0, 9999, &v[i]))
			return -1;
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60)
		return -1;
	*ms = (fa2_time_days_from_civil(v[0], (unsigned)v[1], (unsigned)v[2]) * 86400 +
	       v[3] * 3600 + v[4] * 60 + v[5]) * 1000;
	return 0;
}

/* Signs one JSON request description; appends the result object to out. */
static fa2_err sign_one(const cJSON *in, fa2_sigv4_cache *cache, fa2_buf *out, const char **why)
{
	fa2_sigv4_request req;
	fa2_sigv4_params p;
	fa2_sigv4_result res;
	fa2_sigv4_header hdr[FA2_SIGV4_MAX_HEADERS];
	const cJSON *h, *it, *t;
	size_t n = 0;
	double presign = 0;
	cJSON *o = NULL;
	fa2_err e = FA2_OK;

	memset(&req, 0, sizeof req);
	memset(&p, 0, sizeof p);
	fa2_sigv4_result_init(&res);
	*why = "bad request description";
	if (json_slice(in, "method", &req.method) || json_slice(in, "path", &req.path) ||
	    json_slice(in, "query", &req.query) || json_slice(in, "body", &req.payload) ||
	    json_slice(in, "payload_hash", &req.payload_hash) ||
	    json_slice(in, "access_key_id", &p.access_key_id) ||
	    json_slice(in, "secret_access_key", &p.secret_access_key) ||
	    json_slice(in, "session_token", &p.session_token) ||
	    json_slice(in, "region", &p.region) || json_slice(in, "service", &p.service)) {
		e = FA2_ERR_INVALID;
		goto cleanup;
	}
	if (req.method.len == 0)
		req.method = FA2_SLICE_LIT("GET");
	h = cJSON_GetObjectItemCaseSensitive(in, "headers");
	cJSON_ArrayForEach(it, h) {
		if (n >= FA2_SIGV4_MAX_HEADERS) {
			e = FA2_ERR_TOO_LARGE;
			*why = "too many headers";
			goto cleanup;
		}
		if (cJSON_IsArray(h)) {
			const cJSON *k = cJSON_GetArrayItem(it, 0), *v = cJSON_GetArrayItem(it, 1);
			if (!cJSON_IsString(k) || !cJSON_IsString(v)) {
				e = FA2_ERR_INVALID;
				*why = "headers: want [name, value] pairs";
				goto cleanup;
			}
			hdr[n].name = fa2_slice_cstr(k->valuestring);
			hdr[n].value = fa2_slice_cstr(v->valuestring);
		} else {
			if (!cJSON_IsString(it)) {
				e = FA2_ERR_INVALID;
				*why = "headers: values must be strings";
				goto cleanup;
			}
			hdr[n].name = fa2_slice_cstr(it->string);
			hdr[n].value = fa2_slice_cstr(it->valuestring);
		}
		n++;
	}
	req.headers = hdr;
	req.n_headers = n;
	t = cJSON_GetObjectItemCaseSensitive(in, "time");
	if (cJSON_IsNumber(t)) {
		int64_t sec;
		if (fa2_num_double_to_i64(t->valuedouble, 0, FA2_NUM_EPOCH_MAX_S, &sec) != FA2_OK) {
			e = FA2_ERR_INVALID;
			*why = "time: epoch seconds out of range (1970..9999)";
			goto cleanup;
		}
		p.time_ms = sec * 1000 + (int64_t)((t->valuedouble - (double)sec) * 1000.0);
	} else if (cJSON_IsString(t)) {
		if (parse_amz_date(t->valuestring, &p.time_ms) &&
		    fa2_time_parse(fa2_slice_cstr(t->valuestring), fa2_time_now_ms(), 0, &p.time_ms)) {
			e = FA2_ERR_INVALID;
			*why = "time: want epoch seconds, RFC 3339 or 20150830T123600Z";
			goto cleanup;
		}
	} else {
		p.time_ms = fa2_time_now_ms();
	}
	if (json_bool(in, "s3", 0))
		p.flags |= FA2_SIGV4_S3;
	if (!json_bool(in, "normalize", 1))
		p.flags |= FA2_SIGV4_NO_NORMALIZE;
	if (json_bool(in, "sign_body", 0))
		p.flags |= FA2_SIGV4_SIGN_BODY;
	if (json_bool(in, "omit_token", 0))
		p.flags |= FA2_SIGV4_OMIT_TOKEN;
	p.cache = cache;
	fa2_json_num(in, "presign", &presign);
	if (presign > 0) {
		p.expires_s = presign > 604800 ? 0 : (uint32_t)presign;
		e = fa2_sigv4_presign(&req, &p, &res);
	} else {
		e = fa2_sigv4_sign_headers(&req, &p, &res);
	}
	if (e) {
		*why = fa2_err_str(e);
		goto cleanup;
	}
	o = cJSON_CreateObject();
	if (!o ||
	    !cJSON_AddStringToObject(o, "canonical_request", res.canonical_request.data) ||
	    !cJSON_AddStringToObject(o, "string_to_sign", res.string_to_sign.data) ||
	    !cJSON_AddStringToObject(o, "signature", res.signature) ||
	    !cJSON_AddStringToObject(o, "signed_headers", res.signed_headers.data ? res.signed_headers.data : "") ||
	    !cJSON_AddStringToObject(o, "amz_date", res.amz_date) ||
	    !cJSON_AddStringToObject(o, "authorization", res.authorization.data ? res.authorization.data : "") ||
	    !cJSON_AddStringToObject(o, "query", res.query.data ? res.query.data : "")) {
		e = FA2_ERR_NOMEM;
		*why = fa2_err_str(e);
		goto cleanup;
	}
	e = fa2_json_append(out, o);
cleanup:
	cJSON_Delete(o);
	fa2_sigv4_result_cleanup(&res);
	return e;
}

static int run_sign_only(void)
{
	fa2_buf line, out;
	fa2_sigv4_cache cache;
	int c, rc = FA2_EXIT_OK, eof = 0;

	if (fa2_sigv4_cache_init(&cache))
		return FA2_EXIT_FAILURE;
	fa2_buf_init(&line, SIGN_ONLY_MAX_LINE);
	fa2_buf_init(&out, SIGN_ONLY_MAX_LINE);
	while (!eof) {
		cJSON *in;
		const char *why = NULL;
		fa2_err e;
		fa2_buf_reset(&line);
		fa2_buf_reset(&out);
		while ((c = getchar()) != EOF && c != '\n') {
			if (fa2_buf_append_byte(&line, (unsigned char)c)) {
				fprintf(stderr, "fa2 aws --sign-only: input line over %u bytes\n", SIGN_ONLY_MAX_LINE);
				rc = FA2_EXIT_USAGE;
				goto cleanup;
			}
		}
		eof = c == EOF;
		if (fa2_slice_trim(fa2_buf_slice(&line)).len == 0)
			continue;
		in = fa2_json_parse(fa2_buf_slice(&line), NULL);
		if (!in || !cJSON_IsObject(in)) {
			e = FA2_ERR_PARSE;
			why = "not a JSON object";
		} else {
			e = sign_one(in, &cache, &out, &why);
		}
		cJSON_Delete(in);
		if (e) {
			fa2_buf_reset(&out);
			fa2_buf_append_cstr(&out, "{\"error\":");
			fa2_json_append_string(&out, fa2_slice_cstr(why));
			fa2_buf_append_byte(&out, '}');
			rc = FA2_EXIT_FAILURE;
		}
		fa2_buf_append_byte(&out, '\n');
		fwrite(out.data, 1, out.len, stdout);
		fflush(stdout);
	}
cleanup:
	fa2_buf_cleanup(&line);
	fa2_buf_cleanup(&out);
	fa2_sigv4_cache_cleanup(&cache);
	return rc;
}

/* Signs a typical CloudWatch Logs request N times (new date/time each second does not
 * matter: the key is cached per day, as in a long-running process). */
static int run_sign_bench(long n)
{
	static const char body[] =
		"{\"logGroupName\":\"/aws/lambda/orders\",\"startTime\":1764057600000,"
		"\"endTime\":1764061200000,\"filterPattern\":\"ERROR\",\"limit\":100}";
	fa2_sigv4_header h[3] = {
		{ FA2_SLICE_LIT("Host"), FA2_SLICE_LIT("logs.us-east-1.amazonaws.com") },
		{ FA2_SLICE_LIT("Content-Type"), FA2_SLICE_LIT("application/x-amz-json-1.1") },
		{ FA2_SLICE_LIT("X-Amz-Target"), FA2_SLICE_LIT("Logs_20140328.FilterLogEvents") },
	};
	fa2_sigv4_request req;
	fa2_sigv4_params p;
	fa2_sigv4_result res;
	fa2_sigv4_cache cache;
	int64_t t0, t1;
	long i;

	memset(&req, 0, sizeof req);
	memset(&p, 0, sizeof p);
	req.method = FA2_SLICE_LIT("POST");
	req.path = FA2_SLICE_LIT("/");
	req.headers = h;
	req.n_headers = 3;
	req.payload = fa2_slice_make(body, sizeof body - 1);
	p.access_key_id = FA2_SLICE_LIT("AKIDEXAMPLE");
	p.secret_access_key = FA2_SLICE_LIT("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
	p.region = FA2_SLICE_LIT("us-east-1");
	p.service = FA2_SLICE_LIT("logs");
	p.cache = &cache;
	if (fa2_sigv4_cache_init(&cache))
		return FA2_EXIT_FAILURE;
	fa2_sigv4_result_init(&res);
	t0 = fa2_time_mono_ms();
	for (i = 0; i < n; i++) {
		p.time_ms = 1764057600000LL + (int64_t)(i % 3600) * 1000;
		if (fa2_sigv4_sign_headers(&req, &p, &res)) {
			fprintf(stderr, "fa2 aws --sign-bench: signing failed\n");
			break;
		}
	}
	t1 = fa2_time_mono_ms();
	printf("{\"signatures\":%ld,\"ms\":%lld,\"per_second\":%.0f,\"last_signature\":\"%s\"}\n", i,
	       (long long)(t1 - t0), t1 > t0 ? (double)i * 1000.0 / (double)(t1 - t0) : 0.0,
	       res.signature);
	fa2_sigv4_result_cleanup(&res);
	fa2_sigv4_cache_cleanup(&cache);
	return i == n ? FA2_EXIT_OK : FA2_EXIT_FAILURE;
}

/* Reads the JSON argument: inline text, @FILE, or - for stdin. */
static int read_input(const char *arg, fa2_buf *out)
{
	if (strcmp(arg, "-") == 0) {
		int c;
		while ((c = getchar()) != EOF)
			if (fa2_buf_append_byte(out, (unsigned char)c))
				return -1;
		return 0;
	}
	if (arg[0] == '@')
		return fa2_file_read_all(arg + 1, out) == FA2_OK ? 0 : -1;
	return fa2_buf_append_cstr(out, arg) == FA2_OK ? 0 : -1;
}

static void list_services(FILE *f)
{
	size_t n, i;
	const fa2_aws_service *s = fa2_aws_services(&n);
	fprintf(f, "services:");
	for (i = 0; i < n; i++)
		fprintf(f, " %s", s[i].name);
	fprintf(f, "\n");
}

static int aws_call(int argc, char **argv)
{
	const char *region_opt = NULL, *profile = NULL, *endpoint = NULL;
	const char *pos[3] = { NULL, NULL, NULL };
	long long timeout_s = 30;
	int debug = 0, npos = 0, i, rc = FA2_EXIT_FAILURE;
	fa2_aws_session sess;
	char msg[256];
	fa2_aws_error err;
	fa2_aws_call_opts opts;
	const fa2_aws_service *svc;
	fa2_buf in, out;
	fa2_err e;

	memset(&sess, 0, sizeof sess);
	fa2_buf_init(&in, FA2_MAX_HTTP_REQ_BODY_BYTES * 16u);
	fa2_buf_init(&out, FA2_MAX_HTTP_BODY_BYTES);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;
		if (strcmp(a, "--debug") == 0) {
			debug = 1;
			continue;
		}
		if (strcmp(a, "--region") == 0)
			slot = &region_opt;
		else if (strcmp(a, "--profile") == 0)
			slot = &profile;
		else if (strcmp(a, "--endpoint-url") == 0)
			slot = &endpoint;
		if (slot || strcmp(a, "--timeout") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "fa2 aws: %s needs a value\n", a);
				rc = FA2_EXIT_USAGE;
				goto cleanup;
			}
			if (slot) {
				*slot = argv[++i];
			} else if (fa2_parse_int_range(fa2_slice_cstr(argv[++i]), 1, 3600, &timeout_s)) {
				fprintf(stderr, "fa2 aws: --timeout wants 1..3600 seconds\n");
				rc = FA2_EXIT_USAGE;
				goto cleanup;
			}
			continue;
		}
		if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "fa2 aws: unknown option '%s'\n", a);
			rc = FA2_EXIT_USAGE;
			goto cleanup;
		}
		if (npos >= 3) {
			usage(stderr);
			rc = FA2_EXIT_USAGE;
			goto cleanup;
		}
		pos[npos++] = a;
	}
	if (npos < 2) {
		usage(stderr);
		rc = FA2_EXIT_USAGE;
		goto cleanup;
	}
	svc = fa2_aws_service_find(pos[0]);
	if (!svc) {
		fprintf(stderr, "fa2 aws: unknown service '%s'; ", pos[0]);
		list_services(stderr);
		rc = FA2_EXIT_USAGE;
		goto cleanup;
	}
	if (pos[2] && read_input(pos[2], &in)) {
		fprintf(stderr, "fa2 aws: cannot read the input '%s'\n", pos[2]);
		rc = FA2_EXIT_USAGE;
		goto cleanup;
	}
	e = fa2_aws_session_open(&sess, profile, region_opt, timeout_s * 1000, msg, sizeof msg);
	if (e) {
		fprintf(stderr, "fa2 aws: %s\n", msg);
		rc = e == FA2_ERR_CONFIG ? FA2_EXIT_USAGE : FA2_EXIT_FAILURE;
		goto cleanup;
	}
	sess.client.debug = debug;
	memset(&opts, 0, sizeof opts);
	opts.endpoint = endpoint;
	e = fa2_aws_call(&sess.client, svc, pos[1], fa2_buf_slice(&in), &out, &err, &opts);
	if (e) {
		char line[1600];
		fa2_aws_error_format(&err, line, sizeof line);
		fprintf(stderr, "fa2 aws: %s %s: %s\n", svc->name, pos[1], line);
		rc = (e == FA2_ERR_CONFIG || e == FA2_ERR_INVALID || e == FA2_ERR_UNSUPPORTED)
		         ? FA2_EXIT_USAGE : FA2_EXIT_FAILURE;
		goto cleanup;
	}
	fwrite(out.data ? out.data : "{}", 1, out.data ? out.len : 2, stdout);
	fputc('\n', stdout);
	rc = fflush(stdout) == 0 ? FA2_EXIT_OK : FA2_EXIT_FAILURE;
cleanup:
	fa2_aws_session_close(&sess);
	fa2_buf_wipe(&out);
	fa2_buf_cleanup(&out);
	fa2_buf_cleanup(&in);
	return rc;
}

int fa2_cmd_aws(int argc, char **argv)
{
	if (argc >= 2 && fa2_cmd_is_help(argv[1])) {
		usage(stdout);
		list_services(stdout);
		return FA2_EXIT_OK;
	}
	if (argc >= 2 && strcmp(argv[1], "--sign-only") == 0) {
		if (argc != 2) {
			usage(stderr);
			return FA2_EXIT_USAGE;
		}
		return run_sign_only();
	}
	if (argc >= 2 && strcmp(argv[1], "--sign-bench") == 0) {
		long long n = 200000;
		if (argc > 3 || (argc == 3 && fa2_parse_int_range(fa2_slice_cstr(argv[2]), 1, 1000000000LL, &n))) {
			usage(stderr);
			return FA2_EXIT_USAGE;
		}
		return run_sign_bench((long)n);
	}
	return aws_call(argc, argv);
}
