/* IPv4/UDP/Ethernet and ARP frames, and AF_PACKET helpers; see rawudp.h. */
#include "rawudp.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* ------------------------------------------------------------ cursor */

struct cur {
	const uint8_t *p;
	size_t len, off; /* off <= len */
};

static int
cur_u8(struct cur *c, uint8_t *v_r)
{
	if (c->off == c->len)
		return -1;
	*v_r = c->p[c->off++];
	return 0;
}

static int
cur_u16(struct cur *c, uint16_t *v_r)
{
	if (c->len - c->off < 2)
		return -1;
	*v_r = (uint16_t)(c->p[c->off] << 8 | c->p[c->off + 1]);
	c->off += 2;
	return 0;
}

static int
cur_u32(struct cur *c, uint32_t *v_r)
{
	if (c->len - c->off < 4)
		return -1;
	*v_r = (uint32_t)c->p[c->off] << 24 | (uint32_t)c->p[c->off + 1] << 16 |
	    (uint32_t)c->p[c->off + 2] << 8 | c->p[c->off + 3];
	c->off += 4;
	return 0;
}

static int
cur_bytes(struct cur *c, uint8_t *out, size_t n)
{
	if (c->len - c->off < n)
		return -1;
	memcpy(out, c->p + c->off, n);
	c->off += n;
	return 0;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int
bad(const char **why_r, const char *why)
{
	if (why_r != NULL)
		*why_r = why;
	errno = EINVAL;
	return -1;
}

/* --------------------------------------------------------- checksum */

uint32_t
rawudp_sum(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2) {
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
		sum = (sum & 0xffff) + (sum >> 16);
	}
	if (i < n) {
		sum += (uint32_t)p[i] << 8;
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return sum;
}

static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The UDP checksum over the pseudo-header and the UDP segment. */
static uint16_t
udp_sum(uint32_t src, uint32_t dst, const uint8_t *seg, size_t n)
{
	uint8_t ph[12];

	put32(ph, src);
	put32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = IPPROTO_UDP;
	put16(ph + 10, (uint16_t)n);
	return fold(rawudp_sum(rawudp_sum(0, ph, sizeof ph), seg, n));
}

/* ------------------------------------------------------------ build */

long
rawudp_build_ip(const struct rawudp *u, uint8_t *buf, size_t cap)
{
	size_t tot;
	uint16_t ck;

	if (u->len > RAWUDP_FRAME_MAX - RAWUDP_HDRS ||
	    cap < RAWUDP_IP_LEN + RAWUDP_UDP_LEN + u->len) {
		errno = E2BIG;
		return -1;
	}
	tot = RAWUDP_IP_LEN + RAWUDP_UDP_LEN + u->len;
	buf[0] = 0x45;
	buf[1] = u->tos;
	put16(buf + 2, (uint16_t)tot);
	put16(buf + 4, 0);
	put16(buf + 6, 0x4000); /* DF */
	buf[8] = u->ttl ? u->ttl : 64;
	buf[9] = IPPROTO_UDP;
	put16(buf + 10, 0);
	put32(buf + 12, u->src_ip);
	put32(buf + 16, u->dst_ip);
	put16(buf + 10, (uint16_t)~fold(rawudp_sum(0, buf, RAWUDP_IP_LEN)));
	put16(buf + 20, u->src_port);
	put16(buf + 22, u->dst_port);
	put16(buf + 24, (uint16_t)(RAWUDP_UDP_LEN + u->len));
	put16(buf + 26, 0);
	if (u->len > 0)
		memmove(buf + 28, u->payload, u->len);
	ck = (uint16_t)~udp_sum(u->src_ip, u->dst_ip, buf + 20,
	    RAWUDP_UDP_LEN + u->len);
	put16(buf + 26, ck ? ck : 0xffff);
	return (long)tot;
}

long
rawudp_build_eth(const struct rawudp *u, uint8_t *buf, size_t cap)
{
	long n;

	if (cap < RAWUDP_ETH_LEN) {
		errno = E2BIG;
		return -1;
	}
	if ((n = rawudp_build_ip(u, buf + RAWUDP_ETH_LEN,
		 cap - RAWUDP_ETH_LEN)) < 0)
		return -1;
	memcpy(buf, u->dst_mac, 6);
	memcpy(buf + 6, u->src_mac, 6);
	put16(buf + 12, ETHERTYPE_IP);
	return n + RAWUDP_ETH_LEN;
}

/* ------------------------------------------------------------ parse */

int
rawudp_parse_ip(const uint8_t *p, size_t n, int flags, struct rawudp *u,
    const char **why_r)
{
	struct cur c = { p, n, 0 };
	uint8_t vihl, proto;
	uint16_t tot, frag, id, ck, ulen, uck;
	size_t ihl;

	memset(u->dst_mac, 0, 6);
	memset(u->src_mac, 0, 6);
	if (cur_u8(&c, &vihl) || cur_u8(&c, &u->tos) || cur_u16(&c, &tot) ||
	    cur_u16(&c, &id) || cur_u16(&c, &frag) || cur_u8(&c, &u->ttl) ||
	    cur_u8(&c, &proto) || cur_u16(&c, &ck) || cur_u32(&c, &u->src_ip) ||
	    cur_u32(&c, &u->dst_ip))
		return bad(why_r, "truncated IP header");
	(void)id;
	(void)ck;
	if (vihl >> 4 != 4)
		return bad(why_r, "not IPv4");
	ihl = (size_t)(vihl & 0xf) * 4;
	if (ihl < RAWUDP_IP_LEN)
		return bad(why_r, "IP header length below 20");
	if (tot < ihl || tot > n)
		return bad(why_r, "IP total length outside the frame");
	if (fold(rawudp_sum(0, p, ihl)) != 0xffff)
		return bad(why_r, "bad IP header checksum");
	if ((frag & 0x3fff) != 0)
		return bad(why_r, "IP fragment");
	if (proto != IPPROTO_UDP)
		return bad(why_r, "not UDP");
	c.len = tot; /* Ethernet padding is not ours */
	c.off = ihl;
	if (cur_u16(&c, &u->src_port) || cur_u16(&c, &u->dst_port) ||
	    cur_u16(&c, &ulen) || cur_u16(&c, &uck))
		return bad(why_r, "truncated UDP header");
	if (ulen < RAWUDP_UDP_LEN || ulen > tot - ihl)
		return bad(why_r, "UDP length outside the IP payload");
	if (uck != 0 && !(flags & RAWUDP_NOCSUM) &&
	    udp_sum(u->src_ip, u->dst_ip, p + ihl, ulen) != 0xffff)
		return bad(why_r, "bad UDP checksum");
	u->payload = p + ihl + RAWUDP_UDP_LEN;
	u->len = ulen - RAWUDP_UDP_LEN;
	return 0;
}

int
rawudp_parse_eth(const uint8_t *p, size_t n, int flags, struct rawudp *u,
    const char **why_r)
{
	struct cur c = { p, n, 0 };
	uint8_t dst[6], src[6];
	uint16_t type;

	if (cur_bytes(&c, dst, 6) || cur_bytes(&c, src, 6) ||
	    cur_u16(&c, &type))
		return bad(why_r, "truncated Ethernet header");
	if (type != ETHERTYPE_IP)
		return bad(why_r, "not an IPv4 frame");
	if (rawudp_parse_ip(p + RAWUDP_ETH_LEN, n - RAWUDP_ETH_LEN, flags, u,
		why_r) != 0)
		return -1;
	memcpy(u->dst_mac, dst, 6);
	memcpy(u->src_mac, src, 6);
	return 0;
}

/* -------------------------------------------------------------- ARP */

long
rawudp_build_arp(const struct rawudp_arp *a, const uint8_t *dst, uint8_t *buf,
    size_t cap)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	if (cap < RAWUDP_ETH_LEN + RAWUDP_ARP_LEN) {
		errno = E2BIG;
		return -1;
	}
	memcpy(buf, dst ? dst : bcast, 6);
	memcpy(buf + 6, a->sha, 6);
	put16(buf + 12, ETHERTYPE_ARP);
	put16(buf + 14, 1);      /* Ethernet */
	put16(buf + 16, 0x0800); /* IPv4 */
	buf[18] = 6;
	buf[19] = 4;
	put16(buf + 20, a->op);
	memcpy(buf + 22, a->sha, 6);
	put32(buf + 28, a->spa);
	memcpy(buf + 32, a->tha, 6);
	put32(buf + 38, a->tpa);
	return RAWUDP_ETH_LEN + RAWUDP_ARP_LEN;
}

