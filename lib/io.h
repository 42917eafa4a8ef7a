/*
 * Buffered input and output on file descriptors, with timeouts.
 *
 * No stdio: protocol code reads through an rbuf and writes through a
 * wbuf.  A timeout (milliseconds, -1 = none) bounds how long one read or
 * write may wait for the peer; it is an idle timeout, reset by progress.
 * Errors are -1 with errno: ETIMEDOUT when the timeout ran out, E2BIG for
 * a line over its limit, anything read(2)/write(2) report otherwise.
 * EINTR is retried.
 */
#ifndef FACTEUR_IO_H
#define FACTEUR_IO_H

#include <stddef.h>
#include <sys/types.h>

#include "str.h"

#define IO_BUFSIZE 16384

struct rbuf {
	int fd;
	int timeout_ms;
	size_t pos, len; /* unread bytes are buf[pos..len) */
	unsigned char buf[IO_BUFSIZE];
};

struct wbuf {
	int fd;
	int timeout_ms;
	size_t len;
	unsigned char buf[IO_BUFSIZE];
};

void rbuf_init(struct rbuf *rb, int fd, int timeout_ms);
void wbuf_init(struct wbuf *wb, int fd, int timeout_ms);

/*
 * Reads more input into the buffer if it has none.  Returns the number of
 * bytes now buffered (> 0), 0 at end of input, -1 on error.
 */
ssize_t rbuf_fill(struct rbuf *rb);
/* Copies up to n bytes out; returns bytes copied, 0 at end, -1 on error. */
ssize_t rbuf_read(struct rbuf *rb, void *p, size_t n);
/* Bytes already buffered (readable without blocking). */
size_t rbuf_pending(const struct rbuf *rb);

/*
 * Reads one line, up to and including its LF, appending it to line (which
 * is cleared first).  At most max bytes, LF included, are accepted.
 * Returns 1 with a line (which lacks the LF only if input ended without
 * one), 0 at end of input with nothing read, -1 on error.
 * A line longer than max is consumed up to and including its LF and
 * reported as -1 with errno E2BIG, so a protocol can answer "line too
 * long" and go on reading the next one; line is then empty.
 * Bytes are not interpreted: NUL and CR are returned as they came.
 */
int rbuf_getline(struct rbuf *rb, struct str *line, size_t max);

/* Buffers n bytes, flushing as needed; 0 or -1. */
int wbuf_put(struct wbuf *wb, const void *p, size_t n);
int wbuf_puts(struct wbuf *wb, const char *z);
/* Writes out everything buffered; 0 or -1. */
int wbuf_flush(struct wbuf *wb);

/*
 * Writes all n bytes to fd, waiting at most timeout_ms for each step of
 * progress; 0 or -1.
 */
int io_write_all(int fd, const void *p, size_t n, int timeout_ms);

/*
 * Turns off Nagle's algorithm (TCP_NODELAY) when fd is a TCP socket, for
 * daemons that already gather their output into whole replies: with
 * Nagle, the last small write of a reply waits for the peer's delayed
 * ACK of the previous one.  Returns 1 if set, 0 if fd is not a TCP
 * socket (a pipe under tlsd, a file in a test), -1 with errno otherwise.
 */
int io_nodelay(int fd);

#endif
