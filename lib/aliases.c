#include "aliases.h"

#include <cdb.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static int
fail(struct aliases_err *err, unsigned col, const char *why)
{
	err->col = col;
	snprintf(err->reason, sizeof err->reason, "%s", why);
	errno = EINVAL;
	return -1;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
is_ctl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Is the n-byte address p acceptable (user or user@domain)? */
static const char *
addr_bad(const char *p, size_t n)
{
	const char *at = NULL;
	size_t i;

	if (n == 0)
		return "empty address";
	if (n > ALIASES_ADDR_MAX)
		return "address longer than 254 bytes";
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == ' ' || c == '\t')
			return "white space in an address (quote a command)";
		if (is_ctl(c) || strchr(",\"\\|:;<>()", c) != NULL)
			return "bad character in an address";
		if (c == '@') {
			if (at != NULL)
				return "more than one @ in an address";
			at = p + i;
		}
	}
	if (at == p)
		return "empty local part in an address";
	if (at == p + n - 1)
		return "empty domain in an address";
	return NULL;
}

/* Checks one target's text and appends it in the compiled form. */
static int
classify(const char *t, size_t tl, unsigned col, struct str *out,
    struct aliases_err *err)
{
	const char *why;
	char kind;
	size_t p = 0;

	if (tl == 0)
		return fail(err, col, "empty target");
	if (t[0] == '|') {
		p = 1;
		while (p < tl && is_blank(t[p]))
			p++;
		if (p == tl)
			return fail(err, col, "empty command");
		kind = '|';
	} else if (tl >= 9 && strncasecmp(t, ":include:", 9) == 0) {
		p = 9;
		while (p < tl && is_blank(t[p]))
			p++;
		if (p == tl || t[p] != '/')
			return fail(err, col,
			    "an :include: file needs an absolute path");
		kind = 'i';
	} else if (t[0] == '/') {
		if (t[tl - 1] != '/')
			return fail(err, col, "a path must end in / (a Maildir); "
					      "mbox files are not supported");
		kind = '/';
	} else if (t[0] == '\\') {
		p = 1;
		if ((why = addr_bad(t + 1, tl - 1)) != NULL)
			return fail(err, col + 1, why);
		kind = 'u';
	} else {
		if ((why = addr_bad(t, tl)) != NULL)
			return fail(err, col, why);
		kind = 'a';
	}
	if (str_appendc(out, kind) < 0 || str_append(out, t + p, tl - p) < 0 ||
	    str_appendc(out, '\0') < 0)
		return -1;
	return 0;
}

int
aliases_parse_targets(const char *s, size_t n, unsigned col0,
    struct str *out, size_t *count_r, struct aliases_err *err)
{
	char tok[ALIASES_TARGET_MAX];
	size_t i = 0, tl, start;

	for (i = 0; i < n; i++)
		if (is_ctl((unsigned char)s[i]))
			return fail(err, col0 + (unsigned)i,
			    s[i] == '\0' ? "NUL byte" : "control character");
	i = 0;
	for (;;) {
		while (i < n && is_blank(s[i]))
			i++;
		if (i == n)
			return 0;
		start = i;
		tl = 0;
		if (s[i] == ',')
			return fail(err, col0 + (unsigned)i, "empty target");
		if (s[i] == '"') {
			for (i++;; i++) {
				char c;

				if (i == n)
					return fail(err, col0 + (unsigned)start,
					    "unterminated quote");
				c = s[i];
				if (c == '"')
					break;
				if (c == '\\' && i + 1 < n &&
				    (s[i + 1] == '"' || s[i + 1] == '\\'))
					c = s[++i];
				if (tl == sizeof tok)
					return fail(err, col0 + (unsigned)start,
					    "target longer than 1024 bytes");
				tok[tl++] = c;
			}
			i++;
		} else {
			while (i < n && s[i] != ',') {
				if (s[i] == '"')
					return fail(err, col0 + (unsigned)i,
					    "quote inside an unquoted target");
				if (tl == sizeof tok)
					return fail(err, col0 + (unsigned)start,
					    "target longer than 1024 bytes");
				tok[tl++] = s[i++];
			}
			while (tl > 0 && is_blank(tok[tl - 1]))
				tl--;
		}
		while (i < n && is_blank(s[i]))
			i++;
		if (i < n) {
			if (s[i] != ',')
				return fail(err, col0 + (unsigned)i,
				    "expected a comma after the target");
			i++;
		}
		if (*count_r >= ALIASES_MAXTARGETS)
			return fail(err, col0 + (unsigned)start,
			    "more than 1000 targets");
		if (classify(tok, tl, col0 + (unsigned)start, out, err) < 0)
			return -1;
		(*count_r)++;
	}
}

