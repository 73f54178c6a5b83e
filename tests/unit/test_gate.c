/* test_gate: the packets forge builds (checked with our own parsers), gate's verdicts on hand-built packets, and what it answers and records. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <arpa/inet.h>

#include <string.h>

#include "config.h"
#include "dnsmap.h"
#include "forge.h"
#include "gate.h"
#include "pkt.h"
#include "policy.h"
#include "testutil.h"
#include "../pktbuild.h"

static const uint8_t mac_s1[6] = { 2, 0, 0, 0, 0x10, 1 };	/* student s1 in fixtures/base */
static const uint8_t mac_other[6] = { 2, 0, 0, 0, 0x99, 9 };
static const uint8_t cli4[4] = { 10, 77, 1, 10 }, srv4[4] = { 10, 77, 2, 2 };

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* An IPv4 packet from the student to the server carrying an L4 header and payload. */
static size_t
ip4(uint8_t *b, uint8_t proto, uint16_t sport, uint16_t dport, uint32_t seq,
    uint8_t tcpflags, const uint8_t *pay, size_t plen)
{
	size_t	 l4h = proto == PKT_PROTO_TCP ? 20 : 8, len = 20 + l4h + plen;
	uint8_t	*l4 = b + 20;

	memset(b, 0, 20 + l4h);
	b[0] = 0x45;
	pktbuild_put16(b + 2, (uint16_t)len);
	b[8] = 64;
	b[9] = proto;
	memcpy(b + 12, cli4, 4);
	memcpy(b + 16, srv4, 4);
	pktbuild_put16(b + 10, forge_checksum(b, 20, 0));
	pktbuild_put16(l4, sport);
	pktbuild_put16(l4 + 2, dport);
	if (proto == PKT_PROTO_TCP) {
		l4[4] = (uint8_t)(seq >> 24), l4[5] = (uint8_t)(seq >> 16);
		l4[6] = (uint8_t)(seq >> 8), l4[7] = (uint8_t)seq;
		l4[11] = 7;	/* ack 7 */
		l4[12] = 5 << 4;
		l4[13] = tcpflags;
	} else
		pktbuild_put16(l4 + 4, (uint16_t)(8 + plen));
	if (plen > 0)
		memcpy(l4 + l4h, pay, plen);
	return len;
}

static size_t
client_hello(uint8_t *b, const char *host)
{
	return pktbuild_client_hello(b, host, 0);
}

/* The transport checksum of a parsed packet verifies (sums to zero). */
static void
assert_l4_checksum(const uint8_t *ip, const struct pkt_info *p)
{
	uint8_t		 pseudo[40];
	size_t		 l4len = (size_t)(p->payload - ip) + p->paylen -
	    (p->af == AF_INET ? 20 : 40);
	const uint8_t	*l4 = ip + (p->af == AF_INET ? 20 : 40);
	uint32_t	 sum = 0;
	size_t		 alen = p->af == AF_INET ? 4 : 16;

	memcpy(pseudo, p->src, alen);
	memcpy(pseudo + alen, p->dst, alen);
	for (size_t i = 0; i < 2 * alen; i += 2)
		sum += (uint32_t)(pseudo[i] << 8 | pseudo[i + 1]);
	sum += p->proto;
	sum += (uint32_t)l4len;
	assert_int_equal(forge_checksum(l4, l4len, sum), 0);
}

static void
test_dns_nxdomain_with_ede(void **state)
{
	uint8_t				 q[512], out[FORGE_MAX];
	size_t				 ql = pktbuild_dns_query(q, 0x1234, "bet365.com", 1, 1), n;
	struct forge_dns_answer		 a = { .rcode = FORGE_RCODE_NXDOMAIN, .ttl = 60,
	    .ede = FORGE_EDE_FILTERED, .ede_text = "blocked: gambling" };

	(void)state;
	n = forge_dns_message(q, ql, &a, out, sizeof(out));
	ql -= 11;	/* the answer is built on the question alone, then its own OPT */
	assert_true(n > ql);
	assert_int_equal(get16(out), 0x1234);
	assert_int_equal(get16(out + 2) & 0x8000, 0x8000);	/* QR */
	assert_int_equal(get16(out + 2) & 0x0100, 0x0100);	/* RD copied */
	assert_int_equal(get16(out + 2) & 0x0080, 0x0080);	/* RA */
	assert_int_equal(get16(out + 2) & 0x000f, 3);
	assert_int_equal(get16(out + 4), 1);
	assert_int_equal(get16(out + 6), 0);
	assert_int_equal(get16(out + 10), 1);
	/* OPT then the EDE option: code 15, info code 17, the text. */
	assert_int_equal(get16(out + ql + 1), 41);
	assert_int_equal(get16(out + ql + 11), 15);
	assert_int_equal(get16(out + ql + 15), 17);
	assert_memory_equal(out + ql + 17, "blocked: gambling", 17);
	assert_int_equal(n, ql + 11 + 6 + 17);
	/* Without EDNS in the query there is no OPT in the answer. */
	ql = pktbuild_dns_query(q, 0x1234, "bet365.com", 1, 0);
	assert_int_equal(forge_dns_message(q, ql, &a, out, sizeof(out)), ql);
	assert_int_equal(get16(out + 10), 0);
}

