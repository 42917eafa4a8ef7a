/*
 * maildeliver — deliver one message from stdin into a Maildir.
 *
 *   maildeliver [-cq] [-f sender] [-r recipient] [-m folder] [-Q quota]
 *       [-s maxbytes] MAILDIR
 *   maildeliver -t
 *
 * Exit codes follow qmail: 0 delivered, 100 permanent failure, 111
 * temporary failure, with one line on stderr saying why.  See
 * maildeliver(8).
 */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "maildir.h"
#include "msgfilter.h"
#include "num.h"

enum rc { RC_OK = 0, RC_PERM = 100, RC_TEMP = 111 };

#define ADDR_MAX 998 /* a header line must stay within RFC 5322's 998 */

struct config {
	const char *maildir;
	const char *folder;
	const char *sender;
	const char *rcpt;
	const char *quota_def;
	int create;
	int quota_perm;
	uint64_t size_limit; /* 0: none */
	int check_only;
};

static void
usage(void)
{
	log_die(RC_TEMP, "usage: maildeliver [-cq] [-f sender] [-r recipient] "
			 "[-m folder] [-Q quota] [-s maxbytes] MAILDIR");
}

/* A temporary failure for errno e while doing what. */
static void
die_sys(const char *what, const char *arg)
{
	const char *why = strerror(errno);

	if (errno == ENOSPC)
		why = "file system full";
	else if (errno == EDQUOT)
		why = "disk quota exceeded";
	log_die(RC_TEMP, "unable to %s %s: %s", what, arg, why);
}

static void
check_addr(const char *opt, const char *a)
{
	if (strlen(a) > ADDR_MAX)
		log_die(RC_PERM, "%s address longer than %d bytes", opt,
		    ADDR_MAX);
	if (strpbrk(a, "\r\n") != NULL)
		log_die(RC_PERM, "%s address contains a line break", opt);
}

static void
read_controls(struct config *cfg, int size_given, int perm_given)
{
	struct control_err err;
	char msg[512];
	uint64_t limit;
	int perm;

	if (control_u64("message_size_limit", 0, UINT64_MAX, &limit, &err) < 0 ||
	    control_bool("quota_full_permanent", 0, &perm, &err) < 0) {
		control_err_format(&err, msg, sizeof msg);
		log_die(RC_TEMP, "bad control file: %s", msg);
	}
	if (!size_given)
		cfg->size_limit = limit;
	if (!perm_given)
		cfg->quota_perm = perm;
}

static void
parse_args(int argc, char **argv, struct config *cfg)
{
	int c, size_given = 0, perm_given = 0;

	memset(cfg, 0, sizeof *cfg);
	while ((c = getopt(argc, argv, "cf:m:qQ:r:s:t")) != -1) {
		switch (c) {
		case 'c':
			cfg->create = 1;
			break;
		case 'f':
			cfg->sender = optarg;
			break;
		case 'm':
			cfg->folder = optarg;
			break;
		case 'q':
			cfg->quota_perm = 1;
			perm_given = 1;
			break;
		case 'Q': {
			uint64_t b, n;

			if (maildir_quota_def(optarg, strlen(optarg), &b,
				&n) < 0)
				log_die(RC_TEMP, "bad quota %s: expected "
				    "e.g. 100000000S,10000C", optarg);
			cfg->quota_def = optarg;
			break;
		}
		case 'r':
			cfg->rcpt = optarg;
			break;
		case 's':
			if (num_u64z(optarg, UINT64_MAX, &cfg->size_limit) < 0)
				log_die(RC_TEMP, "bad size limit %s", optarg);
			size_given = 1;
			break;
		case 't':
			cfg->check_only = 1;
			break;
		default:
			usage();
		}
	}
	read_controls(cfg, size_given, perm_given);
	if (cfg->check_only)
		return;
	if (optind != argc - 1 || argv[optind][0] == '\0')
		usage();
	cfg->maildir = argv[optind];
	if (cfg->sender != NULL)
		check_addr("sender", cfg->sender);
	if (cfg->rcpt != NULL)
		check_addr("recipient", cfg->rcpt);
	if (cfg->folder != NULL) {
		char dir[MAILDIR_FOLDER_MAX + 2];

		if (maildir_folder_dir(cfg->folder, dir, sizeof dir) < 0)
			log_die(RC_PERM, "bad folder name %s", cfg->folder);
	}
}

/*
 * Run by root (a site's own delivery agent, a cron job), deliver as the
 * Maildir's owner, so the message belongs to the user and no byte of it
 * is parsed with root's rights.  Root keeps root only for its own mail.
 */
