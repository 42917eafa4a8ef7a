/*
 * The DHCPv4/BOOTP packet codec shared by dhcpd, dhcp-relay and dhcpc.
 *
 * Parsing goes through a bounds-checked cursor; nothing is read before
 * its bound is checked and the packet is never cast to a struct.  A
 * parsed message keeps its fixed BOOTP header fields and every option,
 * with repeated instances of one option concatenated (RFC 3396) in the
 * order options, file, sname (when option overload, 52, says those
 * fields carry options).  Known options are checked for their length
 * (RFC 2132 and later); a malformed packet is refused as a whole, with a
 * static reason string.
 *
 * Limits: a message is at most DHCP_PKT_MAX bytes; addresses are stored
 * in host byte order.
 *
 * Building: options are added to a struct dhcp_out in the order they
 * should appear; dhcp_build lays them out within the receiver's maximum
 * message size, splitting long options (RFC 3396), spilling into the
 * file and sname fields (option 52) when those are unused and the
 * options field is full, dropping (and counting) options that still do
 * not fit, and padding the result to the BOOTP minimum of 300 bytes.
 */
#ifndef FACTEUR_DHCPPKT_H
#define FACTEUR_DHCPPKT_H

#include <stddef.h>
#include <stdint.h>

#define DHCP_PKT_MAX 4096   /* largest message parsed or built */
#define DHCP_FIXED_LEN 236  /* BOOTP header up to the options */
#define DHCP_MIN_LEN 240    /* header + magic cookie */
#define DHCP_BOOTP_MIN 300  /* BOOTP minimum: header + 64-byte vend */
#define DHCP_DEFAULT_MAX 576 /* RFC 2131: IP datagram every client takes */
#define DHCP_IPUDP_LEN 28   /* IPv4 + UDP headers, counted by option 57 */
#define DHCP_MAGIC 0x63825363u

enum {
	BOOTREQUEST = 1,
	BOOTREPLY = 2,
};

enum dhcp_type {
	DHCPDISCOVER = 1,
	DHCPOFFER = 2,
	DHCPREQUEST = 3,
	DHCPDECLINE = 4,
	DHCPACK = 5,
	DHCPNAK = 6,
	DHCPRELEASE = 7,
	DHCPINFORM = 8,
};

enum {
	DHO_PAD = 0,
	DHO_SUBNET_MASK = 1,
	DHO_TIME_OFFSET = 2,
	DHO_ROUTERS = 3,
	DHO_DNS = 6,
	DHO_HOST_NAME = 12,
	DHO_DOMAIN_NAME = 15,
	DHO_MTU = 26,
	DHO_BROADCAST = 28,
	DHO_NTP = 42,
	DHO_NETBIOS_NS = 44,
	DHO_REQUESTED_IP = 50,
	DHO_LEASE_TIME = 51,
	DHO_OVERLOAD = 52,
	DHO_MSG_TYPE = 53,
	DHO_SERVER_ID = 54,
	DHO_PRL = 55,
	DHO_MESSAGE = 56,
	DHO_MAX_SIZE = 57,
	DHO_T1 = 58,
	DHO_T2 = 59,
	DHO_VENDOR_CLASS = 60,
	DHO_CLIENT_ID = 61,
	DHO_TFTP_SERVER = 66,
	DHO_BOOTFILE = 67,
	DHO_RAPID_COMMIT = 80,
	DHO_FQDN = 81,
	DHO_RELAY_AGENT = 82,
	DHO_SUBNET_SELECT = 118,
	DHO_DOMAIN_SEARCH = 119,
	DHO_CLASSLESS_ROUTES = 121,
	DHO_END = 255,
};

#define DHCP_OVERLOAD_FILE 1
#define DHCP_OVERLOAD_SNAME 2
#define DHCP_FLAG_BROADCAST 0x8000u

/* The fixed BOOTP header; addresses in host byte order. */
struct dhcp_hdr {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;
	uint16_t secs, flags;
	uint32_t ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[16];
	uint8_t sname[64];
	uint8_t file[128];
};

struct dhcp_msg {
	struct dhcp_hdr h;
	uint8_t overload;              /* option 52 value, 0 if absent */
	uint8_t present[32];           /* bit per option code */
	uint16_t off[256], len[256];   /* value of option code in data[] */
	size_t used;
	uint8_t data[DHCP_PKT_MAX];
};

/*
 * Parses n bytes.  Returns 0, or -1 with *why_r (may be NULL) set to a
 * static reason and errno EINVAL (EMSGSIZE when n > DHCP_PKT_MAX).
 * A BOOTP message without the magic cookie is refused.
 */
int dhcp_parse(const uint8_t *p, size_t n, struct dhcp_msg *m,
    const char **why_r);

/* Whether option code is present; its value and length. */
int dhcp_has(const struct dhcp_msg *m, uint8_t code);
const uint8_t *dhcp_opt(const struct dhcp_msg *m, uint8_t code, size_t *len_r);
/* The message type (53), or 0 when absent. */
int dhcp_msg_type(const struct dhcp_msg *m);
/* A 4-byte option as an address in host order: 0, or -1 if absent. */
int dhcp_opt_ip(const struct dhcp_msg *m, uint8_t code, uint32_t *ip_r);
/* A 4-byte option as an unsigned number: 0, or -1 if absent. */
int dhcp_opt_u32(const struct dhcp_msg *m, uint8_t code, uint32_t *v_r);
/*
 * The largest DHCP message (UDP payload) this client accepts: option 57
 * minus the IP and UDP headers, at least 548, at most DHCP_PKT_MAX.
 */
