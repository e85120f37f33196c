/* src/aws/dynamodb.c: number rules, typed attribute values, error mapping, reply
 * decoders and the request shapes (through a fake transport); and, when
 * tests/integration/t_dynamodb.py runs it with FA2_DDB_TABLE set, every operation
 * against moto_server's DynamoDB. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/dynamodb.h"
#include "aws/session.h"
#include "base/json.h"
#include "base/time.h"
#include "test.h"

FA2_TEST(dynamodb_number_rules)
{
	static const struct { const char *n; int ok; } t[] = {
		{ "0", 1 }, { "-0", 1 }, { "42", 1 }, { "-17.25", 1 }, { "1e3", 1 }, { "1.5E-10", 1 },
		{ "12345678901234567890123456789012345678", 1 },       /* 38 digits */
		{ "123456789012345678901234567890123456789", 0 },      /* 39 */
		{ "1234567890123456789012345678901234567800000", 1 }, /* trailing zeros are not precision */
		{ "9.9999999999999999999999999999999999999E+125", 1 }, { "1E+126", 0 },
		{ "1E-130", 1 }, { "1E-131", 0 }, { "0.0000", 1 }, { "00012", 1 },
		{ "", 0 }, { "-", 0 }, { "1.", 0 }, { ".5", 0 }, { "1e", 0 }, { "1e+", 0 }, { "0x10", 0 },
		{ "1 ", 0 }, { "NaN", 0 }, { "Infinity", 0 }, { "+1", 0 }, { "1e99999999999", 0 },
	};
	size_t i;
	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		CHECK_MSG(fa2_ddb_number_valid(fa2_slice_cstr(t[i].n)) == t[i].ok, "\"%s\"", t[i].n);
}

