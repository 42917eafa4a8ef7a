/*
 * Unit tests for lib/base64: RFC 4648 vectors, wrapping, strict and
 * lenient decoding, every chunk split, hostile input.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base64.h"
#include "str.h"

/* RFC 4648 section 10. */
static const struct {
	const char *plain, *enc;
} rfc4648[] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

/* Deterministic pseudo-random bytes (xorshift32). */
static uint32_t rng_state = 2463534242u;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void
fill_random(unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)rng();
}

/* Decodes in the chunks given by cuts (ascending offsets, ncut of them). */
static int
decode_cut(const char *in, size_t len, unsigned flags, const size_t *cuts,
    size_t ncut, struct str *out)
{
	struct b64dec st;
	size_t k, from = 0;

	b64dec_init(&st, flags);
	for (k = 0; k <= ncut; k++) {
		size_t to = k < ncut ? cuts[k] : len;

		if (b64dec_update(&st, in + from, to - from, out) < 0)
			return -1;
		from = to;
	}
	return b64dec_final(&st, out);
}

/* Asserts that a chunked decode gave what the one-shot decode gave. */
static void
assert_same(int r, const struct str *part, int r0, const struct str *whole)
{
	assert_int_equal(r, r0);
	if (r0 < 0)
		return;
	assert_int_equal(part->len, whole->len);
	if (whole->len > 0)
		assert_memory_equal(part->s, whole->s, whole->len);
}

/*
 * Checks that every way of cutting in into two or three pieces (empty
 * pieces included), and one byte at a time, gives what one call gives.
 */
static void
check_splits(const char *in, size_t len, unsigned flags)
{
	struct str whole = STR_INIT, part = STR_INIT;
	struct b64dec st;
	size_t cuts[2], a, b, i;
	int r0, r;

	r0 = b64_decode(in, len, &whole, flags);
	for (a = 0; a <= len; a++) {
		for (b = a; b <= len; b++) {
			cuts[0] = a;
			cuts[1] = b;
			str_clear(&part);
			r = decode_cut(in, len, flags, cuts, 2, &part);
			assert_same(r, &part, r0, &whole);
		}
	}
	str_clear(&part);
	b64dec_init(&st, flags);
	r = 0;
	for (i = 0; i < len && r == 0; i++)
		r = b64dec_update(&st, in + i, 1, &part);
	if (r == 0)
		r = b64dec_final(&st, &part);
	assert_same(r, &part, r0, &whole);
	str_free(&whole);
	str_free(&part);
}

static void
test_rfc4648_encode(void **state)
{
	struct str out = STR_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
		str_clear(&out);
		assert_int_equal(b64_encode(&out, rfc4648[i].plain,
				     strlen(rfc4648[i].plain), 0, 0),
		    0);
		assert_int_equal(out.len, strlen(rfc4648[i].enc));
		if (out.len > 0)
			assert_string_equal(out.s, rfc4648[i].enc);
	}
	str_free(&out);
}

static void
test_rfc4648_decode(void **state)
{
	struct str out = STR_INIT;
	unsigned modes[] = { 0, B64_STRICT };
	size_t i, m;

	(void)state;
	for (m = 0; m < 2; m++) {
		for (i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
			str_clear(&out);
			assert_int_equal(b64_decode(rfc4648[i].enc,
					     strlen(rfc4648[i].enc), &out,
					     modes[m]),
			    0);
			assert_int_equal(out.len, strlen(rfc4648[i].plain));
			assert_memory_equal(out.s == NULL ? "" : out.s,
			    rfc4648[i].plain, out.len);
			check_splits(rfc4648[i].enc, strlen(rfc4648[i].enc),
			    modes[m]);
		}
	}
	str_free(&out);
}

static void
test_encode_appends(void **state)
{
	struct str out = STR_INIT;

	(void)state;
	assert_int_equal(str_appendz(&out, "x:"), 0);
	assert_int_equal(b64_encode(&out, "foo", 3, 0, 0), 0);
	assert_string_equal(out.s, "x:Zm9v");
	assert_int_equal(b64_decode("YmFy", 4, &out, B64_STRICT), 0);
	assert_string_equal(out.s, "x:Zm9vbar");
	str_free(&out);
}

