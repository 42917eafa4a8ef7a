/*
 * The ISC dhcpd.leases reader; see dhcpisc.h.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dhcpisc.h"

enum tok_type { T_EOF, T_WORD, T_STRING, T_LBRACE, T_RBRACE, T_SEMI };

struct parser {
	const char *p;
	size_t len, off;
	unsigned line, col;
	/* The current token. */
	enum tok_type type;
	unsigned tline, tcol;
	char text[DHCPISC_TOKEN_MAX + 1];
	size_t tlen;
	struct dhcpisc_err *err;
};

static int
perr(struct parser *ps, const char *why)
{
	ps->err->line = ps->tline;
	ps->err->col = ps->tcol;
	snprintf(ps->err->reason, sizeof ps->err->reason, "%s", why);
	errno = EINVAL;
	return -1;
}

static int
peekc(const struct parser *ps)
{
	return ps->off < ps->len ? (unsigned char)ps->p[ps->off] : -1;
}

static void
advance(struct parser *ps)
{
	if (ps->p[ps->off] == '\n') {
		ps->line++;
		ps->col = 1;
	} else {
		ps->col++;
	}
	ps->off++;
}

static int
is_word_char(int c)
{
	return c > ' ' && c < 127 && c != '{' && c != '}' && c != ';' &&
	    c != '"' && c != '#';
}

static int
put(struct parser *ps, int c)
{
	if (ps->tlen == DHCPISC_TOKEN_MAX)
		return perr(ps, "token too long");
	ps->text[ps->tlen++] = (char)c;
	return 0;
}

/* Reads the next token; 0 or -1. */
static int
next(struct parser *ps)
{
	int c;

	ps->tlen = 0;
	for (;;) {
		c = peekc(ps);
		if (c == '#') {
			while (c != -1 && c != '\n') {
				advance(ps);
				c = peekc(ps);
			}
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\f' || c == '\v') {
			advance(ps);
			continue;
		}
		break;
	}
	ps->tline = ps->line;
	ps->tcol = ps->col;
	ps->text[0] = '\0';
	if (c == -1) {
		ps->type = T_EOF;
		return 0;
	}
	if (c == '{' || c == '}' || c == ';') {
		ps->type = c == '{' ? T_LBRACE : c == '}' ? T_RBRACE : T_SEMI;
		advance(ps);
		return 0;
	}
	if (c == '"') {
		ps->type = T_STRING;
		advance(ps);
		for (;;) {
			c = peekc(ps);
			if (c == -1)
				return perr(ps, "unterminated string");
			advance(ps);
			if (c == '"')
				break;
			if (c == '\\') {
				int d = peekc(ps), v, k;

				if (d == -1)
					return perr(ps, "unterminated string");
				if (d >= '0' && d <= '7') {
					for (v = 0, k = 0; k < 3; k++) {
						d = peekc(ps);
						if (d < '0' || d > '7')
							break;
						v = v * 8 + (d - '0');
						advance(ps);
					}
					if (v > 255)
						return perr(ps,
						    "octal escape over 255");
					c = v;
				} else {
					advance(ps);
					c = d == 'n' ? '\n' : d == 't' ? '\t' :
					    d == 'r' ? '\r' : d;
				}
			}
			if (put(ps, c) != 0)
				return -1;
		}
		ps->text[ps->tlen] = '\0';
		return 0;
	}
	if (!is_word_char(c))
		return perr(ps, "unexpected byte");
	ps->type = T_WORD;
	while (is_word_char(c)) {
		if (put(ps, c) != 0)
			return -1;
		advance(ps);
		c = peekc(ps);
	}
	ps->text[ps->tlen] = '\0';
	return 0;
}

/*
 * Skips the rest of a statement: up to and including its ';', or a
 * block { ... } (with what it nests) and the ';' that may follow it.
 * The current token is the statement's first.
 */
static int
skip_statement(struct parser *ps)
{
	unsigned depth = 0;

	for (;;) {
		switch (ps->type) {
		case T_EOF:
			return perr(ps, "unexpected end of file");
		case T_LBRACE:
			if (++depth > DHCPISC_DEPTH_MAX)
				return perr(ps, "blocks nested too deep");
			break;
		case T_RBRACE:
			if (depth == 0)
				return perr(ps, "unbalanced '}'");
			if (--depth == 0) {
				/* A block ends the statement. */
				return next(ps);
			}
			break;
		case T_SEMI:
			if (depth == 0)
				return next(ps);
			break;
		default:
			break;
		}
		if (next(ps) != 0)
			return -1;
	}
}

static int
parse_ip(const char *s, uint32_t *ip_r)
{
	uint32_t ip = 0, v;
	int i, n;

	for (i = 0; i < 4; i++) {
		if (*s < '0' || *s > '9')
			return -1;
		for (v = 0, n = 0; *s >= '0' && *s <= '9'; s++, n++) {
			v = v * 10 + (uint32_t)(*s - '0');
			if (n == 3 || v > 255)
				return -1;
		}
		ip = ip << 8 | v;
		if (i < 3 && *s++ != '.')
			return -1;
	}
	if (*s != '\0')
		return -1;
	*ip_r = ip;
	return 0;
}

