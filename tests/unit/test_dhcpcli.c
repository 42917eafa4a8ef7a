/*
 * Unit tests for lib/dhcpcli: reply validation (the course's OFFER, and
 * the hostile cases of issue 10), the configuration's option
 * statements, the script environment, the RFC 2131 4.4 state machine
 * driven by a fake clock, backoff and the state file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhclientconf.h"
#include "dhcpcli.h"
#include "dhcppkt.h"

static const uint8_t mac[6] = { 0x04, 0x8d, 0x38, 0xcf, 0x7d, 0x41 };
#define SRV 0x0a002a2au  /* 10.0.42.42 */
#define SRV2 0x0a002a2bu /* 10.0.42.43 */
#define YI 0x0a002a0au   /* 10.0.42.10 */

struct opt {
	uint8_t code;
	size_t len;
	const void *v;
};

static uint8_t pkt[DHCP_PKT_MAX];
static struct dhcp_out out;
static struct dhcp_msg msg;
static struct dcc_conf conf;
static struct dcl_lease lease;
static struct dcl dcl;
static struct dcl_act act;
static struct dcl_env env;

/* A server reply; the options of the course's OFFER unless opts given
 * (a NULL-code entry ends the list; lease < 0: no lease time). */
static size_t
reply(int type, uint32_t xid, uint32_t yi, uint32_t sid, long long lt,
    const struct opt *opts)
{
	long n;

	dhcp_out_init(&out);
	out.h.op = BOOTREPLY;
	out.h.htype = 1;
	out.h.hlen = 6;
	out.h.xid = xid;
	out.h.yiaddr = yi;
	memcpy(out.h.chaddr, mac, 6);
	assert_int_equal(dhcp_out_add_u8(&out, DHO_MSG_TYPE, (uint8_t)type),
	    0);
	if (sid != 0)
		assert_int_equal(dhcp_out_add_u32(&out, DHO_SERVER_ID, sid), 0);
	if (lt >= 0)
		assert_int_equal(
		    dhcp_out_add_u32(&out, DHO_LEASE_TIME, (uint32_t)lt), 0);
	if (opts == NULL) {
		assert_int_equal(dhcp_out_add_u32(&out, 1, 0xffffff00u), 0);
		assert_int_equal(dhcp_out_add_u32(&out, 3, 0x0a002afeu), 0);
		assert_int_equal(dhcp_out_add(&out, 15, "fai.com", 7), 0);
		assert_int_equal(dhcp_out_add_u32(&out, 6, 0xc0a800feu), 0);
	} else
		for (; opts->code != 0; opts++)
			assert_int_equal(
			    dhcp_out_add(&out, opts->code, opts->v, opts->len),
			    0);
	n = dhcp_build(&out, 1500, pkt, sizeof pkt, NULL);
	assert_true(n > 0);
	return (size_t)n;
}

static int
from(size_t n, const char **why)
{
	const char *w = NULL;

	assert_int_equal(dhcp_parse(pkt, n, &msg, &w), 0);
	*why = NULL;
	return dcl_lease_from_msg(&msg, &conf, &lease, why);
}

static const char *
envget(const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < env.n; i++)
		if (strncmp(env.v[i], name, n) == 0 && env.v[i][n] == '=')
			return env.v[i] + n + 1;
	return NULL;
}

static void
setup_conf(const char *text)
{
	struct dcc_err err;

	dcc_defaults(&conf);
	assert_int_equal(dcc_parse(text, strlen(text), &conf, &err), 0);
}

static void
test_course_offer(void **state)
{
	const char *why;

	(void)state;
	setup_conf("");
	assert_int_equal(from(reply(DHCPOFFER, 1, YI, SRV, 600, NULL), &why),
	    0);
	assert_int_equal(lease.type, DHCPOFFER);
	assert_int_equal(lease.addr, YI);
	assert_int_equal(lease.server, SRV);
	assert_int_equal(lease.mask, 0xffffff00u);
	assert_int_equal(lease.lease, 600);
	assert_int_equal(lease.t1, 300);
	assert_int_equal(lease.t2, 525);
	assert_int_equal(lease.dropped, 0);
	dcl_env_init(&env);
	assert_int_equal(dcl_env_lease(&env, "new_", &lease, 1000), 0);
	assert_string_equal(envget("new_ip_address"), "10.0.42.10");
	assert_string_equal(envget("new_subnet_mask"), "255.255.255.0");
	assert_string_equal(envget("new_subnet_prefix"), "24");
	assert_string_equal(envget("new_network_number"), "10.0.42.0");
	assert_string_equal(envget("new_broadcast_address"), "10.0.42.255");
	assert_string_equal(envget("new_routers"), "10.0.42.254");
	assert_string_equal(envget("new_domain_name"), "fai.com");
	assert_string_equal(envget("new_domain_name_servers"), "192.168.0.254");
	assert_string_equal(envget("new_dhcp_lease_time"), "600");
	assert_string_equal(envget("new_dhcp_renewal_time"), "300");
	assert_string_equal(envget("new_dhcp_rebinding_time"), "525");
	assert_string_equal(envget("new_dhcp_server_identifier"), "10.0.42.42");
	assert_string_equal(envget("new_expiry"), "1600");
	assert_null(envget("new_dhcp_message_type"));
}

