/*
 * Unit tests for lib/qp: encoding rules and line lengths, decoding, strict
 * and lenient faults, every chunk split, hostile input.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "qp.h"
#include "str.h"

/* Deterministic pseudo-random bytes (xorshift32). */
static uint32_t rng_state = 88675123u;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void
assert_str(const struct str *s, const char *want, size_t wantlen)
{
	assert_int_equal(s->len, wantlen);
	if (wantlen > 0)
		assert_memory_equal(s->s, want, wantlen);
}

/* Asserts that a chunked decode gave what the one-shot decode gave. */
static void
assert_same(int r, const struct str *part, int r0, const struct str *whole)
{
	assert_int_equal(r, r0);
	if (r0 < 0)
		return;
	assert_str(part, whole->s, whole->len);
}

/*
 * Checks that every way of cutting in into two or three pieces (empty
 * pieces included), and one byte at a time, gives what one call gives.
 */
static void
check_splits(const char *in, size_t len, unsigned flags)
{
	struct str whole = STR_INIT, part = STR_INIT;
	struct qpdec st;
	size_t a, b, i;
	int r0, r;

	r0 = qp_decode(in, len, &whole, flags);
	for (a = 0; a <= len; a++) {
		for (b = a; b <= len; b++) {
			str_clear(&part);
			qpdec_init(&st, flags);
			r = qpdec_update(&st, in, a, &part);
			if (r == 0)
				r = qpdec_update(&st, in + a, b - a, &part);
			if (r == 0)
				r = qpdec_update(&st, in + b, len - b, &part);
			if (r == 0)
				r = qpdec_final(&st, &part);
			assert_same(r, &part, r0, &whole);
		}
	}
	str_clear(&part);
	qpdec_init(&st, flags);
	r = 0;
	for (i = 0; i < len && r == 0; i++)
		r = qpdec_update(&st, in + i, 1, &part);
	if (r == 0)
		r = qpdec_final(&st, &part);
	assert_same(r, &part, r0, &whole);
	str_free(&whole);
	str_free(&part);
}

/*
 * Checks the shape of encoder output: only printable ASCII, space and tab
 * between line ends of the given kind, lines at most 76 characters, no
 * white space at the end of a line, '=' only before two upper-case hex
 * digits or a line end.
 */
static void
check_encoded(const struct str *s, int crlf)
{
	size_t i, col = 0;
	unsigned char c;

	for (i = 0; i < s->len; i++) {
		c = (unsigned char)s->s[i];
		if (c == '\r') {
			assert_true(crlf);
			assert_true(i + 1 < s->len && s->s[i + 1] == '\n');
			continue;
		}
		if (c == '\n') {
			if (crlf)
				assert_true(i > 0 && s->s[i - 1] == '\r');
			col = 0;
			continue;
		}
		assert_true((c >= ' ' && c < 0x7f) || c == '\t');
		if (c == ' ' || c == '\t') {
			assert_true(i + 1 < s->len);
			assert_true(s->s[i + 1] != '\r' && s->s[i + 1] != '\n');
		}
		if (c == '=') {
			assert_true(i + 1 < s->len);
			if (s->s[i + 1] != '\r' && s->s[i + 1] != '\n') {
				assert_true(i + 2 < s->len);
				assert_non_null(strchr("0123456789ABCDEF",
				    s->s[i + 1]));
				assert_non_null(strchr("0123456789ABCDEF",
				    s->s[i + 2]));
			}
		}
		col++;
		assert_true(col <= QP_LINE_MAX);
	}
}

static void
encode_is(const char *in, size_t len, unsigned flags, const char *want)
{
	struct str out = STR_INIT;

	assert_int_equal(qp_encode(&out, in, len, flags), 0);
	assert_str(&out, want, strlen(want));
	check_encoded(&out, (flags & QP_CRLF) != 0);
	str_free(&out);
}

