/*
 * smtpd: the ESMTP server (RFC 5321), one process per connection.
 *
 * The client is on fd 0 and fd 1 (tcpserver, inetd, systemd Accept=yes);
 * the peer's address comes from TCPREMOTEIP or getpeername(0).  Commands
 * are read with lib/smtpcmd, addresses with lib/smtpaddr, the message
 * with lib/smtpdata, and the message is streamed into enqueue (or the
 * program in $FACTEUR_QUEUE or $QMAILQUEUE) through the qmail-queue
 * interface; 250 is sent only after it exited 0.  See smtpd(8).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "control.h"
#include "date.h"
#include "io.h"
#include "log.h"
#include "num.h"
#include "policy.h"
#include "smtpaddr.h"
#include "smtpcmd.h"
#include "smtpdata.h"
#include "str.h"
#include "ucspitls.h"

#define HELO_MAX 255
#define AUTH_USER_MAX 255
#define AUTH_SECRET_MAX 255
#define SPOOL_DEFAULT "/var/spool/facteur"

struct queue {
	pid_t pid;
	int msgfd, envfd;
	struct wbuf wb; /* to the message pipe */
	int failed;	/* a write to the pipe failed */
};

struct session {
	struct rbuf rb;
	struct wbuf wb;
	struct policy pol;
	const char *queue_prog;
	char remoteip[INET6_ADDRSTRLEN + 1];
	int relay; /* RELAYCLIENT or mynetworks */
	int tls;   /* the connection is encrypted (SSL_PROTOCOL set) */
	struct ucspitls u;
	int tls_level;	     /* enum ucspitls_level, 0 once TLS runs */
	char **checkprog;    /* checkpassword program and args, or NULL */
	int auth_plaintext;  /* PLAIN/LOGIN allowed without TLS */
	char authuser[AUTH_USER_MAX + 1]; /* "" until AUTH succeeded */
	char helo[HELO_MAX + 1];
	int greeted, esmtp;
	uint64_t errors;
	/* The transaction. */
	int have_mail;
	struct smtp_addr sender;
	struct smtp_mail_params mp;
	struct str env; /* envelope records after F: T, N, O */
	size_t nrcpt;
	char firstrcpt[SMTP_ADDR_MAX + 1];
	/* BDAT in progress. */
	int bdat;
	struct smtp_data dr;
	uint64_t msgsize;
	int toobig;
	struct queue q;
};

static struct session sess;

/* ---------------------------------------------------------------- replies */

static void __attribute__((noreturn))
bye(int code)
{
	(void)wbuf_flush(&sess.wb);
	_exit(code);
}

/* Buffers one reply line; a 4xx or 5xx counts as an error. */
static void
reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
reply(const char *fmt, ...)
{
	struct str line = STR_INIT;
	va_list ap;

	va_start(ap, fmt);
	if (str_vprintf(&line, fmt, ap) < 0 || str_append(&line, "\r\n", 2) < 0)
		_exit(111);
	va_end(ap);
	if (line.s[0] == '4' || line.s[0] == '5')
		sess.errors++;
	if (wbuf_put(&sess.wb, line.s, line.len) < 0) {
		log_info("disconnect ip=%s reason=write_failed", sess.remoteip);
		_exit(0);
	}
	str_free(&line);
}

