/*
 * SMTP replies as a client reads them (RFC 5321 §4.2), with RFC 3463
 * enhanced status codes (RFC 2034) and the EHLO keywords (§4.1.1.1).
 *
 * A pure parser: the caller reads one line at a time (rbuf_getline or
 * its own reader) and feeds it whole.  A reply is one or more lines
 * "CODE-text" ending with a line "CODE text" or "CODE"; every line must
 * carry the same three-digit code, whose first digit is 2 to 5.  Lines
 * end in CRLF; a bare LF is accepted too (a client may be liberal in what
 * it reads, and the line end never reaches anything else).
 *
 * Limits: SMTP_REPLY_LINE_MAX bytes per line (RFC 5321 says 512, real
 * servers send more), SMTP_REPLY_LINES_MAX lines per reply.  Text bytes
 * are kept as they came except that NUL and other control bytes become
 * spaces, so the text can go into logs and reports in one line.
 */
#ifndef FACTEUR_SMTPREPLY_H
#define FACTEUR_SMTPREPLY_H

#include <stddef.h>
#include <stdint.h>

#include "str.h"

#define SMTP_REPLY_LINE_MAX 4096
#define SMTP_REPLY_LINES_MAX 256

struct smtp_reply {
	int code;	/* 200..599; 0 before the first line */
	char esc[12];	/* enhanced status code "5.1.1", "" if none */
	struct str text; /* each line's text after the code and its
			    separator, lines separated by '\n' */
	size_t nlines;
	int done;	/* the last line was seen */
};

/* Starts a new reply (keeps r->text's memory for reuse). */
void smtp_reply_init(struct smtp_reply *r);
void smtp_reply_free(struct smtp_reply *r);

/*
 * Feeds one line line[0..len), with its line end (CRLF or LF) or
 * without.  Returns 1 when the reply is complete, 0 when more lines
 * follow, or -1 with errno: EPROTO for a malformed line (no three-digit
 * code, a code other than the first line's, a byte other than ' ' or '-'
 * after the code, a line after the last one), E2BIG for a line over
 * SMTP_REPLY_LINE_MAX or too many lines, ENOMEM.
 */
int smtp_reply_line(struct smtp_reply *r, const char *line, size_t len);

/*
 * The reply on one line, for reports: "550 5.1.1 text of line 1 text of
 * line 2" (continuation lines' repeated enhanced codes dropped).  Appends
 * to out; 0 or -1 (ENOMEM).
 */
int smtp_reply_oneline(const struct smtp_reply *r, struct str *out);

/* The ESMTP extensions a client uses, from an EHLO reply. */
struct smtp_ehlo {
	unsigned pipelining : 1;
	unsigned eightbitmime : 1;
	unsigned smtputf8 : 1;
	unsigned dsn : 1;
	unsigned starttls : 1;
	unsigned enhanced : 1;
	unsigned chunking : 1;
	unsigned has_size : 1;
	uint64_t size; /* SIZE limit; 0 = none announced or "SIZE 0" */
	char auth[256]; /* AUTH mechanisms, space-separated; "" if none */
};

/*
 * Reads the keywords of a complete 250 EHLO reply (every line but the
 * first, which is the server's greeting text).  Keywords are compared
 * without regard to case; unknown ones are ignored; a malformed SIZE
 * argument means no limit is known.  Returns 0, or -1 with errno EINVAL
 * when r is not a complete 2xx reply.
 */
int smtp_ehlo_parse(const struct smtp_reply *r, struct smtp_ehlo *e);

#endif
