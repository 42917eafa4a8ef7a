/* DHCP client engine; see dhcpcli.h. */
#include "dhcpcli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "num.h"

/* ------------------------------------------------------ lease options */

static int
bit(const uint8_t *set, unsigned code)
{
	return (set[code / 8] >> (code % 8)) & 1;
}

static void
setbit(uint8_t *set, unsigned code)
{
	set[code / 8] = (uint8_t)(set[code / 8] | (1u << (code % 8)));
}

static void
clrbit(uint8_t *set, unsigned code)
{
	set[code / 8] = (uint8_t)(set[code / 8] & ~(1u << (code % 8)));
}

const uint8_t *
dcl_lease_opt(const struct dcl_lease *l, uint8_t code, size_t *len_r)
{
	if (!bit(l->present, code))
		return NULL;
	if (len_r != NULL)
		*len_r = l->len[code];
	return l->data + l->off[code];
}

/* Sets option code to n bytes; -1 when there is no room. */
static int
lset(struct dcl_lease *l, uint8_t code, const uint8_t *p, size_t n)
{
	if (n == 0 || n > 0xffff || n > DCL_DATA_MAX - l->used)
		return -1;
	memmove(l->data + l->used, p, n);
	l->off[code] = (uint16_t)l->used;
	l->len[code] = (uint16_t)n;
	l->used += n;
	setbit(l->present, code);
	return 0;
}