/* Logs a refusal: its code and the command, escaped by log.c. */
static void
refuse(const char *cmd, const char *arg, size_t arglen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
refuse(const char *cmd, const char *arg, size_t arglen, const char *fmt, ...)
{
	struct str line = STR_INIT;
	va_list ap;

	va_start(ap, fmt);
	if (str_vprintf(&line, fmt, ap) < 0)
		_exit(111);
	va_end(ap);
	log_info("refuse ip=%s cmd=%s code=%.3s arg=%.*s", sess.remoteip, cmd,
	    line.s, (int)(arglen > 200 ? 200 : arglen), arg);
	reply("%s", line.s);
	str_free(&line);
}

/* Writes replies out before input would block (RFC 2920). */
static void
flush_if_idle(void)
{
	if (rbuf_pending(&sess.rb) == 0 && wbuf_flush(&sess.wb) < 0) {
		log_info("disconnect ip=%s reason=write_failed", sess.remoteip);
		_exit(0);
	}
}

static void
on_alarm(int sig)
{
	static const char msg[] = "421 4.4.2 session time limit exceeded\r\n";

	(void)sig;
	/* Async-signal-safe: no buffers, no logging beyond one write. */
	if (write(1, msg, sizeof msg - 1) < 0) {
		/* The client is gone; nothing more to say. */
	}
	/* A running enqueue sees its envelope end early and queues nothing. */
	_exit(0);
}

/* ---------------------------------------------------------------- enqueue */

/* In a child: the UCSPI-TLS descriptors are not its business. */
static void
close_tls_fds(void)
{
	if (sess.tls_level == UCSPITLS_UNAVAILABLE)
		return;
	if (sess.u.ctlfd > 2)
		close(sess.u.ctlfd);
	if (sess.u.rfd > 2)
		close(sess.u.rfd);
	if (sess.u.wfd > 2)
		close(sess.u.wfd);
}

static void
queue_abort(void)
{
	int st;

	if (sess.q.pid <= 0)
		return;
	/* Closing both pipes without the envelope's final NUL makes a
	 * qmail-queue program exit without queueing. */
	close(sess.q.msgfd);
	close(sess.q.envfd);
	while (waitpid(sess.q.pid, &st, 0) < 0 && errno == EINTR)
		;
	sess.q.pid = 0;
}

static int
queue_start(void)
{
	int mp[2], ep[2];
	pid_t pid;

	if (pipe2(mp, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(ep, O_CLOEXEC) < 0) {
		close(mp[0]);
		close(mp[1]);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		close(mp[0]);
		close(mp[1]);
		close(ep[0]);
		close(ep[1]);
		return -1;
	}
	if (pid == 0) {
		char *argv[2];

		close_tls_fds();
		if (dup2(mp[0], 0) < 0 || dup2(ep[0], 1) < 0)
			_exit(81);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGALRM, SIG_DFL);
		alarm(0);
		argv[0] = (char *)sess.queue_prog;
		argv[1] = NULL;
		if (strchr(sess.queue_prog, '/') != NULL)
			execv(sess.queue_prog, argv);
		else
			execvp(sess.queue_prog, argv);
		log_error("unable to run %s: %s", sess.queue_prog,
		    strerror(errno));
		_exit(81);
	}
	close(mp[0]);
	close(ep[0]);
	sess.q.pid = pid;
	sess.q.msgfd = mp[1];
	sess.q.envfd = ep[1];
	sess.q.failed = 0;
	wbuf_init(&sess.q.wb, mp[1], (int)(sess.pol.timeout * 1000));
	return 0;
}

static void
queue_put(const void *p, size_t n)
{
	if (sess.q.failed || n == 0)
		return;
	if (wbuf_put(&sess.q.wb, p, n) < 0)
		sess.q.failed = 1;
}

static int
put_rec(struct str *e, char type, const char *v, size_t n)
{
	if (str_appendc(e, type) < 0 || str_append(e, v, n) < 0 ||
	    str_appendc(e, '\0') < 0)
		return -1;
	return 0;
}

/*
 * Ends the message: sends the envelope, waits for the queue program and
 * returns its exit code (or -1 if it died or could not be talked to).
 */
static int
queue_finish(void)
{
	struct str e = STR_INIT;
	const struct smtp_mail_params *mp = &sess.mp;
	int st, ok = 1;

	if (sess.q.failed || wbuf_flush(&sess.q.wb) < 0)
		ok = 0;
	close(sess.q.msgfd);
	if (put_rec(&e, 'F', sess.sender.addr, sess.sender.len) < 0)
		_exit(111);
	if (mp->envid[0] != '\0')
		(void)put_rec(&e, 'E', mp->envid, strlen(mp->envid));
	if (mp->ret != SMTP_RET_NONE)
		(void)put_rec(&e, 'R', mp->ret == SMTP_RET_FULL ? "FULL" : "HDRS",
		    4);
	if (mp->body != SMTP_BODY_NONE)
		(void)put_rec(&e, 'B', mp->body == SMTP_BODY_7BIT ? "7BIT" :
		    "8BITMIME", mp->body == SMTP_BODY_7BIT ? 4 : 8);
	if (mp->smtputf8)
		(void)put_rec(&e, 'U', "", 0);
	if (sess.authuser[0] != '\0')
		(void)put_rec(&e, 'A', sess.authuser, strlen(sess.authuser));
	if (str_append(&e, sess.env.s, sess.env.len) < 0 ||
	    str_appendc(&e, '\0') < 0)
		_exit(111);
	if (ok && io_write_all(sess.q.envfd, e.s, e.len,
	    (int)(sess.pol.timeout * 1000)) < 0)
		ok = 0;
	close(sess.q.envfd);
	str_free(&e);
	while (waitpid(sess.q.pid, &st, 0) < 0) {
		if (errno != EINTR) {
			st = -1;
			break;
		}
	}
	sess.q.pid = 0;
	if (!ok && st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return -1; /* cannot happen: it saw a short envelope */
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* ---------------------------------------------------------------- helpers */

static void
txn_reset(void)
{
	queue_abort();
	sess.have_mail = 0;
	sess.nrcpt = 0;
	sess.bdat = 0;
	sess.toobig = 0;
	sess.msgsize = 0;
	sess.firstrcpt[0] = '\0';
	str_clear(&sess.env);
	memset(&sess.mp, 0, sizeof sess.mp);
	memset(&sess.sender, 0, sizeof sess.sender);
}

/* The HELO name as it may appear in a Received line. */
static void
helo_for_header(char *out, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n && sess.helo[i] != '\0'; i++) {
		char c = sess.helo[i];

		out[i] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr(".-_:[]", c) != NULL) ?
		    c : '?';
	}
	out[i] = '\0';
}

static void
received_header(void)
{
	struct str h = STR_INIT;
	char date[DATE_RFC5322_MAX], helo[HELO_MAX + 1];
	const char *proto, *tlsproto = getenv("SSL_PROTOCOL"),
			  *cipher = getenv("SSL_CIPHER");

	if (date_rfc5322(time(NULL), 0, date, sizeof date) < 0)
		strcpy(date, "Thu, 01 Jan 1970 00:00:00 +0000");
	helo_for_header(helo, sizeof helo);
	/* RFC 3848 and RFC 6531 §3.7.3 protocol names. */
	{
		static char pbuf[16];
		int a = sess.authuser[0] != '\0';

		if (!sess.esmtp)
			snprintf(pbuf, sizeof pbuf, "SMTP");
		else
			snprintf(pbuf, sizeof pbuf, "%s%s%s", sess.mp.smtputf8 ?
			    "UTF8SMTP" : "ESMTP", sess.tls ? "S" : "",
			    a ? "A" : "");
		proto = pbuf;
	}
	/* An RFC 5321 address literal: [192.0.2.1] or [IPv6:2001:db8::1]. */
	if (str_printf(&h, "Received: from %s ([%s%s])\n\tby %s (facteur)",
	    helo, strchr(sess.remoteip, ':') != NULL ? "IPv6:" : "",
	    sess.remoteip, sess.pol.myhostname.s) < 0)
		_exit(111);
	if (sess.tls && tlsproto != NULL && cipher != NULL) {
		char tp[64], ci[128];

		log_escape(tp, sizeof tp, tlsproto, strlen(tlsproto));
		log_escape(ci, sizeof ci, cipher, strlen(cipher));
		if (str_printf(&h, " (%s with cipher %s)", tp, ci) < 0)
			_exit(111);
	}
	if (str_printf(&h, " with %s", proto) < 0)
		_exit(111);
	if (sess.nrcpt == 1 && str_printf(&h, "\n\tfor <%s>", sess.firstrcpt) < 0)
		_exit(111);
	if (str_printf(&h, ";\n\t%s\n", date) < 0)
		_exit(111);
	queue_put(h.s, h.len);
	str_free(&h);
}

/* Replies to the end of a message, after the queue program returned. */
static void
message_done(const char *how)
{
	int rc;

	if (sess.toobig) {
		queue_abort();
		refuse(how, "", 0, "552 5.3.4 message exceeds the size limit "
		    "of %llu bytes", (unsigned long long)sess.pol.size_limit);
	} else if (sess.dr.errs & SMTP_DATA_ENUL) {
		queue_abort();
		refuse(how, "", 0, "554 5.6.0 message contains a NUL byte");
	} else if (sess.dr.errs & SMTP_DATA_ELONG) {
		queue_abort();
		refuse(how, "", 0, "554 5.6.0 message has a line longer than "
		    "%llu bytes", (unsigned long long)sess.pol.line_limit);
	} else {
		pid_t pid = sess.q.pid;

		rc = queue_finish();
		if (rc == 0) {
			log_info("accept ip=%s qp=%ld from=<%s> rcpts=%zu "
			    "size=%llu", sess.remoteip, (long)pid,
			    sess.sender.addr, sess.nrcpt,
			    (unsigned long long)sess.msgsize);
			reply("250 2.0.0 ok: queued as qp %ld", (long)pid);
		} else if (rc >= 11 && rc <= 40) {
			refuse(how, "", 0, "554 5.3.0 message refused by the "
			    "queue (%d)", rc);
		} else {
			refuse(how, "", 0, "451 4.3.0 temporary queue failure "
			    "(%d)", rc);
		}
	}
	txn_reset();
}

/* Fatal end of a message: a framing error or the client vanished. */
static void __attribute__((noreturn))
data_fatal(const char *why)
{
	queue_abort();
	if (strcmp(why, "eof") == 0) {
		log_info("disconnect ip=%s reason=eof_in_data", sess.remoteip);
		_exit(0);
	}
	if (strcmp(why, "timeout") == 0) {
		log_info("disconnect ip=%s reason=timeout_in_data",
		    sess.remoteip);
		reply("421 4.4.2 %s timeout; closing", sess.pol.myhostname.s);
		bye(0);
	}
	log_info("refuse ip=%s cmd=DATA code=521 arg=bare_cr_or_lf",
	    sess.remoteip);
	reply("521 5.5.2 bare CR or LF in the message; closing");
	bye(0);
}

/*
 * Reads message bytes into the reader: DATA until its end (limit
 * UINT64_MAX), a BDAT chunk for exactly chunk bytes.  Returns 1 at the
 * end of DATA, 0 when the chunk is read.
 */
static int
read_message(uint64_t chunk)
{
	static char out[IO_BUFSIZE];

	for (;;) {
		size_t avail, take, ol, used;
		int r;

		if (sess.dr.mode == SMTP_DATA_RAW && chunk == 0)
			return 0;
		if (rbuf_pending(&sess.rb) == 0) {
			ssize_t f;

			flush_if_idle();
			f = rbuf_fill(&sess.rb);
			if (f == 0)
				data_fatal("eof");
			if (f < 0)
				data_fatal(errno == ETIMEDOUT ? "timeout" :
				    "eof");
		}
		avail = rbuf_pending(&sess.rb);
		take = avail;
		if (sess.dr.mode == SMTP_DATA_RAW && take > chunk)
			take = (size_t)chunk;
		r = smtp_data_feed(&sess.dr,
		    (const char *)sess.rb.buf + sess.rb.pos, take, out, &ol,
		    &used);
		sess.rb.pos += used;
		if (sess.dr.mode == SMTP_DATA_RAW)
			chunk -= used;
		if (!sess.toobig && sess.msgsize + ol > sess.pol.size_limit)
			sess.toobig = 1;
		sess.msgsize += ol;
		/* Once refused, the rest is read and thrown away. */
		if (!sess.toobig && (sess.dr.errs & ~(unsigned)SMTP_DATA_E8BIT) == 0)
			queue_put(out, ol);
		if (r < 0)
			data_fatal("bare");
		if (r == 1)
			return 1;
	}
}

/* ---------------------------------------------------------------- commands */

static int
need_helo(const char *cmd)
{
	if (sess.greeted)
		return 1;
	refuse(cmd, "", 0, "503 5.5.1 send HELO or EHLO first");
	return 0;
}

static int
helo_ok(const char *arg, size_t n)
{
	if (n == 0 || n > HELO_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)arg[i] <= ' ' || (unsigned char)arg[i] >= 127)
			return 0;
	return 1;
}

