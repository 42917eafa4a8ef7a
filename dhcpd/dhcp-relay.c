/*
 * dhcp-relay: the DHCPv4 relay agent (RFC 1542, RFC 2131, RFC 3046).
 * One process, one poll loop: a UDP socket on port 67 with IP_PKTINFO
 * takes the clients' broadcasts on the client-side interfaces and the
 * servers' replies; requests go to every server by UDP; replies go back
 * to the client's segment by broadcast, by UDP, or, for a client that
 * has no address yet, as a frame to its hardware address on a packet
 * socket.  What to forward and how to rewrite it is lib/dhcprelay.
 * Started as root to open its sockets, it runs as -u USER.
 *
 * A client's unicast that is merely routed through this host never
 * reaches the UDP socket (the kernel forwards it), and a unicast to one
 * of this host's addresses is relayed only when it is the address of the
 * interface it came in on: nothing is copied to the servers twice.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dhcppkt.h"
#include "dhcprelay.h"
#include "log.h"
#include "num.h"
#include "rawudp.h"

enum rc { RC_OK = 0, RC_PERM = 100, RC_TEMP = 111 };

#define BATCH 32
#define RCVBUF (4 << 20)
#define SERVER_PORT 67
#define CLIENT_PORT 68

/* Why a packet was dropped before lib/dhcprelay saw it. */
enum {
	DROP_NOT_CLIENT_SIDE, /* a request on another interface */
	DROP_REPLY_CLIENT_SIDE, /* a reply from a client-side interface */
	DROP_TOO_BIG,
	DROP_NO_PKTINFO,
	NDROP
};

struct counters {
	uint64_t requests, replies;          /* forwarded */
	uint64_t why[RW_NWHY];               /* dropped by lib/dhcprelay */
	uint64_t early[NDROP];               /* dropped before */
	uint64_t send_errors;
};

struct state {
	struct relay_cfg rc;
	const char *user;
	int check_only, notify_fd;
	int udp, pkt, sigfd;
	struct counters n;
	/* Scratch space kept off the stack. */
	struct dhcp_msg msg;
	uint8_t out[DHCP_PKT_MAX];
	uint8_t frame[RAWUDP_IP_LEN + RAWUDP_UDP_LEN + DHCP_PKT_MAX];
};

static void
usage(void)
{
	log_die(RC_PERM,
	    "usage: dhcp-relay [-tvn] [-u user] [-d fd] [-c hops] "
	    "[-A length] [-m drop|forward|replace] [-r remote-id] "
	    "-i ifname[:circuit-id]... server...");
}

/* Finds the IPv4 address and netmask of every client-side interface. */
static void
find_addrs(struct relay_cfg *c)
{
	struct ifaddrs *ifa, *p;
	size_t i;

	if (getifaddrs(&ifa) != 0)
		log_die(RC_TEMP, "unable to list interfaces: %s",
		    strerror(errno));
	for (i = 0; i < c->nifs; i++) {
		struct relay_if *r = &c->ifs[i];

		for (p = ifa; p != NULL; p = p->ifa_next) {
			if (p->ifa_addr == NULL ||
			    p->ifa_addr->sa_family != AF_INET ||
			    strcmp(p->ifa_name, r->name) != 0)
				continue;
			r->addr = ntohl(
			    ((struct sockaddr_in *)(void *)p->ifa_addr)
				->sin_addr.s_addr);
			r->mask = p->ifa_netmask == NULL ? 0xffffffffu :
			    ntohl(((struct sockaddr_in *)(void *)
				       p->ifa_netmask)->sin_addr.s_addr);
			break;
		}
		if (p == NULL)
			log_die(RC_PERM, "interface %s has no IPv4 address",
			    r->name);
	}
	freeifaddrs(ifa);
}

