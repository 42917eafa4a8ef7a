/*
 * Unit tests for lib/aliases: the text parser (entries, continuation
 * lines, quoting, every kind of target), its error positions, hostile
 * input, the cdb compiler, and expansion with recursion, loops, limits
 * and :include: files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aliases.h"
#include "log.h"
#include "str.h"

/* ------------------------------------------------------------ parsing */

/* Collects entries as "line name=kind:text|kind:text|...\n". */
static int
collect(void *arg, unsigned line, const char *name, const char *val,
    size_t vlen)
{
	struct str *out = arg;
	size_t off = 0;

	if (str_printf(out, "%u %s=", line, name) < 0)
		return -1;
	while (off < vlen) {
		size_t tl = strlen(val + off + 1);

		if (str_printf(out, "%s%c:%s", off ? "|" : "", val[off],
		    val + off + 1) < 0)
			return -1;
		off += tl + 2;
	}
	return str_appendc(out, '\n');
}

static long
parse(const char *text, struct str *out, struct aliases_err *err)
{
	str_clear(out);
	return aliases_parse(text, strlen(text), collect, out, err);
}

static void
good(const char *text, long entries, const char *want)
{
	struct str out = STR_INIT;
	struct aliases_err err;
	long r;

	r = parse(text, &out, &err);
	if (r != entries)
		fail_msg("parse of [%s] gave %ld (%u:%u: %s), want %ld", text,
		    r, err.line, err.col, err.reason, entries);
	assert_string_equal(out.s != NULL ? out.s : "", want);
	str_free(&out);
}

static void
bad(const char *text, unsigned line, unsigned col, const char *why)
{
	struct str out = STR_INIT;
	struct aliases_err err;

	errno = 0;
	if (parse(text, &out, &err) != -1)
		fail_msg("accepted: [%s]", text);
	assert_int_equal(errno, EINVAL);
	if (err.line != line || err.col != col ||
	    strstr(err.reason, why) == NULL)
		fail_msg("[%s]: got %u:%u '%s', want %u:%u '%s'", text,
		    err.line, err.col, err.reason, line, col, why);
	str_free(&out);
}

static void
test_parse_good(void **state)
{
	(void)state;
	good("", 0, "");
	good("# only a comment\n\n   \n", 0, "");
	good("root: joe\n", 1, "1 root=a:joe\n");
	good("Root : Joe@Example.ORG\n", 1, "1 root=a:Joe@Example.ORG\n");
	good("postmaster:root", 1, "1 postmaster=a:root\n");
	good("a: b, c,d ,  e\n", 1, "1 a=a:b|a:c|a:d|a:e\n");
	/* Continuation lines, comments and blank lines among them. */
	good("staff: ann,\n  bob\n# a comment\n\n\tcarol, \\dave\n"
	     "other: x\n",
	    2, "1 staff=a:ann|a:bob|a:carol|u:dave\n6 other=a:x\n");
	good("a: b,\n    # indented comment\n  c,\n", 1, "1 a=a:b|a:c\n");
	/* Commands quoted and not, includes, Maildirs. */
	good("bugs: \"|/usr/bin/tracker --queue \\\"x, y\\\" \\\\n\"\n", 1,
	    "1 bugs=|:/usr/bin/tracker --queue \"x, y\" \\n\n");
	good("p: |  /bin/cat -v , joe\n", 1, "1 p=|:/bin/cat -v|a:joe\n");
	good("l: :include:/etc/list, :INCLUDE: /x/y\n", 1,
	    "1 l=i:/etc/list|i:/x/y\n");
	good("m: /var/mail/m/Maildir/, \"/with space/Maildir/\"\n", 1,
	    "1 m=/:/var/mail/m/Maildir/|/:/with space/Maildir/\n");
	/* CRLF line ends; tabs as blanks; a name with odd characters. */
	good("a:\tb\r\n\tc\r\nowner-list.x_y+z: d\r\n", 2,
	    "1 a=a:b|a:c\n3 owner-list.x_y+z=a:d\n");
	good("x: \"joe\"\n", 1, "1 x=a:joe\n");
	good("x: joe@[192.0.2.1]\n", 1, "1 x=a:joe@[192.0.2.1]\n");
	good("x: b,\n", 1, "1 x=a:b\n");
}

