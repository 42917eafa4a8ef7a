/*
 * Unit tests for lib/passwd: the password-database line and file
 * parsers, their error positions, hostile input, and formatting back.
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

#include "passwd.h"

#define SALT "c29tZXNhbHRzb21lc2FsdA"
#define HV "Vr6bTMxjDzT5TIrfS8bRj3vCbbyAbb4W7pEi1dd3fXU"
#define HASH "$argon2id$v=19$m=65536,t=2,p=1$" SALT "$" HV
#define LINE "joe:" HASH ":1001:100:/home/joe::"

static int
parse(const char *line, struct passwd_entry *e, struct passwd_err *err)
{
	memset(err, 0, sizeof *err);
	return passwd_parse_line(line, strlen(line), e, err);
}

/* Expects line to fail at column col with a reason containing why. */
static void
bad(const char *line, unsigned col, const char *why)
{
	struct passwd_entry e;
	struct passwd_err err;

	errno = 0;
	if (parse(line, &e, &err) != -1)
		fail_msg("accepted: %s", line);
	assert_int_equal(errno, EINVAL);
	if (err.col != col || strstr(err.reason, why) == NULL)
		fail_msg("%s: got col %u '%s', want col %u '%s'", line,
		    err.col, err.reason, col, why);
}

static void
test_good(void **state)
{
	struct passwd_entry e;
	struct passwd_err err;

	(void)state;
	assert_int_equal(parse(LINE, &e, &err), 0);
	assert_string_equal(e.user, "joe");
	assert_string_equal(e.hash, HASH);
	assert_int_equal(e.locked, 0);
	assert_int_equal(e.uid, 1001);
	assert_int_equal(e.gid, 100);
	assert_string_equal(e.home, "/home/joe");
	assert_string_equal(e.maildir, "");
	assert_int_equal(e.cram_len, 0);
	assert_int_equal(e.cost.m_kib, 65536);
	assert_int_equal(e.cost.t, 2);
	assert_int_equal(e.cost.p, 1);

	assert_int_equal(parse("joe.b+x@example.org:!" HASH
	    ":4294967294:7:/var/vmail:/var/vmail/example.org/joe/:"
	    "cram-md5=74616e7374616166",
	    &e, &err), 0);
	assert_string_equal(e.user, "joe.b+x@example.org");
	assert_int_equal(e.locked, 1);
	assert_string_equal(e.hash, HASH);
	assert_int_equal(e.uid, 4294967294u);
	assert_string_equal(e.maildir, "/var/vmail/example.org/joe/");
	assert_int_equal(e.cram_len, 8);
	assert_memory_equal(e.cram, "tanstaaf", 8);
	assert_int_equal(parse("a:" HASH ":1:1:/::cram-md5=0A", &e, &err), 0);
	assert_int_equal(e.cram_len, 1);
	assert_int_equal(e.cram[0], 10);
}

