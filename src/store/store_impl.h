/* Internal: the vtable behind fa2_store (src/store only). */
#ifndef FA2_STORE_STORE_IMPL_H
#define FA2_STORE_STORE_IMPL_H

#include <pthread.h>

#include "store/store.h"

typedef struct fa2_store_ops {
	const char *kind;
	fa2_err (*put)(fa2_store *s, const char *key, int64_t ttl_s, int64_t now_s);
	fa2_err (*flush)(fa2_store *s);
	void (*close)(fa2_store *s);
} fa2_store_ops;

struct fa2_store {
	const fa2_store_ops *ops;
	void *impl;
	int64_t default_ttl_s;
	pthread_mutex_t lock;        /* guards stats (and the flat table) */
	fa2_store_stats stats;
};

fa2_err fa2_store_base_new(const fa2_store_ops *ops, void *impl, int64_t default_ttl_s,
                           fa2_store **out);

#endif
