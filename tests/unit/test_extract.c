/* test_extract: the IP, DNS, TLS and HTTP extractors on hand-made edge cases and on the real captures. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "dns.h"
#include "http.h"
#include "pkt.h"
#include "tls.h"

#include "pcaputil.h"

/*
 * Every parser call on a hand-made input goes through an exact-size heap
 * copy, so ASan reports any read past the length the parser was given.
 */
static uint8_t *
exact(const void *p, size_t n)
{
	uint8_t	*b = malloc(n > 0 ? n : 1);

	assert_non_null(b);
	if (n > 0)
		memcpy(b, p, n);
	return b;
}

static int
ip_parse(const void *p, size_t n, struct pkt_info *pi)
{
	uint8_t	*b = exact(p, n);
	int	 r = pkt_parse_ip(b, n, pi);

	/* The payload points into the copy: keep only its offset. */
	if (r == 0 && pi->payload != NULL)
		pi->payload = (const uint8_t *)p + (pi->payload - b);
	free(b);
	return r;
}

static int
dns_parse(const void *p, size_t n, struct dns_query *q)
{
	uint8_t	*b = exact(p, n);
	int	 r = dns_parse_query(b, n, q);

	free(b);
	return r;
}

static int
dns_parse_tcp(const void *p, size_t n, struct dns_query *q)
{
	uint8_t	*b = exact(p, n);
	int	 r = dns_parse_query_tcp(b, n, q);

	free(b);
	return r;
}

static enum tls_result
tls_parse(const void *p, size_t n, struct tls_hello *h)
{
	uint8_t		*b = exact(p, n);
	enum tls_result	 r = tls_parse_client_hello(b, n, h);

	free(b);
	return r;
}

static enum tls_result
tls_parse_raw(const void *p, size_t n, struct tls_hello *h)
{
	uint8_t		*b = exact(p, n);
	enum tls_result	 r = tls_parse_handshake(b, n, h);

	free(b);
	return r;
}

/* Spans point into a copy that is gone afterwards: tests compare the copies made here. */
struct http_seen {
	enum http_result r;
	char		 method[64], target[256], path[256], host[256];
	uint16_t	 port;
	int		 partial;
	const char	*why;
};

static void
span(char *dst, size_t dstsz, const uint8_t *p, size_t n)
{
	if (n >= dstsz)
		n = dstsz - 1;
	if (n > 0)
		memcpy(dst, p, n);
	dst[n] = '\0';
}

static enum http_result
http_parse(const void *p, size_t n, struct http_seen *s)
{
	struct http_request	 q;
	uint8_t			*b = exact(p, n);

	memset(s, 0, sizeof(*s));
	s->r = http_parse_request(b, n, &q);
	span(s->method, sizeof(s->method), q.method, q.methodlen);
	span(s->target, sizeof(s->target), q.target, q.targetlen);
	span(s->path, sizeof(s->path), q.path, q.pathlen);
	span(s->host, sizeof(s->host), q.host, q.hostlen);
	s->port = q.port;
	s->partial = q.partial;
	s->why = q.why;
	free(b);
	return s->r;
}

/* ---- pkt ------------------------------------------------------------ */

/* IPv4/TCP with 8 bytes of IP options and a TCP payload "GET". */
static const uint8_t v4_tcp_opts[] = {
	0x47, 0x00, 0x00, 0x33, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
	10, 0, 0, 1, 93, 184, 216, 34,
	0x01, 0x01, 0x01, 0x00, 0x94, 0x04, 0x00, 0x00,	/* NOP NOP NOP EOL, router alert */
	0xc0, 0x01, 0x00, 0x50, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x50, 0x18, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	'G', 'E', 'T',
};

static void
test_pkt_ipv4_options(void **state)
{
	struct pkt_info	 pi;
	uint8_t		 b[sizeof(v4_tcp_opts) + 6];

	(void)state;
	assert_int_equal(ip_parse(v4_tcp_opts, sizeof(v4_tcp_opts), &pi), 0);
	assert_int_equal(pi.af, AF_INET);
	assert_int_equal(pi.proto, PKT_PROTO_TCP);
	assert_int_equal(pi.sport, 49153);
	assert_int_equal(pi.dport, 80);
	assert_int_equal(pi.tcp_seq, 0x1000);
	assert_int_equal(pi.tcp_flags, PKT_TCP_PSH | PKT_TCP_ACK);
	assert_int_equal(pi.fragment, PKT_FRAG_NONE);
	assert_int_equal(pi.paylen, 3);
	assert_memory_equal(pi.payload, "GET", 3);
	assert_memory_equal(pi.src, "\x0a\x00\x00\x01", 4);
	assert_memory_equal(pi.dst, "\x5d\xb8\xd8\x22", 4);

	/* Ethernet padding after the total length is not payload. */
	memcpy(b, v4_tcp_opts, sizeof(v4_tcp_opts));
	memset(b + sizeof(v4_tcp_opts), 0, 6);
	assert_int_equal(ip_parse(b, sizeof(b), &pi), 0);
	assert_int_equal(pi.paylen, 3);

	/* Every shorter length is refused, never read past. */
	for (size_t n = 0; n < sizeof(v4_tcp_opts); n++)
		assert_int_equal(ip_parse(v4_tcp_opts, n, &pi), -1);

	memcpy(b, v4_tcp_opts, sizeof(v4_tcp_opts));
	b[0] = 0x44;		/* IHL 16 bytes */
	assert_int_equal(ip_parse(b, sizeof(v4_tcp_opts), &pi), -1);
	assert_int_equal(pi.err, PKT_E_IHL);
	b[0] = 0x4f;		/* IHL 60 bytes, past the packet */
	assert_int_equal(ip_parse(b, sizeof(v4_tcp_opts), &pi), -1);
	assert_int_equal(pi.err, PKT_E_IHL);
	b[0] = 0x47;
	b[3] = 0x34;		/* total length one past the buffer */
	assert_int_equal(ip_parse(b, sizeof(v4_tcp_opts), &pi), -1);
	assert_int_equal(pi.err, PKT_E_TOTLEN);
	b[3] = 27;		/* total length inside the IP header */
	assert_int_equal(ip_parse(b, sizeof(v4_tcp_opts), &pi), -1);
	assert_int_equal(pi.err, PKT_E_TOTLEN);
	b[3] = 0x33;
	b[40] = 0x40;		/* TCP data offset 16 */
	assert_int_equal(ip_parse(b, sizeof(v4_tcp_opts), &pi), -1);
	assert_int_equal(pi.err, PKT_E_TCPHDR);
	b[40] = 0x60;		/* TCP data offset 24 > 23 bytes left */
	assert_int_equal(ip_parse(b, sizeof(v4_tcp_opts), &pi), -1);
	assert_int_equal(pi.err, PKT_E_TCPHDR);
	b[0] = 0x57;
	assert_int_equal(ip_parse(b, sizeof(v4_tcp_opts), &pi), -1);
	assert_int_equal(pi.err, PKT_E_VERSION);
}

/* IPv4/UDP to port 53, 5 payload bytes. */
static const uint8_t v4_udp[] = {
	0x45, 0x00, 0x00, 0x21, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,
	192, 0, 2, 1, 192, 0, 2, 53,
	0x30, 0x39, 0x00, 0x35, 0x00, 0x0d, 0x00, 0x00,
	'h', 'e', 'l', 'l', 'o',
};

static void
test_pkt_ipv4_udp_fragments(void **state)
{
	struct pkt_info	 pi;
	uint8_t		 b[sizeof(v4_udp)];

	(void)state;
	assert_int_equal(ip_parse(v4_udp, sizeof(v4_udp), &pi), 0);
	assert_int_equal(pi.proto, PKT_PROTO_UDP);
	assert_int_equal(pi.sport, 12345);
	assert_int_equal(pi.dport, 53);
	assert_int_equal(pi.paylen, 5);

	memcpy(b, v4_udp, sizeof(b));
	b[25] = 0x0c;		/* UDP length shorter than the IP payload: trailing bytes dropped */
	assert_int_equal(ip_parse(b, sizeof(b), &pi), 0);
	assert_int_equal(pi.paylen, 4);
	b[25] = 0x0e;		/* one past the IP payload */
	assert_int_equal(ip_parse(b, sizeof(b), &pi), -1);
	assert_int_equal(pi.err, PKT_E_UDPHDR);
	b[25] = 0x07;		/* below the UDP header */
	assert_int_equal(ip_parse(b, sizeof(b), &pi), -1);
	assert_int_equal(pi.err, PKT_E_UDPHDR);

	/* First fragment (MF, offset 0): the UDP length covers later fragments. */
	memcpy(b, v4_udp, sizeof(b));
	b[6] = 0x20;
	b[25] = 0xff;
	assert_int_equal(ip_parse(b, sizeof(b), &pi), 0);
	assert_int_equal(pi.fragment, PKT_FRAG_FIRST);
	assert_int_equal(pi.dport, 53);
	assert_int_equal(pi.paylen, 5);

	/* A later fragment: its first bytes are data, not a UDP header. */
	b[6] = 0x00;
	b[7] = 0xb9;
	assert_int_equal(ip_parse(b, sizeof(b), &pi), 0);
	assert_int_equal(pi.fragment, PKT_FRAG_LATER);
	assert_int_equal(pi.proto, PKT_PROTO_UDP);
	assert_int_equal(pi.sport, 0);
	assert_int_equal(pi.dport, 0);
	assert_int_equal(pi.paylen, 13);
	/* ... even with MF set as well, and even when too short for a UDP header. */
	b[6] = 0x20;
	assert_int_equal(ip_parse(b, 22, &pi), -1);
	b[3] = 22;
	assert_int_equal(ip_parse(b, 22, &pi), 0);
	assert_int_equal(pi.fragment, PKT_FRAG_LATER);
	assert_int_equal(pi.paylen, 2);
}

