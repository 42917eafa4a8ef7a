/*
 * imapd's message commands: FETCH, STORE, SEARCH, COPY, MOVE, APPEND
 * and their UID forms.  See imapd.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "durable.h"
#include "imapd.h"
#include "imapparse.h"
#include "log.h"
#include "mbox.h"
#include "mime.h"
#include "num.h"
#include "rfc2047.h"
#include "rfc5322.h"
#include "str.h"
#include "uniq.h"

/* ---------------------------------------------------------------- sets */

/*
 * The view indexes a sequence set (or, with uid, a UID set) names, in
 * ascending order.  Returns the count, or -1 with the BAD reply given.
 */
static ssize_t
resolve(const struct imap_cmd *c, const struct imap_arg *a, int uid,
    size_t **idx_r)
{
	struct imap_seqset set;
	const char *why = NULL;
	size_t i, n = 0, *idx;

	if (a == NULL || a->type != IMAP_ARG_ATOM) {
		reply("%s BAD Missing sequence set", c->tag);
		return -1;
	}
	imap_seqset_init(&set);
	if (imap_seqset_parse(&set, a->s, a->len, &why) < 0) {
		imap_seqset_free(&set);
		reply("%s BAD %s", c->tag, why ? why : "Bad sequence set");
		return -1;
	}
	if (uid) {
		imap_seqset_resolve(&set, S.nv ? S.v[S.nv - 1].uid : 0);
	} else {
		imap_seqset_resolve(&set, (uint32_t)S.nv);
		if (S.nv == 0 || imap_seqset_max(&set) > S.nv ||
		    (set.n > 0 && set.r[0].lo == 0)) {
			imap_seqset_free(&set);
			reply("%s BAD Invalid sequence number", c->tag);
			return -1;
		}
	}
	idx = malloc((S.nv ? S.nv : 1) * sizeof *idx);
	if (idx == NULL)
		oom();
	if (uid) {
		for (i = 0; i < S.nv; i++)
			if (imap_seqset_contains(&set, S.v[i].uid))
				idx[n++] = i;
	} else {
		size_t r;
		uint32_t k;

		for (r = 0; r < set.n; r++)
			for (k = set.r[r].lo; k <= set.r[r].hi && k > 0; k++)
				idx[n++] = k - 1;
	}
	imap_seqset_free(&set);
	*idx_r = idx;
	return (ssize_t)n;
}

/* ---------------------------------------------------------------- content */

static struct str raw, crlf;
static uint32_t loaded_uid;
static int loaded_full; /* crlf holds the whole message, not the header */

#define HEADER_READ_MAX (1024 * 1024) /* header bytes kept for sections */

/*
 * Loads message i (view index) with CRLF line ends into crlf: the whole
 * message (full), or its header section only, read up to the empty line
 * (at most HEADER_READ_MAX bytes).  Bodies are never held for FETCH: see
 * stream_range.
 */
static int
load_part(size_t i, int full)
{
	ssize_t j = msg_index(i);
	int fd;
	char buf[65536];
	ssize_t r;
	size_t k;

	if (loaded_uid == S.v[i].uid && loaded_uid != 0 &&
	    (loaded_full || !full))
		return 0;
	loaded_uid = 0;
	str_clear(&raw);
	str_clear(&crlf);
	if (j < 0) {
		errno = ENOENT;
		return -1;
	}
	fd = mbox_msg_open(&S.mb, (size_t)j);
	if (fd < 0)
		return -1;
	while ((r = read(fd, buf, sizeof buf)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || str_append(&raw, buf, (size_t)r) < 0) {
			close(fd);
			return -1;
		}
		if (!full && (hdr_end(raw.s, raw.len) < raw.len ||
		    raw.len >= HEADER_READ_MAX))
			break;
	}
	close(fd);
	if (!full) {
		size_t e = hdr_end(raw.s ? raw.s : "", raw.len);

		str_truncate(&raw, e);
	}
	if (str_reserve(&crlf, raw.len + raw.len / 16 + 16) < 0)
		return -1;
	for (k = 0; k < raw.len; k++) {
		if (raw.s[k] == '\n' && (k == 0 || raw.s[k - 1] != '\r') &&
		    str_appendc(&crlf, '\r') < 0)
			return -1;
		if (str_appendc(&crlf, raw.s[k]) < 0)
			return -1;
	}
	if (full)
		S.mb.m[j].vsize = crlf.len;
	str_free(&raw); /* a large message's memory is not kept */
	loaded_uid = S.v[i].uid;
	loaded_full = full;
	return 0;
}

static int
load_header(size_t i)
{
	return load_part(i, 0);
}

/*
 * One pass over fd from its start: the size with CRLF line ends, and the
 * CRLF size of the header section through its empty line (the whole
 * size when there is none).
 */
static int
count_crlf(int fd, uint64_t *size_r, uint64_t *hdr_r)
{
	char buf[65536];
	uint64_t size = 0, hdr = 0;
	ssize_t r, k;
	int prev_cr = 0, bol = 1, in_hdr = 1, line_empty = 1;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return -1;
	while ((r = read(fd, buf, sizeof buf)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		for (k = 0; k < r; k++) {
			char ch = buf[k];

			size += ch == '\n' && !prev_cr ? 2 : 1;
			if (in_hdr) {
				if (ch == '\n') {
					if (line_empty) {
						in_hdr = 0;
						hdr = size;
					}
					line_empty = 1;
					bol = 1;
				} else if (!(ch == '\r' && bol)) {
					line_empty = 0;
					bol = 0;
				}
			}
			prev_cr = ch == '\r';
		}
	}
	*size_r = size;
	*hdr_r = in_hdr ? size : hdr;
	return 0;
}

/* The part of n bytes at CRLF position pos that lies in [from, end). */
static void
emit(const char *p, uint64_t n, uint64_t pos, uint64_t from, uint64_t end)
{
	uint64_t lo = pos > from ? pos : from;
	uint64_t hi = pos + n < end ? pos + n : end;

	if (lo < hi)
		put(p + (lo - pos), (size_t)(hi - lo));
}

/*
 * Writes bytes [from, from + len) of fd's CRLF form to the client; pads
 * with spaces if the file gave fewer (so the literal's length holds).
 */
static void
stream_range(int fd, uint64_t from, uint64_t len)
{
	char buf[65536];
	uint64_t pos = 0, end = from + len;
	ssize_t r = 0, k;
	int prev_cr = 0;

	if (fd >= 0 && lseek(fd, 0, SEEK_SET) == 0) {
		while (pos < end && (r = read(fd, buf, sizeof buf)) != 0) {
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				break;
			for (k = 0; k < r && pos < end;) {
				char *nl = memchr(buf + k, '\n', (size_t)(r - k));
				ssize_t e = nl != NULL ? nl - buf : r;

				if (e > k) {
					emit(buf + k, (uint64_t)(e - k), pos, from,
					    end);
					pos += (uint64_t)(e - k);
					prev_cr = buf[e - 1] == '\r';
				}
				k = e;
				if (nl == NULL)
					break;
				if (!prev_cr) {
					emit("\r", 1, pos, from, end);
					pos++;
				}
				emit("\n", 1, pos, from, end);
				pos++;
				prev_cr = 0;
				k++;
			}
		}
	}
	for (; pos < end; pos++)
		if (pos >= from)
			put(" ", 1);
}

/* The ",W=n" of a name, else 0. */
static uint64_t
name_vsize(const char *name)
{
	size_t n = mbox_base_len(name), i, used;
	uint64_t w;

	for (i = 0; i + 3 <= n; i++)
		if (name[i] == ',' && name[i + 1] == 'W' && name[i + 2] == '=' &&
		    num_u64_prefix(name + i + 3, n - i - 3, UINT64_MAX, &w,
			&used) == 0)
			return w;
	return 0;
}

static int
msg_size(size_t i, uint64_t *size_r)
{
	ssize_t j = msg_index(i);

	if (j < 0)
		return -1;
	if (S.mb.m[j].vsize == 0)
		S.mb.m[j].vsize = name_vsize(S.mb.m[j].name);
	if (S.mb.m[j].vsize == 0) {
		uint64_t h;
		int fd = mbox_msg_open(&S.mb, (size_t)j);

		if (fd < 0)
			return -1;
		if (count_crlf(fd, &S.mb.m[j].vsize, &h) < 0) {
			close(fd);
			return -1;
		}
		close(fd);
	}
	*size_r = S.mb.m[j].vsize;
	return 0;
}

static time_t
msg_date(size_t i)
{
	ssize_t j = msg_index(i);
	struct stat st;
	int fd;

	if (j < 0)
		return 0;
	fd = mbox_msg_open(&S.mb, (size_t)j);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0)
		st.st_mtime = 0;
	close(fd);
	return st.st_mtime;
}

/* ---------------------------------------------------------------- fetch */

enum { I_UID, I_FLAGS, I_DATE, I_SIZE, I_BODY, I_MODSEQ, I_ENVELOPE,
	I_BODYSTRUCTURE, I_BODYSIMPLE };
enum { S_FULL, S_HEADER, S_TEXT, S_FIELDS, S_NOT };

struct fitem {
	int kind, peek, sect, partial;
	uint64_t off, len;
	struct str fields; /* NUL-separated names */
	size_t nfields;
	int part;	   /* a part section ("1.2", "2.HEADER"...): pspec */
	struct str pspec;
	struct str label;  /* "BODY[HEADER]", "RFC822" ... */
};

