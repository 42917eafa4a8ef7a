#include "qp.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

enum {
	QPD_TEXT, /* inside a line; ws[] may hold white space */
	QPD_CR,	  /* the same, then a CR that may begin a CRLF */
	QPD_EQ,	  /* "=" */
	QPD_EQ1,  /* "=X", X a hex digit (in hex) */
	QPD_EQWS, /* "=" and white space (in ws[]) */
	QPD_EQCR, /* "=", maybe white space (in ws[]), and CR */
	QPD_FAIL  /* strict mode found an error */
};

static const char qp_hexdigits[17] = "0123456789ABCDEF";

static int
qp_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int
qp_ws(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* Bytes that end a run of plain text in the decoder. */
static int
qp_special(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '=';
}

/*
 * Tells whether position k of the input ends a line: the end of the
 * input, or (text mode) an LF or a CRLF.
 */
static int
qp_lineend(const unsigned char *p, size_t len, size_t k, int binary)
{
	if (k == len)
		return 1;
	if (binary)
		return 0;
	if (p[k] == '\n')
		return 1;
	return p[k] == '\r' && len - k > 1 && p[k + 1] == '\n';
}

int
qp_encode(struct str *out, const void *in, size_t len, unsigned flags)
{
	const unsigned char *p = in;
	const char *eol = (flags & QP_CRLF) != 0 ? "\r\n" : "\n";
	size_t eollen = (flags & QP_CRLF) != 0 ? 2 : 1;
	size_t len0 = out->len, col = 0, i, n = 0, t, limit;
	int binary = (flags & QP_BINARY) != 0, lit, atend;
	unsigned char c;
	/* Output is staged here; one input byte adds at most 6 bytes. */
	char buf[512];

	if ((flags & ~(QP_CRLF | QP_BINARY)) != 0) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (n > sizeof(buf) - 8) {
			if (str_append(out, buf, n) < 0)
				goto fail;
			n = 0;
		}
		c = p[i];
		if (!binary && (c == '\n' || (c == '\r' && len - i > 1 &&
						 p[i + 1] == '\n'))) {
			/* A hard line break, in the caller's convention. */
			if (c == '\r')
				i++;
			memcpy(buf + n, eol, eollen);
			n += eollen;
			col = 0;
			continue;
		}
		/*
		 * White space is safe unless it would end a line, where a
		 * transport may strip it (rule 3).  Before a soft break it is
		 * safe: the '=' follows it.
		 */
		atend = qp_lineend(p, len, i + 1, binary);
		lit = (c > ' ' && c < 0x7f && c != '=') || (qp_ws(c) && !atend);
		t = lit ? 1 : 3;
		/* The last item of a line may use the column a '=' would. */
		limit = atend ? QP_LINE_MAX : QP_LINE_MAX - 1;
		if (col + t > limit) {
			buf[n++] = '=';
			memcpy(buf + n, eol, eollen);
			n += eollen;
			col = 0;
		}
		if (lit) {
			buf[n++] = (char)c;
		} else {
			buf[n++] = '=';
			buf[n++] = qp_hexdigits[c >> 4];
			buf[n++] = qp_hexdigits[c & 0xf];
		}
		col += t;
	}
	if (n > 0 && str_append(out, buf, n) < 0)
		goto fail;
	return 0;

fail:
	str_truncate(out, len0);
	return -1;
}

void
qpdec_init(struct qpdec *st, unsigned flags)
{
	st->state = QPD_TEXT;
	st->strict = (flags & QP_STRICT) != 0;
	st->damaged = 0;
	st->hex = 0;
	st->nws = 0;
}

/*
 * Records malformed input: an error in strict mode (the state fails for
 * good), a note in lenient mode.
 */
static int
qpdec_bad(struct qpdec *st)
{
	if (st->strict) {
		st->state = QPD_FAIL;
		errno = EINVAL;
		return -1;
	}
	st->damaged = 1;
	return 0;
}

/* Copies the held-back white space to o; returns the new cursor. */
static unsigned char *
qpdec_flushws(struct qpdec *st, unsigned char *o)
{
	memcpy(o, st->ws, st->nws);
	o += st->nws;
	st->nws = 0;
	return o;
}

int
qpdec_update(struct qpdec *st, const void *in, size_t len,
    struct str *out)
{
	const unsigned char *p = in;
	unsigned char *o, *o0, c;
	size_t i = 0, j;
	int r = 0, v;

