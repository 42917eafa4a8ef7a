/*
 * The DHCPv4/BOOTP packet codec; see dhcppkt.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dhcppkt.h"

/* ------------------------------------------------------------ cursor */

struct cur {
	const uint8_t *p;
	size_t len, off; /* off <= len */
};

static int
cur_u8(struct cur *c, uint8_t *v_r)
{
	if (c->off == c->len)
		return -1;
	*v_r = c->p[c->off++];
	return 0;
}

static int
cur_u16(struct cur *c, uint16_t *v_r)
{
	if (c->len - c->off < 2)
		return -1;
	*v_r = (uint16_t)((unsigned)c->p[c->off] << 8 | c->p[c->off + 1]);
	c->off += 2;
	return 0;
}

static int
cur_u32(struct cur *c, uint32_t *v_r)
{
	if (c->len - c->off < 4)
		return -1;
	*v_r = (uint32_t)c->p[c->off] << 24 | (uint32_t)c->p[c->off + 1] << 16 |
	    (uint32_t)c->p[c->off + 2] << 8 | c->p[c->off + 3];
	c->off += 4;
	return 0;
}

static int
cur_bytes(struct cur *c, void *out, size_t n)
{
	if (c->len - c->off < n)
		return -1;
	memcpy(out, c->p + c->off, n);
	c->off += n;
	return 0;
}

