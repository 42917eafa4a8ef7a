/*
 * facteur-passwd — edit the checkpw password database.
 *
 *   facteur-passwd -t
 *   facteur-passwd list
 *   facteur-passwd compile
 *   facteur-passwd add [-cs] [-T passes] [-M kib] -u uid -g gid -d home
 *       [-m maildir] user
 *   facteur-passwd passwd [-cs] [-T passes] [-M kib] user
 *   facteur-passwd change [-C] [-u uid] [-g gid] [-d home] [-m maildir] user
 *   facteur-passwd del|lock|unlock user
 *
 * Edits $FACTEUR_ETC/passwd under a lock and recompiles passwd.cdb; both
 * files are replaced atomically (tmp, fsync, rename, directory fsync).
 * Exit codes: 0 done, 1 refused (no such user, user exists, bad file),
 * 2 usage, 111 temporary (I/O, lock).  See facteur-passwd(8).
 */
#include <cdb.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "authconf.h"
#include "control.h"
#include "durable.h"
#include "log.h"
#include "num.h"
#include "passwd.h"
#include "str.h"

enum rc { RC_OK = 0, RC_REFUSED = 1, RC_USAGE = 2, RC_TEMP = 111 };

#define SECRET_MAX 256

/* One line of the text file, pointing into the file's buffer. */
struct line {
	size_t off, len;
	size_t user_len; /* 0: comment or empty line */
};

struct db {
	int dirfd;
	struct str text;
	struct line *lines;
	size_t nlines, cap;
	struct stat st; /* of the old file, if any */
	int exists;
};

struct opts {
	int scripted, cram, nocram;
	const char *uid, *gid, *home, *maildir;
	const char *passes, *memory;
	const char *user;
};

static struct termios tty_saved;
static int tty_fd = -1;

static void
usage(void)
{
	log_die(RC_USAGE,
	    "usage: facteur-passwd -t | list | compile | "
	    "add [-cs] [-T passes] [-M kib] -u uid -g gid -d home [-m maildir] "
	    "user | passwd [-cs] [-T passes] [-M kib] user | "
	    "change [-C] [-u uid] [-g gid] [-d home] [-m maildir] user | "
	    "del|lock|unlock user");
}

static void
die_sys(const char *what, const char *arg)
{
	log_die(RC_TEMP, "unable to %s %s/%s: %s", what, control_dir(), arg,
	    strerror(errno));
}

static void
tty_restore(void)
{
	if (tty_fd >= 0)
		tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
}

static void
on_signal(int sig)
{
	tty_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Reads one line of at most SECRET_MAX bytes from fd into buf. */
static size_t
read_secret_line(int fd, char *buf, const char *from)
{
	size_t n = 0;
	char c;

	for (;;) {
		ssize_t r = read(fd, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			tty_restore();
			log_die(RC_TEMP, "unable to read password from %s: %s",
			    from, strerror(errno));
		}
		if (r == 0 || c == '\n')
			break;
		if (n == SECRET_MAX || c == '\0') {
			sodium_memzero(buf, SECRET_MAX);
			tty_restore();
			log_die(RC_REFUSED, "password %s", c == '\0'
			    ? "contains a NUL byte"
			    : "longer than 256 bytes");
		}
		buf[n++] = c;
	}
	return n;
}

/* Gets the new password into buf (SECRET_MAX bytes); returns its length. */
static size_t
get_secret(const struct opts *o, char *buf)
{
	char again[SECRET_MAX];
	struct termios t;
	size_t n, m;

	if (o->scripted) {
		n = read_secret_line(0, buf, "stdin");
		if (n == 0)
			log_die(RC_REFUSED, "empty password");
		return n;
	}
	tty_fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (tty_fd < 0)
		log_die(RC_USAGE, "no terminal to read the password from "
				  "(use -s to read it from stdin)");
	if (tcgetattr(tty_fd, &tty_saved) < 0)
		log_die(RC_TEMP, "unable to read terminal settings: %s",
		    strerror(errno));
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGQUIT, on_signal);
	t = tty_saved;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK);
	t.c_lflag |= ECHONL;
	if (tcsetattr(tty_fd, TCSAFLUSH, &t) < 0)
		log_die(RC_TEMP, "unable to turn off echo: %s",
		    strerror(errno));
	if (write(tty_fd, "New password: ", 14) < 0)
		(void)0;
	n = read_secret_line(tty_fd, buf, "terminal");
	if (write(tty_fd, "Retype new password: ", 21) < 0)
		(void)0;
	m = read_secret_line(tty_fd, again, "terminal");
	tty_restore();
	close(tty_fd);
	tty_fd = -1;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	if (n != m || sodium_memcmp(buf, again, n) != 0) {
		sodium_memzero(buf, SECRET_MAX);
		sodium_memzero(again, sizeof again);
		log_die(RC_REFUSED, "passwords do not match");
	}
	sodium_memzero(again, sizeof again);
	if (n == 0)
		log_die(RC_REFUSED, "empty password");
	return n;
}

