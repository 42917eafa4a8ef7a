/*
 * MIME structure and its IMAP forms: see mime.h.
 */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "mime.h"
#include "qp.h"
#include "rfc2047.h"
#include "rfc5322.h"
#include "str.h"

/* ------------------------------------------------------------ helpers */

static int
lc(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Whether p[0..n) is z, ignoring ASCII case. */
static int
eqi(const char *p, size_t n, const char *z)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (z[i] == '\0' || lc((unsigned char)p[i]) !=
		    lc((unsigned char)z[i]))
			return 0;
	return z[n] == '\0';
}

static int
sref_is(const struct mime_msg *m, struct mime_sref r, const char *z)
{
	return r.off != MIME_NONE && eqi(m->pool.s + r.off, r.len, z);
}

static const struct mime_sref sref_none = { MIME_NONE, 0 };

static int
pool_add(struct mime_msg *m, const void *p, size_t n, struct mime_sref *r)
{
	size_t off = m->pool.len;

	/* Keep offsets meaningful even for an empty string. */
	if (str_append(&m->pool, p, n) < 0)
		return -1;
	r->off = off;
	r->len = n;
	return 0;
}

static int
pool_addz(struct mime_msg *m, const char *z, struct mime_sref *r)
{
	return pool_add(m, z, strlen(z), r);
}

static int
grow(void **arr, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	if (ncap > SIZE_MAX / size) {
		errno = EOVERFLOW;
		return -1;
	}
	p = realloc(*arr, ncap * size);
	if (p == NULL) {
		errno = ENOMEM;
		return -1;
	}
	*arr = p;
	*cap = ncap;
	return 0;
}

/* ------------------------------------------------------ field parsing */

/* RFC 2045 tspecials, plus space and controls: not in a token. */
static int
is_tspecial(unsigned char c)
{
	return c <= 32 || c == 127 || strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

struct lex {
	const char *p;
	size_t len, off;
};

/* Skips white space and (nested) comments. */
static void
skip_cfws(struct lex *x)
{
	unsigned depth;

	for (;;) {
		while (x->off < x->len && (x->p[x->off] == ' ' ||
		    x->p[x->off] == '\t' || x->p[x->off] == '\r' ||
		    x->p[x->off] == '\n'))
			x->off++;
		if (x->off >= x->len || x->p[x->off] != '(')
			return;
		depth = 0;
		while (x->off < x->len) {
			char c = x->p[x->off++];

			if (c == '\\' && x->off < x->len)
				x->off++;
			else if (c == '(')
				depth++;
			else if (c == ')' && --depth == 0)
				break;
		}
	}
}

/* A token: its length at x (0 if none), consumed. */
static size_t
lex_token(struct lex *x, const char **tok)
{
	size_t s = x->off;

	while (x->off < x->len && !is_tspecial((unsigned char)x->p[x->off]))
		x->off++;
	*tok = x->p + s;
	return x->off - s;
}

/*
 * A quoted string at x (x->p[x->off] == '"'), unescaped into out.
 * Returns 1, 0 when the input ended before the closing quote, or -1.
 */
static int
lex_quoted(struct lex *x, struct str *out)
{
	x->off++;
	while (x->off < x->len && x->p[x->off] != '"') {
		char c = x->p[x->off++];

		if (c == '\\' && x->off < x->len)
			c = x->p[x->off++];
		if (c == '\r' || c == '\n')
			continue;
		if (str_appendc(out, c) < 0)
			return -1;
	}
	if (x->off >= x->len)
		return 0;
	x->off++;
	return 1;
}

struct rawparam {
	const char *name;
	size_t namelen;
	size_t voff, vlen; /* in the scratch string */
	int used;
};

#define RAWP_MAX MIME_PARAMS_MAX

struct pscratch {
	struct rawparam rp[RAWP_MAX];
	size_t n;
	struct str vals;
	int cut;
	/* Address fields of one header, every occurrence joined. */
	struct str addr[MIME_ENV_N];
	int have[MIME_ENV_N];
};

/*
 * Parses ";name=value" parameters from x into ps.  As Dovecot does, junk
 * after a value is skipped, and a parameter without '=' or a quoted value
 * without its closing quote ends the list.
 */
static int
parse_params(struct lex *x, struct pscratch *ps)
{
	const char *name, *tok;
	size_t namelen, toklen, voff;

	int r;

	ps->n = 0;
	ps->cut = 0;
	str_clear(&ps->vals);
	for (;;) {
		skip_cfws(x);
		/* Skip to the next ';' (junk after a value is ignored). */
		while (x->off < x->len && x->p[x->off] != ';') {
			if (x->p[x->off] == '"') {
				size_t l = ps->vals.len;

				if (lex_quoted(x, &ps->vals) < 0)
					return -1;
				str_truncate(&ps->vals, l);
			} else {
				x->off++;
			}
		}
		if (x->off >= x->len)
			return 0;
		x->off++;
		skip_cfws(x);
		namelen = lex_token(x, &name);
		skip_cfws(x);
		if (x->off >= x->len || x->p[x->off] != '=')
			return 0;
		x->off++;
		skip_cfws(x);
		voff = ps->vals.len;
		if (x->off < x->len && x->p[x->off] == '"') {
			r = lex_quoted(x, &ps->vals);
			if (r < 0)
				return -1;
			if (r == 0) {
				str_truncate(&ps->vals, voff);
				return 0;
			}
		} else {
			toklen = lex_token(x, &tok);
			if (str_append(&ps->vals, tok, toklen) < 0)
				return -1;
		}
		if (ps->n == RAWP_MAX) {
			ps->cut = 1;
			continue;
		}
		ps->rp[ps->n].name = name;
		ps->rp[ps->n].namelen = namelen;
		ps->rp[ps->n].voff = voff;
		ps->rp[ps->n].vlen = ps->vals.len - voff;
		ps->rp[ps->n].used = 0;
		ps->n++;
	}
}

/* The value of raw parameter k (the scratch may be unallocated). */
static const char *
pval(const struct pscratch *ps, size_t k)
{
	return ps->vals.s == NULL ? "" : ps->vals.s + ps->rp[k].voff;
}

static int
add_param(struct mime_msg *m, const char *n, size_t nl, const char *v,
    size_t vl)
{
	struct mime_param *p;

	if (grow((void **)&m->params, &m->capparams, m->nparams,
		sizeof *m->params) < 0)
		return -1;
	p = &m->params[m->nparams];
	if (pool_add(m, n, nl, &p->name) < 0 || pool_add(m, v, vl, &p->value) < 0)
		return -1;
	m->nparams++;
	return 0;
}

/*
 * An RFC 2231 name: "base*", "base*N" or "base*N*".  Sets the base
 * length, the section (-1 for none) and whether the value is extended.
 */
static int
split_2231(const char *n, size_t nl, size_t *bl, long *sec, int *ext)
{
	const char *star = memchr(n, '*', nl);
	size_t i;
	long v = 0;

	if (star == NULL)
		return 0;
	*bl = (size_t)(star - n);
	i = *bl + 1;
	*ext = 0;
	*sec = -1;
	if (i == nl) {
		*ext = 1;
		return 1;
	}
	if (n[i] < '0' || n[i] > '9' || (n[i] == '0' && i + 1 < nl &&
	    n[i + 1] != '*'))
		return 0;
	for (; i < nl && n[i] >= '0' && n[i] <= '9'; i++) {
		v = v * 10 + (n[i] - '0');
		if (v > 10000)
			return 0;
	}
	if (i < nl && n[i] == '*' && i + 1 == nl)
		*ext = 1;
	else if (i != nl)
		return 0;
	*sec = v;
	return 1;
}

/* Appends v percent-encoded as RFC 2231 ext-octets where needed. */
static int
pct_append(struct str *out, const char *v, size_t vl)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < vl; i++) {
		unsigned char c = (unsigned char)v[i];

		if (is_tspecial(c) || c >= 127 || c == '*' || c == '\'' ||
		    c == '%') {
			if (str_appendc(out, '%') < 0 ||
			    str_appendc(out, hex[c >> 4]) < 0 ||
			    str_appendc(out, hex[c & 15]) < 0)
				return -1;
		} else if (str_appendc(out, (char)c) < 0) {
			return -1;
		}
	}
	return 0;
}

/*
 * Whether raw parameter k is an unused RFC 2231 section ("base*N" or
 * "base*N*") of the same base as parameter i, whose base is bl bytes;
 * sets its section number and whether it is extended.
 */
static int
same_base(const struct pscratch *ps, size_t k, size_t i, size_t bl,
    long *sec, int *ext)
{
	size_t kbl;

	return !ps->rp[k].used && split_2231(ps->rp[k].name, ps->rp[k].namelen,
	    &kbl, sec, ext) && *sec >= 0 && kbl == bl &&
	    strncasecmp(ps->rp[k].name, ps->rp[i].name, bl) == 0;
}

/* The unused section sec of the base of parameter i, or MIME_NONE. */
static size_t
find_section(const struct pscratch *ps, size_t i, size_t bl, long want,
    size_t *count)
{
	size_t k, at = MIME_NONE;
	long sec;
	int ext;

	*count = 0;
	for (k = i; k < ps->n; k++)
		if (same_base(ps, k, i, bl, &sec, &ext) && sec == want) {
			at = k;
			(*count)++;
		}
	return at;
}

