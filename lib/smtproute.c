#include "smtproute.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "num.h"

static int
name_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

/* Whether z is an IPv4 or IPv6 address in text form. */
static int
is_numeric(const char *z)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, z, buf) == 1 ||
	    inet_pton(AF_INET6, z, buf) == 1;
}

int
nexthop_parse(const char *s, size_t n, struct nexthop *nh)
{
	const char *host, *port = NULL, *close;
	size_t hostlen, portlen = 0, i;
	uint64_t v;

	memset(nh, 0, sizeof(*nh));
	nh->port = 25;
	if (n == 0)
		goto bad;
	if (s[0] == '[') {
		close = memchr(s, ']', n);
		if (close == NULL)
			goto bad;
		host = s + 1;
		hostlen = (size_t)(close - host);
		if (close + 1 < s + n) {
			if (close[1] != ':')
				goto bad;
			port = close + 2;
			portlen = (size_t)(s + n - port);
		}
		if (hostlen >= 5 && strncasecmp(host, "ipv6:", 5) == 0) {
			host += 5;
			hostlen -= 5;
		}
		nh->literal = 1;
	} else {
		host = s;
		hostlen = n;
		/* One colon is a port; more is an IPv6 address. */
		close = memchr(s, ':', n);
		if (close != NULL &&
		    memchr(close + 1, ':', (size_t)(s + n - close - 1)) == NULL) {
			hostlen = (size_t)(close - s);
			port = close + 1;
			portlen = (size_t)(s + n - port);
		}
	}
	if (hostlen == 0)
		goto bad;
	if (hostlen > NEXTHOP_HOST_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (port != NULL) {
		if (num_u64(port, portlen, 65535, &v) < 0 || v == 0)
			goto bad;
		nh->port = (uint16_t)v;
	}
	memcpy(nh->host, host, hostlen);
	nh->host[hostlen] = '\0';
	if (is_numeric(nh->host)) {
		nh->numeric = 1;
		return 0;
	}
	for (i = 0; i < hostlen; i++)
		if (!name_byte(host[i]))
			goto bad;
	/* A name, not something that only looks like an address. */
	if (host[0] == '.' || host[0] == '-' || memmem(host, hostlen, "..", 2))
		goto bad;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Length of z without one trailing dot. */
static size_t
nodot_len(const char *z, size_t n)
{
	return n > 1 && z[n - 1] == '.' ? n - 1 : n;
}

/*
 * How well key[0..klen) matches domain[0..dlen): 0 not at all, 1 for
 * "*", 2 + the matched length for ".parent" and 1000 + for the exact
 * domain, so a larger number is a more specific key.
 */
static size_t
key_score(const char *key, size_t klen, const char *domain, size_t dlen)
{
	klen = nodot_len(key, klen);
	if (klen == 1 && key[0] == '*')
		return 1;
	if (klen == dlen && strncasecmp(key, domain, dlen) == 0)
		return 100000 + klen;
	if (klen > 1 && key[0] == '.' && dlen > klen - 1 &&
	    domain[dlen - klen] == '.' &&
	    strncasecmp(key, domain + dlen - klen, klen) == 0)
		return 2 + klen;
	return 0;
}

int
route_lookup(const char *list, size_t count, const char *domain,
    const char **value_r, size_t *valuelen_r, size_t *bad_r)
{
	const char *p = list, *key, *val, *best = NULL;
	size_t i, len, klen, vlen, dlen, score, bestscore = 0, bestlen = 0;

	dlen = nodot_len(domain, strlen(domain));
	for (i = 0; i < count; i++) {
		len = strlen(p);
		key = p;
		klen = 0;
		while (klen < len && !is_blank(key[klen]))
			klen++;
		val = key + klen;
		vlen = len - klen;
		while (vlen > 0 && is_blank(*val)) {
			val++;
			vlen--;
		}
		while (vlen > 0 && is_blank(val[vlen - 1]))
			vlen--;
		if (vlen == 0 || klen == 0) {
			if (bad_r != NULL)
				*bad_r = i;
			errno = EINVAL;
			return -1;
		}
		score = key_score(key, klen, domain, dlen);
		if (score > bestscore) {
			bestscore = score;
			best = val;
			bestlen = vlen;
		}
		p += len + 1;
	}
	if (best == NULL)
		return 0;
	*value_r = best;
	*valuelen_r = bestlen;
	return 1;
}

static const char *const policy_names[] = { "none", "may", "encrypt",
	"verify" };

int
tls_policy_parse(const char *s, size_t n, enum tls_policy *p_r)
{
	size_t i;

	for (i = 0; i < sizeof(policy_names) / sizeof(policy_names[0]); i++)
		if (strlen(policy_names[i]) == n &&
		    strncasecmp(s, policy_names[i], n) == 0) {
			*p_r = (enum tls_policy)i;
			return 0;
		}
	errno = EINVAL;
	return -1;
}

const char *
tls_policy_name(enum tls_policy p)
{
	return (unsigned)p < 4 ? policy_names[p] : "?";
}

void
mx_sort(struct mx_rec *mx, size_t n, uint32_t (*rnd)(void *arg), void *arg)
{
	struct mx_rec t;
	size_t i, j, start;

	/* Insertion sort: stable, and the lists are short. */
	for (i = 1; i < n; i++) {
		t = mx[i];
		for (j = i; j > 0 && mx[j - 1].pref > t.pref; j--)
			mx[j] = mx[j - 1];
		mx[j] = t;
	}
	/* Fisher-Yates over each run of equal preference. */
	for (start = 0; start < n; start = i) {
		for (i = start + 1; i < n && mx[i].pref == mx[start].pref; i++)
			;
		for (j = i - 1; j > start; j--) {
			size_t k = start + (size_t)(rnd(arg) % (j - start + 1));
			t = mx[j];
			mx[j] = mx[k];
			mx[k] = t;
		}
	}
}

static int
same_host(const char *a, const char *b)
{
	size_t la = nodot_len(a, strlen(a)), lb = nodot_len(b, strlen(b));

	return la == lb && strncasecmp(a, b, la) == 0;
}

size_t
mx_prune_self(struct mx_rec *mx, size_t n, const char *self, int *self_r)
{
	size_t i;

	*self_r = 0;
	for (i = 0; i < n; i++)
		if (same_host(mx[i].host, self)) {
			unsigned pref = mx[i].pref;

			*self_r = 1;
			/* Sorted: the first of this preference ends the list. */
			while (i > 0 && mx[i - 1].pref == pref)
				i--;
			return i;
		}
	return n;
}

/* A bounds-checked cursor over a DNS message. */
struct dnscur {
	const unsigned char *p;
	size_t len, off; /* off <= len */
};

static int
dns_u16(struct dnscur *c, unsigned *v_r)
{
	if (c->len - c->off < 2)
		return -1;
	*v_r = (unsigned)c->p[c->off] << 8 | c->p[c->off + 1];
	c->off += 2;
	return 0;
}

static int
dns_skip(struct dnscur *c, size_t n)
{
	if (c->len - c->off < n)
		return -1;
	c->off += n;
	return 0;
}

/*
 * Reads a name at c->off into out (text, no final dot, "" for the root;
 * out holds NEXTHOP_HOST_MAX + 1 bytes), moving c past it.  *ok_r is 0
 * when a label has bytes a host name may not have.  0 or -1 (malformed).
 */
static int
dns_name(struct dnscur *c, char *out, int *ok_r)
{
	size_t pos = c->off, n = 0, end = 0, i, hops = 0;
	unsigned char b;
	int jumped = 0;

	*ok_r = 1;
	for (;;) {
		if (pos >= c->len)
			return -1;
		b = c->p[pos];
		if ((b & 0xc0) == 0xc0) {
			size_t to;

			if (c->len - pos < 2)
				return -1;
			to = (size_t)(b & 0x3f) << 8 | c->p[pos + 1];
			/* Backwards only, so there is no loop. */
			if (to >= pos || ++hops > 64)
				return -1;
			if (!jumped)
				end = pos + 2;
			jumped = 1;
			pos = to;
			continue;
		}
		if ((b & 0xc0) != 0)
			return -1;
		pos++;
		if (b == 0)
			break;
		if (c->len - pos < b || n + b + 1 > NEXTHOP_HOST_MAX)
			return -1;
		if (n > 0)
			out[n++] = '.';
		for (i = 0; i < b; i++) {
			char ch = (char)c->p[pos + i];

			if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
				*ok_r = 0;
			out[n++] = ch;
		}
		pos += b;
	}
	out[n] = '\0';
	c->off = jumped ? end : pos;
	return 0;
}

int
mx_parse(const unsigned char *p, size_t len, struct mx_rec *mx, size_t max,
    int *nullmx_r)
{
	struct dnscur c = { p, len, 0 };
	char name[NEXTHOP_HOST_MAX + 1];
	unsigned qd, an, type, cls, rdlen, pref, i;
	size_t n = 0, rdend;
	int ok;

	*nullmx_r = 0;
	if (dns_skip(&c, 4) < 0 || dns_u16(&c, &qd) < 0 ||
	    dns_u16(&c, &an) < 0 || dns_skip(&c, 4) < 0)
		goto bad;
	for (i = 0; i < qd; i++)
		if (dns_name(&c, name, &ok) < 0 || dns_skip(&c, 4) < 0)
			goto bad;
	for (i = 0; i < an; i++) {
		if (dns_name(&c, name, &ok) < 0 || dns_u16(&c, &type) < 0 ||
		    dns_u16(&c, &cls) < 0 || dns_skip(&c, 4) < 0 ||
		    dns_u16(&c, &rdlen) < 0 || c.len - c.off < rdlen)
			goto bad;
		rdend = c.off + rdlen;
		if (type != 15 || cls != 1) {
			c.off = rdend;
			continue;
		}
		if (dns_u16(&c, &pref) < 0 || dns_name(&c, name, &ok) < 0 ||
		    c.off != rdend)
			goto bad;
		if (name[0] == '\0')
			*nullmx_r = 1;
		else if (ok && n < max) {
			memcpy(mx[n].host, name, strlen(name) + 1);
			mx[n].pref = pref;
			n++;
		}
	}
	return (int)n;
bad:
	errno = EBADMSG;
	return -1;
}