/* Appends an IPv6 extension header of 8 * (1 + units) bytes. */
static size_t
v6_ext(uint8_t *b, size_t n, uint8_t next, uint8_t units)
{
	memset(b + n, 0, (size_t)(units + 1) * 8);
	b[n] = next;
	b[n + 1] = units;
	b[n + 2] = 1;		/* PadN covering the rest */
	b[n + 3] = (uint8_t)((units + 1) * 8 - 4);
	return n + (size_t)(units + 1) * 8;
}

/* IPv6 header (payload length patched by v6_finish) from 2001:db8::1 to 2001:db8::2. */
static size_t
v6_start(uint8_t *b, uint8_t next)
{
	memset(b, 0, 40);
	b[0] = 0x60;
	b[6] = next;
	b[7] = 64;
	b[8] = 0x20, b[9] = 0x01, b[10] = 0x0d, b[11] = 0xb8, b[23] = 1;
	b[24] = 0x20, b[25] = 0x01, b[26] = 0x0d, b[27] = 0xb8, b[39] = 2;
	return 40;
}

static void
v6_finish(uint8_t *b, size_t n)
{
	b[4] = (uint8_t)((n - 40) >> 8);
	b[5] = (uint8_t)(n - 40);
}

static size_t
v6_tcp(uint8_t *b, size_t n, const char *data)
{
	memset(b + n, 0, 20);
	b[n] = 0xd4, b[n + 1] = 0x31;	/* 54321 */
	b[n + 2] = 0x01, b[n + 3] = 0xbb;	/* 443 */
	b[n + 4] = 0xde, b[n + 5] = 0xad, b[n + 6] = 0xbe, b[n + 7] = 0xef;
	b[n + 12] = 0x50;
	b[n + 13] = PKT_TCP_SYN;
	memcpy(b + n + 20, data, strlen(data));
	return n + 20 + strlen(data);
}

static void
test_pkt_ipv6_ext_chain(void **state)
{
	uint8_t		 b[512];
	struct pkt_info	 pi;
	size_t		 n, full;

	(void)state;
	/* hop-by-hop, routing, destination options, AH, then TCP */
	n = v6_start(b, 0);
	n = v6_ext(b, n, 43, 0);
	n = v6_ext(b, n, 60, 1);
	n = v6_ext(b, n, 51, 0);
	memset(b + n, 0, 16);		/* AH: (2 + 2) * 4 = 16 bytes */
	b[n] = 6;
	b[n + 1] = 2;
	n += 16;
	n = v6_tcp(b, n, "hi");
	v6_finish(b, n);
	full = n;
	assert_int_equal(ip_parse(b, n, &pi), 0);
	assert_int_equal(pi.af, AF_INET6);
	assert_int_equal(pi.proto, PKT_PROTO_TCP);
	assert_int_equal(pi.sport, 54321);
	assert_int_equal(pi.dport, 443);
	assert_int_equal(pi.tcp_seq, 0xdeadbeef);
	assert_int_equal(pi.tcp_flags, PKT_TCP_SYN);
	assert_int_equal(pi.paylen, 2);
	assert_memory_equal(pi.payload, "hi", 2);
	assert_int_equal(pi.src[15], 1);
	assert_int_equal(pi.dst[15], 2);
	for (n = 0; n < full; n++)
		assert_int_equal(ip_parse(b, n, &pi), -1);

	/* An extension header longer than the payload length says. */
	b[41 + 0] = 200;
	assert_int_equal(ip_parse(b, full, &pi), -1);
	assert_int_equal(pi.err, PKT_E_EXTHDR);
	b[41] = 0;

	/* Hop-by-hop anywhere but first. */
	n = v6_start(b, 60);
	n = v6_ext(b, n, 0, 0);
	n = v6_ext(b, n, 6, 0);
	n = v6_tcp(b, n, "");
	v6_finish(b, n);
	assert_int_equal(ip_parse(b, n, &pi), -1);
	assert_int_equal(pi.err, PKT_E_EXTHDR);

	/* A chain longer than any real packet's. */
	n = v6_start(b, 60);
	for (int i = 0; i < 20; i++)
		n = v6_ext(b, n, i == 19 ? 6 : 60, 0);
	n = v6_tcp(b, n, "");
	v6_finish(b, n);
	assert_int_equal(ip_parse(b, n, &pi), -1);
	assert_int_equal(pi.err, PKT_E_EXTHDR);

	/* ESP and "no next header" end the walk. */
	n = v6_start(b, 60);
	n = v6_ext(b, n, 50, 0);
	memset(b + n, 0xaa, 16);
	n += 16;
	v6_finish(b, n);
	assert_int_equal(ip_parse(b, n, &pi), 0);
	assert_int_equal(pi.proto, 50);
	assert_int_equal(pi.paylen, 16);
	assert_int_equal(pi.dport, 0);
	n = v6_start(b, 59);
	memset(b + n, 0xaa, 8);
	v6_finish(b, n + 8);
	assert_int_equal(ip_parse(b, n + 8, &pi), 0);
	assert_int_equal(pi.proto, 59);
	assert_int_equal(pi.paylen, 0);

	/* Payload length past the buffer; jumbogram. */
	n = v6_start(b, 6);
	n = v6_tcp(b, n, "x");
	v6_finish(b, n + 1);
	assert_int_equal(ip_parse(b, n, &pi), -1);
	assert_int_equal(pi.err, PKT_E_TOTLEN);
	n = v6_start(b, 0);
	n = v6_ext(b, n, 6, 0);
	assert_int_equal(ip_parse(b, n, &pi), -1);
	assert_int_equal(pi.err, PKT_E_JUMBO);
}

static void
test_pkt_ipv6_fragments(void **state)
{
	uint8_t		 b[256];
	struct pkt_info	 pi;
	size_t		 n, frag;

	(void)state;
	/* First fragment: offset 0, M set, UDP length beyond this fragment. */
	n = v6_start(b, 44);
	frag = n;
	memset(b + n, 0, 8);
	b[n] = 17;
	b[n + 3] = 1;
	b[n + 4] = 0xca, b[n + 5] = 0xfe;
	n += 8;
	memset(b + n, 0, 8);
	b[n] = 0x13, b[n + 1] = 0x88;
	b[n + 2] = 0x00, b[n + 3] = 0x35;
	b[n + 4] = 0x05, b[n + 5] = 0xdc;	/* 1500 */
	n += 8;
	memcpy(b + n, "abcdefgh", 8);
	n += 8;
	v6_finish(b, n);
	assert_int_equal(ip_parse(b, n, &pi), 0);
	assert_int_equal(pi.fragment, PKT_FRAG_FIRST);
	assert_int_equal(pi.proto, PKT_PROTO_UDP);
	assert_int_equal(pi.dport, 53);
	assert_int_equal(pi.paylen, 8);

	/* The same as a later fragment (offset 1448). */
	b[frag + 2] = (uint8_t)((1448 >> 8) & 0xff);
	b[frag + 3] = (uint8_t)((1448 & 0xf8) | 1);
	assert_int_equal(ip_parse(b, n, &pi), 0);
	assert_int_equal(pi.fragment, PKT_FRAG_LATER);
	assert_int_equal(pi.proto, PKT_PROTO_UDP);
	assert_int_equal(pi.dport, 0);
	assert_int_equal(pi.paylen, 16);

	/* An atomic fragment (offset 0, no M) is a whole datagram. */
	b[frag + 2] = 0;
	b[frag + 3] = 0;
	b[frag + 8 + 4] = 0;
	b[frag + 8 + 5] = 16;
	assert_int_equal(ip_parse(b, n, &pi), 0);
	assert_int_equal(pi.fragment, PKT_FRAG_NONE);
	assert_int_equal(pi.paylen, 8);

	/* A fragment header cut short. */
	n = v6_start(b, 44);
	memset(b + n, 0, 4);
	v6_finish(b, n + 4);
	assert_int_equal(ip_parse(b, n + 4, &pi), -1);
	assert_int_equal(pi.err, PKT_E_EXTHDR);
}