static void
test_refused(void **state)
{
	const char *why;
	uint32_t m;
	struct opt o[4];

	(void)state;
	setup_conf("");
	assert_int_equal(from(reply(DHCPOFFER, 1, YI, SRV, 0, NULL), &why), -1);
	assert_string_equal(why, "lease time 0");
	assert_int_equal(from(reply(DHCPOFFER, 1, YI, SRV, -1, NULL), &why),
	    -1);
	assert_string_equal(why, "no lease time");
	assert_int_equal(from(reply(DHCPOFFER, 1, YI, 0, 600, NULL), &why), -1);
	assert_string_equal(why, "no server identifier");
	assert_int_equal(
	    from(reply(DHCPOFFER, 1, YI, 0xffffffffu, 600, NULL), &why), -1);
	assert_int_equal(
	    from(reply(DHCPOFFER, 1, YI, 0x7f000001u, 600, NULL), &why), -1);
	assert_int_equal(from(reply(DHCPOFFER, 1, 0, SRV, 600, NULL), &why),
	    -1);
	assert_string_equal(why, "unusable yiaddr");
	assert_int_equal(
	    from(reply(DHCPOFFER, 1, 0xe0000001u, SRV, 600, NULL), &why), -1);
	assert_int_equal(
	    from(reply(DHCPOFFER, 1, 0x0a002a00u, SRV, 600, NULL), &why), -1);
	assert_string_equal(why, "yiaddr is the network or broadcast address");
	assert_int_equal(
	    from(reply(DHCPOFFER, 1, 0x0a002affu, SRV, 600, NULL), &why), -1);
	assert_int_equal(from(reply(DHCPNAK, 1, 0, SRV, -1, NULL), &why), -1);
	assert_string_equal(why, "not an OFFER or ACK");
	/* Masks that are not contiguous, and /0. */
	m = 0xff00ff00u;
	m = (m >> 24) | (m >> 8 & 0xff00) | (m << 8 & 0xff0000) | (m << 24);
	o[0] = (struct opt){ 1, 4, "\xff\x00\xff\x00" };
	o[1] = (struct opt){ 0, 0, NULL };
	(void)m;
	assert_int_equal(from(reply(DHCPOFFER, 1, YI, SRV, 600, o), &why), -1);
	assert_string_equal(why, "subnet mask not contiguous");
	o[0] = (struct opt){ 1, 4, "\xff\xff\xff\xfd" };
	assert_int_equal(from(reply(DHCPOFFER, 1, YI, SRV, 600, o), &why), -1);
	o[0] = (struct opt){ 1, 4, "\0\0\0\0" };
	assert_int_equal(from(reply(DHCPOFFER, 1, YI, SRV, 600, o), &why), -1);
	/* /32 and /31 are fine. */
	o[0] = (struct opt){ 1, 4, "\xff\xff\xff\xff" };
	assert_int_equal(from(reply(DHCPOFFER, 1, YI, SRV, 600, o), &why), 0);
	/* No mask: the class's. */
	o[0] = (struct opt){ 0, 0, NULL };
	assert_int_equal(from(reply(DHCPOFFER, 1, YI, SRV, 600, o), &why), 0);
	assert_int_equal(lease.mask, 0xff000000u);
}

static void
test_lease_times(void **state)
{
	const char *why;
	struct opt o[3] = { { 0, 0, NULL } };

	(void)state;
	setup_conf("");
	assert_int_equal(
	    from(reply(DHCPACK, 1, YI, SRV, 0xffffffffLL, NULL), &why), 0);
	assert_int_equal(lease.lease, DCL_INFINITE);
	assert_int_equal(lease.t1, DCL_INFINITE);
	dcl_env_init(&env);
	assert_int_equal(dcl_env_lease(&env, "new_", &lease, 1000), 0);
	assert_string_equal(envget("new_expiry"), "never");
	assert_string_equal(envget("new_dhcp_lease_time"), "4294967295");
	assert_null(envget("new_dhcp_renewal_time"));
	/* Good T1 and T2. */
	o[0] = (struct opt){ 58, 4, "\0\0\0\x0a" };
	o[1] = (struct opt){ 59, 4, "\0\0\0\x14" };
	assert_int_equal(from(reply(DHCPACK, 1, YI, SRV, 30, o), &why), 0);
	assert_int_equal(lease.t1, 10);
	assert_int_equal(lease.t2, 20);
	/* T1 >= T2, T2 >= lease, zero: the defaults. */
	o[0] = (struct opt){ 58, 4, "\0\0\0\x1e" };
	o[1] = (struct opt){ 59, 4, "\0\0\0\x14" };
	assert_int_equal(from(reply(DHCPACK, 1, YI, SRV, 40, o), &why), 0);
	assert_int_equal(lease.t1, 10);
	assert_int_equal(lease.t2, 20);
	o[0] = (struct opt){ 58, 4, "\xff\xff\xff\xff" };
	o[1] = (struct opt){ 59, 4, "\xff\xff\xff\xff" };
	assert_int_equal(from(reply(DHCPACK, 1, YI, SRV, 40, o), &why), 0);
	assert_int_equal(lease.t1, 20);
	assert_int_equal(lease.t2, 35);
	o[0] = (struct opt){ 58, 4, "\0\0\0\0" };
	o[1] = (struct opt){ 59, 4, "\0\0\0\0" };
	assert_int_equal(from(reply(DHCPACK, 1, YI, SRV, 40, o), &why), 0);
	assert_int_equal(lease.t1, 20);
	assert_int_equal(lease.t2, 35);
	/* Near the top: no overflow. */
	assert_int_equal(
	    from(reply(DHCPACK, 1, YI, SRV, 0xfffffffeLL, NULL), &why), 0);
	assert_int_equal(lease.t2, 0xdffffffeu);
}

