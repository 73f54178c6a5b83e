/* classify: dispatches a parsed packet to the DNS, TLS, HTTP and QUIC extractors, with per-flow state. */
#include "classify.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "hp_str.h"
#include "http.h"
#include "quic.h"
#include "tls.h"

struct classify {
	struct flow_table	*flows;
	struct quic_ctx		*quic;
	struct quic_hello	*hellos;	/* pool */
	size_t			 nhellos;
	struct quic_hello	**hfree;
	size_t			 nhfree;
	void			(*gone)(const struct classify_gone *, void *);
	void			*gone_arg;
};

void
classify_config_defaults(struct classify_config *c)
{
	c->flows = 65536;
	c->bufs = 1024;
	c->bufsize = 16384;
	c->quic_hellos = 256;
	c->idle_ms = 300 * 1000;
}

const char *
classify_proto_name(enum classify_proto p)
{
	switch (p) {
	case CLASSIFY_P_DNS:
		return "dns";
	case CLASSIFY_P_TLS:
		return "tls";
	case CLASSIFY_P_HTTP:
		return "http";
	case CLASSIFY_P_QUIC:
		return "quic";
	default:
		return "-";
	}
}

static const char *
classify_pending_why(const struct flow *f)
{
	switch (f->kind) {
	case CLASSIFY_P_TLS:
		return "ClientHello incomplete";
	case CLASSIFY_P_QUIC:
		return "QUIC ClientHello incomplete";
	case CLASSIFY_P_HTTP:
		return "HTTP request headers incomplete";
	case CLASSIFY_P_DNS:
		return "DNS query incomplete";
	default:
		return "no data";
	}
}

static void
classify_evict(struct flow *f, void *arg)
{
	struct classify *c = arg;

	if (f->user != NULL) {
		c->hfree[c->nhfree++] = f->user;
		f->user = NULL;
	}
	/* Only flows that had started to say something are worth reporting. */
	if (c->gone != NULL && f->state == FLOW_PENDING) {
		struct classify_gone g = { &f->key, (enum classify_proto)f->kind,
		    f->first_ms, classify_pending_why(f) };

		c->gone(&g, c->gone_arg);
	}
}

struct classify *
classify_new(const struct classify_config *cfg)
{
	struct classify *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->flows = flow_table_new(cfg->flows, cfg->bufs, cfg->bufsize, cfg->idle_ms);
	c->quic = quic_ctx_new();
	c->nhellos = cfg->quic_hellos;
	c->hellos = calloc(c->nhellos + 1, sizeof(*c->hellos));
	c->hfree = calloc(c->nhellos + 1, sizeof(*c->hfree));
	if (c->flows == NULL || c->quic == NULL || c->hellos == NULL ||
	    c->hfree == NULL) {
		classify_free(c);
		return NULL;
	}
	for (size_t i = 0; i < c->nhellos; i++)
		c->hfree[c->nhfree++] = &c->hellos[i];
	flow_table_set_evict(c->flows, classify_evict, c);
	return c;
}

void
classify_set_gone(struct classify *c,
    void (*gone)(const struct classify_gone *, void *), void *arg)
{
	c->gone = gone;
	c->gone_arg = arg;
}

void
classify_free(struct classify *c)
{
	if (c == NULL)
		return;
	flow_table_free(c->flows);
	quic_ctx_free(c->quic);
	free(c->hellos);
	free(c->hfree);
	free(c);
}

void
classify_flush(struct classify *c)
{
	(void)flow_expire(c->flows, UINT64_MAX / 2);
}

void
classify_flow_stats(const struct classify *c, struct flow_stats *st)
{
	flow_stats(c->flows, st);
}

void
classify_done(struct classify *c, struct classify_result *r)
{
	struct flow *f = r->flow;

	if (f == NULL)
		return;
	f->state = FLOW_DONE;
	flow_buf_release(c->flows, f);
	if (f->user != NULL) {
		c->hfree[c->nhfree++] = f->user;
		f->user = NULL;
	}
}

