#include "num.h"

#include <errno.h>
#include <string.h>

int
num_u64_prefix(const char *s, size_t len, uint64_t max, uint64_t *v_r,
    size_t *used_r)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (v > (UINT64_MAX - d) / 10) {
			errno = ERANGE;
			return -1;
		}
		v = v * 10 + d;
	}
	if (i == 0) {
		errno = EINVAL;
		return -1;
	}
	if (v > max) {
		errno = ERANGE;
		return -1;
	}
	*v_r = v;
	*used_r = i;
	return 0;
}

int
num_u64(const char *s, size_t len, uint64_t max, uint64_t *v_r)
{
	uint64_t v;
	size_t used;

	if (num_u64_prefix(s, len, max, &v, &used) < 0)
		return -1;
	if (used != len) {
		errno = EINVAL;
		return -1;
	}
	*v_r = v;
	return 0;
}

int
num_u64z(const char *z, uint64_t max, uint64_t *v_r)
{
	return num_u64(z, strlen(z), max, v_r);
}
