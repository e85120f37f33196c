/* Unit tests for src/aws beyond SigV4: INI parsing, profiles, region and endpoint
 * resolution, credential parsers and the provider chain (environment, profiles,
 * credential_process, container, IMDSv2, AssumeRole through a fake transport), the
 * refresh cache, and the JSON client (protocols, error decoding, retries, backoff,
 * quota, deadlines, clock skew) against a scripted fake transport. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aws/client.h"
#include "aws/config.h"
#include "aws/creds.h"
#include "aws/ini.h"
#include "aws/secretsmanager.h"
#include "aws/shared.h"
#include "base/log.h"
#include "aws/sts.h"
#include "base/alloc.h"
#include "base/file.h"
#include "base/json.h"
#include "base/time.h"
#include "test.h"

static const char *const aws_env_vars[] = {
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
	"AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_CONFIG_FILE",
	"AWS_SHARED_CREDENTIALS_FILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
	"AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
	"AWS_EC2_METADATA_DISABLED", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
	"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
	"AWS_CREDENTIAL_EXPIRATION", NULL
};

static void clear_aws_env(void)
{
	size_t i;
	for (i = 0; aws_env_vars[i]; i++)
		unsetenv(aws_env_vars[i]);
	/* Never read the developer's real files. */
	setenv("AWS_CONFIG_FILE", "/nonexistent/fa2-test-config", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/fa2-test-credentials", 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}

static const char *write_tmp(const char *name, const char *content, char *path, size_t cap)
{
	snprintf(path, cap, "%s/%s", fa2_test_tmpdir(), name);
	if (fa2_file_write_atomic(path, content, strlen(content), 0600))
		return NULL;
	return path;
}

/* ---- INI ---- */

FA2_TEST(aws_ini_parse)
{
	fa2_ini ini;
	fa2_slice v;
	const char *text =
		"# comment\n"
		"[default]\n"
		"region = us-west-2\n"
		"Output=json\n"
		"; another comment\n"
		"[profile dev]\n"
		"role_arn = arn:aws:iam::123456789012:role/dev # not a comment\n"
		"source_profile=default\n"
		"s3 =\n"
		"  max_concurrent_requests = 20\n"
		"  addressing_style = path\n"
		"\n"
		"[services local]\n"
		"cloudwatch_logs =\n"
		"  endpoint_url = http://127.0.0.1:5000\n"
		"[empty]\r\n"
		"[default]\n"
		"region = eu-west-1\n";
	fa2_ini_init(&ini);
	CHECK_OK(fa2_ini_parse(&ini, fa2_slice_cstr(text)));
	CHECK(fa2_ini_get(&ini, FA2_SLICE_LIT("default"), FA2_SLICE_LIT("region"), &v));
	CHECK_SLICE_EQ(v, "eu-west-1");  /* the later definition wins */
	CHECK(fa2_ini_get(&ini, FA2_SLICE_LIT("default"), FA2_SLICE_LIT("output"), &v));
	CHECK_SLICE_EQ(v, "json");
	CHECK(fa2_ini_get(&ini, FA2_SLICE_LIT("profile dev"), FA2_SLICE_LIT("role_arn"), &v));
	CHECK_SLICE_EQ(v, "arn:aws:iam::123456789012:role/dev # not a comment");
	CHECK(fa2_ini_get_sub(&ini, FA2_SLICE_LIT("profile dev"), FA2_SLICE_LIT("s3"),
	                      FA2_SLICE_LIT("addressing_style"), &v));
	CHECK_SLICE_EQ(v, "path");
	CHECK(fa2_ini_get_sub(&ini, FA2_SLICE_LIT("services local"), FA2_SLICE_LIT("cloudwatch_logs"),
	                      FA2_SLICE_LIT("endpoint_url"), &v));
	CHECK_SLICE_EQ(v, "http://127.0.0.1:5000");
	CHECK(!fa2_ini_get(&ini, FA2_SLICE_LIT("profile dev"), FA2_SLICE_LIT("region"), &v));
	CHECK(fa2_ini_has_section(&ini, FA2_SLICE_LIT("empty")));
	CHECK(!fa2_ini_has_section(&ini, FA2_SLICE_LIT("nope")));
	CHECK_INT_EQ(fa2_ini_parse(&ini, FA2_SLICE_LIT("key = before any section\n")), FA2_ERR_PARSE);
	CHECK_INT_EQ(ini.error_line, 1);
	CHECK_INT_EQ(fa2_ini_parse(&ini, FA2_SLICE_LIT("[a]\nx = 1\njunk line\n")), FA2_ERR_PARSE);
	CHECK_INT_EQ(ini.error_line, 3);
	CHECK_INT_EQ(fa2_ini_parse(&ini, FA2_SLICE_LIT("[a\n")), FA2_ERR_PARSE);
	CHECK_OK(fa2_ini_parse(&ini, FA2_SLICE_EMPTY));
	fa2_ini_cleanup(&ini);
}

static void torture_ini(void *ctx)
{
	fa2_ini ini;
	(void)ctx;
	fa2_ini_init(&ini);
	(void)fa2_ini_parse(&ini, FA2_SLICE_LIT("[a]\nx = 1\ny =\n  z = 2\n[b]\nk=v\n"));
	fa2_ini_cleanup(&ini);
}

FA2_TEST(aws_ini_alloc_torture)
{
	CHECK(fa2_test_alloc_torture(torture_ini, NULL) > 3);
}

/* ---- config, region, endpoints ---- */

FA2_TEST(aws_config_profiles_region_endpoints)
{
	char cfgp[512], credp[512], region[64];
	fa2_aws_config c;
	fa2_buf url;
	fa2_slice v;
	clear_aws_env();
	CHECK(write_tmp("config",
	                "[default]\nregion = ap-northeast-1\n"
	                "[profile emu]\nregion = us-east-1\nservices = local\nendpoint_url = http://global:4566/\n"
	                "[services local]\ncloudwatch_logs =\n  endpoint_url = http://127.0.0.1:5000/\n",
	                cfgp, sizeof cfgp));
	CHECK(write_tmp("credentials", "[default]\naws_access_key_id = AKIDDEFAULT\n", credp, sizeof credp));
	setenv("AWS_CONFIG_FILE", cfgp, 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", credp, 1);
	fa2_buf_init(&url, 2048);

	CHECK_OK(fa2_aws_config_load(&c, NULL));
	CHECK_STR_EQ(c.profile, "default");
	CHECK_OK(fa2_aws_region_from_config(&c, region, sizeof region));
	CHECK_STR_EQ(region, "ap-northeast-1");
	setenv("AWS_DEFAULT_REGION", "eu-central-1", 1);
	CHECK_OK(fa2_aws_region_from_config(&c, region, sizeof region));
	CHECK_STR_EQ(region, "eu-central-1");
	setenv("AWS_REGION", "us-west-1", 1);
	CHECK_OK(fa2_aws_region_from_config(&c, region, sizeof region));
	CHECK_STR_EQ(region, "us-west-1");
	CHECK(fa2_aws_credentials_get(&c, NULL, "aws_access_key_id", &v));
	CHECK_SLICE_EQ(v, "AKIDDEFAULT");
	CHECK(fa2_aws_profile_exists(&c, "emu") && !fa2_aws_profile_exists(&c, "ghost"));

	CHECK_OK(fa2_aws_endpoint_resolve(fa2_aws_service_find("logs"), "eu-west-1", &c, &url));
	CHECK_STR_EQ(url.data, "https://logs.eu-west-1.amazonaws.com");
	CHECK_OK(fa2_aws_endpoint_resolve(fa2_aws_service_find("cloudwatch"), "cn-north-1", &c, &url));
	CHECK_STR_EQ(url.data, "https://monitoring.cn-north-1.amazonaws.com.cn");
	CHECK_OK(fa2_aws_endpoint_resolve(fa2_aws_service_find("bedrock-agent-runtime"), "us-east-1", &c, &url));
	CHECK_STR_EQ(url.data, "https://bedrock-agent-runtime.us-east-1.amazonaws.com");
	CHECK_STR_EQ(fa2_aws_service_find("bedrock-runtime")->signing_name, "bedrock");
	CHECK(fa2_aws_service_find("nope") == NULL);
	fa2_aws_config_cleanup(&c);

	/* Profile services section, then profile endpoint_url, then env overrides. */
	CHECK_OK(fa2_aws_config_load(&c, "emu"));
	CHECK_OK(fa2_aws_endpoint_resolve(fa2_aws_service_find("logs"), "us-east-1", &c, &url));
	CHECK_STR_EQ(url.data, "http://127.0.0.1:5000");
	CHECK_OK(fa2_aws_endpoint_resolve(fa2_aws_service_find("sts"), "us-east-1", &c, &url));
	CHECK_STR_EQ(url.data, "http://global:4566");
	setenv("AWS_ENDPOINT_URL", "http://envglobal:1", 1);
	CHECK_OK(fa2_aws_endpoint_resolve(fa2_aws_service_find("logs"), "us-east-1", &c, &url));
	CHECK_STR_EQ(url.data, "http://envglobal:1");
	setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "https://vpce-123.logs.us-east-1.vpce.amazonaws.com", 1);
	CHECK_OK(fa2_aws_endpoint_resolve(fa2_aws_service_find("logs"), "us-east-1", &c, &url));
	CHECK_STR_EQ(url.data, "https://vpce-123.logs.us-east-1.vpce.amazonaws.com");
	CHECK_OK(fa2_aws_endpoint_resolve(fa2_aws_service_find("secretsmanager"), "us-east-1", &c, &url));
	CHECK_STR_EQ(url.data, "http://envglobal:1");
	setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
	CHECK_OK(fa2_aws_endpoint_resolve(fa2_aws_service_find("logs"), "us-east-1", &c, &url));
	CHECK_STR_EQ(url.data, "https://logs.us-east-1.amazonaws.com");
	fa2_aws_config_cleanup(&c);
	fa2_buf_cleanup(&url);
	clear_aws_env();
}

FA2_TEST(aws_url_parse)
{
	fa2_aws_url u;
	CHECK_OK(fa2_aws_url_parse(FA2_SLICE_LIT("https://logs.us-east-1.amazonaws.com"), &u));
	CHECK(u.https && u.port == 443);
	CHECK_STR_EQ(u.host, "logs.us-east-1.amazonaws.com");
	CHECK_STR_EQ(u.authority, "logs.us-east-1.amazonaws.com");
	CHECK_OK(fa2_aws_url_parse(FA2_SLICE_LIT("http://127.0.0.1:5000/base/"), &u));
	CHECK(!u.https && u.port == 5000);
	CHECK_STR_EQ(u.authority, "127.0.0.1:5000");
	CHECK_STR_EQ(u.base_path, "/base");
	CHECK_OK(fa2_aws_url_parse(FA2_SLICE_LIT("https://[::1]:8443"), &u));
	CHECK_STR_EQ(u.host, "::1");
	CHECK(u.port == 8443);
	CHECK_OK(fa2_aws_url_parse(FA2_SLICE_LIT("https://h:443"), &u));
	CHECK_STR_EQ(u.authority, "h");
	CHECK_INT_EQ(fa2_aws_url_parse(FA2_SLICE_LIT("ftp://h"), &u), FA2_ERR_INVALID);
	CHECK_INT_EQ(fa2_aws_url_parse(FA2_SLICE_LIT("http://h:99999"), &u), FA2_ERR_INVALID);
	CHECK_INT_EQ(fa2_aws_url_parse(FA2_SLICE_LIT("http://u@h"), &u), FA2_ERR_INVALID);
	CHECK_INT_EQ(fa2_aws_url_parse(FA2_SLICE_LIT("http://"), &u), FA2_ERR_INVALID);
}

/* ---- credential parsers ---- */

FA2_TEST(aws_creds_parsers)
{
	fa2_aws_creds c;
	fa2_aws_creds_init(&c);
	CHECK_OK(fa2_aws_creds_parse_process(FA2_SLICE_LIT(
		"{\"Version\":1,\"AccessKeyId\":\"AKIDP\",\"SecretAccessKey\":\"sp\",\"SessionToken\":\"tp\","
		"\"Expiration\":\"2026-11-25T10:00:00Z\"}"), &c));
	CHECK_STR_EQ(c.access_key_id, "AKIDP");
	CHECK_STR_EQ(c.session_token, "tp");
	CHECK_INT_EQ(c.expiration_ms, 1795600800000LL);
	CHECK_OK(fa2_aws_creds_parse_process(FA2_SLICE_LIT(
		"{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\"}"), &c));
	CHECK(c.session_token == NULL && c.expiration_ms == 0);
	CHECK_INT_EQ(fa2_aws_creds_parse_process(FA2_SLICE_LIT(
		"{\"Version\":2,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\"}"), &c), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_aws_creds_parse_process(FA2_SLICE_LIT("{\"Version\":1,\"AccessKeyId\":\"A\"}"), &c),
	             FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_aws_creds_parse_process(FA2_SLICE_LIT(
		"{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\",\"Expiration\":\"soon\"}"), &c),
		FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_aws_creds_parse_process(FA2_SLICE_LIT("not json"), &c), FA2_ERR_PARSE);

	CHECK_OK(fa2_aws_creds_parse_json_doc(FA2_SLICE_LIT(
		"{\"Code\":\"Success\",\"AccessKeyId\":\"ASIAI\",\"SecretAccessKey\":\"si\",\"Token\":\"ti\","
		"\"Expiration\":\"2026-11-25T14:00:00Z\"}"), &c, "imds"));
	CHECK_STR_EQ(c.source, "imds");
	CHECK_STR_EQ(c.session_token, "ti");
	CHECK_INT_EQ(fa2_aws_creds_parse_json_doc(FA2_SLICE_LIT(
		"{\"Code\":\"Failure\",\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\"}"), &c, "imds"), FA2_ERR_AUTH);

	CHECK_OK(fa2_aws_creds_parse_sts_xml(FA2_SLICE_LIT(
		"<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAS</AccessKeyId>"
		"<SecretAccessKey>ss</SecretAccessKey><SessionToken>ts</SessionToken>"
		"<Expiration>2026-11-25T11:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>"),
		&c, "assume-role"));
	CHECK_STR_EQ(c.access_key_id, "ASIAS");
	CHECK_INT_EQ(c.expiration_ms, 1795604400000LL);
	CHECK_INT_EQ(fa2_aws_creds_parse_sts_xml(FA2_SLICE_LIT("<x/>"), &c, "s"), FA2_ERR_PARSE);
	fa2_aws_creds_cleanup(&c);
	CHECK(c.access_key_id == NULL);
}

FA2_TEST(aws_creds_refresh_state)
{
	fa2_aws_creds c;
	int64_t now = 1795600800000LL;
	fa2_aws_creds_init(&c);
	CHECK_INT_EQ(fa2_aws_creds_refresh_state(&c, now), 0);  /* never expires */
	c.expiration_ms = now + 60 * 60000;
	CHECK_INT_EQ(fa2_aws_creds_refresh_state(&c, now), 0);
	c.expiration_ms = now + 14 * 60000;
	CHECK_INT_EQ(fa2_aws_creds_refresh_state(&c, now), 1);
	c.expiration_ms = now + 9 * 60000;
	CHECK_INT_EQ(fa2_aws_creds_refresh_state(&c, now), 2);
	c.expiration_ms = now - 1;
	CHECK_INT_EQ(fa2_aws_creds_refresh_state(&c, now), 2);
}

FA2_TEST(aws_creds_env_and_profiles)
{
	char cfgp[512], credp[512];
	fa2_aws_config cfg;
	fa2_aws_chain ch;
	fa2_aws_creds c;
	clear_aws_env();
	fa2_aws_creds_init(&c);
	CHECK(write_tmp("credentials",
	                "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = secretfile\n"
	                "[temp]\naws_access_key_id=ASIATEMP\naws_secret_access_key=st\naws_session_token=tt\n",
	                credp, sizeof credp));
	CHECK(write_tmp("config",
	                "[profile proc]\ncredential_process = printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": \"sproc\"}'\n"
	                "[profile badproc]\ncredential_process = exit 3\n"
	                "[profile inconfig]\naws_access_key_id = AKIDCFG\naws_secret_access_key = scfg\n"
	                "[profile loop1]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = loop2\n"
	                "[profile loop2]\nrole_arn = arn:aws:iam::1:role/y\nsource_profile = loop1\n",
	                cfgp, sizeof cfgp));
	setenv("AWS_SHARED_CREDENTIALS_FILE", credp, 1);
	setenv("AWS_CONFIG_FILE", cfgp, 1);
	CHECK_OK(fa2_aws_config_load(&cfg, NULL));
	memset(&ch, 0, sizeof ch);
	ch.cfg = &cfg;
	ch.deadline_ms = fa2_time_mono_ms() + 10000;

	/* Environment first. */
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secretenv", 1);
	setenv("AWS_SESSION_TOKEN", "tokenenv", 1);
	CHECK_OK(fa2_aws_creds_resolve(&ch, &c));
	CHECK_STR_EQ(c.access_key_id, "AKIDENV");
	CHECK_STR_EQ(c.session_token, "tokenenv");
	CHECK_STR_EQ(c.source, "environment");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	CHECK_INT_EQ(fa2_aws_creds_resolve(&ch, &c), FA2_ERR_CONFIG);  /* half-set env */
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SESSION_TOKEN");

	/* Then the default profile in the credentials file. */
	CHECK_OK(fa2_aws_creds_resolve(&ch, &c));
	CHECK_STR_EQ(c.access_key_id, "AKIDFILE");
	CHECK(c.session_token == NULL);
	CHECK_OK(fa2_aws_creds_from_profile(&ch, "temp", &c));
	CHECK_STR_EQ(c.session_token, "tt");
	CHECK_OK(fa2_aws_creds_from_profile(&ch, "inconfig", &c));
	CHECK_STR_EQ(c.access_key_id, "AKIDCFG");
	CHECK_OK(fa2_aws_creds_from_profile(&ch, "proc", &c));
	CHECK_STR_EQ(c.access_key_id, "AKIDPROC");
	CHECK_STR_EQ(c.source, "process");
	CHECK_INT_EQ(fa2_aws_creds_from_profile(&ch, "badproc", &c), FA2_ERR_AUTH);
	CHECK_INT_EQ(fa2_aws_creds_from_profile(&ch, "loop1", &c), FA2_ERR_CONFIG);
	fa2_aws_config_cleanup(&cfg);

	/* A named profile that does not exist is a configuration error. */
	setenv("AWS_PROFILE", "ghost", 1);
	CHECK_OK(fa2_aws_config_load(&cfg, NULL));
	ch.cfg = &cfg;
	CHECK_INT_EQ(fa2_aws_creds_resolve(&ch, &c), FA2_ERR_CONFIG);
	fa2_aws_config_cleanup(&cfg);
	fa2_aws_creds_cleanup(&c);
	clear_aws_env();
}

FA2_TEST(aws_creds_process_timeout)
{
	fa2_aws_creds c;
	int64_t t0 = fa2_time_mono_ms();
	fa2_aws_creds_init(&c);
	CHECK_INT_EQ(fa2_aws_creds_from_process("sleep 5", fa2_time_mono_ms() + 200, &c), FA2_ERR_TIMEOUT);
	CHECK(fa2_time_mono_ms() - t0 < 2000);
	CHECK_INT_EQ(fa2_aws_creds_from_process("head -c 100000 /dev/zero", fa2_time_mono_ms() + 5000, &c),
	             FA2_ERR_TOO_LARGE);
	fa2_aws_creds_cleanup(&c);
}

/* ---- a scripted fake transport ---- */

#define FAKE_MAX 16

struct fake_reply {
	fa2_err err;              /* transport error instead of a response */
	int status;
	const char *headers;      /* "Name: value\r\n..." */
	const char *body;
	int64_t stall_ms;         /* sleep before answering (bounded by the deadline) */
};

struct fake {
	struct fake_reply r[FAKE_MAX];
	int n, next;
	/* What was sent: */
	char method[FAKE_MAX][8];
	char target[FAKE_MAX][512];
	char auth[FAKE_MAX][512];
	char amz_target[FAKE_MAX][128];
	char token_hdr[FAKE_MAX][256];
	char body[FAKE_MAX][1024];
	char amz_date[FAKE_MAX][32];
	int64_t sent_at[FAKE_MAX];
};

static void hdr_copy(const fa2_aws_http_request *req, const char *name, char *out, size_t cap)
{
	size_t i;
	out[0] = '\0';
	for (i = 0; i < req->n_headers; i++)
		if (fa2_slice_eq_ci(req->headers[i].name, fa2_slice_cstr(name)))
			snprintf(out, cap, "%.*s", FA2_SLICE_FMT(req->headers[i].value));
}

static fa2_err fake_http(void *ctx, const fa2_aws_http_request *req, fa2_aws_http_response *resp)
{
	struct fake *f = ctx;
	struct fake_reply *r;
	int i = f->next;
	if (i >= f->n)
		return FA2_ERR_NET;
	f->next++;
	r = &f->r[i];
	snprintf(f->method[i], sizeof f->method[i], "%s", req->method);
	snprintf(f->target[i], sizeof f->target[i], "%.*s", FA2_SLICE_FMT(req->target));
	snprintf(f->body[i], sizeof f->body[i], "%.*s", FA2_SLICE_FMT(req->body));
	hdr_copy(req, "Authorization", f->auth[i], sizeof f->auth[i]);
	hdr_copy(req, "X-Amz-Target", f->amz_target[i], sizeof f->amz_target[i]);
	hdr_copy(req, "X-Amz-Security-Token", f->token_hdr[i], sizeof f->token_hdr[i]);
	hdr_copy(req, "X-Amz-Date", f->amz_date[i], sizeof f->amz_date[i]);
	f->sent_at[i] = fa2_time_mono_ms();
	if (r->stall_ms) {
		int64_t until = fa2_time_mono_ms() + r->stall_ms;
		if (until > req->deadline_ms)
			until = req->deadline_ms;
		while (fa2_time_mono_ms() < until) {
			struct timespec ts = { 0, 5000000 };
			nanosleep(&ts, NULL);
		}
		if (fa2_time_mono_ms() >= req->deadline_ms)
			return FA2_ERR_TIMEOUT;
	}
	if (r->err)
		return r->err;
	resp->status = r->status;
	if (r->headers)
		fa2_buf_append_cstr(&resp->headers, r->headers);
	if (r->body)
		fa2_buf_append_cstr(&resp->body, r->body);
	return FA2_OK;
}

static fa2_err static_resolve(const fa2_aws_chain *ch, fa2_aws_creds *out)
{
	(void)ch;
	return fa2_aws_creds_set(out, FA2_SLICE_LIT("AKIDTEST"), FA2_SLICE_LIT("secret-test"),
	                         FA2_SLICE_EMPTY, 0, "test");
}

struct client_fixture {
	fa2_aws_config cfg;
	fa2_aws_creds_provider prov;
	fa2_aws_client cl;
	struct fake f;
};

static int fixture_init(struct client_fixture *x)
{
	fa2_aws_chain ch;
	memset(&x->f, 0, sizeof x->f);
	fa2_aws_config_init(&x->cfg, "default");
	memset(&ch, 0, sizeof ch);
	ch.cfg = &x->cfg;
	if (fa2_aws_creds_provider_init(&x->prov, &ch, 1000))
		return -1;
	x->prov.resolve = static_resolve;
	if (fa2_aws_client_init(&x->cl, &x->prov, &x->cfg, "us-east-1", fake_http, &x->f))
		return -1;
	x->cl.base_delay_ms = 20;
	x->cl.throttle_base_ms = 40;
	x->cl.max_backoff_ms = 200;
	return 0;
}

static void fixture_cleanup(struct client_fixture *x)
{
	fa2_aws_client_cleanup(&x->cl);
	fa2_aws_creds_provider_cleanup(&x->prov);
	fa2_aws_config_cleanup(&x->cfg);
}

FA2_TEST(aws_client_json_protocols)
{
	struct client_fixture x;
	fa2_buf out;
	fa2_aws_error err;
	clear_aws_env();
	CHECK(fixture_init(&x) == 0);
	fa2_buf_init(&out, 1 << 20);
	x.f.n = 4;
	x.f.r[0].status = 200;
	x.f.r[0].body = "{\"MetricDataResults\":[]}";
	x.f.r[1].status = 200;
	x.f.r[1].body = "{\"events\":[]}";
	x.f.r[2].status = 200;
	x.f.r[2].body = "{\"output\":{}}";
	x.f.r[3].status = 200;
	x.f.r[3].body = "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
	                "<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/a&amp;b</Arn>"
	                "<Account>123456789012</Account></GetCallerIdentityResult>"
	                "<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>";

	CHECK_OK(fa2_aws_call(&x.cl, fa2_aws_service_find("monitoring"), "GetMetricData",
	                      FA2_SLICE_LIT("{\"MetricDataQueries\":[]}"), &out, &err, NULL));
	CHECK_STR_EQ(out.data, "{\"MetricDataResults\":[]}");
	CHECK_STR_EQ(x.f.amz_target[0], "GraniteServiceVersion20100801.GetMetricData");
	CHECK_STR_EQ(x.f.target[0], "/");
	CHECK_STR_EQ(x.f.method[0], "POST");
	CHECK(strstr(x.f.auth[0], "Credential=AKIDTEST/") && strstr(x.f.auth[0], "/us-east-1/monitoring/aws4_request"));
	CHECK(strstr(x.f.auth[0], "SignedHeaders=accept;content-type;host;x-amz-date;x-amz-target,"));

	fa2_buf_reset(&out);
	CHECK_OK(fa2_aws_call(&x.cl, fa2_aws_service_find("logs"), "FilterLogEvents",
	                      FA2_SLICE_LIT("{\"logGroupName\":\"g\"}"), &out, &err, NULL));
	CHECK_STR_EQ(x.f.amz_target[1], "Logs_20140328.FilterLogEvents");
	CHECK_STR_EQ(x.f.body[1], "{\"logGroupName\":\"g\"}");

	/* restJson1: path parameter from the input, removed from the body. */
	fa2_buf_reset(&out);
	CHECK_OK(fa2_aws_call(&x.cl, fa2_aws_service_find("bedrock-runtime"), "Converse",
	                      FA2_SLICE_LIT("{\"modelId\":\"anthropic.claude-3:0\",\"messages\":[]}"), &out, &err, NULL));
	CHECK_STR_EQ(x.f.target[2], "/model/anthropic.claude-3%3A0/converse");
	CHECK_STR_EQ(x.f.body[2], "{\"messages\":[]}");
	CHECK(strstr(x.f.auth[2], "/us-east-1/bedrock/aws4_request"));

	/* Query protocol: form body, XML answer returned as JSON. */
	fa2_buf_reset(&out);
	CHECK_OK(fa2_aws_call(&x.cl, fa2_aws_service_find("sts"), "GetCallerIdentity", FA2_SLICE_EMPTY,
	                      &out, &err, NULL));
	CHECK_STR_EQ(x.f.body[3], "Action=GetCallerIdentity&Version=2011-06-15");
	CHECK(strstr(out.data, "\"Arn\":\"arn:aws:iam::123456789012:user/a&b\""));
	CHECK(strstr(out.data, "\"RequestId\":\"r-1\""));

	/* Input errors are reported without sending anything. */
	CHECK_INT_EQ(fa2_aws_call(&x.cl, fa2_aws_service_find("bedrock-runtime"), "Converse",
	                          FA2_SLICE_LIT("{}"), &out, &err, NULL), FA2_ERR_INVALID);
	CHECK(strstr(err.message, "modelId"));
	CHECK_INT_EQ(fa2_aws_call(&x.cl, fa2_aws_service_find("logs"), "X", FA2_SLICE_LIT("[1]"), &out,
	                          &err, NULL), FA2_ERR_INVALID);
	CHECK_INT_EQ(x.f.next, 4);
	fa2_buf_cleanup(&out);
	fixture_cleanup(&x);
}

FA2_TEST(aws_client_error_decoding)
{
	fa2_aws_http_response r;
	fa2_aws_error e;
	char line[1400];
	fa2_aws_http_response_init(&r);
	r.status = 400;
	fa2_buf_append_cstr(&r.headers, "x-amzn-RequestId: req-1\r\n");
	fa2_buf_append_cstr(&r.body, "{\"__type\":\"com.amazonaws.logs#ResourceNotFoundException\",\"message\":\"The specified log group does not exist.\"}");
	fa2_aws_error_decode(&r, &e);
	CHECK_STR_EQ(e.code, "ResourceNotFoundException");
	CHECK_STR_EQ(e.message, "The specified log group does not exist.");
	CHECK_STR_EQ(e.request_id, "req-1");
	CHECK_INT_EQ(e.http_status, 400);
	CHECK_INT_EQ(fa2_aws_error_retryable(&e), 0);
	fa2_aws_error_format(&e, line, sizeof line);
	CHECK_STR_EQ(line, "ResourceNotFoundException: The specified log group does not exist. (HTTP 400, request id req-1)");

	fa2_aws_http_response_reset(&r);
	r.status = 400;
	fa2_buf_append_cstr(&r.headers, "x-amzn-ErrorType: ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.availability/\r\n");
	fa2_buf_append_cstr(&r.body, "{\"Message\":\"Rate exceeded\"}");
	fa2_aws_error_decode(&r, &e);
	CHECK_STR_EQ(e.code, "ThrottlingException");
	CHECK_STR_EQ(e.message, "Rate exceeded");
	CHECK_INT_EQ(fa2_aws_error_retryable(&e), 1);

	fa2_aws_http_response_reset(&r);
	r.status = 403;
	fa2_buf_append_cstr(&r.body, "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>"
	                   "<Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message>"
	                   "</Error><RequestId>r-9</RequestId></ErrorResponse>");
	fa2_aws_error_decode(&r, &e);
	CHECK_STR_EQ(e.code, "SignatureDoesNotMatch");
	CHECK_STR_EQ(e.request_id, "r-9");
	CHECK(strstr(e.message, "does not match"));

	fa2_aws_http_response_reset(&r);
	r.status = 503;
	fa2_buf_append_cstr(&r.body, "<html>Service Unavailable</html>");
	fa2_aws_error_decode(&r, &e);
	CHECK_STR_EQ(e.code, "InternalFailure");  /* an HTML error page from a proxy */
	CHECK_INT_EQ(fa2_aws_error_retryable(&e), 2);
	fa2_aws_http_response_cleanup(&r);
}

FA2_TEST(aws_client_retries)
{
	struct client_fixture x;
	fa2_buf out;
	fa2_aws_error err;
	int64_t t0;
	clear_aws_env();
	CHECK(fixture_init(&x) == 0);
	fa2_buf_init(&out, 1 << 20);

	/* Throttled, reset, 500, then success: four attempts with max_attempts 4. */
	x.cl.max_attempts = 4;
	x.f.n = 4;
	x.f.r[0].status = 400;
	x.f.r[0].body = "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}";
	x.f.r[1].err = FA2_ERR_NET;
	x.f.r[2].status = 500;
	x.f.r[2].body = "{}";
	x.f.r[3].status = 200;
	x.f.r[3].body = "{\"ok\":true}";
	CHECK_OK(fa2_aws_call(&x.cl, fa2_aws_service_find("logs"), "DescribeLogGroups", FA2_SLICE_LIT("{}"),
	                      &out, &err, NULL));
	CHECK_STR_EQ(out.data, "{\"ok\":true}");
	CHECK_INT_EQ(err.attempts, 4);
	CHECK_INT_EQ(x.cl.retries, 3);
	CHECK(x.cl.quota == FA2_AWS_RETRY_QUOTA - 10);  /* 3 x 5 taken, the last 5 refunded */

	/* 500 three times: gives up after max_attempts (3) with the service error. */
	x.cl.max_attempts = 3;
	x.f.n = 3;
	x.f.next = 0;
	x.f.r[0].status = x.f.r[1].status = x.f.r[2].status = 503;
	x.f.r[0].err = x.f.r[1].err = x.f.r[2].err = FA2_OK;
	x.f.r[0].body = x.f.r[1].body = x.f.r[2].body = "{\"__type\":\"ServiceUnavailableException\"}";
	fa2_buf_reset(&out);
	CHECK_INT_EQ(fa2_aws_call(&x.cl, fa2_aws_service_find("logs"), "DescribeLogGroups",
	                          FA2_SLICE_LIT("{}"), &out, &err, NULL), FA2_ERR_AWS);
	CHECK_INT_EQ(err.attempts, 3);
	CHECK_INT_EQ(err.http_status, 503);
	CHECK_STR_EQ(err.code, "ServiceUnavailableException");
	/* Backoff happened between attempts (full jitter can draw 0, but not thrice in a row
	 * with these bounds often enough to matter: just check order and bounds). */
	CHECK(x.f.sent_at[1] >= x.f.sent_at[0] && x.f.sent_at[2] - x.f.sent_at[0] <= 1000);

	/* A client error is not retried. */
	x.f.n = 2;
	x.f.next = 0;
	x.f.r[0].status = 400;
	x.f.r[0].body = "{\"__type\":\"ValidationException\",\"message\":\"bad\"}";
	CHECK_INT_EQ(fa2_aws_call(&x.cl, fa2_aws_service_find("logs"), "DescribeLogGroups",
	                          FA2_SLICE_LIT("{}"), &out, &err, NULL), FA2_ERR_AWS);
	CHECK_INT_EQ(err.attempts, 1);
	CHECK_INT_EQ(x.f.next, 1);

	/* The quota stops retries when it runs dry. */
	x.cl.quota = 5;
	x.f.n = 3;
	x.f.next = 0;
	x.f.r[0].status = x.f.r[1].status = x.f.r[2].status = 500;
	x.f.r[0].body = x.f.r[1].body = x.f.r[2].body = "{}";
	CHECK_INT_EQ(fa2_aws_call(&x.cl, fa2_aws_service_find("logs"), "DescribeLogGroups",
	                          FA2_SLICE_LIT("{}"), &out, &err, NULL), FA2_ERR_AWS);
	CHECK_INT_EQ(err.attempts, 2);
	CHECK_INT_EQ(x.cl.quota, 0);
	x.cl.quota = FA2_AWS_RETRY_QUOTA;

	/* Stalls: each attempt is cut at attempt_timeout_ms, the call at timeout_ms. */
	x.cl.timeout_ms = 400;
	x.cl.attempt_timeout_ms = 150;
	x.cl.max_attempts = 10;
	x.f.n = 10;
	x.f.next = 0;
	{
		int i;
		for (i = 0; i < 10; i++) {
			x.f.r[i].err = FA2_OK;
			x.f.r[i].status = 200;
			x.f.r[i].body = "{}";
			x.f.r[i].stall_ms = 100000;
		}
	}
	t0 = fa2_time_mono_ms();
	CHECK_INT_EQ(fa2_aws_call(&x.cl, fa2_aws_service_find("logs"), "DescribeLogGroups",
	                          FA2_SLICE_LIT("{}"), &out, &err, NULL), FA2_ERR_TIMEOUT);
	CHECK_MSG(fa2_time_mono_ms() - t0 < 700, "call took %lld ms", (long long)(fa2_time_mono_ms() - t0));
	CHECK(err.attempts >= 2);
	fa2_buf_cleanup(&out);
	fixture_cleanup(&x);
}

FA2_TEST(aws_client_clock_skew_and_expired_token)
{
	struct client_fixture x;
	fa2_buf out;
	fa2_aws_error err;
	char date_hdr[128];
	unsigned long refreshes;
	clear_aws_env();
	CHECK(fixture_init(&x) == 0);
	fa2_buf_init(&out, 1 << 20);
	/* Server clock one hour ahead: the first request is refused as skewed; the retry is
	 * signed with the server's time. */
	fa2_time_set_fake_now_ms(1795600800000LL);  /* 2026-11-25T10:00:00Z */
	snprintf(date_hdr, sizeof date_hdr, "Date: Wed, 25 Nov 2026 11:00:00 GMT\r\n");
	x.f.n = 2;
	x.f.r[0].status = 403;
	x.f.r[0].headers = date_hdr;
	x.f.r[0].body = "{\"__type\":\"InvalidSignatureException\",\"message\":\"Signature expired\"}";
	x.f.r[1].status = 200;
	x.f.r[1].body = "{}";
	CHECK_OK(fa2_aws_call(&x.cl, fa2_aws_service_find("logs"), "DescribeLogGroups", FA2_SLICE_LIT("{}"),
	                      &out, &err, NULL));
	CHECK_STR_EQ(x.f.amz_date[0], "20261125T100000Z");
	CHECK_STR_EQ(x.f.amz_date[1], "20261125T110000Z");
	CHECK_INT_EQ(x.cl.skew_ms, 3600000);

	/* ExpiredToken: the credential cache is dropped and the call retried once. */
	refreshes = x.prov.refreshes;
	x.f.n = 2;
	x.f.next = 0;
	x.f.r[0].status = 400;
	x.f.r[0].headers = NULL;
	x.f.r[0].body = "{\"__type\":\"ExpiredTokenException\",\"message\":\"The security token included in the request is expired\"}";
	x.f.r[1].status = 200;
	x.f.r[1].body = "{}";
	CHECK_OK(fa2_aws_call(&x.cl, fa2_aws_service_find("logs"), "DescribeLogGroups", FA2_SLICE_LIT("{}"),
	                      &out, &err, NULL));
	CHECK_INT_EQ(x.prov.refreshes, refreshes + 1);
	fa2_buf_cleanup(&out);
	fixture_cleanup(&x);
}

FA2_TEST(aws_http_date_and_backoff)
{
	int64_t ms;
	struct client_fixture x;
	int i;
	CHECK_OK(fa2_aws_parse_http_date(FA2_SLICE_LIT("Wed, 25 Nov 2026 11:00:00 GMT"), &ms));
	CHECK_INT_EQ(ms, 1795604400000LL);
	CHECK_OK(fa2_aws_parse_http_date(FA2_SLICE_LIT("Wednesday, 25-Nov-26 11:00:00 GMT"), &ms));
	CHECK_INT_EQ(ms, 1795604400000LL);
	CHECK_OK(fa2_aws_parse_http_date(FA2_SLICE_LIT("Wed Nov 25 11:00:00 2026"), &ms));
	CHECK_INT_EQ(ms, 1795604400000LL);
	CHECK_INT_EQ(fa2_aws_parse_http_date(FA2_SLICE_LIT("yesterday"), &ms), FA2_ERR_PARSE);
	CHECK(fixture_init(&x) == 0);
	x.cl.base_delay_ms = 100;
	x.cl.max_backoff_ms = 1000;
	for (i = 0; i < 200; i++) {
		int64_t d1 = fa2_aws_backoff_ms(&x.cl, 1, 0), d3 = fa2_aws_backoff_ms(&x.cl, 3, 0);
		int64_t d9 = fa2_aws_backoff_ms(&x.cl, 9, 0);
		CHECK(d1 >= 0 && d1 <= 100 && d3 >= 0 && d3 <= 400 && d9 >= 0 && d9 <= 1000);
	}
	fixture_cleanup(&x);
}

/* ---- network providers through the fake ---- */

FA2_TEST(aws_creds_imds_v2_only)
{
	fa2_aws_config cfg;
	fa2_aws_chain ch;
	fa2_aws_creds c;
	struct fake f;
	char region[64];
	clear_aws_env();
	unsetenv("AWS_EC2_METADATA_DISABLED");
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1338", 1);
	memset(&f, 0, sizeof f);
	fa2_aws_config_init(&cfg, "default");
	fa2_aws_creds_init(&c);
	memset(&ch, 0, sizeof ch);
	ch.cfg = &cfg;
	ch.http = fake_http;
	ch.http_ctx = &f;
	ch.deadline_ms = fa2_time_mono_ms() + 5000;
	f.n = 4;
	f.r[0].status = 200;
	f.r[0].body = "IMDSTOKEN123";
	f.r[1].status = 200;
	f.r[1].body = "my-role\n";
	f.r[2].status = 200;
	f.r[2].body = "{\"Code\":\"Success\",\"AccessKeyId\":\"ASIAIMDS\",\"SecretAccessKey\":\"simds\","
	              "\"Token\":\"timds\",\"Expiration\":\"2030-01-01T00:00:00Z\"}";
	CHECK_OK(fa2_aws_creds_resolve(&ch, &c));
	CHECK_STR_EQ(c.access_key_id, "ASIAIMDS");
	CHECK_STR_EQ(c.source, "imds");
	CHECK_STR_EQ(f.method[0], "PUT");
	CHECK_STR_EQ(f.target[0], "/latest/api/token");
	CHECK_STR_EQ(f.target[2], "/latest/meta-data/iam/security-credentials/my-role");
	/* Without a token (IMDSv1-only host) nothing else is asked. */
	memset(&f, 0, sizeof f);
	f.n = 3;
	f.r[0].status = 403;
	f.r[1].status = 200;
	f.r[1].body = "my-role";
	CHECK_INT_EQ(fa2_aws_creds_from_imds(&ch, &c), FA2_ERR_AUTH);
	CHECK_INT_EQ(f.next, 1);
	/* Region from IMDS. */
	memset(&f, 0, sizeof f);
	f.n = 2;
	f.r[0].status = 200;
	f.r[0].body = "T";
	f.r[1].status = 200;
	f.r[1].body = "ap-southeast-2";
	CHECK_OK(fa2_aws_imds_region(&ch, region, sizeof region));
	CHECK_STR_EQ(region, "ap-southeast-2");
	fa2_aws_creds_cleanup(&c);
	fa2_aws_config_cleanup(&cfg);
	clear_aws_env();
}

FA2_TEST(aws_creds_container)
{
	fa2_aws_config cfg;
	fa2_aws_chain ch;
	fa2_aws_creds c;
	struct fake f;
	char tokp[512];
	clear_aws_env();
	memset(&f, 0, sizeof f);
	fa2_aws_config_init(&cfg, "default");
	fa2_aws_creds_init(&c);
	memset(&ch, 0, sizeof ch);
	ch.cfg = &cfg;
	ch.http = fake_http;
	ch.http_ctx = &f;
	ch.deadline_ms = fa2_time_mono_ms() + 5000;
	setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc", 1);
	f.n = 2;
	f.r[0].status = 200;
	f.r[0].body = "{\"AccessKeyId\":\"ASIAECS\",\"SecretAccessKey\":\"secs\",\"Token\":\"tecs\","
	              "\"Expiration\":\"2030-01-01T00:00:00Z\",\"RoleArn\":\"arn\"}";
	CHECK_OK(fa2_aws_creds_resolve(&ch, &c));
	CHECK_STR_EQ(c.access_key_id, "ASIAECS");
	CHECK_STR_EQ(f.target[0], "/v2/credentials/abc");
	CHECK_STR_EQ(f.auth[0], "");
	unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	CHECK(write_tmp("eks-token", "eks-pod-token\n", tokp, sizeof tokp));
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:8080/creds", 1);
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", tokp, 1);
	f.r[1] = f.r[0];
	CHECK_OK(fa2_aws_creds_from_container(&ch, &c));
	CHECK_STR_EQ(f.target[1], "/creds");
	CHECK_STR_EQ(f.auth[1], "eks-pod-token");
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://198.51.100.7/creds", 1);
	CHECK_INT_EQ(fa2_aws_creds_from_container(&ch, &c), FA2_ERR_CONFIG);
	fa2_aws_creds_cleanup(&c);
	fa2_aws_config_cleanup(&cfg);
	clear_aws_env();
}

FA2_TEST(aws_creds_assume_role_profile)
{
	char cfgp[512], credp[512];
	fa2_aws_config cfg;
	fa2_aws_chain ch;
	fa2_aws_creds c;
	struct fake f;
	clear_aws_env();
	CHECK(write_tmp("credentials", "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = sbase\n",
	                credp, sizeof credp));
	CHECK(write_tmp("config", "[profile ops]\nrole_arn = arn:aws:iam::123456789012:role/ops\n"
	                "source_profile = base\nrole_session_name = fa2-test\nexternal_id = ext-1\nregion = eu-west-1\n",
	                cfgp, sizeof cfgp));
	setenv("AWS_SHARED_CREDENTIALS_FILE", credp, 1);
	setenv("AWS_CONFIG_FILE", cfgp, 1);
	setenv("AWS_PROFILE", "ops", 1);
	CHECK_OK(fa2_aws_config_load(&cfg, NULL));
	memset(&f, 0, sizeof f);
	fa2_aws_creds_init(&c);
	memset(&ch, 0, sizeof ch);
	ch.cfg = &cfg;
	ch.http = fake_http;
	ch.http_ctx = &f;
	ch.deadline_ms = fa2_time_mono_ms() + 5000;
	f.n = 1;
	f.r[0].status = 200;
	f.r[0].body = "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAROLE</AccessKeyId>"
	              "<SecretAccessKey>srole</SecretAccessKey><SessionToken>trole</SessionToken>"
	              "<Expiration>2030-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>";
	CHECK_OK(fa2_aws_creds_resolve(&ch, &c));
	CHECK_STR_EQ(c.access_key_id, "ASIAROLE");
	CHECK_STR_EQ(c.session_token, "trole");
	CHECK_STR_EQ(c.source, "assume-role");
	CHECK(strstr(f.body[0], "Action=AssumeRole&Version=2011-06-15"));
	CHECK(strstr(f.body[0], "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fops"));
	CHECK(strstr(f.body[0], "RoleSessionName=fa2-test") && strstr(f.body[0], "ExternalId=ext-1"));
	CHECK(strstr(f.auth[0], "Credential=AKIDBASE/") && strstr(f.auth[0], "/eu-west-1/sts/aws4_request"));
	fa2_aws_creds_cleanup(&c);
	fa2_aws_config_cleanup(&cfg);
	clear_aws_env();
}

/* ---- the refresh cache ---- */

static int resolve_calls;
static int64_t resolve_exp_offset;

static fa2_err counting_resolve(const fa2_aws_chain *ch, fa2_aws_creds *out)
{
	char akid[32];
	(void)ch;
	resolve_calls++;
	snprintf(akid, sizeof akid, "ASIA%04d", resolve_calls);
	if (resolve_exp_offset < 0)
		return FA2_ERR_AUTH;
	return fa2_aws_creds_set(out, fa2_slice_cstr(akid), FA2_SLICE_LIT("s"), FA2_SLICE_LIT("t"),
	                         fa2_time_now_ms() + resolve_exp_offset, "test");
}

FA2_TEST(aws_creds_provider_refresh)
{
	fa2_aws_config cfg;
	fa2_aws_chain ch;
	fa2_aws_creds_provider p;
	fa2_aws_creds c;
	int64_t t = 1795600800000LL;
	fa2_aws_config_init(&cfg, "default");
	memset(&ch, 0, sizeof ch);
	ch.cfg = &cfg;
	CHECK_OK(fa2_aws_creds_provider_init(&p, &ch, 1000));
	p.resolve = counting_resolve;
	fa2_aws_creds_init(&c);
	resolve_calls = 0;
	resolve_exp_offset = 60 * 60000;
	fa2_time_set_fake_now_ms(t);
	CHECK_OK(fa2_aws_creds_provider_get(&p, &c));
	CHECK_STR_EQ(c.access_key_id, "ASIA0001");
	fa2_time_set_fake_now_ms(t + 30 * 60000);  /* 30 min left: still fresh */
	CHECK_OK(fa2_aws_creds_provider_get(&p, &c));
	CHECK_INT_EQ(resolve_calls, 1);
	fa2_time_set_fake_now_ms(t + 50 * 60000);  /* 10..15 min left: refreshed */
	CHECK_OK(fa2_aws_creds_provider_get(&p, &c));
	CHECK_STR_EQ(c.access_key_id, "ASIA0002");
	/* Advisory window and the refresh fails: keep the old ones. */
	fa2_time_set_fake_now_ms(t + 50 * 60000 + 47 * 60000);
	resolve_exp_offset = -1;
	CHECK_OK(fa2_aws_creds_provider_get(&p, &c));
	CHECK_STR_EQ(c.access_key_id, "ASIA0002");
	/* Mandatory window and the refresh fails: an error. */
	fa2_time_set_fake_now_ms(t + 50 * 60000 + 55 * 60000);
	CHECK_INT_EQ(fa2_aws_creds_provider_get(&p, &c), FA2_ERR_AUTH);
	resolve_exp_offset = 60 * 60000;
	CHECK_OK(fa2_aws_creds_provider_get(&p, &c));
	CHECK_STR_EQ(c.access_key_id, "ASIA0005");
	fa2_aws_creds_cleanup(&c);
	fa2_aws_creds_provider_cleanup(&p);
	fa2_aws_config_cleanup(&cfg);
}

FA2_TEST(aws_xml_to_json)
{
	fa2_buf b;
	fa2_buf_init(&b, 1 << 16);
	CHECK_OK(fa2_aws_xml_to_json(FA2_SLICE_LIT(
		"<?xml version=\"1.0\"?>\n<R a=\"x>y\"><L><member><N>1</N></member><member><N>2</N></member></L>"
		"<E/><T>a &lt;&amp;&gt; &#x263A;&#65;</T><!-- c --><D>x</D><D>y</D></R>"), &b));
	CHECK_STR_EQ(b.data, "{\"R\":{\"L\":[{\"N\":\"1\"},{\"N\":\"2\"}],\"E\":\"\",\"T\":\"a <&> \xe2\x98\xba" "A\",\"D\":[\"x\",\"y\"]}}");
	fa2_buf_reset(&b);
	CHECK_INT_EQ(fa2_aws_xml_to_json(FA2_SLICE_LIT("<a><b></a>"), &b), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_aws_xml_to_json(FA2_SLICE_LIT("<a>"), &b), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_aws_xml_to_json(FA2_SLICE_LIT("<a></a>trailing"), &b), FA2_ERR_PARSE);
	fa2_buf_cleanup(&b);
}

FA2_TEST(aws_secretsmanager_get)
{
	struct client_fixture x;
	fa2_buf out;
	fa2_aws_error err;
	clear_aws_env();
	CHECK(fixture_init(&x) == 0);
	fa2_buf_init(&out, 1 << 16);
	x.f.n = 3;
	x.f.r[0].status = 200;
	x.f.r[0].body = "{\"Name\":\"fa2/slack\",\"SecretString\":\"{\\\"SlackBotToken\\\":\\\"xoxb-1\\\",\\\"SlackSigningSecret\\\":\\\"abc123\\\"}\"}";
	x.f.r[1].status = 200;
	x.f.r[1].body = "{\"Name\":\"bin\",\"SecretBinary\":\"aGVsbG8=\"}";
	x.f.r[2].status = 400;
	x.f.r[2].body = "{\"__type\":\"ResourceNotFoundException\",\"message\":\"Secrets Manager can't find the specified secret.\"}";
	CHECK_OK(fa2_aws_secret_get_key(&x.cl, "fa2/slack", "SlackSigningSecret", &out, &err));
	CHECK_STR_EQ(out.data, "abc123");
	CHECK_STR_EQ(x.f.amz_target[0], "secretsmanager.GetSecretValue");
	CHECK_STR_EQ(x.f.body[0], "{\"SecretId\":\"fa2/slack\"}");
	fa2_buf_reset(&out);
	CHECK_OK(fa2_aws_secret_get(&x.cl, "bin", NULL, &out, &err));
	CHECK_STR_EQ(out.data, "hello");
	fa2_buf_reset(&out);
	CHECK_INT_EQ(fa2_aws_secret_get(&x.cl, "nope", NULL, &out, &err), FA2_ERR_AWS);
	CHECK_STR_EQ(err.code, "ResourceNotFoundException");
	fa2_buf_cleanup(&out);
	fixture_cleanup(&x);
}

/* Every allocation failure on the call path (input parsing, signing, response
 * handling, XML conversion, error decoding) is reported and leaks nothing. */
static void torture_call(void *ctx)
{
	struct client_fixture *x = ctx;
	fa2_buf out;
	fa2_aws_error err;
	fa2_buf_init(&out, 1 << 16);
	x->f.next = 0;
	x->cl.quota = FA2_AWS_RETRY_QUOTA;
	(void)fa2_aws_call(&x->cl, fa2_aws_service_find("bedrock-runtime"), "Converse",
	                   FA2_SLICE_LIT("{\"modelId\":\"m:1\",\"messages\":[{\"role\":\"user\"}]}"), &out, &err, NULL);
	(void)fa2_aws_call(&x->cl, fa2_aws_service_find("sts"), "AssumeRole",
	                   FA2_SLICE_LIT("{\"RoleArn\":\"arn\",\"Tags\":[{\"Key\":\"k\",\"Value\":\"v\"}]}"), &out, &err, NULL);
	fa2_buf_cleanup(&out);
}

FA2_TEST(aws_client_alloc_torture)
{
	struct client_fixture x;
	clear_aws_env();
	CHECK(fixture_init(&x) == 0);
	x.cl.max_attempts = 2;
	x.cl.base_delay_ms = 0;
	x.cl.throttle_base_ms = 0;
	x.f.n = 3;
	x.f.r[0].status = 500;
	x.f.r[0].headers = "x-amzn-RequestId: r1\r\nDate: Wed, 25 Nov 2026 11:00:00 GMT\r\n";
	x.f.r[0].body = "{\"__type\":\"InternalFailure\",\"message\":\"x\"}";
	x.f.r[1].status = 200;
	x.f.r[1].body = "{\"output\":{\"message\":{}}}";
	x.f.r[2].status = 200;
	x.f.r[2].body = "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
	                "</Credentials></AssumeRoleResult></AssumeRoleResponse>";
	CHECK(fa2_test_alloc_torture(torture_call, &x) > 10);
	fixture_cleanup(&x);
}

FA2_TEST(aws_creds_web_identity_unsigned)
{
	fa2_aws_config cfg;
	fa2_aws_chain ch;
	fa2_aws_creds c;
	struct fake f;
	char tokp[512];
	clear_aws_env();
	CHECK(write_tmp("wi-token", "eyJ.token.sig\n", tokp, sizeof tokp));
	setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tokp, 1);
	setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/wi", 1);
	memset(&f, 0, sizeof f);
	fa2_aws_config_init(&cfg, "default");
	fa2_aws_creds_init(&c);
	memset(&ch, 0, sizeof ch);
	ch.cfg = &cfg;
	ch.region = "ap-northeast-1";
	ch.http = fake_http;
	ch.http_ctx = &f;
	ch.deadline_ms = fa2_time_mono_ms() + 5000;
	f.n = 1;
	f.r[0].status = 200;
	f.r[0].body = "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
	              "<AccessKeyId>ASIAWI</AccessKeyId><SecretAccessKey>swi</SecretAccessKey><SessionToken>twi</SessionToken>"
	              "<Expiration>2030-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleWithWebIdentityResult>"
	              "</AssumeRoleWithWebIdentityResponse>";
	CHECK_OK(fa2_aws_creds_resolve(&ch, &c));
	CHECK_STR_EQ(c.access_key_id, "ASIAWI");
	CHECK_STR_EQ(c.source, "web-identity");
	CHECK_STR_EQ(f.auth[0], "");  /* unsigned */
	CHECK(strstr(f.body[0], "Action=AssumeRoleWithWebIdentity"));
	CHECK(strstr(f.body[0], "WebIdentityToken=eyJ.token.sig"));
	CHECK(strstr(f.body[0], "RoleSessionName=fa2-web-identity"));
	fa2_aws_creds_cleanup(&c);
	fa2_aws_config_cleanup(&cfg);
	clear_aws_env();
}