/* The unused RFC 2231 parameter whose base name sorts first. */
static size_t
next_2231(const struct pscratch *ps)
{
	size_t k, best = MIME_NONE, bl, bbl = 0, n;
	long sec;
	int ext, c;

	for (k = 0; k < ps->n; k++) {
		if (ps->rp[k].used || !split_2231(ps->rp[k].name,
		    ps->rp[k].namelen, &bl, &sec, &ext))
			continue;
		if (best != MIME_NONE) {
			n = bl < bbl ? bl : bbl;
			c = memcmp(ps->rp[k].name, ps->rp[best].name, n);
			if (c > 0 || (c == 0 && bl >= bbl))
				continue;
		}
		best = k;
		bbl = bl;
	}
	return best;
}

/*
 * Stores the parameters of ps in m: plain ones first in their order,
 * then RFC 2231 ones sorted by name with their continuations joined, as
 * RFC 2231 asks IMAP servers to do and Dovecot does.  A joined value is extended ("name*") when any section is, its
 * plain sections then percent-encoded.  Sections that are not exactly
 * 0..n-1 are stored as they came, in section order (as Dovecot).
 */
static int
store_params(struct mime_msg *m, struct pscratch *ps, size_t *first,
    size_t *count)
{
	struct str j = STR_INIT;
	size_t i, k, bl, nsec, at, found;
	long sec, want;
	int ext, anyext, ok, r = -1;
	char nb[300];

	*first = m->nparams;
	/* Plain parameters, in their order. */
	for (i = 0; i < ps->n; i++) {
		if (split_2231(ps->rp[i].name, ps->rp[i].namelen, &bl, &sec,
			&ext))
			continue;
		if (add_param(m, ps->rp[i].name, ps->rp[i].namelen, pval(ps, i),
			ps->rp[i].vlen) < 0)
			goto out;
		ps->rp[i].used = 1;
	}
	/* RFC 2231 ones, by name (Dovecot sorts them). */
	while ((i = next_2231(ps)) != MIME_NONE) {
		(void)split_2231(ps->rp[i].name, ps->rp[i].namelen, &bl, &sec,
		    &ext);
		if (sec < 0) {
			/* "name*": one extended value. */
			if (add_param(m, ps->rp[i].name, ps->rp[i].namelen,
				pval(ps, i), ps->rp[i].vlen) < 0)
				goto out;
			ps->rp[i].used = 1;
			continue;
		}
		nsec = 0;
		anyext = 0;
		for (k = i; k < ps->n; k++)
			if (same_base(ps, k, i, bl, &sec, &ext)) {
				nsec++;
				anyext |= ext;
			}
		/* Join sections 0..nsec-1 if each is there once. */
		ok = 1;
		str_clear(&j);
		for (want = 0; ok && (size_t)want < nsec; want++) {
			at = find_section(ps, i, bl, want, &found);
			if (found != 1) {
				ok = 0;
				break;
			}
			(void)split_2231(ps->rp[at].name, ps->rp[at].namelen,
			    &bl, &sec, &ext);
			if (want == 0 && anyext && !ext &&
			    str_append(&j, "''", 2) < 0)
				goto out;
			if ((!anyext || ext ? str_append(&j, pval(ps, at),
						  ps->rp[at].vlen) :
					      pct_append(&j, pval(ps, at),
						  ps->rp[at].vlen)) < 0)
				goto out;
		}
		if (!ok) {
			/* As they came, in section order. */
			for (;;) {
				at = MIME_NONE;
				want = 0;
				for (k = i; k < ps->n; k++)
					if (same_base(ps, k, i, bl, &sec,
						&ext) &&
					    (at == MIME_NONE || sec < want)) {
						at = k;
						want = sec;
					}
				if (at == MIME_NONE)
					break;
				if (add_param(m, ps->rp[at].name,
					ps->rp[at].namelen, pval(ps, at),
					ps->rp[at].vlen) < 0)
					goto out;
				ps->rp[at].used = 1;
			}
			continue;
		}
		/* The name as section 0 spells it, with '*' if extended. */
		at = find_section(ps, i, bl, 0, &found);
		k = bl < sizeof nb - 2 ? bl : sizeof nb - 2;
		memcpy(nb, ps->rp[at].name, k);
		if (anyext)
			nb[k++] = '*';
		if (add_param(m, nb, k, j.s ? j.s : "", j.len) < 0)
			goto out;
		for (k = i; k < ps->n; k++)
			if (same_base(ps, k, i, bl, &sec, &ext))
				ps->rp[k].used = 1;
	}
	r = 0;
out:
	*count = m->nparams - *first;
	str_free(&j);
	return r;
}

/* Content-Type: type "/" subtype *(";" parameter). */
static int
parse_ctype(struct mime_msg *m, struct mime_part *p, const char *v,
    size_t vl, struct pscratch *ps)
{
	struct lex x = { v, vl, 0 };
	const char *t, *s = "";
	size_t tl, sl = 0;

	skip_cfws(&x);
	tl = lex_token(&x, &t);
	skip_cfws(&x);
	if (tl > 0 && x.off < x.len && x.p[x.off] == '/') {
		x.off++;
		skip_cfws(&x);
		sl = lex_token(&x, &s);
		skip_cfws(&x);
		if (sl == 0)
			tl = 0;
	}
	if (tl == 0 || (x.off < x.len && x.p[x.off] != ';')) {
		/* Not "type/subtype" then parameters: "" "" (Dovecot). */
		tl = sl = 0;
		x.off = x.len;
	}
	if (pool_add(m, t, tl, &p->type) < 0 ||
	    pool_add(m, s, sl, &p->subtype) < 0)
		return -1;
	if (parse_params(&x, ps) < 0)
		return -1;
	if (ps->cut)
		m->flags |= MIME_F_PARAMS;
	return store_params(m, ps, &p->param0, &p->nparams);
}

static int
parse_disposition(struct mime_msg *m, struct mime_part *p, const char *v,
    size_t vl, struct pscratch *ps)
{
	struct lex x = { v, vl, 0 };
	const char *t;
	size_t tl;

	/* Present but without a valid type: "" (as Dovecot). */
	skip_cfws(&x);
	tl = lex_token(&x, &t);
	if (pool_add(m, t, tl, &p->disposition) < 0)
		return -1;
	if (parse_params(&x, ps) < 0)
		return -1;
	if (ps->cut)
		m->flags |= MIME_F_PARAMS;
	return store_params(m, ps, &p->dparam0, &p->ndparams);
}

/* Stores the unfolded, trimmed value. */
static int
store_value(struct mime_msg *m, const char *v, size_t vl, struct mime_sref *r,
    struct str *tmp)
{
	str_clear(tmp);
	if (hdr_unfold(v, vl, tmp, 1) < 0)
		return -1;
	return pool_add(m, tmp->s ? tmp->s : "", tmp->len, r);
}

/* The first token of a Content-Transfer-Encoding value. */
static int
store_cte(struct mime_msg *m, const char *v, size_t vl, struct mime_sref *r)
{
	struct lex x = { v, vl, 0 };
	const char *t;
	size_t tl;

	skip_cfws(&x);
	tl = lex_token(&x, &t);
	if (tl == 0)
		return 0;
	return pool_add(m, t, tl, r);
}

static const char *const env_names[MIME_ENV_N] = {
	"Date", "Subject", "From", "Sender", "Reply-To", "To", "Cc", "Bcc",
	"In-Reply-To", "Message-ID"
};

/* Reads the fields of p's header section buf[0..len). */
static int
parse_fields(struct mime_msg *m, size_t pi, const char *buf, size_t len,
    struct pscratch *ps, struct str *tmp)
{
	struct hdr_iter it;
	struct hdr_field f;
	struct mime_part *p = &m->parts[pi];
	int seen_ct = 0, seen_cd = 0, seen_mv = 0, r;
	size_t e;

	for (e = 0; e < MIME_ENV_N; e++) {
		str_clear(&ps->addr[e]);
		ps->have[e] = 0;
	}
	hdr_iter_init(&it, buf, len);
	while ((r = hdr_next(&it, &f)) == 1) {
		p = &m->parts[pi];
		if (f.bad)
			continue;
		if (p->is_message) {
			for (e = 0; e < MIME_ENV_N; e++)
				if (hdr_name_is(&f, env_names[e]))
					break;
			if (e >= MIME_ENV_N) {
				/* not an envelope field */
			} else if (e >= MIME_ENV_FROM && e <= MIME_ENV_BCC) {
				/* Addresses of every such field, as Dovecot. */
				if ((ps->have[e] &&
					str_append(&ps->addr[e], ", ", 2) < 0) ||
				    hdr_unfold(f.value, f.valuelen,
					&ps->addr[e], 1) < 0)
					return -1;
				ps->have[e] = 1;
				continue;
			} else {
				/* The last one, as Dovecot. */
				if (store_value(m, f.value, f.valuelen,
					&m->parts[pi].env[e], tmp) < 0)
					return -1;
				continue;
			}
		}
		if (hdr_name_is(&f, "MIME-Version"))
			seen_mv = 1;
		if (f.namelen < 8 || strncasecmp(f.name, "content-", 8) != 0)
			continue;
		if (hdr_name_is(&f, "Content-Type")) {
			if (!seen_ct && parse_ctype(m, p, f.value, f.valuelen,
					    ps) < 0)
				return -1;
			seen_ct = 1;
		} else if (hdr_name_is(&f, "Content-Disposition")) {
			if (!seen_cd && parse_disposition(m, p, f.value,
					    f.valuelen, ps) < 0)
				return -1;
			seen_cd = 1;
		} else if (hdr_name_is(&f, "Content-Transfer-Encoding")) {
			if (p->encoding.off == MIME_NONE &&
			    store_cte(m, f.value, f.valuelen, &p->encoding) < 0)
				return -1;
		} else {
			static const char *const names[] = { "Content-ID",
				"Content-Description", "Content-MD5",
				"Content-Language", "Content-Location" };
			struct mime_sref *dst[] = { &p->id, &p->description,
				&p->md5, &p->language, &p->location };
			size_t k;

			for (k = 0; k < 5; k++)
				if (hdr_name_is(&f, names[k]) &&
				    dst[k]->off == MIME_NONE) {
					struct mime_sref v;

					if (store_value(m, f.value, f.valuelen,
						&v, tmp) < 0)
						return -1;
					/* m->parts did not move: no growth. */
					*dst[k] = v;
				}
		}
	}
	/*
	 * A message header with neither MIME-Version nor Content-Type is not
	 * MIME: its other Content-* fields mean nothing (as Dovecot reads
	 * it).
	 */
	p = &m->parts[pi];
	if (p->is_message && !seen_mv && !seen_ct) {
		p->id = p->description = p->encoding = p->md5 =
		    p->disposition = p->language = p->location = sref_none;
		p->ndparams = 0;
	}
	for (e = MIME_ENV_FROM; e <= MIME_ENV_BCC; e++) {
		struct mime_sref v;

		if (!ps->have[e])
			continue;
		if (pool_add(m, ps->addr[e].s ? ps->addr[e].s : "",
			ps->addr[e].len, &v) < 0)
			return -1;
		m->parts[pi].env[e] = v;
	}
	return 0;
}