static void
ldrop(struct dcl_lease *l, uint8_t code, const char *why)
{
	if (!bit(l->present, code))
		return;
	clrbit(l->present, code);
	l->dropped++;
	l->dropwhy = why;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int
dcl_mask_bits(uint32_t mask)
{
	int bits = 0;

	while (bits < 32 && (mask & (0x80000000u >> bits)))
		bits++;
	if (bits < 32 && (mask << bits) != 0)
		return -1;
	return bits;
}

/* An address a host may use or talk to: not 0/8, 127/8, class D or E. */
static int
unicast(uint32_t ip)
{
	return (ip >> 24) != 0 && (ip >> 24) != 127 && ip < 0xe0000000u;
}

/* One RFC 1123 host or domain name of at most 253 bytes (final dot ok). */
static int
name_ok(const uint8_t *p, size_t n)
{
	size_t i, lab = 0;

	if (n > 0 && p[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (c == '.') {
			if (lab == 0 || p[i - 1] == '-')
				return 0;
			lab = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
		if ((c == '-' && lab == 0) || ++lab > 63)
			return 0;
	}
	return p[n - 1] != '-';
}

/* Names separated by single spaces (domain-name as servers send it). */
static int
names_ok(const uint8_t *p, size_t n)
{
	size_t i, start = 0;

	if (n == 0 || n > 255)
		return 0;
	for (i = 0; i <= n; i++)
		if (i == n || p[i] == ' ') {
			if (!name_ok(p + start, i - start))
				return 0;
			start = i + 1;
		}
	return 1;
}

/* Keeps the addresses of an address list that pass keep(). */
static void
filter_ips(struct dcl_lease *l, uint8_t code, int routers)
{
	size_t n, i, k = 0;
	const uint8_t *v = dcl_lease_opt(l, code, &n);
	uint8_t out[DCL_DATA_MAX];
	uint32_t net = l->addr & l->mask, bcast = l->addr | ~l->mask;

	if (v == NULL)
		return;
	if (n % 4 != 0) {
		ldrop(l, code, "address list of a bad length");
		return;
	}
	for (i = 0; i < n; i += 4) {
		uint32_t ip = get32(v + i);

		if (!unicast(ip))
			continue;
		if (routers && ((ip & l->mask) != net || ip == l->addr ||
				   (l->mask != 0xffffffffu &&
				       l->mask != 0xfffffffeu &&
				       (ip == net || ip == bcast))))
			continue;
		memcpy(out + k, v + i, 4);
		k += 4;
	}
	if (k == n)
		return;
	if (k == 0) {
		ldrop(l, code,
		    routers ? "router outside the subnet" :
			      "unusable address in a list");
		return;
	}
	/* Shrinks in place, so nothing can fail half-way. */
	memcpy(l->data + l->off[code], out, k);
	l->len[code] = (uint16_t)k;
	l->dropped++;
	l->dropwhy = routers ? "router outside the subnet" :
			       "unusable address in a list";
}

/* Drops the options that would mislead the script; see the header. */
static void
filter(struct dcl_lease *l)
{
	unsigned code;
	const uint8_t *v;
	size_t n;

	for (code = 1; code < 255; code++) {
		const struct dcc_optdef *d;
		size_t want = 0;

		if (!bit(l->present, code) ||
		    (d = dcc_opt_bycode((uint8_t)code)) == NULL)
			continue;
		switch (d->type) {
		case DCT_IP:
		case DCT_U32:
		case DCT_S32:
			want = 4;
			break;
		case DCT_U16:
			want = 2;
			break;
		case DCT_U8:
		case DCT_BOOL:
			want = 1;
			break;
		default:
			break;
		}
		if (want != 0 && l->len[code] != want)
			ldrop(l, (uint8_t)code, "option of a bad length");
	}
	filter_ips(l, DHO_ROUTERS, 1);
	for (code = 1; code < 255; code++) {
		const struct dcc_optdef *d = dcc_opt_bycode((uint8_t)code);

		if (d != NULL && d->type == DCT_IPS && code != DHO_ROUTERS &&
		    code != 33)
			filter_ips(l, (uint8_t)code, 0);
	}
	/* Static routes (33) are pairs whose router must be on the link. */
	if ((v = dcl_lease_opt(l, 33, &n)) != NULL) {
		size_t i;

		for (i = 0; i + 8 <= n; i += 8)
			if ((get32(v + i + 4) & l->mask) != (l->addr & l->mask))
				break;
		if (n % 8 != 0 || i < n)
			ldrop(l, 33, "static route through a router off the link");
	}
	if ((v = dcl_lease_opt(l, DHO_BROADCAST, &n)) != NULL &&
	    get32(v) != (l->addr | ~l->mask))
		ldrop(l, DHO_BROADCAST, "broadcast address not the subnet's");
	if ((v = dcl_lease_opt(l, DHO_HOST_NAME, &n)) != NULL &&
	    !name_ok(v, n))
		ldrop(l, DHO_HOST_NAME, "bad host name");
	if ((v = dcl_lease_opt(l, 40, &n)) != NULL && !name_ok(v, n))
		ldrop(l, 40, "bad NIS domain name");
	if ((v = dcl_lease_opt(l, DHO_DOMAIN_NAME, &n)) != NULL &&
	    !names_ok(v, n))
		ldrop(l, DHO_DOMAIN_NAME, "bad domain name");
	if ((v = dcl_lease_opt(l, DHO_DOMAIN_SEARCH, &n)) != NULL) {
		char names[1024];

		if (dhcp_dnssearch_decode(v, n, names, sizeof names) <= 0)
			ldrop(l, DHO_DOMAIN_SEARCH, "bad domain search list");
	}
	if ((v = dcl_lease_opt(l, DHO_MTU, &n)) != NULL &&
	    ((unsigned)v[0] << 8 | v[1]) < 68)
		ldrop(l, DHO_MTU, "MTU below 68");
	if ((v = dcl_lease_opt(l, DHO_CLASSLESS_ROUTES, &n)) != NULL) {
		struct dhcp_route r[64];
		int k, i;

		k = dhcp_routes_decode(v, n, r, 64);
		for (i = 0; i < k; i++)
			if (r[i].router != 0 &&
			    (r[i].router & l->mask) != (l->addr & l->mask))
				break;
		if (k <= 0 || i < k)
			ldrop(l, DHO_CLASSLESS_ROUTES, "bad classless routes");
	}
}

/* Joins a configured value to the server's (prepend or append). */
static int
join(struct dcl_lease *l, const struct dcc_val *cv, int before)
{
	uint8_t out[DCL_DATA_MAX];
	size_t n, k = 0;
	const uint8_t *v = dcl_lease_opt(l, cv->code, &n);
	const struct dcc_optdef *d = dcc_opt_bycode(cv->code);

	if (v == NULL)
		return lset(l, cv->code, cv->v, cv->len);
	if (n + cv->len + 1 > sizeof out)
		return -1;
	if (cv->code == DHO_DOMAIN_SEARCH) {
		/* Compression pointers are offsets: decode, join, encode. */
		char a[1024], b[1024], *names[64];
		const char *np[64];
		size_t i, m = 0;
		long r;
		char *s, *save = NULL;

		if (dhcp_dnssearch_decode(before ? cv->v : v,
			before ? cv->len : n, a, sizeof a) < 0 ||
		    dhcp_dnssearch_decode(before ? v : cv->v,
			before ? n : cv->len, b, sizeof b) < 0)
			return -1;
		for (s = strtok_r(a, " ", &save); s != NULL && m < 64;
		     s = strtok_r(NULL, " ", &save))
			names[m++] = s;
		save = NULL;
		for (s = strtok_r(b, " ", &save); s != NULL && m < 64;
		     s = strtok_r(NULL, " ", &save))
			names[m++] = s;
		for (i = 0; i < m; i++)
			np[i] = names[i];
		if ((r = dhcp_dnssearch_encode(np, m, out, sizeof out)) < 0)
			return -1;
		return lset(l, cv->code, out, (size_t)r);
	}
	if (before) {
		memcpy(out, cv->v, cv->len);
		k = cv->len;
	}
	if (before && d != NULL && d->type == DCT_TEXT)
		out[k++] = ' ';
	memcpy(out + k, v, n);
	k += n;
	if (!before) {
		if (d != NULL && d->type == DCT_TEXT)
			out[k++] = ' ';
		memcpy(out + k, cv->v, cv->len);
		k += cv->len;
	}
	return lset(l, cv->code, out, k);
}

static void
merge(struct dcl_lease *l, const struct dcc_conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nset; i++) {
		const struct dcc_val *cv = &c->set[i];
		int r = 0;

		if (cv->hostname || cv->len == 0)
			continue;
		switch (cv->mode) {
		case DCM_SUPERSEDE:
			r = lset(l, cv->code, cv->v, cv->len);
			break;
		case DCM_DEFAULT:
			if (!bit(l->present, cv->code))
				r = lset(l, cv->code, cv->v, cv->len);
			break;
		case DCM_PREPEND:
		case DCM_APPEND:
			r = join(l, cv, cv->mode == DCM_PREPEND);
			break;
		default:
			break;
		}
		if (r != 0) {
			l->dropped++;
			l->dropwhy = "configured value did not fit";
		}
	}
}

/* Address, mask and lease times from the options; -1 with a reason. */
static int
derive(struct dcl_lease *l, const char **why_r)
{
	const uint8_t *v;
	size_t n;
	int bits;
	uint32_t t1, t2;

	if (!unicast(l->addr) || l->addr == 0xffffffffu) {
		*why_r = "unusable yiaddr";
		return -1;
	}
	if ((v = dcl_lease_opt(l, DHO_SUBNET_MASK, &n)) != NULL) {
		l->mask = get32(v);
		bits = dcl_mask_bits(l->mask);
		if (bits < 1) {
			*why_r = "subnet mask not contiguous";
			return -1;
		}
	} else {
		/* The class's natural mask, as dhclient does. */
		l->mask = l->addr < 0x80000000u ? 0xff000000u :
		    l->addr < 0xc0000000u	    ? 0xffff0000u :
						      0xffffff00u;
		bits = dcl_mask_bits(l->mask);
	}
	if (bits <= 30 && ((l->addr & ~l->mask) == 0 ||
			      (l->addr & ~l->mask) == ~l->mask)) {
		*why_r = "yiaddr is the network or broadcast address";
		return -1;
	}
	if ((v = dcl_lease_opt(l, DHO_LEASE_TIME, &n)) == NULL || n != 4) {
		*why_r = "no lease time";
		return -1;
	}
	l->lease = get32(v);
	if (l->lease == 0) {
		*why_r = "lease time 0";
		return -1;
	}
	if (l->lease == DCL_INFINITE) {
		l->t1 = l->t2 = DCL_INFINITE;
		return 0;
	}
	l->t1 = (uint32_t)(l->lease / 2);
	l->t2 = (uint32_t)((uint64_t)l->lease * 7 / 8);
	if ((v = dcl_lease_opt(l, DHO_T2, &n)) != NULL && n == 4 &&
	    (t2 = get32(v)) > 0 && t2 < l->lease) {
		l->t2 = t2;
		if (l->t1 >= t2)
			l->t1 = t2 / 2;
	}
	if ((v = dcl_lease_opt(l, DHO_T1, &n)) != NULL && n == 4 &&
	    (t1 = get32(v)) > 0 && t1 < l->t2)
		l->t1 = t1;
	return 0;
}

int
dcl_lease_from_msg(const struct dhcp_msg *m, const struct dcc_conf *conf,
    struct dcl_lease *l, const char **why_r)
{
	unsigned code;
	int type = dhcp_msg_type(m);

	memset(l, 0, offsetof(struct dcl_lease, data));
	if (type != DHCPOFFER && type != DHCPACK) {
		*why_r = "not an OFFER or ACK";
		return -1;
	}
	l->type = type;
	if (dhcp_opt_ip(m, DHO_SERVER_ID, &l->server) != 0) {
		*why_r = "no server identifier";
		return -1;
	}
	if (!unicast(l->server)) {
		*why_r = "server identifier not a unicast address";
		return -1;
	}
	l->addr = m->h.yiaddr;
	for (code = 1; code < 255; code++) {
		const uint8_t *v;
		size_t n;

		if (!dhcp_has(m, (uint8_t)code))
			continue;
		setbit(l->sent, code);
		if (code == DHO_OVERLOAD || code == DHO_MSG_TYPE ||
		    code == DHO_PRL || code == DHO_MAX_SIZE ||
		    code == DHO_REQUESTED_IP)
			continue;
		v = dhcp_opt(m, (uint8_t)code, &n);
		if (n > 0 && lset(l, (uint8_t)code, v, n) != 0) {
			*why_r = "options too large";
			return -1;
		}
	}
	merge(l, conf);
	if (derive(l, why_r) != 0)
		return -1;
	filter(l);
	return 0;
}

int
dcl_lease_from_conf(const struct dcc_lease *b, const struct dcc_conf *conf,
    int64_t now_wall, struct dcl_lease *l, const char **why_r)
{
	size_t i;
	uint8_t t[4];

	memset(l, 0, offsetof(struct dcl_lease, data));
	if (b->expire != 0 && (int64_t)b->expire <= now_wall) {
		*why_r = "lease block expired";
		return -1;
	}
	l->addr = b->addr;
	for (i = 0; i < b->nopts; i++)
		if (lset(l, b->opts[i].code, b->opts[i].v, b->opts[i].len) !=
		    0) {
			*why_r = "lease block too large";
			return -1;
		}
	if (b->expire == 0 || (int64_t)b->expire - now_wall >= DCL_INFINITE)
		put32(t, DCL_INFINITE);
	else
		put32(t, (uint32_t)((int64_t)b->expire - now_wall));
	(void)lset(l, DHO_LEASE_TIME, t, 4);
	merge(l, conf);
	if (derive(l, why_r) != 0)
		return -1;
	filter(l);
	l->t1 = l->t2 = DCL_INFINITE;
	return 0;
}

int64_t
dcl_backoff(unsigned n, unsigned initial, unsigned cutoff, uint32_t rnd)
{
	int64_t s = initial == 0 ? 1 : initial, ms;

	while (n-- > 0 && s < (int64_t)cutoff)
		s *= 2;
	if (s > (int64_t)cutoff)
		s = cutoff;
	ms = s * 1000 + (int64_t)(rnd % 2001) - 1000;
	return ms < 1000 ? 1000 : ms;
}

/* ------------------------------------------------------ state machine */

const char *
dcl_state_name(enum dcl_state st)
{
	static const char *const names[] = { "INIT", "SELECTING",
		"REQUESTING", "PROBING", "BOUND", "RENEWING", "REBINDING",
		"REBOOTING", "STATIC", "WAIT", "RELEASED" };

	return (unsigned)st < sizeof names / sizeof names[0] ? names[st] : "?";
}

int64_t
dcl_next(const struct dcl *d)
{
	return d->next;
}

static uint32_t
rnd(struct dcl *d)
{
	return d->rnd(d->rctx);
}

static void
add_sends(struct dcl *d)
{
	const struct dcc_conf *c = d->conf;
	uint8_t prl[255];
	size_t n = 0, i, j;

	for (i = 0; i < c->nset; i++) {
		const struct dcc_val *v = &c->set[i];

		if (v->mode != DCM_SEND || v->code == DHO_CLIENT_ID)
			continue;
		if (v->hostname) {
			size_t hl = strlen(d->hostname);

			if (hl > 0 && name_ok((const uint8_t *)d->hostname, hl))
				(void)dhcp_out_add(&d->out, v->code,
				    d->hostname, hl);
		} else
			(void)dhcp_out_add(&d->out, v->code, v->v, v->len);
	}
	for (i = 0; i < c->nrequest + c->nrequire; i++) {
		uint8_t code = i < c->nrequest ? c->request[i] :
						 c->require[i - c->nrequest];

		for (j = 0; j < n; j++)
			if (prl[j] == code)
				break;
		if (j == n && n < sizeof prl)
			prl[n++] = code;
	}
	if (n > 0)
		(void)dhcp_out_add(&d->out, DHO_PRL, prl, n);
}

/* Builds a message of type for the current state into a. */
static void
emit(struct dcl *d, int64_t now, int type, enum dcl_how how,
    uint32_t dst, struct dcl_act *a)
{
	const struct dcc_val *cid = dcc_find(d->conf, DHO_CLIENT_ID, DCM_SEND);
	uint8_t id[7];
	uint32_t req = 0, sid = 0, ci = 0;
	int64_t secs = (now - d->started) / 1000;
	long len;

	dhcp_out_init(&d->out);
	d->out.h.op = BOOTREQUEST;
	d->out.h.htype = 1;
	d->out.h.hlen = 6;
	d->out.h.xid = d->xid;
	d->out.h.secs = (uint16_t)(secs < 0 ? 0 : secs > 0xffff ? 0xffff : secs);
	memcpy(d->out.h.chaddr, d->mac, 6);
	switch (d->st) {
	case DCL_SELECTING:
		req = d->want;
		break;
	case DCL_REQUESTING:
		req = d->offer.addr;
		sid = d->offer.server;
		break;
	case DCL_PROBING: /* DECLINE */
		req = d->offer.addr;
		sid = d->offer.server;
		break;
	case DCL_REBOOTING:
		req = d->cur.addr;
		break;
	case DCL_RENEWING:
	case DCL_REBINDING:
		ci = d->cur.addr;
		break;
	case DCL_RELEASED:
		ci = d->cur.addr;
		sid = d->cur.server;
		break;
	default:
		break;
	}
	d->out.h.ciaddr = ci;
	(void)dhcp_out_add_u8(&d->out, DHO_MSG_TYPE, (uint8_t)type);
	if (sid != 0)
		(void)dhcp_out_add_u32(&d->out, DHO_SERVER_ID, sid);
	if (req != 0)
		(void)dhcp_out_add_u32(&d->out, DHO_REQUESTED_IP, req);
	if (cid != NULL)
		(void)dhcp_out_add(&d->out, DHO_CLIENT_ID, cid->v, cid->len);
	else {
		id[0] = 1;
		memcpy(id + 1, d->mac, 6);
		(void)dhcp_out_add(&d->out, DHO_CLIENT_ID, id, sizeof id);
	}
	if (type == DHCPDISCOVER || type == DHCPREQUEST) {
		(void)dhcp_out_add_u16(&d->out, DHO_MAX_SIZE, 1500);
		add_sends(d);
	}
	len = dhcp_build(&d->out, DHCP_DEFAULT_MAX, d->pkt, sizeof d->pkt,
	    NULL);
	if (len < 0)
		return;
	a->pkt = d->pkt;
	a->len = (size_t)len;
	a->type = type;
	a->how = how;
	a->dst = dst;
}

static void
discover(struct dcl *d, int64_t now, struct dcl_act *a)
{
	d->st = DCL_SELECTING;
	emit(d, now, DHCPDISCOVER, DCL_RAW_BCAST, 0, a);
	d->next = now + dcl_backoff(d->attempt++, d->conf->initial_interval,
	    d->conf->backoff_cutoff, rnd(d));
	if (d->next > d->giveup)
		d->next = d->giveup;
}

static void
start_init(struct dcl *d, int64_t now, struct dcl_act *a)
{
	d->xid = rnd(d);
	d->started = now;
	d->attempt = 0;
	d->have_offer = 0;
	d->select_end = now + (int64_t)d->conf->select_timeout * 1000;
	d->giveup = now + (int64_t)d->conf->timeout * 1000;
	discover(d, now, a);
}

static void
request(struct dcl *d, int64_t now, struct dcl_act *a)
{
	emit(d, now, DHCPREQUEST, DCL_RAW_BCAST, 0, a);
	d->next = now + dcl_backoff(d->attempt++, d->conf->initial_interval,
	    d->conf->backoff_cutoff, rnd(d));
	if (d->next > d->giveup)
		d->next = d->giveup;
}

static void
request_offer(struct dcl *d, int64_t now, struct dcl_act *a)
{
	d->st = DCL_REQUESTING;
	d->attempt = 0;
	d->sent_at = now;
	/* RFC 2131 4.4.1: the REQUEST keeps the xid of the OFFER. */
	d->giveup = INT64_MAX;
	request(d, now, a);
}

/* RFC 2131 4.4.5: half the time left, at least 60 s, up to deadline. */
static void
renew_send(struct dcl *d, int64_t now, int64_t deadline, struct dcl_act *a)
{
	int64_t wait = (deadline - now) / 2;

	if (d->st == DCL_RENEWING)
		emit(d, now, DHCPREQUEST, DCL_UDP_UNICAST, d->cur.server,
		    a);
	else
		emit(d, now, DHCPREQUEST, DCL_UDP_BCAST, 0xffffffffu, a);
	if (wait < 60000)
		wait = 60000;
	d->next = now + wait < deadline ? now + wait : deadline;
}

static int64_t
at(int64_t base, uint32_t secs)
{
	return secs == DCL_INFINITE ? INT64_MAX : base + (int64_t)secs * 1000;
}

static void
bind_lease(struct dcl *d, int64_t now, const char *reason, struct dcl_lease *l,
    struct dcl_act *a)
{
	(void)now;
	d->have_old = 0;
	if (d->have_cur) {
		d->old = d->cur;
		d->have_old = 1;
	} else if (d->have_stat) {
		d->old = d->stat;
		d->have_old = 1;
	}
	if (l != &d->cur)
		d->cur = *l;
	d->have_cur = 1;
	d->have_stat = 0;
	d->t1_at = at(d->sent_at, d->cur.t1);
	d->t2_at = at(d->sent_at, d->cur.t2);
	d->exp_at = at(d->sent_at, d->cur.lease);
	d->st = DCL_BOUND;
	d->next = d->t1_at;
	d->want = d->cur.addr;
	a->reason = reason;
	a->new_lease = &d->cur;
	a->old_lease = d->have_old ? &d->old : NULL;
	a->save = 1;
}

/* The lease is gone: EXPIRE for the script, then start again. */
static void
expire(struct dcl *d, int64_t now, struct dcl_act *a)
{
	d->old = d->cur;
	d->have_old = 1;
	d->have_cur = 0;
	d->want = 0;
	a->reason = "EXPIRE";
	a->old_lease = &d->old;
	a->forget = 1;
	start_init(d, now, a);
}

/* No server answered in time: a lease block, or FAIL, then retry. */
static void
fallback(struct dcl *d, int64_t now, struct dcl_act *a)
{
	const char *why;
	size_t i;
	int64_t wall = now / 1000 + d->wall_offset;

	d->next = now + (int64_t)d->conf->retry * 1000;
	if (d->have_cur && d->exp_at > now) {
		/* The remembered lease is still good (RFC 2131 3.2). */
		d->stat = d->cur;
		d->stat.lease = (uint32_t)((d->exp_at - now) / 1000);
		d->have_stat = 1;
	} else
		for (i = 0; i < d->conf->nlease; i++) {
			const struct dcc_lease *b = &d->conf->lease[i];

			if (b->ifname[0] != 0 &&
			    strcmp(b->ifname, d->ifname) != 0)
				continue;
			if (dcl_lease_from_conf(b, d->conf, wall, &d->stat,
				&why) == 0) {
				d->have_stat = 1;
				break;
			}
		}
	if (d->have_stat) {
		d->st = DCL_STATIC;
		a->reason = "TIMEOUT";
		a->new_lease = &d->stat;
		return;
	}
	d->st = DCL_WAIT;
	a->reason = "FAIL";
}

void
dcl_static_failed(struct dcl *d, int64_t now, struct dcl_act *a)
{
	(void)now;
	memset(a, 0, sizeof *a);
	if (d->st != DCL_STATIC)
		return;
	d->have_stat = 0;
	d->st = DCL_WAIT;
	a->reason = "FAIL";
}

void
dcl_start(struct dcl *d, int64_t now, const uint8_t *saved, size_t n,
    int64_t remaining, struct dcl_act *a)
{
	const char *why;

	memset(a, 0, sizeof *a);
	d->have_cur = d->have_old = d->have_stat = d->have_offer = 0;
	d->want = 0;
	if (saved != NULL && n <= sizeof d->ack &&
	    dhcp_parse(saved, n, &d->msg, &why) == 0 &&
	    dcl_lease_from_msg(&d->msg, d->conf, &d->tmp, &why) == 0 &&
	    d->tmp.type == DHCPACK) {
		d->want = d->tmp.addr;
		if (remaining > 0 && d->conf->reboot > 0) {
			d->cur = d->tmp;
			d->have_cur = 1;
			memcpy(d->ack, saved, n);
			d->acklen = n;
			d->exp_at = now + remaining * 1000;
			d->t1_at = d->t2_at = d->exp_at;
			d->st = DCL_REBOOTING;
			d->xid = rnd(d);
			d->started = d->sent_at = now;
			d->attempt = 0;
			d->giveup = now + (int64_t)d->conf->reboot * 1000;
			request(d, now, a);
			return;
		}
	}
	start_init(d, now, a);
}

void
dcl_timer(struct dcl *d, int64_t now, struct dcl_act *a)
{
	memset(a, 0, sizeof *a);
	if (now < d->next)
		return;
	switch (d->st) {
	case DCL_INIT:
	case DCL_WAIT:
	case DCL_STATIC:
		start_init(d, now, a);
		break;
	case DCL_SELECTING:
		if (d->have_offer)
			request_offer(d, now, a);
		else if (now >= d->giveup)
			fallback(d, now, a);
		else
			discover(d, now, a);
		break;
	case DCL_REQUESTING:
		if (d->attempt >= 4) {
			d->want = 0;
			start_init(d, now, a);
		} else
			request(d, now, a);
		break;
	case DCL_REBOOTING:
		if (now >= d->giveup) {
			start_init(d, now, a);
		} else
			request(d, now, a);
		break;
	case DCL_BOUND:
	case DCL_RENEWING:
	case DCL_REBINDING:
		if (now >= d->exp_at) {
			expire(d, now, a);
		} else if (now >= d->t2_at) {
			if (d->st != DCL_REBINDING) {
				d->st = DCL_REBINDING;
				d->xid = rnd(d);
				d->started = d->sent_at = now;
			}
			renew_send(d, now, d->exp_at, a);
		} else {
			if (d->st == DCL_BOUND) {
				d->st = DCL_RENEWING;
				d->xid = rnd(d);
				d->started = d->sent_at = now;
			}
			renew_send(d, now, d->t2_at, a);
		}
		break;
	case DCL_PROBING:
	case DCL_RELEASED:
		d->next = INT64_MAX;
		break;
	}
}

/* Whether offer a is better than b: the address asked for, then the
 * longer lease; the first one otherwise. */
static int
better(const struct dcl *d, const struct dcl_lease *a,
    const struct dcl_lease *b)
{
	if (d->want != 0 && (a->addr == d->want) != (b->addr == d->want))
		return a->addr == d->want;
	return a->lease > b->lease;
}

int
dcl_input(struct dcl *d, int64_t now, const uint8_t *p, size_t n,
    uint32_t src, struct dcl_act *a, const char **why_r)
{
	struct dhcp_msg *m = &d->msg;
	struct dcl_lease *l = &d->tmp;
	const char *why;
	uint32_t sid = 0;
	int type;
	size_t i;

	memset(a, 0, sizeof *a);
	if (dhcp_parse(p, n, m, &why) != 0)
		goto ignore;
	why = "not a BOOTREPLY";
	if (m->h.op != BOOTREPLY)
		goto ignore;
	why = "not Ethernet";
	if (m->h.htype != 1 || m->h.hlen != 6)
		goto ignore;
	why = "xid does not match";
	if (m->h.xid != d->xid)
		goto ignore;
	why = "not our hardware address";
	if (memcmp(m->h.chaddr, d->mac, 6) != 0)
		goto ignore;
	why = "not waiting for a reply";
	if (d->st != DCL_SELECTING && d->st != DCL_REQUESTING &&
	    d->st != DCL_RENEWING && d->st != DCL_REBINDING &&
	    d->st != DCL_REBOOTING)
		goto ignore;
	type = dhcp_msg_type(m);
	(void)dhcp_opt_ip(m, DHO_SERVER_ID, &sid);
	if (type == DHCPNAK) {
		why = "NAK where none is expected";
		if (d->st == DCL_SELECTING)
			goto ignore;
		why = "NAK from another server";
		if ((d->st == DCL_REQUESTING && sid != d->offer.server) ||
		    (d->st == DCL_RENEWING && sid != d->cur.server))
			goto ignore;
		if (d->st == DCL_REQUESTING) {
			d->st = DCL_WAIT;
			d->want = 0;
			d->next = now + 2000;
		} else {
			d->want = 0;
			expire(d, now, a);
		}
		return 0;
	}
	if (dcl_lease_from_msg(m, d->conf, l, &why) != 0)
		goto ignore;
	why = "server rejected by the configuration";
	if (dcc_rejected(d->conf, l->server) ||
	    (src != 0 && dcc_rejected(d->conf, src)))
		goto ignore;
	why = "lacks an option the configuration requires";
	for (i = 0; i < d->conf->nrequire; i++)
		if (!bit(l->sent, d->conf->require[i]))
			goto ignore;
	if (type == DHCPOFFER) {
		why = "OFFER where none is expected";
		if (d->st != DCL_SELECTING)
			goto ignore;
		if (!d->have_offer || better(d, l, &d->offer)) {
			d->offer = *l;
			d->have_offer = 1;
		}
		if (now >= d->select_end)
			request_offer(d, now, a);
		else
			d->next = d->select_end;
		return 0;
	}
	why = "ACK where none is expected";
	if (d->st == DCL_SELECTING)
		goto ignore;
	why = "ACK from another server";
	if ((d->st == DCL_REQUESTING && l->server != d->offer.server) ||
	    (d->st == DCL_RENEWING && l->server != d->cur.server))
		goto ignore;
	why = "ACK for another address";
	if ((d->st == DCL_REQUESTING && l->addr != d->offer.addr) ||
	    (d->st != DCL_REQUESTING && l->addr != d->cur.addr))
		goto ignore;
	memcpy(d->ack, p, n);
	d->acklen = n;
	switch (d->st) {
	case DCL_REQUESTING:
		if (d->probe) {
			d->offer = *l;
			d->st = DCL_PROBING;
			d->next = INT64_MAX;
			a->probe = l->addr;
			return 0;
		}
		bind_lease(d, now, "BOUND", l, a);
		break;
	case DCL_REBOOTING:
		d->have_cur = 0; /* old_ is not a different lease */
		bind_lease(d, now, "REBOOT", l, a);
		break;
	case DCL_RENEWING:
		bind_lease(d, now, "RENEW", l, a);
		break;
	default:
		bind_lease(d, now, "REBIND", l, a);
		break;
	}
	return 0;
ignore:
	if (why_r != NULL)
		*why_r = why;
	return -1;
}

void
dcl_probed(struct dcl *d, int64_t now, int in_use, struct dcl_act *a)
{
	memset(a, 0, sizeof *a);
	if (d->st != DCL_PROBING)
		return;
	if (!in_use) {
		bind_lease(d, now, "BOUND", &d->offer, a);
		return;
	}
	/* RFC 2131 3.1.5: DECLINE, then wait at least ten seconds. */
	emit(d, now, DHCPDECLINE, DCL_RAW_BCAST, 0, a);
	d->st = DCL_WAIT;
	d->want = 0;
	d->next = now + 10000;
}

void
dcl_release(struct dcl *d, int64_t now, struct dcl_act *a)
{
	memset(a, 0, sizeof *a);
	a->forget = 1;
	/* In INIT-REBOOT the address is still configured from before. */
	if (d->have_cur && (d->st == DCL_BOUND || d->st == DCL_RENEWING ||
			       d->st == DCL_REBINDING ||
			       d->st == DCL_REBOOTING)) {
		d->st = DCL_RELEASED;
		d->xid = rnd(d);
		d->started = now;
		emit(d, now, DHCPRELEASE, DCL_UDP_UNICAST, d->cur.server,
		    a);
		a->reason = "RELEASE";
		a->old_lease = &d->cur;
	} else if (d->st == DCL_STATIC) {
		a->reason = "RELEASE";
		a->old_lease = &d->stat;
	}
	d->st = DCL_RELEASED;
	d->next = INT64_MAX;
}

/* ------------------------------------------------ script environment */

void
dcl_env_init(struct dcl_env *e)
{
	e->n = 0;
	e->used = 0;
	e->v[0] = NULL;
}

static int
safe_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != 0 && strchr(" ._:/@+,=-", c));
}

