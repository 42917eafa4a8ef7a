/*
 * tlsd: TLS in its own process, between tcpserver (or inetd, systemd)
 * and a protocol daemon.  See man/tlsd.8.
 *
 * Process layout: tlsd forks the program before it reads any key, so the
 * program's address space never held the key.  The child switches to the
 * program's user at once and waits on a pipe for a "go" message (the
 * UCSPI-TLS info string, which carries SSL_PROTOCOL and SSL_CIPHER in
 * implicit mode); the parent loads the certificate and key (as root when
 * run as root), switches to tlsd's own user, and then either performs the
 * handshake and relays (implicit mode), or lets the program talk on the
 * socket in plaintext and waits for the UCSPI-TLS "y"/"Y" command on the
 * control socket (-n).  The child stays behind as the program's
 * supervisor (same user as the program), because tlsd, another user, may
 * not signal the program: closing the watch pipe, or tlsd dying, makes the
 * supervisor end the program.  tlsd reaps the supervisor and exits with
 * the program's status, so tcpserver's process count stays true and
 * nothing is left behind.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "io.h"
#include "log.h"
#include "peer.h"
#include "num.h"
#include "str.h"
#include "ucspitls.h"

extern char **environ;

enum rc { RC_OK = 0, RC_HANDSHAKE = 1, RC_PERM = 100, RC_TEMP = 111 };

#define RELAY_BUF 65536
#define DN_MAX 1024

struct ident {
	int set;
	uid_t uid;
	gid_t gid;
	char name[64]; /* non-empty: supplementary groups from the group file */
	gid_t *groups;  /* those groups, looked up once at start */
	int ngroups;
};

struct cfg {
	int listen; /* -l: tlsd is the listener itself */
	unsigned maxconn;
	const char *host, *port;
	int starttls;
	int verbose;
	int require_cert;
	const char *cert, *key, *cafile;
	int hs_ms, idle_ms, grace_ms;
	struct ident prog, self;
	char **argv;
	const char *peer;
};

struct buf {
	size_t off, len;
	unsigned char d[RELAY_BUF];
};

/*
 * Listening mode (-l): the context the listener loaded once, inherited by
 * each connection's process.  NULL in the default mode, where every tlsd
 * loads its own after the fork.
 */
static SSL_CTX *preloaded;

