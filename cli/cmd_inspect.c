/* cmd_inspect: "hallpass inspect" runs a capture through hallpassd's own extractors and judgement, offline. */
#include "cmd_inspect.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_usage.h"
#include "classify.h"
#include "config.h"
#include "dnsmap.h"
#include "judge.h"
#include "linkhdr.h"
#include "policy.h"
#include "priv.h"

struct inspect {
	struct policy			*p, *q;		/* q: --against */
	const struct policy_student	*student;	/* --student, else from the roster */
	int				 fixed_student;
	int				 json;
	FILE				*out;
	uint64_t			 packets, frames_not_ip, link_short, link_unknown;
	uint64_t			 truncated, malformed, named, unnamed, differ, flows;
	struct config			 cfg;		/* the directory's hallpass.yaml: the gate's settings */
	struct dnsmap			*map;		/* names the capture's DNS answers gave */
	const uint8_t			*mac;		/* of the packet being read */
	uint8_t				 gone_mac[6];
};

/* Text for people: anything but printable ASCII becomes \xHH so a capture cannot drive the terminal. */
static void
inspect_text(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f || c == '\\')
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

static void
inspect_json_str(FILE *f, const char *s)
{
	if (s == NULL) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);	/* bytes as Latin-1: always valid JSON */
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void
inspect_addr(const struct flow_key *k, int dst, char *buf, size_t sz)
{
	inet_ntop(k->af, dst ? k->dst : k->src, buf, (socklen_t)sz);
}

static void
inspect_time(uint64_t ms, char *buf, size_t sz)
{
	time_t		 t = (time_t)(ms / 1000);
	struct tm	 tm;

	size_t	 n;

	gmtime_r(&t, &tm);
	n = strftime(buf, sz, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, sz - n, ".%03uZ", (unsigned)(ms % 1000));
}

static const struct policy_student *
inspect_who(struct inspect *in, struct policy *p, const struct flow_key *k,
    const uint8_t *mac)
{
	if (in->fixed_student)
		return in->student != NULL ?
		    policy_student_find(p, policy_student_id(in->student)) : NULL;
	return policy_client_lookup(p, mac, k->af, k->src);
}

/* What hallpassd would decide: its port check, then the same judge() it calls. */
static void
inspect_judge(struct inspect *in, struct policy *p, const struct flow_key *k,
    enum classify_proto proto, uint64_t ms, const char *name, const char *path, int ech,
    struct judge_out *o)
{
	struct judge_in			 ji;
	const struct policy_student	*st = inspect_who(in, p, k, in->mac);

	if (k->dport != 53 && judge_port(p, st, k->proto, k->dport, k->af, k->dst, o))
		return;
	memset(&ji, 0, sizeof(ji));
	ji.proto = proto;
	ji.name = name;
	ji.path = proto == CLASSIFY_P_HTTP && path != NULL && path[0] != '\0' ? path : NULL;
	ji.ech = ech;
	ji.l4 = k->proto;
	ji.dport = k->dport;
	ji.af = k->af;
	ji.dst = k->dst;
	if (name == NULL || ech)
		ji.mapped = dnsmap_find(in->map, k->af, k->src, k->dst, ms);
	ji.policy = p;
	ji.student = st;
	ji.cfg = &in->cfg;
	ji.now = (time_t)(ms / 1000);
	if (judge(&ji, o) != 0) {
		/* No address to judge (cannot happen for a parsed packet): the policy's default. */
		memset(o, 0, sizeof(*o));
		policy_decide(p, st, "", 0, NULL, ji.now, &o->d);
		o->action = o->d.action;
	}
}

/* The policy's reason, and the gate's own rule when one overrode it. */
static void
inspect_why(const struct judge_out *o, char *buf, size_t sz)
{
	size_t n;

	policy_decision_why(&o->d, buf, sz);
	n = strlen(buf);
	if (o->note != NULL && n < sz)
		snprintf(buf + n, sz - n, " [%s]", o->note);
}

