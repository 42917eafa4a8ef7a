/*
 * pop3d — the POP3 TRANSACTION and UPDATE states over one Maildir.
 *
 *   pop3d [-t seconds] [MAILDIR]
 *
 * Run by checkpw (or any checkpassword program) as the mail user once
 * pop3-login has authenticated the client; the client is on fd 0 and 1.
 * The Maildir is $MAILDIR, else the argument, else $HOME/Maildir.  Its
 * first words are the "+OK" to the client's PASS or AUTH.
 *
 * Exit codes: 0 the session ended (QUIT, the client left, idle timeout);
 * 3 the session was refused and the client told why ([IN-USE], an
 * unusable mailbox); 100 misuse (nothing was said to the client).
 * See pop3d(8).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control.h"
#include "durable.h"
#include "io.h"
#include "log.h"
#include "num.h"
#include "pop3cmd.h"
#include "str.h"

enum rc { RC_OK = 0, RC_REFUSED = 3, RC_USAGE = 100 };

#define LOCK_NAME "facteur-pop3.lock"
#define MSG_MAX 1000000	   /* messages listed in one session */
#define ERRORS_MAX 50	   /* bad commands before we hang up */
#define UIDL_MAX 70	   /* RFC 1939 */
#define DEFAULT_TIMEOUT 600 /* RFC 1939: at least 10 minutes */
#define CHUNK 16384

struct msg {
	char *name; /* in cur/ */
	uint64_t size;
	uint64_t stamp; /* the leading number of the name, for the order */
	int deleted;
};

struct session {
	const char *path;
	int rootfd, curfd, newfd, lockfd;
	struct msg *m;
	size_t n, ndel;
	uint64_t total, delbytes;
	uint64_t retr, retr_bytes;
	unsigned errors;
	struct rbuf rb;
	struct wbuf wb;
	struct str line, out;
};

static struct session S;

static void
usage(void)
{
	log_die(RC_USAGE, "usage: pop3d [-t seconds] [MAILDIR]");
}

/* The client is gone or stopped reading: nothing more can be said. */
static void
lost(const char *what)
{
	log_info("end user=%s reason=%s: %s retr=%" PRIu64 " bytes=%" PRIu64,
	    getenv("USER") ? getenv("USER") : "-", what, strerror(errno),
	    S.retr, S.retr_bytes);
	exit(RC_OK);
}

static void
put(const void *p, size_t n)
{
	if (wbuf_put(&S.wb, p, n) < 0)
		lost("write");
}

static void
flush(void)
{
	if (wbuf_flush(&S.wb) < 0)
		lost("write");
}

static void reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One response line; CRLF is added. */
static void
reply(const char *fmt, ...)
{
	va_list ap;

	str_clear(&S.out);
	va_start(ap, fmt);
	if (str_vprintf(&S.out, fmt, ap) < 0 ||
	    str_append(&S.out, "\r\n", 2) < 0) {
		va_end(ap);
		log_die(RC_OK, "out of memory");
	}
	va_end(ap);
	put(S.out.s, S.out.len);
}

/*
 * Before hanging up on a client that may still be sending: stop writing,
 * then read and drop its input for a moment, so the kernel does not
 * answer that input with a reset that can destroy our last reply.
 */
static void
linger(void)
{
	static char junk[4096];
	struct pollfd p = { .fd = 0, .events = POLLIN };
	int i;

	(void)shutdown(1, SHUT_WR);
	for (i = 0; i < 16 && poll(&p, 1, 100) > 0; i++)
		if (read(0, junk, sizeof junk) <= 0)
			break;
}

