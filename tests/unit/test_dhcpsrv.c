/*
 * Unit tests for lib/dhcpsrv: the course material's OFFER field by
 * field, RFC 2131 section 4.3 request handling in every client state,
 * reply destinations (section 4.1), reservations, relays, DECLINE and
 * RELEASE, pool exhaustion, leases loaded from the journal, and a /16
 * pool filled with 60 000 clients (timing reported, not asserted).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dhcpconf.h"
#include "dhcppkt.h"
#include "dhcpsrv.h"

#define NOW 1767225600
#define SERVER 0x0a002a2au /* 10.0.42.42 */

static struct dhcpconf conf;
static struct dhcpsrv *srv;
static struct dhcpsrv_result res;
static struct dhcp_msg req, rep;
static struct dhcp_out out;

static void
start(const char *text)
{
	struct dhcpconf_err err;
	char msg[512];

	if (dhcpconf_parse("t", text, strlen(text), NULL, NULL, &conf, &err)) {
		dhcpconf_err_format(&err, msg, sizeof msg);
		fail_msg("%s", msg);
	}
	srv = dhcpsrv_new(&conf);
	assert_non_null(srv);
	dhcpsrv_loaded(srv, NOW);
}

static int
stop(void **state)
{
	(void)state;
	dhcpsrv_free(&srv);
	dhcpconf_free(&conf);
	return 0;
}

/* The message type of a reply not yet built. */
static int
dhcp_msg_type_out(const struct dhcp_out *o)
{
	size_t i;

	for (i = 0; i < o->nopts; i++)
		if (o->opt[i].code == DHO_MSG_TYPE)
			return o->data[o->opt[i].off];
	return 0;
}

struct client {
	uint8_t mac[6];
	const uint8_t *cid;
	size_t cidlen;
	uint32_t xid;
};

/* Builds a request of type from c into req (through the codec). */
static void
mkreq(const struct client *c, int type, uint32_t ciaddr, uint32_t reqip,
    uint32_t sid, uint32_t giaddr, int bcast)
{
	static const uint8_t prl[] = { 1, 28, 2, 3, 15, 6, 119, 12, 44 };
	uint8_t buf[DHCP_PKT_MAX];
	long n;

	dhcp_out_init(&out);
	out.h.op = BOOTREQUEST;
	out.h.htype = 1;
	out.h.hlen = 6;
	out.h.xid = c->xid;
	out.h.ciaddr = ciaddr;
	out.h.giaddr = giaddr;
	out.h.flags = bcast ? DHCP_FLAG_BROADCAST : 0;
	memcpy(out.h.chaddr, c->mac, 6);
	assert_int_equal(dhcp_out_add_u8(&out, DHO_MSG_TYPE, (uint8_t)type), 0);
	if (reqip)
		dhcp_out_add_u32(&out, DHO_REQUESTED_IP, reqip);
	if (sid)
		dhcp_out_add_u32(&out, DHO_SERVER_ID, sid);
	if (c->cidlen)
		dhcp_out_add(&out, DHO_CLIENT_ID, c->cid, c->cidlen);
	dhcp_out_add(&out, DHO_HOST_NAME, "debian", 6);
	dhcp_out_add(&out, DHO_PRL, prl, sizeof prl);
	if (giaddr)
		dhcp_out_add(&out, DHO_RELAY_AGENT, "\1\4eth1", 6);
	n = dhcp_build(&out, 1500, buf, sizeof buf, NULL);
	assert_true(n > 0);
	assert_int_equal(dhcp_parse(buf, (size_t)n, &req, NULL), 0);
}

static void
handle(uint32_t local, int relay_ok, int64_t now)
{
	struct dhcpsrv_rx rx = { local, relay_ok };

	dhcpsrv_handle(srv, &req, &rx, now, &res);
}

/* The reply as a client would parse it. */
static void
parse_reply(uint8_t *buf, size_t *n_r)
{
	long n = dhcp_build(&res.out, res.max, buf, DHCP_PKT_MAX, NULL);

	assert_true(n >= DHCP_BOOTP_MIN);
	assert_int_equal(dhcp_parse(buf, (size_t)n, &rep, NULL), 0);
	if (n_r)
		*n_r = (size_t)n;
}

