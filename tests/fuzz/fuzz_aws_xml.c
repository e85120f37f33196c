/* libFuzzer target: the XML reader used for query-protocol (STS) replies and error
 * bodies; whatever it accepts must become valid JSON. Also feeds the bytes to the
 * error decoder and the STS credentials parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "aws/client.h"
#include "aws/creds.h"
#include "base/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fa2_slice s = fa2_slice_make((const char *)data, size);
	fa2_buf out;
	fa2_aws_http_response r;
	fa2_aws_error err;
	fa2_aws_creds c;
	static int init;
	if (!init) {
		fa2_json_init();
		init = 1;
	}
	fa2_buf_init(&out, 1 << 22);
	if (fa2_aws_xml_to_json(s, &out) == FA2_OK) {
		cJSON *j = fa2_json_parse(fa2_buf_slice(&out), NULL);
		if (!j)
			abort();
		cJSON_Delete(j);
	}
	fa2_buf_cleanup(&out);
	fa2_aws_http_response_init(&r);
	r.status = 400;
	fa2_buf_append(&r.body, data, size);
	fa2_aws_error_decode(&r, &err);
	fa2_aws_http_response_cleanup(&r);
	fa2_aws_creds_init(&c);
	(void)fa2_aws_creds_parse_sts_xml(s, &c, "fuzz");
	(void)fa2_aws_creds_parse_process(s, &c);
	fa2_aws_creds_cleanup(&c);
	return 0;
}
