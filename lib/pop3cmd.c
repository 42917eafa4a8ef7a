/*
 * POP3 command line parser; see pop3cmd.h.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "pop3cmd.h"

struct verb_def {
	const char *name;
	enum pop3_verb verb;
};

static const struct verb_def verbs[] = {
	{ "USER", POP3_USER },
	{ "PASS", POP3_PASS },
	{ "APOP", POP3_APOP },
	{ "AUTH", POP3_AUTH },
	{ "STLS", POP3_STLS },
	{ "CAPA", POP3_CAPA },
	{ "QUIT", POP3_QUIT },
	{ "STAT", POP3_STAT },
	{ "LIST", POP3_LIST },
	{ "RETR", POP3_RETR },
	{ "DELE", POP3_DELE },
	{ "NOOP", POP3_NOOP },
	{ "RSET", POP3_RSET },
	{ "TOP", POP3_TOP },
	{ "UIDL", POP3_UIDL },
};

const char *
pop3_verb_name(enum pop3_verb v)
{
	size_t i;

	for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (verbs[i].verb == v)
			return verbs[i].name;
	return "?";
}

static int
fail(int e, const char *why, const char **why_r)
{
	*why_r = why;
	errno = e;
	return -1;
}

/*
 * Removes the line end of line[0..len) into *len_r and checks the bytes
 * before it: no CR, LF, NUL or control byte (tab allowed if tab_ok).
 */
static int
frame(const char *line, size_t len, size_t max, int tab_ok, size_t *len_r)
{
	size_t i;

	if (len > max) {
		errno = E2BIG;
		return -1;
	}
	if (len == 0 || line[len - 1] != '\n') {
		errno = EILSEQ;
		return -1;
	}
	len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if ((c < 0x20 && !(tab_ok && c == '\t')) || c == 0x7f) {
			errno = EILSEQ;
			return -1;
		}
	}
	*len_r = len;
	return 0;
}

int
pop3_sasl_line(const char *line, size_t len, size_t *len_r)
{
	return frame(line, len, POP3_SASL_LINE_MAX, 0, len_r);
}

/* Decimal digits only; saturates at UINT64_MAX. */
static int
number(const char *s, size_t n, uint64_t *v_r)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v != UINT64_MAX &&
		    (__builtin_mul_overflow(v, 10, &v) ||
			__builtin_add_overflow(v, (uint64_t)(s[i] - '0'), &v)))
			v = UINT64_MAX;
	}
	*v_r = v;
	return 0;
}

int
pop3_cmd_parse(const char *line, size_t len, struct pop3_cmd *cmd,
    const char **why_r)
{
	char kw[5];
	size_t n, i, k, p;
	unsigned min, max;
	int rest_is_arg;

	memset(cmd, 0, sizeof *cmd);
	if (frame(line, len, POP3_LINE_MAX, 1, &n) < 0)
		return fail(errno, errno == E2BIG ? "line too long"
						  : "malformed command line",
		    why_r);
	for (k = 0; k < n && line[k] != ' '; k++) {
		char c = line[k];

		if (k == 4)
			return fail(ENOSYS, "unknown command", why_r);
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c < 'A' || c > 'Z')
			return fail(ENOSYS, "unknown command", why_r);
		kw[k] = c;
	}
	if (k == 0)
		return fail(ENOSYS, "unknown command", why_r);
	kw[k] = '\0';
	for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (strcmp(verbs[i].name, kw) == 0)
			break;
	if (i == sizeof verbs / sizeof verbs[0])
		return fail(ENOSYS, "unknown command", why_r);
	cmd->verb = verbs[i].verb;

	/* Tabs are allowed only inside a password. */
	if (cmd->verb != POP3_PASS && memchr(line, '\t', n) != NULL)
		return fail(EILSEQ, "malformed command line", why_r);

	rest_is_arg = 0;
	switch (cmd->verb) {
	case POP3_PASS:
		min = max = 1;
		rest_is_arg = 1;
		break;
	case POP3_USER:
	case POP3_RETR:
	case POP3_DELE:
		min = max = 1;
		break;
	case POP3_APOP:
	case POP3_TOP:
		min = max = 2;
		break;
	case POP3_AUTH:
		min = 0;
		max = 2;
		break;
	case POP3_LIST:
	case POP3_UIDL:
		min = 0;
		max = 1;
		break;
	default:
		min = max = 0;
		break;
	}

	p = k;
	if (rest_is_arg) {
		/* "PASS secret": everything after the single space. */
		if (p + 1 >= n)
			return fail(EINVAL, "missing argument", why_r);
		cmd->arg[0] = line + p + 1;
		cmd->arglen[0] = n - p - 1;
		cmd->nargs = 1;
		return 0;
	}
	while (p < n) {
		size_t start;

		/* One or more spaces separate words; trailing ones are
		 * tolerated. */
		while (p < n && line[p] == ' ')
			p++;
		if (p == n)
			break;
		start = p;
		while (p < n && line[p] != ' ')
			p++;
		if (cmd->nargs == max)
			return fail(EINVAL, "too many arguments", why_r);
		if (p - start > POP3_ARG_MAX)
			return fail(EINVAL, "argument too long", why_r);
		cmd->arg[cmd->nargs] = line + start;
		cmd->arglen[cmd->nargs] = p - start;
		cmd->nargs++;
	}
	if (cmd->nargs < min)
		return fail(EINVAL, "missing argument", why_r);

	switch (cmd->verb) {
	case POP3_LIST:
	case POP3_UIDL:
	case POP3_RETR:
	case POP3_DELE:
	case POP3_TOP:
		for (i = 0; i < cmd->nargs; i++)
			if (number(cmd->arg[i], cmd->arglen[i], &cmd->num[i]) <
			    0)
				return fail(EINVAL,
				    i == 0 ? "invalid message number"
					   : "invalid line count",
				    why_r);
		break;
	default:
		break;
	}
	return 0;
}
