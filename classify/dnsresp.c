/* dnsresp: bounds-checked reading of DNS responses (addresses for the question, ECH in HTTPS/SVCB) and removal of the ech parameter. */
#include "dnsresp.h"

#include <sys/socket.h>

#include <string.h>

#define DNSRESP_WIRE_MAX	255	/* RFC 1035 2.3.4, with the root label */
#define DNSRESP_NO_PTR		((size_t)-1)
#define DNSRESP_CLASS_IN	1

/* A resource record's fixed fields; offsets into the message. */
struct dnsresp_rr {
	size_t		 owner;		/* where the owner name starts */
	uint16_t	 type, class;
	uint32_t	 ttl;
	size_t		 rdata, rdend;
};

static uint16_t
dnsresp_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
dnsresp_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
dnsresp_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static int
dnsresp_fail(struct dnsresp *r, enum dns_err err)
{
	r->err = err;
	return -1;
}

/* Appends c to out[*n] in presentation form, as dns.c does; -1 when it would not fit. */
static int
dnsresp_put(char *out, size_t *n, uint8_t c)
{
	static const char	 digits[] = "0123456789";

	if (c > 0x20 && c < 0x7f && c != '.' && c != '\\') {
		if (*n + 1 > DNS_NAME_MAX)
			return -1;
		out[(*n)++] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
		return 0;
	}
	if (*n + 4 > DNS_NAME_MAX)
		return -1;
	out[(*n)++] = '\\';
	out[(*n)++] = digits[c / 100];
	out[(*n)++] = digits[(c / 10) % 10];
	out[(*n)++] = digits[c % 10];
	return 0;
}

/*
 * Checks the possibly compressed name at msg[*off]: the bytes in place must
 * end by lim, pointers may go anywhere inside msg[0..len).  Forward pointers
 * are accepted (some servers write them); a loop is caught by the hop bound,
 * or by the 255-byte limit when it passes through labels.  With out, writes
 * the presentation form there.  Sets *off past the bytes in place and *ptr
 * to the offset of the pointer ending them, or DNSRESP_NO_PTR.
 */
static enum dns_err
dnsresp_name(const uint8_t *msg, size_t len, size_t *off, size_t lim,
    char *out, size_t *ptr)
{
	size_t		 p = *off, end = 0, bound = lim, wire = 0, n = 0, lab;
	unsigned	 hops = 0;
	int		 inplace = 1;

	*ptr = DNSRESP_NO_PTR;
	for (;;) {
		if (p >= bound)
			return inplace ? DNS_E_SHORT : DNS_E_BADPTR;
		lab = msg[p];
		if ((lab & 0xc0) == 0xc0) {
			if (bound - p < 2)
				return inplace ? DNS_E_SHORT : DNS_E_BADPTR;
			if (inplace) {
				*ptr = p;
				end = p + 2;
				inplace = 0;
				bound = len;
			}
			if (++hops > DNSRESP_PTR_HOPS)
				return DNS_E_BADPTR;
			p = (size_t)(lab & 0x3f) << 8 | msg[p + 1];
			continue;
		}
		if (lab & 0xc0)
			return DNS_E_LABELTYPE;
		wire += lab + 1;
		if (wire > DNSRESP_WIRE_MAX)
			return DNS_E_NAMELEN;
		p++;
		if (lab == 0)
			break;
		if (lab > bound - p)
			return inplace ? DNS_E_SHORT : DNS_E_BADPTR;
		if (out != NULL) {
			if (n > 0) {
				if (n + 1 > DNS_NAME_MAX)
					return DNS_E_NAMELEN;
				out[n++] = '.';
			}
			for (size_t i = 0; i < lab; i++)
				if (dnsresp_put(out, &n, msg[p + i]) == -1)
					return DNS_E_NAMELEN;
		}
		p += lab;
	}
	if (out != NULL)
		out[n] = '\0';
	*off = inplace ? p : end;
	return DNS_E_NONE;
}

