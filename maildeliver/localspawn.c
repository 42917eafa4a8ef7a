/*
 * localspawn — deliver one message to one local recipient, as that
 * recipient.
 *
 *   localspawn SENDER RECIPIENT KIND TARGET  < message
 *
 * KIND is user (TARGET a user name, name+ext, or a virtual user's
 * address), pipe (TARGET a shell command, run as alias_user) or maildir
 * (TARGET a Maildir path, delivered into as its owner).  The only root
 * part of local delivery: it finds the identity, switches to it for good
 * (groups, gid, uid), and only then runs maildeliver or the command,
 * waits for it and turns its result into an exit code (0 delivered, 100
 * permanent, 111 temporary) and one line on stderr that starts with an
 * RFC 3463 status code.  Nothing runs as root after the switch; uid 0 is
 * never a target.  See localspawn(8).
 */
#include <cdb.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "maildir.h"
#include "msgfilter.h"
#include "passwd.h"
#include "str.h"

enum rc { RC_OK = 0, RC_PERM = 100, RC_TEMP = 111 };

#define DEFAULT_ETC "/etc/facteur"
#define DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"
#define ADDR_MAX 998	    /* a header line must fit in 998 bytes */
#define OUT_MAX 1024	    /* output of the child kept for the reason */
#define REASON_MAX 400	    /* bytes of that output in the one line */
#define DEFAULT_TIME_LIMIT 1000 /* seconds, Postfix's command_time_limit */

enum kind { K_USER, K_PIPE, K_MAILDIR };

/* The identity a delivery runs as. */
struct who {
	uid_t uid;
	gid_t gid;
	char name[PASSWD_USER_MAX + 1]; /* for initgroups; "" = gid only */
	char home[PATH_MAX];
	char maildir[PATH_MAX];
};

static int timed_out; /* the time limit ran out */

/*
 * Ends with code and one line on stderr: the status code, then the
 * reason, its unprintable bytes escaped, cut to a sane length.
 */
static void __attribute__((noreturn, format(printf, 3, 4)))
finish(int code, const char *status, const char *fmt, ...)
{
	char msg[2048], esc[1024], line[1100];
	va_list ap;
	size_t n;
	int l;

	va_start(ap, fmt);
	l = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	n = l < 0 ? 0 : (size_t)l >= sizeof msg ? sizeof msg - 1 : (size_t)l;
	n = log_escape(esc, sizeof esc, msg, n);
	l = snprintf(line, sizeof line, "%s %s%s\n", status, esc,
	    n + 1 >= sizeof esc ? "..." : "");
	if (l > 0 && write(2, line, (size_t)l < sizeof line ? (size_t)l
							     : sizeof line - 1) < 0)
		(void)0;
	exit(code);
}

#define temp(...) finish(RC_TEMP, __VA_ARGS__)
#define perm(...) finish(RC_PERM, __VA_ARGS__)

static void __attribute__((noreturn))
usage(void)
{
	temp("4.3.5", "usage: localspawn SENDER RECIPIENT user|pipe|maildir "
		      "TARGET < message, or localspawn -t");
}

static void
set_env(const char *name, const char *value)
{
	if (setenv(name, value, 1) != 0)
		temp("4.3.0", "out of memory");
}

/* ------------------------------------------------------------ users */