FA2_TEST(dynamodb_attribute_values)
{
	cJSON *item = cJSON_CreateObject(), *m, *l;
	const cJSON *mo, *lo;
	fa2_slice s;
	int64_t n;
	int b;
	fa2_buf bin;
	char *text;
	fa2_buf_init(&bin, 1024);
	CHECK(item);
	CHECK_OK(fa2_ddb_put_s(item, "pk", FA2_SLICE_LIT("session#1")));
	CHECK_OK(fa2_ddb_put_n(item, "big", INT64_MAX));
	CHECK_OK(fa2_ddb_put_n(item, "neg", INT64_MIN));
	CHECK_OK(fa2_ddb_put_n_text(item, "huge", FA2_SLICE_LIT("92233720368547758080")));
	CHECK_INT_EQ(fa2_ddb_put_n_text(item, "bad", FA2_SLICE_LIT("12abc")), FA2_ERR_INVALID);
	CHECK_OK(fa2_ddb_put_b(item, "bin", "\x00\xff\x10", 3));
	CHECK_OK(fa2_ddb_put_bool(item, "done", 1));
	CHECK_OK(fa2_ddb_put_null(item, "nothing"));
	CHECK_OK(fa2_ddb_put_m(item, "meta", &m));
	CHECK_OK(fa2_ddb_put_s(m, "who", FA2_SLICE_LIT("fa2-a")));
	CHECK_OK(fa2_ddb_put_l(item, "steps", &l));
	CHECK_OK(fa2_ddb_list_add_s(l, FA2_SLICE_LIT("one")));
	CHECK_OK(fa2_ddb_list_add_n(l, 2));
	text = cJSON_PrintUnformatted(item);
	CHECK(text && strstr(text, "\"big\":{\"N\":\"9223372036854775807\"}") && strstr(text, "\"bin\":{\"B\":\"AP8Q\"}") &&
	      strstr(text, "\"nothing\":{\"NULL\":true}") && strstr(text, "\"steps\":{\"L\":[{\"S\":\"one\"},{\"N\":\"2\"}]}") &&
	      strstr(text, "\"meta\":{\"M\":{\"who\":{\"S\":\"fa2-a\"}}}"));
	cJSON_free(text);

	CHECK_OK(fa2_ddb_get_s(item, "pk", &s));
	CHECK_SLICE_EQ(s, "session#1");
	CHECK_OK(fa2_ddb_get_n(item, "big", &n));
	CHECK(n == INT64_MAX);
	CHECK_OK(fa2_ddb_get_n(item, "neg", &n));
	CHECK(n == INT64_MIN);
	CHECK_INT_EQ(fa2_ddb_get_n(item, "huge", &n), FA2_ERR_TOO_LARGE);
	CHECK_OK(fa2_ddb_get_n_text(item, "huge", &s));
	CHECK_OK(fa2_ddb_get_b(item, "bin", &bin));
	CHECK(bin.len == 3 && memcmp(bin.data, "\x00\xff\x10", 3) == 0);
	CHECK_OK(fa2_ddb_get_bool(item, "done", &b));
	CHECK(b == 1);
	CHECK(fa2_ddb_is_null(item, "nothing") && !fa2_ddb_is_null(item, "pk"));
	CHECK_OK(fa2_ddb_get_m(item, "meta", &mo));
	CHECK_OK(fa2_ddb_get_s(mo, "who", &s));
	CHECK_OK(fa2_ddb_get_l(item, "steps", &lo));
	CHECK_INT_EQ(cJSON_GetArraySize(lo), 2);
	CHECK_STR_EQ(fa2_ddb_type_of(item, "steps"), "L");
	/* Wrong types and absences are told apart. */
	CHECK_INT_EQ(fa2_ddb_get_n(item, "pk", &n), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_ddb_get_s(item, "big", &s), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_ddb_get_s(item, "absent", &s), FA2_ERR_NOT_FOUND);
	CHECK(fa2_ddb_type_of(item, "absent") == NULL);
	cJSON_Delete(item);
	/* Numbers from the wire: a fraction or an exponent is not an integer; junk is malformed. */
	item = fa2_json_parse(FA2_SLICE_LIT("{\"a\":{\"N\":\"1.5\"},\"b\":{\"N\":\"1e3\"},\"c\":{\"N\":\"12x\"},"
	                                    "\"d\":{\"N\":7},\"e\":{\"S\":\"x\",\"N\":\"1\"},\"f\":{\"B\":\"!!\"}}"), NULL);
	CHECK(item);
	CHECK_INT_EQ(fa2_ddb_get_n(item, "a", &n), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_ddb_get_n(item, "b", &n), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_ddb_get_n(item, "c", &n), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_ddb_get_n(item, "d", &n), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_ddb_get_s(item, "e", &s), FA2_ERR_PARSE);
	fa2_buf_reset(&bin);
	CHECK_INT_EQ(fa2_ddb_get_b(item, "f", &bin), FA2_ERR_PARSE);
	cJSON_Delete(item);
	fa2_buf_cleanup(&bin);
}

