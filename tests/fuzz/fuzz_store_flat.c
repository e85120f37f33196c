/* libFuzzer target: the flat idempotency store reading its log (src/store/store.c) from
 * arbitrary bytes. Invariants: opening never fails on content; the keys loaded are at most
 * the store's capacity; a key put after the load is new once, then a duplicate. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/file.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[128];
	fa2_store *s = NULL;
	fa2_store_stats st;
	if (!path[0])
		snprintf(path, sizeof path, "/tmp/fa2-fuzz-store-%ld.log", (long)getpid());
	if (fa2_file_write_atomic(path, data, size, 0600) != FA2_OK)
		return 0;
	if (fa2_store_open_flat(path, 64, 60, &s) != FA2_OK)
		abort();
	fa2_store_get_stats(s, &st);
	if (st.live > 64)
		abort();
	/* the hash of this key is not a 16-hex-digit line an input can easily name */
	if (fa2_store_put(s, "fuzz-key-after-load", 0) == FA2_OK &&
	    fa2_store_put(s, "fuzz-key-after-load", 0) != FA2_ERR_EXISTS)
		abort();
	fa2_store_close(s);
	unlink(path);
	return 0;
}