static void
cmd_helo(const struct smtp_cmd *c, int esmtp)
{
	const char *name = esmtp ? "EHLO" : "HELO";

	if (!helo_ok(c->arg, c->arglen)) {
		refuse(name, c->arg, c->arglen, "501 5.5.4 %s needs a host name",
		    name);
		return;
	}
	txn_reset();
	memcpy(sess.helo, c->arg, c->arglen);
	sess.helo[c->arglen] = '\0';
	sess.greeted = 1;
	sess.esmtp = esmtp;
	/* RFC 2034: no enhanced code in the greeting and HELO/EHLO replies. */
	if (!esmtp) {
		reply("250 %s", sess.pol.myhostname.s);
		return;
	}
	reply("250-%s greets [%s]", sess.pol.myhostname.s, sess.remoteip);
	reply("250-PIPELINING");
	reply("250-SIZE %llu", (unsigned long long)sess.pol.size_limit);
	reply("250-8BITMIME");
	reply("250-ENHANCEDSTATUSCODES");
	reply("250-SMTPUTF8");
	reply("250-CHUNKING");
	reply("250-DSN");
	reply("250-ETRN");
	if (!sess.tls && sess.tls_level != UCSPITLS_UNAVAILABLE)
		reply("250-STARTTLS");
	if (sess.checkprog != NULL) {
		if (sess.tls || sess.auth_plaintext)
			reply("250-AUTH PLAIN LOGIN CRAM-MD5");
		else
			reply("250-AUTH CRAM-MD5");
	}
	reply("250 HELP");
}

