#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maildir.h"

static char top[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(top, sizeof top, "/tmp/test_maildir.XXXXXX");
	return mkdtemp(top) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
	return system(cmd) == 0 ? 0 : -1;
}

static char *
path(const char *rel)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof buf[i], "%s/%s", top, rel);
	return buf[i];
}

static int
count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void
test_folder_dir(void **state)
{
	char out[300];
	static const char *const good[][2] = {
		{ "Sent", ".Sent" }, { "Lists/foo", ".Lists.foo" },
		{ "Lists.foo", ".Lists.foo" }, { "INBOX.Sent", ".Sent" },
		{ "inbox/Sent", ".Sent" }, { "INBOX", "" }, { "", "" },
		{ "INBOXES", ".INBOXES" }, { "a b", ".a b" },
	};
	static const char *const bad[] = { ".", "..", "a..b", "a/", "/a",
		"a/../b", "a//b", "INBOX.", "x\ny", "a/./b", "\x7f", ".hidden" };
	(void)state;

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		assert_int_equal(maildir_folder_dir(good[i][0], out, sizeof out), 0);
		assert_string_equal(out, good[i][1]);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		errno = 0;
		assert_int_equal(maildir_folder_dir(bad[i], out, sizeof out), -1);
		assert_int_equal(errno, EINVAL);
	}
	assert_int_equal(maildir_folder_dir(NULL, out, sizeof out), 0);
	assert_string_equal(out, "");
	/* Too small an output buffer, and too long a name. */
	assert_int_equal(maildir_folder_dir("abcdef", out, 4), -1);
	char longname[400];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	assert_int_equal(maildir_folder_dir(longname, out, sizeof out), -1);
}

static void
deliver(struct maildir *md, const char *text, char *name_r, size_t n)
{
	static struct maildir_msg m;

	assert_int_equal(maildir_msg_begin(md, &m), 0);
	assert_int_equal(maildir_msg_write(&m, text, strlen(text)), 0);
	assert_int_equal(maildir_msg_commit(&m), 0);
	if (name_r != NULL)
		snprintf(name_r, n, "%s", m.newname);
}

