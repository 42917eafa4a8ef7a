/*
 * queued: the scheduler.  Takes messages from spool/todo/ into its
 * working area spool/queue/, resolves each recipient (aliases, local,
 * virtual or remote), writes the per-delivery state durably before any
 * delivery starts, runs localspawn and smtp-remote in parallel within
 * limits, retries temporary failures on a backoff until the queue
 * lifetime runs out, and sends RFC 3464 reports through enqueue.
 *
 * One process, one poll loop: a signalfd for SIGCHLD, SIGTERM, SIGHUP,
 * SIGALRM; the trigger FIFO; one non-blocking pipe per delivery program.
 * Only a bounded set of messages (qmgr_message_active_limit) is held in
 * memory; a deferred message leaves it, and the modification time of its
 * state file says when a directory scan should bring it back.
 * See queued(8) and facteur-spool(5).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aliases.h"
#include "control.h"
#include "dsn.h"
#include "durable.h"
#include "log.h"
#include "num.h"
#include "policy.h"
#include "qstate.h"
#include "smtpaddr.h"
#include "str.h"
#include "uniq.h"

extern char **environ;

enum rc { RC_OK = 0, RC_USAGE = 100, RC_TEMP = 111 };

#define SPOOL_DEFAULT "/var/spool/facteur"
#define ENV_FILE_MAX (17u * 1024 * 1024) /* enqueue's 16 MiB and headroom */
#define STATE_FILE_MAX (256u * 1024 * 1024)
#define OUT_MAX (1024u * 1024)		 /* one program's output, bytes */
#define DIAG_MAX 1000
#define SCAN_BATCH 256			 /* directory entries per loop turn */
#define BOUNCE_CONC 4			 /* report jobs at once */
#define HASH_SIZE 4096
#define TMP_MAX_AGE (36 * 3600)
#define TRIGGER_LINE_MAX 512

struct cfg {
	struct policy pol;
	uint64_t local_conc, remote_conc, dest_conc, dest_rcpts;
	uint64_t min_backoff, max_backoff, run_delay;
	uint64_t lifetime, bounce_lifetime, warn_time;
	uint64_t active_limit, time_limit, shutdown_time;
	struct str notice_rcpt;	  /* bounce_notice_recipient */
	struct str double_sender; /* the sender of postmaster notices */
	struct str aliases;	  /* path of aliases.cdb */
};

struct msg {
	char id[UNIQ_MAX];
	struct msg *hnext;	 /* hash chain */
	struct msg *prev, *next; /* the active list */
	int dirfd;		 /* queue/ID */
	char *envbuf;
	struct qenv env;
	struct qstate qs;
	unsigned char *busy;	 /* per delivery: in flight */
	size_t inflight;	 /* jobs running for this message */
	uint64_t size;
	int64_t arrival;
	int deleted, reporting, report_failed, unwritten;
	struct str pend;	 /* state records not yet written */
	struct msg *pnext;	 /* the list of messages with pend */
	int pend_linked, pend_fd;
};

enum job_type { JOB_LOCAL, JOB_REMOTE, JOB_REPORT };

struct dom {
	struct dom *next;
	unsigned running;
	char name[];
};

struct job {
	struct job *next;
	enum job_type type;
	pid_t pid;
	struct msg *m;
	size_t *idx, nidx;	 /* deliveries of m */
	int outfd;		 /* the program's output, or -1 */
	struct str out;
	int status, reaped, killed;
	int64_t start, deadline;
	struct dom *dom;
	enum dsn_kind report;
};

struct sched {
	struct cfg cfg;
	const char *spool;
	char libexec[PATH_MAX];
	int spoolfd, todofd, queuefd, tmpfd;
	int sigfd, trigfd, trigwfd, lockfd;
	struct msg *hash[HASH_SIZE];
	struct msg *head, *tail;
	size_t nactive;
	struct dom *doms[HASH_SIZE];
	struct job *jobs;
	unsigned nlocal, nremote, nreport;
	DIR *todo_scan, *queue_scan;
	int todo_dirty, flush;
	int64_t next_queue_scan, next_todo_scan, next_tmp_clean;
	int stopping;
	int64_t stop_deadline;
	struct str trig;
};

static struct sched S;

static int64_t
now(void)
{
	return (int64_t)time(NULL);
}

static unsigned
hash_str(const char *s, int fold)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (fold && c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		h = (h ^ c) * 16777619u;
	}
	return h % HASH_SIZE;
}

/* ------------------------------------------------------------ settings */

static int
duration(const char *name, const char *def, uint64_t *v_r,
    struct control_err *err)
{
	struct str v = STR_INIT;
	int r = control_str(name, def, &v, err);

	if (r < 0)
		return -1;
	if (qstate_duration(v.s, v_r) < 0) {
		snprintf(err->file, sizeof err->file, "%s/%s", control_dir(),
		    name);
		snprintf(err->reason, sizeof err->reason,
		    "not a duration (digits and s, m, h, d or w): %.40s", v.s);
		str_free(&v);
		errno = EINVAL;
		return -1;
	}
	str_free(&v);
	return 0;
}

static void
cfg_free(struct cfg *c)
{
	struct policy *p = &c->pol;

	str_free(&p->myhostname);
	str_free(&p->mydomain);
	str_free(&p->mydest);
	str_free(&p->vdomains);
	str_free(&p->localrcpt);
	free(p->nets);
	if (p->rcptcdb >= 0)
		close(p->rcptcdb);
	str_free(&c->notice_rcpt);
	str_free(&c->double_sender);
	str_free(&c->aliases);
	memset(c, 0, sizeof *c);
	c->pol.rcptcdb = -1;
}

static int
cfg_load(struct cfg *c, struct control_err *err)
{
	memset(c, 0, sizeof *c);
	c->pol.rcptcdb = -1;
	memset(err, 0, sizeof *err);
	if (policy_load(&c->pol, err) < 0)
		return -1;
	if (control_u64("local_concurrency", 20, 1000, &c->local_conc, err) <
	    0 || control_u64("remote_concurrency", 20, 1000, &c->remote_conc,
	    err) < 0 || control_u64("destination_concurrency", 5, 1000,
	    &c->dest_conc, err) < 0 || control_u64(
	    "destination_recipient_limit", 50, 100000, &c->dest_rcpts, err) < 0 ||
	    control_u64("qmgr_message_active_limit", 1000, 1000000,
	    &c->active_limit, err) < 0)
		return -1;
	if (duration("minimal_backoff_time", "300s", &c->min_backoff, err) < 0 ||
	    duration("maximal_backoff_time", "4000s", &c->max_backoff, err) <
	    0 || duration("queue_run_delay", "300s", &c->run_delay, err) < 0 ||
	    duration("maximal_queue_lifetime", "5d", &c->lifetime, err) < 0 ||
	    duration("bounce_queue_lifetime", "5d", &c->bounce_lifetime, err) <
	    0 || duration("delay_warning_time", "0", &c->warn_time, err) < 0 ||
	    duration("delivery_time_limit", "1000s", &c->time_limit, err) < 0 ||
	    duration("queued_shutdown_time", "30s", &c->shutdown_time, err) < 0)
		return -1;
	if (c->local_conc == 0)
		c->local_conc = 1;
	if (c->remote_conc == 0)
		c->remote_conc = 1;
	if (c->dest_conc == 0)
		c->dest_conc = 1;
	if (c->dest_rcpts == 0)
		c->dest_rcpts = 1;
	if (c->active_limit == 0)
		c->active_limit = 1;
	if (c->min_backoff == 0)
		c->min_backoff = 1;
	if (c->run_delay == 0)
		c->run_delay = 1;
	if (c->time_limit == 0)
		c->time_limit = 1;
	if (control_str("bounce_notice_recipient", "postmaster",
	    &c->notice_rcpt, err) < 0)
		return -1;
	{
		struct str local = STR_INIT;

		if (control_str("double_bounce_sender", "double-bounce", &local,
		    err) < 0)
			return -1;
		if (str_printf(&c->double_sender, "%s@%s", local.s,
		    c->pol.myhostname.s) < 0) {
			str_free(&local);
			return -1;
		}
		str_free(&local);
	}
	if (str_printf(&c->aliases, "%s/aliases.cdb", control_dir()) < 0)
		return -1;
	return 0;
}

/* -------------------------------------------------------- the messages */

static struct msg *
msg_find(const char *id)
{
	for (struct msg *m = S.hash[hash_str(id, 0)]; m != NULL; m = m->hnext)
		if (strcmp(m->id, id) == 0)
			return m;
	return NULL;
}

static void commit_pending(void);

static void
msg_free(struct msg *m)
{
	struct msg **pp = &S.hash[hash_str(m->id, 0)];

	if (m->pend_linked)
		commit_pending();
	str_free(&m->pend);
	while (*pp != NULL && *pp != m)
		pp = &(*pp)->hnext;
	if (*pp == m)
		*pp = m->hnext;
	if (m->prev != NULL)
		m->prev->next = m->next;
	else if (S.head == m)
		S.head = m->next;
	if (m->next != NULL)
		m->next->prev = m->prev;
	else if (S.tail == m)
		S.tail = m->prev;
	S.nactive--;
	if (m->dirfd >= 0)
		close(m->dirfd);
	qenv_free(&m->env);
	qstate_free(&m->qs);
	free(m->envbuf);
	free(m->busy);
	free(m);
}