static void
test_dns_address_answers(void **state)
{
	static const uint8_t		 a4[4] = { 192, 0, 2, 1 };
	static const uint8_t		 a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	uint8_t				 q[512], out[FORGE_MAX];
	size_t				 ql, n;
	struct forge_dns_answer		 a = { .rcode = 0, .ttl = 60, .a4 = a4, .na4 = 1,
	    .a6 = a6, .na6 = 1 };

	(void)state;
	ql = pktbuild_dns_query(q, 0x1234, "www.bet365.com", 1, 0);
	n = forge_dns_message(q, ql, &a, out, sizeof(out));
	assert_int_equal(n, ql + 16);
	assert_int_equal(get16(out + 6), 1);
	assert_int_equal(get16(out + ql), 0xc00c);
	assert_int_equal(get16(out + ql + 2), 1);
	assert_int_equal(get32(out + ql + 6), 60);
	assert_memory_equal(out + ql + 12, a4, 4);
	ql = pktbuild_dns_query(q, 0x1234, "www.bet365.com", 28, 0);
	n = forge_dns_message(q, ql, &a, out, sizeof(out));
	assert_int_equal(n, ql + 28);
	assert_int_equal(get16(out + ql + 2), 28);
	assert_memory_equal(out + ql + 12, a6, 16);
	/* Another type: no data, no error. */
	ql = pktbuild_dns_query(q, 0x1234, "www.bet365.com", 15, 0);
	assert_int_equal(forge_dns_message(q, ql, &a, out, sizeof(out)), ql);
	assert_int_equal(get16(out + 6), 0);
	assert_int_equal(get16(out + 2) & 0x000f, 0);
}

static void
test_dns_cname(void **state)
{
	static const uint8_t		 a4[8] = { 10, 77, 2, 10, 10, 77, 2, 11 };
	uint8_t				 q[512], out[FORGE_MAX];
	size_t				 ql = pktbuild_dns_query(q, 0x1234, "www.google.com", 1, 0), n, o;
	struct forge_dns_answer		 a = { .ttl = 300, .cname = "forcesafesearch.google.com",
	    .a4 = a4, .na4 = 2 };

	(void)state;
	n = forge_dns_message(q, ql, &a, out, sizeof(out));
	assert_int_equal(get16(out + 6), 3);
	assert_int_equal(get16(out + ql + 2), 5);
	o = ql + 12;
	assert_int_equal(out[o], 15);
	assert_memory_equal(out + o + 1, "forcesafesearch", 15);
	/* The A records are owned by the CNAME's target, by pointer. */
	o += get16(out + ql + 10);
	assert_int_equal(get16(out + o), 0xc000 | (ql + 12));
	assert_int_equal(get16(out + o + 2), 1);
	assert_memory_equal(out + o + 12, a4, 4);
	assert_memory_equal(out + o + 16 + 12, a4 + 4, 4);
	assert_int_equal(n, o + 32);
	/* A CNAME alone (addresses not known yet). */
	a.na4 = 0;
	assert_int_equal(forge_dns_message(q, ql, &a, out, sizeof(out)), ql + 12 + 28);
}

static void
test_dns_refuses_bad_queries(void **state)
{
	uint8_t				 q[512], out[FORGE_MAX];
	size_t				 ql = pktbuild_dns_query(q, 0x1234, "bet365.com", 1, 1);
	struct forge_dns_answer		 a = { .rcode = FORGE_RCODE_NXDOMAIN, .ede = 17,
	    .ede_text = "x" };

	(void)state;
	/* Every truncation either fails or gives a message that fits: never a read past ql. */
	for (size_t i = 0; i < ql; i++) {
		size_t n = forge_dns_message(q, i, &a, out, sizeof(out));

		assert_true(n == 0 || n <= sizeof(out));
		if (i < 12 + 12 + 4)
			assert_int_equal(n, 0);
	}
	for (size_t i = 0; i < 40; i++)
		assert_int_equal(forge_dns_message(q, ql, &a, out, i), 0);
	pktbuild_put16(q + 4, 2);
	assert_int_equal(forge_dns_message(q, ql, &a, out, sizeof(out)), 0);
	pktbuild_put16(q + 4, 1);
	q[12] = 0xc0;	/* a compressed question name */
	assert_int_equal(forge_dns_message(q, ql, &a, out, sizeof(out)), 0);
}

