/*
 * The DHCP server engine; see dhcpsrv.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dhcpsrv.h"

#define NONE UINT32_MAX

enum { S_FREE, S_OFFERED, S_ACTIVE, S_ABANDONED };
#define F_SEEN 1    /* leased or ping-checked before */
#define F_QUEUED 2  /* in its pool's free queue */
#define F_PINGING 4 /* a ping check is running */
#define F_KEYED 8   /* key is set and the slot is in the client hash */

/* 24 bytes: a /16 pool costs 1.5 MB.  The address is not stored: it
 * follows from the slot's place in its pool (slot_ip). */
struct slot {
	uint64_t key;
	uint32_t end; /* seconds since the epoch */
	uint32_t hnext, fnext;
	uint16_t pool;
	uint8_t state, flags;
};

struct hent {
	uint32_t end, slot;
};

struct pool {
	uint32_t first, count;
	uint32_t *rbase; /* slot offset of each range */
	uint32_t fhead, ftail;
	struct hent *heap;
	size_t hn, hcap;
};

struct dhcpsrv {
	const struct dhcpconf *conf;
	struct slot *slots;
	size_t nslots;
	struct pool *pools; /* one per subnet */
	uint32_t *buckets;
	size_t nbuckets;
	uint32_t *hosts; /* open addressing over conf->hosts, NONE empty */
	size_t nhosttab;
};

/* ----------------------------------------------------------- hashing */

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t
key_of(const uint8_t *cid, size_t cidlen, uint8_t htype, const uint8_t *hw,
    size_t hlen)
{
	uint64_t h = 0xcbf29ce484222325ull;
	uint8_t tag;

	if (cidlen > 0) {
		tag = 'C';
		h = fnv(h, &tag, 1);
		return fnv(h, cid, cidlen);
	}
	tag = 'H';
	h = fnv(h, &tag, 1);
	h = fnv(h, &htype, 1);
	return fnv(h, hw, hlen);
}

static uint64_t
msg_key(const struct dhcp_msg *m)
{
	size_t len = 0;
	const uint8_t *cid = dhcp_opt(m, DHO_CLIENT_ID, &len);

	return key_of(cid, cid ? len : 0, m->h.htype, m->h.chaddr, m->h.hlen);
}

static size_t
bucket(const struct dhcpsrv *s, uint64_t key)
{
	return (size_t)(key ^ (key >> 29)) & (s->nbuckets - 1);
}

static void
unkey(struct dhcpsrv *s, uint32_t i)
{
	struct slot *sl = &s->slots[i];
	uint32_t *pp;

	if (!(sl->flags & F_KEYED))
		return;
	for (pp = &s->buckets[bucket(s, sl->key)]; *pp != NONE;
	     pp = &s->slots[*pp].hnext)
		if (*pp == i) {
			*pp = sl->hnext;
			break;
		}
	sl->flags &= (uint8_t)~F_KEYED;
}

static void
setkey(struct dhcpsrv *s, uint32_t i, uint64_t key)
{
	struct slot *sl = &s->slots[i];
	size_t b;

	if ((sl->flags & F_KEYED) && sl->key == key)
		return;
	unkey(s, i);
	sl->key = key;
	b = bucket(s, key);
	sl->hnext = s->buckets[b];
	s->buckets[b] = i;
	sl->flags |= F_KEYED;
}

static size_t
hw_hash(const uint8_t *hw, size_t n)
{
	return (size_t)fnv(0xcbf29ce484222325ull, hw, n);
}

/* The host declared for this hardware address, or NULL. */
static const struct dhcpconf_host *
host_of(const struct dhcpsrv *s, uint8_t htype, const uint8_t *hw, size_t hlen)
{
	size_t i, n;

	if (s->nhosttab == 0 || htype != 1 || hlen != 6)
		return NULL;
	i = hw_hash(hw, 6) & (s->nhosttab - 1);
	for (n = 0; n < s->nhosttab; n++, i = (i + 1) & (s->nhosttab - 1)) {
		const struct dhcpconf_host *h;

		if (s->hosts[i] == NONE)
			return NULL;
		h = &s->conf->hosts[s->hosts[i]];
		if (memcmp(h->hw, hw, 6) == 0)
			return h;
	}
	return NULL;
}

/* ------------------------------------------------------------ pools */

/* Grows the heap's room by a quarter (no more: it is most of a busy
 * pool's memory after the slots); 0, or -1 (out of memory). */
static int
heap_grow(struct pool *p)
{
	size_t cap = p->hcap ? p->hcap + p->hcap / 4 : 64;
	struct hent *q;

	if ((q = realloc(p->heap, cap * sizeof *q)) == NULL)
		return -1;
	p->heap = q;
	p->hcap = cap;
	return 0;
}

