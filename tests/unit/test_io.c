/*
 * Unit tests for lib/io: rbuf_getline limits and byte handling, reads and
 * writes through pipes and socketpairs, timeouts.  The far end of a pipe
 * is a forked child (the Makefile links no thread library).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io.h"
#include "str.h"

/* How the bytes reach the reader. */
enum feed {
	FEED_PREFILLED,	/* all written to a pipe before reading starts */
	FEED_BYTES,	/* one byte per read: SOCK_SEQPACKET, 1-byte records */
	FEED_CHUNKS,	/* a writer process, 7 bytes per write */
};

static unsigned char
pat(size_t i)
{
	return (unsigned char)('a' + (i * 7 + i / 26) % 26);
}

/*
 * Forks a writer that sends n bytes of p to wfd, chunk bytes per write,
 * then exits; the parent's copy of wfd is closed.
 */
static pid_t
writer(int wfd, int rfd, const void *p, size_t n, size_t chunk)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		const unsigned char *s = p;
		size_t off = 0;

		close(rfd);
		while (off < n) {
			size_t k = n - off < chunk ? n - off : chunk;
			ssize_t w = write(wfd, s + off, k);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				_exit(2);
			off += (size_t)w;
		}
		_exit(0);
	}
	close(wfd);
	return pid;
}

