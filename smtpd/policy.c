#include "policy.h"

#include <arpa/inet.h>
#include <cdb.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "num.h"

static void
lower(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] - 'A' + 'a');
}

static int
list_lower(const char *name, struct str *out, size_t *n_r,
    struct control_err *err)
{
	int r = control_list(name, out, n_r, err);

	if (r > 0)
		lower(out->s, out->len);
	return r;
}

/* Appends z (and its NUL) to a NUL-separated list. */
static int
list_add(struct str *l, size_t *n, const char *z)
{
	if (str_append(l, z, strlen(z) + 1) < 0)
		return -1;
	(*n)++;
	lower(l->s, l->len);
	return 0;
}

static int
list_has(const struct str *l, size_t n, const char *p, size_t len)
{
	const char *s = l->s;

	for (size_t i = 0; i < n; i++) {
		size_t sl = strlen(s);

		if (sl == len && strncasecmp(s, p, len) == 0)
			return 1;
		s += sl + 1;
	}
	return 0;
}

/* 1 if the lower-cased key is in local_recipients.cdb. */
static int
cdb_has(const struct policy *p, const char *k, size_t n)
{
	char buf[SMTP_ADDR_MAX + 2];
	unsigned dlen;

	if (p->rcptcdb < 0 || n >= sizeof buf)
		return 0;
	memcpy(buf, k, n);
	lower(buf, n);
	return cdb_seek(p->rcptcdb, buf, (unsigned)n, &dlen) > 0;
}

static int
net_parse(const char *z, struct net *n)
{
	char buf[80];
	const char *slash = strchr(z, '/');
	size_t alen = slash != NULL ? (size_t)(slash - z) : strlen(z);
	uint64_t prefix;

	if (alen >= sizeof buf)
		return -1;
	memcpy(buf, z, alen);
	buf[alen] = '\0';
	/* Postfix writes IPv6 networks as [::1]/128. */
	if (alen >= 2 && buf[0] == '[' && buf[alen - 1] == ']') {
		memmove(buf, buf + 1, alen - 2);
		buf[alen - 2] = '\0';
	}
	memset(n, 0, sizeof *n);
	if (inet_pton(AF_INET, buf, n->addr) == 1) {
		n->af = AF_INET;
		n->prefix = 32;
	} else if (inet_pton(AF_INET6, buf, n->addr) == 1) {
		n->af = AF_INET6;
		n->prefix = 128;
	} else {
		return -1;
	}
	if (slash != NULL) {
		if (num_u64z(slash + 1, n->prefix, &prefix) < 0)
			return -1;
		n->prefix = (unsigned)prefix;
	}
	return 0;
}

static int
nets_load(struct policy *p, struct control_err *err)
{
	struct str l = STR_INIT;
	size_t n = 0;
	const char *s;
	int r = control_list("mynetworks", &l, &n, err);

	if (r < 0)
		return -1;
	if (r == 0) {
		str_free(&l);
		n = 0;
		if (str_append(&l, "127.0.0.0/8", 12) < 0 ||
		    str_append(&l, "::1/128", 8) < 0)
			return -1;
		n = 2;
	}
	p->nets = calloc(n ? n : 1, sizeof *p->nets);
	if (p->nets == NULL)
		return -1;
	s = l.s;
	for (size_t i = 0; i < n; i++) {
		if (net_parse(s, &p->nets[i]) < 0) {
			snprintf(err->file, sizeof err->file, "%s/mynetworks",
			    control_dir());
			err->line = (unsigned)i + 1;
			err->col = 1;
			snprintf(err->reason, sizeof err->reason,
			    "not an address or network: %.64s", s);
			str_free(&l);
			errno = EINVAL;
			return -1;
		}
		s += strlen(s) + 1;
	}
	p->nnets = n;
	str_free(&l);
	return 0;
}

