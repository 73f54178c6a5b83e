/* enforce: builds what a judgement answers (DNS responses, RSTs, the block page, ICMP) and passes it to the sink. */
#include "enforce.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forge.h"
#include "log.h"
#include "pkt.h"

#define ENFORCE_DNS_TTL		60	/* block answers are short-lived: a reload shows soon */
#define ENFORCE_SS_TTL_MAX	300	/* safe-search answers: short enough to follow the target's changes */

struct enforce {
	const struct config	*cfg;
	struct enforce_sink	 sink;
	struct enforce_stats	 st;
	uint8_t			 out[FORGE_MAX];
	uint8_t			 msg[FORGE_MAX];
};

struct enforce *
enforce_new(const struct config *cfg, const struct enforce_sink *sink)
{
	struct enforce *e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->cfg = cfg;
	if (sink != NULL)
		e->sink = *sink;
	return e;
}

void
enforce_set_config(struct enforce *e, const struct config *cfg)
{
	e->cfg = cfg;
}

void
enforce_free(struct enforce *e)
{
	free(e);
}

void
enforce_set_sink(struct enforce *e, const struct enforce_sink *sink)
{
	e->sink = *sink;
}

void
enforce_stats(const struct enforce *e, struct enforce_stats *st)
{
	*st = e->st;
}

int
enforce_records(const struct enforce *e)
{
	return e->sink.record != NULL;
}

int
enforce_record(struct enforce *e, const struct activity_rec *rec)
{
	if (e->sink.record == NULL)
		return -1;
	return e->sink.record(e->sink.ctx, rec);
}

static int
enforce_daemon_send(void *ctx, const uint8_t *pkt, size_t len)
{
	struct enforce_daemon *d = ctx;

	if (d->inj == NULL)
		return 0;	/* nothing to send with: a blocked flow is only dropped */
	return inject_send(d->inj, pkt, len);
}

static int
enforce_daemon_record(void *ctx, const struct activity_rec *rec)
{
	struct enforce_daemon *d = ctx;

	return activity_push(d->act, rec);
}

void
enforce_sink_daemon(struct enforce_sink *s, struct enforce_daemon *d)
{
	memset(s, 0, sizeof(*s));
	s->ctx = d;
	if (d->inj != NULL)
		s->send = enforce_daemon_send;
	/* No activity: the gate records nothing and keeps no usage either. */
	if (d->act != NULL)
		s->record = enforce_daemon_record;
}

static void
enforce_send(struct enforce *e, size_t len, uint64_t *counter)
{
	int rc;

	if (len == 0 || e->sink.send == NULL)
		return;
	if ((rc = e->sink.send(e->sink.ctx, e->out, len)) != 0) {
		/* One line per thousand failures: a broken raw socket must not flood the log per packet. */
		if (e->st.send_failed++ % 1000 == 0)
			log_msg(LOG_L_WARN, "sending a block answer: %s", strerror(-rc));
		return;
	}
	(*counter)++;
}

/* Escapes s for HTML text and attribute values. */
static void
enforce_html(char *dst, size_t sz, const char *s)
{
	size_t o = 0;

	for (; *s != '\0' && o + 7 < sz; s++) {
		const char *x = NULL;

		switch (*s) {
		case '&': x = "&amp;"; break;
		case '<': x = "&lt;"; break;
		case '>': x = "&gt;"; break;
		case '"': x = "&quot;"; break;
		case '\'': x = "&#39;"; break;
		}
		if (x != NULL) {
			memcpy(dst + o, x, strlen(x));
			o += strlen(x);
		} else if ((unsigned char)*s >= 0x20 && *s != 0x7f)
			dst[o++] = *s;
	}
	dst[o] = '\0';
}

/* Percent-encodes s as a URL query value. */
static void
enforce_urlenc(char *dst, size_t sz, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s != '\0' && o + 4 < sz; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_') {
			dst[o++] = (char)c;
		} else {
			dst[o++] = '%';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o] = '\0';
}

size_t
enforce_block_page(const char *block_page, const char *host,
    const struct policy_decision *d, char *out, size_t sz)
{
	char		 h[200], c[100], uh[300], uc[200], bp[300], link[1024] = "";
	char		 body[2048], hostcut[64];
	const char	*cat = d->category != NULL ? d->category : "district policy";
	int		 n, m;

	/* Only the start of a long name is shown: the page must fit one packet. */
	activity_copy(hostcut, sizeof(hostcut), host);
	enforce_html(h, sizeof(h), hostcut);
	enforce_html(c, sizeof(c), cat);
	enforce_urlenc(uh, sizeof(uh), hostcut);
	enforce_urlenc(uc, sizeof(uc), cat);
	if (block_page[0] != '\0') {
		enforce_html(bp, sizeof(bp), block_page);
		snprintf(link, sizeof(link), "<p><a href=\"%s%shost=%s&amp;category=%s\">"
		    "More about this block</a></p>", bp,
		    strchr(block_page, '?') != NULL ? "&amp;" : "?", uh, uc);
	}
	n = snprintf(body, sizeof(body),
	    "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width\">"
	    "<title>Blocked: %s</title><h1>This site is blocked</h1>"
	    "<p><strong>%s</strong> is blocked by your school district's "
	    "acceptable-use policy (%s).</p>%s"
	    "<p>If you need it for schoolwork, ask your teacher.</p></html>\n",
	    h, h, c, link);
	if (n < 0 || (size_t)n >= sizeof(body))
		return 0;
	m = snprintf(out, sz, "HTTP/1.1 403 Forbidden\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Cache-Control: no-store\r\n"
	    "Connection: close\r\n"
	    "X-Hallpass-Blocked: %s\r\n"
	    "Content-Length: %d\r\n\r\n%s", uc, n, body);
	if (m < 0 || (size_t)m >= sz)
		return 0;
	return (size_t)m;
}

