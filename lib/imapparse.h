/*
 * The IMAP command grammar (RFC 3501 section 9, RFC 9051, RFC 7888
 * LITERAL+ and LITERAL-): framing a command out of the byte stream,
 * splitting it into arguments, sequence sets, dates, and modified UTF-7
 * mailbox names.  No I/O: the caller reads, writes and decides.
 *
 * Two stages.
 *
 * 1. The reader (struct imap_reader) frames one command: it takes bytes
 *    as they come, keeps the command's lines and literals in one buffer,
 *    and stops at each literal header "{n}" / "{n+}" at the end of a
 *    line (IMAPR_LITERAL) so the caller can decide what to do with the
 *    literal: keep it in the buffer (after sending "+ OK" for a
 *    synchronizing one), take the bytes itself (an APPEND message is
 *    streamed to a file), or refuse it.  A command ends at a line end
 *    (CRLF; a bare LF is accepted too) that does not follow a literal
 *    header.  A quoted string is tracked so that "{5}" inside quotes is
 *    not a literal header.
 *
 * 2. The parser (imap_cmd_parse) splits a framed command into its tag,
 *    its name and a tree of arguments: atoms, quoted strings, literals
 *    and parenthesised lists.  An atom holding '[' runs to the matching
 *    ']' whatever it holds, so BODY.PEEK[HEADER.FIELDS (From To)]<0.100>
 *    is one atom for FETCH to take apart.  A flag atom may start with
 *    '\'.  List wildcards '%' and '*' and ']' are atom bytes (LIST
 *    patterns, sequence sets).
 *
 * Every limit gives an error with a reason fit to follow "tag BAD ":
 *
 *   IMAP_CMD_MAX        bytes of a whole command kept in memory: lines
 *                       and kept literals, literal headers included
 *   IMAP_LINE_MAX       bytes of one line of a command (between literals)
 *   IMAP_LITERAL_MAX    bytes of one literal kept in memory (streamed
 *                       literals are limited by the caller)
 *   IMAP_LITERAL_NUMBER largest literal size that can be written at all
 *   IMAP_SKIP_MAX       largest non-synchronizing literal that is read
 *                       and thrown away after an error; past it the
 *                       stream cannot be followed (IMAPR_CLOSE)
 *   IMAP_DEPTH_MAX      nesting of parenthesised lists
 *   IMAP_ARGS_MAX       arguments in one command, all levels together
 *   IMAP_TAG_MAX        bytes of a tag
 *   IMAP_SEQ_RANGES_MAX ranges in one sequence set
 *
 * Numbers in sequence sets are nz-number, 1 to 4294967295; "0" and
 * "4294967296" are errors, never wrapped.
 */
#ifndef FACTEUR_IMAPPARSE_H
#define FACTEUR_IMAPPARSE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "str.h"

#define IMAP_CMD_MAX 65536
#define IMAP_LINE_MAX 16384
#define IMAP_LITERAL_MAX 65536
#define IMAP_LITERAL_NUMBER UINT64_C(4294967295)
#define IMAP_SKIP_MAX 1048576
#define IMAP_DEPTH_MAX 16
#define IMAP_ARGS_MAX 4096
#define IMAP_TAG_MAX 64
#define IMAP_NAME_MAX 32
#define IMAP_SEQ_RANGES_MAX 16384
#define IMAP_MAILBOX_MAX 255 /* bytes of a name in modified UTF-7 */

/* ---------------------------------------------------------------- reader */

enum imap_reader_rc {
	IMAPR_MORE = 0,	   /* all input taken; feed more */
	IMAPR_COMMAND = 1, /* a whole command is framed (see bad) */
	IMAPR_LITERAL = 2, /* a literal header: decide (see below) */
	IMAPR_CLOSE = 3,   /* the stream cannot be followed: say why, hang up */
};

struct imap_reader {
	struct str buf;	    /* the command: lines, literal headers, literals */
	const char *why;    /* set with bad, and with IMAPR_CLOSE */
	int bad;	    /* the command is to be answered BAD why */
	uint64_t lit_size;  /* at IMAPR_LITERAL: the literal's size */
	int lit_sync;	    /* at IMAPR_LITERAL: it waits for "+" */
	size_t lit_count;   /* literals in this command so far */
	/* private */
	int state, done, quote, esc, cr, plus, lstate;
	uint64_t lnum, left;
	size_t line_len, lit_hdr_off;
};

void imap_reader_init(struct imap_reader *r);
void imap_reader_free(struct imap_reader *r);