static void
test_dropped_options(void **state)
{
	const char *why;
	char longname[300];
	struct opt o[12];
	size_t k = 0;

	(void)state;
	setup_conf("");
	memset(longname, 'a', sizeof longname);
	for (k = 63; k < sizeof longname; k += 64)
		longname[k] = '.';
	k = 0;
	o[k++] = (struct opt){ 1, 4, "\xff\xff\xff\0" };
	/* Routers: one outside the subnet, one inside, the broadcast. */
	o[k++] = (struct opt){ 3, 12, "\x0a\x09\x09\x01\x0a\0\x2a\xfe\x0a\0\x2a\xff" };
	/* DNS: 0.0.0.0, 255.255.255.255, 224.0.0.1 and a good one. */
	o[k++] = (struct opt){ 6, 16,
		"\0\0\0\0\xff\xff\xff\xff\xe0\0\0\x01\x08\x08\x08\x08" };
	o[k++] = (struct opt){ 12, 11, "$(reboot);x" };
	o[k++] = (struct opt){ 15, 270, longname };
	o[k++] = (struct opt){ 26, 2, "\0\x10" };
	o[k++] = (struct opt){ 28, 4, "\x0a\0\x2b\xff" };
	o[k++] = (struct opt){ 42, 4, "\x7f\0\0\x01" };
	o[k++] = (struct opt){ 56, 18, "rm -rf `/`; $HOME*" };
	o[k++] = (struct opt){ 119, 3, "\x01x\xc0" }; /* pointer cut short */
	o[k++] = (struct opt){ 121, 5, "\x08\x0a\x01\x01\x01" };
	o[k] = (struct opt){ 0, 0, NULL };
	assert_int_equal(from(reply(DHCPACK, 1, YI, SRV, 600, o), &why), 0);
	assert_int_equal(lease.dropped, 9);
	assert_null(dcl_lease_opt(&lease, 12, NULL));
	assert_null(dcl_lease_opt(&lease, 15, NULL));
	assert_null(dcl_lease_opt(&lease, 26, NULL));
	assert_null(dcl_lease_opt(&lease, 28, NULL));
	assert_null(dcl_lease_opt(&lease, 42, NULL));
	assert_null(dcl_lease_opt(&lease, 119, NULL));
	assert_null(dcl_lease_opt(&lease, 121, NULL));
	dcl_env_init(&env);
	assert_int_equal(dcl_env_lease(&env, "new_", &lease, 0), 0);
	assert_string_equal(envget("new_routers"), "10.0.42.254");
	assert_string_equal(envget("new_domain_name_servers"), "8.8.8.8");
	assert_string_equal(envget("new_dhcp_message"), "rm -rf _/__ _HOME_");
	assert_null(envget("new_host_name"));
	/* Only bad routers: no router at all. */
	o[0] = (struct opt){ 3, 4, "\x0b\0\0\x01" };
	o[1] = (struct opt){ 0, 0, NULL };
	assert_int_equal(from(reply(DHCPACK, 1, YI, SRV, 600, o), &why), 0);
	assert_null(dcl_lease_opt(&lease, 3, NULL));
	assert_string_equal(lease.dropwhy, "router outside the subnet");
	/* Good names survive, with domain lists and a final dot. */
	o[0] = (struct opt){ 12, 6, "debian" };
	o[1] = (struct opt){ 15, 21, "fai.com example.org. " };
	o[2] = (struct opt){ 0, 0, NULL };
	assert_int_equal(from(reply(DHCPACK, 1, YI, SRV, 600, o), &why), 0);
	assert_non_null(dcl_lease_opt(&lease, 12, NULL));
	assert_null(dcl_lease_opt(&lease, 15, NULL)); /* trailing space */
	o[1] = (struct opt){ 15, 20, "fai.com example.org." };
	assert_int_equal(from(reply(DHCPACK, 1, YI, SRV, 600, o), &why), 0);
	assert_non_null(dcl_lease_opt(&lease, 15, NULL));
	o[1] = (struct opt){ 15, 8, "-fai.com" };
	assert_int_equal(from(reply(DHCPACK, 1, YI, SRV, 600, o), &why), 0);
	assert_null(dcl_lease_opt(&lease, 15, NULL));
}

static void
test_malformed_packets(void **state)
{
	size_t n, k;
	const char *why;
	struct dhcp_msg *m = malloc(sizeof *m);

	(void)state;
	assert_non_null(m);
	setup_conf("");
	n = reply(DHCPOFFER, 1, YI, SRV, 600, NULL);
	/* Every truncation is refused or yields a checked lease. */
	for (k = 0; k < n; k++) {
		if (dhcp_parse(pkt, k, m, &why) != 0)
			continue;
		if (dcl_lease_from_msg(m, &conf, &lease, &why) == 0)
			assert_int_equal(lease.addr, YI);
	}
	/* An option running past the end. */
	pkt[240] = 53;
	pkt[241] = 1;
	pkt[242] = 2;
	pkt[243] = 6;
	pkt[244] = 200;
	assert_int_equal(dhcp_parse(pkt, 250, m, &why), -1);
	/* Overload pointing at a file field that overloads again. */
	n = reply(DHCPOFFER, 1, YI, SRV, 600, NULL);
	memset(pkt + 240, 0, n - 240);
	memcpy(pkt + 240, "\x35\x01\x02\x34\x01\x03\xff", 7);
	memcpy(pkt + 108, "\x34\x01\x03\xff", 4);
	assert_int_equal(dhcp_parse(pkt, n, m, &why), -1);
	free(m);
}

