/*
 * Unit tests for lib/dhcplease: record format, journal and snapshot,
 * a torn last record, compaction, and a crash after every durable step
 * (through the durable.h harness) losing no synced lease.
 */
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

#include "dhcplease.h"
#include "durable.h"

#define NIPS 64

/* What the callback saw: the last record per address (10.0.0.x). */
struct seen {
	struct lease_rec last[NIPS];
	int have[NIPS];
	size_t calls;
};

static void
remember(void *ctx, const struct lease_rec *r)
{
	struct seen *s = ctx;
	uint32_t i = r->ip & 0xff;

	s->calls++;
	if ((r->ip >> 8) != 0x0a0000 || i >= NIPS)
		return;
	s->last[i] = *r;
	s->have[i] = 1;
}

static void
rec(struct lease_rec *r, uint32_t i, int state, int64_t end)
{
	memset(r, 0, sizeof *r);
	r->ip = 0x0a000000u | i;
	r->state = (uint8_t)state;
	r->start = 1767225600;
	r->end = end;
	r->htype = 1;
	r->hlen = 6;
	r->hw[0] = 2;
	r->hw[5] = (uint8_t)i;
	r->cidlen = 7;
	r->cid[0] = 1;
	r->cid[6] = (uint8_t)i;
	snprintf(r->host, sizeof r->host, "host%u", i);
}

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/test_dhcplease.XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_format(void **state)
{
	struct lease_rec r, p;
	char line[LEASE_LINE_MAX + 16];
	long n;

	(void)state;
	rec(&r, 5, LEASE_ACTIVE, 1767226200);
	strcpy(r.host, "deb ian\n");
	n = lease_format(&r, line, sizeof line);
	assert_true(n > 0);
	assert_int_equal(line[n - 1], '\n');
	assert_non_null(strstr(line, "L 10.0.0.5 active 1767225600 1767226200 "
				    "1 020000000005 01000000000005 deb_ian_ "));
	assert_int_equal(lease_parse(line, (size_t)n - 1, &p), 0);
	assert_true(p.ip == r.ip);
	assert_int_equal(p.state, LEASE_ACTIVE);
	assert_true(p.end == r.end);
	assert_int_equal(p.hlen, 6);
	assert_memory_equal(p.hw, r.hw, 6);
	assert_int_equal(p.cidlen, 7);
	assert_memory_equal(p.cid, r.cid, 7);
	assert_string_equal(p.host, "deb_ian_");
	/* Any changed byte breaks the CRC or the syntax. */
	for (long i = 0; i < n - 1; i++) {
		char c = line[i];

		line[i] = c == 'x' ? 'y' : 'x';
		assert_int_equal(lease_parse(line, (size_t)n - 1, &p), -1);
		line[i] = c;
	}
	/* Every cut is refused. */
	for (long i = 0; i < n - 1; i++)
		assert_int_equal(lease_parse(line, (size_t)i, &p), -1);
	r.hlen = 17;
	assert_int_equal(lease_format(&r, line, sizeof line), -1);
	rec(&r, 5, LEASE_FREE, 0);
	r.hlen = 0;
	r.cidlen = 0;
	r.host[0] = '\0';
	n = lease_format(&r, line, sizeof line);
	assert_int_equal(lease_parse(line, (size_t)n - 1, &p), 0);
	assert_int_equal(p.hlen, 0);
	assert_int_equal(p.host[0], '\0');
	assert_int_equal(lease_crc32("123456789", 9), 0xcbf43926u);
}

static void
test_journal(void **state)
{
	static struct seen s;
	struct lease_db db;
	struct lease_stats st;
	struct lease_rec r;
	uint32_t i;

	(void)state;
	memset(&s, 0, sizeof s);
	assert_int_equal(lease_db_open(dir, remember, &s, &db, &st), 0);
	assert_int_equal(st.records, 0);
	for (i = 1; i <= 20; i++) {
		rec(&r, i, LEASE_ACTIVE, 1767226200 + i);
		assert_int_equal(lease_db_append(&db, &r), 0);
	}
	rec(&r, 3, LEASE_FREE, 1767226000);
	assert_int_equal(lease_db_append(&db, &r), 0);
	assert_int_equal(lease_db_write(&db), 0);
	assert_int_equal(lease_db_sync(&db), 0);
	assert_int_equal(lease_db_close(&db), 0);

	memset(&s, 0, sizeof s);
	assert_int_equal(lease_db_load(dir, remember, &s, &st), 0);
	assert_int_equal(st.records, 21);
	assert_int_equal(st.bad, 0);
	assert_int_equal(st.torn, 0);
	assert_true(s.have[20]);
	assert_true(s.last[20].end == 1767226220);
	assert_int_equal(s.last[3].state, LEASE_FREE);
	assert_int_equal(s.last[4].state, LEASE_ACTIVE);
}

