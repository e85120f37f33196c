/* Amazon DynamoDB item and table operations (see dynamodb.h). */
#include "aws/dynamodb.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "crypto/encode.h"

#define DDB_MAX_NUMBER_TEXT 200u  /* a number's text, leading zeros included */

fa2_err fa2_ddb_init(fa2_ddb *d, fa2_aws_client *client, const char *table)
{
	size_t i, n = table ? strlen(table) : 0;
	memset(d, 0, sizeof *d);
	if (!client || n < 3 || n > 255)
		return FA2_ERR_INVALID;
	for (i = 0; i < n; i++) {
		char c = table[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
		      c == '-' || c == '.'))
			return FA2_ERR_INVALID;
	}
	d->client = client;
	memcpy(d->table, table, n + 1);
	return FA2_OK;
}

fa2_err fa2_ddb_error_kind(const fa2_aws_error *err)
{
	static const struct { const char *code; fa2_err e; } map[] = {
		{ "ConditionalCheckFailedException", FA2_ERR_EXISTS },
		{ "ProvisionedThroughputExceededException", FA2_ERR_THROTTLED },
		{ "ThrottlingException", FA2_ERR_THROTTLED },
		{ "RequestLimitExceeded", FA2_ERR_THROTTLED },
		{ "ResourceNotFoundException", FA2_ERR_NOT_FOUND },
		{ "ValidationException", FA2_ERR_INVALID },
		{ "TransactionConflictException", FA2_ERR_AGAIN },
		{ "ItemCollectionSizeLimitExceededException", FA2_ERR_TOO_LARGE },
	};
	size_t i;
	if (err->err != FA2_ERR_AWS)
		return err->err ? err->err : FA2_ERR_AWS;
	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(err->code, map[i].code) == 0)
			return map[i].e;
	return FA2_ERR_AWS;
}

/* ---- numbers ------------------------------------------------------------------------- */

int fa2_ddb_number_valid(fa2_slice s)
{
	char digits[DDB_MAX_NUMBER_TEXT];
	size_t i = 0, nd = 0, before_point = 0, first, last;
	long long e10 = 0;
	int point = 0, any = 0;
	if (s.len == 0 || s.len > DDB_MAX_NUMBER_TEXT)
		return 0;
	if (s.ptr[0] == '-')
		i++;
	for (; i < s.len; i++) {
		char c = s.ptr[i];
		if (c >= '0' && c <= '9') {
			digits[nd++] = c;
			any = 1;
			if (!point)
				before_point++;
		} else if (c == '.' && !point) {
			point = 1;
			if (i + 1 >= s.len || s.ptr[i + 1] < '0' || s.ptr[i + 1] > '9' || !any)
				return 0;
		} else {
			break;
		}
	}
	if (!any)
		return 0;
	if (i < s.len) {
		long long ex;
		size_t j = i + 1;
		if ((s.ptr[i] != 'e' && s.ptr[i] != 'E') || j >= s.len)
			return 0;
		if (fa2_parse_int_range(fa2_slice_sub(s, j, s.len - j), -100000, 100000, &ex) != FA2_OK)
			return 0;
		e10 = ex;
	}
	for (first = 0; first < nd && digits[first] == '0'; first++)
		;
	if (first == nd)
		return 1; /* zero */
	for (last = nd - 1; last > first && digits[last] == '0'; last--)
		;
	if (last - first + 1 > FA2_DDB_MAX_NUMBER_DIGITS)
		return 0;
	/* The exponent of the leading significant digit, in scientific notation. */
	e10 += (long long)before_point - (long long)first - 1;
	return e10 >= -130 && e10 <= 125;
}

/* ---- building ------------------------------------------------------------------------ */

/* obj[name] = {tag: v} (v owned by the new item afterwards, freed on failure). */
static fa2_err put_tagged(cJSON *obj, const char *name, const char *tag, cJSON *v)
{
	cJSON *w = cJSON_CreateObject();
	if (!w || !v || !cJSON_AddItemToObject(w, tag, v)) {
		cJSON_Delete(w);
		cJSON_Delete(v);
		return FA2_ERR_NOMEM;
	}
	v = NULL;
	cJSON_DeleteItemFromObjectCaseSensitive(obj, name);
	if (!cJSON_AddItemToObject(obj, name, w)) {
		cJSON_Delete(w);
		return FA2_ERR_NOMEM;
	}
	return FA2_OK;
}

