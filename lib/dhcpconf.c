/*
 * The dhcpd.conf reader; see dhcpconf.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dhcpconf.h"
#include "dhcppkt.h"
#include "num.h"

/* ------------------------------------------------------ option names */

enum vtype { V_IP, V_IPS, V_U8, V_U16, V_U32, V_I32, V_BOOL, V_TEXT,
	V_DOMAINS, V_ROUTES };

struct optname {
	const char *name;
	uint8_t code;
	enum vtype type;
};

static const struct optname optnames[] = {
	{ "subnet-mask", 1, V_IP },
	{ "time-offset", 2, V_I32 },
	{ "routers", 3, V_IPS },
	{ "time-servers", 4, V_IPS },
	{ "ien116-name-servers", 5, V_IPS },
	{ "domain-name-servers", 6, V_IPS },
	{ "log-servers", 7, V_IPS },
	{ "cookie-servers", 8, V_IPS },
	{ "lpr-servers", 9, V_IPS },
	{ "impress-servers", 10, V_IPS },
	{ "resource-location-servers", 11, V_IPS },
	{ "host-name", 12, V_TEXT },
	{ "boot-size", 13, V_U16 },
	{ "merit-dump", 14, V_TEXT },
	{ "domain-name", 15, V_TEXT },
	{ "swap-server", 16, V_IP },
	{ "root-path", 17, V_TEXT },
	{ "extensions-path", 18, V_TEXT },
	{ "ip-forwarding", 19, V_BOOL },
	{ "non-local-source-routing", 20, V_BOOL },
	{ "max-dgram-reassembly", 22, V_U16 },
	{ "default-ip-ttl", 23, V_U8 },
	{ "path-mtu-aging-timeout", 24, V_U32 },
	{ "interface-mtu", 26, V_U16 },
	{ "all-subnets-local", 27, V_BOOL },
	{ "broadcast-address", 28, V_IP },
	{ "perform-mask-discovery", 29, V_BOOL },
	{ "mask-supplier", 30, V_BOOL },
	{ "router-discovery", 31, V_BOOL },
	{ "router-solicitation-address", 32, V_IP },
	{ "trailer-encapsulation", 34, V_BOOL },
	{ "arp-cache-timeout", 35, V_U32 },
	{ "ieee802-3-encapsulation", 36, V_BOOL },
	{ "default-tcp-ttl", 37, V_U8 },
	{ "tcp-keepalive-interval", 38, V_U32 },
	{ "tcp-keepalive-garbage", 39, V_BOOL },
	{ "nis-domain", 40, V_TEXT },
	{ "nis-servers", 41, V_IPS },
	{ "ntp-servers", 42, V_IPS },
	{ "netbios-name-servers", 44, V_IPS },
	{ "netbios-dd-server", 45, V_IPS },
	{ "netbios-node-type", 46, V_U8 },
	{ "netbios-scope", 47, V_TEXT },
	{ "font-servers", 48, V_IPS },
	{ "x-display-manager", 49, V_IPS },
	{ "dhcp-message", 56, V_TEXT },
	{ "dhcp-renewal-time", 58, V_U32 },
	{ "dhcp-rebinding-time", 59, V_U32 },
	{ "nisplus-domain", 64, V_TEXT },
	{ "nisplus-servers", 65, V_IPS },
	{ "tftp-server-name", 66, V_TEXT },
	{ "bootfile-name", 67, V_TEXT },
	{ "mobile-ip-home-agent", 68, V_IPS },
	{ "smtp-server", 69, V_IPS },
	{ "pop-server", 70, V_IPS },
	{ "nntp-server", 71, V_IPS },
	{ "www-server", 72, V_IPS },
	{ "finger-server", 73, V_IPS },
	{ "irc-server", 74, V_IPS },
	{ "streettalk-server", 75, V_IPS },
	{ "streettalk-directory-assistance-server", 76, V_IPS },
	{ "domain-search", 119, V_DOMAINS },
	{ "classless-static-routes", 121, V_ROUTES },
	{ "rfc3442-classless-static-routes", 121, V_ROUTES },
};

static const struct optname *
optname_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof optnames / sizeof optnames[0]; i++)
		if (strcmp(optnames[i].name, name) == 0)
			return &optnames[i];
	return NULL;
}

int
dhcpconf_option_code(const char *name)
{
	const struct optname *o = optname_find(name);

	return o == NULL ? -1 : o->code;
}

/* ------------------------------------------------------------- lexer */

enum ttype { T_EOF, T_WORD, T_STRING, T_LBRACE, T_RBRACE, T_SEMI, T_COMMA };

struct tok {
	enum ttype type;
	unsigned line, col;
	size_t len;
	char text[DHCPCONF_TOKEN_MAX + 1];
};

struct parser {
	const char *text;
	size_t len, off;
	unsigned line, col;
	struct tok tok;   /* the current token */
	int peeked;       /* tok is a lookahead not yet consumed */
	struct dhcpconf *c;
	struct dhcpconf_err *err;
	dhcpconf_resolver *res;
	void *ctx;
	int depth;
	int failed;
};

static void
perr_at(struct parser *p, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
perr_at(struct parser *p, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return;
	p->failed = 1;
	p->err->line = line;
	p->err->col = col;
	va_start(ap, fmt);
	vsnprintf(p->err->reason, sizeof p->err->reason, fmt, ap);
	va_end(ap);
	errno = EINVAL;
}

#define perr(p, ...) perr_at((p), (p)->tok.line, (p)->tok.col, __VA_ARGS__)

static int
is_word_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '.' || ch == ':' || ch == '-' ||
	    ch == '_' || ch == '/';
}