/*
 * Moves *p onto the next label of a name dnsresp_name() accepted, following
 * pointers; -1 if that somehow fails, so a bug here cannot read out of bounds.
 */
static int
dnsresp_label(const uint8_t *msg, size_t len, size_t *p, unsigned *hops)
{
	while (*p < len && (msg[*p] & 0xc0) == 0xc0) {
		if (len - *p < 2 || ++*hops > DNSRESP_PTR_HOPS)
			return -1;
		*p = (size_t)(msg[*p] & 0x3f) << 8 | msg[*p + 1];
	}
	if (*p >= len || (msg[*p] & 0xc0) || msg[*p] > len - *p - 1)
		return -1;
	return 0;
}

/* Whether the names at msg[a] and msg[b] are equal, ASCII case aside (RFC 4343). */
static int
dnsresp_name_eq(const uint8_t *msg, size_t len, size_t a, size_t b)
{
	unsigned	 ha = 0, hb = 0;

	for (int labels = 0; labels <= DNSRESP_WIRE_MAX / 2; labels++) {
		uint8_t	 l;

		if (dnsresp_label(msg, len, &a, &ha) == -1 ||
		    dnsresp_label(msg, len, &b, &hb) == -1 || msg[a] != msg[b])
			return 0;
		if ((l = msg[a]) == 0)
			return 1;
		for (size_t i = 1; i <= l; i++) {
			uint8_t x = msg[a + i], y = msg[b + i];

			if (x >= 'A' && x <= 'Z')
				x = (uint8_t)(x + ('a' - 'A'));
			if (y >= 'A' && y <= 'Z')
				y = (uint8_t)(y + ('a' - 'A'));
			if (x != y)
				return 0;
		}
		a += 1 + (size_t)l;
		b += 1 + (size_t)l;
	}
	return 0;
}

/* Reads one record's owner and fixed fields at msg[*off]; *off moves past its data. */
static enum dns_err
dnsresp_rr(const uint8_t *msg, size_t len, size_t *off, struct dnsresp_rr *rr)
{
	size_t		 ptr, rdlen;
	enum dns_err	 err;

	rr->owner = *off;
	if ((err = dnsresp_name(msg, len, off, len, NULL, &ptr)) != DNS_E_NONE)
		return err;
	if (len - *off < 10)
		return DNS_E_SHORT;
	rr->type = dnsresp_get16(msg + *off);
	rr->class = dnsresp_get16(msg + *off + 2);
	rr->ttl = dnsresp_get32(msg + *off + 4);
	rdlen = dnsresp_get16(msg + *off + 8);
	rr->rdata = *off + 10;
	if (rdlen > len - rr->rdata)
		return DNS_E_SHORT;
	rr->rdend = rr->rdata + rdlen;
	*off = rr->rdend;
	return DNS_E_NONE;
}

/*
 * Checks SVCB/HTTPS data (RFC 9460 2.2): priority, an uncompressed-by-rule
 * but here merely bounded target name, then key/length/value parameters that
 * exactly fill the data.  Sets *ech when key 5 is among them.
 */
static enum dns_err
dnsresp_svcb(const uint8_t *msg, size_t len, const struct dnsresp_rr *rr,
    int *ech)
{
	size_t		 p = rr->rdata + 2, ptr, vlen;

	if (rr->rdend - rr->rdata < 2)
		return DNS_E_RDATA;
	if (dnsresp_name(msg, len, &p, rr->rdend, NULL, &ptr) != DNS_E_NONE)
		return DNS_E_RDATA;
	while (p < rr->rdend) {
		if (rr->rdend - p < 4)
			return DNS_E_RDATA;
		vlen = dnsresp_get16(msg + p + 2);
		if (vlen > rr->rdend - p - 4)
			return DNS_E_RDATA;
		if (dnsresp_get16(msg + p) == DNSRESP_SVC_ECH)
			*ech = 1;
		p += 4 + vlen;
	}
	return DNS_E_NONE;
}

