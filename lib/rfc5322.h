/*
 * RFC 5322 header sections: where the header ends, its fields, unfolding.
 *
 * This is the one place that decides where a message's header section
 * ends and how it splits into fields; every program uses it (DESIGN.md
 * principle 6).  A pure parser over a buffer the caller holds: no I/O,
 * no allocation (except hdr_unfold, which appends to a struct str), and
 * every result points into the buffer.
 *
 * Lines end in LF; a CR before the LF belongs to the line end (messages
 * in a Maildir have LF line ends, messages on the wire CRLF; both are
 * read the same way).  A CR elsewhere is an ordinary byte.
 *
 * The header section is every line up to and including the first empty
 * line ("\n" or "\r\n"); the body is what follows.  With no empty line the
 * whole buffer is header and the body is empty.  A field is a line that
 * starts with a name (printable ASCII but ':', 1 to HDR_NAME_MAX bytes),
 * optional spaces or tabs (RFC 822 obs-syntax), and ':', followed by every
 * continuation line (one starting with a space or tab).  Any other line
 * (no colon, a bad name, or a continuation line with no field before it)
 * is kept in the header section as a field marked bad, with its own
 * continuation lines, so the header ends in the same place whatever it
 * holds.
 *
 * Limits: HDR_NAME_MAX bytes per field name (a longer one makes the field
 * bad); HDR_FIELDS_MAX fields per header section, after which hdr_next
 * fails (hdr_end still finds the end).  Field values have no length limit
 * here, being slices; code that copies or parses a value bounds it.
 */
#ifndef FACTEUR_RFC5322_H
#define FACTEUR_RFC5322_H

#include <stddef.h>

#include "str.h"

#define HDR_NAME_MAX 255
#define HDR_FIELDS_MAX 20000

struct hdr_field {
	const char *name;  /* the name without the colon; NULL if bad */
	size_t namelen;
	const char *value; /* after the colon and the spaces after it, up */
	size_t valuelen;   /* to (not incl.) the last line end; folded */
	const char *raw;   /* the whole field with its last line end */
	size_t rawlen;
	int bad;	   /* not a "name:" line (name is NULL) */
};

struct hdr_iter {
	const char *buf;
	size_t len;
	size_t off;	 /* next line to read */
	size_t nfields;
	size_t body_off; /* set when hdr_next returns 0 */
	int done;
};

/*
 * Returns the offset of the body in buf[0..len): just after the first
 * empty line, or len when there is none.
 */
size_t hdr_end(const void *buf, size_t len);

/* Starts reading the header section at the start of buf[0..len). */
void hdr_iter_init(struct hdr_iter *it, const void *buf, size_t len);

/*
 * Reads the next field into *f.  Returns 1 with a field, 0 at the end of
 * the header section (it->body_off is then the body's offset; later
 * calls return 0 again), or -1 with errno E2BIG after HDR_FIELDS_MAX
 * fields.
 */
int hdr_next(struct hdr_iter *it, struct hdr_field *f);

/* Whether the field's name is z, compared without regard to ASCII case. */
int hdr_name_is(const struct hdr_field *f, const char *z);

/*
 * Appends v[0..len) to out unfolded: every line end (LF or CRLF) is
 * removed (RFC 5322 section 2.2.3 removes those before white space; a
 * field value holds no others).  Leading and trailing spaces and tabs
 * are dropped when trim is not 0.  Returns 0, or -1 with errno ENOMEM
 * or EOVERFLOW (out is then restored to its former length).
 */
int hdr_unfold(const char *v, size_t len, struct str *out, int trim);

#endif
