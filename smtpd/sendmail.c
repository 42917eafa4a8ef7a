/*
 * sendmail: the sendmail-compatible injector for local programs.
 *
 * Reads a message on stdin, adds Date, Message-ID and From when they are
 * missing, takes recipients from the command line (and from To, Cc, Bcc
 * with -t, removing Bcc), and writes the message through enqueue with the
 * qmail-queue interface.  -bs runs smtpd on stdin/stdout, -bp lists the
 * spool, -q pokes the scheduler.  See sendmail(8).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "date.h"
#include "io.h"
#include "log.h"
#include "str.h"
#include "uniq.h"

/* sysexits.h values, as sendmail and Postfix's sendmail use them. */
enum {
	EXIT_OK = 0,
	EX_USAGE_ = 64,
	EX_DATAERR_ = 65,
	EX_SOFTWARE_ = 70,
	EX_OSERR_ = 71,
	EX_TEMPFAIL_ = 75,
};

#define HEADER_MAX (1024 * 1024) /* the header block, bytes */
#define RCPT_MAX 10000
#define ADDR_MAX 998
#define SPOOL_DEFAULT "/var/spool/facteur"

struct opts {
	int tflag, iflag, mode; /* mode: 'm' (deliver), 's', 'p', 'q' */
	const char *from, *fullname, *notify, *ret, *envid;
};

static struct str rcpts = STR_INIT; /* envelope T/N records */
static size_t nrcpt;
static struct str myorigin = STR_INIT;
static const char *notify;
static size_t body_off; /* where read_headers put a body line */

static void __attribute__((noreturn))
usage(const char *why)
{
	log_error("%s", why);
	log_error("usage: sendmail [-t] [-i] [-f sender] [-F name] "
	    "[-N dsn] [-R ret] [-V envid] [-bm|-bs|-bp|-q] [recipient ...]");
	exit(EX_USAGE_);
}

static const char *
sibling(const char *argv0, const char *name, const char *env1,
    const char *env2)
{
	static char path[2][4096];
	static int which;
	const char *p, *slash;
	char *out;

	if (env1 != NULL && (p = getenv(env1)) != NULL && *p != '\0')
		return p;
	if (env2 != NULL && (p = getenv(env2)) != NULL && *p != '\0')
		return p;
	slash = strrchr(argv0, '/');
	out = path[which++ & 1];
	if (slash == NULL ||
	    (size_t)(slash - argv0) + strlen(name) + 2 > sizeof path[0])
		return name;
	memcpy(out, argv0, (size_t)(slash - argv0) + 1);
	strcpy(out + (slash - argv0) + 1, name);
	return out;
}

/* Adds one recipient; a bare local name gets @myorigin. */
static void
add_rcpt(const char *a, size_t n)
{
	while (n > 0 && (*a == ' ' || *a == '\t')) {
		a++;
		n--;
	}
	while (n > 0 && (a[n - 1] == ' ' || a[n - 1] == '\t'))
		n--;
	if (n == 0)
		return;
	if (n > ADDR_MAX) {
		log_error("recipient address too long");
		exit(EX_DATAERR_);
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)a[i] < 0x20 || a[i] == 0x7f) {
			log_error("control character in a recipient address");
			exit(EX_DATAERR_);
		}
	if (++nrcpt > RCPT_MAX) {
		log_error("too many recipients");
		exit(EX_DATAERR_);
	}
	if (str_appendc(&rcpts, 'T') < 0 || str_append(&rcpts, a, n) < 0)
		exit(EX_OSERR_);
	if (memchr(a, '@', n) == NULL &&
	    (str_appendc(&rcpts, '@') < 0 ||
	    str_append(&rcpts, myorigin.s, myorigin.len) < 0))
		exit(EX_OSERR_);
	if (str_appendc(&rcpts, '\0') < 0)
		exit(EX_OSERR_);
	if (notify != NULL && (str_appendc(&rcpts, 'N') < 0 ||
	    str_append(&rcpts, notify, strlen(notify) + 1) < 0))
		exit(EX_OSERR_);
}

/*
 * Takes the addresses out of an address-list header value (RFC 5322
 * §3.4): items split at commas outside quotes, angle brackets and
 * comments; "name <addr>" gives addr; a group "name: a, b;" gives a, b.
 */
