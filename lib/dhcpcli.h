/*
 * The DHCP client engine of dhcpc: the RFC 2131 section 4.4 state
 * machine, reply validation, lease bookkeeping and the script
 * environment, with no I/O of its own, so every transition can be
 * tested with a fake clock.
 *
 * The program owns the sockets, the clock, the ARP probe and the
 * script.  It calls dcl_start once, then dcl_input for every DHCP
 * message that arrives, dcl_timer when dcl_next reports a deadline
 * passed, dcl_probed with the result of an ARP probe and dcl_release
 * to give the lease back.  Each call fills a struct dcl_act saying what
 * to do: send a message (built here), probe an address, run the script
 * with a reason, save or remove the state file.
 *
 * Reply validation.  A reply is used only when it parses (lib/dhcppkt),
 * is a BOOTREPLY for this hardware address and the current xid, has a
 * message type that the state expects, a server identifier that is a
 * unicast address and, for OFFER and ACK, a usable yiaddr, a lease time
 * other than 0 and a contiguous subnet mask (prefix 1 to 32); anything
 * else is ignored with a static reason.  Options that would mislead the
 * script are dropped, one by one, and counted: routers outside the
 * subnet, unusable server addresses in address lists, host and domain
 * names that are not RFC 1123 names or are over 253 bytes, search
 * lists that do not decode, an MTU under 68, a broadcast address that
 * is not the subnet's.  A lease time of 0xffffffff is an infinite lease
 * (no renewal); T1 and T2 (options 58, 59) are used when 0 < T1 < T2 <
 * lease, else 50% and 87.5% of the lease.  Then the configuration's
 * supersede, default, prepend and append statements are applied and
 * the result is checked again.
 *
 * Times are milliseconds on a monotonic clock chosen by the caller.
 */
#ifndef FACTEUR_DHCPCLI_H
#define FACTEUR_DHCPCLI_H

#include <stddef.h>
#include <stdint.h>

#include "dhclientconf.h"
#include "dhcppkt.h"

#define DCL_INFINITE 0xffffffffu
#define DCL_DATA_MAX 8192 /* option bytes a lease keeps */

struct dcl_lease {
	uint32_t addr, mask, server; /* host order */
	uint32_t lease, t1, t2;      /* seconds (DCL_INFINITE: never) */
	int type;                    /* DHCPOFFER, DHCPACK, or 0 (static) */
	uint8_t sent[32];            /* options the server sent (require) */
	uint8_t present[32];         /* options kept, after the config */
	uint16_t off[256], len[256];
	size_t used;
	unsigned dropped;      /* options dropped by validation */
	const char *dropwhy;   /* the last reason, static */
	uint8_t data[DCL_DATA_MAX];
};

/* Whether the lease carries option code, and its value. */
const uint8_t *dcl_lease_opt(const struct dcl_lease *l, uint8_t code,
    size_t *len_r);

/*
 * Turns a parsed reply into a lease: checks it as described above,
 * keeps the options worth keeping, applies conf (may be NULL).
 * Returns 0, or -1 with *why_r set.  Does not look at xid or chaddr.
 */
int dcl_lease_from_msg(const struct dhcp_msg *m, const struct dcc_conf *conf,
    struct dcl_lease *l, const char **why_r);

/*
 * A lease from a configuration lease block at wall time now (seconds):
 * its lease time runs to its expire date (infinite without one).
 * Returns 0, or -1 (why_r) when expired or unusable.
 */
int dcl_lease_from_conf(const struct dcc_lease *b, const struct dcc_conf *conf,
    int64_t now_wall, struct dcl_lease *l, const char **why_r);

/* The prefix length of a contiguous mask, or -1. */
int dcl_mask_bits(uint32_t mask);

/*
 * RFC 2131 4.1 retransmission delay before attempt n (0-based) in ms:
 * initial * 2^n seconds, at most cutoff seconds, plus a random -1..+1 s
 * taken from rnd (never below 1 s).
 */
int64_t dcl_backoff(unsigned n, unsigned initial, unsigned cutoff,
    uint32_t rnd);

/* ----------------------------------------------------- state machine */

enum dcl_state {
	DCL_INIT,
	DCL_SELECTING,
	DCL_REQUESTING,
	DCL_PROBING,
	DCL_BOUND,
	DCL_RENEWING,
	DCL_REBINDING,
	DCL_REBOOTING, /* INIT-REBOOT: REQUEST for the remembered address */
	DCL_STATIC,    /* using a lease block from the configuration */
	DCL_WAIT,      /* nothing to do until the deadline, then INIT */
	DCL_RELEASED,
};

enum dcl_how {
	DCL_RAW_BCAST = 1, /* from 0.0.0.0, Ethernet broadcast (packet socket) */
	DCL_UDP_UNICAST,   /* from our address to dst (UDP socket) */
	DCL_UDP_BCAST,     /* from our address to 255.255.255.255 (UDP socket) */
};

