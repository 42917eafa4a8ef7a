/*
 * Unit tests for lib/smtpreply: multi-line replies, enhanced status
 * codes, malformed lines, limits, the one-line form and EHLO keywords.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "smtpreply.h"

/* Feeds the lines of z (each ending in LF or CRLF); the last result. */
static int
feed(struct smtp_reply *r, const char *z)
{
	const char *nl;
	int rc = 0;

	smtp_reply_init(r);
	while (*z != '\0') {
		nl = strchr(z, '\n');
		size_t n = nl != NULL ? (size_t)(nl - z) + 1 : strlen(z);
		rc = smtp_reply_line(r, z, n);
		if (rc != 0)
			return rc;
		z += n;
	}
	return rc;
}

static void
oneline(const struct smtp_reply *r, const char *want)
{
	struct str s = STR_INIT;

	assert_int_equal(smtp_reply_oneline(r, &s), 0);
	assert_string_equal(s.s, want);
	str_free(&s);
}

static void
test_single(void **state)
{
	struct smtp_reply r = { 0 };

	(void)state;
	assert_int_equal(feed(&r, "250 2.1.0 Ok\r\n"), 1);
	assert_int_equal(r.code, 250);
	assert_string_equal(r.esc, "2.1.0");
	assert_string_equal(r.text.s, "2.1.0 Ok");
	assert_int_equal(r.done, 1);
	oneline(&r, "250 2.1.0 Ok");

	assert_int_equal(feed(&r, "354 End data with <CR><LF>.<CR><LF>\n"), 1);
	assert_int_equal(r.code, 354);
	assert_string_equal(r.esc, "");
	oneline(&r, "354 End data with <CR><LF>.<CR><LF>");

	/* A bare code, and a code with an empty text. */
	assert_int_equal(feed(&r, "250\r\n"), 1);
	assert_int_equal(r.code, 250);
	oneline(&r, "250");
	assert_int_equal(feed(&r, "221 \r\n"), 1);
	oneline(&r, "221");
	/* No line end at all. */
	assert_int_equal(feed(&r, "421 4.4.2 bye"), 1);
	assert_int_equal(r.code, 421);
	assert_string_equal(r.esc, "4.4.2");
	smtp_reply_free(&r);
}

static void
test_multi(void **state)
{
	struct smtp_reply r = { 0 };

	(void)state;
	smtp_reply_init(&r);
	assert_int_equal(smtp_reply_line(&r, "550-5.1.1 <bob@x>: no\r\n", 23), 0);
	assert_int_equal(r.done, 0);
	assert_int_equal(smtp_reply_line(&r, "550-5.1.1 such\r\n", 16), 0);
	assert_int_equal(smtp_reply_line(&r, "550 5.1.1 user\r\n", 16), 1);
	assert_int_equal(r.nlines, 3);
	assert_string_equal(r.esc, "5.1.1");
	oneline(&r, "550 5.1.1 <bob@x>: no such user");
	/* After the last line nothing more belongs to the reply. */
	errno = 0;
	assert_int_equal(smtp_reply_line(&r, "550 x\r\n", 7), -1);
	assert_int_equal(errno, EPROTO);

	/* Lines without the enhanced code keep their text. */
	assert_int_equal(feed(&r, "451-4.3.0 first\r\n451-second\r\n451 third\r\n"), 1);
	oneline(&r, "451 4.3.0 first second third");
	smtp_reply_free(&r);
}

static void
test_esc(void **state)
{
	struct smtp_reply r = { 0 };

	(void)state;
	/* The class must match the reply code's first digit. */
	assert_int_equal(feed(&r, "550 4.1.1 odd\r\n"), 1);
	assert_string_equal(r.esc, "");
	oneline(&r, "550 4.1.1 odd");
	assert_int_equal(feed(&r, "552 5.3.4 Message too big\r\n"), 1);
	assert_string_equal(r.esc, "5.3.4");
	assert_int_equal(feed(&r, "250 2.999.999\r\n"), 1);
	assert_string_equal(r.esc, "2.999.999");
	assert_int_equal(feed(&r, "250 2.1000.0 x\r\n"), 1);
	assert_string_equal(r.esc, "");
	assert_int_equal(feed(&r, "250 2.1.0x\r\n"), 1);
	assert_string_equal(r.esc, "");
	assert_int_equal(feed(&r, "250 2.1. x\r\n"), 1);
	assert_string_equal(r.esc, "");
	assert_int_equal(feed(&r, "250 2..1 x\r\n"), 1);
	assert_string_equal(r.esc, "");
	smtp_reply_free(&r);
}