static void
test_fields(void **state)
{
	char buf[2048];

	(void)state;
	bad("", 1, "fewer than 7 fields");
	bad("joe:" HASH ":1:1:/h:", sizeof("joe:" HASH ":1:1:/h:"),
	    "fewer than 7 fields");
	bad(LINE ":", sizeof(LINE), "more than 7 fields");
	bad(":" HASH ":1:1:/h::", 1, "bad user name");
	bad("-joe:" HASH ":1:1:/h::", 1, "bad user name");
	bad("jo e:" HASH ":1:1:/h::", 3, "bad user name");
	bad("jo/e:" HASH ":1:1:/h::", 3, "bad user name");
	memset(buf, 'a', 65);
	snprintf(buf + 65, sizeof buf - 65, ":%s:1:1:/h::", HASH);
	bad(buf, 1, "user name too long");
	/* 64 bytes is fine. */
	memmove(buf + 64, buf + 65, strlen(buf + 65) + 1);
	{
		struct passwd_entry e;
		struct passwd_err err;

		assert_int_equal(parse(buf, &e, &err), 0);
		assert_int_equal(strlen(e.user), 64);
	}
	bad("joe:" HASH ":0:1:/h::", 5 + sizeof HASH - 1 + 1, "uid");
	bad("joe:" HASH ":1:0:/h::", 5 + sizeof HASH - 1 + 3, "gid");
	bad("joe:" HASH ":-1:1:/h::", 5 + sizeof HASH, "uid");
	bad("joe:" HASH ":4294967295:1:/h::", 5 + sizeof HASH, "uid");
	bad("joe:" HASH ":1x:1:/h::", 5 + sizeof HASH, "uid");
	bad("joe:" HASH ": 1:1:/h::", 5 + sizeof HASH, "uid");
	bad("joe:" HASH ":1:1:h::", 5 + sizeof HASH + 4, "not absolute");
	bad("joe:" HASH ":1:1:::", 5 + sizeof HASH + 4, "not absolute");
	bad("joe:" HASH ":1:1:/a/../b::", 5 + sizeof HASH + 4 + 3,
	    ". or ..");
	bad("joe:" HASH ":1:1:/a/.::", 5 + sizeof HASH + 4 + 3, ". or ..");
	bad("joe:" HASH ":1:1:/a:rel:", 5 + sizeof HASH + 7, "not absolute");
	bad("joe:" HASH ":1:1:/a::bogus", 5 + sizeof HASH + 8, "unknown option");
	bad("joe:" HASH ":1:1:/a::,", 5 + sizeof HASH + 8, "empty option");
	bad("joe:" HASH ":1:1:/a::cram-md5=00,", 5 + sizeof HASH + 20,
	    "empty option");
	bad("joe:" HASH ":1:1:/a::cram-md5=0", 5 + sizeof HASH + 17, "hex digits");
	bad("joe:" HASH ":1:1:/a::cram-md5=", 5 + sizeof HASH + 8, "unknown option");
	bad("joe:" HASH ":1:1:/a::cram-md5=0g", 5 + sizeof HASH + 18,
	    "not hex");
	bad("joe:" HASH ":1:1:/a::cram-md5=00,cram-md5=00",
	    5 + sizeof HASH + 20, "twice");
	bad("joe:" HASH ":1:1:/a\r::", 5 + sizeof HASH + 6, "CR");
	bad("joe:" HASH ":1:1:/a\t::", 5 + sizeof HASH + 6, "control byte");
	bad("joe:" HASH ":1:1:/a\xc3\xa9::", 5 + sizeof HASH + 6, "non-ASCII");
}

static void
test_hash(void **state)
{
	(void)state;
	bad("joe::1:1:/h::", 5, "not an argon2id");
	bad("joe:!:1:1:/h::", 6, "not an argon2id");
	bad("joe:$argon2i$v=19$m=8,t=1,p=1$" SALT "$" HV ":1:1:/h::", 5,
	    "not an argon2id");
	bad("joe:$argon2id$v=16$m=8,t=1,p=1$" SALT "$" HV ":1:1:/h::", 15,
	    "version");
	bad("joe:$argon2id$v=19$m=08,t=1,p=1$" SALT "$" HV ":1:1:/h::", 22,
	    "memory");
	bad("joe:$argon2id$v=19$m=4294967296,t=1,p=1$" SALT "$" HV
	    ":1:1:/h::", 22, "memory");
	bad("joe:$argon2id$v=19$m=8,p=1,t=1$" SALT "$" HV ":1:1:/h::", 23,
	    "passes");
	bad("joe:$argon2id$v=19$m=8,t=1$" SALT "$" HV ":1:1:/h::", 27,
	    "lanes");
	bad("joe:$argon2id$v=19$m=8,t=1,p=1$" SALT "=$" HV ":1:1:/h::", 54,
	    "salt");
	bad("joe:$argon2id$v=19$m=8,t=1,p=1$abc$" HV ":1:1:/h::", 32, "salt");
	bad("joe:$argon2id$v=19$m=8,t=1,p=1$" SALT "$" HV "!:1:1:/h::", 98,
	    "hash value");
	bad("joe:$argon2id$v=19$m=8,t=1,p=1$" SALT "$abc:1:1:/h::", 55,
	    "hash value");
	bad("joe:$argon2id$v=19$m=8,t=1,p=1$" SALT "$" HV "$:1:1:/h::", 98,
	    "hash value");
	bad("joe:$argon2id$v=19$m=7,t=1,p=1$" SALT "$" HV ":1:1:/h::", 5,
	    "minimum");
	bad("joe:$argon2id$v=19$m=8,t=0,p=1$" SALT "$" HV ":1:1:/h::", 26,
	    "passes");
	bad("joe:$argon2id$v=19$m=8,t=1,p=0$" SALT "$" HV ":1:1:/h::", 30,
	    "lanes");
	bad("joe:!!" HASH ":1:1:/h::", 6, "not an argon2id");
}

