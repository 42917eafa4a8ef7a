/*
 * libFuzzer target for lib/smtpdata.  The first byte picks the mode and
 * the piece size; the input is fed whole and in pieces, and both must
 * agree.  The output never holds a CR, is never longer than the input,
 * and DATA ends only right after CRLF "." CRLF.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtpdata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run(const char *in, size_t n, size_t step, enum smtp_data_mode mode,
    char *out, size_t *outlen_r, size_t *used_r, unsigned *errs_r)
{
	struct smtp_data d;
	size_t off = 0, o = 0;
	int r = 0;

	smtp_data_init(&d, mode, 16);
	while (off < n) {
		size_t take = n - off < step ? n - off : step, ol, used;

		r = smtp_data_feed(&d, in + off, take, out + o, &ol, &used);
		if (ol > take || used > take)
			abort();
		o += ol;
		off += used;
		if (r != 0)
			break;
		if (used != take)
			abort();
	}
	*outlen_r = o;
	*used_r = off;
	*errs_r = d.errs;
	if (d.out != o || d.in != off)
		abort();
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum smtp_data_mode mode;
	size_t step, ol1, ol2, u1, u2;
	unsigned e1, e2;
	char *in, *o1, *o2;
	int r1, r2;

	if (size < 1)
		return 0;
	mode = (data[0] & 1) ? SMTP_DATA_RAW : SMTP_DATA_DOT;
	step = (size_t)(data[0] >> 1) + 1;
	size--;
	in = malloc(size ? size : 1);
	o1 = malloc(size ? size : 1);
	o2 = malloc(size ? size : 1);
	if (in == NULL || o1 == NULL || o2 == NULL)
		abort();
	memcpy(in, data + 1, size);
	r1 = run(in, size, size ? size : 1, mode, o1, &ol1, &u1, &e1);
	r2 = run(in, size, step, mode, o2, &ol2, &u2, &e2);
	if (r1 != r2 || ol1 != ol2 || u1 != u2 || e1 != e2 ||
	    memcmp(o1, o2, ol1) != 0)
		abort();
	if (memchr(o1, '\r', ol1) != NULL || ol1 > u1)
		abort();
	if (r1 == 1 && (mode == SMTP_DATA_RAW || u1 < 3 ||
	    memcmp(in + u1 - 3, ".\r\n", 3) != 0 ||
	    (u1 > 3 && memcmp(in + u1 - 5, "\r\n", 2) != 0)))
		abort();
	free(in);
	free(o1);
	free(o2);
	return 0;
}
