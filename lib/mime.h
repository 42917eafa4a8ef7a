/*
 * MIME structure of a message (RFC 2045, 2046, 2231) and its IMAP forms:
 * BODYSTRUCTURE, BODY, ENVELOPE and BODY[section] ranges (RFC 3501
 * sections 6.4.5 and 7.4.2), with decoded content for SEARCH.
 *
 * A pure parser with no I/O: the message comes as one buffer the caller
 * holds (read or mmap'd: mime_parse) or in chunks of any size
 * (mime_parser_feed, for a file read piece by piece).  The tree keeps
 * offsets, never copies of bodies, so a message costs the memory of its
 * headers, not of its size.  Bodies are read again by the caller from
 * those offsets: a mime_range to send, a mime_decoder fed the bytes of a
 * part for SEARCH (or mime_body_contains over a buffer).
 *
 * Use in imapd: FETCH BODYSTRUCTURE / BODY / ENVELOPE are
 * mime_bodystructure(m, 0, 1 / 0, out) and mime_envelope(m, 0, out) (the
 * strings an index may cache); BODY[section] is mime_section, then the
 * range as it is, or "" when its part is MIME_NONE (HEADER.FIELDS: the
 * fields picked from that range with lib/rfc5322), with <partial> applied
 * to the CRLF form; SEARCH BODY /
 * TEXT is mime_match_init with the key, then mime_body_contains (TEXT:
 * and the header), SEARCH HEADER / SUBJECT / FROM ... is
 * mime_header_decode of each field, then mime_match_update.
 *
 * Line ends are LF or CRLF, as in lib/rfc5322 (Maildir files have LF,
 * the wire CRLF).  IMAP counts sizes as sent with CRLF: every *_vlen below
 * counts each LF not preceded by CR as two bytes, and line counts are the
 * number of LFs.  A CR not followed by LF is an ordinary byte.
 *
 * The tree: part 0 is the message itself (its header is the message
 * header, its body the message body).  A multipart has its body parts as
 * children; a message/rfc822 part has exactly one child, the encapsulated
 * message, whose header is that message's header.  Boundaries follow RFC
 * 2046 section 5.1.1: the line end before a delimiter line belongs to the
 * delimiter; preamble and epilogue belong to the multipart's body but to
 * no child.  A delimiter is a line that starts with "--" and a boundary
 * of an enclosing multipart; when several boundaries are prefixes of the
 * line, the longest wins, then the innermost (as Dovecot does), so
 * boundaries that are prefixes of each other work in either nesting.  An
 * enclosing boundary ends every inner part (missing close delimiters);
 * the end of the input ends everything.
 *
 * Broken MIME never fails the parse and degrades as Dovecot does:
 *   - a message header with neither MIME-Version nor Content-Type is not
 *     MIME (its other Content-* fields are ignored);
 *   - no Content-Type gives text/plain (charset=us-ascii is shown); a
 *     value that is not type[/subtype] and parameters gives type "" and
 *     subtype "" (not text: no line count); a type without '/' keeps its
 *     type and an empty subtype;
 *   - junk after a parameter value is skipped; a parameter without '=' or
 *     with an unclosed quote ends the list; RFC 2231 parameters come
 *     after the others, sorted by name, their sections joined when they
 *     are exactly 0..n-1;
 *   - a multipart without a boundary parameter has no children and is
 *     shown with one empty text/plain child;
 *   - a header section without an empty line ends at the end of the
 *     input or at a delimiter line;
 *   - unknown transfer encodings are shown as they are and their content
 *     is passed through undecoded;
 *   - message/rfc822 is written in lower case; children of
 *     multipart/digest default to message/rfc822.
 *
 * Limits: MIME_DEPTH_MAX levels of nesting (a multipart or message/rfc822
 * deeper than that becomes an application/octet-stream leaf);
 * MIME_PARTS_MAX parts (further body parts of a multipart are left in its
 * body, in no child; a message/rfc822 part becomes application/
 * octet-stream); MIME_HEADER_MAX bytes of each header section are read for
 * fields (the rest still counts in its size); MIME_PARAMS_MAX parameters
 * per field; MIME_BOUNDARY_MAX bytes of a boundary (a longer one makes the
 * multipart childless).  Reaching one sets a flag in mime_msg.flags; it is
 * never an error.
 */