static cJSON *string_of(fa2_slice s)
{
	char *tmp = cJSON_malloc(s.len + 1);
	cJSON *j;
	if (!tmp)
		return NULL;
	memcpy(tmp, s.ptr, s.len);
	tmp[s.len] = '\0';
	j = cJSON_CreateString(tmp);
	cJSON_free(tmp);
	return j;
}

fa2_err fa2_ddb_put_s(cJSON *obj, const char *name, fa2_slice value)
{
	return put_tagged(obj, name, "S", string_of(value));
}

fa2_err fa2_ddb_put_n(cJSON *obj, const char *name, int64_t value)
{
	char num[32];
	snprintf(num, sizeof num, "%lld", (long long)value);
	return put_tagged(obj, name, "N", cJSON_CreateString(num));
}

fa2_err fa2_ddb_put_n_text(cJSON *obj, const char *name, fa2_slice number)
{
	if (!fa2_ddb_number_valid(number))
		return FA2_ERR_INVALID;
	return put_tagged(obj, name, "N", string_of(number));
}

fa2_err fa2_ddb_put_b(cJSON *obj, const char *name, const void *data, size_t len)
{
	fa2_buf b;
	fa2_err e;
	fa2_buf_init(&b, FA2_DDB_MAX_ITEM_BYTES * 2);
	e = fa2_base64_append(&b, data, len, FA2_B64_STD);
	if (!e)
		e = put_tagged(obj, name, "B", cJSON_CreateString(b.data ? b.data : ""));
	fa2_buf_cleanup(&b);
	return e;
}

fa2_err fa2_ddb_put_bool(cJSON *obj, const char *name, int value)
{
	return put_tagged(obj, name, "BOOL", cJSON_CreateBool(value ? 1 : 0));
}

fa2_err fa2_ddb_put_null(cJSON *obj, const char *name)
{
	return put_tagged(obj, name, "NULL", cJSON_CreateTrue());
}

static fa2_err put_container(cJSON *obj, const char *name, const char *tag, cJSON *c, cJSON **out)
{
	fa2_err e = put_tagged(obj, name, tag, c);
	*out = e ? NULL : cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, name), tag);
	return e;
}

fa2_err fa2_ddb_put_m(cJSON *obj, const char *name, cJSON **out)
{
	return put_container(obj, name, "M", cJSON_CreateObject(), out);
}

fa2_err fa2_ddb_put_l(cJSON *obj, const char *name, cJSON **out)
{
	return put_container(obj, name, "L", cJSON_CreateArray(), out);
}

static fa2_err list_add(cJSON *list, const char *tag, cJSON *v)
{
	cJSON *w = cJSON_CreateObject();
	if (!w || !v || !cJSON_AddItemToObject(w, tag, v)) {
		cJSON_Delete(w);
		cJSON_Delete(v);
		return FA2_ERR_NOMEM;
	}
	if (!cJSON_AddItemToArray(list, w)) {
		cJSON_Delete(w);
		return FA2_ERR_NOMEM;
	}
	return FA2_OK;
}

fa2_err fa2_ddb_list_add_s(cJSON *list, fa2_slice value)
{
	return list_add(list, "S", string_of(value));
}

fa2_err fa2_ddb_list_add_n(cJSON *list, int64_t value)
{
	char num[32];
	snprintf(num, sizeof num, "%lld", (long long)value);
	return list_add(list, "N", cJSON_CreateString(num));
}

/* ---- reading ------------------------------------------------------------------------- */

/* The value under tag of obj[name]: NOT_FOUND when absent, PARSE when another type. */
static fa2_err tagged(const cJSON *obj, const char *name, const char *tag, const cJSON **v)
{
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(obj, name);
	*v = NULL;
	if (!w)
		return FA2_ERR_NOT_FOUND;
	if (!cJSON_IsObject(w) || cJSON_GetArraySize(w) != 1 || !w->child->string ||
	    strcmp(w->child->string, tag) != 0)
		return FA2_ERR_PARSE;
	*v = w->child;
	return FA2_OK;
}

