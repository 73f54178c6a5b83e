/* priv: least privilege — hallpassd's drop to its own user with two capabilities, and the seccomp allow-lists of the daemon and the CLI's file parsers. */
#ifndef HALLPASS_PRIV_H
#define HALLPASS_PRIV_H

#include <stddef.h>

/* What hallpassd keeps after everything is opened. */
struct priv_daemon {
	const char	*prog;		/* the name in the SIGSYS log line */
	const char	*user;		/* run as this user; "root" keeps every privilege */
	int		 seccomp;	/* 0: no system call filter (debugging only) */
	const char	*confdir;	/* reloads read it as user: it must stay readable */
	const char	*database;	/* with its -wal and -shm: chowned to user when root */
	const char	*statedir;	/* written after the drop (bundle_dir): made and chowned, NULL: none */
};

/*
 * Called once all queues, sockets, the conntrack handle and the database are
 * open, before any thread other than the activity writer exists: chowns the
 * database files, switches to user keeping only CAP_NET_ADMIN and CAP_NET_RAW
 * (the bounding set too), sets no_new_privs and installs the daemon's system
 * call allow-list on every thread.  A call outside the list logs one line
 * naming its number and kills the process.  Not root: no switch (there is
 * nothing to drop), the filter still goes on.  -1 with err filled: the caller
 * must not start.
 *
 * Test builds: with HALLPASSD_TEST_FORBIDDEN_SYSCALL=1 in the environment,
 * SIGUSR2 makes a harmless call the list forbids, so a test can watch the
 * process die and the fail mode take over.  It can only kill the daemon.
 */
int	priv_daemon_drop(const struct priv_daemon *, char *err, size_t errlen);

/*
 * The database at db, its -wal and -shm (those present): mode 0640, and when
 * run as root, owned by user and its group (hallpassd's user: the CLI creates
 * the database as root too).  A user that does not exist, or "root", leaves
 * the owner alone.  -1 with err filled.
 */
int	priv_db_own(const char *db, const char *user, char *err, size_t errlen);

enum priv_sandbox {
	PRIV_SANDBOX_NOOPEN = 0,	/* every input is open: no file may be opened */
	PRIV_SANDBOX_READONLY,		/* files may be opened to read (a folder of lists) */
};

/*
 * For the CLI's parsers of untrusted files (inspect, import), once their
 * inputs and outputs are open: no_new_privs and an allow-list of reading,
 * writing open descriptors and memory, no sockets, no exec.  prog names the
 * SIGSYS line.  -1 with err filled when the kernel refuses.
 */
int	priv_sandbox(const char *prog, enum priv_sandbox, char *err, size_t errlen);

#endif