struct dcl_act {
	const uint8_t *pkt; /* a message to send (NULL: none) */
	size_t len;
	int type;           /* its DHCP message type */
	enum dcl_how how;
	uint32_t dst;       /* DCL_UDP_UNICAST */
	uint32_t probe;     /* ARP-probe this address, then call dcl_probed */
	const char *reason; /* run the script: BOUND, RENEW, REBIND, ... */
	const struct dcl_lease *new_lease, *old_lease; /* for the script */
	int save;           /* write the state file (the current ACK) */
	int forget;         /* remove the state file */
};

struct dcl {
	/* Set by the caller before dcl_start. */
	const struct dcc_conf *conf;
	uint8_t mac[6];
	char ifname[16];
	char hostname[64];           /* for send host-name = gethostname() */
	uint32_t (*rnd)(void *ctx);  /* xids and jitter */
	void *rctx;
	int probe;                   /* ARP-probe before BOUND (RFC 5227) */

	enum dcl_state st;
	uint32_t xid;
	int64_t started;  /* this acquisition began (secs, timeout) */
	int64_t sent_at;  /* the current REQUEST left (lease times count) */
	int64_t next;     /* next deadline */
	int64_t select_end;
	int64_t giveup;   /* the state's own end (timeout, reboot, T2, expiry) */
	int64_t wall_offset; /* seconds to add to now/1000 for the wall clock */
	unsigned attempt;
	int have_offer, have_cur, have_old, have_stat;
	uint32_t want;    /* address to ask for in DISCOVER (0: none) */
	int64_t t1_at, t2_at, exp_at; /* of cur; INT64_MAX: never */
	struct dcl_lease offer, cur, old, stat, tmp;
	uint8_t ack[DHCP_PKT_MAX]; /* the raw ACK of cur, for the state file */
	size_t acklen;
	uint8_t pkt[DHCP_PKT_MAX];
	struct dhcp_out out;
	struct dhcp_msg msg;
};

/*
 * Starts: with a remembered ACK (saved, n bytes, remaining seconds of
 * its lease) in INIT-REBOOT, else in INIT (sends a DISCOVER).
 */
void dcl_start(struct dcl *d, int64_t now, const uint8_t *saved, size_t n,
    int64_t remaining, struct dcl_act *a);
/* The next deadline (ms), or INT64_MAX. */
int64_t dcl_next(const struct dcl *d);
/* Handles the deadline having passed. */
void dcl_timer(struct dcl *d, int64_t now, struct dcl_act *a);
/*
 * Handles a received DHCP message (the UDP payload) from src.  Returns
 * 0 when it was used, -1 with *why_r when ignored.
 */
int dcl_input(struct dcl *d, int64_t now, const uint8_t *p, size_t n,
    uint32_t src, struct dcl_act *a, const char **why_r);
/* The ARP probe of a->probe found the address in use (1) or free (0). */
void dcl_probed(struct dcl *d, int64_t now, int in_use, struct dcl_act *a);
/* The script refused a static lease (TIMEOUT exit status not 0). */
void dcl_static_failed(struct dcl *d, int64_t now, struct dcl_act *a);
/* Gives the lease back (RELEASE) and stops; in INIT-REBOOT, the
 * remembered one (dhcpc -r). */
void dcl_release(struct dcl *d, int64_t now, struct dcl_act *a);
/* The name of a state ("BOUND"). */
const char *dcl_state_name(enum dcl_state st);

/* ------------------------------------------------ script environment */

#define DCL_ENV_MAX 160

struct dcl_env {
	size_t n, used;
	char *v[DCL_ENV_MAX + 1]; /* NULL-terminated */
	char buf[24576];
};

void dcl_env_init(struct dcl_env *e);
/* Adds NAME=VALUE with VALUE sanitised; 0 or -1 when full. */
int dcl_env_add(struct dcl_env *e, const char *name, const char *value);
/*
 * Adds the variables of lease l with prefix ("new_", "old_"): the
 * address, mask, network, broadcast, expiry (now_wall + lease) and
 * every known option, named as dhclient-script expects
 * (new_domain_name_servers).  Every value contains only letters,
 * digits and " ._:/@+,=-"; other bytes become '_'.
 */
int dcl_env_lease(struct dcl_env *e, const char *prefix,
    const struct dcl_lease *l, int64_t now_wall);

/* --------------------------------------------------------- state file */

/*
 * The state file: "dhcpc 1\nbound WALLTIME\nack HEX\n".  Formats into
 * out (cap bytes); returns the length or -1 (E2BIG).
 */
long dcl_state_format(const uint8_t *ack, size_t n, int64_t bound_wall,
    char *out, size_t cap);
/* Parses it; returns the ACK length into ack (cap bytes) or -1. */
long dcl_state_parse(const char *text, size_t n, uint8_t *ack, size_t cap,
    int64_t *bound_wall_r);

#endif
