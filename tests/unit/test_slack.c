/* Slack: request verification against the published and derived vectors. */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "slack/verify.h"
#include "test.h"

static fa2_slack_verdict verify_case(const cJSON *c, const char *sig_override)
{
	const char *sec = fa2_json_str(c, "signing_secret"), *ts = fa2_json_str(c, "timestamp");
	const char *body = fa2_json_str(c, "body");
	const char *sig = sig_override ? sig_override : fa2_json_str(c, "signature");
	double now = 0;
	fa2_slice tss, sigs;
	fa2_json_num(c, "now", &now);
	tss = fa2_slice_cstr(ts ? ts : "");
	sigs = fa2_slice_cstr(sig ? sig : "");
	return fa2_slack_verify(fa2_slice_cstr(sec ? sec : ""), ts ? &tss : NULL, sig ? &sigs : NULL,
	                        fa2_slice_cstr(body ? body : ""), (int64_t)now);
}

FA2_TEST(slack_verify_published_vector)
{
	char path[512], sig[FA2_SLACK_SIG_LEN + 1];
	fa2_buf file;
	cJSON *root = NULL;
	const char *want;
	fa2_slice ts, s;

	fa2_buf_init(&file, 1u << 20);
	fa2_test_data("slack/signing/slack-docs-signing-vector.json", path, sizeof path);
	if (fa2_file_read_all(path, &file) != FA2_OK) {
		fa2_test_skip("Slack signing vectors not found (set FA2_TESTDATA)");
		goto cleanup;
	}
	root = fa2_json_parse(fa2_buf_slice(&file), NULL);
	if (!root) {
		fa2_test_fail(__FILE__, __LINE__, "cannot parse %s", path);
		goto cleanup;
	}
	want = fa2_json_str(root, "expected_signature");
	ts = fa2_slice_cstr(fa2_json_str(root, "timestamp"));
	fa2_slack_sign(fa2_slice_cstr(fa2_json_str(root, "signing_secret")), ts,
	               fa2_slice_cstr(fa2_json_str(root, "body")), sig);
	if (!want || strcmp(sig, want) != 0) {
		fa2_test_fail(__FILE__, __LINE__, "signature %s, want %s", sig, want ? want : "?");
		goto cleanup;
	}
	s = fa2_slice_cstr(want);
	if (fa2_slack_verify(fa2_slice_cstr(fa2_json_str(root, "signing_secret")), &ts, &s,
	                     fa2_slice_cstr(fa2_json_str(root, "body")), 1531420618 + 299) != FA2_SLACK_VALID)
		fa2_test_fail(__FILE__, __LINE__, "published vector rejected");
cleanup:
	cJSON_Delete(root);
	fa2_buf_cleanup(&file);
}

FA2_TEST(slack_verify_derived_vectors)
{
	char path[512];
	fa2_buf file;
	cJSON *root = NULL, *c;
	int n = 0;

	fa2_buf_init(&file, 1u << 20);
	fa2_test_data("slack/signing/derived-vectors.json", path, sizeof path);
	if (fa2_file_read_all(path, &file) != FA2_OK) {
		fa2_test_skip("Slack signing vectors not found (set FA2_TESTDATA)");
		goto cleanup;
	}
	root = fa2_json_parse(fa2_buf_slice(&file), NULL);
	if (!root) {
		fa2_test_fail(__FILE__, __LINE__, "cannot parse %s", path);
		goto cleanup;
	}
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "cases")) {
		const char *name = fa2_json_str(c, "name"), *expect = fa2_json_str(c, "expect");
		fa2_slack_verdict v = verify_case(c, NULL);
		int ok;
		if (!name || !expect) {
			fa2_test_fail(__FILE__, __LINE__, "case without name/expect");
			goto cleanup;
		}
		if (strcmp(expect, "valid") == 0)
			ok = v == FA2_SLACK_VALID;
		else if (strcmp(expect, "stale") == 0)
			ok = v == FA2_SLACK_STALE;
		else
			ok = v == FA2_SLACK_MISMATCH || v == FA2_SLACK_BAD_SIGNATURE;
		if (!ok) {
			fa2_test_fail(__FILE__, __LINE__, "case %s: expected %s, got %s", name, expect,
			              fa2_slack_verdict_str(v));
			goto cleanup;
		}
		n++;
	}
	if (n < 9)
		fa2_test_fail(__FILE__, __LINE__, "only %d cases", n);
cleanup:
	cJSON_Delete(root);
	fa2_buf_cleanup(&file);
}