static void
append_raw(const char *name, const char *bytes)
{
	char path[128];
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, bytes, strlen(bytes)), (ssize_t)strlen(bytes));
	close(fd);
}

static void
test_torn(void **state)
{
	static struct seen s;
	struct lease_db db;
	struct lease_stats st;
	struct lease_rec r;
	char line[LEASE_LINE_MAX + 16];
	long n;

	(void)state;
	memset(&s, 0, sizeof s);
	assert_int_equal(lease_db_open(dir, remember, &s, &db, &st), 0);
	rec(&r, 1, LEASE_ACTIVE, 1767226201);
	assert_int_equal(lease_db_append(&db, &r), 0);
	assert_int_equal(lease_db_close(&db), 0);
	/* A bad record in the middle, then half of a record. */
	append_raw("journal.1", "L garbage\n");
	rec(&r, 2, LEASE_ACTIVE, 1767226202);
	n = lease_format(&r, line, sizeof line);
	append_raw("journal.1", line);
	line[n / 2] = '\0';
	rec(&r, 9, LEASE_ACTIVE, 1767226209);
	n = lease_format(&r, line, sizeof line);
	line[n / 2] = '\0';
	append_raw("journal.1", line);

	memset(&s, 0, sizeof s);
	assert_int_equal(lease_db_open(dir, remember, &s, &db, &st), 0);
	assert_int_equal(st.records, 2);
	assert_int_equal(st.bad, 1);
	assert_int_equal(st.torn, 1);
	assert_false(s.have[9]);
	/* The torn tail was cut: a new record after it reads back. */
	rec(&r, 10, LEASE_ACTIVE, 1767226210);
	assert_int_equal(lease_db_append(&db, &r), 0);
	assert_int_equal(lease_db_close(&db), 0);
	memset(&s, 0, sizeof s);
	assert_int_equal(lease_db_load(dir, remember, &s, &st), 0);
	assert_int_equal(st.records, 3);
	assert_int_equal(st.torn, 0);
	assert_true(s.have[10]);
	assert_true(s.have[2]);

	/* A complete last line with a bad CRC is torn too. */
	append_raw("journal.1", "L 10.0.0.11 active 1 2 1 - - - 00000000\n");
	memset(&s, 0, sizeof s);
	assert_int_equal(lease_db_load(dir, remember, &s, &st), 0);
	assert_int_equal(st.torn, 1);
	assert_int_equal(st.bad, 1);
}

struct iter {
	uint32_t i, n;
};

static int
next_rec(void *ctx, struct lease_rec *r)
{
	struct iter *it = ctx;

	if (it->i >= it->n)
		return 0;
	it->i++;
	rec(r, it->i, LEASE_ACTIVE, 1767227000 + it->i);
	return 1;
}

