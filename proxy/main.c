/* hallpassd: the filtering daemon — reads student flow starts from NFQUEUE, decides, enforces and records activity. */
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libnetfilter_queue/libnetfilter_queue.h>

#include "activity.h"
#include "bundle_gw.h"
#include "config.h"
#include "ct.h"
#include "fwmark.h"
#include "gate.h"
#include "hp_str.h"
#include "inject.h"
#include "log.h"
#include "metrics.h"
#include "policy.h"
#include "priv.h"
#include "resolve.h"
#include "snapshot.h"
#include "store_home.h"

#define RECV_BUFSZ	(0xffff + 4096)
#define ACTIVITY_RING	8192
/* How often the loader reads guardians' controls (docs/hallpassd.md: a change is in force within this). */
#define HOME_EVERY_MS	10000

/*
 * What the loader thread is asked for: everything (start, SIGHUP), a newer
 * bundle only (its schedule; snap NULL when nothing is new), or the guardians'
 * controls only (their schedule; snap NULL when they did not change).
 */
enum load_kind { LOAD_FULL = 0, LOAD_BUNDLE, LOAD_HOME };

/* What the loader thread read: handed to the packet thread whole, through d->load_pipe. */
struct loaded {
	struct snapshot	*snap;		/* NULL: rejected, dg says why (empty dg: out of memory) */
	struct diag	 dg;
	enum load_kind	 kind;
	uint64_t	 bundle_version;	/* of the bundle the rules came from; 0: from DIR */
};

struct daemon {
	const char		*dir;
	/* A reload reads files on its own thread so verdicts never wait for it. */
	pthread_t		 loader;
	int			 loading, reload_again;
	int			 standby;	/* --standby: wait for the queues another hallpassd holds */
	int			 load_pipe[2];
	/* Policy and settings in force; cfg points into it. */
	struct snapshot		*snap;
	const struct config	*cfg;
	/* The signed rule bundle (docs/bundle.md): its client, and when a scheduled fetch is due. */
	struct bundle_gw	*bgw;
	enum load_kind		 load_kind;	/* of the load running */
	uint64_t		 next_fetch_ms;
	/* Guardians' controls: read on the loader thread only, through its own handle. */
	uint64_t		 next_home_ms;
	struct store		*home_st;
	int			 home_failing;
	struct gate		*gate;
	struct activity		*act;
	struct inject		*inj;
	struct ct		*ct;
	struct resolve		*res;
	struct nfq_handle	*nfq;
	struct nfq_q_handle	*qh[CONFIG_MAX_QUEUES];
	uint64_t		 verdict_errors, ct_lost, nfq_overruns;
	int64_t			 last_packet_ms, health_ms;
	/* For the metrics file (metrics_file): reload outcomes, when the rules in force loaded, the last write. */
	uint64_t		 reloads_applied, reloads_rejected;
	uint64_t		 rules_loaded_ms, metrics_ms;
	int			 metrics_failing;
	/* A run of plain accepts not yet sent: one batch verdict covers them all. */
	struct nfq_q_handle	*acc_qh;
	uint32_t		 acc_id;
	unsigned		 acc_n;
};

#ifndef HALLPASS_VERSION
#define HALLPASS_VERSION "unknown"
#endif

static void
usage(FILE *f)
{
	fputs("usage: hallpassd [-c DIR] [--daemon] [--pidfile FILE] [--standby]\n"
	    "       hallpassd [-c DIR] --check\n"
	    "       hallpassd --version\n"
	    "\n"
	    "  -c DIR          configuration directory (default /etc/hallpass)\n"
	    "  --daemon        detach once running (logs still go to standard error)\n"
	    "  --pidfile FILE  write the process id to FILE\n"
	    "  --standby       if another hallpassd holds the queues, start anyway and\n"
	    "                  take them over the moment it dies (a hot spare)\n"
	    "  --check         load DIR as a start would, report, and exit (0 valid)\n"
	    "  -V, --version   print the version\n"
	    "  -h, --help      this help\n"
	    "\n"
	    "Signals: HUP reloads DIR (a bad configuration is rejected and the one in\n"
	    "force stays), USR1 logs counters, TERM and INT flush activity and exit.\n"
	    "Install the firewall rules with `hallpass -c DIR firewall up`.\n", f);
}

/* One line naming the bad option and where help is, like hallpass's subcommands. */
static int
usage_bad_option(int ch, char **argv)
{
	const char	*arg = optind > 0 ? argv[optind - 1] : "";

	if (strncmp(arg, "--", 2) == 0)
		fprintf(stderr, "hallpassd: %s option %.*s; see 'hallpassd --help'\n",
		    ch == ':' ? "missing argument to" : "unknown",
		    (int)strcspn(arg, "="), arg);
	else
		fprintf(stderr, "hallpassd: %s option -%c; see 'hallpassd --help'\n",
		    ch == ':' ? "missing argument to" : "unknown", optopt);
	return 2;
}

static void
log_diag_line(const char *line, void *arg)
{
	(void)arg;
	log_msg(LOG_L_ERROR, "%s", line);
}

