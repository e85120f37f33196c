/* Sessions and leases in DynamoDB (sessions.h). */
#include "store/sessions.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cJSON.h"

#include "aws/dynamodb.h"
#include "base/alloc.h"
#include "base/file.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/slice.h"
#include "base/time.h"

#define SESSDB_DEFAULT_TIMEOUT_MS 5000
#define SESSDB_MAX_PARTS 64u     /* parts of one value: 64 * 300 KiB > any journal record */
#define SESSDB_ID_MAX 64u

struct fa2_sessdb {
	fa2_ddb d;
	int64_t lease_ms;
	char owner[33];
	pthread_mutex_t mu;                       /* guards owned, stats */
	char owned[FA2_SESSDB_MAX_OWNED][SESSDB_ID_MAX + 1];
	unsigned nowned;
	fa2_sessdb_stats stats;
};

static void owner_id(char out[33])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[16];
	size_t i, got = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t k = read(fd, r, sizeof r);
		got = k > 0 ? (size_t)k : 0;
		close(fd);
	}
	for (i = got; i < sizeof r; i++) /* not secret: it only has to differ between instances */
		r[i] = (unsigned char)((uint64_t)fa2_time_now_ms() * 131u + (unsigned)getpid() * 31u + i * 7u);
	for (i = 0; i < sizeof r; i++) {
		out[2 * i] = hex[r[i] >> 4];
		out[2 * i + 1] = hex[r[i] & 15];
	}
	out[32] = '\0';
}

fa2_err fa2_sessdb_open(fa2_aws_client *client, const char *table, int64_t lease_ms, int64_t timeout_ms,
                        fa2_sessdb **out)
{
	fa2_sessdb *db;
	fa2_err e;
	if (lease_ms < 1000)
		return FA2_ERR_INVALID;
	db = fa2_calloc(1, sizeof *db);
	if (!db)
		return FA2_ERR_NOMEM;
	e = fa2_ddb_init(&db->d, client, table);
	if (e) {
		fa2_free(db);
		return e;
	}
	/* a renewal must end well within the lease it renews */
	db->d.timeout_ms = timeout_ms > 0 ? timeout_ms : SESSDB_DEFAULT_TIMEOUT_MS;
	if (db->d.timeout_ms > lease_ms / 2)
		db->d.timeout_ms = lease_ms / 2;
	db->lease_ms = lease_ms;
	owner_id(db->owner);
	pthread_mutex_init(&db->mu, NULL);
	*out = db;
	return FA2_OK;
}

void fa2_sessdb_close(fa2_sessdb *db)
{
	if (!db)
		return;
	pthread_mutex_destroy(&db->mu);
	fa2_free(db);
}

const char *fa2_sessdb_owner(const fa2_sessdb *db)
{
	return db->owner;
}

int64_t fa2_sessdb_lease_ms(const fa2_sessdb *db)
{
	return db->lease_ms;
}

void fa2_sessdb_get_stats(fa2_sessdb *db, fa2_sessdb_stats *out)
{
	pthread_mutex_lock(&db->mu);
	*out = db->stats;
	pthread_mutex_unlock(&db->mu);
}

static void count(fa2_sessdb *db, uint64_t *field, fa2_err e)
{
	pthread_mutex_lock(&db->mu);
	(*field)++;
	if (e != FA2_OK && e != FA2_ERR_EXISTS)
		db->stats.errors++;
	pthread_mutex_unlock(&db->mu);
}

/* ---- the set of leases this instance holds ---- */

static int owned_find(const fa2_sessdb *db, const char *id)
{
	unsigned i;
	for (i = 0; i < db->nowned; i++)
		if (strcmp(db->owned[i], id) == 0)
			return (int)i;
	return -1;
}

static fa2_err owned_add(fa2_sessdb *db, const char *id)
{
	fa2_err e = FA2_OK;
	pthread_mutex_lock(&db->mu);
	if (owned_find(db, id) < 0) {
		if (db->nowned == FA2_SESSDB_MAX_OWNED)
			e = FA2_ERR_TOO_LARGE;
		else
			snprintf(db->owned[db->nowned++], SESSDB_ID_MAX + 1, "%s", id);
	}
	pthread_mutex_unlock(&db->mu);
	return e;
}

