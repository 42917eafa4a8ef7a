/*
 * libFuzzer target for the password-database parsers.  The input is
 * parsed as a whole file and, line by line, with passwd_parse_line.
 * Every accepted entry must format back to a line that parses to the
 * same entry; every error must point inside the input.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "passwd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
each(void *arg, unsigned lineno, const char *s, size_t n,
    const struct passwd_entry *e)
{
	struct passwd_entry back, again;
	struct passwd_err err;
	struct str out = STR_INIT;
	size_t *count = arg;

	(void)lineno;
	if (e == NULL) {
		if (n != 0 && s[0] != '#')
			abort();
		return 0;
	}
	(*count)++;
	/* The entry is what the line parser says on its own. */
	if (passwd_parse_line(s, n, &again, &err) != 0 ||
	    memcmp(&again, e, sizeof again) != 0)
		abort();
	if (e->user[0] == '\0' || e->uid == 0 || e->gid == 0 ||
	    e->home[0] != '/' || e->cram_len > PASSWD_CRAM_MAX)
		abort();
	if (passwd_format(e, &out) != 0)
		abort();
	if (memchr(out.s, '\n', out.len) != NULL)
		abort();
	if (passwd_parse_line(out.s, out.len, &back, &err) != 0 ||
	    memcmp(&back, e, sizeof back) != 0)
		abort();
	str_free(&out);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct passwd_entry e;
	struct passwd_err err;
	size_t count = 0, lines = 0, i;
	char *buf;
	long r;

	buf = malloc(size > 0 ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	for (i = 0; i < size; i++)
		lines += buf[i] == '\n';

	memset(&err, 0x55, sizeof err);
	errno = 0;
	r = passwd_parse_file(buf, size, each, &count, &err);
	if (r >= 0) {
		if ((size_t)r != count || err.line != 0)
			abort();
	} else {
		if (errno != EINVAL && errno != ENOMEM)
			abort();
		if (memchr(err.reason, '\0', sizeof err.reason) == NULL ||
		    err.reason[0] == '\0')
			abort();
		if (err.line == 0 || err.line > lines + 1 ||
		    err.col > PASSWD_LINE_MAX + 1)
			abort();
	}

	/* The whole input as one line. */
	memset(&err, 0x55, sizeof err);
	if (passwd_parse_line(buf, size, &e, &err) == 0) {
		struct str out = STR_INIT;

		if (passwd_format(&e, &out) != 0)
			abort();
		str_free(&out);
	} else if (err.col == 0 || err.col > size + 1 ||
	    err.col > PASSWD_LINE_MAX + 1 ||
	    memchr(err.reason, '\0', sizeof err.reason) == NULL)
		abort();
	free(buf);
	return 0;
}
