#include "dsn.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "date.h"

#define TEXT_MAX 1000 /* bytes of one diagnostic put in the report */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
dsn_xtext_decode(const char *z, struct str *out)
{
	str_clear(out);
	while (*z != '\0') {
		unsigned char c = (unsigned char)*z;

		if (c == '+') {
			int hi = hexval(z[1]), lo = hi < 0 ? -1 : hexval(z[2]);

			if (lo < 0) {
				errno = EINVAL;
				return -1;
			}
			if (str_appendc(out, (char)(hi * 16 + lo)) < 0)
				return -1;
			z += 3;
			continue;
		}
		if (c < 0x21 || c > 0x7e || c == '=') {
			errno = EINVAL;
			return -1;
		}
		if (str_appendc(out, (char)c) < 0)
			return -1;
		z++;
	}
	return 0;
}

/* Appends text with control bytes (CR, LF, ...) as spaces, cut. */
static int
put_clean(struct str *out, const char *z)
{
	for (size_t i = 0; z != NULL && z[i] != '\0' && i < TEXT_MAX; i++) {
		char c = z[i];

		if ((unsigned char)c < 0x20 || c == 0x7f)
			c = ' ';
		if (str_appendc(out, c) < 0)
			return -1;
	}
	return 0;
}

/*
 * An xtext value decoded when it decodes to printable ASCII, else as it
 * is (xtext is printable ASCII itself).
 */
static int
put_xtext(struct str *out, const char *z)
{
	struct str d = STR_INIT;
	int r;

	if (dsn_xtext_decode(z, &d) == 0) {
		int clean = 1;

		for (size_t i = 0; i < d.len; i++)
			if ((unsigned char)d.s[i] < 0x20 ||
			    (unsigned char)d.s[i] > 0x7e)
				clean = 0;
		if (clean && d.len > 0) {
			r = str_append(out, d.s, d.len);
			str_free(&d);
			return r;
		}
	}
	str_free(&d);
	return put_clean(out, z);
}

static int
is_code(const char *p, char cls)
{
	/* class "." 1*3digit "." 1*3digit, then a space or the end */
	size_t i = 2, n;

	if ((cls != 0 && p[0] != cls) || (p[0] != '2' && p[0] != '4' &&
	    p[0] != '5') || p[1] != '.')
		return 0;
	for (int part = 0; part < 2; part++) {
		for (n = 0; p[i] >= '0' && p[i] <= '9' && n < 4; i++, n++)
			;
		if (n == 0 || n > 3)
			return 0;
		if (part == 0 && p[i++] != '.')
			return 0;
	}
	return p[i] == '\0' || p[i] == ' ' ? (int)i : 0;
}

void
dsn_status(const char *diag, int defclass, char out[16])
{
	int n;

	if (diag != NULL) {
		const char *p = diag;

		/* "550 5.1.1 ..." or "550-5.1.1 ..." */
		if (p[0] >= '2' && p[0] <= '5' && p[1] >= '0' && p[1] <= '9' &&
		    p[2] >= '0' && p[2] <= '9' && (p[3] == ' ' || p[3] == '-')) {
			n = is_code(p + 4, p[0]);
			if (n > 0) {
				memcpy(out, p + 4, (size_t)n);
				out[n] = '\0';
				return;
			}
			/* No enhanced code: the reply's class says it. */
			if (p[0] == '4' || p[0] == '5')
				defclass = p[0] - '0';
		} else if ((n = is_code(p, 0)) > 0) {
			memcpy(out, p, (size_t)n);
			out[n] = '\0';
			return;
		}
	}
	snprintf(out, 16, "%d.0.0", defclass == 4 ? 4 : 5);
}

static int
put_date(struct str *out, const char *name, int64_t t)
{
	char date[DATE_RFC5322_MAX];

	if (date_rfc5322((time_t)t, 0, date, sizeof date) < 0)
		return 0; /* no field rather than a wrong one */
	return str_printf(out, "%s: %s\n", name, date);
}

static const char *
action_name(enum dsn_action a)
{
	switch (a) {
	case DSN_FAILED: return "failed";
	case DSN_DELAYED: return "delayed";
	case DSN_DELIVERED: return "delivered";
	case DSN_RELAYED: return "relayed";
	case DSN_EXPANDED: return "expanded";
	}
	return "failed";
}

