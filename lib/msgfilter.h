/*
 * The stream filter a message passes through on its way into a Maildir:
 * CRLF line ends become LF (a CR not followed by LF is kept), nothing
 * else changes; and the header section is watched for a Delivered-To
 * field naming the recipient, which means the message is looping.
 *
 * The filter is a byte-at-a-time state machine with no I/O and fixed
 * memory, so a message is streamed whatever its size, and input may be
 * fed in chunks split anywhere.  The header section ends at the first
 * empty line; folded fields are unfolded before they are compared.  A
 * field longer than MSGFILTER_FIELD_MAX cannot match and is skipped.
 */
#ifndef FACTEUR_MSGFILTER_H
#define FACTEUR_MSGFILTER_H

#include <stddef.h>

#define MSGFILTER_FIELD_MAX 1024

struct msgfilter {
	const char *rcpt; /* address to look for, or NULL */
	size_t rcptlen;
	int pending_cr;	  /* last byte was a CR not yet written */
	int in_header;	  /* still in the header section */
	int line_start;	  /* next byte starts a line */
	int loop;	  /* a Delivered-To: rcpt field was seen */
	int fld_over;	  /* the current field overflowed fld */
	size_t fld_len;
	char fld[MSGFILTER_FIELD_MAX];
};

/* Starts a message; rcpt (may be NULL) must outlive the filter. */
void msgfilter_init(struct msgfilter *mf, const char *rcpt);
/*
 * Filters len bytes of in into out, which must have room for len + 1
 * bytes; returns the number of bytes written to out.
 */
size_t msgfilter_feed(struct msgfilter *mf, const void *in, size_t len,
    void *out);
/*
 * Ends the message; writes at most 1 byte (a held-back CR) to out and
 * returns how many.  Afterwards mf->loop tells whether it loops.
 */
size_t msgfilter_end(struct msgfilter *mf, void *out);

#endif
