/*
 * Unit tests for lib/qstate: the state file written and read back, torn
 * and damaged lines, the envelope parser, durations and the backoff.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qstate.h"
#include "smtpaddr.h"

static void
build(struct str *s)
{
	assert_int_equal(qstate_fmt_header(s, 1796359906), 0);
	assert_int_equal(qstate_fmt_rcpt(s, 0, 0, QK_LOCAL, "joe@demo.test",
	    "joe"), 0);
	assert_int_equal(qstate_fmt_rcpt(s, 1, 1, QK_REMOTE, "bob@x.example",
	    "x.example"), 0);
	assert_int_equal(qstate_fmt_rcpt(s, 2, 1, QK_PIPE, "list@demo.test",
	    "/usr/bin/procmail -a x"), 0);
	assert_int_equal(qstate_fmt_rcpt(s, 3, 2, QK_ERROR, "nobody@demo.test",
	    "5.1.1 alias\texpands\nto nothing"), 0);
	assert_int_equal(qstate_fmt_result(s, 1, 1796359910, QRES_TEMP,
	    1796360210, "mx.x.example", "451 4.3.0 try\tlater\r\n"), 0);
	assert_int_equal(qstate_fmt_result(s, 0, 1796359911, QRES_OK, 0, "",
	    ""), 0);
	assert_int_equal(qstate_fmt_result(s, 2, 1796359912, QRES_PERM, 0,
	    NULL, "5.2.2 over quota"), 0);
}

static void
test_roundtrip(void **unused)
{
	struct str s = STR_INIT;
	struct qstate qs;
	unsigned line = 0;

	(void)unused;
	build(&s);
	assert_int_equal(qstate_fmt_warned(&s, 1796360000), 0);
	assert_int_equal(qstate_parse(s.s, s.len, &qs, &line), 0);
	assert_int_equal(qs.created, 1796359906);
	assert_int_equal(qs.n, 4);
	assert_false(qs.torn);
	assert_string_equal(qs.r[0].addr, "joe@demo.test");
	assert_string_equal(qs.r[0].target, "joe");
	assert_int_equal(qs.r[0].kind, QK_LOCAL);
	assert_int_equal(qs.r[0].state, QS_OK);
	assert_int_equal(qs.r[1].kind, QK_REMOTE);
	assert_int_equal(qs.r[1].state, QS_PENDING);
	assert_int_equal(qs.r[1].attempts, 1);
	assert_int_equal(qs.r[1].next, 1796360210);
	assert_string_equal(qs.r[1].mta, "mx.x.example");
	/* Control bytes in text became spaces: no record can be forged. */
	assert_string_equal(qs.r[1].diag, "451 4.3.0 try later  ");
	assert_int_equal(qs.r[2].state, QS_PERM);
	assert_null(qs.r[2].mta);
	assert_int_equal(qs.r[3].kind, QK_ERROR);
	assert_int_equal(qs.r[3].state, QS_PERM);
	assert_string_equal(qs.r[3].target, "5.1.1 alias expands to nothing");
	assert_int_equal(qs.r[3].orig, 2);
	assert_int_equal(qs.warned, 1796360000);
	assert_int_equal(qs.done, 0);
	qstate_free(&qs);

	/* A later temp, then expired. */
	assert_int_equal(qstate_fmt_result(&s, 1, 1796360300, QRES_EXPIRED, 0,
	    "mx.x.example", "451 4.3.0 still"), 0);
	assert_int_equal(qstate_fmt_done(&s, 1796360301, "bounce 1.2.3"), 0);
	assert_int_equal(qstate_parse(s.s, s.len, &qs, NULL), 0);
	assert_int_equal(qs.r[1].state, QS_PERM);
	assert_true(qs.r[1].expired);
	assert_int_equal(qs.r[1].attempts, 2);
	assert_int_equal(qs.done, 1796360301);
	qstate_free(&qs);
	str_free(&s);
}

static void
test_torn(void **unused)
{
	struct str s = STR_INIT;
	struct qstate qs;
	size_t full;

	(void)unused;
	build(&s);
	full = s.len;
	assert_int_equal(qstate_fmt_result(&s, 2, 1796359999, QRES_OK, 0, "",
	    ""), 0);
	/* Every cut of the last record: it is ignored, the rest stands. */
	for (size_t cut = full + 1; cut < s.len; cut++) {
		assert_int_equal(qstate_parse(s.s, cut, &qs, NULL), 0);
		assert_true(qs.torn);
		assert_int_equal(qs.r[2].state, QS_PERM);
		qstate_free(&qs);
	}
	/* A last line whose bytes were damaged (CRC) is torn too. */
	s.s[s.len - 5] ^= 1;
	assert_int_equal(qstate_parse(s.s, s.len, &qs, NULL), 0);
	assert_true(qs.torn);
	qstate_free(&qs);
	s.s[s.len - 5] ^= 1;
	/* ... but a damaged line in the middle is an error. */
	s.s[full - 3] ^= 1;
	{
		unsigned line = 0;

		assert_int_equal(qstate_parse(s.s, s.len, &qs, &line), -1);
		assert_int_equal(errno, EINVAL);
		assert_int_equal(line, 8);
		qstate_free(&qs);
	}
	str_free(&s);
}

