/*
 * The DHCP lease database; see dhcplease.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dhcplease.h"
#include "durable.h"
#include "num.h"

#define SNAPSHOT "snapshot"
#define SNAPSHOT_TMP "snapshot.tmp"
#define JOURNAL_PREFIX "journal."
#define SNAPSHOT_MAGIC "facteur-leases 1 "
#define FILE_MAX ((size_t)1 << 30)

/* ------------------------------------------------------------- CRC */

uint32_t
lease_crc32(const void *p, size_t n)
{
	static uint32_t table[256];
	static int ready;
	const uint8_t *b = p;
	uint32_t c = 0xffffffffu;
	size_t i;

	if (!ready) {
		for (uint32_t k = 0; k < 256; k++) {
			uint32_t v = k;

			for (int j = 0; j < 8; j++)
				v = v & 1 ? 0xedb88320u ^ (v >> 1) : v >> 1;
			table[k] = v;
		}
		ready = 1;
	}
	for (i = 0; i < n; i++)
		c = table[(c ^ b[i]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

const char *
lease_state_name(int state)
{
	switch (state) {
	case LEASE_ACTIVE:
		return "active";
	case LEASE_ABANDONED:
		return "abandoned";
	default:
		return "free";
	}
}

/* ------------------------------------------------------- records */

static const char hexd[] = "0123456789abcdef";

static int
host_char(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_';
}

long
lease_format(const struct lease_rec *r, char *buf, size_t cap)
{
	char line[LEASE_LINE_MAX];
	size_t n, i;
	int k;

	if (r->hlen > 16 || r->cidlen > LEASE_CID_MAX || r->state > 2 ||
	    r->start < 0 || r->end < 0) {
		errno = EINVAL;
		return -1;
	}
	k = snprintf(line, sizeof line, "L %u.%u.%u.%u %s %" PRId64 " %" PRId64
	    " %u ", r->ip >> 24, (r->ip >> 16) & 255, (r->ip >> 8) & 255,
	    r->ip & 255, lease_state_name(r->state), r->start, r->end,
	    r->htype);
	n = (size_t)k;
	/* Fields below are bounded: 32 + 256 + 64 bytes at most. */
	if (r->hlen == 0)
		line[n++] = '-';
	for (i = 0; i < r->hlen; i++) {
		line[n++] = hexd[r->hw[i] >> 4];
		line[n++] = hexd[r->hw[i] & 15];
	}
	line[n++] = ' ';
	if (r->cidlen == 0)
		line[n++] = '-';
	for (i = 0; i < r->cidlen; i++) {
		line[n++] = hexd[r->cid[i] >> 4];
		line[n++] = hexd[r->cid[i] & 15];
	}
	line[n++] = ' ';
	if (r->host[0] == '\0')
		line[n++] = '-';
	for (i = 0; i < LEASE_HOST_MAX && r->host[i] != '\0'; i++)
		line[n++] = host_char((unsigned char)r->host[i]) ? r->host[i] :
		    '_';
	k = snprintf(line + n, sizeof line - n, " %08x\n",
	    lease_crc32(line, n));
	n += (size_t)k;
	if (n > cap) {
		errno = E2BIG;
		return -1;
	}
	memcpy(buf, line, n);
	return (long)n;
}

/* Splits off the next space-separated field. */
static int
field(const char **p, const char *end, const char **f_r, size_t *len_r)
{
	const char *s = *p, *e;

	if (s >= end)
		return -1;
	e = memchr(s, ' ', (size_t)(end - s));
	if (e == NULL)
		e = end;
	if (e == s)
		return -1;
	*f_r = s;
	*len_r = (size_t)(e - s);
	*p = e < end ? e + 1 : e;
	return 0;
}

static int
unhex(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

static int
hexfield(const char *f, size_t len, uint8_t *out, size_t max, size_t *n_r)
{
	size_t i;

	if (len == 1 && f[0] == '-') {
		*n_r = 0;
		return 0;
	}
	if (len % 2 != 0 || len / 2 > max)
		return -1;
	for (i = 0; i < len / 2; i++) {
		int h = unhex((unsigned char)f[2 * i]),
		    l = unhex((unsigned char)f[2 * i + 1]);

		if (h < 0 || l < 0)
			return -1;
		out[i] = (uint8_t)(h << 4 | l);
	}
	*n_r = len / 2;
	return 0;
}

static int
ipfield(const char *f, size_t len, uint32_t *ip_r)
{
	uint32_t ip = 0;
	uint64_t v;
	size_t used, i;

	for (i = 0; i < 4; i++) {
		if (num_u64_prefix(f, len, 255, &v, &used) != 0 || used > 3)
			return -1;
		ip = ip << 8 | (uint32_t)v;
		f += used;
		len -= used;
		if (i < 3) {
			if (len == 0 || *f != '.')
				return -1;
			f++;
			len--;
		}
	}
	if (len != 0)
		return -1;
	*ip_r = ip;
	return 0;
}

int
lease_parse(const char *line, size_t len, struct lease_rec *r)
{
	const char *p = line, *end, *f;
	size_t flen, n;
	uint64_t v, crc;
	const char *crcpos;

	memset(r, 0, sizeof *r);
	/* The CRC is the last 8 bytes, after a space. */
	if (len < 10 || len > LEASE_LINE_MAX || line[len - 9] != ' ')
		goto bad;
	crcpos = line + len - 8;
	crc = 0;
	for (n = 0; n < 8; n++) {
		int h = unhex((unsigned char)crcpos[n]);

		if (h < 0)
			goto bad;
		crc = crc << 4 | (uint64_t)h;
	}
	if (lease_crc32(line, len - 9) != (uint32_t)crc)
		goto bad;
	end = line + len - 9;
	if (field(&p, end, &f, &flen) || flen != 1 || f[0] != 'L')
		goto bad;
	if (field(&p, end, &f, &flen) || ipfield(f, flen, &r->ip))
		goto bad;
	if (field(&p, end, &f, &flen))
		goto bad;
	if (flen == 6 && memcmp(f, "active", 6) == 0)
		r->state = LEASE_ACTIVE;
	else if (flen == 4 && memcmp(f, "free", 4) == 0)
		r->state = LEASE_FREE;
	else if (flen == 9 && memcmp(f, "abandoned", 9) == 0)
		r->state = LEASE_ABANDONED;
	else
		goto bad;
	if (field(&p, end, &f, &flen) || num_u64(f, flen, INT64_MAX, &v))
		goto bad;
	r->start = (int64_t)v;
	if (field(&p, end, &f, &flen) || num_u64(f, flen, INT64_MAX, &v))
		goto bad;
	r->end = (int64_t)v;
	if (field(&p, end, &f, &flen) || num_u64(f, flen, 255, &v))
		goto bad;
	r->htype = (uint8_t)v;
	if (field(&p, end, &f, &flen) || hexfield(f, flen, r->hw, 16, &n))
		goto bad;
	r->hlen = (uint8_t)n;
	if (field(&p, end, &f, &flen) ||
	    hexfield(f, flen, r->cid, LEASE_CID_MAX, &n))
		goto bad;
	r->cidlen = (uint8_t)n;
	if (field(&p, end, &f, &flen) || flen > LEASE_HOST_MAX)
		goto bad;
	if (!(flen == 1 && f[0] == '-')) {
		for (n = 0; n < flen; n++)
			if (!host_char((unsigned char)f[n]))
				goto bad;
		memcpy(r->host, f, flen);
		r->host[flen] = '\0';
	}
	if (p != end)
		goto bad;
	return 0;
bad:
	memset(r, 0, sizeof *r);
	errno = EINVAL;
	return -1;
}

/* ---------------------------------------------------------- loading */

/* Reads a whole file (at most FILE_MAX bytes) into s; 0, or -1. */
static int
read_file(int dirfd, const char *name, struct str *s, int *missing_r)
{
	char buf[65536];
	ssize_t r;
	int fd, e;

	*missing_r = 0;
	str_clear(s);
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT) {
			*missing_r = 1;
			return 0;
		}
		return -1;
	}
	for (;;) {
		r = read(fd, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (s->len + (size_t)r > FILE_MAX) {
			errno = EFBIG;
			r = -1;
			break;
		}
		if (str_append(s, buf, (size_t)r) != 0) {
			r = -1;
			break;
		}
	}
	e = errno;
	close(fd);
	errno = e;
	return r < 0 ? -1 : 0;
}

/*
 * Feeds every good record of text to cb.  *good_end_r gets the offset
 * just past the last good record; a bad or unterminated last line
 * counts as torn, bad lines before it as bad.
 */
static void
replay(const char *text, size_t len, size_t skip, lease_cb *cb, void *ctx,
    struct lease_stats *st, size_t *good_end_r, int *torn_r)
{
	size_t off = skip, eol;
	struct lease_rec r;
	const char *nl;

	*good_end_r = skip;
	*torn_r = 0;
	while (off < len) {
		nl = memchr(text + off, '\n', len - off);
		if (nl == NULL) {
			*torn_r = 1; /* unterminated: torn */
			return;
		}
		eol = (size_t)(nl - text);
		if (lease_parse(text + off, eol - off, &r) == 0) {
			cb(ctx, &r);
			st->records++;
			*good_end_r = eol + 1;
		} else if (eol + 1 == len) {
			*torn_r = 1;
		} else {
			st->bad++;
		}
		off = eol + 1;
	}
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The generations of the journals in dirfd, sorted; caller frees. */
static int
list_journals(int dirfd, uint64_t **gens_r, size_t *n_r)
{
	DIR *d;
	struct dirent *de;
	uint64_t *gens = NULL, g, *q;
	size_t n = 0, cap = 0;
	int fd;

	*gens_r = NULL;
	*n_r = 0;
	if ((fd = dup(dirfd)) < 0)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, JOURNAL_PREFIX,
			sizeof JOURNAL_PREFIX - 1) != 0 ||
		    num_u64z(de->d_name + sizeof JOURNAL_PREFIX - 1,
			UINT64_MAX - 1, &g) != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			if ((q = realloc(gens, cap * sizeof *gens)) == NULL) {
				free(gens);
				closedir(d);
				return -1;
			}
			gens = q;
		}
		gens[n++] = g;
	}
	closedir(d);
	if (n > 0)
		qsort(gens, n, sizeof *gens, cmp_u64);
	*gens_r = gens;
	*n_r = n;
	return 0;
}

static void
journal_name(uint64_t gen, char *buf, size_t n)
{
	snprintf(buf, n, JOURNAL_PREFIX "%" PRIu64, gen);
}

/*
 * The directory lock: a reader holds it shared from the snapshot to the
 * last journal, the compaction exclusive while it replaces the snapshot
 * and removes the journals it covers, so a reader never pairs an old
 * snapshot with a journal list from which the journals it needs are
 * gone.  The lock is taken on a descriptor of its own (flock belongs to
 * the open file description, which a forked compaction shares with
 * dhcpd).  Returns the descriptor, or -1.
 */
static int
dir_lock(int dirfd, int how)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (flock(fd, how) != 0) {
		if (errno != EINTR) {
			int e = errno;

			close(fd);
			errno = e;
			return -1;
		}
	}
	return fd;
}

