/* libFuzzer target: the Slack request parsers. The first byte picks one:
 * 0 form decoding (every field name tried, decode then re-encode then decode is stable),
 * 1 alarm parsing of an arbitrary JSON event (fields are NUL-terminated and bounded),
 * 2 request verification with the input split into timestamp / signature / body
 * (never valid by chance; never reads out of bounds). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "aws/alarms.h"
#include "serve/app.h"
#include "slack/verify.h"
#include "slack/webapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fa2_slice s;
	if (size < 1)
		return 0;
	s = fa2_slice_make((const char *)data + 1, size - 1);
	switch (data[0] % 3) {
	case 0: {
		static const char *const names[] = { "payload", "command", "text", "a", "", NULL };
		size_t i;
		fa2_buf v, e, v2;
		fa2_buf_init(&v, 1u << 20);
		fa2_buf_init(&e, 4u << 20);
		fa2_buf_init(&v2, 1u << 20);
		for (i = 0; names[i]; i++) {
			fa2_buf_reset(&v);
			if (fa2_slack_form_get(s, names[i], &v) != FA2_OK)
				continue;
			fa2_buf_reset(&e);
			fa2_buf_reset(&v2);
			if (fa2_buf_append_cstr(&e, "x=") || fa2_slack_form_escape(&e, fa2_buf_slice(&v)) ||
			    fa2_slack_form_get(fa2_buf_slice(&e), "x", &v2) != FA2_OK)
				abort();
			if (v.len != v2.len || (v.len && memcmp(v.data, v2.data, v.len) != 0))
				abort();
		}
		fa2_buf_cleanup(&v);
		fa2_buf_cleanup(&e);
		fa2_buf_cleanup(&v2);
		break;
	}
	case 1: {
		cJSON *ev = fa2_json_parse(s, NULL);
		fa2_alarm al;
		if (ev) {
			if (fa2_slack_parse_alarm(ev, &al)) {
				if (!al.name || !*al.name || strlen(al.region) >= sizeof al.region ||
				    (al.account[0] && strlen(al.account) != 12))
					abort();
				fa2_alarm_cleanup(&al);
			}
			cJSON_Delete(ev);
		}
		break;
	}
	default: {
		fa2_slice ts, rest, sig;
		(void)fa2_slice_split(s, '\n', &ts, &rest);
		(void)fa2_slice_split(rest, '\n', &sig, &rest);
		if (fa2_slack_verify(fa2_slice_cstr("fuzz-secret"), &ts, &sig, rest, 1700000000) == FA2_SLACK_VALID)
			abort(); /* a forged MAC */
		break;
	}
	}
	return 0;
}
