/*
 * libFuzzer target for lib/num.  The first 8 bytes (when there are more
 * than 8) choose the limit, the rest is the number.  Every result is
 * checked against a slow reference parser.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"

#define SENTINEL UINT64_C(0x5a5a5a5a5a5a5a5a)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The reference: the value of the leading digits (run = their count),
 * with *over set if it exceeds UINT64_MAX.
 */
static uint64_t
ref_digits(const char *s, size_t len, size_t *run, int *over)
{
	uint64_t v = 0;
	size_t i;

	*over = 0;
	for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (*over)
			continue;
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(s[i] - '0'), &v))
			*over = 1;
	}
	*run = i;
	return v;
}

static void
check_prefix(const char *s, size_t len, uint64_t max)
{
	uint64_t v = SENTINEL, want;
	size_t used = SIZE_MAX, run;
	int over, r;

	want = ref_digits(s, len, &run, &over);
	errno = 0;
	r = num_u64_prefix(s, len, max, &v, &used);
	if (run == 0) {
		if (r != -1 || errno != EINVAL || v != SENTINEL)
			abort();
	} else if (over || want > max) {
		if (r != -1 || errno != ERANGE || v != SENTINEL)
			abort();
	} else {
		if (r != 0 || v != want || used != run)
			abort();
		/* What follows the digits is not a digit. */
		if (used < len && s[used] >= '0' && s[used] <= '9')
			abort();
	}
}

static void
check_whole(const char *s, size_t len, uint64_t max)
{
	uint64_t v = SENTINEL, want;
	size_t run;
	int over, r;

	want = ref_digits(s, len, &run, &over);
	errno = 0;
	r = num_u64(s, len, max, &v);
	if (run == len && len > 0 && !over && want <= max) {
		if (r != 0 || v != want)
			abort();
		return;
	}
	/* Refused, *v_r untouched, and a reason that fits the input. */
	if (r != -1 || v != SENTINEL)
		abort();
	if (run == len && len > 0) {
		if (errno != ERANGE)
			abort();
	} else if (errno != EINVAL) {
		/* Junk after too many digits may be called either. */
		if (errno != ERANGE || run == 0 || !(over || want > max))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t max = UINT64_MAX, v1 = SENTINEL, v2 = SENTINEL;
	char *copy;
	int r1, r2, e1, e2;

	if (size > 8) {
		memcpy(&max, data, 8);
		/* Often the natural limits. */
		if (data[0] & 1)
			max = UINT64_MAX;
		data += 8;
		size -= 8;
	}
	/* An exact-size copy, so reading past len is caught by ASan. */
	copy = malloc(size + 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	check_whole(copy, size, max);
	check_prefix(copy, size, max);

	/* num_u64z is num_u64 up to the first NUL. */
	copy[size] = '\0';
	errno = 0;
	r1 = num_u64z(copy, max, &v1);
	e1 = errno;
	errno = 0;
	r2 = num_u64(copy, strlen(copy), max, &v2);
	e2 = errno;
	if (r1 != r2 || v1 != v2 || (r1 < 0 && e1 != e2))
		abort();
	free(copy);
	return 0;
}