static void
add_if(struct relay_cfg *c, const char *arg)
{
	const char *colon = strchr(arg, ':');
	size_t nlen = colon ? (size_t)(colon - arg) : strlen(arg);
	struct relay_if *r;
	size_t i;

	if (c->nifs == DHCPRELAY_MAXIF)
		log_die(RC_PERM, "too many -i (at most %d)", DHCPRELAY_MAXIF);
	if (nlen == 0 || nlen >= sizeof c->ifs[0].name)
		log_die(RC_PERM, "bad interface name in -i %s", arg);
	r = &c->ifs[c->nifs];
	memcpy(r->name, arg, nlen);
	r->name[nlen] = '\0';
	for (i = 0; i < c->nifs; i++)
		if (strcmp(c->ifs[i].name, r->name) == 0)
			log_die(RC_PERM, "interface %s given twice", r->name);
	if ((r->index = if_nametoindex(r->name)) == 0)
		log_die(RC_PERM, "unknown interface %s", r->name);
	if (colon != NULL) {
		r->circuit_len = strlen(colon + 1);
		if (r->circuit_len == 0 || r->circuit_len > 253)
			log_die(RC_PERM, "circuit id in -i %s: 1 to 253 bytes",
			    arg);
		memcpy(r->circuit, colon + 1, r->circuit_len);
	} else {
		r->circuit_len = nlen;
		memcpy(r->circuit, r->name, nlen);
	}
	c->nifs++;
}

static void
parse_args(int argc, char **argv, struct state *s)
{
	struct relay_cfg *c = &s->rc;
	struct in_addr a;
	uint64_t v;
	size_t i;
	int ch;

	relay_cfg_init(c);
	s->notify_fd = -1;
	while ((ch = getopt(argc, argv, "tvnu:d:c:A:m:r:i:")) != -1) {
		switch (ch) {
		case 't':
			s->check_only = 1;
			break;
		case 'v':
			log_set_level(LOG_DEBUG);
			break;
		case 'n':
			c->add_agent = 0;
			break;
		case 'u':
			s->user = optarg;
			break;
		case 'd':
			if (num_u64z(optarg, 1023, &v) != 0 || v < 3)
				log_die(RC_PERM, "bad -d %s", optarg);
			s->notify_fd = (int)v;
			break;
		case 'c':
			if (num_u64z(optarg, DHCPRELAY_MAXHOPS, &v) != 0 ||
			    v == 0)
				log_die(RC_PERM, "bad -c %s: 1 to %d hops",
				    optarg, DHCPRELAY_MAXHOPS);
			c->max_hops = (unsigned)v;
			break;
		case 'A':
			if (num_u64z(optarg, DHCP_PKT_MAX, &v) != 0 ||
			    v < DHCP_DEFAULT_MAX - DHCP_IPUDP_LEN)
				log_die(RC_PERM, "bad -A %s: %d to %d bytes",
				    optarg, DHCP_DEFAULT_MAX - DHCP_IPUDP_LEN,
				    DHCP_PKT_MAX);
			c->max_len = (size_t)v;
			break;
		case 'm':
			if (strcmp(optarg, "drop") == 0)
				c->policy = RELAY_DROP;
			else if (strcmp(optarg, "forward") == 0)
				c->policy = RELAY_FORWARD;
			else if (strcmp(optarg, "replace") == 0)
				c->policy = RELAY_REPLACE;
			else
				log_die(RC_PERM, "bad -m %s: drop, forward or "
				    "replace", optarg);
			break;
		case 'r':
			c->remote_len = strlen(optarg);
			if (c->remote_len == 0 || c->remote_len > 253)
				log_die(RC_PERM, "-r: 1 to 253 bytes");
			memcpy(c->remote, optarg, c->remote_len);
			break;
		case 'i':
			add_if(c, optarg);
			break;
		default:
			usage();
		}
	}
	if (c->nifs == 0 || optind == argc)
		usage();
	for (; optind < argc; optind++) {
		if (c->nservers == DHCPRELAY_MAXSRV)
			log_die(RC_PERM, "too many servers (at most %d)",
			    DHCPRELAY_MAXSRV);
		if (inet_pton(AF_INET, argv[optind], &a) != 1 ||
		    a.s_addr == 0 || a.s_addr == INADDR_BROADCAST)
			log_die(RC_PERM, "bad server address %s (an IPv4 "
			    "address, no names)", argv[optind]);
		c->servers[c->nservers++] = ntohl(a.s_addr);
	}
	find_addrs(c);
	for (i = 0; i < c->nifs; i++) {
		uint8_t tmp[255];

		if (c->add_agent &&
		    relay_agent_value(c, &c->ifs[i], tmp, sizeof tmp) < 0)
			log_die(RC_PERM, "circuit id of %s and remote id do "
			    "not fit in one option 82", c->ifs[i].name);
	}
}

/* ----------------------------------------------------------- sending */