static int
lookup_virtual(const char *etc, const char *name, struct who *w)
{
	static struct passwd_entry e;
	char path[PATH_MAX], rec[PASSWD_LINE_MAX + 1];
	struct passwd_err perr;
	unsigned dlen;
	int fd, r;

	if (passwd_user_ok(name, strlen(name)) < 0)
		return 0;
	snprintf(path, sizeof path, "%s/passwd.cdb", etc);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		temp("4.3.0", "unable to open %s: %s", path, strerror(errno));
	}
	r = cdb_seek(fd, name, (unsigned)strlen(name), &dlen);
	if (r < 0)
		temp("4.3.0", "unable to read %s: %s", path,
		    errno ? strerror(errno) : "bad cdb");
	if (r == 0) {
		close(fd);
		return 0;
	}
	if (dlen > PASSWD_LINE_MAX)
		temp("4.3.0", "%s: record for %s is too long", path, name);
	if (cdb_bread(fd, rec, (int)dlen) < 0)
		temp("4.3.0", "unable to read %s: %s", path,
		    errno ? strerror(errno) : "short file");
	close(fd);
	rec[dlen] = '\0';
	if (passwd_parse_line(rec, dlen, &e, &perr) < 0)
		temp("4.3.0", "%s: entry for %s: column %u: %s", path, name,
		    perr.col, perr.reason);
	if (strcmp(e.user, name) != 0)
		temp("4.3.0", "%s: entry for %s is filed under another name",
		    path, name);
	w->uid = e.uid;
	w->gid = e.gid;
	snprintf(w->name, sizeof w->name, "%s", e.user);
	snprintf(w->home, sizeof w->home, "%s", e.home);
	if (e.maildir[0] != '\0')
		snprintf(w->maildir, sizeof w->maildir, "%s", e.maildir);
	else
		snprintf(w->maildir, sizeof w->maildir, "%s%sMaildir/", e.home,
		    e.home[strlen(e.home) - 1] == '/' ? "" : "/");
	/* A virtual user gets its gid alone, unless it is a system user. */
	{
		struct passwd *pw = getpwuid(e.uid);

		if (pw == NULL || strlen(pw->pw_name) > PASSWD_USER_MAX)
			w->name[0] = '\0';
		else
			snprintf(w->name, sizeof w->name, "%s", pw->pw_name);
	}
	memset(&e, 0, sizeof e);
	return 1;
}

/* getpwnam, telling "no such user" from "could not look". */
static struct passwd *
pw_lookup(const char *name)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(name);
	if (pw == NULL && (errno == EIO || errno == EMFILE ||
	    errno == ENFILE || errno == ENOMEM || errno == EINTR ||
	    errno == EAGAIN))
		temp("4.3.0", "unable to look up user %s: %s", name,
		    strerror(errno));
	return pw;
}

static int
lookup_system(const char *name, struct who *w)
{
	struct passwd *pw;

	if (strchr(name, '@') != NULL || strlen(name) > PASSWD_USER_MAX)
		return 0;
	pw = pw_lookup(name);
	if (pw == NULL)
		return 0;
	if (pw->pw_uid == 0)
		perm("5.7.1", "refusing to deliver as root to %s (give root an "
			      "alias)", name);
	if (pw->pw_dir == NULL || pw->pw_dir[0] != '/')
		temp("4.3.5", "user %s has no absolute home directory", name);
	w->uid = pw->pw_uid;
	w->gid = pw->pw_gid;
	snprintf(w->name, sizeof w->name, "%s", pw->pw_name);
	if (snprintf(w->home, sizeof w->home, "%s", pw->pw_dir) >=
	    (int)sizeof w->home)
		temp("4.3.5", "home directory of %s too long", name);
	snprintf(w->maildir, sizeof w->maildir, "%s%sMaildir/", pw->pw_dir,
	    pw->pw_dir[strlen(pw->pw_dir) - 1] == '/' ? "" : "/");
	return 1;
}

static int
lookup_one(const char *etc, const char *name, struct who *w)
{
	char low[PASSWD_USER_MAX + 1];
	size_t n = strlen(name), i;

	if (lookup_virtual(etc, name, w) || lookup_system(name, w))
		return 1;
	if (n > PASSWD_USER_MAX)
		return 0;
	for (i = 0; i <= n; i++)
		low[i] = name[i] >= 'A' && name[i] <= 'Z'
		    ? (char)(name[i] - 'A' + 'a') : name[i];
	if (strcmp(low, name) == 0)
		return 0;
	return lookup_virtual(etc, low, w) || lookup_system(low, w);
}

/*
 * Finds the user for TARGET: the name as given, else (name+ext or
 * name+ext@domain) the name without its extension, which goes to *ext_r.
 */