static void
reap(pid_t pid)
{
	int status;

	if (pid <= 0)
		return;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Opens a reading fd fed the given way; *pid_r gets the writer, or 0. */
static int
source(enum feed how, const void *p, size_t n, pid_t *pid_r)
{
	int fds[2];

	*pid_r = 0;
	switch (how) {
	case FEED_PREFILLED:
		assert_true(n <= 65536);
		assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
		assert_int_equal(fcntl(fds[1], F_SETPIPE_SZ, 65536) >= 0, 1);
		if (n > 0)
			assert_int_equal(write(fds[1], p, n), (ssize_t)n);
		close(fds[1]);
		return fds[0];
	case FEED_BYTES:
		assert_int_equal(socketpair(AF_UNIX,
		    SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds), 0);
		*pid_r = writer(fds[1], fds[0], p, n, 1);
		return fds[0];
	case FEED_CHUNKS:
		assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
		*pid_r = writer(fds[1], fds[0], p, n, 7);
		return fds[0];
	}
	fail();
	return -1;
}

/*
 * Reads lines until end of input and records what came back:
 * "[bytes]" for a line, "E" for E2BIG, "$" for the end.
 */
static void
transcript(struct rbuf *rb, size_t max, struct str *t)
{
	struct str line = STR_INIT;
	int r;

	str_clear(t);
	for (;;) {
		errno = 0;
		r = rbuf_getline(rb, &line, max);
		if (r == 1) {
			assert_true(line.len > 0);
			assert_true(line.len <= max);
			/* At most one LF, and only at the end. */
			assert_null(memchr(line.s, '\n', line.len - 1));
			assert_int_equal(line.s[line.len], '\0');
			assert_int_equal(str_appendc(t, '['), 0);
			assert_int_equal(str_append(t, line.s, line.len), 0);
			assert_int_equal(str_appendc(t, ']'), 0);
		} else if (r == -1 && errno == E2BIG) {
			assert_int_equal(line.len, 0);
			assert_int_equal(str_appendc(t, 'E'), 0);
		} else if (r == 0) {
			assert_int_equal(line.len, 0);
			assert_int_equal(str_appendc(t, '$'), 0);
			break;
		} else {
			fail_msg("rbuf_getline: %d, %s", r, strerror(errno));
		}
		/* Memory follows the limit, not the input. */
		assert_true(line.cap <= 2 * max + 64);
	}
	/* The end stays the end. */
	assert_int_equal(rbuf_getline(rb, &line, max), 0);
	str_free(&line);
}

/* Runs one input through every way of feeding it. */
static void
lines_case(const void *in, size_t n, size_t max, const void *want,
    size_t wantlen)
{
	static const enum feed hows[] = { FEED_PREFILLED, FEED_BYTES,
		FEED_CHUNKS };
	struct str t = STR_INIT;
	size_t i;

	for (i = 0; i < sizeof hows / sizeof hows[0]; i++) {
		struct rbuf *rb = malloc(sizeof *rb);
		pid_t pid;
		int fd;

		assert_non_null(rb);
		fd = source(hows[i], in, n, &pid);
		rbuf_init(rb, fd, hows[i] == FEED_BYTES ? 10000 : -1);
		transcript(rb, max, &t);
		if (t.len != wantlen || memcmp(t.s, want, wantlen) != 0)
			fail_msg("feed %zu, max %zu: got \"%.*s\"", i, max,
			    (int)t.len, t.s);
		close(fd);
		reap(pid);
		free(rb);
	}
	str_free(&t);
}

#define CASE(in, max, want) \
	lines_case(in, sizeof in - 1, max, want, sizeof want - 1)

static void
test_getline_basic(void **state)
{
	(void)state;
	CASE("", 100, "$");
	CASE("one\ntwo\r\nthree", 100, "[one\n][two\r\n][three]$");
	CASE("one\n", 100, "[one\n]$");
	CASE("\n\n", 100, "[\n][\n]$");
	CASE("\r\n\r\r\n", 100, "[\r\n][\r\r\n]$");
	CASE("x", 100, "[x]$");
	/* Bytes are not interpreted. */
	CASE("a\0b\n\0\n\0", 100, "[a\0b\n][\0\n][\0]$");
	CASE("\xff\xfe\r\x80\n", 100, "[\xff\xfe\r\x80\n]$");
}

static void
test_getline_limit(void **state)
{
	(void)state;
	/* Exactly max bytes, LF included, is accepted; one more is not. */
	CASE("abcd\n", 5, "[abcd\n]$");
	CASE("abcde\nxy\n", 5, "E[xy\n]$");
	CASE("abcdefghijklmnop\nxy\nabcde\n", 5, "E[xy\n]E$");
	/* Without a final LF the same limit holds. */
	CASE("xy\nabcde", 5, "[xy\n][abcde]$");
	CASE("xy\nabcdef", 5, "[xy\n]E$");
	/* Consecutive long lines, then a good one. */
	CASE("123456\n123456\n1234\n", 5, "EE[1234\n]$");
	/* The smallest limits. */
	CASE("\na\n\nb", 1, "[\n]E[\n][b]$");
	CASE("\nab", 1, "[\n]E$");
	CASE("\n", 0, "E$");
	CASE("a", 0, "E$");
	CASE("", 0, "$");
	/* An overlong line does not eat the next one's bytes. */
	CASE("aaaaaaaaaa\n\0\n", 4, "E[\0\n]$");
}

/* Lines of many lengths, crossing the IO_BUFSIZE boundaries. */
static void
test_getline_across_buffers(void **state)
{
	static const enum feed hows[] = { FEED_PREFILLED, FEED_CHUNKS };
	size_t n = 0, len, i, k, h;
	struct str line = STR_INIT;
	unsigned char *in;
	(void)state;

	in = malloc(200000);
	assert_non_null(in);
	for (len = 1; n + len + 1 < 200000 && len < 9000; len += 37) {
		for (i = 0; i < len; i++)
			in[n + i] = pat(n + i);
		n += len;
		in[n++] = '\n';
	}
	for (h = 0; h < 2; h++) {
		struct rbuf *rb = malloc(sizeof *rb);
		size_t off = 0;
		pid_t pid;
		int fd;

		assert_non_null(rb);
		/* The prefilled pipe holds 64 KiB: feed a prefix. */
		k = hows[h] == FEED_PREFILLED ? 65536 : n;
		while (k > 0 && in[k - 1] != '\n')
			k--;
		fd = source(hows[h], in, k, &pid);
		rbuf_init(rb, fd, -1);
		while (rbuf_getline(rb, &line, 9000) == 1) {
			assert_true(off + line.len <= k);
			assert_memory_equal(line.s, in + off, line.len);
			assert_int_equal(line.s[line.len - 1], '\n');
			off += line.len;
		}
		assert_int_equal(off, k);
		close(fd);
		reap(pid);
		free(rb);
	}
	str_free(&line);
	free(in);
}

/* A pipe fed by a writer process, 64 KiB per write. */
static int
pipe_from(const void *p, size_t n, pid_t *pid_r)
{
	int fds[2];

	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	*pid_r = writer(fds[1], fds[0], p, n, 65536);
	return fds[0];
}

static void
test_getline_huge_line(void **state)
{
	const size_t big = 1 << 20;
	struct str line = STR_INIT;
	struct rbuf *rb;
	unsigned char *in;
	size_t n;
	pid_t pid;
	int fd;
	(void)state;

	in = malloc(big + 16);
	rb = malloc(sizeof *rb);
	assert_non_null(in);
	assert_non_null(rb);
	memcpy(in, "hi\n", 3);
	memset(in + 3, 'a', big);
	memcpy(in + 3 + big, "\nok\n", 4);
	n = big + 7;

	/* A small limit: refused, and memory stays small. */
	fd = pipe_from(in, n, &pid);
	rbuf_init(rb, fd, -1);
	assert_int_equal(rbuf_getline(rb, &line, 100), 1);
	assert_string_equal(line.s, "hi\n");
	errno = 0;
	assert_int_equal(rbuf_getline(rb, &line, 100), -1);
	assert_int_equal(errno, E2BIG);
	assert_int_equal(line.len, 0);
	assert_true(line.cap <= 256);
	assert_int_equal(rbuf_getline(rb, &line, 100), 1);
	assert_string_equal(line.s, "ok\n");
	assert_int_equal(rbuf_getline(rb, &line, 100), 0);
	close(fd);
	reap(pid);
	str_free(&line);

	/* A fresh line and a huge line without any LF at all. */
	fd = pipe_from(in + 3, big, &pid);
	rbuf_init(rb, fd, -1);
	errno = 0;
	assert_int_equal(rbuf_getline(rb, &line, 1000), -1);
	assert_int_equal(errno, E2BIG);
	assert_true(line.cap <= 2048);
	assert_int_equal(rbuf_getline(rb, &line, 1000), 0);
	close(fd);
	reap(pid);
	str_free(&line);

	/* A limit of exactly the line's size takes it whole. */
	fd = pipe_from(in + 3, big + 4, &pid);
	rbuf_init(rb, fd, -1);
	assert_int_equal(rbuf_getline(rb, &line, big + 1), 1);
	assert_int_equal(line.len, big + 1);
	assert_memory_equal(line.s, in + 3, big + 1);
	assert_int_equal(rbuf_getline(rb, &line, big + 1), 1);
	assert_string_equal(line.s, "ok\n");
	assert_int_equal(rbuf_getline(rb, &line, big + 1), 0);
	close(fd);
	reap(pid);

	str_free(&line);
	free(rb);
	free(in);
}

static void
test_getline_timeout(void **state)
{
	struct str line = STR_INIT;
	struct rbuf *rb = malloc(sizeof *rb);
	int sv[2];
	(void)state;

	assert_non_null(rb);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv), 0);
	/* Nothing written, the peer still open. */
	rbuf_init(rb, sv[0], 50);
	errno = 0;
	assert_int_equal(rbuf_getline(rb, &line, 100), -1);
	assert_int_equal(errno, ETIMEDOUT);
	errno = 0;
	assert_int_equal(rbuf_fill(rb), -1);
	assert_int_equal(errno, ETIMEDOUT);
	/* Half a line, then silence. */
	assert_int_equal(write(sv[1], "abc", 3), 3);
	errno = 0;
	assert_int_equal(rbuf_getline(rb, &line, 100), -1);
	assert_int_equal(errno, ETIMEDOUT);
	/* A line that is there is read at once, timeout or not. */
	assert_int_equal(write(sv[1], "\nnext\n", 6), 6);
	assert_int_equal(rbuf_getline(rb, &line, 100), 1);
	assert_int_equal(rbuf_getline(rb, &line, 100), 1);
	assert_string_equal(line.s, "next\n");
	/* The peer going away is the end, not a timeout. */
	close(sv[1]);
	assert_int_equal(rbuf_getline(rb, &line, 100), 0);
	close(sv[0]);
	str_free(&line);
	free(rb);
}