static void
test_udp_and_tcp_replies(void **state)
{
	uint8_t			 pkt[1500], out[FORGE_MAX], pay[64];
	struct pkt_info		 q, r;
	size_t			 n;

	(void)state;
	memset(pay, 'x', sizeof(pay));
	n = ip4(pkt, PKT_PROTO_UDP, 40000, 53, 0, 0, pay, 30);
	assert_int_equal(pkt_parse_ip(pkt, n, &q), 0);
	n = forge_udp_reply(&q, pay, 21, out, sizeof(out));
	assert_int_equal(n, 20 + 8 + 21);
	assert_int_equal(pkt_parse_ip(out, n, &r), 0);
	assert_memory_equal(r.src, srv4, 4);
	assert_memory_equal(r.dst, cli4, 4);
	assert_int_equal(r.sport, 53);
	assert_int_equal(r.dport, 40000);
	assert_int_equal(r.paylen, 21);
	assert_int_equal(forge_checksum(out, 20, 0), 0);
	assert_l4_checksum(out, &r);

	n = ip4(pkt, PKT_PROTO_TCP, 40001, 443, 1000, PKT_TCP_ACK | PKT_TCP_PSH, pay, 50);
	assert_int_equal(pkt_parse_ip(pkt, n, &q), 0);
	n = forge_tcp(&q, 1, PKT_TCP_RST, NULL, 0, out, sizeof(out));
	assert_int_equal(pkt_parse_ip(out, n, &r), 0);
	assert_int_equal(r.sport, 443);
	assert_int_equal(r.dport, 40001);
	assert_int_equal(r.tcp_seq, 7);		/* the client's ack */
	assert_int_equal(r.tcp_ack, 1050);	/* past the dropped data */
	assert_int_equal(r.tcp_flags, PKT_TCP_RST | PKT_TCP_ACK);
	assert_l4_checksum(out, &r);
	n = forge_tcp(&q, 0, PKT_TCP_RST, NULL, 0, out, sizeof(out));
	assert_int_equal(pkt_parse_ip(out, n, &r), 0);
	assert_memory_equal(r.src, cli4, 4);
	assert_int_equal(r.tcp_seq, 1000);	/* exactly what the server expects */
	assert_int_equal(r.tcp_flags, PKT_TCP_RST);
	assert_l4_checksum(out, &r);
	/* Too big for the buffer: nothing, not an overflow. */
	assert_int_equal(forge_tcp(&q, 1, PKT_TCP_PSH, pay, 64, out, 60), 0);
}

static void
test_icmp_and_ipv6(void **state)
{
	uint8_t			 pkt[1500], out[FORGE_MAX], pay[1400];
	struct pkt_info		 q, r;
	size_t			 n;

	(void)state;
	memset(pay, 0xc3, sizeof(pay));
	n = ip4(pkt, PKT_PROTO_UDP, 40002, 443, 0, 0, pay, 1200);
	assert_int_equal(pkt_parse_ip(pkt, n, &q), 0);
	n = forge_icmp_prohibited(&q, pkt, n, out, sizeof(out));
	assert_int_equal(n, 576);
	assert_int_equal(pkt_parse_ip(out, n, &r), 0);
	assert_int_equal(r.proto, 1);
	assert_int_equal(r.payload[0], 3);
	assert_int_equal(r.payload[1], 13);
	assert_int_equal(forge_checksum(r.payload, r.paylen, 0), 0);
	assert_memory_equal(r.payload + 8, pkt, 28);

	/* The same over IPv6: swap in v6 addresses by hand. */
	memset(&q, 0, sizeof(q));
	q.af = AF_INET6;
	inet_pton(AF_INET6, "fd77:1::10", q.src);
	inet_pton(AF_INET6, "fd77:2::2", q.dst);
	q.proto = PKT_PROTO_TCP;
	q.sport = 40003;
	q.dport = 443;
	q.tcp_seq = 5;
	q.tcp_ack = 9;
	n = forge_tcp(&q, 1, PKT_TCP_RST, NULL, 0, out, sizeof(out));
	assert_int_equal(n, 60);
	assert_int_equal(pkt_parse_ip(out, n, &r), 0);
	assert_int_equal(r.af, AF_INET6);
	assert_memory_equal(r.src, q.dst, 16);
	assert_int_equal(r.tcp_seq, 9);
	assert_l4_checksum(out, &r);
	n = forge_icmp_prohibited(&q, pay, sizeof(pay), out, sizeof(out));
	assert_int_equal(n, FORGE_MAX);
	assert_int_equal(pkt_parse_ip(out, n, &r), 0);
	assert_int_equal(r.proto, 58);
	assert_int_equal(r.payload[0], 1);
	assert_int_equal(r.payload[1], 1);
	assert_l4_checksum(out, &r);
}

struct gate_fx {
	char		*dir;
	struct policy	*p;
	struct gate	*g;
	struct config	 c;
};

/* A sink that keeps what the gate sends and records, for the test to read. */
struct rec_sink {
	uint8_t			 pkt[8][FORGE_MAX];
	size_t			 len[8], npkt;
	struct activity_rec	 rec[8];
	size_t			 nrec;
};

static int
rec_send(void *ctx, const uint8_t *pkt, size_t len)
{
	struct rec_sink *s = ctx;

	assert_true(s->npkt < 8 && len <= FORGE_MAX);
	memcpy(s->pkt[s->npkt], pkt, len);
	s->len[s->npkt++] = len;
	return 0;
}

static int
rec_record(void *ctx, const struct activity_rec *r)
{
	struct rec_sink *s = ctx;

	assert_true(s->nrec < 8);
	s->rec[s->nrec++] = *r;
	return 0;
}

static int
gate_setup(void **state)
{
	static struct gate_fx	 fx;
	struct diag		 d;
	struct config		 c;
	char			 err[256];

	diag_init(&d);
	fx.dir = testutil_confdir();
	assert_non_null(fx.dir);
	fx.p = policy_load(fx.dir, &d);
	assert_non_null(fx.p);
	assert_int_equal(config_load(&c, fx.dir, &d), 0);
	diag_free(&d);
	c.flow_table_size = 64;
	fx.c = c;
	struct snapshot *snap = snapshot_new(policy_ref(fx.p), &c);
	assert_non_null(snap);
	fx.g = gate_new(snap, NULL, NULL, err, sizeof(err));
	snapshot_unref(snap);
	assert_non_null(fx.g);
	*state = &fx;
	return 0;
}