static void
lookup_user(const char *etc, const char *target, struct who *w,
    char *ext, size_t extsz)
{
	char base[PASSWD_USER_MAX + 1];
	const char *at, *plus;
	size_t ll;

	ext[0] = '\0';
	if (lookup_one(etc, target, w))
		return;
	at = strrchr(target, '@');
	ll = at != NULL ? (size_t)(at - target) : strlen(target);
	plus = memchr(target, '+', ll);
	if (plus != NULL && plus > target) {
		size_t bl = (size_t)(plus - target);
		size_t el = ll - bl - 1;
		int n = snprintf(base, sizeof base, "%.*s%s", (int)bl, target,
		    at != NULL ? at : "");

		if (n > 0 && (size_t)n < sizeof base && el < extsz &&
		    lookup_one(etc, base, w)) {
			memcpy(ext, plus + 1, el);
			ext[el] = '\0';
			return;
		}
	}
	perm("5.1.1", "no such user %s", target);
}

/* The identity for a Maildir: its directory's owner (or its parent's,
 * if it is still to be made). */
static void
lookup_maildir(const char *path, struct who *w)
{
	struct passwd *pw;
	struct stat st;
	char parent[PATH_MAX];
	size_t n = strlen(path);

	if (path[0] != '/')
		temp("4.3.5", "Maildir path %s is not absolute", path);
	if (n >= sizeof w->maildir)
		temp("4.3.5", "Maildir path too long");
	if (stat(path, &st) < 0) {
		const char *slash;

		if (errno != ENOENT)
			temp("4.3.0", "unable to stat %s: %s", path,
			    strerror(errno));
		while (n > 1 && path[n - 1] == '/')
			n--;
		slash = memrchr(path, '/', n);
		if (slash == NULL || slash == path)
			snprintf(parent, sizeof parent, "/");
		else
			snprintf(parent, sizeof parent, "%.*s",
			    (int)(slash - path), path);
		if (stat(parent, &st) < 0)
			temp("4.2.1", "Maildir %s does not exist, nor does %s",
			    path, parent);
	}
	if (!S_ISDIR(st.st_mode))
		temp("4.2.1", "%s is not a directory", path);
	{
		/* A symbolic link must belong to the directory's owner: its
		 * owner could otherwise deliver as somebody else. */
		struct stat lst;

		n = strlen(path);
		while (n > 1 && path[n - 1] == '/')
			n--;
		snprintf(parent, sizeof parent, "%.*s", (int)n, path);
		if (lstat(parent, &lst) == 0 && S_ISLNK(lst.st_mode) &&
		    lst.st_uid != st.st_uid)
			temp("4.3.5", "%s is a symbolic link owned by uid %lu, "
				      "not by its target's owner", parent,
			    (unsigned long)lst.st_uid);
	}
	if (st.st_uid == 0)
		temp("4.3.5", "refusing to deliver as root into %s (owned by "
			      "root)", path);
	w->uid = st.st_uid;
	w->gid = st.st_gid;
	w->name[0] = '\0';
	snprintf(w->home, sizeof w->home, "/");
	pw = getpwuid(st.st_uid);
	if (pw != NULL && strlen(pw->pw_name) <= PASSWD_USER_MAX) {
		snprintf(w->name, sizeof w->name, "%s", pw->pw_name);
		if (pw->pw_dir != NULL && pw->pw_dir[0] == '/')
			snprintf(w->home, sizeof w->home, "%s", pw->pw_dir);
	}
	memcpy(w->maildir, path, strlen(path) + 1);
}

/* The user commands run as: the control file alias_user. */
static void
lookup_alias_user(struct who *w)
{
	struct control_err err;
	struct str name = STR_INIT;
	struct passwd *pw;
	char buf[512];

	if (control_str("alias_user", "nobody", &name, &err) < 0) {
		control_err_format(&err, buf, sizeof buf);
		temp("4.3.5", "bad control file: %s", buf);
	}
	pw = pw_lookup(name.s);
	if (pw == NULL)
		temp("4.3.5", "alias_user %s does not exist", name.s);
	if (pw->pw_uid == 0)
		temp("4.3.5", "alias_user %s is root: commands never run as "
			      "root", name.s);
	w->uid = pw->pw_uid;
	w->gid = pw->pw_gid;
	snprintf(w->name, sizeof w->name, "%s",
	    strlen(pw->pw_name) <= PASSWD_USER_MAX ? pw->pw_name : "");
	snprintf(w->home, sizeof w->home, "%s",
	    pw->pw_dir != NULL && pw->pw_dir[0] == '/' ? pw->pw_dir : "/");
	w->maildir[0] = '\0';
	str_free(&name);
}

