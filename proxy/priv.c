/* priv: least privilege — hallpassd's drop to its own user with two capabilities, and the seccomp allow-lists of the daemon and the CLI's file parsers. */
#include "priv.h"

#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <errno.h>
#include <ftw.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <seccomp.h>
#include <sys/capability.h>

#include "hp_err.h"
#include "log.h"

/* ASan and LSan make calls of their own (LSan's leak check at exit stops the threads with ptrace). */
#if defined(__SANITIZE_ADDRESS__)
#define PRIV_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PRIV_ASAN	1
#endif
#endif
#ifndef PRIV_ASAN
#define PRIV_ASAN	0
#endif

/*
 * What every filtered process does once its files are open: memory, threads'
 * futexes, signals, time, reading and writing descriptors it holds, exiting.
 * Found with `strace -f -c` over the tests (docs/hallpassd.md says how to do
 * it again); a name this architecture lacks is skipped.
 */
static const char *const priv_sys_base[] = {
	"read", "write", "readv", "writev", "pread64", "pwrite64", "lseek", "close",
	"fstat", "newfstatat", "statx", "stat", "lstat", "fcntl",
	"mmap", "munmap", "mremap", "mprotect", "brk", "madvise",
	"futex", "set_robust_list", "get_robust_list", "rseq",
	"rt_sigreturn", "rt_sigprocmask", "rt_sigaction", "sigaltstack", "restart_syscall",
	"exit", "exit_group", "getpid", "gettid", "tgkill",
	"clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time",
	"getrandom", "sched_yield", "sched_getaffinity",
	"getuid", "geteuid", "getgid", "getegid",
	"getrlimit", "prlimit64", "uname", "sysinfo", "getcwd",
	"fsync", "fdatasync",
};

/*
 * hallpassd after the drop: its poll loop, the netlink and raw sockets it
 * holds, c-ares' resolver sockets, the loader thread's reading of the
 * configuration and time zones, SQLite's writing of the database.  Not here:
 * exec, ptrace, mount, module, key, bpf, namespace and privilege calls.
 */
static const char *const priv_sys_daemon[] = {
	"poll", "ppoll", "select", "pselect6", "epoll_create1", "epoll_ctl", "epoll_wait",
	"epoll_pwait",
	"recvfrom", "recvmsg", "recvmmsg", "sendto", "sendmsg", "sendmmsg",
	"connect", "bind", "getsockname", "getpeername", "setsockopt", "getsockopt",
	"shutdown",
	"openat", "open", "access", "faccessat", "faccessat2", "getdents64", "readlink",
	"readlinkat",
	"ftruncate", "fallocate", "unlink", "unlinkat", "rename", "renameat", "fchmod",
	"pipe2", "dup", "dup3", "eventfd2",
	"set_tid_address", "membarrier",
};

/*
 * With bundle_url: libcurl's wake-up pair (socketpair, AF_UNIX only: a pair
 * connected to itself), and unpacking and swapping bundles under bundle_dir.
 */
static const char *const priv_sys_bundle[] = {
	"mkdir", "mkdirat", "rmdir", "symlink", "symlinkat", "fchmodat", "utimensat",
};

/* The CLI's file parsers: files to read when the input is a folder, and the output's rename. */
static const char *const priv_sys_readonly[] = {
	"getdents64", "rename", "renameat", "unlink", "unlinkat", "access", "faccessat",
	"faccessat2", "readlink",
};

/* ASan, UBSan and LSan, in the test build only. */
static const char *const priv_sys_asan[] = {
	"ptrace", "getdents", "wait4", "waitid", "kill", "prctl", "getppid", "sched_getparam",
	"sched_getscheduler", "process_vm_readv", "openat", "open", "readlink",
	"mincore", "pipe2", "dup", "dup2", "dup3", "setrlimit", "sigaltstack",
	"getdents64", "clone", "set_tid_address", "arch_prctl", "unlink", "personality",
};

static const char	*priv_prog = "hallpassd";

