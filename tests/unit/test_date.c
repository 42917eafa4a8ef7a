/*
 * Unit tests for lib/date: RFC 5322 dates for known instants in fixed
 * zones (set through TZ), odd offsets, far years and small buffers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "date.h"

#define CANARY 0xa5

static void
set_tz(const char *tz)
{
	assert_int_equal(setenv("TZ", tz, 1), 0);
	tzset();
}

/* A named zone needs the tz database; skip the test without it. */
static void
need_zone(const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name);
	if (stat(path, &st) != 0)
		skip();
	set_tz(name);
}

static int
teardown(void **state)
{
	(void)state;
	unsetenv("TZ");
	tzset();
	return 0;
}

static void
check(time_t t, int utc, const char *want)
{
	char buf[DATE_RFC5322_MAX];
	int n;

	memset(buf, CANARY, sizeof buf);
	n = date_rfc5322(t, utc, buf, sizeof buf);
	if (n < 0)
		fail_msg("date_rfc5322(%lld): %s", (long long)t,
		    strerror(errno));
	assert_string_equal(buf, want);
	assert_int_equal((size_t)n, strlen(want));
}

static void
test_utc(void **state)
{
	(void)state;
	set_tz("UTC");
	check(0, 1, "Thu, 01 Jan 1970 00:00:00 +0000");
	check(0, 0, "Thu, 01 Jan 1970 00:00:00 +0000");
	check(1000000000, 1, "Sun, 09 Sep 2001 01:46:40 +0000");
	check(1234567890, 0, "Fri, 13 Feb 2009 23:31:30 +0000");
	check(1700000000, 1, "Tue, 14 Nov 2023 22:13:20 +0000");
	check(-1, 1, "Wed, 31 Dec 1969 23:59:59 +0000");
	/* Every weekday and month name, single-digit days padded. */
	check(1704067200, 1, "Mon, 01 Jan 2024 00:00:00 +0000");
	check(1706918400, 1, "Sat, 03 Feb 2024 00:00:00 +0000");
	check(1710115200, 1, "Mon, 11 Mar 2024 00:00:00 +0000");
	check(1712534400, 1, "Mon, 08 Apr 2024 00:00:00 +0000");
	check(1715126400, 1, "Wed, 08 May 2024 00:00:00 +0000");
	check(1717718400, 1, "Fri, 07 Jun 2024 00:00:00 +0000");
	check(1720310400, 1, "Sun, 07 Jul 2024 00:00:00 +0000");
	check(1722902400, 1, "Tue, 06 Aug 2024 00:00:00 +0000");
	check(1725494400, 1, "Thu, 05 Sep 2024 00:00:00 +0000");
	check(1728086400, 1, "Sat, 05 Oct 2024 00:00:00 +0000");
	check(1730678400, 1, "Mon, 04 Nov 2024 00:00:00 +0000");
	check(1733270400, 1, "Wed, 04 Dec 2024 00:00:00 +0000");
	check(1733356800, 1, "Thu, 05 Dec 2024 00:00:00 +0000");
	check(1733529600, 1, "Sat, 07 Dec 2024 00:00:00 +0000");
	check(1733616000, 1, "Sun, 08 Dec 2024 00:00:00 +0000");
	check(1733443200, 1, "Fri, 06 Dec 2024 00:00:00 +0000");
	check(1733184000, 1, "Tue, 03 Dec 2024 00:00:00 +0000");
	check(1735689599, 1, "Tue, 31 Dec 2024 23:59:59 +0000");
}

static void
test_leap_days(void **state)
{
	(void)state;
	set_tz("UTC");
	check(1709208000, 1, "Thu, 29 Feb 2024 12:00:00 +0000");
	check(1709251199, 1, "Thu, 29 Feb 2024 23:59:59 +0000");
	check(1709251200, 1, "Fri, 01 Mar 2024 00:00:00 +0000");
	/* 2000 is a leap year (divisible by 400), 2100 is not. */
	check(951782400, 1, "Tue, 29 Feb 2000 00:00:00 +0000");
	check(4107456000, 1, "Sun, 28 Feb 2100 00:00:00 +0000");
	check(4107542400, 1, "Mon, 01 Mar 2100 00:00:00 +0000");
}

static void
test_far_years(void **state)
{
	(void)state;
	set_tz("UTC");
	check(2147483647, 1, "Tue, 19 Jan 2038 03:14:07 +0000");
	check(2147483648, 1, "Tue, 19 Jan 2038 03:14:08 +0000");
	check(4102444800, 1, "Fri, 01 Jan 2100 00:00:00 +0000");
	check(4102444800, 0, "Fri, 01 Jan 2100 00:00:00 +0000");
	check(253402300799, 1, "Fri, 31 Dec 9999 23:59:59 +0000");
	check(-2208988800, 1, "Mon, 01 Jan 1900 00:00:00 +0000");
}

static void
test_kolkata(void **state)
{
	(void)state;
	need_zone("Asia/Kolkata");
	check(0, 0, "Thu, 01 Jan 1970 05:30:00 +0530");
	check(1700000000, 0, "Wed, 15 Nov 2023 03:43:20 +0530");
	/* The offset moves the date across midnight and a leap day. */
	check(1709231400, 0, "Fri, 01 Mar 2024 00:00:00 +0530");
	check(1709231399, 0, "Thu, 29 Feb 2024 23:59:59 +0530");
	/* utc != 0 ignores the zone. */
	check(1700000000, 1, "Tue, 14 Nov 2023 22:13:20 +0000");
	check(4102444800, 0, "Fri, 01 Jan 2100 05:30:00 +0530");
}

