/*
 * imapd's view of a Maildir++: see mbox.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "durable.h"
#include "imapparse.h"
#include "log.h"
#include "mbox.h"
#include "num.h"
#include "uniq.h"

static int rootfd = -1;

static void kw_read(struct mbox *mb);

int
mbox_root_open(const char *path)
{
	rootfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return rootfd < 0 ? -1 : 0;
}

int
mbox_rootfd(void)
{
	return rootfd;
}

int
mbox_is_inbox(const char *name)
{
	return strcasecmp(name, "INBOX") == 0;
}

int
mbox_dirname(const char *name, char *dir, size_t n, const char **why_r)
{
	if (mbox_is_inbox(name)) {
		snprintf(dir, n, ".");
		return 0;
	}
	if (imap_mailbox_check(name, strlen(name), '.', why_r) < 0)
		return -1;
	if ((size_t)snprintf(dir, n, ".%s", name) >= n) {
		*why_r = "mailbox name too long";
		errno = EINVAL;
		return -1;
	}
	return 0;
}

size_t
mbox_base_len(const char *name)
{
	const char *c = strchr(name, ':');

	return c != NULL ? (size_t)(c - name) : strlen(name);
}

unsigned
mbox_name_flags(const char *name)
{
	const char *info = strstr(name, ":2,");
	unsigned f = 0;

	if (info == NULL)
		return 0;
	for (info += 3; *info != '\0' && *info != ','; info++) {
		switch (*info) {
		case 'D': f |= F_DRAFT; break;
		case 'F': f |= F_FLAGGED; break;
		case 'R': f |= F_ANSWERED; break;
		case 'S': f |= F_SEEN; break;
		case 'T': f |= F_DELETED; break;
		default:
			if (*info >= 'a' && *info <= 'z')
				f |= F_KW(*info - 'a');
			break;
		}
	}
	return f;
}

int
mbox_name_with_flags(const char *name, unsigned flags, char *out, size_t n)
{
	size_t bl = mbox_base_len(name), o;
	const char *info = strstr(name, ":2,"), *p;
	char letters[64];
	size_t nl = 0;

	/* Keep letters we do not manage (P, others), in ASCII order. */
	if (info != NULL)
		for (p = info + 3; *p != '\0' && *p != ',' && nl < 30; p++)
			if (strchr("DFRST", *p) == NULL &&
			    !(*p >= 'a' && *p <= 'z') &&
			    memchr(letters, *p, nl) == NULL)
				letters[nl++] = *p;
	for (o = 0; o < MBOX_KEYWORDS_MAX; o++)
		if (flags & F_KW(o))
			letters[nl++] = (char)('a' + o);
	if (flags & F_DRAFT)
		letters[nl++] = 'D';
	if (flags & F_FLAGGED)
		letters[nl++] = 'F';
	if (flags & F_ANSWERED)
		letters[nl++] = 'R';
	if (flags & F_SEEN)
		letters[nl++] = 'S';
	if (flags & F_DELETED)
		letters[nl++] = 'T';
	/* Sort: Maildir wants the letters in ASCII order. */
	for (o = 1; o < nl; o++) {
		size_t k = o;

		while (k > 0 && letters[k - 1] > letters[k]) {
			char t = letters[k];

			letters[k] = letters[k - 1];
			letters[k - 1] = t;
			k--;
		}
	}
	if (bl + 3 + nl + 1 > n || bl + 3 + nl > 255) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(out, name, bl);
	memcpy(out + bl, ":2,", 3);
	memcpy(out + bl + 3, letters, nl);
	out[bl + 3 + nl] = '\0';
	return 0;
}

