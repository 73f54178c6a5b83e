/* forge: builds the packets hallpassd answers blocked flows with (DNS answers, TCP resets, HTTP block pages, ICMP errors). */
#include "forge.h"

#include <sys/socket.h>

#include <string.h>

#define IP4_HDR		20
#define IP6_HDR		40
#define UDP_HDR		8
#define TCP_HDR		20
#define ICMP_HDR	8

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
forge_sum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;

	for (; len > 1; len -= 2, p += 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len == 1)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t
forge_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t
forge_checksum(const void *data, size_t len, uint32_t sum)
{
	return forge_fold(forge_sum(data, len, sum));
}

/* Length of the wire-format name at msg[off..len), or 0 if it runs off the end or is compressed. */
static size_t
forge_name_len(const uint8_t *msg, size_t len, size_t off)
{
	size_t start = off;

	while (off < len) {
		uint8_t l = msg[off];

		if (l == 0)
			return off + 1 - start;
		if (l > 63)
			return 0;
		off += 1 + (size_t)l;
	}
	return 0;
}

/* Encodes a presentation name into wire labels; 0 if it is not a plain dotted name or won't fit. */
static size_t
forge_name_put(const char *name, uint8_t *out, size_t outsz)
{
	size_t	 o = 0, n = strlen(name);
	size_t	 i = 0;

	if (n > 253 || n + 2 > outsz)
		return 0;
	while (i < n) {
		size_t j = i;

		while (j < n && name[j] != '.')
			j++;
		if (j == i || j - i > 63)
			return 0;
		out[o++] = (uint8_t)(j - i);
		memcpy(out + o, name + i, j - i);
		o += j - i;
		i = j + 1;
	}
	out[o++] = 0;
	return o;
}

size_t
forge_dns_message(const uint8_t *q, size_t qlen, const struct forge_dns_answer *a,
    uint8_t *out, size_t outsz)
{
	size_t		 qn, o, cname_off = 0, nans = 0, edns = 0;
	uint16_t	 qtype, flags, owner = 0xc00c;	/* pointer to the question name */
	const uint8_t	*addrs = NULL;
	size_t		 naddr = 0, alen = 0;
	uint16_t	 atype = 0;

	if (qlen < 12 || get16(q + 4) != 1 || (qn = forge_name_len(q, qlen, 12)) == 0 ||
	    12 + qn + 4 > qlen || 12 + qn + 4 > outsz)
		return 0;
	qtype = get16(q + 12 + qn);
	/* EDNS: an OPT record (root owner, type 41) right after the question. */
	if (get16(q + 10) > 0 && 12 + qn + 4 + 11 <= qlen && q[12 + qn + 4] == 0 &&
	    get16(q + 12 + qn + 5) == 41)
		edns = 1;
	o = 12 + qn + 4;
	memcpy(out, q, o);
	/* QR, the query's opcode and RD, RA; AA stays clear: we are not the zone's server. */
	flags = (uint16_t)(0x8000 | (get16(q + 2) & 0x7900) | 0x0080 | (a->rcode & 0x0f));
	put16(out + 2, flags);
	put16(out + 4, 1);
	if (qtype == 1 && a->na4 > 0) {
		addrs = a->a4, naddr = a->na4, alen = 4, atype = 1;
	} else if (qtype == 28 && a->na6 > 0) {
		addrs = a->a6, naddr = a->na6, alen = 16, atype = 28;
	}
	if (a->rcode == FORGE_RCODE_NOERROR && a->cname != NULL) {
		uint8_t name[256];
		size_t	nl = forge_name_put(a->cname, name, sizeof(name));

		if (nl == 0 || o + 12 + nl > outsz)
			return 0;
		put16(out + o, owner);
		put16(out + o + 2, 5);
		put16(out + o + 4, 1);
		put32(out + o + 6, a->ttl);
		put16(out + o + 10, (uint16_t)nl);
		cname_off = o + 12;
		memcpy(out + cname_off, name, nl);
		o = cname_off + nl;
		nans++;
		owner = (uint16_t)(0xc000 | cname_off);
	}
	if (a->rcode == FORGE_RCODE_NOERROR) {
		for (size_t i = 0; i < naddr; i++) {
			if (o + 12 + alen > outsz)
				return 0;
			put16(out + o, owner);
			put16(out + o + 2, atype);
			put16(out + o + 4, 1);
			put32(out + o + 6, a->ttl);
			put16(out + o + 10, (uint16_t)alen);
			memcpy(out + o + 12, addrs + i * alen, alen);
			o += 12 + alen;
			nans++;
		}
	}
	put16(out + 6, (uint16_t)nans);
	put16(out + 8, 0);
	put16(out + 10, 0);
	if (edns) {
		size_t tl = a->ede != 0 && a->ede_text != NULL ? strlen(a->ede_text) : 0;
		size_t ol = a->ede != 0 ? 4 + 2 + tl : 0;

		if (tl > 200 || o + 11 + ol > outsz)
			return 0;
		out[o] = 0;
		put16(out + o + 1, 41);
		put16(out + o + 3, 1232);	/* the UDP size we would accept (DNS flag day 2020) */
		put32(out + o + 5, 0);
		put16(out + o + 9, (uint16_t)ol);
		o += 11;
		if (ol > 0) {
			put16(out + o, 15);	/* EDE option code */
			put16(out + o + 2, (uint16_t)(2 + tl));
			put16(out + o + 4, a->ede);
			memcpy(out + o + 6, a->ede_text != NULL ? a->ede_text : "", tl);
			o += ol;
		}
		put16(out + 10, 1);
	}
	return o;
}