static int
getch(struct parser *p)
{
	int ch;

	if (p->off == p->len)
		return -1;
	ch = (unsigned char)p->text[p->off++];
	if (ch == '\n') {
		p->line++;
		p->col = 1;
	} else {
		p->col++;
	}
	return ch;
}

static int
peekch(const struct parser *p)
{
	return p->off == p->len ? -1 : (unsigned char)p->text[p->off];
}

/* Reads the next token into p->tok; -1 on a lexical error. */
static int
lex(struct parser *p)
{
	struct tok *t = &p->tok;
	int ch;

	for (;;) {
		ch = peekch(p);
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' ||
		    ch == '\f' || ch == '\v') {
			getch(p);
		} else if (ch == '#') {
			while ((ch = peekch(p)) != -1 && ch != '\n')
				getch(p);
		} else {
			break;
		}
	}
	t->line = p->line;
	t->col = p->col;
	t->len = 0;
	t->text[0] = '\0';
	ch = getch(p);
	switch (ch) {
	case -1:
		t->type = T_EOF;
		return 0;
	case '{':
		t->type = T_LBRACE;
		return 0;
	case '}':
		t->type = T_RBRACE;
		return 0;
	case ';':
		t->type = T_SEMI;
		return 0;
	case ',':
		t->type = T_COMMA;
		return 0;
	case '"':
		t->type = T_STRING;
		for (;;) {
			ch = getch(p);
			if (ch == -1 || ch == '\n') {
				perr(p, "unterminated string");
				return -1;
			}
			if (ch == '"')
				break;
			if (ch == '\\') {
				ch = getch(p);
				if (ch == 'n')
					ch = '\n';
				else if (ch == 't')
					ch = '\t';
				else if (ch != '"' && ch != '\\') {
					perr(p, "unknown escape in string");
					return -1;
				}
			}
			if (ch == '\0') {
				perr(p, "NUL byte in string");
				return -1;
			}
			if (t->len == DHCPCONF_TOKEN_MAX) {
				perr(p, "string longer than %u bytes",
				    DHCPCONF_TOKEN_MAX);
				return -1;
			}
			t->text[t->len++] = (char)ch;
		}
		t->text[t->len] = '\0';
		return 0;
	default:
		if (!is_word_char((unsigned char)ch)) {
			if (ch == '\0')
				perr(p, "NUL byte in file");
			else if (ch >= 0x21 && ch < 0x7f)
				perr(p, "unexpected character '%c'", ch);
			else
				perr(p, "unexpected byte 0x%02x", ch);
			return -1;
		}
		t->type = T_WORD;
		t->text[t->len++] = (char)ch;
		while ((ch = peekch(p)) != -1 && is_word_char((unsigned char)ch)) {
			if (t->len == DHCPCONF_TOKEN_MAX) {
				perr(p, "word longer than %u bytes",
				    DHCPCONF_TOKEN_MAX);
				return -1;
			}
			t->text[t->len++] = (char)getch(p);
		}
		t->text[t->len] = '\0';
		return 0;
	}
}

/* Advances to the next token (or takes the peeked one). */
static int
next(struct parser *p)
{
	if (p->peeked) {
		p->peeked = 0;
		return 0;
	}
	return lex(p);
}

/* Looks at the next token without consuming it. */
static int
peek(struct parser *p)
{
	if (p->peeked)
		return 0;
	if (lex(p) != 0)
		return -1;
	p->peeked = 1;
	return 0;
}

static const char *
tok_desc(const struct tok *t)
{
	switch (t->type) {
	case T_EOF:
		return "end of file";
	case T_LBRACE:
		return "'{'";
	case T_RBRACE:
		return "'}'";
	case T_SEMI:
		return "';'";
	case T_COMMA:
		return "','";
	case T_STRING:
		return "a string";
	default:
		return t->text;
	}
}

static int
expect(struct parser *p, enum ttype type, const char *what)
{
	if (next(p) != 0)
		return -1;
	if (p->tok.type != type) {
		perr(p, "expected %s, found %s", what, tok_desc(&p->tok));
		return -1;
	}
	return 0;
}

static int
expect_word(struct parser *p, const char *what)
{
	return expect(p, T_WORD, what);
}

/* A word or a string. */
static int
expect_text(struct parser *p, const char *what)
{
	if (next(p) != 0)
		return -1;
	if (p->tok.type != T_WORD && p->tok.type != T_STRING) {
		perr(p, "expected %s, found %s", what, tok_desc(&p->tok));
		return -1;
	}
	return 0;
}

/* ----------------------------------------------------------- values */

/* Parses a dotted quad strictly; 0 or -1. */
static int
parse_quad(const char *s, uint32_t *ip_r)
{
	uint32_t ip = 0;
	uint64_t v;
	size_t used;
	int i;

	for (i = 0; i < 4; i++) {
		if (num_u64_prefix(s, strlen(s), 255, &v, &used) != 0 ||
		    used > 3)
			return -1;
		ip = ip << 8 | (uint32_t)v;
		s += used;
		if (i < 3) {
			if (*s != '.')
				return -1;
			s++;
		}
	}
	if (*s != '\0')
		return -1;
	*ip_r = ip;
	return 0;
}

static int
looks_like_quad(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= '0' && *s <= '9') || *s == '.'))
			return 0;
	return 1;
}

/* An address or a host name to resolve. */
static int
parse_addr(struct parser *p, uint32_t *ip_r)
{
	if (expect_word(p, "an address or host name") != 0)
		return -1;
	if (parse_quad(p->tok.text, ip_r) == 0)
		return 0;
	if (looks_like_quad(p->tok.text)) {
		perr(p, "bad IPv4 address \"%s\"", p->tok.text);
		return -1;
	}
	if (p->res == NULL || p->res(p->ctx, p->tok.text, ip_r) != 0) {
		perr(p, "host name \"%s\" does not resolve to an IPv4 address",
		    p->tok.text);
		return -1;
	}
	return 0;
}

