/*
 * imapd's session, shared by its files: imapd.c (the loop, mailbox
 * commands, untagged updates) and msgcmd.c (FETCH, STORE, SEARCH, COPY,
 * MOVE, APPEND, UID).
 */
#ifndef FACTEUR_IMAPD_H
#define FACTEUR_IMAPD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "imapparse.h"
#include "io.h"
#include "mbox.h"
#include "str.h"
#include "uniq.h"

/* One message as this session numbers it (sequence number = index+1). */
struct view {
	uint32_t uid;
	unsigned flags; /* with F_RECENT */
};

struct session {
	struct rbuf rb;
	struct wbuf wb;
	struct imap_reader rd;
	struct imap_cmd cmd;
	struct str out;
	const char *user;
	const char *path; /* the Maildir */
	uint64_t size_limit;
	unsigned errors;
	int selected, readonly;
	uint32_t uidvalidity; /* as the client was told; 0 before */
	struct mbox mb;
	struct view *v;
	size_t nv, capv;
	uint32_t nrecent;
	size_t nkw; /* keywords the client was told of */
	int condstore; /* RFC 7162: MODSEQ in FETCH responses */
	int qresync;   /* RFC 7162: VANISHED instead of EXPUNGE */
	/* APPEND: literals streamed into the root's tmp/ */
	char (*takes)[UNIQ_MAX];
	size_t ntakes;
	int take_failed;
};

extern struct session S;

void lost(const char *what) __attribute__((noreturn));
void put(const void *p, size_t n);
void putz(const char *z);
void flush(void);
void reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void oom(void) __attribute__((noreturn));
void bye(const char *why) __attribute__((noreturn));
void put_flags(unsigned f);
int flag_bit(const struct imap_arg *a, unsigned *bit_r);
int flag_list(const struct imap_arg *a, struct mbox *mb, int create,
    unsigned *flags_r);
void flag_lists(void);
void put_modseq(size_t vi);
int updates(int allow_expunge, int uid);
ssize_t msg_index(size_t i);
const char *mbox_arg(const struct imap_arg *a);
void do_expunge(const struct imap_cmd *c, const struct imap_seqset *uids);
struct maildir_quota;
int quota_get(struct maildir_quota *q);
int quota_over(uint64_t bytes, uint64_t count);
void quota_charge(uint64_t bytes);
void quota_release(struct mbox *mb);

/* msgcmd.c */
void cmd_fetch(const struct imap_cmd *c, size_t first, int uid);
void cmd_store(const struct imap_cmd *c, size_t first, int uid);
void cmd_search(const struct imap_cmd *c, size_t first, int uid);
void cmd_copy(const struct imap_cmd *c, size_t first, int uid, int move);
void cmd_uid(const struct imap_cmd *c);
void cmd_append(const struct imap_cmd *c);
void append_literal(void);
void append_cleanup(void);

#endif
