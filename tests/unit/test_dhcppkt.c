/*
 * Unit tests for lib/dhcppkt: parsing (good and hostile packets),
 * building (overload, splitting, padding, maximum size), option 82,
 * RFC 3397 domain search and RFC 3442 classless routes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dhcppkt.h"

static struct dhcp_msg msg;
static struct dhcp_out out;

/* A DHCPDISCOVER like the course material's client sends. */
static size_t
discover(uint8_t *p, size_t cap)
{
	static const uint8_t mac[6] = { 0x04, 0x8d, 0x38, 0xcf, 0x7d, 0x41 };
	static const uint8_t opts[] = { 53, 1, 1, 12, 6, 'd', 'e', 'b', 'i',
		'a', 'n', 55, 9, 1, 28, 2, 3, 15, 6, 119, 12, 44, 57, 2, 0x05,
		0xdc, 61, 7, 1, 0x04, 0x8d, 0x38, 0xcf, 0x7d, 0x41, 255 };
	size_t n = DHCP_MIN_LEN + sizeof opts;

	assert_true(cap >= n);
	memset(p, 0, n);
	p[0] = 1;
	p[1] = 1;
	p[2] = 6;
	p[4] = 0x12;
	p[5] = 0x34;
	p[6] = 0x56;
	p[7] = 0x78;
	p[10] = 0x80; /* broadcast flag */
	memcpy(p + 28, mac, 6);
	p[236] = 99;
	p[237] = 130;
	p[238] = 83;
	p[239] = 99;
	memcpy(p + DHCP_MIN_LEN, opts, sizeof opts);
	return n;
}

static void
test_parse_discover(void **state)
{
	uint8_t p[512];
	size_t n = discover(p, sizeof p), len;
	const uint8_t *v;
	const char *why = NULL;

	(void)state;
	assert_int_equal(dhcp_parse(p, n, &msg, &why), 0);
	assert_int_equal(msg.h.op, BOOTREQUEST);
	assert_int_equal(msg.h.hlen, 6);
	assert_true(msg.h.xid == 0x12345678u);
	assert_true(msg.h.flags == DHCP_FLAG_BROADCAST);
	assert_int_equal(dhcp_msg_type(&msg), DHCPDISCOVER);
	v = dhcp_opt(&msg, DHO_HOST_NAME, &len);
	assert_non_null(v);
	assert_int_equal(len, 6);
	assert_memory_equal(v, "debian", 6);
	v = dhcp_opt(&msg, DHO_PRL, &len);
	assert_int_equal(len, 9);
	assert_int_equal(v[6], 119);
	assert_int_equal(dhcp_max_reply(&msg), 1500 - 28);
	assert_false(dhcp_has(&msg, DHO_REQUESTED_IP));
	assert_true(dhcp_has(&msg, DHO_CLIENT_ID));
}

/* Parses and expects a refusal whose reason contains want. */
static void
refused(const uint8_t *p, size_t n, const char *want)
{
	const char *why = NULL;

	errno = 0;
	if (dhcp_parse(p, n, &msg, &why) != -1)
		fail_msg("accepted, expected \"%s\"", want);
	assert_non_null(why);
	if (strstr(why, want) == NULL)
		fail_msg("reason \"%s\", expected \"%s\"", why, want);
	assert_true(errno == EINVAL || errno == EMSGSIZE);
}

/* Replaces the options area of a DISCOVER with opts. */
static size_t
with_opts(uint8_t *p, const uint8_t *opts, size_t n)
{
	discover(p, 1024);
	memcpy(p + DHCP_MIN_LEN, opts, n);
	return DHCP_MIN_LEN + n;
}

static void
test_bad_header(void **state)
{
	uint8_t p[1024];
	size_t n, i;

	(void)state;
	n = discover(p, sizeof p);
	/* Every truncation inside the header and cookie is refused. */
	for (i = 0; i < DHCP_MIN_LEN; i++) {
		const char *why = NULL;

		assert_int_equal(dhcp_parse(p, i, &msg, &why), -1);
		assert_non_null(why);
	}
	refused(p, 100, "truncated");
	refused(p, 238, "cookie");
	p[2] = 17;
	refused(p, n, "hardware address length");
	p[2] = 6;
	p[0] = 3;
	refused(p, n, "op is neither");
	p[0] = 1;
	p[239] = 98;
	refused(p, n, "wrong magic cookie");
	p[239] = 99;
	assert_int_equal(dhcp_parse(p, n, &msg, NULL), 0);
	{
		uint8_t *big = calloc(1, DHCP_PKT_MAX + 1);

		assert_non_null(big);
		memcpy(big, p, n);
		refused(big, DHCP_PKT_MAX + 1, "too large");
		free(big);
	}
}