#ifndef FACTEUR_MIME_H
#define FACTEUR_MIME_H

#include <stddef.h>

#include "base64.h"
#include "qp.h"
#include "str.h"

#define MIME_DEPTH_MAX 64
#define MIME_PARTS_MAX 10000
#define MIME_HEADER_MAX 262144
#define MIME_PARAMS_MAX 100
#define MIME_BOUNDARY_MAX 200

/* "No such part" for part indexes; "absent" (NIL) for string offsets. */
#define MIME_NONE ((size_t)-1)

/* mime_msg.flags */
#define MIME_F_DEPTH 0x01u  /* nesting was cut at MIME_DEPTH_MAX */
#define MIME_F_PARTS 0x02u  /* parts were cut at MIME_PARTS_MAX */
#define MIME_F_HEADER 0x04u /* a header section was cut at MIME_HEADER_MAX */
#define MIME_F_PARAMS 0x08u /* parameters were cut at MIME_PARAMS_MAX */

/* A string in mime_msg.pool: off is MIME_NONE when absent. */
struct mime_sref {
	size_t off, len;
};

struct mime_param {
	struct mime_sref name, value;
};

enum mime_kind { MIME_LEAF, MIME_MULTIPART, MIME_MESSAGE };

/* The envelope fields of a message header, raw and unfolded. */
enum {
	MIME_ENV_DATE,
	MIME_ENV_SUBJECT,
	MIME_ENV_FROM,
	MIME_ENV_SENDER,
	MIME_ENV_REPLY_TO,
	MIME_ENV_TO,
	MIME_ENV_CC,
	MIME_ENV_BCC,
	MIME_ENV_IN_REPLY_TO,
	MIME_ENV_MESSAGE_ID,
	MIME_ENV_N
};

struct mime_part {
	size_t parent, child, next; /* part indexes, MIME_NONE if none */
	size_t nchildren;
	unsigned depth;
	enum mime_kind kind;
	int is_message; /* the header is a message header (part 0 and the
			   child of a message/rfc822 part) */
	/* Byte ranges in the buffer; the header includes its empty line. */
	size_t hdr_off, hdr_len, body_off, body_len;
	/* The same lengths as sent with CRLF, and the body's LFs. */
	size_t hdr_vlen, body_vlen, body_lines;
	struct mime_sref type, subtype; /* as written, or the default */
	size_t param0, nparams;		/* in mime_msg.params */
	struct mime_sref id, description, encoding, md5;
	struct mime_sref disposition;
	size_t dparam0, ndparams;
	struct mime_sref language, location; /* unfolded field values */
	struct mime_sref env[MIME_ENV_N];    /* when is_message */
};

struct mime_msg {
	struct mime_part *parts;
	size_t nparts, capparts;
	struct mime_param *params;
	size_t nparams, capparams;
	struct str pool;
	unsigned flags;
};

#define MIME_MSG_INIT { NULL, 0, 0, NULL, 0, 0, STR_INIT, 0 }

/*
 * Parses the message buf[0..len) into m (MIME_MSG_INIT, or a tree from an
 * earlier parse, which is replaced).  Returns 0, or -1 with errno ENOMEM
 * or EOVERFLOW (m is then freed).  Never fails on bad input.
 */
int mime_parse(struct mime_msg *m, const void *buf, size_t len);

/* Frees what m holds; m is MIME_MSG_INIT afterwards. */
void mime_free(struct mime_msg *m);

/*
 * The same parse, fed in chunks of any size (a file read piece by piece):
 * the parser keeps the first bytes of the current line and the header
 * section being read (at most MIME_HEADER_MAX), never a body.  Offsets in
 * the tree count the bytes fed; the caller reads a range again (pread)
 * to send it or to feed a mime_decoder.  The tree is the same however the
 * input is cut.
 *
 * mime_parser_init starts a parse into m (as mime_parse does); 0, or -1
 * with errno ENOMEM.  mime_parser_feed takes the next bytes; 0, or -1
 * with errno ENOMEM or EOVERFLOW, after which only _free may be called.
 * mime_parser_finish ends the input, completes m and frees the parser;
 * 0, or -1 with errno (m freed).  mime_parser_free abandons a parse (m
 * must then be freed or parsed again).
 */
struct mime_parser;

