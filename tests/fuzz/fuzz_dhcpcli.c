/*
 * libFuzzer target for the reply side of lib/dhcpcli.  The first input
 * byte picks the state the client is in (SELECTING, REQUESTING,
 * RENEWING, REBINDING, INIT-REBOOT) and whether the rest gets the
 * client's xid and hardware address patched in (so the fuzzer reaches
 * the validation); the rest is the reply.  Whatever the client accepts
 * must satisfy the checks the header promises, and the script's
 * environment must hold only safe bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhclientconf.h"
#include "dhcpcli.h"
#include "dhcppkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t mac[6] = { 0x04, 0x8d, 0x38, 0xcf, 0x7d, 0x41 };
static struct dcl d;
static struct dcc_conf conf;
static struct dcl_env env;
static uint8_t buf[DHCP_PKT_MAX];
static uint32_t counter;

static uint32_t
rnd(void *ctx)
{
	(void)ctx;
	return ++counter * 2654435761u;
}

/* A reply the client will take in its current state. */
static size_t
good(int type)
{
	static struct dhcp_out o;
	long n;

	dhcp_out_init(&o);
	o.h.op = BOOTREPLY;
	o.h.htype = 1;
	o.h.hlen = 6;
	o.h.xid = d.xid;
	o.h.yiaddr = 0x0a002a0au;
	memcpy(o.h.chaddr, mac, 6);
	(void)dhcp_out_add_u8(&o, DHO_MSG_TYPE, (uint8_t)type);
	(void)dhcp_out_add_u32(&o, DHO_SERVER_ID, 0x0a002a2au);
	(void)dhcp_out_add_u32(&o, DHO_LEASE_TIME, 100);
	(void)dhcp_out_add_u32(&o, DHO_SUBNET_MASK, 0xffffff00u);
	n = dhcp_build(&o, 1500, buf, sizeof buf, NULL);
	return n < 0 ? 0 : (size_t)n;
}

static void
check_lease(const struct dcl_lease *l)
{
	size_t n, i;
	const uint8_t *v;
	int bits = dcl_mask_bits(l->mask);

	if (bits < 1 || l->addr == 0 || l->addr >= 0xe0000000u ||
	    l->lease == 0 || l->t1 > l->t2 || l->t2 > l->lease)
		abort();
	if ((v = dcl_lease_opt(l, DHO_ROUTERS, &n)) != NULL)
		for (i = 0; i + 4 <= n; i += 4) {
			uint32_t r = (uint32_t)v[i] << 24 |
			    (uint32_t)v[i + 1] << 16 | (uint32_t)v[i + 2] << 8 |
			    v[i + 3];

			if ((r & l->mask) != (l->addr & l->mask))
				abort();
		}
	dcl_env_init(&env);
	(void)dcl_env_lease(&env, "new_", l, 1764800000);
	for (i = 0; i < env.n; i++) {
		const char *s = strchr(env.v[i], '=');

		if (s == NULL)
			abort();
		for (s++; *s; s++)
			if (!((*s >= 'a' && *s <= 'z') ||
				(*s >= 'A' && *s <= 'Z') ||
				(*s >= '0' && *s <= '9') ||
				strchr(" ._:/@+,=-", *s) != NULL))
				abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[DHCP_PKT_MAX];
	struct dcl_act a;
	const char *why;
	size_t n;
	int sel;

	if (size < 1 || size - 1 > sizeof pkt)
		return 0;
	sel = data[0];
	size--;
	memcpy(pkt, data + 1, size);
	dcc_defaults(&conf);
	memset(&d, 0, sizeof d);
	d.conf = &conf;
	memcpy(d.mac, mac, 6);
	strcpy(d.ifname, "c0");
	d.rnd = rnd;
	if ((sel & 7) == 4) {
		n = good(DHCPACK);
		dcl_start(&d, 0, buf, n, 100, &a);
	} else {
		dcl_start(&d, 0, NULL, 0, 0, &a);
		if ((sel & 7) >= 1) {
			n = good(DHCPOFFER);
			(void)dcl_input(&d, 10, buf, n, 0, &a, &why);
		}
		if ((sel & 7) >= 2) {
			n = good(DHCPACK);
			(void)dcl_input(&d, 20, buf, n, 0, &a, &why);
			dcl_timer(&d, dcl_next(&d), &a); /* RENEWING */
		}
		if ((sel & 7) >= 3)
			dcl_timer(&d, dcl_next(&d), &a); /* REBINDING */
	}
	if ((sel & 8) && size >= 34) {
		pkt[4] = (uint8_t)(d.xid >> 24);
		pkt[5] = (uint8_t)(d.xid >> 16);
		pkt[6] = (uint8_t)(d.xid >> 8);
		pkt[7] = (uint8_t)d.xid;
		memcpy(pkt + 28, mac, 6);
	}
	if (dcl_input(&d, 30, pkt, size, 0x0a002a2au, &a, &why) != 0) {
		if (why == NULL)
			abort();
		return 0;
	}
	if (a.new_lease != NULL)
		check_lease(a.new_lease);
	if (d.have_offer)
		check_lease(&d.offer);
	return 0;
}