/* A new part, the last child of parent after prev (MIME_NONE: first). */
static int
new_part(struct mime_msg *m, size_t parent, size_t prev, size_t *idx)
{
	struct mime_part *p;
	size_t e, i;

	if (grow((void **)&m->parts, &m->capparts, m->nparts,
		sizeof *m->parts) < 0)
		return -1;
	i = m->nparts++;
	p = &m->parts[i];
	memset(p, 0, sizeof *p);
	p->parent = parent;
	p->child = p->next = MIME_NONE;
	p->type = p->subtype = p->id = p->description = p->encoding =
	    p->md5 = p->disposition = p->language = p->location = sref_none;
	for (e = 0; e < MIME_ENV_N; e++)
		p->env[e] = sref_none;
	p->param0 = p->dparam0 = m->nparams;
	if (parent != MIME_NONE) {
		struct mime_part *q = &m->parts[parent];

		p->depth = q->depth + 1;
		if (prev == MIME_NONE)
			q->child = i;
		else
			m->parts[prev].next = i;
		q->nchildren++;
	}
	*idx = i;
	return 0;
}

static int
param_find(const struct mime_msg *m, size_t first, size_t n, const char *name,
    struct mime_sref *v)
{
	size_t i;

	for (i = first; i < first + n; i++)
		if (sref_is(m, m->params[i].name, name)) {
			*v = m->params[i].value;
			return 1;
		}
	return 0;
}


static int
is_empty_line(const char *l, size_t n)
{
	return (n == 1 && l[0] == '\n') || (n == 2 && l[0] == '\r' &&
	    l[1] == '\n');
}

/* Makes p an application/octet-stream leaf (limits reached). */
static int
degrade(struct mime_msg *m, size_t pi, unsigned flag)
{
	struct mime_sref t, st;

	m->flags |= flag;
	if (pool_addz(m, "application", &t) < 0 ||
	    pool_addz(m, "octet-stream", &st) < 0)
		return -1;
	m->parts[pi].type = t;
	m->parts[pi].subtype = st;
	return 0;
}

/* ------------------------------------------------------------ scanner */

/*
 * The parser is driven by lines: bytes are fed in chunks of any size, a
 * line is handled when its LF arrives (or at the end of the input).  Of a
 * line only its first bytes are kept (enough to know a delimiter); the
 * header section of the entity being read is copied (up to
 * MIME_HEADER_MAX) so that its fields can be parsed.  A stack of frames,
 * one per open entity, replaces recursion.
 */

#define PRE_MAX (MIME_BOUNDARY_MAX + 4)

enum { F_HDR, F_BODY };

struct bnd {
	struct mime_sref b;
};

struct frame {
	size_t pi;
	int state;	     /* F_HDR: reading its header; F_BODY */
	size_t own;	     /* its boundary in the stack, or MIME_NONE */
	size_t prev;	     /* its last child, or MIME_NONE */
	int digest;	     /* its children default to message/rfc822 */
	int child_digest;    /* it is a multipart/digest */
	size_t hs, hbare;    /* header start, bare LFs before it */
	size_t bs, blf, bbare; /* body start, LFs and bare LFs before it */
};

struct mime_parser {
	struct mime_msg *m;
	struct frame fr[MIME_DEPTH_MAX + 2];
	size_t nfr;
	struct bnd stack[MIME_DEPTH_MAX + 2];
	size_t nb;
	size_t pos;	   /* bytes fed so far */
	size_t nlf, nbare; /* LFs and bare LFs before the current line */
	/* The current line. */
	size_t ls, llen;
	char pre[PRE_MAX];
	size_t npre;
	int last_cr;	   /* its last byte so far is a CR */
	size_t prev_eol;   /* line end of the line before: 0, 1 or 2 */
	struct str hdr;	   /* the header section being read */
	size_t hdr_at_ls;  /* hdr.len when the current line started */
	int hdr_cut;
	int failed;
	struct pscratch ps;
	struct str tmp;
};

/* Which boundary the current line is a delimiter of, if any. */
static size_t
delimiter(const struct mime_parser *s, int *close)
{
	const char *l = s->pre;
	size_t n = s->llen, i, best = MIME_NONE, bl;

	if (s->nb == 0 || n < 3 || l[0] != '-' || l[1] != '-')
		return MIME_NONE;
	for (i = s->nb; i-- > 0;) {
		bl = s->stack[i].b.len;
		if (bl <= n - 2 && 2 + bl <= s->npre &&
		    memcmp(l + 2, s->m->pool.s + s->stack[i].b.off, bl) == 0 &&
		    (best == MIME_NONE || s->stack[best].b.len < bl))
			best = i;
	}
	if (best != MIME_NONE) {
		bl = s->stack[best].b.len;
		*close = n - 2 - bl >= 2 && 4 + bl <= s->npre &&
		    l[2 + bl] == '-' && l[3 + bl] == '-';
	}
	return best;
}

/* Counts the current line's end. */
static void
consume(struct mime_parser *s, int has_lf)
{
	s->prev_eol = 0;
	if (has_lf) {
		s->nlf++;
		if (s->llen >= 2 && s->last_cr) {
			s->prev_eol = 2;
		} else {
			s->nbare++;
			s->prev_eol = 1;
		}
	}
}

static int
push_frame(struct mime_parser *s, size_t pi, int digest, size_t at)
{
	struct frame *f;

	if (s->nfr == sizeof s->fr / sizeof s->fr[0]) {
		errno = EOVERFLOW; /* cannot happen: depth is limited */
		return -1;
	}
	f = &s->fr[s->nfr++];
	memset(f, 0, sizeof *f);
	f->pi = pi;
	f->state = F_HDR;
	f->own = f->prev = MIME_NONE;
	f->digest = digest;
	f->hs = at;
	f->hbare = s->nbare;
	str_clear(&s->hdr);
	s->hdr_cut = 0;
	return 0;
}

/*
 * The header section of the top frame ends (before the current line when
 * cut, after it otherwise): its fields are read and its body begins.
 */
static int
header_done(struct mime_parser *s, size_t end, int cut)
{
	struct mime_msg *m = s->m;
	struct frame *f = &s->fr[s->nfr - 1];
	size_t pi = f->pi, child;
	struct mime_part *p;
	struct mime_sref b;
	int is_mp, is_msg;

	p = &m->parts[pi];
	p->hdr_off = f->hs;
	p->hdr_len = end - f->hs;
	p->hdr_vlen = p->hdr_len + (s->nbare - f->hbare);
	if (s->hdr_cut)
		m->flags |= MIME_F_HEADER;
	if (parse_fields(m, pi, s->hdr.s ? s->hdr.s : "", s->hdr.len, &s->ps,
		&s->tmp) < 0)
		return -1;
	if (m->parts[pi].type.off == MIME_NONE) {
		if (pool_addz(m, f->digest ? "message" : "text", &b) < 0)
			return -1;
		m->parts[pi].type = b;
		if (pool_addz(m, f->digest ? "rfc822" : "plain", &b) < 0)
			return -1;
		m->parts[pi].subtype = b;
	}
	p = &m->parts[pi];
	is_mp = sref_is(m, p->type, "multipart");
	is_msg = sref_is(m, p->type, "message") &&
	    sref_is(m, p->subtype, "rfc822");
	f->child_digest = is_mp && sref_is(m, p->subtype, "digest");
	if ((is_mp || is_msg) && p->depth >= MIME_DEPTH_MAX) {
		if (degrade(m, pi, MIME_F_DEPTH) < 0)
			return -1;
		is_mp = is_msg = 0;
	} else if (is_msg && m->nparts >= MIME_PARTS_MAX) {
		if (degrade(m, pi, MIME_F_PARTS) < 0)
			return -1;
		is_msg = 0;
	}
	f->state = F_BODY;
	f->bs = end;
	f->blf = s->nlf;
	f->bbare = s->nbare;
	m->parts[pi].body_off = end;
	if (is_mp) {
		m->parts[pi].kind = MIME_MULTIPART;
		p = &m->parts[pi];
		if (!cut &&
		    param_find(m, p->param0, p->nparams, "boundary", &b) &&
		    b.len > 0 && b.len <= MIME_BOUNDARY_MAX &&
		    s->nb < sizeof s->stack / sizeof s->stack[0]) {
			f->own = s->nb++;
			s->stack[f->own].b = b;
		}
	} else if (is_msg) {
		m->parts[pi].kind = MIME_MESSAGE;
		if (new_part(m, pi, MIME_NONE, &child) < 0)
			return -1;
		m->parts[child].is_message = 1;
		f->prev = child;
		if (push_frame(s, child, 0, end) < 0)
			return -1;
		if (cut && header_done(s, end, 1) < 0)
			return -1;
	}
	return 0;
}

