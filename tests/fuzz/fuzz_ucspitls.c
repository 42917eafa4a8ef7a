/*
 * libFuzzer target for lib/ucspitls's info-string parser.  Checks that a
 * complete parse is stable: every entry the callback sees has a good name
 * and value, used never exceeds the input or the limit, and feeding the
 * input one byte longer at a time reaches the same verdict.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ucspitls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
check(const char *name, size_t nl, const char *value, size_t vl, void *arg)
{
	size_t i, *count = arg;

	if (nl == 0 || nl > UCSPITLS_NAME_MAX)
		abort();
	for (i = 0; i < nl; i++)
		if (!((name[i] >= 'A' && name[i] <= 'Z') ||
			(name[i] >= '0' && name[i] <= '9') || name[i] == '_'))
			abort();
	for (i = 0; i < vl; i++)
		if ((unsigned char)value[i] < 0x20 ||
		    (unsigned char)value[i] > 0x7e)
			abort();
	(*count)++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	size_t used = 0, count = 0, k, used2;
	int r, r2;

	r = ucspitls_parse_info(p, size, &used, check, &count);
	if (r == 1 && (used > size || used > UCSPITLS_INFO_MAX || used < 2))
		abort();
	if (r != 1 && count != 0)
		abort();
	if (r == 1 && (p[used - 1] != '\0'))
		abort();
	/* A prefix never disagrees with the whole. */
	for (k = 0; k < size && k < 64; k++) {
		r2 = ucspitls_parse_info(p, k, &used2, NULL, NULL);
		if (r2 == 1 && (r != 1 || used2 != used))
			abort();
		if (r2 == -1 && r != -1)
			abort();
	}
	return 0;
}
