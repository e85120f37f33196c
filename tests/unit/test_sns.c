/* src/aws/sns.c and sns_alarm.c: parsing, canonical strings, certificates, signatures
 * (vectors signed by Python's cryptography: sns_vectors.h), URL rules, the verifier's
 * cache and rate limit through a fake transport, replay memory, confirmation, and the
 * alarm notification shapes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sns.h"
#include "base/json.h"
#include "base/time.h"
#include "sns_vectors.h"
#include "test.h"

static void set_env(const char *k, const char *v)
{
	if (v)
		setenv(k, v, 1);
	else
		unsetenv(k);
}

FA2_TEST(sns_parse_types_and_fields)
{
	fa2_sns_message m;
	char why[256];
	CHECK_INT_EQ(fa2_sns_parse(fa2_slice_cstr(SNSV_NOTIF_V1), NULL, &m, why, sizeof why), FA2_SNS_OK);
	CHECK_INT_EQ(m.type, FA2_SNS_NOTIFICATION);
	CHECK_INT_EQ(m.sig_version, 1);
	CHECK_STR_EQ(m.region, "ap-northeast-1");
	CHECK_STR_EQ(m.account, "123456789012");
	CHECK_STR_EQ(m.partition, "aws");
	CHECK_STR_EQ(m.topic_arn, SNSV_TOPIC);
	CHECK(m.subject != NULL);
	CHECK_INT_EQ(m.timestamp_ms, SNSV_NOW_MS);
	fa2_sns_message_cleanup(&m);

	CHECK_INT_EQ(fa2_sns_parse(fa2_slice_cstr(SNSV_SUBCONF_V2), NULL, &m, why, sizeof why), FA2_SNS_OK);
	CHECK_INT_EQ(m.type, FA2_SNS_SUBSCRIPTION_CONFIRMATION);
	CHECK(m.token && m.subscribe_url);
	fa2_sns_message_cleanup(&m);
	CHECK_INT_EQ(fa2_sns_parse(fa2_slice_cstr(SNSV_UNSUB_V1), NULL, &m, why, sizeof why), FA2_SNS_OK);
	CHECK_INT_EQ(m.type, FA2_SNS_UNSUBSCRIBE_CONFIRMATION);
	fa2_sns_message_cleanup(&m);
}

FA2_TEST(sns_parse_refusals)
{
	static const struct { const char *body, *says; } bad[] = {
		{ "", "not JSON" },
		{ "[1,2]", "not a JSON object" },
		{ "{\"Type\":\"Notification\"}", "no MessageId" },
		{ "{\"Type\":\"Bogus\",\"MessageId\":\"x\"}", "unknown Type" },
		{ "{\"Type\":7}", "not a string" },
		{ "{\"Type\":\"Notification\",\"MessageId\":\"m\",\"TopicArn\":\"arn:aws:sns:us-east-1:123456789012:t\","
		  "\"Message\":\"x\",\"Timestamp\":\"2026-03-01T02:03:04Z\",\"SignatureVersion\":\"3\","
		  "\"Signature\":\"AA==\",\"SigningCertURL\":\"https://x/y.pem\"}", "SignatureVersion" },
		{ "{\"Type\":\"Notification\",\"MessageId\":\"m\",\"TopicArn\":\"arn:aws:sqs:us-east-1:123456789012:t\","
		  "\"Message\":\"x\",\"Timestamp\":\"2026-03-01T02:03:04Z\",\"SignatureVersion\":\"1\","
		  "\"Signature\":\"AA==\",\"SigningCertURL\":\"https://x/y.pem\"}", "not an SNS topic ARN" },
		{ "{\"Type\":\"Notification\",\"MessageId\":\"m\",\"TopicArn\":\"arn:aws:sns:us-east-1:123456789012:t\","
		  "\"Message\":\"x\",\"Timestamp\":\"now\",\"SignatureVersion\":\"1\","
		  "\"Signature\":\"AA==\",\"SigningCertURL\":\"https://x/y.pem\"}", "Timestamp" },
		{ "{\"Type\":\"SubscriptionConfirmation\",\"MessageId\":\"m\",\"TopicArn\":\"arn:aws:sns:us-east-1:123456789012:t\","
		  "\"Message\":\"x\",\"Timestamp\":\"2026-03-01T02:03:04Z\",\"SignatureVersion\":\"1\","
		  "\"Signature\":\"AA==\",\"SigningCertURL\":\"https://x/y.pem\"}", "no SubscribeURL" },
	};
	fa2_sns_message m;
	fa2_sns_headers h;
	char why[256];
	size_t i;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_MSG(fa2_sns_parse(fa2_slice_cstr(bad[i].body), NULL, &m, why, sizeof why) ==
		          FA2_SNS_MALFORMED, "case %zu accepted", i);
		CHECK_MSG(strstr(why, bad[i].says) != NULL, "case %zu: \"%s\" lacks \"%s\"", i, why, bad[i].says);
		CHECK(m.doc == NULL);
	}
	/* Headers must agree with the body. */
	memset(&h, 0, sizeof h);
	h.message_type = FA2_SLICE_LIT("Notification");
	h.topic_arn = FA2_SLICE_LIT("arn:aws:sns:ap-northeast-1:123456789012:other");
	CHECK_INT_EQ(fa2_sns_parse(fa2_slice_cstr(SNSV_NOTIF_V1), &h, &m, why, sizeof why), FA2_SNS_MALFORMED);
	CHECK(strstr(why, "x-amz-sns-topic-arn") != NULL);
	h.topic_arn = FA2_SLICE_LIT(SNSV_TOPIC);
	h.message_id = FA2_SLICE_LIT("2f3c1a52-0c2d-5b5e-9f4c-6d0f1c2b3a41");
	CHECK_INT_EQ(fa2_sns_parse(fa2_slice_cstr(SNSV_NOTIF_V1), &h, &m, why, sizeof why), FA2_SNS_OK);
	fa2_sns_message_cleanup(&m);
	h.message_type = FA2_SLICE_LIT("SubscriptionConfirmation");
	CHECK_INT_EQ(fa2_sns_parse(fa2_slice_cstr(SNSV_NOTIF_V1), &h, &m, why, sizeof why), FA2_SNS_MALFORMED);
}

