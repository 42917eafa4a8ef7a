/*
 * libFuzzer target for lib/dhcprelay.  The first input byte picks the
 * relay's settings (untrusted option 82 policy, option 82 on or off, a
 * small or large size limit, a small output buffer); the rest is a
 * packet, handled both as a request from a client-side interface and as
 * a reply from a server.  Whatever the relay forwards must parse, fit its
 * limits and carry what the relay promised: hops + 1 and giaddr on a
 * request, exactly one option 82 (ours) when one was added, and no
 * option 82 of ours left in a reply.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcppkt.h"
#include "dhcprelay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct relay_cfg cfg;
static struct dhcp_msg m, m2;
static uint8_t out[DHCP_PKT_MAX];

static void
setup(uint8_t sel)
{
	relay_cfg_init(&cfg);
	strcpy(cfg.ifs[0].name, "eth1");
	cfg.ifs[0].index = 2;
	cfg.ifs[0].addr = 0x0a010001u;
	cfg.ifs[0].mask = 0xffffff00u;
	memcpy(cfg.ifs[0].circuit, "eth1", 4);
	cfg.ifs[0].circuit_len = 4;
	strcpy(cfg.ifs[1].name, "eth2");
	cfg.ifs[1].index = 3;
	cfg.ifs[1].addr = 0x0a020001u;
	cfg.ifs[1].mask = 0xffff0000u;
	cfg.ifs[1].circuit_len = 0;
	cfg.nifs = 2;
	cfg.servers[0] = 0xc0a80005u;
	cfg.nservers = 1;
	cfg.policy = (enum relay_policy)(sel % 3);
	cfg.add_agent = (sel >> 2) & 1;
	cfg.max_len = (sel >> 3) & 1 ? 548 : 1472;
	cfg.max_hops = 1 + (unsigned)((sel >> 5) & 3) * 5;
	if ((sel >> 4) & 1) {
		memcpy(cfg.remote, "remote", 6);
		cfg.remote_len = 6;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct relay_if *ifc;
	enum relay_why why;
	const char *detail;
	struct relay_dst d;
	uint8_t agent[255], *copy;
	const uint8_t *v;
	size_t n, cap, len;
	long o, alen;

	if (size < 1)
		return 0;
	setup(data[0]);
	ifc = &cfg.ifs[data[0] >> 7];
	n = size - 1;
	copy = malloc(n ? n : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data + 1, n);
	cap = (data[0] & 0x40) && n > 0 ? n : sizeof out;
	if (cap < DHCP_MIN_LEN)
		cap = sizeof out;

	detail = NULL;
	o = relay_request(&cfg, ifc, copy, n, out, cap, &m, &why, &detail);
	if (o < 0) {
		if (why == RW_OK || why >= RW_NWHY ||
		    (why == RW_MALFORMED && detail == NULL && n >= DHCP_MIN_LEN &&
			dhcp_parse(copy, n, &m2, NULL) != 0))
			abort();
	} else {
		if (why != RW_OK || (size_t)o > cap || o < DHCP_BOOTP_MIN)
			abort();
		if (dhcp_parse(out, (size_t)o, &m2, NULL) != 0)
			abort();
		if (m2.h.hops != m.h.hops + 1 || m2.h.hops > cfg.max_hops ||
		    m2.h.xid != m.h.xid ||
		    memcmp(m2.h.chaddr, m.h.chaddr, 16) != 0)
			abort();
		if (m.h.giaddr == 0 && m2.h.giaddr != ifc->addr)
			abort();
		if (m.h.giaddr != 0 && m2.h.giaddr != m.h.giaddr)
			abort();
		if (m.h.giaddr == cfg.ifs[0].addr ||
		    m.h.giaddr == cfg.ifs[1].addr)
			abort();
		alen = relay_agent_value(&cfg, ifc, agent, sizeof agent);
		if (m.h.giaddr == 0 && cfg.add_agent && alen > 0 &&
		    cfg.policy != RELAY_FORWARD) {
			/* Ours, whole, and the only one. */
			v = dhcp_opt(&m2, DHO_RELAY_AGENT, &len);
			if (v == NULL || len != (size_t)alen ||
			    memcmp(v, agent, len) != 0 || (size_t)o > cfg.max_len)
				abort();
		}
		if (m.h.giaddr == 0 && cfg.policy == RELAY_REPLACE &&
		    !cfg.add_agent && dhcp_has(&m2, DHO_RELAY_AGENT))
			abort();
		if (dhcp_msg_type(&m2) != dhcp_msg_type(&m))
			abort();
	}

	memset(&d, 0, sizeof d);
	o = relay_reply(&cfg, 0xc0a80005u, copy, n, out, cap, &m, &d, &why,
	    &detail);
	if (o < 0) {
		if (why == RW_OK || why >= RW_NWHY)
			abort();
	} else {
		if (why != RW_OK || (size_t)o > cap || o < DHCP_BOOTP_MIN ||
		    d.ifi >= cfg.nifs)
			abort();
		if (dhcp_parse(out, (size_t)o, &m2, NULL) != 0 ||
		    m2.h.op != BOOTREPLY || m2.h.giaddr != cfg.ifs[d.ifi].addr)
			abort();
		if (d.kind == RELAY_TO_BROADCAST && d.ip != 0xffffffffu)
			abort();
		if (d.kind == RELAY_TO_LINK &&
		    (d.ip != m2.h.yiaddr || memcmp(d.mac, m2.h.chaddr, 6) != 0))
			abort();
		/* Ours is gone; any other is left only under "forward". */
		if (dhcp_has(&m2, DHO_RELAY_AGENT) && cfg.policy != RELAY_FORWARD)
			abort();
	}
	/* Unknown servers are refused before anything is parsed. */
	if (relay_reply(&cfg, 0xc0a80006u, copy, n, out, cap, &m, &d, &why,
		&detail) != -1 || why != RW_UNKNOWN_SERVER)
		abort();
	free(copy);
	return 0;
}