static void
bad_state(const char *text)
{
	struct qstate qs;

	assert_int_equal(qstate_parse(text, strlen(text), &qs, NULL), -1);
	qstate_free(&qs);
}

/* Adds the CRC to each line of a text without one. */
static void
crc_lines(const char *text, struct str *out)
{
	/* Reuse the formatter's CRC by formatting a done record and
	 * comparing is not possible for arbitrary text; compute it here. */
	while (*text != '\0') {
		const char *lf = strchr(text, '\n');
		size_t n = (size_t)(lf - text);
		uint32_t c = 0xffffffffu;

		for (size_t i = 0; i < n; i++) {
			c ^= (unsigned char)text[i];
			for (int k = 0; k < 8; k++)
				c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
		}
		assert_int_equal(str_append(out, text, n), 0);
		assert_int_equal(str_printf(out, "\t%08x\n",
		    (unsigned)(c ^ 0xffffffffu)), 0);
		text = lf + 1;
	}
}

static void
bad_lines(const char *text)
{
	struct str s = STR_INIT;

	crc_lines(text, &s);
	/* With a good line after it, so it is not the torn last line. */
	crc_lines("W\t5\n", &s);
	bad_state(s.s);
	str_free(&s);
}

static void
test_bad(void **unused)
{
	struct str s = STR_INIT;
	struct qstate qs;

	(void)unused;
	bad_state("");
	bad_state("Q1\t5\n"); /* no CRC */
	bad_lines("Q2\t5\n");
	bad_lines("Q1\tx\n");
	bad_lines("Q1\t5\nR\t1\t0\tlocal\ta\tb\n");	  /* index not in order */
	bad_lines("Q1\t5\nR\t0\t0\tlocalx\ta\tb\n");	  /* kind */
	bad_lines("Q1\t5\nR\t0\t0\tlocal\ta\t\n");	  /* no target */
	bad_lines("Q1\t5\nR\t0\t0\tlocal\ta\n");	  /* fields */
	bad_lines("Q1\t5\nD\t0\t5\tok\t0\t\t\n");	  /* no such rcpt */
	bad_lines("Q1\t5\nR\t0\t0\tlocal\ta\tb\nD\t0\t5\tmaybe\t0\t\t\n");
	bad_lines("Q1\t5\nR\t0\t0\tlocal\ta\tb\nD\t0\t-5\tok\t0\t\t\n");
	bad_lines("Q1\t5\nW\t5\nR\t0\t0\tlocal\ta\tb\n"); /* R after W */
	bad_lines("Q1\t5\nZ\t5\n");
	bad_lines("Q1\t5\nWW\t5\n");
	bad_lines("Q1\t5\nR\t0\t0\tlocal\ta\x01\tb\n");   /* control byte */
	/* A good file made by hand, to see the helper is right. */
	crc_lines("Q1\t5\nR\t0\t0\tlocal\ta\tb\nK\t6\tmailq\n", &s);
	assert_int_equal(qstate_parse(s.s, s.len, &qs, NULL), 0);
	assert_int_equal(qs.deleted, 6);
	qstate_free(&qs);
	str_free(&s);
	/* Formatters refuse what would break a record. */
	assert_int_equal(qstate_fmt_rcpt(&s, 0, 0, QK_LOCAL, "a\tb", "c"), -1);
	assert_int_equal(qstate_fmt_rcpt(&s, 0, 0, QK_LOCAL, "a", "c\nd"), -1);
	assert_int_equal(qstate_fmt_rcpt(&s, 0, 0, QK_LOCAL, "a", ""), -1);
	assert_int_equal(s.len, 0);
	str_free(&s);
}