static int
parse_number(struct parser *p, uint64_t max, uint64_t *v_r)
{
	if (expect_word(p, "a number") != 0)
		return -1;
	if (num_u64z(p->tok.text, max, v_r) != 0) {
		perr(p, "\"%s\" is not a number from 0 to %llu", p->tok.text,
		    (unsigned long long)max);
		return -1;
	}
	return 0;
}

static int
parse_bool(struct parser *p, int *v_r)
{
	static const char *const yes[] = { "true", "on", "yes", NULL };
	static const char *const no[] = { "false", "off", "no", NULL };
	size_t i;

	if (expect_word(p, "true or false") != 0)
		return -1;
	for (i = 0; yes[i] != NULL; i++)
		if (strcasecmp(p->tok.text, yes[i]) == 0) {
			*v_r = 1;
			return 0;
		}
	for (i = 0; no[i] != NULL; i++)
		if (strcasecmp(p->tok.text, no[i]) == 0) {
			*v_r = 0;
			return 0;
		}
	perr(p, "expected true or false, found \"%s\"", p->tok.text);
	return -1;
}

/* Whether the next token is a comma (consumed if so). */
static int
comma_follows(struct parser *p, int *yes_r)
{
	if (peek(p) != 0)
		return -1;
	*yes_r = p->tok.type == T_COMMA;
	if (*yes_r)
		p->peeked = 0;
	return 0;
}

static void
put32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

#define OPTVAL_MAX 1024

/* Parses NET/WIDTH ROUTER. */
static int
parse_route(struct parser *p, struct dhcp_route *r)
{
	char *slash;
	uint64_t w;
	uint32_t mask;

	if (expect_word(p, "a destination NET/WIDTH") != 0)
		return -1;
	slash = strchr(p->tok.text, '/');
	if (slash == NULL) {
		perr(p, "expected a destination NET/WIDTH, found \"%s\"",
		    p->tok.text);
		return -1;
	}
	*slash = '\0';
	if (parse_quad(p->tok.text, &r->dest) != 0 ||
	    num_u64z(slash + 1, 32, &w) != 0) {
		perr(p, "bad destination \"%s/%s\"", p->tok.text, slash + 1);
		return -1;
	}
	r->width = (uint8_t)w;
	mask = w == 0 ? 0 : 0xffffffffu << (32 - w);
	if ((r->dest & ~mask) != 0) {
		perr(p, "destination has bits set beyond its width");
		return -1;
	}
	return parse_addr(p, &r->router);
}

/* Parses an option value of type t into b; returns its length or -1. */
static long
parse_value(struct parser *p, const struct optname *on, uint8_t *b)
{
	size_t n = 0;
	uint64_t v;
	uint32_t ip;
	int more, bv;

	switch (on->type) {
	case V_IP:
		if (parse_addr(p, &ip) != 0)
			return -1;
		put32(b, ip);
		return 4;
	case V_IPS:
		do {
			if (n + 4 > OPTVAL_MAX) {
				perr(p, "too many addresses");
				return -1;
			}
			if (parse_addr(p, &ip) != 0)
				return -1;
			put32(b + n, ip);
			n += 4;
			if (comma_follows(p, &more) != 0)
				return -1;
		} while (more);
		return (long)n;
	case V_U8:
		if (parse_number(p, 255, &v) != 0)
			return -1;
		b[0] = (uint8_t)v;
		return 1;
	case V_U16:
		if (parse_number(p, 65535, &v) != 0)
			return -1;
		if (on->code == DHO_MTU && v < 68) {
			perr(p, "interface-mtu below 68");
			return -1;
		}
		b[0] = (uint8_t)(v >> 8);
		b[1] = (uint8_t)v;
		return 2;
	case V_U32:
		if (parse_number(p, UINT32_MAX, &v) != 0)
			return -1;
		put32(b, (uint32_t)v);
		return 4;
	case V_I32: {
		const char *s;
		int neg;

		if (expect_word(p, "a number") != 0)
			return -1;
		s = p->tok.text;
		neg = *s == '-';
		if (num_u64z(s + neg, neg ? 0x80000000u : 0x7fffffffu, &v) !=
		    0) {
			perr(p, "\"%s\" is not a 32-bit signed number", s);
			return -1;
		}
		put32(b, neg ? (uint32_t)(0u - (uint32_t)v) : (uint32_t)v);
		return 4;
	}
	case V_BOOL:
		if (parse_bool(p, &bv) != 0)
			return -1;
		b[0] = (uint8_t)bv;
		return 1;
	case V_TEXT:
		if (expect_text(p, "a string") != 0)
			return -1;
		if (p->tok.len == 0 || p->tok.len > 255) {
			perr(p, "option %s must be 1 to 255 bytes", on->name);
			return -1;
		}
		memcpy(b, p->tok.text, p->tok.len);
		return (long)p->tok.len;
	case V_DOMAINS: {
		char names[DHCPCONF_TOKEN_MAX * 2];
		const char *list[64];
		size_t nn = 0, used = 0;
		long r;

		do {
			if (expect_text(p, "a domain name") != 0)
				return -1;
			if (nn == 64 || used + p->tok.len + 1 > sizeof names) {
				perr(p, "domain-search list too long");
				return -1;
			}
			memcpy(names + used, p->tok.text, p->tok.len + 1);
			list[nn++] = names + used;
			used += p->tok.len + 1;
			if (comma_follows(p, &more) != 0)
				return -1;
		} while (more);
		r = dhcp_dnssearch_encode(list, nn, b, OPTVAL_MAX);
		if (r < 0) {
			perr(p, errno == E2BIG ? "domain-search list too long" :
			    "bad domain name in domain-search");
			return -1;
		}
		return r;
	}
	case V_ROUTES: {
		struct dhcp_route r[64];
		size_t nr = 0;
		long len;

		do {
			if (nr == 64) {
				perr(p, "too many routes");
				return -1;
			}
			if (parse_route(p, &r[nr++]) != 0)
				return -1;
			if (comma_follows(p, &more) != 0)
				return -1;
		} while (more);
		len = dhcp_routes_encode(r, nr, b, OPTVAL_MAX);
		if (len < 0) {
			perr(p, "routes too long");
			return -1;
		}
		return len;
	}
	}
	return -1;
}

