/*
 * imapd — the IMAP authenticated and selected states over a Maildir++.
 *
 *   imapd [-t seconds] [-T tag] [MAILDIR]
 *
 * Run by checkpw (or any checkpassword program) as the mail user once
 * imap-login has authenticated the client, with -T and the tag of the
 * client's LOGIN or AUTHENTICATE command, which imapd answers; without
 * -T it greets with PREAUTH.  The client is on fd 0 and 1.  The Maildir
 * is $MAILDIR, else the argument, else $HOME/Maildir.
 *
 * Exit codes: 0 the session ended (LOGOUT, the client left, idle
 * timeout); 3 the session was refused and the client told why; 100
 * misuse (nothing was said to the client).  See imapd(8).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "durable.h"
#include "imapparse.h"
#include "io.h"
#include "log.h"
#include "maildir.h"
#include "mbox.h"
#include "num.h"
#include "rfc2047.h"
#include "rfc5322.h"
#include "str.h"
#include "uniq.h"

#include "imapd.h"

enum rc { RC_OK = 0, RC_REFUSED = 3, RC_USAGE = 100 };

#define DEFAULT_TIMEOUT 1800 /* RFC 3501 5.4: at least 30 minutes */
#define DEFAULT_SIZE_LIMIT 52428800
#define ERRORS_MAX 50

struct session S;

static const char CAPS[] = "IMAP4rev1 LITERAL+ SASL-IR ID IDLE UIDPLUS MOVE "
			   "UNSELECT NAMESPACE CHILDREN SPECIAL-USE ENABLE QUOTA "
			   "QUOTA=RES-STORAGE QUOTA=RES-MESSAGE CONDSTORE ESEARCH "
			   "QRESYNC LIST-EXTENDED LIST-STATUS";

/* RFC 6154 folders, made at the first login that finds them missing. */
static const struct {
	const char *name, *use;
} special[] = { { "Drafts", "\\Drafts" }, { "Sent", "\\Sent" },
	{ "Trash", "\\Trash" }, { "Junk", "\\Junk" },
	{ "Archive", "\\Archive" } };

/* IDLE looks at the mailbox at least this often, inotify or not (NFS). */
#define IDLE_POLL_MS 30000

static void
usage(void)
{
	log_die(RC_USAGE, "usage: imapd [-t seconds] [-T tag] [MAILDIR]");
}

void
lost(const char *what)
{
	log_info("end user=%s reason=%s: %s", S.user, what, strerror(errno));
	exit(RC_OK);
}

void
put(const void *p, size_t n)
{
	if (wbuf_put(&S.wb, p, n) < 0)
		lost("write");
}

void
putz(const char *z)
{
	put(z, strlen(z));
}

void
flush(void)
{
	if (wbuf_flush(&S.wb) < 0)
		lost("write");
}

void
reply(const char *fmt, ...)
{
	va_list ap;

	str_clear(&S.out);
	va_start(ap, fmt);
	if (str_vprintf(&S.out, fmt, ap) < 0 ||
	    str_append(&S.out, "\r\n", 2) < 0) {
		va_end(ap);
		log_die(RC_OK, "out of memory");
	}
	va_end(ap);
	put(S.out.s, S.out.len);
}

void
oom(void)
{
	reply("* BYE Out of memory");
	flush();
	log_die(RC_OK, "out of memory");
}

static void
linger(void)
{
	static char junk[4096];
	struct pollfd p = { .fd = 0, .events = POLLIN };
	int i;

	(void)wbuf_flush(&S.wb);
	(void)shutdown(1, SHUT_WR);
	for (i = 0; i < 16 && poll(&p, 1, 100) > 0; i++)
		if (read(0, junk, sizeof junk) <= 0)
			break;
}

void
bye(const char *why)
{
	reply("* BYE %s", why);
	linger();
	log_info("end user=%s reason=%s", S.user, why);
	exit(RC_OK);
}

/* ---------------------------------------------------------------- flags */

void
put_flags(unsigned f)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = { { F_SEEN, "\\Seen" }, { F_ANSWERED, "\\Answered" },
		{ F_FLAGGED, "\\Flagged" }, { F_DELETED, "\\Deleted" },
		{ F_DRAFT, "\\Draft" }, { F_RECENT, "\\Recent" } };
	size_t i;
	int first = 1;

	putz("(");
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (f & names[i].bit) {
			if (!first)
				putz(" ");
			putz(names[i].name);
			first = 0;
		}
	}
	for (i = 0; S.selected && i < MBOX_KEYWORDS_MAX; i++) {
		if ((f & F_KW(i)) && S.mb.kw[i] != NULL) {
			if (!first)
				putz(" ");
			putz(S.mb.kw[i]);
			first = 0;
		}
	}
	putz(")");
}

/* A flag name to its bit: 0 for a keyword (not kept), -1 if invalid. */
int
flag_bit(const struct imap_arg *a, unsigned *bit_r)
{
	static const struct {
		const char *name;
		unsigned bit;
	} names[] = { { "\\Seen", F_SEEN }, { "\\Answered", F_ANSWERED },
		{ "\\Flagged", F_FLAGGED }, { "\\Deleted", F_DELETED },
		{ "\\Draft", F_DRAFT } };
	size_t i;

	if (a->type != IMAP_ARG_ATOM)
		return -1;
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcasecmp(a->s, names[i].name) == 0) {
			*bit_r = names[i].bit;
			return 0;
		}
	}
	if (a->s[0] == '\\' || strpbrk(a->s, "[]%*") != NULL)
		return -1; /* \Recent and unknown system flags */
	*bit_r = 0;
	return 0;
}

/*
 * A flag list "(\Seen ...)" or one flag; keywords become mb's bits
 * (created with create; unknown ones are dropped otherwise, and when mb
 * has no room left).  -1 if a flag is bad.
 */
int
flag_list(const struct imap_arg *a, struct mbox *mb, int create,
    unsigned *flags_r)
{
	size_t i, n = 1;
	const struct imap_arg *l = a;
	unsigned f = 0, b;

	if (a->type == IMAP_ARG_LIST) {
		l = a->list;
		n = a->nlist;
	}
	for (i = 0; i < n; i++) {
		if (flag_bit(&l[i], &b) < 0)
			return -1;
		if (b == 0 && mb != NULL)
			b = mbox_keyword(mb, l[i].s, create);
		f |= b;
	}
	*flags_r = f;
	return 0;
}

/* ---------------------------------------------------------------- view */

/* Is base (of a name) among the sorted moved names? */
static int
base_cmp(const void *k, const void *e)
{
	return strcmp(k, *(const char *const *)e);
}

/*
 * Syncs the selected mailbox and tells the client what changed: flags
 * (FETCH), new messages (EXISTS, RECENT) and, when allow_expunge,
 * removed ones (EXPUNGE).  uid: add UID to FETCH responses.
 */