int
dnsresp_parse(const uint8_t *msg, size_t len, struct dnsresp *r)
{
	struct dnsresp_rr	 rr;
	size_t			 off = DNS_HDR_LEN, an_off, ptr, p;
	size_t			 chain[DNSRESP_CHAIN_MAX + 1], nchain = 1, i;
	unsigned		 an, k;
	enum dns_err		 err;
	int			 grew;

	memset(r, 0, sizeof(*r));
	if (len < DNS_HDR_LEN)
		return dnsresp_fail(r, DNS_E_SHORT);
	r->id = dnsresp_get16(msg);
	r->flags = dnsresp_get16(msg + 2);
	r->rcode = DNSRESP_RCODE(r->flags);
	if (!(r->flags & DNS_FLAG_QR))
		return dnsresp_fail(r, DNS_E_QUERY);
	if (dnsresp_get16(msg + 4) != 1)
		return dnsresp_fail(r, DNS_E_QDCOUNT);
	an = dnsresp_get16(msg + 6);
	if ((err = dnsresp_name(msg, len, &off, len, r->qname, &ptr)) !=
	    DNS_E_NONE)
		return dnsresp_fail(r, err);
	if (len - off < 4)
		return dnsresp_fail(r, DNS_E_SHORT);
	r->qtype = dnsresp_get16(msg + off);
	an_off = off + 4;

	/* First pass: every answer well formed, so the later passes cannot fail. */
	for (k = 0, off = an_off; k < an; k++) {
		if ((err = dnsresp_rr(msg, len, &off, &rr)) != DNS_E_NONE)
			return dnsresp_fail(r, err);
		switch (rr.type) {
		case DNSRESP_T_A:
		case DNSRESP_T_AAAA:
			if (rr.class == DNSRESP_CLASS_IN &&
			    rr.rdend - rr.rdata != (rr.type == DNSRESP_T_A ? 4u : 16u))
				return dnsresp_fail(r, DNS_E_RDATA);
			break;
		case DNSRESP_T_CNAME:
			p = rr.rdata;
			if ((err = dnsresp_name(msg, len, &p, rr.rdend, NULL,
			    &ptr)) != DNS_E_NONE)
				return dnsresp_fail(r, err == DNS_E_SHORT ?
				    DNS_E_RDATA : err);
			if (p != rr.rdend)
				return dnsresp_fail(r, DNS_E_RDATA);
			break;
		case DNSRESP_T_SVCB:
		case DNSRESP_T_HTTPS:
			if ((err = dnsresp_svcb(msg, len, &rr, &r->has_ech)) !=
			    DNS_E_NONE)
				return dnsresp_fail(r, err);
			break;
		}
	}

	/*
	 * The chain, by name offsets: each pass over the answers extends it by
	 * every link found in order, so the usual in-order chain takes one pass
	 * and any order at most DNSRESP_CHAIN_MAX.  A name already in the chain
	 * ends it (a CNAME loop).
	 */
	chain[0] = DNS_HDR_LEN;
	do {
		grew = 0;
		for (k = 0, off = an_off; k < an && nchain <= DNSRESP_CHAIN_MAX;
		    k++) {
			(void)dnsresp_rr(msg, len, &off, &rr);
			if (rr.type != DNSRESP_T_CNAME ||
			    rr.class != DNSRESP_CLASS_IN ||
			    !dnsresp_name_eq(msg, len, rr.owner, chain[nchain - 1]))
				continue;
			for (i = 0; i < nchain; i++)
				if (dnsresp_name_eq(msg, len, rr.rdata, chain[i]))
					break;
			if (i < nchain)
				break;
			chain[nchain++] = rr.rdata;
			grew = 1;
		}
	} while (grew && nchain <= DNSRESP_CHAIN_MAX);

	for (k = 0, off = an_off; k < an && r->naddr < DNSRESP_MAX_ADDRS; k++) {
		struct dnsresp_addr	*a = &r->addr[r->naddr];

		(void)dnsresp_rr(msg, len, &off, &rr);
		if ((rr.type != DNSRESP_T_A && rr.type != DNSRESP_T_AAAA) ||
		    rr.class != DNSRESP_CLASS_IN)
			continue;
		for (i = 0; i < nchain; i++)
			if (dnsresp_name_eq(msg, len, rr.owner, chain[i]))
				break;
		if (i == nchain)
			continue;
		a->af = rr.type == DNSRESP_T_A ? AF_INET : AF_INET6;
		memcpy(a->addr, msg + rr.rdata, rr.rdend - rr.rdata);
		a->ttl = rr.ttl > 0x7fffffffu ? 0 : rr.ttl;
		r->naddr++;
	}
	return 0;
}

