#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *progname = "facteur";
static enum log_level minlevel = LOG_INFO;
static int logfd = 2;

static const char *const level_names[] = {
	"debug", "info", "warning", "error", "fatal",
};

void
log_init(const char *argv0)
{
	const char *slash;

	if (argv0 == NULL || *argv0 == '\0')
		return;
	slash = strrchr(argv0, '/');
	progname = slash != NULL && slash[1] != '\0' ? slash + 1 : argv0;
}

void
log_set_level(enum log_level min)
{
	minlevel = min;
}

void
log_set_fd(int fd)
{
	logfd = fd;
}

const char *
log_progname(void)
{
	return progname;
}

size_t
log_escape(char *out, size_t outsz, const void *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = p;
	size_t o = 0, i;

	if (outsz == 0)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (o + 1 >= outsz)
				break;
			out[o++] = (char)c;
		} else {
			if (o + 4 >= outsz)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return o;
}

/* The length n bytes of p take once escaped. */
static size_t
escaped_len(const unsigned char *p, size_t n)
{
	size_t i, l = 0;

	for (i = 0; i < n; i++)
		l += p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\' ? 1 : 4;
	return l;
}

void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char raw[LOG_MAX], rec[LOG_MAX + 1];
	int saved = errno, h, m;
	size_t len, rawlen, avail;
	ssize_t w;

	if (level < minlevel)
		return;
	if ((unsigned)level > LOG_FATAL)
		level = LOG_FATAL;
	m = vsnprintf(raw, sizeof raw, fmt, ap);
	if (m < 0)
		m = 0;
	/* The message may hold NUL bytes (%c of 0): use the count. */
	rawlen = (size_t)m < sizeof raw ? (size_t)m : sizeof raw - 1;
	h = snprintf(rec, sizeof rec, "%s: pid %ld: %s: ", progname,
	    (long)getpid(), level_names[level]);
	if (h < 0 || (size_t)h >= LOG_MAX / 2)
		h = 0;
	len = (size_t)h;
	/* Room for the body: the record, newline included, is LOG_MAX. */
	avail = LOG_MAX - 1 - len;
	if ((size_t)m < sizeof raw &&
	    escaped_len((const unsigned char *)raw, rawlen) <= avail) {
		len += log_escape(rec + len, avail + 1, raw, rawlen);
	} else {
		len += log_escape(rec + len, avail - 3 + 1, raw, rawlen);
		memcpy(rec + len, "...", 3);
		len += 3;
	}
	rec[len++] = '\n';
	do
		w = write(logfd, rec, len);
	while (w < 0 && errno == EINTR);
	errno = saved;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void
log_die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_FATAL, fmt, ap);
	va_end(ap);
	exit(code);
}
