/*
 * enqueue: the only way into the spool, with the qmail-queue interface.
 *
 * Reads the message on fd 0 and then the envelope on fd 1 (Fsender\0,
 * Trecipient\0 ..., \0, plus facteur's extended records), writes both
 * into spool/tmp/ID/, fsyncs, renames the directory to spool/todo/ID and
 * pokes the scheduler through spool/trigger.  See enqueue(8) and
 * facteur-spool(5) for the format; exit codes are qmail-queue's.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "durable.h"
#include "io.h"
#include "log.h"
#include "str.h"
#include "uniq.h"

/* qmail-queue's exit codes (qmail-queue(8)). */
enum {
	QQ_OK = 0,
	QQ_ADDR_TOO_LONG = 11,
	QQ_NOMEM = 51,
	QQ_TIMEOUT = 52,
	QQ_WRITE = 53,
	QQ_READ = 54,
	QQ_CONFIG = 55,
	QQ_HOME = 61,
	QQ_QUEUE = 62,
	QQ_BUG = 81,
	QQ_ENVELOPE = 91,
};

#define SPOOL_DEFAULT "/var/spool/facteur"
#define ADDR_MAX 1000		      /* one address, bytes */
#define ENV_MAX (16u * 1024 * 1024)   /* the whole envelope */
#define RCPT_MAX 100000
#define READ_TIMEOUT_MS (86400 * 1000) /* qmail-queue's one day */
#define FILE_MODE 0640
#define DIR_MODE 0750

struct job {
	int tmpfd, todofd, idfd;
	char id[UNIQ_MAX];
	int dir_made, mess_made, env_made;
};

static struct job job = { -1, -1, -1, "", 0, 0, 0 };

/* Removes what this run left in tmp/ (best effort) and exits. */
static void __attribute__((noreturn))
die(int code, const char *what, int err)
{
	if (what != NULL)
		log_error("unable to %s: %s", what,
		    err ? strerror(err) : "bad input");
	if (job.idfd >= 0) {
		if (job.mess_made)
			(void)unlinkat(job.idfd, "mess", 0);
		if (job.env_made)
			(void)unlinkat(job.idfd, "env", 0);
	}
	if (job.dir_made)
		(void)unlinkat(job.tmpfd, job.id, AT_REMOVEDIR);
	_exit(code);
}

static int
io_code(int err, int reading)
{
	if (err == ETIMEDOUT)
		return QQ_TIMEOUT;
	if (err == ENOMEM)
		return QQ_NOMEM;
	return reading ? QQ_READ : QQ_WRITE;
}

/* Copies fd 0 into mess, fsyncs it. */
static void
copy_message(int outfd, uint64_t *bytes_r)
{
	struct rbuf *rb = malloc(sizeof *rb);
	uint64_t total = 0;

	if (rb == NULL)
		die(QQ_NOMEM, "allocate", ENOMEM);
	rbuf_init(rb, 0, READ_TIMEOUT_MS);
	for (;;) {
		ssize_t r = rbuf_fill(rb);

		if (r < 0)
			die(io_code(errno, 1), "read the message", errno);
		if (r == 0)
			break;
		if (durable_write(outfd, rb->buf + rb->pos, (size_t)r) < 0)
			die(io_code(errno, 0), "write the message", errno);
		rb->pos += (size_t)r;
		total += (uint64_t)r;
	}
	free(rb);
	if (durable_fsync(outfd) < 0)
		die(QQ_WRITE, "fsync the message", errno);
	*bytes_r = total;
}

static int
addr_ok(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch < 0x20 || ch == 0x7f)
			return 0;
	}
	return 1;
}

/* NEVER, or a comma list of SUCCESS, FAILURE, DELAY (RFC 3461). */
static int
notify_ok(const char *v)
{
	char buf[64];
	char *tok, *save = NULL;

	if (strcmp(v, "NEVER") == 0)
		return 1;
	if (strlen(v) >= sizeof buf || *v == ',' || v[strlen(v) - 1] == ',')
		return 0;
	strcpy(buf, v);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		if (strcmp(tok, "SUCCESS") != 0 && strcmp(tok, "FAILURE") != 0 &&
		    strcmp(tok, "DELAY") != 0)
			return 0;
	return 1;
}

