#include "passwd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"

static int
fail(struct passwd_err *err, size_t col, const char *why)
{
	err->col = (unsigned)col;
	snprintf(err->reason, sizeof err->reason, "%s", why);
	errno = EINVAL;
	return -1;
}

static int
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static int
is_b64(unsigned char c)
{
	return is_alnum(c) || c == '+' || c == '/';
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
passwd_user_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > PASSWD_USER_MAX || !is_alnum((unsigned char)s[0]))
		goto bad;
	for (i = 1; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!is_alnum(c) && c != '.' && c != '_' && c != '%' &&
		    c != '+' && c != '@' && c != '-')
			goto bad;
	}
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

/* A cursor over one field, for the hash syntax. */
struct cur {
	const char *s;
	size_t len, off;
};

static int
cur_lit(struct cur *c, const char *lit)
{
	size_t n = strlen(lit);

	if (c->len - c->off < n || memcmp(c->s + c->off, lit, n) != 0)
		return -1;
	c->off += n;
	return 0;
}

/* A decimal number without leading zeros, at most max. */
static int
cur_num(struct cur *c, uint64_t max, uint64_t *v_r)
{
	size_t used;

	if (c->off < c->len && c->s[c->off] == '0')
		return -1;
	if (num_u64_prefix(c->s + c->off, c->len - c->off, max, v_r, &used) <
	    0)
		return -1;
	c->off += used;
	return 0;
}

/* A run of base64 digits, between min and max long. */
static int
cur_b64(struct cur *c, size_t min, size_t max)
{
	size_t a = c->off;

	while (c->off < c->len && is_b64((unsigned char)c->s[c->off]))
		c->off++;
	/* One base64 digit alone cannot encode a byte. */
	if (c->off - a < min || c->off - a > max || (c->off - a) % 4 == 1) {
		c->off = a;
		return -1;
	}
	return 0;
}

int
passwd_hash_parse(const char *s, size_t n, struct passwd_cost *cost_r,
    size_t *col_r, const char **why_r)
{
	struct cur c = { s, n, 0 };
	struct passwd_cost cost;
	const char *why;

	if (n > PASSWD_HASH_MAX) {
		why = "hash too long";
		goto bad;
	}
	if (cur_lit(&c, "$argon2id$") < 0) {
		why = "hash is not an argon2id string";
		goto bad;
	}
	if (cur_lit(&c, "v=19$") < 0) {
		why = "argon2id version is not v=19";
		goto bad;
	}
	if (cur_lit(&c, "m=") < 0 || cur_num(&c, UINT32_MAX, &cost.m_kib) < 0) {
		why = "bad argon2id memory (m=)";
		goto bad;
	}
	if (cur_lit(&c, ",t=") < 0 || cur_num(&c, UINT32_MAX, &cost.t) < 0) {
		why = "bad argon2id passes (t=)";
		goto bad;
	}
	if (cur_lit(&c, ",p=") < 0 || cur_num(&c, 0xffffff, &cost.p) < 0) {
		why = "bad argon2id lanes (p=)";
		goto bad;
	}
	if (cur_lit(&c, "$") < 0 || cur_b64(&c, 11, 64) < 0 ||
	    cur_lit(&c, "$") < 0) {
		why = "bad argon2id salt";
		goto bad;
	}
	if (cur_b64(&c, 16, 86) < 0 || c.off != n) {
		why = "bad argon2id hash value";
		goto bad;
	}
	if (cost.m_kib < 8 * cost.p || cost.t < 1 || cost.p < 1) {
		c.off = 0;
		why = "argon2id parameters below the minimum";
		goto bad;
	}
	*cost_r = cost;
	return 0;
bad:
	*col_r = c.off + 1;
	*why_r = why;
	errno = EINVAL;
	return -1;
}

/* Checks a path field; returns 0 or -1 with *off_r at the fault. */
static int
path_ok(const char *s, size_t n, size_t *off_r, const char **why_r)
{
	size_t i, comp = 1;

	*off_r = 0;
	if (n == 0 || s[0] != '/') {
		*why_r = "path is not absolute";
		return -1;
	}
	if (n > PASSWD_PATH_MAX) {
		*why_r = "path too long";
		return -1;
	}
	for (i = 1; i <= n; i++) {
		if (i == n || s[i] == '/') {
			size_t cl = i - comp;

			if ((cl == 1 && s[comp] == '.') ||
			    (cl == 2 && s[comp] == '.' && s[comp + 1] == '.')) {
				*off_r = comp;
				*why_r = "path has a . or .. component";
				return -1;
			}
			comp = i + 1;
		}
	}
	return 0;
}

