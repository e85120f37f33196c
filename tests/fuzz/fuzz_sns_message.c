/* libFuzzer target: SNS delivery parsing (src/aws/sns.c). Any input is either refused
 * with a reason or parsed into a message whose invariants hold (a known type, version 1
 * or 2, region and account from the TopicArn); the canonical string builds, the URL rules
 * and the signature check never crash on it, and the alarm decoder takes its Message. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sns.h"
#include "base/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A throw-away 2048-bit key is not needed: a key of zeros makes every signature fail,
 * which is what the check must say without reading out of bounds. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	fa2_sns_message m;
	fa2_sns_cert cert;
	fa2_sns_alarm a;
	fa2_buf b;
	char why[256], target[1024];
	fa2_sns_verdict v;
	if (!init) {
		fa2_json_init();
		init = 1;
	}
	v = fa2_sns_parse(fa2_slice_make((const char *)data, size), NULL, &m, why, sizeof why);
	if (v != FA2_SNS_OK) {
		if (m.doc || (v != FA2_SNS_MALFORMED && v != FA2_SNS_INTERNAL) || !why[0])
			abort();
		return 0;
	}
	if (m.type == FA2_SNS_NONE || (m.sig_version != 1 && m.sig_version != 2) || !m.region[0] ||
	    strlen(m.account) != 12 || !m.message || !m.signing_cert_url)
		abort();
	fa2_buf_init(&b, 4u << 20);
	if (fa2_sns_string_to_sign(&m, &b) != FA2_OK)
		abort();
	fa2_buf_cleanup(&b);
	v = fa2_sns_url_check(fa2_slice_cstr(m.signing_cert_url), "cert", m.region, "localhost", 8443,
	                      target, sizeof target, why, sizeof why);
	if (v == FA2_SNS_OK && (target[0] != '/' || strstr(target, "..")))
		abort();
	if (m.subscribe_url)
		(void)fa2_sns_url_check(fa2_slice_cstr(m.subscribe_url), "subscribe", m.region, NULL, 0,
		                        target, sizeof target, why, sizeof why);
	memset(&cert, 0, sizeof cert);
	cert.nlen = 256;
	cert.n[0] = 0xc5;
	cert.n[255] = 0x01;
	cert.e[0] = 3;
	cert.elen = 1;
	if (fa2_sns_signature_check(&m, &cert, why, sizeof why) == FA2_SNS_OK)
		abort();
	if (fa2_sns_alarm_parse(fa2_slice_cstr(m.message), &a) == FA2_OK) {
		if (!a.alarm.name)
			abort();
		fa2_sns_alarm_cleanup(&a);
	}
	fa2_sns_message_cleanup(&m);
	return 0;
}