/* Reads a whole file of at most max bytes. */
static int
read_file(int dirfd, const char *name, size_t max, char **buf_r,
    size_t *len_r)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;
	size_t got = 0;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -1;
	}
	if (st.st_size < 0 || (uint64_t)st.st_size > max) {
		close(fd);
		errno = EFBIG;
		return -1;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		return -1;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int e = r < 0 ? errno : EIO;

			free(buf);
			close(fd);
			errno = e;
			return -1;
		}
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*buf_r = buf;
	*len_r = got;
	return 0;
}

/* ------------------------------------------------ resolving recipients */

struct resolve {
	struct msg *m;
	struct str out;	    /* the state file being built */
	unsigned ndeliv, orig;
	const char *addr;   /* the envelope recipient being resolved */
	const char *domain; /* its domain ("" for none) */
	unsigned targets;   /* targets the alias expansion gave */
	char **set;	    /* open-addressing set over seen keys */
	size_t setcap, setn;
	int bad;	    /* a delivery could not be recorded */
};

static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* 1 if key was new (and is now in the set), 0 if seen, -1 on ENOMEM. */
static int
set_add(struct resolve *rs, const char *key)
{
	size_t h;

	if (rs->setn * 2 >= rs->setcap) {
		size_t ncap = rs->setcap ? rs->setcap * 2 : 64;
		char **ns = calloc(ncap, sizeof *ns);

		if (ns == NULL)
			return -1;
		for (size_t i = 0; i < rs->setcap; i++)
			if (rs->set[i] != NULL) {
				size_t j = hash_str(rs->set[i], 0) * 7919u %
				    ncap;

				while (ns[j] != NULL)
					j = (j + 1) % ncap;
				ns[j] = rs->set[i];
			}
		free(rs->set);
		rs->set = ns;
		rs->setcap = ncap;
	}
	h = hash_str(key, 0) * 7919u % rs->setcap;
	while (rs->set[h] != NULL) {
		if (strcmp(rs->set[h], key) == 0)
			return 0;
		h = (h + 1) % rs->setcap;
	}
	rs->set[h] = strdup(key);
	if (rs->set[h] == NULL)
		return -1;
	rs->setn++;
	return 1;
}

static int
add_delivery(struct resolve *rs, enum qkind kind, const char *addr,
    const char *target)
{
	struct str key = STR_INIT;
	int r;

	if (str_printf(&key, "%d\t%s\t%s", (int)kind, target,
	    kind == QK_REMOTE || kind == QK_ERROR ? addr : "") < 0)
		return -1;
	if (kind == QK_REMOTE || kind == QK_LOCAL)
		lower(key.s);
	r = set_add(rs, key.s);
	str_free(&key);
	if (r <= 0)
		return r;
	if (rs->ndeliv >= QSTATE_RCPT_MAX) {
		errno = E2BIG;
		return -1;
	}
	if (qstate_fmt_rcpt(&rs->out, rs->ndeliv, rs->orig, kind, addr,
	    target) < 0) {
		/* A target with control bytes or too long: a failure. */
		if (errno != EINVAL && errno != E2BIG)
			return -1;
		if (qstate_fmt_rcpt(&rs->out, rs->ndeliv, rs->orig, QK_ERROR,
		    rs->addr, "5.3.5 unusable delivery target") < 0)
			return -1;
	}
	rs->ndeliv++;
	return 0;
}

/*
 * Splits addr into its local part (quotes and escapes removed) and its
 * domain (a pointer into addr, "" when there is none).
 */
static int
split_addr(const char *addr, struct str *local, const char **domain_r)
{
	const char *at = NULL;
	int q = 0;

	for (const char *p = addr; *p != '\0'; p++) {
		if (q && *p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '"')
			q = !q;
		else if (!q && *p == '@')
			at = p;
	}
	str_clear(local);
	for (const char *p = addr; *p != '\0' && p != at; p++) {
		if (*p == '"')
			continue;
		if (*p == '\\' && p[1] != '\0' && p + 1 != at)
			p++;
		if (str_appendc(local, *p) < 0)
			return -1;
	}
	if (local->s == NULL && str_appendz(local, "") < 0)
		return -1;
	*domain_r = at != NULL ? at + 1 : "";
	return 0;
}

static int
is_local_domain(void *arg, const char *domain)
{
	(void)arg;
	return policy_domain(&S.cfg.pol, domain, strlen(domain)) == DOM_LOCAL;
}

/* A plain address (no more alias expansion): one delivery. */
static int
resolve_plain(struct resolve *rs, const char *addr, const char *dflt_domain)
{
	struct str local = STR_INIT, target = STR_INIT, full = STR_INIT;
	const char *domain;
	enum dom_class cls;
	int r = -1;

	if (split_addr(addr, &local, &domain) < 0)
		goto out;
	if (*domain == '\0') {
		/* A bare name: a local user at our (first) domain. */
		if (str_printf(&full, "%s@%s", addr, dflt_domain) < 0)
			goto out;
		cls = DOM_LOCAL;
		domain = dflt_domain;
	} else {
		if (str_appendz(&full, addr) < 0)
			goto out;
		cls = policy_domain(&S.cfg.pol, domain, strlen(domain));
	}
	if (local.len == 0) {
		r = add_delivery(rs, QK_ERROR, full.s, "5.1.3 empty local part");
		goto out;
	}
	switch (cls) {
	case DOM_LOCAL:
		if (strchr(local.s, '/') != NULL || local.s[0] == '.') {
			r = add_delivery(rs, QK_ERROR, full.s,
			    "5.1.1 no such user");
			goto out;
		}
		lower(local.s);
		r = add_delivery(rs, QK_LOCAL, full.s, local.s);
		break;
	case DOM_VIRTUAL:
		if (str_printf(&target, "%s@%s", local.s, domain) < 0)
			goto out;
		lower(target.s);
		r = add_delivery(rs, QK_LOCAL, full.s, target.s);
		break;
	default:
		if (str_appendz(&target, domain) < 0)
			goto out;
		lower(target.s);
		r = add_delivery(rs, QK_REMOTE, full.s, target.s);
		break;
	}
out:
	str_free(&local);
	str_free(&target);
	str_free(&full);
	return r;
}

static int
alias_target(void *arg, enum alias_kind kind, const char *target)
{
	struct resolve *rs = arg;

	rs->targets++;
	switch (kind) {
	case ALIAS_PIPE:
		return add_delivery(rs, QK_PIPE, rs->addr, target);
	case ALIAS_MAILDIR:
		return add_delivery(rs, QK_MAILDIR, rs->addr, target);
	case ALIAS_ADDR:
		if (*target == '\\')
			target++;
		return resolve_plain(rs, target, rs->domain);
	}
	return 0;
}

/*
 * The one place aliases are consulted: local (a local part at one of
 * mydestination) expanded through aliases.cdb.  Returns 1 if it was an
 * alias (its deliveries added), 0 if not, -1 with errno on error.
 */
static int
expand_alias(struct resolve *rs, const char *local)
{
	return aliases_expand(S.cfg.aliases.s, local, is_local_domain,
	    alias_target, rs);
}

/*
 * Resolves envelope recipient number orig into deliveries.  Returns 0,
 * or -1 on a temporary error (the message must wait).
 */
static int
resolve_rcpt(struct resolve *rs, unsigned orig, const char *addr)
{
	struct str local = STR_INIT, full = STR_INIT;
	const char *domain, *dflt = policy_postmaster_domain(&S.cfg.pol);
	size_t mark = rs->out.len;
	unsigned ndeliv = rs->ndeliv;
	int r = 0;

	rs->orig = orig;
	rs->addr = addr;
	rs->targets = 0;
	if (split_addr(addr, &local, &domain) < 0)
		return -1;
	if (*domain == '\0') {
		/* <postmaster> and bare names: our first local domain. */
		if (str_printf(&full, "%s@%s", addr, dflt) < 0) {
			str_free(&local);
			return -1;
		}
		rs->addr = full.s;
		rs->domain = dflt;
	} else {
		rs->domain = domain;
	}
	if (local.len > 0 && (*domain == '\0' || policy_domain(&S.cfg.pol,
	    domain, strlen(domain)) == DOM_LOCAL)) {
		char *plus;

		lower(local.s);
		r = expand_alias(rs, local.s);
		plus = strchr(local.s, '+');
		if (r == 0 && plus != NULL && plus != local.s) {
			/* user+ext: the alias of user, if any. */
			*plus = '\0';
			r = expand_alias(rs, local.s);
		}
		if (r < 0 && (errno == ELOOP || errno == E2BIG)) {
			/* A broken table: this recipient fails. */
			str_truncate(&rs->out, mark);
			rs->ndeliv = ndeliv;
			r = add_delivery(rs, QK_ERROR, rs->addr,
			    errno == ELOOP ? "5.4.6 alias nesting too deep" :
			    "5.3.4 alias expands to too many targets");
		} else if (r < 0) {
			log_warn("qid=%s aliases: %s: %s", rs->m->id, rs->addr,
			    strerror(errno));
		} else if (r == 1 && rs->targets == 0) {
			r = add_delivery(rs, QK_ERROR, rs->addr,
			    "5.1.1 alias has no usable target");
		} else if (r == 0) {
			r = resolve_plain(rs, rs->addr, dflt);
		} else {
			r = 0;
		}
	} else {
		r = resolve_plain(rs, rs->addr, dflt);
	}
	str_free(&local);
	str_free(&full);
	return r < 0 ? -1 : 0;
}

