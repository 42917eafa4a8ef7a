/*
 * mailq: lists the spool (todo/ and queue/), asks queued to retry
 * everything now (-f), and deletes a message (-d ID) safely while queued
 * runs.  Reads queued's state files (facteur-spool(5)); see mailq(8).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "durable.h"
#include "io.h"
#include "log.h"
#include "qstate.h"
#include "str.h"
#include "uniq.h"

enum rc { RC_OK = 0, RC_FAIL = 1, RC_USAGE = 2 };

#define SPOOL_DEFAULT "/var/spool/facteur"
#define FILE_MAX (256u * 1024 * 1024)

static int spoolfd = -1;
static struct wbuf out;

static int
read_file(int dirfd, const char *name, char **buf_r, size_t *len_r)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	struct stat st;
	size_t got = 0;
	char *buf;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || st.st_size < 0 ||
	    (uint64_t)st.st_size > FILE_MAX) {
		close(fd);
		errno = EFBIG;
		return -1;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		return -1;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*buf_r = buf;
	*len_r = got;
	return 0;
}

static void
put(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
put(const char *fmt, ...)
{
	struct str s = STR_INIT;
	va_list ap;

	va_start(ap, fmt);
	if (str_vprintf(&s, fmt, ap) == 0)
		(void)wbuf_put(&out, s.s, s.len);
	va_end(ap);
	str_free(&s);
}

/* Text from the spool, with anything unprintable escaped. */
static const char *
esc(const char *z, char *buf, size_t n)
{
	log_escape(buf, n, z, strlen(z));
	return buf;
}

static const char *
rstate(const struct qrcpt *r)
{
	if (r->state == QS_OK)
		return "delivered";
	if (r->state == QS_PERM)
		return r->kind == QK_ERROR ? "failed" :
		    r->expired ? "expired" : "failed";
	return r->attempts > 0 ? "deferred" : "pending";
}