static void
test_config_merge(void **state)
{
	const char *why;
	struct opt o[3] = { { 119, 9, "\x03" "fai\x03" "com\0" },
		{ 0, 0, NULL } };
	(void)state;
	setup_conf("supersede domain-name \"example.org\";\n"
		   "prepend domain-name-servers 127.0.0.1;\n"
		   "append domain-name-servers 9.9.9.9;\n"
		   "append domain-search \"a.example\", \"b.a.example\";\n"
		   "default interface-mtu 1400;\n"
		   "default routers 10.0.42.1;\n");
	/* The course's options plus a search list. */
	assert_int_equal(from(reply(DHCPACK, 1, YI, SRV, 600, NULL), &why), 0);
	dcl_env_init(&env);
	assert_int_equal(dcl_env_lease(&env, "new_", &lease, 0), 0);
	assert_string_equal(envget("new_domain_name"), "example.org");
	/* 127.0.0.1 is not a server address a server may give, and the
	 * configured one goes through the same checks. */
	assert_string_equal(envget("new_domain_name_servers"),
	    "192.168.0.254 9.9.9.9");
	assert_string_equal(envget("new_interface_mtu"), "1400");
	assert_string_equal(envget("new_routers"), "10.0.42.254");
	assert_string_equal(envget("new_domain_search"),
	    "a.example b.a.example");
	assert_int_equal(from(reply(DHCPACK, 1, YI, SRV, 600, o), &why), 0);
	dcl_env_init(&env);
	assert_int_equal(dcl_env_lease(&env, "new_", &lease, 0), 0);
	assert_string_equal(envget("new_domain_search"),
	    "fai.com a.example b.a.example");
	assert_string_equal(envget("new_routers"), "10.0.42.1");
	/* A superseded mask is checked like a server's. */
	setup_conf("supersede subnet-mask 255.0.255.0;");
	assert_int_equal(from(reply(DHCPACK, 1, YI, SRV, 600, NULL), &why),
	    -1);
	setup_conf("supersede dhcp-lease-time 7200;");
	assert_int_equal(from(reply(DHCPACK, 1, YI, SRV, 600, NULL), &why), 0);
	assert_int_equal(lease.lease, 7200);
}

static void
test_env_sanitised(void **state)
{
	(void)state;
	dcl_env_init(&env);
	assert_int_equal(dcl_env_add(&env, "reason", "BOUND"), 0);
	assert_int_equal(dcl_env_add(&env, "x;y", "a'b\"c$d`e|f&g>h\n*?[]"), 0);
	assert_string_equal(env.v[0], "reason=BOUND");
	assert_string_equal(env.v[1], "x_y=a_b_c_d_e_f_g_h_____");
	assert_null(env.v[2]);
	/* Full. */
	while (dcl_env_add(&env, "n", "v") == 0)
		;
	assert_int_equal(env.n, DCL_ENV_MAX);
	assert_null(env.v[DCL_ENV_MAX]);
}

/* ------------------------------------------------------ state machine */

static uint32_t counter;

static uint32_t
fake_rnd(void *ctx)
{
	(void)ctx;
	return ++counter * 0x9e3779b9u;
}

static void
start(const char *cfg, const uint8_t *saved, size_t n, int64_t remaining)
{
	setup_conf(cfg);
	memset(&dcl, 0, sizeof dcl);
	dcl.conf = &conf;
	memcpy(dcl.mac, mac, 6);
	strcpy(dcl.ifname, "c0");
	strcpy(dcl.hostname, "debian");
	dcl.rnd = fake_rnd;
	dcl.wall_offset = 1700000000;
	dcl_start(&dcl, 0, saved, n, remaining, &act);
}

/* The message the last action sends, parsed. */
static void
sent(int type, enum dcl_how how)
{
	const char *why;

	assert_non_null(act.pkt);
	assert_int_equal(act.type, type);
	assert_int_equal(act.how, how);
	assert_int_equal(dhcp_parse(act.pkt, act.len, &msg, &why), 0);
	assert_int_equal(msg.h.op, BOOTREQUEST);
	assert_int_equal(dhcp_msg_type(&msg), type);
	assert_memory_equal(msg.h.chaddr, mac, 6);
	assert_int_equal(msg.h.xid, dcl.xid);
}

static uint32_t
optip(uint8_t code)
{
	uint32_t v = 0;

	if (dhcp_opt_ip(&msg, code, &v) != 0)
		return 0;
	return v;
}

static int
input(int64_t now, size_t n, uint32_t src)
{
	const char *why = NULL;
	int r = dcl_input(&dcl, now, pkt, n, src, &act, &why);

	if (r != 0)
		print_message("ignored: %s\n", why);
	return r;
}