/* Parses the names in "(From To)" of a HEADER.FIELDS section. */
static int
parse_fields(const char *p, const char *end, struct fitem *it)
{
	while (p < end && *p == ' ')
		p++;
	if (p >= end || *p != '(')
		return -1;
	p++;
	for (;;) {
		const char *s;
		size_t n;

		while (p < end && *p == ' ')
			p++;
		if (p < end && *p == ')')
			break;
		if (p >= end)
			return -1;
		if (*p == '"') {
			s = ++p;
			while (p < end && *p != '"')
				p++;
			if (p >= end)
				return -1;
			n = (size_t)(p - s);
			p++;
		} else {
			s = p;
			while (p < end && *p != ' ' && *p != ')')
				p++;
			n = (size_t)(p - s);
		}
		if (n == 0 || memchr(s, ':', n) != NULL)
			return -1;
		if (str_append(&it->fields, s, n) < 0 ||
		    str_appendc(&it->fields, '\0') < 0)
			oom();
		it->nfields++;
	}
	p++;
	return p == end && it->nfields > 0 ? 0 : -1;
}

/* Is p[0..n) z, ignoring ASCII case? */
static int
eqi(const char *p, size_t n, const char *z)
{
	return strlen(z) == n && strncasecmp(p, z, n) == 0;
}

/*
 * A part section, sec up to rb: "1.2", "1.2.MIME", "3.TEXT", "3.HEADER",
 * "3.HEADER.FIELDS (A B)", "3.HEADER.FIELDS.NOT (A)".  0 or -1.
 */
static int
parse_part(const char *sec, const char *rb, struct fitem *it)
{
	const char *p = sec, *end = rb, *paren = memchr(sec, '(',
	    (size_t)(rb - sec));
	size_t kw;

	if (paren != NULL) {
		end = paren;
		while (end > sec && end[-1] == ' ')
			end--;
	}
	/* numbers */
	for (;;) {
		if (p >= end || *p < '1' || *p > '9')
			return -1;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == end)
			break;
		if (*p != '.')
			return -1;
		p++;
		if (p < end && !(*p >= '0' && *p <= '9'))
			break;
	}
	kw = (size_t)(end - p);
	it->part = 1;
	it->sect = S_FULL;
	if (p < end) {
		if (eqi(p, kw, "HEADER.FIELDS"))
			it->sect = S_FIELDS;
		else if (eqi(p, kw, "HEADER.FIELDS.NOT"))
			it->sect = S_NOT;
		else if (!eqi(p, kw, "HEADER") && !eqi(p, kw, "TEXT") &&
		    !eqi(p, kw, "MIME"))
			return -1;
	}
	if ((it->sect == S_FIELDS || it->sect == S_NOT) != (paren != NULL))
		return -1;
	if (paren != NULL && parse_fields(end, rb, it) < 0)
		return -1;
	if (str_append(&it->pspec, sec, (size_t)(end - sec)) < 0)
		oom();
	return 0;
}

/* One fetch attribute; 0 or -1 with *why_r. */
static int
parse_item(const struct imap_arg *a, struct fitem *it, const char **why_r)
{
	const char *s = a->s, *lb, *rb;

	memset(it, 0, sizeof *it);
	*why_r = "Unknown FETCH item";
	if (a->type != IMAP_ARG_ATOM)
		return -1;
	if (imap_arg_atom_is(a, "UID")) {
		it->kind = I_UID;
	} else if (imap_arg_atom_is(a, "FLAGS")) {
		it->kind = I_FLAGS;
	} else if (imap_arg_atom_is(a, "INTERNALDATE")) {
		it->kind = I_DATE;
	} else if (imap_arg_atom_is(a, "RFC822.SIZE")) {
		it->kind = I_SIZE;
	} else if (imap_arg_atom_is(a, "MODSEQ")) {
		it->kind = I_MODSEQ;
		S.condstore = 1;
	} else if (imap_arg_atom_is(a, "RFC822")) {
		it->kind = I_BODY;
		(void)str_appendz(&it->label, "RFC822");
	} else if (imap_arg_atom_is(a, "RFC822.HEADER")) {
		it->kind = I_BODY;
		it->peek = 1;
		it->sect = S_HEADER;
		(void)str_appendz(&it->label, "RFC822.HEADER");
	} else if (imap_arg_atom_is(a, "RFC822.TEXT")) {
		it->kind = I_BODY;
		it->sect = S_TEXT;
		(void)str_appendz(&it->label, "RFC822.TEXT");
	} else if (imap_arg_atom_is(a, "ENVELOPE")) {
		it->kind = I_ENVELOPE;
	} else if (imap_arg_atom_is(a, "BODYSTRUCTURE")) {
		it->kind = I_BODYSTRUCTURE;
	} else if (imap_arg_atom_is(a, "BODY")) {
		it->kind = I_BODYSIMPLE;
	} else if ((strncasecmp(s, "BODY[", 5) == 0 ||
		       strncasecmp(s, "BODY.PEEK[", 10) == 0) &&
	    (rb = strchr(s, ']')) != NULL) {
		const char *sec;
		size_t sl;

		it->kind = I_BODY;
		it->peek = strncasecmp(s, "BODY.PEEK[", 10) == 0;
		lb = strchr(s, '[');
		sec = lb + 1;
		sl = (size_t)(rb - sec);
		*why_r = "Bad section";
		if (sl == 0) {
			it->sect = S_FULL;
		} else if (sl == 6 && strncasecmp(sec, "HEADER", 6) == 0) {
			it->sect = S_HEADER;
		} else if (sl == 4 && strncasecmp(sec, "TEXT", 4) == 0) {
			it->sect = S_TEXT;
		} else if (sl > 17 &&
		    strncasecmp(sec, "HEADER.FIELDS.NOT", 17) == 0) {
			it->sect = S_NOT;
			if (parse_fields(sec + 17, rb, it) < 0)
				return -1;
		} else if (sl > 13 &&
		    strncasecmp(sec, "HEADER.FIELDS", 13) == 0 &&
		    (sec[13] == ' ' || sec[13] == '(')) {
			it->sect = S_FIELDS;
			if (parse_fields(sec + 13, rb, it) < 0)
				return -1;
		} else if (sec[0] >= '1' && sec[0] <= '9') {
			if (parse_part(sec, rb, it) < 0)
				return -1;
		} else {
			return -1;
		}
		/* The label: BODY[section] with the keyword in capitals. */
		if (str_appendz(&it->label, "BODY[") < 0)
			oom();
		{
			size_t k;

			for (k = 0; k < sl; k++) {
				char ch = sec[k];

				if (it->sect == S_FIELDS || it->sect == S_NOT) {
					if (ch == '(' || ch == ' ')
						break;
				}
				if (str_appendc(&it->label,
					(char)(ch >= 'a' && ch <= 'z' ? ch - 32
								      : ch)) < 0)
					oom();
			}
			if (it->sect == S_FIELDS || it->sect == S_NOT) {
				const char *f = it->fields.s;

				if (str_appendz(&it->label, " (") < 0)
					oom();
				for (k = 0; k < it->nfields; k++) {
					if ((k && str_appendc(&it->label, ' ') < 0) ||
					    str_appendz(&it->label, f) < 0)
						oom();
					f += strlen(f) + 1;
				}
				if (str_appendc(&it->label, ')') < 0)
					oom();
			}
		}
		if (str_appendc(&it->label, ']') < 0)
			oom();
		if (rb[1] == '<') {
			const char *dot = strchr(rb, '.'), *gt = strchr(rb, '>');
			uint64_t o, l;

			*why_r = "Bad partial";
			if (dot == NULL || gt == NULL || dot > gt ||
			    num_u64(rb + 2, (size_t)(dot - rb - 2), UINT32_MAX,
				&o) < 0 ||
			    num_u64(dot + 1, (size_t)(gt - dot - 1), UINT32_MAX,
				&l) < 0 ||
			    l == 0 || gt[1] != '\0')
				return -1;
			it->partial = 1;
			it->off = o;
			it->len = l;
		} else if (rb[1] != '\0') {
			return -1;
		}
	} else {
		return -1;
	}
	return 0;
}

static void
free_items(struct fitem *it, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		str_free(&it[i].fields);
		str_free(&it[i].label);
		str_free(&it[i].pspec);
	}
	free(it);
}

static int
field_in(const struct fitem *it, const struct hdr_field *f)
{
	const char *p = it->fields.s;
	size_t k;

	for (k = 0; k < it->nfields; k++, p += strlen(p) + 1)
		if (hdr_name_is(f, p))
			return 1;
	return 0;
}

/* Appends the section of the loaded message to out. */
static void
section(const struct fitem *it, struct str *out)
{
	size_t hend = hdr_end(crlf.s ? crlf.s : "", crlf.len);

	str_clear(out);
	switch (it->sect) {
	case S_FULL:
		(void)str_append(out, crlf.s ? crlf.s : "", crlf.len);
		break;
	case S_HEADER:
		(void)str_append(out, crlf.s ? crlf.s : "", hend);
		break;
	case S_TEXT:
		(void)str_append(out, crlf.s + hend, crlf.len - hend);
		break;
	default: {
		struct hdr_iter hi;
		struct hdr_field f;

		hdr_iter_init(&hi, crlf.s ? crlf.s : "", hend);
		while (hdr_next(&hi, &f) == 1) {
			if (f.bad)
				continue;
			if (field_in(it, &f) == (it->sect == S_FIELDS))
				(void)str_append(out, f.raw, f.rawlen);
		}
		(void)str_append(out, "\r\n", 2);
		break;
	}
	}
}

/* The MIME tree of the message last asked for (lib/mime). */
static struct mime_msg mm = MIME_MSG_INIT;
static uint32_t mm_uid;

/* Parses message vi's MIME structure from its file, a chunk at a time. */
static int
parse_mime(size_t vi)
{
	ssize_t j = msg_index(vi);
	struct mime_parser *mp = NULL;
	char buf[65536];
	ssize_t r;
	int fd;

	if (mm_uid == S.v[vi].uid && mm_uid != 0)
		return 0;
	mm_uid = 0;
	if (j < 0 || (fd = mbox_msg_open(&S.mb, (size_t)j)) < 0)
		return -1;
	if (mime_parser_init(&mp, &mm) < 0) {
		close(fd);
		return -1;
	}
	while ((r = read(fd, buf, sizeof buf)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || mime_parser_feed(mp, buf, (size_t)r) < 0) {
			mime_parser_free(&mp);
			mime_free(&mm);
			close(fd);
			return -1;
		}
	}
	close(fd);
	if (mime_parser_finish(&mp) < 0)
		return -1;
	mm_uid = S.v[vi].uid;
	return 0;
}