/* Is the diagnostic an SMTP reply (three digits and a space or dash)? */
static int
smtp_reply(const char *z)
{
	return z != NULL && z[0] >= '2' && z[0] <= '5' && z[1] >= '0' &&
	    z[1] <= '9' && z[2] >= '0' && z[2] <= '9' &&
	    (z[3] == ' ' || z[3] == '-');
}

static int
put_text_part(const struct dsn *d, struct str *out)
{
	const char *what;

	if (str_printf(out, "This is the mail system at host %s.\n\n",
	    d->reporting_mta) < 0)
		return -1;
	switch (d->kind) {
	case DSN_BOUNCE:
		what = "I'm sorry to have to inform you that your message "
		    "could not\nbe delivered to one or more recipients. "
		    "It is attached below.\n\nThe mail system said:\n";
		break;
	case DSN_DELAY:
		what = "Your message could not be delivered yet to one or "
		    "more recipients.\nThe mail system will go on trying; "
		    "this is only a warning and\nyou need not send the "
		    "message again.\n\nThe mail system said:\n";
		break;
	case DSN_SUCCESS:
		what = "Your message was delivered to the recipients below, "
		    "as you asked\nwith a delivery status notification "
		    "request.\n\n";
		break;
	default:
		what = "A delivery status notification (or other message "
		    "sent with the null\nsender <>) could not be delivered. "
		    "It is attached below;\nit will not be returned "
		    "again.\n\nThe mail system said:\n";
		break;
	}
	if (str_appendz(out, what) < 0)
		return -1;
	for (size_t i = 0; i < d->n; i++) {
		const struct dsn_rcpt *r = &d->r[i];

		if (str_appendz(out, "\n<") < 0 ||
		    put_clean(out, r->final_rcpt) < 0 ||
		    str_appendz(out, ">: ") < 0)
			return -1;
		if (r->diag != NULL && *r->diag != '\0') {
			if (r->remote_mta != NULL && *r->remote_mta != '\0' &&
			    (str_appendz(out, "host ") < 0 ||
			    put_clean(out, r->remote_mta) < 0 ||
			    str_appendz(out, " said: ") < 0))
				return -1;
			if (put_clean(out, r->diag) < 0)
				return -1;
		} else if (str_appendz(out, action_name(r->action)) < 0) {
			return -1;
		}
		if (str_appendc(out, '\n') < 0)
			return -1;
	}
	return 0;
}

static int
put_rcpt_fields(const struct dsn *d, const struct dsn_rcpt *r,
    struct str *out)
{
	char status[16];
	int defclass = r->action == DSN_DELAYED ? 4 : 5;

	if (r->status != NULL) {
		snprintf(status, sizeof status, "%s", r->status);
	} else if (r->action == DSN_DELIVERED || r->action == DSN_RELAYED ||
	    r->action == DSN_EXPANDED) {
		snprintf(status, sizeof status, "2.0.0");
	} else {
		dsn_status(r->diag, defclass, status);
	}
	if (str_appendz(out, "\n") < 0)
		return -1;
	if (r->orcpt != NULL) {
		const char *semi = strchr(r->orcpt, ';');

		if (semi != NULL &&
		    (str_appendz(out, "Original-Recipient: ") < 0 ||
		    str_append(out, r->orcpt, (size_t)(semi - r->orcpt)) < 0 ||
		    str_appendz(out, ";") < 0 ||
		    put_xtext(out, semi + 1) < 0 || str_appendc(out, '\n') < 0))
			return -1;
	}
	if (str_appendz(out, "Final-Recipient: rfc822;") < 0 ||
	    put_clean(out, r->final_rcpt) < 0 ||
	    str_printf(out, "\nAction: %s\nStatus: %s\n",
	    action_name(r->action), status) < 0)
		return -1;
	if (r->remote_mta != NULL && *r->remote_mta != '\0' &&
	    (str_appendz(out, "Remote-MTA: dns;") < 0 ||
	    put_clean(out, r->remote_mta) < 0 || str_appendc(out, '\n') < 0))
		return -1;
	if (r->diag != NULL && *r->diag != '\0' &&
	    (str_appendz(out, smtp_reply(r->diag) ? "Diagnostic-Code: smtp;" :
	    "Diagnostic-Code: x-facteur;") < 0 ||
	    put_clean(out, r->diag) < 0 || str_appendc(out, '\n') < 0))
		return -1;
	if (r->last_attempt > 0 &&
	    put_date(out, "Last-Attempt-Date", r->last_attempt) < 0)
		return -1;
	if (r->action == DSN_DELAYED && r->will_retry_until > 0 &&
	    put_date(out, "Will-Retry-Until", r->will_retry_until) < 0)
		return -1;
	(void)d;
	return 0;
}

