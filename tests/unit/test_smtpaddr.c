/*
 * Unit tests for lib/smtpaddr: RFC 5321 paths, trick addresses, limits,
 * SMTPUTF8, and the ESMTP parameters of MAIL and RCPT.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "smtpaddr.h"

static void
path_ok(const char *in, unsigned flags, const char *addr, const char *local,
    const char *dom)
{
	struct smtp_addr a;
	size_t used = 0, n = strlen(in);
	/* An exact-size copy, so ASan sees any read past the end. */
	char *copy = malloc(n ? n : 1);

	memcpy(copy, in, n);
	if (smtp_path_parse(copy, n, flags, &a, &used) != 0)
		fail_msg("refused %s: %s", in, strerror(errno));
	assert_string_equal(a.addr, addr);
	assert_int_equal(a.len, strlen(addr));
	assert_string_equal(a.local, local);
	assert_int_equal(a.local_len, strlen(local));
	assert_string_equal(a.addr + a.domain, dom);
	assert_int_equal(in[used - 1], '>');
	free(copy);
}

static void
path_bad(const char *in, unsigned flags, int err)
{
	struct smtp_addr a;
	size_t used = 0, n = strlen(in);
	char *copy = malloc(n ? n : 1);

	memcpy(copy, in, n);
	errno = 0;
	if (smtp_path_parse(copy, n, flags, &a, &used) != -1)
		fail_msg("accepted %s as %s", in, a.addr);
	if (errno != err)
		fail_msg("%s: errno %d, want %d", in, errno, err);
	free(copy);
}

static void
test_plain(void **state)
{
	(void)state;
	path_ok("<user@example.org>", 0, "user@example.org", "user",
	    "example.org");
	path_ok("<a.b-c+d@sub.example-x.org>", 0, "a.b-c+d@sub.example-x.org",
	    "a.b-c+d", "sub.example-x.org");
	path_ok("<x@localhost>", 0, "x@localhost", "x", "localhost");
	path_ok("<!#$%&'*+-/=?^_`{|}~@h>", 0, "!#$%&'*+-/=?^_`{|}~@h",
	    "!#$%&'*+-/=?^_`{|}~", "h");
	path_ok("<u@1example.org>", 0, "u@1example.org", "u", "1example.org");
}

static void
test_quoted(void **state)
{
	(void)state;
	path_ok("<\"john doe\"@example.org>", 0, "\"john doe\"@example.org",
	    "john doe", "example.org");
	path_ok("<\"a\\\"b\"@h>", 0, "\"a\\\"b\"@h", "a\"b", "h");
	path_ok("<\"\"@h>", 0, "\"\"@h", "", "h");
	path_bad("<\"abc@h>", 0, EINVAL);
	path_bad("<\"a\tb\"@h>", 0, EINVAL);
	path_bad("<\"a\\\001\"@h>", 0, EINVAL);
}

static void
test_tricks(void **state)
{
	struct smtp_addr a;
	size_t used;
	(void)state;

	/* Two @: never a mailbox. */
	path_bad("<user@host@example.org>", 0, EINVAL);
	/* % and quoted @: local parts of our domain, flagged as routing. */
	path_ok("<user%other.net@example.org>", 0,
	    "user%other.net@example.org", "user%other.net", "example.org");
	assert_int_equal(smtp_path_parse("<user%other.net@example.org>", 28,
	    0, &a, &used), 0);
	assert_true(smtp_addr_routing(&a));
	assert_int_equal(smtp_path_parse("<\"user@other\"@example.org>", 26, 0,
	    &a, &used), 0);
	assert_string_equal(a.addr + a.domain, "example.org");
	assert_true(smtp_addr_routing(&a));
	assert_int_equal(smtp_path_parse("<a!b@example.org>", 17, 0, &a,
	    &used), 0);
	assert_true(smtp_addr_routing(&a));
	assert_int_equal(smtp_path_parse("<ab@example.org>", 16, 0, &a, &used),
	    0);
	assert_false(smtp_addr_routing(&a));
	/* Source routes are accepted and dropped. */
	path_ok("<@relay.net:user@example.org>", 0, "user@example.org", "user",
	    "example.org");
	path_ok("<@a.net,@[10.0.0.1]:user@example.org>", 0,
	    "user@example.org", "user", "example.org");
	path_bad("<@a.net user@example.org>", 0, EINVAL);
	path_bad("<@:user@example.org>", 0, EINVAL);
	path_bad("<@a.net,user@example.org>", 0, EINVAL);
}

