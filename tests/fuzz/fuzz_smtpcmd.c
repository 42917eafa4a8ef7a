/*
 * libFuzzer target for lib/smtpcmd: any line either parses with its
 * argument inside the line and free of CR/LF, or is refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtpcmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_cmd c;
	const char *rest;
	size_t restlen;
	char *copy = malloc(size ? size : 1);

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	if (smtp_cmd_parse(copy, size, &c) == 0) {
		if (size < 2 || size > SMTP_CMD_MAX || copy[size - 1] != '\n')
			abort();
		if (c.arg < copy || c.arg + c.arglen > copy + size - 2)
			abort();
		if (memchr(c.arg, '\r', c.arglen) || memchr(c.arg, '\n',
		    c.arglen) || memchr(c.arg, '\0', c.arglen))
			abort();
		if (memchr(copy, '\n', size - 1) != NULL)
			abort();
		if (smtp_cmd_prefix(c.arg, c.arglen, "FROM:", &rest,
		    &restlen) && rest + restlen != c.arg + c.arglen)
			abort();
		(void)smtp_verb_name(c.verb);
	}
	free(copy);
	return 0;
}
