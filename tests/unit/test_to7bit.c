/*
 * Unit tests for lib/to7bit: non-MIME and MIME messages, nested
 * multiparts, message/rfc822, the scan pass, long lines and headers,
 * and the same output however the input is split.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "qp.h"
#include "to7bit.h"

static struct to7bit t;

/* Scan, then convert, in pieces of step bytes (0: all at once). */
static void
convert(const char *in, size_t len, size_t step, int scan, struct str *out)
{
	unsigned char parts8[sizeof(t.parts8)];
	size_t i, n;

	memset(parts8, 0, sizeof(parts8));
	if (scan) {
		to7bit_init(&t, 1);
		assert_int_equal(to7bit_feed(&t, in, len, NULL), 0);
		assert_int_equal(to7bit_end(&t, NULL), 0);
		memcpy(parts8, t.parts8, sizeof(parts8));
	}
	to7bit_init(&t, 0);
	memcpy(t.parts8, parts8, sizeof(parts8));
	str_clear(out);
	for (i = 0; i < len; i += n) {
		n = step == 0 || len - i < step ? len - i : step;
		assert_int_equal(to7bit_feed(&t, in + i, n, out), 0);
	}
	assert_int_equal(to7bit_end(&t, out), 0);
	if (out->s == NULL)
		assert_int_equal(str_appendz(out, ""), 0);
}

static void
expect(const char *in, const char *want)
{
	struct str out = STR_INIT;
	size_t step;

	for (step = 0; step < 4; step++) {
		convert(in, strlen(in), step == 3 ? 7 : step, 1, &out);
		assert_string_equal(out.s, want);
	}
	str_free(&out);
	to7bit_free(&t);
}

static int
all7bit(const struct str *s)
{
	size_t i;

	for (i = 0; i < s->len; i++)
		if ((unsigned char)s->s[i] >= 0x80)
			return 0;
	return 1;
}

static void
test_plain7(void **state)
{
	(void)state;
	/* Nothing to do: the same bytes, LF line ends. */
	expect("Subject: hi\r\nTo: a@b\r\n\r\nbody\r\n.dot\r\n",
	    "Subject: hi\nTo: a@b\n\nbody\n.dot\n");
	expect("Subject: no body", "Subject: no body\n");
	expect("", "");
	expect("A: b\n\nno final newline", "A: b\n\nno final newline\n");
	/* 8-bit in a header only: sent as it is. */
	expect("X-Byte: caf\xc3\xa9\n\nplain\n", "X-Byte: caf\xc3\xa9\n\nplain\n");
}

static void
test_nonmime8(void **state)
{
	(void)state;
	expect("Subject: x\n\ncaf\xc3\xa9 =\nline two \n",
	    "Subject: x\nMIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=unknown-8bit\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n"
	    "caf=C3=A9 =3D\nline two=20\n");
}

static void
test_declared8(void **state)
{
	(void)state;
	/* Declared 8bit: converted even with no 8-bit byte. */
	expect("MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
	       "Content-Transfer-Encoding: 8bit\nSubject: s\n\n\xe2\x82\xac 5\n",
	    "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
	    "Subject: s\nContent-Transfer-Encoding: quoted-printable\n\n"
	    "=E2=82=AC 5\n");
	expect("Content-Transfer-Encoding:  BINARY (comment)\n\nabc\n",
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=unknown-8bit\n"
	    "Content-Transfer-Encoding: quoted-printable\n\nabc\n");
	/* Already encoded parts are left alone. */
	expect("Content-Transfer-Encoding: base64\n\nYWJj\n",
	    "Content-Transfer-Encoding: base64\n\nYWJj\n");
}

static const char multi[] =
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed;\r\n boundary=\"=_outer b\"\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "preamble \xff\r\n"
    "--=_outer b\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "seven bit\r\n"
    "--=_outer b\r\n"
    "Content-Type: multipart/alternative; boundary=inner\r\n"
    "\r\n"
    "--inner\r\n"
    "Content-Type: text/plain; charset=iso-8859-1\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "d\xe9j\xe0\r\n"
    "--inner\r\n"
    "Content-Type: text/html\r\n"
    "\r\n"
    "<p>undeclared \xc3\xa9</p>\r\n"
    "--inner--\r\n"
    "inner epilogue\r\n"
    "--=_outer b\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "Subject: inner message\r\n"
    "\r\n"
    "inner body \xc3\xa9\r\n"
    "--=_outer b\r\n"
    "Content-Type: application/octet-stream\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "AAEC\r\n"
    "--=_outer b--  \r\n"
    "epilogue \xc3\xa9\r\n";

