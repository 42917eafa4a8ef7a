/*
 * Unit tests for lib/rfc2047: B and Q words, charsets through iconv,
 * adjacent words joined, white space between words dropped, damaged
 * and unknown words kept as they came, RFC 2231 language suffixes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "rfc2047.h"

static void
dec(const char *in, const char *want, int rc)
{
	struct str s = STR_INIT;
	int r = rfc2047_decode(in, strlen(in), &s);

	if (r != rc || strcmp(s.s ? s.s : "", want) != 0)
		fail_msg("\"%s\": got %d \"%s\", want %d \"%s\"", in, r,
		    s.s ? s.s : "", rc, want);
	str_free(&s);
}

static void
test_basic(void **state)
{
	(void)state;
	dec("", "", 0);
	dec("plain text", "plain text", 0);
	dec("=?utf-8?q?caf=C3=A9?=", "caf\xc3\xa9", 0);
	dec("=?UTF-8?Q?caf=c3=a9_au_lait?=", "caf\xc3\xa9 au lait", 0);
	dec("=?utf-8?b?Y2Fmw6k=?=", "caf\xc3\xa9", 0);
	dec("=?ISO-8859-1?Q?caf=E9?=", "caf\xc3\xa9", 0);
	dec("=?iso-8859-15?q?=A4?=", "\xe2\x82\xac", 0);
	dec("=?us-ascii?q?plain?=", "plain", 0);
	dec("Re: =?utf-8?q?caf=C3=A9?= ok", "Re: caf\xc3\xa9 ok", 0);
	/* RFC 2231 language */
	dec("=?utf-8*fr?q?caf=C3=A9?=", "caf\xc3\xa9", 0);
}

static void
test_adjacent(void **state)
{
	(void)state;
	/* white space between words goes, a character split across two
	 * words comes out whole */
	dec("=?utf-8?q?caf=C3?= =?utf-8?q?=A9?=", "caf\xc3\xa9", 0);
	dec("=?utf-8?q?a?=\r\n =?utf-8?q?b?=", "ab", 0);
	dec("=?utf-8?q?a?= =?iso-8859-1?q?=E9?=", "a\xc3\xa9", 0);
	/* but not between a word and text */
	dec("=?utf-8?q?a?= b", "a b", 0);
	dec("a =?utf-8?q?b?=", "a b", 0);
	/* folding in plain text is unfolded */
	dec("a\r\n b", "a b", 0);
}

static void
test_damaged(void **state)
{
	(void)state;
	/* unknown charset: kept as it came */
	dec("=?x-nonexistent?q?abc?=", "=?x-nonexistent?q?abc?=", 1);
	/* bad encoding letter, bad syntax: not a word at all */
	dec("=?utf-8?x?abc?=", "=?utf-8?x?abc?=", 0);
	dec("=?utf-8?q?ab c?=", "=?utf-8?q?ab c?=", 0);
	dec("=?utf-8?q?abc", "=?utf-8?q?abc", 0);
	dec("=??q?abc?=", "=??q?abc?=", 0);
	/* invalid UTF-8 becomes U+FFFD */
	dec("=?utf-8?q?a=FFb?=", "a\xef\xbf\xbd" "b", 1);
	dec("=?utf-8?q?=C3?=", "\xef\xbf\xbd", 1);
	/* bad base64 and Q still decode what they can */
	dec("=?utf-8?b?Y2Fm!w6k=?=", "caf\xc3\xa9", 1);
	dec("=?utf-8?q?a=4?=", "a=4", 1);
	/* 8-bit text outside words is copied byte for byte */
	dec("caf\xc3\xa9", "caf\xc3\xa9", 0);
}

static void
test_charset_name(void **state)
{
	char big[RFC2047_CHARSET_MAX + 40];

	(void)state;
	memcpy(big, "=?", 2);
	memset(big + 2, 'a', RFC2047_CHARSET_MAX + 1);
	memcpy(big + 3 + RFC2047_CHARSET_MAX, "?q?x?=", 7);
	dec(big, big, 0);
}

static void
test_charset_to_utf8(void **state)
{
	struct str s = STR_INIT;

	(void)state;
	assert_int_equal(charset_to_utf8("latin1", "\xe9", 1, &s), 0);
	assert_string_equal(s.s, "\xc3\xa9");
	str_clear(&s);
	assert_int_equal(charset_to_utf8("x-none", "abc", 3, &s), 2);
	assert_int_equal(s.len, 0);
	assert_int_equal(charset_to_utf8("utf-8", "a\xc0" "b", 3, &s), 1);
	assert_string_equal(s.s, "a\xef\xbf\xbd" "b");
	str_clear(&s);
	/* an overlong form and a surrogate are refused */
	assert_int_equal(charset_to_utf8("utf-8", "\xe0\x80\xaf", 3, &s), 1);
	str_clear(&s);
	assert_int_equal(charset_to_utf8("utf-8", "\xed\xa0\x80", 3, &s), 1);
	str_clear(&s);
	/* a stateful charset */
	assert_int_equal(charset_to_utf8("ISO-2022-JP", "\x1b$B$\"\x1b(B", 8,
			     &s),
	    0);
	assert_string_equal(s.s, "\xe3\x81\x82");
	str_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_adjacent),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_charset_name),
		cmocka_unit_test(test_charset_to_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