void fa2_sessdb_release(fa2_sessdb *db, const char *id)
{
	int i;
	pthread_mutex_lock(&db->mu);
	i = owned_find(db, id);
	if (i >= 0) {
		db->nowned--;
		if ((unsigned)i != db->nowned)
			memcpy(db->owned[i], db->owned[db->nowned], sizeof db->owned[i]);
	}
	pthread_mutex_unlock(&db->mu);
}

int fa2_sessdb_holds(fa2_sessdb *db, const char *id)
{
	int r;
	pthread_mutex_lock(&db->mu);
	r = owned_find(db, id) >= 0;
	pthread_mutex_unlock(&db->mu);
	return r;
}

/* ---- items ---- */

static cJSON *key_of(const char *pk, const char *sk)
{
	cJSON *k = cJSON_CreateObject();
	if (!k || fa2_ddb_put_s(k, "pk", fa2_slice_cstr(pk)) != FA2_OK ||
	    fa2_ddb_put_s(k, "sk", fa2_slice_cstr(sk)) != FA2_OK) {
		cJSON_Delete(k);
		return NULL;
	}
	return k;
}

static int valid_id(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	return n > 0 && n <= SESSDB_ID_MAX && !strchr(id, '#');
}

/* Writes data as parts sk_prefix#000.. of pk "sess#id"; only_new: each part only if absent. */
static fa2_err put_parts(fa2_sessdb *db, const char *id, const char *sk_prefix, const char *data, size_t len,
                         int only_new)
{
	char pk[SESSDB_ID_MAX + 8], sk[400];
	size_t off = 0;
	unsigned part = 0, parts = (unsigned)((len + FA2_SESSDB_PART_BYTES - 1) / FA2_SESSDB_PART_BYTES);
	int64_t exp = fa2_time_now_ms() / 1000 + FA2_SESSDB_KEEP_S;
	fa2_err e = FA2_OK;
	if (!valid_id(id))
		return FA2_ERR_INVALID;
	if (parts == 0)
		parts = 1;
	if (parts > SESSDB_MAX_PARTS)
		return FA2_ERR_TOO_LARGE;
	snprintf(pk, sizeof pk, "sess#%s", id);
	do {
		size_t n = len - off > FA2_SESSDB_PART_BYTES ? FA2_SESSDB_PART_BYTES : len - off;
		cJSON *item;
		fa2_ddb_expr x;
		fa2_aws_error err;
		int k = snprintf(sk, sizeof sk, "%s#%03u", sk_prefix, part);
		if (k < 0 || (size_t)k >= sizeof sk)
			return FA2_ERR_TOO_LARGE;
		item = key_of(pk, sk);
		memset(&x, 0, sizeof x);
		x.condition = only_new ? "attribute_not_exists(pk)" : NULL;
		if (!item || fa2_ddb_put_b(item, "d", data + off, n) != FA2_OK || fa2_ddb_put_n(item, "parts", parts) != FA2_OK ||
		    fa2_ddb_put_n(item, "expires", exp) != FA2_OK)
			e = FA2_ERR_NOMEM;
		else
			e = fa2_ddb_put_item(&db->d, item, &x, NULL, &err);
		cJSON_Delete(item);
		count(db, &db->stats.puts, e);
		if (e) {
			FA2_LOGW("store", "session %s: %s not stored in DynamoDB %s: %s", id, sk, db->d.table,
			         e == FA2_ERR_EXISTS ? "already written by another instance" : fa2_err_str(e));
			return e;
		}
		off += n;
		part++;
	} while (off < len);
	return FA2_OK;
}

fa2_err fa2_sessdb_put_journal(fa2_sessdb *db, const char *id, uint64_t seq, const char *data, size_t len)
{
	char pre[32];
	snprintf(pre, sizeof pre, "j#%010llu", (unsigned long long)seq);
	return put_parts(db, id, pre, data, len, 1);
}