static void
usage(void)
{
	log_die(RC_PERM, "usage: tlsd [-nvA] [-c certfile] [-k keyfile] "
			 "[-a cafile] [-u user|uid:gid] [-U user|uid:gid] "
			 "[-h handshake_secs] [-t idle_secs] [-w grace_secs] "
			 "prog [arg...]\n"
			 "   or: tlsd -l [-m maxconn] [options] host port "
			 "prog [arg...]");
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
secs_opt(const char *z, const char *what)
{
	uint64_t v;

	if (num_u64z(z, 86400, &v) < 0 || v == 0)
		log_die(RC_PERM, "bad %s %s: want 1 to 86400 seconds", what, z);
	return (int)v * 1000;
}

/* "user" (passwd entry, with its groups) or "uid:gid" (numbers). */
static int
parse_ident(const char *z, struct ident *id)
{
	const char *colon = strchr(z, ':');
	uint64_t u, g;

	memset(id, 0, sizeof *id);
	if (colon != NULL) {
		if (num_u64(z, (size_t)(colon - z), UINT32_MAX - 1, &u) < 0 ||
		    num_u64z(colon + 1, UINT32_MAX - 1, &g) < 0)
			return -1;
		id->uid = (uid_t)u;
		id->gid = (gid_t)g;
	} else {
		struct passwd *pw;

		if (strlen(z) >= sizeof id->name)
			return -1;
		errno = 0;
		pw = getpwnam(z);
		if (pw == NULL)
			return -1;
		id->uid = pw->pw_uid;
		id->gid = pw->pw_gid;
		memcpy(id->name, z, strlen(z) + 1);
		/*
		 * The group list now, not per connection: a lookup through
		 * NSS (which may load modules) after every fork costs more
		 * than the rest of a listener's connection set-up.
		 */
		for (int n = 16;;) {
			int want = n;
			gid_t *g2 = realloc(id->groups, (size_t)n * sizeof *g2);

			if (g2 == NULL)
				return -1;
			id->groups = g2;
			if (getgrouplist(z, id->gid, id->groups, &want) >= 0) {
				id->ngroups = want;
				break;
			}
			if (want <= n)
				want = n * 2;
			if (want > 65536)
				return -1;
			n = want;
		}
	}
	id->set = 1;
	return 0;
}

/* UID/GID-style environment pair; both or neither. */
static void
ident_env(const char *uname, const char *gname, struct ident *id)
{
	const char *u = getenv(uname), *g = getenv(gname);
	uint64_t uv, gv;

	if (id->set || (u == NULL && g == NULL))
		return;
	if (u == NULL || g == NULL || num_u64z(u, UINT32_MAX - 1, &uv) < 0 ||
	    num_u64z(g, UINT32_MAX - 1, &gv) < 0)
		log_die(RC_PERM, "bad %s/%s in the environment", uname, gname);
	id->uid = (uid_t)uv;
	id->gid = (gid_t)gv;
	id->name[0] = '\0';
	id->set = 1;
}

static void
parse_args(int argc, char **argv, struct cfg *cfg)
{
	int c;

	memset(cfg, 0, sizeof *cfg);
	cfg->hs_ms = 30 * 1000;
	cfg->idle_ms = 1200 * 1000;
	cfg->grace_ms = 10 * 1000;
	cfg->maxconn = 40;
	while ((c = getopt(argc, argv, "+lnvAc:k:a:u:U:h:t:w:m:")) != -1) {
		switch (c) {
		case 'l':
			cfg->listen = 1;
			break;
		case 'm': {
			uint64_t v;

			if (num_u64z(optarg, 10000, &v) < 0 || v == 0)
				log_die(RC_PERM, "bad connection limit %s: want "
						 "1 to 10000", optarg);
			cfg->maxconn = (unsigned)v;
			break;
		}
		case 'n':
			cfg->starttls = 1;
			break;
		case 'v':
			cfg->verbose = 1;
			break;
		case 'A':
			cfg->require_cert = 1;
			break;
		case 'c':
			cfg->cert = optarg;
			break;
		case 'k':
			cfg->key = optarg;
			break;
		case 'a':
			cfg->cafile = optarg;
			break;
		case 'u':
			if (parse_ident(optarg, &cfg->prog) < 0)
				log_die(RC_PERM, "bad program user %s", optarg);
			break;
		case 'U':
			if (parse_ident(optarg, &cfg->self) < 0)
				log_die(RC_PERM, "bad tlsd user %s", optarg);
			break;
		case 'h':
			cfg->hs_ms = secs_opt(optarg, "handshake timeout");
			break;
		case 't':
			cfg->idle_ms = secs_opt(optarg, "idle timeout");
			break;
		case 'w':
			cfg->grace_ms = secs_opt(optarg, "grace time");
			break;
		default:
			usage();
		}
	}
	if (cfg->listen) {
		if (argc - optind < 3)
			usage();
		cfg->host = argv[optind++];
		cfg->port = argv[optind++];
	}
	if (optind >= argc)
		usage();
	cfg->argv = argv + optind;
	if (cfg->cert == NULL)
		cfg->cert = getenv("CERTFILE");
	if (cfg->key == NULL)
		cfg->key = getenv("KEYFILE");
	if (cfg->key == NULL)
		cfg->key = cfg->cert;
	if (cfg->cafile == NULL)
		cfg->cafile = getenv("CAFILE");
	if (cfg->cert == NULL || cfg->cert[0] == '\0')
		log_die(RC_PERM, "no certificate: give -c or CERTFILE");
	if (cfg->require_cert && cfg->cafile == NULL)
		log_die(RC_PERM, "-A needs a CA file (-a or CAFILE)");
	ident_env("UID", "GID", &cfg->prog);
	ident_env("TLS_UID", "TLS_GID", &cfg->self);
	if (cfg->listen)
		return; /* the peer is known per connection */
	if (getenv("TCPREMOTEIP") == NULL) {
		/* Under inetd or systemd: the program behind us sees only a
		 * pipe, so tell it who the client is. */
		static char ip[PEER_MAX];

		if (peer_socket(0, ip, sizeof ip) == 0)
			(void)setenv("TCPREMOTEIP", ip, 1);
	}
	cfg->peer = getenv("TCPREMOTEIP");
	if (cfg->peer == NULL)
		cfg->peer = "unknown";
}

/*
 * Switches to id when running as root; checks root is really gone (unless
 * uid 0 was asked for explicitly).  Not root: nothing to do.
 */
static int
become(const struct ident *id)
{
	uid_t r, e, s;

	if (geteuid() != 0 || !id->set)
		return 0;
	if (id->name[0] != '\0') {
		if (setgroups((size_t)id->ngroups, id->groups) < 0)
			return -1;
	} else if (setgroups(1, &id->gid) < 0)
		return -1;
	if (setresgid(id->gid, id->gid, id->gid) < 0 ||
	    setresuid(id->uid, id->uid, id->uid) < 0)
		return -1;
	if (getresuid(&r, &e, &s) < 0 || r != id->uid || e != id->uid ||
	    s != id->uid) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

static const char *
ssl_err(void)
{
	static char b[256];
	unsigned long e = ERR_get_error();

	if (e == 0)
		return "unknown error";
	ERR_error_string_n(e, b, sizeof b);
	ERR_clear_error();
	return b;
}

/* Per connection, so a renewed certificate is used by the next one. */
static SSL_CTX *
load_ctx(const struct cfg *cfg)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL)
		return NULL;
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION))
		goto fail;
	/*
	 * A FIN without close_notify is an end of input, not a fatal error
	 * (OpenSSL 3 would send an alert and refuse to write): the program
	 * sees EOF and its last answer still goes out.  The line protocols
	 * behind tlsd frame their commands, so a cut stream cannot pass for
	 * a complete one.
	 */
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
		SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
		SSL_OP_NO_TICKET | SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* Every tlsd is a new process: nothing to resume from. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 0);
	/* Whole buffers per SSL_write: fewer, fuller writes to the socket. */
	/* TLS 1.2: ephemeral ECDH with AEAD only; TLS 1.3 is always so. */
	if (!SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20") ||
	    !SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384"))
		goto fail;
	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->cert) != 1) {
		log_error("unable to load certificate chain %s: %s", cfg->cert,
		    ssl_err());
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, cfg->key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		log_error("unable to load private key %s: %s", cfg->key,
		    ssl_err());
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (cfg->cafile != NULL) {
		STACK_OF(X509_NAME) *names;

		if (SSL_CTX_load_verify_locations(ctx, cfg->cafile, NULL) != 1) {
			log_error("unable to load CA file %s: %s", cfg->cafile,
			    ssl_err());
			SSL_CTX_free(ctx);
			return NULL;
		}
		names = SSL_load_client_CA_file(cfg->cafile);
		if (names != NULL)
			SSL_CTX_set_client_CA_list(ctx, names);
		SSL_CTX_set_verify(ctx,
		    SSL_VERIFY_PEER |
			(cfg->require_cert ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
		    NULL);
		SSL_CTX_set_verify_depth(ctx, 8);
	}
	return ctx;
fail:
	log_error("unable to set up TLS: %s", ssl_err());
	SSL_CTX_free(ctx);
	return NULL;
}

/* Appends NAME=value\0 with value forced to printable ASCII. */
static int
info_add(struct str *s, const char *name, const char *value, size_t max)
{
	size_t i, n = strlen(value);

	if (n > max)
		n = max;
	if (str_appendz(s, name) < 0 || str_appendc(s, '=') < 0)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)value[i];
		if (str_appendc(s, (c >= 0x20 && c <= 0x7e) ? (char)c : '?') < 0)
			return -1;
	}
	return str_appendc(s, '\0');
}