int
updates(int allow_expunge, int uid)
{
	struct str moved = STR_INIT;
	const char **mv = NULL;
	size_t nmv = 0, i, j, oldn = S.nv, *gone = NULL, ngone = 0;
	uint32_t maxuid = S.nv ? S.v[S.nv - 1].uid : 0;
	char base[300];

	if (!S.selected)
		return 0;
	if (mbox_sync(&S.mb, !S.readonly, &moved) < 0) {
		log_warn("unable to sync %s: %s", S.mb.name, strerror(errno));
		str_free(&moved);
		return -1;
	}
	if (S.uidvalidity == 0)
		S.uidvalidity = S.mb.uidvalidity;
	if (S.mb.uidvalidity != S.uidvalidity) {
		/* The UID list was lost and rebuilt: the client's view
		 * cannot be kept. */
		str_free(&moved);
		bye("Mailbox UIDVALIDITY changed, please reselect");
	}
	if (moved.len > 0) {
		const char *p;

		for (p = moved.s; p < moved.s + moved.len; p += strlen(p) + 1)
			nmv++;
		mv = malloc(nmv * sizeof *mv);
		if (mv == NULL)
			oom();
		for (i = 0, p = moved.s; i < nmv; i++, p += strlen(p) + 1)
			mv[i] = p;
		qsort(mv, nmv, sizeof *mv, base_cmp);
	}
	gone = malloc((S.nv ? S.nv : 1) * sizeof *gone);
	if (gone == NULL)
		oom();
	/* Walk both lists in UID order. */
	for (i = 0, j = 0; i < S.nv; i++) {
		while (j < S.mb.n && S.mb.m[j].uid < S.v[i].uid)
			j++;
		if (j < S.mb.n && S.mb.m[j].uid == S.v[i].uid) {
			unsigned nf = S.mb.m[j].flags |
			    (S.v[i].flags & F_RECENT);

			if (nf != S.v[i].flags) {
				S.v[i].flags = nf;
				str_clear(&S.out);
				if (str_printf(&S.out, "* %zu FETCH (", i + 1) < 0)
					oom();
				put(S.out.s, S.out.len);
				if (uid) {
					str_clear(&S.out);
					(void)str_printf(&S.out, "UID %" PRIu32 " ",
					    S.v[i].uid);
					put(S.out.s, S.out.len);
				}
				putz("FLAGS ");
				put_flags(nf);
				put_modseq(i);
				putz(")\r\n");
			}
		} else {
			gone[ngone++] = i;
		}
	}
	if (allow_expunge && ngone > 0) {
		size_t o;

		if (S.qresync) {
			struct imap_seqset vs;

			imap_seqset_init(&vs);
			vs.r = malloc(ngone * sizeof *vs.r);
			if (vs.r == NULL)
				oom();
			vs.cap = ngone;
			for (i = 0; i < ngone; i++) {
				vs.r[i].lo = vs.r[i].hi = S.v[gone[i]].uid;
				vs.n++;
			}
			imap_seqset_resolve(&vs, 0);
			str_clear(&S.out);
			if (str_appendz(&S.out, "* VANISHED ") < 0 ||
			    imap_seqset_format(&vs, &S.out) < 0 ||
			    str_appendz(&S.out, "\r\n") < 0)
				oom();
			put(S.out.s, S.out.len);
			imap_seqset_free(&vs);
		} else {
			for (i = ngone; i-- > 0;)
				reply("* %zu EXPUNGE", gone[i] + 1);
		}
		for (i = 0, o = 0, j = 0; i < S.nv; i++) {
			if (j < ngone && gone[j] == i) {
				j++;
				if (S.v[i].flags & F_RECENT)
					S.nrecent--;
				continue;
			}
			S.v[o++] = S.v[i];
		}
		S.nv = o;
		oldn = o;
	}
	free(gone);
	/* New messages. */
	for (j = 0; j < S.mb.n; j++) {
		struct msg *m = &S.mb.m[j];
		int recent;

		if (m->uid <= maxuid)
			continue;
		if (S.nv == S.capv) {
			size_t ncap = S.capv ? S.capv * 2 : 256;
			struct view *nv = realloc(S.v, ncap * sizeof *nv);

			if (nv == NULL)
				oom();
			S.v = nv;
			S.capv = ncap;
		}
		if (S.readonly) {
			recent = m->in_new;
		} else {
			size_t bl = mbox_base_len(m->name);

			snprintf(base, sizeof base, "%.*s", (int)bl, m->name);
			recent = mv != NULL &&
			    bsearch(base, mv, nmv, sizeof *mv, base_cmp) != NULL;
		}
		S.v[S.nv].uid = m->uid;
		S.v[S.nv].flags = m->flags | (recent ? F_RECENT : 0);
		S.nrecent += recent ? 1 : 0;
		S.nv++;
	}
	if (S.nv != oldn) {
		reply("* %zu EXISTS", S.nv);
		reply("* %" PRIu32 " RECENT", S.nrecent);
	}
	free(mv);
	str_free(&moved);
	return 0;
}

/* " MODSEQ (n)" of view entry i, once the client uses CONDSTORE. */
void
put_modseq(size_t vi)
{
	ssize_t j = mbox_find(&S.mb, S.v[vi].uid);

	if (!S.condstore || j < 0)
		return;
	str_clear(&S.out);
	if (str_printf(&S.out, " MODSEQ (%" PRIu64 ")", S.mb.m[j].modseq) < 0)
		oom();
	put(S.out.s, S.out.len);
}

/* The storage index of view entry i, or -1 if the message is gone. */
ssize_t
msg_index(size_t i)
{
	return mbox_find(&S.mb, S.v[i].uid);
}

static void
deselect(void)
{
	if (S.selected)
		mbox_close(&S.mb);
	S.selected = 0;
	free(S.v);
	S.v = NULL;
	S.nv = S.capv = 0;
	S.nrecent = 0;
}

/* ---------------------------------------------------------------- commands */

static const struct imap_arg *
arg(const struct imap_cmd *c, size_t i)
{
	return i < c->nargs ? &c->args[i] : NULL;
}

/* A mailbox name argument as text (astring, no NUL), else NULL. */
const char *
mbox_arg(const struct imap_arg *a)
{
	return a != NULL ? imap_arg_astring(a) : NULL;
}

static void
cmd_capability(const struct imap_cmd *c)
{
	reply("* CAPABILITY %s", CAPS);
	reply("%s OK CAPABILITY completed", c->tag);
}

/* The untagged FLAGS and PERMANENTFLAGS of the selected mailbox. */
void
flag_lists(void)
{
	struct str kw = STR_INIT;
	size_t i, n = 0;

	for (i = 0; i < MBOX_KEYWORDS_MAX; i++) {
		if (S.mb.kw[i] == NULL)
			continue;
		n++;
		if (str_appendc(&kw, ' ') < 0 || str_appendz(&kw, S.mb.kw[i]) < 0)
			oom();
	}
	S.nkw = n;
	reply("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft%s)",
	    kw.s ? kw.s : "");
	if (S.readonly)
		reply("* OK [PERMANENTFLAGS ()] Read-only mailbox");
	else
		reply("* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted "
		      "\\Seen \\Draft%s%s)] Flags permitted",
		    kw.s ? kw.s : "", n < MBOX_KEYWORDS_MAX ? " \\*" : "");
	str_free(&kw);
}

