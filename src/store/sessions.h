/* Analysis sessions and their leases in the DynamoDB table of the store (store.h), so
 * that several `fa2 serve` instances share them and one takes over an analysis whose
 * instance died. Layer: above aws, below serve.
 *
 * Items (key schema pk + sk, TTL on `expires` as for the idempotency keys):
 *   pk "sess#ID"  sk "j#SEQ#PART"   one journal record (SEQ 10 digits, PART 3 digits)
 *                 sk "summary#PART" the session's summary.json
 *                 sk "file#NAME#PART" a file of the session (report.md, report.json)
 *     attribute d (B): the bytes as the session wrote them (redacted); a value larger
 *     than FA2_SESSDB_PART_BYTES is split over PARTs, so every item stays far below
 *     DynamoDB's 400 KB. expires: now + FA2_SESSDB_KEEP_S.
 *   pk "lease"    sk ID             the lease of session ID: leaseOwner (the instance,
 *     random per process), leaseUntil (epoch ms), takeovers (N), posted (BOOL, once the
 *     outcome was claimed for posting), expires (now + FA2_SESSDB_KEEP_S).
 * Every lease change is a conditional write: acquire (the item does not exist), renew
 * (leaseOwner is this instance, not posted), take over (leaseOwner and leaseUntil as read,
 * leaseUntil passed, not posted), claim the posting (leaseOwner is this instance, not
 * posted). Journal items are written only if absent, so an instance that lost its lease
 * cannot overwrite the records of the one that took over. */
#ifndef FA2_STORE_SESSIONS_H
#define FA2_STORE_SESSIONS_H

#include <stddef.h>
#include <stdint.h>

#include "aws/client.h"
#include "base/buf.h"
#include "base/err.h"

#define FA2_SESSDB_PART_BYTES (300u * 1024u)   /* bytes of one item's payload */
#define FA2_SESSDB_KEEP_S (14 * 86400)          /* TTL of session and lease items */
#define FA2_SESSDB_MAX_OWNED 64u                /* leases one instance holds at once */

typedef struct fa2_sessdb fa2_sessdb;

typedef struct fa2_sessdb_stats {
	uint64_t puts, reads, lease_writes, takeovers, errors;
} fa2_sessdb_stats;

/* Sessions on table through client (borrowed). lease_ms: how long a lease lasts without
 * renewal (>= 1000). timeout_ms bounds each call, retries included (0: 5000; never more
 * than half the lease, so a renewal ends well before the lease it renews). */
fa2_err fa2_sessdb_open(fa2_aws_client *client, const char *table, int64_t lease_ms, int64_t timeout_ms,
                        fa2_sessdb **out);
void fa2_sessdb_close(fa2_sessdb *db);
/* This instance's owner id (random, 32 hex digits). */
const char *fa2_sessdb_owner(const fa2_sessdb *db);
int64_t fa2_sessdb_lease_ms(const fa2_sessdb *db);
void fa2_sessdb_get_stats(fa2_sessdb *db, fa2_sessdb_stats *out);

/* Writes one journal record (seq), the summary (name "summary.json") or a file (name). */
fa2_err fa2_sessdb_put_journal(fa2_sessdb *db, const char *id, uint64_t seq, const char *data, size_t len);
fa2_err fa2_sessdb_put_named(fa2_sessdb *db, const char *id, const char *name, const char *data, size_t len);

/* Reads a session back: the journal (records in order, each as written) into journal
 * and summary.json into summary (empty when absent). FA2_ERR_NOT_FOUND: no item. */
fa2_err fa2_sessdb_read(fa2_sessdb *db, const char *id, fa2_buf *journal, fa2_buf *summary);

/* Reads the file name (e.g. report.md) of session id into out: FA2_ERR_NOT_FOUND when
 * the table has none. */
fa2_err fa2_sessdb_read_file(fa2_sessdb *db, const char *id, const char *name, fa2_buf *out);

/* Writes session id from the table into dir (created): journal.jsonl, summary.json and,
 * when the table has them, report.md and report.json, each atomically. */
fa2_err fa2_sessdb_fetch(fa2_sessdb *db, const char *id, const char *dir);

/* One lease as listed (fa2 sessions list). */
typedef struct fa2_sessdb_lease {
	char id[65];
	char owner[33];
	int64_t until_ms;
	int64_t takeovers;
	int posted;
} fa2_sessdb_lease;
/* Calls fn for every session lease in the table, oldest id first (fn non-zero stops). */
fa2_err fa2_sessdb_list(fa2_sessdb *db, int (*fn)(void *ctx, const fa2_sessdb_lease *l), void *ctx);

/* 1 when this instance holds the lease of id (acquired or taken over, not yet posted). */
int fa2_sessdb_holds(fa2_sessdb *db, const char *id);
/* A lease for a new session id: FA2_ERR_EXISTS when the item exists (another instance's). */
fa2_err fa2_sessdb_acquire(fa2_sessdb *db, const char *id);
/* Renews every lease this instance holds; one that another instance took over is
 * dropped (logged). *lost (may be NULL) counts those. */
fa2_err fa2_sessdb_renew_all(fa2_sessdb *db, unsigned *lost);
/* Claims the right to post id's outcome (sets posted): FA2_OK when this instance holds
 * the lease (or no lease item exists: never acquired, so never taken over) and nobody
 * posted; FA2_ERR_EXISTS otherwise. The lease is released either
 * way (no more renewals). */
fa2_err fa2_sessdb_claim_post(fa2_sessdb *db, const char *id);
/* Calls fn for each session whose lease expired and was not posted, after taking the
 * lease over for this instance (only one instance succeeds per expiry). fn returning
 * non-zero stops. *taken (may be NULL) counts them. */
fa2_err fa2_sessdb_take_expired(fa2_sessdb *db, int (*fn)(void *ctx, const char *id), void *ctx,
                                unsigned *taken);
/* Gives the lease of id up (fn refused it, e.g. could not rebuild the session locally). */
void fa2_sessdb_release(fa2_sessdb *db, const char *id);

#endif
