/*
 * libFuzzer target for lib/sasl: an answer line is checked, decoded and
 * taken apart as PLAIN and as CRAM-MD5; whatever comes back lies inside
 * the decoded answer, and a PLAIN user and secret hold no NUL.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sasl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
inside(const struct sasl_cred *c, const char *p, size_t n)
{
	if (c->user < p || c->user + c->ulen > p + n || c->secret < p ||
	    c->secret + c->slen > p + n)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct str dec = STR_INIT;
	struct sasl_cred c;
	const char *why;
	size_t len;

	if (sasl_line(in, size, &len) == 0) {
		if (len > size)
			abort();
		if (sasl_decode(in, len, &dec) == 0) {
			const char *p = dec.s ? dec.s : "";

			if (sasl_plain(p, dec.len, &c, &why) == 0) {
				inside(&c, p, dec.len);
				if (memchr(c.user, '\0', c.ulen) ||
				    memchr(c.secret, '\0', c.slen))
					abort();
			}
			if (sasl_cram(p, dec.len, &c) == 0) {
				inside(&c, p, dec.len);
				if (c.slen != 32)
					abort();
			}
		} else if (errno != EINVAL && errno != ENOMEM) {
			abort();
		}
	} else if (errno != E2BIG && errno != EILSEQ) {
		abort();
	}
	/* the raw bytes as a decoded answer too */
	if (sasl_plain(in, size, &c, &why) == 0)
		inside(&c, in, size);
	if (sasl_cram(in, size, &c) == 0)
		inside(&c, in, size);
	str_free(&dec);
	return 0;
}