static void
log_diag(const struct diag *d)
{
	diag_each(d, log_diag_line, NULL);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
verdict_done(struct daemon *d, int rc)
{
	if (rc < 0 && d->verdict_errors++ % 1000 == 0)
		log_msg(LOG_L_ERROR, "verdict: %s", strerror(errno));
}

/*
 * Sends the pending run of accepts.  A batch verdict covers every packet of
 * the queue up to acc_id still waiting; packets before the run already had
 * theirs, so it covers exactly the run, in order.
 */
static void
accepts_flush(struct daemon *d)
{
	if (d->acc_n == 0)
		return;
	verdict_done(d, d->acc_n == 1 ?
	    nfq_set_verdict(d->acc_qh, d->acc_id, NF_ACCEPT, 0, NULL) :
	    nfq_set_verdict_batch(d->acc_qh, d->acc_id, NF_ACCEPT));
	d->acc_n = 0;
}

static int
on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa,
    void *arg)
{
	struct daemon			*d = arg;
	struct nfqnl_msg_packet_hdr	*ph;
	struct nfqnl_msg_packet_hw	*hw;
	unsigned char			*data;
	const uint8_t			*mac = NULL;
	uint32_t			 id, mark;
	int				 len, rc;
	enum gate_verdict		 v;

	(void)msg;
	if ((ph = nfq_get_msg_packet_hdr(nfa)) == NULL)
		return 0;
	id = ntohl(ph->packet_id);
	mark = nfq_get_nfmark(nfa) & ~(uint32_t)HALLPASS_MARK_MASK;
	if ((len = nfq_get_payload(nfa, &data)) < 0)
		len = 0;
	/* The source MAC is present for packets that arrived on an Ethernet-like link. */
	if ((hw = nfq_get_packet_hw(nfa)) != NULL && ntohs(hw->hw_addrlen) == 6)
		mac = hw->hw_addr;
	d->last_packet_ms = (int64_t)now_ms();
	v = gate_packet(d->gate, data, (size_t)len, (size_t)len, mac, (uint64_t)d->last_packet_ms);
	if (v == GATE_ACCEPT) {
		/* Held back: the drain loop sends a run of accepts as one message. */
		if (d->acc_n > 0 && d->acc_qh != qh)
			accepts_flush(d);
		d->acc_qh = qh;
		d->acc_id = id;
		d->acc_n++;
		return 0;
	}
	/*
	 * A drop emits nothing, so it need not wait for the accepts before it
	 * nor split their run (the batch verdict skips a packet already given
	 * one): a blocked DNS question costs one verdict, not two.  Anything
	 * else goes out in order, after the accepts before it.
	 */
	if (v != GATE_DROP)
		accepts_flush(d);
	switch (v) {
	case GATE_ALLOW_FLOW:
		/* NF_REPEAT sends it through the chain again, where the mark is saved on the connection. */
		rc = nfq_set_verdict2(qh, id, NF_REPEAT, mark | HALLPASS_MARK_ALLOW, 0, NULL);
		break;
	case GATE_BLOCK_FLOW:
		rc = nfq_set_verdict2(qh, id, NF_REPEAT, mark | HALLPASS_MARK_BLOCK, 0, NULL);
		break;
	case GATE_DROP:
		rc = nfq_set_verdict(qh, id, NF_DROP, 0, NULL);
		break;
	case GATE_ACCEPT_MODIFIED: {
		size_t		 mlen;
		const uint8_t	*m = gate_modified(d->gate, &mlen);

		rc = nfq_set_verdict(qh, id, NF_ACCEPT, (uint32_t)mlen, m);
		break;
	}
	default:
		rc = nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
		break;
	}
	verdict_done(d, rc);
	return 0;
}

static void
on_ct_end(const struct ct_end *e, void *arg)
{
	struct daemon *d = arg;

	gate_flow_end(d->gate, &e->orig, e->bytes, e->start_ms, e->stop_ms, now_ms());
}

static int	bind_queues(struct daemon *, uint32_t);
static uint32_t	queue_flags(const struct daemon *);

/* -1 on failure, -2 for a --standby whose queues another hallpassd holds. */
static int
open_queues(struct daemon *d)
{
	if ((d->nfq = nfq_open()) == NULL) {
		log_msg(LOG_L_ERROR, "nfq_open: %s (hallpassd needs CAP_NET_ADMIN)",
		    strerror(errno));
		return -1;
	}
	(void)nfnl_rcvbufsiz(nfq_nfnlh(d->nfq), 8u << 20);
	return bind_queues(d, queue_flags(d));
}

/*
 * Binds every queue not yet bound.  -1 on failure; -2 when a queue is held by
 * another process (the kernel says EPERM: another socket's) and this one is a
 * --standby: it binds the rest later, in wait_queues.
 */
static int
bind_queues(struct daemon *d, uint32_t flags)
{
	for (unsigned i = 0; i < d->cfg->nqueues; i++) {
		uint16_t q = d->cfg->queues[i];

		if (d->qh[i] != NULL)
			continue;
		if ((d->qh[i] = nfq_create_queue(d->nfq, q, on_packet, d)) == NULL) {
			if (d->standby && (errno == EPERM || errno == EBUSY))
				return -2;
			log_msg(LOG_L_ERROR, "queue %u: %s (is another hallpassd running?)",
			    q, strerror(errno));
			return -1;
		}
		if (nfq_set_mode(d->qh[i], NFQNL_COPY_PACKET, 0xffff) < 0 ||
		    nfq_set_queue_maxlen(d->qh[i], d->cfg->queue_maxlen) < 0) {
			log_msg(LOG_L_ERROR, "queue %u: setting it up: %s", q, strerror(errno));
			return -1;
		}
		if (nfq_set_queue_flags(d->qh[i], flags, flags) < 0)
			log_msg(LOG_L_WARN, "queue %u: GSO/fail-open flags not supported "
			    "by this kernel", q);
	}
	return 0;
}