static uint32_t
do_dora(const struct client *c, uint32_t local)
{
	uint32_t ip;

	mkreq(c, DHCPDISCOVER, 0, 0, 0, 0, 0);
	handle(local, 0, NOW);
	if (res.act == DHCPSRV_PING) {
		struct lease_rec r;

		dhcpsrv_ping_result(srv, res.ping_ip, 0, NOW, &r);
		handle(local, 0, NOW);
	}
	if (res.act != DHCPSRV_SEND)
		return 0;
	ip = res.out.h.yiaddr;
	mkreq(c, DHCPREQUEST, 0, ip, local, 0, 0);
	handle(local, 0, NOW);
	if (res.act != DHCPSRV_COMMIT)
		return 0;
	assert_true(res.out.h.yiaddr == ip);
	return ip;
}

static const char seedoffer_conf[] =
    "option domain-name \"fai.com\";\n"
    "option domain-name-servers 192.168.0.254;\n"
    "default-lease-time 600;\n"
    "subnet 10.0.42.0 netmask 255.255.255.0 {\n"
    "  range 10.0.42.10 10.0.42.100;\n"
    "  option routers 10.0.42.254;\n"
    "}\n";

/* ../shared/seed-offer.txt, field by field and option by option. */
static void
test_seed_offer(void **state)
{
	static const struct client c = { { 0x04, 0x8d, 0x38, 0xcf, 0x7d,
		0x41 }, NULL, 0, 0x3903f326 };
	static const uint8_t want_opts[] = { 53, 1, 2, 54, 4, 10, 0, 42, 42,
		51, 4, 0, 0, 2, 88, 1, 4, 255, 255, 255, 0, 3, 4, 10, 0, 42,
		254, 15, 7, 'f', 'a', 'i', '.', 'c', 'o', 'm', 6, 4, 192, 168,
		0, 254, 255 };
	uint8_t buf[DHCP_PKT_MAX];
	struct lease_rec r;
	size_t n;

	(void)state;
	start(seedoffer_conf);
	mkreq(&c, DHCPDISCOVER, 0, 0, 0, 0, 0);
	handle(SERVER, 0, NOW);
	/* Never leased: checked with a ping first (ping-check defaults on). */
	assert_int_equal(res.act, DHCPSRV_PING);
	assert_true(res.ping_ip == 0x0a002a0a);
	assert_int_equal(res.ping_timeout, 1); /* ISC's default */
	dhcpsrv_ping_result(srv, res.ping_ip, 0, NOW, &r);
	handle(SERVER, 0, NOW);
	assert_int_equal(res.act, DHCPSRV_SEND);
	parse_reply(buf, &n);
	assert_int_equal(rep.h.op, BOOTREPLY);
	assert_true(rep.h.ciaddr == 0);
	assert_true(rep.h.yiaddr == 0x0a002a0a);
	assert_true(rep.h.siaddr == 0);
	assert_true(rep.h.giaddr == 0);
	assert_true(rep.h.xid == c.xid);
	assert_memory_equal(rep.h.chaddr, c.mac, 6);
	assert_memory_equal(buf + 236, "\x63\x82\x53\x63", 4);
	assert_memory_equal(buf + 240, want_opts, sizeof want_opts);
	for (size_t i = 240 + sizeof want_opts; i < n; i++)
		assert_int_equal(buf[i], 0);
	/* No broadcast bit, no address yet: to yiaddr at chaddr. */
	assert_int_equal(res.dst, DHCPSRV_TO_LINK);
	assert_true(res.dst_ip == 0x0a002a0a);

	mkreq(&c, DHCPREQUEST, 0, 0x0a002a0a, SERVER, 0, 0);
	handle(SERVER, 0, NOW);
	assert_int_equal(res.act, DHCPSRV_COMMIT);
	parse_reply(buf, &n);
	assert_int_equal(dhcp_msg_type(&rep), DHCPACK);
	assert_true(rep.h.yiaddr == 0x0a002a0a);
	assert_int_equal(buf[242], DHCPACK);
	assert_memory_equal(buf + 243, want_opts + 3, sizeof want_opts - 3);
	assert_true(res.has_rec);
	assert_true(res.rec.ip == 0x0a002a0a);
	assert_int_equal(res.rec.state, LEASE_ACTIVE);
	assert_true(res.rec.end == NOW + 600);
	assert_string_equal(res.rec.host, "debian");
}