/* Sends answer a to the DNS question in r in place of the upstream's, over UDP or TCP. */
static void
enforce_dns_send(struct enforce *e, const struct classify_result *r,
    const struct forge_dns_answer *a, uint64_t *counter)
{
	const struct pkt_info	*p = &r->pkt;
	const uint8_t		*q = p->payload;
	size_t			 qlen = p->paylen, mlen, len;

	if (p->proto == PKT_PROTO_TCP) {
		/* One query per segment (classify judged the segment's first message). */
		if (qlen < 2)
			return;
		if ((mlen = forge_dns_message(q + 2, qlen - 2, a, e->msg + 2,
		    sizeof(e->msg) - 2)) == 0)
			return;
		e->msg[0] = (uint8_t)(mlen >> 8);
		e->msg[1] = (uint8_t)mlen;
		len = forge_tcp(p, 1, PKT_TCP_PSH | PKT_TCP_FIN, e->msg, mlen + 2,
		    e->out, sizeof(e->out));
		enforce_send(e, len, counter);
		/* The server never saw the query: close its side so no half-open stream lingers. */
		len = forge_tcp(p, 0, PKT_TCP_RST, NULL, 0, e->out, sizeof(e->out));
		enforce_send(e, len, &e->st.resets);
		return;
	}
	if ((mlen = forge_dns_message(q, qlen, a, e->msg, sizeof(e->msg))) == 0)
		return;
	len = forge_udp_reply(p, e->msg, mlen, e->out, sizeof(e->out));
	enforce_send(e, len, counter);
}

/* Answers a blocked DNS question: NXDOMAIN or the block address, as judged. */
static void
enforce_dns_block(struct enforce *e, const struct classify_result *r,
    const struct policy_decision *d, enum judge_answer ans)
{
	struct forge_dns_answer	 a;
	char			 text[96];

	memset(&a, 0, sizeof(a));
	a.ttl = ENFORCE_DNS_TTL;
	a.ede = FORGE_EDE_FILTERED;
	snprintf(text, sizeof(text), "blocked by hallpass: %s",
	    d->category != NULL ? d->category : "district policy");
	a.ede_text = text;
	if (ans == JUDGE_A_DNS_ADDRESS) {
		a.rcode = FORGE_RCODE_NOERROR;
		a.a4 = e->cfg->block_address4;
		a.na4 = 1;
		a.a6 = e->cfg->block_address6;
		a.na6 = 1;
	} else
		a.rcode = FORGE_RCODE_NXDOMAIN;
	enforce_dns_send(e, r, &a, &e->st.dns_answered);
}

void
enforce_safesearch(struct enforce *e, const struct classify_result *r,
    const char *target, const struct resolve_entry *re, uint64_t now_ms)
{
	struct forge_dns_answer a;

	memset(&a, 0, sizeof(a));
	a.rcode = FORGE_RCODE_NOERROR;
	a.cname = target;
	a.ttl = ENFORCE_DNS_TTL;
	/* Stale addresses while a refresh is under way beat none. */
	if (re != NULL && re->expires_ms != 0) {
		a.a4 = re->a4[0];
		a.na4 = re->na4;
		a.a6 = re->a6[0];
		a.na6 = re->na6;
		if (re->expires_ms > now_ms) {
			uint64_t left = (re->expires_ms - now_ms) / 1000;

			a.ttl = (uint32_t)(left < ENFORCE_SS_TTL_MAX ? (left ? left : 1) :
			    ENFORCE_SS_TTL_MAX);
		}
	}
	enforce_dns_send(e, r, &a, &e->st.safesearch);
}

/* Ends a blocked TCP connection at both ends, after a block page for plain HTTP. */
static void
enforce_tcp_block(struct enforce *e, const struct classify_result *r,
    const struct judge_out *o)
{
	char	page[FORGE_MAX - 60];
	size_t	len, plen;

	len = 0;
	if (o->answer == JUDGE_A_BLOCK_PAGE &&
	    (plen = enforce_block_page(e->cfg->block_page, o->host, &o->d, page,
	    sizeof(page))) > 0 &&
	    (len = forge_tcp(&r->pkt, 1, PKT_TCP_PSH | PKT_TCP_FIN, (uint8_t *)page,
	    plen, e->out, sizeof(e->out))) > 0)
		enforce_send(e, len, &e->st.block_pages);
	if (len == 0) {
		len = forge_tcp(&r->pkt, 1, PKT_TCP_RST, NULL, 0, e->out, sizeof(e->out));
		enforce_send(e, len, &e->st.resets);
	}
	len = forge_tcp(&r->pkt, 0, PKT_TCP_RST, NULL, 0, e->out, sizeof(e->out));
	enforce_send(e, len, &e->st.resets);
}

void
enforce_answer(struct enforce *e, const struct classify_result *r, const uint8_t *ip,
    size_t caplen, const struct judge_out *o)
{
	size_t len;

	switch (o->answer) {
	case JUDGE_A_NONE:
	case JUDGE_A_DNS_CNAME:	/* needs the resolver's addresses: enforce_safesearch */
		break;
	case JUDGE_A_DNS_NXDOMAIN:
	case JUDGE_A_DNS_ADDRESS:
		enforce_dns_block(e, r, &o->d, o->answer);
		break;
	case JUDGE_A_RST:
	case JUDGE_A_BLOCK_PAGE:
		enforce_tcp_block(e, r, o);
		break;
	case JUDGE_A_ICMP:
		len = forge_icmp_prohibited(&r->pkt, ip, caplen, e->out, sizeof(e->out));
		enforce_send(e, len, &e->st.icmp);
		break;
	}
}