/* ENVELOPE, BODYSTRUCTURE or BODY of message vi. */
static void
put_mime(size_t vi, int kind)
{
	struct str v = STR_INIT;
	int r = -1;

	if (parse_mime(vi) == 0)
		r = kind == I_ENVELOPE ? mime_envelope(&mm, 0, &v)
					: mime_bodystructure(&mm, 0,
					      kind == I_BODYSTRUCTURE, &v);
	if (r < 0) {
		log_warn("unable to read message uid=%" PRIu32 ": %s",
		    S.v[vi].uid, strerror(errno));
		str_clear(&v);
		(void)str_appendz(&v, kind == I_ENVELOPE ?
		    "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)" :
		    "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 0 0)");
	}
	putz(kind == I_ENVELOPE ? "ENVELOPE " : kind == I_BODYSTRUCTURE ?
	    "BODYSTRUCTURE " : "BODY ");
	put(v.s ? v.s : "", v.len);
	str_free(&v);
}

/*
 * Writes CRLF positions [from, from + n) of the file's bytes [off, off +
 * len) with LF made CRLF; pads with spaces if the file gave fewer.
 */
static void
stream_raw(int fd, uint64_t off, uint64_t len, uint64_t from, uint64_t n)
{
	char buf[65536], c;
	uint64_t pos = 0, end = from + n, done = 0;
	int prev_cr = 0;

	if (off > 0 && pread(fd, &c, 1, (off_t)off - 1) == 1)
		prev_cr = c == '\r';
	while (fd >= 0 && done < len && pos < end) {
		size_t want = len - done < sizeof buf ? (size_t)(len - done)
						      : sizeof buf;
		ssize_t r = pread(fd, buf, want, (off_t)(off + done)), k = 0;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		done += (uint64_t)r;
		while (k < r && pos < end) {
			char *nl = memchr(buf + k, '\n', (size_t)(r - k));
			ssize_t e = nl != NULL ? nl - buf : r;

			if (e > k) {
				emit(buf + k, (uint64_t)(e - k), pos, from, end);
				pos += (uint64_t)(e - k);
				prev_cr = buf[e - 1] == '\r';
			}
			k = e;
			if (nl == NULL)
				break;
			if (!prev_cr) {
				emit("\r", 1, pos, from, end);
				pos++;
			}
			emit("\n", 1, pos, from, end);
			pos++;
			prev_cr = 0;
			k++;
		}
	}
	for (; pos < end; pos++)
		if (pos >= from)
			put(" ", 1);
}

/* BODY[1.2], BODY[2.HEADER], BODY[1.MIME] ... through lib/mime. */
static void
fetch_part(size_t vi, const struct fitem *it)
{
	struct mime_range r;
	ssize_t j = msg_index(vi);
	uint64_t total, o = 0, l;
	int fd = -1;

	memset(&r, 0, sizeof r);
	if (parse_mime(vi) < 0 ||
	    mime_section(&mm, it->pspec.s, it->pspec.len, &r) < 0 ||
	    (fd = mbox_msg_open(&S.mb, (size_t)j)) < 0) {
		log_warn("unable to read section %s of uid=%" PRIu32 ": %s",
		    it->pspec.s, S.v[vi].uid, strerror(errno));
		memset(&r, 0, sizeof r);
	}
	str_clear(&S.out);
	if (it->sect == S_FIELDS || it->sect == S_NOT) {
		/* the header is read whole (at most 1 MiB) and picked */
		struct str h = STR_INIT, c = STR_INIT, out = STR_INIT;
		size_t want = r.len < HEADER_READ_MAX ? r.len : HEADER_READ_MAX;
		size_t k;
		struct hdr_iter hi;
		struct hdr_field f;

		if (fd >= 0 && want > 0 && str_reserve(&h, want) == 0) {
			ssize_t n = pread(fd, h.s, want, (off_t)r.off);

			h.len = n > 0 ? (size_t)n : 0;
			h.s[h.len] = '\0';
		}
		for (k = 0; k < h.len; k++)
			if ((h.s[k] == '\n' && (k == 0 || h.s[k - 1] != '\r') &&
				str_appendc(&c, '\r') < 0) ||
			    str_appendc(&c, h.s[k]) < 0)
				oom();
		hdr_iter_init(&hi, c.s ? c.s : "", c.len);
		while (hdr_next(&hi, &f) == 1)
			if (!f.bad && field_in(it, &f) == (it->sect == S_FIELDS) &&
			    str_append(&out, f.raw, f.rawlen) < 0)
				oom();
		if (str_append(&out, "\r\n", 2) < 0)
			oom();
		total = out.len;
		if (it->partial) {
			o = it->off < total ? it->off : total;
			l = total - o < it->len ? total - o : it->len;
			(void)str_printf(&S.out, "%s<%" PRIu64 "> {%" PRIu64 "}\r\n",
			    it->label.s, it->off, l);
		} else {
			l = total;
			(void)str_printf(&S.out, "%s {%" PRIu64 "}\r\n",
			    it->label.s, l);
		}
		put(S.out.s, S.out.len);
		put(out.s + o, (size_t)l);
		str_free(&h);
		str_free(&c);
		str_free(&out);
	} else {
		total = r.vlen;
		l = total;
		if (it->partial) {
			o = it->off < total ? it->off : total;
			l = total - o < it->len ? total - o : it->len;
			(void)str_printf(&S.out, "%s<%" PRIu64 "> {%" PRIu64 "}\r\n",
			    it->label.s, it->off, l);
		} else {
			(void)str_printf(&S.out, "%s {%" PRIu64 "}\r\n",
			    it->label.s, l);
		}
		put(S.out.s, S.out.len);
		stream_raw(fd, r.off, r.len, o, l);
	}
	if (fd >= 0)
		close(fd);
}

/* BODY[] and BODY[TEXT] (with a partial) straight from the file. */
static void
fetch_stream(size_t vi, const struct fitem *it)
{
	ssize_t j = msg_index(vi);
	int fd = j >= 0 ? mbox_msg_open(&S.mb, (size_t)j) : -1;
	uint64_t size = 0, hdr = 0, base, total, o, l;

	if (fd < 0 || count_crlf(fd, &size, &hdr) < 0) {
		log_warn("unable to read message uid=%" PRIu32 ": %s",
		    S.v[vi].uid, strerror(errno));
		size = hdr = 0;
	}
	if (j >= 0)
		S.mb.m[j].vsize = size;
	base = it->sect == S_TEXT ? hdr : 0;
	total = size - base;
	o = 0;
	l = total;
	str_clear(&S.out);
	if (it->partial) {
		o = it->off < total ? it->off : total;
		l = total - o < it->len ? total - o : it->len;
		(void)str_printf(&S.out, "%s<%" PRIu64 "> {%" PRIu64 "}\r\n",
		    it->label.s, it->off, l);
	} else {
		(void)str_printf(&S.out, "%s {%" PRIu64 "}\r\n", it->label.s, l);
	}
	put(S.out.s, S.out.len);
	if (fd >= 0) {
		stream_range(fd, base + o, l);
		close(fd);
	} else {
		stream_range(-1, 0, l);
	}
}

/* Appends the decimal digits of v at b + *o. */
static void
put_u64(char *b, size_t *o, uint64_t v)
{
	char t[24];
	size_t n = 0;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	while (n > 0)
		b[(*o)++] = t[--n];
}

static void
put_lit(char *b, size_t *o, const char *z)
{
	size_t n = strlen(z);

	memcpy(b + *o, z, n);
	*o += n;
}

/* "* n FETCH (UID u FLAGS (...))" for items of UID and FLAGS only. */
static void
fast_fetch(size_t vi, const struct fitem *items, size_t count, int lead_uid)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = { { F_SEEN, "\\Seen" }, { F_ANSWERED, "\\Answered" },
		{ F_FLAGGED, "\\Flagged" }, { F_DELETED, "\\Deleted" },
		{ F_DRAFT, "\\Draft" }, { F_RECENT, "\\Recent" } };
	char b[1024]; /* count <= 8 items of at most 64 bytes each */
	size_t o = 0, i, f;
	int sp = 0;

	put_lit(b, &o, "* ");
	put_u64(b, &o, vi + 1);
	put_lit(b, &o, " FETCH (");
	if (lead_uid) {
		put_lit(b, &o, "UID ");
		put_u64(b, &o, S.v[vi].uid);
		sp = 1;
	}
	for (i = 0; i < count; i++) {
		if (sp)
			b[o++] = ' ';
		sp = 1;
		if (items[i].kind == I_UID) {
			put_lit(b, &o, "UID ");
			put_u64(b, &o, S.v[vi].uid);
			continue;
		}
		put_lit(b, &o, "FLAGS (");
		for (f = 0; f < sizeof names / sizeof names[0]; f++) {
			if (S.v[vi].flags & names[f].bit) {
				if (b[o - 1] != '(')
					b[o++] = ' ';
				put_lit(b, &o, names[f].name);
			}
		}
		b[o++] = ')';
	}
	put_lit(b, &o, ")\r\n");
	put(b, o);
}