/*
 * Ends the top frame at the current line start: at a delimiter line
 * (hit) or at the end of the input.
 */
static void
end_frame(struct mime_parser *s, int hit, int hit_in_hdr)
{
	struct mime_msg *m = s->m;
	struct frame *f = &s->fr[s->nfr - 1];
	struct mime_part *p = &m->parts[f->pi];
	size_t end = s->ls, nlf = s->nlf, nbare = s->nbare;

	/*
	 * The body ends before the line end that precedes a delimiter,
	 * unless that line end ended a header section (Dovecot counts it
	 * there, and then in every enclosing body too), and never before
	 * the end of the last child (an empty last part).
	 */
	if (hit && !hit_in_hdr && end > f->bs && s->prev_eol > 0 &&
	    end - f->bs >= s->prev_eol &&
	    (f->prev == MIME_NONE || m->parts[f->prev].body_off +
		    m->parts[f->prev].body_len < end)) {
		end -= s->prev_eol;
		nlf--;
		if (s->prev_eol == 1)
			nbare--;
	}
	p->body_len = end - f->bs;
	p->body_lines = nlf - f->blf;
	p->body_vlen = p->body_len + (nbare - f->bbare);
	if (f->own != MIME_NONE)
		s->nb = f->own;
	s->nfr--;
}

/* Handles the current line, complete (has_lf) or the last one. */
static int
line(struct mime_parser *s, int has_lf)
{
	struct mime_msg *m = s->m;
	struct frame *f = &s->fr[s->nfr - 1];
	size_t hit, child;
	int close = 0, in_hdr;

	hit = delimiter(s, &close);
	if (hit == MIME_NONE) {
		consume(s, has_lf);
		if (f->state == F_HDR &&
		    (s->llen == 1 || s->llen == 2) &&
		    is_empty_line(s->pre, s->llen))
			return header_done(s, s->ls + s->llen, 0);
		return 0;
	}
	/* A delimiter: everything inside the multipart that owns it ends. */
	in_hdr = f->state == F_HDR && s->ls > f->hs;
	if (f->state == F_HDR) {
		str_truncate(&s->hdr, s->hdr_at_ls);
		if (header_done(s, s->ls, 1) < 0)
			return -1;
	}
	while (s->fr[s->nfr - 1].own != hit) {
		/* A header cut here has an empty body: nothing to take. */
		end_frame(s, 1, in_hdr);
		in_hdr = 0;
	}
	f = &s->fr[s->nfr - 1];
	consume(s, has_lf);
	if (close) {
		/* The epilogue follows, up to an outer delimiter. */
		s->nb = f->own;
		f->own = MIME_NONE;
		return 0;
	}
	if (!has_lf)
		return 0; /* a last line without a line end starts nothing */
	if (m->nparts >= MIME_PARTS_MAX) {
		/* Left in the body, in no child. */
		m->flags |= MIME_F_PARTS;
		return 0;
	}
	if (new_part(m, f->pi, f->prev, &child) < 0)
		return -1;
	f->prev = child;
	return push_frame(s, child, f->child_digest, s->ls + s->llen);
}

static void
line_start(struct mime_parser *s)
{
	s->ls = s->pos;
	s->llen = 0;
	s->npre = 0;
	s->last_cr = 0;
	s->hdr_at_ls = s->hdr.len;
}

/* Takes in[0..n) of the current line. */
static int
line_bytes(struct mime_parser *s, const char *in, size_t n)
{
	size_t k;

	if (n == 0)
		return 0;
	k = PRE_MAX - s->npre < n ? PRE_MAX - s->npre : n;
	memcpy(s->pre + s->npre, in, k);
	s->npre += k;
	s->llen += n;
	s->pos += n;
	s->last_cr = in[n - 1] == '\r';
	if (s->fr[s->nfr - 1].state == F_HDR) {
		k = MIME_HEADER_MAX - s->hdr.len < n ?
		    MIME_HEADER_MAX - s->hdr.len : n;
		if (k < n)
			s->hdr_cut = 1;
		if (str_append(&s->hdr, in, k) < 0)
			return -1;
	}
	return 0;
}

int
mime_parser_feed(struct mime_parser *s, const void *data, size_t len)
{
	const char *p = data, *nl;
	size_t n;

	if (s->failed) {
		errno = EINVAL;
		return -1;
	}
	while (len > 0) {
		nl = memchr(p, '\n', len);
		n = nl == NULL ? len : (size_t)(nl - p);
		/* The bytes before the LF, then the LF apart: last_cr. */
		if (line_bytes(s, p, n) < 0)
			goto fail;
		p += n;
		len -= n;
		if (nl == NULL)
			break;
		{
			int cr = s->last_cr;

			if (line_bytes(s, p, 1) < 0)
				goto fail;
			s->last_cr = cr;
		}
		p++;
		len--;
		if (line(s, 1) < 0)
			goto fail;
		line_start(s);
	}
	return 0;
fail:
	s->failed = 1;
	return -1;
}

int
mime_parser_init(struct mime_parser **sp, struct mime_msg *m)
{
	struct mime_parser *s;
	size_t root;

	*sp = NULL;
	m->nparts = m->nparams = m->flags = 0;
	str_clear(&m->pool);
	s = calloc(1, sizeof *s);
	if (s == NULL) {
		errno = ENOMEM;
		return -1;
	}
	s->m = m;
	if (new_part(m, MIME_NONE, MIME_NONE, &root) < 0) {
		free(s);
		return -1;
	}
	m->parts[root].is_message = 1;
	(void)push_frame(s, root, 0, 0);
	line_start(s);
	*sp = s;
	return 0;
}

void
mime_parser_free(struct mime_parser **sp)
{
	struct mime_parser *s = *sp;
	size_t e;

	if (s == NULL)
		return;
	for (e = 0; e < MIME_ENV_N; e++)
		str_free(&s->ps.addr[e]);
	str_free(&s->ps.vals);
	str_free(&s->tmp);
	str_free(&s->hdr);
	free(s);
	*sp = NULL;
}

int
mime_parser_finish(struct mime_parser **sp)
{
	struct mime_parser *s = *sp;
	int r = -1;

	if (s->failed) {
		errno = EINVAL;
		goto out;
	}
	if (s->llen > 0 && line(s, 0) < 0)
		goto out;
	if (s->llen > 0) {
		/* The last line is counted in; nothing more comes. */
		s->ls = s->pos;
	}
	if (s->fr[s->nfr - 1].state == F_HDR) {
		s->ls = s->pos;
		if (header_done(s, s->pos, 1) < 0)
			goto out;
	}
	s->ls = s->pos;
	while (s->nfr > 0)
		end_frame(s, 0, 0);
	r = 0;
out:
	if (r < 0)
		mime_free(s->m);
	mime_parser_free(sp);
	return r;
}

void
mime_free(struct mime_msg *m)
{
	free(m->parts);
	free(m->params);
	str_free(&m->pool);
	memset(m, 0, sizeof *m);
}

int
mime_parse(struct mime_msg *m, const void *buf, size_t len)
{
	struct mime_parser *s;

	if (mime_parser_init(&s, m) < 0) {
		mime_free(m);
		return -1;
	}
	if (mime_parser_feed(s, len ? buf : "", len) < 0) {
		mime_parser_free(&s);
		mime_free(m);
		return -1;
	}
	return mime_parser_finish(&s);
}

/* ---------------------------------------------------------- rendering */

int
mime_imap_string(struct str *out, const char *s, size_t len)
{
	size_t i, old = out->len, nul = 0;
	int lit = len > 1024;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r' || c == '\n' || c >= 0x80)
			lit = 1;
		else if (c == 0)
			nul++;
	}
	if (lit || nul > 0) {
		/* A NUL cannot be sent at all: U+FFFD, as Dovecot does. */
		if (str_printf(out, "{%zu}\r\n", len + 2 * nul) < 0)
			goto fail;
		for (i = 0; i < len; i++)
			if ((s[i] != '\0' ? str_appendc(out, s[i]) :
					    str_append(out, "\xef\xbf\xbd", 3)) < 0)
				goto fail;
		return 0;
	}
	if (str_appendc(out, '"') < 0)
		goto fail;
	for (i = 0; i < len; i++) {
		if ((s[i] == '"' || s[i] == '\\') && str_appendc(out, '\\') < 0)
			goto fail;
		if (str_appendc(out, s[i]) < 0)
			goto fail;
	}
	if (str_appendc(out, '"') < 0)
		goto fail;
	return 0;
fail:
	str_truncate(out, old);
	return -1;
}

static int
nstring(struct str *out, const struct mime_msg *m, struct mime_sref r)
{
	if (r.off == MIME_NONE)
		return str_append(out, "NIL", 3);
	return mime_imap_string(out, m->pool.s + r.off, r.len);
}