static void
cmd_mail(const struct smtp_cmd *c)
{
	const char *rest, *what = "";
	size_t restlen;

	if (!need_helo("MAIL"))
		return;
	if (sess.have_mail) {
		refuse("MAIL", c->arg, c->arglen, "503 5.5.1 nested MAIL command");
		return;
	}
	if (!smtp_cmd_prefix(c->arg, c->arglen, "FROM:", &rest, &restlen)) {
		refuse("MAIL", c->arg, c->arglen, "501 5.5.4 syntax: MAIL "
		    "FROM:<address>");
		return;
	}
	if (!sess.esmtp) {
		size_t used;

		memset(&sess.mp, 0, sizeof sess.mp);
		if (smtp_path_parse(rest, restlen, SMTP_ADDR_NULL_OK,
		    &sess.sender, &used) < 0 || used != restlen) {
			refuse("MAIL", c->arg, c->arglen, "501 5.1.7 bad sender "
			    "address syntax");
			return;
		}
	} else if (smtp_mail_parse(rest, restlen, SMTP_ADDR_UTF8, &sess.sender,
	    &sess.mp, &what) < 0) {
		int e = errno;

		if (strcmp(what, "path") == 0 && e == EILSEQ)
			refuse("MAIL", c->arg, c->arglen, "553 5.6.7 non-ASCII "
			    "address needs SMTPUTF8");
		else if (strcmp(what, "path") == 0)
			refuse("MAIL", c->arg, c->arglen, "501 5.1.7 bad sender "
			    "address syntax");
		else if (e == ENOENT)
			refuse("MAIL", c->arg, c->arglen, "555 5.5.4 unsupported "
			    "parameter");
		else if (e == ERANGE)
			refuse("MAIL", c->arg, c->arglen, "552 5.3.4 message "
			    "size exceeds the limit");
		else
			refuse("MAIL", c->arg, c->arglen, "501 5.5.4 bad %s "
			    "parameter", what);
		return;
	}
	if (sess.mp.has_size && sess.mp.size > sess.pol.size_limit) {
		refuse("MAIL", c->arg, c->arglen, "552 5.3.4 message size "
		    "exceeds the limit of %llu bytes",
		    (unsigned long long)sess.pol.size_limit);
		return;
	}
	sess.have_mail = 1;
	reply("250 2.1.0 sender ok");
}

static void
cmd_rcpt(const struct smtp_cmd *c)
{
	struct smtp_addr a;
	struct smtp_rcpt_params rp;
	const char *rest, *what = "";
	size_t restlen;
	enum dom_class cls;
	char addr[SMTP_ADDR_MAX + 2 + HELO_MAX];
	size_t alen;

	if (!sess.have_mail) {
		refuse("RCPT", c->arg, c->arglen, "503 5.5.1 need MAIL first");
		return;
	}
	if (sess.bdat) {
		refuse("RCPT", c->arg, c->arglen, "503 5.5.1 BDAT in progress");
		return;
	}
	if (!smtp_cmd_prefix(c->arg, c->arglen, "TO:", &rest, &restlen)) {
		refuse("RCPT", c->arg, c->arglen, "501 5.5.4 syntax: RCPT "
		    "TO:<address>");
		return;
	}
	if (!sess.esmtp) {
		size_t used;

		memset(&rp, 0, sizeof rp);
		if (smtp_path_parse(rest, restlen, SMTP_ADDR_POSTMASTER, &a,
		    &used) < 0 || used != restlen) {
			refuse("RCPT", c->arg, c->arglen, errno == EILSEQ ?
			    "553 5.6.7 non-ASCII address needs SMTPUTF8" :
			    "501 5.1.3 bad recipient address syntax");
			return;
		}
	} else if (smtp_rcpt_parse(rest, restlen, sess.mp.smtputf8, &a, &rp,
	    &what) < 0) {
		int e = errno;

		if (strcmp(what, "path") == 0 && e == EILSEQ)
			refuse("RCPT", c->arg, c->arglen, "553 5.6.7 non-ASCII "
			    "address needs SMTPUTF8");
		else if (strcmp(what, "path") == 0)
			refuse("RCPT", c->arg, c->arglen, "501 5.1.3 bad "
			    "recipient address syntax");
		else if (e == ENOENT)
			refuse("RCPT", c->arg, c->arglen, "555 5.5.4 unsupported "
			    "parameter");
		else
			refuse("RCPT", c->arg, c->arglen, "501 5.5.4 bad %s "
			    "parameter", what);
		return;
	}
	if (sess.nrcpt >= sess.pol.rcpt_limit) {
		refuse("RCPT", c->arg, c->arglen, "452 4.5.3 too many "
		    "recipients");
		return;
	}
	if (a.postmaster) {
		/* RFC 5321 §4.5.1: always accepted, as the local postmaster. */
		alen = (size_t)snprintf(addr, sizeof addr, "postmaster@%s",
		    policy_postmaster_domain(&sess.pol));
	} else {
		cls = policy_domain(&sess.pol, a.addr + a.domain,
		    a.len - a.domain);
		if (cls != DOM_REMOTE) {
			if (smtp_addr_routing(&a)) {
				refuse("RCPT", c->arg, c->arglen, "554 5.7.1 <%s>: "
				    "relay access denied (routing characters in "
				    "the local part)", a.addr);
				return;
			}
			if (!policy_recipient_known(&sess.pol, &a, cls)) {
				refuse("RCPT", c->arg, c->arglen, "550 5.1.1 <%s>: "
				    "no such user here", a.addr);
				return;
			}
		} else if (!sess.relay && sess.authuser[0] == '\0') {
			refuse("RCPT", c->arg, c->arglen, "554 5.7.1 <%s>: relay "
			    "access denied", a.addr);
			return;
		}
		memcpy(addr, a.addr, a.len + 1);
		alen = a.len;
	}
	if (alen >= sizeof addr)
		alen = sizeof addr - 1;
	if (put_rec(&sess.env, 'T', addr, alen) < 0)
		_exit(111);
	if (rp.notify != 0) {
		char n[40] = "";

		if (rp.notify & SMTP_NOTIFY_NEVER)
			strcpy(n, "NEVER");
		if (rp.notify & SMTP_NOTIFY_SUCCESS)
			strcat(n, "SUCCESS,");
		if (rp.notify & SMTP_NOTIFY_FAILURE)
			strcat(n, "FAILURE,");
		if (rp.notify & SMTP_NOTIFY_DELAY)
			strcat(n, "DELAY,");
		if (n[strlen(n) - 1] == ',')
			n[strlen(n) - 1] = '\0';
		(void)put_rec(&sess.env, 'N', n, strlen(n));
	}
	if (rp.orcpt[0] != '\0')
		(void)put_rec(&sess.env, 'O', rp.orcpt, strlen(rp.orcpt));
	if (sess.nrcpt == 0) {
		memcpy(sess.firstrcpt, addr, alen);
		sess.firstrcpt[alen] = '\0';
	}
	sess.nrcpt++;
	reply("250 2.1.5 recipient ok");
}

/* Starts a message: the queue program and the Received line. */
static int
message_start(const char *cmd, enum smtp_data_mode mode)
{
	if (queue_start() < 0) {
		log_error("unable to start %s: %s", sess.queue_prog,
		    strerror(errno));
		refuse(cmd, "", 0, "451 4.3.0 unable to queue messages now");
		return -1;
	}
	smtp_data_init(&sess.dr, mode, sess.pol.line_limit == 0 ? SIZE_MAX :
	    (size_t)sess.pol.line_limit);
	sess.msgsize = 0;
	sess.toobig = 0;
	received_header();
	return 0;
}