/* Writes the IP header from src to dst carrying l4len bytes of proto; returns its length or 0. */
static size_t
forge_ip(int af, const uint8_t *src, const uint8_t *dst, uint8_t proto,
    size_t l4len, uint8_t *out, size_t outsz)
{
	if (af == AF_INET) {
		if (IP4_HDR + l4len > outsz)
			return 0;
		memset(out, 0, IP4_HDR);
		out[0] = 0x45;
		put16(out + 2, (uint16_t)(IP4_HDR + l4len));
		put16(out + 6, 0x4000);		/* DF: never fragmented */
		out[8] = 64;
		out[9] = proto;
		memcpy(out + 12, src, 4);
		memcpy(out + 16, dst, 4);
		put16(out + 10, forge_checksum(out, IP4_HDR, 0));
		return IP4_HDR;
	}
	if (IP6_HDR + l4len > outsz)
		return 0;
	memset(out, 0, IP6_HDR);
	out[0] = 0x60;
	put16(out + 4, (uint16_t)l4len);
	out[6] = proto;
	out[7] = 64;
	memcpy(out + 8, src, 16);
	memcpy(out + 24, dst, 16);
	return IP6_HDR;
}

/* The transport checksum over the pseudo-header of the IP header at ip and l4[0..len). */
static uint16_t
forge_l4_sum(int af, const uint8_t *ip, uint8_t proto, const uint8_t *l4, size_t len)
{
	uint32_t sum;

	if (af == AF_INET)
		sum = forge_sum(ip + 12, 8, 0);
	else
		sum = forge_sum(ip + 8, 32, 0);
	sum += proto;
	sum += (uint32_t)len;
	return forge_fold(forge_sum(l4, len, sum));
}

size_t
forge_udp_reply(const struct pkt_info *q, const uint8_t *payload, size_t len,
    uint8_t *out, size_t outsz)
{
	size_t		 h;
	uint8_t		*u;
	uint16_t	 ck;

	if (len > 0xffff - UDP_HDR ||
	    (h = forge_ip(q->af, q->dst, q->src, PKT_PROTO_UDP, UDP_HDR + len, out,
	    outsz)) == 0)
		return 0;
	u = out + h;
	put16(u, q->dport);
	put16(u + 2, q->sport);
	put16(u + 4, (uint16_t)(UDP_HDR + len));
	put16(u + 6, 0);
	memcpy(u + UDP_HDR, payload, len);
	ck = forge_l4_sum(q->af, out, PKT_PROTO_UDP, u, UDP_HDR + len);
	put16(u + 6, ck == 0 ? 0xffff : ck);
	return h + UDP_HDR + len;
}