/* Concurrent analyses in `fa2 serve` share one AWS context: one finishing (its release)
 * must not free the client another still holds; the last release frees it, and the next
 * user gets a fresh one (here visible through the region it was opened with). */
FA2_TEST(aws_shared_hold_release)
{
	fa2_aws_client *c1 = NULL, *c2 = NULL, *c3 = NULL;
	char msg[256];

	clear_aws_env();
	fa2_aws_shared_hold();                 /* analysis A */
	fa2_aws_shared_hold();                 /* analysis B */
	CHECK_OK(fa2_aws_shared_get("eu-west-3", &c1, msg, sizeof msg));
	CHECK_STR_EQ(c1->region, "eu-west-3");
	fa2_aws_shared_release();              /* A ends */
	CHECK_OK(fa2_aws_shared_get("ap-south-1", &c2, msg, sizeof msg));
	CHECK(c2 == c1);
	CHECK_STR_EQ(c2->region, "eu-west-3"); /* still B's context, not re-created */
	fa2_aws_shared_release();              /* B ends: freed */
	fa2_aws_shared_hold();
	CHECK_OK(fa2_aws_shared_get("ap-south-1", &c3, msg, sizeof msg));
	CHECK_STR_EQ(c3->region, "ap-south-1");
	fa2_aws_shared_release();
}

