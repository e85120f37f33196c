/* Socket Mode pieces: envelope decoding, ack encoding, and the shared dispatch. */
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "serve/app.h"
#include "slack/socket.h"
#include "test.h"

FA2_TEST(slack_socket_envelope_parse)
{
	fa2_slack_envelope e;
	CHECK_OK(fa2_slack_envelope_parse(FA2_SLICE_LIT(
		"{\"envelope_id\":\"57d6a792\",\"type\":\"events_api\",\"accepts_response_payload\":false,"
		"\"retry_attempt\":2,\"retry_reason\":\"timeout\",\"payload\":{\"type\":\"event_callback\"}}"), &e));
	CHECK_STR_EQ(e.type, "events_api");
	CHECK_STR_EQ(e.envelope_id, "57d6a792");
	CHECK_STR_EQ(e.retry, "2");
	CHECK_INT_EQ(e.accepts_response_payload, 0);
	CHECK(cJSON_IsObject(e.payload));
	CHECK_STR_EQ(fa2_json_str(e.payload, "type"), "event_callback");
	CHECK_INT_EQ(fa2_slack_envelope_kind(e.type), FA2_SLACK_EVENTS);
	fa2_slack_envelope_cleanup(&e);
	CHECK(e.payload == NULL);

	CHECK_OK(fa2_slack_envelope_parse(FA2_SLICE_LIT("{\"type\":\"disconnect\",\"reason\":\"link_disabled\"}"), &e));
	CHECK_STR_EQ(e.reason, "link_disabled");
	CHECK_STR_EQ(e.envelope_id, "");
	CHECK_STR_EQ(e.retry, "");
	CHECK_INT_EQ(fa2_slack_envelope_kind(e.type), 0);
	fa2_slack_envelope_cleanup(&e);
	CHECK_INT_EQ(fa2_slack_envelope_kind("interactive"), FA2_SLACK_INTERACTIVE);
	CHECK_INT_EQ(fa2_slack_envelope_kind("slash_commands"), FA2_SLACK_COMMAND);

	/* malformed: not an object, no type, wrong types, payload not an object, too long */
	CHECK_INT_EQ(fa2_slack_envelope_parse(FA2_SLICE_LIT("[]"), &e), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_slack_envelope_parse(FA2_SLICE_LIT("{\"envelope_id\":\"x\"}"), &e), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_slack_envelope_parse(FA2_SLICE_LIT("{\"type\":\"\"}"), &e), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_slack_envelope_parse(FA2_SLICE_LIT("{\"type\":1}"), &e), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_slack_envelope_parse(FA2_SLICE_LIT("{\"type\":\"a\",\"envelope_id\":5}"), &e), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_slack_envelope_parse(FA2_SLICE_LIT("{\"type\":\"a\",\"payload\":\"s\"}"), &e), FA2_ERR_PARSE);
	CHECK(e.payload == NULL);
	CHECK_INT_EQ(fa2_slack_envelope_parse(FA2_SLICE_LIT(
		"{\"type\":\"0123456789012345678901234567890123456789\"}"), &e), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_slack_envelope_parse(FA2_SLICE_LIT("{\"type\":\"a\""), &e), FA2_ERR_PARSE);
}

FA2_TEST(slack_socket_ack_json)
{
	fa2_slack_ack ack;
	fa2_buf b;
	fa2_buf_init(&b, 8192);
	CHECK_OK(fa2_slack_socket_ack_json("e\"1", NULL, &b));
	CHECK_SLICE_EQ(fa2_buf_slice(&b), "{\"envelope_id\":\"e\\\"1\"}");
	memset(&ack, 0, sizeof ack);
	ack.status = 200;
	ack.json = 1;
	ack.len = strlen("{\"text\":\"hi\"}");
	memcpy(ack.body, "{\"text\":\"hi\"}", ack.len + 1);
	fa2_buf_reset(&b);
	CHECK_OK(fa2_slack_socket_ack_json("e2", &ack, &b));
	CHECK_SLICE_EQ(fa2_buf_slice(&b), "{\"envelope_id\":\"e2\",\"payload\":{\"text\":\"hi\"}}");
	ack.json = 0;   /* a text body is never sent as payload */
	fa2_buf_reset(&b);
	CHECK_OK(fa2_slack_socket_ack_json("e3", &ack, &b));
	CHECK_SLICE_EQ(fa2_buf_slice(&b), "{\"envelope_id\":\"e3\"}");
	fa2_buf_cleanup(&b);
}