FA2_TEST(dynamodb_error_kinds_and_decoders)
{
	static const struct { const char *code; fa2_err e; } t[] = {
		{ "ConditionalCheckFailedException", FA2_ERR_EXISTS },
		{ "ProvisionedThroughputExceededException", FA2_ERR_THROTTLED },
		{ "ThrottlingException", FA2_ERR_THROTTLED }, { "RequestLimitExceeded", FA2_ERR_THROTTLED },
		{ "ResourceNotFoundException", FA2_ERR_NOT_FOUND }, { "ValidationException", FA2_ERR_INVALID },
		{ "TransactionConflictException", FA2_ERR_AGAIN },
		{ "ItemCollectionSizeLimitExceededException", FA2_ERR_TOO_LARGE },
		{ "InternalServerError", FA2_ERR_AWS },
	};
	fa2_aws_error err;
	fa2_ddb_table_info ti;
	fa2_ddb_ttl_info tl;
	size_t i;
	memset(&err, 0, sizeof err);
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		err.err = FA2_ERR_AWS;
		snprintf(err.code, sizeof err.code, "%s", t[i].code);
		CHECK_MSG(fa2_ddb_error_kind(&err) == t[i].e, "%s", t[i].code);
	}
	err.err = FA2_ERR_TIMEOUT;
	CHECK_INT_EQ(fa2_ddb_error_kind(&err), FA2_ERR_TIMEOUT);
	CHECK_OK(fa2_ddb_decode_table(FA2_SLICE_LIT(
		"{\"Table\":{\"TableName\":\"fa2\",\"TableStatus\":\"ACTIVE\",\"ItemCount\":12,"
		"\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}],"
		"\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},{\"AttributeName\":\"sk\","
		"\"AttributeType\":\"N\"}],\"BillingModeSummary\":{\"BillingMode\":\"PAY_PER_REQUEST\"},"
		"\"TableArn\":\"arn:aws:dynamodb:us-east-1:123456789012:table/fa2\"}}"), &ti));
	CHECK_STR_EQ(ti.status, "ACTIVE");
	CHECK_STR_EQ(ti.hash_key, "pk");
	CHECK_STR_EQ(ti.hash_type, "S");
	CHECK_STR_EQ(ti.range_key, "sk");
	CHECK_STR_EQ(ti.range_type, "N");
	CHECK_STR_EQ(ti.billing_mode, "PAY_PER_REQUEST");
	CHECK_INT_EQ(ti.item_count, 12);
	CHECK_INT_EQ(fa2_ddb_decode_table(FA2_SLICE_LIT("{\"Table\":{\"TableStatus\":\"ACTIVE\",\"ItemCount\":-1,"
	                                                "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}]}}"), &ti),
	             FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_ddb_decode_table(FA2_SLICE_LIT("{\"Table\":{\"TableStatus\":\"ACTIVE\"}}"), &ti), FA2_ERR_PARSE);
	CHECK_OK(fa2_ddb_decode_ttl(FA2_SLICE_LIT("{\"TimeToLiveDescription\":{\"TimeToLiveStatus\":\"ENABLED\","
	                                          "\"AttributeName\":\"expires\"}}"), &tl));
	CHECK_STR_EQ(tl.status, "ENABLED");
	CHECK_STR_EQ(tl.attribute, "expires");
	CHECK_INT_EQ(fa2_ddb_decode_ttl(FA2_SLICE_LIT("{}"), &tl), FA2_ERR_PARSE);
}

/* ---- request shapes through a fake transport ---- */

struct ddb_fake {
	int status;
	const char *body, *error_type;
	int calls;
	char target[128], sent[4096];
};

static fa2_err ddb_fake_http(void *ctx, const fa2_aws_http_request *req, fa2_aws_http_response *resp)
{
	struct ddb_fake *f = ctx;
	size_t i;
	f->calls++;
	for (i = 0; i < req->n_headers; i++)
		if (fa2_slice_eq_ci(req->headers[i].name, FA2_SLICE_LIT("X-Amz-Target")))
			snprintf(f->target, sizeof f->target, "%.*s", FA2_SLICE_FMT(req->headers[i].value));
	snprintf(f->sent, sizeof f->sent, "%.*s", FA2_SLICE_FMT(req->body));
	resp->status = f->status;
	if (f->error_type)
		fa2_aws_http_response_add_header(resp, "x-amzn-ErrorType", fa2_slice_cstr(f->error_type));
	return fa2_buf_append_cstr(&resp->body, f->body);
}

static fa2_err ddb_static_creds(const fa2_aws_chain *ch, fa2_aws_creds *out)
{
	(void)ch;
	return fa2_aws_creds_set(out, FA2_SLICE_LIT("AKIDDDBTEST"), FA2_SLICE_LIT("secret"), FA2_SLICE_EMPTY, 0, "test");
}