FA2_TEST(slack_verify_reasons)
{
	fa2_slice sec = FA2_SLICE_LIT("s3cret"), body = FA2_SLICE_LIT("{\"a\":1}");
	fa2_slice ts = FA2_SLICE_LIT("1700000000"), bad_ts = FA2_SLICE_LIT("17e8"), neg = FA2_SLICE_LIT("-1");
	char sig[FA2_SLACK_SIG_LEN + 1];
	fa2_slice s, trunc, up;
	char upbuf[FA2_SLACK_SIG_LEN + 1];
	size_t i;

	fa2_slack_sign(sec, ts, body, sig);
	s = fa2_slice_cstr(sig);
	CHECK_INT_EQ(fa2_slack_verify(sec, &ts, &s, body, 1700000000), FA2_SLACK_VALID);
	CHECK_INT_EQ(fa2_slack_verify(sec, &ts, &s, body, 1700000300), FA2_SLACK_VALID);
	CHECK_INT_EQ(fa2_slack_verify(sec, &ts, &s, body, 1700000301), FA2_SLACK_STALE);
	CHECK_INT_EQ(fa2_slack_verify(sec, &ts, &s, body, 1699999699), FA2_SLACK_STALE);
	CHECK_INT_EQ(fa2_slack_verify(FA2_SLICE_LIT(""), &ts, &s, body, 1700000000), FA2_SLACK_NO_SECRET);
	CHECK_INT_EQ(fa2_slack_verify(sec, NULL, &s, body, 1700000000), FA2_SLACK_NO_TIMESTAMP);
	CHECK_INT_EQ(fa2_slack_verify(sec, &bad_ts, &s, body, 1700000000), FA2_SLACK_BAD_TIMESTAMP);
	CHECK_INT_EQ(fa2_slack_verify(sec, &neg, &s, body, 1700000000), FA2_SLACK_BAD_TIMESTAMP);
	CHECK_INT_EQ(fa2_slack_verify(sec, &ts, NULL, body, 1700000000), FA2_SLACK_NO_SIGNATURE);
	trunc = fa2_slice_sub(s, 0, s.len - 1);
	CHECK_INT_EQ(fa2_slack_verify(sec, &ts, &trunc, body, 1700000000), FA2_SLACK_BAD_SIGNATURE);
	memcpy(upbuf, sig, sizeof upbuf);
	for (i = 3; i < FA2_SLACK_SIG_LEN; i++)
		if (upbuf[i] >= 'a' && upbuf[i] <= 'f')
			upbuf[i] = (char)(upbuf[i] - 'a' + 'A');
	up = fa2_slice_cstr(upbuf);
	CHECK_INT_EQ(fa2_slack_verify(sec, &ts, &up, body, 1700000000), FA2_SLACK_BAD_SIGNATURE);
	/* every single-bit flip in the body is caught */
	{
		char b2[8];
		memcpy(b2, "{\"a\":1}", 7);
		b2[3] ^= 1;
		CHECK_INT_EQ(fa2_slack_verify(sec, &ts, &s, fa2_slice_make(b2, 7), 1700000000), FA2_SLACK_MISMATCH);
	}
}

#include "aws/alarms.h"
#include "serve/app.h"
#include "slack/blocks.h"
#include "slack/webapi.h"

/* Parses a notification; al is cleaned first (it may hold an earlier alarm). */
static int parse_json_alarm(const char *json, fa2_alarm *al)
{
	cJSON *ev = fa2_json_parse(fa2_slice_cstr(json), NULL);
	int r;
	fa2_alarm_cleanup(al);
	r = ev ? fa2_slack_parse_alarm(ev, al) : -1;
	cJSON_Delete(ev);
	return r;
}

FA2_TEST(slack_parse_alarm_variants)
{
	fa2_alarm al;
	memset(&al, 0, sizeof al);
	/* attachment text as a third-party suite models AWS Chatbot's message */
	CHECK_INT_EQ(parse_json_alarm("{\"attachments\":[{\"fallback\":\"*CloudWatch Alarm | api-5xx | us-east-1 | "
	             "Account: 123456789012*\\nThe alarm api-5xx changed state from OK to ALARM. "
	             "<https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/api-5xx|View>\"}]}",
	             &al), 1);
	CHECK_STR_EQ(al.name, "api-5xx");
	CHECK_STR_EQ(al.state, "ALARM");
	CHECK_STR_EQ(al.region, "us-east-1");
	CHECK_STR_EQ(al.account, "123456789012");
	/* blocks, quoted name, OK state, eu region in prose */
	CHECK_INT_EQ(parse_json_alarm("{\"blocks\":[{\"type\":\"section\",\"text\":{\"type\":\"mrkdwn\",\"text\":"
	             "\"Alarm \\\"db cpu\\\" in EU (Ireland) eu-west-1 changed state to OK\"}}]}", &al), 1);
	CHECK_STR_EQ(al.name, "db cpu");
	CHECK_STR_EQ(al.state, "OK");
	CHECK_STR_EQ(al.region, "eu-west-1");
	/* plain text, INSUFFICIENT_DATA, URL-encoded name in a link */
	CHECK_INT_EQ(parse_json_alarm("{\"text\":\"INSUFFICIENT_DATA: <https://console.aws.amazon.com/cloudwatch/home"
	             "?region=ap-northeast-1#alarmsV2:alarm/my%20alarm>\"}", &al), 1);
	CHECK_STR_EQ(al.name, "my alarm");
	CHECK_STR_EQ(al.state, "INSUFFICIENT_DATA");
	CHECK_STR_EQ(al.region, "ap-northeast-1");
	/* not an alarm */
	CHECK_INT_EQ(parse_json_alarm("{\"text\":\"hello world\"}", &al), 0);
	CHECK(al.doc == NULL);
}

