/*
 * libFuzzer target for the checkpassword fd-3 record.  The result of
 * checkpass_parse is checked against a plain reading of the interface:
 * user and secret each end in NUL, the challenge is missing or ends in
 * NUL, and nothing over CHECKPASS_MAX bytes is accepted.  The same bytes
 * are also fed through a pipe to checkpass_read.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpass.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct checkpass cp, cp2;
	const uint8_t *n1, *n2 = NULL, *n3 = NULL;
	int want_ok, r, fds[2];

	n1 = memchr(data, 0, size);
	if (n1 != NULL)
		n2 = memchr(n1 + 1, 0, size - (size_t)(n1 + 1 - data));
	if (n2 != NULL && (size_t)(n2 + 1 - data) < size)
		n3 = memchr(n2 + 1, 0, size - (size_t)(n2 + 1 - data));
	want_ok = size <= CHECKPASS_MAX && n2 != NULL &&
	    ((size_t)(n2 + 1 - data) == size || n3 != NULL);

	errno = 0;
	r = checkpass_parse(&cp, data, size);
	if ((r == 0) != want_ok)
		abort();
	if (r < 0) {
		if (errno != (size > CHECKPASS_MAX ? E2BIG : EINVAL))
			abort();
		if (cp.user != NULL || cp.len != 0)
			abort();
	} else {
		if (cp.user_len != (size_t)(n1 - data) ||
		    memcmp(cp.user, data, cp.user_len) != 0 ||
		    cp.user[cp.user_len] != '\0')
			abort();
		if (cp.secret_len != (size_t)(n2 - n1 - 1) ||
		    memcmp(cp.secret, n1 + 1, cp.secret_len) != 0 ||
		    cp.secret[cp.secret_len] != '\0')
			abort();
		if (n3 != NULL ? cp.challenge_len != (size_t)(n3 - n2 - 1) ||
			memcmp(cp.challenge, n2 + 1, cp.challenge_len) != 0
			       : cp.challenge_len != 0)
			abort();
		if (cp.challenge[cp.challenge_len] != '\0')
			abort();
	}

	/* The reader agrees, for inputs a pipe takes in one go. */
	if (size <= 4096 && pipe(fds) == 0) {
		if (write(fds[1], data, size) == (ssize_t)size) {
			close(fds[1]);
			fds[1] = -1;
			r = checkpass_read(fds[0], 1000, &cp2);
			if ((r == 0) != want_ok)
				abort();
			if (r == 0 && (cp2.len != cp.len ||
			    memcmp(cp2.buf, cp.buf, cp.len) != 0 ||
			    cp2.secret_len != cp.secret_len))
				abort();
		}
		close(fds[0]);
		if (fds[1] >= 0)
			close(fds[1]);
	}
	checkpass_wipe(&cp);
	checkpass_wipe(&cp2);
	return 0;
}