static void
dir_unlock(int fd)
{
	int e = errno;

	if (fd >= 0)
		close(fd); /* releases the lock */
	errno = e;
}

/*
 * Loads everything; with fix != 0 also cuts a torn tail off the newest
 * journal.  *newest_r gets the newest journal generation (0 if none),
 * *snapgen_r the snapshot's.
 */
static int
load(int dirfd, int fix, lease_cb *cb, void *ctx, struct lease_stats *st,
    uint64_t *newest_r, uint64_t *snapgen_r)
{
	struct str s = STR_INIT;
	uint64_t *gens = NULL, snapgen = 0;
	size_t ngens = 0, i, good_end, skip = 0;
	int missing, torn, rc = -1;
	char name[64];
	int lk;

	memset(st, 0, sizeof *st);
	if ((lk = dir_lock(dirfd, LOCK_SH)) < 0)
		return -1;
	if (read_file(dirfd, SNAPSHOT, &s, &missing) != 0)
		goto out;
	if (!missing) {
		const char *nl = memchr(s.s, '\n', s.len);
		size_t ml = sizeof SNAPSHOT_MAGIC - 1;

		if (nl == NULL || (size_t)(nl - s.s) <= ml ||
		    memcmp(s.s, SNAPSHOT_MAGIC, ml) != 0 ||
		    num_u64(s.s + ml, (size_t)(nl - s.s) - ml, UINT64_MAX - 1,
			&snapgen) != 0) {
			errno = EINVAL;
			goto out;
		}
		skip = (size_t)(nl - s.s) + 1;
		replay(s.s, s.len, skip, cb, ctx, st, &good_end, &torn);
		/* The snapshot was written atomically: no torn tail. */
		st->bad += (size_t)torn;
	}
	if (list_journals(dirfd, &gens, &ngens) != 0)
		goto out;
	*newest_r = 0;
	for (i = 0; i < ngens; i++) {
		if (gens[i] < snapgen)
			continue; /* covered by the snapshot */
		journal_name(gens[i], name, sizeof name);
		if (read_file(dirfd, name, &s, &missing) != 0)
			goto out;
		if (missing)
			continue;
		st->journals++;
		replay(s.s, s.len, 0, cb, ctx, st, &good_end, &torn);
		*newest_r = gens[i];
		if (i + 1 < ngens) {
			st->bad += (size_t)torn;
			continue;
		}
		st->torn = (size_t)torn;
		if (fix && good_end < s.len) {
			int fd = openat(dirfd, name,
			    O_WRONLY | O_CLOEXEC | O_NOFOLLOW);

			if (fd < 0)
				goto out;
			if (ftruncate(fd, (off_t)good_end) != 0 ||
			    durable_fsync(fd) != 0) {
				close(fd);
				goto out;
			}
			close(fd);
		}
	}
	st->gen = *newest_r > snapgen ? *newest_r : snapgen;
	*snapgen_r = snapgen;
	rc = 0;
out:
	dir_unlock(lk);
	free(gens);
	str_free(&s);
	return rc;
}

