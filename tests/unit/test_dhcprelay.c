/*
 * Unit tests for lib/dhcprelay: requests get giaddr, hops and option 82
 * and keep everything else; the hop limit; the untrusted option 82
 * policies; replies checked, stripped and sent where RFC 1542 says;
 * hostile packets (truncated at every length, bad cookie, hlen over 16,
 * options past the end, no room for option 82, random mutations) are
 * never forwarded broken.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dhcppkt.h"
#include "dhcprelay.h"

#define IF_ADDR 0x0a010001u  /* 10.1.0.1/24 */
#define IF2_ADDR 0x0a020001u /* 10.2.0.1/24 */
#define SERVER 0xc0a80005u   /* 192.168.0.5 */

static struct relay_cfg cfg;
static struct dhcp_msg msg, msg2;
static uint8_t in[DHCP_PKT_MAX], out[DHCP_PKT_MAX];

static const uint8_t mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };

static void
setup_cfg(void)
{
	relay_cfg_init(&cfg);
	strcpy(cfg.ifs[0].name, "eth1");
	cfg.ifs[0].index = 3;
	cfg.ifs[0].addr = IF_ADDR;
	cfg.ifs[0].mask = 0xffffff00u;
	memcpy(cfg.ifs[0].circuit, "eth1", 4);
	cfg.ifs[0].circuit_len = 4;
	strcpy(cfg.ifs[1].name, "eth2");
	cfg.ifs[1].index = 4;
	cfg.ifs[1].addr = IF2_ADDR;
	cfg.ifs[1].mask = 0xffff0000u;
	memcpy(cfg.ifs[1].circuit, "port-2", 6);
	cfg.ifs[1].circuit_len = 6;
	cfg.nifs = 2;
	cfg.servers[0] = SERVER;
	cfg.servers[1] = 0xc0a80006u;
	cfg.nservers = 2;
	memcpy(cfg.remote, "relay-a", 7);
	cfg.remote_len = 7;
}

/* A DHCP message built with lib/dhcppkt; extra option 82 when ra. */
static size_t
make(uint8_t op, int type, uint8_t hops, uint32_t giaddr, const uint8_t *ra,
    size_t ralen)
{
	static struct dhcp_out o;
	long n;

	dhcp_out_init(&o);
	o.h.op = op;
	o.h.htype = 1;
	o.h.hlen = 6;
	o.h.hops = hops;
	o.h.xid = 0x12345678u;
	o.h.giaddr = giaddr;
	memcpy(o.h.chaddr, mac, 6);
	assert_int_equal(dhcp_out_add_u8(&o, DHO_MSG_TYPE, (uint8_t)type), 0);
	assert_int_equal(dhcp_out_add(&o, DHO_HOST_NAME, "kiwi", 4), 0);
	assert_int_equal(dhcp_out_add(&o, 250, "\x01\x02\x03", 3), 0);
	if (ra != NULL)
		assert_int_equal(dhcp_out_add(&o, DHO_RELAY_AGENT, ra, ralen),
		    0);
	n = dhcp_build(&o, DHCP_PKT_MAX, in, sizeof in, NULL);
	assert_true(n >= DHCP_BOOTP_MIN);
	return (size_t)n;
}

/* The position of the option 82 instances in the options field. */
static size_t
count82(const uint8_t *p, size_t n, size_t *at_r)
{
	size_t i = DHCP_MIN_LEN, k = 0;

	while (i < n && p[i] != DHO_END) {
		if (p[i] == DHO_PAD) {
			i++;
			continue;
		}
		if (p[i] == DHO_RELAY_AGENT) {
			k++;
			if (at_r != NULL)
				*at_r = i;
		}
		i += 2 + (size_t)p[i + 1];
	}
	return k;
}