static void
rcpts_from_header(const char *v, size_t n)
{
	struct str item = STR_INIT;
	const char *angle = NULL;
	size_t anglelen = 0;
	int quote = 0, depth = 0, inangle = 0;

	for (size_t i = 0; i <= n; i++) {
		char c = i < n ? v[i] : ',';

		if (quote) {
			if (c == '\\' && i + 1 < n) {
				str_appendc(&item, c);
				c = v[++i];
			} else if (c == '"') {
				quote = 0;
			}
			str_appendc(&item, c);
			continue;
		}
		if (depth > 0) {
			if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
			continue; /* comments are dropped */
		}
		if (inangle) {
			if (c == '>') {
				inangle = 0;
				anglelen = (size_t)(v + i - angle);
			}
			continue;
		}
		switch (c) {
		case '"':
			quote = 1;
			str_appendc(&item, c);
			break;
		case '(':
			depth = 1;
			break;
		case '<':
			inangle = 1;
			angle = v + i + 1;
			break;
		case ':':
			/* A group's display name: what came before goes. */
			str_clear(&item);
			angle = NULL;
			break;
		case ',':
		case ';':
			if (angle != NULL)
				add_rcpt(angle, anglelen);
			else if (item.len > 0)
				add_rcpt(item.s, item.len);
			str_clear(&item);
			angle = NULL;
			break;
		case '\n':
		case '\r':
			break;
		default:
			str_appendc(&item, c);
		}
	}
	str_free(&item);
}

static int
header_is(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);

	return len > n && strncasecmp(line, name, n) == 0 && line[n] == ':';
}

/*
 * Reads the header block from rb into hdr (LF line ends, without the
 * blank line).  Returns 1 if a blank line ended it, 0 at end of input,
 * and sets *dotend when a lone "." ended the input (without -i).
 */
static int
read_headers(struct rbuf *rb, struct str *hdr, int iflag, int *dotend)
{
	static struct str line;

	*dotend = 0;
	for (;;) {
		int r = rbuf_getline(rb, &line, 65536);

		if (r < 0) {
			if (errno == E2BIG) {
				log_error("header line longer than 64 KiB");
				exit(EX_DATAERR_);
			}
			log_error("unable to read the message: %s",
			    strerror(errno));
			exit(EX_TEMPFAIL_);
		}
		if (r == 0)
			return 0;
		if (line.len >= 2 && line.s[line.len - 2] == '\r' &&
		    line.s[line.len - 1] == '\n') {
			line.s[line.len - 2] = '\n';
			str_truncate(&line, line.len - 1);
		}
		if (line.s[line.len - 1] != '\n' && str_appendc(&line, '\n') < 0)
			exit(EX_OSERR_);
		if (!iflag && line.len == 2 && line.s[0] == '.') {
			*dotend = 1;
			return 0;
		}
		if (line.len == 1)
			return 1;
		/* A line that is not a header (and not a continuation)
		 * starts the body: an mbox "From " line is dropped. */
		if (hdr->len == 0 && strncmp(line.s, "From ", 5) == 0)
			continue;
		if (line.s[0] != ' ' && line.s[0] != '\t') {
			const char *colon = memchr(line.s, ':', line.len);
			int ok = colon != NULL && colon > line.s;

			for (const char *p = line.s; ok && p < colon; p++)
				if (*p <= ' ' || *p >= 127)
					ok = 0;
			if (!ok) {
				/* Body without a blank line: keep it there. */
				body_off = hdr->len;
				if (str_append(hdr, "\n", 1) < 0 ||
				    str_append(hdr, line.s, line.len) < 0)
					exit(EX_OSERR_);
				return 2;
			}
		}
		if (hdr->len + line.len > HEADER_MAX) {
			log_error("header longer than %d bytes", HEADER_MAX);
			exit(EX_DATAERR_);
		}
		if (str_append(hdr, line.s, line.len) < 0)
			exit(EX_OSERR_);
	}
}

/* Walks the header fields: calls fn for each one (unfolded extent). */
static void
each_field(const struct str *hdr,
    void (*fn)(const char *f, size_t n, void *arg), void *arg)
{
	size_t i = 0;

	while (i < hdr->len) {
		size_t start = i;

		do {
			const char *lf = memchr(hdr->s + i, '\n', hdr->len - i);

			i = lf != NULL ? (size_t)(lf - hdr->s) + 1 : hdr->len;
		} while (i < hdr->len && (hdr->s[i] == ' ' || hdr->s[i] == '\t'));
		if (hdr->s[start] == '\n')
			return; /* the body line appended by read_headers */
		fn(hdr->s + start, i - start, arg);
	}
}

struct hdrinfo {
	int has_from, has_date, has_msgid, tflag;
	struct str out; /* the header, Bcc removed */
};

