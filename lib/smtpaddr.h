/*
 * RFC 5321 paths and the ESMTP parameters of MAIL and RCPT.
 *
 * Pure parsers: no I/O, no allocation.  The input is the argument of a
 * MAIL FROM: or RCPT TO: command after the colon (and any blanks), i.e.
 * "<path> [SP param]*", without the CRLF.
 *
 * Grammar (RFC 5321 §4.1.2, RFC 6531 §3.3 for SMTPUTF8):
 *   Path       = "<" [ A-d-l ":" ] Mailbox ">"     (source route ignored)
 *   Mailbox    = Local-part "@" ( Domain / address-literal )
 *   Local-part = Dot-string / Quoted-string
 * "<>" is accepted only with SMTP_ADDR_NULL_OK, "<postmaster>" (any case)
 * only with SMTP_ADDR_POSTMASTER.  Bytes >= 0x80 are accepted only with
 * SMTP_ADDR_UTF8 and must then be well-formed UTF-8.  A local part has
 * at most SMTP_LOCAL_MAX bytes as sent, a domain SMTP_DOMAIN_MAX, the
 * whole path (route included) SMTP_PATH_MAX.
 *
 * Tricks: "user@host@domain" is a syntax error; "user%host@domain" and
 * "\"user@other\"@domain" parse as a local part at domain, whose
 * unquoted local part holds the '%' or '@' (see smtp_addr_routing).
 */
#ifndef FACTEUR_SMTPADDR_H
#define FACTEUR_SMTPADDR_H

#include <stddef.h>
#include <stdint.h>

#define SMTP_LOCAL_MAX 64
#define SMTP_DOMAIN_MAX 255
#define SMTP_PATH_MAX 512
#define SMTP_ADDR_MAX (SMTP_LOCAL_MAX + 1 + SMTP_DOMAIN_MAX)
#define SMTP_ENVID_MAX 100 /* RFC 3461 §4.4 */
#define SMTP_ORCPT_MAX 500 /* RFC 3461 §4.2 */

enum {
	SMTP_ADDR_UTF8 = 1,	    /* SMTPUTF8 addresses allowed */
	SMTP_ADDR_NULL_OK = 2,	    /* "<>" allowed (MAIL) */
	SMTP_ADDR_POSTMASTER = 4,   /* "<postmaster>" allowed (RCPT) */
};

/* Errors, in errno: */
/*   EINVAL       syntax error                                          */
/*   ENAMETOOLONG a part over its limit                                 */
/*   EILSEQ       non-ASCII without SMTPUTF8, or malformed UTF-8        */
/*   ENOENT       unknown parameter keyword                             */
/*   EEXIST       a parameter given twice                               */
/*   ERANGE       SIZE does not fit in 64 bits                          */

struct smtp_addr {
	/* The mailbox as sent, route dropped: local@domain, "" for <>,
	 * "postmaster" for <postmaster>. */
	char addr[SMTP_ADDR_MAX + 1];
	size_t len;
	size_t domain; /* offset of the domain in addr; len if there is none */
	char local[SMTP_LOCAL_MAX + 1]; /* the local part, quotes removed */
	size_t local_len;
	unsigned quoted : 1;	 /* local part was a Quoted-string */
	unsigned literal : 1;	 /* domain is an address literal [...] */
	unsigned utf8 : 1;	 /* contains bytes >= 0x80 */
	unsigned route : 1;	 /* a source route was given (and dropped) */
	unsigned postmaster : 1; /* <postmaster> without a domain */
	unsigned null : 1;	 /* <> */
};

/*
 * Parses a path at p[0..n) (which must start with '<').  On success
 * returns 0, fills a and sets *used_r to the bytes up to and including
 * the '>'.  Returns -1 with errno (EINVAL, ENAMETOOLONG, EILSEQ).
 */
int smtp_path_parse(const char *p, size_t n, unsigned flags,
    struct smtp_addr *a, size_t *used_r);

enum smtp_body { SMTP_BODY_NONE = 0, SMTP_BODY_7BIT, SMTP_BODY_8BITMIME };
enum smtp_ret { SMTP_RET_NONE = 0, SMTP_RET_FULL, SMTP_RET_HDRS };

struct smtp_mail_params {
	uint64_t size;
	int has_size;
	enum smtp_body body;
	int smtputf8;
	enum smtp_ret ret;
	char envid[SMTP_ENVID_MAX + 1]; /* xtext as sent; "" if absent */
};

enum {
	SMTP_NOTIFY_NEVER = 1,
	SMTP_NOTIFY_SUCCESS = 2,
	SMTP_NOTIFY_FAILURE = 4,
	SMTP_NOTIFY_DELAY = 8,
};

struct smtp_rcpt_params {
	unsigned notify;		 /* SMTP_NOTIFY_* bits; 0 if absent */
	char orcpt[SMTP_ORCPT_MAX + 1]; /* "type;xtext" as sent; "" if absent */
};

/*
 * Parses a whole MAIL FROM argument "<path> params".  The SMTPUTF8
 * parameter allows a UTF-8 path whatever flags say about SMTP_ADDR_UTF8
 * (pass SMTP_ADDR_UTF8 when the server offers SMTPUTF8; without it the
 * SMTPUTF8 parameter is unknown).  BODY accepts 7BIT and 8BITMIME.
 * AUTH=<> or AUTH=xtext (RFC 4954 §5) is checked and ignored.
 * Returns 0, or -1 with errno; *what_r (may be NULL) then points to a
 * static word naming the part at fault ("path", "SIZE", ...).
 */
int smtp_mail_parse(const char *p, size_t n, unsigned flags,
    struct smtp_addr *a, struct smtp_mail_params *mp, const char **what_r);

/*
 * Parses a whole RCPT TO argument.  utf8 says whether the transaction's
 * MAIL carried SMTPUTF8.  NOTIFY is NEVER or a list of SUCCESS, FAILURE,
 * DELAY; ORCPT is addr-type ";" xtext.
 */
int smtp_rcpt_parse(const char *p, size_t n, int utf8, struct smtp_addr *a,
    struct smtp_rcpt_params *rp, const char **what_r);

/* 1 if p[0..n) is valid RFC 3461 xtext (may be empty), else 0. */
int smtp_xtext_valid(const char *p, size_t n);

/* 1 if p[0..n) is well-formed UTF-8 (shortest form, no surrogates). */
int smtp_utf8_valid(const char *p, size_t n);

/*
 * 1 if the unquoted local part holds a routing character ('@', '%', '!')
 * that some mail system might take as "relay further": such addresses in
 * a local domain must not be accepted.
 */
int smtp_addr_routing(const struct smtp_addr *a);

#endif
