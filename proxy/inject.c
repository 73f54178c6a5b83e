/* inject: sends the packets forge builds, through raw sockets, with the addresses already in their IP headers. */
#include "inject.h"

#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct inject {
	int	fd4, fd6;
};

struct inject *
inject_new(char *err, size_t errlen)
{
	struct inject	*in;
	int		 one = 1;

	if ((in = calloc(1, sizeof(*in))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* IPPROTO_RAW implies IP_HDRINCL for IPv4; IPv6 needs IPV6_HDRINCL (Linux 4.5). */
	in->fd4 = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_RAW);
	in->fd6 = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_RAW);
	if (in->fd4 < 0 || in->fd6 < 0) {
		snprintf(err, errlen, "raw socket: %s (hallpassd needs CAP_NET_RAW)",
		    strerror(errno));
		inject_free(in);
		return NULL;
	}
	if (setsockopt(in->fd6, IPPROTO_IPV6, IPV6_HDRINCL, &one, sizeof(one)) != 0) {
		snprintf(err, errlen, "IPV6_HDRINCL: %s", strerror(errno));
		inject_free(in);
		return NULL;
	}
	return in;
}

void
inject_free(struct inject *in)
{
	if (in == NULL)
		return;
	if (in->fd4 >= 0)
		close(in->fd4);
	if (in->fd6 >= 0)
		close(in->fd6);
	free(in);
}

int
inject_send(struct inject *in, const uint8_t *pkt, size_t len)
{
	ssize_t n;

	if (len < 20)
		return -EINVAL;
	if ((pkt[0] >> 4) == 4) {
		struct sockaddr_in sin;

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		memcpy(&sin.sin_addr, pkt + 16, 4);
		n = sendto(in->fd4, pkt, len, 0, (struct sockaddr *)&sin, sizeof(sin));
	} else {
		struct sockaddr_in6 sin6;

		if (len < 40)
			return -EINVAL;
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		memcpy(&sin6.sin6_addr, pkt + 24, 16);
		n = sendto(in->fd6, pkt, len, 0, (struct sockaddr *)&sin6, sizeof(sin6));
	}
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}
