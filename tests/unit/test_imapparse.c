/*
 * Unit tests for lib/imapparse: the reader framing commands (fed whole
 * and one byte at a time), literals of every kind and their refusal,
 * the argument parser, sequence sets, dates and modified UTF-7 names,
 * with hostile input everywhere.
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

#include "imapparse.h"

/*
 * Feeds s[0..n) to r in pieces of step bytes (0: all at once), keeping
 * every literal.  Returns what the last feed returned; *used_r is how
 * many bytes of s were taken; the number of literal headers seen and
 * how many were synchronizing go to *lits_r and *syncs_r.
 */
static int
feed(struct imap_reader *r, const char *s, size_t n, size_t step,
    size_t *used_r, int *lits_r, int *syncs_r)
{
	size_t off = 0;
	int rc = IMAPR_MORE, lits = 0, syncs = 0;

	while (off < n || rc == IMAPR_LITERAL) {
		size_t k = step == 0 || n - off < step ? n - off : step, used;

		rc = imap_reader_feed(r, s + off, k, &used);
		off += used;
		if (rc == IMAPR_LITERAL) {
			lits++;
			syncs += r->lit_sync;
			if (imap_reader_literal_keep(r) < 0)
				imap_reader_literal_refuse(r, "too big");
			continue;
		}
		if (rc != IMAPR_MORE)
			break;
	}
	*used_r = off;
	if (lits_r)
		*lits_r = lits;
	if (syncs_r)
		*syncs_r = syncs;
	return rc;
}

/* One whole command, framed alike whatever the step. */
static void
framed(const char *s, int want_lits, int want_syncs)
{
	size_t steps[] = { 0, 1, 2, 3, 7 }, i, used;

	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		struct imap_reader r;
		int lits, syncs, rc;

		imap_reader_init(&r);
		rc = feed(&r, s, strlen(s), steps[i], &used, &lits, &syncs);
		if (rc != IMAPR_COMMAND || r.bad)
			fail_msg("\"%s\" step %zu: rc %d bad %d why %s", s,
			    steps[i], rc, r.bad, r.why ? r.why : "-");
		assert_int_equal(used, strlen(s));
		assert_int_equal(lits, want_lits);
		assert_int_equal(syncs, want_syncs);
		assert_int_equal(r.buf.len, strlen(s));
		assert_memory_equal(r.buf.s, s, strlen(s));
		imap_reader_free(&r);
	}
}

static void
test_reader_simple(void **state)
{
	(void)state;
	framed("a NOOP\r\n", 0, 0);
	framed("a NOOP\n", 0, 0);
	framed("a LOGIN {3}\r\njoe {6}\r\nsecret\r\n", 2, 2);
	framed("a LOGIN {3+}\r\njoe {6+}\r\nsecret\r\n", 2, 0);
	framed("a LOGIN \"{3}\"\r\n", 0, 0);
	framed("a LOGIN \"a\\\"{3}\"\r\n", 0, 0);
	framed("a X {0}\r\n\r\n", 1, 1);
	/* literal bytes are not looked at: CR, LF, NUL, "{5}\r\n" inside */
	{
		static const char s[] = "a X {9}\r\n\r\n\0{5}\r\n \r\n";
		struct imap_reader r;
		size_t used;
		int lits;

		imap_reader_init(&r);
		assert_int_equal(feed(&r, s, sizeof s - 1, 1, &used, &lits,
				     NULL),
		    IMAPR_COMMAND);
		assert_int_equal(used, sizeof s - 1);
		assert_int_equal(lits, 1);
		assert_false(r.bad);
		imap_reader_free(&r);
	}
}

