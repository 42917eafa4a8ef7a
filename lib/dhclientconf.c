/* dhclient.conf subset reader; see dhclientconf.h. */
#include "dhclientconf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dhcppkt.h"
#include "num.h"

static const struct dcc_optdef defs[] = {
	{ "subnet-mask", 1, DCT_IP },
	{ "time-offset", 2, DCT_S32 },
	{ "routers", 3, DCT_IPS },
	{ "time-servers", 4, DCT_IPS },
	{ "domain-name-servers", 6, DCT_IPS },
	{ "log-servers", 7, DCT_IPS },
	{ "host-name", 12, DCT_TEXT },
	{ "domain-name", 15, DCT_TEXT },
	{ "root-path", 17, DCT_TEXT },
	{ "ip-forwarding", 19, DCT_BOOL },
	{ "default-ip-ttl", 23, DCT_U8 },
	{ "interface-mtu", 26, DCT_U16 },
	{ "broadcast-address", 28, DCT_IP },
	{ "static-routes", 33, DCT_IPS },
	{ "nis-domain", 40, DCT_TEXT },
	{ "nis-servers", 41, DCT_IPS },
	{ "ntp-servers", 42, DCT_IPS },
	{ "vendor-encapsulated-options", 43, DCT_BYTES },
	{ "netbios-name-servers", 44, DCT_IPS },
	{ "netbios-node-type", 46, DCT_U8 },
	{ "netbios-scope", 47, DCT_TEXT },
	{ "dhcp-requested-address", 50, DCT_IP },
	{ "dhcp-lease-time", 51, DCT_U32 },
	{ "dhcp-message-type", 53, DCT_U8 },
	{ "dhcp-server-identifier", 54, DCT_IP },
	{ "dhcp-parameter-request-list", 55, DCT_CODES },
	{ "dhcp-message", 56, DCT_TEXT },
	{ "dhcp-max-message-size", 57, DCT_U16 },
	{ "dhcp-renewal-time", 58, DCT_U32 },
	{ "dhcp-rebinding-time", 59, DCT_U32 },
	{ "vendor-class-identifier", 60, DCT_BYTES },
	{ "dhcp-client-identifier", 61, DCT_BYTES },
	{ "tftp-server-name", 66, DCT_TEXT },
	{ "bootfile-name", 67, DCT_TEXT },
	{ "user-class", 77, DCT_BYTES },
	{ "domain-search", 119, DCT_DOMAINS },
	{ "rfc3442-classless-static-routes", 121, DCT_BYTES },
};

const struct dcc_optdef *
dcc_opt_byname(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof defs / sizeof defs[0]; i++)
		if (strcmp(defs[i].name, name) == 0)
			return &defs[i];
	return NULL;
}

const struct dcc_optdef *
dcc_opt_bycode(uint8_t code)
{
	size_t i;

	for (i = 0; i < sizeof defs / sizeof defs[0]; i++)
		if (defs[i].code == code)
			return &defs[i];
	return NULL;
}

void
dcc_defaults(struct dcc_conf *c)
{
	static const uint8_t req[] = { 1, 28, 2, 3, 15, 6, 119, 12, 26, 42 };

	memset(c, 0, sizeof *c);
	c->timeout = 60;
	c->retry = 300;
	c->reboot = 10;
	c->select_timeout = 0;
	c->initial_interval = 4;
	c->backoff_cutoff = 64;
	memcpy(c->request, req, sizeof req);
	c->nrequest = sizeof req;
}

const struct dcc_val *
dcc_find(const struct dcc_conf *c, uint8_t code, enum dcc_mode mode)
{
	size_t i;

	for (i = 0; i < c->nset; i++)
		if (c->set[i].code == code && c->set[i].mode == mode)
			return &c->set[i];
	return NULL;
}

int
dcc_rejected(const struct dcc_conf *c, uint32_t ip)
{
	size_t i;

	for (i = 0; i < c->nreject; i++)
		if ((ip & c->reject[i].mask) == c->reject[i].net)
			return 1;
	return 0;
}

/* ------------------------------------------------------------ lexer */

enum tok { T_EOF, T_WORD, T_STRING, T_PUNCT };