static void
test_rbuf_read(void **state)
{
	struct str line = STR_INIT;
	struct rbuf *rb = malloc(sizeof *rb);
	char buf[64];
	pid_t pid;
	int fd;
	(void)state;

	assert_non_null(rb);
	fd = source(FEED_PREFILLED, "HELO x\nhello world", 18, &pid);
	rbuf_init(rb, fd, -1);
	assert_int_equal(rbuf_pending(rb), 0);
	assert_int_equal(rbuf_getline(rb, &line, 100), 1);
	assert_string_equal(line.s, "HELO x\n");
	/* The rest of what was read is buffered. */
	assert_int_equal(rbuf_pending(rb), 11);
	assert_int_equal(rbuf_read(rb, buf, 0), 0);
	assert_int_equal(rbuf_read(rb, buf, 5), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(rbuf_pending(rb), 6);
	assert_int_equal(rbuf_fill(rb), 6);
	assert_int_equal(rbuf_read(rb, buf, sizeof buf), 6);
	assert_memory_equal(buf, " world", 6);
	assert_int_equal(rbuf_pending(rb), 0);
	assert_int_equal(rbuf_read(rb, buf, sizeof buf), 0);
	assert_int_equal(rbuf_fill(rb), 0);
	close(fd);
	str_free(&line);

	/* Byte by byte from the kernel, into odd-sized reads. */
	fd = source(FEED_BYTES, "0123456789", 10, &pid);
	rbuf_init(rb, fd, 10000);
	{
		size_t got = 0;
		ssize_t r;

		while ((r = rbuf_read(rb, buf + got, 3)) > 0)
			got += (size_t)r;
		assert_int_equal(r, 0);
		assert_int_equal(got, 10);
		assert_memory_equal(buf, "0123456789", 10);
	}
	close(fd);
	reap(pid);
	free(rb);
}

static void
test_bad_fd(void **state)
{
	struct str line = STR_INIT;
	struct rbuf *rb = malloc(sizeof *rb);
	struct wbuf *wb = malloc(sizeof *wb);
	int p[2], bad;
	(void)state;

	assert_non_null(rb);
	assert_non_null(wb);
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	close(p[1]);
	bad = p[0];
	rbuf_init(rb, bad, -1);
	errno = 0;
	assert_int_equal(rbuf_getline(rb, &line, 10), -1);
	assert_int_equal(errno, EBADF);
	rbuf_init(rb, bad, 50);
	errno = 0;
	assert_int_equal(rbuf_fill(rb), -1);
	assert_int_equal(errno, EBADF);
	wbuf_init(wb, bad, 50);
	assert_int_equal(wbuf_put(wb, "x", 1), 0);
	errno = 0;
	assert_int_equal(wbuf_flush(wb), -1);
	assert_int_equal(errno, EBADF);
	str_free(&line);
	free(rb);
	free(wb);
}

static void
test_wbuf_small(void **state)
{
	struct wbuf *wb = malloc(sizeof *wb);
	char buf[IO_BUFSIZE * 4];
	ssize_t r;
	size_t got;
	int sv[2];
	(void)state;

	assert_non_null(wb);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv), 0);
	wbuf_init(wb, sv[0], 1000);
	assert_int_equal(wbuf_flush(wb), 0);
	assert_int_equal(wbuf_puts(wb, "hello "), 0);
	assert_int_equal(wbuf_put(wb, "world", 5), 0);
	assert_int_equal(wbuf_put(wb, "", 0), 0);
	assert_int_equal(wbuf_puts(wb, ""), 0);
	/* Buffered, not sent yet. */
	errno = 0;
	assert_int_equal(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT), -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	assert_int_equal(wbuf_flush(wb), 0);
	assert_int_equal(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT), 11);
	assert_memory_equal(buf, "hello world", 11);
	assert_int_equal(wbuf_flush(wb), 0);
	assert_int_equal(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT), -1);

	/* Around the buffer size: everything arrives, in order. */
	{
		static const size_t sizes[] = { IO_BUFSIZE - 1, 1, 1,
			IO_BUFSIZE, 3, IO_BUFSIZE + 1, 0, 2 };
		unsigned char src[IO_BUFSIZE + 1];
		size_t i, total = 0, off = 0;

		for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
			size_t j;

			for (j = 0; j < sizes[i]; j++)
				src[j] = pat(total + j);
			assert_int_equal(wbuf_put(wb, src, sizes[i]), 0);
			total += sizes[i];
			/* Read what has gone out so far, to keep room. */
			while ((r = recv(sv[1], buf + off, sizeof buf - off,
			    MSG_DONTWAIT)) > 0)
				off += (size_t)r;
		}
		assert_int_equal(wbuf_flush(wb), 0);
		while ((r = recv(sv[1], buf + off, sizeof buf - off,
		    MSG_DONTWAIT)) > 0)
			off += (size_t)r;
		got = off;
		assert_int_equal(got, total);
		for (i = 0; i < total; i++)
			if ((unsigned char)buf[i] != pat(i))
				fail_msg("byte %zu differs", i);
	}
	close(sv[0]);
	close(sv[1]);
	free(wb);
}