FA2_TEST(sns_string_to_sign)
{
	fa2_sns_message m;
	fa2_buf b;
	char why[256];
	const char *want_prefix = "Message\n{\"AlarmName\": \"orders-api 5xx\"";
	fa2_buf_init(&b, 1 << 20);
	CHECK_INT_EQ(fa2_sns_parse(fa2_slice_cstr(SNSV_NOTIF_V1), NULL, &m, why, sizeof why), FA2_SNS_OK);
	CHECK_OK(fa2_sns_string_to_sign(&m, &b));
	CHECK(strncmp(b.data, want_prefix, strlen(want_prefix)) == 0);
	CHECK(strstr(b.data, "\nMessageId\n2f3c1a52-0c2d-5b5e-9f4c-6d0f1c2b3a41\nSubject\nALARM: \"orders-api 5xx\" "
	                     "in Asia Pacific (Tokyo)\nTimestamp\n2026-03-01T02:03:04.567Z\nTopicArn\n"
	                     SNSV_TOPIC "\nType\nNotification\n") != NULL);
	fa2_sns_message_cleanup(&m);
	fa2_buf_reset(&b);
	CHECK_INT_EQ(fa2_sns_parse(fa2_slice_cstr(SNSV_SUBCONF_V2), NULL, &m, why, sizeof why), FA2_SNS_OK);
	CHECK_OK(fa2_sns_string_to_sign(&m, &b));
	CHECK(strstr(b.data, "\nSubscribeURL\nhttps://sns.ap-northeast-1.amazonaws.com/?Action=ConfirmSubscription") != NULL);
	CHECK(strstr(b.data, "\nTimestamp\n2026-03-01T02:03:04.567Z\nToken\n2336412f37fb687f") != NULL);
	CHECK(fa2_slice_ends_with(fa2_buf_slice(&b), FA2_SLICE_LIT("\nType\nSubscriptionConfirmation\n")));
	fa2_sns_message_cleanup(&m);
	fa2_buf_cleanup(&b);
}

