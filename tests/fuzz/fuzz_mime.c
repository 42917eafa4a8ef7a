/*
 * libFuzzer target for lib/mime.
 *
 * The input is a message.  It is parsed and the tree must hold together
 * (every range inside the buffer and inside its parent, the header
 * followed by the body, counts that fit); BODYSTRUCTURE, BODY and every
 * ENVELOPE render; a set of section specs (and one taken from the input)
 * resolve to ranges inside the buffer.  The same message with its LF line
 * ends made CRLF must give byte-identical BODYSTRUCTURE and ENVELOPE
 * strings, and its ranges must be as long as the LF ranges' vlen.  Every
 * part's body decoded in one call and in chunks (sizes from the input)
 * gives the same UTF-8, and a needle taken from that output is found in
 * it.  The input fed to the parser in chunks (sizes from the input) gives
 * the same tree as in one piece.  It is also read as an address list.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
must(int cond)
{
	if (!cond)
		abort();
}

static void
check_tree(const struct mime_msg *m, size_t len)
{
	size_t i, c, n;

	must(m->nparts >= 1 && m->nparts <= MIME_PARTS_MAX);
	for (i = 0; i < m->nparts; i++) {
		const struct mime_part *p = &m->parts[i];

		must(p->hdr_off + p->hdr_len == p->body_off);
		must(p->body_off <= len && p->body_len <= len - p->body_off);
		must(p->hdr_vlen >= p->hdr_len && p->body_vlen >= p->body_len);
		must(p->body_lines <= p->body_len);
		must(p->depth <= MIME_DEPTH_MAX);
		n = 0;
		for (c = p->child; c != MIME_NONE; c = m->parts[c].next) {
			must(c > i && c < m->nparts);
			must(m->parts[c].parent == i);
			must(m->parts[c].hdr_off >= p->body_off);
			must(m->parts[c].body_off + m->parts[c].body_len <=
			    p->body_off + p->body_len);
			n++;
		}
		must(n == p->nchildren);
		must(p->kind != MIME_MESSAGE || n == 1);
		must(p->kind != MIME_LEAF || n == 0);
	}
}

static void
render(const struct mime_msg *m, struct str *out)
{
	size_t i;

	str_clear(out);
	must(mime_bodystructure(m, 0, 1, out) == 0);
	must(mime_bodystructure(m, 0, 0, out) == 0);
	for (i = 0; i < m->nparts; i++)
		if (m->parts[i].is_message)
			must(mime_envelope(m, i, out) == 0);
}

static const char *const specs[] = { "", "HEADER", "TEXT", "HEADER.FIELDS",
	"1", "1.MIME", "1.HEADER", "1.TEXT", "1.1", "1.2", "2", "2.MIME",
	"2.1.HEADER", "1.1.1", "1.2.3.4", "3.1.TEXT", "1.1.1.1.MIME" };

/* Decodes part i in one call and in chunks; both must agree. */
static void
decode(const struct mime_msg *m, const uint8_t *buf, size_t i, uint32_t seed,
    struct str *a, struct str *b)
{
	const struct mime_part *p = &m->parts[i];
	struct mime_decoder d;
	struct mime_match mm;
	size_t off = 0, n;
	int ra, rb;

