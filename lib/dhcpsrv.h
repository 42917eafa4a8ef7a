/*
 * The DHCP server engine: RFC 2131 state handling and address
 * allocation, without any I/O, so it can be tested on its own.  dhcpd
 * feeds it parsed requests and does the sockets, the lease journal, the
 * ping checks and the timing.
 *
 * Allocation: every address of every range has a slot.  Free slots sit
 * in a FIFO per subnet (never-used addresses first, in ascending order,
 * then released ones, so an address is reused as late as possible);
 * leases sit in a min-heap per subnet by expiry, so an expired lease is
 * found in O(log n); clients are found through a hash of their client
 * identifier (option 61) or, without one, their hardware address.
 * Nothing walks a pool or the lease list per request.
 *
 * Reservations (host declarations) match by hardware address even when
 * the client sends a client identifier.
 */
#ifndef FACTEUR_DHCPSRV_H
#define FACTEUR_DHCPSRV_H

#include <stddef.h>
#include <stdint.h>

#include "dhcpconf.h"
#include "dhcplease.h"
#include "dhcppkt.h"

#define DHCPSRV_OFFER_HOLD 60     /* seconds an offered address is held */
#define DHCPSRV_ABANDON_TIME 3600 /* seconds a declined address rests */

struct dhcpsrv;

/* Where a request came from. */
struct dhcpsrv_rx {
	uint32_t local_ip; /* our address on the receiving interface */
	int relay_ok;      /* giaddr may be trusted on this interface */
};

enum dhcpsrv_act {
	DHCPSRV_DROP,   /* no reply (why says why) */
	DHCPSRV_SEND,   /* send reply now */
	DHCPSRV_COMMIT, /* make rec durable, then send reply */
	DHCPSRV_PING,   /* check ping_ip is unused, then handle again */
};

enum dhcpsrv_dst {
	DHCPSRV_TO_RELAY,     /* dst_ip port 67 */
	DHCPSRV_TO_UNICAST,   /* dst_ip port 68 */
	DHCPSRV_TO_BROADCAST, /* 255.255.255.255 port 68 */
	DHCPSRV_TO_LINK,      /* dst_ip port 68 at chaddr (no ARP yet) */
};

struct dhcpsrv_result {
	enum dhcpsrv_act act;
	enum dhcpsrv_dst dst;
	uint32_t dst_ip;
	size_t max;          /* largest reply the client takes */
	struct dhcp_out out; /* the reply */
	int has_rec;         /* rec should be journaled (always for COMMIT) */
	struct lease_rec rec;
	uint32_t ping_ip;
	uint32_t ping_timeout; /* seconds to wait for an echo reply */
	const char *why;     /* for the log: reason of a DROP or NAK */
	uint32_t ip;         /* the address concerned, 0 if none */
};

/* Creates an engine for conf (which must outlive it); NULL on ENOMEM. */
struct dhcpsrv *dhcpsrv_new(const struct dhcpconf *conf);
void dhcpsrv_free(struct dhcpsrv **s);

/* Applies one lease record (from the journal at start or reload). */
void dhcpsrv_load(struct dhcpsrv *s, const struct lease_rec *r, int64_t now);
/* Call once after the last dhcpsrv_load: builds free lists and heaps. */
void dhcpsrv_loaded(struct dhcpsrv *s, int64_t now);

/*
 * Handles one request.  res->out is built when act is SEND or COMMIT;
 * res->rec is filled when has_rec.
 */
void dhcpsrv_handle(struct dhcpsrv *s, const struct dhcp_msg *m,
    const struct dhcpsrv_rx *rx, int64_t now, struct dhcpsrv_result *res);

/* The outcome of a ping check: answered (abandon, journal rec) or not. */
void dhcpsrv_ping_result(struct dhcpsrv *s, uint32_t ip, int answered,
    int64_t now, struct lease_rec *rec_r);

/* Counts, for logs and tests. */
struct dhcpsrv_stats {
	size_t slots, free, active, abandoned, offered;
};
void dhcpsrv_stats(const struct dhcpsrv *s, int64_t now,
    struct dhcpsrv_stats *st);

#endif