fa2_err fa2_sessdb_put_named(fa2_sessdb *db, const char *id, const char *name, const char *data, size_t len)
{
	char pre[300];
	if (strcmp(name, "summary.json") == 0)
		snprintf(pre, sizeof pre, "summary");
	else if (strlen(name) > 200 || strchr(name, '#'))
		return FA2_ERR_INVALID;
	else
		snprintf(pre, sizeof pre, "file#%s", name);
	return put_parts(db, id, pre, data, len, 0);
}

typedef struct read_ctx {
	fa2_buf *journal, *summary, *file;
	fa2_err e;
	size_t items;
} read_ctx;

static int read_one(void *ctx, const cJSON *item)
{
	read_ctx *rc = ctx;
	fa2_slice sk;
	fa2_buf *to = NULL;
	rc->items++;
	if (fa2_ddb_get_s(item, "sk", &sk) != FA2_OK)
		return 0;
	if (rc->file)
		to = rc->file; /* the query asked for that file's parts only */
	else if (sk.len > 2 && memcmp(sk.ptr, "j#", 2) == 0)
		to = rc->journal;
	else if (sk.len > 8 && memcmp(sk.ptr, "summary#", 8) == 0)
		to = rc->summary;
	if (to && (rc->e = fa2_ddb_get_b(item, "d", to)) != FA2_OK)
		return 1;
	return 0;
}

/* Queries partition "sess#id" (sort keys beginning with prefix when given) into rc. */
static fa2_err read_parts(fa2_sessdb *db, const char *id, const char *prefix, read_ctx *rc)
{
	char pk[SESSDB_ID_MAX + 8];
	cJSON *vals = cJSON_CreateObject();
	fa2_ddb_expr x;
	fa2_ddb_query q;
	fa2_aws_error err;
	fa2_err e = FA2_ERR_NOMEM;
	if (!valid_id(id)) {
		cJSON_Delete(vals);
		return FA2_ERR_INVALID;
	}
	snprintf(pk, sizeof pk, "sess#%s", id);
	if (vals && fa2_ddb_put_s(vals, ":p", fa2_slice_cstr(pk)) == FA2_OK &&
	    (!prefix || fa2_ddb_put_s(vals, ":s", fa2_slice_cstr(prefix)) == FA2_OK)) {
		memset(&x, 0, sizeof x);
		memset(&q, 0, sizeof q);
		x.values = vals;
		q.key_cond = prefix ? "pk = :p AND begins_with(sk, :s)" : "pk = :p";
		q.consistent = 1;
		q.x = &x;
		/* sort keys order the parts: j#SEQ#PART ascending, then summary#PART */
		e = fa2_ddb_query_items(&db->d, &q, read_one, rc, NULL, NULL, &err);
		if (!e)
			e = rc->e;
		if (!e && !rc->items)
			e = FA2_ERR_NOT_FOUND;
	}
	cJSON_Delete(vals);
	count(db, &db->stats.reads, e == FA2_ERR_NOT_FOUND ? FA2_OK : e);
	return e;
}

fa2_err fa2_sessdb_read(fa2_sessdb *db, const char *id, fa2_buf *journal, fa2_buf *summary)
{
	read_ctx rc;
	memset(&rc, 0, sizeof rc);
	rc.journal = journal;
	rc.summary = summary;
	return read_parts(db, id, NULL, &rc);
}

fa2_err fa2_sessdb_read_file(fa2_sessdb *db, const char *id, const char *name, fa2_buf *out)
{
	char pre[300];
	read_ctx rc;
	if (!name || strlen(name) > 200 || strchr(name, '#'))
		return FA2_ERR_INVALID;
	snprintf(pre, sizeof pre, "file#%s#", name);
	memset(&rc, 0, sizeof rc);
	rc.file = out;
	return read_parts(db, id, pre, &rc);
}

static fa2_err write_in(const char *dir, const char *name, const fa2_buf *b)
{
	char path[PATH_MAX + 32];
	int n = snprintf(path, sizeof path, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof path)
		return FA2_ERR_TOO_LARGE;
	return fa2_file_write_atomic(path, b->data ? b->data : "", b->len, 0600);
}

