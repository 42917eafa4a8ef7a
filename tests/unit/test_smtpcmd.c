/*
 * Unit tests for lib/smtpcmd: command line framing (CRLF only, no bare
 * CR/LF, no NUL), verbs, arguments and limits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "smtpcmd.h"

static void
ok(const char *line, size_t len, enum smtp_verb verb, const char *arg)
{
	struct smtp_cmd c;
	char *copy = malloc(len ? len : 1);

	memcpy(copy, line, len);
	assert_int_equal(smtp_cmd_parse(copy, len, &c), 0);
	assert_int_equal(c.verb, verb);
	assert_int_equal(c.arglen, strlen(arg));
	assert_memory_equal(c.arg, arg, c.arglen);
	free(copy);
}

static void
bad(const char *line, size_t len, int err)
{
	struct smtp_cmd c;
	char *copy = malloc(len ? len : 1);

	memcpy(copy, line, len);
	errno = 0;
	assert_int_equal(smtp_cmd_parse(copy, len, &c), -1);
	assert_int_equal(errno, err);
	free(copy);
}

#define OK(z, v, a) ok(z, sizeof z - 1, v, a)
#define BAD(z, e) bad(z, sizeof z - 1, e)

static void
test_verbs(void **state)
{
	(void)state;
	OK("EHLO client.example\r\n", SMTP_EHLO, "client.example");
	OK("helo x\r\n", SMTP_HELO, "x");
	OK("MAIL FROM:<a@b>\r\n", SMTP_MAIL, "FROM:<a@b>");
	OK("rcpt to:<a@b> NOTIFY=NEVER\r\n", SMTP_RCPT, "to:<a@b> NOTIFY=NEVER");
	OK("DATA\r\n", SMTP_DATA, "");
	OK("BDAT 100 LAST\r\n", SMTP_BDAT, "100 LAST");
	OK("RSET\r\n", SMTP_RSET, "");
	OK("NOOP  \r\n", SMTP_NOOP, "");
	OK("QUIT\r\n", SMTP_QUIT, "");
	OK("HELP me\r\n", SMTP_HELP, "me");
	OK("VRFY root\r\n", SMTP_VRFY, "root");
	OK("EXPN list\r\n", SMTP_EXPN, "list");
	OK("ETRN example.org\r\n", SMTP_ETRN, "example.org");
	OK("StartTLS\r\n", SMTP_STARTTLS, "");
	OK("AUTH PLAIN\r\n", SMTP_AUTH, "PLAIN");
	OK("FOO bar\r\n", SMTP_UNKNOWN, "bar");
	OK("MAILX\r\n", SMTP_UNKNOWN, "");
	OK("MAI\r\n", SMTP_UNKNOWN, "");
	OK("\r\n", SMTP_UNKNOWN, "");
	OK("DATA\t x \t\r\n", SMTP_DATA, "x");
	assert_string_equal(smtp_verb_name(SMTP_MAIL), "MAIL");
	assert_string_equal(smtp_verb_name(SMTP_UNKNOWN), "?");
}

static void
test_framing(void **state)
{
	(void)state;
	BAD("QUIT\n", EILSEQ);
	BAD("QUIT", EILSEQ);
	BAD("QUIT\r", EILSEQ);
	BAD("", EILSEQ);
	BAD("\n", EILSEQ);
	BAD("NOOP\rDATA\r\n", EILSEQ);
	BAD("NOOP\nDATA\r\n", EILSEQ);
	BAD("MAIL FROM:<a@b>\r\r\n", EILSEQ);
	BAD("NOOP \0x\r\n", EINVAL);
	BAD("NOOP \033[2J\r\n", EINVAL);
	BAD("NOOP \x7f\r\n", EINVAL);
}

static void
test_limit(void **state)
{
	char buf[SMTP_CMD_MAX + 10];
	(void)state;

	memset(buf, 'x', sizeof buf);
	memcpy(buf, "NOOP ", 5);
	memcpy(buf + SMTP_CMD_MAX - 2, "\r\n", 2);
	{
		struct smtp_cmd c;

		assert_int_equal(smtp_cmd_parse(buf, SMTP_CMD_MAX, &c), 0);
		assert_int_equal(c.verb, SMTP_NOOP);
		assert_int_equal(c.arglen, SMTP_CMD_MAX - 7);
	}
	memcpy(buf + SMTP_CMD_MAX - 2, "xx\r\n", 4);
	bad(buf, SMTP_CMD_MAX + 2, E2BIG);
}

static void
test_prefix(void **state)
{
	const char *rest;
	size_t len;
	(void)state;

	assert_int_equal(smtp_cmd_prefix("FROM:<a@b>", 10, "FROM:", &rest,
	    &len), 1);
	assert_int_equal(len, 5);
	assert_memory_equal(rest, "<a@b>", 5);
	assert_int_equal(smtp_cmd_prefix("from:  <a@b>", 12, "FROM:", &rest,
	    &len), 1);
	assert_int_equal(len, 5);
	assert_int_equal(smtp_cmd_prefix("FROM <a@b>", 10, "FROM:", &rest,
	    &len), 0);
	assert_int_equal(smtp_cmd_prefix("FRO", 3, "FROM:", &rest, &len), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verbs),
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_prefix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