const char *fa2_ddb_type_of(const cJSON *obj, const char *name)
{
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (!cJSON_IsObject(w) || cJSON_GetArraySize(w) != 1)
		return NULL;
	return w->child->string;
}

fa2_err fa2_ddb_get_s(const cJSON *obj, const char *name, fa2_slice *out)
{
	const cJSON *v;
	fa2_err e = tagged(obj, name, "S", &v);
	if (e)
		return e;
	if (!cJSON_IsString(v))
		return FA2_ERR_PARSE;
	*out = fa2_slice_cstr(v->valuestring);
	return FA2_OK;
}

fa2_err fa2_ddb_get_n_text(const cJSON *obj, const char *name, fa2_slice *out)
{
	const cJSON *v;
	fa2_err e = tagged(obj, name, "N", &v);
	if (e)
		return e;
	if (!cJSON_IsString(v) || !fa2_ddb_number_valid(fa2_slice_cstr(v->valuestring)))
		return FA2_ERR_PARSE;
	*out = fa2_slice_cstr(v->valuestring);
	return FA2_OK;
}

fa2_err fa2_ddb_get_n(const cJSON *obj, const char *name, int64_t *out)
{
	fa2_slice t;
	fa2_err e = fa2_ddb_get_n_text(obj, name, &t);
	if (e)
		return e;
	/* An integer is digits with an optional sign; fa2_parse_i64 checks overflow. */
	if (t.len == 0 || (t.ptr[0] != '-' && (t.ptr[0] < '0' || t.ptr[0] > '9')))
		return FA2_ERR_PARSE;
	if (fa2_slice_find_char(t, '.') >= 0 || fa2_slice_find_char(t, 'e') >= 0 ||
	    fa2_slice_find_char(t, 'E') >= 0)
		return FA2_ERR_PARSE;
	return fa2_parse_i64(t, out);
}

fa2_err fa2_ddb_get_b(const cJSON *obj, const char *name, fa2_buf *out)
{
	const cJSON *v;
	fa2_err e = tagged(obj, name, "B", &v);
	if (e)
		return e;
	if (!cJSON_IsString(v))
		return FA2_ERR_PARSE;
	return fa2_base64_decode(fa2_slice_cstr(v->valuestring), FA2_B64_STD, out);
}

fa2_err fa2_ddb_get_bool(const cJSON *obj, const char *name, int *out)
{
	const cJSON *v;
	fa2_err e = tagged(obj, name, "BOOL", &v);
	if (e)
		return e;
	if (!cJSON_IsBool(v))
		return FA2_ERR_PARSE;
	*out = cJSON_IsTrue(v);
	return FA2_OK;
}

int fa2_ddb_is_null(const cJSON *obj, const char *name)
{
	const cJSON *v;
	return tagged(obj, name, "NULL", &v) == FA2_OK && cJSON_IsTrue(v);
}

fa2_err fa2_ddb_get_m(const cJSON *obj, const char *name, const cJSON **out)
{
	fa2_err e = tagged(obj, name, "M", out);
	if (!e && !cJSON_IsObject(*out))
		e = FA2_ERR_PARSE;
	return e;
}

fa2_err fa2_ddb_get_l(const cJSON *obj, const char *name, const cJSON **out)
{
	fa2_err e = tagged(obj, name, "L", out);
	if (!e && !cJSON_IsArray(*out))
		e = FA2_ERR_PARSE;
	return e;
}

/* ---- calls --------------------------------------------------------------------------- */

/* Sends op with in (consumed: deleted here), reply into *out (caller frees). */
static fa2_err call(fa2_ddb *d, const char *op, cJSON *in, cJSON **out, fa2_aws_error *err_out)
{
	const fa2_aws_service *svc = fa2_aws_service_find("dynamodb");
	fa2_aws_error local;
	fa2_aws_error *err = err_out ? err_out : &local;
	int stage = 0;
	fa2_err e;
	memset(err, 0, sizeof *err);
	*out = NULL;
	if (!in || !svc) {
		cJSON_Delete(in);
		return svc ? FA2_ERR_NOMEM : FA2_ERR_INTERNAL;
	}
	e = fa2_aws_call_json(d->client, svc, op, in, FA2_DDB_MAX_REQUEST_BYTES, d->timeout_ms, out, err,
	                      &stage);
	cJSON_Delete(in);
	if (e == FA2_ERR_TOO_LARGE && stage == 0)
		return FA2_ERR_TOO_LARGE;
	if (e && stage == FA2_AWS_JSON_CALL)
		return fa2_ddb_error_kind(err);
	if (e && stage == FA2_AWS_JSON_REPLY)
		return FA2_ERR_PARSE;
	if (!e && !cJSON_IsObject(*out)) {
		cJSON_Delete(*out);
		*out = NULL;
		return FA2_ERR_PARSE;
	}
	return e;
}

