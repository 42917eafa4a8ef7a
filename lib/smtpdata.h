/*
 * The SMTP message reader: DATA (dot-stuffed, RFC 5321 §4.5.2) and BDAT
 * chunks (RFC 3030), as a pure state machine with no I/O.
 *
 * Input is the wire bytes; output is the message with each CRLF turned
 * into LF (the spool's line end) and, for DATA, the stuffing dot of each
 * line removed.  Only CRLF "." CRLF ends DATA.  A CR not followed by LF,
 * or an LF not preceded by CR, anywhere, is a framing error: different
 * MTAs disagree about such bytes, and that disagreement is what SMTP
 * smuggling exploits, so the reader stops and the session must end.
 * That makes "\n.\n", "\r.\r", "\n.\r\n" and "\r\n.\n" all errors.
 *
 * Soft errors do not stop framing: a line longer than maxline bytes
 * (CRLF included) or a NUL byte sets a bit in d->errs and the reader
 * goes on to the end of the message, so the server can refuse it and
 * stay in step with the client.
 */
#ifndef FACTEUR_SMTPDATA_H
#define FACTEUR_SMTPDATA_H

#include <stddef.h>
#include <stdint.h>

enum smtp_data_mode { SMTP_DATA_DOT = 0, SMTP_DATA_RAW = 1 };

enum {
	SMTP_DATA_ELONG = 1, /* a line over maxline */
	SMTP_DATA_ENUL = 2,  /* a NUL byte */
	SMTP_DATA_E8BIT = 4, /* a byte >= 0x80 (not an error; for 8BITMIME) */
};

struct smtp_data {
	enum smtp_data_mode mode;
	int state;
	size_t linelen, maxline;
	uint64_t in, out; /* bytes consumed and produced so far */
	unsigned errs;	  /* SMTP_DATA_E* bits */
};

void smtp_data_init(struct smtp_data *d, enum smtp_data_mode mode,
    size_t maxline);

/*
 * Consumes in[0..n) and writes the message bytes to out, which must have
 * room for n bytes; *outlen_r gets how many were written and *used_r how
 * many input bytes were consumed.  Returns:
 *   1  end of DATA seen (the terminating CRLF.CRLF is consumed; bytes
 *      past *used_r belong to the next command);
 *   0  all input consumed, more needed (always so in RAW mode);
 *  -1  framing error, errno EILSEQ (bare CR or LF); the bytes before it
 *      are in out; further calls keep failing.
 */
int smtp_data_feed(struct smtp_data *d, const char *in, size_t n, char *out,
    size_t *outlen_r, size_t *used_r);

/*
 * Ends a RAW (BDAT) message.  A message must end at a line end; returns
 * 0, or -1 with errno EILSEQ when the last chunk stopped after a CR
 * (a bare CR) — a last line without CRLF is accepted, and *addlf_r is
 * set to 1 so the caller adds the LF.
 */
int smtp_data_finish(struct smtp_data *d, int *addlf_r);

#endif