int
lease_db_load(const char *dir, lease_cb *cb, void *ctx, struct lease_stats *st)
{
	uint64_t newest, snapgen;
	int dirfd, rc, e;

	if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT) {
			memset(st, 0, sizeof *st);
			return 0;
		}
		return -1;
	}
	rc = load(dirfd, 0, cb, ctx, st, &newest, &snapgen);
	e = errno;
	close(dirfd);
	errno = e;
	return rc;
}

static int
open_journal(struct lease_db *db, uint64_t gen, int create)
{
	char name[64];
	int fd;

	journal_name(gen, name, sizeof name);
	if (create) {
		if ((fd = durable_create(db->dirfd, name, 0640)) < 0)
			return -1;
		if (durable_fsync(fd) != 0 || durable_dirsync(db->dirfd) != 0) {
			close(fd);
			return -1;
		}
	} else {
		fd = openat(db->dirfd, name,
		    O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			return -1;
	}
	db->fd = fd;
	db->gen = gen;
	return 0;
}

int
lease_db_open(const char *dir, lease_cb *cb, void *ctx, struct lease_db *db,
    struct lease_stats *st)
{
	uint64_t newest = 0, snapgen = 0;
	int e;

	memset(db, 0, sizeof *db);
	db->fd = -1;
	if (mkdir(dir, 0750) != 0 && errno != EEXIST)
		return -1;
	if ((db->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	if (load(db->dirfd, 1, cb, ctx, st, &newest, &snapgen) != 0)
		goto fail;
	if (newest >= snapgen && newest != 0) {
		if (open_journal(db, newest, 0) != 0)
			goto fail;
	} else if (open_journal(db, snapgen > 0 ? snapgen : 1, 1) != 0) {
		goto fail;
	}
	st->gen = db->gen;
	return 0;
fail:
	e = errno;
	close(db->dirfd);
	db->dirfd = -1;
	errno = e;
	return -1;
}

int
lease_db_append(struct lease_db *db, const struct lease_rec *r)
{
	char line[LEASE_LINE_MAX + 16];
	long n = lease_format(r, line, sizeof line);

	if (n < 0 || str_append(&db->pending, line, (size_t)n) != 0)
		return -1;
	db->appended++;
	return 0;
}

int
lease_db_write(struct lease_db *db)
{
	if (db->pending.len == 0)
		return 0;
	if (durable_write(db->fd, db->pending.s, db->pending.len) != 0)
		return -1;
	str_clear(&db->pending);
	db->written = db->appended;
	return 0;
}

int
lease_db_sync(struct lease_db *db)
{
	return durable_fsync(db->fd);
}

int
lease_db_rotate(struct lease_db *db, uint64_t *covered_r)
{
	int oldfd = db->fd;

	if (lease_db_write(db) != 0 || lease_db_sync(db) != 0)
		return -1;
	if (open_journal(db, db->gen + 1, 1) != 0) {
		db->fd = oldfd;
		return -1;
	}
	close(oldfd);
	*covered_r = db->gen;
	return 0;
}

int
lease_db_close(struct lease_db *db)
{
	int rc = 0;

	if (db->fd >= 0) {
		if (lease_db_write(db) != 0 || lease_db_sync(db) != 0)
			rc = -1;
		close(db->fd);
	}
	if (db->dirfd >= 0)
		close(db->dirfd);
	str_free(&db->pending);
	db->fd = db->dirfd = -1;
	return rc;
}

/* The generation of the snapshot in dirfd: 0 if none or unreadable. */
static uint64_t
snapshot_gen(int dirfd)
{
	char buf[64];
	size_t ml = sizeof SNAPSHOT_MAGIC - 1, k;
	ssize_t n;
	uint64_t g;
	int fd = openat(dirfd, SNAPSHOT, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof buf);
	close(fd);
	if (n <= (ssize_t)ml || memcmp(buf, SNAPSHOT_MAGIC, ml) != 0)
		return 0;
	for (k = ml; k < (size_t)n && buf[k] != '\n'; k++)
		;
	if (k == (size_t)n || num_u64(buf + ml, k - ml, UINT64_MAX - 1, &g) != 0)
		return 0;
	return g;
}

int
lease_db_snapshot(int dirfd, uint64_t gen,
    int (*next)(void *ctx, struct lease_rec *r), void *ctx)
{
	struct str s = STR_INIT;
	struct lease_rec r;
	char line[LEASE_LINE_MAX + 16];
	uint64_t *gens = NULL;
	size_t ngens = 0, i;
	long n;
	int got, lk = -1, rc;

	if (str_printf(&s, SNAPSHOT_MAGIC "%" PRIu64 "\n", gen) != 0)
		goto fail;
	while ((got = next(ctx, &r)) == 1) {
		if ((n = lease_format(&r, line, sizeof line)) < 0 ||
		    str_append(&s, line, (size_t)n) != 0)
			goto fail;
	}
	if (got < 0)
		goto fail;
	if ((lk = dir_lock(dirfd, LOCK_EX)) < 0)
		goto fail;
	/* A compaction that outlived its dhcpd may finish after a newer
	 * one: it must not put an older snapshot back. */
	if (snapshot_gen(dirfd) >= gen) {
		dir_unlock(lk);
		str_free(&s);
		return 0;
	}
	/* Left by a compaction cut short (under the lock: not another's). */
	(void)durable_unlink(dirfd, SNAPSHOT_TMP);
	if (durable_replace(dirfd, SNAPSHOT, SNAPSHOT_TMP, s.s, s.len, 0640) !=
	    0)
		goto fail;
	str_free(&s);
	/* The snapshot is durable: the journals it covers can go. */
	if (list_journals(dirfd, &gens, &ngens) != 0) {
		dir_unlock(lk);
		return -1;
	}
	for (i = 0; i < ngens; i++) {
		if (gens[i] >= gen)
			break;
		journal_name(gens[i], line, sizeof line);
		(void)durable_unlink(dirfd, line);
	}
	free(gens);
	rc = durable_dirsync(dirfd);
	dir_unlock(lk);
	return rc;
fail:
	dir_unlock(lk);
	str_free(&s);
	return -1;
}

/* ------------------------------------------------- current state */

struct collect {
	struct lease_rec *r;
	size_t n, cap;
	int failed;
};

static void
collect_cb(void *ctx, const struct lease_rec *r)
{
	struct collect *c = ctx;
	struct lease_rec *q;

	if (c->failed)
		return;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;

		if (cap > SIZE_MAX / sizeof *q ||
		    (q = realloc(c->r, cap * sizeof *q)) == NULL) {
			c->failed = 1;
			return;
		}
		c->r = q;
		c->cap = cap;
	}
	c->r[c->n++] = *r;
}

/* By address, then by position in the file (start is overwritten with
 * the position for the sort and restored by the caller). */
struct keyed {
	uint32_t ip;
	size_t pos;
};

static int
cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->ip != y->ip)
		return x->ip < y->ip ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

int
lease_db_current(const char *dir, int64_t now, struct lease_rec **recs_r,
    size_t *n_r, struct lease_stats *st)
{
	struct collect c = { NULL, 0, 0, 0 };
	struct keyed *k;
	struct lease_rec *out;
	size_t i, n = 0;

	*recs_r = NULL;
	*n_r = 0;
	if (lease_db_load(dir, collect_cb, &c, st) != 0 || c.failed) {
		free(c.r);
		if (c.failed)
			errno = ENOMEM;
		return -1;
	}
	if (c.n == 0) {
		free(c.r);
		return 0;
	}
	if ((k = malloc(c.n * sizeof *k)) == NULL ||
	    (out = malloc(c.n * sizeof *out)) == NULL) {
		free(k);
		free(c.r);
		return -1;
	}
	for (i = 0; i < c.n; i++) {
		k[i].ip = c.r[i].ip;
		k[i].pos = i;
	}
	qsort(k, c.n, sizeof *k, cmp_keyed);
	for (i = 0; i < c.n; i++) {
		const struct lease_rec *r;

		if (i + 1 < c.n && k[i + 1].ip == k[i].ip)
			continue; /* a later record wins */
		r = &c.r[k[i].pos];
		if (now > 0 && (r->state == LEASE_FREE || r->end <= now))
			continue;
		out[n++] = *r;
	}
	free(k);
	free(c.r);
	*recs_r = out;
	*n_r = n;
	return 0;
}

struct arr_iter {
	const struct lease_rec *r;
	size_t n, i;
};

static int
arr_next(void *ctx, struct lease_rec *r)
{
	struct arr_iter *it = ctx;

	if (it->i == it->n)
		return 0;
	*r = it->r[it->i++];
	return 1;
}

int
lease_db_compact(const char *dir, int dirfd, uint64_t gen, int64_t now)
{
	struct lease_stats st;
	struct lease_rec *recs;
	struct arr_iter it;
	size_t n;
	int rc, e;

	if (lease_db_current(dir, now, &recs, &n, &st) != 0)
		return -1;
	it.r = recs;
	it.n = n;
	it.i = 0;
	rc = lease_db_snapshot(dirfd, gen, arr_next, &it);
	e = errno;
	free(recs);
	errno = e;
	return rc;
}
