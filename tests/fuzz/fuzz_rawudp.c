/*
 * libFuzzer target for lib/rawudp: the input is parsed as an Ethernet
 * frame (UDP, then ARP); what parses is built again and must parse to
 * the same payload.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rawudp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[RAWUDP_FRAME_MAX];
	struct rawudp u, v;
	struct rawudp_arp a;
	const char *why = NULL;
	uint8_t *copy;
	long n;

	copy = malloc(size ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	if (rawudp_parse_eth(copy, size, (int)(size & 1), &u, &why) == 0) {
		if (u.payload < copy || u.payload + u.len > copy + size)
			abort();
		n = rawudp_build_eth(&u, buf, sizeof buf);
		if (n < 0)
			abort();
		if (rawudp_parse_eth(buf, (size_t)n, 0, &v, &why) != 0 ||
		    v.len != u.len || memcmp(v.payload, u.payload, u.len) != 0)
			abort();
	} else if (why == NULL)
		abort();
	(void)rawudp_parse_arp(copy, size, &a, &why);
	free(copy);
	return 0;
}