static uint32_t
queue_flags(const struct daemon *d)
{
	/* flood: open: a full queue's packets are accepted unjudged; closed: dropped (fail: is the firewall's). */
	return NFQA_CFG_F_GSO | (d->cfg->flood == CONFIG_FAIL_OPEN ? NFQA_CFG_F_FAIL_OPEN : 0);
}

/*
 * A --standby's wait: try the queues every 10 ms until the hallpassd holding
 * them is gone (the kernel frees a queue when its socket closes, however the
 * process died), so a crash costs milliseconds rather than a start.  TERM or
 * INT ends the wait (1); a HUP is kept for when the queues are ours.
 */
static int
wait_queues(struct daemon *d, int sfd, int *hup)
{
	struct pollfd		 pfd = { sfd, POLLIN, 0 };
	struct signalfd_siginfo	 si;
	int			 r;

	log_msg(LOG_L_INFO, "standby: another hallpassd holds the queues; taking them over "
	    "when it stops");
	for (;;) {
		if (poll(&pfd, 1, 10) == 1 && read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGHUP)
				*hup = 1;
			else if (si.ssi_signo != SIGUSR1)
				return 1;
		}
		if ((r = bind_queues(d, queue_flags(d))) == 0)
			return 0;
		if (r == -1)
			return -1;
	}
}

/* flood: open lets the kernel accept what a full queue cannot hold; closed drops it. */
static void
queues_set_flood(struct daemon *d, enum config_fail flood, unsigned maxlen)
{
	uint32_t flags = flood == CONFIG_FAIL_OPEN ? NFQA_CFG_F_FAIL_OPEN : 0;

	for (unsigned i = 0; i < d->cfg->nqueues; i++) {
		if (d->qh[i] == NULL)
			continue;
		if (nfq_set_queue_flags(d->qh[i], NFQA_CFG_F_FAIL_OPEN, flags) < 0)
			log_msg(LOG_L_WARN, "queue %u: fail-open flag not supported by "
			    "this kernel", d->cfg->queues[i]);
		if (nfq_set_queue_maxlen(d->qh[i], maxlen) < 0)
			log_msg(LOG_L_WARN, "queue %u: queue_maxlen %u: %s",
			    d->cfg->queues[i], maxlen, strerror(errno));
	}
}

/*
 * The kernel's own counts for our queues (/proc/net/netfilter/nfnetlink_queue:
 * queue_dropped: the queue was full; user_dropped: our socket overran).  With
 * fail open a full queue's packets went through unfiltered: those are the
 * fail-open events; with fail closed they were dropped.
 */
static void
health_tick(struct daemon *d, int64_t now)
{
	unsigned long long	 q, peer, total, mode, range, qdrop, udrop, seqno, one;
	int64_t			 full = 0, over = (int64_t)d->nfq_overruns;
	char			 line[256];
	FILE			*f;

	if (now - d->health_ms < 5000)
		return;
	d->health_ms = now;
	if ((f = fopen("/proc/net/netfilter/nfnetlink_queue", "re")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			if (sscanf(line, "%llu %llu %llu %llu %llu %llu %llu %llu %llu", &q,
			    &peer, &total, &mode, &range, &qdrop, &udrop, &seqno, &one) != 9)
				continue;
			for (unsigned i = 0; i < d->cfg->nqueues; i++)
				if (q == d->cfg->queues[i]) {
					full += (int64_t)qdrop;
					over += (int64_t)udrop;
				}
		}
		fclose(f);
	}
	if (d->cfg->flood == CONFIG_FAIL_OPEN)
		activity_set_health(d->act, now, d->last_packet_ms, over, full, NULL);
	else
		activity_set_health(d->act, now, d->last_packet_ms, over + full, 0, NULL);
}

static void
close_queues(struct daemon *d)
{
	for (unsigned i = 0; i < d->cfg->nqueues; i++)
		if (d->qh[i] != NULL)
			nfq_destroy_queue(d->qh[i]);
	if (d->nfq != NULL)
		nfq_close(d->nfq);
}