/* The UCSPI-TLS info string for this connection. */
static int
build_info(SSL *ssl, struct str *s)
{
	X509 *peer;
	int rc = 0;

	str_clear(s);
	if (info_add(s, "SSL_PROTOCOL", SSL_get_version(ssl), 64) < 0 ||
	    info_add(s, "SSL_CIPHER", SSL_get_cipher_name(ssl), 128) < 0)
		return -1;
	peer = SSL_get1_peer_certificate(ssl);
	if (peer != NULL) {
		char dn[DN_MAX];
		BIO *b = BIO_new(BIO_s_mem());
		int n = 0;

		if (b != NULL) {
			X509_NAME_print_ex(b, X509_get_subject_name(peer), 0,
			    XN_FLAG_RFC2253);
			n = BIO_read(b, dn, sizeof dn - 1);
			BIO_free(b);
		}
		dn[n > 0 ? n : 0] = '\0';
		if (info_add(s, "SSL_CLIENT_VERIFY",
			SSL_get_verify_result(ssl) == X509_V_OK ? "SUCCESS"
								: "FAILED",
			16) < 0 ||
		    info_add(s, "SSL_CLIENT_S_DN", dn, DN_MAX) < 0)
			rc = -1;
		X509_free(peer);
	} else if (info_add(s, "SSL_CLIENT_VERIFY", "NONE", 16) < 0)
		rc = -1;
	if (rc == 0 && str_appendc(s, '\0') < 0)
		rc = -1;
	return rc;
}

static int
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return 0;
}

static int
wait_fd(int fd, short ev, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = ev };
	long long left = deadline - now_ms();
	int r;

	if (left <= 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	r = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
	if (r < 0 && errno == EINTR)
		return 0;
	if (r < 0)
		return -1;
	if (r == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	return 0;
}

static int
handshake(SSL *ssl, const struct cfg *cfg)
{
	long long deadline = now_ms() + cfg->hs_ms;

	for (;;) {
		int r, e;

		ERR_clear_error();
		r = SSL_accept(ssl);
		if (r == 1)
			return 0;
		e = SSL_get_error(ssl, r);
		if (e == SSL_ERROR_WANT_READ)
			r = wait_fd(0, POLLIN, deadline);
		else if (e == SSL_ERROR_WANT_WRITE)
			r = wait_fd(1, POLLOUT, deadline);
		else {
			if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
				log_info("handshake failed ip=%s: %s", cfg->peer,
				    r == 0 || errno == 0 ? "connection closed"
							 : strerror(errno));
			else
				log_info("handshake failed ip=%s: %s", cfg->peer,
				    ssl_err());
			return -1;
		}
		if (r < 0) {
			log_info("handshake failed ip=%s: %s", cfg->peer,
			    errno == ETIMEDOUT ? "timed out" : strerror(errno));
			return -1;
		}
	}
}

/* Writes all of p to a blocking or non-blocking fd, bounded by ms. */
static int
write_all(int fd, const void *p, size_t n, int ms)
{
	long long deadline = now_ms() + ms;
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w > 0) {
			c += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			if (wait_fd(fd, POLLOUT, deadline) < 0)
				return -1;
			continue;
		}
		return -1;
	}
	return 0;
}

/* Counters for the end-of-session log line. */
struct stats {
	unsigned long long in, out;
};

/*
 * Relays until the program closes its output (clean end: close_notify),
 * the client goes away, or nothing moves for the idle timeout.  net_eof:
 * the client's half is closed; app_w closed then, so the program sees
 * EOF.  Returns 0 clean, -1 otherwise (already logged).
 */
static int
relay(SSL *ssl, int *app_wp, int app_r, int ctlfd, const struct cfg *cfg,
    struct stats *st)
{
	static struct buf in, out;
	int app_w = *app_wp;
	int net_eof = 0, app_eof = 0;
	long long last = now_ms();