fa2_err fa2_sessdb_fetch(fa2_sessdb *db, const char *id, const char *dir)
{
	static const char *const files[] = { "report.md", "report.json" };
	fa2_buf journal, summary;
	size_t i;
	fa2_err e;
	fa2_buf_init(&journal, FA2_MAX_JOURNAL_BYTES);
	fa2_buf_init(&summary, FA2_MAX_CONFIG_BYTES);
	e = fa2_sessdb_read(db, id, &journal, &summary);
	if (!e)
		e = fa2_mkdir_p(dir, 0700);
	if (!e)
		e = write_in(dir, "journal.jsonl", &journal);
	if (!e)
		e = write_in(dir, "summary.json", &summary);
	for (i = 0; !e && i < sizeof files / sizeof files[0]; i++) {
		fa2_buf f;
		fa2_err fe;
		fa2_buf_init(&f, FA2_MAX_JOURNAL_BYTES);
		fe = fa2_sessdb_read_file(db, id, files[i], &f);
		if (fe == FA2_OK)
			e = write_in(dir, files[i], &f);
		else if (fe != FA2_ERR_NOT_FOUND)
			e = fe;
		fa2_buf_cleanup(&f);
	}
	fa2_buf_cleanup(&journal);
	fa2_buf_cleanup(&summary);
	return e;
}

typedef struct list_ctx {
	int (*fn)(void *ctx, const fa2_sessdb_lease *l);
	void *ctx;
} list_ctx;

static int list_one(void *ctx, const cJSON *item)
{
	list_ctx *lc = ctx;
	fa2_sessdb_lease l;
	fa2_slice sk, owner;
	memset(&l, 0, sizeof l);
	if (fa2_ddb_get_s(item, "sk", &sk) != FA2_OK || sk.len == 0 || sk.len >= sizeof l.id)
		return 0;
	memcpy(l.id, sk.ptr, sk.len);
	if (fa2_ddb_get_s(item, "leaseOwner", &owner) == FA2_OK && owner.len < sizeof l.owner)
		memcpy(l.owner, owner.ptr, owner.len);
	if (fa2_ddb_get_n(item, "leaseUntil", &l.until_ms) != FA2_OK)
		l.until_ms = 0;
	if (fa2_ddb_get_n(item, "takeovers", &l.takeovers) != FA2_OK)
		l.takeovers = 0;
	if (fa2_ddb_get_bool(item, "posted", &l.posted) != FA2_OK)
		l.posted = 0;
	return lc->fn(lc->ctx, &l);
}

fa2_err fa2_sessdb_list(fa2_sessdb *db, int (*fn)(void *ctx, const fa2_sessdb_lease *l), void *ctx)
{
	cJSON *vals = cJSON_CreateObject();
	fa2_ddb_expr x;
	fa2_ddb_query q;
	fa2_aws_error err;
	list_ctx lc;
	fa2_err e = FA2_ERR_NOMEM;
	lc.fn = fn;
	lc.ctx = ctx;
	if (vals && fa2_ddb_put_s(vals, ":p", FA2_SLICE_LIT("lease")) == FA2_OK) {
		memset(&x, 0, sizeof x);
		memset(&q, 0, sizeof q);
		x.values = vals;
		q.key_cond = "pk = :p";
		q.x = &x;
		e = fa2_ddb_query_items(&db->d, &q, list_one, &lc, NULL, NULL, &err);
	}
	cJSON_Delete(vals);
	count(db, &db->stats.reads, e);
	return e;
}

/* ---- leases ---- */

/* UpdateItem on the lease of id with update and condition. Placeholders (each added only
 * when the expressions use it: DynamoDB refuses unused values): :me this instance, :until
 * now + the lease, :now, :po / :pu the owner and leaseUntil as read, :t true, :one 1. */
static int uses(const char *update, const char *condition, const char *ph)
{
	return strstr(update, ph) || strstr(condition, ph);
}

