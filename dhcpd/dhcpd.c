/*
 * dhcpd: the DHCPv4 server.  One process, one poll loop: UDP port 67
 * with IP_PKTINFO, a packet socket for replies to clients that have no
 * address yet, a raw ICMP socket for the ping check, a thread that does
 * the group-commit fsyncs of the lease journal, and signals through a
 * signalfd.  Started as root to open its sockets, it runs as -u USER.
 * The protocol is in lib/dhcpsrv, the packets in lib/dhcppkt, the
 * configuration in lib/dhcpconf, the lease files in lib/dhcplease.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "dhcpconf.h"
#include "dhcpisc.h"
#include "dhcplease.h"
#include "dhcppkt.h"
#include "dhcpsrv.h"
#include "log.h"
#include "num.h"

enum rc { RC_OK = 0, RC_PERM = 100, RC_TEMP = 111 };

#define MAX_IFS 32
#define BATCH 32
#define PING_MAX 512
#define HELD_MAX 8192
#define RCVBUF (4 << 20)
#define COMPACT_EVERY 20000 /* journal records between compactions */

struct cfg {
	const char *conf_path;
	const char *lease_dir;
	const char *user;
	const char *migrate; /* an ISC dhcpd.leases to start from */
	int check_only;
	int notify_fd;
	int port;
	int nifs, nrelay;
	unsigned ifs[MAX_IFS], relay[MAX_IFS];
	int relay_any;
	uint32_t compact_every;
};

/* A request waiting for its ping check. */
struct ping {
	int used;
	uint32_t ip;
	uint16_t seq;
	int64_t deadline_ms;
	unsigned ifindex;
	struct dhcpsrv_rx rx;
	size_t len;
	uint8_t pkt[DHCP_PKT_MAX];
};

/* A reply waiting for the fsync that makes its lease durable. */
struct held {
	uint64_t seq;
	enum dhcpsrv_dst dst;
	uint32_t dst_ip, local_ip;
	unsigned ifindex;
	uint8_t chaddr[6];
	size_t len;
	uint8_t pkt[];
};

struct state {
	struct cfg *cfg;
	struct dhcpconf *conf; /* on the heap: the engine points to it */
	struct dhcpsrv *srv;
	struct lease_db db;
	int udp, pkt, icmp, sigfd, evfd;
	uint16_t ping_ident;
	struct ping *pings;
	struct held **held;
	size_t held_head, held_n;
	uint64_t since_compact;
	pid_t compactor;
	/* The commit thread. */
	pthread_t thr;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t want, synced;
	int busy, stop, sync_failed;
	/* The reload thread: reads dhcpd.conf (resolving its host names)
	 * beside the loop; guarded by mu. */
	pthread_t rthr;
	int reloading, reload_done, reload_again;
	struct dhcpconf *reload_conf; /* the new one, NULL if it was bad */
	/* Scratch space kept off the stack. */
	struct dhcp_msg msg;
	struct dhcpsrv_result res;
	uint8_t out[DHCP_PKT_MAX];
};