static void
test_bad_options(void **state)
{
	uint8_t p[1024];
	static const uint8_t past_end[] = { 53, 1, 1, 12, 10, 'a', 'b' };
	static const uint8_t no_len[] = { 53, 1, 1, 12 };
	static const uint8_t zero53[] = { 53, 0, 255 };
	static const uint8_t long53[] = { 53, 2, 1, 1, 255 };
	static const uint8_t type99[] = { 53, 1, 99, 255 };
	static const uint8_t short_ip[] = { 53, 1, 3, 50, 3, 10, 0, 0, 255 };
	static const uint8_t zero_host[] = { 53, 1, 1, 12, 0, 255 };
	static const uint8_t small57[] = { 53, 1, 1, 57, 2, 1, 0, 255 };
	static const uint8_t routers[] = { 53, 1, 1, 3, 6, 1, 2, 3, 4, 5, 6,
		255 };
	static const uint8_t junk_end[] = { 53, 1, 1, 255, 0, 7 };
	static const uint8_t ov_bad[] = { 53, 1, 1, 52, 1, 4, 255 };
	static const uint8_t ov_file[] = { 53, 1, 1, 52, 1, 1, 255 };
	static const uint8_t bad82[] = { 53, 1, 1, 82, 4, 1, 5, 'a', 'b',
		255 };
	static const uint8_t split53[] = { 53, 1, 1, 53, 1, 1, 255 };

	(void)state;
	refused(p, with_opts(p, past_end, sizeof past_end), "past the end");
	refused(p, with_opts(p, no_len, sizeof no_len), "length missing");
	refused(p, with_opts(p, zero53, sizeof zero53), "wrong length");
	refused(p, with_opts(p, long53, sizeof long53), "wrong length");
	refused(p, with_opts(p, type99, sizeof type99), "message type");
	refused(p, with_opts(p, short_ip, sizeof short_ip), "wrong length");
	refused(p, with_opts(p, zero_host, sizeof zero_host), "too short");
	refused(p, with_opts(p, small57, sizeof small57), "below 576");
	refused(p, with_opts(p, routers, sizeof routers), "multiple");
	refused(p, with_opts(p, junk_end, sizeof junk_end), "after the end");
	refused(p, with_opts(p, ov_bad, sizeof ov_bad), "overload value");
	refused(p, with_opts(p, bad82, sizeof bad82), "relay agent");
	/* Two instances of 53 concatenate to a 2-byte value. */
	refused(p, with_opts(p, split53, sizeof split53), "wrong length");

	/* Overload pointing at garbage in the file field. */
	with_opts(p, ov_file, sizeof ov_file);
	memset(p + 108, 0x41, 128);
	refused(p, DHCP_MIN_LEN + sizeof ov_file, "past the end");
	/* Overload inside the overloaded field. */
	memset(p + 108, 0, 128);
	p[108] = 52;
	p[109] = 1;
	p[110] = 2;
	p[111] = 255;
	refused(p, DHCP_MIN_LEN + sizeof ov_file, "inside an overloaded");
	/* A good file field is read; the overload option is recorded. */
	p[108] = 15;
	p[109] = 3;
	memcpy(p + 110, "abc", 3);
	p[113] = 255;
	assert_int_equal(dhcp_parse(p, DHCP_MIN_LEN + sizeof ov_file, &msg,
			     NULL), 0);
	assert_int_equal(msg.overload, 1);
	{
		size_t len;
		const uint8_t *v = dhcp_opt(&msg, DHO_DOMAIN_NAME, &len);

		assert_non_null(v);
		assert_int_equal(len, 3);
		assert_memory_equal(v, "abc", 3);
	}
}

