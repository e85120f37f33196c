/* fa2 eval: answer keys and judging (see eval.h and docs/eval.md). */
#include <string.h>

#include "cmd/eval.h"

/* Copies a JSON string into dst (cap bytes, NUL included). 0 ok, -1 when it does not fit. */
static int copy_str(char *dst, size_t cap, const char *s)
{
	size_t n = strlen(s);
	if (n >= cap)
		return -1;
	memcpy(dst, s, n + 1);
	return 0;
}

/* Copies a string array obj[key] into dst; -1 on a non-string entry, a string that does
 * not fit, or more than FA2_MAX_EVAL_ANSWERS entries. An absent key gives 0 entries. */
static int copy_list(const cJSON *obj, const char *key, char dst[][FA2_MAX_EVAL_ANSWER_BYTES], size_t *n)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, key), *it;
	*n = 0;
	if (!arr)
		return 0;
	if (!cJSON_IsArray(arr))
		return -1;
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it) || !it->valuestring || !it->valuestring[0] || *n >= FA2_MAX_EVAL_ANSWERS ||
		    copy_str(dst[*n], FA2_MAX_EVAL_ANSWER_BYTES, it->valuestring))
			return -1;
		(*n)++;
	}
	return 0;
}

fa2_err fa2_eval_expect_parse(fa2_slice json, fa2_eval_expect *x, const char **why)
{
	const char *w = "", *expect, *s;
	fa2_err e = FA2_OK;
	cJSON *root = NULL;

	memset(x, 0, sizeof *x);
	if (json.len > FA2_MAX_EVAL_EXPECT_BYTES) {
		w = "expected.json is too large";
		e = FA2_ERR_TOO_LARGE;
		goto cleanup;
	}
	root = fa2_json_parse(json, &e);
	if (!root || !cJSON_IsObject(root)) {
		w = "expected.json is not a JSON object";
		e = e ? e : FA2_ERR_PARSE;
		goto cleanup;
	}
	if (((s = fa2_json_str(root, "name")) && copy_str(x->name, sizeof x->name, s)) ||
	    ((s = fa2_json_str(root, "set")) && copy_str(x->set, sizeof x->set, s)) ||
	    ((s = fa2_json_str(root, "kind")) && copy_str(x->kind, sizeof x->kind, s))) {
		w = "name, set or kind is too long";
		e = FA2_ERR_TOO_LARGE;
		goto cleanup;
	}
	expect = fa2_json_str(root, "expect");
	if (!expect || (strcmp(expect, "change") && strcmp(expect, "no_change"))) {
		w = "\"expect\" must be \"change\" or \"no_change\"";
		e = FA2_ERR_PARSE;
		goto cleanup;
	}
	x->want_change = !strcmp(expect, "change");
	if (copy_list(root, "event_ids", x->ids, &x->n_ids) || copy_list(root, "keywords", x->keys, &x->n_keys)) {
		w = "event_ids and keywords must be arrays of at most 32 non-empty strings under 128 bytes";
		e = FA2_ERR_TOO_LARGE;
		goto cleanup;
	}
	if (x->want_change ? x->n_ids == 0 : x->n_keys == 0) {
		w = x->want_change ? "a change-caused scenario needs \"event_ids\"" : "a no-change scenario needs \"keywords\"";
		e = FA2_ERR_PARSE;
		goto cleanup;
	}
cleanup:
	cJSON_Delete(root);
	if (why)
		*why = w;
	return e;
}

int fa2_eval_contains_ci(fa2_slice hay, fa2_slice needle)
{
	size_t i, j;
	if (needle.len == 0 || needle.len > hay.len)
		return 0;
	for (i = 0; i + needle.len <= hay.len; i++) {
		for (j = 0; j < needle.len; j++) {
			unsigned char a = (unsigned char)hay.ptr[i + j], b = (unsigned char)needle.ptr[j];
			if (a >= 'A' && a <= 'Z')
				a = (unsigned char)(a - 'A' + 'a');
			if (b >= 'A' && b <= 'Z')
				b = (unsigned char)(b - 'A' + 'a');
			if (a != b)
				break;
		}
		if (j == needle.len)
			return 1;
	}
	return 0;
}

/* 1 when any string inside it (outside an "evidence" member) contains a keyword. The
 * depth bound keeps a hostile document from exhausting the stack. */
static int text_has_key(const cJSON *it, const fa2_eval_expect *x, int depth)
{
	const cJSON *c;
	size_t k;
	if (!it || depth > 16)
		return 0;
	if (cJSON_IsString(it) && it->valuestring) {
		for (k = 0; k < x->n_keys; k++)
			if (fa2_eval_contains_ci(fa2_slice_cstr(it->valuestring), fa2_slice_cstr(x->keys[k])))
				return 1;
		return 0;
	}
	cJSON_ArrayForEach(c, it) {
		if (c->string && !strcmp(c->string, "evidence"))
			continue;
		if (text_has_key(c, x, depth + 1))
			return 1;
	}
	return 0;
}

static int is_expected_id(const fa2_eval_expect *x, const char *id)
{
	size_t k;
	if (!id)
		return 0;
	for (k = 0; k < x->n_ids; k++)
		if (!strcmp(x->ids[k], id))
			return 1;
	return 0;
}

static const char *change_id(const cJSON *change)
{
	return fa2_json_str(change, "event_id");
}

