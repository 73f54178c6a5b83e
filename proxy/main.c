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
#include "config.h"
#include "ct.h"
#include "fwmark.h"
#include "gate.h"
#include "inject.h"
#include "log.h"
#include "policy.h"
#include "priv.h"
#include "resolve.h"
#include "snapshot.h"

#define RECV_BUFSZ	(0xffff + 4096)
#define QUEUE_MAXLEN	8192
#define ACTIVITY_RING	8192

/* What the loader thread read: handed to the packet thread whole, through d->load_pipe. */
struct loaded {
	struct snapshot	*snap;		/* NULL: rejected, dg says why (empty dg: out of memory) */
	struct diag	 dg;
};

struct daemon {
	const char		*dir;
	/* A reload reads files on its own thread so verdicts never wait for it. */
	pthread_t		 loader;
	int			 loading, reload_again;
	int			 load_pipe[2];
	/* Policy and settings in force; cfg points into it. */
	struct snapshot		*snap;
	const struct config	*cfg;
	struct gate		*gate;
	struct activity		*act;
	struct inject		*inj;
	struct ct		*ct;
	struct resolve		*res;
	struct nfq_handle	*nfq;
	struct nfq_q_handle	*qh[CONFIG_MAX_QUEUES];
	uint64_t		 verdict_errors, ct_lost, nfq_overruns;
	/* A run of plain accepts not yet sent: one batch verdict covers them all. */
	struct nfq_q_handle	*acc_qh;
	uint32_t		 acc_id;
	unsigned		 acc_n;
};

