/*
 * Unit tests for lib/dhcpisc: an ISC dhcpd 4.4 lease file as it writes
 * them (both date forms, uid as an escaped string and as hex, states,
 * declarations to skip), and malformed files refused with a position.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "dhcpisc.h"

struct got {
	struct lease_rec r[16];
	size_t n;
};

static void
collect(void *ctx, const struct lease_rec *r)
{
	struct got *g = ctx;

	if (g->n < 16)
		g->r[g->n] = *r;
	g->n++;
}

static const char sample[] =
    "# The format of this file is documented in the dhcpd.leases(5) manual page.\n"
    "# This lease file was written by isc-dhcp-4.4.3-P1\n"
    "\n"
    "# authoring-byte-order entry is generated, DO NOT DELETE\n"
    "authoring-byte-order little-endian;\n"
    "\n"
    "server-duid \"\\000\\001\\000\\001-\\017\\241\\247\\002B\\254\\021\\000\\002\";\n"
    "\n"
    "lease 10.0.42.10 {\n"
    "  starts 4 2026/12/03 10:00:00;\n"
    "  ends 5 2026/12/04 10:00:00;\n"
    "  cltt 4 2026/12/03 10:00:00;\n"
    "  binding state active;\n"
    "  next binding state free;\n"
    "  rewind binding state free;\n"
    "  hardware ethernet 04:8d:38:cf:7d:41;\n"
    "  uid \"\\001\\004\\2158\\317}A\";\n"
    "  set vendor-class-identifier = \"MSFT 5.0\";\n"
    "  client-hostname \"debian box\";\n"
    "}\n"
    "lease 10.0.42.11 {\n"
    "  starts epoch 1796292000; # Thu Dec 03 10:00:00 2026\n"
    "  ends never;\n"
    "  tstp 4 2026/12/03 10:00:00;\n"
    "  binding state abandoned;\n"
    "  on expiry { set x = \"y\"; }\n"
    "  hardware ethernet 2:0:0:0:0:b;\n"
    "  uid 01:02:00:00:00:00:0b;\n"
    "}\n"
    "failover peer \"peer\" state {\n"
    "  my state normal at 4 2026/12/03 10:00:00;\n"
    "  partner state normal at 4 2026/12/03 10:00:00;\n"
    "}\n"
    "host fixed1 { dynamic; hardware ethernet 02:00:00:00:00:05; fixed-address 10.0.42.5; }\n"
    "lease 10.0.42.10 {\n"
    "  starts 4 2026/12/03 11:00:00;\n"
    "  ends 4 2026/12/03 11:00:00;\n"
    "  binding state free;\n"
    "  hardware token-ring 00:11:22:33:44:55;\n"
    "}\n"
    "lease 10.0.42.12 {\n"
    "  starts 2 2000/02/29 23:59:59;\n"
    "  ends 2 2000/02/29 23:59:59;\n"
    "  binding state expired;\n"
    "}\n";

static void
test_sample(void **state)
{
	static const uint8_t uid[] = { 1, 4, 0x8d, 0x38, 0xcf, 0x7d, 0x41 };
	static struct got g;
	struct dhcpisc_err err;

	(void)state;
	memset(&g, 0, sizeof g);
	assert_int_equal(dhcpisc_parse(sample, sizeof sample - 1, collect, &g,
			     &err), 4);
	assert_int_equal(g.n, 4);
	/* In file order: a later declaration of .10 replaces the first. */
	assert_true(g.r[0].ip == 0x0a002a0a);
	assert_int_equal(g.r[0].state, LEASE_ACTIVE);
	assert_true(g.r[0].start == 1796292000);
	assert_true(g.r[0].end == 1796378400);
	assert_int_equal(g.r[0].htype, 1);
	assert_int_equal(g.r[0].hlen, 6);
	assert_memory_equal(g.r[0].hw, "\x04\x8d\x38\xcf\x7d\x41", 6);
	assert_int_equal(g.r[0].cidlen, sizeof uid);
	assert_memory_equal(g.r[0].cid, uid, sizeof uid);
	assert_string_equal(g.r[0].host, "debian_box");

	assert_true(g.r[1].ip == 0x0a002a0b);
	assert_int_equal(g.r[1].state, LEASE_ABANDONED);
	assert_true(g.r[1].start == 1796292000);
	assert_true(g.r[1].end == INT32_MAX);
	assert_memory_equal(g.r[1].hw, "\x02\0\0\0\0\x0b", 6);
	assert_int_equal(g.r[1].cidlen, 7);
	assert_memory_equal(g.r[1].cid, "\x01\x02\0\0\0\0\x0b", 7);
	assert_string_equal(g.r[1].host, "");

	assert_true(g.r[2].ip == 0x0a002a0a);
	assert_int_equal(g.r[2].state, LEASE_FREE);
	assert_int_equal(g.r[2].hlen, 0); /* not ethernet: no address */

	assert_true(g.r[3].ip == 0x0a002a0c);
	assert_int_equal(g.r[3].state, LEASE_FREE);
	assert_true(g.r[3].start == 951868799); /* a leap day */

	/* An empty file, and one with only other declarations. */
	memset(&g, 0, sizeof g);
	assert_int_equal(dhcpisc_parse("", 0, collect, &g, &err), 0);
	assert_int_equal(dhcpisc_parse("# x\nserver-duid \"a\";\n", 20,
			     collect, &g, &err), 0);
	assert_int_equal(g.n, 0);
}