/* Sends by UDP to dst:port, out of ifindex from local_ip when given. */
static int
send_udp(struct state *s, unsigned ifindex, uint32_t local_ip, uint32_t dst,
    int port, const uint8_t *p, size_t n)
{
	struct sockaddr_in sin;
	struct msghdr mh;
	struct iovec iov;
	union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} cm;
	struct cmsghdr *cmh;
	struct in_pktinfo pi;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(dst);
	iov.iov_base = (void *)(uintptr_t)p;
	iov.iov_len = n;
	memset(&mh, 0, sizeof mh);
	mh.msg_name = &sin;
	mh.msg_namelen = sizeof sin;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (ifindex != 0) {
		memset(&cm, 0, sizeof cm);
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof cm.buf;
		cmh = CMSG_FIRSTHDR(&mh);
		cmh->cmsg_level = IPPROTO_IP;
		cmh->cmsg_type = IP_PKTINFO;
		cmh->cmsg_len = CMSG_LEN(sizeof pi);
		memset(&pi, 0, sizeof pi);
		pi.ipi_ifindex = (int)ifindex;
		pi.ipi_spec_dst.s_addr = htonl(local_ip);
		memcpy(CMSG_DATA(cmh), &pi, sizeof pi);
	}
	if (sendmsg(s->udp, &mh, 0) < 0)
		return -1;
	return 0;
}

/* Sends p as IPv4/UDP to ip at the hardware address mac on ifc. */
static int
send_link(struct state *s, const struct relay_if *ifc, const uint8_t *mac,
    uint32_t ip, const uint8_t *p, size_t n)
{
	struct sockaddr_ll sll;
	struct rawudp u;
	long len;

	if (s->pkt < 0) {
		errno = ENOTSUP;
		return -1;
	}
	memset(&u, 0, sizeof u);
	u.src_ip = ifc->addr;
	u.dst_ip = ip;
	u.src_port = SERVER_PORT;
	u.dst_port = CLIENT_PORT;
	u.payload = p;
	u.len = n;
	if ((len = rawudp_build_ip(&u, s->frame, sizeof s->frame)) < 0)
		return -1;
	memset(&sll, 0, sizeof sll);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_ifindex = (int)ifc->index;
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, mac, 6);
	if (sendto(s->pkt, s->frame, (size_t)len, 0, (struct sockaddr *)&sll,
		sizeof sll) < 0)
		return -1;
	return 0;
}

/* ------------------------------------------------------------ relaying */

static void
log_drop(struct state *s, const char *dir, const char *ifname, uint32_t src,
    enum relay_why why, const char *detail)
{
	char ip[16], hw[48];
	const struct dhcp_msg *m = &s->msg;

	s->n.why[why < RW_NWHY ? why : RW_MALFORMED]++;
	if (why == RW_UNKNOWN_SERVER) {
		/* Not parsed: nothing from a stranger is looked at. */
		log_info("drop %s if=%s from=%s reason=%s", dir, ifname,
		    dhcp_ip_fmt(src, ip), relay_why_name(why));
		return;
	}
	if (why == RW_MALFORMED) {
		log_info("drop %s if=%s from=%s reason=%s: %s", dir, ifname,
		    dhcp_ip_fmt(src, ip), relay_why_name(why),
		    detail != NULL ? detail : "unusable");
		return;
	}
	dhcp_hw_fmt(m->h.chaddr, m->h.hlen, hw);
	log_info("drop %s if=%s from=%s hw=%s xid=%08x hops=%u reason=%s",
	    dir, ifname, dhcp_ip_fmt(src, ip), hw, m->h.xid, m->h.hops,
	    relay_why_name(why));
}

