/*
 * Unit tests for lib/smtpdata: dot-unstuffing, the only end of DATA,
 * smuggling sequences refused, soft errors, BDAT mode; each input fed
 * whole, one byte at a time, and in every two-piece split.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "smtpdata.h"

struct result {
	int r;		/* 1 end, 0 need more, -1 error */
	char out[4096];
	size_t outlen;
	size_t used;	/* input consumed when r == 1 or r == -1 */
	unsigned errs;
};

/* Feeds in in pieces of at most step bytes (0: whole). */
static void
feed(const char *in, size_t n, size_t step, enum smtp_data_mode mode,
    size_t maxline, struct result *res)
{
	struct smtp_data d;
	size_t off = 0;

	smtp_data_init(&d, mode, maxline);
	res->outlen = 0;
	res->r = 0;
	res->used = 0;
	while (off < n) {
		size_t take = step == 0 || n - off < step ? n - off : step;
		char *piece = malloc(take), out[4096];
		size_t outlen = 0, used = 0;
		int r;

		memcpy(piece, in + off, take);
		r = smtp_data_feed(&d, piece, take, out, &outlen, &used);
		free(piece);
		assert_true(outlen <= take);
		assert_true(used <= take);
		memcpy(res->out + res->outlen, out, outlen);
		res->outlen += outlen;
		off += used;
		if (r != 0) {
			res->r = r;
			res->used = off;
			break;
		}
		assert_int_equal(used, take);
	}
	res->errs = d.errs;
}

/* Checks that every way of cutting the input gives the same result. */
static void
check(const char *in, size_t n, enum smtp_data_mode mode, size_t maxline,
    int want_r, const char *want_out, size_t want_used)
{
	struct result whole, part;

	feed(in, n, 0, mode, maxline, &whole);
	assert_int_equal(whole.r, want_r);
	if (want_out != NULL) {
		assert_int_equal(whole.outlen, strlen(want_out));
		assert_memory_equal(whole.out, want_out, whole.outlen);
	}
	if (want_r != 0)
		assert_int_equal(whole.used, want_used);
	for (size_t step = 1; step <= 3; step++) {
		feed(in, n, step, mode, maxline, &part);
		assert_int_equal(part.r, whole.r);
		assert_int_equal(part.outlen, whole.outlen);
		assert_memory_equal(part.out, whole.out, whole.outlen);
		assert_int_equal(part.used, whole.used);
		assert_int_equal(part.errs, whole.errs);
	}
}

#define CHECK(z, r, out, used) \
	check(z, sizeof z - 1, SMTP_DATA_DOT, 1000, r, out, used)

static void
test_basic(void **state)
{
	(void)state;
	CHECK("Subject: x\r\n\r\nbody\r\n.\r\n", 1, "Subject: x\n\nbody\n",
	    23);
	CHECK(".\r\n", 1, "", 3);
	CHECK("a\r\n.\r\nMAIL FROM:<x@y>\r\n", 1, "a\n", 6);
	CHECK("a\r\nb\r\n", 0, "a\nb\n", 0);
	CHECK("", 0, "", 0);
}

static void
test_unstuff(void **state)
{
	(void)state;
	CHECK("..\r\n.\r\n", 1, ".\n", 7);
	CHECK("..x\r\n...\r\n.\r\n", 1, ".x\n..\n", 13);
	CHECK(".x\r\n.\r\n", 1, "x\n", 7);
	CHECK("a.\r\n.b\r\n.\r\n", 1, "a.\nb\n", 11);
	/* A dot not at a line start is text. */
	CHECK("a\r\nx.\r\n.\r\n", 1, "a\nx.\n", 10);
}

static void
test_smuggling(void **state)
{
	(void)state;
	/* used is the offset of the offending byte. */
	/* Every half-CRLF form of the terminator is a framing error. */
	CHECK("a\n.\nMAIL FROM:<x@y>\r\n", -1, "a", 1);
	CHECK("a\r.\rMAIL FROM:<x@y>\r\n", -1, "a", 2);
	CHECK("a\n.\r\n", -1, "a", 1);
	CHECK("a\r\n.\n", -1, "a\n", 4);
	CHECK("a\r\n.\rx", -1, "a\n", 5);
	CHECK("a\r\n\n.\r\n", -1, "a\n", 3);
	CHECK("\n", -1, "", 0);
	CHECK("\r\r\n", -1, "", 1);
	CHECK(".\n", -1, "", 1);
	CHECK("x\rz\r\n", -1, "x", 2);
	/* After an error, the reader stays failed. */
	{
		struct smtp_data d;
		char out[16];
		size_t ol, used;

		smtp_data_init(&d, SMTP_DATA_DOT, 1000);
		assert_int_equal(smtp_data_feed(&d, "\n", 1, out, &ol, &used),
		    -1);
		assert_int_equal(smtp_data_feed(&d, ".\r\n", 3, out, &ol, &used),
		    -1);
		assert_int_equal(errno, EILSEQ);
		assert_int_equal(used, 0);
	}
}

