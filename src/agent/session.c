/* Flat-file session store: journal, summary, reports, lock. */
#include "agent/session.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/time.h"

int fa2_session_id_valid(const char *id)
{
	size_t n;
	if (!id)
		return 0;
	for (n = 0; id[n]; n++) {
		char c = id[n];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return 0;
		if (n >= FA2_SESSION_ID_MAX)
			return 0;
	}
	return n > 0;
}

fa2_err fa2_session_path(const char *state_dir, const char *id, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s/sessions/%s", state_dir, id ? id : "");
	if (n < 0 || (size_t)n >= cap)
		return FA2_ERR_TOO_LARGE;
	if (!id)
		out[n - 1] = '\0'; /* state_dir/sessions */
	return FA2_OK;
}

static fa2_err file_in(const fa2_session *s, const char *name, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s/%s", s->dir, name);
	return n < 0 || (size_t)n >= cap ? FA2_ERR_TOO_LARGE : FA2_OK;
}

static fa2_session_mirror_fn g_mirror;
static void *g_mirror_ctx;

void fa2_session_set_mirror(fa2_session_mirror_fn fn, void *ctx)
{
	g_mirror = fn;
	g_mirror_ctx = ctx;
}

/* Every session file goes through here: its content is redacted (base/log.h) as a
 * whole before it is written, so no registered secret reaches the disk. Then the mirror
 * (fa2_session_set_mirror) gets the same bytes when s is given. */
static fa2_err put_file(const fa2_session *s, fa2_session_mirror_kind kind, const char *name, uint64_t seq,
                        const char *path, const char *data, size_t len, int append)
{
	fa2_buf red;
	fa2_err e;
	int redact = fa2_redact_has(fa2_slice_make(data, len));
	fa2_buf_init(&red, FA2_REDACT_CAP(len));
	if (redact) {
		e = fa2_redact(fa2_slice_make(data, len), &red);
		if (e)
			goto done;
		data = red.data;
		len = red.len;
	}
	/* a journal record goes to the mirror first: one it refuses is not written here either,
	 * so both keep the same numbering */
	if (s && g_mirror && kind == FA2_SESSION_MIRROR_JOURNAL) {
		e = g_mirror(g_mirror_ctx, s->id, kind, name, seq, data, len);
		if (e)
			goto done;
	}
	e = append ? fa2_file_append_sync(path, data, len, 0600) : fa2_file_write_atomic(path, data, len, 0600);
	if (!e && s && g_mirror && kind != FA2_SESSION_MIRROR_JOURNAL) {
		fa2_err me = g_mirror(g_mirror_ctx, s->id, kind, name, seq, data, len);
		if (me)
			FA2_LOGW("session", "session %s: %s not copied to the shared store: %s", s->id, name,
			         fa2_err_str(me));
	}
done:
	fa2_buf_cleanup(&red);
	return e;
}

/* A few KiB held in the session directory while a process drives the session, given
 * back when the disk fills up so the session can still be marked failed. Best effort. */
#define RESERVE_BYTES 8192u

static void reserve_take(const fa2_session *s)
{
	char path[PATH_MAX + 16], zeros[1024];
	int fd;
	unsigned i;
	if (file_in(s, "reserve", path, sizeof path))
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	memset(zeros, 0, sizeof zeros);
	for (i = 0; i < RESERVE_BYTES / sizeof zeros; i++)
		if (fa2_write_all(fd, zeros, sizeof zeros))
			break;
	close(fd);
}

static void reserve_give(const fa2_session *s)
{
	char path[PATH_MAX + 16];
	if (s->dir[0] && !file_in(s, "reserve", path, sizeof path))
		(void)unlink(path);
}

static void session_zero(fa2_session *s)
{
	memset(s, 0, sizeof *s);
	s->lock_fd = -1;
	pthread_mutex_init(&s->mu, NULL);
}

/* Takes the session lock without waiting. */
static fa2_err take_lock(fa2_session *s)
{
	char path[PATH_MAX + 16];
	int fd;
	if (file_in(s, "lock", path, sizeof path))
		return FA2_ERR_TOO_LARGE;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return FA2_ERR_IO;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int err = errno;
		close(fd);
		return err == EWOULDBLOCK ? FA2_ERR_LOCKED : FA2_ERR_IO;
	}
	s->lock_fd = fd;
	return FA2_OK;
}