static void
sysctl_on(const char *name)
{
	char	path[128];
	int	fd;

	snprintf(path, sizeof(path), "/proc/sys/net/netfilter/%s", name);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0 || write(fd, "1", 1) != 1)
		log_msg(LOG_L_WARN, "%s: %s: usage per flow will be incomplete", path,
		    strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* Every 15 s, on SIGUSR1 and at exit: the collector scrapes far less often than that. */
#define METRICS_EVERY_MS	15000

static void
metrics_dump(struct daemon *d)
{
	struct metrics	 m;
	char		 err[1200];

	if (d->cfg->metrics_file[0] == '\0')
		return;
	memset(&m, 0, sizeof(m));
	gate_stats(d->gate, &m.gate);
	gate_flow_stats(d->gate, &m.flow);
	activity_stats(d->act, &m.act);
	m.queue_overruns = d->nfq_overruns;
	m.verdict_errors = d->verdict_errors;
	m.ct_lost = d->ct_lost;
	m.reloads_applied = d->reloads_applied;
	m.reloads_rejected = d->reloads_rejected;
	m.rules_loaded_ms = d->rules_loaded_ms;
	m.nqueues = d->cfg->nqueues;
	m.fail_open = d->cfg->fail == CONFIG_FAIL_OPEN;
	m.flood_open = d->cfg->flood == CONFIG_FAIL_OPEN;
	m.version = HALLPASS_VERSION;
	d->metrics_ms = now_ms();
	/* Said once, not every 15 seconds, until it works again. */
	if (metrics_write(d->cfg->metrics_file, &m, err, sizeof(err)) != 0) {
		if (!d->metrics_failing)
			log_msg(LOG_L_WARN, "metrics: %s", err);
		d->metrics_failing = 1;
	} else
		d->metrics_failing = 0;
}

static void
log_counters(struct daemon *d)
{
	struct gate_stats	g;
	struct flow_stats	f;
	struct activity_stats	a;

	gate_stats(d->gate, &g);
	gate_flow_stats(d->gate, &f);
	activity_stats(d->act, &a);
	log_msg(LOG_L_INFO, "packets %llu (pending %llu, ignored %llu, malformed %llu); "
	    "allowed %llu, blocked %llu; answers: dns %llu, resets %llu, pages %llu, "
	    "icmp %llu, failed %llu; safe search %llu, encrypted dns %llu; dns answers "
	    "seen %llu, map hits %llu, ech stripped %llu, strict %llu; flows live %llu, evicted %llu, expired %llu, overlaps %llu; "
	    "events %llu (folded %llu), usage %llu, written %llu, dropped %llu, "
	    "failed %llu; verdict errors %llu, conntrack overruns %llu; bundle version %llu",
	    (unsigned long long)g.packets, (unsigned long long)g.pending,
	    (unsigned long long)g.ignored, (unsigned long long)g.malformed,
	    (unsigned long long)g.allowed, (unsigned long long)g.blocked,
	    (unsigned long long)g.dns_answered, (unsigned long long)g.resets,
	    (unsigned long long)g.block_pages, (unsigned long long)g.icmp,
	    (unsigned long long)g.inject_failed, (unsigned long long)g.safesearch,
	    (unsigned long long)g.encrypted_dns, (unsigned long long)g.dns_answers_seen,
	    (unsigned long long)g.dns_map_hits, (unsigned long long)g.ech_stripped,
	    (unsigned long long)g.strict_blocked, (unsigned long long)f.live,
	    (unsigned long long)f.evicted, (unsigned long long)f.expired,
	    (unsigned long long)f.conflicts,
	    (unsigned long long)g.events, (unsigned long long)g.events_folded,
	    (unsigned long long)g.usage, (unsigned long long)a.written,
	    (unsigned long long)a.dropped, (unsigned long long)a.failed,
	    (unsigned long long)d->verdict_errors, (unsigned long long)d->ct_lost,
	    (unsigned long long)bundle_gw_version(d->bgw));
}

static void
loaded_free(struct loaded *l)
{
	if (l == NULL)
		return;
	snapshot_unref(l->snap);
	diag_free(&l->dg);
	free(l);
}

/*
 * snapshot_load, with the rules from the signed bundle when hallpass.yaml
 * names one: a newer bundle if bundle_url serves one, else the bundle on
 * disk, else DIR's own rules.  A LOAD_BUNDLE load (the schedule) keeps the
 * settings in force and yields a snapshot only for a newer bundle.  cur is
 * the snapshot in force (NULL at start).
 */
static struct snapshot *
daemon_load(struct daemon *d, const struct snapshot *cur, int fetch_only,
    struct diag *dg, uint64_t *version)
{
	struct snapshot	*s = NULL;
	struct policy	*p = NULL;
	struct config	*c;
	const char	*rdir;
	int		 bad = 0;

	*version = 0;
	/* struct config holds fixed arrays: too big for a loader thread's stack habits. */
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (fetch_only)
		*c = *snapshot_config(cur);
	else
		bad = config_load(c, d->dir, dg) != 0;
	/* A bundle is fetched only under settings that loaded cleanly. */
	if (!bad && c->bundle_url[0] != '\0' &&
	    bundle_gw_update(d->bgw, c, &p, version) == 1)
		goto made;
	if (fetch_only)
		goto out;
	rdir = bundle_gw_rules_dir(d->bgw, bad && cur != NULL ? snapshot_config(cur) : c);
	*version = rdir != NULL ? bundle_gw_committed(d->bgw) : 0;
	p = policy_load(rdir != NULL ? rdir : d->dir, dg);
 made:
	if (p != NULL && !bad && diag_count(dg) == 0) {
		s = snapshot_over(p, c, cur);
		p = NULL;
	}
 out:
	policy_unref(p);
	free(c);
	return s;
}

struct home_read {
	struct home_control	*c;
	size_t			 n, cap;
};

static int
home_take(const struct store_home *h, void *arg)
{
	struct home_read	*r = arg;
	struct home_control	*c;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;

		if ((c = realloc(r->c, cap * sizeof(*c))) == NULL)
			return -1;
		r->c = c;
		r->cap = cap;
	}
	c = &r->c[r->n++];
	memset(c, 0, sizeof(*c));
	hp_strlcpy(c->student, h->student, sizeof(c->student));
	hp_strlcpy(c->guardian, h->guardian, sizeof(c->guardian));
	c->pause_until_ms = h->pause_until_ms;
	c->bed_from = h->bed_from;
	c->bed_to = h->bed_to;
	hp_strlcpy(c->categories, h->categories != NULL ? h->categories : "",
	    sizeof(c->categories));
	c->updated_ms = h->updated_ms;
	return 0;
}