int
policy_load(struct policy *p, struct control_err *err)
{
	char host[256];
	const char *dot;
	int r;

	memset(p, 0, sizeof *p);
	p->rcptcdb = -1;
	if (gethostname(host, sizeof host) < 0 || host[0] == '\0')
		strcpy(host, "localhost");
	host[sizeof host - 1] = '\0';
	if (control_str("myhostname", host, &p->myhostname, err) < 0)
		return -1;
	dot = strchr(p->myhostname.s, '.');
	if (control_str("mydomain", dot != NULL ? dot + 1 : p->myhostname.s,
	    &p->mydomain, err) < 0)
		return -1;
	r = list_lower("mydestination", &p->mydest, &p->ndest, err);
	if (r < 0)
		return -1;
	if (r == 0) {
		/* Postfix's default: $myhostname, localhost.$mydomain, localhost */
		struct str lh = STR_INIT;

		if (list_add(&p->mydest, &p->ndest, p->myhostname.s) < 0 ||
		    str_printf(&lh, "localhost.%s", p->mydomain.s) < 0 ||
		    list_add(&p->mydest, &p->ndest, lh.s) < 0 ||
		    list_add(&p->mydest, &p->ndest, "localhost") < 0)
			return -1;
		str_free(&lh);
	}
	if (list_lower("virtual_mailbox_domains", &p->vdomains, &p->nvdomains,
	    err) < 0)
		return -1;
	/* The cdb form, for tables past the 64 KiB of a control file. */
	{
		struct str path = STR_INIT;

		if (str_printf(&path, "%s/local_recipients.cdb",
		    control_dir()) < 0)
			return -1;
		p->rcptcdb = open(path.s, O_RDONLY | O_CLOEXEC);
		if (p->rcptcdb < 0 && errno != ENOENT) {
			snprintf(err->file, sizeof err->file, "%s", path.s);
			err->line = err->col = 0;
			snprintf(err->reason, sizeof err->reason, "%s",
			    strerror(errno));
			str_free(&path);
			return -1;
		}
		if (p->rcptcdb >= 0) {
			struct cdb c;

			if (cdb_init(&c, p->rcptcdb) != 0) {
				snprintf(err->file, sizeof err->file, "%s",
				    path.s);
				err->line = err->col = 0;
				snprintf(err->reason, sizeof err->reason,
				    "not a cdb file");
				str_free(&path);
				errno = EINVAL;
				return -1;
			}
			cdb_free(&c);
		}
		str_free(&path);
	}
	r = list_lower("local_recipients", &p->localrcpt, &p->nlocal, err);
	if (r < 0)
		return -1;
	p->have_localrcpt = r > 0 || p->rcptcdb >= 0;
	if (nets_load(p, err) < 0)
		return -1;
	if (control_u64("message_size_limit", 10240000, UINT64_MAX / 2,
	    &p->size_limit, err) < 0 ||
	    control_u64("smtpd_recipient_limit", 1000, 1000000, &p->rcpt_limit,
	    err) < 0 ||
	    control_u64("smtpd_timeout", 300, 86400, &p->timeout, err) < 0 ||
	    control_u64("smtpd_hard_error_limit", 20, 1000000,
	    &p->error_limit, err) < 0 ||
	    control_u64("smtpd_session_time_limit", 3600, 86400 * 7,
	    &p->session_limit, err) < 0 ||
	    control_u64("smtpd_data_line_limit", 1000, 1u << 30,
	    &p->line_limit, err) < 0)
		return -1;
	if (p->rcpt_limit == 0)
		p->rcpt_limit = 1;
	if (p->timeout == 0)
		p->timeout = 1;
	return 0;
}

int
policy_mynetworks(const struct policy *p, const char *ip)
{
	unsigned char a[16];
	int af;

	if (ip == NULL)
		return 0;
	if (inet_pton(AF_INET, ip, a) == 1) {
		af = AF_INET;
	} else if (inet_pton(AF_INET6, ip, a) == 1) {
		af = AF_INET6;
		/* An IPv4-mapped IPv6 address is the IPv4 address. */
		if (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
			memmove(a, a + 12, 4);
			af = AF_INET;
		}
	} else {
		return 0;
	}
	for (size_t i = 0; i < p->nnets; i++) {
		const struct net *n = &p->nets[i];
		unsigned full = n->prefix / 8, rest = n->prefix % 8;

		if (n->af != af)
			continue;
		if (memcmp(a, n->addr, full) != 0)
			continue;
		if (rest != 0) {
			unsigned char mask = (unsigned char)(0xff << (8 - rest));

			if ((a[full] & mask) != (n->addr[full] & mask))
				continue;
		}
		return 1;
	}
	return 0;
}

const char *
policy_postmaster_domain(const struct policy *p)
{
	return p->ndest > 0 ? p->mydest.s : p->myhostname.s;
}

enum dom_class
policy_domain(const struct policy *p, const char *domain, size_t len)
{
	if (list_has(&p->mydest, p->ndest, domain, len))
		return DOM_LOCAL;
	if (list_has(&p->vdomains, p->nvdomains, domain, len))
		return DOM_VIRTUAL;
	return DOM_REMOTE;
}

int
policy_recipient_known(const struct policy *p, const struct smtp_addr *a,
    enum dom_class cls)
{
	char buf[SMTP_ADDR_MAX + 2];
	const char *dom = a->addr + a->domain;
	size_t dlen = a->len - a->domain, n;

	if (!p->have_localrcpt)
		return 1;
	/* RFC 5321 §4.5.1: postmaster exists in every domain we accept. */
	if (a->local_len == 10 && strncasecmp(a->local, "postmaster", 10) == 0)
		return 1;
	/* user@domain, with the local part unquoted. */
	n = (size_t)snprintf(buf, sizeof buf, "%s@%.*s", a->local, (int)dlen,
	    dom);
	if (n < sizeof buf && (list_has(&p->localrcpt, p->nlocal, buf, n) ||
	    cdb_has(p, buf, n)))
		return 1;
	/* @domain: the whole domain. */
	n = (size_t)snprintf(buf, sizeof buf, "@%.*s", (int)dlen, dom);
	if (n < sizeof buf && (list_has(&p->localrcpt, p->nlocal, buf, n) ||
	    cdb_has(p, buf, n)))
		return 1;
	/* user alone: any domain of mydestination, not virtual ones. */
	if (cls == DOM_LOCAL &&
	    (list_has(&p->localrcpt, p->nlocal, a->local, a->local_len) ||
	    cdb_has(p, a->local, a->local_len)))
		return 1;
	return 0;
}
