/* libFuzzer target: the snapshot readers (raw AWS responses -> fa2_tr_data) and the
 * analysis and rendering that follow. The first byte picks the parser; the rest is the
 * document. Any input must parse or fail cleanly, and a parsed one must analyse and
 * render to JSON that parses. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/buf.h"
#include "base/json.h"
#include "triage/data.h"
#include "triage/triage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	fa2_tr_data d;
	fa2_tr_analysis a;
	fa2_buf out;
	fa2_slice s;
	fa2_err e;
	if (!init) {
		fa2_json_init();
		init = 1;
	}
	if (size < 1)
		return 0;
	s = fa2_slice_make((const char *)data + 1, size - 1);
	fa2_tr_data_init(&d);
	switch (data[0] % 5) {
	case 0: e = fa2_tr_parse_logs(&d, s, "/fuzz"); break;
	case 1: e = fa2_tr_parse_metrics(&d, s, s); break;
	case 2: e = fa2_tr_parse_events(&d, s); break;
	case 3: e = fa2_tr_parse_traces(&d, s); break;
	default: e = fa2_tr_parse_manifest(&d, s); break;
	}
	(void)e;
	fa2_buf_init(&out, 1u << 22);
	if (fa2_tr_analyze(&d, NULL, &a) == FA2_OK) {
		if (fa2_tr_render(&a, FA2_TR_FMT_JSON, 3000, &out) == FA2_OK) {
			cJSON *j = fa2_json_parse(fa2_buf_slice(&out), NULL);
			if (!j)
				abort();
			cJSON_Delete(j);
		}
		fa2_buf_reset(&out);
		(void)fa2_tr_render(&a, FA2_TR_FMT_MD, 500, &out);
	}
	fa2_tr_analysis_cleanup(&a);
	fa2_buf_cleanup(&out);
	fa2_tr_data_cleanup(&d);
	return 0;
}