static int
gate_teardown(void **state)
{
	struct gate_fx *fx = *state;

	gate_free(fx->g);
	policy_unref(fx->p);
	testutil_rmdir(fx->dir);
	return 0;
}

static enum gate_verdict
tls_flow(struct gate *g, const uint8_t *mac, uint16_t sport, const char *host,
    enum gate_verdict *straggler)
{
	uint8_t			 pkt[1500], ch[600];
	size_t			 n, cl = client_hello(ch, host);
	enum gate_verdict	 v;

	n = ip4(pkt, PKT_PROTO_TCP, sport, 443, 99, PKT_TCP_SYN, NULL, 0);
	assert_int_equal(gate_packet(g, pkt, n, n, mac, 1000), GATE_ACCEPT);
	n = ip4(pkt, PKT_PROTO_TCP, sport, 443, 100, PKT_TCP_ACK, NULL, 0);
	assert_int_equal(gate_packet(g, pkt, n, n, mac, 1001), GATE_ACCEPT);
	n = ip4(pkt, PKT_PROTO_TCP, sport, 443, 100, PKT_TCP_ACK | PKT_TCP_PSH, ch, cl);
	v = gate_packet(g, pkt, n, n, mac, 1002);
	/* A packet queued before the kernel had the connection's mark. */
	n = ip4(pkt, PKT_PROTO_TCP, sport, 443, 100 + (uint32_t)cl, PKT_TCP_ACK, ch, 10);
	*straggler = gate_packet(g, pkt, n, n, mac, 1003);
	return v;
}

static void
test_gate_verdicts(void **state)
{
	struct gate_fx		*fx = *state;
	struct gate_stats	 st;
	uint8_t			 pkt[1500], q[512], junk[1200];
	size_t			 n, ql;
	enum gate_verdict	 s;

	ql = pktbuild_dns_query(q, 0x1234, "bet365.com", 1, 0);
	n = ip4(pkt, PKT_PROTO_UDP, 5353, 53, 0, 0, q, ql);
	assert_int_equal(gate_packet(fx->g, pkt, n, n, mac_s1, 1000), GATE_DROP);
	ql = pktbuild_dns_query(q, 0x1234, "allowed.test", 1, 0);
	n = ip4(pkt, PKT_PROTO_UDP, 5354, 53, 0, 0, q, ql);
	assert_int_equal(gate_packet(fx->g, pkt, n, n, mac_s1, 1000), GATE_ACCEPT);

	assert_int_equal(tls_flow(fx->g, mac_s1, 40000, "www.bet365.com", &s), GATE_BLOCK_FLOW);
	assert_int_equal(s, GATE_BLOCK_FLOW);
	assert_int_equal(tls_flow(fx->g, mac_s1, 40001, "www.example.org", &s), GATE_ALLOW_FLOW);
	assert_int_equal(s, GATE_ALLOW_FLOW);
	/* Per student: s1's group blocks social; an unknown device gets the default group. */
	assert_int_equal(tls_flow(fx->g, mac_s1, 40002, "facebook.com", &s), GATE_BLOCK_FLOW);
	assert_int_equal(tls_flow(fx->g, mac_other, 40003, "facebook.com", &s), GATE_ALLOW_FLOW);
	/* ...and s1's own allow list beats the group's block. */
	assert_int_equal(tls_flow(fx->g, mac_s1, 40004, "www.instagram.com", &s), GATE_ALLOW_FLOW);

	/* An unreadable QUIC Initial is blocked so the browser falls back to TCP. */
	memset(junk, 0x5a, sizeof(junk));
	junk[0] = 0xc3, junk[1] = 0, junk[2] = 0, junk[3] = 0, junk[4] = 1, junk[5] = 8;
	n = ip4(pkt, PKT_PROTO_UDP, 40005, 443, 0, 0, junk, sizeof(junk));
	assert_int_equal(gate_packet(fx->g, pkt, n, n, mac_s1, 1000), GATE_BLOCK_FLOW);

	/* Malformed: a bad IHL, and a length field past the packet. */
	pkt[0] = 0x44;
	assert_int_equal(gate_packet(fx->g, pkt, n, n, mac_s1, 1000), GATE_DROP);
	pkt[0] = 0x45;
	assert_int_equal(gate_packet(fx->g, pkt, 100, 100, mac_s1, 1000), GATE_DROP);
	assert_int_equal(gate_packet(fx->g, pkt, 0, 0, NULL, 1000), GATE_DROP);
	gate_stats(fx->g, &st);
	assert_int_equal(st.malformed, 3);
	assert_int_equal(st.blocked, 4);
}

/* A full flow table evicts the oldest flow; new flows are still judged. */
static void
test_gate_full_table(void **state)
{
	struct gate_fx		*fx = *state;
	struct flow_stats	 fs;
	enum gate_verdict	 s;

	for (uint16_t i = 0; i < 200; i++)
		assert_int_equal(tls_flow(fx->g, mac_s1, (uint16_t)(41000 + i),
		    i % 2 ? "www.bet365.com" : "www.example.org", &s),
		    i % 2 ? GATE_BLOCK_FLOW : GATE_ALLOW_FLOW);
	gate_flow_stats(fx->g, &fs);
	assert_true(fs.live <= 64);
	assert_true(fs.evicted > 0);
}

