/*
 * Unit tests for lib/dhclientconf: the dhclient.conf(5) example the
 * course uses, every statement of the subset, the wire encoding of the
 * values, and refusals with their line and column, hostile input
 * included.
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
#include "dhcppkt.h"

/* The example of dhclient.conf(5) as the course shows it, without the
 * media and alias statements dhcpc does not support. */
static const char example[] =
    "send host-name \"andare.fugue.com\";\n"
    "send dhcp-client-identifier 1:0:a0:24:ab:fb:9c;\n"
    "send dhcp-lease-time 3600;\n"
    "supersede domain-name \"fugue.com home.vix.com\";\n"
    "prepend domain-name-servers 127.0.0.1;\n"
    "request subnet-mask, broadcast-address, time-offset, routers,\n"
    "        domain-name, domain-name-servers, host-name;\n"
    "require subnet-mask, domain-name-servers;\n"
    "timeout 60;\n"
    "retry 60;\n"
    "reboot 10;\n"
    "select-timeout 5;\n"
    "initial-interval 2;\n"
    "script \"/etc/dhclient-script\";\n"
    "reject 192.33.137.209;\n"
    "\n"
    "lease {\n"
    "  interface \"eth0\";\n"
    "  fixed-address 192.33.137.200;\n"
    "  option host-name \"andare.swiftmedia.com\";\n"
    "  option subnet-mask 255.255.255.0;\n"
    "  option broadcast-address 192.33.137.255;\n"
    "  option routers 192.33.137.250;\n"
    "  option domain-name-servers 127.0.0.1;\n"
    "  renew 2 2000/1/12 00:00:01;\n"
    "  rebind 2 2000/1/12 00:00:01;\n"
    "  expire 2 2000/1/12 00:00:01;\n"
    "}\n";

static struct dcc_conf conf;
static struct dcc_err err;

static int
parse(const char *text)
{
	dcc_defaults(&conf);
	return dcc_parse(text, strlen(text), &conf, &err);
}

/* Parsing must fail at line:col with a message containing what. */
static void
refused(const char *text, unsigned line, unsigned col, const char *what)
{
	errno = 0;
	if (parse(text) != -1 || errno != EINVAL || err.line != line ||
	    err.col != col || strstr(err.msg, what) == NULL) {
		print_error("input <%s>: got %u:%u <%s>, want %u:%u <%s>\n",
		    text, err.line, err.col, err.msg, line, col, what);
		fail();
	}
}

static void
test_example(void **state)
{
	const struct dcc_val *v;
	static const uint8_t cid[] = { 1, 0, 0xa0, 0x24, 0xab, 0xfb, 0x9c };
	static const uint8_t req[] = { 1, 28, 2, 3, 15, 6, 12 };
	const struct dcc_lease *ls;

	(void)state;
	assert_int_equal(parse(example), 0);
	v = dcc_find(&conf, DHO_HOST_NAME, DCM_SEND);
	assert_non_null(v);
	assert_int_equal(v->len, 16);
	assert_memory_equal(v->v, "andare.fugue.com", 16);
	v = dcc_find(&conf, DHO_CLIENT_ID, DCM_SEND);
	assert_non_null(v);
	assert_int_equal(v->len, sizeof cid);
	assert_memory_equal(v->v, cid, sizeof cid);
	v = dcc_find(&conf, DHO_LEASE_TIME, DCM_SEND);
	assert_non_null(v);
	assert_int_equal(v->len, 4);
	assert_memory_equal(v->v, "\0\0\x0e\x10", 4);
	v = dcc_find(&conf, DHO_DOMAIN_NAME, DCM_SUPERSEDE);
	assert_non_null(v);
	assert_int_equal(v->len, 22);
	v = dcc_find(&conf, DHO_DNS, DCM_PREPEND);
	assert_non_null(v);
	assert_memory_equal(v->v, "\x7f\0\0\x01", 4);
	assert_null(dcc_find(&conf, DHO_DNS, DCM_APPEND));
	assert_true(conf.request_given);
	assert_int_equal(conf.nrequest, sizeof req);
	assert_memory_equal(conf.request, req, sizeof req);
	assert_int_equal(conf.nrequire, 2);
	assert_int_equal(conf.require[0], 1);
	assert_int_equal(conf.require[1], 6);
	assert_int_equal(conf.timeout, 60);
	assert_int_equal(conf.retry, 60);
	assert_int_equal(conf.reboot, 10);
	assert_int_equal(conf.select_timeout, 5);
	assert_int_equal(conf.initial_interval, 2);
	assert_string_equal(conf.script, "/etc/dhclient-script");
	assert_true(dcc_rejected(&conf, 0xc02189d1));
	assert_false(dcc_rejected(&conf, 0xc02189d2));
	assert_int_equal(conf.nlease, 1);
	ls = &conf.lease[0];
	assert_string_equal(ls->ifname, "eth0");
	assert_int_equal(ls->addr, 0xc02189c8);
	assert_int_equal(ls->nopts, 5);
	assert_int_equal(ls->opts[0].code, DHO_HOST_NAME);
	assert_int_equal(ls->opts[3].code, DHO_ROUTERS);
	assert_memory_equal(ls->opts[3].v, "\xc0\x21\x89\xfa", 4);
	/* 2000-01-12 00:00:01 UTC */
	assert_int_equal((long long)ls->renew, 947635201LL);
	assert_int_equal((long long)ls->expire, 947635201LL);
}

