/* fa2 serve's daemon pieces: reloadable settings (reference counts, the "slack"
 * object), Secrets Manager value picking, users' time-zone texts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/time.h"
#include "serve/secrets.h"
#include "serve/settings.h"
#include "slack/usertz.h"
#include "test.h"

FA2_TEST(sdaemon_window_text)
{
	fa2_slack_tz tokyo = { "Asia/Tokyo", 540, 1 }, ny = { "America/New_York", -300, 1 };
	fa2_slack_tz off = { "", 330, 1 }, unknown = { "", 0, 0 };
	char out[200];
	/* 2026-11-25 01:32:00Z .. 02:12:00Z */
	int64_t s = 1795570320, e = s + 40 * 60;
	CHECK(fa2_slack_format_window(s, e, &tokyo, out, sizeof out) > 0);
	CHECK_STR_EQ(out, "2026-11-25 10:32\xe2\x80\x93" "11:12 Asia/Tokyo (2026-11-25 01:32\xe2\x80\x93" "02:12 UTC)");
	/* the local end falls on the previous day's evening in New York: both on 11-24 */
	CHECK(fa2_slack_format_window(s, e, &ny, out, sizeof out) > 0);
	CHECK_STR_EQ(out, "2026-11-24 20:32\xe2\x80\x93" "21:12 America/New_York (2026-11-25 01:32\xe2\x80\x93" "02:12 UTC)");
	/* crossing midnight locally: the end carries its date */
	CHECK(fa2_slack_format_window(s - 3 * 3600, e, &tokyo, out, sizeof out) > 0);
	CHECK_STR_EQ(out, "2026-11-25 07:32\xe2\x80\x93" "11:12 Asia/Tokyo (2026-11-24 22:32\xe2\x80\x93" "2026-11-25 02:12 UTC)");
	CHECK(fa2_slack_format_window(s, e, &off, out, sizeof out) > 0);
	CHECK_STR_EQ(out, "2026-11-25 07:02\xe2\x80\x93" "07:42 UTC+05:30 (2026-11-25 01:32\xe2\x80\x93" "02:12 UTC)");
	CHECK(fa2_slack_format_window(s, e, &unknown, out, sizeof out) > 0);
	CHECK_STR_EQ(out, "2026-11-25 01:32\xe2\x80\x93" "02:12 UTC");
	CHECK(fa2_slack_format_window(s, e, &tokyo, out, 20) == 0);
	CHECK_STR_EQ(out, "");
	CHECK(fa2_slack_format_change(s, 540, 0, out, sizeof out) > 0);
	CHECK_STR_EQ(out, "The alarm changed state at 2026-11-25 01:32 UTC (2026-11-25 10:32 UTC+09:00).");
	CHECK(fa2_slack_format_change(s, -150, 0, out, sizeof out) > 0);
	CHECK_STR_EQ(out, "The alarm changed state at 2026-11-25 01:32 UTC (2026-11-24 23:02 UTC-02:30).");
	CHECK(fa2_slack_format_change(s, 0, 0, out, sizeof out) > 0);
	CHECK_STR_EQ(out, "The alarm changed state at 2026-11-25 01:32 UTC.");
}

FA2_TEST(sdaemon_context_block)
{
	cJSON *arr = cJSON_CreateArray(), *b;
	CHECK(arr != NULL);
	cJSON_AddItemToArray(arr, cJSON_CreateString("first"));
	cJSON_AddItemToArray(arr, cJSON_CreateString("second"));
	CHECK(fa2_slack_blocks_insert_context(arr, 1, "note"));
	CHECK_INT_EQ(cJSON_GetArraySize(arr), 3);
	b = cJSON_GetArrayItem(arr, 1);
	CHECK_STR_EQ(fa2_json_str(b, "type"), "context");
	CHECK_STR_EQ(fa2_json_str(cJSON_GetArrayItem(cJSON_GetObjectItem(b, "elements"), 0), "text"), "note");
	CHECK_STR_EQ(cJSON_GetArrayItem(arr, 2)->valuestring, "second");
	CHECK(fa2_slack_blocks_insert_context(arr, 99, "last"));
	CHECK_INT_EQ(cJSON_GetArraySize(arr), 4);
	CHECK(fa2_slack_blocks_insert_context(arr, 0, "top"));
	CHECK_STR_EQ(fa2_json_str(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 0), "elements"), 0),
	                          "text"), "top");
	CHECK_STR_EQ(cJSON_GetArrayItem(arr, 1)->valuestring, "first");
	CHECK_INT_EQ(cJSON_GetArraySize(arr), 5);
	cJSON_Delete(arr);
}