static void
cmd_select(const struct imap_cmd *c, int readonly)
{
	const char *name = mbox_arg(arg(c, 0));
	const struct imap_arg *qr = NULL;
	const char *why;
	uint64_t qr_validity = 0, qr_modseq = 0;
	struct imap_seqset qr_known;
	size_t i;
	uint32_t unseen = 0;

	imap_seqset_init(&qr_known);
	if (S.selected && S.qresync)
		reply("* OK [CLOSED] Previous mailbox closed");
	deselect();
	if (c->nargs == 2 && c->args[1].type == IMAP_ARG_LIST) {
		const struct imap_arg *p = &c->args[1];
		size_t q;

		for (q = 0; q < p->nlist; q++) {
			if (imap_arg_atom_is(&p->list[q], "CONDSTORE")) {
				S.condstore = 1;
			} else if (imap_arg_atom_is(&p->list[q], "QRESYNC") &&
			    q + 1 < p->nlist && S.qresync &&
			    p->list[q + 1].type == IMAP_ARG_LIST) {
				qr = &p->list[++q];
			} else {
				reply("%s BAD Unknown %s parameter", c->tag,
				    c->name);
				return;
			}
		}
		if (qr != NULL && (qr->nlist < 2 || qr->nlist > 4 ||
		    qr->list[0].type != IMAP_ARG_ATOM ||
		    qr->list[1].type != IMAP_ARG_ATOM ||
		    num_u64(qr->list[0].s, qr->list[0].len, UINT32_MAX,
			&qr_validity) < 0 ||
		    num_u64(qr->list[1].s, qr->list[1].len, INT64_MAX,
			&qr_modseq) < 0 ||
		    (qr->nlist > 2 && (qr->list[2].type != IMAP_ARG_ATOM ||
			imap_seqset_parse(&qr_known, qr->list[2].s,
			    qr->list[2].len, &why) < 0)))) {
			imap_seqset_free(&qr_known);
			reply("%s BAD Bad QRESYNC parameters", c->tag);
			return;
		}
	} else if (c->nargs != 1 || name == NULL) {
		reply("%s BAD %s wants a mailbox name", c->tag, c->name);
		return;
	}
	if (name == NULL) {
		reply("%s BAD %s wants a mailbox name", c->tag, c->name);
		return;
	}
	if (mbox_open(&S.mb, name) < 0) {
		reply("%s NO [NONEXISTENT] No such mailbox", c->tag);
		return;
	}
	S.selected = 1;
	S.readonly = readonly;
	S.uidvalidity = 0;
	S.nv = 0;
	if (updates(0, 0) < 0) {
		mbox_close(&S.mb);
		S.selected = 0;
		reply("%s NO [SERVERBUG] Unable to read the mailbox", c->tag);
		return;
	}
	/* updates() printed EXISTS and RECENT if there were messages; an
	 * empty mailbox still needs them. */
	if (S.nv == 0) {
		reply("* 0 EXISTS");
		reply("* 0 RECENT");
	}
	flag_lists();
	for (i = 0; i < S.nv; i++) {
		if (!(S.v[i].flags & F_SEEN)) {
			unseen = (uint32_t)i + 1;
			break;
		}
	}
	if (unseen)
		reply("* OK [UNSEEN %" PRIu32 "] First unseen", unseen);
	reply("* OK [UIDVALIDITY %" PRIu32 "] UIDs valid", S.mb.uidvalidity);
	reply("* OK [UIDNEXT %" PRIu32 "] Predicted next UID", S.mb.uidnext);
	reply("* OK [HIGHESTMODSEQ %" PRIu64 "] Highest", S.mb.highestmodseq);
	if (qr != NULL && qr_validity == S.mb.uidvalidity) {
		/* QRESYNC (RFC 7162 3.2.5): what changed since qr_modseq. */
		struct imap_seqset vs;

		imap_seqset_init(&vs);
		if (qr_known.n > 0)
			imap_seqset_resolve(&qr_known, S.mb.uidnext);
		if (mbox_vanished(&S.mb, qr_modseq,
			qr_known.n > 0 ? &qr_known : NULL, &vs) == 0 &&
		    vs.n > 0) {
			str_clear(&S.out);
			if (str_appendz(&S.out, "* VANISHED (EARLIER) ") < 0 ||
			    imap_seqset_format(&vs, &S.out) < 0 ||
			    str_appendz(&S.out, "\r\n") < 0)
				oom();
			put(S.out.s, S.out.len);
		}
		imap_seqset_free(&vs);
		for (i = 0; i < S.nv; i++) {
			ssize_t j = msg_index(i);

			if (j < 0 || S.mb.m[j].modseq <= qr_modseq ||
			    (qr_known.n > 0 &&
				!imap_seqset_contains(&qr_known, S.v[i].uid)))
				continue;
			str_clear(&S.out);
			(void)str_printf(&S.out, "* %zu FETCH (UID %" PRIu32
						 " FLAGS ",
			    i + 1, S.v[i].uid);
			put(S.out.s, S.out.len);
			put_flags(S.v[i].flags);
			put_modseq(i);
			putz(")\r\n");
		}
	}
	imap_seqset_free(&qr_known);
	reply("%s OK [%s] %s completed", c->tag,
	    readonly ? "READ-ONLY" : "READ-WRITE", c->name);
}

static void
cmd_create(const struct imap_cmd *c)
{
	const char *name = mbox_arg(arg(c, 0)), *why;
	char buf[512];
	size_t n;

	if (c->nargs != 1 || name == NULL) {
		reply("%s BAD CREATE wants a mailbox name", c->tag);
		return;
	}
	/* A trailing separator only says children are to come. */
	n = strlen(name);
	if (n > 1 && name[n - 1] == '.' && n < sizeof buf) {
		memcpy(buf, name, n - 1);
		buf[n - 1] = '\0';
		name = buf;
	}
	if (mbox_create(name, &why) < 0) {
		reply("%s NO %s%s", c->tag,
		    strcmp(why, "Mailbox exists") == 0 ? "[ALREADYEXISTS] " : "",
		    why);
		return;
	}
	reply("%s OK CREATE completed", c->tag);
}

static void
cmd_delete(const struct imap_cmd *c)
{
	const char *name = mbox_arg(arg(c, 0)), *why;

	if (c->nargs != 1 || name == NULL) {
		reply("%s BAD DELETE wants a mailbox name", c->tag);
		return;
	}
	if (S.selected && strcmp(S.mb.name, name) == 0)
		deselect();
	if (mbox_delete(name, &why) < 0) {
		reply("%s NO %s", c->tag, why);
		return;
	}
	(void)mbox_subscribe(name, 0);
	reply("%s OK DELETE completed", c->tag);
}

static void
cmd_rename(const struct imap_cmd *c)
{
	const char *from = mbox_arg(arg(c, 0)), *to = mbox_arg(arg(c, 1));
	const char *why;

	if (c->nargs != 2 || from == NULL || to == NULL) {
		reply("%s BAD RENAME wants two mailbox names", c->tag);
		return;
	}
	if (S.selected && strcmp(S.mb.name, from) == 0 && !mbox_is_inbox(from))
		deselect();
	if (mbox_rename(from, to, &why) < 0) {
		reply("%s NO %s", c->tag, why);
		return;
	}
	reply("%s OK RENAME completed", c->tag);
}