static void
test_reader_pipeline(void **state)
{
	static const char s[] = "a NOOP\r\nb LOGIN {1+}\r\nx y\r\nc LOGOUT\r\n";
	struct imap_reader r;
	size_t used, off = 0;
	int rc;

	(void)state;
	imap_reader_init(&r);
	rc = imap_reader_feed(&r, s, sizeof s - 1, &used);
	assert_int_equal(rc, IMAPR_COMMAND);
	assert_int_equal(used, 8);
	off += used;
	rc = imap_reader_feed(&r, s + off, sizeof s - 1 - off, &used);
	assert_int_equal(rc, IMAPR_LITERAL);
	assert_int_equal(r.lit_size, 1);
	assert_int_equal(r.lit_sync, 0);
	assert_int_equal(imap_reader_literal_keep(&r), 0);
	off += used;
	rc = imap_reader_feed(&r, s + off, sizeof s - 1 - off, &used);
	assert_int_equal(rc, IMAPR_COMMAND);
	off += used;
	assert_int_equal(r.buf.len, strlen("b LOGIN {1+}\r\nx y\r\n"));
	rc = imap_reader_feed(&r, s + off, sizeof s - 1 - off, &used);
	assert_int_equal(rc, IMAPR_COMMAND);
	assert_string_equal(r.buf.s, "c LOGOUT\r\n");
	off += used;
	assert_int_equal(off, sizeof s - 1);
	imap_reader_free(&r);
}

static void
test_reader_wait(void **state)
{
	struct imap_reader r;
	size_t used;

	(void)state;
	imap_reader_init(&r);
	assert_int_equal(imap_reader_feed(&r, "a X {2}\r\n", 9, &used),
	    IMAPR_LITERAL);
	errno = 0;
	assert_int_equal(imap_reader_feed(&r, "ab\r\n", 4, &used), -1);
	assert_int_equal(errno, EINVAL);
	imap_reader_free(&r);
}

/* A bad command: read through to its end, BAD with a reason, tag kept. */
static void
bad_cmd(const char *s, size_t n, const char *why, const char *tag,
    size_t want_used)
{
	size_t steps[] = { 0, 1, 5 }, i, used;

	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		struct imap_reader r;
		char t[IMAP_TAG_MAX + 1];

		imap_reader_init(&r);
		assert_int_equal(feed(&r, s, n, steps[i], &used, NULL, NULL),
		    IMAPR_COMMAND);
		assert_true(r.bad);
		assert_non_null(r.why);
		if (strstr(r.why, why) == NULL)
			fail_msg("why \"%s\", want \"%s\"", r.why, why);
		assert_int_equal(used, want_used);
		imap_reader_tag(&r, t);
		assert_string_equal(t, tag);
		imap_reader_free(&r);
	}
}

static void
test_reader_bad(void **state)
{
	char *big;
	size_t n;

	(void)state;
	bad_cmd("a NO\0OP\r\nb NOOP\r\n", 17, "NUL", "a", 9);
	bad_cmd("a NO\rOP\r\nb NOOP\r\n", 17, "CR", "a", 9);
	/* a line too long: thrown away through its end; the literal
	 * header at its end is still seen (non-sync: skipped) */
	n = IMAP_LINE_MAX + 100;
	big = malloc(n + 64);
	assert_non_null(big);
	memcpy(big, "tag1 LOGIN ", 11);
	memset(big + 11, 'x', n - 11);
	memcpy(big + n, " {5+}\r\nabcde\r\nb NOOP\r\n", 22);
	bad_cmd(big, n + 22, "too long", "tag1", n + 14);
	/* ... and a synchronizing one ends the command (no "+" comes) */
	memcpy(big + n, " {5}\r\nb NOOP\r\n", 14);
	bad_cmd(big, n + 14, "too long", "tag1", n + 6);
	free(big);
	/* a literal size past 2^32 - 1: never a literal */
	bad_cmd("a LOGIN {4294967296}\r\nb NOOP\r\n", 30, "too large", "a",
	    22);
	bad_cmd("a LOGIN {99999999999999999999999999}\r\nb\r\n", 41,
	    "too large", "a", 38);
	/* a refused literal (too big to keep) */
	bad_cmd("a LOGIN {70000}\r\nb NOOP\r\n", 25, "too big", "a", 17);
	/* an untaggable command */
	bad_cmd("+a NO\0OP\r\n", 10, "NUL", "*", 10);
}