static const char multi_want[] =
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed;\n boundary=\"=_outer b\"\n"
    "Content-Transfer-Encoding: 7bit\n"
    "\n"
    "preamble ?\n"
    "--=_outer b\n"
    "Content-Type: text/plain\n"
    "\n"
    "seven bit\n"
    "--=_outer b\n"
    "Content-Type: multipart/alternative; boundary=inner\n"
    "\n"
    "--inner\n"
    "Content-Type: text/plain; charset=iso-8859-1\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "d=E9j=E0\n"
    "--inner\n"
    "Content-Type: text/html\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "<p>undeclared =C3=A9</p>\n"
    "--inner--\n"
    "inner epilogue\n"
    "--=_outer b\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "Subject: inner message\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=unknown-8bit\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "inner body =C3=A9\n"
    "--=_outer b\n"
    "Content-Type: application/octet-stream\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "AAEC\n"
    "--=_outer b--  \n"
    "epilogue ??\n";

static void
test_multipart(void **state)
{
	(void)state;
	expect(multi, multi_want);
}

static void
test_noscan(void **state)
{
	struct str out = STR_INIT;

	(void)state;
	/* Without the scan, only declared 8bit parts are converted. */
	convert(multi, sizeof(multi) - 1, 0, 0, &out);
	assert_non_null(strstr(out.s, "d=E9j=E0\n"));
	assert_non_null(strstr(out.s, "<p>undeclared \xc3\xa9</p>\n"));
	str_free(&out);
	to7bit_free(&t);
}

static void
test_scan(void **state)
{
	(void)state;
	to7bit_init(&t, 1);
	assert_int_equal(to7bit_feed(&t, multi, sizeof(multi) - 1, NULL), 0);
	assert_int_equal(to7bit_end(&t, NULL), 0);
	/* Leaves: text, 8bit text, html, inner message, octet-stream. */
	assert_int_equal(t.nleaf, 5);
	assert_int_equal(t.parts8[0], 0x02 | 0x04 | 0x08);
	assert_int_equal(t.body8, 1);
	assert_int_equal(t.hdr8, 0);
	to7bit_init(&t, 1);
	assert_int_equal(to7bit_feed(&t, "A: \xc3\xa9\n\nx\n", 10, NULL), 0);
	assert_int_equal(t.hdr8, 1);
	assert_int_equal(t.body8, 0);
	to7bit_free(&t);
}

static void
test_longline(void **state)
{
	struct str in = STR_INIT, out = STR_INIT, dec = STR_INIT;
	const char *body;
	size_t i, col, step;

	(void)state;
	assert_int_equal(str_appendz(&in, "Content-Transfer-Encoding: 8bit\n\n"), 0);
	for (i = 0; i < 3 * TO7BIT_LINE_MAX + 11; i++)
		assert_int_equal(str_appendc(&in, (char)(i % 7 == 0 ? 0xe9 :
		    i % 5 == 0 ? ' ' : 'a' + i % 26)), 0);
	assert_int_equal(str_appendz(&in, "\r\nend\n"), 0);
	for (step = 0; step < 2; step++) {
		convert(in.s, in.len, step ? 1000 : 0, 1, &out);
		assert_true(all7bit(&out));
		for (col = 0, i = 0; i < out.len; i++) {
			col = out.s[i] == '\n' ? 0 : col + 1;
			assert_true(col <= QP_LINE_MAX);
		}
		body = strstr(out.s, "\n\n") + 2;
		str_clear(&dec);
		assert_int_equal(qp_decode(body, strlen(body), &dec, QP_STRICT), 0);
		assert_int_equal(dec.len, in.len - 33 - 1);
		assert_memory_equal(dec.s, in.s + 33, 3 * TO7BIT_LINE_MAX + 11);
		assert_memory_equal(dec.s + dec.len - 5, "\nend\n", 5);
	}
	/* A long line that is all 7-bit passes unchanged, in pieces. */
	str_clear(&in);
	assert_int_equal(str_appendz(&in, "S: x\n\n"), 0);
	for (i = 0; i < 2 * TO7BIT_LINE_MAX; i++)
		assert_int_equal(str_appendc(&in, 'b'), 0);
	assert_int_equal(str_appendz(&in, "\r\n"), 0);
	convert(in.s, in.len, 0, 1, &out);
	assert_int_equal(out.len, in.len - 1);
	str_free(&in);
	str_free(&out);
	str_free(&dec);
	to7bit_free(&t);
}

