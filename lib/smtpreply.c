#include "smtpreply.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "num.h"

void
smtp_reply_init(struct smtp_reply *r)
{
	r->code = 0;
	r->esc[0] = '\0';
	str_clear(&r->text);
	r->nlines = 0;
	r->done = 0;
}

void
smtp_reply_free(struct smtp_reply *r)
{
	str_free(&r->text);
	r->code = 0;
	r->nlines = 0;
	r->done = 0;
}

static int
isdigit_(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Length of an enhanced status code at p[0..n) whose class is the digit
 * cls ("5.1.1" followed by a space or the end), or 0.
 */
static size_t
esc_len(const char *p, size_t n, char cls)
{
	size_t i = 0, k, part;

	if (n < 5 || p[0] != cls || p[1] != '.')
		return 0;
	i = 2;
	for (part = 0; part < 2; part++) {
		for (k = 0; k < 3 && i < n && isdigit_(p[i]); k++)
			i++;
		if (k == 0)
			return 0;
		if (part == 0) {
			if (i == n || p[i] != '.')
				return 0;
			i++;
		}
	}
	if (i < n && p[i] != ' ')
		return 0;
	return i;
}

int
smtp_reply_line(struct smtp_reply *r, const char *line, size_t len)
{
	size_t i, start, el;
	int code;
	char c;

	if (r->done) {
		errno = EPROTO;
		return -1;
	}
	if (len > SMTP_REPLY_LINE_MAX || r->nlines >= SMTP_REPLY_LINES_MAX) {
		errno = E2BIG;
		return -1;
	}
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len < 3 || !isdigit_(line[0]) || !isdigit_(line[1]) ||
	    !isdigit_(line[2]) || line[0] < '2' || line[0] > '5') {
		errno = EPROTO;
		return -1;
	}
	code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (r->nlines > 0 && code != r->code) {
		errno = EPROTO;
		return -1;
	}
	if (len > 3 && line[3] != ' ' && line[3] != '-') {
		errno = EPROTO;
		return -1;
	}
	start = len > 3 ? 4 : 3;
	if (r->nlines > 0 && str_appendc(&r->text, '\n') < 0)
		return -1;
	if (str_reserve(&r->text, len - start) < 0)
		return -1;
	for (i = start; i < len; i++) {
		c = line[i];
		if ((unsigned char)c < 0x20 || c == 0x7f)
			c = ' ';
		r->text.s[r->text.len++] = c;
	}
	r->text.s[r->text.len] = '\0';
	if (r->nlines == 0) {
		r->code = code;
		el = esc_len(line + start, len - start, line[0]);
		if (el > 0 && el < sizeof(r->esc)) {
			memcpy(r->esc, line + start, el);
			r->esc[el] = '\0';
		}
	}
	r->nlines++;
	if (len == 3 || line[3] == ' ') {
		r->done = 1;
		return 1;
	}
	return 0;
}

int
smtp_reply_oneline(const struct smtp_reply *r, struct str *out)
{
	const char *p = r->text.s, *end, *nl;
	size_t n, el = strlen(r->esc), len0 = out->len;

	if (str_printf(out, "%03d", r->code) < 0)
		return -1;
	if (el > 0 && str_printf(out, " %s", r->esc) < 0)
		goto fail;
	if (p == NULL)
		return 0;
	end = p + r->text.len;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		/* Each line's copy of the enhanced code is said once. */
		if (el > 0 && n >= el && memcmp(p, r->esc, el) == 0 &&
		    (n == el || p[el] == ' ')) {
			p += el;
			n -= el;
		}
		while (n > 0 && *p == ' ') {
			p++;
			n--;
		}
		if (n > 0 && (str_appendc(out, ' ') < 0 ||
		    str_append(out, p, n) < 0))
			goto fail;
		p += n;
		if (p < end && *p == '\n')
			p++;
	}
	return 0;
fail:
	str_truncate(out, len0);
	return -1;
}

/* Whether the keyword line p[0..n) is kw, alone or with arguments. */
static int
kw_is(const char *p, size_t n, const char *kw, const char **arg_r,
    size_t *arglen_r)
{
	size_t k = strlen(kw);

	if (n < k || strncasecmp(p, kw, k) != 0 ||
	    (n > k && p[k] != ' ' && p[k] != '='))
		return 0;
	/* "AUTH=LOGIN" is an old form some servers still send. */
	*arg_r = n > k ? p + k + 1 : p + n;
	*arglen_r = n > k ? n - k - 1 : 0;
	return 1;
}

int
smtp_ehlo_parse(const struct smtp_reply *r, struct smtp_ehlo *e)
{
	const char *p, *end, *nl, *arg;
	size_t n, arglen, al;
	uint64_t v;

	memset(e, 0, sizeof(*e));
	if (!r->done || r->code / 100 != 2) {
		errno = EINVAL;
		return -1;
	}
	if (r->text.s == NULL)
		return 0;
	p = r->text.s;
	end = p + r->text.len;
	/* The first line is the greeting text, not a keyword. */
	nl = memchr(p, '\n', (size_t)(end - p));
	p = nl != NULL ? nl + 1 : end;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (kw_is(p, n, "PIPELINING", &arg, &arglen))
			e->pipelining = 1;
		else if (kw_is(p, n, "8BITMIME", &arg, &arglen))
			e->eightbitmime = 1;
		else if (kw_is(p, n, "SMTPUTF8", &arg, &arglen))
			e->smtputf8 = 1;
		else if (kw_is(p, n, "DSN", &arg, &arglen))
			e->dsn = 1;
		else if (kw_is(p, n, "STARTTLS", &arg, &arglen))
			e->starttls = 1;
		else if (kw_is(p, n, "ENHANCEDSTATUSCODES", &arg, &arglen))
			e->enhanced = 1;
		else if (kw_is(p, n, "CHUNKING", &arg, &arglen))
			e->chunking = 1;
		else if (kw_is(p, n, "SIZE", &arg, &arglen)) {
			e->has_size = 1;
			if (arglen > 0 &&
			    num_u64(arg, arglen, UINT64_MAX, &v) == 0)
				e->size = v;
		} else if (kw_is(p, n, "AUTH", &arg, &arglen) && arglen > 0) {
			al = strlen(e->auth);
			if (al > 0 && al + 1 < sizeof(e->auth))
				e->auth[al++] = ' ';
			if (arglen > sizeof(e->auth) - 1 - al)
				arglen = sizeof(e->auth) - 1 - al;
			memcpy(e->auth + al, arg, arglen);
			e->auth[al + arglen] = '\0';
		}
		p += n;
		while (p < end && *p != '\n')
			p++;
		if (p < end)
			p++;
	}
	return 0;
}
