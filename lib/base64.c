#include "base64.h"

#include <errno.h>
#include <stdint.h>

enum {
	B64D_DATA, /* reading sextets */
	B64D_PAD,  /* saw "xx=", one more '=' is due */
	B64D_END,  /* the padding is complete: only white space may follow */
	B64D_FAIL  /* strict mode found an error */
};

static const char b64_alphabet[65] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Returns the sextet a base64 character stands for, or -1. */
static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static int
b64_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Where encoded characters go, and when to break the line. */
struct b64w {
	char *o;
	size_t col, wrap;
	int crlf;
};

static void
b64w_put(struct b64w *w, char c)
{
	if (w->wrap > 0 && w->col == w->wrap) {
		if (w->crlf)
			*w->o++ = '\r';
		*w->o++ = '\n';
		w->col = 0;
	}
	*w->o++ = c;
	w->col++;
}

int
b64_encode(struct str *out, const void *in, size_t len, size_t wrap,
    unsigned flags)
{
	const unsigned char *p = in;
	size_t nchar, nbreak, eol, total, i;
	struct b64w w;
	uint32_t v;

	if ((flags & ~B64_CRLF) != 0) {
		errno = EINVAL;
		return -1;
	}
	nchar = len / 3 + (len % 3 != 0);
	if (nchar > SIZE_MAX / 4) {
		errno = EOVERFLOW;
		return -1;
	}
	nchar *= 4;
	eol = (flags & B64_CRLF) != 0 ? 2 : 1;
	/* A break goes before every character that starts a new line. */
	nbreak = wrap > 0 && nchar > 0 ? (nchar - 1) / wrap : 0;
	if (nbreak > (SIZE_MAX - nchar) / eol) {
		errno = EOVERFLOW;
		return -1;
	}
	total = nchar + nbreak * eol;
	if (total == 0)
		return 0;
	if (str_reserve(out, total) < 0)
		return -1;

	w.o = out->s + out->len;
	w.col = 0;
	w.wrap = wrap;
	w.crlf = (flags & B64_CRLF) != 0;
	for (i = 0; len - i >= 3; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		b64w_put(&w, b64_alphabet[v >> 18]);
		b64w_put(&w, b64_alphabet[v >> 12 & 0x3f]);
		b64w_put(&w, b64_alphabet[v >> 6 & 0x3f]);
		b64w_put(&w, b64_alphabet[v & 0x3f]);
	}
	if (len - i == 1) {
		v = (uint32_t)p[i] << 16;
		b64w_put(&w, b64_alphabet[v >> 18]);
		b64w_put(&w, b64_alphabet[v >> 12 & 0x3f]);
		b64w_put(&w, '=');
		b64w_put(&w, '=');
	} else if (len - i == 2) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		b64w_put(&w, b64_alphabet[v >> 18]);
		b64w_put(&w, b64_alphabet[v >> 12 & 0x3f]);
		b64w_put(&w, b64_alphabet[v >> 6 & 0x3f]);
		b64w_put(&w, '=');
	}
	out->len += total;
	out->s[out->len] = '\0';
	return 0;
}

void
b64dec_init(struct b64dec *st, unsigned flags)
{
	st->acc = 0;
	st->nsext = 0;
	st->state = B64D_DATA;
	st->strict = (flags & B64_STRICT) != 0;
	st->damaged = 0;
}

/*
 * Records irregular input: an error in strict mode (the state fails for
 * good), a note in lenient mode.
 */
static int
b64dec_bad(struct b64dec *st)
{
	if (st->strict) {
		st->state = B64D_FAIL;
		errno = EINVAL;
		return -1;
	}
	st->damaged = 1;
	return 0;
}

/*
 * Handles one '=' (o is the output cursor).  Padding is legal after two
 * sextets ("xx==") or three ("xxx="); it ends the data.
 */