static void
test_bad(void **state)
{
	struct smtp_reply r = { 0 };

	(void)state;
	errno = 0;
	assert_int_equal(feed(&r, "25 ok\r\n"), -1);
	assert_int_equal(errno, EPROTO);
	assert_int_equal(feed(&r, "2x0 ok\r\n"), -1);
	assert_int_equal(feed(&r, "150 ok\r\n"), -1);
	assert_int_equal(feed(&r, "650 ok\r\n"), -1);
	assert_int_equal(feed(&r, "250ok\r\n"), -1);
	assert_int_equal(feed(&r, "250_ok\r\n"), -1);
	assert_int_equal(feed(&r, "\r\n"), -1);
	/* A different code inside one reply. */
	assert_int_equal(feed(&r, "250-a\r\n251 b\r\n"), -1);
	assert_int_equal(errno, EPROTO);
	/* Control bytes become spaces. */
	assert_int_equal(smtp_reply_line((smtp_reply_init(&r), &r),
	    "250 a\tb\0c\r\n", 11), 1);
	assert_int_equal(r.text.len, 5);
	assert_memory_equal(r.text.s, "a b c", 5);
	smtp_reply_free(&r);
}

static void
test_limits(void **state)
{
	struct smtp_reply r = { 0 };
	char line[SMTP_REPLY_LINE_MAX + 2];
	size_t i;

	(void)state;
	memset(line, 'x', sizeof(line));
	memcpy(line, "250 ", 4);
	smtp_reply_init(&r);
	errno = 0;
	assert_int_equal(smtp_reply_line(&r, line, SMTP_REPLY_LINE_MAX + 1), -1);
	assert_int_equal(errno, E2BIG);
	smtp_reply_init(&r);
	assert_int_equal(smtp_reply_line(&r, line, SMTP_REPLY_LINE_MAX), 1);
	assert_int_equal(r.text.len, SMTP_REPLY_LINE_MAX - 4);

	smtp_reply_init(&r);
	for (i = 0; i < SMTP_REPLY_LINES_MAX; i++)
		assert_int_equal(smtp_reply_line(&r, "250-x\r\n", 7), 0);
	errno = 0;
	assert_int_equal(smtp_reply_line(&r, "250 x\r\n", 7), -1);
	assert_int_equal(errno, E2BIG);
	smtp_reply_free(&r);
}

static void
test_bytewise(void **state)
{
	/* The same reply whatever the line split the reader used. */
	static const char *lines[] = { "220-mx.example ESMTP\n",
		"220-second line\r\n", "220 third\r\n" };
	struct smtp_reply r = { 0 };
	size_t i;

	(void)state;
	smtp_reply_init(&r);
	for (i = 0; i < 3; i++)
		assert_int_equal(smtp_reply_line(&r, lines[i],
		    strlen(lines[i])), i == 2 ? 1 : 0);
	assert_string_equal(r.text.s, "mx.example ESMTP\nsecond line\nthird");
	smtp_reply_free(&r);
}

static void
test_ehlo(void **state)
{
	struct smtp_reply r = { 0 };
	struct smtp_ehlo e;

	(void)state;
	assert_int_equal(feed(&r, "250-mx.example Hello PIPELINING\r\n"
	    "250-pipelining\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n"
	    "250-SMTPUTF8\r\n250-DSN\r\n250-STARTTLS\r\n"
	    "250-ENHANCEDSTATUSCODES\r\n250-AUTH PLAIN LOGIN\r\n"
	    "250-X-UNKNOWN foo\r\n250 CHUNKING\r\n"), 1);
	assert_int_equal(smtp_ehlo_parse(&r, &e), 0);
	assert_true(e.pipelining && e.eightbitmime && e.smtputf8 && e.dsn &&
	    e.starttls && e.enhanced && e.chunking && e.has_size);
	assert_int_equal(e.size, 10240000);
	assert_string_equal(e.auth, "PLAIN LOGIN");

	/* The greeting line is not a keyword; nothing else offered. */
	assert_int_equal(feed(&r, "250 PIPELINING\r\n"), 1);
	assert_int_equal(smtp_ehlo_parse(&r, &e), 0);
	assert_false(e.pipelining || e.has_size || e.starttls);

	/* SIZE without a number, or a bad one: no limit known. */
	assert_int_equal(feed(&r, "250-x\r\n250-SIZE\r\n250 8BITMIMEX\r\n"), 1);
	assert_int_equal(smtp_ehlo_parse(&r, &e), 0);
	assert_true(e.has_size);
	assert_int_equal(e.size, 0);
	assert_false(e.eightbitmime);
	assert_int_equal(feed(&r, "250-x\r\n250-SIZE 12k\r\n250 AUTH=LOGIN\r\n"), 1);
	assert_int_equal(smtp_ehlo_parse(&r, &e), 0);
	assert_int_equal(e.size, 0);
	assert_string_equal(e.auth, "LOGIN");

	/* Only a complete 2xx reply has keywords. */
	assert_int_equal(feed(&r, "502 5.5.2 no EHLO\r\n"), 1);
	errno = 0;
	assert_int_equal(smtp_ehlo_parse(&r, &e), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(feed(&r, "250-x\r\n"), 0);
	assert_int_equal(smtp_ehlo_parse(&r, &e), -1);
	smtp_reply_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single),
		cmocka_unit_test(test_multi),
		cmocka_unit_test(test_esc),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_bytewise),
		cmocka_unit_test(test_ehlo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
