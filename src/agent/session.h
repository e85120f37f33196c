/* Session store: flat files under STATE_DIR/sessions/<id>/.
 *
 *   journal.jsonl  append-only, one JSON object per line per step, fsync'd per record
 *   summary.json   atomically rewritten after each step (status, cycles, times, event)
 *   report.md, report.json   written when the analysis ends
 *   lock           flock(LOCK_EX) held by the process driving the session
 *   reserve        a few KiB held while a process drives the session and given back
 *                  to mark it failed when the disk fills up (fa2_session_mark_failed)
 *
 * Every file is redacted (fa2_redact, base/log.h) as a whole before it is written.
 * A session interrupted by a crash is resumed from its journal (fa2_agent_resume):
 * a torn last line is cut off, completed tool calls are taken from the journal and
 * never run again. Only one process can hold a session (FA2_ERR_LOCKED otherwise).
 * fa2_session_append and fa2_session_update_summary are thread-safe. */
#ifndef FA2_AGENT_SESSION_H
#define FA2_AGENT_SESSION_H

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"

#include "base/err.h"

#define FA2_SESSION_ID_MAX 64u

typedef struct fa2_session {
	char id[FA2_SESSION_ID_MAX + 1];
	char dir[PATH_MAX];
	int lock_fd;            /* -1 when not locked */
	pthread_mutex_t mu;
	uint64_t seq;           /* number of the next journal record */
	cJSON *summary;         /* owned; last summary written */
} fa2_session;

/* A copy of every session write elsewhere (fa2 serve with the DynamoDB store: serve/resume.c),
 * with the bytes as written (redacted): a journal record before the local append, the
 * others after the local write succeeded:
 *   kind FA2_SESSION_MIRROR_JOURNAL  one journal record (a line, '\n' included), number seq
 *   kind FA2_SESSION_MIRROR_SUMMARY  the whole summary.json (seq 0)
 *   kind FA2_SESSION_MIRROR_FILE     the file name (e.g. report.md) and its content
 * A journal record the mirror refuses fails fa2_session_append and is not written locally
 * either (the analysis then fails rather than run steps another instance could not
 * resume from); the other kinds only log a warning. Process-wide; set once before any session is written (NULL: none). */
typedef enum fa2_session_mirror_kind {
	FA2_SESSION_MIRROR_JOURNAL,
	FA2_SESSION_MIRROR_SUMMARY,
	FA2_SESSION_MIRROR_FILE
} fa2_session_mirror_kind;
typedef fa2_err (*fa2_session_mirror_fn)(void *ctx, const char *id, fa2_session_mirror_kind kind,
                                          const char *name, uint64_t seq, const char *data, size_t len);
void fa2_session_set_mirror(fa2_session_mirror_fn fn, void *ctx);

/* True when id is 1..64 characters of [A-Za-z0-9_-] (no path tricks). */
int fa2_session_id_valid(const char *id);

/* Creates a new session directory with a fresh id under state_dir/sessions and locks it.
 * msg (cap bytes) explains failures. */
fa2_err fa2_session_create(fa2_session *s, const char *state_dir, char *msg, size_t cap);
/* Opens and locks an existing session: FA2_ERR_NOT_FOUND, FA2_ERR_LOCKED (another
 * process drives it), FA2_ERR_INVALID (bad id). Truncates a torn journal tail. */
fa2_err fa2_session_open(fa2_session *s, const char *state_dir, const char *id, char *msg,
			 size_t cap);
/* Unlocks and releases. Safe on a zeroed or already closed session. */
void fa2_session_close(fa2_session *s);

/* Appends record (an object; "seq" and "t" are added to it) as one line and fsyncs. */
fa2_err fa2_session_append(fa2_session *s, cJSON *record);

/* Reads the journal of dir: every complete, valid record in order (a new array). A torn
 * or invalid line ends the valid part: *valid_bytes (may be NULL) says where. */
fa2_err fa2_session_read_journal(const char *dir, cJSON **records, size_t *valid_bytes);

/* Merges fields (borrowed) into the summary, sets "id" and "updated", and rewrites
 * summary.json atomically. */
fa2_err fa2_session_update_summary(fa2_session *s, const cJSON *fields);
/* Reads a session's summary.json (new object) from dir. */
fa2_err fa2_session_read_summary(const char *dir, cJSON **out);

/* Gives back the reserve and sets the summary's status to "failed" with "failure":
 * reason (redacted like every session file). */
fa2_err fa2_session_mark_failed(fa2_session *s, const char *reason);

/* Writes name (e.g. "report.md") in the session directory atomically. */
fa2_err fa2_session_write_file(fa2_session *s, const char *name, const char *data, size_t len);

/* Path of state_dir/sessions/<id> into out. */
fa2_err fa2_session_path(const char *state_dir, const char *id, char *out, size_t cap);

/* Calls fn for every session directory (sorted by id, oldest first) with its summary
 * (NULL when unreadable). Stops early when fn returns non-zero. */
fa2_err fa2_session_list(const char *state_dir,
			 int (*fn)(void *ctx, const char *id, const cJSON *summary), void *ctx);

/* Removes sessions whose last update is older than retention_ms before now_ms and that
 * no process holds. *removed (may be NULL) counts them. retention_ms 0 keeps all. */
fa2_err fa2_session_remove_expired(const char *state_dir, int64_t retention_ms, int64_t now_ms,
				   unsigned *removed);

#endif
