/*
 * smtp-remote: the SMTP client.  One transaction per run, to one
 * destination domain, for queued (see smtp-remote(8)):
 *
 *   smtp-remote [-E envid] [-R FULL|HDRS] [-8] [-U] domain sender rcpt...
 *
 * The message is on fd 0 (seekable).  The next hop comes from
 * smtp_routes, relayhost or the domain's MX records (RFC 5321 §5); each
 * address is tried in turn until one takes the transaction.  Replies are
 * read with lib/smtpreply, an 8-bit body is converted with lib/to7bit
 * for a peer without 8BITMIME, and STARTTLS runs through OpenSSL as a
 * client.  stdout gets one line per recipient, in argument order:
 *
 *   ok|temp|perm <TAB> recipient <TAB> remote-mta <TAB> diagnostic
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <resolv.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "base64.h"
#include "control.h"
#include "io.h"
#include "log.h"
#include "num.h"
#include "smtpaddr.h"
#include "smtpreply.h"
#include "smtproute.h"
#include "str.h"
#include "to7bit.h"

enum rc { RC_OK = 0, RC_MISUSE = 2, RC_TEMP = 111 };

#define MAX_MX 64	   /* MX records used */
#define MAX_ADDRS 20	   /* addresses tried per run */
#define PIPE_GROUP 100	   /* commands written before reading replies */
#define RCPT_ARG_MAX 2048  /* one RCPT argument */
#define CONN_BUFSIZE 16384

enum rstate { RS_PENDING, RS_ACCEPTED, RS_OK, RS_TEMP, RS_PERM };

struct rcpt {
	const char *addr; /* the address */
	size_t addrlen;
	const char *params; /* RCPT parameters as given, "" if none */
	enum rstate state;
	struct str diag;
	char mta[NEXTHOP_HOST_MAX + 3];
};

/* One address to try: the host name it came from and the address. */
struct target {
	char name[NEXTHOP_HOST_MAX + 1]; /* "" when the nexthop is an address */
	struct sockaddr_storage sa;
	socklen_t salen;
	char ip[INET6_ADDRSTRLEN];
};

struct timeouts {
	uint64_t connect, helo, starttls, mail, rcpt, data_init, data_xfer,
	    data_done, quit;
};

struct conn {
	int fd;
	SSL *ssl;
	int timeout_ms;
	unsigned char in[CONN_BUFSIZE];
	size_t inpos, inlen;
	unsigned char out[CONN_BUFSIZE];
	size_t outlen;
	int broken; /* a read or write failed: errno in err */
	int err;
};

struct cfg {
	const char *domain;
	const char *sender;
	const char *envid; /* NULL if none */
	const char *ret;   /* "FULL", "HDRS" or NULL */
	int eightbit, utf8;
	struct rcpt *rcpts;
	size_t nrcpt;
	struct str helo; /* myhostname */
	struct nexthop nh;
	int routed;   /* nh came from smtp_routes or relayhost */
	enum tls_policy tls;
	struct str cafile;
	struct timeouts to;
	/* The message. */
	int msgfd;
	uint64_t size;	 /* with CRLF line ends */
	int body8;	 /* a byte >= 0x80 somewhere */
	int scanned;	 /* parts8 is filled in */
	struct to7bit conv;
	unsigned char parts8[TO7BIT_PARTS_MAX / 8];
	/* What happened when no recipient got a final answer. */
	struct str lasterr;
	char lastmta[NEXTHOP_HOST_MAX + 3];
	SSL_CTX *ctx;
	/* SMTP AUTH from smtp_sasl_password. */
	struct str nhtext; /* the next hop as written, or the domain */
	int have_sasl;
	int sasl_tls_only;
	struct str sasl_user, sasl_pass;
};

static struct cfg cfg;
static struct conn conn;

static void __attribute__((noreturn))
usage(void)
{
	log_error("usage: smtp-remote [-t] [-E envid] [-R FULL|HDRS] [-8] [-U] "
		  "domain sender recipient...");
	exit(RC_MISUSE);
}

/* ---------------------------------------------------------------- results */

/* Sets a recipient's final (or accepted) state and its diagnostic. */
static void
rcpt_set(struct rcpt *r, enum rstate st, const char *mta, const char *diag)
{
	r->state = st;
	str_clear(&r->diag);
	if (str_appendz(&r->diag, diag) < 0) {
		log_error("out of memory");
		exit(RC_TEMP);
	}
	snprintf(r->mta, sizeof(r->mta), "%s", mta);
}

/* A local reason ("4.4.1 ...") becomes the run's last error. */
static void
lasterr(const char *mta, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
lasterr(const char *mta, const char *fmt, ...)
{
	va_list ap;

	str_clear(&cfg.lasterr);
	va_start(ap, fmt);
	if (str_vprintf(&cfg.lasterr, fmt, ap) < 0) {
		log_error("out of memory");
		exit(RC_TEMP);
	}
	va_end(ap);
	snprintf(cfg.lastmta, sizeof(cfg.lastmta), "%s", mta);
	log_info("domain=%s mta=%s error=%s", cfg.domain, mta, cfg.lasterr.s);
}

/* Every recipient without a final answer gets the last error. */
static void
fail_pending(void)
{
	size_t i;
	enum rstate st = cfg.lasterr.len > 0 && cfg.lasterr.s[0] == '5' ?
	    RS_PERM : RS_TEMP;

	for (i = 0; i < cfg.nrcpt; i++)
		if (cfg.rcpts[i].state == RS_PENDING ||
		    cfg.rcpts[i].state == RS_ACCEPTED)
			rcpt_set(&cfg.rcpts[i], st, cfg.lastmta,
			    cfg.lasterr.len > 0 ? cfg.lasterr.s :
			    "4.4.0 no address to deliver to");
}

/* Appends z to out with tabs, CR and LF turned into spaces. */
static int
field(struct str *out, const char *z, size_t n)
{
	size_t i;
	char c;

	for (i = 0; i < n; i++) {
		c = z[i];
		if (c == '\t' || c == '\r' || c == '\n')
			c = ' ';
		if (str_appendc(out, c) < 0)
			return -1;
	}
	return 0;
}

static int
report(void)
{
	static const char *const names[] = { "temp", "temp", "ok", "temp",
		"perm" };
	struct str out = STR_INIT;
	size_t i, nok = 0, ntemp = 0, nperm = 0;
	struct rcpt *r;
	int e;

	for (i = 0; i < cfg.nrcpt; i++) {
		r = &cfg.rcpts[i];
		nok += r->state == RS_OK;
		nperm += r->state == RS_PERM;
		ntemp += r->state != RS_OK && r->state != RS_PERM;
		if (str_appendz(&out, names[r->state]) < 0 ||
		    str_appendc(&out, '\t') < 0 ||
		    field(&out, r->addr, r->addrlen) < 0 ||
		    str_appendc(&out, '\t') < 0 ||
		    field(&out, r->mta, strlen(r->mta)) < 0 ||
		    str_appendc(&out, '\t') < 0 ||
		    field(&out, r->diag.s != NULL ? r->diag.s : "",
			r->diag.len) < 0 ||
		    str_appendc(&out, '\n') < 0)
			goto fail;
	}
	log_info("done domain=%s rcpts=%zu ok=%zu temp=%zu perm=%zu",
	    cfg.domain, cfg.nrcpt, nok, ntemp, nperm);
	if (io_write_all(1, out.s, out.len, -1) < 0)
		goto fail;
	str_free(&out);
	return 0;
fail:
	/* (queued may be gone: EPIPE.  The caller logs errno.) */
	e = errno;
	str_free(&out);
	errno = e;
	return -1;
}

/* ---------------------------------------------------------------- the wire */

static int
ms(uint64_t secs)
{
	return secs > 86400 ? 86400 * 1000 : (int)(secs * 1000);
}

/* Waits for fd to be ready for events; 0, or -1 (ETIMEDOUT, ...). */
static int
wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events, .revents = 0 };
	int n;

	do
		n = poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	return n < 0 ? -1 : 0;
}

