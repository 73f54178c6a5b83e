/* gate: hallpassd's per-packet logic — classify, find the student, judge, then enforce and record — apart from NFQUEUE. */
#include "gate.h"

#include <sys/socket.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "dnsmap.h"
#include "dnsresp.h"
#include "enforce.h"
#include "forge.h"
#include "judge.h"
#include "log.h"
#include "resolve.h"

/*
 * Two ways per set: with one slot per hash, 2,222 names cycling through 4,096
 * slots evicted each other for 40% of the questions, and every eviction cost
 * an event written (bench/README.md, "where the time goes").
 */
#define GATE_FOLD_SETS		16384
#define GATE_FOLD_WAYS		2
#define GATE_FOLD_MS		10000
#define GATE_ACCT_IDLE_MS	(24u * 3600 * 1000)

enum { TAG_SAFESEARCH = 1, TAG_DOH };

enum { V_NONE = 0, V_ALLOW, V_BLOCK };

/* What a decided connection needs when conntrack reports it finished. */
struct gate_acct {
	char		student[64];
	char		host[CLASSIFY_HOST_BUFSZ];
	uint64_t	start_ms;
};

/* The last DNS event per (client, name): A, AAAA and HTTPS for one page are one visit. */
struct gate_fold {
	uint64_t	hash;
	uint64_t	ts_ms;
	uint8_t		action;
};

struct gate {
	struct snapshot		*snap;		/* policy + settings in force */
	const struct config	*cfg;		/* the snapshot's, for short */
	struct policy		*policy;	/* the snapshot's, for short */
	struct classify		*cls;
	struct enforce_daemon	 daemon;	/* the outputs' default sink: inject and activity */
	struct enforce		*enf;
	struct resolve		*res;
	struct dnsmap		*map;		/* (client, address) → the name it resolved */
	uint8_t			*mod;		/* a rewritten packet (GATE_ACCEPT_MODIFIED) */
	size_t			 modlen;
	struct flow_table	*acct;		/* decided connections, for their usage */
	struct gate_acct	*accts;		/* by flow index in acct */
	size_t			 nacct;
	struct gate_fold	 fold[GATE_FOLD_SETS][GATE_FOLD_WAYS];
	struct gate_stats	 st;
};

