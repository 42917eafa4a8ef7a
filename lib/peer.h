/*
 * The client's address, for logs and Received headers, whatever started
 * the daemon: tcpserver (and tlsd, sslserver...) set TCPREMOTEIP; inetd
 * and a systemd socket with Accept=yes pass only the connected socket,
 * whose peer getpeername() tells.
 */
#ifndef FACTEUR_PEER_H
#define FACTEUR_PEER_H

#include <stddef.h>

#define PEER_MAX 64 /* room for any IPv6 text form and the NUL */

/*
 * Writes the numeric address of fd's peer (IPv4 dotted, IPv6 as
 * inet_ntop gives it; an IPv4-mapped IPv6 address as plain IPv4) into
 * buf.  Returns 0, or -1 with errno (ENOTSOCK for a pipe, ENOTCONN,
 * EAFNOSUPPORT for a Unix socket, ENOSPC when n is too small).
 */
int peer_socket(int fd, char *buf, size_t n);

/*
 * The client's address: TCPREMOTEIP when it is set, non-empty and
 * shorter than PEER_MAX, else peer_socket(fd), else "unknown".  Always
 * fills buf (n >= PEER_MAX).
 */
void peer_address(int fd, char *buf, size_t n);

#endif
