/*
 * libFuzzer target for the text parsers of lib/smtproute: the input is
 * a table as control_list gives it (lines become NUL-separated values);
 * its first line is also tried as a next hop and as a TLS policy, and
 * the table is looked up with the second line as the domain.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtproute.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nexthop nh;
	enum tls_policy pol;
	char *list = malloc(size + 1), *domain;
	const char *v;
	size_t i, count = 0, vlen, bad, first;
	int r;

	if (list == NULL)
		return 0;
	memcpy(list, data, size);
	list[size] = '\0';
	for (i = 0; i < size; i++)
		if (list[i] == '\n') {
			list[i] = '\0';
			count++;
		}
	first = strlen(list);
	if (nexthop_parse(list, first, &nh) == 0) {
		if (strlen(nh.host) == 0 || strlen(nh.host) > NEXTHOP_HOST_MAX ||
		    nh.port == 0)
			abort();
	}
	if (tls_policy_parse(list, first, &pol) == 0 &&
	    strcmp(tls_policy_name(pol), "?") == 0)
		abort();
	domain = first < size ? list + first + 1 : list + first;
	r = route_lookup(list, count, domain, &v, &vlen, &bad);
	if (r == 1 && (v < list || v + vlen > list + size || vlen == 0))
		abort();
	if (r == -1 && bad >= count)
		abort();
	free(list);
	return 0;
}
