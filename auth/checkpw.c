/*
 * checkpw — a checkpassword-interface authenticator.
 *
 *   checkpw PROG [ARG...]     with user\0secret\0challenge\0 on fd 3
 *
 * Reads at most 512 bytes from descriptor 3, looks the user up in
 * $FACTEUR_ETC/passwd.cdb, verifies the secret (argon2id, or CRAM-MD5
 * when a challenge is given and the entry has a key), then becomes the
 * user, changes to HOME and execs PROG.  Exit codes are djb's: 1 the
 * secret is wrong (or the user unknown or locked), 2 misuse, 111 a
 * temporary problem; on success the exit code is PROG's.  See checkpw(8).
 */
#include <cdb.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pwd.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "authconf.h"
#include "checkpass.h"
#include "control.h"
#include "log.h"
#include "passwd.h"

enum rc { RC_NO = 1, RC_USAGE = 2, RC_TEMP = 111 };

#define ENV_MAX 64	      /* variables kept from the caller */
#define ENV_VALUE_MAX 1024 /* longer ones are dropped */
#define DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"

static const char *remote_ip = "unknown";
static char peer_buf[INET6_ADDRSTRLEN];

/* The peer's address: TCPREMOTEIP, or else getpeername(0). */
static void
find_remote_ip(void)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	const char *ip = getenv("TCPREMOTEIP");

	if (ip != NULL && *ip != '\0' && strlen(ip) <= 64) {
		remote_ip = ip;
		return;
	}
	if (getpeername(0, (struct sockaddr *)&ss, &sl) < 0)
		return;
	if (ss.ss_family == AF_INET &&
	    inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
	    peer_buf, sizeof peer_buf) != NULL)
		remote_ip = peer_buf;
	else if (ss.ss_family == AF_INET6 &&
	    inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
	    peer_buf, sizeof peer_buf) != NULL)
		remote_ip = peer_buf;
}

static void
on_alarm(int sig)
{
	static const char msg[] = "checkpw: fatal: verification deadline "
				  "passed\n";

	(void)sig;
	if (write(2, msg, sizeof msg - 1) < 0)
		(void)0;
	_exit(RC_TEMP);
}