/* {"TableName": ...} plus the expression members of x. */
static cJSON *request(const fa2_ddb *d, const fa2_ddb_expr *x, int with_condition)
{
	cJSON *in = cJSON_CreateObject();
	if (!in || !cJSON_AddStringToObject(in, "TableName", d->table))
		goto fail;
	if (x) {
		if (with_condition && x->condition &&
		    !cJSON_AddStringToObject(in, "ConditionExpression", x->condition))
			goto fail;
		if (x->names && !cJSON_AddItemToObject(in, "ExpressionAttributeNames", cJSON_Duplicate(x->names, 1)))
			goto fail;
		if (x->values && !cJSON_AddItemToObject(in, "ExpressionAttributeValues", cJSON_Duplicate(x->values, 1)))
			goto fail;
		if (x->return_values && !cJSON_AddStringToObject(in, "ReturnValues", x->return_values))
			goto fail;
	}
	return in;
fail:
	cJSON_Delete(in);
	return NULL;
}

/* Adds a copy of v as in[key]; on failure deletes in and returns NULL. */
static cJSON *with(cJSON *in, const char *key, const cJSON *v)
{
	cJSON *c;
	if (!in)
		return NULL;
	c = cJSON_Duplicate(v, 1);
	if (!c || !cJSON_AddItemToObject(in, key, c)) {
		cJSON_Delete(c);
		cJSON_Delete(in);
		return NULL;
	}
	return in;
}

/* Moves reply[member] (an object) to *dst when dst is not NULL. */
static void take(cJSON *reply, const char *member, cJSON **dst)
{
	if (!dst)
		return;
	*dst = cJSON_DetachItemFromObjectCaseSensitive(reply, member);
	if (*dst && !cJSON_IsObject(*dst)) {
		cJSON_Delete(*dst);
		*dst = NULL;
	}
}

fa2_err fa2_ddb_put_item(fa2_ddb *d, const cJSON *item, const fa2_ddb_expr *x, cJSON **attrs,
                         fa2_aws_error *err)
{
	cJSON *reply = NULL;
	fa2_err e;
	if (attrs)
		*attrs = NULL;
	if (!cJSON_IsObject(item))
		return FA2_ERR_INVALID;
	e = call(d, "PutItem", with(request(d, x, 1), "Item", item), &reply, err);
	if (!e)
		take(reply, "Attributes", attrs);
	cJSON_Delete(reply);
	return e;
}

fa2_err fa2_ddb_get_item(fa2_ddb *d, const cJSON *key, int consistent, cJSON **item,
                         fa2_aws_error *err)
{
	cJSON *in = with(request(d, NULL, 0), "Key", key), *reply = NULL;
	fa2_err e;
	*item = NULL;
	if (!cJSON_IsObject(key)) {
		cJSON_Delete(in);
		return FA2_ERR_INVALID;
	}
	if (in && consistent && !cJSON_AddTrueToObject(in, "ConsistentRead")) {
		cJSON_Delete(in);
		in = NULL;
	}
	e = call(d, "GetItem", in, &reply, err);
	if (!e) {
		take(reply, "Item", item);
		if (!*item)
			e = FA2_ERR_NOT_FOUND;
	}
	cJSON_Delete(reply);
	return e;
}

fa2_err fa2_ddb_update_item(fa2_ddb *d, const cJSON *key, const char *update, const fa2_ddb_expr *x,
                            cJSON **attrs, fa2_aws_error *err)
{
	cJSON *in, *reply = NULL;
	fa2_err e;
	if (attrs)
		*attrs = NULL;
	if (!cJSON_IsObject(key) || !update || !*update)
		return FA2_ERR_INVALID;
	in = with(request(d, x, 1), "Key", key);
	if (in && !cJSON_AddStringToObject(in, "UpdateExpression", update)) {
		cJSON_Delete(in);
		in = NULL;
	}
	e = call(d, "UpdateItem", in, &reply, err);
	if (!e)
		take(reply, "Attributes", attrs);
	cJSON_Delete(reply);
	return e;
}

