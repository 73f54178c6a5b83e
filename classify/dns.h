/* dns: the question of a DNS query message (UDP payload or TCP stream), as a lower-case name. */
#ifndef HALLPASS_DNS_H
#define HALLPASS_DNS_H

#include <stddef.h>
#include <stdint.h>

#define DNS_NAME_MAX	253		/* presentation length, no trailing dot */
#define DNS_NAME_BUFSZ	(DNS_NAME_MAX + 1)
#define DNS_HDR_LEN	12

/* Fields of dns_query.flags. */
#define DNS_FLAG_QR		0x8000
#define DNS_OPCODE(flags)	(((flags) >> 11) & 0x0f)

/* Why a message was refused; dns_strerror() gives the text. */
enum dns_err {
	DNS_E_NONE = 0,
	DNS_E_SHORT,		/* truncated: header, question or TCP message incomplete */
	DNS_E_RESPONSE,		/* QR=1 */
	DNS_E_QDCOUNT,		/* not exactly one question */
	DNS_E_POINTER,		/* compression pointer in the question name */
	DNS_E_LABELTYPE,	/* label length byte over 63: reserved types 0x40, 0x80 */
	DNS_E_NAMELEN,		/* name over 255 wire bytes, or over DNS_NAME_MAX when presented */
	DNS_E_TCPLEN,		/* TCP length prefix below a DNS header */
	/* dnsresp_parse() only: */
	DNS_E_QUERY,		/* QR=0 where a response was expected */
	DNS_E_BADPTR,		/* compression pointer outside the message, or too many in a row (a loop) */
	DNS_E_RDATA,		/* record data that does not match its type (A not 4 bytes, bad SVCB) */
};

struct dns_query {
	uint16_t	 id;
	uint16_t	 flags;		/* host order; QR is always 0 here */
	uint16_t	 qtype;
	uint16_t	 qclass;
	char		 name[DNS_NAME_BUFSZ];	/* NUL-terminated; "" for the root */
	size_t		 namelen;
	size_t		 wirelen;	/* bytes of input the message used (TCP: with prefix) */
	size_t		 need;		/* DNS_E_SHORT over TCP: total input bytes needed, if known */
	enum dns_err	 err;
};

/*
 * Parses the DNS query message in buf[0..len) (a UDP payload).  The question
 * name is written in presentation form: ASCII letters lower-cased, labels
 * joined by '.', no trailing dot; a byte that is '.', '\\' or not printable
 * ASCII is written as \DDD (RFC 1035) so no label can pass for two.  Character
 * policy is left to hostname_normalize().  Responses, qdcount != 1 and a
 * compressed question name are refused.  Sections after the question are not
 * read.  Never reads past len, never allocates.
 * @return 0, or -1 with q->err set.
 */
int		 dns_parse_query(const uint8_t *buf, size_t len, struct dns_query *q);

/*
 * The same for a DNS-over-TCP stream starting at buf: a 2-byte length prefix,
 * then the message.  q->wirelen is the prefix plus the message, where the
 * next pipelined message starts.  An incomplete message gives DNS_E_SHORT with
 * q->need set to the bytes required.
 * @return 0, or -1 with q->err set.
 */
int		 dns_parse_query_tcp(const uint8_t *buf, size_t len,
		    struct dns_query *q);

/* A short static description of err. */
const char	*dns_strerror(enum dns_err err);

#endif
