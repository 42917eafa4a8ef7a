/*
 * The daemon side of UCSPI-TLS (delayed encryption, for STARTTLS/STLS).
 *
 * A UCSPI-TLS server (tlsd -n, ucspi-ssl's sslserver -n, s6-ucspitlsd)
 * runs the daemon with plaintext on fd 0/1 and three more descriptors
 * named in the environment:
 *
 *   SSLCTLFD    control socket: the daemon writes "y" or "Y" to start TLS
 *   SSLREADFD   where the daemon reads the client's decrypted bytes
 *   SSLWRITEFD  where the daemon writes bytes to be encrypted
 *
 * After "Y" the server performs the handshake and answers on the control
 * socket with the connection's facts as an environment string,
 * "VAR=value\0VAR=value\0\0" ("\0\0" when it has none); after "y" it
 * answers nothing.  This module always sends "Y", so the daemon learns
 * whether the handshake succeeded before it talks inside TLS, and learns
 * SSL_PROTOCOL and SSL_CIPHER for its logs and Received headers.
 *
 * The environment variable UCSPITLS (the qmail STARTTLS convention)
 * refines availability: "-" means TLS is not offered even if the
 * descriptors are there, "!" means TLS is required before the daemon
 * accepts anything else (the daemon decides what that means).
 *
 * STARTTLS injection: bytes the client sent after the STARTTLS command,
 * in the same packet or before the handshake, must never be taken as
 * commands inside TLS.  ucspitls_start() throws away everything the
 * daemon's rbuf has buffered, and replaces the plaintext descriptors with
 * the TLS ones (dup2 onto the rbuf's and wbuf's descriptors), which also
 * drops whatever still sits unread in the plaintext pipe.  tlsd in its
 * turn drops the plaintext it has not delivered.  The daemon must call
 * ucspitls_start() right after reading the STARTTLS line and writing its
 * "go ahead" reply, without reading any further input.
 *
 * Limits: the info string is at most UCSPITLS_INFO_MAX bytes; variable
 * names are [A-Z0-9_]+ up to 64 bytes and values printable ASCII.
 *
 * Use, in smtpd (pop3d's STLS and imapd's STARTTLS are the same):
 *
 *	struct ucspitls tls;
 *	int level = ucspitls_init(&tls);  (< 0: log it, offer no TLS)
 *	... advertise STARTTLS only when level > 0 and TLS is not on yet ...
 *	on "STARTTLS" with no argument:
 *		wbuf_puts(&wb, "220 2.0.0 Ready to start TLS\r\n");
 *		if (ucspitls_start(&tls, &rb, &wb, timeout_ms) < 0)
 *			end the session (log errno; nothing more can be said);
 *		forget the session state (RFC 3207: EHLO again, no AUTH
 *		or MAIL carried over), log getenv("SSL_PROTOCOL") and
 *		getenv("SSL_CIPHER").
 */
#ifndef FACTEUR_UCSPITLS_H
#define FACTEUR_UCSPITLS_H

#include <stddef.h>

#include "io.h"

#define UCSPITLS_INFO_MAX 4096
#define UCSPITLS_NAME_MAX 64

enum ucspitls_level {
	UCSPITLS_UNAVAILABLE = 0,
	UCSPITLS_AVAILABLE = 1,
	UCSPITLS_REQUIRED = 2,
};

struct ucspitls {
	int ctlfd, rfd, wfd;
	enum ucspitls_level level;
};

/*
 * Reads SSLCTLFD, SSLREADFD, SSLWRITEFD and UCSPITLS from the environment
 * into u.  Returns the level: UCSPITLS_UNAVAILABLE when the variables are
 * absent or UCSPITLS is "-", UCSPITLS_REQUIRED when UCSPITLS is "!",
 * UCSPITLS_AVAILABLE otherwise; -1 with errno EINVAL when a variable is
 * set but is not a decimal descriptor number, or EBADF when it names a
 * descriptor that is not open (the daemon should then not offer TLS and
 * may log the misconfiguration).  Descriptors 0 and 1 are refused: they
 * are the plaintext channel.
 */
int ucspitls_init(struct ucspitls *u);

/*
 * Starts TLS at STARTTLS time.  First flushes wb (the plaintext "go
 * ahead" reply must reach the client before the handshake), throws away
 * rb's buffered input, writes "Y" to the control socket and waits up to
 * timeout_ms (-1: forever) for the info string.  On success the TLS
 * descriptors replace rb->fd and wb->fd (dup2; the plaintext ones are
 * gone), the control and TLS descriptors are closed, SSLCTLFD, SSLREADFD,
 * SSLWRITEFD and UCSPITLS are removed from the environment and each
 * variable of the info string is set there (so chain-loaded programs see
 * SSL_PROTOCOL, SSL_CIPHER, ...).  Returns 0, or -1 with errno:
 * ECONNABORTED when the server closed the control socket before
 * answering (the handshake failed: the session is over), ETIMEDOUT, EPROTO
 * for a malformed or oversized answer, or what write/read/dup2 report.
 * On failure rb's buffer is empty and the daemon should end the session.
 */
int ucspitls_start(struct ucspitls *u, struct rbuf *rb, struct wbuf *wb,
    int timeout_ms);

/*
 * Parses an info string "VAR=value\0...\0\0" in p[0..n).  Returns 1 when
 * it is complete (*used_r: its length, terminating NULs included), 0 when
 * more bytes are needed, -1 (errno EPROTO) when it is malformed: an empty
 * or bad name, a value with a non-printable byte, or longer than
 * UCSPITLS_INFO_MAX.  For each variable, when fn is not NULL, calls
 * fn(name, namelen, value, valuelen, arg); a nonzero return from fn stops
 * the parse with -1 (errno left as fn set it).  fn is called only once
 * the whole string is known to be complete and well-formed.
 */
int ucspitls_parse_info(const char *p, size_t n, size_t *used_r,
    int (*fn)(const char *name, size_t namelen, const char *value,
	size_t valuelen, void *arg),
    void *arg);

#endif
