/*
 * Unit tests for lib/pop3cmd: keywords, arguments, limits and framing,
 * each line fed whole.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pop3cmd.h"

static void
ok(const char *z, enum pop3_verb v, unsigned nargs, struct pop3_cmd *c)
{
	const char *why = NULL;

	if (pop3_cmd_parse(z, strlen(z), c, &why) != 0)
		fail_msg("\"%s\" refused: %s", z, why);
	assert_int_equal(c->verb, v);
	assert_int_equal(c->nargs, nargs);
}

static void
bad(const char *s, size_t len, int err)
{
	struct pop3_cmd c;
	const char *why = NULL;

	errno = 0;
	if (pop3_cmd_parse(s, len, &c, &why) != -1)
		fail_msg("\"%.*s\" accepted", (int)len, s);
	assert_int_equal(errno, err);
	assert_non_null(why);
}

static void
badz(const char *z, int err)
{
	bad(z, strlen(z), err);
}

static void
arg_is(const struct pop3_cmd *c, unsigned i, const char *want)
{
	assert_int_equal(c->arglen[i], strlen(want));
	assert_memory_equal(c->arg[i], want, strlen(want));
}

static void
test_simple(void **state)
{
	struct pop3_cmd c;

	(void)state;
	ok("STAT\r\n", POP3_STAT, 0, &c);
	ok("stat\r\n", POP3_STAT, 0, &c);
	ok("Noop\n", POP3_NOOP, 0, &c);
	ok("RSET\r\n", POP3_RSET, 0, &c);
	ok("QUIT\r\n", POP3_QUIT, 0, &c);
	ok("CAPA\r\n", POP3_CAPA, 0, &c);
	ok("STLS\r\n", POP3_STLS, 0, &c);
	ok("QUIT \r\n", POP3_QUIT, 0, &c);
	badz("QUIT now\r\n", EINVAL);
	badz("STAT 1\r\n", EINVAL);
	assert_string_equal(pop3_verb_name(POP3_TOP), "TOP");
	assert_string_equal(pop3_verb_name(POP3_UNKNOWN), "?");
}

static void
test_numbers(void **state)
{
	struct pop3_cmd c;

	(void)state;
	ok("LIST\r\n", POP3_LIST, 0, &c);
	ok("LIST 2\r\n", POP3_LIST, 1, &c);
	assert_true(c.num[0] == 2);
	ok("uidl 007\r\n", POP3_UIDL, 1, &c);
	assert_true(c.num[0] == 7);
	ok("RETR 0\r\n", POP3_RETR, 1, &c);
	assert_true(c.num[0] == 0);
	ok("DELE 4294967296\r\n", POP3_DELE, 1, &c);
	assert_true(c.num[0] == UINT64_C(4294967296));
	ok("RETR 99999999999999999999999999\r\n", POP3_RETR, 1, &c);
	assert_true(c.num[0] == UINT64_MAX);
	ok("TOP 3 0\r\n", POP3_TOP, 2, &c);
	assert_true(c.num[0] == 3 && c.num[1] == 0);
	ok("TOP  3   10 \r\n", POP3_TOP, 2, &c);
	assert_true(c.num[0] == 3 && c.num[1] == 10);
	badz("RETR\r\n", EINVAL);
	badz("RETR -1\r\n", EINVAL);
	badz("RETR +1\r\n", EINVAL);
	badz("RETR 1x\r\n", EINVAL);
	badz("RETR 1 2\r\n", EINVAL);
	badz("TOP 1\r\n", EINVAL);
	badz("TOP 1 -5\r\n", EINVAL);
	badz("TOP 1 2 3\r\n", EINVAL);
	badz("LIST 1 2\r\n", EINVAL);
	badz("DELE one\r\n", EINVAL);
}

static void
test_auth_args(void **state)
{
	struct pop3_cmd c;
	char longname[POP3_ARG_MAX + 16];

	(void)state;
	ok("USER bob\r\n", POP3_USER, 1, &c);
	arg_is(&c, 0, "bob");
	ok("PASS a secret with  spaces\t\r\n", POP3_PASS, 1, &c);
	arg_is(&c, 0, "a secret with  spaces\t");
	ok("PASS  lead\r\n", POP3_PASS, 1, &c);
	arg_is(&c, 0, " lead");
	badz("PASS\r\n", EINVAL);
	badz("PASS \r\n", EINVAL);
	badz("USER\r\n", EINVAL);
	badz("USER a b\r\n", EINVAL);
	badz("USER a\tb\r\n", EILSEQ);
	ok("AUTH\r\n", POP3_AUTH, 0, &c);
	ok("AUTH PLAIN\r\n", POP3_AUTH, 1, &c);
	arg_is(&c, 0, "PLAIN");
	ok("AUTH PLAIN AGJvYgBzZWNyZXQ=\r\n", POP3_AUTH, 2, &c);
	arg_is(&c, 1, "AGJvYgBzZWNyZXQ=");
	ok("AUTH PLAIN =\r\n", POP3_AUTH, 2, &c);
	badz("AUTH PLAIN a b\r\n", EINVAL);
	ok("APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n", POP3_APOP, 2,
	    &c);
	memset(longname, 'x', sizeof longname);
	memcpy(longname, "USER ", 5);
	memcpy(longname + 5 + POP3_ARG_MAX + 1, "\r\n", 3);
	badz(longname, EINVAL);
	memcpy(longname + 5 + POP3_ARG_MAX, "\r\n", 3);
	ok(longname, POP3_USER, 1, &c);
}

static void
test_framing(void **state)
{
	char big[POP3_LINE_MAX + 8];

	(void)state;
	badz("STAT", EILSEQ);
	badz("STAT\r", EILSEQ);
	badz("", EILSEQ);
	badz("\r\n", ENOSYS);
	badz(" STAT\r\n", ENOSYS);
	badz("ST\rAT\r\n", EILSEQ);
	badz("STAT\r\r\n", EILSEQ);
	badz("STAT\n\n", EILSEQ);
	bad("USER a\0b\r\n", 10, EILSEQ);
	bad("PASS a\0b\r\n", 10, EILSEQ);
	badz("USER \x7f\r\n", EILSEQ);
	badz("XTND\r\n", ENOSYS);
	badz("STATS\r\n", ENOSYS);
	badz("ST4T\r\n", ENOSYS);
	badz("\xc3\xa9T\r\n", ENOSYS);
	memset(big, 'a', sizeof big);
	memcpy(big, "PASS ", 5);
	memcpy(big + POP3_LINE_MAX - 2, "\r\n", 3);
	{
		struct pop3_cmd c;

		ok(big, POP3_PASS, 1, &c);
	}
	memcpy(big + POP3_LINE_MAX - 2, "a\r\n", 4);
	badz(big, E2BIG);
}

static void
test_sasl_line(void **state)
{
	size_t n = 0;

	(void)state;
	assert_int_equal(pop3_sasl_line("dGVzdA==\r\n", 10, &n), 0);
	assert_int_equal(n, 8);
	assert_int_equal(pop3_sasl_line("*\n", 2, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pop3_sasl_line("\r\n", 2, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(pop3_sasl_line("ab", 2, &n), -1);
	assert_int_equal(errno, EILSEQ);
	assert_int_equal(pop3_sasl_line("a\rb\r\n", 5, &n), -1);
	assert_int_equal(errno, EILSEQ);
	assert_int_equal(pop3_sasl_line("x", POP3_SASL_LINE_MAX + 1, &n), -1);
	assert_int_equal(errno, E2BIG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_auth_args),
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_sasl_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
