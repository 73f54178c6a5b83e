/* hp_send: test traffic the ordinary clients cannot make — malformed frames for hallpassd, and a QUIC Initial from a hex file. */
#include <sys/socket.h>
#include <sys/time.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forge.h"
#include "../pktbuild.h"

static uint64_t rng_state;

/* xorshift64*: reproducible from the seed the test prints. */
static uint32_t
rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ULL) >> 32);
}

static int
parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

/* One malformed or odd packet for the student at src to the upstream at dst; returns its IP length. */
static size_t
garbage(uint8_t *ip, int v6, const uint8_t *src, const uint8_t *dst)
{
	uint8_t		 pay[2048], *l4;
	size_t		 plen, hl = v6 ? 40 : 20, l4h, len;
	uint8_t		 proto;
	uint16_t	 dport;
	uint32_t	 kind = rnd() % 6, mut = rnd() % 5;

	switch (kind) {
	case 0:
	case 1:
		plen = pktbuild_client_hello(pay, kind ? "garbage.test" : "www.bet365.com", 0);
		proto = 6, dport = 443;
		break;
	case 2:
		plen = (size_t)snprintf((char *)pay, sizeof(pay),
		    "GET /%u HTTP/1.1\r\nHost: %s\r\n\r\n", rnd(), "allowed.test");
		proto = 6, dport = 80;
		break;
	case 3:
		plen = pktbuild_dns_query(pay, (uint16_t)rnd(), rnd() % 2 ? "allowed.test" : "bet365.com",
		    1, 0);
		proto = 17, dport = 53;
		break;
	case 4:
		plen = 1200;
		for (size_t i = 0; i < plen; i++)
			pay[i] = (uint8_t)rnd();
		pay[0] = 0xc3, pay[1] = 0, pay[2] = 0, pay[3] = 0, pay[4] = 1;
		pay[5] = (uint8_t)(rnd() % 32);
		proto = 17, dport = 443;
		break;
	default:
		plen = rnd() % 1400;
		for (size_t i = 0; i < plen; i++)
			pay[i] = (uint8_t)rnd();
		proto = rnd() % 2 ? 6 : 17;
		dport = (uint16_t)(rnd() % 2 ? 443 : 53);
		break;
	}
	switch (mut) {
	case 0:		/* cut short anywhere */
		plen = plen ? rnd() % plen : 0;
		break;
	case 1:		/* flip bytes */
		for (int k = 0; k < 8 && plen; k++)
			pay[rnd() % plen] = (uint8_t)rnd();
		break;
	case 2:		/* absurd length fields (TLS record, handshake, DNS counts) */
		if (plen > 12) {
			pktbuild_put16(pay + 3, 0xffff);
			pktbuild_put16(pay + 4, (uint16_t)rnd());
			pay[rnd() % plen] = 0xff;
		}
		break;
	case 3:		/* DNS-style compression pointer loop / oversized label */
		if (plen > 14) {
			pay[12] = rnd() % 2 ? 0xc0 : 0x3f;
			pay[13] = 12;
		}
		break;
	default:
		break;
	}
	l4h = proto == 6 ? 20 : 8;
	len = hl + l4h + plen;
	memset(ip, 0, hl + l4h);
	l4 = ip + hl;
	pktbuild_put16(l4, (uint16_t)(1024 + rnd() % 60000));
	pktbuild_put16(l4 + 2, dport);
	if (proto == 6) {
		pktbuild_put16(l4 + 4, (uint16_t)rnd());
		pktbuild_put16(l4 + 6, (uint16_t)rnd());
		/* A data offset that may point past the segment. */
		l4[12] = (uint8_t)((rnd() % 8 == 0 ? (rnd() % 16) : 5) << 4);
		l4[13] = 0x18;
		pktbuild_put16(l4 + 14, 8192);
	} else
		pktbuild_put16(l4 + 4, (uint16_t)(rnd() % 8 == 0 ? rnd() : l4h + plen));
	memcpy(l4 + l4h, pay, plen);
	if (v6) {
		ip[0] = 0x60;
		pktbuild_put16(ip + 4, (uint16_t)(l4h + plen));
		ip[6] = proto, ip[7] = 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
	} else {
		ip[0] = 0x45;
		pktbuild_put16(ip + 2, (uint16_t)len);
		ip[8] = 64, ip[9] = proto;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		pktbuild_put16(ip + 10, forge_checksum(ip, 20, 0));
	}
	return len;
}