size_t dhcp_max_reply(const struct dhcp_msg *m);

/* --------------------------------------------------------- building */

#define DHCP_OUT_MAXOPTS 254 /* every code but 0, 52 and 255 */

struct dhcp_out {
	struct dhcp_hdr h;
	size_t nopts, used;
	struct {
		uint8_t code;
		uint16_t off, len;
	} opt[DHCP_OUT_MAXOPTS];
	uint8_t data[DHCP_PKT_MAX];
};

/* Starts an empty message (all header fields zero). */
void dhcp_out_init(struct dhcp_out *o);
/*
 * Adds option code with len bytes (len may exceed 255; it is split when
 * built).  Adding a code twice replaces nothing: it fails with EEXIST.
 * 0 or -1 (E2BIG when out of room, EINVAL for codes 0, 52 and 255).
 */
int dhcp_out_add(struct dhcp_out *o, uint8_t code, const void *p, size_t len);
int dhcp_out_add_u8(struct dhcp_out *o, uint8_t code, uint8_t v);
int dhcp_out_add_u16(struct dhcp_out *o, uint8_t code, uint16_t v);
int dhcp_out_add_u32(struct dhcp_out *o, uint8_t code, uint32_t v);
/* Whether code has been added. */
int dhcp_out_has(const struct dhcp_out *o, uint8_t code);

/*
 * Lays out o in at most max bytes (clamped to [DHCP_BOOTP_MIN,
 * bufcap]) into buf.  Options come in the order added; the first ones
 * should be the ones that must not be dropped (53, 54).  An option
 * (instance) that fits nowhere is dropped and counted in *dropped_r
 * (may be NULL).  The file and sname fields are used for options only
 * when they are all zero in o->h.  Returns the length (>= 300), or -1
 * with errno E2BIG if even option 53 does not fit.
 */
long dhcp_build(const struct dhcp_out *o, size_t max, uint8_t *buf,
    size_t bufcap, unsigned *dropped_r);

/* ---------------------------------------- option 82 (RFC 3046) */

struct dhcp_ra {
	const uint8_t *circuit_id, *remote_id;
	size_t circuit_len, remote_len;
	size_t nsub; /* sub-options seen */
};

/* Checks the sub-option structure of an option 82 value; 0 or -1. */
int dhcp_ra_parse(const uint8_t *p, size_t n, struct dhcp_ra *ra);
/*
 * Encodes circuit id (1) and remote id (2) sub-options (each omitted
 * when its length is 0) into out; returns the length or -1 (E2BIG,
 * EINVAL for a sub-option over 255 bytes).
 */
long dhcp_ra_build(const uint8_t *circuit, size_t clen, const uint8_t *remote,
    size_t rlen, uint8_t *out, size_t cap);

/* --------------------------------- domain search (RFC 3397) */

/*
 * Encodes n domain names (dotted text, an optional final dot) as
 * RFC 1035 names with compression pointers into out.  Returns the
 * length, or -1 with errno EINVAL (bad name: empty label, label over 63
 * bytes, name over 255) or E2BIG.
 */
long dhcp_dnssearch_encode(const char *const *names, size_t n, uint8_t *out,
    size_t cap);
/*
 * Decodes an option 119 value into names separated by one space, NUL
 * terminated, in out (cap bytes).  Pointers must point backwards; label
 * bytes other than letters, digits, '-' and '_' are refused.  Returns
 * the number of names, or -1 with errno EINVAL or E2BIG.
 */
int dhcp_dnssearch_decode(const uint8_t *p, size_t n, char *out, size_t cap);

/* -------------------------- classless static routes (RFC 3442) */

struct dhcp_route {
	uint32_t dest;   /* host order, host bits zero */
	uint8_t width;   /* prefix length 0..32 */
	uint32_t router; /* host order */
};

/* Encodes routes; returns the length or -1 (E2BIG, EINVAL width > 32). */
long dhcp_routes_encode(const struct dhcp_route *r, size_t n, uint8_t *out,
    size_t cap);
/*
 * Decodes an option 121 value into at most max routes; returns the
 * count or -1 with errno EINVAL (truncated, width > 32, destination bits
 * beyond the width) or E2BIG (more than max).
 */
int dhcp_routes_decode(const uint8_t *p, size_t n, struct dhcp_route *r,
    size_t max);

/* ------------------------------------------------------- helpers */

/* Formats a host-order address as dotted quad into out (>= 16 bytes). */
char *dhcp_ip_fmt(uint32_t ip, char *out);
/* Formats hlen bytes as aa:bb:.. into out (>= 3 * 16 bytes). */
char *dhcp_hw_fmt(const uint8_t *hw, size_t hlen, char *out);
/* The name of a message type ("DISCOVER"), "?" when unknown. */
const char *dhcp_type_name(int type);

#endif