/*
 * Handles an OpenSSL call's result: 1 to retry after waiting, 0 for end
 * of input, -1 for an error (errno set).
 */
static int
ssl_wait(SSL *ssl, int rc, int timeout_ms)
{
	int e = SSL_get_error(ssl, rc);

	if (e == SSL_ERROR_WANT_READ)
		return wait_fd(SSL_get_fd(ssl), POLLIN, timeout_ms) < 0 ? -1 : 1;
	if (e == SSL_ERROR_WANT_WRITE)
		return wait_fd(SSL_get_fd(ssl), POLLOUT, timeout_ms) < 0 ? -1 : 1;
	if (e == SSL_ERROR_ZERO_RETURN)
		return 0;
	if (e == SSL_ERROR_SYSCALL && errno == 0)
		return 0; /* EOF without close_notify */
	if (e != SSL_ERROR_SYSCALL)
		errno = EPROTO;
	return -1;
}

static ssize_t
conn_read(struct conn *c, void *p, size_t n)
{
	ssize_t r;
	int w;

	for (;;) {
		if (c->ssl != NULL) {
			ERR_clear_error();
			errno = 0;
			r = SSL_read(c->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
			if (r > 0)
				return r;
			w = ssl_wait(c->ssl, (int)r, c->timeout_ms);
			if (w <= 0)
				return w;
			continue;
		}
		r = read(c->fd, p, n);
		if (r >= 0)
			return r;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (wait_fd(c->fd, POLLIN, c->timeout_ms) < 0)
			return -1;
	}
}

static int
conn_write_all(struct conn *c, const void *p, size_t n)
{
	const unsigned char *b = p;
	ssize_t r;
	int w;

	while (n > 0) {
		if (c->ssl != NULL) {
			ERR_clear_error();
			errno = 0;
			r = SSL_write(c->ssl, b,
			    n > INT32_MAX ? INT32_MAX : (int)n);
			if (r <= 0) {
				w = ssl_wait(c->ssl, (int)r, c->timeout_ms);
				if (w == 0)
					errno = EPIPE;
				if (w <= 0)
					return -1;
				continue;
			}
		} else {
			r = write(c->fd, b, n);
			if (r < 0) {
				if (errno == EINTR)
					continue;
				if (errno != EAGAIN && errno != EWOULDBLOCK)
					return -1;
				if (wait_fd(c->fd, POLLOUT, c->timeout_ms) < 0)
					return -1;
				continue;
			}
		}
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

static int
conn_flush(struct conn *c)
{
	if (c->broken)
		return -1;
	if (c->outlen > 0 && conn_write_all(c, c->out, c->outlen) < 0) {
		c->broken = 1;
		c->err = errno;
		return -1;
	}
	c->outlen = 0;
	return 0;
}

static int
conn_put(struct conn *c, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t k;

	while (n > 0) {
		if (c->outlen == sizeof(c->out) && conn_flush(c) < 0)
			return -1;
		k = sizeof(c->out) - c->outlen;
		if (k > n)
			k = n;
		memcpy(c->out + c->outlen, b, k);
		c->outlen += k;
		b += k;
		n -= k;
	}
	return 0;
}

/*
 * Reads one line (up to its LF) into line.  1, 0 at end of input, -1 on
 * error (E2BIG for a line over SMTP_REPLY_LINE_MAX).
 */
static int
conn_getline(struct conn *c, struct str *line)
{
	unsigned char *nl;
	size_t k;
	ssize_t r;

	str_clear(line);
	for (;;) {
		if (c->inpos == c->inlen) {
			r = conn_read(c, c->in, sizeof(c->in));
			if (r < 0)
				return -1;
			if (r == 0)
				return line->len > 0 ? 1 : 0;
			c->inpos = 0;
			c->inlen = (size_t)r;
		}
		nl = memchr(c->in + c->inpos, '\n', c->inlen - c->inpos);
		k = nl != NULL ? (size_t)(nl - c->in) + 1 - c->inpos :
				 c->inlen - c->inpos;
		if (line->len + k > SMTP_REPLY_LINE_MAX) {
			errno = E2BIG;
			return -1;
		}
		if (str_append(line, c->in + c->inpos, k) < 0)
			return -1;
		c->inpos += k;
		if (nl != NULL)
			return 1;
	}
}

/*
 * Reads a whole reply with the given timeout.  0 with r complete, or -1
 * with a description of the failure in why ("timeout", "lost
 * connection", "malformed reply").
 */
static int
read_reply(struct conn *c, struct smtp_reply *r, uint64_t timeout,
    const char **why_r)
{
	struct str line = STR_INIT;
	int rc;

	c->timeout_ms = ms(timeout);
	smtp_reply_init(r);
	if (c->broken) {
		*why_r = c->err == ETIMEDOUT ? "timeout" : "lost connection";
		return -1;
	}
	for (;;) {
		rc = conn_getline(c, &line);
		if (rc <= 0) {
			*why_r = rc == 0 ? "lost connection" :
			    errno == ETIMEDOUT ? "timeout" :
			    errno == E2BIG ? "reply line too long" :
					     "lost connection";
			c->broken = 1;
			c->err = rc == 0 ? EPIPE : errno;
			str_free(&line);
			return -1;
		}
		rc = smtp_reply_line(r, line.s, line.len);
		if (rc == 1)
			break;
		if (rc < 0) {
			*why_r = "malformed reply";
			c->broken = 1;
			c->err = EPROTO;
			str_free(&line);
			return -1;
		}
	}
	str_free(&line);
	return 0;
}

static void
conn_close(struct conn *c)
{
	if (c->ssl != NULL) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->inpos = c->inlen = c->outlen = 0;
	c->broken = 0;
}

/* ---------------------------------------------------------------- routing */

/* A reasonably good random number for shuffling equal MX hosts. */
static uint32_t
rnd32(void *arg)
{
	uint32_t v;

	(void)arg;
	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v))
		v = (uint32_t)random();
	return v;
}

/*
 * Adds the addresses of host (port) to the target list.  Returns 0, or
 * -1 with the reason in cfg.lasterr.
 */
static int
add_host(struct target *t, size_t *n, const char *name, const char *host,
    uint16_t port, int numeric)
{
	struct addrinfo hints, *res = NULL, *ai;
	char portstr[8];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = numeric ? AI_NUMERICHOST : AI_ADDRCONFIG;
	snprintf(portstr, sizeof(portstr), "%u", port);
	rc = getaddrinfo(host, portstr, &hints, &res);
	if (rc != 0) {
		lasterr("", "%s host %s: %s",
		    rc == EAI_NONAME || rc == EAI_NODATA ? "5.4.4 unknown" :
							   "4.4.3 lookup of",
		    host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL && *n < MAX_ADDRS; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(t[*n].sa))
			continue;
		snprintf(t[*n].name, sizeof(t[*n].name), "%s", name);
		memcpy(&t[*n].sa, ai->ai_addr, ai->ai_addrlen);
		t[*n].salen = ai->ai_addrlen;
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, t[*n].ip,
			sizeof(t[*n].ip), NULL, 0, NI_NUMERICHOST) != 0)
			continue;
		(*n)++;
	}
	freeaddrinfo(res);
	return 0;
}