static void
test_acquire_renew_rebind_expire(void **state)
{
	uint32_t xid;
	size_t n;
	const uint8_t *prl;
	struct opt o[2] = { { 59, 4, "\0\0\0\x32" }, { 0, 0, NULL } };

	(void)state;
	start("send host-name = gethostname();\nrequire domain-name;", NULL,
	    0, 0);
	assert_int_equal(dcl.st, DCL_SELECTING);
	sent(DHCPDISCOVER, DCL_RAW_BCAST);
	assert_int_equal(msg.h.ciaddr, 0);
	prl = dhcp_opt(&msg, DHO_PRL, &n);
	assert_non_null(prl);
	assert_non_null(memchr(prl, 15, n));
	assert_memory_equal(dhcp_opt(&msg, 12, &n), "debian", 6);
	assert_memory_equal(dhcp_opt(&msg, 61, &n), "\x01\x04\x8d\x38\xcf\x7d\x41", 7);
	xid = dcl.xid;
	/* A retransmission keeps the xid and waits 4 s +- 1 s. */
	assert_true(dcl_next(&dcl) >= 3000 && dcl_next(&dcl) <= 5000);
	dcl_timer(&dcl, dcl_next(&dcl), &act);
	sent(DHCPDISCOVER, DCL_RAW_BCAST);
	assert_int_equal(dcl.xid, xid);
	assert_true(dcl_next(&dcl) - 5000 >= 7000);
	/* Replies for another xid or hardware address are ignored. */
	n = reply(DHCPOFFER, xid + 1, YI, SRV, 100, NULL);
	assert_int_equal(input(5000, n, SRV), -1);
	n = reply(DHCPOFFER, xid, YI, SRV, 100, NULL);
	pkt[28 + 5] ^= 1;
	assert_int_equal(input(5000, n, SRV), -1);
	/* An ACK in SELECTING is ignored. */
	n = reply(DHCPACK, xid, YI, SRV, 100, NULL);
	assert_int_equal(input(5000, n, SRV), -1);
	n = reply(DHCPOFFER, xid, YI, SRV, 100, NULL);
	assert_int_equal(input(5000, n, SRV), 0);
	assert_int_equal(dcl.st, DCL_REQUESTING);
	sent(DHCPREQUEST, DCL_RAW_BCAST);
	assert_int_equal(dcl.xid, xid);
	assert_int_equal(optip(DHO_SERVER_ID), SRV);
	assert_int_equal(optip(DHO_REQUESTED_IP), YI);
	/* An ACK from a server not chosen is ignored. */
	n = reply(DHCPACK, xid, YI, SRV2, 100, NULL);
	assert_int_equal(input(5100, n, SRV2), -1);
	n = reply(DHCPACK, xid, YI, SRV, 100, o);
	assert_int_equal(input(5100, n, SRV), -1); /* lacks domain-name */
	n = reply(DHCPACK, xid, YI, SRV, 100, NULL);
	assert_int_equal(input(5100, n, SRV), 0);
	assert_int_equal(dcl.st, DCL_BOUND);
	assert_string_equal(act.reason, "BOUND");
	assert_true(act.save);
	assert_ptr_equal(act.new_lease, &dcl.cur);
	assert_null(act.old_lease);
	assert_null(act.pkt);
	assert_int_equal(dcl.acklen, n);
	/* Times count from the REQUEST (sent at 5000). */
	assert_int_equal(dcl_next(&dcl), 5000 + 50000);
	dcl_timer(&dcl, 54999, &act);
	assert_null(act.pkt);
	assert_int_equal(dcl.st, DCL_BOUND);
	/* T1: RENEWING, unicast to the server, a new xid. */
	dcl_timer(&dcl, 55000, &act);
	assert_int_equal(dcl.st, DCL_RENEWING);
	sent(DHCPREQUEST, DCL_UDP_UNICAST);
	assert_int_equal(act.dst, SRV);
	assert_true(dcl.xid != xid);
	assert_int_equal(msg.h.ciaddr, YI);
	assert_int_equal(optip(DHO_SERVER_ID), 0);
	assert_int_equal(optip(DHO_REQUESTED_IP), 0);
	/* Next try at T2 (87 s after 5 s: whole seconds) at the latest. */
	assert_int_equal(dcl_next(&dcl), 5000 + 87000);
	xid = dcl.xid;
	n = reply(DHCPACK, xid, YI, SRV, 100, NULL);
	assert_int_equal(input(60000, n, SRV), 0);
	assert_string_equal(act.reason, "RENEW");
	assert_non_null(act.old_lease);
	assert_int_equal(dcl.st, DCL_BOUND);
	assert_int_equal(dcl_next(&dcl), 55000 + 50000);
	/* No answer to the renewal: REBINDING at T2, broadcast. */
	dcl_timer(&dcl, 105000, &act);
	assert_int_equal(dcl.st, DCL_RENEWING);
	dcl_timer(&dcl, dcl_next(&dcl), &act);
	assert_int_equal(dcl.st, DCL_REBINDING);
	assert_int_equal(dcl_next(&dcl), 55000 + 100000);
	sent(DHCPREQUEST, DCL_UDP_BCAST);
	assert_int_equal(msg.h.ciaddr, YI);
	/* Another server answers. */
	n = reply(DHCPACK, dcl.xid, YI, SRV2, 100, NULL);
	assert_int_equal(input(150000, n, SRV2), 0);
	assert_string_equal(act.reason, "REBIND");
	assert_int_equal(dcl.cur.server, SRV2);
	/* Nobody answers any more: EXPIRE, then a DISCOVER at once. */
	while (dcl.st != DCL_SELECTING) {
		int64_t t = dcl_next(&dcl);

		assert_true(t <= 150000 + 100000 * 2);
		dcl_timer(&dcl, t, &act);
		if (dcl.st == DCL_RENEWING)
			assert_int_equal(act.dst, SRV2);
	}
	assert_string_equal(act.reason, "EXPIRE");
	assert_true(act.forget);
	assert_int_equal(act.old_lease->addr, YI);
	sent(DHCPDISCOVER, DCL_RAW_BCAST);
}