int
dcl_env_add(struct dcl_env *e, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value), i;
	char *s;

	if (e->n == DCL_ENV_MAX || nl + vl + 2 > sizeof e->buf - e->used)
		return -1;
	s = e->buf + e->used;
	for (i = 0; i < nl; i++)
		s[i] = safe_char((unsigned char)name[i]) && name[i] != '=' &&
			name[i] != ' ' ? name[i] : '_';
	s[nl] = '=';
	for (i = 0; i < vl; i++)
		s[nl + 1 + i] = safe_char((unsigned char)value[i]) ? value[i] :
								     '_';
	s[nl + 1 + vl] = 0;
	e->used += nl + vl + 2;
	e->v[e->n++] = s;
	e->v[e->n] = NULL;
	return 0;
}

static int
addv(struct dcl_env *e, const char *prefix, const char *name, const char *v)
{
	char full[96];
	size_t i;

	if ((size_t)snprintf(full, sizeof full, "%s%s", prefix, name) >=
	    sizeof full)
		return -1;
	for (i = 0; full[i]; i++)
		if (full[i] == '-')
			full[i] = '_';
	return dcl_env_add(e, full, v);
}

/* Formats one option value by its type into out (cap >= 1024). */
static void
fmt_opt(const struct dcc_optdef *d, const uint8_t *v, size_t n, char *out,
    size_t cap)
{
	size_t i, k = 0;
	char ip[16];

	out[0] = 0;
	switch (d->type) {
	case DCT_IP:
	case DCT_IPS:
		for (i = 0; i + 4 <= n && k + 17 < cap; i += 4)
			k += (size_t)snprintf(out + k, cap - k, "%s%s",
			    i ? " " : "", dhcp_ip_fmt(get32(v + i), ip));
		break;
	case DCT_U8:
	case DCT_BOOL:
		if (d->type == DCT_BOOL)
			snprintf(out, cap, "%s", v[0] ? "true" : "false");
		else
			snprintf(out, cap, "%u", v[0]);
		break;
	case DCT_U16:
		snprintf(out, cap, "%u", (unsigned)v[0] << 8 | v[1]);
		break;
	case DCT_U32:
		snprintf(out, cap, "%lu", (unsigned long)get32(v));
		break;
	case DCT_S32:
		snprintf(out, cap, "%ld", (long)(int32_t)get32(v));
		break;
	case DCT_TEXT:
		for (i = 0; i < n && k + 1 < cap; i++)
			out[k++] = safe_char(v[i]) ? (char)v[i] : '_';
		out[k] = 0;
		break;
	case DCT_DOMAINS:
		if (dhcp_dnssearch_decode(v, n, out, cap) < 0)
			out[0] = 0;
		break;
	case DCT_CODES:
	case DCT_BYTES:
		for (i = 0; i < n && k + 4 < cap; i++)
			k += (size_t)snprintf(out + k, cap - k, "%s%02x",
			    i ? ":" : "", v[i]);
		break;
	}
}

