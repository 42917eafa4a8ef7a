/*
 * POP3 command lines (RFC 1939, RFC 2449, RFC 2595, RFC 5034): framing,
 * keyword lookup and argument checks.  A pure parser: no I/O, no
 * allocation.  The caller reads a line (rbuf_getline keeps the LF) and
 * hands it over whole; every pointer in the result points into it.
 *
 * Framing: the line ends in CRLF, or in a bare LF (many clients and test
 * tools send those; nothing is smuggled through POP3 commands, so a bare
 * LF at the end is accepted); it holds no other CR or LF and no NUL or
 * other control byte (tab excepted in a PASS argument).
 *
 * Limits: a command line is at most POP3_LINE_MAX bytes with its line
 * end (RFC 2449 says 255; a little more is accepted for long passwords
 * and SASL initial responses), a keyword 1 to 4 letters (matched without
 * regard to case), a word argument POP3_ARG_MAX bytes.  Numbers are
 * decimal digits only; one too large for uint64_t saturates to
 * UINT64_MAX (no such message; for TOP, the whole message).
 */
#ifndef FACTEUR_POP3CMD_H
#define FACTEUR_POP3CMD_H

#include <stddef.h>
#include <stdint.h>

#define POP3_LINE_MAX 1024
/* One SASL response line (RFC 5034 allows them longer than commands). */
#define POP3_SASL_LINE_MAX 8192
#define POP3_ARG_MAX 255

enum pop3_verb {
	POP3_UNKNOWN = 0,
	POP3_USER,
	POP3_PASS,
	POP3_APOP,
	POP3_AUTH,
	POP3_STLS,
	POP3_CAPA,
	POP3_QUIT,
	POP3_STAT,
	POP3_LIST,
	POP3_RETR,
	POP3_DELE,
	POP3_NOOP,
	POP3_RSET,
	POP3_TOP,
	POP3_UIDL,
};

struct pop3_cmd {
	enum pop3_verb verb;
	unsigned nargs;	     /* 0, 1 or 2 */
	const char *arg[2];  /* into the line; not NUL-terminated */
	size_t arglen[2];
	uint64_t num[2];     /* message number, TOP line count */
};

/*
 * Parses line[0..len).  Returns 0 with cmd filled in, or -1 with errno
 * and *why_r (a static text fit to follow "-ERR ") set:
 *   E2BIG    the line is longer than POP3_LINE_MAX;
 *   EILSEQ   a missing line end, a stray CR or LF, a NUL or control byte;
 *   ENOSYS   a keyword we do not know (cmd->verb is POP3_UNKNOWN);
 *   EINVAL   a known keyword with wrong arguments (cmd->verb is set):
 *            missing, extra, too long, or a number that is not one.
 * Arguments by keyword:
 *   USER name            one word of at most POP3_ARG_MAX bytes
 *   PASS secret          the rest of the line, spaces included, not empty
 *   APOP name digest     two words
 *   AUTH [mech [resp]]   0 to 2 words (resp may be "=" for an empty one)
 *   LIST, UIDL [msg]     an optional message number
 *   RETR, DELE msg       a message number
 *   TOP msg n            a message number and a line count
 *   STAT NOOP RSET QUIT STLS CAPA   nothing
 * Message numbers are decimal digits only; 0 parses (the caller says
 * "no such message").
 */
int pop3_cmd_parse(const char *line, size_t len, struct pop3_cmd *cmd,
    const char **why_r);

/*
 * Strips the line end of one SASL response line (CRLF or LF) and checks
 * it holds no CR, LF, NUL or control byte.  Returns 0 with the length
 * left in *len_r, or -1 (errno E2BIG over POP3_SASL_LINE_MAX, EILSEQ).
 */
int pop3_sasl_line(const char *line, size_t len, size_t *len_r);

/* The keyword in capitals ("RETR"), "?" for POP3_UNKNOWN. */
const char *pop3_verb_name(enum pop3_verb v);

#endif
