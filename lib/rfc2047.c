/*
 * RFC 2047 encoded words: see rfc2047.h.
 */
#include <errno.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "qp.h"
#include "rfc2047.h"

static const char repl[] = "\xef\xbf\xbd"; /* U+FFFD */

/* Length of the valid UTF-8 sequence at p[0..n), 0 if none. */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	size_t need, i;
	unsigned c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 2;
	else if (c >= 0xe0 && c <= 0xef)
		need = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 4;
	else
		return 0;
	if (n < need)
		return 0;
	for (i = 1; i < need; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if (c == 0xe0 && p[1] < 0xa0)
		return 0;
	if (c == 0xed && p[1] > 0x9f)
		return 0;
	if (c == 0xf0 && p[1] < 0x90)
		return 0;
	if (c == 0xf4 && p[1] > 0x8f)
		return 0;
	return need;
}

/* Appends in as UTF-8, replacing invalid sequences; 1 if it did. */
static int
utf8_clean(const char *in, size_t len, struct str *out)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, n;
	int damaged = 0;

	while (i < len) {
		n = utf8_seq(p + i, len - i);
		if (n == 0) {
			if (str_append(out, repl, 3) == -1)
				return -1;
			damaged = 1;
			i++;
			continue;
		}
		if (str_append(out, p + i, n) == -1)
			return -1;
		i += n;
	}
	return damaged;
}

static int
is_utf8_name(const char *cs)
{
	return strcasecmp(cs, "utf-8") == 0 || strcasecmp(cs, "utf8") == 0 ||
	    strcasecmp(cs, "us-ascii") == 0 || strcasecmp(cs, "ascii") == 0;
}

int
charset_to_utf8(const char *cs, const char *in, size_t len, struct str *out)
{
	size_t old = out->len, inleft, outleft, room;
	char *ip, *op;
	iconv_t cd;
	int damaged = 0, r;

	if (is_utf8_name(cs)) {
		r = utf8_clean(in, len, out);
		if (r == -1)
			str_truncate(out, old);
		return r;
	}
	cd = iconv_open("UTF-8", cs);
	if (cd == (iconv_t)-1)
		return 2;
	ip = (char *)(uintptr_t)in;
	inleft = len;
	while (inleft > 0) {
		room = inleft < 1024 ? 4 * inleft + 16 : 4096;
		if (str_reserve(out, room) == -1)
			goto fail;
		op = out->s + out->len;
		outleft = room;
		if (iconv(cd, &ip, &inleft, &op, &outleft) == (size_t)-1) {
			out->len = (size_t)(op - out->s);
			out->s[out->len] = '\0';
			if (errno == E2BIG)
				continue;
			/* EILSEQ, or EINVAL (truncated at the end). */
			if (str_append(out, repl, 3) == -1)
				goto fail;
			damaged = 1;
			ip++;
			inleft--;
			iconv(cd, NULL, NULL, NULL, NULL);
			continue;
		}
		out->len = (size_t)(op - out->s);
		out->s[out->len] = '\0';
	}
	/* Flush a stateful encoding's shift sequence. */
	if (str_reserve(out, 16) == -1)
		goto fail;
	op = out->s + out->len;
	outleft = 16;
	if (iconv(cd, NULL, NULL, &op, &outleft) != (size_t)-1) {
		out->len = (size_t)(op - out->s);
		out->s[out->len] = '\0';
	}
	iconv_close(cd);
	return damaged;
fail:
	iconv_close(cd);
	str_truncate(out, old);
	errno = ENOMEM;
	return -1;
}

/* A token character of RFC 2047 (charset, encoding). */
static int
is_tokch(unsigned char c)
{
	if (c <= 32 || c >= 127)
		return 0;
	return strchr("()<>@,;:\"/[]?.=", c) == NULL || c == '.';
}

struct word {
	size_t len;		 /* of the whole "=?...?=" */
	char cs[RFC2047_CHARSET_MAX + 1];
	char enc;		 /* 'B' or 'Q' */
	const char *text;
	size_t textlen;
};