	in.off = in.len = out.off = out.len = 0;
	for (;;) {
		struct pollfd p[5];
		short net_r = 0, net_w = 0;
		int progress, any = 0, n = 0, r;
		long long left;

		do {
			progress = 0;
			net_r = net_w = 0;
			/* Client to program. */
			if (!net_eof && in.len == 0) {
				ERR_clear_error();
				r = SSL_read(ssl, in.d, sizeof in.d);
				if (r > 0) {
					in.off = 0;
					in.len = (size_t)r;
					st->in += (unsigned long long)r;
					progress = 1;
				} else {
					int e = SSL_get_error(ssl, r);
					unsigned long ee = ERR_peek_error();

					if (e == SSL_ERROR_WANT_READ)
						net_r = POLLIN;
					else if (e == SSL_ERROR_WANT_WRITE)
						net_w = POLLOUT;
					else if (e == SSL_ERROR_ZERO_RETURN) {
						/* With or without close_notify. */
						if (cfg->verbose &&
						    !(SSL_get_shutdown(ssl) &
							SSL_RECEIVED_SHUTDOWN))
							log_info("client closed "
								 "without "
								 "close_notify "
								 "ip=%s",
							    cfg->peer);
						net_eof = progress = 1;
					} else if (e == SSL_ERROR_SYSCALL &&
					    ee == 0 && errno == ECONNRESET) {
						if (cfg->verbose)
							log_info("connection reset "
								 "ip=%s",
							    cfg->peer);
						return -1;
					} else {
						log_info("tls read error ip=%s: "
							 "%s",
						    cfg->peer,
						    e == SSL_ERROR_SYSCALL
							? strerror(errno)
							: ssl_err());
						return -1;
					}
				}
			}
			if (in.len > 0 && app_w < 0)
				in.len = 0; /* the program stopped reading */
			if (in.len > 0) {
				ssize_t w = write(app_w, in.d + in.off,
				    in.len - in.off);
				if (w > 0) {
					in.off += (size_t)w;
					if (in.off == in.len)
						in.off = in.len = 0;
					progress = 1;
				} else if (w < 0 && errno != EAGAIN &&
				    errno != EINTR) {
					close(app_w);
					app_w = *app_wp = -1;
					in.off = in.len = 0;
					progress = 1;
				}
			}
			if (net_eof && in.len == 0 && app_w >= 0) {
				close(app_w);
				app_w = *app_wp = -1;
			}
			/* Program to client. */
			if (!app_eof && out.len == 0) {
				ssize_t g = read(app_r, out.d, sizeof out.d);
				if (g > 0) {
					out.off = 0;
					out.len = (size_t)g;
					progress = 1;
				} else if (g == 0 ||
				    (errno != EAGAIN && errno != EINTR)) {
					app_eof = progress = 1;
				}
			}
			if (out.len > 0) {
				ERR_clear_error();
				r = SSL_write(ssl, out.d + out.off,
				    (int)(out.len - out.off));
				if (r > 0) {
					out.off += (size_t)r;
					st->out += (unsigned long long)r;
					if (out.off == out.len)
						out.off = out.len = 0;
					progress = 1;
				} else {
					int e = SSL_get_error(ssl, r);

					if (e == SSL_ERROR_WANT_READ)
						net_r = POLLIN;
					else if (e == SSL_ERROR_WANT_WRITE)
						net_w = POLLOUT;
					else {
						log_info("tls write error ip=%s: "
							 "%s",
						    cfg->peer,
						    e == SSL_ERROR_SYSCALL
							? strerror(errno)
							: ssl_err());
						return -1;
					}
				}
			}
			if (app_eof && out.len == 0) {
				/* Clean end: tell the client, best effort. */
				ERR_clear_error();
				if (SSL_shutdown(ssl) < 0)
					ERR_clear_error();
				shutdown(1, SHUT_WR);
				return 0;
			}
			any |= progress;
		} while (progress);
		if (any)
			last = now_ms();
		left = last + cfg->idle_ms - now_ms();
		if (left <= 0) {
			log_info("idle timeout ip=%s", cfg->peer);
			return -1;
		}
		if (net_r) {
			p[n].fd = 0;
			p[n++].events = POLLIN;
		}
		if (net_w) {
			p[n].fd = 1;
			p[n++].events = POLLOUT;
		}
		if (in.len > 0 && app_w >= 0) {
			p[n].fd = app_w;
			p[n++].events = POLLOUT;
		}
		if (!app_eof && out.len == 0) {
			p[n].fd = app_r;
			p[n++].events = POLLIN;
		}
		if (ctlfd >= 0) {
			p[n].fd = ctlfd;
			p[n++].events = POLLIN;
		}
		r = poll(p, (nfds_t)n, left > INT_MAX ? INT_MAX : (int)left);
		if (r < 0 && errno != EINTR) {
			log_error("poll: %s", strerror(errno));
			return -1;
		}
		if (r > 0 && ctlfd >= 0 && (p[n - 1].revents != 0)) {
			/* Commands after the start mean nothing now. */
			char junk[64];
			ssize_t g = read(ctlfd, junk, sizeof junk);
			if (g == 0 || (g < 0 && errno != EAGAIN && errno != EINTR))
				ctlfd = -1;
		}
	}
}

static void
on_chld(int sig)
{
	(void)sig; /* only to interrupt ppoll */
}

static int
status_rc(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return RC_TEMP;
}

/*
 * The supervisor, running as the program's user: it forks the program,
 * waits for it and exits with its status.  tlsd (another user) may not
 * signal the program, so it asks this process instead, by closing the
 * watch pipe; the pipe also closes if tlsd dies.  Then the program gets
 * SIGTERM, and SIGKILL 2 seconds later.
 */
