#include "qstate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "smtpaddr.h"

#define TIME_MAX_V UINT64_C(253402300799) /* 9999-12-31, a sane bound */
#define FIELDS_MAX 8

static uint32_t
crc32_ieee(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= s[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return c ^ 0xffffffffu;
}

static const char *const kind_names[] = { "local", "pipe", "maildir",
	"remote", "error" };
static const char *const result_names[] = { "ok", "temp", "perm",
	"expired" };

const char *
qstate_kind_name(enum qkind k)
{
	return (unsigned)k < 5 ? kind_names[k] : "?";
}

const char *
qstate_result_name(enum qresult r)
{
	return (unsigned)r < 4 ? result_names[r] : "?";
}

/* A field a formatter may write as it is: no control byte, no TAB. */
static int
field_ok(const char *z)
{
	for (; *z != '\0'; z++)
		if ((unsigned char)*z < 0x20 || *z == 0x7f)
			return 0;
	return 1;
}

/* Appends a text field, control bytes made spaces, cut to the limit. */
static int
put_text(struct str *out, const char *z)
{
	size_t n = 0;

	if (z == NULL)
		z = "";
	for (; z[n] != '\0' && n < QSTATE_TEXT_MAX; n++) {
		char c = z[n];

		if ((unsigned char)c < 0x20 || c == 0x7f)
			c = ' ';
		if (str_appendc(out, c) < 0)
			return -1;
	}
	return 0;
}

/* Ends the record that starts at out->s + start: TAB, CRC, LF. */
static int
finish(struct str *out, size_t start)
{
	uint32_t c;

	if (out->len - start > QSTATE_LINE_MAX - 10) {
		str_truncate(out, start);
		errno = E2BIG;
		return -1;
	}
	c = crc32_ieee(out->s + start, out->len - start);
	return str_printf(out, "\t%08x\n", (unsigned)c);
}

int
qstate_fmt_header(struct str *out, int64_t created)
{
	size_t start = out->len;

	if (str_printf(out, "Q1\t%lld", (long long)created) < 0)
		return -1;
	return finish(out, start);
}

int
qstate_fmt_rcpt(struct str *out, unsigned idx, unsigned orig,
    enum qkind kind, const char *addr, const char *target)
{
	size_t start = out->len;

	if ((unsigned)kind > QK_ERROR || !field_ok(addr) ||
	    (kind != QK_ERROR && (!field_ok(target) || *target == '\0'))) {
		errno = EINVAL;
		return -1;
	}
	if (str_printf(out, "R\t%u\t%u\t%s\t%s\t", idx, orig,
	    kind_names[kind], addr) < 0)
		return -1;
	if (kind == QK_ERROR ? put_text(out, target) :
	    str_appendz(out, target)) {
		str_truncate(out, start);
		return -1;
	}
	return finish(out, start);
}

int
qstate_fmt_result(struct str *out, unsigned idx, int64_t t,
    enum qresult res, int64_t next, const char *mta, const char *diag)
{
	size_t start = out->len;

	if ((unsigned)res > QRES_EXPIRED || t < 0 || next < 0) {
		errno = EINVAL;
		return -1;
	}
	if (str_printf(out, "D\t%u\t%lld\t%s\t%lld\t", idx, (long long)t,
	    result_names[res], (long long)next) < 0 ||
	    put_text(out, mta) < 0 || str_appendc(out, '\t') < 0 ||
	    put_text(out, diag) < 0)
		return -1;
	return finish(out, start);
}

static int
fmt_time_text(struct str *out, char type, int64_t t, const char *text)
{
	size_t start = out->len;

	if (t < 0) {
		errno = EINVAL;
		return -1;
	}
	if (str_printf(out, "%c\t%lld", type, (long long)t) < 0)
		return -1;
	if (text != NULL &&
	    (str_appendc(out, '\t') < 0 || put_text(out, text) < 0))
		return -1;
	return finish(out, start);
}

int
qstate_fmt_warned(struct str *out, int64_t t)
{
	return fmt_time_text(out, 'W', t, NULL);
}

int
qstate_fmt_done(struct str *out, int64_t t, const char *info)
{
	return fmt_time_text(out, 'B', t, info != NULL ? info : "");
}

int
qstate_fmt_deleted(struct str *out, int64_t t, const char *who)
{
	return fmt_time_text(out, 'K', t, who != NULL ? who : "");
}

static int
dupz(char **dst, const char *z)
{
	char *c = NULL;

	if (z != NULL && *z != '\0') {
		c = strdup(z);
		if (c == NULL)
			return -1;
	}
	free(*dst);
	*dst = c;
	return 0;
}

int
qstate_apply(struct qrcpt *r, int64_t t, enum qresult res, int64_t next,
    const char *mta, const char *diag)
{
	if (dupz(&r->mta, mta) < 0 || dupz(&r->diag, diag) < 0)
		return -1;
	r->attempts++;
	r->last = t;
	r->next = 0;
	r->expired = 0;
	switch (res) {
	case QRES_OK:
		r->state = QS_OK;
		break;
	case QRES_TEMP:
		r->state = QS_PENDING;
		r->next = next;
		break;
	case QRES_EXPIRED:
		r->expired = 1;
		r->state = QS_PERM;
		break;
	case QRES_PERM:
		r->state = QS_PERM;
		break;
	}
	return 0;
}

void
qstate_free(struct qstate *qs)
{
	if (qs->r != NULL)
		for (size_t i = 0; i < qs->n; i++) {
			free(qs->r[i].mta);
			free(qs->r[i].diag);
		}
	free(qs->r);
	free(qs->buf);
	memset(qs, 0, sizeof *qs);
}

static int
get_time(const char *z, int64_t *t_r)
{
	uint64_t v;

	if (num_u64z(z, TIME_MAX_V, &v) < 0)
		return -1;
	*t_r = (int64_t)v;
	return 0;
}

static int
get_uint(const char *z, uint64_t max, unsigned *v_r)
{
	uint64_t v;

	if (num_u64z(z, max, &v) < 0)
		return -1;
	*v_r = (unsigned)v;
	return 0;
}

static int
name_index(const char *z, const char *const *names, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (strcmp(z, names[i]) == 0)
			return (int)i;
	return -1;
}

/* One record split into f[0..nf); 0 or -1 (bad record). */
static int
record(struct qstate *qs, size_t *cap, char **f, size_t nf, int first)
{
	if (first != (strcmp(f[0], "Q1") == 0))
		return -1;
	if (first)
		return nf == 2 && get_time(f[1], &qs->created) == 0 ? 0 : -1;
	if (f[0][0] == '\0' || f[0][1] != '\0')
		return -1;
	switch (f[0][0]) {
	case 'R': {
		struct qrcpt *r;
		unsigned idx, orig;
		int kind;

		if (nf != 6 || get_uint(f[1], QSTATE_RCPT_MAX, &idx) < 0 ||
		    idx != qs->n || qs->n >= QSTATE_RCPT_MAX ||
		    get_uint(f[2], QENV_RCPT_MAX, &orig) < 0)
			return -1;
		kind = name_index(f[3], kind_names, 5);
		if (kind < 0 || (kind != QK_ERROR && f[5][0] == '\0'))
			return -1;
		/* Deliveries come before any result. */
		if (qs->warned || qs->done || qs->deleted)
			return -1;
		if (qs->n == *cap) {
			size_t ncap = *cap ? *cap * 2 : 16;
			struct qrcpt *nr = realloc(qs->r, ncap * sizeof *nr);

			if (nr == NULL)
				return -2;
			qs->r = nr;
			*cap = ncap;
		}
		r = &qs->r[qs->n++];
		memset(r, 0, sizeof *r);
		r->orig = orig;
		r->kind = (enum qkind)kind;
		r->addr = f[4];
		r->target = f[5];
		r->state = kind == QK_ERROR ? QS_PERM : QS_PENDING;
		return 0;
	}
	case 'D': {
		unsigned idx;
		int64_t t, next;
		int res;

		if (nf != 7 || get_uint(f[1], QSTATE_RCPT_MAX, &idx) < 0 ||
		    idx >= qs->n || get_time(f[2], &t) < 0 ||
		    get_time(f[4], &next) < 0)
			return -1;
		res = name_index(f[3], result_names, 4);
		if (res < 0)
			return -1;
		if (qstate_apply(&qs->r[idx], t, (enum qresult)res, next, f[5],
		    f[6]) < 0)
			return -2;
		return 0;
	}
	case 'W':
		return nf == 2 && get_time(f[1], &qs->warned) == 0 ? 0 : -1;
	case 'B':
		return nf == 3 && get_time(f[1], &qs->done) == 0 ? 0 : -1;
	case 'K':
		return nf == 3 && get_time(f[1], &qs->deleted) == 0 ? 0 : -1;
	}
	return -1;
}

int
qstate_parse(const char *p, size_t len, struct qstate *qs, unsigned *line_r)
{
	size_t pos = 0, cap = 0;
	unsigned line = 0;

	memset(qs, 0, sizeof *qs);
	qs->buf = malloc(len + 1);
	if (qs->buf == NULL)
		return -1;
	memcpy(qs->buf, p, len);
	qs->buf[len] = '\0';
	while (pos < len) {
		char *s = qs->buf + pos, *lf = memchr(s, '\n', len - pos);
		char *f[FIELDS_MAX], *tab, *end;
		size_t n, nf = 0;
		uint64_t crc;
		int r;

		line++;
		if (line_r != NULL)
			*line_r = line;
		if (lf == NULL) { /* a torn last line */
			qs->torn = 1;
			break;
		}
		n = (size_t)(lf - s);
		pos += n + 1;
		*lf = '\0';
		tab = n > 0 ? memrchr(s, '\t', n) : NULL;
		end = tab;
		if (tab == NULL || (size_t)(lf - tab) != 9 ||
		    n > QSTATE_LINE_MAX)
			goto bad;
		/* The CRC in hex (lib/num reads decimal only). */
		crc = 0;
		for (int i = 1; i <= 8; i++) {
			char c = tab[i];
			unsigned d;

			if (c >= '0' && c <= '9')
				d = (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				d = (unsigned)(c - 'a' + 10);
			else
				goto bad;
			crc = crc << 4 | d;
		}
		if (crc != crc32_ieee(s, (size_t)(end - s)))
			goto bad;
		*end = '\0';
		for (char *c = s; c < end; c++)
			if ((unsigned char)*c < 0x20 && *c != '\t')
				goto bad;
		f[nf++] = s;
		for (char *c = s; c < end; c++)
			if (*c == '\t') {
				if (nf == FIELDS_MAX)
					goto bad;
				*c = '\0';
				f[nf++] = c + 1;
			}
		r = record(qs, &cap, f, nf, line == 1);
		if (r == -2)
			return -1;
		if (r < 0)
			goto bad_checked;
		continue;
bad:
		/* A damaged last line is a write cut short by a crash. */
		if (pos >= len && line > 1) {
			qs->torn = 1;
			break;
		}
bad_checked:
		errno = EINVAL;
		return -1;
	}
	if (line == 0 || qs->created == 0) {
		if (line_r != NULL)
			*line_r = 1;
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
qstate_duration(const char *s, uint64_t *secs_r)
{
	size_t n = strlen(s), used = 0;
	uint64_t v, mul = 1, max = UINT64_C(10) * 366 * 86400;

	if (num_u64_prefix(s, n, UINT64_MAX, &v, &used) < 0)
		return -1;
	if (used + 1 == n) {
		switch (s[used]) {
		case 's': mul = 1; break;
		case 'm': mul = 60; break;
		case 'h': mul = 3600; break;
		case 'd': mul = 86400; break;
		case 'w': mul = 7 * 86400; break;
		default:
			errno = EINVAL;
			return -1;
		}
	} else if (used != n) {
		errno = EINVAL;
		return -1;
	}
	if (v > max / mul) {
		errno = ERANGE;
		return -1;
	}
	*secs_r = v * mul;
	return 0;
}

uint64_t
qstate_backoff(unsigned attempts, uint64_t min, uint64_t max)
{
	uint64_t d = min;

	if (max < min)
		max = min;
	for (unsigned i = 1; i < attempts && d < max; i++)
		d = d > max / 2 ? max : d * 2;
	return d < max ? d : max;
}

static int
notify_bits(const char *z, unsigned *bits_r)
{
	unsigned bits = 0;

	if (strcmp(z, "NEVER") == 0) {
		*bits_r = SMTP_NOTIFY_NEVER;
		return 0;
	}
	while (*z != '\0') {
		size_t n = strcspn(z, ",");

		if (n == 7 && strncmp(z, "SUCCESS", 7) == 0)
			bits |= SMTP_NOTIFY_SUCCESS;
		else if (n == 7 && strncmp(z, "FAILURE", 7) == 0)
			bits |= SMTP_NOTIFY_FAILURE;
		else if (n == 5 && strncmp(z, "DELAY", 5) == 0)
			bits |= SMTP_NOTIFY_DELAY;
		else
			return -1;
		z += n;
		if (*z == ',' && *++z == '\0')
			return -1;
	}
	if (bits == 0)
		return -1;
	*bits_r = bits;
	return 0;
}

void
qenv_free(struct qenv *e)
{
	free(e->r);
	memset(e, 0, sizeof *e);
}

int
qenv_parse(const char *p, size_t len, struct qenv *e)
{
	size_t pos = 0, cap = 0;
	int seen_f = 0, ended = 0, nrec = 0;
	unsigned seen = 0;

	memset(e, 0, sizeof *e);
	while (pos < len) {
		const char *rec = p + pos, *v;
		const char *nul = memchr(rec, '\0', len - pos);
		size_t n;
		char type;

		if (nul == NULL)
			goto bad;
		n = (size_t)(nul - rec);
		pos += n + 1;
		if (n == 0) {
			ended = 1;
			break;
		}
		type = rec[0];
		v = rec + 1;
		if (nrec++ == 0) {
			if (strcmp(rec, "V1") != 0) {
				errno = rec[0] == 'V' ? ENOTSUP : EINVAL;
				goto fail;
			}
			continue;
		}
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)rec[i] < 0x20 || rec[i] == 0x7f)
				goto bad;
		if (type >= 'a' && type <= 'z') {
			if (type == 't') {
				uint64_t t;

				if (num_u64z(v, TIME_MAX_V, &t) < 0)
					goto bad;
				e->arrival = (int64_t)t;
			}
			continue;
		}
		if (!seen_f && type != 'F')
			goto bad;
		switch (type) {
		case 'F':
			if (seen_f++)
				goto bad;
			e->sender = v;
			break;
		case 'E': case 'R': case 'B': case 'U': case 'A': {
			unsigned bit = 1u << (strchr("ERBUA", type) - "ERBUA");

			if ((seen & bit) || e->n > 0)
				goto bad;
			seen |= bit;
			if (type == 'E')
				e->envid = v;
			else if (type == 'R') {
				if (strcmp(v, "FULL") == 0)
					e->ret = 1;
				else if (strcmp(v, "HDRS") == 0)
					e->ret = 2;
				else
					goto bad;
			} else if (type == 'B') {
				if (strcmp(v, "8BITMIME") == 0)
					e->body8 = 1;
				else if (strcmp(v, "7BIT") != 0)
					goto bad;
			} else if (type == 'U') {
				if (*v != '\0')
					goto bad;
				e->utf8 = 1;
			}
			break;
		}
		case 'T':
			if (*v == '\0' || e->n >= QENV_RCPT_MAX)
				goto bad;
			if (e->n == cap) {
				size_t ncap = cap ? cap * 2 : 8;
				struct qenv_rcpt *nr = realloc(e->r,
				    ncap * sizeof *nr);

				if (nr == NULL)
					goto fail;
				e->r = nr;
				cap = ncap;
			}
			memset(&e->r[e->n], 0, sizeof e->r[e->n]);
			e->r[e->n++].addr = v;
			break;
		case 'N':
			if (e->n == 0 || e->r[e->n - 1].notify_raw != NULL ||
			    notify_bits(v, &e->r[e->n - 1].notify) < 0)
				goto bad;
			e->r[e->n - 1].notify_raw = v;
			break;
		case 'O':
			if (e->n == 0 || e->r[e->n - 1].orcpt != NULL ||
			    strchr(v, ';') == NULL)
				goto bad;
			e->r[e->n - 1].orcpt = v;
			break;
		default:
			errno = ENOTSUP;
			goto fail;
		}
	}
	if (!ended || !seen_f || e->n == 0)
		goto bad;
	return 0;
bad:
	errno = EINVAL;
fail:
	{
		int err = errno;

		qenv_free(e);
		errno = err;
	}
	return -1;
}
