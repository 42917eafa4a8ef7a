/*
 * Unit tests for lib/uniq: the shape of names, uniqueness, host name
 * escaping (in a private UTS namespace when we may make one) and buffer
 * bounds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <regex.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "uniq.h"

#define CANARY 0xa5

/* Checks that s is a Maildir-safe host: [A-Za-z0-9._-] and \ooo only. */
static int
host_safe(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		    *s == '.')
			continue;
		if (*s != '\\')
			return 0;
		if (s[1] < '0' || s[1] > '3' || s[2] < '0' || s[2] > '7' ||
		    s[3] < '0' || s[3] > '7')
			return 0;
		s += 3;
	}
	return 1;
}

static time_t
now(void)
{
	struct timespec ts;

	assert_int_equal(clock_gettime(CLOCK_REALTIME, &ts), 0);
	return ts.tv_sec;
}

static void
test_shape(void **state)
{
	regex_t re;
	regmatch_t m[5];
	char buf[UNIQ_MAX], host[UNIQ_MAX], pid[32];
	time_t before, after, t = 0;
	int n;
	(void)state;

	assert_int_equal(regcomp(&re,
	    "^([0-9]+)\\.M[0-9]{6}P([0-9]+)_R[0-9a-f]{16}\\.(.+)$",
	    REG_EXTENDED), 0);
	/* Not time(2): it may lag the clock uniq_name reads. */
	before = now();
	n = uniq_name(buf, sizeof buf, &t);
	after = now();
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(buf));
	if (regexec(&re, buf, 5, m, 0) != 0)
		fail_msg("bad shape: %s", buf);
	/* The time given back is the one in the name, and is now. */
	assert_true(t >= before && t <= after);
	assert_int_equal(strtoll(buf, NULL, 10), (long long)t);
	/* The pid is ours. */
	snprintf(pid, sizeof pid, "%ld", (long)getpid());
	assert_int_equal(m[2].rm_eo - m[2].rm_so, (regoff_t)strlen(pid));
	assert_memory_equal(buf + m[2].rm_so, pid, strlen(pid));
	/* The host part is the escaped host name. */
	assert_true(uniq_host(host, sizeof host) > 0);
	assert_string_equal(buf + m[3].rm_so, host);
	/* t_r may be NULL. */
	n = uniq_name(buf, sizeof buf, NULL);
	assert_true(n > 0);
	assert_int_equal(regexec(&re, buf, 0, NULL, 0), 0);
	/* Nothing in a name can make a path. */
	assert_null(strchr(buf, '/'));
	assert_null(strchr(buf, ':'));
	regfree(&re);
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
test_distinct(void **state)
{
	enum { N = 10000 };
	char (*names)[UNIQ_MAX] = malloc(sizeof *names * N);
	size_t i;
	(void)state;

	assert_non_null(names);
	for (i = 0; i < N; i++)
		assert_true(uniq_name(names[i], UNIQ_MAX, NULL) > 0);
	qsort(names, N, sizeof *names, cmp);
	for (i = 1; i < N; i++)
		if (strcmp(names[i - 1], names[i]) == 0)
			fail_msg("duplicate name %s", names[i]);
	/* The random part alone differs too. */
	for (i = 0; i < N; i++) {
		char *r = strstr(names[i], "_R");

		assert_non_null(r);
		memmove(names[i], r + 2, 16);
		names[i][16] = '\0';
	}
	qsort(names, N, sizeof *names, cmp);
	for (i = 1; i < N; i++)
		if (strcmp(names[i - 1], names[i]) == 0)
			fail_msg("random part repeats: %s", names[i]);
	free(names);
}

/* Names made in two processes differ as well. */
static void
test_distinct_fork(void **state)
{
	char a[UNIQ_MAX], b[UNIQ_MAX];
	int p[2], status;
	pid_t pid;
	(void)state;

	assert_int_equal(pipe(p), 0);
	assert_true(uniq_name(a, sizeof a, NULL) > 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int n = uniq_name(b, sizeof b, NULL);

		_exit(n > 0 && write(p[1], b, (size_t)n + 1) == n + 1 ? 0 : 1);
	}
	close(p[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(read(p[0], b, sizeof b) > 0);
	close(p[0]);
	assert_string_not_equal(a, b);
}

static void
test_host_here(void **state)
{
	char buf[UNIQ_HOST_MAX * 4 + 8];
	int n;
	(void)state;

	n = uniq_host(buf, sizeof buf);
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(buf));
	assert_null(strchr(buf, '/'));
	assert_null(strchr(buf, ':'));
	assert_true(host_safe(buf));
	assert_true(n <= UNIQ_HOST_MAX);
}

/* Enters a private UTS namespace; 0, or -1 if we may not. */
static int
own_uts(void)
{
	if (unshare(CLONE_NEWUTS) == 0)
		return 0;
	return unshare(CLONE_NEWUSER | CLONE_NEWUTS);
}

/*
 * Runs fn in a child (which gets its own UTS namespace): fn returns 0 if
 * all is well, 77 if the host name cannot be set, else a check number.
 */
static void
in_child(int (*fn)(void))
{
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(own_uts() < 0 ? 77 : fn());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	if (WEXITSTATUS(status) != 0)
		fail_msg("check %d failed (see above)", WEXITSTATUS(status));
}

static int
host_escape_child(void)
{
	static const struct {
		const char *host, *want;
	} cases[] = {
		{ "a/b:c", "a\\057b\\072c" },
		{ "mx1.example.org", "mx1.example.org" },
		{ "with space", "with\\040space" },
		{ "back\\slash", "back\\134slash" },
		{ "nl\nx", "nl\\012x" },
		{ "\xc3\xa9t\xff", "\\303\\251t\\377" },
		{ "Up-Low_9.", "Up-Low_9." },
		{ "", "localhost" },
	};
	char buf[UNIQ_HOST_MAX * 4 + 8];
	size_t i;
	int n;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (sethostname(cases[i].host, strlen(cases[i].host)) < 0)
			return 77;
		n = uniq_host(buf, sizeof buf);
		if (n < 0 || strcmp(buf, cases[i].want) != 0 ||
		    (size_t)n != strlen(buf)) {
			fprintf(stderr, "host \"%s\": got \"%s\"\n",
			    cases[i].host, n < 0 ? "(error)" : buf);
			return 10 + (int)i;
		}
	}
	return 0;
}