static void
field(const char *f, size_t n, void *arg)
{
	struct hdrinfo *h = arg;

	if (header_is(f, n, "From"))
		h->has_from = 1;
	else if (header_is(f, n, "Date"))
		h->has_date = 1;
	else if (header_is(f, n, "Message-ID"))
		h->has_msgid = 1;
	if (h->tflag && (header_is(f, n, "To") || header_is(f, n, "Cc") ||
	    header_is(f, n, "Bcc"))) {
		const char *colon = memchr(f, ':', n);

		rcpts_from_header(colon + 1, n - (size_t)(colon + 1 - f));
	}
	if (header_is(f, n, "Bcc"))
		return;
	if (str_append(&h->out, f, n) < 0)
		exit(EX_OSERR_);
}

static int
run_queue(const char *prog, int *msgfd_r, int *envfd_r, pid_t *pid_r)
{
	int mp[2], ep[2];
	pid_t pid;

	if (pipe2(mp, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char *argv[2] = { (char *)prog, NULL };

		if (dup2(mp[0], 0) < 0 || dup2(ep[0], 1) < 0)
			_exit(81);
		signal(SIGPIPE, SIG_DFL);
		if (strchr(prog, '/') != NULL)
			execv(prog, argv);
		else
			execvp(prog, argv);
		log_error("unable to run %s: %s", prog, strerror(errno));
		_exit(81);
	}
	close(mp[0]);
	close(ep[0]);
	*msgfd_r = mp[1];
	*envfd_r = ep[1];
	*pid_r = pid;
	return 0;
}

static int
list_queue(void)
{
	const char *spool = getenv("FACTEUR_SPOOL");
	char path[4096];
	struct dirent *de;
	DIR *d;
	int n = 0;

	if (spool == NULL || *spool == '\0')
		spool = SPOOL_DEFAULT;
	snprintf(path, sizeof path, "%s/todo", spool);
	d = opendir(path);
	if (d == NULL) {
		log_error("unable to open %s: %s", path, strerror(errno));
		return EX_TEMPFAIL_;
	}
	while ((de = readdir(d)) != NULL) {
		char env[8192];
		struct stat st;
		ssize_t len;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/todo/%s/mess", spool, de->d_name);
		if (stat(path, &st) < 0)
			continue;
		snprintf(path, sizeof path, "%s/todo/%s/env", spool, de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, env, sizeof env - 1);
		close(fd);
		if (len < 0)
			continue;
		env[len] = '\0';
		printf("%s %lld bytes\n", de->d_name, (long long)st.st_size);
		for (ssize_t i = 0; i < len;) {
			const char *rec = env + i;
			size_t rl = strnlen(rec, (size_t)(len - i));

			if (rl == 0)
				break;
			if (rec[0] == 'F')
				printf("  from <%s>\n", rec + 1);
			else if (rec[0] == 'T')
				printf("  to <%s>\n", rec + 1);
			i += (ssize_t)rl + 1;
		}
		n++;
	}
	closedir(d);
	printf("%d message%s in the queue\n", n, n == 1 ? "" : "s");
	return fflush(stdout) == 0 ? EXIT_OK : EX_OSERR_;
}

static int
poke_queue(void)
{
	const char *spool = getenv("FACTEUR_SPOOL");
	char path[4096];
	int fd;

	if (spool == NULL || *spool == '\0')
		spool = SPOOL_DEFAULT;
	snprintf(path, sizeof path, "%s/trigger", spool);
	fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || write(fd, "\n", 1) != 1) {
		log_error("the scheduler is not running (%s)", path);
		if (fd >= 0)
			close(fd);
		return EX_TEMPFAIL_;
	}
	close(fd);
	return EXIT_OK;
}

/* Takes an option's value: the rest of this argument or the next one. */
static const char *
optval(char **argv, int *i, const char *rest)
{
	if (*rest != '\0')
		return rest;
	if (argv[*i + 1] == NULL)
		usage("option needs a value");
	return argv[++*i];
}

