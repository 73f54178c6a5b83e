/* hp_send: test traffic the ordinary clients cannot make — malformed frames for hallpassd, a QUIC Initial from a hex file, a TCP stream whose first segment is sent twice with different bytes, a UDP flood and counted DNS probes. */
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
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

/* A TCP segment from src:sport to dst:dport (raw IPPROTO_TCP socket: the kernel adds the IP header). */
static int
tcp_seg(int fd, const struct sockaddr_in *src, const struct sockaddr_in *dst,
    uint32_t seq, uint32_t ack, uint8_t flags, const void *pay, size_t plen)
{
	uint8_t		 b[1600], ph[12];
	uint32_t	 sum = 0;

	if (plen > sizeof(b) - 20)
		return -1;
	memset(b, 0, 20);
	memcpy(b, &src->sin_port, 2);
	memcpy(b + 2, &dst->sin_port, 2);
	b[4] = (uint8_t)(seq >> 24), b[5] = (uint8_t)(seq >> 16);
	b[6] = (uint8_t)(seq >> 8), b[7] = (uint8_t)seq;
	b[8] = (uint8_t)(ack >> 24), b[9] = (uint8_t)(ack >> 16);
	b[10] = (uint8_t)(ack >> 8), b[11] = (uint8_t)ack;
	b[12] = 5 << 4;
	b[13] = flags;
	pktbuild_put16(b + 14, 64240);
	if (plen > 0)
		memcpy(b + 20, pay, plen);
	memcpy(ph, &src->sin_addr, 4);
	memcpy(ph + 4, &dst->sin_addr, 4);
	ph[8] = 0, ph[9] = 6;
	pktbuild_put16(ph + 10, (uint16_t)(20 + plen));
	for (size_t i = 0; i < 12; i += 2)
		sum += (uint32_t)(ph[i] << 8 | ph[i + 1]);
	pktbuild_put16(b + 16, forge_checksum(b, 20 + plen, sum));
	return sendto(fd, b, 20 + plen, 0, (const struct sockaddr *)dst, sizeof(*dst)) < 0 ?
	    -1 : 0;
}

/* The next TCP segment from dst:dport to our port within ms; its flags, seq, payload. */
static int
tcp_recv(int fd, const struct sockaddr_in *src, const struct sockaddr_in *dst, int ms,
    uint8_t *flags, uint32_t *seq, uint8_t *pay, size_t *plen)
{
	uint8_t		 b[2048];
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	ssize_t		 n;
	size_t		 ihl, thl;

	while (poll(&pfd, 1, ms) == 1) {
		if ((n = recv(fd, b, sizeof(b), 0)) < 40)
			continue;
		ihl = (size_t)(b[0] & 15) * 4;
		if (ihl + 20 > (size_t)n || memcmp(b + 12, &dst->sin_addr, 4) != 0 ||
		    memcmp(b + ihl, &dst->sin_port, 2) != 0 ||
		    memcmp(b + ihl + 2, &src->sin_port, 2) != 0)
			continue;
		thl = (size_t)(b[ihl + 12] >> 4) * 4;
		if (ihl + thl > (size_t)n)
			continue;
		*flags = b[ihl + 13];
		*seq = (uint32_t)b[ihl + 4] << 24 | (uint32_t)b[ihl + 5] << 16 |
		    (uint32_t)b[ihl + 6] << 8 | b[ihl + 7];
		*plen = (size_t)n - ihl - thl;
		memcpy(pay, b + ihl + thl, *plen);
		return 0;
	}
	return -1;
}

/*
 * A TCP connection made by hand: the handshake, then the first segment sent
 * twice at the same sequence number, A's bytes then B's (both orders are the
 * caller's choice of A and B), then the rest.  http: "Host: NAME" requests
 * padded to one length; tls: ClientHellos (names of one length) cut inside
 * the name.  Prints what came back: "reset", "data LAST-LINE" or "timeout".
 * The kernel of the sending namespace must not answer the server for us
 * (the test drops its RSTs from SPORT).
 */
