#include "io.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

void
rbuf_init(struct rbuf *rb, int fd, int timeout_ms)
{
	rb->fd = fd;
	rb->timeout_ms = timeout_ms;
	rb->pos = rb->len = 0;
}

void
wbuf_init(struct wbuf *wb, int fd, int timeout_ms)
{
	wb->fd = fd;
	wb->timeout_ms = timeout_ms;
	wb->len = 0;
}

/* Waits until fd is ready for events, or the timeout runs out. */
static int
io_wait(int fd, short events, int timeout_ms)
{
	struct pollfd pfd;
	int r;

	if (timeout_ms < 0)
		return 0;
	pfd.fd = fd;
	pfd.events = events;
	pfd.revents = 0;
	do
		r = poll(&pfd, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -1;
	if (r == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	return 0;
}

ssize_t
rbuf_fill(struct rbuf *rb)
{
	ssize_t r;

	if (rb->pos < rb->len)
		return (ssize_t)(rb->len - rb->pos);
	rb->pos = rb->len = 0;
	for (;;) {
		if (io_wait(rb->fd, POLLIN, rb->timeout_ms) < 0)
			return -1;
		r = read(rb->fd, rb->buf, sizeof rb->buf);
		if (r >= 0)
			break;
		if (errno != EINTR && errno != EAGAIN)
			return -1;
		if (errno == EAGAIN && rb->timeout_ms < 0)
			return -1;
	}
	rb->len = (size_t)r;
	return r;
}

size_t
rbuf_pending(const struct rbuf *rb)
{
	return rb->len - rb->pos;
}

ssize_t
rbuf_read(struct rbuf *rb, void *p, size_t n)
{
	ssize_t r;
	size_t take;

	if (n == 0)
		return 0;
	r = rbuf_fill(rb);
	if (r <= 0)
		return r;
	take = rb->len - rb->pos;
	if (take > n)
		take = n;
	memcpy(p, rb->buf + rb->pos, take);
	rb->pos += take;
	return (ssize_t)take;
}

int
rbuf_getline(struct rbuf *rb, struct str *line, size_t max)
{
	int overlong = 0;
	ssize_t r;

	str_clear(line);
	for (;;) {
		const unsigned char *start, *lf;
		size_t avail, take;

		r = rbuf_fill(rb);
		if (r < 0)
			return -1;
		if (r == 0) {
			if (overlong) {
				str_clear(line);
				errno = E2BIG;
				return -1;
			}
			return line->len > 0 ? 1 : 0;
		}
		start = rb->buf + rb->pos;
		avail = rb->len - rb->pos;
		lf = memchr(start, '\n', avail);
		take = lf != NULL ? (size_t)(lf - start) + 1 : avail;
		rb->pos += take;
		if (!overlong) {
			if (take > max - line->len) {
				overlong = 1;
				str_clear(line);
			} else if (str_append(line, start, take) < 0) {
				return -1;
			}
		}
		if (lf != NULL) {
			if (overlong) {
				errno = E2BIG;
				return -1;
			}
			return 1;
		}
	}
}

/*
 * One write that cannot block past what poll(2) promised, even on a
 * blocking descriptor: a socket is written with MSG_DONTWAIT, a pipe in
 * pieces of PIPE_BUF (POLLOUT guarantees room for that much).  *kind is
 * 0 until the descriptor is known, then 1 socket, 2 pipe, 3 other.
 */
static ssize_t
write_some(int fd, const unsigned char *s, size_t n, int *kind)
{
	struct stat st;
	ssize_t w;

	if (*kind <= 1) {
		w = send(fd, s, n, MSG_DONTWAIT);
		if (w >= 0 || errno != ENOTSOCK) {
			*kind = 1;
			return w;
		}
		*kind = fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) ? 2 : 3;
	}
	if (*kind == 2 && n > PIPE_BUF)
		n = PIPE_BUF;
	return write(fd, s, n);
}

int
io_write_all(int fd, const void *p, size_t n, int timeout_ms)
{
	const unsigned char *s = p;
	int kind = 0;
	ssize_t w;

	while (n > 0) {
		if (io_wait(fd, POLLOUT, timeout_ms) < 0)
			return -1;
		if (timeout_ms >= 0)
			w = write_some(fd, s, n, &kind);
		else
			w = write(fd, s, n);
		if (w < 0) {
			if (errno == EINTR || (errno == EAGAIN && timeout_ms >= 0))
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int
wbuf_flush(struct wbuf *wb)
{
	if (wb->len == 0)
		return 0;
	if (io_write_all(wb->fd, wb->buf, wb->len, wb->timeout_ms) < 0)
		return -1;
	wb->len = 0;
	return 0;
}

int
wbuf_put(struct wbuf *wb, const void *p, size_t n)
{
	const unsigned char *s = p;

	if (n >= sizeof wb->buf) {
		/* Large writes go straight out after what is buffered. */
		if (wbuf_flush(wb) < 0)
			return -1;
		return io_write_all(wb->fd, s, n, wb->timeout_ms);
	}
	if (n > sizeof wb->buf - wb->len && wbuf_flush(wb) < 0)
		return -1;
	memcpy(wb->buf + wb->len, s, n);
	wb->len += n;
	return 0;
}

int
wbuf_puts(struct wbuf *wb, const char *z)
{
	return wbuf_put(wb, z, strlen(z));
}

int
io_nodelay(int fd)
{
	int one = 1, type = 0;
	socklen_t len = sizeof type;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return errno == ENOTSOCK ? 0 : -1;
	if (type != SOCK_STREAM || getsockname(fd, (struct sockaddr *)&ss,
	    &sl) < 0 || (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
		return 0;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0)
		return -1;
	return 1;
}