static void
heap_push(struct pool *p, uint32_t end, uint32_t slot)
{
	size_t i;

	if (p->hn == p->hcap && heap_grow(p) != 0)
		return; /* the lease then expires only by reuse */
	i = p->hn++;
	while (i > 0 && p->heap[(i - 1) / 2].end > end) {
		p->heap[i] = p->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	p->heap[i].end = end;
	p->heap[i].slot = slot;
}

static void
heap_pop(struct pool *p)
{
	struct hent last;
	size_t i = 0, c;

	if (p->hn == 0)
		return;
	last = p->heap[--p->hn];
	for (;;) {
		c = 2 * i + 1;
		if (c >= p->hn)
			break;
		if (c + 1 < p->hn && p->heap[c + 1].end < p->heap[c].end)
			c++;
		if (p->heap[c].end >= last.end)
			break;
		p->heap[i] = p->heap[c];
		i = c;
	}
	if (p->hn > 0)
		p->heap[i] = last;
}

static int
heap_valid(const struct dhcpsrv *s, const struct hent *e)
{
	const struct slot *sl = &s->slots[e->slot];

	return sl->state != S_FREE && sl->end == e->end;
}

static void
enqueue_free(struct dhcpsrv *s, uint32_t i)
{
	struct slot *sl = &s->slots[i];
	struct pool *p = &s->pools[sl->pool];

	if (sl->flags & F_QUEUED)
		return;
	sl->flags |= F_QUEUED;
	sl->fnext = NONE;
	if (p->ftail == NONE)
		p->fhead = i;
	else
		s->slots[p->ftail].fnext = i;
	p->ftail = i;
}

static void
set_end(struct dhcpsrv *s, uint32_t i, int64_t end)
{
	struct slot *sl = &s->slots[i];

	if (end < 0)
		end = 0;
	if (end > UINT32_MAX)
		end = UINT32_MAX;
	sl->end = (uint32_t)end;
	if (sl->state != S_FREE) {
		struct pool *p = &s->pools[sl->pool];

		/*
		 * A lease whose end changes leaves a stale entry behind
		 * (skipped when it surfaces).  When the heap is full, drop
		 * the stale ones before growing it: it then stays near the
		 * number of leases instead of twice the pool.  A rebuild
		 * leaves at least a fifth of it free, so the cost per push
		 * is amortised O(1).
		 */
		if (p->hn == p->hcap && p->hn >= 64) {
			size_t k, n = 0;

			for (k = 0; k < p->hn; k++)
				if (heap_valid(s, &p->heap[k]))
					p->heap[n++] = p->heap[k];
			if (n < p->hn) {
				p->hn = 0;
				for (k = 0; k < n; k++) {
					struct hent e = p->heap[k];

					heap_push(p, e.end, e.slot);
				}
			}
			if (p->hn > p->hcap / 4 * 3)
				heap_grow(p);
		}
		heap_push(p, sl->end, i);
	}
}

/* A slot to give away in pool pi, or NONE. */
static uint32_t
take_free(struct dhcpsrv *s, size_t pi, int64_t now)
{
	struct pool *p = &s->pools[pi];
	uint32_t i;

	while ((i = p->fhead) != NONE) {
		p->fhead = s->slots[i].fnext;
		if (p->fhead == NONE)
			p->ftail = NONE;
		s->slots[i].flags &= (uint8_t)~F_QUEUED;
		if (s->slots[i].state == S_FREE &&
		    !(s->slots[i].flags & F_PINGING))
			return i;
	}
	/* No free address: the lease that expired longest ago. */
	while (p->hn > 0) {
		struct hent e = p->heap[0];

		if (!heap_valid(s, &e)) {
			heap_pop(p);
			continue;
		}
		if ((int64_t)e.end > now)
			break;
		heap_pop(p);
		return e.slot;
	}
	return NONE;
}

/* The address of slot i. */
static uint32_t
slot_ip(const struct dhcpsrv *s, uint32_t i)
{
	const struct pool *p = &s->pools[s->slots[i].pool];
	const struct dhcpconf_subnet *sn = &s->conf->subnets[s->slots[i].pool];
	uint32_t off = i - p->first;
	size_t r;

	/* rbase ascends: the last range starting at or before off. */
	for (r = sn->nranges; r-- > 0;)
		if (p->rbase[r] <= off)
			return sn->ranges[r].lo + (off - p->rbase[r]);
	return 0;
}

/* The slot of ip in pool pi, or NONE. */
static uint32_t
slot_in_pool(const struct dhcpsrv *s, size_t pi, uint32_t ip)
{
	const struct dhcpconf_subnet *sn = &s->conf->subnets[pi];
	size_t r;

	for (r = 0; r < sn->nranges; r++)
		if (ip >= sn->ranges[r].lo && ip <= sn->ranges[r].hi)
			return s->pools[pi].first + s->pools[pi].rbase[r] +
			    (ip - sn->ranges[r].lo);
	return NONE;
}

static uint32_t
slot_of_ip(const struct dhcpsrv *s, uint32_t ip)
{
	int sn = dhcpconf_subnet_of(s->conf, ip);

	return sn < 0 ? NONE : slot_in_pool(s, (size_t)sn, ip);
}

/* Whether subnets a and b are on one shared network (or equal). */
static int
same_net(const struct dhcpsrv *s, int a, int b)
{
	const struct dhcpconf_subnet *sa = &s->conf->subnets[a],
				     *sb = &s->conf->subnets[b];

	return a == b || (sa->shared >= 0 && sa->shared == sb->shared);
}

/* -------------------------------------------------------- lifecycle */

struct dhcpsrv *
dhcpsrv_new(const struct dhcpconf *conf)
{
	struct dhcpsrv *s = calloc(1, sizeof *s);
	size_t i, r, total = 0, nb;

	if (s == NULL)
		return NULL;
	s->conf = conf;
	if (conf->nsubnets > 0 &&
	    (s->pools = calloc(conf->nsubnets, sizeof *s->pools)) == NULL)
		goto fail;
	for (i = 0; i < conf->nsubnets; i++) {
		const struct dhcpconf_subnet *sn = &conf->subnets[i];
		struct pool *p = &s->pools[i];

		p->first = (uint32_t)total;
		p->fhead = p->ftail = NONE;
		if (sn->nranges > 0 &&
		    (p->rbase = calloc(sn->nranges, sizeof *p->rbase)) == NULL)
			goto fail;
		for (r = 0; r < sn->nranges; r++) {
			p->rbase[r] = p->count;
			p->count += sn->ranges[r].hi - sn->ranges[r].lo + 1;
		}
		total += p->count;
		if (total > (1u << 24)) {
			errno = E2BIG;
			goto fail;
		}
	}
	s->nslots = total;
	if (total > 0 && (s->slots = calloc(total, sizeof *s->slots)) == NULL)
		goto fail;
	for (i = 0; i < conf->nsubnets; i++) {
		const struct dhcpconf_subnet *sn = &conf->subnets[i];
		struct pool *p = &s->pools[i];

		for (r = 0; r < sn->nranges; r++) {
			uint32_t ip;

			for (ip = sn->ranges[r].lo;; ip++) {
				struct slot *sl = &s->slots[p->first +
				    p->rbase[r] + (ip - sn->ranges[r].lo)];

				sl->pool = (uint16_t)i;
				sl->hnext = sl->fnext = NONE;
				if (ip == sn->ranges[r].hi)
					break;
			}
		}
	}
	/* Chains of two on average when every address is leased. */
	for (nb = 1024; nb < total / 2; nb *= 2)
		;
	s->nbuckets = nb;
	if ((s->buckets = malloc(nb * sizeof *s->buckets)) == NULL)
		goto fail;
	for (i = 0; i < nb; i++)
		s->buckets[i] = NONE;
	if (conf->nhosts > 0) {
		for (nb = 16; nb < 2 * conf->nhosts; nb *= 2)
			;
		s->nhosttab = nb;
		if ((s->hosts = malloc(nb * sizeof *s->hosts)) == NULL)
			goto fail;
		for (i = 0; i < nb; i++)
			s->hosts[i] = NONE;
		for (i = 0; i < conf->nhosts; i++) {
			size_t k = hw_hash(conf->hosts[i].hw, 6) & (nb - 1);

			while (s->hosts[k] != NONE)
				k = (k + 1) & (nb - 1);
			s->hosts[k] = (uint32_t)i;
		}
	}
	return s;
fail:
	dhcpsrv_free(&s);
	return NULL;
}

void
dhcpsrv_free(struct dhcpsrv **sp)
{
	struct dhcpsrv *s = *sp;
	size_t i;

	if (s == NULL)
		return;
	if (s->pools != NULL)
		for (i = 0; i < s->conf->nsubnets; i++) {
			free(s->pools[i].rbase);
			free(s->pools[i].heap);
		}
	free(s->pools);
	free(s->slots);
	free(s->buckets);
	free(s->hosts);
	free(s);
	*sp = NULL;
}

void
dhcpsrv_load(struct dhcpsrv *s, const struct lease_rec *r, int64_t now)
{
	uint32_t i = slot_of_ip(s, r->ip);
	struct slot *sl;

	if (i == NONE)
		return; /* not in a range (any more): nothing to keep */
	sl = &s->slots[i];
	sl->flags |= F_SEEN;
	if (r->cidlen > 0 || r->hlen > 0)
		setkey(s, i, key_of(r->cid, r->cidlen, r->htype, r->hw,
				 r->hlen));
	sl->state = S_FREE;
	if (r->state == LEASE_ACTIVE && r->end > now)
		sl->state = S_ACTIVE;
	else if (r->state == LEASE_ABANDONED && r->end > now)
		sl->state = S_ABANDONED;
	sl->end = r->end < 0 ? 0 : r->end > UINT32_MAX ? UINT32_MAX :
	    (uint32_t)r->end;
}

void
dhcpsrv_loaded(struct dhcpsrv *s, int64_t now)
{
	size_t i;
	int pass;

	(void)now;
	for (i = 0; i < s->conf->nsubnets; i++) {
		s->pools[i].fhead = s->pools[i].ftail = NONE;
		s->pools[i].hn = 0;
	}
	for (i = 0; i < s->nslots; i++)
		s->slots[i].flags &= (uint8_t)~F_QUEUED;
	/* Never-used addresses first, then those used before. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < s->nslots; i++) {
			struct slot *sl = &s->slots[i];

			if (sl->state == S_FREE &&
			    !!(sl->flags & F_SEEN) == pass)
				enqueue_free(s, (uint32_t)i);
		}
	/* Each heap gets its room at once (its leases and a quarter),
	 * rather than through a string of reallocations. */
	for (i = 0; i < s->nslots; i++)
		if (s->slots[i].state != S_FREE)
			s->pools[s->slots[i].pool].hn++;
	for (i = 0; i < s->conf->nsubnets; i++) {
		struct pool *p = &s->pools[i];
		size_t want = p->hn + p->hn / 4 + 64;
		struct hent *q;

		p->hn = 0;
		if (want > p->hcap &&
		    (q = realloc(p->heap, want * sizeof *q)) != NULL) {
			p->heap = q;
			p->hcap = want;
		}
	}
	for (i = 0; i < s->nslots; i++)
		if (s->slots[i].state != S_FREE)
			heap_push(&s->pools[s->slots[i].pool], s->slots[i].end,
			    (uint32_t)i);
}

/* ------------------------------------------------------------ replies */

static void
put_opt(struct dhcp_out *o, const struct dhcpconf_opt *co)
{
	if (co != NULL && !dhcp_out_has(o, co->code))
		(void)dhcp_out_add(o, co->code, co->data, co->len);
}

/* The scope chain: host (if any) first, then the subnet's. */
static size_t
chain_for(const struct dhcpsrv *s, int sn, const struct dhcpconf_host *h,
    int *chain, size_t max)
{
	size_t n = 0;

	if (h != NULL) {
		n = dhcpconf_chain(s->conf, h->scope, chain, max);
		/* Drop the global scope: the subnet chain ends in it. */
		if (n > 0 && chain[n - 1] == 0)
			n--;
	}
	if (sn >= 0)
		n += dhcpconf_chain(s->conf, s->conf->subnets[sn].scope,
		    chain + n, max - n);
	else
		chain[n++] = 0;
	return n;
}

static uint32_t
lease_time(const struct dhcp_msg *m, const struct dhcpconf_eff *e)
{
	uint32_t t = e->default_lease, req;

	if (dhcp_opt_u32(m, DHO_LEASE_TIME, &req) == 0)
		t = req;
	if (t > e->max_lease)
		t = e->max_lease;
	if (t < e->min_lease)
		t = e->min_lease;
	if (t == 0)
		t = 1;
	return t;
}

static void
reply_dst(const struct dhcp_msg *m, int type, uint32_t yiaddr,
    struct dhcpsrv_result *res)
{
	const struct dhcp_hdr *h = &m->h;

	if (h->giaddr != 0) {
		res->dst = DHCPSRV_TO_RELAY;
		res->dst_ip = h->giaddr;
		if (type == DHCPNAK)
			res->out.h.flags |= DHCP_FLAG_BROADCAST;
	} else if (type == DHCPNAK) {
		res->dst = DHCPSRV_TO_BROADCAST;
	} else if (h->ciaddr != 0) {
		res->dst = DHCPSRV_TO_UNICAST;
		res->dst_ip = h->ciaddr;
	} else if ((h->flags & DHCP_FLAG_BROADCAST) || yiaddr == 0 ||
	    h->htype != 1 || h->hlen != 6) {
		res->dst = DHCPSRV_TO_BROADCAST;
	} else {
		res->dst = DHCPSRV_TO_LINK;
		res->dst_ip = yiaddr;
	}
}

static void
echo_82(const struct dhcp_msg *m, struct dhcp_out *o)
{
	size_t len;
	const uint8_t *v = dhcp_opt(m, DHO_RELAY_AGENT, &len);

	if (v != NULL)
		(void)dhcp_out_add(o, DHO_RELAY_AGENT, v, len);
}

static void
header(const struct dhcp_msg *m, struct dhcp_out *o)
{
	dhcp_out_init(o);
	o->h.op = BOOTREPLY;
	o->h.htype = m->h.htype;
	o->h.hlen = m->h.hlen;
	o->h.xid = m->h.xid;
	o->h.flags = m->h.flags;
	o->h.giaddr = m->h.giaddr;
	memcpy(o->h.chaddr, m->h.chaddr, sizeof o->h.chaddr);
}

/*
 * Builds an OFFER or ACK (lease 0 for an INFORM's ACK: no lease time).
 */
static void
build(const struct dhcpsrv *s, const struct dhcp_msg *m,
    const struct dhcpsrv_rx *rx, int type, uint32_t yiaddr, int sn,
    const struct dhcpconf_host *host, uint32_t lease,
    struct dhcpsrv_result *res)
{
	struct dhcp_out *o = &res->out;
	const struct dhcpconf_subnet *sub = &s->conf->subnets[sn];
	struct dhcpconf_eff e;
	int chain[64];
	size_t n, len, i;
	const uint8_t *prl;
	uint8_t mask[4];

	header(m, o);
	o->h.yiaddr = yiaddr;
	if (type == DHCPACK)
		o->h.ciaddr = m->h.ciaddr;
	n = chain_for(s, sn, host, chain, 64);
	dhcpconf_effective(s->conf, chain, n, &e);
	if (e.has_next_server)
		o->h.siaddr = e.next_server;
	if (e.filename != NULL)
		memcpy(o->h.file, e.filename, strlen(e.filename));
	if (e.server_name != NULL)
		memcpy(o->h.sname, e.server_name, strlen(e.server_name));
	(void)dhcp_out_add_u8(o, DHO_MSG_TYPE, (uint8_t)type);
	(void)dhcp_out_add_u32(o, DHO_SERVER_ID, rx->local_ip);
	if (lease > 0)
		(void)dhcp_out_add_u32(o, DHO_LEASE_TIME, lease);
	mask[0] = (uint8_t)(sub->mask >> 24);
	mask[1] = (uint8_t)(sub->mask >> 16);
	mask[2] = (uint8_t)(sub->mask >> 8);
	mask[3] = (uint8_t)sub->mask;
	prl = dhcp_opt(m, DHO_PRL, &len);
	if (prl != NULL) {
		for (i = 0; i < len; i++) {
			uint8_t c = prl[i];

			if (c == DHO_SUBNET_MASK) {
				const struct dhcpconf_opt *co =
				    dhcpconf_opt(s->conf, chain, n, c);

				if (co != NULL)
					put_opt(o, co);
				else if (!dhcp_out_has(o, c))
					(void)dhcp_out_add(o, c, mask, 4);
			} else if (c == DHO_T1 || c == DHO_T2) {
				const struct dhcpconf_opt *co =
				    dhcpconf_opt(s->conf, chain, n, c);

				if (co != NULL)
					put_opt(o, co);
				else if (lease > 0 && !dhcp_out_has(o, c))
					(void)dhcp_out_add_u32(o, c,
					    c == DHO_T1 ? lease / 2 :
					    (uint32_t)((uint64_t)lease * 7 / 8));
			} else if (c != DHO_MSG_TYPE && c != DHO_SERVER_ID &&
			    c != DHO_LEASE_TIME && c != DHO_RELAY_AGENT &&
			    c != DHO_PAD && c != DHO_END) {
				put_opt(o, dhcpconf_opt(s->conf, chain, n, c));
			}
		}
		/* The subnet mask goes out even when not asked for. */
		if (!dhcp_out_has(o, DHO_SUBNET_MASK))
			(void)dhcp_out_add(o, DHO_SUBNET_MASK, mask, 4);
	} else {
		(void)dhcp_out_add(o, DHO_SUBNET_MASK, mask, 4);
		for (i = 1; i < 255; i++)
			if (i != DHO_LEASE_TIME && i != DHO_SERVER_ID &&
			    i != DHO_MSG_TYPE && i != DHO_RELAY_AGENT)
				put_opt(o, dhcpconf_opt(s->conf, chain, n,
						  (uint8_t)i));
	}
	echo_82(m, o);
	res->max = dhcp_max_reply(m);
	reply_dst(m, type, yiaddr, res);
	res->act = DHCPSRV_SEND;
	res->ip = yiaddr;
}

static void
nak(const struct dhcp_msg *m, const struct dhcpsrv_rx *rx, const char *why,
    struct dhcpsrv_result *res)
{
	struct dhcp_out *o = &res->out;

	header(m, o);
	(void)dhcp_out_add_u8(o, DHO_MSG_TYPE, DHCPNAK);
	(void)dhcp_out_add_u32(o, DHO_SERVER_ID, rx->local_ip);
	(void)dhcp_out_add(o, DHO_MESSAGE, why, strlen(why));
	echo_82(m, o);
	res->max = dhcp_max_reply(m);
	reply_dst(m, DHCPNAK, 0, res);
	res->act = DHCPSRV_SEND;
	res->why = why;
}

static void
fill_rec(const struct dhcp_msg *m, uint32_t ip, int state, int64_t start,
    int64_t end, struct lease_rec *r)
{
	size_t len;
	const uint8_t *v;

	memset(r, 0, sizeof *r);
	r->ip = ip;
	r->state = (uint8_t)state;
	r->start = start;
	r->end = end;
	r->htype = m->h.htype;
	r->hlen = m->h.hlen;
	memcpy(r->hw, m->h.chaddr, m->h.hlen);
	if ((v = dhcp_opt(m, DHO_CLIENT_ID, &len)) != NULL) {
		if (len > LEASE_CID_MAX)
			len = LEASE_CID_MAX;
		memcpy(r->cid, v, len);
		r->cidlen = (uint8_t)len;
	}
	if ((v = dhcp_opt(m, DHO_HOST_NAME, &len)) != NULL) {
		size_t i, k = 0;

		for (i = 0; i < len && k < LEASE_HOST_MAX; i++)
			if (v[i] != '\0')
				r->host[k++] = (char)v[i];
		r->host[k] = '\0';
	}
}

/* The client's slot on the network of subnet sn, or NONE. */
static uint32_t
client_slot(const struct dhcpsrv *s, uint64_t key, int sn)
{
	uint32_t i;

	for (i = s->buckets[bucket(s, key)]; i != NONE; i = s->slots[i].hnext)
		if (s->slots[i].key == key && same_net(s, s->slots[i].pool, sn))
			return i;
	return NONE;
}

static int
expired(const struct slot *sl, int64_t now)
{
	return sl->state == S_FREE ||
	    (sl->state != S_ABANDONED && (int64_t)sl->end <= now);
}

/* --------------------------------------------------------- handlers */

struct req {
	const struct dhcp_msg *m;
	const struct dhcpsrv_rx *rx;
	int64_t now;
	int sn;
	uint64_t key;
	const struct dhcpconf_host *host;
	struct dhcpconf_eff eff;
};

static int
fixed_here(const struct dhcpsrv *s, const struct req *q)
{
	int fsn;

	if (q->host == NULL || q->host->fixed == 0)
		return 0;
	fsn = dhcpconf_subnet_of(s->conf, q->host->fixed);
	return fsn >= 0 && same_net(s, fsn, q->sn);
}

static void
discover(struct dhcpsrv *s, struct req *q, struct dhcpsrv_result *res)
{
	const struct dhcp_msg *m = q->m;
	uint32_t i = NONE, want;
	struct slot *sl;
	int sn;

	if (fixed_here(s, q)) {
		sn = dhcpconf_subnet_of(s->conf, q->host->fixed);
		build(s, m, q->rx, DHCPOFFER, q->host->fixed, sn, q->host,
		    lease_time(m, &q->eff), res);
		return;
	}
	i = client_slot(s, q->key, q->sn);
	if (i != NONE && s->slots[i].state == S_ABANDONED)
		i = NONE;
	if (i == NONE && dhcp_opt_ip(m, DHO_REQUESTED_IP, &want) == 0) {
		int wsn = dhcpconf_subnet_of(s->conf, want);

		if (wsn >= 0 && same_net(s, wsn, q->sn)) {
			i = slot_in_pool(s, (size_t)wsn, want);
			if (i != NONE && (!expired(&s->slots[i], q->now) ||
					     (s->slots[i].flags & F_PINGING)))
				i = NONE;
		}
	}
	if (i == NONE) {
		/* This subnet first, then the rest of its shared network. */
		i = take_free(s, (size_t)q->sn, q->now);
		for (size_t k = 0; i == NONE && k < s->conf->nsubnets; k++)
			if ((int)k != q->sn && same_net(s, (int)k, q->sn))
				i = take_free(s, k, q->now);
	}
	if (i == NONE) {
		res->why = "no free address (pool exhausted)";
		return;
	}
	sl = &s->slots[i];
	if (sl->key != q->key || !(sl->flags & F_KEYED) ||
	    expired(sl, q->now)) {
		if (sl->state != S_ACTIVE || expired(sl, q->now)) {
			sl->state = S_OFFERED;
			setkey(s, i, q->key);
			set_end(s, i, q->now + DHCPSRV_OFFER_HOLD);
		}
	}
	if (!(sl->flags & F_SEEN) && q->eff.ping_check) {
		sl->flags |= F_PINGING;
		res->act = DHCPSRV_PING;
		res->ping_ip = slot_ip(s, i);
		res->ping_timeout = q->eff.ping_timeout;
		res->ip = res->ping_ip;
		return;
	}
	if (sl->flags & F_PINGING) {
		res->why = "ping check running";
		return;
	}
	build(s, m, q->rx, DHCPOFFER, slot_ip(s, i), sl->pool, q->host,
	    lease_time(m, &q->eff), res);
}

/* Grants ip to the client (ACK) or refuses it; mode says why we look. */
enum { M_SELECTING, M_REBOOT, M_RENEW };

static void
grant(struct dhcpsrv *s, struct req *q, uint32_t ip, int mode,
    struct dhcpsrv_result *res)
{
	const struct dhcp_msg *m = q->m;
	int isn = dhcpconf_subnet_of(s->conf, ip), speak;
	uint32_t i, lease;
	struct slot *sl;

	/* Silence unless we were chosen or are authoritative. */
	speak = mode == M_SELECTING || q->eff.authoritative;
	res->ip = ip;
	if (isn < 0 || !same_net(s, isn, q->sn)) {
		if (speak)
			nak(m, q->rx, "wrong network", res);
		else
			res->why = "address on another network";
		return;
	}
	lease = lease_time(m, &q->eff);
	if (q->host != NULL && q->host->fixed != 0 && fixed_here(s, q)) {
		if (ip != q->host->fixed) {
			nak(m, q->rx, "host has another fixed-address", res);
			return;
		}
		build(s, m, q->rx, DHCPACK, ip, isn, q->host, lease, res);
		res->act = DHCPSRV_COMMIT;
		res->has_rec = 1;
		fill_rec(m, ip, LEASE_ACTIVE, q->now, q->now + lease,
		    &res->rec);
		return;
	}
	i = slot_in_pool(s, (size_t)isn, ip);
	if (i == NONE) {
		if (speak)
			nak(m, q->rx, "address not in a pool", res);
		else
			res->why = "address not in a pool";
		return;
	}
	sl = &s->slots[i];
	if (sl->state == S_ABANDONED && (int64_t)sl->end > q->now) {
		nak(m, q->rx, "address abandoned", res);
		return;
	}
	if (sl->flags & F_PINGING) {
		res->why = "ping check running";
		return;
	}
	if (!((sl->flags & F_KEYED) && sl->key == q->key) &&
	    !expired(sl, q->now)) {
		nak(m, q->rx, "address leased to another client", res);
		return;
	}
	if (!((sl->flags & F_KEYED) && sl->key == q->key) && mode == M_RENEW &&
	    !q->eff.authoritative && sl->state == S_FREE &&
	    !(sl->flags & F_SEEN)) {
		/* RFC 2131 4.3.2: no record of this client: stay silent. */
		res->why = "no record of this client";
		return;
	}
	sl->state = S_ACTIVE;
	sl->flags |= F_SEEN;
	setkey(s, i, q->key);
	set_end(s, i, q->now + lease);
	build(s, m, q->rx, DHCPACK, ip, isn, q->host, lease, res);
	res->act = DHCPSRV_COMMIT;
	res->has_rec = 1;
	fill_rec(m, ip, LEASE_ACTIVE, q->now, q->now + lease, &res->rec);
}

static void
request(struct dhcpsrv *s, struct req *q, struct dhcpsrv_result *res)
{
	const struct dhcp_msg *m = q->m;
	uint32_t sid, want;

	if (dhcp_opt_ip(m, DHO_SERVER_ID, &sid) == 0) {
		if (sid != q->rx->local_ip) {
			/* The client took another server's offer. */
			uint32_t i = client_slot(s, q->key, q->sn);

			if (i != NONE && s->slots[i].state == S_OFFERED) {
				s->slots[i].state = S_FREE;
				enqueue_free(s, i);
			}
			res->why = "client chose another server";
			return;
		}
		if (dhcp_opt_ip(m, DHO_REQUESTED_IP, &want) != 0)
			want = m->h.ciaddr;
		if (want == 0) {
			nak(m, q->rx, "no requested address", res);
			return;
		}
		grant(s, q, want, M_SELECTING, res);
	} else if (dhcp_opt_ip(m, DHO_REQUESTED_IP, &want) == 0) {
		grant(s, q, want, M_REBOOT, res);
	} else if (m->h.ciaddr != 0) {
		grant(s, q, m->h.ciaddr, M_RENEW, res);
	} else {
		res->why = "REQUEST without server id, address or ciaddr";
	}
}

static void
decline(struct dhcpsrv *s, struct req *q, struct dhcpsrv_result *res)
{
	const struct dhcp_msg *m = q->m;
	uint32_t sid, ip, i;
	struct slot *sl;

	if (dhcp_opt_ip(m, DHO_SERVER_ID, &sid) == 0 &&
	    sid != q->rx->local_ip) {
		res->why = "DECLINE for another server";
		return;
	}
	if (dhcp_opt_ip(m, DHO_REQUESTED_IP, &ip) != 0) {
		res->why = "DECLINE without requested address";
		return;
	}
	res->ip = ip;
	i = slot_of_ip(s, ip);
	if (i == NONE || !(s->slots[i].flags & F_KEYED) ||
	    s->slots[i].key != q->key || s->slots[i].state == S_FREE) {
		res->why = "DECLINE for an address not given to this client";
		return;
	}
	sl = &s->slots[i];
	sl->state = S_ABANDONED;
	sl->flags |= F_SEEN;
	unkey(s, i);
	set_end(s, i, q->now + DHCPSRV_ABANDON_TIME);
	res->has_rec = 1;
	fill_rec(m, ip, LEASE_ABANDONED, q->now, q->now + DHCPSRV_ABANDON_TIME,
	    &res->rec);
	res->why = "declined: address abandoned";
}

static void
release(struct dhcpsrv *s, struct req *q, struct dhcpsrv_result *res)
{
	const struct dhcp_msg *m = q->m;
	uint32_t i = slot_of_ip(s, m->h.ciaddr);
	struct slot *sl;

	res->ip = m->h.ciaddr;
	if (i == NONE || !(s->slots[i].flags & F_KEYED) ||
	    s->slots[i].key != q->key) {
		res->why = "RELEASE for an address not leased to this client";
		return;
	}
	sl = &s->slots[i];
	if (sl->state == S_FREE) {
		res->why = "released again";
		return;
	}
	if (sl->state != S_ACTIVE) {
		res->why = "RELEASE for an address not leased";
		return;
	}
	sl->state = S_FREE;
	set_end(s, i, q->now);
	enqueue_free(s, i);
	res->has_rec = 1;
	fill_rec(m, m->h.ciaddr, LEASE_FREE, q->now, q->now, &res->rec);
	res->why = "released";
}

static void
inform(struct dhcpsrv *s, struct req *q, struct dhcpsrv_result *res)
{
	const struct dhcp_msg *m = q->m;
	int sn = q->sn;

	if (m->h.giaddr == 0 && m->h.ciaddr != 0) {
		int csn = dhcpconf_subnet_of(s->conf, m->h.ciaddr);

		if (csn >= 0)
			sn = csn;
	}
	build(s, m, q->rx, DHCPACK, 0, sn, q->host, 0, res);
	res->ip = m->h.ciaddr;
}

void
dhcpsrv_handle(struct dhcpsrv *s, const struct dhcp_msg *m,
    const struct dhcpsrv_rx *rx, int64_t now, struct dhcpsrv_result *res)
{
	struct req q;
	int type = dhcp_msg_type(m), chain[64];
	uint32_t sel;
	size_t n;

	res->act = DHCPSRV_DROP;
	res->has_rec = 0;
	res->why = NULL;
	res->ip = 0;
	res->ping_ip = 0;
	if (m->h.op != BOOTREQUEST) {
		res->why = "not a BOOTREQUEST";
		return;
	}
	if (type == 0) {
		res->why = "BOOTP request without a DHCP message type";
		return;
	}
	if (m->h.hlen == 0 && !dhcp_has(m, DHO_CLIENT_ID)) {
		res->why = "no hardware address and no client identifier";
		return;
	}
	if (m->h.giaddr != 0 && !rx->relay_ok) {
		res->why = "relayed request on an untrusted interface";
		return;
	}
	sel = m->h.giaddr != 0 ? m->h.giaddr : rx->local_ip;
	q.m = m;
	q.rx = rx;
	q.now = now;
	q.sn = dhcpconf_subnet_of(s->conf, sel);
	if (q.sn < 0) {
		res->why = "no subnet declared for this network";
		return;
	}
	q.key = msg_key(m);
	q.host = host_of(s, m->h.htype, m->h.chaddr, m->h.hlen);
	n = chain_for(s, q.sn, q.host, chain, 64);
	dhcpconf_effective(s->conf, chain, n, &q.eff);
	switch (type) {
	case DHCPDISCOVER:
		discover(s, &q, res);
		break;
	case DHCPREQUEST:
		request(s, &q, res);
		break;
	case DHCPDECLINE:
		decline(s, &q, res);
		break;
	case DHCPRELEASE:
		release(s, &q, res);
		break;
	case DHCPINFORM:
		inform(s, &q, res);
		break;
	default:
		res->why = "message type a server does not take";
		break;
	}
}

void
dhcpsrv_ping_result(struct dhcpsrv *s, uint32_t ip, int answered, int64_t now,
    struct lease_rec *rec_r)
{
	uint32_t i = slot_of_ip(s, ip);
	struct slot *sl;

	memset(rec_r, 0, sizeof *rec_r);
	if (i == NONE)
		return;
	sl = &s->slots[i];
	sl->flags &= (uint8_t)~F_PINGING;
	sl->flags |= F_SEEN;
	if (answered) {
		sl->state = S_ABANDONED;
		unkey(s, i);
		set_end(s, i, now + DHCPSRV_ABANDON_TIME);
		rec_r->ip = ip;
		rec_r->state = LEASE_ABANDONED;
		rec_r->start = now;
		rec_r->end = now + DHCPSRV_ABANDON_TIME;
	}
}

void
dhcpsrv_stats(const struct dhcpsrv *s, int64_t now, struct dhcpsrv_stats *st)
{
	size_t i;

	memset(st, 0, sizeof *st);
	st->slots = s->nslots;
	for (i = 0; i < s->nslots; i++) {
		const struct slot *sl = &s->slots[i];

		if (sl->state == S_ACTIVE && (int64_t)sl->end > now)
			st->active++;
		else if (sl->state == S_ABANDONED && (int64_t)sl->end > now)
			st->abandoned++;
		else if (sl->state == S_OFFERED && (int64_t)sl->end > now)
			st->offered++;
		else
			st->free++;
	}
}
