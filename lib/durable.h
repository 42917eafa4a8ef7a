/*
 * Every durable file operation of facteur goes through this module:
 * create a new file, write, fsync, link or rename into place, fsync the
 * directory, unlink.  Nothing is acknowledged before the steps that make
 * it survive a power cut have been done, and since all of them pass
 * through here, one harness can test crash consistency for every program.
 *
 * Functions return 0 (or a descriptor) on success, -1 with errno on
 * failure; EINTR is retried and short writes are completed.
 *
 * The crash harness.  Each operation below is one numbered step.  With
 * FACTEUR_DURABLE_TRACE=path in the environment, each step appends one
 * line "pid step op name" to that file, so a test can see which steps a
 * run takes and in what order.  With FACTEUR_CRASH_AFTER=N the process
 * kills itself with SIGKILL right after its N-th step: a test runs a
 * program once for every N and checks that whatever was acknowledged
 * before the cut is intact and nothing half-written is visible.  Both are
 * read with secure_getenv, so a setuid program ignores them.
 */
#ifndef FACTEUR_DURABLE_H
#define FACTEUR_DURABLE_H

#include <stddef.h>
#include <sys/types.h>

/* Re-reads FACTEUR_CRASH_AFTER and FACTEUR_DURABLE_TRACE, counting steps
 * from zero again (for tests; done by itself before the first step). */
void durable_harness_init(void);

/* Creates name in dirfd, which must not exist; returns a write fd. */
int durable_create(int dirfd, const char *name, mode_t mode);
/* Writes all n bytes. */
int durable_write(int fd, const void *p, size_t n);
/* Flushes a file's data and metadata to stable storage. */
int durable_fsync(int fd);
/* Flushes a directory's entries (after link, rename, unlink). */
int durable_dirsync(int dirfd);
/* Links oldname to newname (fails with EEXIST if it exists). */
int durable_link(int olddirfd, const char *oldname, int newdirfd,
    const char *newname);
/* Renames, replacing newname if it exists. */
int durable_rename(int olddirfd, const char *oldname, int newdirfd,
    const char *newname);
/* Removes a name. */
int durable_unlink(int dirfd, const char *name);

/*
 * Moves a finished, fsynced file from tmpdir/tmpname to newdir/newname
 * without ever replacing an existing newname: link, then unlink the old
 * name; falls back to renameat2(RENAME_NOREPLACE) on file systems without
 * hard links.  Does not sync the directory.
 */
int durable_move_noreplace(int tmpdirfd, const char *tmpname, int newdirfd,
    const char *newname);

/*
 * Replaces dirfd/name with n bytes from p atomically: writes tmpname in
 * the same directory, fsyncs it, renames it over name, fsyncs the
 * directory.  On failure the old file is untouched and tmpname removed.
 */
int durable_replace(int dirfd, const char *name, const char *tmpname,
    const void *p, size_t n, mode_t mode);

/*
 * Appends n bytes to dirfd/name (created with mode if missing) with one
 * write on an O_APPEND descriptor, then fsyncs it.
 */
int durable_append(int dirfd, const char *name, const void *p, size_t n,
    mode_t mode);

#endif