FA2_TEST(sns_cert_parse_and_validity)
{
	fa2_sns_cert c;
	char why[256];
	CHECK_INT_EQ(fa2_sns_cert_parse(fa2_slice_cstr(SNSV_CERT_GOOD), &c, why, sizeof why), FA2_SNS_OK);
	CHECK_INT_EQ(c.nlen, 256);
	CHECK_INT_EQ(c.not_before_ms, 1577836800000LL);   /* 2020-01-01 */
	CHECK_INT_EQ(c.not_after_ms, 4733510400000LL);    /* 2120-01-01 */
	CHECK_INT_EQ(fa2_sns_cert_check_time(&c, SNSV_NOW_MS, why, sizeof why), FA2_SNS_OK);
	CHECK_INT_EQ(fa2_sns_cert_check_time(&c, 1500000000000LL, why, sizeof why), FA2_SNS_BAD_CERT);
	CHECK(strstr(why, "not valid before 2020-01-01") != NULL);
	CHECK_INT_EQ(fa2_sns_cert_parse(fa2_slice_cstr(SNSV_CERT_EXPIRED), &c, why, sizeof why), FA2_SNS_OK);
	CHECK_INT_EQ(fa2_sns_cert_check_time(&c, SNSV_NOW_MS, why, sizeof why), FA2_SNS_BAD_CERT);
	CHECK(strstr(why, "expired at 2001-01-01") != NULL);
	CHECK_INT_EQ(fa2_sns_cert_parse(FA2_SLICE_LIT("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
	                                &c, why, sizeof why), FA2_SNS_BAD_CERT);
	CHECK_INT_EQ(fa2_sns_cert_parse(FA2_SLICE_LIT("hello"), &c, why, sizeof why), FA2_SNS_BAD_CERT);
	CHECK_INT_EQ(fa2_sns_cert_parse(FA2_SLICE_LIT("<html>404</html>"), &c, why, sizeof why), FA2_SNS_BAD_CERT);
}

static fa2_sns_verdict verify_vector(const char *body, const char *pem)
{
	fa2_sns_message m;
	fa2_sns_cert c;
	char why[256];
	fa2_sns_verdict v;
	if (fa2_sns_parse(fa2_slice_cstr(body), NULL, &m, why, sizeof why))
		return FA2_SNS_MALFORMED;
	v = fa2_sns_cert_parse(fa2_slice_cstr(pem), &c, why, sizeof why);
	if (!v)
		v = fa2_sns_signature_check(&m, &c, why, sizeof why);
	fa2_sns_message_cleanup(&m);
	return v;
}

/* body with the first occurrence of from replaced by to (caller frees). */
static char *tamper(const char *body, const char *from, const char *to)
{
	const char *p = strstr(body, from);
	size_t n = strlen(body) - strlen(from) + strlen(to) + 1;
	char *out = malloc(n);
	if (!p || !out) {
		free(out);
		return NULL;
	}
	memcpy(out, body, (size_t)(p - body));
	memcpy(out + (p - body), to, strlen(to));
	memcpy(out + (p - body) + strlen(to), p + strlen(from), strlen(p + strlen(from)) + 1);
	return out;
}

/* The verdict for body with from replaced by to; -1 when from does not occur. */
static int tampered(const char *body, const char *from, const char *to)
{
	char *t = tamper(body, from, to);
	int v = t ? (int)verify_vector(t, SNSV_CERT_GOOD) : -1;
	free(t);
	return v;
}

FA2_TEST(sns_signature_versions_1_and_2)
{
	CHECK_INT_EQ(verify_vector(SNSV_NOTIF_V1, SNSV_CERT_GOOD), FA2_SNS_OK);
	CHECK_INT_EQ(verify_vector(SNSV_NOTIF_V2, SNSV_CERT_GOOD), FA2_SNS_OK);
	CHECK_INT_EQ(verify_vector(SNSV_SUBCONF_V2, SNSV_CERT_GOOD), FA2_SNS_OK);
	CHECK_INT_EQ(verify_vector(SNSV_UNSUB_V1, SNSV_CERT_GOOD), FA2_SNS_OK);
	/* Another key's certificate. */
	CHECK_INT_EQ(verify_vector(SNSV_NOTIF_V2, SNSV_CERT_OTHER_KEY), FA2_SNS_BAD_SIGNATURE);
	/* Any signed field changed. */
	CHECK_INT_EQ(tampered(SNSV_NOTIF_V1, "greater than the threshold (5.0)", "greater than the threshold (6.0)"),
	             FA2_SNS_BAD_SIGNATURE);
	CHECK_INT_EQ(tampered(SNSV_NOTIF_V2, "2026-03-01T02:03:04.567Z", "2026-03-01T02:03:05.567Z"),
	             FA2_SNS_BAD_SIGNATURE);
	CHECK_INT_EQ(tampered(SNSV_UNSUB_V1, "\"Token\": \"2336", "\"Token\": \"3336"), FA2_SNS_BAD_SIGNATURE);
	/* Version 1 claimed for a version-2 signature. */
	CHECK_INT_EQ(tampered(SNSV_NOTIF_V2, "\"SignatureVersion\": \"2\"", "\"SignatureVersion\": \"1\""),
	             FA2_SNS_BAD_SIGNATURE);
	/* Subject added to a message signed without one. */
	CHECK_INT_EQ(tampered(SNSV_NOTIF_V2, "\"Type\": \"Notification\"",
	                      "\"Type\": \"Notification\", \"Subject\": \"x\""), FA2_SNS_BAD_SIGNATURE);
	/* The signature not base64. */
	CHECK_INT_EQ(tampered(SNSV_NOTIF_V2, "\"Signature\": \"", "\"Signature\": \"!"), FA2_SNS_BAD_SIGNATURE);
}

FA2_TEST(sns_url_rules)
{
	static const struct { const char *url, *kind, *region; int ok; const char *target; } cases[] = {
		{ SNSV_CERT_URL, "cert", "ap-northeast-1", 1, "/SimpleNotificationService-0123456789abcdef.pem" },
		{ "https://SNS.AP-NORTHEAST-1.amazonaws.com/a.pem", "cert", "ap-northeast-1", 1, "/a.pem" },
		{ "https://sns.cn-north-1.amazonaws.com.cn/x/a.pem", "cert", "cn-north-1", 1, "/x/a.pem" },
		{ "https://sns.cn-north-1.amazonaws.com/a.pem", "cert", "cn-north-1", 0, NULL },
		{ "http://sns.ap-northeast-1.amazonaws.com/a.pem", "cert", "ap-northeast-1", 0, NULL },
		{ "https://sns.us-east-1.amazonaws.com/a.pem", "cert", "ap-northeast-1", 0, NULL },
		{ "https://sns.ap-northeast-1.amazonaws.com.evil.example/a.pem", "cert", "ap-northeast-1", 0, NULL },
		{ "https://evil.example/sns.ap-northeast-1.amazonaws.com/a.pem", "cert", "ap-northeast-1", 0, NULL },
		{ "https://sns.ap-northeast-1.amazonaws.com@evil.example/a.pem", "cert", "ap-northeast-1", 0, NULL },
		{ "https://x@sns.ap-northeast-1.amazonaws.com/a.pem", "cert", "ap-northeast-1", 0, NULL },
		{ "https://sns.ap-northeast-1.amazonaws.com:443/a.pem", "cert", "ap-northeast-1", 0, NULL },
		{ "https://sns.ap-northeast-1.amazonaws.com:8443/a.pem", "cert", "ap-northeast-1", 0, NULL },
		{ "https://sns.ap-northeast-1.amazonaws.com/a.pem?x=1", "cert", "ap-northeast-1", 0, NULL },
		{ "https://sns.ap-northeast-1.amazonaws.com/a.pem#f", "cert", "ap-northeast-1", 0, NULL },
		{ "https://sns.ap-northeast-1.amazonaws.com/a.txt", "cert", "ap-northeast-1", 0, NULL },
		{ "https://sns.ap-northeast-1.amazonaws.com/../a.pem", "cert", "ap-northeast-1", 0, NULL },
		{ "https://sns.ap-northeast-1.amazonaws.com/%2e%2e/a.pem", "cert", "ap-northeast-1", 0, NULL },
		{ "https://sns.ap-northeast-1.amazonaws.com", "cert", "ap-northeast-1", 0, NULL },
		{ "https://localhost:8443/certs/a.pem", "cert", "ap-northeast-1", 1, "/certs/a.pem" },
		{ "https://localhost:9443/certs/a.pem", "cert", "ap-northeast-1", 0, NULL },
		{ "https://localhost/certs/a.pem", "cert", "ap-northeast-1", 0, NULL },
		{ "https://sns.ap-northeast-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=a&Token=b",
		  "subscribe", "ap-northeast-1", 1, "/?Action=ConfirmSubscription&TopicArn=a&Token=b" },
		{ "https://sns.ap-northeast-1.amazonaws.com/?Action=Unsubscribe&Token=b", "subscribe",
		  "ap-northeast-1", 0, NULL },
		{ "https://sns.ap-northeast-1.amazonaws.com/x?Action=ConfirmSubscription", "subscribe",
		  "ap-northeast-1", 0, NULL },
		{ "https://evil.example/?Action=ConfirmSubscription", "subscribe", "ap-northeast-1", 0, NULL },
	};
	char target[1024], why[256];
	size_t i;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fa2_sns_verdict v = fa2_sns_url_check(fa2_slice_cstr(cases[i].url), cases[i].kind, cases[i].region,
		                                      "localhost", 8443, target, sizeof target, why, sizeof why);
		CHECK_MSG((v == FA2_SNS_OK) == cases[i].ok, "case %zu (%s): verdict %s (%s)", i, cases[i].url,
		          fa2_sns_verdict_name(v), why);
		if (cases[i].ok)
			CHECK_STR_EQ(target, cases[i].target);
		else
			CHECK(v == FA2_SNS_BAD_CERT_URL && why[0]);
	}
	/* Without an override, the override's host is just another host. */
	CHECK_INT_EQ(fa2_sns_url_check(FA2_SLICE_LIT("https://localhost:8443/a.pem"), "cert", "us-east-1", NULL, 0,
	                               target, sizeof target, why, sizeof why), FA2_SNS_BAD_CERT_URL);
	CHECK_INT_EQ(fa2_sns_host("ap-northeast-1", target, sizeof target), FA2_OK);
	CHECK_STR_EQ(target, "sns.ap-northeast-1.amazonaws.com");
	CHECK_INT_EQ(fa2_sns_host("us-east-1.evil", target, sizeof target), FA2_ERR_INVALID);
}