static void
test_parse_bad(void **state)
{
	char big[ALIASES_LINE_MAX + 10];

	(void)state;
	bad("  joe\n", 1, 1, "continuation line without an alias");
	bad("root joe\n", 1, 6, "expected ':'");
	bad("root\n", 1, 5, "expected ':'");
	bad(":x\n", 1, 1, "empty alias name");
	bad("a@b: x\n", 1, 2, "bad character in an alias name");
	bad("a\"b: x\n", 1, 2, "bad character in an alias name");
	bad("r\xc3\xa9: x\n", 1, 2, "bad character in an alias name");
	bad("a: b\nA: c\n", 2, 1, "duplicate alias (first on line 1)");
	bad("a: b\nc: d\n\n\nc: e\n", 5, 1, "duplicate alias (first on line 2)");
	bad("a:\n", 1, 1, "no targets");
	bad("a: b\nc:\n# x\nd: e\n", 2, 1, "no targets");
	bad("a: b,,c\n", 1, 6, "empty target");
	bad("a: ,b\n", 1, 4, "empty target");
	bad("a: \"\"\n", 1, 4, "empty target");
	bad("a: \"b\n", 1, 4, "unterminated quote");
	bad("a: \"b\" c\n", 1, 8, "expected a comma");
	bad("a: b\"c\"\n", 1, 5, "quote inside an unquoted target");
	bad("a: joe smith\n", 1, 4, "white space in an address");
	bad("a: x@y@z\n", 1, 4, "more than one @");
	bad("a: @y\n", 1, 4, "empty local part");
	bad("a: x@\n", 1, 4, "empty domain");
	bad("a: x<y>\n", 1, 4, "bad character in an address");
	bad("a: \\\n", 1, 5, "empty address");
	bad("a: /var/mail/joe\n", 1, 4, "mbox files are not supported");
	bad("a: |   \n", 1, 4, "empty command");
	bad("a: \"|\"\n", 1, 4, "empty command");
	bad("a: :include:\n", 1, 4, "absolute path");
	bad("a: :include:rel/file\n", 1, 4, "absolute path");
	bad("a: b\x01\n", 1, 5, "control character");
	bad("a: b\rc\n", 1, 5, "control character");
	bad("a: b\n\tc\x7f\n", 2, 3, "control character");
	bad("a: b\x1b[31m\n", 1, 5, "control character");
	/* 65 bytes of name. */
	bad("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    ": x\n", 1, 65, "longer than 64");
	/* A line over the limit. */
	memset(big, 'b', sizeof big);
	memcpy(big, "a: ", 3);
	big[sizeof big - 1] = '\0';
	bad(big, 1, ALIASES_LINE_MAX + 1, "line too long");
	/* A target over 1024 bytes, quoted and not. */
	memset(big, 'b', 1100);
	memcpy(big, "a: ", 3);
	big[1100] = '\0';
	bad(big, 1, 4, "longer than 1024");
	big[3] = '"';
	big[1099] = '"';
	bad(big, 1, 4, "longer than 1024");
}

static void
test_parse_nul(void **state)
{
	static const char t1[] = "a: b\0c\n";
	static const char t2[] = "a\0: b\n";
	static const char t3[] = "a: b\n#\0\n";
	struct aliases_err err;

	(void)state;
	assert_int_equal(aliases_parse(t1, sizeof t1 - 1, NULL, NULL, &err), -1);
	assert_int_equal(err.line, 1);
	assert_int_equal(err.col, 5);
	assert_non_null(strstr(err.reason, "NUL"));
	assert_int_equal(aliases_parse(t2, sizeof t2 - 1, NULL, NULL, &err), -1);
	assert_int_equal(err.col, 2);
	assert_non_null(strstr(err.reason, "NUL"));
	assert_int_equal(aliases_parse(t3, sizeof t3 - 1, NULL, NULL, &err), -1);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.col, 2);
}