/* Is the variable s (NAME=VALUE) one the session may see? */
static int
env_keep(const char *s, int secure)
{
	static const char *const prefixes[] = { "TCP", "PROTO=", "SSL" };
	size_t i;

	if (strlen(s) > ENV_VALUE_MAX || strchr(s, '=') == NULL)
		return 0;
	for (i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
		if (strncmp(s, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	/* Paths chosen by the caller are trusted only when the caller
	 * could have run us with its own rights anyway. */
	return !secure && (strncmp(s, "FACTEUR_", 8) == 0 ||
	    strncmp(s, "TZ=", 3) == 0);
}

/*
 * Replaces the environment with the UCSPI variables (and, unless setuid,
 * FACTEUR_*), so nothing the caller set reaches the session or us.
 */
static void
env_clean(int secure)
{
	extern char **environ;
	char *keep[ENV_MAX];
	size_t n = 0, i;
	char **e;

	for (e = environ; e != NULL && *e != NULL && n < ENV_MAX; e++) {
		if (env_keep(*e, secure)) {
			keep[n] = strdup(*e);
			if (keep[n] == NULL)
				log_die(RC_TEMP, "out of memory");
			n++;
		}
	}
	if (clearenv() != 0)
		log_die(RC_TEMP, "unable to clear the environment");
	for (i = 0; i < n; i++)
		if (putenv(keep[i]) != 0)
			log_die(RC_TEMP, "out of memory");
	if (setenv("PATH", DEFAULT_PATH, 1) != 0)
		log_die(RC_TEMP, "out of memory");
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * RFC 2195: the response is the hex HMAC-MD5 of the challenge, keyed
 * with the shared secret.  Returns 1 if the response in cp matches.
 */
static int
cram_ok(const struct passwd_entry *e, const struct checkpass *cp)
{
	unsigned char want[EVP_MAX_MD_SIZE], got[16];
	unsigned int wl = 0;
	size_t i;
	int ok;

	if (e->cram_len == 0 || cp->challenge_len == 0 || cp->secret_len != 32)
		return 0;
	for (i = 0; i < 16; i++) {
		int hi = hexval((unsigned char)cp->secret[2 * i]);
		int lo = hexval((unsigned char)cp->secret[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return 0;
		got[i] = (unsigned char)(hi * 16 + lo);
	}
	if (HMAC(EVP_md5(), e->cram, (int)e->cram_len,
	    (const unsigned char *)cp->challenge, cp->challenge_len, want,
	    &wl) == NULL || wl != 16)
		log_die(RC_TEMP, "unable to compute HMAC-MD5");
	ok = sodium_memcmp(want, got, 16) == 0;
	sodium_memzero(want, sizeof want);
	sodium_memzero(got, sizeof got);
	return ok;
}

/* Looks key up; returns 1 with the value in buf, 0 if absent. */
static int
lookup(int fd, const char *key, size_t klen, char *buf, size_t max,
    size_t *len_r)
{
	unsigned dlen;
	int r;

	r = cdb_seek(fd, key, (unsigned)klen, &dlen);
	if (r < 0)
		log_die(RC_TEMP, "unable to read %s/%s: %s", control_dir(),
		    AUTH_CDB, errno ? strerror(errno) : "bad cdb");
	if (r == 0)
		return 0;
	if (dlen > max)
		log_die(RC_TEMP, "%s/%s: record for %s is too long",
		    control_dir(), AUTH_CDB, key[0] == ':' ? key : "user");
	if (cdb_bread(fd, buf, (int)dlen) < 0)
		log_die(RC_TEMP, "unable to read %s/%s: %s", control_dir(),
		    AUTH_CDB, errno ? strerror(errno) : "short file");
	buf[dlen] = '\0';
	*len_r = dlen;
	return 1;
}

/* Switches to the entry's identity, for good; checks that it took. */
static void
become(const struct passwd_entry *e)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg, gid = e->gid;

	if (geteuid() == 0) {
		struct passwd *pw = getpwuid(e->uid);

		/* A system user gets its groups; a virtual one only gid. */
		if (pw != NULL ? initgroups(pw->pw_name, gid) < 0
			       : setgroups(1, &gid) < 0)
			log_die(RC_TEMP, "unable to set groups for uid %lu: %s",
			    (unsigned long)e->uid, strerror(errno));
	} else if (e->uid != geteuid() || e->gid != getegid()) {
		log_die(RC_TEMP, "running as uid %lu gid %lu, unable to "
				 "become uid %lu gid %lu (not root)",
		    (unsigned long)geteuid(), (unsigned long)getegid(),
		    (unsigned long)e->uid, (unsigned long)e->gid);
	}
	if (setresgid(gid, gid, gid) < 0)
		log_die(RC_TEMP, "unable to set gid %lu: %s",
		    (unsigned long)gid, strerror(errno));
	if (setresuid(e->uid, e->uid, e->uid) < 0)
		log_die(RC_TEMP, "unable to set uid %lu: %s",
		    (unsigned long)e->uid, strerror(errno));
	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0 ||
	    ru != e->uid || eu != e->uid || su != e->uid || rg != gid ||
	    eg != gid || sg != gid)
		log_die(RC_TEMP, "identity switch to uid %lu did not take",
		    (unsigned long)e->uid);
	/* uid 0 is refused by the parser, so root must be gone for good. */
	if (setuid(0) == 0 || seteuid(0) == 0)
		log_die(RC_TEMP, "root privileges still present after switch");
}

static void
set_env(const char *name, const char *value)
{
	if (setenv(name, value, 1) != 0)
		log_die(RC_TEMP, "out of memory");
}

static void
fail_login(const struct auth_conf *conf, const struct checkpass *cp,
    const char *why)
{
	struct timespec ts;
	int ul = cp->user_len > PASSWD_USER_MAX ? PASSWD_USER_MAX
						: (int)cp->user_len;

	/* The deadline is for verifying; the delay is meant to be long. */
	alarm(0);
	log_warn("auth failed user=%.*s%s ip=%s reason=%s", ul, cp->user,
	    cp->user_len > PASSWD_USER_MAX ? "..." : "", remote_ip, why);
	ts.tv_sec = (time_t)(conf->delay_ms / 1000);
	ts.tv_nsec = (long)(conf->delay_ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	exit(RC_NO);
}

int
main(int argc, char **argv)
{
	static struct checkpass cp;
	static struct passwd_entry e;
	static char rec[PASSWD_LINE_MAX + 1];
	static char dummy[PASSWD_HASH_MAX + 1];
	struct auth_conf conf;
	struct passwd_err perr;
	struct passwd_cost cost;
	const char *hash, *why;
	char errbuf[512], path[4096];
	size_t len, col;
	int secure, fd, found = 0, ok = 0;

	log_init("checkpw");
	/* Set-id, or started with more rights than the caller: trust
	 * nothing from the caller but fd 3 and argv. */
	secure = getauxval(AT_SECURE) != 0 || getuid() != geteuid() ||
	    getgid() != getegid();
	env_clean(secure);
	/* No core file may hold a secret. */
	{
		struct rlimit rl = { 0, 0 };

		setrlimit(RLIMIT_CORE, &rl);
	}
	/* Setuid root: make the real uid root too, so the caller can no
	 * longer signal us (and, say, cut the failure delay short). */
	if (secure && geteuid() == 0 && setresuid(0, 0, 0) < 0)
		log_die(RC_TEMP, "unable to set uid 0: %s", strerror(errno));
	if (argc < 2)
		log_die(RC_USAGE, "usage: checkpw prog [arg...] "
				  "(with user NUL secret NUL challenge NUL on fd 3)");
	find_remote_ip();
	if (sodium_init() < 0)
		log_die(RC_TEMP, "unable to initialize libsodium");
	if (auth_conf_read(&conf, errbuf, sizeof errbuf) < 0)
		log_die(RC_TEMP, "%s", errbuf);
	signal(SIGALRM, on_alarm);
	alarm((unsigned)conf.timeout_s);

	if (checkpass_read(3, (int)conf.timeout_s * 1000, &cp) < 0) {
		if (errno == E2BIG)
			log_die(RC_USAGE, "more than %d bytes on fd 3",
			    CHECKPASS_MAX);
		if (errno == EINVAL)
			log_die(RC_USAGE, "malformed input on fd 3 (want user "
					  "NUL secret NUL challenge NUL)");
		if (errno == EBADF)
			log_die(RC_USAGE, "fd 3 is not open");
		log_die(RC_TEMP, "unable to read fd 3: %s", strerror(errno));
	}
	close(3);

	snprintf(path, sizeof path, "%s/%s", control_dir(), AUTH_CDB);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		log_die(RC_TEMP, "unable to open %s: %s", path,
		    strerror(errno));
	why = "unknown user";
	if (passwd_user_ok(cp.user, cp.user_len) == 0 &&
	    lookup(fd, cp.user, cp.user_len, rec, PASSWD_LINE_MAX, &len)) {
		if (passwd_parse_line(rec, len, &e, &perr) < 0)
			log_die(RC_TEMP, "%s: entry for %s: column %u: %s",
			    path, cp.user, perr.col, perr.reason);
		sodium_memzero(rec, sizeof rec);
		if (strcmp(e.user, cp.user) != 0)
			log_die(RC_TEMP, "%s: entry for %s is filed under "
					 "another name", path, e.user);
		found = 1;
		hash = e.hash;
		cost = e.cost;
		why = e.locked ? "account locked" : "wrong secret";
	} else {
		/* Verified all the same, so unknown users take as long. */
		if (!lookup(fd, AUTH_DUMMY_KEY, sizeof AUTH_DUMMY_KEY - 1,
		    dummy, PASSWD_HASH_MAX, &len))
			snprintf(dummy, sizeof dummy,
			    "$argon2id$v=19$m=%llu,t=%llu,p=1$"
			    "97McpObsh6JmdT386oa8Tw$"
			    "s64ErQV8FxZCOkIyNMXaoWPa25V4GlzzogBXT0BmI40",
			    (unsigned long long)conf.hash.m_kib,
			    (unsigned long long)conf.hash.t);
		len = strlen(dummy);
		if (passwd_hash_parse(dummy, len, &cost, &col, &why) < 0)
			log_die(RC_TEMP, "%s: dummy hash: column %zu: %s", path,
			    col, why);
		hash = dummy;
		why = cp.user_len == 0 ? "empty user name" : "unknown user";
	}
	close(fd);

	/* Refused before any hashing: a crafted or mistaken entry must not
	 * cost seconds of CPU or gigabytes of memory per attempt. */
	if (!passwd_cost_within(&cost, &conf.max))
		log_die(RC_TEMP, "%s: hash cost m=%llu,t=%llu,p=%llu for %s "
				 "exceeds the ceiling",
		    path, (unsigned long long)cost.m_kib,
		    (unsigned long long)cost.t, (unsigned long long)cost.p,
		    found ? e.user : "unknown users");

	if (found && cram_ok(&e, &cp))
		ok = 1;
	else if (crypto_pwhash_str_verify(hash, cp.secret, cp.secret_len) ==
	    0)
		ok = found;
	if (found && e.locked)
		ok = 0;
	if (!ok) {
		sodium_memzero(&e, sizeof e);
		sodium_memzero(cp.buf + (cp.secret - cp.buf), cp.secret_len);
		fail_login(&conf, &cp, why);
	}
	alarm(0);
	checkpass_wipe(&cp);
	sodium_memzero(e.cram, sizeof e.cram);
	sodium_memzero(e.hash, sizeof e.hash);

	become(&e);
	{
		struct passwd *pw = getpwuid(e.uid);
		char maildir[PASSWD_PATH_MAX + 16];

		if (e.maildir[0] != '\0')
			snprintf(maildir, sizeof maildir, "%s", e.maildir);
		else
			snprintf(maildir, sizeof maildir, "%s%sMaildir/", e.home,
			    e.home[strlen(e.home) - 1] == '/' ? "" : "/");
		set_env("USER", e.user);
		set_env("HOME", e.home);
		set_env("MAILDIR", maildir);
		if (pw != NULL && pw->pw_shell != NULL && pw->pw_shell[0] != '\0')
			set_env("SHELL", pw->pw_shell);
	}
	if (chdir(e.home) < 0)
		log_die(RC_TEMP, "unable to chdir to %s: %s", e.home,
		    strerror(errno));
	log_info("auth ok user=%s ip=%s uid=%lu", e.user, remote_ip,
	    (unsigned long)e.uid);
	execvp(argv[1], argv + 1);
	log_die(RC_TEMP, "unable to run %s: %s", argv[1], strerror(errno));
}