static void
test_encode_basic(void **state)
{
	(void)state;
	encode_is("", 0, 0, "");
	encode_is("Hello, world!", 13, 0, "Hello, world!");
	encode_is("a=b", 3, 0, "a=3Db");
	encode_is("caf\xc3\xa9", 5, 0, "caf=C3=A9");
	encode_is("nul\0byte", 8, 0, "nul=00byte");
	encode_is("del\x7f", 4, 0, "del=7F");
	encode_is("a b\tc", 5, 0, "a b\tc");
	/* White space ending a line or the input is encoded. */
	encode_is("ab \ncd", 6, 0, "ab=20\ncd");
	encode_is("ab\t\r\ncd", 7, 0, "ab=09\ncd");
	encode_is("ab  ", 4, 0, "ab =20");
	encode_is(" ", 1, 0, "=20");
	/* Line ends: LF and CRLF in, the caller's choice out. */
	encode_is("a\nb\r\nc", 6, 0, "a\nb\nc");
	encode_is("a\nb\r\nc", 6, QP_CRLF, "a\r\nb\r\nc");
	encode_is("a\n", 2, QP_CRLF, "a\r\n");
	encode_is("\n\n", 2, 0, "\n\n");
	/* A lone CR is data, even before CRLF. */
	encode_is("a\rb", 3, 0, "a=0Db");
	encode_is("a\r", 2, 0, "a=0D");
	encode_is("a\r\r\nb", 5, 0, "a=0D\nb");
	encode_is("a \rb", 4, 0, "a =0Db");
	/* Binary: CR and LF are data. */
	encode_is("a\r\nb \n", 6, QP_BINARY, "a=0D=0Ab =0A");
	encode_is("a \r\n", 4, QP_BINARY | QP_CRLF, "a =0D=0A");
}

static void
test_encode_bad_flags(void **state)
{
	struct str out = STR_INIT;

	(void)state;
	errno = 0;
	assert_int_equal(qp_encode(&out, "x", 1, QP_STRICT), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(out.len, 0);
	str_free(&out);
}

static void
test_encode_line_length(void **state)
{
	struct str out = STR_INIT;
	char in[300], want[400];

	(void)state;
	/* 76 characters fit on a line when nothing follows. */
	memset(in, 'a', 76);
	in[76] = '\n';
	memset(want, 'a', 76);
	want[76] = '\0';
	encode_is(in, 76, 0, want);
	want[76] = '\n';
	want[77] = '\0';
	encode_is(in, 77, 0, want);

	/* 77 do not: 75 and '=', then 2. */
	memset(in, 'a', 77);
	memset(want, 'a', 75);
	memcpy(want + 75, "=\r\naa", 6);
	encode_is(in, 77, QP_CRLF, want);

	/* An escape is never split: 74 a, then =3D goes to the next line. */
	memset(in, 'a', 74);
	memcpy(in + 74, "=b", 3);
	memset(want, 'a', 74);
	memcpy(want + 74, "=\n=3Db", 7);
	encode_is(in, 76, 0, want);

	/* ... but 73 a and =3D make exactly 76 when the line ends there. */
	memset(in, 'a', 73);
	memcpy(in + 73, "=\n", 3);
	memset(want, 'a', 73);
	memcpy(want + 73, "=3D\n", 5);
	encode_is(in, 75, 0, want);
	memset(want, 'a', 73);
	memcpy(want + 73, "=3D", 4);
	encode_is(in, 74, 0, want);

	/* Trailing space at column 75 becomes =20 on a line of its own. */
	memset(in, 'a', 74);
	memcpy(in + 74, " \n", 3);
	memset(want, 'a', 74);
	memcpy(want + 74, "=\n=20\n", 7);
	encode_is(in, 76, 0, want);

	/* A long run of escapes. */
	memset(in, '\xff', sizeof(in));
	assert_int_equal(qp_encode(&out, in, sizeof(in), QP_CRLF), 0);
	check_encoded(&out, 1);
	/* 25 escapes (75 chars) per line, soft break after each full one. */
	assert_int_equal(out.len, 300 * 3 + (300 / 25 - 1) * 3);
	str_free(&out);
}

static void
test_encode_appends(void **state)
{
	struct str out = STR_INIT;

	(void)state;
	assert_int_equal(str_appendz(&out, "x:"), 0);
	assert_int_equal(qp_encode(&out, "=", 1, 0), 0);
	assert_string_equal(out.s, "x:=3D");
	assert_int_equal(qp_decode("=41", 3, &out, QP_STRICT), 0);
	assert_string_equal(out.s, "x:=3DA");
	str_free(&out);
}

static void
test_roundtrip_binary(void **state)
{
	struct str enc = STR_INIT, dec = STR_INIT;
	unsigned char buf[600];
	size_t n, i, k;

	(void)state;
	for (n = 0; n <= sizeof(buf); n += 1 + n / 16) {
		for (k = 0; k < 4; k++) {
			/* Random bytes; then text-like bytes. */
			for (i = 0; i < n; i++)
				buf[i] = (unsigned char)(k < 2 ? rng() :
				    (uint32_t)" \t\r\nab=."[rng() % 8]);
			str_clear(&enc);
			str_clear(&dec);
			assert_int_equal(qp_encode(&enc, buf, n,
					     QP_BINARY | (k % 2 ? QP_CRLF : 0)),
			    0);
			check_encoded(&enc, (int)(k % 2));
			assert_int_equal(qp_decode(enc.s, enc.len, &dec,
					     QP_STRICT),
			    0);
			assert_str(&dec, (const char *)buf, n);
		}
	}
	str_free(&enc);
	str_free(&dec);
}

/* in with each LF or CRLF turned into eol. */
static void
normalise(const unsigned char *in, size_t len, const char *eol,
    struct str *out)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (in[i] == '\r' && i + 1 < len && in[i + 1] == '\n')
			continue;
		if (in[i] == '\n')
			assert_int_equal(str_appendz(out, eol), 0);
		else
			assert_int_equal(str_appendc(out, (char)in[i]), 0);
	}
}