void
classify_flow_key(const struct pkt_info *p, struct flow_key *k)
{
	memset(k, 0, sizeof(*k));
	k->af = (uint8_t)p->af;
	k->proto = p->proto;
	k->sport = p->sport;
	k->dport = p->dport;
	memcpy(k->src, p->src, 16);
	memcpy(k->dst, p->dst, 16);
}

/*
 * A name from a packet (SNI, Host) into r->host, lower-cased, every byte that
 * is not printable ASCII, and the backslash, written as \DDD: the
 * presentation form dns.c already gives DNS names (RFC 1035 5.1).  Escaped,
 * not rejected: the flow is still judged (an invalid name matches no rule,
 * as before) and IT sees what the client sent, but no control byte, escape
 * sequence or newline ever reaches the log, the database or the dashboard.
 * An escape that does not fit is left out whole, never cut.
 */
static void
classify_host(char *dst, size_t dstsz, const char *src, size_t len)
{
	size_t	o = 0;

	if (dstsz == 0)
		return;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c > 0x20 && c < 0x7f && c != '\\') {
			if (o + 1 >= dstsz)
				break;
			dst[o++] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
			continue;
		}
		if (o + 4 >= dstsz)
			break;
		dst[o++] = '\\';
		dst[o++] = (char)('0' + c / 100);
		dst[o++] = (char)('0' + c / 10 % 10);
		dst[o++] = (char)('0' + c % 10);
	}
	dst[o] = '\0';
}

static void
classify_dns(const uint8_t *buf, size_t len, int tcp, struct classify_result *r)
{
	struct dns_query q;

	r->proto = CLASSIFY_P_DNS;
	if ((tcp ? dns_parse_query_tcp(buf, len, &q) : dns_parse_query(buf, len, &q)) != 0) {
		if (q.err == DNS_E_RESPONSE) {
			r->status = CLASSIFY_IGNORE;
			r->why = "DNS response";
		} else if (tcp && q.err == DNS_E_SHORT) {
			r->status = CLASSIFY_PENDING;
		} else {
			r->status = CLASSIFY_MALFORMED;
			r->why = dns_strerror(q.err);
		}
		return;
	}
	if (q.name[0] == '\0') {
		r->status = CLASSIFY_NONAME;
		r->why = "DNS query for the root";
		return;
	}
	r->status = CLASSIFY_NAME;
	r->qtype = q.qtype;
	r->dns_id = q.id;
	hp_memlcpy(r->host, sizeof(r->host), q.name, q.namelen);
}

