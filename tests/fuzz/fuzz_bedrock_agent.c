/* libFuzzer target: bedrock-agent reply decoders (src/aws/bedrock_agent.c). Any input
 * is rejected or decoded within the caps, with NUL-terminated fields. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/bedrock_agent.h"
#include "base/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	static fa2_ba_list l;
	fa2_ba_job j;
	char next[256];
	size_t i;
	if (!init) {
		fa2_json_init();
		init = 1;
	}
	memset(&l, 0, sizeof l);
	if (fa2_ba_decode_list((const char *)data, size, "knowledgeBaseSummaries", "knowledgeBaseId", &l, next,
	                       sizeof next) == FA2_OK) {
		if (l.n > FA2_BA_MAX_LIST || strlen(next) >= sizeof next)
			abort();
		for (i = 0; i < l.n; i++)
			if (!l.items[i].id[0] || strlen(l.items[i].id) >= FA2_BA_MAX_ID)
				abort();
	}
	if (fa2_ba_decode_job((const char *)data, size, &j) == FA2_OK) {
		if (!j.job_id[0] || !j.status[0] || j.n_reasons > FA2_BA_MAX_REASONS)
			abort();
		if (j.has_stats && (j.stats.scanned > 9007199254740991ULL || j.stats.failed > 9007199254740991ULL))
			abort();
	}
	return 0;
}
