/*
 * Unit tests for lib/ucspitls: availability from the environment, the
 * info-string parser (whole and one byte at a time), and the STARTTLS
 * switch against a fake server made of socketpairs and pipes: "Y" sent,
 * buffered plaintext discarded, TLS descriptors moved into place,
 * environment updated, failures reported.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io.h"
#include "ucspitls.h"

static void
clear_env(void)
{
	unsetenv("SSLCTLFD");
	unsetenv("SSLREADFD");
	unsetenv("SSLWRITEFD");
	unsetenv("UCSPITLS");
	unsetenv("SSL_PROTOCOL");
	unsetenv("SSL_CIPHER");
}

static void
setenv_fd(const char *name, int fd)
{
	char b[16];

	snprintf(b, sizeof b, "%d", fd);
	assert_int_equal(setenv(name, b, 1), 0);
}

static void
test_init_absent(void **state)
{
	struct ucspitls u;

	(void)state;
	clear_env();
	assert_int_equal(ucspitls_init(&u), UCSPITLS_UNAVAILABLE);
	assert_int_equal(u.ctlfd, -1);
	/* Two of three is not enough. */
	setenv_fd("SSLCTLFD", 2);
	setenv_fd("SSLREADFD", 2);
	assert_int_equal(ucspitls_init(&u), UCSPITLS_UNAVAILABLE);
	clear_env();
}

static void
test_init_levels(void **state)
{
	struct ucspitls u;
	int p[2];

	(void)state;
	clear_env();
	assert_int_equal(pipe(p), 0);
	setenv_fd("SSLCTLFD", p[0]);
	setenv_fd("SSLREADFD", p[0]);
	setenv_fd("SSLWRITEFD", p[1]);
	assert_int_equal(ucspitls_init(&u), UCSPITLS_AVAILABLE);
	assert_int_equal(u.ctlfd, p[0]);
	assert_int_equal(u.rfd, p[0]);
	assert_int_equal(u.wfd, p[1]);
	setenv("UCSPITLS", "!", 1);
	assert_int_equal(ucspitls_init(&u), UCSPITLS_REQUIRED);
	setenv("UCSPITLS", "-", 1);
	assert_int_equal(ucspitls_init(&u), UCSPITLS_UNAVAILABLE);
	assert_int_equal(u.ctlfd, -1);
	setenv("UCSPITLS", "", 1);
	assert_int_equal(ucspitls_init(&u), UCSPITLS_AVAILABLE);
	close(p[0]);
	close(p[1]);
	clear_env();
}

static void
test_init_bad(void **state)
{
	static const char *bad[] = { "", "x", "-3", "3x", " 3", "1", "0",
		"99999999999" };
	struct ucspitls u;
	size_t i;
	int p[2];

	(void)state;
	clear_env();
	assert_int_equal(pipe(p), 0);
	setenv_fd("SSLCTLFD", p[0]);
	setenv_fd("SSLWRITEFD", p[1]);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		setenv("SSLREADFD", bad[i], 1);
		errno = 0;
		assert_int_equal(ucspitls_init(&u), -1);
		assert_int_equal(errno, EINVAL);
		assert_int_equal(u.ctlfd, -1);
	}
	/* A descriptor that is not open. */
	setenv_fd("SSLREADFD", 1000);
	assert_int_equal(ucspitls_init(&u), -1);
	assert_int_equal(errno, EBADF);
	close(p[0]);
	close(p[1]);
	clear_env();
}

struct seen {
	int n;
	char text[256];
};

static int
collect(const char *name, size_t nl, const char *value, size_t vl, void *arg)
{
	struct seen *s = arg;
	size_t at = strlen(s->text);

	snprintf(s->text + at, sizeof s->text - at, "[%.*s|%.*s]", (int)nl,
	    name, (int)vl, value);
	s->n++;
	return 0;
}