static void __attribute__((noreturn))
supervise(pid_t prog, int watchfd)
{
	struct sigaction sa;
	sigset_t none;
	long long kill_at = -1;
	int st = 0, termed = 0;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_chld;
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&none);
	for (;;) {
		struct pollfd p = { .fd = watchfd, .events = POLLIN };
		struct timespec ts, *tsp = NULL;
		pid_t r = waitpid(prog, &st, WNOHANG);

		if (r == prog)
			_exit(termed ? RC_TEMP : status_rc(st));
		if (r < 0 && errno != EINTR)
			_exit(RC_TEMP);
		if (kill_at >= 0) {
			long long left = kill_at - now_ms();
			if (left <= 0) {
				kill(prog, SIGKILL);
				kill_at = -1;
				continue;
			}
			ts.tv_sec = left / 1000;
			ts.tv_nsec = (left % 1000) * 1000000L;
			tsp = &ts;
		}
		if (ppoll(watchfd >= 0 ? &p : NULL, watchfd >= 0 ? 1 : 0, tsp,
			&none) > 0 &&
		    watchfd >= 0) {
			char c;
			if (read(watchfd, &c, 1) <= 0) {
				close(watchfd);
				watchfd = -1;
				kill(prog, SIGTERM);
				termed = 1;
				kill_at = now_ms() + 2000;
			}
		}
	}
}

/* The child: becomes the program's user; runs it once tlsd says go. */
static void __attribute__((noreturn))
child(const struct cfg *cfg, int gofd, int watchfd)
{
	char msg[UCSPITLS_INFO_MAX];
	size_t len = 0, used;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	pid_t prog;
	int r;

	if (become(&cfg->prog) < 0)
		log_die(RC_TEMP, "unable to switch to the program's user: %s",
		    strerror(errno));
	for (;;) {
		ssize_t g = read(gofd, msg + len, sizeof msg - len);
		if (g < 0 && errno == EINTR)
			continue;
		if (g <= 0)
			_exit(RC_TEMP); /* tlsd gave up: nothing to run */
		len += (size_t)g;
		r = ucspitls_parse_info(msg, len, &used, NULL, NULL);
		if (r == 1)
			break;
		if (r < 0 || len == sizeof msg)
			log_die(RC_TEMP, "bad start message from tlsd");
	}
	close(gofd);
	/* This process's environment is the program's: nothing else runs. */
	unsetenv("CERTFILE");
	unsetenv("KEYFILE");
	unsetenv("CAFILE");
	unsetenv("TLS_UID");
	unsetenv("TLS_GID");
	{
		size_t off = 0;
		while (msg[off] != '\0') {
			char *eq = strchr(msg + off, '=');
			size_t l = strlen(msg + off);
			*eq = '\0';
			if (setenv(msg + off, eq + 1, 1) < 0)
				log_die(RC_TEMP, "out of memory");
			off += l + 1;
		}
	}
	/*
	 * posix_spawn (a vfork-style clone in glibc) rather than fork: no
	 * copy of this address space is made only to be thrown away by the
	 * exec, and a failed exec is reported here.
	 */
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	if ((r = posix_spawnattr_init(&attr)) != 0 ||
	    (r = posix_spawnattr_setsigmask(&attr, &none)) != 0 ||
	    (r = posix_spawnattr_setsigdefault(&attr, &dfl)) != 0 ||
	    (r = posix_spawnattr_setflags(&attr,
		 POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) != 0)
		log_die(RC_TEMP, "posix_spawnattr: %s", strerror(r));
	r = posix_spawnp(&prog, cfg->argv[0], NULL, &attr, cfg->argv, environ);
	if (r != 0)
		log_die(RC_TEMP, "unable to run %s: %s", cfg->argv[0],
		    strerror(r));
	posix_spawnattr_destroy(&attr);
	/* Keep nothing of the session open: EOF must reach tlsd. */
	close(0);
	close(1);
	if (watchfd > 3)
		close_range(3, (unsigned)watchfd - 1, 0);
	close_range((unsigned)watchfd + 1, ~0U, 0);
	supervise(prog, watchfd);
}

/* Waits up to ms for pid; 1 and *st_r when it ended, 0 if not yet. */
static int
wait_for(pid_t pid, int ms, int *st_r)
{
	long long deadline = now_ms() + ms;
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (;;) {
		long long left;
		struct timespec ts;
		pid_t r = waitpid(pid, st_r, WNOHANG);

		if (r == pid || (r < 0 && errno == ECHILD))
			return 1;
		left = deadline - now_ms();
		if (left <= 0)
			return 0;
		if (left > 100)
			left = 100;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)left * 1000000L;
		sigtimedwait(&chld, NULL, &ts);
	}
}

/*
 * The program has lost its client (or was never started): give it the
 * grace time to finish, then have the supervisor end it (closing the
 * watch pipe: SIGTERM, then SIGKILL), and wait for that.
 */
static int
reap(pid_t pid, int *watch_w, const struct cfg *cfg)
{
	int st = 0;

	if (wait_for(pid, cfg->grace_ms, &st)) {
		if (*watch_w >= 0)
			close(*watch_w);
		*watch_w = -1;
		return status_rc(st);
	}
	log_warn("program still running after %d s: terminating",
	    cfg->grace_ms / 1000);
	if (*watch_w >= 0)
		close(*watch_w);
	*watch_w = -1;
	if (wait_for(pid, 5000, &st))
		return RC_TEMP;
	log_error("supervisor pid %ld did not end", (long)pid);
	return RC_TEMP;
}