/* ------------------------------------------------------- the model */

/*
 * Makes room for element n (0-based) of an array that holds n elements:
 * the capacity is 4, then doubles whenever n reaches a power of two.
 */
static int
grow(void **arr, size_t n, size_t size, size_t max)
{
	void *q;
	size_t cap;

	if (n >= max) {
		errno = E2BIG;
		return -1;
	}
	if (n < 4 ? n != 0 : (n & (n - 1)) != 0)
		return 0; /* room left */
	cap = n < 4 ? 4 : n * 2;
	if (cap > SIZE_MAX / size) {
		errno = ENOMEM;
		return -1;
	}
	if ((q = realloc(*arr, cap * size)) == NULL)
		return -1;
	*arr = q;
	return 0;
}

static int
new_scope(struct parser *p, int parent)
{
	struct dhcpconf *c = p->c;
	struct dhcpconf_scope *s;

	if (grow((void **)&c->scopes, c->nscopes, sizeof *s, 1u << 20) != 0) {
		perr(p, "too many scopes");
		return -1;
	}
	s = &c->scopes[c->nscopes];
	memset(s, 0, sizeof *s);
	s->parent = parent;
	s->default_lease = s->max_lease = s->min_lease = -1;
	s->ping_timeout = -1;
	s->authoritative = s->ping_check = -1;
	s->next_server = -1;
	return (int)c->nscopes++;
}

static int
scope_set_opt(struct parser *p, int scope, uint8_t code, const uint8_t *v,
    size_t len)
{
	struct dhcpconf_scope *s = &p->c->scopes[scope];
	uint8_t *copy;
	size_t i;

	copy = malloc(len ? len : 1);
	if (copy == NULL) {
		perr(p, "out of memory");
		return -1;
	}
	memcpy(copy, v, len);
	/* A later setting in the same scope replaces an earlier one. */
	for (i = 0; i < s->nopts; i++)
		if (s->opts[i].code == code) {
			free(s->opts[i].data);
			s->opts[i].data = copy;
			s->opts[i].len = (uint16_t)len;
			return 0;
		}
	if (grow((void **)&s->opts, s->nopts, sizeof *s->opts, 256) != 0) {
		free(copy);
		perr(p, "too many options in one scope");
		return -1;
	}
	s->opts[s->nopts].code = code;
	s->opts[s->nopts].len = (uint16_t)len;
	s->opts[s->nopts].data = copy;
	s->nopts++;
	return 0;
}

static char *
xstrdup(struct parser *p, const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		perr(p, "out of memory");
	return d;
}

/* -------------------------------------------------------- statements */

enum kind { K_GLOBAL, K_SHARED, K_SUBNET, K_GROUP, K_HOST };

static const char *const kind_name[] = { "the global scope",
	"a shared-network", "a subnet", "a group", "a host" };

struct ctxt {
	enum kind kind;
	int scope;
	int subnet; /* index when in a subnet, else -1 */
	int shared; /* index when in a shared-network, else -1 */
	int host;   /* index when in a host, else -1 */
};

static int parse_block(struct parser *p, struct ctxt *cx);

static int
end_statement(struct parser *p)
{
	return expect(p, T_SEMI, "';'");
}

static int
st_option(struct parser *p, struct ctxt *cx)
{
	const struct optname *on;
	uint8_t b[OPTVAL_MAX];
	long len;

	if (expect_word(p, "an option name") != 0)
		return -1;
	on = optname_find(p->tok.text);
	if (on == NULL) {
		unsigned line = p->tok.line, col = p->tok.col;
		char name[48];

		snprintf(name, sizeof name, "%.40s", p->tok.text);
		/* "option NAME code N = ..." defines options: not here. */
		if (peek(p) == 0 && p->tok.type == T_WORD &&
		    strcmp(p->tok.text, "code") == 0)
			perr_at(p, line, col,
			    "option definitions (option NAME code N = ...) "
			    "are not supported");
		else
			perr_at(p, line, col, "unknown option \"%s\"", name);
		return -1;
	}
	if ((len = parse_value(p, on, b)) < 0)
		return -1;
	if (end_statement(p) != 0)
		return -1;
	return scope_set_opt(p, cx->scope, on->code, b, (size_t)len);
}

static int
st_time(struct parser *p, int64_t *field)
{
	uint64_t v;

	if (parse_number(p, UINT32_MAX, &v) != 0 || end_statement(p) != 0)
		return -1;
	*field = (int64_t)v;
	return 0;
}

static int
st_string(struct parser *p, char **field, size_t max, const char *what)
{
	if (expect_text(p, what) != 0)
		return -1;
	if (p->tok.len == 0 || p->tok.len > max) {
		perr(p, "%s must be 1 to %zu bytes", what, max);
		return -1;
	}
	if (memchr(p->tok.text, '\0', p->tok.len) != NULL) {
		perr(p, "NUL byte in %s", what);
		return -1;
	}
	free(*field);
	if ((*field = xstrdup(p, p->tok.text)) == NULL)
		return -1;
	return end_statement(p);
}

