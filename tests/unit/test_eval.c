/* fa2 eval: answer keys and the judging rules of docs/eval.md. */
#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "cmd/eval.h"
#include "test.h"

static int parse_key(const char *json, fa2_eval_expect *x)
{
	const char *why = NULL;
	return (int)fa2_eval_expect_parse(fa2_slice_cstr(json), x, &why);
}

FA2_TEST(eval_expect_parse)
{
	fa2_eval_expect x;
	CHECK_OK(parse_key("{\"name\":\"d01\",\"set\":\"dev\",\"kind\":\"iam\",\"expect\":\"change\","
			   "\"event_ids\":[\"a-1\",\"b-2\"],\"decoys\":[\"x\"]}", &x));
	CHECK_STR_EQ(x.name, "d01");
	CHECK_STR_EQ(x.set, "dev");
	CHECK_STR_EQ(x.kind, "iam");
	CHECK_INT_EQ(x.want_change, 1);
	CHECK_INT_EQ(x.n_ids, 2);
	CHECK_STR_EQ(x.ids[1], "b-2");
	CHECK_OK(parse_key("{\"expect\":\"no_change\",\"keywords\":[\"No space left\"]}", &x));
	CHECK_INT_EQ(x.want_change, 0);
	CHECK_INT_EQ(x.n_keys, 1);
	CHECK_STR_EQ(x.name, "");
	/* What a key must have. */
	CHECK_INT_EQ(parse_key("{\"expect\":\"change\"}", &x), FA2_ERR_PARSE);
	CHECK_INT_EQ(parse_key("{\"expect\":\"no_change\",\"event_ids\":[\"a\"]}", &x), FA2_ERR_PARSE);
	CHECK_INT_EQ(parse_key("{\"expect\":\"maybe\",\"keywords\":[\"a\"]}", &x), FA2_ERR_PARSE);
	CHECK_INT_EQ(parse_key("[1]", &x), FA2_ERR_PARSE);
	CHECK_INT_EQ(parse_key("{\"expect\":", &x), FA2_ERR_PARSE);
	CHECK_INT_EQ(parse_key("{\"expect\":\"change\",\"event_ids\":[\"\"]}", &x), FA2_ERR_TOO_LARGE);
	CHECK_INT_EQ(parse_key("{\"expect\":\"change\",\"event_ids\":[1]}", &x), FA2_ERR_TOO_LARGE);
	CHECK_INT_EQ(parse_key("{\"expect\":\"change\",\"event_ids\":\"a\"}", &x), FA2_ERR_TOO_LARGE);
	{
		/* 33 ids, and one id of 128 bytes: over the caps. */
		char big[1200];
		size_t n = 0, i;
		n += (size_t)snprintf(big + n, sizeof big - n, "{\"expect\":\"change\",\"event_ids\":[");
		for (i = 0; i < 33; i++)
			n += (size_t)snprintf(big + n, sizeof big - n, "%s\"id%zu\"", i ? "," : "", i);
		snprintf(big + n, sizeof big - n, "]}");
		CHECK_INT_EQ(parse_key(big, &x), FA2_ERR_TOO_LARGE);
		memset(big, 'a', sizeof big);
		memcpy(big, "{\"expect\":\"change\",\"event_ids\":[\"", 33);
		memcpy(big + 33 + 128, "\"]}", 4);
		CHECK_INT_EQ(parse_key(big, &x), FA2_ERR_TOO_LARGE);
		big[33 + 127] = '"';
		memcpy(big + 33 + 127, "\"]}", 4);
		CHECK_OK(parse_key(big, &x));
		CHECK_INT_EQ(strlen(x.ids[0]), 127);
	}
}

