/*
 * Unit tests for lib/smtproute: next-hop syntax, route and TLS policy
 * tables, MX ordering (preference, shuffling of equals) and dropping
 * this host and worse MX records.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "smtproute.h"

static void
nh_ok(const char *z, const char *host, unsigned port, int literal,
    int numeric)
{
	struct nexthop nh;

	assert_int_equal(nexthop_parse(z, strlen(z), &nh), 0);
	assert_string_equal(nh.host, host);
	assert_int_equal(nh.port, port);
	assert_int_equal(nh.literal, literal);
	assert_int_equal(nh.numeric, numeric);
}

static void
nh_bad(const char *z, int err)
{
	struct nexthop nh;

	errno = 0;
	assert_int_equal(nexthop_parse(z, strlen(z), &nh), -1);
	assert_int_equal(errno, err);
}

static void
test_nexthop(void **state)
{
	char big[300];

	(void)state;
	nh_ok("mx.example.org", "mx.example.org", 25, 0, 0);
	nh_ok("smarthost:587", "smarthost", 587, 0, 0);
	nh_ok("[mail.example]", "mail.example", 25, 1, 0);
	nh_ok("[127.0.0.1]:2525", "127.0.0.1", 2525, 1, 1);
	nh_ok("127.0.0.1:2525", "127.0.0.1", 2525, 0, 1);
	nh_ok("[::1]:10025", "::1", 10025, 1, 1);
	nh_ok("[ipv6:2001:db8::1]", "2001:db8::1", 25, 1, 1);
	nh_ok("[IPv6:::1]:26", "::1", 26, 1, 1);
	nh_ok("2001:db8::2", "2001:db8::2", 25, 0, 1);
	nh_ok("under_score.example.", "under_score.example.", 25, 0, 0);
	nh_bad("", EINVAL);
	nh_bad("[]", EINVAL);
	nh_bad("[127.0.0.1", EINVAL);
	nh_bad("[127.0.0.1]x", EINVAL);
	nh_bad("[127.0.0.1]:", EINVAL);
	nh_bad("host:0", EINVAL);
	nh_bad("host:65536", EINVAL);
	nh_bad("host:25x", EINVAL);
	nh_bad("ho st", EINVAL);
	nh_bad("ho/st", EINVAL);
	nh_bad(".host", EINVAL);
	nh_bad("a..b", EINVAL);
	nh_bad(":25", EINVAL);
	nh_bad("[ipv6:]", EINVAL);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	nh_bad(big, ENAMETOOLONG);
}

/* A table as control_list gives it: NUL-separated values. */
#define TABLE(z) z, sizeof(z) - 1

static void
lookup(const char *list, size_t len, const char *domain, const char *want)
{
	const char *v = NULL;
	size_t vlen = 0, count = 0, i;

	for (i = 0; i < len; i++)
		count += list[i] == '\0';
	if (want == NULL) {
		assert_int_equal(route_lookup(list, count, domain, &v, &vlen,
		    NULL), 0);
		return;
	}
	assert_int_equal(route_lookup(list, count, domain, &v, &vlen, NULL), 1);
	assert_int_equal(vlen, strlen(want));
	assert_memory_equal(v, want, vlen);
}