static void
test_parse_whole_and_bytewise(void **state)
{
	static const char in[] =
	    "SSL_PROTOCOL=TLSv1.3\0SSL_CIPHER=TLS_AES_128_GCM_SHA256\0\0";
	size_t n = sizeof in - 1, used, k;
	struct seen s = { 0, "" };

	(void)state;
	assert_int_equal(ucspitls_parse_info(in, n, &used, collect, &s), 1);
	assert_int_equal(used, n);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.text,
	    "[SSL_PROTOCOL|TLSv1.3][SSL_CIPHER|TLS_AES_128_GCM_SHA256]");
	/* Every strict prefix needs more, and calls nothing. */
	for (k = 0; k < n; k++) {
		struct seen t = { 0, "" };
		assert_int_equal(ucspitls_parse_info(in, k, &used, collect, &t),
		    0);
		assert_int_equal(t.n, 0);
	}
	/* Bytes after the end are not part of it. */
	assert_int_equal(ucspitls_parse_info("A=1\0\0junk", 9, &used, NULL,
			     NULL),
	    1);
	assert_int_equal(used, 5);
}

static void
test_parse_empty(void **state)
{
	size_t used = 0;
	struct seen s = { 0, "" };

	(void)state;
	assert_int_equal(ucspitls_parse_info("\0\0", 2, &used, collect, &s),
	    1);
	assert_int_equal(used, 2);
	assert_int_equal(s.n, 0);
	assert_int_equal(ucspitls_parse_info("\0", 1, &used, NULL, NULL), 0);
	assert_int_equal(ucspitls_parse_info("", 0, &used, NULL, NULL), 0);
	/* An empty value is fine. */
	assert_int_equal(ucspitls_parse_info("A=\0\0", 4, &used, collect, &s),
	    1);
	assert_string_equal(s.text, "[A|]");
}

static void
test_parse_bad(void **state)
{
	static const struct {
		const char *p;
		size_t n;
	} bad[] = {
		{ "\0x", 2 },		/* not "\0\0" */
		{ "noequals\0\0", 10 },
		{ "=v\0\0", 4 },	/* empty name */
		{ "a=v\0\0", 5 },	/* lower case name */
		{ "A B=v\0\0", 7 },
		{ "A=v\n\0\0", 6 },	/* control byte in value */
		{ "A=\x80\0\0", 5 },
	};
	struct seen s = { 0, "" };
	size_t i, used;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		errno = 0;
		assert_int_equal(ucspitls_parse_info(bad[i].p, bad[i].n, &used,
				     collect, &s),
		    -1);
		assert_int_equal(errno, EPROTO);
	}
	/* fn is called only for a string known to be complete and good. */
	assert_int_equal(s.n, 0);
}

static void
test_parse_limits(void **state)
{
	char *big = malloc(UCSPITLS_INFO_MAX + 16);
	char name[UCSPITLS_NAME_MAX + 8];
	size_t used;

	(void)state;
	assert_non_null(big);
	/* One value filling the limit exactly with its NULs still fits. */
	memcpy(big, "A=", 2);
	memset(big + 2, 'v', UCSPITLS_INFO_MAX - 4);
	big[UCSPITLS_INFO_MAX - 2] = '\0';
	big[UCSPITLS_INFO_MAX - 1] = '\0';
	assert_int_equal(ucspitls_parse_info(big, UCSPITLS_INFO_MAX, &used,
			     NULL, NULL),
	    1);
	assert_int_equal(used, UCSPITLS_INFO_MAX);
	/* One more byte does not. */
	memset(big + 2, 'v', UCSPITLS_INFO_MAX - 3);
	big[UCSPITLS_INFO_MAX - 1] = '\0';
	big[UCSPITLS_INFO_MAX] = '\0';
	assert_int_equal(ucspitls_parse_info(big, UCSPITLS_INFO_MAX + 1,
			     &used, NULL, NULL),
	    -1);
	/* An unterminated string at the limit is an error, not "more". */
	memset(big, 'v', UCSPITLS_INFO_MAX);
	memcpy(big, "A=", 2);
	assert_int_equal(ucspitls_parse_info(big, UCSPITLS_INFO_MAX, &used,
			     NULL, NULL),
	    -1);
	free(big);
	memset(name, 'N', UCSPITLS_NAME_MAX + 1);
	memcpy(name + UCSPITLS_NAME_MAX + 1, "=v\0\0", 4);
	assert_int_equal(ucspitls_parse_info(name, UCSPITLS_NAME_MAX + 5,
			     &used, NULL, NULL),
	    -1);
	memcpy(name + UCSPITLS_NAME_MAX, "=v\0\0", 4);
	assert_int_equal(ucspitls_parse_info(name, UCSPITLS_NAME_MAX + 4,
			     &used, NULL, NULL),
	    1);
}