/* ping-timeout reaches dhcpd with the PING action; a subnet's wins. */
static void
test_ping_timeout(void **state)
{
	static const struct client c = { { 2, 0, 0, 0, 0, 7 }, NULL, 0, 7 },
				   d = { { 2, 0, 0, 0, 0, 8 }, NULL, 0, 8 };

	(void)state;
	start("ping-timeout 3;\n"
	      "subnet 10.0.42.0 netmask 255.255.255.0 {\n"
	      "  range 10.0.42.10 10.0.42.20;\n"
	      "}\n"
	      "subnet 10.9.0.0 netmask 255.255.255.0 {\n"
	      "  ping-timeout 2; range 10.9.0.10 10.9.0.20;\n"
	      "}\n");
	mkreq(&c, DHCPDISCOVER, 0, 0, 0, 0, 0);
	handle(SERVER, 0, NOW);
	assert_int_equal(res.act, DHCPSRV_PING);
	assert_int_equal(res.ping_timeout, 3);
	mkreq(&d, DHCPDISCOVER, 0, 0, 0, 0, 0);
	handle(0x0a090001, 0, NOW);
	assert_int_equal(res.act, DHCPSRV_PING);
	assert_int_equal(res.ping_timeout, 2);
}

/* Several ranges: addresses in order, each from the right range. */
static void
test_ranges(void **state)
{
	static const uint32_t want[] = { 0x0a002a0a, 0x0a002a0b, 0x0a002a32,
		0x0a002a33, 0x0a002a64 };
	struct client c;

	(void)state;
	start("ping-check false;\n"
	      "subnet 10.0.42.0 netmask 255.255.255.0 {\n"
	      "  range 10.0.42.10 10.0.42.11; range 10.0.42.50 10.0.42.51;\n"
	      "  range 10.0.42.100;\n"
	      "}\n");
	for (unsigned i = 0; i < 5; i++) {
		memset(&c, 0, sizeof c);
		c.mac[0] = 2;
		c.mac[5] = (uint8_t)(i + 1);
		c.xid = i + 1;
		assert_true(do_dora(&c, SERVER) == want[i]);
	}
}

/*
 * Renewals leave stale expiry entries behind, which are dropped when
 * the heap fills: after thousands of them the lease that really ended
 * first is still the one a newcomer gets from a full pool.
 */
static void
test_renewal_churn(void **state)
{
	struct client c[100], n;
	uint32_t ip[100];
	unsigned i, k;

	(void)state;
	start("ping-check false; default-lease-time 600;\n"
	      "subnet 10.0.42.0 netmask 255.255.255.0 {\n"
	      "  range 10.0.42.10 10.0.42.109;\n"
	      "}\n");
	for (i = 0; i < 100; i++) {
		memset(&c[i], 0, sizeof c[i]);
		c[i].mac[0] = 2;
		c[i].mac[5] = (uint8_t)i;
		c[i].xid = i + 1;
		ip[i] = do_dora(&c[i], SERVER);
		assert_true(ip[i] != 0);
	}
	/* Every client but 37 renews 60 times (RENEWING, ciaddr). */
	for (k = 1; k <= 60; k++)
		for (i = 0; i < 100; i++) {
			if (i == 37)
				continue;
			mkreq(&c[i], DHCPREQUEST, ip[i], 0, 0, 0, 0);
			handle(SERVER, 0, NOW + 5 * k);
			assert_int_equal(res.act, DHCPSRV_COMMIT);
		}
	memset(&n, 0, sizeof n);
	n.mac[0] = 2;
	n.mac[4] = 1;
	n.xid = 999;
	mkreq(&n, DHCPDISCOVER, 0, 0, 0, 0, 0);
	handle(SERVER, 0, NOW + 599);
	assert_int_equal(res.act, DHCPSRV_DROP); /* nothing has ended yet */
	handle(SERVER, 0, NOW + 601);
	assert_int_equal(res.act, DHCPSRV_SEND);
	assert_true(res.out.h.yiaddr == ip[37]);
}

