/* libFuzzer target: DynamoDB reply and item readers (src/aws/dynamodb.c): the number
 * rule on raw bytes, DescribeTable / DescribeTimeToLive decoders, and every typed getter
 * on every attribute of an item. Nothing may crash; accepted numbers obey the rule. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/dynamodb.h"
#include "base/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	fa2_slice in = fa2_slice_make((const char *)data, size), s;
	fa2_ddb_table_info ti;
	fa2_ddb_ttl_info tl;
	const cJSON *it, *sub;
	cJSON *item;
	fa2_buf b;
	int64_t n;
	int flag;
	if (!init) {
		fa2_json_init();
		init = 1;
	}
	(void)fa2_ddb_number_valid(in);
	if (fa2_ddb_decode_table(in, &ti) == FA2_OK && (!ti.hash_key[0] || !ti.status[0]))
		abort();
	(void)fa2_ddb_decode_ttl(in, &tl);
	item = fa2_json_parse(in, NULL);
	fa2_buf_init(&b, 1u << 20);
	cJSON_ArrayForEach(it, item) {
		const char *k = it->string;
		if (!k)
			continue;
		(void)fa2_ddb_type_of(item, k);
		(void)fa2_ddb_get_s(item, k, &s);
		if (fa2_ddb_get_n_text(item, k, &s) == FA2_OK && !fa2_ddb_number_valid(s))
			abort();
		(void)fa2_ddb_get_n(item, k, &n);
		fa2_buf_reset(&b);
		(void)fa2_ddb_get_b(item, k, &b);
		(void)fa2_ddb_get_bool(item, k, &flag);
		(void)fa2_ddb_is_null(item, k);
		(void)fa2_ddb_get_m(item, k, &sub);
		(void)fa2_ddb_get_l(item, k, &sub);
	}
	fa2_buf_cleanup(&b);
	cJSON_Delete(item);
	return 0;
}
