/*
 * Where an SMTP client sends mail for a domain: next-hop syntax, the
 * per-domain tables (smtp_routes, smtp_tls_policy) and the ordering of
 * MX records (RFC 5321 §5.1).  Pure code: no I/O, no DNS; the caller
 * does the look-ups and hands the records in.
 *
 * Next hops are written as Postfix writes them:
 *   host            MX look-up of host, port 25
 *   host:port       MX look-up of host, that port
 *   [host]          no MX look-up: host's own addresses (or the address)
 *   [host]:port
 * "[ipv6:2001:db8::1]" and "[2001:db8::1]" are the same address; an IPv4
 * or IPv6 address is never looked up as an MX name, bracketed or not
 * (an unbracketed IPv6 address cannot carry a port).
 */
#ifndef FACTEUR_SMTPROUTE_H
#define FACTEUR_SMTPROUTE_H

#include <stddef.h>
#include <stdint.h>

#define NEXTHOP_HOST_MAX 255

struct nexthop {
	char host[NEXTHOP_HOST_MAX + 1]; /* brackets and "ipv6:" removed */
	uint16_t port;			 /* 25 unless one was given */
	unsigned literal : 1;		 /* bracketed: no MX look-up */
	unsigned numeric : 1;		 /* host is an IPv4 or IPv6 address */
};

/*
 * Parses s[0..n).  Returns 0, or -1 with errno EINVAL (empty, bad port,
 * unbalanced brackets, bytes other than letters, digits, '-', '.', '_'
 * in a name, a malformed address) or ENAMETOOLONG.
 */
int nexthop_parse(const char *s, size_t n, struct nexthop *nh);

/*
 * Tables of "key value" lines, given as control_list returns them (count
 * values, each followed by a NUL).  A key is a domain (matched without
 * regard to case, a trailing dot ignored), ".domain" (every subdomain of
 * domain, not domain itself) or "*" (everything).  The most specific key
 * wins: the exact domain, then ".parent" keys from the nearest parent
 * up, then "*".  Returns 1 with the value (not NUL-terminated, white
 * space around it removed) in *value_r and *valuelen_r, 0 when no key
 * matches, -1 with errno EINVAL when a line has no value (*bad_r, if
 * not NULL, gets its index from 0).
 */
int route_lookup(const char *list, size_t count, const char *domain,
    const char **value_r, size_t *valuelen_r, size_t *bad_r);

enum tls_policy { TLS_POLICY_NONE, TLS_POLICY_MAY, TLS_POLICY_ENCRYPT,
	TLS_POLICY_VERIFY };

/* "none", "may", "encrypt" or "verify" (any case); 0 or -1 (EINVAL). */
int tls_policy_parse(const char *s, size_t n, enum tls_policy *p_r);
const char *tls_policy_name(enum tls_policy p);

struct mx_rec {
	char host[NEXTHOP_HOST_MAX + 1];
	unsigned pref;
};

/*
 * Orders records by preference, lowest first, and shuffles each run of
 * equal preference with rnd (which returns a uniform 32-bit number), as
 * RFC 5321 §5.1 asks so load spreads over equal hosts.
 */
void mx_sort(struct mx_rec *mx, size_t n, uint32_t (*rnd)(void *arg),
    void *arg);

/*
 * Reads the MX records of a DNS answer (RFC 1035 §4.1; compressed names,
 * §4.1.4) at p[0..len): the question section is skipped and every MX
 * record of the answer section (of any owner: a CNAME chain ends there)
 * is stored, at most max, unsorted.  An exchange that is the root, "."
 * (RFC 7505 null MX), sets *nullmx_r and is not stored; an exchange with
 * bytes other than letters, digits, '-' and '_' in a label is skipped.
 * Returns the number stored, or -1 with errno EBADMSG when the packet is
 * malformed (truncated, a label or name too long, a compression pointer
 * that does not point backwards).
 */
int mx_parse(const unsigned char *p, size_t len, struct mx_rec *mx,
    size_t max, int *nullmx_r);

/*
 * RFC 5321 §5.1: when the list (sorted) names this host (self, compared
 * without regard to case and trailing dots), every record of that
 * preference or worse is dropped, so mail goes only to better MX hosts.
 * Returns the new count; *self_r is 1 when self was in the list.  A
 * result of 0 with *self_r set means mail would loop back to us.
 */
size_t mx_prune_self(struct mx_rec *mx, size_t n, const char *self,
    int *self_r);

#endif
