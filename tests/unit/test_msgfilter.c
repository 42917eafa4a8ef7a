#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "msgfilter.h"
#include "str.h"

/* Runs in through a filter in chunks of size step (0: whole). */
static int
run(const char *rcpt, const char *in, size_t len, size_t step, struct str *out)
{
	struct msgfilter mf;
	char buf[4096 + 1];
	size_t pos = 0, n;

	str_clear(out);
	msgfilter_init(&mf, rcpt);
	while (pos < len) {
		size_t take = step == 0 || step > len - pos ? len - pos : step;

		if (take > 4096)
			take = 4096;
		n = msgfilter_feed(&mf, in + pos, take, buf);
		assert_true(n <= take + 1);
		assert_int_equal(str_append(out, buf, n), 0);
		pos += take;
	}
	n = msgfilter_end(&mf, buf);
	assert_true(n <= 1);
	assert_int_equal(str_append(out, buf, n), 0);
	return mf.loop;
}

/* Every split of the input must give the same output and verdict. */
static int
check(const char *rcpt, const char *in, const char *want)
{
	struct str out = STR_INIT;
	size_t len = strlen(in);
	int loop = run(rcpt, in, len, 0, &out);

	assert_int_equal(out.len, strlen(want));
	assert_memory_equal(out.s, want, out.len);
	for (size_t step = 1; step <= len && step < 40; step++) {
		assert_int_equal(run(rcpt, in, len, step, &out), loop);
		assert_int_equal(out.len, strlen(want));
		assert_memory_equal(out.s, want, out.len);
	}
	str_free(&out);
	return loop;
}

static void
test_crlf(void **state)
{
	(void)state;
	check(NULL, "a\r\nb\r\n\r\nc\r\n", "a\nb\n\nc\n");
	check(NULL, "a\nb\n", "a\nb\n");
	/* A lone CR stays, anywhere, and at the very end. */
	check(NULL, "a\rb\r\n\r\nx\ry\r", "a\rb\n\nx\ry\r");
	check(NULL, "\r\r\n", "\r\n");
	check(NULL, "", "");
	check(NULL, "no newline at end", "no newline at end");
}

static void
test_loop(void **state)
{
	(void)state;
	assert_true(check("u@x", "Delivered-To: u@x\n\nbody\n",
	    "Delivered-To: u@x\n\nbody\n"));
	/* Case and blanks do not matter; CRLF neither. */
	assert_true(check("U@X", "Subject: s\r\ndelivered-to:\t u@x  \r\n\r\n",
	    "Subject: s\ndelivered-to:\t u@x  \n\n"));
	/* Folded field. */
	assert_true(check("u@x", "Delivered-To:\n u@x\n\n", "Delivered-To:\n u@x\n\n"));
	/* Last header line without the empty line, without LF. */
	assert_true(check("u@x", "A: b\nDelivered-To: u@x", "A: b\nDelivered-To: u@x"));
}

static void
test_no_loop(void **state)
{
	(void)state;
	/* Another address, a prefix of it, a longer one. */
	assert_false(check("u@x", "Delivered-To: v@x\n\n", "Delivered-To: v@x\n\n"));
	assert_false(check("u@x", "Delivered-To: u@xy\n\n", "Delivered-To: u@xy\n\n"));
	assert_false(check("u@xy", "Delivered-To: u@x\n\n", "Delivered-To: u@x\n\n"));
	/* In the body it does not count. */
	assert_false(check("u@x", "A: b\n\nDelivered-To: u@x\n",
	    "A: b\n\nDelivered-To: u@x\n"));
	assert_false(check("u@x", "A: b\r\n\r\nDelivered-To: u@x\r\n",
	    "A: b\n\nDelivered-To: u@x\n"));
	/* A different field name that merely contains it. */
	assert_false(check("u@x", "X-Delivered-To: u@x\n\n", "X-Delivered-To: u@x\n\n"));
	/* A folded continuation of another field. */
	assert_false(check("u@x", "Subject: a\n Delivered-To: u@x\n\n",
	    "Subject: a\n Delivered-To: u@x\n\n"));
	/* No recipient: never a loop. */
	assert_false(check(NULL, "Delivered-To: u@x\n\n", "Delivered-To: u@x\n\n"));
	/* A bare CR does not end the header line. */
	assert_false(check("u@x", "A: b\rDelivered-To: u@x\n\n",
	    "A: b\rDelivered-To: u@x\n\n"));
}

static void
test_long_field(void **state)
{
	struct str in = STR_INIT, out = STR_INIT;
	(void)state;

	/* An overlong field never matches and never overflows. */
	assert_int_equal(str_appendz(&in, "Delivered-To: u@x"), 0);
	for (int i = 0; i < MSGFILTER_FIELD_MAX * 3; i++)
		assert_int_equal(str_appendc(&in, ' '), 0);
	assert_int_equal(str_appendz(&in, "\nDelivered-To: u@x\n\n"), 0);
	/* The overlong first field is skipped; the second still matches. */
	assert_true(run("u@x", in.s, in.len, 7, &out));
	assert_int_equal(out.len, in.len);
	str_clear(&in);
	assert_int_equal(str_appendz(&in, "Delivered-To: u@x"), 0);
	for (int i = 0; i < MSGFILTER_FIELD_MAX * 3; i++)
		assert_int_equal(str_appendc(&in, 'a'), 0);
	assert_int_equal(str_appendz(&in, "\n\n"), 0);
	assert_false(run("u@x", in.s, in.len, 0, &out));
	str_free(&in);
	str_free(&out);
}

static void
test_nul_and_binary(void **state)
{
	static const char in[] = "A: \0b\r\nDelivered-To: u@x\r\n\r\n\0\xff\r\n";
	struct str out = STR_INIT;
	(void)state;

	assert_true(run("u@x", in, sizeof in - 1, 3, &out));
	assert_int_equal(out.len, sizeof in - 1 - 4);
	assert_memory_equal(out.s, "A: \0b\nDelivered-To: u@x\n\n\0\xff\n", out.len);
	str_free(&out);
}

static void
test_random_equivalence(void **state)
{
	struct str whole = STR_INIT, part = STR_INIT;
	char in[2000];
	static const char alphabet[] = "\r\n \tDelivered-To:u@x";
	(void)state;

	srand(42);
	for (int round = 0; round < 300; round++) {
		size_t len = (size_t)(rand() % (int)sizeof in);

		for (size_t i = 0; i < len; i++)
			in[i] = alphabet[rand() % (int)(sizeof alphabet - 1)];
		int a = run("u@x", in, len, 0, &whole);
		int b = run("u@x", in, len, (size_t)(rand() % 17 + 1), &part);
		assert_int_equal(a, b);
		assert_int_equal(whole.len, part.len);
		assert_memory_equal(whole.s, part.s, whole.len);
	}
	str_free(&whole);
	str_free(&part);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_loop),
		cmocka_unit_test(test_no_loop),
		cmocka_unit_test(test_long_field),
		cmocka_unit_test(test_nul_and_binary),
		cmocka_unit_test(test_random_equivalence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