static void
test_longheader(void **state)
{
	struct str in = STR_INIT, out = STR_INIT;
	size_t i;

	(void)state;
	/* Too long to hold: sent as it is, the body not converted. */
	assert_int_equal(str_appendz(&in, "Content-Transfer-Encoding: 8bit\n"), 0);
	for (i = 0; i < TO7BIT_HDR_MAX / 40; i++)
		assert_int_equal(str_appendz(&in, "X-Filler: 0123456789012345678"
		    "9012345678901234\n"), 0);
	assert_int_equal(str_appendz(&in, "\n\xe9t\xe9\n"), 0);
	convert(in.s, in.len, 0, 1, &out);
	assert_int_equal(out.len, in.len);
	assert_memory_equal(out.s, in.s, in.len);
	str_free(&in);
	str_free(&out);
	to7bit_free(&t);
}

static void
test_edges(void **state)
{
	(void)state;
	/* A boundary inside an unfinished part header ends that part. */
	expect("Content-Type: multipart/mixed; boundary=b\n\n--b\n"
	       "Content-Type: text/plain\n--b\nContent-Transfer-Encoding: 8bit\n"
	       "\n\xe9\n--b--\n",
	    "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
	    "Content-Type: text/plain\n--b\n"
	    "Content-Type: text/plain; charset=unknown-8bit\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n=E9\n--b--\n");
	/* A multipart without a boundary is a leaf. */
	expect("Content-Type: multipart/mixed\nContent-Transfer-Encoding: 8bit\n"
	       "\n--b\n",
	    "Content-Type: multipart/mixed\nMIME-Version: 1.0\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n--b\n");
	/* Lines that only start like the boundary are body lines. */
	expect("Content-Type: multipart/mixed; boundary=b\n\n--b\n\n"
	       "--bx \xe9\n--b--\n",
	    "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
	    "Content-Type: text/plain; charset=unknown-8bit\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n"
	    "--bx =E9\n--b--\n");
}

static void
test_deep(void **state)
{
	struct str in = STR_INIT, out = STR_INIT;
	size_t i;

	(void)state;
	/* Nested past TO7BIT_DEPTH: the deepest multipart is a leaf that is
	 * never made quoted-printable; the levels above still work. */
	for (i = 0; i <= TO7BIT_DEPTH; i++)
		assert_int_equal(str_printf(&in, "Content-Type: multipart/mixed; "
		    "boundary=b%zu\nContent-Transfer-Encoding: 8bit\n\n--b%zu\n",
		    i, i), 0);
	assert_int_equal(str_appendz(&in, "\xe9\n"), 0);
	convert(in.s, in.len, 0, 1, &out);
	assert_null(strstr(out.s, "quoted-printable"));
	assert_non_null(strstr(out.s, "boundary=b16\nContent-Transfer-Encoding: 8bit\n"));
	assert_non_null(strstr(out.s, "boundary=b15\nContent-Transfer-Encoding: 7bit\n"));
	assert_non_null(strstr(out.s, "\xe9\n"));
	str_free(&in);
	str_free(&out);
	to7bit_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain7),
		cmocka_unit_test(test_nonmime8),
		cmocka_unit_test(test_declared8),
		cmocka_unit_test(test_multipart),
		cmocka_unit_test(test_noscan),
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_longline),
		cmocka_unit_test(test_longheader),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_deep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