static void
classify_quic(struct classify *c, uint64_t now_ms, struct classify_result *r)
{
	const struct pkt_info	*p = &r->pkt;
	struct flow_key		 k;
	struct flow		*f;
	struct quic_hello	*h;
	enum quic_status	 st;
	char			 sni[QUIC_SNI_MAX];
	bool			 ech = false;
	uint32_t		 version;

	/* Long header with the fixed bit: anything else is not a client's first flight. */
	if (p->paylen < 7 || (p->payload[0] & 0xc0) != 0xc0) {
		r->status = CLASSIFY_IGNORE;
		return;
	}
	version = (uint32_t)p->payload[1] << 24 | (uint32_t)p->payload[2] << 16 |
	    (uint32_t)p->payload[3] << 8 | p->payload[4];
	classify_flow_key(p, &k);
	f = flow_get(c->flows, &k, now_ms, 0);
	if (f != NULL && f->state == FLOW_DONE) {
		r->status = CLASSIFY_IGNORE;
		r->flow = f;
		return;
	}
	if (version != QUIC_VERSION_1 && version != QUIC_VERSION_2 &&
	    version != QUIC_VERSION_DRAFT29) {
		/* Only name what is plausibly QUIC: version negotiation and greased versions are quiet. */
		if (version == 0 || (version & 0x0f0f0f0f) == 0x0a0a0a0a ||
		    (version >> 8) != 0xff0000 || p->dport != 443) {
			r->status = CLASSIFY_IGNORE;
			return;
		}
		r->proto = CLASSIFY_P_QUIC;
		r->status = CLASSIFY_NONAME;
		r->why = "QUIC version not decoded";
		return;
	}
	if (f == NULL && (f = flow_get(c->flows, &k, now_ms, 1)) == NULL) {
		r->status = CLASSIFY_IGNORE;
		return;
	}
	r->flow = f;
	if (f->user == NULL) {
		if (c->nhfree == 0) {
			r->proto = CLASSIFY_P_QUIC;
			r->status = CLASSIFY_NONAME;
			r->why = "QUIC reassembly slots exhausted";
			return;
		}
		f->user = h = c->hfree[--c->nhfree];
		quic_hello_init(h);
	}
	h = f->user;
	st = quic_datagram(c->quic, p->payload, p->paylen, h, sni, sizeof(sni), &ech);
	switch (st) {
	case QUIC_SNI_OK:
		r->proto = CLASSIFY_P_QUIC;
		r->status = CLASSIFY_NAME;
		r->ech = ech;
		classify_host(r->host, sizeof(r->host), sni, strlen(sni));
		break;
	case QUIC_NO_SNI:
		r->proto = CLASSIFY_P_QUIC;
		r->status = CLASSIFY_NONAME;
		r->why = "no SNI";
		break;
	case QUIC_NEED_MORE:
		r->proto = CLASSIFY_P_QUIC;
		f->kind = CLASSIFY_P_QUIC;
		f->state = FLOW_PENDING;
		r->status = CLASSIFY_PENDING;
		break;
	case QUIC_UNSUPPORTED_VERSION:
		r->proto = CLASSIFY_P_QUIC;
		r->status = CLASSIFY_NONAME;
		r->why = "QUIC version not decoded";
		break;
	case QUIC_NOT_INITIAL:
		r->status = CLASSIFY_IGNORE;
		break;
	default:
		/* On the QUIC port a broken Initial is worth a line; elsewhere it is just UDP. */
		if (p->dport == 443) {
			r->proto = CLASSIFY_P_QUIC;
			r->status = CLASSIFY_NONAME;
			r->why = st == QUIC_DECRYPT_FAILED ? "QUIC Initial not decrypted" :
			    "QUIC Initial malformed";
		} else
			r->status = CLASSIFY_IGNORE;
		break;
	}
	if (r->status == CLASSIFY_NAME || r->status == CLASSIFY_NONAME) {
		f->kind = CLASSIFY_P_QUIC;
		classify_done(c, r);
		r->flow = f;
	}
}

