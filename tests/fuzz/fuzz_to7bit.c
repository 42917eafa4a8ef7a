/*
 * libFuzzer target for lib/to7bit: scan, then convert the input whole
 * and split at a point taken from its first byte; both outputs must be
 * the same, and an input without 8-bit bytes or declared 8bit/binary
 * parts must come out as it went in (line ends aside).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "to7bit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct to7bit t;

static void
run(const uint8_t *data, size_t size, size_t split, const unsigned char *p8,
    struct str *out)
{
	to7bit_init(&t, 0);
	memcpy(t.parts8, p8, sizeof(t.parts8));
	if (to7bit_feed(&t, data, split, out) < 0 ||
	    to7bit_feed(&t, data + split, size - split, out) < 0 ||
	    to7bit_end(&t, out) < 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char p8[sizeof(t.parts8)];
	struct str a = STR_INIT, b = STR_INIT;
	size_t split = size > 0 ? data[0] * size / 256 : 0, i, n8 = 0;

	to7bit_init(&t, 1);
	if (to7bit_feed(&t, data, size, NULL) < 0 || to7bit_end(&t, NULL) < 0)
		abort();
	memcpy(p8, t.parts8, sizeof(p8));
	run(data, size, size, p8, &a);
	run(data, size, split, p8, &b);
	if (a.len != b.len || (a.len > 0 && memcmp(a.s, b.s, a.len) != 0))
		abort();
	for (i = 0; i < size; i++)
		n8 += data[i] >= 0x80;
	if (n8 == 0 && !t.converted && a.len > size + 1)
		abort();
	str_free(&a);
	str_free(&b);
	to7bit_free(&t);
	return 0;
}
