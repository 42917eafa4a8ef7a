/*
 * libFuzzer target for lib/dhcpconf.  The input is a dhcpd.conf; host
 * names resolve (without DNS) to an address made from their length.  A
 * refusal must carry a position inside the input; an accepted file must
 * satisfy the invariants dhcpd relies on.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcpconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
resolve(void *ctx, const char *name, uint32_t *ip_r)
{
	size_t n = strlen(name);

	(void)ctx;
	if (n % 3 == 0)
		return -1;
	*ip_r = 0x0a000000u | (uint32_t)n;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dhcpconf c;
	struct dhcpconf_err err;
	char *copy;
	size_t i, j, lines = 1;

	copy = malloc(size ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	for (i = 0; i < size; i++)
		lines += copy[i] == '\n';
	if (dhcpconf_parse("f", copy, size, resolve, NULL, &c, &err) != 0) {
		if (err.reason[0] == '\0' || err.line > lines ||
		    c.nscopes != 0)
			abort();
		free(copy);
		return 0;
	}
	free(copy);
	for (i = 0; i < c.nsubnets; i++) {
		const struct dhcpconf_subnet *s = &c.subnets[i];

		if ((s->net & ~s->mask) != 0 || s->scope <= 0 ||
		    (size_t)s->scope >= c.nscopes)
			abort();
		for (j = 0; j < s->nranges; j++)
			if (s->ranges[j].lo > s->ranges[j].hi ||
			    (s->ranges[j].lo & s->mask) != s->net)
				abort();
	}
	for (i = 0; i < c.nhosts; i++)
		if (c.hosts[i].hlen != 6 || c.hosts[i].scope <= 0)
			abort();
	for (i = 1; i < c.nscopes; i++)
		if (c.scopes[i].parent < 0 || (size_t)c.scopes[i].parent >= i)
			abort();
	dhcpconf_free(&c);
	return 0;
}
