/*
 * libFuzzer target for lib/imapparse.  The first byte chooses what is
 * fuzzed:
 *   0  the reader, fed in pieces whose sizes come from the input, each
 *      literal kept, taken or refused as the input says; every framed
 *      command that is not bad is parsed, and the argument tree checked;
 *   1  the parser on the bytes as they are;
 *   2  sequence sets: parse, resolve, and every range ordered, merged,
 *      inside 1..2^32-1 (or 0 for '*' in an empty mailbox);
 *   3  modified UTF-7: whatever decodes encodes back to the same bytes,
 *      whatever encodes decodes back; names checked;
 *   4  dates and date-times.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imapparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_args(const struct imap_arg *a, size_t n, unsigned depth)
{
	size_t i;

	if (depth > IMAP_DEPTH_MAX + 1)
		abort();
	for (i = 0; i < n; i++) {
		switch (a[i].type) {
		case IMAP_ARG_LIST:
			check_args(a[i].list, a[i].nlist, depth + 1);
			break;
		case IMAP_ARG_ATOM:
			if (a[i].len == 0 || memchr(a[i].s, '\0', a[i].len) ||
			    (memchr(a[i].s, ' ', a[i].len) && !memchr(a[i].s,
				'[', a[i].len)))
				abort();
			__attribute__((fallthrough));
		case IMAP_ARG_QUOTED:
		case IMAP_ARG_LITERAL:
			if (a[i].s[a[i].len] != '\0')
				abort();
			break;
		case IMAP_ARG_LITERAL_TAKEN:
			break;
		default:
			abort();
		}
	}
}

static void
parse(const char *s, size_t n)
{
	struct imap_cmd c;
	const char *why = NULL;

	imap_cmd_init(&c);
	if (imap_cmd_parse(&c, s, n, &why) == 0) {
		if (c.tag[0] == '\0' || c.name[0] == '\0')
			abort();
		check_args(c.args, c.nargs, 0);
	} else if (why == NULL || (errno != EINVAL && errno != ENOMEM)) {
		abort();
	}
	imap_cmd_free(&c);
}

static void
reader(const uint8_t *d, size_t n)
{
	struct imap_reader r;
	size_t off = 0, k = 0;
	char tag[IMAP_TAG_MAX + 1];

	imap_reader_init(&r);
	while (off < n) {
		size_t step = (size_t)(d[k++ % n] % 17) + 1, used;
		int rc;

		if (step > n - off)
			step = n - off;
		rc = imap_reader_feed(&r, d + off, step, &used);
		if (used > step)
			abort();
		off += used;
		if (rc == IMAPR_LITERAL) {
			switch (d[k++ % n] % 3) {
			case 0:
				if (imap_reader_literal_keep(&r) == 0)
					break;
				__attribute__((fallthrough));
			case 1:
				imap_reader_literal_refuse(&r, "refused");
				break;
			default:
				imap_reader_literal_take(&r);
				/* the caller reads the bytes itself */
				off += r.lit_size < n - off ?
				    (size_t)r.lit_size : n - off;
				break;
			}
		} else if (rc == IMAPR_COMMAND) {
			imap_reader_tag(&r, tag);
			if (strlen(tag) > IMAP_TAG_MAX)
				abort();
			if (r.bad && r.why == NULL)
				abort();
			if (!r.bad) {
				if (r.buf.len > IMAP_CMD_MAX + IMAP_LITERAL_MAX)
					abort();
				parse(r.buf.s, r.buf.len);
			}
		} else if (rc == IMAPR_CLOSE) {
			if (r.why == NULL)
				abort();
			break;
		} else if (rc != IMAPR_MORE) {
			abort();
		}
	}
	imap_reader_free(&r);
}

static void
seqset(const char *s, size_t n)
{
	struct imap_seqset set;
	const char *why = NULL;
	size_t i;
	uint32_t max = n > 0 ? (uint32_t)(unsigned char)s[0] * 1000u : 0;

	imap_seqset_init(&set);
	if (imap_seqset_parse(&set, s, n, &why) == 0) {
		imap_seqset_resolve(&set, max);
		for (i = 0; i < set.n; i++) {
			if (set.r[i].lo > set.r[i].hi)
				abort();
			if (i > 0 && set.r[i].lo <= set.r[i - 1].hi + 1ull)
				abort();
			if (!imap_seqset_contains(&set, set.r[i].lo) ||
			    !imap_seqset_contains(&set, set.r[i].hi))
				abort();
		}
	} else if (why == NULL) {
		abort();
	}
	imap_seqset_free(&set);
}

static void
utf7(const char *s, size_t n)
{
	struct str a = STR_INIT, b = STR_INIT;
	const char *why;

	if (imap_utf7_decode(s, n, &a) == 0) {
		if (imap_utf7_encode(a.s ? a.s : "", a.len, &b) != 0 ||
		    b.len != n || memcmp(b.s ? b.s : "", s, n) != 0)
			abort();
	}
	str_clear(&a);
	str_clear(&b);
	if (imap_utf7_encode(s, n, &a) == 0) {
		if (imap_utf7_decode(a.s ? a.s : "", a.len, &b) != 0 ||
		    b.len != n || memcmp(b.s ? b.s : "", s, n) != 0)
			abort();
	}
	(void)imap_mailbox_check(s, n, '.', &why);
	str_free(&a);
	str_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	size_t n;
	time_t t;
	char buf[64];

	if (size == 0)
		return 0;
	n = size - 1;
	s = malloc(n ? n : 1);
	if (s == NULL)
		return 0;
	memcpy(s, data + 1, n);
	switch (data[0] % 5) {
	case 0:
		reader((const uint8_t *)s, n);
		break;
	case 1:
		parse(s, n);
		break;
	case 2:
		seqset(s, n);
		break;
	case 3:
		utf7(s, n);
		break;
	default:
		if (imap_date_parse(s, n, &t) == 0)
			imap_datetime_format(t, buf, sizeof buf);
		if (imap_datetime_parse(s, n, &t) == 0)
			imap_datetime_format(t, buf, sizeof buf);
		break;
	}
	free(s);
	return 0;
}