/* ---- a fake transport that serves certificates ---- */

struct cert_server {
	const char *pem;        /* served for any *.pem path; NULL: 404 */
	const char *body;       /* served for other paths */
	fa2_err fail;
	int requests;
	char last_target[1024], last_host[300], last_authority[300];
	int last_https;
	unsigned last_port;
};

static fa2_err serve_cert(void *ctx, const fa2_aws_http_request *req, fa2_aws_http_response *resp)
{
	struct cert_server *s = ctx;
	fa2_slice t = req->target;
	s->requests++;
	snprintf(s->last_target, sizeof s->last_target, "%.*s", FA2_SLICE_FMT(t));
	snprintf(s->last_host, sizeof s->last_host, "%s", req->url->host);
	snprintf(s->last_authority, sizeof s->last_authority, "%s", req->url->authority);
	s->last_https = req->url->https;
	s->last_port = req->url->port;
	if (s->fail)
		return s->fail;
	if (fa2_slice_ends_with(t, FA2_SLICE_LIT(".pem"))) {
		resp->status = s->pem ? 200 : 404;
		return fa2_buf_append_cstr(&resp->body, s->pem ? s->pem : "<Error>NotFound</Error>");
	}
	resp->status = 200;
	return fa2_buf_append_cstr(&resp->body, s->body ? s->body : "");
}

/* A verifier for SNSV_TOPIC whose fetches go to srv, at most per_min a minute. */
static fa2_err verifier_over(fa2_sns_verifier *v, struct cert_server *srv, unsigned per_min)
{
	const char *topics[] = { SNSV_TOPIC };
	char why[256];
	fa2_err e = fa2_sns_verifier_init(v, topics, 1, why, sizeof why);
	v->http = serve_cert;
	v->http_ctx = srv;
	v->fetches_per_min = per_min;
	return e;
}

static fa2_sns_verdict accept_body(fa2_sns_verifier *v, const char *body, const fa2_sns_seen *seen,
                                   int64_t now, char *why, size_t cap)
{
	fa2_sns_message m;
	fa2_sns_verdict r = fa2_sns_parse(fa2_slice_cstr(body), NULL, &m, why, cap);
	if (r)
		return r;
	r = fa2_sns_accept(v, &m, seen, now, why, cap);
	fa2_sns_message_cleanup(&m);
	return r;
}

