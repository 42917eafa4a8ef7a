/*
 * Unit tests for lib/sasl: answer lines, base64 answers, PLAIN and
 * CRAM-MD5 responses, challenges, and running a checkpassword program
 * (a shell script that checks the fd-3 record and exits as told).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/wait.h>

#include "checkpass.h"
#include "sasl.h"

static void
test_line(void **state)
{
	size_t n;
	char big[SASL_LINE_MAX + 2];

	(void)state;
	assert_int_equal(sasl_line("abc\r\n", 5, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(sasl_line("abc\n", 4, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(sasl_line("\r\n", 2, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(sasl_line("a\rb\r\n", 5, &n), -1);
	assert_int_equal(errno, EILSEQ);
	assert_int_equal(sasl_line("a\0b\r\n", 5, &n), -1);
	memset(big, 'A', sizeof big);
	assert_int_equal(sasl_line(big, sizeof big, &n), -1);
	assert_int_equal(errno, E2BIG);
	assert_true(sasl_is_abort("*", 1));
	assert_false(sasl_is_abort("**", 2));
}

static void
test_decode(void **state)
{
	struct str s = STR_INIT;

	(void)state;
	assert_int_equal(sasl_decode("=", 1, &s), 0);
	assert_int_equal(s.len, 0);
	assert_int_equal(sasl_decode("AGpvZQBzZWNyZXQ=", 16, &s), 0);
	assert_int_equal(s.len, 11);
	assert_memory_equal(s.s, "\0joe\0secret", 11);
	assert_int_equal(sasl_decode("!!!!", 4, &s), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(sasl_decode("Zg=", 3, &s), -1);
	str_free(&s);
}

static void
test_plain(void **state)
{
	struct sasl_cred c;
	const char *why;

	(void)state;
	assert_int_equal(sasl_plain("\0joe\0secret", 11, &c, &why), 0);
	assert_int_equal(c.ulen, 3);
	assert_memory_equal(c.user, "joe", 3);
	assert_int_equal(c.slen, 6);
	assert_memory_equal(c.secret, "secret", 6);
	assert_int_equal(sasl_plain("joe\0joe\0s", 9, &c, &why), 0);
	assert_int_equal(sasl_plain("\0joe\0", 5, &c, &why), 0);
	assert_int_equal(c.slen, 0);
	assert_int_equal(sasl_plain("root\0joe\0s", 10, &c, &why), -1);
	assert_int_equal(errno, EPERM);
	assert_string_equal(why, "authorization identity differs");
	assert_int_equal(sasl_plain("joe\0secret", 10, &c, &why), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(sasl_plain("\0joe\0se\0cret", 12, &c, &why), -1);
	assert_int_equal(sasl_plain("", 0, &c, &why), -1);
}

static void
test_cram(void **state)
{
	struct sasl_cred c;
	char ch[SASL_CHALLENGE_MAX], ch2[SASL_CHALLENGE_MAX];
	static const char ok[] = "tim b913a602c7eda7a495b4e6e7334d3890";

	(void)state;
	assert_int_equal(sasl_cram(ok, sizeof ok - 1, &c), 0);
	assert_int_equal(c.ulen, 3);
	assert_memory_equal(c.user, "tim", 3);
	assert_int_equal(c.slen, 32);
	assert_memory_equal(c.secret, ok + 4, 32);
	assert_int_equal(sasl_cram("tim B913a602c7eda7a495b4e6e7334d3890", 36,
			     &c),
	    -1);
	assert_int_equal(sasl_cram(" b913a602c7eda7a495b4e6e7334d3890", 33,
			     &c),
	    -1);
	assert_int_equal(sasl_cram("timb913a602c7eda7a495b4e6e7334d3890", 35,
			     &c),
	    -1);
	assert_int_equal(sasl_cram("", 0, &c), -1);
	/* a user name with a space keeps it: the digest is the last word */
	assert_int_equal(sasl_cram("a b b913a602c7eda7a495b4e6e7334d3890", 36,
			     &c),
	    0);
	assert_int_equal(c.ulen, 3);
	assert_true(sasl_cram_challenge(ch, sizeof ch) > 10);
	assert_true(sasl_cram_challenge(ch2, sizeof ch2) > 10);
	assert_int_equal(ch[0], '<');
	assert_non_null(strchr(ch, '@'));
	assert_string_not_equal(ch, ch2);
	assert_int_equal(sasl_cram_challenge(ch, 5), -1);
}

static char sh[] = "/bin/sh", dash_c[] = "-c", nowhere[] = "/nonexistent/x";
/* The script checks the record byte for byte (od) and exits 0 when it
 * is right, 1 when it is not. */
static char script[] = "test \"$(od -An -c <&3 | tr -d ' \\n')\" = "
		       "'joe\\0secret\\0<c>\\0' && exit 0; exit 1";

static void
test_checkpw(void **state)
{
	char *const argv[] = { sh, dash_c, script, NULL };
	char *const bad[] = { nowhere, NULL };
	int status, fds[] = { -1 };
	char big[CHECKPASS_MAX];

	(void)state;
	assert_int_equal(sasl_checkpw(argv, "joe", 3, "sec\0ret", 7, "<c>", 3,
			     NULL, 0, &status),
	    -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(sasl_checkpw(argv, "joe", 3, "secret", 6, "<c>", 3,
			     fds, 1, &status),
	    0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(sasl_checkpw(argv, "joe", 3, "wrong", 5, "<c>", 3,
			     NULL, 0, &status),
	    0);
	assert_int_equal(WEXITSTATUS(status), 1);
	assert_int_equal(sasl_checkpw(bad, "joe", 3, "x", 1, "", 0, NULL, 0,
			     &status),
	    0);
	assert_int_equal(WEXITSTATUS(status), 111);
	assert_int_equal(sasl_checkpw(bad, "", 0, "x", 1, "", 0, NULL, 0,
			     &status),
	    -1);
	assert_int_equal(errno, EINVAL);
	memset(big, 'x', sizeof big);
	assert_int_equal(sasl_checkpw(bad, big, sizeof big, "x", 1, "", 0,
			     NULL, 0, &status),
	    -1);
	assert_int_equal(errno, E2BIG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_cram),
		cmocka_unit_test(test_checkpw),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
