/*
 * imapd's view of a Maildir++: folders, the per-folder UID list, flags.
 *
 * INBOX is the Maildir itself; the folder "a.b" is the directory ".a.b"
 * (names stay in modified UTF-7 on disk, as Dovecot and Courier keep
 * them); the hierarchy separator is '.'.
 *
 * Each folder holds facteur-uidlist beside cur/new/tmp:
 *
 *   facteur-uidlist 1 UIDVALIDITY UIDNEXT HIGHESTMODSEQ
 *   UID MODSEQ VSIZE NAME
 *   ...
 *
 * one line per message in UID order; NAME is the file's name (in cur/ or
 * new/), VSIZE its size with CRLF line ends (0: not known yet).  It is
 * read and rewritten (durable_replace) only under an open-file-
 * description lock on facteur-uidlist.lock, so concurrent sessions never
 * hand out a UID twice; deliveries only add files to new/ and get their
 * UID from the next session that looks.  A lost or damaged list is
 * rebuilt from the Maildir: every line that can be read keeps its UID;
 * a lost header gives a new UIDVALIDITY, so clients resynchronise.
 */
#ifndef FACTEUR_IMAPD_MBOX_H
#define FACTEUR_IMAPD_MBOX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "str.h"

#define MBOX_UIDLIST "facteur-uidlist"
#define MBOX_LOCK "facteur-uidlist.lock"
#define MBOX_MSG_MAX 2000000

/* System flags, in the bits of msg.flags. */
enum {
	F_SEEN = 1,
	F_ANSWERED = 2,
	F_FLAGGED = 4,
	F_DELETED = 8,
	F_DRAFT = 16,
	F_RECENT = 32, /* session flag, never on disk */
};
/*
 * Keywords: bit 6 + i of the flags is keyword i of the folder's
 * dovecot-keywords file ("i name" lines, as Dovecot keeps them), shown
 * as the letter 'a' + i in the file names, as Dovecot does.
 */
#define MBOX_KEYWORDS_MAX 26
#define F_KW(i) (1u << (6 + (i)))
#define F_SYSTEM 0x3fu

struct msg {
	uint32_t uid;
	uint64_t modseq;
	uint64_t vsize;	 /* CRLF size; 0 unknown */
	char *name;	 /* file name in new/ or cur/ */
	unsigned flags;	 /* from the name's ":2," info */
	int in_new;
};

struct mbox {
	char name[512];	  /* the IMAP name: "INBOX", "a.b" */
	char dir[512];	  /* "." or ".a.b" */
	int dirfd, curfd, newfd;
	uint32_t uidvalidity, uidnext;
	uint64_t highestmodseq;
	struct msg *m;	  /* in UID order */
	size_t n, cap;
	int rebuilt;	  /* the last sync rebuilt a lost list */
	/* cur/, new/ and the list as the last sync left them */
	struct timespec seen[3];
	int have_seen;
	time_t seen_at; /* when the sync that took seen[] began */
	char *kw[MBOX_KEYWORDS_MAX]; /* keyword names; NULL: unused */
	uint64_t removed, removed_bytes; /* by mbox_expunge, for the quota */
};

/*
 * The flag bit of keyword name (compared without regard to case) in mb;
 * with create, a new keyword is added to dovecot-keywords under the
 * lock.  Returns the bit, or 0 (unknown, or no room left).
 */
unsigned mbox_keyword(struct mbox *mb, const char *name, int create);

/* The Maildir root (opened once). */
int mbox_root_open(const char *path);
int mbox_rootfd(void);

/*
 * Turns an IMAP name into the folder directory ("INBOX" any case -> ".";
 * "a.b" -> ".a.b").  Checks the name (imap_mailbox_check).  0, or -1
 * with *why_r.
 */
int mbox_dirname(const char *name, char *dir, size_t n, const char **why_r);
/* Is name INBOX (any case)? */
int mbox_is_inbox(const char *name);

/* Opens a folder (must exist: cur/ and new/). 0 or -1 (errno). */
int mbox_open(struct mbox *mb, const char *name);
void mbox_close(struct mbox *mb);

/*
 * Brings mb->m up to date with the folder under the lock: with move_new,
 * messages in new/ go to cur/ first and their names are returned through
 * moved (may be NULL; a NUL-separated list of base names); new files get
 * UIDs; renamed ones (flags) get a new MODSEQ; missing ones leave the
 * list.  0 or -1 (errno).
 */
int mbox_sync(struct mbox *mb, int move_new, struct str *moved);

/*
 * Expunged UIDs, for QRESYNC: each removal (by imapd or found missing by
 * a sync) appends "UID MODSEQ" lines to the folder's facteur-vanished
 * under the lock.  mbox_vanished appends to out (a UID set "1:3,7") the
 * UIDs removed with a MODSEQ above since, limited to within (NULL: all).
 * 0 or -1.
 */
#define MBOX_VANISHED "facteur-vanished"
struct imap_seqset;
int mbox_vanished(struct mbox *mb, uint64_t since,
    const struct imap_seqset *within, struct imap_seqset *out);

/* The index of uid in mb->m, or -1. */
ssize_t mbox_find(const struct mbox *mb, uint32_t uid);

/* The flags in a file name's info; name with info for flags. */
unsigned mbox_name_flags(const char *name);
int mbox_name_with_flags(const char *name, unsigned flags, char *out,
    size_t n);
/* Length of the base name (before ":2,"). */
size_t mbox_base_len(const char *name);

/*
 * Changes the flags of messages (indexes into mb->m, each to flags[i])
 * by renaming their files, under the lock, and records the new names
 * and MODSEQs in the list.  Messages gone meanwhile are skipped.  0 or -1.
 */
int mbox_set_flags(struct mbox *mb, const size_t *idx,
    const unsigned *flags, size_t count);

/*
 * Removes the messages idx[0..count) (their files), under the lock.
 * 0 or -1.
 */
int mbox_expunge(struct mbox *mb, const size_t *idx, size_t count);

/* Opens message i for reading (follows a rename). fd or -1. */
int mbox_msg_open(struct mbox *mb, size_t i);

/*
 * Adds the finished file rootfd/tmp/tmpname to folder mb with flags and
 * internal date (0: now), under the lock; its UID in *uid_r.  0 or -1.
 */
int mbox_add(struct mbox *mb, const char *tmpname, unsigned flags,
    time_t date, uint32_t *uid_r);

/* Folder operations; 0 or -1 with *why_r ("NO" text). */
int mbox_create(const char *name, const char **why_r);
int mbox_delete(const char *name, const char **why_r);
int mbox_rename(const char *from, const char *to, const char **why_r);
/* Does the folder exist? */
int mbox_exists(const char *name);

/*
 * Lists every folder name (modified UTF-7, without INBOX) into names,
 * NUL-separated; their count in *n_r.  0 or -1.
 */
int mbox_list_all(struct str *names, size_t *n_r);

/* Subscriptions: the "subscriptions" file of the root. */
int mbox_subs_read(struct str *names, size_t *n_r);
int mbox_subscribe(const char *name, int on);

#endif