FA2_TEST(sdaemon_tz_cache)
{
	static fa2_slack_tzcache c;
	fa2_slack_tz tz;
	fa2_slack_tzcache_init(&c, 0);
	/* no API and nothing cached: unknown, no crash */
	fa2_slack_tzcache_get(&c, NULL, "U1", &tz);
	CHECK_INT_EQ(tz.known, 0);
	fa2_slack_tzcache_get(&c, NULL, NULL, &tz);
	CHECK_INT_EQ(tz.known, 0);
	/* a cached entry is served until it expires */
	snprintf(c.e[3].user, sizeof c.e[3].user, "U1");
	c.e[3].tz.known = 1;
	c.e[3].tz.offset_min = 540;
	c.e[3].expires_ms = fa2_time_mono_ms() + 60000;
	fa2_slack_tzcache_get(&c, NULL, "U1", &tz);
	CHECK_INT_EQ(tz.known, 1);
	CHECK_INT_EQ(tz.offset_min, 540);
	c.e[3].expires_ms = fa2_time_mono_ms() - 1;
	fa2_slack_tzcache_get(&c, NULL, "U1", &tz);
	CHECK_INT_EQ(tz.known, 0);
	fa2_slack_tzcache_cleanup(&c);
}

static fa2_err pick(const char *v, fa2_slack_secret_kind k, char *out, size_t cap)
{
	fa2_buf b;
	char msg[300];
	fa2_err e;
	fa2_buf_init(&b, 4096);
	e = fa2_serve_secret_pick(fa2_slice_cstr(v), k, "s", &b, msg, sizeof msg);
	snprintf(out, cap, "%.*s", (int)b.len, b.data ? b.data : "");
	if (e)
		snprintf(out, cap, "%s", msg);
	fa2_buf_cleanup(&b);
	return e;
}

FA2_TEST(sdaemon_secret_pick)
{
	char out[400];
	CHECK_OK(pick("xoxb-1-2-abc\n", FA2_SLACK_SECRET_TOKEN, out, sizeof out));
	CHECK_STR_EQ(out, "xoxb-1-2-abc");
	CHECK_OK(pick("{\"SlackBotToken\":\"xoxb-a\",\"SlackSigningSecret\":\"sig\"}", FA2_SLACK_SECRET_TOKEN, out,
	              sizeof out));
	CHECK_STR_EQ(out, "xoxb-a");
	CHECK_OK(pick("{\"SlackBotToken\":\"xoxb-a\",\"SlackSigningSecret\":\"sig\"}", FA2_SLACK_SECRET_SIGNING, out,
	              sizeof out));
	CHECK_STR_EQ(out, "sig");
	CHECK_OK(pick("{\"whatever\":\"only-one\",\"n\":3}", FA2_SLACK_SECRET_SIGNING, out, sizeof out));
	CHECK_STR_EQ(out, "only-one");
	CHECK(pick("{\"a\":\"1\",\"b\":\"2\"}", FA2_SLACK_SECRET_TOKEN, out, sizeof out) == FA2_ERR_NOT_FOUND);
	CHECK(strstr(out, "SlackBotToken") != NULL);
	CHECK(pick("{not json", FA2_SLACK_SECRET_TOKEN, out, sizeof out) == FA2_ERR_PARSE);
	CHECK(pick("  ", FA2_SLACK_SECRET_TOKEN, out, sizeof out) == FA2_ERR_NOT_FOUND);
	/* a number-looking signing secret is a plain value, not JSON */
	CHECK_OK(pick("12345678901234567890", FA2_SLACK_SECRET_SIGNING, out, sizeof out));
	CHECK_STR_EQ(out, "12345678901234567890");
}