FA2_TEST(sns_verifier_fetch_cache_and_refusals)
{
	const char *topics[] = { SNSV_TOPIC };
	struct cert_server srv;
	fa2_sns_verifier v;
	fa2_sns_seen_mem *mem = NULL;
	fa2_sns_seen seen;
	char why[512];
	char *t;
	int i;

	set_env("AWS_ENDPOINT_URL_SNS", NULL);
	memset(&srv, 0, sizeof srv);
	srv.pem = SNSV_CERT_GOOD;
	CHECK_OK(fa2_sns_verifier_init(&v, topics, 1, why, sizeof why));
	v.http = serve_cert;
	v.http_ctx = &srv;
	CHECK_OK(fa2_sns_seen_mem_new(16, &mem));
	seen = fa2_sns_seen_mem_iface(mem);
	fa2_time_set_fake_now_ms(SNSV_NOW_MS + 1000);

	CHECK_INT_EQ(accept_body(&v, SNSV_NOTIF_V1, &seen, SNSV_NOW_MS + 1000, why, sizeof why), FA2_SNS_OK);
	CHECK_INT_EQ(srv.requests, 1);
	CHECK_STR_EQ(srv.last_target, "/SimpleNotificationService-0123456789abcdef.pem");
	CHECK_STR_EQ(srv.last_host, "sns.ap-northeast-1.amazonaws.com");
	CHECK(srv.last_https && srv.last_port == 443);
	/* Second message: the cached certificate, no fetch. */
	CHECK_INT_EQ(accept_body(&v, SNSV_NOTIF_V2, &seen, SNSV_NOW_MS + 1000, why, sizeof why), FA2_SNS_OK);
	CHECK_INT_EQ(srv.requests, 1);
	CHECK_INT_EQ(v.cache_hits, 1);
	/* The same message again: a replay. */
	CHECK_INT_EQ(accept_body(&v, SNSV_NOTIF_V1, &seen, SNSV_NOW_MS + 2000, why, sizeof why), FA2_SNS_REPLAY);
	CHECK(strstr(why, "2f3c1a52") != NULL);
	/* Stale and future. */
	CHECK_INT_EQ(accept_body(&v, SNSV_UNSUB_V1, NULL, SNSV_NOW_MS + 2 * 3600 * 1000LL, why, sizeof why),
	             FA2_SNS_STALE);
	CHECK_INT_EQ(accept_body(&v, SNSV_UNSUB_V1, NULL, SNSV_NOW_MS - 600 * 1000LL, why, sizeof why), FA2_SNS_STALE);
	CHECK(strstr(why, "future") != NULL);
	/* Tampered: bad signature, and nothing remembered for it. */
	t = tamper(SNSV_SUBCONF_V2, "To confirm", "To c0nfirm");
	CHECK(t);
	CHECK_INT_EQ(accept_body(&v, t, &seen, SNSV_NOW_MS, why, sizeof why), FA2_SNS_BAD_SIGNATURE);
	free(t);
	CHECK_INT_EQ(accept_body(&v, SNSV_SUBCONF_V2, &seen, SNSV_NOW_MS, why, sizeof why), FA2_SNS_OK);
	/* A certificate URL elsewhere: refused before any fetch. */
	t = tamper(SNSV_NOTIF_V2, "https://sns.ap-northeast-1.amazonaws.com/Simple",
	           "https://sns.ap-northeast-1.amazonaws.com.attacker.example/Simple");
	i = srv.requests;
	CHECK_INT_EQ(accept_body(&v, t, NULL, SNSV_NOW_MS, why, sizeof why), FA2_SNS_BAD_CERT_URL);
	free(t);
	CHECK_INT_EQ(srv.requests, i);
	t = tamper(SNSV_NOTIF_V2, "https://sns.ap-northeast-1.amazonaws.com/Simple",
	           "http://sns.ap-northeast-1.amazonaws.com/Simple");
	CHECK_INT_EQ(accept_body(&v, t, NULL, SNSV_NOW_MS, why, sizeof why), FA2_SNS_BAD_CERT_URL);
	free(t);
	CHECK(strstr(why, "not https") != NULL);
	/* A topic that is not configured: refused before anything else. */
	t = tamper(SNSV_NOTIF_V2, ":fa2-alarms", ":someone-elses");
	CHECK_INT_EQ(accept_body(&v, t, NULL, SNSV_NOW_MS, why, sizeof why), FA2_SNS_UNKNOWN_TOPIC);
	free(t);
	CHECK_INT_EQ(srv.requests, i);

	/* Expired certificate; a fetch failure; 404; the rate limit. */
	fa2_sns_verifier_cleanup(&v);
	CHECK_OK(verifier_over(&v, &srv, 3));
	srv.pem = SNSV_CERT_EXPIRED;
	CHECK_INT_EQ(accept_body(&v, SNSV_NOTIF_V2, NULL, SNSV_NOW_MS, why, sizeof why), FA2_SNS_BAD_CERT);
	CHECK(strstr(why, "expired") != NULL);
	/* The expired certificate stays cached (no refetch for each old message). */
	CHECK_INT_EQ(accept_body(&v, SNSV_NOTIF_V1, NULL, SNSV_NOW_MS, why, sizeof why), FA2_SNS_BAD_CERT);
	CHECK_INT_EQ(v.fetches, 1);
	fa2_sns_verifier_cleanup(&v);
	CHECK_OK(verifier_over(&v, &srv, 2));
	srv.pem = NULL;
	CHECK_INT_EQ(accept_body(&v, SNSV_NOTIF_V2, NULL, SNSV_NOW_MS, why, sizeof why), FA2_SNS_CERT_UNAVAILABLE);
	CHECK(strstr(why, "HTTP 404") != NULL);
	CHECK(fa2_sns_verdict_transient(FA2_SNS_CERT_UNAVAILABLE));
	srv.fail = FA2_ERR_TLS;
	CHECK_INT_EQ(accept_body(&v, SNSV_NOTIF_V2, NULL, SNSV_NOW_MS, why, sizeof why), FA2_SNS_CERT_UNAVAILABLE);
	i = srv.requests;
	srv.fail = FA2_OK;
	srv.pem = SNSV_CERT_GOOD;
	CHECK_INT_EQ(accept_body(&v, SNSV_NOTIF_V2, NULL, SNSV_NOW_MS, why, sizeof why), FA2_SNS_CERT_UNAVAILABLE);
	CHECK(strstr(why, "fetches in the last minute") != NULL);
	CHECK_INT_EQ(srv.requests, i);

	fa2_time_set_fake_now_ms(0);
	fa2_sns_verifier_cleanup(&v);
	fa2_sns_seen_mem_free(mem);
}

FA2_TEST(sns_verifier_endpoint_override)
{
	const char *topics[] = { SNSV_TOPIC };
	struct cert_server srv;
	fa2_sns_verifier v;
	char why[512], *t;

	memset(&srv, 0, sizeof srv);
	srv.pem = SNSV_CERT_GOOD;
	set_env("AWS_ENDPOINT_URL_SNS", "https://localhost:8443");
	CHECK_OK(fa2_sns_verifier_init(&v, topics, 1, why, sizeof why));
	v.http = serve_cert;
	v.http_ctx = &srv;
	/* The regional host's URL is fetched from the override endpoint. */
	CHECK_INT_EQ(accept_body(&v, SNSV_NOTIF_V2, NULL, SNSV_NOW_MS, why, sizeof why), FA2_SNS_OK);
	CHECK_STR_EQ(srv.last_host, "localhost");
	CHECK_STR_EQ(srv.last_authority, "localhost:8443");
	CHECK_INT_EQ(srv.last_port, 8443);
	/* A URL naming the override host itself. */
	t = tamper(SNSV_NOTIF_V1, "https://sns.ap-northeast-1.amazonaws.com/Simple",
	           "https://localhost:8443/x/Simple");
	CHECK_INT_EQ(accept_body(&v, t, NULL, SNSV_NOW_MS, why, sizeof why), FA2_SNS_OK);
	free(t);
	CHECK_STR_EQ(srv.last_target, "/x/SimpleNotificationService-0123456789abcdef.pem");
	fa2_sns_verifier_cleanup(&v);

	/* An http:// override is never used for certificates. */
	set_env("AWS_ENDPOINT_URL_SNS", "http://127.0.0.1:5000");
	CHECK_OK(fa2_sns_verifier_init(&v, topics, 1, why, sizeof why));
	v.http = serve_cert;
	v.http_ctx = &srv;
	CHECK_INT_EQ(accept_body(&v, SNSV_NOTIF_V2, NULL, SNSV_NOW_MS, why, sizeof why), FA2_SNS_BAD_CERT_URL);
	CHECK(strstr(why, "verified HTTPS") != NULL);
	fa2_sns_verifier_cleanup(&v);
	set_env("AWS_ENDPOINT_URL_SNS", "not a url");
	CHECK_INT_EQ(fa2_sns_verifier_init(&v, topics, 1, why, sizeof why), FA2_ERR_CONFIG);
	set_env("AWS_ENDPOINT_URL_SNS", NULL);
}