/* Options split into instances and across fields concatenate in order. */
static void
test_concatenation(void **state)
{
	uint8_t p[1024];
	static const uint8_t opts[] = { 53, 1, 3, 52, 1, 3, 15, 2, 'a', 'b',
		255 };
	size_t n, len;
	const uint8_t *v;

	(void)state;
	n = with_opts(p, opts, sizeof opts);
	memset(p + 44, 0, 64 + 128);
	p[108] = 15; /* file: second part */
	p[109] = 2;
	p[110] = 'c';
	p[111] = 'd';
	p[112] = 255;
	p[44] = 15; /* sname: third part */
	p[45] = 1;
	p[46] = 'e';
	p[47] = 255;
	assert_int_equal(dhcp_parse(p, n, &msg, NULL), 0);
	v = dhcp_opt(&msg, DHO_DOMAIN_NAME, &len);
	assert_int_equal(len, 5);
	assert_memory_equal(v, "abcde", 5);
}

/* Flipping any byte of a good packet never crashes the parser. */
static void
test_mutations(void **state)
{
	uint8_t p[1024], q[1024];
	size_t n = discover(p, sizeof p), i;
	unsigned b;

	(void)state;
	for (i = 0; i < n; i++)
		for (b = 0; b < 8; b++) {
			memcpy(q, p, n);
			q[i] ^= (uint8_t)(1u << b);
			(void)dhcp_parse(q, n, &msg, NULL);
		}
	/* And every prefix either parses or is refused with a reason. */
	for (i = 0; i <= n; i++) {
		const char *why = NULL;

		if (dhcp_parse(p, i, &msg, &why) != 0)
			assert_non_null(why);
	}
}

static long
build(size_t max, uint8_t *buf, unsigned *dropped)
{
	return dhcp_build(&out, max, buf, DHCP_PKT_MAX, dropped);
}

