/*
 * RFC 3464 delivery status notifications: the multipart/report that
 * queued sends back to a message's sender (bounce, delay warning,
 * success report) or to postmaster.
 *
 *   headers (From MAILER-DAEMON, To, Subject, Auto-Submitted, MIME)
 *   part 1  text/plain: what happened, for people
 *   part 2  message/delivery-status: per-message and per-recipient fields
 *   part 3  message/rfc822 (RET=FULL) or text/rfc822-headers (RET=HDRS)
 *
 * dsn_head builds everything up to and including the blank line after
 * part 3's MIME headers; the caller then copies the original message (or
 * its header: see dsn_header_end) and ends with dsn_tail.  So a large
 * original message is streamed, never held in memory.  Lines end in LF
 * like the spool's messages.  Text from the network (addresses,
 * diagnostics) has control bytes replaced, so it cannot add header lines.
 */
#ifndef FACTEUR_DSN_H
#define FACTEUR_DSN_H

#include <stddef.h>
#include <stdint.h>

#include "str.h"

enum dsn_action { DSN_FAILED, DSN_DELAYED, DSN_DELIVERED, DSN_RELAYED,
	DSN_EXPANDED };
enum dsn_kind { DSN_BOUNCE, DSN_DELAY, DSN_SUCCESS, DSN_POSTMASTER };

struct dsn_rcpt {
	const char *final_rcpt;	 /* the address delivered to */
	const char *orcpt;	 /* ORCPT "type;xtext" as stored, or NULL */
	enum dsn_action action;
	const char *status;	 /* "5.1.1"; NULL: taken from diag */
	const char *remote_mta;	 /* host talked to, or NULL */
	const char *diag;	 /* the last reply or reason, or NULL */
	int64_t last_attempt;	 /* 0: none */
	int64_t will_retry_until; /* for delayed; 0: none */
};

struct dsn {
	enum dsn_kind kind;
	const char *reporting_mta; /* this host's name */
	const char *to;		   /* the envelope sender reported to */
	const char *orig_sender;   /* the original message's envelope sender */
	const char *qid;	   /* the original message's queue id */
	const char *envid;	   /* ENVID xtext as stored, or NULL */
	const char *boundary;	   /* unique; not in the original message */
	int64_t arrival;	   /* when the original message arrived */
	int64_t now;
	int ret_hdrs;		   /* 1: return the header only */
	int eightbit;		   /* original has an 8-bit body */
	const struct dsn_rcpt *r;
	size_t n;
};

/*
 * The RFC 3463 status code in diag: the enhanced code after an SMTP
 * reply code ("550 5.1.1 ...") or at its start ("4.4.1 ..."), else
 * defclass.0.0 (defclass 4 or 5).  out gets at most 15 bytes + NUL.
 */
void dsn_status(const char *diag, int defclass, char out[16]);

/* Appends the DSN's head (see above) to out.  0 or -1 (ENOMEM, EINVAL). */
int dsn_head(const struct dsn *d, struct str *out);
/* Appends the closing boundary. */
int dsn_tail(const struct dsn *d, struct str *out);

/*
 * For RET=HDRS: the offset just past the blank line that ends the
 * header in p[0..n), or 0 if it is not in p.  *state carries a partial
 * match across calls (start with 0); a header that never ends is all of
 * the message.
 */
size_t dsn_header_end(const char *p, size_t n, int *state);

/* Decodes RFC 3461 xtext into out; -1 (EINVAL) on bad xtext. */
int dsn_xtext_decode(const char *z, struct str *out);

#endif
