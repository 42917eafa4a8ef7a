/*
 * Unit tests for lib/control: parsing rules, limits, typed readers and
 * error reports.  Each test gets its own $FACTEUR_ETC from mkdtemp.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control.h"

static char etc[PATH_MAX];

/* Removes dir and everything below it (no symlinks are made here). */
static int
rmtree(const char *dir)
{
	char path[PATH_MAX * 2];
	struct dirent *d;
	struct stat st;
	DIR *dp = opendir(dir);
	int rc = 0;

	if (dp == NULL)
		return -1;
	while ((d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, d->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			rc |= rmtree(path);
		else
			rc |= unlink(path);
	}
	closedir(dp);
	return rc | rmdir(dir);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(etc, sizeof etc, "/tmp/test_control.XXXXXX");
	if (mkdtemp(etc) == NULL)
		return -1;
	return setenv("FACTEUR_ETC", etc, 1);
}

static int
teardown(void **state)
{
	(void)state;
	unsetenv("FACTEUR_ETC");
	return rmtree(etc);
}

/* Writes a control file of n bytes into dir. */
static void
put_in(const char *dir, const char *name, const void *p, size_t n)
{
	char path[PATH_MAX * 2];
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

static void
put(const char *name, const void *p, size_t n)
{
	put_in(etc, name, p, n);
}

#define PUTS(name, lit) put(name, lit, sizeof lit - 1)

/* err.file must name the file in the control directory. */
static void
check_err_file(const struct control_err *err, const char *name)
{
	char want[PATH_MAX * 2];

	snprintf(want, sizeof want, "%s/%s", etc, name);
	assert_string_equal(err->file, want);
	assert_true(err->reason[0] != '\0');
}

static void
test_dir(void **state)
{
	(void)state;
	assert_string_equal(control_dir(), etc);
	unsetenv("FACTEUR_ETC");
	assert_string_equal(control_dir(), "/etc/facteur");
	setenv("FACTEUR_ETC", "", 1);
	assert_string_equal(control_dir(), "/etc/facteur");
	setenv("FACTEUR_ETC", etc, 1);
}

static void
test_missing(void **state)
{
	struct control_err err;
	struct str out = STR_INIT;
	uint64_t v;
	size_t count = 99;
	int b;
	(void)state;

	assert_int_equal(str_appendz(&out, "stale"), 0);
	assert_int_equal(control_str("myhostname", "mail.example", &out,
	    &err), 0);
	assert_string_equal(out.s, "mail.example");
	assert_int_equal(out.len, 12);
	assert_int_equal(control_str("myhostname", NULL, &out, &err), 0);
	assert_int_equal(out.len, 0);
	v = 1;
	assert_int_equal(control_u64("smtpd_timeout", 300, 1000, &v, &err), 0);
	assert_true(v == 300);
	b = 7;
	assert_int_equal(control_bool("smtputf8", 1, &b, &err), 0);
	assert_int_equal(b, 1);
	assert_int_equal(control_bool("smtputf8", 0, &b, &err), 0);
	assert_int_equal(b, 0);
	assert_int_equal(str_appendz(&out, "stale"), 0);
	assert_int_equal(control_list("mydestination", &out, &count, &err), 0);
	assert_int_equal(count, 0);
	assert_int_equal(out.len, 0);
	str_free(&out);

	/* A directory that does not exist at all: missing too. */
	setenv("FACTEUR_ETC", "/nonexistent/facteur-test", 1);
	assert_int_equal(control_str("myhostname", "d", &out, &err), 0);
	assert_string_equal(out.s, "d");
	setenv("FACTEUR_ETC", etc, 1);
	str_free(&out);
}

static void
test_single_value(void **state)
{
	struct control_err err;
	struct str out = STR_INIT;
	(void)state;

	PUTS("myhostname", "# The name this host gives itself.\n"
	    "\n"
	    "   \t\r\n"
	    "  \t mail.example.org \t\r\n"
	    "\n"
	    "   # trailing comment\n");
	assert_int_equal(control_str("myhostname", "def", &out, &err), 1);
	assert_string_equal(out.s, "mail.example.org");
	assert_int_equal(out.len, 16);

	/* No final LF, CR-LF only. */
	PUTS("a", "value");
	assert_int_equal(control_str("a", NULL, &out, &err), 1);
	assert_string_equal(out.s, "value");
	PUTS("a", "value\r\n");
	assert_int_equal(control_str("a", NULL, &out, &err), 1);
	assert_string_equal(out.s, "value");
	/* Inner blanks and a '#' after the start are part of the value. */
	PUTS("a", "  two  words # not a comment\t\n");
	assert_int_equal(control_str("a", NULL, &out, &err), 1);
	assert_string_equal(out.s, "two  words # not a comment");
	/* Bytes are otherwise kept. */
	PUTS("a", "caf\xc3\xa9\x01\n");
	assert_int_equal(control_str("a", NULL, &out, &err), 1);
	assert_string_equal(out.s, "caf\xc3\xa9\x01");
	str_free(&out);
}

static void
test_single_errors(void **state)
{
	struct control_err err;
	struct str out = STR_INIT;
	(void)state;

	PUTS("myhostname", "a.example\n# comment\nb.example\n");
	errno = 0;
	assert_int_equal(control_str("myhostname", "d", &out, &err), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(err.line, 3);
	assert_int_equal(err.col, 1);
	check_err_file(&err, "myhostname");

	PUTS("myhostname", "a\n\n \t  b\n");
	assert_int_equal(control_str("myhostname", "d", &out, &err), -1);
	assert_int_equal(err.line, 3);
	assert_int_equal(err.col, 5);

	/* A file with no value is not the same as a missing file. */
	PUTS("myhostname", "# nothing here\n\n  \n");
	errno = 0;
	assert_int_equal(control_str("myhostname", "d", &out, &err), -1);
	assert_int_equal(errno, EINVAL);
	check_err_file(&err, "myhostname");
	PUTS("myhostname", "");
	assert_int_equal(control_str("myhostname", "d", &out, &err), -1);
	str_free(&out);
}

static void
test_list(void **state)
{
	struct control_err err;
	struct str out = STR_INIT;
	size_t count = 0;
	(void)state;

	PUTS("mydestination", "example.org\n"
	    "\n"
	    "# a comment\n"
	    "  example.net  \n"
	    "\tlocalhost\r\n"
	    "last");
	assert_int_equal(control_list("mydestination", &out, &count, &err), 1);
	assert_int_equal(count, 4);
	assert_int_equal(out.len, 39);
	assert_memory_equal(out.s,
	    "example.org\0example.net\0localhost\0last\0", 40);

	/* An empty list file: no values, not an error. */
	PUTS("mydestination", "# none\n");
	count = 9;
	assert_int_equal(control_list("mydestination", &out, &count, &err), 1);
	assert_int_equal(count, 0);
	assert_int_equal(out.len, 0);

	/* control_parse directly, with and without count_r. */
	assert_int_equal(control_parse("x\ny\n", 4, 1, &out, NULL, &err), 0);
	assert_memory_equal(out.s, "x\0y\0", 5);
	assert_int_equal(control_parse("x\ny\n", 4, 1, &out, &count, &err), 0);
	assert_int_equal(count, 2);
	assert_int_equal(out.len, 4);
	assert_int_equal(control_parse("  z \n", 5, 0, &out, &count, &err), 0);
	assert_string_equal(out.s, "z");
	assert_int_equal(out.len, 1);
	assert_int_equal(control_parse("", 0, 1, &out, &count, &err), 0);
	assert_int_equal(count, 0);
	str_free(&out);
}

static void
test_nul_byte(void **state)
{
	struct control_err err;
	struct str out = STR_INIT;
	size_t count;
	(void)state;

	PUTS("myhostname", "# ok\nab\0c\n");
	errno = 0;
	assert_int_equal(control_str("myhostname", "d", &out, &err), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.col, 3);
	check_err_file(&err, "myhostname");

	/* Also in a comment, a blank line, or a list. */
	PUTS("mydestination", "a\n#\0\n");
	assert_int_equal(control_list("mydestination", &out, &count, &err),
	    -1);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.col, 2);
	PUTS("mydestination", "a\n\n\n  \0");
	assert_int_equal(control_list("mydestination", &out, &count, &err),
	    -1);
	assert_int_equal(err.line, 4);
	assert_int_equal(err.col, 3);
	PUTS("mydestination", "\0");
	assert_int_equal(control_list("mydestination", &out, &count, &err),
	    -1);
	assert_int_equal(err.line, 1);
	assert_int_equal(err.col, 1);
	str_free(&out);
}

static void
test_size_limit(void **state)
{
	struct control_err err;
	struct str out = STR_INIT;
	size_t count;
	char *big;
	(void)state;

	big = malloc(CONTROL_MAX * 4);
	assert_non_null(big);
	for (count = 0; count < CONTROL_MAX * 4; count += 2)
		memcpy(big + count, "x\n", 2);

	/* Exactly CONTROL_MAX bytes is fine. */
	put("mydestination", big, CONTROL_MAX);
	assert_int_equal(control_list("mydestination", &out, &count, &err), 1);
	assert_int_equal(count, CONTROL_MAX / 2);
	assert_int_equal(out.len, CONTROL_MAX);

	/* One more is not, nor four times as much. */
	put("mydestination", big, CONTROL_MAX + 1);
	errno = 0;
	assert_int_equal(control_list("mydestination", &out, &count, &err),
	    -1);
	assert_true(errno != 0);
	check_err_file(&err, "mydestination");
	put("mydestination", big, CONTROL_MAX * 4);
	assert_int_equal(control_list("mydestination", &out, &count, &err),
	    -1);
	check_err_file(&err, "mydestination");

	/* The parser refuses it too. */
	errno = 0;
	assert_int_equal(control_parse(big, CONTROL_MAX + 1, 1, &out, &count,
	    &err), -1);
	assert_int_equal(errno, EINVAL);
	assert_true(err.reason[0] != '\0');
	assert_int_equal(control_parse(big, CONTROL_MAX, 1, &out, &count,
	    &err), 0);
	assert_int_equal(count, CONTROL_MAX / 2);
	free(big);
	str_free(&out);
}

static void
test_u64(void **state)
{
	static const char *const bad[] = { "abc\n", "-1\n", "+1\n", "1 2\n",
		"0x10\n", "1e3\n", "18446744073709551616\n", "101\n",
		"99999999999999999999999999999\n", "1.5\n" };
	struct control_err err;
	uint64_t v;
	size_t i;
	(void)state;

	PUTS("smtpd_timeout", "# seconds\n  300 \r\n");
	assert_int_equal(control_u64("smtpd_timeout", 1, 1000, &v, &err), 1);
	assert_true(v == 300);
	PUTS("smtpd_timeout", "0100");
	assert_int_equal(control_u64("smtpd_timeout", 1, 100, &v, &err), 1);
	assert_true(v == 100);
	PUTS("smtpd_timeout", "18446744073709551615");
	assert_int_equal(control_u64("smtpd_timeout", 1, UINT64_MAX, &v,
	    &err), 1);
	assert_true(v == UINT64_MAX);

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		put("smtpd_timeout", bad[i], strlen(bad[i]));
		v = 42;
		errno = 0;
		if (control_u64("smtpd_timeout", 1, 100, &v, &err) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_true(errno == EINVAL || errno == ERANGE);
		assert_true(v == 42);
		assert_true(err.line >= 1);
		check_err_file(&err, "smtpd_timeout");
	}
}

static void
test_bool(void **state)
{
	static const char *const yes[] = { "yes", "YES", "Yes", "true", "TRUE",
		"True", "on", "ON", "On", "1", "yEs", "  yes \r\n" };
	static const char *const no[] = { "no", "NO", "No", "false", "FALSE",
		"False", "off", "OFF", "Off", "0", "oFf", "\tno\n" };
	static const char *const bad[] = { "maybe", "2", "y", "n", "yess",
		"yes no", "enable", "00", "01", "-1", "tru", "t", "" };
	struct control_err err;
	size_t i;
	int b;
	(void)state;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		put("smtputf8", yes[i], strlen(yes[i]));
		b = 0;
		assert_int_equal(control_bool("smtputf8", 0, &b, &err), 1);
		assert_int_equal(b, 1);
	}
	for (i = 0; i < sizeof no / sizeof no[0]; i++) {
		put("smtputf8", no[i], strlen(no[i]));
		b = 1;
		assert_int_equal(control_bool("smtputf8", 1, &b, &err), 1);
		assert_int_equal(b, 0);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		put("smtputf8", bad[i], strlen(bad[i]));
		b = 5;
		errno = 0;
		if (control_bool("smtputf8", 1, &b, &err) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(errno, EINVAL);
		assert_int_equal(b, 5);
		check_err_file(&err, "smtputf8");
	}
}

/*
 * A bad value is reported where it is, so "-t" checks point at the right
 * place, even when comments and indentation come first.
 */
static void
test_value_error_position(void **state)
{
	struct control_err err;
	uint64_t v;
	int b;
	(void)state;

	PUTS("smtpd_timeout", "# seconds\n\n  12x\n");
	assert_int_equal(control_u64("smtpd_timeout", 1, 100, &v, &err), -1);
	assert_int_equal(err.line, 3);
	assert_int_equal(err.col, 3);
	PUTS("smtputf8", "# yes or no\n\tmaybe\n");
	assert_int_equal(control_bool("smtputf8", 1, &b, &err), -1);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.col, 2);
}

static void
test_err_format(void **state)
{
	struct control_err err;
	char buf[600];
	size_t n;
	(void)state;

	memset(&err, 0, sizeof err);
	snprintf(err.file, sizeof err.file, "/etc/facteur/myhostname");
	err.line = 3;
	err.col = 7;
	snprintf(err.reason, sizeof err.reason, "more than one value");
	control_err_format(&err, buf, sizeof buf);
	assert_string_equal(buf,
	    "/etc/facteur/myhostname:3:7: more than one value");
	err.line = 0;
	err.col = 0;
	control_err_format(&err, buf, sizeof buf);
	assert_string_equal(buf, "/etc/facteur/myhostname: more than one value");

	/* Small buffers: cut, terminated, nothing written past n. */
	err.line = 3;
	err.col = 7;
	for (n = 0; n < 60; n++) {
		memset(buf, 0x5a, sizeof buf);
		control_err_format(&err, buf, n);
		if (n == 0) {
			assert_int_equal(buf[0], 0x5a);
			continue;
		}
		assert_int_equal(strlen(buf), n - 1 < 48 ? n - 1 : 48);
		assert_memory_equal(buf,
		    "/etc/facteur/myhostname:3:7: more than one value",
		    strlen(buf));
		assert_int_equal(buf[n], 0x5a);
	}

	/* A real error, through the whole path. */
	PUTS("myhostname", "a\nb\n");
	{
		struct str out = STR_INIT;
		char want[PATH_MAX * 2 + 64];

		assert_int_equal(control_str("myhostname", NULL, &out, &err),
		    -1);
		control_err_format(&err, buf, sizeof buf);
		snprintf(want, sizeof want, "%s/myhostname:2:1: ", etc);
		assert_memory_equal(buf, want, strlen(want));
		assert_true(strlen(buf) > strlen(want));
		str_free(&out);
	}
}

static void
test_bad_names(void **state)
{
	static const char *const names[] = { "sub/inner", "../escape", ".",
		"..", ".hidden", "/etc/passwd", "sub/", "./sub" };
	struct control_err err;
	struct str out = STR_INIT;
	char path[PATH_MAX * 2];
	size_t i, count;
	uint64_t v;
	int b;
	(void)state;

	/* Make the names lead somewhere, so refusing is the only way out. */
	snprintf(path, sizeof path, "%s/sub", etc);
	assert_int_equal(mkdir(path, 0755), 0);
	put_in(path, "inner", "1\n", 2);
	PUTS(".hidden", "1\n");

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		errno = 0;
		if (control_str(names[i], "d", &out, &err) != -1)
			fail_msg("control_str accepted \"%s\"", names[i]);
		assert_int_equal(errno, EINVAL);
		assert_true(err.reason[0] != '\0');
		assert_int_equal(control_u64(names[i], 0, 10, &v, &err), -1);
		assert_int_equal(control_bool(names[i], 0, &b, &err), -1);
		assert_int_equal(control_list(names[i], &out, &count, &err),
		    -1);
	}
	/* An empty name is no setting either. */
	assert_int_equal(control_str("", "d", &out, &err), -1);
	/* Nor is a directory. */
	assert_int_equal(control_str("sub", "d", &out, &err), -1);
	str_free(&out);
}