/*
 * MX records of name, sorted.  Returns the count (0: none, implicit MX),
 * or -1 with cfg.lasterr set.
 */
static int
mx_lookup(const char *name, struct mx_rec *mx, int *nullmx_r)
{
	static unsigned char ans[65536];
	int len, n;

	*nullmx_r = 0;
	if (!(_res.options & RES_INIT) && res_init() < 0) {
		lasterr("", "4.4.3 resolver initialisation failed");
		return -1;
	}
	len = res_query(name, ns_c_in, ns_t_mx, ans, sizeof(ans));
	if (len < 0) {
		if (h_errno == NO_DATA)
			return 0;
		if (h_errno == HOST_NOT_FOUND) {
			lasterr("", "5.1.2 domain %s not found", name);
			return -1;
		}
		lasterr("", "4.4.3 MX lookup of %s failed: %s", name,
		    hstrerror(h_errno));
		return -1;
	}
	if (len > (int)sizeof(ans))
		len = (int)sizeof(ans);
	n = mx_parse(ans, (size_t)len, mx, MAX_MX, nullmx_r);
	if (n < 0) {
		lasterr("", "4.4.3 malformed DNS answer for %s", name);
		return -1;
	}
	/* RFC 7505: a "." MX says the domain takes no mail. */
	if (n == 0 && *nullmx_r) {
		lasterr("", "5.1.10 domain %s accepts no mail (null MX)", name);
		return -1;
	}
	mx_sort(mx, (size_t)n, rnd32, NULL);
	return n;
}

/*
 * The addresses to try, best first.  Returns the count, or -1 with
 * cfg.lasterr set (nothing to try).
 */
static int
targets(struct target *t)
{
	static struct mx_rec mx[MAX_MX];
	const char *name;
	size_t n = 0, i, nmx;
	int r, self, nullmx;
	uint16_t port = cfg.nh.port;

	if (cfg.nh.numeric) {
		if (add_host(t, &n, "", cfg.nh.host, port, 1) < 0)
			return -1;
		return (int)n;
	}
	name = cfg.nh.host;
	if (cfg.nh.literal) {
		if (add_host(t, &n, name, name, port, 0) < 0)
			return -1;
		return (int)n;
	}
	r = mx_lookup(name, mx, &nullmx);
	if (r < 0)
		return -1;
	if (r == 0) {
		/* RFC 5321 §5.1: no MX, the domain itself (implicit MX). */
		if (add_host(t, &n, name, name, port, 0) < 0)
			return -1;
		return (int)n;
	}
	nmx = mx_prune_self(mx, (size_t)r, cfg.helo.s, &self);
	if (nmx == 0) {
		lasterr("", "5.4.6 mail for %s loops back to myself", name);
		return -1;
	}
	for (i = 0; i < nmx && n < MAX_ADDRS; i++)
		(void)add_host(t, &n, mx[i].host, mx[i].host, port, 0);
	if (n == 0)
		return -1; /* lasterr says why */
	return (int)n;
}

/* ---------------------------------------------------------------- TLS */

