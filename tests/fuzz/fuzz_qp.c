/*
 * libFuzzer target for lib/qp.
 *
 * The input is decoded in both modes, once in one call and once in chunks
 * whose sizes come from the input; the two must agree.  Strict decoding
 * must fail exactly when lenient decoding reports damage, and otherwise
 * give the same bytes; decoding never makes input longer.  Then the input
 * is encoded in binary and in text mode (line ends chosen from a hash of
 * it); the encoding must have the promised shape and decode strictly,
 * whole and in chunks, to the input (in text mode, with its line ends
 * made the chosen kind).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qp.h"
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
	struct qpdec st;
	size_t off = 0, n;

	qpdec_init(&st, flags);
	while (off < len) {
		n = (size_t)((p[off] ^ seed) % 17);
		seed = seed * 1103515245u + 12345u;
		if (n > len - off)
			n = len - off;
		if (qpdec_update(&st, p + off, n, out) < 0)
			return -1;
		off += n;
		if (n == 0) {
			/* An empty chunk is legal; then take one byte. */
			if (qpdec_update(&st, p + off, 1, out) < 0)
				return -1;
			off++;
		}
	}
	return qpdec_final(&st, out);
}

static int
hexdigit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

static int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Tells whether a line ends at p[k]: end of input, LF or CRLF. */
static int
eol_at(const uint8_t *p, size_t len, size_t k)
{
	return k == len || p[k] == '\n' ||
	    (p[k] == '\r' && k + 1 < len && p[k + 1] == '\n');
}

/*
 * A plain restatement of lenient decoding, looking ahead in the whole
 * input instead of holding state.  Returns 1 for damage, 0 if clean, -1
 * when the input has a white-space run too long for it to model (the
 * decoder's QP_WS_MAX bound).
 */
static int
reference(const uint8_t *p, size_t len, struct str *out)
{
	size_t i = 0, j;
	int damaged = 0, hi, lo;

	while (i < len) {
		if (p[i] == ' ' || p[i] == '\t') {
			j = i;
			while (j < len && (p[j] == ' ' || p[j] == '\t'))
				j++;
			if (j - i >= QP_WS_MAX)
				return -1;
			/* Kept unless it ends the line. */
			if (!eol_at(p, len, j))
				must(str_append(out, p + i, j - i) == 0);
			i = j;
		} else if (p[i] == '=') {
			if (len - i > 2 && (hi = hexval(p[i + 1])) >= 0 &&
			    (lo = hexval(p[i + 2])) >= 0) {
				must(str_appendc(out,
				    (char)(hi << 4 | lo)) == 0);
				i += 3;
				continue;
			}
			j = i + 1;
			while (j < len && (p[j] == ' ' || p[j] == '\t'))
				j++;
			if (j - i > QP_WS_MAX)
				return -1;
			if (j < len && p[j] == '\n') {
				i = j + 1;
			} else if (j < len && eol_at(p, len, j)) {
				i = j + 2;
			} else {
				/* Malformed: keep the '=', read on. */
				damaged = 1;
				must(str_appendc(out, '=') == 0);
				i++;
			}
		} else if (p[i] == '\r' && eol_at(p, len, i) && i + 1 < len) {
			must(str_append(out, "\r\n", 2) == 0);
			i += 2;
		} else {
			must(str_appendc(out, (char)p[i]) == 0);
			i++;
		}
	}
	return damaged;
}

/*
 * Checks the shape of an encoding: printable ASCII, space and tab between
 * line ends of the chosen kind; lines at most QP_LINE_MAX; no white space
 * ending a line; '=' only before two hex digits or a line end.
 */
static void
check_encoded(const struct str *e, int crlf)
{
	size_t i, col = 0;
	unsigned char c;

	for (i = 0; i < e->len; i++) {
		c = (unsigned char)e->s[i];
		if (c == '\r') {
			must(crlf && i + 1 < e->len && e->s[i + 1] == '\n');
			continue;
		}
		if (c == '\n') {
			must(!crlf || (i > 0 && e->s[i - 1] == '\r'));
			col = 0;
			continue;
		}
		must((c >= ' ' && c < 0x7f) || c == '\t');
		if (c == ' ' || c == '\t')
			must(i + 1 < e->len && e->s[i + 1] != '\r' &&
			    e->s[i + 1] != '\n');
		if (c == '=' && i + 1 < e->len && e->s[i + 1] != '\r' &&
		    e->s[i + 1] != '\n')
			must(i + 2 < e->len && hexdigit(e->s[i + 1]) &&
			    hexdigit(e->s[i + 2]));
		must(c != '=' || i + 1 < e->len);
		must(++col <= QP_LINE_MAX);
	}
}

/* Encodes with flags and checks that strict decoding gives want. */
static void
roundtrip(const uint8_t *data, size_t size, unsigned flags,
    const struct str *want, uint32_t seed)
{
	struct str enc = STR_INIT, dec = STR_INIT;

	must(qp_encode(&enc, data, size, flags) == 0);
	check_encoded(&enc, (flags & QP_CRLF) != 0);
	must(qp_decode(enc.s, enc.len, &dec, QP_STRICT) == 0);
	must(same(&dec, want));
	str_clear(&dec);
	must(decode_split((const uint8_t *)enc.s, enc.len, QP_STRICT, seed,
		 &dec) == 0);
	must(same(&dec, want));
	str_free(&enc);
	str_free(&dec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str whole = STR_INIT, part = STR_INIT, strict = STR_INIT;
	struct str want = STR_INIT;
	uint32_t h = hash(data, size);
	int crlf = h & 1;
	const char *eol = crlf ? "\r\n" : "\n";
	size_t i;
	int r, rl, rs;

	/* Lenient: one call and chunks agree; only memory can fail. */
	rl = qp_decode(data, size, &whole, 0);
	must(rl == 0 || rl == 1);
	r = decode_split(data, size, 0, h, &part);
	must(r == rl && same(&part, &whole));
	must(whole.len <= size);
	str_clear(&part);
	r = reference(data, size, &part);
	if (r >= 0)
		must(r == rl && same(&part, &whole));

	/* Strict: the same, and it fails exactly on damage. */
	rs = qp_decode(data, size, &strict, QP_STRICT);
	must(rs == 0 || rs == -1);
	must((rs == -1) == (rl == 1));
	if (rs == 0)
		must(same(&strict, &whole));
	must(rs == 0 || strict.len == 0);
	str_clear(&part);
	r = decode_split(data, size, QP_STRICT, h >> 5, &part);
	must(r == rs);
	if (rs == 0)
		must(same(&part, &whole));

	/* Binary round trip: exactly the input. */
	str_clear(&want);
	must(str_append(&want, data, size) == 0);
	roundtrip(data, size, QP_BINARY | (crlf ? QP_CRLF : 0), &want, h);

	/* Text round trip: the input with its line ends made eol. */
	str_clear(&want);
	for (i = 0; i < size; i++) {
		if (data[i] == '\r' && i + 1 < size && data[i + 1] == '\n')
			continue;
		if (data[i] == '\n')
			must(str_appendz(&want, eol) == 0);
		else
			must(str_appendc(&want, (char)data[i]) == 0);
	}
	roundtrip(data, size, crlf ? QP_CRLF : 0, &want, h >> 7);

	str_free(&whole);
	str_free(&part);
	str_free(&strict);
	str_free(&want);
	return 0;
}