/*
 * A long control directory must not make two settings read one file: the
 * path may not be silently cut to fit err->file.
 */
static void
test_long_path(void **state)
{
	char dir[PATH_MAX], name[256];
	struct control_err err;
	struct str out = STR_INIT;
	size_t l = strlen(etc);
	int r;
	(void)state;

	/* A subdirectory that makes the directory 245 bytes long. */
	assert_true(l + 1 < 245);
	memset(name, 'd', 245 - l - 1);
	name[245 - l - 1] = '\0';
	snprintf(dir, sizeof dir, "%s/%s", etc, name);
	assert_int_equal(strlen(dir), 245);
	assert_int_equal(mkdir(dir, 0755), 0);
	/* dir/abcdefghij is 256 bytes: one more than err->file holds. */
	put_in(dir, "abcdefghi", "wrong\n", 6);
	put_in(dir, "abcdefghij", "right\n", 6);
	setenv("FACTEUR_ETC", dir, 1);
	r = control_str("abcdefghij", "default", &out, &err);
	setenv("FACTEUR_ETC", etc, 1);
	if (r == 1)
		snprintf(name, sizeof name, "%s", out.s);
	str_free(&out);
	if (r == 1)
		assert_string_equal(name, "right");
	else
		assert_int_equal(r, -1);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_dir),
		T(test_missing),
		T(test_single_value),
		T(test_single_errors),
		T(test_list),
		T(test_nul_byte),
		T(test_size_limit),
		T(test_u64),
		T(test_bool),
		T(test_value_error_position),
		T(test_err_format),
		T(test_bad_names),
		T(test_long_path),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