static int
open_sub(int dirfd, const char *name)
{
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int
mbox_exists(const char *name)
{
	char dir[512];
	const char *why;
	struct stat st;

	if (mbox_dirname(name, dir, sizeof dir, &why) < 0)
		return 0;
	if (strcmp(dir, ".") == 0)
		return 1;
	return fstatat(rootfd, dir, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

void
mbox_close(struct mbox *mb)
{
	size_t i;

	for (i = 0; i < mb->n; i++)
		free(mb->m[i].name);
	free(mb->m);
	for (i = 0; i < MBOX_KEYWORDS_MAX; i++)
		free(mb->kw[i]);
	if (mb->dirfd >= 0)
		close(mb->dirfd);
	if (mb->curfd >= 0)
		close(mb->curfd);
	if (mb->newfd >= 0)
		close(mb->newfd);
	memset(mb, 0, sizeof *mb);
	mb->dirfd = mb->curfd = mb->newfd = -1;
}

int
mbox_open(struct mbox *mb, const char *name)
{
	const char *why;

	memset(mb, 0, sizeof *mb);
	mb->dirfd = mb->curfd = mb->newfd = -1;
	if (mbox_dirname(name, mb->dir, sizeof mb->dir, &why) < 0)
		return -1;
	snprintf(mb->name, sizeof mb->name, "%s",
	    mbox_is_inbox(name) ? "INBOX" : name);
	mb->dirfd = open_sub(rootfd, mb->dir);
	if (mb->dirfd >= 0)
		mb->curfd = open_sub(mb->dirfd, "cur");
	if (mb->curfd >= 0)
		mb->newfd = open_sub(mb->dirfd, "new");
	if (mb->newfd < 0) {
		int e = errno;

		mbox_close(mb);
		errno = e;
		return -1;
	}
	kw_read(mb);
	return 0;
}

/* ---------------------------------------------------------------- keywords */

#define MBOX_KEYWORDS "dovecot-keywords"

/* (Re)reads the keyword names; a missing file is no keywords. */
static void
kw_read(struct mbox *mb)
{
	char buf[8192];
	ssize_t r;
	size_t i;
	char *p, *nl;
	int fd = openat(mb->dirfd, MBOX_KEYWORDS, O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW);

	for (i = 0; i < MBOX_KEYWORDS_MAX; i++) {
		free(mb->kw[i]);
		mb->kw[i] = NULL;
	}
	if (fd < 0)
		return;
	r = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (r <= 0)
		return;
	buf[r] = '\0';
	for (p = buf; *p != '\0'; p = nl + 1) {
		uint64_t idx;
		size_t used;
		char *name;

		nl = strchr(p, '\n');
		if (nl == NULL)
			break;
		*nl = '\0';
		if (num_u64_prefix(p, strlen(p), MBOX_KEYWORDS_MAX - 1, &idx,
			&used) < 0 || p[used] != ' ' || p[used + 1] == '\0')
			continue;
		name = p + used + 1;
		if (strpbrk(name, " ()\\\"%*{]") != NULL || mb->kw[idx] != NULL)
			continue;
		mb->kw[idx] = strdup(name);
	}
}

static int
kw_write(struct mbox *mb)
{
	struct str out = STR_INIT;
	size_t i;
	int r;

	for (i = 0; i < MBOX_KEYWORDS_MAX; i++)
		if (mb->kw[i] != NULL &&
		    str_printf(&out, "%zu %s\n", i, mb->kw[i]) < 0) {
			str_free(&out);
			errno = ENOMEM;
			return -1;
		}
	r = durable_replace(mb->dirfd, MBOX_KEYWORDS, MBOX_KEYWORDS ".tmp",
	    out.s ? out.s : "", out.len, 0600);
	str_free(&out);
	return r;
}

static int lock_folder(struct mbox *mb);

unsigned
mbox_keyword(struct mbox *mb, const char *name, int create)
{
	size_t i;
	int lk;
	unsigned bit = 0;

	for (i = 0; i < MBOX_KEYWORDS_MAX; i++)
		if (mb->kw[i] != NULL && strcasecmp(mb->kw[i], name) == 0)
			return F_KW(i);
	if (!create)
		return 0;
	lk = lock_folder(mb);
	if (lk < 0)
		return 0;
	kw_read(mb); /* another session may have added it */
	for (i = 0; i < MBOX_KEYWORDS_MAX; i++)
		if (mb->kw[i] != NULL && strcasecmp(mb->kw[i], name) == 0) {
			bit = F_KW(i);
			goto out;
		}
	for (i = 0; i < MBOX_KEYWORDS_MAX; i++) {
		if (mb->kw[i] == NULL) {
			mb->kw[i] = strdup(name);
			if (mb->kw[i] != NULL && kw_write(mb) == 0)
				bit = F_KW(i);
			else {
				free(mb->kw[i]);
				mb->kw[i] = NULL;
			}
			break;
		}
	}
out:
	close(lk);
	return bit;
}

/* ---------------------------------------------------------------- lock */

static int
lock_folder(struct mbox *mb)
{
	struct flock fl;
	int fd = openat(mb->dirfd, MBOX_LOCK,
	    O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		return -1;
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	while (fcntl(fd, F_OFD_SETLKW, &fl) < 0) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* ---------------------------------------------------------------- list */

struct list {
	struct msg *m;
	size_t n, cap;
	uint32_t uidvalidity, uidnext;
	uint64_t highest;
	int damaged, missing;
	/* The directories as the scan that wrote the list saw them: their
	 * change times, when the scan began, how many files new/ held.  A
	 * later session that finds the same times (older than that start by
	 * more than a second) needs no scan: the list is the folder. */
	int hstamps;
	struct timespec hcur, hnew;
	int64_t hstart;
	uint64_t hnewcount;
};

/* Parses "c=S.N n=S.N s=T k=K" after the header's numbers. */
static void
header_stamps(const char *p, struct list *l)
{
	long long a, b, c, d, e;
	unsigned long long k;

	if (sscanf(p, " c=%lld.%lld n=%lld.%lld s=%lld k=%llu", &a, &b, &c,
		&d, &e, &k) != 6 || b < 0 || b > 999999999 || d < 0 ||
	    d > 999999999)
		return;
	l->hcur.tv_sec = (time_t)a;
	l->hcur.tv_nsec = (long)b;
	l->hnew.tv_sec = (time_t)c;
	l->hnew.tv_nsec = (long)d;
	l->hstart = e;
	l->hnewcount = k;
	l->hstamps = 1;
}

static void
list_free(struct list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->m[i].name);
	free(l->m);
	memset(l, 0, sizeof *l);
}

static int
list_add(struct list *l, const struct msg *m)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		struct msg *nm = realloc(l->m, ncap * sizeof *nm);

		if (nm == NULL)
			return -1;
		l->m = nm;
		l->cap = ncap;
	}
	l->m[l->n++] = *m;
	return 0;
}

static int
valid_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 255 || s[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] == '/' || (unsigned char)s[i] <= ' ')
			return 0;
	return 1;
}