FA2_TEST(sns_seen_memory_bounded)
{
	fa2_sns_seen_mem *mem;
	fa2_sns_seen s;
	char id[32];
	int i;
	fa2_time_set_fake_now_ms(1000000);
	CHECK_OK(fa2_sns_seen_mem_new(4, &mem));
	s = fa2_sns_seen_mem_iface(mem);
	CHECK_INT_EQ(s.remember(s.ctx, FA2_SLICE_LIT("a"), 2000000), FA2_OK);
	CHECK_INT_EQ(s.remember(s.ctx, FA2_SLICE_LIT("a"), 2000000), FA2_ERR_EXISTS);
	CHECK_INT_EQ(s.remember(s.ctx, FA2_SLICE_LIT("b"), 2000000), FA2_OK);
	/* Expired entries do not count. */
	CHECK_INT_EQ(s.remember(s.ctx, FA2_SLICE_LIT("old"), 999999), FA2_OK);
	CHECK_INT_EQ(s.remember(s.ctx, FA2_SLICE_LIT("old"), 2000000), FA2_OK);
	/* Past the capacity the oldest goes first; the newest stay. */
	for (i = 0; i < 10; i++) {
		snprintf(id, sizeof id, "id-%d", i);
		CHECK_INT_EQ(s.remember(s.ctx, fa2_slice_cstr(id), 2000000), FA2_OK);
	}
	CHECK_INT_EQ(s.remember(s.ctx, FA2_SLICE_LIT("id-9"), 2000000), FA2_ERR_EXISTS);
	CHECK_INT_EQ(s.remember(s.ctx, FA2_SLICE_LIT("id-6"), 2000000), FA2_ERR_EXISTS);
	CHECK_INT_EQ(s.remember(s.ctx, FA2_SLICE_LIT("a"), 2000000), FA2_OK);
	CHECK_INT_EQ(s.remember(s.ctx, FA2_SLICE_LIT(""), 2000000), FA2_ERR_INVALID);
	fa2_sns_seen_mem_free(mem);
	CHECK_INT_EQ(fa2_sns_seen_mem_new(0, &mem), FA2_ERR_INVALID);
	fa2_time_set_fake_now_ms(0);
}

FA2_TEST(sns_confirm_by_subscribe_url)
{
	const char *topics[] = { SNSV_TOPIC }, *none[] = { "arn:aws:sns:ap-northeast-1:123456789012:other" };
	struct cert_server srv;
	fa2_sns_verifier v;
	fa2_sns_message m;
	char why[512], arn[256];

	set_env("AWS_ENDPOINT_URL_SNS", NULL);
	memset(&srv, 0, sizeof srv);
	srv.body = "<ConfirmSubscriptionResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">"
	           "<ConfirmSubscriptionResult><SubscriptionArn>" SNSV_TOPIC ":5b1c</SubscriptionArn>"
	           "</ConfirmSubscriptionResult></ConfirmSubscriptionResponse>";
	CHECK_INT_EQ(fa2_sns_parse(fa2_slice_cstr(SNSV_SUBCONF_V2), NULL, &m, why, sizeof why), FA2_SNS_OK);
	CHECK_OK(fa2_sns_verifier_init(&v, none, 1, why, sizeof why));
	v.http = serve_cert;
	v.http_ctx = &srv;
	CHECK_INT_EQ(fa2_sns_confirm(&v, NULL, &m, arn, sizeof arn, why, sizeof why), FA2_ERR_AUTH);
	CHECK(strstr(why, "not one of the configured topics") != NULL);
	CHECK_INT_EQ(srv.requests, 0);
	fa2_sns_verifier_cleanup(&v);

	CHECK_OK(fa2_sns_verifier_init(&v, topics, 1, why, sizeof why));
	v.http = serve_cert;
	v.http_ctx = &srv;
	CHECK_INT_EQ(fa2_sns_confirm(&v, NULL, &m, arn, sizeof arn, why, sizeof why), FA2_OK);
	CHECK_INT_EQ(srv.requests, 1);
	CHECK_STR_EQ(srv.last_host, "sns.ap-northeast-1.amazonaws.com");
	CHECK(strncmp(srv.last_target, "/?Action=ConfirmSubscription&TopicArn=", 38) == 0);
	CHECK_STR_EQ(arn, SNSV_TOPIC ":5b1c");
	fa2_sns_message_cleanup(&m);
	fa2_sns_verifier_cleanup(&v);
}

/* ---- alarm notifications ---- */

