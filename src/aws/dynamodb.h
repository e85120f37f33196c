/* Amazon DynamoDB through fa2's AWS client (awsJson1_0, target DynamoDB_20120810, SigV4
 * name "dynamodb"): the item operations a shared store needs and the table checks
 * `fa2 check` needs. No store logic lives here.
 *
 * Items and keys are cJSON objects in DynamoDB's wire form: {"name": {"S": "x"}, "n":
 * {"N": "42"}, ...}. The fa2_ddb_put_* helpers build them with checked values; the
 * fa2_ddb_get_* helpers read them with checked types (a number is a string of at most 38
 * significant digits, read into int64 with overflow checks; binary is base64).
 *
 * Errors (fa2_err), the service's code and message in *err when err is not NULL:
 *   FA2_ERR_EXISTS     ConditionalCheckFailedException (the condition did not hold)
 *   FA2_ERR_THROTTLED  ProvisionedThroughputExceededException, ThrottlingException,
 *                      RequestLimitExceeded after the client's retries
 *   FA2_ERR_NOT_FOUND  ResourceNotFoundException (no such table or index), or GetItem of
 *                      an absent item
 *   FA2_ERR_INVALID    ValidationException (a malformed expression, a wrong key)
 *   FA2_ERR_AGAIN      TransactionConflictException
 *   FA2_ERR_TOO_LARGE  ItemCollectionSizeLimitExceededException, or a request over 400 KB
 *   FA2_ERR_AWS        any other service error; transport errors as the client returns them
 *   FA2_ERR_PARSE      a reply that is not of the documented shape */
#ifndef FA2_AWS_DYNAMODB_H
#define FA2_AWS_DYNAMODB_H

#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"

#include "aws/client.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/slice.h"

#define FA2_DDB_MAX_ITEM_BYTES   (400u * 1024u)  /* DynamoDB's item size limit */
#define FA2_DDB_MAX_REQUEST_BYTES (1u * 1024u * 1024u)
#define FA2_DDB_MAX_REPLY_BYTES  (16u * 1024u * 1024u)  /* one reply (a Query page is <= 1 MB) */
#define FA2_DDB_MAX_PAGES        1000u  /* Query pages followed at most */
#define FA2_DDB_MAX_NUMBER_DIGITS 38u

typedef struct fa2_ddb {
	fa2_aws_client *client;      /* borrowed */
	char table[256];
	int64_t timeout_ms;          /* per call, retries included; 0: the client's */
} fa2_ddb;

/* Binds a table name ([A-Za-z0-9_.-]{3,255}). FA2_ERR_INVALID for another name. */
fa2_err fa2_ddb_init(fa2_ddb *d, fa2_aws_client *client, const char *table);

/* Maps a service error to the fa2_err list above (exposed for tests). */
fa2_err fa2_ddb_error_kind(const fa2_aws_error *err);

/* ---- attribute values ---------------------------------------------------------------- */

/* 1 when s is a DynamoDB number: [-]digits[.digits][e[+-]digits], at most 38 significant
 * digits, exponent within what DynamoDB stores (10^-130 .. 10^126). */
int fa2_ddb_number_valid(fa2_slice s);

/* Add name = value to obj (an item, key or map). FA2_ERR_INVALID for a number string
 * that is not a DynamoDB number; FA2_ERR_NOMEM. The map and list forms return the new
 * empty container through *out (owned by obj). */
fa2_err fa2_ddb_put_s(cJSON *obj, const char *name, fa2_slice value);
fa2_err fa2_ddb_put_n(cJSON *obj, const char *name, int64_t value);
fa2_err fa2_ddb_put_n_text(cJSON *obj, const char *name, fa2_slice number);
fa2_err fa2_ddb_put_b(cJSON *obj, const char *name, const void *data, size_t len);
fa2_err fa2_ddb_put_bool(cJSON *obj, const char *name, int value);
fa2_err fa2_ddb_put_null(cJSON *obj, const char *name);
fa2_err fa2_ddb_put_m(cJSON *obj, const char *name, cJSON **out);
fa2_err fa2_ddb_put_l(cJSON *obj, const char *name, cJSON **out);
/* Appends to a list made by fa2_ddb_put_l. */
fa2_err fa2_ddb_list_add_s(cJSON *list, fa2_slice value);
fa2_err fa2_ddb_list_add_n(cJSON *list, int64_t value);

/* Read name from obj with its type: FA2_ERR_NOT_FOUND when absent, FA2_ERR_PARSE when of
 * another type (or, for numbers, not an integer), FA2_ERR_TOO_LARGE when outside int64.
 * Slices point into obj. */