static void
test_defaults(void **state)
{
	(void)state;
	assert_int_equal(parse(""), 0);
	assert_int_equal(conf.timeout, 60);
	assert_int_equal(conf.retry, 300);
	assert_int_equal(conf.reboot, 10);
	assert_int_equal(conf.select_timeout, 0);
	assert_int_equal(conf.initial_interval, 4);
	assert_int_equal(conf.backoff_cutoff, 64);
	assert_false(conf.request_given);
	assert_true(conf.nrequest > 0);
	assert_int_equal(conf.nset, 0);
	assert_int_equal(conf.script[0], 0);
	/* Comments and blank space only. */
	assert_int_equal(parse("# nothing\n\n   \t# more\r\n"), 0);
	assert_int_equal(conf.nset, 0);
}

static void
test_values(void **state)
{
	const struct dcc_val *v;

	(void)state;
	assert_int_equal(parse("supersede routers 10.0.0.1, 10.0.0.2 ,10.0.0.3;"
				   "default interface-mtu 1400;"
				   "supersede time-offset -3600;"
				   "append domain-search \"a.example\", \"b.a.example\";"
				   "send vendor-class-identifier \"fac\\\"teur\\\\\";"
				   "supersede ip-forwarding off;"
				   "default netbios-node-type 8;"),
	    0);
	v = dcc_find(&conf, DHO_ROUTERS, DCM_SUPERSEDE);
	assert_non_null(v);
	assert_int_equal(v->len, 12);
	assert_memory_equal(v->v, "\x0a\0\0\x01\x0a\0\0\x02\x0a\0\0\x03", 12);
	v = dcc_find(&conf, DHO_MTU, DCM_DEFAULT);
	assert_non_null(v);
	assert_memory_equal(v->v, "\x05\x78", 2);
	v = dcc_find(&conf, DHO_TIME_OFFSET, DCM_SUPERSEDE);
	assert_non_null(v);
	assert_memory_equal(v->v, "\xff\xff\xf1\xf0", 4);
	v = dcc_find(&conf, DHO_DOMAIN_SEARCH, DCM_APPEND);
	assert_non_null(v);
	/* a.example, then b + pointer to offset 0. */
	assert_int_equal(v->len, 11 + 4);
	assert_memory_equal(v->v, "\x01" "a\x07" "example\0\x01" "b\xc0\x00",
	    15);
	v = dcc_find(&conf, DHO_VENDOR_CLASS, DCM_SEND);
	assert_non_null(v);
	assert_int_equal(v->len, 9);
	assert_memory_equal(v->v, "fac\"teur\\", 9);
	v = dcc_find(&conf, 19, DCM_SUPERSEDE);
	assert_non_null(v);
	assert_int_equal(v->v[0], 0);
	/* Limits of the number types. */
	assert_int_equal(parse("supersede time-offset -2147483648;"
				   "supersede dhcp-lease-time 4294967295;"),
	    0);
	assert_memory_equal(dcc_find(&conf, 2, DCM_SUPERSEDE)->v,
	    "\x80\0\0\0", 4);
	assert_memory_equal(dcc_find(&conf, 51, DCM_SUPERSEDE)->v,
	    "\xff\xff\xff\xff", 4);
}