/* A peer that echoes a secret in its error message across the message's cut: the
 * decoded message holds neither the secret nor its first bytes. */
FA2_TEST(aws_client_error_redacted_before_cut)
{
	static const char secret[] = "FwoGZXIvYXdzEBAaDLongSessionTokenValue0123456789";
	fa2_aws_http_response r;
	fa2_aws_error e;
	fa2_buf body;
	size_t i;
	fa2_aws_http_response_init(&r);
	fa2_buf_init(&body, 1u << 20);
	CHECK_INT_EQ(fa2_log_add_secret(fa2_slice_cstr(secret)), FA2_OK);
	r.status = 403;
	fa2_buf_append_cstr(&body, "{\"__type\":\"AccessDeniedException\",\"message\":\"");
	for (i = 0; i < sizeof e.message - 20; i++)
		fa2_buf_append_byte(&body, 'x');
	fa2_buf_append_cstr(&body, secret); /* starts 20 bytes before the cut */
	fa2_buf_append_cstr(&body, "\"}");
	fa2_buf_append(&r.body, body.data, body.len);
	fa2_aws_error_decode(&r, &e);
	CHECK_STR_EQ(e.code, "AccessDeniedException");
	CHECK(strstr(e.message, "FwoGZXIv") == NULL);
	CHECK(strstr(e.message, "[REDACTED]") != NULL);
	/* The same across the 300-byte cut of a body that is not JSON. */
	fa2_aws_http_response_reset(&r);
	r.status = 500;
	fa2_buf_truncate(&body, 0);
	for (i = 0; i < 290; i++)
		fa2_buf_append_byte(&body, 'y');
	fa2_buf_append_cstr(&body, secret);
	fa2_buf_append(&r.body, body.data, body.len);
	fa2_aws_error_decode(&r, &e);
	CHECK(strstr(e.message, "FwoGZXIv") == NULL);
	fa2_log_clear_secrets();
	fa2_buf_cleanup(&body);
	fa2_aws_http_response_cleanup(&r);
}
