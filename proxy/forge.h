/* forge: builds the packets hallpassd answers blocked flows with (DNS answers, TCP resets, HTTP block pages, ICMP errors). */
#ifndef HALLPASS_FORGE_H
#define HALLPASS_FORGE_H

#include <stddef.h>
#include <stdint.h>

#include "pkt.h"

/* Every forged packet fits the minimum IPv6 MTU, so none is ever fragmented. */
#define FORGE_MAX	1280

#define FORGE_RCODE_NOERROR	0
#define FORGE_RCODE_SERVFAIL	2
#define FORGE_RCODE_NXDOMAIN	3
#define FORGE_RCODE_REFUSED	5

/* RFC 8914 Extended DNS Error codes a block answer may carry. */
#define FORGE_EDE_BLOCKED	15
#define FORGE_EDE_FILTERED	17

/* The answer to give a DNS query instead of the upstream's. */
struct forge_dns_answer {
	int		 rcode;
	const char	*cname;		/* answer with this CNAME first (safe search); NULL: none */
	const uint8_t	*a4;		/* na4 IPv4 addresses, 4 bytes each, given to A questions */
	size_t		 na4;
	const uint8_t	*a6;		/* na6 IPv6 addresses, 16 bytes each, given to AAAA questions */
	size_t		 na6;
	uint32_t	 ttl;
	uint16_t	 ede;		/* Extended DNS Error code (with EDNS queries only); 0: none */
	const char	*ede_text;	/* its text, may be NULL */
};

/*
 * Builds the DNS response message to query (the DNS message the client sent,
 * without any TCP length prefix): same id, question copied, the answer
 * records for the question's type, an OPT record with the EDE when the query
 * carried EDNS.  Returns the message length, or 0 when the query cannot be
 * answered (malformed, or the answer would not fit outsz).
 */
size_t	forge_dns_message(const uint8_t *query, size_t qlen,
	    const struct forge_dns_answer *, uint8_t *out, size_t outsz);

/*
 * Wraps payload in a UDP datagram from q's destination to q's source (the
 * reply direction of the parsed client packet q), with an IPv4 or IPv6
 * header and checksums.  Returns the packet length, or 0 if it won't fit.
 */
size_t	forge_udp_reply(const struct pkt_info *q, const uint8_t *payload,
	    size_t len, uint8_t *out, size_t outsz);

/*
 * A TCP segment of q's connection.  to_client: from q's destination to q's
 * source with seq = q's ack and ack = q's seq + q's payload length (what the
 * server would send next); otherwise in q's own direction with seq = q's seq
 * (what the server expects next).  flags are PKT_TCP_* bits; payload may be
 * NULL.  Returns the packet length, or 0 if it won't fit.
 */
size_t	forge_tcp(const struct pkt_info *q, int to_client, uint8_t flags,
	    const uint8_t *payload, size_t len, uint8_t *out, size_t outsz);

/*
 * An ICMP "administratively prohibited" (IPv4 type 3 code 13, IPv6 type 1
 * code 1) about the client packet ip[0..len) (parsed as q), from its
 * destination back to its source, quoting as much of it as fits.
 */
size_t	forge_icmp_prohibited(const struct pkt_info *q, const uint8_t *ip,
	    size_t len, uint8_t *out, size_t outsz);

/*
 * After a UDP payload was changed in place: sets the IP and UDP lengths of
 * the packet pkt[0..len), whose UDP header starts at l4off, and recomputes
 * the IPv4 header and UDP checksums.  (IPv6 extension headers before the UDP
 * header are counted in the payload length.)  -1 if the sizes do not fit.
 */
int	forge_fix_udp(uint8_t *pkt, size_t len, size_t l4off);

/* The RFC 1071 Internet checksum of data, with sum as a running partial sum. */
uint16_t forge_checksum(const void *data, size_t len, uint32_t sum);

#endif
