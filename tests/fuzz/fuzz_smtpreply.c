/*
 * libFuzzer target for lib/smtpreply: the input is split into lines and
 * fed as a server's replies; every complete reply has a code in range,
 * a one-line form without line ends, and EHLO keywords that parse.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtpreply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct smtp_reply *r)
{
	struct smtp_ehlo e;
	struct str s = STR_INIT;

	if (r->code < 200 || r->code > 599 || r->nlines == 0)
		abort();
	if (smtp_reply_oneline(r, &s) == 0) {
		if (s.len < 3 || memchr(s.s, '\n', s.len) != NULL ||
		    memchr(s.s, '\r', s.len) != NULL)
			abort();
	}
	if (smtp_ehlo_parse(r, &e) == 0 && strlen(e.auth) >= sizeof(e.auth))
		abort();
	str_free(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_reply r = { 0 };
	const char *p = (const char *)data, *end = p + size, *nl;
	size_t n;
	int rc;

	smtp_reply_init(&r);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		rc = smtp_reply_line(&r, p, n);
		if (rc == 1) {
			check(&r);
			smtp_reply_init(&r);
		} else if (rc < 0) {
			smtp_reply_init(&r);
		}
		p += n;
	}
	smtp_reply_free(&r);
	return 0;
}