static void
test_reader_close(void **state)
{
	struct imap_reader r;
	size_t used;
	static const char s[] = "a LOGIN {4294967295+}\r\n";
	static const char s2[] = "a NO\0P {2000000+}\r\n";

	(void)state;
	/* too large to keep and to skip: the stream is lost */
	imap_reader_init(&r);
	assert_int_equal(imap_reader_feed(&r, s, sizeof s - 1, &used),
	    IMAPR_LITERAL);
	assert_int_equal(r.lit_size, 4294967295u);
	assert_int_equal(imap_reader_literal_keep(&r), -1);
	imap_reader_literal_refuse(&r, "literal too big");
	assert_int_equal(imap_reader_feed(&r, "x", 1, &used), IMAPR_CLOSE);
	assert_int_equal(used, 0);
	imap_reader_free(&r);
	/* already bad, then a huge non-synchronizing literal */
	imap_reader_init(&r);
	assert_int_equal(imap_reader_feed(&r, s2, sizeof s2 - 1, &used),
	    IMAPR_CLOSE);
	assert_non_null(r.why);
	imap_reader_free(&r);
	/* {10+} refused: the 10 bytes are skipped, the next command read */
	imap_reader_init(&r);
	assert_int_equal(imap_reader_feed(&r, "a X {10+}\r\n", 11, &used),
	    IMAPR_LITERAL);
	imap_reader_literal_refuse(&r, "no");
	assert_int_equal(imap_reader_feed(&r, "0123456789\r\nb NOOP\r\n", 20,
			     &used),
	    IMAPR_COMMAND);
	assert_int_equal(used, 12);
	assert_true(r.bad);
	assert_string_equal(r.why, "no");
	assert_int_equal(imap_reader_feed(&r, "b NOOP\r\n", 8, &used),
	    IMAPR_COMMAND);
	assert_false(r.bad);
	imap_reader_free(&r);
}

static void
test_reader_take(void **state)
{
	struct imap_reader r;
	struct imap_cmd c;
	const char *why;
	size_t used;

	(void)state;
	imap_reader_init(&r);
	imap_cmd_init(&c);
	assert_int_equal(imap_reader_feed(&r,
			     "A1 APPEND INBOX (\\Seen) {11}\r\n", 30, &used),
	    IMAPR_LITERAL);
	assert_int_equal(r.lit_size, 11);
	imap_reader_literal_take(&r);
	/* the caller reads the 11 bytes itself; then the line goes on */
	assert_int_equal(imap_reader_feed(&r, "\r\n", 2, &used),
	    IMAPR_COMMAND);
	assert_int_equal(imap_cmd_parse(&c, r.buf.s, r.buf.len, &why), 0);
	assert_string_equal(c.name, "APPEND");
	assert_int_equal(c.nargs, 3);
	assert_int_equal(c.args[2].type, IMAP_ARG_LITERAL_TAKEN);
	assert_int_equal(c.args[2].size, 11);
	imap_cmd_free(&c);
	/* A client cannot forge a taken literal: NUL never gets in. */
	assert_int_equal(imap_reader_feed(&r, "A2 X {\0" "5}\r\n", 11, &used),
	    IMAPR_COMMAND);
	assert_true(r.bad);
	imap_reader_free(&r);
}

/* ---------------------------------------------------------------- parser */

static void
parse_ok(struct imap_cmd *c, const char *s, size_t n)
{
	const char *why = NULL;

	if (imap_cmd_parse(c, s, n, &why) != 0)
		fail_msg("\"%.*s\" refused: %s", (int)n, s, why);
}

static void
parse_bad(const char *s, size_t n, const char *want_why, const char *tag)
{
	struct imap_cmd c;
	const char *why = NULL;

	imap_cmd_init(&c);
	errno = 0;
	if (imap_cmd_parse(&c, s, n, &why) != -1)
		fail_msg("\"%.*s\" accepted", (int)n, s);
	assert_int_equal(errno, EINVAL);
	assert_non_null(why);
	if (strstr(why, want_why) == NULL)
		fail_msg("\"%.*s\": why \"%s\", want \"%s\"", (int)n, s, why,
		    want_why);
	assert_string_equal(c.tag, tag);
	imap_cmd_free(&c);
}

#define PBAD(z, w, t) parse_bad(z, sizeof(z) - 1, w, t)

