/*
 * Growable byte strings.
 *
 * A struct str holds counted bytes (NUL bytes allowed) and keeps a NUL
 * terminator after the last byte whenever s is not NULL, so text can be
 * passed to C functions directly.  Growth is overflow-checked: every
 * function that may allocate returns 0 on success and -1 with errno set
 * (ENOMEM, or EOVERFLOW when the size would not fit in size_t).
 * A zeroed struct is a valid empty string: struct str s = STR_INIT;
 */
#ifndef FACTEUR_STR_H
#define FACTEUR_STR_H

#include <stdarg.h>
#include <stddef.h>

struct str {
	char *s;
	size_t len;
	size_t cap; /* allocated bytes, including room for the terminator */
};

#define STR_INIT { NULL, 0, 0 }

/* Makes room for extra more bytes (plus the terminator). */
int str_reserve(struct str *sa, size_t extra);
/* Appends n bytes from p. */
int str_append(struct str *sa, const void *p, size_t n);
/* Appends a NUL-terminated string. */
int str_appendz(struct str *sa, const char *z);
/* Appends one byte. */
int str_appendc(struct str *sa, char c);
/* Replaces the contents with n bytes from p. */
int str_copy(struct str *sa, const void *p, size_t n);
/* Appends printf-formatted text. */
int str_printf(struct str *sa, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int str_vprintf(struct str *sa, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Shortens to n bytes (n <= len). */
void str_truncate(struct str *sa, size_t n);
/* Empties the string, keeping its memory. */
void str_clear(struct str *sa);
/* Frees the memory; the string is empty (and reusable) afterwards. */
void str_free(struct str *sa);
/* Overwrites the contents with zeros before freeing (for secrets). */
void str_wipe(struct str *sa);

#endif
