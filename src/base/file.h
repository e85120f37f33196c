/* Files: whole-file reads with a cap, atomic replacement, directory creation. */
#ifndef FA2_BASE_FILE_H
#define FA2_BASE_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "base/buf.h"
#include "base/err.h"

/* Appends the whole file to out (out->max still applies). FA2_ERR_NOT_FOUND when the
 * file does not exist, FA2_ERR_TOO_LARGE when it does not fit, FA2_ERR_IO otherwise
 * (errno is preserved for the caller's message). */
fa2_err fa2_file_read_all(const char *path, fa2_buf *out);

/* Replaces path with data so that a reader sees the old or the new content, never a
 * mix, even across a crash: write to a temporary file in the same directory, fsync,
 * rename over path, fsync the directory. mode is used for a new file (e.g. 0600). */
fa2_err fa2_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* Appends data to path (created with mode), then fsyncs: one journal record. */
fa2_err fa2_file_append_sync(const char *path, const void *data, size_t len, mode_t mode);

/* mkdir -p; existing directories are fine. */
fa2_err fa2_mkdir_p(const char *path, mode_t mode);

/* Writes all of data to fd, retrying on EINTR and short writes. */
fa2_err fa2_write_all(int fd, const void *data, size_t len);

#endif