/*
 * Takes bytes from p[0..n); *used_r gets how many were taken (the rest
 * belongs to the next call).  Returns:
 *   IMAPR_MORE     every byte was taken and the command is not complete;
 *   IMAPR_COMMAND  the command is complete in buf (its last line end
 *                  included).  If bad is set, it is not to be parsed:
 *                  answer "tag BAD why" (imap_reader_tag gives the tag).
 *                  The next feed starts a new command.
 *   IMAPR_LITERAL  the line just ended in a literal header of lit_size
 *                  bytes; before feeding again call exactly one of
 *                  imap_reader_literal_keep, _take or _refuse.
 *   IMAPR_CLOSE    a non-synchronizing literal larger than IMAP_SKIP_MAX
 *                  follows a command that is already bad (or too large
 *                  to keep): its bytes cannot be followed.  Send
 *                  "* BYE why" and end the session.
 * -1 with errno ENOMEM: out of memory (the session should end).
 * Errors of the command itself (a line too long, a NUL or stray CR, a
 * literal too large) do not stop the reader: it reads on, throwing
 * bytes away, to the end of the command, then returns IMAPR_COMMAND with
 * bad set, so the client and the server agree where the next command
 * starts.
 */
int imap_reader_feed(struct imap_reader *r, const void *p, size_t n,
    size_t *used_r);

/*
 * Keeps the literal in buf.  Returns 0, or -1 when it is larger than
 * IMAP_LITERAL_MAX or would take the command past IMAP_CMD_MAX (then
 * call imap_reader_literal_refuse).  A synchronizing literal needs a
 * "+ " continuation from the caller before the client sends it.
 */
int imap_reader_literal_keep(struct imap_reader *r);

/*
 * The caller reads the lit_size bytes itself (from its own input, not
 * through imap_reader_feed), then feeds on from the byte after them.
 * In buf the literal appears as "{\0size}" and a line end: the parser
 * makes it an IMAP_ARG_LITERAL_TAKEN argument.  (A client cannot write
 * that: NUL never reaches buf from a line.)
 */
void imap_reader_literal_take(struct imap_reader *r);

/*
 * Refuses the literal: the command becomes bad with why.  A
 * synchronizing literal is never sent by the client once it sees the
 * tagged BAD, so the command ends here (the next feed returns
 * IMAPR_COMMAND at once without taking a byte); the bytes of a
 * non-synchronizing one are read and thrown away (at most IMAP_SKIP_MAX,
 * else IMAPR_CLOSE), then the rest of the command.
 */
void imap_reader_literal_refuse(struct imap_reader *r, const char *why);

/*
 * Copies the tag of the command in buf into tag (size IMAP_TAG_MAX + 1)
 * if its first bytes are a valid tag followed by a space or line end.
 * Returns 1, or 0 (tag is then "*": answer untagged).
 */
int imap_reader_tag(const struct imap_reader *r, char *tag);

/* ---------------------------------------------------------------- parser */

enum imap_arg_type {
	IMAP_ARG_ATOM = 1,	   /* also NIL and numbers */
	IMAP_ARG_QUOTED,	   /* a quoted string, unescaped */
	IMAP_ARG_LITERAL,	   /* a literal kept in the command */
	IMAP_ARG_LITERAL_TAKEN,	   /* a literal the caller took; size only */
	IMAP_ARG_LIST,		   /* ( ... ) */
};

struct imap_arg {
	enum imap_arg_type type;
	const char *s; /* atom, quoted, literal: NUL-terminated copy */
	size_t len;    /* its length (a literal may hold NUL bytes) */
	uint64_t size; /* IMAP_ARG_LITERAL_TAKEN: the literal's size */
	int sync;      /* literals: it was synchronizing */
	struct imap_arg *list; /* IMAP_ARG_LIST: its elements */
	size_t nlist;
};

struct imap_cmd {
	char tag[IMAP_TAG_MAX + 1];
	char name[IMAP_NAME_MAX + 1]; /* the command name in capitals */
	struct imap_arg *args;	      /* after the name */
	size_t nargs;
	/* private */
	struct imap_arg *all;
	size_t nall, capall;
	struct str strs;
};

/*
 * Parses a command framed by the reader (buf[0..len), line end
 * included).  Returns 0, or -1 with errno EINVAL and *why_r set (a
 * static text); cmd->tag is then the tag if it could be read, else "*"
 * (answer untagged), and cmd->name the name if it could be read, else
 * "".  ENOMEM: out of memory.  imap_cmd_free(cmd) afterwards in both
 * cases; cmd may be reused.
 */
int imap_cmd_parse(struct imap_cmd *cmd, const char *buf, size_t len,
    const char **why_r);
void imap_cmd_init(struct imap_cmd *cmd);
void imap_cmd_free(struct imap_cmd *cmd);