static int
parse_mac(const char *s, uint8_t *hw, uint8_t *hlen_r)
{
	size_t n = 0;
	int digits, v, ch;

	for (;;) {
		digits = 0;
		v = 0;
		while ((ch = *s) != '\0' && ch != ':') {
			if (ch >= '0' && ch <= '9')
				v = v * 16 + ch - '0';
			else if (ch >= 'a' && ch <= 'f')
				v = v * 16 + ch - 'a' + 10;
			else if (ch >= 'A' && ch <= 'F')
				v = v * 16 + ch - 'A' + 10;
			else
				return -1;
			if (++digits > 2)
				return -1;
			s++;
		}
		if (digits == 0 || n == 16)
			return -1;
		hw[n++] = (uint8_t)v;
		if (*s == '\0')
			break;
		s++;
	}
	*hlen_r = (uint8_t)n;
	return 0;
}

static int
st_subnet(struct parser *p, struct ctxt *cx)
{
	struct dhcpconf *c = p->c;
	struct dhcpconf_subnet *sn;
	struct ctxt in;
	uint32_t net, mask;
	unsigned line = p->tok.line;
	int scope;

	if (expect_word(p, "a subnet number") != 0)
		return -1;
	if (parse_quad(p->tok.text, &net) != 0) {
		perr(p, "bad subnet number \"%s\"", p->tok.text);
		return -1;
	}
	if (expect_word(p, "netmask") != 0)
		return -1;
	if (strcmp(p->tok.text, "netmask") != 0) {
		perr(p, "expected netmask, found \"%s\"", p->tok.text);
		return -1;
	}
	if (expect_word(p, "a netmask") != 0)
		return -1;
	if (parse_quad(p->tok.text, &mask) != 0 ||
	    (mask != 0 && ((~mask + 1) & ~mask) != 0) || mask == 0) {
		perr(p, "bad netmask \"%s\"", p->tok.text);
		return -1;
	}
	/* ~mask + 1 is a power of two only for a contiguous mask. */
	if ((net & ~mask) != 0) {
		perr(p, "subnet number has host bits set for this netmask");
		return -1;
	}
	if (c->nsubnets == DHCPCONF_SUBNETS_MAX ||
	    grow((void **)&c->subnets, c->nsubnets, sizeof *sn,
		DHCPCONF_SUBNETS_MAX) != 0) {
		perr(p, "too many subnets");
		return -1;
	}
	for (size_t i = 0; i < c->nsubnets; i++) {
		uint32_t m = c->subnets[i].mask & mask;

		if ((c->subnets[i].net & m) == (net & m)) {
			perr(p, "subnet overlaps the subnet on line %u",
			    c->subnets[i].line);
			return -1;
		}
	}
	if ((scope = new_scope(p, cx->scope)) < 0)
		return -1;
	sn = &c->subnets[c->nsubnets];
	memset(sn, 0, sizeof *sn);
	sn->net = net;
	sn->mask = mask;
	sn->scope = scope;
	sn->shared = cx->shared;
	sn->line = line;
	in.kind = K_SUBNET;
	in.scope = scope;
	in.subnet = (int)c->nsubnets++;
	in.shared = cx->shared;
	in.host = -1;
	if (expect(p, T_LBRACE, "'{'") != 0)
		return -1;
	return parse_block(p, &in);
}

static int
st_range(struct parser *p, struct ctxt *cx)
{
	struct dhcpconf_subnet *sn = &p->c->subnets[cx->subnet];
	struct dhcpconf_range r;
	unsigned line, col;
	size_t i;

	if (peek(p) != 0)
		return -1;
	if (p->tok.type == T_WORD && strcmp(p->tok.text, "dynamic-bootp") == 0)
		p->peeked = 0;
	if (expect_word(p, "an address") != 0)
		return -1;
	line = p->tok.line;
	col = p->tok.col;
	if (parse_quad(p->tok.text, &r.lo) != 0) {
		perr(p, "bad address \"%s\"", p->tok.text);
		return -1;
	}
	r.hi = r.lo;
	if (peek(p) != 0)
		return -1;
	if (p->tok.type == T_WORD) {
		p->peeked = 0;
		if (parse_quad(p->tok.text, &r.hi) != 0) {
			perr(p, "bad address \"%s\"", p->tok.text);
			return -1;
		}
	}
	if (end_statement(p) != 0)
		return -1;
	if (r.lo > r.hi) {
		perr_at(p, line, col, "range runs backwards");
		return -1;
	}
	if ((r.lo & sn->mask) != sn->net || (r.hi & sn->mask) != sn->net) {
		perr_at(p, line, col, "range is not inside its subnet");
		return -1;
	}
	if (sn->mask < 0xfffffffeu &&
	    (r.lo == sn->net || r.hi == (sn->net | ~sn->mask))) {
		perr_at(p, line, col,
		    "range includes the network or broadcast address");
		return -1;
	}
	for (i = 0; i < sn->nranges; i++)
		if (r.lo <= sn->ranges[i].hi && sn->ranges[i].lo <= r.hi) {
			perr_at(p, line, col, "range overlaps another range");
			return -1;
		}
	if (grow((void **)&sn->ranges, sn->nranges, sizeof r,
		DHCPCONF_RANGES_MAX) != 0) {
		perr_at(p, line, col, "more than %u ranges in one subnet",
		    DHCPCONF_RANGES_MAX);
		return -1;
	}
	sn->ranges[sn->nranges++] = r;
	return 0;
}

