/*
 * Unit tests for lib/str: growth, counted bytes, the terminator, and
 * overflow-checked reservations.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"

/* The byte at position i of every test pattern; never NUL or a digit. */
static char
pat(size_t i)
{
	return (char)('a' + i % 26);
}

/* Checks the invariants every string must keep. */
static void
check_str(const struct str *sa)
{
	if (sa->s == NULL) {
		assert_int_equal(sa->len, 0);
		return;
	}
	assert_true(sa->len < sa->cap);
	assert_int_equal(sa->s[sa->len], '\0');
}

static void
test_init_empty(void **state)
{
	struct str s = STR_INIT;
	(void)state;

	assert_null(s.s);
	assert_int_equal(s.len, 0);
	assert_int_equal(s.cap, 0);
	/* Every operation is valid on a zeroed string. */
	str_clear(&s);
	str_truncate(&s, 0);
	check_str(&s);
	str_free(&s);
	str_wipe(&s);
	assert_null(s.s);
	assert_int_equal(s.len, 0);
}

static void
test_append_sizes(void **state)
{
	struct str run = STR_INIT;
	char *src;
	size_t n, total = 0, i;
	(void)state;

	src = malloc(70000);
	assert_non_null(src);
	for (i = 0; i < 70000; i++)
		src[i] = pat(i);
	/*
	 * Every size from 0 to 600, then sizes around powers of two and
	 * the growth steps, both into a fresh string and onto a growing one.
	 */
	for (n = 0; n < 70000; n = n < 600 ? n + 1 : n * 3 / 2 + 7) {
		struct str s = STR_INIT;

		assert_int_equal(str_append(&s, src, n), 0);
		assert_int_equal(s.len, n);
		assert_non_null(s.s);
		assert_memory_equal(s.s, src, n);
		check_str(&s);
		str_free(&s);

		assert_int_equal(str_append(&run, src + total % 26, n), 0);
		total += n;
		assert_int_equal(run.len, total);
		check_str(&run);
	}
	for (i = 0; i < run.len; i++)
		if (run.s[i] < 'a' || run.s[i] > 'z')
			fail_msg("byte %zu is 0x%02x", i, (unsigned char)run.s[i]);
	str_free(&run);
	free(src);
}

static void
test_append_contents(void **state)
{
	struct str s = STR_INIT;
	size_t off = 0, n;
	char buf[300];
	(void)state;

	/* Pieces of many sizes must come out in order, byte for byte. */
	for (n = 0; n < 300; n++) {
		size_t i;

		for (i = 0; i < n; i++)
			buf[i] = pat(off + i);
		assert_int_equal(str_append(&s, buf, n), 0);
		off += n;
		check_str(&s);
	}
	assert_int_equal(s.len, off);
	for (n = 0; n < off; n++)
		assert_int_equal(s.s[n], pat(n));
	str_free(&s);
}

static void
test_nul_bytes_kept(void **state)
{
	struct str s = STR_INIT;
	(void)state;

	assert_int_equal(str_append(&s, "a\0b", 3), 0);
	assert_int_equal(str_appendc(&s, '\0'), 0);
	assert_int_equal(str_append(&s, "\0\0", 2), 0);
	assert_int_equal(str_appendz(&s, "c"), 0);
	assert_int_equal(s.len, 7);
	assert_memory_equal(s.s, "a\0b\0\0\0c", 8);
	check_str(&s);

	assert_int_equal(str_copy(&s, "\0x\0", 3), 0);
	assert_int_equal(s.len, 3);
	assert_memory_equal(s.s, "\0x\0", 4);
	str_free(&s);
}

static void
test_appendz(void **state)
{
	struct str s = STR_INIT;
	size_t i;
	(void)state;

	assert_int_equal(str_appendz(&s, ""), 0);
	assert_int_equal(s.len, 0);
	check_str(&s);
	for (i = 0; i < 1000; i++)
		assert_int_equal(str_appendz(&s, "hello, "), 0);
	assert_int_equal(s.len, 7000);
	for (i = 0; i < 1000; i++)
		assert_memory_equal(s.s + 7 * i, "hello, ", 7);
	check_str(&s);
	str_free(&s);
}

static void
test_appendc(void **state)
{
	struct str s = STR_INIT;
	size_t i;
	(void)state;

	for (i = 0; i < 100000; i++) {
		assert_int_equal(str_appendc(&s, pat(i)), 0);
		assert_int_equal(s.len, i + 1);
		assert_int_equal(s.s[s.len], '\0');
	}
	for (i = 0; i < 100000; i++)
		if (s.s[i] != pat(i))
			fail_msg("byte %zu wrong", i);
	check_str(&s);
	str_free(&s);
}