FA2_TEST(dynamodb_requests_and_throttling)
{
	fa2_aws_config cfg;
	fa2_aws_chain ch;
	fa2_aws_creds_provider prov;
	fa2_aws_client cl;
	fa2_ddb d;
	struct ddb_fake f;
	fa2_ddb_expr x;
	fa2_aws_error err;
	cJSON *key = cJSON_CreateObject(), *vals = cJSON_CreateObject(), *item = NULL;

	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_ENDPOINT_URL_DYNAMODB");
	memset(&f, 0, sizeof f);
	fa2_aws_config_init(&cfg, "default");
	memset(&ch, 0, sizeof ch);
	ch.cfg = &cfg;
	CHECK_OK(fa2_aws_creds_provider_init(&prov, &ch, 1000));
	prov.resolve = ddb_static_creds;
	CHECK_OK(fa2_aws_client_init(&cl, &prov, &cfg, "us-east-1", ddb_fake_http, &f));
	cl.base_delay_ms = cl.throttle_base_ms = 1;
	cl.max_backoff_ms = 5;
	CHECK_INT_EQ(fa2_ddb_init(&d, &cl, "no"), FA2_ERR_INVALID);
	CHECK_INT_EQ(fa2_ddb_init(&d, &cl, "bad table"), FA2_ERR_INVALID);
	CHECK_OK(fa2_ddb_init(&d, &cl, "fa2-store"));
	CHECK_OK(fa2_ddb_put_s(key, "pk", FA2_SLICE_LIT("k")));
	CHECK_OK(fa2_ddb_put_n(vals, ":now", 1000));
	memset(&x, 0, sizeof x);
	x.condition = "attribute_not_exists(pk) OR #e < :now";
	x.values = vals;
	x.return_values = "ALL_NEW";

	f.status = 200;
	f.body = "{\"Attributes\":{\"pk\":{\"S\":\"k\"},\"owner\":{\"S\":\"a\"}}}";
	CHECK_OK(fa2_ddb_update_item(&d, key, "SET #o = :o", &x, &item, &err));
	CHECK_STR_EQ(f.target, "DynamoDB_20120810.UpdateItem");
	CHECK(strstr(f.sent, "\"TableName\":\"fa2-store\"") && strstr(f.sent, "\"UpdateExpression\":\"SET #o = :o\"") &&
	      strstr(f.sent, "\"ConditionExpression\":\"attribute_not_exists(pk) OR #e < :now\"") &&
	      strstr(f.sent, "\"ExpressionAttributeValues\":{\":now\":{\"N\":\"1000\"}}") &&
	      strstr(f.sent, "\"ReturnValues\":\"ALL_NEW\"") && strstr(f.sent, "\"Key\":{\"pk\":{\"S\":\"k\"}}"));
	CHECK(item && fa2_ddb_type_of(item, "owner"));
	cJSON_Delete(item);

	f.body = "{}";
	CHECK_INT_EQ(fa2_ddb_get_item(&d, key, 1, &item, &err), FA2_ERR_NOT_FOUND);
	CHECK(item == NULL && strstr(f.sent, "\"ConsistentRead\":true"));

	f.status = 400;
	f.body = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException\","
	         "\"message\":\"The conditional request failed\"}";
	f.calls = 0;
	CHECK_INT_EQ(fa2_ddb_put_item(&d, key, &x, NULL, &err), FA2_ERR_EXISTS);
	CHECK_INT_EQ(f.calls, 1); /* not retried */
	f.body = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException\","
	         "\"message\":\"Rate exceeded\"}";
	f.calls = 0;
	CHECK_INT_EQ(fa2_ddb_put_item(&d, key, NULL, NULL, &err), FA2_ERR_THROTTLED);
	CHECK_INT_EQ(f.calls, cl.max_attempts); /* retried by the client, then said */
	f.body = "{\"__type\":\"com.amazon.coral.validate#ValidationException\",\"message\":\"Invalid expression\"}";
	CHECK_INT_EQ(fa2_ddb_delete_item(&d, key, &x, NULL, &err), FA2_ERR_INVALID);
	CHECK(strstr(err.message, "Invalid expression") != NULL);
	f.status = 200;
	f.body = "[1]";
	CHECK_INT_EQ(fa2_ddb_get_item(&d, key, 0, &item, &err), FA2_ERR_PARSE);

	cJSON_Delete(key);
	cJSON_Delete(vals);
	fa2_aws_client_cleanup(&cl);
	fa2_aws_creds_provider_cleanup(&prov);
	fa2_aws_config_cleanup(&cfg);
}