static void
test_request_basic(void **state)
{
	enum relay_why why;
	const char *detail = "x";
	struct dhcp_ra ra;
	const uint8_t *v;
	size_t n, len, at = 0;
	long o;

	(void)state;
	setup_cfg();
	n = make(BOOTREQUEST, DHCPDISCOVER, 0, 0, NULL, 0);
	o = relay_request(&cfg, &cfg.ifs[0], in, n, out, sizeof out, &msg,
	    &why, &detail);
	assert_true(o >= DHCP_BOOTP_MIN);
	assert_int_equal(why, RW_OK);
	assert_null(detail);
	/* The header: hops + 1, giaddr, everything else as it was. */
	assert_int_equal(out[3], 1);
	assert_memory_equal(out + 24, "\x0a\x01\x00\x01", 4);
	assert_memory_equal(out, in, 3);
	assert_memory_equal(out + 4, in + 4, 20);
	assert_memory_equal(out + 28, in + 28, DHCP_MIN_LEN - 28);
	assert_int_equal(dhcp_parse(out, (size_t)o, &msg2, NULL), 0);
	assert_int_equal(dhcp_msg_type(&msg2), DHCPDISCOVER);
	v = dhcp_opt(&msg2, 250, &len);
	assert_non_null(v);
	assert_int_equal(len, 3);
	assert_memory_equal(v, "\x01\x02\x03", 3);
	v = dhcp_opt(&msg2, DHO_RELAY_AGENT, &len);
	assert_non_null(v);
	assert_int_equal(dhcp_ra_parse(v, len, &ra), 0);
	assert_int_equal(ra.circuit_len, 4);
	assert_memory_equal(ra.circuit_id, "eth1", 4);
	assert_int_equal(ra.remote_len, 7);
	assert_memory_equal(ra.remote_id, "relay-a", 7);
	/* Option 82 is the last option, right before the end option. */
	assert_int_equal(count82(out, (size_t)o, &at), 1);
	assert_int_equal(out[at + 2 + out[at + 1]], DHO_END);

	/* The second interface: its own circuit id and address. */
	o = relay_request(&cfg, &cfg.ifs[1], in, n, out, sizeof out, &msg,
	    &why, NULL);
	assert_true(o > 0);
	assert_memory_equal(out + 24, "\x0a\x02\x00\x01", 4);
	assert_int_equal(dhcp_parse(out, (size_t)o, &msg2, NULL), 0);
	v = dhcp_opt(&msg2, DHO_RELAY_AGENT, &len);
	assert_int_equal(dhcp_ra_parse(v, len, &ra), 0);
	assert_memory_equal(ra.circuit_id, "port-2", 6);

	/* No option 82 at all when it is turned off. */
	cfg.add_agent = 0;
	o = relay_request(&cfg, &cfg.ifs[0], in, n, out, sizeof out, &msg,
	    &why, NULL);
	assert_true(o > 0);
	assert_int_equal(dhcp_parse(out, (size_t)o, &msg2, NULL), 0);
	assert_false(dhcp_has(&msg2, DHO_RELAY_AGENT));
	assert_int_equal(msg2.h.giaddr, IF_ADDR);
	/* Nor when there is no circuit and no remote id. */
	cfg.add_agent = 1;
	cfg.remote_len = 0;
	cfg.ifs[0].circuit_len = 0;
	o = relay_request(&cfg, &cfg.ifs[0], in, n, out, sizeof out, &msg,
	    &why, NULL);
	assert_true(o > 0);
	assert_int_equal(dhcp_parse(out, (size_t)o, &msg2, NULL), 0);
	assert_false(dhcp_has(&msg2, DHO_RELAY_AGENT));
}

static void
test_request_hops(void **state)
{
	enum relay_why why;
	size_t n;
	long o;
	unsigned h;

	(void)state;
	setup_cfg();
	for (h = 0; h < 256; h++) {
		n = make(BOOTREQUEST, DHCPREQUEST, (uint8_t)h, 0, NULL, 0);
		o = relay_request(&cfg, &cfg.ifs[0], in, n, out, sizeof out,
		    &msg, &why, NULL);
		if (h < 4) {
			assert_true(o > 0);
			assert_int_equal(out[3], h + 1);
		} else {
			assert_int_equal(o, -1);
			assert_int_equal(why, RW_HOPS);
		}
	}
	/* A configured limit; never past RFC 1542's 16 whatever it says. */
	cfg.max_hops = 1;
	n = make(BOOTREQUEST, DHCPREQUEST, 1, 0, NULL, 0);
	assert_int_equal(relay_request(&cfg, &cfg.ifs[0], in, n, out,
			     sizeof out, &msg, &why, NULL), -1);
	assert_int_equal(why, RW_HOPS);
	cfg.max_hops = 200;
	n = make(BOOTREQUEST, DHCPREQUEST, 16, 0, NULL, 0);
	assert_int_equal(relay_request(&cfg, &cfg.ifs[0], in, n, out,
			     sizeof out, &msg, &why, NULL), -1);
	n = make(BOOTREQUEST, DHCPREQUEST, 15, 0, NULL, 0);
	assert_true(relay_request(&cfg, &cfg.ifs[0], in, n, out, sizeof out,
			&msg, &why, NULL) > 0);
	assert_int_equal(out[3], 16);
}

