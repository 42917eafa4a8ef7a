/*
 * libFuzzer target for lib/dhcppkt.  The input is parsed as a packet;
 * when it parses, every option is copied into a reply that is built at
 * the packet's maximum size and parsed again, and what came through must
 * be byte for byte what went in.  Options 82, 119 and 121 also go through
 * their decoders.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcppkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dhcp_msg m, m2;
static struct dhcp_out o;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy, buf[DHCP_PKT_MAX];
	const char *why = NULL;
	unsigned dropped = 0, c;
	size_t len, len2;
	const uint8_t *v, *v2;
	char names[1024];
	struct dhcp_route routes[64];
	struct dhcp_ra ra;
	long n;

	/* An exact-size copy, so reading past the end is caught. */
	copy = malloc(size ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	if (dhcp_parse(copy, size, &m, &why) != 0) {
		if (why == NULL)
			abort();
		free(copy);
		return 0;
	}
	free(copy);
	if (m.h.hlen > 16)
		abort();
	if ((v = dhcp_opt(&m, DHO_DOMAIN_SEARCH, &len)) != NULL)
		(void)dhcp_dnssearch_decode(v, len, names, sizeof names);
	if ((v = dhcp_opt(&m, DHO_CLASSLESS_ROUTES, &len)) != NULL)
		(void)dhcp_routes_decode(v, len, routes, 64);
	if ((v = dhcp_opt(&m, DHO_RELAY_AGENT, &len)) != NULL &&
	    dhcp_ra_parse(v, len, &ra) != 0)
		abort(); /* the parser checked it already */

	dhcp_out_init(&o);
	o.h = m.h;
	if (m.overload & DHCP_OVERLOAD_FILE)
		memset(o.h.file, 0, sizeof o.h.file);
	if (m.overload & DHCP_OVERLOAD_SNAME)
		memset(o.h.sname, 0, sizeof o.h.sname);
	if ((v = dhcp_opt(&m, DHO_MSG_TYPE, &len)) != NULL)
		(void)dhcp_out_add(&o, DHO_MSG_TYPE, v, len);
	for (c = 1; c < 255; c++) {
		if (c == DHO_OVERLOAD || c == DHO_MSG_TYPE)
			continue;
		if ((v = dhcp_opt(&m, (uint8_t)c, &len)) != NULL)
			if (dhcp_out_add(&o, (uint8_t)c, v, len) != 0)
				abort();
	}
	n = dhcp_build(&o, dhcp_max_reply(&m), buf, sizeof buf, &dropped);
	if (n < 0)
		return 0;
	if (n < DHCP_BOOTP_MIN || (size_t)n > dhcp_max_reply(&m))
		abort();
	if (dhcp_parse(buf, (size_t)n, &m2, &why) != 0)
		abort();
	for (c = 1; c < 255; c++) {
		if (c == DHO_OVERLOAD)
			continue;
		v = dhcp_opt(&m, (uint8_t)c, &len);
		v2 = dhcp_opt(&m2, (uint8_t)c, &len2);
		if (v2 == NULL) {
			if (v != NULL && dropped == 0)
				abort();
			continue;
		}
		if (v == NULL || len != len2 || memcmp(v, v2, len) != 0)
			abort();
	}
	return 0;
}
