/*
 * The packet logic of a DHCP relay agent (RFC 1542 section 4, RFC 2131,
 * RFC 3046), with no I/O: dhcp-relay does the sockets, this module
 * decides what to forward and rewrites the bytes.
 *
 * Requests: a BOOTREQUEST from a client-side interface gets giaddr (when
 * no earlier relay set it), hops + 1 (refused at the hop limit) and
 * option 82 (circuit id, remote id) as the last option of the options
 * field, before the end option.  The packet is otherwise copied as it
 * came: option order, the file and sname fields, unknown options.  A
 * request that already carries option 82 while giaddr is zero comes from
 * an untrusted client: dropped, forwarded as it is, or its option 82
 * replaced, per the policy.  A request whose giaddr is already one of
 * the relay's own addresses is dropped (RFC 3046 2.1: a spoofed giaddr).  When option 82 would make the packet longer
 * than the configured maximum the request is dropped (RW_NO_ROOM).
 *
 * Replies: a BOOTREPLY from a configured server whose giaddr is one of
 * the client-side interfaces' addresses goes back to that interface with
 * the relay's own option 82 removed; an option 82 that is not the
 * relay's is refused (unless the policy forwards foreign option 82,
 * whose reply then keeps it).  The destination follows RFC 1542 5.4 and
 * RFC 2131 4.1: broadcast when the client asked for it, for a NAK, or
 * when the client has no address yet to be unicast to, otherwise ciaddr by UDP, or yiaddr at
 * the client's hardware address.
 *
 * Every packet is first checked by dhcp_parse (lib/dhcppkt.h): nothing
 * malformed is ever forwarded.  Limits: DHCP_PKT_MAX bytes in and out;
 * circuit and remote id at most 255 bytes each; DHCPRELAY_MAXIF
 * interfaces, DHCPRELAY_MAXSRV servers.
 */
#ifndef FACTEUR_DHCPRELAY_H
#define FACTEUR_DHCPRELAY_H

#include <stddef.h>
#include <stdint.h>

#include "dhcppkt.h"

#define DHCPRELAY_MAXIF 64
#define DHCPRELAY_MAXSRV 16
#define DHCPRELAY_MAXHOPS 16 /* RFC 1542 4.1.1: never more */

/* What to do with a client's request that already has option 82. */
enum relay_policy {
	RELAY_DROP = 0,    /* RFC 3046 2.1: discard (the default) */
	RELAY_FORWARD = 1, /* forward unchanged (a trusted circuit) */
	RELAY_REPLACE = 2, /* remove it, add the relay's own */
};

struct relay_if {
	char name[16];
	unsigned index;     /* kernel interface index */
	uint32_t addr, mask; /* host order */
	uint8_t circuit[255];
	size_t circuit_len;
};

struct relay_cfg {
	struct relay_if ifs[DHCPRELAY_MAXIF];
	size_t nifs;
	uint32_t servers[DHCPRELAY_MAXSRV]; /* host order */
	size_t nservers;
	unsigned max_hops;   /* drop requests whose hops reach this */
	size_t max_len;      /* longest request forwarded with option 82 */
	int add_agent;       /* add option 82 at all */
	enum relay_policy policy;
	uint8_t remote[255]; /* remote id; none when remote_len is 0 */
	size_t remote_len;
};

/* Why a packet was not relayed, or a note about one that was. */
enum relay_why {
	RW_OK = 0,
	RW_MALFORMED,     /* dhcp_parse refused it */
	RW_WRONG_OP,      /* a reply on the client side or vice versa */
	RW_HOPS,          /* hop limit reached */
	RW_UNTRUSTED_82,  /* option 82 from a client, policy drop */
	RW_NO_ROOM,       /* option 82 would not fit */
	RW_NOT_FOR_US,    /* unicast to someone else */
	RW_UNKNOWN_SERVER,
	RW_BAD_GIADDR,    /* reply for none of our interfaces */
	RW_FOREIGN_82,    /* reply with an option 82 that is not ours */
	RW_SPOOFED_GIADDR, /* request with one of our addresses as giaddr */
	RW_NWHY
};

/* A short name for the reason ("hops"), for logs and counters. */
const char *relay_why_name(enum relay_why w);

/* Sets the defaults: 4 hops, 1472 bytes, option 82 added, policy drop. */
void relay_cfg_init(struct relay_cfg *c);

/*
 * Whether a request received on interface ifc with IP destination dst
 * (host order) is addressed to the relay: the limited broadcast, the
 * interface's subnet broadcast or the interface's own address.
 */
int relay_for_us(const struct relay_if *ifc, uint32_t dst);

/*
 * Rewrites the BOOTREQUEST in[0..n) received on ifc into out (cap bytes,
 * at least DHCP_PKT_MAX).  Returns the length to send to every server
 * (*why_r is RW_OK), or -1 with *why_r the reason it is dropped.  *detail_r (may be NULL) gets
 * dhcp_parse's reason for RW_MALFORMED, else NULL.  m is scratch space
 * the caller provides (it is large); it holds the parsed request after.
 */
long relay_request(const struct relay_cfg *c, const struct relay_if *ifc,
    const uint8_t *in, size_t n, uint8_t *out, size_t cap,
    struct dhcp_msg *m, enum relay_why *why_r, const char **detail_r);

enum relay_dst_kind {
	RELAY_TO_BROADCAST, /* 255.255.255.255 out of the interface */
	RELAY_TO_UDP,       /* ordinary UDP to ip (the client has it) */
	RELAY_TO_LINK,      /* ip at the hardware address mac */
};

struct relay_dst {
	enum relay_dst_kind kind;
	size_t ifi;     /* index into c->ifs */
	uint32_t ip;    /* host order; 0xffffffff for broadcast */
	uint8_t mac[6];
};

/*
 * Checks and rewrites the BOOTREPLY in[0..n) from src (host order) into
 * out (cap bytes, at least DHCP_PKT_MAX) and tells where it goes.
 * Returns the length, or -1 with *why_r the reason it is dropped (and
 * *detail_r as for relay_request).
 */
long relay_reply(const struct relay_cfg *c, uint32_t src, const uint8_t *in,
    size_t n, uint8_t *out, size_t cap, struct dhcp_msg *m,
    struct relay_dst *dst_r, enum relay_why *why_r, const char **detail_r);

/*
 * Builds the option 82 value the relay adds on interface ifc into out
 * (at least 255 bytes); returns its length (0: none) or -1 when the
 * circuit and remote ids together do not fit in one option.
 */
long relay_agent_value(const struct relay_cfg *c, const struct relay_if *ifc,
    uint8_t *out, size_t cap);

#endif