void
cmd_fetch(const struct imap_cmd *c, size_t first, int uid)
{
	const struct imap_arg *atts = first + 1 < c->nargs ?
	    &c->args[first + 1] : NULL;
	struct fitem *items;
	size_t nitems, i, k, *idx, *seen_idx, nseen = 0;
	unsigned *seen_flags;
	ssize_t n;
	struct str sec = STR_INIT;
	const char *why;
	int want_flags = 0, sets_seen = 0, has_uid = 0, macro, simple;

	uint64_t changedsince = 0;
	int want_vanished = 0;

	if (atts != NULL && first + 3 == c->nargs &&
	    c->args[first + 2].type == IMAP_ARG_LIST) {
		const struct imap_arg *m = &c->args[first + 2];

		if (m->nlist < 2 || m->nlist > 3 ||
		    !imap_arg_atom_is(&m->list[0], "CHANGEDSINCE") ||
		    m->list[1].type != IMAP_ARG_ATOM ||
		    num_u64(m->list[1].s, m->list[1].len, INT64_MAX,
			&changedsince) < 0 ||
		    (m->nlist == 3 && (!imap_arg_atom_is(&m->list[2],
			"VANISHED") || !uid || !S.qresync))) {
			reply("%s BAD Unknown FETCH modifier", c->tag);
			return;
		}
		S.condstore = 1;
		want_vanished = m->nlist == 3;
	} else if (atts == NULL || first + 2 != c->nargs) {
		reply("%s BAD FETCH wants a sequence set and items", c->tag);
		return;
	}
	nitems = atts->type == IMAP_ARG_LIST ? atts->nlist : 1;
	if (nitems == 0) {
		reply("%s BAD Empty FETCH list", c->tag);
		return;
	}
	/* Macros. */
	/* The macros (RFC 3501 6.4.5). */
	macro = atts->type != IMAP_ARG_ATOM ? 0
	    : imap_arg_atom_is(atts, "FAST") ? 3
	    : imap_arg_atom_is(atts, "ALL")  ? 4
	    : imap_arg_atom_is(atts, "FULL") ? 5
					     : 0;
	if (macro)
		nitems = (size_t)macro;
	items = calloc(nitems + 1, sizeof *items);
	if (items == NULL)
		oom();
	if (macro) {
		items[0].kind = I_FLAGS;
		items[1].kind = I_DATE;
		items[2].kind = I_SIZE;
		if (macro > 3)
			items[3].kind = I_ENVELOPE;
		if (macro > 4)
			items[4].kind = I_BODYSIMPLE;
	} else {
		for (i = 0; i < nitems; i++) {
			const struct imap_arg *a = atts->type == IMAP_ARG_LIST ?
			    &atts->list[i] : atts;

			if (parse_item(a, &items[i], &why) < 0) {
				free_items(items, nitems);
				reply("%s BAD %s", c->tag, why);
				return;
			}
		}
	}
	if (changedsince > 0) {
		int have = 0;

		for (i = 0; i < nitems; i++)
			have |= items[i].kind == I_MODSEQ;
		if (!have) {
			struct fitem *ni = realloc(items,
			    (nitems + 2) * sizeof *items);

			if (ni == NULL)
				oom();
			items = ni;
			memset(&items[nitems], 0, 2 * sizeof *items);
			items[nitems++].kind = I_MODSEQ;
		}
	}
	for (i = 0; i < nitems; i++) {
		want_flags |= items[i].kind == I_FLAGS;
		has_uid |= items[i].kind == I_UID;
		if (items[i].kind == I_BODY && !items[i].peek)
			sets_seen = 1;
	}
	n = resolve(c, &c->args[first], uid, &idx);
	if (n < 0) {
		free_items(items, nitems);
		return;
	}
	if (want_vanished) {
		struct imap_seqset set, vs;
		const char *w2;

		imap_seqset_init(&set);
		imap_seqset_init(&vs);
		if (imap_seqset_parse(&set, c->args[first].s,
			c->args[first].len, &w2) == 0) {
			imap_seqset_resolve(&set, S.mb.uidnext);
			if (mbox_vanished(&S.mb, changedsince, &set, &vs) == 0 &&
			    vs.n > 0) {
				str_clear(&S.out);
				if (str_appendz(&S.out, "* VANISHED (EARLIER) ") <
					0 ||
				    imap_seqset_format(&vs, &S.out) < 0 ||
				    str_appendz(&S.out, "\r\n") < 0)
					oom();
				put(S.out.s, S.out.len);
			}
		}
		imap_seqset_free(&set);
		imap_seqset_free(&vs);
	}
	/* \Seen first, so the FLAGS we send are the flags that hold. */
	if (sets_seen && !S.readonly) {
		seen_idx = malloc(((size_t)n + 1) * sizeof *seen_idx);
		seen_flags = malloc(((size_t)n + 1) * sizeof *seen_flags);
		if (seen_idx == NULL || seen_flags == NULL)
			oom();
		for (k = 0; k < (size_t)n; k++) {
			ssize_t j = msg_index(idx[k]);

			if (j >= 0 && !(S.mb.m[j].flags & F_SEEN)) {
				seen_idx[nseen] = (size_t)j;
				seen_flags[nseen++] = S.mb.m[j].flags | F_SEEN;
			}
		}
		if (nseen > 0 &&
		    mbox_set_flags(&S.mb, seen_idx, seen_flags, nseen) < 0)
			log_warn("unable to set \\Seen: %s", strerror(errno));
		free(seen_idx);
		free(seen_flags);
		/* The view learns the new flags here, and says so. */
		for (k = 0; k < (size_t)n; k++) {
			ssize_t j = msg_index(idx[k]);

			if (j >= 0 && (S.mb.m[j].flags & F_SEEN) &&
			    !(S.v[idx[k]].flags & F_SEEN)) {
				S.v[idx[k]].flags |= F_SEEN;
				if (!want_flags) {
					items[nitems].kind = I_FLAGS;
					want_flags = 2;
				}
			}
		}
	}
	/* UID and FLAGS alone (how clients resynchronise) are formatted
	 * without printf. */
	simple = 1;
	for (i = 0; i < nitems + (want_flags == 2); i++)
		if (items[i].kind != I_UID && items[i].kind != I_FLAGS)
			simple = 0;
	if (S.condstore || nitems + (want_flags == 2) > 8)
		simple = 0;
	for (k = 0; k < (size_t)n; k++) {
		size_t vi = idx[k], count = nitems + (want_flags == 2);
		int sp = 0;

		if (msg_index(vi) < 0)
			continue; /* expunged by another session */
		if (changedsince > 0 &&
		    S.mb.m[msg_index(vi)].modseq <= changedsince)
			continue;
		if (simple && (S.v[vi].flags & ~F_SYSTEM) == 0) {
			fast_fetch(vi, items, count, uid && !has_uid);
			continue;
		}
		str_clear(&S.out);
		if (str_printf(&S.out, "* %zu FETCH (", vi + 1) < 0)
			oom();
		put(S.out.s, S.out.len);
		if (uid && !has_uid) {
			str_clear(&S.out);
			(void)str_printf(&S.out, "UID %" PRIu32, S.v[vi].uid);
			put(S.out.s, S.out.len);
			sp = 1;
		}
		for (i = 0; i < count; i++) {
			struct fitem *it = &items[i];
			char date[64];
			uint64_t size;

			if (sp)
				putz(" ");
			sp = 1;
			str_clear(&S.out);
			switch (it->kind) {
			case I_UID:
				(void)str_printf(&S.out, "UID %" PRIu32,
				    S.v[vi].uid);
				put(S.out.s, S.out.len);
				break;
			case I_FLAGS:
				putz("FLAGS ");
				put_flags(S.v[vi].flags);
				break;
			case I_DATE:
				imap_datetime_format(msg_date(vi), date,
				    sizeof date);
				(void)str_printf(&S.out, "INTERNALDATE \"%s\"",
				    date);
				put(S.out.s, S.out.len);
				break;
			case I_ENVELOPE:
			case I_BODYSTRUCTURE:
			case I_BODYSIMPLE:
				put_mime(vi, it->kind);
				break;
			case I_MODSEQ:
				(void)str_printf(&S.out, "MODSEQ (%" PRIu64 ")",
				    S.mb.m[msg_index(vi)].modseq);
				put(S.out.s, S.out.len);
				break;
			case I_SIZE:
				if (msg_size(vi, &size) < 0)
					size = 0;
				(void)str_printf(&S.out, "RFC822.SIZE %" PRIu64,
				    size);
				put(S.out.s, S.out.len);
				break;
			default:
				if (it->part) {
					fetch_part(vi, it);
					break;
				}
				if (it->sect == S_FULL || it->sect == S_TEXT) {
					fetch_stream(vi, it);
					break;
				}
				if (load_header(vi) < 0) {
					log_warn("unable to read message uid=%"
						 PRIu32 ": %s",
					    S.v[vi].uid, strerror(errno));
					str_clear(&crlf);
				}
				section(it, &sec);
				{
					size_t o = 0, l = sec.len;

					if (it->partial) {
						o = it->off < sec.len ?
						    (size_t)it->off : sec.len;
						l = sec.len - o;
						if (l > it->len)
							l = (size_t)it->len;
						(void)str_printf(&S.out,
						    "%s<%" PRIu64 "> {%zu}\r\n",
						    it->label.s, it->off, l);
					} else {
						(void)str_printf(&S.out,
						    "%s {%zu}\r\n", it->label.s,
						    l);
					}
					put(S.out.s, S.out.len);
					put(sec.s ? sec.s + o : "", l);
				}
				break;
			}
		}
		putz(")\r\n");
	}
	str_free(&sec);
	free(idx);
	free_items(items, nitems);
	updates(0, uid);
	reply("%s OK %sFETCH completed", c->tag, uid ? "UID " : "");
}

/* ---------------------------------------------------------------- store */