static void
cmd_subscribe(const struct imap_cmd *c, int on)
{
	const char *name = mbox_arg(arg(c, 0)), *why;

	if (c->nargs != 1 || name == NULL) {
		reply("%s BAD %s wants a mailbox name", c->tag, c->name);
		return;
	}
	if (mbox_is_inbox(name))
		name = "INBOX";
	else if (imap_mailbox_check(name, strlen(name), '.', &why) < 0) {
		reply("%s NO %s", c->tag, why);
		return;
	}
	if (on && !mbox_exists(name)) {
		reply("%s NO [NONEXISTENT] No such mailbox", c->tag);
		return;
	}
	if (mbox_subscribe(name, on) < 0) {
		reply("%s NO [SERVERBUG] %s", c->tag, strerror(errno));
		return;
	}
	reply("%s OK %s completed", c->tag, c->name);
}

/* Are items a list of STATUS items we know? */
static int
status_items_ok(const struct imap_arg *items)
{
	size_t i;

	if (items == NULL || items->type != IMAP_ARG_LIST || items->nlist == 0)
		return 0;
	for (i = 0; i < items->nlist; i++) {
		const struct imap_arg *a = &items->list[i];

		if (!imap_arg_atom_is(a, "MESSAGES") &&
		    !imap_arg_atom_is(a, "RECENT") &&
		    !imap_arg_atom_is(a, "UIDNEXT") &&
		    !imap_arg_atom_is(a, "UIDVALIDITY") &&
		    !imap_arg_atom_is(a, "HIGHESTMODSEQ") &&
		    !imap_arg_atom_is(a, "UNSEEN"))
			return 0;
	}
	return 1;
}

/* "* STATUS name (...)" for mailbox name; -1 (with why) if it cannot be. */
static int
put_status(const char *name, const struct imap_arg *items, const char **why)
{
	struct mbox mb;
	size_t i, unseen = 0, recent = 0;

	if (mbox_open(&mb, name) < 0) {
		*why = "NO [NONEXISTENT] No such mailbox";
		return -1;
	}
	if (mbox_sync(&mb, 0, NULL) < 0) {
		mbox_close(&mb);
		*why = "NO [SERVERBUG] Unable to read the mailbox";
		return -1;
	}
	for (i = 0; i < mb.n; i++) {
		unseen += (mb.m[i].flags & F_SEEN) ? 0 : 1;
		recent += mb.m[i].in_new ? 1 : 0;
	}
	str_clear(&S.out);
	if (str_appendz(&S.out, "* STATUS ") < 0 ||
	    imap_put_astring(&S.out, mb.name, strlen(mb.name)) < 0 ||
	    str_appendz(&S.out, " (") < 0)
		oom();
	for (i = 0; i < items->nlist; i++) {
		const struct imap_arg *a = &items->list[i];
		uint64_t v;

		if (imap_arg_atom_is(a, "MESSAGES"))
			v = mb.n;
		else if (imap_arg_atom_is(a, "RECENT"))
			v = recent;
		else if (imap_arg_atom_is(a, "UIDNEXT"))
			v = mb.uidnext;
		else if (imap_arg_atom_is(a, "UIDVALIDITY"))
			v = mb.uidvalidity;
		else if (imap_arg_atom_is(a, "HIGHESTMODSEQ"))
			v = mb.highestmodseq;
		else
			v = unseen;
		if (str_printf(&S.out, "%s%s %" PRIu64, i ? " " : "", a->s, v) <
		    0)
			oom();
	}
	if (str_appendz(&S.out, ")\r\n") < 0)
		oom();
	put(S.out.s, S.out.len);
	mbox_close(&mb);
	return 0;
}

static void
cmd_status(const struct imap_cmd *c)
{
	const char *name = mbox_arg(arg(c, 0)), *why;

	if (c->nargs != 2 || name == NULL) {
		reply("%s BAD STATUS wants a mailbox and a list of items",
		    c->tag);
		return;
	}
	if (!status_items_ok(arg(c, 1))) {
		reply("%s BAD Unknown STATUS item", c->tag);
		return;
	}
	if (put_status(name, arg(c, 1), &why) < 0) {
		reply("%s %s", c->tag, why);
		return;
	}
	reply("%s OK STATUS completed", c->tag);
}

/*
 * Does name match the LIST pattern?  '*' matches anything, '%' anything
 * but the separator.
 */
static int
pattern_match(const char *pat, const char *name)
{
	while (*pat != '\0') {
		if (*pat == '*' || *pat == '%') {
			const char *n = name;

			for (;;) {
				if (pattern_match(pat + 1, n))
					return 1;
				if (*n == '\0' || (*pat == '%' && *n == '.'))
					return 0;
				n++;
			}
		}
		if (*name == '\0' || *pat != *name)
			return 0;
		pat++;
		name++;
	}
	return *name == '\0';
}

/* Does any name in names[0..n) lie below name? */
static int
has_children(const char *names, size_t n, const char *name)
{
	size_t i, len = strlen(name);
	const char *p;

	for (i = 0, p = names; i < n; i++, p += strlen(p) + 1)
		if (strncmp(p, name, len) == 0 && p[len] == '.')
			return 1;
	return 0;
}

static int
in_list(const char *names, size_t n, const char *name)
{
	size_t i;
	const char *p;

	for (i = 0, p = names; i < n; i++, p += strlen(p) + 1)
		if (strcmp(p, name) == 0)
			return 1;
	return 0;
}

static void
list_one_x(const char *cmd, const char *attrs, const char *name,
    const char *extra);

static void
list_one(const char *cmd, const char *attrs, const char *name)
{
	list_one_x(cmd, attrs, name, NULL);
}

/* One LIST line; extra (not NULL) is an extended data item. */
static void
list_one_x(const char *cmd, const char *attrs, const char *name,
    const char *extra)
{
	const char *use = "";
	size_t i;

	for (i = 0; i < sizeof special / sizeof special[0]; i++)
		if (strcmp(name, special[i].name) == 0)
			use = special[i].use;
	str_clear(&S.out);
	if (str_printf(&S.out, "* %s (%s%s%s) \".\" ", cmd, attrs,
		*use ? " " : "", use) < 0 ||
	    imap_put_astring(&S.out, name, strlen(name)) < 0 ||
	    (extra != NULL && (str_appendc(&S.out, ' ') < 0 ||
		str_appendz(&S.out, extra) < 0)) ||
	    str_append(&S.out, "\r\n", 2) < 0)
		oom();
	put(S.out.s, S.out.len);
}

static void cmd_list_basic(const struct imap_cmd *c, int lsub);

static int
is_special(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof special / sizeof special[0]; i++)
		if (strcmp(name, special[i].name) == 0)
			return 1;
	return 0;
}

/* Adds name and its missing parents to cands (NUL-separated), once. */
static void
add_cand(struct str *cands, size_t *n, const char *name)
{
	char buf[600];
	char *dot;

	snprintf(buf, sizeof buf, "%s", name);
	for (;;) {
		if (!in_list(cands->s ? cands->s : "", *n, buf)) {
			if (str_appendz(cands, buf) < 0 ||
			    str_appendc(cands, '\0') < 0)
				oom();
			(*n)++;
		}
		dot = strrchr(buf, '.');
		if (dot == NULL)
			break;
		*dot = '\0';
	}
}

/*
 * LIST-EXTENDED (RFC 5258) with LIST-STATUS (RFC 5819) and SPECIAL-USE
 * (RFC 6154): LIST (selection) ref (patterns) RETURN (options).
 */