static int
collect(void *arg, unsigned lineno, const char *s, size_t n,
    const struct passwd_entry *e)
{
	struct db *db = arg;
	struct line *l;

	(void)lineno;
	if (db->nlines == db->cap) {
		size_t ncap = db->cap ? db->cap * 2 : 256;
		struct line *nl = reallocarray(db->lines, ncap, sizeof *nl);

		if (nl == NULL)
			return -1;
		db->lines = nl;
		db->cap = ncap;
	}
	l = &db->lines[db->nlines++];
	l->off = (size_t)(s - db->text.s);
	l->len = n;
	l->user_len = e != NULL ? strlen(e->user) : 0;
	return 0;
}

static void
report(const struct passwd_err *err)
{
	if (err->line > 0)
		log_die(RC_REFUSED, "%s/%s:%u:%u: %s", control_dir(),
		    AUTH_PASSWD, err->line, err->col, err->reason);
	log_die(errno == EINVAL ? RC_REFUSED : RC_TEMP, "%s/%s: %s",
	    control_dir(), AUTH_PASSWD, err->reason);
}

/* Reads and parses the text file; a missing one is empty. */
static void
db_load(struct db *db)
{
	struct passwd_err err;
	int fd;

	fd = openat(db->dirfd, AUTH_PASSWD, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno != ENOENT)
		die_sys("open", AUTH_PASSWD);
	if (fd >= 0) {
		if (fstat(fd, &db->st) < 0)
			die_sys("stat", AUTH_PASSWD);
		if (!S_ISREG(db->st.st_mode))
			log_die(RC_REFUSED, "%s/%s: not a regular file",
			    control_dir(), AUTH_PASSWD);
		db->exists = 1;
		for (;;) {
			ssize_t r;

			if (str_reserve(&db->text, 65536) < 0)
				die_sys("read", AUTH_PASSWD);
			r = read(fd, db->text.s + db->text.len, 65536);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				die_sys("read", AUTH_PASSWD);
			if (r == 0)
				break;
			db->text.len += (size_t)r;
			db->text.s[db->text.len] = '\0';
			if (db->text.len > PASSWD_FILE_MAX)
				break;
		}
		close(fd);
	}
	if (passwd_parse_file(db->text.s != NULL ? db->text.s : "",
	    db->text.len, collect, db, &err) < 0)
		report(&err);
}

static int
db_free(struct db *db, int rc)
{
	str_wipe(&db->text);
	free(db->lines);
	db->lines = NULL;
	db->nlines = db->cap = 0;
	return rc;
}

static struct line *
db_find(struct db *db, const char *user)
{
	size_t i, n = strlen(user);

	for (i = 0; i < db->nlines; i++) {
		struct line *l = &db->lines[i];

		if (l->user_len == n &&
		    memcmp(db->text.s + l->off, user, n) == 0)
			return l;
	}
	return NULL;
}