static const uint8_t client82[] = { 1, 3, 'e', 'v', 'l', 2, 1, 'x' };

static void
test_request_giaddr_set(void **state)
{
	enum relay_why why;
	const uint8_t *v;
	size_t n, len;
	long o;

	(void)state;
	setup_cfg();
	/* An earlier relay set giaddr: kept, no option 82 added. */
	n = make(BOOTREQUEST, DHCPDISCOVER, 1, 0x0a090001u, NULL, 0);
	o = relay_request(&cfg, &cfg.ifs[0], in, n, out, sizeof out, &msg,
	    &why, NULL);
	assert_true(o > 0);
	assert_int_equal(dhcp_parse(out, (size_t)o, &msg2, NULL), 0);
	assert_int_equal(msg2.h.giaddr, 0x0a090001u);
	assert_int_equal(msg2.h.hops, 2);
	assert_false(dhcp_has(&msg2, DHO_RELAY_AGENT));
	/* With that relay's option 82: kept as it is, whatever the policy. */
	n = make(BOOTREQUEST, DHCPDISCOVER, 1, 0x0a090001u, client82,
	    sizeof client82);
	o = relay_request(&cfg, &cfg.ifs[0], in, n, out, sizeof out, &msg,
	    &why, NULL);
	assert_true(o > 0);
	assert_int_equal(dhcp_parse(out, (size_t)o, &msg2, NULL), 0);
	v = dhcp_opt(&msg2, DHO_RELAY_AGENT, &len);
	assert_int_equal(len, sizeof client82);
	assert_memory_equal(v, client82, len);
	assert_int_equal(count82(out, (size_t)o, NULL), 1);
	/* giaddr is one of the relay's own addresses: spoofed (RFC 3046). */
	n = make(BOOTREQUEST, DHCPDISCOVER, 1, IF2_ADDR, NULL, 0);
	assert_int_equal(relay_request(&cfg, &cfg.ifs[0], in, n, out,
			     sizeof out, &msg, &why, NULL), -1);
	assert_int_equal(why, RW_SPOOFED_GIADDR);
	n = make(BOOTREQUEST, DHCPDISCOVER, 1, IF_ADDR, NULL, 0);
	assert_int_equal(relay_request(&cfg, &cfg.ifs[0], in, n, out,
			     sizeof out, &msg, &why, NULL), -1);
	assert_int_equal(why, RW_SPOOFED_GIADDR);
}

static void
test_request_untrusted_82(void **state)
{
	enum relay_why why;
	struct dhcp_ra ra;
	const uint8_t *v;
	size_t n, len;
	long o;

	(void)state;
	setup_cfg();
	n = make(BOOTREQUEST, DHCPDISCOVER, 0, 0, client82, sizeof client82);
	/* The default: dropped. */
	assert_int_equal(cfg.policy, RELAY_DROP);
	assert_int_equal(relay_request(&cfg, &cfg.ifs[0], in, n, out,
			     sizeof out, &msg, &why, NULL), -1);
	assert_int_equal(why, RW_UNTRUSTED_82);
	assert_string_equal(relay_why_name(why), "untrusted-option-82");
	/* Forwarded unchanged, nothing added. */
	cfg.policy = RELAY_FORWARD;
	o = relay_request(&cfg, &cfg.ifs[0], in, n, out, sizeof out, &msg,
	    &why, NULL);
	assert_true(o > 0);
	assert_int_equal(dhcp_parse(out, (size_t)o, &msg2, NULL), 0);
	v = dhcp_opt(&msg2, DHO_RELAY_AGENT, &len);
	assert_int_equal(len, sizeof client82);
	assert_memory_equal(v, client82, len);
	assert_int_equal(msg2.h.giaddr, IF_ADDR);
	/* Replaced by the relay's own. */
	cfg.policy = RELAY_REPLACE;
	o = relay_request(&cfg, &cfg.ifs[0], in, n, out, sizeof out, &msg,
	    &why, NULL);
	assert_true(o > 0);
	assert_int_equal(dhcp_parse(out, (size_t)o, &msg2, NULL), 0);
	v = dhcp_opt(&msg2, DHO_RELAY_AGENT, &len);
	assert_int_equal(dhcp_ra_parse(v, len, &ra), 0);
	assert_memory_equal(ra.circuit_id, "eth1", 4);
	assert_int_equal(count82(out, (size_t)o, NULL), 1);
	/* Replace with option 82 turned off: the client's is removed. */
	cfg.add_agent = 0;
	o = relay_request(&cfg, &cfg.ifs[0], in, n, out, sizeof out, &msg,
	    &why, NULL);
	assert_true(o > 0);
	assert_int_equal(dhcp_parse(out, (size_t)o, &msg2, NULL), 0);
	assert_false(dhcp_has(&msg2, DHO_RELAY_AGENT));
	/* Still dropped under the default with option 82 off. */
	cfg.policy = RELAY_DROP;
	assert_int_equal(relay_request(&cfg, &cfg.ifs[0], in, n, out,
			     sizeof out, &msg, &why, NULL), -1);
}

