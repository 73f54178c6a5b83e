/* pkt: IPv4/IPv6 and UDP/TCP header parsing for raw IP packets (NFQUEUE payloads, pcap frames). */
#ifndef HALLPASS_PKT_H
#define HALLPASS_PKT_H

#include <stddef.h>
#include <stdint.h>

/* Values of pkt_info.fragment. */
#define PKT_FRAG_NONE	0	/* a whole datagram */
#define PKT_FRAG_FIRST	1	/* first of several fragments: transport header read, payload partial */
#define PKT_FRAG_LATER	2	/* a later fragment: no transport header, ports 0, payload = fragment data */

/* Bits of pkt_info.tcp_flags (byte 13 of the TCP header). */
#define PKT_TCP_FIN	0x01
#define PKT_TCP_SYN	0x02
#define PKT_TCP_RST	0x04
#define PKT_TCP_PSH	0x08
#define PKT_TCP_ACK	0x10

#define PKT_PROTO_TCP	6
#define PKT_PROTO_UDP	17

/* Why pkt_parse_ip() refused a packet; pkt_strerror() gives the text. */
enum pkt_err {
	PKT_E_NONE = 0,
	PKT_E_SHORT,		/* shorter than an IP header */
	PKT_E_VERSION,		/* neither IPv4 nor IPv6 */
	PKT_E_IHL,		/* IPv4 header length below 20 or past the buffer */
	PKT_E_TOTLEN,		/* IP total/payload length past the buffer, or below the header */
	PKT_E_JUMBO,		/* IPv6 payload length 0 (jumbogram): not supported */
	PKT_E_EXTHDR,		/* IPv6 extension header truncated, misplaced or too many */
	PKT_E_TCPHDR,		/* TCP header truncated or data offset out of bounds */
	PKT_E_UDPHDR,		/* UDP header truncated or length field out of bounds */
	PKT_E_CUT,		/* headers longer than the captured part (pkt_parse_ip_cap) */
};

struct pkt_info {
	int		 af;		/* AF_INET or AF_INET6 */
	uint8_t		 src[16];	/* IPv4 addresses in the first 4 bytes, rest zero */
	uint8_t		 dst[16];
	uint8_t		 proto;		/* upper-layer protocol (after IPv6 extension headers) */
	uint16_t	 sport, dport;	/* host order; 0 unless TCP/UDP with a header */
	const uint8_t	*payload;	/* TCP/UDP payload; for other protocols the data after the IP headers */
	size_t		 paylen;
	uint32_t	 tcp_seq;	/* host order */
	uint32_t	 tcp_ack;	/* host order; meaningful with PKT_TCP_ACK */
	uint8_t		 tcp_flags;	/* PKT_TCP_* */
	int		 fragment;	/* PKT_FRAG_* */
	int		 truncated;	/* pkt_parse_ip_cap(): payload cut short by the capture */
	enum pkt_err	 err;		/* set when pkt_parse_ip() returns -1 */
};

/*
 * Parses the raw IP packet in buf[0..len) into out.  Bytes past the IP
 * total length (link padding) are ignored.  IPv6 extension headers
 * (hop-by-hop, routing, destination options, fragment, AH, mobility, HIP,
 * shim6) are walked; ESP and "no next header" end the walk with proto set to
 * 50 or 59.  Non-first fragments return 0 with fragment = PKT_FRAG_LATER and
 * no ports.  Pointers in out point into buf.  Never reads past len.
 * @return 0, or -1 with out->err set for a malformed packet.
 */
int		 pkt_parse_ip(const uint8_t *buf, size_t len, struct pkt_info *out);

/*
 * The same for a packet of which only the first caplen bytes were captured
 * (a pcap snap length, an NFQUEUE copy range: NFQA_CAP_LEN) out of wirelen.
 * Length fields are checked against wirelen; every header must still lie
 * within caplen (else PKT_E_CUT); the payload is clipped to caplen and
 * truncated set when that cut it.  pkt_parse_ip(b, n, o) is
 * pkt_parse_ip_cap(b, n, n, o).  Never reads past caplen.
 * @return 0, or -1 with out->err set.
 */
int		 pkt_parse_ip_cap(const uint8_t *buf, size_t caplen,
		    size_t wirelen, struct pkt_info *out);

/* A short static description of err. */
const char	*pkt_strerror(enum pkt_err err);

#endif
