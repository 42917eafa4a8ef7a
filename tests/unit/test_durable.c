#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "durable.h"

static char top[64];
static int dfd = -1;

static int
setup(void **state)
{
	(void)state;
	snprintf(top, sizeof top, "/tmp/test_durable.XXXXXX");
	if (mkdtemp(top) == NULL)
		return -1;
	dfd = open(top, O_RDONLY | O_DIRECTORY);
	unsetenv("FACTEUR_CRASH_AFTER");
	unsetenv("FACTEUR_DURABLE_TRACE");
	durable_harness_init();
	return dfd < 0 ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];
	(void)state;
	close(dfd);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
	return system(cmd) == 0 ? 0 : -1;
}

static size_t
slurp(const char *name, char *buf, size_t n)
{
	int fd = openat(dfd, name, O_RDONLY);
	ssize_t r;

	if (fd < 0)
		return (size_t)-1;
	r = read(fd, buf, n - 1);
	close(fd);
	assert_true(r >= 0);
	buf[r] = '\0';
	return (size_t)r;
}

static void
test_create_write_link(void **state)
{
	char buf[64];
	int fd;
	(void)state;

	fd = durable_create(dfd, "a", 0600);
	assert_true(fd >= 0);
	/* Creating again fails: never replace. */
	assert_int_equal(durable_create(dfd, "a", 0600), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(durable_write(fd, "hello", 5), 0);
	assert_int_equal(durable_fsync(fd), 0);
	close(fd);
	assert_int_equal(durable_link(dfd, "a", dfd, "b"), 0);
	assert_int_equal(durable_link(dfd, "a", dfd, "b"), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(durable_dirsync(dfd), 0);
	assert_int_equal(slurp("b", buf, sizeof buf), 5);
	assert_string_equal(buf, "hello");
	assert_int_equal(durable_rename(dfd, "b", dfd, "c"), 0);
	assert_int_equal(durable_unlink(dfd, "c"), 0);
	assert_int_equal(durable_unlink(dfd, "c"), -1);
	assert_int_equal(errno, ENOENT);
	/* Symbolic links are not followed on create. */
	assert_int_equal(symlinkat("/tmp/nonexistent-target", dfd, "sym"), 0);
	assert_int_equal(durable_create(dfd, "sym", 0600), -1);
	assert_int_equal(unlinkat(dfd, "sym", 0), 0);
	assert_int_equal(unlinkat(dfd, "a", 0), 0);
}

static void
test_move_noreplace(void **state)
{
	char buf[64];
	int fd;
	(void)state;

	fd = durable_create(dfd, "t1", 0600);
	assert_int_equal(durable_write(fd, "one", 3), 0);
	close(fd);
	fd = durable_create(dfd, "n1", 0600);
	assert_int_equal(durable_write(fd, "old", 3), 0);
	close(fd);
	/* The existing name is kept, and so is the tmp file. */
	assert_int_equal(durable_move_noreplace(dfd, "t1", dfd, "n1"), -1);
	assert_int_equal(errno, EEXIST);
	slurp("n1", buf, sizeof buf);
	assert_string_equal(buf, "old");
	assert_int_equal(durable_move_noreplace(dfd, "t1", dfd, "n2"), 0);
	slurp("n2", buf, sizeof buf);
	assert_string_equal(buf, "one");
	assert_int_equal(faccessat(dfd, "t1", F_OK, 0), -1);
	unlinkat(dfd, "n1", 0);
	unlinkat(dfd, "n2", 0);
}

static void
test_replace_append(void **state)
{
	char buf[64];
	(void)state;

	assert_int_equal(durable_replace(dfd, "f", "f.tmp", "v1", 2, 0644), 0);
	slurp("f", buf, sizeof buf);
	assert_string_equal(buf, "v1");
	assert_int_equal(durable_replace(dfd, "f", "f.tmp", "v22", 3, 0644), 0);
	slurp("f", buf, sizeof buf);
	assert_string_equal(buf, "v22");
	assert_int_equal(faccessat(dfd, "f.tmp", F_OK, 0), -1);
	/* A stale tmp name makes replace fail without touching f. */
	close(durable_create(dfd, "f.tmp", 0600));
	assert_int_equal(durable_replace(dfd, "f", "f.tmp", "v3", 2, 0644), -1);
	slurp("f", buf, sizeof buf);
	assert_string_equal(buf, "v22");
	unlinkat(dfd, "f.tmp", 0);

	assert_int_equal(durable_append(dfd, "log", "a\n", 2, 0600), 0);
	assert_int_equal(durable_append(dfd, "log", "b\n", 2, 0600), 0);
	slurp("log", buf, sizeof buf);
	assert_string_equal(buf, "a\nb\n");
	assert_int_equal(durable_append(dfd, "nodir/log", "b\n", 2, 0600), -1);
}

/* In a child: steps until the harness kills it; returns how it ended. */
static int
child_steps(const char *crash_after, int nsteps)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		char name[32];

		setenv("FACTEUR_CRASH_AFTER", crash_after, 1);
		durable_harness_init();
		for (int i = 0; i < nsteps; i++) {
			snprintf(name, sizeof name, "s%d", i);
			int fd = durable_create(dfd, name, 0600);
			if (fd < 0)
				_exit(3);
			close(fd);
		}
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void
test_crash_harness(void **state)
{
	char path[128], buf[512];
	int status;
	(void)state;

	/* Killed right after its third step: s0..s2 exist, s3 does not. */
	status = child_steps("3", 5);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_int_equal(faccessat(dfd, "s2", F_OK, 0), 0);
	assert_int_equal(faccessat(dfd, "s3", F_OK, 0), -1);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "s%d", i);
		unlinkat(dfd, path, 0);
	}
	/* More steps allowed than taken: it ends normally. */
	status = child_steps("10", 2);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	unlinkat(dfd, "s0", 0);
	unlinkat(dfd, "s1", 0);
	/* A malformed value is ignored. */
	status = child_steps("x", 1);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	unlinkat(dfd, "s0", 0);

	/* The trace names every step in order. */
	snprintf(path, sizeof path, "%s/trace", top);
	setenv("FACTEUR_DURABLE_TRACE", path, 1);
	durable_harness_init();
	int fd = durable_create(dfd, "x", 0600);
	assert_int_equal(durable_write(fd, "x", 1), 0);
	assert_int_equal(durable_fsync(fd), 0);
	close(fd);
	assert_int_equal(durable_rename(dfd, "x", dfd, "y"), 0);
	assert_int_equal(durable_dirsync(dfd), 0);
	unsetenv("FACTEUR_DURABLE_TRACE");
	durable_harness_init();
	slurp("trace", buf, sizeof buf);
	char want[256];
	long pid = (long)getpid();
	snprintf(want, sizeof want,
	    "%ld 1 create x\n%ld 2 write -\n%ld 3 fsync -\n%ld 4 rename y\n"
	    "%ld 5 dirsync -\n", pid, pid, pid, pid, pid);
	assert_string_equal(buf, want);
	unlinkat(dfd, "y", 0);
	unlinkat(dfd, "trace", 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_write_link),
		cmocka_unit_test(test_move_noreplace),
		cmocka_unit_test(test_replace_append),
		cmocka_unit_test(test_crash_harness),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