static void
test_roundtrip_text(void **state)
{
	static const char chars[] = "  \t\t\r\n\r\nabc=.\xe9\x01";
	struct str enc = STR_INIT, dec = STR_INIT, want = STR_INIT;
	unsigned char buf[500];
	size_t n, i, k;

	(void)state;
	for (n = 0; n <= sizeof(buf); n += 1 + n / 8) {
		for (k = 0; k < 2; k++) {
			for (i = 0; i < n; i++)
				buf[i] = (unsigned char)
				    chars[rng() % (sizeof(chars) - 1)];
			str_clear(&enc);
			str_clear(&dec);
			str_clear(&want);
			assert_int_equal(qp_encode(&enc, buf, n,
					     k ? QP_CRLF : 0),
			    0);
			check_encoded(&enc, (int)k);
			assert_int_equal(qp_decode(enc.s, enc.len, &dec,
					     QP_STRICT),
			    0);
			normalise(buf, n, k ? "\r\n" : "\n", &want);
			assert_str(&dec, want.s, want.len);
			check_splits(enc.s == NULL ? "" : enc.s,
			    enc.len < 90 ? enc.len : 90, 0);
		}
	}
	str_free(&enc);
	str_free(&dec);
	str_free(&want);
}

/* Inputs both modes decode the same way, without fault. */
static const struct {
	const char *in, *out;
} good[] = {
	{ "", "" },
	{ "plain text", "plain text" },
	{ "=41=42=43", "ABC" },
	{ "=4a=4A=e9=E9", "JJ\xe9\xe9" },
	{ "=3D=3d", "==" },
	{ "=00", "" }, /* checked by length below */
	{ "ab=\r\ncd", "abcd" },
	{ "ab=\ncd", "abcd" },
	{ "ab= \t \r\ncd", "abcd" },
	{ "ab=\t\ncd", "abcd" },
	{ "ab=\r\n", "ab" },
	{ "ab  \r\ncd", "ab\r\ncd" },
	{ "ab \t\ncd", "ab\ncd" },
	{ "ab\r\ncd\nef", "ab\r\ncd\nef" },
	{ "a b\t c", "a b\t c" },
	{ "ab  ", "ab" },
	{ "  \r\n  \n  ", "\r\n\n" },
	{ "a \rb", "a \rb" },
	{ "a \r", "a \r" },
	{ "a\r\r\n", "a\r\r\n" },
	{ "a \r \r\n", "a \r\r\n" },
	{ "a =41 ", "a A" },
	{ "a=20\n", "a \n" },
	{ "a=20=09 \n", "a \t\n" },
	{ "\xff\x01\x7f", "\xff\x01\x7f" },
};