static void
test_encode_bad_flags(void **state)
{
	struct str out = STR_INIT;

	(void)state;
	errno = 0;
	assert_int_equal(b64_encode(&out, "foo", 3, 0, 0x80), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(out.len, 0);
	str_free(&out);
}

static void
test_encode_wrap(void **state)
{
	struct str out = STR_INIT;
	unsigned char in[200];
	size_t i, col, nlines;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)i;

	/* 57 bytes make exactly one 76-character line: no line end. */
	assert_int_equal(b64_encode(&out, in, 57, B64_MIME_LINE, B64_CRLF),
	    0);
	assert_int_equal(out.len, 76);
	assert_null(memchr(out.s, '\n', out.len));

	/* 58 bytes: 76 characters, CRLF, then 4. */
	str_clear(&out);
	assert_int_equal(b64_encode(&out, in, 58, B64_MIME_LINE, B64_CRLF),
	    0);
	assert_int_equal(out.len, 76 + 2 + 4);
	assert_memory_equal(out.s + 76, "\r\n", 2);

	/* LF line ends, odd width; every line at most the width. */
	str_clear(&out);
	assert_int_equal(b64_encode(&out, in, sizeof(in), 7, 0), 0);
	col = 0;
	nlines = 1;
	for (i = 0; i < out.len; i++) {
		assert_true(out.s[i] != '\r');
		if (out.s[i] == '\n') {
			assert_int_equal(col, 7);
			col = 0;
			nlines++;
		} else {
			col++;
		}
	}
	assert_true(col > 0 && col <= 7);
	/* 268 characters in lines of 7. */
	assert_int_equal(nlines, (268 + 6) / 7);

	/* Wrapped output decodes strictly. */
	{
		struct str dec = STR_INIT;

		assert_int_equal(b64_decode(out.s, out.len, &dec, B64_STRICT),
		    0);
		assert_int_equal(dec.len, sizeof(in));
		assert_memory_equal(dec.s, in, sizeof(in));
		str_free(&dec);
	}

	/* Width 1: a line end between every two characters. */
	str_clear(&out);
	assert_int_equal(b64_encode(&out, "f", 1, 1, B64_CRLF), 0);
	assert_string_equal(out.s, "Z\r\ng\r\n=\r\n=");

	/* Empty input, wrapped: nothing. */
	str_clear(&out);
	assert_int_equal(b64_encode(&out, "", 0, 76, B64_CRLF), 0);
	assert_int_equal(out.len, 0);
	str_free(&out);
}

static void
test_roundtrip_random(void **state)
{
	static const size_t wraps[] = { 0, 1, 4, 5, 64, 76 };
	struct str enc = STR_INIT, dec = STR_INIT;
	unsigned char buf[300];
	size_t n, w;

	(void)state;
	for (n = 0; n <= sizeof(buf); n++) {
		fill_random(buf, n);
		for (w = 0; w < sizeof(wraps) / sizeof(wraps[0]); w++) {
			str_clear(&enc);
			str_clear(&dec);
			assert_int_equal(b64_encode(&enc, buf, n, wraps[w],
					     w % 2 ? B64_CRLF : 0),
			    0);
			assert_int_equal(b64_decode(enc.s, enc.len, &dec,
					     B64_STRICT),
			    0);
			assert_int_equal(dec.len, n);
			if (n > 0)
				assert_memory_equal(dec.s, buf, n);
			str_clear(&dec);
			assert_int_equal(b64_decode(enc.s, enc.len, &dec, 0),
			    0);
			assert_int_equal(dec.len, n);
		}
	}
	str_free(&enc);
	str_free(&dec);
}

