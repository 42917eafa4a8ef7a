/*
 * Unit tests for lib/dhcpconf: the course material's dhcpd.conf, every
 * statement of the subset, scope inheritance, and errors with their
 * line and column.
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
#include <unistd.h>

#include "dhcpconf.h"
#include "dhcppkt.h"

/* The seed file, verbatim (../shared/seed-dhcpd.conf). */
static const char seed[] =
    "# The ISC dhcpd.conf example from the course material, verbatim apart from this comment.\n"
    "# dhcpd must load it unchanged (host names resolve through the system resolver).\n"
    "option domain-name \"example.org\"; # Nom de domaine\n"
    "option domain-name-servers 192.168.10.1 ; #serveurs dns\n"
    "default-lease-time 600 ;# Duree par default de l'attribution d'adresse\n"
    "max-lease-time 7200; # Duree maximale de l'attribution d'adresse\n"
    "\n"
    "subnet 10.254.239.0 netmask 255.255.255.224 {\n"
    "    range 10.254.239.10 10.254.239.20;\n"
    "    option routers rtr-239-0-1.example.org, rtr-239-0-2.example.org;\n"
    "}\n"
    "subnet 192.168.10.0 netmask 255.255.255.0 {\n"
    "    range 192.168.10.26 192.168.10.30;\n"
    "    option domain-name-servers ns1.internal.example.org;\n"
    "    option domain-name \"internal.example.org\";\n"
    "    option routers 192.168.10.254;\n"
    "}\n"
    "host fantasia {\n"
    "    hardware ethernet 08:00:07:26:c0:a5;\n"
    "    fixed-address 192.168.10.10;}\n"
    "host passacaglia {\n"
    "    hardware ethernet 0:0:c0:5d:bd:95;\n"
    "    filename \"vmunix.passacaglia\";\n"
    "    server-name 192.168.10.2;}\n";

static const struct {
	const char *name;
	uint32_t ip;
} names[] = {
	{ "rtr-239-0-1.example.org", 0x0afeef01 },
	{ "rtr-239-0-2.example.org", 0x0afeef02 },
	{ "ns1.internal.example.org", 0xc0a80a01 },
};

static int resolves;

static int
fake_resolve(void *ctx, const char *name, uint32_t *ip_r)
{
	size_t i;

	(void)ctx;
	resolves++;
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(names[i].name, name) == 0) {
			*ip_r = names[i].ip;
			return 0;
		}
	return -1;
}

static struct dhcpconf conf;
static struct dhcpconf_err err;

static void
load_ok(const char *text)
{
	char msg[512];

	if (dhcpconf_parse("test.conf", text, strlen(text), fake_resolve, NULL,
		&conf, &err) != 0) {
		dhcpconf_err_format(&err, msg, sizeof msg);
		fail_msg("refused: %s", msg);
	}
}

/* Expects a refusal at line:col whose reason contains want. */
static void
load_bad(const char *text, unsigned line, unsigned col, const char *want)
{
	char msg[512];

	if (dhcpconf_parse("test.conf", text, strlen(text), fake_resolve, NULL,
		&conf, &err) == 0) {
		dhcpconf_free(&conf);
		fail_msg("accepted: %s", text);
	}
	dhcpconf_err_format(&err, msg, sizeof msg);
	if (strstr(err.reason, want) == NULL || err.line != line ||
	    (col != 0 && err.col != col))
		fail_msg("got \"%s\", want %u:%u: ...%s...", msg, line, col,
		    want);
	assert_int_equal(conf.nscopes, 0);
}

static const struct dhcpconf_opt *
opt_in(int scope, uint8_t code)
{
	int chain[16];
	size_t n = dhcpconf_chain(&conf, scope, chain, 16);

	return dhcpconf_opt(&conf, chain, n, code);
}