static void
test_copy(void **state)
{
	struct str s = STR_INIT;
	char big[5000];
	(void)state;

	memset(big, 'B', sizeof big);
	assert_int_equal(str_copy(&s, "first", 5), 0);
	assert_string_equal(s.s, "first");
	assert_int_equal(str_copy(&s, big, sizeof big), 0);
	assert_int_equal(s.len, sizeof big);
	assert_memory_equal(s.s, big, sizeof big);
	check_str(&s);
	/* Copying something shorter replaces, it does not overlay. */
	assert_int_equal(str_copy(&s, "xy", 2), 0);
	assert_int_equal(s.len, 2);
	assert_string_equal(s.s, "xy");
	assert_int_equal(str_copy(&s, "", 0), 0);
	assert_int_equal(s.len, 0);
	assert_string_equal(s.s, "");
	str_free(&s);

	/* Copy into a fresh string, of nothing: still a valid string. */
	assert_int_equal(str_copy(&s, "", 0), 0);
	assert_int_equal(s.len, 0);
	check_str(&s);
	str_free(&s);
}

static void
test_printf(void **state)
{
	struct str s = STR_INIT;
	char *big, expect[64];
	size_t n, i, off;
	(void)state;

	assert_int_equal(str_printf(&s, "%d-%s-%c", 42, "x", 'y'), 0);
	assert_string_equal(s.s, "42-x-y");
	assert_int_equal(s.len, 6);
	/* printf appends. */
	assert_int_equal(str_printf(&s, "%05u", 7u), 0);
	assert_string_equal(s.s, "42-x-y00007");
	/* An empty result changes nothing but keeps the terminator. */
	assert_int_equal(str_printf(&s, "%s", ""), 0);
	assert_int_equal(s.len, 11);
	check_str(&s);
	/* A NUL produced by %c is a byte like the others. */
	assert_int_equal(str_printf(&s, "<%c>", 0), 0);
	assert_int_equal(s.len, 14);
	assert_memory_equal(s.s + 11, "<\0>", 4);
	str_free(&s);

	/* printf into an empty string makes it a valid string. */
	assert_int_equal(str_printf(&s, "%s", ""), 0);
	assert_int_equal(s.len, 0);
	check_str(&s);
	str_free(&s);

	/* Growth through printf, across many sizes. */
	big = malloc(100001);
	assert_non_null(big);
	for (i = 0; i < 100000; i++)
		big[i] = pat(i);
	big[100000] = '\0';
	for (n = 0; n <= 100000; n = n < 300 ? n + 1 : n * 2 + 1) {
		assert_int_equal(str_printf(&s, "%.*s", (int)n, big), 0);
		assert_int_equal(s.len, n);
		assert_memory_equal(s.s, big, n);
		check_str(&s);
		str_clear(&s);
	}
	str_free(&s);
	free(big);

	/* Many small appends. */
	off = 0;
	for (i = 0; i < 5000; i++) {
		int m = snprintf(expect, sizeof expect, "%zu,", i);

		assert_int_equal(str_printf(&s, "%zu,", i), 0);
		assert_memory_equal(s.s + off, expect, (size_t)m);
		off += (size_t)m;
		assert_int_equal(s.len, off);
	}
	check_str(&s);
	str_free(&s);
}

static void
test_truncate(void **state)
{
	struct str s = STR_INIT;
	(void)state;

	assert_int_equal(str_appendz(&s, "hello world"), 0);
	str_truncate(&s, 11);
	assert_int_equal(s.len, 11);
	assert_string_equal(s.s, "hello world");
	str_truncate(&s, 5);
	assert_int_equal(s.len, 5);
	assert_string_equal(s.s, "hello");
	assert_int_equal(str_appendz(&s, "!"), 0);
	assert_string_equal(s.s, "hello!");
	str_truncate(&s, 0);
	assert_int_equal(s.len, 0);
	assert_string_equal(s.s, "");
	check_str(&s);
	str_free(&s);
}

static void
test_clear_keeps_memory(void **state)
{
	struct str s = STR_INIT;
	char *p;
	size_t cap;
	(void)state;

	assert_int_equal(str_appendz(&s, "some text to keep memory for"), 0);
	p = s.s;
	cap = s.cap;
	str_clear(&s);
	assert_ptr_equal(s.s, p);
	assert_int_equal(s.cap, cap);
	assert_int_equal(s.len, 0);
	assert_string_equal(s.s, "");
	/* Refilling up to the old size needs no new allocation. */
	assert_int_equal(str_append(&s, "0123456789", 10), 0);
	assert_ptr_equal(s.s, p);
	str_free(&s);
}