static void
test_env(void **unused)
{
	static const char env[] = "V1\0t1796359906\0u110\0Falice@example.org"
	    "\0EQQ+2B1\0RHDRS\0B8BITMIME\0U\0Aalice\0Tbob@example.net\0"
	    "NSUCCESS,FAILURE\0Orfc822;bob+40example.net\0Tcarol@x\0"
	    "NNEVER\0Tdave@y\0\0";
	struct qenv e;

	(void)unused;
	assert_int_equal(qenv_parse(env, sizeof env - 1, &e), 0);
	assert_int_equal(e.arrival, 1796359906);
	assert_string_equal(e.sender, "alice@example.org");
	assert_string_equal(e.envid, "QQ+2B1");
	assert_int_equal(e.ret, 2);
	assert_true(e.body8);
	assert_true(e.utf8);
	assert_int_equal(e.n, 3);
	assert_string_equal(e.r[0].addr, "bob@example.net");
	assert_int_equal(e.r[0].notify,
	    SMTP_NOTIFY_SUCCESS | SMTP_NOTIFY_FAILURE);
	assert_string_equal(e.r[0].orcpt, "rfc822;bob+40example.net");
	assert_int_equal(e.r[1].notify, SMTP_NOTIFY_NEVER);
	assert_null(e.r[1].orcpt);
	assert_int_equal(e.r[2].notify, 0);
	qenv_free(&e);

	/* The null sender. */
	assert_int_equal(qenv_parse("V1\0F\0Ta@b\0\0", 11, &e), 0);
	assert_string_equal(e.sender, "");
	qenv_free(&e);
}

static void
bad_env(const char *p, size_t n, int err)
{
	struct qenv e;

	errno = 0;
	assert_int_equal(qenv_parse(p, n, &e), -1);
	assert_int_equal(errno, err);
}

static void
test_env_bad(void **unused)
{
	(void)unused;
	bad_env("", 0, EINVAL);
	bad_env("V2\0Fa\0Tb\0\0", 10, ENOTSUP);
	bad_env("V1\0Fa\0Tb\0Xnew\0\0", 15, ENOTSUP); /* a newer writer */
	bad_env("V1\0Fa\0Tb\0", 9, EINVAL);	      /* no end */
	bad_env("V1\0Fa\0\0", 7, EINVAL);	      /* no recipient */
	bad_env("V1\0Tb\0Fa\0\0", 10, EINVAL);	      /* T before F */
	bad_env("V1\0Fa\0Tb\0NSOMETIMES\0\0", 21, EINVAL);
	bad_env("V1\0Fa\0Tb\0NSUCCESS,\0\0", 19, EINVAL);
	bad_env("V1\0Fa\0Tb\0Onone\0\0", 16, EINVAL);
	bad_env("V1\0Fa\0Tb\0RFULL\0\0", 16, EINVAL);  /* R after T */
	bad_env("V1\0Fa\0Fb\0Tb\0\0", 13, EINVAL);
	bad_env("V1\0Fa\x01\0Tb\0\0", 11, EINVAL);
	{
		/* Lower-case records are informational: ignored. */
		struct qenv e;

		assert_int_equal(qenv_parse("V1\0znew\0Fa\0Tb\0\0", 15, &e), 0);
		qenv_free(&e);
	}
}

static void
test_duration(void **unused)
{
	uint64_t v;

	(void)unused;
	assert_int_equal(qstate_duration("300", &v), 0);
	assert_int_equal(v, 300);
	assert_int_equal(qstate_duration("300s", &v), 0);
	assert_int_equal(v, 300);
	assert_int_equal(qstate_duration("5m", &v), 0);
	assert_int_equal(v, 300);
	assert_int_equal(qstate_duration("5d", &v), 0);
	assert_int_equal(v, 432000);
	assert_int_equal(qstate_duration("2w", &v), 0);
	assert_int_equal(v, 1209600);
	assert_int_equal(qstate_duration("1h", &v), 0);
	assert_int_equal(v, 3600);
	assert_int_equal(qstate_duration("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(qstate_duration("", &v), -1);
	assert_int_equal(qstate_duration("d", &v), -1);
	assert_int_equal(qstate_duration("5x", &v), -1);
	assert_int_equal(qstate_duration("5dd", &v), -1);
	assert_int_equal(qstate_duration("-5", &v), -1);
	assert_int_equal(qstate_duration("99999999999w", &v), -1);
	assert_int_equal(errno, ERANGE);
}

static void
test_backoff(void **unused)
{
	(void)unused;
	assert_int_equal(qstate_backoff(1, 300, 4000), 300);
	assert_int_equal(qstate_backoff(2, 300, 4000), 600);
	assert_int_equal(qstate_backoff(3, 300, 4000), 1200);
	assert_int_equal(qstate_backoff(4, 300, 4000), 2400);
	assert_int_equal(qstate_backoff(5, 300, 4000), 4000);
	assert_int_equal(qstate_backoff(1000000, 300, 4000), 4000);
	assert_int_equal(qstate_backoff(3, 1, 1), 1);
	assert_int_equal(qstate_backoff(3, 10, 5), 10); /* max below min */
	assert_int_equal(qstate_backoff(80, UINT64_MAX / 2, UINT64_MAX),
	    UINT64_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_torn),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_env_bad),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_backoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