static void
entry_of(struct db *db, const struct line *l, struct passwd_entry *e)
{
	struct passwd_err err;

	if (passwd_parse_line(db->text.s + l->off, l->len, e, &err) < 0)
		log_die(RC_TEMP, "entry changed under us: %s", err.reason);
}

/* Creates tmpname for the new contents, owned and moded like the old. */
static int
tmp_create(struct db *db, const char *tmpname)
{
	mode_t mode = db->exists ? db->st.st_mode & 0777 : 0600;
	int fd;

	/* A tmp file left by a crash of an earlier run of this pid. */
	if (unlinkat(db->dirfd, tmpname, 0) < 0 && errno != ENOENT)
		die_sys("remove", tmpname);
	fd = durable_create(db->dirfd, tmpname, mode & 0700);
	if (fd < 0)
		die_sys("create", tmpname);
	if (db->exists && geteuid() == 0 &&
	    fchown(fd, db->st.st_uid, db->st.st_gid) < 0)
		die_sys("chown", tmpname);
	if (fchmod(fd, mode) < 0)
		die_sys("chmod", tmpname);
	return fd;
}

struct cdbctx {
	struct cdb_make cm;
	int fail;
};

static int
cdb_each(void *arg, unsigned lineno, const char *s, size_t n,
    const struct passwd_entry *e)
{
	struct cdbctx *c = arg;

	(void)lineno;
	if (e == NULL)
		return 0;
	if (cdb_make_add(&c->cm, e->user, (unsigned)strlen(e->user), s,
	    (unsigned)n) < 0) {
		c->fail = 1;
		return -1;
	}
	return 0;
}

/* A hash of a random password, made with the site's cost, for checkpw
 * to verify unknown users against. */
static void
make_dummy(const struct auth_conf *conf, char out[crypto_pwhash_STRBYTES])
{
	unsigned char rnd[32];

	randombytes_buf(rnd, sizeof rnd);
	if (crypto_pwhash_str(out, (const char *)rnd, sizeof rnd, conf->hash.t,
	    (size_t)conf->hash.m_kib * 1024) != 0)
		log_die(RC_TEMP, "unable to hash: out of memory");
	sodium_memzero(rnd, sizeof rnd);
}

/*
 * Writes text as the new passwd and its cdb, then moves both into place.
 * The text goes first: it is the source of truth, and if a crash comes
 * between the two renames, "facteur-passwd compile" rebuilds the cdb.
 */
static void
db_store(struct db *db, const struct str *text, const struct auth_conf *conf)
{
	char tmp_text[64], tmp_cdb[64], dummy[crypto_pwhash_STRBYTES];
	struct passwd_err err;
	struct cdbctx c;
	int fd;

	snprintf(tmp_text, sizeof tmp_text, "%s.tmp.%ld", AUTH_PASSWD,
	    (long)getpid());
	snprintf(tmp_cdb, sizeof tmp_cdb, "%s.tmp.%ld", AUTH_CDB,
	    (long)getpid());

	fd = tmp_create(db, tmp_text);
	if (durable_write(fd, text->s != NULL ? text->s : "", text->len) < 0 ||
	    durable_fsync(fd) < 0 || close(fd) < 0)
		die_sys("write", tmp_text);

	fd = tmp_create(db, tmp_cdb);
	memset(&c, 0, sizeof c);
	if (cdb_make_start(&c.cm, fd) < 0)
		die_sys("write", tmp_cdb);
	if (passwd_parse_file(text->s != NULL ? text->s : "", text->len,
	    cdb_each, &c, &err) < 0) {
		if (c.fail)
			die_sys("write", tmp_cdb);
		report(&err);
	}
	make_dummy(conf, dummy);
	if (cdb_make_add(&c.cm, AUTH_DUMMY_KEY, sizeof AUTH_DUMMY_KEY - 1, dummy,
	    (unsigned)strlen(dummy)) < 0 || cdb_make_finish(&c.cm) < 0 ||
	    durable_fsync(fd) < 0 || close(fd) < 0)
		die_sys("write", tmp_cdb);

	if (durable_rename(db->dirfd, tmp_text, db->dirfd, AUTH_PASSWD) < 0)
		die_sys("rename", tmp_text);
	if (durable_rename(db->dirfd, tmp_cdb, db->dirfd, AUTH_CDB) < 0)
		die_sys("rename", tmp_cdb);
	if (durable_dirsync(db->dirfd) < 0)
		die_sys("sync", ".");
}