int
rawudp_parse_arp(const uint8_t *p, size_t n, struct rawudp_arp *a,
    const char **why_r)
{
	struct cur c = { p, n, RAWUDP_ETH_LEN };
	uint16_t type, htype, ptype;
	uint8_t hlen, plen;

	if (n < RAWUDP_ETH_LEN)
		return bad(why_r, "truncated Ethernet header");
	type = (uint16_t)(p[12] << 8 | p[13]);
	if (type != ETHERTYPE_ARP)
		return bad(why_r, "not an ARP frame");
	if (cur_u16(&c, &htype) || cur_u16(&c, &ptype) || cur_u8(&c, &hlen) ||
	    cur_u8(&c, &plen) || cur_u16(&c, &a->op) ||
	    cur_bytes(&c, a->sha, 6) || cur_u32(&c, &a->spa) ||
	    cur_bytes(&c, a->tha, 6) || cur_u32(&c, &a->tpa))
		return bad(why_r, "truncated ARP packet");
	if (htype != 1 || ptype != 0x0800 || hlen != 6 || plen != 4)
		return bad(why_r, "ARP not for Ethernet/IPv4");
	return 0;
}

/* ---------------------------------------------------------- sockets */

static int
open_packet(const char *ifname, uint16_t proto, int *ifindex_r,
    uint8_t mac_r[6])
{
	struct ifreq ifr;
	struct sockaddr_ll sll;
	int fd, one = 1;

	if (strlen(ifname) >= IFNAMSIZ) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    htons(proto));
	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(fd, SIOCGIFINDEX, &ifr) != 0)
		goto fail;
	*ifindex_r = ifr.ifr_ifindex;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) != 0)
		goto fail;
	memcpy(mac_r, ifr.ifr_hwaddr.sa_data, 6);
	if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) != 0)
		goto fail;
	memset(&sll, 0, sizeof sll);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(proto);
	sll.sll_ifindex = *ifindex_r;
	if (bind(fd, (struct sockaddr *)&sll, sizeof sll) != 0)
		goto fail;
	return fd;
