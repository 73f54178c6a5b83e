/* judge: the one decision for a classified packet — the policy's, then the gate's own rules (ECH, DNS map, canary, strict HTTPS, QUIC, encrypted DNS). */
#include "judge.h"

#include <sys/socket.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "hp_str.h"
#include "pkt.h"

const char *
judge_action_name(enum policy_action a)
{
	return a == POLICY_BLOCK ? "block" : a == POLICY_SAFESEARCH ? "safesearch" :
	    "allow";
}

void
judge_in_from(struct judge_in *in, const struct classify_result *r)
{
	memset(in, 0, sizeof(*in));
	in->proto = r->proto;
	in->name = r->status == CLASSIFY_NAME ? r->host : NULL;
	in->path = r->proto == CLASSIFY_P_HTTP && r->path[0] != '\0' ? r->path : NULL;
	in->ech = r->ech;
	in->conflict = r->conflict;
	in->l4 = r->pkt.proto;
	in->dport = r->pkt.dport;
	in->af = r->pkt.af;
	in->dst = r->pkt.dst;
}

int
judge_is_dns_answer(const struct classify_result *r)
{
	return r->status != CLASSIFY_MALFORMED && r->pkt.proto == PKT_PROTO_UDP &&
	    r->pkt.sport == 53 && r->pkt.fragment != PKT_FRAG_LATER;
}

int
judge_learn(struct dnsmap *map, const struct classify_result *r, struct dnsresp *resp,
    uint64_t now_ms)
{
	if (r->pkt.truncated || dnsresp_parse(r->pkt.payload, r->pkt.paylen, resp) != 0)
		return -1;
	for (size_t i = 0; i < resp->naddr; i++)
		if (resp->addr[i].af == r->pkt.af)
			dnsmap_add(map, r->pkt.af, r->pkt.dst, resp->addr[i].addr,
			    resp->qname, resp->addr[i].ttl, now_ms);
	return 0;
}

/* The answer a final action gets, by protocol: enforcement only builds and sends it. */
static enum judge_answer
judge_answer_for(const struct judge_in *in, enum policy_action action, int force_nx)
{
	if (in->proto == CLASSIFY_P_DNS) {
		if (action == POLICY_SAFESEARCH)
			return JUDGE_A_DNS_CNAME;
		if (action != POLICY_BLOCK)
			return JUDGE_A_NONE;
		return in->cfg->dns_block == CONFIG_DNS_ADDRESS && !force_nx ?
		    JUDGE_A_DNS_ADDRESS : JUDGE_A_DNS_NXDOMAIN;
	}
	if (action != POLICY_BLOCK)
		return JUDGE_A_NONE;
	if (in->l4 == PKT_PROTO_UDP)
		return JUDGE_A_ICMP;	/* an ICMP error makes the browser give up on QUIC at once */
	return in->proto == CLASSIFY_P_HTTP ? JUDGE_A_BLOCK_PAGE : JUDGE_A_RST;
}

int
judge_port(const struct policy *p, const struct policy_student *st, int l4,
    uint16_t dport, int af, const uint8_t *dst, struct judge_out *out)
{
	unsigned line;

	if (!policy_port_blocked(p, st, l4, dport, &line))
		return 0;
	memset(out, 0, sizeof(*out));
	if (inet_ntop(af, dst, out->host, sizeof(out->host)) == NULL)
		out->host[0] = '\0';
	out->action = POLICY_BLOCK;
	out->d.action = POLICY_BLOCK;
	out->d.reason = POLICY_R_GROUP_DENY;
	out->d.rule_file = policy_file(p);
	out->d.rule_line = line;
	out->note = "blocked-port";
	/* Not a named protocol, whatever it carries: a RST or an ICMP error. */
	out->answer = l4 == PKT_PROTO_UDP ? JUDGE_A_ICMP : JUDGE_A_RST;
	return 1;
}

/*
 * Encrypted DNS that would bypass the gateway's: DoT/DoQ on port 853, or a
 * connection to an address of a known DoH endpoint (whatever its SNI, so ECH
 * or a hard-coded address does not help).  Decided by the endpoint's name, so
 * a group that allows doh-providers keeps it.
 */
static int
judge_encrypted_dns(const struct judge_in *in, struct policy_decision *d)
{
	struct policy_decision dd;

	if (in->dport == 853) {
		memset(d, 0, sizeof(*d));
		d->action = POLICY_BLOCK;
		d->reason = POLICY_R_CATEGORY_BLOCKED;
		d->category = JUDGE_DOH_CATEGORY;
		return 1;
	}
	if (in->doh == NULL)
		return 0;
	policy_decide(in->policy, in->student, in->doh, strlen(in->doh), NULL, in->now, &dd);
	if (dd.action != POLICY_BLOCK)
		return 0;
	*d = dd;
	return 1;
}

