/*
 * imap-login — the IMAP not-authenticated state, before anyone is known.
 *
 *   imap-login [-t seconds] checkpw PROG [ARG...]
 *
 * Talks to the client on fd 0 and 1: CAPABILITY, NOOP, ID, LOGOUT,
 * STARTTLS through UCSPI-TLS, LOGIN, AUTHENTICATE (PLAIN, LOGIN,
 * CRAM-MD5, each with SASL-IR initial responses).  Once the client has
 * given a name and secret, it forks and executes the checkpassword
 * program with "user\0secret\0challenge\0" on fd 3 and "-T TAG" added
 * after its arguments; that program verifies them and runs PROG (imapd)
 * as the user on the same fd 0 and 1, and imapd answers the login
 * command's tag.  Exit 1 from it means "wrong": the client may try
 * again, after a delay, a limited number of times.  Input is read one
 * byte at a time so that nothing the client pipelined after its login
 * is consumed here: it is there for imapd to read.
 *
 * Exit codes: 0 the client logged out or the session ran; 1 too many
 * failed logins; 100 misuse; 111 a temporary problem.  See imap-login(8).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "control.h"
#include "imapparse.h"
#include "io.h"
#include "log.h"
#include "num.h"
#include "sasl.h"
#include "str.h"
#include "ucspitls.h"

enum rc { RC_OK = 0, RC_DENIED = 1, RC_USAGE = 100, RC_TEMP = 111 };

#define DEFAULT_TIMEOUT 180 /* before login; imapd has its own */
#define DEFAULT_MAX_FAILURES 3
#define DEFAULT_DELAY_MS 2000
#define ERRORS_MAX 20	     /* bad commands before we hang up */
#define TLS_TIMEOUT_MS 60000
#define LITERAL_MAX 2048     /* no name or secret is longer */

struct config {
	int timeout_ms;
	uint64_t max_failures;
	uint64_t delay_ms;
	int plaintext_ok; /* LOGIN, PLAIN, LOGIN mechanism without TLS */
	char **argv;	  /* the checkpassword program and its arguments */
	int argc;
};

struct session {
	struct config *cfg;
	struct ucspitls tls;
	int tls_level; /* what ucspitls_init said; -1 on error */
	int secure;    /* TLS is on (STARTTLS done, or implicit TLS) */
	unsigned failures, errors;
	const char *ip;
	struct rbuf rb; /* only for ucspitls_start: never read through */
	struct wbuf wb;
	struct imap_reader rd;
	struct imap_cmd cmd;
	struct str line, out, dec, caps;
};

static struct session S;

static void
usage(void)
{
	log_die(RC_USAGE, "usage: imap-login [-t seconds] checkpw prog "
			  "[arg...]");
}

static void
gone(const char *what)
{
	log_info("end ip=%s reason=%s: %s", S.ip, what, strerror(errno));
	exit(RC_OK);
}

static void
flush(void)
{
	if (wbuf_flush(&S.wb) < 0)
		gone("write");
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
		log_die(RC_TEMP, "out of memory");
	}
	va_end(ap);
	if (wbuf_put(&S.wb, S.out.s, S.out.len) < 0)
		gone("write");
}

/* Stops writing, then drops what the client still sends for a moment,
 * so no reset destroys the last reply. */
static void
linger(void)
{
	static char junk[4096];
	struct pollfd p = { .fd = 0, .events = POLLIN };
	int i;

	(void)wbuf_flush(&S.wb);
	(void)shutdown(1, SHUT_WR);
	for (i = 0; i < 16 && poll(&p, 1, 100) > 0; i++)
		if (read(0, junk, sizeof junk) <= 0)
			break;
}

static void
bye(const char *why, int code)
{
	reply("* BYE %s", why);
	linger();
	log_info("end ip=%s reason=%s", S.ip, why);
	exit(code);
}