/* The file's text with line l replaced by repl (NULL: deleted), or with
 * repl appended when l is NULL. */
static void
rebuild(const struct db *db, const struct line *l, const struct str *repl,
    struct str *out)
{
	size_t i;

	for (i = 0; i < db->nlines; i++) {
		const struct line *x = &db->lines[i];

		if (x == l) {
			if (repl != NULL && (str_append(out, repl->s,
			    repl->len) < 0 || str_appendc(out, '\n') < 0))
				goto nomem;
			continue;
		}
		if (str_append(out, db->text.s + x->off, x->len) < 0 ||
		    str_appendc(out, '\n') < 0)
			goto nomem;
	}
	if (l == NULL && repl != NULL &&
	    (str_append(out, repl->s, repl->len) < 0 ||
	    str_appendc(out, '\n') < 0))
		goto nomem;
	return;
nomem:
	log_die(RC_TEMP, "out of memory");
}

static uint32_t
parse_id(const char *what, const char *s)
{
	uint64_t v;

	if (num_u64z(s, UINT32_MAX - 1, &v) < 0 || v == 0)
		log_die(RC_USAGE, "%s must be 1 to 4294967294: %s", what, s);
	return (uint32_t)v;
}

static void
set_path(char *dst, const char *what, const char *s)
{
	if (strlen(s) > PASSWD_PATH_MAX)
		log_die(RC_USAGE, "%s longer than %d bytes", what,
		    PASSWD_PATH_MAX);
	snprintf(dst, PASSWD_PATH_MAX + 1, "%s", s);
}

/* Hashes a new password into e, with its CRAM-MD5 key if asked. */
static void
set_secret(const struct opts *o, struct auth_conf *conf,
    struct passwd_entry *e)
{
	char secret[SECRET_MAX];
	uint64_t v;
	size_t n;

	if (o->passes != NULL) {
		if (num_u64z(o->passes, 1000, &v) < 0 || v < 1)
			log_die(RC_USAGE, "-T must be 1 to 1000");
		conf->hash.t = v;
	}
	if (o->memory != NULL) {
		if (num_u64z(o->memory, 64ULL * 1024 * 1024, &v) < 0 || v < 8)
			log_die(RC_USAGE, "-M must be 8 to 67108864 (KiB)");
		conf->hash.m_kib = v;
	}
	if (!passwd_cost_within(&conf->hash, &conf->max))
		log_die(RC_REFUSED, "cost t=%llu m=%llu exceeds the ceiling "
				    "checkpw accepts (argon2_max_passes %llu, "
				    "argon2_max_memory %llu)",
		    (unsigned long long)conf->hash.t,
		    (unsigned long long)conf->hash.m_kib,
		    (unsigned long long)conf->max.t,
		    (unsigned long long)conf->max.m_kib);
	n = get_secret(o, secret);
	if (o->cram && n > PASSWD_CRAM_MAX) {
		sodium_memzero(secret, sizeof secret);
		log_die(RC_REFUSED, "a CRAM-MD5 password is at most %d bytes",
		    PASSWD_CRAM_MAX);
	}
	if (crypto_pwhash_str(e->hash, secret, n, conf->hash.t,
	    (size_t)conf->hash.m_kib * 1024) != 0) {
		sodium_memzero(secret, sizeof secret);
		log_die(RC_TEMP, "unable to hash: out of memory");
	}
	sodium_memzero(e->cram, sizeof e->cram);
	e->cram_len = 0;
	if (o->cram) {
		memcpy(e->cram, secret, n);
		e->cram_len = n;
	}
	sodium_memzero(secret, sizeof secret);
}

