/* Alarm recognition against the table of message shapes in tests/data/alarm_shapes/
 * (README.md there says where each shape comes from). Each file: {"source", "event",
 * "expect": {"form": bool, "name", "state", "region", "account"}}; "form" is whether the
 * serve app posts the analysis form for it (an alarm name found and its state ALARM). */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "aws/alarms.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "serve/app.h"
#include "test.h"

#define SHAPES_DIR "tests/data/alarm_shapes"

/* 1 when the shape in path is read as its expect says, else 0 with the reason in why. */
static int check_shape(const char *path, char *why, size_t cap)
{
	fa2_buf b;
	cJSON *doc;
	const cJSON *exp;
	fa2_alarm al;
	int got, want_form, ok = 0;
	const char *k, *const fields[] = { "name", "state", "region", "account", NULL };
	size_t i;

	fa2_buf_init(&b, 1u << 20);
	memset(&al, 0, sizeof al);
	if (fa2_file_read_all(path, &b) != FA2_OK) {
		snprintf(why, cap, "unreadable");
		fa2_buf_cleanup(&b);
		return 0;
	}
	doc = fa2_json_parse(fa2_slice_make((const char *)b.data, b.len), NULL);
	fa2_buf_cleanup(&b);
	exp = cJSON_GetObjectItemCaseSensitive(doc, "expect");
	if (!doc || !cJSON_IsObject(exp) || !cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(exp, "form"))) {
		snprintf(why, cap, "not a shape file (needs expect.form)");
		goto out;
	}
	want_form = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(exp, "form"));
	got = fa2_slack_parse_alarm(cJSON_GetObjectItemCaseSensitive(doc, "event"), &al);
	if ((got && al.state && strcmp(al.state, "ALARM") == 0) != want_form) {
		snprintf(why, cap, "form %s expected, got name '%s' state '%s'", want_form ? "" : "not",
		         got ? al.name : "(none)", got && al.state ? al.state : "(none)");
		goto out;
	}
	for (i = 0; fields[i]; i++) {
		const char *v;
		if (!(k = fa2_json_str(exp, fields[i])))
			continue;
		v = strcmp(fields[i], "name") == 0 ? al.name : strcmp(fields[i], "state") == 0 ? al.state
		    : strcmp(fields[i], "region") == 0 ? al.region : al.account;
		if (!got || strcmp(v ? v : "", k) != 0) {
			snprintf(why, cap, "%s: expected '%s', got '%s'", fields[i], k, got && v ? v : "(none)");
			goto out;
		}
	}
	ok = 1;
out:
	fa2_alarm_cleanup(&al);
	cJSON_Delete(doc);
	return ok;
}

FA2_TEST(alarm_shapes_table)
{
	DIR *d = opendir(SHAPES_DIR);
	struct dirent *e;
	unsigned n = 0, bad = 0;
	char path[512], why[400];

	CHECK_MSG(d != NULL, "%s: not found (run from the repository root)", SHAPES_DIR);
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", SHAPES_DIR, e->d_name);
		n++;
		if (!check_shape(path, why, sizeof why)) {
			bad++;
			fa2_test_fail(__FILE__, __LINE__, "%s: %s", e->d_name, why);
		}
	}
	closedir(d);
	CHECK_MSG(n >= 12, "only %u shapes found in %s", n, SHAPES_DIR);
	CHECK_INT_EQ(bad, 0);
}

FA2_TEST(alarm_unconfirmed_note)
{
	char out[400];
	fa2_slack_unconfirmed_note(FA2_ERR_NOT_FOUND, "eu-west-1", "210987654321", FA2_LANG_EN, out, sizeof out);
	CHECK(strstr(out, "eu-west-1") && strstr(out, "another account: 210987654321") && strstr(out, "not confirmed"));
	fa2_slack_unconfirmed_note(FA2_ERR_NOT_FOUND, "eu-west-1", "", FA2_LANG_JA, out, sizeof out);
	CHECK(strstr(out, "見つかりませんでした") && !strstr(out, "別のアカウント") && strstr(out, "確認できていません"));
	fa2_slack_unconfirmed_note(FA2_ERR_AWS, "us-east-1", NULL, FA2_LANG_EN, out, sizeof out);
	CHECK(strstr(out, "refused DescribeAlarms (access denied"));
	fa2_slack_unconfirmed_note(FA2_ERR_AUTH, NULL, NULL, FA2_LANG_JA, out, sizeof out);
	CHECK(strstr(out, "既定のリージョン") && strstr(out, "拒否"));
	fa2_slack_unconfirmed_note(FA2_ERR_TIMEOUT, "ap-northeast-1", NULL, FA2_LANG_EN, out, sizeof out);
	CHECK(strstr(out, "could not be asked (deadline exceeded)"));
	fa2_slack_unconfirmed_note(FA2_ERR_CONFIG, "ap-south-1", NULL, FA2_LANG_EN, out, sizeof out);
	CHECK(strstr(out, "no way to reach CloudWatch in ap-south-1"));
}