/*
 * Reads one byte from fd 0, waiting at most the timeout.  Returns 1, or
 * ends the session (end of input, timeout, error).
 */
static void
read_byte(unsigned char *c)
{
	for (;;) {
		struct pollfd p = { .fd = S.rb.fd, .events = POLLIN };
		ssize_t r;
		int pr = poll(&p, 1, S.cfg->timeout_ms);

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			gone("poll");
		if (pr == 0)
			bye("Autologout: idle for too long", RC_OK);
		r = read(S.rb.fd, c, 1);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			gone("read");
		if (r == 0) {
			errno = 0;
			gone("eof");
		}
		return;
	}
}

/*
 * Reads one SASL answer line of at most SASL_LINE_MAX bytes, a byte at a
 * time.  Returns 0 with the line in S.line, -1 when it was too long
 * (skipped through its LF).
 */
static int
read_line(void)
{
	int toolong = 0;
	unsigned char c;

	str_clear(&S.line);
	flush();
	do {
		read_byte(&c);
		if (toolong)
			continue;
		if (S.line.len == SASL_LINE_MAX) {
			toolong = 1;
			str_clear(&S.line);
		} else if (str_appendc(&S.line, (char)c) < 0) {
			log_die(RC_TEMP, "out of memory");
		}
	} while (c != '\n');
	return toolong ? -1 : 0;
}

/* Reads one command into S.rd (framed; may be bad). */
static void
read_command(void)
{
	size_t used;
	int rc;

	flush();
	rc = imap_reader_feed(&S.rd, "", 0, &used);
	while (rc != IMAPR_COMMAND) {
		unsigned char c;

		if (rc == IMAPR_CLOSE)
			bye(S.rd.why ? S.rd.why : "protocol error", RC_OK);
		if (rc == IMAPR_LITERAL) {
			if (S.rd.lit_size > LITERAL_MAX ||
			    imap_reader_literal_keep(&S.rd) < 0) {
				imap_reader_literal_refuse(&S.rd,
				    "literal too large");
			} else if (S.rd.lit_sync) {
				reply("+ OK");
				flush();
			}
			rc = imap_reader_feed(&S.rd, "", 0, &used);
			continue;
		}
		if (rc < 0)
			log_die(RC_TEMP, "out of memory");
		read_byte(&c);
		rc = imap_reader_feed(&S.rd, &c, 1, &used);
	}
}

