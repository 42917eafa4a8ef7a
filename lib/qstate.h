/*
 * queued's per-message state file and the spool envelope, parsed
 * strictly; durations and the retry backoff.
 *
 * The state file (spool/queue/ID/state, see facteur-spool(5)) is text,
 * one record a line, fields separated by TAB, each line ending in a TAB,
 * the CRC-32 (IEEE, 8 lower-case hex digits) of the bytes before that TAB,
 * and LF.  It is written whole once (header and recipients, before any
 * delivery starts) and then only appended to, one record per write(2),
 * so a crash can leave at most a torn last line, which the parser
 * ignores.  Records:
 *
 *   Q1  created                          header (first line, version 1)
 *   R   idx orig kind addr target        a delivery (idx = 0, 1, ... in order)
 *   D   idx time result next mta diag    a delivery attempt's result
 *   W   time                             a delay warning was sent
 *   B   time info                        the DSN was sent (or none was due)
 *   K   time who                         deletion was requested (mailq -d)
 *
 * kind is local, pipe, maildir, remote or error (a recipient that could
 * not be resolved; target is then the reason); result is ok, temp, perm
 * or expired; next is the time of the next attempt (0 when final).
 * Fields never hold TAB, LF or other control bytes: addresses and targets
 * holding them are refused by the formatters, text fields (mta, diag,
 * info, who) have them replaced by spaces and are cut to QSTATE_TEXT_MAX.
 *
 * Limits: a line is at most QSTATE_LINE_MAX bytes, a file holds at most
 * QSTATE_RCPT_MAX deliveries.  Functions return 0 or -1 with errno.
 */
#ifndef FACTEUR_QSTATE_H
#define FACTEUR_QSTATE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "str.h"

#define QSTATE_LINE_MAX 8192
#define QSTATE_TEXT_MAX 1000
#define QSTATE_RCPT_MAX 200000
#define QENV_RCPT_MAX 100000

enum qkind { QK_LOCAL, QK_PIPE, QK_MAILDIR, QK_REMOTE, QK_ERROR };
enum qresult { QRES_OK, QRES_TEMP, QRES_PERM, QRES_EXPIRED };
/* What a delivery's records add up to. */
enum qrstate { QS_PENDING, QS_OK, QS_PERM };

struct qrcpt {
	unsigned orig;	     /* index of the envelope recipient */
	enum qkind kind;
	const char *addr;    /* into the parsed buffer */
	const char *target;
	enum qrstate state;
	int expired;	     /* failed because the queue lifetime ran out */
	unsigned attempts;   /* D records seen */
	int64_t last, next;  /* last attempt; next one (0: none planned) */
	char *mta, *diag;    /* of the last D record; malloc'd or NULL */
};

struct qstate {
	int64_t created;
	struct qrcpt *r;
	size_t n;
	int64_t warned;	   /* W time, 0 if none */
	int64_t done;	   /* B time, 0 if none */
	int64_t deleted;   /* K time, 0 if none */
	int torn;	   /* a torn or damaged last line was ignored */
	char *buf;	   /* the text, split into fields */
};

/*
 * Parses a state file of len bytes into qs (which the caller frees with
 * qstate_free, also after an error).  A last line without LF or with a
 * bad CRC is ignored (qs->torn set): it is a write cut by a crash.  Any
 * other bad line is an error: -1, errno EINVAL, *line_r its number
 * (1-based; may be NULL).  ENOMEM too.
 */
int qstate_parse(const char *p, size_t len, struct qstate *qs,
    unsigned *line_r);
void qstate_free(struct qstate *qs);

/* Appends one record line to out. */
int qstate_fmt_header(struct str *out, int64_t created);
int qstate_fmt_rcpt(struct str *out, unsigned idx, unsigned orig,
    enum qkind kind, const char *addr, const char *target);
int qstate_fmt_result(struct str *out, unsigned idx, int64_t t,
    enum qresult res, int64_t next, const char *mta, const char *diag);
int qstate_fmt_warned(struct str *out, int64_t t);
int qstate_fmt_done(struct str *out, int64_t t, const char *info);
int qstate_fmt_deleted(struct str *out, int64_t t, const char *who);

/* Applies a result to r as the parser does for a D record (mta and
 * diag are copied). */
int qstate_apply(struct qrcpt *r, int64_t t, enum qresult res, int64_t next,
    const char *mta, const char *diag);

const char *qstate_kind_name(enum qkind k);
const char *qstate_result_name(enum qresult r);

/*
 * A duration: decimal digits and an optional unit s, m, h, d or w
 * (Postfix's time units; none means seconds), at most ten years.
 */
int qstate_duration(const char *s, uint64_t *secs_r);

/*
 * The delay before attempt number attempts + 1 after attempts failed
 * ones (attempts >= 1): min doubled for each failure after the first,
 * never above max (nor below min).
 */
uint64_t qstate_backoff(unsigned attempts, uint64_t min, uint64_t max);

/* The spool envelope (facteur-spool(5)). */
struct qenv_rcpt {
	const char *addr;
	unsigned notify;     /* SMTP_NOTIFY_* bits, 0 if absent */
	const char *notify_raw; /* the N record, or NULL */
	const char *orcpt;   /* "type;xtext" or NULL */
};

struct qenv {
	int64_t arrival;     /* t record, 0 if absent */
	const char *sender;  /* "" for <> */
	const char *envid;   /* NULL if absent */
	int ret;	     /* 0 none, 1 FULL, 2 HDRS */
	int body8;	     /* BODY=8BITMIME */
	int utf8;	     /* SMTPUTF8 */
	struct qenv_rcpt *r;
	size_t n;
};

/*
 * Parses an env file of len bytes.  The strings point into p, which must
 * stay alive and unchanged.  Returns 0; -1 with errno EINVAL (damaged),
 * ENOTSUP (an unknown version or upper-case record: a newer writer), or
 * ENOMEM.  The caller frees with qenv_free.
 */
int qenv_parse(const char *p, size_t len, struct qenv *e);
void qenv_free(struct qenv *e);

#endif
