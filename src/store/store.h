/* Shared state of one or more fa2 instances: idempotency keys (put-if-absent with a TTL).
 * Layer: above aws, below serve (tools/check-layers.sh).
 *
 * Two implementations behind one interface:
 *   flat      an in-memory table of at most `cap` keys, persisted to an append-only log
 *             (LOG: one "HASH16 EXPIRES_S" line per key, one fsync per flush). A full
 *             table drops expired keys first, then the oldest quarter by expiry (never a
 *             wipe); the log is rewritten atomically with the live keys when it holds more
 *             than twice as many lines as there are live keys (and at least `cap`/4), so
 *             it stays bounded; every persisted key within its TTL is read back at open.
 *   dynamodb  one table with key schema pk (S, hash) + sk (S, range) and TTL on the
 *             attribute `expires` (deploy/dynamodb-store.yaml; `fa2 check` verifies it):
 *             PutItem of {pk: "idem#KEY", sk: "idem", expires: N}
 *             with ConditionExpression attribute_not_exists(pk) OR expires < :now, and a
 *             TTL attribute `expires` (epoch seconds), so any number of instances on one
 *             table accept a key once. Each call has the store's deadline.
 *
 * put() result: FA2_OK when the key is new (now remembered), FA2_ERR_EXISTS when it was
 * seen within its TTL; any other error means the store could not tell (outage): the
 * caller decides, and must not treat it as "new" silently. */
#ifndef FA2_STORE_STORE_H
#define FA2_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "aws/client.h"
#include "base/err.h"

#define FA2_STORE_MAX_KEY 512u            /* bytes of one key */
#define FA2_STORE_DEFAULT_TTL_S 86400     /* one day: far beyond Slack's retry window */

typedef struct fa2_store fa2_store;

typedef struct fa2_store_stats {
	uint64_t accepted, duplicates, errors;   /* put() outcomes */
	uint64_t evicted;                        /* flat: keys dropped before their expiry */
	uint64_t compactions;                    /* flat: log rewrites */
	size_t live;                             /* flat: keys in memory */
	int64_t last_ok_ms, last_error_ms;       /* wall clock of the last put/flush that
	                                          * answered / failed (0: none yet) */
	fa2_err last_error;                      /* of that failure */
} fa2_store_stats;

/* A flat store of at most cap keys (>= 16) logged to log_path (NULL or "": memory only).
 * Reads the log back: keys whose expiry has passed are dropped; lines of the older
 * format (16 hex digits, no expiry) get now + default_ttl_s. */
fa2_err fa2_store_open_flat(const char *log_path, size_t cap, int64_t default_ttl_s,
                            fa2_store **out);

/* A DynamoDB store on table through client (borrowed; it must outlive the store).
 * timeout_ms bounds every call, retries included (0: 2000). */
fa2_err fa2_store_open_dynamodb(fa2_aws_client *client, const char *table, int64_t timeout_ms,
                                fa2_store **out);

/* Put-if-absent of key (1..FA2_STORE_MAX_KEY bytes) for ttl_s seconds (0: the default). */
fa2_err fa2_store_put(fa2_store *s, const char *key, int64_t ttl_s);

/* Makes the keys put so far durable (flat: one append + fsync; dynamodb: nothing, every
 * put is durable when it returns). */
fa2_err fa2_store_flush(fa2_store *s);

/* "flat" or "dynamodb". */
const char *fa2_store_kind(const fa2_store *s);
/* Stats (thread-safe). The store is failing when last_error_ms > last_ok_ms: its last
 * answer was an error (an outage), which /readyz reports. */
void fa2_store_get_stats(fa2_store *s, fa2_store_stats *out);
void fa2_store_close(fa2_store *s);

#endif