static void
test_syntax(void **state)
{
	(void)state;
	path_bad("user@example.org", 0, EINVAL);
	path_bad("<user@example.org", 0, EINVAL);
	path_bad("<user>", 0, EINVAL);
	path_bad("<@example.org>", 0, EINVAL);
	path_bad("<user@>", 0, EINVAL);
	path_bad("<.user@h>", 0, EINVAL);
	path_bad("<user.@h>", 0, EINVAL);
	path_bad("<us..er@h>", 0, EINVAL);
	path_bad("<user@h.>", 0, EINVAL);
	path_bad("<user@.h>", 0, EINVAL);
	path_bad("<user@-h>", 0, EINVAL);
	path_bad("<user@h->", 0, EINVAL);
	path_bad("<user@h..i>", 0, EINVAL);
	path_bad("<us er@h>", 0, EINVAL);
	path_bad("<user@h_i>", 0, EINVAL);
	path_bad("<user@h >", 0, EINVAL);
	path_bad("<>", 0, EINVAL);
	path_bad("<postmaster>", 0, EINVAL);
	path_bad("", 0, EINVAL);
	path_bad("<", 0, EINVAL);
	path_bad("<u\001@h>", 0, EINVAL);
}

static void
test_null_and_postmaster(void **state)
{
	struct smtp_addr a;
	size_t used;
	(void)state;

	assert_int_equal(smtp_path_parse("<> SIZE=1", 9, SMTP_ADDR_NULL_OK, &a,
	    &used), 0);
	assert_true(a.null);
	assert_int_equal(used, 2);
	assert_string_equal(a.addr, "");
	assert_int_equal(smtp_path_parse("<PostMaster>", 12,
	    SMTP_ADDR_POSTMASTER, &a, &used), 0);
	assert_true(a.postmaster);
	assert_string_equal(a.addr, "postmaster");
	assert_int_equal(a.domain, a.len);
}

static void
test_literals(void **state)
{
	(void)state;
	path_ok("<u@[192.0.2.1]>", 0, "u@[192.0.2.1]", "u", "[192.0.2.1]");
	path_ok("<u@[IPv6:2001:db8::1]>", 0, "u@[IPv6:2001:db8::1]", "u",
	    "[IPv6:2001:db8::1]");
	path_ok("<u@[x-tag:abc]>", 0, "u@[x-tag:abc]", "u", "[x-tag:abc]");
	path_bad("<u@[192.0.2.256]>", 0, EINVAL);
	path_bad("<u@[IPv6:zz]>", 0, EINVAL);
	path_bad("<u@[]>", 0, EINVAL);
	path_bad("<u@[1.2.3.4>", 0, EINVAL);
	path_bad("<u@[a[b]>", 0, EINVAL);
}

static void
test_utf8(void **state)
{
	(void)state;
	path_bad("<j\xc3\xb6rg@example.org>", 0, EILSEQ);
	path_bad("<jorg@b\xc3\xbc" "cher.de>", 0, EILSEQ);
	path_ok("<j\xc3\xb6rg@b\xc3\xbc" "cher.de>", SMTP_ADDR_UTF8,
	    "j\xc3\xb6rg@b\xc3\xbc" "cher.de", "j\xc3\xb6rg",
	    "b\xc3\xbc" "cher.de");
	/* Overlong, surrogate, truncated, stray continuation. */
	path_bad("<j\xc0\xaf@h>", SMTP_ADDR_UTF8, EILSEQ);
	path_bad("<j\xed\xa0\x80@h>", SMTP_ADDR_UTF8, EILSEQ);
	path_bad("<j\xe2\x82@h>", SMTP_ADDR_UTF8, EILSEQ);
	path_bad("<j\x80@h>", SMTP_ADDR_UTF8, EILSEQ);
	assert_true(smtp_utf8_valid("\xf0\x9f\x98\x80", 4));
	assert_false(smtp_utf8_valid("\xf4\x90\x80\x80", 4));
	assert_false(smtp_utf8_valid("\xe0\x80\x80", 3));
}