/* The decimal digits of v into p (no NUL); returns the end. */
static char *
priv_num(char *p, unsigned long v, int width)
{
	char	 tmp[24];
	int	 n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 && n < (int)sizeof(tmp));
	while (n < width)
		tmp[n++] = '0';
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

static char *
priv_str(char *p, const char *end, const char *s)
{
	while (*s != '\0' && p < end)
		*p++ = *s++;
	return p;
}

/*
 * SIGSYS from the filter: one log line in log.c's format, then the process
 * dies of the same signal.  Only async-signal-safe calls: write, and the
 * date computed by hand (gmtime may lock).
 */
static void
priv_sigsys(int sig, siginfo_t *si, void *ctx)
{
	char			 line[512], *p = line, *end = line + sizeof(line) - 1;
	struct timespec		 ts;
	struct sigaction	 sa;
	sigset_t		 set;
	long			 days, secs, y, era, doe, yoe, doy, mp, d, m;

	(void)ctx;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		ts.tv_sec = ts.tv_nsec = 0;
	/* Howard Hinnant's days-to-civil: exact for every date after 1970. */
	days = (long)(ts.tv_sec / 86400);
	secs = (long)(ts.tv_sec % 86400);
	days += 719468;
	era = days / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + era * 400 + (m <= 2);
	p = priv_num(p, (unsigned long)y, 4);
	*p++ = '-';
	p = priv_num(p, (unsigned long)m, 2);
	*p++ = '-';
	p = priv_num(p, (unsigned long)d, 2);
	*p++ = 'T';
	p = priv_num(p, (unsigned long)(secs / 3600), 2);
	*p++ = ':';
	p = priv_num(p, (unsigned long)(secs / 60 % 60), 2);
	*p++ = ':';
	p = priv_num(p, (unsigned long)(secs % 60), 2);
	*p++ = '.';
	p = priv_num(p, (unsigned long)(ts.tv_nsec / 1000000), 3);
	p = priv_str(p, end, "Z ");
	p = priv_str(p, end, priv_prog);
	p = priv_str(p, end, " error: seccomp: system call ");
	p = priv_num(p, (unsigned long)(unsigned)si->si_syscall, 1);
	p = priv_str(p, end, " is not on the allow-list (name it with `scmp_sys_resolver ");
	p = priv_num(p, (unsigned long)(unsigned)si->si_syscall, 1);
	p = priv_str(p, end, "`): stopping; the queues' fail mode takes over\n");
	/* Nothing to do if the log is gone: the process dies either way. */
	if (write(STDERR_FILENO, line, (size_t)(p - line)) < 0)
		p = line;
	/* Die of SIGSYS itself, so a supervisor sees why. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	(void)sigaction(sig, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	(void)sigprocmask(SIG_UNBLOCK, &set, NULL);
	(void)syscall(SYS_tgkill, getpid(), (pid_t)syscall(SYS_gettid), sig);
	_exit(128 + sig);
}

static void
priv_forbidden(int sig)
{
	(void)sig;
	/* SYSLOG_ACTION_SIZE_BUFFER only asks a size: harmless, and on no list. */
	(void)syscall(SYS_syslog, 10, NULL, 0);
}

static int
priv_allow(scmp_filter_ctx f, const char *const *names, size_t n, char *err,
    size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);
		int rc;

		if (nr == __NR_SCMP_ERROR)
			continue;	/* not on this architecture */
		if ((rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, nr, 0)) != 0 && rc != -EEXIST) {
			hp_errf(err, errlen, "seccomp: allowing %s: %s", names[i],
			    strerror(-rc));
			return -1;
		}
	}
	return 0;
}

/* libseccomp's SCMP_An macros leave a field out, which clang's -Wextra refuses. */
static struct scmp_arg_cmp
priv_arg(unsigned arg, enum scmp_compare op, scmp_datum_t a, scmp_datum_t b)
{
	struct scmp_arg_cmp c = { arg, op, a, b };

	return c;
}