static void
msleep(uint64_t ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int
plaintext_ok(void)
{
	return S.secure || S.cfg->plaintext_ok;
}

/* The capability list for now, in S.caps. */
static void
capabilities(void)
{
	str_clear(&S.caps);
	if (str_appendz(&S.caps, "IMAP4rev1 SASL-IR LITERAL+ ID") < 0 ||
	    (S.tls_level > 0 && !S.secure &&
		str_appendz(&S.caps, " STARTTLS") < 0) ||
	    str_appendz(&S.caps, plaintext_ok() ? " AUTH=PLAIN AUTH=LOGIN"
						: " LOGINDISABLED") < 0 ||
	    str_appendz(&S.caps, " AUTH=CRAM-MD5") < 0)
		log_die(RC_TEMP, "out of memory");
}

/* A failed attempt: wait, tell, and hang up after too many. */
static void
failed(const char *tag, const char *mech, const char *user, size_t ulen,
    const char *why)
{
	char u[64 * 4 + 1];

	S.failures++;
	log_escape(u, sizeof u, user, ulen > 64 ? 64 : ulen);
	log_warn("auth failed ip=%s mech=%s user=%s reason=%s failures=%u",
	    S.ip, mech, u, why, S.failures);
	msleep(S.cfg->delay_ms);
	if (S.failures >= S.cfg->max_failures) {
		reply("%s NO [AUTHENTICATIONFAILED] Authentication failed.",
		    tag);
		bye("Too many authentication failures", RC_DENIED);
	}
	reply("%s NO [AUTHENTICATIONFAILED] Authentication failed.", tag);
}

/*
 * Runs the checkpassword program with the name and secret.  Returns only
 * when the secret was wrong (exit 1); otherwise the session ran (or
 * could not) and this process ends with it.
 */
static void
authenticate(const char *tag, const char *mech, const struct sasl_cred *c,
    const char *chal, size_t clen)
{
	char **argv;
	int status, fds[3] = { -1, -1, -1 }, i;

	if (S.tls_level > 0) {
		fds[0] = S.tls.ctlfd;
		fds[1] = S.tls.rfd;
		fds[2] = S.tls.wfd;
	}
	argv = calloc((size_t)S.cfg->argc + 3, sizeof *argv);
	if (argv == NULL)
		log_die(RC_TEMP, "out of memory");
	for (i = 0; i < S.cfg->argc; i++)
		argv[i] = S.cfg->argv[i];
	argv[i++] = (char *)(uintptr_t)"-T";
	argv[i++] = (char *)(uintptr_t)tag;
	argv[i] = NULL;
	flush();
	/* The child must not see the UCSPI-TLS descriptors (closed through
	 * fds) nor their variables. */
	if (S.tls_level > 0) {
		unsetenv("SSLCTLFD");
		unsetenv("SSLREADFD");
		unsetenv("SSLWRITEFD");
		unsetenv("UCSPITLS");
	}
	if (sasl_checkpw(argv, c->user, c->ulen, c->secret, c->slen, chal,
		clen, fds, 3, &status) < 0) {
		free(argv);
		if (errno == EINVAL || errno == E2BIG) {
			failed(tag, mech, c->user, c->ulen,
			    errno == EINVAL ? "bad name or secret"
					    : "name and secret too long");
			return;
		}
		log_die(RC_TEMP, "unable to run %s: %s", S.cfg->argv[0],
		    strerror(errno));
	}
	free(argv);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 1) {
		failed(tag, mech, c->user, c->ulen, "wrong secret");
		return;
	}
	if (WIFSIGNALED(status)) {
		log_error("%s killed by signal %d", S.cfg->argv[0],
		    WTERMSIG(status));
		exit(RC_TEMP);
	}
	switch (WEXITSTATUS(status)) {
	case 0:
	case 3: /* imapd refused and said why */
		exit(RC_OK);
	default:
		log_error("%s exited %d", S.cfg->argv[0], WEXITSTATUS(status));
		reply("%s NO [UNAVAILABLE] Temporary failure, try again later",
		    tag);
		bye("Temporary failure", RC_TEMP);
	}
}

/*
 * Sends a "+ " continuation with the base64 of p and reads the answer
 * into S.dec.  Returns 0, or -1 when the client aborted ("*") or sent
 * something bad (the tagged reply is given).
 */
static int
challenge(const char *tag, const char *p, size_t n)
{
	size_t len;

	str_clear(&S.dec);
	if (b64_encode(&S.dec, p, n, 0, 0) < 0)
		log_die(RC_TEMP, "out of memory");
	reply("+ %.*s", (int)S.dec.len, S.dec.s ? S.dec.s : "");
	if (read_line() < 0) {
		reply("%s BAD Line too long", tag);
		return -1;
	}
	if (sasl_line(S.line.s, S.line.len, &len) < 0) {
		reply("%s BAD Malformed line", tag);
		return -1;
	}
	if (sasl_is_abort(S.line.s, len)) {
		reply("%s BAD Authentication aborted", tag);
		return -1;
	}
	if (sasl_decode(S.line.s, len, &S.dec) < 0) {
		reply("%s BAD Invalid base64", tag);
		return -1;
	}
	explicit_bzero(S.line.s, S.line.len);
	return 0;
}