static int
b64dec_pad(struct b64dec *st, unsigned char **o)
{
	uint32_t a = st->acc;

	switch (st->state) {
	case B64D_DATA:
		if (st->nsext < 2) {
			/* "=" or "x=" at a quantum start: nothing to pad. */
			if (b64dec_bad(st) < 0)
				return -1;
			st->state = B64D_END;
		} else if (st->nsext == 2) {
			if ((a & 0xf) != 0 && b64dec_bad(st) < 0)
				return -1;
			*(*o)++ = (unsigned char)(a >> 4);
			st->state = B64D_PAD;
		} else {
			if ((a & 0x3) != 0 && b64dec_bad(st) < 0)
				return -1;
			*(*o)++ = (unsigned char)(a >> 10);
			*(*o)++ = (unsigned char)(a >> 2);
			st->state = B64D_END;
		}
		st->acc = 0;
		st->nsext = 0;
		return 0;
	case B64D_PAD:
		st->state = B64D_END;
		return 0;
	default:
		/* A third '=', or one after "xxx=". */
		return b64dec_bad(st);
	}
}

int
b64dec_update(struct b64dec *st, const void *in, size_t len,
    struct str *out)
{
	const unsigned char *p = in;
	unsigned char *o, *o0;
	size_t i;
	int v, r = 0;

	if (st->state == B64D_FAIL) {
		errno = EINVAL;
		return -1;
	}
	if (len == 0 || (st->state == B64D_END && !st->strict))
		goto rest;
	/*
	 * Room for everything this call can produce, so nothing below can
	 * fail for memory: with at most 3 sextets pending, len characters
	 * complete at most len / 4 + 1 quanta of 3 bytes, and padding adds
	 * at most 2 bytes.
	 */
	if (str_reserve(out, len / 4 * 3 + 6) < 0)
		return -1;
	o = o0 = (unsigned char *)out->s + out->len;
	for (i = 0; i < len; i++) {
		unsigned char c = p[i];

		if ((v = b64_value(c)) >= 0) {
			if (st->state != B64D_DATA) {
				/* Data after the padding: lenient stops. */
				if ((r = b64dec_bad(st)) < 0)
					break;
				st->state = B64D_END;
				continue;
			}
			st->acc = st->acc << 6 | (uint32_t)v;
			if (++st->nsext == 4) {
				*o++ = (unsigned char)(st->acc >> 16);
				*o++ = (unsigned char)(st->acc >> 8);
				*o++ = (unsigned char)st->acc;
				st->acc = 0;
				st->nsext = 0;
			}
		} else if (c == '=') {
			if ((r = b64dec_pad(st, &o)) < 0)
				break;
		} else if (!b64_space(c)) {
			if ((r = b64dec_bad(st)) < 0)
				break;
		}
	}
	out->len += (size_t)(o - o0);
	out->s[out->len] = '\0';
	return r;

rest:
	/*
	 * Lenient mode past the end of the data: nothing more is decoded,
	 * but anything other than white space is damage.
	 */
	for (i = 0; i < len && !st->damaged; i++)
		if (!b64_space(p[i]))
			st->damaged = 1;
	return 0;
}

int
b64dec_final(struct b64dec *st, struct str *out)
{
	uint32_t a = st->acc;

	if (st->state == B64D_FAIL) {
		errno = EINVAL;
		return -1;
	}
	if (st->state == B64D_DATA && st->nsext > 0) {
		/* Truncated final quantum: keep what whole bytes it holds. */
		if (b64dec_bad(st) < 0)
			return -1;
		if (st->nsext > 1 && str_reserve(out, 2) < 0)
			return -1;
		if (st->nsext == 2) {
			out->s[out->len++] = (char)(unsigned char)(a >> 4);
		} else if (st->nsext == 3) {
			out->s[out->len++] = (char)(unsigned char)(a >> 10);
			out->s[out->len++] = (char)(unsigned char)(a >> 2);
		}
		if (out->s != NULL)
			out->s[out->len] = '\0';
	} else if (st->state == B64D_PAD) {
		/* "xx=" without its second '='. */
		if (b64dec_bad(st) < 0)
			return -1;
	}
	st->acc = 0;
	st->nsext = 0;
	st->state = B64D_END;
	return st->damaged ? 1 : 0;
}

int
b64_decode(const void *in, size_t len, struct str *out, unsigned flags)
{
	struct b64dec st;
	size_t len0 = out->len;
	int r;

	b64dec_init(&st, flags);
	if (b64dec_update(&st, in, len, out) < 0 ||
	    (r = b64dec_final(&st, out)) < 0) {
		str_truncate(out, len0);
		return -1;
	}
	return r;
}