#define PRIV_ALLOW(f, list, err, errlen) \
	priv_allow((f), (list), sizeof(list) / sizeof((list)[0]), (err), (errlen))

/* Terminal checks by stdio and c-ares' pending-bytes count; no other ioctl. */
static int
priv_allow_ioctl(scmp_filter_ctx f)
{
	if (seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
	    priv_arg(1, SCMP_CMP_EQ, TCGETS, 0)) != 0 ||
	    seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
	    priv_arg(1, SCMP_CMP_EQ, FIONREAD, 0)) != 0 ||
	    seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
	    priv_arg(1, SCMP_CMP_EQ, FIONBIO, 0)) != 0)
		return -1;
	return 0;
}

/*
 * Threads only: clone must share the address space as a thread does, and
 * clone3 (whose flags a filter cannot read) answers ENOSYS so glibc falls
 * back to clone.
 */
static int
priv_allow_threads(scmp_filter_ctx f)
{
	if (seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) != 0)
		return -1;
	if (PRIV_ASAN)
		return 0;	/* LSan's tracer is a clone without CLONE_THREAD: its set allows clone */
	return seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
	    priv_arg(0, SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
}

/* Only the resolver's sockets: netlink and raw sockets were made before the drop. */
static int
priv_allow_inet_sockets(scmp_filter_ctx f)
{
	if (seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
	    priv_arg(0, SCMP_CMP_EQ, AF_INET, 0)) != 0 ||
	    seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
	    priv_arg(0, SCMP_CMP_EQ, AF_INET6, 0)) != 0)
		return -1;
	return 0;
}

/* Opens that cannot write or create: flags & (O_ACCMODE | O_CREAT | O_TRUNC) == O_RDONLY. */
static int
priv_allow_read_opens(scmp_filter_ctx f)
{
	const scmp_datum_t mask = O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND;

	if (seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
	    priv_arg(2, SCMP_CMP_MASKED_EQ, mask, O_RDONLY)) != 0)
		return -1;
	if (seccomp_syscall_resolve_name("open") != __NR_SCMP_ERROR &&
	    seccomp_rule_add(f, SCMP_ACT_ALLOW, seccomp_syscall_resolve_name("open"), 1,
	    priv_arg(1, SCMP_CMP_MASKED_EQ, mask, O_RDONLY)) != 0)
		return -1;
	return 0;
}

static int
priv_install(scmp_filter_ctx f, const char *prog, char *err, size_t errlen)
{
	struct sigaction	 sa;
	int			 rc;

	priv_prog = prog;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = priv_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) != 0) {
		hp_errf(err, errlen, "sigaction SIGSYS: %s", strerror(errno));
		return -1;
	}
	/* Every thread, including the activity writer started before. */
	if ((rc = seccomp_attr_set(f, SCMP_FLTATR_CTL_TSYNC, 1)) != 0 ||
	    (rc = seccomp_attr_set(f, SCMP_FLTATR_CTL_NNP, 1)) != 0 ||
	    (rc = seccomp_load(f)) != 0) {
		hp_errf(err, errlen, "seccomp: loading the filter: %s", strerror(-rc));
		return -1;
	}
	return 0;
}

/*
 * The default is SIGSYS to our handler, not an outright kill: the process
 * still dies, but says which call did it.  The call itself never runs.
 */
static scmp_filter_ctx
priv_filter_new(char *err, size_t errlen)
{
	scmp_filter_ctx f;

	if ((f = seccomp_init(SCMP_ACT_TRAP)) == NULL) {
		hp_errf(err, errlen, "seccomp: out of memory");
		return NULL;
	}
	if (PRIV_ALLOW(f, priv_sys_base, err, errlen) != 0 ||
	    (PRIV_ASAN && PRIV_ALLOW(f, priv_sys_asan, err, errlen) != 0))
		goto err;
	if (priv_allow_ioctl(f) != 0 || priv_allow_threads(f) != 0) {
		hp_errf(err, errlen, "seccomp: adding argument rules failed");
		goto err;
	}
	return f;
err:
	seccomp_release(f);
	return NULL;
}