/* "(name value ...)" or NIL; with charset=us-ascii added if asked. */
static int
param_list(struct str *out, const struct mime_msg *m, size_t first, size_t n,
    int add_charset)
{
	size_t i;
	struct mime_sref v;

	if (add_charset && param_find(m, first, n, "charset", &v))
		add_charset = 0;
	if (n == 0 && !add_charset)
		return str_append(out, "NIL", 3);
	if (str_appendc(out, '(') < 0)
		return -1;
	for (i = first; i < first + n; i++) {
		if ((i > first && str_appendc(out, ' ') < 0) ||
		    nstring(out, m, m->params[i].name) < 0 ||
		    str_appendc(out, ' ') < 0 ||
		    nstring(out, m, m->params[i].value) < 0)
			return -1;
	}
	if (add_charset && str_appendz(out, n ? " \"charset\" \"us-ascii\"" :
					      "\"charset\" \"us-ascii\"") < 0)
		return -1;
	return str_appendc(out, ')');
}

/* Content-Language: a list of its tags, or NIL. */
static int
lang_list(struct str *out, const struct mime_msg *m, struct mime_sref r)
{
	struct lex x;
	const char *t;
	size_t tl, n = 0;

	if (r.off == MIME_NONE)
		return str_append(out, "NIL", 3);
	x.p = m->pool.s + r.off;
	x.len = r.len;
	x.off = 0;
	for (;;) {
		skip_cfws(&x);
		while (x.off < x.len && x.p[x.off] == ',') {
			x.off++;
			skip_cfws(&x);
		}
		if (x.off >= x.len)
			break;
		tl = lex_token(&x, &t);
		if (tl == 0) {
			x.off++;
			continue;
		}
		if (str_appendz(out, n ? " " : "(") < 0 ||
		    mime_imap_string(out, t, tl) < 0)
			return -1;
		n++;
	}
	return str_appendz(out, n ? ")" : "NIL");
}

static int
ext_common(struct str *out, const struct mime_msg *m,
    const struct mime_part *p)
{
	/* body-fld-dsp SP body-fld-lang SP body-fld-loc */
	if (p->disposition.off == MIME_NONE) {
		if (str_appendz(out, " NIL") < 0)
			return -1;
	} else if (str_appendz(out, " (") < 0 ||
	    nstring(out, m, p->disposition) < 0 ||
	    str_appendc(out, ' ') < 0 ||
	    param_list(out, m, p->dparam0, p->ndparams, 0) < 0 ||
	    str_appendc(out, ')') < 0) {
		return -1;
	}
	if (str_appendc(out, ' ') < 0 || lang_list(out, m, p->language) < 0 ||
	    str_appendc(out, ' ') < 0 || nstring(out, m, p->location) < 0)
		return -1;
	return 0;
}

static int render_env(struct str *out, const struct mime_msg *m, size_t pi);

static int
render_body(struct str *out, const struct mime_msg *m, size_t pi, int ext,
    unsigned level)
{
	const struct mime_part *p = &m->parts[pi];
	int text;
	size_t c;

	if (level > MIME_DEPTH_MAX + 2) {
		errno = EOVERFLOW;
		return -1;
	}
	if (str_appendc(out, '(') < 0)
		return -1;
	if (p->kind == MIME_MULTIPART) {
		if (p->child == MIME_NONE &&
		    str_appendz(out, ext ? "(\"text\" \"plain\" (\"charset\" "
					   "\"us-ascii\") NIL NIL \"7bit\" 0 0 "
					   "NIL NIL NIL NIL)" :
					   "(\"text\" \"plain\" (\"charset\" "
					   "\"us-ascii\") NIL NIL \"7bit\" 0 0)") <
			0)
			return -1;
		for (c = p->child; c != MIME_NONE; c = m->parts[c].next)
			if (render_body(out, m, c, ext, level + 1) < 0)
				return -1;
		if (str_appendc(out, ' ') < 0 || nstring(out, m, p->subtype) < 0)
			return -1;
		if (ext && (str_appendc(out, ' ') < 0 ||
			       param_list(out, m, p->param0, p->nparams, 0) < 0 ||
			       ext_common(out, m, p) < 0))
			return -1;
		return str_appendc(out, ')');
	}
	text = sref_is(m, p->type, "text");
	if (p->kind == MIME_MESSAGE) {
		/* Dovecot writes this one in lower case. */
		if (str_appendz(out, "\"message\" \"rfc822\" ") < 0)
			return -1;
	} else if (nstring(out, m, p->type) < 0 || str_appendc(out, ' ') < 0 ||
	    nstring(out, m, p->subtype) < 0 || str_appendc(out, ' ') < 0) {
		return -1;
	}
	if (param_list(out, m, p->param0, p->nparams, text) < 0 ||
	    str_appendc(out, ' ') < 0 || nstring(out, m, p->id) < 0 ||
	    str_appendc(out, ' ') < 0 || nstring(out, m, p->description) < 0 ||
	    str_appendc(out, ' ') < 0)
		return -1;
	if (p->encoding.off == MIME_NONE) {
		if (str_appendz(out, "\"7bit\"") < 0)
			return -1;
	} else if (nstring(out, m, p->encoding) < 0) {
		return -1;
	}
	if (str_printf(out, " %zu", p->body_vlen) < 0)
		return -1;
	if (p->kind == MIME_MESSAGE) {
		if (str_appendc(out, ' ') < 0 || render_env(out, m, p->child) < 0 ||
		    str_appendc(out, ' ') < 0 ||
		    render_body(out, m, p->child, ext, level + 1) < 0 ||
		    str_printf(out, " %zu", p->body_lines) < 0)
			return -1;
	} else if (text && str_printf(out, " %zu", p->body_lines) < 0) {
		return -1;
	}
	if (ext && (str_appendc(out, ' ') < 0 || nstring(out, m, p->md5) < 0 ||
		       ext_common(out, m, p) < 0))
		return -1;
	return str_appendc(out, ')');
}

int
mime_bodystructure(const struct mime_msg *m, size_t part, int extended,
    struct str *out)
{
	size_t old = out->len;