FA2_TEST(sns_alarm_classic_metric)
{
	fa2_sns_message m;
	fa2_sns_alarm a;
	char why[256];
	CHECK_INT_EQ(fa2_sns_parse(fa2_slice_cstr(SNSV_NOTIF_V1), NULL, &m, why, sizeof why), FA2_SNS_OK);
	CHECK_OK(fa2_sns_alarm_parse(fa2_slice_cstr(m.message), &a));
	CHECK_INT_EQ(a.source, FA2_SNS_ALARM_CLASSIC);
	CHECK_STR_EQ(a.alarm.name, "orders-api 5xx");
	CHECK_STR_EQ(a.alarm.state, "ALARM");
	CHECK_STR_EQ(a.previous_state, "OK");
	CHECK_STR_EQ(a.region, "ap-northeast-1");
	CHECK_STR_EQ(a.account, "123456789012");
	CHECK(strncmp(a.alarm.reason, "Threshold Crossed: 1 datapoint", 30) == 0);
	CHECK_INT_EQ(a.alarm.changed_ms, 1772330579123LL);
	CHECK_STR_EQ(a.alarm.metric.ns, "AWS/ApplicationELB");
	CHECK_STR_EQ(a.alarm.metric.name, "HTTPCode_Target_5XX_Count");
	CHECK_INT_EQ(a.alarm.metric.n_dims, 1);
	CHECK_STR_EQ(a.alarm.metric.dims[0].name, "LoadBalancer");
	CHECK_STR_EQ(a.alarm.metric.dims[0].value, "app/orders/0123456789abcdef");
	CHECK_STR_EQ(a.alarm.statistic, "Sum");
	CHECK_INT_EQ(a.alarm.period_s, 60);
	CHECK(a.alarm.has_threshold && a.alarm.threshold == 5.0);
	CHECK_STR_EQ(a.alarm.comparison, "GreaterThanThreshold");
	CHECK(!a.composite && a.alarm.description == NULL);
	fa2_sns_alarm_cleanup(&a);
	fa2_sns_message_cleanup(&m);
	/* Plain text and other JSON are not alarms. */
	CHECK_INT_EQ(fa2_sns_alarm_parse(FA2_SLICE_LIT("The alarm X changed state to ALARM"), &a), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_sns_alarm_parse(FA2_SLICE_LIT("{\"hello\":1}"), &a), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_sns_alarm_parse(FA2_SLICE_LIT("{\"AlarmName\":\"\",\"NewStateValue\":\"OK\"}"), &a),
	             FA2_ERR_PARSE);
}

FA2_TEST(sns_alarm_classic_math_anomaly_composite)
{
	static const char math[] =
		"{\"AlarmName\":\"lambda error rate\",\"AWSAccountId\":\"210987654321\",\"NewStateValue\":\"ALARM\","
		"\"NewStateReason\":\"Threshold Crossed\",\"StateChangeTime\":\"2026-03-01T00:00:00.000+0000\","
		"\"Region\":\"EU (Ireland)\",\"OldStateValue\":\"INSUFFICIENT_DATA\","
		"\"Trigger\":{\"Period\":60,\"EvaluationPeriods\":3,\"ComparisonOperator\":\"GreaterThanUpperThreshold\","
		"\"ThresholdMetricId\":\"ad1\",\"TreatMissingData\":\"\",\"Metrics\":["
		"{\"Expression\":\"ANOMALY_DETECTION_BAND(m1, 2)\",\"Id\":\"ad1\",\"Label\":\"band\",\"ReturnData\":true},"
		"{\"Id\":\"m1\",\"MetricStat\":{\"Metric\":{\"Dimensions\":[{\"value\":\"checkout\",\"name\":\"FunctionName\"}],"
		"\"MetricName\":\"Errors\",\"Namespace\":\"AWS/Lambda\"},\"Period\":60,\"Stat\":\"Sum\"},\"ReturnData\":true}]}}";
	static const char composite[] =
		"{\"AlarmName\":\"checkout degraded\",\"AlarmDescription\":\"composite\",\"AWSAccountId\":\"123456789012\","
		"\"NewStateValue\":\"ALARM\",\"NewStateReason\":\"arn:aws:cloudwatch:us-west-2:123456789012:alarm:a "
		"transitioned to ALARM\",\"StateChangeTime\":\"2026-03-01T00:00:00.000+0000\",\"Region\":\"US West (Oregon)\","
		"\"AlarmArn\":\"arn:aws:cloudwatch:us-west-2:123456789012:alarm:checkout degraded\",\"OldStateValue\":\"OK\","
		"\"AlarmRule\":\"ALARM(a) OR ALARM(b)\",\"TriggeringChildren\":[{\"Arn\":\"arn:aws:cloudwatch:us-west-2:"
		"123456789012:alarm:a\",\"State\":{\"Value\":\"ALARM\",\"Timestamp\":\"2026-03-01T00:00:00.000+0000\"}}]}";
	fa2_sns_alarm a;
	CHECK_OK(fa2_sns_alarm_parse(fa2_slice_cstr(math), &a));
	CHECK_STR_EQ(a.region, "eu-west-1");
	CHECK_STR_EQ(a.account, "210987654321");
	CHECK_STR_EQ(a.previous_state, "INSUFFICIENT_DATA");
	CHECK_INT_EQ(a.alarm.n_queries, 2);
	CHECK_STR_EQ(a.alarm.threshold_metric_id, "ad1");
	CHECK_STR_EQ(a.alarm.queries[0].expression, "ANOMALY_DETECTION_BAND(m1, 2)");
	CHECK(a.alarm.queries[1].has_metric);
	CHECK_STR_EQ(a.alarm.queries[1].metric.ns, "AWS/Lambda");
	CHECK_STR_EQ(a.alarm.queries[1].metric.dims[0].value, "checkout");
	CHECK_STR_EQ(a.alarm.queries[1].stat, "Sum");
	CHECK_INT_EQ(a.alarm.queries[1].period_s, 60);
	CHECK(a.alarm.metric.ns == NULL && !a.alarm.has_threshold);
	fa2_sns_alarm_cleanup(&a);

	CHECK_OK(fa2_sns_alarm_parse(fa2_slice_cstr(composite), &a));
	CHECK(a.composite);
	CHECK_STR_EQ(a.alarm_rule, "ALARM(a) OR ALARM(b)");
	CHECK_STR_EQ(a.region, "us-west-2");
	CHECK_STR_EQ(a.alarm.description, "composite");
	CHECK_INT_EQ(a.alarm.n_queries, 0);
	fa2_sns_alarm_cleanup(&a);
}