size_t
forge_tcp(const struct pkt_info *q, int to_client, uint8_t flags,
    const uint8_t *payload, size_t len, uint8_t *out, size_t outsz)
{
	size_t		 h;
	uint8_t		*t;

	h = to_client ? forge_ip(q->af, q->dst, q->src, PKT_PROTO_TCP, TCP_HDR + len,
	    out, outsz) : forge_ip(q->af, q->src, q->dst, PKT_PROTO_TCP, TCP_HDR + len,
	    out, outsz);
	if (h == 0)
		return 0;
	t = out + h;
	memset(t, 0, TCP_HDR);
	if (to_client) {
		put16(t, q->dport);
		put16(t + 2, q->sport);
		put32(t + 4, q->tcp_ack);
		put32(t + 8, q->tcp_seq + (uint32_t)q->paylen);
		flags |= PKT_TCP_ACK;
	} else {
		put16(t, q->sport);
		put16(t + 2, q->dport);
		put32(t + 4, q->tcp_seq);
		/* A bare RST carries no acknowledgment. */
		if (flags & PKT_TCP_ACK)
			put32(t + 8, q->tcp_ack);
	}
	t[12] = (TCP_HDR / 4) << 4;
	t[13] = flags;
	put16(t + 14, flags & PKT_TCP_RST ? 0 : 8192);
	if (len > 0)
		memcpy(t + TCP_HDR, payload, len);
	put16(t + 16, forge_l4_sum(q->af, out, PKT_PROTO_TCP, t, TCP_HDR + len));
	return h + TCP_HDR + len;
}

size_t
forge_icmp_prohibited(const struct pkt_info *q, const uint8_t *ip, size_t len,
    uint8_t *out, size_t outsz)
{
	size_t	 hl = q->af == AF_INET ? IP4_HDR : IP6_HDR;
	size_t	 quote = len, h;
	uint8_t	*c;
	uint8_t	 proto = q->af == AF_INET ? 1 : 58;

	/* RFC 1812 / RFC 4443: quote as much as fits in a minimum-MTU packet. */
	if (outsz > FORGE_MAX)
		outsz = FORGE_MAX;
	if (q->af == AF_INET && quote > 576 - hl - ICMP_HDR)
		quote = 576 - hl - ICMP_HDR;
	if (hl + ICMP_HDR + quote > outsz)
		quote = outsz > hl + ICMP_HDR ? outsz - hl - ICMP_HDR : 0;
	if (quote == 0 ||
	    (h = forge_ip(q->af, q->dst, q->src, proto, ICMP_HDR + quote, out, outsz)) == 0)
		return 0;
	c = out + h;
	memset(c, 0, ICMP_HDR);
	if (q->af == AF_INET) {
		c[0] = 3;	/* destination unreachable */
		c[1] = 13;	/* communication administratively prohibited */
	} else {
		c[0] = 1;
		c[1] = 1;
	}
	memcpy(c + ICMP_HDR, ip, quote);
	if (q->af == AF_INET)
		put16(c + 2, forge_checksum(c, ICMP_HDR + quote, 0));
	else
		put16(c + 2, forge_l4_sum(AF_INET6, out, 58, c, ICMP_HDR + quote));
	return h + ICMP_HDR + quote;
}

int
forge_fix_udp(uint8_t *pkt, size_t len, size_t l4off)
{
	uint8_t		*u = pkt + l4off;
	size_t		 ulen = len - l4off;
	int		 af = (pkt[0] >> 4) == 4 ? AF_INET : AF_INET6;
	uint16_t	 ck;

	if (l4off + UDP_HDR > len || len > 0xffff ||
	    (af == AF_INET6 && (l4off < IP6_HDR || len - IP6_HDR > 0xffff)) ||
	    (af == AF_INET && l4off < IP4_HDR))
		return -1;
	if (af == AF_INET) {
		put16(pkt + 2, (uint16_t)len);
		put16(pkt + 10, 0);
		put16(pkt + 10, forge_checksum(pkt, (size_t)(pkt[0] & 0x0f) * 4, 0));
	} else
		put16(pkt + 4, (uint16_t)(len - IP6_HDR));
	put16(u + 4, (uint16_t)ulen);
	put16(u + 6, 0);
	ck = forge_l4_sum(af, pkt, PKT_PROTO_UDP, u, ulen);
	put16(u + 6, ck == 0 ? 0xffff : ck);
	return 0;
}
