/*
 * Writing into a Maildir (and its Maildir++ folders), safely.
 *
 * A message is written to tmp/ under a unique name, fsynced, linked into
 * new/ as time.MusecPpid_Rrand.host,S=size,W=vsize (never replacing a
 * file), and new/ is fsynced; only then is the delivery done.  On any failure the
 * tmp file is removed and nothing appears in new/.  All file operations
 * go through durable.h.
 *
 * Maildir++ quota: the top Maildir's maildirsize file holds the quota
 * ("10000000S,1000C" on its first line) and one "bytes count" line per
 * change.  maildir_quota_* read it, add to it, and rebuild it from the
 * folders when it is damaged or has grown past 5120 bytes.
 */
#ifndef FACTEUR_MAILDIR_H
#define FACTEUR_MAILDIR_H

#include <stddef.h>
#include <stdint.h>

#include "uniq.h"

#define MAILDIR_FOLDER_MAX 255
#define MAILDIR_WBUF 65536

struct maildir {
	int rootfd; /* the top Maildir: maildirsize lives here */
	int dirfd;  /* the folder delivered into (the top one for INBOX) */
	int tmpfd, newfd;
};

/*
 * Turns a folder name as a user gives it ("Lists/foo", "Lists.foo",
 * "INBOX.Sent") into its Maildir++ directory name (".Lists.foo",
 * ".Sent").  "INBOX" alone gives "" (the top Maildir).  Refuses (-1,
 * EINVAL) empty components, "." and "..", control characters, names
 * longer than MAILDIR_FOLDER_MAX.
 */
int maildir_folder_dir(const char *folder, char *out, size_t n);

/*
 * Opens the Maildir at path, or its folder (NULL or "" for INBOX).  With
 * create, a missing Maildir (whose parent exists), folder or tmp/new/cur
 * is made (mode 0700), and a new folder gets its maildirfolder file.
 * Returns 0 or -1 with errno (ENOENT when it is missing, EINVAL for a bad
 * folder name, ENOTDIR...).
 */
int maildir_open(struct maildir *md, const char *path, const char *folder,
    int create);
void maildir_close(struct maildir *md);

struct maildir_msg {
	struct maildir *md;
	int fd;
	uint64_t size;
	uint64_t vsize; /* size with CRLF line ends */
	int prev_cr;	/* the last byte written was a CR */
	size_t buflen;
	char tmpname[UNIQ_MAX];
	char newname[UNIQ_MAX + 64]; /* + ",S=" and ",W=" numbers */
	unsigned char buf[MAILDIR_WBUF];
};

/* Creates the tmp file. */
int maildir_msg_begin(struct maildir *md, struct maildir_msg *m);
/* Appends n bytes (buffered). */
int maildir_msg_write(struct maildir_msg *m, const void *p, size_t n);
/*
 * Makes the message durable and visible in new/; m->newname is its name
 * there.  On failure the tmp file is removed (the message is not
 * delivered) and -1 returned with errno.
 */
int maildir_msg_commit(struct maildir_msg *m);
/* Abandons the message: closes and removes the tmp file. */
void maildir_msg_abort(struct maildir_msg *m);

struct maildir_quota {
	uint64_t max_bytes, max_count; /* 0: no limit of that kind */
	int64_t bytes, count;	       /* in use, per maildirsize */
	int damaged;		       /* a line could not be read */
	size_t filesize;
};

/*
 * Parses maildirsize text.  Returns 0, or -1 (EINVAL) when the first
 * line is not a quota definition; damaged lines after it set q->damaged.
 */
int maildir_quota_parse(const char *buf, size_t len, struct maildir_quota *q);
/*
 * Parses a quota definition such as "10000000S,1000C" (either part may
 * be missing; order free).  Returns 0 or -1 (EINVAL).
 */
int maildir_quota_def(const char *def, size_t len, uint64_t *bytes_r,
    uint64_t *count_r);
/*
 * Reads the top Maildir's quota: 1 when there is one, 0 when there is no
 * maildirsize (no quota), -1 on error.  With def not NULL the quota is
 * def instead, and maildirsize is (re)built if missing or different.  A
 * damaged or oversized maildirsize is rebuilt by counting the messages.
 */
int maildir_quota_get(struct maildir *md, const char *def,
    struct maildir_quota *q);
/* Would bytes more in one more message go over the quota?  1 yes, 0 no. */
int maildir_quota_over(const struct maildir_quota *q, uint64_t bytes);
/* Records a delivery of bytes in maildirsize. */
int maildir_quota_add(struct maildir *md, uint64_t bytes);

#endif