static void
list_extended(const struct imap_cmd *c)
{
	size_t a = 0, i, np = 1, nall = 0, nsubs = 0, ncand = 0;
	int sel_sub = 0, sel_special = 0, recursive = 0, ret_sub = 0;
	const struct imap_arg *status = NULL, *pats;
	const char *ref, *p, *why;
	struct str all = STR_INIT, subs = STR_INIT, cands = STR_INIT;

	if (c->args[0].type == IMAP_ARG_LIST) {
		const struct imap_arg *o = &c->args[0];

		for (i = 0; i < o->nlist; i++) {
			if (imap_arg_atom_is(&o->list[i], "SUBSCRIBED"))
				sel_sub = 1;
			else if (imap_arg_atom_is(&o->list[i], "SPECIAL-USE"))
				sel_special = 1;
			else if (imap_arg_atom_is(&o->list[i], "RECURSIVEMATCH"))
				recursive = 1;
			else if (!imap_arg_atom_is(&o->list[i], "REMOTE")) {
				reply("%s BAD Unknown LIST selection option",
				    c->tag);
				return;
			}
		}
		if (recursive && !sel_sub) {
			reply("%s BAD RECURSIVEMATCH needs SUBSCRIBED", c->tag);
			return;
		}
		a = 1;
	}
	if (a + 2 > c->nargs || (ref = mbox_arg(&c->args[a])) == NULL) {
		reply("%s BAD LIST wants a reference and patterns", c->tag);
		return;
	}
	pats = &c->args[a + 1];
	if (pats->type == IMAP_ARG_LIST) {
		np = pats->nlist;
		pats = pats->list;
	}
	for (i = 0; i < np; i++)
		if (mbox_arg(&pats[i]) == NULL) {
			reply("%s BAD Bad LIST pattern", c->tag);
			return;
		}
	if (a + 2 < c->nargs) {
		const struct imap_arg *r;

		if (a + 4 != c->nargs || !imap_arg_atom_is(&c->args[a + 2],
			"RETURN") || c->args[a + 3].type != IMAP_ARG_LIST) {
			reply("%s BAD LIST wants RETURN (options)", c->tag);
			return;
		}
		r = &c->args[a + 3];
		for (i = 0; i < r->nlist; i++) {
			if (imap_arg_atom_is(&r->list[i], "SUBSCRIBED")) {
				ret_sub = 1;
			} else if (imap_arg_atom_is(&r->list[i], "STATUS") &&
			    i + 1 < r->nlist && status_items_ok(&r->list[i + 1])) {
				status = &r->list[++i];
			} else if (!imap_arg_atom_is(&r->list[i], "CHILDREN") &&
			    !imap_arg_atom_is(&r->list[i], "SPECIAL-USE")) {
				reply("%s BAD Unknown LIST return option", c->tag);
				return;
			}
		}
	}
	if (mbox_list_all(&all, &nall) < 0 || mbox_subs_read(&subs, &nsubs) < 0)
		oom();
	add_cand(&cands, &ncand, "INBOX");
	for (i = 0, p = all.s; i < nall; i++, p += strlen(p) + 1)
		add_cand(&cands, &ncand, p);
	if (sel_sub)
		for (i = 0, p = subs.s; i < nsubs; i++, p += strlen(p) + 1)
			add_cand(&cands, &ncand, p);
	for (i = 0, p = cands.s; i < ncand; i++, p += strlen(p) + 1) {
		int exists = strcmp(p, "INBOX") == 0 ||
		    in_list(all.s ? all.s : "", nall, p);
		int subscribed = in_list(subs.s ? subs.s : "", nsubs, p);
		int matched = 0, childinfo = 0;
		size_t q;
		struct str attrs = STR_INIT;

		for (q = 0; q < np && !matched; q++) {
			struct str full = STR_INIT;
			const char *pat = mbox_arg(&pats[q]);

			if (str_appendz(&full, ref) < 0 ||
			    str_appendz(&full, pat) < 0)
				oom();
			matched = pattern_match(full.s, p) ||
			    (strcmp(p, "INBOX") == 0 &&
				strcasecmp(full.s, "INBOX") == 0);
			str_free(&full);
		}
		if (!matched)
			continue;
		if (sel_sub && !subscribed) {
			if (!recursive || !has_children(subs.s ? subs.s : "",
			    nsubs, p))
				continue;
			childinfo = 1;
		}
		if (sel_special && !is_special(p))
			continue;
		if (!exists && !sel_sub &&
		    !has_children(all.s ? all.s : "", nall, p))
			continue;
		if (!exists)
			(void)str_appendz(&attrs, sel_sub || c->args[0].type ==
				IMAP_ARG_LIST ? "\\NonExistent" : "\\Noselect");
		if (has_children(all.s ? all.s : "", nall, p))
			(void)str_printf(&attrs, "%s\\HasChildren",
			    attrs.len ? " " : "");
		else if (exists)
			(void)str_printf(&attrs, "%s\\HasNoChildren",
			    attrs.len ? " " : "");
		if (subscribed && (sel_sub || ret_sub))
			(void)str_printf(&attrs, "%s\\Subscribed",
			    attrs.len ? " " : "");
		list_one_x("LIST", attrs.s ? attrs.s : "", p, childinfo ?
		    "(\"CHILDINFO\" (\"SUBSCRIBED\"))" : NULL);
		str_free(&attrs);
		if (status != NULL && exists && put_status(p, status, &why) < 0)
			log_warn("LIST-STATUS %s: %s", p, why);
	}
	str_free(&all);
	str_free(&subs);
	str_free(&cands);
	reply("%s OK LIST completed", c->tag);
}

static void
cmd_list(const struct imap_cmd *c, int lsub)
{
	if (!lsub && c->nargs > 0 && (c->nargs != 2 ||
	    c->args[0].type == IMAP_ARG_LIST ||
	    c->args[1].type == IMAP_ARG_LIST)) {
		list_extended(c);
		return;
	}
	cmd_list_basic(c, lsub);
}

static void
cmd_list_basic(const struct imap_cmd *c, int lsub)
{
	const char *ref = mbox_arg(arg(c, 0)), *pat = mbox_arg(arg(c, 1));
	struct str all = STR_INIT, subs = STR_INIT, full = STR_INIT,
		   seen = STR_INIT;
	size_t nall = 0, nsubs = 0, nseen = 0, i;
	const char *p;

	if (c->nargs != 2 || ref == NULL || pat == NULL) {
		reply("%s BAD %s wants a reference and a pattern", c->tag,
		    c->name);
		return;
	}
	if (pat[0] == '\0' && !lsub) {
		reply("* LIST (\\Noselect) \".\" \"\"");
		reply("%s OK LIST completed", c->tag);
		return;
	}
	if (str_appendz(&full, ref) < 0 || str_appendz(&full, pat) < 0 ||
	    mbox_list_all(&all, &nall) < 0 ||
	    (lsub && mbox_subs_read(&subs, &nsubs) < 0))
		oom();
	/* INBOX first; its name matches without regard to case. */
	{
		char up[16];

		snprintf(up, sizeof up, "%.5s", full.s);
		if (strncasecmp(full.s, "INBOX", 5) == 0) {
			memcpy(up, "INBOX", 5);
			snprintf(up + 5, sizeof up - 5, "%s", full.s + 5);
		}
		if ((pattern_match(full.s, "INBOX") ||
			(strncasecmp(full.s, "INBOX", 5) == 0 &&
			    pattern_match(up, "INBOX"))) &&
		    (!lsub || in_list(subs.s, nsubs, "INBOX")))
			list_one(c->name, has_children(all.s, nall, "INBOX")
				? "\\HasChildren" : "\\HasNoChildren",
			    "INBOX");
	}
	for (i = 0, p = all.s; i < nall; i++, p += strlen(p) + 1) {
		if (lsub && !in_list(subs.s, nsubs, p))
			continue;
		if (pattern_match(full.s, p)) {
			list_one(c->name, has_children(all.s, nall, p)
				? "\\HasChildren" : "\\HasNoChildren", p);
			continue;
		}
		/* A '%' pattern matching a parent that does not exist
		 * itself: \Noselect. */
		{
			char parent[512];
			const char *dot;

			snprintf(parent, sizeof parent, "%s", p);
			while ((dot = strrchr(parent, '.')) != NULL) {
				parent[dot - parent] = '\0';
				if (in_list(all.s, nall, parent) ||
				    in_list(seen.s, nseen, parent))
					continue;
				if (pattern_match(full.s, parent)) {
					list_one(c->name, lsub ? "\\Noselect"
					    : "\\Noselect \\HasChildren", parent);
					if (str_appendz(&seen, parent) < 0 ||
					    str_appendc(&seen, '\0') < 0)
						oom();
					nseen++;
				}
			}
		}
	}
	str_free(&all);
	str_free(&subs);
	str_free(&full);
	str_free(&seen);
	reply("%s OK %s completed", c->tag, c->name);
}

