#include "uniq.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/time.h>
#include <unistd.h>

int
uniq_host(char *buf, size_t n)
{
	char host[256];
	size_t i, o = 0;

	if (gethostname(host, sizeof host) < 0 || host[0] == '\0')
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	for (i = 0; host[i] != '\0'; i++) {
		unsigned char c = (unsigned char)host[i];
		int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';

		/* The cut is on the output, and never inside an escape. */
		if (o + (plain ? 1 : 4) > UNIQ_HOST_MAX)
			break;
		if (plain) {
			if (o + 1 >= n)
				goto range;
			buf[o++] = (char)c;
		} else {
			if (o + 4 >= n)
				goto range;
			snprintf(buf + o, 5, "\\%03o", c);
			o += 4;
		}
	}
	if (o >= n)
		goto range;
	buf[o] = '\0';
	return (int)o;
range:
	errno = ERANGE;
	return -1;
}

static uint64_t
random64(void)
{
	uint64_t r = 0;
	size_t got = 0;
	ssize_t n;

	while (got < sizeof r) {
		n = getrandom((char *)&r + got, sizeof r - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		got += (size_t)n;
	}
	if (got < sizeof r) {
		/* No kernel randomness: time and address still differ. */
		struct timeval tv;

		gettimeofday(&tv, NULL);
		r ^= (uint64_t)tv.tv_usec << 32 ^ (uint64_t)(uintptr_t)&r ^
		    (uint64_t)getpid();
	}
	return r;
}

int
uniq_name(char *buf, size_t n, time_t *t_r)
{
	static char host[UNIQ_HOST_MAX + 1];
	struct timeval tv;
	int r;

	if (host[0] == '\0' && uniq_host(host, sizeof host) < 0)
		return -1;
	gettimeofday(&tv, NULL);
	r = snprintf(buf, n, "%lld.M%06ldP%ld_R%016llx.%s",
	    (long long)tv.tv_sec, (long)tv.tv_usec, (long)getpid(),
	    (unsigned long long)random64(), host);
	if (r < 0 || (size_t)r >= n) {
		errno = ERANGE;
		return -1;
	}
	if (t_r != NULL)
		*t_r = tv.tv_sec;
	return r;
}