static void
test_parse_basic(void **state)
{
	struct imap_cmd c;
	static const char s1[] = "a001 login joe \"se\\\"cr\\\\et\"\r\n";
	static const char s2[] = "x FETCH 1:*,3 (FLAGS BODY.PEEK[HEADER.FIELDS "
				 "(From \"To\")]<0.100> UID)\r\n";
	static const char s3[] = "t STORE 1 +FLAGS.SILENT (\\Seen \\Deleted $Junk)\n";

	(void)state;
	imap_cmd_init(&c);
	parse_ok(&c, s1, sizeof s1 - 1);
	assert_string_equal(c.tag, "a001");
	assert_string_equal(c.name, "LOGIN");
	assert_int_equal(c.nargs, 2);
	assert_int_equal(c.args[0].type, IMAP_ARG_ATOM);
	assert_string_equal(c.args[0].s, "joe");
	assert_int_equal(c.args[1].type, IMAP_ARG_QUOTED);
	assert_string_equal(c.args[1].s, "se\"cr\\et");
	assert_string_equal(imap_arg_astring(&c.args[1]), "se\"cr\\et");

	parse_ok(&c, s2, sizeof s2 - 1);
	assert_string_equal(c.name, "FETCH");
	assert_int_equal(c.nargs, 2);
	assert_string_equal(c.args[0].s, "1:*,3");
	assert_int_equal(c.args[1].type, IMAP_ARG_LIST);
	assert_int_equal(c.args[1].nlist, 3);
	assert_string_equal(c.args[1].list[0].s, "FLAGS");
	assert_string_equal(c.args[1].list[1].s,
	    "BODY.PEEK[HEADER.FIELDS (From \"To\")]<0.100>");
	assert_true(imap_arg_atom_is(&c.args[1].list[2], "uid"));

	parse_ok(&c, s3, sizeof s3 - 1);
	assert_int_equal(c.nargs, 3);
	assert_string_equal(c.args[1].s, "+FLAGS.SILENT");
	assert_int_equal(c.args[2].nlist, 3);
	assert_string_equal(c.args[2].list[0].s, "\\Seen");
	assert_string_equal(c.args[2].list[2].s, "$Junk");

	parse_ok(&c, "b NOOP\r\n", 8);
	assert_string_equal(c.name, "NOOP");
	assert_int_equal(c.nargs, 0);
	/* trailing spaces, empty lists, lists back to back */
	parse_ok(&c, "b X () ((a)(b)) \r\n", 18);
	assert_int_equal(c.nargs, 2);
	assert_int_equal(c.args[0].nlist, 0);
	assert_int_equal(c.args[1].nlist, 2);
	assert_string_equal(c.args[1].list[1].list[0].s, "b");
	assert_true(imap_arg_is_nil(&(struct imap_arg){ .type = IMAP_ARG_ATOM,
	    .s = "nil", .len = 3 }));
	imap_cmd_free(&c);
}

static void
test_parse_literals(void **state)
{
	struct imap_cmd c;
	static const char s1[] = "a LOGIN {3}\r\njoe {7+}\r\nse\0r\r\nt\r\n";
	static const char s2[] = "a SEARCH CHARSET UTF-8 SUBJECT {4}\r\n\xc3\xa9t\xc3\r\n";

	(void)state;
	imap_cmd_init(&c);
	parse_ok(&c, s1, sizeof s1 - 1);
	assert_int_equal(c.nargs, 2);
	assert_int_equal(c.args[0].type, IMAP_ARG_LITERAL);
	assert_int_equal(c.args[0].sync, 1);
	assert_string_equal(c.args[0].s, "joe");
	assert_int_equal(c.args[1].type, IMAP_ARG_LITERAL);
	assert_int_equal(c.args[1].sync, 0);
	assert_int_equal(c.args[1].len, 7);
	assert_memory_equal(c.args[1].s, "se\0r\r\nt", 7);
	/* a literal with a NUL is no astring text */
	assert_null(imap_arg_astring(&c.args[1]));
	parse_ok(&c, s2, sizeof s2 - 1);
	assert_int_equal(c.args[3].len, 4);
	imap_cmd_free(&c);
	PBAD("a LOGIN {-1}\r\n", "bad literal", "a");
	PBAD("a LOGIN {}\r\n", "bad literal", "a");
	PBAD("a LOGIN {1x}\r\nx\r\n", "bad literal", "a");
	PBAD("a LOGIN {4294967296}\r\n", "too large", "a");
	PBAD("a LOGIN {6}\r\nabc\r\n", "past the command", "a");
	PBAD("a LOGIN {5}\r\nabc\r\n", "missing line end", "a");
	PBAD("a LOGIN {3} x\r\n", "end of a line", "a");
	PBAD("a LOGIN {3}\r\nabcd\r\n", "space", "a");
	PBAD("a LOGIN x{3}\r\nabc\r\n", "space", "a");
}

