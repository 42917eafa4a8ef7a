#include "str.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
str_reserve(struct str *sa, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX - 1 - sa->len) {
		errno = EOVERFLOW;
		return -1;
	}
	need = sa->len + extra + 1;
	if (need <= sa->cap)
		return 0;
	/* Grow by half again, so appends are amortised O(1). */
	cap = sa->cap < 32 ? 32 : sa->cap;
	while (cap < need) {
		if (cap > SIZE_MAX / 3 * 2) {
			cap = need;
			break;
		}
		cap += cap / 2;
	}
	p = realloc(sa->s, cap);
	if (p == NULL) {
		errno = ENOMEM;
		return -1;
	}
	/* The contract keeps s terminated whenever it is not NULL, also
	 * straight after the first allocation. */
	p[sa->len] = '\0';
	sa->s = p;
	sa->cap = cap;
	return 0;
}

int
str_append(struct str *sa, const void *p, size_t n)
{
	if (str_reserve(sa, n) < 0)
		return -1;
	if (n > 0)
		memcpy(sa->s + sa->len, p, n);
	sa->len += n;
	sa->s[sa->len] = '\0';
	return 0;
}

int
str_appendz(struct str *sa, const char *z)
{
	return str_append(sa, z, strlen(z));
}

int
str_appendc(struct str *sa, char c)
{
	return str_append(sa, &c, 1);
}

int
str_copy(struct str *sa, const void *p, size_t n)
{
	str_clear(sa);
	return str_append(sa, p, n);
}

int
str_vprintf(struct str *sa, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0) {
		errno = EINVAL;
		return -1;
	}
	if (str_reserve(sa, (size_t)n) < 0)
		return -1;
	vsnprintf(sa->s + sa->len, (size_t)n + 1, fmt, ap);
	sa->len += (size_t)n;
	return 0;
}

int
str_printf(struct str *sa, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = str_vprintf(sa, fmt, ap);
	va_end(ap);
	return r;
}

void
str_truncate(struct str *sa, size_t n)
{
	if (n < sa->len) {
		sa->len = n;
		sa->s[n] = '\0';
	}
}

void
str_clear(struct str *sa)
{
	sa->len = 0;
	if (sa->s != NULL)
		sa->s[0] = '\0';
}

void
str_free(struct str *sa)
{
	free(sa->s);
	sa->s = NULL;
	sa->len = sa->cap = 0;
}

void
str_wipe(struct str *sa)
{
	if (sa->s != NULL)
		explicit_bzero(sa->s, sa->cap);
	str_free(sa);
}
