/*
 * Unit tests for lib/num: strict decimal parsing, limits and errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "num.h"

/* A value no parser result can be, to see that errors leave *v_r alone. */
#define SENTINEL UINT64_C(0xdeadbeefcafef00d)

static void
ok(const char *z, uint64_t max, uint64_t want)
{
	uint64_t v = SENTINEL;

	if (num_u64z(z, max, &v) != 0)
		fail_msg("num_u64z(\"%s\") failed: %s", z, strerror(errno));
	assert_true(v == want);
	v = SENTINEL;
	assert_int_equal(num_u64(z, strlen(z), max, &v), 0);
	assert_true(v == want);
}

static void
bad(const char *s, size_t len, uint64_t max, int err)
{
	uint64_t v = SENTINEL;

	errno = 0;
	if (num_u64(s, len, max, &v) != -1)
		fail_msg("num_u64(\"%.*s\") accepted", (int)len, s);
	assert_int_equal(errno, err);
	assert_true(v == SENTINEL);
}

static void
badz(const char *z, uint64_t max, int err)
{
	uint64_t v = SENTINEL;

	bad(z, strlen(z), max, err);
	errno = 0;
	assert_int_equal(num_u64z(z, max, &v), -1);
	assert_int_equal(errno, err);
	assert_true(v == SENTINEL);
}

static void
test_valid(void **state)
{
	(void)state;
	ok("0", UINT64_MAX, 0);
	ok("1", UINT64_MAX, 1);
	ok("9", UINT64_MAX, 9);
	ok("10", UINT64_MAX, 10);
	ok("25", UINT64_MAX, 25);
	ok("65535", UINT64_MAX, 65535);
	ok("4294967296", UINT64_MAX, UINT64_C(4294967296));
	ok("1234567890123456789", UINT64_MAX, UINT64_C(1234567890123456789));
	ok("18446744073709551615", UINT64_MAX, UINT64_MAX);
	ok("18446744073709551614", UINT64_MAX, UINT64_MAX - 1);
}

static void
test_leading_zeros(void **state)
{
	char buf[1100];
	(void)state;

	ok("00", UINT64_MAX, 0);
	ok("007", UINT64_MAX, 7);
	ok("0018446744073709551615", UINT64_MAX, UINT64_MAX);
	/* A thousand leading zeros are still a small number. */
	memset(buf, '0', 1000);
	memcpy(buf + 1000, "42", 3);
	ok(buf, 100, 42);
	memset(buf, '0', 1000);
	buf[1000] = '\0';
	ok(buf, 0, 0);
}

static void
test_not_numbers(void **state)
{
	(void)state;
	badz("", UINT64_MAX, EINVAL);
	badz("-1", UINT64_MAX, EINVAL);
	badz("-0", UINT64_MAX, EINVAL);
	badz("+1", UINT64_MAX, EINVAL);
	badz(" 1", UINT64_MAX, EINVAL);
	badz("1 ", UINT64_MAX, EINVAL);
	badz("\t1", UINT64_MAX, EINVAL);
	badz("1\n", UINT64_MAX, EINVAL);
	badz("1\r", UINT64_MAX, EINVAL);
	badz("0x10", UINT64_MAX, EINVAL);
	badz("1e3", UINT64_MAX, EINVAL);
	badz("1.0", UINT64_MAX, EINVAL);
	badz("12a", UINT64_MAX, EINVAL);
	badz("a12", UINT64_MAX, EINVAL);
	badz("1,000", UINT64_MAX, EINVAL);
	badz("one", UINT64_MAX, EINVAL);
	badz("/", UINT64_MAX, EINVAL);  /* '0' - 1 */
	badz(":", UINT64_MAX, EINVAL);  /* '9' + 1 */
	badz("\xb9", UINT64_MAX, EINVAL); /* superscript one in Latin-1 */
	badz("\xd9\xa1", UINT64_MAX, EINVAL); /* Arabic-Indic one */
	/* A NULL pointer with length 0 is an empty string. */
	bad(NULL, 0, UINT64_MAX, EINVAL);
}

static void
test_embedded_nul(void **state)
{
	uint64_t v = SENTINEL;
	(void)state;

	/* With an explicit length a NUL is a byte like any other. */
	bad("12\0" "34", 5, UINT64_MAX, EINVAL);
	bad("12\0", 3, UINT64_MAX, EINVAL);
	bad("\0" "1", 2, UINT64_MAX, EINVAL);
	bad("\0", 1, UINT64_MAX, EINVAL);
	/* The length bounds the read: digits after it are not looked at. */
	assert_int_equal(num_u64("1234", 2, UINT64_MAX, &v), 0);
	assert_true(v == 12);
	/* num_u64z stops at the NUL. */
	assert_int_equal(num_u64z("12\0" "34", UINT64_MAX, &v), 0);
	assert_true(v == 12);
}