static int
cmd_garbage(int argc, char **argv)
{
	struct sockaddr_ll	 sll;
	uint8_t			 frame[2048], src4[4], dst4[4], src6[16], dst6[16];
	uint8_t			 dmac[6], smac[6];
	unsigned		 ifindex;
	long			 n;
	int			 fd, sent = 0;

	if (argc != 10 || (ifindex = if_nametoindex(argv[2])) == 0 ||
	    parse_mac(argv[3], dmac) || parse_mac(argv[4], smac) ||
	    inet_pton(AF_INET, argv[5], src4) != 1 || inet_pton(AF_INET, argv[6], dst4) != 1 ||
	    inet_pton(AF_INET6, argv[7], src6) != 1 || inet_pton(AF_INET6, argv[8], dst6) != 1) {
		fprintf(stderr, "usage: hp_send garbage IFACE DSTMAC SRCMAC SRC4 DST4 SRC6 DST6 "
		    "SEED:COUNT\n");
		return 2;
	}
	if (sscanf(argv[9], "%lu:%ld", &rng_state, &n) != 2 || rng_state == 0)
		return 2;
	if ((fd = socket(AF_PACKET, SOCK_RAW, 0)) < 0) {
		perror("hp_send: packet socket");
		return 1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)ifindex;
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, dmac, 6);
	for (long i = 0; i < n; i++) {
		int	 v6 = rnd() % 4 == 0;
		size_t	 len = garbage(frame + 14, v6, v6 ? src6 : src4, v6 ? dst6 : dst4);

		memcpy(frame, dmac, 6);
		memcpy(frame + 6, smac, 6);
		pktbuild_put16(frame + 12, v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IP);
		if (sendto(fd, frame, 14 + len, 0, (struct sockaddr *)&sll, sizeof(sll)) > 0)
			sent++;
		if (i % 64 == 63)
			usleep(2000);	/* stay within the queue, the point is content not load */
	}
	close(fd);
	printf("sent %d\n", sent);
	return 0;
}

/* Sends a QUIC Initial (hex in a file) from a connected UDP socket and says what came back. */
static int
cmd_quic(int argc, char **argv)
{
	struct sockaddr_storage	 ss;
	struct timeval		 tv = { 1, 0 };
	uint8_t			 pkt[1500], buf[1500];
	unsigned		 byte;
	size_t			 n = 0;
	FILE			*f;
	int			 fd, af;
	socklen_t		 sl;

	if (argc != 5) {
		fprintf(stderr, "usage: hp_send quic ADDR PORT HEXFILE\n");
		return 2;
	}
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, argv[2], &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		af = AF_INET;
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)atoi(argv[3]));
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, argv[2], &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		af = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)atoi(argv[3]));
		sl = sizeof(struct sockaddr_in6);
	} else
		return 2;
	if ((f = fopen(argv[4], "r")) == NULL) {
		perror(argv[4]);
		return 2;
	}
	while (n < sizeof(pkt) && fscanf(f, " %2x", &byte) == 1)
		pkt[n++] = (uint8_t)byte;
	fclose(f);
	if ((fd = socket(af, SOCK_DGRAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&ss, sl) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0) {
		perror("hp_send: udp");
		return 1;
	}
	if (send(fd, pkt, n, 0) < 0) {
		perror("hp_send: send");
		return 1;
	}
	/* A connected UDP socket reports the ICMP error that answered it. */
	if (recv(fd, buf, sizeof(buf), 0) >= 0)
		puts("reply");
	else if (errno == EHOSTUNREACH || errno == EACCES)	/* ICMP / ICMPv6 prohibited */
		puts("prohibited");
	else if (errno == ECONNREFUSED)
		puts("refused");
	else if (errno == EAGAIN || errno == EWOULDBLOCK)
		puts("timeout");
	else
		printf("error %s\n", strerror(errno));
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "garbage") == 0)
		return cmd_garbage(argc, argv);
	if (argc > 1 && strcmp(argv[1], "quic") == 0)
		return cmd_quic(argc, argv);
	fprintf(stderr, "usage: hp_send garbage ... | quic ...\n");
	return 2;
}
