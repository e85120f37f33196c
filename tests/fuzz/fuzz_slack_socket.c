/* libFuzzer target: the Socket Mode envelope decoder and the ack encoder. Checks: on
 * success the fixed fields are NUL-terminated within their arrays, type is not empty, a
 * payload is an object, the kind mapping is one of the documented values, and the ack
 * built for the envelope id (with and without a JSON payload) parses back to an object
 * whose envelope_id is the same string. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "slack/socket.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fa2_slack_envelope e;
	fa2_slack_ack ack;
	fa2_buf out;
	cJSON *back;
	int k, with;

	if (fa2_slack_envelope_parse(fa2_slice_make((const char *)data, size), &e) != FA2_OK)
		return 0;
	if (!memchr(e.type, 0, sizeof e.type) || !memchr(e.envelope_id, 0, sizeof e.envelope_id) ||
	    !memchr(e.reason, 0, sizeof e.reason) || !memchr(e.retry, 0, sizeof e.retry) || !e.type[0])
		abort();
	if (e.payload && !cJSON_IsObject(e.payload))
		abort();
	k = fa2_slack_envelope_kind(e.type);
	if (k != 0 && k != FA2_SLACK_EVENTS && k != FA2_SLACK_INTERACTIVE && k != FA2_SLACK_COMMAND)
		abort();
	for (with = 0; with < 2; with++) {
		memset(&ack, 0, sizeof ack);
		ack.status = 200;
		if (with) {
			static const char body[] = "{\"response_action\":\"clear\"}";
			ack.json = 1;
			ack.len = sizeof body - 1;
			memcpy(ack.body, body, sizeof body);
		}
		fa2_buf_init(&out, 4096);
		if (fa2_slack_socket_ack_json(e.envelope_id, &ack, &out) == FA2_OK) {
			back = fa2_json_parse(fa2_buf_slice(&out), NULL);
			if (!cJSON_IsObject(back) || !fa2_json_str(back, "envelope_id") ||
			    strcmp(fa2_json_str(back, "envelope_id"), e.envelope_id) != 0 ||
			    (with && !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(back, "payload"))))
				abort();
			cJSON_Delete(back);
		}
		fa2_buf_cleanup(&out);
	}
	fa2_slack_envelope_cleanup(&e);
	return 0;
}