static void
test_parse_limits(void **state)
{
	struct str text = STR_INIT;
	struct aliases_err err;
	int i;

	(void)state;
	/* Exactly ALIASES_MAXTARGETS targets, over several lines: fine. */
	assert_int_equal(str_appendz(&text, "big:"), 0);
	for (i = 0; i < ALIASES_MAXTARGETS; i++)
		assert_int_equal(str_printf(&text, "%s u%d", i % 10 == 9 ?
		    ",\n " : (i ? "," : ""), i), 0);
	assert_int_equal(str_appendc(&text, '\n'), 0);
	assert_int_equal(aliases_parse(text.s, text.len, NULL, NULL, &err), 1);
	/* One more is refused. */
	text.len--;
	assert_int_equal(str_appendz(&text, ", one-too-many\n"), 0);
	assert_int_equal(aliases_parse(text.s, text.len, NULL, NULL, &err), -1);
	assert_non_null(strstr(err.reason, "more than 1000"));
	/* Many entries (the duplicate table grows). */
	str_clear(&text);
	for (i = 0; i < 5000; i++)
		assert_int_equal(str_printf(&text, "n%d: t%d\n", i, i), 0);
	assert_int_equal(aliases_parse(text.s, text.len, NULL, NULL, &err),
	    5000);
	assert_int_equal(str_appendz(&text, "N4321: dup\n"), 0);
	assert_int_equal(aliases_parse(text.s, text.len, NULL, NULL, &err), -1);
	assert_int_equal(err.line, 5001);
	assert_non_null(strstr(err.reason, "first on line 4322"));
	str_free(&text);
}

static int
stop_at_second(void *arg, unsigned line, const char *name, const char *val,
    size_t vlen)
{
	int *n = arg;

	(void)line;
	(void)name;
	(void)val;
	(void)vlen;
	if (++*n == 2) {
		errno = ENOSPC;
		return -1;
	}
	return 0;
}