/* Copies s into dst (cap bytes), cut at a UTF-8 character boundary when it is longer. */
static void copy_cut(char *dst, size_t cap, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xC0u) == 0x80u)
			n--;
	}
	if (n)
		memcpy(dst, s, n);
	dst[n] = '\0';
}

void fa2_eval_judge(const fa2_eval_expect *x, const cJSON *report, fa2_eval_result *res)
{
	const cJSON *sus = cJSON_GetObjectItemCaseSensitive(report, "suspects");
	const cJSON *nci = cJSON_GetObjectItemCaseSensitive(report, "no_change_implicated");
	const cJSON *changes = cJSON_GetObjectItemCaseSensitive(report, "changes"), *it;
	int i = 0, agree;

	memset(res, 0, sizeof *res);
	res->nci = cJSON_IsBool(nci) ? (cJSON_IsTrue(nci) ? 1 : 0) : -1;
	res->change_rank = x->want_change ? 0 : -1;
	if (cJSON_IsArray(sus)) {
		cJSON_ArrayForEach(it, sus) {
			const char *kind = fa2_json_str(it, "kind");
			const cJSON *ch = cJSON_GetObjectItemCaseSensitive(it, "change");
			int is_change = kind && !strcmp(kind, "change");
			int right;
			i++;
			if (i == 1) {
				const char *title = fa2_json_str(it, "title");
				copy_cut(res->top_kind, sizeof res->top_kind, kind ? kind : "?");
				copy_cut(res->top_title, sizeof res->top_title,
					 title ? title : (fa2_json_str(it, "template") ? fa2_json_str(it, "template") : ""));
				copy_cut(res->top_event, sizeof res->top_event, is_change ? change_id(ch) : NULL);
				res->blamed_change = !x->want_change && is_change;
			}
			if (x->want_change)
				right = is_change && is_expected_id(x, change_id(ch));
			else
				right = !is_change && text_has_key(it, x, 0);
			if (right && !res->rank)
				res->rank = i;
		}
	}
	res->n_suspects = i;
	if (x->want_change && cJSON_IsArray(changes)) {
		i = 0;
		cJSON_ArrayForEach(it, changes) {
			i++;
			if (is_expected_id(x, change_id(it))) {
				res->change_rank = i;
				break;
			}
		}
	}
	agree = res->nci < 0 || res->nci == !x->want_change;
	res->top1 = agree && res->rank == 1;
	res->top3 = agree && res->rank >= 1 && res->rank <= 3;
}

void fa2_eval_cause_add_resource(fa2_eval_cause *c, const char *value)
{
	const char *tail;
	size_t n = value ? strlen(value) : 0, k;
	if (!n || n >= FA2_MAX_EVAL_ANSWER_BYTES)
		return;
	for (k = 0; k < c->n_res && strcmp(c->res[k], value); k++)
		;
	if (k == c->n_res && c->n_res < FA2_EVAL_CAUSE_RESOURCES)
		memcpy(c->res[c->n_res++], value, n + 1);
	for (tail = value + n; tail > value && tail[-1] != ':' && tail[-1] != '/'; tail--)
		;
	if (tail > value && strlen(tail) >= 4)
		fa2_eval_cause_add_resource(c, tail);
}

/* 1 when the root cause's title or description says s. */
static int cause_says(const cJSON *rc, const char *s)
{
	const char *t = fa2_json_str(rc, "title"), *d = fa2_json_str(rc, "description");
	fa2_slice n = fa2_slice_cstr(s);
	return (t && fa2_eval_contains_ci(fa2_slice_cstr(t), n)) || (d && fa2_eval_contains_ci(fa2_slice_cstr(d), n));
}

static int cause_right(const fa2_eval_expect *x, const fa2_eval_cause *causes, size_t n_causes, const cJSON *rc)
{
	size_t i, k;
	if (!x->want_change) {
		for (k = 0; k < x->n_keys; k++)
			if (cause_says(rc, x->keys[k]))
				return 1;
		return 0;
	}
	for (k = 0; k < x->n_ids; k++)
		if (cause_says(rc, x->ids[k]))
			return 1;
	for (i = 0; i < n_causes; i++) {
		if (!causes[i].name[0] || !cause_says(rc, causes[i].name))
			continue;
		for (k = 0; k < causes[i].n_res; k++)
			if (cause_says(rc, causes[i].res[k]))
				return 1;
	}
	return 0;
}

void fa2_eval_judge_agent(const fa2_eval_expect *x, const fa2_eval_cause *causes, size_t n_causes,
			  const cJSON *report, fa2_eval_agent_result *res)
{
	const cJSON *rcs = cJSON_GetObjectItemCaseSensitive(report, "rootCauses"), *it;
	int i = 0;
	memset(res, 0, sizeof *res);
	if (!cJSON_IsArray(rcs))
		return;
	cJSON_ArrayForEach(it, rcs) {
		i++;
		if (i == 1)
			copy_cut(res->top_title, sizeof res->top_title,
				 fa2_json_str(it, "title") ? fa2_json_str(it, "title") : "");
		if (i <= 3 && !res->rank && cJSON_IsObject(it) && cause_right(x, causes, n_causes, it))
			res->rank = i;
	}
	res->n_causes = i;
	res->top1 = res->rank == 1;
	res->top3 = res->rank >= 1 && res->rank <= 3;
}