static void
store_entry(struct db *db, struct line *l, const struct passwd_entry *e,
    const struct auth_conf *conf, int remove)
{
	struct str line = STR_INIT, text = STR_INIT;

	if (!remove && passwd_format(e, &line) < 0)
		log_die(RC_USAGE, "invalid entry for %s", e->user);
	rebuild(db, l, remove ? NULL : &line, &text);
	str_wipe(&line);
	db_store(db, &text, conf);
	str_wipe(&text);
}

static int
lock_db(int dirfd)
{
	int fd, i;

	fd = openat(dirfd, "passwd.lock", O_RDWR | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd < 0)
		die_sys("open", "passwd.lock");
	/* Bounded: 100 tries, 100 ms apart. */
	for (i = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; i++) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			die_sys("lock", "passwd.lock");
		if (i == 100)
			log_die(RC_TEMP, "%s/passwd.lock: still locked after "
					 "10 seconds", control_dir());
		usleep(100000);
	}
	return fd;
}

static void
parse_opts(int argc, char **argv, const char *optstr, struct opts *o)
{
	int c;

	optind = 1;
	while ((c = getopt(argc, argv, optstr)) != -1) {
		switch (c) {
		case 's': o->scripted = 1; break;
		case 'c': o->cram = 1; break;
		case 'C': o->nocram = 1; break;
		case 'u': o->uid = optarg; break;
		case 'g': o->gid = optarg; break;
		case 'd': o->home = optarg; break;
		case 'm': o->maildir = optarg; break;
		case 'T': o->passes = optarg; break;
		case 'M': o->memory = optarg; break;
		default: usage();
		}
	}
	if (argc - optind != 1)
		usage();
	o->user = argv[optind];
	if (passwd_user_ok(o->user, strlen(o->user)) < 0)
		log_die(RC_USAGE, "bad user name (at most %d bytes of "
				  "A-Za-z0-9._%%+@-, starting alphanumeric)",
		    PASSWD_USER_MAX);
}

/* -t: the text file is valid, and every hash within the ceiling. */
static int
check_costs(void *arg, unsigned lineno, const char *s, size_t n,
    const struct passwd_entry *e)
{
	const struct auth_conf *conf = arg;

	(void)s;
	(void)n;
	if (e != NULL && !passwd_cost_within(&e->cost, &conf->max)) {
		log_error("%s/%s:%u:%u: hash cost m=%llu,t=%llu,p=%llu exceeds "
			  "the site's ceiling",
		    control_dir(), AUTH_PASSWD, lineno,
		    (unsigned)(strlen(e->user) + 2 + (e->locked ? 1U : 0U)),
		    (unsigned long long)e->cost.m_kib,
		    (unsigned long long)e->cost.t,
		    (unsigned long long)e->cost.p);
		exit(RC_REFUSED);
	}
	return 0;
}

struct sync {
	struct cdb cdb;
	char *buf;
	unsigned stale_line;
};

/* -t: is this entry in the cdb, byte for byte? */
static int
check_sync(void *arg, unsigned lineno, const char *s, size_t n,
    const struct passwd_entry *e)
{
	struct sync *sy = arg;
	unsigned len;

	if (e == NULL || sy->stale_line != 0)
		return 0;
	if (cdb_find(&sy->cdb, e->user, (unsigned)strlen(e->user)) <= 0 ||
	    (len = cdb_datalen(&sy->cdb)) != n ||
	    cdb_read(&sy->cdb, sy->buf, len, cdb_datapos(&sy->cdb)) < 0 ||
	    memcmp(sy->buf, s, n) != 0)
		sy->stale_line = lineno;
	return 0;
}