/* The UIDVALIDITY last handed out, as the lock file remembers it. */
static uint32_t
last_validity(struct mbox *mb)
{
	char buf[32];
	ssize_t r;
	uint64_t v = 0;
	int fd = openat(mb->dirfd, MBOX_LOCK, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return 0;
	r = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (r <= 0)
		return 0;
	buf[r] = '\0';
	if (strchr(buf, '\n') != NULL)
		*strchr(buf, '\n') = '\0';
	if (num_u64z(buf, UINT32_MAX - 1, &v) < 0)
		return 0;
	return (uint32_t)v;
}

static void
keep_validity(struct mbox *mb, uint32_t v)
{
	char buf[32];
	int fd = openat(mb->dirfd, MBOX_LOCK, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	int n = snprintf(buf, sizeof buf, "%" PRIu32 "\n", v);

	if (fd < 0)
		return;
	if (pwrite(fd, buf, (size_t)n, 0) == n && ftruncate(fd, n) == 0)
		(void)durable_fsync(fd);
	close(fd);
}

/*
 * A Maildir that Dovecot kept: its dovecot-uidlist (version 3, "3 V<uid
 * validity> N<next uid> ..." then "<uid> [fields] :<base name>" lines,
 * or version 1, "1 <validity> <next>" then "<uid> <name>") gives the
 * UIDs, so clients keep their caches.  0 when imported (l->damaged is
 * set so that our own list gets written), -1 when there is none.
 */
static int
dovecot_import(struct mbox *mb, struct list *l)
{
	struct str buf = STR_INIT;
	char chunk[65536], *p, *nl;
	ssize_t r;
	uint64_t v, maxuid = 0;
	size_t used, line = 0;
	int fd = openat(mb->dirfd, "dovecot-uidlist", O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW), version = 0;

	if (fd < 0)
		return -1;
	while ((r = read(fd, chunk, sizeof chunk)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || str_append(&buf, chunk, (size_t)r) < 0) {
			close(fd);
			str_free(&buf);
			return -1;
		}
	}
	close(fd);
	if (buf.len == 0) {
		str_free(&buf);
		return -1;
	}
	for (p = buf.s; p < buf.s + buf.len; p = nl + 1, line++) {
		char *name = NULL;

		nl = memchr(p, '\n', (size_t)(buf.s + buf.len - p));
		if (nl == NULL)
			nl = buf.s + buf.len;
		*nl = '\0';
		if (line == 0) {
			char *f = p;

			if (strncmp(p, "3 ", 2) == 0) {
				version = 3;
				for (f = strtok(p + 2, " "); f; f = strtok(NULL, " ")) {
					if (f[0] == 'V' && num_u64z(f + 1, UINT32_MAX,
						&v) == 0)
						l->uidvalidity = (uint32_t)v;
					else if (f[0] == 'N' && num_u64z(f + 1,
						UINT32_MAX, &v) == 0)
						l->uidnext = (uint32_t)v;
				}
			} else if (strncmp(p, "1 ", 2) == 0) {
				uint64_t a, b;

				version = 1;
				if (sscanf(p + 2, "%" SCNu64 " %" SCNu64, &a, &b) == 2 &&
				    a <= UINT32_MAX && b <= UINT32_MAX) {
					l->uidvalidity = (uint32_t)a;
					l->uidnext = (uint32_t)b;
				}
			}
			if (version == 0 || l->uidvalidity == 0) {
				str_free(&buf);
				list_free(l);
				memset(l, 0, sizeof *l);
				return -1;
			}
			continue;
		}
		if (num_u64_prefix(p, strlen(p), UINT32_MAX - 1, &v, &used) < 0 ||
		    v == 0 || v <= maxuid || p[used] != ' ')
			continue;
		if (version == 3) {
			name = strstr(p + used, " :");
			name = name ? name + 2 : NULL;
		} else {
			name = p + used + 1;
		}
		if (name == NULL || !valid_name(name, strlen(name)))
			continue;
		{
			struct msg m;

			memset(&m, 0, sizeof m);
			m.uid = (uint32_t)v;
			m.modseq = 1;
			m.name = strdup(name);
			if (m.name == NULL || list_add(l, &m) < 0) {
				free(m.name);
				str_free(&buf);
				return -1;
			}
			maxuid = v;
		}
	}
	str_free(&buf);
	if (l->uidnext <= maxuid)
		l->uidnext = (uint32_t)maxuid + 1;
	l->highest = 1;
	l->damaged = 1; /* write our own list */
	return 0;
}

/* Reads the list file; a missing or damaged one is noted in l. */
struct lparse {
	size_t line;
	uint64_t maxuid, maxmod;
};

/* One line of the list (NUL-terminated, may be changed); -1: ENOMEM. */
static int
list_line(struct list *l, char *p, size_t len, struct lparse *lp)
{
	char *f[5];
	size_t nf = 0, i, used;
	uint64_t v[4];

	/* split into at most 5 fields by single spaces */
	f[nf++] = p;
	for (i = 0; i < len && nf < 5; i++) {
		if (p[i] == ' ') {
			p[i] = '\0';
			f[nf++] = p + i + 1;
		}
	}
	if (lp->line++ == 0) {
		if (nf == 5 && strcmp(f[0], "facteur-uidlist") == 0 &&
		    strcmp(f[1], "1") == 0 &&
		    num_u64z(f[2], UINT32_MAX, &v[0]) == 0 &&
		    num_u64z(f[3], UINT32_MAX, &v[1]) == 0 &&
		    num_u64_prefix(f[4], strlen(f[4]), UINT64_MAX / 2, &v[2],
			&used) == 0 &&
		    v[0] > 0 && v[1] > 0) {
			l->uidvalidity = (uint32_t)v[0];
			l->uidnext = (uint32_t)v[1];
			l->highest = v[2];
			header_stamps(f[4] + used, l);
			return 0;
		}
		l->damaged = l->missing = 1;
	}
	if (nf == 4 && num_u64z(f[0], UINT32_MAX - 1, &v[0]) == 0 &&
	    num_u64z(f[1], UINT64_MAX / 2, &v[1]) == 0 &&
	    num_u64z(f[2], UINT64_MAX / 2, &v[2]) == 0 && v[0] > 0 &&
	    v[0] > lp->maxuid && valid_name(f[3], strlen(f[3]))) {
		struct msg m;

		memset(&m, 0, sizeof m);
		m.uid = (uint32_t)v[0];
		m.modseq = v[1];
		m.vsize = v[2];
		m.name = strdup(f[3]);
		if (m.name == NULL || list_add(l, &m) < 0) {
			free(m.name);
			return -1;
		}
		lp->maxuid = v[0];
		if (v[1] > lp->maxmod)
			lp->maxmod = v[1];
	} else {
		l->damaged = 1;
	}
	return 0;
}

/*
 * Reads the list file a chunk at a time (the file is never held whole);
 * a missing or damaged one is noted in l.
 */
static int
list_read(struct mbox *mb, struct list *l)
{
	char chunk[65536];
	ssize_t r;
	size_t have = 0;
	int fd, skipping = 0;
	struct lparse lp = { 0, 0, 0 };
	uint64_t maxuid, maxmod;

	memset(l, 0, sizeof *l);
	fd = openat(mb->dirfd, MBOX_UIDLIST, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno != ENOENT)
			return -1;
		if (dovecot_import(mb, l) == 0)
			return 0;
		l->missing = 1;
	} else {
		for (;;) {
			size_t start = 0;
			char *nl;

			r = read(fd, chunk + have, sizeof chunk - 1 - have);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				goto fail;
			if (r == 0) {
				if (have > 0) {
					/* a last line without its LF */
					chunk[have] = '\0';
					if (!skipping &&
					    list_line(l, chunk, have, &lp) < 0)
						goto fail;
					l->damaged = 1;
				}
				break;
			}
			have += (size_t)r;
			while ((nl = memchr(chunk + start, '\n', have - start)) !=
			    NULL) {
				size_t len = (size_t)(nl - (chunk + start));

				*nl = '\0';
				if (skipping) {
					skipping = 0;
					l->damaged = 1;
				} else if (list_line(l, chunk + start, len, &lp) <
				    0) {
					goto fail;
				}
				start += len + 1;
			}
			memmove(chunk, chunk + start, have - start);
			have -= start;
			if (have == sizeof chunk - 1) { /* no valid line is */
				skipping = 1;
				have = 0;
			}
		}
		close(fd);
		if (lp.line == 0) /* an empty file */
			l->damaged = l->missing = 1;
	}
	maxuid = lp.maxuid;
	maxmod = lp.maxmod;
	if (l->missing) {
		/* A new UIDVALIDITY: whatever a client cached is void.  The
		 * lock file remembers the last one given, so a list lost and
		 * rebuilt within the same second still gets a new one. */
		uint32_t now = (uint32_t)time(NULL), last = last_validity(mb);

		if (now <= last)
			now = last + 1;
		if (now == mb->uidvalidity)
			now++;
		if (now == 0)
			now = 1;
		l->uidvalidity = now;
		l->uidnext = 1;
		l->highest = 1;
		keep_validity(mb, now);
	}
	if (l->uidnext <= maxuid)
		l->uidnext = (uint32_t)maxuid + 1;
	if (l->highest < maxmod)
		l->highest = maxmod;
	return 0;
fail:
	close(fd);
	list_free(l);
	return -1;
}

static int
list_write(struct mbox *mb, const struct list *l)
{
	struct str out = STR_INIT;
	size_t i;
	int r;

	if (str_printf(&out, "facteur-uidlist 1 %" PRIu32 " %" PRIu32 " %" PRIu64,
		l->uidvalidity, l->uidnext, l->highest) < 0 ||
	    (l->hstamps &&
		str_printf(&out, " c=%lld.%09ld n=%lld.%09ld s=%lld k=%llu",
		    (long long)l->hcur.tv_sec, l->hcur.tv_nsec,
		    (long long)l->hnew.tv_sec, l->hnew.tv_nsec,
		    (long long)l->hstart, (unsigned long long)l->hnewcount) < 0) ||
	    str_appendc(&out, '\n') < 0)
		goto oom;
	for (i = 0; i < l->n; i++)
		if (str_printf(&out, "%" PRIu32 " %" PRIu64 " %" PRIu64 " %s\n",
			l->m[i].uid, l->m[i].modseq, l->m[i].vsize,
			l->m[i].name) < 0)
			goto oom;
	r = durable_replace(mb->dirfd, MBOX_UIDLIST, MBOX_UIDLIST ".tmp", out.s,
	    out.len, 0600);
	str_free(&out);
	return r;
oom:
	str_free(&out);
	errno = ENOMEM;
	return -1;
}

/* ---------------------------------------------------------------- vanished */

/* Appends "uid modseq" lines for the removed UIDs (lock held). */
static void
vanished_add(struct mbox *mb, const uint32_t *uids, size_t n, uint64_t modseq)
{
	struct str out = STR_INIT;
	size_t i;

	for (i = 0; i < n; i++)
		if (str_printf(&out, "%" PRIu32 " %" PRIu64 "\n", uids[i],
			modseq) < 0) {
			str_free(&out);
			return;
		}
	if (out.len > 0 &&
	    durable_append(mb->dirfd, MBOX_VANISHED, out.s, out.len, 0600) < 0)
		log_warn("unable to write %s: %s", MBOX_VANISHED,
		    strerror(errno));
	str_free(&out);
}

int
mbox_vanished(struct mbox *mb, uint64_t since,
    const struct imap_seqset *within, struct imap_seqset *out)
{
	struct str buf = STR_INIT;
	char chunk[65536];
	ssize_t r;
	size_t off = 0;
	int fd = openat(mb->dirfd, MBOX_VANISHED, O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW);

	out->n = 0;
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	while ((r = read(fd, chunk, sizeof chunk)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || str_append(&buf, chunk, (size_t)r) < 0) {
			close(fd);
			str_free(&buf);
			return -1;
		}
	}
	close(fd);
	while (off < buf.len) {
		char *nl = memchr(buf.s + off, '\n', buf.len - off);
		uint64_t uid, ms;
		size_t used, u2;
		char *p = buf.s + off;

		if (nl == NULL)
			break;
		off = (size_t)(nl - buf.s) + 1;
		if (num_u64_prefix(p, (size_t)(nl - p), UINT32_MAX, &uid,
			&used) < 0 || uid == 0 || p[used] != ' ' ||
		    num_u64_prefix(p + used + 1, (size_t)(nl - p) - used - 1,
			UINT64_MAX, &ms, &u2) < 0 || ms <= since)
			continue;
		if (within != NULL && !imap_seqset_contains(within, (uint32_t)uid))
			continue;
		if (out->n == out->cap) {
			size_t nc = out->cap ? out->cap * 2 : 16;
			struct imap_range *nr = realloc(out->r, nc * sizeof *nr);

			if (nr == NULL) {
				str_free(&buf);
				return -1;
			}
			out->r = nr;
			out->cap = nc;
		}
		out->r[out->n].lo = out->r[out->n].hi = (uint32_t)uid;
		out->n++;
	}
	str_free(&buf);
	imap_seqset_resolve(out, 0);
	return 0;
}

/* ---------------------------------------------------------------- sync */

struct ent {
	char *name;
	int in_new;
	uint64_t stamp, usec;
};

/* Delivery order: the time, then the microseconds of "time.Musec...". */
static int
ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;

	if (x->stamp != y->stamp)
		return x->stamp < y->stamp ? -1 : 1;
	if (x->usec != y->usec)
		return x->usec < y->usec ? -1 : 1;
	return strcmp(x->name, y->name);
}

