#include "smtpaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "num.h"

struct cur {
	const unsigned char *p;
	size_t len, off; /* off <= len */
};

static int
peek(const struct cur *c)
{
	return c->off < c->len ? c->p[c->off] : -1;
}

static int
is_alpha(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int
is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static int
is_atext(int ch)
{
	return is_alpha(ch) || is_digit(ch) ||
	    (ch > 0 && strchr("!#$%&'*+-/=?^_`{|}~", ch) != NULL);
}

int
smtp_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned c = p[i], need, cp, min;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return 0;
		}
		if (n - i - 1 < need)
			return 0;
		for (unsigned k = 1; k <= need; k++) {
			unsigned cc = p[i + k];

			if ((cc & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (cc & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

int
smtp_xtext_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '+') {
			if (n - i < 3)
				return 0;
			for (size_t k = 1; k <= 2; k++)
				if (!is_digit(p[i + k]) &&
				    !(p[i + k] >= 'A' && p[i + k] <= 'F'))
					return 0;
			i += 2;
		} else if (p[i] < '!' || p[i] > '~' || p[i] == '=') {
			return 0;
		}
	}
	return 1;
}

/* A sub-domain: Let-dig [Ldh-str]; UTF-8 bytes count as letters. */
static int
sub_domain(struct cur *c, int utf8, int *sawutf8)
{
	size_t start = c->off;
	int last = -1, ch;

	while ((ch = peek(c)) >= 0) {
		if (ch >= 0x80) {
			if (!utf8) {
				errno = EILSEQ;
				return -1;
			}
			*sawutf8 = 1;
		} else if (ch == '-') {
			if (c->off == start)
				break;
		} else if (!is_alpha(ch) && !is_digit(ch)) {
			break;
		}
		last = ch;
		c->off++;
	}
	if (c->off == start || last == '-') {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

static int
domain(struct cur *c, int utf8, int *sawutf8)
{
	for (;;) {
		if (sub_domain(c, utf8, sawutf8) < 0)
			return -1;
		if (peek(c) != '.')
			return 0;
		c->off++;
	}
}

/* "[" ( IPv4 / "IPv6:" IPv6 / tag ":" 1*dcontent ) "]" */
static int
address_literal(struct cur *c)
{
	char buf[64];
	unsigned char a6[16];
	size_t start, len, colon = 0;
	int ch, hascolon = 0;

	c->off++; /* '[' */
	start = c->off;
	while ((ch = peek(c)) >= 0 && ch != ']') {
		if (ch < 33 || ch > 126 || ch == '[' || ch == '\\') {
			errno = ch >= 0x80 ? EILSEQ : EINVAL;
			return -1;
		}
		if (ch == ':' && !hascolon) {
			hascolon = 1;
			colon = c->off - start;
		}
		c->off++;
	}
	if (ch != ']') {
		errno = EINVAL;
		return -1;
	}
	len = c->off - start;
	c->off++;
	if (len == 0 || len >= sizeof buf) {
		errno = len == 0 ? EINVAL : ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, c->p + start, len);
	buf[len] = '\0';
	if (!hascolon) {
		if (inet_pton(AF_INET, buf, a6) != 1) {
			errno = EINVAL;
			return -1;
		}
		return 0;
	}
	if (colon == 4 && strncasecmp(buf, "IPv6", 4) == 0) {
		if (inet_pton(AF_INET6, buf + 5, a6) != 1) {
			errno = EINVAL;
			return -1;
		}
		return 0;
	}
	/* General-address-literal: Standardized-tag is an Ldh-str. */
	if (colon == 0 || buf[colon - 1] == '-' || colon + 1 == len) {
		errno = EINVAL;
		return -1;
	}
	for (size_t i = 0; i < colon; i++)
		if (!is_alpha(buf[i]) && !is_digit(buf[i]) && buf[i] != '-') {
			errno = EINVAL;
			return -1;
		}
	return 0;
}

static int
local_part(struct cur *c, int utf8, struct smtp_addr *a)
{
	int ch, sawutf8 = 0;
	size_t start = c->off;

	a->local_len = 0;
	if (peek(c) == '"') {
		a->quoted = 1;
		c->off++;
		for (;;) {
			ch = peek(c);
			if (ch < 0) {
				errno = EINVAL;
				return -1;
			}
			c->off++;
			if (ch == '"')
				break;
			if (ch == '\\') {
				ch = peek(c);
				if (ch < 32 || ch > 126) {
					errno = ch >= 0x80 ? EILSEQ : EINVAL;
					return -1;
				}
				c->off++;
			} else if (ch >= 0x80) {
				if (!utf8) {
					errno = EILSEQ;
					return -1;
				}
				sawutf8 = 1;
			} else if (ch < 32 || ch > 126) {
				errno = EINVAL;
				return -1;
			}
			if (a->local_len >= SMTP_LOCAL_MAX) {
				errno = ENAMETOOLONG;
				return -1;
			}
			a->local[a->local_len++] = (char)ch;
		}
	} else {
		for (;;) {
			ch = peek(c);
			if (ch >= 0x80) {
				if (!utf8) {
					errno = EILSEQ;
					return -1;
				}
				sawutf8 = 1;
			} else if (ch == '.') {
				/* No leading dot, no two dots in a row. */
				if (a->local_len == 0 ||
				    a->local[a->local_len - 1] == '.') {
					errno = EINVAL;
					return -1;
				}
			} else if (ch < 0 || !is_atext(ch)) {
				break;
			}
			if (a->local_len >= SMTP_LOCAL_MAX) {
				errno = ENAMETOOLONG;
				return -1;
			}
			a->local[a->local_len++] = (char)ch;
			c->off++;
		}
		/* Empty, or ending in a dot. */
		if (a->local_len == 0 || a->local[a->local_len - 1] == '.') {
			errno = EINVAL;
			return -1;
		}
	}
	a->local[a->local_len] = '\0';
	if (c->off - start > SMTP_LOCAL_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (sawutf8) {
		if (!smtp_utf8_valid((const char *)c->p + start, c->off - start)) {
			errno = EILSEQ;
			return -1;
		}
		a->utf8 = 1;
	}
	return 0;
}

static int
path_parse(struct cur *cp, unsigned flags, struct smtp_addr *a,
    size_t *used_r)
{
	int utf8 = (flags & SMTP_ADDR_UTF8) != 0, sawutf8 = 0;
	size_t lstart, dstart;

	if (peek(cp) != '<') {
		errno = EINVAL;
		return -1;
	}
	cp->off++;
	if (peek(cp) == '>') {
		if (!(flags & SMTP_ADDR_NULL_OK)) {
			errno = EINVAL;
			return -1;
		}
		a->null = 1;
		a->addr[0] = '\0';
		*used_r = 2;
		return 0;
	}
	if ((flags & SMTP_ADDR_POSTMASTER) && cp->len - cp->off >= 11 &&
	    strncasecmp((const char *)cp->p + cp->off, "postmaster>", 11) == 0) {
		memcpy(a->addr, "postmaster", 11);
		a->len = a->domain = 10;
		memcpy(a->local, "postmaster", 11);
		a->local_len = 10;
		a->postmaster = 1;
		*used_r = cp->off + 11;
		return 0;
	}
	/* A-d-l = At-domain *( "," At-domain ), At-domain = "@" Domain */
	if (peek(cp) == '@') {
		for (;;) {
			int dummy = 0;

			if (peek(cp) != '@') {
				errno = EINVAL;
				return -1;
			}
			cp->off++;
			if (peek(cp) == '[') {
				if (address_literal(cp) < 0)
					return -1;
			} else if (domain(cp, utf8, &dummy) < 0) {
				return -1;
			}
			if (peek(cp) == ',') {
				cp->off++;
				continue;
			}
			if (peek(cp) != ':') {
				errno = EINVAL;
				return -1;
			}
			cp->off++;
			break;
		}
		a->route = 1;
	}
	lstart = cp->off;
	if (local_part(cp, utf8, a) < 0)
		return -1;
	memcpy(a->addr, cp->p + lstart, cp->off - lstart);
	a->len = cp->off - lstart;
	if (peek(cp) != '@') {
		errno = EINVAL;
		return -1;
	}
	cp->off++;
	dstart = cp->off;
	if (peek(cp) == '[') {
		if (address_literal(cp) < 0)
			return -1;
		a->literal = 1;
	} else if (domain(cp, utf8, &sawutf8) < 0) {
		return -1;
	}
	if (cp->off - dstart > SMTP_DOMAIN_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (sawutf8) {
		if (!smtp_utf8_valid((const char *)cp->p + dstart, cp->off - dstart)) {
			errno = EILSEQ;
			return -1;
		}
		a->utf8 = 1;
	}
	if (peek(cp) != '>') {
		errno = EINVAL;
		return -1;
	}
	a->addr[a->len++] = '@';
	a->domain = a->len;
	memcpy(a->addr + a->len, cp->p + dstart, cp->off - dstart);
	a->len += cp->off - dstart;
	a->addr[a->len] = '\0';
	*used_r = cp->off + 1;
	return 0;
}

int
smtp_path_parse(const char *p, size_t n, unsigned flags, struct smtp_addr *a,
    size_t *used_r)
{
	/* A path can never be longer than SMTP_PATH_MAX. */
	struct cur c = { (const unsigned char *)p,
		n > SMTP_PATH_MAX ? SMTP_PATH_MAX : n, 0 };

	memset(a, 0, sizeof *a);
	if (path_parse(&c, flags, a, used_r) == 0)
		return 0;
	/* Whatever failed, running into the cap means "too long". */
	if (c.off >= c.len && c.len < n)
		errno = ENAMETOOLONG;
	return -1;
}

int
smtp_addr_routing(const struct smtp_addr *a)
{
	return memchr(a->local, '@', a->local_len) != NULL ||
	    memchr(a->local, '%', a->local_len) != NULL ||
	    memchr(a->local, '!', a->local_len) != NULL;
}

/*
 * Iterates over " keyword[=value]" parameters.  Returns 1 with one
 * parameter, 0 at the end, -1 (EINVAL) on bad syntax.
 */
struct param {
	const char *kw, *val;
	size_t kwlen, vallen;
	int hasval;
};

static int
next_param(struct cur *c, struct param *pm)
{
	size_t start;
	int ch;

	if (c->off == c->len)
		return 0;
	if (peek(c) != ' ') {
		errno = EINVAL;
		return -1;
	}
	while (peek(c) == ' ')
		c->off++;
	if (c->off == c->len)
		return 0; /* trailing blanks are tolerated */
	start = c->off;
	while ((ch = peek(c)) >= 0 && (is_alpha(ch) || is_digit(ch) ||
	    (ch == '-' && c->off > start)))
		c->off++;
	if (c->off == start) {
		errno = EINVAL;
		return -1;
	}
	pm->kw = (const char *)c->p + start;
	pm->kwlen = c->off - start;
	pm->hasval = 0;
	pm->val = NULL;
	pm->vallen = 0;
	if (peek(c) == '=') {
		c->off++;
		start = c->off;
		while ((ch = peek(c)) >= 33 && ch <= 126 && ch != '=')
			c->off++;
		if (c->off == start) {
			errno = EINVAL;
			return -1;
		}
		pm->val = (const char *)c->p + start;
		pm->vallen = c->off - start;
		pm->hasval = 1;
	}
	if (c->off < c->len && peek(c) != ' ') {
		errno = peek(c) >= 0x80 ? EILSEQ : EINVAL;
		return -1;
	}
	return 1;
}

static int
kw_is(const struct param *pm, const char *z)
{
	return pm->kwlen == strlen(z) && strncasecmp(pm->kw, z, pm->kwlen) == 0;
}

static int
val_is(const struct param *pm, const char *z)
{
	return pm->vallen == strlen(z) &&
	    strncasecmp(pm->val, z, pm->vallen) == 0;
}

static int
fail(const char **what_r, const char *what, int err)
{
	if (what_r != NULL)
		*what_r = what;
	errno = err;
	return -1;
}

int
smtp_mail_parse(const char *p, size_t n, unsigned flags, struct smtp_addr *a,
    struct smtp_mail_params *mp, const char **what_r)
{
	struct cur c = { (const unsigned char *)p, n, 0 };
	struct param pm;
	size_t used;
	int r, seen_size = 0, seen_body = 0, seen_utf8 = 0, seen_ret = 0;
	int seen_envid = 0, seen_auth = 0;

	memset(mp, 0, sizeof *mp);
	if (smtp_path_parse(p, n, (flags & ~(unsigned)SMTP_ADDR_POSTMASTER) |
	    SMTP_ADDR_NULL_OK, a, &used) < 0)
		return fail(what_r, "path", errno);
	c.off = used;
	while ((r = next_param(&c, &pm)) == 1) {
		if (kw_is(&pm, "SIZE")) {
			if (seen_size++)
				return fail(what_r, "SIZE", EEXIST);
			if (!pm.hasval)
				return fail(what_r, "SIZE", EINVAL);
			if (num_u64(pm.val, pm.vallen, UINT64_MAX, &mp->size) < 0)
				return fail(what_r, "SIZE", errno);
			mp->has_size = 1;
		} else if (kw_is(&pm, "BODY")) {
			if (seen_body++)
				return fail(what_r, "BODY", EEXIST);
			if (pm.hasval && val_is(&pm, "7BIT"))
				mp->body = SMTP_BODY_7BIT;
			else if (pm.hasval && val_is(&pm, "8BITMIME"))
				mp->body = SMTP_BODY_8BITMIME;
			else
				return fail(what_r, "BODY", EINVAL);
		} else if (kw_is(&pm, "SMTPUTF8") && (flags & SMTP_ADDR_UTF8)) {
			if (seen_utf8++)
				return fail(what_r, "SMTPUTF8", EEXIST);
			if (pm.hasval)
				return fail(what_r, "SMTPUTF8", EINVAL);
			mp->smtputf8 = 1;
		} else if (kw_is(&pm, "RET")) {
			if (seen_ret++)
				return fail(what_r, "RET", EEXIST);
			if (pm.hasval && val_is(&pm, "FULL"))
				mp->ret = SMTP_RET_FULL;
			else if (pm.hasval && val_is(&pm, "HDRS"))
				mp->ret = SMTP_RET_HDRS;
			else
				return fail(what_r, "RET", EINVAL);
		} else if (kw_is(&pm, "ENVID")) {
			if (seen_envid++)
				return fail(what_r, "ENVID", EEXIST);
			if (!pm.hasval || pm.vallen > SMTP_ENVID_MAX ||
			    !smtp_xtext_valid(pm.val, pm.vallen))
				return fail(what_r, "ENVID", EINVAL);
			memcpy(mp->envid, pm.val, pm.vallen);
			mp->envid[pm.vallen] = '\0';
		} else if (kw_is(&pm, "AUTH")) {
			/* RFC 4954 §5: checked, then ignored (we do not
			 * trust another server's word on who sent it). */
			if (seen_auth++)
				return fail(what_r, "AUTH", EEXIST);
			if (!pm.hasval || pm.vallen > SMTP_ADDR_MAX ||
			    !(val_is(&pm, "<>") ||
			    smtp_xtext_valid(pm.val, pm.vallen)))
				return fail(what_r, "AUTH", EINVAL);
		} else {
			return fail(what_r, "parameter", ENOENT);
		}
	}
	if (r < 0)
		return fail(what_r, "parameter", errno);
	/* A UTF-8 path needs SMTPUTF8 on this very command (RFC 6531). */
	if (a->utf8 && !mp->smtputf8)
		return fail(what_r, "path", EILSEQ);
	return 0;
}

static int
notify_parse(const struct param *pm, unsigned *notify_r)
{
	const char *s = pm->val, *end = pm->val + pm->vallen;
	unsigned bits = 0;

	while (s < end) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		size_t len = (size_t)((comma != NULL ? comma : end) - s);
		unsigned bit;

		if (len == 5 && strncasecmp(s, "NEVER", 5) == 0)
			bit = SMTP_NOTIFY_NEVER;
		else if (len == 7 && strncasecmp(s, "SUCCESS", 7) == 0)
			bit = SMTP_NOTIFY_SUCCESS;
		else if (len == 7 && strncasecmp(s, "FAILURE", 7) == 0)
			bit = SMTP_NOTIFY_FAILURE;
		else if (len == 5 && strncasecmp(s, "DELAY", 5) == 0)
			bit = SMTP_NOTIFY_DELAY;
		else
			return -1;
		if (bits & bit)
			return -1;
		bits |= bit;
		if (comma == NULL)
			break;
		s = comma + 1;
		if (s == end)
			return -1; /* trailing comma */
	}
	/* NEVER stands alone (RFC 3461 §4.1). */
	if ((bits & SMTP_NOTIFY_NEVER) && bits != SMTP_NOTIFY_NEVER)
		return -1;
	*notify_r = bits;
	return 0;
}

int
smtp_rcpt_parse(const char *p, size_t n, int utf8, struct smtp_addr *a,
    struct smtp_rcpt_params *rp, const char **what_r)
{
	struct cur c = { (const unsigned char *)p, n, 0 };
	struct param pm;
	size_t used;
	int r, seen_notify = 0, seen_orcpt = 0;

	memset(rp, 0, sizeof *rp);
	if (smtp_path_parse(p, n, SMTP_ADDR_POSTMASTER |
	    (utf8 ? SMTP_ADDR_UTF8 : 0u), a, &used) < 0)
		return fail(what_r, "path", errno);
	c.off = used;
	while ((r = next_param(&c, &pm)) == 1) {
		if (kw_is(&pm, "NOTIFY")) {
			if (seen_notify++)
				return fail(what_r, "NOTIFY", EEXIST);
			if (!pm.hasval || notify_parse(&pm, &rp->notify) < 0)
				return fail(what_r, "NOTIFY", EINVAL);
		} else if (kw_is(&pm, "ORCPT")) {
			const char *semi;
			size_t tlen;

			if (seen_orcpt++)
				return fail(what_r, "ORCPT", EEXIST);
			if (!pm.hasval || pm.vallen > SMTP_ORCPT_MAX)
				return fail(what_r, "ORCPT", EINVAL);
			semi = memchr(pm.val, ';', pm.vallen);
			if (semi == NULL)
				return fail(what_r, "ORCPT", EINVAL);
			tlen = (size_t)(semi - pm.val);
			if (tlen == 0)
				return fail(what_r, "ORCPT", EINVAL);
			for (size_t i = 0; i < tlen; i++)
				if (!is_atext((unsigned char)pm.val[i]))
					return fail(what_r, "ORCPT", EINVAL);
			if (tlen + 1 == pm.vallen ||
			    !smtp_xtext_valid(semi + 1, pm.vallen - tlen - 1))
				return fail(what_r, "ORCPT", EINVAL);
			memcpy(rp->orcpt, pm.val, pm.vallen);
			rp->orcpt[pm.vallen] = '\0';
		} else {
			return fail(what_r, "parameter", ENOENT);
		}
	}
	if (r < 0)
		return fail(what_r, "parameter", errno);
	return 0;
}