static void
test_parse_stop(void **state)
{
	static const char t[] = "a: b\nc: d\ne: f\n";
	struct aliases_err err;
	int n = 0;

	(void)state;
	assert_int_equal(aliases_parse(t, sizeof t - 1, stop_at_second, &n,
	    &err), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(n, 2);
	assert_int_equal(err.line, 2);
	assert_string_equal(err.reason, "stopped");
}

/* Hostile input: every prefix and every single-byte change of a good
 * file parses or fails with a position inside the input. */
static void
test_parse_hostile(void **state)
{
	static const char base[] =
	    "# aliases\nroot: joe, \\joe\nstaff: ann,\n  \"|/bin/x, y\"\n"
	    "l: :include:/etc/l\nm: /m/Maildir/\r\n";
	static const char bytes[] = "\0\n\r\t ,:\"\\|@#/a\x80\xff";
	char buf[sizeof base];
	struct aliases_err err;
	size_t i, j, lines;
	long r;

	(void)state;
	for (i = 0; i <= sizeof base - 1; i++) {
		for (j = 0; j < sizeof bytes - 1 || j == 0; j++) {
			size_t k;

			memcpy(buf, base, sizeof base - 1);
			if (i < sizeof base - 1)
				buf[i] = bytes[j];
			for (lines = 1, k = 0; k < sizeof base - 1; k++)
				lines += buf[k] == '\n';
			/* The whole changed file, and its prefix up to i. */
			memset(&err, 0x55, sizeof err);
			r = aliases_parse(buf, sizeof base - 1, NULL, NULL, &err);
			if (r < 0) {
				assert_int_equal(errno, EINVAL);
				assert_true(err.line >= 1 && err.line <= lines);
				assert_true(err.col <= sizeof base);
				assert_non_null(memchr(err.reason, '\0',
				    sizeof err.reason));
			}
			r = aliases_parse(buf, i, NULL, NULL, &err);
			assert_true(r >= -1 && r <= 6);
			if (i == sizeof base - 1)
				break;
		}
	}
	/* Random bytes. */
	srand(42);
	for (i = 0; i < 20000; i++) {
		char rnd[64];
		size_t n = (size_t)rand() % sizeof rnd;

		for (j = 0; j < n; j++)
			rnd[j] = (char)(rand() % 4 == 0 ? bytes[rand() % 16]
							: rand() % 256);
		r = aliases_parse(rnd, n, NULL, NULL, &err);
		assert_true(r >= -1);
		if (r < 0)
			assert_true(err.col <= n + 1);
	}
}

/* ------------------------------------------------------------ expansion */

static char dir[] = "/tmp/test_aliases.XXXXXX";
static char cdbpath[256];

static void
write_file(const char *name, const char *text, mode_t mode)
{
	char path[512];
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void
compile(const char *text)
{
	struct aliases_err err;
	int fd;

	unlink(cdbpath);
	fd = open(cdbpath, O_RDWR | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	if (aliases_compile(text, strlen(text), fd, &err) < 0)
		fail_msg("compile: %u:%u: %s", err.line, err.col, err.reason);
	close(fd);
}

struct got {
	struct str s;
	int stop_after; /* 0: never */
	int calls;
};

static int
got_fn(void *arg, enum alias_kind kind, const char *target)
{
	struct got *g = arg;

	g->calls++;
	if (g->stop_after != 0 && g->calls == g->stop_after) {
		errno = EPIPE;
		return -1;
	}
	return str_printf(&g->s, "%s%s", kind == ALIAS_ADDR ? "" :
	    kind == ALIAS_PIPE ? "|" : "dir:", target) < 0 ||
	    str_appendc(&g->s, ' ') < 0 ? -1 : 0;
}

static int
local_domain(void *arg, const char *domain)
{
	(void)arg;
	return strcasecmp(domain, "here.example") == 0;
}

static struct got g;

/* Expands local; checks the return value and the targets seen. */
static void
expands(const char *local, int want_r, const char *want)
{
	int r;

	str_clear(&g.s);
	g.calls = 0;
	errno = 0;
	r = aliases_expand(cdbpath, local, local_domain, got_fn, &g);
	if (r != want_r)
		fail_msg("expand %s: %d (%s), want %d; got [%s]", local, r,
		    strerror(errno), want_r, g.s.s ? g.s.s : "");
	assert_string_equal(g.s.s != NULL ? g.s.s : "", want);
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(cdbpath, sizeof cdbpath, "%s/aliases.cdb", dir);
	log_init("test_aliases");
	log_set_fd(open("/dev/null", O_WRONLY));
	return 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	str_free(&g.s);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_expand_basic(void **state)
{
	(void)state;
	compile("postmaster: root\n"
		"root: Joe, \\root, joe@there.example\n"
		"joe: joe, joe+inbox, bob@here.example\n"
		"bob: \"|/bin/cat > /dev/null\", /srv/bob/Maildir/\n"
		"dup: ann, ANN, ann@here.example, \\ann\n"
		"ann: ann@other.example\n"
		"self: \\self, self\n");
	expands("nobody", 0, "");
	expands("", 0, "");
	expands("POSTMASTER", 1,
	    "joe joe+inbox |/bin/cat > /dev/null dir:/srv/bob/Maildir/ root "
	    "joe@there.example ");
	expands("bob", 1, "|/bin/cat > /dev/null dir:/srv/bob/Maildir/ ");
	/* ann is an alias; \ann is not expanded; duplicates once. */
	expands("dup", 1, "ann@other.example ann ");
	expands("self", 1, "self ");
	/* Too long to be a name: not an alias. */
	expands("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    0, "");
}

static void
test_expand_loops(void **state)
{
	(void)state;
	compile("a: b\nb: c, x\nc: a, y\n"
		"me: me@here.example, other\n"
		"other: me\n");
	/* a -> b -> c -> a is a loop: a dropped, the rest delivered. */
	expands("a", 1, "y x ");
	expands("c", 1, "x y ");
	/* me lists itself (plain user); other -> me -> other is dropped. */
	expands("me", 1, "me@here.example ");
	expands("other", 1, "me@here.example ");
}

static void
test_expand_limits(void **state)
{
	struct str t = STR_INIT;
	int i;

	(void)state;
	/* A chain exactly ALIASES_MAXDEPTH deep works, one deeper fails. */
	for (i = 0; i < ALIASES_MAXDEPTH; i++)
		assert_int_equal(str_printf(&t, "c%d: c%d\n", i, i + 1), 0);
	assert_int_equal(str_printf(&t, "d0: c0\n"), 0);
	compile(t.s);
	expands("c0", 1, "c16 ");
	expands("c1", 1, "c16 ");
	errno = 0;
	expands("d0", -1, "");
	assert_int_equal(errno, ELOOP);

	/* Fan-out: 1000 final targets fine, 1001 too many. */
	str_clear(&t);
	assert_int_equal(str_appendz(&t, "half1: x0"), 0);
	for (i = 1; i < 500; i++)
		assert_int_equal(str_printf(&t, ", x%d", i), 0);
	assert_int_equal(str_appendz(&t, "\nhalf2: y0"), 0);
	for (i = 1; i < 500; i++)
		assert_int_equal(str_printf(&t, ", y%d", i), 0);
	assert_int_equal(str_appendz(&t, "\nall: half1, half2\n"
					 "over: all, one-more\n"), 0);
	compile(t.s);
	str_clear(&g.s);
	g.calls = 0;
	assert_int_equal(aliases_expand(cdbpath, "all", NULL, got_fn, &g), 1);
	assert_int_equal(g.calls, 1000);
	g.calls = 0;
	assert_int_equal(aliases_expand(cdbpath, "over", NULL, got_fn, &g), -1);
	assert_int_equal(errno, E2BIG);
	assert_int_equal(g.calls, 1000);

	/* A lattice: 10 aliases a level, each listing all 10 of the next
	 * level, 6 levels: a million paths, but each alias is expanded
	 * once, so it takes 600 looks and gives the 10 leaves. */
	str_clear(&t);
	assert_int_equal(str_appendz(&t, "top: l1x0"), 0);
	for (i = 1; i < 10; i++)
		assert_int_equal(str_printf(&t, ", l1x%d", i), 0);
	assert_int_equal(str_appendc(&t, '\n'), 0);
	for (i = 1; i <= 6; i++) {
		int j, k;

		for (j = 0; j < 10; j++) {
			assert_int_equal(str_printf(&t, "l%dx%d:", i, j), 0);
			for (k = 0; k < 10; k++)
				assert_int_equal(str_printf(&t, "%s %s%dx%d",
				    k ? "," : "", i < 6 ? "l" : "leaf",
				    i < 6 ? i + 1 : 0, k), 0);
			assert_int_equal(str_appendc(&t, '\n'), 0);
		}
	}
	compile(t.s);
	str_clear(&g.s);
	g.calls = 0;
	assert_int_equal(aliases_expand(cdbpath, "top", NULL, got_fn, &g), 1);
	assert_int_equal(g.calls, 10);
	assert_string_equal(g.s.s, "leaf0x0 leaf0x1 leaf0x2 leaf0x3 leaf0x4 "
				   "leaf0x5 leaf0x6 leaf0x7 leaf0x8 leaf0x9 ");

	/* 120 lists of the same 999 members: few final targets, but more
	 * than ALIASES_MAXVISITS looks. */
	str_clear(&t);
	assert_int_equal(str_appendz(&t, "all: list0"), 0);
	for (i = 1; i < 120; i++)
		assert_int_equal(str_printf(&t, ", list%d", i), 0);
	assert_int_equal(str_appendc(&t, '\n'), 0);
	for (i = 0; i < 120; i++) {
		int k;

		assert_int_equal(str_printf(&t, "list%d: m0", i), 0);
		for (k = 1; k < 999; k++)
			assert_int_equal(str_printf(&t, ",m%d", k), 0);
		assert_int_equal(str_appendc(&t, '\n'), 0);
	}
	assert_int_equal(str_appendz(&t, "few: list0, list1\n"), 0);
	compile(t.s);
	g.calls = 0;
	assert_int_equal(aliases_expand(cdbpath, "few", NULL, got_fn, &g), 1);
	assert_int_equal(g.calls, 999);
	g.calls = 0;
	assert_int_equal(aliases_expand(cdbpath, "all", NULL, got_fn, &g), -1);
	assert_int_equal(errno, E2BIG);
	assert_int_equal(g.calls, 999);

	/* fn stops the expansion. */
	g.calls = 0;
	g.stop_after = 3;
	assert_int_equal(aliases_expand(cdbpath, "all", NULL, got_fn, &g), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(g.calls, 3);
	g.stop_after = 0;
	str_free(&t);
}

static void
test_expand_include(void **state)
{
	char text[2048];

	(void)state;
	write_file("list", "# members\nann, bob\n\n  carol@there.example\r\n"
			   "\"|/bin/true\", /srv/l/Maildir/\n"
			   ":include:" "/nonexistent-never\n", 0644);
	write_file("list2", "ann\n\"|/bin/true\"\n/srv/l/Maildir/\n"
			    "bob@here.example\n", 0644);
	write_file("unsafe", "ann\n|/bin/evil\n/srv/evil/Maildir/\n", 0666);
	write_file("self", "x\n:include:SELF\n", 0644);
	write_file("bad", "ann, \"b\n", 0644);
	snprintf(text, sizeof text,
	    "l: :include:%s/list\n"
	    "l2: :include:%s/list2, bob\n"
	    "bob: robert\n"
	    "u: :include:%s/unsafe\n"
	    "s: :include:%s/self\n"
	    "b: :include:%s/bad\n"
	    "d: :include:%s\n"
	    "m: :include:%s/missing\n",
	    dir, dir, dir, dir, dir, dir, dir);
	compile(text);
	expands("l2", 1, "ann |/bin/true dir:/srv/l/Maildir/ robert ");
	/* A missing include file fails the whole expansion (temporary). */
	expands("m", -1, "");
	assert_int_equal(errno, ENOENT);
	expands("l", -1, "ann robert carol@there.example |/bin/true "
			 "dir:/srv/l/Maildir/ ");
	assert_int_equal(errno, ENOENT);
	/* Group- or world-writable: commands and Maildirs dropped. */
	expands("u", 1, "ann ");
	/* A syntax error in an include file; a directory. */
	expands("b", -1, "");
	assert_int_equal(errno, EINVAL);
	expands("d", -1, "");
	assert_int_equal(errno, EINVAL);
	/* An include file that includes itself. */
	snprintf(text, sizeof text, "x\n:include:%s/self\n", dir);
	write_file("self", text, 0644);
	expands("s", 1, "x ");
}

static void
test_expand_files(void **state)
{
	static const char junk[] = "this is not a cdb file";
	int fd;

	(void)state;
	/* No table: no aliases. */
	assert_int_equal(aliases_expand("/nonexistent/aliases.cdb", "root",
	    NULL, got_fn, &g), 0);
	/* A file too short to be a cdb. */
	unlink(cdbpath);
	fd = open(cdbpath, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, junk, sizeof junk), (ssize_t)sizeof junk);
	close(fd);
	assert_int_equal(aliases_expand(cdbpath, "root", NULL, got_fn, &g), -1);
	assert_int_equal(errno, EINVAL);
	/* A directory. */
	assert_int_equal(aliases_expand(dir, "root", NULL, got_fn, &g), -1);
	/* A compile into a file that is not writable fails cleanly. */
	{
		struct aliases_err err;

		fd = open("/dev/null", O_RDONLY);
		assert_int_equal(aliases_compile("a: b\n", 5, fd, &err), -1);
		assert_non_null(strstr(err.reason, "write error"));
		close(fd);
		/* And a bad text file gives its position. */
		fd = open(cdbpath, O_RDWR | O_TRUNC);
		assert_int_equal(aliases_compile("a: b\nc d\n", 9, fd, &err),
		    -1);
		assert_int_equal(errno, EINVAL);
		assert_int_equal(err.line, 2);
		assert_int_equal(err.col, 3);
		close(fd);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_nul),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_parse_stop),
		cmocka_unit_test(test_parse_hostile),
		cmocka_unit_test(test_expand_basic),
		cmocka_unit_test(test_expand_loops),
		cmocka_unit_test(test_expand_limits),
		cmocka_unit_test(test_expand_include),
		cmocka_unit_test(test_expand_files),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
