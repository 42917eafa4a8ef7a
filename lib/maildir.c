#include "maildir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "durable.h"
#include "num.h"
#include "str.h"

#define MAILDIRSIZE_MAX 5120 /* Maildir++: rebuild once it grows past this */

int
maildir_folder_dir(const char *folder, char *out, size_t n)
{
	const char *p = folder;
	size_t o = 0;

	if (n == 0)
		goto bad;
	out[0] = '\0';
	if (folder == NULL || *folder == '\0')
		return 0;
	if (strncasecmp(p, "INBOX", 5) == 0 &&
	    (p[5] == '\0' || p[5] == '.' || p[5] == '/')) {
		p += 5;
		if (*p == '\0')
			return 0;
		p++;
		if (*p == '\0')
			goto bad;
	}
	if (strlen(p) > MAILDIR_FOLDER_MAX)
		goto bad;
	while (*p != '\0') {
		size_t len = strcspn(p, "./");

		if (len == 0 || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			goto bad;
		if (o + 1 + len + 1 > n)
			goto bad;
		out[o++] = '.';
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)p[i];

			if (c < 0x20 || c == 0x7f)
				goto bad;
			out[o++] = (char)c;
		}
		p += len;
		if (*p != '\0') {
			p++;
			if (*p == '\0')
				goto bad; /* a trailing separator */
		}
	}
	out[o] = '\0';
	return 0;
bad:
	if (n > 0)
		out[0] = '\0';
	errno = EINVAL;
	return -1;
}

/* Opens dirfd/name as a directory, making it first if told to. */
static int
open_dir(int dirfd, const char *name, int create, int *made_r)
{
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 || errno != ENOENT || !create)
		return fd;
	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return -1;
	if (made_r != NULL)
		*made_r = 1;
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

void
maildir_close(struct maildir *md)
{
	int *fds[] = { &md->newfd, &md->tmpfd, &md->dirfd, &md->rootfd };

	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) {
		if (*fds[i] >= 0 && (fds[i] == &md->rootfd ||
		    *fds[i] != md->rootfd))
			close(*fds[i]);
		*fds[i] = -1;
	}
}

int
maildir_open(struct maildir *md, const char *path, const char *folder,
    int create)
{
	char dir[MAILDIR_FOLDER_MAX + 2];
	int made = 0, fd, saved, curfd;

	md->rootfd = md->dirfd = md->tmpfd = md->newfd = -1;
	if (maildir_folder_dir(folder, dir, sizeof dir) < 0)
		return -1;
	md->rootfd = open_dir(AT_FDCWD, path, create, NULL);
	if (md->rootfd < 0)
		return -1;
	md->dirfd = md->rootfd;
	if (dir[0] != '\0') {
		md->dirfd = open_dir(md->rootfd, dir, create, &made);
		if (md->dirfd < 0)
			goto fail;
		if (made) {
			fd = durable_create(md->dirfd, "maildirfolder", 0600);
			if (fd < 0 && errno != EEXIST)
				goto fail;
			if (fd >= 0)
				close(fd);
		}
	}
	md->tmpfd = open_dir(md->dirfd, "tmp", create, &made);
	if (md->tmpfd < 0)
		goto fail;
	md->newfd = open_dir(md->dirfd, "new", create, &made);
	if (md->newfd < 0)
		goto fail;
	curfd = open_dir(md->dirfd, "cur", create, &made);
	if (curfd < 0)
		goto fail;
	close(curfd);
	if (made) {
		/* Make what we created survive a crash before the message. */
		if (durable_dirsync(md->dirfd) < 0)
			goto fail;
		if (md->dirfd != md->rootfd && durable_dirsync(md->rootfd) < 0)
			goto fail;
	}
	return 0;
fail:
	saved = errno;
	maildir_close(md);
	errno = saved;
	return -1;
}