static int
send_go(int gofd, const char *p, size_t n)
{
	int r = write_all(gofd, p, n, 5000);

	close(gofd);
	return r;
}

static int
run(const struct cfg *cfg)
{
	int go[2], a[2] = { -1, -1 }, b[2] = { -1, -1 };
	int ctl[2] = { -1, -1 }, c[2] = { -1, -1 }, d[2] = { -1, -1 };
	struct str info = STR_INIT;
	struct stats st = { 0, 0 };
	SSL_CTX *ctx;
	SSL *ssl = NULL;
	pid_t pid;
	int watch[2];
	int rc, app_w, app_r, ctlfd = -1;
	sigset_t chld;

	if (fcntl(0, F_GETFD) < 0 || fcntl(1, F_GETFD) < 0)
		log_die(RC_PERM, "descriptors 0 and 1 must be the connection");
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);

	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(watch, O_CLOEXEC) < 0)
		log_die(RC_TEMP, "pipe: %s", strerror(errno));
	if (cfg->starttls) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) < 0 ||
		    pipe2(c, O_CLOEXEC) < 0 || pipe2(d, O_CLOEXEC) < 0)
			log_die(RC_TEMP, "pipe: %s", strerror(errno));
	} else if (pipe2(a, O_CLOEXEC) < 0 || pipe2(b, O_CLOEXEC) < 0)
		log_die(RC_TEMP, "pipe: %s", strerror(errno));

	pid = fork();
	if (pid < 0)
		log_die(RC_TEMP, "fork: %s", strerror(errno));
	if (pid == 0) {
		if (preloaded != NULL) {
			/*
			 * Forked from a listener that holds the key: drop it
			 * (OpenSSL clears the key's numbers when it frees
			 * them) and stay non-dumpable, so the program, which
			 * runs as this process's user, cannot ptrace it or
			 * read its memory for what the heap may still hold.
			 * The program itself is a new image (exec).
			 */
			(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
			SSL_CTX_free(preloaded);
			preloaded = NULL;
		}
		close(go[1]);
		if (cfg->starttls) {
			struct str e = STR_INIT;

			close(ctl[0]);
			close(c[1]);
			close(d[0]);
			/* These three survive the exec; the socket stays on 0/1. */
			if (fcntl(ctl[1], F_SETFD, 0) < 0 ||
			    fcntl(c[0], F_SETFD, 0) < 0 ||
			    fcntl(d[1], F_SETFD, 0) < 0)
				log_die(RC_TEMP, "fcntl: %s", strerror(errno));
			if (str_printf(&e, "%d", ctl[1]) < 0 ||
			    setenv("SSLCTLFD", e.s, 1) < 0)
				log_die(RC_TEMP, "out of memory");
			str_clear(&e);
			if (str_printf(&e, "%d", c[0]) < 0 ||
			    setenv("SSLREADFD", e.s, 1) < 0)
				log_die(RC_TEMP, "out of memory");
			str_clear(&e);
			if (str_printf(&e, "%d", d[1]) < 0 ||
			    setenv("SSLWRITEFD", e.s, 1) < 0)
				log_die(RC_TEMP, "out of memory");
			str_free(&e);
		} else {
			/* The program never holds the client's socket. */
			if (dup2(a[0], 0) < 0 || dup2(b[1], 1) < 0)
				log_die(RC_TEMP, "dup2: %s", strerror(errno));
			close(a[0]);
			close(a[1]);
			close(b[0]);
			close(b[1]);
		}
		close(watch[1]);
		child(cfg, go[0], watch[0]);
	}
	close(go[0]);
	close(watch[0]);
	if (cfg->starttls) {
		close(ctl[1]);
		close(c[0]);
		close(d[1]);
		ctlfd = ctl[0];
		app_w = c[1];
		app_r = d[0];
	} else {
		close(a[0]);
		close(b[1]);
		app_w = a[1];
		app_r = b[0];
	}

	/* The key is read now, as root if we are, never by the child. */
	ctx = preloaded != NULL ? preloaded : load_ctx(cfg);
	if (become(&cfg->self) < 0) {
		log_error("unable to switch to tlsd's user: %s", strerror(errno));
		goto abort;
	}
	if (ctx == NULL)
		goto abort;
	/* Each SSL_write is a whole record: no Nagle wait for the peer's
	 * delayed ACK between two records. */
	(void)io_nodelay(1);
	ssl = SSL_new(ctx);
	if (ssl == NULL || !SSL_set_rfd(ssl, 0) || !SSL_set_wfd(ssl, 1)) {
		log_error("unable to set up TLS: %s", ssl_err());
		goto abort;
	}
	SSL_set_accept_state(ssl);

	if (!cfg->starttls) {
		if (set_nonblock(0) < 0 || set_nonblock(1) < 0 ||
		    set_nonblock(app_w) < 0 || set_nonblock(app_r) < 0) {
			log_error("fcntl: %s", strerror(errno));
			goto abort;
		}
		if (handshake(ssl, cfg) < 0) {
			rc = RC_HANDSHAKE;
			goto close_all;
		}
		if (build_info(ssl, &info) < 0 ||
		    send_go(go[1], info.s, info.len) < 0) {
			go[1] = -1;
			log_error("unable to start the program");
			goto abort;
		}
		go[1] = -1;
		if (cfg->verbose)
			log_info("tls ip=%s protocol=%s cipher=%s", cfg->peer,
			    SSL_get_version(ssl), SSL_get_cipher_name(ssl));
		relay(ssl, &app_w, app_r, -1, cfg, &st);
	} else {
		char cmd = 0;
		int started = 0;

		if (send_go(go[1], "\0\0", 2) < 0) {
			go[1] = -1;
			log_error("unable to start the program");
			goto abort;
		}
		go[1] = -1;
		/*
		 * Plaintext: the program has the socket.  Wait for its
		 * command; EOF means it ended or gave up TLS, and then the
		 * session is its own business until it exits.
		 */
		for (;;) {
			ssize_t g = read(ctlfd, &cmd, 1);

			if (g == 1 && (cmd == 'y' || cmd == 'Y')) {
				started = 1;
				break;
			}
			if (g == 1)
				continue; /* unknown commands are ignored */
			if (g < 0 && errno == EINTR)
				continue;
			break;
		}
		if (!started) {
			int s = 0;

			close(ctlfd);
			close(app_w);
			close(app_r);
			while (waitpid(pid, &s, 0) < 0 && errno == EINTR)
				;
			rc = status_rc(s);
			goto out;
		}
		/* The program let go of the socket: it is ours now. */
		if (set_nonblock(0) < 0 || set_nonblock(1) < 0 ||
		    set_nonblock(app_w) < 0 || set_nonblock(app_r) < 0 ||
		    set_nonblock(ctlfd) < 0) {
			log_error("fcntl: %s", strerror(errno));
			goto abort;
		}
		if (handshake(ssl, cfg) < 0) {
			/* The program sees the control socket close. */
			rc = RC_HANDSHAKE;
			goto close_all;
		}
		if (cmd == 'Y' &&
		    (build_info(ssl, &info) < 0 ||
			write_all(ctlfd, info.s, info.len, cfg->hs_ms) < 0)) {
			log_error("unable to answer the program: %s",
			    strerror(errno));
			goto abort;
		}
		if (cfg->verbose)
			log_info("starttls ip=%s protocol=%s cipher=%s",
			    cfg->peer, SSL_get_version(ssl),
			    SSL_get_cipher_name(ssl));
		relay(ssl, &app_w, app_r, ctlfd, cfg, &st);
	}
	rc = -1;
	goto close_all;
abort:
	rc = RC_TEMP;
close_all:
	/* relay closed app_w when it was done with it. */
	if (go[1] >= 0)
		close(go[1]);
	if (ctlfd >= 0)
		close(ctlfd);
	if (app_w >= 0)
		close(app_w);
	close(app_r);
	shutdown(1, SHUT_RDWR);
	{
		int r = reap(pid, &watch[1], cfg);
		if (rc < 0)
			rc = r;
	}
	if (cfg->verbose)
		log_info("end ip=%s in=%llu out=%llu status=%d", cfg->peer, st.in,
		    st.out, rc);
out:
	if (watch[1] >= 0)
		close(watch[1]);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	str_free(&info);
	return rc;
}