static void
auth_plain(const char *tag, const char *ir, size_t irlen)
{
	struct sasl_cred c;
	const char *why;

	if (ir != NULL) {
		if (sasl_decode(ir, irlen, &S.dec) < 0) {
			reply("%s BAD Invalid base64", tag);
			return;
		}
	} else if (challenge(tag, "", 0) < 0) {
		return;
	}
	if (sasl_plain(S.dec.s ? S.dec.s : "", S.dec.len, &c, &why) < 0) {
		if (errno == EPERM)
			failed(tag, "PLAIN", c.user, c.ulen, why);
		else
			reply("%s BAD Malformed PLAIN response", tag);
		return;
	}
	authenticate(tag, "PLAIN", &c, "", 0);
}

static void
auth_login(const char *tag, const char *ir, size_t irlen)
{
	struct str user = STR_INIT;
	struct sasl_cred c;

	if (ir != NULL) {
		if (sasl_decode(ir, irlen, &S.dec) < 0) {
			reply("%s BAD Invalid base64", tag);
			return;
		}
	} else if (challenge(tag, "Username:", 9) < 0) {
		return;
	}
	if (str_copy(&user, S.dec.s ? S.dec.s : "", S.dec.len) < 0)
		log_die(RC_TEMP, "out of memory");
	if (challenge(tag, "Password:", 9) == 0) {
		c.user = user.s ? user.s : "";
		c.ulen = user.len;
		c.secret = S.dec.s ? S.dec.s : "";
		c.slen = S.dec.len;
		authenticate(tag, "LOGIN", &c, "", 0);
	}
	str_wipe(&user);
}

static void
auth_cram(const char *tag, const char *ir)
{
	char chal[SASL_CHALLENGE_MAX];
	struct sasl_cred c;
	int n;

	if (ir != NULL) { /* the server speaks first in CRAM-MD5 */
		reply("%s BAD CRAM-MD5 takes no initial response", tag);
		return;
	}
	n = sasl_cram_challenge(chal, sizeof chal);
	if (n < 0)
		log_die(RC_TEMP, "getrandom: %s", strerror(errno));
	if (challenge(tag, chal, (size_t)n) < 0)
		return;
	if (sasl_cram(S.dec.s ? S.dec.s : "", S.dec.len, &c) < 0) {
		reply("%s BAD Malformed CRAM-MD5 response", tag);
		return;
	}
	authenticate(tag, "CRAM-MD5", &c, chal, (size_t)n);
}

static void
cmd_authenticate(const struct imap_cmd *c)
{
	const struct imap_arg *a = c->args;
	const char *ir = NULL;
	size_t irlen = 0;

	if (c->nargs < 1 || c->nargs > 2 || a[0].type != IMAP_ARG_ATOM ||
	    (c->nargs == 2 && a[1].type != IMAP_ARG_ATOM)) {
		reply("%s BAD AUTHENTICATE wants a mechanism and an optional "
		      "initial response", c->tag);
		return;
	}
	if (c->nargs == 2) {
		ir = a[1].s;
		irlen = a[1].len;
	}
	if (imap_arg_atom_is(&a[0], "CRAM-MD5")) {
		auth_cram(c->tag, ir);
		return;
	}
	if (!imap_arg_atom_is(&a[0], "PLAIN") &&
	    !imap_arg_atom_is(&a[0], "LOGIN")) {
		reply("%s NO Unsupported authentication mechanism", c->tag);
		return;
	}
	if (!plaintext_ok()) {
		reply("%s NO [PRIVACYREQUIRED] Plaintext authentication "
		      "disallowed on non-TLS connections",
		    c->tag);
		return;
	}
	if (imap_arg_atom_is(&a[0], "PLAIN"))
		auth_plain(c->tag, ir, irlen);
	else
		auth_login(c->tag, ir, irlen);
}