fa2_err fa2_ddb_delete_item(fa2_ddb *d, const cJSON *key, const fa2_ddb_expr *x, cJSON **attrs,
                            fa2_aws_error *err)
{
	cJSON *reply = NULL;
	fa2_err e;
	if (attrs)
		*attrs = NULL;
	if (!cJSON_IsObject(key))
		return FA2_ERR_INVALID;
	e = call(d, "DeleteItem", with(request(d, x, 1), "Key", key), &reply, err);
	if (!e)
		take(reply, "Attributes", attrs);
	cJSON_Delete(reply);
	return e;
}

fa2_err fa2_ddb_query_items(fa2_ddb *d, const fa2_ddb_query *q, fa2_ddb_item_fn fn, void *ctx,
                            size_t *delivered, unsigned *pages, fa2_aws_error *err)
{
	cJSON *start = NULL;
	size_t n = 0;
	unsigned page = 0;
	fa2_err e = FA2_OK;
	int stop = 0;

	if (!q || !q->key_cond || !*q->key_cond)
		return FA2_ERR_INVALID;
	while (!stop && page < FA2_DDB_MAX_PAGES) {
		cJSON *in = request(d, q->x, 0), *reply = NULL;
		const cJSON *items, *it;
		if (in && (!cJSON_AddStringToObject(in, "KeyConditionExpression", q->key_cond) ||
		           (q->x && q->x->condition &&
		            !cJSON_AddStringToObject(in, "FilterExpression", q->x->condition)) ||
		           (q->index && !cJSON_AddStringToObject(in, "IndexName", q->index)) ||
		           (q->consistent && !cJSON_AddTrueToObject(in, "ConsistentRead")) ||
		           (q->backward && !cJSON_AddFalseToObject(in, "ScanIndexForward")) ||
		           (q->page_limit && !cJSON_AddNumberToObject(in, "Limit", q->page_limit)))) {
			cJSON_Delete(in);
			in = NULL;
		}
		if (in && q->x && q->x->return_values)
			cJSON_DeleteItemFromObjectCaseSensitive(in, "ReturnValues");
		if (in && start) {
			if (!cJSON_AddItemToObject(in, "ExclusiveStartKey", start)) {
				cJSON_Delete(in);
				in = NULL;
			} else {
				start = NULL;
			}
		}
		e = call(d, "Query", in, &reply, err);
		if (e)
			break;
		page++;
		items = cJSON_GetObjectItemCaseSensitive(reply, "Items");
		if (items && !cJSON_IsArray(items)) {
			cJSON_Delete(reply);
			e = FA2_ERR_PARSE;
			break;
		}
		cJSON_ArrayForEach(it, items) {
			if (!cJSON_IsObject(it))
				continue;
			if ((q->max_items && n >= q->max_items) || fn(ctx, it)) {
				stop = 1;
				break;
			}
			n++;
		}
		if (q->max_items && n >= q->max_items)
			stop = 1;
		cJSON_Delete(start);
		start = NULL;
		take(reply, "LastEvaluatedKey", &start);
		cJSON_Delete(reply);
		if (!start)
			break;
	}
	cJSON_Delete(start);
	if (delivered)
		*delivered = n;
	if (pages)
		*pages = page;
	return e;
}

/* ---- tables -------------------------------------------------------------------------- */

/* 1 when s is a non-empty string that fits cap bytes with its NUL. */
static int fits(const char *s, size_t cap)
{
	return s && *s && strlen(s) < cap;
}

static void copy(char *dst, size_t cap, const char *s)
{
	if (s && strlen(s) < cap)
		snprintf(dst, cap, "%s", s);
	else
		dst[0] = '\0';
}

