/*
 * Control files: one setting per file in the control directory, named
 * after the Postfix parameter people know (myhostname, mydestination...).
 *
 * The directory is $FACTEUR_ETC, or /etc/facteur.  In a file, blank lines
 * and lines whose first non-blank byte is '#' are ignored; leading and
 * trailing blanks (space, tab, CR) of a value are dropped.  A single-value
 * setting must have exactly one value line; a list setting has one value
 * per line.  A missing file means "use the default".  Files are limited
 * to CONTROL_MAX bytes; NUL bytes are refused.
 *
 * Errors carry the file, line, column and reason, for the -t checks.
 */
#ifndef FACTEUR_CONTROL_H
#define FACTEUR_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "str.h"

#define CONTROL_MAX 65536

struct control_err {
	char file[256];
	unsigned line, col;
	char reason[128];
};

/* The control directory. */
const char *control_dir(void);

/*
 * Parses a control file's text.  With multi == 0 exactly one value is
 * expected and stored in out; with multi != 0 every value is appended to
 * out followed by a NUL byte, and *count_r gets their number.  Returns 0,
 * or -1 with err->line, err->col and err->reason set (errno EINVAL).
 */
int control_parse(const char *buf, size_t len, int multi, struct str *out,
    size_t *count_r, struct control_err *err);

/*
 * Reads setting name.  Returns 1 with the value in out, 0 if the file does
 * not exist (out holds def, or is empty if def is NULL), -1 on error with
 * err filled in (errno set).
 */
int control_str(const char *name, const char *def, struct str *out,
    struct control_err *err);
/* A number (strict decimal, at most max). */
int control_u64(const char *name, uint64_t def, uint64_t max, uint64_t *v_r,
    struct control_err *err);
/* yes/no, true/false, on/off, 1/0 (any case). */
int control_bool(const char *name, int def, int *v_r, struct control_err *err);
/* A list: values NUL-separated in out, their number in *count_r. */
int control_list(const char *name, struct str *out, size_t *count_r,
    struct control_err *err);

/* Formats err as "file:line:col: reason" into buf. */
void control_err_format(const struct control_err *err, char *buf, size_t n);

#endif