/* Parses N fixed-width decimal fields separated by sep; 0 or -1. */
static int
fields(const char *s, char sep, int n, long *out)
{
	int i;

	for (i = 0; i < n; i++) {
		long v = 0;
		int d = 0;

		while (*s >= '0' && *s <= '9' && d < 9) {
			v = v * 10 + (*s++ - '0');
			d++;
		}
		if (d == 0)
			return -1;
		out[i] = v;
		if (i < n - 1 && *s++ != sep)
			return -1;
	}
	return *s == '\0' ? 0 : -1;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t
days_from_civil(long y, long m, long d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int64_t)era * 146097 + doe - 719468;
}

/*
 * Reads a date after starts/ends: "W YYYY/MM/DD HH:MM:SS", "epoch N"
 * or "never" (INT32_MAX), then the ';'.  The current token is the
 * keyword (starts, ends).
 */
static int
parse_date(struct parser *ps, int64_t *t_r)
{
	long ymd[3], hms[3];
	uint64_t v = 0;
	size_t i;

	if (next(ps) != 0)
		return -1;
	if (ps->type != T_WORD)
		return perr(ps, "expected a date");
	if (strcmp(ps->text, "never") == 0) {
		*t_r = INT32_MAX;
	} else if (strcmp(ps->text, "epoch") == 0) {
		if (next(ps) != 0)
			return -1;
		if (ps->type != T_WORD || ps->tlen == 0 || ps->tlen > 12)
			return perr(ps, "expected seconds since the epoch");
		for (i = 0; i < ps->tlen; i++) {
			if (ps->text[i] < '0' || ps->text[i] > '9')
				return perr(ps,
				    "expected seconds since the epoch");
			v = v * 10 + (uint64_t)(ps->text[i] - '0');
		}
		*t_r = (int64_t)v;
	} else {
		/* The weekday, then the date and the time. */
		if (ps->tlen != 1 || ps->text[0] < '0' || ps->text[0] > '6')
			return perr(ps, "expected a weekday (0-6)");
		if (next(ps) != 0)
			return -1;
		if (ps->type != T_WORD || fields(ps->text, '/', 3, ymd) != 0 ||
		    ymd[0] < 1970 || ymd[0] > 9999 || ymd[1] < 1 ||
		    ymd[1] > 12 || ymd[2] < 1 || ymd[2] > 31)
			return perr(ps, "expected a date YYYY/MM/DD");
		if (next(ps) != 0)
			return -1;
		if (ps->type != T_WORD || fields(ps->text, ':', 3, hms) != 0 ||
		    hms[0] > 23 || hms[1] > 59 || hms[2] > 60)
			return perr(ps, "expected a time HH:MM:SS");
		*t_r = days_from_civil(ymd[0], ymd[1], ymd[2]) * 86400 +
		    hms[0] * 3600 + hms[1] * 60 + hms[2];
	}
	if (next(ps) != 0)
		return -1;
	if (ps->type != T_SEMI)
		return perr(ps, "expected ';' after the date");
	return next(ps);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "1:2:ab:..." (one or two hex digits per byte) into out; count or -1. */
static long
colon_hex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;

	for (;;) {
		int h = hexval((unsigned char)s[0]), l;

		if (h < 0 || n == max)
			return -1;
		l = hexval((unsigned char)s[1]);
		if (l >= 0) {
			out[n++] = (uint8_t)(h << 4 | l);
			s += 2;
		} else {
			out[n++] = (uint8_t)h;
			s++;
		}
		if (*s == '\0')
			return (long)n;
		if (*s++ != ':')
			return -1;
	}
}

/* Expects ';' after a value and moves past it. */
static int
end_value(struct parser *ps, const char *what)
{
	char why[96];

	if (next(ps) != 0)
		return -1;
	if (ps->type != T_SEMI) {
		snprintf(why, sizeof why, "expected ';' after %s", what);
		return perr(ps, why);
	}
	return next(ps);
}

