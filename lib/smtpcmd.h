/*
 * SMTP command lines (RFC 5321 §4.1.1): framing check and verb lookup.
 *
 * A pure parser: the caller reads a line (rbuf_getline, which keeps the
 * LF) and hands it over whole.  A command line must end in CRLF and hold
 * no other CR, no other LF and no NUL: a bare CR or LF is how SMTP
 * smuggling starts, so it is refused, never "repaired".
 */
#ifndef FACTEUR_SMTPCMD_H
#define FACTEUR_SMTPCMD_H

#include <stddef.h>

/* RFC 5321 says 512; extensions (SIZE, DSN, SMTPUTF8, AUTH) add more. */
#define SMTP_CMD_MAX 2048

enum smtp_verb {
	SMTP_UNKNOWN = 0,
	SMTP_HELO,
	SMTP_EHLO,
	SMTP_MAIL,
	SMTP_RCPT,
	SMTP_DATA,
	SMTP_BDAT,
	SMTP_RSET,
	SMTP_NOOP,
	SMTP_QUIT,
	SMTP_HELP,
	SMTP_VRFY,
	SMTP_EXPN,
	SMTP_ETRN,
	SMTP_STARTTLS,
	SMTP_AUTH,
};

struct smtp_cmd {
	enum smtp_verb verb;
	const char *arg; /* after the verb and its blanks; not NUL-terminated */
	size_t arglen;	 /* trailing blanks removed */
};

/*
 * Parses line[0..len), which should end in CRLF.  Returns 0 with cmd
 * filled in (verb SMTP_UNKNOWN for a verb we do not know), or -1 with
 * errno: EILSEQ for a bare CR or LF or a missing CRLF, EINVAL for a NUL
 * or other control byte (tab excepted), E2BIG above SMTP_CMD_MAX.
 * cmd->arg points into line.
 */
int smtp_cmd_parse(const char *line, size_t len, struct smtp_cmd *cmd);

/* The verb's name in capitals ("MAIL"), "?" for SMTP_UNKNOWN. */
const char *smtp_verb_name(enum smtp_verb v);

/*
 * If arg starts with prefix (case-insensitive, e.g. "FROM:"), sets
 * *rest_r and *restlen_r past it and any blanks and returns 1; else 0.
 */
int smtp_cmd_prefix(const char *arg, size_t arglen, const char *prefix,
    const char **rest_r, size_t *restlen_r);

#endif
