/* dns: bounds-checked parsing of the single question of a DNS query. */
#include "dns.h"

#include <string.h>

#define DNS_WIRE_MAX	255	/* RFC 1035 2.3.4, with the root label */

static int
dns_fail(struct dns_query *q, enum dns_err err)
{
	q->err = err;
	return -1;
}

/* Appends c to q->name in presentation form; -1 when it would not fit. */
static int
dns_put(struct dns_query *q, uint8_t c)
{
	static const char	 digits[] = "0123456789";
	size_t			 n = q->namelen;

	if (c > 0x20 && c < 0x7f && c != '.' && c != '\\') {
		if (n + 1 > DNS_NAME_MAX)
			return -1;
		q->name[n] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
		q->namelen = n + 1;
		return 0;
	}
	if (n + 4 > DNS_NAME_MAX)
		return -1;
	q->name[n] = '\\';
	q->name[n + 1] = digits[c / 100];
	q->name[n + 2] = digits[(c / 10) % 10];
	q->name[n + 3] = digits[c % 10];
	q->namelen = n + 4;
	return 0;
}

/*
 * Reads the question name at buf[*off].  A query's question is never
 * compressed (nothing precedes it to point at), so any pointer is refused;
 * that also rules out pointer loops without having to detect them.
 */
static int
dns_name(const uint8_t *buf, size_t len, size_t *off, struct dns_query *q)
{
	size_t	 p = *off, wire = 0, lab, i;

	for (;;) {
		if (p >= len)
			return dns_fail(q, DNS_E_SHORT);
		lab = buf[p];
		if ((lab & 0xc0) == 0xc0)
			return dns_fail(q, DNS_E_POINTER);
		if (lab & 0xc0)
			return dns_fail(q, DNS_E_LABELTYPE);
		wire += lab + 1;
		if (wire > DNS_WIRE_MAX)
			return dns_fail(q, DNS_E_NAMELEN);
		p++;
		if (lab == 0)
			break;
		if (lab > len - p)
			return dns_fail(q, DNS_E_SHORT);
		if (q->namelen > 0) {
			if (q->namelen + 1 > DNS_NAME_MAX)
				return dns_fail(q, DNS_E_NAMELEN);
			q->name[q->namelen++] = '.';
		}
		for (i = 0; i < lab; i++)
			if (dns_put(q, buf[p + i]) == -1)
				return dns_fail(q, DNS_E_NAMELEN);
		p += lab;
	}
	q->name[q->namelen] = '\0';
	*off = p;
	return 0;
}

int
dns_parse_query(const uint8_t *buf, size_t len, struct dns_query *q)
{
	size_t	 off = DNS_HDR_LEN;

	memset(q, 0, sizeof(*q));
	if (len < DNS_HDR_LEN)
		return dns_fail(q, DNS_E_SHORT);
	q->id = (uint16_t)((buf[0] << 8) | buf[1]);
	q->flags = (uint16_t)((buf[2] << 8) | buf[3]);
	if (q->flags & DNS_FLAG_QR)
		return dns_fail(q, DNS_E_RESPONSE);
	if (buf[4] != 0 || buf[5] != 1)
		return dns_fail(q, DNS_E_QDCOUNT);
	if (dns_name(buf, len, &off, q) == -1)
		return -1;
	if (len - off < 4)
		return dns_fail(q, DNS_E_SHORT);
	q->qtype = (uint16_t)((buf[off] << 8) | buf[off + 1]);
	q->qclass = (uint16_t)((buf[off + 2] << 8) | buf[off + 3]);
	q->wirelen = len;
	return 0;
}

int
dns_parse_query_tcp(const uint8_t *buf, size_t len, struct dns_query *q)
{
	size_t	 mlen;

	if (len < 2) {
		memset(q, 0, sizeof(*q));
		q->need = 2;
		return dns_fail(q, DNS_E_SHORT);
	}
	mlen = (size_t)((buf[0] << 8) | buf[1]);
	if (mlen < DNS_HDR_LEN) {
		memset(q, 0, sizeof(*q));
		return dns_fail(q, DNS_E_TCPLEN);
	}
	if (len - 2 < mlen) {
		/*
		 * Judge what has arrived so far: a response or a broken
		 * question need not wait for the rest of the message.
		 */
		if (dns_parse_query(buf + 2, len - 2, q) == -1 &&
		    q->err != DNS_E_SHORT)
			return -1;
		memset(q, 0, sizeof(*q));
		q->need = 2 + mlen;
		return dns_fail(q, DNS_E_SHORT);
	}
	if (dns_parse_query(buf + 2, mlen, q) == -1)
		return -1;
	q->wirelen = 2 + mlen;
	return 0;
}

const char *
dns_strerror(enum dns_err err)
{
	switch (err) {
	case DNS_E_NONE:
		return "no error";
	case DNS_E_SHORT:
		return "message truncated";
	case DNS_E_RESPONSE:
		return "a response, not a query";
	case DNS_E_QDCOUNT:
		return "question count is not 1";
	case DNS_E_POINTER:
		return "compression pointer in the question";
	case DNS_E_LABELTYPE:
		return "label over 63 bytes (reserved label type)";
	case DNS_E_NAMELEN:
		return "name too long";
	case DNS_E_TCPLEN:
		return "TCP length prefix too small";
	case DNS_E_QUERY:
		return "a query, not a response";
	case DNS_E_BADPTR:
		return "compression pointer outside the message or looping";
	case DNS_E_RDATA:
		return "record data malformed for its type";
	}
	return "unknown error";
}