static void
test_seed(void **state)
{
	const struct dhcpconf_opt *o;
	struct dhcpconf_eff e;
	int chain[16];
	size_t n;
	static const uint8_t routers[] = { 10, 254, 239, 1, 10, 254, 239, 2 };
	static const uint8_t ns1[] = { 192, 168, 10, 1 };
	static const uint8_t mac2[] = { 0, 0, 0xc0, 0x5d, 0xbd, 0x95 };

	(void)state;
	resolves = 0;
	load_ok(seed);
	assert_int_equal(resolves, 3);
	assert_int_equal(conf.nsubnets, 2);
	assert_int_equal(conf.nhosts, 2);
	assert_true(conf.subnets[0].net == 0x0afeef00);
	assert_true(conf.subnets[0].mask == 0xffffffe0);
	assert_int_equal(conf.subnets[0].nranges, 1);
	assert_true(conf.subnets[0].ranges[0].lo == 0x0afeef0a);
	assert_true(conf.subnets[0].ranges[0].hi == 0x0afeef14);
	o = opt_in(conf.subnets[0].scope, DHO_ROUTERS);
	assert_non_null(o);
	assert_int_equal(o->len, 8);
	assert_memory_equal(o->data, routers, 8);
	/* Inherited from the global scope. */
	o = opt_in(conf.subnets[0].scope, DHO_DOMAIN_NAME);
	assert_int_equal(o->len, 11);
	assert_memory_equal(o->data, "example.org", 11);
	/* Overridden in the second subnet. */
	o = opt_in(conf.subnets[1].scope, DHO_DOMAIN_NAME);
	assert_memory_equal(o->data, "internal.example.org", 20);
	o = opt_in(conf.subnets[1].scope, DHO_DNS);
	assert_memory_equal(o->data, ns1, 4);
	n = dhcpconf_chain(&conf, conf.subnets[1].scope, chain, 16);
	assert_int_equal(n, 2);
	dhcpconf_effective(&conf, chain, n, &e);
	assert_int_equal(e.default_lease, 600);
	assert_int_equal(e.max_lease, 7200);
	assert_int_equal(e.authoritative, 0);
	assert_int_equal(e.ping_check, 1);

	assert_string_equal(conf.hosts[0].name, "fantasia");
	assert_true(conf.hosts[0].fixed == 0xc0a80a0a);
	assert_int_equal(conf.hosts[0].hlen, 6);
	assert_int_equal(conf.hosts[0].hw[5], 0xa5);
	assert_string_equal(conf.hosts[1].name, "passacaglia");
	assert_memory_equal(conf.hosts[1].hw, mac2, 6);
	assert_int_equal(conf.hosts[1].fixed, 0);
	n = dhcpconf_chain(&conf, conf.hosts[1].scope, chain, 16);
	dhcpconf_effective(&conf, chain, n, &e);
	assert_string_equal(e.filename, "vmunix.passacaglia");
	assert_string_equal(e.server_name, "192.168.10.2");
	assert_int_equal(dhcpconf_subnet_of(&conf, 0xc0a80a1b), 1);
	assert_int_equal(dhcpconf_subnet_of(&conf, 0x0afeef1f), 0);
	assert_int_equal(dhcpconf_subnet_of(&conf, 0x0afeef20), -1);
	dhcpconf_free(&conf);
	assert_int_equal(conf.nscopes, 0);
}

