/*
 * DHCP relay agent packet logic; see dhcprelay.h.
 *
 * The packet is validated with dhcp_parse, then rewritten from the raw
 * bytes rather than rebuilt from the parsed form, so that everything the
 * relay has no business changing (option order, splitting, padding in
 * the middle, the file and sname fields) reaches the other side as the
 * sender wrote it.
 */
#include <errno.h>
#include <string.h>

#include "dhcprelay.h"

#define OFF_HOPS 3
#define OFF_GIADDR 24
#define OFF_SNAME 44
#define OFF_FILE 108

static const char *const why_names[RW_NWHY] = {
	[RW_OK] = "ok",
	[RW_MALFORMED] = "malformed",
	[RW_WRONG_OP] = "wrong-op",
	[RW_HOPS] = "hops",
	[RW_UNTRUSTED_82] = "untrusted-option-82",
	[RW_NO_ROOM] = "no-room-for-option-82",
	[RW_NOT_FOR_US] = "not-for-us",
	[RW_UNKNOWN_SERVER] = "unknown-server",
	[RW_BAD_GIADDR] = "giaddr-not-ours",
	[RW_FOREIGN_82] = "foreign-option-82",
	[RW_SPOOFED_GIADDR] = "spoofed-giaddr",
};

const char *
relay_why_name(enum relay_why w)
{
	if ((unsigned)w >= RW_NWHY)
		return "?";
	return why_names[w];
}

void
relay_cfg_init(struct relay_cfg *c)
{
	memset(c, 0, sizeof *c);
	c->max_hops = 4;
	c->max_len = 1472;
	c->add_agent = 1;
	c->policy = RELAY_DROP;
}

int
relay_for_us(const struct relay_if *ifc, uint32_t dst)
{
	if (dst == 0xffffffffu || dst == ifc->addr)
		return 1;
	/* A /31 or /32 has no subnet broadcast address. */
	if (ifc->mask < 0xfffffffeu && dst == (ifc->addr | ~ifc->mask))
		return 1;
	return 0;
}