/* An atom equal to z regardless of ASCII case. */
int imap_arg_atom_is(const struct imap_arg *a, const char *z);
/* A string of any form (atom, quoted, literal): an astring. */
int imap_arg_is_astring(const struct imap_arg *a);
/* An astring holding no NUL: its NUL-terminated text, else NULL. */
const char *imap_arg_astring(const struct imap_arg *a);
/* NIL as an atom. */
int imap_arg_is_nil(const struct imap_arg *a);

/*
 * Appends s[0..n) to out as an IMAP string fit for a response: an atom
 * is not used; a quoted string when every byte is printable ASCII (and
 * at most 1024 bytes), else a literal "{n}\r\n" and the bytes.  NIL for
 * s == NULL.  0 or -1 (ENOMEM).
 */
int imap_put_string(struct str *out, const char *s, size_t n);
/* The same for an astring: the bare atom when it is one, else as above. */
int imap_put_astring(struct str *out, const char *s, size_t n);

/* ---------------------------------------------------------------- sets */

/* A range lo:hi; 0 stands for '*' until imap_seqset_resolve. */
struct imap_range {
	uint32_t lo, hi;
};

struct imap_seqset {
	struct imap_range *r;
	size_t n, cap;
	int star; /* '*' occurs */
};

void imap_seqset_init(struct imap_seqset *set);
void imap_seqset_free(struct imap_seqset *set);
/*
 * Parses a sequence set ("1,3:5,7:*", RFC 3501 sequence-set) from
 * s[0..n) into set (emptied first).  Returns 0, or -1 with errno EINVAL
 * (syntax, 0, a number over 4294967295) or E2BIG (more than
 * IMAP_SEQ_RANGES_MAX ranges) and *why_r set, or ENOMEM.
 */
int imap_seqset_parse(struct imap_seqset *set, const char *s, size_t n,
    const char **why_r);
/*
 * Replaces '*' with max (the largest sequence number or UID in use; 0 in
 * an empty mailbox), puts every range in order lo <= hi, sorts the ranges
 * and merges the ones that touch.
 */
void imap_seqset_resolve(struct imap_seqset *set, uint32_t max);
/* After resolve: is v in the set? (binary search) */
int imap_seqset_contains(const struct imap_seqset *set, uint32_t v);
/* After resolve: the largest number in the set (0 if empty). */
uint32_t imap_seqset_max(const struct imap_seqset *set);
/*
 * Appends set (resolved) to out in its shortest form, "1:3,5".  0 or -1.
 */
int imap_seqset_format(const struct imap_seqset *set, struct str *out);

/* ---------------------------------------------------------------- dates */

/*
 * Parses an IMAP date "1-Feb-1994" / "01-Feb-1994" (SEARCH) as midnight
 * UTC of that day.  0 or -1 (EINVAL).
 */
int imap_date_parse(const char *s, size_t n, time_t *t_r);
/*
 * Parses a date-time "dd-Mon-yyyy hh:mm:ss +zzzz" (APPEND; day may be
 * " d").  0 or -1 (EINVAL).
 */
int imap_datetime_parse(const char *s, size_t n, time_t *t_r);
/* Formats t as a date-time in UTC ("+0000") into buf (>= 27 bytes). */
void imap_datetime_format(time_t t, char *buf, size_t n);

/* ---------------------------------------------------------------- names */

/*
 * Decodes a mailbox name in modified UTF-7 (RFC 3501 section 5.1.3),
 * appending UTF-8 to out.  Strict: "&-" is '&'; a shifted run is
 * modified base64 of UTF-16 (',' for '/'), ends in '-', is not empty,
 * leaves no non-zero bits, encodes nothing printable ASCII, does not
 * follow another run directly, and holds whole surrogate pairs; bytes
 * outside 0x20..0x7e are refused.  0, or -1 (EINVAL, ENOMEM); out is
 * then restored.
 */
int imap_utf7_decode(const char *s, size_t n, struct str *out);
/*
 * Encodes UTF-8 (which must be valid: no overlong forms, no surrogates)
 * into modified UTF-7, appending to out.  Control characters (C0, DEL,
 * C1) are refused, as the decoder refuses them.  0, or -1 (EINVAL,
 * ENOMEM); out is then restored.
 */
int imap_utf7_encode(const char *s, size_t n, struct str *out);

/*
 * Checks a mailbox name as the client sent it (modified UTF-7) for use
 * as a Maildir++ folder with hierarchy separator sep: at most
 * IMAP_MAILBOX_MAX bytes, valid modified UTF-7, no control bytes, no
 * '/' (a path separator), no '%' or '*' (LIST wildcards), no empty
 * hierarchy level (leading, trailing or doubled sep: "..", ".a", "a.")
 * and no level that is "." or ".." itself.  Returns 0, or -1 with errno
 * EINVAL and *why_r set.
 */
int imap_mailbox_check(const char *s, size_t n, char sep, const char **why_r);

#endif
