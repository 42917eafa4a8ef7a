/*
 * libFuzzer target for lib/rfc5322: the fields hdr_next returns tile the
 * header section exactly (each starts where the last ended, the body
 * starts where hdr_end says), every slice lies inside the input, and
 * unfolding never fails but for memory.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rfc5322.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	size_t end = hdr_end(p, size), off = 0;
	struct hdr_iter it;
	struct hdr_field f;
	struct str u = STR_INIT;
	int r;

	if (end > size)
		abort();
	hdr_iter_init(&it, p, size);
	while ((r = hdr_next(&it, &f)) == 1) {
		if (f.raw != p + off || f.rawlen == 0 || off + f.rawlen > end)
			abort();
		if (f.value < f.raw || f.value + f.valuelen > f.raw + f.rawlen)
			abort();
		if (!f.bad && (f.name != f.raw || f.namelen == 0 ||
		    f.namelen > HDR_NAME_MAX || memchr(f.name, ':', f.namelen)))
			abort();
		off += f.rawlen;
		str_clear(&u);
		if (hdr_unfold(f.value, f.valuelen, &u, 1) < 0 ||
		    memchr(u.s ? u.s : "", '\n', u.len) != NULL)
			abort();
	}
	if (r == 0 && it.body_off != end)
		abort();
	if (r == -1 && errno != E2BIG)
		abort();
	str_free(&u);
	return 0;
}