/*
 * Guardians' controls from the database (store_home.h) over cur: a new
 * snapshot only when they changed; NULL and dg empty when they did not.
 */
static struct snapshot *
daemon_home(struct daemon *d, const struct snapshot *cur, struct diag *dg)
{
	struct home_read	 r = { NULL, 0, 0 };
	struct home		*h;
	char			 err[512];
	int64_t			 n;

	if (d->home_st == NULL &&
	    (d->home_st = store_open(snapshot_config(cur)->database, STORE_RDONLY, err,
	    sizeof(err))) == NULL) {
		diag_add(dg, snapshot_config(cur)->database, 0, 0, "guardian controls: %s", err);
		return NULL;
	}
	if ((n = store_home_list(d->home_st, NULL, home_take, &r, err, sizeof(err))) < 0 ||
	    (size_t)n != r.n) {
		diag_add(dg, snapshot_config(cur)->database, 0, 0, "guardian controls: %s",
		    n < 0 ? err : "out of memory");
		/* A broken connection is opened again on the next read. */
		store_close(d->home_st);
		d->home_st = NULL;
		free(r.c);
		return NULL;
	}
	h = home_new(r.c, r.n);
	free(r.c);
	if (h == NULL) {
		diag_add(dg, snapshot_config(cur)->database, 0, 0, "guardian controls: out of memory");
		return NULL;
	}
	if (snapshot_home(cur) != NULL && home_digest(h) == home_digest(snapshot_home(cur)) &&
	    home_count(h) == home_count(snapshot_home(cur))) {
		home_unref(h);
		return NULL;
	}
	return snapshot_with_home(cur, h);
}

static void *
loader_run(void *arg)
{
	struct daemon	*d = arg;
	struct loaded	*l;

	if ((l = calloc(1, sizeof(*l))) != NULL) {
		diag_init(&l->dg);
		l->kind = d->load_kind;
		/* The snapshot in force cannot change or go while this thread runs: only reload_finish swaps it. */
		if (l->kind == LOAD_HOME)
			l->snap = daemon_home(d, d->snap, &l->dg);
		else
			l->snap = daemon_load(d, d->snap, l->kind == LOAD_BUNDLE, &l->dg,
			    &l->bundle_version);
	}
	/* A pointer is far below PIPE_BUF: the write is whole; NULL says out of memory. */
	if (write(d->load_pipe[1], &l, sizeof(l)) != (ssize_t)sizeof(l))
		loaded_free(l);
	return NULL;
}

/*
 * SIGHUP: start a load, or remember that one more is wanted once this one
 * lands.  LOAD_BUNDLE (the bundle schedule) only looks for a newer bundle and
 * is skipped while another load runs.
 */
static void
reload_start(struct daemon *d, enum load_kind kind)
{
	int e;

	if (d->loading) {
		if (kind == LOAD_FULL)
			d->reload_again = 1;
		return;
	}
	d->load_kind = kind;
	if ((e = pthread_create(&d->loader, NULL, loader_run, d)) != 0) {
		log_msg(LOG_L_ERROR, "reload of %s: starting the loader: %s: the rules "
		    "in force stay", d->dir, strerror(e));
		return;
	}
	d->loading = 1;
}

/* Waits for a running load (at exit) and drops what it read. */
static void
reload_cancel(struct daemon *d)
{
	struct loaded *l = NULL;

	if (!d->loading)
		return;
	pthread_join(d->loader, NULL);
	if (read(d->load_pipe[0], &l, sizeof(l)) == (ssize_t)sizeof(l))
		loaded_free(l);
	d->loading = 0;
}

/* New guardians' controls: the same rules and settings, swapped like a reload. */
static void
home_apply(struct daemon *d, struct loaded *l)
{
	if (l->snap == NULL) {
		/* Said once until it works again: the read is retried on every tick. */
		if (diag_count(&l->dg) > 0 && !d->home_failing) {
			log_diag(&l->dg);
			log_msg(LOG_L_WARN, "guardian controls: the ones in force stay");
		}
		d->home_failing = diag_count(&l->dg) > 0;
		loaded_free(l);
		return;
	}
	d->home_failing = 0;
	gate_reload(d->gate, l->snap);
	log_msg(LOG_L_INFO, "guardian controls: %zu children", home_count(snapshot_home(l->snap)));
	snapshot_unref(d->snap);
	d->snap = l->snap;
	d->cfg = snapshot_config(d->snap);
	l->snap = NULL;
	loaded_free(l);
}