static void
test_pkt_capture_cut(void **state)
{
	uint8_t		 b[128];
	struct pkt_info	 pi;
	size_t		 n;

	(void)state;
	n = v6_start(b, 60);
	n = v6_ext(b, n, 6, 0);
	n = v6_tcp(b, n, "0123456789");
	v6_finish(b, n);
	/* Cut inside the payload: parsed, clipped, flagged. */
	assert_int_equal(pkt_parse_ip_cap(b, n - 4, n, &pi), 0);
	assert_int_equal(pi.truncated, 1);
	assert_int_equal(pi.paylen, 6);
	assert_int_equal(pkt_parse_ip_cap(b, n, n, &pi), 0);
	assert_int_equal(pi.truncated, 0);
	/* Cut inside a header: refused as cut, not as malformed. */
	assert_int_equal(pkt_parse_ip_cap(b, 60, n, &pi), -1);
	assert_int_equal(pi.err, PKT_E_CUT);
	assert_int_equal(pkt_parse_ip_cap(b, 44, n, &pi), -1);
	assert_int_equal(pi.err, PKT_E_CUT);
	assert_int_equal(pkt_parse_ip_cap(b, 20, n, &pi), -1);
	assert_int_equal(pi.err, PKT_E_CUT);
	/* Length fields are still checked against the wire length. */
	assert_int_equal(pkt_parse_ip_cap(b, 70, n - 1, &pi), -1);
	assert_int_equal(pi.err, PKT_E_TOTLEN);
	for (size_t c = 0; c <= n; c++) {
		uint8_t	*e = exact(b, c);

		(void)pkt_parse_ip_cap(e, c, n, &pi);
		free(e);
	}
}

/* ---- dns ------------------------------------------------------------ */

