/*
 * Unit tests for lib/log: the record format, escaping, the LOG_MAX cut,
 * level filtering and errno.  Records go to a pipe and are read back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

static int rfd = -1, wfd = -1;
static char rec[65536];

static int
setup(void **state)
{
	int p[2];

	(void)state;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	rfd = p[0];
	wfd = p[1];
	if (fcntl(rfd, F_SETFL, O_NONBLOCK) < 0)
		return -1;
	log_set_fd(wfd);
	log_set_level(LOG_INFO);
	log_init("/usr/libexec/facteur/testprog");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	log_set_fd(2);
	log_set_level(LOG_INFO);
	close(rfd);
	close(wfd);
	rfd = wfd = -1;
	return 0;
}

/* Reads everything the pipe holds into rec (NUL-terminated). */
static size_t
drain(void)
{
	size_t len = 0;
	ssize_t r;

	for (;;) {
		r = read(rfd, rec + len, sizeof rec - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	rec[len] = '\0';
	return len;
}

static size_t
header(char *buf, size_t n, const char *level)
{
	int h = snprintf(buf, n, "testprog: pid %ld: %s: ", (long)getpid(),
	    level);

	assert_true(h > 0 && (size_t)h < n);
	return (size_t)h;
}

/* Logs nothing else and checks that exactly this one record came out. */
static void
expect_record(const char *level, const char *body)
{
	char want[LOG_MAX + 64];
	size_t h = header(want, sizeof want, level), len;

	assert_true(h + strlen(body) + 2 < sizeof want);
	memcpy(want + h, body, strlen(body));
	want[h + strlen(body)] = '\n';
	want[h + strlen(body) + 1] = '\0';
	len = drain();
	assert_string_equal(rec, want);
	assert_int_equal(len, strlen(want));
}

/* Must run before any log_init. */
static void
test_progname_default(void **state)
{
	(void)state;
	assert_string_equal(log_progname(), "facteur");
}

static void
test_progname(void **state)
{
	(void)state;
	log_init("/usr/local/sbin/facteur-smtpd");
	assert_string_equal(log_progname(), "facteur-smtpd");
	log_init("plain");
	assert_string_equal(log_progname(), "plain");
	log_init("./rel/x");
	assert_string_equal(log_progname(), "x");
	/* Nothing usable: the name stays. */
	log_init(NULL);
	assert_string_equal(log_progname(), "x");
	log_init("");
	assert_string_equal(log_progname(), "x");
	log_init("testprog");
	assert_string_equal(log_progname(), "testprog");
}

static void
test_format(void **state)
{
	(void)state;
	log_info("accept ip=%s rcpts=%d", "192.0.2.7", 2);
	expect_record("info", "accept ip=192.0.2.7 rcpts=2");
	log_warn("disk %d%% full", 93);
	expect_record("warning", "disk 93% full");
	log_error("unable to open %s", "queue/lock");
	expect_record("error", "unable to open queue/lock");
	log_msg(LOG_INFO, "%s", "");
	expect_record("info", "");
	log_msg(LOG_FATAL, "not exiting");
	expect_record("fatal", "not exiting");
}

static void
test_levels(void **state)
{
	(void)state;
	/* The default drops debug. */
	log_debug("hidden");
	assert_int_equal(drain(), 0);
	log_set_level(LOG_DEBUG);
	log_debug("shown %d", 1);
	expect_record("debug", "shown 1");
	log_set_level(LOG_WARN);
	log_info("hidden");
	assert_int_equal(drain(), 0);
	log_warn("w");
	expect_record("warning", "w");
	log_error("e");
	expect_record("error", "e");
	log_set_level(LOG_FATAL);
	log_error("hidden");
	assert_int_equal(drain(), 0);
	log_msg(LOG_FATAL, "f");
	expect_record("fatal", "f");
	log_set_level(LOG_INFO);
}

static void
test_escape_record(void **state)
{
	(void)state;
	log_info("a\nb\rc%cd%ce%cf\\g", 0x7f, 0x80, 0xff);
	expect_record("info",
	    "a\\x0ab\\x0dc\\x7fd\\x80e\\xfff\\x5cg");
	/* A forged second record stays on the first line. */
	log_info("user=%s", "x\ntestprog: pid 1: fatal: forged");
	expect_record("info",
	    "user=x\\x0atestprog: pid 1: fatal: forged");
	log_info("%s", "\t\x1b[31mred\x1b[0m");
	expect_record("info", "\\x09\\x1b[31mred\\x1b[0m");
}

/*
 * A NUL byte in the formatted message (from %c) is a non-printable byte
 * like the others: it must be escaped, not end the message there.
 */
static void
test_escape_nul_in_message(void **state)
{
	(void)state;
	log_info("a%cb", 0);
	expect_record("info", "a\\x00b");
	log_info("%c%c", 0, 0);
	expect_record("info", "\\x00\\x00");
}

static void
test_escape_table(void **state)
{
	char out[16];
	unsigned c;
	(void)state;

	for (c = 0; c < 256; c++) {
		unsigned char b = (unsigned char)c;
		size_t r;

		memset(out, 'Z', sizeof out);
		r = log_escape(out, sizeof out, &b, 1);
		assert_int_equal(out[r], '\0');
		assert_int_equal(strlen(out), r);
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			assert_int_equal(r, 1);
			assert_int_equal((unsigned char)out[0], c);
		} else {
			char *end;

			assert_int_equal(r, 4);
			assert_int_equal(out[0], '\\');
			assert_int_equal(out[1], 'x');
			assert_true(strchr("0123456789abcdefABCDEF", out[2]) &&
			    strchr("0123456789abcdefABCDEF", out[3]));
			assert_int_equal(strtoul(out + 2, &end, 16), c);
			assert_ptr_equal(end, out + 4);
		}
	}
}

/* Length of the escaped form of one byte. */
static size_t
unit_len(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '\\' ? 1 : 4;
}

static void
test_escape_small_buffers(void **state)
{
	static const unsigned char in[] = "ab\ncd\\e\x80" "f\0g\x7f";
	const size_t n = sizeof in - 1;
	char full[128], out[64];
	size_t fulllen, sz;
	(void)state;

	fulllen = log_escape(full, sizeof full, in, n);
	assert_string_equal(full,
	    "ab\\x0acd\\x5ce\\x80f\\x00g\\x7f");
	assert_int_equal(fulllen, strlen(full));

	for (sz = 0; sz <= fulllen + 2; sz++) {
		size_t r, i, used, k;

		memset(out, 0x5a, sizeof out);
		r = log_escape(out, sz, in, n);
		if (sz == 0) {
			assert_int_equal(r, 0);
			assert_int_equal(out[0], 0x5a);
			continue;
		}
		/* Fits, is terminated, and nothing past sz was touched. */
		assert_true(r < sz);
		assert_int_equal(out[r], '\0');
		for (i = sz; i < sizeof out; i++)
			assert_int_equal(out[i], 0x5a);
		/* A prefix of the full form, made of whole escapes... */
		assert_memory_equal(out, full, r);
		for (used = 0, k = 0; used < r; k++)
			used += unit_len(in[k]);
		assert_int_equal(used, r);
		/* ...and as long as fits. */
		if (k < n)
			assert_true(r + unit_len(in[k]) + 1 > sz);
		else
			assert_int_equal(r, fulllen);
	}
	/* Nothing to escape. */
	memset(out, 0x5a, sizeof out);
	assert_int_equal(log_escape(out, 1, "", 0), 0);
	assert_int_equal(out[0], '\0');
	assert_int_equal(out[1], 0x5a);
}

/* Checks rec is one whole record for this process at level info. */
static size_t
check_one_record(size_t len, size_t *hlen_r)
{
	char hdr[128];
	size_t h = header(hdr, sizeof hdr, "info");

	assert_true(len > h);
	assert_true(len <= LOG_MAX);
	assert_memory_equal(rec, hdr, h);
	assert_int_equal(rec[len - 1], '\n');
	assert_null(memchr(rec, '\n', len - 1));
	*hlen_r = h;
	return len - h - 1;
}

static void
test_long_message_cut(void **state)
{
	char *msg;
	size_t len, h, body, i;
	(void)state;

	msg = malloc(10001);
	assert_non_null(msg);
	memset(msg, 'x', 10000);
	msg[10000] = '\0';
	log_info("%s", msg);
	len = drain();
	body = check_one_record(len, &h);
	assert_true(body >= 3);
	assert_memory_equal(rec + h + body - 3, "...", 3);
	for (i = 0; i < body - 3; i++)
		assert_int_equal(rec[h + i], 'x');
	/* The cut keeps most of the room. */
	assert_true(len > LOG_MAX - 16);

	/* All escapes: the cut must not split one. */
	memset(msg, 1, 3000);
	msg[3000] = '\0';
	log_info("%s", msg);
	len = drain();
	body = check_one_record(len, &h);
	assert_memory_equal(rec + h + body - 3, "...", 3);
	assert_int_equal((body - 3) % 4, 0);
	for (i = 0; i < body - 3; i += 4)
		assert_memory_equal(rec + h + i, "\\x01", 4);

	/* Escapes that push a short message over the limit. */
	memset(msg, '\n', 1500);
	msg[1500] = '\0';
	log_info("%s", msg);
	len = drain();
	body = check_one_record(len, &h);
	assert_memory_equal(rec + h + body - 3, "...", 3);
	assert_int_equal((body - 3) % 4, 0);
	free(msg);
}

/*
 * Around the limit: a message whose record fits in LOG_MAX is written
 * whole, with no "..."; one a byte longer is cut and ends in "...".
 */
static void
test_cut_boundary(void **state)
{
	char hdr[128], msg[LOG_MAX + 64];
	size_t h = header(hdr, sizeof hdr, "info"), k;
	(void)state;

	for (k = LOG_MAX - h - 12; k <= LOG_MAX - h + 12; k++) {
		size_t len, body, hh;

		memset(msg, 'm', k);
		msg[k] = '\0';
		log_info("%s", msg);
		len = drain();
		body = check_one_record(len, &hh);
		if (h + k + 1 <= LOG_MAX) {
			if (body != k)
				fail_msg("message of %zu bytes (record %zu) "
				    "written as %zu bytes ending \"%.8s\"",
				    k, h + k + 1, body, rec + h + body - 8);
			assert_memory_equal(rec + h, msg, k);
		} else {
			assert_true(body >= 3 && body - 3 < k);
			assert_memory_equal(rec + h + body - 3, "...", 3);
			assert_memory_equal(rec + h, msg, body - 3);
		}
	}
}

static void
test_errno_preserved(void **state)
{
	char big[5000];
	(void)state;

	errno = ENOTTY;
	log_info("x");
	assert_int_equal(errno, ENOTTY);
	drain();
	errno = EDOM;
	log_debug("dropped");
	assert_int_equal(errno, EDOM);
	memset(big, '\x01', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	errno = ERANGE;
	log_info("%s", big);
	assert_int_equal(errno, ERANGE);
	drain();
	/* A write that fails is silent and does not change errno. */
	log_set_fd(-1);
	errno = EILSEQ;
	log_error("to nowhere");
	assert_int_equal(errno, EILSEQ);
	log_set_fd(wfd);
	assert_int_equal(drain(), 0);
}

static void
test_die(void **state)
{
	char hdr[128], want[256];
	pid_t pid;
	int status;
	(void)state;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		log_die(111, "unable to %s: %s", "read queue", "gone");
		_exit(1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 111);
	snprintf(hdr, sizeof hdr, "testprog: pid %ld: fatal: ", (long)pid);
	snprintf(want, sizeof want, "%sunable to read queue: gone\n", hdr);
	drain();
	assert_string_equal(rec, want);
}

/*
 * Several processes logging big records to one pipe: every record must
 * arrive whole (one write each), never interleaved with another.
 */
static void
test_concurrent_writers(void **state)
{
	enum { NPROC = 4, NREC = 100 };
	char body[3000];
	pid_t pids[NPROC];
	size_t have = 0, nl = 0, i, start;
	int status, p;
	(void)state;

	for (p = 0; p < NPROC; p++) {
		pids[p] = fork();
		assert_true(pids[p] >= 0);
		if (pids[p] == 0) {
			memset(body, 'A' + p, sizeof body - 1);
			body[sizeof body - 1] = '\0';
			for (i = 0; i < NREC; i++)
				log_info("%s", body);
			_exit(0);
		}
	}
	while (nl < NPROC * NREC) {
		struct pollfd pfd = { rfd, POLLIN, 0 };
		ssize_t r;

		if (poll(&pfd, 1, 20000) <= 0)
			fail_msg("writers stalled after %zu records", nl);
		r = read(rfd, rec + have, sizeof rec - 1 - have);
		if (r <= 0)
			continue;
		have += (size_t)r;
		/* Check and drop each complete record. */
		start = 0;
		for (i = 0; i < have; i++) {
			const char *q;
			char c;
			size_t j;

			if (rec[i] != '\n')
				continue;
			assert_memory_equal(rec + start, "testprog: pid ", 14);
			q = memchr(rec + start, ':', i - start);
			q = q != NULL ? strstr(q + 1, ": info: ") : NULL;
			assert_non_null(q);
			q += 8;
			assert_true(i - start <= LOG_MAX);
			c = *q;
			assert_true(c >= 'A' && c < 'A' + NPROC);
			for (j = (size_t)(q - rec); j < i - 3; j++)
				if (rec[j] != c)
					fail_msg("record mixes writers");
			assert_memory_equal(rec + i - 3, "...", 3);
			nl++;
			start = i + 1;
		}
		memmove(rec, rec + start, have - start);
		have -= start;
	}
	assert_int_equal(have, 0);
	for (p = 0; p < NPROC; p++) {
		assert_int_equal(waitpid(pids[p], &status, 0), pids[p]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_int_equal(drain(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_progname_default),
		cmocka_unit_test_setup_teardown(test_progname, setup, teardown),
		cmocka_unit_test_setup_teardown(test_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_levels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escape_record, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_escape_nul_in_message,
		    setup, teardown),
		cmocka_unit_test(test_escape_table),
		cmocka_unit_test(test_escape_small_buffers),
		cmocka_unit_test_setup_teardown(test_long_message_cut, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cut_boundary, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_errno_preserved, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_die, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_writers, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