int
dcl_env_lease(struct dcl_env *e, const char *prefix,
    const struct dcl_lease *l, int64_t now_wall)
{
	char v[1024], ip[16];
	unsigned code;
	const uint8_t *p;
	size_t n;
	int r = 0;

	r |= addv(e, prefix, "ip_address", dhcp_ip_fmt(l->addr, v));
	r |= addv(e, prefix, "subnet_mask", dhcp_ip_fmt(l->mask, v));
	snprintf(v, sizeof v, "%d", dcl_mask_bits(l->mask));
	r |= addv(e, prefix, "subnet_prefix", v);
	r |= addv(e, prefix, "network_number",
	    dhcp_ip_fmt(l->addr & l->mask, v));
	if ((p = dcl_lease_opt(l, DHO_BROADCAST, &n)) == NULL)
		r |= addv(e, prefix, "broadcast_address",
		    dhcp_ip_fmt(l->addr | ~l->mask, v));
	if (l->lease == DCL_INFINITE)
		snprintf(v, sizeof v, "never");
	else
		snprintf(v, sizeof v, "%lld",
		    (long long)(now_wall + (int64_t)l->lease));
	r |= addv(e, prefix, "expiry", v);
	snprintf(v, sizeof v, "%lu", (unsigned long)l->lease);
	r |= addv(e, prefix, "dhcp_lease_time", v);
	if (l->t1 != DCL_INFINITE) {
		snprintf(v, sizeof v, "%lu", (unsigned long)l->t1);
		r |= addv(e, prefix, "dhcp_renewal_time", v);
		snprintf(v, sizeof v, "%lu", (unsigned long)l->t2);
		r |= addv(e, prefix, "dhcp_rebinding_time", v);
	}
	if (l->server != 0)
		r |= addv(e, prefix, "dhcp_server_identifier",
		    dhcp_ip_fmt(l->server, ip));
	for (code = 1; code < 255; code++) {
		const struct dcc_optdef *d = dcc_opt_bycode((uint8_t)code);

		if (d == NULL || code == DHO_SUBNET_MASK ||
		    code == DHO_LEASE_TIME || code == DHO_T1 ||
		    code == DHO_T2 || code == DHO_SERVER_ID ||
		    (p = dcl_lease_opt(l, (uint8_t)code, &n)) == NULL)
			continue;
		fmt_opt(d, p, n, v, sizeof v);
		r |= addv(e, prefix, d->name, v);
	}
	return r == 0 ? 0 : -1;
}