/*
 * Builds m's state file text in out: every envelope recipient resolved
 * into deliveries.  Returns 0, or -1 on a temporary error.
 */
static int
resolve_msg(struct msg *m, struct str *out)
{
	struct resolve rs;
	int r = -1;

	memset(&rs, 0, sizeof rs);
	rs.m = m;
	if (qstate_fmt_header(&rs.out, m->arrival > 0 ? m->arrival : now()) < 0)
		goto out;
	for (size_t i = 0; i < m->env.n; i++)
		if (resolve_rcpt(&rs, (unsigned)i, m->env.r[i].addr) < 0)
			goto out;
	str_free(out);
	*out = rs.out;
	memset(&rs.out, 0, sizeof rs.out);
	r = 0;
out:
	for (size_t i = 0; i < rs.setcap; i++)
		free(rs.set[i]);
	free(rs.set);
	str_free(&rs.out);
	return r;
}

/* ------------------------------------------------------ loading, ending */

/* Removes queue/ID: env first, so a half-removed entry is garbage. */
static void
remove_entry(int dirfd, const char *id)
{
	static const char *const files[] = { "env", "mess", "state",
		"state.tmp" };

	for (size_t i = 0; i < 4; i++)
		if (unlinkat(dirfd, files[i], 0) < 0 && errno != ENOENT)
			log_warn("qid=%s unable to remove %s: %s", id,
			    files[i], strerror(errno));
	if (unlinkat(S.queuefd, id, AT_REMOVEDIR) < 0 && errno != ENOENT)
		log_warn("qid=%s unable to remove queue/%s: %s", id, id,
		    strerror(errno));
}

static void
msg_remove(struct msg *m)
{
	remove_entry(m->dirfd, m->id);
	msg_free(m);
}

static int msg_ready(struct msg *m, const char *st, size_t len);

/*
 * Moves a message queued cannot read (a damaged file, or a newer
 * format) out of the way, into spool/corrupt/, for a person to look at;
 * nothing is deleted.
 */
static void
quarantine(const char *id, const char *why)
{
	if (mkdirat(S.spoolfd, "corrupt", 0750) < 0 && errno != EEXIST) {
		log_error("qid=%s %s; unable to make corrupt/: %s", id, why,
		    strerror(errno));
		return;
	}
	{
		char dst[UNIQ_MAX + 16];

		snprintf(dst, sizeof dst, "corrupt/%s", id);
		if (durable_rename(S.queuefd, id, S.spoolfd, dst) < 0) {
			log_error("qid=%s %s; unable to move it to corrupt/: %s",
			    id, why, strerror(errno));
			return;
		}
	}
	log_error("qid=%s %s; moved to corrupt/%s", id, why, id);
}

/*
 * Loads queue/ID into the active set.  A message without a state file
 * is resolved, its state text put in *newstate and m->unwritten set: the
 * caller writes it with write_states.  Returns NULL when the message
 * cannot be worked on now (logged; it stays on disk for a later scan).
 */
static struct msg *
msg_load(const char *id, struct str *newstate)
{
	struct msg *m;
	char *st = NULL;
	size_t len;
	struct stat sb;
	int r;

	if (strlen(id) >= UNIQ_MAX)
		return NULL;
	m = calloc(1, sizeof *m);
	if (m == NULL)
		return NULL;
	strcpy(m->id, id);
	m->dirfd = openat(S.queuefd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* Linked in first, so msg_free works on every path below. */
	m->hnext = S.hash[hash_str(id, 0)];
	S.hash[hash_str(id, 0)] = m;
	m->prev = S.tail;
	if (S.tail != NULL)
		S.tail->next = m;
	else
		S.head = m;
	S.tail = m;
	S.nactive++;
	if (m->dirfd < 0) {
		log_error("qid=%s unable to open queue/%s: %s", id, id,
		    strerror(errno));
		goto fail;
	}
	if (read_file(m->dirfd, "env", ENV_FILE_MAX, &m->envbuf, &len) < 0) {
		if (errno == ENOENT) {
			/* No env: what a removal left behind. */
			remove_entry(m->dirfd, id);
		} else {
			log_error("qid=%s unable to read env: %s", id,
			    strerror(errno));
		}
		goto fail;
	}
	if (qenv_parse(m->envbuf, len, &m->env) < 0) {
		quarantine(id, errno == ENOTSUP ? "env: unknown version or "
		    "record (a newer writer?)" : "env: damaged");
		goto fail;
	}
	if (fstatat(m->dirfd, "mess", &sb, 0) < 0) {
		quarantine(id, "no message file");
		goto fail;
	}
	m->size = (uint64_t)sb.st_size;
	m->arrival = m->env.arrival;
	if (read_file(m->dirfd, "state", STATE_FILE_MAX, &st, &len) < 0) {
		if (errno != ENOENT) {
			log_error("qid=%s unable to read state: %s", id,
			    strerror(errno));
			goto fail;
		}
		/* New: resolved now, written by write_states. */
		if (resolve_msg(m, newstate) < 0)
			goto fail;
		m->unwritten = 1;
		return m;
	}
	r = msg_ready(m, st, len);
	free(st);
	return r == 0 ? m : NULL;
fail:
	msg_free(m);
	return NULL;
}

/* Parses m's state; the message is ready to work on.  0, or -1 (m freed). */
static int
msg_ready(struct msg *m, const char *st, size_t len)
{
	const char *id = m->id;
	unsigned line = 0;

	if (qstate_parse(st, len, &m->qs, &line) < 0) {
		char why[64];

		snprintf(why, sizeof why, "state line %u: %s", line,
		    strerror(errno));
		quarantine(id, why);
		goto fail;
	}
	if (m->arrival == 0)
		m->arrival = m->qs.created;
	for (size_t i = 0; i < m->qs.n; i++)
		if (m->qs.r[i].orig >= m->env.n) {
			quarantine(id, "state names a recipient the envelope "
			    "lacks");
			goto fail;
		}
	m->busy = calloc(m->qs.n ? m->qs.n : 1, 1);
	if (m->busy == NULL)
		goto fail;
	m->deleted = m->qs.deleted != 0;
	if (S.flush)
		for (size_t i = 0; i < m->qs.n; i++)
			m->qs.r[i].next = 0;
	return 0;
fail:
	msg_free(m);
	return -1;
}

/*
 * Writes the state files of newly resolved messages as one group:
 * every file written first, then fsynced (the first fsync commits the
 * journal for all of them), renamed into place, and their directories
 * synced; only then is a message ready, so no delivery starts before
 * its state is durable.
 */
static void
write_states(struct msg **ms, struct str *txt, size_t n)
{
	static int fds[SCAN_BATCH];

	for (size_t i = 0; i < n; i++) {
		fds[i] = -1;
		if (unlinkat(ms[i]->dirfd, "state.tmp", 0) < 0 &&
		    errno != ENOENT)
			log_warn("qid=%s unable to remove state.tmp: %s",
			    ms[i]->id, strerror(errno));
		fds[i] = durable_create(ms[i]->dirfd, "state.tmp", 0640);
		if (fds[i] >= 0 && durable_write(fds[i], txt[i].s, txt[i].len) <
		    0) {
			close(fds[i]);
			fds[i] = -1;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0) {
			int bad = durable_fsync(fds[i]) < 0;

			if (close(fds[i]) < 0 || bad)
				fds[i] = -1;
		}
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0 && durable_rename(ms[i]->dirfd, "state.tmp",
		    ms[i]->dirfd, "state") < 0)
			fds[i] = -1;
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0 && durable_dirsync(ms[i]->dirfd) < 0)
			fds[i] = -1;
	for (size_t i = 0; i < n; i++) {
		struct msg *m = ms[i];

		if (fds[i] < 0) {
			log_error("qid=%s unable to write the state: %s", m->id,
			    strerror(errno));
			(void)unlinkat(m->dirfd, "state.tmp", 0);
			msg_free(m);
			continue;
		}
		m->unwritten = 0;
		if (msg_ready(m, txt[i].s, txt[i].len) == 0)
			log_info("new qid=%s from=<%s> size=%llu rcpts=%zu",
			    m->id, m->env.sender, (unsigned long long)m->size,
			    m->env.n);
	}
}

/* Messages resolved in this scan batch, whose state is to be written. */
static struct msg *batch_m[SCAN_BATCH];
static struct str batch_txt[SCAN_BATCH];
static size_t batch_n;

static void
batch_load(const char *id)
{
	struct msg *m;

	if (batch_n == SCAN_BATCH)
		return;
	m = msg_load(id, &batch_txt[batch_n]);
	if (m != NULL && m->unwritten)
		batch_m[batch_n++] = m;
}

