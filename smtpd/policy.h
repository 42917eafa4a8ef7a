/*
 * smtpd's policy: the control files that say which domains are ours,
 * who may relay, which local recipients exist, and the limits.
 * See smtpd(8) for the files and their defaults.
 */
#ifndef FACTEUR_SMTPD_POLICY_H
#define FACTEUR_SMTPD_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "control.h"
#include "smtpaddr.h"
#include "str.h"

struct net {
	int af;
	unsigned char addr[16];
	unsigned prefix;
};

struct policy {
	struct str myhostname, mydomain;
	struct str mydest;	/* lower-cased, NUL-separated */
	size_t ndest;
	struct str vdomains;	/* virtual_mailbox_domains, same form */
	size_t nvdomains;
	struct str localrcpt;	/* local_recipients, same form */
	size_t nlocal;
	int have_localrcpt;
	int rcptcdb;		/* local_recipients.cdb, or -1 */
	struct net *nets;
	size_t nnets;
	uint64_t size_limit;	/* message_size_limit, bytes */
	uint64_t rcpt_limit;	/* smtpd_recipient_limit */
	uint64_t timeout;	/* smtpd_timeout, seconds */
	uint64_t error_limit;	/* smtpd_hard_error_limit */
	uint64_t session_limit; /* smtpd_session_time_limit, seconds */
	uint64_t line_limit;	/* smtpd_data_line_limit, bytes, 0 = none */
};

enum dom_class { DOM_REMOTE = 0, DOM_LOCAL, DOM_VIRTUAL };

/* Reads every control file; -1 with err filled in on a bad one. */
int policy_load(struct policy *p, struct control_err *err);

/* 1 if the textual address ip is in mynetworks. */
int policy_mynetworks(const struct policy *p, const char *ip);

/* The domain of "<postmaster>": the first of mydestination. */
const char *policy_postmaster_domain(const struct policy *p);

/* Whether domain (len bytes, any case) is local, virtual or remote. */
enum dom_class policy_domain(const struct policy *p, const char *domain,
    size_t len);

/*
 * 1 if the recipient exists: local_recipients lists "user" (any local
 * domain), "user@domain" or "@domain" (all of domain); without the file,
 * every recipient of a local or virtual domain exists.  Case-insensitive.
 * local_recipients.cdb (keys: the same entries, lower case) is consulted
 * as well, when it exists.
 * postmaster always exists (RFC 5321 §4.5.1).
 */
int policy_recipient_known(const struct policy *p, const struct smtp_addr *a,
    enum dom_class cls);

#endif