/*
 * Reads the envelope from fd 1 and builds the env file's contents in
 * out.  Records are checked one by one; see facteur-spool(5).
 */
static void
read_envelope(struct str *out, size_t *rcpts_r)
{
	struct rbuf *rb = malloc(sizeof *rb);
	struct str rec = STR_INIT;
	size_t total = 0, rcpts = 0;
	int seen_f = 0, in_rcpt = 0, seen_notify = 0, seen_orcpt = 0;
	unsigned seen_global = 0;

	if (rb == NULL)
		die(QQ_NOMEM, "allocate", ENOMEM);
	rbuf_init(rb, 1, READ_TIMEOUT_MS);
	for (;;) {
		char type;
		const char *v;
		size_t vlen;

		/* One record: bytes up to a NUL. */
		str_clear(&rec);
		for (;;) {
			unsigned char ch;
			ssize_t r = rbuf_read(rb, &ch, 1);

			if (r < 0)
				die(io_code(errno, 1), "read the envelope",
				    errno);
			if (r == 0)
				die(QQ_READ, "read the envelope",
				    0); /* EOF before the final \0 */
			if (++total > ENV_MAX)
				die(QQ_ENVELOPE, "accept the envelope (too big)",
				    0);
			if (ch == 0)
				break;
			if (rec.len > ADDR_MAX + 1)
				die(QQ_ADDR_TOO_LONG, "accept an address (too long)",
				    0);
			if (str_appendc(&rec, (char)ch) < 0)
				die(QQ_NOMEM, "allocate", errno);
		}
		if (rec.len == 0)
			break; /* the end of the envelope */
		type = rec.s[0];
		v = rec.s + 1;
		vlen = rec.len - 1;
		if (!seen_f && type != 'F')
			die(QQ_ENVELOPE, "accept the envelope (no F first)", 0);
		switch (type) {
		case 'F':
			if (seen_f++)
				die(QQ_ENVELOPE, "accept the envelope (two F)", 0);
			if (!addr_ok(v, vlen))
				die(QQ_ENVELOPE, "accept the sender", 0);
			break;
		case 'T':
			if (vlen == 0 || !addr_ok(v, vlen))
				die(QQ_ENVELOPE, "accept a recipient", 0);
			if (++rcpts > RCPT_MAX)
				die(QQ_ENVELOPE, "accept the envelope (too many "
				    "recipients)", 0);
			in_rcpt = 1;
			seen_notify = seen_orcpt = 0;
			break;
		case 'N': /* NOTIFY of the recipient before */
		case 'O': /* ORCPT of the recipient before */
			if (!in_rcpt || (type == 'N' ? seen_notify++ :
			    seen_orcpt++) || vlen == 0 || !addr_ok(v, vlen))
				die(QQ_ENVELOPE, "accept a DSN record", 0);
			if (type == 'N' ? !notify_ok(v) : strchr(v, ';') == NULL)
				die(QQ_ENVELOPE, "accept a DSN record", 0);
			break;
		case 'E': /* ENVID */
		case 'R': /* RET */
		case 'B': /* BODY */
		case 'U': /* SMTPUTF8 */
		case 'A': /* the authenticated user */
		{
			unsigned bit = 1u << (strchr("ERBUA", type) - "ERBUA");

			if (in_rcpt || (seen_global & bit) || !addr_ok(v, vlen))
				die(QQ_ENVELOPE, "accept a message record", 0);
			seen_global |= bit;
			if (type == 'R' && strcmp(v, "FULL") != 0 &&
			    strcmp(v, "HDRS") != 0)
				die(QQ_ENVELOPE, "accept the RET record", 0);
			if (type == 'B' && strcmp(v, "7BIT") != 0 &&
			    strcmp(v, "8BITMIME") != 0)
				die(QQ_ENVELOPE, "accept the BODY record", 0);
			if ((type == 'U') != (vlen == 0))
				die(QQ_ENVELOPE, "accept a message record", 0);
			break;
		}
		default:
			die(QQ_ENVELOPE, "accept the envelope (unknown record)",
			    0);
		}
		if (str_append(out, rec.s, rec.len + 1) < 0)
			die(QQ_NOMEM, "allocate", errno);
	}
	if (!seen_f || rcpts == 0)
		die(QQ_ENVELOPE, "accept the envelope (no recipient)", 0);
	if (str_appendc(out, '\0') < 0)
		die(QQ_NOMEM, "allocate", errno);
	str_free(&rec);
	free(rb);
	*rcpts_r = rcpts;
}