/* The names seen so far, for the duplicate check: open addressing. */
struct slot {
	size_t off; /* offset + 1 into names; 0: empty */
	unsigned line;
};
struct nameset {
	struct str names;
	struct slot *tab;
	size_t cap, used;
};

static size_t
name_hash(const char *s)
{
	size_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static int
nameset_grow(struct nameset *ns)
{
	size_t ncap = ns->cap == 0 ? 64 : ns->cap * 2, i;
	struct slot *nt;

	if (ncap > SIZE_MAX / sizeof *nt) {
		errno = ENOMEM;
		return -1;
	}
	nt = calloc(ncap, sizeof *nt);
	if (nt == NULL)
		return -1;
	for (i = 0; i < ns->cap; i++) {
		size_t j;

		if (ns->tab[i].off == 0)
			continue;
		j = name_hash(ns->names.s + ns->tab[i].off - 1) & (ncap - 1);
		while (nt[j].off != 0)
			j = (j + 1) & (ncap - 1);
		nt[j] = ns->tab[i];
	}
	free(ns->tab);
	ns->tab = nt;
	ns->cap = ncap;
	return 0;
}

/* Adds name; returns 0, the line of an earlier one (> 0), or -1. */
static long
nameset_add(struct nameset *ns, const char *name, unsigned line)
{
	size_t j;

	if ((ns->used + 1) * 2 > ns->cap && nameset_grow(ns) < 0)
		return -1;
	j = name_hash(name) & (ns->cap - 1);
	while (ns->tab[j].off != 0) {
		if (strcmp(ns->names.s + ns->tab[j].off - 1, name) == 0)
			return ns->tab[j].line;
		j = (j + 1) & (ns->cap - 1);
	}
	ns->tab[j].off = ns->names.len + 1;
	ns->tab[j].line = line;
	if (str_append(&ns->names, name, strlen(name) + 1) < 0)
		return -1;
	ns->used++;
	return 0;
}

static void
nameset_free(struct nameset *ns)
{
	str_free(&ns->names);
	free(ns->tab);
	ns->tab = NULL;
	ns->cap = ns->used = 0;
}

long
aliases_parse(const char *buf, size_t len, aliases_entry_fn *fn, void *arg,
    struct aliases_err *err)
{
	struct nameset ns = { STR_INIT, NULL, 0, 0 };
	struct str val = STR_INIT;
	char name[ALIASES_NAME_MAX + 1];
	size_t pos = 0, count = 0;
	unsigned line = 0, entry_line = 0;
	long entries = 0;
	int have = 0, saved;

	memset(err, 0, sizeof *err);
	if (len > ALIASES_FILE_MAX) {
		fail(err, 0, "file too large");
		return -1;
	}
	for (;;) {
		const char *s = buf + pos, *lf;
		size_t n, a, i, j, k;
		long first;

		if (pos == len || (pos < len && buf[pos] != ' ' &&
		    buf[pos] != '\t' && buf[pos] != '\n' && buf[pos] != '#' &&
		    !(buf[pos] == '\r' && pos + 1 < len && buf[pos + 1] == '\n'))) {
			/* A new entry (or the end): the last one is done. */
			if (have) {
				if (count == 0) {
					err->line = entry_line;
					fail(err, 1, "no targets for the alias");
					goto bad;
				}
				if (fn != NULL && fn(arg, entry_line, name, val.s,
				    val.len) < 0) {
					saved = errno;
					err->line = entry_line;
					snprintf(err->reason, sizeof err->reason,
					    "stopped");
					errno = saved;
					goto bad;
				}
				entries++;
				have = 0;
			}
			if (pos == len)
				break;
		}
		lf = memchr(s, '\n', len - pos);
		n = lf != NULL ? (size_t)(lf - s) : len - pos;
		pos += n + (lf != NULL);
		line++;
		err->line = line;
		if (n > ALIASES_LINE_MAX) {
			fail(err, ALIASES_LINE_MAX + 1, "line too long");
			goto bad;
		}
		if (n > 0 && s[n - 1] == '\r')
			n--;
		for (a = 0; a < n && is_blank(s[a]); a++)
			;
		if (a == n || s[a] == '#') {
			for (i = a; i < n; i++)
				if (s[i] == '\0' || s[i] == '\r') {
					fail(err, (unsigned)i + 1,
					    s[i] == '\0' ? "NUL byte"
							 : "control character");
					goto bad;
				}
			continue;
		}
		if (a > 0) {
			if (!have) {
				fail(err, 1, "continuation line without an "
					     "alias before it");
				goto bad;
			}
			if (aliases_parse_targets(s + a, n - a, (unsigned)a + 1,
			    &val, &count, err) < 0)
				goto bad;
			continue;
		}
		for (j = 0; j < n && s[j] != ':' && !is_blank(s[j]); j++) {
			unsigned char c = (unsigned char)s[j];

			if (c < 0x21 || c > 0x7e || strchr(",\"@\\|", c) != NULL) {
				fail(err, (unsigned)j + 1,
				    c == '\0' ? "NUL byte"
					      : "bad character in an alias name");
				goto bad;
			}
			if (j == ALIASES_NAME_MAX) {
				fail(err, (unsigned)j + 1,
				    "alias name longer than 64 bytes");
				goto bad;
			}
			name[j] = lower(s[j]);
		}
		name[j] = '\0';
		if (j == 0) {
			fail(err, 1, "empty alias name");
			goto bad;
		}
		for (k = j; k < n && is_blank(s[k]); k++)
			;
		if (k == n || s[k] != ':') {
			fail(err, (unsigned)k + 1,
			    "expected ':' after the alias name");
			goto bad;
		}
		first = nameset_add(&ns, name, line);
		if (first < 0)
			goto bad;
		if (first > 0) {
			char why[64];

			snprintf(why, sizeof why, "duplicate alias (first on "
						  "line %ld)", first);
			fail(err, 1, why);
			goto bad;
		}
		have = 1;
		entry_line = line;
		count = 0;
		str_clear(&val);
		if (aliases_parse_targets(s + k + 1, n - k - 1, (unsigned)k + 2,
		    &val, &count, err) < 0)
			goto bad;
	}
	err->line = 0;
	err->col = 0;
	nameset_free(&ns);
	str_free(&val);
	return entries;
bad:
	saved = errno;
	nameset_free(&ns);
	str_free(&val);
	errno = saved;
	return -1;
}

struct compile {
	struct cdb_make cm;
	int failed;
};

static int
compile_entry(void *arg, unsigned line, const char *name, const char *val,
    size_t vlen)
{
	struct compile *c = arg;

	(void)line;
	if (cdb_make_add(&c->cm, name, (unsigned)strlen(name), val,
	    (unsigned)vlen) < 0) {
		c->failed = 1;
		return -1;
	}
	return 0;
}

long
aliases_compile(const char *buf, size_t len, int fd, struct aliases_err *err)
{
	struct compile c;
	long r;
	int saved;

	memset(&c, 0, sizeof c);
	memset(err, 0, sizeof *err);
	if (cdb_make_start(&c.cm, fd) < 0)
		goto werr;
	r = aliases_parse(buf, len, compile_entry, &c, err);
	if (r < 0) {
		/* Finishing frees cdb_make's memory; the file is junk. */
		saved = errno;
		(void)cdb_make_finish(&c.cm);
		errno = saved;
		if (!c.failed)
			return -1;
		goto werr;
	}
	if (cdb_make_finish(&c.cm) < 0)
		goto werr;
	return r;
werr:
	saved = errno;
	err->line = 0;
	err->col = 0;
	snprintf(err->reason, sizeof err->reason, "write error: %s",
	    strerror(saved));
	errno = saved;
	return -1;
}

/* ------------------------------------------------------------ expansion */

struct xp {
	struct cdb cdb;
	int (*is_local)(void *arg, const char *domain);
	int (*fn)(void *arg, enum alias_kind kind, const char *target);
	void *arg;
	size_t depth;
	/* The expansion path: 'n' + alias name, or 'i' + include path. */
	char stack[ALIASES_MAXDEPTH][ALIASES_TARGET_MAX + 2];
	/* Final targets so far: a kind digit and the text (an address in
	 * lower case); aliases ('n') and include files ('i') expanded. */
	struct nameset seen, done;
	size_t nseen, visits;
	struct str key;
};

/* Adds kind + s to set: 1 if it was there, 0 if new, -1 on error. */
static int
set_add(struct xp *x, struct nameset *set, char kind, const char *s,
    int fold)
{
	size_t n = strlen(s), i;
	long r;

	str_clear(&x->key);
	if (str_appendc(&x->key, kind) < 0 || str_append(&x->key, s, n) < 0)
		return -1;
	if (fold)
		for (i = 1; i <= n; i++)
			x->key.s[i] = lower(x->key.s[i]);
	r = nameset_add(set, x->key.s, 1);
	return r < 0 ? -1 : r > 0;
}

static int expand_name(struct xp *x, const char *name, size_t nl);
static int expand_include(struct xp *x, const char *path);

static int
emit(struct xp *x, enum alias_kind kind, const char *text)
{
	int r = set_add(x, &x->seen, (char)('0' + (int)kind), text,
	    kind == ALIAS_ADDR);

	if (r != 0)
		return r < 0 ? -1 : 0;
	if (x->nseen >= ALIASES_MAXTARGETS) {
		errno = E2BIG;
		return -1;
	}
	x->nseen++;
	return x->fn(x->arg, kind, text) < 0 ? -1 : 0;
}

static const char *
top_name(const struct xp *x)
{
	size_t i = x->depth;

	while (i > 0) {
		i--;
		if (x->stack[i][0] == 'n')
			return x->stack[i] + 1;
	}
	return NULL;
}

static int
on_stack(const struct xp *x, char kind, const char *s)
{
	size_t i;

	for (i = 0; i < x->depth; i++)
		if (x->stack[i][0] == kind && strcmp(x->stack[i] + 1, s) == 0)
			return 1;
	return 0;
}

static int
push(struct xp *x, char kind, const char *s, size_t n)
{
	if (x->depth == ALIASES_MAXDEPTH) {
		log_warn("aliases: nested deeper than %d at %s%.*s: refused",
		    ALIASES_MAXDEPTH, kind == 'i' ? ":include:" : "", (int)n,
		    s);
		errno = ELOOP;
		return -1;
	}
	if (n > ALIASES_TARGET_MAX) {
		errno = EINVAL;
		return -1;
	}
	x->stack[x->depth][0] = kind;
	memcpy(x->stack[x->depth] + 1, s, n);
	x->stack[x->depth][n + 1] = '\0';
	x->depth++;
	return 0;
}

/* One target of an alias or include file. */
static int
target(struct xp *x, char kind, const char *text, int trusted,
    const char *where)
{
	char lname[ALIASES_NAME_MAX + 1];
	const char *at, *top;
	size_t ll, i;
	int r;

	if (++x->visits > ALIASES_MAXVISITS) {
		log_warn("aliases: more than %d targets looked at under %s",
		    ALIASES_MAXVISITS, where);
		errno = E2BIG;
		return -1;
	}
	switch (kind) {
	case '|':
	case '/':
		if (!trusted) {
			log_warn("aliases: %s in unsafe include file %s "
				 "dropped: %s",
			    kind == '|' ? "command" : "Maildir", where, text);
			return 0;
		}
		return emit(x, kind == '|' ? ALIAS_PIPE : ALIAS_MAILDIR, text);
	case 'u':
		return emit(x, ALIAS_ADDR, text);
	case 'i':
		return expand_include(x, text);
	case 'a':
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	at = strrchr(text, '@');
	if (at != NULL && (x->is_local == NULL ||
	    !x->is_local(x->arg, at + 1)))
		return emit(x, ALIAS_ADDR, text);
	ll = at != NULL ? (size_t)(at - text) : strlen(text);
	if (ll > ALIASES_NAME_MAX)
		return emit(x, ALIAS_ADDR, text); /* cannot be an alias */
	for (i = 0; i < ll; i++)
		lname[i] = lower(text[i]);
	lname[ll] = '\0';
	if (on_stack(x, 'n', lname)) {
		top = top_name(x);
		if (top != NULL && strcmp(top, lname) == 0)
			return emit(x, ALIAS_ADDR, text);
		log_warn("aliases: loop through %s (listed under %s): target "
			 "dropped", text, where);
		return 0;
	}
	r = expand_name(x, lname, ll);
	if (r == 0)
		return emit(x, ALIAS_ADDR, text);
	return r < 0 ? -1 : 0;
}

/* Runs through one compiled target list (n bytes at v). */
static int
targets(struct xp *x, const char *v, size_t n, int trusted, const char *where)
{
	const char *end = v + n;

	while (v < end) {
		const char *nul;
		char kind = *v++;

		nul = memchr(v, '\0', (size_t)(end - v));
		if (nul == NULL || nul == v) {
			errno = EINVAL;
			return -1;
		}
		if (target(x, kind, v, trusted, where) < 0)
			return -1;
		v = nul + 1;
	}
	return 0;
}

/* 0: not an alias, 1: expanded, -1: error. */
static int
expand_name(struct xp *x, const char *name, size_t nl)
{
	const char *v;
	char *copy;
	unsigned vlen;
	int r, saved;

	r = cdb_find(&x->cdb, name, (unsigned)nl);
	if (r < 0) {
		errno = EINVAL;
		return -1;
	}
	if (r == 0)
		return 0;
	vlen = cdb_datalen(&x->cdb);
	v = cdb_getdata(&x->cdb);
	if (v == NULL || vlen == 0 || v[vlen - 1] != '\0') {
		log_warn("aliases: corrupt record for %s", name);
		errno = EINVAL;
		return -1;
	}
	/* Expanded once: a second time would add nothing new. */
	r = set_add(x, &x->done, 'n', name, 0);
	if (r != 0)
		return r < 0 ? -1 : 1;
	if (push(x, 'n', name, nl) < 0)
		return -1;
	/* The map stays valid, but a copy keeps a corrupt file from
	 * being read past the checks above. */
	copy = malloc(vlen);
	if (copy == NULL) {
		x->depth--;
		return -1;
	}
	memcpy(copy, v, vlen);
	r = targets(x, copy, vlen, 1, name);
	saved = errno;
	free(copy);
	x->depth--;
	errno = saved;
	return r < 0 ? -1 : 1;
}

static int
read_include(const char *path, struct str *buf, int *trusted_r)
{
	struct stat st;
	ssize_t r;
	int fd, saved;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		goto bad;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto bad;
	}
	if ((uint64_t)st.st_size > ALIASES_INCLUDE_MAX) {
		errno = EFBIG;
		goto bad;
	}
	*trusted_r = (st.st_uid == 0 || st.st_uid == geteuid()) &&
	    (st.st_mode & 022) == 0;
	for (;;) {
		if (str_reserve(buf, 4096) < 0)
			goto bad;
		r = read(fd, buf->s + buf->len, 4096);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto bad;
		if (r == 0)
			break;
		buf->len += (size_t)r;
		buf->s[buf->len] = '\0';
		if (buf->len > ALIASES_INCLUDE_MAX) {
			errno = EFBIG;
			goto bad;
		}
	}
	close(fd);
	return 0;
bad:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

static int
expand_include(struct xp *x, const char *path)
{
	struct str buf = STR_INIT, val = STR_INIT;
	struct aliases_err err;
	size_t pos = 0, count = 0;
	unsigned line = 0;
	int trusted = 0, r = -1, saved;

	if (on_stack(x, 'i', path)) {
		log_warn("aliases: :include:%s includes itself: skipped", path);
		return 0;
	}
	r = set_add(x, &x->done, 'i', path, 0);
	if (r != 0)
		return r < 0 ? -1 : 0;
	r = -1;
	if (read_include(path, &buf, &trusted) < 0) {
		saved = errno;
		log_warn("aliases: unable to read :include:%s: %s", path,
		    saved == EINVAL ? "not a regular file"
				    : saved == EFBIG ? "file too large"
						     : strerror(saved));
		errno = saved == EFBIG ? EINVAL : saved;
		return -1;
	}
	memset(&err, 0, sizeof err);
	while (pos < buf.len) {
		const char *s = buf.s + pos;
		const char *lf = memchr(s, '\n', buf.len - pos);
		size_t n = lf != NULL ? (size_t)(lf - s) : buf.len - pos, a;

		pos += n + (lf != NULL);
		line++;
		if (n > 0 && s[n - 1] == '\r')
			n--;
		for (a = 0; a < n && is_blank(s[a]); a++)
			;
		if (a == n || s[a] == '#')
			continue;
		if (aliases_parse_targets(s + a, n - a, (unsigned)a + 1, &val,
		    &count, &err) < 0) {
			saved = errno;
			if (saved == EINVAL)
				log_warn("aliases: %s:%u:%u: %s", path, line,
				    err.col, err.reason);
			errno = saved;
			goto out;
		}
	}
	if (push(x, 'i', path, strlen(path)) < 0)
		goto out;
	r = targets(x, val.s, val.len, trusted, path);
	x->depth--;
out:
	saved = errno;
	str_free(&buf);
	str_free(&val);
	errno = saved;
	return r;
}

int
aliases_expand(const char *cdbpath, const char *local,
    int (*is_local)(void *arg, const char *domain),
    int (*fn)(void *arg, enum alias_kind kind, const char *target),
    void *arg)
{
	char lname[ALIASES_NAME_MAX + 1];
	struct xp *x;
	size_t ll = strlen(local), i;
	int fd, r, saved;

	if (ll == 0 || ll > ALIASES_NAME_MAX)
		return 0;
	for (i = 0; i < ll; i++)
		lname[i] = lower(local[i]);
	lname[ll] = '\0';
	fd = open(cdbpath, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	x = calloc(1, sizeof *x);
	if (x == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	if (cdb_init(&x->cdb, fd) < 0) {
		saved = errno;
		log_warn("aliases: %s: not a cdb file", cdbpath);
		free(x);
		close(fd);
		errno = saved == ENOMEM ? ENOMEM : EINVAL;
		return -1;
	}
	x->is_local = is_local;
	x->fn = fn;
	x->arg = arg;
	r = expand_name(x, lname, ll);
	saved = errno;
	cdb_free(&x->cdb);
	close(fd);
	nameset_free(&x->seen);
	nameset_free(&x->done);
	str_free(&x->key);
	free(x);
	errno = saved;
	return r;
}
