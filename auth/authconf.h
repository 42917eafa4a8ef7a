/*
 * Settings shared by checkpw and facteur-passwd: control files in
 * $FACTEUR_ETC (see control.h), each optional.
 *
 *   argon2_passes       t of new hashes (default 2)
 *   argon2_memory       m of new hashes, KiB (default 65536)
 *   argon2_max_passes   ceiling checkpw accepts in a stored hash (8)
 *   argon2_max_memory   ceiling, KiB (262144)
 *   argon2_max_lanes    ceiling on p (4)
 *   checkpw_delay       milliseconds a failed attempt waits (2000)
 *   checkpw_timeout     seconds the whole verification may take (10)
 *
 * The text database is $FACTEUR_ETC/passwd, its cdb passwd.cdb.
 */
#ifndef FACTEUR_AUTHCONF_H
#define FACTEUR_AUTHCONF_H

#include <stddef.h>
#include <stdint.h>

#include "passwd.h"

#define AUTH_PASSWD "passwd"
#define AUTH_CDB "passwd.cdb"
/* The cdb key of the dummy hash unknown users are verified against; no
 * user name can start with ':'. */
#define AUTH_DUMMY_KEY ":dummy"

struct auth_conf {
	struct passwd_cost hash; /* for new hashes */
	struct passwd_cost max;	 /* the most checkpw will verify */
	uint64_t delay_ms;
	uint64_t timeout_s;
};

/*
 * Reads the settings.  Returns 0, or -1 with "file:line:col: reason" in
 * errbuf.
 */
int auth_conf_read(struct auth_conf *c, char *errbuf, size_t n);

#endif