/* A query for WWW.Example.COM A IN with an EDNS OPT record. */
static const uint8_t dns_q[] = {
	0xbe, 0xef, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	3, 'W', 'W', 'W', 7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'C', 'O', 'M', 0,
	0x00, 0x01, 0x00, 0x01,
	0x00, 0x00, 0x29, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
#define DNS_Q_QEND	33	/* end of the question */

static void
test_dns_query(void **state)
{
	struct dns_query	 q;

	(void)state;
	assert_int_equal(dns_parse(dns_q, sizeof(dns_q), &q), 0);
	assert_string_equal(q.name, "www.example.com");
	assert_int_equal(q.namelen, 15);
	assert_int_equal(q.id, 0xbeef);
	assert_int_equal(q.flags, 0x0120);
	assert_int_equal(q.qtype, 1);
	assert_int_equal(q.qclass, 1);
	assert_int_equal(DNS_OPCODE(q.flags), 0);

	/* Only the question must be there; every shorter input is truncated. */
	for (size_t n = 0; n < sizeof(dns_q); n++) {
		int r = dns_parse(dns_q, n, &q);

		if (n >= DNS_Q_QEND) {
			assert_int_equal(r, 0);
			assert_string_equal(q.name, "www.example.com");
		} else {
			assert_int_equal(r, -1);
			assert_int_equal(q.err, DNS_E_SHORT);
		}
	}
}

static void
test_dns_refusals(void **state)
{
	struct dns_query	 q;
	uint8_t			 b[600];

	(void)state;
	memcpy(b, dns_q, sizeof(dns_q));
	b[2] |= 0x80;
	assert_int_equal(dns_parse(b, sizeof(dns_q), &q), -1);
	assert_int_equal(q.err, DNS_E_RESPONSE);

	memcpy(b, dns_q, sizeof(dns_q));
	b[5] = 0;
	assert_int_equal(dns_parse(b, sizeof(dns_q), &q), -1);
	assert_int_equal(q.err, DNS_E_QDCOUNT);
	b[5] = 2;
	assert_int_equal(dns_parse(b, sizeof(dns_q), &q), -1);
	assert_int_equal(q.err, DNS_E_QDCOUNT);
	b[4] = 1, b[5] = 1;
	assert_int_equal(dns_parse(b, sizeof(dns_q), &q), -1);
	assert_int_equal(q.err, DNS_E_QDCOUNT);

	/* A compression pointer after the first label, and one pointing at itself. */
	memcpy(b, dns_q, sizeof(dns_q));
	b[16] = 0xc0, b[17] = 12;
	assert_int_equal(dns_parse(b, sizeof(dns_q), &q), -1);
	assert_int_equal(q.err, DNS_E_POINTER);
	b[12] = 0xc0, b[13] = 12;
	assert_int_equal(dns_parse(b, sizeof(dns_q), &q), -1);
	assert_int_equal(q.err, DNS_E_POINTER);
	/* Two pointers at each other. */
	b[12] = 0xc0, b[13] = 14, b[14] = 0xc0, b[15] = 12;
	assert_int_equal(dns_parse(b, sizeof(dns_q), &q), -1);
	assert_int_equal(q.err, DNS_E_POINTER);

	/* Label lengths 64 and 128 are reserved types, not long labels. */
	memcpy(b, dns_q, sizeof(dns_q));
	b[12] = 0x40;
	assert_int_equal(dns_parse(b, sizeof(dns_q), &q), -1);
	assert_int_equal(q.err, DNS_E_LABELTYPE);
	b[12] = 0x80;
	assert_int_equal(dns_parse(b, sizeof(dns_q), &q), -1);
	assert_int_equal(q.err, DNS_E_LABELTYPE);
	/* A label length pointing past the message. */
	b[12] = 63;
	assert_int_equal(dns_parse(b, sizeof(dns_q), &q), -1);
	assert_int_equal(q.err, DNS_E_SHORT);
}

/* Writes a query for labels of the given lengths ('a'..), returns its length. */
static size_t
dns_build(uint8_t *b, const int *labs, size_t nlabs)
{
	size_t	 n = DNS_HDR_LEN;

	memset(b, 0, DNS_HDR_LEN);
	b[5] = 1;
	for (size_t i = 0; i < nlabs; i++) {
		b[n++] = (uint8_t)labs[i];
		memset(b + n, 'a' + (int)(i % 26), (size_t)labs[i]);
		n += (size_t)labs[i];
	}
	b[n++] = 0;
	b[n++] = 0, b[n++] = 1, b[n++] = 0, b[n++] = 1;
	return n;
}

static void
test_dns_name_limits(void **state)
{
	struct dns_query	 q;
	uint8_t			 b[600];
	int			 ok[] = { 63, 63, 63, 61 };	/* 255 wire bytes */
	int			 big[] = { 63, 63, 63, 62 };	/* 256 */
	int			 many[128];
	size_t			 n;

	(void)state;
	n = dns_build(b, ok, 4);
	assert_int_equal(dns_parse(b, n, &q), 0);
	assert_int_equal(q.namelen, DNS_NAME_MAX);
	assert_int_equal(strlen(q.name), DNS_NAME_MAX);
	n = dns_build(b, big, 4);
	assert_int_equal(dns_parse(b, n, &q), -1);
	assert_int_equal(q.err, DNS_E_NAMELEN);
	for (int i = 0; i < 128; i++)
		many[i] = 1;
	n = dns_build(b, many, 128);	/* 257 wire bytes of one-letter labels */
	assert_int_equal(dns_parse(b, n, &q), -1);
	assert_int_equal(q.err, DNS_E_NAMELEN);
	n = dns_build(b, many, 127);
	assert_int_equal(dns_parse(b, n, &q), 0);
	assert_int_equal(q.namelen, 253);

	/* The root. */
	n = dns_build(b, NULL, 0);
	assert_int_equal(dns_parse(b, n, &q), 0);
	assert_string_equal(q.name, "");
	assert_int_equal(q.namelen, 0);

	/* A dot, a backslash and a NUL inside labels cannot pass for separators. */
	{
		static const uint8_t odd[] = {
			0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
			5, 'e', 'v', '.', 'l', '\\', 3, 0, 'X', ' ', 3, 'c', 'o', 'm', 0,
			0, 1, 0, 1,
		};

		assert_int_equal(dns_parse(odd, sizeof(odd), &q), 0);
		assert_string_equal(q.name, "ev\\046l\\092.\\000x\\032.com");
	}
	/* Escapes that would push the presentation past DNS_NAME_MAX are refused. */
	n = dns_build(b, ok, 4);
	b[DNS_HDR_LEN + 1] = '.';
	assert_int_equal(dns_parse(b, n, &q), -1);
	assert_int_equal(q.err, DNS_E_NAMELEN);
}

static void
test_dns_tcp(void **state)
{
	struct dns_query	 q;
	uint8_t			 b[2 * (sizeof(dns_q) + 2)];
	size_t			 one = sizeof(dns_q) + 2;

	(void)state;
	b[0] = 0, b[1] = sizeof(dns_q);
	memcpy(b + 2, dns_q, sizeof(dns_q));
	memcpy(b + one, b, one);
	b[one + 2 + 1] = 0x01;	/* another id */

	assert_int_equal(dns_parse_tcp(b, sizeof(b), &q), 0);
	assert_string_equal(q.name, "www.example.com");
	assert_int_equal(q.wirelen, one);
	assert_int_equal(dns_parse_tcp(b + q.wirelen, sizeof(b) - one, &q), 0);
	assert_int_equal(q.id, 0xbe01);

	for (size_t n = 0; n < one; n++) {
		assert_int_equal(dns_parse_tcp(b, n, &q), -1);
		assert_int_equal(q.err, DNS_E_SHORT);
		assert_int_equal(q.need, n < 2 ? 2 : one);
	}
	/* A response need not wait for the rest of its message. */
	b[2 + 2] |= 0x80;
	assert_int_equal(dns_parse_tcp(b, 20, &q), -1);
	assert_int_equal(q.err, DNS_E_RESPONSE);
	b[1] = 11;
	assert_int_equal(dns_parse_tcp(b, sizeof(b), &q), -1);
	assert_int_equal(q.err, DNS_E_TCPLEN);
}

/* Deterministic byte flips of valid packets and queries: any answer but a crash. */
static void
test_pkt_dns_mutations(void **state)
{
	struct pkt_info		 pi;
	struct dns_query	 q;
	uint8_t			 b[128], v6[128];
	uint32_t		 x = 1234567u;
	size_t			 n6;

	(void)state;
	n6 = v6_start(v6, 0);
	n6 = v6_ext(v6, n6, 44, 0);
	memset(v6 + n6, 0, 8);
	v6[n6] = 6;
	n6 += 8;
	n6 = v6_tcp(v6, n6, "data");
	v6_finish(v6, n6);
	for (int i = 0; i < 30000; i++) {
		const uint8_t	*src = i % 3 == 0 ? v4_tcp_opts : i % 3 == 1 ? v6 : dns_q;
		size_t		 n = i % 3 == 0 ? sizeof(v4_tcp_opts) : i % 3 == 1 ? n6 :
				    sizeof(dns_q);

		memcpy(b, src, n);
		for (int j = 0; j < 1 + i % 4; j++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			b[x % n] = (uint8_t)(x >> 24);
		}
		if (i % 3 == 2) {
			if (dns_parse(b, n, &q) == 0)
				assert_int_equal(strlen(q.name), q.namelen);
		} else if (ip_parse(b, n, &pi) == 0)
			assert_true(pi.payload >= b && pi.payload + pi.paylen <= b + n);
	}
}

/* ---- tls ------------------------------------------------------------ */

struct wb {
	uint8_t	 b[8192];
	size_t	 n;
};

static void
wb_u8(struct wb *w, unsigned v)
{
	w->b[w->n++] = (uint8_t)v;
}

static void
wb_u16(struct wb *w, unsigned v)
{
	wb_u8(w, v >> 8);
	wb_u8(w, v & 0xff);
}

static void
wb_mem(struct wb *w, const void *p, size_t n)
{
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static size_t
wb_mark(struct wb *w, size_t bytes)
{
	size_t	 at = w->n;

	w->n += bytes;
	return at;
}

static void
wb_patch(struct wb *w, size_t at, size_t bytes)
{
	size_t	 v = w->n - at - bytes;

	for (size_t i = 0; i < bytes; i++)
		w->b[at + i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

#define CH_NOEXT	0x01	/* no extensions block at all */
#define CH_TLS13	0x02	/* supported_versions with GREASE, 1.3, 1.2 */
#define CH_ECH		0x04
#define CH_ESNI		0x08
#define CH_GREASE	0x10	/* GREASE extensions around the others */
#define CH_TWO_NAMES	0x20	/* a second host_name after the first */

/* A ClientHello handshake message (type, length, body) into w. */
static void
ch_build(struct wb *w, const char *sni, unsigned fl)
{
	size_t	 hs, ext, e, l;
	uint8_t	 rnd[32];

	memset(rnd, 0x5a, sizeof(rnd));
	w->n = 0;
	wb_u8(w, 1);
	hs = wb_mark(w, 3);
	wb_u16(w, 0x0303);
	wb_mem(w, rnd, 32);
	wb_u8(w, 32);
	wb_mem(w, rnd, 32);
	wb_u16(w, 6);
	wb_u16(w, 0x1301), wb_u16(w, 0xc02f), wb_u16(w, 0x00ff);
	wb_u8(w, 1), wb_u8(w, 0);
	if (!(fl & CH_NOEXT)) {
		ext = wb_mark(w, 2);
		if (fl & CH_GREASE)
			wb_u16(w, 0x3a3a), wb_u16(w, 0);
		if (sni != NULL) {
			wb_u16(w, 0);
			e = wb_mark(w, 2);
			l = wb_mark(w, 2);
			wb_u8(w, 0);
			wb_u16(w, (unsigned)strlen(sni));
			wb_mem(w, sni, strlen(sni));
			if (fl & CH_TWO_NAMES) {
				wb_u8(w, 0);
				wb_u16(w, 9);
				wb_mem(w, "other.org", 9);
			}
			wb_patch(w, l, 2);
			wb_patch(w, e, 2);
		}
		wb_u16(w, 10), wb_u16(w, 4), wb_u16(w, 2), wb_u16(w, 0x001d);
		if (fl & CH_TLS13) {
			wb_u16(w, 43), wb_u16(w, 7), wb_u8(w, 6);
			wb_u16(w, 0x5a5a), wb_u16(w, 0x0304), wb_u16(w, 0x0303);
		}
		if (fl & CH_ECH) {
			wb_u16(w, 0xfe0d), wb_u16(w, 4);
			wb_u16(w, 0), wb_u16(w, 0x0001);
		}
		if (fl & CH_ESNI)
			wb_u16(w, 0xffce), wb_u16(w, 3), wb_u8(w, 1), wb_u16(w, 2);
		if (fl & CH_GREASE)
			wb_u16(w, 0xfafa), wb_u16(w, 1), wb_u8(w, 0);
		wb_u16(w, 21), wb_u16(w, 5);
		wb_mem(w, "\0\0\0\0\0", 5);
		wb_patch(w, ext, 2);
	}
	wb_patch(w, hs, 3);
}

/* Wraps the handshake bytes m[0..n) in records of at most frag bytes each. */
static size_t
ch_records(const struct wb *m, size_t frag, uint8_t *out)
{
	size_t	 o = 0, c;

	for (size_t i = 0; i < m->n; i += c) {
		c = m->n - i < frag ? m->n - i : frag;
		out[o++] = 0x16, out[o++] = 0x03, out[o++] = 0x01;
		out[o++] = (uint8_t)(c >> 8), out[o++] = (uint8_t)c;
		memcpy(out + o, m->b + i, c);
		o += c;
	}
	return o;
}

static void
test_tls_client_hello(void **state)
{
	struct wb		 m;
	uint8_t			 rec[16384];
	struct tls_hello	 h;
	size_t			 n;

	(void)state;
	ch_build(&m, "WWW.Example.org", CH_TLS13 | CH_GREASE);
	n = ch_records(&m, 16384, rec);
	assert_int_equal(tls_parse(rec, n, &h), TLS_OK);
	assert_string_equal(h.sni, "www.example.org");
	assert_int_equal(h.snilen, 15);
	assert_int_equal(h.tls13, 1);
	assert_int_equal(h.max_version, 0x0304);
	assert_int_equal(h.legacy_version, 0x0303);
	assert_int_equal(h.record_version, 0x0301);
	assert_int_equal(h.ech, 0);
	assert_int_equal(h.esni, 0);
	assert_int_equal(h.used, n);

	ch_build(&m, "a.example", CH_ECH);
	n = ch_records(&m, 16384, rec);
	assert_int_equal(tls_parse(rec, n, &h), TLS_OK);
	assert_string_equal(h.sni, "a.example");
	assert_int_equal(h.ech, 1);
	assert_int_equal(h.tls13, 0);
	assert_int_equal(h.max_version, 0x0303);

	ch_build(&m, NULL, CH_TLS13 | CH_ESNI);
	n = ch_records(&m, 16384, rec);
	assert_int_equal(tls_parse(rec, n, &h), TLS_NO_SNI);
	assert_int_equal(h.esni, 1);
	assert_int_equal(h.snilen, 0);
	assert_string_equal(h.sni, "");

	ch_build(&m, NULL, CH_NOEXT);
	n = ch_records(&m, 16384, rec);
	assert_int_equal(tls_parse(rec, n, &h), TLS_NO_SNI);

	/* Only the first host_name counts. */
	ch_build(&m, "first.example", CH_TWO_NAMES);
	n = ch_records(&m, 16384, rec);
	assert_int_equal(tls_parse(rec, n, &h), TLS_OK);
	assert_string_equal(h.sni, "first.example");

	/* Something after the ClientHello (a client's early data, say) is not read. */
	ch_build(&m, "x.example", 0);
	n = ch_records(&m, 16384, rec);
	memcpy(rec + n, "\x17\x03\x03\x00\x01\x00", 6);
	assert_int_equal(tls_parse(rec, n + 6, &h), TLS_OK);
	assert_int_equal(h.used, n);
}

/* QUIC's CRYPTO stream holds the handshake message without records. */
static void
test_tls_bare_handshake(void **state)
{
	struct wb		 m;
	struct tls_hello	 h;

	(void)state;
	ch_build(&m, "quic.example", CH_TLS13 | CH_ECH);
	assert_int_equal(tls_parse_raw(m.b, m.n, &h), TLS_OK);
	assert_string_equal(h.sni, "quic.example");
	assert_int_equal(h.ech, 1);
	assert_int_equal(h.tls13, 1);
	assert_int_equal(h.used, m.n);
	assert_int_equal(h.record_version, 0);
	for (size_t k = 0; k < m.n; k++) {
		assert_int_equal(tls_parse_raw(m.b, k, &h), TLS_NEED_MORE);
		assert_int_equal(h.need, k < 4 ? 4 : m.n);
	}
	ch_build(&m, NULL, CH_TLS13);
	assert_int_equal(tls_parse_raw(m.b, m.n, &h), TLS_NO_SNI);
	m.b[0] = 2;
	assert_int_equal(tls_parse_raw(m.b, m.n, &h), TLS_MALFORMED);
	/* A record header is not a handshake message here. */
	assert_int_equal(tls_parse_raw("\x16\x03\x01\x00\x10", 5, &h), TLS_MALFORMED);
}

/* Every prefix of every fragmentation: never a name that is not the one sent. */
static void
test_tls_fragments_and_prefixes(void **state)
{
	static const size_t	 frags[] = { 1, 2, 3, 7, 41, 64, 100, 511, 16384 };
	struct wb		 m;
	uint8_t			 rec[16384];
	struct tls_hello	 h;
	size_t			 n, f, k;
	enum tls_result		 r;

	(void)state;
	ch_build(&m, "split.example.net", CH_TLS13 | CH_ECH | CH_GREASE);
	for (f = 0; f < sizeof(frags) / sizeof(frags[0]); f++) {
		n = ch_records(&m, frags[f], rec);
		assert_int_equal(tls_parse(rec, n, &h), TLS_OK);
		assert_string_equal(h.sni, "split.example.net");
		assert_int_equal(h.ech, 1);
		assert_int_equal(h.tls13, 1);
		for (k = 0; k < n; k++) {
			r = tls_parse(rec, k, &h);
			if (r != TLS_NEED_MORE)
				print_message("frag %zu prefix %zu: %s (%s)\n",
				    frags[f], k, tls_result_str(r),
				    h.why ? h.why : "");
			assert_int_equal(r, TLS_NEED_MORE);
			assert_true(h.need > k);
			assert_true(h.need <= n);
			if (h.snilen > 0)
				assert_string_equal(h.sni, "split.example.net");
		}
	}
}

static void
test_tls_refusals(void **state)
{
	struct wb		 m;
	uint8_t			 rec[16384], b[16384];
	struct tls_hello	 h;
	size_t			 n, sni_at;

	(void)state;
	assert_int_equal(tls_parse("GET / HTTP/1.1\r\n", 16, &h), TLS_NOT_TLS);
	assert_int_equal(tls_parse("\x16\x02", 2, &h), TLS_NOT_TLS);
	assert_int_equal(tls_parse("\x16", 1, &h), TLS_NEED_MORE);
	assert_int_equal(tls_parse("", 0, &h), TLS_NEED_MORE);
	assert_int_equal(h.need, 5);
	/* An SSLv2-format hello offering TLS 1.0: one cipher spec, a 16-byte challenge. */
	{
		uint8_t v2[30] = { 0x80, 28, 1, 3, 1, 0, 3, 0, 0, 0, 16,
		    0x00, 0x00, 0x2f };

		assert_int_equal(tls_parse(v2, sizeof(v2), &h), TLS_NO_SNI);
		assert_int_equal(h.legacy_version, 0x0301);
		assert_int_equal(h.used, 30);
		for (n = 0; n < sizeof(v2); n++)
			assert_int_equal(tls_parse(v2, n, &h), TLS_NEED_MORE);
		v2[1] = 29;
		assert_int_equal(tls_parse(v2, sizeof(v2), &h), TLS_MALFORMED);
		v2[2] = 2;
		assert_int_equal(tls_parse(v2, sizeof(v2), &h), TLS_NOT_TLS);
		assert_int_equal(tls_parse("\x80\x2e\x01\x04", 4, &h), TLS_NOT_TLS);
	}

	ch_build(&m, "name.example", CH_TLS13);
	n = ch_records(&m, 16384, rec);
	sni_at = 5 + 4 + 2 + 32 + 1 + 32 + 2 + 6 + 2 + 2;	/* ext type of server_name */
	assert_int_equal(rec[sni_at], 0);
	assert_int_equal(rec[sni_at + 1], 0);

#define MUT(off, val, want) do {					\
		memcpy(b, rec, n);					\
		b[(off)] = (uint8_t)(val);				\
		assert_int_equal(tls_parse(b, n, &h), (want));		\
		assert_int_equal(h.snilen, 0);				\
	} while (0)

	MUT(5, 2, TLS_MALFORMED);		/* a ServerHello */
	MUT(4, 10, TLS_MALFORMED);		/* record of 10 bytes: the hello runs into junk */
	MUT(3, 0x40, TLS_MALFORMED);		/* record longer than 2^14 */
	MUT(6, 0xff, TLS_MALFORMED);		/* handshake length 16 MiB, extensions end sooner */
	MUT(5 + 4 + 2 + 32, 33, TLS_MALFORMED);	/* session id > 32 */
	MUT(5 + 4 + 2 + 32 + 1 + 32 + 1, 7, TLS_MALFORMED);	/* odd cipher_suites length */
	MUT(sni_at - 1, 0, TLS_MALFORMED);	/* extensions length mismatch */
	MUT(sni_at + 2, 0xff, TLS_MALFORMED);	/* server_name past the extensions */
	MUT(sni_at + 5, 3, TLS_MALFORMED);	/* list length mismatch */
	MUT(sni_at + 8, 0xf0, TLS_MALFORMED);	/* host_name length past its list */
	MUT(sni_at + 8, 0, TLS_MALFORMED);	/* empty host_name */
	MUT(sni_at + 9 + 4, 0, TLS_MALFORMED);	/* NUL inside the name */
#undef MUT

	/* server_name twice */
	memcpy(b, rec, n);
	memcpy(b + sni_at + 17 + 4, "\x00\x00", 2);	/* the supported_groups ext becomes another server_name */
	assert_int_equal(tls_parse(b, n, &h), TLS_MALFORMED);

	/* A non-handshake record between fragments. */
	n = ch_records(&m, 50, rec);
	rec[55] = 0x17;
	assert_int_equal(tls_parse(rec, n, &h), TLS_MALFORMED);
	rec[55] = 0x16;
	rec[58] = 0, rec[59] = 0;	/* an empty record */
	assert_int_equal(tls_parse(rec, n, &h), TLS_MALFORMED);
}

/* Deterministic byte flips of a valid hello: any answer but a crash, and names stay C strings. */
static void
test_tls_mutations(void **state)
{
	struct wb		 m;
	uint8_t			 rec[16384], b[16384];
	struct tls_hello	 h;
	size_t			 n;
	uint32_t		 x = 2463534242u;

	(void)state;
	ch_build(&m, "mutate.example", CH_TLS13 | CH_ECH | CH_GREASE);
	n = ch_records(&m, 90, rec);
	for (int i = 0; i < 20000; i++) {
		memcpy(b, rec, n);
		for (int j = 0; j < 1 + i % 4; j++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			b[x % n] = (uint8_t)(x >> 24);
		}
		if (tls_parse(b, n, &h) == TLS_OK) {
			assert_true(h.snilen > 0 && h.snilen <= TLS_SNI_MAX);
			assert_int_equal(strlen(h.sni), h.snilen);
		}
	}
}

/* ---- http ----------------------------------------------------------- */

static const char http_get[] =
    "GET /search?q=cats HTTP/1.1\r\n"
    "User-Agent: test\r\n"
    "hOsT:  Www.Example.com:8080 \r\n"
    "Accept: */*\r\n"
    "\r\n";

static void
test_http_request(void **state)
{
	struct http_seen	 s;
	size_t			 n = strlen(http_get);

	(void)state;
	assert_int_equal(http_parse(http_get, n, &s), HTTP_OK);
	assert_string_equal(s.method, "GET");
	assert_string_equal(s.target, "/search?q=cats");
	assert_string_equal(s.path, "/search?q=cats");
	assert_string_equal(s.host, "Www.Example.com");
	assert_int_equal(s.port, 8080);

	for (size_t k = 0; k < n; k++) {
		enum http_result r = http_parse(http_get, k, &s);

		assert_int_equal(r, HTTP_NEED_MORE);
		if (s.host[0] != '\0')
			assert_string_equal(s.host, "Www.Example.com");
	}

	/* A body after the headers is not read. */
	{
		char b[256];

		snprintf(b, sizeof(b), "%sbody\x01\x02", http_get);
		assert_int_equal(http_parse(b, strlen(b), &s), HTTP_OK);
	}
}

static void
test_http_forms(void **state)
{
	struct http_seen	 s;

#define P(str)	http_parse((str), strlen(str), &s)
	(void)state;
	assert_int_equal(P("GET http://user@Proxy.Example:81/a/b?c HTTP/1.1\r\n"
	    "Host: ignored.example\r\n\r\n"), HTTP_OK);
	assert_string_equal(s.host, "Proxy.Example");
	assert_int_equal(s.port, 81);
	assert_string_equal(s.path, "/a/b?c");

	assert_int_equal(P("GET http://a.example HTTP/1.0\r\n\r\n"), HTTP_OK);
	assert_string_equal(s.host, "a.example");
	assert_string_equal(s.path, "/");

	/* Userinfo can hide a host name; the one after the last '@' is the host. */
	assert_int_equal(P("GET http://good.example@bad.example/ HTTP/1.1\r\n\r\n"), HTTP_OK);
	assert_string_equal(s.host, "bad.example");

	assert_int_equal(P("CONNECT tunnel.example:443 HTTP/1.1\r\nHost: tunnel.example:443\r\n\r\n"), HTTP_OK);
	assert_string_equal(s.host, "tunnel.example");
	assert_int_equal(s.port, 443);

	assert_int_equal(P("OPTIONS * HTTP/1.1\nHost: [2001:db8::1]:8443\n\n"), HTTP_OK);
	assert_string_equal(s.host, "2001:db8::1");
	assert_int_equal(s.port, 8443);
	assert_string_equal(s.path, "*");

	assert_int_equal(P("GET / HTTP/1.1\r\nHost: [::1]\r\n\r\n"), HTTP_OK);
	assert_string_equal(s.host, "::1");
	assert_int_equal(s.port, 0);

	assert_int_equal(P("GET / HTTP/1.1\r\nHost: 192.0.2.7:\r\n\r\n"), HTTP_OK);
	assert_string_equal(s.host, "192.0.2.7");

	assert_int_equal(P("POST /x HTTP/1.0\r\nContent-Length: 0\r\n\r\n"), HTTP_NO_HOST);
	assert_int_equal(P("GET / HTTP/1.1\r\nHost:\r\n\r\n"), HTTP_NO_HOST);
	assert_int_equal(P("GET / HTTP/1.1\r\nHost:   \r\n\r\n"), HTTP_NO_HOST);

	assert_int_equal(P("\x16\x03\x01\x02\x00\x01"), HTTP_NOT_HTTP);
	assert_int_equal(P("HTTP/1.1 200 OK\r\n\r\n"), HTTP_NOT_HTTP);
	assert_int_equal(P("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), HTTP_NOT_HTTP);
	assert_int_equal(P("GET /\r\n"), HTTP_NOT_HTTP);
	assert_int_equal(P("GET / HTTP/1.1x\r\n"), HTTP_NOT_HTTP);
	assert_int_equal(P(" GET / HTTP/1.1\r\n"), HTTP_NOT_HTTP);
	assert_int_equal(P("GET  / HTTP/1.1\r\n"), HTTP_NOT_HTTP);
	assert_int_equal(P("AVERYLONGTOKENTHATISNOTANYMETHODATALL / HTTP/1.1\r\n"), HTTP_NOT_HTTP);
	assert_int_equal(P("EHLO mail.example\r\n"), HTTP_NOT_HTTP);

	assert_int_equal(P("GET / HTTP/1.1\r\nHost: a.example\r\n X-Folded: b\r\n\r\n"), HTTP_MALFORMED);
	assert_int_equal(P("GET / HTTP/1.1\r\nHost: a.example\r\nhost: b.example\r\n\r\n"), HTTP_MALFORMED);
	assert_string_equal(s.host, "");
	assert_int_equal(P("GET / HTTP/1.1\r\nHost : a.example\r\n\r\n"), HTTP_MALFORMED);
	assert_int_equal(P("GET / HTTP/1.1\r\nHost: a.example\rX: y\r\n\r\n"), HTTP_MALFORMED);
	assert_int_equal(P("GET / HTTP/1.1\r\nHost: a.ex\x01mple\r\n\r\n"), HTTP_MALFORMED);
	assert_int_equal(P("GET / HTTP/1.1\r\nHost: a.example:80x\r\n\r\n"), HTTP_MALFORMED);
	assert_int_equal(P("GET / HTTP/1.1\r\nHost: a.example:65536\r\n\r\n"), HTTP_MALFORMED);
	assert_int_equal(P("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), HTTP_MALFORMED);
	assert_int_equal(P("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n"), HTTP_MALFORMED);
	assert_int_equal(P("GET / HTTP/1.1\r\nHost: :80\r\n\r\n"), HTTP_MALFORMED);
	assert_int_equal(P("GET / HTTP/1.1\r\nHost: u@a.example\r\n\r\n"), HTTP_MALFORMED);
	assert_int_equal(P("GET / HTTP/1.1\r\n: empty\r\n\r\n"), HTTP_MALFORMED);
	assert_int_equal(P("GET foo HTTP/1.1\r\nHost: a\r\n\r\n"), HTTP_MALFORMED);
	assert_int_equal(P("GET http:/x HTTP/1.1\r\nHost: a\r\n\r\n"), HTTP_MALFORMED);
	assert_int_equal(P("GET / HTTP/1.1\r\n\0Host: a\r\n\r\n"), HTTP_NEED_MORE);	/* strlen stops at NUL */
	assert_int_equal(http_parse("GET / HTTP/1.1\r\n\0Host: a\r\n\r\n", 28, &s), HTTP_MALFORMED);
#undef P
}

static void
test_http_limit(void **state)
{
	struct http_seen	 s;
	char			*b = malloc(HTTP_HEAD_MAX + 4096);
	size_t			 n;

	(void)state;
	assert_non_null(b);
	n = (size_t)sprintf(b, "GET / HTTP/1.1\r\nHost: big.example\r\n");
	while (n < HTTP_HEAD_MAX + 100)
		n += (size_t)sprintf(b + n, "Cookie: %0100d\r\n", 7);
	/* Still growing below the limit... */
	assert_int_equal(http_parse(b, HTTP_HEAD_MAX - 1, &s), HTTP_NEED_MORE);
	assert_string_equal(s.host, "big.example");
	/* ...judged at it. */
	assert_int_equal(http_parse(b, n, &s), HTTP_OK);
	assert_int_equal(s.partial, 1);
	assert_string_equal(s.host, "big.example");

	n = (size_t)sprintf(b, "GET / HTTP/1.1\r\n");
	while (n < HTTP_HEAD_MAX + 100)
		n += (size_t)sprintf(b + n, "Cookie: %0100d\r\n", 7);
	assert_int_equal(http_parse(b, n, &s), HTTP_MALFORMED);

	n = (size_t)sprintf(b, "GET /");
	memset(b + n, 'a', HTTP_HEAD_MAX);
	assert_int_equal(http_parse(b, HTTP_HEAD_MAX + 1, &s), HTTP_MALFORMED);
	free(b);
}

static void
test_http_mutations(void **state)
{
	struct http_seen	 s;
	uint8_t			 b[sizeof(http_get)];
	size_t			 n = strlen(http_get);
	uint32_t		 x = 88172645u;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		memcpy(b, http_get, n);
		for (int j = 0; j < 1 + i % 3; j++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			b[x % n] = (uint8_t)(x >> 24);
		}
		if (http_parse(b, n, &s) == HTTP_OK)
			assert_true(strlen(s.host) > 0);
	}
}

/* ---- the real captures ---------------------------------------------- */

#define FLOW_BUF	16384
#define FLOWS_MAX	2048
#define NAMES_MAX	512

struct flow {
	int		 af;
	uint8_t		 src[16], dst[16];
	uint16_t	 sport, dport;
	int		 have_base;
	uint32_t	 base;		/* sequence number of data[0] */
	size_t		 filled;
	size_t		 dnsoff;	/* next DNS-over-TCP message */
	int		 gap;		/* bytes went missing: nothing more can be appended */
	int		 done;
	uint8_t		 data[FLOW_BUF];
};

struct extract {
	struct flow	*flows;
	size_t		 nflows;
	char		 names[NAMES_MAX][TLS_SNI_BUFSZ];
	const char	*protos[NAMES_MAX];
	size_t		 nnames;
	/* ClientHellos: complete, with 1.3 offered, without SNI, with ECH, with ESNI */
	int		 ch, ch13, ch_nosni, ch_ech, ch_esni;
	int		 dns_udp, dns_tcp, http_req, http_cut, bad_ip;
};

static void
ex_name(struct extract *ex, const char *proto, const char *name, size_t len)
{
	char	 n[TLS_SNI_BUFSZ];

	if (len == 0)		/* a root-zone query names nothing */
		return;
	assert_true(len < sizeof(n));
	for (size_t i = 0; i < len; i++)
		n[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ?
		    name[i] + ('a' - 'A') : name[i]);
	n[len] = '\0';
	for (size_t i = 0; i < ex->nnames; i++)
		if (strcmp(ex->names[i], n) == 0 && strcmp(ex->protos[i], proto) == 0)
			return;
	assert_true(ex->nnames < NAMES_MAX);
	memcpy(ex->names[ex->nnames], n, len + 1);
	ex->protos[ex->nnames++] = proto;
}

/*
 * Every strict prefix of a real ClientHello or request head must ask for
 * more, and a name seen early must be the final one.
 */
static void
prefixes_tls(const uint8_t *data, size_t used, const struct tls_hello *full)
{
	struct tls_hello	 h;

	for (size_t k = 0; k < used; k++) {
		assert_int_equal(tls_parse(data, k, &h), TLS_NEED_MORE);
		if (h.snilen > 0)
			assert_string_equal(h.sni, full->sni);
	}
}

static void
prefixes_http(const uint8_t *data, size_t used, const char *host, size_t hostlen)
{
	struct http_seen	 s;

	for (size_t k = 0; k < used; k++) {
		assert_int_equal(http_parse(data, k, &s), HTTP_NEED_MORE);
		if (s.host[0] != '\0')
			assert_true(strlen(s.host) == hostlen &&
			    memcmp(s.host, host, hostlen) == 0);
	}
}

/* Retries the flow's parse on what has been reassembled so far. */
static void
flow_try(struct extract *ex, struct flow *f)
{
	struct dns_query	 q;
	struct tls_hello	 h;
	struct http_request	 r;
	enum tls_result		 tr;
	int			 full = f->filled == FLOW_BUF || f->gap;

	if (f->dport == 53) {
		while (dns_parse_query_tcp(f->data + f->dnsoff,
		    f->filled - f->dnsoff, &q) == 0) {
			ex->dns_tcp++;
			ex_name(ex, "dns", q.name, q.namelen);
			f->dnsoff += q.wirelen;
		}
		if (q.err != DNS_E_SHORT || full)
			f->done = 1;
		return;
	}
	/* Any port: what the first bytes look like decides, TLS first. */
	tr = tls_parse_client_hello(f->data, f->filled, &h);
	if (tr != TLS_NOT_TLS) {
		switch (tr) {
		case TLS_OK:
			ex_name(ex, "tls", h.sni, h.snilen);
			/* FALLTHROUGH */
		case TLS_NO_SNI:
			ex->ch++;
			ex->ch13 += h.tls13;
			ex->ch_nosni += h.snilen == 0;
			ex->ch_ech += h.ech;
			ex->ch_esni += h.esni;
			prefixes_tls(f->data, h.used, &h);
			f->done = 1;
			break;
		case TLS_NEED_MORE:
			f->done = full;
			break;
		default:
			f->done = 1;
			break;
		}
		return;
	}
	switch (http_parse_request(f->data, f->filled, &r)) {
	case HTTP_OK:
		ex->http_req++;
		ex_name(ex, "http", (const char *)r.host, r.hostlen);
		if (!r.partial)
			prefixes_http(f->data, r.headlen, (const char *)r.host,
			    r.hostlen);
		f->done = 1;
		break;
	case HTTP_NEED_MORE:
		/* A request whose headers never arrived in full. */
		if ((f->done = full))
			ex->http_cut++;
		break;
	default:
		f->done = 1;
		break;
	}
}

static struct flow *
flow_get(struct extract *ex, const struct pkt_info *pi)
{
	struct flow	*f;

	for (size_t i = 0; i < ex->nflows; i++) {
		f = &ex->flows[i];
		if (f->af == pi->af && f->sport == pi->sport &&
		    f->dport == pi->dport && memcmp(f->src, pi->src, 16) == 0 &&
		    memcmp(f->dst, pi->dst, 16) == 0)
			return f;
	}
	assert_true(ex->nflows < FLOWS_MAX);
	f = &ex->flows[ex->nflows++];
	memset(f, 0, offsetof(struct flow, data));
	f->af = pi->af;
	memcpy(f->src, pi->src, 16);
	memcpy(f->dst, pi->dst, 16);
	f->sport = pi->sport;
	f->dport = pi->dport;
	return f;
}

/*
 * The simplest reassembly that works for first flights: in-order bytes of
 * one direction, from the SYN (or the first data seen), overlaps trimmed,
 * anything after a hole ignored.
 */
static void
flow_tcp(struct extract *ex, const struct pkt_info *pi)
{
	struct flow	*f = flow_get(ex, pi);
	const uint8_t	*p = pi->payload;
	size_t		 n = pi->paylen, skip;
	uint32_t	 seq = pi->tcp_seq;
	int32_t		 rel;

	if (pi->tcp_flags & PKT_TCP_SYN) {
		memset(f, 0, offsetof(struct flow, data));
		f->af = pi->af;
		memcpy(f->src, pi->src, 16);
		memcpy(f->dst, pi->dst, 16);
		f->sport = pi->sport;
		f->dport = pi->dport;
		f->have_base = 1;
		f->base = ++seq;	/* SYN data (TFO) starts after the SYN */
	}
	if (n == 0 || f->done || f->gap)
		return;
	if (!f->have_base) {
		f->have_base = 1;
		f->base = seq;
	}
	rel = (int32_t)(seq - f->base);
	if (rel < 0) {
		if ((size_t)-(int64_t)rel >= n)
			return;
		p += -(int64_t)rel;
		n -= (size_t)-(int64_t)rel;
		rel = 0;
	}
	if ((size_t)rel > f->filled)
		return;			/* a hole before it */
	skip = f->filled - (size_t)rel;
	if (skip >= n)
		return;			/* a retransmission */
	n -= skip;
	if (n > FLOW_BUF - f->filled)
		n = FLOW_BUF - f->filled;
	memcpy(f->data + f->filled, p + skip, n);
	f->filled += n;
	if (pi->truncated)
		f->gap = 1;
	flow_try(ex, f);
}

static void
ex_packet(const uint8_t *ip, size_t caplen, size_t wirelen, void *arg)
{
	struct extract		*ex = arg;
	struct pkt_info		 pi;
	struct dns_query	 q;
	uint8_t			*b = exact(ip, caplen);

	if (pkt_parse_ip_cap(b, caplen, wirelen, &pi) == -1) {
		ex->bad_ip++;
		goto out;
	}
	if (pi.fragment == PKT_FRAG_LATER)
		goto out;
	if (pi.proto == PKT_PROTO_UDP && pi.dport == 53) {
		if (dns_parse_query(pi.payload, pi.paylen, &q) == 0) {
			ex->dns_udp++;
			ex_name(ex, "dns", q.name, q.namelen);
		}
	} else if (pi.proto == PKT_PROTO_TCP)
		flow_tcp(ex, &pi);
out:
	free(b);
}

/*
 * Names whose ClientHellos travel only in QUIC Initials, so no DNS, TLS or
 * HTTP parser can produce them (test_quic covers them).  Checked: none of
 * them occurs in clear anywhere in the file, and decrypting the file's
 * Initials (RFC 9001 initial keys) yields exactly these SNIs.  A name past
 * a capped list is included so the expected total can be computed.
 */
static const char *const quic_only[][2] = {
	{ "mixed_chrome_sites.pcapng", "classroom.google.com" },
	{ "mixed_chrome_sites.pcapng", "hangouts.google.com" },
	{ "mixed_chrome_sites.pcapng", "plus.google.com" },
	{ "mixed_chrome_sites.pcapng", "www.threads.net" },	/* past the cap */
};
#define NQUIC_ONLY	(sizeof(quic_only) / sizeof(quic_only[0]))

static int
quic_only_count(const char *file, const char *name)
{
	int	 n = 0;

	for (size_t i = 0; i < NQUIC_ONLY; i++)
		if (strcmp(quic_only[i][0], file) == 0 &&
		    (name == NULL || strcmp(quic_only[i][1], name) == 0))
			n++;
	return n;
}

/* Compares one fact with the manifest notes; 1 if they disagree. */
static int
fact(const char *file, const char *notes, const char *what, int got)
{
	int	 want = pcaputil_count(notes, what);

	if (want < 0 || want == got)
		return 0;
	print_message("# %s: %d %s, manifest says %d\n", file, got, what, want);
	return 1;
}

static void
test_capture(void **state)
{
	const char		*file = *state;
	char			 path[1200], *names, *tok, last[256] = "";
	struct pcaputil_row	 row;
	struct extract		*ex;
	struct stat		 st;
	long			 npkt;
	int			 capped, total, bad = 0, distinct = 0, http_hosts = 0;

	snprintf(path, sizeof(path), "%s/pcap/%s", pcaputil_dir(), file);
	if (stat(path, &st) == -1 || pcaputil_manifest(file, &row) == -1) {
		print_message("# no capture %s: skipped\n", path);
		skip();
	}
	ex = calloc(1, sizeof(*ex));
	names = strdup(row.names);
	if (ex == NULL || names == NULL ||
	    (ex->flows = calloc(FLOWS_MAX, sizeof(*ex->flows))) == NULL)
		fail_msg("out of memory");
	npkt = pcaputil_each(path, ex_packet, ex);
	for (size_t i = 0; i < ex->nflows; i++)	/* end of capture: last chance */
		if (!ex->flows[i].done && ex->flows[i].filled > 0) {
			ex->flows[i].gap = 1;
			flow_try(ex, &ex->flows[i]);
		}
	for (size_t i = 0; i < ex->nnames; i++) {
		size_t j;

		for (j = 0; j < i && strcmp(ex->names[j], ex->names[i]) != 0; j++)
			;
		distinct += j == i;
		http_hosts += strcmp(ex->protos[i], "http") == 0;
	}
	print_message("# %s: %ld packets, %zu flows, %d names (hellos %d, "
	    "1.3 %d, no SNI %d, ECH %d, ESNI %d; DNS UDP %d TCP %d; HTTP %d, "
	    "cut %d; bad IP %d)\n", file, npkt, ex->nflows, distinct, ex->ch,
	    ex->ch13, ex->ch_nosni, ex->ch_ech, ex->ch_esni, ex->dns_udp,
	    ex->dns_tcp, ex->http_req, ex->http_cut, ex->bad_ip);
	if (npkt <= 0)
		bad++;

	/* Every listed name not carried by QUIC alone is found. */
	for (char *s = names; (tok = strsep(&s, ",")) != NULL; ) {
		size_t i;

		if (*tok == '\0')
			continue;
		if (strcmp(tok, last) > 0)
			snprintf(last, sizeof(last), "%s", tok);
		if (quic_only_count(file, tok) > 0)
			continue;
		for (i = 0; i < ex->nnames && strcmp(ex->names[i], tok) != 0; i++)
			;
		if (i == ex->nnames) {
			print_message("# %s: %s not found\n", file, tok);
			bad++;
		}
	}
	/*
	 * Everything found is listed; where the list is capped at the first
	 * names alphabetically, a name past the last listed one is fine, and
	 * the total must then match the uncapped count minus QUIC's names.
	 */
	capped = strstr(row.notes, "names capped") != NULL;
	for (size_t i = 0; i < ex->nnames; i++)
		if (!pcaputil_listed(row.names, ex->names[i]) &&
		    !(capped && strcmp(ex->names[i], last) > 0)) {
			print_message("# %s: %s (%s) found but not listed\n", file,
			    ex->names[i], ex->protos[i]);
			bad++;
		}
	if (capped) {
		const char *of = strstr(row.notes, "alphabetically");

		total = of != NULL ? pcaputil_count(row.notes, "alphabetically") : -1;
		total -= quic_only_count(file, NULL);
		if (distinct != total) {
			print_message("# %s: %d names, expected %d\n", file,
			    distinct, total);
			bad++;
		}
	}
	/* The manifest's facts about the hellos and requests, where it gives them. */
	if (strstr(row.proto, "quic") == NULL) {
		bad += fact(file, row.notes, "TLS ClientHello(s)", ex->ch);
		bad += fact(file, row.notes, "offering TLS 1.3", ex->ch13);
		bad += fact(file, row.notes, "without SNI", ex->ch_nosni);
	}
	bad += fact(file, row.notes, "ClientHello(s) with encrypted_client_hello",
	    ex->ch_ech);
	bad += fact(file, row.notes, "request(s) without a captured Host",
	    ex->http_cut);
	bad += fact(file, row.notes, "distinct Host(s)", http_hosts);
	bad += fact(file, row.notes, "DNS queries", ex->dns_udp + ex->dns_tcp);
	bad += fact(file, row.notes, "over TCP)", ex->dns_tcp);
	if (strstr(row.notes, "ESNI") != NULL && ex->ch_esni != ex->ch)
		bad++;
	free(names);
	free(row.line);
	free(ex->flows);
	free(ex);
	assert_int_equal(bad, 0);
}

/* Every capture with DNS, TLS or HTTP traffic in the manifest. */
static const char *const captures[] = {
	"dns_udp_ipv6_nsid.pcapng",
	"dns_tcp_udp_ipv6_ipfrag.pcap",
	"dns_tcp_ipv4_one_query.pcap",
	"dns_udp_ipv4_dropbox.pcap",
	"tls12_curl.pcap",
	"tls13_chrome.pcap",
	"tls13_firefox.pcap",
	"tls12_safari.pcap",
	"tls12_null_link_localhost.pcap",
	"mixed_android.pcap",
	"mixed_iphone.pcap",
	"mixed_sll_kakaotalk.pcap",
	"tls13_split_ch_rawip_dingtalk.pcap",
	"tls_split_ch_rawip_gaijin.pcap",
	"tls13_nosni_huge_ch_12seg.pcapng",
	"tls13_esni_nosni.pcap",
	"tls12_nosni_google.pcap",
	"tls13_ech_grease_ipv6.pcapng",
	"tls13_yandex.pcapng",
	"http_ocsp.pcapng",
	"http_request_split_2seg.pcapng",
	"http_ipv6_vlan.pcap",
	"http_wow_launcher.pcap",
	"quic_v1_and_tls_google_meet.pcapng",
	"http_snaplen96_host_cut.pcap",
	"mixed_chrome_sites.pcapng",
	"tls13_split_ch_chrome_kyber_sni_in_2nd_seg.pcap",
	"tls13_sll2_single_packet.pcap",
};

/* A capture added to the manifest with DNS, TLS or HTTP traffic must be listed above. */
static void
test_capture_list_complete(void **state)
{
	char	 path[1200], *line = NULL, *s, *file, *proto;
	size_t	 cap = 0, i;
	FILE	*fp;

	(void)state;
	snprintf(path, sizeof(path), "%s/MANIFEST.tsv", pcaputil_dir());
	if ((fp = fopen(path, "r")) == NULL)
		skip();
	while (getline(&line, &cap, fp) > 0) {
		s = line;
		file = strsep(&s, "\t");
		if ((proto = strsep(&s, "\t")) == NULL ||
		    strcmp(file, "file") == 0 ||
		    (strstr(proto, "dns") == NULL && strstr(proto, "tls") == NULL &&
		    strstr(proto, "http") == NULL))
			continue;
		for (i = 0; i < sizeof(captures) / sizeof(captures[0]); i++)
			if (strcmp(captures[i], file) == 0)
				break;
		if (i == sizeof(captures) / sizeof(captures[0]))
			print_message("# %s is not in captures[]\n", file);
		assert_int_not_equal(i, sizeof(captures) / sizeof(captures[0]));
	}
	free(line);
	fclose(fp);
}

#define CAPTURE_TEST(i) \
	cmocka_unit_test_prestate(test_capture, (void *)(uintptr_t)captures[i])

static const struct CMUnitTest unit_tests[] = {
	cmocka_unit_test(test_pkt_ipv4_options),
	cmocka_unit_test(test_pkt_ipv4_udp_fragments),
	cmocka_unit_test(test_pkt_ipv6_ext_chain),
	cmocka_unit_test(test_pkt_ipv6_fragments),
	cmocka_unit_test(test_pkt_capture_cut),
	cmocka_unit_test(test_dns_query),
	cmocka_unit_test(test_dns_refusals),
	cmocka_unit_test(test_dns_name_limits),
	cmocka_unit_test(test_dns_tcp),
	cmocka_unit_test(test_pkt_dns_mutations),
	cmocka_unit_test(test_tls_client_hello),
	cmocka_unit_test(test_tls_fragments_and_prefixes),
	cmocka_unit_test(test_tls_bare_handshake),
	cmocka_unit_test(test_tls_refusals),
	cmocka_unit_test(test_tls_mutations),
	cmocka_unit_test(test_http_request),
	cmocka_unit_test(test_http_forms),
	cmocka_unit_test(test_http_limit),
	cmocka_unit_test(test_http_mutations),
	cmocka_unit_test(test_capture_list_complete),
};

#define NUNIT		(sizeof(unit_tests) / sizeof(unit_tests[0]))
#define NCAPTURES	(sizeof(captures) / sizeof(captures[0]))

int
main(void)
{
	struct CMUnitTest	 tests[NUNIT + NCAPTURES];
	size_t			 n = NUNIT;

	memcpy(tests, unit_tests, sizeof(unit_tests));
	/* One test per capture, named after the file. */
	for (size_t i = 0; i < NCAPTURES; i++) {
		struct CMUnitTest t = CAPTURE_TEST(i);

		t.name = captures[i];
		tests[n++] = t;
	}
	return _cmocka_run_group_tests("extract", tests, n, NULL, NULL);
}
