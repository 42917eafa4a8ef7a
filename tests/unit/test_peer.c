/*
 * Unit tests for lib/peer: the client's address from TCPREMOTEIP or from
 * getpeername() on IPv4, IPv6 and IPv4-mapped sockets; pipes and Unix
 * sockets; buffers too small.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "peer.h"

/* A connected pair over loopback of family af; -1 if af is not there. */
static int
tcp_pair(int af, const char *addr, int *cfd_r, int *afd_r)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int lfd, cfd, afd, zero = 0;

	memset(&ss, 0, sizeof ss);
	lfd = socket(af, SOCK_STREAM, 0);
	if (lfd < 0)
		return -1;
	if (af == AF_INET6)
		(void)setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
		    sizeof zero);
	if (af == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof *s4;
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_any;
		sl = sizeof *s6;
	}
	if (bind(lfd, (struct sockaddr *)&ss, sl) < 0 || listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&ss, &sl) < 0) {
		close(lfd);
		return -1;
	}
	if (af == AF_INET6 &&
	    inet_pton(AF_INET6, addr,
		&((struct sockaddr_in6 *)&ss)->sin6_addr) != 1) {
		close(lfd);
		return -1;
	}
	cfd = socket(af, SOCK_STREAM, 0);
	if (cfd < 0 || connect(cfd, (struct sockaddr *)&ss, sl) < 0) {
		if (cfd >= 0)
			close(cfd);
		close(lfd);
		return -1;
	}
	afd = accept(lfd, NULL, NULL);
	close(lfd);
	if (afd < 0) {
		close(cfd);
		return -1;
	}
	*cfd_r = cfd;
	*afd_r = afd;
	return 0;
}

static void
test_ipv4(void **state)
{
	char buf[PEER_MAX], small[4];
	int c, a;

	(void)state;
	assert_int_equal(tcp_pair(AF_INET, NULL, &c, &a), 0);
	assert_int_equal(peer_socket(a, buf, sizeof buf), 0);
	assert_string_equal(buf, "127.0.0.1");
	assert_int_equal(peer_socket(a, small, sizeof small), -1);
	assert_int_equal(errno, ENOSPC);
	close(c);
	close(a);
}

static void
test_ipv6_and_mapped(void **state)
{
	char buf[PEER_MAX];
	int c, a;

	(void)state;
	if (tcp_pair(AF_INET6, "::1", &c, &a) == 0) {
		assert_int_equal(peer_socket(a, buf, sizeof buf), 0);
		assert_string_equal(buf, "::1");
		close(c);
		close(a);
	}
	if (tcp_pair(AF_INET6, "::ffff:127.0.0.1", &c, &a) == 0) {
		assert_int_equal(peer_socket(a, buf, sizeof buf), 0);
		assert_string_equal(buf, "127.0.0.1");
		close(c);
		close(a);
	}
}

static void
test_not_inet(void **state)
{
	char buf[PEER_MAX];
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(peer_socket(p[0], buf, sizeof buf), -1);
	assert_int_equal(errno, ENOTSOCK);
	close(p[0]);
	close(p[1]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, p), 0);
	assert_int_equal(peer_socket(p[0], buf, sizeof buf), -1);
	assert_int_equal(errno, EAFNOSUPPORT);
	close(p[0]);
	close(p[1]);
	assert_int_equal(peer_socket(-1, buf, sizeof buf), -1);
}

static void
test_address(void **state)
{
	char buf[PEER_MAX], big[200];
	int c, a, p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	setenv("TCPREMOTEIP", "192.0.2.7", 1);
	peer_address(p[0], buf, sizeof buf);
	assert_string_equal(buf, "192.0.2.7");
	unsetenv("TCPREMOTEIP");
	peer_address(p[0], buf, sizeof buf);
	assert_string_equal(buf, "unknown");
	setenv("TCPREMOTEIP", "", 1);
	peer_address(p[0], buf, sizeof buf);
	assert_string_equal(buf, "unknown");
	/* An overlong variable is not trusted: the socket decides. */
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	setenv("TCPREMOTEIP", big, 1);
	assert_int_equal(tcp_pair(AF_INET, NULL, &c, &a), 0);
	peer_address(a, buf, sizeof buf);
	assert_string_equal(buf, "127.0.0.1");
	unsetenv("TCPREMOTEIP");
	peer_address(a, buf, sizeof buf);
	assert_string_equal(buf, "127.0.0.1");
	close(c);
	close(a);
	close(p[0]);
	close(p[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6_and_mapped),
		cmocka_unit_test(test_not_inet),
		cmocka_unit_test(test_address),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