static fa2_err lease_update(fa2_sessdb *db, const char *id, const char *update, const char *condition,
                            const char *prev_owner, int64_t prev_until)
{
	cJSON *key = key_of("lease", id), *vals = cJSON_CreateObject();
	int64_t now = fa2_time_now_ms();
	fa2_ddb_expr x;
	fa2_aws_error err;
	fa2_err e = FA2_ERR_NOMEM;
	memset(&x, 0, sizeof x);
	if (key && vals &&
	    (!uses(update, condition, ":me") || fa2_ddb_put_s(vals, ":me", fa2_slice_cstr(db->owner)) == FA2_OK) &&
	    (!uses(update, condition, ":until") || fa2_ddb_put_n(vals, ":until", now + db->lease_ms) == FA2_OK) &&
	    (!uses(update, condition, ":now") || fa2_ddb_put_n(vals, ":now", now) == FA2_OK) &&
	    (!uses(update, condition, ":po") ||
	     fa2_ddb_put_s(vals, ":po", fa2_slice_cstr(prev_owner ? prev_owner : "")) == FA2_OK) &&
	    (!uses(update, condition, ":pu") || fa2_ddb_put_n(vals, ":pu", prev_until) == FA2_OK) &&
	    (!uses(update, condition, ":t") || fa2_ddb_put_bool(vals, ":t", 1) == FA2_OK) &&
	    (!uses(update, condition, ":one") || fa2_ddb_put_n(vals, ":one", 1) == FA2_OK)) {
		x.condition = condition;
		x.values = vals;
		e = fa2_ddb_update_item(&db->d, key, update, &x, NULL, &err);
	}
	cJSON_Delete(key);
	cJSON_Delete(vals);
	count(db, &db->stats.lease_writes, e);
	return e;
}

fa2_err fa2_sessdb_acquire(fa2_sessdb *db, const char *id)
{
	cJSON *item;
	fa2_ddb_expr x;
	fa2_aws_error err;
	fa2_err e = FA2_ERR_NOMEM;
	if (!valid_id(id))
		return FA2_ERR_INVALID;
	item = key_of("lease", id);
	memset(&x, 0, sizeof x);
	x.condition = "attribute_not_exists(pk)";
	if (item && fa2_ddb_put_s(item, "leaseOwner", fa2_slice_cstr(db->owner)) == FA2_OK &&
	    fa2_ddb_put_n(item, "leaseUntil", fa2_time_now_ms() + db->lease_ms) == FA2_OK &&
	    fa2_ddb_put_n(item, "takeovers", 0) == FA2_OK &&
	    fa2_ddb_put_n(item, "expires", fa2_time_now_ms() / 1000 + FA2_SESSDB_KEEP_S) == FA2_OK)
		e = fa2_ddb_put_item(&db->d, item, &x, NULL, &err);
	cJSON_Delete(item);
	count(db, &db->stats.lease_writes, e);
	if (e == FA2_OK)
		e = owned_add(db, id);
	return e;
}

fa2_err fa2_sessdb_renew_all(fa2_sessdb *db, unsigned *lost)
{
	char ids[FA2_SESSDB_MAX_OWNED][SESSDB_ID_MAX + 1];
	unsigned i, n, nlost = 0;
	fa2_err first = FA2_OK;
	pthread_mutex_lock(&db->mu);
	n = db->nowned;
	memcpy(ids, db->owned, n * sizeof ids[0]);
	pthread_mutex_unlock(&db->mu);
	for (i = 0; i < n; i++) {
		fa2_err e = lease_update(db, ids[i], "SET leaseUntil = :until",
		                         "leaseOwner = :me AND attribute_not_exists(posted)", NULL, 0);
		if (e == FA2_ERR_EXISTS) {
			FA2_LOGW("store", "session %s: the lease was taken over by another instance", ids[i]);
			fa2_sessdb_release(db, ids[i]);
			nlost++;
		} else if (e && !first) {
			FA2_LOGW("store", "session %s: lease not renewed: %s", ids[i], fa2_err_str(e));
			first = e;
		}
	}
	if (lost)
		*lost = nlost;
	return first;
}

fa2_err fa2_sessdb_claim_post(fa2_sessdb *db, const char *id)
{
	fa2_err e;
	if (!valid_id(id))
		return FA2_ERR_INVALID;
	/* a session without a lease item (its first record never reached the table) cannot
	 * have been taken over: this instance may post it, and the item made here keeps
	 * every other instance from doing so */
	e = lease_update(db, id, "SET posted = :t, leaseOwner = :me",
	                 "attribute_not_exists(pk) OR (leaseOwner = :me AND attribute_not_exists(posted))", NULL, 0);
	fa2_sessdb_release(db, id);
	return e;
}