void
cmd_store(const struct imap_cmd *c, size_t first, int uid)
{
	const struct imap_arg *what = first + 1 < c->nargs ?
	    &c->args[first + 1] : NULL;
	unsigned flags = 0, b, *nf;
	size_t i, k, *idx, *sidx, ns = 0;
	ssize_t n;
	int mode, silent = 0, cond = 0;
	const char *w;
	uint64_t unchangedsince = 0;
	struct str modified = STR_INIT;

	if (what != NULL && what->type == IMAP_ARG_LIST) {
		if (what->nlist != 2 || !imap_arg_atom_is(&what->list[0],
			"UNCHANGEDSINCE") || what->list[1].type != IMAP_ARG_ATOM ||
		    num_u64(what->list[1].s, what->list[1].len, INT64_MAX,
			&unchangedsince) < 0) {
			reply("%s BAD Unknown STORE modifier", c->tag);
			return;
		}
		cond = 1;
		S.condstore = 1;
		first++;
		what = first + 1 < c->nargs ? &c->args[first + 1] : NULL;
	}
	if (what == NULL || what->type != IMAP_ARG_ATOM ||
	    first + 3 > c->nargs) {
		reply("%s BAD STORE wants a sequence set, an item and flags",
		    c->tag);
		return;
	}
	w = what->s;
	mode = w[0] == '+' ? 1 : w[0] == '-' ? -1 : 0;
	if (mode != 0)
		w++;
	if (strcasecmp(w, "FLAGS.SILENT") == 0)
		silent = 1;
	else if (strcasecmp(w, "FLAGS") != 0) {
		reply("%s BAD Unknown STORE item", c->tag);
		return;
	}
	if (S.readonly) {
		reply("%s NO [READ-ONLY] Mailbox is read-only", c->tag);
		return;
	}
	for (i = first + 2; i < c->nargs; i++) {
		if (flag_list(&c->args[i], &S.mb, mode >= 0, &b) < 0 ||
		    (c->args[i].type == IMAP_ARG_LIST && c->nargs != first + 3)) {
			reply("%s BAD Bad flag", c->tag);
			return;
		}
		flags |= b;
	}
	if (S.readonly) {
		reply("%s NO [READ-ONLY] Mailbox is read-only", c->tag);
		return;
	}
	n = resolve(c, &c->args[first - (size_t)cond], uid, &idx);
	if (n < 0)
		return;
	sidx = malloc(((size_t)n + 1) * sizeof *sidx);
	nf = malloc(((size_t)n + 1) * sizeof *nf);
	if (sidx == NULL || nf == NULL)
		oom();
	for (k = 0; k < (size_t)n; k++) {
		ssize_t j = msg_index(idx[k]);
		unsigned old, new;

		if (j < 0)
			continue;
		old = S.mb.m[j].flags;
		if (cond && S.mb.m[j].modseq > unchangedsince) {
			if (str_printf(&modified, "%s%" PRIu32, modified.len ? ","
				: "", uid ? S.v[idx[k]].uid
					  : (uint32_t)idx[k] + 1) < 0)
				oom();
			idx[k] = SIZE_MAX; /* left alone, and not reported */
			continue;
		}
		new = mode > 0 ? old | flags : mode < 0 ? old & ~flags : flags;
		if (new != old) {
			sidx[ns] = (size_t)j;
			nf[ns++] = new;
		}
	}
	{
		/* A keyword new to the mailbox: the client learns of it. */
		size_t k2, nk = 0;

		for (k2 = 0; k2 < MBOX_KEYWORDS_MAX; k2++)
			nk += S.mb.kw[k2] != NULL ? 1 : 0;
		if (nk != S.nkw)
			flag_lists();
	}
	if (ns > 0 && mbox_set_flags(&S.mb, sidx, nf, ns) < 0) {
		str_free(&modified);
		free(sidx);
		free(nf);
		free(idx);
		reply("%s NO [SERVERBUG] %s", c->tag, strerror(errno));
		return;
	}
	for (k = 0; k < (size_t)n; k++) {
		ssize_t j;
		size_t vi = idx[k];

		if (vi == SIZE_MAX || (j = msg_index(vi)) < 0)
			continue;
		S.v[vi].flags = S.mb.m[j].flags | (S.v[vi].flags & F_RECENT);
		/* With UNCHANGEDSINCE every change is reported (RFC 7162
		 * 3.1.3), .SILENT or not. */
		if (silent && !cond)
			continue;
		str_clear(&S.out);
		(void)str_printf(&S.out, "* %zu FETCH (", vi + 1);
		if (uid)
			(void)str_printf(&S.out, "UID %" PRIu32 " ",
			    S.v[vi].uid);
		(void)str_appendz(&S.out, "FLAGS ");
		put(S.out.s, S.out.len);
		put_flags(S.v[vi].flags);
		put_modseq(vi);
		putz(")\r\n");
	}
	free(sidx);
	free(nf);
	free(idx);
	updates(0, uid);
	if (modified.len > 0)
		reply("%s OK [MODIFIED %s] Conditional %sSTORE failed for some",
		    c->tag, modified.s, uid ? "UID " : "");
	else
		reply("%s OK %sSTORE completed", c->tag, uid ? "UID " : "");
	str_free(&modified);
}

/* ---------------------------------------------------------------- search */

enum {
	K_ALL, K_FLAG, K_NOFLAG, K_NEW, K_OLD, K_FALSE, K_LARGER, K_SMALLER,
	K_BEFORE, K_ON, K_SINCE, K_SBEFORE, K_SON, K_SSINCE, K_UID, K_SEQ,
	K_HEADER, K_BODY, K_TEXT, K_NOT, K_OR, K_AND, K_MODSEQ,
};

static int search_modseq; /* a MODSEQ key was used */

struct skey {
	int op;
	unsigned flag;
	uint64_t num;
	int64_t day;
	const char *s1, *s2;
	struct imap_seqset set;
	struct skey *a, *b;
	struct mime_match mt; /* BODY, TEXT: the needle, folded */
	int have_mt;
};

static void
skey_free(struct skey *k)
{
	if (k == NULL)
		return;
	skey_free(k->a);
	skey_free(k->b);
	imap_seqset_free(&k->set);
	if (k->have_mt)
		mime_match_free(&k->mt);
	free(k);
}

static const struct {
	const char *name;
	int op;
	unsigned flag;
} simple_keys[] = {
	{ "ALL", K_ALL, 0 },
	{ "ANSWERED", K_FLAG, F_ANSWERED },
	{ "DELETED", K_FLAG, F_DELETED },
	{ "DRAFT", K_FLAG, F_DRAFT },
	{ "FLAGGED", K_FLAG, F_FLAGGED },
	{ "RECENT", K_FLAG, F_RECENT },
	{ "SEEN", K_FLAG, F_SEEN },
	{ "UNANSWERED", K_NOFLAG, F_ANSWERED },
	{ "UNDELETED", K_NOFLAG, F_DELETED },
	{ "UNDRAFT", K_NOFLAG, F_DRAFT },
	{ "UNFLAGGED", K_NOFLAG, F_FLAGGED },
	{ "UNSEEN", K_NOFLAG, F_SEEN },
	{ "NEW", K_NEW, 0 },
	{ "OLD", K_OLD, 0 },
};

static const struct {
	const char *name;
	int op;
} date_keys[] = {
	{ "BEFORE", K_BEFORE }, { "ON", K_ON }, { "SINCE", K_SINCE },
	{ "SENTBEFORE", K_SBEFORE }, { "SENTON", K_SON },
	{ "SENTSINCE", K_SSINCE },
};

static const char *const hdr_keys[] = { "BCC", "CC", "FROM", "SUBJECT",
	"TO" };