/* The loader's result replaces what is in force (or is refused, and logged). */
static void
reload_apply(struct daemon *d, struct loaded *l)
{
	const struct config	*c, *old;
	const char		*names;
	struct policy_stats	 st;
	char			 err[320];

	if (l == NULL) {
		log_msg(LOG_L_ERROR, "reload of %s: out of memory: the rules in force stay",
		    d->dir);
		d->reloads_rejected++;
		return;
	}
	if (l->kind == LOAD_HOME) {
		home_apply(d, l);
		return;
	}
	if (l->kind == LOAD_BUNDLE && l->snap == NULL && diag_count(&l->dg) == 0) {
		/* No newer bundle (or one refused, already logged): nothing changes. */
		loaded_free(l);
		return;
	}
	if (l->snap == NULL) {
		d->reloads_rejected++;
		log_diag(&l->dg);
		if (diag_count(&l->dg) == 0)
			log_msg(LOG_L_ERROR, "reload of %s: out of memory: the rules in "
			    "force stay", d->dir);
		else
			log_msg(LOG_L_ERROR, "reload of %s rejected (%zu errors): the rules "
			    "in force stay", d->dir, diag_count(&l->dg));
		loaded_free(l);
		return;
	}
	old = d->cfg;
	c = snapshot_config(l->snap);
	names = snapshot_changes(l->snap, 0);
	if (*names != '\0')
		log_msg(LOG_L_WARN, "reload: %s changed but take%s effect only on "
		    "restart", names, strchr(names, ',') ? "" : "s");
	if (*(names = snapshot_changes(l->snap, 1)) != '\0')
		log_msg(LOG_L_INFO, "reload: applying %s", names);
	if (c->flood != old->flood || c->queue_maxlen != old->queue_maxlen)
		queues_set_flood(d, c->flood, c->queue_maxlen);
	if (c->retention_days != old->retention_days ||
	    c->rollup_retention_days != old->rollup_retention_days ||
	    c->login_retention_days != old->login_retention_days) {
		struct activity_retention ret = { c->retention_days, c->rollup_retention_days,
		    c->login_retention_days };

		activity_set_retention(d->act, &ret);
	}
	if (strcmp(c->resolvers, old->resolvers) != 0 &&
	    resolve_set_servers(d->res, c->resolvers, err, sizeof(err)) != 0)
		log_msg(LOG_L_ERROR, "reload: %s: the resolvers in use stay", err);
	gate_reload(d->gate, l->snap);
	log_set_level((enum log_level)c->log_level);
	policy_stats(snapshot_policy(l->snap), &st);
	log_msg(LOG_L_INFO, "reloaded %s: %zu categories, %zu domains, %zu students",
	    d->dir, st.categories, st.domains, st.students);
	d->reloads_applied++;
	d->rules_loaded_ms = now_ms();
	bundle_gw_set_in_force(d->bgw, l->bundle_version);
	/* The old snapshot goes once the gate has let go of it too. */
	snapshot_unref(d->snap);
	d->snap = l->snap;
	d->cfg = c;
	l->snap = NULL;
	loaded_free(l);
}

/* On the packet thread, between two packets: a load has landed. */
static void
reload_finish(struct daemon *d)
{
	struct loaded *l = NULL;

	if (read(d->load_pipe[0], &l, sizeof(l)) != (ssize_t)sizeof(l))
		return;
	pthread_join(d->loader, NULL);
	d->loading = 0;
	reload_apply(d, l);
	/*
	 * Only now may the next load start: it reads the snapshot in force,
	 * which must be the one it is loaded over and must not be freed under it
	 * (a load started before the swap read one that went away).
	 */
	if (d->reload_again) {
		d->reload_again = 0;
		reload_start(d, LOAD_FULL);
	}
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The bundle schedule: a fetch at start, then every bundle_interval seconds (0: on HUP only). */
static void
bundle_tick(struct daemon *d, uint64_t now)
{
	if (d->cfg->bundle_url[0] == '\0')
		return;
	if (d->next_fetch_ms != 0 &&
	    (d->cfg->bundle_interval == 0 || now < d->next_fetch_ms))
		return;
	d->next_fetch_ms = now + (uint64_t)d->cfg->bundle_interval * 1000;
	reload_start(d, LOAD_BUNDLE);
}

/* Guardians' controls: read at start and every HOME_EVERY_MS, skipped while another load runs. */
static void
home_tick(struct daemon *d, uint64_t now)
{
	if (d->loading || (d->next_home_ms != 0 && now < d->next_home_ms))
		return;
	d->next_home_ms = now + HOME_EVERY_MS;
	reload_start(d, LOAD_HOME);
}

#define RES_FDS	16

static int
run(struct daemon *d, int sfd)
{
	static unsigned char	 buf[RECV_BUFSZ];
	struct pollfd		 pfd[4 + RES_FDS];
	int			 nfd = nfq_fd(d->nfq), nres, timeout;
	uint64_t		 now, mono;

	pfd[0].fd = nfd;
	pfd[0].events = POLLIN;
	pfd[1].fd = sfd;
	pfd[1].events = POLLIN;
	pfd[2].fd = d->ct != NULL ? ct_fd(d->ct) : -1;
	pfd[2].events = POLLIN;
	pfd[3].fd = d->load_pipe[0];
	pfd[3].events = POLLIN;
	for (;;) {
		timeout = 1000;
		/* c-ares' sockets join the same poll: its answers never wait on the packet path, nor it on them. */
		nres = resolve_prepare(d->res, now_ms(), pfd + 4, RES_FDS, &timeout);
		if (poll(pfd, (nfds_t)(4 + nres), timeout) < 0) {
			if (errno == EINTR)
				continue;
			log_msg(LOG_L_ERROR, "poll: %s", strerror(errno));
			return -1;
		}
		if (pfd[0].revents & POLLIN) {
			/* Drain what is queued before looking at anything else. */
			for (int i = 0; i < 256; i++) {
				ssize_t n = recv(nfd, buf, sizeof(buf), MSG_DONTWAIT);

				if (n < 0) {
					if (errno == ENOBUFS) {
						/* The kernel had more than we read: fail-mode decides those. */
						if (d->nfq_overruns++ % 100 == 0)
							log_msg(LOG_L_WARN, "queue socket overrun");
						continue;
					}
					break;
				}
				nfq_handle_packet(d->nfq, (char *)buf, (int)n);
			}
			accepts_flush(d);
		}
		/* One clock read each for the pass's wall-clock and monotonic schedules. */
		now = now_ms();
		mono = mono_ms();
		resolve_process(d->res, pfd + 4, nres, now);
		health_tick(d, (int64_t)now);
		if (now - d->metrics_ms >= METRICS_EVERY_MS)
			metrics_dump(d);
		if (pfd[3].revents & POLLIN)
			reload_finish(d);
		bundle_tick(d, mono);
		home_tick(d, mono);
		if (pfd[2].fd >= 0 && (pfd[2].revents & POLLIN) &&
		    ct_dispatch(d->ct, on_ct_end, d, &d->ct_lost) < 0 &&
		    d->ct_lost % 100 == 1)
			log_msg(LOG_L_WARN, "conntrack events lost: usage is undercounted");
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
				continue;
			switch (si.ssi_signo) {
			case SIGHUP:
				reload_start(d, LOAD_FULL);
				break;
			case SIGUSR1:
				log_counters(d);
				metrics_dump(d);
				break;
			default:
				log_msg(LOG_L_INFO, "signal %u: flushing activity and "
				    "exiting", si.ssi_signo);
				return 0;
			}
		}
	}
}

