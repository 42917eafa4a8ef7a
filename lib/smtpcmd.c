#include "smtpcmd.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	enum smtp_verb verb;
} verbs[] = {
	{ "HELO", SMTP_HELO }, { "EHLO", SMTP_EHLO }, { "MAIL", SMTP_MAIL },
	{ "RCPT", SMTP_RCPT }, { "DATA", SMTP_DATA }, { "BDAT", SMTP_BDAT },
	{ "RSET", SMTP_RSET }, { "NOOP", SMTP_NOOP }, { "QUIT", SMTP_QUIT },
	{ "HELP", SMTP_HELP }, { "VRFY", SMTP_VRFY }, { "EXPN", SMTP_EXPN },
	{ "ETRN", SMTP_ETRN }, { "STARTTLS", SMTP_STARTTLS },
	{ "AUTH", SMTP_AUTH },
};

const char *
smtp_verb_name(enum smtp_verb v)
{
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (verbs[i].verb == v)
			return verbs[i].name;
	return "?";
}

int
smtp_cmd_parse(const char *line, size_t len, struct smtp_cmd *cmd)
{
	size_t i, vlen, end;

	cmd->verb = SMTP_UNKNOWN;
	cmd->arg = line;
	cmd->arglen = 0;
	if (len > SMTP_CMD_MAX) {
		errno = E2BIG;
		return -1;
	}
	if (len < 2 || line[len - 2] != '\r' || line[len - 1] != '\n') {
		errno = EILSEQ;
		return -1;
	}
	end = len - 2;
	for (i = 0; i < end; i++) {
		unsigned char ch = (unsigned char)line[i];

		if (ch == '\r' || ch == '\n') {
			errno = EILSEQ;
			return -1;
		}
		if ((ch < 32 && ch != '\t') || ch == 127) {
			errno = EINVAL;
			return -1;
		}
	}
	for (vlen = 0; vlen < end && line[vlen] != ' ' && line[vlen] != '\t';
	    vlen++)
		;
	for (size_t k = 0; k < sizeof verbs / sizeof verbs[0]; k++)
		if (strlen(verbs[k].name) == vlen &&
		    strncasecmp(line, verbs[k].name, vlen) == 0) {
			cmd->verb = verbs[k].verb;
			break;
		}
	i = vlen;
	while (i < end && (line[i] == ' ' || line[i] == '\t'))
		i++;
	while (end > i && (line[end - 1] == ' ' || line[end - 1] == '\t'))
		end--;
	cmd->arg = line + i;
	cmd->arglen = end - i;
	return 0;
}

int
smtp_cmd_prefix(const char *arg, size_t arglen, const char *prefix,
    const char **rest_r, size_t *restlen_r)
{
	size_t plen = strlen(prefix), i;

	if (arglen < plen || strncasecmp(arg, prefix, plen) != 0)
		return 0;
	i = plen;
	while (i < arglen && arg[i] == ' ')
		i++;
	*rest_r = arg + i;
	*restlen_r = arglen - i;
	return 1;
}