static void
test_compaction(void **state)
{
	static struct seen s;
	struct lease_db db;
	struct lease_stats st;
	struct lease_rec r;
	struct iter it = { 0, 30 };
	uint64_t gen;
	char path[128];

	(void)state;
	memset(&s, 0, sizeof s);
	assert_int_equal(lease_db_open(dir, remember, &s, &db, &st), 0);
	for (uint32_t i = 1; i <= 30; i++) {
		rec(&r, i, LEASE_ACTIVE, 1767227000 + i);
		assert_int_equal(lease_db_append(&db, &r), 0);
	}
	assert_int_equal(lease_db_rotate(&db, &gen), 0);
	assert_int_equal(gen, 2);
	/* Appended after the rotation: must survive the snapshot. */
	rec(&r, 31, LEASE_ACTIVE, 1767228031);
	assert_int_equal(lease_db_append(&db, &r), 0);
	assert_int_equal(lease_db_write(&db), 0);
	assert_int_equal(lease_db_snapshot(db.dirfd, gen, next_rec, &it), 0);
	assert_int_equal(lease_db_close(&db), 0);
	snprintf(path, sizeof path, "%s/journal.1", dir);
	assert_int_equal(access(path, F_OK), -1);
	memset(&s, 0, sizeof s);
	assert_int_equal(lease_db_load(dir, remember, &s, &st), 0);
	assert_int_equal(st.records, 31);
	assert_int_equal(st.gen, 2);
	assert_true(s.have[1] && s.have[30] && s.have[31]);
	/* The current state: one record per address, by address. */
	{
		struct lease_rec *cur;
		size_t n;

		assert_int_equal(lease_db_current(dir, 0, &cur, &n, &st), 0);
		assert_int_equal(n, 31);
		for (size_t k = 1; k < n; k++)
			assert_true(cur[k - 1].ip < cur[k].ip);
		free(cur);
		/* At a later time only the unexpired ones. */
		assert_int_equal(lease_db_current(dir, 1767227020, &cur, &n,
				     &st), 0);
		assert_int_equal(n, 11);
		free(cur);
	}
	/* Reopening goes on appending to journal.2. */
	assert_int_equal(lease_db_open(dir, remember, &s, &db, &st), 0);
	assert_int_equal(db.gen, 2);
	/* Released and re-leased: the last record wins; compaction keeps
	 * only live leases. */
	rec(&r, 5, LEASE_FREE, 1767227005);
	assert_int_equal(lease_db_append(&db, &r), 0);
	assert_int_equal(lease_db_rotate(&db, &gen), 0);
	assert_int_equal(lease_db_compact(dir, db.dirfd, gen, 1767227010), 0);
	assert_int_equal(lease_db_close(&db), 0);
	memset(&s, 0, sizeof s);
	assert_int_equal(lease_db_load(dir, remember, &s, &st), 0);
	assert_int_equal(st.records, 21);
	assert_false(s.have[5]);
	assert_false(s.have[10]);
	assert_true(s.have[11]);
}

/*
 * A reader (dhcpd's reload, dhcp-leases, a restart beside the compaction
 * child of a killed dhcpd) loading while a compaction replaces the
 * snapshot and removes the journals it covers must still see every
 * lease.  The compaction child is told to start right after the reader
 * has read the old snapshot; the reader waits (at most 2 s) for it to
 * end before it goes on to the journals.  Without a lock the reader misses
 * the journals removed meanwhile.
 */
struct racer {
	struct seen *s;
	int go;    /* write end of the pipe that starts the compaction */
	pid_t pid; /* the compaction child, -1 once reaped */
};

static void
race_cb(void *ctx, const struct lease_rec *r)
{
	struct racer *rc = ctx;

	remember(rc->s, r);
	if (rc->go < 0)
		return;
	assert_int_equal(write(rc->go, "x", 1), 1);
	close(rc->go);
	rc->go = -1;
	for (int i = 0; i < 200; i++) {
		if (waitpid(rc->pid, NULL, WNOHANG) == rc->pid) {
			rc->pid = -1;
			return;
		}
		usleep(10000);
	}
}

static void
test_load_during_compaction(void **state)
{
	static struct seen s;
	struct lease_db db;
	struct lease_stats st;
	struct lease_rec r;
	struct racer rc;
	uint64_t gen;
	int status, p[2];

	(void)state;
	memset(&s, 0, sizeof s);
	assert_int_equal(lease_db_open(dir, remember, &s, &db, &st), 0);
	/* Snapshot 2 holds lease 1; journal 2 holds 2..20. */
	rec(&r, 1, LEASE_ACTIVE, 1767227001);
	assert_int_equal(lease_db_append(&db, &r), 0);
	assert_int_equal(lease_db_rotate(&db, &gen), 0);
	assert_int_equal(lease_db_compact(dir, db.dirfd, gen, 0), 0);
	for (uint32_t i = 2; i <= 20; i++) {
		rec(&r, i, LEASE_ACTIVE, 1767227000 + i);
		assert_int_equal(lease_db_append(&db, &r), 0);
	}
	/* Journal 3 gets lease 21; compacting into 3 removes journal 2. */
	assert_int_equal(lease_db_rotate(&db, &gen), 0);
	rec(&r, 21, LEASE_ACTIVE, 1767227021);
	assert_int_equal(lease_db_append(&db, &r), 0);
	assert_int_equal(lease_db_write(&db), 0);
	/* The compaction child, forked before the load as dhcpd forks
	 * it from its loop, waits for the word to go. */
	assert_int_equal(pipe(p), 0);
	rc.pid = fork();
	assert_true(rc.pid >= 0);
	if (rc.pid == 0) {
		char c;

		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(2);
		_exit(lease_db_compact(dir, db.dirfd, gen, 0) == 0 ? 0 : 1);
	}
	close(p[0]);
	memset(&s, 0, sizeof s);
	rc.s = &s;
	rc.go = p[1];
	assert_int_equal(lease_db_load(dir, race_cb, &rc, &st), 0);
	if (rc.pid > 0)
		assert_int_equal(waitpid(rc.pid, &status, 0), rc.pid);
	for (uint32_t i = 1; i <= 21; i++)
		if (!s.have[i])
			fail_msg("lease %u missed while compacting", i);
	/* And the compaction did its job. */
	memset(&s, 0, sizeof s);
	assert_int_equal(lease_db_load(dir, remember, &s, &st), 0);
	assert_int_equal(st.records, 22); /* 21 in the snapshot, 21 again */
	/* A late compaction of an older generation puts nothing back. */
	{
		struct iter none = { 0, 0 };

		assert_int_equal(lease_db_snapshot(db.dirfd, 2, next_rec,
				     &none), 0);
	}
	memset(&s, 0, sizeof s);
	assert_int_equal(lease_db_load(dir, remember, &s, &st), 0);
	assert_int_equal(st.records, 22);
	assert_int_equal(lease_db_close(&db), 0);
}