static void
test_range(void **state)
{
	char buf[1100];
	(void)state;

	badz("18446744073709551616", UINT64_MAX, ERANGE);
	badz("18446744073709551620", UINT64_MAX, ERANGE);
	badz("19000000000000000000", UINT64_MAX, ERANGE);
	badz("99999999999999999999", UINT64_MAX, ERANGE);
	badz("184467440737095516150", UINT64_MAX, ERANGE);
	/* 1000 digits: no overflow, no wrap-around to a small value. */
	memset(buf, '9', 1000);
	buf[1000] = '\0';
	badz(buf, UINT64_MAX, ERANGE);
	memset(buf, '0', 1000);
	buf[0] = '1';
	badz(buf, UINT64_MAX, ERANGE);
	/* 2^64 * 10 + 0 wraps to 0 in unchecked code. */
	badz("184467440737095516160", UINT64_MAX, ERANGE);
}

static void
test_max(void **state)
{
	(void)state;
	ok("0", 0, 0);
	badz("1", 0, ERANGE);
	ok("100", 100, 100);
	ok("0100", 100, 100);
	badz("101", 100, ERANGE);
	badz("1000", 100, ERANGE);
	ok("65535", 65535, 65535);
	badz("65536", 65535, ERANGE);
	ok("18446744073709551614", UINT64_MAX - 1, UINT64_MAX - 1);
	badz("18446744073709551615", UINT64_MAX - 1, ERANGE);
}

static void
test_prefix(void **state)
{
	uint64_t v;
	size_t used;
	char buf[1100];
	(void)state;

	v = SENTINEL;
	used = 999;
	assert_int_equal(num_u64_prefix("123abc", 6, UINT64_MAX, &v, &used), 0);
	assert_true(v == 123);
	assert_int_equal(used, 3);

	assert_int_equal(num_u64_prefix("42", 2, UINT64_MAX, &v, &used), 0);
	assert_true(v == 42);
	assert_int_equal(used, 2);

	/* Stops at the length, not at the end of the digits. */
	assert_int_equal(num_u64_prefix("98765", 3, UINT64_MAX, &v, &used), 0);
	assert_true(v == 987);
	assert_int_equal(used, 3);

	/* Stops at a NUL, a space, a sign. */
	assert_int_equal(num_u64_prefix("7\0" "8", 3, UINT64_MAX, &v, &used), 0);
	assert_true(v == 7);
	assert_int_equal(used, 1);
	assert_int_equal(num_u64_prefix("250 OK", 6, 999, &v, &used), 0);
	assert_true(v == 250);
	assert_int_equal(used, 3);
	assert_int_equal(num_u64_prefix("5-", 2, 999, &v, &used), 0);
	assert_true(v == 5);
	assert_int_equal(used, 1);

	/* Leading zeros count as used. */
	assert_int_equal(num_u64_prefix("0009x", 5, 9, &v, &used), 0);
	assert_true(v == 9);
	assert_int_equal(used, 4);

	/* No digit at all. */
	v = SENTINEL;
	errno = 0;
	assert_int_equal(num_u64_prefix("x1", 2, UINT64_MAX, &v, &used), -1);
	assert_int_equal(errno, EINVAL);
	assert_true(v == SENTINEL);
	errno = 0;
	assert_int_equal(num_u64_prefix("", 0, UINT64_MAX, &v, &used), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(num_u64_prefix(" 1", 2, UINT64_MAX, &v, &used), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(num_u64_prefix("-1", 2, UINT64_MAX, &v, &used), -1);
	assert_int_equal(errno, EINVAL);
	assert_true(v == SENTINEL);

	/* Too large, with and without something after. */
	errno = 0;
	assert_int_equal(num_u64_prefix("18446744073709551616 x", 22,
	    UINT64_MAX, &v, &used), -1);
	assert_int_equal(errno, ERANGE);
	errno = 0;
	assert_int_equal(num_u64_prefix("1000:", 5, 999, &v, &used), -1);
	assert_int_equal(errno, ERANGE);
	assert_true(v == SENTINEL);
	assert_int_equal(num_u64_prefix("18446744073709551615:", 21,
	    UINT64_MAX, &v, &used), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(used, 20);

	memset(buf, '9', 1000);
	buf[1000] = 'x';
	v = SENTINEL;
	errno = 0;
	assert_int_equal(num_u64_prefix(buf, 1001, UINT64_MAX, &v, &used), -1);
	assert_int_equal(errno, ERANGE);
	assert_true(v == SENTINEL);
}

static void
test_every_small_value(void **state)
{
	char buf[32];
	uint64_t i, v;
	(void)state;

	for (i = 0; i < 100000; i += 7) {
		int n = snprintf(buf, sizeof buf, "%llu", (unsigned long long)i);

		assert_int_equal(num_u64(buf, (size_t)n, UINT64_MAX, &v), 0);
		assert_true(v == i);
	}
	/* Powers of ten and their neighbours, up to the top. */
	for (i = 1; i <= UINT64_C(10000000000000000000); i *= 10) {
		uint64_t k;

		for (k = i - 1; k <= i + 1; k++) {
			snprintf(buf, sizeof buf, "%llu", (unsigned long long)k);
			assert_int_equal(num_u64z(buf, UINT64_MAX, &v), 0);
			assert_true(v == k);
		}
		if (i > UINT64_MAX / 10)
			break;
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_leading_zeros),
		cmocka_unit_test(test_not_numbers),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_max),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_every_small_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
