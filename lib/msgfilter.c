#include "msgfilter.h"

#include <string.h>
#include <strings.h>

void
msgfilter_init(struct msgfilter *mf, const char *rcpt)
{
	memset(mf, 0, sizeof *mf);
	mf->rcpt = rcpt;
	mf->rcptlen = rcpt != NULL ? strlen(rcpt) : 0;
	mf->in_header = 1;
	mf->line_start = 1;
}

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Looks at the field collected so far, then forgets it. */
static void
field_done(struct msgfilter *mf)
{
	static const char name[] = "delivered-to:";
	const size_t nlen = sizeof name - 1;
	size_t a, b;

	if (mf->rcpt != NULL && !mf->fld_over && mf->fld_len >= nlen &&
	    strncasecmp(mf->fld, name, nlen) == 0) {
		a = nlen;
		b = mf->fld_len;
		while (a < b && is_wsp(mf->fld[a]))
			a++;
		while (b > a && is_wsp(mf->fld[b - 1]))
			b--;
		if (b - a == mf->rcptlen &&
		    strncasecmp(mf->fld + a, mf->rcpt, mf->rcptlen) == 0)
			mf->loop = 1;
	}
	mf->fld_len = 0;
	mf->fld_over = 0;
}

static void
field_add(struct msgfilter *mf, char c)
{
	if (mf->fld_len < sizeof mf->fld)
		mf->fld[mf->fld_len++] = c;
	else
		mf->fld_over = 1;
}

/* Tracks one byte of (already CRLF-converted) header text. */
static void
header_byte(struct msgfilter *mf, char c)
{
	if (mf->line_start) {
		mf->line_start = 0;
		if (c == '\n') {
			/* The empty line: the header section ends. */
			field_done(mf);
			mf->in_header = 0;
			return;
		}
		if (!is_wsp(c))
			field_done(mf); /* a new field starts */
		/* else a folded continuation: the line break is dropped */
	}
	if (c == '\n')
		mf->line_start = 1;
	else
		field_add(mf, c);
}

size_t
msgfilter_feed(struct msgfilter *mf, const void *in, size_t len, void *out)
{
	const char *s = in;
	char *o = out;
	size_t i = 0, n = 0;

	while (i < len) {
		char c;

		if (!mf->in_header && !mf->pending_cr) {
			/* The body: copy runs up to the next CR. */
			const char *cr = memchr(s + i, '\r', len - i);
			size_t run = cr != NULL ? (size_t)(cr - (s + i)) : len - i;

			memcpy(o + n, s + i, run);
			n += run;
			i += run;
			if (i == len)
				break;
		}
		c = s[i++];
		if (mf->pending_cr) {
			mf->pending_cr = 0;
			if (c != '\n') {
				o[n++] = '\r';
				if (mf->in_header)
					header_byte(mf, '\r');
			}
		}
		if (c == '\r') {
			mf->pending_cr = 1;
			continue;
		}
		o[n++] = c;
		if (mf->in_header)
			header_byte(mf, c);
	}
	return n;
}

size_t
msgfilter_end(struct msgfilter *mf, void *out)
{
	size_t n = 0;

	if (mf->pending_cr) {
		((char *)out)[n++] = '\r';
		mf->pending_cr = 0;
	}
	if (mf->in_header)
		field_done(mf);
	return n;
}