int
main(int argc, char **argv)
{
	struct opts o = { 0, 0, 'm', NULL, NULL, NULL, NULL, NULL };
	struct control_err cerr;
	/* Static: what main allocates lives until exit (and stays
	 * reachable, so the leak checker has nothing to say). */
	static struct str host, sender, env, hdr, line;
	static struct hdrinfo h;
	static struct rbuf *rb;
	static struct wbuf *wb;
	struct passwd *pw;
	const char *queue;
	char hostname[256];
	int i, dotend = 0, hr, msgfd, envfd, st;
	pid_t pid;

	(void)argc;
	log_init(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	for (i = 1; argv[i] != NULL && argv[i][0] == '-'; i++) {
		const char *a = argv[i] + 1;

		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		switch (*a) {
		case 't':
			o.tflag = 1;
			break;
		case 'i':
			o.iflag = 1;
			break;
		case 'f':
			o.from = optval(argv, &i, a + 1);
			break;
		case 'F':
			o.fullname = optval(argv, &i, a + 1);
			break;
		case 'N':
			o.notify = optval(argv, &i, a + 1);
			break;
		case 'R':
			o.ret = optval(argv, &i, a + 1);
			break;
		case 'V':
			o.envid = optval(argv, &i, a + 1);
			break;
		case 'o':
			/* -oi is -i; other -oX (-oem, -odb, -oQ...) ignored. */
			if (strcmp(a, "oi") == 0)
				o.iflag = 1;
			else if (a[1] == '\0')
				(void)optval(argv, &i, "");
			break;
		case 'b':
			if (strcmp(a, "bm") == 0)
				o.mode = 'm';
			else if (strcmp(a, "bs") == 0)
				o.mode = 's';
			else if (strcmp(a, "bp") == 0)
				o.mode = 'p';
			else
				usage("unsupported -b mode (smtpd runs under "
				    "tcpserver; aliases are the scheduler's)");
			break;
		case 'q':
			o.mode = 'q'; /* -q, -q30m, -qRdomain: run the queue */
			break;
		case 'B':
		case 'L':
		case 'h':
		case 'C':
		case 'X':
			(void)optval(argv, &i, a + 1); /* legacy, ignored */
			break;
		case 'v':
		case 'm':
		case 'n':
		case 'U':
		case 'G':
		case 'e':
			break; /* legacy, ignored */
		default:
			usage("unknown option");
		}
	}
	if (o.mode == 'p')
		return list_queue();
	if (o.mode == 'q')
		return poke_queue();
	if (o.mode == 's') {
		const char *smtpd = sibling(argv[0], "smtpd", "FACTEUR_SMTPD",
		    NULL);

		/* A local user is trusted to relay, like from 127.0.0.1. */
		setenv("RELAYCLIENT", "", 1);
		setenv("TCPREMOTEIP", "127.0.0.1", 1);
		execlp(smtpd, smtpd, (char *)NULL);
		log_error("unable to run %s: %s", smtpd, strerror(errno));
		return EX_OSERR_;
	}

	if (gethostname(hostname, sizeof hostname) < 0 || hostname[0] == '\0')
		strcpy(hostname, "localhost");
	hostname[sizeof hostname - 1] = '\0';
	if (control_str("myhostname", hostname, &host, &cerr) < 0 ||
	    control_str("myorigin", host.s, &myorigin, &cerr) < 0) {
		char buf[512];

		control_err_format(&cerr, buf, sizeof buf);
		log_error("bad configuration: %s", buf);
		return EX_TEMPFAIL_;
	}
	if (o.notify != NULL) {
		static char nbuf[64];

		if (strlen(o.notify) >= sizeof nbuf)
			usage("-N: bad value");
		for (size_t k = 0; o.notify[k] != '\0'; k++)
			nbuf[k] = (o.notify[k] >= 'a' && o.notify[k] <= 'z') ?
			    (char)(o.notify[k] - 'a' + 'A') : o.notify[k];
		notify = nbuf;
	}
	pw = getpwuid(getuid());
	if (o.from != NULL) {
		size_t fl = strlen(o.from);
		const char *f = o.from;

		if (fl >= 2 && f[0] == '<' && f[fl - 1] == '>') {
			f++;
			fl -= 2;
		}
		if (str_append(&sender, f, fl) < 0)
			return EX_OSERR_;
		if (sender.len > 0 && memchr(sender.s, '@', sender.len) == NULL &&
		    str_printf(&sender, "@%s", myorigin.s) < 0)
			return EX_OSERR_;
	} else if (str_printf(&sender, "%s@%s", pw != NULL ? pw->pw_name :
	    "nobody", myorigin.s) < 0) {
		return EX_OSERR_;
	}
	for (; argv[i] != NULL; i++)
		add_rcpt(argv[i], strlen(argv[i]));

	rb = malloc(sizeof *rb);
	wb = malloc(sizeof *wb);
	if (rb == NULL || wb == NULL)
		return EX_OSERR_;
	rbuf_init(rb, 0, -1);
	{
		hr = read_headers(rb, &hdr, o.iflag, &dotend);
		h.tflag = o.tflag;
		each_field(&hdr, field, &h);
		if (!h.has_from) {
			const char *name = o.fullname;
			char gecos[256] = "";

			if (name == NULL && pw != NULL && pw->pw_gecos != NULL) {
				snprintf(gecos, sizeof gecos, "%s", pw->pw_gecos);
				gecos[strcspn(gecos, ",")] = '\0';
				name = gecos;
			}
			struct str fa = STR_INIT;

			/* The null sender still needs an author. */
			if (sender.len > 0)
				str_append(&fa, sender.s, sender.len);
			else
				str_printf(&fa, "%s@%s", pw != NULL ?
				    pw->pw_name : "nobody", myorigin.s);
			if (fa.s == NULL)
				return EX_OSERR_;
			if (name != NULL && *name != '\0' &&
			    strpbrk(name, "\"\\\r\n") == NULL)
				str_printf(&h.out, "From: \"%s\" <%s>\n", name,
				    fa.s);
			else
				str_printf(&h.out, "From: %s\n", fa.s);
			str_free(&fa);
		}
		if (!h.has_date) {
			char date[DATE_RFC5322_MAX];

			if (date_rfc5322(time(NULL), 0, date, sizeof date) >= 0)
				str_printf(&h.out, "Date: %s\n", date);
		}
		if (!h.has_msgid) {
			char u[UNIQ_MAX];

			if (uniq_name(u, sizeof u, NULL) >= 0)
				str_printf(&h.out, "Message-ID: <%s@%s>\n", u,
				    host.s);
		}
		if (hr == 2) {
			/* The body started without a blank line: add one. */
			str_appendc(&h.out, '\n');
			str_append(&h.out, hdr.s + body_off + 1,
			    hdr.len - body_off - 1);
		} else if (hr == 1) {
			str_appendc(&h.out, '\n');
		}
	}
	if (nrcpt == 0) {
		log_error("no recipients");
		return EX_USAGE_;
	}

	queue = sibling(argv[0], "enqueue", "FACTEUR_QUEUE", "QMAILQUEUE");
	if (run_queue(queue, &msgfd, &envfd, &pid) < 0) {
		log_error("unable to start %s: %s", queue, strerror(errno));
		return EX_TEMPFAIL_;
	}
	wbuf_init(wb, msgfd, -1);
	if (wbuf_put(wb, h.out.s, h.out.len) < 0)
		goto failed;
	/* The body: streamed, CRLF as LF, "." alone ends it without -i. */
	if (hr != 0 && !dotend) {
		for (;;) {
			int r = rbuf_getline(rb, &line, 1 << 20);

			if (r == 0)
				break;
			if (r < 0 && errno != E2BIG) {
				log_error("unable to read the message: %s",
				    strerror(errno));
				kill(pid, SIGTERM);
				goto failed;
			}
			if (r < 0) {
				log_error("message line longer than 1 MiB");
				close(msgfd);
				close(envfd);
				waitpid(pid, &st, 0);
				return EX_DATAERR_;
			}
			if (line.len >= 2 && line.s[line.len - 2] == '\r' &&
			    line.s[line.len - 1] == '\n') {
				line.s[line.len - 2] = '\n';
				str_truncate(&line, line.len - 1);
			}
			if (!o.iflag && line.len == 2 && line.s[0] == '.' &&
			    line.s[1] == '\n')
				break;
			if (wbuf_put(wb, line.s, line.len) < 0)
				goto failed;
		}
	}
	if (wbuf_flush(wb) < 0)
		goto failed;
	close(msgfd);
	if (str_appendc(&env, 'F') < 0 || str_append(&env, sender.s,
	    sender.len + 1) < 0)
		return EX_OSERR_;
	if (o.envid != NULL)
		str_printf(&env, "E%s%c", o.envid, '\0');
	if (o.ret != NULL)
		str_printf(&env, "R%s%c", strcasecmp(o.ret, "hdrs") == 0 ?
		    "HDRS" : "FULL", '\0');
	if (str_append(&env, rcpts.s, rcpts.len) < 0 ||
	    str_appendc(&env, '\0') < 0)
		return EX_OSERR_;
	(void)io_write_all(envfd, env.s, env.len, -1);
	close(envfd);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return EX_TEMPFAIL_;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return EXIT_OK;
	if (WIFEXITED(st) && WEXITSTATUS(st) >= 11 && WEXITSTATUS(st) <= 40) {
		log_error("%s refused the message (exit %d)", queue,
		    WEXITSTATUS(st));
		return EX_DATAERR_;
	}
	log_error("%s failed (%s %d)", queue, WIFEXITED(st) ? "exit" :
	    "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	return EX_TEMPFAIL_;
failed:
	close(msgfd);
	close(envfd);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	log_error("unable to hand the message to %s", queue);
	return EX_TEMPFAIL_;
}
