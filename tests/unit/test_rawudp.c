/*
 * Unit tests for lib/rawudp: IPv4/UDP/Ethernet frames built and parsed
 * back, checksums against a known datagram, hostile headers refused,
 * ARP frames.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "rawudp.h"

static const uint8_t mac1[6] = { 0x02, 0, 0, 0, 0, 1 };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static long
sample(uint8_t *buf, size_t cap, const uint8_t *pl, size_t n)
{
	struct rawudp u;

	memset(&u, 0, sizeof u);
	memcpy(u.src_mac, mac1, 6);
	memcpy(u.dst_mac, bcast, 6);
	u.src_ip = 0;
	u.dst_ip = 0xffffffffu;
	u.src_port = 68;
	u.dst_port = 67;
	u.payload = pl;
	u.len = n;
	return rawudp_build_eth(&u, buf, cap);
}

static void
test_roundtrip(void **state)
{
	uint8_t buf[2048], pl[301];
	struct rawudp u;
	const char *why = NULL;
	long n;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof pl; i++)
		pl[i] = (uint8_t)(i * 7);
	n = sample(buf, sizeof buf, pl, sizeof pl);
	assert_int_equal(n, RAWUDP_HDRS + 301);
	assert_int_equal(rawudp_parse_eth(buf, (size_t)n, 0, &u, &why), 0);
	assert_int_equal(u.src_port, 68);
	assert_int_equal(u.dst_port, 67);
	assert_int_equal(u.dst_ip, 0xffffffffu);
	assert_int_equal(u.len, sizeof pl);
	assert_memory_equal(u.payload, pl, sizeof pl);
	assert_memory_equal(u.src_mac, mac1, 6);
	/* Ethernet padding after the IP datagram is ignored. */
	memset(buf + n, 0xee, 20);
	assert_int_equal(rawudp_parse_eth(buf, (size_t)n + 20, 0, &u, &why), 0);
	assert_int_equal(u.len, sizeof pl);
	/* Every truncation is refused, never read past. */
	for (i = 0; i < (size_t)n; i++)
		assert_int_equal(rawudp_parse_eth(buf, i, 0, &u, &why), -1);
	/* Too big for the buffer. */
	assert_int_equal(sample(buf, 100, pl, sizeof pl), -1);
	assert_int_equal(errno, E2BIG);
}

/* A datagram whose checksums were computed independently (RFC 1071 sum
 * in Python): 10.0.0.1:67 -> 10.0.0.2:68, payload "hello". */
static void
test_known_checksums(void **state)
{
	static const uint8_t want[] = { 0x45, 0x00, 0x00, 0x21, 0x00, 0x00,
		0x40, 0x00, 0x40, 0x11, 0x26, 0xca, 0x0a, 0x00, 0x00, 0x01, 0x0a,
		0x00, 0x00, 0x02, 0x00, 0x43, 0x00, 0x44, 0x00, 0x0d, 0xa7, 0x78,
		'h', 'e', 'l', 'l', 'o' };
	uint8_t buf[64];
	struct rawudp u;

	(void)state;
	memset(&u, 0, sizeof u);
	u.src_ip = 0x0a000001;
	u.dst_ip = 0x0a000002;
	u.src_port = 67;
	u.dst_port = 68;
	u.payload = (const uint8_t *)"hello";
	u.len = 5;
	assert_int_equal(rawudp_build_ip(&u, buf, sizeof buf), sizeof want);
	assert_memory_equal(buf, want, sizeof want);
}

static void
test_hostile(void **state)
{
	uint8_t buf[512], pl[40], copy[512];
	struct rawudp u;
	const char *why;
	long n;

	(void)state;
	memset(pl, 'x', sizeof pl);
	n = sample(buf, sizeof buf, pl, sizeof pl);
	assert_true(n > 0);
	memcpy(copy, buf, (size_t)n);
#define REFUSE(off, val, reason)                                           \
	do {                                                                \
		memcpy(buf, copy, (size_t)n);                               \
		buf[off] = (val);                                           \
		why = NULL;                                                 \
		assert_int_equal(rawudp_parse_eth(buf, (size_t)n, 0, &u, &why), \
		    -1);                                                    \
		assert_string_equal(why, reason);                           \
	} while (0)
	REFUSE(12, 0x86, "not an IPv4 frame");
	REFUSE(14, 0x65, "not IPv4");
	REFUSE(14, 0x44, "IP header length below 20");
	REFUSE(16, 0x7f, "IP total length outside the frame");
	REFUSE(22, 0x41, "bad IP header checksum");
	REFUSE(34 + 5, 0xff, "UDP length outside the IP payload");
	REFUSE(34 + 8, 'y', "bad UDP checksum");
	/* Unless the kernel says the checksum is not there yet. */
	assert_int_equal(rawudp_parse_eth(buf, (size_t)n, RAWUDP_NOCSUM, &u,
			     &why), 0);
	/* A zero UDP checksum means none. */
	memcpy(buf, copy, (size_t)n);
	buf[34 + 8] = 'y';
	buf[34 + 6] = buf[34 + 7] = 0;
	assert_int_equal(rawudp_parse_eth(buf, (size_t)n, 0, &u, &why), 0);
	/* A fragment: fix the header checksum so only the offset is wrong. */
	{
		struct rawudp v;
		uint8_t ip[512];
		long m;

		memset(&v, 0, sizeof v);
		v.payload = pl;
		v.len = 8;
		m = rawudp_build_ip(&v, ip, sizeof ip);
		ip[6] = 0x20; /* MF */
		ip[10] = ip[11] = 0;
		{
			uint32_t s = rawudp_sum(0, ip, 20);
			uint16_t ck = (uint16_t)~s;
			ip[10] = (uint8_t)(ck >> 8);
			ip[11] = (uint8_t)ck;
		}
		assert_int_equal(rawudp_parse_ip(ip, (size_t)m, 0, &v, &why),
		    -1);
		assert_string_equal(why, "IP fragment");
	}
}

static void
test_arp(void **state)
{
	struct rawudp_arp a, b;
	uint8_t buf[64];
	const char *why;
	long n;

	(void)state;
	memset(&a, 0, sizeof a);
	a.op = 1;
	memcpy(a.sha, mac1, 6);
	a.spa = 0;
	a.tpa = 0x0a000005;
	n = rawudp_build_arp(&a, NULL, buf, sizeof buf);
	assert_int_equal(n, 42);
	assert_memory_equal(buf, bcast, 6);
	assert_int_equal(rawudp_parse_arp(buf, (size_t)n, &b, &why), 0);
	assert_int_equal(b.op, 1);
	assert_int_equal(b.tpa, 0x0a000005);
	assert_int_equal(b.spa, 0);
	assert_memory_equal(b.sha, mac1, 6);
	assert_int_equal(rawudp_parse_arp(buf, 41, &b, &why), -1);
	buf[19] = 16;
	assert_int_equal(rawudp_parse_arp(buf, (size_t)n, &b, &why), -1);
	assert_int_equal(rawudp_build_arp(&a, NULL, buf, 41), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_known_checksums),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_arp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