static void
test_routes(void **state)
{
	static const char t[] = "example.org [10.0.0.1]\0"
				".example.org  relay.example:2525 \0"
				".sub.example.org\t[10.0.0.3]\0"
				"Upper.Example [10.0.0.4]\0";
	static const char star[] = "* [127.0.0.1]:2525\0other.example x\0";
	const char *v;
	size_t vlen, bad = 99;

	(void)state;
	lookup(TABLE(t), "example.org", "[10.0.0.1]");
	lookup(TABLE(t), "EXAMPLE.org.", "[10.0.0.1]");
	lookup(TABLE(t), "a.example.org", "relay.example:2525");
	lookup(TABLE(t), "a.b.example.org", "relay.example:2525");
	lookup(TABLE(t), "x.sub.example.org", "[10.0.0.3]");
	lookup(TABLE(t), "sub.example.org", "relay.example:2525");
	lookup(TABLE(t), "upper.example", "[10.0.0.4]");
	lookup(TABLE(t), "badexample.org", NULL);
	lookup(TABLE(t), "org", NULL);
	lookup(TABLE(star), "anything.example", "[127.0.0.1]:2525");
	lookup(TABLE(star), "other.example", "x");
	lookup("", 0, "example.org", NULL);
	errno = 0;
	assert_int_equal(route_lookup("a b\0lonely\0", 2, "x", &v, &vlen, &bad),
	    -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(bad, 1);
}

static void
test_policy(void **state)
{
	enum tls_policy p;

	(void)state;
	assert_int_equal(tls_policy_parse("none", 4, &p), 0);
	assert_int_equal(p, TLS_POLICY_NONE);
	assert_int_equal(tls_policy_parse("MAY", 3, &p), 0);
	assert_int_equal(p, TLS_POLICY_MAY);
	assert_int_equal(tls_policy_parse("encrypt", 7, &p), 0);
	assert_int_equal(p, TLS_POLICY_ENCRYPT);
	assert_int_equal(tls_policy_parse("Verify", 6, &p), 0);
	assert_int_equal(p, TLS_POLICY_VERIFY);
	assert_string_equal(tls_policy_name(TLS_POLICY_VERIFY), "verify");
	errno = 0;
	assert_int_equal(tls_policy_parse("secure", 6, &p), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(tls_policy_parse("may ", 4, &p), -1);
}

/* A deterministic generator for the tests (xorshift32). */
static uint32_t
xs(void *arg)
{
	uint32_t *s = arg;

	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void
set(struct mx_rec *m, const char *host, unsigned pref)
{
	strcpy(m->host, host);
	m->pref = pref;
}

static void
test_mx_sort(void **state)
{
	struct mx_rec mx[6];
	uint32_t seed, n;
	int first[3] = { 0, 0, 0 }, seen_b_first = 0;
	size_t i;

	(void)state;
	for (n = 1; n <= 300; n++) {
		/* Spread the seeds: xorshift's first outputs from small
		 * seeds are small. */
		seed = n * 2654435761u;
		(void)xs(&seed);
		set(&mx[0], "c30", 30);
		set(&mx[1], "a10", 10);
		set(&mx[2], "b20", 20);
		set(&mx[3], "e10", 10);
		set(&mx[4], "d10", 10);
		set(&mx[5], "f20", 20);
		mx_sort(mx, 6, xs, &seed);
		/* Preference order, always. */
		for (i = 1; i < 6; i++)
			assert_true(mx[i - 1].pref <= mx[i].pref);
		assert_int_equal(mx[0].pref, 10);
		assert_int_equal(mx[3].pref, 20);
		assert_string_equal(mx[5].host, "c30");
		/* Each equal host comes first sometimes. */
		first[mx[0].host[0] - 'a' == 0 ? 0 :
		      mx[0].host[0] == 'd' ? 1 : 2]++;
		if (strcmp(mx[3].host, "b20") == 0)
			seen_b_first++;
		/* Nothing lost or doubled. */
		int mask = 0;
		for (i = 0; i < 6; i++)
			mask |= 1 << (mx[i].host[0] - 'a');
		assert_int_equal(mask, 0x3f);
	}
	/* About 100 each of 300; far from 0 or 300. */
	for (i = 0; i < 3; i++)
		assert_true(first[i] > 50 && first[i] < 150);
	assert_true(seen_b_first > 100 && seen_b_first < 200);
	/* Empty and single lists. */
	mx_sort(mx, 0, xs, &seed);
	set(&mx[0], "only", 5);
	mx_sort(mx, 1, xs, &seed);
	assert_string_equal(mx[0].host, "only");
}

static void
test_mx_self(void **state)
{
	struct mx_rec mx[5];
	int self;

	(void)state;
	set(&mx[0], "a", 10);
	set(&mx[1], "b", 20);
	set(&mx[2], "me.example", 20);
	set(&mx[3], "c", 20);
	set(&mx[4], "d", 30);
	/* Ourselves at 20: only the better host remains. */
	assert_int_equal(mx_prune_self(mx, 5, "ME.example.", &self), 1);
	assert_int_equal(self, 1);
	/* Not in the list: all remain. */
	assert_int_equal(mx_prune_self(mx, 5, "other", &self), 5);
	assert_int_equal(self, 0);
	/* The best MX: mail would loop. */
	assert_int_equal(mx_prune_self(mx, 5, "a", &self), 0);
	assert_int_equal(self, 1);
	assert_int_equal(mx_prune_self(mx, 5, "d", &self), 4);
}

/* A DNS message built by hand, as a resolver would hand it over. */
struct pkt {
	unsigned char b[512];
	size_t n;
};

static void
put(struct pkt *p, const void *d, size_t n)
{
	assert_true(p->n + n <= sizeof(p->b));
	memcpy(p->b + p->n, d, n);
	p->n += n;
}

static void
u16(struct pkt *p, unsigned v)
{
	unsigned char b[2] = { (unsigned char)(v >> 8), (unsigned char)v };

	put(p, b, 2);
}

/* "mx1.example.org" in labels, ending in a pointer to ptr (or root). */
static void
name(struct pkt *p, const char *z, int ptr)
{
	const char *dot;
	unsigned char l;

	while (*z != '\0') {
		dot = strchr(z, '.');
		l = (unsigned char)(dot != NULL ? (size_t)(dot - z) : strlen(z));
		put(p, &l, 1);
		put(p, z, l);
		z += l + (dot != NULL);
	}
	if (ptr >= 0)
		u16(p, 0xc000u | (unsigned)ptr);
	else
		put(p, "", 1);
}

static void
header(struct pkt *p, unsigned an)
{
	p->n = 0;
	u16(p, 0x1234);
	u16(p, 0x8180);
	u16(p, 1);
	u16(p, an);
	u16(p, 0);
	u16(p, 0);
	name(p, "example.org", -1); /* at offset 12 */
	u16(p, 15);
	u16(p, 1);
}

/* An answer record: owner "example.org" by pointer, type, then rdata. */
static size_t
rr(struct pkt *p, unsigned type)
{
	u16(p, 0xc00c);
	u16(p, type);
	u16(p, 1);
	u16(p, 0);
	u16(p, 3600);
	u16(p, 0); /* rdlength, filled in by rr_end */
	return p->n;
}

static void
rr_end(struct pkt *p, size_t start)
{
	p->b[start - 2] = (unsigned char)((p->n - start) >> 8);
	p->b[start - 1] = (unsigned char)(p->n - start);
}

static void
test_mx_parse(void **state)
{
	struct pkt p;
	struct mx_rec mx[4];
	size_t s;
	int nullmx;

	(void)state;
	header(&p, 5);
	s = rr(&p, 15);
	u16(&p, 20);
	name(&p, "mx2", 12); /* mx2.example.org, compressed */
	rr_end(&p, s);
	s = rr(&p, 5); /* a CNAME: skipped */
	name(&p, "alias.example.org", -1);
	rr_end(&p, s);
	s = rr(&p, 15);
	u16(&p, 10);
	name(&p, "mx1.example.net", -1);
	rr_end(&p, s);
	s = rr(&p, 15);
	u16(&p, 30);
	name(&p, "bad host.example", -1); /* not a host name: skipped */
	rr_end(&p, s);
	s = rr(&p, 1); /* an A record */
	put(&p, "\x7f\0\0\1", 4);
	rr_end(&p, s);
	assert_int_equal(mx_parse(p.b, p.n, mx, 4, &nullmx), 2);
	assert_int_equal(nullmx, 0);
	assert_string_equal(mx[0].host, "mx2.example.org");
	assert_int_equal(mx[0].pref, 20);
	assert_string_equal(mx[1].host, "mx1.example.net");
	assert_int_equal(mx[1].pref, 10);
	/* Room for one only. */
	assert_int_equal(mx_parse(p.b, p.n, mx, 1, &nullmx), 1);
	/* Every truncation is malformed, never a crash. */
	for (s = 0; s < p.n; s++) {
		errno = 0;
		assert_int_equal(mx_parse(p.b, s, mx, 4, &nullmx), -1);
		assert_int_equal(errno, EBADMSG);
	}

	/* RFC 7505 null MX. */
	header(&p, 1);
	s = rr(&p, 15);
	u16(&p, 0);
	name(&p, "", -1);
	rr_end(&p, s);
	assert_int_equal(mx_parse(p.b, p.n, mx, 4, &nullmx), 0);
	assert_int_equal(nullmx, 1);

	/* No answer: no records (implicit MX is the caller's). */
	header(&p, 0);
	assert_int_equal(mx_parse(p.b, p.n, mx, 4, &nullmx), 0);
	assert_int_equal(nullmx, 0);

	/* Pointers that loop or point forwards. */
	header(&p, 1);
	s = rr(&p, 15);
	u16(&p, 10);
	u16(&p, 0xc000u | (unsigned)(p.n)); /* to itself */
	rr_end(&p, s);
	assert_int_equal(mx_parse(p.b, p.n, mx, 4, &nullmx), -1);
	header(&p, 1);
	s = rr(&p, 15);
	u16(&p, 10);
	u16(&p, 0xc000u | 400u);
	rr_end(&p, s);
	assert_int_equal(mx_parse(p.b, p.n, mx, 4, &nullmx), -1);
	/* rdata longer than the name it holds. */
	header(&p, 1);
	s = rr(&p, 15);
	u16(&p, 10);
	name(&p, "mx", -1);
	put(&p, "x", 1);
	rr_end(&p, s);
	assert_int_equal(mx_parse(p.b, p.n, mx, 4, &nullmx), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nexthop),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_mx_sort),
		cmocka_unit_test(test_mx_self),
		cmocka_unit_test(test_mx_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
