#include "ucspitls.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "num.h"

/* Parses one descriptor variable: 1 set (*fd_r), 0 absent, -1 bad. */
static int
env_fd(const char *name, int *fd_r)
{
	const char *z = getenv(name);
	uint64_t v;

	if (z == NULL)
		return 0;
	if (num_u64z(z, INT_MAX, &v) < 0) {
		errno = EINVAL;
		return -1;
	}
	if (v <= 1) {
		errno = EINVAL;
		return -1;
	}
	if (fcntl((int)v, F_GETFD) < 0) {
		errno = EBADF;
		return -1;
	}
	*fd_r = (int)v;
	return 1;
}

int
ucspitls_init(struct ucspitls *u)
{
	const char *lv = getenv("UCSPITLS");
	int a, b, c;

	u->ctlfd = u->rfd = u->wfd = -1;
	u->level = UCSPITLS_UNAVAILABLE;
	if (lv != NULL && strcmp(lv, "-") == 0)
		return UCSPITLS_UNAVAILABLE;
	if ((a = env_fd("SSLCTLFD", &u->ctlfd)) < 0 ||
	    (b = env_fd("SSLREADFD", &u->rfd)) < 0 ||
	    (c = env_fd("SSLWRITEFD", &u->wfd)) < 0) {
		u->ctlfd = u->rfd = u->wfd = -1;
		return -1;
	}
	if (a == 0 || b == 0 || c == 0) {
		u->ctlfd = u->rfd = u->wfd = -1;
		return UCSPITLS_UNAVAILABLE;
	}
	u->level = (lv != NULL && strcmp(lv, "!") == 0) ? UCSPITLS_REQUIRED
							: UCSPITLS_AVAILABLE;
	return (int)u->level;
}

static int
name_ok(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n > UCSPITLS_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			c == '_'))
			return 0;
	}
	return 1;
}

static int
value_ok(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c < 0x20 || c > 0x7e)
			return 0;
	}
	return 1;
}

/* Walks the entries; with fn NULL only validates.  Same returns. */
static int
walk(const char *p, size_t n, size_t *used_r,
    int (*fn)(const char *, size_t, const char *, size_t, void *), void *arg)
{
	size_t off = 0;

	for (;;) {
		const char *nul, *eq;
		size_t len;

		if (off >= UCSPITLS_INFO_MAX) {
			errno = EPROTO;
			return -1;
		}
		if (off == n)
			return 0;
		if (p[off] == '\0') {
			/* The terminator (or the "\0\0" of an empty set). */
			if (off == 0) {
				if (n < 2)
					return 0;
				if (p[1] != '\0') {
					errno = EPROTO;
					return -1;
				}
				*used_r = 2;
				return 1;
			}
			*used_r = off + 1;
			return 1;
		}
		nul = memchr(p + off, '\0', n - off);
		if (nul == NULL) {
			if (n - off >= UCSPITLS_INFO_MAX) {
				errno = EPROTO;
				return -1;
			}
			return 0;
		}
		len = (size_t)(nul - (p + off));
		if (off + len + 1 > UCSPITLS_INFO_MAX) {
			errno = EPROTO;
			return -1;
		}
		eq = memchr(p + off, '=', len);
		if (eq == NULL || !name_ok(p + off, (size_t)(eq - (p + off))) ||
		    !value_ok(eq + 1, (size_t)(nul - eq - 1))) {
			errno = EPROTO;
			return -1;
		}
		if (fn != NULL &&
		    fn(p + off, (size_t)(eq - (p + off)), eq + 1,
			(size_t)(nul - eq - 1), arg) != 0)
			return -1;
		off += len + 1;
	}
}

int
ucspitls_parse_info(const char *p, size_t n, size_t *used_r,
    int (*fn)(const char *name, size_t namelen, const char *value,
	size_t valuelen, void *arg),
    void *arg)
{
	size_t used = 0;
	int r;

	r = walk(p, n, &used, NULL, NULL);
	if (r != 1)
		return r;
	if (fn != NULL && walk(p, used, &used, fn, arg) != 1)
		return -1;
	*used_r = used;
	return 1;
}

static int
setenv_cb(const char *name, size_t namelen, const char *value,
    size_t valuelen, void *arg)
{
	char nbuf[UCSPITLS_NAME_MAX + 1];
	char vbuf[UCSPITLS_INFO_MAX];

	(void)arg;
	memcpy(nbuf, name, namelen);
	nbuf[namelen] = '\0';
	memcpy(vbuf, value, valuelen);
	vbuf[valuelen] = '\0';
	return setenv(nbuf, vbuf, 1);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the info string from the control socket into buf. */
static int
read_info(int fd, char *buf, size_t *len_r, int timeout_ms)
{
	long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	size_t len = 0, used;
	int r;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int wait = -1;
		ssize_t got;

		if (deadline >= 0) {
			long long left = deadline - now_ms();
			if (left <= 0) {
				errno = ETIMEDOUT;
				return -1;
			}
			wait = left > INT_MAX ? INT_MAX : (int)left;
		}
		r = poll(&pfd, 1, wait);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			continue;
		got = read(fd, buf + len, UCSPITLS_INFO_MAX - len);
		if (got < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		if (got == 0) {
			errno = ECONNABORTED;
			return -1;
		}
		len += (size_t)got;
		r = ucspitls_parse_info(buf, len, &used, NULL, NULL);
		if (r < 0)
			return -1;
		if (r == 1) {
			/* Nothing may follow the answer to one "Y". */
			if (used != len) {
				errno = EPROTO;
				return -1;
			}
			*len_r = len;
			return 0;
		}
		if (len == UCSPITLS_INFO_MAX) {
			errno = EPROTO;
			return -1;
		}
	}
}

static int
move_fd(int from, int to)
{
	if (from == to)
		return 0;
	while (dup2(from, to) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

int
ucspitls_start(struct ucspitls *u, struct rbuf *rb, struct wbuf *wb,
    int timeout_ms)
{
	char info[UCSPITLS_INFO_MAX];
	size_t len = 0, used;
	ssize_t w;
	int e;

	/* Whatever the client sent after STARTTLS is never a command. */
	rb->pos = rb->len = 0;
	if (u->ctlfd < 0 || u->rfd < 0 || u->wfd < 0) {
		errno = EBADF;
		return -1;
	}
	if (wbuf_flush(wb) < 0)
		return -1;
	do
		w = write(u->ctlfd, "Y", 1);
	while (w < 0 && errno == EINTR);
	if (w != 1) {
		if (w == 0)
			errno = EIO;
		return -1;
	}
	if (read_info(u->ctlfd, info, &len, timeout_ms) < 0)
		return -1;
	if (move_fd(u->rfd, rb->fd) < 0 || move_fd(u->wfd, wb->fd) < 0)
		return -1;
	e = errno;
	if (u->rfd != rb->fd && u->rfd != wb->fd)
		close(u->rfd);
	if (u->wfd != wb->fd && u->wfd != rb->fd && u->wfd != u->rfd)
		close(u->wfd);
	if (u->ctlfd != rb->fd && u->ctlfd != wb->fd && u->ctlfd != u->rfd &&
	    u->ctlfd != u->wfd)
		close(u->ctlfd);
	errno = e;
	u->ctlfd = u->rfd = u->wfd = -1;
	rb->pos = rb->len = 0;
	wb->len = 0;
	unsetenv("SSLCTLFD");
	unsetenv("SSLREADFD");
	unsetenv("SSLWRITEFD");
	unsetenv("UCSPITLS");
	if (ucspitls_parse_info(info, len, &used, setenv_cb, NULL) != 1)
		return -1;
	return 0;
}
