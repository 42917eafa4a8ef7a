#include "to7bit.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "qp.h"
#include "rfc5322.h"

enum {
	S_HDR,	 /* an entity's header section */
	S_BODY,	 /* a leaf's body */
	S_TEXT,	 /* a multipart's preamble or epilogue */
};

enum cte { CTE_NONE, CTE_7BIT, CTE_8BIT, CTE_BINARY, CTE_QP, CTE_BASE64,
	CTE_OTHER };

void
to7bit_init(struct to7bit *t, int scan)
{
	struct str hdr = t->hdr;

	memset(t, 0, sizeof(*t));
	str_clear(&hdr);
	t->hdr = hdr;
	t->scan = scan;
	t->state = S_HDR;
	t->is_message = 1;
}

void
to7bit_free(struct to7bit *t)
{
	str_free(&t->hdr);
}

static int
has8(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 0x80)
			return 1;
	return 0;
}

static int
out_put(struct to7bit *t, struct str *out, const char *p, size_t n)
{
	if (t->scan || n == 0)
		return 0;
	return str_append(out, p, n);
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/* ---------------------------------------------------------------- headers */

/* Skips blanks and (nested) comments. */
static size_t
skip_cfws(const char *v, size_t n, size_t i)
{
	int depth = 0;

	for (; i < n; i++) {
		if (depth > 0) {
			if (v[i] == '\\' && i + 1 < n)
				i++;
			else if (v[i] == '(')
				depth++;
			else if (v[i] == ')')
				depth--;
		} else if (v[i] == '(') {
			depth++;
		} else if (!is_ws(v[i]) && v[i] != '\r' && v[i] != '\n') {
			break;
		}
	}
	return i;
}

static int
tspecial_end(char c)
{
	return c == ';' || c == '=' || c == '/' || c == '(' || c == '"' ||
	    is_ws(c) || c == '\r' || c == '\n';
}

/* Reads a token at v[i..n); returns its end. */
static size_t
token_end(const char *v, size_t n, size_t i)
{
	while (i < n && !tspecial_end(v[i]))
		i++;
	return i;
}

struct ctype {
	int multipart, message;
	char boundary[TO7BIT_BOUNDARY_MAX + 1];
	size_t blen;
};

/*
 * Reads a Content-Type value: type "/" subtype *( ";" name "=" value ).
 * Only what conversion needs is kept; anything malformed is a leaf.
 */
static void
ctype_parse(const char *v, size_t n, struct ctype *ct)
{
	size_t i, e, ne, k;
	const char *name;
	size_t namelen;
	char val[TO7BIT_BOUNDARY_MAX + 1];
	size_t vlen;
	int toolong;

	memset(ct, 0, sizeof(*ct));
	i = skip_cfws(v, n, 0);
	e = token_end(v, n, i);
	if (e == i || e >= n || v[e] != '/')
		return;
	ne = token_end(v, n, e + 1);
	if (ne == e + 1)
		return;
	if (e - i == 9 && strncasecmp(v + i, "multipart", 9) == 0)
		ct->multipart = 1;
	else if (e - i == 7 && strncasecmp(v + i, "message", 7) == 0 &&
	    ne - e - 1 == 6 && strncasecmp(v + e + 1, "rfc822", 6) == 0)
		ct->message = 1;
	i = ne;
	for (;;) {
		i = skip_cfws(v, n, i);
		if (i >= n || v[i] != ';')
			break;
		i = skip_cfws(v, n, i + 1);
		e = token_end(v, n, i);
		name = v + i;
		namelen = e - i;
		i = skip_cfws(v, n, e);
		if (i >= n || v[i] != '=')
			break;
		i = skip_cfws(v, n, i + 1);
		vlen = 0;
		toolong = 0;
		if (i < n && v[i] == '"') {
			for (i++; i < n && v[i] != '"'; i++) {
				if (v[i] == '\\' && i + 1 < n)
					i++;
				if (vlen < TO7BIT_BOUNDARY_MAX)
					val[vlen++] = v[i];
				else
					toolong = 1;
			}
			if (i >= n)
				break;
			i++;
		} else {
			e = token_end(v, n, i);
			for (k = i; k < e; k++) {
				if (vlen < TO7BIT_BOUNDARY_MAX)
					val[vlen++] = v[k];
				else
					toolong = 1;
			}
			i = e;
		}
		if (namelen == 8 && strncasecmp(name, "boundary", 8) == 0 &&
		    !toolong && vlen > 0 && ct->blen == 0) {
			memcpy(ct->boundary, val, vlen);
			ct->boundary[vlen] = '\0';
			ct->blen = vlen;
		}
	}
	/* A multipart without a usable boundary is read as a leaf. */
	if (ct->multipart && ct->blen == 0)
		ct->multipart = 0;
}

static enum cte
cte_parse(const char *v, size_t n)
{
	static const struct {
		const char *name;
		enum cte cte;
	} names[] = { { "7bit", CTE_7BIT }, { "8bit", CTE_8BIT },
		{ "binary", CTE_BINARY }, { "quoted-printable", CTE_QP },
		{ "base64", CTE_BASE64 } };
	size_t i = skip_cfws(v, n, 0), e = token_end(v, n, i), k;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (strlen(names[k].name) == e - i &&
		    strncasecmp(v + i, names[k].name, e - i) == 0)
			return names[k].cte;
	return CTE_OTHER;
}

/*
 * The header section in t->hdr is complete: decides what the entity is,
 * writes the header (rewritten when needed) and moves to its body.
 */
static int
header_done(struct to7bit *t, struct str *out, int with_blank)
{
	struct hdr_iter it;
	struct hdr_field f;
	struct str val = STR_INIT;
	struct ctype ct;
	enum cte cte = CTE_NONE;
	int have_ct = 0, have_mv = 0, rc, relabel = 0, r = -1;
	int sent = t->hdr_over, keep = t->hdr_over, msg = t->is_message;

	memset(&ct, 0, sizeof(ct));
	if (!keep) {
		hdr_iter_init(&it, t->hdr.s, t->hdr.len);
		while ((rc = hdr_next(&it, &f)) == 1) {
			if (f.bad)
				continue;
			if (hdr_name_is(&f, "Content-Type") && !have_ct) {
				have_ct = 1;
				str_clear(&val);
				if (hdr_unfold(f.value, f.valuelen, &val, 1) < 0)
					goto done;
				ctype_parse(val.s, val.len, &ct);
			} else if (hdr_name_is(&f, "Content-Transfer-Encoding") &&
			    cte == CTE_NONE) {
				str_clear(&val);
				if (hdr_unfold(f.value, f.valuelen, &val, 1) < 0)
					goto done;
				cte = cte_parse(val.s, val.len);
			} else if (hdr_name_is(&f, "MIME-Version")) {
				have_mv = 1;
			}
		}
		/* Past HDR_FIELDS_MAX fields: nothing is changed. */
		if (rc < 0)
			keep = 1;
	}
	t->conv = 0;
	t->is_message = 0;
	if (!keep && ct.multipart && t->depth < TO7BIT_DEPTH) {
		memcpy(t->stack[t->depth].b, ct.boundary, ct.blen + 1);
		t->stack[t->depth].len = ct.blen;
		t->depth++;
		t->state = S_TEXT;
		relabel = cte == CTE_8BIT || cte == CTE_BINARY;
	} else if (!keep && ct.message && cte != CTE_QP && cte != CTE_BASE64) {
		/* The body is a message: its own header comes next. */
		t->state = S_HDR;
		t->is_message = 1;
		relabel = cte == CTE_8BIT || cte == CTE_BINARY;
	} else {
		t->state = S_BODY;
		t->leaf = t->nleaf++;
		/* A multipart nested too deep is passed as it is: a
		 * multipart may not be quoted-printable. */
		if (!keep && !t->scan && !ct.multipart) {
			if (cte == CTE_8BIT || cte == CTE_BINARY)
				t->conv = 1;
			else if ((cte == CTE_NONE || cte == CTE_7BIT) &&
			    t->leaf < TO7BIT_PARTS_MAX &&
			    (t->parts8[t->leaf / 8] & (1u << (t->leaf % 8))))
				t->conv = 1;
		}
	}
	if (t->scan) {
		r = 0;
		goto done;
	}
	if (sent) {
		/* Already out, as it came. */
	} else if (keep || (!t->conv && !relabel)) {
		if (out_put(t, out, t->hdr.s, t->hdr.len) < 0)
			goto done;
	} else {
		t->converted = 1;
		hdr_iter_init(&it, t->hdr.s, t->hdr.len);
		while (hdr_next(&it, &f) == 1) {
			if (!f.bad &&
			    hdr_name_is(&f, "Content-Transfer-Encoding"))
				continue;
			if (out_put(t, out, f.raw, f.rawlen) < 0)
				goto done;
		}
		if (t->conv && msg && !have_mv &&
		    str_appendz(out, "MIME-Version: 1.0\n") < 0)
			goto done;
		if (t->conv && !have_ct &&
		    str_appendz(out, "Content-Type: text/plain; "
			"charset=unknown-8bit\n") < 0)
			goto done;
		if (str_appendz(out, t->conv ?
			"Content-Transfer-Encoding: quoted-printable\n" :
			"Content-Transfer-Encoding: 7bit\n") < 0)
			goto done;
	}
	if (with_blank && out_put(t, out, "\n", 1) < 0)
		goto done;
	r = 0;
done:
	str_clear(&t->hdr);
	t->hdr_over = 0;
	str_free(&val);
	return r;
}

/* Adds a header line (or a piece of one) to the held header section. */
static int
header_add(struct to7bit *t, struct str *out, const char *p, size_t n,
    int complete)
{
	if (has8(p, n))
		t->hdr8 = 1;
	if (!t->hdr_over && t->hdr.len + n + 1 > TO7BIT_HDR_MAX) {
		/* Too long to hold: out as it is, entity unconverted. */
		t->hdr_over = 1;
		if (out_put(t, out, t->hdr.s, t->hdr.len) < 0)
			return -1;
		str_clear(&t->hdr);
	}
	if (t->hdr_over)
		return out_put(t, out, p, n) < 0 ||
		    (complete && out_put(t, out, "\n", 1) < 0) ? -1 : 0;
	if (str_append(&t->hdr, p, n) < 0 ||
	    (complete && str_appendc(&t->hdr, '\n') < 0))
		return -1;
	return 0;
}

/* ---------------------------------------------------------------- lines */

/*
 * Whether line[0..n) is a boundary of an open multipart: returns its
 * level + 1 (0 if none) and sets *close_r for a closing one.  The
 * innermost match wins; a match further out closes the inner levels.
 */
static size_t
boundary_match(const struct to7bit *t, const char *p, size_t n, int *close_r)
{
	size_t k, bl, i;

	if (n < 3 || p[0] != '-' || p[1] != '-')
		return 0;
	for (k = t->depth; k > 0; k--) {
		bl = t->stack[k - 1].len;
		if (n < 2 + bl || memcmp(p + 2, t->stack[k - 1].b, bl) != 0)
			continue;
		i = 2 + bl;
		*close_r = 0;
		if (n - i >= 2 && p[i] == '-' && p[i + 1] == '-') {
			*close_r = 1;
			i += 2;
		}
		while (i < n && is_ws(p[i]))
			i++;
		if (i == n)
			return k;
	}
	return 0;
}

static int
body_piece(struct to7bit *t, struct str *out, const char *p, size_t n,
    int complete)
{
	size_t i, start;

	if (t->scan) {
		if (has8(p, n)) {
			t->body8 = 1;
			if (t->state == S_BODY && t->leaf < TO7BIT_PARTS_MAX)
				t->parts8[t->leaf / 8] |=
				    (unsigned char)(1u << (t->leaf % 8));
		}
		return 0;
	}
	if (t->state == S_BODY && t->conv) {
		if (qp_encode(out, p, n, 0) < 0)
			return -1;
		return str_appendz(out, complete ? "\n" : "=\n");
	}
	if (t->state == S_TEXT && has8(p, n)) {
		/* A preamble or epilogue: no reader shows it. */
		t->converted = 1;
		for (start = i = 0; i < n; i++) {
			if ((unsigned char)p[i] < 0x80)
				continue;
			if (out_put(t, out, p + start, i - start) < 0 ||
			    str_appendc(out, '?') < 0)
				return -1;
			start = i + 1;
		}
		p += start;
		n -= start;
	}
	if (out_put(t, out, p, n) < 0 ||
	    (complete && out_put(t, out, "\n", 1) < 0))
		return -1;
	return 0;
}

/*
 * One line, or one piece of a long one: cont says it continues a piece
 * already handled, complete that the line ends here.
 */
static int
piece(struct to7bit *t, struct str *out, const char *p, size_t n, int cont,
    int complete)
{
	size_t lvl;
	int close = 0;

	if (!cont && complete && t->depth > 0 &&
	    (lvl = boundary_match(t, p, n, &close)) > 0) {
		/* An unfinished header ends here (a part without body). */
		if (t->state == S_HDR && header_done(t, out, 0) < 0)
			return -1;
		t->conv = 0;
		if (close) {
			t->depth = lvl - 1;
			t->state = S_TEXT;
			t->is_message = 0;
		} else {
			t->depth = lvl;
			t->state = S_HDR;
			t->is_message = 0;
		}
		/* Fewer levels now: the boundary is the enclosing one's. */
		if (out_put(t, out, p, n) < 0 || out_put(t, out, "\n", 1) < 0)
			return -1;
		return 0;
	}
	if (t->state == S_HDR) {
		if (!cont && complete && n == 0)
			return header_done(t, out, 1);
		return header_add(t, out, p, n, complete);
	}
	return body_piece(t, out, p, n, complete);
}

static int
flush_line(struct to7bit *t, struct str *out, int complete)
{
	size_t n = t->linelen, keep = 0;

	if (complete) {
		if (n > 0 && t->line[n - 1] == '\r')
			n--;
	} else if (n > 0 && t->line[n - 1] == '\r') {
		/* It may be the CR of a CRLF: kept for the next piece. */
		n--;
		keep = 1;
	}
	if (piece(t, out, t->line, n, t->cont, complete) < 0)
		return -1;
	t->cont = !complete;
	if (keep) {
		t->line[0] = '\r';
		t->linelen = 1;
	} else {
		t->linelen = 0;
	}
	return 0;
}

int
to7bit_feed(struct to7bit *t, const void *in, size_t n, struct str *out)
{
	const char *p = in, *nl;
	size_t k;

	while (n > 0) {
		nl = memchr(p, '\n', n);
		k = nl != NULL ? (size_t)(nl - p) : n;
		if (k > sizeof(t->line) - t->linelen)
			k = sizeof(t->line) - t->linelen;
		memcpy(t->line + t->linelen, p, k);
		t->linelen += k;
		p += k;
		n -= k;
		if (n > 0 && *p == '\n') {
			p++;
			n--;
			if (flush_line(t, out, 1) < 0)
				return -1;
		} else if (t->linelen == sizeof(t->line)) {
			if (flush_line(t, out, 0) < 0)
				return -1;
		}
	}
	return 0;
}

int
to7bit_end(struct to7bit *t, struct str *out)
{
	if ((t->linelen > 0 || t->cont) && flush_line(t, out, 1) < 0)
		return -1;
	if (t->state == S_HDR) {
		/* A message that is all header. */
		if (!t->scan && !t->hdr_over &&
		    out_put(t, out, t->hdr.s, t->hdr.len) < 0)
			return -1;
		str_clear(&t->hdr);
	}
	return 0;
}
