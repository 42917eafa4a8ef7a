#include "peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int
peer_socket(int fd, char *buf, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char tmp[INET6_ADDRSTRLEN];
	const void *a;
	int af;

	if (getpeername(fd, (struct sockaddr *)&ss, &sl) < 0)
		return -1;
	if (ss.ss_family == AF_INET) {
		af = AF_INET;
		a = &((const struct sockaddr_in *)&ss)->sin_addr;
	} else if (ss.ss_family == AF_INET6) {
		const struct in6_addr *a6 =
		    &((const struct sockaddr_in6 *)&ss)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a6)) {
			af = AF_INET;
			a = a6->s6_addr + 12;
		} else {
			af = AF_INET6;
			a = a6;
		}
	} else {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (inet_ntop(af, a, tmp, sizeof tmp) == NULL)
		return -1;
	if (strlen(tmp) >= n) {
		errno = ENOSPC;
		return -1;
	}
	memcpy(buf, tmp, strlen(tmp) + 1);
	return 0;
}

void
peer_address(int fd, char *buf, size_t n)
{
	const char *ip = getenv("TCPREMOTEIP");

	if (n == 0)
		return;
	if (ip != NULL && ip[0] != '\0' && strlen(ip) < PEER_MAX &&
	    strlen(ip) < n) {
		memcpy(buf, ip, strlen(ip) + 1);
		return;
	}
	if (peer_socket(fd, buf, n) == 0)
		return;
	snprintf(buf, n, "unknown");
}