long
relay_agent_value(const struct relay_cfg *c, const struct relay_if *ifc,
    uint8_t *out, size_t cap)
{
	return dhcp_ra_build(ifc->circuit, ifc->circuit_len, c->remote,
	    c->remote_len, out, cap > 255 ? 255 : cap);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * Copies the header, the cookie and the options field of in (already
 * checked by dhcp_parse) into out, without the end option and what
 * follows it, and without option 82 when drop82.  In the file and sname
 * fields (when overloaded) option 82 is overwritten with padding.
 * Returns the length copied, or -1 when out is too small.
 */
static long
copy_options(const struct dhcp_msg *m, const uint8_t *in, size_t n,
    uint8_t *out, size_t cap, int drop82)
{
	size_t i = DHCP_MIN_LEN, o = DHCP_MIN_LEN, len;
	uint8_t code;

	if (cap < DHCP_MIN_LEN || n < DHCP_MIN_LEN)
		return -1;
	memcpy(out, in, DHCP_MIN_LEN);
	while (i < n) {
		code = in[i];
		if (code == DHO_END)
			break;
		if (code == DHO_PAD) {
			i++;
			continue;
		}
		if (n - i < 2 || n - i - 2 < in[i + 1])
			return -1; /* dhcp_parse refuses this already */
		len = 2 + (size_t)in[i + 1];
		if (!(drop82 && code == DHO_RELAY_AGENT)) {
			if (cap - o < len)
				return -1;
			memcpy(out + o, in + i, len);
			o += len;
		}
		i += len;
	}
	if (drop82 && (m->overload & (DHCP_OVERLOAD_FILE | DHCP_OVERLOAD_SNAME))) {
		static const struct {
			uint8_t bit;
			size_t off, len;
		} area[2] = { { DHCP_OVERLOAD_FILE, OFF_FILE, 128 },
			{ DHCP_OVERLOAD_SNAME, OFF_SNAME, 64 } };
		size_t a;

		for (a = 0; a < 2; a++) {
			uint8_t *f = out + area[a].off;
			size_t j = 0;

			if (!(m->overload & area[a].bit))
				continue;
			while (j < area[a].len && f[j] != DHO_END) {
				if (f[j] == DHO_PAD) {
					j++;
					continue;
				}
				if (area[a].len - j < 2 ||
				    area[a].len - j - 2 < f[j + 1])
					return -1;
				len = 2 + (size_t)f[j + 1];
				if (f[j] == DHO_RELAY_AGENT)
					memset(f + j, DHO_PAD, len);
				j += len;
			}
		}
	}
	return (long)o;
}

/* Ends the options with the end option and pads to the BOOTP minimum. */
static long
finish(uint8_t *out, size_t o, size_t cap)
{
	if (cap - o < 1)
		return -1;
	out[o++] = DHO_END;
	if (o < DHCP_BOOTP_MIN) {
		if (cap < DHCP_BOOTP_MIN)
			return -1;
		memset(out + o, 0, DHCP_BOOTP_MIN - o);
		o = DHCP_BOOTP_MIN;
	}
	return (long)o;
}

static long
drop(enum relay_why *why_r, enum relay_why w)
{
	*why_r = w;
	return -1;
}

long
relay_request(const struct relay_cfg *c, const struct relay_if *ifc,
    const uint8_t *in, size_t n, uint8_t *out, size_t cap,
    struct dhcp_msg *m, enum relay_why *why_r, const char **detail_r)
{
	uint8_t agent[255];
	long alen = 0, o;
	int has82, add, strip, set_giaddr;

	if (detail_r != NULL)
		*detail_r = NULL;
	*why_r = RW_OK;
	if (dhcp_parse(in, n, m, detail_r) != 0)
		return drop(why_r, RW_MALFORMED);
	if (m->h.op != BOOTREQUEST)
		return drop(why_r, RW_WRONG_OP);
	if (m->h.hops >= c->max_hops || m->h.hops >= DHCPRELAY_MAXHOPS)
		return drop(why_r, RW_HOPS);
	has82 = dhcp_has(m, DHO_RELAY_AGENT);
	set_giaddr = m->h.giaddr == 0;
	if (!set_giaddr) {
		size_t i;

		/* No earlier relay uses our address: a forgery or a loop. */
		for (i = 0; i < c->nifs; i++)
			if (c->ifs[i].addr == m->h.giaddr)
				return drop(why_r, RW_SPOOFED_GIADDR);
	}
	/*
	 * Only the first relay, the one that sets giaddr, adds option 82:
	 * replies go to giaddr, so no later relay would see it come back.
	 * A request from a later hop keeps the option 82 of the first.  An
	 * option 82 with giaddr zero was put there by the client itself
	 * (RFC 3046 2.1.1): the policy says what becomes of it.
	 */
	strip = 0;
	add = c->add_agent && set_giaddr;
	if (has82 && set_giaddr) {
		switch (c->policy) {
		case RELAY_DROP:
			return drop(why_r, RW_UNTRUSTED_82);
		case RELAY_FORWARD:
			add = 0;
			break;
		case RELAY_REPLACE:
			strip = 1;
			break;
		}
	} else if (has82) {
		add = 0;
	}
	if (add && (alen = relay_agent_value(c, ifc, agent, sizeof agent)) < 0)
		return drop(why_r, RW_NO_ROOM);
	if (alen == 0)
		add = 0;
	o = copy_options(m, in, n, out, cap, strip);
	if (o < 0)
		return drop(why_r, RW_MALFORMED);
	if (add) {
		/*
		 * Option, length, value, and the end option after them.  A
		 * request the option would push past the limit is dropped
		 * rather than sent on without it: the server would then
		 * choose by giaddr alone, which the operator did not ask for.
		 */
		if ((size_t)o + 2 + (size_t)alen + 1 > c->max_len ||
		    cap - (size_t)o < 2 + (size_t)alen + 1)
			return drop(why_r, RW_NO_ROOM);
		out[o] = DHO_RELAY_AGENT;
		out[o + 1] = (uint8_t)alen;
		memcpy(out + o + 2, agent, (size_t)alen);
		o += 2 + alen;
	}
	out[OFF_HOPS] = (uint8_t)(m->h.hops + 1);
	if (set_giaddr)
		put32(out + OFF_GIADDR, ifc->addr);
	if ((o = finish(out, (size_t)o, cap)) < 0)
		return drop(why_r, RW_MALFORMED);
	return o;
}

/* Whether an option 82 value is the one the relay adds on ifc. */
static int
is_ours(const struct relay_cfg *c, const struct relay_if *ifc,
    const uint8_t *v, size_t len)
{
	struct dhcp_ra ra;

	if (dhcp_ra_parse(v, len, &ra) != 0)
		return 0;
	if (ra.circuit_len != ifc->circuit_len ||
	    (ra.circuit_len != 0 &&
		memcmp(ra.circuit_id, ifc->circuit, ra.circuit_len) != 0))
		return 0;
	if (ra.remote_len != c->remote_len ||
	    (ra.remote_len != 0 &&
		memcmp(ra.remote_id, c->remote, ra.remote_len) != 0))
		return 0;
	return 1;
}

long
relay_reply(const struct relay_cfg *c, uint32_t src, const uint8_t *in,
    size_t n, uint8_t *out, size_t cap, struct dhcp_msg *m,
    struct relay_dst *dst_r, enum relay_why *why_r, const char **detail_r)
{
	const struct relay_if *ifc = NULL;
	const uint8_t *v;
	size_t i, len;
	long o;
	int strip = 0;

	if (detail_r != NULL)
		*detail_r = NULL;
	*why_r = RW_OK;
	for (i = 0; i < c->nservers; i++)
		if (c->servers[i] == src)
			break;
	if (i == c->nservers)
		return drop(why_r, RW_UNKNOWN_SERVER);
	if (dhcp_parse(in, n, m, detail_r) != 0)
		return drop(why_r, RW_MALFORMED);
	if (m->h.op != BOOTREPLY)
		return drop(why_r, RW_WRONG_OP);
	for (i = 0; i < c->nifs; i++)
		if (c->ifs[i].addr == m->h.giaddr) {
			ifc = &c->ifs[i];
			break;
		}
	if (ifc == NULL)
		return drop(why_r, RW_BAD_GIADDR);
	if ((v = dhcp_opt(m, DHO_RELAY_AGENT, &len)) != NULL) {
		if (c->add_agent && is_ours(c, ifc, v, len))
			strip = 1;
		else if (c->policy != RELAY_FORWARD)
			/* Not what this relay sent: someone else's reply. */
			return drop(why_r, RW_FOREIGN_82);
		/* Otherwise it is the client's own, forwarded: kept. */
	}
	if ((o = copy_options(m, in, n, out, cap, strip)) < 0 ||
	    (o = finish(out, (size_t)o, cap)) < 0)
		return drop(why_r, RW_MALFORMED);

	memset(dst_r, 0, sizeof *dst_r);
	dst_r->ifi = (size_t)(ifc - c->ifs);
	if ((m->h.flags & DHCP_FLAG_BROADCAST) != 0 ||
	    dhcp_msg_type(m) == DHCPNAK) {
		/* RFC 2131 4.1: a NAK through a relay is broadcast. */
		dst_r->kind = RELAY_TO_BROADCAST;
		dst_r->ip = 0xffffffffu;
	} else if (m->h.ciaddr != 0) {
		/* The client has this address and answers ARP for it. */
		dst_r->kind = RELAY_TO_UDP;
		dst_r->ip = m->h.ciaddr;
	} else if (m->h.yiaddr != 0 && m->h.htype == 1 && m->h.hlen == 6) {
		dst_r->kind = RELAY_TO_LINK;
		dst_r->ip = m->h.yiaddr;
		memcpy(dst_r->mac, m->h.chaddr, 6);
	} else {
		/* No address (a NAK) or no Ethernet address to send to. */
		dst_r->kind = RELAY_TO_BROADCAST;
		dst_r->ip = 0xffffffffu;
	}
	return o;
}