static SSL_CTX *
tls_ctx(void)
{
	if (cfg.ctx != NULL)
		return cfg.ctx;
	cfg.ctx = SSL_CTX_new(TLS_client_method());
	if (cfg.ctx == NULL)
		return NULL;
	SSL_CTX_set_min_proto_version(cfg.ctx, TLS1_2_VERSION);
	SSL_CTX_set_mode(cfg.ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (cfg.tls == TLS_POLICY_VERIFY) {
		if (cfg.cafile.len > 0) {
			if (SSL_CTX_load_verify_locations(cfg.ctx, cfg.cafile.s,
				NULL) != 1) {
				log_error("unable to read smtp_tls_CAfile %s",
				    cfg.cafile.s);
				SSL_CTX_free(cfg.ctx);
				cfg.ctx = NULL;
				return NULL;
			}
		} else {
			(void)SSL_CTX_set_default_verify_paths(cfg.ctx);
		}
		SSL_CTX_set_verify(cfg.ctx, SSL_VERIFY_PEER, NULL);
	} else {
		SSL_CTX_set_verify(cfg.ctx, SSL_VERIFY_NONE, NULL);
	}
	return cfg.ctx;
}

/*
 * The TLS handshake on conn.  0, or -1 with a reason in why (buf of n
 * bytes).
 */
static int
tls_start(const struct target *t, char *why, size_t n)
{
	SSL_CTX *ctx = tls_ctx();
	X509_VERIFY_PARAM *vp;
	const char *name = t->name[0] != '\0' ? t->name : NULL;
	long vr;
	int rc, w;

	if (ctx == NULL) {
		snprintf(why, n, "TLS setup failed");
		return -1;
	}
	conn.ssl = SSL_new(ctx);
	if (conn.ssl == NULL || SSL_set_fd(conn.ssl, conn.fd) != 1) {
		snprintf(why, n, "TLS setup failed");
		return -1;
	}
	if (name != NULL)
		(void)SSL_set_tlsext_host_name(conn.ssl, name);
	if (cfg.tls == TLS_POLICY_VERIFY) {
		vp = SSL_get0_param(conn.ssl);
		X509_VERIFY_PARAM_set_hostflags(vp,
		    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (name != NULL ? X509_VERIFY_PARAM_set1_host(vp, name, 0) != 1 :
				   X509_VERIFY_PARAM_set1_ip_asc(vp, t->ip) != 1) {
			snprintf(why, n, "TLS setup failed");
			return -1;
		}
	}
	conn.timeout_ms = ms(cfg.to.starttls);
	for (;;) {
		ERR_clear_error();
		errno = 0;
		rc = SSL_connect(conn.ssl);
		if (rc == 1)
			break;
		w = ssl_wait(conn.ssl, rc, conn.timeout_ms);
		if (w == 1)
			continue;
		vr = SSL_get_verify_result(conn.ssl);
		if (vr != X509_V_OK)
			snprintf(why, n, "certificate verification failed: %s",
			    X509_verify_cert_error_string(vr));
		else if (errno == ETIMEDOUT)
			snprintf(why, n, "timeout in the TLS handshake");
		else
			snprintf(why, n, "TLS handshake failed: %s",
			    ERR_reason_error_string(ERR_peek_last_error()) !=
				    NULL ?
				ERR_reason_error_string(ERR_peek_last_error()) :
				"connection closed");
		return -1;
	}
	log_info("tls domain=%s ip=%s version=%s cipher=%s verified=%s",
	    cfg.domain, t->ip, SSL_get_version(conn.ssl),
	    SSL_get_cipher_name(conn.ssl),
	    cfg.tls == TLS_POLICY_VERIFY ? "yes" : "no");
	return 0;
}

/* ---------------------------------------------------------------- message */

/*
 * One pass over the message: its size with CRLF line ends and whether
 * it holds 8-bit bytes.  0, or -1 (errno).
 */
static int
msg_measure(void)
{
	unsigned char buf[IO_BUFSIZE];
	ssize_t r;
	size_t i;
	int prevcr = 0;

	cfg.size = 0;
	if (lseek(cfg.msgfd, 0, SEEK_SET) < 0)
		return -1;
	for (;;) {
		r = read(cfg.msgfd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		for (i = 0; i < (size_t)r; i++) {
			if (buf[i] == '\n' && !prevcr)
				cfg.size++;
			if (buf[i] >= 0x80)
				cfg.body8 = 1;
			prevcr = buf[i] == '\r';
		}
		cfg.size += (uint64_t)r;
	}
	return 0;
}

/* The scan pass of lib/to7bit: which parts hold 8-bit bytes. */
static int
msg_scan(void)
{
	unsigned char buf[IO_BUFSIZE];
	ssize_t r;

	if (cfg.scanned)
		return 0;
	if (lseek(cfg.msgfd, 0, SEEK_SET) < 0)
		return -1;
	to7bit_init(&cfg.conv, 1);
	for (;;) {
		r = read(cfg.msgfd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		if (to7bit_feed(&cfg.conv, buf, (size_t)r, NULL) < 0)
			return -1;
	}
	if (to7bit_end(&cfg.conv, NULL) < 0)
		return -1;
	memcpy(cfg.parts8, cfg.conv.parts8, sizeof(cfg.parts8));
	cfg.scanned = 1;
	return 0;
}

/* CRLF line ends and dot-stuffing on the way to the wire. */
struct dotw {
	int bol;   /* at the start of a line */
	int cr;	   /* a CR is held back */
};

static int
dotw_put(struct dotw *d, const char *p, size_t n)
{
	size_t i, start = 0;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)p[i];
		if (d->cr) {
			/* CRLF, or a bare CR, which ends the line too. */
			d->cr = 0;
			if (conn_put(&conn, "\r\n", 2) < 0)
				return -1;
			d->bol = 1;
			start = i + (c == '\n');
			if (c == '\n')
				continue;
		}
		if (c == '\r' || c == '\n' || (d->bol && c == '.')) {
			if (conn_put(&conn, p + start, i - start) < 0)
				return -1;
			start = i + 1;
			if (c == '\r') {
				d->cr = 1;
				continue;
			}
			if (c == '\n') {
				if (conn_put(&conn, "\r\n", 2) < 0)
					return -1;
				d->bol = 1;
				continue;
			}
			if (conn_put(&conn, "..", 2) < 0)
				return -1;
			d->bol = 0;
			continue;
		}
		d->bol = 0;
	}
	return conn_put(&conn, p + start, n - start);
}

static int
dotw_end(struct dotw *d)
{
	if ((d->cr || !d->bol) && conn_put(&conn, "\r\n", 2) < 0)
		return -1;
	return conn_put(&conn, ".\r\n", 3);
}

/*
 * Sends the message and the final dot.  0; -1 with errno for a local
 * read error (*local_r = 1) or a write error.
 */
static int
msg_send(int convert, int *local_r)
{
	unsigned char buf[IO_BUFSIZE];
	struct str out = STR_INIT;
	struct dotw d = { 1, 0 };
	ssize_t r;
	int rc = -1;

	*local_r = 1;
	if (lseek(cfg.msgfd, 0, SEEK_SET) < 0)
		return -1;
	if (convert) {
		to7bit_init(&cfg.conv, 0);
		memcpy(cfg.conv.parts8, cfg.parts8, sizeof(cfg.parts8));
	}
	conn.timeout_ms = ms(cfg.to.data_xfer);
	for (;;) {
		*local_r = 1;
		r = read(cfg.msgfd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto done;
		*local_r = 0;
		if (r == 0)
			break;
		if (convert) {
			str_clear(&out);
			if (to7bit_feed(&cfg.conv, buf, (size_t)r, &out) < 0) {
				*local_r = 1;
				goto done;
			}
			if (out.len > 0 && dotw_put(&d, out.s, out.len) < 0)
				goto done;
		} else if (dotw_put(&d, (char *)buf, (size_t)r) < 0) {
			goto done;
		}
	}
	if (convert) {
		str_clear(&out);
		if (to7bit_end(&cfg.conv, &out) < 0) {
			*local_r = 1;
			goto done;
		}
		if (out.len > 0 && dotw_put(&d, out.s, out.len) < 0)
			goto done;
	}
	if (dotw_end(&d) < 0 || conn_flush(&conn) < 0)
		goto done;
	rc = 0;
done:
	str_free(&out);
	return rc;
}

/* ---------------------------------------------------------------- session */

/* "mx.example.org" or "[192.0.2.1]": REMOTE-MTA for reports. */
static void
mta_name(const struct target *t, char *buf, size_t n)
{
	if (t->name[0] != '\0')
		snprintf(buf, n, "%s", t->name);
	else
		snprintf(buf, n, "[%s]", t->ip);
}

/* "mx.example.org[192.0.2.1]:25" for diagnostics. */
static void
host_desc(const struct target *t, char *buf, size_t n)
{
	unsigned port = t->sa.ss_family == AF_INET6 ?
	    ntohs(((const struct sockaddr_in6 *)&t->sa)->sin6_port) :
	    ntohs(((const struct sockaddr_in *)&t->sa)->sin_port);

	snprintf(buf, n, "%s[%s]:%u", t->name, t->ip, port);
}

static int
do_connect(const struct target *t, char *why, size_t n)
{
	int fd, err = 0;
	socklen_t len = sizeof(err);

	fd = socket(t->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0) {
		snprintf(why, n, "%s", strerror(errno));
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)&t->sa, t->salen) < 0) {
		if (errno != EINPROGRESS) {
			snprintf(why, n, "%s", strerror(errno));
			close(fd);
			return -1;
		}
		if (wait_fd(fd, POLLOUT, ms(cfg.to.connect)) < 0) {
			snprintf(why, n, "%s", errno == ETIMEDOUT ?
			    "connection timed out" : strerror(errno));
			close(fd);
			return -1;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 ||
		    err != 0) {
			snprintf(why, n, "%s", strerror(err != 0 ? err : errno));
			close(fd);
			return -1;
		}
	}
	conn.fd = fd;
	conn.ssl = NULL;
	conn.inpos = conn.inlen = conn.outlen = 0;
	conn.broken = 0;
	return 0;
}

/* Writes a command line (CRLF added) into the output buffer. */
static int
cmd(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
cmd(const char *fmt, ...)
{
	struct str line = STR_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = str_vprintf(&line, fmt, ap);
	va_end(ap);
	if (rc < 0 || str_append(&line, "\r\n", 2) < 0) {
		str_free(&line);
		return -1;
	}
	rc = conn_put(&conn, line.s, line.len);
	str_free(&line);
	return rc;
}

static void
quit(void)
{
	struct smtp_reply r = { 0 };
	const char *why;

	if (!conn.broken && cmd("QUIT") == 0 && conn_flush(&conn) == 0)
		(void)read_reply(&conn, &r, cfg.to.quit, &why);
	smtp_reply_free(&r);
	if (conn.ssl != NULL)
		(void)SSL_shutdown(conn.ssl);
}

static int
is_ascii(const char *z)
{
	for (; *z != '\0'; z++)
		if ((unsigned char)*z >= 0x80)
			return 0;
	return 1;
}

enum sess_rc {
	S_DONE,	     /* the transaction ran: recipients have results */
	S_NEXT,	     /* try the next address (cfg.lasterr set) */
	S_RETRY_TLS, /* TLS failed under "may": this address again, plain */
};

/* The one-line form of a reply, prefixed by "host said: " style text. */
static void
reply_text(const struct smtp_reply *r, struct str *out)
{
	str_clear(out);
	if (smtp_reply_oneline(r, out) < 0) {
		log_error("out of memory");
		exit(RC_TEMP);
	}
}

/* Every recipient still without a final result gets st and diag. */
static void
set_all(enum rstate from, enum rstate st, const char *mta, const char *diag)
{
	size_t i;

	for (i = 0; i < cfg.nrcpt; i++)
		if (cfg.rcpts[i].state == from)
			rcpt_set(&cfg.rcpts[i], st, mta, diag);
}

static enum rstate
code_state(int code)
{
	return code >= 200 && code < 300 ? RS_OK :
	    code >= 500		       ? RS_PERM :
					 RS_TEMP;
}

/*
 * The transaction after EHLO: MAIL, RCPT, DATA.  S_DONE once the server
 * answered MAIL (every recipient then has its result from this server);
 * S_NEXT, with cfg.lasterr set, when the connection was lost or the
 * server said 421 before that.
 */
static enum sess_rc
transaction(const struct target *t, const struct smtp_ehlo *e,
    const char *mta, const char *desc)
{
	struct smtp_reply r = { 0 };
	struct str mail = STR_INIT, txt = STR_INIT, diag = STR_INIT;
	size_t i, g, gend, naccepted = 0;
	int convert, pipe = e->pipelining, local, mail_ok, answered = 0;
	const char *why = NULL, *stage = "MAIL FROM";
	enum sess_rc ret = S_DONE;

	(void)t;
	/* What the peer cannot take is refused before MAIL. */
	if (e->has_size && e->size > 0 && cfg.size > e->size) {
		str_printf(&diag, "5.3.4 message size %llu exceeds size limit "
		    "%llu of %s", (unsigned long long)cfg.size,
		    (unsigned long long)e->size, desc);
		set_all(RS_PENDING, RS_PERM, mta, diag.s);
		goto quit;
	}
	if (cfg.utf8 && !e->smtputf8) {
		int need = !is_ascii(cfg.sender);

		for (i = 0; i < cfg.nrcpt; i++)
			need |= !is_ascii(cfg.rcpts[i].addr);
		if (need) {
			str_printf(&diag, "5.6.7 SMTPUTF8 is required, but "
			    "was not offered by %s", desc);
			set_all(RS_PENDING, RS_PERM, mta, diag.s);
			goto quit;
		}
	}
	convert = !e->eightbitmime && (cfg.body8 || cfg.eightbit);
	if (convert && cfg.body8 && msg_scan() < 0) {
		str_printf(&diag, "4.3.0 unable to read the message: %s",
		    strerror(errno));
		set_all(RS_PENDING, RS_TEMP, "", diag.s);
		goto quit;
	}

	if (str_printf(&mail, "MAIL FROM:<%s>", cfg.sender) < 0 ||
	    (e->has_size && str_printf(&mail, " SIZE=%llu",
				(unsigned long long)cfg.size) < 0) ||
	    ((cfg.eightbit || cfg.body8) && e->eightbitmime &&
		str_appendz(&mail, " BODY=8BITMIME") < 0) ||
	    (cfg.utf8 && e->smtputf8 && str_appendz(&mail, " SMTPUTF8") < 0) ||
	    (e->dsn && cfg.ret != NULL &&
		str_printf(&mail, " RET=%s", cfg.ret) < 0) ||
	    (e->dsn && cfg.envid != NULL &&
		str_printf(&mail, " ENVID=%s", cfg.envid) < 0) ||
	    cmd("%s", mail.s) < 0)
		goto lost;
	stage = "MAIL FROM";
	if (!pipe) {
		if (conn_flush(&conn) < 0 ||
		    read_reply(&conn, &r, cfg.to.mail, &why) < 0)
			goto lost;
		answered = 1;
		if (r.code == 421)
			goto closing;
		if (r.code / 100 != 2) {
			reply_text(&r, &txt);
			set_all(RS_PENDING, code_state(r.code), mta, txt.s);
			goto quit;
		}
	}
	mail_ok = !pipe;
	/* RCPT in groups; with PIPELINING, DATA goes with the last group. */
	for (g = 0; g < cfg.nrcpt; g = gend) {
		gend = g + (pipe ? PIPE_GROUP : 1);
		if (gend > cfg.nrcpt)
			gend = cfg.nrcpt;
		for (i = g; i < gend; i++) {
			struct rcpt *rc = &cfg.rcpts[i];
			if (cmd("RCPT TO:<%.*s>%s%s", (int)rc->addrlen, rc->addr,
				e->dsn && rc->params[0] != '\0' ? " " : "",
				e->dsn ? rc->params : "") < 0)
				goto lost;
		}
		if (pipe && gend == cfg.nrcpt && cmd("DATA") < 0)
			goto lost;
		if (conn_flush(&conn) < 0)
			goto lost;
		if (pipe && g == 0) {
			stage = "MAIL FROM";
			if (read_reply(&conn, &r, cfg.to.mail, &why) < 0)
				goto lost;
			answered = 1;
			if (r.code == 421)
				goto closing;
			mail_ok = r.code / 100 == 2;
			if (!mail_ok) {
				reply_text(&r, &txt);
				set_all(RS_PENDING, code_state(r.code), mta,
				    txt.s);
			}
		}
		stage = "RCPT TO";
		for (i = g; i < gend; i++) {
			if (read_reply(&conn, &r, cfg.to.rcpt, &why) < 0)
				goto lost;
			if (!mail_ok)
				continue;
			reply_text(&r, &txt);
			if (r.code / 100 == 2) {
				rcpt_set(&cfg.rcpts[i], RS_ACCEPTED, mta, txt.s);
				naccepted++;
			} else {
				rcpt_set(&cfg.rcpts[i], code_state(r.code), mta,
				    txt.s);
			}
		}
	}
	if (!mail_ok && !pipe)
		goto quit;
	stage = "DATA";
	if (!pipe) {
		if (naccepted == 0)
			goto quit;
		if (cmd("DATA") < 0 || conn_flush(&conn) < 0)
			goto lost;
	}
	if (read_reply(&conn, &r, cfg.to.data_init, &why) < 0)
		goto lost;
	if (r.code != 354) {
		if (naccepted > 0) {
			reply_text(&r, &txt);
			set_all(RS_ACCEPTED, code_state(r.code) == RS_OK ?
			    RS_TEMP : code_state(r.code), mta, txt.s);
		}
		goto quit;
	}
	if (naccepted == 0) {
		/* RFC 2920 §3.1: DATA was accepted after all; an empty
		 * message ends it, and its result is ignored. */
		if (cmd(".") == 0 && conn_flush(&conn) == 0)
			(void)read_reply(&conn, &r, cfg.to.data_done, &why);
		goto quit;
	}
	stage = "message body";
	if (msg_send(convert, &local) < 0) {
		if (local) {
			str_printf(&diag, "4.3.0 unable to read the message: %s",
			    strerror(errno));
			set_all(RS_ACCEPTED, RS_TEMP, mta, diag.s);
			conn_close(&conn);
			goto done;
		}
		why = conn.err == ETIMEDOUT ? "timeout" : "lost connection";
		goto lost;
	}
	stage = "end of data";
	if (read_reply(&conn, &r, cfg.to.data_done, &why) < 0)
		goto lost;
	reply_text(&r, &txt);
	set_all(RS_ACCEPTED, code_state(r.code), mta, txt.s);
	log_info("sent domain=%s mta=%s%s rcpts=%zu reply=%s", cfg.domain, desc,
	    conn.ssl != NULL ? " tls=yes" : "", naccepted, txt.s);
quit:
	quit();
	conn_close(&conn);
	goto done;
closing:
	/* The server is shutting down before the transaction began: like
	 * a refused greeting, the next address may do better. */
	reply_text(&r, &txt);
	lasterr(mta, "%s (in reply to MAIL FROM from %s)", txt.s, desc);
	conn_close(&conn);
	ret = S_NEXT;
	goto done;
lost:
	str_clear(&diag);
	str_printf(&diag, "4.4.2 %s with %s while sending %s",
	    why != NULL ? why : "lost connection", desc, stage);
	conn_close(&conn);
	if (!answered) {
		/* Nothing was agreed yet: the next address may do better. */
		lasterr(mta, "%s", diag.s);
		ret = S_NEXT;
		goto done;
	}
	set_all(RS_PENDING, RS_TEMP, mta, diag.s);
	set_all(RS_ACCEPTED, RS_TEMP, mta, diag.s);
done:
	smtp_reply_free(&r);
	str_free(&mail);
	str_free(&txt);
	str_free(&diag);
	return ret;
}

/* Whether the space-separated list has word (any case). */
static int
has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (strncasecmp(p, word, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
			return 1;
		while (*p != '\0' && *p != ' ')
			p++;
	}
	return 0;
}

/* Sends a base64 line: an AUTH response. */
static int
cmd_b64(const char *prefix, const void *p, size_t n)
{
	struct str b = STR_INIT;
	int rc;

	if (b64_encode(&b, p, n, 0, 0) < 0)
		return -1;
	if (b.s == NULL && str_appendz(&b, "=") < 0)
		return -1;
	rc = cmd("%s%s", prefix, b.s);
	str_wipe(&b);
	return rc;
}

/*
 * SMTP AUTH (RFC 4954) with PLAIN, else LOGIN.  0, or -1 with
 * cfg.lasterr set.
 */
static int
authenticate(const struct smtp_ehlo *e, int tls, const char *mta,
    const char *desc)
{
	struct smtp_reply r = { 0 };
	struct str txt = STR_INIT, plain = STR_INIT;
	const char *why = "lost connection";
	int rc = -1;

	if (!tls && cfg.sasl_tls_only) {
		lasterr(mta, "4.7.0 not sending credentials to %s without TLS",
		    desc);
		return -1;
	}
	conn.timeout_ms = ms(cfg.to.helo);
	if (has_word(e->auth, "PLAIN")) {
		if (str_appendc(&plain, '\0') < 0 ||
		    str_append(&plain, cfg.sasl_user.s, cfg.sasl_user.len) < 0 ||
		    str_appendc(&plain, '\0') < 0 ||
		    str_append(&plain, cfg.sasl_pass.s, cfg.sasl_pass.len) < 0 ||
		    cmd_b64("AUTH PLAIN ", plain.s, plain.len) < 0 ||
		    conn_flush(&conn) < 0 ||
		    read_reply(&conn, &r, cfg.to.helo, &why) < 0)
			goto lost;
	} else if (has_word(e->auth, "LOGIN")) {
		if (cmd("AUTH LOGIN") < 0 || conn_flush(&conn) < 0 ||
		    read_reply(&conn, &r, cfg.to.helo, &why) < 0)
			goto lost;
		if (r.code == 334) {
			if (cmd_b64("", cfg.sasl_user.s, cfg.sasl_user.len) < 0 ||
			    conn_flush(&conn) < 0 ||
			    read_reply(&conn, &r, cfg.to.helo, &why) < 0)
				goto lost;
		}
		if (r.code == 334) {
			if (cmd_b64("", cfg.sasl_pass.s, cfg.sasl_pass.len) < 0 ||
			    conn_flush(&conn) < 0 ||
			    read_reply(&conn, &r, cfg.to.helo, &why) < 0)
				goto lost;
		}
	} else {
		lasterr(mta, "4.7.0 no AUTH mechanism in common with %s (%s)",
		    desc, e->auth);
		goto done;
	}
	if (r.code == 235) {
		log_info("auth domain=%s mta=%s user=%s", cfg.domain, desc,
		    cfg.sasl_user.s);
		rc = 0;
		goto done;
	}
	reply_text(&r, &txt);
	/* A refusal is worth retrying later, not a bounce (Postfix's
	 * smtp_sasl_auth_soft_bounce). */
	lasterr(mta, "%s%s (authentication failed at %s)",
	    txt.s[0] == '5' ? "4" : "", txt.s[0] == '5' ? txt.s + 1 : txt.s,
	    desc);
	goto done;
lost:
	lasterr(mta, "4.4.2 %s with %s while authenticating", why, desc);
done:
	str_wipe(&plain);
	str_free(&txt);
	smtp_reply_free(&r);
	return rc;
}

/* One attempt at one address. */
static enum sess_rc
session(const struct target *t, int notls)
{
	struct smtp_reply r = { 0 };
	struct smtp_ehlo e;
	struct str txt = STR_INIT;
	char mta[NEXTHOP_HOST_MAX + 3], desc[NEXTHOP_HOST_MAX + 80];
	char why[256];
	const char *rwhy;
	enum sess_rc rc = S_NEXT;
	int esmtp = 1, tls = 0;

	mta_name(t, mta, sizeof(mta));
	host_desc(t, desc, sizeof(desc));
	if (do_connect(t, why, sizeof(why)) < 0) {
		lasterr("", "4.4.1 connect to %s: %s", desc, why);
		return S_NEXT;
	}
	if (read_reply(&conn, &r, cfg.to.helo, &rwhy) < 0) {
		lasterr(mta, "4.4.2 %s with %s while reading the greeting",
		    rwhy, desc);
		goto out;
	}
	if (r.code / 100 != 2) {
		reply_text(&r, &txt);
		lasterr(mta, "%s (host %s refused to talk to me)", txt.s, desc);
		quit();
		goto out;
	}
ehlo:
	if (cmd("EHLO %s", cfg.helo.s) < 0 || conn_flush(&conn) < 0 ||
	    read_reply(&conn, &r, cfg.to.helo, &rwhy) < 0) {
		lasterr(mta, "4.4.2 %s with %s while sending EHLO",
		    conn.broken && conn.err == ETIMEDOUT ? "timeout" :
							   "lost connection",
		    desc);
		goto out;
	}
	if (r.code / 100 == 5 && !tls) {
		/* An old server: HELO, and no extensions. */
		esmtp = 0;
		if (cmd("HELO %s", cfg.helo.s) < 0 || conn_flush(&conn) < 0 ||
		    read_reply(&conn, &r, cfg.to.helo, &rwhy) < 0) {
			lasterr(mta, "4.4.2 lost connection with %s while "
			    "sending HELO", desc);
			goto out;
		}
	}
	if (r.code / 100 != 2) {
		reply_text(&r, &txt);
		lasterr(mta, "%s (in reply to %s from %s)", txt.s,
		    esmtp ? "EHLO" : "HELO", desc);
		quit();
		goto out;
	}
	if (esmtp)
		(void)smtp_ehlo_parse(&r, &e);
	else
		memset(&e, 0, sizeof(e));
	if (!tls && !notls && cfg.tls != TLS_POLICY_NONE && e.starttls) {
		if (cmd("STARTTLS") < 0 || conn_flush(&conn) < 0 ||
		    read_reply(&conn, &r, cfg.to.starttls, &rwhy) < 0) {
			lasterr(mta, "4.4.2 lost connection with %s while "
			    "sending STARTTLS", desc);
			goto out;
		}
		if (r.code == 220) {
			/* Nothing may come before the handshake: bytes that
			 * did were sent in plain text (CVE-2011-0411). */
			if (conn.inpos != conn.inlen) {
				lasterr(mta, "4.7.0 %s sent data after its "
				    "STARTTLS reply", desc);
				goto out;
			}
			if (tls_start(t, why, sizeof(why)) < 0) {
				lasterr(mta, "4.7.5 %s with %s", why, desc);
				if (cfg.tls == TLS_POLICY_MAY)
					rc = S_RETRY_TLS;
				goto out;
			}
			tls = 1;
			goto ehlo;
		}
		if (cfg.tls != TLS_POLICY_MAY) {
			reply_text(&r, &txt);
			lasterr(mta, "4.7.4 TLS is required, but %s refused "
			    "STARTTLS: %s", desc, txt.s);
			quit();
			goto out;
		}
	}
	if (!tls && (cfg.tls == TLS_POLICY_ENCRYPT ||
		     cfg.tls == TLS_POLICY_VERIFY)) {
		lasterr(mta, "4.7.4 TLS is required, but was not offered by %s",
		    desc);
		quit();
		goto out;
	}
	if (cfg.have_sasl && e.auth[0] != '\0' &&
	    authenticate(&e, tls, mta, desc) < 0) {
		quit();
		goto out;
	}
	smtp_reply_free(&r);
	str_free(&txt);
	return transaction(t, &e, mta, desc);
out:
	conn_close(&conn);
	smtp_reply_free(&r);
	str_free(&txt);
	return rc;
}

/* ---------------------------------------------------------------- setup */

static int
load_timeouts(struct control_err *err)
{
	static const struct {
		const char *name;
		uint64_t def;
		size_t off;
	} tab[] = {
		{ "smtp_connect_timeout", 30, offsetof(struct timeouts, connect) },
		{ "smtp_helo_timeout", 300, offsetof(struct timeouts, helo) },
		{ "smtp_starttls_timeout", 300,
		    offsetof(struct timeouts, starttls) },
		{ "smtp_mail_timeout", 300, offsetof(struct timeouts, mail) },
		{ "smtp_rcpt_timeout", 300, offsetof(struct timeouts, rcpt) },
		{ "smtp_data_init_timeout", 120,
		    offsetof(struct timeouts, data_init) },
		{ "smtp_data_xfer_timeout", 180,
		    offsetof(struct timeouts, data_xfer) },
		{ "smtp_data_done_timeout", 600,
		    offsetof(struct timeouts, data_done) },
		{ "smtp_quit_timeout", 300, offsetof(struct timeouts, quit) },
	};
	size_t i;
	uint64_t v;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (control_u64(tab[i].name, tab[i].def, 86400, &v, err) < 0)
			return -1;
		if (v == 0)
			v = 1;
		memcpy((char *)&cfg.to + tab[i].off, &v, sizeof(v));
	}
	return 0;
}

/* Fills err for a bad table line. */
static void
table_err(struct control_err *err, const char *file, size_t line,
    const char *reason)
{
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s/%s", control_dir(), file);
	err->line = (unsigned)(line + 1);
	err->col = 1;
	snprintf(err->reason, sizeof(err->reason), "%s", reason);
}

/* Checks every line of a table with check(value). */
static int
table_check(const char *file, const struct str *list, size_t count,
    int (*check)(const char *, size_t), struct control_err *err)
{
	const char *p = list->s, *v;
	size_t i, k, len;

	for (i = 0; i < count; i++) {
		len = strlen(p);
		for (k = 0; k < len && p[k] != ' ' && p[k] != '\t'; k++)
			;
		v = p + k;
		while (*v == ' ' || *v == '\t')
			v++;
		len = strlen(v);
		while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
			len--;
		if (k == 0 || len == 0) {
			table_err(err, file, i, "a line needs a key and a value");
			return -1;
		}
		if (check(v, len) < 0) {
			table_err(err, file, i, "bad value");
			return -1;
		}
		p += strlen(p) + 1;
	}
	return 0;
}

static int
check_nexthop(const char *v, size_t n)
{
	struct nexthop nh;

	return nexthop_parse(v, n, &nh);
}

static int
check_policy(const char *v, size_t n)
{
	enum tls_policy p;

	return tls_policy_parse(v, n, &p);
}

/*
 * The credentials for this next hop from smtp_sasl_password: lines
 * "key user:password" where key is the next hop as written in
 * smtp_routes or relayhost ("[smtp.example]:587"), its host, or "*".
 * 0, or -1 with err filled in.
 */
static int
load_sasl(struct control_err *err)
{
	struct str list = STR_INIT;
	const char *p, *v, *colon, *keys[3];
	size_t count = 0, i, k, klen, vlen;
	int found = 0, best = 3;

	keys[0] = cfg.nhtext.s;
	keys[1] = cfg.nh.host;
	keys[2] = "*";
	if (control_list("smtp_sasl_password", &list, &count, err) < 0 ||
	    control_bool("smtp_sasl_tls_only", 1, &cfg.sasl_tls_only, err) < 0)
		goto fail;
	for (p = list.s, i = 0; i < count; i++, p += strlen(p) + 1) {
		for (klen = 0; p[klen] != '\0' && p[klen] != ' ' &&
		     p[klen] != '\t'; klen++)
			;
		v = p + klen;
		while (*v == ' ' || *v == '\t')
			v++;
		vlen = strlen(v);
		colon = memchr(v, ':', vlen);
		if (klen == 0 || colon == NULL || colon == v) {
			table_err(err, "smtp_sasl_password", i,
			    "a line is \"nexthop user:password\"");
			goto fail;
		}
		for (k = 0; k < 3 && (int)k < best; k++) {
			if (keys[k] == NULL || strlen(keys[k]) != klen ||
			    strncasecmp(keys[k], p, klen) != 0)
				continue;
			best = (int)k;
			found = 1;
			str_clear(&cfg.sasl_user);
			str_clear(&cfg.sasl_pass);
			if (str_copy(&cfg.sasl_user, v, (size_t)(colon - v)) < 0 ||
			    str_copy(&cfg.sasl_pass, colon + 1,
				vlen - (size_t)(colon - v) - 1) < 0)
				goto fail;
		}
	}
	cfg.have_sasl = found;
	str_wipe(&list);
	return 0;
fail:
	str_wipe(&list);
	return -1;
}

/*
 * Reads the control files and decides the next hop and TLS policy.
 * 0, or -1 with err filled in.
 */
static int
load_config(struct control_err *err)
{
	struct str relay = STR_INIT, routes = STR_INIT, pol = STR_INIT;
	char host[256];
	size_t nroutes = 0, npol = 0, vlen, bad;
	const char *v;
	int rc = -1, r;

	if (gethostname(host, sizeof(host)) < 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	if (control_str("myhostname", host, &cfg.helo, err) < 0 ||
	    control_str("relayhost", NULL, &relay, err) < 0 ||
	    control_list("smtp_routes", &routes, &nroutes, err) < 0 ||
	    control_list("smtp_tls_policy", &pol, &npol, err) < 0 ||
	    control_str("smtp_tls_CAfile", NULL, &cfg.cafile, err) < 0 ||
	    load_timeouts(err) < 0)
		goto done;
	if (table_check("smtp_routes", &routes, nroutes, check_nexthop, err) <
		0 ||
	    table_check("smtp_tls_policy", &pol, npol, check_policy, err) < 0)
		goto done;
	if (relay.len > 0 && nexthop_parse(relay.s, relay.len, &cfg.nh) < 0) {
		table_err(err, "relayhost", 0, "bad next hop");
		goto done;
	}
	if (cfg.domain == NULL) {
		rc = load_sasl(err);
		goto done;
	}
	/* The next hop: a route, the relay host, else the domain's MX. */
	r = route_lookup(routes.s, nroutes, cfg.domain, &v, &vlen, &bad);
	if (r == 1) {
		if (nexthop_parse(v, vlen, &cfg.nh) < 0) {
			table_err(err, "smtp_routes", bad, "bad next hop");
			goto done;
		}
		cfg.routed = 1;
		if (str_copy(&cfg.nhtext, v, vlen) < 0)
			goto done;
	} else if (relay.len > 0) {
		cfg.routed = 1;
		if (str_copy(&cfg.nhtext, relay.s, relay.len) < 0)
			goto done;
	} else if (str_copy(&cfg.nhtext, cfg.domain, strlen(cfg.domain)) < 0) {
		goto done;
	} else if (nexthop_parse(cfg.domain, strlen(cfg.domain), &cfg.nh) < 0) {
		table_err(err, "(domain)", 0, "not a valid domain");
		errno = EINVAL;
		goto done;
	}
	cfg.tls = TLS_POLICY_MAY;
	r = route_lookup(pol.s, npol, cfg.domain, &v, &vlen, &bad);
	if (r == 1)
		(void)tls_policy_parse(v, vlen, &cfg.tls);
	if (load_sasl(err) < 0)
		goto done;
	rc = 0;
done:
	str_free(&relay);
	str_free(&routes);
	str_free(&pol);
	return rc;
}

/* Whether z has a control byte (CR, LF, NUL are how commands get in). */
static int
has_ctl(const char *z)
{
	for (; *z != '\0'; z++)
		if ((unsigned char)*z < 0x20 || *z == 0x7f)
			return 1;
	return 0;
}

/*
 * The length of the address at the start of z: up to the first blank,
 * except inside a quoted local part ("john doe"@example.org).
 */
static size_t
addr_len(const char *z)
{
	size_t i = 0;

	if (z[0] == '"') {
		for (i = 1; z[i] != '\0' && z[i] != '"'; i++)
			if (z[i] == '\\' && z[i + 1] != '\0')
				i++;
		if (z[i] == '"')
			i++;
	}
	while (z[i] != '\0' && z[i] != ' ' && z[i] != '\t')
		i++;
	return i;
}

/*
 * Whether z[0..n) is an address fit for the wire: what smtpd would take
 * between the angle brackets (lib/smtpaddr), so nothing can be slipped
 * into MAIL or RCPT.
 */
static int
addr_ok(const char *z, size_t n, unsigned flags)
{
	struct smtp_addr a;
	char buf[SMTP_PATH_MAX + 3];
	size_t used;

	if (n > SMTP_PATH_MAX)
		return 0;
	buf[0] = '<';
	memcpy(buf + 1, z, n);
	buf[n + 1] = '>';
	return smtp_path_parse(buf, n + 2, flags | SMTP_ADDR_UTF8, &a, &used) ==
		0 &&
	    used == n + 2;
}

/* Splits "addr params" arguments and checks them. */
static int
parse_rcpts(char **argv, size_t n)
{
	size_t i;
	const char *sp;

	cfg.rcpts = calloc(n, sizeof(*cfg.rcpts));
	if (cfg.rcpts == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		struct rcpt *r = &cfg.rcpts[i];

		if (strlen(argv[i]) > RCPT_ARG_MAX || has_ctl(argv[i])) {
			errno = EINVAL;
			return -1;
		}
		r->addr = argv[i];
		r->addrlen = addr_len(argv[i]);
		sp = argv[i] + r->addrlen;
		while (*sp == ' ' || *sp == '\t')
			sp++;
		r->params = sp;
		if (!addr_ok(r->addr, r->addrlen, 0)) {
			errno = EINVAL;
			return -1;
		}
	}
	return 0;
}

static int
bad_domain(const char *z)
{
	for (; *z != '\0'; z++)
		if ((unsigned char)*z <= 0x20 || *z == 0x7f || *z == '<' ||
		    *z == '>')
			return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct control_err err;
	struct target *t;
	char ebuf[512];
	int opt, check = 0, n, i;
	enum sess_rc src;

	log_init(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	while ((opt = getopt(argc, argv, "tE:R:8U")) != -1) {
		switch (opt) {
		case 't':
			check = 1;
			break;
		case 'E':
			if (strlen(optarg) > SMTP_ENVID_MAX ||
			    !smtp_xtext_valid(optarg, strlen(optarg)))
				usage();
			cfg.envid = optarg;
			break;
		case 'R':
			if (strcasecmp(optarg, "FULL") == 0)
				cfg.ret = "FULL";
			else if (strcasecmp(optarg, "HDRS") == 0)
				cfg.ret = "HDRS";
			else
				usage();
			break;
		case '8':
			cfg.eightbit = 1;
			break;
		case 'U':
			cfg.utf8 = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (check) {
		if (load_config(&err) < 0) {
			control_err_format(&err, ebuf, sizeof(ebuf));
			log_error("%s", ebuf);
			return 1;
		}
		if (cfg.cafile.len > 0 && access(cfg.cafile.s, R_OK) < 0) {
			log_error("%s/smtp_tls_CAfile: %s: %s", control_dir(),
			    cfg.cafile.s, strerror(errno));
			return 1;
		}
		return 0;
	}
	if (argc < 3)
		usage();
	cfg.domain = argv[0];
	cfg.sender = argv[1];
	if (cfg.domain[0] == '\0' || strlen(cfg.domain) > SMTP_DOMAIN_MAX + 2 ||
	    bad_domain(cfg.domain) ||
	    !addr_ok(cfg.sender, strlen(cfg.sender), SMTP_ADDR_NULL_OK))
		usage();
	if (parse_rcpts(argv + 2, (size_t)argc - 2) < 0) {
		if (errno == ENOMEM)
			return RC_TEMP;
		usage();
	}
	cfg.nrcpt = (size_t)argc - 2;
	cfg.msgfd = 0;
	conn.fd = -1;

	if (load_config(&err) < 0) {
		control_err_format(&err, ebuf, sizeof(ebuf));
		log_error("%s", ebuf);
		lasterr("", "4.3.5 configuration error: %s", ebuf);
		goto report;
	}
	if (msg_measure() < 0) {
		lasterr("", "4.3.0 unable to read the message: %s",
		    strerror(errno));
		goto report;
	}
	t = calloc(MAX_ADDRS, sizeof(*t));
	if (t == NULL)
		return RC_TEMP;
	n = targets(t);
	if (n <= 0 && cfg.lasterr.len == 0)
		lasterr("", "4.4.4 no address for %s", cfg.nh.host);
	for (i = 0; i < n; i++) {
		src = session(&t[i], 0);
		if (src == S_RETRY_TLS)
			src = session(&t[i], 1);
		if (src == S_DONE)
			break;
	}
	free(t);
report:
	fail_pending();
	if (report() < 0) {
		log_error("unable to write the report: %s", strerror(errno));
		return RC_TEMP;
	}
	return RC_OK;
}