FA2_TEST(eval_contains_ci)
{
	CHECK(fa2_eval_contains_ci(fa2_slice_cstr("java.io.IOException: No space left on device"),
				   fa2_slice_cstr("no SPACE left")));
	CHECK(fa2_eval_contains_ci(fa2_slice_cstr("abc"), fa2_slice_cstr("abc")));
	CHECK(!fa2_eval_contains_ci(fa2_slice_cstr("ab"), fa2_slice_cstr("abc")));
	CHECK(!fa2_eval_contains_ci(fa2_slice_cstr("abc"), fa2_slice_cstr("")));
	CHECK(!fa2_eval_contains_ci(fa2_slice_cstr("ThrottlingException"), fa2_slice_cstr("throttled")));
	CHECK(fa2_eval_contains_ci(fa2_slice_make("x\0Throttl", 9), fa2_slice_cstr("throttl")));
}

/* Parses json and judges it; 0 when json is not JSON. */
static int judge_json(const fa2_eval_expect *x, const char *json, fa2_eval_result *r)
{
	cJSON *d = fa2_json_parse(fa2_slice_cstr(json), NULL);
	if (!d)
		return 0;
	fa2_eval_judge(x, d, r);
	cJSON_Delete(d);
	return 1;
}

#define CHANGE(id, title) "{\"kind\":\"change\",\"title\":\"" title "\",\"change\":{\"event_id\":\"" id "\"}}"

FA2_TEST(eval_judge_change)
{
	fa2_eval_expect x;
	fa2_eval_result r;
	CHECK_OK(parse_key("{\"expect\":\"change\",\"event_ids\":[\"E1\",\"E2\"]}", &x));
	/* The cause first: pass; its rank among the changes is found too. */
	CHECK(judge_json(&x, "{\"suspects\":[" CHANGE("E2", "UpdateService orders-api") "," CHANGE("X", "other") "],"
		"\"changes\":[{\"event_id\":\"X\"},{\"event_id\":\"E2\"}]}", &r));
	CHECK_INT_EQ(r.rank, 1);
	CHECK_INT_EQ(r.top1, 1);
	CHECK_INT_EQ(r.top3, 1);
	CHECK_INT_EQ(r.change_rank, 2);
	CHECK_INT_EQ(r.n_suspects, 2);
	CHECK_STR_EQ(r.top_kind, "change");
	CHECK_STR_EQ(r.top_event, "E2");
	CHECK_STR_EQ(r.top_title, "UpdateService orders-api");
	CHECK_INT_EQ(r.nci, -1);
	/* Third: top-3 only. A template that mentions the event id is not a change. */
	CHECK(judge_json(&x, "{\"suspects\":[" CHANGE("X", "a") ",{\"kind\":\"log_template\",\"template\":\"E1\"},"
		CHANGE("E1", "c") "," CHANGE("Y", "d") "]}", &r));
	CHECK_INT_EQ(r.rank, 3);
	CHECK_INT_EQ(r.top1, 0);
	CHECK_INT_EQ(r.top3, 1);
	CHECK_INT_EQ(r.change_rank, 0);
	CHECK_INT_EQ(r.blamed_change, 0);
	/* Fourth: neither. */
	CHECK(judge_json(&x, "{\"suspects\":[" CHANGE("X", "a") "," CHANGE("Y", "b") "," CHANGE("Z", "c") "," CHANGE("E1", "d") "]}", &r));
	CHECK_INT_EQ(r.rank, 4);
	CHECK_INT_EQ(r.top3, 0);
	/* First, but the report says no change is implicated: the two disagree, fail. */
	CHECK(judge_json(&x, "{\"no_change_implicated\":true,\"suspects\":[" CHANGE("E1", "a") "]}", &r));
	CHECK_INT_EQ(r.rank, 1);
	CHECK_INT_EQ(r.nci, 1);
	CHECK_INT_EQ(r.top1, 0);
	CHECK_INT_EQ(r.top3, 0);
	/* Shapes that are not a report: nothing right, no crash. */
	CHECK(judge_json(&x, "{\"suspects\":{\"kind\":\"change\"},\"changes\":7}", &r));
	CHECK_INT_EQ(r.rank, 0);
	CHECK_INT_EQ(r.n_suspects, 0);
	CHECK(judge_json(&x, "{\"suspects\":[7,\"x\",{\"kind\":\"change\",\"change\":{\"event_id\":5}}]}", &r));
	CHECK_INT_EQ(r.rank, 0);
	CHECK_INT_EQ(r.n_suspects, 3);
	CHECK_STR_EQ(r.top_kind, "?");
}

