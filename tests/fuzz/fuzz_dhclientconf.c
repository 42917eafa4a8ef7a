/*
 * libFuzzer target for lib/dhclientconf.  The input is a dhclient.conf.
 * A refusal must carry a reason and a position inside the input; an
 * accepted file must satisfy the invariants dhcpc relies on.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhclientconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dcc_conf c;
	struct dcc_err err;
	size_t i, j, lines = 1;

	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	dcc_defaults(&c);
	if (dcc_parse((const char *)data, size, &c, &err) != 0) {
		if (err.msg[0] == '\0' || err.line < 1 || err.line > lines ||
		    err.col < 1)
			abort();
		return 0;
	}
	if (c.nset > DCC_MAX_SET || c.nreject > DCC_MAX_REJECT ||
	    c.nlease > DCC_MAX_LEASES || c.nrequest > 255 ||
	    c.nrequire > 255 || c.retry < 1 || c.initial_interval < 1 ||
	    c.backoff_cutoff < 1)
		abort();
	if (c.script[0] != 0 &&
	    (c.script[0] != '/' || memchr(c.script, 0, sizeof c.script) == NULL))
		abort();
	for (i = 0; i < c.nset; i++) {
		const struct dcc_val *v = &c.set[i];

		if (v->len > sizeof v->v || v->code == 53 || v->code == 54 ||
		    (v->len == 0 && !v->hostname) ||
		    dcc_find(&c, v->code, (enum dcc_mode)v->mode) != v)
			abort();
	}
	for (i = 0; i < c.nreject; i++)
		if ((c.reject[i].net & ~c.reject[i].mask) != 0 ||
		    !dcc_rejected(&c, c.reject[i].net))
			abort();
	for (i = 0; i < c.nlease; i++) {
		if (c.lease[i].nopts > DCC_MAX_LEASE_OPTS ||
		    memchr(c.lease[i].ifname, 0, sizeof c.lease[i].ifname) ==
			NULL)
			abort();
		for (j = 0; j < c.lease[i].nopts; j++)
			if (c.lease[i].opts[j].len == 0 ||
			    c.lease[i].opts[j].len > 255)
				abort();
	}
	return 0;
}