/* ------------------------------------------------------------ identity */

/*
 * Becomes w for good: supplementary groups, gid, uid, all three of each;
 * checks that it took and that root cannot come back.  Not root, only
 * the own uid is possible.
 */
static void
become(const struct who *w)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg, gid = w->gid;

	if (w->uid == 0)
		temp("4.3.5", "refusing to run as root");
	if (geteuid() != 0) {
		if (w->uid != geteuid())
			temp("4.3.0", "localspawn runs as uid %lu, not root: "
				      "unable to deliver as uid %lu",
			    (unsigned long)geteuid(), (unsigned long)w->uid);
		/* Drop a set-id's leftovers, keep our own groups. */
		if (setresuid(w->uid, w->uid, w->uid) < 0)
			temp("4.3.0", "unable to set uid: %s", strerror(errno));
		return;
	}
	if (w->name[0] != '\0' ? initgroups(w->name, gid) < 0
			       : setgroups(1, &gid) < 0)
		temp("4.3.0", "unable to set groups for uid %lu: %s",
		    (unsigned long)w->uid, strerror(errno));
	if (setresgid(gid, gid, gid) < 0)
		temp("4.3.0", "unable to set gid %lu: %s", (unsigned long)gid,
		    strerror(errno));
	if (setresuid(w->uid, w->uid, w->uid) < 0)
		temp("4.3.0", "unable to set uid %lu: %s",
		    (unsigned long)w->uid, strerror(errno));
	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0 ||
	    ru != w->uid || eu != w->uid || su != w->uid || rg != gid ||
	    eg != gid || sg != gid)
		temp("4.3.0", "identity switch to uid %lu did not take",
		    (unsigned long)w->uid);
	if (setuid(0) == 0 || seteuid(0) == 0)
		temp("4.3.0", "root privileges still present after the switch");
}

/* ------------------------------------------------------------ running */

struct result {
	int status; /* from waitpid */
	char out[OUT_MAX + 1];
	size_t outlen;
};

static long
ms_left(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

/* Reads what the pipe has: 1 read some, 0 at its end (or on an error),
 * -1 nothing there now. */
static int
take_output(int fd, struct result *res)
{
	char drain[4096];
	size_t room = OUT_MAX - res->outlen;
	ssize_t r;

	r = read(fd, room > 0 ? res->out + res->outlen : drain,
	    room > 0 ? room : sizeof drain);
	if (r < 0)
		return errno == EINTR ? 1 : errno == EAGAIN ? -1 : 0;
	if (r == 0)
		return 0;
	if (room > 0)
		res->outlen += (size_t)r;
	return 1;
}

/*
 * Runs argv (stdin: fd 0; stdout and stderr into a pipe read here) in
 * its own process group, for at most limit seconds; then the whole group
 * is killed.  The child's end is watched through a pidfd, so a
 * grandchild that keeps the pipe open does not hold the delivery up.
 */
static void
run(const char *path, char *const argv[], unsigned limit, struct result *res)
{
	struct timespec deadline;
	struct pollfd fds[2];
	int pfd[2], pidfd, out_open = 1, exited = 0;
	pid_t pid;

	memset(res, 0, sizeof *res);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		temp("4.3.0", "unable to make a pipe: %s", strerror(errno));
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += (time_t)limit;
	pid = fork();
	if (pid < 0)
		temp("4.3.0", "unable to fork: %s", strerror(errno));
	if (pid == 0) {
		static const char msg[] = "unable to run the program\n";

		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		if (dup2(pfd[1], 1) < 0 || dup2(pfd[1], 2) < 0)
			_exit(RC_TEMP);
		execv(path, argv);
		if (write(2, msg, sizeof msg - 1) < 0)
			(void)0;
		_exit(RC_TEMP);
	}
	setpgid(pid, pid);
	close(pfd[1]);
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	while (!exited) {
		long left = ms_left(&deadline);
		nfds_t n = 0;
		int r, i_out = -1, i_pid = -1;

		if (left <= 0) {
			timed_out = 1;
			break;
		}
		if (out_open) {
			fds[n].fd = pfd[0];
			fds[n].events = POLLIN;
			i_out = (int)n++;
		}
		if (pidfd >= 0) {
			fds[n].fd = pidfd;
			fds[n].events = POLLIN;
			i_pid = (int)n++;
		}
		if (n == 0) {
			/* No pidfd (old kernel) and the output is closed. */
			while (waitpid(pid, &res->status, 0) < 0)
				if (errno != EINTR)
					temp("4.3.0", "unable to wait: %s",
					    strerror(errno));
			exited = 1;
			break;
		}
		r = poll(fds, n, left > INT32_MAX ? INT32_MAX : (int)left);
		if (r < 0 && errno != EINTR)
			temp("4.3.0", "poll: %s", strerror(errno));
		if (r <= 0)
			continue;
		if (i_out >= 0 && fds[i_out].revents != 0)
			out_open = take_output(pfd[0], res) != 0;
		if (i_pid >= 0 && fds[i_pid].revents != 0) {
			pid_t w = waitpid(pid, &res->status, WNOHANG);

			if (w == pid)
				exited = 1;
			else if (w < 0 && errno != EINTR)
				temp("4.3.0", "unable to wait: %s",
				    strerror(errno));
		}
	}
	if (timed_out) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, &res->status, 0) < 0)
			if (errno != EINTR)
				temp("4.3.0", "unable to wait: %s",
				    strerror(errno));
	}
	/* What the child wrote before it ended. */
	while (out_open && take_output(pfd[0], res) > 0)
		;
	if (pidfd >= 0)
		close(pidfd);
	close(pfd[0]);
	res->out[res->outlen] = '\0';
}