/* Option 82 hidden in the overloaded file field (RFC 2131 option 52). */
static void
test_request_82_in_file(void **state)
{
	enum relay_why why;
	struct dhcp_ra ra;
	const uint8_t *v;
	size_t n = DHCP_BOOTP_MIN, len, i;
	long o;

	(void)state;
	setup_cfg();
	memset(in, 0, sizeof in);
	in[0] = BOOTREQUEST;
	in[1] = 1;
	in[2] = 6;
	memcpy(in + 28, mac, 6);
	memcpy(in + 108, "\x52\x04\x01\x02zz\xff", 7);
	memcpy(in + 236, "\x63\x82\x53\x63\x35\x01\x01\x34\x01\x01\xff", 11);
	cfg.policy = RELAY_REPLACE;
	o = relay_request(&cfg, &cfg.ifs[0], in, n, out, sizeof out, &msg,
	    &why, NULL);
	assert_true(o > 0);
	assert_int_equal(dhcp_parse(out, (size_t)o, &msg2, NULL), 0);
	v = dhcp_opt(&msg2, DHO_RELAY_AGENT, &len);
	assert_non_null(v);
	assert_int_equal(dhcp_ra_parse(v, len, &ra), 0);
	assert_int_equal(ra.circuit_len, 4);
	assert_memory_equal(ra.circuit_id, "eth1", 4);
	for (i = 0; i < 6; i++)
		assert_int_equal(out[108 + i], DHO_PAD);
	assert_int_equal(out[114], DHO_END);
	cfg.policy = RELAY_DROP;
	assert_int_equal(relay_request(&cfg, &cfg.ifs[0], in, n, out,
			     sizeof out, &msg, &why, NULL), -1);
	assert_int_equal(why, RW_UNTRUSTED_82);
}

static void
test_request_no_room(void **state)
{
	static struct dhcp_out o;
	static uint8_t big[1300];
	enum relay_why why;
	long n, r;

	(void)state;
	setup_cfg();
	dhcp_out_init(&o);
	o.h.op = BOOTREQUEST;
	o.h.htype = 1;
	o.h.hlen = 6;
	memcpy(o.h.chaddr, mac, 6);
	memset(big, 'a', sizeof big);
	assert_int_equal(dhcp_out_add_u8(&o, DHO_MSG_TYPE, DHCPDISCOVER), 0);
	assert_int_equal(dhcp_out_add(&o, 224, big, sizeof big), 0);
	n = dhcp_build(&o, DHCP_PKT_MAX, in, sizeof in, NULL);
	assert_true(n > 1500 - 28 - 20);
	/* Within 1472 bytes without option 82, not with it: dropped. */
	assert_true(n + 2 + 6 + 9 > 1472);
	r = relay_request(&cfg, &cfg.ifs[0], in, (size_t)n, out, sizeof out,
	    &msg, &why, NULL);
	assert_int_equal(r, -1);
	assert_int_equal(why, RW_NO_ROOM);
	/* A larger limit lets it through. */
	cfg.max_len = 2000;
	r = relay_request(&cfg, &cfg.ifs[0], in, (size_t)n, out, sizeof out,
	    &msg, &why, NULL);
	assert_true(r > n);
	assert_true(r <= 2000);
	/* The output buffer is a limit too. */
	r = relay_request(&cfg, &cfg.ifs[0], in, (size_t)n, out, (size_t)n,
	    &msg, &why, NULL);
	assert_int_equal(r, -1);
	/* Circuit and remote id too long for one option together. */
	cfg.max_len = 2000;
	memset(cfg.ifs[0].circuit, 'c', 200);
	cfg.ifs[0].circuit_len = 200;
	memset(cfg.remote, 'r', 200);
	cfg.remote_len = 200;
	n = (long)make(BOOTREQUEST, DHCPDISCOVER, 0, 0, NULL, 0);
	r = relay_request(&cfg, &cfg.ifs[0], in, (size_t)n, out, sizeof out,
	    &msg, &why, NULL);
	assert_int_equal(r, -1);
	assert_int_equal(why, RW_NO_ROOM);
}

