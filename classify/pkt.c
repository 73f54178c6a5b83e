/* pkt: bounds-checked IPv4/IPv6, extension header, TCP and UDP parsing of one raw IP packet. */
#include "pkt.h"

#include <string.h>
#include <sys/socket.h>

/* A packet with more extension headers than this is an evasion attempt, not traffic. */
#define PKT_EXTHDR_MAX	16

static uint16_t
pkt_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t
pkt_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | p[3];
}

static int
pkt_fail(struct pkt_info *out, enum pkt_err err)
{
	out->err = err;
	return -1;
}

/*
 * l4 starts the data after the IP headers: wlen bytes on the wire, clen of
 * them captured.  out->proto and out->fragment are set.
 */
static int
pkt_transport(const uint8_t *l4, size_t wlen, size_t clen, struct pkt_info *out)
{
	size_t	 off, ulen, wpay;

	out->payload = l4;
	out->paylen = clen;
	out->truncated = clen < wlen;
	if (out->fragment == PKT_FRAG_LATER)
		return 0;
	switch (out->proto) {
	case PKT_PROTO_TCP:
		if (wlen < 20)
			return pkt_fail(out, PKT_E_TCPHDR);
		if (clen < 20)
			return pkt_fail(out, PKT_E_CUT);
		off = (size_t)(l4[12] >> 4) * 4;
		if (off < 20 || off > wlen)
			return pkt_fail(out, PKT_E_TCPHDR);
		if (off > clen)
			return pkt_fail(out, PKT_E_CUT);
		out->sport = pkt_be16(l4);
		out->dport = pkt_be16(l4 + 2);
		out->tcp_seq = pkt_be32(l4 + 4);
		out->tcp_ack = pkt_be32(l4 + 8);
		out->tcp_flags = l4[13];
		out->payload = l4 + off;
		out->paylen = clen - off;
		break;
	case PKT_PROTO_UDP:
		if (wlen < 8)
			return pkt_fail(out, PKT_E_UDPHDR);
		if (clen < 8)
			return pkt_fail(out, PKT_E_CUT);
		ulen = pkt_be16(l4 + 4);
		/*
		 * A first fragment carries only part of the datagram the
		 * length field describes; anything else must fit, and bytes
		 * past the UDP length are not payload.
		 */
		if (ulen < 8 || (out->fragment == PKT_FRAG_NONE && ulen > wlen) ||
		    (out->fragment == PKT_FRAG_FIRST && ulen < wlen))
			return pkt_fail(out, PKT_E_UDPHDR);
		wpay = (out->fragment == PKT_FRAG_NONE ? ulen : wlen) - 8;
		out->sport = pkt_be16(l4);
		out->dport = pkt_be16(l4 + 2);
		out->payload = l4 + 8;
		out->paylen = clen - 8 < wpay ? clen - 8 : wpay;
		out->truncated = out->paylen < wpay;
		break;
	default:
		break;
	}
	return 0;
}

static int
pkt_ipv4(const uint8_t *buf, size_t cap, size_t wire, struct pkt_info *out)
{
	size_t		 ihl, tot, ctot;
	uint16_t	 frag;

	if (wire < 20)
		return pkt_fail(out, PKT_E_SHORT);
	if (cap < 20)
		return pkt_fail(out, PKT_E_CUT);
	ihl = (size_t)(buf[0] & 0x0f) * 4;
	if (ihl < 20 || ihl > wire)
		return pkt_fail(out, PKT_E_IHL);
	if (ihl > cap)
		return pkt_fail(out, PKT_E_CUT);
	tot = pkt_be16(buf + 2);
	if (tot < ihl || tot > wire)
		return pkt_fail(out, PKT_E_TOTLEN);
	ctot = tot < cap ? tot : cap;
	out->af = AF_INET;
	memcpy(out->src, buf + 12, 4);
	memcpy(out->dst, buf + 16, 4);
	out->proto = buf[9];
	frag = pkt_be16(buf + 6);
	if ((frag & 0x1fff) != 0)
		out->fragment = PKT_FRAG_LATER;
	else if (frag & 0x2000)
		out->fragment = PKT_FRAG_FIRST;
	/* Options need no interpretation: IHL already skips them. */
	return pkt_transport(buf + ihl, tot - ihl, ctot - ihl, out);
}