/*
 * The output as one line: lines joined with " / ", the program-name
 * prefix of a facteur log line ("maildeliver: pid N: fatal: ") dropped.
 */
static void
one_line(const struct result *res, char *buf, size_t n)
{
	size_t o = 0, i = 0;

	buf[0] = '\0';
	while (i < res->outlen && o + 4 < n) {
		const char *s = res->out + i, *lf, *p;
		size_t l = res->outlen - i;

		lf = memchr(s, '\n', l);
		if (lf != NULL)
			l = (size_t)(lf - s);
		i += l + 1;
		if ((p = strstr(s, ": fatal: ")) != NULL && p < s + l) {
			l -= (size_t)(p + 9 - s);
			s = p + 9;
		} else if ((p = strstr(s, ": error: ")) != NULL && p < s + l) {
			l -= (size_t)(p + 9 - s);
			s = p + 9;
		}
		while (l > 0 && (s[l - 1] == '\r' || s[l - 1] == ' '))
			l--;
		if (l == 0)
			continue;
		if (o > 0) {
			memcpy(buf + o, " / ", 3);
			o += 3;
		}
		if (l > n - o - 1)
			l = n - o - 1;
		memcpy(buf + o, s, l);
		o += l;
		buf[o] = '\0';
	}
}

static unsigned
time_limit(void)
{
	struct control_err err;
	uint64_t v;
	char buf[512];

	if (control_u64("command_time_limit", DEFAULT_TIME_LIMIT, 86400, &v,
	    &err) < 0) {
		control_err_format(&err, buf, sizeof buf);
		temp("4.3.5", "bad control file: %s", buf);
	}
	return v == 0 ? DEFAULT_TIME_LIMIT : (unsigned)v;
}

/* Is prog an executable regular file?  Copies it into buf if so. */
static int
try_prog(char *buf, size_t n, const char *dir, const char *sub)
{
	struct stat st;
	int l = snprintf(buf, n, "%s%s/maildeliver", dir, sub);

	return l > 0 && (size_t)l < n && stat(buf, &st) == 0 &&
	    S_ISREG(st.st_mode) && access(buf, X_OK) == 0;
}

/*
 * maildeliver: $FACTEUR_LIBEXEC/maildeliver (trusted callers only), next
 * to localspawn, in ../bin from it, or on the default PATH.
 */
