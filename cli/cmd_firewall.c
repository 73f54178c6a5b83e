/* cmd_firewall: "hallpass firewall up|down|status" installs and removes the iptables/ip6tables rules that queue flow starts to hallpassd. */
#include "cmd_firewall.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_usage.h"
#include "config.h"
#include "fwmark.h"

#define EXIT_USAGE	2
#define FW_ERR_MAX	4096		/* iptables' stderr kept for the message */
#define FW_LOCK		"/run/hallpass-firewall.lock"
#define FW_ACCT		"/proc/sys/net/netfilter/nf_conntrack_acct"

extern char **environ;

enum fw_mode { FW_GATEWAY = 0, FW_HOTSPOT };

struct fw_family {
	const char	*name;
	const char	*save;
	const char	*restore;
};

static const struct fw_family fw_families[] = {
	{ "IPv4", "iptables-save", "iptables-restore" },
	{ "IPv6", "ip6tables-save", "ip6tables-restore" },
};

struct fw_buf {
	char	*p;
	size_t	 len, cap;
};

/* What one family's filter table holds of ours, read from iptables-save. */
struct fw_state {
	int		has_main, has_in;	/* the chains exist */
	int		forward_first;		/* FORWARD rule 1 is "-j HALLPASS" */
	int		input_first;		/* INPUT rule 1 is "-j HALLPASS_IN" */
	unsigned	jumps;			/* every rule anywhere that jumps to one of ours */
	unsigned	forward_jumps, input_jumps;
	unsigned	nmain, nin;		/* rules in the chains */
	struct fw_buf	dels;			/* "-D ..." for every jump */
	struct fw_buf	rules;			/* "-A HALLPASS..." lines, for status */
};

static void
fw_buf_free(struct fw_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

static int
fw_buf_put(struct fw_buf *b, const char *s, size_t n)
{
	char	*np;
	size_t	 ncap;

	if (b->len + n + 1 > b->cap) {
		ncap = b->cap ? b->cap : 1024;
		while (b->len + n + 1 > ncap)
			ncap *= 2;
		if ((np = realloc(b->p, ncap)) == NULL)
			return -1;
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static int fw_buf_printf(struct fw_buf *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static int
fw_buf_printf(struct fw_buf *b, const char *fmt, ...)
{
	char	 line[1024];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -1;
	return fw_buf_put(b, line, (size_t)n);
}

/*
 * Runs argv[0] (found through PATH) with input on its standard input and
 * collects its standard output into out (may be NULL: discarded) and the
 * start of its standard error into errout.  No shell: rules never pass
 * through quoting.  Returns -1 with a reason in err when it cannot run (not
 * installed), else 0 with the exit status in *status (-1 if killed).
 */
static int
fw_run(char *const argv[], const char *input, struct fw_buf *out,
    char *errout, size_t errlen, int *status, char *err, size_t elen)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 attr;
	sigset_t			 dfl;
	struct pollfd			 pfd[3];
	int				 in[2] = { -1, -1 }, o[2] = { -1, -1 };
	int				 e[2] = { -1, -1 }, rc = -1, ws, r;
	size_t				 inoff = 0, inlen = input ? strlen(input) : 0;
	size_t				 elen_got = 0;
	pid_t				 pid;
	char				 buf[4096];
	ssize_t				 n;

	if (errlen > 0)
		errout[0] = '\0';
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(o, O_CLOEXEC) != 0 ||
	    pipe2(e, O_CLOEXEC) != 0) {
		snprintf(err, elen, "pipe: %s", strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, o[1], 1);
	posix_spawn_file_actions_adddup2(&fa, e[1], 2);
	/* We ignore SIGPIPE while feeding the child; the child must not inherit that. */
	posix_spawnattr_init(&attr);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
	r = posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (r != 0) {
		snprintf(err, elen, "cannot run %s: %s%s", argv[0], strerror(r),
		    r == ENOENT ? " (is iptables installed and in PATH?)" : "");
		goto out;
	}
	close(in[0]);
	close(o[1]);
	close(e[1]);
	in[0] = o[1] = e[1] = -1;
	if (inlen == 0) {
		close(in[1]);
		in[1] = -1;
	}
	/* One loop over all three pipes, so a chatty child can never deadlock us. */
	while (in[1] != -1 || o[0] != -1 || e[0] != -1) {
		pfd[0].fd = in[1];
		pfd[0].events = POLLOUT;
		pfd[1].fd = o[0];
		pfd[1].events = POLLIN;
		pfd[2].fd = e[0];
		pfd[2].events = POLLIN;
		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (in[1] != -1 && pfd[0].revents != 0) {
			n = write(in[1], input + inoff, inlen - inoff);
			if (n > 0)
				inoff += (size_t)n;
			if (n < 0 || inoff == inlen) {
				close(in[1]);
				in[1] = -1;
			}
		}
		if (o[0] != -1 && pfd[1].revents != 0) {
			n = read(o[0], buf, sizeof(buf));
			if (n > 0 && out != NULL && fw_buf_put(out, buf, (size_t)n) != 0)
				n = -1;
			if (n <= 0) {
				close(o[0]);
				o[0] = -1;
			}
		}
		if (e[0] != -1 && pfd[2].revents != 0) {
			n = read(e[0], buf, sizeof(buf));
			if (n > 0 && elen_got + 1 < errlen) {
				size_t k = (size_t)n;

				if (k > errlen - 1 - elen_got)
					k = errlen - 1 - elen_got;
				memcpy(errout + elen_got, buf, k);
				elen_got += k;
				errout[elen_got] = '\0';
			}
			if (n <= 0) {
				close(e[0]);
				e[0] = -1;
			}
		}
	}
	while (waitpid(pid, &ws, 0) < 0) {
		if (errno != EINTR) {
			snprintf(err, elen, "waitpid %s: %s", argv[0], strerror(errno));
			goto out;
		}
	}
	*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
	rc = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] != -1)
			close(in[i]);
		if (o[i] != -1)
			close(o[i]);
		if (e[i] != -1)
			close(e[i]);
	}
	return rc;
}