static int
need_rcpt(const char *cmd, const struct smtp_cmd *c)
{
	if (!sess.have_mail) {
		refuse(cmd, c->arg, c->arglen, "503 5.5.1 need MAIL first");
		return 0;
	}
	if (sess.nrcpt == 0) {
		refuse(cmd, c->arg, c->arglen, "554 5.5.1 no valid recipients");
		return 0;
	}
	return 1;
}

static void
cmd_data(const struct smtp_cmd *c)
{
	if (sess.bdat) {
		refuse("DATA", c->arg, c->arglen, "503 5.5.1 BDAT in progress");
		return;
	}
	if (!need_rcpt("DATA", c))
		return;
	if (c->arglen != 0) {
		refuse("DATA", c->arg, c->arglen, "501 5.5.4 DATA takes no "
		    "argument");
		return;
	}
	if (message_start("DATA", SMTP_DATA_DOT) < 0)
		return;
	reply("354 end data with <CR><LF>.<CR><LF>");
	(void)read_message(0);
	message_done("DATA");
}

static void
cmd_bdat(const struct smtp_cmd *c)
{
	const char *sp = memchr(c->arg, ' ', c->arglen);
	size_t nlen = sp != NULL ? (size_t)(sp - c->arg) : c->arglen;
	uint64_t size;
	int last = 0;

	if (num_u64(c->arg, nlen, UINT64_MAX, &size) < 0) {
		/* Without a size the chunk cannot be skipped: the rest of
		 * the stream would be read as commands.  Stop here. */
		refuse("BDAT", c->arg, c->arglen, "501 5.5.4 syntax: BDAT "
		    "size [LAST]; closing");
		queue_abort();
		bye(0);
	}
	if (sp != NULL) {
		const char *l = sp;
		size_t llen = c->arglen - nlen;

		while (llen > 0 && *l == ' ') {
			l++;
			llen--;
		}
		if (llen != 4 || strncasecmp(l, "LAST", 4) != 0) {
			refuse("BDAT", c->arg, c->arglen, "501 5.5.4 syntax: "
			    "BDAT size [LAST]; closing");
			queue_abort();
			bye(0);
		}
		last = 1;
	}
	if (!sess.bdat) {
		if (!sess.have_mail || sess.nrcpt == 0) {
			/* The chunk still has to be read, and dropped. */
			smtp_data_init(&sess.dr, SMTP_DATA_RAW, SIZE_MAX);
			sess.toobig = 1;
			(void)read_message(size);
			sess.toobig = 0;
			(void)need_rcpt("BDAT", c);
			return;
		}
		if (message_start("BDAT", SMTP_DATA_RAW) < 0) {
			smtp_data_init(&sess.dr, SMTP_DATA_RAW, SIZE_MAX);
			sess.toobig = 1;
			(void)read_message(size);
			txn_reset();
			return;
		}
		sess.bdat = 1;
	}
	(void)read_message(size);
	if (sess.toobig) {
		/* RFC 3030: refuse the chunk; the transaction is over. */
		message_done("BDAT");
		return;
	}
	if (!last) {
		reply("250 2.0.0 %llu octets received",
		    (unsigned long long)size);
		return;
	}
	{
		int addlf;

		if (smtp_data_finish(&sess.dr, &addlf) < 0)
			data_fatal("bare");
		if (addlf) {
			if (sess.msgsize + 1 > sess.pol.size_limit)
				sess.toobig = 1;
			else
				queue_put("\n", 1);
			sess.msgsize++;
		}
	}
	message_done("BDAT");
}

static void
cmd_etrn(const struct smtp_cmd *c)
{
	char spool[4096], line[SMTP_DOMAIN_MAX + 8];
	const char *dir = getenv("FACTEUR_SPOOL"), *d = c->arg;
	size_t dlen = c->arglen;
	int fd, n;

	if (!need_helo("ETRN"))
		return;
	if (sess.have_mail) {
		refuse("ETRN", c->arg, c->arglen, "503 5.5.1 ETRN inside a "
		    "transaction");
		return;
	}
	if (dlen > 0 && (*d == '@' || *d == '#')) {
		d++;
		dlen--;
	}
	{
		char buf[SMTP_DOMAIN_MAX + 16];
		struct smtp_addr a;
		size_t used;

		if (dlen == 0 || dlen > SMTP_DOMAIN_MAX ||
		    snprintf(buf, sizeof buf, "<x@%.*s>", (int)dlen, d) < 0 ||
		    smtp_path_parse(buf, dlen + 4, 0, &a, &used) < 0 ||
		    used != dlen + 4) {
			refuse("ETRN", c->arg, c->arglen, "501 5.5.4 syntax: "
			    "ETRN domain");
			return;
		}
	}
	if (!sess.relay && sess.authuser[0] == '\0') {
		refuse("ETRN", c->arg, c->arglen, "459 4.7.1 <%.*s>: not "
		    "allowed", (int)dlen, d);
		return;
	}
	if (dir == NULL || *dir == '\0')
		dir = SPOOL_DEFAULT;
	snprintf(spool, sizeof spool, "%s/trigger", dir);
	n = snprintf(line, sizeof line, "ETRN %.*s\n", (int)dlen, d);
	fd = open(spool, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || write(fd, line, (size_t)n) != n) {
		if (fd >= 0)
			close(fd);
		refuse("ETRN", c->arg, c->arglen, "458 4.3.0 unable to queue "
		    "messages for node %.*s", (int)dlen, d);
		return;
	}
	close(fd);
	log_info("etrn ip=%s domain=%.*s", sess.remoteip, (int)dlen, d);
	reply("250 2.0.0 queuing for node %.*s started", (int)dlen, d);
}