static void
test_parse_bad(void **state)
{
	char deep[200];
	size_t i;

	(void)state;
	PBAD("\r\n", "tag", "*");
	PBAD("a\r\n", "command", "a");
	PBAD("a \r\n", "command", "a");
	PBAD("+ NOOP\r\n", "tag", "*");
	PBAD("a(b NOOP\r\n", "tag", "*");
	PBAD("a NO(OP\r\n", "name", "a");
	PBAD("a NOOP", "line end", "a");
	PBAD("a NOOP\r\nb NOOP\r\n", "after the line end", "a");
	PBAD("a LOGIN \"x\r\n", "unterminated", "a");
	PBAD("a LOGIN \"x\\y\"\r\n", "escape", "a");
	PBAD("a LOGIN x\"y\"\r\n", "space", "a");
	PBAD("a LOGIN (x\r\n", "missing )", "a");
	PBAD("a LOGIN x)\r\n", "unexpected )", "a");
	PBAD("a LOGIN \xc3\xa9\r\n", "8-bit", "a");
	PBAD("a FETCH 1 BODY[HEADER\r\n", "[", "a");
	PBAD("a X \\\r\n", "unexpected", "a");
	PBAD("a CMDNAMEWAYTOOLONGFORANYIMAPCOMMANDXYZ\r\n", "too long", "a");
	/* nesting: IMAP_DEPTH_MAX is fine, one more is not */
	for (i = IMAP_DEPTH_MAX; i <= IMAP_DEPTH_MAX + 1; i++) {
		struct imap_cmd c;
		const char *why = NULL;
		size_t k;

		memcpy(deep, "a X ", 4);
		for (k = 0; k < i; k++) {
			deep[4 + k] = '(';
			deep[4 + i + k] = ')';
		}
		memcpy(deep + 4 + 2 * i, "\r\n", 3);
		imap_cmd_init(&c);
		assert_int_equal(imap_cmd_parse(&c, deep, strlen(deep), &why),
		    i <= IMAP_DEPTH_MAX ? 0 : -1);
		if (i > IMAP_DEPTH_MAX)
			assert_non_null(strstr(why, "nested too deeply"));
		imap_cmd_free(&c);
	}
	/* very deep nesting is refused without recursing through it */
	{
		size_t n = 100000;
		char *s = malloc(n + 8);

		assert_non_null(s);
		memcpy(s, "a X ", 4);
		memset(s + 4, '(', n);
		memcpy(s + 4 + n, "\r\n", 2);
		parse_bad(s, n + 6, "nested too deeply", "a");
		free(s);
	}
	/* too many arguments */
	{
		size_t n = IMAP_ARGS_MAX + 10, k;
		char *s = malloc(n * 2 + 16);

		assert_non_null(s);
		memcpy(s, "a X", 3);
		for (k = 0; k < n; k++)
			memcpy(s + 3 + 2 * k, " x", 2);
		memcpy(s + 3 + 2 * n, "\r\n", 2);
		parse_bad(s, 3 + 2 * n + 2, "too many", "a");
		free(s);
	}
}

/* Every command, cut short at any point, is refused cleanly. */
static void
test_parse_truncated(void **state)
{
	static const char s[] = "a1 APPEND \"INBOX\" (\\Seen) \"01-Jan-2020 "
				"00:00:00 +0000\" {5}\r\nhello\r\n";
	size_t n;

	(void)state;
	for (n = 0; n < sizeof s - 1; n++) {
		struct imap_cmd c;
		const char *why = NULL;
		char *copy = malloc(n ? n : 1);

		assert_non_null(copy);
		memcpy(copy, s, n);
		imap_cmd_init(&c);
		assert_int_equal(imap_cmd_parse(&c, copy, n, &why), -1);
		assert_non_null(why);
		imap_cmd_free(&c);
		free(copy);
	}
}