fail:
	{
		int e = errno;
		close(fd);
		errno = e;
	}
	return -1;
}

int
rawudp_open(const char *ifname, uint16_t dport, int *ifindex_r,
    uint8_t mac_r[6])
{
	/* Unfragmented IPv4 UDP to dport, whole frame accepted. */
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETHERTYPE_IP, 0, 8),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 23),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 6),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 20),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x3fff, 4, 0),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 16),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, dport, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, RAWUDP_FRAME_MAX),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { sizeof code / sizeof code[0], code };
	int fd;
	uint8_t junk[64];

	if ((fd = open_packet(ifname, ETH_P_IP, ifindex_r, mac_r)) < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
		sizeof prog) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	/* Frames queued before the filter was attached are dropped. */
	while (recv(fd, junk, sizeof junk, MSG_DONTWAIT) >= 0)
		;
	return fd;
}

int
rawudp_open_arp(const char *ifname, int *ifindex_r, uint8_t mac_r[6])
{
	return open_packet(ifname, ETH_P_ARP, ifindex_r, mac_r);
}

int
rawudp_send(int fd, int ifindex, const uint8_t *frame, size_t n)
{
	struct sockaddr_ll sll;
	ssize_t w;

	if (n < RAWUDP_ETH_LEN) {
		errno = EINVAL;
		return -1;
	}
	memset(&sll, 0, sizeof sll);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons((uint16_t)(frame[12] << 8 | frame[13]));
	sll.sll_ifindex = ifindex;
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, frame, 6);
	do
		w = sendto(fd, frame, n, 0, (struct sockaddr *)&sll, sizeof sll);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return -1;
	if ((size_t)w != n) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

ssize_t
rawudp_recv(int fd, uint8_t *buf, size_t cap, int *flags_r)
{
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	struct iovec iov = { buf, cap };
	struct msghdr mh;
	struct cmsghdr *cm;
	ssize_t r;

	*flags_r = 0;
	memset(&mh, 0, sizeof mh);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.b;
	mh.msg_controllen = sizeof ctl.b;
	do
		r = recvmsg(fd, &mh, MSG_DONTWAIT);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -1;
	if (mh.msg_flags & MSG_TRUNC) {
		errno = EMSGSIZE;
		return -1;
	}
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
		struct tpacket_auxdata aux;

		if (cm->cmsg_level != SOL_PACKET ||
		    cm->cmsg_type != PACKET_AUXDATA ||
		    cm->cmsg_len < CMSG_LEN(sizeof aux))
			continue;
		memcpy(&aux, CMSG_DATA(cm), sizeof aux);
		if (aux.tp_status & TP_STATUS_CSUMNOTREADY)
			*flags_r |= RAWUDP_NOCSUM;
	}
	return r;
}