int
priv_sandbox(const char *prog, enum priv_sandbox mode, char *err, size_t errlen)
{
	scmp_filter_ctx	 f;
	int		 rc;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		hp_errf(err, errlen, "no_new_privs: %s", strerror(errno));
		return -1;
	}
	if ((f = priv_filter_new(err, errlen)) == NULL)
		return -1;
	if (mode == PRIV_SANDBOX_READONLY &&
	    PRIV_ALLOW(f, priv_sys_readonly, err, errlen) != 0) {
		seccomp_release(f);
		return -1;
	}
	if (mode == PRIV_SANDBOX_READONLY && priv_allow_read_opens(f) != 0) {
		hp_errf(err, errlen, "seccomp: adding open rules failed");
		seccomp_release(f);
		return -1;
	}
	rc = priv_install(f, prog, err, errlen);
	seccomp_release(f);
	return rc;
}

/* The database and its WAL files belong to the user who writes them; absent ones are skipped. */
static int
priv_chown_db(const char *db, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	char path[1100];

	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", db, sfx[i]);
		if (uid != (uid_t)-1 && chown(path, uid, gid) != 0 && errno != ENOENT) {
			hp_errf(err, errlen, "%s: chown: %s", path, strerror(errno));
			return -1;
		}
		if (chmod(path, 0640) != 0 && errno != ENOENT) {
			hp_errf(err, errlen, "%s: chmod 0640: %s", path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static uid_t	priv_tree_uid;
static gid_t	priv_tree_gid;

static int
priv_tree_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return lchown(path, priv_tree_uid, priv_tree_gid) != 0 ? -1 : 0;
}

/*
 * A directory the daemon writes after the drop (the bundles it fetches): made
 * if absent, and everything in it given to the user, so a later swap can
 * replace what was unpacked as root at start.  Symlinks are not followed.
 */
static int
priv_chown_tree(const char *dir, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		hp_errf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	priv_tree_uid = uid;
	priv_tree_gid = gid;
	if (nftw(dir, priv_tree_entry, 16, FTW_PHYS) != 0) {
		hp_errf(err, errlen, "%s: chown to the daemon's user: %s", dir,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
priv_db_own(const char *db, const char *user, char *err, size_t errlen)
{
	struct passwd	*pw = NULL;

	if (geteuid() == 0 && strcmp(user, "root") != 0)
		pw = getpwnam(user);
	return priv_chown_db(db, pw != NULL ? pw->pw_uid : (uid_t)-1,
	    pw != NULL ? pw->pw_gid : (gid_t)-1, err, errlen);
}

/* CAP_NET_ADMIN: verdicts on the queue socket (checked per message), conntrack. CAP_NET_RAW: the block answers. */
static const cap_value_t priv_keep[] = { CAP_NET_ADMIN, CAP_NET_RAW };

static int
priv_caps(char *err, size_t errlen)
{
	cap_t	c;
	int	rc = -1;

	if ((c = cap_init()) == NULL) {
		hp_errf(err, errlen, "cap_init: %s", strerror(errno));
		return -1;
	}
	if (cap_set_flag(c, CAP_PERMITTED, 2, priv_keep, CAP_SET) != 0 ||
	    cap_set_flag(c, CAP_EFFECTIVE, 2, priv_keep, CAP_SET) != 0 ||
	    cap_set_proc(c) != 0)
		hp_errf(err, errlen, "keeping CAP_NET_ADMIN and CAP_NET_RAW: %s",
		    strerror(errno));
	else
		rc = 0;
	cap_free(c);
	return rc;
}

/* As root: no capability outside priv_keep can come back through exec or file caps. */
static int
priv_bound(char *err, size_t errlen)
{
	for (cap_value_t v = 0; v <= CAP_LAST_CAP; v++) {
		if (v == CAP_NET_ADMIN || v == CAP_NET_RAW)
			continue;
		if (cap_drop_bound(v) != 0 && errno != EINVAL) {
			hp_errf(err, errlen, "dropping capability %d from the bounding "
			    "set: %s", (int)v, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int
priv_switch(const struct priv_daemon *o, char *err, size_t errlen)
{
	struct passwd	*pw;
	uid_t		 uid;
	gid_t		 gid;

	errno = 0;
	if ((pw = getpwnam(o->user)) == NULL) {
		hp_errf(err, errlen, "user \"%s\" does not exist: create it (useradd "
		    "--system --no-create-home --shell /usr/sbin/nologin %s), or set "
		    "`user: root` in hallpass.yaml to keep every privilege", o->user,
		    o->user);
		return -1;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (uid == 0) {
		hp_errf(err, errlen, "user \"%s\" is root: write `user: root` to mean it",
		    o->user);
		return -1;
	}
	if (o->database != NULL && priv_chown_db(o->database, uid, gid, err, errlen) != 0)
		return -1;
	if (o->statedir != NULL && priv_chown_tree(o->statedir, uid, gid, err, errlen) != 0)
		return -1;
	if (priv_bound(err, errlen) != 0)
		return -1;
	/* Permitted capabilities survive the uid change; then only two are kept. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0 ||
	    initgroups(o->user, gid) != 0 ||
	    setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0) {
		hp_errf(err, errlen, "switching to user %s: %s", o->user, strerror(errno));
		return -1;
	}
	if (priv_caps(err, errlen) != 0)
		return -1;
	(void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	/* Reloads read the configuration as this user: find out now, not at the first HUP. */
	if (o->confdir != NULL && access(o->confdir, R_OK | X_OK) != 0) {
		hp_errf(err, errlen, "%s: not readable by user %s (%s): reloads would "
		    "fail", o->confdir, o->user, strerror(errno));
		return -1;
	}
	log_info("running as %s (uid %ld), keeping CAP_NET_ADMIN and CAP_NET_RAW",
	    o->user, (long)uid);
	return 0;
}

int
priv_daemon_drop(const struct priv_daemon *o, char *err, size_t errlen)
{
	scmp_filter_ctx	 f;
	const char	*t;
	int		 rc;

	if (geteuid() == 0 && strcmp(o->user, "root") != 0) {
		if (priv_switch(o, err, errlen) != 0)
			return -1;
	} else if (geteuid() == 0)
		log_warnx("user: root: running with every privilege");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		hp_errf(err, errlen, "no_new_privs: %s", strerror(errno));
		return -1;
	}
	if ((t = getenv("HALLPASSD_TEST_FORBIDDEN_SYSCALL")) != NULL &&
	    strcmp(t, "1") == 0) {
		log_warnx("test hook: SIGUSR2 makes a forbidden system call");
		signal(SIGUSR2, priv_forbidden);
	}
	if (!o->seccomp) {
		log_warnx("seccomp: false: no system call filter");
		return 0;
	}
	if ((f = priv_filter_new(err, errlen)) == NULL)
		return -1;
	if (PRIV_ALLOW(f, priv_sys_daemon, err, errlen) != 0) {
		seccomp_release(f);
		return -1;
	}
	if (priv_allow_inet_sockets(f) != 0) {
		hp_errf(err, errlen, "seccomp: adding socket rules failed");
		seccomp_release(f);
		return -1;
	}
	if (o->statedir != NULL && PRIV_ALLOW(f, priv_sys_bundle, err, errlen) != 0) {
		seccomp_release(f);
		return -1;
	}
	if (o->statedir != NULL && seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socketpair),
	    1, priv_arg(0, SCMP_CMP_EQ, AF_UNIX, 0)) != 0) {
		hp_errf(err, errlen, "seccomp: adding the socketpair rule failed");
		seccomp_release(f);
		return -1;
	}
	rc = priv_install(f, o->prog, err, errlen);
	seccomp_release(f);
	return rc;
}