static void refuse(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* Says why ("-ERR ..."), then ends the session. */
static void
refuse(const char *fmt, ...)
{
	va_list ap;

	str_clear(&S.out);
	va_start(ap, fmt);
	if (str_vprintf(&S.out, fmt, ap) < 0)
		str_clear(&S.out);
	va_end(ap);
	if (S.out.len == 0)
		(void)str_appendz(&S.out, "-ERR [SYS/TEMP] out of memory");
	log_warn("refused maildir=%s: %s", S.path ? S.path : "-",
	    S.out.s ? S.out.s : "?");
	if (str_append(&S.out, "\r\n", 2) == 0)
		(void)io_write_all(1, S.out.s, S.out.len, 10000);
	linger();
	exit(RC_REFUSED);
}

/* The part of a Maildir name before its ":2," info. */
static size_t
base_len(const char *name)
{
	const char *c = strchr(name, ':');

	return c != NULL ? (size_t)(c - name) : strlen(name);
}

/*
 * The ",W=n" field of a name: the size with CRLF line ends (Dovecot,
 * Courier).  Returns 0 with *w_r, or -1 when there is none.
 */
static int
name_vsize(const char *name, uint64_t *w_r)
{
	size_t n = base_len(name), i;

	for (i = 0; i + 3 <= n; i++) {
		if (name[i] == ',' && name[i + 1] == 'W' && name[i + 2] == '=') {
			size_t used;

			if (num_u64_prefix(name + i + 3, n - i - 3, UINT64_MAX,
				w_r, &used) == 0 &&
			    (i + 3 + used == n || name[i + 3 + used] == ','))
				return 0;
		}
	}
	return -1;
}

/*
 * The size RETR sends for the open file fd (not counting byte-stuffing
 * or the final "."): every LF not after a CR becomes CRLF.
 */
static int
count_size(int fd, uint64_t *size_r)
{
	static unsigned char buf[CHUNK];
	uint64_t size = 0;
	int prev_cr = 0;
	ssize_t r;

	for (;;) {
		ssize_t i;

		r = read(fd, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		for (i = 0; i < r; i++) {
			if (buf[i] == '\n' && !prev_cr)
				size++;
			prev_cr = buf[i] == '\r';
		}
		size += (uint64_t)r;
	}
	*size_r = size;
	return 0;
}

static int
msg_cmp(const void *a, const void *b)
{
	const struct msg *x = a, *y = b;

	if (x->stamp != y->stamp)
		return x->stamp < y->stamp ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Moves every message in new/ to cur/ (adding ":2,"), as qmail-pop3d and
 * Dovecot do, so it is seen as "old" by other readers. */
static void
move_new(void)
{
	DIR *d;
	struct dirent *de;
	int fd, moved = 0;
	char to[512];

	fd = dup(S.newfd);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		refuse("-ERR [SYS/TEMP] unable to read the mailbox: %s",
		    strerror(errno));
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(to, sizeof to, "%s%s", de->d_name,
			strchr(de->d_name, ':') ? "" : ":2,") >= (int)sizeof to ||
		    strlen(to) > 255) {
			log_warn("name too long in new/, left there: %.64s...",
			    de->d_name);
			continue;
		}
		if (durable_move_noreplace(S.newfd, de->d_name, S.curfd, to) <
		    0) {
			if (errno == ENOENT) /* another reader took it */
				continue;
			log_warn("unable to move new/%s to cur/: %s",
			    de->d_name, strerror(errno));
			continue;
		}
		moved++;
	}
	closedir(d);
	if (moved > 0 &&
	    (durable_dirsync(S.curfd) < 0 || durable_dirsync(S.newfd) < 0))
		refuse("-ERR [SYS/TEMP] unable to sync the mailbox: %s",
		    strerror(errno));
}

/* Reads cur/ into the message list, fixed for the session. */
static void
scan_cur(void)
{
	DIR *d;
	struct dirent *de;
	size_t cap = 0;
	int fd;

	fd = dup(S.curfd);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		refuse("-ERR [SYS/TEMP] unable to read the mailbox: %s",
		    strerror(errno));
	}
	while ((de = readdir(d)) != NULL) {
		struct msg *m;
		struct stat st;
		size_t used;

		if (de->d_name[0] == '.')
			continue;
		if (S.n == MSG_MAX) {
			log_warn("more than %d messages: the rest are not "
				 "listed this session",
			    MSG_MAX);
			break;
		}
		if (S.n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct msg *nm = realloc(S.m, ncap * sizeof *nm);

			if (nm == NULL)
				refuse("-ERR [SYS/TEMP] out of memory");
			S.m = nm;
			cap = ncap;
		}
		m = &S.m[S.n];
		memset(m, 0, sizeof *m);
		if (name_vsize(de->d_name, &m->size) < 0) {
			int mfd = openat(S.curfd, de->d_name,
			    O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

			if (mfd < 0) {
				if (errno != ENOENT && errno != ELOOP)
					log_warn("unable to open cur/%s: %s",
					    de->d_name, strerror(errno));
				continue;
			}
			if (fstat(mfd, &st) < 0 || !S_ISREG(st.st_mode) ||
			    count_size(mfd, &m->size) < 0) {
				close(mfd);
				continue;
			}
			close(mfd);
		} else if (de->d_type != DT_REG &&
		    (de->d_type != DT_UNKNOWN ||
			fstatat(S.curfd, de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) < 0 ||
			!S_ISREG(st.st_mode))) {
			/* A regular file by readdir's word saves a stat
			 * per message at login. */
			continue;
		}
		m->name = strdup(de->d_name);
		if (m->name == NULL)
			refuse("-ERR [SYS/TEMP] out of memory");
		if (num_u64_prefix(m->name, strlen(m->name), UINT64_MAX,
			&m->stamp, &used) < 0)
			m->stamp = UINT64_MAX;
		S.total += m->size;
		S.n++;
	}
	closedir(d);
	if (S.n > 0)
		qsort(S.m, S.n, sizeof *S.m, msg_cmp);
}

/* RFC 2449: a mailbox that is missing, not a Maildir or not ours will
 * not get better by itself ([SYS/PERM]); anything else may ([SYS/TEMP]). */
static const char *
open_code(int e)
{
	return e == ENOENT || e == ENOTDIR || e == EACCES || e == ELOOP ?
	    "SYS/PERM" : "SYS/TEMP";
}

static int
open_dir(const char *name)
{
	int fd = openat(S.rootfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		refuse("-ERR [%s] unable to open the mailbox: %s",
		    open_code(errno), strerror(errno));
	return fd;
}

/* Holds the mailbox: an open-file-description lock on a file in it,
 * which the kernel drops when the session ends however it ends. */
static void
lock_mailbox(void)
{
	struct flock fl;

	S.lockfd = openat(S.rootfd, LOCK_NAME,
	    O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (S.lockfd < 0)
		refuse("-ERR [SYS/TEMP] unable to lock the mailbox: %s",
		    strerror(errno));
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(S.lockfd, F_OFD_SETLK, &fl) < 0) {
		if (errno == EAGAIN || errno == EACCES)
			refuse("-ERR [IN-USE] mailbox in use by another "
			       "session");
		refuse("-ERR [SYS/TEMP] unable to lock the mailbox: %s",
		    strerror(errno));
	}
}

/* The message a number names, or NULL (with the reply given). */
static struct msg *
lookup(uint64_t num)
{
	struct msg *m;

	if (num == 0 || num > S.n) {
		reply("-ERR no such message");
		return NULL;
	}
	m = &S.m[num - 1];
	if (m->deleted) {
		reply("-ERR message %" PRIu64 " already deleted", num);
		return NULL;
	}
	return m;
}

/* Writes the UIDL of m: the name before ":2," as qmail-pop3d does (and
 * Dovecot with pop3_uidl_format = %f); a name that cannot be a UIDL
 * (too long, odd bytes) gets a stable hash of itself instead. */
static void
put_uidl(const struct msg *m)
{
	size_t n = base_len(m->name), i;
	int ok = n > 0 && n <= UIDL_MAX;
	char buf[32];

	for (i = 0; ok && i < n; i++)
		if ((unsigned char)m->name[i] < 0x21 ||
		    (unsigned char)m->name[i] > 0x7e)
			ok = 0;
	if (ok) {
		put(m->name, n);
		return;
	}
	{
		uint64_t h = UINT64_C(0xcbf29ce484222325);

		for (i = 0; i < n; i++) {
			h ^= (unsigned char)m->name[i];
			h *= UINT64_C(0x100000001b3);
		}
		snprintf(buf, sizeof buf, "H%016" PRIx64, h);
		put(buf, strlen(buf));
	}
}

/* Re-finds a message whose flags another program changed since the
 * scan (same name before ':'); updates m->name.  0 or -1. */
static int
refind(struct msg *m)
{
	DIR *d;
	struct dirent *de;
	size_t bl = base_len(m->name);
	int fd = dup(S.curfd), found = -1;

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (base_len(de->d_name) == bl &&
		    memcmp(de->d_name, m->name, bl) == 0) {
			char *nn = strdup(de->d_name);

			if (nn != NULL) {
				free(m->name);
				m->name = nn;
				found = 0;
			}
			break;
		}
	}
	closedir(d);
	return found;
}

/*
 * Sends message m: CRLF line ends, byte-stuffed, then ".".  With
 * lines >= 0 (TOP), the header, the blank line and that many body lines.
 * Memory stays at one buffer whatever the size.
 */
static void
send_msg(uint64_t num, struct msg *m, int64_t lines)
{
	static unsigned char buf[CHUNK];
	int fd, bol = 1, prev_cr = 0, body = 0, empty = 1, done = 0;
	int64_t sent_lines = 0;
	ssize_t r;

	fd = openat(S.curfd, m->name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT && refind(m) == 0)
		fd = openat(S.curfd, m->name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		log_warn("unable to open cur/%s: %s", m->name, strerror(errno));
		if (errno == ENOENT)
			reply("-ERR message %" PRIu64 " was removed by another "
			      "program", num);
		else
			reply("-ERR [SYS/TEMP] unable to open message %" PRIu64,
			    num);
		return;
	}
	if (lines < 0)
		reply("+OK %" PRIu64 " octets", m->size);
	else
		reply("+OK top of message follows");
	while (!done) {
		ssize_t i, start;

		r = read(fd, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			/* The client cannot be told in the middle of a
			 * multi-line reply: end the session. */
			log_error("unable to read cur/%s: %s", m->name,
			    strerror(errno));
			exit(RC_OK);
		}
		if (r == 0)
			break;
		start = 0;
		if (lines < 0) {
			/* RETR: line by line with memchr. */
			i = 0;
			while (i < r) {
				unsigned char *nl;
				ssize_t j;

				if (bol && buf[i] == '.') {
					put(buf + start, (size_t)(i - start));
					put(".", 1);
					start = i;
				}
				nl = memchr(buf + i, '\n', (size_t)(r - i));
				if (nl == NULL) {
					bol = 0;
					break;
				}
				j = nl - buf;
				if (!(j > 0 ? buf[j - 1] == '\r' : prev_cr)) {
					put(buf + start, (size_t)(j - start));
					put("\r", 1);
					start = j;
				}
				bol = 1;
				i = j + 1;
			}
			prev_cr = buf[r - 1] == '\r';
			put(buf + start, (size_t)(r - start));
			S.retr_bytes += (uint64_t)r;
			continue;
		}
		for (i = 0; i < r; i++) {
			unsigned char c = buf[i];

			if (bol && c == '.') {
				put(buf + start, (size_t)(i - start));
				put(".", 1);
				start = i;
			}
			bol = 0;
			if (c == '\n') {
				if (!prev_cr) {
					put(buf + start, (size_t)(i - start));
					put("\r", 1);
					start = i;
				}
				bol = 1;
				if (lines >= 0) {
					if (body)
						sent_lines++;
					else if (empty)
						body = 1;
					if (body && sent_lines >= lines) {
						put(buf + start,
						    (size_t)(i + 1 - start));
						start = i + 1;
						done = 1;
						break;
					}
				}
				empty = 1;
			} else if (c != '\r') {
				empty = 0;
			}
			prev_cr = c == '\r';
		}
		if (!done)
			put(buf + start, (size_t)(r - start));
		if (lines < 0)
			S.retr_bytes += (uint64_t)r;
	}
	close(fd);
	if (!bol) /* the last line lacked its line end */
		put("\r\n", 2);
	put(".\r\n", 3);
	if (lines < 0)
		S.retr++;
}

static void
cmd_capa(void)
{
	reply("+OK capability list follows");
	reply("TOP");
	reply("UIDL");
	reply("RESP-CODES");
	reply("AUTH-RESP-CODE");
	reply("PIPELINING");
	reply("EXPIRE NEVER");
	reply("IMPLEMENTATION facteur");
	reply(".");
}

/* The UPDATE state: removes what was deleted, then says goodbye. */
static void
cmd_quit(void)
{
	size_t i, failed = 0;

	for (i = 0; i < S.n; i++) {
		if (!S.m[i].deleted)
			continue;
		if (durable_unlink(S.curfd, S.m[i].name) < 0) {
			if (errno == ENOENT && refind(&S.m[i]) == 0 &&
			    durable_unlink(S.curfd, S.m[i].name) == 0)
				continue;
			if (errno == ENOENT) /* already gone: deleted */
				continue;
			log_error("unable to remove cur/%s: %s", S.m[i].name,
			    strerror(errno));
			failed++;
		}
	}
	if (S.ndel > 0 && durable_dirsync(S.curfd) < 0) {
		log_error("unable to sync cur/: %s", strerror(errno));
		failed = S.ndel;
	}
	/* The UPDATE state is over: release the mailbox before the client
	 * hears so, or a client that reconnects at once gets [IN-USE]. */
	close(S.lockfd);
	S.lockfd = -1;
	if (failed > 0)
		reply("-ERR [SYS/TEMP] %zu of %zu deleted messages not removed",
		    failed, S.ndel);
	else
		reply("+OK bye (%zu messages removed)", S.ndel);
	flush();
	log_info("end user=%s reason=quit retr=%" PRIu64 " bytes=%" PRIu64
		 " dele=%zu failed=%zu left=%zu",
	    getenv("USER") ? getenv("USER") : "-", S.retr, S.retr_bytes,
	    S.ndel, failed, S.n - S.ndel);
	exit(RC_OK);
}

static void
run(void)
{
	struct pop3_cmd c;
	const char *why;
	size_t i;

	reply("+OK %zu messages (%" PRIu64 " octets)", S.n, S.total);
	for (;;) {
		int r;

		/* Replies to pipelined commands go out together. */
		if (rbuf_pending(&S.rb) == 0)
			flush();
		r = rbuf_getline(&S.rb, &S.line, POP3_LINE_MAX);
		if (r == 0) {
			errno = 0;
			log_info("end user=%s reason=eof (nothing deleted) "
				 "retr=%" PRIu64,
			    getenv("USER") ? getenv("USER") : "-", S.retr);
			exit(RC_OK);
		}
		if (r < 0 && errno == E2BIG) {
			why = "line too long";
			goto bad;
		}
		if (r < 0) {
			if (errno == ETIMEDOUT) {
				reply("-ERR autologout: idle for too long");
				(void)wbuf_flush(&S.wb);
			}
			lost("read");
		}
		if (pop3_cmd_parse(S.line.s, S.line.len, &c, &why) < 0) {
			if (errno == EINVAL && (c.verb == POP3_RETR ||
			    c.verb == POP3_DELE || c.verb == POP3_LIST ||
			    c.verb == POP3_UIDL || c.verb == POP3_TOP) &&
			    c.nargs > 0 && why[0] == 'i') {
				/* A malformed number names no message. */
				why = "no such message";
			}
			goto bad;
		}
		S.errors = 0;
		switch (c.verb) {
		case POP3_STAT:
			reply("+OK %zu %" PRIu64, S.n - S.ndel,
			    S.total - S.delbytes);
			break;
		case POP3_LIST:
		case POP3_UIDL:
			if (c.nargs == 1) {
				struct msg *m = lookup(c.num[0]);

				if (m == NULL)
					break;
				if (c.verb == POP3_LIST) {
					reply("+OK %" PRIu64 " %" PRIu64,
					    c.num[0], m->size);
				} else {
					str_clear(&S.out);
					if (str_printf(&S.out,
						"+OK %" PRIu64 " ", c.num[0]) < 0)
						log_die(RC_OK, "out of memory");
					put(S.out.s, S.out.len);
					put_uidl(m);
					put("\r\n", 2);
				}
				break;
			}
			if (c.verb == POP3_LIST)
				reply("+OK %zu messages (%" PRIu64 " octets)",
				    S.n - S.ndel, S.total - S.delbytes);
			else
				reply("+OK unique-id listing follows");
			for (i = 0; i < S.n; i++) {
				if (S.m[i].deleted)
					continue;
				if (c.verb == POP3_LIST) {
					reply("%zu %" PRIu64, i + 1,
					    S.m[i].size);
				} else {
					str_clear(&S.out);
					if (str_printf(&S.out, "%zu ", i + 1) <
					    0)
						log_die(RC_OK, "out of memory");
					put(S.out.s, S.out.len);
					put_uidl(&S.m[i]);
					put("\r\n", 2);
				}
			}
			reply(".");
			break;
		case POP3_RETR:
		case POP3_TOP: {
			struct msg *m = lookup(c.num[0]);

			if (m == NULL)
				break;
			send_msg(c.num[0], m,
			    c.verb == POP3_RETR ? -1
			    : c.num[1] > INT64_MAX ? INT64_MAX
						   : (int64_t)c.num[1]);
			break;
		}
		case POP3_DELE: {
			struct msg *m = lookup(c.num[0]);

			if (m == NULL)
				break;
			m->deleted = 1;
			S.ndel++;
			S.delbytes += m->size;
			reply("+OK message %" PRIu64 " deleted", c.num[0]);
			break;
		}
		case POP3_RSET:
			for (i = 0; i < S.n; i++)
				S.m[i].deleted = 0;
			S.ndel = 0;
			S.delbytes = 0;
			reply("+OK %zu messages (%" PRIu64 " octets)", S.n,
			    S.total);
			break;
		case POP3_NOOP:
			reply("+OK");
			break;
		case POP3_CAPA:
			cmd_capa();
			break;
		case POP3_QUIT:
			cmd_quit();
			break;
		default:
			why = "command not valid in this state";
			goto bad;
		}
		continue;
	bad:
		reply("-ERR %s", why);
		if (++S.errors >= ERRORS_MAX) {
			reply("-ERR too many errors, closing");
			flush();
			linger();
			log_warn("end user=%s reason=too many errors",
			    getenv("USER") ? getenv("USER") : "-");
			exit(RC_OK);
		}
	}
}

int
main(int argc, char **argv)
{
	struct control_err cerr;
	char ebuf[512], pathbuf[4096];
	uint64_t timeout = DEFAULT_TIMEOUT;
	int opt, timeout_given = 0;

	log_init(argv[0]);
	while ((opt = getopt(argc, argv, "t:")) != -1) {
		switch (opt) {
		case 't':
			if (num_u64z(optarg, 86400, &timeout) < 0 || timeout == 0)
				log_die(RC_USAGE, "-t wants seconds, 1 to 86400");
			timeout_given = 1;
			break;
		default:
			usage();
		}
	}
	if (argc - optind > 1)
		usage();
	if (!timeout_given &&
	    control_u64("pop3d_timeout", DEFAULT_TIMEOUT, 86400, &timeout,
		&cerr) < 0) {
		control_err_format(&cerr, ebuf, sizeof ebuf);
		log_die(RC_USAGE, "%s", ebuf);
	}
	if (geteuid() == 0)
		log_die(RC_USAGE, "refusing to run as root: run me through "
				  "checkpw as the mail user");

	S.path = getenv("MAILDIR");
	if ((S.path == NULL || S.path[0] == '\0') && optind < argc)
		S.path = argv[optind];
	if (S.path == NULL || S.path[0] == '\0') {
		const char *home = getenv("HOME");

		if (home == NULL || home[0] == '\0')
			log_die(RC_USAGE, "no MAILDIR, argument or HOME");
		if (snprintf(pathbuf, sizeof pathbuf, "%s/Maildir", home) >=
		    (int)sizeof pathbuf)
			log_die(RC_USAGE, "HOME too long");
		S.path = pathbuf;
	}
	rbuf_init(&S.rb, 0, (int)timeout * 1000);
	wbuf_init(&S.wb, 1, (int)timeout * 1000);
	/* Replies are gathered and flushed whole; Nagle would hold each
	 * message's last segment for the client's delayed ACK. */
	(void)io_nodelay(1);

	S.rootfd = open(S.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (S.rootfd < 0)
		refuse("-ERR [%s] unable to open the mailbox: %s",
		    open_code(errno), strerror(errno));
	lock_mailbox();
	S.curfd = open_dir("cur");
	S.newfd = open_dir("new");
	move_new();
	scan_cur();
	log_info("start user=%s messages=%zu octets=%" PRIu64,
	    getenv("USER") ? getenv("USER") : "-", S.n, S.total);
	run();
	return RC_OK;
}