static void
test_soft_errors(void **state)
{
	struct result r;
	char big[3000];
	(void)state;

	feed("a\0b\r\n.\r\n", 8, 0, SMTP_DATA_DOT, 1000, &r);
	assert_int_equal(r.r, 1);
	assert_int_equal(r.errs & SMTP_DATA_ENUL, SMTP_DATA_ENUL);
	feed("caf\xc3\xa9\r\n.\r\n", 10, 1, SMTP_DATA_DOT, 1000, &r);
	assert_int_equal(r.r, 1);
	assert_int_equal(r.errs, SMTP_DATA_E8BIT);

	/* 10 bytes with CRLF is fine at 10, too long at 9. */
	feed("12345678\r\n.\r\n", 13, 1, SMTP_DATA_DOT, 10, &r);
	assert_int_equal(r.r, 1);
	assert_int_equal(r.errs, 0);
	feed("12345678\r\n.\r\n", 13, 1, SMTP_DATA_DOT, 9, &r);
	assert_int_equal(r.r, 1);
	assert_int_equal(r.errs, SMTP_DATA_ELONG);
	/* The reader keeps framing after a long line. */
	memset(big, 'x', sizeof big);
	memcpy(big + 2000, "\r\n.\r\nQUIT\r\n", 11);
	feed(big, 2011, 7, SMTP_DATA_DOT, 1000, &r);
	assert_int_equal(r.r, 1);
	assert_int_equal(r.used, 2005);
	assert_int_equal(r.errs, SMTP_DATA_ELONG);
}

static void
test_raw(void **state)
{
	struct smtp_data d;
	char out[64];
	size_t ol, used;
	int addlf;
	(void)state;

	/* BDAT: no dot-stuffing, no terminator, CRLF still enforced. */
	check(".\r\n..\r\n", 7, SMTP_DATA_RAW, 1000, 0, ".\n..\n", 0);
	check("a\nb", 3, SMTP_DATA_RAW, 1000, -1, "a", 1);
	smtp_data_init(&d, SMTP_DATA_RAW, 1000);
	assert_int_equal(smtp_data_feed(&d, "abc\r", 4, out, &ol, &used), 0);
	assert_int_equal(ol, 3);
	assert_int_equal(smtp_data_feed(&d, "\nx", 2, out, &ol, &used), 0);
	assert_int_equal(ol, 2);
	assert_int_equal(smtp_data_finish(&d, &addlf), 0);
	assert_int_equal(addlf, 1);
	assert_true(d.out == 6);

	smtp_data_init(&d, SMTP_DATA_RAW, 1000);
	assert_int_equal(smtp_data_feed(&d, "abc\r\n", 5, out, &ol, &used), 0);
	assert_int_equal(smtp_data_finish(&d, &addlf), 0);
	assert_int_equal(addlf, 0);

	smtp_data_init(&d, SMTP_DATA_RAW, 1000);
	assert_int_equal(smtp_data_feed(&d, "abc\r", 4, out, &ol, &used), 0);
	assert_int_equal(smtp_data_finish(&d, &addlf), -1);
	assert_int_equal(errno, EILSEQ);
}

/* Random wire bytes: whole and byte-at-a-time feeding always agree. */
static void
test_random_agree(void **state)
{
	static const char alphabet[] = "\r\n.a\0";
	char in[64];
	unsigned seed = 12345;
	(void)state;

	for (int round = 0; round < 3000; round++) {
		size_t n = (size_t)(round % 40);
		struct result whole, one;

		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			in[i] = alphabet[(seed >> 16) % 5];
		}
		feed(in, n, 0, SMTP_DATA_DOT, 8, &whole);
		feed(in, n, 1, SMTP_DATA_DOT, 8, &one);
		assert_int_equal(whole.r, one.r);
		assert_int_equal(whole.outlen, one.outlen);
		assert_memory_equal(whole.out, one.out, one.outlen);
		assert_int_equal(whole.errs, one.errs);
		/* The output never holds a CR. */
		assert_null(memchr(whole.out, '\r', whole.outlen));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_unstuff),
		cmocka_unit_test(test_smuggling),
		cmocka_unit_test(test_soft_errors),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_random_agree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