static void
test_put_string(void **state)
{
	struct str o = STR_INIT;

	(void)state;
	assert_int_equal(imap_put_string(&o, "a\"b\\", 4), 0);
	assert_string_equal(o.s, "\"a\\\"b\\\\\"");
	str_clear(&o);
	assert_int_equal(imap_put_string(&o, "a\r\nb", 4), 0);
	assert_string_equal(o.s, "{4}\r\na\r\nb");
	str_clear(&o);
	assert_int_equal(imap_put_string(&o, NULL, 0), 0);
	assert_string_equal(o.s, "NIL");
	str_clear(&o);
	assert_int_equal(imap_put_astring(&o, "INBOX", 5), 0);
	assert_int_equal(imap_put_astring(&o, " ", 1), 0);
	assert_int_equal(imap_put_astring(&o, "nil", 3), 0);
	assert_int_equal(imap_put_astring(&o, "", 0), 0);
	assert_int_equal(imap_put_astring(&o, "a*", 2), 0);
	assert_string_equal(o.s, "INBOX\" \"\"nil\"\"\"\"a*\"");
	str_free(&o);
}

/* ---------------------------------------------------------------- sets */

static void
set_ok(struct imap_seqset *set, const char *z, uint32_t max,
    const char *want)
{
	struct str o = STR_INIT;
	const char *why = NULL;

	if (imap_seqset_parse(set, z, strlen(z), &why) != 0)
		fail_msg("\"%s\" refused: %s", z, why);
	imap_seqset_resolve(set, max);
	assert_int_equal(imap_seqset_format(set, &o), 0);
	assert_string_equal(o.s ? o.s : "", want);
	str_free(&o);
}

static void
set_bad(const char *z, const char *want)
{
	struct imap_seqset set;
	const char *why = NULL;

	imap_seqset_init(&set);
	if (imap_seqset_parse(&set, z, strlen(z), &why) != -1)
		fail_msg("\"%s\" accepted", z);
	assert_non_null(why);
	if (strstr(why, want) == NULL)
		fail_msg("\"%s\": why \"%s\"", z, why);
	imap_seqset_free(&set);
}

static void
test_seqset(void **state)
{
	struct imap_seqset set;
	char *big;
	size_t i;
	const char *why;

	(void)state;
	imap_seqset_init(&set);
	set_ok(&set, "1", 10, "1");
	set_ok(&set, "1:*", 10, "1:10");
	set_ok(&set, "*", 10, "10");
	set_ok(&set, "*:4", 10, "4:10");
	set_ok(&set, "15:*", 10, "10:15");
	set_ok(&set, "5:3,1,2,9:9,10", 10, "1:5,9:10");
	set_ok(&set, "4294967295", 10, "4294967295");
	set_ok(&set, "1:4294967295,4294967295:7", 10, "1:4294967295");
	set_ok(&set, "4294967294:4294967295,1", 0, "1,4294967294:4294967295");
	assert_true(set.n == 2);
	assert_true(imap_seqset_contains(&set, 1));
	assert_false(imap_seqset_contains(&set, 2));
	assert_true(imap_seqset_contains(&set, 4294967295u));
	assert_int_equal(imap_seqset_max(&set), 4294967295u);
	set_ok(&set, "3,2,1", 0, "1:3");
	assert_true(imap_seqset_contains(&set, 2));
	assert_false(imap_seqset_contains(&set, 4));
	assert_false(imap_seqset_contains(&set, 0));
	set_ok(&set, "1:*", 0, "0:1");
	assert_int_equal(set.star, 1);
	imap_seqset_free(&set);

	set_bad("", "empty");
	set_bad("0", "0");
	set_bad("1:0", "0");
	set_bad("1:4294967296", "too large");
	set_bad("4294967296", "too large");
	set_bad("99999999999999999999999", "too large");
	set_bad("-1", "bad");
	set_bad("1,", "bad");
	set_bad(",1", "bad");
	set_bad("1::2", "bad");
	set_bad("1:2:3", "bad");
	set_bad("1 2", "bad");
	set_bad("**", "bad");
	set_bad("$", "bad");
	/* more ranges than allowed */
	big = malloc(IMAP_SEQ_RANGES_MAX * 2 + 8);
	assert_non_null(big);
	for (i = 0; i <= IMAP_SEQ_RANGES_MAX; i++)
		memcpy(big + 2 * i, "1,", 2);
	big[2 * IMAP_SEQ_RANGES_MAX + 1] = '\0';
	imap_seqset_init(&set);
	errno = 0;
	assert_int_equal(imap_seqset_parse(&set, big, strlen(big), &why), -1);
	assert_int_equal(errno, E2BIG);
	imap_seqset_free(&set);
	free(big);
}