int
maildir_msg_begin(struct maildir *md, struct maildir_msg *m)
{
	int tries;

	m->md = md;
	m->fd = -1;
	m->size = 0;
	m->vsize = 0;
	m->prev_cr = 0;
	m->buflen = 0;
	m->newname[0] = '\0';
	for (tries = 0; tries < 5; tries++) {
		if (uniq_name(m->tmpname, sizeof m->tmpname, NULL) < 0)
			return -1;
		m->fd = durable_create(md->tmpfd, m->tmpname, 0600);
		if (m->fd >= 0)
			return 0;
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

static int
msg_flush(struct maildir_msg *m)
{
	if (m->buflen == 0)
		return 0;
	if (durable_write(m->fd, m->buf, m->buflen) < 0)
		return -1;
	m->buflen = 0;
	return 0;
}

int
maildir_msg_write(struct maildir_msg *m, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	/* vsize <= 2 * size: checking it covers size too. */
	if (n > (UINT64_MAX - m->vsize) / 2) {
		errno = EFBIG;
		return -1;
	}
	m->size += n;
	m->vsize += n;
	for (i = 0; i < n; i++) {
		if (s[i] == '\n' && !m->prev_cr)
			m->vsize++;
		m->prev_cr = s[i] == '\r';
	}
	while (n > 0) {
		size_t take = sizeof m->buf - m->buflen;

		if (take > n)
			take = n;
		memcpy(m->buf + m->buflen, s, take);
		m->buflen += take;
		s += take;
		n -= take;
		if (m->buflen == sizeof m->buf && msg_flush(m) < 0)
			return -1;
	}
	return 0;
}

void
maildir_msg_abort(struct maildir_msg *m)
{
	int saved = errno;

	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
	if (m->tmpname[0] != '\0')
		unlinkat(m->md->tmpfd, m->tmpname, 0);
	m->tmpname[0] = '\0';
	errno = saved;
}

int
maildir_msg_commit(struct maildir_msg *m)
{
	int r, tries, fd;

	if (msg_flush(m) < 0 || durable_fsync(m->fd) < 0)
		goto fail;
	fd = m->fd;
	m->fd = -1;
	if (close(fd) < 0)
		goto fail;
	for (tries = 0;; tries++) {
		char uniq[UNIQ_MAX];

		/* A fresh name for new/: the time is when it arrived. */
		if (uniq_name(uniq, sizeof uniq, NULL) < 0)
			goto fail;
		r = snprintf(m->newname, sizeof m->newname,
		    "%s,S=%" PRIu64 ",W=%" PRIu64, uniq, m->size, m->vsize);
		if (r < 0 || (size_t)r >= sizeof m->newname) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		if (durable_move_noreplace(m->md->tmpfd, m->tmpname,
			m->md->newfd, m->newname) == 0)
			break;
		if (errno != EEXIST || tries >= 4)
			goto fail;
	}
	m->tmpname[0] = '\0';
	if (durable_dirsync(m->md->newfd) < 0) {
		/* Not known to be durable: take it back, and fail. */
		int saved = errno;

		unlinkat(m->md->newfd, m->newname, 0);
		m->newname[0] = '\0';
		errno = saved;
		return -1;
	}
	return 0;
fail:
	maildir_msg_abort(m);
	m->newname[0] = '\0';
	return -1;
}

/* ---------------------------------------------------------------- quota */

int
maildir_quota_def(const char *def, size_t len, uint64_t *bytes_r,
    uint64_t *count_r)
{
	uint64_t b = 0, c = 0, v;
	int seen_b = 0, seen_c = 0;
	size_t pos = 0, used;

	while (pos < len) {
		if (num_u64_prefix(def + pos, len - pos, UINT64_MAX, &v,
			&used) < 0)
			goto bad;
		pos += used;
		if (pos == len)
			goto bad;
		if (def[pos] == 'S' && !seen_b) {
			b = v;
			seen_b = 1;
		} else if (def[pos] == 'C' && !seen_c) {
			c = v;
			seen_c = 1;
		} else {
			goto bad;
		}
		pos++;
		if (pos < len) {
			if (def[pos] != ',' || pos + 1 == len)
				goto bad;
			pos++;
		}
	}
	if (!seen_b && !seen_c)
		goto bad;
	*bytes_r = b;
	*count_r = c;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

/* A signed decimal, as maildirsize lines carry. */
static int
parse_i64(const char *s, size_t len, size_t *pos, int64_t *v_r)
{
	uint64_t v;
	size_t used;
	int neg = 0;

	if (*pos < len && s[*pos] == '-') {
		neg = 1;
		(*pos)++;
	}
	if (num_u64_prefix(s + *pos, len - *pos, INT64_MAX, &v, &used) < 0)
		return -1;
	*pos += used;
	*v_r = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

static int
add_sat(int64_t *acc, int64_t v)
{
	if ((v > 0 && *acc > INT64_MAX - v) || (v < 0 && *acc < INT64_MIN - v))
		return -1;
	*acc += v;
	return 0;
}

int
maildir_quota_parse(const char *buf, size_t len, struct maildir_quota *q)
{
	const char *lf = memchr(buf, '\n', len);
	size_t pos, first = lf != NULL ? (size_t)(lf - buf) : len;

	memset(q, 0, sizeof *q);
	q->filesize = len;
	if (maildir_quota_def(buf, first, &q->max_bytes, &q->max_count) < 0)
		return -1;
	pos = first + (lf != NULL);
	while (pos < len) {
		int64_t b, c;
		size_t end;

		lf = memchr(buf + pos, '\n', len - pos);
		end = lf != NULL ? (size_t)(lf - buf) : len;
		if (lf == NULL) {
			/* A line cut short by a crash. */
			q->damaged = 1;
			break;
		}
		while (pos < end && buf[pos] == ' ')
			pos++;
		if (parse_i64(buf, end, &pos, &b) < 0)
			goto damaged;
		if (pos == end || buf[pos] != ' ')
			goto damaged;
		while (pos < end && buf[pos] == ' ')
			pos++;
		if (parse_i64(buf, end, &pos, &c) < 0)
			goto damaged;
		while (pos < end && buf[pos] == ' ')
			pos++;
		if (pos != end || add_sat(&q->bytes, b) < 0 ||
		    add_sat(&q->count, c) < 0)
			goto damaged;
		pos = end + 1;
		continue;
damaged:
		q->damaged = 1;
		pos = end + 1;
	}
	return 0;
}

/* Counts the messages of one folder's new/ and cur/. */
static int
count_folder(int dirfd, int64_t *bytes, int64_t *count)
{
	static const char *const subs[] = { "new", "cur" };

	for (size_t i = 0; i < 2; i++) {
		struct dirent *de;
		DIR *d;
		int fd = openat(dirfd, subs[i], O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);

		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			return -1;
		}
		d = fdopendir(fd);
		if (d == NULL) {
			close(fd);
			return -1;
		}
		while ((de = readdir(d)) != NULL) {
			const char *s;
			uint64_t sz;
			size_t used;
			struct stat st;

			if (de->d_name[0] == '.')
				continue;
			s = strstr(de->d_name, ",S=");
			if (s != NULL && num_u64_prefix(s + 3, strlen(s + 3),
			    INT64_MAX, &sz, &used) == 0) {
				/* The size is in the name. */
			} else if (fstatat(fd, de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
				sz = (uint64_t)st.st_size;
			} else {
				continue; /* gone meanwhile, or not a file */
			}
			if (add_sat(bytes, (int64_t)sz) < 0)
				*bytes = INT64_MAX;
			if (*count < INT64_MAX)
				(*count)++;
		}
		closedir(d);
	}
	return 0;
}

/* Counts every folder and writes a fresh maildirsize. */
static int
quota_rebuild(struct maildir *md, const char *def, size_t deflen,
    struct maildir_quota *q)
{
	struct str text = STR_INIT;
	char tmp[UNIQ_MAX + 8];
	struct dirent *de;
	DIR *d;
	int fd, r = -1, saved;

	q->bytes = q->count = 0;
	q->damaged = 0;
	if (count_folder(md->rootfd, &q->bytes, &q->count) < 0)
		return -1;
	fd = openat(md->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		int sub;

		if (de->d_name[0] != '.' || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		sub = openat(md->rootfd, de->d_name,
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (sub < 0)
			continue;
		r = count_folder(sub, &q->bytes, &q->count);
		close(sub);
		if (r < 0)
			break;
	}
	saved = errno;
	closedir(d);
	if (r < 0 && de != NULL) {
		errno = saved;
		return -1;
	}
	tmp[0] = 't', tmp[1] = 'm', tmp[2] = 'p', tmp[3] = '/';
	if (uniq_name(tmp + 4, sizeof tmp - 4, NULL) < 0)
		return -1;
	if (str_append(&text, def, deflen) < 0 ||
	    str_printf(&text, "\n%" PRId64 " %" PRId64 "\n", q->bytes,
		q->count) < 0) {
		str_free(&text);
		return -1;
	}
	r = durable_replace(md->rootfd, "maildirsize", tmp, text.s, text.len,
	    0600);
	q->filesize = text.len;
	str_free(&text);
	return r;
}

int
maildir_quota_get(struct maildir *md, const char *def,
    struct maildir_quota *q)
{
	char buf[MAILDIRSIZE_MAX * 2];
	size_t len = 0, first;
	ssize_t n;
	int fd;

	memset(q, 0, sizeof *q);
	fd = openat(md->rootfd, "maildirsize", O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW);
	if (fd < 0 && errno != ENOENT)
		return -1;
	if (fd >= 0) {
		while (len < sizeof buf) {
			n = read(fd, buf + len, sizeof buf - len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				int saved = errno;

				close(fd);
				errno = saved;
				return -1;
			}
			if (n == 0)
				break;
			len += (size_t)n;
		}
		close(fd);
	}
	if (def != NULL) {
		uint64_t b, c;

		if (maildir_quota_def(def, strlen(def), &b, &c) < 0)
			return -1;
		first = len;
		if (fd >= 0 && memchr(buf, '\n', len) != NULL)
			first = (size_t)((char *)memchr(buf, '\n', len) - buf);
		if (fd < 0 || first != strlen(def) ||
		    memcmp(buf, def, first) != 0) {
			q->max_bytes = b;
			q->max_count = c;
			if (quota_rebuild(md, def, strlen(def), q) < 0)
				return -1;
			return 1;
		}
	}
	if (fd < 0)
		return 0;
	if (maildir_quota_parse(buf, len, q) < 0)
		return -1;
	if (q->damaged || len > MAILDIRSIZE_MAX) {
		const char *lf = memchr(buf, '\n', len);

		first = lf != NULL ? (size_t)(lf - buf) : len;
		if (quota_rebuild(md, buf, first, q) < 0)
			return -1;
	}
	return 1;
}

int
maildir_quota_over(const struct maildir_quota *q, uint64_t bytes)
{
	uint64_t used = q->bytes > 0 ? (uint64_t)q->bytes : 0;
	uint64_t n = q->count > 0 ? (uint64_t)q->count : 0;

	if (q->max_bytes != 0 &&
	    (used > q->max_bytes || bytes > q->max_bytes - used))
		return 1;
	if (q->max_count != 0 && n >= q->max_count)
		return 1;
	return 0;
}

int
maildir_quota_add(struct maildir *md, uint64_t bytes)
{
	char line[48];
	int n;

	n = snprintf(line, sizeof line, "%" PRIu64 " 1\n", bytes);
	if (n < 0 || (size_t)n >= sizeof line) {
		errno = ERANGE;
		return -1;
	}
	return durable_append(md->rootfd, "maildirsize", line, (size_t)n,
	    0600);
}