static void
test_hostname_and_replace(void **state)
{
	const struct dcc_val *v;

	(void)state;
	assert_int_equal(parse("send host-name = gethostname();"), 0);
	v = dcc_find(&conf, DHO_HOST_NAME, DCM_SEND);
	assert_non_null(v);
	assert_true(v->hostname);
	assert_int_equal(v->len, 0);
	/* A later statement with the same mode and option replaces. */
	assert_int_equal(parse("send host-name \"a\";\n"
			       "supersede host-name \"b\";\n"
			       "send host-name \"cc\";\n"),
	    0);
	assert_int_equal(conf.nset, 2);
	v = dcc_find(&conf, DHO_HOST_NAME, DCM_SEND);
	assert_int_equal(v->len, 2);
	assert_false(v->hostname);
	refused("send domain-name = gethostname();", 1, 20,
	    "only host-name = gethostname()");
	refused("send host-name = hostname();", 1, 18,
	    "only host-name = gethostname()");
	refused("send host-name = gethostname(;", 1, 30, "expected ')'");
}

static void
test_request_require(void **state)
{
	(void)state;
	assert_int_equal(parse("request routers;\nalso request routers, "
			       "ntp-servers;\nrequire routers;\nalso require "
			       "domain-name;"),
	    0);
	assert_int_equal(conf.nrequest, 2);
	assert_int_equal(conf.request[0], 3);
	assert_int_equal(conf.request[1], 42);
	assert_int_equal(conf.nrequire, 2);
	assert_int_equal(conf.require[1], 15);
	/* request replaces the defaults. */
	assert_int_equal(parse("request subnet-mask;"), 0);
	assert_int_equal(conf.nrequest, 1);
	refused("also supersede routers 1.2.3.4;", 1, 6,
	    "expected request or require");
	refused("require;", 1, 8, "expected an option name");
	refused("request routers, bogus-option;", 1, 18,
	    "unknown option bogus-option");
}

static void
test_reject(void **state)
{
	(void)state;
	assert_int_equal(parse("reject 10.1.0.0/16, 192.168.1.7, 0.0.0.0/0;"),
	    0);
	assert_int_equal(conf.nreject, 3);
	assert_true(dcc_rejected(&conf, 0x0a01ffff));
	assert_true(dcc_rejected(&conf, 0x01020304)); /* /0 */
	assert_int_equal(parse("reject 10.1.2.3/16;"), 0);
	assert_true(dcc_rejected(&conf, 0x0a010000));
	assert_false(dcc_rejected(&conf, 0x0a020000));
	refused("reject 10.0.0.0/33;", 1, 8, "bad prefix length");
	refused("reject 10.0.0.0/8/8;", 1, 8, "bad prefix length");
	refused("reject 10.0.0.256;", 1, 8, "bad address");
	refused("reject 10.0.0.1 10.0.0.2;", 1, 17, "expected ',' or ';'");
}