/* Listening mode (-l). */
static volatile sig_atomic_t got_chld, got_hup, got_term;

static void
on_listen_sig(int sig)
{
	if (sig == SIGCHLD)
		got_chld = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

/* Numeric address and port only: never a DNS query. */
static int
listen_socket(const struct cfg *cfg)
{
	struct addrinfo hints, *ai = NULL;
	const char *host = strcmp(cfg->host, "0") == 0 ? "0.0.0.0" : cfg->host;
	int fd, r, one = 1;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	r = getaddrinfo(host, cfg->port, &hints, &ai);
	if (r != 0 || ai == NULL)
		log_die(RC_PERM, "bad address %s port %s (numbers only): %s",
		    cfg->host, cfg->port, gai_strerror(r));
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (fd < 0)
		log_die(RC_TEMP, "socket: %s", strerror(errno));
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0)
		log_die(RC_TEMP, "unable to bind %s port %s: %s", cfg->host,
		    cfg->port, strerror(errno));
	freeaddrinfo(ai);
	if (listen(fd, 128) < 0)
		log_die(RC_TEMP, "listen: %s", strerror(errno));
	return fd;
}

/* Numeric address and port of sa, an IPv4-mapped address as IPv4. */
static int
sa_text(const struct sockaddr_storage *ss, char *ip, size_t n, char *port,
    size_t pn, int *v6_r)
{
	unsigned p;

	*v6_r = 0;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss;

		if (inet_ntop(AF_INET, &a->sin_addr, ip, (socklen_t)n) == NULL)
			return -1;
		p = ntohs(a->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)ss;

		if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) {
			if (inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], ip,
				(socklen_t)n) == NULL)
				return -1;
		} else {
			if (inet_ntop(AF_INET6, &a->sin6_addr, ip,
				(socklen_t)n) == NULL)
				return -1;
			*v6_r = 1;
		}
		p = ntohs(a->sin6_port);
	} else
		return -1;
	if (pn < 6)
		return -1;
	port[5] = '\0';
	{
		size_t i = 5, d = 0;
		do {
			port[--i] = (char)('0' + p % 10);
			p /= 10;
			d++;
		} while (p > 0);
		memmove(port, port + i, d + 1);
	}
	return 0;
}

/*
 * One connection's process: sets the environment tcpserver would (PROTO,
 * TCPLOCALIP/PORT, TCPREMOTEIP/PORT; no names: no DNS), puts the socket
 * on 0 and 1 and runs the session exactly as a tlsd under tcpserver,
 * with the listener's context.
 */