static void
cmd_close(const struct imap_cmd *c, int expunge)
{
	if (expunge && !S.readonly) {
		size_t *idx = malloc((S.mb.n ? S.mb.n : 1) * sizeof *idx), i,
		       k = 0;

		if (idx == NULL)
			oom();
		for (i = 0; i < S.mb.n; i++)
			if (S.mb.m[i].flags & F_DELETED)
				idx[k++] = i;
		if (k > 0 && mbox_expunge(&S.mb, idx, k) < 0)
			log_warn("expunge in %s: %s", S.mb.name,
			    strerror(errno));
		quota_release(&S.mb);
		free(idx);
	}
	deselect();
	reply("%s OK %s completed", c->tag, c->name);
}

/* EXPUNGE and UID EXPUNGE set (uids NULL: every \Deleted message). */
void
do_expunge(const struct imap_cmd *c, const struct imap_seqset *uids)
{
	size_t *idx, i, k = 0;

	if (S.readonly) {
		reply("%s NO [READ-ONLY] Mailbox is read-only", c->tag);
		return;
	}
	updates(1, uids != NULL);
	idx = malloc((S.nv ? S.nv : 1) * sizeof *idx);
	if (idx == NULL)
		oom();
	for (i = 0; i < S.nv; i++) {
		ssize_t j = msg_index(i);

		if (j < 0 || !(S.mb.m[j].flags & F_DELETED))
			continue;
		if (uids != NULL && !imap_seqset_contains(uids, S.v[i].uid))
			continue;
		idx[k++] = (size_t)j;
	}
	if (k > 0 && mbox_expunge(&S.mb, idx, k) < 0) {
		quota_release(&S.mb);
		free(idx);
		reply("%s NO [SERVERBUG] %s", c->tag, strerror(errno));
		return;
	}
	quota_release(&S.mb);
	free(idx);
	updates(1, uids != NULL);
	reply("%s OK %sEXPUNGE completed", c->tag, uids ? "UID " : "");
}

static void
cmd_namespace(const struct imap_cmd *c)
{
	reply("* NAMESPACE ((\"\" \".\")) NIL NIL");
	reply("%s OK NAMESPACE completed", c->tag);
}

static void
cmd_id(const struct imap_cmd *c)
{
	if (c->nargs != 1 || (c->args[0].type != IMAP_ARG_LIST &&
	    !imap_arg_is_nil(&c->args[0]))) {
		reply("%s BAD ID wants a list or NIL", c->tag);
		return;
	}
	reply("* ID (\"name\" \"facteur\")");
	reply("%s OK ID completed", c->tag);
}

/*
 * IDLE (RFC 2177): untagged updates as they happen, through inotify on
 * new/ and cur/ (and a look every IDLE_POLL_MS besides), until DONE.
 */
