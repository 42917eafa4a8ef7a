/*
 * libFuzzer target for lib/pop3cmd: whatever the bytes, the parser
 * returns 0 or -1 with a reason, and on success every argument lies
 * inside the line, holds no space or control byte (PASS: no CR, LF,
 * NUL), and numbers are digits only.  The first byte chooses between
 * the command parser and the SASL line check.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pop3cmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pop3_cmd cmd;
	const char *why = NULL;
	char *line;
	size_t i, j, n;
	int r;

	if (size == 0)
		return 0;
	line = malloc(size - 1 ? size - 1 : 1);
	if (line == NULL)
		return 0;
	memcpy(line, data + 1, size - 1);
	n = size - 1;
	if (data[0] & 1) {
		size_t left = SIZE_MAX;

		r = pop3_sasl_line(line, n, &left);
		if (r == 0) {
			if (left > n || left > POP3_SASL_LINE_MAX)
				abort();
			for (i = 0; i < left; i++)
				if ((unsigned char)line[i] < 0x20)
					abort();
		} else if (r != -1 || (errno != E2BIG && errno != EILSEQ)) {
			abort();
		}
		free(line);
		return 0;
	}
	r = pop3_cmd_parse(line, n, &cmd, &why);
	if (r == -1) {
		if (why == NULL || (errno != E2BIG && errno != EILSEQ &&
		    errno != ENOSYS && errno != EINVAL))
			abort();
	} else if (r == 0) {
		if (cmd.verb == POP3_UNKNOWN || cmd.nargs > 2 ||
		    n > POP3_LINE_MAX)
			abort();
		for (i = 0; i < cmd.nargs; i++) {
			if (cmd.arg[i] < line ||
			    cmd.arg[i] + cmd.arglen[i] > line + n ||
			    cmd.arglen[i] == 0)
				abort();
			for (j = 0; j < cmd.arglen[i]; j++) {
				unsigned char c = (unsigned char)cmd.arg[i][j];

				if (c == '\r' || c == '\n' || c == 0)
					abort();
				if (cmd.verb != POP3_PASS && c == ' ')
					abort();
			}
		}
	} else {
		abort();
	}
	free(line);
	return 0;
}