/* 1 MiB, written through a wbuf in pieces of awkward sizes. */
#define TRIP_SIZE ((size_t)1 << 20)

static void
put_pattern(struct wbuf *wb)
{
	static const size_t sizes[] = { 1, 7, 100, IO_BUFSIZE - 1, IO_BUFSIZE,
		IO_BUFSIZE + 1, 3, 65536, 0, 4095, 2 };
	unsigned char *src = malloc(65536);
	size_t total = 0, i = 0;

	assert_non_null(src);
	while (total < TRIP_SIZE) {
		size_t n = sizes[i++ % (sizeof sizes / sizeof sizes[0])], j;

		if (n > TRIP_SIZE - total)
			n = TRIP_SIZE - total;
		for (j = 0; j < n; j++)
			src[j] = pat(total + j);
		assert_int_equal(wbuf_put(wb, src, n), 0);
		total += n;
	}
	assert_int_equal(wbuf_flush(wb), 0);
	free(src);
}

/* Reads everything through an rbuf and compares; returns 0 if equal. */
static int
get_pattern(struct rbuf *rb)
{
	static const size_t sizes[] = { 1, 4096, 13, 70000, 16384, 2 };
	unsigned char *dst = malloc(70000);
	size_t total = 0, i = 0, j;
	ssize_t r;
	int bad = 0;

	if (dst == NULL)
		return 3;
	while ((r = rbuf_read(rb, dst,
	    sizes[i++ % (sizeof sizes / sizeof sizes[0])])) > 0) {
		for (j = 0; j < (size_t)r; j++)
			if (dst[j] != pat(total + j))
				bad = 1;
		total += (size_t)r;
	}
	free(dst);
	if (r < 0)
		return 4;
	if (bad)
		return 5;
	return total == TRIP_SIZE ? 0 : 6;
}