static void
on_request(struct state *s, const struct relay_if *ifc, uint32_t src,
    uint32_t dst, const uint8_t *p, size_t n)
{
	enum relay_why why;
	const char *detail = NULL;
	char hw[48], gi[16], ip[16];
	long len;
	size_t i;
	int sent = 0;

	if (!relay_for_us(ifc, dst)) {
		s->n.why[RW_NOT_FOR_US]++;
		log_debug("drop request if=%s from=%s to=%s reason=%s",
		    ifc->name, dhcp_ip_fmt(src, ip), dhcp_ip_fmt(dst, gi),
		    relay_why_name(RW_NOT_FOR_US));
		return;
	}
	len = relay_request(&s->rc, ifc, p, n, s->out, sizeof s->out, &s->msg,
	    &why, &detail);
	if (len < 0) {
		log_drop(s, "request", ifc->name, src, why, detail);
		return;
	}
	for (i = 0; i < s->rc.nservers; i++) {
		if (send_udp(s, 0, 0, s->rc.servers[i], SERVER_PORT, s->out,
			(size_t)len) == 0) {
			sent++;
			continue;
		}
		s->n.send_errors++;
		log_debug("unable to send to server %s: %s",
		    dhcp_ip_fmt(s->rc.servers[i], ip), strerror(errno));
	}
	dhcp_hw_fmt(s->msg.h.chaddr, s->msg.h.hlen, hw);
	if (sent == 0) {
		log_warn("unable to send request if=%s hw=%s xid=%08x to any "
			 "server", ifc->name, hw, s->msg.h.xid);
		return;
	}
	s->n.requests++;
	log_debug("request if=%s hw=%s xid=%08x type=%s hops=%u giaddr=%s "
		  "len=%ld servers=%d",
	    ifc->name, hw, s->msg.h.xid, dhcp_type_name(dhcp_msg_type(&s->msg)),
	    s->msg.h.hops + 1u,
	    dhcp_ip_fmt(s->msg.h.giaddr ? s->msg.h.giaddr : ifc->addr, gi),
	    len, sent);
}

static void
on_reply(struct state *s, unsigned ifindex, uint32_t src, const uint8_t *p,
    size_t n)
{
	static const char *const kinds[] = { "broadcast", "unicast", "link" };
	struct relay_dst d;
	enum relay_why why;
	const char *detail = NULL;
	const struct relay_if *ifc;
	char hw[48], ip[16], sv[16], name[IF_NAMESIZE + 1];
	long len;
	int rc = -1;

	len = relay_reply(&s->rc, src, p, n, s->out, sizeof s->out, &s->msg,
	    &d, &why, &detail);
	if (len < 0) {
		if (if_indextoname(ifindex, name) == NULL)
			strcpy(name, "?");
		log_drop(s, "reply", name, src, why, detail);
		return;
	}
	ifc = &s->rc.ifs[d.ifi];
	switch (d.kind) {
	case RELAY_TO_LINK:
		rc = send_link(s, ifc, d.mac, d.ip, s->out, (size_t)len);
		if (rc == 0)
			break;
		/* No packet socket or no way through it: broadcast. */
		d.kind = RELAY_TO_BROADCAST;
		d.ip = 0xffffffffu;
		__attribute__((fallthrough));
	case RELAY_TO_BROADCAST:
		rc = send_udp(s, ifc->index, ifc->addr, 0xffffffffu,
		    CLIENT_PORT, s->out, (size_t)len);
		break;
	case RELAY_TO_UDP:
		rc = send_udp(s, ifc->index, ifc->addr, d.ip, CLIENT_PORT,
		    s->out, (size_t)len);
		break;
	}
	dhcp_hw_fmt(s->msg.h.chaddr, s->msg.h.hlen, hw);
	if (rc != 0) {
		s->n.send_errors++;
		log_warn("unable to send reply if=%s hw=%s to=%s: %s",
		    ifc->name, hw, dhcp_ip_fmt(d.ip, ip), strerror(errno));
		return;
	}
	s->n.replies++;
	log_debug("reply if=%s hw=%s xid=%08x type=%s server=%s to=%s "
		  "via=%s len=%ld",
	    ifc->name, hw, s->msg.h.xid, dhcp_type_name(dhcp_msg_type(&s->msg)),
	    dhcp_ip_fmt(src, sv), dhcp_ip_fmt(d.ip, ip),
	    kinds[d.kind <= RELAY_TO_LINK ? d.kind : 0], len);
}

static const struct relay_if *
client_if(const struct state *s, unsigned ifindex)
{
	size_t i;

	for (i = 0; i < s->rc.nifs; i++)
		if (s->rc.ifs[i].index == ifindex)
			return &s->rc.ifs[i];
	return NULL;
}