FA2_TEST(slack_window_checks)
{
	int64_t now = 1700000000;
	int on_start = -1;
	CHECK(fa2_slack_check_window(now - 3600, now, now, 1440, FA2_LANG_EN, NULL) == NULL);
	CHECK(strstr(fa2_slack_check_window(now, now - 60, now, 1440, FA2_LANG_EN, &on_start), "after the start"));
	CHECK_INT_EQ(on_start, 0);
	CHECK(strstr(fa2_slack_check_window(now - 86400 * 2, now, now, 1440, FA2_LANG_EN, NULL), "longer"));
	CHECK(strstr(fa2_slack_check_window(now + 600, now + 1200, now, 1440, FA2_LANG_EN, &on_start), "future"));
	CHECK_INT_EQ(on_start, 1);
	CHECK(fa2_slack_check_window(0, now, now, 1440, FA2_LANG_EN, NULL) != NULL);
	/* Japanese when configured */
	CHECK(strstr(fa2_slack_check_window(now, now - 60, now, 1440, FA2_LANG_JA, NULL), "終了時刻は開始時刻より後"));
	CHECK(strstr(fa2_slack_check_window(now + 600, now + 1200, now, 1440, FA2_LANG_JA, &on_start), "未来"));
	CHECK_INT_EQ(on_start, 1);
}

FA2_TEST(slack_form_decode)
{
	fa2_buf b;
	fa2_buf_init(&b, 1024);
	CHECK_OK(fa2_slack_form_get(fa2_slice_cstr("a=1&command=%2Ffa2&text=hello+world%21"), "command", &b));
	CHECK_SLICE_EQ(fa2_buf_slice(&b), "/fa2");
	fa2_buf_reset(&b);
	CHECK_OK(fa2_slack_form_get(fa2_slice_cstr("a=1&command=%2Ffa2&text=hello+world%21"), "text", &b));
	CHECK_SLICE_EQ(fa2_buf_slice(&b), "hello world!");
	fa2_buf_reset(&b);
	CHECK_INT_EQ(fa2_slack_form_get(fa2_slice_cstr("a=%4"), "a", &b), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_slack_form_get(fa2_slice_cstr("a=%zz"), "a", &b), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_slack_form_get(fa2_slice_cstr("ab=1"), "a", &b), FA2_ERR_NOT_FOUND);
	fa2_buf_reset(&b);
	CHECK_OK(fa2_slack_form_escape(&b, fa2_slice_cstr("a b/c~")));
	CHECK_SLICE_EQ(fa2_buf_slice(&b), "a%20b%2Fc~");
	fa2_buf_cleanup(&b);
}

FA2_TEST(slack_report_split)
{
	char big[9000];
	fa2_slice s;
	size_t n, total = 0;
	int pieces = 0;
	memset(big, 'x', sizeof big);
	big[1500] = '\n';
	big[2999] = (char)0xC3; /* a 2-byte UTF-8 sequence across the 3000 boundary */
	big[3000] = (char)0xA9;
	s = fa2_slice_make(big, sizeof big);
	while (s.len) {
		n = fa2_slack_split_len(s, 3000);
		CHECK(n > 0 && n <= 3000);
		if (pieces == 0)
			CHECK_INT_EQ(n, 1501);
		total += n;
		s = fa2_slice_sub(s, n, s.len - n);
		pieces++;
	}
	CHECK_INT_EQ(total, sizeof big);
	/* the form stays within Block Kit limits */
	{
		cJSON *f = fa2_slack_form_blocks("desc", 1, 2, "bad window", FA2_LANG_EN);
		CHECK(f != NULL);
		CHECK(cJSON_GetArraySize(f) <= FA2_SLACK_MAX_BLOCKS);
		cJSON_Delete(f);
	}
}