static void
test_statements(void **state)
{
	const struct dhcpconf_opt *o;
	struct dhcpconf_eff e;
	int chain[16];
	size_t n;
	static const char text[] =
	    "authoritative;\n"
	    "ddns-update-style none; log-facility local7;\n"
	    "ping-check false; ping-timeout 2;\n"
	    "option ntp-servers 10.0.0.1, 10.0.0.2;\n"
	    "option domain-search \"eng.apple.com\", \"marketing.apple.com\";\n"
	    "option classless-static-routes 10.0.0.0/8 10.0.0.1, 0.0.0.0/0 10.0.0.254;\n"
	    "option interface-mtu 1400; option time-offset -3600;\n"
	    "option ip-forwarding off; option netbios-node-type 8;\n"
	    "shared-network lan {\n"
	    "  option domain-name \"lan\";\n"
	    "  subnet 10.0.0.0 netmask 255.255.0.0 {\n"
	    "    range 10.0.1.1 10.0.1.100; range dynamic-bootp 10.0.2.1 10.0.2.9;\n"
	    "    range 10.0.3.3;\n"
	    "    not authoritative; max-lease-time 60; next-server 10.0.0.9;\n"
	    "  }\n"
	    "  subnet 10.1.0.0 netmask 255.255.255.0 { }\n"
	    "}\n"
	    "group { filename \"pxelinux.0\";\n"
	    "  host a { hardware ethernet 02:00:00:00:00:01; fixed-address 10.0.5.5; }\n"
	    "}\n";

	(void)state;
	load_ok(text);
	assert_int_equal(conf.nshared, 1);
	assert_string_equal(conf.shared[0].name, "lan");
	assert_int_equal(conf.nsubnets, 2);
	assert_int_equal(conf.subnets[0].shared, 0);
	assert_int_equal(conf.subnets[0].nranges, 3);
	assert_true(conf.subnets[0].ranges[2].lo == 0x0a000303);
	assert_true(conf.subnets[0].ranges[2].hi == 0x0a000303);
	n = dhcpconf_chain(&conf, conf.subnets[0].scope, chain, 16);
	assert_int_equal(n, 3);
	dhcpconf_effective(&conf, chain, n, &e);
	assert_int_equal(e.authoritative, 0);
	assert_int_equal(e.max_lease, 60);
	assert_int_equal(e.default_lease, DHCPCONF_DEFAULT_LEASE);
	assert_int_equal(e.ping_check, 0);
	assert_int_equal(e.ping_timeout, 2);
	assert_true(e.has_next_server);
	assert_true(e.next_server == 0x0a000009);
	n = dhcpconf_chain(&conf, conf.subnets[1].scope, chain, 16);
	dhcpconf_effective(&conf, chain, n, &e);
	assert_int_equal(e.authoritative, 1);
	assert_false(e.has_next_server);
	o = opt_in(conf.subnets[1].scope, DHO_DOMAIN_NAME);
	assert_memory_equal(o->data, "lan", 3);
	o = opt_in(0, DHO_DOMAIN_SEARCH);
	assert_int_equal(o->len, 27);
	assert_int_equal(o->data[25], 0xc0);
	o = opt_in(0, DHO_CLASSLESS_ROUTES);
	assert_int_equal(o->len, 6 + 5);
	assert_int_equal(o->data[0], 8);
	o = opt_in(0, DHO_MTU);
	assert_int_equal(o->data[0] << 8 | o->data[1], 1400);
	o = opt_in(0, DHO_TIME_OFFSET);
	assert_int_equal(o->data[0], 0xff);
	assert_int_equal(o->data[3], 0xf0);
	n = dhcpconf_chain(&conf, conf.hosts[0].scope, chain, 16);
	dhcpconf_effective(&conf, chain, n, &e);
	assert_string_equal(e.filename, "pxelinux.0");
	assert_int_equal(dhcpconf_option_code("routers"), 3);
	assert_int_equal(dhcpconf_option_code("no-such"), -1);
	dhcpconf_free(&conf);
}