static void
batch_flush(void)
{
	write_states(batch_m, batch_txt, batch_n);
	for (size_t i = 0; i < batch_n; i++)
		str_free(&batch_txt[i]);
	batch_n = 0;
}

/* Takes todo/ID into queue/ID and loads it. */
static void
take(const char *id)
{
	if (durable_rename(S.todofd, id, S.queuefd, id) < 0) {
		if (errno != ENOENT)
			log_error("qid=%s unable to move todo/%s into queue/: "
			    "%s", id, id, strerror(errno));
		return;
	}
	batch_load(id);
}

/* Takes the message out of the active set until its next attempt. */
static void
msg_defer(struct msg *m, int64_t next)
{
	struct timespec ts[2];

	ts[0].tv_sec = 0;
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_sec = (time_t)next;
	ts[1].tv_nsec = 0;
	if (utimensat(m->dirfd, "state", ts, 0) < 0)
		log_warn("qid=%s unable to set the next attempt time: %s",
		    m->id, strerror(errno));
	msg_free(m);
}

static struct msg *pend_head;

/* Queues records for m's state file; commit_pending writes them. */
static void
pend_add(struct msg *m, const struct str *rec)
{
	if (rec->len == 0)
		return;
	if (str_append(&m->pend, rec->s, rec->len) < 0) {
		log_error("qid=%s unable to record the state: %s", m->id,
		    strerror(errno));
		return;
	}
	if (!m->pend_linked) {
		m->pend_linked = 1;
		m->pnext = pend_head;
		pend_head = m;
	}
}

/*
 * Writes the queued records of every message (one write(2) each on an
 * O_APPEND descriptor), then fsyncs them: the first fsync commits the
 * journal for all, so results that arrive together cost about one.
 * Called before anything acts on those results.
 */
static void
commit_pending(void)
{
	struct msg *m;

	for (m = pend_head; m != NULL; m = m->pnext) {
		m->pend_fd = openat(m->dirfd, "state", O_WRONLY | O_APPEND |
		    O_CLOEXEC | O_NOFOLLOW);
		if (m->pend_fd >= 0 &&
		    durable_write(m->pend_fd, m->pend.s, m->pend.len) < 0) {
			close(m->pend_fd);
			m->pend_fd = -1;
		}
		if (m->pend_fd < 0)
			log_error("qid=%s unable to record the state: %s",
			    m->id, strerror(errno));
	}
	while ((m = pend_head) != NULL) {
		pend_head = m->pnext;
		if (m->pend_fd >= 0) {
			if (durable_fsync(m->pend_fd) < 0)
				log_error("qid=%s unable to sync the state: %s",
				    m->id, strerror(errno));
			close(m->pend_fd);
		}
		m->pend_fd = -1;
		m->pend_linked = 0;
		m->pnext = NULL;
		str_free(&m->pend);
	}
}