static int
parse_id(const char *s, size_t n, uint32_t *v_r)
{
	uint64_t v;

	if (num_u64(s, n, UINT32_MAX - 1, &v) < 0 || v == 0)
		return -1;
	*v_r = (uint32_t)v;
	return 0;
}

static int
parse_extra(const char *s, size_t n, size_t base, struct passwd_entry *e,
    struct passwd_err *err)
{
	size_t off = 0;

	while (off < n) {
		const char *comma = memchr(s + off, ',', n - off);
		size_t end = comma != NULL ? (size_t)(comma - s) : n;
		const char *it = s + off;
		size_t il = end - off, i;

		if (il > 9 && memcmp(it, "cram-md5=", 9) == 0) {
			size_t hl = il - 9;

			if (e->cram_len != 0)
				return fail(err, base + off + 1,
				    "cram-md5 given twice");
			if (hl < 2 || hl > 2 * PASSWD_CRAM_MAX || hl % 2 != 0)
				return fail(err, base + off + 10,
				    "cram-md5 key must be 2 to 128 hex digits");
			for (i = 0; i < hl; i += 2) {
				int hi = hexval((unsigned char)it[9 + i]);
				int lo = hexval((unsigned char)it[10 + i]);

				if (hi < 0 || lo < 0) {
					explicit_bzero(e->cram, sizeof e->cram);
					return fail(err,
					    base + off + 10 + i + (hi >= 0),
					    "cram-md5 key is not hex");
				}
				e->cram[i / 2] = (unsigned char)(hi * 16 + lo);
			}
			e->cram_len = hl / 2;
		} else if (il == 0) {
			return fail(err, base + off + 1, "empty option");
		} else {
			return fail(err, base + off + 1, "unknown option");
		}
		off = end + (comma != NULL);
		if (comma != NULL && off == n)
			return fail(err, base + off + 1, "empty option");
	}
	return 0;
}

int
passwd_parse_line(const char *s, size_t n, struct passwd_entry *e,
    struct passwd_err *err)
{
	size_t start[7], len[7], nf = 0, a = 0, i, col;
	const char *why;

	memset(e, 0, sizeof *e);
	if (n > PASSWD_LINE_MAX)
		return fail(err, PASSWD_LINE_MAX + 1, "line too long");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return fail(err, i + 1, c == '\r' ? "CR in line"
			    : c == 0 ? "NUL byte in line" : "control byte in line");
		if (c >= 0x80)
			return fail(err, i + 1, "non-ASCII byte in line");
	}
	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != ':')
			continue;
		if (i < n && nf == 6)
			return fail(err, i + 1, "more than 7 fields");
		start[nf] = a;
		len[nf] = i - a;
		nf++;
		a = i + 1;
	}
	if (nf < 7)
		return fail(err, n + 1, "fewer than 7 fields");

	if (passwd_user_ok(s, len[0]) < 0) {
		if (len[0] > PASSWD_USER_MAX)
			return fail(err, 1, "user name too long");
		i = 0;
		if (len[0] > 0 && is_alnum((unsigned char)s[0]))
			while (passwd_user_ok(s, i + 2) == 0)
				i++;
		return fail(err, len[0] == 0 || i == 0 ? 1 : i + 2,
		    "bad user name");
	}
	memcpy(e->user, s, len[0]);

	{
		const char *h = s + start[1];
		size_t hl = len[1], skip = 0;

		if (hl > 0 && h[0] == '!') {
			e->locked = 1;
			skip = 1;
		}
		if (passwd_hash_parse(h + skip, hl - skip, &e->cost, &col,
		    &why) < 0)
			return fail(err, start[1] + skip + col, why);
		memcpy(e->hash, h + skip, hl - skip);
	}
	if (parse_id(s + start[2], len[2], &e->uid) < 0)
		return fail(err, start[2] + 1, "uid must be 1 to 4294967294");
	if (parse_id(s + start[3], len[3], &e->gid) < 0)
		return fail(err, start[3] + 1, "gid must be 1 to 4294967294");
	if (path_ok(s + start[4], len[4], &col, &why) < 0)
		return fail(err, start[4] + col + 1, why);
	memcpy(e->home, s + start[4], len[4]);
	if (len[5] > 0) {
		if (path_ok(s + start[5], len[5], &col, &why) < 0)
			return fail(err, start[5] + col + 1, why);
		memcpy(e->maildir, s + start[5], len[5]);
	}
	if (parse_extra(s + start[6], len[6], start[6], e, err) < 0)
		return -1;
	return 0;
}

