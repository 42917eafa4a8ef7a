/*
 * libFuzzer target for queued's state-file and envelope parsers.  The
 * input is parsed as a state file; every delivery it yields must format
 * back to records that parse to the same delivery.  The input is also
 * parsed as a spool envelope, whose strings must lie inside the input.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qstate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_state(const char *buf, size_t size)
{
	struct qstate qs, back;
	struct str out = STR_INIT;

	errno = 0;
	if (qstate_parse(buf, size, &qs, NULL) != 0) {
		if (errno != EINVAL && errno != ENOMEM)
			abort();
		qstate_free(&qs);
		return;
	}
	if (qstate_fmt_header(&out, qs.created) != 0)
		abort();
	for (size_t i = 0; i < qs.n; i++) {
		const struct qrcpt *r = &qs.r[i];

		if (r->kind > QK_ERROR || r->state > QS_PERM)
			abort();
		if (qstate_fmt_rcpt(&out, (unsigned)i, r->orig, r->kind,
		    r->addr, r->target) != 0)
			abort();
	}
	for (size_t i = 0; i < qs.n; i++) {
		const struct qrcpt *r = &qs.r[i];
		enum qresult res = r->state == QS_OK ? QRES_OK :
		    r->state == QS_PENDING ? QRES_TEMP :
		    r->expired ? QRES_EXPIRED : QRES_PERM;

		if (r->attempts > 0 && qstate_fmt_result(&out, (unsigned)i,
		    r->last, res, r->next, r->mta, r->diag) != 0)
			abort();
	}
	if (qstate_parse(out.s, out.len, &back, NULL) != 0 || back.torn ||
	    back.n != qs.n || back.created != qs.created)
		abort();
	for (size_t i = 0; i < qs.n; i++) {
		if (strcmp(back.r[i].addr, qs.r[i].addr) != 0 ||
		    back.r[i].kind != qs.r[i].kind ||
		    back.r[i].orig != qs.r[i].orig ||
		    back.r[i].state != qs.r[i].state ||
		    back.r[i].next != qs.r[i].next ||
		    (qs.r[i].kind != QK_ERROR &&
		    strcmp(back.r[i].target, qs.r[i].target) != 0))
			abort();
	}
	qstate_free(&back);
	qstate_free(&qs);
	str_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct qenv e;

	check_state(buf, size);
	errno = 0;
	if (qenv_parse(buf, size, &e) == 0) {
		if (e.n == 0 || e.sender < buf || e.sender >= buf + size)
			abort();
		for (size_t i = 0; i < e.n; i++)
			if (e.r[i].addr < buf || e.r[i].addr >= buf + size ||
			    e.r[i].addr[0] == '\0')
				abort();
		qenv_free(&e);
	} else if (errno != EINVAL && errno != ENOTSUP && errno != ENOMEM) {
		abort();
	}
	return 0;
}