/* Inputs strict mode rejects, and what lenient mode makes of them. */
static const struct {
	const char *in;
	size_t len; /* 0: strlen */
	const char *lenient;
} damaged[] = {
	{ "Zg", 0, "f" },		/* truncated, no padding */
	{ "Zm8", 0, "fo" },		/* truncated, 3 sextets */
	{ "Zm9vY", 0, "foo" },		/* one leftover sextet, dropped */
	{ "Z", 0, "" },			/* ditto */
	{ "Zg=", 0, "f" },		/* incomplete padding */
	{ "Zg= \r\n", 0, "f" },		/* ditto, then white space */
	{ "Zh==", 0, "f" },		/* non-canonical trailing bits */
	{ "Zm9=", 0, "fo" },		/* ditto, 3 sextets */
	{ "Zg===", 0, "f" },		/* extra padding */
	{ "Zm8==", 0, "fo" },		/* ditto */
	{ "=", 0, "" },			/* padding at a quantum start */
	{ "Zm9v=", 0, "foo" },		/* ditto */
	{ "Zm9vY=", 0, "foo" },		/* padding after one sextet */
	{ "Zm9vY==", 0, "foo" },	/* ditto */
	{ "=Zm9v", 0, "" },		/* lenient stops at '=' */
	{ "Zg==Zg==", 0, "f" },		/* data after the padding */
	{ "Zg==a", 0, "f" },		/* ditto */
	{ "Zg=a=", 0, "f" },		/* data inside the padding */
	{ "Zm9v!YmFy", 0, "foobar" },	/* outside the alphabet */
	{ "Zm9v-_", 0, "foo" },		/* base64url is not base64 */
	{ "Zm\x00" "9v", 5, "foo" },	/* NUL */
	{ "Zm9v\x80\xff", 6, "foo" },	/* 8-bit bytes */
	{ "Zg=\x01=", 5, "f" },		/* junk inside the padding */
	{ "Zg==\x01", 5, "f" },		/* junk after the padding */
	{ "Zm9v\fYmFy", 0, "foobar" },	/* FF is not white space here */
};

static void
test_strict_rejects(void **state)
{
	struct str out = STR_INIT;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(damaged) / sizeof(damaged[0]); i++) {
		len = damaged[i].len ? damaged[i].len : strlen(damaged[i].in);
		str_clear(&out);
		errno = 0;
		assert_int_equal(b64_decode(damaged[i].in, len, &out,
				     B64_STRICT),
		    -1);
		assert_int_equal(errno, EINVAL);
		assert_int_equal(out.len, 0);
		check_splits(damaged[i].in, len, B64_STRICT);
	}
	str_free(&out);
}

static void
test_lenient_damaged(void **state)
{
	struct str out = STR_INIT;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(damaged) / sizeof(damaged[0]); i++) {
		len = damaged[i].len ? damaged[i].len : strlen(damaged[i].in);
		str_clear(&out);
		assert_int_equal(b64_decode(damaged[i].in, len, &out, 0), 1);
		assert_int_equal(out.len, strlen(damaged[i].lenient));
		assert_memory_equal(out.s, damaged[i].lenient, out.len);
		check_splits(damaged[i].in, len, 0);
	}
	str_free(&out);
}

static void
test_whitespace(void **state)
{
	static const char *ok[] = {
		"Zm9v\r\nYmFy",
		" Z m 9 v Y m F y ",
		"\tZm9vYg\r\n=\r\n=\r\n",
		"Zm9vYg= =",
		"\r\n",
	};
	static const char *plain[] = { "foobar", "foobar", "foob", "foob",
		"" };
	struct str out = STR_INIT;
	size_t i;
	unsigned m;

	(void)state;
	for (m = 0; m <= B64_STRICT; m += B64_STRICT) {
		for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
			str_clear(&out);
			assert_int_equal(b64_decode(ok[i], strlen(ok[i]), &out,
					     m),
			    0);
			assert_int_equal(out.len, strlen(plain[i]));
			assert_memory_equal(out.s, plain[i], out.len);
			check_splits(ok[i], strlen(ok[i]), m);
		}
	}
	str_free(&out);
}

static void
test_error_restores_out(void **state)
{
	struct str out = STR_INIT;

	(void)state;
	assert_int_equal(str_appendz(&out, "keep"), 0);
	/* Fails after decoding "foo" into out: out must be restored. */
	assert_int_equal(b64_decode("Zm9vYmF", 7, &out, B64_STRICT), -1);
	assert_int_equal(out.len, 4);
	assert_string_equal(out.s, "keep");
	str_free(&out);
}