	str_clear(a);
	str_clear(b);
	must(mime_decoder_init(&d, m, i) == 0);
	must(mime_decoder_update(&d, buf + p->body_off, p->body_len, a) == 0);
	ra = mime_decoder_final(&d, a);
	mime_decoder_free(&d);
	must(mime_decoder_init(&d, m, i) == 0);
	while (off < p->body_len) {
		n = 1 + (seed >> 3) % 13;
		seed = seed * 1103515245u + 12345u;
		if (n > p->body_len - off)
			n = p->body_len - off;
		must(mime_decoder_update(&d, buf + p->body_off + off, n, b) ==
		    0);
		off += n;
	}
	rb = mime_decoder_final(&d, b);
	mime_decoder_free(&d);
	must(ra >= 0 && ra == rb);
	must(a->len == b->len && (a->len == 0 ||
	    memcmp(a->s, b->s, a->len) == 0));
	/* A needle cut from the output at a character boundary is found. */
	if (a->len > 0) {
		size_t s = seed % a->len, e;

		while (s > 0 && ((unsigned char)a->s[s] & 0xc0) == 0x80)
			s--;
		e = s + 1 + (seed >> 8) % 8;
		if (e > a->len)
			e = a->len;
		while (e < a->len && ((unsigned char)a->s[e] & 0xc0) == 0x80)
			e++;
		must(mime_match_init(&mm, a->s + s, e - s) == 0);
		must(mime_match_update(&mm, a->s, a->len) == 1);
		mime_match_free(&mm);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_msg m = MIME_MSG_INIT, mc = MIME_MSG_INIT;
	struct mime_range r, rc;
	struct str o1 = STR_INIT, o2 = STR_INIT, crlf = STR_INIT;
	size_t i, n;
	uint32_t seed = 2166136261u;
	char spec[32];

	if (size > 65536)
		return 0;
	for (i = 0; i < size && i < 64; i++)
		seed = (seed ^ data[i]) * 16777619u;
	must(mime_parse(&m, data, size) == 0);
	check_tree(&m, size);
	render(&m, &o1);

	/* Fed in chunks: the same tree. */
	{
		struct mime_parser *p;
		uint32_t sd = seed;
		size_t off = 0;

		must(mime_parser_init(&p, &mc) == 0);
		while (off < size) {
			n = 1 + (sd >> 5) % 97;
			sd = sd * 1103515245u + 12345u;
			if (n > size - off)
				n = size - off;
			must(mime_parser_feed(p, data + off, n) == 0);
			off += n;
		}
		must(mime_parser_finish(&p) == 0);
		must(mc.nparts == m.nparts && mc.nparams == m.nparams &&
		    mc.pool.len == m.pool.len && mc.flags == m.flags);
		must(memcmp(mc.parts, m.parts, m.nparts * sizeof *m.parts) == 0);
		must(m.nparams == 0 || memcmp(mc.params, m.params,
		    m.nparams * sizeof *m.params) == 0);
		must(m.pool.len == 0 || memcmp(mc.pool.s, m.pool.s,
		    m.pool.len) == 0);
	}

	/* The same message with CRLF line ends. */
	for (i = 0; i < size; i++) {
		if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r'))
			must(str_appendc(&crlf, '\r') == 0);
		must(str_appendc(&crlf, (char)data[i]) == 0);
	}
	must(mime_parse(&mc, crlf.s ? crlf.s : "", crlf.len) == 0);
	check_tree(&mc, crlf.len);
	render(&mc, &o2);
	must(o1.len == o2.len && (o1.len == 0 ||
	    memcmp(o1.s, o2.s, o1.len) == 0));

	for (i = 0; i <= sizeof specs / sizeof specs[0]; i++) {
		const char *sp = i < sizeof specs / sizeof specs[0] ? specs[i] :
								      spec;

		if (i == sizeof specs / sizeof specs[0]) {
			/* A spec from the input's first bytes. */
			n = size < sizeof spec - 1 ? size : sizeof spec - 1;
			memcpy(spec, data, n);
			spec[n] = '\0';
		}
		if (mime_section(&m, sp, strlen(sp), &r) < 0) {
			must(mime_section(&mc, sp, strlen(sp), &rc) < 0);
			continue;
		}
		must(r.off <= size && r.len <= size - r.off && r.vlen >= r.len);
		must(mime_section(&mc, sp, strlen(sp), &rc) == 0);
		must(rc.kind == r.kind && rc.len == r.vlen && rc.vlen == r.vlen);
		must((rc.part == MIME_NONE) == (r.part == MIME_NONE));
	}

	for (i = 0; i < m.nparts && i < 64; i++)
		decode(&m, data, i, seed + (uint32_t)i, &o1, &o2);

	str_clear(&o1);
	must(mime_addr_imap((const char *)data, size, &o1) == 0);
	must(o1.len >= 3);

	mime_free(&m);
	mime_free(&mc);
	str_free(&o1);
	str_free(&o2);
	str_free(&crlf);
	return 0;
}