int
judge(const struct judge_in *in, struct judge_out *out)
{
	const struct policy	*p = in->policy;
	enum policy_action	 action;
	int			 force_nx = 0;

	memset(out, 0, sizeof(*out));
	if (in->name != NULL) {
		hp_strlcpy(out->host, in->name, sizeof(out->host));
		policy_decide(p, in->student, in->name, strlen(in->name), in->path, in->now,
		    &out->d);
		action = out->d.action;
		/* Safe search is a DNS answer; for a connection already made it is an allow. */
		if (action == POLICY_SAFESEARCH && in->proto != CLASSIFY_P_DNS)
			action = POLICY_ALLOW;
		if (in->ech && action != POLICY_BLOCK && in->mapped != NULL) {
			/* ECH: the outer name is the provider's; the one the client looked up is the site. */
			struct policy_decision dm;

			policy_decide(p, in->student, in->mapped, strlen(in->mapped), NULL,
			    in->now, &dm);
			out->map_used = 1;
			if (dm.action == POLICY_BLOCK) {
				out->d = dm;
				action = POLICY_BLOCK;
				hp_strlcpy(out->host, in->mapped, sizeof(out->host));
				out->note = "ech-dns-map";
			}
		}
		if (in->proto == CLASSIFY_P_DNS && in->cfg->block_encrypted_dns &&
		    strcmp(out->host, JUDGE_CANARY) == 0) {
			/* Firefox turns its default DoH off only on NXDOMAIN, whatever the group. */
			action = POLICY_BLOCK;
			force_nx = 1;
			out->note = "doh-canary";
		}
	} else if (in->mapped != NULL) {
		/* No readable name (no SNI, a bare address): the name the client resolved. */
		out->map_used = 1;
		hp_strlcpy(out->host, in->mapped, sizeof(out->host));
		policy_decide(p, in->student, out->host, strlen(out->host), NULL, in->now,
		    &out->d);
		action = out->d.action == POLICY_BLOCK ? POLICY_BLOCK : POLICY_ALLOW;
		out->note = "dns-map";
		if (in->proto == CLASSIFY_P_QUIC && action != POLICY_BLOCK) {
			action = POLICY_BLOCK;
			out->note = "quic-unreadable";
		}
	} else {
		/* No name: judge the address itself (IP rules, block-all groups). */
		if (inet_ntop(in->af, in->dst, out->host, sizeof(out->host)) == NULL)
			return -1;
		policy_decide(p, in->student, out->host, strlen(out->host), NULL, in->now,
		    &out->d);
		action = out->d.action == POLICY_BLOCK ? POLICY_BLOCK : POLICY_ALLOW;
		if (in->cfg->strict_https && action != POLICY_BLOCK &&
		    (in->proto == CLASSIFY_P_TLS || in->proto == CLASSIFY_P_QUIC)) {
			/* Strict: HTTPS only to what the client looked up through us. */
			action = POLICY_BLOCK;
			out->note = "strict-https";
			out->strict = 1;
		}
		if (in->proto == CLASSIFY_P_QUIC && action != POLICY_BLOCK) {
			/* An unreadable QUIC Initial could name anything: make it fall back to TCP. */
			action = POLICY_BLOCK;
			out->note = "quic-unreadable";
		}
	}
	if (in->proto != CLASSIFY_P_DNS && action != POLICY_BLOCK &&
	    in->cfg->block_encrypted_dns && judge_encrypted_dns(in, &out->d)) {
		action = POLICY_BLOCK;
		out->note = "encrypted-dns";
		out->encrypted_dns = 1;
	}
	/* A guardian only adds blocks: what the district blocks keeps the district's reason. */
	if (action != POLICY_BLOCK && in->home != NULL &&
	    (out->home = home_decide(in->home, p, out->d.category, in->now)) !=
	    HOME_R_NONE) {
		action = POLICY_BLOCK;
		out->note = home_reason_name(out->home);
	}
	out->action = action;
	out->answer = judge_answer_for(in, action, force_nx);
	if (in->conflict) {
		/*
		 * Two copies of the stream's bytes disagreed: the name read may not be
		 * the one the server sees (Ptacek and Newsham's insertion), so no name
		 * read from it may allow the flow.  A reset, not a block page: the
		 * page would name a site the client may not have asked for.
		 */
		out->action = POLICY_BLOCK;
		out->note = "tcp-overlap";
		out->answer = JUDGE_A_RST;
	}
	return 0;
}
