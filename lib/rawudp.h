/*
 * IPv4 + UDP datagrams in Ethernet frames, built and parsed by hand, for
 * DHCP programs that must talk before an interface has an address
 * (dhcpc) or answer a client that has none (dhcpd, dhcp-relay).
 *
 * Parsing goes through a bounds-checked cursor: the Ethernet header, an
 * IPv4 header (version 4, IHL >= 5, total length within the frame, no
 * fragment, header checksum right) and a UDP header (length within the
 * IP payload, checksum right unless zero or the caller says the kernel
 * has not filled it in yet).  Anything else is refused with a static
 * reason.  Addresses and ports are in host byte order.
 *
 * The socket helpers open an AF_PACKET socket on one interface with a
 * classic BPF filter that passes only unfragmented IPv4 UDP to one
 * destination port, and send and receive whole Ethernet frames on it.
 * ARP frames (RFC 826, RFC 5227 probes) are built and parsed here too.
 */
#ifndef FACTEUR_RAWUDP_H
#define FACTEUR_RAWUDP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RAWUDP_ETH_LEN 14
#define RAWUDP_IP_LEN 20
#define RAWUDP_UDP_LEN 8
#define RAWUDP_HDRS (RAWUDP_ETH_LEN + RAWUDP_IP_LEN + RAWUDP_UDP_LEN)
#define RAWUDP_FRAME_MAX 9216 /* largest frame built or received */
#define RAWUDP_ARP_LEN 28     /* ARP payload for Ethernet/IPv4 */

struct rawudp {
	uint8_t dst_mac[6], src_mac[6]; /* Ethernet (frames only) */
	uint32_t src_ip, dst_ip;
	uint16_t src_port, dst_port;
	uint8_t ttl, tos;
	const uint8_t *payload; /* the UDP payload (parse: points into input) */
	size_t len;
};

/* The Internet checksum (RFC 1071) of n bytes, folded, not inverted,
 * continued from sum. */
uint32_t rawudp_sum(uint32_t sum, const uint8_t *p, size_t n);

/*
 * Builds an IPv4 + UDP datagram from u (payload, len, addresses, ports;
 * ttl 0 means 64) into buf: both checksums filled in, IP id 0, DF set.
 * Returns the length or -1 with errno E2BIG.
 */
long rawudp_build_ip(const struct rawudp *u, uint8_t *buf, size_t cap);
/* The same inside an Ethernet II frame (type 0x0800). */
long rawudp_build_eth(const struct rawudp *u, uint8_t *buf, size_t cap);

#define RAWUDP_NOCSUM 1 /* flag: do not check the UDP checksum */

/*
 * Parses an IPv4 datagram holding UDP; u->payload points into p.
 * Returns 0, or -1 with errno EINVAL and *why_r (may be NULL) set.
 * Bytes after the IP total length (Ethernet padding) are ignored.
 */
int rawudp_parse_ip(const uint8_t *p, size_t n, int flags, struct rawudp *u,
    const char **why_r);
/* The same for an Ethernet II frame (type 0x0800, no VLAN tag). */
int rawudp_parse_eth(const uint8_t *p, size_t n, int flags, struct rawudp *u,
    const char **why_r);

/* ------------------------------------------------------------- ARP */

struct rawudp_arp {
	uint16_t op; /* 1 request, 2 reply */
	uint8_t sha[6], tha[6];
	uint32_t spa, tpa; /* host order */
};

/* Builds an Ethernet ARP frame to dst (broadcast when NULL); returns
 * its length (42) or -1 (E2BIG). */
long rawudp_build_arp(const struct rawudp_arp *a, const uint8_t *dst,
    uint8_t *buf, size_t cap);
/* Parses an Ethernet ARP frame for Ethernet/IPv4; 0 or -1 (EINVAL). */
int rawudp_parse_arp(const uint8_t *p, size_t n, struct rawudp_arp *a,
    const char **why_r);

/* --------------------------------------------------------- sockets */

/*
 * Opens a non-blocking AF_PACKET raw socket bound to interface ifname
 * that receives only IPv4 UDP frames to port dport (BPF), with
 * PACKET_AUXDATA so rawudp_recv knows when a checksum is not filled in.
 * Returns the fd, with the interface index and hardware address, or -1.
 */
int rawudp_open(const char *ifname, uint16_t dport, int *ifindex_r,
    uint8_t mac_r[6]);
/* The same for ARP frames (type 0x0806). */
int rawudp_open_arp(const char *ifname, int *ifindex_r, uint8_t mac_r[6]);
/* Sends one whole Ethernet frame on ifindex; 0 or -1. */
int rawudp_send(int fd, int ifindex, const uint8_t *frame, size_t n);
/*
 * Receives one frame into buf; returns its length (0 never; -1 with
 * errno, EAGAIN when nothing is waiting).  *flags_r gets RAWUDP_NOCSUM
 * when the kernel says the checksum is not computed yet (a frame sent
 * by this host's own stack, or over veth).
 */
ssize_t rawudp_recv(int fd, uint8_t *buf, size_t cap, int *flags_r);

#endif
