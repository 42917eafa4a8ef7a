/*
 * The DHCP lease database: a snapshot plus append-only journals.
 *
 * A directory holds
 *   snapshot           every lease as of the start of generation G
 *                      (first line "facteur-leases 1 G"), replaced
 *                      atomically through durable_replace;
 *   journal.G, ...     one record per line, appended as leases change.
 * Loading reads the snapshot, then every journal of generation >= G in
 * order; the last record for an address wins.  Every record line carries
 * a CRC-32, so a torn last record (power cut in the middle of a write)
 * is recognised and ignored, and cut off before anything is appended
 * behind it.  A bad record elsewhere is skipped and counted.
 *
 * Compaction: lease_db_rotate starts journal G+1 (appends go there from
 * then on); the leases as they were at that point are written with
 * lease_db_snapshot (in a child process, say), which then removes the
 * journals it covers.  A crash at any step leaves a loadable set.
 * Loading holds a shared flock on the directory, the snapshot's
 * replacement and the removal of journals an exclusive one, so a load
 * that runs beside a compaction (a reload, dhcp-leases, a restart while
 * a killed dhcpd's compaction child finishes) sees every record.
 *
 * Durability: lease_db_append only buffers; lease_db_write writes the
 * buffered records with one write(2); lease_db_sync makes them durable
 * (fsync).  A caller sends a reply that depends on a record only after
 * the sync that covers it (group commit: one sync for many records).
 * Every durable step goes through durable.h.
 *
 * Record line (text, so shell tools can read it):
 *   L IP STATE START END HTYPE HW CLIENTID HOSTNAME CRC
 * STATE is active, free or abandoned; START/END are seconds since the
 * epoch; HW and CLIENTID are hex ('-' when empty); HOSTNAME is '-' or
 * the name with bytes outside [A-Za-z0-9._-] replaced by '_'; CRC is the
 * CRC-32 of everything before it, in hex.
 */
#ifndef FACTEUR_DHCPLEASE_H
#define FACTEUR_DHCPLEASE_H

#include <stddef.h>
#include <stdint.h>

#include "str.h"

#define LEASE_CID_MAX 128
#define LEASE_HOST_MAX 63
#define LEASE_LINE_MAX 1024

enum lease_state { LEASE_FREE = 0, LEASE_ACTIVE = 1, LEASE_ABANDONED = 2 };

struct lease_rec {
	uint32_t ip; /* host order */
	uint8_t state;
	int64_t start, end;
	uint8_t htype, hlen;
	uint8_t hw[16];
	uint8_t cidlen;
	uint8_t cid[LEASE_CID_MAX];
	char host[LEASE_HOST_MAX + 1]; /* NUL-terminated, may be empty */
};

/* Formats r as one line (with its LF) into buf; returns the length or
 * -1 (E2BIG, EINVAL for a bad field). */
long lease_format(const struct lease_rec *r, char *buf, size_t cap);
/* Parses one line (without its LF); 0, or -1 (EINVAL) if malformed or
 * its CRC does not match. */
int lease_parse(const char *line, size_t len, struct lease_rec *r);

struct lease_stats {
	size_t records;   /* records loaded */
	size_t bad;       /* bad records skipped (not counting a torn tail) */
	size_t torn;      /* 1 if the last journal ended in a torn record */
	size_t journals;  /* journals read */
	uint64_t gen;     /* the newest generation */
};

typedef void lease_cb(void *ctx, const struct lease_rec *r);

/*
 * Reads the database in dir (read-only), calling cb for each record in
 * order.  A missing directory content is an empty database.  0 or -1.
 */
int lease_db_load(const char *dir, lease_cb *cb, void *ctx,
    struct lease_stats *st);

struct lease_db {
	int dirfd;
	int fd;          /* the current journal, O_APPEND */
	uint64_t gen;
	struct str pending;  /* formatted, not yet written */
	uint64_t appended;   /* records appended so far */
	uint64_t written;    /* of those, written to the file */
};

/*
 * Loads (as lease_db_load, creating dir if missing), cuts a torn tail
 * off the newest journal, and opens it for appending (creating
 * journal.1 in an empty database).  0 or -1.
 */
int lease_db_open(const char *dir, lease_cb *cb, void *ctx,
    struct lease_db *db, struct lease_stats *st);
/* Buffers one record; 0 or -1. */
int lease_db_append(struct lease_db *db, const struct lease_rec *r);
/* Writes every buffered record with one write; 0 or -1. */
int lease_db_write(struct lease_db *db);
/* fsyncs the journal (what lease_db_write wrote is then durable). */
int lease_db_sync(struct lease_db *db);
/*
 * Writes and syncs what is pending, then starts journal gen+1 and
 * appends there.  *covered_r gets the new generation: a snapshot of the
 * leases as of now is a snapshot for that generation.  0 or -1.
 */
int lease_db_rotate(struct lease_db *db, uint64_t *covered_r);
/* Closes (after writing and syncing what is pending). */
int lease_db_close(struct lease_db *db);

/*
 * Writes the snapshot for generation gen from the records next yields
 * (it returns 1 with a record, 0 at the end), replacing the old one
 * atomically, then removes journals older than gen.  A snapshot of
 * generation gen or newer already there is left alone.  0 or -1.
 */
int lease_db_snapshot(int dirfd, uint64_t gen,
    int (*next)(void *ctx, struct lease_rec *r), void *ctx);

/*
 * The current state: the last record of every address, sorted by
 * address; with now > 0, free records and records that ended before
 * now are left out.  *recs_r (free it) gets *n_r records.  0 or -1.
 */
int lease_db_current(const char *dir, int64_t now, struct lease_rec **recs_r,
    size_t *n_r, struct lease_stats *st);

/*
 * Compacts: writes the snapshot for generation gen from the current
 * state (lease_db_current with now) and removes the older journals.
 */
int lease_db_compact(const char *dir, int dirfd, uint64_t gen, int64_t now);

/* CRC-32 (IEEE) of n bytes. */
uint32_t lease_crc32(const void *p, size_t n);

/* "active", "free", "abandoned". */
const char *lease_state_name(int state);

#endif