typedef struct expired {
	char id[SESSDB_ID_MAX + 1];
	char owner[64];
	int64_t until;
} expired;

typedef struct scan_ctx {
	expired *list;
	size_t n, cap;
	int64_t now;
} scan_ctx;

static int scan_one(void *ctx, const cJSON *item)
{
	scan_ctx *sc = ctx;
	fa2_slice sk, owner;
	int64_t until = 0;
	if (sc->n == sc->cap)
		return 1;
	if (fa2_ddb_get_s(item, "sk", &sk) != FA2_OK || fa2_ddb_get_s(item, "leaseOwner", &owner) != FA2_OK ||
	    fa2_ddb_get_n(item, "leaseUntil", &until) != FA2_OK || until >= sc->now ||
	    sk.len == 0 || sk.len > SESSDB_ID_MAX || owner.len >= sizeof sc->list[0].owner)
		return 0;
	memcpy(sc->list[sc->n].id, sk.ptr, sk.len);
	sc->list[sc->n].id[sk.len] = '\0';
	memcpy(sc->list[sc->n].owner, owner.ptr, owner.len);
	sc->list[sc->n].owner[owner.len] = '\0';
	sc->list[sc->n].until = until;
	sc->n++;
	return 0;
}

fa2_err fa2_sessdb_take_expired(fa2_sessdb *db, int (*fn)(void *ctx, const char *id), void *ctx,
                                unsigned *taken)
{
	expired list[16];
	cJSON *vals = cJSON_CreateObject();
	fa2_ddb_expr x;
	fa2_ddb_query q;
	fa2_aws_error err;
	scan_ctx sc;
	size_t i;
	unsigned ntaken = 0;
	fa2_err e = FA2_ERR_NOMEM;
	if (taken)
		*taken = 0;
	memset(&sc, 0, sizeof sc);
	sc.list = list;
	sc.cap = sizeof list / sizeof list[0];
	sc.now = fa2_time_now_ms();
	if (!vals || fa2_ddb_put_s(vals, ":p", FA2_SLICE_LIT("lease")) != FA2_OK ||
	    fa2_ddb_put_n(vals, ":now", sc.now) != FA2_OK) {
		cJSON_Delete(vals);
		return FA2_ERR_NOMEM;
	}
	memset(&x, 0, sizeof x);
	memset(&q, 0, sizeof q);
	/* one partition, only the leases not posted whose time is up come back */
	x.condition = "attribute_not_exists(posted) AND leaseUntil < :now";
	x.values = vals;
	q.key_cond = "pk = :p";
	q.consistent = 1;
	q.x = &x;
	e = fa2_ddb_query_items(&db->d, &q, scan_one, &sc, NULL, NULL, &err);
	cJSON_Delete(vals);
	count(db, &db->stats.reads, e);
	if (e)
		return e;
	for (i = 0; i < sc.n; i++) {
		fa2_err te;
		if (fa2_sessdb_holds(db, list[i].id))
			continue;
		te = lease_update(db, list[i].id, "SET leaseOwner = :me, leaseUntil = :until ADD takeovers :one",
		                  "leaseOwner = :po AND leaseUntil = :pu AND leaseUntil < :now AND "
		                  "attribute_not_exists(posted)", list[i].owner, list[i].until);
		if (te == FA2_ERR_EXISTS)
			continue; /* another instance was first */
		if (te) {
			FA2_LOGW("store", "session %s: cannot take the expired lease over: %s", list[i].id, fa2_err_str(te));
			continue;
		}
		pthread_mutex_lock(&db->mu);
		db->stats.takeovers++;
		pthread_mutex_unlock(&db->mu);
		if (owned_add(db, list[i].id) != FA2_OK)
			continue;
		ntaken++;
		FA2_LOGI("store", "session %s: lease of instance %.8s expired %lld ms ago: taken over", list[i].id,
		         list[i].owner, (long long)(sc.now - list[i].until));
		if (fn(ctx, list[i].id))
			break;
	}
	if (taken)
		*taken = ntaken;
	return FA2_OK;
}