/* ---- against moto_server (t_dynamodb.py) ---- */

struct collect {
	int n;
	char first[64], last[64];
	int stop_at;
};

static int collect_fn(void *ctx, const cJSON *item)
{
	struct collect *c = ctx;
	fa2_slice sk;
	if (fa2_ddb_get_s(item, "sk", &sk) == FA2_OK) {
		if (c->n == 0)
			snprintf(c->first, sizeof c->first, "%.*s", FA2_SLICE_FMT(sk));
		snprintf(c->last, sizeof c->last, "%.*s", FA2_SLICE_FMT(sk));
	}
	c->n++;
	return c->stop_at && c->n >= c->stop_at;
}

static cJSON *key_of(const char *pk, const char *sk)
{
	cJSON *k = cJSON_CreateObject();
	if (k && (fa2_ddb_put_s(k, "pk", fa2_slice_cstr(pk)) || fa2_ddb_put_s(k, "sk", fa2_slice_cstr(sk)))) {
		cJSON_Delete(k);
		k = NULL;
	}
	return k;
}

FA2_TEST(dynamodb_live_moto)
{
	const char *table = getenv("FA2_DDB_TABLE");
	fa2_aws_session s;
	fa2_ddb d, missing;
	fa2_ddb_table_info ti;
	fa2_ddb_ttl_info tl;
	fa2_ddb_expr x;
	fa2_ddb_query q;
	fa2_aws_error err;
	struct collect c;
	cJSON *item, *key, *vals, *names, *got = NULL, *attrs = NULL, *m;
	fa2_slice sv;
	int64_t n;
	size_t delivered;
	unsigned pages;
	char msg[512], sk[32];
	fa2_buf bin;
	int i;

	if (!table || !*table) {
		fa2_test_skip("FA2_DDB_TABLE not set (t_dynamodb.py runs this against moto_server)");
		return;
	}
	fa2_buf_init(&bin, 1024);
	CHECK_OK(fa2_aws_session_open(&s, NULL, "us-east-1", 20000, msg, sizeof msg));
	CHECK_OK(fa2_ddb_init(&d, &s.client, table));
	CHECK_OK(fa2_ddb_describe_table(&d, &ti, &err));
	CHECK_STR_EQ(ti.status, "ACTIVE");
	CHECK_STR_EQ(ti.hash_key, "pk");
	CHECK_STR_EQ(ti.hash_type, "S");
	CHECK_STR_EQ(ti.range_key, "sk");
	CHECK_OK(fa2_ddb_describe_ttl(&d, &tl, &err));
	CHECK_STR_EQ(tl.status, "ENABLED");
	CHECK_STR_EQ(tl.attribute, "expires");
	CHECK_OK(fa2_ddb_init(&missing, &s.client, "no-such-table"));
	CHECK_INT_EQ(fa2_ddb_describe_table(&missing, &ti, &err), FA2_ERR_NOT_FOUND);

	/* A conditional put: once, then ConditionalCheckFailedException. */
	item = key_of("idem#slack-event", "Ev0001");
	CHECK(item);
	CHECK_OK(fa2_ddb_put_n(item, "expires", 1900000000));
	CHECK_OK(fa2_ddb_put_n(item, "big", INT64_MAX));
	CHECK_OK(fa2_ddb_put_b(item, "bin", "\x00\x01\xfe", 3));
	CHECK_OK(fa2_ddb_put_bool(item, "posted", 0));
	CHECK_OK(fa2_ddb_put_null(item, "report"));
	CHECK_OK(fa2_ddb_put_m(item, "meta", &m));
	CHECK_OK(fa2_ddb_put_s(m, "channel", FA2_SLICE_LIT("C0123")));
	memset(&x, 0, sizeof x);
	x.condition = "attribute_not_exists(pk)";
	CHECK_OK(fa2_ddb_put_item(&d, item, &x, NULL, &err));
	CHECK_INT_EQ(fa2_ddb_put_item(&d, item, &x, NULL, &err), FA2_ERR_EXISTS);
	CHECK_STR_EQ(err.code, "ConditionalCheckFailedException");
	cJSON_Delete(item);

	key = key_of("idem#slack-event", "Ev0001");
	CHECK_OK(fa2_ddb_get_item(&d, key, 1, &got, &err));
	CHECK_OK(fa2_ddb_get_n(got, "big", &n));
	CHECK(n == INT64_MAX);
	CHECK_OK(fa2_ddb_get_b(got, "bin", &bin));
	CHECK(bin.len == 3 && memcmp(bin.data, "\x00\x01\xfe", 3) == 0);
	CHECK(fa2_ddb_is_null(got, "report"));
	CHECK_OK(fa2_ddb_get_m(got, "meta", (const cJSON **)&m));
	CHECK_OK(fa2_ddb_get_s(m, "channel", &sv));
	CHECK_SLICE_EQ(sv, "C0123");
	cJSON_Delete(got);

	/* A lease: taken when free or expired, refused while another holds it. */
	names = cJSON_CreateObject();
	vals = cJSON_CreateObject();
	CHECK(names && vals && cJSON_AddStringToObject(names, "#o", "owner") && cJSON_AddStringToObject(names, "#x", "lease_until"));
	CHECK_OK(fa2_ddb_put_s(vals, ":me", FA2_SLICE_LIT("fa2-a")));
	CHECK_OK(fa2_ddb_put_n(vals, ":now", 1000));
	CHECK_OK(fa2_ddb_put_n(vals, ":until", 2000));
	x.condition = "attribute_not_exists(#o) OR #x < :now";
	x.names = names;
	x.values = vals;
	x.return_values = "ALL_NEW";
	CHECK_OK(fa2_ddb_update_item(&d, key, "SET #o = :me, #x = :until", &x, &attrs, &err));
	CHECK(attrs && fa2_ddb_get_s(attrs, "owner", &sv) == FA2_OK && fa2_slice_eq_cstr(sv, "fa2-a"));
	CHECK_OK(fa2_ddb_get_n(attrs, "lease_until", &n));
	CHECK_INT_EQ(n, 2000);
	cJSON_Delete(attrs);
	CHECK_OK(fa2_ddb_put_s(vals, ":me", FA2_SLICE_LIT("fa2-b")));
	CHECK_INT_EQ(fa2_ddb_update_item(&d, key, "SET #o = :me, #x = :until", &x, &attrs, &err), FA2_ERR_EXISTS);
	CHECK(attrs == NULL);
	CHECK_OK(fa2_ddb_put_n(vals, ":now", 3000)); /* expired: b takes it over */
	CHECK_OK(fa2_ddb_put_n(vals, ":until", 4000));
	x.return_values = "UPDATED_OLD";
	CHECK_OK(fa2_ddb_update_item(&d, key, "SET #o = :me, #x = :until", &x, &attrs, &err));
	CHECK(attrs && fa2_ddb_get_s(attrs, "owner", &sv) == FA2_OK && fa2_slice_eq_cstr(sv, "fa2-a"));
	cJSON_Delete(attrs);
	/* A malformed expression is a ValidationException. */
	CHECK_INT_EQ(fa2_ddb_update_item(&d, key, "SET SET", NULL, NULL, &err), FA2_ERR_INVALID);

	/* Query with paging, order, limits and an early stop. */
	for (i = 0; i < 25; i++) {
		cJSON *it;
		snprintf(sk, sizeof sk, "step#%03d", i);
		it = key_of("journal#s1", sk);
		CHECK(it && fa2_ddb_put_n(it, "n", i) == FA2_OK);
		CHECK_OK(fa2_ddb_put_item(&d, it, NULL, NULL, &err));
		cJSON_Delete(it);
	}
	cJSON_Delete(vals);
	vals = cJSON_CreateObject();
	CHECK_OK(fa2_ddb_put_s(vals, ":p", FA2_SLICE_LIT("journal#s1")));
	memset(&x, 0, sizeof x);
	x.values = vals;
	memset(&q, 0, sizeof q);
	q.key_cond = "pk = :p";
	q.consistent = 1;
	q.page_limit = 10;
	q.x = &x;
	memset(&c, 0, sizeof c);
	CHECK_OK(fa2_ddb_query_items(&d, &q, collect_fn, &c, &delivered, &pages, &err));
	CHECK_INT_EQ(delivered, 25);
	CHECK_INT_EQ(c.n, 25);
	CHECK_MSG(pages >= 3, "pages %u", pages);
	CHECK_STR_EQ(c.first, "step#000");
	CHECK_STR_EQ(c.last, "step#024");
	memset(&c, 0, sizeof c);
	q.backward = 1;
	q.max_items = 7;
	CHECK_OK(fa2_ddb_query_items(&d, &q, collect_fn, &c, &delivered, &pages, &err));
	CHECK_INT_EQ(delivered, 7);
	CHECK_STR_EQ(c.first, "step#024");
	CHECK_STR_EQ(c.last, "step#018");
	memset(&c, 0, sizeof c);
	c.stop_at = 3;
	q.max_items = 0;
	CHECK_OK(fa2_ddb_query_items(&d, &q, collect_fn, &c, &delivered, &pages, &err));
	CHECK_INT_EQ(c.n, 3);
	CHECK_INT_EQ(pages, 1);

	/* Conditional delete with the old item returned; again: the condition fails. */
	memset(&x, 0, sizeof x);
	x.condition = "attribute_exists(pk)";
	x.return_values = "ALL_OLD";
	CHECK_OK(fa2_ddb_delete_item(&d, key, &x, &attrs, &err));
	CHECK(attrs && fa2_ddb_get_s(attrs, "owner", &sv) == FA2_OK && fa2_slice_eq_cstr(sv, "fa2-b"));
	cJSON_Delete(attrs);
	CHECK_INT_EQ(fa2_ddb_delete_item(&d, key, &x, &attrs, &err), FA2_ERR_EXISTS);
	CHECK_INT_EQ(fa2_ddb_get_item(&d, key, 1, &got, &err), FA2_ERR_NOT_FOUND);

	/* A number beyond int64 round-trips as text and is refused as int64. */
	item = key_of("num", "huge");
	CHECK_OK(fa2_ddb_put_n_text(item, "v", FA2_SLICE_LIT("92233720368547758080")));
	CHECK_OK(fa2_ddb_put_item(&d, item, NULL, NULL, &err));
	cJSON_Delete(item);
	item = key_of("num", "huge");
	CHECK_OK(fa2_ddb_get_item(&d, item, 1, &got, &err));
	CHECK_INT_EQ(fa2_ddb_get_n(got, "v", &n), FA2_ERR_TOO_LARGE);
	CHECK_OK(fa2_ddb_get_n_text(got, "v", &sv));
	CHECK_SLICE_EQ(sv, "92233720368547758080");
	cJSON_Delete(got);
	cJSON_Delete(item);

	cJSON_Delete(key);
	cJSON_Delete(vals);
	cJSON_Delete(names);
	fa2_buf_cleanup(&bin);
	fa2_aws_session_close(&s);
}