static void
test_roundtrip(void **state)
{
	struct wbuf *wb = malloc(sizeof *wb);
	struct rbuf *rb = malloc(sizeof *rb);
	int sv[2], status;
	pid_t pid;
	(void)state;

	assert_non_null(wb);
	assert_non_null(rb);

	/* Parent writes, child reads and checks. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		rbuf_init(rb, sv[1], 10000);
		_exit(get_pattern(rb));
	}
	close(sv[1]);
	wbuf_init(wb, sv[0], 10000);
	put_pattern(wb);
	close(sv[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	/* Child writes, parent reads and checks. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		wbuf_init(wb, sv[1], 10000);
		put_pattern(wb);
		_exit(0);
	}
	close(sv[1]);
	rbuf_init(rb, sv[0], 10000);
	assert_int_equal(get_pattern(rb), 0);
	close(sv[0]);
	reap(pid);
	free(wb);
	free(rb);
}

/* Fills fd's send buffer until the kernel takes no more. */
static void
fill(int fd)
{
	char junk[4096];
	int fl = fcntl(fd, F_GETFL);

	memset(junk, 'j', sizeof junk);
	assert_int_equal(fcntl(fd, F_SETFL, fl | O_NONBLOCK), 0);
	for (;;) {
		ssize_t w = write(fd, junk, sizeof junk);

		if (w < 0) {
			assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
			break;
		}
	}
	for (;;) {
		if (write(fd, junk, 1) < 0)
			break;
	}
	assert_int_equal(fcntl(fd, F_SETFL, fl), 0);
}

static void
test_write_timeout(void **state)
{
	struct wbuf *wb = malloc(sizeof *wb);
	unsigned char *big = calloc(1, 2 * IO_BUFSIZE);
	int sv[2];
	(void)state;

	assert_non_null(wb);
	assert_non_null(big);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv), 0);
	fill(sv[0]);

	/* A blocking fd: the wait is bounded by the timeout. */
	wbuf_init(wb, sv[0], 50);
	assert_int_equal(wbuf_put(wb, "0123456789", 10), 0);
	errno = 0;
	assert_int_equal(wbuf_flush(wb), -1);
	assert_int_equal(errno, ETIMEDOUT);
	errno = 0;
	assert_int_equal(wbuf_put(wb, big, 2 * IO_BUFSIZE), -1);
	assert_int_equal(errno, ETIMEDOUT);
	errno = 0;
	assert_int_equal(io_write_all(sv[0], "x", 1, 50), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_int_equal(io_write_all(sv[0], "x", 0, 50), 0);

	/* A non-blocking fd: the same, and without a timeout EAGAIN. */
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	errno = 0;
	assert_int_equal(io_write_all(sv[0], "x", 1, 50), -1);
	assert_int_equal(errno, ETIMEDOUT);
	errno = 0;
	assert_int_equal(io_write_all(sv[0], "x", 1, -1), -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);

	close(sv[0]);
	close(sv[1]);
	free(wb);
	free(big);
}