/* TLS or HTTP on the first client bytes of a TCP stream (data, have bytes contiguous). */
static void
classify_stream(struct classify_result *r, const uint8_t *data, size_t have,
    int full)
{
	/* A server's side of a stream (captured mid-connection): nothing to name. */
	if ((have > 5 && data[0] == 0x16 && data[5] != 1) ||
	    (have >= 5 && memcmp(data, "HTTP/", 5) == 0)) {
		r->status = CLASSIFY_IGNORE;
		r->why = "server's side of the stream";
		return;
	}
	if (have > 0 && data[0] == 0x16) {
		struct tls_hello	 h;
		enum tls_result		 tr = tls_parse_client_hello(data, have, &h);

		r->proto = CLASSIFY_P_TLS;
		r->ech = h.ech;
		switch (tr) {
		case TLS_OK:
			r->status = CLASSIFY_NAME;
			classify_host(r->host, sizeof(r->host), h.sni, h.snilen);
			return;
		case TLS_NO_SNI:
			r->status = CLASSIFY_NONAME;
			r->why = h.esni ? "no SNI (draft ESNI)" : "no SNI";
			return;
		case TLS_NEED_MORE:
			if (!full) {
				r->status = CLASSIFY_PENDING;
				return;
			}
			if (h.snilen > 0) {
				r->status = CLASSIFY_NAME;
				r->why = "ClientHello larger than the reassembly buffer";
				classify_host(r->host, sizeof(r->host), h.sni, h.snilen);
				return;
			}
			r->status = CLASSIFY_NONAME;
			r->why = "ClientHello incomplete";
			return;
		default:
			r->status = CLASSIFY_NONAME;
			r->why = h.why != NULL ? h.why : "malformed TLS";
			return;
		}
	}
	struct http_request	 q;
	enum http_result	 hr = http_parse_request(data, have, &q);

	switch (hr) {
	case HTTP_OK:
		r->proto = CLASSIFY_P_HTTP;
		r->status = CLASSIFY_NAME;
		classify_host(r->host, sizeof(r->host), (const char *)q.host, q.hostlen);
		hp_memlcpy(r->path, sizeof(r->path), q.path, q.pathlen);
		return;
	case HTTP_NEED_MORE:
		r->proto = CLASSIFY_P_HTTP;
		if (!full) {
			r->status = CLASSIFY_PENDING;
			return;
		}
		r->status = CLASSIFY_NONAME;
		r->why = "HTTP request headers incomplete";
		return;
	case HTTP_NO_HOST:
		r->proto = CLASSIFY_P_HTTP;
		r->status = CLASSIFY_NONAME;
		r->why = "no Host header";
		return;
	case HTTP_MALFORMED:
		r->proto = CLASSIFY_P_HTTP;
		r->status = CLASSIFY_NONAME;
		r->why = q.why != NULL ? q.why : "malformed HTTP";
		return;
	default:
		/* From a well-known port to a high one is a server talking first (SMTP, SSH banners). */
		r->status = r->pkt.sport < 1024 && r->pkt.dport >= 1024 ?
		    CLASSIFY_IGNORE : CLASSIFY_NONAME;
		r->why = "neither TLS nor HTTP";
		return;
	}
}

/*
 * A stream whose overlapping segments disagreed: what the server reassembles
 * cannot be known, so the flow is decided now, never by a name read from it
 * (judge blocks it).  The first copy's name, if it parses, is kept for IT.
 */
static void
classify_conflict(struct classify *c, struct classify_result *r, const uint8_t *data,
    size_t have)
{
	int dns = r->pkt.dport == 53;

	if (!dns && data != NULL)
		classify_stream(r, data, have, 1);
	r->status = r->status == CLASSIFY_NAME ? CLASSIFY_NAME : CLASSIFY_NONAME;
	/* DNS over TCP gets no DNS answer: a plain reset ends it. */
	if (dns || (r->proto != CLASSIFY_P_TLS && r->proto != CLASSIFY_P_HTTP))
		r->proto = CLASSIFY_P_NONE;
	r->conflict = 1;
	r->why = "overlapping TCP segments disagree";
	r->flow->kind = (uint8_t)r->proto;
	classify_done(c, r);
}