	if (part >= m->nparts) {
		errno = EINVAL;
		return -1;
	}
	if (render_body(out, m, part, extended, 0) < 0) {
		str_truncate(out, old);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------- addresses */

#define ADDR_MAX 10000

struct addr {
	struct str name, adl, mbox, host;
	int has_name;
};

static int
is_atext(unsigned char c)
{
	return c > 32 && c != 127 && strchr("()<>[]:;@\\,.\"", c) == NULL;
}

/* Skips CFWS, keeping the text of the last comment in cm (if not NULL). */
static int
a_cfws(struct lex *x, struct str *cm, int *sp)
{
	unsigned depth;

	for (;;) {
		while (x->off < x->len && (x->p[x->off] == ' ' ||
		    x->p[x->off] == '\t' || x->p[x->off] == '\r' ||
		    x->p[x->off] == '\n')) {
			x->off++;
			if (sp)
				*sp = 1;
		}
		if (x->off >= x->len || x->p[x->off] != '(')
			return 0;
		if (sp)
			*sp = 1;
		if (cm)
			str_clear(cm);
		depth = 0;
		while (x->off < x->len) {
			char c = x->p[x->off++];

			if (c == '\\' && x->off < x->len) {
				c = x->p[x->off++];
			} else if (c == '(') {
				if (depth++ == 0)
					continue;
			} else if (c == ')') {
				if (--depth == 0)
					break;
			}
			if (c == '\r' || c == '\n')
				continue;
			if (cm && str_appendc(cm, c) < 0)
				return -1;
		}
	}
}

/*
 * Reads words (atoms, quoted strings, dots) into out until a special;
 * words are joined by one space where white space or a comment separated
 * them (phrase) or with nothing (local part: phrase == 0).
 */
static int
a_words(struct lex *x, struct str *out, struct str *cm, int phrase,
    size_t *nwords)
{
	int sp = 0;
	size_t s;

	*nwords = 0;
	for (;;) {
		sp = 0;
		if (a_cfws(x, cm, &sp) < 0)
			return -1;
		if (x->off >= x->len)
			return 0;
		if (x->p[x->off] == '"' || x->p[x->off] == '.' ||
		    is_atext((unsigned char)x->p[x->off])) {
			if (phrase && sp && out->len > 0 &&
			    str_appendc(out, ' ') < 0)
				return -1;
		}
		if (x->p[x->off] == '"') {
			if (lex_quoted(x, out) < 0)
				return -1;
		} else if (x->p[x->off] == '.') {
			if (str_appendc(out, '.') < 0)
				return -1;
			x->off++;
		} else if (is_atext((unsigned char)x->p[x->off])) {
			s = x->off;
			while (x->off < x->len &&
			    is_atext((unsigned char)x->p[x->off]))
				x->off++;
			if (str_append(out, x->p + s, x->off - s) < 0)
				return -1;
		} else {
			return 0;
		}
		(*nwords)++;
	}
}

/* A domain: dot-atoms or a [literal], kept as written. */
static int
a_domain(struct lex *x, struct str *out, struct str *cm)
{
	size_t n;

	if (a_cfws(x, cm, NULL) < 0)
		return -1;
	if (x->off < x->len && x->p[x->off] == '[') {
		size_t s = x->off;

		while (x->off < x->len && x->p[x->off] != ']') {
			if (x->p[x->off] == '\\' && x->off + 1 < x->len)
				x->off++;
			x->off++;
		}
		if (x->off < x->len)
			x->off++;
		if (str_append(out, x->p + s, x->off - s) < 0)
			return -1;
		return a_cfws(x, cm, NULL);
	}
	return a_words(x, out, cm, 0, &n);
}

static void
addr_clear(struct addr *a)
{
	str_clear(&a->name);
	str_clear(&a->adl);
	str_clear(&a->mbox);
	str_clear(&a->host);
	a->has_name = 0;
}

static int
addr_emit(struct str *out, const struct addr *a, size_t *n)
{
	if (*n == 0 && str_appendc(out, '(') < 0)
		return -1;
	(*n)++;
	if (str_appendc(out, '(') < 0 ||
	    (a->has_name && a->name.len > 0 ?
		    mime_imap_string(out, a->name.s, a->name.len) :
		    str_appendz(out, "NIL")) < 0 ||
	    str_appendc(out, ' ') < 0 ||
	    (a->adl.len ? mime_imap_string(out, a->adl.s, a->adl.len) :
			  str_appendz(out, "NIL")) < 0 ||
	    str_appendc(out, ' ') < 0 ||
	    (a->mbox.len ? mime_imap_string(out, a->mbox.s, a->mbox.len) :
			   str_appendz(out, "\"MISSING_MAILBOX\"")) < 0 ||
	    str_appendc(out, ' ') < 0 ||
	    (a->host.len ? mime_imap_string(out, a->host.s, a->host.len) :
			   str_appendz(out, "\"MISSING_DOMAIN\"")) < 0 ||
	    str_appendc(out, ')') < 0)
		return -1;
	return 0;
}

/* <[route:]local@domain> after the '<'. */
static int
a_angle(struct lex *x, struct addr *a, struct str *cm)
{
	size_t n;

	if (a_cfws(x, NULL, NULL) < 0)
		return -1;
	/* obs-route: 1*("," / "@" domain) ":" */
	if (x->off < x->len && (x->p[x->off] == '@' || x->p[x->off] == ',')) {
		size_t save = x->off;
		struct lex y = *x;

		while (y.off < y.len && y.p[y.off] != ':' && y.p[y.off] != '>')
			y.off++;
		if (y.off < y.len && y.p[y.off] == ':') {
			for (; x->off < y.off; x->off++) {
				char c = x->p[x->off];

				if (c == ' ' || c == '\t' || c == '\r' ||
				    c == '\n')
					continue;
				if (str_appendc(&a->adl, c) < 0)
					return -1;
			}
			x->off = y.off + 1;
		} else {
			x->off = save;
		}
	}
	if (a_words(x, &a->mbox, NULL, 0, &n) < 0)
		return -1;
	if (x->off < x->len && x->p[x->off] == '@') {
		x->off++;
		if (a_domain(x, &a->host, NULL) < 0)
			return -1;
	}
	/* Skip to the '>'. */
	while (x->off < x->len && x->p[x->off] != '>' && x->p[x->off] != ',' &&
	    x->p[x->off] != ';')
		x->off++;
	if (x->off < x->len && x->p[x->off] == '>')
		x->off++;
	return a_cfws(x, cm, NULL);
}

/* Skips what follows an address up to the next ',' or ';'. */
static void
a_skip(struct lex *x)
{
	while (x->off < x->len && x->p[x->off] != ',' && x->p[x->off] != ';') {
		if (x->p[x->off] == '"') {
			x->off++;
			while (x->off < x->len && x->p[x->off] != '"') {
				if (x->p[x->off] == '\\' && x->off + 1 < x->len)
					x->off++;
				x->off++;
			}
			if (x->off < x->len)
				x->off++;
		} else if (x->p[x->off] == '(') {
			(void)a_cfws(x, NULL, NULL);
		} else {
			x->off++;
		}
	}
}

/*
 * One mailbox or group at x.  Returns 1 when something was emitted or
 * skipped, 0 at the end of the list (or group, at ';').
 */
static int
a_item(struct lex *x, struct addr *a, struct str *cm, struct str *out,
    size_t *n, int in_group)
{
	size_t nw;

	addr_clear(a);
	str_clear(cm);
	if (a_words(x, &a->name, cm, 1, &nw) < 0)
		return -1;
	if (x->off >= x->len || (x->p[x->off] != '<' && x->p[x->off] != '@' &&
				    (x->p[x->off] != ':' || nw == 0))) {
		if (nw == 0)
			return 0;
		/*
		 * Words alone: one is a local part without a domain, several
		 * a display name without an address (as Dovecot reads them).
		 */
		if (a->name.s != NULL &&
		    memchr(a->name.s, ' ', a->name.len) != NULL) {
			a->has_name = 1;
		} else {
			if (str_copy(&a->mbox, a->name.s, a->name.len) < 0)
				return -1;
			str_clear(&a->name);
		}
		if (addr_emit(out, a, n) < 0)
			return -1;
		a_skip(x);
		return 1;
	}
	switch (x->p[x->off]) {
	case '<':
		x->off++;
		a->has_name = 1;
		if (a_angle(x, a, NULL) < 0 || addr_emit(out, a, n) < 0)
			return -1;
		a_skip(x);
		return 1;
	case ':':
		x->off++;
		if (in_group) /* nested groups are not allowed: ignore */
			return 1;
		{
			struct addr g;
			struct str gcm = STR_INIT;
			int r;

			memset(&g, 0, sizeof g);
			if (str_copy(&g.mbox, a->name.s ? a->name.s : "",
				a->name.len) < 0 ||
			    str_copy(&g.host, "", 0) < 0)
				r = -1;
			else
				r = 0;
			/* (NIL NIL name NIL) */
			if (r == 0) {
				if (*n == 0 && str_appendc(out, '(') < 0)
					r = -1;
				else if (++*n, str_appendz(out, "(NIL NIL ") <
				    0 || mime_imap_string(out, g.mbox.s ?
				    g.mbox.s : "", g.mbox.len) < 0 ||
				    str_appendz(out, " NIL)") < 0)
					r = -1;
			}
			while (r == 0 && *n < ADDR_MAX) {
				if (a_cfws(x, NULL, NULL) < 0) {
					r = -1;
					break;
				}
				if (x->off >= x->len)
					break;
				if (x->p[x->off] == ';') {
					x->off++;
					break;
				}
				if (x->p[x->off] == ',') {
					x->off++;
					continue;
				}
				r = a_item(x, a, &gcm, out, n, 1);
				if (r > 0)
					r = 0;
				else if (r == 0 && x->off < x->len &&
				    x->p[x->off] != ';')
					x->off++; /* junk */
			}
			if (r == 0 && str_appendz(out, "(NIL NIL NIL NIL)") < 0)
				r = -1;
			str_free(&g.mbox);
			str_free(&g.host);
			str_free(&gcm);
			return r < 0 ? -1 : 1;
		}
	case '@':
		/* addr-spec: the words were the local part. */
		x->off++;
		if (str_copy(&a->mbox, a->name.s ? a->name.s : "",
			a->name.len) < 0)
			return -1;
		str_clear(&a->name);
		/* The local part had no spaces: rebuild it without them. */
		{
			size_t i, j = 0;

			for (i = 0; i < a->mbox.len; i++)
				if (a->mbox.s[i] != ' ' || nw <= 1)
					a->mbox.s[j++] = a->mbox.s[i];
			str_truncate(&a->mbox, j);
		}
		str_clear(cm);
		if (a_domain(x, &a->host, cm) < 0)
			return -1;
		if (cm->len > 0) {
			if (str_copy(&a->name, cm->s, cm->len) < 0)
				return -1;
			a->has_name = 1;
		}
		if (addr_emit(out, a, n) < 0)
			return -1;
		a_skip(x);
		return 1;
	default:
		return 0;
	}
}

int
mime_addr_imap(const char *in, size_t len, struct str *out)
{
	struct lex x = { in, len, 0 };
	struct addr a;
	struct str cm = STR_INIT;
	size_t n = 0, old = out->len;
	int r = 0;

	memset(&a, 0, sizeof a);
	while (x.off < x.len && n < ADDR_MAX) {
		if (a_cfws(&x, NULL, NULL) < 0) {
			r = -1;
			break;
		}
		if (x.off >= x.len)
			break;
		if (x.p[x.off] == ',' || x.p[x.off] == ';') {
			x.off++;
			continue;
		}
		r = a_item(&x, &a, &cm, out, &n, 0);
		if (r < 0)
			break;
		if (r == 0 && x.off < x.len)
			x.off++; /* a stray special: skip it */
		r = 0;
	}
	if (r == 0)
		r = str_appendz(out, n ? ")" : "NIL");
	str_free(&a.name);
	str_free(&a.adl);
	str_free(&a.mbox);
	str_free(&a.host);
	str_free(&cm);
	if (r < 0)
		str_truncate(out, old);
	return r;
}

/* ----------------------------------------------------------- envelope */

static int
env_addr(struct str *out, const struct mime_msg *m, struct mime_sref r)
{
	if (r.off == MIME_NONE)
		return str_append(out, "NIL", 3);
	return mime_addr_imap(m->pool.s + r.off, r.len, out);
}

static int
render_env(struct str *out, const struct mime_msg *m, size_t pi)
{
	const struct mime_part *p = &m->parts[pi];
	size_t from_at, from_len, mark;
	int e;

	if (str_appendc(out, '(') < 0 ||
	    nstring(out, m, p->env[MIME_ENV_DATE]) < 0 ||
	    str_appendc(out, ' ') < 0 ||
	    nstring(out, m, p->env[MIME_ENV_SUBJECT]) < 0 ||
	    str_appendc(out, ' ') < 0)
		return -1;
	from_at = out->len;
	if (env_addr(out, m, p->env[MIME_ENV_FROM]) < 0)
		return -1;
	from_len = out->len - from_at;
	for (e = MIME_ENV_SENDER; e <= MIME_ENV_BCC; e++) {
		if (str_appendc(out, ' ') < 0)
			return -1;
		mark = out->len;
		if (env_addr(out, m, p->env[e]) < 0)
			return -1;
		/* Sender and Reply-To: absent or empty means From. */
		if ((e == MIME_ENV_SENDER || e == MIME_ENV_REPLY_TO) &&
		    out->len - mark == 3 && memcmp(out->s + mark, "NIL", 3) == 0) {
			str_truncate(out, mark);
			if (str_reserve(out, from_len) < 0)
				return -1;
			if (str_append(out, out->s + from_at, from_len) < 0)
				return -1;
		}
	}
	if (str_appendc(out, ' ') < 0 ||
	    nstring(out, m, p->env[MIME_ENV_IN_REPLY_TO]) < 0 ||
	    str_appendc(out, ' ') < 0 ||
	    nstring(out, m, p->env[MIME_ENV_MESSAGE_ID]) < 0)
		return -1;
	return str_appendc(out, ')');
}

int
mime_envelope(const struct mime_msg *m, size_t part, struct str *out)
{
	size_t old = out->len;

	if (part >= m->nparts || !m->parts[part].is_message) {
		errno = EINVAL;
		return -1;
	}
	if (render_env(out, m, part) < 0) {
		str_truncate(out, old);
		return -1;
	}
	return 0;
}

/* ----------------------------------------------------------- sections */

static void
range_hdr(const struct mime_msg *m, size_t p, struct mime_range *r)
{
	r->off = m->parts[p].hdr_off;
	r->len = m->parts[p].hdr_len;
	r->vlen = m->parts[p].hdr_vlen;
	r->part = p;
}

static void
range_body(const struct mime_msg *m, size_t p, struct mime_range *r)
{
	r->off = m->parts[p].body_off;
	r->len = m->parts[p].body_len;
	r->vlen = m->parts[p].body_vlen;
	r->part = p;
}

int
mime_section(const struct mime_msg *m, const char *sec, size_t len,
    struct mime_range *r)
{
	size_t i = 0, p = 0, nnum = 0;
	const char *kw;
	size_t kwl;
	uint64_t n;
	int more;

	memset(r, 0, sizeof *r);
	r->part = MIME_NONE;
	r->kind = MIME_SEC_FULL;
	if (m->nparts == 0) {
		errno = EINVAL;
		return -1;
	}
	/* Part numbers. */
	while (i < len && sec[i] >= '0' && sec[i] <= '9') {
		n = 0;
		if (sec[i] == '0') {
			errno = EINVAL;
			return -1;
		}
		while (i < len && sec[i] >= '0' && sec[i] <= '9') {
			n = n * 10 + (uint64_t)(sec[i] - '0');
			if (n > 0x7fffffff) {
				errno = EINVAL;
				return -1;
			}
			i++;
		}
		more = i + 1 < len && sec[i] == '.' && sec[i + 1] >= '0' &&
		    sec[i + 1] <= '9';
		/*
		 * As Dovecot walks: a multipart's n-th child; 1 in anything
		 * else is the part itself, and only a message/rfc822 part
		 * may be followed by more numbers, which go inside it.
		 */
		if (p != MIME_NONE && m->parts[p].kind == MIME_MULTIPART) {
			for (p = m->parts[p].child; p != MIME_NONE && n > 1; n--)
				p = m->parts[p].next;
		} else if (p != MIME_NONE && (n != 1 ||
			       (more && m->parts[p].kind != MIME_MESSAGE))) {
			p = MIME_NONE;
		}
		if (p != MIME_NONE && more && m->parts[p].kind == MIME_MESSAGE)
			p = m->parts[p].child;
		nnum++;
		if (i == len)
			break;
		if (sec[i] != '.' || i + 1 == len) {
			errno = EINVAL;
			return -1;
		}
		i++;
	}
	kw = sec + i;
	kwl = len - i;
	if (kwl == 0)
		r->kind = MIME_SEC_FULL;
	else if (eqi(kw, kwl, "HEADER"))
		r->kind = MIME_SEC_HEADER;
	else if (eqi(kw, kwl, "HEADER.FIELDS"))
		r->kind = MIME_SEC_FIELDS;
	else if (eqi(kw, kwl, "HEADER.FIELDS.NOT"))
		r->kind = MIME_SEC_FIELDS_NOT;
	else if (eqi(kw, kwl, "TEXT"))
		r->kind = MIME_SEC_TEXT;
	else if (eqi(kw, kwl, "MIME") && nnum > 0)
		r->kind = MIME_SEC_MIME;
	else {
		errno = EINVAL;
		return -1;
	}
	if (p == MIME_NONE)
		return 0;
	if (nnum == 0) {
		/* The message itself. */
		switch (r->kind) {
		case MIME_SEC_FULL:
			r->off = 0;
			r->len = m->parts[0].hdr_len + m->parts[0].body_len;
			r->vlen = m->parts[0].hdr_vlen + m->parts[0].body_vlen;
			r->part = 0;
			break;
		case MIME_SEC_TEXT:
			range_body(m, 0, r);
			break;
		default:
			range_hdr(m, 0, r);
			break;
		}
		return 0;
	}
	switch (r->kind) {
	case MIME_SEC_FULL:
		range_body(m, p, r);
		break;
	case MIME_SEC_MIME:
		range_hdr(m, p, r);
		break;
	case MIME_SEC_TEXT:
		if (m->parts[p].kind == MIME_MESSAGE)
			range_body(m, m->parts[p].child, r);
		break;
	default:
		if (m->parts[p].kind == MIME_MESSAGE)
			range_hdr(m, m->parts[p].child, r);
		break;
	}
	return 0;
}

/* ------------------------------------------------------ decoded text */

static const char repl[] = "\xef\xbf\xbd"; /* U+FFFD */

/* Length of the UTF-8 sequence at p[0..n): >0 valid, 0 invalid, -1 cut. */
static int
u8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t need, i;
	unsigned c = p[0];
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		v = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		v = c & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < need; i++) {
		if (i >= n)
			return -1;
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3fu);
	}
	if ((need == 3 && (v < 0x800 || (v >= 0xd800 && v <= 0xdfff))) ||
	    (need == 4 && (v < 0x10000 || v > 0x10ffff)))
		return 0;
	*cp = v;
	return (int)need;
}

