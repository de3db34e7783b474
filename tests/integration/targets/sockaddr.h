/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The network targets' one address parser: IPv4 or IPv6 text and a port. */
#ifndef MB_TARGET_SOCKADDR_H
#define MB_TARGET_SOCKADDR_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* 0, or -1 when addr is neither an IPv4 nor an IPv6 address. */
static inline int target_sockaddr(const char *addr, const char *port, struct sockaddr_storage *ss,
				  socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	unsigned short p = (unsigned short)strtol(port, NULL, 10);

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(p);
		*len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(p);
		*len = sizeof(*in6);
		return 0;
	}
	return -1;
}

#endif