struct collect {
	unsigned lines, entries, comments;
	char last[PASSWD_USER_MAX + 1];
	int stop_at;
};

static int
collect(void *arg, unsigned lineno, const char *s, size_t n,
    const struct passwd_entry *e)
{
	struct collect *c = arg;

	(void)s;
	(void)n;
	c->lines++;
	assert_int_equal(lineno, c->lines);
	if (e != NULL) {
		c->entries++;
		snprintf(c->last, sizeof c->last, "%s", e->user);
	} else
		c->comments++;
	if (c->stop_at != 0 && (int)lineno == c->stop_at) {
		errno = EIO;
		return -1;
	}
	return 0;
}

static long
pfile(const char *text, struct collect *c, struct passwd_err *err)
{
	memset(c, 0, sizeof *c);
	return passwd_parse_file(text, strlen(text), collect, c, err);
}

static void
test_file(void **state)
{
	struct passwd_err err;
	struct collect c;

	(void)state;
	assert_int_equal(pfile("", &c, &err), 0);
	assert_int_equal(pfile("# users\n\n" LINE "\nann:" HASH
	    ":1002:100:/home/ann::\n#end\n", &c, &err), 2);
	assert_int_equal(c.lines, 5);
	assert_int_equal(c.comments, 3);
	assert_string_equal(c.last, "ann");

	assert_int_equal(pfile(LINE, &c, &err), -1);
	assert_int_equal(err.line, 1);
	assert_int_equal(err.col, strlen(LINE) + 1);
	assert_non_null(strstr(err.reason, "newline"));

	assert_int_equal(pfile("#x\n" LINE "\r\n", &c, &err), -1);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.col, strlen(LINE) + 1);

	/* A duplicate is reported where it is repeated. */
	assert_int_equal(pfile(LINE "\nann:" HASH ":1:1:/a::\n" LINE "\n"
	    "ann:" HASH ":1:1:/a::\n", &c, &err), -1);
	assert_int_equal(err.line, 4);
	assert_int_equal(err.col, 1);
	assert_non_null(strstr(err.reason, "duplicate"));
	/* Prefix names are not duplicates. */
	assert_int_equal(pfile("jo:" HASH ":1:1:/a::\n" LINE "\n", &c, &err),
	    2);
	/* Leading blanks do not make a comment. */
	assert_int_equal(pfile(" # x\n", &c, &err), -1);
	assert_int_equal(err.line, 1);

	{
		const char t[] = "#a\0b\n";
		memset(&c, 0, sizeof c);
		assert_int_equal(passwd_parse_file(t, sizeof t - 1, collect, &c,
		    &err), -1);
		assert_int_equal(err.col, 3);
	}
	/* A callback can stop the parse, and its errno is kept. */
	memset(&c, 0, sizeof c);
	c.stop_at = 2;
	assert_int_equal(passwd_parse_file("#\n" LINE "\n#\n",
	    strlen("#\n" LINE "\n#\n"), collect, &c, &err), -1);
	assert_int_equal(errno, EIO);
	assert_int_equal(c.lines, 2);
	/* The size limit is checked before anything is read. */
	assert_int_equal(passwd_parse_file("", PASSWD_FILE_MAX + 1, NULL, NULL,
	    &err), -1);
	assert_int_equal(err.line, 0);
}

static void
test_long_line(void **state)
{
	struct passwd_err err;
	char *buf = malloc(PASSWD_LINE_MAX + 3);

	(void)state;
	assert_non_null(buf);
	memset(buf, '#', PASSWD_LINE_MAX);
	buf[PASSWD_LINE_MAX] = '\n';
	assert_int_equal(passwd_parse_file(buf, PASSWD_LINE_MAX + 1, NULL,
	    NULL, &err), 0);
	buf[PASSWD_LINE_MAX] = '#';
	buf[PASSWD_LINE_MAX + 1] = '\n';
	assert_int_equal(passwd_parse_file(buf, PASSWD_LINE_MAX + 2, NULL,
	    NULL, &err), -1);
	assert_int_equal(err.col, PASSWD_LINE_MAX + 1);
	assert_non_null(strstr(err.reason, "too long"));
	free(buf);
}