static void
dispatch(struct state *s, const uint8_t *p, size_t n, int trunc,
    const struct sockaddr_in *from, const struct in_pktinfo *pi)
{
	const struct relay_if *ifc = client_if(s, (unsigned)pi->ipi_ifindex);
	uint32_t src = ntohl(from->sin_addr.s_addr);
	char ip[16];

	if (trunc) {
		s->n.early[DROP_TOO_BIG]++;
		log_info("drop from=%s reason=over-%d-bytes",
		    dhcp_ip_fmt(src, ip), DHCP_PKT_MAX);
		return;
	}
	/*
	 * Replies come from the servers, on whatever interface leads to
	 * them; requests only from the client side.  The op byte picks the
	 * path; the packet is checked whole on either.
	 */
	if (n > 0 && p[0] == BOOTREPLY) {
		if (ifc != NULL) {
			/* Servers are upstream: this one is forged. */
			s->n.early[DROP_REPLY_CLIENT_SIDE]++;
			log_info("drop reply if=%s from=%s "
				 "reason=reply-on-client-side-interface",
			    ifc->name, dhcp_ip_fmt(src, ip));
			return;
		}
		on_reply(s, (unsigned)pi->ipi_ifindex, src, p, n);
		return;
	}
	if (ifc == NULL) {
		s->n.early[DROP_NOT_CLIENT_SIDE]++;
		log_debug("drop request ifindex=%d from=%s "
			  "reason=not-a-client-side-interface",
		    pi->ipi_ifindex, dhcp_ip_fmt(src, ip));
		return;
	}
	on_request(s, ifc, src, ntohl(pi->ipi_addr.s_addr), p, n);
}

static void
read_udp(struct state *s)
{
	static uint8_t bufs[BATCH][DHCP_PKT_MAX + 1];
	static union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} cms[BATCH];
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in from[BATCH];
	int round, got, i;

	for (round = 0; round < 16; round++) {
		for (i = 0; i < BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = sizeof bufs[i];
			memset(&mm[i], 0, sizeof mm[i]);
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
			mm[i].msg_hdr.msg_name = &from[i];
			mm[i].msg_hdr.msg_namelen = sizeof from[i];
			mm[i].msg_hdr.msg_control = cms[i].buf;
			mm[i].msg_hdr.msg_controllen = sizeof cms[i].buf;
		}
		got = recvmmsg(s->udp, mm, BATCH, MSG_DONTWAIT, NULL);
		if (got < 0 && errno != EAGAIN && errno != EINTR) {
			int e = 0;
			socklen_t el = sizeof e;

			/* A pending error (ICMP): read it so poll calms down. */
			(void)getsockopt(s->udp, SOL_SOCKET, SO_ERROR, &e, &el);
			log_debug("receive: %s", strerror(errno));
			return;
		}
		if (got <= 0)
			return;
		for (i = 0; i < got; i++) {
			struct cmsghdr *c;
			struct in_pktinfo pi;
			int have = 0;

			for (c = CMSG_FIRSTHDR(&mm[i].msg_hdr); c != NULL;
			     c = CMSG_NXTHDR(&mm[i].msg_hdr, c))
				if (c->cmsg_level == IPPROTO_IP &&
				    c->cmsg_type == IP_PKTINFO) {
					memcpy(&pi, CMSG_DATA(c), sizeof pi);
					have = 1;
				}
			if (!have || mm[i].msg_hdr.msg_namelen < sizeof from[i]) {
				s->n.early[DROP_NO_PKTINFO]++;
				continue;
			}
			dispatch(s, bufs[i],
			    mm[i].msg_len > DHCP_PKT_MAX ? DHCP_PKT_MAX :
							   mm[i].msg_len,
			    (mm[i].msg_hdr.msg_flags & MSG_TRUNC) != 0 ||
				mm[i].msg_len > DHCP_PKT_MAX,
			    &from[i], &pi);
		}
		if (got < BATCH)
			return;
	}
}

/* ------------------------------------------------------------ counters */

static void
log_counters(const struct state *s)
{
	char buf[1024];
	size_t o = 0;
	int w, k;

	k = snprintf(buf, sizeof buf,
	    "counters: requests=%llu replies=%llu send-errors=%llu "
	    "not-client-side=%llu reply-on-client-side=%llu too-big=%llu",
	    (unsigned long long)s->n.requests,
	    (unsigned long long)s->n.replies,
	    (unsigned long long)s->n.send_errors,
	    (unsigned long long)s->n.early[DROP_NOT_CLIENT_SIDE],
	    (unsigned long long)s->n.early[DROP_REPLY_CLIENT_SIDE],
	    (unsigned long long)s->n.early[DROP_TOO_BIG]);
	if (k > 0)
		o = (size_t)k < sizeof buf ? (size_t)k : sizeof buf - 1;
	for (w = 1; w < RW_NWHY && o < sizeof buf - 1; w++) {
		k = snprintf(buf + o, sizeof buf - o, " %s=%llu",
		    relay_why_name((enum relay_why)w),
		    (unsigned long long)s->n.why[w]);
		if (k < 0)
			break;
		o += (size_t)k < sizeof buf - o ? (size_t)k : sizeof buf - o - 1;
	}
	log_info("%s", buf);
}