static const char lab_conf[] =
    "ping-check false;\n"
    "default-lease-time 600; max-lease-time 900;\n"
    "subnet 10.0.42.0 netmask 255.255.255.0 {\n"
    "  range 10.0.42.10 10.0.42.14;\n"
    "  option routers 10.0.42.254;\n"
    "}\n"
    "subnet 10.9.0.0 netmask 255.255.255.0 {\n"
    "  authoritative;\n"
    "  range 10.9.0.10 10.9.0.20;\n"
    "}\n"
    "host pxe { hardware ethernet 02:00:00:00:00:99; fixed-address 10.0.42.5;\n"
    "  filename \"pxelinux.0\"; next-server 10.0.42.2; server-name \"boot\"; }\n";

static void
client(struct client *c, unsigned i)
{
	memset(c, 0, sizeof *c);
	c->mac[0] = 2;
	c->mac[4] = (uint8_t)(i >> 8);
	c->mac[5] = (uint8_t)i;
	c->xid = i;
}

static void
test_states(void **state)
{
	struct client a, b;
	uint32_t ipa, ipb;
	uint8_t buf[DHCP_PKT_MAX];

	(void)state;
	start(lab_conf);
	client(&a, 1);
	client(&b, 2);
	ipa = do_dora(&a, SERVER);
	assert_true(ipa == 0x0a002a0a);
	/* Duplicate REQUEST: the same ACK again. */
	mkreq(&a, DHCPREQUEST, 0, ipa, SERVER, 0, 0);
	handle(SERVER, 0, NOW);
	assert_int_equal(res.act, DHCPSRV_COMMIT);
	assert_true(res.out.h.yiaddr == ipa);

	/* b is offered something, then takes another server's offer. */
	mkreq(&b, DHCPDISCOVER, 0, 0, 0, 0, 1);
	handle(SERVER, 0, NOW);
	assert_int_equal(res.act, DHCPSRV_SEND);
	assert_int_equal(res.dst, DHCPSRV_TO_BROADCAST);
	ipb = res.out.h.yiaddr;
	assert_true(ipb != ipa);
	mkreq(&b, DHCPREQUEST, 0, ipb, 0x0a002a2b, 0, 0);
	handle(SERVER, 0, NOW);
	assert_int_equal(res.act, DHCPSRV_DROP);
	assert_non_null(strstr(res.why, "another server"));

	/* INIT-REBOOT: a's own address is ACKed, b asking for it NAKed. */
	mkreq(&a, DHCPREQUEST, 0, ipa, 0, 0, 0);
	handle(SERVER, 0, NOW + 10);
	assert_int_equal(res.act, DHCPSRV_COMMIT);
	mkreq(&b, DHCPREQUEST, 0, ipa, 0, 0, 0);
	handle(SERVER, 0, NOW + 10);
	assert_int_equal(res.act, DHCPSRV_SEND);
	assert_int_equal(dhcp_msg_type_out(&res.out), DHCPNAK);
	assert_int_equal(res.dst, DHCPSRV_TO_BROADCAST);
	/* Wrong network: silent unless authoritative. */
	mkreq(&b, DHCPREQUEST, 0, 0xc0a80105, 0, 0, 0);
	handle(SERVER, 0, NOW);
	assert_int_equal(res.act, DHCPSRV_DROP);
	handle(0x0a090001, 0, NOW);
	assert_int_equal(res.act, DHCPSRV_SEND);
	assert_int_equal(dhcp_msg_type_out(&res.out), DHCPNAK);

	/* RENEWING: unicast to ciaddr, lease clamped to max-lease-time. */
	mkreq(&a, DHCPREQUEST, ipa, 0, 0, 0, 0);
	dhcp_out_add_u32(&out, DHO_LEASE_TIME, 99999);
	{
		uint8_t b2[DHCP_PKT_MAX];
		long n = dhcp_build(&out, 1500, b2, sizeof b2, NULL);

		assert_int_equal(dhcp_parse(b2, (size_t)n, &req, NULL), 0);
	}
	handle(SERVER, 0, NOW + 300);
	assert_int_equal(res.act, DHCPSRV_COMMIT);
	assert_int_equal(res.dst, DHCPSRV_TO_UNICAST);
	assert_true(res.dst_ip == ipa);
	parse_reply(buf, NULL);
	{
		uint32_t lt;

		assert_int_equal(dhcp_opt_u32(&rep, DHO_LEASE_TIME, &lt), 0);
		assert_int_equal(lt, 900);
		assert_true(rep.h.ciaddr == ipa);
	}

	/* INFORM: options only. */
	mkreq(&b, DHCPINFORM, 0x0a002a63, 0, 0, 0, 0);
	handle(SERVER, 0, NOW);
	assert_int_equal(res.act, DHCPSRV_SEND);
	assert_int_equal(res.dst, DHCPSRV_TO_UNICAST);
	assert_true(res.dst_ip == 0x0a002a63);
	parse_reply(buf, NULL);
	assert_true(rep.h.yiaddr == 0);
	assert_false(dhcp_has(&rep, DHO_LEASE_TIME));
	assert_true(dhcp_has(&rep, DHO_ROUTERS));

	/* RELEASE, twice. */
	mkreq(&a, DHCPRELEASE, ipa, 0, SERVER, 0, 0);
	handle(SERVER, 0, NOW + 400);
	assert_int_equal(res.act, DHCPSRV_DROP);
	assert_true(res.has_rec);
	assert_int_equal(res.rec.state, LEASE_FREE);
	handle(SERVER, 0, NOW + 401);
	assert_false(res.has_rec);
	assert_non_null(strstr(res.why, "again"));
	/* a comes back to its old address. */
	assert_true(do_dora(&a, SERVER) == ipa);

	/* DECLINE: abandoned, b gets another address next time. */
	ipb = do_dora(&b, SERVER);
	assert_true(ipb != 0);
	mkreq(&b, DHCPDECLINE, 0, ipb, SERVER, 0, 0);
	handle(SERVER, 0, NOW);
	assert_true(res.has_rec);
	assert_int_equal(res.rec.state, LEASE_ABANDONED);
	assert_true(do_dora(&b, SERVER) != ipb);
	/* A DECLINE for someone else's address changes nothing. */
	mkreq(&b, DHCPDECLINE, 0, ipa, SERVER, 0, 0);
	handle(SERVER, 0, NOW);
	assert_false(res.has_rec);
	assert_true(do_dora(&a, SERVER) == ipa);
}