static int
st_shared(struct parser *p, struct ctxt *cx)
{
	struct dhcpconf *c = p->c;
	struct ctxt in;
	int scope;

	if (expect_text(p, "a shared-network name") != 0)
		return -1;
	if (grow((void **)&c->shared, c->nshared, sizeof *c->shared,
		DHCPCONF_SUBNETS_MAX) != 0) {
		perr(p, "too many shared networks");
		return -1;
	}
	if ((scope = new_scope(p, cx->scope)) < 0)
		return -1;
	c->shared[c->nshared].scope = scope;
	if ((c->shared[c->nshared].name = xstrdup(p, p->tok.text)) == NULL)
		return -1;
	in.kind = K_SHARED;
	in.scope = scope;
	in.subnet = -1;
	in.shared = (int)c->nshared++;
	in.host = -1;
	if (expect(p, T_LBRACE, "'{'") != 0)
		return -1;
	return parse_block(p, &in);
}

static int
st_host(struct parser *p, struct ctxt *cx)
{
	struct dhcpconf *c = p->c;
	struct dhcpconf_host *h;
	struct ctxt in;
	unsigned line = p->tok.line, col = p->tok.col;
	int scope;

	if (expect_text(p, "a host name") != 0)
		return -1;
	if (grow((void **)&c->hosts, c->nhosts, sizeof *h,
		DHCPCONF_HOSTS_MAX) != 0) {
		perr(p, "too many hosts");
		return -1;
	}
	if ((scope = new_scope(p, cx->scope)) < 0)
		return -1;
	h = &c->hosts[c->nhosts];
	memset(h, 0, sizeof *h);
	h->scope = scope;
	h->line = line;
	if ((h->name = xstrdup(p, p->tok.text)) == NULL)
		return -1;
	in.kind = K_HOST;
	in.scope = scope;
	in.subnet = cx->subnet;
	in.shared = cx->shared;
	in.host = (int)c->nhosts++;
	if (expect(p, T_LBRACE, "'{'") != 0 || parse_block(p, &in) != 0)
		return -1;
	h = &c->hosts[in.host];
	if (h->hlen == 0) {
		perr_at(p, line, col, "host %s has no hardware ethernet",
		    h->name);
		return -1;
	}
	return 0;
}

static int
st_group(struct parser *p, struct ctxt *cx)
{
	struct ctxt in = *cx;

	in.kind = K_GROUP;
	if ((in.scope = new_scope(p, cx->scope)) < 0)
		return -1;
	if (expect(p, T_LBRACE, "'{'") != 0)
		return -1;
	return parse_block(p, &in);
}

static int
only_in(struct parser *p, struct ctxt *cx, unsigned kinds, const char *what)
{
	if ((kinds >> cx->kind) & 1)
		return 0;
	perr(p, "%s is not allowed in %s", what, kind_name[cx->kind]);
	return -1;
}

#define IN(k) (1u << (k))

static int
statement(struct parser *p, struct ctxt *cx)
{
	struct dhcpconf_scope *s = &p->c->scopes[cx->scope];
	char word[64];
	uint32_t ip;
	int b;

	if (p->tok.type != T_WORD) {
		perr(p, "expected a statement, found %s", tok_desc(&p->tok));
		return -1;
	}
	if (p->tok.len >= sizeof word) {
		perr(p, "unknown or unsupported statement \"%.40s...\"",
		    p->tok.text);
		return -1;
	}
	memcpy(word, p->tok.text, p->tok.len + 1);
	if (strcmp(word, "option") == 0)
		return st_option(p, cx);
	if (strcmp(word, "default-lease-time") == 0)
		return st_time(p, &s->default_lease);
	if (strcmp(word, "max-lease-time") == 0)
		return st_time(p, &s->max_lease);
	if (strcmp(word, "min-lease-time") == 0)
		return st_time(p, &s->min_lease);
	if (strcmp(word, "ping-timeout") == 0)
		return st_time(p, &s->ping_timeout);
	if (strcmp(word, "authoritative") == 0) {
		s->authoritative = 1;
		return end_statement(p);
	}
	if (strcmp(word, "not") == 0) {
		if (expect_word(p, "authoritative") != 0)
			return -1;
		if (strcmp(p->tok.text, "authoritative") != 0) {
			perr(p, "expected authoritative after not");
			return -1;
		}
		s->authoritative = 0;
		return end_statement(p);
	}
	if (strcmp(word, "ping-check") == 0) {
		if (parse_bool(p, &b) != 0)
			return -1;
		s->ping_check = b;
		return end_statement(p);
	}
	if (strcmp(word, "next-server") == 0) {
		if (parse_addr(p, &ip) != 0)
			return -1;
		s->next_server = ip;
		return end_statement(p);
	}
	if (strcmp(word, "filename") == 0)
		return st_string(p, &s->filename, 127, "filename");
	if (strcmp(word, "server-name") == 0)
		return st_string(p, &s->server_name, 63, "server-name");
	if (strcmp(word, "ddns-update-style") == 0 ||
	    strcmp(word, "log-facility") == 0) {
		if (only_in(p, cx, IN(K_GLOBAL), word) != 0 ||
		    expect_word(p, "a value") != 0)
			return -1;
		if (strcmp(word, "ddns-update-style") == 0 &&
		    strcmp(p->tok.text, "none") != 0) {
			perr(p, "only ddns-update-style none is supported");
			return -1;
		}
		return end_statement(p);
	}
	if (strcmp(word, "subnet") == 0) {
		if (only_in(p, cx, IN(K_GLOBAL) | IN(K_SHARED) | IN(K_GROUP),
			"subnet") != 0)
			return -1;
		return st_subnet(p, cx);
	}
	if (strcmp(word, "range") == 0) {
		if (only_in(p, cx, IN(K_SUBNET), "range") != 0)
			return -1;
		return st_range(p, cx);
	}
	if (strcmp(word, "shared-network") == 0) {
		if (only_in(p, cx, IN(K_GLOBAL), "shared-network") != 0)
			return -1;
		return st_shared(p, cx);
	}
	if (strcmp(word, "host") == 0) {
		if (only_in(p, cx, IN(K_GLOBAL) | IN(K_SHARED) | IN(K_SUBNET) |
			IN(K_GROUP), "host") != 0)
			return -1;
		return st_host(p, cx);
	}
	if (strcmp(word, "group") == 0) {
		if (only_in(p, cx, IN(K_GLOBAL) | IN(K_SHARED) | IN(K_SUBNET) |
			IN(K_GROUP), "group") != 0)
			return -1;
		return st_group(p, cx);
	}
	if (strcmp(word, "hardware") == 0) {
		struct dhcpconf_host *h;

		if (only_in(p, cx, IN(K_HOST), "hardware") != 0 ||
		    expect_word(p, "ethernet") != 0)
			return -1;
		if (strcmp(p->tok.text, "ethernet") != 0) {
			perr(p, "only hardware ethernet is supported");
			return -1;
		}
		if (expect_word(p, "a hardware address") != 0)
			return -1;
		h = &p->c->hosts[cx->host];
		if (parse_mac(p->tok.text, h->hw, &h->hlen) != 0 ||
		    h->hlen != 6) {
			h->hlen = 0;
			perr(p, "bad ethernet address \"%s\"", p->tok.text);
			return -1;
		}
		h->htype = 1;
		return end_statement(p);
	}
	if (strcmp(word, "fixed-address") == 0) {
		int more;

		if (only_in(p, cx, IN(K_HOST), "fixed-address") != 0 ||
		    parse_addr(p, &ip) != 0)
			return -1;
		if (ip == 0) {
			perr(p, "fixed-address 0.0.0.0");
			return -1;
		}
		if (comma_follows(p, &more) != 0)
			return -1;
		if (more) {
			perr(p, "only one fixed-address per host is supported");
			return -1;
		}
		p->c->hosts[cx->host].fixed = ip;
		return end_statement(p);
	}
	perr(p, "unknown or unsupported statement \"%s\"", word);
	return -1;
}