/*
 * Appends the valid UTF-8 of in to out (invalid bytes become U+FFFD);
 * an incomplete sequence at the end is left: returns its length in
 * *rest, or replaces it when final.  Returns 1 if something was
 * replaced, 0, -1.
 */
static int
u8_clean(const char *in, size_t len, struct str *out, size_t *rest, int final)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, s = 0;
	uint32_t cp;
	int n, damaged = 0;

	*rest = 0;
	while (i < len) {
		n = u8_seq(p + i, len - i, &cp);
		if (n > 0) {
			i += (size_t)n;
			continue;
		}
		if (n < 0 && !final) {
			*rest = len - i;
			break;
		}
		if (str_append(out, in + s, i - s) < 0 ||
		    str_append(out, repl, 3) < 0)
			return -1;
		damaged = 1;
		i++;
		s = i;
	}
	if (str_append(out, in + s, i - s) < 0)
		return -1;
	return damaged;
}

int
mime_decoder_init(struct mime_decoder *d, const struct mime_msg *m,
    size_t part)
{
	const struct mime_part *p;
	struct mime_sref cs;
	char name[RFC2047_CHARSET_MAX + 1];
	iconv_t cd;

	memset(d, 0, sizeof *d);
	if (part >= m->nparts) {
		errno = EINVAL;
		return -1;
	}
	p = &m->parts[part];
	if (sref_is(m, p->encoding, "base64"))
		d->cte = 1;
	else if (sref_is(m, p->encoding, "quoted-printable"))
		d->cte = 2;
	b64dec_init(&d->b64, 0);
	qpdec_init(&d->qp, 0);
	if (p->kind == MIME_LEAF && sref_is(m, p->type, "text") &&
	    param_find(m, p->param0, p->nparams, "charset", &cs) &&
	    cs.len > 0 && cs.len <= RFC2047_CHARSET_MAX &&
	    !eqi(m->pool.s + cs.off, cs.len, "utf-8") &&
	    !eqi(m->pool.s + cs.off, cs.len, "utf8") &&
	    !eqi(m->pool.s + cs.off, cs.len, "us-ascii") &&
	    memchr(m->pool.s + cs.off, '\0', cs.len) == NULL) {
		memcpy(name, m->pool.s + cs.off, cs.len);
		name[cs.len] = '\0';
		cd = iconv_open("UTF-8", name);
		if (cd != (iconv_t)-1)
			d->cd = cd;
	}
	return 0;
}

/* Converts tmp (carry included) to UTF-8 into out; keeps a cut tail. */
static int
dec_convert(struct mime_decoder *d, struct str *out, int final)
{
	size_t rest = 0, inleft, outleft, room;
	char *ip, *op;
	int r;

	if (d->cd == NULL) {
		r = u8_clean(d->tmp.s ? d->tmp.s : "", d->tmp.len, out, &rest,
		    final);
		if (r < 0)
			return -1;
		d->damaged |= r;
	} else {
		ip = d->tmp.s;
		inleft = d->tmp.len;
		while (inleft > 0) {
			room = 4 * inleft + 16;
			if (room > 65536)
				room = 65536;
			if (str_reserve(out, room) < 0)
				return -1;
			op = out->s + out->len;
			outleft = room;
			if (iconv((iconv_t)d->cd, &ip, &inleft, &op, &outleft) !=
			    (size_t)-1) {
				out->len = (size_t)(op - out->s);
				continue;
			}
			out->len = (size_t)(op - out->s);
			if (errno == E2BIG)
				continue;
			if (errno == EINVAL && !final &&
			    inleft < sizeof d->carry) {
				rest = inleft;
				break;
			}
			if (str_append(out, repl, 3) < 0)
				return -1;
			d->damaged = 1;
			ip++;
			inleft--;
			iconv((iconv_t)d->cd, NULL, NULL, NULL, NULL);
		}
		if (out->s != NULL)
			out->s[out->len] = '\0';
	}
	if (rest > sizeof d->carry)
		rest = sizeof d->carry;
	if (rest > 0)
		memcpy(d->carry, d->tmp.s + d->tmp.len - rest, rest);
	d->ncarry = rest;
	return 0;
}