int
dsn_head(const struct dsn *d, struct str *out)
{
	static const char *const subjects[] = {
		"Undelivered Mail Returned to Sender",
		"Delayed Mail (still being retried)",
		"Successful Mail Delivery Report",
		"Postmaster Copy: Undelivered Mail",
	};
	const char *b = d->boundary;

	if ((unsigned)d->kind > DSN_POSTMASTER || b == NULL || *b == '\0' ||
	    strlen(b) > 70 || strpbrk(b, "\"\r\n") != NULL ||
	    d->reporting_mta == NULL || d->to == NULL || d->to[0] == '\0') {
		errno = EINVAL;
		return -1;
	}
	if (str_printf(out, "From: Mail Delivery System <MAILER-DAEMON@%s>\n",
	    d->reporting_mta) < 0 || str_appendz(out, "To: <") < 0 ||
	    put_clean(out, d->to) < 0 ||
	    str_printf(out, ">\nSubject: %s\n", subjects[d->kind]) < 0 ||
	    put_date(out, "Date", d->now) < 0 ||
	    str_printf(out, "Message-ID: <%s@%s>\n", b, d->reporting_mta) < 0 ||
	    str_appendz(out, "Auto-Submitted: auto-replied\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\n") <
	    0 || str_printf(out, "\tboundary=\"%s\"\n", b) < 0)
		return -1;
	if (d->eightbit && !d->ret_hdrs &&
	    str_appendz(out, "Content-Transfer-Encoding: 8bit\n") < 0)
		return -1;
	if (str_printf(out, "\nThis is a MIME-encapsulated message.\n\n"
	    "--%s\nContent-Description: Notification\n"
	    "Content-Type: text/plain; charset=us-ascii\n\n", b) < 0 ||
	    put_text_part(d, out) < 0)
		return -1;
	if (str_printf(out, "\n--%s\nContent-Description: Delivery report\n"
	    "Content-Type: message/delivery-status\n\n", b) < 0 ||
	    str_printf(out, "Reporting-MTA: dns;%s\n", d->reporting_mta) < 0)
		return -1;
	if (d->qid != NULL && (str_appendz(out, "X-Facteur-Queue-ID: ") < 0 ||
	    put_clean(out, d->qid) < 0 || str_appendc(out, '\n') < 0))
		return -1;
	if (d->orig_sender != NULL &&
	    (str_appendz(out, "X-Facteur-Sender: rfc822;") < 0 ||
	    put_clean(out, d->orig_sender) < 0 || str_appendc(out, '\n') < 0))
		return -1;
	if (d->envid != NULL && *d->envid != '\0' &&
	    (str_appendz(out, "Original-Envelope-Id: ") < 0 ||
	    put_xtext(out, d->envid) < 0 || str_appendc(out, '\n') < 0))
		return -1;
	if (d->arrival > 0 && put_date(out, "Arrival-Date", d->arrival) < 0)
		return -1;
	for (size_t i = 0; i < d->n; i++)
		if (put_rcpt_fields(d, &d->r[i], out) < 0)
			return -1;
	if (str_printf(out, "\n--%s\n", b) < 0)
		return -1;
	if (d->ret_hdrs)
		return str_appendz(out, "Content-Description: Undelivered "
		    "Message Headers\nContent-Type: text/rfc822-headers\n\n");
	if (str_appendz(out, d->kind == DSN_SUCCESS ? "Content-Description: "
	    "Delivered Message\n" : "Content-Description: Undelivered "
	    "Message\n") < 0 ||
	    str_appendz(out, "Content-Type: message/rfc822\n") < 0)
		return -1;
	if (d->eightbit &&
	    str_appendz(out, "Content-Transfer-Encoding: 8bit\n") < 0)
		return -1;
	return str_appendc(out, '\n');
}

int
dsn_tail(const struct dsn *d, struct str *out)
{
	return str_printf(out, "\n--%s--\n", d->boundary);
}

size_t
dsn_header_end(const char *p, size_t n, int *state)
{
	/* *state: 0 at the start of a line, 1 after a CR there, 2 inside. */
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n') {
			if (*state != 2)
				return i + 1;
			*state = 0;
		} else if (p[i] == '\r' && *state == 0) {
			*state = 1;
		} else {
			*state = 2;
		}
	}
	return 0;
}
