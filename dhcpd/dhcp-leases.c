/*
 * dhcp-leases: lists the leases in dhcpd's lease directory, as a table
 * or (-l) one lease per line of key=value fields for shell tools.
 * Reads only; safe while dhcpd runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dhcplease.h"
#include "dhcppkt.h"
#include "log.h"

enum rc { RC_OK = 0, RC_PERM = 100, RC_TEMP = 111 };

static void
hex(const uint8_t *p, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	size_t i;

	if (n == 0) {
		strcpy(out, "-");
		return;
	}
	for (i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static void
when(int64_t t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, n, "%lld", (long long)t);
}

int
main(int argc, char **argv)
{
	const char *dir = getenv("FACTEUR_DHCP_LEASES");
	struct lease_stats st;
	struct lease_rec *r;
	size_t n, i;
	int ch, lines = 0, all = 0;
	int64_t now = (int64_t)time(NULL);

	log_init(argv[0]);
	if (dir == NULL || *dir == '\0')
		dir = "/var/lib/facteur/dhcpd";
	while ((ch = getopt(argc, argv, "la")) != -1) {
		switch (ch) {
		case 'l':
			lines = 1;
			break;
		case 'a':
			all = 1;
			break;
		default:
			log_die(RC_PERM, "usage: dhcp-leases [-l] [-a] [dir]");
		}
	}
	if (optind + 1 == argc)
		dir = argv[optind];
	else if (optind != argc)
		log_die(RC_PERM, "usage: dhcp-leases [-l] [-a] [dir]");
	if (lease_db_current(dir, all ? 0 : now, &r, &n, &st) != 0)
		log_die(RC_TEMP, "unable to read leases in %s: %s", dir,
		    strerror(errno));
	if (!lines)
		printf("%-15s %-17s %-20s %-20s %-9s %s\n", "IP", "MAC",
		    "CLIENT-ID", "HOSTNAME", "STATE", "EXPIRES");
	for (i = 0; i < n; i++) {
		char ip[16], mac[48], cid[2 * LEASE_CID_MAX + 1], exp[32];

		dhcp_ip_fmt(r[i].ip, ip);
		if (r[i].hlen > 0)
			dhcp_hw_fmt(r[i].hw, r[i].hlen, mac);
		else
			strcpy(mac, "-");
		hex(r[i].cid, r[i].cidlen, cid);
		when(r[i].end, exp, sizeof exp);
		if (lines)
			printf("ip=%s mac=%s clientid=%s hostname=%s "
			       "state=%s expires=%lld\n", ip, mac, cid,
			    r[i].host[0] ? r[i].host : "-",
			    lease_state_name(r[i].state),
			    (long long)r[i].end);
		else
			printf("%-15s %-17s %-20s %-20s %-9s %s\n", ip, mac,
			    cid, r[i].host[0] ? r[i].host : "-",
			    r[i].state == LEASE_ACTIVE && r[i].end <= now ?
			    "expired" : lease_state_name(r[i].state), exp);
	}
	free(r);
	if (fflush(stdout) != 0 || ferror(stdout))
		log_die(RC_TEMP, "unable to write: %s", strerror(errno));
	if (st.bad > 0)
		log_warn("%zu bad records skipped", st.bad);
	return RC_OK;
}