/* One flow's line: the name (or why there is none) and what hallpassd would do. */
static void
inspect_report(struct inspect *in, const struct flow_key *k, enum classify_proto proto,
    uint64_t ms, const char *name, const char *path, int ech, const char *why)
{
	struct judge_out	 o, o2;
	struct policy_decision	 d, d2;
	char			 src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], ts[40];
	char			 reason[600], reason2[600];

	memset(&d2, 0, sizeof(d2));
	in->flows++;
	if (name != NULL)
		in->named++;
	else
		in->unnamed++;
	inspect_addr(k, 0, src, sizeof(src));
	inspect_addr(k, 1, dst, sizeof(dst));
	inspect_time(ms, ts, sizeof(ts));
	/* Without a name the judgement still has the address the client went to. */
	inspect_judge(in, in->p, k, proto, ms, name, path, ech, &o);
	d = o.d;
	d.action = o.action;
	inspect_why(&o, reason, sizeof(reason));
	if (in->q != NULL) {
		inspect_judge(in, in->q, k, proto, ms, name, path, ech, &o2);
		d2 = o2.d;
		d2.action = o2.action;
		inspect_why(&o2, reason2, sizeof(reason2));
		if (d.action == d2.action && (d.category == d2.category ||
		    (d.category != NULL && d2.category != NULL &&
		    strcmp(d.category, d2.category) == 0)))
			return;
		in->differ++;
	}
	if (in->json) {
		fprintf(in->out, "{\"ts\":\"%s\",\"proto\":\"%s\",\"name\":", ts,
		    classify_proto_name(proto));
		inspect_json_str(in->out, name);
		fprintf(in->out, ",\"src\":\"%s\",\"dst\":\"%s\",\"sport\":%u,\"dport\":%u",
		    src, dst, k->sport, k->dport);
		if (why != NULL) {
			fputs(",\"why\":", in->out);
			inspect_json_str(in->out, why);
		}
		if (ech)
			fputs(",\"ech\":true", in->out);
		if (path != NULL && path[0] != '\0') {
			fputs(",\"path\":", in->out);
			inspect_json_str(in->out, path);
		}
		if (o.map_used && (name == NULL || strcmp(name, o.host) != 0)) {
			/* Judged by the name the client resolved for the address, as hallpassd does. */
			fputs(",\"judged\":", in->out);
			inspect_json_str(in->out, o.host);
		}
		fprintf(in->out, ",\"action\":\"%s\",\"category\":",
		    policy_action_name(d.action));
		inspect_json_str(in->out, d.category);
		fputs(",\"reason\":", in->out);
		inspect_json_str(in->out, reason);
		if (in->q != NULL) {
			fprintf(in->out, ",\"against\":{\"action\":\"%s\",\"category\":",
			    policy_action_name(d2.action));
			inspect_json_str(in->out, d2.category);
			fputs(",\"reason\":", in->out);
			inspect_json_str(in->out, reason2);
			fputc('}', in->out);
		}
		fputs("}\n", in->out);
		return;
	}
	fprintf(in->out, "%s %s%s%s:%u > %s%s%s:%u %s ", ts,
	    k->af == AF_INET6 ? "[" : "", src, k->af == AF_INET6 ? "]" : "", k->sport,
	    k->af == AF_INET6 ? "[" : "", dst, k->af == AF_INET6 ? "]" : "", k->dport,
	    classify_proto_name(proto));
	if (name != NULL)
		inspect_text(in->out, name);
	else
		fputs("-", in->out);
	if (why != NULL || ech) {
		fputs(" (", in->out);
		inspect_text(in->out, ech ? "ECH: outer name" : why);
		fputs(")", in->out);
	}
	fprintf(in->out, " => %s %s: %s", policy_action_name(d.action),
	    d.category ? d.category : "-", reason);
	if (in->q != NULL)
		fprintf(in->out, " | against: %s %s: %s", policy_action_name(d2.action),
		    d2.category ? d2.category : "-", reason2);
	fputc('\n', in->out);
}

static void
inspect_gone(const struct classify_gone *g, void *arg)
{
	struct inspect *in = arg;

	in->mac = NULL;
	inspect_report(in, g->key, g->proto, g->first_ms, NULL, NULL, 0, g->why);
}

static int
inspect_file(struct inspect *in, const char *path)
{
	char			 err[PCAP_ERRBUF_SIZE];
	struct classify_config	 cc;
	struct classify		*c;
	struct classify_result	 r;
	struct pcap_pkthdr	*h;
	const u_char		*frame;
	pcap_t			*pc;
	int			 dlt, rc;

	if ((pc = pcap_open_offline(path, err)) == NULL) {
		fprintf(stderr, "hallpass: %s: %s\n", path, err);
		return -1;
	}
	dlt = pcap_datalink(pc);
	classify_config_defaults(&cc);
	cc.flows = 16384;
	cc.bufs = 256;
	if ((c = classify_new(&cc)) == NULL) {
		pcap_close(pc);
		fprintf(stderr, "hallpass: out of memory\n");
		return -1;
	}
	classify_set_gone(c, inspect_gone, in);
	/* The capture is untrusted: from here on, only what reading it and printing need. */
	if (priv_sandbox("hallpass", PRIV_SANDBOX_NOOPEN, err, sizeof(err)) != 0) {
		fprintf(stderr, "hallpass: %s\n", err);
		classify_free(c);
		pcap_close(pc);
		return -1;
	}
	while ((rc = pcap_next_ex(pc, &h, &frame)) == 1) {
		const uint8_t	*ip, *mac;
		size_t		 iplen;
		uint64_t	 ms = (uint64_t)h->ts.tv_sec * 1000 +
		    (uint64_t)h->ts.tv_usec / 1000;
		enum linkhdr_result lr;

		in->packets++;
		lr = linkhdr_ip(dlt, frame, h->caplen, &ip, &iplen, &mac);
		if (lr != LINKHDR_IP) {
			if (lr == LINKHDR_NOT_IP)
				in->frames_not_ip++;
			else if (lr == LINKHDR_SHORT)
				in->link_short++;
			else
				in->link_unknown++;
			continue;
		}
		if (h->caplen < h->len)
			in->truncated++;
		in->mac = mac;
		/* The IP packet's length on the wire: the frame's, less the link header. */
		classify_packet_cap(c, ip, iplen, h->len > h->caplen ?
		    iplen + (h->len - h->caplen) : iplen, ms, &r);
		if (judge_is_dns_answer(&r)) {
			struct dnsresp resp;

			/* As hallpassd does: a later nameless connection is judged by it. */
			(void)judge_learn(in->map, &r, &resp, ms);
		}
		switch (r.status) {
		case CLASSIFY_NAME:
		case CLASSIFY_NONAME: {
			struct flow_key k;

			classify_flow_key(&r.pkt, &k);
			inspect_report(in, &k, r.proto, ms,
			    r.status == CLASSIFY_NAME ? r.host : NULL, r.path, r.ech,
			    r.status == CLASSIFY_NAME ? (r.ech ? NULL : r.why) : r.why);
			classify_done(c, &r);
			break;
		}
		case CLASSIFY_MALFORMED:
			in->malformed++;
			break;
		default:
			break;
		}
	}
	if (rc == -1)
		fprintf(stderr, "hallpass: %s: %s (the packets before it were read)\n",
		    path, pcap_geterr(pc));
	in->mac = NULL;
	classify_free(c);	/* flows still waiting for a name are reported as incomplete */
	pcap_close(pc);
	return 0;
}