/* ---------------------------------------------------------------- dates */

static void
test_dates(void **state)
{
	time_t t;
	char buf[64];

	(void)state;
	assert_int_equal(imap_date_parse("1-Feb-1994", 10, &t), 0);
	assert_int_equal((long long)t, 760060800LL);
	assert_int_equal(imap_date_parse("01-feb-1994", 11, &t), 0);
	assert_int_equal((long long)t, 760060800LL);
	assert_int_equal(imap_date_parse("29-Feb-2000", 11, &t), 0);
	assert_int_equal(imap_date_parse("29-Feb-1900", 11, &t), -1);
	assert_int_equal(imap_date_parse("31-Apr-2020", 11, &t), -1);
	assert_int_equal(imap_date_parse("0-Jan-2020", 10, &t), -1);
	assert_int_equal(imap_date_parse("1-Foo-2020", 10, &t), -1);
	assert_int_equal(imap_date_parse("1-Jan-20", 8, &t), -1);
	assert_int_equal(imap_date_parse("1-Jan-2020x", 11, &t), -1);
	assert_int_equal(imap_date_parse("", 0, &t), -1);
	assert_int_equal(imap_datetime_parse("17-Jul-1996 02:44:25 -0700", 26,
			     &t),
	    0);
	assert_int_equal((long long)t, 837596665LL);
	assert_int_equal(imap_datetime_parse(" 7-Jul-1996 02:44:25 +0000", 26,
			     &t),
	    0);
	assert_int_equal((long long)t, 836707465LL);
	imap_datetime_format(t, buf, sizeof buf);
	assert_string_equal(buf, "07-Jul-1996 02:44:25 +0000");
	assert_int_equal(imap_datetime_parse("7-Jul-1996 02:44:25 +0000", 25,
			     &t),
	    0);
	assert_int_equal(imap_datetime_parse("17-Jul-1996 24:44:25 -0700", 26,
			     &t),
	    -1);
	assert_int_equal(imap_datetime_parse("17-Jul-1996 02:44:25 -0760", 26,
			     &t),
	    -1);
	assert_int_equal(imap_datetime_parse("17-Jul-1996 02:44:25 0700", 25,
			     &t),
	    -1);
	assert_int_equal(imap_datetime_parse("17-Jul-1996", 11, &t), -1);
}

/* ---------------------------------------------------------------- names */

static void
utf7_pair(const char *utf8, const char *utf7)
{
	struct str o = STR_INIT;

	assert_int_equal(imap_utf7_encode(utf8, strlen(utf8), &o), 0);
	assert_string_equal(o.s ? o.s : "", utf7);
	str_clear(&o);
	assert_int_equal(imap_utf7_decode(utf7, strlen(utf7), &o), 0);
	assert_string_equal(o.s ? o.s : "", utf8);
	str_free(&o);
}

static void
utf7_bad(const char *utf7)
{
	struct str o = STR_INIT;

	assert_int_equal(str_append(&o, "keep", 4), 0);
	errno = 0;
	if (imap_utf7_decode(utf7, strlen(utf7), &o) != -1)
		fail_msg("\"%s\" decoded", utf7);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(o.len, 4); /* restored */
	str_free(&o);
}

