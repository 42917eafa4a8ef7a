/*
 * Unit tests for lib/rfc5322: where the header ends, fields and their
 * values, folding, bad lines, limits, LF and CRLF alike.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rfc5322.h"

static void
test_end(void **state)
{
	(void)state;
	assert_int_equal(hdr_end("A: b\n\nbody", 10), 6);
	assert_int_equal(hdr_end("A: b\r\n\r\nbody", 12), 8);
	assert_int_equal(hdr_end("A: b\n", 5), 5);	/* no body */
	assert_int_equal(hdr_end("", 0), 0);
	assert_int_equal(hdr_end("\nbody", 5), 1);	/* empty header */
	/* a line of white space is not the end */
	assert_int_equal(hdr_end("A: b\n \nC: d\n\nx", 14), 13);
	/* a CR alone does not end a line */
	assert_int_equal(hdr_end("A: b\r\rC\n\nx", 10), 9);
}

static void
field(struct hdr_iter *it, const char *name, const char *value)
{
	struct hdr_field f;

	assert_int_equal(hdr_next(it, &f), 1);
	if (name == NULL) {
		assert_true(f.bad);
		assert_null(f.name);
	} else {
		assert_false(f.bad);
		assert_int_equal(f.namelen, strlen(name));
		assert_memory_equal(f.name, name, f.namelen);
	}
	assert_int_equal(f.valuelen, strlen(value));
	assert_memory_equal(f.value, value, f.valuelen);
}

static void
test_fields(void **state)
{
	static const char m[] =
	    "From: Joe <joe@x.test>\r\n"
	    "Subject: a\r\n b\r\n\tc\r\n"
	    "X-Empty:\r\n"
	    "Old-Style : v\r\n"
	    "no colon here\r\n"
	    " stray continuation\r\n"
	    ": no name\r\n"
	    "\r\n"
	    "Body: not a field\r\n";
	struct hdr_iter it;
	struct hdr_field f;

	(void)state;
	hdr_iter_init(&it, m, sizeof m - 1);
	field(&it, "From", "Joe <joe@x.test>");
	field(&it, "Subject", "a\r\n b\r\n\tc");
	field(&it, "X-Empty", "");
	field(&it, "Old-Style", "v");
	/* a bad line keeps its continuation lines */
	field(&it, NULL, "no colon here\r\n stray continuation");
	field(&it, NULL, ": no name");
	assert_int_equal(hdr_next(&it, &f), 0);
	assert_int_equal(it.body_off, sizeof m - 1 - 19);
	assert_int_equal(hdr_next(&it, &f), 0);
}

static void
test_lf_and_eof(void **state)
{
	static const char m[] = "A: 1\nB: 2";
	struct hdr_iter it;
	struct hdr_field f;

	(void)state;
	hdr_iter_init(&it, m, sizeof m - 1);
	field(&it, "A", "1");
	assert_int_equal(hdr_next(&it, &f), 1);
	assert_int_equal(f.valuelen, 1);
	assert_int_equal(f.rawlen, 4);
	assert_int_equal(hdr_next(&it, &f), 0);
	assert_int_equal(it.body_off, sizeof m - 1);
}

static void
test_name(void **state)
{
	struct hdr_iter it;
	struct hdr_field f;
	char big[HDR_NAME_MAX + 10];

	(void)state;
	hdr_iter_init(&it, "SUBJECT: x\n", 11);
	assert_int_equal(hdr_next(&it, &f), 1);
	assert_true(hdr_name_is(&f, "Subject"));
	assert_true(hdr_name_is(&f, "subject"));
	assert_false(hdr_name_is(&f, "Subjec"));
	assert_false(hdr_name_is(&f, "Subjects"));
	memset(big, 'a', HDR_NAME_MAX + 1);
	memcpy(big + HDR_NAME_MAX + 1, ": v\n", 4);
	hdr_iter_init(&it, big, HDR_NAME_MAX + 5);
	assert_int_equal(hdr_next(&it, &f), 1);
	assert_true(f.bad);
	assert_false(hdr_name_is(&f, "a"));
	big[HDR_NAME_MAX] = ':';
	hdr_iter_init(&it, big, HDR_NAME_MAX + 1);
	assert_int_equal(hdr_next(&it, &f), 1);
	assert_false(f.bad);
	assert_int_equal(f.namelen, HDR_NAME_MAX);
	/* 8-bit bytes and controls are not name bytes */
	hdr_iter_init(&it, "Subj\xc3\xa9t: x\n", 13);
	assert_int_equal(hdr_next(&it, &f), 1);
	assert_true(f.bad);
}

static void
test_limit(void **state)
{
	size_t n = HDR_FIELDS_MAX + 1, i;
	char *m = malloc(n * 4 + 1);
	struct hdr_iter it;
	struct hdr_field f;
	int r;

	(void)state;
	assert_non_null(m);
	for (i = 0; i < n; i++)
		memcpy(m + 4 * i, "A:x\n", 4);
	hdr_iter_init(&it, m, n * 4);
	for (i = 0; i < HDR_FIELDS_MAX; i++)
		assert_int_equal(hdr_next(&it, &f), 1);
	errno = 0;
	r = hdr_next(&it, &f);
	assert_int_equal(r, -1);
	assert_int_equal(errno, E2BIG);
	/* hdr_end still finds the end */
	assert_int_equal(hdr_end(m, n * 4), n * 4);
	free(m);
}

static void
test_unfold(void **state)
{
	struct str s = STR_INIT;

	(void)state;
	assert_int_equal(hdr_unfold("a\r\n b\n\tc", 9, &s, 0), 0);
	assert_string_equal(s.s, "a b\tc");
	str_clear(&s);
	assert_int_equal(hdr_unfold("  \r\n x y \t", 10, &s, 1), 0);
	assert_string_equal(s.s, "x y");
	str_clear(&s);
	assert_int_equal(hdr_unfold("a\rb", 3, &s, 1), 0);
	assert_string_equal(s.s, "a\rb");	/* a lone CR is kept */
	str_clear(&s);
	assert_int_equal(hdr_unfold(" \t ", 3, &s, 1), 0);
	assert_int_equal(s.len, 0);
	str_free(&s);
}

/* The same message split anywhere gives the same end. */
static void
test_prefixes(void **state)
{
	static const char m[] = "A: 1\r\nB: 2\r\n  3\r\n\r\nbody\r\n";
	size_t n;

	(void)state;
	for (n = 0; n < sizeof m; n++) {
		size_t e = hdr_end(m, n);

		assert_true(e <= n);
		if (n >= 19)
			assert_int_equal(e, 19);
		else
			assert_int_equal(e, n);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_end),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_lf_and_eof),
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_unfold),
		cmocka_unit_test(test_prefixes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
