/*
 * Strict number parsing.
 *
 * Only ASCII decimal digits are accepted: no sign, no white space, no
 * base prefix, at least one digit, no trailing bytes.  Leading zeros are
 * accepted.  A value above max (or above UINT64_MAX) is an error.
 * Returns 0 and stores the value, or -1 with errno EINVAL (not a number)
 * or ERANGE (too large); *v_r is left alone on error.
 */
#ifndef FACTEUR_NUM_H
#define FACTEUR_NUM_H

#include <stddef.h>
#include <stdint.h>

int num_u64(const char *s, size_t len, uint64_t max, uint64_t *v_r);
/* The same for a NUL-terminated string. */
int num_u64z(const char *z, uint64_t max, uint64_t *v_r);
/*
 * Parses the longest run of digits at the start of s (at most len bytes),
 * like num_u64 but stops at the first non-digit; *used_r gets the number
 * of digits consumed.  Fails with EINVAL when there is no digit.
 */
int num_u64_prefix(const char *s, size_t len, uint64_t max, uint64_t *v_r,
    size_t *used_r);

#endif
