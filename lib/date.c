#include "date.h"

#include <errno.h>
#include <stdio.h>

int
date_rfc5322(time_t t, int utc, char *buf, size_t n)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
		"Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
		"May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	long off, aoff;
	int r;

	if ((utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)) == NULL) {
		errno = EOVERFLOW;
		return -1;
	}
	if (tm.tm_wday < 0 || tm.tm_wday > 6 || tm.tm_mon < 0 ||
	    tm.tm_mon > 11 || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) {
		errno = EOVERFLOW;
		return -1;
	}
	off = utc ? 0 : tm.tm_gmtoff / 60;
	aoff = off < 0 ? -off : off;
	r = snprintf(buf, n, "%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    off < 0 ? '-' : '+', aoff / 60 % 100, aoff % 60);
	if (r < 0 || (size_t)r >= n) {
		errno = ERANGE;
		return -1;
	}
	return r;
}