int mime_parser_init(struct mime_parser **sp, struct mime_msg *m);
int mime_parser_feed(struct mime_parser *s, const void *data, size_t len);
int mime_parser_finish(struct mime_parser **sp);
void mime_parser_free(struct mime_parser **sp);

/*
 * Appends the BODYSTRUCTURE (extended != 0) or BODY (extended == 0)
 * value of part (0 for the message) to out, without the keyword, e.g.
 * ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 7 1 NIL NIL NIL
 * NIL).  Strings are quoted, or literals when they hold 8-bit bytes, CR,
 * LF or are long; NUL bytes are sent as U+FFFD.  Returns 0, or -1 with
 * errno EINVAL (no such part), ENOMEM or EOVERFLOW (out restored).
 */
int mime_bodystructure(const struct mime_msg *m, size_t part, int extended,
    struct str *out);

/*
 * Appends the ENVELOPE value of message part (0, or the child of a
 * message/rfc822 part) to out.  Date, Subject, In-Reply-To and Message-ID
 * are the last such field, unfolded (NIL when absent, "" when empty); an
 * address list holds the addresses of every such field (both as Dovecot
 * does); Sender and Reply-To are From when absent or empty.  Returns 0, or -1
 * with errno EINVAL (not a message part), ENOMEM or EOVERFLOW.
 */
int mime_envelope(const struct mime_msg *m, size_t part, struct str *out);

/*
 * Appends the IMAP form of the RFC 5322 address list in[0..len) (display
 * names, quoted strings, comments, groups, obsolete routes) to out:
 * "((name adl mailbox host)...)", or NIL when it holds no address.  A
 * group is "(NIL NIL name NIL)" before its members and "(NIL NIL NIL
 * NIL)" after them.  The name is the display name, or else the last
 * comment after an addr-spec.  A missing local part or domain is
 * "MISSING_MAILBOX" or "MISSING_DOMAIN", as Dovecot writes.  Encoded
 * words are left as they are (RFC 3501 sends them raw).  Empty list
 * members are skipped.  At most 10000 addresses are read.  Returns 0, or
 * -1 with errno ENOMEM or EOVERFLOW (out restored).
 */
int mime_addr_imap(const char *in, size_t len, struct str *out);

/*
 * Appends s[0..len) to out as an IMAP quoted string, or a literal when it
 * holds 8-bit bytes, CR, LF or NUL (sent as U+FFFD, as Dovecot does) or is
 * longer than 1024 bytes.  0, or -1 (ENOMEM, EOVERFLOW; out restored).
 */
int mime_imap_string(struct str *out, const char *s, size_t len);

/* BODY[section] kinds. */
enum mime_sec {
	MIME_SEC_FULL,	     /* "" or "n": the whole message / part body */
	MIME_SEC_HEADER,     /* HEADER */
	MIME_SEC_FIELDS,     /* HEADER.FIELDS: the caller picks fields */
	MIME_SEC_FIELDS_NOT, /* HEADER.FIELDS.NOT: the caller drops them */
	MIME_SEC_TEXT,	     /* TEXT */
	MIME_SEC_MIME	     /* MIME */
};

struct mime_range {
	size_t off, len; /* in the buffer */
	size_t vlen;	 /* len as sent with CRLF */
	enum mime_sec kind;
	size_t part;	 /* the part it belongs to, MIME_NONE if none */
};

/*
 * Resolves the section spec sec[0..len) of BODY[sec] (RFC 3501 section
 * 6.4.5), without the HEADER.FIELDS field list and without <partial>:
 * "", "HEADER", "TEXT", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "1.2",
 * "1.2.MIME", "3.HEADER", "3.TEXT"... (keywords in any case).
 * "n.HEADER", "n.TEXT" and "n.HEADER.FIELDS" are the header and body of
 * the message in message/rfc822 part n; on another kind of part they are
 * empty.  Numbers are walked as Dovecot does: in a multipart, n is its
 * n-th child; in any other part only 1 is valid and is the part itself
 * (so "1" is the body of a single-part message), and only a
 * message/rfc822 part may be followed by more numbers, which number the
 * parts of the message inside it.  A part that does not exist gives an
 * empty range (off 0, len 0,
 * part MIME_NONE), which the caller sends as "", as Dovecot does.  For
 * HEADER.FIELDS the range is the header section to pick fields from.
 * Returns 0, or -1 with errno EINVAL when the spec is bad (part number 0
 * or over 2^31-1, an unknown keyword, MIME without a part number).
 */