static void
test_utf7(void **state)
{
	struct str o = STR_INIT;

	(void)state;
	utf7_pair("", "");
	utf7_pair("INBOX", "INBOX");
	utf7_pair("a&b", "a&-b");
	utf7_pair("&", "&-");
	/* RFC 3501 5.1.3's example */
	utf7_pair("~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac"
		  "\xe8\xaa\x9e",
	    "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
	utf7_pair("Entw\xc3\xbcrfe", "Entw&APw-rfe");
	utf7_pair("\xc3\xa9\xc3\xa9\xc3\xa9", "&AOkA6QDp-");
	/* outside the BMP: a surrogate pair */
	utf7_pair("\xf0\x9f\x98\x80", "&2D3eAA-");

	utf7_bad("&");
	utf7_bad("&AGE");	   /* no '-' */
	utf7_bad("&-&");
	utf7_bad("&AGE-");	   /* 'a' encoded */
	utf7_bad("&AOk-&AOk-");	   /* two runs in a row */
	utf7_bad("&AOkA-");	   /* bits left over */
	utf7_bad("&AOl-");	   /* non-zero padding bits */
	utf7_bad("&2D0-");	   /* high surrogate alone */
	utf7_bad("&3gA-");	   /* low surrogate alone */
	utf7_bad("&AOk/-");	   /* '/' is not modified base64 */
	utf7_bad("a\tb");
	utf7_bad("\xc3\xa9");	   /* raw 8-bit */
	utf7_bad("&AAE-");	   /* a control character */
	/* invalid UTF-8 and controls are not encoded */
	assert_int_equal(imap_utf7_encode("\xc3", 1, &o), -1);
	assert_int_equal(imap_utf7_encode("\xc0\xaf", 2, &o), -1);
	assert_int_equal(imap_utf7_encode("\xed\xa0\x80", 3, &o), -1);
	assert_int_equal(imap_utf7_encode("a\nb", 3, &o), -1);
	assert_int_equal(imap_utf7_encode("\xc2\x85", 2, &o), -1);
	assert_int_equal(o.len, 0);
	str_free(&o);
}

static void
mbox_bad(const char *z, const char *want)
{
	const char *why = NULL;

	if (imap_mailbox_check(z, strlen(z), '.', &why) != -1)
		fail_msg("\"%s\" accepted", z);
	if (why == NULL || strstr(why, want) == NULL)
		fail_msg("\"%s\": why \"%s\"", z, why ? why : "-");
}

static void
test_mailbox(void **state)
{
	const char *why;
	char big[300];

	(void)state;
	assert_int_equal(imap_mailbox_check("INBOX", 5, '.', &why), 0);
	assert_int_equal(imap_mailbox_check("Lists.foo", 9, '.', &why), 0);
	assert_int_equal(imap_mailbox_check("Entw&APw-rfe", 12, '.', &why), 0);
	assert_int_equal(imap_mailbox_check("a b", 3, '.', &why), 0);
	mbox_bad("", "empty");
	mbox_bad("..", "empty level");
	mbox_bad("a..b", "empty level");
	mbox_bad(".a", "empty level");
	mbox_bad("a.", "empty level");
	mbox_bad("a/b", "'/'");
	mbox_bad("../etc", "'/'");
	mbox_bad("a%", "wildcard");
	mbox_bad("*", "wildcard");
	mbox_bad("&AGE-", "UTF-7");
	mbox_bad("\xc3\xa9", "UTF-7");
	mbox_bad("a\x01", "UTF-7");
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	mbox_bad(big, "too long");
	/* with '/' as separator, "." and ".." levels */
	assert_int_equal(imap_mailbox_check("a/./b", 5, '/', &why), -1);
	assert_int_equal(imap_mailbox_check("x.y", 3, '/', &why), 0);
	assert_int_equal(imap_mailbox_check("..", 2, '/', &why), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_simple),
		cmocka_unit_test(test_reader_pipeline),
		cmocka_unit_test(test_reader_wait),
		cmocka_unit_test(test_reader_bad),
		cmocka_unit_test(test_reader_close),
		cmocka_unit_test(test_reader_take),
		cmocka_unit_test(test_parse_basic),
		cmocka_unit_test(test_parse_literals),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_truncated),
		cmocka_unit_test(test_put_string),
		cmocka_unit_test(test_seqset),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_utf7),
		cmocka_unit_test(test_mailbox),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