static void
test_dnsmap(void **state)
{
	struct dnsmap	*m = dnsmap_new(1024);
	uint8_t		 c1[16] = { 10, 77, 1, 10 }, c2[16] = { 10, 77, 1, 11 };
	uint8_t		 a[16] = { 10, 77, 2, 2 };

	(void)state;
	assert_non_null(m);
	dnsmap_add(m, AF_INET, c1, a, "www.example.org", 60, 1000);
	assert_string_equal(dnsmap_find(m, AF_INET, c1, a, 2000), "www.example.org");
	/* Per client: another client never resolved it. */
	assert_null(dnsmap_find(m, AF_INET, c2, a, 2000));
	/* The latest answer for the address wins. */
	dnsmap_add(m, AF_INET, c1, a, "cdn.example.net", 60, 3000);
	assert_string_equal(dnsmap_find(m, AF_INET, c1, a, 4000), "cdn.example.net");
	/* Kept at least five minutes, then gone. */
	assert_non_null(dnsmap_find(m, AF_INET, c1, a, 3000 + 299 * 1000));
	assert_null(dnsmap_find(m, AF_INET, c1, a, 3000 + 301 * 1000));
	/* Bounded: the least recently used go. */
	for (uint32_t i = 0; i < 5000; i++) {
		uint8_t x[16] = { 10, 0, (uint8_t)(i >> 8), (uint8_t)i };

		dnsmap_add(m, AF_INET, c1, x, "n.example", 600, 10000);
	}
	assert_true(dnsmap_count(m) <= 1024);
	dnsmap_free(m);
}

/* DNS answers teach the gate names; a ClientHello without SNI is judged by them. */
static void
test_gate_dns_map(void **state)
{
	struct gate_fx		*fx = *state;
	static const uint8_t	 a4[4] = { 10, 77, 2, 2 };
	struct forge_dns_answer	 a = { .ttl = 300, .a4 = a4, .na4 = 1 };
	struct pkt_info		 q;
	uint8_t			 qpkt[512], msg[512], resp[FORGE_MAX], dq[256];
	size_t			 n, ql, ml;
	enum gate_verdict	 s;

	/* Without an answer, a ClientHello without SNI is judged by its address: allowed. */
	assert_int_equal(tls_flow(fx->g, mac_s1, 42000, NULL, &s), GATE_ALLOW_FLOW);
	ql = pktbuild_dns_query(dq, 0x1234, "www.bet365.com", 1, 0);
	n = ip4(qpkt, PKT_PROTO_UDP, 5400, 53, 0, 0, dq, ql);
	assert_int_equal(pkt_parse_ip(qpkt, n, &q), 0);
	ml = forge_dns_message(dq, ql, &a, msg, sizeof(msg));
	n = forge_udp_reply(&q, msg, ml, resp, sizeof(resp));
	assert_int_equal(gate_packet(fx->g, resp, n, n, NULL, 1500), GATE_ACCEPT);
	assert_int_equal(tls_flow(fx->g, mac_s1, 42001, NULL, &s), GATE_BLOCK_FLOW);
	assert_int_equal(s, GATE_BLOCK_FLOW);

	/* ECH: the outer name is allowed, the name the client resolved is not. */
	uint8_t pkt[1500], ch[600];
	size_t	cl = pktbuild_client_hello(ch, "public.example.net", 1);

	n = ip4(pkt, PKT_PROTO_TCP, 42002, 443, 100, PKT_TCP_ACK | PKT_TCP_PSH, ch, cl);
	assert_int_equal(gate_packet(fx->g, pkt, n, n, mac_s1, 1600), GATE_BLOCK_FLOW);
	/* Without ECH the same outer name stands on its own. */
	cl = pktbuild_client_hello(ch, "public.example.net", 0);
	n = ip4(pkt, PKT_PROTO_TCP, 42003, 443, 100, PKT_TCP_ACK | PKT_TCP_PSH, ch, cl);
	assert_int_equal(gate_packet(fx->g, pkt, n, n, mac_s1, 1600), GATE_ALLOW_FLOW);
}