/* iptables' own message, trimmed of trailing newlines, for one-line errors. */
static const char *
fw_trim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
	return n ? s : "(no message)";
}

/* Does the rule spec jump (-j) or go (-g) to chain, as a whole word? */
static int
fw_jumps_to(const char *line, const char *chain)
{
	size_t	 cl = strlen(chain);

	for (const char *p = line; (p = strstr(p, " -")) != NULL; p += 2) {
		if ((p[2] == 'j' || p[2] == 'g') && p[3] == ' ' &&
		    strncmp(p + 4, chain, cl) == 0 &&
		    (p[4 + cl] == '\0' || p[4 + cl] == ' '))
			return 1;
	}
	return 0;
}

/* Reads the filter table of one family with iptables-save. */
static int
fw_read(const struct fw_family *fam, struct fw_state *st, char *err, size_t elen)
{
	char		*argv[] = { (char *)fam->save, (char *)"-t", (char *)"filter", NULL };
	char		 eout[FW_ERR_MAX];
	struct fw_buf	 out = { 0 };
	int		 status, seen_forward = 0, seen_input = 0, rc = -1;
	char		*line, *next;

	memset(st, 0, sizeof(*st));
	if (fw_run(argv, NULL, &out, eout, sizeof(eout), &status, err, elen) != 0)
		goto out;
	if (status != 0) {
		snprintf(err, elen, "%s failed: %s", fam->save, fw_trim(eout));
		goto out;
	}
	for (line = out.p; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (strcmp(line, ":" HALLPASS_CHAIN) == 0 ||
		    strncmp(line, ":" HALLPASS_CHAIN " ", sizeof(HALLPASS_CHAIN) + 1) == 0)
			st->has_main = 1;
		else if (strncmp(line, ":" HALLPASS_CHAIN_IN " ",
		    sizeof(HALLPASS_CHAIN_IN) + 1) == 0)
			st->has_in = 1;
		if (strncmp(line, "-A ", 3) != 0)
			continue;
		if (strncmp(line, "-A " HALLPASS_CHAIN " ", sizeof(HALLPASS_CHAIN) + 3) == 0 ||
		    strncmp(line, "-A " HALLPASS_CHAIN_IN " ",
		    sizeof(HALLPASS_CHAIN_IN) + 3) == 0) {
			if (line[3 + strlen(HALLPASS_CHAIN)] == ' ')
				st->nmain++;
			else
				st->nin++;
			if (fw_buf_printf(&st->rules, "%s\n", line) != 0)
				goto nomem;
			continue;
		}
		int main_j = fw_jumps_to(line, HALLPASS_CHAIN);
		int in_j = fw_jumps_to(line, HALLPASS_CHAIN_IN);
		int fwd = strncmp(line, "-A FORWARD ", 11) == 0;
		int inp = strncmp(line, "-A INPUT ", 9) == 0;

		if (fwd && !seen_forward++)
			st->forward_first = main_j && strcmp(line,
			    "-A FORWARD -j " HALLPASS_CHAIN) == 0;
		if (inp && !seen_input++)
			st->input_first = in_j && strcmp(line,
			    "-A INPUT -j " HALLPASS_CHAIN_IN) == 0;
		if (!main_j && !in_j)
			continue;
		st->jumps++;
		st->forward_jumps += (unsigned)(fwd && main_j);
		st->input_jumps += (unsigned)(inp && in_j);
		/* iptables-save prints rules in restore syntax: "-A" → "-D" deletes exactly that rule. */
		if (fw_buf_printf(&st->dels, "-D%s\n", line + 2) != 0)
			goto nomem;
	}
	rc = 0;
	goto out;
nomem:
	snprintf(err, elen, "out of memory");
out:
	fw_buf_free(&out);
	return rc;
}