static void
inspect_usage(FILE *f)
{
	fputs("usage: hallpass [-c DIR] inspect CAPTURE [--student ID] [--json] "
	    "[--against OTHER_DIR]\n"
	    "\n"
	    "Runs a pcap or pcapng capture through hallpassd's extractors and the\n"
	    "policy in DIR: one line per flow with its name (or why it has none)\n"
	    "and the decision.  --student decides every flow for that student (-\n"
	    "for the default group) instead of looking the client up in the roster;\n"
	    "--json prints JSON lines; --against prints only the flows OTHER_DIR's\n"
	    "rules would decide differently.\n"
	    "Exit status: 0 read, 1 unreadable capture or configuration, 2 usage error.\n", f);
}

int
cmd_inspect(const char *dir, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "student", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "against", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct inspect	 in;
	struct diag	 d;
	const char	*student = NULL, *against = NULL;
	int		 ch, rc = 0;

	memset(&in, 0, sizeof(in));
	in.out = stdout;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":s:ja:h", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			student = optarg;
			break;
		case 'j':
			in.json = 1;
			break;
		case 'a':
			against = optarg;
			break;
		case 'h':
			inspect_usage(stdout);
			return 0;
		default:
			return cli_bad_option("inspect", ch, argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("inspect", argc - optind == 0 ? "needs a "
		    "CAPTURE file" : "too many arguments");
	if (cli_need_dir(dir) != 0)
		return 1;
	diag_init(&d);
	in.p = policy_load(dir, &d);
	if (in.p != NULL && against != NULL)
		in.q = policy_load(against, &d);
	if (in.p == NULL || (against != NULL && in.q == NULL)) {
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "%s\n", d.msgs[i]);
		diag_free(&d);
		policy_unref(in.p);
		return 1;
	}
	/* The gate's own settings (strict HTTPS, encrypted DNS, the DNS answer) are hallpass.yaml's. */
	if (config_load(&in.cfg, dir, &d) != 0) {
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "%s\n", d.msgs[i]);
		diag_free(&d);
		rc = 1;
		goto out;
	}
	diag_free(&d);
	if ((in.map = dnsmap_new(in.cfg.dns_map_size ? in.cfg.dns_map_size : 16384)) == NULL) {
		fprintf(stderr, "hallpass: out of memory\n");
		rc = 1;
		goto out;
	}
	if (student != NULL) {
		in.fixed_student = 1;
		if (strcmp(student, "-") != 0 &&
		    (in.student = policy_student_find(in.p, student)) == NULL) {
			fprintf(stderr, "hallpass: unknown student \"%s\"\n", student);
			rc = 1;
			goto out;
		}
	}
	if (inspect_file(&in, argv[optind]) != 0) {
		rc = 1;
		goto out;
	}
	/* The summary goes to stderr under --json so the output stays JSON lines. */
	fprintf(in.json ? stderr : stdout,
	    "%llu packets: %llu flows (%llu named, %llu without a name)%s%.0llu%s; "
	    "%llu malformed, %llu not IP, %llu cut by the snapshot length, "
	    "%llu link headers short, %llu of an unknown link type\n",
	    (unsigned long long)in.packets, (unsigned long long)in.flows,
	    (unsigned long long)in.named, (unsigned long long)in.unnamed,
	    in.q != NULL ? ", " : "", in.q != NULL ? (unsigned long long)in.differ : 0ull,
	    in.q != NULL ? (in.differ == 0 ? "0 decisions differ" : " decisions differ") : "",
	    (unsigned long long)in.malformed, (unsigned long long)in.frames_not_ip,
	    (unsigned long long)in.truncated, (unsigned long long)in.link_short,
	    (unsigned long long)in.link_unknown);
 out:
	dnsmap_free(in.map);
	policy_unref(in.p);
	policy_unref(in.q);
	return rc;
}