static void
test_errors(void **state)
{
	(void)state;
	load_bad("option foo 1;", 1, 8, "unknown option \"foo\"");
	load_bad("option foo code 200 = text;", 1, 8, "not supported");
	load_bad("\n  frobnicate 1;", 2, 3, "unsupported statement");
	load_bad("option routers 10.0.0.1", 1, 24, "expected ';'");
	load_bad("option routers 10.0.0.300;", 1, 16, "bad IPv4 address");
	load_bad("option routers nope.example;", 1, 16, "does not resolve");
	load_bad("default-lease-time -5;", 1, 20, "not a number");
	load_bad("default-lease-time 99999999999;", 1, 20, "not a number");
	load_bad("option domain-name \"abc;\n", 1, 20, "unterminated");
	load_bad("option domain-name \"a\\qb\";", 1, 20, "escape");
	load_bad("subnet 10.0.0.0 netmask 255.0.255.0 { }", 1, 25,
	    "bad netmask");
	load_bad("subnet 10.0.0.1 netmask 255.255.255.0 { }", 1, 25,
	    "host bits");
	load_bad("subnet 10.0.0.0 netmask 255.255.255.0 {\n range 10.0.1.1 10.0.1.5;\n}",
	    2, 8, "not inside");
	load_bad("subnet 10.0.0.0 netmask 255.255.255.0 {\n range 10.0.0.9 10.0.0.5;\n}",
	    2, 8, "backwards");
	load_bad("subnet 10.0.0.0 netmask 255.255.255.0 {\n range 10.0.0.0 10.0.0.5;\n}",
	    2, 8, "network or broadcast");
	load_bad("subnet 10.0.0.0 netmask 255.255.255.0 {\n range 10.0.0.2 10.0.0.5; range 10.0.0.5 10.0.0.6;\n}",
	    2, 33, "overlaps");
	load_bad("subnet 10.0.0.0 netmask 255.255.255.0 { }\nsubnet 10.0.0.128 netmask 255.255.255.128 { }",
	    2, 27, "overlaps the subnet on line 1");
	load_bad("subnet 10.0.0.0 netmask 255.255.255.0 {", 1, 40,
	    "missing '}'");
	load_bad("}", 1, 1, "without a matching");
	load_bad("range 10.0.0.1 10.0.0.2;", 1, 1, "not allowed in the global");
	load_bad("host a { }", 1, 1, "no hardware ethernet");
	load_bad("host a { hardware ethernet 1:2:3:4:5; }", 1, 28,
	    "bad ethernet address");
	load_bad("host a { hardware token-ring 1:2:3:4:5:6; }", 1, 19,
	    "only hardware ethernet");
	load_bad("host a { hardware ethernet 1:2:3:4:5:6; }\nhost b { hardware ethernet 01:02:03:04:05:06; }",
	    2, 1, "hardware address of host a");
	load_bad("host a { hardware ethernet 1:2:3:4:5:6; fixed-address 10.0.0.1, 10.0.0.2; }",
	    1, 63, "only one fixed-address");
	load_bad("subnet 10.0.0.0 netmask 255.255.255.0 { range 10.0.0.2 10.0.0.9; }\nhost a { hardware ethernet 1:2:3:4:5:6; fixed-address 10.0.0.5; }",
	    2, 1, "dynamic range");
	load_bad("group { group { group { group { group { group { group { group { } } } } } } } }",
	    1, 63, "nesting");
	load_bad("option domain-name \"\";", 1, 20, "1 to 255");
	load_bad("option domain-search \"a..b\";", 1, 0, "bad domain name");
	load_bad("option classless-static-routes 10.0.0.1/8 10.0.0.1;", 1,
	    0, "beyond its width");
	load_bad("option interface-mtu 10;", 1, 22, "below 68");
	load_bad("ping-check maybe;", 1, 12, "true or false");
	load_bad("option domain-name \"a\";\x01", 1, 24, "unexpected byte");
	load_bad("ddns-update-style interim;", 1, 19, "only ddns");
	load_bad("subnet 10.0.0.0 netmask 255.255.255.0 { shared-network x { } }",
	    1, 41, "not allowed in a subnet");
	{
		char nul[] = "option domain-name \"a\";\0";

		assert_int_equal(dhcpconf_parse("t", nul, sizeof nul - 1,
				     fake_resolve, NULL, &conf, &err), -1);
		assert_non_null(strstr(err.reason, "NUL"));
	}
}

/* Every prefix of the seed either loads or fails with a position. */
static void
test_prefixes(void **state)
{
	size_t i, len = strlen(seed);
	char *copy;
	int ok = 0;

	(void)state;
	for (i = 0; i <= len; i++) {
		copy = malloc(i + 1);
		assert_non_null(copy);
		memcpy(copy, seed, i);
		if (dhcpconf_parse("p", copy, i, fake_resolve, NULL, &conf,
			&err) == 0) {
			ok++;
			dhcpconf_free(&conf);
		} else {
			assert_true(err.line >= 1);
			assert_true(err.reason[0] != '\0');
		}
		free(copy);
	}
	assert_true(ok > 0);
}

static void
test_load_file(void **state)
{
	char path[] = "/tmp/test_dhcpconf.XXXXXX", msg[512];
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(seed, f);
	fclose(f);
	assert_int_equal(dhcpconf_load(path, fake_resolve, NULL, &conf, &err),
	    0);
	assert_int_equal(conf.nhosts, 2);
	dhcpconf_free(&conf);
	unlink(path);
	assert_int_equal(dhcpconf_load(path, fake_resolve, NULL, &conf, &err),
	    -1);
	dhcpconf_err_format(&err, msg, sizeof msg);
	assert_non_null(strstr(msg, "cannot open"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed),
		cmocka_unit_test(test_statements),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_load_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