/* One lease { ... } block; the current token is "lease". */
static int
parse_lease(struct parser *ps, lease_cb *cb, void *ctx)
{
	struct lease_rec r;
	int have_state = 0;
	long n;
	size_t i;

	memset(&r, 0, sizeof r);
	if (next(ps) != 0)
		return -1;
	if (ps->type != T_WORD || parse_ip(ps->text, &r.ip) != 0)
		return perr(ps, "expected an IPv4 address after lease");
	if (next(ps) != 0)
		return -1;
	if (ps->type != T_LBRACE)
		return perr(ps, "expected '{' after the lease's address");
	if (next(ps) != 0)
		return -1;
	r.state = LEASE_FREE;
	while (ps->type != T_RBRACE) {
		if (ps->type == T_EOF)
			return perr(ps, "unexpected end of file in a lease");
		if (ps->type != T_WORD) {
			if (skip_statement(ps) != 0)
				return -1;
			continue;
		}
		if (strcmp(ps->text, "starts") == 0) {
			if (parse_date(ps, &r.start) != 0)
				return -1;
		} else if (strcmp(ps->text, "ends") == 0) {
			if (parse_date(ps, &r.end) != 0)
				return -1;
		} else if (strcmp(ps->text, "binding") == 0) {
			if (next(ps) != 0)
				return -1;
			if (ps->type != T_WORD ||
			    strcmp(ps->text, "state") != 0)
				return perr(ps, "expected binding state");
			if (next(ps) != 0)
				return -1;
			if (ps->type != T_WORD)
				return perr(ps, "expected a binding state");
			if (strcmp(ps->text, "active") == 0)
				r.state = LEASE_ACTIVE;
			else if (strcmp(ps->text, "abandoned") == 0)
				r.state = LEASE_ABANDONED;
			else if (strcmp(ps->text, "free") == 0 ||
			    strcmp(ps->text, "expired") == 0 ||
			    strcmp(ps->text, "released") == 0 ||
			    strcmp(ps->text, "reset") == 0 ||
			    strcmp(ps->text, "backup") == 0 ||
			    strcmp(ps->text, "bootp") == 0)
				r.state = LEASE_FREE;
			else
				return perr(ps, "unknown binding state");
			have_state = 1;
			if (end_value(ps, "the binding state") != 0)
				return -1;
		} else if (strcmp(ps->text, "hardware") == 0) {
			int eth;

			if (next(ps) != 0)
				return -1;
			if (ps->type != T_WORD)
				return perr(ps, "expected a hardware type");
			eth = strcmp(ps->text, "ethernet") == 0;
			if (next(ps) != 0)
				return -1;
			if (ps->type != T_WORD)
				return perr(ps, "expected a hardware address");
			if (eth) {
				n = colon_hex(ps->text, r.hw, sizeof r.hw);
				if (n != 6)
					return perr(ps,
					    "bad ethernet address");
				r.htype = 1;
				r.hlen = 6;
			}
			if (end_value(ps, "the hardware address") != 0)
				return -1;
		} else if (strcmp(ps->text, "uid") == 0) {
			if (next(ps) != 0)
				return -1;
			if (ps->type == T_STRING) {
				if (ps->tlen > LEASE_CID_MAX)
					return perr(ps, "uid too long");
				memcpy(r.cid, ps->text, ps->tlen);
				r.cidlen = (uint8_t)ps->tlen;
			} else if (ps->type == T_WORD) {
				n = colon_hex(ps->text, r.cid, LEASE_CID_MAX);
				if (n < 0)
					return perr(ps, "bad uid");
				r.cidlen = (uint8_t)n;
			} else {
				return perr(ps, "expected a uid");
			}
			if (end_value(ps, "the uid") != 0)
				return -1;
		} else if (strcmp(ps->text, "client-hostname") == 0) {
			if (next(ps) != 0)
				return -1;
			if (ps->type != T_STRING && ps->type != T_WORD)
				return perr(ps, "expected a host name");
			for (i = 0; i < ps->tlen && i < LEASE_HOST_MAX; i++) {
				char c = ps->text[i];

				int ok = (c >= 'a' && c <= 'z') ||
				    (c >= 'A' && c <= 'Z') ||
				    (c >= '0' && c <= '9') || c == '.' ||
				    c == '_' || c == '-';

				r.host[i] = ok ? c : '_';
			}
			r.host[i] = '\0';
			if (end_value(ps, "the host name") != 0)
				return -1;
		} else if (skip_statement(ps) != 0) {
			return -1;
		}
	}
	if (next(ps) != 0)
		return -1;
	if (!have_state)
		r.state = r.end > r.start ? LEASE_ACTIVE : LEASE_FREE;
	if (r.end < r.start)
		r.end = r.start;
	cb(ctx, &r);
	return 0;
}

long
dhcpisc_parse(const char *text, size_t len, lease_cb *cb, void *ctx,
    struct dhcpisc_err *err)
{
	struct parser ps;
	long n = 0;

	memset(&ps, 0, sizeof ps);
	memset(err, 0, sizeof *err);
	ps.p = text;
	ps.len = len;
	ps.line = ps.col = 1;
	ps.err = err;
	if (next(&ps) != 0)
		return -1;
	while (ps.type != T_EOF) {
		if (ps.type == T_WORD && strcmp(ps.text, "lease") == 0) {
			if (parse_lease(&ps, cb, ctx) != 0)
				return -1;
			n++;
		} else if (ps.type == T_RBRACE) {
			return perr(&ps, "unbalanced '}'");
		} else if (skip_statement(&ps) != 0) {
			return -1;
		}
	}
	return n;
}
