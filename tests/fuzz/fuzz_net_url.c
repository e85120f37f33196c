/* libFuzzer target: URL parsing and NO_PROXY matching (input "NO_PROXY-LIST\nHOST" and
 * the whole input as a URL). A parsed URL has a non-empty host without separators and
 * a target starting with '/' or '?'. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fa2_slice s = fa2_slice_make((const char *)data, size), list, host;
	fa2_url u;

	if (fa2_url_parse(s, &u) == FA2_OK) {
		size_t hl = strlen(u.host);
		if (hl == 0 || hl > FA2_URL_MAX_HOST || strchr(u.host, '/') || strchr(u.host, '@'))
			abort();
		if (u.port == 0 || u.target.len == 0
		    || (u.target.ptr[0] != '/' && u.target.ptr[0] != '?'))
			abort();
	}
	if (fa2_slice_split(s, '\n', &list, &host))
		(void)fa2_no_proxy_match(list, host);
	return 0;
}
