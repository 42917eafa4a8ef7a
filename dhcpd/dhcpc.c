/*
 * dhcpc: the DHCPv4 client, one process per interface, long-running
 * under a supervisor.  Before it has an address it sends and receives
 * whole Ethernet frames on a packet socket (lib/rawudp, BPF filter for
 * UDP port 68); once bound it renews through a UDP socket on port 68
 * tied to the interface.  The protocol is in lib/dhcpcli, the packets
 * in lib/dhcppkt, the configuration in lib/dhclientconf.  It applies
 * leases by running a script with the lease in its environment, as
 * dhclient-script does, and remembers the lease in a state file written
 * through lib/durable, for INIT-REBOOT after a restart.  Signals arrive
 * through a signalfd: TERM and INT end it keeping the lease, USR2 gives
 * the lease back (RELEASE) and ends it.
 *
 * With -u USER the work is split in two processes: once the sockets
 * are open, a child switches to USER and does everything that touches
 * the network (parsing, validation, the state machine); the parent
 * stays root and only runs the script and writes the state file when
 * the child asks over a socketpair.  The parent trusts nothing it
 * gets: variable names must be reason or new_/old_ plus lower-case
 * letters, digits and '_', every value is sanitised again, and a state
 * must hold an ACK that passes the same validation.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "dhclientconf.h"
#include "dhcpcli.h"
#include "dhcppkt.h"
#include "durable.h"
#include "log.h"
#include "num.h"
#include "rawudp.h"

enum rc { RC_OK = 0, RC_PERM = 100, RC_TEMP = 111 };

#define SCRIPT_LIMIT_MS 60000 /* a script running longer is killed */
/* RFC 5227 section 1.1 constants, in ms. */
#define PROBE_WAIT 1000
#define PROBE_NUM 3
#define PROBE_MIN 1000
#define PROBE_MAX 2000
#define ANNOUNCE_WAIT 2000
#define ANNOUNCE_NUM 2
#define ANNOUNCE_INTERVAL 2000
#define MAX_ERRORS 100 /* receive errors in a row before giving up */

struct cfg {
	const char *ifname;
	const char *conf_path;
	int conf_explicit;
	const char *state_path;
	const char *script;
	int check_only;
	int release;
	int probe;
	int notify_fd;
	int verbose;
	const char *user;
};

struct state {
	struct cfg *cfg;
	struct dcc_conf conf;
	struct dcl d;
	int pkt, udp, arp, sigfd;
	int ifindex;
	uint8_t mac[6];
	int statedir;
	char statename[256], statetmp[280];
	/* ARP probe (RFC 5227) */
	uint32_t probe_ip;
	int probes_sent;
	int64_t probe_next;
	int conflict;
	uint32_t announce_ip; /* RFC 5227 2.3 announcements left to send */
	int announce_left;
	int64_t announce_next;
	int errors;
	int notified;
	int priv; /* in the child: the socketpair to the root parent, else -1 */
};

#define PRIV_MAX 32768 /* largest message between the two processes */

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
wall_s(void)
{
	return (int64_t)time(NULL);
}

static uint32_t
rnd(void *ctx)
{
	uint32_t v;

	(void)ctx;
	if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v)
		v = (uint32_t)mono_ms() * 2654435761u ^ (uint32_t)getpid();
	return v;
}

static void
usage(void)
{
	log_die(RC_PERM,
	    "usage: dhcpc [-t] [-r] [-A] [-v] [-u user] [-c dhclient.conf] "
	    "[-l statefile] [-s script] [-d fd] ifname");
}