static void
classify_tcp(struct classify *c, uint64_t now_ms, struct classify_result *r)
{
	const struct pkt_info	*p = &r->pkt;
	struct flow_key		 k;
	struct flow		*f;
	const uint8_t		*data;
	size_t			 have;
	int			 syn = (p->tcp_flags & (PKT_TCP_SYN | PKT_TCP_ACK)) == PKT_TCP_SYN;

	classify_flow_key(p, &k);
	if ((p->tcp_flags & (PKT_TCP_SYN | PKT_TCP_ACK)) == (PKT_TCP_SYN | PKT_TCP_ACK)) {
		/* A SYN-ACK says this direction is the server's: never parse it. */
		if ((f = flow_get(c->flows, &k, now_ms, 1)) != NULL)
			f->state = FLOW_DONE;
		r->status = CLASSIFY_IGNORE;
		return;
	}
	/* Only a SYN or data can start a flow worth remembering. */
	f = flow_get(c->flows, &k, now_ms, syn || p->paylen > 0);
	if (f == NULL || f->state == FLOW_DONE ||
	    (p->tcp_flags & PKT_TCP_RST) != 0) {
		r->status = CLASSIFY_IGNORE;
		/* A decided flow's stragglers (queued before the kernel knew) need its verdict. */
		if (f != NULL && f->state == FLOW_DONE)
			r->flow = f;
		return;
	}
	r->flow = f;
	if (p->dport == 53) {
		/* DNS over TCP: one query judged per packet, the stream offset kept in the flow. */
		have = flow_tcp_add(c->flows, f, p->tcp_seq, syn, p->payload, p->paylen, &data);
		if (f->conflict) {
			classify_conflict(c, r, data, have);
			return;
		}
		if (p->paylen == 0) {
			r->status = syn ? CLASSIFY_PENDING : CLASSIFY_IGNORE;
			return;
		}
		f->kind = CLASSIFY_P_DNS;
		f->state = FLOW_PENDING;
		if (data == NULL) {
			data = p->payload;
			have = p->paylen;
		}
		size_t off = f->aux;	/* where the next pipelined query starts */

		if (off >= have) {
			r->status = CLASSIFY_PENDING;
			return;
		}
		classify_dns(data + off, have - off, 1, r);
		if (r->status == CLASSIFY_NAME) {
			struct dns_query q;

			if (dns_parse_query_tcp(data + off, have - off, &q) == 0)
				f->aux = (uint32_t)(off + q.wirelen);
		}
		if (r->status == CLASSIFY_MALFORMED)
			classify_done(c, r);
		return;
	}
	have = flow_tcp_add(c->flows, f, p->tcp_seq, syn, p->payload, p->paylen, &data);
	if (f->conflict) {
		classify_conflict(c, r, data, have);
		return;
	}
	if (p->paylen == 0 && have == 0) {
		r->status = syn ? CLASSIFY_PENDING : CLASSIFY_IGNORE;
		return;
	}
	if (data == NULL) {
		/* No buffer to spare: judge the segment on its own. */
		data = p->payload;
		have = p->paylen;
	}
	if (have == 0) {
		/* Data arrived ahead of a gap: wait for the gap to fill. */
		r->status = CLASSIFY_PENDING;
		f->state = FLOW_PENDING;
		return;
	}
	classify_stream(r, data, have, have >= flow_bufsize(c->flows) || f->overflow ||
	    data == p->payload);
	if (r->status == CLASSIFY_IGNORE) {
		f->state = FLOW_DONE;
		flow_buf_release(c->flows, f);
	} else if (r->status == CLASSIFY_PENDING) {
		f->state = FLOW_PENDING;
		f->kind = (uint8_t)r->proto;
	} else {
		f->kind = (uint8_t)r->proto;
		classify_done(c, r);
	}
}

void
classify_packet(struct classify *c, const uint8_t *ip, size_t len, uint64_t now_ms,
    struct classify_result *r)
{
	classify_packet_cap(c, ip, len, len, now_ms, r);
}

void
classify_packet_cap(struct classify *c, const uint8_t *ip, size_t len,
    size_t wirelen, uint64_t now_ms, struct classify_result *r)
{
	r->status = CLASSIFY_IGNORE;
	r->proto = CLASSIFY_P_NONE;
	r->host[0] = r->path[0] = '\0';
	r->qtype = r->dns_id = 0;
	r->ech = 0;
	r->conflict = 0;
	r->why = NULL;
	r->flow = NULL;
	if (pkt_parse_ip_cap(ip, len, wirelen, &r->pkt) != 0) {
		r->status = CLASSIFY_MALFORMED;
		r->why = pkt_strerror(r->pkt.err);
		return;
	}
	if (r->pkt.fragment == PKT_FRAG_LATER) {
		r->why = "IP fragment";
		return;
	}
	if (r->pkt.proto == PKT_PROTO_UDP) {
		if (r->pkt.dport == 53)
			classify_dns(r->pkt.payload, r->pkt.paylen, 0, r);
		else if (r->pkt.sport != 53)
			classify_quic(c, now_ms, r);
	} else if (r->pkt.proto == PKT_PROTO_TCP)
		classify_tcp(c, now_ms, r);
}

void
classify_set_idle(struct classify *c, uint32_t idle_ms)
{
	flow_table_set_idle(c->flows, idle_ms);
}