static int
parse_block(struct parser *p, struct ctxt *cx)
{
	if (++p->depth > DHCPCONF_DEPTH_MAX) {
		perr(p, "nesting deeper than %d", DHCPCONF_DEPTH_MAX);
		return -1;
	}
	for (;;) {
		if (next(p) != 0)
			return -1;
		if (p->tok.type == T_EOF) {
			if (cx->kind == K_GLOBAL)
				break;
			perr(p, "missing '}' at end of file");
			return -1;
		}
		if (p->tok.type == T_RBRACE) {
			if (cx->kind != K_GLOBAL)
				break;
			perr(p, "'}' without a matching '{'");
			return -1;
		}
		if (p->tok.type == T_SEMI)
			continue; /* an empty statement */
		if (statement(p, cx) != 0)
			return -1;
	}
	p->depth--;
	return 0;
}

/* Checks across the whole file once it is read. */
static int
validate(struct parser *p)
{
	struct dhcpconf *c = p->c;
	size_t i, j, k;

	for (i = 0; i < c->nhosts; i++) {
		const struct dhcpconf_host *h = &c->hosts[i];

		for (j = 0; j < i; j++)
			if (c->hosts[j].hlen == h->hlen &&
			    memcmp(c->hosts[j].hw, h->hw, h->hlen) == 0) {
				perr_at(p, h->line, 1,
				    "host %s has the hardware address of "
				    "host %s (line %u)", h->name,
				    c->hosts[j].name, c->hosts[j].line);
				return -1;
			}
		if (h->fixed == 0)
			continue;
		for (j = 0; j < c->nsubnets; j++)
			for (k = 0; k < c->subnets[j].nranges; k++)
				if (h->fixed >= c->subnets[j].ranges[k].lo &&
				    h->fixed <= c->subnets[j].ranges[k].hi) {
					perr_at(p, h->line, 1,
					    "fixed-address of host %s is in "
					    "a dynamic range", h->name);
					return -1;
				}
	}
	return 0;
}

int
dhcpconf_parse(const char *file, const char *text, size_t len,
    dhcpconf_resolver *res, void *ctx, struct dhcpconf *conf,
    struct dhcpconf_err *err)
{
	struct parser *p;
	struct ctxt cx;
	int rc = -1;

	memset(conf, 0, sizeof *conf);
	memset(err, 0, sizeof *err);
	snprintf(err->file, sizeof err->file, "%s", file);
	if (len > DHCPCONF_FILE_MAX) {
		snprintf(err->reason, sizeof err->reason,
		    "file larger than %u bytes", DHCPCONF_FILE_MAX);
		errno = EFBIG;
		return -1;
	}
	/* The parser holds a token buffer: keep it off the stack. */
	if ((p = calloc(1, sizeof *p)) == NULL) {
		snprintf(err->reason, sizeof err->reason, "out of memory");
		return -1;
	}
	p->text = text;
	p->len = len;
	p->line = 1;
	p->col = 1;
	p->c = conf;
	p->err = err;
	p->res = res;
	p->ctx = ctx;
	if (new_scope(p, -1) == 0) {
		cx.kind = K_GLOBAL;
		cx.scope = 0;
		cx.subnet = cx.shared = cx.host = -1;
		if (parse_block(p, &cx) == 0 && validate(p) == 0)
			rc = 0;
	}
	free(p);
	if (rc != 0) {
		dhcpconf_free(conf);
		errno = EINVAL;
	}
	return rc;
}