/* Parses one key at a[*i]; NULL with *why_r on error. */
static struct skey *
parse_key(const struct imap_arg *a, size_t n, size_t *i, unsigned depth,
    const char **why_r)
{
	struct skey *k;
	const struct imap_arg *x;
	size_t j;

	if (*i >= n) {
		*why_r = "Missing search key";
		return NULL;
	}
	if (depth > IMAP_DEPTH_MAX * 2) {
		*why_r = "Search keys nested too deeply";
		return NULL;
	}
	k = calloc(1, sizeof *k);
	if (k == NULL)
		oom();
	x = &a[(*i)++];
	*why_r = "Bad search key";
	if (x->type == IMAP_ARG_LIST) {
		size_t m = 0;

		if (x->nlist == 0)
			goto bad;
		free(k);
		k = parse_key(x->list, x->nlist, &m, depth + 1, why_r);
		if (k == NULL)
			return NULL;
		while (m < x->nlist) {
			struct skey *and = calloc(1, sizeof *and);

			if (and == NULL)
				oom();
			and->op = K_AND;
			and->a = k;
			k = and;
			k->b = parse_key(x->list, x->nlist, &m, depth + 1,
			    why_r);
			if (k->b == NULL)
				goto bad;
		}
		return k;
	}
	if (x->type != IMAP_ARG_ATOM)
		goto bad;
	for (j = 0; j < sizeof simple_keys / sizeof simple_keys[0]; j++) {
		if (imap_arg_atom_is(x, simple_keys[j].name)) {
			k->op = simple_keys[j].op;
			k->flag = simple_keys[j].flag;
			return k;
		}
	}
	for (j = 0; j < sizeof date_keys / sizeof date_keys[0]; j++) {
		if (imap_arg_atom_is(x, date_keys[j].name)) {
			time_t t;

			if (*i >= n || !imap_arg_is_astring(&a[*i]) ||
			    imap_date_parse(a[*i].s, a[*i].len, &t) < 0) {
				*why_r = "Bad date";
				goto bad;
			}
			(*i)++;
			k->op = date_keys[j].op;
			k->day = (int64_t)t / 86400;
			return k;
		}
	}
	for (j = 0; j < sizeof hdr_keys / sizeof hdr_keys[0]; j++) {
		if (imap_arg_atom_is(x, hdr_keys[j])) {
			if (*i >= n || imap_arg_astring(&a[*i]) == NULL)
				goto bad;
			k->op = K_HEADER;
			k->s1 = hdr_keys[j];
			k->s2 = a[(*i)++].s;
			return k;
		}
	}
	if (imap_arg_atom_is(x, "HEADER")) {
		if (*i + 1 >= n || imap_arg_astring(&a[*i]) == NULL ||
		    imap_arg_astring(&a[*i + 1]) == NULL)
			goto bad;
		k->op = K_HEADER;
		k->s1 = a[*i].s;
		k->s2 = a[*i + 1].s;
		*i += 2;
		return k;
	}
	if (imap_arg_atom_is(x, "BODY") || imap_arg_atom_is(x, "TEXT")) {
		if (*i >= n || imap_arg_astring(&a[*i]) == NULL)
			goto bad;
		k->op = imap_arg_atom_is(x, "BODY") ? K_BODY : K_TEXT;
		k->s1 = a[*i].s;
		if (mime_match_init(&k->mt, a[*i].s, a[*i].len) < 0) {
			*why_r = errno == ENOMEM ? "Out of memory"
						 : "Search string too long";
			goto bad;
		}
		(*i)++;
		k->have_mt = 1;
		return k;
	}
	if (imap_arg_atom_is(x, "KEYWORD") || imap_arg_atom_is(x, "UNKEYWORD")) {
		unsigned bit;

		if (*i >= n || a[*i].type != IMAP_ARG_ATOM)
			goto bad;
		bit = mbox_keyword(&S.mb, a[(*i)++].s, 0);
		if (bit == 0) /* a keyword no message has */
			k->op = imap_arg_atom_is(x, "KEYWORD") ? K_FALSE : K_ALL;
		else
			k->op = imap_arg_atom_is(x, "KEYWORD") ? K_FLAG : K_NOFLAG;
		k->flag = bit;
		return k;
	}
	if (imap_arg_atom_is(x, "MODSEQ")) {
		/* MODSEQ ["entry" all|shared|priv] n (RFC 7162 3.1.5) */
		if (*i + 2 < n && a[*i].type == IMAP_ARG_QUOTED)
			*i += 2;
		if (*i >= n || a[*i].type != IMAP_ARG_ATOM ||
		    num_u64(a[*i].s, a[*i].len, INT64_MAX, &k->num) < 0) {
			*why_r = "Bad MODSEQ";
			goto bad;
		}
		(*i)++;
		k->op = K_MODSEQ;
		search_modseq = 1;
		S.condstore = 1;
		return k;
	}
	if (imap_arg_atom_is(x, "LARGER") || imap_arg_atom_is(x, "SMALLER")) {
		if (*i >= n || a[*i].type != IMAP_ARG_ATOM ||
		    num_u64(a[*i].s, a[*i].len, UINT64_MAX, &k->num) < 0) {
			*why_r = "Bad number";
			goto bad;
		}
		(*i)++;
		k->op = imap_arg_atom_is(x, "LARGER") ? K_LARGER : K_SMALLER;
		return k;
	}
	if (imap_arg_atom_is(x, "UID")) {
		if (*i >= n || a[*i].type != IMAP_ARG_ATOM ||
		    imap_seqset_parse(&k->set, a[*i].s, a[*i].len, why_r) < 0)
			goto bad;
		(*i)++;
		k->op = K_UID;
		imap_seqset_resolve(&k->set, S.nv ? S.v[S.nv - 1].uid : 0);
		return k;
	}
	if (imap_arg_atom_is(x, "NOT")) {
		k->op = K_NOT;
		k->a = parse_key(a, n, i, depth + 1, why_r);
		if (k->a == NULL)
			goto bad;
		return k;
	}
	if (imap_arg_atom_is(x, "OR")) {
		k->op = K_OR;
		k->a = parse_key(a, n, i, depth + 1, why_r);
		if (k->a == NULL)
			goto bad;
		k->b = parse_key(a, n, i, depth + 1, why_r);
		if (k->b == NULL)
			goto bad;
		return k;
	}
	if ((x->s[0] >= '0' && x->s[0] <= '9') || x->s[0] == '*') {
		if (imap_seqset_parse(&k->set, x->s, x->len, why_r) < 0)
			goto bad;
		k->op = K_SEQ;
		imap_seqset_resolve(&k->set, (uint32_t)S.nv);
		return k;
	}
	*why_r = "Unknown search key";
bad:
	skey_free(k);
	return NULL;
}

/* Case-insensitive (ASCII) substring search; empty needle matches. */
static int
contains(const char *h, size_t hn, const char *nd)
{
	size_t nn = strlen(nd), i, j;

	if (nn == 0)
		return 1;
	for (i = 0; i + nn <= hn; i++) {
		for (j = 0; j < nn; j++) {
			unsigned char a = (unsigned char)h[i + j];
			unsigned char b = (unsigned char)nd[j];

			if (a >= 'A' && a <= 'Z')
				a = (unsigned char)(a + 32);
			if (b >= 'A' && b <= 'Z')
				b = (unsigned char)(b + 32);
			if (a != b)
				break;
		}
		if (j == nn)
			return 1;
	}
	return 0;
}