/* A pointer to the next n bytes, which are skipped. */
static const uint8_t *
cur_take(struct cur *c, size_t n)
{
	const uint8_t *q;

	if (c->len - c->off < n)
		return NULL;
	q = c->p + c->off;
	c->off += n;
	return q;
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

/* ------------------------------------------------- option lengths */

/*
 * Length rules for the options we know: exact length, minimum, and a
 * multiple the length must be.  0 in every field means anything goes.
 */
struct rule {
	uint8_t code, exact, min, mult;
};

static const struct rule rules[] = {
	{ 1, 4, 0, 0 }, { 2, 4, 0, 0 }, { 3, 0, 4, 4 }, { 4, 0, 4, 4 },
	{ 5, 0, 4, 4 }, { 6, 0, 4, 4 }, { 7, 0, 4, 4 }, { 8, 0, 4, 4 },
	{ 9, 0, 4, 4 }, { 10, 0, 4, 4 }, { 11, 0, 4, 4 }, { 12, 0, 1, 0 },
	{ 13, 2, 0, 0 }, { 14, 0, 1, 0 }, { 15, 0, 1, 0 }, { 16, 4, 0, 0 },
	{ 17, 0, 1, 0 }, { 18, 0, 1, 0 }, { 19, 1, 0, 0 }, { 20, 1, 0, 0 },
	{ 21, 0, 8, 8 }, { 22, 2, 0, 0 }, { 23, 1, 0, 0 }, { 24, 4, 0, 0 },
	{ 25, 0, 2, 2 }, { 26, 2, 0, 0 }, { 27, 1, 0, 0 }, { 28, 4, 0, 0 },
	{ 29, 1, 0, 0 }, { 30, 1, 0, 0 }, { 31, 1, 0, 0 }, { 32, 4, 0, 0 },
	{ 33, 0, 8, 8 }, { 34, 1, 0, 0 }, { 35, 4, 0, 0 }, { 36, 1, 0, 0 },
	{ 37, 1, 0, 0 }, { 38, 4, 0, 0 }, { 39, 1, 0, 0 }, { 40, 0, 1, 0 },
	{ 41, 0, 4, 4 }, { 42, 0, 4, 4 }, { 44, 0, 4, 4 }, { 45, 0, 4, 4 },
	{ 46, 1, 0, 0 }, { 47, 0, 1, 0 }, { 48, 0, 4, 4 }, { 49, 0, 4, 4 },
	{ 50, 4, 0, 0 }, { 51, 4, 0, 0 }, { 52, 1, 0, 0 }, { 53, 1, 0, 0 },
	{ 54, 4, 0, 0 }, { 55, 0, 1, 0 }, { 56, 0, 1, 0 }, { 57, 2, 0, 0 },
	{ 58, 4, 0, 0 }, { 59, 4, 0, 0 }, { 60, 0, 1, 0 }, { 61, 0, 2, 0 },
	{ 64, 0, 1, 0 }, { 65, 0, 4, 4 }, { 66, 0, 1, 0 }, { 67, 0, 1, 0 },
	{ 68, 0, 0, 4 }, { 69, 0, 4, 4 }, { 70, 0, 4, 4 }, { 71, 0, 4, 4 },
	{ 72, 0, 4, 4 }, { 73, 0, 4, 4 }, { 74, 0, 4, 4 }, { 75, 0, 4, 4 },
	{ 76, 0, 4, 4 }, { 81, 0, 3, 0 }, { 82, 0, 2, 0 }, { 118, 4, 0, 0 },
	{ 119, 0, 1, 0 }, { 121, 0, 5, 0 },
};

static const struct rule *
rule_for(unsigned code)
{
	size_t i;

	for (i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if (rules[i].code == code)
			return &rules[i];
	return NULL;
}

/* Checks the value of one (concatenated) option; NULL if fine. */
static const char *
check_value(unsigned code, const uint8_t *p, size_t len)
{
	const struct rule *r = rule_for(code);
	struct dhcp_ra ra;

	if (code == DHO_RAPID_COMMIT)
		return len == 0 ? NULL : "option 80 is not empty";
	if (r == NULL)
		return NULL;
	if (r->exact != 0 && len != r->exact)
		return "option has the wrong length";
	if (len < r->min)
		return "option too short";
	if (r->mult != 0 && len % r->mult != 0)
		return "option length not a multiple of its item size";
	if (code == DHO_MSG_TYPE && (p[0] == 0 || p[0] > 18))
		return "unknown DHCP message type";
	if (code == DHO_OVERLOAD && (p[0] < 1 || p[0] > 3))
		return "option overload value not 1, 2 or 3";
	if (code == DHO_MAX_SIZE && ((unsigned)p[0] << 8 | p[1]) < 576)
		return "maximum message size below 576";
	if (code == DHO_RELAY_AGENT && dhcp_ra_parse(p, len, &ra) != 0)
		return "malformed relay agent information";
	return NULL;
}

/* --------------------------------------------------------- parsing */

#define AREA_OPTIONS 0
#define AREA_FILE 1
#define AREA_SNAME 2

/*
 * Walks one option area.  With m->data == scratch totals (pass 0) it
 * adds each instance's length to tot[]; in pass 1 it copies the bytes to
 * their place at m->off[code] + fill[code].
 */
static const char *
walk(const uint8_t *p, size_t n, int area, int pass, struct dhcp_msg *m,
    size_t *tot, size_t *fill)
{
	struct cur c = { p, n, 0 };
	uint8_t code, len;
	const uint8_t *v;

	for (;;) {
		if (cur_u8(&c, &code) != 0)
			/* Running out without an end option is tolerated. */
			return NULL;
		if (code == DHO_PAD)
			continue;
		if (code == DHO_END)
			break;
		if (cur_u8(&c, &len) != 0)
			return "option length missing at end of packet";
		if ((v = cur_take(&c, len)) == NULL)
			return "option runs past the end of its field";
		if (code == DHO_OVERLOAD && area != AREA_OPTIONS)
			return "option overload inside an overloaded field";
		if (pass == 0) {
			if (code == DHO_OVERLOAD && len == 1)
				m->overload = v[0];
			tot[code] += len;
			m->present[code / 8] |= (uint8_t)(1u << (code % 8));
		} else {
			memcpy(m->data + m->off[code] + fill[code], v, len);
			fill[code] += len;
		}
	}
	/* After the end option only padding may follow. */
	while (cur_u8(&c, &code) == 0)
		if (code != DHO_PAD)
			return "data after the end option";
	return NULL;
}

static const char *
walk_all(const uint8_t *opts, size_t optlen, int pass, struct dhcp_msg *m,
    size_t *tot, size_t *fill)
{
	const char *why;

	if ((why = walk(opts, optlen, AREA_OPTIONS, pass, m, tot, fill)))
		return why;
	if (pass == 0 && m->overload != 0 &&
	    (m->overload < 1 || m->overload > 3))
		return "option overload value not 1, 2 or 3";
	if (m->overload & DHCP_OVERLOAD_FILE)
		if ((why = walk(m->h.file, sizeof m->h.file, AREA_FILE, pass, m,
			 tot, fill)))
			return why;
	if (m->overload & DHCP_OVERLOAD_SNAME)
		if ((why = walk(m->h.sname, sizeof m->h.sname, AREA_SNAME, pass,
			 m, tot, fill)))
			return why;
	return NULL;
}

static int
refuse(const char **why_r, const char *why, int err)
{
	if (why_r != NULL)
		*why_r = why;
	errno = err;
	return -1;
}

int
dhcp_parse(const uint8_t *p, size_t n, struct dhcp_msg *m, const char **why_r)
{
	struct cur c = { p, n, 0 };
	struct dhcp_hdr *h = &m->h;
	size_t tot[256], fill[256], at, i;
	uint32_t magic;
	const char *why;

	memset(m, 0, offsetof(struct dhcp_msg, data));
	if (n > DHCP_PKT_MAX)
		return refuse(why_r, "packet too large", EMSGSIZE);
	if (cur_u8(&c, &h->op) || cur_u8(&c, &h->htype) ||
	    cur_u8(&c, &h->hlen) || cur_u8(&c, &h->hops) ||
	    cur_u32(&c, &h->xid) || cur_u16(&c, &h->secs) ||
	    cur_u16(&c, &h->flags) || cur_u32(&c, &h->ciaddr) ||
	    cur_u32(&c, &h->yiaddr) || cur_u32(&c, &h->siaddr) ||
	    cur_u32(&c, &h->giaddr) ||
	    cur_bytes(&c, h->chaddr, sizeof h->chaddr) ||
	    cur_bytes(&c, h->sname, sizeof h->sname) ||
	    cur_bytes(&c, h->file, sizeof h->file))
		return refuse(why_r, "truncated BOOTP header", EINVAL);
	if (h->op != BOOTREQUEST && h->op != BOOTREPLY)
		return refuse(why_r, "op is neither BOOTREQUEST nor BOOTREPLY",
		    EINVAL);
	if (h->hlen > 16)
		return refuse(why_r, "hardware address length over 16",
		    EINVAL);
	if (cur_u32(&c, &magic) != 0)
		return refuse(why_r, "no magic cookie", EINVAL);
	if (magic != DHCP_MAGIC)
		return refuse(why_r, "wrong magic cookie", EINVAL);

	memset(tot, 0, sizeof tot);
	memset(fill, 0, sizeof fill);
	if ((why = walk_all(p + c.off, n - c.off, 0, m, tot, fill)))
		return refuse(why_r, why, EINVAL);
	/* Every instance came from the packet, so the total fits. */
	at = 0;
	for (i = 0; i < 256; i++) {
		m->off[i] = (uint16_t)at;
		m->len[i] = (uint16_t)tot[i];
		at += tot[i];
	}
	m->used = at;
	walk_all(p + c.off, n - c.off, 1, m, tot, fill);
	for (i = 1; i < 255; i++) {
		if (!dhcp_has(m, (uint8_t)i))
			continue;
		if ((why = check_value((unsigned)i, m->data + m->off[i],
			 m->len[i])))
			return refuse(why_r, why, EINVAL);
	}
	return 0;
}

int
dhcp_has(const struct dhcp_msg *m, uint8_t code)
{
	return (m->present[code / 8] >> (code % 8)) & 1;
}

const uint8_t *
dhcp_opt(const struct dhcp_msg *m, uint8_t code, size_t *len_r)
{
	if (!dhcp_has(m, code))
		return NULL;
	*len_r = m->len[code];
	return m->data + m->off[code];
}

int
dhcp_msg_type(const struct dhcp_msg *m)
{
	size_t len;
	const uint8_t *p = dhcp_opt(m, DHO_MSG_TYPE, &len);

	return p != NULL && len == 1 ? p[0] : 0;
}

int
dhcp_opt_u32(const struct dhcp_msg *m, uint8_t code, uint32_t *v_r)
{
	size_t len;
	const uint8_t *p = dhcp_opt(m, code, &len);

	if (p == NULL || len != 4)
		return -1;
	*v_r = get32(p);
	return 0;
}

int
dhcp_opt_ip(const struct dhcp_msg *m, uint8_t code, uint32_t *ip_r)
{
	return dhcp_opt_u32(m, code, ip_r);
}

size_t
dhcp_max_reply(const struct dhcp_msg *m)
{
	size_t len, max = DHCP_DEFAULT_MAX;
	const uint8_t *p = dhcp_opt(m, DHO_MAX_SIZE, &len);

	if (p != NULL && len == 2)
		max = (size_t)p[0] << 8 | p[1];
	if (max < DHCP_DEFAULT_MAX)
		max = DHCP_DEFAULT_MAX;
	max -= DHCP_IPUDP_LEN;
	return max > DHCP_PKT_MAX ? DHCP_PKT_MAX : max;
}

/* -------------------------------------------------------- building */

void
dhcp_out_init(struct dhcp_out *o)
{
	memset(&o->h, 0, sizeof o->h);
	o->nopts = 0;
	o->used = 0;
}

int
dhcp_out_has(const struct dhcp_out *o, uint8_t code)
{
	size_t i;

	for (i = 0; i < o->nopts; i++)
		if (o->opt[i].code == code)
			return 1;
	return 0;
}

int
dhcp_out_add(struct dhcp_out *o, uint8_t code, const void *p, size_t len)
{
	if (code == DHO_PAD || code == DHO_END || code == DHO_OVERLOAD) {
		errno = EINVAL;
		return -1;
	}
	if (dhcp_out_has(o, code)) {
		errno = EEXIST;
		return -1;
	}
	if (o->nopts == DHCP_OUT_MAXOPTS || len > sizeof o->data - o->used) {
		errno = E2BIG;
		return -1;
	}
	o->opt[o->nopts].code = code;
	o->opt[o->nopts].off = (uint16_t)o->used;
	o->opt[o->nopts].len = (uint16_t)len;
	o->nopts++;
	if (len > 0)
		memcpy(o->data + o->used, p, len);
	o->used += len;
	return 0;
}

int
dhcp_out_add_u8(struct dhcp_out *o, uint8_t code, uint8_t v)
{
	return dhcp_out_add(o, code, &v, 1);
}

int
dhcp_out_add_u16(struct dhcp_out *o, uint8_t code, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return dhcp_out_add(o, code, b, 2);
}

int
dhcp_out_add_u32(struct dhcp_out *o, uint8_t code, uint32_t v)
{
	uint8_t b[4];

	put32(b, v);
	return dhcp_out_add(o, code, b, 4);
}

/* An area being filled: [start, limit) of buf, with room for the end. */
struct area {
	uint8_t *p;
	size_t len, cap; /* cap excludes the end option's byte */
};

static int
all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

/*
 * Places one option.  A value of at most 255 bytes goes whole into the
 * first area (from *cur on) with room for it: clients that never heard
 * of RFC 3396 still read it.  A longer value is cut into instances
 * (RFC 3396) that fill the areas in order.  Returns 0, or -1 when some
 * part fits nowhere (nothing of it is then placed).
 */
static int
place(struct area *ar, size_t nar, size_t *cur, uint8_t code,
    const uint8_t *v, size_t len)
{
	size_t save_len[3], save_cur = *cur, i, chunk, done = 0;

	for (i = 0; i < nar; i++)
		save_len[i] = ar[i].len;
	do {
		chunk = len - done > 255 ? 255 : len - done;
		if (len > 255) {
			/* Long values are cut wherever an area ends. */
			while (*cur < nar && ar[*cur].cap - ar[*cur].len < 3)
				(*cur)++;
			if (*cur < nar && ar[*cur].cap - ar[*cur].len - 2 < chunk)
				chunk = ar[*cur].cap - ar[*cur].len - 2;
		} else {
			while (*cur < nar &&
			    ar[*cur].cap - ar[*cur].len < chunk + 2)
				(*cur)++;
		}
		if (*cur == nar) {
			/* Undo, leaving no stray bytes after the end option. */
			for (i = 0; i < nar; i++) {
				memset(ar[i].p + save_len[i], 0,
				    ar[i].len - save_len[i]);
				ar[i].len = save_len[i];
			}
			*cur = save_cur;
			return -1;
		}
		ar[*cur].p[ar[*cur].len++] = code;
		ar[*cur].p[ar[*cur].len++] = (uint8_t)chunk;
		if (chunk > 0)
			memcpy(ar[*cur].p + ar[*cur].len, v + done, chunk);
		ar[*cur].len += chunk;
		done += chunk;
	} while (done < len);
	return 0;
}

/* Lays out the options into the areas; returns the number dropped. */
static unsigned
layout(const struct dhcp_out *o, struct area *ar, size_t nar, int *lost53)
{
	unsigned dropped = 0;
	size_t i, cur = 0;

	*lost53 = 0;
	for (i = 0; i < o->nopts; i++) {
		/* Options keep their order, but a later small one may still
		 * go into the room an earlier big one left, so start from
		 * the first area each time. */
		cur = 0;
		if (place(ar, nar, &cur, o->opt[i].code,
			o->data + o->opt[i].off, o->opt[i].len) != 0) {
			if (o->opt[i].code == DHO_MSG_TYPE)
				*lost53 = 1;
			dropped++;
		}
	}
	return dropped;
}

long
dhcp_build(const struct dhcp_out *o, size_t max, uint8_t *buf, size_t bufcap,
    unsigned *dropped_r)
{
	const struct dhcp_hdr *h = &o->h;
	struct area ar[3];
	size_t nar, total, i, need = 0;
	unsigned dropped;
	int lost53, overload = 0;
	uint8_t *q = buf;

	if (max > bufcap)
		max = bufcap;
	if (max > DHCP_PKT_MAX)
		max = DHCP_PKT_MAX;
	if (max < DHCP_BOOTP_MIN)
		max = DHCP_BOOTP_MIN;
	if (bufcap < DHCP_BOOTP_MIN) {
		errno = E2BIG;
		return -1;
	}
	memset(buf, 0, max);
	*q++ = h->op;
	*q++ = h->htype;
	*q++ = h->hlen;
	*q++ = h->hops;
	put32(q, h->xid);
	q += 4;
	*q++ = (uint8_t)(h->secs >> 8);
	*q++ = (uint8_t)h->secs;
	*q++ = (uint8_t)(h->flags >> 8);
	*q++ = (uint8_t)h->flags;
	put32(q, h->ciaddr);
	put32(q + 4, h->yiaddr);
	put32(q + 8, h->siaddr);
	put32(q + 12, h->giaddr);
	q += 16;
	memcpy(q, h->chaddr, 16);
	memcpy(q + 16, h->sname, 64);
	memcpy(q + 80, h->file, 128);
	put32(buf + DHCP_FIXED_LEN, DHCP_MAGIC);

	/* First try: everything in the options field. */
	for (i = 0; i < o->nopts; i++)
		need += 2 * ((size_t)o->opt[i].len / 255 + 1) + o->opt[i].len;
	ar[0].p = buf + DHCP_MIN_LEN;
	ar[0].len = 0;
	ar[0].cap = max - DHCP_MIN_LEN - 1;
	nar = 1;
	if (need > ar[0].cap) {
		/* Overload: 3 bytes for option 52 first, then file, sname. */
		ar[0].p[0] = DHO_OVERLOAD;
		ar[0].p[1] = 1;
		ar[0].len = 3;
		if (all_zero(h->file, 128)) {
			ar[nar].p = buf + 108;
			ar[nar].len = 0;
			ar[nar].cap = 127;
			overload |= DHCP_OVERLOAD_FILE;
			nar++;
		}
		if (all_zero(h->sname, 64)) {
			ar[nar].p = buf + 44;
			ar[nar].len = 0;
			ar[nar].cap = 63;
			overload |= DHCP_OVERLOAD_SNAME;
			nar++;
		}
		if (overload == 0)
			ar[0].len = 0;
		else
			ar[0].p[2] = (uint8_t)overload;
	}
	dropped = layout(o, ar, nar, &lost53);
	if (lost53) {
		errno = E2BIG;
		return -1;
	}
	for (i = 0; i < nar; i++)
		ar[i].p[ar[i].len++] = DHO_END;
	if (overload != 0) {
		/* Tell only of the fields that really carry options. */
		int used = 0;

		for (i = 1; i < nar; i++) {
			if (ar[i].len > 1)
				used |= ar[i].p == buf + 108 ?
				    DHCP_OVERLOAD_FILE : DHCP_OVERLOAD_SNAME;
			else
				ar[i].p[0] = 0; /* unused: all zero again */
		}
		if (used == 0) {
			/* Nothing spilled: drop option 52 by padding. */
			ar[0].p[0] = ar[0].p[1] = ar[0].p[2] = DHO_PAD;
		} else {
			ar[0].p[2] = (uint8_t)used;
		}
	}
	total = DHCP_MIN_LEN + ar[0].len;
	if (total < DHCP_BOOTP_MIN)
		total = DHCP_BOOTP_MIN;
	if (dropped_r != NULL)
		*dropped_r = dropped;
	return (long)total;
}

/* ------------------------------------------------------ option 82 */

int
dhcp_ra_parse(const uint8_t *p, size_t n, struct dhcp_ra *ra)
{
	struct cur c = { p, n, 0 };
	uint8_t code, len;
	const uint8_t *v;

	memset(ra, 0, sizeof *ra);
	if (n == 0) {
		errno = EINVAL;
		return -1;
	}
	while (c.off < c.len) {
		if (cur_u8(&c, &code) || cur_u8(&c, &len) ||
		    (v = cur_take(&c, len)) == NULL || len == 0) {
			errno = EINVAL;
			return -1;
		}
		if (code == 1 && ra->circuit_id == NULL) {
			ra->circuit_id = v;
			ra->circuit_len = len;
		} else if (code == 2 && ra->remote_id == NULL) {
			ra->remote_id = v;
			ra->remote_len = len;
		}
		ra->nsub++;
	}
	return 0;
}

long
dhcp_ra_build(const uint8_t *circuit, size_t clen, const uint8_t *remote,
    size_t rlen, uint8_t *out, size_t cap)
{
	size_t n = 0;

	if (clen > 255 || rlen > 255) {
		errno = EINVAL;
		return -1;
	}
	if ((clen ? clen + 2 : 0) + (rlen ? rlen + 2 : 0) > cap) {
		errno = E2BIG;
		return -1;
	}
	if (clen > 0) {
		out[n++] = 1;
		out[n++] = (uint8_t)clen;
		memcpy(out + n, circuit, clen);
		n += clen;
	}
	if (rlen > 0) {
		out[n++] = 2;
		out[n++] = (uint8_t)rlen;
		memcpy(out + n, remote, rlen);
		n += rlen;
	}
	return (long)n;
}

/* ----------------------------------------------- domain search */

static int
lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

/*
 * Whether the encoded name at off in buf (following pointers, which the
 * encoder only writes backwards) equals the labels lab[0..nlab).
 */
static int
same_suffix(const uint8_t *buf, size_t buflen, size_t off,
    const char *const *lab, const size_t *lablen, size_t nlab)
{
	size_t k = 0, hops = 0, j;

	for (;;) {
		uint8_t l;

		if (off >= buflen)
			return 0;
		l = buf[off];
		if ((l & 0xc0) == 0xc0) {
			if (++hops > 128 || off + 1 >= buflen)
				return 0;
			off = (size_t)(l & 0x3f) << 8 | buf[off + 1];
			continue;
		}
		if (l == 0)
			return k == nlab;
		if (k == nlab || l != lablen[k] || off + 1 + l > buflen)
			return 0;
		for (j = 0; j < l; j++)
			if (lower(buf[off + 1 + j]) != lower(lab[k][j]))
				return 0;
		off += 1 + (size_t)l;
		k++;
	}
}

#define DS_MAXLABELS 128

static int
label_char(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
}


long
dhcp_dnssearch_encode(const char *const *names, size_t n, uint8_t *out,
    size_t cap)
{
	/* Offsets of every label written uncompressed, for pointers. */
	size_t starts[512], nstarts = 0, len = 0, i;

	for (i = 0; i < n; i++) {
		const char *lab[DS_MAXLABELS], *s = names[i];
		size_t lablen[DS_MAXLABELS], nlab = 0, total = 1, k, j;
		size_t slen = strlen(s);
		/* Only names already finished may be pointed at. */
		size_t done_starts = nstarts, done_len = len;

		if (slen > 0 && s[slen - 1] == '.')
			slen--;
		if (slen == 0)
			goto bad;
		for (j = 0; j <= slen;) {
			size_t e = j;

			while (e < slen && s[e] != '.')
				e++;
			if (e == j || e - j > 63 || nlab == DS_MAXLABELS)
				goto bad;
			for (k = j; k < e; k++)
				if (!label_char((unsigned char)s[k]))
					goto bad;
			lab[nlab] = s + j;
			lablen[nlab++] = e - j;
			total += e - j + 1;
			j = e + 1;
		}
		if (total > 255)
			goto bad;
		for (k = 0; k < nlab; k++) {
			size_t m, hit = SIZE_MAX;

			for (m = 0; m < done_starts && hit == SIZE_MAX; m++)
				if (same_suffix(out, done_len, starts[m],
					lab + k, lablen + k, nlab - k))
					hit = starts[m];
			if (hit != SIZE_MAX && hit < 0x4000) {
				if (cap - len < 2)
					goto big;
				out[len++] = (uint8_t)(0xc0 | hit >> 8);
				out[len++] = (uint8_t)hit;
				break;
			}
			if (cap - len < 1 + lablen[k])
				goto big;
			if (nstarts < sizeof starts / sizeof starts[0])
				starts[nstarts++] = len;
			out[len++] = (uint8_t)lablen[k];
			memcpy(out + len, lab[k], lablen[k]);
			len += lablen[k];
		}
		if (k == nlab) {
			if (cap - len < 1)
				goto big;
			out[len++] = 0;
		}
	}
	return (long)len;
bad:
	errno = EINVAL;
	return -1;
big:
	errno = E2BIG;
	return -1;
}

int
dhcp_dnssearch_decode(const uint8_t *p, size_t n, char *out, size_t cap)
{
	size_t off = 0, o = 0;
	int count = 0;

	if (cap == 0) {
		errno = E2BIG;
		return -1;
	}
	out[0] = '\0';
	while (off < n) {
		/* One name: starts at off; pos follows pointers. */
		size_t pos = off, namelen = 0, lowest = off;
		int jumped = 0;

		if (count > 0) {
			if (o + 1 >= cap)
				goto big;
			out[o++] = ' ';
		}
		for (;;) {
			uint8_t l;

			if (pos >= n)
				goto bad;
			l = p[pos];
			if ((l & 0xc0) == 0xc0) {
				size_t to;

				if (pos + 1 >= n)
					goto bad;
				to = (size_t)(l & 0x3f) << 8 | p[pos + 1];
				/* Strictly backwards: no loops. */
				if (to >= lowest)
					goto bad;
				if (!jumped)
					off = pos + 2;
				jumped = 1;
				lowest = to;
				pos = to;
				continue;
			}
			if ((l & 0xc0) != 0)
				goto bad;
			if (l == 0) {
				if (!jumped)
					off = pos + 1;
				break;
			}
			if (pos + 1 + l > n)
				goto bad;
			namelen += (size_t)l + 1;
			if (namelen > 255)
				goto bad;
			if (namelen > (size_t)l + 1) {
				if (o + 1 >= cap)
					goto big;
				out[o++] = '.';
			}
			if (o + l >= cap)
				goto big;
			for (size_t j = 0; j < l; j++) {
				if (!label_char(p[pos + 1 + j]))
					goto bad;
				out[o++] = (char)p[pos + 1 + j];
			}
			pos += 1 + (size_t)l;
		}
		if (namelen == 0)
			goto bad;
		out[o] = '\0';
		count++;
	}
	out[o] = '\0';
	return count;
bad:
	out[0] = '\0';
	errno = EINVAL;
	return -1;
big:
	out[0] = '\0';
	errno = E2BIG;
	return -1;
}

/* --------------------------------------- classless static routes */

long
dhcp_routes_encode(const struct dhcp_route *r, size_t n, uint8_t *out,
    size_t cap)
{
	size_t len = 0, i, sig;
	uint8_t d[4];

	for (i = 0; i < n; i++) {
		if (r[i].width > 32) {
			errno = EINVAL;
			return -1;
		}
		sig = ((size_t)r[i].width + 7) / 8;
		if (cap - len < 1 + sig + 4) {
			errno = E2BIG;
			return -1;
		}
		out[len++] = r[i].width;
		put32(d, r[i].dest);
		memcpy(out + len, d, sig);
		len += sig;
		put32(out + len, r[i].router);
		len += 4;
	}
	return (long)len;
}

int
dhcp_routes_decode(const uint8_t *p, size_t n, struct dhcp_route *r,
    size_t max)
{
	struct cur c = { p, n, 0 };
	size_t count = 0, sig;
	uint8_t w, d[4];
	uint32_t mask;

	while (c.off < c.len) {
		if (cur_u8(&c, &w) != 0 || w > 32)
			goto bad;
		sig = ((size_t)w + 7) / 8;
		memset(d, 0, sizeof d);
		if (cur_bytes(&c, d, sig) != 0)
			goto bad;
		if (count == max) {
			errno = E2BIG;
			return -1;
		}
		r[count].width = w;
		r[count].dest = get32(d);
		mask = w == 0 ? 0 : 0xffffffffu << (32 - w);
		if ((r[count].dest & ~mask) != 0)
			goto bad;
		if (cur_u32(&c, &r[count].router) != 0)
			goto bad;
		count++;
	}
	return (int)count;
bad:
	errno = EINVAL;
	return -1;
}

/* ------------------------------------------------------- helpers */

char *
dhcp_ip_fmt(uint32_t ip, char *out)
{
	snprintf(out, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255,
	    (ip >> 8) & 255, ip & 255);
	return out;
}

char *
dhcp_hw_fmt(const uint8_t *hw, size_t hlen, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	if (hlen > 16)
		hlen = 16;
	for (i = 0; i < hlen; i++) {
		if (i > 0)
			out[o++] = ':';
		out[o++] = hex[hw[i] >> 4];
		out[o++] = hex[hw[i] & 15];
	}
	out[o] = '\0';
	return out;
}

const char *
dhcp_type_name(int type)
{
	static const char *const names[] = { "?", "DISCOVER", "OFFER",
		"REQUEST", "DECLINE", "ACK", "NAK", "RELEASE", "INFORM" };

	return type >= 1 && type <= 8 ? names[type] : "?";
}