/* Appends records to m's state file, durably. */
static int
state_append(struct msg *m, const struct str *rec)
{
	if (rec->len == 0)
		return 0;
	if (durable_append(m->dirfd, "state", rec->s, rec->len, 0640) < 0) {
		log_error("qid=%s unable to record the state: %s", m->id,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* ----------------------------------------------------------- children */

static int
prog_path(const char *name, struct str *out)
{
	str_clear(out);
	return str_printf(out, "%s/%s", S.libexec, name);
}

/*
 * Starts prog with argv, fd 0 on in, fds 1 (and 2 if both) on a pipe
 * whose read end is returned in *out_r.  Returns the pid or -1.  fork,
 * not posix_spawn: fork returns as soon as the child exists (queued is
 * small), while posix_spawn waits for the exec, about 2 ms a delivery.
 * A program that cannot be run exits 111 with the reason on the pipe.
 */
static pid_t
spawn(const char *prog, char *const argv[], int in, int both, int *out_r)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(p[0]);
		close(p[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		sigset_t none;
		char why[PATH_MAX + 100];
		int n;

		sigemptyset(&none);
		signal(SIGPIPE, SIG_DFL);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (dup2(in, 0) < 0 || dup2(p[1], 1) < 0 ||
		    (both && dup2(p[1], 2) < 0))
			_exit(RC_TEMP);
		execve(prog, argv, environ);
		n = snprintf(why, sizeof why, "4.3.0 unable to run %s: %s\n",
		    prog, strerror(errno));
		if (n > 0 && write(2, why, (size_t)n) < 0) {
			/* nothing more to do */
		}
		_exit(RC_TEMP);
	}
	close(p[1]);
	if (fcntl(p[0], F_SETFL, O_NONBLOCK) < 0) {
		/* Reading still works; poll tells us when. */
	}
	*out_r = p[0];
	return pid;
}

static struct job *
job_new(enum job_type type, struct msg *m, size_t nidx)
{
	struct job *j = calloc(1, sizeof *j);

	if (j == NULL)
		return NULL;
	j->idx = calloc(nidx ? nidx : 1, sizeof *j->idx);
	if (j->idx == NULL) {
		free(j);
		return NULL;
	}
	j->type = type;
	j->m = m;
	j->outfd = -1;
	j->start = now();
	j->deadline = j->start + (int64_t)S.cfg.time_limit;
	return j;
}

static void
job_link(struct job *j)
{
	j->next = S.jobs;
	S.jobs = j;
	j->m->inflight++;
	for (size_t i = 0; i < j->nidx; i++)
		j->m->busy[j->idx[i]] = 1;
	if (j->type == JOB_LOCAL)
		S.nlocal++;
	else if (j->type == JOB_REMOTE)
		S.nremote++;
	else
		S.nreport++;
}

static struct dom *
dom_get(const char *name, int create)
{
	unsigned h = hash_str(name, 1);
	struct dom *d;

	for (d = S.doms[h]; d != NULL; d = d->next)
		if (strcasecmp(d->name, name) == 0)
			return d;
	if (!create)
		return NULL;
	d = calloc(1, sizeof *d + strlen(name) + 1);
	if (d == NULL)
		return NULL;
	strcpy(d->name, name);
	d->next = S.doms[h];
	S.doms[h] = d;
	return d;
}

/* Forgets a domain with nothing running. */
static void
dom_drop_idle(struct dom *d)
{
	struct dom **pp;

	if (d == NULL || d->running > 0)
		return;
	for (pp = &S.doms[hash_str(d->name, 1)]; *pp != d; pp = &(*pp)->next)
		;
	*pp = d->next;
	free(d);
}

static void
dom_release(struct dom *d)
{
	if (d == NULL)
		return;
	if (d->running > 0)
		d->running--;
	dom_drop_idle(d);
}

static int
open_mess(struct msg *m)
{
	int fd = openat(m->dirfd, "mess", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		log_error("qid=%s unable to open the message: %s", m->id,
		    strerror(errno));
	return fd;
}

static const char *const local_kinds[] = { "user", "pipe", "maildir" };

static void job_done(struct job *j);
static void temp_now(struct msg *m, const size_t *idx, size_t n,
    const char *diag);

static int
start_local(struct msg *m, size_t i)
{
	const struct qrcpt *r = &m->qs.r[i];
	struct str prog = STR_INIT;
	struct job *j;
	char *argv[6];
	int fd;

	j = job_new(JOB_LOCAL, m, 1);
	if (j == NULL)
		return -1;
	j->idx[0] = i;
	j->nidx = 1;
	fd = open_mess(m);
	if (fd < 0 || prog_path("localspawn", &prog) < 0) {
		if (fd >= 0)
			close(fd);
		free(j->idx);
		free(j);
		str_free(&prog);
		return -1;
	}
	argv[0] = (char *)"localspawn";
	argv[1] = (char *)m->env.sender;
	argv[2] = (char *)r->addr;
	argv[3] = (char *)local_kinds[r->kind];
	argv[4] = (char *)r->target;
	argv[5] = NULL;
	j->pid = spawn(prog.s, argv, fd, 1, &j->outfd);
	close(fd);
	if (j->pid < 0) {
		char why[PATH_MAX + 80];

		snprintf(why, sizeof why, "4.3.0 unable to run %s: %s", prog.s,
		    strerror(errno));
		log_error("%s", why + 6);
		temp_now(m, &i, 1, why);
		str_free(&prog);
		free(j->idx);
		free(j);
		return 0;
	}
	str_free(&prog);
	job_link(j);
	return 0;
}

/* The RCPT argument for smtp-remote: address and DSN parameters. */
static int
rcpt_arg(const struct msg *m, const struct qrcpt *r, struct str *out)
{
	const struct qenv_rcpt *e = &m->env.r[r->orig];

	if (str_appendz(out, r->addr) < 0)
		return -1;
	if (e->notify_raw != NULL &&
	    str_printf(out, " NOTIFY=%s", e->notify_raw) < 0)
		return -1;
	/* ORCPT only for an address that is the envelope's own. */
	if (e->orcpt != NULL && strcmp(e->addr, r->addr) == 0 &&
	    str_printf(out, " ORCPT=%s", e->orcpt) < 0)
		return -1;
	return str_appendc(out, '\0');
}

static int
start_remote(struct msg *m, size_t first, struct dom *d)
{
	const char *domain = m->qs.r[first].target;
	struct str prog = STR_INIT, args = STR_INIT;
	char **argv = NULL;
	size_t argc = 0, n = 0, maxr = (size_t)S.cfg.dest_rcpts;
	int64_t t = now();
	struct job *j;
	int fd = -1, ok = 0;

	j = job_new(JOB_REMOTE, m, maxr < m->qs.n ? maxr : m->qs.n);
	if (j == NULL)
		return -1;
	for (size_t i = first; i < m->qs.n && n < maxr; i++) {
		const struct qrcpt *r = &m->qs.r[i];

		if (r->kind != QK_REMOTE || r->state != QS_PENDING ||
		    m->busy[i] || r->next > t ||
		    strcasecmp(r->target, domain) != 0)
			continue;
		if (rcpt_arg(m, r, &args) < 0)
			goto out;
		j->idx[n++] = i;
	}
	j->nidx = n;
	argv = calloc(n + 12, sizeof *argv);
	if (argv == NULL || prog_path("smtp-remote", &prog) < 0)
		goto out;
	argv[argc++] = (char *)"smtp-remote";
	if (m->env.envid != NULL) {
		argv[argc++] = (char *)"-E";
		argv[argc++] = (char *)m->env.envid;
	}
	if (m->env.ret != 0) {
		argv[argc++] = (char *)"-R";
		argv[argc++] = (char *)(m->env.ret == 1 ? "FULL" : "HDRS");
	}
	if (m->env.body8)
		argv[argc++] = (char *)"-8";
	if (m->env.utf8)
		argv[argc++] = (char *)"-U";
	argv[argc++] = (char *)domain;
	argv[argc++] = (char *)m->env.sender;
	for (size_t k = 0, off = 0; k < n; k++) {
		argv[argc++] = args.s + off;
		off += strlen(args.s + off) + 1;
	}
	argv[argc] = NULL;
	fd = open_mess(m);
	if (fd < 0)
		goto out;
	j->pid = spawn(prog.s, argv, fd, 0, &j->outfd);
	if (j->pid < 0) {
		char why[PATH_MAX + 80];

		snprintf(why, sizeof why, "4.3.0 unable to run %s: %s", prog.s,
		    strerror(errno));
		log_error("%s", why + 6);
		temp_now(m, j->idx, j->nidx, why);
		ok = 2;
		goto out;
	}
	j->dom = d;
	d->running++;
	job_link(j);
	ok = 1;
out:
	if (fd >= 0)
		close(fd);
	if (ok != 1) {
		free(j->idx);
		free(j);
	}
	free(argv);
	str_free(&prog);
	str_free(&args);
	return ok ? 0 : -1;
}

/* ----------------------------------------------------------- reports */

static int
notify_allows(const struct msg *m, const struct qrcpt *r, unsigned bit)
{
	unsigned n = m->env.r[r->orig].notify;

	if (n == 0) /* RFC 3461 §5.1: no NOTIFY means FAILURE (and DELAY) */
		return bit != SMTP_NOTIFY_SUCCESS;
	return (n & bit) != 0;
}

static int
write_all(int fd, const void *p, size_t n)
{
	const char *s = p;

	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * In a forked child: composes the report and gives it to enqueue.
 * Exits 0 when enqueue took it, 111 otherwise.
 */
static void __attribute__((noreturn))
report_child(struct msg *m, enum dsn_kind kind, const char *to,
    const char *env_sender, const char *env_rcpt)
{
	struct dsn_rcpt *rr = calloc(m->qs.n ? m->qs.n : 1, sizeof *rr);
	struct str head = STR_INIT, prog = STR_INIT, envl = STR_INIT;
	char boundary[80], buf[65536];
	uint64_t rnd = 0;
	int64_t t = now();
	struct dsn d;
	int mp[2], ep[2], mfd, st, hstate = 0;
	pid_t pid;
	posix_spawn_file_actions_t fa;
	char *argv[] = { (char *)"enqueue", NULL };
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (rr == NULL)
		_exit(RC_TEMP);
	memset(&d, 0, sizeof d);
	for (size_t i = 0; i < m->qs.n; i++) {
		const struct qrcpt *r = &m->qs.r[i];
		struct dsn_rcpt *x = &rr[d.n];
		int want;

		if (kind == DSN_DELAY)
			want = r->state == QS_PENDING &&
			    notify_allows(m, r, SMTP_NOTIFY_DELAY);
		else if (kind == DSN_POSTMASTER)
			want = r->state == QS_PERM;
		else
			want = (r->state == QS_PERM &&
			    notify_allows(m, r, SMTP_NOTIFY_FAILURE)) ||
			    (r->state == QS_OK && r->kind != QK_REMOTE &&
			    notify_allows(m, r, SMTP_NOTIFY_SUCCESS));
		if (!want)
			continue;
		x->final_rcpt = r->addr;
		x->orcpt = m->env.r[r->orig].orcpt;
		x->remote_mta = r->mta;
		x->diag = r->kind == QK_ERROR ? r->target : r->diag;
		x->last_attempt = r->last;
		if (r->state == QS_OK) {
			x->action = DSN_DELIVERED;
		} else if (r->state == QS_PENDING) {
			x->action = DSN_DELAYED;
			x->will_retry_until = m->arrival + (int64_t)(
			    *m->env.sender != '\0' ? S.cfg.lifetime :
			    S.cfg.bounce_lifetime);
		} else {
			x->action = DSN_FAILED;
			if (r->expired)
				x->status = "4.4.7";
		}
		d.n++;
	}
	if (getrandom(&rnd, sizeof rnd, 0) < 0)
		rnd = (uint64_t)getpid() * 2654435761u;
	snprintf(boundary, sizeof boundary, "=_facteur_%lld_%d_%016llx",
	    (long long)t, (int)getpid(), (unsigned long long)rnd);
	d.kind = kind;
	d.reporting_mta = S.cfg.pol.myhostname.s;
	d.to = to;
	d.orig_sender = m->env.sender;
	d.qid = m->id;
	d.envid = m->env.envid;
	d.boundary = boundary;
	d.arrival = m->arrival;
	d.now = t;
	d.ret_hdrs = kind == DSN_DELAY || kind == DSN_SUCCESS ||
	    m->env.ret == 2;
	d.eightbit = m->env.body8;
	d.r = rr;
	if (dsn_head(&d, &head) < 0 || prog_path("enqueue", &prog) < 0)
		_exit(RC_TEMP);
	mfd = openat(m->dirfd, "mess", O_RDONLY | O_CLOEXEC);
	if (mfd < 0 || pipe2(mp, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0)
		_exit(RC_TEMP);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, mp[0], 0);
	posix_spawn_file_actions_adddup2(&fa, ep[0], 1);
	if (posix_spawn(&pid, prog.s, &fa, NULL, argv, environ) != 0)
		_exit(RC_TEMP);
	close(mp[0]);
	close(ep[0]);
	if (write_all(mp[1], head.s, head.len) < 0)
		_exit(RC_TEMP);
	for (;;) {
		ssize_t n = read(mfd, buf, sizeof buf);
		size_t use;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			_exit(RC_TEMP);
		if (n == 0)
			break;
		use = (size_t)n;
		if (d.ret_hdrs) {
			size_t e = dsn_header_end(buf, use, &hstate);

			if (e > 0)
				use = e;
		}
		if (write_all(mp[1], buf, use) < 0)
			_exit(RC_TEMP);
		if (use < (size_t)n)
			break;
	}
	str_clear(&head);
	if (dsn_tail(&d, &head) < 0 || write_all(mp[1], head.s, head.len) < 0)
		_exit(RC_TEMP);
	close(mp[1]);
	/* An 8-bit original makes an 8-bit report; a UTF-8 address needs
	 * SMTPUTF8 on the way back. */
	if (str_printf(&envl, "F%s", env_sender) < 0 ||
	    str_appendc(&envl, '\0') < 0 ||
	    (m->env.body8 && !d.ret_hdrs &&
	    str_append(&envl, "B8BITMIME", 10) < 0) ||
	    (m->env.utf8 && str_append(&envl, "U", 2) < 0) ||
	    str_printf(&envl, "T%s", env_rcpt) < 0 ||
	    str_append(&envl, "\0", 2) < 0 ||
	    write_all(ep[1], envl.s, envl.len) < 0)
		_exit(RC_TEMP);
	close(ep[1]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			_exit(RC_TEMP);
	_exit(WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : RC_TEMP);
}

static int
start_report(struct msg *m, enum dsn_kind kind)
{
	const char *to, *esender, *ercpt;
	struct job *j = job_new(JOB_REPORT, m, 0);
	pid_t pid;

	if (j == NULL)
		return -1;
	if (kind == DSN_POSTMASTER) {
		to = S.cfg.notice_rcpt.s;
		esender = S.cfg.double_sender.s;
		ercpt = S.cfg.notice_rcpt.s;
	} else {
		to = m->env.sender;
		esender = "";
		ercpt = m->env.sender;
	}
	pid = fork();
	if (pid < 0) {
		log_error("qid=%s unable to fork: %s", m->id, strerror(errno));
		free(j->idx);
		free(j);
		return -1;
	}
	if (pid == 0)
		report_child(m, kind, to, esender, ercpt);
	j->pid = pid;
	j->report = kind;
	j->deadline = now() + 600;
	m->reporting = 1;
	job_link(j);
	return 0;
}

/* ------------------------------------------------------- settling */

static int
is_double_bounce(const struct msg *m)
{
	return strcasecmp(m->env.sender, S.cfg.double_sender.s) == 0;
}

/*
 * m has nothing in flight and nothing due: finish it, report on it, or
 * put it away until its next attempt.
 */
static void
settle(struct msg *m)
{
	size_t pending = 0, failed = 0, success = 0, delayed = 0;
	int64_t next = INT64_MAX, t = now();

	if (m->deleted) {
		log_info("deleted qid=%s", m->id);
		msg_remove(m);
		return;
	}
	for (size_t i = 0; i < m->qs.n; i++) {
		const struct qrcpt *r = &m->qs.r[i];

		if (r->state == QS_PENDING) {
			pending++;
			if (r->next < next)
				next = r->next;
			if (notify_allows(m, r, SMTP_NOTIFY_DELAY))
				delayed++;
		} else if (r->state == QS_PERM) {
			if (notify_allows(m, r, SMTP_NOTIFY_FAILURE) ||
			    *m->env.sender == '\0')
				failed++;
		} else if (r->kind != QK_REMOTE &&
		    notify_allows(m, r, SMTP_NOTIFY_SUCCESS)) {
			success++;
		}
	}
	if (pending > 0) {
		if (S.cfg.warn_time > 0 && m->qs.warned == 0 && delayed > 0 &&
		    *m->env.sender != '\0' && !is_double_bounce(m) &&
		    t - m->arrival >= (int64_t)S.cfg.warn_time &&
		    S.nreport < BOUNCE_CONC && !S.stopping &&
		    start_report(m, DSN_DELAY) == 0)
			return;
		msg_defer(m, next);
		return;
	}
	if (m->qs.done == 0 && (failed > 0 || success > 0)) {
		if (*m->env.sender == '\0' && failed > 0) {
			if (S.nreport < BOUNCE_CONC && !S.stopping &&
			    start_report(m, DSN_POSTMASTER) == 0)
				return;
			msg_defer(m, t + 10);
			return;
		}
		if (is_double_bounce(m)) {
			log_warn("qid=%s dropped: a postmaster notice that could "
			    "not be delivered", m->id);
		} else if (*m->env.sender != '\0') {
			if (S.nreport < BOUNCE_CONC && !S.stopping &&
			    start_report(m, failed > 0 ? DSN_BOUNCE :
			    DSN_SUCCESS) == 0)
				return;
			msg_defer(m, t + 10);
			return;
		}
	}
	log_info("done qid=%s", m->id);
	msg_remove(m);
}

/* ------------------------------------------------------- results */

static int64_t
lifetime_of(const struct msg *m)
{
	return (int64_t)(*m->env.sender == '\0' || is_double_bounce(m) ?
	    S.cfg.bounce_lifetime : S.cfg.lifetime);
}

/* Records one delivery's result (in rec and in memory) and logs it. */
static void
result(struct msg *m, size_t i, enum qresult res, const char *mta,
    const char *diag, struct str *rec)
{
	struct qrcpt *r = &m->qs.r[i];
	int64_t t = now(), next = 0;
	char retry[40] = "";

	if (mta == NULL)
		mta = "";
	if (diag == NULL)
		diag = "";
	if (res == QRES_TEMP) {
		if (t - m->arrival >= lifetime_of(m)) {
			res = QRES_EXPIRED;
		} else {
			next = t + (int64_t)qstate_backoff(r->attempts + 1,
			    S.cfg.min_backoff, S.cfg.max_backoff);
			snprintf(retry, sizeof retry, " retry=+%llds",
			    (long long)(next - t));
		}
	}
	if (qstate_fmt_result(rec, (unsigned)i, t, res, next, mta, diag) < 0 ||
	    qstate_apply(r, t, res, next, mta, diag) < 0)
		log_error("qid=%s unable to record a result: %s", m->id,
		    strerror(errno));
	/* The one line per attempt. */
	log_info("delivery qid=%s rcpt=<%s> kind=%s result=%s delay=%llds "
	    "attempt=%u%s%s%s diag=%s", m->id, r->addr,
	    qstate_kind_name(r->kind), qstate_result_name(res),
	    (long long)(t - m->arrival), r->attempts, *mta != '\0' ?
	    " relay=" : "", mta, retry, *diag != '\0' ? diag : "-");
}

/* Records a temporary failure for deliveries that could not start. */
static void
temp_now(struct msg *m, const size_t *idx, size_t n, const char *diag)
{
	struct str rec = STR_INIT;

	for (size_t k = 0; k < n; k++)
		result(m, idx[k], QRES_TEMP, "", diag, &rec);
	(void)state_append(m, &rec);
	str_free(&rec);
}

/* The last non-empty line of a program's output. */
static void
last_line(const struct str *out, char *buf, size_t n)
{
	size_t end = out->len, start;

	while (end > 0 && (out->s[end - 1] == '\n' || out->s[end - 1] == '\r'))
		end--;
	start = end;
	while (start > 0 && out->s[start - 1] != '\n')
		start--;
	if (end - start >= n)
		end = start + n - 1;
	if (end > start)
		memcpy(buf, out->s + start, end - start);
	buf[end - start] = '\0';
}

static void
local_done(struct job *j, struct str *rec)
{
	char diag[DIAG_MAX];
	enum qresult res;
	int code = WIFEXITED(j->status) ? WEXITSTATUS(j->status) : -1;

	last_line(&j->out, diag, sizeof diag);
	if (j->killed) {
		res = QRES_TEMP;
		snprintf(diag, sizeof diag, "4.3.0 delivery timed out");
	} else if (code == 0) {
		res = QRES_OK;
	} else if (code == 100) {
		res = QRES_PERM;
		if (diag[0] == '\0')
			snprintf(diag, sizeof diag, "5.3.0 delivery failed");
	} else {
		res = QRES_TEMP;
		if (diag[0] == '\0')
			snprintf(diag, sizeof diag, "4.3.0 localspawn %s %d",
			    code >= 0 ? "exited" : "killed by signal",
			    code >= 0 ? code : WTERMSIG(j->status));
	}
	result(j->m, j->idx[0], res, "", diag, rec);
}

static void
remote_done(struct job *j, struct str *rec)
{
	int code = WIFEXITED(j->status) ? WEXITSTATUS(j->status) : -1;
	size_t pos = 0, k = 0;
	char why[120];

	if (j->killed)
		snprintf(why, sizeof why, "4.4.2 smtp-remote timed out");
	else if (code != 0)
		snprintf(why, sizeof why, "4.3.0 smtp-remote %s %d",
		    code >= 0 ? "exited" : "killed by signal",
		    code >= 0 ? code : WTERMSIG(j->status));
	else
		snprintf(why, sizeof why, "4.3.0 no result from smtp-remote");
	while (code == 0 && !j->killed && k < j->nidx && pos < j->out.len) {
		char *line = j->out.s + pos, *lf = memchr(line, '\n',
		    j->out.len - pos);
		char *f[4];
		size_t nf = 1;
		enum qresult res;

		if (lf == NULL)
			break;
		*lf = '\0';
		pos = (size_t)(lf - j->out.s) + 1;
		f[0] = line;
		for (char *c = line; *c != '\0' && nf < 4; c++)
			if (*c == '\t') {
				*c = '\0';
				f[nf++] = c + 1;
			}
		if (nf != 4 || strcmp(f[1], j->m->qs.r[j->idx[k]].addr) != 0) {
			snprintf(why, sizeof why, "4.3.0 smtp-remote: bad "
			    "result line");
			break;
		}
		if (strcmp(f[0], "ok") == 0)
			res = QRES_OK;
		else if (strcmp(f[0], "perm") == 0)
			res = QRES_PERM;
		else if (strcmp(f[0], "temp") == 0)
			res = QRES_TEMP;
		else {
			snprintf(why, sizeof why, "4.3.0 smtp-remote: bad "
			    "status");
			break;
		}
		result(j->m, j->idx[k], res, f[2], f[3], rec);
		k++;
	}
	/* Those without a line: a temporary failure. */
	for (; k < j->nidx; k++)
		result(j->m, j->idx[k], QRES_TEMP, "", why, rec);
}

static void
report_done(struct job *j)
{
	struct msg *m = j->m;
	int ok = WIFEXITED(j->status) && WEXITSTATUS(j->status) == 0 &&
	    !j->killed;
	struct str rec = STR_INIT;
	static const char *const names[] = { "bounce", "delay warning",
		"success report", "postmaster notice" };

	m->reporting = 0;
	if (!ok) {
		log_warn("qid=%s unable to send the %s; trying again later",
		    m->id, names[j->report]);
		if (j->report == DSN_DELAY)
			m->qs.warned = now(); /* one try at a warning only */
		else
			m->report_failed = 1;
		return;
	}
	log_info("qid=%s sent a %s", m->id, names[j->report]);
	if (j->report == DSN_DELAY) {
		if (qstate_fmt_warned(&rec, now()) == 0)
			pend_add(m, &rec);
		m->qs.warned = now();
	} else {
		if (qstate_fmt_done(&rec, now(), names[j->report]) == 0)
			pend_add(m, &rec);
		m->qs.done = now();
	}
	str_free(&rec);
}

static void
job_unlink(struct job *j)
{
	struct job **pp = &S.jobs;

	while (*pp != j)
		pp = &(*pp)->next;
	*pp = j->next;
	if (j->type == JOB_LOCAL)
		S.nlocal--;
	else if (j->type == JOB_REMOTE)
		S.nremote--;
	else
		S.nreport--;
}

static void
job_done(struct job *j)
{
	struct msg *m = j->m;
	struct str rec = STR_INIT;

	job_unlink(j);
	if (j->outfd >= 0)
		close(j->outfd);
	m->inflight--;
	for (size_t i = 0; i < j->nidx; i++)
		m->busy[j->idx[i]] = 0;
	dom_release(j->dom);
	if (S.stopping && j->type != JOB_REPORT && j->killed) {
		/* Cut short by the shutdown: the next run tries again. */
	} else if (j->type == JOB_LOCAL) {
		local_done(j, &rec);
	} else if (j->type == JOB_REMOTE) {
		remote_done(j, &rec);
	} else {
		report_done(j);
	}
	pend_add(m, &rec);
	str_free(&rec);
	str_free(&j->out);
	free(j->idx);
	free(j);
}

/* Reads what a program wrote; the tail is kept if it says too much. */
static void
job_read(struct job *j)
{
	char buf[8192];

	for (;;) {
		ssize_t n = read(j->outfd, buf, sizeof buf);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
				close(j->outfd);
				j->outfd = -1;
			}
			return;
		}
		if (j->out.len + (size_t)n > OUT_MAX) {
			/* Keep the start: remote's lines come first. */
			continue;
		}
		if (str_append(&j->out, buf, (size_t)n) < 0)
			return;
	}
}

static void
reap(void)
{
	for (;;) {
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);
		struct job *j;

		if (pid <= 0)
			return;
		for (j = S.jobs; j != NULL && j->pid != pid; j = j->next)
			;
		if (j == NULL)
			continue;
		j->status = st;
		j->reaped = 1;
		if (j->outfd >= 0)
			job_read(j); /* everything it wrote is in the pipe */
		job_done(j);
	}
}

/* -------------------------------------------------------- scheduling */

static int
due(const struct qrcpt *r, int64_t t)
{
	return r->state == QS_PENDING && r->next <= t;
}

static void
schedule(void)
{
	int64_t t = now();
	struct msg *m, *nx;

	for (m = S.head; m != NULL; m = nx) {
		int waiting = 0;

		nx = m->next;
		if (S.stopping)
			break;
		if (m->report_failed && m->inflight == 0) {
			/* enqueue failed: try the report again later. */
			m->report_failed = 0;
			msg_defer(m, t + (int64_t)S.cfg.min_backoff);
			continue;
		}
		if (!m->deleted && !m->reporting) {
			for (size_t i = 0; i < m->qs.n; i++) {
				struct qrcpt *r = &m->qs.r[i];
				struct dom *d;

				if (m->busy[i] || !due(r, t))
					continue;
				if (r->kind == QK_REMOTE) {
					if (S.nremote >= S.cfg.remote_conc) {
						waiting = 1;
						continue;
					}
					d = dom_get(r->target, 1);
					if (d == NULL || d->running >=
					    S.cfg.dest_conc) {
						waiting = 1;
						continue;
					}
					if (start_remote(m, i, d) < 0)
						waiting = 1;
					dom_drop_idle(d);
				} else if (r->kind != QK_ERROR) {
					if (S.nlocal >= S.cfg.local_conc ||
					    start_local(m, i) < 0)
						waiting = 1;
				}
			}
		}
		if (m->inflight == 0 && !waiting)
			settle(m);
	}
}

/* ------------------------------------------------------- directories */

static int
valid_id(const char *name)
{
	return name[0] != '.' && strlen(name) < UNIQ_MAX &&
	    strchr(name, '/') == NULL;
}

static void
scan_todo(void)
{
	int64_t t = now();

	if (S.todo_scan == NULL) {
		int fd;

		if (!S.todo_dirty && t < S.next_todo_scan)
			return;
		fd = openat(S.todofd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || (S.todo_scan = fdopendir(fd)) == NULL) {
			if (fd >= 0)
				close(fd);
			log_error("unable to read todo/: %s", strerror(errno));
			S.next_todo_scan = t + (int64_t)S.cfg.run_delay;
			return;
		}
		S.todo_dirty = 0;
	}
	for (int k = 0; k < SCAN_BATCH && S.nactive < S.cfg.active_limit; k++) {
		struct dirent *de = readdir(S.todo_scan);

		if (de == NULL) {
			closedir(S.todo_scan);
			S.todo_scan = NULL;
			S.next_todo_scan = t + (int64_t)S.cfg.run_delay;
			break;
		}
		if (valid_id(de->d_name))
			take(de->d_name);
	}
	batch_flush();
}

static void
scan_queue(void)
{
	int64_t t = now();

	if (S.queue_scan == NULL) {
		int fd;

		if (t < S.next_queue_scan && !S.flush)
			return;
		fd = openat(S.queuefd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || (S.queue_scan = fdopendir(fd)) == NULL) {
			if (fd >= 0)
				close(fd);
			log_error("unable to read queue/: %s", strerror(errno));
			S.next_queue_scan = t + (int64_t)S.cfg.run_delay;
			return;
		}
	}
	for (int k = 0; k < SCAN_BATCH && S.nactive < S.cfg.active_limit; k++) {
		struct dirent *de = readdir(S.queue_scan);
		struct stat st;
		char path[UNIQ_MAX + 8];

		if (de == NULL) {
			closedir(S.queue_scan);
			S.queue_scan = NULL;
			S.flush = 0;
			S.next_queue_scan = t + (int64_t)S.cfg.run_delay;
			break;
		}
		if (!valid_id(de->d_name) || msg_find(de->d_name) != NULL)
			continue;
		snprintf(path, sizeof path, "%s/state", de->d_name);
		if (fstatat(S.queuefd, path, &st, 0) == 0 && !S.flush &&
		    st.st_mtime > t)
			continue; /* not due yet */
		batch_load(de->d_name);
	}
	batch_flush();
}

/* Removes tmp/ entries enqueue left behind (older than 36 hours). */
static void
clean_tmp(void)
{
	int fd = openat(S.tmpfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	int64_t t = now();

	S.next_tmp_clean = t + 3600;
	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		int sub;

		if (de->d_name[0] == '.' ||
		    fstatat(S.tmpfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    t - (int64_t)st.st_mtime < TMP_MAX_AGE)
			continue;
		sub = openat(S.tmpfd, de->d_name, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC | O_NOFOLLOW);
		if (sub >= 0) {
			(void)unlinkat(sub, "mess", 0);
			(void)unlinkat(sub, "env", 0);
			close(sub);
			(void)unlinkat(S.tmpfd, de->d_name, AT_REMOVEDIR);
		} else {
			(void)unlinkat(S.tmpfd, de->d_name, 0);
		}
		log_info("removed stale tmp/%s", de->d_name);
	}
	closedir(d);
}

/* --------------------------------------------------------- events */

static void
flush_all(void)
{
	S.flush = 1;
	S.todo_dirty = 1;
	for (struct msg *m = S.head; m != NULL; m = m->next)
		for (size_t i = 0; i < m->qs.n; i++)
			m->qs.r[i].next = 0;
	if (S.queue_scan != NULL) {
		/* Start over so entries already passed are seen. */
		closedir(S.queue_scan);
		S.queue_scan = NULL;
	}
}

static void
trigger_line(const char *line)
{
	if (*line == '\0') {
		S.todo_dirty = 1;
	} else if (strcmp(line, "FLUSH") == 0 ||
	    strncmp(line, "ETRN ", 5) == 0) {
		log_info("flush requested");
		flush_all();
	} else if (strncmp(line, "DELETE ", 7) == 0) {
		struct msg *m = msg_find(line + 7);

		if (m != NULL)
			m->deleted = 1;
		S.next_queue_scan = 0;
	}
}

static void
read_trigger(void)
{
	char buf[4096];

	for (;;) {
		ssize_t n = read(S.trigfd, buf, sizeof buf);
		size_t start = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		for (size_t i = 0; i < (size_t)n; i++) {
			if (buf[i] != '\n')
				continue;
			if (S.trig.len + (i - start) <= TRIGGER_LINE_MAX &&
			    str_append(&S.trig, buf + start, i - start) == 0 &&
			    S.trig.len <= TRIGGER_LINE_MAX) {
				if (str_appendc(&S.trig, '\0') == 0)
					trigger_line(S.trig.s);
			}
			str_clear(&S.trig);
			start = i + 1;
		}
		if (start < (size_t)n &&
		    S.trig.len + ((size_t)n - start) <= TRIGGER_LINE_MAX)
			(void)str_append(&S.trig, buf + start, (size_t)n - start);
	}
}

static void
reload(void)
{
	struct cfg c;
	struct control_err err;
	char why[512];

	if (cfg_load(&c, &err) < 0) {
		control_err_format(&err, why, sizeof why);
		log_error("control files not reloaded: %s", why);
		cfg_free(&c);
		return;
	}
	cfg_free(&S.cfg);
	S.cfg = c;
	log_info("control files reloaded");
}

static void
read_signals(void)
{
	struct signalfd_siginfo si;

	while (read(S.sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap();
			break;
		case SIGTERM:
		case SIGINT:
			if (!S.stopping) {
				log_info("stopping: waiting for %u deliveries",
				    S.nlocal + S.nremote + S.nreport);
				S.stopping = 1;
				S.stop_deadline = now() +
				    (int64_t)S.cfg.shutdown_time;
			}
			break;
		case SIGHUP:
			reload();
			break;
		case SIGALRM:
			log_info("retrying everything now");
			flush_all();
			break;
		}
	}
}

/* Kills programs that ran past their time. */
static void
timeouts(void)
{
	int64_t t = now();

	for (struct job *j = S.jobs; j != NULL; j = j->next)
		if (!j->killed && (t >= j->deadline ||
		    (S.stopping && t >= S.stop_deadline))) {
			log_warn("qid=%s pid %d ran too long: killed", j->m->id,
			    (int)j->pid);
			j->killed = 1;
			kill(j->pid, SIGKILL);
		}
}

static int
next_timeout_ms(void)
{
	int64_t t = now(), until = t + 3600;

	if (S.todo_dirty || (S.flush && S.nactive < S.cfg.active_limit) ||
	    (S.todo_scan != NULL && S.nactive < S.cfg.active_limit) ||
	    (S.queue_scan != NULL && S.nactive < S.cfg.active_limit))
		return 0;
	if (S.next_queue_scan < until)
		until = S.next_queue_scan;
	if (S.next_todo_scan < until)
		until = S.next_todo_scan;
	for (struct job *j = S.jobs; j != NULL; j = j->next)
		if (j->deadline < until)
			until = j->deadline;
	if (S.stopping && S.stop_deadline < until)
		until = S.stop_deadline;
	/* Recipients due soon in messages still held. */
	for (struct msg *m = S.head; m != NULL; m = m->next)
		for (size_t i = 0; i < m->qs.n; i++)
			if (m->qs.r[i].state == QS_PENDING && !m->busy[i] &&
			    m->qs.r[i].next < until)
				until = m->qs.r[i].next;
	if (until <= t)
		return 1000; /* poll again soon, not busily */
	return (int)((until - t) * 1000 > 3600000 ? 3600000 :
	    (until - t) * 1000);
}

static void
run(void)
{
	struct pollfd *pfd = NULL;
	struct job **pj = NULL;
	size_t cap = 0;

	clean_tmp();
	for (;;) {
		size_t n = 0, njobs = 0;
		int r;

		commit_pending();
		if (S.stopping && S.jobs == NULL)
			break;
		if (!S.stopping) {
			scan_todo();
			scan_queue();
			if (now() >= S.next_tmp_clean)
				clean_tmp();
		}
		schedule();
		timeouts();
		for (struct job *j = S.jobs; j != NULL; j = j->next)
			njobs++;
		if (njobs + 2 > cap) {
			cap = njobs + 16;
			free(pfd);
			free(pj);
			pfd = calloc(cap, sizeof *pfd);
			pj = calloc(cap, sizeof *pj);
			if (pfd == NULL || pj == NULL)
				log_die(RC_TEMP, "out of memory");
		}
		pfd[n].fd = S.sigfd;
		pfd[n++].events = POLLIN;
		pfd[n].fd = S.trigfd;
		pfd[n++].events = POLLIN;
		for (struct job *j = S.jobs; j != NULL; j = j->next)
			if (j->outfd >= 0) {
				pj[n] = j;
				pfd[n].fd = j->outfd;
				pfd[n++].events = POLLIN;
			}
		r = poll(pfd, (nfds_t)n, next_timeout_ms());
		if (r < 0 && errno != EINTR)
			log_die(RC_TEMP, "poll: %s", strerror(errno));
		if (r <= 0)
			continue;
		for (size_t i = 2; i < n; i++)
			if (pfd[i].revents != 0)
				job_read(pj[i]);
		if (pfd[1].revents != 0)
			read_trigger();
		if (pfd[0].revents != 0)
			read_signals();
	}
	free(pfd);
	free(pj);
	/* Children still running are left to finish or be killed; their
	 * recipients stay pending, so the next run delivers them (maybe
	 * twice). */
	log_info("stopped");
}

/* ------------------------------------------------------------ main */

static int
open_dir(const char *name, int create)
{
	int fd = openat(S.spoolfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT && create) {
		if (mkdirat(S.spoolfd, name, 0750) < 0 && errno != EEXIST)
			log_die(RC_TEMP, "unable to create %s/%s: %s", S.spool,
			    name, strerror(errno));
		fd = openat(S.spoolfd, name, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);
	}
	if (fd < 0)
		log_die(RC_TEMP, "unable to open %s/%s: %s", S.spool, name,
		    strerror(errno));
	return fd;
}

static void
find_libexec(void)
{
	const char *e = getenv("FACTEUR_LIBEXEC");
	ssize_t n;
	char *slash;

	if (e != NULL && *e != '\0') {
		snprintf(S.libexec, sizeof S.libexec, "%s", e);
		return;
	}
	n = readlink("/proc/self/exe", S.libexec, sizeof S.libexec - 1);
	if (n <= 0)
		log_die(RC_TEMP, "unable to find my own directory; set "
		    "FACTEUR_LIBEXEC");
	S.libexec[n] = '\0';
	slash = strrchr(S.libexec, '/');
	if (slash != NULL)
		*slash = '\0';
}

static void
usage(void)
{
	log_die(RC_USAGE, "usage: queued [-t] [-d fd]");
}

int
main(int argc, char **argv)
{
	struct control_err err;
	sigset_t mask;
	int opt, check = 0, notify_fd = -1;
	char why[512];
	uint64_t v;

	log_init(argv[0]);
	while ((opt = getopt(argc, argv, "td:")) != -1) {
		if (opt == 't') {
			check = 1;
		} else if (opt == 'd') {
			if (num_u64z(optarg, 1023, &v) != 0 || v < 3)
				log_die(RC_USAGE, "bad -d %s", optarg);
			notify_fd = (int)v;
		} else {
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (cfg_load(&S.cfg, &err) < 0) {
		control_err_format(&err, why, sizeof why);
		if (check) {
			fprintf(stderr, "%s\n", why);
			return 1;
		}
		log_die(RC_TEMP, "bad control file: %s", why);
	}
	if (check)
		return 0;
	umask(027);
	signal(SIGPIPE, SIG_IGN);
	find_libexec();
	S.spool = getenv("FACTEUR_SPOOL");
	if (S.spool == NULL || *S.spool == '\0')
		S.spool = SPOOL_DEFAULT;
	S.spoolfd = open(S.spool, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (S.spoolfd < 0)
		log_die(RC_TEMP, "unable to open the spool %s: %s", S.spool,
		    strerror(errno));
	S.lockfd = openat(S.spoolfd, "queued.lock", O_RDWR | O_CREAT |
	    O_CLOEXEC, 0640);
	if (S.lockfd < 0)
		log_die(RC_TEMP, "unable to open queued.lock: %s",
		    strerror(errno));
	if (flock(S.lockfd, LOCK_EX | LOCK_NB) < 0)
		log_die(RC_TEMP, "another queued runs on %s", S.spool);
	S.todofd = open_dir("todo", 1);
	S.tmpfd = open_dir("tmp", 1);
	S.queuefd = open_dir("queue", 1);
	if (mkfifoat(S.spoolfd, "trigger", 0620) == 0) {
		/* Group-writable whatever the umask: enqueue runs setgid. */
		if (fchmodat(S.spoolfd, "trigger", 0620, 0) < 0)
			log_warn("unable to chmod the trigger: %s",
			    strerror(errno));
	} else if (errno != EEXIST) {
		log_die(RC_TEMP, "unable to make the trigger: %s",
		    strerror(errno));
	}
	S.trigfd = openat(S.spoolfd, "trigger", O_RDONLY | O_NONBLOCK |
	    O_CLOEXEC);
	/* A writer of our own, so the FIFO never reads as ended. */
	S.trigwfd = S.trigfd < 0 ? -1 : openat(S.spoolfd, "trigger",
	    O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (S.trigfd < 0 || S.trigwfd < 0)
		log_die(RC_TEMP, "unable to open the trigger: %s",
		    strerror(errno));
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGALRM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		log_die(RC_TEMP, "sigprocmask: %s", strerror(errno));
	S.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (S.sigfd < 0)
		log_die(RC_TEMP, "signalfd: %s", strerror(errno));
	S.todo_dirty = 1;
	S.next_queue_scan = 0;
	log_info("started spool=%s libexec=%s", S.spool, S.libexec);
	if (notify_fd >= 0) {
		/* s6 readiness: one newline, then the descriptor is gone. */
		if (write(notify_fd, "\n", 1) != 1)
			log_warn("unable to notify readiness: %s",
			    strerror(errno));
		close(notify_fd);
	}
	run();
	return RC_OK;
}