static void
drop_root(const struct config *cfg)
{
	char parent[PATH_MAX];
	struct stat st;
	const char *slash;

	if (geteuid() != 0 && getuid() != 0)
		return;
	if (stat(cfg->maildir, &st) < 0) {
		if (errno != ENOENT || !cfg->create)
			return; /* maildir_open says what is wrong */
		slash = strrchr(cfg->maildir, '/');
		if (slash == NULL)
			snprintf(parent, sizeof parent, ".");
		else if (slash == cfg->maildir)
			snprintf(parent, sizeof parent, "/");
		else
			snprintf(parent, sizeof parent, "%.*s",
			    (int)(slash - cfg->maildir), cfg->maildir);
		if (stat(parent, &st) < 0)
			return;
	}
	if (st.st_uid == 0)
		return;
	if (setgroups(0, NULL) < 0 || setresgid(st.st_gid, st.st_gid,
	    st.st_gid) < 0 || setresuid(st.st_uid, st.st_uid, st.st_uid) < 0)
		log_die(RC_TEMP, "unable to switch to uid %ld: %s",
		    (long)st.st_uid, strerror(errno));
	if (setuid(0) == 0 || geteuid() == 0)
		log_die(RC_TEMP, "unable to drop root");
}

static void
put(struct maildir_msg *m, const void *p, size_t n)
{
	if (maildir_msg_write(m, p, n) < 0) {
		maildir_msg_abort(m);
		die_sys("write to", "tmp/");
	}
}

static void
put_header(struct maildir_msg *m, const char *name, const char *value,
    int angle)
{
	size_t len = strlen(value);

	/* "-f '<a@b>'" and "-f a@b" mean the same sender. */
	if (angle && len >= 2 && value[0] == '<' && value[len - 1] == '>') {
		value++;
		len -= 2;
	}
	put(m, name, strlen(name));
	put(m, angle ? "<" : "", angle ? 1 : 0);
	put(m, value, len);
	put(m, angle ? ">\n" : "\n", angle ? 2 : 1);
}

/* Stops an over-size or over-quota message as soon as it is known. */
static void
check_limits(const struct config *cfg, struct maildir_msg *m,
    const struct maildir_quota *q, int has_quota)
{
	if (cfg->size_limit != 0 && m->size > cfg->size_limit) {
		maildir_msg_abort(m);
		log_die(RC_PERM, "message too big: over %" PRIu64 " bytes",
		    cfg->size_limit);
	}
	if (has_quota && maildir_quota_over(q, m->size)) {
		maildir_msg_abort(m);
		log_die(cfg->quota_perm ? RC_PERM : RC_TEMP,
		    "mailbox over quota: %s", cfg->maildir);
	}
}

static int
run(const struct config *cfg)
{
	static struct maildir_msg m;
	static unsigned char in[65536], out[sizeof in + 1];
	struct maildir md;
	struct maildir_quota q;
	struct msgfilter mf;
	int has_quota;
	ssize_t n;
	size_t o;

	if (maildir_open(&md, cfg->maildir, cfg->folder, cfg->create) < 0) {
		if (errno == ENOENT)
			log_die(RC_TEMP, "unable to open Maildir %s%s%s: "
			    "it does not exist (-c creates it)", cfg->maildir,
			    cfg->folder ? " folder " : "",
			    cfg->folder ? cfg->folder : "");
		die_sys("open Maildir", cfg->maildir);
	}
	has_quota = maildir_quota_get(&md, cfg->quota_def, &q);
	if (has_quota < 0) {
		if (errno == EINVAL)
			log_die(RC_TEMP, "unable to read quota: %s/maildirsize: "
			    "bad quota definition", cfg->maildir);
		die_sys("read quota of", cfg->maildir);
	}
	if (maildir_msg_begin(&md, &m) < 0)
		die_sys("create a file in", "tmp/");
	if (cfg->sender != NULL)
		put_header(&m, "Return-Path: ", cfg->sender, 1);
	if (cfg->rcpt != NULL)
		put_header(&m, "Delivered-To: ", cfg->rcpt, 0);
	msgfilter_init(&mf, cfg->rcpt);
	for (;;) {
		n = read(0, in, sizeof in);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			maildir_msg_abort(&m);
			die_sys("read", "the message");
		}
		if (n == 0)
			break;
		o = msgfilter_feed(&mf, in, (size_t)n, out);
		put(&m, out, o);
		check_limits(cfg, &m, &q, has_quota > 0);
	}
	o = msgfilter_end(&mf, out);
	put(&m, out, o);
	check_limits(cfg, &m, &q, has_quota > 0);
	if (mf.loop) {
		maildir_msg_abort(&m);
		log_die(RC_PERM, "mail loop: already delivered to %s",
		    cfg->rcpt);
	}
	if (maildir_msg_commit(&m) < 0)
		die_sys("deliver into", cfg->maildir);
	/* Delivered.  A stale maildirsize only makes the count late. */
	if (has_quota > 0 && maildir_quota_add(&md, m.size) < 0)
		log_warn("unable to update %s/maildirsize: %s", cfg->maildir,
		    strerror(errno));
	maildir_close(&md);
	return RC_OK;
}

int
main(int argc, char **argv)
{
	struct config cfg;

	log_init(argv[0]);
	parse_args(argc, argv, &cfg);
	if (cfg.check_only)
		return RC_OK;
	drop_root(&cfg);
	return run(&cfg);
}