static void
test_free_wipe_reusable(void **state)
{
	struct str s = STR_INIT;
	(void)state;

	assert_int_equal(str_appendz(&s, "secret"), 0);
	str_free(&s);
	assert_null(s.s);
	assert_int_equal(s.len, 0);
	assert_int_equal(s.cap, 0);
	assert_int_equal(str_appendz(&s, "again"), 0);
	assert_string_equal(s.s, "again");

	str_wipe(&s);
	assert_null(s.s);
	assert_int_equal(s.len, 0);
	assert_int_equal(s.cap, 0);
	assert_int_equal(str_appendz(&s, "reused"), 0);
	assert_string_equal(s.s, "reused");
	str_wipe(&s);
	str_wipe(&s);
	assert_null(s.s);
}

static void
test_reserve(void **state)
{
	struct str s = STR_INIT;
	char *p;
	(void)state;

	assert_int_equal(str_appendz(&s, "abc"), 0);
	assert_int_equal(str_reserve(&s, 1000), 0);
	assert_true(s.cap >= s.len + 1000 + 1);
	assert_string_equal(s.s, "abc");
	/* Appending within the reservation does not move the bytes. */
	p = s.s;
	assert_int_equal(str_append(&s, "xxxxxxxxxx", 10), 0);
	assert_ptr_equal(s.s, p);
	assert_int_equal(str_reserve(&s, 0), 0);
	check_str(&s);
	str_free(&s);
}

/*
 * The header promises a terminator whenever s is not NULL, so text can be
 * handed to C functions: that must also hold right after the first
 * allocation made by str_reserve.  M_PERTURB (glibc) and ASan both fill
 * new blocks with garbage, so this fails whenever the byte is left unset.
 */
static void
test_reserve_terminates(void **state)
{
	struct str s = STR_INIT;
	unsigned char first;
	int r;
	(void)state;

	mallopt(M_PERTURB, 0x41);
	r = str_reserve(&s, 2000);
	mallopt(M_PERTURB, 0);
	assert_int_equal(r, 0);
	assert_non_null(s.s);
	assert_int_equal(s.len, 0);
	first = (unsigned char)s.s[0];
	str_free(&s);
	assert_int_equal(first, 0);
}

static void
test_reserve_overflow(void **state)
{
	struct str s = STR_INIT;
	char *p;
	size_t len, cap;
	(void)state;

	/* On an empty, never allocated string. */
	errno = 0;
	assert_int_equal(str_reserve(&s, SIZE_MAX), -1);
	assert_int_equal(errno, EOVERFLOW);
	assert_null(s.s);
	assert_int_equal(s.len, 0);
	assert_int_equal(s.cap, 0);

	assert_int_equal(str_appendz(&s, "hello"), 0);
	p = s.s;
	len = s.len;
	cap = s.cap;
	/* SIZE_MAX, and the smallest extra whose total no longer fits. */
	errno = 0;
	assert_int_equal(str_reserve(&s, SIZE_MAX), -1);
	assert_int_equal(errno, EOVERFLOW);
	errno = 0;
	assert_int_equal(str_reserve(&s, SIZE_MAX - len), -1);
	assert_int_equal(errno, EOVERFLOW);
	errno = 0;
	assert_int_equal(str_reserve(&s, SIZE_MAX - 1), -1);
	assert_int_equal(errno, EOVERFLOW);
	/* Appends of impossible sizes fail the same way, reading nothing. */
	errno = 0;
	assert_int_equal(str_append(&s, "x", SIZE_MAX), -1);
	assert_int_equal(errno, EOVERFLOW);
	errno = 0;
	assert_int_equal(str_append(&s, "x", SIZE_MAX - 2), -1);
	assert_int_equal(errno, EOVERFLOW);
	/* The string is untouched. */
	assert_ptr_equal(s.s, p);
	assert_int_equal(s.len, len);
	assert_int_equal(s.cap, cap);
	assert_string_equal(s.s, "hello");
	/* And still works. */
	assert_int_equal(str_appendz(&s, "!"), 0);
	assert_string_equal(s.s, "hello!");
	str_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_empty),
		cmocka_unit_test(test_append_sizes),
		cmocka_unit_test(test_append_contents),
		cmocka_unit_test(test_nul_bytes_kept),
		cmocka_unit_test(test_appendz),
		cmocka_unit_test(test_appendc),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_truncate),
		cmocka_unit_test(test_clear_keeps_memory),
		cmocka_unit_test(test_free_wipe_reusable),
		cmocka_unit_test(test_reserve),
		cmocka_unit_test(test_reserve_terminates),
		cmocka_unit_test(test_reserve_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
