/*
 * The dhcpd.conf reader: the common subset of ISC dhcpd's syntax.
 *
 * Statements (at any scope unless said otherwise; see dhcpd.conf(5)):
 *   option NAME VALUE[, VALUE...];    options by their ISC names
 *   default-lease-time N;  max-lease-time N;  min-lease-time N;
 *   authoritative;  not authoritative;
 *   ping-check BOOL;  ping-timeout N;
 *   next-server ADDR;  filename "F";  server-name "S";
 *   subnet NET netmask MASK { range LO [HI]; ... }   (global, shared)
 *   shared-network NAME { subnet ... }                (global)
 *   host NAME { hardware ethernet MAC; fixed-address ADDR; ... }
 *   group { ... }
 *   ddns-update-style none;  log-facility X;          (accepted, no effect)
 * Comments run from '#' to the end of the line.  Where an address is
 * expected a host name may stand; it is resolved when the file is read,
 * through the resolver callback (so tests need no DNS).  Strings may also
 * be written as bare words.
 *
 * Limits: file DHCPCONF_FILE_MAX bytes, token DHCPCONF_TOKEN_MAX bytes,
 * nesting DHCPCONF_DEPTH_MAX, DHCPCONF_SUBNETS_MAX subnets,
 * DHCPCONF_HOSTS_MAX hosts, DHCPCONF_RANGES_MAX ranges per subnet.
 *
 * Scopes: the global scope is scopes[0]; every shared-network, subnet,
 * group and host has its own scope whose parent is the enclosing one.
 * A value is looked up along a chain of scopes, innermost first.
 */
#ifndef FACTEUR_DHCPCONF_H
#define FACTEUR_DHCPCONF_H

#include <stddef.h>
#include <stdint.h>

#define DHCPCONF_FILE_MAX (4u << 20)
#define DHCPCONF_TOKEN_MAX 1024
#define DHCPCONF_DEPTH_MAX 8
#define DHCPCONF_SUBNETS_MAX 4096
#define DHCPCONF_HOSTS_MAX 100000
#define DHCPCONF_RANGES_MAX 64

/* ISC dhcpd's defaults. */
#define DHCPCONF_DEFAULT_LEASE 43200
#define DHCPCONF_MAX_LEASE 86400
#define DHCPCONF_PING_TIMEOUT 1

struct dhcpconf_opt {
	uint8_t code;
	uint16_t len;
	uint8_t *data; /* wire format */
};

struct dhcpconf_scope {
	int parent; /* index in scopes, -1 for the global scope */
	struct dhcpconf_opt *opts;
	size_t nopts;
	/* -1 when not set in this scope. */
	int64_t default_lease, max_lease, min_lease, ping_timeout;
	int authoritative, ping_check;
	int64_t next_server; /* host order address, -1 unset */
	char *filename, *server_name; /* NULL unset */
};

struct dhcpconf_range {
	uint32_t lo, hi; /* host order, lo <= hi */
};

struct dhcpconf_subnet {
	uint32_t net, mask;
	struct dhcpconf_range *ranges;
	size_t nranges;
	int scope;
	int shared; /* index in shared, -1 if none */
	unsigned line;
};

struct dhcpconf_shared {
	char *name;
	int scope;
};

struct dhcpconf_host {
	char *name;
	uint8_t htype, hlen;
	uint8_t hw[16];
	uint32_t fixed; /* 0 when there is no fixed-address */
	int scope;
	unsigned line;
};

struct dhcpconf {
	struct dhcpconf_scope *scopes;
	size_t nscopes;
	struct dhcpconf_subnet *subnets;
	size_t nsubnets;
	struct dhcpconf_shared *shared;
	size_t nshared;
	struct dhcpconf_host *hosts;
	size_t nhosts;
};

struct dhcpconf_err {
	char file[256];
	unsigned line, col;
	char reason[192];
};

/*
 * Resolves a host name to one IPv4 address (host order): 0, or -1 when
 * it does not resolve.  ctx is passed through.
 */
typedef int dhcpconf_resolver(void *ctx, const char *name, uint32_t *ip_r);

/* The resolver dhcpd uses: getaddrinfo, IPv4 only. */
int dhcpconf_resolve_system(void *ctx, const char *name, uint32_t *ip_r);

/*
 * Parses len bytes of configuration text named file (for messages).
 * Returns 0 with *conf filled (free it with dhcpconf_free), or -1 with
 * err set (errno EINVAL, ENOMEM); *conf is then empty.
 */
int dhcpconf_parse(const char *file, const char *text, size_t len,
    dhcpconf_resolver *res, void *ctx, struct dhcpconf *conf,
    struct dhcpconf_err *err);

/* Reads and parses a file (at most DHCPCONF_FILE_MAX bytes). */
int dhcpconf_load(const char *path, dhcpconf_resolver *res, void *ctx,
    struct dhcpconf *conf, struct dhcpconf_err *err);

/* Frees everything; conf is empty afterwards. */
void dhcpconf_free(struct dhcpconf *conf);

/* Formats err as "file:line:col: reason". */
void dhcpconf_err_format(const struct dhcpconf_err *err, char *buf, size_t n);

/* The option code along a scope chain (innermost first), or NULL. */
const struct dhcpconf_opt *dhcpconf_opt(const struct dhcpconf *c,
    const int *chain, size_t n, uint8_t code);

/* The settings that apply along a chain, defaults filled in. */
struct dhcpconf_eff {
	uint32_t default_lease, max_lease, min_lease, ping_timeout;
	int authoritative, ping_check;
	int has_next_server;
	uint32_t next_server;
	const char *filename, *server_name; /* NULL if none */
};
void dhcpconf_effective(const struct dhcpconf *c, const int *chain, size_t n,
    struct dhcpconf_eff *e);

/*
 * Fills chain (room for max) with scope and its ancestors, innermost
 * first, and returns their number.
 */
size_t dhcpconf_chain(const struct dhcpconf *c, int scope, int *chain,
    size_t max);

/* The subnet that contains ip, or -1. */
int dhcpconf_subnet_of(const struct dhcpconf *c, uint32_t ip);

/* The option code for an ISC option name, or -1. */
int dhcpconf_option_code(const char *name);

#endif