/* Every way to be malformed gets -1 and a reason; nothing goes out. */
static void
test_request_malformed(void **state)
{
	enum relay_why why;
	const char *detail;
	size_t n, i;

	(void)state;
	setup_cfg();
	n = make(BOOTREQUEST, DHCPDISCOVER, 0, 0, NULL, 0);
	/* Truncated anywhere before the end of the cookie. */
	for (i = 0; i < DHCP_MIN_LEN; i++) {
		detail = NULL;
		assert_int_equal(relay_request(&cfg, &cfg.ifs[0], in, i, out,
				     sizeof out, &msg, &why, &detail), -1);
		assert_int_equal(why, RW_MALFORMED);
		assert_non_null(detail);
	}
	/* Wrong cookie. */
	in[238] ^= 1;
	assert_int_equal(relay_request(&cfg, &cfg.ifs[0], in, n, out,
			     sizeof out, &msg, &why, &detail), -1);
	assert_int_equal(why, RW_MALFORMED);
	in[238] ^= 1;
	/* hlen over 16. */
	in[2] = 17;
	assert_int_equal(relay_request(&cfg, &cfg.ifs[0], in, n, out,
			     sizeof out, &msg, &why, &detail), -1);
	assert_int_equal(why, RW_MALFORMED);
	in[2] = 6;
	/* An option running past the end of the packet. */
	in[240 + 3 + 1] = 200; /* the host name's length */
	assert_int_equal(relay_request(&cfg, &cfg.ifs[0], in, n, out,
			     sizeof out, &msg, &why, &detail), -1);
	assert_int_equal(why, RW_MALFORMED);
	in[240 + 3 + 1] = 4;
	/* A reply arriving from the client side. */
	in[0] = BOOTREPLY;
	assert_int_equal(relay_request(&cfg, &cfg.ifs[0], in, n, out,
			     sizeof out, &msg, &why, &detail), -1);
	assert_int_equal(why, RW_WRONG_OP);
	in[0] = 7;
	assert_int_equal(relay_request(&cfg, &cfg.ifs[0], in, n, out,
			     sizeof out, &msg, &why, &detail), -1);
	assert_int_equal(why, RW_MALFORMED);
	in[0] = BOOTREQUEST;
	/* Over the largest packet. */
	assert_int_equal(relay_request(&cfg, &cfg.ifs[0], in, DHCP_PKT_MAX + 1,
			     out, sizeof out, &msg, &why, &detail), -1);
	/* Broken option 82 sub-options from a client under "forward". */
	cfg.policy = RELAY_FORWARD;
	n = make(BOOTREQUEST, DHCPDISCOVER, 0, 0,
	    (const uint8_t *)"\x01\x05" "ab", 4);
	assert_int_equal(relay_request(&cfg, &cfg.ifs[0], in, n, out,
			     sizeof out, &msg, &why, &detail), -1);
	assert_int_equal(why, RW_MALFORMED);
	/* And the good one still goes. */
	n = make(BOOTREQUEST, DHCPDISCOVER, 0, 0, NULL, 0);
	assert_true(relay_request(&cfg, &cfg.ifs[0], in, n, out, sizeof out,
			&msg, &why, &detail) > 0);
}

/*
 * Every prefix of a request and a bounded run of random mutations:
 * whatever is forwarded parses, carries the relay's giaddr and exactly
 * one option 82, and ends within the limits.
 */