static void
fw_state_free(struct fw_state *st)
{
	fw_buf_free(&st->dels);
	fw_buf_free(&st->rules);
}

static int
fw_restore(const struct fw_family *fam, const char *ruleset, char *err, size_t elen)
{
	/* -w: wait for the xtables lock (legacy backend) instead of failing when another tool holds it. */
	char	*argv[] = { (char *)fam->restore, (char *)"-w", (char *)"--noflush", NULL };
	char	 eout[FW_ERR_MAX];
	int	 status;

	if (fw_run(argv, ruleset, NULL, eout, sizeof(eout), &status, err, elen) != 0)
		return -1;
	if (status != 0) {
		snprintf(err, elen, "%s failed (exit %d): %s", fam->restore, status,
		    fw_trim(eout));
		return -1;
	}
	return 0;
}

/* The NFQUEUE target for the configured queues; -1 if they cannot be one target. */
static int
fw_queue_target(const struct config *c, char *buf, size_t sz, char *err, size_t elen)
{
	unsigned	lo = 65535, hi = 0;

	for (unsigned i = 0; i < c->nqueues; i++) {
		if (c->queues[i] < lo)
			lo = c->queues[i];
		if (c->queues[i] > hi)
			hi = c->queues[i];
	}
	if (c->nqueues == 1) {
		snprintf(buf, sz, "NFQUEUE --queue-num %u", lo);
	} else {
		/* config_load rejects repeats, so n distinct numbers fill lo..hi iff hi-lo+1 == n. */
		if (hi - lo + 1 != c->nqueues) {
			snprintf(err, elen, "queues must be contiguous (like [0, 1, 2]) "
			    "for NFQUEUE --queue-balance; %u queues span %u..%u",
			    c->nqueues, lo, hi);
			return -1;
		}
		/* --queue-cpu-fanout keeps a CPU's packets on one queue (one daemon thread). */
		snprintf(buf, sz, "NFQUEUE --queue-balance %u:%u --queue-cpu-fanout", lo, hi);
	}
	/* Without --queue-bypass the kernel drops what no daemon is there to judge: fail closed. */
	if (c->fail == CONFIG_FAIL_OPEN)
		strncat(buf, " --queue-bypass", sz - strlen(buf) - 1);
	return 0;
}

/* The decided-packet rules: hallpassd re-injects with NF_REPEAT and a mark; remember it on the connection. */
static int
fw_mark_rules(struct fw_buf *b, const char *chain)
{
	static const struct { unsigned mark; const char *verdict; } m[] = {
		{ HALLPASS_MARK_ALLOW, "ACCEPT" },
		{ HALLPASS_MARK_BLOCK, "DROP" },
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		if (fw_buf_printf(b, "-A %s -m mark --mark 0x%x/0x%x -j CONNMARK "
		    "--save-mark --nfmask 0x%x --ctmask 0x%x\n", chain, m[i].mark,
		    HALLPASS_MARK_MASK, HALLPASS_MARK_MASK, HALLPASS_MARK_MASK) != 0 ||
		    fw_buf_printf(b, "-A %s -m mark --mark 0x%x/0x%x -j %s\n", chain,
		    m[i].mark, HALLPASS_MARK_MASK, m[i].verdict) != 0)
			return -1;
	}
	return 0;
}