static int
cmd_overlap(int argc, char **argv)
{
	struct sockaddr_in	 src, dst;
	socklen_t		 sl = sizeof(src);
	uint8_t			 a[1500], b[1500], pay[2048], got[4096], fl;
	size_t			 la, lb, cut, plen, ngot = 0;
	uint32_t		 iss, irs = 0, sseq, nxt = 0;
	int			 fd, ufd, have_synack = 0;
	const char		*tail = "Connection: close\r\n\r\n";

	if (argc != 7 || (strcmp(argv[4], "http") != 0 && strcmp(argv[4], "tls") != 0)) {
		fprintf(stderr, "usage: hp_send overlap ADDR PORT SPORT http|tls NAME-A NAME-B\n");
		return 2;
	}
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_port = htons((uint16_t)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1)
		return 2;
	if (strcmp(argv[4], "http") == 0) {
		/* Same length whatever the names: X-Pad takes up the difference. */
		size_t na = strlen(argv[5]), nb = strlen(argv[6]), w = na > nb ? na : nb;

		la = (size_t)snprintf((char *)a, sizeof(a), "GET / HTTP/1.1\r\nHost: %s\r\n"
		    "X-Pad: x%.*s\r\n", argv[5], (int)(w - na), "................................");
		lb = (size_t)snprintf((char *)b, sizeof(b), "GET / HTTP/1.1\r\nHost: %s\r\n"
		    "X-Pad: x%.*s\r\n", argv[6], (int)(w - nb), "................................");
		cut = la;
	} else {
		const uint8_t *sni;

		la = pktbuild_client_hello(a, argv[5], 0);
		lb = pktbuild_client_hello(b, argv[6], 0);
		if ((sni = memmem(a, la, argv[5], strlen(argv[5]))) == NULL)
			return 2;
		cut = (size_t)(sni - a) + strlen(argv[5]) - 2;
	}
	if (la != lb) {
		fprintf(stderr, "hp_send: the two versions differ in length\n");
		return 2;
	}
	/* Our address toward ADDR: what a connected UDP socket is given. */
	if ((ufd = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
	    connect(ufd, (struct sockaddr *)&dst, sizeof(dst)) != 0 ||
	    getsockname(ufd, (struct sockaddr *)&src, &sl) != 0) {
		perror("hp_send: route");
		return 1;
	}
	close(ufd);
	src.sin_port = htons((uint16_t)atoi(argv[3]));
	if ((fd = socket(AF_INET, SOCK_RAW, IPPROTO_TCP)) < 0) {
		perror("hp_send: raw socket");
		return 1;
	}
	rng_state = (uint64_t)getpid() * 2654435761u + 1;
	iss = rnd();
	if (tcp_seg(fd, &src, &dst, iss, 0, 0x02, NULL, 0) != 0)
		return 1;
	while (tcp_recv(fd, &src, &dst, 2000, &fl, &sseq, pay, &plen) == 0)
		if ((fl & 0x12) == 0x12) {
			irs = sseq;
			have_synack = 1;
			break;
		}
	if (!have_synack) {
		puts("no handshake");
		return 1;
	}
	nxt = irs + 1;
	/* Each send is its own packet through the gateway's queue; a pause keeps them in order. */
	if (tcp_seg(fd, &src, &dst, iss + 1, nxt, 0x10, NULL, 0) != 0 ||
	    tcp_seg(fd, &src, &dst, iss + 1, nxt, 0x10, a, cut) != 0)
		return 1;
	usleep(50000);
	if (tcp_seg(fd, &src, &dst, iss + 1, nxt, 0x10, b, cut) != 0)
		return 1;
	usleep(50000);
	if (strcmp(argv[4], "http") == 0) {
		if (tcp_seg(fd, &src, &dst, iss + 1 + (uint32_t)cut, nxt, 0x18, tail,
		    strlen(tail)) != 0)
			return 1;
	} else if (tcp_seg(fd, &src, &dst, iss + 1 + (uint32_t)cut, nxt, 0x18, a + cut,
	    la - cut) != 0)
		return 1;
	while (tcp_recv(fd, &src, &dst, 2000, &fl, &sseq, pay, &plen) == 0) {
		if (fl & 0x04) {
			if (ngot == 0) {
				puts("reset");
				return 0;
			}
			break;
		}
		if (plen > 0 && sseq == nxt && ngot + plen < sizeof(got)) {
			memcpy(got + ngot, pay, plen);
			ngot += plen;
			nxt += (uint32_t)plen;
		}
		if (fl & 0x01)
			nxt++;
		(void)tcp_seg(fd, &src, &dst, iss + 1 + (uint32_t)la + (strcmp(argv[4], "http") == 0 ?
		    (uint32_t)strlen(tail) - (uint32_t)(la - cut) : 0), nxt, 0x10, NULL, 0);
		if (fl & 0x01)
			break;
	}
	if (ngot == 0) {
		puts("timeout");
		return 0;
	}
	if (strcmp(argv[4], "tls") == 0) {
		/* A record from the server (a hello or an alert to our bare hello): it read ours. */
		puts(got[0] >= 0x14 && got[0] <= 0x17 ? "data tls" : "data other");
		return 0;
	}
	/* The body's last line: nginx's "ok HOST" says which name the server read. */
	while (ngot > 0 && (got[ngot - 1] == '\n' || got[ngot - 1] == '\r'))
		ngot--;
	got[ngot] = '\0';
	{
		char *line = strrchr((char *)got, '\n');

		printf("data %s\n", line != NULL ? line + 1 : (char *)got);
	}
	close(fd);
	return 0;
}

/* A connected UDP socket to ADDR PORT (IPv4 or IPv6); -1 on error. */
static int
udp_to(const char *addr, const char *port)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	int			 fd;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)atoi(port));
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)atoi(port));
		sl = sizeof(struct sockaddr_in6);
	} else
		return -1;
	if ((fd = socket(ss.ss_family, SOCK_DGRAM, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, sl) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static uint64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/*
 * UDP datagrams to ADDR PORT for SECONDS, as fast as the socket takes them
 * or PPS a second: 64-byte payloads whose first byte is not a QUIC long
 * header, so hallpassd reads each and decides nothing (the flow stays
 * queued), the cheapest way to keep its queue full.
 */
static int
cmd_flood(int argc, char **argv)
{
	uint8_t		 pay[64];
	struct mmsghdr	 msg[64];
	struct iovec	 iov = { pay, sizeof(pay) };
	uint64_t	 end, sent = 0;
	int		 fd;

	uint64_t	 start, pps = 0;

	if ((argc != 4 && argc != 5) || (fd = udp_to(argv[1], argv[2])) < 0) {
		fprintf(stderr, "usage: hp_send flood ADDR PORT SECONDS [PPS]\n");
		return 2;
	}
	if (argc == 5)
		pps = (uint64_t)atol(argv[4]);
	memset(pay, 0x11, sizeof(pay));
	memset(msg, 0, sizeof(msg));
	for (int i = 0; i < 64; i++) {
		msg[i].msg_hdr.msg_iov = &iov;
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	start = mono_us();
	end = start + (uint64_t)atoi(argv[3]) * 1000000;
	while (mono_us() < end) {
		int n;

		if (pps > 0 && sent * 1000000 >= (mono_us() - start) * pps) {
			usleep(1000);
			continue;
		}
		n = sendmmsg(fd, msg, pps > 0 && pps < 6400 ? 8 : 64, 0);

		if (n > 0)
			sent += (uint64_t)n;
		else
			usleep(100);
	}
	printf("sent %llu\n", (unsigned long long)sent);
	return 0;
}

/*
 * COUNT DNS questions for NAME (type A) to ADDR:53, one every GAP_US
 * microseconds, ids 0..COUNT-1, answers read while sending and for 3 s
 * after.  Prints "sent S answered A nxdomain X lost L max_ms M gap_ms G":
 * answered carries an address (for a blocked name: the upstream's, so it
 * passed unjudged), nxdomain is the gateway's block answer (dns_block:
 * nxdomain), lost got nothing; max_ms is the slowest answer, gap_ms the
 * longest silence between two answers (across a daemon's death: how long
 * nothing was judged).
 */
static int
cmd_dnsprobe(int argc, char **argv)
{
	static uint64_t	 t0[65536];
	static uint8_t	 seen[65536];
	uint8_t		 q[512], r[1500];
	size_t		 ql;
	long		 count, gap;
	uint64_t	 next, end, maxus = 0, now, last = 0, gapus = 0;
	long		 sent = 0, answered = 0, nx = 0;
	int		 fd;
	struct pollfd	 pfd;

	if (argc != 5 || (count = atol(argv[3])) <= 0 || count > 65536 ||
	    (gap = atol(argv[4])) < 0 || (fd = udp_to(argv[1], "53")) < 0) {
		fprintf(stderr, "usage: hp_send dnsprobe ADDR NAME COUNT GAP_US\n");
		return 2;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	next = mono_us();
	end = 0;
	for (;;) {
		now = mono_us();
		if (sent < count && now >= next) {
			ql = pktbuild_dns_query(q, (uint16_t)sent, argv[2], 1, 0);
			t0[sent] = now;
			if (send(fd, q, ql, 0) > 0)
				sent++;
			else
				t0[sent++] = 0;
			next += (uint64_t)gap;
			if (sent == count)
				end = mono_us() + 3000000;
			continue;
		}
		if (end != 0 && now >= end)
			break;
		if (poll(&pfd, 1, 1) == 1) {
			ssize_t	 n = recv(fd, r, sizeof(r), 0);
			unsigned id;

			if (n < 12)
				continue;
			id = (unsigned)(r[0] << 8 | r[1]);
			if ((long)id >= sent || seen[id] || t0[id] == 0)
				continue;
			seen[id] = 1;
			if (last != 0 && mono_us() - last > gapus)
				gapus = mono_us() - last;
			last = mono_us();
			if (mono_us() - t0[id] > maxus)
				maxus = mono_us() - t0[id];
			if ((r[3] & 0x0f) == 3)
				nx++;
			else if ((r[3] & 0x0f) == 0 && (r[6] << 8 | r[7]) > 0)
				answered++;
		}
	}
	printf("sent %ld answered %ld nxdomain %ld lost %ld max_ms %llu gap_ms %llu\n", sent,
	    answered, nx, sent - answered - nx, (unsigned long long)(maxus / 1000),
	    (unsigned long long)(gapus / 1000));
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
	if (argc > 1 && strcmp(argv[1], "overlap") == 0)
		return cmd_overlap(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "flood") == 0)
		return cmd_flood(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "dnsprobe") == 0)
		return cmd_dnsprobe(argc - 1, argv + 1);
	fprintf(stderr, "usage: hp_send garbage ... | quic ... | overlap ... | flood ... | "
	    "dnsprobe ...\n");
	return 2;
}