/* ---- removing ech ------------------------------------------------------ */

/*
 * Two passes over the message with the same code: the first (out == NULL)
 * validates everything and records where ech parameters start and how long
 * they are; the second copies, leaving them out and moving pointers.
 */
struct dnsresp_strip {
	const uint8_t	*msg;
	size_t		 len;
	uint8_t		*out;
	size_t		 outsz, o;
	struct {
		size_t	 pos, cut;
	}		 edit[DNSRESP_MAX_EDITS];
	size_t		 nedit;
};

static int
dnsresp_copy(struct dnsresp_strip *s, size_t from, size_t n)
{
	if (s->out == NULL)
		return 0;
	if (n > s->outsz - s->o)
		return -1;
	memcpy(s->out + s->o, s->msg + from, n);
	s->o += n;
	return 0;
}

/* Copies the name at msg[*i] (bytes in place ending by lim), its final pointer moved back over the removed bytes. */
static int
dnsresp_copy_name(struct dnsresp_strip *s, size_t *i, size_t lim)
{
	size_t	 start = *i, ptr, target, shift = 0;

	if (dnsresp_name(s->msg, s->len, i, lim, NULL, &ptr) != DNS_E_NONE)
		return -1;
	if (ptr == DNSRESP_NO_PTR)
		return dnsresp_copy(s, start, *i - start);
	if (s->out == NULL)
		return 0;
	if (dnsresp_copy(s, start, ptr - start) == -1)
		return -1;
	target = (size_t)(s->msg[ptr] & 0x3f) << 8 | s->msg[ptr + 1];
	/* Edits are in message order; only those wholly before the target move it. */
	for (size_t e = 0; e < s->nedit && s->edit[e].pos <= target; e++) {
		if (target < s->edit[e].pos + s->edit[e].cut)
			return -1;	/* into a removed parameter */
		shift += s->edit[e].cut;
	}
	if (s->outsz - s->o < 2)
		return -1;
	dnsresp_put16(s->out + s->o, (uint16_t)(0xc000 | (target - shift)));
	s->o += 2;
	return 0;
}

/* SVCB/HTTPS data: priority, target, then each parameter but ech when strip is set. */
static int
dnsresp_copy_svcb(struct dnsresp_strip *s, size_t i, size_t rdend, int strip)
{
	size_t	 n;

	if (rdend - i < 2 || dnsresp_copy(s, i, 2) == -1)
		return -1;
	i += 2;
	if (dnsresp_copy_name(s, &i, rdend) == -1)
		return -1;
	while (i < rdend) {
		if (rdend - i < 4 ||
		    (n = dnsresp_get16(s->msg + i + 2)) > rdend - i - 4)
			return -1;
		if (strip && dnsresp_get16(s->msg + i) == DNSRESP_SVC_ECH) {
			if (s->out == NULL) {
				if (s->nedit == DNSRESP_MAX_EDITS)
					return -1;
				s->edit[s->nedit].pos = i;
				s->edit[s->nedit++].cut = 4 + n;
			}
		} else if (dnsresp_copy(s, i, 4 + n) == -1)
			return -1;
		i += 4 + n;
	}
	return 0;
}

/*
 * Record data by type: the layout of the types whose names may be
 * compressed (RFC 1035 3.3, RFC 3597 4 and the types it lets receivers
 * decompress), so their pointers can be moved; anything else is opaque.
 */
