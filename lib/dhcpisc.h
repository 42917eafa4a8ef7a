/*
 * A reader for ISC dhcpd's lease file (dhcpd.leases, dhcpd 3.x and 4.x),
 * so a site moving to facteur keeps its clients' addresses.
 *
 * The file is a log of declarations; what is read from it:
 *   lease ADDR {
 *     starts W YYYY/MM/DD HH:MM:SS; | starts epoch N; | starts never;
 *     ends ...;                      (the same forms; UTC)
 *     binding state active|free|abandoned|expired|released|reset|backup;
 *     hardware ethernet MAC;
 *     uid "bytes with \" \\ \ooo escapes"; | uid 1:2:a:...;
 *     client-hostname "NAME";
 *   }
 * Every other statement inside a lease (cltt, tstp, next binding state,
 * set VAR = ..., on EVENT { ... }, ...) and every other declaration
 * (server-duid, authoring-byte-order, failover peer, host, comments) is
 * skipped.  Each lease goes to the callback, in file order (a later
 * declaration of an address replaces an earlier one, as it does for
 * ISC dhcpd): active stays active, abandoned stays abandoned, every
 * other state is free.  A host name keeps only [A-Za-z0-9._-] (other
 * bytes become '_') and is cut at LEASE_HOST_MAX.
 *
 * Limits: a token is at most DHCPISC_TOKEN_MAX bytes, braces nest at
 * most DHCPISC_DEPTH_MAX deep.
 */
#ifndef FACTEUR_DHCPISC_H
#define FACTEUR_DHCPISC_H

#include <stddef.h>

#include "dhcplease.h"

#define DHCPISC_TOKEN_MAX 1024
#define DHCPISC_DEPTH_MAX 16

struct dhcpisc_err {
	unsigned line, col;
	char reason[128];
};

/*
 * Parses len bytes of a dhcpd.leases text, calling cb for each lease.
 * Returns the number of leases (>= 0), or -1 with err set (errno
 * EINVAL) on malformed input; leases before the error have been given
 * to cb.
 */
long dhcpisc_parse(const char *text, size_t len, lease_cb *cb, void *ctx,
    struct dhcpisc_err *err);

#endif
