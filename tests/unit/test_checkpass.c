/*
 * Unit tests for lib/checkpass: the fd-3 record of the checkpassword
 * interface, parsed from memory and read from pipes (whole, in pieces,
 * oversized, slow, closed).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checkpass.h"

static void
test_parse(void **state)
{
	struct checkpass cp;

	(void)state;
	assert_int_equal(checkpass_parse(&cp, "joe\0pw\0<1.2@h>\0", 15), 0);
	assert_string_equal(cp.user, "joe");
	assert_int_equal(cp.user_len, 3);
	assert_string_equal(cp.secret, "pw");
	assert_int_equal(cp.secret_len, 2);
	assert_string_equal(cp.challenge, "<1.2@h>");
	assert_int_equal(cp.challenge_len, 7);

	/* No challenge at all, an empty one, and trailing data. */
	assert_int_equal(checkpass_parse(&cp, "joe\0pw\0", 7), 0);
	assert_string_equal(cp.challenge, "");
	assert_int_equal(checkpass_parse(&cp, "joe\0pw\0\0", 8), 0);
	assert_int_equal(cp.challenge_len, 0);
	assert_int_equal(checkpass_parse(&cp, "joe\0pw\0c\0more", 14), 0);
	assert_string_equal(cp.challenge, "c");
	/* Empty user and secret are the caller's business. */
	assert_int_equal(checkpass_parse(&cp, "\0\0", 2), 0);
	assert_int_equal(cp.user_len, 0);
	assert_int_equal(cp.secret_len, 0);
	/* Bytes are not interpreted. */
	assert_int_equal(checkpass_parse(&cp, "a\n\xff\0:\0", 6), 0);
	assert_int_equal(cp.user_len, 3);

	errno = 0;
	assert_int_equal(checkpass_parse(&cp, "", 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(checkpass_parse(&cp, "joe", 3), -1);
	assert_int_equal(checkpass_parse(&cp, "joe\0pw", 6), -1);
	assert_int_equal(errno, EINVAL);
	assert_null(cp.user);
	assert_int_equal(checkpass_parse(&cp, "joe\0pw\0chal", 11), -1);
	assert_int_equal(errno, EINVAL);
}

static void
test_limit(void **state)
{
	char buf[CHECKPASS_MAX + 1];
	struct checkpass cp;

	(void)state;
	memset(buf, 'a', sizeof buf);
	buf[0] = '\0';
	buf[1] = '\0';
	buf[CHECKPASS_MAX - 1] = '\0';
	assert_int_equal(checkpass_parse(&cp, buf, CHECKPASS_MAX), 0);
	assert_int_equal(cp.challenge_len, CHECKPASS_MAX - 3);
	assert_int_equal(checkpass_parse(&cp, buf, CHECKPASS_MAX + 1), -1);
	assert_int_equal(errno, E2BIG);
	assert_int_equal(cp.len, 0);
}

/* Writes n bytes of p to a pipe in chunks of step, from a child. */
static int
feeder(const void *p, size_t n, size_t step, unsigned delay_ms, pid_t *pid_r)
{
	int fds[2];
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *s = p;
		size_t off = 0;

		signal(SIGPIPE, SIG_IGN);
		close(fds[0]);
		while (off < n) {
			size_t k = n - off < step ? n - off : step;

			if (write(fds[1], s + off, k) < 0)
				_exit(1);
			off += k;
			if (delay_ms)
				usleep(delay_ms * 1000);
		}
		_exit(0);
	}
	close(fds[1]);
	*pid_r = pid;
	return fds[0];
}

static void
reap(pid_t pid)
{
	int st;

	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
}

static void
test_read(void **state)
{
	static const char rec[] = "tim\0tanstaaftanstaaf\0<1896.697170952@x>\0";
	struct checkpass cp;
	pid_t pid;
	int fd;

	(void)state;
	/* Whole, and one byte at a time. */
	fd = feeder(rec, sizeof rec - 1, sizeof rec, 0, &pid);
	assert_int_equal(checkpass_read(fd, 5000, &cp), 0);
	assert_string_equal(cp.user, "tim");
	assert_string_equal(cp.secret, "tanstaaftanstaaf");
	assert_string_equal(cp.challenge, "<1896.697170952@x>");
	close(fd);
	reap(pid);
	fd = feeder(rec, sizeof rec - 1, 1, 0, &pid);
	assert_int_equal(checkpass_read(fd, 5000, &cp), 0);
	assert_string_equal(cp.secret, "tanstaaftanstaaf");
	close(fd);
	reap(pid);
	checkpass_wipe(&cp);
	assert_int_equal(cp.len, 0);
	assert_int_equal(cp.buf[5], 0);
}

static void
test_read_bad(void **state)
{
	char big[4096];
	struct checkpass cp;
	pid_t pid;
	int fd;

	(void)state;
	/* Oversized: refused after CHECKPASS_MAX + 1 bytes. */
	memset(big, 0, sizeof big);
	fd = feeder(big, sizeof big, 100, 0, &pid);
	errno = 0;
	assert_int_equal(checkpass_read(fd, 5000, &cp), -1);
	assert_int_equal(errno, E2BIG);
	close(fd);
	reap(pid);
	/* Exactly 513 bytes is too many; 512 is not. */
	fd = feeder(big, CHECKPASS_MAX + 1, 1000, 0, &pid);
	assert_int_equal(checkpass_read(fd, 5000, &cp), -1);
	assert_int_equal(errno, E2BIG);
	close(fd);
	reap(pid);
	fd = feeder(big, CHECKPASS_MAX, 1000, 0, &pid);
	assert_int_equal(checkpass_read(fd, 5000, &cp), 0);
	close(fd);
	reap(pid);
	/* Malformed. */
	fd = feeder("joe\0pw", 6, 100, 0, &pid);
	assert_int_equal(checkpass_read(fd, 5000, &cp), -1);
	assert_int_equal(errno, EINVAL);
	close(fd);
	reap(pid);
	/* A writer that never finishes runs into the deadline. */
	fd = feeder("joe\0pw\0\0", 8, 1, 400, &pid);
	assert_int_equal(checkpass_read(fd, 300, &cp), -1);
	assert_int_equal(errno, ETIMEDOUT);
	close(fd);
	reap(pid);
	/* Descriptor not open. */
	fd = open("/dev/null", O_RDONLY);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(checkpass_read(fd, 100, &cp), -1);
	assert_int_equal(errno, EBADF);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_read_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
