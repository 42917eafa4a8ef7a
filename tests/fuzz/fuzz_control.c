/*
 * libFuzzer target for control_parse, in single and list mode.  A simple
 * reference walks the lines the way control.h describes; the results of
 * both modes are checked against it and against each other, and the
 * error is formatted into a buffer of data-dependent size.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ref {
	size_t values;		/* value lines, in list mode */
	unsigned lines;		/* lines in the file */
	int nul;		/* a NUL byte somewhere */
	unsigned nul_line, nul_col;	/* the first one */
	int single_bad;		/* single mode stops at an error here: */
	unsigned single_line, single_col;
};

static int
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static void
reference(const char *buf, size_t len, struct ref *r)
{
	size_t off = 0;

	memset(r, 0, sizeof *r);
	while (off < len) {
		const char *lf = memchr(buf + off, '\n', len - off);
		size_t end = lf != NULL ? (size_t)(lf - buf) : len, a = off;
		const char *nul = memchr(buf + off, '\0', end - off);

		r->lines++;
		if (nul != NULL && !r->nul) {
			r->nul = 1;
			r->nul_line = r->lines;
			r->nul_col = (unsigned)(nul - (buf + off)) + 1;
		}
		while (a < end && blank(buf[a]))
			a++;
		if (a < end && buf[a] != '#')
			r->values++;
		/* Single mode: the first NUL or second value ends it. */
		if (!r->single_bad && (nul != NULL ||
		    (a < end && buf[a] != '#' && r->values == 2))) {
			r->single_bad = 1;
			r->single_line = r->lines;
			r->single_col = nul != NULL ?
			    (unsigned)(nul - (buf + off)) + 1 :
			    (unsigned)(a - off) + 1;
		}
		off = end + 1;
	}
}

/* What every error must look like. */
static void
check_err(const struct control_err *err, size_t len, unsigned lines)
{
	char out[300];
	size_t n;

	if (errno != EINVAL)
		abort();
	if (memchr(err->reason, '\0', sizeof err->reason) == NULL ||
	    err->reason[0] == '\0')
		abort();
	if (len <= CONTROL_MAX && err->line > lines)
		abort();
	n = len % sizeof out;
	memset(out, 0x5a, sizeof out);
	control_err_format(err, out, n);
	if (n > 0 && memchr(out, '\0', n) == NULL)
		abort();
	if (n < sizeof out && ((unsigned char *)out)[n] != 0x5a)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str one = STR_INIT, many = STR_INIT;
	struct control_err err;
	struct ref ref;
	size_t count = SIZE_MAX, i;
	char *buf;
	int r1, rn;

	/* An exact-size copy, so that reading past the end is caught. */
	buf = malloc(size > 0 ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	reference(buf, size, &ref);

	memset(&err, 0, sizeof err);
	errno = 0;
	rn = control_parse(buf, size, 1, &many, &count, &err);
	if (size > CONTROL_MAX || ref.nul) {
		if (rn != -1)
			abort();
		check_err(&err, size, ref.lines);
		if (size <= CONTROL_MAX &&
		    (err.line != ref.nul_line || err.col != ref.nul_col))
			abort();
	} else {
		const char *p = many.s, *end = many.s + many.len;

		if (rn != 0 || count != ref.values)
			abort();
		/* count values, each non-empty, trimmed, one line, no NUL. */
		for (i = 0; i < count; i++) {
			size_t n;

			if (p >= end)
				abort();
			n = strlen(p);
			if (n == 0 || n >= (size_t)(end - p) || p[0] == '#' ||
			    blank(p[0]) || blank(p[n - 1]) ||
			    memchr(p, '\n', n) != NULL)
				abort();
			p += n + 1;
		}
		if (p != end)
			abort();
		if (many.s != NULL && many.s[many.len] != '\0')
			abort();
	}

	memset(&err, 0, sizeof err);
	errno = 0;
	r1 = control_parse(buf, size, 0, &one, NULL, &err);
	if (size <= CONTROL_MAX && !ref.nul && ref.values == 1) {
		/* Exactly one value: the one list mode found. */
		if (r1 != 0 || one.len + 1 != many.len ||
		    memcmp(one.s, many.s, many.len) != 0 ||
		    one.s[one.len] != '\0')
			abort();
	} else {
		if (r1 != -1)
			abort();
		check_err(&err, size, ref.lines);
		if (size <= CONTROL_MAX && ref.single_bad &&
		    (err.line != ref.single_line || err.col != ref.single_col))
			abort();
	}

	str_free(&one);
	str_free(&many);
	free(buf);
	return 0;
}