/* DNS is judged query by query, never fast-pathed; a TCP DNS handshake is not held. */
static int
fw_dns_rules(struct fw_buf *b, const char *chain, const char *q)
{
	if (fw_buf_printf(b, "-A %s -p udp --dport 53 -j %s\n", chain, q) != 0 ||
	    fw_buf_printf(b, "-A %s -p tcp --dport 53 --syn -j ACCEPT\n", chain) != 0 ||
	    fw_buf_printf(b, "-A %s -p tcp --dport 53 -m conntrack --ctdir ORIGINAL "
	    "-j %s\n", chain, q) != 0)
		return -1;
	return 0;
}

/*
 * The whole "up" ruleset for one family, applied in one iptables-restore
 * transaction: the chains are declared (which creates or flushes them), every
 * old jump to them is deleted and one is inserted at rule 1, so running it
 * again yields the same table and traffic never sees a half-built chain.
 */
static int
fw_ruleset_up(struct fw_buf *b, const struct fw_state *st, enum fw_mode mode,
    const char *q)
{
	const char *M = HALLPASS_CHAIN;

	if (fw_buf_printf(b, "*filter\n:%s - [0:0]\n", M) != 0 ||
	    (mode == FW_HOTSPOT &&
	    fw_buf_printf(b, ":%s - [0:0]\n", HALLPASS_CHAIN_IN) != 0) ||
	    (st->dels.len > 0 && fw_buf_put(b, st->dels.p, st->dels.len) != 0))
		return -1;
	/* Switching from hotspot to gateway mode: the INPUT chain goes (its jumps went above). */
	if (mode == FW_GATEWAY && st->has_in &&
	    fw_buf_printf(b, "-F %s\n-X %s\n", HALLPASS_CHAIN_IN, HALLPASS_CHAIN_IN) != 0)
		return -1;
	if (fw_mark_rules(b, M) != 0 || fw_dns_rules(b, M, q) != 0 ||
	    /* Decided flows: the kernel handles the rest without us. */
	    fw_buf_printf(b, "-A %s -m connmark --mark 0x%x/0x%x -j ACCEPT\n", M,
	    HALLPASS_MARK_ALLOW, HALLPASS_MARK_MASK) != 0 ||
	    fw_buf_printf(b, "-A %s -m connmark --mark 0x%x/0x%x -j DROP\n", M,
	    HALLPASS_MARK_BLOCK, HALLPASS_MARK_MASK) != 0 ||
	    /* DNS answers teach hallpassd which name each address was for (and lose their ECH). */
	    fw_buf_printf(b, "-A %s -p udp --sport 53 -m conntrack --ctdir REPLY -j %s\n",
	    M, q) != 0 ||
	    /* Replies of undecided flows carry no name; the client's side is what is judged. */
	    fw_buf_printf(b, "-A %s -m conntrack --ctdir REPLY -j ACCEPT\n", M) != 0 ||
	    /* The handshake carries no name either; holding it costs new connections/s. */
	    fw_buf_printf(b, "-A %s -p tcp --syn -j ACCEPT\n", M) != 0 ||
	    /* The first data packets: TLS ClientHello or HTTP request. */
	    fw_buf_printf(b, "-A %s -p tcp -j %s\n", M, q) != 0 ||
	    /* QUIC Initials, and the first datagram of other UDP flows (blocked ports, DoQ). */
	    fw_buf_printf(b, "-A %s -p udp -j %s\n", M, q) != 0 ||
	    /* Anything else falls off the end: the FORWARD policy decides. */
	    fw_buf_printf(b, "-I FORWARD 1 -j %s\n", M) != 0)
		return -1;
	if (mode == FW_HOTSPOT) {
		/*
		 * The hotspot answers its clients' DNS itself: those queries reach
		 * INPUT, not FORWARD.  The mark rules come first here too, or a
		 * re-injected query would be queued again forever.
		 */
		if (fw_mark_rules(b, HALLPASS_CHAIN_IN) != 0 ||
		    fw_dns_rules(b, HALLPASS_CHAIN_IN, q) != 0 ||
		    fw_buf_printf(b, "-I INPUT 1 -j %s\n", HALLPASS_CHAIN_IN) != 0)
			return -1;
	}
	return fw_buf_printf(b, "COMMIT\n");
}

/* Every jump, then both chains; empty when nothing of ours is there. */
static int
fw_ruleset_down(struct fw_buf *b, const struct fw_state *st)
{
	if (!st->has_main && !st->has_in && st->jumps == 0)
		return 0;
	if (fw_buf_printf(b, "*filter\n") != 0 ||
	    (st->dels.len > 0 && fw_buf_put(b, st->dels.p, st->dels.len) != 0) ||
	    (st->has_main && fw_buf_printf(b, "-F %s\n", HALLPASS_CHAIN) != 0) ||
	    (st->has_in && fw_buf_printf(b, "-F %s\n", HALLPASS_CHAIN_IN) != 0) ||
	    (st->has_main && fw_buf_printf(b, "-X %s\n", HALLPASS_CHAIN) != 0) ||
	    (st->has_in && fw_buf_printf(b, "-X %s\n", HALLPASS_CHAIN_IN) != 0))
		return -1;
	return fw_buf_printf(b, "COMMIT\n");
}