/* block_ports: the group's ports end the flow whatever it carries. */
static void
test_gate_ports(void **state)
{
	struct gate_fx		*fx = *state;
	struct gate		*g;
	struct policy		*p;
	struct config		 c;
	struct diag		 d;
	uint8_t			 pkt[256], pay[32] = { 1, 2, 3 };
	char			 err[256], cmd[600];
	size_t			 n;

	snprintf(cmd, sizeof(cmd), "sed -i 's/^    safe_search: strict$/    safe_search: "
	    "strict\\n    block_ports: [udp\\/51820, 1194]/' %s/policy.yaml", fx->dir);
	assert_int_equal(system(cmd), 0);
	diag_init(&d);
	p = policy_load(fx->dir, &d);
	if (p == NULL)
		for (size_t i = 0; i < d.n; i++)
			print_error("%s\n", d.msgs[i]);
	assert_non_null(p);
	assert_int_equal(config_load(&c, fx->dir, &d), 0);
	diag_free(&d);
	c.flow_table_size = 64;
	struct snapshot *snap = snapshot_new(policy_ref(p), &c);
	assert_non_null(snap);
	g = gate_new(snap, NULL, NULL, err, sizeof(err));
	snapshot_unref(snap);
	assert_non_null(g);
	n = ip4(pkt, PKT_PROTO_UDP, 40000, 51820, 0, 0, pay, sizeof(pay));
	assert_int_equal(gate_packet(g, pkt, n, n, mac_s1, 1000), GATE_BLOCK_FLOW);
	/* Another student's group does not list it; other UDP is let go to the kernel. */
	assert_int_equal(gate_packet(g, pkt, n, n, mac_other, 1000), GATE_ALLOW_FLOW);
	n = ip4(pkt, PKT_PROTO_UDP, 40001, 51821, 0, 0, pay, sizeof(pay));
	assert_int_equal(gate_packet(g, pkt, n, n, mac_s1, 1000), GATE_ALLOW_FLOW);
	/* 1194 without a protocol: TCP too, from the first packet after the handshake. */
	n = ip4(pkt, PKT_PROTO_TCP, 40002, 1194, 10, PKT_TCP_ACK, NULL, 0);
	assert_int_equal(gate_packet(g, pkt, n, n, mac_s1, 1000), GATE_BLOCK_FLOW);
	gate_free(g);
	policy_unref(p);
}

/* On a hotspot of the device file, a client no device names is the hotspot's student. */
static void
test_gate_hotspot(void **state)
{
	struct gate_fx		*fx = *state;
	struct gate		*g;
	struct policy		*p;
	struct config		 c;
	struct diag		 d;
	char			 err[256], path[600];
	enum gate_verdict	 s;
	FILE			*f;

	snprintf(path, sizeof(path), "%s/policy.yaml", fx->dir);
	assert_non_null(f = fopen(path, "a"));
	fputs("group_rules:\n  - grades: KG\n    group: lockdown\n", f);
	fclose(f);
	assert_int_equal(testutil_write(fx->dir, "roster.csv", "hallpass-roster,1\n"
	    "student,h1,Hal,Spot,,KG\ndevice,h1,,,hs-9\n"), 0);
	diag_init(&d);
	assert_non_null(p = policy_load(fx->dir, &d));
	assert_int_equal(config_load(&c, fx->dir, &d), 0);
	diag_free(&d);
	c.flow_table_size = 64;
	for (int hotspot = 0; hotspot < 2; hotspot++) {
		struct snapshot *snap;

		snprintf(c.hotspot_id, sizeof(c.hotspot_id), "%s", hotspot ? "hs-9" : "");
		assert_non_null(snap = snapshot_new(policy_ref(p), &c));
		g = gate_new(snap, NULL, NULL, err, sizeof(err));
		snapshot_unref(snap);
		assert_non_null(g);
		/* h1's group (lockdown, by the KG rule) blocks everything but district.example. */
		assert_int_equal(tls_flow(g, mac_other, 40200, "www.example.org", &s),
		    hotspot ? GATE_BLOCK_FLOW : GATE_ALLOW_FLOW);
		/* A device of another student is still that student. */
		assert_int_equal(tls_flow(g, mac_s1, 40201, "www.example.org", &s),
		    GATE_ALLOW_FLOW);
		gate_free(g);
	}
	policy_unref(p);
}

