/*
 * 8-bit to 7-bit MIME conversion for an SMTP client whose peer lacks
 * 8BITMIME (RFC 6152 §3, RFC 2045, RFC 2046).
 *
 * A streaming converter: the message goes in as bytes in any pieces (LF
 * or CRLF line ends), and comes out as lines ending in LF, ready for the
 * caller to turn into CRLF and dot-stuff.  Nothing holds the whole
 * message; at most one entity's header section and one line are held.
 *
 * The MIME structure is followed through nested multipart entities and
 * message/rfc822 parts.  A leaf part is converted to quoted-printable
 * when its Content-Transfer-Encoding is 8bit or binary, or when it is
 * 7bit or absent but its body holds bytes >= 0x80: its old
 * Content-Transfer-Encoding fields are dropped and
 * "Content-Transfer-Encoding: quoted-printable" ends its header (with
 * "MIME-Version: 1.0" and "Content-Type: text/plain;
 * charset=unknown-8bit" added to a message that had none).  A multipart
 * or message/rfc822 entity labelled 8bit or binary is relabelled 7bit.
 * 8-bit bytes in a multipart's preamble or epilogue (which no reader
 * shows) become '?'.  Parts already in quoted-printable or base64 and
 * header fields are sent as they are: 8-bit bytes in headers cannot be
 * converted without changing their meaning.
 *
 * Whether an undeclared part holds 8-bit bytes is known only at its end,
 * after its header must already be out; so the caller first runs the
 * same converter in scan mode over the message (the file is seekable),
 * which records that per leaf part, then copies the scan's parts8[] into
 * a converter for the real pass.  Both passes split the message into
 * the same parts, since the parts do not depend on the record.
 *
 * Limits: TO7BIT_LINE_MAX bytes per line (a longer line is handled in
 * pieces: a piece never starts a boundary, and a converted piece ends in
 * a soft line break); TO7BIT_HDR_MAX bytes per header section (a longer
 * one is sent as it is and its entity is not converted);
 * TO7BIT_DEPTH nested multiparts (a deeper one is passed as it is);
 * TO7BIT_PARTS_MAX leaf parts recorded by a scan (later ones are
 * converted only when declared 8bit or binary).
 */
#ifndef FACTEUR_TO7BIT_H
#define FACTEUR_TO7BIT_H

#include <stddef.h>

#include "str.h"

#define TO7BIT_LINE_MAX 4096
#define TO7BIT_HDR_MAX 65536
#define TO7BIT_DEPTH 16
#define TO7BIT_BOUNDARY_MAX 70
#define TO7BIT_PARTS_MAX 4096

struct to7bit {
	int scan;	      /* scan mode: record, write nothing */
	int state;	      /* enum in to7bit.c */
	int conv;	      /* the current leaf's body is being encoded */
	int is_message;	      /* the entity being read is a message */
	size_t nleaf;	      /* leaf parts met so far */
	struct str hdr;	      /* the header section being held */
	int hdr_over;	      /* it was too long and went out as it was */
	char line[TO7BIT_LINE_MAX];
	size_t linelen;
	int cont;	      /* the line buffered continues an earlier piece */
	size_t depth;	      /* open multiparts */
	struct {
		char b[TO7BIT_BOUNDARY_MAX + 1];
		size_t len;
	} stack[TO7BIT_DEPTH];
	size_t leaf;	      /* index of the current leaf part */
	unsigned char parts8[TO7BIT_PARTS_MAX / 8]; /* leaf bodies with
						      8-bit bytes */
	int body8;	      /* 8-bit bytes in a body, preamble or epilogue */
	int hdr8;	      /* 8-bit bytes in a header section */
	int converted;	      /* convert mode changed something */
};

/*
 * Starts a pass over a new message: scan != 0 for the scan pass.  For the
 * convert pass, copy parts8 from the scan afterwards (to7bit_init
 * clears it).
 */
void to7bit_init(struct to7bit *t, int scan);
void to7bit_free(struct to7bit *t);

/*
 * Consumes in[0..n), appending converted output to out (unused in scan
 * mode; may be NULL then).  Returns 0, or -1 with errno ENOMEM or
 * EOVERFLOW (the state is then undefined: start over).
 */
int to7bit_feed(struct to7bit *t, const void *in, size_t n, struct str *out);

/*
 * Ends the input: a last line without a line end is finished (with an
 * LF), a header section still held goes out.  0 or -1 as above.
 */
int to7bit_end(struct to7bit *t, struct str *out);

#endif
