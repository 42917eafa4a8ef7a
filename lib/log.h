/*
 * Logging to stderr in one-line records fit for s6-log and multilog:
 *
 *   program: pid N: level: message
 *
 * s6-log/multilog add the time stamp.  Every byte that is not printable
 * ASCII (control characters, DEL, bytes >= 0x80, and the backslash itself)
 * is written as \xHH, so network input can never forge a second record or
 * garble a terminal.  Each record is one write(2) of at most LOG_MAX bytes
 * (longer messages are cut and end in "..."), so concurrent writers to a
 * pipe do not interleave.  Logging never allocates and never fails loudly.
 */
#ifndef FACTEUR_LOG_H
#define FACTEUR_LOG_H

#include <stdarg.h>
#include <stddef.h>

#define LOG_MAX 2048

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_FATAL };

/* Sets the program name (the last component of argv0 is used). */
void log_init(const char *argv0);
/* Records at a level below this are dropped (default LOG_INFO). */
void log_set_level(enum log_level min);
/* Sets the descriptor records go to (default 2). */
void log_set_fd(int fd);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

/* Logs at LOG_FATAL and exits with code. */
void log_die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/*
 * Escapes n bytes of p into out (size outsz, always NUL-terminated) the
 * way records are escaped; returns the length written.  For callers that
 * build a message from untrusted bytes and want to cut it themselves.
 */
size_t log_escape(char *out, size_t outsz, const void *p, size_t n);

/* The program name given to log_init ("facteur" before). */
const char *log_progname(void);

#endif
