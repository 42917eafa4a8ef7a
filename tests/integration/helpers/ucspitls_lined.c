/*
 * ucspitls-lined: a tiny line-protocol daemon for the tlsd tests.  It
 * speaks the daemon side of UCSPI-TLS through lib/ucspitls, as smtpd,
 * pop3d and imapd do:
 *
 *   NOOP          250 ok
 *   EHLO name     250-lined / 250 STARTTLS (enough for openssl s_client
 *                 -starttls smtp)
 *   ECHO text     250 text
 *   TLS           250 <SSL_PROTOCOL> <SSL_CIPHER> (or "none")
 *   STARTTLS      220 go ahead, then TLS (454 when not offered)
 *   ENV name      250 value of that variable (or "(unset)")
 *   ID            250 uid=U gid=G ppid=P
 *   QUIT          221 bye, exit 0
 *
 * Its pid is appended to the file named by $LINED_PIDS, so a test can
 * check that it is gone afterwards.  With $LINED_VULNERABLE set it keeps
 * the input it had buffered across STARTTLS -- the bug the library
 * prevents -- so the injection test can show that it would notice.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "log.h"
#include "str.h"
#include "ucspitls.h"

static struct rbuf rb;
static struct wbuf wb;

static void
reply(const char *z)
{
	if (wbuf_puts(&wb, z) < 0 || wbuf_puts(&wb, "\r\n") < 0 ||
	    wbuf_flush(&wb) < 0)
		log_die(111, "write: %s", strerror(errno));
}

static int
verb(const struct str *l, const char *v)
{
	size_t n = strlen(v);

	return l->len >= n && strncasecmp(l->s, v, n) == 0 &&
	    (l->len == n || l->s[n] == ' ');
}

int
main(int argc, char **argv)
{
	struct str line = STR_INIT, r = STR_INIT;
	struct ucspitls u;
	const char *pids = getenv("LINED_PIDS");
	int level, tls = 0;

	(void)argc;
	log_init(argv[0]);
	if (pids != NULL) {
		char b[32];
		int fd = open(pids, O_WRONLY | O_APPEND | O_CREAT, 0644);
		int n = snprintf(b, sizeof b, "%ld\n", (long)getpid());
		if (fd < 0 || write(fd, b, (size_t)n) != n)
			log_die(111, "unable to write %s", pids);
		close(fd);
	}
	level = ucspitls_init(&u);
	if (level < 0)
		log_die(111, "bad UCSPI-TLS environment: %s", strerror(errno));
	rbuf_init(&rb, 0, 60000);
	wbuf_init(&wb, 1, 60000);
	reply("220 lined ready");
	for (;;) {
		int g = rbuf_getline(&rb, &line, 1000);

		if (g == 0)
			break;
		if (g < 0 && errno == E2BIG) {
			reply("500 line too long");
			continue;
		}
		if (g < 0)
			log_die(111, "read: %s", strerror(errno));
		while (line.len > 0 &&
		    (line.s[line.len - 1] == '\n' || line.s[line.len - 1] == '\r'))
			str_truncate(&line, line.len - 1);
		if (verb(&line, "NOOP")) {
			reply("250 ok");
		} else if (verb(&line, "EHLO")) {
			reply(level != UCSPITLS_UNAVAILABLE && !tls
				? "250-lined\r\n250 STARTTLS"
				: "250 lined");
		} else if (verb(&line, "ECHO")) {
			str_clear(&r);
			str_appendz(&r, "250 ");
			if (line.len > 5)
				str_append(&r, line.s + 5, line.len - 5);
			reply(r.s);
		} else if (verb(&line, "TLS")) {
			const char *p = getenv("SSL_PROTOCOL");
			const char *c = getenv("SSL_CIPHER");
			str_clear(&r);
			str_printf(&r, "250 %s %s", p ? p : "none",
			    c ? c : "none");
			reply(r.s);
		} else if (verb(&line, "STARTTLS")) {
			unsigned char keep[IO_BUFSIZE];
			size_t kept = 0;

			if (level == UCSPITLS_UNAVAILABLE || tls) {
				reply("454 TLS not available");
				continue;
			}
			if (wbuf_puts(&wb, "220 go ahead\r\n") < 0)
				log_die(111, "write: %s", strerror(errno));
			if (getenv("LINED_VULNERABLE") != NULL) {
				kept = rbuf_pending(&rb);
				memcpy(keep, rb.buf + rb.pos, kept);
			}
			if (ucspitls_start(&u, &rb, &wb, 60000) < 0)
				log_die(111, "starttls: %s", strerror(errno));
			if (kept > 0) {
				memcpy(rb.buf, keep, kept);
				rb.pos = 0;
				rb.len = kept;
			}
			tls = 1;
		} else if (verb(&line, "ENV") && line.len > 4) {
			const char *v = getenv(line.s + 4);
			str_clear(&r);
			str_printf(&r, "250 %s", v ? v : "(unset)");
			reply(r.s);
		} else if (verb(&line, "ID")) {
			str_clear(&r);
			str_printf(&r, "250 uid=%ld gid=%ld ppid=%ld",
			    (long)getuid(), (long)getgid(), (long)getppid());
			reply(r.s);
		} else if (verb(&line, "QUIT")) {
			reply("221 bye");
			break;
		} else
			reply("500 unknown command");
	}
	str_free(&line);
	str_free(&r);
	return 0;
}