static void
test_host_escape(void **state)
{
	(void)state;
	in_child(host_escape_child);
}

/*
 * The longest host names: the result is cut to UNIQ_HOST_MAX bytes, as
 * uniq.h says, and never in the middle of an escape.
 */
static int
host_cut_child(void)
{
	char buf[UNIQ_HOST_MAX * 4 + 8], host[UNIQ_HOST_MAX + 1];
	size_t i, k;
	int n;

	for (i = 0; i <= UNIQ_HOST_MAX; i++) {
		/* Plain bytes, then i escaped ones at the end. */
		memset(host, 'h', UNIQ_HOST_MAX);
		for (k = UNIQ_HOST_MAX - i; k < UNIQ_HOST_MAX; k++)
			host[k] = ':';
		if (sethostname(host, UNIQ_HOST_MAX) < 0)
			return 77;
		n = uniq_host(buf, sizeof buf);
		if (n < 0 || n > UNIQ_HOST_MAX || !host_safe(buf) ||
		    strchr(buf, ':') != NULL ||
		    memcmp(buf, host, n < (int)(UNIQ_HOST_MAX - i) ?
		    (size_t)n : UNIQ_HOST_MAX - i) != 0) {
			fprintf(stderr, "host with %zu ':' of %d bytes: got "
			    "%d bytes \"%s\"\n", i, UNIQ_HOST_MAX, n,
			    n < 0 ? "(error)" : buf);
			return 30;
		}
	}
	return 0;
}

static void
test_host_cut(void **state)
{
	(void)state;
	in_child(host_cut_child);
}

static void
test_name_small_buffers(void **state)
{
	unsigned char buf[UNIQ_MAX + 64];
	size_t len, n, i;
	int r;
	(void)state;

	r = uniq_name((char *)buf, UNIQ_MAX, NULL);
	assert_true(r > 0);
	len = (size_t)r;
	for (n = 0; n <= len; n++) {
		memset(buf, CANARY, sizeof buf);
		errno = 0;
		r = uniq_name((char *)buf, n, NULL);
		assert_int_equal(r, -1);
		assert_int_equal(errno, ERANGE);
		for (i = n; i < sizeof buf; i++)
			if (buf[i] != CANARY)
				fail_msg("size %zu: byte %zu written", n, i);
	}
	/* One more byte is enough. */
	memset(buf, CANARY, sizeof buf);
	assert_int_equal(uniq_name((char *)buf, len + 1, NULL), (int)len);
	assert_int_equal(buf[len], '\0');
	for (i = len + 1; i < sizeof buf; i++)
		assert_int_equal(buf[i], CANARY);
}

static void
test_host_small_buffers(void **state)
{
	unsigned char buf[UNIQ_HOST_MAX * 4 + 64];
	size_t len, n, i;
	int r;
	(void)state;

	r = uniq_host((char *)buf, sizeof buf);
	assert_true(r > 0);
	len = (size_t)r;
	for (n = 0; n <= len; n++) {
		memset(buf, CANARY, sizeof buf);
		errno = 0;
		assert_int_equal(uniq_host((char *)buf, n), -1);
		assert_int_equal(errno, ERANGE);
		for (i = n; i < sizeof buf; i++)
			if (buf[i] != CANARY)
				fail_msg("size %zu: byte %zu written", n, i);
	}
	memset(buf, CANARY, sizeof buf);
	assert_int_equal(uniq_host((char *)buf, len + 1), (int)len);
	assert_int_equal(buf[len], '\0');
	assert_int_equal(buf[len + 1], CANARY);
}

/* An escaped host name, cut at every point by a small buffer. */
static int
host_small_child(void)
{
	unsigned char buf[64];
	size_t n, i;
	int r;

	if (sethostname("a:b/c", 5) < 0)
		return 77;
	/* "a\072b\057c" is 11 bytes. */
	for (n = 0; n <= 11; n++) {
		memset(buf, CANARY, sizeof buf);
		errno = 0;
		r = uniq_host((char *)buf, n);
		if (r != -1 || errno != ERANGE)
			return 1;
		for (i = n; i < sizeof buf; i++)
			if (buf[i] != CANARY)
				return 2;
	}
	memset(buf, CANARY, sizeof buf);
	if (uniq_host((char *)buf, 12) != 11 ||
	    memcmp(buf, "a\\072b\\057c", 12) != 0 || buf[12] != CANARY)
		return 3;
	return 0;
}

static void
test_host_small_buffers_escaped(void **state)
{
	(void)state;
	in_child(host_small_child);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_escape),
		cmocka_unit_test(test_host_cut),
		cmocka_unit_test(test_host_small_buffers_escaped),
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_distinct),
		cmocka_unit_test(test_distinct_fork),
		cmocka_unit_test(test_host_here),
		cmocka_unit_test(test_name_small_buffers),
		cmocka_unit_test(test_host_small_buffers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