static uint64_t
hash_base(const char *s, size_t n)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

/* Reads a directory's message names into e. */
static int
scan_dir(int dirfd, int in_new, struct ent **e, size_t *n, size_t *cap)
{
	DIR *d;
	struct dirent *de;
	int fd = dup(dirfd);

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rewinddir(d); /* dup() shares the offset */
	while ((de = readdir(d)) != NULL) {
		size_t used;

		if (!valid_name(de->d_name, strlen(de->d_name)))
			continue;
		if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN)
			continue;
		if (*n >= MBOX_MSG_MAX)
			break;
		if (*n == *cap) {
			size_t ncap = *cap ? *cap * 2 : 256;
			struct ent *ne = realloc(*e, ncap * sizeof *ne);

			if (ne == NULL)
				goto fail;
			*e = ne;
			*cap = ncap;
		}
		(*e)[*n].name = strdup(de->d_name);
		if ((*e)[*n].name == NULL)
			goto fail;
		(*e)[*n].in_new = in_new;
		(*e)[*n].usec = 0;
		if (num_u64_prefix(de->d_name, strlen(de->d_name), UINT64_MAX,
			&(*e)[*n].stamp, &used) < 0) {
			(*e)[*n].stamp = UINT64_MAX;
		} else if (de->d_name[used] == '.' && de->d_name[used + 1] == 'M') {
			const char *u = de->d_name + used + 2;
			size_t u2;

			if (num_u64_prefix(u, strlen(u), UINT64_MAX,
				&(*e)[*n].usec, &u2) < 0)
				(*e)[*n].usec = 0;
		}
		(*n)++;
	}
	closedir(d);
	return 0;
fail:
	closedir(d);
	errno = ENOMEM;
	return -1;
}

