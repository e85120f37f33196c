/* libFuzzer target: the serve daemon's parsers of untrusted-ish text: the config file's
 * "slack" object (allow-lists, alarm ids) and a Secrets Manager SecretString. Invariants:
 * a list that loads is comma-separated Slack id characters only, no empty items; a
 * rejection explains itself; a picked secret is never empty. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "serve/secrets.h"
#include "serve/settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_list(const char *l)
{
	size_t i, n;
	if (!l)
		return;
	n = strlen(l);
	if (!n || l[0] == ',' || l[n - 1] == ',' || strstr(l, ",,"))
		abort();
	for (i = 0; i < n; i++)
		if (!(l[i] == ',' || l[i] == '_' || l[i] == '-' || (l[i] >= '0' && l[i] <= '9') ||
		      (l[i] >= 'A' && l[i] <= 'Z') || (l[i] >= 'a' && l[i] <= 'z')))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	fa2_slack_settings *s;
	fa2_slice in = fa2_slice_make((const char *)data, size);
	char msg[512];
	fa2_buf out;
	fa2_err e;
	int k;

	if (!init) {
		fa2_json_init();
		init = 1;
	}
	s = fa2_slack_settings_wrap(NULL, NULL, NULL, NULL);
	if (!s)
		return 0;
	msg[0] = '\0';
	e = fa2_slack_settings_apply_json(s, in, "fuzz", msg, sizeof msg);
	if (e == FA2_ERR_CONFIG && !msg[0])
		abort();
	check_list(s->alarm_ids);
	check_list(s->allow_channels);
	check_list(s->allow_users);
	fa2_slack_settings_free(s);

	for (k = 0; k < 2; k++) {
		fa2_buf_init(&out, 65536);
		msg[0] = '\0';
		e = fa2_serve_secret_pick(in, k ? FA2_SLACK_SECRET_SIGNING : FA2_SLACK_SECRET_TOKEN, "fuzz", &out,
		                          msg, sizeof msg);
		if ((e == FA2_OK && out.len == 0) || ((e == FA2_ERR_NOT_FOUND || e == FA2_ERR_PARSE) && !msg[0]))
			abort();
		fa2_buf_cleanup(&out);
	}
	return 0;
}
