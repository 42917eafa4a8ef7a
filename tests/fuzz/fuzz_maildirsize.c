/*
 * Maildir++ parsers: the maildirsize file, quota definitions, and
 * folder names given on the command line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "maildir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct maildir_quota q;
	uint64_t b, c;
	char *z, out[MAILDIR_FOLDER_MAX + 2];

	if (maildir_quota_parse((const char *)data, size, &q) == 0) {
		(void)maildir_quota_over(&q, size);
		(void)maildir_quota_over(&q, UINT64_MAX);
	}
	(void)maildir_quota_def((const char *)data, size, &b, &c);
	z = malloc(size + 1);
	if (z == NULL)
		abort();
	memcpy(z, data, size);
	z[size] = '\0';
	if (maildir_folder_dir(z, out, sizeof out) == 0) {
		/* A folder never escapes the Maildir. */
		if (strchr(out, '/') != NULL || strstr(out, "..") != NULL ||
		    (out[0] != '\0' && out[0] != '.'))
			abort();
	}
	free(z);
	return 0;
}
