#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "num.h"

const char *
control_dir(void)
{
	const char *d = getenv("FACTEUR_ETC");

	return d != NULL && *d != '\0' ? d : "/etc/facteur";
}

static int
fail(struct control_err *err, unsigned line, unsigned col, const char *why)
{
	err->line = line;
	err->col = col;
	snprintf(err->reason, sizeof err->reason, "%s", why);
	errno = EINVAL;
	return -1;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int
control_parse(const char *buf, size_t len, int multi, struct str *out,
    size_t *count_r, struct control_err *err)
{
	size_t pos = 0, count = 0;
	unsigned line = 0;

	str_clear(out);
	if (len > CONTROL_MAX)
		return fail(err, 0, 0, "file too large");
	while (pos < len) {
		const char *s = buf + pos, *nul;
		const char *lf = memchr(s, '\n', len - pos);
		size_t n = lf != NULL ? (size_t)(lf - s) : len - pos;
		size_t a = 0, b = n;

		pos += n + (lf != NULL);
		line++;
		nul = memchr(s, '\0', n);
		if (nul != NULL)
			return fail(err, line, (unsigned)(nul - s) + 1,
			    "NUL byte in file");
		while (a < b && is_blank(s[a]))
			a++;
		while (b > a && is_blank(s[b - 1]))
			b--;
		if (a == b || s[a] == '#')
			continue;
		if (!multi && count > 0)
			return fail(err, line, (unsigned)a + 1,
			    "more than one value for a single setting");
		if (!multi) {
			/* Where the value is, for a caller that finds it bad. */
			err->line = line;
			err->col = (unsigned)a + 1;
		}
		if (str_append(out, s + a, b - a) < 0)
			return -1;
		if (multi && str_appendc(out, '\0') < 0)
			return -1;
		count++;
	}
	if (!multi && count == 0)
		return fail(err, line, 0, "no value in file");
	if (count_r != NULL)
		*count_r = count;
	return 0;
}

/* Reads the file into buf; 1 read, 0 missing, -1 error. */
static int
control_load(const char *name, struct str *buf, struct control_err *err)
{
	char path[PATH_MAX];
	size_t fl;
	int fd, saved, n;
	ssize_t r;

	memset(err, 0, sizeof *err);
	/* err->file is for messages and may be cut; path never is. */
	n = snprintf(path, sizeof path, "%s/%s", control_dir(), name);
	fl = strnlen(path, sizeof err->file - 1);
	memcpy(err->file, path, fl);
	err->file[fl] = '\0';
	if (strchr(name, '/') != NULL || name[0] == '.' || name[0] == '\0') {
		snprintf(err->reason, sizeof err->reason, "bad setting name");
		errno = EINVAL;
		return -1;
	}
	if (n < 0 || (size_t)n >= sizeof path) {
		snprintf(err->reason, sizeof err->reason, "path too long");
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err->reason, sizeof err->reason, "%s",
		    strerror(errno));
		return -1;
	}
	str_clear(buf);
	for (;;) {
		if (str_reserve(buf, 4096) < 0)
			goto ioerr;
		r = read(fd, buf->s + buf->len, 4096);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto ioerr;
		if (r == 0)
			break;
		buf->len += (size_t)r;
		buf->s[buf->len] = '\0';
		if (buf->len > CONTROL_MAX) {
			close(fd);
			return fail(err, 0, 0, "file too large");
		}
	}
	close(fd);
	return 1;
ioerr:
	saved = errno;
	snprintf(err->reason, sizeof err->reason, "%s", strerror(saved));
	close(fd);
	errno = saved;
	return -1;
}

static int
control_get(const char *name, int multi, struct str *out, size_t *count_r,
    struct control_err *err)
{
	struct str buf = STR_INIT;
	int r;

	r = control_load(name, &buf, err);
	if (r == 1 &&
	    control_parse(buf.s, buf.len, multi, out, count_r, err) < 0)
		r = -1;
	str_free(&buf);
	return r;
}

int
control_str(const char *name, const char *def, struct str *out,
    struct control_err *err)
{
	int r = control_get(name, 0, out, NULL, err);

	if (r == 0) {
		str_clear(out);
		if (def != NULL && str_appendz(out, def) < 0)
			return -1;
	}
	return r;
}

int
control_u64(const char *name, uint64_t def, uint64_t max, uint64_t *v_r,
    struct control_err *err)
{
	struct str v = STR_INIT;
	int r = control_get(name, 0, &v, NULL, err);

	if (r == 0)
		*v_r = def;
	else if (r == 1 && num_u64(v.s, v.len, max, v_r) < 0) {
		r = fail(err, err->line, err->col,
		    errno == ERANGE ? "number too large" : "not a number");
	}
	str_free(&v);
	return r;
}

int
control_bool(const char *name, int def, int *v_r, struct control_err *err)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	struct str v = STR_INIT;
	size_t i;
	int r = control_get(name, 0, &v, NULL, err);

	if (r == 0)
		*v_r = def;
	if (r != 1)
		goto out;
	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (strcasecmp(v.s, yes[i]) == 0) {
			*v_r = 1;
			goto out;
		}
		if (strcasecmp(v.s, no[i]) == 0) {
			*v_r = 0;
			goto out;
		}
	}
	r = fail(err, err->line, err->col, "expected yes or no");
out:
	str_free(&v);
	return r;
}

int
control_list(const char *name, struct str *out, size_t *count_r,
    struct control_err *err)
{
	int r = control_get(name, 1, out, count_r, err);

	if (r == 0) {
		str_clear(out);
		*count_r = 0;
	}
	return r;
}

void
control_err_format(const struct control_err *err, char *buf, size_t n)
{
	if (err->line > 0)
		snprintf(buf, n, "%s:%u:%u: %s", err->file, err->line,
		    err->col, err->reason);
	else
		snprintf(buf, n, "%s: %s", err->file, err->reason);
}
