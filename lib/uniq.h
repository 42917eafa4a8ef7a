/*
 * Unique names for files in Maildir and the spool:
 *
 *   time.MusecPpid_Rrand.host
 *
 * time and usec from the real-time clock, pid the process id, rand 64
 * random bits from the kernel (getrandom), host this machine's name with
 * '/' written as \057 and ':' as \072 (the Maildir convention) and any
 * other byte that is not a letter, digit, '-', '_' or '.' as \ooo, cut to
 * UNIQ_HOST_MAX bytes.  Two names made anywhere, at any time, differ.
 */
#ifndef FACTEUR_UNIQ_H
#define FACTEUR_UNIQ_H

#include <stddef.h>
#include <time.h>

#define UNIQ_HOST_MAX 64
#define UNIQ_MAX 160 /* enough for any name uniq_name makes */

/*
 * Writes a new unique name into buf (size n >= UNIQ_MAX) and the time
 * used into *t_r (may be NULL).  Returns the length, or -1 (ERANGE if
 * buf is too small).
 */
int uniq_name(char *buf, size_t n, time_t *t_r);

/*
 * Writes the Maildir-safe form of the host name into buf (size n);
 * returns the length, or -1.  Falls back to "localhost".
 */
int uniq_host(char *buf, size_t n);

#endif
