/* store: the SQLite store shared by hallpassd, the hallpass CLI and hallpass.cgi (activity, rollups, dashboard state). */
#ifndef HALLPASS_STORE_H
#define HALLPASS_STORE_H

#include <stddef.h>
#include <stdint.h>

/*
 * One handle is one SQLite connection with its prepared statements: use it
 * from one thread at a time (the daemon's writer thread owns its own; a
 * reader elsewhere opens another).  Every function that can fail returns -1
 * (or NULL) and writes a one-line reason into the caller's err[errlen]
 * (err may be NULL).  Times are milliseconds since the Unix epoch, UTC.
 * The schema and its conventions are in docs/schema.md.
 */
struct store;

#define STORE_RDONLY	0x01	/* open read-only (the CGI); never migrates */
#define STORE_CREATE	0x02	/* create the file if missing (not with STORE_RDONLY) */

/* One classified flow start, as hallpassd saw and decided it. */
struct store_event {
	int64_t		 ts_ms;
	const char	*day;		/* district-local day "YYYY-MM-DD" (the policy knows the zone) */
	int		 hour;		/* district-local hour 0-23 */
	const char	*student;	/* NULL (or ""): the client matched no student */
	const char	*client;	/* "02:00:00:00:10:01" or an IP address */
	const char	*proto;		/* dns | tls | http | quic; tcp | udp for a flow that named nothing */
	const char	*host;
	const char	*category;	/* may be NULL */
	const char	*action;	/* allow | block | safesearch */
	const char	*rule;		/* "FILE:LINE" or NULL */
	const char	*reason;	/* may be NULL */
};

struct store_filter {
	const char	*student;	/* NULL: everyone; "": only clients with no student */
	int64_t		 since_ms;	/* inclusive */
	int64_t		 until_ms;	/* exclusive; 0: no upper bound */
	size_t		 limit;		/* 0: no limit */
	int		 newest_first;	/* deliver newest first (and limit keeps the newest) */
};

/* The schema version this code writes: a database above it is refused. */
int	store_schema_version(void);

/*
 * Opens (STORE_CREATE: creates) the database at path, turns on WAL and
 * foreign keys, and applies the missing migrations, one transaction each.
 * A read-only open refuses a database whose schema is older or newer than
 * this code; a read-write open refuses only a newer one (or a file that is
 * not a hallpass database).
 */
struct store	*store_open(const char *path, int flags, char *err, size_t errlen);
void		 store_close(struct store *);

/*
 * Inserts n events and adds them to usage_daily and usage_hourly in one
 * transaction: all of them or none.  Every event is checked first (required
 * fields, proto, action, day, hour); one bad event rejects the batch and err
 * names its index.  Each event counts one visit, and one blocked when its
 * action is block; events without a student roll up under student "".
 */
int	store_events_insert(struct store *, const struct store_event *, size_t n,
	    char *err, size_t errlen);

/*
 * Adds bytes and seconds of one finished flow (conntrack accounting) to
 * usage_daily (day, student, host) and usage_hourly (day, student, hour);
 * visits and blocked are left alone.  student NULL or "": rolled up as "".
 */
int	store_usage_add(struct store *, const char *day, int hour,
	    const char *student, const char *host, int64_t bytes, int64_t seconds,
	    char *err, size_t errlen);

/*
 * Calls cb for each event matching f, oldest first (or newest first), ties in
 * insertion order.  The strings in the event are valid only during the call,
 * and cb must not call store_events_query on the same handle.  cb returns 0
 * to go on, anything else to stop early (not an error).  Returns the number
 * of events passed to cb, or -1.
 */
int64_t	store_events_query(struct store *, const struct store_filter *f,
	    int (*cb)(const struct store_event *, void *), void *arg,
	    char *err, size_t errlen);

/*
 * Deletes raw events with ts_ms < before_ms, in chunks of a few thousand rows
 * per transaction so the daemon's writer never waits long; rollups stay.
 * Returns the number deleted, or -1 (chunks already deleted stay deleted).
 */
int64_t	store_purge(struct store *, int64_t before_ms, char *err, size_t errlen);

/*
 * Records a guardian invite.  code_hash is the caller's hash of the code
 * (the code itself is never stored); it must be unique.
 */
int	store_invite_create(struct store *, const char *guardian_id,
	    const uint8_t code_hash[32], int64_t now_ms, int64_t expires_ms,
	    char *err, size_t errlen);

/*
 * Marks the invite with code_hash used, atomically, if it is unused and
 * expires after now_ms, and copies its guardian id into guardian_out.
 * Returns 0 when consumed; 1 when there is no such usable invite (unknown,
 * used or expired: one answer, so a guesser learns nothing); -1 on error,
 * including a guardian_out too small (the invite then stays unused).
 */
int	store_invite_consume(struct store *, const uint8_t code_hash[32],
	    int64_t now_ms, char *guardian_out, size_t outlen, char *err,
	    size_t errlen);

#endif