int
dhcpconf_load(const char *path, dhcpconf_resolver *res, void *ctx,
    struct dhcpconf *conf, struct dhcpconf_err *err)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	ssize_t r;
	int fd, rc, e;

	memset(conf, 0, sizeof *conf);
	memset(err, 0, sizeof *err);
	snprintf(err->file, sizeof err->file, "%s", path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		e = errno;
		snprintf(err->reason, sizeof err->reason, "cannot open: %s",
		    strerror(e));
		errno = e;
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > (off_t)DHCPCONF_FILE_MAX) {
		snprintf(err->reason, sizeof err->reason,
		    "not a regular file of at most %u bytes",
		    DHCPCONF_FILE_MAX);
		close(fd);
		errno = EINVAL;
		return -1;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		snprintf(err->reason, sizeof err->reason, "out of memory");
		return -1;
	}
	while (got <= (size_t)st.st_size) {
		r = read(fd, buf + got, (size_t)st.st_size + 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			snprintf(err->reason, sizeof err->reason,
			    "cannot read: %s", strerror(e));
			free(buf);
			close(fd);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (got > (size_t)st.st_size) {
		snprintf(err->reason, sizeof err->reason,
		    "file grew while being read");
		free(buf);
		errno = EAGAIN;
		return -1;
	}
	rc = dhcpconf_parse(path, buf, got, res, ctx, conf, err);
	e = errno;
	free(buf);
	errno = e;
	return rc;
}

void
dhcpconf_free(struct dhcpconf *c)
{
	size_t i, j;

	for (i = 0; i < c->nscopes; i++) {
		for (j = 0; j < c->scopes[i].nopts; j++)
			free(c->scopes[i].opts[j].data);
		free(c->scopes[i].opts);
		free(c->scopes[i].filename);
		free(c->scopes[i].server_name);
	}
	free(c->scopes);
	for (i = 0; i < c->nsubnets; i++)
		free(c->subnets[i].ranges);
	free(c->subnets);
	for (i = 0; i < c->nshared; i++)
		free(c->shared[i].name);
	free(c->shared);
	for (i = 0; i < c->nhosts; i++)
		free(c->hosts[i].name);
	free(c->hosts);
	memset(c, 0, sizeof *c);
}

void
dhcpconf_err_format(const struct dhcpconf_err *err, char *buf, size_t n)
{
	if (err->line == 0)
		snprintf(buf, n, "%s: %s", err->file, err->reason);
	else
		snprintf(buf, n, "%s:%u:%u: %s", err->file, err->line,
		    err->col, err->reason);
}

int
dhcpconf_resolve_system(void *ctx, const char *name, uint32_t *ip_r)
{
	struct addrinfo hints, *ai;

	(void)ctx;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_DGRAM;
	if (getaddrinfo(name, NULL, &hints, &ai) != 0)
		return -1;
	if (ai == NULL || ai->ai_family != AF_INET) {
		if (ai != NULL)
			freeaddrinfo(ai);
		return -1;
	}
	{
		struct sockaddr_in sin;

		memcpy(&sin, ai->ai_addr, sizeof sin);
		*ip_r = ntohl(sin.sin_addr.s_addr);
	}
	freeaddrinfo(ai);
	return 0;
}

/* ----------------------------------------------------------- lookup */

size_t
dhcpconf_chain(const struct dhcpconf *c, int scope, int *chain, size_t max)
{
	size_t n = 0;

	while (scope >= 0 && (size_t)scope < c->nscopes && n < max) {
		chain[n++] = scope;
		scope = c->scopes[scope].parent;
	}
	return n;
}

const struct dhcpconf_opt *
dhcpconf_opt(const struct dhcpconf *c, const int *chain, size_t n,
    uint8_t code)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		const struct dhcpconf_scope *s = &c->scopes[chain[i]];

		for (j = 0; j < s->nopts; j++)
			if (s->opts[j].code == code)
				return &s->opts[j];
	}
	return NULL;
}

void
dhcpconf_effective(const struct dhcpconf *c, const int *chain, size_t n,
    struct dhcpconf_eff *e)
{
	int64_t dl = -1, ml = -1, mn = -1, pt = -1, ns = -1;
	int auth = -1, ping = -1;
	const char *fn = NULL, *sn = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct dhcpconf_scope *s = &c->scopes[chain[i]];

		if (dl < 0)
			dl = s->default_lease;
		if (ml < 0)
			ml = s->max_lease;
		if (mn < 0)
			mn = s->min_lease;
		if (pt < 0)
			pt = s->ping_timeout;
		if (ns < 0)
			ns = s->next_server;
		if (auth < 0)
			auth = s->authoritative;
		if (ping < 0)
			ping = s->ping_check;
		if (fn == NULL)
			fn = s->filename;
		if (sn == NULL)
			sn = s->server_name;
	}
	e->default_lease = dl < 0 ? DHCPCONF_DEFAULT_LEASE : (uint32_t)dl;
	e->max_lease = ml < 0 ? DHCPCONF_MAX_LEASE : (uint32_t)ml;
	e->min_lease = mn < 0 ? 0 : (uint32_t)mn;
	e->ping_timeout = pt < 0 ? DHCPCONF_PING_TIMEOUT : (uint32_t)pt;
	e->authoritative = auth > 0;
	e->ping_check = ping != 0;
	e->has_next_server = ns >= 0;
	e->next_server = ns < 0 ? 0 : (uint32_t)ns;
	e->filename = fn;
	e->server_name = sn;
}

int
dhcpconf_subnet_of(const struct dhcpconf *c, uint32_t ip)
{
	size_t i;

	for (i = 0; i < c->nsubnets; i++)
		if ((ip & c->subnets[i].mask) == c->subnets[i].net)
			return (int)i;
	return -1;
}