/*
 * Forks; the parent waits until the child says it is running (exit 0) or
 * closes the pipe without saying so (exit 1), so whoever started hallpassd
 * --daemon learns whether it started.  Returns the child's end of the pipe,
 * -1 on failure, or -2 in the parent with its exit status in *parent_rc.
 */
static int
detach_start(int *parent_rc)
{
	int	fds[2], nul;
	pid_t	pid;
	char	c;

	if (pipe2(fds, O_CLOEXEC) != 0 || (pid = fork()) < 0) {
		log_msg(LOG_L_ERROR, "detaching: %s", strerror(errno));
		return -1;
	}
	if (pid > 0) {
		close(fds[1]);
		*parent_rc = read(fds[0], &c, 1) == 1 ? 0 : 1;
		return -2;
	}
	close(fds[0]);
	(void)setsid();
	/* Logs stay on stderr; stdin and stdout must not keep a caller's pipe open. */
	if ((nul = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		(void)dup2(nul, 0);
		(void)dup2(nul, 1);
		if (nul > 2)
			close(nul);
	}
	return fds[1];
}

static int
write_pidfile(const char *path)
{
	FILE *f;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f);
}

/*
 * The bundle client, from hallpass.yaml's bundle_dir (a restart-only
 * setting).  A gateway with bundle_url and no bundle on disk yet fetches its
 * first one now, so its own directory need hold no rules; it is then on disk
 * for daemon_load.  -1 with dg set when hallpass.yaml does not load.
 */