/* Lists one message; returns its size. */
static uint64_t
list_one(int dirfd, const char *id, const char *where, int64_t t)
{
	char *envb = NULL, *stb = NULL, b1[1200], b2[1200];
	size_t envlen, stlen;
	struct qenv env;
	struct qstate qs;
	struct stat st;
	uint64_t size = 0;
	int have_state = 0;

	if (fstatat(dirfd, "mess", &st, 0) == 0)
		size = (uint64_t)st.st_size;
	if (read_file(dirfd, "env", &envb, &envlen) < 0 ||
	    qenv_parse(envb, envlen, &env) < 0) {
		put("%s %s error=unreadable envelope\n", id, where);
		free(envb);
		return size;
	}
	if (strcmp(where, "queue") == 0 &&
	    read_file(dirfd, "state", &stb, &stlen) == 0) {
		if (qstate_parse(stb, stlen, &qs, NULL) == 0)
			have_state = 1;
		else
			qstate_free(&qs);
	}
	put("%s %s age=%llds size=%llu from=<%s> rcpts=%zu%s\n", id,
	    have_state && qs.deleted ? "deleting" :
	    strcmp(where, "todo") == 0 ? "new" : where,
	    (long long)(env.arrival > 0 ? t - env.arrival : 0),
	    (unsigned long long)size, esc(env.sender, b1, sizeof b1), env.n,
	    have_state && qs.warned ? " warned=yes" : "");
	if (!have_state) {
		for (size_t i = 0; i < env.n; i++)
			put("%s  to=<%s> state=new\n", id,
			    esc(env.r[i].addr, b1, sizeof b1));
	} else {
		for (size_t i = 0; i < qs.n; i++) {
			const struct qrcpt *r = &qs.r[i];
			const char *orig = r->orig < env.n ?
			    env.r[r->orig].addr : "";

			put("%s  to=<%s> kind=%s state=%s attempts=%u", id,
			    esc(r->addr, b1, sizeof b1),
			    qstate_kind_name(r->kind), rstate(r), r->attempts);
			if (strcmp(orig, r->addr) != 0)
				put(" orig=<%s>", esc(orig, b2, sizeof b2));
			if (r->state == QS_PENDING)
				put(" next=%s%llds", r->next > t ? "+" : "-",
				    (long long)(r->next > t ? r->next - t :
				    t - r->next));
			if (r->kind == QK_ERROR)
				put(" error=%s", esc(r->target, b2, sizeof b2));
			else if (r->diag != NULL && r->state != QS_OK)
				put(" error=%s", esc(r->diag, b2, sizeof b2));
			put("\n");
		}
		qstate_free(&qs);
	}
	qenv_free(&env);
	free(envb);
	free(stb);
	return size;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
list_dir(const char *where, int64_t t, size_t *count, uint64_t *bytes)
{
	int fd = openat(spoolfd, where, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		if (errno == ENOENT)
			return 0;
		log_error("unable to read %s/: %s", where, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			char **nn = realloc(names, nc * sizeof *nn);

			if (nn == NULL)
				log_die(RC_FAIL, "out of memory");
			names = nn;
			cap = nc;
		}
		names[n] = strdup(de->d_name);
		if (names[n] == NULL)
			log_die(RC_FAIL, "out of memory");
		n++;
	}
	if (n > 0)
		qsort(names, n, sizeof *names, cmp_names);
	for (size_t i = 0; i < n; i++) {
		int mfd = openat(dirfd(d), names[i], O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);

		if (mfd >= 0) {
			*bytes += list_one(mfd, names[i], where, t);
			(*count)++;
			close(mfd);
		}
		free(names[i]);
	}
	free(names);
	closedir(d);
	return 0;
}

static int
list(void)
{
	int64_t t = (int64_t)time(NULL);
	size_t count = 0;
	uint64_t bytes = 0;
	int r = 0;

	if (list_dir("todo", t, &count, &bytes) < 0)
		r = -1;
	if (list_dir("queue", t, &count, &bytes) < 0)
		r = -1;
	put("-- %zu message%s, %llu bytes\n", count, count == 1 ? "" : "s",
	    (unsigned long long)bytes);
	if (wbuf_flush(&out) < 0)
		return -1;
	return r;
}

/* Writes one line into the trigger; -1 (ENXIO) when queued is not there. */
static int
poke(const char *line)
{
	int fd = openat(spoolfd, "trigger", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	ssize_t w;

	if (fd < 0)
		return -1;
	w = write(fd, line, strlen(line));
	close(fd);
	if (w < 0 && errno == EAGAIN)
		return 0; /* full: queued has work to read, and will */
	return w == (ssize_t)strlen(line) ? 0 : -1;
}

static void
remove_dir(int parent, const char *name)
{
	static const char *const files[] = { "env", "mess", "state",
		"state.tmp" };
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW);

	if (fd >= 0) {
		for (size_t i = 0; i < 4; i++)
			(void)durable_unlink(fd, files[i]);
		close(fd);
	}
	if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		log_error("unable to remove %s: %s", name, strerror(errno));
	(void)durable_dirsync(parent);
}

static int
delete_msg(const char *id)
{
	int lockfd, queued_runs, qfd, mfd;
	int tmpfd = openat(spoolfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int todofd = openat(spoolfd, "todo", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC);
	char gone[UNIQ_MAX + 16];

	if (id[0] == '\0' || id[0] == '.' || strchr(id, '/') != NULL ||
	    strlen(id) >= UNIQ_MAX)
		log_die(RC_USAGE, "not a queue id: %s", id);
	/* queued holds this lock while it runs; a read-only descriptor is
	 * enough for flock. */
	lockfd = openat(spoolfd, "queued.lock", O_RDONLY | O_CLOEXEC);
	if (lockfd < 0 && errno != ENOENT)
		log_die(RC_FAIL, "unable to open queued.lock (to tell whether "
		    "queued runs): %s", strerror(errno));
	queued_runs = lockfd >= 0 && flock(lockfd, LOCK_EX | LOCK_NB) < 0;
	/* Out of todo/ first: a rename into tmp/, which is garbage. */
	snprintf(gone, sizeof gone, "%s.deleted", id);
	if (tmpfd >= 0 && todofd >= 0 &&
	    renameat(todofd, id, tmpfd, gone) == 0) {
		remove_dir(tmpfd, gone);
		(void)durable_dirsync(todofd);
		printf("%s: deleted\n", id);
		return 0;
	}
	qfd = openat(spoolfd, "queue", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	mfd = qfd >= 0 ? openat(qfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC) :
	    -1;
	if (mfd < 0) {
		log_error("%s: no such message", id);
		return -1;
	}
	if (!queued_runs) {
		/* We hold the lock: queued cannot start meanwhile. */
		close(mfd);
		remove_dir(qfd, id);
		printf("%s: deleted\n", id);
		return 0;
	}
	/*
	 * queued runs: it owns the message.  A K record in the state file
	 * says "delete"; queued removes the message once the deliveries in
	 * flight end.  The state appears right after queued takes a
	 * message; wait a little for it.
	 */
	for (int tries = 0; tries < 50; tries++) {
		struct str rec = STR_INIT;
		struct stat st;
		char who[64], line[UNIQ_MAX + 16];
		struct timespec ts[2] = { { 0, UTIME_OMIT }, { 0, 0 } };

		if (fstatat(mfd, "state", &st, 0) < 0) {
			struct timespec w = { 0, 100 * 1000 * 1000 };

			if (errno != ENOENT)
				break;
			nanosleep(&w, NULL);
			continue;
		}
		snprintf(who, sizeof who, "mailq uid=%lu",
		    (unsigned long)getuid());
		if (qstate_fmt_deleted(&rec, (int64_t)time(NULL), who) < 0 ||
		    durable_append(mfd, "state", rec.s, rec.len, 0640) < 0) {
			log_error("%s: unable to mark it deleted: %s", id,
			    strerror(errno));
			str_free(&rec);
			return -1;
		}
		str_free(&rec);
		/* Due now, so a scan picks it up even if it is deferred. */
		(void)utimensat(mfd, "state", ts, 0);
		snprintf(line, sizeof line, "DELETE %s\n", id);
		(void)poke(line);
		printf("%s: marked for deletion; queued removes it when its "
		    "deliveries in flight end\n", id);
		return 0;
	}
	log_error("%s: queued has not written its state yet; try again", id);
	return -1;
}

static void
usage(void)
{
	log_die(RC_USAGE, "usage: mailq [-f | -d id ...]");
}

int
main(int argc, char **argv)
{
	const char *spool = getenv("FACTEUR_SPOOL");
	int opt, flush = 0, del = 0, r = 0;

	log_init(argv[0]);
	while ((opt = getopt(argc, argv, "fd")) != -1) {
		if (opt == 'f')
			flush = 1;
		else if (opt == 'd')
			del = 1;
		else
			usage();
	}
	if ((flush && del) || (del && optind == argc) ||
	    (!del && optind != argc))
		usage();
	if (spool == NULL || *spool == '\0')
		spool = SPOOL_DEFAULT;
	spoolfd = open(spool, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (spoolfd < 0)
		log_die(RC_FAIL, "unable to open the spool %s: %s", spool,
		    strerror(errno));
	if (flush) {
		if (poke("FLUSH\n") < 0)
			log_die(RC_FAIL, "unable to reach queued through %s/"
			    "trigger: %s", spool, errno == ENXIO ?
			    "queued is not running" : strerror(errno));
		return RC_OK;
	}
	if (del) {
		for (int i = optind; i < argc; i++)
			if (delete_msg(argv[i]) < 0)
				r = RC_FAIL;
		return r;
	}
	wbuf_init(&out, 1, -1);
	return list() < 0 ? RC_FAIL : RC_OK;
}
