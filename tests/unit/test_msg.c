/* Unit tests for src/base/msg.c: the compiled-in catalog (both languages complete, same
 * placeholders), lookups with fallbacks, and the override directory. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/file.h"
#include "base/msg.h"
#include "slack/blocks.h"
#include "test.h"

FA2_TEST(msg_builtin_complete)
{
	size_t i, n_en = 0, n_ja = 0;
	for (i = 0; fa2_msg_builtin_en[i].key; i++) {
		const char *ja = fa2_msg_builtin(FA2_MSG_JA, fa2_msg_builtin_en[i].key);
		char a[128], b[128];
		CHECK_MSG(ja != NULL, "%s has no ja text", fa2_msg_builtin_en[i].key);
		if (!ja)
			continue;
		CHECK(fa2_msg_placeholders(fa2_msg_builtin_en[i].text, a, sizeof a));
		CHECK(fa2_msg_placeholders(ja, b, sizeof b));
		CHECK_MSG(strcmp(a, b) == 0, "%s: en %s ja %s", fa2_msg_builtin_en[i].key, a, b);
		if (i)
			CHECK(strcmp(fa2_msg_builtin_en[i - 1].key, fa2_msg_builtin_en[i].key) < 0);
		n_en++;
	}
	for (i = 0; fa2_msg_builtin_ja[i].key; i++)
		n_ja++;
	CHECK(n_en > 30);
	CHECK_INT_EQ(n_en, n_ja);
}

FA2_TEST(msg_lookup_and_placeholders)
{
	char ph[64];
	CHECK_STR_EQ(fa2_msg(FA2_MSG_EN, "slack.form.cancel"), "Cancel");
	CHECK_STR_EQ(fa2_msg(FA2_MSG_JA, "slack.form.cancel"), "キャンセル");
	CHECK_STR_EQ(fa2_msg(7, "slack.form.cancel"), "Cancel"); /* unknown language: English */
	/* leading spaces are kept */
	CHECK_STR_EQ(fa2_msg(FA2_MSG_EN, "serve.progress.cycle"), " cycle %u/%u");
	CHECK_STR_EQ(fa2_msg(FA2_MSG_EN, "no.such.key"), "no.such.key");
	CHECK(fa2_msg_builtin(FA2_MSG_EN, "no.such.key") == NULL);
	CHECK(fa2_msg_placeholders("a %s b %% c %.40s %lld %u/%u", ph, sizeof ph));
	CHECK_STR_EQ(ph, "%s%.40s%lld%u%u");
	CHECK(!fa2_msg_placeholders("%s %s %s", ph, 4));
	/* the Slack language number is the catalog's */
	CHECK_INT_EQ(FA2_SLACK_LANG_JA, FA2_MSG_JA);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

FA2_TEST(msg_override_dir)
{
	char dir[512], sub[600], path[700], msg[256];
	const char *before = fa2_msg(FA2_MSG_JA, "slack.form.cancel");
	snprintf(dir, sizeof dir, "%s/msgover", fa2_test_tmpdir());
	snprintf(sub, sizeof sub, "%s/ja", dir);
	CHECK(mkdir(dir, 0700) == 0);
	CHECK(mkdir(sub, 0700) == 0);
	snprintf(path, sizeof path, "%s/messages", sub);
	/* a malformed line is an error and leaves the catalog as it was */
	write_file(path, "# c\nslack.form.cancel = やめる\nnot a line\n");
	CHECK_INT_EQ(fa2_msg_use_dir(dir, msg, sizeof msg), FA2_ERR_PARSE);
	CHECK(strstr(msg, "line 3") != NULL);
	CHECK_STR_EQ(fa2_msg(FA2_MSG_JA, "slack.form.cancel"), "キャンセル");
	/* only en present is fine; ja is overridden key by key; a key with other
	 * placeholders than the English one is skipped */
	write_file(path, "slack.form.cancel = やめる\\n次\nserve.progress.cycle = %s\n"
			 "serve.progress.starting =   始め\n");
	CHECK_OK(fa2_msg_use_dir(dir, msg, sizeof msg));
	CHECK_STR_EQ(fa2_msg(FA2_MSG_JA, "slack.form.cancel"), "やめる\n次");
	CHECK_STR_EQ(fa2_msg(FA2_MSG_JA, "serve.progress.cycle"), " サイクル %u/%u");
	CHECK_STR_EQ(fa2_msg(FA2_MSG_JA, "serve.progress.starting"), "  始め");
	CHECK_STR_EQ(fa2_msg(FA2_MSG_EN, "slack.form.cancel"), "Cancel");
	CHECK_STR_EQ(fa2_msg(FA2_MSG_JA, "slack.form.analyse"), "分析");
	/* the text handed out before stays valid */
	CHECK_STR_EQ(before, "キャンセル");
	/* same dir again: nothing changes */
	CHECK_OK(fa2_msg_use_dir(dir, msg, sizeof msg));
	CHECK_STR_EQ(fa2_msg(FA2_MSG_JA, "slack.form.cancel"), "やめる\n次");
	CHECK_OK(fa2_msg_use_dir("", msg, sizeof msg));
	CHECK_STR_EQ(fa2_msg(FA2_MSG_JA, "slack.form.cancel"), "やめる\n次");
	/* an override directory without messages files: the compiled-in texts again (so
	 * that the tests after this one see them) */
	snprintf(sub, sizeof sub, "%s/msgnone", fa2_test_tmpdir());
	CHECK(mkdir(sub, 0700) == 0);
	CHECK_OK(fa2_msg_use_dir(sub, msg, sizeof msg));
	CHECK_STR_EQ(fa2_msg(FA2_MSG_JA, "slack.form.cancel"), "キャンセル");
}