static void
cmd_login(const struct imap_cmd *c)
{
	struct sasl_cred cr;

	if (c->nargs != 2 || !imap_arg_is_astring(&c->args[0]) ||
	    !imap_arg_is_astring(&c->args[1])) {
		reply("%s BAD LOGIN wants a name and a password", c->tag);
		return;
	}
	if (!plaintext_ok()) {
		reply("%s NO [PRIVACYREQUIRED] Plaintext authentication "
		      "disallowed on non-TLS connections",
		    c->tag);
		return;
	}
	cr.user = c->args[0].s;
	cr.ulen = c->args[0].len;
	cr.secret = c->args[1].s;
	cr.slen = c->args[1].len;
	authenticate(c->tag, "LOGIN", &cr, "", 0);
}

static void
cmd_starttls(const struct imap_cmd *c)
{
	if (S.secure) {
		reply("%s BAD TLS is already active", c->tag);
		return;
	}
	if (S.tls_level <= 0) {
		reply("%s BAD STARTTLS not available", c->tag);
		return;
	}
	reply("%s OK Begin TLS negotiation now", c->tag);
	if (ucspitls_start(&S.tls, &S.rb, &S.wb, TLS_TIMEOUT_MS) < 0)
		gone("tls");
	S.secure = 1;
	log_info("tls ip=%s protocol=%s cipher=%s", S.ip,
	    getenv("SSL_PROTOCOL") ? getenv("SSL_PROTOCOL") : "-",
	    getenv("SSL_CIPHER") ? getenv("SSL_CIPHER") : "-");
}

/* Commands of the later states: refused with a clear word. */
static int
later_command(const char *name)
{
	static const char *const names[] = { "SELECT", "EXAMINE", "CREATE",
		"DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE", "LIST", "LSUB",
		"STATUS", "APPEND", "CHECK", "CLOSE", "EXPUNGE", "SEARCH",
		"FETCH", "STORE", "COPY", "MOVE", "UID", "IDLE", "ENABLE",
		"NAMESPACE", "UNSELECT", "GETQUOTA", "GETQUOTAROOT" };
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(name, names[i]) == 0)
			return 1;
	return 0;
}

static void
run(void)
{
	char tag[IMAP_TAG_MAX + 1];
	const char *why;

	capabilities();
	reply("* OK [CAPABILITY %s] facteur IMAP ready", S.caps.s);
	for (;;) {
		struct imap_cmd *c = &S.cmd;

		read_command();
		if (S.rd.bad) {
			imap_reader_tag(&S.rd, tag);
			why = S.rd.why;
			goto bad;
		}
		if (imap_cmd_parse(c, S.rd.buf.s, S.rd.buf.len, &why) < 0) {
			if (errno == ENOMEM)
				log_die(RC_TEMP, "out of memory");
			snprintf(tag, sizeof tag, "%s", c->tag);
			goto bad;
		}
		explicit_bzero(S.rd.buf.s, S.rd.buf.len);
		snprintf(tag, sizeof tag, "%s", c->tag);
		if (S.tls_level == UCSPITLS_REQUIRED && !S.secure &&
		    strcmp(c->name, "CAPABILITY") != 0 &&
		    strcmp(c->name, "STARTTLS") != 0 &&
		    strcmp(c->name, "LOGOUT") != 0 &&
		    strcmp(c->name, "NOOP") != 0) {
			reply("%s NO [PRIVACYREQUIRED] STARTTLS first", tag);
			imap_cmd_free(c);
			continue;
		}
		if (strcmp(c->name, "CAPABILITY") == 0 && c->nargs == 0) {
			capabilities();
			reply("* CAPABILITY %s", S.caps.s);
			reply("%s OK CAPABILITY completed", tag);
		} else if (strcmp(c->name, "NOOP") == 0 && c->nargs == 0) {
			reply("%s OK NOOP completed", tag);
		} else if (strcmp(c->name, "LOGOUT") == 0 && c->nargs == 0) {
			reply("* BYE Logging out");
			reply("%s OK LOGOUT completed", tag);
			flush();
			log_info("end ip=%s reason=logout", S.ip);
			exit(RC_OK);
		} else if (strcmp(c->name, "ID") == 0 && c->nargs == 1 &&
		    (c->args[0].type == IMAP_ARG_LIST ||
			imap_arg_is_nil(&c->args[0]))) {
			reply("* ID (\"name\" \"facteur\")");
			reply("%s OK ID completed", tag);
		} else if (strcmp(c->name, "STARTTLS") == 0 && c->nargs == 0) {
			cmd_starttls(c);
		} else if (strcmp(c->name, "LOGIN") == 0) {
			cmd_login(c);
		} else if (strcmp(c->name, "AUTHENTICATE") == 0) {
			cmd_authenticate(c);
		} else if (later_command(c->name)) {
			reply("%s BAD Log in first", tag);
			S.errors++;
		} else if (strcmp(c->name, "CAPABILITY") == 0 ||
		    strcmp(c->name, "NOOP") == 0 ||
		    strcmp(c->name, "LOGOUT") == 0 ||
		    strcmp(c->name, "STARTTLS") == 0 ||
		    strcmp(c->name, "ID") == 0) {
			imap_cmd_free(c);
			why = "Wrong arguments";
			goto bad;
		} else {
			imap_cmd_free(c);
			why = "Unknown command";
			goto bad;
		}
		imap_cmd_free(c);
		if (S.errors >= ERRORS_MAX)
			bye("Too many errors", RC_OK);
		continue;
	bad:
		reply("%s BAD %s", tag, why);
		if (++S.errors >= ERRORS_MAX)
			bye("Too many errors", RC_OK);
	}
}