static void
bad(const char *text, unsigned line, unsigned col, const char *why)
{
	static struct got g;
	struct dhcpisc_err err;

	memset(&g, 0, sizeof g);
	if (dhcpisc_parse(text, strlen(text), collect, &g, &err) != -1)
		fail_msg("accepted: %s", text);
	if (err.line != line || err.col != col ||
	    strstr(err.reason, why) == NULL)
		fail_msg("%s: got %u:%u: %s, want %u:%u: %s", text, err.line,
		    err.col, err.reason, line, col, why);
}

static void
test_bad(void **state)
{
	(void)state;
	bad("lease 10.0.42 { }\n", 1, 7, "IPv4 address");
	bad("lease 10.0.42.300 { }\n", 1, 7, "IPv4 address");
	bad("lease 10.0.42.1 ;\n", 1, 17, "'{'");
	bad("lease 10.0.42.1 {\n  starts 4 2026/13/03 10:00:00;\n}\n", 2, 12,
	    "YYYY/MM/DD");
	bad("lease 10.0.42.1 {\n  ends 9 2026/12/03 10:00:00;\n}\n", 2, 8,
	    "weekday");
	bad("lease 10.0.42.1 {\n  ends 4 2026/12/03 25:00:00;\n}\n", 2, 21,
	    "HH:MM:SS");
	bad("lease 10.0.42.1 {\n  ends epoch 12x;\n}\n", 2, 14, "epoch");
	bad("lease 10.0.42.1 {\n  binding state weird;\n}\n", 2, 17,
	    "binding state");
	bad("lease 10.0.42.1 {\n  hardware ethernet 1:2:3;\n}\n", 2, 21,
	    "ethernet address");
	bad("lease 10.0.42.1 {\n  uid \"abc\n", 2, 7, "unterminated string");
	bad("lease 10.0.42.1 {\n  uid \"\\777\";\n}\n", 2, 7, "octal");
	bad("lease 10.0.42.1 {\n  binding state active\n}\n", 3, 1, "';'");
	bad("lease 10.0.42.1 {\n  binding state active;\n", 3, 1,
	    "end of file");
	bad("}\n", 1, 1, "unbalanced");
	bad("server-duid \"x\"\n", 2, 1, "end of file");
	bad("lease 10.0.42.1 { \x01 }\n", 1, 19, "unexpected byte");
}

static void
test_limits(void **state)
{
	static char text[8192];
	static struct got g;
	struct dhcpisc_err err;
	size_t n;

	(void)state;
	/* A token over DHCPISC_TOKEN_MAX. */
	n = (size_t)snprintf(text, sizeof text, "lease 10.0.0.1 { uid \"");
	memset(text + n, 'a', DHCPISC_TOKEN_MAX + 1);
	n += DHCPISC_TOKEN_MAX + 1;
	n += (size_t)snprintf(text + n, sizeof text - n, "\"; }\n");
	assert_int_equal(dhcpisc_parse(text, n, collect, &g, &err), -1);
	assert_non_null(strstr(err.reason, "too long"));
	/* A uid over LEASE_CID_MAX. */
	n = (size_t)snprintf(text, sizeof text, "lease 10.0.0.1 { uid \"");
	memset(text + n, 'a', LEASE_CID_MAX + 1);
	n += LEASE_CID_MAX + 1;
	n += (size_t)snprintf(text + n, sizeof text - n, "\"; }\n");
	assert_int_equal(dhcpisc_parse(text, n, collect, &g, &err), -1);
	assert_non_null(strstr(err.reason, "uid too long"));
	/* Nesting. */
	n = 0;
	n += (size_t)snprintf(text, sizeof text, "x ");
	for (int i = 0; i < DHCPISC_DEPTH_MAX + 1; i++)
		text[n++] = '{';
	assert_int_equal(dhcpisc_parse(text, n, collect, &g, &err), -1);
	assert_non_null(strstr(err.reason, "too deep"));
	/* A NUL byte inside is an unexpected byte, not an end. */
	assert_int_equal(dhcpisc_parse("lease\0", 6, collect, &g, &err), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
