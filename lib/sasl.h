/*
 * The server side of SASL for the login programs (pop3-login,
 * imap-login): PLAIN (RFC 4616), LOGIN, CRAM-MD5 (RFC 2195) responses,
 * base64 answers, and running a checkpassword program with the result.
 * No I/O with the client here: the protocol program sends challenges and
 * reads answers; this module only decides what they mean.
 *
 * Limits: an answer line is at most SASL_LINE_MAX bytes; a checkpassword
 * record at most CHECKPASS_MAX (user, secret and challenge together).
 */
#ifndef FACTEUR_SASL_H
#define FACTEUR_SASL_H

#include <stddef.h>

#include "str.h"

#define SASL_LINE_MAX 8192
#define SASL_CHALLENGE_MAX 256

/*
 * Strips the line end (CRLF or LF) of one client answer line and checks
 * it holds no other CR, LF, NUL or control byte.  Returns 0 with the
 * length left in *len_r, or -1 (errno E2BIG over SASL_LINE_MAX, EILSEQ).
 */
int sasl_line(const char *line, size_t len, size_t *len_r);

/*
 * Decodes one base64 answer into out (emptied first); "=" is an empty
 * answer (RFC 4954, RFC 9051 SASL-IR).  Strict base64.  0, or -1 (EINVAL,
 * ENOMEM).
 */
int sasl_decode(const char *p, size_t n, struct str *out);

/* Is the answer "*", the client's way to abort? */
int sasl_is_abort(const char *p, size_t n);

struct sasl_cred {
	const char *user; /* into the decoded answer; not NUL-terminated */
	size_t ulen;
	const char *secret;
	size_t slen;
};

/*
 * Splits a PLAIN answer "authzid NUL authcid NUL passwd".  An authzid is
 * allowed only when empty or equal to authcid (nobody logs in as someone
 * else).  Returns 0, or -1 with *why_r: "malformed PLAIN response" or
 * "authorization identity differs" (errno EINVAL or EPERM).
 */
int sasl_plain(const char *p, size_t n, struct sasl_cred *c,
    const char **why_r);

/*
 * Makes a CRAM-MD5 challenge "<random.time@host>" into buf (size >=
 * SASL_CHALLENGE_MAX).  Returns its length, or -1 (getrandom failed).
 */
int sasl_cram_challenge(char *buf, size_t n);

/*
 * Splits a CRAM-MD5 answer "user SP 32-lower-hex-digest".  0 or -1
 * (EINVAL).  The digest goes to c->secret (32 bytes).
 */
int sasl_cram(const char *p, size_t n, struct sasl_cred *c);

/*
 * Runs the checkpassword program argv with "user\0secret\0challenge\0" on
 * its descriptor 3, the other descriptors as they are (but close_fds,
 * which the child closes first; -1 entries are skipped), and waits for
 * it.  Refuses (-1, EINVAL) an empty user, NUL bytes in user or secret
 * and (E2BIG) a record over CHECKPASS_MAX without running anything.
 * Returns 0 with the wait status in *status_r, or -1 with errno (pipe,
 * fork, waitpid).  If exec fails the child exits 111.  The record is
 * wiped from memory in both processes.
 */
int sasl_checkpw(char *const argv[], const char *user, size_t ulen,
    const char *secret, size_t slen, const char *chal, size_t clen,
    const int *close_fds, size_t nclose, int *status_r);

#endif
