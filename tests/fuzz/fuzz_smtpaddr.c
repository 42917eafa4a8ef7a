/*
 * libFuzzer target for lib/smtpaddr.  The first byte picks the flags;
 * the rest is a MAIL or RCPT argument.  Accepted addresses must obey the
 * limits and hold no byte a path cannot hold.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtpaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_addr(const struct smtp_addr *a, unsigned flags)
{
	if (a->len > SMTP_ADDR_MAX || a->domain > a->len ||
	    a->local_len > SMTP_LOCAL_MAX || strlen(a->addr) != a->len)
		abort();
	for (size_t i = 0; i < a->len; i++) {
		unsigned char ch = (unsigned char)a->addr[i];

		if (ch <= ' ' ? !(a->quoted && ch == ' ') : ch == 127)
			abort();
		if (ch >= 0x80 && !(flags & SMTP_ADDR_UTF8))
			abort();
	}
	if (a->utf8 && !smtp_utf8_valid(a->addr, a->len))
		abort();
	if (!a->null && !a->postmaster &&
	    (a->domain == 0 || a->addr[a->domain - 1] != '@'))
		abort();
	/* Re-parsing the mailbox gives the same mailbox. */
	if (!a->null && !a->postmaster) {
		char buf[SMTP_ADDR_MAX + 3];
		struct smtp_addr b;
		size_t used;

		buf[0] = '<';
		memcpy(buf + 1, a->addr, a->len);
		buf[a->len + 1] = '>';
		if (smtp_path_parse(buf, a->len + 2, flags, &b, &used) != 0 ||
		    used != a->len + 2 || strcmp(a->addr, b.addr) != 0 ||
		    strcmp(a->local, b.local) != 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_addr a;
	struct smtp_mail_params mp;
	struct smtp_rcpt_params rp;
	const char *what;
	unsigned flags;
	size_t used;
	char *copy;

	if (size < 1)
		return 0;
	flags = data[0] & 7u;
	copy = malloc(size - 1 ? size - 1 : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data + 1, size - 1);
	if (smtp_path_parse(copy, size - 1, flags, &a, &used) == 0) {
		if (used > size - 1 || used > SMTP_PATH_MAX)
			abort();
		check_addr(&a, flags);
	}
	if (smtp_mail_parse(copy, size - 1, flags, &a, &mp, &what) == 0) {
		check_addr(&a, flags | (mp.smtputf8 ? SMTP_ADDR_UTF8 : 0u));
		if (strlen(mp.envid) > SMTP_ENVID_MAX ||
		    !smtp_xtext_valid(mp.envid, strlen(mp.envid)))
			abort();
	}
	if (smtp_rcpt_parse(copy, size - 1, (int)(flags & 1), &a, &rp,
	    &what) == 0) {
		check_addr(&a, flags & 1);
		if (strlen(rp.orcpt) > SMTP_ORCPT_MAX || rp.notify > 15)
			abort();
	}
	free(copy);
	return 0;
}