static void
test_send_statements(void **state)
{
	size_t n;
	const uint8_t *v;

	(void)state;
	start("send dhcp-client-identifier \"host-7\";\n"
	      "send dhcp-lease-time 3600;\n"
	      "send vendor-class-identifier \"facteur\";\n"
	      "send host-name \"fantasia\";\n"
	      "request subnet-mask, routers;\nrequire domain-name;",
	    NULL, 0, 0);
	sent(DHCPDISCOVER, DCL_RAW_BCAST);
	v = dhcp_opt(&msg, DHO_CLIENT_ID, &n);
	assert_int_equal(n, 6);
	assert_memory_equal(v, "host-7", 6);
	v = dhcp_opt(&msg, DHO_LEASE_TIME, &n);
	assert_int_equal(n, 4);
	assert_memory_equal(v, "\0\0\x0e\x10", 4);
	v = dhcp_opt(&msg, DHO_VENDOR_CLASS, &n);
	assert_memory_equal(v, "facteur", 7);
	v = dhcp_opt(&msg, DHO_HOST_NAME, &n);
	assert_memory_equal(v, "fantasia", 8);
	/* request, then require's codes not already there. */
	v = dhcp_opt(&msg, DHO_PRL, &n);
	assert_int_equal(n, 3);
	assert_memory_equal(v, "\x01\x03\x0f", 3);
	/* A RELEASE carries only what RFC 2131 table 5 allows. */
	n = reply(DHCPOFFER, dcl.xid, YI, SRV, 60, NULL);
	assert_int_equal(input(10, n, SRV), 0);
	sent(DHCPREQUEST, DCL_RAW_BCAST);
	assert_true(dhcp_has(&msg, DHO_LEASE_TIME));
	n = reply(DHCPACK, dcl.xid, YI, SRV, 60, NULL);
	assert_int_equal(input(10, n, SRV), 0);
	dcl_release(&dcl, 20, &act);
	sent(DHCPRELEASE, DCL_UDP_UNICAST);
	assert_false(dhcp_has(&msg, DHO_PRL));
	assert_false(dhcp_has(&msg, DHO_HOST_NAME));
	assert_false(dhcp_has(&msg, DHO_LEASE_TIME));
	assert_false(dhcp_has(&msg, DHO_REQUESTED_IP));
	assert_memory_equal(dhcp_opt(&msg, DHO_CLIENT_ID, &n), "host-7", 6);
	/* gethostname(): a name that is not one is not sent. */
	start("send host-name = gethostname();", NULL, 0, 0);
	sent(DHCPDISCOVER, DCL_RAW_BCAST);
	assert_true(dhcp_has(&msg, DHO_HOST_NAME));
	assert_memory_equal(dhcp_opt(&msg, DHO_HOST_NAME, &n), "debian", 6);
	strcpy(dcl.hostname, "bad;name");
	dcl_timer(&dcl, dcl_next(&dcl), &act);
	sent(DHCPDISCOVER, DCL_RAW_BCAST);
	assert_false(dhcp_has(&msg, DHO_HOST_NAME));
}

static void
test_select_timeout(void **state)
{
	size_t n;

	(void)state;
	/* select-timeout 0: the first offer. */
	start("", NULL, 0, 0);
	n = reply(DHCPOFFER, dcl.xid, YI, SRV, 60, NULL);
	assert_int_equal(input(100, n, SRV), 0);
	assert_int_equal(dcl.st, DCL_REQUESTING);
	assert_int_equal(dcl.offer.server, SRV);
	/* select-timeout 5: collect, then take the longest lease. */
	start("select-timeout 5;", NULL, 0, 0);
	n = reply(DHCPOFFER, dcl.xid, YI, SRV, 60, NULL);
	assert_int_equal(input(100, n, SRV), 0);
	assert_int_equal(dcl.st, DCL_SELECTING);
	assert_null(act.pkt);
	assert_int_equal(dcl_next(&dcl), 5000);
	n = reply(DHCPOFFER, dcl.xid, YI + 1, SRV2, 600, NULL);
	assert_int_equal(input(2000, n, SRV2), 0);
	n = reply(DHCPOFFER, dcl.xid, YI + 2, SRV, 300, NULL);
	assert_int_equal(input(3000, n, SRV), 0);
	dcl_timer(&dcl, 5000, &act);
	assert_int_equal(dcl.st, DCL_REQUESTING);
	sent(DHCPREQUEST, DCL_RAW_BCAST);
	assert_int_equal(optip(DHO_SERVER_ID), SRV2);
	assert_int_equal(optip(DHO_REQUESTED_IP), YI + 1);
}

static void
test_reject_require(void **state)
{
	size_t n;

	(void)state;
	start("reject 10.0.42.42;", NULL, 0, 0);
	n = reply(DHCPOFFER, dcl.xid, YI, SRV, 60, NULL);
	assert_int_equal(input(100, n, SRV), -1);
	/* Rejected by the sender's address too (a relay's server). */
	n = reply(DHCPOFFER, dcl.xid, YI, SRV2, 60, NULL);
	assert_int_equal(input(100, n, SRV), -1);
	assert_int_equal(input(100, n, SRV2), 0);
	assert_int_equal(dcl.offer.server, SRV2);
	start("reject 10.0.42.0/24;", NULL, 0, 0);
	n = reply(DHCPOFFER, dcl.xid, YI, SRV2, 60, NULL);
	assert_int_equal(input(100, n, SRV2), -1);
	start("require domain-search;", NULL, 0, 0);
	n = reply(DHCPOFFER, dcl.xid, YI, SRV, 60, NULL);
	assert_int_equal(input(100, n, SRV), -1);
	assert_int_equal(dcl.st, DCL_SELECTING);
}

static void
test_nak(void **state)
{
	size_t n;

	(void)state;
	start("", NULL, 0, 0);
	n = reply(DHCPNAK, dcl.xid, 0, SRV, -1, NULL);
	assert_int_equal(input(10, n, SRV), -1); /* none expected */
	n = reply(DHCPOFFER, dcl.xid, YI, SRV, 60, NULL);
	assert_int_equal(input(10, n, SRV), 0);
	n = reply(DHCPNAK, dcl.xid, 0, SRV2, -1, NULL);
	assert_int_equal(input(20, n, SRV2), -1); /* not the chosen server */
	n = reply(DHCPNAK, dcl.xid, 0, SRV, -1, NULL);
	assert_int_equal(input(20, n, SRV), 0);
	assert_int_equal(dcl.st, DCL_WAIT);
	assert_null(act.reason);
	dcl_timer(&dcl, dcl_next(&dcl), &act);
	sent(DHCPDISCOVER, DCL_RAW_BCAST);
	/* A NAK to a renewal: the lease is gone. */
	n = reply(DHCPOFFER, dcl.xid, YI, SRV, 60, NULL);
	assert_int_equal(input(3000, n, SRV), 0);
	n = reply(DHCPACK, dcl.xid, YI, SRV, 60, NULL);
	assert_int_equal(input(3000, n, SRV), 0);
	dcl_timer(&dcl, dcl_next(&dcl), &act);
	assert_int_equal(dcl.st, DCL_RENEWING);
	n = reply(DHCPNAK, dcl.xid, 0, SRV, -1, NULL);
	assert_int_equal(input(34000, n, SRV), 0);
	assert_string_equal(act.reason, "EXPIRE");
	assert_true(act.forget);
	assert_int_equal(dcl.st, DCL_SELECTING);
	sent(DHCPDISCOVER, DCL_RAW_BCAST);
}

