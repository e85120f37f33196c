/* libFuzzer target: text the agent tools take from AWS and cut for an observation.
 * The input's first byte picks a budget; the rest is (1) a line cut with
 * fa2_tools_append_cut (head, the part that says what went wrong, tail), which must stay
 * within the budget and end on a UTF-8 character boundary when the input is valid
 * UTF-8, and (2) alarm dimension values (split at LF) turned into a source's focus
 * names, each of which must be found in its own value (fa2_source_focus_hit). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/tools/common.h"
#include "agent/tools/source.h"
#include "base/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *v[FA2_SRC_MAX_FOCUS];
	char *text;
	size_t max, n = 0, i;
	fa2_source *src = NULL;
	fa2_buf out;
	char msg[64];

	if (size < 1 || size > 20000)
		return 0;
	max = 1 + (size_t)data[0] * 4;
	text = malloc(size);
	if (!text)
		abort();
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	fa2_buf_init(&out, 1 << 20);
	if (fa2_tools_append_cut(&out, text, size - 1, max) != FA2_OK)
		abort();
	if (size - 1 > max && out.len > max)
		abort();
	if (size - 1 <= max && (out.len != size - 1 || memcmp(out.data ? out.data : "", text, size - 1)))
		abort();
	fa2_buf_cleanup(&out);
	/* The values: the NUL-free lines of the text. */
	for (i = 0; i < size - 1 && n < FA2_SRC_MAX_FOCUS;) {
		size_t len = strcspn(text + i, "\n");
		v[n++] = text + i;
		i += len;
		if (i < size - 1)
			text[i++] = '\0';
	}
	if (fa2_source_open_live(NULL, NULL, "fuzz", &src, msg, sizeof msg) != FA2_OK)
		abort();
	if (fa2_source_set_focus(src, v, n) == FA2_OK) {
		for (i = 0; i < src->n_focus; i++)
			if (!fa2_source_focus_hit(src, src->focus[i]))
				abort();
	}
	fa2_source_close(src);
	free(text);
	return 0;
}