static void
cmd_idle(const struct imap_cmd *c)
{
	struct str line = STR_INIT;
	int in = -1, waited = 0;
	int step = S.rb.timeout_ms > 0 && S.rb.timeout_ms < IDLE_POLL_MS ?
	    S.rb.timeout_ms : IDLE_POLL_MS;

	if (c->nargs != 0) {
		reply("%s BAD IDLE takes no arguments", c->tag);
		return;
	}
	if (S.selected) {
		in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (in >= 0) {
			uint32_t mask = IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM |
			    IN_DELETE;
			char p[64];

			snprintf(p, sizeof p, "/proc/self/fd/%d", S.mb.newfd);
			(void)inotify_add_watch(in, p, mask);
			snprintf(p, sizeof p, "/proc/self/fd/%d", S.mb.curfd);
			(void)inotify_add_watch(in, p, mask);
		}
		updates(1, 0);
	}
	reply("+ idling");
	for (;;) {
		struct pollfd pf[2] = { { .fd = 0, .events = POLLIN },
			{ .fd = in, .events = POLLIN } };
		int r;

		if (rbuf_pending(&S.rb) == 0) {
			flush();
			r = poll(pf, in >= 0 ? 2 : 1, step);
			if (r < 0 && errno != EINTR)
				lost("poll");
			if (r <= 0) {
				waited += step;
				if (waited >= S.rb.timeout_ms)
					bye("Autologout: idle for too long");
				updates(1, 0);
				continue;
			}
			if (in >= 0 && (pf[1].revents & POLLIN)) {
				char ev[4096];

				while (read(in, ev, sizeof ev) > 0)
					;
				updates(1, 0);
			}
			if (!(pf[0].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
		}
		waited = 0;
		r = rbuf_getline(&S.rb, &line, 1024);
		if (r == 0) {
			errno = 0;
			lost("eof in IDLE");
		}
		if (r < 0 && errno != E2BIG)
			lost("read");
		if (r > 0 && (strcasecmp(line.s, "DONE\r\n") == 0 ||
		    strcasecmp(line.s, "DONE\n") == 0))
			break;
		/* Anything else ends the IDLE as a bad command. */
		if (in >= 0)
			close(in);
		str_free(&line);
		reply("%s BAD Expected DONE", c->tag);
		return;
	}
	if (in >= 0)
		close(in);
	str_free(&line);
	reply("%s OK IDLE terminated", c->tag);
}

/* ---------------------------------------------------------------- quota */

/*
 * The Maildir++ quota of the whole Maildir (maildirsize): 1 with *q, 0
 * when there is none, -1 on error.  One quota root, "".
 */
int
quota_get(struct maildir_quota *q)
{
	struct maildir md;
	int r;

	if (maildir_open(&md, S.path, NULL, 0) < 0)
		return -1;
	r = maildir_quota_get(&md, NULL, q);
	maildir_close(&md);
	return r;
}

/* Would count more messages of bytes in all go over the quota? */
int
quota_over(uint64_t bytes, uint64_t count)
{
	struct maildir_quota q;

	if (quota_get(&q) != 1)
		return 0;
	if (q.max_count > 0 && q.count >= 0 &&
	    (uint64_t)q.count + count > q.max_count)
		return 1;
	if (q.max_bytes > 0 && q.bytes >= 0 &&
	    (uint64_t)q.bytes + bytes > q.max_bytes)
		return 1;
	return 0;
}

/* Records one new message of bytes in maildirsize (if there is one). */
void
quota_charge(uint64_t bytes)
{
	struct maildir md;
	struct maildir_quota q;

	if (quota_get(&q) != 1 || maildir_open(&md, S.path, NULL, 0) < 0)
		return;
	if (maildir_quota_add(&md, bytes) < 0)
		log_warn("unable to update maildirsize: %s", strerror(errno));
	maildir_close(&md);
}

/* Records what mbox_expunge removed from mb as a negative line. */
void
quota_release(struct mbox *mb)
{
	struct maildir_quota q;
	char line[64];
	int n;

	if (mb->removed > 0 && quota_get(&q) == 1) {
		n = snprintf(line, sizeof line, "-%" PRIu64 " -%" PRIu64 "\n",
		    mb->removed_bytes, mb->removed);
		if (durable_append(mbox_rootfd(), "maildirsize", line, (size_t)n,
			0600) < 0)
			log_warn("unable to update maildirsize: %s",
			    strerror(errno));
	}
	mb->removed = mb->removed_bytes = 0;
}

static void
put_quota(void)
{
	struct maildir_quota q;

	if (quota_get(&q) != 1)
		return;
	str_clear(&S.out);
	(void)str_appendz(&S.out, "* QUOTA \"\" (");
	if (q.max_bytes > 0)
		(void)str_printf(&S.out, "STORAGE %" PRIu64 " %" PRIu64,
		    q.bytes > 0 ? ((uint64_t)q.bytes + 1023) / 1024 : 0,
		    q.max_bytes / 1024);
	if (q.max_count > 0)
		(void)str_printf(&S.out, "%sMESSAGE %" PRIu64 " %" PRIu64,
		    q.max_bytes > 0 ? " " : "",
		    q.count > 0 ? (uint64_t)q.count : 0, q.max_count);
	if (str_appendz(&S.out, ")\r\n") < 0)
		oom();
	put(S.out.s, S.out.len);
}

static void
cmd_quota(const struct imap_cmd *c)
{
	struct maildir_quota q;
	const char *name = mbox_arg(c->nargs > 0 ? &c->args[0] : NULL);
	int have;

	if (name == NULL || (c->nargs != 1 && strcmp(c->name, "SETQUOTA")) ) {
		reply("%s BAD %s wants a %s", c->tag, c->name,
		    strcmp(c->name, "GETQUOTAROOT") == 0 ? "mailbox"
							 : "quota root");
		return;
	}
	if (strcmp(c->name, "SETQUOTA") == 0) {
		reply("%s NO [NOPERM] Quotas are set by the administrator",
		    c->tag);
		return;
	}
	have = quota_get(&q) == 1;
	if (strcmp(c->name, "GETQUOTAROOT") == 0) {
		if (!mbox_exists(name)) {
			reply("%s NO [NONEXISTENT] No such mailbox", c->tag);
			return;
		}
		str_clear(&S.out);
		if (str_appendz(&S.out, "* QUOTAROOT ") < 0 ||
		    imap_put_astring(&S.out, name, strlen(name)) < 0 ||
		    (have && str_appendz(&S.out, " \"\"") < 0) ||
		    str_appendz(&S.out, "\r\n") < 0)
			oom();
		put(S.out.s, S.out.len);
	} else if (name[0] != '\0' || !have) {
		reply("%s NO [NONEXISTENT] No such quota root", c->tag);
		return;
	}
	put_quota();
	reply("%s OK %s completed", c->tag, c->name);
}

/* ENABLE (RFC 5161): CONDSTORE. */
static void
cmd_enable(const struct imap_cmd *c)
{
	size_t i;

	if (c->nargs == 0) {
		reply("%s BAD ENABLE wants capabilities", c->tag);
		return;
	}
	for (i = 0; i < c->nargs; i++)
		if (c->args[i].type != IMAP_ARG_ATOM) {
			reply("%s BAD ENABLE wants capability names", c->tag);
			return;
		}
	str_clear(&S.out);
	(void)str_appendz(&S.out, "* ENABLED");
	for (i = 0; i < c->nargs; i++) {
		if (imap_arg_atom_is(&c->args[i], "CONDSTORE") && !S.condstore) {
			S.condstore = 1;
			(void)str_appendz(&S.out, " CONDSTORE");
		} else if (imap_arg_atom_is(&c->args[i], "QRESYNC") &&
		    !S.qresync) {
			S.qresync = S.condstore = 1;
			(void)str_appendz(&S.out, " QRESYNC");
		}
	}
	if (str_appendz(&S.out, "\r\n") < 0)
		oom();
	put(S.out.s, S.out.len);
	reply("%s OK ENABLE completed", c->tag);
}

static void
special_folders(void)
{
	size_t i;
	const char *why;

	for (i = 0; i < sizeof special / sizeof special[0]; i++) {
		if (mbox_exists(special[i].name))
			continue;
		if (mbox_create(special[i].name, &why) < 0) {
			log_warn("unable to create %s: %s", special[i].name, why);
			continue;
		}
		(void)mbox_subscribe(special[i].name, 1);
	}
}

/* ---------------------------------------------------------------- loop */

/* Reads one command into S.rd (APPEND literals go to files). */
static void
read_command(void)
{
	size_t used;
	int rc;

	rc = imap_reader_feed(&S.rd, "", 0, &used);
	for (;;) {
		if (rc == IMAPR_COMMAND)
			return;
		if (rc == IMAPR_CLOSE)
			bye(S.rd.why ? S.rd.why : "Protocol error");
		if (rc < 0)
			oom();
		if (rc == IMAPR_LITERAL) {
			append_literal();
			rc = imap_reader_feed(&S.rd, "", 0, &used);
			continue;
		}
		if (rbuf_pending(&S.rb) == 0) {
			ssize_t r;

			flush();
			r = rbuf_fill(&S.rb);
			if (r == 0) {
				errno = 0;
				log_info("end user=%s reason=eof", S.user);
				exit(RC_OK);
			}
			if (r < 0) {
				if (errno == ETIMEDOUT)
					bye("Autologout: idle for too long");
				lost("read");
			}
		}
		rc = imap_reader_feed(&S.rd, S.rb.buf + S.rb.pos,
		    S.rb.len - S.rb.pos, &used);
		S.rb.pos += used;
	}
}

static int
name_is(const struct imap_cmd *c, const char *z)
{
	return strcmp(c->name, z) == 0;
}

static void
run(const char *tag)
{
	char rtag[IMAP_TAG_MAX + 1];
	const char *why;

	if (tag != NULL)
		reply("%s OK [CAPABILITY %s] Logged in", tag, CAPS);
	else
		reply("* PREAUTH [CAPABILITY %s] Logged in as %s", CAPS,
		    S.user);
	for (;;) {
		struct imap_cmd *c = &S.cmd;
		int sel;

		read_command();
		if (S.rd.bad) {
			imap_reader_tag(&S.rd, rtag);
			append_cleanup();
			why = S.rd.why;
			goto bad;
		}
		if (imap_cmd_parse(c, S.rd.buf.s, S.rd.buf.len, &why) < 0) {
			if (errno == ENOMEM)
				oom();
			snprintf(rtag, sizeof rtag, "%s", c->tag);
			append_cleanup();
			goto bad;
		}
		snprintf(rtag, sizeof rtag, "%s", c->tag);
		sel = S.selected;
		if (name_is(c, "CAPABILITY") && c->nargs == 0) {
			cmd_capability(c);
		} else if (name_is(c, "NOOP") && c->nargs == 0) {
			updates(1, 0);
			reply("%s OK NOOP completed", c->tag);
		} else if (name_is(c, "CHECK") && c->nargs == 0 && sel) {
			updates(1, 0);
			reply("%s OK CHECK completed", c->tag);
		} else if (name_is(c, "LOGOUT") && c->nargs == 0) {
			reply("* BYE Logging out");
			reply("%s OK LOGOUT completed", c->tag);
			flush();
			log_info("end user=%s reason=logout", S.user);
			exit(RC_OK);
		} else if (name_is(c, "GETQUOTAROOT") || name_is(c, "GETQUOTA") ||
		    name_is(c, "SETQUOTA")) {
			cmd_quota(c);
		} else if (name_is(c, "ENABLE")) {
			cmd_enable(c);
		} else if (name_is(c, "IDLE")) {
			cmd_idle(c);
		} else if (name_is(c, "ID")) {
			cmd_id(c);
		} else if (name_is(c, "NAMESPACE") && c->nargs == 0) {
			cmd_namespace(c);
		} else if (name_is(c, "SELECT")) {
			cmd_select(c, 0);
		} else if (name_is(c, "EXAMINE")) {
			cmd_select(c, 1);
		} else if (name_is(c, "CREATE")) {
			cmd_create(c);
		} else if (name_is(c, "DELETE")) {
			cmd_delete(c);
		} else if (name_is(c, "RENAME")) {
			cmd_rename(c);
		} else if (name_is(c, "SUBSCRIBE")) {
			cmd_subscribe(c, 1);
		} else if (name_is(c, "UNSUBSCRIBE")) {
			cmd_subscribe(c, 0);
		} else if (name_is(c, "LIST")) {
			cmd_list(c, 0);
		} else if (name_is(c, "LSUB")) {
			cmd_list(c, 1);
		} else if (name_is(c, "STATUS")) {
			cmd_status(c);
		} else if (name_is(c, "APPEND")) {
			cmd_append(c);
		} else if (name_is(c, "CLOSE") && c->nargs == 0 && sel) {
			cmd_close(c, 1);
		} else if (name_is(c, "UNSELECT") && c->nargs == 0 && sel) {
			cmd_close(c, 0);
		} else if (name_is(c, "EXPUNGE") && c->nargs == 0 && sel) {
			do_expunge(c, NULL);
		} else if (name_is(c, "FETCH") && sel) {
			cmd_fetch(c, 0, 0);
		} else if (name_is(c, "STORE") && sel) {
			cmd_store(c, 0, 0);
		} else if (name_is(c, "SEARCH") && sel) {
			cmd_search(c, 0, 0);
		} else if (name_is(c, "COPY") && sel) {
			cmd_copy(c, 0, 0, 0);
		} else if (name_is(c, "MOVE") && sel) {
			cmd_copy(c, 0, 0, 1);
		} else if (name_is(c, "UID") && sel) {
			cmd_uid(c);
		} else if (name_is(c, "LOGIN") || name_is(c, "AUTHENTICATE") ||
		    name_is(c, "STARTTLS")) {
			why = "Already logged in";
			goto bad;
		} else {
			why = sel ? "Unknown command or wrong arguments"
				  : "Unknown command, wrong arguments, or no "
				    "mailbox selected";
			goto bad;
		}
		append_cleanup();
		S.errors = 0;
		continue;
	bad:
		reply("%s BAD %s", rtag, why);
		if (++S.errors >= ERRORS_MAX)
			bye("Too many errors");
	}
}

int
main(int argc, char **argv)
{
	struct control_err cerr;
	char ebuf[512], pathbuf[4096];
	uint64_t timeout = DEFAULT_TIMEOUT;
	const char *tag = NULL, *path;
	int opt, timeout_given = 0;

	log_init(argv[0]);
	while ((opt = getopt(argc, argv, "t:T:")) != -1) {
		switch (opt) {
		case 't':
			if (num_u64z(optarg, 86400, &timeout) < 0 || timeout == 0)
				log_die(RC_USAGE, "-t wants seconds, 1 to 86400");
			timeout_given = 1;
			break;
		case 'T':
			tag = optarg;
			break;
		default:
			usage();
		}
	}
	if (argc - optind > 1)
		usage();
	if (tag != NULL) {
		size_t i, n = strlen(tag);

		for (i = 0; i < n; i++)
			if ((unsigned char)tag[i] <= ' ' ||
			    (unsigned char)tag[i] >= 0x7f ||
			    strchr("(){%*\"\\+", tag[i]) != NULL)
				break;
		if (n == 0 || n > IMAP_TAG_MAX || i < n)
			log_die(RC_USAGE, "-T wants an IMAP tag");
	}
	if (!timeout_given &&
	    control_u64("imapd_timeout", DEFAULT_TIMEOUT, 86400, &timeout,
		&cerr) < 0) {
		control_err_format(&cerr, ebuf, sizeof ebuf);
		log_die(RC_USAGE, "%s", ebuf);
	}
	if (control_u64("message_size_limit", DEFAULT_SIZE_LIMIT, UINT32_MAX,
		&S.size_limit, &cerr) < 0) {
		control_err_format(&cerr, ebuf, sizeof ebuf);
		log_die(RC_USAGE, "%s", ebuf);
	}
	if (S.size_limit == 0)
		S.size_limit = UINT32_MAX;
	if (geteuid() == 0)
		log_die(RC_USAGE, "refusing to run as root: run me through "
				  "checkpw as the mail user");
	S.user = getenv("USER") ? getenv("USER") : "-";
	path = getenv("MAILDIR");
	if ((path == NULL || path[0] == '\0') && optind < argc)
		path = argv[optind];
	if (path == NULL || path[0] == '\0') {
		const char *home = getenv("HOME");

		if (home == NULL || home[0] == '\0')
			log_die(RC_USAGE, "no MAILDIR, argument or HOME");
		if (snprintf(pathbuf, sizeof pathbuf, "%s/Maildir", home) >=
		    (int)sizeof pathbuf)
			log_die(RC_USAGE, "HOME too long");
		path = pathbuf;
	}
	signal(SIGPIPE, SIG_IGN);
	rbuf_init(&S.rb, 0, (int)timeout * 1000);
	wbuf_init(&S.wb, 1, (int)timeout * 1000);
	imap_reader_init(&S.rd);
	imap_cmd_init(&S.cmd);
	S.path = path;
	if (mbox_root_open(path) < 0) {
		log_warn("unable to open %s: %s", path, strerror(errno));
		if (tag != NULL)
			reply("%s NO [UNAVAILABLE] Unable to open the mailbox",
			    tag);
		else
			reply("* BYE Unable to open the mailbox");
		linger();
		exit(RC_REFUSED);
	}
	special_folders();
	log_info("start user=%s", S.user);
	run(tag);
	return RC_OK;
}