struct seen {
	const char *user;
	size_t len;
	unsigned line;
};

static int
seen_cmp(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->user, y->user, n);

	if (c != 0)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

long
passwd_parse_file(const char *buf, size_t len, passwd_line_fn *fn,
    void *arg, struct passwd_err *err)
{
	struct seen *seen = NULL, *dup = NULL;
	size_t nseen = 0, cap = 0, pos = 0, i;
	struct passwd_entry e;
	unsigned line = 0;
	long rc = -1;

	memset(err, 0, sizeof *err);
	if (len > PASSWD_FILE_MAX) {
		fail(err, 0, "file too large");
		return -1;
	}
	while (pos < len) {
		const char *s = buf + pos;
		const char *lf = memchr(s, '\n', len - pos);
		size_t n = lf != NULL ? (size_t)(lf - s) : len - pos;

		line++;
		err->line = line;
		if (n > PASSWD_LINE_MAX) {
			fail(err, PASSWD_LINE_MAX + 1, "line too long");
			goto out;
		}
		if (lf == NULL) {
			fail(err, n + 1, "last line lacks its newline");
			goto out;
		}
		pos += n + 1;
		if (n == 0 || s[0] == '#') {
			if (memchr(s, '\0', n) != NULL) {
				fail(err, (size_t)((const char *)memchr(s, '\0',
				    n) - s) + 1, "NUL byte in line");
				goto out;
			}
			if (fn != NULL && fn(arg, line, s, n, NULL) < 0) {
				snprintf(err->reason, sizeof err->reason,
				    "stopped");
				goto out;
			}
			continue;
		}
		if (passwd_parse_line(s, n, &e, err) < 0)
			goto out;
		if (nseen == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct seen *ns;

			ns = reallocarray(seen, ncap, sizeof *seen);
			if (ns == NULL) {
				snprintf(err->reason, sizeof err->reason,
				    "out of memory");
				errno = ENOMEM;
				goto out;
			}
			seen = ns;
			cap = ncap;
		}
		seen[nseen].user = s;
		seen[nseen].len = strlen(e.user);
		seen[nseen].line = line;
		nseen++;
		if (fn != NULL && fn(arg, line, s, n, &e) < 0) {
			explicit_bzero(&e, sizeof e);
			snprintf(err->reason, sizeof err->reason, "stopped");
			goto out;
		}
		explicit_bzero(&e, sizeof e);
	}
	if (nseen > 1)
		qsort(seen, nseen, sizeof *seen, seen_cmp);
	/* The duplicate reported is the one on the latest line. */
	for (i = 1; i < nseen; i++) {
		if (seen[i].len == seen[i - 1].len &&
		    memcmp(seen[i].user, seen[i - 1].user, seen[i].len) == 0 &&
		    (dup == NULL || seen[i].line > dup->line))
			dup = &seen[i];
	}
	if (dup != NULL) {
		err->line = dup->line;
		fail(err, 1, "duplicate user");
		goto out;
	}
	err->line = 0;
	rc = (long)nseen;
out:
	free(seen);
	return rc;
}

int
passwd_format(const struct passwd_entry *e, struct str *out)
{
	static const char hex[] = "0123456789abcdef";
	struct passwd_entry back;
	struct passwd_err err;
	size_t start = out->len, i;
	int r;

	if (str_printf(out, "%s:%s%s:%lu:%lu:%s:%s:", e->user,
	    e->locked ? "!" : "", e->hash, (unsigned long)e->uid,
	    (unsigned long)e->gid, e->home, e->maildir) < 0)
		return -1;
	if (e->cram_len > 0) {
		if (e->cram_len > PASSWD_CRAM_MAX) {
			str_truncate(out, start);
			errno = EINVAL;
			return -1;
		}
		if (str_appendz(out, "cram-md5=") < 0)
			return -1;
		for (i = 0; i < e->cram_len; i++) {
			if (str_appendc(out, hex[e->cram[i] >> 4]) < 0 ||
			    str_appendc(out, hex[e->cram[i] & 15]) < 0)
				return -1;
		}
	}
	r = passwd_parse_line(out->s + start, out->len - start, &back, &err);
	explicit_bzero(&back, sizeof back);
	if (r < 0) {
		explicit_bzero(out->s + start, out->len - start);
		str_truncate(out, start);
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
passwd_cost_within(const struct passwd_cost *cost,
    const struct passwd_cost *max)
{
	return cost->m_kib <= max->m_kib && cost->t <= max->t &&
	    cost->p <= max->p;
}
