/*
 * libFuzzer target for mx_parse (lib/smtproute): any DNS answer either
 * is refused as malformed or gives host names of letters, digits, '-',
 * '_' and dots, within NEXTHOP_HOST_MAX, which mx_sort and
 * mx_prune_self then handle.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtproute.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t
counter(void *arg)
{
	uint32_t *c = arg;

	return (*c)++ * 2654435761u;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mx_rec mx[16];
	int n, nullmx, self;
	size_t i, k, len;
	uint32_t c = 1;

	n = mx_parse(data, size, mx, 16, &nullmx);
	if (n < -1 || n > 16)
		abort();
	for (i = 0; i < (size_t)(n > 0 ? n : 0); i++) {
		len = strlen(mx[i].host);
		if (len == 0 || len > NEXTHOP_HOST_MAX || mx[i].pref > 65535)
			abort();
		for (k = 0; k < len; k++)
			if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789-_.", mx[i].host[k]) == NULL)
				abort();
	}
	if (n > 0) {
		mx_sort(mx, (size_t)n, counter, &c);
		for (i = 1; i < (size_t)n; i++)
			if (mx[i - 1].pref > mx[i].pref)
				abort();
		if (mx_prune_self(mx, (size_t)n, mx[n - 1].host, &self) >
			(size_t)n || !self)
			abort();
	}
	return 0;
}