static int
move_new(struct mbox *mb, struct str *moved)
{
	DIR *d;
	struct dirent *de;
	int fd = dup(mb->newfd), n = 0;
	char to[300];

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rewinddir(d); /* dup() shares the offset */
	while ((de = readdir(d)) != NULL) {
		if (!valid_name(de->d_name, strlen(de->d_name)))
			continue;
		if ((size_t)snprintf(to, sizeof to, "%s%s", de->d_name,
			strchr(de->d_name, ':') ? "" : ":2,") >= sizeof to ||
		    strlen(to) > 255)
			continue;
		if (durable_move_noreplace(mb->newfd, de->d_name, mb->curfd,
			to) < 0)
			continue; /* another session took it */
		n++;
		if (moved != NULL &&
		    (str_append(moved, de->d_name, mbox_base_len(de->d_name)) <
			0 ||
			str_appendc(moved, '\0') < 0)) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	if (n > 0 &&
	    (durable_dirsync(mb->curfd) < 0 || durable_dirsync(mb->newfd) < 0))
		return -1;
	return 0;
}

/* The sync, with the lock held: l becomes the folder's list. */
static int
sync_locked(struct mbox *mb, int move, struct str *moved, struct list *l)
{
	struct ent *e = NULL;
	size_t ne = 0, cap = 0, i, nslots, nnew = 0;
	size_t *slot = NULL;
	unsigned char *seen = NULL;
	int changed = 0, rc = -1;

	if (list_read(mb, l) < 0)
		return -1;
	kw_read(mb);
	changed = l->damaged || l->missing;
	mb->rebuilt = l->missing;
	if (!changed && l->hstamps && (!move || l->hnewcount == 0)) {
		struct stat a, b;

		if (fstat(mb->curfd, &a) == 0 && fstat(mb->newfd, &b) == 0 &&
		    a.st_mtim.tv_sec == l->hcur.tv_sec &&
		    a.st_mtim.tv_nsec == l->hcur.tv_nsec &&
		    b.st_mtim.tv_sec == l->hnew.tv_sec &&
		    b.st_mtim.tv_nsec == l->hnew.tv_nsec &&
		    (int64_t)l->hcur.tv_sec + 1 < l->hstart &&
		    (int64_t)l->hnew.tv_sec + 1 < l->hstart) {
			/* Nothing changed since the scan that wrote it. */
			for (i = 0; i < l->n; i++) {
				l->m[i].flags = mbox_name_flags(l->m[i].name);
				l->m[i].in_new = 0;
			}
			return 0;
		}
	}
	if (move && move_new(mb, moved) < 0)
		goto out;
	{
		struct stat a, b;
		int had = l->hstamps;
		struct timespec oc = l->hcur, on = l->hnew;

		/* Stamps a later session cannot trust yet are written
		 * again with this scan's start. */
		if (had && ((int64_t)oc.tv_sec + 1 >= l->hstart ||
		    (int64_t)on.tv_sec + 1 >= l->hstart))
			had = 0;
		l->hstamps = 0;
		l->hstart = (int64_t)time(NULL);
		if (fstat(mb->curfd, &a) == 0 && fstat(mb->newfd, &b) == 0) {
			l->hcur = a.st_mtim;
			l->hnew = b.st_mtim;
			l->hstamps = 1;
			if (!had || oc.tv_sec != a.st_mtim.tv_sec ||
			    oc.tv_nsec != a.st_mtim.tv_nsec ||
			    on.tv_sec != b.st_mtim.tv_sec ||
			    on.tv_nsec != b.st_mtim.tv_nsec)
				changed = 1; /* record what this scan saw */
		}
	}
	if (scan_dir(mb->curfd, 0, &e, &ne, &cap) < 0)
		goto out;
	l->hnewcount = ne;
	if (scan_dir(mb->newfd, 1, &e, &ne, &cap) < 0)
		goto out;
	l->hnewcount = ne - l->hnewcount;
	/* A hash of the list's base names. */
	nslots = 16;
	while (nslots < l->n * 2 + 16)
		nslots *= 2;
	slot = calloc(nslots, sizeof *slot);
	seen = calloc(l->n + 1, 1);
	if (slot == NULL || seen == NULL)
		goto oom;
	for (i = 0; i < l->n; i++) {
		const char *nm = l->m[i].name;
		size_t bl = mbox_base_len(nm);
		size_t h = (size_t)hash_base(nm, bl) & (nslots - 1);

		while (slot[h] != 0)
			h = (h + 1) & (nslots - 1);
		slot[h] = i + 1;
	}
	for (i = 0; i < ne; i++) {
		size_t bl = mbox_base_len(e[i].name);
		size_t h = (size_t)hash_base(e[i].name, bl) & (nslots - 1);
		int found = 0;

		while (slot[h] != 0) {
			struct msg *m = &l->m[slot[h] - 1];

			if (mbox_base_len(m->name) == bl &&
			    memcmp(m->name, e[i].name, bl) == 0 &&
			    !seen[slot[h] - 1]) {
				seen[slot[h] - 1] = 1;
				m->in_new = e[i].in_new;
				if (strcmp(m->name, e[i].name) != 0) {
					free(m->name);
					m->name = e[i].name;
					e[i].name = NULL;
					m->modseq = ++l->highest;
					changed = 1;
				}
				found = 1;
				break;
			}
			h = (h + 1) & (nslots - 1);
		}
		if (!found)
			e[nnew++] = e[i];
		else
			free(e[i].name);
	}
	/* Files that are gone leave the list (and are recorded). */
	{
		size_t o = 0, ng = 0;
		uint32_t *gone = malloc((l->n + 1) * sizeof *gone);

		for (i = 0; i < l->n; i++) {
			if (seen[i]) {
				l->m[o++] = l->m[i];
			} else {
				if (gone != NULL)
					gone[ng++] = l->m[i].uid;
				free(l->m[i].name);
				changed = 1;
			}
		}
		l->n = o;
		if (ng > 0)
			vanished_add(mb, gone, ng, ++l->highest);
		free(gone);
	}
	/* New files get UIDs in delivery order. */
	if (nnew > 0)
		qsort(e, nnew, sizeof *e, ent_cmp);
	for (i = 0; i < nnew; i++) {
		struct msg m;

		if (l->uidnext == UINT32_MAX) {
			free(e[i].name);
			continue; /* no UIDs left: RFC 3501 wants a new
				   * UIDVALIDITY; an operator's job */
		}
		memset(&m, 0, sizeof m);
		m.uid = l->uidnext++;
		m.modseq = ++l->highest;
		m.name = e[i].name;
		m.in_new = e[i].in_new;
		e[i].name = NULL;
		if (list_add(l, &m) < 0) {
			free(m.name);
			for (i++; i < nnew; i++)
				free(e[i].name);
			nnew = 0;
			goto oom;
		}
		changed = 1;
	}
	nnew = 0;
	for (i = 0; i < l->n; i++)
		l->m[i].flags = mbox_name_flags(l->m[i].name);
	if (changed && list_write(mb, l) < 0)
		goto out;
	rc = 0;
	goto out;
oom:
	errno = ENOMEM;
out:
	for (i = 0; i < nnew; i++)
		free(e[i].name);
	free(e);
	free(slot);
	free(seen);
	return rc;
}

static void
adopt(struct mbox *mb, struct list *l)
{
	size_t i;

	for (i = 0; i < mb->n; i++)
		free(mb->m[i].name);
	free(mb->m);
	mb->m = l->m;
	mb->n = l->n;
	mb->cap = l->cap;
	mb->uidvalidity = l->uidvalidity;
	mb->uidnext = l->uidnext;
	mb->highestmodseq = l->highest;
	l->m = NULL;
	l->n = l->cap = 0;
}

/* The change times of cur/, new/ and the list; -1 if one is unknown. */
static int
stamps(struct mbox *mb, struct timespec ts[3])
{
	struct stat st[3];

	if (fstat(mb->curfd, &st[0]) < 0 || fstat(mb->newfd, &st[1]) < 0 ||
	    fstatat(mb->dirfd, MBOX_UIDLIST, &st[2], AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	ts[0] = st[0].st_mtim;
	ts[1] = st[1].st_mtim;
	ts[2] = st[2].st_mtim;
	return 0;
}

/*
 * Nothing changed since the last sync: the same change times as it saw,
 * each older than that sync's start by more than a second.  A coarse
 * clock can give two changes in a row the same time stamp, but a change
 * made after the sync began gets a later one than a stamp that was
 * already a second old then.
 */
static int
unchanged(struct mbox *mb)
{
	struct timespec ts[3];
	int i;

	if (!mb->have_seen || stamps(mb, ts) < 0)
		return 0;
	for (i = 0; i < 3; i++)
		if (ts[i].tv_sec != mb->seen[i].tv_sec ||
		    ts[i].tv_nsec != mb->seen[i].tv_nsec ||
		    ts[i].tv_sec + 1 >= mb->seen_at)
			return 0;
	return 1;
}

int
mbox_sync(struct mbox *mb, int move, struct str *moved)
{
	struct list l;
	int lk, r, e;
	time_t start = time(NULL);

	if (unchanged(mb))
		return 0;
	lk = lock_folder(mb);
	if (lk < 0)
		return -1;
	memset(&l, 0, sizeof l);
	r = sync_locked(mb, move, moved, &l);
	e = errno;
	close(lk);
	if (r < 0) {
		list_free(&l);
		errno = e;
		return -1;
	}
	adopt(mb, &l);
	mb->have_seen = stamps(mb, mb->seen) == 0;
	mb->seen_at = start;
	return 0;
}

ssize_t
mbox_find(const struct mbox *mb, uint32_t uid)
{
	size_t lo = 0, hi = mb->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (mb->m[mid].uid < uid)
			lo = mid + 1;
		else if (mb->m[mid].uid > uid)
			hi = mid;
		else
			return (ssize_t)mid;
	}
	return -1;
}

int
mbox_set_flags(struct mbox *mb, const size_t *idx, const unsigned *flags,
    size_t count)
{
	uint32_t *uids;
	struct list l;
	size_t i;
	int lk, rc = -1, e;

	uids = malloc((count ? count : 1) * sizeof *uids);
	if (uids == NULL)
		return -1;
	for (i = 0; i < count; i++)
		uids[i] = mb->m[idx[i]].uid;
	lk = lock_folder(mb);
	if (lk < 0) {
		free(uids);
		return -1;
	}
	memset(&l, 0, sizeof l);
	if (sync_locked(mb, 0, NULL, &l) < 0)
		goto out;
	adopt(mb, &l);
	for (i = 0; i < count; i++) {
		ssize_t k = mbox_find(mb, uids[i]);
		struct msg *m;
		char nn[300];

		if (k < 0)
			continue;
		m = &mb->m[k];
		if (mbox_name_with_flags(m->name, flags[i], nn, sizeof nn) < 0)
			continue;
		if (!m->in_new && strcmp(nn, m->name) == 0)
			continue;
		if (renameat(m->in_new ? mb->newfd : mb->curfd, m->name,
			mb->curfd, nn) < 0)
			continue; /* gone or renamed meanwhile */
		free(m->name);
		m->name = strdup(nn);
		if (m->name == NULL)
			goto out;
		m->in_new = 0;
		m->flags = flags[i] & ~(unsigned)F_RECENT;
		m->modseq = ++mb->highestmodseq;
	}
	{
		struct list w;

		memset(&w, 0, sizeof w);
		w.m = mb->m;
		w.n = mb->n;
		w.uidvalidity = mb->uidvalidity;
		w.uidnext = mb->uidnext;
		w.highest = mb->highestmodseq;
		if (list_write(mb, &w) < 0)
			goto out;
	}
	rc = 0;
out:
	e = errno;
	close(lk);
	free(uids);
	errno = e;
	return rc;
}

int
mbox_expunge(struct mbox *mb, const size_t *idx, size_t count)
{
	uint32_t *uids;
	struct list l;
	size_t i, o, nrm = 0;
	int lk, rc = -1, e, any = 0;

	uids = malloc((count ? count : 1) * sizeof *uids);
	if (uids == NULL)
		return -1;
	for (i = 0; i < count; i++)
		uids[i] = mb->m[idx[i]].uid;
	lk = lock_folder(mb);
	if (lk < 0) {
		free(uids);
		return -1;
	}
	memset(&l, 0, sizeof l);
	if (sync_locked(mb, 0, NULL, &l) < 0)
		goto out;
	adopt(mb, &l);
	for (i = 0; i < count; i++) {
		ssize_t k = mbox_find(mb, uids[i]);
		struct msg *m;

		if (k < 0)
			continue;
		m = &mb->m[k];
		{
			struct stat st;
			int dfd = m->in_new ? mb->newfd : mb->curfd;

			if (fstatat(dfd, m->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				st.st_size = 0;
			if (unlinkat(dfd, m->name, 0) < 0) {
				if (errno != ENOENT)
					continue;
			} else {
				mb->removed++;
				mb->removed_bytes += (uint64_t)st.st_size;
			}
		}
		free(m->name);
		m->name = NULL;
		any = 1;
		uids[nrm++] = m->uid;
	}
	if (nrm > 0)
		vanished_add(mb, uids, nrm, mb->highestmodseq + 1);
	for (i = 0, o = 0; i < mb->n; i++)
		if (mb->m[i].name != NULL)
			mb->m[o++] = mb->m[i];
	mb->n = o;
	if (any) {
		struct list w;

		if (durable_dirsync(mb->curfd) < 0 ||
		    durable_dirsync(mb->newfd) < 0)
			goto out;
		memset(&w, 0, sizeof w);
		w.m = mb->m;
		w.n = mb->n;
		w.uidvalidity = mb->uidvalidity;
		w.uidnext = mb->uidnext;
		w.highest = ++mb->highestmodseq;
		if (list_write(mb, &w) < 0)
			goto out;
	}
	rc = 0;
out:
	e = errno;
	close(lk);
	free(uids);
	errno = e;
	return rc;
}

int
mbox_msg_open(struct mbox *mb, size_t i)
{
	struct msg *m = &mb->m[i];
	int fd = openat(m->in_new ? mb->newfd : mb->curfd, m->name,
	    O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	DIR *d;
	struct dirent *de;
	size_t bl;
	int dfd;

	if (fd >= 0 || errno != ENOENT)
		return fd;
	fd = openat(m->in_new ? mb->curfd : mb->newfd, m->name,
	    O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0)
		return fd;
	/* Renamed by another program (flags): find the same base. */
	bl = mbox_base_len(m->name);
	dfd = dup(mb->curfd);
	if (dfd < 0 || (d = fdopendir(dfd)) == NULL) {
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (mbox_base_len(de->d_name) == bl &&
		    memcmp(de->d_name, m->name, bl) == 0) {
			char *nn = strdup(de->d_name);

			if (nn != NULL) {
				free(m->name);
				m->name = nn;
				m->in_new = 0;
				fd = openat(mb->curfd, m->name,
				    O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
			}
			break;
		}
	}
	closedir(d);
	if (fd < 0)
		errno = ENOENT;
	return fd;
}

int
mbox_add(struct mbox *mb, const char *tmpname, unsigned flags, time_t date,
    uint32_t *uid_r)
{
	struct list l;
	char nn[300];
	int lk, rc = -1, e, tmpfd;
	struct stat st;

	tmpfd = open_sub(rootfd, "tmp");
	if (tmpfd < 0)
		return -1;
	if (fstatat(tmpfd, tmpname, &st, 0) < 0) {
		close(tmpfd);
		return -1;
	}
	if (date != 0) {
		struct timespec ts[2];

		ts[0].tv_sec = ts[1].tv_sec = date;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		(void)utimensat(tmpfd, tmpname, ts, 0);
	}
	{
		char base[300];

		snprintf(base, sizeof base, "%s,S=%lld", tmpname,
		    (long long)st.st_size);
		if (mbox_name_with_flags(base, flags, nn, sizeof nn) < 0) {
			close(tmpfd);
			return -1;
		}
	}
	lk = lock_folder(mb);
	if (lk < 0) {
		close(tmpfd);
		return -1;
	}
	memset(&l, 0, sizeof l);
	if (sync_locked(mb, 0, NULL, &l) < 0)
		goto out;
	adopt(mb, &l);
	if (durable_move_noreplace(tmpfd, tmpname, mb->curfd, nn) < 0 ||
	    durable_dirsync(mb->curfd) < 0)
		goto out;
	{
		struct msg m;
		struct list w;

		memset(&m, 0, sizeof m);
		m.uid = mb->uidnext++;
		m.modseq = ++mb->highestmodseq;
		m.name = strdup(nn);
		m.flags = flags;
		if (m.name == NULL)
			goto out;
		memset(&w, 0, sizeof w);
		w.m = mb->m;
		w.n = mb->n;
		w.cap = mb->cap;
		if (list_add(&w, &m) < 0) {
			free(m.name);
			goto out;
		}
		mb->m = w.m;
		mb->n = w.n;
		mb->cap = w.cap;
		w.uidvalidity = mb->uidvalidity;
		w.uidnext = mb->uidnext;
		w.highest = mb->highestmodseq;
		if (list_write(mb, &w) < 0)
			goto out;
		*uid_r = m.uid;
	}
	rc = 0;
out:
	e = errno;
	close(lk);
	close(tmpfd);
	errno = e;
	return rc;
}

/* ---------------------------------------------------------------- folders */

int
mbox_create(const char *name, const char **why_r)
{
	char dir[512];
	int fd, sub;

	if (mbox_is_inbox(name)) {
		*why_r = "INBOX always exists";
		return -1;
	}
	if (mbox_dirname(name, dir, sizeof dir, why_r) < 0)
		return -1;
	if (mkdirat(rootfd, dir, 0700) < 0) {
		*why_r = errno == EEXIST ? "Mailbox exists" : strerror(errno);
		return -1;
	}
	fd = open_sub(rootfd, dir);
	if (fd < 0 || mkdirat(fd, "tmp", 0700) < 0 ||
	    mkdirat(fd, "new", 0700) < 0 || mkdirat(fd, "cur", 0700) < 0 ||
	    (sub = openat(fd, "maildirfolder",
		 O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		*why_r = strerror(errno);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(sub);
	(void)durable_dirsync(fd);
	close(fd);
	(void)durable_dirsync(rootfd);
	return 0;
}

/* Removes dir (relative to fd) and everything under it; best effort. */
static void
remove_tree(int fd, const char *dir)
{
	int dfd = openat(fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW);
	DIR *d;
	struct dirent *de;

	if (dfd < 0)
		return;
	d = fdopendir(dfd);
	if (d == NULL) {
		close(dfd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(dfd, de->d_name, 0) < 0 &&
		    (errno == EISDIR || errno == EPERM))
			remove_tree(dfd, de->d_name);
	}
	closedir(d);
	(void)unlinkat(fd, dir, AT_REMOVEDIR);
}

int
mbox_delete(const char *name, const char **why_r)
{
	char dir[512], gone[UNIQ_MAX + 32], u[UNIQ_MAX];
	int tmpfd;

	if (mbox_is_inbox(name)) {
		*why_r = "INBOX cannot be deleted";
		return -1;
	}
	if (mbox_dirname(name, dir, sizeof dir, why_r) < 0)
		return -1;
	if (!mbox_exists(name)) {
		*why_r = "[NONEXISTENT] No such mailbox";
		return -1;
	}
	/* Out of sight at once (one rename), then removed. */
	if (uniq_name(u, sizeof u, NULL) < 0)
		snprintf(u, sizeof u, "%lld", (long long)time(NULL));
	snprintf(gone, sizeof gone, "tmp/deleted-%s", u);
	if (renameat(rootfd, dir, rootfd, gone) < 0) {
		*why_r = strerror(errno);
		return -1;
	}
	(void)durable_dirsync(rootfd);
	tmpfd = open_sub(rootfd, "tmp");
	if (tmpfd >= 0) {
		remove_tree(tmpfd, gone + 4);
		close(tmpfd);
	}
	return 0;
}

/* Moves every message of dirfd's cur/ and new/ into to's cur/ and new/. */
static int
move_all(int fromfd, int tofd)
{
	static const char *const sub[] = { "cur", "new" };
	size_t k;

	for (k = 0; k < 2; k++) {
		int a = open_sub(fromfd, sub[k]), b = open_sub(tofd, sub[k]);
		DIR *d;
		struct dirent *de;

		if (a < 0 || b < 0 || (d = fdopendir(a)) == NULL) {
			if (a >= 0)
				close(a);
			if (b >= 0)
				close(b);
			return -1;
		}
		rewinddir(d);
		while ((de = readdir(d)) != NULL) {
			if (!valid_name(de->d_name, strlen(de->d_name)))
				continue;
			(void)durable_move_noreplace(a, de->d_name, b,
			    de->d_name);
		}
		(void)durable_dirsync(b);
		(void)durable_dirsync(a);
		closedir(d);
		close(b);
	}
	return 0;
}

int
mbox_rename(const char *from, const char *to, const char **why_r)
{
	char fdir[512], tdir[512];
	struct str names = STR_INIT;
	size_t n, i, flen;
	const char *p;

	if (mbox_dirname(from, fdir, sizeof fdir, why_r) < 0 ||
	    mbox_dirname(to, tdir, sizeof tdir, why_r) < 0)
		return -1;
	if (!mbox_exists(from)) {
		*why_r = "[NONEXISTENT] No such mailbox";
		return -1;
	}
	if (mbox_is_inbox(to) || mbox_exists(to)) {
		*why_r = "[ALREADYEXISTS] Mailbox exists";
		return -1;
	}
	if (mbox_is_inbox(from)) {
		/* RFC 3501 6.3.5: the messages move, INBOX stays, empty. */
		int tfd;

		if (mbox_create(to, why_r) < 0)
			return -1;
		tfd = open_sub(rootfd, tdir);
		if (tfd < 0 || move_all(rootfd, tfd) < 0) {
			*why_r = strerror(errno);
			if (tfd >= 0)
				close(tfd);
			return -1;
		}
		close(tfd);
		return 0;
	}
	if (renameat2(rootfd, fdir, rootfd, tdir, RENAME_NOREPLACE) < 0) {
		*why_r = errno == EEXIST ? "[ALREADYEXISTS] Mailbox exists"
					 : strerror(errno);
		return -1;
	}
	/* The inferior names go along: ".from.x" -> ".to.x". */
	if (mbox_list_all(&names, &n) == 0) {
		flen = strlen(from);
		for (i = 0, p = names.s; i < n; i++, p += strlen(p) + 1) {
			char a[600], b[600];

			if (strncmp(p, from, flen) != 0 || p[flen] != '.')
				continue;
			if ((size_t)snprintf(a, sizeof a, ".%s", p) >= sizeof a ||
			    (size_t)snprintf(b, sizeof b, ".%s%s", to,
				p + flen) >= sizeof b ||
			    strlen(b) > 256)
				continue;
			(void)renameat2(rootfd, a, rootfd, b, RENAME_NOREPLACE);
		}
	}
	str_free(&names);
	(void)durable_dirsync(rootfd);
	return 0;
}

int
mbox_list_all(struct str *names, size_t *n_r)
{
	int fd = dup(rootfd);
	DIR *d;
	struct dirent *de;
	const char *why;

	*n_r = 0;
	str_clear(names);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rewinddir(d); /* dup() shares the offset */
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		char cur[600];

		if (de->d_name[0] != '.' || de->d_name[1] == '\0' ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (imap_mailbox_check(de->d_name + 1, strlen(de->d_name + 1),
			'.', &why) < 0)
			continue;
		snprintf(cur, sizeof cur, "%s/cur", de->d_name);
		if (fstatat(rootfd, cur, &st, 0) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (str_appendz(names, de->d_name + 1) < 0 ||
		    str_appendc(names, '\0') < 0) {
			closedir(d);
			return -1;
		}
		(*n_r)++;
	}
	closedir(d);
	return 0;
}

int
mbox_subs_read(struct str *names, size_t *n_r)
{
	char buf[65536];
	ssize_t r;
	size_t i, start = 0;
	int fd = openat(rootfd, "subscriptions", O_RDONLY | O_CLOEXEC);
	struct str raw = STR_INIT;

	*n_r = 0;
	str_clear(names);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	while ((r = read(fd, buf, sizeof buf)) > 0)
		if (str_append(&raw, buf, (size_t)r) < 0)
			break;
	close(fd);
	for (i = 0; i <= raw.len; i++) {
		if (i < raw.len && raw.s[i] != '\n')
			continue;
		if (i > start) {
			if (str_append(names, raw.s + start, i - start) < 0 ||
			    str_appendc(names, '\0') < 0) {
				str_free(&raw);
				return -1;
			}
			(*n_r)++;
		}
		start = i + 1;
	}
	str_free(&raw);
	return 0;
}

int
mbox_subscribe(const char *name, int on)
{
	struct str names = STR_INIT, out = STR_INIT;
	size_t n, i;
	const char *p;
	int found = 0, r;

	if (mbox_subs_read(&names, &n) < 0)
		return -1;
	for (i = 0, p = names.s; i < n; i++, p += strlen(p) + 1) {
		if (strcmp(p, name) == 0) {
			found = 1;
			if (!on)
				continue;
		}
		if (str_appendz(&out, p) < 0 || str_appendc(&out, '\n') < 0)
			goto oom;
	}
	if (on && !found &&
	    (str_appendz(&out, name) < 0 || str_appendc(&out, '\n') < 0))
		goto oom;
	r = durable_replace(rootfd, "subscriptions", "subscriptions.tmp",
	    out.s ? out.s : "", out.len, 0600);
	str_free(&names);
	str_free(&out);
	return r;
oom:
	str_free(&names);
	str_free(&out);
	errno = ENOMEM;
	return -1;
}