static int
daemon_start_bundle(struct daemon *d, struct diag *dg)
{
	struct config	*c;
	struct policy	*p = NULL;
	uint64_t	 v;
	int		 rc = -1;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	if (config_load(c, d->dir, dg) != 0)
		goto out;
	if ((d->bgw = bundle_gw_new(c->bundle_dir, c->bundle_key)) == NULL) {
		diag_add(dg, d->dir, 0, 0, "out of memory");
		goto out;
	}
	if (c->bundle_url[0] != '\0' && bundle_gw_rules_dir(d->bgw, c) == NULL &&
	    bundle_gw_update(d->bgw, c, &p, &v) == 1)
		d->next_fetch_ms = mono_ms() + (uint64_t)c->bundle_interval * 1000;
	rc = 0;
 out:
	policy_unref(p);
	free(c);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "daemon", no_argument, NULL, 'd' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "check", no_argument, NULL, 'n' },
		{ "standby", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon	 d;
	struct activity_retention ret;
	struct diag	 dg;
	sigset_t	 mask;
	char		 err[512];
	const char	*pidfile = NULL;
	uint64_t	 bversion = 0;
	int		 ch, detach = 0, sfd = -1, rc = 1, ready = -1, check = 0;
	int		 waiting = 0, waited = 0, hup = 0;

	/* The database and its WAL files hold children's browsing: never world-readable. */
	umask(027);
	memset(&d, 0, sizeof(d));
	d.load_pipe[0] = d.load_pipe[1] = -1;
	d.dir = "/etc/hallpass";
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			d.dir = optarg;
			break;
		case 'd':
			detach = 1;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 's':
			d.standby = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("hallpassd %s\n", HALLPASS_VERSION);
			return 0;
		default:
			return usage_bad_option(ch, argv);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "hallpassd: unexpected argument \"%s\"; see "
		    "'hallpassd --help'\n", argv[optind]);
		return 2;
	}
	diag_init(&dg);
	if (daemon_start_bundle(&d, &dg) != 0 ||
	    (d.snap = daemon_load(&d, NULL, 0, &dg, &bversion)) == NULL) {
		log_diag(&dg);
		log_msg(LOG_L_ERROR, "%s: %zu errors: not starting", d.dir,
		    diag_count(&dg));
		diag_free(&dg);
		bundle_gw_free(d.bgw);
		return 1;
	}
	/* What loaded with warnings (a file rules.d/ does not read) still says so. */
	if (dg.n > 0)
		log_diag(&dg);
	diag_free(&dg);
	if (check) {
		printf("%s: ok\n", d.dir);
		snapshot_unref(d.snap);
		bundle_gw_free(d.bgw);
		return 0;
	}
	d.cfg = snapshot_config(d.snap);
	log_set_level((enum log_level)d.cfg->log_level);
	bundle_gw_set_in_force(d.bgw, bversion);

	/* Threads do not survive fork: detach before the activity writer starts. */
	if (detach && (ready = detach_start(&rc)) < 0) {
		if (ready == -2) {
			/* The parent: nothing of the daemon's to close. */
			snapshot_unref(d.snap);
			bundle_gw_free(d.bgw);
			return rc;
		}
		goto out;
	}

	/* Signals are read from a descriptor; block them before any thread starts. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((sfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
		log_msg(LOG_L_ERROR, "signalfd: %s", strerror(errno));
		goto out;
	}
	/* The read end never blocks the packet thread; the loader's single write always fits. */
	if (pipe2(d.load_pipe, O_CLOEXEC) != 0 ||
	    fcntl(d.load_pipe[0], F_SETFL, O_NONBLOCK) != 0) {
		log_msg(LOG_L_ERROR, "pipe: %s", strerror(errno));
		goto out;
	}
	ret.events_days = d.cfg->retention_days;
	ret.rollup_days = d.cfg->rollup_retention_days;
	ret.login_days = d.cfg->login_retention_days;
	if ((d.act = activity_new(d.cfg->database, ACTIVITY_RING, &ret,
	    err, sizeof(err))) == NULL) {
		log_msg(LOG_L_ERROR, "database %s: %s", d.cfg->database, err);
		goto out;
	}
	if ((d.inj = inject_new(err, sizeof(err))) == NULL) {
		log_msg(LOG_L_ERROR, "%s", err);
		goto out;
	}
	if ((d.gate = gate_new(d.snap, d.act, d.inj, err, sizeof(err))) == NULL) {
		log_msg(LOG_L_ERROR, "%s", err);
		goto out;
	}
	if ((d.res = resolve_new(d.cfg->resolvers[0] ? d.cfg->resolvers : NULL, 2000, err,
	    sizeof(err))) == NULL) {
		log_msg(LOG_L_ERROR, "%s", err);
		goto out;
	}
	gate_set_resolver(d.gate, d.res);
	sysctl_on("nf_conntrack_acct");
	sysctl_on("nf_conntrack_timestamp");
	if ((d.ct = ct_open(err, sizeof(err))) == NULL)
		log_msg(LOG_L_WARN, "%s: bytes and time per flow will not be recorded", err);
	if ((waiting = open_queues(&d)) == -1)
		goto out;
	if (pidfile != NULL && write_pidfile(pidfile) != 0) {
		log_msg(LOG_L_ERROR, "%s: %s", pidfile, strerror(errno));
		goto out;
	}
	/* Everything that needs root is open: give up the rest (docs/hallpassd.md, Privileges). */
	if (priv_daemon_drop(&(struct priv_daemon){ "hallpassd", d.cfg->user,
	    d.cfg->seccomp, d.dir, d.cfg->database,
	    d.cfg->bundle_url[0] != '\0' ? d.cfg->bundle_dir : NULL }, err, sizeof(err)) != 0) {
		log_msg(LOG_L_ERROR, "%s: not starting", err);
		goto out;
	}
	if (waiting == -2) {
		/* A standby is ready once it waits: its starter (--daemon) may go. */
		if (ready >= 0) {
			if (write(ready, "1", 1) != 1)
				log_msg(LOG_L_WARN, "telling the parent we are ready: %s",
				    strerror(errno));
			close(ready);
			ready = -1;
		}
		if ((waiting = wait_queues(&d, sfd, &hup)) != 0) {
			rc = waiting == 1 ? 0 : 1;
			goto out;
		}
		waited = 1;
	}
	log_msg(LOG_L_INFO, "filtering on %u queue%s from %s (fail %s, flood %s), recording to %s",
	    d.cfg->nqueues, d.cfg->nqueues == 1 ? "" : "s", d.dir,
	    d.cfg->fail == CONFIG_FAIL_OPEN ? "open" : "closed",
	    d.cfg->flood == CONFIG_FAIL_OPEN ? "open" : "closed", d.cfg->database);
	if (ready >= 0) {
		/* Everything opened: the starting parent may now exit 0. */
		if (write(ready, "1", 1) != 1)
			log_msg(LOG_L_WARN, "telling the parent we are ready: %s",
			    strerror(errno));
		close(ready);
		ready = -1;
	}
	d.rules_loaded_ms = now_ms();
	metrics_dump(&d);
	/* A standby's rules are as old as its start: load them afresh, off the packet thread. */
	if (hup || waited)
		reload_start(&d, LOAD_FULL);
	rc = run(&d, sfd) == 0 ? 0 : 1;
	log_counters(&d);
	metrics_dump(&d);
out:
	reload_cancel(&d);
	store_close(d.home_st);
	if (d.load_pipe[0] >= 0) {
		close(d.load_pipe[0]);
		close(d.load_pipe[1]);
	}
	close_queues(&d);
	ct_close(d.ct);
	gate_free(d.gate);
	resolve_free(d.res);
	inject_free(d.inj);
	activity_free(d.act);	/* writes what is still queued */
	snapshot_unref(d.snap);
	bundle_gw_free(d.bgw);
	if (pidfile != NULL && rc == 0)
		(void)unlink(pidfile);
	return rc;
}