static void
test_request_hostile(void **state)
{
	static uint8_t orig[DHCP_PKT_MAX];
	enum relay_why why;
	size_t n, i, k, len;
	unsigned seed = 12345;
	long o;

	(void)state;
	setup_cfg();
	n = make(BOOTREQUEST, DHCPREQUEST, 0, 0, NULL, 0);
	memcpy(orig, in, n);
	for (i = 0; i <= n; i++) {
		o = relay_request(&cfg, &cfg.ifs[0], in, i, out, sizeof out,
		    &msg, &why, NULL);
		if (o < 0) {
			assert_int_not_equal(why, RW_OK);
			continue;
		}
		assert_true(o >= DHCP_BOOTP_MIN && (size_t)o <= cfg.max_len);
		assert_int_equal(dhcp_parse(out, (size_t)o, &msg2, NULL), 0);
		assert_int_equal(msg2.h.giaddr, IF_ADDR);
		assert_int_equal(count82(out, (size_t)o, NULL), 1);
	}
	for (k = 0; k < 20000; k++) {
		memcpy(in, orig, n);
		len = n;
		for (i = 0; i < 1 + k % 6; i++) {
			seed = seed * 1103515245u + 12345u;
			in[DHCP_MIN_LEN + (seed >> 8) % (n - DHCP_MIN_LEN)] =
			    (uint8_t)(seed >> 20);
		}
		if (k % 3 == 0)
			len = DHCP_MIN_LEN + (seed >> 4) % (n - DHCP_MIN_LEN);
		in[3] = (uint8_t)(k % 5);
		o = relay_request(&cfg, &cfg.ifs[0], in, len, out, sizeof out,
		    &msg, &why, NULL);
		if (o < 0)
			continue;
		assert_int_equal(why, RW_OK);
		assert_true(o >= DHCP_BOOTP_MIN && (size_t)o <= cfg.max_len);
		assert_int_equal(dhcp_parse(out, (size_t)o, &msg2, NULL), 0);
		assert_int_equal(msg2.h.hops, in[3] + 1);
		assert_true(dhcp_has(&msg2, DHO_RELAY_AGENT));
		if (msg.h.giaddr == 0)
			assert_int_equal(msg2.h.giaddr, IF_ADDR);
	}
}

static void
test_for_us(void **state)
{
	(void)state;
	setup_cfg();
	assert_true(relay_for_us(&cfg.ifs[0], 0xffffffffu));
	assert_true(relay_for_us(&cfg.ifs[0], IF_ADDR));
	assert_true(relay_for_us(&cfg.ifs[0], 0x0a0100ffu));
	assert_false(relay_for_us(&cfg.ifs[0], 0x0a010002u));
	assert_false(relay_for_us(&cfg.ifs[0], SERVER));
	assert_false(relay_for_us(&cfg.ifs[0], 0x0a0200ffu));
	assert_true(relay_for_us(&cfg.ifs[1], 0x0a02ffffu));
	/* A /31 or /32 has no subnet broadcast address. */
	cfg.ifs[0].addr = 0x0a010002u;
	cfg.ifs[0].mask = 0xfffffffeu;
	assert_false(relay_for_us(&cfg.ifs[0], 0x0a010003u));
	assert_true(relay_for_us(&cfg.ifs[0], 0x0a010002u));
	cfg.ifs[0].mask = 0xffffffffu;
	assert_false(relay_for_us(&cfg.ifs[0], 0x0a010003u));
	cfg.ifs[0].mask = 0xfffffffcu;
	assert_true(relay_for_us(&cfg.ifs[0], 0x0a010003u));
}

/* A reply as a server sends it back for what the relay forwarded. */
static size_t
make_reply(int type, uint32_t giaddr, uint16_t flags, uint32_t ciaddr,
    uint32_t yiaddr, const uint8_t *ra, size_t ralen)
{
	static struct dhcp_out o;
	long n;

	dhcp_out_init(&o);
	o.h.op = BOOTREPLY;
	o.h.htype = 1;
	o.h.hlen = 6;
	o.h.hops = 1;
	o.h.xid = 0x12345678u;
	o.h.flags = flags;
	o.h.ciaddr = ciaddr;
	o.h.yiaddr = yiaddr;
	o.h.giaddr = giaddr;
	memcpy(o.h.chaddr, mac, 6);
	assert_int_equal(dhcp_out_add_u8(&o, DHO_MSG_TYPE, (uint8_t)type), 0);
	assert_int_equal(dhcp_out_add_u32(&o, DHO_SERVER_ID, SERVER), 0);
	assert_int_equal(dhcp_out_add_u32(&o, DHO_LEASE_TIME, 600), 0);
	if (ra != NULL)
		assert_int_equal(dhcp_out_add(&o, DHO_RELAY_AGENT, ra, ralen),
		    0);
	n = dhcp_build(&o, DHCP_PKT_MAX, in, sizeof in, NULL);
	assert_true(n >= DHCP_BOOTP_MIN);
	return (size_t)n;
}