static void
test_open_and_deliver(void **state)
{
	struct maildir md;
	char name[256], file[512], buf[64];
	int fd;
	ssize_t r;
	(void)state;

	errno = 0;
	assert_int_equal(maildir_open(&md, path("Maildir"), NULL, 0), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(maildir_open(&md, path("Maildir"), NULL, 1), 0);
	deliver(&md, "hello\n", name, sizeof name);
	/* The name carries the size (and the size with CRLF line ends),
	 * the file the bytes. */
	assert_non_null(strstr(name, ",S=6,W=7"));
	snprintf(file, sizeof file, "%s/%s", path("Maildir/new"), name);
	fd = open(file, O_RDONLY);
	assert_true(fd >= 0);
	r = read(fd, buf, sizeof buf);
	close(fd);
	assert_int_equal(r, 6);
	assert_memory_equal(buf, "hello\n", 6);
	assert_int_equal(count_files(path("Maildir/tmp")), 0);
	maildir_close(&md);

	/* A folder: missing without create, made with its marker file. */
	assert_int_equal(maildir_open(&md, path("Maildir"), "Lists/foo", 0), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(maildir_open(&md, path("Maildir"), "Lists/foo", 1), 0);
	deliver(&md, "x", NULL, 0);
	maildir_close(&md);
	assert_int_equal(count_files(path("Maildir/.Lists.foo/new")), 1);
	assert_int_equal(access(path("Maildir/.Lists.foo/maildirfolder"), F_OK), 0);
	assert_int_equal(count_files(path("Maildir/new")), 1);

	/* Not a directory. */
	fd = open(path("plain"), O_WRONLY | O_CREAT, 0600);
	close(fd);
	assert_int_equal(maildir_open(&md, path("plain"), NULL, 1), -1);
	assert_int_equal(errno, ENOTDIR);
	/* A bad folder name. */
	assert_int_equal(maildir_open(&md, path("Maildir"), "../x", 1), -1);
	assert_int_equal(errno, EINVAL);
}

static void
test_abort(void **state)
{
	static struct maildir_msg m;
	struct maildir md;
	(void)state;

	assert_int_equal(maildir_open(&md, path("M2"), NULL, 1), 0);
	assert_int_equal(maildir_msg_begin(&md, &m), 0);
	assert_int_equal(maildir_msg_write(&m, "abc", 3), 0);
	assert_int_equal(count_files(path("M2/tmp")), 1);
	maildir_msg_abort(&m);
	assert_int_equal(count_files(path("M2/tmp")), 0);
	assert_int_equal(count_files(path("M2/new")), 0);
	maildir_close(&md);
}

static void
test_big_message(void **state)
{
	static struct maildir_msg m;
	static char chunk[10000];
	struct maildir md;
	struct stat st;
	char file[512];
	(void)state;

	memset(chunk, 'z', sizeof chunk);
	assert_int_equal(maildir_open(&md, path("M3"), NULL, 1), 0);
	assert_int_equal(maildir_msg_begin(&md, &m), 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(maildir_msg_write(&m, chunk, sizeof chunk), 0);
	assert_int_equal(maildir_msg_commit(&m), 0);
	assert_non_null(strstr(m.newname, ",S=1000000,W=1000000"));
	snprintf(file, sizeof file, "%s/%s", path("M3/new"), m.newname);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_size, 1000000);
	maildir_close(&md);
}

static void
test_quota_def(void **state)
{
	uint64_t b, c;
	static const char *const bad[] = { "", "S", "10", "10X", "10S,", ",10S",
		"10S,20S", "10S 20C", "-1S", "99999999999999999999999S", "10s" };
	(void)state;

	assert_int_equal(maildir_quota_def("100S,20C", 8, &b, &c), 0);
	assert_true(b == 100 && c == 20);
	assert_int_equal(maildir_quota_def("20C,100S", 8, &b, &c), 0);
	assert_true(b == 100 && c == 20);
	assert_int_equal(maildir_quota_def("5C", 2, &b, &c), 0);
	assert_true(b == 0 && c == 5);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(maildir_quota_def(bad[i], strlen(bad[i]), &b, &c), -1);
}

static void
test_quota_parse(void **state)
{
	struct maildir_quota q;
	static const char ok[] = "1000S,10C\n  100   2\n-50 -1\n7 1\n";
	(void)state;

	assert_int_equal(maildir_quota_parse(ok, sizeof ok - 1, &q), 0);
	assert_true(q.max_bytes == 1000 && q.max_count == 10);
	assert_true(q.bytes == 57 && q.count == 2);
	assert_false(q.damaged);
	/* A cut last line and garbage lines mark it damaged. */
	assert_int_equal(maildir_quota_parse("1000S\n10 1\n5", 12, &q), 0);
	assert_true(q.damaged && q.bytes == 10);
	assert_int_equal(maildir_quota_parse("1000S\nxx 1\n", 12, &q), 0);
	assert_true(q.damaged);
	assert_int_equal(maildir_quota_parse("1000S\n1 2 3\n", 12, &q), 0);
	assert_true(q.damaged);
	/* Overflowing sums are damage, not wraparound. */
	static const char big[] = "1S\n9223372036854775807 1\n9223372036854775807 1\n";
	assert_int_equal(maildir_quota_parse(big, sizeof big - 1, &q), 0);
	assert_true(q.damaged);
	/* No definition: an error. */
	assert_int_equal(maildir_quota_parse("junk\n1 1\n", 9, &q), -1);
	assert_int_equal(maildir_quota_parse("", 0, &q), -1);
	/* NUL bytes. */
	assert_int_equal(maildir_quota_parse("10S\n1\0 1\n", 9, &q), 0);
	assert_true(q.damaged);
}

static void
test_quota_over(void **state)
{
	struct maildir_quota q = { 0 };
	(void)state;

	assert_false(maildir_quota_over(&q, UINT64_MAX));
	q.max_bytes = 100;
	q.bytes = 90;
	assert_false(maildir_quota_over(&q, 10));
	assert_true(maildir_quota_over(&q, 11));
	assert_true(maildir_quota_over(&q, UINT64_MAX));
	q.bytes = -5; /* a damaged count is not below zero */
	assert_false(maildir_quota_over(&q, 100));
	q.max_count = 3;
	q.count = 2;
	assert_false(maildir_quota_over(&q, 1));
	q.count = 3;
	assert_true(maildir_quota_over(&q, 1));
}

static void
read_file(const char *p, char *buf, size_t n)
{
	int fd = open(p, O_RDONLY);
	ssize_t r;

	assert_true(fd >= 0);
	r = read(fd, buf, n - 1);
	assert_true(r >= 0);
	buf[r] = '\0';
	close(fd);
}

static void
test_quota_get(void **state)
{
	struct maildir md;
	struct maildir_quota q;
	char buf[8192];
	int fd;
	(void)state;

	assert_int_equal(maildir_open(&md, path("Q"), NULL, 1), 0);
	/* No maildirsize: no quota. */
	assert_int_equal(maildir_quota_get(&md, NULL, &q), 0);
	deliver(&md, "12345", NULL, 0);
	maildir_close(&md);
	assert_int_equal(maildir_open(&md, path("Q"), "Sub", 1), 0);
	deliver(&md, "123", NULL, 0);
	/* A definition builds the file from what is there: 8 bytes, 2. */
	assert_int_equal(maildir_quota_get(&md, "100S,5C", &q), 1);
	assert_true(q.bytes == 8 && q.count == 2);
	read_file(path("Q/maildirsize"), buf, sizeof buf);
	assert_string_equal(buf, "100S,5C\n8 2\n");
	assert_int_equal(maildir_quota_add(&md, 10), 0);
	read_file(path("Q/maildirsize"), buf, sizeof buf);
	assert_string_equal(buf, "100S,5C\n8 2\n10 1\n");
	assert_int_equal(maildir_quota_get(&md, NULL, &q), 1);
	assert_true(q.bytes == 18 && q.count == 3 && q.max_bytes == 100);
	/* The same definition keeps the file. */
	assert_int_equal(maildir_quota_get(&md, "100S,5C", &q), 1);
	assert_true(q.bytes == 18);
	/* Another definition rebuilds it. */
	assert_int_equal(maildir_quota_get(&md, "50S", &q), 1);
	read_file(path("Q/maildirsize"), buf, sizeof buf);
	assert_string_equal(buf, "50S\n8 2\n");
	/* A damaged file is rebuilt, keeping its definition. */
	fd = open(path("Q/maildirsize"), O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, "garbage\n", 8), 8);
	close(fd);
	assert_int_equal(maildir_quota_get(&md, NULL, &q), 1);
	read_file(path("Q/maildirsize"), buf, sizeof buf);
	assert_string_equal(buf, "50S\n8 2\n");
	/* An oversized one too. */
	fd = open(path("Q/maildirsize"), O_WRONLY | O_APPEND);
	for (int i = 0; i < 2000; i++)
		assert_int_equal(write(fd, "1 1\n", 4), 4);
	close(fd);
	assert_int_equal(maildir_quota_get(&md, NULL, &q), 1);
	assert_true(q.bytes == 8 && q.count == 2);
	read_file(path("Q/maildirsize"), buf, sizeof buf);
	assert_string_equal(buf, "50S\n8 2\n");
	/* A bad definition with no -Q: an error, not "no quota". */
	fd = open(path("Q/maildirsize"), O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "lots\n", 5), 5);
	close(fd);
	errno = 0;
	assert_int_equal(maildir_quota_get(&md, NULL, &q), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(count_files(path("Q/tmp")), 0);
	maildir_close(&md);
}

/* W= counts each LF not after a CR twice, also when the CR and the LF
 * come in two writes. */
static void
test_vsize(void **state)
{
	static struct maildir_msg m;
	struct maildir md;
	(void)state;

	assert_int_equal(maildir_open(&md, path("MV"), NULL, 1), 0);
	assert_int_equal(maildir_msg_begin(&md, &m), 0);
	assert_int_equal(maildir_msg_write(&m, "a\r\nb\n", 5), 0);
	assert_int_equal(maildir_msg_write(&m, "c\r", 2), 0);
	assert_int_equal(maildir_msg_write(&m, "\n\rd\n\n", 5), 0);
	/* 12 bytes; LFs: after CR, bare, after CR, after d, bare -> +3 */
	assert_int_equal(maildir_msg_commit(&m), 0);
	assert_non_null(strstr(m.newname, ",S=12,W=15"));
	maildir_close(&md);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_folder_dir),
		cmocka_unit_test(test_open_and_deliver),
		cmocka_unit_test(test_abort),
		cmocka_unit_test(test_big_message),
		cmocka_unit_test(test_vsize),
		cmocka_unit_test(test_quota_def),
		cmocka_unit_test(test_quota_parse),
		cmocka_unit_test(test_quota_over),
		cmocka_unit_test(test_quota_get),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