static void
test_decline(void **state)
{
	size_t n;

	(void)state;
	start("", NULL, 0, 0);
	dcl.probe = 1;
	n = reply(DHCPOFFER, dcl.xid, YI, SRV, 60, NULL);
	assert_int_equal(input(10, n, SRV), 0);
	n = reply(DHCPACK, dcl.xid, YI, SRV, 60, NULL);
	assert_int_equal(input(20, n, SRV), 0);
	assert_int_equal(dcl.st, DCL_PROBING);
	assert_int_equal(act.probe, YI);
	assert_null(act.reason);
	dcl_probed(&dcl, 2000, 1, &act);
	sent(DHCPDECLINE, DCL_RAW_BCAST);
	assert_int_equal(optip(DHO_REQUESTED_IP), YI);
	assert_int_equal(optip(DHO_SERVER_ID), SRV);
	assert_false(dhcp_has(&msg, DHO_PRL));
	assert_null(act.reason);
	assert_int_equal(dcl.st, DCL_WAIT);
	assert_true(dcl_next(&dcl) >= 12000);
	dcl_timer(&dcl, dcl_next(&dcl), &act);
	sent(DHCPDISCOVER, DCL_RAW_BCAST);
	assert_int_equal(optip(DHO_REQUESTED_IP), 0);
	/* A free address is bound. */
	n = reply(DHCPOFFER, dcl.xid, YI + 1, SRV, 60, NULL);
	assert_int_equal(input(13000, n, SRV), 0);
	n = reply(DHCPACK, dcl.xid, YI + 1, SRV, 60, NULL);
	assert_int_equal(input(13000, n, SRV), 0);
	dcl_probed(&dcl, 15000, 0, &act);
	assert_string_equal(act.reason, "BOUND");
	assert_int_equal(dcl.cur.addr, YI + 1);
}

static void
test_init_reboot(void **state)
{
	uint8_t saved[DHCP_PKT_MAX];
	size_t n, sn;

	(void)state;
	sn = reply(DHCPACK, 77, YI, SRV, 600, NULL);
	memcpy(saved, pkt, sn);
	start("", saved, sn, 300);
	assert_int_equal(dcl.st, DCL_REBOOTING);
	sent(DHCPREQUEST, DCL_RAW_BCAST);
	assert_int_equal(optip(DHO_REQUESTED_IP), YI);
	assert_int_equal(optip(DHO_SERVER_ID), 0);
	assert_int_equal(msg.h.ciaddr, 0);
	n = reply(DHCPACK, dcl.xid, YI, SRV2, 600, NULL);
	assert_int_equal(input(100, n, SRV2), 0);
	assert_string_equal(act.reason, "REBOOT");
	assert_int_equal(dcl.st, DCL_BOUND);
	/* Nobody answers within reboot: DISCOVER asking for it. */
	start("reboot 3;", saved, sn, 300);
	while (dcl.st == DCL_REBOOTING)
		dcl_timer(&dcl, dcl_next(&dcl), &act);
	assert_true(dcl.started >= 3000);
	sent(DHCPDISCOVER, DCL_RAW_BCAST);
	assert_int_equal(optip(DHO_REQUESTED_IP), YI);
	/* NAK: EXPIRE the remembered lease, start afresh. */
	start("", saved, sn, 300);
	n = reply(DHCPNAK, dcl.xid, 0, SRV2, -1, NULL);
	assert_int_equal(input(100, n, SRV2), 0);
	assert_string_equal(act.reason, "EXPIRE");
	assert_int_equal(act.old_lease->addr, YI);
	sent(DHCPDISCOVER, DCL_RAW_BCAST);
	assert_int_equal(optip(DHO_REQUESTED_IP), 0);
	/* dhcpc -r: release the remembered lease. */
	start("", saved, sn, 300);
	dcl_release(&dcl, 10, &act);
	sent(DHCPRELEASE, DCL_UDP_UNICAST);
	assert_int_equal(act.dst, SRV);
	assert_int_equal(msg.h.ciaddr, YI);
	assert_string_equal(act.reason, "RELEASE");
	/* Expired or broken saved state: plain INIT. */
	start("", saved, sn, 0);
	sent(DHCPDISCOVER, DCL_RAW_BCAST);
	assert_int_equal(optip(DHO_REQUESTED_IP), YI);
	start("", saved, 100, 300);
	sent(DHCPDISCOVER, DCL_RAW_BCAST);
	assert_int_equal(optip(DHO_REQUESTED_IP), 0);
}