static void
cmd_starttls(const struct smtp_cmd *c)
{
	const char *proto, *cipher;

	if (sess.tls) {
		refuse("STARTTLS", "", 0, "503 5.5.1 TLS is already on");
		return;
	}
	if (sess.tls_level == UCSPITLS_UNAVAILABLE) {
		refuse("STARTTLS", "", 0, "502 5.5.1 STARTTLS is not available");
		return;
	}
	if (c->arglen != 0) {
		refuse("STARTTLS", c->arg, c->arglen, "501 5.5.4 STARTTLS takes "
		    "no argument");
		return;
	}
	reply("220 2.0.0 ready to start TLS");
	/* Flushes the reply, throws away whatever the client sent after
	 * STARTTLS (injection), and swaps fd 0/1 for the TLS channel. */
	if (ucspitls_start(&sess.u, &sess.rb, &sess.wb,
	    (int)(sess.pol.timeout * 1000)) < 0) {
		log_info("disconnect ip=%s reason=tls_failed error=%s",
		    sess.remoteip, strerror(errno));
		_exit(0);
	}
	sess.tls = 1;
	sess.tls_level = UCSPITLS_UNAVAILABLE;
	/* RFC 3207 §4.2: forget everything learnt before TLS. */
	txn_reset();
	sess.greeted = sess.esmtp = 0;
	sess.helo[0] = '\0';
	proto = getenv("SSL_PROTOCOL");
	cipher = getenv("SSL_CIPHER");
	log_info("tls ip=%s protocol=%s cipher=%s", sess.remoteip,
	    proto != NULL ? proto : "?", cipher != NULL ? cipher : "?");
}