/* Recognises an encoded word at p[0..n); returns 1 and fills w, or 0. */
static int
scan_word(const char *p, size_t n, struct word *w)
{
	size_t i = 2, cs, star = 0, t;

	if (n < 8 || p[0] != '=' || p[1] != '?')
		return 0;
	cs = i;
	while (i < n && is_tokch((unsigned char)p[i]) && p[i] != '*')
		i++;
	if (i < n && p[i] == '*') {
		star = i;
		i++;
		while (i < n && is_tokch((unsigned char)p[i]))
			i++;
	}
	if (i >= n || p[i] != '?')
		return 0;
	t = (star ? star : i) - cs;
	if (t == 0 || t > RFC2047_CHARSET_MAX)
		return 0;
	memcpy(w->cs, p + cs, t);
	w->cs[t] = '\0';
	i++;
	if (i + 1 >= n || p[i + 1] != '?')
		return 0;
	w->enc = p[i] == 'b' || p[i] == 'B' ? 'B' :
	    p[i] == 'q' || p[i] == 'Q' ? 'Q' : 0;
	if (w->enc == 0)
		return 0;
	i += 2;
	w->text = p + i;
	for (; i + 1 < n; i++) {
		if (p[i] == '?' && p[i + 1] == '=') {
			w->textlen = (size_t)(p + i - w->text);
			w->len = i + 2;
			return 1;
		}
		if ((unsigned char)p[i] <= 32 || (unsigned char)p[i] >= 127)
			return 0;
	}
	return 0;
}

/* Decodes a word's text into raw bytes appended to bytes; 1 if damaged. */
static int
word_bytes(const struct word *w, struct str *bytes)
{
	struct str tmp = STR_INIT;
	size_t i;
	int r;

	if (w->enc == 'B')
		return b64_decode(w->text, w->textlen, bytes, 0);
	/* Q: '_' is a space; written "=20" so qp never trims it. */
	for (i = 0; i < w->textlen; i++) {
		r = w->text[i] == '_' ? str_append(&tmp, "=20", 3) :
		    str_appendc(&tmp, w->text[i]);
		if (r == -1) {
			str_free(&tmp);
			return -1;
		}
	}
	r = qp_decode(tmp.s == NULL ? "" : tmp.s, tmp.len, bytes, 0);
	str_free(&tmp);
	return r;
}

struct dec {
	struct str pend;	/* bytes of adjacent words in one charset */
	char cs[RFC2047_CHARSET_MAX + 1];
	struct str pendraw;	/* those words as they came */
	int damaged;
};

static int
flush(struct dec *d, struct str *out)
{
	int r;

	if (d->pendraw.len == 0)
		return 0;
	r = charset_to_utf8(d->cs, d->pend.s == NULL ? "" : d->pend.s,
	    d->pend.len, out);
	if (r == -1)
		return -1;
	if (r == 2) {
		/* Unknown charset: the words as they came. */
		if (str_append(out, d->pendraw.s, d->pendraw.len) == -1)
			return -1;
		r = 1;
	}
	if (r)
		d->damaged = 1;
	str_clear(&d->pend);
	str_clear(&d->pendraw);
	return 0;
}

int
rfc2047_decode(const char *in, size_t len, struct str *out)
{
	struct dec d;
	struct word w;
	size_t old = out->len, i = 0, j, k, ws;
	int r, prev_word = 0;

	memset(&d, 0, sizeof(d));
	while (i < len) {
		if (in[i] == '=' && scan_word(in + i, len - i, &w)) {
			if (!prev_word || strcasecmp(w.cs, d.cs) != 0) {
				if (flush(&d, out) == -1)
					goto fail;
				memcpy(d.cs, w.cs, sizeof(d.cs));
			}
			r = word_bytes(&w, &d.pend);
			if (r == -1 || str_append(&d.pendraw, in + i, w.len) == -1)
				goto fail;
			if (r)
				d.damaged = 1;
			i += w.len;
			prev_word = 1;
			/* White space up to another encoded word is dropped. */
			for (j = i; j < len && (in[j] == ' ' || in[j] == '\t' ||
			    in[j] == '\r' || in[j] == '\n'); j++)
				;
			if (j > i && j < len && in[j] == '=' &&
			    scan_word(in + j, len - j, &w))
				i = j;
			continue;
		}
		if (flush(&d, out) == -1)
			goto fail;
		prev_word = 0;
		/* Copy a run of ordinary text, minus line ends. */
		for (k = i + 1; k < len && in[k] != '='; k++)
			;
		for (ws = i; ws < k; ws++) {
			if (in[ws] == '\n' || (in[ws] == '\r' && ws + 1 < len &&
			    in[ws + 1] == '\n'))
				continue;
			if (str_appendc(out, in[ws]) == -1)
				goto fail;
		}
		i = k;
	}
	if (flush(&d, out) == -1)
		goto fail;
	str_free(&d.pend);
	str_free(&d.pendraw);
	return d.damaged;
fail:
	str_free(&d.pend);
	str_free(&d.pendraw);
	str_truncate(out, old);
	errno = ENOMEM;
	return -1;
}
