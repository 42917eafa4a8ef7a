/*
 * libFuzzer target for lib/dhcpisc (ISC dhcpd.leases).  A refusal must
 * carry a position inside the input and a reason; every lease handed
 * out must be one dhcpd can journal (lease_format accepts it).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcpisc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(void *ctx, const struct lease_rec *r)
{
	char line[LEASE_LINE_MAX + 16];

	(void)ctx;
	if ((r->hlen != 0 && r->hlen != 6) || r->cidlen > LEASE_CID_MAX ||
	    strlen(r->host) > LEASE_HOST_MAX || r->end < r->start ||
	    r->state > LEASE_ABANDONED)
		abort();
	if (lease_format(r, line, sizeof line) < 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dhcpisc_err err;
	size_t i, lines = 1;

	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (dhcpisc_parse((const char *)data, size, check, NULL, &err) < 0 &&
	    (err.reason[0] == '\0' || err.line == 0 || err.line > lines ||
		err.col == 0))
		abort();
	return 0;
}
