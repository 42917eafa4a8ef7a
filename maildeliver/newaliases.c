/*
 * newaliases — compile the aliases file into aliases.cdb.
 *
 *   newaliases [-t] [FILE]
 *
 * FILE defaults to $FACTEUR_ETC/aliases; the table is written next to
 * it as FILE.cdb, atomically: a temporary file in the same directory,
 * fsynced, renamed over the old table, and the directory fsynced.  A
 * reader sees the old table or the new one, never a mix.  With -t the
 * file is only checked.  Exit 0 ok, 1 the file is bad (file:line:col:
 * reason on stderr), 100 misuse, 111 a system error.  See newaliases(8).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aliases.h"
#include "control.h"
#include "durable.h"
#include "log.h"
#include "str.h"

enum rc { RC_OK = 0, RC_BAD = 1, RC_USAGE = 100, RC_TEMP = 111 };

static void
usage(void)
{
	log_die(RC_USAGE, "usage: newaliases [-t] [FILE]");
}

/* Reads path whole into buf (at most ALIASES_FILE_MAX bytes). */
static void
read_file(const char *path, struct str *buf)
{
	struct stat st;
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		log_die(RC_TEMP, "unable to open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		log_die(RC_TEMP, "unable to stat %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		log_die(RC_BAD, "%s: not a regular file", path);
	for (;;) {
		if (str_reserve(buf, 65536) < 0)
			log_die(RC_TEMP, "out of memory");
		r = read(fd, buf->s + buf->len, 65536);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			log_die(RC_TEMP, "unable to read %s: %s", path,
			    strerror(errno));
		if (r == 0)
			break;
		buf->len += (size_t)r;
		buf->s[buf->len] = '\0';
		if (buf->len > ALIASES_FILE_MAX)
			log_die(RC_BAD, "%s: file too large (over %lu bytes)",
			    path, (unsigned long)ALIASES_FILE_MAX);
	}
	close(fd);
}

static void
die_bad(const char *path, const struct aliases_err *err)
{
	if (err->line == 0)
		log_die(RC_BAD, "%s: %s", path, err->reason);
	log_die(RC_BAD, "%s:%u:%u: %s", path, err->line, err->col,
	    err->reason);
}

int
main(int argc, char **argv)
{
	struct str buf = STR_INIT, path = STR_INIT;
	struct aliases_err err;
	char dir[PATH_MAX], base[NAME_MAX + 1], cdbname[NAME_MAX + 8],
	    tmpname[NAME_MAX + 40];
	const char *slash;
	int c, check = 0, dirfd, fd, n;
	long entries;

	log_init(argv[0]);
	while ((c = getopt(argc, argv, "t")) != -1) {
		if (c == 't')
			check = 1;
		else
			usage();
	}
	if (argc - optind > 1)
		usage();
	if (optind < argc) {
		if (argv[optind][0] == '\0')
			usage();
		if (str_appendz(&path, argv[optind]) < 0)
			log_die(RC_TEMP, "out of memory");
	} else if (str_printf(&path, "%s/aliases", control_dir()) < 0)
		log_die(RC_TEMP, "out of memory");

	read_file(path.s, &buf);
	if (check) {
		entries = aliases_parse(buf.s != NULL ? buf.s : "", buf.len,
		    NULL, NULL, &err);
		if (entries < 0) {
			if (errno != EINVAL)
				log_die(RC_TEMP, "unable to check %s: %s",
				    path.s, strerror(errno));
			die_bad(path.s, &err);
		}
		log_info("%s: %ld aliases, ok", path.s, entries);
		str_free(&buf);
		str_free(&path);
		return RC_OK;
	}

	slash = strrchr(path.s, '/');
	if (slash == NULL)
		n = snprintf(dir, sizeof dir, ".");
	else if (slash == path.s)
		n = snprintf(dir, sizeof dir, "/");
	else
		n = snprintf(dir, sizeof dir, "%.*s", (int)(slash - path.s),
		    path.s);
	if (n < 0 || (size_t)n >= sizeof dir)
		log_die(RC_USAGE, "%s: path too long", path.s);
	n = snprintf(base, sizeof base, "%s", slash != NULL ? slash + 1
							    : path.s);
	if (n < 0 || (size_t)n + 16 >= sizeof base)
		log_die(RC_USAGE, "%s: name too long", path.s);
	snprintf(cdbname, sizeof cdbname, "%s.cdb", base);
	snprintf(tmpname, sizeof tmpname, "%s.cdb.tmp.%ld", base,
	    (long)getpid());

	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		log_die(RC_TEMP, "unable to open %s: %s", dir, strerror(errno));
	/* A temporary file left by a crash of an earlier run of this pid. */
	if (unlinkat(dirfd, tmpname, 0) < 0 && errno != ENOENT)
		log_die(RC_TEMP, "unable to remove %s/%s: %s", dir, tmpname,
		    strerror(errno));
	fd = durable_create(dirfd, tmpname, 0644);
	if (fd < 0)
		log_die(RC_TEMP, "unable to create %s/%s: %s", dir, tmpname,
		    strerror(errno));
	/* The table is for everyone who delivers mail, whatever the umask. */
	if (fchmod(fd, 0644) < 0)
		goto syserr;
	entries = aliases_compile(buf.s != NULL ? buf.s : "", buf.len, fd,
	    &err);
	if (entries < 0) {
		int saved = errno;

		unlinkat(dirfd, tmpname, 0);
		if (saved == EINVAL)
			die_bad(path.s, &err);
		log_die(RC_TEMP, "unable to write %s/%s: %s", dir, tmpname,
		    strerror(saved));
	}
	if (durable_fsync(fd) < 0 || close(fd) < 0)
		goto syserr;
	if (durable_rename(dirfd, tmpname, dirfd, cdbname) < 0)
		goto syserr;
	if (durable_dirsync(dirfd) < 0)
		log_die(RC_TEMP, "unable to sync %s: %s", dir, strerror(errno));
	log_info("%s: %ld aliases compiled into %s/%s", path.s, entries, dir,
	    cdbname);
	close(dirfd);
	str_free(&buf);
	str_free(&path);
	return RC_OK;
syserr:
	{
		int saved = errno;

		unlinkat(dirfd, tmpname, 0);
		log_die(RC_TEMP, "unable to write %s/%s: %s", dir, tmpname,
		    strerror(saved));
	}
}