static int
pkt_ipv6(const uint8_t *buf, size_t cap, size_t wire, struct pkt_info *out)
{
	size_t		 off = 40, end, cend, hl;
	uint16_t	 offlg;
	uint8_t		 nh;
	int		 n;

	if (wire < 40)
		return pkt_fail(out, PKT_E_SHORT);
	if (cap < 40)
		return pkt_fail(out, PKT_E_CUT);
	out->af = AF_INET6;
	memcpy(out->src, buf + 8, 16);
	memcpy(out->dst, buf + 24, 16);
	nh = buf[6];
	end = 40 + (size_t)pkt_be16(buf + 4);
	if (end == 40 && nh == 0)
		return pkt_fail(out, PKT_E_JUMBO);
	if (end > wire)
		return pkt_fail(out, PKT_E_TOTLEN);
	cend = end < cap ? end : cap;
	for (n = 0; ; n++) {
		if (n == PKT_EXTHDR_MAX)
			return pkt_fail(out, PKT_E_EXTHDR);
		switch (nh) {
		case 0:		/* hop-by-hop: RFC 8200 allows it only first */
			if (n != 0)
				return pkt_fail(out, PKT_E_EXTHDR);
			/* FALLTHROUGH */
		case 43:	/* routing */
		case 60:	/* destination options */
		case 135:	/* mobility */
		case 139:	/* HIP */
		case 140:	/* shim6 */
		case 51:	/* AH */
		case 44:	/* fragment */
			/* Every one of these is at least 8 bytes long. */
			if (end - off < 8)
				return pkt_fail(out, PKT_E_EXTHDR);
			if (cend < off + 8)
				return pkt_fail(out, PKT_E_CUT);
			break;
		case 59:	/* no next header: whatever follows is not data */
			out->proto = nh;
			out->payload = buf + off;
			out->paylen = 0;
			return 0;
		default:	/* ESP, TCP, UDP, ICMPv6, anything else: the walk ends */
			out->proto = nh;
			return pkt_transport(buf + off, end - off, cend - off, out);
		}
		if (nh == 44) {
			nh = buf[off];
			offlg = pkt_be16(buf + off + 2);
			off += 8;
			if ((offlg & 0xfff8) != 0) {
				out->fragment = PKT_FRAG_LATER;
				out->proto = nh;
				return pkt_transport(buf + off, end - off,
				    cend - off, out);
			}
			if (offlg & 1)
				out->fragment = PKT_FRAG_FIRST;
			continue;
		}
		if (nh == 51)	/* AH counts 4-byte units, minus 2 */
			hl = ((size_t)buf[off + 1] + 2) * 4;
		else
			hl = ((size_t)buf[off + 1] + 1) * 8;
		if (hl > end - off)
			return pkt_fail(out, PKT_E_EXTHDR);
		nh = buf[off];
		off += hl;
		/* The next header must be captured to be read at all. */
		if (off > cend)
			return pkt_fail(out, PKT_E_CUT);
	}
}

int
pkt_parse_ip_cap(const uint8_t *buf, size_t caplen, size_t wirelen,
    struct pkt_info *out)
{
	memset(out, 0, sizeof(*out));
	if (caplen > wirelen)
		caplen = wirelen;
	if (caplen < 1)
		return pkt_fail(out, wirelen < 1 ? PKT_E_SHORT : PKT_E_CUT);
	switch (buf[0] >> 4) {
	case 4:
		return pkt_ipv4(buf, caplen, wirelen, out);
	case 6:
		return pkt_ipv6(buf, caplen, wirelen, out);
	default:
		return pkt_fail(out, PKT_E_VERSION);
	}
}

int
pkt_parse_ip(const uint8_t *buf, size_t len, struct pkt_info *out)
{
	return pkt_parse_ip_cap(buf, len, len, out);
}

const char *
pkt_strerror(enum pkt_err err)
{
	switch (err) {
	case PKT_E_NONE:
		return "no error";
	case PKT_E_SHORT:
		return "shorter than an IP header";
	case PKT_E_VERSION:
		return "not IPv4 or IPv6";
	case PKT_E_IHL:
		return "bad IPv4 header length";
	case PKT_E_TOTLEN:
		return "IP length field past the packet";
	case PKT_E_JUMBO:
		return "IPv6 jumbogram not supported";
	case PKT_E_EXTHDR:
		return "bad IPv6 extension header chain";
	case PKT_E_TCPHDR:
		return "bad TCP header";
	case PKT_E_UDPHDR:
		return "bad UDP header";
	case PKT_E_CUT:
		return "headers cut off by the capture length";
	}
	return "unknown error";
}