fa2_err fa2_ddb_decode_table(fa2_slice json, fa2_ddb_table_info *out)
{
	cJSON *j = fa2_json_parse(json, NULL);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "Table"), *k, *a;
	double count;
	fa2_err e = FA2_ERR_PARSE;
	memset(out, 0, sizeof *out);
	if (!cJSON_IsObject(t) || !fits(fa2_json_str(t, "TableStatus"), sizeof out->status))
		goto cleanup;
	copy(out->status, sizeof out->status, fa2_json_str(t, "TableStatus"));
	copy(out->arn, sizeof out->arn, fa2_json_str(t, "TableArn"));
	copy(out->billing_mode, sizeof out->billing_mode,
	     fa2_json_str(cJSON_GetObjectItemCaseSensitive(t, "BillingModeSummary"), "BillingMode"));
	if (fa2_json_num(t, "ItemCount", &count)) {
		if (!(count >= 0) || count > 9007199254740991.0 || floor(count) != count)
			goto cleanup;
		out->item_count = (uint64_t)count;
	}
	cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(t, "KeySchema")) {
		const char *name = fa2_json_str(k, "AttributeName"), *type = fa2_json_str(k, "KeyType");
		char *dst;
		size_t cap;
		if (!fits(name, sizeof out->hash_key) || !type)
			goto cleanup;
		if (strcmp(type, "HASH") == 0) {
			dst = out->hash_key;
			cap = sizeof out->hash_key;
		} else if (strcmp(type, "RANGE") == 0) {
			dst = out->range_key;
			cap = sizeof out->range_key;
		} else {
			goto cleanup;
		}
		copy(dst, cap, name);
		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(t, "AttributeDefinitions")) {
			const char *an = fa2_json_str(a, "AttributeName");
			if (an && strcmp(an, name) == 0)
				copy(dst == out->hash_key ? out->hash_type : out->range_type, sizeof out->hash_type,
				     fa2_json_str(a, "AttributeType"));
		}
	}
	if (!out->hash_key[0])
		goto cleanup;
	e = FA2_OK;
cleanup:
	cJSON_Delete(j);
	if (e)
		memset(out, 0, sizeof *out);
	return e;
}

fa2_err fa2_ddb_decode_ttl(fa2_slice json, fa2_ddb_ttl_info *out)
{
	cJSON *j = fa2_json_parse(json, NULL);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "TimeToLiveDescription");
	fa2_err e = FA2_ERR_PARSE;
	memset(out, 0, sizeof *out);
	if (cJSON_IsObject(t) && fits(fa2_json_str(t, "TimeToLiveStatus"), sizeof out->status)) {
		copy(out->status, sizeof out->status, fa2_json_str(t, "TimeToLiveStatus"));
		copy(out->attribute, sizeof out->attribute, fa2_json_str(t, "AttributeName"));
		e = FA2_OK;
	}
	cJSON_Delete(j);
	return e;
}

/* DescribeTable / DescribeTimeToLive: reply re-serialised for the decoders. */
static fa2_err describe(fa2_ddb *d, const char *op, fa2_buf *text, fa2_aws_error *err)
{
	cJSON *reply = NULL;
	fa2_err e = call(d, op, request(d, NULL, 0), &reply, err);
	if (!e)
		e = fa2_json_append(text, reply);
	cJSON_Delete(reply);
	return e;
}

fa2_err fa2_ddb_describe_table(fa2_ddb *d, fa2_ddb_table_info *out, fa2_aws_error *err)
{
	fa2_buf b;
	fa2_err e;
	memset(out, 0, sizeof *out);
	fa2_buf_init(&b, FA2_DDB_MAX_REPLY_BYTES);
	e = describe(d, "DescribeTable", &b, err);
	if (!e)
		e = fa2_ddb_decode_table(fa2_buf_slice(&b), out);
	fa2_buf_cleanup(&b);
	return e;
}

fa2_err fa2_ddb_describe_ttl(fa2_ddb *d, fa2_ddb_ttl_info *out, fa2_aws_error *err)
{
	fa2_buf b;
	fa2_err e;
	memset(out, 0, sizeof *out);
	fa2_buf_init(&b, FA2_DDB_MAX_REPLY_BYTES);
	e = describe(d, "DescribeTimeToLive", &b, err);
	if (!e)
		e = fa2_ddb_decode_ttl(fa2_buf_slice(&b), out);
	fa2_buf_cleanup(&b);
	return e;
}