FA2_TEST(sns_alarm_eventbridge)
{
	static const char single[] =
		"{\"version\":\"0\",\"id\":\"c4c1c1c9-6542-e61b-6ef0-8c4d36933a92\",\"detail-type\":\"CloudWatch Alarm State Change\","
		"\"source\":\"aws.cloudwatch\",\"account\":\"123456789012\",\"time\":\"2026-03-01T17:04:40Z\",\"region\":\"ap-southeast-2\","
		"\"resources\":[\"arn:aws:cloudwatch:ap-southeast-2:123456789012:alarm:ServerCpuTooHigh\"],\"detail\":{"
		"\"alarmName\":\"ServerCpuTooHigh\",\"configuration\":{\"description\":\"cpu\",\"metrics\":[{\"id\":\"30b6\","
		"\"metricStat\":{\"metric\":{\"dimensions\":{\"InstanceId\":\"i-12345678901234567\"},\"name\":\"CPUUtilization\","
		"\"namespace\":\"AWS/EC2\"},\"period\":300,\"stat\":\"p99\"},\"returnData\":true}]},\"previousState\":{"
		"\"reason\":\"ok\",\"timestamp\":\"2026-03-01T17:00:00.000+0000\",\"value\":\"OK\"},\"state\":{"
		"\"reason\":\"Threshold Crossed: 1 out of the last 1 datapoints [99.5 (01/03/26 16:59:00)] was greater than the threshold (50.0)\","
		"\"reasonData\":\"{\\\"version\\\":\\\"1.0\\\",\\\"statistic\\\":\\\"p99\\\",\\\"period\\\":300,\\\"threshold\\\":50.0}\","
		"\"timestamp\":\"2026-03-01T17:04:40.989+0000\",\"value\":\"ALARM\"}}}";
	static const char math[] =
		"{\"version\":\"0\",\"id\":\"2dde0eb1\",\"detail-type\":\"CloudWatch Alarm State Change\",\"source\":\"aws.cloudwatch\","
		"\"account\":\"123456789012\",\"time\":\"2026-03-01T17:04:40Z\",\"region\":\"us-east-1\",\"resources\":["
		"\"arn:aws:cloudwatch:us-east-1:123456789012:alarm:TotalNetworkTrafficTooHigh\"],\"detail\":{\"alarmName\":"
		"\"TotalNetworkTrafficTooHigh\",\"configuration\":{\"metrics\":[{\"expression\":\"SUM(METRICS())\",\"id\":\"e1\","
		"\"label\":\"Total Network Traffic\",\"returnData\":true},{\"id\":\"m1\",\"metricStat\":{\"metric\":{\"dimensions\":"
		"{\"InstanceId\":\"i-1\"},\"name\":\"NetworkIn\",\"namespace\":\"AWS/EC2\"},\"period\":300,\"stat\":\"Maximum\"},"
		"\"returnData\":false}]},\"previousState\":{\"value\":\"OK\"},\"state\":{\"reason\":\"x\",\"timestamp\":"
		"\"2026-03-01T17:04:40.989+0000\",\"value\":\"OK\"}}}";
	fa2_sns_alarm a;
	CHECK_OK(fa2_sns_alarm_parse(fa2_slice_cstr(single), &a));
	CHECK_INT_EQ(a.source, FA2_SNS_ALARM_EVENTBRIDGE);
	CHECK_STR_EQ(a.alarm.name, "ServerCpuTooHigh");
	CHECK_STR_EQ(a.alarm.arn, "arn:aws:cloudwatch:ap-southeast-2:123456789012:alarm:ServerCpuTooHigh");
	CHECK_STR_EQ(a.alarm.state, "ALARM");
	CHECK_STR_EQ(a.region, "ap-southeast-2");
	CHECK_STR_EQ(a.account, "123456789012");
	CHECK_STR_EQ(a.previous_state, "OK");
	CHECK_STR_EQ(a.alarm.metric.ns, "AWS/EC2");
	CHECK_STR_EQ(a.alarm.metric.dims[0].name, "InstanceId");
	CHECK_STR_EQ(a.alarm.extended_statistic, "p99");
	CHECK_INT_EQ(a.alarm.period_s, 300);
	CHECK(a.alarm.has_threshold && a.alarm.threshold == 50.0);
	CHECK_INT_EQ(a.alarm.changed_ms, 1772384680989LL);
	fa2_sns_alarm_cleanup(&a);

	CHECK_OK(fa2_sns_alarm_parse(fa2_slice_cstr(math), &a));
	CHECK_STR_EQ(a.alarm.state, "OK");
	CHECK_INT_EQ(a.alarm.n_queries, 2);
	CHECK_STR_EQ(a.alarm.queries[0].expression, "SUM(METRICS())");
	CHECK(!a.alarm.queries[1].return_data);
	CHECK_STR_EQ(a.alarm.queries[1].metric.name, "NetworkIn");
	fa2_sns_alarm_cleanup(&a);
}

FA2_TEST(sns_region_display_names)
{
	static const struct { const char *name, *code; } t[] = {
		{ "US East (N. Virginia)", "us-east-1" }, { "Asia Pacific (Tokyo)", "ap-northeast-1" },
		{ "EU (Ireland)", "eu-west-1" }, { "Europe (Frankfurt)", "eu-central-1" },
		{ "EU (Frankfurt)", "eu-central-1" }, { "asia pacific  (osaka)", "ap-northeast-3" },
		{ "South America (S\xc3\xa3o Paulo)", "sa-east-1" }, { "China (Ningxia)", "cn-northwest-1" },
		{ " AWS GovCloud (US-West) ", "us-gov-west-1" }, { "Asia Pacific (Taipei)", "ap-east-2" },
	};
	size_t i;
	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		CHECK_STR_EQ(fa2_sns_region_from_name(fa2_slice_cstr(t[i].name)), t[i].code);
	CHECK(fa2_sns_region_from_name(FA2_SLICE_LIT("Atlantis (Central)")) == NULL);
	CHECK(fa2_sns_region_from_name(FA2_SLICE_LIT("")) == NULL);
}
