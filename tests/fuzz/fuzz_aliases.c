/*
 * libFuzzer target for the aliases parser, compiler and expansion.  The
 * input is parsed as a whole file: every entry must have a clean name
 * and a well-formed compiled value; every error must point inside the
 * input.  Each line is also parsed as a target list.  A file that parses
 * (and names no :include: file, which would read the file system) is
 * compiled into a memory file and each of its first names expanded: the
 * expansion must end within the limits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "aliases.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	struct str names; /* NUL-separated, for the expansion pass */
	size_t count;
};

static void
check_value(const char *val, size_t vlen)
{
	size_t off = 0, n = 0;

	if (vlen == 0 || val[vlen - 1] != '\0')
		abort();
	while (off < vlen) {
		const char *t = val + off + 1;
		size_t tl, i;

		if (strchr("au|/i", val[off]) == NULL || val[off] == '\0')
			abort();
		tl = strnlen(t, vlen - off - 1);
		if (tl == 0 || tl > ALIASES_TARGET_MAX || off + tl + 2 > vlen)
			abort();
		for (i = 0; i < tl; i++)
			if ((unsigned char)t[i] < 0x20 && t[i] != '\t')
				abort();
		off += tl + 2;
		n++;
	}
	if (n > ALIASES_MAXTARGETS)
		abort();
}

static int
each(void *arg, unsigned line, const char *name, const char *val,
    size_t vlen)
{
	struct seen *s = arg;
	size_t nl = strlen(name), i;

	if (line == 0 || nl == 0 || nl > ALIASES_NAME_MAX)
		abort();
	for (i = 0; i < nl; i++)
		if (name[i] >= 'A' && name[i] <= 'Z')
			abort();
	check_value(val, vlen);
	s->count++;
	if (s->count <= 20 && str_append(&s->names, name, nl + 1) < 0)
		return -1;
	return 0;
}

static int
is_here(void *arg, const char *domain)
{
	(void)arg;
	return strcasecmp(domain, "here") == 0;
}

static int
count_fn(void *arg, enum alias_kind kind, const char *target)
{
	size_t *n = arg;

	if (target[0] == '\0' || (kind != ALIAS_ADDR && kind != ALIAS_PIPE &&
	    kind != ALIAS_MAILDIR))
		abort();
	if (++*n > ALIASES_MAXTARGETS)
		abort();
	return 0;
}

static void
expand_all(const char *buf, size_t size, const struct seen *s)
{
	struct aliases_err err;
	char path[64];
	size_t off = 0;
	int fd;

	fd = memfd_create("fuzz_aliases", MFD_CLOEXEC);
	if (fd < 0)
		return;
	if (aliases_compile(buf, size, fd, &err) < 0)
		abort(); /* it parsed, so only a write could fail */
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	while (off < s->names.len) {
		const char *name = s->names.s + off;
		size_t n = 0;
		int r = aliases_expand(path, name, is_here, count_fn, &n);

		if (r == 0 || (r < 0 && errno != ELOOP && errno != E2BIG))
			abort();
		off += strlen(name) + 1;
	}
	close(fd);
}

/* Does the input name an include file (in any case)? */
static int
has_include(const char *buf, size_t size)
{
	size_t i;

	for (i = 0; i + 7 <= size; i++)
		if (strncasecmp(buf + i, "include", 7) == 0)
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	struct seen s = { STR_INIT, 0 };
	struct aliases_err err;
	struct str val = STR_INIT;
	size_t lines = 0, i, count = 0;
	const char *buf = (const char *)data;
	long r;

	if (!init) {
		log_init("fuzz_aliases");
		log_set_fd(-1);
		init = 1;
	}
	for (i = 0; i < size; i++)
		lines += buf[i] == '\n';

	memset(&err, 0x55, sizeof err);
	errno = 0;
	r = aliases_parse(buf, size, each, &s, &err);
	if (r >= 0) {
		if ((size_t)r != s.count || err.line != 0)
			abort();
		if (!has_include(buf, size))
			expand_all(buf, size, &s);
	} else {
		if (errno != EINVAL && errno != ENOMEM)
			abort();
		if (memchr(err.reason, '\0', sizeof err.reason) == NULL ||
		    err.reason[0] == '\0')
			abort();
		if (err.line == 0 ? size <= ALIASES_FILE_MAX
				  : err.line > lines + 1)
			abort();
		if (err.col > ALIASES_LINE_MAX + 1)
			abort();
	}

	/* The input as one target list, if it is one line. */
	if (memchr(buf, '\n', size) == NULL) {
		memset(&err, 0x55, sizeof err);
		if (aliases_parse_targets(buf, size, 1, &val, &count, &err) ==
		    0) {
			if (count > 0)
				check_value(val.s, val.len);
			else if (val.len != 0)
				abort();
		} else if (err.col == 0 || err.col > size + 1 ||
		    memchr(err.reason, '\0', sizeof err.reason) == NULL)
			abort();
	}
	str_free(&val);
	str_free(&s.names);
	return 0;
}
