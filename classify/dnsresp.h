/* dnsresp: the addresses a DNS response gives for its question, and removal of the ECH parameter from HTTPS/SVCB answers. */
#ifndef HALLPASS_DNSRESP_H
#define HALLPASS_DNSRESP_H

#include <stddef.h>
#include <stdint.h>

#include "dns.h"

#define DNSRESP_MAX_ADDRS	32
#define DNSRESP_CHAIN_MAX	8	/* CNAMEs followed from the question name */
#define DNSRESP_PTR_HOPS	64	/* compression pointers followed within one name */
#define DNSRESP_MAX_EDITS	64	/* ech parameters dnsresp_strip_ech() removes from one message */

/* Record types and the SvcParamKey this module looks at. */
#define DNSRESP_T_A		1
#define DNSRESP_T_CNAME		5
#define DNSRESP_T_AAAA		28
#define DNSRESP_T_SVCB		64
#define DNSRESP_T_HTTPS		65
#define DNSRESP_SVC_ECH		5

#define DNSRESP_RCODE(flags)	((flags) & 0x0f)

struct dnsresp_addr {
	int		 af;		/* AF_INET (addr[0..4)) or AF_INET6 */
	uint8_t		 addr[16];
	uint32_t	 ttl;		/* RFC 2181 8: a TTL with the top bit set reads as 0 */
};

struct dnsresp {
	uint16_t	 id, flags, rcode;	/* host order; rcode is the header's 4 bits */
	uint16_t	 qtype;
	char		 qname[DNS_NAME_BUFSZ];	/* presentation form, lower-case, as dns_parse_query() */
	/*
	 * A/AAAA answers (class IN) whose owner is the qname or reached from
	 * it through the CNAME chain in this answer section, in message order,
	 * the first DNSRESP_MAX_ADDRS of them.
	 */
	size_t		 naddr;
	struct dnsresp_addr addr[DNSRESP_MAX_ADDRS];
	int		 has_ech;	/* an HTTPS (65) or SVCB (64) answer carries SvcParamKey 5 (ech) */
	enum dns_err	 err;
};

/*
 * Parses the DNS response message msg[0..len) (a UDP payload; over TCP the
 * caller strips the 2-byte length prefix).  QR must be 1 and there must be
 * exactly one question; its name may be compressed.  Every record of the
 * answer section is checked: owner names, compression pointers (any
 * direction, inside the message, at most DNSRESP_PTR_HOPS per name), and
 * the data of A (4 bytes), AAAA (16), CNAME (one name, exactly filling the
 * data) and SVCB/HTTPS (priority, target, parameters exactly filling the
 * data).  The CNAME chain is followed from the question name for up to
 * DNSRESP_CHAIN_MAX links, in any order of the records; a loop ends it.
 * has_ech looks at every SVCB/HTTPS record of the answer section, whatever
 * its owner.  The authority and additional sections are not read.  Never
 * reads past len, never allocates.
 * @return 0, or -1 with r->err set.
 */
int		 dnsresp_parse(const uint8_t *msg, size_t len, struct dnsresp *r);

/*
 * Writes into out[0..outsz) a copy of the response msg[0..len) with every
 * SvcParam of key 5 (ech) removed from the HTTPS/SVCB records of the answer
 * and additional sections (not the authority section, where such records
 * have no use).  Each edited record's RDLENGTH is rewritten; every
 * compression pointer in a name this module knows how to find (the
 * question, owner names, and the names in the data of NS, MD, MF, CNAME,
 * SOA, MB, MG, MR, PTR, MINFO, MX, RP, AFSDB, RT, PX, SRV and SVCB/HTTPS)
 * that targets bytes after a removed parameter is moved back by the bytes
 * removed before its target; all other bytes, trailing bytes included, are
 * copied unchanged.  A name compressed inside the data of another type
 * (RFC 3597 forbids it) would not be adjusted.  The whole message is
 * validated first, so a malformed message is never half-copied.
 * Signatures (RRSIG) over an edited RRset no longer verify: a validating
 * client will refuse the answer.
 * @return the new length (len exactly, and an identical copy, when there
 * was nothing to strip); 0 when msg is malformed or not a response, a
 * pointer targets a removed byte, more than DNSRESP_MAX_EDITS parameters
 * would go, or the result does not fit in outsz.
 */
size_t		 dnsresp_strip_ech(const uint8_t *msg, size_t len, uint8_t *out,
		    size_t outsz);

#endif