static void
usage(FILE *f)
{
	fputs("usage: hallpassd [-c DIR] [--daemon] [--pidfile FILE]\n"
	    "\n"
	    "  -c DIR          configuration directory (default /etc/hallpass)\n"
	    "  --daemon        detach once running (logs still go to standard error)\n"
	    "  --pidfile FILE  write the process id to FILE\n"
	    "\n"
	    "Signals: HUP reloads DIR (a bad configuration is rejected and the one in\n"
	    "force stays), USR1 logs counters, TERM and INT flush activity and exit.\n"
	    "Install the firewall rules with `hallpass -c DIR firewall up`.\n", f);
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
	v = gate_packet(d->gate, data, (size_t)len, (size_t)len, mac, now_ms());
	if (v == GATE_ACCEPT) {
		/* Held back: the drain loop sends a run of accepts as one message. */
		if (d->acc_n > 0 && d->acc_qh != qh)
			accepts_flush(d);
		d->acc_qh = qh;
		d->acc_id = id;
		d->acc_n++;
		return 0;
	}
	/* Anything else goes out in order, after the accepts before it. */
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

static int
open_queues(struct daemon *d)
{
	uint32_t flags = NFQA_CFG_F_GSO;

	if ((d->nfq = nfq_open()) == NULL) {
		log_msg(LOG_L_ERROR, "nfq_open: %s (hallpassd needs CAP_NET_ADMIN)",
		    strerror(errno));
		return -1;
	}
	/* Fail open also covers a full queue: the kernel accepts instead of dropping. */
	if (d->cfg->fail == CONFIG_FAIL_OPEN)
		flags |= NFQA_CFG_F_FAIL_OPEN;
	for (unsigned i = 0; i < d->cfg->nqueues; i++) {
		uint16_t q = d->cfg->queues[i];

		if ((d->qh[i] = nfq_create_queue(d->nfq, q, on_packet, d)) == NULL) {
			log_msg(LOG_L_ERROR, "queue %u: %s (is another hallpassd running?)",
			    q, strerror(errno));
			return -1;
		}
		if (nfq_set_mode(d->qh[i], NFQNL_COPY_PACKET, 0xffff) < 0 ||
		    nfq_set_queue_maxlen(d->qh[i], QUEUE_MAXLEN) < 0) {
			log_msg(LOG_L_ERROR, "queue %u: setting it up: %s", q, strerror(errno));
			return -1;
		}
		if (nfq_set_queue_flags(d->qh[i], flags, flags) < 0)
			log_msg(LOG_L_WARN, "queue %u: GSO/fail-open flags not supported "
			    "by this kernel", q);
	}
	(void)nfnl_rcvbufsiz(nfq_nfnlh(d->nfq), 8u << 20);
	return 0;
}

/* fail: open lets the kernel accept what a full queue cannot hold; closed drops it. */
static void
queues_set_fail(struct daemon *d, enum config_fail fail)
{
	uint32_t flags = fail == CONFIG_FAIL_OPEN ? NFQA_CFG_F_FAIL_OPEN : 0;

	for (unsigned i = 0; i < d->cfg->nqueues; i++)
		if (d->qh[i] != NULL &&
		    nfq_set_queue_flags(d->qh[i], NFQA_CFG_F_FAIL_OPEN, flags) < 0)
			log_msg(LOG_L_WARN, "queue %u: fail-open flag not supported by "
			    "this kernel", d->cfg->queues[i]);
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
	    "seen %llu, map hits %llu, ech stripped %llu, strict %llu; flows live %llu, evicted %llu, expired %llu; "
	    "events %llu (folded %llu), usage %llu, written %llu, dropped %llu, "
	    "failed %llu; verdict errors %llu, conntrack overruns %llu",
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
	    (unsigned long long)g.events, (unsigned long long)g.events_folded,
	    (unsigned long long)g.usage, (unsigned long long)a.written,
	    (unsigned long long)a.dropped, (unsigned long long)a.failed,
	    (unsigned long long)d->verdict_errors, (unsigned long long)d->ct_lost);
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

static void *
loader_run(void *arg)
{
	struct daemon	*d = arg;
	struct loaded	*l;

	if ((l = calloc(1, sizeof(*l))) != NULL) {
		diag_init(&l->dg);
		/* The snapshot in force cannot change or go while this thread runs: only reload_finish swaps it. */
		l->snap = snapshot_load(d->dir, d->snap, &l->dg);
	}
	/* A pointer is far below PIPE_BUF: the write is whole; NULL says out of memory. */
	if (write(d->load_pipe[1], &l, sizeof(l)) != (ssize_t)sizeof(l))
		loaded_free(l);
	return NULL;
}

/* SIGHUP: start a load, or remember that one more is wanted once this one lands. */
static void
reload_start(struct daemon *d)
{
	int e;

	if (d->loading) {
		d->reload_again = 1;
		return;
	}
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

/* On the packet thread, between two packets: the loader's result replaces what is in force. */
static void
reload_finish(struct daemon *d)
{
	struct loaded		*l = NULL;
	const struct config	*c, *old;
	const char		*names;
	struct policy_stats	 st;
	char			 err[320];

	if (read(d->load_pipe[0], &l, sizeof(l)) != (ssize_t)sizeof(l))
		return;
	pthread_join(d->loader, NULL);
	d->loading = 0;
	if (d->reload_again) {
		d->reload_again = 0;
		reload_start(d);
	}
	if (l == NULL) {
		log_msg(LOG_L_ERROR, "reload of %s: out of memory: the rules in force stay",
		    d->dir);
		return;
	}
	if (l->snap == NULL) {
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
	if (c->fail != old->fail)
		queues_set_fail(d, c->fail);
	if (c->retention_days != old->retention_days)
		activity_set_retention(d->act, c->retention_days);
	if (strcmp(c->resolvers, old->resolvers) != 0 &&
	    resolve_set_servers(d->res, c->resolvers, err, sizeof(err)) != 0)
		log_msg(LOG_L_ERROR, "reload: %s: the resolvers in use stay", err);
	gate_reload(d->gate, l->snap);
	log_set_level((enum log_level)c->log_level);
	policy_stats(snapshot_policy(l->snap), &st);
	log_msg(LOG_L_INFO, "reloaded %s: %zu categories, %zu domains, %zu students",
	    d->dir, st.categories, st.domains, st.students);
	/* The old snapshot goes once the gate has let go of it too. */
	snapshot_unref(d->snap);
	d->snap = l->snap;
	d->cfg = c;
	l->snap = NULL;
	loaded_free(l);
}

#define RES_FDS	16

static int
run(struct daemon *d, int sfd)
{
	static unsigned char	 buf[RECV_BUFSZ];
	struct pollfd		 pfd[4 + RES_FDS];
	int			 nfd = nfq_fd(d->nfq), nres, timeout;

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
		resolve_process(d->res, pfd + 4, nres, now_ms());
		if (pfd[3].revents & POLLIN)
			reload_finish(d);
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
				reload_start(d);
				break;
			case SIGUSR1:
				log_counters(d);
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

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "daemon", no_argument, NULL, 'd' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon	 d;
	struct diag	 dg;
	sigset_t	 mask;
	char		 err[512];
	const char	*pidfile = NULL;
	int		 ch, detach = 0, sfd = -1, rc = 1, ready = -1;

	/* The database and its WAL files hold children's browsing: never world-readable. */
	umask(027);
	memset(&d, 0, sizeof(d));
	d.load_pipe[0] = d.load_pipe[1] = -1;
	d.dir = "/etc/hallpass";
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
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
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	diag_init(&dg);
	if ((d.snap = snapshot_load(d.dir, NULL, &dg)) == NULL) {
		log_diag(&dg);
		log_msg(LOG_L_ERROR, "%s: %zu errors: not starting", d.dir,
		    diag_count(&dg));
		diag_free(&dg);
		return 1;
	}
	diag_free(&dg);
	d.cfg = snapshot_config(d.snap);
	log_set_level((enum log_level)d.cfg->log_level);

	/* Threads do not survive fork: detach before the activity writer starts. */
	if (detach && (ready = detach_start(&rc)) < 0) {
		if (ready == -2) {
			/* The parent: nothing of the daemon's to close. */
			snapshot_unref(d.snap);
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
	if ((d.act = activity_new(d.cfg->database, ACTIVITY_RING, d.cfg->retention_days,
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
	if (open_queues(&d) != 0)
		goto out;
	if (pidfile != NULL && write_pidfile(pidfile) != 0) {
		log_msg(LOG_L_ERROR, "%s: %s", pidfile, strerror(errno));
		goto out;
	}
	/* Everything that needs root is open: give up the rest (docs/hallpassd.md, Privileges). */
	if (priv_daemon_drop(&(struct priv_daemon){ "hallpassd", d.cfg->user,
	    d.cfg->seccomp, d.dir, d.cfg->database }, err, sizeof(err)) != 0) {
		log_msg(LOG_L_ERROR, "%s: not starting", err);
		goto out;
	}
	log_msg(LOG_L_INFO, "filtering on %u queue%s from %s (fail %s), recording to %s",
	    d.cfg->nqueues, d.cfg->nqueues == 1 ? "" : "s", d.dir,
	    d.cfg->fail == CONFIG_FAIL_OPEN ? "open" : "closed", d.cfg->database);
	if (ready >= 0) {
		/* Everything opened: the starting parent may now exit 0. */
		(void)write(ready, "1", 1);
		close(ready);
		ready = -1;
	}
	rc = run(&d, sfd) == 0 ? 0 : 1;
	log_counters(&d);
out:
	reload_cancel(&d);
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
	if (pidfile != NULL && rc == 0)
		(void)unlink(pidfile);
	return rc;
}