static int
dnsresp_copy_rdata(struct dnsresp_strip *s, uint16_t type, size_t i,
    size_t rdend, int strip)
{
	size_t	 fixed = 0, names = 1, tail = 0;

	switch (type) {
	case 2: case 3: case 4: case 5: case 7: case 8: case 9: case 12:
		break;			/* NS MD MF CNAME MB MG MR PTR */
	case 6:				/* SOA: mname, rname, five 32-bit fields */
		names = 2;
		tail = 20;
		break;
	case 14: case 17:		/* MINFO, RP */
		names = 2;
		break;
	case 15: case 18: case 21:	/* MX, AFSDB, RT */
		fixed = 2;
		break;
	case 26:			/* PX */
		fixed = 2;
		names = 2;
		break;
	case 33:			/* SRV */
		fixed = 6;
		break;
	case DNSRESP_T_SVCB:
	case DNSRESP_T_HTTPS:
		return dnsresp_copy_svcb(s, i, rdend, strip);
	default:
		return dnsresp_copy(s, i, rdend - i);
	}
	if (rdend - i < fixed || dnsresp_copy(s, i, fixed) == -1)
		return -1;
	i += fixed;
	while (names-- > 0)
		if (dnsresp_copy_name(s, &i, rdend) == -1)
			return -1;
	if (rdend - i != tail)
		return -1;
	return dnsresp_copy(s, i, tail);
}

/* One pass over the whole message; -1 if it is malformed or out is too small. */
static int
dnsresp_strip_pass(struct dnsresp_strip *s)
{
	const uint8_t	*msg = s->msg;
	size_t		 i = DNS_HDR_LEN, rdlen_o = 0, rd_o;
	unsigned	 count[3], sect, k;

	s->o = 0;
	if (s->len < DNS_HDR_LEN || !(msg[2] & 0x80) ||
	    dnsresp_get16(msg + 4) != 1 || dnsresp_copy(s, 0, DNS_HDR_LEN) == -1)
		return -1;
	for (sect = 0; sect < 3; sect++)
		count[sect] = dnsresp_get16(msg + 6 + 2 * sect);
	if (dnsresp_copy_name(s, &i, s->len) == -1 || s->len - i < 4 ||
	    dnsresp_copy(s, i, 4) == -1)
		return -1;
	i += 4;
	for (sect = 0; sect < 3; sect++) {
		for (k = 0; k < count[sect]; k++) {
			size_t rdlen;

			if (dnsresp_copy_name(s, &i, s->len) == -1 ||
			    s->len - i < 10)
				return -1;
			rdlen = dnsresp_get16(msg + i + 8);
			if (rdlen > s->len - i - 10 || dnsresp_copy(s, i, 10) == -1)
				return -1;
			rdlen_o = s->o - 2;
			rd_o = s->o;
			/* Answer (0) and additional (2) sections only. */
			if (dnsresp_copy_rdata(s, dnsresp_get16(msg + i), i + 10,
			    i + 10 + rdlen, sect != 1) == -1)
				return -1;
			if (s->out != NULL)
				dnsresp_put16(s->out + rdlen_o,
				    (uint16_t)(s->o - rd_o));
			i += 10 + rdlen;
		}
	}
	return dnsresp_copy(s, i, s->len - i);
}

size_t
dnsresp_strip_ech(const uint8_t *msg, size_t len, uint8_t *out, size_t outsz)
{
	struct dnsresp_strip	 s;

	memset(&s, 0, sizeof(s));
	s.msg = msg;
	s.len = len;
	if (dnsresp_strip_pass(&s) == -1)
		return 0;
	if (s.nedit == 0) {
		if (outsz < len)
			return 0;
		memcpy(out, msg, len);
		return len;
	}
	s.out = out;
	s.outsz = outsz;
	if (dnsresp_strip_pass(&s) == -1)
		return 0;
	return s.o;
}