static int
handle_signals(struct state *s)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
		switch (si.ssi_signo) {
		case SIGUSR1:
			log_counters(s);
			break;
		case SIGTERM:
		case SIGINT:
			return 1;
		}
	}
	return 0;
}

/* -------------------------------------------------------------- setup */

static int
open_udp(void)
{
	struct sockaddr_in sin;
	int fd, one = 1, sz = RCVBUF;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	(void)setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
	if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) != 0 ||
	    (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) != 0 &&
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz) != 0)) {
		close(fd);
		return -1;
	}
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(SERVER_PORT);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static void
drop_privileges(const char *user)
{
	struct passwd *pw;
	uid_t uid;
	gid_t gid;

	if (user == NULL) {
		if (geteuid() == 0)
			log_die(RC_PERM, "refusing to run as root: give -u USER");
		return;
	}
	if ((pw = getpwnam(user)) == NULL)
		log_die(RC_PERM, "unknown user %s", user);
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (uid == 0)
		log_die(RC_PERM, "-u %s is root", user);
	if (setgroups(1, &gid) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid(uid, uid, uid) != 0)
		log_die(RC_TEMP, "unable to drop privileges: %s",
		    strerror(errno));
	if (setuid(0) == 0 || geteuid() == 0)
		log_die(RC_TEMP, "root privileges still there after dropping");
}

int
main(int argc, char **argv)
{
	static struct state st;
	struct state *s = &st;
	sigset_t set;
	char ip[16], list[DHCPRELAY_MAXSRV * 16 + 1];
	size_t i, o;

	log_init(argv[0]);
	parse_args(argc, argv, s);
	for (i = 0, o = 0; i < s->rc.nservers; i++) {
		dhcp_ip_fmt(s->rc.servers[i], ip);
		o += (size_t)snprintf(list + o, sizeof list - o, "%s%s",
		    i ? "," : "", ip);
	}
	if (s->check_only)
		return RC_OK;
	if (s->user != NULL && getpwnam(s->user) == NULL)
		log_die(RC_PERM, "unknown user %s", s->user);
	if ((s->udp = open_udp()) < 0)
		log_die(RC_TEMP, "unable to bind UDP port %d: %s", SERVER_PORT,
		    strerror(errno));
	s->pkt = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_IP));
	if (s->pkt < 0)
		log_warn("no packet socket (%s): replies to clients without "
			 "an address are broadcast", strerror(errno));
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	s->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->sigfd < 0)
		log_die(RC_TEMP, "unable to create signalfd: %s",
		    strerror(errno));
	drop_privileges(s->user);
	for (i = 0; i < s->rc.nifs; i++)
		log_info("interface %s ifindex=%u address=%s circuit-id=%zu "
			 "bytes",
		    s->rc.ifs[i].name, s->rc.ifs[i].index,
		    dhcp_ip_fmt(s->rc.ifs[i].addr, ip), s->rc.ifs[i].circuit_len);
	log_info("ready: %zu interfaces, servers %s, max-hops=%u, "
		 "option-82=%s, untrusted-82=%s",
	    s->rc.nifs, list, s->rc.max_hops, s->rc.add_agent ? "on" : "off",
	    s->rc.policy == RELAY_DROP ? "drop" :
	    s->rc.policy == RELAY_FORWARD ? "forward" : "replace");
	if (s->notify_fd >= 0) {
		if (write(s->notify_fd, "\n", 1) != 1)
			log_warn("unable to notify readiness");
		close(s->notify_fd);
	}
	for (;;) {
		struct pollfd pfd[2];

		pfd[0].fd = s->udp;
		pfd[0].events = POLLIN;
		pfd[1].fd = s->sigfd;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			log_die(RC_TEMP, "poll: %s", strerror(errno));
		if (pfd[0].revents & (POLLIN | POLLERR))
			read_udp(s);
		if ((pfd[1].revents & POLLIN) && handle_signals(s))
			break;
	}
	log_counters(s);
	log_info("terminating");
	return RC_OK;
}