static void
test_lease_blocks(void **state)
{
	const struct dcc_lease *ls;

	(void)state;
	assert_int_equal(parse("lease { fixed-address 10.9.8.7;\n"
			       "option subnet-mask 255.255.0.0;\n"
			       "expire never; renew 4 2026/2/29 1:2:3; }"),
	    -1); /* 2026 is not a leap year */
	assert_int_equal(err.line, 3);
	assert_int_equal(err.col, 23);
	assert_int_equal(parse("lease { fixed-address 10.9.8.7;\n"
			       "option subnet-mask 255.255.0.0;\n"
			       "expire never; renew 4 2024/2/29 23:59:59; }"),
	    0);
	ls = &conf.lease[0];
	assert_int_equal(ls->ifname[0], 0);
	assert_int_equal(ls->expire, 0);
	assert_int_equal((long long)ls->renew, 1709251199LL);
	refused("lease { option routers 1.2.3.4; }", 1, 1,
	    "without fixed-address");
	refused("lease { fixed-address 1.2.3.4;", 1, 1, "not closed");
	refused("lease { fixed-address 1.2.3.4; medium \"x\"; }", 1, 32,
	    "unsupported lease statement medium");
	refused("lease { fixed-address 1.2.3.4; interface \"abcdefghijklmnop\"; }",
	    1, 42, "expected a quoted interface name");
	refused("lease { fixed-address 1.2.3.4; expire 7 2020/01/01 00:00:00; }",
	    1, 39, "weekday");
	refused("lease { fixed-address 1.2.3.4; expire 1 2020/13/01 00:00:00; }",
	    1, 41, "bad date");
	refused("lease { fixed-address 1.2.3.4; expire 1 2020/12/01 24:00:00; }",
	    1, 52, "bad time");
	refused("lease { fixed-address 1.2.3.4; expire 1 -2020/12/01 0:0:0; }",
	    1, 41, "bad date");
	refused("lease { fixed-address 1.2.3.4; expire 1 2020/012/01 0:0:0; }",
	    1, 41, "bad date");
	refused("lease{fixed-address 1.1.1.1;}lease{fixed-address 1.1.1.1;}"
		"lease{fixed-address 1.1.1.1;}lease{fixed-address 1.1.1.1;}"
		"lease{fixed-address 1.1.1.1;}",
	    1, 117, "more than 4 lease blocks");
}

static void
test_errors(void **state)
{
	(void)state;
	refused("timeout 60", 1, 11, "expected ';' at end of file");
	refused("timeout 60;\nretry 0;", 2, 7, "bad number 0");
	refused("initial-interval 0;", 1, 18, "bad number");
	refused("backoff-cutoff 0;", 1, 16, "bad number");
	refused("timeout 31536001;", 1, 9, "bad number");
	refused("timeout -1;", 1, 9, "bad number");
	refused("\n\n  media \"link0\";", 3, 3, "unsupported statement media");
	refused("send nonsense 1;", 1, 6, "unknown option nonsense");
	refused("send dhcp-message-type 1;", 1, 6, "set by dhcpc itself");
	refused("supersede dhcp-server-identifier 1.2.3.4;", 1, 11,
	    "set by dhcpc itself");
	refused("send dhcp-requested-address 1.2.3.4;", 1, 6,
	    "set by dhcpc itself");
	refused("send dhcp-parameter-request-list routers;", 1, 6,
	    "use request");
	refused("prepend subnet-mask 255.0.0.0;", 1, 9,
	    "need a list or text option");
	refused("supersede subnet-mask 255.0.0.0, 255.0.0.0;", 1, 32,
	    "expected ';'");
	refused("supersede routers 1.2.3;", 1, 19, "bad address");
	refused("supersede routers 01234.2.3.4;", 1, 19, "bad address");
	refused("supersede interface-mtu 65536;", 1, 25, "bad number");
	refused("supersede default-ip-ttl 256;", 1, 26, "bad number");
	refused("supersede time-offset -2147483649;", 1, 23, "bad number");
	refused("supersede ip-forwarding maybe;", 1, 25, "true or false");
	refused("send host-name debian;", 1, 16, "expected a quoted string");
	refused("send host-name \"\";", 1, 16, "empty string");
	refused("send host-name \"abc", 1, 16, "unterminated string");
	refused("send host-name \"ab\\n\";", 1, 20, "unknown escape");
	refused("send host-name \"a\nb\";", 1, 18, "control character 0x0a");
	refused("send host-name \"a\x1b[2J\";", 1, 18,
	    "control character 0x1b");
	refused("send dhcp-client-identifier 1:2:xyz;", 1, 29, "hex bytes");
	refused("send dhcp-client-identifier 1::2;", 1, 29, "hex bytes");
	refused("send dhcp-client-identifier 123;", 1, 29, "hex bytes");
	refused("supersede domain-search \"a..b\";", 1, 25,
	    "bad domain name list");
	refused("script \"relative/path\";", 1, 8, "must be absolute");
	refused("script /bin/sh;", 1, 8, "expected a quoted path");
	refused("\"string\";", 1, 1, "expected a statement, not a string");
	refused("; timeout 1;", 1, 1, "expected a statement, not ;");
	refused("timeout 1; }", 1, 12, "expected a statement, not }");
	refused("timeout\t1;\t$", 1, 12, "unexpected character 0x24");
	refused("timeout 1;\xff", 1, 11, "unexpected character 0xff");
	/* A NUL byte in the text (the length is counted, not NUL-ended). */
	dcc_defaults(&conf);
	assert_int_equal(dcc_parse("timeout 1;\n\0", 12, &conf, &err), -1);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.col, 1);
	assert_non_null(strstr(err.msg, "0x00"));
	dcc_defaults(&conf);
	assert_int_equal(dcc_parse("send host-name \"a\0\";", 21, &conf,
			     &err),
	    -1);
	assert_non_null(strstr(err.msg, "control character 0x00"));
}

