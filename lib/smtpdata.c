#include "smtpdata.h"

#include <errno.h>

enum {
	ST_BOL = 0, /* at the start of a line */
	ST_TEXT,    /* inside a line */
	ST_CR,	    /* after a CR inside a line */
	ST_DOT,	    /* after a dot at the start of a line (DATA only) */
	ST_DOTCR,   /* after "." CR at the start of a line */
	ST_END,	    /* CRLF.CRLF seen */
	ST_ERR,	    /* framing error */
};

void
smtp_data_init(struct smtp_data *d, enum smtp_data_mode mode, size_t maxline)
{
	d->mode = mode;
	d->state = ST_BOL;
	d->linelen = 0;
	d->maxline = maxline;
	d->in = d->out = 0;
	d->errs = 0;
}

int
smtp_data_feed(struct smtp_data *d, const char *in, size_t n, char *out,
    size_t *outlen_r, size_t *used_r)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i, o = 0;
	int r = 0;

	if (d->state == ST_ERR || d->state == ST_END) {
		*outlen_r = 0;
		*used_r = 0;
		if (d->state == ST_END)
			return 1;
		errno = EILSEQ;
		return -1;
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = p[i];

		if (++d->linelen > d->maxline)
			d->errs |= SMTP_DATA_ELONG;
		if (ch == 0)
			d->errs |= SMTP_DATA_ENUL;
		else if (ch >= 0x80)
			d->errs |= SMTP_DATA_E8BIT;
		switch (d->state) {
		case ST_BOL:
			if (ch == '.' && d->mode == SMTP_DATA_DOT) {
				d->state = ST_DOT;
				break;
			}
			/* A line's first byte is like any other. */
			__attribute__((fallthrough));
		case ST_TEXT:
			if (ch == '\r') {
				d->state = ST_CR;
			} else if (ch == '\n') {
				d->state = ST_ERR;
			} else {
				out[o++] = (char)ch;
				d->state = ST_TEXT;
			}
			break;
		case ST_CR:
			if (ch == '\n') {
				out[o++] = '\n';
				d->state = ST_BOL;
				d->linelen = 0;
			} else {
				d->state = ST_ERR;
			}
			break;
		case ST_DOT:
			if (ch == '\r') {
				d->state = ST_DOTCR;
			} else if (ch == '\n') {
				d->state = ST_ERR;
			} else {
				/* The stuffing dot goes; this byte stays. */
				out[o++] = (char)ch;
				d->state = ST_TEXT;
			}
			break;
		case ST_DOTCR:
			d->state = ch == '\n' ? ST_END : ST_ERR;
			break;
		default:
			break;
		}
		if (d->state == ST_ERR) {
			r = -1;
			break;
		}
		if (d->state == ST_END) {
			i++;
			r = 1;
			break;
		}
	}
	d->in += i;
	d->out += o;
	*outlen_r = o;
	*used_r = i;
	if (r < 0)
		errno = EILSEQ;
	return r;
}

int
smtp_data_finish(struct smtp_data *d, int *addlf_r)
{
	*addlf_r = 0;
	if (d->state == ST_CR || d->state == ST_ERR) {
		d->state = ST_ERR;
		errno = EILSEQ;
		return -1;
	}
	if (d->state == ST_TEXT) {
		*addlf_r = 1;
		d->out++;
	}
	d->state = ST_END;
	return 0;
}
