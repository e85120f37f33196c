#include "base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/log.h"

fa2_err fa2_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return FA2_ERR_IO;
		}
		p += w;
		len -= (size_t)w;
	}
	return FA2_OK;
}

fa2_err fa2_file_read_all(const char *path, fa2_buf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	fa2_err e = FA2_OK;
	struct stat st;
	if (fd < 0)
		return errno == ENOENT ? FA2_ERR_NOT_FOUND : FA2_ERR_IO;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		if ((unsigned long long)st.st_size > out->max)
			e = FA2_ERR_TOO_LARGE;
		else
			e = fa2_buf_reserve(out, (size_t)st.st_size);
		if (e)
			goto cleanup;
	}
	for (;;) {
		ssize_t r;
		size_t room = out->max - out->len;
		if (room == 0) {
			/* At the cap: fine only if the file ends exactly here. */
			char probe;
			r = read(fd, &probe, 1);
			if (r < 0 && errno == EINTR)
				continue;
			e = r == 0 ? FA2_OK : r > 0 ? FA2_ERR_TOO_LARGE : FA2_ERR_IO;
			goto cleanup;
		}
		if (room > 65536)
			room = 65536;
		e = fa2_buf_reserve(out, room);
		if (e)
			goto cleanup;
		r = read(fd, out->data + out->len, out->cap - out->len - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			e = FA2_ERR_IO;
			goto cleanup;
		}
		if (r == 0)
			break;
		out->len += (size_t)r;
		out->data[out->len] = '\0';
	}
cleanup:
	{
		int saved = errno;
		close(fd);
		errno = saved;
	}
	return e;
}

/* Directory part of path ("." when none) into dir. */
static void dir_of(const char *path, char *dir, size_t cap)
{
	const char *slash = strrchr(path, '/');
	size_t n;
	if (!slash) {
		snprintf(dir, cap, ".");
		return;
	}
	n = (size_t)(slash - path);
	if (n == 0)
		n = 1; /* "/file" */
	if (n >= cap)
		n = cap - 1;
	memcpy(dir, path, n);
	dir[n] = '\0';
}

static fa2_err fsync_dir(const char *path)
{
	char dir[PATH_MAX];
	int fd;
	dir_of(path, dir, sizeof dir);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return FA2_ERR_IO;
	if (fsync(fd) != 0 && errno != EINVAL) {
		close(fd);
		return FA2_ERR_IO;
	}
	close(fd);
	return FA2_OK;
}

fa2_err fa2_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	static unsigned long counter;
	char tmp[PATH_MAX];
	int fd = -1, n;
	fa2_err e = FA2_ERR_IO;

	n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld.%lu", path, (long)getpid(),
		     __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
	if (n < 0 || (size_t)n >= sizeof tmp)
		return FA2_ERR_TOO_LARGE;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		FA2_LOGE("file", "cannot create %s: %s", tmp, strerror(errno));
		return FA2_ERR_IO;
	}
	if (fa2_write_all(fd, data, len) || fsync(fd) != 0) {
		FA2_LOGE("file", "cannot write %s: %s", tmp, strerror(errno));
		goto cleanup;
	}
	if (close(fd) != 0) {
		fd = -1;
		goto cleanup;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		FA2_LOGE("file", "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		goto cleanup;
	}
	e = fsync_dir(path);
	return e;
cleanup:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return e;
}

fa2_err fa2_file_append_sync(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, mode);
	fa2_err e;
	if (fd < 0)
		return FA2_ERR_IO;
	e = fa2_write_all(fd, data, len);
	if (!e && fsync(fd) != 0)
		e = FA2_ERR_IO;
	close(fd);
	return e;
}

fa2_err fa2_mkdir_p(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t n = strlen(path), i;
	if (n == 0)
		return FA2_ERR_INVALID;
	if (n >= sizeof tmp)
		return FA2_ERR_TOO_LARGE;
	memcpy(tmp, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (tmp[i] == '/' || tmp[i] == '\0') {
			char c = tmp[i];
			tmp[i] = '\0';
			if (mkdir(tmp, mode) != 0 && errno != EEXIST)
				return FA2_ERR_IO;
			tmp[i] = c;
		}
	}
	return FA2_OK;
}