/* What a blocked DNS question and a blocked TLS flow are answered, and what is recorded of them. */
static void
test_gate_sink(void **state)
{
	struct gate_fx		*fx = *state;
	static struct rec_sink	 s;
	struct enforce_sink	 sink = { rec_send, rec_record, &s };
	struct pkt_info		 r;
	uint8_t			 pkt[1500], q[512];
	size_t			 n, ql;
	enum gate_verdict	 v;

	memset(&s, 0, sizeof(s));
	gate_set_sink(fx->g, &sink);
	ql = pktbuild_dns_query(q, 0x4321, "bet365.com", 1, 0);
	n = ip4(pkt, PKT_PROTO_UDP, 5353, 53, 0, 0, q, ql);
	assert_int_equal(gate_packet(fx->g, pkt, n, n, mac_s1, 1000), GATE_DROP);
	/* One UDP answer from the resolver's address: the block address (dns_block: address). */
	assert_int_equal(s.npkt, 1);
	assert_int_equal(pkt_parse_ip(s.pkt[0], s.len[0], &r), 0);
	assert_int_equal(r.sport, 53);
	assert_int_equal(r.dport, 5353);
	assert_memory_equal(r.dst, cli4, 4);
	assert_int_equal(get16(r.payload), 0x4321);
	assert_int_equal(get16(r.payload + 2) & 0x000f, 0);
	assert_int_equal(get16(r.payload + 6), 1);
	assert_memory_equal(r.payload + r.paylen - 4, fx->c.block_address4, 4);
	assert_int_equal(s.nrec, 1);
	assert_string_equal(s.rec[0].host, "bet365.com");
	assert_string_equal(s.rec[0].action, "block");
	assert_string_equal(s.rec[0].proto, "dns");
	assert_string_equal(s.rec[0].student, "s1");
	assert_string_equal(s.rec[0].category, "gambling");

	/* A blocked TLS flow: a RST to each end, one event. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(tls_flow(fx->g, mac_s1, 40100, "www.bet365.com", &v), GATE_BLOCK_FLOW);
	assert_int_equal(s.npkt, 2);
	assert_int_equal(pkt_parse_ip(s.pkt[0], s.len[0], &r), 0);
	assert_memory_equal(r.dst, cli4, 4);
	assert_int_equal(r.dport, 40100);
	assert_true(r.tcp_flags & PKT_TCP_RST);
	assert_int_equal(pkt_parse_ip(s.pkt[1], s.len[1], &r), 0);
	assert_memory_equal(r.dst, srv4, 4);
	assert_int_equal(r.dport, 443);
	assert_true(r.tcp_flags & PKT_TCP_RST);
	assert_int_equal(s.nrec, 1);
	assert_string_equal(s.rec[0].host, "www.bet365.com");
	assert_string_equal(s.rec[0].action, "block");
	assert_string_equal(s.rec[0].proto, "tls");

	/* An allowed flow is recorded, answered nothing. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(tls_flow(fx->g, mac_s1, 40101, "www.example.org", &v), GATE_ALLOW_FLOW);
	assert_int_equal(s.npkt, 0);
	assert_int_equal(s.nrec, 1);
	assert_string_equal(s.rec[0].action, "allow");
}

/* No control byte from a packet's name reaches a record (and so the log or the database): escaped as \\DDD. */
static void
test_gate_hostile_names(void **state)
{
	struct gate_fx		*fx = *state;
	static struct rec_sink	 s;
	struct enforce_sink	 sink = { rec_send, rec_record, &s };
	uint8_t			 pkt[1500], q[512];
	char			 ch[600];
	size_t			 n, ql;
	enum gate_verdict	 v;

	memset(&s, 0, sizeof(s));
	gate_set_sink(fx->g, &sink);
	(void)tls_flow(fx->g, mac_s1, 40200, "Evil\x1b[31m.com\\x", &v);
	assert_int_equal(s.nrec, 1);
	assert_string_equal(s.rec[0].host, "evil\\027[31m.com\\092x");
	/* Bytes past ASCII, and a name whose last escape does not fit: cut before it, never inside. */
	memset(&s, 0, sizeof(s));
	memset(ch, 'a', 252);
	memcpy(ch + 252, "\xff", 2);
	(void)tls_flow(fx->g, mac_s1, 40201, ch, &v);
	assert_int_equal(s.nrec, 1);
	assert_int_equal(strlen(s.rec[0].host), 252);
	/* A DNS label with a newline: dns.c's presentation form. */
	memset(&s, 0, sizeof(s));
	ql = pktbuild_dns_query(q, 0x4444, "evil\nname.com", 1, 0);
	n = ip4(pkt, PKT_PROTO_UDP, 5354, 53, 0, 0, q, ql);
	(void)gate_packet(fx->g, pkt, n, n, mac_s1, 1000);
	assert_int_equal(s.nrec, 1);
	assert_string_equal(s.rec[0].host, "evil\\010name.com");
}

/*
 * A ClientHello in two segments whose first is sent twice with different
 * names (overlapping copies that disagree): whichever copy comes first, the
 * flow is blocked at the second copy with a reset to each end and recorded
 * as tcp-overlap; never judged by the name read.  A faithful retransmission
 * changes nothing.
 */
static enum gate_verdict
overlap_flow(struct gate *g, uint16_t sport, const char *first, const char *second,
    enum gate_verdict *rest)
{
	uint8_t		 pkt[1500], c1[600], c2[600];
	size_t		 n, l1 = client_hello(c1, first), l2 = client_hello(c2, second);
	const uint8_t	*sni = memmem(c1, l1, first, strlen(first));
	size_t		 cut;
	enum gate_verdict v;

	/* The first segment ends inside the name, so the copies differ in it. */
	assert_non_null(sni);
	cut = (size_t)(sni - c1) + strlen(first) - 2;
	assert_int_equal(l1, l2);
	n = ip4(pkt, PKT_PROTO_TCP, sport, 443, 100, PKT_TCP_ACK, NULL, 0);
	assert_int_equal(gate_packet(g, pkt, n, n, mac_s1, 1000), GATE_ACCEPT);
	n = ip4(pkt, PKT_PROTO_TCP, sport, 443, 100, PKT_TCP_ACK, c1, cut);
	assert_int_equal(gate_packet(g, pkt, n, n, mac_s1, 1001), GATE_ACCEPT);
	n = ip4(pkt, PKT_PROTO_TCP, sport, 443, 100, PKT_TCP_ACK, c2, cut);
	v = gate_packet(g, pkt, n, n, mac_s1, 1002);
	n = ip4(pkt, PKT_PROTO_TCP, sport, 443, 100 + (uint32_t)cut, PKT_TCP_ACK | PKT_TCP_PSH,
	    c1 + cut, l1 - cut);
	*rest = gate_packet(g, pkt, n, n, mac_s1, 1003);
	return v;
}

static void
test_gate_overlap(void **state)
{
	struct gate_fx		*fx = *state;
	static struct rec_sink	 s;
	struct enforce_sink	 sink = { rec_send, rec_record, &s };
	struct pkt_info		 r;
	struct flow_stats	 fs;
	enum gate_verdict	 v;
	uint8_t			 pkt[1500];
	size_t			 n;

	gate_set_sink(fx->g, &sink);
	/* Benign first, blocked name second. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(overlap_flow(fx->g, 40300, "www.okay12.org", "www.bet365.com", &v),
	    GATE_BLOCK_FLOW);
	assert_int_equal(v, GATE_BLOCK_FLOW);
	assert_int_equal(s.nrec, 1);
	assert_string_equal(s.rec[0].action, "block");
	assert_string_equal(s.rec[0].reason, "tcp-overlap");
	assert_string_equal(s.rec[0].proto, "tls");
	assert_string_equal(s.rec[0].host, "10.77.2.2");	/* no whole name yet: the address */
	assert_int_equal(s.npkt, 2);
	assert_int_equal(pkt_parse_ip(s.pkt[0], s.len[0], &r), 0);
	assert_true(r.tcp_flags & PKT_TCP_RST);
	assert_memory_equal(r.dst, cli4, 4);
	assert_int_equal(pkt_parse_ip(s.pkt[1], s.len[1], &r), 0);
	assert_true(r.tcp_flags & PKT_TCP_RST);
	assert_memory_equal(r.dst, srv4, 4);
	/* The reverse: blocked name first, benign second. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(overlap_flow(fx->g, 40301, "www.bet365.com", "www.okay12.org", &v),
	    GATE_BLOCK_FLOW);
	assert_int_equal(v, GATE_BLOCK_FLOW);
	assert_int_equal(s.nrec, 1);
	assert_string_equal(s.rec[0].reason, "tcp-overlap");
	/* Two allowed names disagreeing: still blocked, the name read cannot be trusted. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(overlap_flow(fx->g, 40302, "www.okay12.org", "www.okay34.org", &v),
	    GATE_BLOCK_FLOW);
	/* A faithful retransmission: allowed on the completed ClientHello. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(overlap_flow(fx->g, 40303, "www.okay12.org", "www.okay12.org", &v),
	    GATE_ACCEPT);
	assert_int_equal(v, GATE_ALLOW_FLOW);
	assert_int_equal(s.nrec, 1);
	assert_string_equal(s.rec[0].action, "allow");
	assert_string_equal(s.rec[0].host, "www.okay12.org");
	/* HTTP: a request line rewritten under the same sequence numbers. */
	memset(&s, 0, sizeof(s));
	n = ip4(pkt, PKT_PROTO_TCP, 40304, 80, 500, PKT_TCP_ACK, (const uint8_t *)"GET / HTTP/1.1\r\nHost: www.okay12.org", 36);
	assert_int_equal(gate_packet(fx->g, pkt, n, n, mac_s1, 1000), GATE_ACCEPT);
	n = ip4(pkt, PKT_PROTO_TCP, 40304, 80, 500, PKT_TCP_ACK, (const uint8_t *)"GET / HTTP/1.1\r\nHost: www.bet365.com", 36);
	assert_int_equal(gate_packet(fx->g, pkt, n, n, mac_s1, 1001), GATE_BLOCK_FLOW);
	assert_int_equal(s.nrec, 1);
	assert_string_equal(s.rec[0].reason, "tcp-overlap");
	assert_string_equal(s.rec[0].proto, "http");
	/* A reset, not a block page naming a site the client may not have asked for. */
	assert_int_equal(s.npkt, 2);
	assert_int_equal(pkt_parse_ip(s.pkt[0], s.len[0], &r), 0);
	assert_true(r.tcp_flags & PKT_TCP_RST);
	assert_int_equal(r.paylen, 0);
	n = ip4(pkt, PKT_PROTO_TCP, 40304, 80, 536, PKT_TCP_ACK, (const uint8_t *)"\r\n\r\n", 4);
	assert_int_equal(gate_packet(fx->g, pkt, n, n, mac_s1, 1002), GATE_BLOCK_FLOW);
	gate_flow_stats(fx->g, &fs);
	assert_int_equal(fs.conflicts, 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns_nxdomain_with_ede),
		cmocka_unit_test(test_dns_address_answers),
		cmocka_unit_test(test_dns_cname),
		cmocka_unit_test(test_dns_refuses_bad_queries),
		cmocka_unit_test(test_udp_and_tcp_replies),
		cmocka_unit_test(test_icmp_and_ipv6),
		cmocka_unit_test_setup_teardown(test_gate_verdicts, gate_setup, gate_teardown),
		cmocka_unit_test_setup_teardown(test_gate_full_table, gate_setup, gate_teardown),
		cmocka_unit_test(test_dnsmap),
		cmocka_unit_test_setup_teardown(test_gate_dns_map, gate_setup, gate_teardown),
		cmocka_unit_test_setup_teardown(test_gate_ports, gate_setup, gate_teardown),
		cmocka_unit_test_setup_teardown(test_gate_hotspot, gate_setup, gate_teardown),
		cmocka_unit_test_setup_teardown(test_gate_sink, gate_setup, gate_teardown),
		cmocka_unit_test_setup_teardown(test_gate_hostile_names, gate_setup, gate_teardown),
		cmocka_unit_test_setup_teardown(test_gate_overlap, gate_setup, gate_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
