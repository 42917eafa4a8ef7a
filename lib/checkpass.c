#include "checkpass.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void
checkpass_wipe(struct checkpass *cp)
{
	explicit_bzero(cp, sizeof *cp);
}

/* Splits the buffered record; 0 or -1 (EINVAL). */
static int
split(struct checkpass *cp)
{
	const char *p = cp->buf, *end = cp->buf + cp->len, *nul;

	nul = memchr(p, '\0', (size_t)(end - p));
	if (nul == NULL)
		return -1;
	cp->user = p;
	cp->user_len = (size_t)(nul - p);
	p = nul + 1;
	nul = memchr(p, '\0', (size_t)(end - p));
	if (nul == NULL)
		return -1;
	cp->secret = p;
	cp->secret_len = (size_t)(nul - p);
	p = nul + 1;
	if (p == end) {
		/* No challenge at all: the terminator kept after buf. */
		cp->challenge = end;
		cp->challenge_len = 0;
		return 0;
	}
	nul = memchr(p, '\0', (size_t)(end - p));
	if (nul == NULL)
		return -1;
	cp->challenge = p;
	cp->challenge_len = (size_t)(nul - p);
	return 0;
}

int
checkpass_parse(struct checkpass *cp, const void *p, size_t n)
{
	checkpass_wipe(cp);
	if (n > CHECKPASS_MAX) {
		errno = E2BIG;
		return -1;
	}
	memcpy(cp->buf, p, n);
	cp->len = n;
	cp->buf[n] = '\0';
	if (split(cp) < 0) {
		checkpass_wipe(cp);
		errno = EINVAL;
		return -1;
	}
	return 0;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
checkpass_read(int fd, int timeout_ms, struct checkpass *cp)
{
	long long deadline = timeout_ms >= 0 ? now_ms() + timeout_ms : 0;
	int saved;
	ssize_t r;

	checkpass_wipe(cp);
	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		int wait = -1, pr;

		if (timeout_ms >= 0) {
			long long left = deadline - now_ms();

			if (left <= 0) {
				errno = ETIMEDOUT;
				goto fail;
			}
			wait = left > 1000000 ? 1000000 : (int)left;
		}
		pr = poll(&pfd, 1, wait);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			goto fail;
		if (pr == 0)
			continue;
		if (pfd.revents & POLLNVAL) {
			errno = EBADF;
			goto fail;
		}
		/* One byte more than allowed tells a record that is too long. */
		r = read(fd, cp->buf + cp->len, CHECKPASS_MAX + 1 - cp->len);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		cp->len += (size_t)r;
		if (cp->len > CHECKPASS_MAX) {
			errno = E2BIG;
			goto fail;
		}
	}
	cp->buf[cp->len] = '\0';
	if (split(cp) < 0) {
		errno = EINVAL;
		goto fail;
	}
	return 0;
fail:
	saved = errno;
	checkpass_wipe(cp);
	errno = saved;
	return -1;
}