/* --------------------------------------------------------- state file */

long
dcl_state_format(const uint8_t *ack, size_t n, int64_t bound_wall, char *out,
    size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	int k;
	size_t i, len;

	k = snprintf(out, cap, "dhcpc 1\nbound %lld\nack ",
	    (long long)bound_wall);
	if (k < 0 || (size_t)k + 2 * n + 2 > cap) {
		errno = E2BIG;
		return -1;
	}
	len = (size_t)k;
	for (i = 0; i < n; i++) {
		out[len++] = hex[ack[i] >> 4];
		out[len++] = hex[ack[i] & 15];
	}
	out[len++] = '\n';
	out[len] = 0;
	return (long)len;
}

static int
hexnib(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

long
dcl_state_parse(const char *text, size_t n, uint8_t *ack, size_t cap,
    int64_t *bound_wall_r)
{
	const char *p = text, *end = text + n, *nl;
	uint64_t t;
	size_t k = 0;

	if (n < 8 || memcmp(p, "dhcpc 1\n", 8) != 0)
		goto bad;
	p += 8;
	if ((size_t)(end - p) < 6 || memcmp(p, "bound ", 6) != 0)
		goto bad;
	p += 6;
	if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL ||
	    num_u64(p, (size_t)(nl - p), INT64_MAX / 2, &t) != 0)
		goto bad;
	p = nl + 1;
	if ((size_t)(end - p) < 4 || memcmp(p, "ack ", 4) != 0)
		goto bad;
	p += 4;
	if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL ||
	    nl + 1 != end || (nl - p) % 2 != 0)
		goto bad;
	for (; p < nl; p += 2) {
		int a = hexnib(p[0]), b = hexnib(p[1]);

		if (a < 0 || b < 0 || k == cap)
			goto bad;
		ack[k++] = (uint8_t)(a << 4 | b);
	}
	*bound_wall_r = (int64_t)t;
	return (long)k;
bad:
	errno = EINVAL;
	return -1;
}