static void
test_static_fallback(void **state)
{
	(void)state;
	start("timeout 10; retry 20;\n"
	      "lease { interface \"eth9\"; fixed-address 10.1.1.1; }\n"
	      "lease { fixed-address 10.9.8.7;\n"
	      "  option subnet-mask 255.255.0.0; option routers 10.9.0.1; }",
	    NULL, 0, 0);
	while (dcl.st == DCL_SELECTING) {
		assert_true(dcl_next(&dcl) <= 10000);
		dcl_timer(&dcl, dcl_next(&dcl), &act);
	}
	assert_int_equal(dcl.st, DCL_STATIC);
	assert_string_equal(act.reason, "TIMEOUT");
	assert_int_equal(act.new_lease->addr, 0x0a090807u);
	assert_int_equal(act.new_lease->lease, DCL_INFINITE);
	dcl_env_init(&env);
	assert_int_equal(dcl_env_lease(&env, "new_", act.new_lease, 0), 0);
	assert_string_equal(envget("new_routers"), "10.9.0.1");
	assert_string_equal(envget("new_subnet_mask"), "255.255.0.0");
	assert_int_equal(dcl_next(&dcl), 10000 + 20000);
	/* After retry: try again; a real lease then replaces it. */
	dcl_timer(&dcl, 30000, &act);
	sent(DHCPDISCOVER, DCL_RAW_BCAST);
	/* The script refusing the static lease means FAIL. */
	start("timeout 1; lease { fixed-address 10.9.8.7; }", NULL, 0, 0);
	while (dcl.st == DCL_SELECTING)
		dcl_timer(&dcl, dcl_next(&dcl), &act);
	assert_string_equal(act.reason, "TIMEOUT");
	dcl_static_failed(&dcl, 1000, &act);
	assert_string_equal(act.reason, "FAIL");
	assert_int_equal(dcl.st, DCL_WAIT);
	/* No lease block, or only expired ones: FAIL. */
	start("timeout 1; lease { fixed-address 10.9.8.7; "
	      "expire 1 2001/01/01 00:00:00; }",
	    NULL, 0, 0);
	while (dcl.st == DCL_SELECTING)
		dcl_timer(&dcl, dcl_next(&dcl), &act);
	assert_string_equal(act.reason, "FAIL");
	assert_int_equal(dcl.st, DCL_WAIT);
}

static void
test_release(void **state)
{
	size_t n;

	(void)state;
	start("", NULL, 0, 0);
	dcl_release(&dcl, 10, &act);
	assert_null(act.reason);
	assert_null(act.pkt);
	start("", NULL, 0, 0);
	n = reply(DHCPOFFER, dcl.xid, YI, SRV, 60, NULL);
	assert_int_equal(input(10, n, SRV), 0);
	n = reply(DHCPACK, dcl.xid, YI, SRV, 60, NULL);
	assert_int_equal(input(10, n, SRV), 0);
	dcl_release(&dcl, 20, &act);
	sent(DHCPRELEASE, DCL_UDP_UNICAST);
	assert_int_equal(act.dst, SRV);
	assert_int_equal(msg.h.ciaddr, YI);
	assert_int_equal(optip(DHO_SERVER_ID), SRV);
	assert_string_equal(act.reason, "RELEASE");
	assert_true(act.forget);
	assert_int_equal(dcl.st, DCL_RELEASED);
	assert_int_equal(dcl_next(&dcl), INT64_MAX);
}

static void
test_backoff(void **state)
{
	unsigned n;
	uint32_t r;

	(void)state;
	for (r = 0; r < 5000; r += 7) {
		assert_true(dcl_backoff(0, 4, 64, r) >= 3000);
		assert_true(dcl_backoff(0, 4, 64, r) <= 5000);
		assert_true(dcl_backoff(1, 4, 64, r) >= 7000);
		assert_true(dcl_backoff(4, 4, 64, r) >= 63000);
		for (n = 5; n < 40; n += 7)
			assert_true(dcl_backoff(n, 4, 64, r) <= 65000);
		assert_true(dcl_backoff(0, 1, 1, r) >= 1000);
	}
	assert_int_equal(dcl_backoff(1000, 4, 64, 1000), 64000);
}

static void
test_state_file(void **state)
{
	char text[2 * DHCP_PKT_MAX + 64];
	uint8_t ack[DHCP_PKT_MAX];
	int64_t t;
	long len, k;
	size_t n;

	(void)state;
	n = reply(DHCPACK, 77, YI, SRV, 600, NULL);
	len = dcl_state_format(pkt, n, 1764800000, text, sizeof text);
	assert_true(len > 0);
	assert_int_equal(strncmp(text, "dhcpc 1\nbound 1764800000\nack ", 29),
	    0);
	k = dcl_state_parse(text, (size_t)len, ack, sizeof ack, &t);
	assert_int_equal(k, (long)n);
	assert_memory_equal(ack, pkt, n);
	assert_int_equal(t, 1764800000);
	assert_int_equal(dcl_state_format(pkt, n, 1, text, 100), -1);
	/* Every truncation and a changed byte are refused. */
	for (k = 0; k < len; k++)
		assert_int_equal(
		    dcl_state_parse(text, (size_t)k, ack, sizeof ack, &t), -1);
	text[40] = 'X';
	assert_int_equal(
	    dcl_state_parse(text, (size_t)len, ack, sizeof ack, &t), -1);
	assert_int_equal(dcl_state_parse("dhcpc 1\nbound 1\nack 0\n", 21, ack,
			     sizeof ack, &t),
	    -1);
	assert_int_equal(dcl_state_parse("dhcpc 1\nbound 1\nack 00\n", 23, ack,
			     0, &t),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_course_offer),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_lease_times),
		cmocka_unit_test(test_dropped_options),
		cmocka_unit_test(test_malformed_packets),
		cmocka_unit_test(test_config_merge),
		cmocka_unit_test(test_env_sanitised),
		cmocka_unit_test(test_acquire_renew_rebind_expire),
		cmocka_unit_test(test_send_statements),
		cmocka_unit_test(test_select_timeout),
		cmocka_unit_test(test_reject_require),
		cmocka_unit_test(test_nak),
		cmocka_unit_test(test_decline),
		cmocka_unit_test(test_init_reboot),
		cmocka_unit_test(test_static_fallback),
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_state_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