static void
test_hostile(void **state)
{
	char *big;
	size_t i, n;

	(void)state;
	/* A token of 256 bytes. */
	big = malloc(DCC_MAX_TEXT + 2);
	assert_non_null(big);
	memcpy(big, "send host-name \"", 16);
	memset(big + 16, 'a', 256);
	memcpy(big + 16 + 256, "\";", 3);
	refused(big, 1, 16, "longer than 255");
	memset(big, 'x', 300);
	big[300] = 0;
	refused(big, 1, 1, "word longer than 255");
	/* Exactly 255 is fine. */
	memcpy(big, "send host-name \"", 16);
	memset(big + 16, 'a', 255);
	memcpy(big + 16 + 255, "\";", 3);
	assert_int_equal(parse(big), 0);
	assert_int_equal(dcc_find(&conf, 12, DCM_SEND)->len, 255);
	/* 64 addresses do not fit in one option value (63 do). */
	n = (size_t)sprintf(big, "supersede routers 1.1.1.1");
	for (i = 1; i < 63; i++)
		n += (size_t)sprintf(big + n, ",1.1.1.1");
	strcpy(big + n, ";");
	assert_int_equal(parse(big), 0);
	assert_int_equal(dcc_find(&conf, 3, DCM_SUPERSEDE)->len, 252);
	strcpy(big + n, ",2.2.2.2;");
	refused(big, 1, (unsigned)n + 2, "too many addresses");
	/* More option statements than there is room for. */
	n = 0;
	for (i = 0; i < 2 * DCC_MAX_SET && n < 60000; i++)
		n += (size_t)sprintf(big + n, "%s routers 1.1.1.%zu;\n",
		    i % 2 ? "append" : "prepend", i);
	(void)n;
	/* Only two (mode, option) pairs, so the table does not grow. */
	assert_int_equal(parse(big), 0);
	assert_int_equal(conf.nset, 2);
	/* Over the file limit. */
	memset(big, ' ', DCC_MAX_TEXT + 1);
	big[DCC_MAX_TEXT + 1] = 0;
	refused(big, 1, 1, "larger than");
	/* Too many rejected networks. */
	n = (size_t)sprintf(big, "reject 1.1.1.1");
	for (i = 1; i <= DCC_MAX_REJECT; i++)
		n += (size_t)sprintf(big + n, ",1.1.1.1");
	strcpy(big + n, ";");
	assert_int_equal(parse(big), -1);
	assert_non_null(strstr(err.msg, "rejected networks"));
	free(big);
}

/* Every prefix of a valid file is either valid or refused inside it. */
static void
test_prefixes(void **state)
{
	size_t n = strlen(example), k, lines, j;

	(void)state;
	for (k = 0; k <= n; k++) {
		dcc_defaults(&conf);
		if (dcc_parse(example, k, &conf, &err) == 0)
			continue;
		for (lines = 1, j = 0; j < k; j++)
			lines += example[j] == '\n';
		assert_true(err.line >= 1 && err.line <= lines);
		assert_true(err.col >= 1);
		assert_true(err.msg[0] != 0);
	}
}

static void
test_optdefs(void **state)
{
	const struct dcc_optdef *d;

	(void)state;
	d = dcc_opt_byname("domain-name-servers");
	assert_non_null(d);
	assert_int_equal(d->code, 6);
	assert_ptr_equal(dcc_opt_bycode(6), d);
	assert_null(dcc_opt_byname("Domain-Name-Servers"));
	assert_null(dcc_opt_bycode(250));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_hostname_and_replace),
		cmocka_unit_test(test_request_require),
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_lease_blocks),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_optdefs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
