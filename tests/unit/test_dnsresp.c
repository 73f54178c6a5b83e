/* test_dnsresp: the DNS response parser and ECH stripper on hand-built messages and on the real captures. */
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

#include "dnsresp.h"
#include "pkt.h"

#include "pcaputil.h"

#define T_NS	2
#define T_SOA	6
#define T_OPT	41
#define SVC_ALPN	1
#define SVC_PORT	3
#define SVC_V4HINT	4
#define SVC_V6HINT	6

/* ---- building messages ---------------------------------------------- */

struct msg {
	uint8_t	 b[8192];
	size_t	 n;
};

static void
m8(struct msg *m, unsigned v)
{
	assert_true(m->n < sizeof(m->b));
	m->b[m->n++] = (uint8_t)v;
}

static void
m16(struct msg *m, unsigned v)
{
	m8(m, v >> 8);
	m8(m, v & 0xff);
}

static void
m32(struct msg *m, uint32_t v)
{
	m16(m, v >> 16);
	m16(m, v & 0xffff);
}

static void
mbytes(struct msg *m, const void *p, size_t n)
{
	assert_true(n <= sizeof(m->b) - m->n);
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

/* Labels of a dotted name, without the terminating root label. */
static size_t
mlabels(struct msg *m, const char *dotted)
{
	size_t	 at = m->n;

	while (*dotted != '\0') {
		size_t l = strcspn(dotted, ".");

		m8(m, (unsigned)l);
		mbytes(m, dotted, l);
		dotted += l + (dotted[l] == '.');
	}
	return at;
}

/* An uncompressed name; returns where it starts. */
static size_t
mname(struct msg *m, const char *dotted)
{
	size_t	 at = mlabels(m, dotted);

	m8(m, 0);
	return at;
}

static void
mptr(struct msg *m, size_t off)
{
	m16(m, 0xc000 | (unsigned)off);
}

static void
mhdr(struct msg *m, unsigned id, unsigned flags, unsigned qd, unsigned an,
    unsigned ns, unsigned ar)
{
	m->n = 0;
	m16(m, id);
	m16(m, flags);
	m16(m, qd);
	m16(m, an);
	m16(m, ns);
	m16(m, ar);
}

static void
mq(struct msg *m, const char *name, unsigned type)
{
	mname(m, name);
	m16(m, type);
	m16(m, 1);
}

/* A record's fields after its owner; returns where RDLENGTH is, for mend(). */
static size_t
mrr(struct msg *m, unsigned type, uint32_t ttl)
{
	size_t	 at;

	m16(m, type);
	m16(m, 1);
	m32(m, ttl);
	at = m->n;
	m16(m, 0);
	return at;
}

static void
mend(struct msg *m, size_t at)
{
	size_t	 n = m->n - at - 2;

	m->b[at] = (uint8_t)(n >> 8);
	m->b[at + 1] = (uint8_t)n;
}

static void
ma(struct msg *m, uint32_t ttl, unsigned a, unsigned b, unsigned c, unsigned d)
{
	size_t	 at = mrr(m, DNSRESP_T_A, ttl);

	m8(m, a), m8(m, b), m8(m, c), m8(m, d);
	mend(m, at);
}

/* An SvcParam: key, length, value. */
static void
mparam(struct msg *m, unsigned key, const void *v, size_t n)
{
	m16(m, key);
	m16(m, (unsigned)n);
	mbytes(m, v, n);
}

static const uint8_t v6a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t v6b[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 0xff, [15] = 0x53 };

/* ---- calling the module on exact-size heap copies (ASan sees every overread) ---- */

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
parse(const void *p, size_t n, struct dnsresp *r)
{
	uint8_t		*b = exact(p, n);
	struct dnsresp	*h = malloc(sizeof(*h));	/* exact size too */
	int		 rc;

	assert_non_null(h);
	memset(h, 0xa5, sizeof(*h));
	rc = dnsresp_parse(b, n, h);
	memcpy(r, h, sizeof(*r));
	free(h);
	free(b);
	return rc;
}

/* Strips into an out buffer of exactly outsz bytes; the result is copied to res. */
static size_t
strip(const void *p, size_t n, size_t outsz, uint8_t *res)
{
	uint8_t	*b = exact(p, n), *o = malloc(outsz > 0 ? outsz : 1);
	size_t	 rn;

	assert_non_null(o);
	rn = dnsresp_strip_ech(b, n, o, outsz);
	assert_true(rn <= outsz);
	if (rn > 0 && res != NULL)
		memcpy(res, o, rn);
	free(o);
	free(b);
	return rn;
}

/* How prefixes() judges dnsresp_parse() on a cut message. */
#define CUT_ANY		0	/* records after the answers: parse may succeed */
#define CUT_SHORT	1	/* answers only: every cut is DNS_E_SHORT */
#define CUT_FWDPTR	2	/* answers only, a forward pointer: or DNS_E_BADPTR once cut off */

/*
 * Every strict prefix is refused by dnsresp_strip_ech() (it walks all
 * sections) and, for answer-only messages, by dnsresp_parse(); never read past.
 */
static void
prefixes(const struct msg *m, int how)
{
	struct dnsresp	 r;

	for (size_t n = 0; n < m->n; n++) {
		if (parse(m->b, n, &r) == 0)
			assert_int_equal(how, CUT_ANY);
		else if (how == CUT_SHORT || (how == CUT_FWDPTR && r.err != DNS_E_BADPTR))
			assert_int_equal(r.err, DNS_E_SHORT);
		assert_int_equal(strip(m->b, n, sizeof(m->b), NULL), 0);
	}
}

/* ---- addresses -------------------------------------------------------- */

static void
build_a(struct msg *m)
{
	mhdr(m, 0x1234, 0x8180, 1, 2, 0, 0);
	mq(m, "WWW.Example.COM", DNSRESP_T_A);
	mptr(m, 12);
	ma(m, 300, 93, 184, 216, 34);
	mptr(m, 12);
	ma(m, 0x80000001u, 192, 0, 2, 7);	/* top bit set: reads as 0 */
}

static void
test_a(void **state)
{
	struct msg	 m;
	struct dnsresp	 r;
	uint8_t		 out[sizeof(m.b)];

	(void)state;
	build_a(&m);
	assert_int_equal(parse(m.b, m.n, &r), 0);
	assert_int_equal(r.err, DNS_E_NONE);
	assert_int_equal(r.id, 0x1234);
	assert_int_equal(r.flags, 0x8180);
	assert_int_equal(r.rcode, 0);
	assert_int_equal(r.qtype, DNSRESP_T_A);
	assert_string_equal(r.qname, "www.example.com");
	assert_int_equal(r.has_ech, 0);
	assert_int_equal(r.naddr, 2);
	assert_int_equal(r.addr[0].af, AF_INET);
	assert_memory_equal(r.addr[0].addr, "\x5d\xb8\xd8\x22", 4);
	assert_int_equal(r.addr[0].ttl, 300);
	assert_int_equal(r.addr[1].af, AF_INET);
	assert_memory_equal(r.addr[1].addr, "\xc0\x00\x02\x07", 4);
	assert_int_equal(r.addr[1].ttl, 0);
	prefixes(&m, CUT_SHORT);

	/* Nothing to strip: an identical copy, needing all len bytes of room. */
	assert_int_equal(strip(m.b, m.n, m.n, out), m.n);
	assert_memory_equal(out, m.b, m.n);
	assert_int_equal(strip(m.b, m.n, m.n - 1, out), 0);

	/* Records of another class are not addresses. */
	m.b[12 + 17 + 4 + 2 + 2 + 1] = 3;	/* first answer: class CH */
	assert_int_equal(parse(m.b, m.n, &r), 0);
	assert_int_equal(r.naddr, 1);
	assert_int_equal(r.addr[0].addr[0], 192);
}

static void
test_aaaa(void **state)
{
	struct msg	 m;
	struct dnsresp	 r;
	size_t		 at;

	(void)state;
	mhdr(&m, 7, 0x8580, 1, 3, 0, 0);
	mq(&m, "v6.example", DNSRESP_T_AAAA);
	mptr(&m, 12);
	at = mrr(&m, DNSRESP_T_AAAA, 86400);
	mbytes(&m, v6a, 16);
	mend(&m, at);
	mptr(&m, 12);
	ma(&m, 5, 10, 1, 2, 3);		/* an A among AAAAs still counts */
	mptr(&m, 12);
	at = mrr(&m, DNSRESP_T_AAAA, 7);
	mbytes(&m, v6b, 16);
	mend(&m, at);
	assert_int_equal(parse(m.b, m.n, &r), 0);
	assert_int_equal(r.qtype, DNSRESP_T_AAAA);
	assert_string_equal(r.qname, "v6.example");
	assert_int_equal(r.naddr, 3);
	assert_int_equal(r.addr[0].af, AF_INET6);
	assert_memory_equal(r.addr[0].addr, v6a, 16);
	assert_int_equal(r.addr[0].ttl, 86400);
	assert_int_equal(r.addr[1].af, AF_INET);
	assert_memory_equal(r.addr[1].addr, "\x0a\x01\x02\x03", 4);
	assert_int_equal(r.addr[2].af, AF_INET6);
	assert_memory_equal(r.addr[2].addr, v6b, 16);
	assert_int_equal(r.addr[2].ttl, 7);
	prefixes(&m, CUT_SHORT);
}

/* www.x.test CNAME cdn.y.test CNAME edge.z.test; A for edge (twice), A for another name. */
static void
test_cname_chain(void **state)
{
	struct msg	 m;
	struct dnsresp	 r;
	size_t		 at, cdn, edge;

	(void)state;
	mhdr(&m, 1, 0x8180, 1, 5, 0, 0);
	mq(&m, "www.x.test", DNSRESP_T_A);
	mptr(&m, 12);
	at = mrr(&m, DNSRESP_T_CNAME, 100);
	cdn = mname(&m, "cdn.y.test");
	mend(&m, at);
	mptr(&m, cdn);
	at = mrr(&m, DNSRESP_T_CNAME, 100);
	edge = mlabels(&m, "edge");
	mptr(&m, cdn + 4);		/* edge. + pointer to y.test */
	mend(&m, at);
	mname(&m, "other.test");
	ma(&m, 1, 10, 0, 0, 9);
	mptr(&m, edge);
	ma(&m, 60, 198, 51, 100, 1);
	mlabels(&m, "EDGE.Y");		/* another case, spelled out, then a pointer */
	mptr(&m, cdn + 6);
	ma(&m, 61, 198, 51, 100, 2);
	assert_int_equal(parse(m.b, m.n, &r), 0);
	assert_string_equal(r.qname, "www.x.test");
	assert_int_equal(r.naddr, 2);
	assert_memory_equal(r.addr[0].addr, "\xc6\x33\x64\x01", 4);
	assert_int_equal(r.addr[0].ttl, 60);
	assert_memory_equal(r.addr[1].addr, "\xc6\x33\x64\x02", 4);
	assert_int_equal(r.addr[1].ttl, 61);
	prefixes(&m, CUT_SHORT);

	/* The same chain in reverse order. */
	mhdr(&m, 1, 0x8180, 1, 4, 0, 0);
	mq(&m, "www.x.test", DNSRESP_T_A);
	edge = mname(&m, "edge.z.test");
	ma(&m, 60, 198, 51, 100, 1);
	cdn = mname(&m, "cdn.y.test");
	at = mrr(&m, DNSRESP_T_CNAME, 100);
	mptr(&m, edge);
	mend(&m, at);
	mptr(&m, 12);
	at = mrr(&m, DNSRESP_T_CNAME, 100);
	mptr(&m, cdn);
	mend(&m, at);
	mname(&m, "other.test");
	ma(&m, 1, 10, 0, 0, 9);
	assert_int_equal(parse(m.b, m.n, &r), 0);
	assert_int_equal(r.naddr, 1);
	assert_memory_equal(r.addr[0].addr, "\xc6\x33\x64\x01", 4);

	/* Without the CNAMEs the other names' addresses are nobody's. */
	mhdr(&m, 1, 0x8180, 1, 2, 0, 0);
	mq(&m, "www.x.test", DNSRESP_T_A);
	mname(&m, "edge.z.test");
	ma(&m, 60, 198, 51, 100, 1);
	mname(&m, "www.x.test.evil");
	ma(&m, 60, 198, 51, 100, 2);
	assert_int_equal(parse(m.b, m.n, &r), 0);
	assert_int_equal(r.naddr, 0);

	/* A CNAME loop ends the chain; the addresses met on it are kept. */
	mhdr(&m, 1, 0x8180, 1, 3, 0, 0);
	mq(&m, "www.x.test", DNSRESP_T_A);
	mptr(&m, 12);
	at = mrr(&m, DNSRESP_T_CNAME, 100);
	cdn = mname(&m, "a.test");
	mend(&m, at);
	mptr(&m, cdn);
	at = mrr(&m, DNSRESP_T_CNAME, 100);
	mptr(&m, 12);
	mend(&m, at);
	mptr(&m, cdn);
	ma(&m, 60, 192, 0, 2, 99);
	assert_int_equal(parse(m.b, m.n, &r), 0);
	assert_int_equal(r.naddr, 1);
	assert_int_equal(r.addr[0].addr[3], 99);
}

/* n0 CNAME n1 ... CNAME n9, an A for every n1..n9: only the first DNSRESP_CHAIN_MAX links are followed. */
static void
test_cname_chain_limit(void **state)
{
	struct msg	 m;
	struct dnsresp	 r;
	size_t		 at, owner = 12, links = DNSRESP_CHAIN_MAX + 1;
	char		 name[32];

	(void)state;
	mhdr(&m, 1, 0x8180, 1, (unsigned)(2 * links), 0, 0);
	mq(&m, "n0.test", DNSRESP_T_A);
	for (size_t i = 1; i <= links; i++) {
		size_t target;

		mptr(&m, owner);
		at = mrr(&m, DNSRESP_T_CNAME, 100);
		snprintf(name, sizeof(name), "n%zu.test", i);
		target = mname(&m, name);
		mend(&m, at);
		mptr(&m, target);
		ma(&m, 60, 10, 9, 0, (unsigned)i);
		owner = target;
	}
	assert_int_equal(parse(m.b, m.n, &r), 0);
	assert_int_equal(r.naddr, DNSRESP_CHAIN_MAX);
	for (size_t i = 0; i < r.naddr; i++)
		assert_int_equal(r.addr[i].addr[3], i + 1);
}

/* More answers than DNSRESP_MAX_ADDRS: the first ones kept, nothing written past the array. */
static void
test_addr_cap(void **state)
{
	struct msg	 m;
	struct dnsresp	 r;
	size_t		 at;

	(void)state;
	mhdr(&m, 9, 0x8180, 1, DNSRESP_MAX_ADDRS + 8, 0, 0);
	mq(&m, "many.test", DNSRESP_T_A);
	for (unsigned i = 0; i < DNSRESP_MAX_ADDRS + 8; i++) {
		mptr(&m, 12);
		ma(&m, i, 10, 0, 0, i);
	}
	/* An SVCB answer after the cut-off is still read. */
	m.b[7]++;
	mptr(&m, 12);
	at = mrr(&m, DNSRESP_T_SVCB, 1);
	m16(&m, 1);
	m8(&m, 0);
	mparam(&m, DNSRESP_SVC_ECH, "e", 1);
	mend(&m, at);
	assert_int_equal(parse(m.b, m.n, &r), 0);
	assert_int_equal(r.naddr, DNSRESP_MAX_ADDRS);
	for (unsigned i = 0; i < DNSRESP_MAX_ADDRS; i++) {
		assert_int_equal(r.addr[i].addr[3], i);
		assert_int_equal(r.addr[i].ttl, i);
	}
	assert_int_equal(r.has_ech, 1);
	assert_int_equal(r.err, DNS_E_NONE);
}

static void
test_nxdomain(void **state)
{
	struct msg	 m;
	struct dnsresp	 r;
	uint8_t		 out[sizeof(m.b)];
	size_t		 at;

	(void)state;
	mhdr(&m, 0xbeef, 0x8183, 1, 0, 1, 0);
	mq(&m, "nope.example.org", DNSRESP_T_A);
	mptr(&m, 12 + 5);		/* example.org */
	at = mrr(&m, T_SOA, 900);
	mlabels(&m, "ns1");
	mptr(&m, 12 + 5);
	mlabels(&m, "hostmaster");
	mptr(&m, 12 + 5);
	for (int i = 0; i < 5; i++)
		m32(&m, 3600);
	mend(&m, at);
	assert_int_equal(parse(m.b, m.n, &r), 0);
	assert_int_equal(r.rcode, 3);
	assert_int_equal(r.id, 0xbeef);
	assert_int_equal(r.naddr, 0);
	assert_string_equal(r.qname, "nope.example.org");
	assert_int_equal(strip(m.b, m.n, sizeof(out), out), m.n);
	assert_memory_equal(out, m.b, m.n);
	prefixes(&m, CUT_ANY);

	/* A SOA one byte short is not copied (parse does not read authority). */
	m.b[at + 1]--;
	m.n--;
	assert_int_equal(parse(m.b, m.n, &r), 0);
	assert_int_equal(strip(m.b, m.n, sizeof(out), out), 0);
}

/* ---- compression pointers -------------------------------------------- */

static void
test_pointers(void **state)
{
	struct msg	 m;
	struct dnsresp	 r;
	size_t		 at, fwd, owner;

	(void)state;
	/* Forward: the CNAME's target points at the next record's owner. */
	mhdr(&m, 1, 0x8180, 1, 2, 0, 0);
	mq(&m, "www.x.test", DNSRESP_T_A);
	mptr(&m, 12);
	at = mrr(&m, DNSRESP_T_CNAME, 100);
	fwd = m.n;
	mptr(&m, 0);
	mend(&m, at);
	owner = mname(&m, "cdn.y.test");
	ma(&m, 60, 203, 0, 113, 5);
	m.b[fwd + 1] = (uint8_t)owner;
	assert_int_equal(parse(m.b, m.n, &r), 0);
	assert_int_equal(r.naddr, 1);
	assert_int_equal(r.addr[0].addr[3], 5);
	prefixes(&m, CUT_FWDPTR);

	/* A pointer to itself. */
	mhdr(&m, 1, 0x8180, 1, 1, 0, 0);
	mq(&m, "www.x.test", DNSRESP_T_A);
	owner = m.n;
	mptr(&m, owner);
	ma(&m, 60, 1, 2, 3, 4);
	assert_int_equal(parse(m.b, m.n, &r), -1);
	assert_int_equal(r.err, DNS_E_BADPTR);
	assert_int_equal(strip(m.b, m.n, sizeof(m.b), NULL), 0);

	/* Two pointers at each other. */
	mhdr(&m, 1, 0x8180, 1, 2, 0, 0);
	mq(&m, "www.x.test", DNSRESP_T_A);
	owner = m.n;
	mptr(&m, 0);
	ma(&m, 60, 1, 2, 3, 4);
	fwd = m.n;
	mptr(&m, owner);
	ma(&m, 60, 1, 2, 3, 5);
	m.b[owner + 1] = (uint8_t)fwd;
	assert_int_equal(parse(m.b, m.n, &r), -1);
	assert_int_equal(r.err, DNS_E_BADPTR);
	assert_int_equal(strip(m.b, m.n, sizeof(m.b), NULL), 0);

	/* A loop through a label grows the name past 255 bytes. */
	mhdr(&m, 1, 0x8180, 1, 1, 0, 0);
	mq(&m, "www.x.test", DNSRESP_T_A);
	owner = mlabels(&m, "loop");
	mptr(&m, owner);
	ma(&m, 60, 1, 2, 3, 4);
	assert_int_equal(parse(m.b, m.n, &r), -1);
	assert_int_equal(r.err, DNS_E_NAMELEN);

	/* Past the end: far away, at len, and onto a label running past len. */
	mhdr(&m, 1, 0x8180, 1, 1, 0, 0);
	mq(&m, "www.x.test", DNSRESP_T_A);
	owner = m.n;
	mptr(&m, 0x3fff);
	ma(&m, 60, 1, 2, 3, 4);
	assert_int_equal(parse(m.b, m.n, &r), -1);
	assert_int_equal(r.err, DNS_E_BADPTR);
	m.b[owner + 1] = (uint8_t)m.n;
	m.b[owner] = (uint8_t)(0xc0 | m.n >> 8);
	assert_int_equal(parse(m.b, m.n, &r), -1);
	assert_int_equal(r.err, DNS_E_BADPTR);
	m.b[m.n - 1] = 9;		/* the last address byte read as a 9-byte label */
	m.b[owner + 1] = (uint8_t)(m.n - 1);
	assert_int_equal(parse(m.b, m.n, &r), -1);
	assert_int_equal(r.err, DNS_E_BADPTR);
	assert_int_equal(strip(m.b, m.n, sizeof(m.b), NULL), 0);

	/* A pointer to the question's second label is fine (the usual backward case). */
	m.b[owner] = 0xc0;
	m.b[owner + 1] = 12 + 4;
	assert_int_equal(parse(m.b, m.n, &r), 0);
	assert_int_equal(r.naddr, 0);		/* x.test is not www.x.test */

	/* Reserved label types. */
	m.b[owner] = 0x80;
	assert_int_equal(parse(m.b, m.n, &r), -1);
	assert_int_equal(r.err, DNS_E_LABELTYPE);
	m.b[owner] = 0x40;
	assert_int_equal(parse(m.b, m.n, &r), -1);
	assert_int_equal(r.err, DNS_E_LABELTYPE);

	/* A compressed question (pointing forward: nothing precedes it) is followed. */
	mhdr(&m, 1, 0x8180, 1, 1, 0, 0);
	mptr(&m, 12 + 2 + 4);
	m16(&m, DNSRESP_T_A);
	m16(&m, 1);
	mname(&m, "Fwd.Test");
	ma(&m, 60, 1, 2, 3, 4);
	assert_int_equal(parse(m.b, m.n, &r), 0);
	assert_string_equal(r.qname, "fwd.test");
	assert_int_equal(r.naddr, 1);
}

static void
test_refusals(void **state)
{
	struct msg	 m;
	struct dnsresp	 r;
	size_t		 at;

	(void)state;
	build_a(&m);
	m.b[2] &= 0x7f;			/* a query */
	assert_int_equal(parse(m.b, m.n, &r), -1);
	assert_int_equal(r.err, DNS_E_QUERY);
	assert_int_equal(strip(m.b, m.n, sizeof(m.b), NULL), 0);
	build_a(&m);
	m.b[5] = 0;
	assert_int_equal(parse(m.b, m.n, &r), -1);
	assert_int_equal(r.err, DNS_E_QDCOUNT);
	m.b[5] = 2;
	assert_int_equal(parse(m.b, m.n, &r), -1);
	assert_int_equal(r.err, DNS_E_QDCOUNT);
	assert_int_equal(strip(m.b, m.n, sizeof(m.b), NULL), 0);
	build_a(&m);
	m.b[7] = 3;			/* one answer more than there is */
	assert_int_equal(parse(m.b, m.n, &r), -1);
	assert_int_equal(r.err, DNS_E_SHORT);

	/* An A of 5 bytes, an AAAA of 4. */
	mhdr(&m, 1, 0x8180, 1, 1, 0, 0);
	mq(&m, "x.test", DNSRESP_T_A);
	mptr(&m, 12);
	at = mrr(&m, DNSRESP_T_A, 1);
	m32(&m, 0x01020304);
	m8(&m, 5);
	mend(&m, at);
	assert_int_equal(parse(m.b, m.n, &r), -1);
	assert_int_equal(r.err, DNS_E_RDATA);
	m.b[at - 7] = DNSRESP_T_AAAA;
	m.b[at + 1] = 4;
	m.n--;
	assert_int_equal(parse(m.b, m.n, &r), -1);
	assert_int_equal(r.err, DNS_E_RDATA);

	/* A CNAME with a byte after its name; one whose name runs past its data. */
	mhdr(&m, 1, 0x8180, 1, 1, 0, 0);
	mq(&m, "x.test", DNSRESP_T_A);
	mptr(&m, 12);
	at = mrr(&m, DNSRESP_T_CNAME, 1);
	mname(&m, "y.test");
	m8(&m, 0);
	mend(&m, at);
	assert_int_equal(parse(m.b, m.n, &r), -1);
	assert_int_equal(r.err, DNS_E_RDATA);
	m.b[at + 1] = 5;		/* "\1y\4te" */
	assert_int_equal(parse(m.b, m.n - 4, &r), -1);
	assert_int_equal(r.err, DNS_E_RDATA);
	assert_int_equal(strip(m.b, m.n - 4, sizeof(m.b), NULL), 0);

	/* An HTTPS parameter longer than the record. */
	mhdr(&m, 1, 0x8180, 1, 1, 0, 0);
	mq(&m, "x.test", DNSRESP_T_HTTPS);
	mptr(&m, 12);
	at = mrr(&m, DNSRESP_T_HTTPS, 1);
	m16(&m, 1);
	m8(&m, 0);
	m16(&m, DNSRESP_SVC_ECH);
	m16(&m, 3);
	m16(&m, 0);
	mend(&m, at);
	assert_int_equal(parse(m.b, m.n, &r), -1);
	assert_int_equal(r.err, DNS_E_RDATA);
	assert_int_equal(strip(m.b, m.n, sizeof(m.b), NULL), 0);
	m.b[m.n - 3] = 2;		/* now it fits */
	assert_int_equal(parse(m.b, m.n, &r), 0);
	assert_int_equal(r.has_ech, 1);
	m.b[at + 1] = 1;		/* no room for the priority */
	assert_int_equal(parse(m.b, at + 3, &r), -1);
	assert_int_equal(r.err, DNS_E_RDATA);

	for (int e = DNS_E_QUERY; e <= DNS_E_RDATA; e++)
		assert_string_not_equal(dns_strerror((enum dns_err)e),
		    "unknown error");
}

/* ---- HTTPS / SVCB and ech --------------------------------------------- */

/*
 * An ECHConfigList (draft-ietf-tls-esni, version 0xfe0d) as Cloudflare
 * publishes it: config id, DHKEM(X25519), a 32-byte key, HKDF-SHA256 with
 * AES-128-GCM, maximum name length 0, public name, no extensions.
 */
static size_t
echconfig(uint8_t *b)
{
	static const char	 pub[] = "cloudflare-ech.com";
	size_t			 n = 0, plen = sizeof(pub) - 1, clen;

	clen = 1 + 2 + 2 + 32 + 2 + 4 + 1 + 1 + plen + 2;
	b[n++] = (uint8_t)((clen + 4) >> 8), b[n++] = (uint8_t)(clen + 4);
	b[n++] = 0xfe, b[n++] = 0x0d;
	b[n++] = (uint8_t)(clen >> 8), b[n++] = (uint8_t)clen;
	b[n++] = 0x2a;			/* config_id */
	b[n++] = 0x00, b[n++] = 0x20;	/* kem_id X25519 */
	b[n++] = 0x00, b[n++] = 32;
	for (int i = 0; i < 32; i++)
		b[n++] = (uint8_t)(0x80 + i * 3);
	b[n++] = 0x00, b[n++] = 0x04;	/* cipher suites */
	b[n++] = 0x00, b[n++] = 0x01, b[n++] = 0x00, b[n++] = 0x01;
	b[n++] = 0;			/* maximum_name_length */
	b[n++] = (uint8_t)plen;
	memcpy(b + n, pub, plen);
	n += plen;
	b[n++] = 0, b[n++] = 0;		/* extensions */
	return n;
}

struct https_msg {
	size_t	 rdlen1;		/* RDLENGTH of the first answer */
	size_t	 rd1;			/* where it is */
};

/*
 * example.com HTTPS: alpn h2,h3 + ipv4hint + [ech] + ipv6hint; then
 * alt.example.com (owner after the first ech) HTTPS to svc.example.net with
 * alpn, port, [ech]; additional records pointing at both names after the
 * first ech, and an OPT.  With ech 0 it is exactly what stripping must give.
 */
static void
build_https(struct msg *m, int ech, unsigned type1, struct https_msg *h)
{
	static const uint8_t	 alpn[] = { 2, 'h', '2', 2, 'h', '3' };
	static const uint8_t	 v4[] = { 104, 16, 132, 229, 104, 16, 133, 229 };
	uint8_t			 cfg[128];
	size_t			 ncfg = echconfig(cfg), at, alt, tgt;

	mhdr(m, 0x4242, 0x8180, 1, 2, 0, 3);
	mq(m, "example.com", DNSRESP_T_HTTPS);
	mptr(m, 12);
	at = mrr(m, type1, 300);
	m16(m, 1);			/* SvcPriority: ServiceMode */
	m8(m, 0);			/* TargetName "." */
	mparam(m, SVC_ALPN, alpn, sizeof(alpn));
	mparam(m, SVC_V4HINT, v4, sizeof(v4));
	if (ech)
		mparam(m, DNSRESP_SVC_ECH, cfg, ncfg);
	mparam(m, SVC_V6HINT, v6a, 16);
	mend(m, at);
	h->rd1 = at;
	h->rdlen1 = m->n - at - 2;
	alt = mlabels(m, "alt");
	mptr(m, 12);
	at = mrr(m, DNSRESP_T_HTTPS, 300);
	m16(m, 2);
	tgt = mname(m, "svc.example.net");
	mparam(m, SVC_ALPN, alpn, 3);
	mparam(m, SVC_PORT, "\x20\xfb", 2);
	if (ech)
		mparam(m, DNSRESP_SVC_ECH, cfg, ncfg);
	mend(m, at);
	mptr(m, alt);
	ma(m, 300, 192, 0, 2, 1);
	mptr(m, tgt);
	at = mrr(m, DNSRESP_T_AAAA, 300);
	mbytes(m, v6b, 16);
	mend(m, at);
	m8(m, 0);			/* OPT: root owner, 4096-byte payload, DO */
	m16(m, T_OPT);
	m16(m, 4096);
	m32(m, 0x8000);
	m16(m, 0);
}

static void
test_https_strip(void **state)
{
	struct msg		 m, want;
	struct https_msg	 h, hw;
	struct dnsresp		 r;
	uint8_t			 out[sizeof(m.b)];
	size_t			 n;

	(void)state;
	build_https(&m, 1, DNSRESP_T_HTTPS, &h);
	build_https(&want, 0, DNSRESP_T_HTTPS, &hw);
	assert_true(want.n < m.n);
	assert_int_equal(hw.rdlen1, 2 + 1 + (4 + 6) + (4 + 8) + (4 + 16));

	assert_int_equal(parse(m.b, m.n, &r), 0);
	assert_int_equal(r.has_ech, 1);
	assert_int_equal(r.qtype, DNSRESP_T_HTTPS);
	assert_string_equal(r.qname, "example.com");
	assert_int_equal(r.naddr, 0);

	n = strip(m.b, m.n, sizeof(out), out);
	assert_int_equal(n, want.n);
	/* RDLENGTH first, for a readable failure, then every byte. */
	assert_int_equal(out[hw.rd1] << 8 | out[hw.rd1 + 1], hw.rdlen1);
	assert_memory_equal(out, want.b, want.n);
	assert_int_equal(parse(out, n, &r), 0);
	assert_int_equal(r.has_ech, 0);
	assert_string_equal(r.qname, "example.com");

	/* Exactly enough room, and one byte less. */
	assert_int_equal(strip(m.b, m.n, want.n, out), want.n);
	assert_int_equal(strip(m.b, m.n, want.n - 1, out), 0);

	/* Nothing left to strip: identical. */
	assert_int_equal(strip(want.b, want.n, sizeof(out), out), want.n);
	assert_memory_equal(out, want.b, want.n);
	assert_int_equal(parse(want.b, want.n, &r), 0);
	assert_int_equal(r.has_ech, 0);

	/* SVCB (64) is stripped the same way. */
	build_https(&m, 1, DNSRESP_T_SVCB, &h);
	build_https(&want, 0, DNSRESP_T_SVCB, &hw);
	assert_int_equal(parse(m.b, m.n, &r), 0);
	assert_int_equal(r.has_ech, 1);
	n = strip(m.b, m.n, sizeof(out), out);
	assert_int_equal(n, want.n);
	assert_memory_equal(out, want.b, want.n);

	/* Records of other types are opaque: a type-99 record with key-5-like bytes is left alone. */
	build_https(&m, 1, 99, &h);
	assert_int_equal(parse(m.b, m.n, &r), 0);
	assert_int_equal(r.has_ech, 1);		/* from the second answer */
	n = strip(m.b, m.n, sizeof(out), out);
	assert_true(n > 0 && n < m.n);
	assert_memory_equal(out, m.b, h.rd1 + 2 + h.rdlen1);

	prefixes(&m, CUT_ANY);
}

static void
test_https_strip_edges(void **state)
{
	struct msg	 m;
	struct dnsresp	 r;
	uint8_t		 out[sizeof(m.b)];
	size_t		 at, val, n;

	(void)state;
	/* ech as the only parameter: the record keeps its priority and target. */
	mhdr(&m, 1, 0x8180, 1, 1, 0, 0);
	mq(&m, "a.test", DNSRESP_T_HTTPS);
	mptr(&m, 12);
	at = mrr(&m, DNSRESP_T_HTTPS, 60);
	m16(&m, 1);
	m8(&m, 0);
	mparam(&m, DNSRESP_SVC_ECH, "\x00\x01\x02", 3);
	mend(&m, at);
	n = strip(m.b, m.n, sizeof(out), out);
	assert_int_equal(n, m.n - 7);
	assert_memory_equal(out, m.b, at);
	assert_int_equal(out[at] << 8 | out[at + 1], 3);
	assert_memory_equal(out + at + 2, "\x00\x01\x00", 3);

	/* In the authority section it stays. */
	m.b[7] = 0, m.b[9] = 1;
	assert_int_equal(parse(m.b, m.n, &r), 0);
	assert_int_equal(r.has_ech, 0);
	assert_int_equal(strip(m.b, m.n, sizeof(out), out), m.n);
	assert_memory_equal(out, m.b, m.n);

	/* A later name pointing into the removed bytes: cannot strip safely. */
	mhdr(&m, 1, 0x8180, 1, 1, 0, 1);
	mq(&m, "a.test", DNSRESP_T_HTTPS);
	mptr(&m, 12);
	at = mrr(&m, DNSRESP_T_HTTPS, 60);
	m16(&m, 1);
	m8(&m, 0);
	val = m.n + 4;
	mparam(&m, DNSRESP_SVC_ECH, "\x03""abc\x00", 5);
	mend(&m, at);
	mptr(&m, val);
	ma(&m, 1, 192, 0, 2, 1);
	assert_int_equal(parse(m.b, m.n, &r), 0);
	assert_int_equal(r.has_ech, 1);
	assert_int_equal(strip(m.b, m.n, sizeof(out), out), 0);
	/* ... while one pointing before them is kept as it is. */
	m.b[m.n - 14 - 1] = 12 + 2;	/* "test" of the question */
	n = strip(m.b, m.n, sizeof(out), out);
	assert_int_equal(n, m.n - 9);
	assert_memory_equal(out + n - 16, m.b + m.n - 16, 16);

	/* DNSRESP_MAX_EDITS ech parameters can go, one more cannot. */
	for (unsigned k = DNSRESP_MAX_EDITS; k <= DNSRESP_MAX_EDITS + 1; k++) {
		mhdr(&m, 1, 0x8180, 1, k, 0, 0);
		mq(&m, "a.test", DNSRESP_T_HTTPS);
		for (unsigned i = 0; i < k; i++) {
			mptr(&m, 12);
			at = mrr(&m, DNSRESP_T_HTTPS, 60);
			m16(&m, 1);
			m8(&m, 0);
			mparam(&m, DNSRESP_SVC_ECH, "e", 1);
			mend(&m, at);
		}
		n = strip(m.b, m.n, sizeof(out), out);
		if (k == DNSRESP_MAX_EDITS) {
			assert_int_equal(n, m.n - 5 * k);
			assert_int_equal(parse(out, n, &r), 0);
			assert_int_equal(r.has_ech, 0);
		} else
			assert_int_equal(n, 0);
	}
}

/* ---- the real captures ---------------------------------------------- */

struct cap {
	const char	*names;		/* the manifest's, comma-separated */
	int		 responses, parsed, listed, addrs, stripped;
	int		 unstrippable;	/* whole messages parsed but not stripped */
	int		 errs[DNS_E_RDATA + 1];
	char		 unlisted[256];
};

static void
cap_msg(struct cap *c, const uint8_t *p, size_t n, int whole)
{
	struct dnsresp	 r, r2;
	uint8_t		*out = malloc(n > 0 ? n : 1);
	size_t		 sn;

	assert_non_null(out);
	c->responses++;
	if (parse(p, n, &r) == 0) {
		c->parsed++;
		c->addrs += (int)r.naddr;
		if (pcaputil_listed(c->names, r.qname))
			c->listed++;
		else if (r.qname[0] != '\0')
			snprintf(c->unlisted, sizeof(c->unlisted), "%s", r.qname);
	} else
		c->errs[r.err]++;
	/* Whatever strip makes of a real response must parse as the original did, less ech. */
	if ((sn = strip(p, n, n, out)) == 0 && whole && r.err == DNS_E_NONE)
		c->unstrippable++;
	if (sn > 0) {
		c->stripped++;
		if (r.err == DNS_E_NONE) {
			assert_int_equal(parse(out, sn, &r2), 0);
			assert_string_equal(r2.qname, r.qname);
			assert_int_equal(r2.naddr, r.naddr);
			assert_int_equal(r2.has_ech, 0);
			if (!r.has_ech) {
				assert_int_equal(sn, n);
				assert_memory_equal(out, p, n);
			}
		}
	}
	free(out);
}

static void
cap_packet(const uint8_t *ip, size_t caplen, size_t wirelen, void *arg)
{
	struct cap	*c = arg;
	struct pkt_info	 pi;
	size_t		 mlen;

	if (pkt_parse_ip_cap(ip, caplen, wirelen, &pi) == -1 ||
	    pi.fragment == PKT_FRAG_LATER || pi.sport != 53)
		return;
	if (pi.proto == PKT_PROTO_UDP)
		cap_msg(c, pi.payload, pi.paylen,
		    pi.fragment == PKT_FRAG_NONE && !pi.truncated);
	else if (pi.proto == PKT_PROTO_TCP && pi.paylen > 2) {
		/* Only a whole message in one segment; enough for these captures. */
		mlen = (size_t)(pi.payload[0] << 8 | pi.payload[1]);
		if (mlen <= pi.paylen - 2)
			cap_msg(c, pi.payload + 2, mlen, 1);
	}
}

static void
test_captures(void **state)
{
	char		 path[1200], *line = NULL, *s, *file, *proto, *names;
	size_t		 cap = 0;
	int		 files = 0, dnsfiles = 0;
	FILE		*fp;
	struct stat	 st;

	(void)state;
	snprintf(path, sizeof(path), "%s/MANIFEST.tsv", pcaputil_dir());
	if ((fp = fopen(path, "r")) == NULL) {
		print_message("# no %s: skipped\n", path);
		skip();
	}
	while (getline(&line, &cap, fp) > 0) {
		struct cap	 c;
		long		 npkt;

		line[strcspn(line, "\r\n")] = '\0';
		s = line;
		file = strsep(&s, "\t");
		proto = strsep(&s, "\t");
		names = strsep(&s, "\t");
		if (names == NULL || strcmp(file, "file") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/pcap/%s", pcaputil_dir(), file);
		if (stat(path, &st) == -1)
			continue;
		memset(&c, 0, sizeof(c));
		c.names = names;
		npkt = pcaputil_each(path, cap_packet, &c);
		assert_true(npkt > 0);
		/* A whole response that parses is one the stripper can copy. */
		assert_int_equal(c.unstrippable, 0);
		files++;
		if (c.responses > 0)
			print_message("# %s: %d responses, %d parsed, %d with a "
			    "listed name, %d addresses, %d stripped%s%s\n", file,
			    c.responses, c.parsed, c.listed, c.addrs, c.stripped,
			    c.unlisted[0] != '\0' ? "; unlisted: " : "", c.unlisted);
		for (int e = 1; e <= DNS_E_RDATA; e++)
			if (c.errs[e] > 0)
				print_message("#   %d refused: %s\n", c.errs[e],
				    dns_strerror((enum dns_err)e));
		if (strstr(proto, "dns") != NULL && *names != '\0') {
			dnsfiles++;
			/* Names found are the manifest's; the root zone's is "". */
			assert_true(c.listed > 0);
			assert_string_equal(c.unlisted, "");
			assert_true(c.addrs > 0);
		}
	}
	free(line);
	fclose(fp);
	if (files == 0)
		skip();
	assert_true(dnsfiles > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a),
		cmocka_unit_test(test_aaaa),
		cmocka_unit_test(test_cname_chain),
		cmocka_unit_test(test_cname_chain_limit),
		cmocka_unit_test(test_addr_cap),
		cmocka_unit_test(test_nxdomain),
		cmocka_unit_test(test_pointers),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_https_strip),
		cmocka_unit_test(test_https_strip_edges),
		cmocka_unit_test(test_captures),
	};

	return cmocka_run_group_tests_name("dnsresp", tests, NULL, NULL);
}