/* The fake server: control socketpair plus plaintext and TLS pipes. */
struct fake {
	int ctl_srv;	/* server end of the control socket */
	int plain_in;	/* write end feeding the daemon's plaintext input */
	int plain_rd;	/* daemon's plaintext input */
	int plain_out_rd, plain_out;
	int tls_in;	/* server writes "decrypted" bytes here */
	int tls_rd;	/* daemon's SSLREADFD */
	int tls_wr;	/* daemon's SSLWRITEFD */
	int tls_out;	/* server reads what the daemon wrote */
	struct ucspitls u;
};

static void
fake_setup(struct fake *f)
{
	int sp[2], p[2];

	clear_env();
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	f->ctl_srv = sp[0];
	setenv_fd("SSLCTLFD", sp[1]);
	assert_int_equal(pipe(p), 0);
	f->plain_rd = p[0];
	f->plain_in = p[1];
	assert_int_equal(pipe(p), 0);
	f->plain_out_rd = p[0];
	f->plain_out = p[1];
	assert_int_equal(pipe(p), 0);
	f->tls_rd = p[0];
	f->tls_in = p[1];
	setenv_fd("SSLREADFD", p[0]);
	assert_int_equal(pipe(p), 0);
	f->tls_out = p[0];
	f->tls_wr = p[1];
	setenv_fd("SSLWRITEFD", p[1]);
	assert_int_equal(ucspitls_init(&f->u), UCSPITLS_AVAILABLE);
}

static void
fake_close(struct fake *f)
{
	int fds[] = { f->ctl_srv, f->plain_in, f->plain_rd, f->plain_out_rd,
		f->plain_out, f->tls_in, f->tls_out };
	size_t i;

	for (i = 0; i < sizeof fds / sizeof fds[0]; i++)
		close(fds[i]);
	clear_env();
}

static void
test_start_ok(void **state)
{
	static const char info[] =
	    "SSL_PROTOCOL=TLSv1.3\0SSL_CIPHER=TLS_AES_256_GCM_SHA384\0\0";
	struct fake f;
	struct rbuf rb;
	struct wbuf wb;
	struct str line = STR_INIT;
	char c, out[64];
	ssize_t n;

	(void)state;
	fake_setup(&f);
	rbuf_init(&rb, f.plain_rd, 2000);
	wbuf_init(&wb, f.plain_out, 2000);
	/* The injection: both lines arrive in one packet. */
	assert_int_equal(write(f.plain_in, "STARTTLS\r\nNOOP\r\n", 16), 16);
	assert_int_equal(rbuf_getline(&rb, &line, 100), 1);
	assert_string_equal(line.s, "STARTTLS\r\n");
	assert_true(rbuf_pending(&rb) > 0);
	assert_int_equal(wbuf_puts(&wb, "220 go ahead\r\n"), 0);
	/* The server's answer is already waiting. */
	assert_int_equal(write(f.ctl_srv, info, sizeof info - 1),
	    (ssize_t)(sizeof info - 1));
	assert_int_equal(ucspitls_start(&f.u, &rb, &wb, 2000), 0);
	/* The reply went out in plaintext before the request. */
	n = read(f.plain_out_rd, out, sizeof out);
	assert_int_equal(n, 14);
	assert_memory_equal(out, "220 go ahead\r\n", 14);
	assert_int_equal(read(f.ctl_srv, &c, 1), 1);
	assert_int_equal(c, 'Y');
	/* The NOOP is gone; what arrives through TLS is read instead. */
	assert_int_equal(rbuf_pending(&rb), 0);
	assert_int_equal(write(f.tls_in, "EHLO x\r\n", 8), 8);
	assert_int_equal(rbuf_getline(&rb, &line, 100), 1);
	assert_string_equal(line.s, "EHLO x\r\n");
	/* Writes go to the TLS side. */
	assert_int_equal(wbuf_puts(&wb, "250 hi\r\n"), 0);
	assert_int_equal(wbuf_flush(&wb), 0);
	n = read(f.tls_out, out, sizeof out);
	assert_int_equal(n, 8);
	assert_memory_equal(out, "250 hi\r\n", 8);
	/* The environment tells the chain what happened. */
	assert_null(getenv("SSLCTLFD"));
	assert_null(getenv("SSLREADFD"));
	assert_null(getenv("SSLWRITEFD"));
	assert_string_equal(getenv("SSL_PROTOCOL"), "TLSv1.3");
	assert_string_equal(getenv("SSL_CIPHER"), "TLS_AES_256_GCM_SHA384");
	/* The original TLS descriptors and the control socket are closed. */
	assert_int_equal(fcntl(f.tls_rd, F_GETFD), -1);
	assert_int_equal(fcntl(f.tls_wr, F_GETFD), -1);
	assert_int_equal(f.u.ctlfd, -1);
	/* The server sees the daemon's control end closed. */
	assert_int_equal(read(f.ctl_srv, &c, 1), 0);
	str_free(&line);
	close(rb.fd);
	close(wb.fd);
	f.plain_rd = f.plain_out = -1;
	fake_close(&f);
}