/*
 * A child appends and syncs one lease at a time, reporting each synced
 * one on a pipe, and is killed after its N-th durable step; every lease
 * it reported must load.  Then the same with a rotation and snapshot.
 */
static void
crash_run(unsigned long n, int compact, int *finished_r)
{
	static struct seen s;
	struct lease_stats st;
	int pfd[2], status;
	pid_t pid;
	uint8_t acked[NIPS];
	ssize_t got;
	size_t nacked = 0, i;
	char env[32], cmd[160];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'/*", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct lease_db db;
		struct lease_rec r;
		struct seen *cs = calloc(1, sizeof *cs);
		struct iter it = { 0, 10 };
		uint64_t gen;
		uint8_t b;

		close(pfd[0]);
		snprintf(env, sizeof env, "%lu", n);
		setenv("FACTEUR_CRASH_AFTER", env, 1);
		durable_harness_init();
		if (cs == NULL || lease_db_open(dir, remember, cs, &db, &st))
			_exit(1);
		for (uint32_t k = 1; k <= 20; k++) {
			rec(&r, k, LEASE_ACTIVE, 1767226200 + k);
			if (lease_db_append(&db, &r) || lease_db_write(&db) ||
			    lease_db_sync(&db))
				_exit(1);
			b = (uint8_t)k;
			if (write(pfd[1], &b, 1) != 1)
				_exit(1);
			if (compact && k == 10) {
				if (lease_db_rotate(&db, &gen) != 0 ||
				    lease_db_snapshot(db.dirfd, gen, next_rec,
					&it) != 0)
					_exit(1);
			}
		}
		_exit(lease_db_close(&db) == 0 ? 0 : 1);
	}
	close(pfd[1]);
	while ((got = read(pfd[0], acked + nacked, 1)) == 1 && nacked < NIPS)
		nacked++;
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status)) {
		assert_int_equal(WEXITSTATUS(status), 0);
		*finished_r = 1;
	} else {
		assert_true(WIFSIGNALED(status));
		assert_int_equal(WTERMSIG(status), SIGKILL);
	}
	memset(&s, 0, sizeof s);
	assert_int_equal(lease_db_load(dir, remember, &s, &st), 0);
	assert_int_equal(st.bad, 0);
	for (i = 0; i < nacked; i++) {
		if (!s.have[acked[i]])
			fail_msg("crash after step %lu: lease %u lost", n,
			    acked[i]);
		assert_true(s.last[acked[i]].end == 1767226200 + acked[i] ||
		    (acked[i] <= 10 &&
			s.last[acked[i]].end == 1767227000 + acked[i]));
	}
}

static void
test_crash(void **state)
{
	unsigned long n;
	int finished = 0;

	(void)state;
	for (n = 1; n < 400 && !finished; n++)
		crash_run(n, 0, &finished);
	assert_true(finished);
	/* 20 leases take a write and an fsync each: all were cut. */
	assert_true(n > 40);
	finished = 0;
	for (n = 1; n < 400 && !finished; n++)
		crash_run(n, 1, &finished);
	assert_true(finished);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test_setup_teardown(test_journal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compaction, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_load_during_compaction,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