static void
test_reply(void **state)
{
	uint8_t ours[255], theirs[255];
	struct relay_dst d;
	enum relay_why why;
	size_t n;
	long o, alen;
	uint32_t lease;

	(void)state;
	setup_cfg();
	alen = relay_agent_value(&cfg, &cfg.ifs[0], ours, sizeof ours);
	assert_int_equal(alen, 2 + 4 + 2 + 7);

	/* An OFFER to a client without an address: at its hardware address,
	 * on the interface giaddr names, option 82 gone. */
	n = make_reply(DHCPOFFER, IF_ADDR, 0, 0, 0x0a010064u, ours,
	    (size_t)alen);
	o = relay_reply(&cfg, SERVER, in, n, out, sizeof out, &msg, &d, &why,
	    NULL);
	assert_true(o >= DHCP_BOOTP_MIN);
	assert_int_equal(why, RW_OK);
	assert_int_equal(d.kind, RELAY_TO_LINK);
	assert_int_equal(d.ifi, 0);
	assert_int_equal(d.ip, 0x0a010064u);
	assert_memory_equal(d.mac, mac, 6);
	assert_int_equal(dhcp_parse(out, (size_t)o, &msg2, NULL), 0);
	assert_false(dhcp_has(&msg2, DHO_RELAY_AGENT));
	assert_int_equal(dhcp_msg_type(&msg2), DHCPOFFER);
	assert_int_equal(dhcp_opt_u32(&msg2, DHO_LEASE_TIME, &lease), 0);
	assert_int_equal(lease, 600);
	assert_int_equal(msg2.h.yiaddr, 0x0a010064u);
	assert_int_equal(msg2.h.giaddr, IF_ADDR);
	assert_int_equal(count82(out, (size_t)o, NULL), 0);
	/* The second server is known too; without option 82 is fine. */
	n = make_reply(DHCPACK, IF_ADDR, 0, 0, 0x0a010064u, NULL, 0);
	assert_true(relay_reply(&cfg, 0xc0a80006u, in, n, out, sizeof out,
			&msg, &d, &why, NULL) > 0);
	/* Broadcast bit. */
	n = make_reply(DHCPOFFER, IF_ADDR, DHCP_FLAG_BROADCAST, 0,
	    0x0a010064u, ours, (size_t)alen);
	assert_true(relay_reply(&cfg, SERVER, in, n, out, sizeof out, &msg,
			&d, &why, NULL) > 0);
	assert_int_equal(d.kind, RELAY_TO_BROADCAST);
	assert_int_equal(d.ip, 0xffffffffu);
	/* A client that has its address (INFORM, rebinding): UDP to it. */
	n = make_reply(DHCPACK, IF_ADDR, 0, 0x0a010064u, 0, ours,
	    (size_t)alen);
	assert_true(relay_reply(&cfg, SERVER, in, n, out, sizeof out, &msg,
			&d, &why, NULL) > 0);
	assert_int_equal(d.kind, RELAY_TO_UDP);
	assert_int_equal(d.ip, 0x0a010064u);
	/* A NAK is broadcast even without the flag. */
	n = make_reply(DHCPNAK, IF_ADDR, 0, 0x0a010064u, 0, NULL, 0);
	assert_true(relay_reply(&cfg, SERVER, in, n, out, sizeof out, &msg,
			&d, &why, NULL) > 0);
	assert_int_equal(d.kind, RELAY_TO_BROADCAST);
	/* The second interface. */
	alen = relay_agent_value(&cfg, &cfg.ifs[1], theirs, sizeof theirs);
	n = make_reply(DHCPOFFER, IF2_ADDR, 0, 0, 0x0a020064u, theirs,
	    (size_t)alen);
	assert_true(relay_reply(&cfg, SERVER, in, n, out, sizeof out, &msg,
			&d, &why, NULL) > 0);
	assert_int_equal(d.ifi, 1);
}