/*
 * -t, second part: the cdb checkpw reads holds exactly the text's
 * entries (it may not after a hand edit or a crash between renames).
 */
static void
check_cdb(struct db *db, long entries)
{
	struct passwd_err err;
	struct sync sy;
	unsigned pos;
	long records = 0;
	int fd;

	memset(&sy, 0, sizeof sy);
	fd = openat(db->dirfd, AUTH_CDB, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		log_die(RC_REFUSED, "%s/%s: %s (run facteur-passwd compile)",
		    control_dir(), AUTH_CDB, strerror(errno));
	if (cdb_init(&sy.cdb, fd) < 0)
		log_die(RC_REFUSED, "%s/%s: not a cdb (run facteur-passwd "
				    "compile)", control_dir(), AUTH_CDB);
	sy.buf = malloc(PASSWD_LINE_MAX + 1);
	if (sy.buf == NULL)
		log_die(RC_TEMP, "out of memory");
	if (passwd_parse_file(db->text.s != NULL ? db->text.s : "",
	    db->text.len, check_sync, &sy, &err) < 0)
		report(&err);
	if (sy.stale_line != 0)
		log_die(RC_REFUSED, "%s/%s:%u:1: entry differs in %s (run "
				    "facteur-passwd compile)", control_dir(),
		    AUTH_PASSWD, sy.stale_line, AUTH_CDB);
	cdb_seqinit(&pos, &sy.cdb);
	while (cdb_seqnext(&pos, &sy.cdb) > 0)
		records++;
	if (cdb_find(&sy.cdb, AUTH_DUMMY_KEY, sizeof AUTH_DUMMY_KEY - 1) <= 0)
		log_die(RC_REFUSED, "%s/%s: no %s record (run facteur-passwd "
				    "compile)", control_dir(), AUTH_CDB,
		    AUTH_DUMMY_KEY);
	if (records != entries + 1)
		log_die(RC_REFUSED, "%s/%s: %ld records for %ld users (run "
				    "facteur-passwd compile)", control_dir(),
		    AUTH_CDB, records, entries);
	sodium_memzero(sy.buf, PASSWD_LINE_MAX + 1);
	free(sy.buf);
	cdb_free(&sy.cdb);
	close(fd);
}

static int
cmd_check(struct db *db, const struct auth_conf *conf)
{
	struct passwd_err err;
	long n;

	db_load(db);
	if (!db->exists)
		log_die(RC_REFUSED, "%s/%s: does not exist", control_dir(),
		    AUTH_PASSWD);
	n = passwd_parse_file(db->text.s != NULL ? db->text.s : "",
	    db->text.len, check_costs, (void *)conf, &err);
	if (n < 0)
		report(&err);
	check_cdb(db, n);
	return RC_OK;
}

static int
cmd_list(struct db *db)
{
	struct passwd_entry e;
	size_t i;

	db_load(db);
	for (i = 0; i < db->nlines; i++) {
		if (db->lines[i].user_len == 0)
			continue;
		entry_of(db, &db->lines[i], &e);
		printf("%s\t%lu\t%lu\t%s\t%s%s\t%s\t%s\n", e.user,
		    (unsigned long)e.uid, (unsigned long)e.gid, e.home,
		    e.maildir[0] != '\0' ? e.maildir : e.home,
		    e.maildir[0] != '\0' ? "" : "/Maildir/",
		    e.locked ? "locked" : "active",
		    e.cram_len > 0 ? "cram-md5" : "-");
		sodium_memzero(&e, sizeof e);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		log_die(RC_TEMP, "unable to write the list: %s",
		    strerror(errno));
	return RC_OK;
}

int
main(int argc, char **argv)
{
	struct auth_conf conf;
	struct opts o;
	struct db db;
	struct line *l;
	struct passwd_entry e;
	const char *cmd;
	char errbuf[512];

	log_init(argv[0]);
	if (sodium_init() < 0)
		log_die(RC_TEMP, "unable to initialize libsodium");
	umask(077);
	memset(&o, 0, sizeof o);
	memset(&db, 0, sizeof db);
	if (argc < 2)
		usage();
	cmd = argv[1];
	if (auth_conf_read(&conf, errbuf, sizeof errbuf) < 0)
		log_die(RC_REFUSED, "%s", errbuf);
	db.dirfd = open(control_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (db.dirfd < 0)
		log_die(RC_TEMP, "unable to open %s: %s", control_dir(),
		    strerror(errno));

	if (strcmp(cmd, "-t") == 0) {
		if (argc != 2)
			usage();
		return db_free(&db, cmd_check(&db, &conf));
	}
	if (strcmp(cmd, "list") == 0) {
		if (argc != 2)
			usage();
		return db_free(&db, cmd_list(&db));
	}

	lock_db(db.dirfd);
	if (strcmp(cmd, "compile") == 0) {
		if (argc != 2)
			usage();
		db_load(&db);
		db_store(&db, &db.text, &conf);
		return db_free(&db, RC_OK);
	}
	if (strcmp(cmd, "add") == 0) {
		parse_opts(argc - 1, argv + 1, "+scu:g:d:m:T:M:", &o);
		if (o.uid == NULL || o.gid == NULL || o.home == NULL)
			log_die(RC_USAGE, "add needs -u uid -g gid -d home");
		db_load(&db);
		if (db_find(&db, o.user) != NULL)
			log_die(RC_REFUSED, "user %s exists", o.user);
		memset(&e, 0, sizeof e);
		snprintf(e.user, sizeof e.user, "%s", o.user);
		e.uid = parse_id("uid", o.uid);
		e.gid = parse_id("gid", o.gid);
		set_path(e.home, "home", o.home);
		if (o.maildir != NULL)
			set_path(e.maildir, "maildir", o.maildir);
		set_secret(&o, &conf, &e);
		store_entry(&db, NULL, &e, &conf, 0);
		sodium_memzero(&e, sizeof e);
		return db_free(&db, RC_OK);
	}

	if (strcmp(cmd, "passwd") == 0)
		parse_opts(argc - 1, argv + 1, "+scT:M:", &o);
	else if (strcmp(cmd, "change") == 0)
		parse_opts(argc - 1, argv + 1, "+Cu:g:d:m:", &o);
	else if (strcmp(cmd, "del") == 0 || strcmp(cmd, "lock") == 0 ||
	    strcmp(cmd, "unlock") == 0)
		parse_opts(argc - 1, argv + 1, "+", &o);
	else
		usage();
	db_load(&db);
	l = db_find(&db, o.user);
	if (l == NULL)
		log_die(RC_REFUSED, "no such user %s", o.user);
	entry_of(&db, l, &e);
	if (strcmp(cmd, "passwd") == 0) {
		set_secret(&o, &conf, &e);
	} else if (strcmp(cmd, "change") == 0) {
		if (o.uid != NULL)
			e.uid = parse_id("uid", o.uid);
		if (o.gid != NULL)
			e.gid = parse_id("gid", o.gid);
		if (o.home != NULL)
			set_path(e.home, "home", o.home);
		if (o.maildir != NULL)
			set_path(e.maildir, "maildir", o.maildir);
		if (o.nocram) {
			sodium_memzero(e.cram, sizeof e.cram);
			e.cram_len = 0;
		}
	} else if (strcmp(cmd, "lock") == 0) {
		e.locked = 1;
	} else if (strcmp(cmd, "unlock") == 0) {
		e.locked = 0;
	}
	store_entry(&db, l, &e, &conf, strcmp(cmd, "del") == 0);
	sodium_memzero(&e, sizeof e);
	return db_free(&db, RC_OK);
}
