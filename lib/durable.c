#include "durable.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "num.h"

static int harness_ready;
static unsigned long long step_no, crash_after;
static const char *trace_path;

void
durable_harness_init(void)
{
	const char *v;
	uint64_t n;

	harness_ready = 1;
	step_no = 0;
	crash_after = 0;
	v = secure_getenv("FACTEUR_CRASH_AFTER");
	if (v != NULL && num_u64z(v, UINT64_MAX, &n) == 0)
		crash_after = n;
	trace_path = secure_getenv("FACTEUR_DURABLE_TRACE");
}

/* Called after each step: records it, and cuts the power when told to. */
static void
step(const char *op, const char *name)
{
	int saved = errno;

	if (!harness_ready)
		durable_harness_init();
	step_no++;
	if (trace_path != NULL) {
		char line[512];
		int n, fd;

		n = snprintf(line, sizeof line, "%ld %llu %s %s\n",
		    (long)getpid(), step_no, op, name != NULL ? name : "-");
		fd = open(trace_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		    0644);
		if (fd >= 0 && n > 0) {
			size_t len = (size_t)n < sizeof line ? (size_t)n
							      : sizeof line - 1;
			if (write(fd, line, len) < 0)
				(void)0;
		}
		if (fd >= 0)
			close(fd);
	}
	if (crash_after != 0 && step_no >= crash_after)
		kill(getpid(), SIGKILL);
	errno = saved;
}

int
durable_create(int dirfd, const char *name, mode_t mode)
{
	int fd;

	do
		fd = openat(dirfd, name,
		    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	while (fd < 0 && errno == EINTR);
	if (fd >= 0)
		step("create", name);
	return fd;
}

int
durable_write(int fd, const void *p, size_t n)
{
	const unsigned char *s = p;
	ssize_t w;

	while (n > 0) {
		w = write(fd, s, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		s += w;
		n -= (size_t)w;
		step("write", NULL);
	}
	return 0;
}

int
durable_fsync(int fd)
{
	int r;

	do
		r = fsync(fd);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		step("fsync", NULL);
	return r;
}

int
durable_dirsync(int dirfd)
{
	int r;

	do
		r = fsync(dirfd);
	while (r < 0 && errno == EINTR);
	/* Some file systems cannot fsync a directory; they sync it anyway. */
	if (r < 0 && (errno == EINVAL || errno == EROFS))
		r = 0;
	if (r == 0)
		step("dirsync", NULL);
	return r;
}

int
durable_link(int olddirfd, const char *oldname, int newdirfd,
    const char *newname)
{
	if (linkat(olddirfd, oldname, newdirfd, newname, 0) < 0)
		return -1;
	step("link", newname);
	return 0;
}

int
durable_rename(int olddirfd, const char *oldname, int newdirfd,
    const char *newname)
{
	if (renameat(olddirfd, oldname, newdirfd, newname) < 0)
		return -1;
	step("rename", newname);
	return 0;
}

int
durable_unlink(int dirfd, const char *name)
{
	if (unlinkat(dirfd, name, 0) < 0)
		return -1;
	step("unlink", name);
	return 0;
}

int
durable_move_noreplace(int tmpdirfd, const char *tmpname, int newdirfd,
    const char *newname)
{
	if (durable_link(tmpdirfd, tmpname, newdirfd, newname) == 0) {
		/* The message is in place; a stale tmp name is harmless. */
		(void)durable_unlink(tmpdirfd, tmpname);
		return 0;
	}
	if (errno != EPERM && errno != EOPNOTSUPP && errno != EMLINK &&
	    errno != ENOSYS)
		return -1;
	if (renameat2(tmpdirfd, tmpname, newdirfd, newname,
		RENAME_NOREPLACE) < 0)
		return -1;
	step("rename", newname);
	return 0;
}

int
durable_replace(int dirfd, const char *name, const char *tmpname,
    const void *p, size_t n, mode_t mode)
{
	int fd, saved;

	fd = durable_create(dirfd, tmpname, mode);
	if (fd < 0)
		return -1;
	if (durable_write(fd, p, n) < 0 || durable_fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (durable_rename(dirfd, tmpname, dirfd, name) < 0)
		goto fail;
	return durable_dirsync(dirfd);
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, tmpname, 0);
	errno = saved;
	return -1;
}

int
durable_append(int dirfd, const char *name, const void *p, size_t n,
    mode_t mode)
{
	int fd, saved, created = 0;
	ssize_t w;

	do
		fd = openat(dirfd, name,
		    O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	while (fd < 0 && errno == EINTR);
	if (fd < 0 && errno == ENOENT) {
		fd = durable_create(dirfd, name, mode);
		created = 1;
		if (fd < 0 && errno == EEXIST)
			return durable_append(dirfd, name, p, n, mode);
	}
	if (fd < 0)
		return -1;
	/* One write(2) so concurrent appenders never interleave a record. */
	do
		w = write(fd, p, n);
	while (w < 0 && errno == EINTR);
	if (w < 0 || (size_t)w != n) {
		if (w >= 0)
			errno = ENOSPC;
		goto fail;
	}
	step("append", name);
	if (durable_fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0)
		return -1;
	if (created)
		return durable_dirsync(dirfd);
	return 0;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}