/* Wakes queued; an absent or busy reader is fine. */
static void
poke(int spoolfd)
{
	int fd = openat(spoolfd, "trigger", O_WRONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, "\n", 1) < 0) {
		/* EAGAIN: the pipe is full, so queued has work to read. */
	}
	close(fd);
}

int
main(int argc, char **argv)
{
	const char *spool = getenv("FACTEUR_SPOOL");
	struct str env = STR_INIT, head = STR_INIT;
	uint64_t bytes = 0;
	size_t rcpts = 0;
	time_t now;
	int spoolfd, fd;

	(void)argc;
	log_init(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	umask(027);
	if (spool == NULL || *spool == '\0')
		spool = SPOOL_DEFAULT;
	spoolfd = open(spool, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (spoolfd < 0)
		die(QQ_HOME, "open the spool", errno);
	job.tmpfd = openat(spoolfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	job.todofd = openat(spoolfd, "todo", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (job.tmpfd < 0 || job.todofd < 0)
		die(QQ_QUEUE, "open spool/tmp and spool/todo", errno);
	if (uniq_name(job.id, sizeof job.id, &now) < 0)
		die(QQ_BUG, "make a queue id", errno);
	if (mkdirat(job.tmpfd, job.id, DIR_MODE) < 0)
		die(QQ_QUEUE, "create spool/tmp/ID", errno);
	job.dir_made = 1;
	job.idfd = openat(job.tmpfd, job.id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (job.idfd < 0)
		die(QQ_QUEUE, "open spool/tmp/ID", errno);

	fd = durable_create(job.idfd, "mess", FILE_MODE);
	if (fd < 0)
		die(QQ_QUEUE, "create spool/tmp/ID/mess", errno);
	job.mess_made = 1;
	copy_message(fd, &bytes);
	close(fd);

	if (str_append(&head, "V1", 3) < 0 ||
	    str_printf(&head, "t%lld", (long long)now) < 0 ||
	    str_appendc(&head, '\0') < 0 ||
	    str_printf(&head, "u%lu", (unsigned long)getuid()) < 0 ||
	    str_appendc(&head, '\0') < 0)
		die(QQ_NOMEM, "allocate", errno);
	env = head;
	read_envelope(&env, &rcpts);

	fd = durable_create(job.idfd, "env", FILE_MODE);
	if (fd < 0)
		die(QQ_QUEUE, "create spool/tmp/ID/env", errno);
	job.env_made = 1;
	if (durable_write(fd, env.s, env.len) < 0 || durable_fsync(fd) < 0)
		die(QQ_WRITE, "write spool/tmp/ID/env", errno);
	close(fd);
	if (durable_dirsync(job.idfd) < 0)
		die(QQ_WRITE, "fsync spool/tmp/ID", errno);
	/* The commit point: todo/ID appears whole, or not at all. */
	if (durable_rename(job.tmpfd, job.id, job.todofd, job.id) < 0)
		die(QQ_QUEUE, "move the message into spool/todo", errno);
	job.dir_made = job.mess_made = job.env_made = 0;
	if (durable_dirsync(job.todofd) < 0)
		die(QQ_WRITE, "fsync spool/todo", errno);
	/* tmp/ is not synced: if its old entry came back after a crash it
	 * would only be garbage there, never a second message in todo/. */
	poke(spoolfd);
	str_free(&env);
	return QQ_OK;
}
