/*
 * The facteur password database: its text format, parsed strictly.
 *
 * The file ($FACTEUR_ETC/passwd) has one user a line, seven fields
 * separated by ':':
 *
 *   user:hash:uid:gid:home:maildir:extra
 *
 *   user     1 to PASSWD_USER_MAX bytes of [A-Za-z0-9._%+@-], starting
 *            with a letter or digit (so "joe" and "joe@example.org" are
 *            both names).  Compared exactly, case included.
 *   hash     a libsodium argon2id string,
 *            $argon2id$v=19$m=KIB,t=PASSES,p=LANES$SALT$HASH
 *            (SALT and HASH in unpadded base64), at most
 *            PASSWD_HASH_MAX bytes.  A leading '!' locks the account:
 *            the hash is kept, no login succeeds until it is removed.
 *   uid,gid  decimal, 1 to 4294967294 (root and -1 are refused).
 *   home     an absolute path of printable ASCII without ':', no "."
 *            or ".." component, at most PASSWD_PATH_MAX bytes.
 *   maildir  empty (meaning HOME/Maildir/) or a path like home.
 *   extra    empty, or comma-separated options.  The only option now is
 *            cram-md5=HEX: the user's CRAM-MD5 (RFC 2195) key, the HMAC-MD5
 *            key bytes in hex (2 to 128 digits, i.e. 1 to 64 bytes: the
 *            password itself).  It is password-equivalent, which is why
 *            the file must be readable only by its owner.
 *
 * Every line ends in LF (a file whose last line lacks it was cut short
 * and is refused); CR, NUL and other control bytes are refused anywhere.
 * An empty line, or a line whose first byte is '#', is ignored.  A line
 * is at most PASSWD_LINE_MAX bytes, the file at most PASSWD_FILE_MAX, and
 * a user may appear only once.
 *
 * Errors carry the line and column (1-based bytes) and a reason.  The
 * parsers do no I/O and never allocate except passwd_parse_file's
 * duplicate check.
 */
#ifndef FACTEUR_PASSWD_H
#define FACTEUR_PASSWD_H

#include <stddef.h>
#include <stdint.h>

#include "str.h"

#define PASSWD_USER_MAX 64
#define PASSWD_HASH_MAX 127 /* crypto_pwhash_STRBYTES - 1 */
#define PASSWD_PATH_MAX 255
#define PASSWD_CRAM_MAX 64 /* key bytes (an HMAC-MD5 block) */
#define PASSWD_LINE_MAX 1024
#define PASSWD_FILE_MAX (256UL * 1024 * 1024)

/* The cost parameters stored in an argon2id string. */
struct passwd_cost {
	uint64_t m_kib; /* memory, KiB */
	uint64_t t;	/* passes */
	uint64_t p;	/* lanes */
};

struct passwd_entry {
	char user[PASSWD_USER_MAX + 1];
	char hash[PASSWD_HASH_MAX + 1]; /* without the lock mark */
	int locked;
	struct passwd_cost cost;
	uint32_t uid, gid;
	char home[PASSWD_PATH_MAX + 1];
	char maildir[PASSWD_PATH_MAX + 1]; /* "" means HOME/Maildir/ */
	unsigned char cram[PASSWD_CRAM_MAX];
	size_t cram_len; /* 0: no CRAM-MD5 key */
};

struct passwd_err {
	unsigned line, col; /* line 0: about the whole file */
	char reason[96];
};

/*
 * Checks that s (n bytes, no LF) is a valid user name.  Returns 0, or -1
 * with errno EINVAL.
 */
int passwd_user_ok(const char *s, size_t n);

/*
 * Parses the cost parameters of an argon2id string (n bytes, no lock
 * mark) and checks its whole syntax.  Returns 0 with *cost_r filled in,
 * or -1 (errno EINVAL) with *col_r set to the 1-based offset of the
 * error in s and *why_r to a reason.
 */
int passwd_hash_parse(const char *s, size_t n, struct passwd_cost *cost_r,
    size_t *col_r, const char **why_r);

/*
 * Parses one entry line (n bytes, without its LF) into *e.  Returns 0, or
 * -1 with errno EINVAL and err->col and err->reason set (err->line is
 * left alone).  Comment and empty lines are errors here.
 */
int passwd_parse_line(const char *s, size_t n, struct passwd_entry *e,
    struct passwd_err *err);

/*
 * Called by passwd_parse_file for every line, in order: lineno is
 * 1-based, s/n the line without its LF, e the parsed entry or NULL for a
 * comment or empty line.  Returning -1 stops the parse.
 */
typedef int passwd_line_fn(void *arg, unsigned lineno, const char *s,
    size_t n, const struct passwd_entry *e);

/*
 * Parses a whole file of len bytes, calling fn (if not NULL) for each
 * line, and refuses duplicate users.  Returns the number of entries
 * (>= 0); or -1 with err filled in and errno EINVAL (bad file), ENOMEM,
 * or whatever errno fn left (err->reason is then "stopped").
 */
long passwd_parse_file(const char *buf, size_t len, passwd_line_fn *fn,
    void *arg, struct passwd_err *err);

/*
 * Appends e as a line, without LF, to out.  e must be valid (as
 * passwd_parse_line would give).  Returns 0 or -1 (ENOMEM, or EINVAL if
 * the result would not parse back).
 */
int passwd_format(const struct passwd_entry *e, struct str *out);

/*
 * Does cost stay within the ceiling max?  Returns 1 if it does, 0 if not.
 */
int passwd_cost_within(const struct passwd_cost *cost,
    const struct passwd_cost *max);

#endif