static void
parse_args(int argc, char **argv, struct cfg *c)
{
	static char confbuf[512], statebuf[512];
	const char *dir;
	uint64_t v;
	int ch;

	memset(c, 0, sizeof *c);
	c->notify_fd = -1;
	c->probe = 1;
	snprintf(confbuf, sizeof confbuf, "%s/dhclient.conf", control_dir());
	c->conf_path = confbuf;
	while ((ch = getopt(argc, argv, "trAvu:c:l:s:d:")) != -1) {
		switch (ch) {
		case 't':
			c->check_only = 1;
			break;
		case 'r':
			c->release = 1;
			break;
		case 'A':
			c->probe = 0;
			break;
		case 'v':
			c->verbose = 1;
			break;
		case 'u':
			c->user = optarg;
			break;
		case 'c':
			c->conf_path = optarg;
			c->conf_explicit = 1;
			break;
		case 'l':
			c->state_path = optarg;
			break;
		case 's':
			c->script = optarg;
			break;
		case 'd':
			if (num_u64z(optarg, 1023, &v) != 0 || v < 3)
				log_die(RC_PERM, "bad -d %s", optarg);
			c->notify_fd = (int)v;
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc)
		usage();
	c->ifname = argv[optind];
	if (strlen(c->ifname) >= IFNAMSIZ || strchr(c->ifname, '/') != NULL)
		log_die(RC_PERM, "bad interface name %s", c->ifname);
	if (c->state_path == NULL) {
		dir = getenv("FACTEUR_DHCPC_DIR");
		if (dir == NULL || *dir == '\0')
			dir = "/var/lib/facteur/dhcpc";
		if ((size_t)snprintf(statebuf, sizeof statebuf, "%s/%s.lease",
			dir, c->ifname) >= sizeof statebuf)
			log_die(RC_PERM, "state file path too long");
		c->state_path = statebuf;
	}
}

/* Reads the configuration; a missing default file means the defaults. */
static int
load_conf(const struct cfg *c, struct dcc_conf *conf)
{
	struct dcc_err err;
	char *buf;
	ssize_t r;
	size_t n = 0;
	int fd;

	dcc_defaults(conf);
	if ((fd = open(c->conf_path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT && !c->conf_explicit)
			return 0;
		log_error("unable to open %s: %s", c->conf_path,
		    strerror(errno));
		return -1;
	}
	if ((buf = malloc(DCC_MAX_TEXT + 1)) == NULL)
		log_die(RC_TEMP, "out of memory");
	while (n <= DCC_MAX_TEXT &&
	    (r = read(fd, buf + n, DCC_MAX_TEXT + 1 - n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			log_error("unable to read %s: %s", c->conf_path,
			    strerror(errno));
			close(fd);
			free(buf);
			return -1;
		}
		n += (size_t)r;
	}
	close(fd);
	if (dcc_parse(buf, n, conf, &err) != 0) {
		log_error("%s:%u:%u: %s", c->conf_path, err.line, err.col,
		    err.msg);
		free(buf);
		return -1;
	}
	free(buf);
	return 0;
}

static const char *
script_path(const struct state *s)
{
	static char def[512];

	if (s->cfg->script != NULL)
		return s->cfg->script;
	if (s->conf.script[0] != '\0')
		return s->conf.script;
	snprintf(def, sizeof def, "%s/dhcpc-script", control_dir());
	return def;
}

/* Runs the script with env (NULL-terminated); waits for it (at most
 * SCRIPT_LIMIT_MS) and returns its exit status, or -1. */
static int
exec_script(struct state *s, const char *reason, char *const *envv)
{
	const char *path = script_path(s);
	char *argv[2];
	int64_t start = mono_ms();
	pid_t pid;
	int status;

	argv[0] = (char *)path;
	argv[1] = NULL;
	if ((pid = fork()) < 0) {
		log_error("unable to fork for the script: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		sigset_t all;

		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		execve(path, argv, envv);
		log_error("unable to run %s: %s", path, strerror(errno));
		_exit(127);
	}
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			log_error("waitpid: %s", strerror(errno));
			return -1;
		}
		if (mono_ms() - start > SCRIPT_LIMIT_MS) {
			log_error("script %s reason=%s ran too long: killed",
			    path, reason);
			kill(pid, SIGKILL);
			(void)waitpid(pid, &status, 0);
			return -1;
		}
		(void)poll(NULL, 0, 10);
	}
	if (!WIFEXITED(status)) {
		log_warn("script reason=%s killed by signal %d", reason,
		    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		return -1;
	}
	if (WEXITSTATUS(status) != 0)
		log_warn("script reason=%s exited %d", reason,
		    WEXITSTATUS(status));
	return WEXITSTATUS(status);
}

/* Sends one request to the parent and reads its 4-byte answer. */
static int
priv_call(struct state *s, const void *msg, size_t n)
{
	int32_t rc;
	ssize_t r;

	if (send(s->priv, msg, n, 0) != (ssize_t)n)
		log_die(RC_TEMP, "unable to reach the root process: %s",
		    strerror(errno));
	do
		r = recv(s->priv, &rc, sizeof rc, 0);
	while (r < 0 && errno == EINTR);
	if (r != (ssize_t)sizeof rc)
		log_die(RC_TEMP, "the root process is gone");
	return rc;
}

/*
 * Runs the script with reason and the leases in its environment, itself
 * or (in the child) through the parent; returns its exit status or -1.
 */
static int
run_script(struct state *s, const char *reason, const struct dcl_lease *nl,
    const struct dcl_lease *ol)
{
	static struct dcl_env env;
	static char msg[PRIV_MAX];
	int64_t wall = wall_s();
	size_t i, k;

	dcl_env_init(&env);
	(void)dcl_env_add(&env, "PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
	(void)dcl_env_add(&env, "reason", reason);
	(void)dcl_env_add(&env, "interface", s->cfg->ifname);
	if (nl != NULL && dcl_env_lease(&env, "new_", nl, wall) != 0)
		log_warn("script environment full: some new_ values left out");
	if (ol != NULL && dcl_env_lease(&env, "old_", ol, wall) != 0)
		log_warn("script environment full: some old_ values left out");
	if (s->priv < 0)
		return exec_script(s, reason, env.v);
	/* "S" and the variables after PATH and interface, NUL-separated. */
	msg[0] = 'S';
	k = 1;
	for (i = 0; i < env.n; i++) {
		size_t l = strlen(env.v[i]) + 1;

		if (strncmp(env.v[i], "PATH=", 5) == 0 ||
		    strncmp(env.v[i], "interface=", 10) == 0)
			continue;
		if (l > sizeof msg - k)
			break;
		memcpy(msg + k, env.v[i], l);
		k += l;
	}
	return priv_call(s, msg, k);
}

static void
write_state(struct state *s, const uint8_t *ack, size_t acklen, int64_t bound)
{
	static char text[2 * DHCP_PKT_MAX + 64];
	long n;

	n = dcl_state_format(ack, acklen, bound, text, sizeof text);
	if (n < 0 || durable_replace(s->statedir, s->statename, s->statetmp,
			 text, (size_t)n, 0644) != 0)
		log_warn("unable to write the state file %s: %s",
		    s->cfg->state_path, strerror(errno));
}

static void
save_state(struct state *s)
{
	static uint8_t msg[1 + 8 + DHCP_PKT_MAX];
	int64_t bound = wall_s() - (mono_ms() - s->d.sent_at) / 1000;

	if (s->priv < 0) {
		write_state(s, s->d.ack, s->d.acklen, bound);
		return;
	}
	msg[0] = 'W';
	memcpy(msg + 1, &bound, 8);
	memcpy(msg + 9, s->d.ack, s->d.acklen);
	(void)priv_call(s, msg, 9 + s->d.acklen);
}

static void
forget_state(struct state *s)
{
	if (s->priv >= 0) {
		(void)priv_call(s, "F", 1);
		return;
	}
	if (durable_unlink(s->statedir, s->statename) == 0)
		(void)durable_dirsync(s->statedir);
	else if (errno != ENOENT)
		log_warn("unable to remove the state file %s: %s",
		    s->cfg->state_path, strerror(errno));
}

/* Reads the state file: the ACK length, or 0 when there is none. */
static size_t
load_state(struct state *s, uint8_t *ack, int64_t *remaining_r)
{
	static char text[2 * DHCP_PKT_MAX + 65];
	struct dhcp_msg *m;
	struct dcl_lease *l;
	const char *why;
	int64_t bound;
	ssize_t r;
	size_t n = 0;
	long len;
	int fd;

	*remaining_r = 0;
	if ((fd = openat(s->statedir, s->statename, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno != ENOENT)
			log_warn("unable to open %s: %s", s->cfg->state_path,
			    strerror(errno));
		return 0;
	}
	while (n < sizeof text && (r = read(fd, text + n, sizeof text - n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		n += (size_t)r;
	}
	close(fd);
	len = dcl_state_parse(text, n, ack, DHCP_PKT_MAX, &bound);
	m = malloc(sizeof *m);
	l = malloc(sizeof *l);
	if (m == NULL || l == NULL)
		log_die(RC_TEMP, "out of memory");
	if (len <= 0 || dhcp_parse(ack, (size_t)len, m, &why) != 0 ||
	    dcl_lease_from_msg(m, &s->conf, l, &why) != 0) {
		log_warn("state file %s is not usable: ignored",
		    s->cfg->state_path);
		free(m);
		free(l);
		return 0;
	}
	if (l->lease == DCL_INFINITE)
		*remaining_r = INT32_MAX;
	else
		*remaining_r = bound + (int64_t)l->lease - wall_s();
	free(m);
	free(l);
	return (size_t)len;
}

static void
send_act(struct state *s, const struct dcl_act *a)
{
	uint8_t frame[RAWUDP_FRAME_MAX];
	struct rawudp u;
	struct sockaddr_in sin;
	long n;
	char ip[16];

	if (a->pkt == NULL)
		return;
	log_debug("send %s how=%d dst=%s len=%zu", dhcp_type_name(a->type),
	    (int)a->how, dhcp_ip_fmt(a->dst, ip), a->len);
	if (a->how == DCL_RAW_BCAST) {
		memset(&u, 0, sizeof u);
		memset(u.dst_mac, 0xff, 6);
		memcpy(u.src_mac, s->mac, 6);
		u.src_ip = 0;
		u.dst_ip = 0xffffffffu;
		u.src_port = 68;
		u.dst_port = 67;
		u.tos = 0x10;
		u.payload = a->pkt;
		u.len = a->len;
		if ((n = rawudp_build_eth(&u, frame, sizeof frame)) < 0 ||
		    rawudp_send(s->pkt, s->ifindex, frame, (size_t)n) != 0)
			log_warn("unable to send %s: %s",
			    dhcp_type_name(a->type), strerror(errno));
		return;
	}
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(67);
	sin.sin_addr.s_addr =
	    htonl(a->how == DCL_UDP_BCAST ? 0xffffffffu : a->dst);
	if (sendto(s->udp, a->pkt, a->len, 0, (struct sockaddr *)&sin,
		sizeof sin) < 0)
		log_warn("unable to send %s to %s: %s",
		    dhcp_type_name(a->type), dhcp_ip_fmt(a->dst, ip),
		    strerror(errno));
}

static void notify(struct state *s);

static void
log_lease(const char *reason, const struct dcl_lease *l)
{
	char ip[16], sv[16];

	log_info("%s ip=%s/%d server=%s lease=%lu t1=%lu t2=%lu dropped=%u%s%s",
	    reason, dhcp_ip_fmt(l->addr, ip), dcl_mask_bits(l->mask),
	    dhcp_ip_fmt(l->server, sv), (unsigned long)l->lease,
	    (unsigned long)l->t1, (unsigned long)l->t2, l->dropped,
	    l->dropped ? " why=" : "", l->dropped ? l->dropwhy : "");
}

/* Does what the engine asked for. */
static void
handle(struct state *s, struct dcl_act *a)
{
	int rc;

	if (a->reason != NULL && strcmp(a->reason, "RELEASE") == 0) {
		/* The RELEASE leaves while the address is still there. */
		send_act(s, a);
		a->pkt = NULL;
	}
	if (a->reason != NULL) {
		if (a->new_lease != NULL)
			log_lease(a->reason, a->new_lease);
		else
			log_info("%s state=%s", a->reason,
			    dcl_state_name(s->d.st));
		rc = run_script(s, a->reason, a->new_lease, a->old_lease);
		if (strcmp(a->reason, "TIMEOUT") == 0) {
			if (rc != 0) {
				struct dcl_act b;

				dcl_static_failed(&s->d, mono_ms(), &b);
				handle(s, &b);
			} else
				notify(s);
		} else if (strcmp(a->reason, "BOUND") == 0 ||
		    strcmp(a->reason, "REBOOT") == 0) {
			notify(s);
			if (s->arp >= 0 && a->new_lease != NULL) {
				s->announce_ip = a->new_lease->addr;
				s->announce_left = ANNOUNCE_NUM;
				s->announce_next = mono_ms();
			}
		}
	}
	if (a->save)
		save_state(s);
	if (a->forget)
		forget_state(s);
	send_act(s, a);
	if (a->probe != 0) {
		s->probe_ip = a->probe;
		s->probes_sent = 0;
		s->conflict = 0;
		s->probe_next = mono_ms() + (int64_t)(rnd(NULL) % PROBE_WAIT);
	}
}

static void
notify(struct state *s)
{
	if (s->notified)
		return;
	if (s->priv >= 0) {
		s->notified = 1;
		(void)priv_call(s, "N", 1);
		return;
	}
	if (s->cfg->notify_fd < 0)
		return;
	s->notified = 1;
	if (write(s->cfg->notify_fd, "\n", 1) != 1)
		log_warn("unable to notify readiness");
	close(s->cfg->notify_fd);
}

/* Sends the next ARP probe or ends the probe. */
static void
probe_step(struct state *s, int64_t now)
{
	struct rawudp_arp a;
	uint8_t frame[64];
	struct dcl_act act;
	long n;
	char ip[16];

	if (s->probe_ip == 0 || now < s->probe_next)
		return;
	if (s->conflict || s->probes_sent == PROBE_NUM) {
		uint32_t ipa = s->probe_ip;

		s->probe_ip = 0;
		if (s->conflict)
			log_warn("address %s in use: declining it",
			    dhcp_ip_fmt(ipa, ip));
		dcl_probed(&s->d, now, s->conflict, &act);
		handle(s, &act);
		return;
	}
	memset(&a, 0, sizeof a);
	a.op = 1;
	memcpy(a.sha, s->mac, 6);
	a.spa = 0;
	a.tpa = s->probe_ip;
	if ((n = rawudp_build_arp(&a, NULL, frame, sizeof frame)) < 0 ||
	    rawudp_send(s->arp, s->ifindex, frame, (size_t)n) != 0)
		log_warn("unable to send an ARP probe: %s", strerror(errno));
	s->probes_sent++;
	if (s->probes_sent == PROBE_NUM)
		s->probe_next = now + ANNOUNCE_WAIT;
	else
		s->probe_next = now + PROBE_MIN +
		    (int64_t)(rnd(NULL) % (PROBE_MAX - PROBE_MIN));
}

/* RFC 5227 2.3: tells the link the address is now ours. */
static void
announce_step(struct state *s, int64_t now)
{
	struct rawudp_arp a;
	uint8_t frame[64];
	long n;

	if (s->announce_left == 0 || now < s->announce_next)
		return;
	memset(&a, 0, sizeof a);
	a.op = 1;
	memcpy(a.sha, s->mac, 6);
	a.spa = a.tpa = s->announce_ip;
	if ((n = rawudp_build_arp(&a, NULL, frame, sizeof frame)) < 0 ||
	    rawudp_send(s->arp, s->ifindex, frame, (size_t)n) != 0)
		log_warn("unable to send an ARP announcement: %s",
		    strerror(errno));
	s->announce_left--;
	s->announce_next = now + ANNOUNCE_INTERVAL;
}

/* A receive error: EAGAIN ends a batch; a lasting error (the interface
 * is gone) ends the program, for the supervisor to start it again. */
static void
recv_error(struct state *s, const char *what)
{
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return;
	log_warn("receiving on the %s socket: %s", what, strerror(errno));
	if (++s->errors >= MAX_ERRORS)
		log_die(RC_TEMP, "%d receive errors in a row on %s: giving up",
		    s->errors, s->cfg->ifname);
}

/* RFC 5227 2.1.1: a conflict is any ARP from another host with the
 * address as sender, or a probe for it from another host. */
static void
arp_input(struct state *s)
{
	uint8_t frame[256];
	struct rawudp_arp a;
	ssize_t n;
	int fl;
	char ip[16], hw[48];

	for (;;) {
		if ((n = rawudp_recv(s->arp, frame, sizeof frame, &fl)) <= 0) {
			if (n < 0)
				recv_error(s, "ARP");
			break;
		}
		s->errors = 0;
		if (s->probe_ip == 0 ||
		    rawudp_parse_arp(frame, (size_t)n, &a, NULL) != 0 ||
		    memcmp(a.sha, s->mac, 6) == 0)
			continue;
		if (a.spa == s->probe_ip ||
		    (a.op == 1 && a.spa == 0 && a.tpa == s->probe_ip)) {
			log_info("ARP conflict ip=%s from hw=%s",
			    dhcp_ip_fmt(s->probe_ip, ip),
			    dhcp_hw_fmt(a.sha, 6, hw));
			s->conflict = 1;
			s->probe_next = 0;
		}
	}
}

static void
dhcp_input(struct state *s)
{
	static uint8_t frame[RAWUDP_FRAME_MAX];
	struct rawudp u;
	struct dcl_act act;
	const char *why;
	ssize_t n;
	int fl, k;
	char ip[16];

	for (k = 0; k < 64; k++) {
		if ((n = rawudp_recv(s->pkt, frame, sizeof frame, &fl)) <= 0) {
			if (n < 0)
				recv_error(s, "packet");
			break;
		}
		s->errors = 0;
		if (rawudp_parse_eth(frame, (size_t)n, fl, &u, &why) != 0) {
			log_debug("frame ignored: %s", why);
			continue;
		}
		if (u.dst_port != 68 || u.src_port != 67)
			continue;
		if (dcl_input(&s->d, mono_ms(), u.payload, u.len, u.src_ip,
			&act, &why) != 0) {
			log_debug("reply from %s ignored: %s",
			    dhcp_ip_fmt(u.src_ip, ip), why);
			continue;
		}
		handle(s, &act);
	}
}

static int
open_udp(const char *ifname)
{
	struct sockaddr_in sin;
	int fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		 0)) < 0)
		return -1;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(68);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
		(socklen_t)strlen(ifname)) != 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int
open_statedir(struct state *s)
{
	const char *path = s->cfg->state_path, *slash = strrchr(path, '/');
	char dir[512];

	if (slash == NULL) {
		strcpy(dir, ".");
		slash = path - 1;
	} else {
		if ((size_t)(slash - path) >= sizeof dir)
			return -1;
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
		if (dir[0] == '\0')
			strcpy(dir, "/");
	}
	if (strlen(slash + 1) == 0 || strlen(slash + 1) >= sizeof s->statename)
		return -1;
	strcpy(s->statename, slash + 1);
	snprintf(s->statetmp, sizeof s->statetmp, ".%s.tmp", s->statename);
	(void)mkdir(dir, 0755);
	s->statedir = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return s->statedir < 0 ? -1 : 0;
}

/* ------------------------------------------------ privilege separation */

static int
env_name_ok(const char *v, size_t len)
{
	size_t i;

	if (len == 6 && memcmp(v, "reason", 6) == 0)
		return 1;
	if (len < 5 ||
	    (memcmp(v, "new_", 4) != 0 && memcmp(v, "old_", 4) != 0))
		return 0;
	for (i = 4; i < len; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') ||
			(v[i] >= '0' && v[i] <= '9') || v[i] == '_'))
			return 0;
	return 1;
}

/* The parent: runs the script with the child's environment, checked. */
static int
parent_script(struct state *s, char *msg, size_t n)
{
	static const char *const reasons[] = { "PREINIT", "BOUND", "RENEW",
		"REBIND", "REBOOT", "EXPIRE", "TIMEOUT", "FAIL", "RELEASE",
		NULL };
	static struct dcl_env env;
	static char name[128];
	const char *reason = NULL;
	size_t off = 1, i;

	dcl_env_init(&env);
	(void)dcl_env_add(&env, "PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
	(void)dcl_env_add(&env, "interface", s->cfg->ifname);
	if (n == 0 || msg[n - 1] != '\0')
		return -1;
	while (off < n) {
		char *v = msg + off, *eq = strchr(v, '=');
		size_t len = strlen(v);

		off += len + 1;
		if (eq == NULL || (size_t)(eq - v) >= sizeof name ||
		    !env_name_ok(v, (size_t)(eq - v))) {
			log_warn("child sent a bad variable: refused");
			return -1;
		}
		memcpy(name, v, (size_t)(eq - v));
		name[eq - v] = '\0';
		if (strcmp(name, "reason") == 0) {
			for (i = 0; reasons[i] != NULL; i++)
				if (strcmp(eq + 1, reasons[i]) == 0)
					reason = reasons[i];
			if (reason == NULL) {
				log_warn("child sent a bad reason: refused");
				return -1;
			}
		}
		if (dcl_env_add(&env, name, eq + 1) != 0)
			break;
	}
	if (reason == NULL)
		return -1;
	return exec_script(s, reason, env.v);
}

/* The parent: writes the state after checking it holds a usable ACK. */
static int
parent_state(struct state *s, const uint8_t *msg, size_t n)
{
	static struct dhcp_msg m;
	static struct dcl_lease l;
	const char *why;
	int64_t bound, now = wall_s();

	if (n < 9)
		return -1;
	memcpy(&bound, msg + 1, 8);
	if (dhcp_parse(msg + 9, n - 9, &m, &why) != 0 ||
	    dcl_lease_from_msg(&m, &s->conf, &l, &why) != 0 ||
	    l.type != DHCPACK) {
		log_warn("child sent a bad state: refused");
		return -1;
	}
	if (bound > now || bound < 0)
		bound = now;
	write_state(s, msg + 9, n - 9, bound);
	return 0;
}

/* The parent's loop: serves the child, passes signals on, ends with it. */
static int
parent_loop(struct state *s, int fd, pid_t child)
{
	static uint8_t msg[PRIV_MAX];
	struct pollfd pfd[2];
	int status;

	for (;;) {
		pfd[0] = (struct pollfd){ fd, POLLIN, 0 };
		pfd[1] = (struct pollfd){ s->sigfd, POLLIN, 0 };
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			log_die(RC_TEMP, "poll: %s", strerror(errno));
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(s->sigfd, &si, sizeof si) == sizeof si)
				kill(child, (int)si.ssi_signo);
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = recv(fd, msg, sizeof msg, 0);
			int32_t rc = -1;

			if (r <= 0) {
				if (r < 0 && errno == EINTR)
					continue;
				break;
			}
			switch (msg[0]) {
			case 'S':
				rc = parent_script(s, (char *)msg, (size_t)r);
				break;
			case 'W':
				rc = parent_state(s, msg, (size_t)r);
				break;
			case 'F':
				forget_state(s);
				rc = 0;
				break;
			case 'N':
				notify(s);
				rc = 0;
				break;
			default:
				log_warn("child sent an unknown request");
			}
			if (send(fd, &rc, sizeof rc, 0) != (ssize_t)sizeof rc)
				break;
		}
	}
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	log_error("the network process died of signal %d",
	    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return RC_TEMP;
}

/*
 * With -u: forks; the parent (root) serves requests until the child
 * ends and exits with its status; the child returns with s->priv set,
 * running as the user.
 */
static void
split(struct state *s)
{
	struct passwd *pw;
	uid_t uid;
	gid_t gid;
	int sv[2];
	pid_t pid;

	s->priv = -1;
	if (s->cfg->user == NULL)
		return;
	if ((pw = getpwnam(s->cfg->user)) == NULL)
		log_die(RC_PERM, "unknown user %s", s->cfg->user);
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (uid == 0)
		log_die(RC_PERM, "-u %s is root", s->cfg->user);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		log_die(RC_TEMP, "socketpair: %s", strerror(errno));
	if ((pid = fork()) < 0)
		log_die(RC_TEMP, "fork: %s", strerror(errno));
	if (pid > 0) {
		close(sv[1]);
		close(s->pkt);
		close(s->udp);
		if (s->arp >= 0)
			close(s->arp);
		exit(parent_loop(s, sv[0], pid));
	}
	close(sv[0]);
	close(s->statedir);
	if (s->cfg->notify_fd >= 0)
		close(s->cfg->notify_fd);
	s->cfg->notify_fd = -1;
	s->priv = sv[1];
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
	static struct cfg cfg;
	static uint8_t saved[DHCP_PKT_MAX];
	struct state *s = &st;
	struct dcl_act act;
	sigset_t set;
	size_t savedlen;
	int64_t remaining;
	char host[256];
	int arpindex;
	uint8_t arpmac[6];

	log_init(argv[0]);
	parse_args(argc, argv, &cfg);
	if (cfg.verbose)
		log_set_level(LOG_DEBUG);
	s->cfg = &cfg;
	s->arp = -1;
	s->priv = -1;
	if (load_conf(&cfg, &s->conf) != 0)
		return RC_PERM;
	if (cfg.check_only)
		return RC_OK;
	if (open_statedir(s) != 0)
		log_die(RC_TEMP, "unable to open the directory of %s: %s",
		    cfg.state_path, strerror(errno));
	if ((s->pkt = rawudp_open(cfg.ifname, 68, &s->ifindex, s->mac)) < 0)
		log_die(RC_TEMP, "unable to open a packet socket on %s: %s",
		    cfg.ifname, strerror(errno));
	if ((s->udp = open_udp(cfg.ifname)) < 0)
		log_die(RC_TEMP, "unable to bind UDP port 68 on %s: %s",
		    cfg.ifname, strerror(errno));
	if (cfg.probe && (s->arp = rawudp_open_arp(cfg.ifname, &arpindex,
			      arpmac)) < 0)
		log_die(RC_TEMP, "unable to open an ARP socket on %s: %s",
		    cfg.ifname, strerror(errno));
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((s->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		log_die(RC_TEMP, "unable to create a signalfd: %s",
		    strerror(errno));

	s->d.conf = &s->conf;
	memcpy(s->d.mac, s->mac, 6);
	snprintf(s->d.ifname, sizeof s->d.ifname, "%s", cfg.ifname);
	if (gethostname(host, sizeof host) == 0) {
		host[sizeof host - 1] = '\0';
		/* Only the first label: dhclient sends the short name. */
		host[strcspn(host, ".")] = '\0';
		if (strlen(host) < sizeof s->d.hostname)
			memcpy(s->d.hostname, host, strlen(host) + 1);
	}
	s->d.rnd = rnd;
	s->d.probe = cfg.probe;
	s->d.wall_offset = wall_s() - mono_ms() / 1000;
	savedlen = load_state(s, saved, &remaining);

	if (cfg.release) {
		if (savedlen == 0) {
			log_info("no lease to release");
			return RC_OK;
		}
		dcl_start(&s->d, mono_ms(), saved, savedlen,
		    remaining > 0 ? remaining : 1, &act);
		dcl_release(&s->d, mono_ms(), &act);
		handle(s, &act);
		return RC_OK;
	}

	split(s);
	(void)run_script(s, "PREINIT", NULL, NULL);
	log_info("ready: interface=%s hw=%02x:%02x:%02x:%02x:%02x:%02x "
		 "remembered=%s",
	    cfg.ifname, s->mac[0], s->mac[1], s->mac[2], s->mac[3], s->mac[4],
	    s->mac[5], savedlen && remaining > 0 ? "yes" : "no");
	dcl_start(&s->d, mono_ms(), savedlen ? saved : NULL, savedlen,
	    remaining, &act);
	if (s->d.st == DCL_REBOOTING)
		log_info("INIT-REBOOT ip=%s", dhcp_ip_fmt(s->d.cur.addr, host));
	handle(s, &act);

	for (;;) {
		struct pollfd pfd[4];
		int64_t now = mono_ms(), next = dcl_next(&s->d), wait;
		int np = 0, i_arp = -1;

		if (s->probe_ip != 0 && s->probe_next < next)
			next = s->probe_next;
		if (s->announce_left > 0 && s->announce_next < next)
			next = s->announce_next;
		wait = next == INT64_MAX ? -1 : next <= now ? 0 : next - now;
		if (wait > 3600000)
			wait = 3600000;
		pfd[np++] = (struct pollfd){ s->pkt, POLLIN, 0 };
		pfd[np++] = (struct pollfd){ s->udp, POLLIN, 0 };
		pfd[np++] = (struct pollfd){ s->sigfd, POLLIN, 0 };
		if (s->arp >= 0) {
			i_arp = np;
			pfd[np++] = (struct pollfd){ s->arp, POLLIN, 0 };
		}
		if (poll(pfd, (nfds_t)np, (int)wait) < 0 && errno != EINTR)
			log_die(RC_TEMP, "poll: %s", strerror(errno));
		if (pfd[2].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(s->sigfd, &si, sizeof si) == sizeof si) {
				if (si.ssi_signo == SIGUSR2) {
					log_info("releasing on SIGUSR2");
					dcl_release(&s->d, mono_ms(), &act);
					handle(s, &act);
					return RC_OK;
				}
				log_info("stopping on signal %u, lease kept",
				    si.ssi_signo);
				return RC_OK;
			}
		}
		if (pfd[0].revents & POLLIN)
			dhcp_input(s);
		if (pfd[1].revents & POLLIN) {
			uint8_t junk[DHCP_PKT_MAX];

			/* The packet socket sees these too. */
			while (recv(s->udp, junk, sizeof junk, MSG_DONTWAIT) >=
			    0)
				;
		}
		if (i_arp >= 0 && (pfd[i_arp].revents & POLLIN))
			arp_input(s);
		now = mono_ms();
		probe_step(s, now);
		announce_step(s, now);
		if (now >= dcl_next(&s->d)) {
			enum dcl_state before = s->d.st;

			dcl_timer(&s->d, now, &act);
			if (s->d.st != before)
				log_info("state %s -> %s",
				    dcl_state_name(before),
				    dcl_state_name(s->d.st));
			handle(s, &act);
		}
	}
}