	if (st->state == QPD_FAIL) {
		errno = EINVAL;
		return -1;
	}
	if (len == 0)
		return 0;
	/*
	 * Room for everything this call can produce, so nothing below can
	 * fail for memory.  Each output byte stands for at least one input
	 * byte, either of this call or held from before: the white space
	 * and at most two more ('=' and a hex digit, or '=' and CR).
	 */
	if (len > SIZE_MAX - QP_WS_MAX - 3) {
		errno = EOVERFLOW;
		return -1;
	}
	if (str_reserve(out, len + st->nws + 3) < 0)
		return -1;
	o = o0 = (unsigned char *)out->s + out->len;
	/*
	 * Each state either consumes p[i] or moves to a state that will;
	 * QPD_TEXT always consumes, so the loop ends.
	 */
	while (i < len) {
		c = p[i];
		switch (st->state) {
		case QPD_TEXT:
			if (qp_ws(c)) {
				if (st->nws == QP_WS_MAX) {
					/* Bound the memory: let it through. */
					if ((r = qpdec_bad(st)) < 0)
						goto done;
					o = qpdec_flushws(st, o);
				}
				st->ws[st->nws++] = (char)c;
				i++;
			} else if (c == '\r') {
				st->state = QPD_CR;
				i++;
			} else if (c == '\n') {
				/* Hard break: the white space was trailing. */
				st->nws = 0;
				*o++ = '\n';
				i++;
			} else {
				o = qpdec_flushws(st, o);
				if (c == '=') {
					st->state = QPD_EQ;
					i++;
					break;
				}
				j = i + 1;
				while (j < len && !qp_special(p[j]))
					j++;
				memcpy(o, p + i, j - i);
				o += j - i;
				i = j;
			}
			break;
		case QPD_CR:
			if (c == '\n') {
				st->nws = 0;
				*o++ = '\r';
				*o++ = '\n';
				i++;
			} else {
				/* A lone CR is data; c is read again. */
				o = qpdec_flushws(st, o);
				*o++ = '\r';
			}
			st->state = QPD_TEXT;
			break;
		case QPD_EQ:
			if (qp_hexval(c) >= 0) {
				st->hex = c;
				st->state = QPD_EQ1;
				i++;
			} else if (qp_ws(c)) {
				/* ws[] is empty: it was flushed before '='. */
				st->ws[st->nws++] = (char)c;
				st->state = QPD_EQWS;
				i++;
			} else if (c == '\r') {
				st->state = QPD_EQCR;
				i++;
			} else if (c == '\n') {
				/* Soft line break. */
				st->state = QPD_TEXT;
				i++;
			} else {
				/* Keep the '=' and read c again. */
				if ((r = qpdec_bad(st)) < 0)
					goto done;
				*o++ = '=';
				st->state = QPD_TEXT;
			}
			break;
		case QPD_EQ1:
			if ((v = qp_hexval(c)) >= 0) {
				v |= qp_hexval(st->hex) << 4;
				*o++ = (unsigned char)v;
				i++;
			} else {
				if ((r = qpdec_bad(st)) < 0)
					goto done;
				*o++ = '=';
				*o++ = st->hex;
			}
			st->state = QPD_TEXT;
			break;
		case QPD_EQWS:
			if (qp_ws(c) && st->nws < QP_WS_MAX) {
				st->ws[st->nws++] = (char)c;
				i++;
			} else if (c == '\r') {
				st->state = QPD_EQCR;
				i++;
			} else if (c == '\n') {
				st->nws = 0;
				st->state = QPD_TEXT;
				i++;
			} else {
				/*
				 * Not a soft break: keep the '=', the white
				 * space stays held back as in any line, and c
				 * is read again.
				 */
				if ((r = qpdec_bad(st)) < 0)
					goto done;
				*o++ = '=';
				st->state = QPD_TEXT;
			}
			break;
		case QPD_EQCR:
			if (c == '\n') {
				st->nws = 0;
				st->state = QPD_TEXT;
				i++;
			} else {
				/* "=", white space, lone CR: keep all three. */
				if ((r = qpdec_bad(st)) < 0)
					goto done;
				*o++ = '=';
				st->state = QPD_CR;
			}
			break;
		default:
			errno = EINVAL;
			r = -1;
			goto done;
		}
	}
done:
	out->len += (size_t)(o - o0);
	out->s[out->len] = '\0';
	return r;
}

int
qpdec_final(struct qpdec *st, struct str *out)
{
	unsigned char *o, *o0;

	switch (st->state) {
	case QPD_TEXT:
	case QPD_CR:
		break;
	case QPD_EQ:
	case QPD_EQ1:
	case QPD_EQWS:
	case QPD_EQCR:
		/* An '=' sequence cut short by the end of the input. */
		if (qpdec_bad(st) < 0)
			return -1;
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	if (str_reserve(out, st->nws + 3) < 0)
		return -1;
	o = o0 = (unsigned char *)out->s + out->len;
	switch (st->state) {
	case QPD_CR:
		o = qpdec_flushws(st, o);
		*o++ = '\r';
		break;
	case QPD_EQ:
	case QPD_EQWS:
		/* The white space after the '=' ends the input: dropped. */
		*o++ = '=';
		break;
	case QPD_EQ1:
		*o++ = '=';
		*o++ = st->hex;
		break;
	case QPD_EQCR:
		*o++ = '=';
		o = qpdec_flushws(st, o);
		*o++ = '\r';
		break;
	default:
		/* Trailing white space at the end of the input: dropped. */
		break;
	}
	st->nws = 0;
	st->state = QPD_TEXT;
	out->len += (size_t)(o - o0);
	out->s[out->len] = '\0';
	return st->damaged ? 1 : 0;
}

int
qp_decode(const void *in, size_t len, struct str *out, unsigned flags)
{
	struct qpdec st;
	size_t len0 = out->len;
	int r;

	qpdec_init(&st, flags);
	if (qpdec_update(&st, in, len, out) < 0 ||
	    (r = qpdec_final(&st, out)) < 0) {
		str_truncate(out, len0);
		return -1;
	}
	return r;
}