int mime_section(const struct mime_msg *m, const char *sec, size_t len,
    struct mime_range *r);

/*
 * Decoded content for SEARCH.
 *
 * A struct mime_decoder turns a part's body, fed in chunks of any size,
 * into UTF-8: the transfer encoding is undone (base64 and
 * quoted-printable leniently, anything else passed through) and text
 * leaves are converted from their charset through iconv; UTF-8, ASCII,
 * a missing or unknown charset and non-text parts are passed through with
 * invalid UTF-8 made U+FFFD.  Output ends on a character boundary after
 * every call (an incomplete character is held back), so each piece can
 * be fed to mime_match on its own.
 */
struct mime_decoder {
	int cte; /* 0 identity, 1 base64, 2 quoted-printable */
	struct b64dec b64;
	struct qpdec qp;
	void *cd;	/* iconv_t, or NULL for UTF-8 and pass-through */
	char carry[16]; /* an incomplete character held back */
	size_t ncarry;
	struct str tmp;
	int damaged;
};

/*
 * Prepares d for the body of part.  Returns 0, or -1 with errno EINVAL
 * (no such part); call mime_decoder_free after success.
 */
int mime_decoder_init(struct mime_decoder *d, const struct mime_msg *m,
    size_t part);
/* Decodes in[0..len), appending UTF-8 to out.  0, or -1 (ENOMEM). */
int mime_decoder_update(struct mime_decoder *d, const void *in, size_t len,
    struct str *out);
/* Ends the input.  0 clean, 1 something was damaged, -1 (ENOMEM). */
int mime_decoder_final(struct mime_decoder *d, struct str *out);
/* Releases what d holds. */
void mime_decoder_free(struct mime_decoder *d);

/*
 * Decodes a header field value for SEARCH: unfolded, RFC 2047 encoded
 * words decoded to UTF-8 (lib/rfc2047).  0, or -1 (ENOMEM, EOVERFLOW).
 */
int mime_header_decode(const char *v, size_t len, struct str *out);

/*
 * Case-insensitive substring search over UTF-8 text that arrives in
 * pieces.  Case is folded with a simple table (ASCII, Latin-1, Latin
 * Extended-A, Greek, Cyrillic); other characters match exactly.  The
 * needle is at most 4096 bytes; an empty needle matches anything.
 * Pieces must end on character boundaries (mime_decoder output does).
 */
struct mime_match {
	struct str needle; /* folded */
	struct str win;	   /* folded text: the tail of the last piece */
	int found;
};

/* 0, or -1 with errno EINVAL (needle too long) or ENOMEM. */
int mime_match_init(struct mime_match *mm, const char *needle, size_t len);
/* Forgets the text seen so far (a new part or field). */
void mime_match_reset(struct mime_match *mm);
/* Feeds a piece; 1 once the needle has been seen, 0, -1 (ENOMEM). */
int mime_match_update(struct mime_match *mm, const char *s, size_t len);
void mime_match_free(struct mime_match *mm);

/* Appends s[0..len) case-folded as mime_match does.  0 or -1. */
int mime_fold(const char *s, size_t len, struct str *out);

/*
 * Whether the decoded text of the body of the message buf[0..len) (parsed
 * into m) contains the needle of mm: the body of every text and
 * message leaf is decoded and searched in turn (attachments of other
 * types are not).  Returns 1, 0, or -1 (ENOMEM).
 */
int mime_body_contains(const struct mime_msg *m, const void *buf, size_t len,
    struct mime_match *mm);

/*
 * Appends the value of parameter name (any case) of part's Content-Type
 * (disp == 0) or Content-Disposition (disp != 0) to out as UTF-8: RFC
 * 2231 continuations are joined at parse time, charset'language' values
 * are decoded here, and RFC 2047 encoded words in plain values (which
 * mailers put in filenames) are decoded.  Returns 1 when found, 0 when
 * not, -1 (ENOMEM, EOVERFLOW).
 */
int mime_param_utf8(const struct mime_msg *m, size_t part, int disp,
    const char *name, struct str *out);

#endif