FA2_TEST(eval_judge_no_change)
{
	fa2_eval_expect x;
	fa2_eval_result r;
	CHECK_OK(parse_key("{\"expect\":\"no_change\",\"keywords\":[\"No space left\",\"disk_used_percent\"]}", &x));
	/* A change first: blamed, and a change never counts even when its text matches. */
	CHECK(judge_json(&x, "{\"suspects\":[" CHANGE("E", "no space left on the roadmap") ","
		"{\"kind\":\"log_template\",\"title\":\"new error template\",\"template\":\"IOException: No Space Left on device\"}]}", &r));
	CHECK_INT_EQ(r.blamed_change, 1);
	CHECK_INT_EQ(r.rank, 2);
	CHECK_INT_EQ(r.top1, 0);
	CHECK_INT_EQ(r.top3, 1);
	CHECK_INT_EQ(r.change_rank, -1);
	/* A metric suspect whose nested metric name matches; evidence does not count. */
	CHECK(judge_json(&x, "{\"no_change_implicated\":true,\"suspects\":["
		"{\"kind\":\"trace_fault\",\"title\":\"failing call\",\"evidence\":[{\"text\":\"No space left\"}]},"
		"{\"kind\":\"metric\",\"title\":\"saturation\",\"metric\":{\"name\":\"disk_used_percent\",\"dims\":[\"path=/\"]}}]}", &r));
	CHECK_INT_EQ(r.rank, 2);
	CHECK_INT_EQ(r.nci, 1);
	CHECK_INT_EQ(r.top1, 0);
	CHECK_INT_EQ(r.top3, 1);
	CHECK_INT_EQ(r.blamed_change, 0);
	/* Right first, but "no change implicated" is false: fails. */
	CHECK(judge_json(&x, "{\"no_change_implicated\":false,\"suspects\":[{\"kind\":\"log_template\",\"template\":\"No space left\"}]}", &r));
	CHECK_INT_EQ(r.rank, 1);
	CHECK_INT_EQ(r.top1, 0);
	/* Right first, field absent: passes. No suspects at all: fails, not blamed. */
	CHECK(judge_json(&x, "{\"suspects\":[{\"kind\":\"log_template\",\"template\":\"x: no space left\"}]}", &r));
	CHECK_INT_EQ(r.top1, 1);
	CHECK(judge_json(&x, "{\"suspects\":[]}", &r));
	CHECK_INT_EQ(r.top1, 0);
	CHECK_INT_EQ(r.top3, 0);
	CHECK_INT_EQ(r.blamed_change, 0);
	CHECK_STR_EQ(r.top_kind, "");
}

FA2_TEST(eval_judge_title_cut)
{
	/* A long UTF-8 title is cut at a character boundary. */
	fa2_eval_expect x;
	fa2_eval_result r;
	char json[2048], title[700];
	size_t i;
	CHECK_OK(parse_key("{\"expect\":\"no_change\",\"keywords\":[\"zzz\"]}", &x));
	for (i = 0; i + 3 < sizeof title; i += 3)
		memcpy(title + i, "\xe3\x81\x82", 3);
	title[i] = '\0';
	snprintf(json, sizeof json, "{\"suspects\":[{\"kind\":\"log_template\",\"title\":\"%s\"}]}", title);
	CHECK(judge_json(&x, json, &r));
	CHECK(strlen(r.top_title) < sizeof r.top_title);
	CHECK_INT_EQ(strlen(r.top_title) % 3, 0);
}

static int judge_agent(const fa2_eval_expect *x, const fa2_eval_cause *cz, size_t n, const char *report,
		       fa2_eval_agent_result *r)
{
	fa2_err e;
	cJSON *doc = fa2_json_parse(fa2_slice_cstr(report), &e);
	if (!doc)
		return -1;
	fa2_eval_judge_agent(x, cz, n, doc, r);
	cJSON_Delete(doc);
	return r->rank;
}