static void
test_decode_good(void **state)
{
	struct str out = STR_INIT;
	size_t i, len, wantlen;
	unsigned m;

	(void)state;
	for (m = 0; m <= QP_STRICT; m += QP_STRICT) {
		for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
			len = strlen(good[i].in);
			wantlen = strcmp(good[i].in, "=00") == 0 ?
			    1 :
			    strlen(good[i].out);
			str_clear(&out);
			assert_int_equal(qp_decode(good[i].in, len, &out, m),
			    0);
			assert_str(&out, good[i].out, wantlen);
			check_splits(good[i].in, len, m);
		}
	}
	str_free(&out);
}

/* Inputs strict mode rejects, and what lenient mode makes of them. */
static const struct {
	const char *in, *lenient;
} bad[] = {
	{ "=", "=" },
	{ "ab=", "ab=" },
	{ "=4", "=4" },
	{ "=4G", "=4G" },
	{ "=G4", "=G4" },
	{ "==41", "=A" },
	{ "=\xff", "=\xff" },
	{ "= x", "= x" },
	{ "=  ", "=" },
	{ "a= ", "a=" },
	{ "=\r", "=\r" },
	{ "=\rx", "=\rx" },
	{ "= \rx", "= \rx" },
	{ "= \r x", "= \r x" },
	{ "= \r \r\n", "= \r\r\n" },
	{ "=\r=41", "=\rA" },
	{ "=4\r\n", "=4\r\n" },
	{ "=4 \n", "=4\n" },
	{ "a=4", "a=4" },
	{ "=\t=", "=\t=" },
	{ "x==", "x==" },
};

static void
test_strict_rejects(void **state)
{
	struct str out = STR_INIT;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		len = strlen(bad[i].in);
		str_clear(&out);
		errno = 0;
		assert_int_equal(qp_decode(bad[i].in, len, &out, QP_STRICT),
		    -1);
		assert_int_equal(errno, EINVAL);
		assert_int_equal(out.len, 0);
		check_splits(bad[i].in, len, QP_STRICT);
	}
	str_free(&out);
}

static void
test_lenient_damaged(void **state)
{
	struct str out = STR_INIT;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		len = strlen(bad[i].in);
		str_clear(&out);
		assert_int_equal(qp_decode(bad[i].in, len, &out, 0), 1);
		assert_str(&out, bad[i].lenient, strlen(bad[i].lenient));
		check_splits(bad[i].in, len, 0);
	}
	str_free(&out);
}