static void
control_or_die(int r, const struct control_err *err)
{
	char buf[512];

	if (r < 0) {
		control_err_format(err, buf, sizeof buf);
		log_die(RC_USAGE, "%s", buf);
	}
}

int
main(int argc, char **argv)
{
	static struct config cfg;
	struct control_err cerr;
	uint64_t timeout = DEFAULT_TIMEOUT;
	int opt, timeout_given = 0, disable = 1;

	log_init(argv[0]);
	while ((opt = getopt(argc, argv, "+t:")) != -1) {
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
	if (optind >= argc)
		usage();
	cfg.argv = argv + optind;
	cfg.argc = argc - optind;
	if (!timeout_given)
		control_or_die(control_u64("imap_login_timeout",
				   DEFAULT_TIMEOUT, 86400, &timeout, &cerr),
		    &cerr);
	control_or_die(control_u64("login_max_failures", DEFAULT_MAX_FAILURES,
			   1000, &cfg.max_failures, &cerr),
	    &cerr);
	if (cfg.max_failures == 0)
		cfg.max_failures = 1;
	control_or_die(control_u64("login_failure_delay", DEFAULT_DELAY_MS,
			   60000, &cfg.delay_ms, &cerr),
	    &cerr);
	control_or_die(control_bool("disable_plaintext_auth", 1, &disable,
			   &cerr),
	    &cerr);
	cfg.plaintext_ok = !disable;
	cfg.timeout_ms = (int)timeout * 1000;

	S.cfg = &cfg;
	S.ip = getenv("TCPREMOTEIP");
	if (S.ip == NULL || strlen(S.ip) > 64)
		S.ip = "unknown";
	signal(SIGPIPE, SIG_IGN);
	rbuf_init(&S.rb, 0, cfg.timeout_ms);
	wbuf_init(&S.wb, 1, cfg.timeout_ms);
	imap_reader_init(&S.rd);
	imap_cmd_init(&S.cmd);
	S.tls_level = ucspitls_init(&S.tls);
	if (S.tls_level < 0)
		log_warn("UCSPI-TLS misconfigured (%s): STARTTLS not offered",
		    strerror(errno));
	/* Implicit TLS (tlsd without -n) sets SSL_PROTOCOL. */
	if (S.tls_level <= 0 && getenv("SSL_PROTOCOL") != NULL)
		S.secure = 1;
	run();
	return RC_OK;
}