FA2_TEST(slack_socket_dispatch)
{
	fa2_slack_app_config cfg;
	fa2_slack_app *app = NULL;
	fa2_slack_ack ack;
	fa2_slack_stats st;
	const char *ev = "{\"type\":\"event_callback\",\"event_id\":\"EvU1\",\"event\":{\"type\":\"message\","
	                 "\"channel\":\"C1\",\"app_id\":\"A6L22LZNH\",\"ts\":\"1.2\",\"text\":\"hello\"}}";
	const char *vs = "{\"type\":\"view_submission\",\"user\":{\"id\":\"U1\"},\"view\":{\"id\":\"V1\","
	                 "\"callback_id\":\"fa2_form\",\"private_metadata\":\"C1\",\"state\":{\"values\":{"
	                 "\"fa2_start\":{\"fa2_start_input\":{\"selected_date_time\":1000}},"
	                 "\"fa2_end\":{\"fa2_end_input\":{\"selected_date_time\":900}}}}}}";

	memset(&cfg, 0, sizeof cfg);   /* no signing secret: Socket Mode only is allowed */
	CHECK_OK(fa2_slack_app_new(&cfg, &app));
	CHECK_OK(fa2_slack_app_dispatch(app, FA2_SLACK_EVENTS, fa2_json_parse(fa2_slice_cstr(ev), NULL), NULL, NULL, &ack));
	CHECK_INT_EQ(ack.status, 200);
	CHECK_INT_EQ(ack.json, 0);
	CHECK_INT_EQ((int)ack.len, 0);
	CHECK_OK(fa2_slack_app_dispatch(app, FA2_SLACK_EVENTS, fa2_json_parse(fa2_slice_cstr(ev), NULL), "1", NULL, &ack));
	CHECK_INT_EQ(ack.status, 200);
	fa2_slack_app_stats(app, &st);
	CHECK_INT_EQ((int)st.events, 1);
	CHECK_INT_EQ((int)st.duplicates, 1);

	CHECK_OK(fa2_slack_app_dispatch(app, FA2_SLACK_INTERACTIVE, fa2_json_parse(fa2_slice_cstr(vs), NULL), NULL, NULL, &ack));
	CHECK_INT_EQ(ack.json, 1);
	CHECK(strstr(ack.body, "\"response_action\":\"errors\"") != NULL);
	CHECK(strstr(ack.body, "fa2_end") != NULL);

	/* url_verification answers with the challenge as JSON */
	CHECK_OK(fa2_slack_app_dispatch(app, FA2_SLACK_EVENTS, fa2_json_parse(FA2_SLICE_LIT(
		"{\"type\":\"url_verification\",\"challenge\":\"c\\\"h\"}"), NULL), NULL, NULL, &ack));
	CHECK_STR_EQ(ack.body, "{\"challenge\":\"c\\\"h\"}");
	/* a command without a way to defer it is answered busy; malformed payloads are 400 */
	CHECK_OK(fa2_slack_app_dispatch(app, FA2_SLACK_COMMAND, fa2_json_parse(FA2_SLICE_LIT(
		"{\"command\":\"/fa2\"}"), NULL), NULL, NULL, &ack));
	CHECK_INT_EQ(ack.status, 503);
	CHECK_INT_EQ(fa2_slack_app_dispatch(app, FA2_SLACK_COMMAND, cJSON_CreateObject(), NULL, NULL, &ack), FA2_ERR_PARSE);
	CHECK_INT_EQ(ack.status, 400);
	CHECK_INT_EQ(fa2_slack_app_dispatch(app, FA2_SLACK_EVENTS, NULL, NULL, NULL, &ack), FA2_ERR_PARSE);
	CHECK_INT_EQ(fa2_slack_app_dispatch(app, FA2_SLACK_EVENTS, cJSON_CreateObject(), NULL, NULL, &ack), FA2_ERR_PARSE);
	fa2_slack_app_free(app);
}