FA2_TEST(eval_judge_agent)
{
	fa2_eval_expect x;
	fa2_eval_cause cz;
	fa2_eval_agent_result r;

	CHECK_OK(parse_key("{\"expect\":\"change\",\"event_ids\":[\"588414e6\"]}", &x));
	memset(&cz, 0, sizeof cz);
	strcpy(cz.id, "588414e6");
	strcpy(cz.name, "DetachRolePolicy");
	fa2_eval_cause_add_resource(&cz, "arn:aws:iam::123456789012:policy/payments-api-dynamodb-access");
	fa2_eval_cause_add_resource(&cz, "payments-api-task-role");
	fa2_eval_cause_add_resource(&cz, "payments-api-task-role");  /* once */
	fa2_eval_cause_add_resource(&cz, "arn:aws:ec2:x:1:sg/sg");    /* short tail: the full value only */
	CHECK_INT_EQ(cz.n_res, 4);
	CHECK_STR_EQ(cz.res[1], "payments-api-dynamodb-access");
	CHECK_STR_EQ(cz.res[2], "payments-api-task-role");
	/* The call and a resource it acted on, in title or description; case-insensitive. */
	CHECK_INT_EQ(judge_agent(&x, &cz, 1, "{\"rootCauses\":[{\"title\":\"Policy detached\",\"description\":"
				 "\"detachrolepolicy removed payments-api-dynamodb-access\"}]}", &r), 1);
	CHECK(r.top1 && r.top3);
	CHECK_STR_EQ(r.top_title, "Policy detached");
	/* The call on another role, the role without the call, the pair only in the evidence: wrong. */
	CHECK_INT_EQ(judge_agent(&x, &cz, 1, "{\"rootCauses\":[{\"title\":\"DetachRolePolicy on thumbnailer-role\"}]}",
				 &r), 0);
	CHECK(!r.top1 && !r.top3);
	CHECK_INT_EQ(judge_agent(&x, &cz, 1, "{\"rootCauses\":[{\"title\":\"payments-api-task-role lost access\"}]}",
				 &r), 0);
	CHECK_INT_EQ(judge_agent(&x, &cz, 1, "{\"rootCauses\":[{\"title\":\"deploy\",\"evidence\":"
				 "[\"DetachRolePolicy payments-api-task-role\"]}]}", &r), 0);
	/* The event id names it; the second root cause is top-3 only; the fourth is not counted. */
	CHECK_INT_EQ(judge_agent(&x, &cz, 1, "{\"rootCauses\":[{\"title\":\"a\"},{\"description\":\"event 588414e6\"}]}",
				 &r), 2);
	CHECK(!r.top1 && r.top3);
	CHECK_INT_EQ(r.n_causes, 2);
	CHECK_INT_EQ(judge_agent(&x, &cz, 1, "{\"rootCauses\":[{},{},{},{\"title\":\"588414e6\"}]}", &r), 0);
	/* Without the recorded event only the id can name it. */
	CHECK_INT_EQ(judge_agent(&x, &cz, 0, "{\"rootCauses\":[{\"title\":\"DetachRolePolicy payments-api-task-role\"}]}",
				 &r), 0);
	/* No root causes, or not a list. */
	CHECK_INT_EQ(judge_agent(&x, &cz, 1, "{\"rootCauses\":\"x\"}", &r), 0);
	CHECK_INT_EQ(r.n_causes, 0);
	CHECK_STR_EQ(r.top_title, "");
	/* No change involved: a keyword in title or description. */
	CHECK_OK(parse_key("{\"expect\":\"no_change\",\"keywords\":[\"No space left\",\"disk_used_percent\"]}", &x));
	CHECK_INT_EQ(judge_agent(&x, NULL, 0, "{\"rootCauses\":[{\"title\":\"Disk full\",\"description\":"
				 "\"NO SPACE LEFT on device\"}]}", &r), 1);
	CHECK_INT_EQ(judge_agent(&x, NULL, 0, "{\"rootCauses\":[{\"title\":\"PutParameter flag\",\"evidence\":"
				 "[\"No space left\"]}]}", &r), 0);
}
