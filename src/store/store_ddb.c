/* The DynamoDB store (store.h): conditional PutItem on one table. */
#include <stdio.h>
#include <string.h>

#include "cJSON.h"

#include "aws/dynamodb.h"
#include "base/alloc.h"
#include "base/log.h"
#include "base/slice.h"
#include "store/store_impl.h"

#define DDB_DEFAULT_TIMEOUT_MS 2000

static fa2_err ddb_put(fa2_store *s, const char *key, int64_t ttl_s, int64_t now_s)
{
	fa2_ddb *d = s->impl;
	char pk[FA2_STORE_MAX_KEY + 8];
	int64_t exp = now_s > INT64_MAX - ttl_s ? INT64_MAX : now_s + ttl_s;
	cJSON *item = cJSON_CreateObject(), *vals = cJSON_CreateObject();
	fa2_ddb_expr x;
	fa2_aws_error err;
	fa2_err e = FA2_ERR_NOMEM;
	memset(&err, 0, sizeof err);
	snprintf(pk, sizeof pk, "idem#%s", key);
	if (item && vals && fa2_ddb_put_s(item, "pk", fa2_slice_cstr(pk)) == FA2_OK &&
	    fa2_ddb_put_s(item, "sk", FA2_SLICE_LIT("idem")) == FA2_OK &&
	    fa2_ddb_put_n(item, "expires", exp) == FA2_OK && fa2_ddb_put_n(vals, ":now", now_s) == FA2_OK) {
		memset(&x, 0, sizeof x);
		/* an item whose TTL has passed may still be there (DynamoDB deletes late): it
		 * does not count */
		x.condition = "attribute_not_exists(pk) OR expires < :now";
		x.values = vals;
		e = fa2_ddb_put_item(d, item, &x, NULL, &err);
		if (e != FA2_OK && e != FA2_ERR_EXISTS)
			FA2_LOGW("store", "DynamoDB %s: PutItem failed after %d attempt(s): %s",
			         d->table, err.attempts, err.code[0] ? err.code : fa2_err_str(e));
	}
	cJSON_Delete(item);
	cJSON_Delete(vals);
	return e;
}

static void ddb_close(fa2_store *s)
{
	fa2_free(s->impl);
}

static const fa2_store_ops ddb_ops = { "dynamodb", ddb_put, NULL, ddb_close };

fa2_err fa2_store_open_dynamodb(fa2_aws_client *client, const char *table, int64_t timeout_ms,
                                fa2_store **out)
{
	fa2_ddb *d = fa2_calloc(1, sizeof *d);
	fa2_err e;
	if (!d)
		return FA2_ERR_NOMEM;
	e = fa2_ddb_init(d, client, table);
	if (e == FA2_OK) {
		d->timeout_ms = timeout_ms > 0 ? timeout_ms : DDB_DEFAULT_TIMEOUT_MS;
		e = fa2_store_base_new(&ddb_ops, d, 0, out);
	}
	if (e != FA2_OK)
		fa2_free(d);
	return e;
}