/* Byte and packet counts per flow for hallpassd's conntrack DESTROY events; per namespace, off by default. */
static int
fw_conntrack_acct(char *err, size_t elen)
{
	int	fd;

	if ((fd = open(FW_ACCT, O_WRONLY | O_CLOEXEC)) < 0) {
		/* The conntrack rules just installed load nf_conntrack, so a missing file is a real failure. */
		snprintf(err, elen, "cannot enable conntrack accounting: %s: %s",
		    FW_ACCT, strerror(errno));
		return -1;
	}
	if (write(fd, "1\n", 2) != 2) {
		snprintf(err, elen, "cannot enable conntrack accounting: write %s: %s",
		    FW_ACCT, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * Two "firewall up" runs at once would each count the old jumps and could
 * insert two; one lock file serialises them (all namespaces share it: runs
 * are short).  Without a writable /run (not root) we go on unlocked and
 * iptables itself will refuse.
 */
static int
fw_lock(void)
{
	int fd = open(FW_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd >= 0)
		(void)flock(fd, LOCK_EX);
	return fd;
}

static int
fw_up(const char *dir, enum fw_mode mode)
{
	struct config	 c;
	struct diag	 d;
	struct fw_state	 st;
	struct fw_buf	 rs = { 0 };
	char		 q[128], err[FW_ERR_MAX + 256];
	size_t		 done = 0;

	diag_init(&d);
	if (config_load(&c, dir, &d) != 0 || diag_count(&d) > 0) {
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "%s\n", d.msgs[i]);
		fprintf(stderr, "hallpass: firewall: %s/hallpass.yaml is invalid; "
		    "no rule was changed\n", dir);
		diag_free(&d);
		return 1;
	}
	diag_free(&d);
	if (fw_queue_target(&c, q, sizeof(q), err, sizeof(err)) != 0) {
		fprintf(stderr, "hallpass: firewall: %s/hallpass.yaml: %s; no rule "
		    "was changed\n", dir, err);
		return 1;
	}
	for (; done < sizeof(fw_families) / sizeof(fw_families[0]); done++) {
		const struct fw_family *fam = &fw_families[done];

		if (fw_read(fam, &st, err, sizeof(err)) != 0)
			goto fail;
		rs.len = 0;
		if (fw_ruleset_up(&rs, &st, mode, q) != 0) {
			fw_state_free(&st);
			snprintf(err, sizeof(err), "out of memory");
			goto fail;
		}
		fw_state_free(&st);
		if (fw_restore(fam, rs.p, err, sizeof(err)) != 0)
			goto fail;
	}
	fw_buf_free(&rs);
	if (fw_conntrack_acct(err, sizeof(err)) != 0) {
		fprintf(stderr, "hallpass: firewall: %s (the rules are installed; "
		    "hallpassd will see no byte counts)\n", err);
		return 1;
	}
	printf("firewall up: %s mode, fail %s, IPv4 and IPv6, %s\n",
	    mode == FW_HOTSPOT ? "hotspot" : "gateway",
	    c.fail == CONFIG_FAIL_OPEN ? "open" : "closed", q);
	return 0;
fail:
	fw_buf_free(&rs);
	fprintf(stderr, "hallpass: firewall: %s\n", err);
	/* Each family is its own transaction: say which one is in force. */
	if (done > 0)
		fprintf(stderr, "hallpass: firewall: the IPv4 rules were installed, "
		    "the IPv6 ones were not; run \"hallpass firewall down\" or fix "
		    "and retry\n");
	else
		fprintf(stderr, "hallpass: firewall: no rule was changed\n");
	return 1;
}

static int
fw_down(void)
{
	struct fw_state	 st;
	struct fw_buf	 rs = { 0 };
	char		 err[FW_ERR_MAX + 256];
	int		 rc = 0, removed = 0;

	for (size_t i = 0; i < sizeof(fw_families) / sizeof(fw_families[0]); i++) {
		const struct fw_family *fam = &fw_families[i];

		if (fw_read(fam, &st, err, sizeof(err)) != 0) {
			fprintf(stderr, "hallpass: firewall: %s\n", err);
			rc = 1;
			continue;
		}
		rs.len = 0;
		if (fw_ruleset_down(&rs, &st) != 0) {
			fprintf(stderr, "hallpass: firewall: out of memory\n");
			rc = 1;
		} else if (rs.len > 0) {
			if (fw_restore(fam, rs.p, err, sizeof(err)) != 0) {
				fprintf(stderr, "hallpass: firewall: %s\n", err);
				rc = 1;
			} else
				removed++;
		}
		fw_state_free(&st);
	}
	fw_buf_free(&rs);
	if (rc == 0)
		printf("firewall down: %s\n", removed ? "rules removed" :
		    "nothing was installed");
	return rc;
}

static int
fw_status(void)
{
	struct fw_state	 st;
	char		 err[FW_ERR_MAX + 256];
	int		 rc = 0;

	for (size_t i = 0; i < sizeof(fw_families) / sizeof(fw_families[0]); i++) {
		const struct fw_family *fam = &fw_families[i];

		if (fw_read(fam, &st, err, sizeof(err)) != 0) {
			fprintf(stderr, "hallpass: firewall: %s\n", err);
			rc = 1;
			continue;
		}
		if (!st.has_main) {
			printf("%s: not installed%s\n", fam->name, st.jumps || st.has_in ?
			    " (leftovers: run \"hallpass firewall down\")" : "");
			rc = 1;
		} else {
			int hotspot = st.has_in && st.input_jumps > 0;
			int good = st.forward_first && st.forward_jumps == 1 &&
			    (!st.has_in || (st.input_first && st.input_jumps == 1));

			printf("%s: installed, %s mode: %u rules in %s%s, %s\n", fam->name,
			    hotspot ? "hotspot" : "gateway", st.nmain, HALLPASS_CHAIN,
			    hotspot ? " and " HALLPASS_CHAIN_IN : "",
			    good ? "jumped to from rule 1" : "NOT jumped to as \"up\" "
			    "installs it (run \"hallpass firewall up\")");
			if (st.rules.len > 0)
				fputs(st.rules.p, stdout);
			if (!good)
				rc = 1;
		}
		fw_state_free(&st);
	}
	return rc;
}

static void
fw_usage(FILE *f)
{
	fputs("usage: hallpass [-c DIR] firewall up|down|status "
	    "[--mode gateway|hotspot]\n"
	    "\n"
	    "up installs the iptables and ip6tables rules that queue flow starts to\n"
	    "hallpassd (queues and marks from DIR/hallpass.yaml), down removes them\n"
	    "all, status compares what is installed with what up installs.\n"
	    "--mode gateway (default) filters forwarded traffic; hotspot also this\n"
	    "host's own.  Acts on the current network namespace.\n"
	    "Exit status: 0 done (status: installed), 1 failure, 2 usage error.\n", f);
}

int
cmd_firewall(const char *dir, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum fw_mode	 mode = FW_GATEWAY;
	const char	*sub;
	int		 ch, lock, rc;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":m:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'm':
			if (strcmp(optarg, "gateway") == 0)
				mode = FW_GATEWAY;
			else if (strcmp(optarg, "hotspot") == 0)
				mode = FW_HOTSPOT;
			else {
				return cli_usage_error("firewall", "--mode must be "
				    "gateway or hotspot, not \"%s\"", optarg);
			}
			break;
		case 'h':
			fw_usage(stdout);
			return 0;
		default:
			return cli_bad_option("firewall", ch, argv);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		return cli_usage_error("firewall", argc == 0 ? "needs an action "
		    "(up, down or status)" : "too many arguments");
	sub = argv[0];
	if (strcmp(sub, "up") != 0 && strcmp(sub, "down") != 0 &&
	    strcmp(sub, "status") != 0)
		return cli_usage_error("firewall", "unknown action \"%s\" (up, "
		    "down or status)", sub);
	if (strcmp(sub, "up") == 0 && cli_need_dir(dir) != 0)
		return 1;
	/* A restore child that dies early must not kill us with SIGPIPE mid-write: we report its stderr. */
	signal(SIGPIPE, SIG_IGN);
	lock = fw_lock();
	if (strcmp(sub, "up") == 0)
		rc = fw_up(dir, mode);
	else if (strcmp(sub, "down") == 0)
		rc = fw_down();
	else
		rc = fw_status();
	if (lock >= 0)
		close(lock);
	return rc;
}
