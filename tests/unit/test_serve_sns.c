/* fa2 serve's SNS endpoint configuration: the "sns" object (src/serve/sns.c). */
#include <stdio.h>
#include <string.h>

#include "serve/sns.h"
#include "test.h"

static fa2_err parse(const char *json, fa2_serve_sns_config *c, char *msg, size_t cap)
{
	msg[0] = '\0';
	return fa2_serve_sns_config_parse(fa2_slice_cstr(json), "t.json", c, msg, cap);
}

FA2_TEST(serve_sns_config)
{
	static fa2_serve_sns_config c;
	char msg[512];
	CHECK_OK(parse("{\"modelId\": \"m\"}", &c, msg, sizeof msg));
	CHECK_INT_EQ(c.n_topics, 0);
	CHECK_STR_EQ(c.path, "/sns");
	CHECK_OK(parse("{\"sns\": {\"path\": \"/hooks/sns\", \"topics\": ["
	               "{\"topicArn\": \"arn:aws:sns:ap-northeast-1:123456789012:alarms\", \"channel\": \"C0123ABC\"},"
	               "{\"topicArn\": \"arn:aws-cn:sns:cn-north-1:210987654321:a.b_c-d\", \"channel\": \"G42\","
	               " \"action\": \"analyze\"}]}}", &c, msg, sizeof msg));
	CHECK_INT_EQ(c.n_topics, 2);
	CHECK_STR_EQ(c.path, "/hooks/sns");
	CHECK_STR_EQ(c.topics[0].arn, "arn:aws:sns:ap-northeast-1:123456789012:alarms");
	CHECK_STR_EQ(c.topics[0].channel, "C0123ABC");
	CHECK_INT_EQ(c.topics[0].analyze, 0);
	CHECK_INT_EQ(c.topics[1].analyze, 1);
}

FA2_TEST(serve_sns_config_refused)
{
	static fa2_serve_sns_config c;
	static const struct { const char *json, *words; } bad[] = {
		{ "{\"sns\": []}", "sns must be an object" },
		{ "{\"sns\": {}}", "sns.topics must list at least one topic" },
		{ "{\"sns\": {\"topics\": [\"arn:aws:sns:us-east-1:123456789012:t\"]}}", "sns.topics[0] must be an object" },
		{ "{\"sns\": {\"topics\": [{\"topicArn\": \"arn:aws:sqs:us-east-1:123456789012:t\", \"channel\": \"C1\"}]}}",
		  "sns.topics[0].topicArn" },
		{ "{\"sns\": {\"topics\": [{\"topicArn\": \"arn:aws:sns:us-east-1:12345678901:t\", \"channel\": \"C1\"}]}}",
		  "sns.topics[0].topicArn" },
		{ "{\"sns\": {\"topics\": [{\"topicArn\": \"arn:aws:sns:us-east-1:123456789012:\", \"channel\": \"C1\"}]}}",
		  "sns.topics[0].topicArn" },
		{ "{\"sns\": {\"topics\": [{\"topicArn\": \"arn:aws:sns:us-east-1:123456789012:t\", \"channel\": \"#alerts\"}]}}",
		  "sns.topics[0].channel must be a Slack channel id" },
		{ "{\"sns\": {\"topics\": [{\"topicArn\": \"arn:aws:sns:us-east-1:123456789012:t\", \"channel\": \"C1\","
		  " \"action\": \"analyse\"}]}}", "sns.topics[0].action" },
		{ "{\"sns\": {\"topics\": [{\"topicArn\": \"arn:aws:sns:us-east-1:123456789012:t\", \"channel\": \"C1\"},"
		  "{\"topicArn\": \"arn:aws:sns:us-east-1:123456789012:t\", \"channel\": \"C2\"}]}}", "listed twice" },
		{ "{\"sns\": {\"path\": \"sns\", \"topics\": [{\"topicArn\": \"arn:aws:sns:us-east-1:123456789012:t\","
		  " \"channel\": \"C1\"}]}}", "sns.path" },
		{ "not json", "not valid JSON" },
	};
	char msg[512];
	size_t i;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_INT_EQ(parse(bad[i].json, &c, msg, sizeof msg), FA2_ERR_CONFIG);
		CHECK_INT_EQ(c.n_topics, 0);
		if (!strstr(msg, bad[i].words) || !strstr(msg, "t.json"))
			fprintf(stderr, "case %zu: %s\n", i, msg);
		CHECK(strstr(msg, bad[i].words) != NULL);
	}
}