static void
test_chunk_boundaries(void **state)
{
	struct str out = STR_INIT;
	struct qpdec st;

	(void)state;
	/* '=' at the end of one chunk, the hex digits in the next two. */
	qpdec_init(&st, QP_STRICT);
	assert_int_equal(qpdec_update(&st, "a=", 2, &out), 0);
	assert_int_equal(qpdec_update(&st, "4", 1, &out), 0);
	assert_int_equal(qpdec_update(&st, "1b", 2, &out), 0);
	assert_int_equal(qpdec_final(&st, &out), 0);
	assert_string_equal(out.s, "aAb");

	/* "=\r" at the end of a chunk, LF in the next: soft break. */
	str_clear(&out);
	qpdec_init(&st, QP_STRICT);
	assert_int_equal(qpdec_update(&st, "ab=\r", 4, &out), 0);
	assert_string_equal(out.s, "ab");
	assert_int_equal(qpdec_update(&st, "\ncd", 3, &out), 0);
	assert_int_equal(qpdec_final(&st, &out), 0);
	assert_string_equal(out.s, "abcd");

	/* White space is held back until the line's end is known. */
	str_clear(&out);
	qpdec_init(&st, QP_STRICT);
	assert_int_equal(qpdec_update(&st, "ab  ", 4, &out), 0);
	assert_string_equal(out.s, "ab");
	assert_int_equal(qpdec_update(&st, " \t", 2, &out), 0);
	assert_string_equal(out.s, "ab");
	assert_int_equal(qpdec_update(&st, "\r", 1, &out), 0);
	assert_string_equal(out.s, "ab");
	assert_int_equal(qpdec_update(&st, "\n", 1, &out), 0);
	assert_string_equal(out.s, "ab\r\n");
	assert_int_equal(qpdec_update(&st, " ", 1, &out), 0);
	assert_int_equal(qpdec_update(&st, "x", 1, &out), 0);
	assert_string_equal(out.s, "ab\r\n x");
	assert_int_equal(qpdec_final(&st, &out), 0);

	/* A CR at the end of a chunk that turns out to be alone. */
	str_clear(&out);
	qpdec_init(&st, 0);
	assert_int_equal(qpdec_update(&st, "a \r", 3, &out), 0);
	assert_string_equal(out.s, "a");
	assert_int_equal(qpdec_update(&st, "b", 1, &out), 0);
	assert_string_equal(out.s, "a \rb");
	assert_int_equal(qpdec_final(&st, &out), 0);
	str_free(&out);
}