static void
test_exhaustion(void **state)
{
	struct client c[8];
	uint32_t ip[8];
	unsigned i;

	(void)state;
	start(lab_conf);
	for (i = 0; i < 5; i++) {
		client(&c[i], 10 + i);
		ip[i] = do_dora(&c[i], SERVER);
		assert_true(ip[i] != 0);
		for (unsigned j = 0; j < i; j++)
			assert_true(ip[j] != ip[i]);
	}
	client(&c[5], 99);
	mkreq(&c[5], DHCPDISCOVER, 0, 0, 0, 0, 0);
	handle(SERVER, 0, NOW);
	assert_int_equal(res.act, DHCPSRV_DROP);
	assert_non_null(strstr(res.why, "exhausted"));
	/* Existing clients still renew. */
	mkreq(&c[2], DHCPREQUEST, ip[2], 0, 0, 0, 0);
	handle(SERVER, 0, NOW + 100);
	assert_int_equal(res.act, DHCPSRV_COMMIT);
	/* After the leases expire, the new client gets one. */
	mkreq(&c[5], DHCPDISCOVER, 0, 0, 0, 0, 0);
	handle(SERVER, 0, NOW + 650);
	assert_int_equal(res.act, DHCPSRV_SEND);
	assert_true(res.out.h.yiaddr != ip[2]);
}