static void
find_maildeliver(const char *libexec, char *buf, size_t n)
{
	char self[PATH_MAX], *slash, *p, *save = NULL;
	char path[] = DEFAULT_PATH;
	ssize_t l;

	if (libexec != NULL && libexec[0] != '\0' &&
	    try_prog(buf, n, libexec, ""))
		return;
	l = readlink("/proc/self/exe", self, sizeof self - 1);
	if (l > 0) {
		self[l] = '\0';
		slash = strrchr(self, '/');
		if (slash != NULL) {
			*slash = '\0';
			if (try_prog(buf, n, self, "") ||
			    try_prog(buf, n, self, "/../bin"))
				return;
		}
	}
	for (p = strtok_r(path, ":", &save); p != NULL;
	     p = strtok_r(NULL, ":", &save))
		if (try_prog(buf, n, p, ""))
			return;
	temp("4.3.5", "unable to find maildeliver");
}

/* Does the message's header already name rcpt in a Delivered-To? */
static int
looping(const char *rcpt)
{
	static unsigned char in[16384], out[sizeof in + 1];
	struct msgfilter mf;
	off_t total = 0;
	ssize_t r;

	if (lseek(0, 0, SEEK_SET) < 0)
		return 0; /* not seekable: left to the command */
	msgfilter_init(&mf, rcpt);
	while (mf.in_header && total < 1024 * 1024) {
		r = read(0, in, sizeof in);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			temp("4.3.0", "unable to read the message: %s",
			    strerror(errno));
		if (r == 0)
			break;
		total += r;
		msgfilter_feed(&mf, in, (size_t)r, out);
	}
	msgfilter_end(&mf, out);
	if (lseek(0, 0, SEEK_SET) < 0)
		temp("4.3.0", "unable to rewind the message: %s",
		    strerror(errno));
	return mf.loop;
}

static void
check_addr(const char *what, const char *a)
{
	if (strlen(a) > ADDR_MAX)
		perm("5.1.3", "%s address longer than %d bytes", what, ADDR_MAX);
	if (strpbrk(a, "\r\n") != NULL)
		perm("5.1.3", "%s address contains a line break", what);
}

/* Exit code and line for maildeliver's result. */
static void __attribute__((noreturn))
maildeliver_result(const struct result *res, const struct who *w,
    const char *folder)
{
	char why[REASON_MAX + 1];
	int code;

	one_line(res, why, sizeof why);
	if (WIFSIGNALED(res->status))
		temp("4.3.0", "maildeliver killed by signal %d%s%s%s",
		    WTERMSIG(res->status), timed_out ? " (time limit)" : "",
		    why[0] ? ": " : "", why);
	code = WEXITSTATUS(res->status);
	if (code == 0)
		finish(RC_OK, "2.0.0", "delivered to %s%s%s", w->maildir,
		    folder[0] ? " folder " : "", folder);
	if (code == RC_PERM) {
		if (strstr(why, "over quota") != NULL)
			perm("5.2.2", "%s", why);
		if (strstr(why, "too big") != NULL)
			perm("5.2.3", "%s", why);
		if (strstr(why, "mail loop") != NULL)
			perm("5.4.6", "%s", why);
		perm("5.2.0", "%s", why[0] ? why : "maildeliver failed");
	}
	if (strstr(why, "over quota") != NULL)
		temp("4.2.2", "%s", why);
	if (strstr(why, "file system full") != NULL ||
	    strstr(why, "disk quota exceeded") != NULL)
		temp("4.3.1", "%s", why);
	if (code == RC_TEMP)
		temp("4.2.0", "%s", why[0] ? why : "maildeliver failed");
	temp("4.3.0", "maildeliver exited %d%s%s", code, why[0] ? ": " : "",
	    why);
}

/* Exit code and line for a command's result (qmail's meaning). */
static void __attribute__((noreturn))
pipe_result(const struct result *res)
{
	char why[REASON_MAX + 1];
	int code;

	one_line(res, why, sizeof why);
	if (WIFSIGNALED(res->status))
		temp("4.3.0", "command %s by signal %d%s%s",
		    timed_out ? "timed out, killed" : "killed",
		    WTERMSIG(res->status), why[0] ? ": " : "", why);
	code = WEXITSTATUS(res->status);
	if (code == 0 || code == 99)
		finish(RC_OK, "2.0.0", "delivered to command%s%s",
		    why[0] ? ": " : "", why);
	if (code == RC_PERM)
		perm("5.3.0", "command failed%s%s", why[0] ? ": " : "", why);
	temp("4.3.0", "command failed temporarily (exit %d)%s%s", code,
	    why[0] ? ": " : "", why);
}