struct lex {
	const char *p;
	size_t n, off;
	unsigned line, col;
	/* the current token */
	enum tok t;
	char text[256];
	size_t len;
	unsigned tline, tcol;
	int peeked;
	struct dcc_err *err;
};

static int
lerr(struct lex *l, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
lerr(struct lex *l, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	l->err->line = line;
	l->err->col = col;
	va_start(ap, fmt);
	vsnprintf(l->err->msg, sizeof l->err->msg, fmt, ap);
	va_end(ap);
	errno = EINVAL;
	return -1;
}

static int
wordc(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' ||
	    ch == ':' || ch == '/';
}

static void
adv(struct lex *l)
{
	if (l->p[l->off] == '\n') {
		l->line++;
		l->col = 1;
	} else
		l->col++;
	l->off++;
}

/* Reads the next token; -1 on a lexical error. */
static int
next(struct lex *l)
{
	unsigned char ch;

	if (l->peeked) {
		l->peeked = 0;
		return 0;
	}
	for (;;) {
		while (l->off < l->n &&
		    (l->p[l->off] == ' ' || l->p[l->off] == '\t' ||
			l->p[l->off] == '\n' || l->p[l->off] == '\r'))
			adv(l);
		if (l->off < l->n && l->p[l->off] == '#') {
			while (l->off < l->n && l->p[l->off] != '\n')
				adv(l);
			continue;
		}
		break;
	}
	l->tline = l->line;
	l->tcol = l->col;
	l->len = 0;
	l->text[0] = 0;
	if (l->off == l->n) {
		l->t = T_EOF;
		return 0;
	}
	ch = (unsigned char)l->p[l->off];
	if (ch == ';' || ch == ',' || ch == '{' || ch == '}' || ch == '=' ||
	    ch == '(' || ch == ')') {
		l->t = T_PUNCT;
		l->text[0] = (char)ch;
		l->text[1] = 0;
		l->len = 1;
		adv(l);
		return 0;
	}
	if (ch == '"') {
		adv(l);
		for (;;) {
			if (l->off == l->n)
				return lerr(l, l->tline, l->tcol,
				    "unterminated string");
			ch = (unsigned char)l->p[l->off];
			if (ch == '"') {
				adv(l);
				break;
			}
			if (ch == '\\') {
				adv(l);
				if (l->off == l->n)
					return lerr(l, l->tline, l->tcol,
					    "unterminated string");
				ch = (unsigned char)l->p[l->off];
				if (ch != '"' && ch != '\\')
					return lerr(l, l->line, l->col,
					    "unknown escape in string");
			}
			if (ch < 0x20 || ch == 0x7f)
				return lerr(l, l->line, l->col,
				    "control character 0x%02x in string", ch);
			if (l->len == 255)
				return lerr(l, l->tline, l->tcol,
				    "string longer than 255 bytes");
			l->text[l->len++] = (char)ch;
			adv(l);
		}
		l->text[l->len] = 0;
		l->t = T_STRING;
		return 0;
	}
	if (!wordc(ch))
		return lerr(l, l->line, l->col, "unexpected character 0x%02x",
		    ch);
	while (l->off < l->n && wordc((unsigned char)l->p[l->off])) {
		if (l->len == 255)
			return lerr(l, l->tline, l->tcol,
			    "word longer than 255 bytes");
		l->text[l->len++] = l->p[l->off];
		adv(l);
	}
	l->text[l->len] = 0;
	l->t = T_WORD;
	return 0;
}

static int
peek(struct lex *l)
{
	if (next(l) != 0)
		return -1;
	l->peeked = 1;
	return 0;
}

static int
is_punct(const struct lex *l, char c)
{
	return l->t == T_PUNCT && l->text[0] == c;
}

static int
expect(struct lex *l, char c)
{
	if (next(l) != 0)
		return -1;
	if (!is_punct(l, c))
		return lerr(l, l->tline, l->tcol, "expected '%c'%s%s", c,
		    l->t == T_EOF ? " at end of file" : " before ",
		    l->t == T_EOF ? "" : l->text);
	return 0;
}

static int
word(struct lex *l, const char *what)
{
	if (next(l) != 0)
		return -1;
	if (l->t != T_WORD)
		return lerr(l, l->tline, l->tcol, "expected %s", what);
	return 0;
}

/* ----------------------------------------------------------- values */

static int
parse_ip(const char *s, uint32_t *ip_r)
{
	uint32_t ip = 0;
	unsigned part = 0;
	const char *q = s;

	for (;;) {
		uint64_t v;
		size_t used;

		if (num_u64_prefix(q, strlen(q), 255, &v, &used) != 0 ||
		    used > 3)
			return -1;
		ip = ip << 8 | (uint32_t)v;
		q += used;
		if (++part == 4)
			break;
		if (*q++ != '.')
			return -1;
	}
	if (*q != 0)
		return -1;
	*ip_r = ip;
	return 0;
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* "01:2:ab" into bytes; -1 when malformed. */
static int
parse_hex(const char *s, uint8_t *out, uint16_t *len_r)
{
	size_t n = 0;

	for (;;) {
		int a, b;

		if ((a = hexval(*s)) < 0)
			return -1;
		s++;
		if ((b = hexval(*s)) >= 0) {
			a = a * 16 + b;
			s++;
		}
		if (n == 255)
			return -1;
		out[n++] = (uint8_t)a;
		if (*s == 0)
			break;
		if (*s++ != ':')
			return -1;
	}
	*len_r = (uint16_t)n;
	return 0;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Reads the value of option def up to and including the ';'. */
static int
parse_value(struct lex *l, const struct dcc_optdef *def, struct dcc_val *v)
{
	uint64_t n;
	uint32_t ip;
	unsigned line, col;

	v->code = def->code;
	v->len = 0;
	switch (def->type) {
	case DCT_IP:
	case DCT_IPS:
		for (;;) {
			if (word(l, "an address") != 0)
				return -1;
			if (parse_ip(l->text, &ip) != 0)
				return lerr(l, l->tline, l->tcol,
				    "bad address %s", l->text);
			if (v->len > 251)
				return lerr(l, l->tline, l->tcol,
				    "too many addresses");
			put32(v->v + v->len, ip);
			v->len = (uint16_t)(v->len + 4);
			if (def->type == DCT_IP)
				break;
			if (peek(l) != 0)
				return -1;
			if (!is_punct(l, ','))
				break;
			(void)next(l);
		}
		break;
	case DCT_U8:
	case DCT_U16:
	case DCT_U32:
	case DCT_BOOL:
		if (word(l, "a number") != 0)
			return -1;
		if (def->type == DCT_BOOL) {
			if (strcmp(l->text, "true") == 0 ||
			    strcmp(l->text, "on") == 0)
				n = 1;
			else if (strcmp(l->text, "false") == 0 ||
			    strcmp(l->text, "off") == 0)
				n = 0;
			else
				return lerr(l, l->tline, l->tcol,
				    "expected true or false");
			v->v[0] = (uint8_t)n;
			v->len = 1;
			break;
		}
		if (num_u64z(l->text,
			def->type == DCT_U8	 ? 0xff :
			    def->type == DCT_U16 ? 0xffff :
						   0xffffffffu,
			&n) != 0)
			return lerr(l, l->tline, l->tcol, "bad number %s",
			    l->text);
		if (def->type == DCT_U8) {
			v->v[0] = (uint8_t)n;
			v->len = 1;
		} else if (def->type == DCT_U16) {
			v->v[0] = (uint8_t)(n >> 8);
			v->v[1] = (uint8_t)n;
			v->len = 2;
		} else {
			put32(v->v, (uint32_t)n);
			v->len = 4;
		}
		break;
	case DCT_S32: {
		const char *s;
		int neg;

		if (word(l, "a number") != 0)
			return -1;
		s = l->text;
		neg = *s == '-';
		if (num_u64z(s + neg, neg ? 0x80000000u : 0x7fffffffu, &n) != 0)
			return lerr(l, l->tline, l->tcol, "bad number %s",
			    l->text);
		put32(v->v, neg ? (uint32_t)(0 - (uint32_t)n) : (uint32_t)n);
		v->len = 4;
		break;
	}
	case DCT_TEXT:
		if (next(l) != 0)
			return -1;
		if (l->t != T_STRING)
			return lerr(l, l->tline, l->tcol,
			    "expected a quoted string");
		if (l->len == 0)
			return lerr(l, l->tline, l->tcol, "empty string");
		memcpy(v->v, l->text, l->len);
		v->len = (uint16_t)l->len;
		break;
	case DCT_BYTES:
		if (next(l) != 0)
			return -1;
		if (l->t == T_STRING) {
			if (l->len == 0)
				return lerr(l, l->tline, l->tcol,
				    "empty string");
			memcpy(v->v, l->text, l->len);
			v->len = (uint16_t)l->len;
		} else if (l->t != T_WORD ||
		    parse_hex(l->text, v->v, &v->len) != 0)
			return lerr(l, l->tline, l->tcol,
			    "expected a quoted string or hex bytes (01:02:..)");
		break;
	case DCT_CODES:
		for (;;) {
			const struct dcc_optdef *d;

			if (word(l, "an option name") != 0)
				return -1;
			if ((d = dcc_opt_byname(l->text)) == NULL)
				return lerr(l, l->tline, l->tcol,
				    "unknown option %s", l->text);
			if (v->len == 255)
				return lerr(l, l->tline, l->tcol,
				    "too many options");
			v->v[v->len++] = d->code;
			if (peek(l) != 0)
				return -1;
			if (!is_punct(l, ','))
				break;
			(void)next(l);
		}
		break;
	case DCT_DOMAINS: {
		char names[8][256];
		const char *np[8];
		size_t k = 0;
		long r;

		line = 0;
		col = 0;
		for (;;) {
			if (next(l) != 0)
				return -1;
			if (l->t != T_STRING)
				return lerr(l, l->tline, l->tcol,
				    "expected a quoted domain name");
			if (k == 0) {
				line = l->tline;
				col = l->tcol;
			}
			if (k == 8)
				return lerr(l, l->tline, l->tcol,
				    "more than 8 domain names");
			memcpy(names[k], l->text, l->len + 1);
			np[k] = names[k];
			k++;
			if (peek(l) != 0)
				return -1;
			if (!is_punct(l, ','))
				break;
			(void)next(l);
		}
		r = dhcp_dnssearch_encode(np, k, v->v, sizeof v->v);
		if (r < 0)
			return lerr(l, line, col, "bad domain name list");
		v->len = (uint16_t)r;
		break;
	}
	}
	return expect(l, ';');
}

/* An option name word; -1 if unknown. */
static const struct dcc_optdef *
optname(struct lex *l)
{
	const struct dcc_optdef *d;

	if (word(l, "an option name") != 0)
		return NULL;
	if ((d = dcc_opt_byname(l->text)) == NULL) {
		(void)lerr(l, l->tline, l->tcol, "unknown option %s", l->text);
		return NULL;
	}
	return d;
}

static int
parse_number(struct lex *l, unsigned min, unsigned *v_r)
{
	uint64_t n;

	if (word(l, "a number") != 0)
		return -1;
	if (num_u64z(l->text, 86400 * 365, &n) != 0 || n < min)
		return lerr(l, l->tline, l->tcol,
		    "bad number %s (%u to 31536000 seconds)", l->text, min);
	*v_r = (unsigned)n;
	return expect(l, ';');
}

static int
parse_codes(struct lex *l, uint8_t *list, size_t *n_r, int append)
{
	struct dcc_val v;
	static const struct dcc_optdef codes = { "", 0, DCT_CODES };
	size_t i, j;

	if (parse_value(l, &codes, &v) != 0)
		return -1;
	if (!append)
		*n_r = 0;
	for (i = 0; i < v.len; i++) {
		for (j = 0; j < *n_r; j++)
			if (list[j] == v.v[i])
				break;
		if (j == *n_r && *n_r < 255)
			list[(*n_r)++] = v.v[i];
	}
	return 0;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static long
days_from_civil(long y, unsigned m, unsigned d)
{
	long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

/*
 * Splits text into exactly three numbers separated by sep, the first of
 * 1 to width0 digits, the others of 1 or 2; -1 when malformed.
 */
static int
fields(const char *text, char sep, size_t width0, unsigned *out)
{
	size_t i;

	for (i = 0; i < 3; i++) {
		uint64_t v;
		size_t used;

		if (num_u64_prefix(text, strlen(text), 9999, &v, &used) != 0 ||
		    used > (i == 0 ? width0 : 2))
			return -1;
		out[i] = (unsigned)v;
		text += used;
		if (i < 2 && *text++ != sep)
			return -1;
	}
	return *text == 0 ? 0 : -1;
}

static int
leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* "W YYYY/MM/DD HH:MM:SS;" or "never;" (UTC, as dhclient writes it). */
static int
parse_date(struct lex *l, time_t *t_r)
{
	static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
		31, 30, 31 };
	unsigned d[3], t[3], line, col;

	if (word(l, "a date") != 0)
		return -1;
	if (strcmp(l->text, "never") == 0) {
		*t_r = 0;
		return expect(l, ';');
	}
	line = l->tline;
	col = l->tcol;
	if (strlen(l->text) != 1 || l->text[0] < '0' || l->text[0] > '6')
		return lerr(l, line, col, "expected a weekday 0-6 or never");
	if (word(l, "YYYY/MM/DD") != 0)
		return -1;
	if (fields(l->text, '/', 4, d) != 0 || d[0] < 1970 ||
	    d[0] > 2999 || d[1] < 1 || d[1] > 12 || d[2] < 1 ||
	    d[2] > mdays[d[1] - 1] + (d[1] == 2 && leap(d[0])))
		return lerr(l, l->tline, l->tcol, "bad date %s", l->text);
	if (word(l, "HH:MM:SS") != 0)
		return -1;
	if (fields(l->text, ':', 2, t) != 0 || t[0] > 23 || t[1] > 59 ||
	    t[2] > 60)
		return lerr(l, l->tline, l->tcol, "bad time %s", l->text);
	*t_r = (time_t)(days_from_civil((long)d[0], d[1], d[2]) * 86400L +
	    (long)(t[0] * 3600 + t[1] * 60 + t[2]));
	if (*t_r == 0)
		*t_r = 1; /* 0 means never */
	return expect(l, ';');
}

static int
parse_lease(struct lex *l, struct dcc_conf *c)
{
	struct dcc_lease *ls;
	unsigned line = l->tline, col = l->tcol;
	int have_addr = 0;

	if (c->nlease == DCC_MAX_LEASES)
		return lerr(l, line, col, "more than %d lease blocks",
		    DCC_MAX_LEASES);
	ls = &c->lease[c->nlease];
	memset(ls, 0, sizeof *ls);
	if (expect(l, '{') != 0)
		return -1;
	for (;;) {
		if (next(l) != 0)
			return -1;
		if (is_punct(l, '}'))
			break;
		if (l->t == T_EOF)
			return lerr(l, line, col, "lease block not closed");
		if (l->t != T_WORD)
			return lerr(l, l->tline, l->tcol,
			    "expected a lease statement");
		if (strcmp(l->text, "interface") == 0) {
			if (next(l) != 0)
				return -1;
			if (l->t != T_STRING || l->len == 0 ||
			    l->len >= sizeof ls->ifname)
				return lerr(l, l->tline, l->tcol,
				    "expected a quoted interface name");
			memcpy(ls->ifname, l->text, l->len + 1);
			if (expect(l, ';') != 0)
				return -1;
		} else if (strcmp(l->text, "fixed-address") == 0) {
			if (word(l, "an address") != 0)
				return -1;
			if (parse_ip(l->text, &ls->addr) != 0)
				return lerr(l, l->tline, l->tcol,
				    "bad address %s", l->text);
			have_addr = 1;
			if (expect(l, ';') != 0)
				return -1;
		} else if (strcmp(l->text, "option") == 0) {
			const struct dcc_optdef *d;

			if ((d = optname(l)) == NULL)
				return -1;
			if (ls->nopts == DCC_MAX_LEASE_OPTS)
				return lerr(l, l->tline, l->tcol,
				    "too many options in a lease");
			if (parse_value(l, d, &ls->opts[ls->nopts]) != 0)
				return -1;
			ls->nopts++;
		} else if (strcmp(l->text, "renew") == 0) {
			if (parse_date(l, &ls->renew) != 0)
				return -1;
		} else if (strcmp(l->text, "rebind") == 0) {
			if (parse_date(l, &ls->rebind) != 0)
				return -1;
		} else if (strcmp(l->text, "expire") == 0) {
			if (parse_date(l, &ls->expire) != 0)
				return -1;
		} else
			return lerr(l, l->tline, l->tcol,
			    "unsupported lease statement %s", l->text);
	}
	if (!have_addr)
		return lerr(l, line, col, "lease block without fixed-address");
	c->nlease++;
	return 0;
}

static int
parse_reject(struct lex *l, struct dcc_conf *c)
{
	for (;;) {
		char *slash;
		uint32_t ip, mask = 0xffffffffu;
		uint64_t bits;

		if (word(l, "an address") != 0)
			return -1;
		if ((slash = strchr(l->text, '/')) != NULL) {
			*slash = 0;
			if (num_u64z(slash + 1, 32, &bits) != 0)
				return lerr(l, l->tline, l->tcol,
				    "bad prefix length");
			mask = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
		}
		if (parse_ip(l->text, &ip) != 0)
			return lerr(l, l->tline, l->tcol, "bad address %s",
			    l->text);
		if (c->nreject == DCC_MAX_REJECT)
			return lerr(l, l->tline, l->tcol,
			    "more than %d rejected networks", DCC_MAX_REJECT);
		c->reject[c->nreject].net = ip & mask;
		c->reject[c->nreject].mask = mask;
		c->nreject++;
		if (next(l) != 0)
			return -1;
		if (is_punct(l, ';'))
			return 0;
		if (!is_punct(l, ','))
			return lerr(l, l->tline, l->tcol, "expected ',' or ';'");
	}
}

/* After send/supersede/...: OPTION VALUE; or OPTION = gethostname(); */
static int
parse_set(struct lex *l, struct dcc_conf *c, enum dcc_mode mode)
{
	const struct dcc_optdef *d;
	struct dcc_val v;
	unsigned line, col;
	size_t k;

	if ((d = optname(l)) == NULL)
		return -1;
	line = l->tline;
	col = l->tcol;
	if (d->code == DHO_MSG_TYPE || d->code == DHO_SERVER_ID ||
	    (mode == DCM_SEND &&
		(d->code == DHO_REQUESTED_IP || d->code == DHO_PRL)))
		return lerr(l, line, col, "%s is set by dhcpc itself%s",
		    d->name, d->code == DHO_PRL ? " (use request)" : "");
	if ((mode == DCM_PREPEND || mode == DCM_APPEND) &&
	    d->type != DCT_IPS && d->type != DCT_TEXT &&
	    d->type != DCT_BYTES && d->type != DCT_DOMAINS &&
	    d->type != DCT_CODES)
		return lerr(l, line, col,
		    "prepend and append need a list or text option, not %s",
		    d->name);
	memset(&v, 0, sizeof v);
	if (peek(l) != 0)
		return -1;
	if (is_punct(l, '=')) {
		(void)next(l);
		if (word(l, "gethostname") != 0)
			return -1;
		if (strcmp(l->text, "gethostname") != 0 ||
		    d->code != DHO_HOST_NAME)
			return lerr(l, l->tline, l->tcol,
			    "only host-name = gethostname() is supported");
		if (expect(l, '(') != 0 || expect(l, ')') != 0 ||
		    expect(l, ';') != 0)
			return -1;
		v.code = d->code;
		v.hostname = 1;
	} else if (parse_value(l, d, &v) != 0)
		return -1;
	v.mode = (uint8_t)mode;
	for (k = 0; k < c->nset; k++)
		if (c->set[k].code == v.code && c->set[k].mode == v.mode)
			break;
	if (k == c->nset) {
		if (c->nset == DCC_MAX_SET)
			return lerr(l, line, col,
			    "more than %d option statements", DCC_MAX_SET);
		c->nset++;
	}
	c->set[k] = v;
	return 0;
}

int
dcc_parse(const char *text, size_t n, struct dcc_conf *c, struct dcc_err *err)
{
	struct lex l;
	static const struct {
		const char *kw;
		enum dcc_mode mode;
	} modes[] = {
		{ "send", DCM_SEND },
		{ "supersede", DCM_SUPERSEDE },
		{ "prepend", DCM_PREPEND },
		{ "append", DCM_APPEND },
		{ "default", DCM_DEFAULT },
	};

	memset(&l, 0, sizeof l);
	l.p = text;
	l.n = n;
	l.line = 1;
	l.col = 1;
	l.err = err;
	memset(err, 0, sizeof *err);
	if (n > DCC_MAX_TEXT)
		return lerr(&l, 1, 1, "file larger than %d bytes",
		    DCC_MAX_TEXT);
	for (;;) {
		size_t i;
		unsigned *num = NULL, min = 0;

		if (next(&l) != 0)
			return -1;
		if (l.t == T_EOF)
			return 0;
		if (l.t != T_WORD)
			return lerr(&l, l.tline, l.tcol,
			    "expected a statement, not %s",
			    l.t == T_STRING ? "a string" : l.text);
		for (i = 0; i < sizeof modes / sizeof modes[0]; i++)
			if (strcmp(l.text, modes[i].kw) == 0)
				break;
		if (i < sizeof modes / sizeof modes[0]) {
			if (parse_set(&l, c, modes[i].mode) != 0)
				return -1;
			continue;
		}
		if (strcmp(l.text, "also") == 0) {
			if (word(&l, "request or require") != 0)
				return -1;
			if (strcmp(l.text, "request") == 0) {
				if (parse_codes(&l, c->request, &c->nrequest,
					1) != 0)
					return -1;
			} else if (strcmp(l.text, "require") == 0) {
				if (parse_codes(&l, c->require, &c->nrequire,
					1) != 0)
					return -1;
			} else
				return lerr(&l, l.tline, l.tcol,
				    "expected request or require after also");
			continue;
		}
		if (strcmp(l.text, "request") == 0) {
			if (parse_codes(&l, c->request, &c->nrequest, 0) != 0)
				return -1;
			c->request_given = 1;
			continue;
		}
		if (strcmp(l.text, "require") == 0) {
			if (parse_codes(&l, c->require, &c->nrequire, 0) != 0)
				return -1;
			continue;
		}
		if (strcmp(l.text, "timeout") == 0)
			num = &c->timeout;
		else if (strcmp(l.text, "retry") == 0)
			num = &c->retry, min = 1;
		else if (strcmp(l.text, "reboot") == 0)
			num = &c->reboot;
		else if (strcmp(l.text, "select-timeout") == 0)
			num = &c->select_timeout;
		else if (strcmp(l.text, "initial-interval") == 0)
			num = &c->initial_interval, min = 1;
		else if (strcmp(l.text, "backoff-cutoff") == 0)
			num = &c->backoff_cutoff, min = 1;
		if (num != NULL) {
			if (parse_number(&l, min, num) != 0)
				return -1;
			continue;
		}
		if (strcmp(l.text, "script") == 0) {
			if (next(&l) != 0)
				return -1;
			if (l.t != T_STRING || l.len == 0 ||
			    l.len >= sizeof c->script)
				return lerr(&l, l.tline, l.tcol,
				    "expected a quoted path");
			if (l.text[0] != '/')
				return lerr(&l, l.tline, l.tcol,
				    "script path must be absolute");
			memcpy(c->script, l.text, l.len + 1);
			if (expect(&l, ';') != 0)
				return -1;
			continue;
		}
		if (strcmp(l.text, "reject") == 0) {
			if (parse_reject(&l, c) != 0)
				return -1;
			continue;
		}
		if (strcmp(l.text, "lease") == 0) {
			if (parse_lease(&l, c) != 0)
				return -1;
			continue;
		}
		return lerr(&l, l.tline, l.tcol, "unsupported statement %s",
		    l.text);
	}
}