static void random_hex(char *out, size_t nbytes)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[16];
	size_t i, got = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (nbytes > sizeof r)
		nbytes = sizeof r;
	if (fd >= 0) {
		ssize_t k = read(fd, r, nbytes);
		got = k > 0 ? (size_t)k : 0;
		close(fd);
	}
	for (i = got; i < nbytes; i++) /* fallback: not secret, only needs to differ */
		r[i] = (unsigned char)((uint64_t)fa2_time_mono_ms() * 31u + (unsigned)getpid() + i * 131u);
	for (i = 0; i < nbytes; i++) {
		out[2 * i] = hex[r[i] >> 4];
		out[2 * i + 1] = hex[r[i] & 15];
	}
	out[2 * nbytes] = '\0';
}

fa2_err fa2_session_create(fa2_session *s, const char *state_dir, char *msg, size_t cap)
{
	char base[PATH_MAX];
	int attempt;
	fa2_err e;

	session_zero(s);
	if (fa2_session_path(state_dir, NULL, base, sizeof base) ||
	    fa2_mkdir_p(base, 0700) != FA2_OK) {
		snprintf(msg, cap, "cannot create the session directory %s: %s", base, strerror(errno));
		return FA2_ERR_IO;
	}
	for (attempt = 0; attempt < 8; attempt++) {
		char stamp[32], rnd[17];
		int64_t now = fa2_time_now_ms();
		int64_t y;
		unsigned mo, d;
		int64_t secs = now / 1000, sod;
		fa2_time_civil_from_days(secs / 86400 - (secs % 86400 < 0), &y, &mo, &d);
		sod = ((secs % 86400) + 86400) % 86400;
		snprintf(stamp, sizeof stamp, "%04lld%02u%02u-%02d%02d%02d", (long long)y, mo, d,
			 (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
		random_hex(rnd, 4);
		snprintf(s->id, sizeof s->id, "%s-%s", stamp, rnd);
		if (fa2_session_path(state_dir, s->id, s->dir, sizeof s->dir))
			return FA2_ERR_TOO_LARGE;
		if (mkdir(s->dir, 0700) == 0)
			break;
		if (errno != EEXIST) {
			snprintf(msg, cap, "cannot create %s: %s", s->dir, strerror(errno));
			return FA2_ERR_IO;
		}
	}
	if (attempt == 8) {
		snprintf(msg, cap, "cannot find a free session id under %s", base);
		return FA2_ERR_EXISTS;
	}
	e = take_lock(s);
	if (e)
		snprintf(msg, cap, "cannot lock session %s: %s", s->id, fa2_err_str(e));
	else
		reserve_take(s);
	return e;
}

fa2_err fa2_session_read_journal(const char *dir, cJSON **records, size_t *valid_bytes)
{
	char path[PATH_MAX + 16];
	fa2_buf b;
	cJSON *arr = NULL;
	size_t pos = 0;
	fa2_err e;
	int n;

	*records = NULL;
	if (valid_bytes)
		*valid_bytes = 0;
	n = snprintf(path, sizeof path, "%s/journal.jsonl", dir);
	if (n < 0 || (size_t)n >= sizeof path)
		return FA2_ERR_TOO_LARGE;
	fa2_buf_init(&b, FA2_MAX_JOURNAL_BYTES);
	e = fa2_file_read_all(path, &b);
	if (e == FA2_ERR_NOT_FOUND)
		e = FA2_OK; /* an empty journal */
	if (e)
		goto cleanup;
	arr = cJSON_CreateArray();
	if (!arr) {
		e = FA2_ERR_NOMEM;
		goto cleanup;
	}
	while (pos < b.len) {
		const char *nl = memchr(b.data + pos, '\n', b.len - pos);
		size_t len;
		cJSON *rec;
		fa2_err pe;
		if (!nl)
			break; /* torn last record: not valid */
		len = (size_t)(nl - (b.data + pos));
		if (len > FA2_MAX_JOURNAL_LINE_BYTES)
			break;
		rec = fa2_json_parse(fa2_slice_make(b.data + pos, len), &pe);
		if (!rec && pe == FA2_ERR_NOMEM) {
			e = FA2_ERR_NOMEM;
			goto cleanup;
		}
		if (!cJSON_IsObject(rec) || !fa2_json_str(rec, "type")) {
			cJSON_Delete(rec);
			FA2_LOGW("session", "%s: invalid record at byte %zu; the journal ends there", dir, pos);
			break;
		}
		cJSON_AddItemToArray(arr, rec);
		pos += len + 1;
	}
	if (valid_bytes)
		*valid_bytes = pos;
	*records = arr;
	arr = NULL;
cleanup:
	cJSON_Delete(arr);
	fa2_buf_cleanup(&b);
	return e;
}

fa2_err fa2_session_read_summary(const char *dir, cJSON **out)
{
	char path[PATH_MAX + 16];
	fa2_buf b;
	fa2_err e;
	int n = snprintf(path, sizeof path, "%s/summary.json", dir);
	*out = NULL;
	if (n < 0 || (size_t)n >= sizeof path)
		return FA2_ERR_TOO_LARGE;
	fa2_buf_init(&b, FA2_MAX_CONFIG_BYTES);
	e = fa2_file_read_all(path, &b);
	if (!e) {
		*out = fa2_json_parse(fa2_buf_slice(&b), &e);
		if (*out && !cJSON_IsObject(*out)) {
			cJSON_Delete(*out);
			*out = NULL;
			e = FA2_ERR_PARSE;
		}
	}
	fa2_buf_cleanup(&b);
	return e;
}

fa2_err fa2_session_open(fa2_session *s, const char *state_dir, const char *id, char *msg,
			 size_t cap)
{
	struct stat st;
	cJSON *recs = NULL;
	size_t valid = 0;
	char path[PATH_MAX + 16];
	fa2_err e;

	session_zero(s);
	if (!fa2_session_id_valid(id)) {
		snprintf(msg, cap, "'%s' is not a session id", id ? id : "");
		return FA2_ERR_INVALID;
	}
	memcpy(s->id, id, strlen(id) + 1);
	if (fa2_session_path(state_dir, id, s->dir, sizeof s->dir))
		return FA2_ERR_TOO_LARGE;
	if (stat(s->dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(msg, cap, "no session %s under %s/sessions", id, state_dir);
		return FA2_ERR_NOT_FOUND;
	}
	e = take_lock(s);
	if (e) {
		snprintf(msg, cap, e == FA2_ERR_LOCKED
					   ? "session %s is being driven by another process"
					   : "cannot lock session %s",
			 id);
		return e;
	}
	e = fa2_session_read_journal(s->dir, &recs, &valid);
	if (e) {
		snprintf(msg, cap, "cannot read the journal of session %s: %s", id, fa2_err_str(e));
		goto fail;
	}
	s->seq = (uint64_t)cJSON_GetArraySize(recs);
	cJSON_Delete(recs);
	/* Cut a torn tail so the next record starts on a fresh line. */
	if (file_in(s, "journal.jsonl", path, sizeof path) == FA2_OK && stat(path, &st) == 0 &&
	    (size_t)st.st_size > valid) {
		FA2_LOGW("session", "session %s: dropping %lld bytes of a torn journal record", id,
			 (long long)((size_t)st.st_size - valid));
		if (truncate(path, (off_t)valid) != 0) {
			snprintf(msg, cap, "cannot repair the journal of session %s: %s", id, strerror(errno));
			e = FA2_ERR_IO;
			goto fail;
		}
	}
	if (fa2_session_read_summary(s->dir, &s->summary) != FA2_OK)
		s->summary = NULL;
	reserve_take(s);
	return FA2_OK;
fail:
	fa2_session_close(s);
	return e;
}

void fa2_session_close(fa2_session *s)
{
	if (s->lock_fd >= 0) {
		reserve_give(s);
		flock(s->lock_fd, LOCK_UN);
		close(s->lock_fd);
	}
	s->lock_fd = -1;
	cJSON_Delete(s->summary);
	s->summary = NULL;
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_init(&s->mu, NULL);
}

fa2_err fa2_session_append(fa2_session *s, cJSON *record)
{
	char path[PATH_MAX + 16];
	fa2_buf line;
	fa2_err e;
	cJSON_DeleteItemFromObjectCaseSensitive(record, "seq");
	cJSON_DeleteItemFromObjectCaseSensitive(record, "t");
	if (file_in(s, "journal.jsonl", path, sizeof path))
		return FA2_ERR_TOO_LARGE;
	fa2_buf_init(&line, FA2_MAX_JOURNAL_LINE_BYTES);
	pthread_mutex_lock(&s->mu);
	if (!cJSON_AddNumberToObject(record, "seq", (double)s->seq) ||
	    !cJSON_AddNumberToObject(record, "t", (double)fa2_time_now_ms())) {
		e = FA2_ERR_NOMEM;
		goto cleanup;
	}
	e = fa2_json_append(&line, record);
	if (!e)
		e = fa2_buf_append_byte(&line, '\n');
	if (!e)
		e = put_file(s, FA2_SESSION_MIRROR_JOURNAL, "journal", s->seq, path, line.data, line.len, 1);
	if (!e)
		s->seq++;
	else
		FA2_LOGE("session", "session %s: cannot append to the journal: %s", s->id, fa2_err_str(e));
cleanup:
	pthread_mutex_unlock(&s->mu);
	fa2_buf_cleanup(&line);
	return e;
}

fa2_err fa2_session_update_summary(fa2_session *s, const cJSON *fields)
{
	char path[PATH_MAX + 16];
	const cJSON *it;
	char *text = NULL;
	fa2_err e = FA2_ERR_NOMEM;
	if (file_in(s, "summary.json", path, sizeof path))
		return FA2_ERR_TOO_LARGE;
	pthread_mutex_lock(&s->mu);
	if (!s->summary && !(s->summary = cJSON_CreateObject()))
		goto cleanup;
	cJSON_ArrayForEach(it, fields)
	{
		cJSON *copy;
		if (!it->string)
			continue;
		copy = cJSON_Duplicate(it, 1);
		if (!copy)
			goto cleanup;
		if (cJSON_GetObjectItemCaseSensitive(s->summary, it->string))
			cJSON_ReplaceItemInObjectCaseSensitive(s->summary, it->string, copy);
		else if (!cJSON_AddItemToObject(s->summary, it->string, copy)) {
			cJSON_Delete(copy);
			goto cleanup;
		}
	}
	cJSON_DeleteItemFromObjectCaseSensitive(s->summary, "id");
	cJSON_DeleteItemFromObjectCaseSensitive(s->summary, "updated");
	if (!cJSON_AddStringToObject(s->summary, "id", s->id) ||
	    !cJSON_AddNumberToObject(s->summary, "updated", (double)fa2_time_now_ms()))
		goto cleanup;
	text = cJSON_Print(s->summary);
	if (!text)
		goto cleanup;
	e = put_file(s, FA2_SESSION_MIRROR_SUMMARY, "summary.json", 0, path, text, strlen(text), 0);
cleanup:
	pthread_mutex_unlock(&s->mu);
	fa2_free(text);
	return e;
}

fa2_err fa2_session_mark_failed(fa2_session *s, const char *reason)
{
	cJSON *f = cJSON_CreateObject();
	fa2_err e = FA2_ERR_NOMEM;
	reserve_give(s); /* room for the summary when the disk is full */
	if (f && cJSON_AddStringToObject(f, "status", "failed") &&
	    cJSON_AddStringToObject(f, "failure", reason ? reason : ""))
		e = fa2_session_update_summary(s, f);
	cJSON_Delete(f);
	return e;
}

fa2_err fa2_session_write_file(fa2_session *s, const char *name, const char *data, size_t len)
{
	char path[PATH_MAX + 64];
	int n = snprintf(path, sizeof path, "%s/%s", s->dir, name);
	if (n < 0 || (size_t)n >= sizeof path)
		return FA2_ERR_TOO_LARGE;
	return put_file(s, FA2_SESSION_MIRROR_FILE, name, 0, path, data, len, 0);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted ids of state_dir/sessions (NULL-terminated array, caller frees each and it). */
static fa2_err list_ids(const char *state_dir, char ***out, size_t *n_out)
{
	char base[PATH_MAX];
	DIR *d;
	struct dirent *de;
	char **ids = NULL;
	size_t n = 0, cap = 0;
	fa2_err e = FA2_OK;
	*out = NULL;
	*n_out = 0;
	if (fa2_session_path(state_dir, NULL, base, sizeof base))
		return FA2_ERR_TOO_LARGE;
	d = opendir(base);
	if (!d)
		return errno == ENOENT ? FA2_OK : FA2_ERR_IO;
	while ((de = readdir(d)) != NULL) {
		if (!fa2_session_id_valid(de->d_name))
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			char **ni = fa2_realloc(ids, nc * sizeof *ni);
			if (!ni) {
				e = FA2_ERR_NOMEM;
				break;
			}
			ids = ni;
			cap = nc;
		}
		ids[n] = fa2_strdup(de->d_name);
		if (!ids[n]) {
			e = FA2_ERR_NOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (e) {
		while (n > 0)
			fa2_free(ids[--n]);
		fa2_free(ids);
		return e;
	}
	if (n > 1)
		qsort(ids, n, sizeof *ids, cmp_str);
	*out = ids;
	*n_out = n;
	return FA2_OK;
}

fa2_err fa2_session_list(const char *state_dir,
			 int (*fn)(void *ctx, const char *id, const cJSON *summary), void *ctx)
{
	char **ids;
	size_t n, i;
	int stop = 0;
	fa2_err e = list_ids(state_dir, &ids, &n);
	if (e)
		return e;
	for (i = 0; i < n; i++) {
		char dir[PATH_MAX];
		cJSON *sum = NULL;
		if (!stop && fa2_session_path(state_dir, ids[i], dir, sizeof dir) == FA2_OK) {
			(void)fa2_session_read_summary(dir, &sum);
			stop = fn(ctx, ids[i], sum);
			cJSON_Delete(sum);
		}
		fa2_free(ids[i]);
	}
	fa2_free(ids);
	return FA2_OK;
}

/* Removes the files of a session directory (it has no subdirectories), then it. */
static fa2_err remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[PATH_MAX + 256];
	if (!d)
		return FA2_ERR_IO;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	return rmdir(dir) == 0 ? FA2_OK : FA2_ERR_IO;
}

fa2_err fa2_session_remove_expired(const char *state_dir, int64_t retention_ms, int64_t now_ms,
				   unsigned *removed)
{
	char **ids;
	size_t n, i;
	unsigned count = 0;
	fa2_err e;
	if (removed)
		*removed = 0;
	if (retention_ms <= 0)
		return FA2_OK;
	e = list_ids(state_dir, &ids, &n);
	if (e)
		return e;
	for (i = 0; i < n; i++) {
		fa2_session s;
		cJSON *sum = NULL;
		double updated = -1;
		struct stat st;
		session_zero(&s);
		memcpy(s.id, ids[i], strlen(ids[i]) + 1);
		if (fa2_session_path(state_dir, ids[i], s.dir, sizeof s.dir) == FA2_OK) {
			if (fa2_session_read_summary(s.dir, &sum) == FA2_OK)
				fa2_json_num(sum, "updated", &updated);
			cJSON_Delete(sum);
			if (updated < 0 && stat(s.dir, &st) == 0)
				updated = (double)st.st_mtime * 1000.0;
			if (updated >= 0 && now_ms - (int64_t)updated > retention_ms &&
			    take_lock(&s) == FA2_OK) {
				/* Held by us now: nobody drives it. Remove, then drop the lock fd. */
				if (remove_dir(s.dir) == FA2_OK)
					count++;
				else
					FA2_LOGW("session", "cannot remove expired session %s", s.dir);
			}
		}
		fa2_session_close(&s);
		pthread_mutex_destroy(&s.mu);
		fa2_free(ids[i]);
	}
	fa2_free(ids);
	if (removed)
		*removed = count;
	return FA2_OK;
}