static void
test_whitespace_bound(void **state)
{
	struct str in = STR_INIT, out = STR_INIT;
	size_t i;

	(void)state;
	/* QP_WS_MAX blank bytes then a line end: held, then dropped. */
	for (i = 0; i < QP_WS_MAX; i++)
		assert_int_equal(str_appendc(&in, i % 2 ? ' ' : '\t'), 0);
	assert_int_equal(str_appendz(&in, "\nx"), 0);
	assert_int_equal(qp_decode(in.s, in.len, &out, QP_STRICT), 0);
	assert_string_equal(out.s, "\nx");
	check_splits(in.s, in.len, QP_STRICT);

	/* One more: strict fails; lenient lets them through, damaged. */
	str_clear(&in);
	str_clear(&out);
	for (i = 0; i < QP_WS_MAX + 1; i++)
		assert_int_equal(str_appendc(&in, ' '), 0);
	assert_int_equal(str_appendz(&in, "x"), 0);
	errno = 0;
	assert_int_equal(qp_decode(in.s, in.len, &out, QP_STRICT), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(qp_decode(in.s, in.len, &out, 0), 1);
	assert_str(&out, in.s, in.len);

	/* The same after "=": the run is no soft break, it is copied. */
	str_clear(&in);
	str_clear(&out);
	assert_int_equal(str_appendz(&in, "="), 0);
	for (i = 0; i < QP_WS_MAX + 1; i++)
		assert_int_equal(str_appendc(&in, ' '), 0);
	assert_int_equal(str_appendz(&in, "x"), 0);
	assert_int_equal(qp_decode(in.s, in.len, &out, QP_STRICT), -1);
	assert_int_equal(qp_decode(in.s, in.len, &out, 0), 1);
	assert_str(&out, in.s, in.len);

	/* A megabyte of blanks then LF: bounded memory, lenient. */
	str_clear(&in);
	str_clear(&out);
	for (i = 0; i < 1024 * 1024; i++)
		assert_int_equal(str_appendc(&in, ' '), 0);
	assert_int_equal(str_appendc(&in, '\n'), 0);
	assert_int_equal(qp_decode(in.s, in.len, &out, 0), 1);
	assert_true(out.len < in.len);
	assert_int_equal(out.s[out.len - 1], '\n');
	/* At most QP_WS_MAX of the trailing blanks were dropped. */
	assert_true(in.len - out.len <= QP_WS_MAX);
	str_free(&in);
	str_free(&out);
}

static void
test_error_restores_out(void **state)
{
	struct str out = STR_INIT;

	(void)state;
	assert_int_equal(str_appendz(&out, "keep"), 0);
	assert_int_equal(qp_decode("abcdef=4", 8, &out, QP_STRICT), -1);
	assert_string_equal(out.s, "keep");
	assert_int_equal(out.len, 4);
	str_free(&out);
}

static void
test_failure_is_sticky(void **state)
{
	struct str out = STR_INIT;
	struct qpdec st;

	(void)state;
	qpdec_init(&st, QP_STRICT);
	assert_int_equal(qpdec_update(&st, "a=zz", 4, &out), -1);
	errno = 0;
	assert_int_equal(qpdec_update(&st, "b", 1, &out), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(qpdec_final(&st, &out), -1);
	assert_int_equal(errno, EINVAL);
	qpdec_init(&st, QP_STRICT);
	str_clear(&out);
	assert_int_equal(qpdec_update(&st, "b", 1, &out), 0);
	assert_int_equal(qpdec_final(&st, &out), 0);
	assert_string_equal(out.s, "b");
	str_free(&out);
}

static void
test_damage_flag_streaming(void **state)
{
	struct str out = STR_INIT;
	struct qpdec st;

	(void)state;
	qpdec_init(&st, 0);
	assert_int_equal(qpdec_update(&st, "a=41", 4, &out), 0);
	assert_int_equal(st.damaged, 0);
	assert_int_equal(qpdec_update(&st, "=x", 2, &out), 0);
	assert_int_equal(st.damaged, 1);
	assert_int_equal(qpdec_final(&st, &out), 1);
	assert_string_equal(out.s, "aA=x");
	str_free(&out);
}

static void
test_hostile(void **state)
{
	static const char chars[] = "=\r\n \t0aF\0";
	struct str in = STR_INIT, out = STR_INIT;
	char junk[20];
	size_t i, n;

	(void)state;
	/* NUL bytes are data. */
	assert_int_equal(qp_decode("a\0b=00", 6, &out, QP_STRICT), 0);
	assert_str(&out, "a\0b\0", 4);
	check_splits("a\0b=00\0", 7, QP_STRICT);

	/* A megabyte of '=': each is malformed; lenient keeps them. */
	for (i = 0; i < 1024 * 1024; i++)
		assert_int_equal(str_appendc(&in, '='), 0);
	str_clear(&out);
	assert_int_equal(qp_decode(in.s, in.len, &out, 0), 1);
	assert_str(&out, in.s, in.len);
	assert_int_equal(qp_decode(in.s, in.len, &out, QP_STRICT), -1);

	/* Every byte value. */
	str_clear(&in);
	for (i = 0; i < 256; i++)
		assert_int_equal(str_appendc(&in, (char)i), 0);
	check_splits(in.s, in.len, 0);
	check_splits(in.s, in.len, QP_STRICT);

	/* Random strings over an alphabet rich in trouble. */
	for (n = 0; n < 300; n++) {
		for (i = 0; i < sizeof(junk); i++)
			junk[i] = chars[rng() % (sizeof(chars) - 1)];
		check_splits(junk, rng() % sizeof(junk), 0);
		check_splits(junk, rng() % sizeof(junk), QP_STRICT);
	}
	str_free(&in);
	str_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_basic),
		cmocka_unit_test(test_encode_bad_flags),
		cmocka_unit_test(test_encode_line_length),
		cmocka_unit_test(test_encode_appends),
		cmocka_unit_test(test_roundtrip_binary),
		cmocka_unit_test(test_roundtrip_text),
		cmocka_unit_test(test_decode_good),
		cmocka_unit_test(test_strict_rejects),
		cmocka_unit_test(test_lenient_damaged),
		cmocka_unit_test(test_chunk_boundaries),
		cmocka_unit_test(test_whitespace_bound),
		cmocka_unit_test(test_error_restores_out),
		cmocka_unit_test(test_failure_is_sticky),
		cmocka_unit_test(test_damage_flag_streaming),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