static void
test_start_handshake_failed(void **state)
{
	struct fake f;
	struct rbuf rb;
	struct wbuf wb;
	char c;

	(void)state;
	fake_setup(&f);
	rbuf_init(&rb, f.plain_rd, 2000);
	wbuf_init(&wb, f.plain_out, 2000);
	assert_int_equal(write(f.plain_in, "junk", 4), 4);
	assert_int_equal(rbuf_fill(&rb), 4);
	/* A server that closes the control socket: the handshake failed. */
	assert_int_equal(shutdown(f.ctl_srv, SHUT_WR), 0);
	errno = 0;
	assert_int_equal(ucspitls_start(&f.u, &rb, &wb, 2000), -1);
	assert_int_equal(errno, ECONNABORTED);
	assert_int_equal(rbuf_pending(&rb), 0);
	assert_int_equal(read(f.ctl_srv, &c, 1), 1);
	assert_int_equal(c, 'Y');
	close(f.tls_rd);
	close(f.tls_wr);
	close(f.u.ctlfd);
	fake_close(&f);
}

static void
test_start_timeout_and_garbage(void **state)
{
	struct fake f;
	struct rbuf rb;
	struct wbuf wb;

	(void)state;
	fake_setup(&f);
	rbuf_init(&rb, f.plain_rd, 2000);
	wbuf_init(&wb, f.plain_out, 2000);
	errno = 0;
	assert_int_equal(ucspitls_start(&f.u, &rb, &wb, 50), -1);
	assert_int_equal(errno, ETIMEDOUT);
	/* A malformed answer. */
	assert_int_equal(write(f.ctl_srv, "bad\0\0", 5), 5);
	errno = 0;
	assert_int_equal(ucspitls_start(&f.u, &rb, &wb, 2000), -1);
	assert_int_equal(errno, EPROTO);
	/* Trailing bytes after the answer. */
	assert_int_equal(write(f.ctl_srv, "\0\0x", 3), 3);
	errno = 0;
	assert_int_equal(ucspitls_start(&f.u, &rb, &wb, 2000), -1);
	assert_int_equal(errno, EPROTO);
	/* The plaintext descriptors are untouched by a failed start. */
	assert_int_equal(rb.fd, f.plain_rd);
	assert_true(fcntl(f.plain_rd, F_GETFD) >= 0);
	assert_null(getenv("SSL_PROTOCOL"));
	close(f.tls_rd);
	close(f.tls_wr);
	close(f.u.ctlfd);
	fake_close(&f);
}

static void
test_start_unavailable(void **state)
{
	struct ucspitls u;
	struct rbuf rb;
	struct wbuf wb;

	(void)state;
	clear_env();
	assert_int_equal(ucspitls_init(&u), UCSPITLS_UNAVAILABLE);
	rbuf_init(&rb, 0, 10);
	wbuf_init(&wb, 1, 10);
	rb.len = 3;
	errno = 0;
	assert_int_equal(ucspitls_start(&u, &rb, &wb, 10), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(rbuf_pending(&rb), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_absent),
		cmocka_unit_test(test_init_levels),
		cmocka_unit_test(test_init_bad),
		cmocka_unit_test(test_parse_whole_and_bytewise),
		cmocka_unit_test(test_parse_empty),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_start_ok),
		cmocka_unit_test(test_start_handshake_failed),
		cmocka_unit_test(test_start_timeout_and_garbage),
		cmocka_unit_test(test_start_unavailable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
