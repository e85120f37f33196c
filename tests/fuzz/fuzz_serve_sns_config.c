/* libFuzzer target: the configuration file's "sns" object (src/serve/sns.c). Invariants:
 * a rejection explains itself and leaves no topics; an accepted topic has an SNS topic
 * ARN, a Slack channel id (upper-case letters and digits) and no duplicate; the path
 * starts with '/'. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "serve/sns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	static fa2_serve_sns_config c;
	char msg[512];
	size_t i, k;
	fa2_err e;
	if (!init) {
		fa2_json_init();
		init = 1;
	}
	msg[0] = '\0';
	e = fa2_serve_sns_config_parse(fa2_slice_make((const char *)data, size), "fuzz", &c, msg, sizeof msg);
	if (e != FA2_OK) {
		if (e != FA2_ERR_CONFIG || !msg[0] || c.n_topics)
			abort();
		return 0;
	}
	if (c.path[0] != '/' || c.n_topics > FA2_SERVE_SNS_MAX_TOPICS)
		abort();
	for (i = 0; i < c.n_topics; i++) {
		if (strncmp(c.topics[i].arn, "arn:", 4) != 0 || !strstr(c.topics[i].arn, ":sns:"))
			abort();
		if (strspn(c.topics[i].channel, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != strlen(c.topics[i].channel) ||
		    strlen(c.topics[i].channel) < 2)
			abort();
		for (k = 0; k < i; k++)
			if (strcmp(c.topics[i].arn, c.topics[k].arn) == 0)
				abort();
	}
	return 0;
}