/* Runs the checkpassword program; returns its exit code, or -1. */
static int
checkpassword(const char *user, size_t ul, const char *secret, size_t sl,
    const char *chal)
{
	struct str rec = STR_INIT;
	int p[2], st, fd, ok;
	pid_t pid;

	if (str_append(&rec, user, ul) < 0 || str_appendc(&rec, '\0') < 0 ||
	    str_append(&rec, secret, sl) < 0 || str_appendc(&rec, '\0') < 0 ||
	    str_appendz(&rec, chal) < 0 || str_appendc(&rec, '\0') < 0) {
		str_wipe(&rec);
		return -1;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		str_wipe(&rec);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		str_wipe(&rec);
		return -1;
	}
	if (pid == 0) {
		close_tls_fds();
		/* Only fd 3 and stderr: the session is not for it. */
		fd = open("/dev/null", O_RDWR);
		if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0)
			_exit(111);
		/* dup2 onto itself would keep close-on-exec. */
		if (p[0] == 3 ? fcntl(3, F_SETFD, 0) < 0 : dup2(p[0], 3) < 0)
			_exit(111);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGALRM, SIG_DFL);
		alarm(0);
		execvp(sess.checkprog[0], sess.checkprog);
		log_error("unable to run %s: %s", sess.checkprog[0],
		    strerror(errno));
		_exit(111);
	}
	close(p[0]);
	ok = io_write_all(p[1], rec.s, rec.len, (int)(sess.pol.timeout * 1000));
	close(p[1]);
	str_wipe(&rec);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (ok < 0 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/*
 * Reads one AUTH response line and decodes it into out.  Returns 1, 0 if
 * the client cancelled ("*"), -1 after a reply was sent for bad input.
 */
static int
auth_response(struct str *out)
{
	static struct str line;
	size_t n;
	int r;

	flush_if_idle();
	r = rbuf_getline(&sess.rb, &line, SMTP_CMD_MAX);
	if (r == 0) {
		log_info("disconnect ip=%s reason=eof_in_auth", sess.remoteip);
		_exit(0);
	}
	if (r < 0) {
		if (errno == ETIMEDOUT) {
			reply("421 4.4.2 %s timeout; closing",
			    sess.pol.myhostname.s);
			bye(0);
		}
		if (errno != E2BIG)
			_exit(0);
		refuse("AUTH", "", 0, "500 5.5.2 line too long");
		return -1;
	}
	n = line.len;
	if (n < 2 || line.s[n - 2] != '\r' || memchr(line.s, '\r', n - 2) ||
	    memchr(line.s, '\0', n)) {
		str_wipe(&line);
		refuse("AUTH", "", 0, "500 5.5.2 bare CR or LF in the command");
		return -1;
	}
	n -= 2;
	if (n == 1 && line.s[0] == '*') {
		str_wipe(&line);
		return 0;
	}
	str_clear(out);
	if (b64_decode(line.s, n, out, B64_STRICT) < 0) {
		str_wipe(&line);
		refuse("AUTH", "", 0, "501 5.5.2 cannot decode the response");
		return -1;
	}
	str_wipe(&line);
	return 1;
}

/* Decodes an initial response ("=" is an empty one). */
static int
auth_initial(const char *p, size_t n, struct str *out)
{
	str_clear(out);
	if (n == 1 && p[0] == '=')
		return 1;
	if (b64_decode(p, n, out, B64_STRICT) < 0) {
		refuse("AUTH", "", 0, "501 5.5.2 cannot decode the response");
		return -1;
	}
	return 1;
}

static int
auth_prompt(const char *z, struct str *out)
{
	struct str b = STR_INIT;
	int r;

	if (b64_encode(&b, z, strlen(z), 0, 0) < 0)
		_exit(111);
	reply("334 %s", b.s != NULL ? b.s : "");
	str_free(&b);
	r = auth_response(out);
	if (r == 0)
		refuse("AUTH", "", 0, "501 5.7.0 authentication cancelled");
	return r;
}

static void
cmd_auth(const struct smtp_cmd *c)
{
	static struct str a, b;
	const char *sp = memchr(c->arg, ' ', c->arglen), *mech = c->arg;
	const char *ir = NULL, *user, *secret, *chal = "";
	size_t mlen = sp != NULL ? (size_t)(sp - c->arg) : c->arglen;
	size_t irlen = 0, ul, sl;
	char challenge[300];
	int r = -1, plaintext;

	if (sess.checkprog == NULL) {
		refuse("AUTH", "", 0, "502 5.5.1 AUTH is not available");
		return;
	}
	if (!sess.esmtp) {
		refuse("AUTH", "", 0, "503 5.5.1 send EHLO first");
		return;
	}
	if (sess.authuser[0] != '\0') {
		refuse("AUTH", "", 0, "503 5.5.1 already authenticated");
		return;
	}
	if (sess.have_mail) {
		refuse("AUTH", "", 0, "503 5.5.1 AUTH inside a transaction");
		return;
	}
	if (sp != NULL) {
		ir = sp + 1;
		irlen = c->arglen - mlen - 1;
	}
	plaintext = sess.tls || sess.auth_plaintext;
	str_clear(&a);
	str_clear(&b);
	if (mlen == 5 && strncasecmp(mech, "PLAIN", 5) == 0 && plaintext) {
		const char *z1, *z2;

		r = ir != NULL ? auth_initial(ir, irlen, &a) :
		    auth_prompt("", &a);
		if (r <= 0)
			goto out;
		/* authzid NUL authcid NUL passwd (RFC 4616) */
		z1 = memchr(a.s != NULL ? a.s : "", '\0', a.len);
		z2 = z1 != NULL ? memchr(z1 + 1, '\0',
		    a.len - (size_t)(z1 + 1 - a.s)) : NULL;
		if (z1 == NULL || z2 == NULL ||
		    memchr(z2 + 1, '\0', a.len - (size_t)(z2 + 1 - a.s))) {
			refuse("AUTH", "", 0, "501 5.5.2 malformed PLAIN response");
			r = -1;
			goto out;
		}
		user = z1 + 1;
		ul = (size_t)(z2 - user);
		secret = z2 + 1;
		sl = a.len - (size_t)(secret - a.s);
		if (z1 != a.s && ((size_t)(z1 - a.s) != ul ||
		    memcmp(a.s, user, ul) != 0)) {
			refuse("AUTH", "", 0, "535 5.7.8 authorization identity "
			    "differs from the user");
			r = -1;
			goto out;
		}
	} else if (mlen == 5 && strncasecmp(mech, "LOGIN", 5) == 0 &&
	    plaintext) {
		r = ir != NULL ? auth_initial(ir, irlen, &a) :
		    auth_prompt("Username:", &a);
		if (r <= 0)
			goto out;
		r = auth_prompt("Password:", &b);
		if (r <= 0)
			goto out;
		user = a.s != NULL ? a.s : "";
		ul = a.len;
		secret = b.s != NULL ? b.s : "";
		sl = b.len;
	} else if (mlen == 8 && strncasecmp(mech, "CRAM-MD5", 8) == 0 &&
	    ir == NULL) {
		uint64_t rnd = 0;
		const char *last;

		if (getrandom(&rnd, sizeof rnd, 0) != sizeof rnd)
			rnd = (uint64_t)getpid();
		snprintf(challenge, sizeof challenge, "<%llu.%lld@%s>",
		    (unsigned long long)rnd, (long long)time(NULL),
		    sess.pol.myhostname.s);
		r = auth_prompt(challenge, &a);
		if (r <= 0)
			goto out;
		/* "user digest", the digest 32 hex digits (RFC 2195) */
		last = a.len > 0 ? memrchr(a.s, ' ', a.len) : NULL;
		if (last == NULL || last == a.s ||
		    a.len - (size_t)(last + 1 - a.s) != 32) {
			refuse("AUTH", "", 0, "501 5.5.2 malformed CRAM-MD5 "
			    "response");
			r = -1;
			goto out;
		}
		user = a.s;
		ul = (size_t)(last - a.s);
		secret = last + 1;
		sl = 32;
		chal = challenge;
	} else if ((mlen == 5 && (strncasecmp(mech, "PLAIN", 5) == 0 ||
	    strncasecmp(mech, "LOGIN", 5) == 0))) {
		refuse("AUTH", "", 0, "538 5.7.11 encryption required for "
		    "this mechanism");
		return;
	} else {
		refuse("AUTH", c->arg, mlen, "504 5.5.4 unrecognized "
		    "authentication mechanism");
		return;
	}
	if (ul == 0 || ul > AUTH_USER_MAX || sl > AUTH_SECRET_MAX ||
	    memchr(user, '\0', ul) != NULL || memchr(secret, '\0', sl)) {
		log_info("auth ip=%s result=fail reason=bad_user_or_secret",
		    sess.remoteip);
		refuse("AUTH", "", 0, "535 5.7.8 authentication credentials "
		    "invalid");
		goto out;
	}
	r = checkpassword(user, ul, secret, sl, chal);
	if (r == 0) {
		memcpy(sess.authuser, user, ul);
		sess.authuser[ul] = '\0';
		log_info("auth ip=%s result=ok mech=%.*s user=%s", sess.remoteip,
		    (int)mlen, mech, sess.authuser);
		reply("235 2.7.0 authentication successful");
	} else if (r == 1) {
		log_info("auth ip=%s result=fail mech=%.*s user=%.*s",
		    sess.remoteip, (int)mlen, mech, (int)ul, user);
		refuse("AUTH", "", 0, "535 5.7.8 authentication credentials "
		    "invalid");
	} else {
		log_info("auth ip=%s result=tempfail mech=%.*s code=%d",
		    sess.remoteip, (int)mlen, mech, r);
		refuse("AUTH", "", 0, "454 4.7.0 temporary authentication "
		    "failure");
	}
out:
	str_wipe(&a);
	str_wipe(&b);
}

/* With UCSPITLS=!, nothing but the basics before STARTTLS. */
static int
tls_required(const struct smtp_cmd *c)
{
	if (sess.tls_level != UCSPITLS_REQUIRED || sess.tls)
		return 0;
	switch (c->verb) {
	case SMTP_MAIL:
	case SMTP_RCPT:
	case SMTP_DATA:
	case SMTP_BDAT:
	case SMTP_AUTH:
	case SMTP_ETRN:
		refuse(smtp_verb_name(c->verb), c->arg, c->arglen,
		    "530 5.7.0 must issue a STARTTLS command first");
		return 1;
	default:
		return 0;
	}
}

static void
dispatch(const struct smtp_cmd *c)
{
	if (tls_required(c)) {
		/* A BDAT chunk cannot be skipped without its size: stop. */
		if (c->verb == SMTP_BDAT)
			bye(0);
		return;
	}
	switch (c->verb) {
	case SMTP_HELO:
		cmd_helo(c, 0);
		break;
	case SMTP_EHLO:
		cmd_helo(c, 1);
		break;
	case SMTP_MAIL:
		cmd_mail(c);
		break;
	case SMTP_RCPT:
		cmd_rcpt(c);
		break;
	case SMTP_DATA:
		cmd_data(c);
		break;
	case SMTP_BDAT:
		cmd_bdat(c);
		break;
	case SMTP_RSET:
		txn_reset();
		reply("250 2.0.0 ok");
		break;
	case SMTP_NOOP:
		reply("250 2.0.0 ok");
		break;
	case SMTP_QUIT:
		reply("221 2.0.0 %s closing connection", sess.pol.myhostname.s);
		log_info("quit ip=%s", sess.remoteip);
		bye(0);
	case SMTP_HELP:
		reply("214-2.0.0 commands: EHLO HELO MAIL RCPT DATA BDAT RSET");
		reply("214 2.0.0 NOOP QUIT HELP VRFY ETRN; see RFC 5321");
		break;
	case SMTP_VRFY:
		/* Never reveals whether a user exists. */
		reply("252 2.5.0 cannot VRFY; send a message and it will be "
		    "tried");
		break;
	case SMTP_EXPN:
		refuse("EXPN", c->arg, c->arglen, "502 5.5.1 EXPN is not "
		    "available");
		break;
	case SMTP_ETRN:
		cmd_etrn(c);
		break;
	case SMTP_STARTTLS:
		cmd_starttls(c);
		break;
	case SMTP_AUTH:
		cmd_auth(c);
		break;
	default:
		refuse("?", c->arg, c->arglen, "500 5.5.1 command not "
		    "recognized");
		break;
	}
}

/* ---------------------------------------------------------------- main */

static void
peer_address(void)
{
	const char *ip = getenv("TCPREMOTEIP");
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;

	if (ip != NULL && strlen(ip) < sizeof sess.remoteip) {
		strcpy(sess.remoteip, ip);
		return;
	}
	strcpy(sess.remoteip, "unknown");
	if (getpeername(0, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
			    sess.remoteip, sizeof sess.remoteip);
		else if (ss.ss_family == AF_INET6)
			inet_ntop(AF_INET6,
			    &((struct sockaddr_in6 *)&ss)->sin6_addr,
			    sess.remoteip, sizeof sess.remoteip);
	}
}

static const char *
queue_program(const char *argv0)
{
	static char path[4096];
	const char *p = getenv("FACTEUR_QUEUE"), *slash;

	if (p != NULL && *p != '\0')
		return p;
	p = getenv("QMAILQUEUE");
	if (p != NULL && *p != '\0')
		return p;
	/* enqueue from the same directory as smtpd, or from PATH. */
	slash = strrchr(argv0, '/');
	if (slash != NULL && (size_t)(slash - argv0) + 9 < sizeof path) {
		memcpy(path, argv0, (size_t)(slash - argv0) + 1);
		strcpy(path + (slash - argv0) + 1, "enqueue");
		return path;
	}
	return "enqueue";
}

static void
run(void)
{
	struct str line = STR_INIT;
	struct smtp_cmd c;

	log_info("connect ip=%s relay=%d tls=%d", sess.remoteip, sess.relay,
	    sess.tls);
	reply("220 %s ESMTP facteur", sess.pol.myhostname.s);
	for (;;) {
		int r;

		if (sess.errors >= sess.pol.error_limit) {
			log_info("disconnect ip=%s reason=too_many_errors",
			    sess.remoteip);
			reply("421 4.7.0 %s too many errors; closing",
			    sess.pol.myhostname.s);
			bye(0);
		}
		flush_if_idle();
		r = rbuf_getline(&sess.rb, &line, SMTP_CMD_MAX);
		if (r == 0) {
			log_info("disconnect ip=%s reason=eof", sess.remoteip);
			bye(0);
		}
		if (r < 0) {
			if (errno == E2BIG) {
				refuse("?", "", 0, "500 5.5.2 line too long");
				continue;
			}
			if (errno == ETIMEDOUT) {
				log_info("disconnect ip=%s reason=timeout",
				    sess.remoteip);
				reply("421 4.4.2 %s timeout; closing",
				    sess.pol.myhostname.s);
				bye(0);
			}
			log_info("disconnect ip=%s reason=read_error",
			    sess.remoteip);
			bye(0);
		}
		if (smtp_cmd_parse(line.s, line.len, &c) < 0) {
			if (line.s[line.len - 1] != '\n') {
				/* Input ended inside a line. */
				log_info("disconnect ip=%s reason=eof",
				    sess.remoteip);
				bye(0);
			}
			if (errno == EILSEQ)
				refuse("?", line.s, line.len, "500 5.5.2 bare CR "
				    "or LF in the command");
			else
				refuse("?", line.s, line.len, "500 5.5.2 control "
				    "character in the command");
			continue;
		}
		dispatch(&c);
	}
}

int
main(int argc, char **argv)
{
	struct control_err err;
	int opt, check = 0;

	log_init(argv[0]);
	while ((opt = getopt(argc, argv, "t")) != -1) {
		if (opt == 't')
			check = 1;
		else {
			log_error("usage: smtpd [-t] [checkpassword-program "
			    "arg...]");
			return 100;
		}
	}
	if (policy_load(&sess.pol, &err) < 0) {
		char buf[512];

		control_err_format(&err, buf, sizeof buf);
		log_error("bad configuration: %s", buf);
		if (check)
			return 1;
		rbuf_init(&sess.rb, 0, 10000);
		wbuf_init(&sess.wb, 1, 10000);
		reply("421 4.3.0 configuration error; try again later");
		bye(111);
	}
	if (check)
		return 0;
	if (optind < argc)
		sess.checkprog = argv + optind;
	{
		int yes = 0;

		if (control_bool("smtpd_auth_plaintext", 0, &yes, &err) < 0) {
			char buf[512];

			control_err_format(&err, buf, sizeof buf);
			log_error("bad configuration: %s", buf);
			return 111;
		}
		sess.auth_plaintext = yes;
	}
	signal(SIGPIPE, SIG_IGN);
	sess.queue_prog = queue_program(argv[0]);
	peer_address();
	sess.relay = getenv("RELAYCLIENT") != NULL ||
	    policy_mynetworks(&sess.pol, sess.remoteip);
	sess.tls = getenv("SSL_PROTOCOL") != NULL;
	sess.tls_level = UCSPITLS_UNAVAILABLE;
	if (!sess.tls) {
		int lvl = ucspitls_init(&sess.u);

		if (lvl < 0)
			log_warn("UCSPI-TLS descriptors unusable (%s): STARTTLS "
			    "not offered", strerror(errno));
		else
			sess.tls_level = lvl;
	}
	rbuf_init(&sess.rb, 0, (int)(sess.pol.timeout * 1000));
	wbuf_init(&sess.wb, 1, (int)(sess.pol.timeout * 1000));
	signal(SIGALRM, on_alarm);
	if (sess.pol.session_limit > 0)
		alarm((unsigned)sess.pol.session_limit);
	run();
	return 0;
}
