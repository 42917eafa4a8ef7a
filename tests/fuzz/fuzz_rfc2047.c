/*
 * libFuzzer target for lib/rfc2047: decoding never fails but for memory,
 * stays within three times the input, and never leaves a line end.
 * The first byte picks a charset for charset_to_utf8 on the rest.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rfc2047.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const cs[] = { "utf-8", "iso-8859-1", "windows-1252",
		"ISO-2022-JP", "shift_jis", "x-unknown", "UTF-16", "koi8-r" };
	struct str out = STR_INIT;
	int r;

	if (size == 0)
		return 0;
	r = rfc2047_decode((const char *)data + 1, size - 1, &out);
	if (r < 0 || r > 1 || out.len > 3 * (size - 1) + 3)
		abort();
	str_clear(&out);
	r = charset_to_utf8(cs[data[0] % 8], (const char *)data + 1, size - 1,
	    &out);
	if (r < 0 || r > 2 || (r == 2 && out.len != 0))
		abort();
	str_free(&out);
	return 0;
}