/* Day number of an RFC 5322 Date: value, or INT64_MIN. */
static int64_t
sent_day(const char *v, size_t n)
{
	static const char mon[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	char buf[128], m[4];
	const char *p = buf;
	int d, y;
	size_t i;
	char ds[16];
	time_t t;

	if (n >= sizeof buf)
		n = sizeof buf - 1;
	memcpy(buf, v, n);
	buf[n] = '\0';
	if (strchr(buf, ',') != NULL)
		p = strchr(buf, ',') + 1;
	if (sscanf(p, "%d %3s %d", &d, m, &y) != 3)
		return INT64_MIN;
	for (i = 0; i < 3; i++)
		m[i] = (char)(m[i] >= 'A' && m[i] <= 'Z' ? m[i] + 32 : m[i]);
	for (i = 0; i < 12; i++)
		if (strncmp(mon + 3 * i, m, 3) == 0)
			break;
	if (i == 12)
		return INT64_MIN;
	if (y < 50)
		y += 2000;
	else if (y < 1000)
		y += 1900;
	snprintf(ds, sizeof ds, "%d-%c%c%c-%04d", d, m[0] - 32, m[1], m[2], y);
	if (imap_date_parse(ds, strlen(ds), &t) < 0)
		return INT64_MIN;
	return (int64_t)t / 86400;
}

/* Does a header field named name hold needle (decoded)? */
static int
header_has(const char *name, const char *needle)
{
	struct hdr_iter hi;
	struct hdr_field f;
	size_t hend = hdr_end(crlf.s ? crlf.s : "", crlf.len);
	struct str u = STR_INIT, d = STR_INIT;
	int found = 0;

	hdr_iter_init(&hi, crlf.s ? crlf.s : "", hend);
	while (!found && hdr_next(&hi, &f) == 1) {
		if (f.bad || !hdr_name_is(&f, name))
			continue;
		str_clear(&u);
		str_clear(&d);
		if (hdr_unfold(f.value, f.valuelen, &u, 1) < 0 ||
		    rfc2047_decode(u.s ? u.s : "", u.len, &d) < 0)
			oom();
		found = contains(d.s ? d.s : "", d.len, needle) ||
		    contains(u.s ? u.s : "", u.len, needle);
	}
	str_free(&u);
	str_free(&d);
	return found;
}

static int64_t
header_day(void)
{
	struct hdr_iter hi;
	struct hdr_field f;
	size_t hend = hdr_end(crlf.s ? crlf.s : "", crlf.len);

	hdr_iter_init(&hi, crlf.s ? crlf.s : "", hend);
	while (hdr_next(&hi, &f) == 1)
		if (!f.bad && hdr_name_is(&f, "Date"))
			return sent_day(f.value, f.valuelen);
	return INT64_MIN;
}

/* The raw message last searched, and its MIME tree. */
static struct str sraw;
static struct mime_msg smm = MIME_MSG_INIT;
static uint32_t sraw_uid;

static int
load_raw(size_t vi)
{
	ssize_t j = msg_index(vi);
	char buf[65536];
	ssize_t r;
	int fd;

	if (sraw_uid == S.v[vi].uid && sraw_uid != 0)
		return 0;
	sraw_uid = 0;
	str_clear(&sraw);
	if (j < 0 || (fd = mbox_msg_open(&S.mb, (size_t)j)) < 0)
		return -1;
	while ((r = read(fd, buf, sizeof buf)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || str_append(&sraw, buf, (size_t)r) < 0) {
			close(fd);
			return -1;
		}
	}
	close(fd);
	if (mime_parse(&smm, sraw.s ? sraw.s : "", sraw.len) < 0)
		return -1;
	sraw_uid = S.v[vi].uid;
	return 0;
}

/*
 * BODY and TEXT on decoded content: every text part's body with its
 * transfer encoding undone and its charset converted to UTF-8; TEXT also
 * the header fields, RFC 2047 words decoded.  Case is folded (lib/mime).
 */
static int
text_contains(struct skey *k, size_t vi)
{
	int r;

	if (load_raw(vi) < 0)
		return 0;
	mime_match_reset(&k->mt);
	if (k->op == K_TEXT) {
		struct hdr_iter hi;
		struct hdr_field f;
		struct str v = STR_INIT;
		size_t hend = hdr_end(sraw.s ? sraw.s : "", sraw.len);

		hdr_iter_init(&hi, sraw.s ? sraw.s : "", hend);
		while (hdr_next(&hi, &f) == 1) {
			str_clear(&v);
			if (mime_header_decode(f.value, f.valuelen, &v) < 0)
				oom();
			mime_match_reset(&k->mt);
			if ((f.name != NULL &&
				mime_match_update(&k->mt, f.name, f.namelen) == 1) ||
			    mime_match_update(&k->mt, v.s ? v.s : "", v.len) == 1) {
				str_free(&v);
				return 1;
			}
		}
		str_free(&v);
		mime_match_reset(&k->mt);
	}
	r = mime_body_contains(&smm, sraw.s ? sraw.s : "", sraw.len, &k->mt);
	if (r < 0)
		oom();
	return r;
}

static int
eval(const struct skey *k, size_t vi)
{
	unsigned fl = S.v[vi].flags;
	uint64_t size;
	int64_t day;

	switch (k->op) {
	case K_ALL:
		return 1;
	case K_FALSE:
		return 0;
	case K_FLAG:
		return (fl & k->flag) != 0;
	case K_NOFLAG:
		return (fl & k->flag) == 0;
	case K_NEW:
		return (fl & F_RECENT) && !(fl & F_SEEN);
	case K_OLD:
		return !(fl & F_RECENT);
	case K_LARGER:
	case K_SMALLER:
		if (msg_size(vi, &size) < 0)
			return 0;
		return k->op == K_LARGER ? size > k->num : size < k->num;
	case K_BEFORE:
	case K_ON:
	case K_SINCE:
		day = (int64_t)msg_date(vi) / 86400;
		return k->op == K_BEFORE ? day < k->day
		    : k->op == K_ON	 ? day == k->day
					 : day >= k->day;
	case K_SBEFORE:
	case K_SON:
	case K_SSINCE:
		if (load_header(vi) < 0)
			return 0;
		day = header_day();
		if (day == INT64_MIN)
			return 0;
		return k->op == K_SBEFORE ? day < k->day
		    : k->op == K_SON	  ? day == k->day
					  : day >= k->day;
	case K_UID:
		return imap_seqset_contains(&k->set, S.v[vi].uid);
	case K_SEQ:
		return imap_seqset_contains(&k->set, (uint32_t)vi + 1);
	case K_HEADER:
		return load_header(vi) == 0 && header_has(k->s1, k->s2);
	case K_BODY:
	case K_TEXT:
		return text_contains((struct skey *)(uintptr_t)k, vi);
	case K_MODSEQ:
		return S.mb.m[msg_index(vi)].modseq >= k->num;
	case K_NOT:
		return !eval(k->a, vi);
	case K_OR:
		return eval(k->a, vi) || eval(k->b, vi);
	case K_AND:
		return eval(k->a, vi) && eval(k->b, vi);
	default:
		return 0;
	}
}

void
cmd_search(const struct imap_cmd *c, size_t first, int uid)
{
	size_t i = first, vi;
	struct skey *k = NULL;
	const char *why;
	uint64_t maxmod = 0;
	int eret = -1; /* ESEARCH return options, -1: plain SEARCH */
	uint32_t emin = 0, emax = 0, ecount = 0;
	struct imap_seqset all;

	search_modseq = 0;
	imap_seqset_init(&all);

	/* ESEARCH (RFC 4731): RETURN (MIN MAX COUNT ALL) */
	if (i + 1 < c->nargs && imap_arg_atom_is(&c->args[i], "RETURN") &&
	    c->args[i + 1].type == IMAP_ARG_LIST) {
		const struct imap_arg *r = &c->args[i + 1];
		size_t q;

		eret = 0;
		for (q = 0; q < r->nlist; q++) {
			if (imap_arg_atom_is(&r->list[q], "MIN"))
				eret |= 1;
			else if (imap_arg_atom_is(&r->list[q], "MAX"))
				eret |= 2;
			else if (imap_arg_atom_is(&r->list[q], "COUNT"))
				eret |= 4;
			else if (imap_arg_atom_is(&r->list[q], "ALL"))
				eret |= 8;
			else {
				reply("%s BAD Unknown RETURN option", c->tag);
				return;
			}
		}
		if (eret == 0)
			eret = 8;
		i += 2;
	}
	if (i + 1 < c->nargs && imap_arg_atom_is(&c->args[i], "CHARSET")) {
		const char *cs = imap_arg_astring(&c->args[i + 1]);

		if (cs == NULL || (strcasecmp(cs, "UTF-8") != 0 &&
		    strcasecmp(cs, "US-ASCII") != 0)) {
			reply("%s NO [BADCHARSET (UTF-8 US-ASCII)] Unknown "
			      "charset", c->tag);
			return;
		}
		i += 2;
	}
	while (i < c->nargs) {
		struct skey *one = parse_key(c->args, c->nargs, &i, 0, &why);

		if (one == NULL) {
			skey_free(k);
			reply("%s BAD %s", c->tag, why);
			return;
		}
		if (k == NULL) {
			k = one;
		} else {
			struct skey *and = calloc(1, sizeof *and);

			if (and == NULL)
				oom();
			and->op = K_AND;
			and->a = k;
			and->b = one;
			k = and;
		}
	}
	if (k == NULL) {
		reply("%s BAD SEARCH wants a key", c->tag);
		return;
	}
	str_clear(&S.out);
	if (eret < 0) {
		(void)str_appendz(&S.out, "* SEARCH");
		put(S.out.s, S.out.len);
	}
	for (vi = 0; vi < S.nv; vi++) {
		uint32_t v;

		if (msg_index(vi) < 0 || !eval(k, vi))
			continue;
		if (S.mb.m[msg_index(vi)].modseq > maxmod)
			maxmod = S.mb.m[msg_index(vi)].modseq;
		v = uid ? S.v[vi].uid : (uint32_t)vi + 1;
		if (eret >= 0) {
			/* in ascending order: a new range or a longer one */
			if (ecount == 0)
				emin = v;
			emax = v;
			ecount++;
			if (all.n > 0 && all.r[all.n - 1].hi + 1 == v) {
				all.r[all.n - 1].hi = v;
			} else {
				if (all.n == all.cap) {
					size_t nc = all.cap ? all.cap * 2 : 16;
					struct imap_range *nr = realloc(all.r,
					    nc * sizeof *nr);

					if (nr == NULL)
						oom();
					all.r = nr;
					all.cap = nc;
				}
				all.r[all.n].lo = all.r[all.n].hi = v;
				all.n++;
			}
			continue;
		}
		str_clear(&S.out);
		(void)str_printf(&S.out, " %" PRIu32, v);
		put(S.out.s, S.out.len);
	}
	if (eret >= 0) {
		str_clear(&S.out);
		(void)str_appendz(&S.out, "* ESEARCH (TAG ");
		(void)imap_put_string(&S.out, c->tag, strlen(c->tag));
		(void)str_appendz(&S.out, uid ? ") UID" : ")");
		if ((eret & 1) && ecount > 0)
			(void)str_printf(&S.out, " MIN %" PRIu32, emin);
		if ((eret & 2) && ecount > 0)
			(void)str_printf(&S.out, " MAX %" PRIu32, emax);
		if (eret & 4)
			(void)str_printf(&S.out, " COUNT %" PRIu32, ecount);
		if ((eret & 8) && ecount > 0) {
			(void)str_appendz(&S.out, " ALL ");
			if (imap_seqset_format(&all, &S.out) < 0)
				oom();
		}
		if (search_modseq && maxmod > 0)
			(void)str_printf(&S.out, " MODSEQ %" PRIu64, maxmod);
		put(S.out.s, S.out.len);
	} else if (search_modseq && maxmod > 0) {
		str_clear(&S.out);
		(void)str_printf(&S.out, " (MODSEQ %" PRIu64 ")", maxmod);
		put(S.out.s, S.out.len);
	}
	putz("\r\n");
	imap_seqset_free(&all);
	skey_free(k);
	updates(0, uid);
	reply("%s OK %sSEARCH completed", c->tag, uid ? "UID " : "");
}

/* ---------------------------------------------------------------- copy */

/* Hard-links message j of the selected mailbox into the root's tmp/. */
static int
link_tmp(size_t j, char *tmpname, size_t n)
{
	int fd = mbox_msg_open(&S.mb, j), tmpfd, r;
	char path[64];

	if (fd < 0)
		return -1;
	tmpfd = openat(mbox_rootfd(), "tmp", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC);
	if (tmpfd < 0 || uniq_name(tmpname, n, NULL) < 0) {
		close(fd);
		if (tmpfd >= 0)
			close(tmpfd);
		return -1;
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	r = linkat(AT_FDCWD, path, tmpfd, tmpname, AT_SYMLINK_FOLLOW);
	close(fd);
	close(tmpfd);
	return r;
}

void
cmd_copy(const struct imap_cmd *c, size_t first, int uid, int move)
{
	const char *name = first + 1 < c->nargs ?
	    mbox_arg(&c->args[first + 1]) : NULL;
	struct mbox dst;
	size_t *idx, k, *xidx, nx = 0;
	ssize_t n;
	struct imap_seqset src, out;
	struct str a = STR_INIT, b = STR_INIT;
	const char *cmd = move ? "MOVE" : "COPY";

	if (name == NULL || first + 2 != c->nargs) {
		reply("%s BAD %s wants a sequence set and a mailbox", c->tag,
		    cmd);
		return;
	}
	if (move && S.readonly) {
		reply("%s NO [READ-ONLY] Mailbox is read-only", c->tag);
		return;
	}
	n = resolve(c, &c->args[first], uid, &idx);
	if (n < 0)
		return;
	if (mbox_open(&dst, name) < 0) {
		free(idx);
		reply("%s NO [TRYCREATE] No such mailbox", c->tag);
		return;
	}
	if (mbox_sync(&dst, 0, NULL) < 0) {
		free(idx);
		mbox_close(&dst);
		reply("%s NO [SERVERBUG] Unable to open the mailbox", c->tag);
		return;
	}
	if (!move) {
		uint64_t total = 0, sz;

		for (k = 0; k < (size_t)n; k++) {
			ssize_t j = msg_index(idx[k]);
			struct stat st;
			int fd;

			if (j < 0 || (fd = mbox_msg_open(&S.mb, (size_t)j)) < 0)
				continue;
			sz = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
			close(fd);
			total += sz;
		}
		if (quota_over(total, (uint64_t)n)) {
			free(idx);
			mbox_close(&dst);
			reply("%s NO [OVERQUOTA] Quota exceeded", c->tag);
			return;
		}
	}
	imap_seqset_init(&src);
	imap_seqset_init(&out);
	xidx = malloc(((size_t)n + 1) * sizeof *xidx);
	if (xidx == NULL)
		oom();
	for (k = 0; k < (size_t)n; k++) {
		ssize_t j = msg_index(idx[k]);
		char tmpname[UNIQ_MAX];
		uint32_t nu;

		if (j < 0)
			continue;
		unsigned f = S.mb.m[j].flags & F_SYSTEM & ~(unsigned)F_RECENT;
		size_t q;

		for (q = 0; q < MBOX_KEYWORDS_MAX; q++)
			if ((S.mb.m[j].flags & F_KW(q)) && S.mb.kw[q] != NULL)
				f |= mbox_keyword(&dst, S.mb.kw[q], 1);
		if (link_tmp((size_t)j, tmpname, sizeof tmpname) < 0 ||
		    mbox_add(&dst, tmpname, f, 0, &nu) < 0) {
			log_warn("copy uid=%" PRIu32 " to %s: %s", S.v[idx[k]].uid,
			    name, strerror(errno));
			free(idx);
			free(xidx);
			mbox_close(&dst);
			str_free(&a);
			str_free(&b);
			reply("%s NO [SERVERBUG] %s failed: %s", c->tag, cmd,
			    strerror(errno));
			return;
		}
		{
			struct stat st;
			int fd = mbox_msg_open(&S.mb, (size_t)j);

			if (fd >= 0) {
				if (fstat(fd, &st) == 0)
					quota_charge((uint64_t)st.st_size);
				close(fd);
			}
		}
		if (str_printf(&a, "%s%" PRIu32, a.len ? "," : "",
			S.v[idx[k]].uid) < 0 ||
		    str_printf(&b, "%s%" PRIu32, b.len ? "," : "", nu) < 0)
			oom();
		xidx[nx++] = (size_t)j;
	}
	if (move) {
		if (nx > 0 && mbox_expunge(&S.mb, xidx, nx) < 0)
			log_warn("move: expunge: %s", strerror(errno));
		quota_release(&S.mb);
		if (nx > 0)
			reply("* OK [COPYUID %" PRIu32 " %s %s] Moved",
			    dst.uidvalidity, a.s, b.s);
		updates(1, uid);
		reply("%s OK %s%s completed", c->tag, uid ? "UID " : "", cmd);
	} else {
		updates(0, uid);
		if (nx > 0)
			reply("%s OK [COPYUID %" PRIu32 " %s %s] %s%s completed",
			    c->tag, dst.uidvalidity, a.s, b.s,
			    uid ? "UID " : "", cmd);
		else
			reply("%s OK %s%s completed", c->tag,
			    uid ? "UID " : "", cmd);
	}
	mbox_close(&dst);
	free(idx);
	free(xidx);
	str_free(&a);
	str_free(&b);
}

void
cmd_uid(const struct imap_cmd *c)
{
	const struct imap_arg *sub = c->nargs > 0 ? &c->args[0] : NULL;

	if (sub == NULL || sub->type != IMAP_ARG_ATOM) {
		reply("%s BAD UID wants a command", c->tag);
		return;
	}
	if (imap_arg_atom_is(sub, "FETCH")) {
		cmd_fetch(c, 1, 1);
	} else if (imap_arg_atom_is(sub, "STORE")) {
		cmd_store(c, 1, 1);
	} else if (imap_arg_atom_is(sub, "SEARCH")) {
		cmd_search(c, 1, 1);
	} else if (imap_arg_atom_is(sub, "COPY")) {
		cmd_copy(c, 1, 1, 0);
	} else if (imap_arg_atom_is(sub, "MOVE")) {
		cmd_copy(c, 1, 1, 1);
	} else if (imap_arg_atom_is(sub, "EXPUNGE")) {
		struct imap_seqset set;
		const char *why;

		if (c->nargs != 2 || c->args[1].type != IMAP_ARG_ATOM) {
			reply("%s BAD UID EXPUNGE wants a UID set", c->tag);
			return;
		}
		imap_seqset_init(&set);
		if (imap_seqset_parse(&set, c->args[1].s, c->args[1].len,
			&why) < 0) {
			imap_seqset_free(&set);
			reply("%s BAD %s", c->tag, why);
			return;
		}
		imap_seqset_resolve(&set, S.nv ? S.v[S.nv - 1].uid : 0);
		do_expunge(c, &set);
		imap_seqset_free(&set);
	} else {
		reply("%s BAD Unknown UID command", c->tag);
	}
}

/* ---------------------------------------------------------------- append */

/* Is the command being read an APPEND? */
static int
reading_append(void)
{
	const char *b = S.rd.buf.s;
	size_t n = S.rd.buf.len, i;

	for (i = 0; i < n && b[i] != ' '; i++)
		;
	return i + 8 <= n && strncasecmp(b + i, " APPEND ", 8) == 0;
}

/* Reads n bytes of the literal from the client into fd (-1: drop them). */
static void
copy_literal(uint64_t n, int fd, int *failed)
{
	while (n > 0) {
		size_t k;

		if (rbuf_pending(&S.rb) == 0) {
			ssize_t r = rbuf_fill(&S.rb);

			if (r == 0) {
				errno = 0;
				lost("eof in literal");
			}
			if (r < 0)
				lost("read");
		}
		k = rbuf_pending(&S.rb);
		if ((uint64_t)k > n)
			k = (size_t)n;
		if (fd >= 0 && !*failed &&
		    durable_write(fd, S.rb.buf + S.rb.pos, k) < 0) {
			log_warn("append: write: %s", strerror(errno));
			*failed = 1;
		}
		S.rb.pos += k;
		n -= k;
	}
}

void
append_literal(void)
{
	char (*nt)[UNIQ_MAX];
	int fd = -1, tmpfd, failed = 0;

	if (!reading_append()) {
		if (imap_reader_literal_keep(&S.rd) < 0) {
			imap_reader_literal_refuse(&S.rd, "Literal too large");
		} else if (S.rd.lit_sync) {
			reply("+ OK");
			flush();
		}
		return;
	}
	if (S.rd.lit_size > S.size_limit) {
		if (S.rd.lit_sync) {
			imap_reader_literal_refuse(&S.rd,
			    "[TOOBIG] Message too large");
			return;
		}
		/* Already on its way: read and drop it. */
		imap_reader_literal_take(&S.rd);
		copy_literal(S.rd.lit_size, -1, &failed);
		S.take_failed = 1;
		return;
	}
	nt = realloc(S.takes, (S.ntakes + 1) * sizeof *S.takes);
	if (nt == NULL)
		oom();
	S.takes = nt;
	tmpfd = openat(mbox_rootfd(), "tmp", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC);
	if (tmpfd >= 0 &&
	    uniq_name(S.takes[S.ntakes], sizeof S.takes[0], NULL) >= 0)
		fd = durable_create(tmpfd, S.takes[S.ntakes], 0600);
	if (fd < 0) {
		log_warn("append: unable to create a file in tmp/: %s",
		    strerror(errno));
		failed = 1;
	} else {
		S.ntakes++;
	}
	imap_reader_literal_take(&S.rd);
	if (S.rd.lit_sync) {
		reply("+ OK");
		flush();
	}
	copy_literal(S.rd.lit_size, fd, &failed);
	if (fd >= 0) {
		if (!failed && durable_fsync(fd) < 0)
			failed = 1;
		close(fd);
	}
	if (tmpfd >= 0)
		close(tmpfd);
	if (failed)
		S.take_failed = 1;
}

void
append_cleanup(void)
{
	size_t i;
	int tmpfd;

	if (S.ntakes > 0) {
		tmpfd = openat(mbox_rootfd(), "tmp", O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);
		for (i = 0; tmpfd >= 0 && i < S.ntakes; i++)
			(void)unlinkat(tmpfd, S.takes[i], 0);
		if (tmpfd >= 0)
			close(tmpfd);
	}
	free(S.takes);
	S.takes = NULL;
	S.ntakes = 0;
	S.take_failed = 0;
}

void
cmd_append(const struct imap_cmd *c)
{
	const char *name = mbox_arg(c->nargs > 0 ? &c->args[0] : NULL);
	const char *why = NULL;
	unsigned flags = 0;
	time_t date = 0;
	size_t i = 1;
	struct mbox mb;
	uint32_t uid, validity;

	if (name == NULL || c->nargs < 2) {
		reply("%s BAD APPEND wants a mailbox and a message", c->tag);
		return;
	}
	if (mbox_open(&mb, name) < 0) {
		reply("%s NO [TRYCREATE] No such mailbox", c->tag);
		return;
	}
	if (c->args[i].type == IMAP_ARG_LIST) {
		if (flag_list(&c->args[i], &mb, 1, &flags) < 0) {
			why = "BAD Bad flag";
			goto out;
		}
		i++;
	}
	if (i < c->nargs && c->args[i].type == IMAP_ARG_QUOTED) {
		if (imap_datetime_parse(c->args[i].s, c->args[i].len, &date) <
		    0) {
			why = "BAD Bad date-time";
			goto out;
		}
		i++;
	}
	if (i + 1 != c->nargs || S.ntakes != 1 ||
	    c->args[i].type != IMAP_ARG_LITERAL_TAKEN) {
		if (i < c->nargs && c->args[i].type == IMAP_ARG_LITERAL &&
		    i + 1 == c->nargs)
			why = "NO Message too large";
		else if (S.take_failed)
			why = "NO [TOOBIG] Message too large";
		else
			why = "BAD APPEND wants one message";
		goto out;
	}
	if (S.take_failed) {
		why = "NO [SERVERBUG] Unable to store the message";
		goto out;
	}
	if (c->args[i].size == 0) {
		why = "NO Empty message";
		goto out;
	}
	if (quota_over(c->args[i].size, 1)) {
		why = "NO [OVERQUOTA] Quota exceeded";
		goto out;
	}
	if (mbox_add(&mb, S.takes[0], flags, date, &uid) < 0) {
		log_warn("append to %s: %s", name, strerror(errno));
		why = "NO [SERVERBUG] Unable to store the message";
		goto out;
	}
	quota_charge(c->args[i].size);
out:
	validity = mb.uidvalidity;
	mbox_close(&mb);
	if (why != NULL) {
		reply("%s %s", c->tag, why);
		return;
	}
	updates(1, 0);
	reply("%s OK [APPENDUID %" PRIu32 " %" PRIu32 "] APPEND completed",
	    c->tag, validity, uid);
}