static void
test_reservation_and_relay(void **state)
{
	static const uint8_t duid[] = { 0xff, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4 };
	struct client h;
	uint8_t buf[DHCP_PKT_MAX];
	size_t len;
	const uint8_t *v;

	(void)state;
	start(lab_conf);
	client(&h, 0x99);
	h.cid = duid;
	h.cidlen = sizeof duid;
	mkreq(&h, DHCPDISCOVER, 0, 0, 0, 0, 0);
	handle(SERVER, 0, NOW);
	assert_int_equal(res.act, DHCPSRV_SEND);
	assert_true(res.out.h.yiaddr == 0x0a002a05);
	parse_reply(buf, NULL);
	assert_string_equal((const char *)rep.h.file, "pxelinux.0");
	assert_string_equal((const char *)rep.h.sname, "boot");
	assert_true(rep.h.siaddr == 0x0a002a02);
	mkreq(&h, DHCPREQUEST, 0, 0x0a002a05, SERVER, 0, 0);
	handle(SERVER, 0, NOW);
	assert_int_equal(res.act, DHCPSRV_COMMIT);
	mkreq(&h, DHCPREQUEST, 0, 0x0a002a0b, SERVER, 0, 0);
	handle(SERVER, 0, NOW);
	assert_int_equal(dhcp_msg_type_out(&res.out), DHCPNAK);

	/* Relayed: refused on an untrusted interface. */
	client(&h, 7);
	mkreq(&h, DHCPDISCOVER, 0, 0, 0, 0x0a090001, 0);
	handle(SERVER, 0, NOW);
	assert_int_equal(res.act, DHCPSRV_DROP);
	assert_non_null(strstr(res.why, "untrusted"));
	handle(SERVER, 1, NOW);
	assert_int_equal(res.act, DHCPSRV_SEND);
	assert_int_equal(res.dst, DHCPSRV_TO_RELAY);
	assert_true(res.dst_ip == 0x0a090001);
	assert_true((res.out.h.yiaddr & 0xffffff00) == 0x0a090000);
	parse_reply(buf, NULL);
	v = dhcp_opt(&rep, DHO_RELAY_AGENT, &len);
	assert_non_null(v);
	assert_int_equal(len, 6);
	/* Option 82 is the last option. */
	assert_int_equal(res.out.opt[res.out.nopts - 1].code, DHO_RELAY_AGENT);
	/* No subnet for the network: dropped. */
	mkreq(&h, DHCPDISCOVER, 0, 0, 0, 0, 0);
	handle(0xc0a80001, 0, NOW);
	assert_int_equal(res.act, DHCPSRV_DROP);
}

static void
test_loaded(void **state)
{
	struct lease_rec r;
	struct client a, b;

	(void)state;
	start(lab_conf);
	client(&a, 1);
	client(&b, 2);
	memset(&r, 0, sizeof r);
	r.ip = 0x0a002a0c;
	r.state = LEASE_ACTIVE;
	r.start = NOW - 10;
	r.end = NOW + 500;
	r.htype = 1;
	r.hlen = 6;
	memcpy(r.hw, a.mac, 6);
	dhcpsrv_free(&srv);
	srv = dhcpsrv_new(&conf);
	dhcpsrv_load(srv, &r, NOW);
	dhcpsrv_loaded(srv, NOW);
	/* a gets its address back; b is not given it. */
	mkreq(&b, DHCPREQUEST, 0, 0x0a002a0c, 0, 0, 0);
	handle(SERVER, 0, NOW);
	assert_int_equal(dhcp_msg_type_out(&res.out), DHCPNAK);
	assert_true(do_dora(&a, SERVER) == 0x0a002a0c);
	assert_true(do_dora(&b, SERVER) == 0x0a002a0a);
}

static void
test_big_pool(void **state)
{
	static const char big[] =
	    "ping-check false; default-lease-time 3600;\n"
	    "subnet 10.20.0.0 netmask 255.255.0.0 { range 10.20.0.10 10.20.255.250; }\n";
	struct dhcpsrv_stats st;
	struct client c;
	struct timespec t0, t1;
	unsigned i, fails = 0;
	uint8_t *used = calloc(65536, 1);
	double secs;

	(void)state;
	assert_non_null(used);
	start(big);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 60000; i++) {
		uint32_t ip;

		client(&c, i + 1);
		c.mac[3] = (uint8_t)(i >> 16);
		ip = do_dora(&c, 0x0a140001);
		if (ip == 0 || used[ip & 0xffff]) {
			fails++;
			continue;
		}
		used[ip & 0xffff] = 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("# 60000 DORA exchanges in a /16: %.3f s (%.0f/s)\n", secs,
	    60000 / secs);
	assert_int_equal(fails, 0);
	dhcpsrv_stats(srv, NOW, &st);
	assert_int_equal(st.active, 60000);
	free(used);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_seed_offer, stop),
		cmocka_unit_test_teardown(test_ping_timeout, stop),
		cmocka_unit_test_teardown(test_ranges, stop),
		cmocka_unit_test_teardown(test_renewal_churn, stop),
		cmocka_unit_test_teardown(test_states, stop),
		cmocka_unit_test_teardown(test_exhaustion, stop),
		cmocka_unit_test_teardown(test_reservation_and_relay, stop),
		cmocka_unit_test_teardown(test_loaded, stop),
		cmocka_unit_test_teardown(test_big_pool, stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
