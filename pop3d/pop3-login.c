/*
 * pop3-login — the POP3 AUTHORIZATION state, before anyone is known.
 *
 *   pop3-login [-t seconds] checkpw PROG [ARG...]
 *
 * Talks to the client on fd 0 and 1: CAPA, USER/PASS, AUTH (PLAIN,
 * LOGIN, CRAM-MD5, with initial responses), STLS through UCSPI-TLS, QUIT.
 * Once the client has given a name and secret, it forks and executes the
 * checkpassword program with "user\0secret\0challenge\0" on fd 3; that
 * program verifies them and runs PROG (pop3d) as the user on the same
 * fd 0 and 1.  Exit 1 from it means "wrong": the client may try again,
 * after a delay, a limited number of times.  Input is read one byte at
 * a time so that nothing the client pipelined after its PASS or AUTH is
 * consumed here: it is there for pop3d to read.
 *
 * Exit codes: 0 the client quit or the session ran; 1 too many failed
 * logins; 100 misuse; 111 a temporary problem.  See pop3-login(8).
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "checkpass.h"
#include "control.h"
#include "io.h"
#include "log.h"
#include "num.h"
#include "peer.h"
#include "pop3cmd.h"
#include "str.h"
#include "ucspitls.h"
#include "uniq.h"

enum rc { RC_OK = 0, RC_DENIED = 1, RC_USAGE = 100, RC_TEMP = 111 };

#define DEFAULT_TIMEOUT 600	 /* RFC 1939: at least 10 minutes */
#define DEFAULT_MAX_FAILURES 3
#define DEFAULT_DELAY_MS 2000
#define ERRORS_MAX 20		 /* bad commands before we hang up */
#define TLS_TIMEOUT_MS 60000

struct config {
	int timeout_ms;
	uint64_t max_failures;
	uint64_t delay_ms;
	int plaintext_ok; /* USER/PASS, PLAIN, LOGIN without TLS */
	char **argv;	  /* the checkpassword program and its arguments */
};

struct session {
	struct config *cfg;
	struct ucspitls tls;
	int tls_level; /* what ucspitls_init said; -1 on error */
	int secure;    /* TLS is on (STLS done, or implicit TLS) */
	unsigned failures, errors;
	struct str user; /* from USER */
	int have_user;
	const char *ip;
	struct rbuf rb; /* only for ucspitls_start: never read through */
	struct wbuf wb;
	struct str line, out, dec;
};

static struct session S;