static void
test_failure_is_sticky(void **state)
{
	struct str out = STR_INIT;
	struct b64dec st;

	(void)state;
	b64dec_init(&st, B64_STRICT);
	assert_int_equal(b64dec_update(&st, "Zm9v", 4, &out), 0);
	assert_int_equal(b64dec_update(&st, "!", 1, &out), -1);
	errno = 0;
	assert_int_equal(b64dec_update(&st, "YmFy", 4, &out), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(b64dec_final(&st, &out), -1);
	assert_int_equal(errno, EINVAL);
	/* init makes it usable again. */
	b64dec_init(&st, B64_STRICT);
	str_clear(&out);
	assert_int_equal(b64dec_update(&st, "YmFy", 4, &out), 0);
	assert_int_equal(b64dec_final(&st, &out), 0);
	assert_string_equal(out.s, "bar");
	str_free(&out);
}

static void
test_damage_flag_streaming(void **state)
{
	struct str out = STR_INIT;
	struct b64dec st;

	(void)state;
	b64dec_init(&st, 0);
	assert_int_equal(b64dec_update(&st, "Zm9v", 4, &out), 0);
	assert_int_equal(st.damaged, 0);
	assert_int_equal(b64dec_update(&st, "*", 1, &out), 0);
	assert_int_equal(st.damaged, 1);
	assert_int_equal(b64dec_update(&st, "YmFy", 4, &out), 0);
	assert_int_equal(b64dec_final(&st, &out), 1);
	assert_string_equal(out.s, "foobar");
	str_free(&out);
}

static void
test_hostile(void **state)
{
	struct str out = STR_INIT;
	struct str in = STR_INIT;
	size_t i;

	(void)state;
	/* A megabyte of white space: nothing, and clean. */
	for (i = 0; i < 1024 * 1024; i++)
		assert_int_equal(str_appendc(&in, i % 3 ? ' ' : '\n'), 0);
	assert_int_equal(b64_decode(in.s, in.len, &out, B64_STRICT), 0);
	assert_int_equal(out.len, 0);

	/* A megabyte of NUL: nothing, damaged; strict fails. */
	memset(in.s, 0, in.len);
	assert_int_equal(b64_decode(in.s, in.len, &out, 0), 1);
	assert_int_equal(out.len, 0);
	assert_int_equal(b64_decode(in.s, in.len, &out, B64_STRICT), -1);

	/* A megabyte of '=': nothing, damaged. */
	memset(in.s, '=', in.len);
	assert_int_equal(b64_decode(in.s, in.len, &out, 0), 1);
	assert_int_equal(out.len, 0);

	/* A megabyte of 'A': 3/4 as many zero bytes. */
	memset(in.s, 'A', in.len);
	assert_int_equal(b64_decode(in.s, in.len, &out, B64_STRICT), 0);
	assert_int_equal(out.len, in.len / 4 * 3);
	for (i = 0; i < out.len; i++)
		assert_int_equal(out.s[i], 0);

	/* Every byte value, in strict and lenient mode, split everywhere. */
	str_clear(&in);
	for (i = 0; i < 256; i++)
		assert_int_equal(str_appendc(&in, (char)i), 0);
	check_splits(in.s, in.len, 0);
	check_splits(in.s, in.len, B64_STRICT);
	str_free(&in);
	str_free(&out);
}

static void
test_splits_random(void **state)
{
	static const char alphabet[] = "AZaz09+/=  \r\n!";
	struct str enc = STR_INIT;
	unsigned char buf[40];
	char junk[24];
	size_t n, i;

	(void)state;
	/* Valid encodings of random data, with and without wrapping. */
	for (n = 0; n < sizeof(buf); n++) {
		fill_random(buf, n);
		str_clear(&enc);
		assert_int_equal(b64_encode(&enc, buf, n, n % 3 ? 8 : 0,
				     B64_CRLF),
		    0);
		check_splits(enc.s == NULL ? "" : enc.s, enc.len, 0);
		check_splits(enc.s == NULL ? "" : enc.s, enc.len, B64_STRICT);
	}
	/* Random strings over an alphabet rich in trouble. */
	for (n = 0; n < 200; n++) {
		for (i = 0; i < sizeof(junk); i++)
			junk[i] = alphabet[rng() % (sizeof(alphabet) - 1)];
		check_splits(junk, rng() % sizeof(junk), 0);
		check_splits(junk, rng() % sizeof(junk), B64_STRICT);
	}
	str_free(&enc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4648_encode),
		cmocka_unit_test(test_rfc4648_decode),
		cmocka_unit_test(test_encode_appends),
		cmocka_unit_test(test_encode_bad_flags),
		cmocka_unit_test(test_encode_wrap),
		cmocka_unit_test(test_roundtrip_random),
		cmocka_unit_test(test_strict_rejects),
		cmocka_unit_test(test_lenient_damaged),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_error_restores_out),
		cmocka_unit_test(test_failure_is_sticky),
		cmocka_unit_test(test_damage_flag_streaming),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_splits_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
