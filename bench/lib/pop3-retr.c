/*
 * pop3-retr — the retrieval half of bench/pop3, in C so that the client
 * is not what is measured (the Python client spends more CPU per message
 * than either server).
 *
 *   pop3-retr PORT USER PASS SESSIONS
 *
 * Each session: connect to 127.0.0.1:PORT, USER, PASS, STAT, LIST, UIDL,
 * RETR of every message (one command at a time, as fetchmail does),
 * QUIT.  Every reply must be +OK and every RETR body, un-stuffed, must be
 * exactly LIST's size.  Prints
 *   retr sessions=K messages=M bytes=B seconds=S mbps=X
 * like pop3-client.py; exit 1 on any protocol error.  Built by bench/pop3
 * with cc -O2 into its temp dir.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static char *buf;
static size_t cap = 1 << 22, pos, len;
static int fd;

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("pop3-retr: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* Makes sure at least one more byte is buffered after len. */
static void
fill(void)
{
	ssize_t r;

	if (pos > 0 && pos == len)
		pos = len = 0;
	if (len == cap) {
		if (pos > 0) {
			memmove(buf, buf + pos, len - pos);
			len -= pos;
			pos = 0;
		} else {
			cap *= 2;
			if ((buf = realloc(buf, cap)) == NULL)
				die("out of memory");
		}
	}
	r = read(fd, buf + len, cap - len);
	if (r <= 0)
		die("connection closed");
	len += (size_t)r;
}

/* One reply line; it must be +OK.  Returns it NUL-terminated. */
static char *
ok(void)
{
	static char line[1024];
	char *e;

	for (;;) {
		e = memmem(buf + pos, len - pos, "\r\n", 2);
		if (e != NULL)
			break;
		fill();
	}
	size_t n = (size_t)(e - (buf + pos));
	if (n >= sizeof line)
		n = sizeof line - 1;
	memcpy(line, buf + pos, n);
	line[n] = '\0';
	pos = (size_t)(e + 2 - buf);
	if (strncmp(line, "+OK", 3) != 0)
		die("%s", line);
	return line;
}

static void
cmd(const char *fmt, ...)
{
	char c[600];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(c, sizeof c - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof c - 2)
		die("command too long");
	memcpy(c + n, "\r\n", 2);
	if (write(fd, c, (size_t)n + 2) != n + 2)
		die("write failed");
}

/*
 * A multi-line body after its +OK line: sets *b and *n to the bytes
 * before the final ".\r\n" (still stuffed, in buf) and returns the
 * un-stuffed size.
 */
static size_t
body(char **b, size_t *n)
{
	size_t scan = 0, stuffed = 0, avail; /* scan: offset from pos */
	char *e;

	for (;;) {
		avail = len - pos;
		if (scan == 0 && avail >= 3 &&
		    memcmp(buf + pos, ".\r\n", 3) == 0) {
			*b = buf + pos;
			*n = 0;
			pos += 3;
			return 0;
		}
		e = avail >= 5 ? memmem(buf + pos + scan, avail - scan,
		    "\r\n.\r\n", 5) : NULL;
		if (e != NULL)
			break;
		if (avail >= 4)
			scan = avail - 4;
		fill(); /* may move the data: offsets from pos stay valid */
	}
	*b = buf + pos;
	*n = (size_t)(e + 2 - *b);
	pos = (size_t)(e + 5 - buf);
	/* The stuffing dots: the first line's, and one per "\r\n." */
	if ((*b)[0] == '.')
		stuffed++;
	for (char *p = *b; (p = memmem(p, (size_t)(*b + *n - p), "\r\n.", 3));
	     p += 3)
		stuffed++;
	return *n - stuffed;
}

static size_t
session(const char *user, const char *pass, size_t *msgs_r)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	size_t count, i, total = 0, *sizes, n;
	int one = 1;
	char *b, *l;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	sin.sin_port = htons((unsigned short)atoi(getenv("PORT")));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0)
		die("connect failed");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	pos = len = 0;
	ok();
	cmd("USER %s", user);
	ok();
	cmd("PASS %s", pass);
	ok();
	cmd("STAT");
	l = ok();
	count = strtoul(l + 4, NULL, 10);
	if ((sizes = calloc(count + 1, sizeof *sizes)) == NULL)
		die("out of memory");
	cmd("LIST");
	ok();
	body(&b, &n);
	for (char *p = b; p < b + n;) {
		char *e = memmem(p, (size_t)(b + n - p), "\r\n", 2);
		unsigned long k = strtoul(p, &l, 10);

		if (k < 1 || k > count)
			die("LIST: bad number");
		sizes[k] = strtoul(l, NULL, 10);
		p = e + 2;
	}
	cmd("UIDL");
	ok();
	body(&b, &n);
	for (i = 1; i <= count; i++) {
		size_t got;

		cmd("RETR %zu", i);
		ok();
		got = body(&b, &n);
		if (got != sizes[i])
			die("RETR %zu: %zu octets, LIST said %zu", i, got,
			    sizes[i]);
		total += got;
	}
	cmd("QUIT");
	ok();
	close(fd);
	free(sizes);
	*msgs_r = count;
	return total;
}

int
main(int argc, char **argv)
{
	struct timespec t0, t1;
	size_t k, i, msgs = 0, m, bytes = 0;
	double s;

	if (argc != 5)
		die("usage: pop3-retr PORT USER PASS SESSIONS");
	setenv("PORT", argv[1], 1);
	k = strtoul(argv[4], NULL, 10);
	if ((buf = malloc(cap)) == NULL)
		die("out of memory");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < k; i++) {
		bytes += session(argv[2], argv[3], &m);
		msgs += m;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("retr sessions=%zu messages=%zu bytes=%zu seconds=%.3f "
	       "mbps=%.1f\n", k, msgs, bytes, s, (double)bytes / 1e6 / s);
	return 0;
}
