/*
 * The dhclient.conf subset that dhcpc reads (ISC dhclient syntax).
 *
 *   send OPTION VALUE;            added to every DISCOVER/REQUEST
 *   send host-name = gethostname();  the machine's host name at run time
 *   supersede OPTION VALUE;       replaces what the server sent
 *   prepend | append OPTION VALUE;  list (or text) joined to the server's
 *   default OPTION VALUE;         used when the server sends nothing
 *   [also] request OPTION, ...;   the parameter request list (55)
 *   require OPTION, ...;          offers lacking one of these are ignored
 *   timeout N; retry N; reboot N; select-timeout N;
 *   initial-interval N; backoff-cutoff N;
 *   script "PATH";
 *   reject ADDR[/BITS], ...;      offers from these servers are ignored
 *   lease { interface "IF"; fixed-address ADDR; option OPTION VALUE;
 *           renew|rebind|expire W YYYY/MM/DD HH:MM:SS | never; }
 *
 * '#' starts a comment.  Values: addresses and comma lists of them,
 * numbers, quoted strings (with \" \\ escapes; no control bytes),
 * colon-separated hex bytes (01:02:0a), true/false.  Anything else is
 * refused with the line, column and reason.  The options the client
 * manages itself (53, 54; and 50, 55 for send) cannot be set; prepend
 * and append take only list and text options; a second statement with
 * the same mode and option replaces the first.  Times are whole seconds
 * up to a year; retry, initial-interval and backoff-cutoff at least 1.
 * Limits: DCC_MAX_TEXT bytes in a file, tokens of at most 255 bytes,
 * DCC_MAX_SET option statements, DCC_MAX_REJECT rejected networks,
 * DCC_MAX_LEASES lease blocks, DCC_MAX_LEASE_OPTS options in each.
 *
 * Option values are kept in their wire encoding (RFC 2132), so the
 * client can put them into packets and merge them with a server's.
 */
#ifndef FACTEUR_DHCLIENTCONF_H
#define FACTEUR_DHCLIENTCONF_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define DCC_MAX_TEXT 65536
#define DCC_MAX_SET 64
#define DCC_MAX_REJECT 32
#define DCC_MAX_LEASES 4
#define DCC_MAX_LEASE_OPTS 32

/* How a value is written in the file and shown to the script. */
enum dcc_type {
	DCT_IP,      /* one address */
	DCT_IPS,     /* a list of addresses */
	DCT_U8,
	DCT_U16,
	DCT_U32,
	DCT_S32,
	DCT_TEXT,    /* quoted string */
	DCT_BYTES,   /* hex bytes or a quoted string */
	DCT_CODES,   /* list of option names (parameter request list) */
	DCT_DOMAINS, /* list of quoted names, RFC 1035 encoded (119) */
	DCT_BOOL,
};

struct dcc_optdef {
	const char *name; /* "domain-name-servers" */
	uint8_t code;
	enum dcc_type type;
};

/* The definition of an option by name or code, or NULL. */
const struct dcc_optdef *dcc_opt_byname(const char *name);
const struct dcc_optdef *dcc_opt_bycode(uint8_t code);

enum dcc_mode { DCM_SEND, DCM_SUPERSEDE, DCM_PREPEND, DCM_APPEND, DCM_DEFAULT };

struct dcc_val {
	uint8_t code;
	uint8_t mode;     /* enum dcc_mode (for lease options: unused) */
	uint8_t hostname; /* "= gethostname()": the value is filled at run time */
	uint16_t len;
	uint8_t v[255];
};

struct dcc_lease {
	char ifname[16];       /* "" = any interface */
	uint32_t addr;         /* fixed-address, host order */
	time_t renew, rebind, expire; /* 0 = never / not given */
	size_t nopts;
	struct dcc_val opts[DCC_MAX_LEASE_OPTS];
};

struct dcc_conf {
	size_t nset;
	struct dcc_val set[DCC_MAX_SET];
	int request_given;      /* a request statement replaced the default */
	size_t nrequest, nrequire;
	uint8_t request[255], require[255];
	unsigned timeout, retry, reboot, select_timeout;
	unsigned initial_interval, backoff_cutoff;
	char script[256];       /* "" = the compiled-in default */
	size_t nreject;
	struct {
		uint32_t net, mask; /* host order */
	} reject[DCC_MAX_REJECT];
	size_t nlease;
	struct dcc_lease lease[DCC_MAX_LEASES];
};

struct dcc_err {
	unsigned line, col; /* 1-based */
	char msg[128];
};

/* Fills c with the defaults: dhclient's timeout 60, retry 300, reboot
 * 10, select-timeout 0, backoff-cutoff 64; RFC 2131's initial-interval
 * 4; request list 1, 28, 2, 3, 15, 6, 119, 12, 26, 42. */
void dcc_defaults(struct dcc_conf *c);

/*
 * Parses n bytes of configuration text on top of the defaults.
 * Returns 0, or -1 with errno EINVAL and err filled in (the first error
 * only); c is then unusable.
 */
int dcc_parse(const char *text, size_t n, struct dcc_conf *c,
    struct dcc_err *err);

/* The first option statement with code and mode, or NULL. */
const struct dcc_val *dcc_find(const struct dcc_conf *c, uint8_t code,
    enum dcc_mode mode);

/* Whether server address ip is rejected. */
int dcc_rejected(const struct dcc_conf *c, uint32_t ip);

#endif