static void
test_limits(void **state)
{
	char buf[1200];
	(void)state;

	/* 64-byte local part: fine; 65: too long. */
	memset(buf, 0, sizeof buf);
	buf[0] = '<';
	memset(buf + 1, 'a', 64);
	strcpy(buf + 65, "@h>");
	{
		struct smtp_addr a;
		size_t used;

		assert_int_equal(smtp_path_parse(buf, strlen(buf), 0, &a,
		    &used), 0);
	}
	memset(buf + 1, 'a', 65);
	strcpy(buf + 66, "@h>");
	path_bad(buf, 0, ENAMETOOLONG);
	/* 256-byte domain. */
	strcpy(buf, "<u@");
	for (int i = 0; i < 64; i++)
		strcat(buf, "abc.");
	strcat(buf, "x>");
	path_bad(buf, 0, ENAMETOOLONG);
	/* A path that never ends. */
	buf[0] = '<';
	memset(buf + 1, 'a', sizeof buf - 2);
	buf[sizeof buf - 1] = '\0';
	path_bad(buf, 0, ENAMETOOLONG);
	/* A source route longer than the path limit. */
	strcpy(buf, "<");
	for (int i = 0; i < 100; i++)
		strcat(buf, "@abcdefgh,");
	strcat(buf, "@x:u@h>");
	path_bad(buf, 0, ENAMETOOLONG);
}

static int
mail(const char *in, unsigned flags, struct smtp_mail_params *mp,
    const char **what)
{
	struct smtp_addr a;

	*what = NULL;
	return smtp_mail_parse(in, strlen(in), flags, &a, mp, what);
}

