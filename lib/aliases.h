/*
 * The aliases table: an /etc/aliases-style text file (Postfix and
 * sendmail syntax), its compiled cdb form, and expansion through it.
 *
 * The text file ($FACTEUR_ETC/aliases):
 *
 *   # a comment
 *   postmaster: root
 *   root:       joe, \joe, joe@elsewhere.example
 *   staff:      ann, bob,
 *               carol            (a continuation: starts with blank)
 *   list:       :include:/etc/facteur/list.members
 *   bugs:       "|/usr/local/bin/tracker --queue bugs"
 *   archive:    /var/mail/archive/Maildir/
 *
 * A logical line starts with a non-blank byte; a line starting with a
 * space or tab continues the one before.  Lines whose first non-blank
 * byte is '#', and blank lines, are ignored everywhere (also between
 * continuation lines).  An entry is NAME ':' TARGETS.  NAME is 1 to
 * ALIASES_NAME_MAX bytes of printable ASCII other than white space and
 * : , " @ \ |; it is matched without regard to case.  TARGETS are
 * separated by commas or line breaks; a target may be put in double
 * quotes (inside them \" and \\ stand for " and \), which it must be if
 * it holds a comma.  A target is:
 *
 *   user, user@domain   an address (alias-expanded again when local)
 *   \user               an address that is not alias-expanded again
 *   |command            a command for /bin/sh -c (an unquoted one runs
 *                       to the next comma)
 *   /path/Maildir/      a Maildir (a path must end in '/': mbox files
 *                       are not supported)
 *   :include:/path      a file of more targets, read at expansion time
 *
 * Limits: a target at most ALIASES_TARGET_MAX bytes, an address at most
 * ALIASES_ADDR_MAX, ALIASES_MAXTARGETS targets per entry, a physical line
 * ALIASES_LINE_MAX bytes, the file ALIASES_FILE_MAX bytes.  NUL and other
 * control bytes are refused (a CR before LF, and tabs, are blanks); a
 * name may appear only once.  The last line may lack its LF.
 *
 * An :include: file has the TARGETS syntax alone: one or more targets a
 * line, '#' comment lines and blank lines, at most ALIASES_INCLUDE_MAX
 * bytes.  Its commands and Maildir paths are honoured only when the file
 * is owned by root or by the process's own user and is not writable by
 * group or others; otherwise they are dropped with a log line (anyone
 * who may edit the file must not thereby run commands).
 *
 * The compiled form (aliases.cdb): the key is the lower-cased name, the
 * value its targets in order, each one kind byte, the text and a NUL:
 *   'a' address   'u' \address   '|' command   '/' Maildir   'i' include
 */
#ifndef FACTEUR_ALIASES_H
#define FACTEUR_ALIASES_H

#include <stddef.h>

#include "str.h"

#define ALIASES_MAXDEPTH 16
#define ALIASES_MAXTARGETS 1000
#define ALIASES_NAME_MAX 64
#define ALIASES_ADDR_MAX 254
#define ALIASES_TARGET_MAX 1024
#define ALIASES_LINE_MAX 65536
#define ALIASES_FILE_MAX (64UL * 1024 * 1024)
#define ALIASES_INCLUDE_MAX (1024UL * 1024)
#define ALIASES_MAXVISITS 100000 /* targets looked at in one expansion */

enum alias_kind { ALIAS_ADDR, ALIAS_PIPE, ALIAS_MAILDIR };

struct aliases_err {
	unsigned line, col; /* 1-based; line 0: about the whole file */
	char reason[96];
};

/*
 * Called by aliases_parse for each entry, in file order: line is where
 * the entry starts, name the lower-cased NUL-terminated name, val/vlen
 * its targets in the compiled form.  Returning -1 stops the parse.
 */
typedef int aliases_entry_fn(void *arg, unsigned line, const char *name,
    const char *val, size_t vlen);

/*
 * Parses a whole aliases file of len bytes, calling fn (if not NULL) for
 * each entry.  Returns the number of entries (>= 0); or -1 with err
 * filled in and errno EINVAL (bad file), ENOMEM, or whatever errno fn
 * left (err->reason is then "stopped").  No I/O.
 */
long aliases_parse(const char *buf, size_t len, aliases_entry_fn *fn,
    void *arg, struct aliases_err *err);

/*
 * Parses n bytes of one line of TARGETS (no LF), appending each target
 * in the compiled form to out and counting them in *count_r.  col0 is
 * the column of s[0] for error positions.  Returns 0, or -1 with errno
 * EINVAL (err->col and err->reason set; err->line left alone) or ENOMEM.
 */
int aliases_parse_targets(const char *s, size_t n, unsigned col0,
    struct str *out, size_t *count_r, struct aliases_err *err);

/*
 * Parses the aliases file in buf and writes its cdb to fd (which must be
 * empty and open for reading and writing).  Returns the number of
 * entries, or -1 with errno (EINVAL: err filled in as aliases_parse
 * does; else a write error, err->reason saying so).  The caller fsyncs
 * and renames the file into place.
 */
long aliases_compile(const char *buf, size_t len, int fd,
    struct aliases_err *err);

/*
 * Expands the local part `local` (matched case-insensitively) through the
 * compiled table `cdbpath`, recursively: a target that is a bare name or
 * name@domain for which is_local(arg, domain) returns non-zero (is_local
 * may be NULL: then only bare names) and is itself an alias is expanded
 * again; `:include:` files are read at expansion time.
 *
 * Loop protection: an alias met again on one expansion path is not
 * expanded again: a target naming the alias it is listed under (`joe:
 * joe, ...`) is delivered to as a plain user, a longer cycle is dropped
 * with a log line; an :include: file met again is skipped likewise.
 * Identical final targets are reported once (addresses compared without
 * regard to case), and each alias and include file is expanded at most
 * once per call (a second expansion could add nothing new).
 *
 * For each final target calls fn(arg, kind, target) where target is
 * "user" / "user@domain" (ALIAS_ADDR, exactly as written in the table),
 * the command (ALIAS_PIPE), or the path (ALIAS_MAILDIR).  fn returning -1
 * stops with -1 (errno as fn left it).
 *
 * Returns 0 when `local` is not an alias (fn not called), 1 when it was
 * expanded (fn may have been called zero times if every target was
 * dropped), -1 on error with errno set.  After -1 fn may have been called
 * for some targets already: the caller must discard them.  errno:
 *   ELOOP     nesting deeper than ALIASES_MAXDEPTH (a bad table)
 *   E2BIG     more than ALIASES_MAXTARGETS final targets, or more than
 *             ALIASES_MAXVISITS targets looked at (a bad table)
 *   EINVAL    a corrupt cdb, or a bad or unsafe-to-read :include: file
 *             (logged with its file:line:col)
 *   other     the cdb or an :include: file could not be read
 * ELOOP and E2BIG are errors of the table that retrying will not fix;
 * the others are temporary.  A missing cdb file means "no aliases"
 * (returns 0); a missing :include: file is an error (ENOENT).
 */
int aliases_expand(const char *cdbpath, const char *local,
    int (*is_local)(void *arg, const char *domain),
    int (*fn)(void *arg, enum alias_kind kind, const char *target),
    void *arg);

#endif