static int64_t
now_s(void)
{
	return (int64_t)time(NULL);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
usage(void)
{
	log_die(RC_PERM,
	    "usage: dhcpd [-t] [-c dhcpd.conf] [-l leasedir] [-u user] "
	    "[-i ifname]... [-R ifname|any]... [-d fd] [-C n] "
	    "[-m dhcpd.leases]");
}

static unsigned
ifindex_of(const char *name)
{
	unsigned i = if_nametoindex(name);

	if (i == 0)
		log_die(RC_PERM, "unknown interface %s", name);
	return i;
}

static void
parse_args(int argc, char **argv, struct cfg *c)
{
	static char confbuf[512];
	uint64_t v;
	int ch;

	memset(c, 0, sizeof *c);
	c->notify_fd = -1;
	c->port = 67;
	c->compact_every = COMPACT_EVERY;
	snprintf(confbuf, sizeof confbuf, "%s/dhcpd.conf", control_dir());
	c->conf_path = confbuf;
	c->lease_dir = getenv("FACTEUR_DHCP_LEASES");
	if (c->lease_dir == NULL || *c->lease_dir == '\0')
		c->lease_dir = "/var/lib/facteur/dhcpd";
	while ((ch = getopt(argc, argv, "tc:l:u:i:R:d:C:m:")) != -1) {
		switch (ch) {
		case 't':
			c->check_only = 1;
			break;
		case 'c':
			c->conf_path = optarg;
			break;
		case 'l':
			c->lease_dir = optarg;
			break;
		case 'u':
			c->user = optarg;
			break;
		case 'i':
			if (c->nifs == MAX_IFS)
				log_die(RC_PERM, "too many -i");
			c->ifs[c->nifs++] = ifindex_of(optarg);
			break;
		case 'R':
			if (strcmp(optarg, "any") == 0) {
				c->relay_any = 1;
				break;
			}
			if (c->nrelay == MAX_IFS)
				log_die(RC_PERM, "too many -R");
			c->relay[c->nrelay++] = ifindex_of(optarg);
			break;
		case 'd':
			if (num_u64z(optarg, 1023, &v) != 0 || v < 3)
				log_die(RC_PERM, "bad -d %s", optarg);
			c->notify_fd = (int)v;
			break;
		case 'm':
			c->migrate = optarg;
			break;
		case 'C':
			if (num_u64z(optarg, UINT32_MAX, &v) != 0 || v == 0)
				log_die(RC_PERM, "bad -C %s", optarg);
			c->compact_every = (uint32_t)v;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
}

static int
load_conf(const char *path, struct dhcpconf *conf)
{
	struct dhcpconf_err err;
	char msg[600];

	if (dhcpconf_load(path, dhcpconf_resolve_system, NULL, conf, &err) !=
	    0) {
		dhcpconf_err_format(&err, msg, sizeof msg);
		log_error("%s", msg);
		return -1;
	}
	return 0;
}

/* ----------------------------------------------------------- migration */

#define ISC_LEASES_MAX ((size_t)1 << 28)

/* Reads a whole regular file; 0, or -1 with a reason in why. */
static int
read_all(const char *path, char **buf_r, size_t *len_r, const char **why)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*why = NULL;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > ISC_LEASES_MAX) {
		close(fd);
		*why = "not a regular file of at most 256 MB";
		return -1;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return -1;
	}
	while (got < (size_t)st.st_size) {
		r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	*buf_r = buf;
	*len_r = got;
	return 0;
}

struct migration {
	struct state *s; /* NULL under -t: parse only */
	int failed;
};

static void
migrate_cb(void *ctx, const struct lease_rec *r)
{
	struct migration *mg = ctx;

	if (mg->s == NULL)
		return;
	if (lease_db_append(&mg->s->db, r) != 0)
		mg->failed = 1;
	dhcpsrv_load(mg->s->srv, r, now_s());
}

/*
 * -m: at the first start (an empty lease database), the leases of ISC
 * dhcpd's lease file become the first journal records, durable before
 * the first packet is read.  A bad file stops dhcpd, like a bad
 * configuration.  s is NULL under -t (only check the file).
 */
static void
migrate(struct state *s, const char *path, const struct lease_stats *ls)
{
	struct migration mg = { s, 0 };
	struct dhcpisc_err err;
	const char *why;
	char *text;
	size_t len;
	long n;

	if (s != NULL && ls->records > 0) {
		log_info("lease database not empty: %s not read", path);
		return;
	}
	if (read_all(path, &text, &len, &why) != 0)
		log_die(RC_PERM, "unable to read %s: %s", path,
		    why != NULL ? why : strerror(errno));
	n = dhcpisc_parse(text, len, migrate_cb, &mg, &err);
	free(text);
	if (n < 0)
		log_die(RC_PERM, "%s:%u:%u: %s", path, err.line, err.col,
		    err.reason);
	if (s == NULL)
		return;
	if (mg.failed || lease_db_write(&s->db) != 0 ||
	    lease_db_sync(&s->db) != 0)
		log_die(RC_TEMP, "unable to record the migrated leases: %s",
		    strerror(errno));
	log_info("migrated %ld leases from %s", n, path);
}

/* ------------------------------------------------------- commit thread */

static void *
committer(void *arg)
{
	struct state *s = arg;
	uint64_t target, one = 1;
	int fd, rc;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->stop && s->want <= s->synced)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->want <= s->synced && s->stop)
			break;
		target = s->want;
		fd = s->db.fd;
		s->busy = 1;
		pthread_mutex_unlock(&s->mu);
		rc = fdatasync(fd) == 0 || errno == EINVAL ? 0 : -1;
		if (rc != 0)
			rc = fsync(fd);
		pthread_mutex_lock(&s->mu);
		s->busy = 0;
		if (rc == 0)
			s->synced = target;
		else
			s->sync_failed = 1;
		pthread_cond_broadcast(&s->cv);
		if (write(s->evfd, &one, sizeof one) < 0) {
			/* The counter cannot overflow in practice. */
		}
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Hands what is written to the commit thread. */
static void
kick_commit(struct state *s)
{
	if (s->db.pending.len > 0 && lease_db_write(&s->db) != 0)
		log_error("unable to write the lease journal: %s",
		    strerror(errno));
	pthread_mutex_lock(&s->mu);
	if (s->db.written > s->want) {
		s->want = s->db.written;
		pthread_cond_signal(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
}

/* Waits until everything written is synced (for rotation, exit). */
static void
wait_synced(struct state *s)
{
	kick_commit(s);
	pthread_mutex_lock(&s->mu);
	while ((s->synced < s->want || s->busy) && !s->sync_failed)
		pthread_cond_wait(&s->cv, &s->mu);
	pthread_mutex_unlock(&s->mu);
}

/* ----------------------------------------------------------- sending */

static uint16_t
csum(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Sends payload as an IPv4/UDP frame to mac on ifindex. */
static int
send_link(struct state *s, unsigned ifindex, const uint8_t *mac,
    uint32_t src, uint32_t dst, const uint8_t *payload, size_t n)
{
	uint8_t frame[20 + 8 + DHCP_PKT_MAX], pseudo[12];
	struct sockaddr_ll sll;
	size_t tot = 20 + 8 + n, ulen = 8 + n;
	uint16_t c;
	uint32_t sum = 0;
	size_t i;

	if (s->pkt < 0 || n > DHCP_PKT_MAX) {
		errno = ENOTSUP;
		return -1;
	}
	memset(frame, 0, 28);
	frame[0] = 0x45;
	frame[2] = (uint8_t)(tot >> 8);
	frame[3] = (uint8_t)tot;
	frame[8] = 64;
	frame[9] = IPPROTO_UDP;
	frame[12] = (uint8_t)(src >> 24);
	frame[13] = (uint8_t)(src >> 16);
	frame[14] = (uint8_t)(src >> 8);
	frame[15] = (uint8_t)src;
	frame[16] = (uint8_t)(dst >> 24);
	frame[17] = (uint8_t)(dst >> 16);
	frame[18] = (uint8_t)(dst >> 8);
	frame[19] = (uint8_t)dst;
	c = csum(0, frame, 20);
	frame[10] = (uint8_t)(c >> 8);
	frame[11] = (uint8_t)c;
	frame[20] = 0;
	frame[21] = 67;
	frame[22] = 0;
	frame[23] = 68;
	frame[24] = (uint8_t)(ulen >> 8);
	frame[25] = (uint8_t)ulen;
	memcpy(frame + 28, payload, n);
	memcpy(pseudo, frame + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_UDP;
	pseudo[10] = (uint8_t)(ulen >> 8);
	pseudo[11] = (uint8_t)ulen;
	for (i = 0; i < 12; i += 2)
		sum += (uint32_t)pseudo[i] << 8 | pseudo[i + 1];
	c = csum(sum, frame + 20, ulen);
	if (c == 0)
		c = 0xffff;
	frame[26] = (uint8_t)(c >> 8);
	frame[27] = (uint8_t)c;
	memset(&sll, 0, sizeof sll);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_ifindex = (int)ifindex;
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, mac, 6);
	if (sendto(s->pkt, frame, tot, 0, (struct sockaddr *)&sll,
		sizeof sll) < 0)
		return -1;
	return 0;
}

/* Sends by UDP, out of ifindex from local_ip. */
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
	if (sendmsg(s->udp, &mh, 0) < 0)
		return -1;
	return 0;
}

static void
deliver(struct state *s, enum dhcpsrv_dst dst, uint32_t dst_ip,
    uint32_t local_ip, unsigned ifindex, const uint8_t *chaddr,
    const uint8_t *p, size_t n)
{
	char ip[16];
	int rc = -1;

	switch (dst) {
	case DHCPSRV_TO_RELAY:
		rc = send_udp(s, 0, local_ip, dst_ip, s->cfg->port, p, n);
		break;
	case DHCPSRV_TO_UNICAST:
		rc = send_udp(s, 0, local_ip, dst_ip, s->cfg->port + 1, p, n);
		break;
	case DHCPSRV_TO_LINK:
		rc = send_link(s, ifindex, chaddr, local_ip, dst_ip, p, n);
		if (rc == 0)
			break;
		/* No packet socket: broadcast instead. */
		__attribute__((fallthrough));
	case DHCPSRV_TO_BROADCAST:
		rc = send_udp(s, ifindex, local_ip, INADDR_BROADCAST,
		    s->cfg->port + 1, p, n);
		break;
	}
	if (rc != 0)
		log_warn("unable to send reply to %s: %s",
		    dhcp_ip_fmt(dst == DHCPSRV_TO_BROADCAST ? INADDR_BROADCAST :
			dst_ip, ip),
		    strerror(errno));
}

static void
send_held(struct state *s)
{
	uint64_t synced;

	pthread_mutex_lock(&s->mu);
	synced = s->synced;
	pthread_mutex_unlock(&s->mu);
	while (s->held_n > 0) {
		struct held *h = s->held[s->held_head];

		if (h->seq > synced)
			break;
		deliver(s, h->dst, h->dst_ip, h->local_ip, h->ifindex,
		    h->chaddr, h->pkt, h->len);
		free(h);
		s->held[s->held_head] = NULL;
		s->held_head = (s->held_head + 1) % HELD_MAX;
		s->held_n--;
	}
}

/* ------------------------------------------------------ the requests */

static void
journal(struct state *s, const struct lease_rec *r)
{
	if (lease_db_append(&s->db, r) != 0)
		log_error("unable to record lease: %s", strerror(errno));
	s->since_compact++;
}

static void
log_result(const struct dhcp_msg *m, const struct dhcpsrv_result *res,
    const char *what)
{
	char hw[48], ip[16], gi[16];
	size_t len = 0;
	const uint8_t *hn = dhcp_opt(m, DHO_HOST_NAME, &len);
	char host[80];

	dhcp_hw_fmt(m->h.chaddr, m->h.hlen, hw);
	host[0] = '\0';
	if (hn != NULL)
		log_escape(host, sizeof host, hn, len);
	log_info("%s hw=%s ip=%s giaddr=%s host=%s xid=%08x %s%s",
	    dhcp_type_name(dhcp_msg_type(m)), hw, dhcp_ip_fmt(res->ip, ip),
	    dhcp_ip_fmt(m->h.giaddr, gi), host[0] ? host : "-", m->h.xid,
	    what, res->why ? res->why : "");
}

static void send_ping(struct state *s, uint32_t ip, uint16_t seq);

static void
process(struct state *s, const uint8_t *pkt, size_t n,
    const struct dhcpsrv_rx *rx, unsigned ifindex)
{
	struct dhcp_msg *m = &s->msg;
	struct dhcpsrv_result *res = &s->res;
	const char *why = NULL;
	long len;
	unsigned dropped = 0;
	size_t i;

	if (dhcp_parse(pkt, n, m, &why) != 0) {
		log_info("drop: bad packet len=%zu: %s", n, why);
		return;
	}
	dhcpsrv_handle(s->srv, m, rx, now_s(), res);
	if (res->has_rec)
		journal(s, &res->rec);
	switch (res->act) {
	case DHCPSRV_DROP:
		log_result(m, res, res->has_rec ? "" : "drop: ");
		return;
	case DHCPSRV_PING:
		for (i = 0; i < PING_MAX; i++)
			if (!s->pings[i].used)
				break;
		if (i == PING_MAX || n > DHCP_PKT_MAX) {
			log_result(m, res, "drop: too many ping checks running");
			return;
		}
		s->pings[i].used = 1;
		s->pings[i].ip = res->ping_ip;
		s->pings[i].seq = (uint16_t)(s->pings[i].seq + PING_MAX);
		s->pings[i].deadline_ms = now_ms() +
		    1000 * (int64_t)(res->ping_timeout > 0 ?
			(res->ping_timeout < 30 ? res->ping_timeout : 30) : 1);
		s->pings[i].rx = *rx;
		s->pings[i].ifindex = ifindex;
		s->pings[i].len = n;
		memcpy(s->pings[i].pkt, pkt, n);
		send_ping(s, res->ping_ip, (uint16_t)(s->pings[i].seq + i));
		return;
	case DHCPSRV_SEND:
	case DHCPSRV_COMMIT:
		break;
	}
	len = dhcp_build(&res->out, res->max, s->out, sizeof s->out, &dropped);
	if (len < 0) {
		log_result(m, res, "drop: reply does not fit");
		return;
	}
	{
		int t = 0;

		for (i = 0; i < res->out.nopts; i++)
			if (res->out.opt[i].code == DHO_MSG_TYPE)
				t = res->out.data[res->out.opt[i].off];
		log_result(m, res, t == DHCPNAK ? "NAK " : t == DHCPOFFER ?
		    "OFFER" : "ACK");
	}
	if (dropped > 0)
		log_warn("%u options did not fit the reply", dropped);
	if (res->act == DHCPSRV_SEND) {
		deliver(s, res->dst, res->dst_ip, rx->local_ip, ifindex,
		    m->h.chaddr, s->out, (size_t)len);
		return;
	}
	/* COMMIT: the reply waits for the fsync of its record. */
	if (s->held_n == HELD_MAX)
		wait_synced(s), send_held(s);
	{
		struct held *h = malloc(sizeof *h + (size_t)len);

		if (h == NULL) {
			log_error("out of memory holding a reply");
			return;
		}
		h->seq = s->db.appended;
		h->dst = res->dst;
		h->dst_ip = res->dst_ip;
		h->local_ip = rx->local_ip;
		h->ifindex = ifindex;
		memcpy(h->chaddr, m->h.chaddr, 6);
		h->len = (size_t)len;
		memcpy(h->pkt, s->out, (size_t)len);
		s->held[(s->held_head + s->held_n) % HELD_MAX] = h;
		s->held_n++;
	}
}

static int
if_allowed(const unsigned *list, int n, unsigned ifindex)
{
	int i;

	for (i = 0; i < n; i++)
		if (list[i] == ifindex)
			return 1;
	return 0;
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
		if (got <= 0)
			return;
		for (i = 0; i < got; i++) {
			struct cmsghdr *c;
			struct in_pktinfo pi;
			struct dhcpsrv_rx rx;
			int have = 0;

			for (c = CMSG_FIRSTHDR(&mm[i].msg_hdr); c != NULL;
			     c = CMSG_NXTHDR(&mm[i].msg_hdr, c))
				if (c->cmsg_level == IPPROTO_IP &&
				    c->cmsg_type == IP_PKTINFO) {
					memcpy(&pi, CMSG_DATA(c), sizeof pi);
					have = 1;
				}
			if (!have)
				continue;
			if (s->cfg->nifs > 0 &&
			    !if_allowed(s->cfg->ifs, s->cfg->nifs,
				(unsigned)pi.ipi_ifindex))
				continue;
			if (mm[i].msg_hdr.msg_flags & MSG_TRUNC) {
				log_info("drop: packet over %d bytes",
				    DHCP_PKT_MAX);
				continue;
			}
			rx.local_ip = ntohl(pi.ipi_spec_dst.s_addr);
			rx.relay_ok = s->cfg->relay_any ||
			    if_allowed(s->cfg->relay, s->cfg->nrelay,
				(unsigned)pi.ipi_ifindex);
			process(s, bufs[i], mm[i].msg_len, &rx,
			    (unsigned)pi.ipi_ifindex);
		}
		if (got < BATCH)
			return;
	}
}

/* ---------------------------------------------------------- ping check */

static void
send_ping(struct state *s, uint32_t ip, uint16_t seq)
{
	uint8_t pkt[16];
	struct sockaddr_in sin;
	uint16_t c;

	if (s->icmp < 0)
		return; /* the check then times out: address taken as free */
	memset(pkt, 0, sizeof pkt);
	pkt[0] = ICMP_ECHO;
	pkt[4] = (uint8_t)(s->ping_ident >> 8);
	pkt[5] = (uint8_t)s->ping_ident;
	pkt[6] = (uint8_t)(seq >> 8);
	pkt[7] = (uint8_t)seq;
	memcpy(pkt + 8, "facteur!", 8);
	c = csum(0, pkt, sizeof pkt);
	pkt[2] = (uint8_t)(c >> 8);
	pkt[3] = (uint8_t)c;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(ip);
	if (sendto(s->icmp, pkt, sizeof pkt, 0, (struct sockaddr *)&sin,
		sizeof sin) < 0 &&
	    errno != EHOSTUNREACH)
		log_warn("unable to send ping: %s", strerror(errno));
}

static void
ping_done(struct state *s, size_t i, int answered)
{
	struct ping *p = &s->pings[i];
	struct lease_rec r;
	char ip[16];

	p->used = 0;
	dhcpsrv_ping_result(s->srv, p->ip, answered, now_s(), &r);
	if (answered) {
		log_warn("ping check: %s answered: marked abandoned",
		    dhcp_ip_fmt(p->ip, ip));
		if (r.ip != 0)
			journal(s, &r);
	}
	/* Handle the request again: now the address is known. */
	process(s, p->pkt, p->len, &p->rx, p->ifindex);
}

static void
read_icmp(struct state *s)
{
	uint8_t buf[1500];
	struct sockaddr_in from;
	socklen_t fl;
	ssize_t n;
	size_t ihl, i;
	uint16_t id, seq;
	int k;

	for (k = 0; k < 64; k++) {
		fl = sizeof from;
		n = recvfrom(s->icmp, buf, sizeof buf, MSG_DONTWAIT,
		    (struct sockaddr *)&from, &fl);
		if (n <= 0)
			return;
		if ((size_t)n < 20)
			continue;
		ihl = (size_t)(buf[0] & 15) * 4;
		if (ihl < 20 || (size_t)n < ihl + 8 || buf[ihl] != ICMP_ECHOREPLY)
			continue;
		id = (uint16_t)(buf[ihl + 4] << 8 | buf[ihl + 5]);
		seq = (uint16_t)(buf[ihl + 6] << 8 | buf[ihl + 7]);
		if (id != s->ping_ident)
			continue;
		i = seq % PING_MAX;
		if (s->pings[i].used &&
		    (uint16_t)(s->pings[i].seq + i) == seq &&
		    s->pings[i].ip == ntohl(from.sin_addr.s_addr))
			ping_done(s, i, 1);
	}
}

static int64_t
ping_timeouts(struct state *s)
{
	int64_t now = now_ms(), next = -1;
	size_t i;

	for (i = 0; i < PING_MAX; i++) {
		if (!s->pings[i].used)
			continue;
		if (s->pings[i].deadline_ms <= now)
			ping_done(s, i, 0);
		else if (next < 0 || s->pings[i].deadline_ms < next)
			next = s->pings[i].deadline_ms;
	}
	return next < 0 ? -1 : next - now;
}

/* ------------------------------------------------- leases and reloads */

static void
load_cb(void *ctx, const struct lease_rec *r)
{
	dhcpsrv_load(ctx, r, now_s());
}

/*
 * SIGHUP: the configuration is read (and its host names resolved,
 * which may take the resolver's time) by a thread, so the packet loop
 * goes on meanwhile; the loop then builds the new engine from the lease
 * files (reload_finish).
 */
static void *
reload_reader(void *arg)
{
	struct state *s = arg;
	struct dhcpconf *nc = calloc(1, sizeof *nc);
	uint64_t one = 1;

	if (nc != NULL && load_conf(s->cfg->conf_path, nc) != 0) {
		free(nc);
		nc = NULL;
	}
	pthread_mutex_lock(&s->mu);
	s->reload_conf = nc;
	s->reload_done = 1;
	pthread_mutex_unlock(&s->mu);
	if (write(s->evfd, &one, sizeof one) < 0) {
		/* The loop also looks at reload_done on its next turn. */
	}
	return NULL;
}

static void
reload_start(struct state *s)
{
	if (s->reloading) {
		s->reload_again = 1; /* the file may have changed since */
		return;
	}
	log_info("SIGHUP: reloading %s", s->cfg->conf_path);
	s->reloading = 1;
	s->reload_done = 0;
	if (pthread_create(&s->rthr, NULL, reload_reader, s) != 0) {
		s->reloading = 0;
		log_error("unable to start the reload: keeping the old "
			  "configuration");
	}
}

static void
reload_finish(struct state *s)
{
	struct dhcpconf *nc;
	struct dhcpsrv *ns;
	struct lease_stats st;
	int done;

	pthread_mutex_lock(&s->mu);
	done = s->reload_done;
	nc = s->reload_conf;
	pthread_mutex_unlock(&s->mu);
	if (!s->reloading || !done)
		return;
	pthread_join(s->rthr, NULL);
	s->reloading = 0;
	s->reload_conf = NULL;
	if (nc == NULL) {
		log_error("keeping the old configuration");
		goto again;
	}
	if ((ns = dhcpsrv_new(nc)) == NULL) {
		log_error("out of memory: keeping the old configuration");
		dhcpconf_free(nc);
		free(nc);
		goto again;
	}
	/* Every lease is in the files: write what is buffered, read back. */
	kick_commit(s);
	if (lease_db_load(s->cfg->lease_dir, load_cb, ns, &st) != 0) {
		log_error("unable to read leases: %s; keeping the old "
			  "configuration", strerror(errno));
		dhcpsrv_free(&ns);
		dhcpconf_free(nc);
		free(nc);
		goto again;
	}
	dhcpsrv_loaded(ns, now_s());
	/* Ping checks in flight end as usual: their outcome and their
	 * requests go to the new engine (an answer abandons the address
	 * there too). */
	dhcpsrv_free(&s->srv);
	dhcpconf_free(s->conf);
	free(s->conf);
	s->conf = nc;
	s->srv = ns;
	log_info("reloaded: %zu subnets, %zu hosts, %zu lease records",
	    s->conf->nsubnets, s->conf->nhosts, st.records);
again:
	if (s->reload_again) {
		s->reload_again = 0;
		reload_start(s);
	}
}

static void
maybe_compact(struct state *s)
{
	uint64_t gen;
	pid_t pid;

	if (s->compactor > 0 || s->since_compact < s->cfg->compact_every)
		return;
	wait_synced(s);
	pthread_mutex_lock(&s->mu);
	if (lease_db_rotate(&s->db, &gen) != 0) {
		pthread_mutex_unlock(&s->mu);
		log_error("unable to start a new journal: %s", strerror(errno));
		return;
	}
	pthread_mutex_unlock(&s->mu);
	s->since_compact = 0;
	pid = fork();
	if (pid < 0) {
		log_warn("unable to fork the compaction: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		int rc = lease_db_compact(s->cfg->lease_dir, s->db.dirfd, gen,
		    now_s());

		_exit(rc == 0 ? 0 : RC_TEMP);
	}
	s->compactor = pid;
	log_info("compacting leases into generation %llu (pid %d)",
	    (unsigned long long)gen, (int)pid);
}

static int
handle_signals(struct state *s)
{
	struct signalfd_siginfo si;
	int status;
	pid_t pid;

	while (read(s->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
		switch (si.ssi_signo) {
		case SIGHUP:
			reload_start(s);
			break;
		case SIGTERM:
		case SIGINT:
			return 1;
		case SIGCHLD:
			while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
				if (pid == s->compactor) {
					s->compactor = 0;
					if (WIFEXITED(status) &&
					    WEXITSTATUS(status) == 0)
						log_info("compaction done");
					else
						log_warn("compaction failed");
				}
			break;
		}
	}
	return 0;
}

/* -------------------------------------------------------------- setup */

static int
open_udp(int port)
{
	struct sockaddr_in sin;
	int fd, one = 1, sz = RCVBUF;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	(void)setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
	(void)setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) != 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static void
drop_privileges(const struct cfg *c)
{
	struct passwd *pw;
	uid_t uid;
	gid_t gid;

	if (c->user == NULL) {
		if (geteuid() == 0)
			log_die(RC_PERM, "refusing to run as root: give -u USER");
		return;
	}
	if ((pw = getpwnam(c->user)) == NULL)
		log_die(RC_PERM, "unknown user %s", c->user);
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (uid == 0)
		log_die(RC_PERM, "-u %s is root", c->user);
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
	static struct cfg cfg;
	struct lease_stats ls;
	sigset_t set;
	int one = 1;

	log_init(argv[0]);
	parse_args(argc, argv, &cfg);
	s->cfg = &cfg;
	if ((s->conf = calloc(1, sizeof *s->conf)) == NULL)
		log_die(RC_TEMP, "out of memory");
	if (load_conf(cfg.conf_path, s->conf) != 0)
		return RC_PERM;
	if (cfg.check_only) {
		if (cfg.migrate != NULL)
			migrate(NULL, cfg.migrate, NULL);
		return RC_OK;
	}
	if ((s->srv = dhcpsrv_new(s->conf)) == NULL)
		log_die(RC_TEMP, "out of memory");
	if (lease_db_open(cfg.lease_dir, load_cb, s->srv, &s->db, &ls) != 0)
		log_die(RC_TEMP, "unable to open leases in %s: %s",
		    cfg.lease_dir, strerror(errno));
	if (cfg.migrate != NULL)
		migrate(s, cfg.migrate, &ls);
	dhcpsrv_loaded(s->srv, now_s());
	if (ls.torn)
		log_warn("lease journal ended in a torn record: cut off");
	if (ls.bad)
		log_warn("%zu bad lease records skipped", ls.bad);
	if (cfg.user != NULL) {
		struct passwd *pw = getpwnam(cfg.user);

		/* The journal directory must stay writable for rotation. */
		if (pw != NULL && geteuid() == 0 &&
		    fchown(s->db.dirfd, pw->pw_uid, pw->pw_gid) != 0)
			log_warn("unable to chown %s: %s", cfg.lease_dir,
			    strerror(errno));
		if (pw != NULL && geteuid() == 0 &&
		    fchown(s->db.fd, pw->pw_uid, pw->pw_gid) != 0)
			log_warn("unable to chown the journal: %s",
			    strerror(errno));
	}
	if ((s->udp = open_udp(cfg.port)) < 0)
		log_die(RC_TEMP, "unable to bind UDP port %d: %s", cfg.port,
		    strerror(errno));
	s->pkt = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_IP));
	if (s->pkt < 0)
		log_warn("no packet socket (%s): replies to clients without "
			 "an address are broadcast", strerror(errno));
	s->icmp = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    IPPROTO_ICMP);
	if (s->icmp < 0)
		log_warn("no ICMP socket (%s): ping check off", strerror(errno));
	s->ping_ident = (uint16_t)getpid();
	(void)one;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	s->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	s->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->sigfd < 0 || s->evfd < 0)
		log_die(RC_TEMP, "unable to create signalfd/eventfd: %s",
		    strerror(errno));
	drop_privileges(&cfg);
	s->pings = calloc(PING_MAX, sizeof *s->pings);
	s->held = calloc(HELD_MAX, sizeof *s->held);
	if (s->pings == NULL || s->held == NULL)
		log_die(RC_TEMP, "out of memory");
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->want = s->synced = s->db.written;
	if (pthread_create(&s->thr, NULL, committer, s) != 0)
		log_die(RC_TEMP, "unable to start the commit thread");
	log_info("ready: %zu subnets, %zu hosts, %zu lease records, "
		 "generation %llu", s->conf->nsubnets, s->conf->nhosts,
	    ls.records, (unsigned long long)ls.gen);
	if (cfg.notify_fd >= 0) {
		if (write(cfg.notify_fd, "\n", 1) != 1)
			log_warn("unable to notify readiness");
		close(cfg.notify_fd);
	}

	for (;;) {
		struct pollfd pfd[4];
		int64_t t = ping_timeouts(s);
		int n = 0, i;
		uint64_t v;

		kick_commit(s);
		send_held(s);
		pfd[n].fd = s->udp;
		pfd[n++].events = POLLIN;
		pfd[n].fd = s->sigfd;
		pfd[n++].events = POLLIN;
		pfd[n].fd = s->evfd;
		pfd[n++].events = POLLIN;
		if (s->icmp >= 0) {
			pfd[n].fd = s->icmp;
			pfd[n++].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)n, t < 0 ? -1 : (int)t + 1) < 0 &&
		    errno != EINTR)
			log_die(RC_TEMP, "poll: %s", strerror(errno));
		if (s->sync_failed)
			log_die(RC_TEMP, "unable to sync the lease journal");
		for (i = 0; i < n; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLERR)))
				continue;
			if (pfd[i].fd == s->udp)
				read_udp(s);
			else if (pfd[i].fd == s->icmp)
				read_icmp(s);
			else if (pfd[i].fd == s->evfd &&
			    read(s->evfd, &v, sizeof v) < 0 && errno != EAGAIN)
				log_warn("eventfd: %s", strerror(errno));
			else if (pfd[i].fd == s->sigfd && handle_signals(s))
				goto out;
		}
		reload_finish(s);
		maybe_compact(s);
	}
out:
	log_info("terminating");
	if (s->reloading) {
		pthread_join(s->rthr, NULL);
		if (s->reload_conf != NULL) {
			dhcpconf_free(s->reload_conf);
			free(s->reload_conf);
		}
	}
	wait_synced(s);
	send_held(s);
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thr, NULL);
	lease_db_close(&s->db);
	return RC_OK;
}