struct gate *
gate_new(struct snapshot *snap, struct activity *act, struct inject *inj,
    char *err, size_t errlen)
{
	const struct config	*cfg = snapshot_config(snap);
	struct gate		*g;
	struct classify_config	 cc;
	struct enforce_sink	 sink;

	if ((g = calloc(1, sizeof(*g))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	g->snap = snapshot_ref(snap);
	g->cfg = cfg;
	g->policy = snapshot_policy(snap);
	classify_config_defaults(&cc);
	cc.flows = cfg->flow_table_size;
	cc.idle_ms = cfg->flow_idle_seconds * 1000u;
	/* One reassembly buffer per 64 flows: only flows mid-ClientHello hold one. */
	cc.bufs = cc.flows / 64 < 64 ? 64 : cc.flows / 64;
	g->nacct = cfg->flow_table_size;
	g->cls = classify_new(&cc);
	g->acct = flow_table_new(g->nacct, 0, 8, GATE_ACCT_IDLE_MS);
	g->accts = calloc(g->nacct, sizeof(*g->accts));
	g->map = dnsmap_new(cfg->dns_map_size ? cfg->dns_map_size : 16384);
	g->mod = malloc(0x10000);
	g->daemon.inj = inj;
	g->daemon.act = act;
	enforce_sink_daemon(&sink, &g->daemon);
	g->enf = enforce_new(g->cfg, &sink);
	if (g->cls == NULL || g->acct == NULL || g->accts == NULL || g->map == NULL ||
	    g->mod == NULL || g->enf == NULL) {
		snprintf(err, errlen, "out of memory for %u flows", cfg->flow_table_size);
		gate_free(g);
		return NULL;
	}
	return g;
}

void
gate_free(struct gate *g)
{
	if (g == NULL)
		return;
	classify_free(g->cls);
	flow_table_free(g->acct);
	free(g->accts);
	dnsmap_free(g->map);
	free(g->mod);
	enforce_free(g->enf);
	snapshot_unref(g->snap);
	free(g);
}

static void
gate_watch_ss(const char *host, void *arg)
{
	struct gate *g = arg;

	if (resolve_watch(g->res, host, TAG_SAFESEARCH) != 0)
		log_msg(LOG_L_WARN, "too many names to keep resolved: %s left out", host);
}

static void
gate_watch_doh(const char *host, void *arg)
{
	struct gate *g = arg;

	/* The canary has no address by design; every other endpoint is blocked by address too. */
	if (strcmp(host, JUDGE_CANARY) != 0 && resolve_watch(g->res, host, TAG_DOH) != 0)
		log_msg(LOG_L_WARN, "too many names to keep resolved: %s left out", host);
}

/* The names enforcement needs resolved: safe-search targets, DoH endpoints. */
static void
gate_watch(struct gate *g)
{
	if (g->res == NULL)
		return;
	resolve_rewatch_begin(g->res);
	policy_safesearch_targets(g->policy, gate_watch_ss, g);
	if (g->cfg->block_encrypted_dns)
		(void)policy_category_domains(g->policy, JUDGE_DOH_CATEGORY, gate_watch_doh, g);
	resolve_rewatch_end(g->res);
}

void
gate_set_resolver(struct gate *g, struct resolve *r)
{
	g->res = r;
	gate_watch(g);
}

void
gate_reload(struct gate *g, struct snapshot *snap)
{
	struct snapshot *old = g->snap;

	/* The snapshot's settings are already the effective ones: restart-only keys kept their old values. */
	g->snap = snapshot_ref(snap);
	g->cfg = snapshot_config(snap);
	g->policy = snapshot_policy(snap);
	enforce_set_config(g->enf, g->cfg);
	snapshot_unref(old);
	classify_set_idle(g->cls, g->cfg->flow_idle_seconds * 1000u);
	gate_watch(g);
}

const uint8_t *
gate_modified(const struct gate *g, size_t *len)
{
	*len = g->modlen;
	return g->mod;
}

void
gate_set_sink(struct gate *g, const struct enforce_sink *sink)
{
	enforce_set_sink(g->enf, sink);
}

void
gate_stats(const struct gate *g, struct gate_stats *st)
{
	struct enforce_stats es;

	*st = g->st;
	enforce_stats(g->enf, &es);
	st->dns_answered = es.dns_answered;
	st->resets = es.resets;
	st->block_pages = es.block_pages;
	st->icmp = es.icmp;
	st->safesearch = es.safesearch;
	st->inject_failed = es.send_failed;
}

void
gate_flow_stats(const struct gate *g, struct flow_stats *st)
{
	classify_flow_stats(g->cls, st);
}

static uint64_t
gate_hash(const char *a, const char *b)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a: a cache key, not security */

	for (; *a != '\0'; a++)
		h = (h ^ (uint8_t)*a) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (; *b != '\0'; b++)
		h = (h ^ (uint8_t)*b) * 1099511628211ULL;
	return h;
}

static void
gate_client(const struct pkt_info *p, const uint8_t *mac, char *buf, size_t sz)
{
	if (mac != NULL)
		snprintf(buf, sz, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		    mac[2], mac[3], mac[4], mac[5]);
	else if (inet_ntop(p->af, p->src, buf, (socklen_t)sz) == NULL)
		snprintf(buf, sz, "?");
}

/* A rule file as IT names it ("rules.d/gambling.yaml"), wherever the directory is. */
static const char *
gate_rel(const char *path)
{
	const char *s = strstr(path, "/rules.d/"), *b = strrchr(path, '/');

	return s != NULL ? s + 1 : b != NULL ? b + 1 : path;
}

/* Queues the activity event of one decision (DNS repeats within a few seconds are folded). */
static void
gate_record(struct gate *g, const struct classify_result *r, const uint8_t *mac,
    const struct policy_student *st, const char *host,
    const struct policy_decision *d, enum policy_action action,
    const char *note, uint64_t now_ms)
{
	struct activity_rec	 rec;

	if (!enforce_records(g->enf))
		return;
	memset(&rec, 0, sizeof(rec));
	rec.kind = ACTIVITY_EVENT;
	rec.ts_ms = (int64_t)now_ms;
	gate_client(&r->pkt, mac, rec.client, sizeof(rec.client));
	if (r->proto == CLASSIFY_P_DNS) {
		struct gate_fold	*set, *f;
		uint64_t		 h = gate_hash(rec.client, host);

		set = g->fold[h & (GATE_FOLD_SETS - 1)];
		/* The name's own way if it has one, else the one used least recently. */
		f = set[0].hash == h || (set[1].hash != h && set[0].ts_ms <= set[1].ts_ms) ?
		    &set[0] : &set[1];
		if (f->hash == h && f->action == (uint8_t)action &&
		    now_ms - f->ts_ms < GATE_FOLD_MS) {
			g->st.events_folded++;
			return;
		}
		f->hash = h;
		f->ts_ms = now_ms;
		f->action = (uint8_t)action;
	}
	policy_local_day(g->policy, (time_t)(now_ms / 1000), rec.day, &rec.hour);
	activity_copy(rec.student, sizeof(rec.student),
	    st != NULL ? policy_student_id(st) : NULL);
	activity_copy(rec.proto, sizeof(rec.proto), r->proto != CLASSIFY_P_NONE ?
	    classify_proto_name(r->proto) : r->pkt.proto == PKT_PROTO_TCP ? "tcp" : "udp");
	activity_copy(rec.host, sizeof(rec.host), host);
	activity_copy(rec.action, sizeof(rec.action), judge_action_name(action));
	if (d != NULL) {
		activity_copy(rec.category, sizeof(rec.category), d->category);
		if (d->rule_file != NULL && d->rule_line > 0)
			snprintf(rec.rule, sizeof(rec.rule), "%s:%u",
			    gate_rel(d->rule_file), d->rule_line);
		/* A short code the dashboard turns into words in the parent's language. */
		if (d->reason == POLICY_R_SCHEDULE && d->schedule != NULL)
			snprintf(rec.reason, sizeof(rec.reason), "schedule:%s", d->schedule);
		else
			activity_copy(rec.reason, sizeof(rec.reason),
			    policy_reason_name(d->reason));
	}
	if (note != NULL)
		activity_copy(rec.reason, sizeof(rec.reason), note);
	if (enforce_record(g->enf, &rec) == 0)
		g->st.events++;
}

/* Remembers a decided connection so its conntrack end can be added to the student's usage. */
static void
gate_acct_start(struct gate *g, const struct classify_result *r,
    const struct policy_student *st, const char *host, uint64_t now_ms)
{
	struct flow_key		 k;
	struct flow		*f;
	struct gate_acct	*a;

	if (!enforce_records(g->enf))
		return;
	classify_flow_key(&r->pkt, &k);
	if ((f = flow_get(g->acct, &k, now_ms, 1)) == NULL)
		return;
	a = &g->accts[f->idx];
	activity_copy(a->student, sizeof(a->student),
	    st != NULL ? policy_student_id(st) : NULL);
	activity_copy(a->host, sizeof(a->host), host);
	a->start_ms = r->flow != NULL ? r->flow->first_ms : now_ms;
}

void
gate_flow_end(struct gate *g, const struct flow_key *orig, uint64_t bytes,
    uint64_t start_ms, uint64_t stop_ms, uint64_t now_ms)
{
	struct flow		*f;
	struct gate_acct	*a;
	struct activity_rec	 rec;

	if (!enforce_records(g->enf) || (f = flow_get(g->acct, orig, now_ms, 0)) == NULL)
		return;
	a = &g->accts[f->idx];
	if (start_ms == 0 || start_ms > a->start_ms)
		start_ms = a->start_ms;
	if (stop_ms == 0 || stop_ms < start_ms)
		stop_ms = now_ms;
	memset(&rec, 0, sizeof(rec));
	rec.kind = ACTIVITY_USAGE;
	rec.ts_ms = (int64_t)start_ms;
	policy_local_day(g->policy, (time_t)(start_ms / 1000), rec.day, &rec.hour);
	memcpy(rec.student, a->student, sizeof(rec.student));
	memcpy(rec.host, a->host, sizeof(a->host) < sizeof(rec.host) ?
	    sizeof(a->host) : sizeof(rec.host));
	rec.bytes = (int64_t)bytes;
	rec.seconds = (int64_t)((stop_ms - start_ms + 500) / 1000);
	if (enforce_record(g->enf, &rec) == 0)
		g->st.usage++;
	flow_remove(g->acct, f);
}

/* Sends what the judgement answers and gives the kernel its verdict. */
static enum gate_verdict
gate_enforce(struct gate *g, const struct classify_result *r, const uint8_t *ip,
    size_t caplen, const struct judge_out *o)
{
	if (r->proto == CLASSIFY_P_DNS) {
		if (o->answer == JUDGE_A_NONE)
			return GATE_ACCEPT;	/* DNS is judged query by query, never fast-pathed */
		enforce_answer(g->enf, r, ip, caplen, o);
		return GATE_DROP;
	}
	if (r->flow != NULL)
		r->flow->verdict = o->action == POLICY_BLOCK ? V_BLOCK : V_ALLOW;
	if (o->action != POLICY_BLOCK)
		return GATE_ALLOW_FLOW;
	enforce_answer(g->enf, r, ip, caplen, o);
	return GATE_BLOCK_FLOW;
}

/*
 * A DNS answer on its way to a client: remember which name each address
 * was for (so a connection without a readable name can be judged by it), and
 * take the ech parameter out of HTTPS/SVCB answers when strip_ech is set.
 */
static enum gate_verdict
gate_dns_response(struct gate *g, const struct classify_result *r, const uint8_t *ip,
    size_t caplen, uint64_t now_ms)
{
	struct dnsresp	 resp;
	size_t		 off, mlen;

	if (judge_learn(g->map, r, &resp, now_ms) != 0)
		return GATE_ACCEPT;	/* not ours to judge: the client's resolver will */
	g->st.dns_answers_seen++;
	if (!g->cfg->strip_ech || !resp.has_ech || r->pkt.fragment != PKT_FRAG_NONE)
		return GATE_ACCEPT;
	off = (size_t)(r->pkt.payload - ip);
	if (off < 8 || off > caplen)
		return GATE_ACCEPT;
	memcpy(g->mod, ip, off);
	mlen = dnsresp_strip_ech(r->pkt.payload, r->pkt.paylen, g->mod + off,
	    0x10000 - off);
	if (mlen == 0 || mlen == r->pkt.paylen ||
	    forge_fix_udp(g->mod, off + mlen, off - 8) != 0)
		return GATE_ACCEPT;
	g->modlen = off + mlen;
	g->st.ech_stripped++;
	return GATE_ACCEPT_MODIFIED;
}

/*
 * The client's student: by its device, else, on a gateway that is a hotspot of
 * the device file (hotspot_id), the student everything behind it belongs to.
 */
static const struct policy_student *
gate_who(const struct gate *g, const uint8_t *mac, const struct classify_result *r)
{
	const struct policy_student *st = policy_client_lookup(g->policy, mac,
	    r->pkt.af, r->pkt.src);

	if (st == NULL && g->cfg->hotspot_id[0] != '\0')
		st = policy_hotspot_student(g->policy, g->cfg->hotspot_id);
	return st;
}

/* A port the client's group blocks (VPN defaults, say): the flow ends here, whatever it names. */
static enum gate_verdict
gate_port(struct gate *g, struct classify_result *r, const uint8_t *ip, size_t caplen,
    const uint8_t *mac, const struct policy_student *st, uint64_t now_ms)
{
	struct judge_out	 o;
	enum gate_verdict	 v;

	if (!judge_port(g->policy, st, r->pkt.proto, r->pkt.dport, r->pkt.af, r->pkt.dst, &o))
		return GATE_ACCEPT;
	if (o.host[0] == '\0')
		return GATE_DROP;
	/* Not a named protocol: record it as plain tcp/udp to the address. */
	r->proto = CLASSIFY_P_NONE;
	g->st.blocked++;
	v = gate_enforce(g, r, ip, caplen, &o);
	gate_record(g, r, mac, st, o.host, &o.d, o.action, o.note, now_ms);
	return v;
}

enum gate_verdict
gate_packet(struct gate *g, const uint8_t *ip, size_t caplen, size_t wirelen,
    const uint8_t *mac, uint64_t now_ms)
{
	struct classify_result		 r;
	struct judge_in			 in;
	struct judge_out		 o;
	const struct policy_student	*st = NULL;
	const struct resolve_entry	*e;
	enum policy_action		 action;
	enum gate_verdict		 v;
	const char			*host;
	int				 have_st = 0;

	g->st.packets++;
	classify_packet_cap(g->cls, ip, caplen, wirelen, now_ms, &r);
	if (judge_is_dns_answer(&r))
		return gate_dns_response(g, &r, ip, caplen, now_ms);
	if (r.status != CLASSIFY_MALFORMED && r.pkt.dport != 53 &&
	    (r.pkt.proto == PKT_PROTO_TCP || r.pkt.proto == PKT_PROTO_UDP) &&
	    r.pkt.fragment != PKT_FRAG_LATER &&
	    (r.flow == NULL || r.flow->verdict == V_NONE)) {
		/* Looked up once: the port check and the decision below share it. */
		st = gate_who(g, mac, &r);
		have_st = 1;
		if ((v = gate_port(g, &r, ip, caplen, mac, st, now_ms)) != GATE_ACCEPT)
			return v;
	}
	switch (r.status) {
	case CLASSIFY_MALFORMED:
		/* The kernel would forward it; a filter must not: it could hide a name. */
		g->st.malformed++;
		if (log_enabled(LOG_L_DEBUG))
			log_msg(LOG_L_DEBUG, "malformed packet dropped: %s", r.why);
		return GATE_DROP;
	case CLASSIFY_PENDING:
		g->st.pending++;
		return GATE_ACCEPT;
	case CLASSIFY_IGNORE:
		g->st.ignored++;
		/* UDP that is not QUIC names nothing: its port was judged above, the rest is the kernel's. */
		if (r.pkt.proto == PKT_PROTO_UDP && r.pkt.dport != 443 && r.pkt.sport != 53 &&
		    r.pkt.fragment != PKT_FRAG_LATER)
			return GATE_ALLOW_FLOW;
		if (r.flow == NULL || r.flow->state != FLOW_DONE)
			return GATE_ACCEPT;
		if (r.flow->verdict == V_BLOCK)
			return GATE_BLOCK_FLOW;
		/* Decided, or not worth naming (a server talking first): let the kernel carry it. */
		r.flow->verdict = V_ALLOW;
		return GATE_ALLOW_FLOW;
	case CLASSIFY_NONAME:
		if (r.proto == CLASSIFY_P_DNS)
			return GATE_ACCEPT;	/* the root, or nothing to judge */
		break;
	case CLASSIFY_NAME:
		break;
	}
	if (!have_st)
		st = gate_who(g, mac, &r);
	judge_in_from(&in, &r);
	in.policy = g->policy;
	in.student = st;
	in.cfg = g->cfg;
	in.now = (time_t)(now_ms / 1000);
	if (st != NULL)
		in.home = home_find(snapshot_home(g->snap), policy_student_id(st));
	/* The lookups that need the gate's state; judge itself only reads what it is given. */
	if (r.status != CLASSIFY_NAME || r.ech)
		in.mapped = dnsmap_find(g->map, r.pkt.af, r.pkt.src, r.pkt.dst, now_ms);
	if (r.proto != CLASSIFY_P_DNS && g->cfg->block_encrypted_dns && g->res != NULL &&
	    (e = resolve_by_addr(g->res, r.pkt.af, r.pkt.dst)) != NULL && e->tag == TAG_DOH)
		in.doh = e->name;
	if (judge(&in, &o) != 0)
		return GATE_ACCEPT;
	g->st.dns_map_hits += (uint64_t)o.map_used;
	g->st.strict_blocked += (uint64_t)o.strict;
	g->st.encrypted_dns += (uint64_t)o.encrypted_dns;
	action = o.action;
	host = o.host;
	if (action == POLICY_SAFESEARCH) {
		/* Only DNS gets here: answer it ourselves. */
		g->st.allowed++;
		enforce_safesearch(g->enf, &r, o.d.rewrite,
		    g->res != NULL ? resolve_get(g->res, o.d.rewrite) : NULL, now_ms);
		gate_record(g, &r, mac, st, host, &o.d, action, o.note, now_ms);
		return GATE_DROP;
	}
	if (action == POLICY_BLOCK)
		g->st.blocked++;
	else
		g->st.allowed++;
	v = gate_enforce(g, &r, ip, caplen, &o);
	/* An allowed connection that named nothing (SSH, a game) is not a visit worth keeping. */
	if (r.proto != CLASSIFY_P_NONE || action == POLICY_BLOCK)
		gate_record(g, &r, mac, st, host, &o.d, action, o.note, now_ms);
	/* Time and bytes count only for what the student could use. */
	if (r.proto != CLASSIFY_P_DNS && v == GATE_ALLOW_FLOW)
		gate_acct_start(g, &r, st, host, now_ms);
	if (log_enabled(LOG_L_DEBUG))
		log_msg(LOG_L_DEBUG, "%s %s %s %s", classify_proto_name(r.proto), host,
		    judge_action_name(action), o.d.category != NULL ? o.d.category : "-");
	return v;
}