static void
test_build_roundtrip(void **state)
{
	uint8_t buf[DHCP_PKT_MAX];
	static const uint8_t mac[6] = { 0x04, 0x8d, 0x38, 0xcf, 0x7d, 0x41 };
	unsigned dropped = 99;
	long n;
	uint32_t v;
	size_t len;
	const uint8_t *p;

	(void)state;
	dhcp_out_init(&out);
	out.h.op = BOOTREPLY;
	out.h.htype = 1;
	out.h.hlen = 6;
	out.h.xid = 0xdeadbeef;
	out.h.yiaddr = 0x0a002a0a;
	memcpy(out.h.chaddr, mac, 6);
	assert_int_equal(dhcp_out_add_u8(&out, DHO_MSG_TYPE, DHCPOFFER), 0);
	assert_int_equal(dhcp_out_add_u32(&out, DHO_SERVER_ID, 0x0a002a2a), 0);
	assert_int_equal(dhcp_out_add_u32(&out, DHO_LEASE_TIME, 600), 0);
	assert_int_equal(dhcp_out_add_u32(&out, DHO_SUBNET_MASK, 0xffffff00),
	    0);
	assert_int_equal(dhcp_out_add(&out, DHO_DOMAIN_NAME, "fai.com", 7), 0);
	assert_int_equal(dhcp_out_add_u8(&out, DHO_MSG_TYPE, 5), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(dhcp_out_add(&out, DHO_OVERLOAD, "\1", 1), -1);
	assert_int_equal(errno, EINVAL);
	assert_true(dhcp_out_has(&out, DHO_LEASE_TIME));

	n = build(548, buf, &dropped);
	assert_int_equal(n, DHCP_BOOTP_MIN); /* padded */
	assert_int_equal(dropped, 0);
	assert_int_equal(dhcp_parse(buf, (size_t)n, &msg, NULL), 0);
	assert_int_equal(msg.h.op, BOOTREPLY);
	assert_true(msg.h.xid == 0xdeadbeef);
	assert_true(msg.h.yiaddr == 0x0a002a0a);
	assert_memory_equal(msg.h.chaddr, mac, 6);
	assert_int_equal(dhcp_msg_type(&msg), DHCPOFFER);
	assert_int_equal(dhcp_opt_ip(&msg, DHO_SERVER_ID, &v), 0);
	assert_true(v == 0x0a002a2a);
	assert_int_equal(dhcp_opt_u32(&msg, DHO_LEASE_TIME, &v), 0);
	assert_int_equal(v, 600);
	p = dhcp_opt(&msg, DHO_DOMAIN_NAME, &len);
	assert_int_equal(len, 7);
	assert_memory_equal(p, "fai.com", 7);
	assert_int_equal(msg.overload, 0);
	/* The wire layout of the first options: 53 first. */
	assert_int_equal(buf[240], 53);
	assert_int_equal(buf[241], 1);
	assert_int_equal(buf[242], 2);
}

/* Long options split (RFC 3396) and spill into file/sname (option 52). */
static void
test_build_overload(void **state)
{
	uint8_t buf[DHCP_PKT_MAX], big[700];
	unsigned dropped = 99;
	size_t i, len;
	long n;
	const uint8_t *p;

	(void)state;
	for (i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)('a' + i % 26);
	dhcp_out_init(&out);
	out.h.op = BOOTREPLY;
	assert_int_equal(dhcp_out_add_u8(&out, DHO_MSG_TYPE, DHCPACK), 0);
	/* 400 bytes fit the default 548 only by splitting and spilling
	 * into the file field; 200 more fit nowhere; 6 go into the file. */
	assert_int_equal(dhcp_out_add(&out, 43, big, 400), 0);
	assert_int_equal(dhcp_out_add(&out, 60, big, 200), 0);
	assert_int_equal(dhcp_out_add(&out, 66, "tftp", 4), 0);
	n = build(548, buf, &dropped);
	assert_true(n > 0 && n <= 548);
	assert_int_equal(dhcp_parse(buf, (size_t)n, &msg, NULL), 0);
	assert_int_not_equal(msg.overload, 0);
	p = dhcp_opt(&msg, 43, &len);
	assert_int_equal(len, 400);
	assert_memory_equal(p, big, 400);
	assert_false(dhcp_has(&msg, 60));
	assert_true(dhcp_has(&msg, 66));
	assert_int_equal(dropped, 1);
	/* Whatever was dropped is counted; what came through is intact. */
	if (dhcp_has(&msg, 60)) {
		p = dhcp_opt(&msg, 60, &len);
		assert_int_equal(len, 200);
		assert_memory_equal(p, big, 200);
	}
	assert_int_equal(dropped, (unsigned)!dhcp_has(&msg, 60) +
	    (unsigned)!dhcp_has(&msg, 66));

	/* With a big enough maximum, nothing is dropped and no overload. */
	n = build(1500, buf, &dropped);
	assert_int_equal(dropped, 0);
	assert_int_equal(dhcp_parse(buf, (size_t)n, &msg, NULL), 0);
	assert_int_equal(msg.overload, 0);
	p = dhcp_opt(&msg, 60, &len);
	assert_int_equal(len, 200);

	/* A used file field is never overwritten by options. */
	memcpy(out.h.file, "pxelinux.0", 10);
	n = build(548, buf, &dropped);
	assert_true(n > 0);
	assert_int_equal(dhcp_parse(buf, (size_t)n, &msg, NULL), 0);
	assert_memory_equal(msg.h.file, "pxelinux.0", 11);
	assert_int_equal(msg.overload & DHCP_OVERLOAD_FILE, 0);
	assert_true(dropped > 0);
}

static void
test_max_size(void **state)
{
	uint8_t p[1024];
	static const uint8_t o1[] = { 53, 1, 1, 57, 2, 0x02, 0x40, 255 };
	static const uint8_t o2[] = { 53, 1, 1, 57, 2, 0xff, 0xff, 255 };
	static const uint8_t o3[] = { 53, 1, 1, 255 };

	(void)state;
	assert_int_equal(dhcp_parse(p, with_opts(p, o1, sizeof o1), &msg,
			     NULL), 0);
	assert_int_equal(dhcp_max_reply(&msg), 576 - 28);
	assert_int_equal(dhcp_parse(p, with_opts(p, o2, sizeof o2), &msg,
			     NULL), 0);
	assert_int_equal(dhcp_max_reply(&msg), DHCP_PKT_MAX);
	assert_int_equal(dhcp_parse(p, with_opts(p, o3, sizeof o3), &msg,
			     NULL), 0);
	assert_int_equal(dhcp_max_reply(&msg), 548);
}

static void
test_relay_agent(void **state)
{
	uint8_t b[64];
	struct dhcp_ra ra;
	long n;
	static const uint8_t bad1[] = { 1, 3, 'a' };
	static const uint8_t bad2[] = { 1 };
	static const uint8_t bad3[] = { 1, 0 };

	(void)state;
	n = dhcp_ra_build((const uint8_t *)"eth0", 4,
	    (const uint8_t *)"relay1", 6, b, sizeof b);
	assert_int_equal(n, 14);
	assert_int_equal(dhcp_ra_parse(b, (size_t)n, &ra), 0);
	assert_int_equal(ra.nsub, 2);
	assert_int_equal(ra.circuit_len, 4);
	assert_memory_equal(ra.circuit_id, "eth0", 4);
	assert_int_equal(ra.remote_len, 6);
	assert_memory_equal(ra.remote_id, "relay1", 6);
	assert_int_equal(dhcp_ra_build(b, 4, NULL, 0, b + 20, 5), -1);
	assert_int_equal(errno, E2BIG);
	assert_int_equal(dhcp_ra_parse(bad1, sizeof bad1, &ra), -1);
	assert_int_equal(dhcp_ra_parse(bad2, sizeof bad2, &ra), -1);
	assert_int_equal(dhcp_ra_parse(bad3, sizeof bad3, &ra), -1);
	assert_int_equal(dhcp_ra_parse(b, 0, &ra), -1);
}

static void
test_dnssearch(void **state)
{
	/* The example of RFC 3397 section 2. */
	static const char *const names[] = { "eng.apple.com",
		"marketing.apple.com." };
	static const uint8_t want[] = { 3, 'e', 'n', 'g', 5, 'a', 'p', 'p',
		'l', 'e', 3, 'c', 'o', 'm', 0, 9, 'm', 'a', 'r', 'k', 'e', 't',
		'i', 'n', 'g', 0xc0, 4 };
	static const char *const dup[] = { "a.b", "A.B", "c.a.b" };
	static const char *const bad1[] = { "a..b" };
	static const char *const bad2[] = { "" };
	static const char *const bad3[] = { "a b.c" };
	static const uint8_t loop[] = { 1, 'a', 0xc0, 0 };
	static const uint8_t fwd[] = { 0xc0, 2, 1, 'a', 0 };
	static const uint8_t trunc[] = { 3, 'a', 'b' };
	static const uint8_t noend[] = { 1, 'a' };
	static const uint8_t badch[] = { 1, '/', 0 };
	uint8_t b[300];
	char txt[300];
	long n;

	(void)state;
	n = dhcp_dnssearch_encode(names, 2, b, sizeof b);
	assert_int_equal(n, sizeof want);
	assert_memory_equal(b, want, sizeof want);
	assert_int_equal(dhcp_dnssearch_decode(b, (size_t)n, txt, sizeof txt),
	    2);
	assert_string_equal(txt, "eng.apple.com marketing.apple.com");

	/* A repeated name is one pointer; compression is case-blind. */
	n = dhcp_dnssearch_encode(dup, 3, b, sizeof b);
	assert_int_equal(n, 5 + 2 + 2 + 2);
	assert_int_equal(dhcp_dnssearch_decode(b, (size_t)n, txt, sizeof txt),
	    3);
	assert_string_equal(txt, "a.b a.b c.a.b");

	/* A name whose own labels repeat is not compressed into itself
	 * (the buffer is dirty, so pointing into it would show). */
	{
		static const char *const self[] = { "a.a.a" };

		memset(b, 0xc1, sizeof b);
		n = dhcp_dnssearch_encode(self, 1, b, sizeof b);
		assert_int_equal(n, 7);
		assert_int_equal(dhcp_dnssearch_decode(b, (size_t)n, txt,
				     sizeof txt), 1);
		assert_string_equal(txt, "a.a.a");
	}
	assert_int_equal(dhcp_dnssearch_encode(bad1, 1, b, sizeof b), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(dhcp_dnssearch_encode(bad2, 1, b, sizeof b), -1);
	assert_int_equal(dhcp_dnssearch_encode(bad3, 1, b, sizeof b), -1);
	assert_int_equal(dhcp_dnssearch_encode(names, 2, b, 10), -1);
	assert_int_equal(errno, E2BIG);

	assert_int_equal(dhcp_dnssearch_decode(loop, sizeof loop, txt,
			     sizeof txt), -1);
	assert_int_equal(dhcp_dnssearch_decode(fwd, sizeof fwd, txt,
			     sizeof txt), -1);
	assert_int_equal(dhcp_dnssearch_decode(trunc, sizeof trunc, txt,
			     sizeof txt), -1);
	assert_int_equal(dhcp_dnssearch_decode(noend, sizeof noend, txt,
			     sizeof txt), -1);
	assert_int_equal(dhcp_dnssearch_decode(badch, sizeof badch, txt,
			     sizeof txt), -1);
	n = dhcp_dnssearch_encode(names, 2, b, sizeof b);
	assert_int_equal(dhcp_dnssearch_decode(b, (size_t)n, txt, 10), -1);
	assert_int_equal(errno, E2BIG);
}

static void
test_routes(void **state)
{
	/* RFC 3442 section 3 examples of destination encodings. */
	static const struct dhcp_route r[] = {
		{ 0x00000000, 0, 0x0a000001 },
		{ 0x0a000000, 8, 0x0a000002 },
		{ 0x0a110000, 16, 0x0a000003 },
		{ 0x0a1b8100, 24, 0x0a000004 },
		{ 0x0a1b8150, 28, 0x0a000005 },
		{ 0x0a1b8151, 32, 0x0a000006 },
	};
	static const uint8_t head[] = { 0, 10, 0, 0, 1, 8, 10, 10, 0, 0, 2 };
	static const uint8_t bad_w[] = { 33, 1, 2, 3, 4, 5, 1, 2, 3, 4 };
	static const uint8_t bad_bits[] = { 8, 10 | 0, 10, 0, 0, 1, 7, 11, 1,
		2, 3, 4 };
	static const uint8_t bad_tr[] = { 24, 10, 0, 0, 1, 2 };
	struct dhcp_route d[8];
	uint8_t b[128];
	long n;
	int i;

	(void)state;
	n = dhcp_routes_encode(r, 6, b, sizeof b);
	assert_int_equal(n, 5 + 6 + 7 + 8 + 9 + 9);
	assert_memory_equal(b, head, sizeof head);
	assert_int_equal(dhcp_routes_decode(b, (size_t)n, d, 8), 6);
	for (i = 0; i < 6; i++) {
		assert_true(d[i].dest == r[i].dest);
		assert_int_equal(d[i].width, r[i].width);
		assert_true(d[i].router == r[i].router);
	}
	assert_int_equal(dhcp_routes_decode(b, (size_t)n, d, 5), -1);
	assert_int_equal(errno, E2BIG);
	assert_int_equal(dhcp_routes_decode(bad_w, sizeof bad_w, d, 8), -1);
	assert_int_equal(errno, EINVAL);
	/* 11.0.0.0/7 has a bit set beyond its width. */
	assert_int_equal(dhcp_routes_decode(bad_bits, sizeof bad_bits, d, 8),
	    -1);
	assert_int_equal(dhcp_routes_decode(bad_tr, sizeof bad_tr, d, 8), -1);
	assert_int_equal(dhcp_routes_encode(r, 6, b, 20), -1);
	assert_int_equal(errno, E2BIG);
}

static void
test_format(void **state)
{
	char ip[16], hw[48];
	static const uint8_t mac[6] = { 0, 0, 0xc0, 0x5d, 0xbd, 0x95 };

	(void)state;
	assert_string_equal(dhcp_ip_fmt(0xc0a80a0a, ip), "192.168.10.10");
	assert_string_equal(dhcp_hw_fmt(mac, 6, hw), "00:00:c0:5d:bd:95");
	assert_string_equal(dhcp_type_name(DHCPINFORM), "INFORM");
	assert_string_equal(dhcp_type_name(42), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_discover),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_concatenation),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_build_roundtrip),
		cmocka_unit_test(test_build_overload),
		cmocka_unit_test(test_max_size),
		cmocka_unit_test(test_relay_agent),
		cmocka_unit_test(test_dnssearch),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