static void __attribute__((noreturn))
serve(const struct cfg *cfg0, int lfd, int cfd, SSL_CTX *ctx)
{
	static char rip[PEER_MAX];
	struct cfg cfg = *cfg0;
	struct sockaddr_storage la, ra;
	socklen_t ll = sizeof la, rl = sizeof ra;
	char lip[PEER_MAX], lport[8], rport[8];
	struct sigaction sa;
	sigset_t none;
	int v6 = 0, v6r = 0;

	close(lfd);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (getsockname(cfd, (struct sockaddr *)&la, &ll) < 0 ||
	    getpeername(cfd, (struct sockaddr *)&ra, &rl) < 0 ||
	    sa_text(&la, lip, sizeof lip, lport, sizeof lport, &v6) < 0 ||
	    sa_text(&ra, rip, sizeof rip, rport, sizeof rport, &v6r) < 0)
		_exit(RC_TEMP); /* the client is already gone */
	if (setenv("PROTO", v6 ? "TCP6" : "TCP", 1) < 0 ||
	    setenv("TCPLOCALIP", lip, 1) < 0 ||
	    setenv("TCPLOCALPORT", lport, 1) < 0 ||
	    setenv("TCPREMOTEIP", rip, 1) < 0 ||
	    setenv("TCPREMOTEPORT", rport, 1) < 0)
		log_die(RC_TEMP, "out of memory");
	unsetenv("TCPLOCALHOST");
	unsetenv("TCPREMOTEHOST");
	unsetenv("TCPREMOTEINFO");
	if (dup2(cfd, 0) < 0 || dup2(cfd, 1) < 0)
		log_die(RC_TEMP, "dup2: %s", strerror(errno));
	if (cfd > 1)
		close(cfd);
	cfg.peer = rip;
	preloaded = ctx;
	_exit(run(&cfg));
}

static int
listener(const struct cfg *cfg)
{
	struct sigaction sa;
	sigset_t block, none;
	SSL_CTX *ctx;
	unsigned n = 0;
	int lfd, fd;

	/* Descriptors 0 to 2 open, so no socket lands on them. */
	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, NULL);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_listen_sig;
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&none);

	lfd = listen_socket(cfg);
	ctx = load_ctx(cfg);
	if (ctx == NULL)
		log_die(RC_TEMP, "not started: no usable certificate and key");
	if (strcmp(cfg->port, "0") == 0) {
		/* Port 0 (tests): say which one the kernel chose. */
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		char ip[PEER_MAX], port[8];
		struct str line = STR_INIT;
		int v6;

		if (getsockname(lfd, (struct sockaddr *)&ss, &sl) < 0 ||
		    sa_text(&ss, ip, sizeof ip, port, sizeof port, &v6) < 0 ||
		    str_printf(&line, "%s\n", port) < 0 ||
		    write_all(1, line.s, line.len, 5000) < 0)
			log_die(RC_TEMP, "unable to tell the port");
		str_free(&line);
	}
	log_info("listening host=%s port=%s max=%u", cfg->host, cfg->port,
	    cfg->maxconn);
	while (!got_term) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		int cfd, r, st;
		pid_t pid;

		if (got_chld) {
			got_chld = 0;
			while (waitpid(-1, &st, WNOHANG) > 0)
				if (n > 0)
					n--;
		}
		if (got_hup) {
			SSL_CTX *fresh;

			got_hup = 0;
			fresh = load_ctx(cfg);
			if (fresh != NULL) {
				SSL_CTX_free(ctx);
				ctx = fresh;
				log_info("reloaded %s", cfg->cert);
			} else
				log_warn("reload failed: keeping the certificate "
					 "and key in use");
		}
		/* At the limit, new clients wait in the listen queue. */
		r = ppoll(n < cfg->maxconn ? &p : NULL,
		    n < cfg->maxconn ? 1 : 0, NULL, &none);
		if (r <= 0)
			continue;
		cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				struct timespec ts = { 0, 100 * 1000000L };

				log_warn("accept: %s", strerror(errno));
				nanosleep(&ts, NULL);
			}
			continue;
		}
		pid = fork();
		if (pid < 0) {
			log_warn("fork: %s", strerror(errno));
			close(cfd);
			continue;
		}
		if (pid == 0)
			serve(cfg, lfd, cfd, ctx);
		close(cfd);
		n++;
	}
	close(lfd);
	log_info("stopped: %u connection(s) still finishing", n);
	SSL_CTX_free(ctx);
	return 0;
}

int
main(int argc, char **argv)
{
	static struct cfg cfg; /* static: its group lists live until exit */

	log_init(argv[0]);
	parse_args(argc, argv, &cfg);
	if (geteuid() == 0) {
		if (!cfg.self.set)
			log_die(RC_PERM, "running as root: tlsd's own user "
					 "is needed (-U or TLS_UID/TLS_GID)");
		if (!cfg.prog.set)
			log_die(RC_PERM, "running as root: the program's user "
					 "is needed (-u or UID/GID)");
		if (cfg.self.uid == 0)
			log_die(RC_PERM, "tlsd's own user must not be root");
		if (cfg.self.uid == cfg.prog.uid)
			log_die(RC_PERM, "tlsd's user and the program's user "
					 "must differ");
	}
	if (cfg.listen)
		return listener(&cfg);
	return run(&cfg);
}