/*
 * The Maildir++ folder for extension ext, if it exists: the directory
 * named as ext says, else one whose name differs only in case (local
 * parts reach us lower-cased).  folder is left empty if there is none.
 */
static void
find_folder(const char *maildir, const char *ext, char *folder, size_t n)
{
	char dir[MAILDIR_FOLDER_MAX + 2], p[PATH_MAX + 300];
	struct dirent *de;
	struct stat st;
	DIR *d;

	folder[0] = '\0';
	if (maildir_folder_dir(ext, dir, sizeof dir) < 0 || dir[0] == '\0')
		return;
	if (snprintf(p, sizeof p, "%s/%s", maildir, dir) < (int)sizeof p &&
	    stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(folder, n, "%s", ext);
		return;
	}
	d = opendir(maildir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcasecmp(de->d_name, dir) != 0 ||
		    snprintf(p, sizeof p, "%s/%s", maildir, de->d_name) >=
		    (int)sizeof p || stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		/* ".Lists.Foo" is the folder "Lists.Foo". */
		if (strlen(de->d_name + 1) < n)
			snprintf(folder, n, "%s", de->d_name + 1);
		break;
	}
	closedir(d);
}

/*
 * -t: checks the control files and the password database a delivery
 * would read; exits 0, or 111 with the reason.
 */
static void __attribute__((noreturn))
check_config(void)
{
	struct who w;
	struct cdb c;
	char path[PATH_MAX];
	int fd;

	if (getauxval(AT_SECURE) != 0 || getuid() != geteuid() ||
	    getgid() != getegid())
		set_env("FACTEUR_ETC", DEFAULT_ETC);
	(void)time_limit();
	lookup_alias_user(&w);
	snprintf(path, sizeof path, "%s/passwd.cdb", control_dir());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT)
		temp("4.3.0", "unable to open %s: %s", path, strerror(errno));
	if (fd >= 0) {
		if (cdb_init(&c, fd) < 0)
			temp("4.3.0", "%s: not a cdb file", path);
		cdb_free(&c);
		close(fd);
	}
	exit(RC_OK);
}

