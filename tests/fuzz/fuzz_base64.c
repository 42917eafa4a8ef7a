/*
 * libFuzzer target for lib/base64.
 *
 * The input is decoded in both modes, once in one call and once in chunks
 * whose sizes come from the input; the two must agree.  Strict decoding
 * must fail exactly when lenient decoding reports damage, and otherwise
 * give the same bytes.  Then the input is encoded (line width and line
 * ends chosen from a hash of it), the encoding must have the promised
 * shape, and it must decode strictly, whole and in chunks, to the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
must(int cond)
{
	if (!cond)
		abort();
}

static int
same(const struct str *a, const struct str *b)
{
	return a->len == b->len &&
	    (a->len == 0 || memcmp(a->s, b->s, a->len) == 0);
}

/* FNV-1a, to draw choices from the input. */
static uint32_t
hash(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/*
 * Decodes in chunks of 0 to 16 bytes; each size comes from the byte the
 * chunk starts at, mixed with seed.
 */
static int
decode_split(const uint8_t *p, size_t len, unsigned flags, uint32_t seed,
    struct str *out)
{
	struct b64dec st;
	size_t off = 0, n;

	b64dec_init(&st, flags);
	while (off < len) {
		n = (size_t)((p[off] ^ seed) % 17);
		seed = seed * 1103515245u + 12345u;
		if (n > len - off)
			n = len - off;
		if (b64dec_update(&st, p + off, n, out) < 0)
			return -1;
		off += n;
		if (n == 0) {
			/* An empty chunk is legal; then take one byte. */
			if (b64dec_update(&st, p + off, 1, out) < 0)
				return -1;
			off++;
		}
	}
	return b64dec_final(&st, out);
}

/* The sextet a character stands for, or -1. */
static int
sextet(uint8_t c)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p;

	if (c == '\0' || (p = strchr(abc, c)) == NULL)
		return -1;
	return (int)(p - abc);
}

static int
blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * A plain restatement of lenient decoding, to compare with: the sextets
 * before the first '=' as a bit string, whole bytes kept.  Returns 1 for
 * damage, else 0.
 */
static int
reference(const uint8_t *p, size_t len, struct str *out)
{
	uint32_t acc = 0;
	size_t i, n = 0, bits = 0;
	int v, damaged = 0;

	for (i = 0; i < len && p[i] != '='; i++) {
		if ((v = sextet(p[i])) >= 0) {
			acc = (acc << 6 | (uint32_t)v) & 0xffffff;
			n++;
			if ((bits += 6) >= 8) {
				bits -= 8;
				must(str_appendc(out,
				    (char)(acc >> bits)) == 0);
			}
		} else if (!blank(p[i])) {
			damaged = 1;
		}
	}
	/* Unused bits must be zero; one lone sextet is no byte at all. */
	if (n % 4 == 1 || (acc & ((1u << bits) - 1)) != 0)
		damaged = 1;
	if (i == len) {
		/* No padding: only a whole number of quanta is clean. */
		return damaged || n % 4 != 0;
	}
	/* Padding: "xx==" or "xxx=", then nothing but white space. */
	if (n % 4 < 2)
		damaged = 1;
	i++;
	if (n % 4 == 2) {
		while (i < len && blank(p[i]))
			i++;
		if (i == len || p[i] != '=')
			damaged = 1;
		else
			i++;
	}
	for (; i < len; i++)
		if (!blank(p[i]))
			damaged = 1;
	return damaged;
}

/* Checks line widths and line ends of an encoding. */
static void
check_encoded(const struct str *e, size_t len, size_t wrap, int crlf)
{
	size_t i, col = 0, nchar = 0;

	for (i = 0; i < e->len; i++) {
		char c = e->s[i];

		if (c == '\r') {
			must(crlf && i + 1 < e->len && e->s[i + 1] == '\n');
			continue;
		}
		if (c == '\n') {
			must(wrap > 0 && col == wrap);
			must(!crlf || (i > 0 && e->s[i - 1] == '\r'));
			col = 0;
			continue;
		}
		col++;
		nchar++;
		must(wrap == 0 || col <= wrap);
	}
	must(nchar == (len + 2) / 3 * 4);
	must(e->len == 0 || col > 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t wraps[] = { 0, 76, 64, 4, 1, 5, 3, 77 };
	struct str whole = STR_INIT, part = STR_INIT, strict = STR_INIT;
	struct str enc = STR_INIT;
	uint32_t h = hash(data, size);
	size_t wrap = wraps[h % 8];
	int crlf = (h >> 3) & 1;
	int r, rl, rs;

	/* Lenient: one call and chunks agree; only memory can fail. */
	rl = b64_decode(data, size, &whole, 0);
	must(rl == 0 || rl == 1);
	r = decode_split(data, size, 0, h, &part);
	must(r == rl && same(&part, &whole));
	must(whole.len <= size / 4 * 3 + 2);
	str_clear(&part);
	must(reference(data, size, &part) == rl && same(&part, &whole));

	/* Strict: the same, and it fails exactly on damage. */
	rs = b64_decode(data, size, &strict, B64_STRICT);
	must(rs == 0 || rs == -1);
	must((rs == -1) == (rl == 1));
	if (rs == 0)
		must(same(&strict, &whole));
	must(rs == 0 || strict.len == 0);
	str_clear(&part);
	r = decode_split(data, size, B64_STRICT, h >> 5, &part);
	must(r == rs);
	if (rs == 0)
		must(same(&part, &whole));

	/* Encode, then decode strictly: the input again. */
	must(b64_encode(&enc, data, size, wrap, crlf ? B64_CRLF : 0) == 0);
	check_encoded(&enc, size, wrap, crlf);
	str_clear(&whole);
	must(b64_decode(enc.s, enc.len, &whole, B64_STRICT) == 0);
	must(whole.len == size &&
	    (size == 0 || memcmp(whole.s, data, size) == 0));
	str_clear(&part);
	must(decode_split((const uint8_t *)enc.s, enc.len, B64_STRICT, h,
		 &part) == 0);
	must(same(&part, &whole));

	str_free(&whole);
	str_free(&part);
	str_free(&strict);
	str_free(&enc);
	return 0;
}
