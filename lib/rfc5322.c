/*
 * RFC 5322 header sections: see rfc5322.h.
 */
#include <errno.h>
#include <string.h>

#include "rfc5322.h"

/* Length of the line at off, line end included. */
static size_t
line_len(const char *buf, size_t len, size_t off)
{
	const char *nl = memchr(buf + off, '\n', len - off);

	return nl == NULL ? len - off : (size_t)(nl - (buf + off)) + 1;
}

static int
is_empty_line(const char *p, size_t n)
{
	return (n == 1 && p[0] == '\n') || (n == 2 && p[0] == '\r' &&
	    p[1] == '\n');
}

size_t
hdr_end(const void *vbuf, size_t len)
{
	const char *buf = vbuf;
	size_t off = 0, n;

	while (off < len) {
		n = line_len(buf, len, off);
		if (is_empty_line(buf + off, n))
			return off + n;
		off += n;
	}
	return len;
}

void
hdr_iter_init(struct hdr_iter *it, const void *buf, size_t len)
{
	it->buf = buf;
	it->len = len;
	it->off = 0;
	it->nfields = 0;
	it->body_off = 0;
	it->done = 0;
}

/* Length of a line end at the end of p[0..n): 0, 1 (LF) or 2 (CRLF). */
static size_t
eol_len(const char *p, size_t n)
{
	if (n == 0 || p[n - 1] != '\n')
		return 0;
	return n >= 2 && p[n - 2] == '\r' ? 2 : 1;
}

int
hdr_next(struct hdr_iter *it, struct hdr_field *f)
{
	const char *buf = it->buf, *p;
	size_t start, n, i, end, colon;

	if (it->done)
		return 0;
	if (it->off >= it->len) {
		it->done = 1;
		it->body_off = it->len;
		return 0;
	}
	n = line_len(buf, it->len, it->off);
	if (is_empty_line(buf + it->off, n)) {
		it->done = 1;
		it->body_off = it->off + n;
		return 0;
	}
	if (it->nfields >= HDR_FIELDS_MAX) {
		errno = E2BIG;
		return -1;
	}
	start = it->off;
	end = start + n;
	/* Continuation lines belong to this field. */
	while (end < it->len && (buf[end] == ' ' || buf[end] == '\t'))
		end += line_len(buf, it->len, end);
	it->off = end;
	it->nfields++;

	memset(f, 0, sizeof(*f));
	f->raw = buf + start;
	f->rawlen = end - start;
	p = buf + start;
	/* The name: printable ASCII but ':', then optional WSP, then ':'. */
	for (i = 0; i < n && (unsigned char)p[i] > 32 &&
	    (unsigned char)p[i] < 127 && p[i] != ':'; i++)
		;
	colon = i;
	while (colon < n && (p[colon] == ' ' || p[colon] == '\t'))
		colon++;
	if (i == 0 || i > HDR_NAME_MAX || colon >= n || p[colon] != ':') {
		f->bad = 1;
		f->value = p;
		f->valuelen = f->rawlen - eol_len(p, f->rawlen);
		return 1;
	}
	f->name = p;
	f->namelen = i;
	colon++;
	while (colon < f->rawlen && (p[colon] == ' ' || p[colon] == '\t'))
		colon++;
	f->value = p + colon;
	f->valuelen = f->rawlen - colon - eol_len(p + colon, f->rawlen - colon);
	return 1;
}

int
hdr_name_is(const struct hdr_field *f, const char *z)
{
	size_t i, n = strlen(z);
	unsigned char a, b;

	if (f->name == NULL || f->namelen != n)
		return 0;
	for (i = 0; i < n; i++) {
		a = (unsigned char)f->name[i];
		b = (unsigned char)z[i];
		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a + 32);
		if (b >= 'A' && b <= 'Z')
			b = (unsigned char)(b + 32);
		if (a != b)
			return 0;
	}
	return 1;
}

int
hdr_unfold(const char *v, size_t len, struct str *out, int trim)
{
	size_t old = out->len, i, s, e;

	s = 0;
	e = len;
	if (trim) {
		while (s < e && (v[s] == ' ' || v[s] == '\t' || v[s] == '\r' ||
		    v[s] == '\n'))
			s++;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t' ||
		    v[e - 1] == '\r' || v[e - 1] == '\n'))
			e--;
	}
	if (str_reserve(out, e - s) == -1)
		return -1;
	for (i = s; i < e; i++) {
		if (v[i] == '\n')
			continue;
		if (v[i] == '\r' && i + 1 < e && v[i + 1] == '\n')
			continue;
		if (str_appendc(out, v[i]) == -1) {
			str_truncate(out, old);
			return -1;
		}
	}
	return 0;
}