static void
test_format(void **state)
{
	struct passwd_entry e, back;
	struct passwd_err err;
	struct str out = STR_INIT;

	(void)state;
	assert_int_equal(parse("x@y:!" HASH ":5:6:/h/x:/m/x/:cram-md5=00ff10",
	    &e, &err), 0);
	assert_int_equal(passwd_format(&e, &out), 0);
	assert_string_equal(out.s,
	    "x@y:!" HASH ":5:6:/h/x:/m/x/:cram-md5=00ff10");
	assert_int_equal(passwd_parse_line(out.s, out.len, &back, &err), 0);
	assert_memory_equal(&e, &back, sizeof e);
	/* An entry that would not parse back is refused, out unchanged. */
	str_clear(&out);
	str_appendz(&out, "keep");
	snprintf(e.home, sizeof e.home, "/a:b");
	assert_int_equal(passwd_format(&e, &out), -1);
	assert_int_equal(errno, EINVAL);
	assert_string_equal(out.s, "keep");
	str_free(&out);
}

/*
 * Hostile input: every one-byte change and every truncation of a valid
 * line either parses to something that formats back to the same bytes,
 * or fails with a column inside the line (or just past it).
 */
static void
test_mutations(void **state)
{
	static const char base[] = "u@d:!" HASH ":12:34:/h/u:/m/u/:cram-md5=0aff";
	static const unsigned char bytes[] = { 0, ':', '\n', '\r', 0x80, 0xff,
		'/', '.', '!', '$', ',', '=', 'a', '0', ' ', 0x7f };
	char line[sizeof base];
	struct passwd_entry e;
	struct passwd_err err;
	struct str out = STR_INIT;
	size_t i, j, n = sizeof base - 1, ok = 0;

	(void)state;
	for (i = 0; i <= n; i++) {
		for (j = 0; j <= sizeof bytes; j++) {
			size_t len = n;

			memcpy(line, base, sizeof base);
			if (j == sizeof bytes)
				len = i; /* truncation */
			else if (i < n)
				line[i] = (char)bytes[j];
			else
				continue;
			memset(&err, 0, sizeof err);
			if (passwd_parse_line(line, len, &e, &err) == 0) {
				ok++;
				str_clear(&out);
				assert_int_equal(passwd_format(&e, &out), 0);
				/* Hex case and leading zeros may differ. */
				if (out.len == len &&
				    memcmp(out.s, line, len) != 0 &&
				    strncmp(line, out.s, 5) == 0)
					continue;
			} else {
				assert_true(err.col >= 1 && err.col <= len + 1);
				assert_true(err.reason[0] != '\0');
			}
		}
	}
	assert_true(ok > 0);
	str_free(&out);
}

static void
test_cost(void **state)
{
	struct passwd_cost c = { 65536, 2, 1 }, max = { 65536, 2, 1 };
	const char *why;
	size_t col;

	(void)state;
	assert_int_equal(passwd_cost_within(&c, &max), 1);
	c.t = 3;
	assert_int_equal(passwd_cost_within(&c, &max), 0);
	c.t = 1;
	c.m_kib = 65537;
	assert_int_equal(passwd_cost_within(&c, &max), 0);
	assert_int_equal(passwd_hash_parse(HASH, strlen(HASH), &c, &col, &why),
	    0);
	assert_int_equal(c.m_kib, 65536);
	assert_int_equal(passwd_hash_parse(HASH, strlen(HASH) - 1, &c, &col,
	    &why), 0);
	assert_int_equal(passwd_hash_parse(HASH, 9, &c, &col, &why), -1);
	assert_int_equal(col, 1);
	assert_int_equal(passwd_user_ok("a", 1), 0);
	assert_int_equal(passwd_user_ok("", 0), -1);
	assert_int_equal(passwd_user_ok("a:b", 3), -1);
	assert_int_equal(passwd_user_ok("a\0b", 3), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_cost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