FA2_TEST(sdaemon_settings_json)
{
	fa2_slack_settings *s = fa2_slack_settings_wrap(NULL, NULL, NULL, NULL);
	char msg[300];
	CHECK(s != NULL);
	CHECK_OK(fa2_slack_settings_apply_json(s, fa2_slice_cstr("{\"slack\":{\"allowUsers\":[\"U1\",\" U2 \"],"
	         "\"allowChannels\":\"C1, C2\",\"alarmIds\":[]}}"), "t", msg, sizeof msg));
	CHECK_STR_EQ(s->allow_users, "U1,U2");
	CHECK_STR_EQ(s->allow_channels, "C1,C2");
	CHECK(s->alarm_ids == NULL);
	CHECK(fa2_slack_settings_apply_json(s, fa2_slice_cstr("{\"slack\":{\"allowUsers\":[\"U1\",7]}}"), "t", msg,
	                                    sizeof msg) == FA2_ERR_CONFIG);
	CHECK(strstr(msg, "slack.allowUsers") != NULL);
	CHECK_STR_EQ(s->allow_users, "U1,U2"); /* unchanged on error */
	CHECK(fa2_slack_settings_apply_json(s, fa2_slice_cstr("{\"slack\":{\"allowChannels\":[\"C1;drop\"]}}"), "t",
	                                    msg, sizeof msg) == FA2_ERR_CONFIG);
	CHECK(fa2_slack_settings_apply_json(s, fa2_slice_cstr("{\"slack\":3}"), "t", msg, sizeof msg) ==
	      FA2_ERR_CONFIG);
	CHECK(fa2_slack_settings_apply_json(s, fa2_slice_cstr("{\"slack\":"), "t", msg, sizeof msg) == FA2_ERR_CONFIG);
	CHECK_OK(fa2_slack_settings_apply_json(s, fa2_slice_cstr("{\"language\":\"en\"}"), "t", msg, sizeof msg));
	CHECK_STR_EQ(s->allow_users, "U1,U2");
	fa2_slack_settings_free(s);
}

FA2_TEST(sdaemon_settings_load_and_reload)
{
	const char *dir = getenv("TMPDIR");
	char path[512], msg[512];
	fa2_slack_settings *a = NULL, *b = NULL, *r1, *r2;
	fa2_slack_live live;
	const char *good = "{\"language\":\"ja\",\"slack\":{\"allowUsers\":[\"UA\"]}}";

	snprintf(path, sizeof path, "%s/fa2-sdaemon-%ld.json", dir && *dir ? dir : "/tmp", (long)getpid());
	CHECK_OK(fa2_file_write_atomic(path, good, strlen(good), 0600));
	CHECK_OK(fa2_slack_settings_load(path, NULL, "C9", NULL, &a, msg, sizeof msg));
	CHECK(a->cfg->lang == FA2_LANG_JA);
	CHECK_STR_EQ(a->allow_users, "UA");
	CHECK_STR_EQ(a->allow_channels, "C9"); /* the command line wins */
	CHECK(fa2_slack_settings_load("/nonexistent/fa2.json", NULL, NULL, NULL, &b, msg, sizeof msg) != FA2_OK);
	CHECK(b == NULL);
	CHECK(strstr(msg, "no such file") != NULL);
	CHECK_OK(fa2_file_write_atomic(path, "{\"maxAgentCycles\":\"lots\"}", 25, 0600));
	CHECK(fa2_slack_settings_load(path, NULL, NULL, NULL, &b, msg, sizeof msg) == FA2_ERR_CONFIG);
	CHECK(strstr(msg, "maxAgentCycles") != NULL);

	/* a reader keeps its snapshot across a replace; it is freed after the last put (ASan
	 * would flag a use after free here) */
	fa2_slack_live_init(&live, a);
	r1 = fa2_slack_live_get(&live);
	CHECK(r1 == a);
	CHECK_OK(fa2_file_write_atomic(path, "{\"slack\":{\"allowUsers\":\"UB\"}}", 30, 0600));
	CHECK_OK(fa2_slack_settings_load(path, NULL, NULL, NULL, &b, msg, sizeof msg));
	fa2_slack_live_replace(&live, b);
	r2 = fa2_slack_live_get(&live);
	CHECK(r2 == b);
	CHECK_STR_EQ(r1->allow_users, "UA");
	CHECK(r1->cfg->lang == FA2_LANG_JA);
	CHECK_STR_EQ(r2->allow_users, "UB");
	CHECK_INT_EQ((int)live.generation, 2);
	fa2_slack_live_put(&live, r1);
	fa2_slack_live_put(&live, r2);
	fa2_slack_live_cleanup(&live);
	(void)unlink(path);
}

FA2_TEST(sdaemon_settings_nomem)
{
	long n;
	/* every allocation failure point of wrap frees what it took */
	for (n = 0; n < 6; n++) {
		fa2_slack_settings *s;
		fa2_alloc_fail_after(n);
		s = fa2_slack_settings_wrap(NULL, "A1", "C1", "U1");
		fa2_alloc_fail_reset();
		fa2_slack_settings_free(s);
	}
}