static volatile sig_atomic_t alarmed;

static void
on_alarm(int sig)
{
	(void)sig;
	alarmed = 1;
}

/*
 * The timeout bounds each wait for the peer.  Here the peer reads a
 * little and then stops for good: the write must give up with ETIMEDOUT
 * soon after, not block in write(2) for ever.  A watchdog alarm (far
 * longer than the 50 ms timeout) interrupts a stuck write(2) so that the
 * test reports the hang instead of hanging.
 */
static void
test_write_timeout_stalled_peer(void **state)
{
	const size_t big = 4 << 20;
	struct sigaction sa, old;
	unsigned char *src = calloc(1, big);
	int sv[2], r, e, status;
	pid_t pid;
	(void)state;

	assert_non_null(src);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char buf[4096];
		size_t got = 0;
		ssize_t n;

		close(sv[0]);
		while (got < 200000 && (n = read(sv[1], buf, sizeof buf)) > 0)
			got += (size_t)n;
		for (;;)
			pause();
	}
	close(sv[1]);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: the alarm interrupts write(2) */
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	alarmed = 0;
	alarm(3);
	errno = 0;
	r = io_write_all(sv[0], src, big, 50);
	e = errno;
	alarm(0);
	assert_int_equal(sigaction(SIGALRM, &old, NULL), 0);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(sv[0]);
	free(src);
	if (alarmed)
		fail_msg("io_write_all blocked in write(2) past its 50 ms "
		    "timeout (fd is blocking)");
	assert_int_equal(r, -1);
	assert_int_equal(e, ETIMEDOUT);
}

static void
test_write_closed_peer(void **state)
{
	struct wbuf *wb = malloc(sizeof *wb);
	void (*old)(int);
	int sv[2];
	(void)state;

	assert_non_null(wb);
	old = signal(SIGPIPE, SIG_IGN);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv), 0);
	close(sv[1]);
	wbuf_init(wb, sv[0], 1000);
	assert_int_equal(wbuf_puts(wb, "lost\r\n"), 0);
	errno = 0;
	assert_int_equal(wbuf_flush(wb), -1);
	assert_int_equal(errno, EPIPE);
	close(sv[0]);
	signal(SIGPIPE, old);
	free(wb);
}

/* TCP_NODELAY only on TCP sockets; pipes and Unix sockets are left as
 * they are; a closed descriptor is an error. */
static void
test_nodelay(void **state)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof sin;
	int p[2], sv[2], lfd, cfd, v = 0;
	socklen_t vl = sizeof v;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(io_nodelay(p[1]), 0);
	close(p[0]);
	close(p[1]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(io_nodelay(sv[0]), 0);
	close(sv[0]);
	close(sv[1]);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &sl), 0);
	cfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(cfd >= 0);
	assert_int_equal(connect(cfd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &v, &vl), 0);
	assert_int_equal(v, 0);
	assert_int_equal(io_nodelay(cfd), 1);
	assert_int_equal(getsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &v, &vl), 0);
	assert_int_not_equal(v, 0);
	close(cfd);
	close(lfd);

	assert_int_equal(io_nodelay(cfd), -1);
	assert_int_equal(errno, EBADF);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_getline_basic),
		cmocka_unit_test(test_getline_limit),
		cmocka_unit_test(test_getline_across_buffers),
		cmocka_unit_test(test_getline_huge_line),
		cmocka_unit_test(test_getline_timeout),
		cmocka_unit_test(test_rbuf_read),
		cmocka_unit_test(test_bad_fd),
		cmocka_unit_test(test_wbuf_small),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_write_timeout),
		cmocka_unit_test(test_write_timeout_stalled_peer),
		cmocka_unit_test(test_write_closed_peer),
		cmocka_unit_test(test_nodelay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