static void
test_reply_refused(void **state)
{
	uint8_t ours[255], other[255];
	struct relay_dst d;
	enum relay_why why;
	size_t n, i;
	long alen, olen, o;

	(void)state;
	setup_cfg();
	alen = relay_agent_value(&cfg, &cfg.ifs[0], ours, sizeof ours);
	olen = relay_agent_value(&cfg, &cfg.ifs[1], other, sizeof other);
	n = make_reply(DHCPOFFER, IF_ADDR, 0, 0, 0x0a010064u, ours,
	    (size_t)alen);
	/* From someone who is not a configured server. */
	assert_int_equal(relay_reply(&cfg, 0xc0a80007u, in, n, out,
			     sizeof out, &msg, &d, &why, NULL), -1);
	assert_int_equal(why, RW_UNKNOWN_SERVER);
	assert_int_equal(relay_reply(&cfg, IF_ADDR, in, n, out, sizeof out,
			     &msg, &d, &why, NULL), -1);
	/* A request on the server side. */
	in[0] = BOOTREQUEST;
	assert_int_equal(relay_reply(&cfg, SERVER, in, n, out, sizeof out,
			     &msg, &d, &why, NULL), -1);
	assert_int_equal(why, RW_WRONG_OP);
	in[0] = BOOTREPLY;
	/* giaddr that is none of ours. */
	n = make_reply(DHCPOFFER, 0x0a030001u, 0, 0, 0x0a030064u, ours,
	    (size_t)alen);
	assert_int_equal(relay_reply(&cfg, SERVER, in, n, out, sizeof out,
			     &msg, &d, &why, NULL), -1);
	assert_int_equal(why, RW_BAD_GIADDR);
	n = make_reply(DHCPOFFER, 0, 0, 0, 0x0a030064u, NULL, 0);
	assert_int_equal(relay_reply(&cfg, SERVER, in, n, out, sizeof out,
			     &msg, &d, &why, NULL), -1);
	/* Option 82 of the other interface, or of nobody. */
	n = make_reply(DHCPOFFER, IF_ADDR, 0, 0, 0x0a010064u, other,
	    (size_t)olen);
	assert_int_equal(relay_reply(&cfg, SERVER, in, n, out, sizeof out,
			     &msg, &d, &why, NULL), -1);
	assert_int_equal(why, RW_FOREIGN_82);
	n = make_reply(DHCPOFFER, IF_ADDR, 0, 0, 0x0a010064u, client82,
	    sizeof client82);
	assert_int_equal(relay_reply(&cfg, SERVER, in, n, out, sizeof out,
			     &msg, &d, &why, NULL), -1);
	assert_int_equal(why, RW_FOREIGN_82);
	/* A different remote id. */
	ours[alen - 1] ^= 1;
	n = make_reply(DHCPOFFER, IF_ADDR, 0, 0, 0x0a010064u, ours,
	    (size_t)alen);
	assert_int_equal(relay_reply(&cfg, SERVER, in, n, out, sizeof out,
			     &msg, &d, &why, NULL), -1);
	/* Under "forward" a client's own option 82 comes back to it. */
	cfg.policy = RELAY_FORWARD;
	n = make_reply(DHCPOFFER, IF_ADDR, 0, 0, 0x0a010064u, client82,
	    sizeof client82);
	o = relay_reply(&cfg, SERVER, in, n, out, sizeof out, &msg, &d, &why,
	    NULL);
	assert_true(o > 0);
	assert_int_equal(dhcp_parse(out, (size_t)o, &msg2, NULL), 0);
	assert_true(dhcp_has(&msg2, DHO_RELAY_AGENT));
	/* Malformed replies, truncated anywhere. */
	cfg.policy = RELAY_DROP;
	ours[alen - 1] ^= 1;
	n = make_reply(DHCPOFFER, IF_ADDR, 0, 0, 0x0a010064u, ours,
	    (size_t)alen);
	for (i = 0; i < n; i++) {
		o = relay_reply(&cfg, SERVER, in, i, out, sizeof out,
		    &msg, &d, &why, NULL);

		if (o >= 0) {
			assert_int_equal(dhcp_parse(out, (size_t)o, &msg2,
					     NULL), 0);
			assert_false(dhcp_has(&msg2, DHO_RELAY_AGENT));
		} else {
			assert_int_not_equal(why, RW_OK);
		}
	}
	in[2] = 17;
	assert_int_equal(relay_reply(&cfg, SERVER, in, n, out, sizeof out,
			     &msg, &d, &why, NULL), -1);
	assert_int_equal(why, RW_MALFORMED);
}

static void
test_why_names(void **state)
{
	int w;

	(void)state;
	for (w = 0; w < RW_NWHY; w++) {
		assert_non_null(relay_why_name((enum relay_why)w));
		assert_string_not_equal(relay_why_name((enum relay_why)w),
		    "?");
	}
	assert_string_equal(relay_why_name(RW_NWHY), "?");
	assert_string_equal(relay_why_name((enum relay_why)-1), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_basic),
		cmocka_unit_test(test_request_hops),
		cmocka_unit_test(test_request_giaddr_set),
		cmocka_unit_test(test_request_untrusted_82),
		cmocka_unit_test(test_request_82_in_file),
		cmocka_unit_test(test_request_no_room),
		cmocka_unit_test(test_request_malformed),
		cmocka_unit_test(test_request_hostile),
		cmocka_unit_test(test_for_us),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_reply_refused),
		cmocka_unit_test(test_why_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