int
main(int argc, char **argv)
{
	extern char **environ;
	static struct who w;
	static struct result res;
	char etc[PATH_MAX], prog[PATH_MAX], ext[256], folder[256];
	const char *sender, *rcpt, *target, *libexec, *at, *tz;
	static char libbuf[PATH_MAX], tzbuf[256];
	char *tzcopy = NULL, *libcopy = NULL;
	enum kind kind;
	unsigned limit;
	int secure;

	log_init("localspawn");
	if (argc == 2 && strcmp(argv[1], "-t") == 0)
		check_config();
	if (fcntl(0, F_GETFD) < 0)
		temp("4.3.0", "no message on descriptor 0");
	/* Nothing the caller left open (a spool directory, a pipe) may
	 * reach a user's command. */
	if (close_range(3, ~0U, 0) < 0) {
		int fd;

		for (fd = 3; fd < 1024; fd++)
			close(fd);
	}
	if (argc != 5)
		usage();
	sender = argv[1];
	rcpt = argv[2];
	target = argv[4];
	if (strcmp(argv[3], "user") == 0)
		kind = K_USER;
	else if (strcmp(argv[3], "pipe") == 0)
		kind = K_PIPE;
	else if (strcmp(argv[3], "maildir") == 0)
		kind = K_MAILDIR;
	else
		usage();
	if (target[0] == '\0' || strlen(target) >= PATH_MAX)
		usage();
	check_addr("sender", sender);
	check_addr("recipient", rcpt);

	/* Set-id, or started with more rights than the caller: trust no
	 * path from the environment. */
	secure = getauxval(AT_SECURE) != 0 || getuid() != geteuid() ||
	    getgid() != getegid();
	snprintf(etc, sizeof etc, "%s", secure ? DEFAULT_ETC : control_dir());
	/* Copied: clearenv() below takes the strings away. */
	libexec = secure ? NULL : getenv("FACTEUR_LIBEXEC");
	if (libexec != NULL && strlen(libexec) < sizeof libbuf) {
		memcpy(libbuf, libexec, strlen(libexec) + 1);
		libcopy = libbuf;
	}
	tz = getenv("TZ");
	if (tz != NULL && strlen(tz) < sizeof tzbuf) {
		memcpy(tzbuf, tz, strlen(tz) + 1);
		tzcopy = tzbuf;
	}
	if (clearenv() != 0)
		environ = NULL;
	set_env("PATH", DEFAULT_PATH);
	set_env("FACTEUR_ETC", etc);
	if (tzcopy != NULL)
		set_env("TZ", tzcopy);
	limit = time_limit();

	folder[0] = '\0';
	ext[0] = '\0';
	switch (kind) {
	case K_USER:
		lookup_user(etc, target, &w, ext, sizeof ext);
		break;
	case K_PIPE:
		lookup_alias_user(&w);
		break;
	case K_MAILDIR:
		lookup_maildir(target, &w);
		break;
	}
	if (kind == K_USER || kind == K_MAILDIR)
		find_maildeliver(libcopy, prog, sizeof prog);

	become(&w);
	if (chdir(w.home) < 0 && chdir("/") < 0)
		temp("4.3.0", "unable to chdir to /: %s", strerror(errno));
	set_env("HOME", w.home);
	if (w.name[0] != '\0') {
		set_env("USER", w.name);
		set_env("LOGNAME", w.name);
	}

	if (kind == K_PIPE) {
		struct str rp = STR_INIT, dt = STR_INIT;
		char *args[] = { (char *)"sh", (char *)"-c", (char *)target,
			NULL };
		size_t sl = strlen(sender);

		if (looping(rcpt))
			perm("5.4.6", "mail loop: already delivered to %s", rcpt);
		at = strrchr(rcpt, '@');
		set_env("SENDER", sender);
		set_env("RECIPIENT", rcpt);
		set_env("HOST", at != NULL ? at + 1 : "");
		set_env("SHELL", "/bin/sh");
		/* qmail's: the lines a command may prepend to the message. */
		if (sl >= 2 && sender[0] == '<' && sender[sl - 1] == '>')
			str_printf(&rp, "Return-Path: %s\n", sender);
		else
			str_printf(&rp, "Return-Path: <%s>\n", sender);
		str_printf(&dt, "Delivered-To: %s\n", rcpt);
		if (rp.s == NULL || dt.s == NULL)
			temp("4.3.0", "out of memory");
		set_env("RPLINE", rp.s);
		set_env("DTLINE", dt.s);
		{
			struct str local = STR_INIT;

			if (str_append(&local, rcpt, at != NULL ? (size_t)(at -
			    rcpt) : strlen(rcpt)) < 0)
				temp("4.3.0", "out of memory");
			set_env("LOCAL", local.s != NULL ? local.s : "");
			str_free(&local);
		}
		run("/bin/sh", args, limit, &res);
		pipe_result(&res);
	}

	/* user and maildir: maildeliver, into the folder .ext if any. */
	if (ext[0] != '\0' && kind == K_USER)
		find_folder(w.maildir, ext, folder, sizeof folder);
	{
		char *args[12];
		int n = 0;

		args[n++] = (char *)"maildeliver";
		args[n++] = (char *)"-c";
		args[n++] = (char *)"-f";
		args[n++] = (char *)sender;
		args[n++] = (char *)"-r";
		args[n++] = (char *)rcpt;
		if (folder[0] != '\0') {
			args[n++] = (char *)"-m";
			args[n++] = folder;
		}
		args[n++] = (char *)"--";
		args[n++] = w.maildir;
		args[n] = NULL;
		if (lseek(0, 0, SEEK_SET) < 0 && errno != ESPIPE)
			temp("4.3.0", "unable to rewind the message: %s",
			    strerror(errno));
		run(prog, args, limit, &res);
		maildeliver_result(&res, &w, folder);
	}
}