static void
test_mail_params(void **state)
{
	struct smtp_mail_params mp;
	const char *what;
	(void)state;

	assert_int_equal(mail("<a@b>", 0, &mp, &what), 0);
	assert_false(mp.has_size);
	assert_int_equal(mail("<a@b> SIZE=12345 BODY=8BITMIME RET=HDRS "
	    "ENVID=QQ+2B1", 0, &mp, &what), 0);
	assert_true(mp.has_size);
	assert_true(mp.size == 12345);
	assert_int_equal(mp.body, SMTP_BODY_8BITMIME);
	assert_int_equal(mp.ret, SMTP_RET_HDRS);
	assert_string_equal(mp.envid, "QQ+2B1");
	assert_int_equal(mail("<> size=0 body=7bit ret=full", 0, &mp, &what),
	    0);
	assert_int_equal(mp.body, SMTP_BODY_7BIT);
	assert_int_equal(mp.ret, SMTP_RET_FULL);
	assert_int_equal(mail("<a@b>  SIZE=1  ", 0, &mp, &what), 0);
	assert_int_equal(mail("<a@b> AUTH=<>", 0, &mp, &what), 0);
	assert_int_equal(mail("<a@b> AUTH=joe+40example.org", 0, &mp, &what),
	    0);
	assert_int_equal(mail("<a@b> AUTH=a=b", 0, &mp, &what), -1);
	assert_int_equal(mail("<a@b> AUTH=<> AUTH=<>", 0, &mp, &what), -1);
	assert_int_equal(errno, EEXIST);

	assert_int_equal(mail("<a@b> SIZE=1 SIZE=2", 0, &mp, &what), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(mail("<a@b> SIZE=-1", 0, &mp, &what), -1);
	assert_int_equal(errno, EINVAL);
	assert_string_equal(what, "SIZE");
	assert_int_equal(mail("<a@b> SIZE=99999999999999999999999", 0, &mp,
	    &what), -1);
	assert_int_equal(errno, ERANGE);
	assert_int_equal(mail("<a@b> SIZE", 0, &mp, &what), -1);
	assert_int_equal(mail("<a@b> BODY=BINARYMIME", 0, &mp, &what), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(mail("<a@b> XFOO=1", 0, &mp, &what), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(mail("<a@b>SIZE=1", 0, &mp, &what), -1);
	assert_int_equal(mail("<a@b> SIZE=1=2", 0, &mp, &what), -1);
	assert_int_equal(mail("<a@b> ENVID=a=b", 0, &mp, &what), -1);
	assert_int_equal(mail("<a@b> ENVID=a+2", 0, &mp, &what), -1);
	assert_int_equal(mail("<a@b> ENVID=a+2g", 0, &mp, &what), -1);
	assert_int_equal(mail("<a@b> RET=ALL", 0, &mp, &what), -1);
	assert_int_equal(mail("<a@b> =x", 0, &mp, &what), -1);
	assert_int_equal(mail("<a@b> SIZE=\xc3\xa9", 0, &mp, &what), -1);
	/* <postmaster> is for RCPT only. */
	assert_int_equal(mail("<postmaster>", 0, &mp, &what), -1);
}

static void
test_mail_smtputf8(void **state)
{
	struct smtp_mail_params mp;
	const char *what;
	(void)state;

	/* Not offered: SMTPUTF8 is an unknown parameter. */
	assert_int_equal(mail("<a@b> SMTPUTF8", 0, &mp, &what), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(mail("<a@b> SMTPUTF8", SMTP_ADDR_UTF8, &mp, &what),
	    0);
	assert_true(mp.smtputf8);
	assert_int_equal(mail("<\xc3\xa9@b> SMTPUTF8", SMTP_ADDR_UTF8, &mp,
	    &what), 0);
	/* Offered but not asked for on this MAIL. */
	assert_int_equal(mail("<\xc3\xa9@b>", SMTP_ADDR_UTF8, &mp, &what), -1);
	assert_int_equal(errno, EILSEQ);
	assert_int_equal(mail("<\xc3\xa9@b> SMTPUTF8", 0, &mp, &what), -1);
	assert_int_equal(errno, EILSEQ);
	assert_int_equal(mail("<a@b> SMTPUTF8=yes", SMTP_ADDR_UTF8, &mp,
	    &what), -1);
}

static int
rcpt(const char *in, int utf8, struct smtp_rcpt_params *rp)
{
	struct smtp_addr a;
	const char *what;

	return smtp_rcpt_parse(in, strlen(in), utf8, &a, rp, &what);
}

static void
test_rcpt_params(void **state)
{
	struct smtp_rcpt_params rp;
	(void)state;

	assert_int_equal(rcpt("<a@b>", 0, &rp), 0);
	assert_int_equal(rp.notify, 0);
	assert_string_equal(rp.orcpt, "");
	assert_int_equal(rcpt("<a@b> NOTIFY=SUCCESS,FAILURE "
	    "ORCPT=rfc822;a+40b.example", 0, &rp), 0);
	assert_int_equal(rp.notify, SMTP_NOTIFY_SUCCESS | SMTP_NOTIFY_FAILURE);
	assert_string_equal(rp.orcpt, "rfc822;a+40b.example");
	assert_int_equal(rcpt("<a@b> notify=never", 0, &rp), 0);
	assert_int_equal(rp.notify, SMTP_NOTIFY_NEVER);
	assert_int_equal(rcpt("<a@b> NOTIFY=DELAY", 0, &rp), 0);
	assert_int_equal(rcpt("<postmaster>", 0, &rp), 0);
	assert_int_equal(rcpt("<a@b> NOTIFY=NEVER,SUCCESS", 0, &rp), -1);
	assert_int_equal(rcpt("<a@b> NOTIFY=SUCCESS,", 0, &rp), -1);
	assert_int_equal(rcpt("<a@b> NOTIFY=SUCCESS,SUCCESS", 0, &rp), -1);
	assert_int_equal(rcpt("<a@b> NOTIFY=", 0, &rp), -1);
	assert_int_equal(rcpt("<a@b> NOTIFY=SOMETIMES", 0, &rp), -1);
	assert_int_equal(rcpt("<a@b> ORCPT=rfc822", 0, &rp), -1);
	assert_int_equal(rcpt("<a@b> ORCPT=;a", 0, &rp), -1);
	assert_int_equal(rcpt("<a@b> ORCPT=rfc822;", 0, &rp), -1);
	assert_int_equal(rcpt("<a@b> ORCPT=rfc822;a+4", 0, &rp), -1);
	assert_int_equal(rcpt("<a@b> ORCPT=rfc822;a ORCPT=rfc822;b", 0, &rp),
	    -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(rcpt("<a@b> SIZE=1", 0, &rp), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(rcpt("<>", 0, &rp), -1);
	assert_int_equal(rcpt("<\xc3\xa9@b>", 0, &rp), -1);
	assert_int_equal(errno, EILSEQ);
	assert_int_equal(rcpt("<\xc3\xa9@b>", 1, &rp), 0);
}

static void
test_xtext(void **state)
{
	(void)state;
	assert_true(smtp_xtext_valid("", 0));
	assert_true(smtp_xtext_valid("abc+2B+3D", 9));
	assert_false(smtp_xtext_valid("a=b", 3));
	assert_false(smtp_xtext_valid("a b", 3));
	assert_false(smtp_xtext_valid("+2b", 3));
	assert_false(smtp_xtext_valid("+2", 2));
	assert_false(smtp_xtext_valid("\x7f", 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_quoted),
		cmocka_unit_test(test_tricks),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_null_and_postmaster),
		cmocka_unit_test(test_literals),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_mail_params),
		cmocka_unit_test(test_mail_smtputf8),
		cmocka_unit_test(test_rcpt_params),
		cmocka_unit_test(test_xtext),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