static void
test_new_york(void **state)
{
	(void)state;
	need_zone("America/New_York");
	/* Winter and summer time. */
	check(1700000000, 0, "Tue, 14 Nov 2023 17:13:20 -0500");
	check(1690000000, 0, "Sat, 22 Jul 2023 00:26:40 -0400");
	check(0, 0, "Wed, 31 Dec 1969 19:00:00 -0500");
	check(4102444800, 0, "Thu, 31 Dec 2099 19:00:00 -0500");
	check(4118083200, 0, "Wed, 30 Jun 2100 20:00:00 -0400");
	check(1690000000, 1, "Sat, 22 Jul 2023 04:26:40 +0000");
}

/* POSIX TZ strings need no tz database: these always run. */
static void
test_posix_zones(void **state)
{
	(void)state;
	set_tz("<+0530>-5:30");
	check(0, 0, "Thu, 01 Jan 1970 05:30:00 +0530");
	check(1700000000, 0, "Wed, 15 Nov 2023 03:43:20 +0530");
	set_tz("<+0545>-5:45");
	check(1700000000, 0, "Wed, 15 Nov 2023 03:58:20 +0545");
	/* Negative offsets with minutes: the sign covers the minutes. */
	set_tz("<-0330>3:30");
	check(0, 0, "Wed, 31 Dec 1969 20:30:00 -0330");
	set_tz("<-0030>0:30");
	check(0, 0, "Wed, 31 Dec 1969 23:30:00 -0030");
	set_tz("<+14>-14");
	check(0, 0, "Thu, 01 Jan 1970 14:00:00 +1400");
	set_tz("<-12>12");
	check(0, 0, "Wed, 31 Dec 1969 12:00:00 -1200");
	set_tz("EST5EDT,M3.2.0,M11.1.0");
	check(1700000000, 0, "Tue, 14 Nov 2023 17:13:20 -0500");
	check(1690000000, 0, "Sat, 22 Jul 2023 00:26:40 -0400");
	set_tz("UTC0");
	check(1700000000, 0, "Tue, 14 Nov 2023 22:13:20 +0000");
}

static void
test_locale_independent(void **state)
{
	static const char *const locales[] = { "fr_FR.UTF-8", "de_DE.UTF-8",
		"ja_JP.UTF-8", "C.UTF-8" };
	size_t i;
	(void)state;

	set_tz("UTC");
	for (i = 0; i < sizeof locales / sizeof locales[0]; i++) {
		if (setlocale(LC_ALL, locales[i]) == NULL)
			continue;
		check(1733270400, 1, "Wed, 04 Dec 2024 00:00:00 +0000");
	}
	setlocale(LC_ALL, "C");
}

static void
test_small_buffers(void **state)
{
	static const char want[] = "Thu, 01 Jan 1970 05:30:00 +0530";
	unsigned char buf[DATE_RFC5322_MAX + 16];
	size_t n, i;
	(void)state;

	set_tz("<+0530>-5:30");
	for (n = 0; n < sizeof want; n++) {
		memset(buf, CANARY, sizeof buf);
		errno = 0;
		assert_int_equal(date_rfc5322(0, 0, (char *)buf, n), -1);
		assert_int_equal(errno, ERANGE);
		for (i = n; i < sizeof buf; i++)
			if (buf[i] != CANARY)
				fail_msg("size %zu: byte %zu written", n, i);
	}
	memset(buf, CANARY, sizeof buf);
	assert_int_equal(date_rfc5322(0, 0, (char *)buf, sizeof want),
	    (int)sizeof want - 1);
	assert_string_equal((char *)buf, want);
	assert_int_equal(buf[sizeof want], CANARY);
}

static void
test_unconvertible(void **state)
{
	static const time_t bad[] = { (time_t)1 << 62, -((time_t)1 << 62),
		INT64_MAX, INT64_MIN };
	char buf[DATE_RFC5322_MAX];
	size_t i;
	(void)state;

	set_tz("UTC");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		errno = 0;
		assert_int_equal(date_rfc5322(bad[i], 1, buf, sizeof buf), -1);
		assert_int_equal(errno, EOVERFLOW);
		errno = 0;
		assert_int_equal(date_rfc5322(bad[i], 0, buf, sizeof buf), -1);
		assert_int_equal(errno, EOVERFLOW);
	}
	/* Whatever a year past 9999 gives, it fits the buffer. */
	for (i = 0; i < 3; i++) {
		time_t t = (time_t)253402300800 + (time_t)i * 86400 * 366 * 1000;
		int n;

		memset(buf, CANARY, sizeof buf);
		n = date_rfc5322(t, 1, buf, sizeof buf);
		if (n >= 0)
			assert_int_equal(strlen(buf), (size_t)n);
		else
			assert_true(errno == EOVERFLOW || errno == ERANGE);
	}
}

int
main(void)
{
#define T(f) cmocka_unit_test_teardown(f, teardown)
	const struct CMUnitTest tests[] = {
		T(test_utc),
		T(test_leap_days),
		T(test_far_years),
		T(test_kolkata),
		T(test_new_york),
		T(test_posix_zones),
		T(test_locale_independent),
		T(test_small_buffers),
		T(test_unconvertible),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