static void
usage(void)
{
	log_die(RC_USAGE, "usage: pop3-login [-t seconds] checkpw prog "
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

/*
 * Reads one line of at most max bytes (LF included) from fd 0, a byte at
 * a time, so no byte after its LF is taken from the client.  Returns 1,
 * 0 at end of input, -1 with errno (E2BIG: the line was too long and has
 * been skipped through its LF; ETIMEDOUT).
 */
static int
getline0(struct str *line, size_t max)
{
	int toolong = 0;

	str_clear(line);
	flush();
	for (;;) {
		struct pollfd p = { .fd = S.rb.fd, .events = POLLIN };
		char c;
		ssize_t r;
		int pr = poll(&p, 1, S.cfg->timeout_ms);

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			return -1;
		if (pr == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		r = read(S.rb.fd, &c, 1);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {
			if (line->len == 0 && !toolong)
				return 0;
			break;
		}
		if (!toolong) {
			if (line->len == max) {
				toolong = 1;
				str_clear(line);
			} else if (str_appendc(line, c) < 0) {
				return -1;
			}
		}
		if (c == '\n')
			break;
	}
	if (toolong) {
		errno = E2BIG;
		return -1;
	}
	return 1;
}

static int
read_or_die(struct str *line, size_t max)
{
	int r = getline0(line, max);

	if (r == 0) {
		errno = 0;
		gone("eof");
	}
	if (r < 0 && errno == ETIMEDOUT) {
		reply("-ERR autologout: idle for too long");
		(void)wbuf_flush(&S.wb);
		gone("timeout");
	}
	if (r < 0 && errno != E2BIG)
		gone("read");
	return r;
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

/* A failed attempt: wait, tell, and hang up after too many. */
static void
failed(const char *mech, const char *user, size_t ulen, const char *why)
{
	S.failures++;
	log_warn("auth failed ip=%s mech=%s user=%.*s reason=%s failures=%u",
	    S.ip, mech, (int)(ulen > 64 ? 64 : ulen), user, why, S.failures);
	msleep(S.cfg->delay_ms);
	if (S.failures >= S.cfg->max_failures) {
		reply("-ERR [AUTH] authentication failed; too many failures, "
		      "closing");
		linger();
		exit(RC_DENIED);
	}
	reply("-ERR [AUTH] authentication failed");
}

/*
 * Runs the checkpassword program with user, secret and challenge on fd 3.
 * Returns only when the secret was wrong (exit 1); otherwise the session
 * ran (or could not) and this process ends with it.
 */
static void
authenticate(const char *mech, const char *user, size_t ulen,
    const char *secret, size_t slen, const char *chal, size_t clen)
{
	char rec[CHECKPASS_MAX];
	size_t n = ulen + slen + clen + 3;
	int p[2], status;
	pid_t pid;

	if (ulen == 0 || memchr(user, '\0', ulen) != NULL ||
	    memchr(secret, '\0', slen) != NULL) {
		failed(mech, user, ulen, "bad name or secret");
		return;
	}
	if (n > sizeof rec) {
		failed(mech, user, ulen, "name and secret too long");
		return;
	}
	memcpy(rec, user, ulen);
	rec[ulen] = '\0';
	memcpy(rec + ulen + 1, secret, slen);
	rec[ulen + 1 + slen] = '\0';
	memcpy(rec + ulen + slen + 2, chal, clen);
	rec[n - 1] = '\0';

	flush();
	if (pipe(p) < 0)
		log_die(RC_TEMP, "unable to create a pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		log_die(RC_TEMP, "unable to fork: %s", strerror(errno));
	if (pid == 0) {
		explicit_bzero(rec, sizeof rec);
		close(p[1]);
		/* The session is plaintext (or already TLS on 0/1): the
		 * UCSPI-TLS descriptors are not the child's business. */
		if (S.tls_level > 0) {
			if (S.tls.ctlfd != p[0])
				close(S.tls.ctlfd);
			if (S.tls.rfd != p[0])
				close(S.tls.rfd);
			if (S.tls.wfd != p[0])
				close(S.tls.wfd);
			unsetenv("SSLCTLFD");
			unsetenv("SSLREADFD");
			unsetenv("SSLWRITEFD");
			unsetenv("UCSPITLS");
		}
		if (p[0] != 3) {
			if (dup2(p[0], 3) < 0)
				log_die(RC_TEMP, "unable to dup2: %s",
				    strerror(errno));
			close(p[0]);
		}
		signal(SIGPIPE, SIG_DFL);
		execvp(S.cfg->argv[0], S.cfg->argv);
		log_die(RC_TEMP, "unable to run %s: %s", S.cfg->argv[0],
		    strerror(errno));
	}
	close(p[0]);
	if (io_write_all(p[1], rec, n, 10000) < 0 && errno != EPIPE)
		log_warn("unable to write to %s: %s", S.cfg->argv[0],
		    strerror(errno));
	explicit_bzero(rec, sizeof rec);
	close(p[1]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			log_die(RC_TEMP, "waitpid: %s", strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 1) {
		failed(mech, user, ulen, "wrong secret");
		return;
	}
	if (WIFSIGNALED(status)) {
		log_error("%s killed by signal %d", S.cfg->argv[0],
		    WTERMSIG(status));
		exit(RC_TEMP);
	}
	switch (WEXITSTATUS(status)) {
	case 0:
	case 3: /* pop3d refused and said why */
		exit(RC_OK);
	default:
		log_error("%s exited %d", S.cfg->argv[0], WEXITSTATUS(status));
		reply("-ERR [SYS/TEMP] temporary failure, try again later");
		(void)wbuf_flush(&S.wb);
		exit(RC_TEMP);
	}
}

/* Decodes one base64 SASL answer ("=" is empty) into S.dec.  -1 bad. */
static int
decode(const char *p, size_t n)
{
	str_clear(&S.dec);
	if (n == 1 && p[0] == '=')
		return 0;
	return b64_decode(p, n, &S.dec, B64_STRICT) == 0 ? 0 : -1;
}

/*
 * Sends a "+ " continuation with the base64 of p and reads the answer
 * into S.dec.  Returns 0, or -1 when the client aborted ("*") or sent
 * something bad (the reply is given).
 */
static int
challenge(const char *p, size_t n)
{
	size_t len;

	str_clear(&S.dec);
	if (b64_encode(&S.dec, p, n, 0, 0) < 0)
		log_die(RC_TEMP, "out of memory");
	reply("+ %.*s", (int)S.dec.len, S.dec.s ? S.dec.s : "");
	if (read_or_die(&S.line, POP3_SASL_LINE_MAX) < 0) {
		reply("-ERR line too long");
		return -1;
	}
	if (pop3_sasl_line(S.line.s, S.line.len, &len) < 0) {
		reply("-ERR malformed line");
		return -1;
	}
	if (len == 1 && S.line.s[0] == '*') {
		reply("-ERR authentication aborted");
		return -1;
	}
	if (decode(S.line.s, len) < 0) {
		reply("-ERR invalid base64");
		return -1;
	}
	return 0;
}

static void
auth_plain(const char *ir, size_t irlen)
{
	const char *a, *u, *pw, *end;
	size_t ulen;

	if (ir != NULL) {
		if (decode(ir, irlen) < 0) {
			reply("-ERR invalid base64");
			return;
		}
	} else if (challenge("", 0) < 0) {
		return;
	}
	a = S.dec.s ? S.dec.s : "";
	end = a + S.dec.len;
	u = memchr(a, '\0', S.dec.len);
	pw = u ? memchr(u + 1, '\0', (size_t)(end - u - 1)) : NULL;
	if (u == NULL || pw == NULL ||
	    memchr(pw + 1, '\0', (size_t)(end - pw - 1)) != NULL) {
		reply("-ERR malformed PLAIN response");
		return;
	}
	u++;
	ulen = (size_t)(pw - u);
	pw++;
	/* Logging in as someone else is not offered. */
	if (u - 1 > a && ((size_t)(u - 1 - a) != ulen || memcmp(a, u, ulen))) {
		failed("PLAIN", u, ulen, "authorization identity differs");
		return;
	}
	authenticate("PLAIN", u, ulen, pw, (size_t)(end - pw), "", 0);
}

static void
auth_login(const char *ir, size_t irlen)
{
	struct str user = STR_INIT;

	if (ir != NULL) {
		if (decode(ir, irlen) < 0) {
			reply("-ERR invalid base64");
			return;
		}
	} else if (challenge("Username:", 9) < 0) {
		return;
	}
	if (str_copy(&user, S.dec.s ? S.dec.s : "", S.dec.len) < 0)
		log_die(RC_TEMP, "out of memory");
	if (challenge("Password:", 9) == 0)
		authenticate("LOGIN", user.s ? user.s : "", user.len,
		    S.dec.s ? S.dec.s : "", S.dec.len, "", 0);
	str_free(&user);
}

static void
auth_cram(const char *ir)
{
	char chal[256], host[UNIQ_HOST_MAX + 1];
	uint64_t rnd = 0;
	const char *sp;
	size_t i;

	if (ir != NULL) { /* the server speaks first in CRAM-MD5 */
		reply("-ERR CRAM-MD5 takes no initial response");
		return;
	}
	if (getrandom(&rnd, sizeof rnd, 0) != sizeof rnd)
		log_die(RC_TEMP, "getrandom: %s", strerror(errno));
	if (uniq_host(host, sizeof host) < 0)
		snprintf(host, sizeof host, "localhost");
	snprintf(chal, sizeof chal, "<%" PRIu64 ".%lld@%s>", rnd,
	    (long long)time(NULL), host);
	if (challenge(chal, strlen(chal)) < 0)
		return;
	/* "user digest": the digest is 32 hex digits after the last space */
	sp = S.dec.len > 33 ? S.dec.s + S.dec.len - 33 : NULL;
	if (sp == NULL || *sp != ' ') {
		reply("-ERR malformed CRAM-MD5 response");
		return;
	}
	for (i = 1; i < 33; i++)
		if (!((sp[i] >= '0' && sp[i] <= '9') ||
			(sp[i] >= 'a' && sp[i] <= 'f')))
			break;
	if (i < 33) {
		reply("-ERR malformed CRAM-MD5 response");
		return;
	}
	authenticate("CRAM-MD5", S.dec.s, (size_t)(sp - S.dec.s), sp + 1, 32,
	    chal, strlen(chal));
}

static void
mechs(const char *sep)
{
	str_clear(&S.out);
	if (plaintext_ok())
		(void)str_printf(&S.out, "PLAIN%sLOGIN%s", sep, sep);
	(void)str_appendz(&S.out, "CRAM-MD5");
}

static void
cmd_capa(void)
{
	char m[64];

	reply("+OK capability list follows");
	reply("TOP");
	reply("UIDL");
	reply("RESP-CODES");
	reply("AUTH-RESP-CODE");
	reply("PIPELINING");
	if (plaintext_ok())
		reply("USER");
	mechs(" ");
	snprintf(m, sizeof m, "%s", S.out.s ? S.out.s : "");
	reply("SASL %s", m);
	if (S.tls_level > 0 && !S.secure)
		reply("STLS");
	reply("IMPLEMENTATION facteur");
	reply(".");
}

static int
mech_is(const struct pop3_cmd *c, const char *name)
{
	return c->arglen[0] == strlen(name) &&
	    strncasecmp(c->arg[0], name, c->arglen[0]) == 0;
}

static void
cmd_auth(const struct pop3_cmd *c)
{
	const char *ir = c->nargs == 2 ? c->arg[1] : NULL;
	size_t irlen = c->nargs == 2 ? c->arglen[1] : 0;

	if (c->nargs == 0) { /* the old listing form (RFC 1734 clients) */
		char m[64];

		mechs("\r\n");
		snprintf(m, sizeof m, "%s", S.out.s ? S.out.s : "");
		reply("+OK");
		reply("%s", m);
		reply(".");
		return;
	}
	if (mech_is(c, "CRAM-MD5")) {
		auth_cram(ir);
		return;
	}
	if (!mech_is(c, "PLAIN") && !mech_is(c, "LOGIN")) {
		reply("-ERR unsupported authentication mechanism");
		return;
	}
	if (!plaintext_ok()) {
		reply("-ERR [AUTH] plaintext authentication disallowed on "
		      "non-TLS connections");
		return;
	}
	if (mech_is(c, "PLAIN"))
		auth_plain(ir, irlen);
	else
		auth_login(ir, irlen);
}

static void
cmd_stls(void)
{
	if (S.secure) {
		reply("-ERR already using TLS");
		return;
	}
	if (S.tls_level <= 0) {
		reply("-ERR STLS not available");
		return;
	}
	reply("+OK begin TLS negotiation");
	if (ucspitls_start(&S.tls, &S.rb, &S.wb, TLS_TIMEOUT_MS) < 0)
		gone("tls");
	S.secure = 1;
	S.have_user = 0;
	str_wipe(&S.user);
	log_info("tls ip=%s protocol=%s cipher=%s", S.ip,
	    getenv("SSL_PROTOCOL") ? getenv("SSL_PROTOCOL") : "-",
	    getenv("SSL_CIPHER") ? getenv("SSL_CIPHER") : "-");
}

/* Secrets pass through the command line and the decoded SASL answer:
 * neither outlives the command. */
static void
wipe(void)
{
	if (S.line.s != NULL)
		explicit_bzero(S.line.s, S.line.cap);
	str_wipe(&S.dec);
}

static void
run(void)
{
	struct pop3_cmd c;
	const char *why;

	reply("+OK POP3 ready");
	for (;;) {
		if (read_or_die(&S.line, POP3_LINE_MAX) < 0) {
			why = "line too long";
			goto bad;
		}
		if (pop3_cmd_parse(S.line.s, S.line.len, &c, &why) < 0)
			goto bad;
		if (S.tls_level == UCSPITLS_REQUIRED && !S.secure &&
		    c.verb != POP3_CAPA && c.verb != POP3_STLS &&
		    c.verb != POP3_QUIT && c.verb != POP3_NOOP) {
			why = "STLS required first";
			goto bad;
		}
		switch (c.verb) {
		case POP3_CAPA:
			cmd_capa();
			break;
		case POP3_NOOP:
			reply("+OK");
			break;
		case POP3_QUIT:
			reply("+OK bye");
			flush();
			log_info("end ip=%s reason=quit", S.ip);
			exit(RC_OK);
		case POP3_STLS:
			cmd_stls();
			break;
		case POP3_USER:
			if (!plaintext_ok()) {
				reply("-ERR [AUTH] plaintext authentication "
				      "disallowed on non-TLS connections");
				break;
			}
			if (str_copy(&S.user, c.arg[0], c.arglen[0]) < 0)
				log_die(RC_TEMP, "out of memory");
			S.have_user = 1;
			reply("+OK send PASS");
			break;
		case POP3_PASS:
			if (!S.have_user) {
				why = "USER first";
				goto bad;
			}
			S.have_user = 0;
			authenticate("USER", S.user.s, S.user.len, c.arg[0],
			    c.arglen[0], "", 0);
			break;
		case POP3_AUTH:
			S.have_user = 0;
			cmd_auth(&c);
			break;
		case POP3_APOP:
			reply("-ERR APOP not supported");
			break;
		default:
			why = "command not valid in this state";
			goto bad;
		}
		wipe();
		continue;
	bad:
		wipe();
		reply("-ERR %s", why);
		if (++S.errors >= ERRORS_MAX) {
			reply("-ERR too many errors, closing");
			linger();
			log_warn("end ip=%s reason=too many errors", S.ip);
			exit(RC_OK);
		}
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
	static char ipbuf[PEER_MAX];
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
	if (!timeout_given)
		control_or_die(control_u64("pop3_login_timeout",
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
	peer_address(0, ipbuf, sizeof ipbuf); /* TCPREMOTEIP, getpeername */
	S.ip = ipbuf;
	signal(SIGPIPE, SIG_IGN);
	rbuf_init(&S.rb, 0, cfg.timeout_ms);
	wbuf_init(&S.wb, 1, cfg.timeout_ms);
	(void)io_nodelay(1); /* whole replies only; pop3d inherits it */
	S.tls_level = ucspitls_init(&S.tls);
	if (S.tls_level < 0)
		log_warn("UCSPI-TLS misconfigured (%s): STLS not offered",
		    strerror(errno));
	/* Implicit TLS (tlsd without -n) sets SSL_PROTOCOL. */
	if (S.tls_level <= 0 && getenv("SSL_PROTOCOL") != NULL)
		S.secure = 1;
	run();
	return RC_OK;
}
