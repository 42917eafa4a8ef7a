/*
 * The server side of SASL for the login programs: see sasl.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "checkpass.h"
#include "io.h"
#include "sasl.h"
#include "uniq.h"

int
sasl_line(const char *line, size_t len, size_t *len_r)
{
	size_t i;

	if (len > SASL_LINE_MAX) {
		errno = E2BIG;
		return -1;
	}
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	for (i = 0; i < len; i++) {
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f) {
			errno = EILSEQ;
			return -1;
		}
	}
	*len_r = len;
	return 0;
}

int
sasl_decode(const char *p, size_t n, struct str *out)
{
	str_clear(out);
	if (n == 1 && p[0] == '=')
		return 0;
	if (b64_decode(p, n, out, B64_STRICT) != 0) {
		if (errno != ENOMEM)
			errno = EINVAL;
		return -1;
	}
	return 0;
}

int
sasl_is_abort(const char *p, size_t n)
{
	return n == 1 && p[0] == '*';
}

int
sasl_plain(const char *p, size_t n, struct sasl_cred *c, const char **why_r)
{
	const char *end = p + n, *u, *pw;
	size_t alen;

	u = memchr(p, '\0', n);
	pw = u ? memchr(u + 1, '\0', (size_t)(end - u - 1)) : NULL;
	if (u == NULL || pw == NULL ||
	    memchr(pw + 1, '\0', (size_t)(end - pw - 1)) != NULL) {
		*why_r = "malformed PLAIN response";
		errno = EINVAL;
		return -1;
	}
	alen = (size_t)(u - p);
	u++;
	c->user = u;
	c->ulen = (size_t)(pw - u);
	pw++;
	c->secret = pw;
	c->slen = (size_t)(end - pw);
	if (alen > 0 && (alen != c->ulen || memcmp(p, u, alen) != 0)) {
		*why_r = "authorization identity differs";
		errno = EPERM;
		return -1;
	}
	return 0;
}

int
sasl_cram_challenge(char *buf, size_t n)
{
	char host[UNIQ_HOST_MAX + 1];
	uint64_t rnd = 0;
	int r;

	if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		return -1;
	if (uniq_host(host, sizeof host) < 0)
		snprintf(host, sizeof host, "localhost");
	r = snprintf(buf, n, "<%" PRIu64 ".%lld@%s>", rnd,
	    (long long)time(NULL), host);
	if (r < 0 || (size_t)r >= n) {
		errno = ERANGE;
		return -1;
	}
	return r;
}

int
sasl_cram(const char *p, size_t n, struct sasl_cred *c)
{
	size_t i;

	/* The digest is the 32 hex digits after the last space. */
	if (n < 34 || p[n - 33] != ' ') {
		errno = EINVAL;
		return -1;
	}
	for (i = n - 32; i < n; i++) {
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' &&
		    p[i] <= 'f'))) {
			errno = EINVAL;
			return -1;
		}
	}
	c->user = p;
	c->ulen = n - 33;
	c->secret = p + n - 32;
	c->slen = 32;
	return 0;
}

int
sasl_checkpw(char *const argv[], const char *user, size_t ulen,
    const char *secret, size_t slen, const char *chal, size_t clen,
    const int *close_fds, size_t nclose, int *status_r)
{
	char rec[CHECKPASS_MAX];
	size_t n, i;
	int p[2], status, saved;
	pid_t pid;

	if (ulen == 0 || memchr(user, '\0', ulen) != NULL ||
	    memchr(secret, '\0', slen) != NULL ||
	    memchr(chal, '\0', clen) != NULL) {
		errno = EINVAL;
		return -1;
	}
	if (ulen > CHECKPASS_MAX || slen > CHECKPASS_MAX ||
	    clen > CHECKPASS_MAX || ulen + slen + clen + 3 > sizeof rec) {
		errno = E2BIG;
		return -1;
	}
	n = ulen + slen + clen + 3;
	memcpy(rec, user, ulen);
	rec[ulen] = '\0';
	memcpy(rec + ulen + 1, secret, slen);
	rec[ulen + 1 + slen] = '\0';
	memcpy(rec + ulen + slen + 2, chal, clen);
	rec[n - 1] = '\0';

	if (pipe(p) < 0) {
		explicit_bzero(rec, sizeof rec);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		saved = errno;
		explicit_bzero(rec, sizeof rec);
		close(p[0]);
		close(p[1]);
		errno = saved;
		return -1;
	}
	if (pid == 0) {
		explicit_bzero(rec, sizeof rec);
		close(p[1]);
		for (i = 0; i < nclose; i++)
			if (close_fds[i] >= 0 && close_fds[i] != p[0])
				close(close_fds[i]);
		if (p[0] != 3) {
			if (dup2(p[0], 3) < 0)
				_exit(111);
			close(p[0]);
		}
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		_exit(111);
	}
	close(p[0]);
	(void)io_write_all(p[1], rec, n, 10000); /* EPIPE: it did not read */
	explicit_bzero(rec, sizeof rec);
	close(p[1]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	*status_r = status;
	return 0;
}