fa2_err fa2_ddb_get_s(const cJSON *obj, const char *name, fa2_slice *out);
fa2_err fa2_ddb_get_n(const cJSON *obj, const char *name, int64_t *out);
fa2_err fa2_ddb_get_n_text(const cJSON *obj, const char *name, fa2_slice *out);
fa2_err fa2_ddb_get_b(const cJSON *obj, const char *name, fa2_buf *out);
fa2_err fa2_ddb_get_bool(const cJSON *obj, const char *name, int *out);
int fa2_ddb_is_null(const cJSON *obj, const char *name);
/* The inner object of an M or the array of an L (points into obj). */
fa2_err fa2_ddb_get_m(const cJSON *obj, const char *name, const cJSON **out);
fa2_err fa2_ddb_get_l(const cJSON *obj, const char *name, const cJSON **out);
/* The type tag of name's value ("S", "N", "M", ...), NULL when absent or malformed. */
const char *fa2_ddb_type_of(const cJSON *obj, const char *name);

/* ---- operations ---------------------------------------------------------------------- */

/* Condition and update expressions with their placeholders. Every member may be NULL. */
typedef struct fa2_ddb_expr {
	const char *condition;       /* ConditionExpression: "attribute_not_exists(pk)" */
	const cJSON *names;          /* ExpressionAttributeNames {"#n": "name"} (borrowed) */
	const cJSON *values;         /* ExpressionAttributeValues {":v": {"S": "x"}} (borrowed) */
	const char *return_values;   /* NONE (default), ALL_OLD, UPDATED_OLD, ALL_NEW, UPDATED_NEW */
} fa2_ddb_expr;

/* PutItem. attrs (may be NULL) gets Attributes when return_values asked for them (caller
 * frees; NULL when the reply has none). */
fa2_err fa2_ddb_put_item(fa2_ddb *d, const cJSON *item, const fa2_ddb_expr *x, cJSON **attrs,
                         fa2_aws_error *err);
/* GetItem with ConsistentRead when consistent. *item (caller frees) is the Item; an
 * absent item is FA2_ERR_NOT_FOUND with *item NULL. */
fa2_err fa2_ddb_get_item(fa2_ddb *d, const cJSON *key, int consistent, cJSON **item,
                         fa2_aws_error *err);
/* UpdateItem with UpdateExpression update. */
fa2_err fa2_ddb_update_item(fa2_ddb *d, const cJSON *key, const char *update, const fa2_ddb_expr *x,
                            cJSON **attrs, fa2_aws_error *err);
/* DeleteItem. */
fa2_err fa2_ddb_delete_item(fa2_ddb *d, const cJSON *key, const fa2_ddb_expr *x, cJSON **attrs,
                            fa2_aws_error *err);

/* Query with KeyConditionExpression key_cond (x->condition is the FilterExpression),
 * following LastEvaluatedKey page by page. fn is called for each item in order (return
 * non-zero to stop early: the result is then FA2_OK); at most max_items are delivered
 * (0: no limit beyond FA2_DDB_MAX_PAGES). page_limit (0: the service's) is Limit per
 * page. index NULL: the table. */
typedef int (*fa2_ddb_item_fn)(void *ctx, const cJSON *item);
typedef struct fa2_ddb_query {
	const char *key_cond;
	const char *index;
	int consistent;
	int backward;                /* ScanIndexForward false */
	unsigned page_limit;
	size_t max_items;
	const fa2_ddb_expr *x;       /* filter, names, values (return_values unused) */
} fa2_ddb_query;
fa2_err fa2_ddb_query_items(fa2_ddb *d, const fa2_ddb_query *q, fa2_ddb_item_fn fn, void *ctx,
                            size_t *delivered, unsigned *pages, fa2_aws_error *err);

typedef struct fa2_ddb_table_info {
	char status[24];             /* CREATING, ACTIVE, UPDATING, DELETING, ... */
	char hash_key[256], hash_type[4];
	char range_key[256], range_type[4];   /* "" when the table has no sort key */
	char billing_mode[32];       /* PAY_PER_REQUEST, PROVISIONED, or "" when not said */
	uint64_t item_count;
	char arn[512];
} fa2_ddb_table_info;

typedef struct fa2_ddb_ttl_info {
	char status[24];             /* ENABLED, DISABLED, ENABLING, DISABLING */
	char attribute[256];         /* "" when TTL is not enabled */
} fa2_ddb_ttl_info;

fa2_err fa2_ddb_describe_table(fa2_ddb *d, fa2_ddb_table_info *out, fa2_aws_error *err);
fa2_err fa2_ddb_describe_ttl(fa2_ddb *d, fa2_ddb_ttl_info *out, fa2_aws_error *err);

/* Decoders of DescribeTable / DescribeTimeToLive replies (exposed for tests, fuzzing). */
fa2_err fa2_ddb_decode_table(fa2_slice json, fa2_ddb_table_info *out);
fa2_err fa2_ddb_decode_ttl(fa2_slice json, fa2_ddb_ttl_info *out);

#endif