int
mime_decoder_update(struct mime_decoder *d, const void *in, size_t len,
    struct str *out)
{
	str_clear(&d->tmp);
	if (str_append(&d->tmp, d->carry, d->ncarry) < 0)
		return -1;
	switch (d->cte) {
	case 1:
		if (b64dec_update(&d->b64, in, len, &d->tmp) < 0)
			return -1;
		break;
	case 2:
		if (qpdec_update(&d->qp, in, len, &d->tmp) < 0)
			return -1;
		break;
	default:
		if (str_append(&d->tmp, in, len) < 0)
			return -1;
	}
	return dec_convert(d, out, 0);
}

int
mime_decoder_final(struct mime_decoder *d, struct str *out)
{
	int r = 0;

	str_clear(&d->tmp);
	if (str_append(&d->tmp, d->carry, d->ncarry) < 0)
		return -1;
	if (d->cte == 1)
		r = b64dec_final(&d->b64, &d->tmp);
	else if (d->cte == 2)
		r = qpdec_final(&d->qp, &d->tmp);
	if (r < 0)
		return -1;
	if (r > 0)
		d->damaged = 1;
	if (dec_convert(d, out, 1) < 0)
		return -1;
	return d->damaged ? 1 : 0;
}

void
mime_decoder_free(struct mime_decoder *d)
{
	if (d->cd != NULL)
		iconv_close((iconv_t)d->cd);
	d->cd = NULL;
	str_free(&d->tmp);
}

int
mime_header_decode(const char *v, size_t len, struct str *out)
{
	struct str u = STR_INIT;
	size_t old = out->len;
	int r;

	r = hdr_unfold(v, len, &u, 1);
	if (r == 0)
		r = rfc2047_decode(u.s ? u.s : "", u.len, out) < 0 ? -1 : 0;
	str_free(&u);
	if (r < 0)
		str_truncate(out, old);
	return r;
}

/*
 * Simple case folding of one code point (lower case).  Every mapping
 * stays within two-byte UTF-8 (U+0080..U+07FF), so folding never changes
 * a text's length.
 */
static uint32_t
fold_cp(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if (c < 0xc0)
		return c;
	if (c <= 0xde && c != 0xd7)
		return c + 32;
	if (c >= 0x100 && c <= 0x137)
		return c | 1u;
	if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
		return (c & 1u) ? c + 1 : c;
	if (c >= 0x14a && c <= 0x177)
		return c | 1u;
	if (c == 0x178)
		return 0xff;
	if (c >= 0x391 && c <= 0x3a9 && c != 0x3a2)
		return c + 32;
	if (c >= 0x410 && c <= 0x42f)
		return c + 32;
	if (c >= 0x400 && c <= 0x40f)
		return c + 80;
	return c;
}

int
mime_fold(const char *s, size_t len, struct str *out)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char *o;
	size_t i = 0;
	uint32_t cp;
	int n;

	/* Folding keeps every character's length: out grows by len. */
	if (str_reserve(out, len) < 0)
		return -1;
	o = (unsigned char *)out->s + out->len;
	while (i < len) {
		if (p[i] < 0x80) {
			o[i] = (unsigned char)(p[i] >= 'A' && p[i] <= 'Z' ?
				p[i] + 32 : p[i]);
			i++;
			continue;
		}
		n = u8_seq(p + i, len - i, &cp);
		if (n <= 0) {
			o[i] = p[i];
			i++;
			continue;
		}
		cp = fold_cp(cp);
		if (n == 2) {
			o[i] = (unsigned char)(0xc0 | (cp >> 6));
			o[i + 1] = (unsigned char)(0x80 | (cp & 0x3f));
		} else {
			memcpy(o + i, p + i, (size_t)n); /* unchanged */
		}
		i += (size_t)n;
	}
	out->len += len;
	out->s[out->len] = '\0';
	return 0;
}

#define MATCH_NEEDLE_MAX 4096

int
mime_match_init(struct mime_match *mm, const char *needle, size_t len)
{
	memset(mm, 0, sizeof *mm);
	if (len > MATCH_NEEDLE_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (mime_fold(needle, len, &mm->needle) < 0 ||
	    str_append(&mm->needle, "", 0) < 0) {
		str_free(&mm->needle);
		return -1;
	}
	mm->found = len == 0;
	return 0;
}

void
mime_match_reset(struct mime_match *mm)
{
	str_clear(&mm->win);
	mm->found = mm->needle.len == 0;
}

int
mime_match_update(struct mime_match *mm, const char *s, size_t len)
{
	size_t keep, n = mm->needle.len;

	if (mm->found)
		return 1;
	if (mime_fold(s, len, &mm->win) < 0)
		return -1;
	if (mm->win.len >= n &&
	    memmem(mm->win.s, mm->win.len, mm->needle.s, n) != NULL) {
		mm->found = 1;
		str_clear(&mm->win);
		return 1;
	}
	/* Keep what could start a match that the next piece completes. */
	keep = n > 0 ? n - 1 : 0;
	if (mm->win.len > keep) {
		memmove(mm->win.s, mm->win.s + mm->win.len - keep, keep);
		str_truncate(&mm->win, keep);
	}
	return 0;
}

void
mime_match_free(struct mime_match *mm)
{
	str_free(&mm->needle);
	str_free(&mm->win);
}

/* Whether a leaf's body is text worth searching. */
static int
searchable(const struct mime_msg *m, const struct mime_part *p)
{
	return p->kind == MIME_LEAF && (sref_is(m, p->type, "text") ||
	    sref_is(m, p->type, "message"));
}

#define SEARCH_CHUNK 65536

int
mime_body_contains(const struct mime_msg *m, const void *vbuf, size_t len,
    struct mime_match *mm)
{
	const char *buf = vbuf;
	struct mime_decoder d;
	struct str out = STR_INIT;
	size_t i, off, end, n;
	int r = 0;

	for (i = 0; i < m->nparts && r == 0; i++) {
		const struct mime_part *p = &m->parts[i];

		if (!searchable(m, p) || p->body_off > len ||
		    p->body_len > len - p->body_off)
			continue;
		mime_match_reset(mm);
		if (mime_decoder_init(&d, m, i) < 0)
			return -1;
		off = p->body_off;
		end = off + p->body_len;
		while (r == 0) {
			n = end - off < SEARCH_CHUNK ? end - off : SEARCH_CHUNK;
			str_clear(&out);
			if ((n > 0 ? mime_decoder_update(&d, buf + off, n, &out) :
				     mime_decoder_final(&d, &out)) < 0) {
				r = -1;
				break;
			}
			r = mime_match_update(mm, out.s ? out.s : "", out.len);
			if (n == 0)
				break;
			off += n;
		}
		mime_decoder_free(&d);
	}
	str_free(&out);
	return r;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lc(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
mime_param_utf8(const struct mime_msg *m, size_t part, int disp,
    const char *name, struct str *out)
{
	const struct mime_part *p;
	size_t first, n, i, nl = strlen(name), old = out->len;
	const char *v, *q1, *q2;
	struct str raw = STR_INIT;
	char cs[RFC2047_CHARSET_MAX + 1];
	int r = 0, h1, h2;

	if (part >= m->nparts)
		return 0;
	p = &m->parts[part];
	first = disp ? p->dparam0 : p->param0;
	n = disp ? p->ndparams : p->nparams;
	for (i = first; i < first + n; i++) {
		struct mime_sref nm = m->params[i].name;
		struct mime_sref val = m->params[i].value;

		v = m->pool.s + val.off;
		if (nm.len == nl && eqi(m->pool.s + nm.off, nl, name)) {
			r = mime_header_decode(v, val.len, out) < 0 ? -1 : 1;
			break;
		}
		if (nm.len != nl + 1 || m->pool.s[nm.off + nl] != '*' ||
		    strncasecmp(m->pool.s + nm.off, name, nl) != 0)
			continue;
		/* charset'language'%XX..., or just %XX... */
		q1 = memchr(v, '\'', val.len);
		q2 = q1 ? memchr(q1 + 1, '\'', val.len - (size_t)(q1 + 1 - v)) :
			  NULL;
		{
			size_t k = q2 == NULL ? 0 : (size_t)(q2 + 1 - v);

			for (; k < val.len; k++) {
				if (v[k] == '%' && val.len - k >= 3 &&
				    (h1 = hexval((unsigned char)v[k + 1])) >= 0 &&
				    (h2 = hexval((unsigned char)v[k + 2])) >= 0) {
					if (str_appendc(&raw,
						(char)(h1 * 16 + h2)) < 0)
						goto fail;
					k += 2;
				} else if (str_appendc(&raw, v[k]) < 0) {
					goto fail;
				}
			}
		}
		if (q2 != NULL && q1 > v &&
		    (size_t)(q1 - v) <= RFC2047_CHARSET_MAX) {
			memcpy(cs, v, (size_t)(q1 - v));
			cs[q1 - v] = '\0';
		} else {
			strcpy(cs, "us-ascii");
		}
		r = charset_to_utf8(cs, raw.s ? raw.s : "", raw.len, out);
		if (r < 0)
			goto fail;
		if (r == 2 && str_append(out, raw.s ? raw.s : "", raw.len) < 0)
			goto fail;
		r = 1;
		break;
	}
	str_free(&raw);
	return r;
fail:
	str_free(&raw);
	str_truncate(out, old);
	return -1;
}
