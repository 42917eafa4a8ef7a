/*
 * The checkpassword record: what a login program writes to a
 * checkpassword program's descriptor 3 (djb's interface).
 *
 *   user \0 secret \0 challenge \0 [anything]
 *
 * at most CHECKPASS_MAX bytes in all, read through end of file.  The user
 * and the secret must each end in a NUL byte.  The challenge (a POP3
 * timestamp, a CRAM-MD5 challenge, or nothing) may be missing altogether
 * (input ends after the secret's NUL), and then is empty; if present it
 * must end in a NUL byte.  Bytes after the challenge's NUL are allowed by
 * the interface and ignored.  Bytes are not otherwise interpreted: the
 * caller decides what a user name may be.
 *
 * The record holds a secret: checkpass_wipe it when done.
 */
#ifndef FACTEUR_CHECKPASS_H
#define FACTEUR_CHECKPASS_H

#include <stddef.h>

#define CHECKPASS_MAX 512

struct checkpass {
	char buf[CHECKPASS_MAX + 1];
	size_t len;
	const char *user, *secret, *challenge; /* NUL-terminated, into buf */
	size_t user_len, secret_len, challenge_len;
};

/*
 * Parses n bytes at p into *cp (copying them).  Returns 0, or -1 with
 * errno E2BIG (more than CHECKPASS_MAX bytes) or EINVAL (a field lacks
 * its NUL); *cp is wiped on error.
 */
int checkpass_parse(struct checkpass *cp, const void *p, size_t n);

/*
 * Reads fd through end of file, waiting at most timeout_ms in all (-1:
 * no limit), then parses what it read.  Stops reading after
 * CHECKPASS_MAX + 1 bytes.  Returns 0, or -1 with errno E2BIG, EINVAL,
 * ETIMEDOUT, or what read(2) or poll(2) said (EBADF: fd not open).
 */
int checkpass_read(int fd, int timeout_ms, struct checkpass *cp);

/* Overwrites the record with zeros. */
void checkpass_wipe(struct checkpass *cp);

#endif
