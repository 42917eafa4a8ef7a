/*
 * Unit tests for lib/dsn: status codes from diagnostics, xtext, and the
 * RFC 3464 report's structure (checked field by field here; the
 * integration tests parse whole bounces with Python's email package).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dsn.h"

static void
status_is(const char *diag, int cls, const char *want)
{
	char out[16];

	memset(out, 'x', sizeof out);
	dsn_status(diag, cls, out);
	assert_string_equal(out, want);
}

static void
test_status(void **unused)
{
	(void)unused;
	status_is("550 5.1.1 <bob@x>: no such user", 5, "5.1.1");
	status_is("550-5.7.1 go away", 5, "5.7.1");
	status_is("452 4.2.2 mailbox full", 5, "4.2.2");
	status_is("4.4.1 connect to [127.0.0.1]:25: refused", 5, "4.4.1");
	status_is("5.1.1 no such user joe", 4, "5.1.1");
	status_is("550 no enhanced code", 4, "5.0.0");
	status_is("421 closing", 5, "4.0.0");
	status_is("550 6.1.1 not a class", 5, "5.0.0");
	status_is("5.1234.1 too long", 4, "4.0.0");
	status_is("5.1.1x", 4, "4.0.0");
	status_is("", 5, "5.0.0");
	status_is(NULL, 4, "4.0.0");
	status_is("550 5.100.100 x", 5, "5.100.100");
}

static void
test_xtext(void **unused)
{
	struct str s = STR_INIT;

	(void)unused;
	assert_int_equal(dsn_xtext_decode("bob+40x.example", &s), 0);
	assert_string_equal(s.s, "bob@x.example");
	assert_int_equal(dsn_xtext_decode("a+2B+3D", &s), 0);
	assert_string_equal(s.s, "a+=");
	assert_int_equal(dsn_xtext_decode("a+2", &s), -1);
	assert_int_equal(dsn_xtext_decode("a+zz", &s), -1);
	assert_int_equal(dsn_xtext_decode("a=b", &s), -1);
	assert_int_equal(dsn_xtext_decode("a b", &s), -1);
	str_free(&s);
}

static int
has(const struct str *s, const char *needle)
{
	return strstr(s->s, needle) != NULL;
}

static void
test_head(void **unused)
{
	struct dsn_rcpt r[2] = {
		{ "bob@x.example", "rfc822;bob+40x.example", DSN_FAILED, NULL,
		    "mx.x.example", "550 5.1.1 <bob@x.example>: no\r\nsuch user",
		    1796359999, 0 },
		{ "joe@demo.test", NULL, DSN_FAILED, "4.4.7", NULL,
		    "4.2.2 over quota", 1796359999, 0 },
	};
	struct dsn d = {
		.kind = DSN_BOUNCE, .reporting_mta = "mail.demo.test",
		.to = "alice@example.org", .orig_sender = "alice@example.org",
		.qid = "1796359906.M1P2_R3.host", .envid = "QQ+2B1",
		.boundary = "=_facteur_1_2", .arrival = 1796359906,
		.now = 1796360000, .ret_hdrs = 0, .eightbit = 0, .r = r, .n = 2,
	};
	struct str s = STR_INIT;

	(void)unused;
	assert_int_equal(dsn_head(&d, &s), 0);
	assert_true(has(&s, "From: Mail Delivery System "
	    "<MAILER-DAEMON@mail.demo.test>\n"));
	assert_true(has(&s, "\nTo: <alice@example.org>\n"));
	assert_true(has(&s, "\nAuto-Submitted: auto-replied\n"));
	assert_true(has(&s, "Content-Type: multipart/report; "
	    "report-type=delivery-status;\n\tboundary=\"=_facteur_1_2\"\n"));
	assert_true(has(&s, "\n--=_facteur_1_2\nContent-Description: "
	    "Delivery report\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns;mail.demo.test\n"));
	assert_true(has(&s, "\nOriginal-Envelope-Id: QQ+1\n"));
	assert_true(has(&s, "\n\nOriginal-Recipient: rfc822;bob@x.example\n"
	    "Final-Recipient: rfc822;bob@x.example\nAction: failed\n"
	    "Status: 5.1.1\nRemote-MTA: dns;mx.x.example\n"
	    "Diagnostic-Code: smtp;550 5.1.1 <bob@x.example>: no  such user\n"
	    "Last-Attempt-Date: "));
	assert_true(has(&s, "\n\nFinal-Recipient: rfc822;joe@demo.test\n"
	    "Action: failed\nStatus: 4.4.7\n"
	    "Diagnostic-Code: x-facteur;4.2.2 over quota\n"));
	/* Text from the network cannot start a header line. */
	assert_false(has(&s, "\nsuch user"));
	/* Ends with part 3's header and its blank line. */
	assert_true(s.len > 40);
	assert_string_equal(s.s + s.len - strlen("Content-Type: "
	    "message/rfc822\n\n"), "Content-Type: message/rfc822\n\n");
	str_clear(&s);
	assert_int_equal(dsn_tail(&d, &s), 0);
	assert_string_equal(s.s, "\n--=_facteur_1_2--\n");

	/* HDRS, delayed. */
	str_clear(&s);
	d.kind = DSN_DELAY;
	d.ret_hdrs = 1;
	d.eightbit = 1;
	r[0].action = DSN_DELAYED;
	r[0].diag = "451 4.3.0 later";
	r[0].will_retry_until = 1796790000;
	d.n = 1;
	assert_int_equal(dsn_head(&d, &s), 0);
	assert_true(has(&s, "Subject: Delayed Mail"));
	assert_true(has(&s, "Action: delayed\nStatus: 4.3.0\n"));
	assert_true(has(&s, "Will-Retry-Until: "));
	assert_false(has(&s, "8bit"));
	assert_string_equal(s.s + s.len - strlen("Content-Type: "
	    "text/rfc822-headers\n\n"), "Content-Type: text/rfc822-headers\n\n");

	/* Bad arguments. */
	d.boundary = "a\"b";
	assert_int_equal(dsn_head(&d, &s), -1);
	d.boundary = "ok";
	d.to = "";
	assert_int_equal(dsn_head(&d, &s), -1);
	str_free(&s);
}

static void
test_header_end(void **unused)
{
	const char *m = "Subject: x\nTo: y\n\nbody\n\nmore\n";
	size_t n = strlen(m);
	int st = 0;

	(void)unused;
	assert_int_equal(dsn_header_end(m, n, &st), 18);
	/* One byte at a time gives the same place. */
	st = 0;
	for (size_t i = 0; i < n; i++) {
		size_t e = dsn_header_end(m + i, 1, &st);

		if (e != 0) {
			assert_int_equal(i + e, 18);
			break;
		}
		assert_true(i < 17);
	}
	st = 0;
	assert_int_equal(dsn_header_end("A: b\r\n\r\nx", 9, &st), 8);
	st = 0;
	assert_int_equal(dsn_header_end("\nbody", 5, &st), 1);
	st = 0;
	assert_int_equal(dsn_header_end("A: b\nC: d\n", 10, &st), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_xtext),
		cmocka_unit_test(test_head),
		cmocka_unit_test(test_header_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
