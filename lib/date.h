/*
 * RFC 5322 §3.3 date-time formatting:
 *
 *   Thu, 03 Dec 2026 20:15:32 +0100
 *
 * English day and month names whatever the locale, two-digit day, the
 * local zone offset (or +0000 for UTC).
 */
#ifndef FACTEUR_DATE_H
#define FACTEUR_DATE_H

#include <stddef.h>
#include <time.h>

#define DATE_RFC5322_MAX 40

/*
 * Formats t in local time (utc == 0) or UTC into buf (size n >=
 * DATE_RFC5322_MAX).  Returns the length, or -1 (ERANGE if buf is too
 * small, EOVERFLOW if t cannot be converted).
 */
int date_rfc5322(time_t t, int utc, char *buf, size_t n);

#endif
