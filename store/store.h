/* store: the store shared by hallpassd, the hallpass CLI and hallpass.cgi (activity, rollups, dashboard state), on SQLite or PostgreSQL. */
#ifndef HALLPASS_STORE_H
#define HALLPASS_STORE_H

#include <stddef.h>
#include <stdint.h>

/*
 * One handle is one database connection (a SQLite file, or a PostgreSQL
 * district database) with its prepared statements: use it
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
 *
 * A path starting with "postgresql://" or "postgres://" is a libpq URI
 * instead (TLS options such as sslmode pass through; the database must
 * exist, STORE_CREATE changes nothing): the district database of
 * docs/district.md, with the same functions and the same refusals.  Rows
 * written through such a handle carry its gateway id (store_set_gateway;
 * by default the host name) and a local sequence number.
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
 * On PostgreSQL whole day partitions older than before_ms are dropped and
 * only the boundary day's older rows are deleted.
 * Returns the number deleted, or -1 (chunks already deleted stay deleted).
 */
int64_t	store_purge(struct store *, int64_t before_ms, char *err, size_t errlen);

/*
 * Deletes daily and hourly rollup rows of days before before_day
 * ("YYYY-MM-DD"), both tables, in chunks (SQLite) or by dropping whole
 * monthly partitions and deleting only in the boundary month (PostgreSQL).
 * Returns the rows deleted, or -1 (what was deleted stays deleted).
 */
int64_t	store_purge_rollups(struct store *, const char *before_day, char *err,
	    size_t errlen);

/*
 * Records a guardian invite.  code_hash is the caller's hash of the code
 * (the code itself is never stored); it must be unique.
 */
int	store_invite_create(struct store *, const char *guardian_id,
	    const uint8_t code_hash[32], int64_t now_ms, int64_t expires_ms,
	    char *err, size_t errlen);

/* Marks every unused invite of guardian_id used (revoked): how many, or -1. */
int64_t	store_invite_revoke(struct store *, const char *guardian_id, int64_t now_ms,
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

/* "sqlite" or "postgresql": what the handle is connected to. */
const char	*store_backend(const struct store *);

/*
 * The gateway id (1-63 characters) rows written through this handle carry
 * on PostgreSQL; on SQLite it is accepted and unused.  Default: the host
 * name.  The daemon sets it from its configuration after store_open.
 */
int	store_set_gateway(struct store *, const char *id, char *err, size_t errlen);

/*
 * District ingest (PostgreSQL only; on SQLite these fail with a reason):
 * what a gateway's shipper sends.  Each call is one transaction: all rows
 * or none, so a batch interrupted at any point (connection lost, process
 * killed) left nothing and is simply sent again.  gateway is the sending
 * gateway's id (1-63 characters).
 *
 * store_ship_events: n events with the gateway's local sequence numbers
 * seq[i] (unique per gateway, any order).  An event already stored under
 * (gateway, seq, ts_ms) is skipped (INSERT ... ON CONFLICT DO NOTHING), so
 * sending a batch twice stores it once.  Rollups are NOT touched: the
 * gateway ships its own rollups with the functions below.  Returns the
 * number of events newly stored, or -1.
 */
int64_t	store_ship_events(struct store *, const char *gateway,
	    const struct store_event *, const int64_t *seq, size_t n, char *err,
	    size_t errlen);

/*
 * Rollup rows as the gateway holds them: ABSOLUTE totals of one key, not
 * increments, and seq a number the gateway raises every time the row
 * changes (e.g. from a counter bumped on each local UPSERT).  A row
 * replaces the stored one for (gateway, key) only when its seq is greater,
 * so an old batch retried after a newer one never moves a total back.
 */
struct store_ship_daily {
	const char	*day;		/* "YYYY-MM-DD" */
	const char	*student;	/* "" or NULL: no student */
	const char	*host;
	const char	*category;	/* may be NULL */
	int64_t		 visits, blocked, bytes, seconds;
	int64_t		 seq;
};

struct store_ship_hourly {
	const char	*day;
	const char	*student;
	int		 hour;		/* 0-23 */
	int64_t		 visits, blocked, bytes, seconds;
	int64_t		 seq;
};

/* Both return the number of rows inserted or replaced (older seq: not counted), or -1. */
int64_t	store_ship_usage_daily(struct store *, const char *gateway,
	    const struct store_ship_daily *, size_t n, char *err, size_t errlen);
int64_t	store_ship_usage_hourly(struct store *, const char *gateway,
	    const struct store_ship_hourly *, size_t n, char *err, size_t errlen);

/* A gateway's own health, one row per gateway; kept only when updated_ms is not older than the stored one. */
struct store_gateway_health {
	const char	*gateway;
	const char	*rules_version;	/* the bundle version in force; may be NULL */
	int64_t		 last_packet_ms;
	int64_t		 queue_drops;
	int64_t		 fail_open_events;
	int64_t		 backlog;	/* rows waiting to ship */
	int64_t		 updated_ms;
};

int	store_ship_health(struct store *, const struct store_gateway_health *,
	    char *err, size_t errlen);

/*
 * Every gateway's latest health row, ordered by gateway id (IT's view of
 * which gateway runs which rules version).  PostgreSQL only.  The strings
 * are valid only during cb; cb returns nonzero to stop.  Rows passed, or -1.
 */
int64_t	store_gateway_health_list(struct store *,
	    int (*cb)(const struct store_gateway_health *, void *), void *arg,
	    char *err, size_t errlen);

/*
 * The gateway's side of shipping (SQLite only; -1 "not a gateway database"
 * on PostgreSQL).  Every block event and every rollup row that changes is
 * stamped with the next value of the gateway's local sequence (schema 3),
 * which only grows.  The shipper sends what is above the marks, in sequence
 * order, and moves the marks after the district has committed.
 */
enum store_ship_kind { STORE_SHIP_EVENTS = 0, STORE_SHIP_DAILY, STORE_SHIP_HOURLY,
	STORE_SHIP_NKINDS };

struct store_ship_marks {
	int64_t	seq[STORE_SHIP_NKINDS];	/* the highest local sequence shipped, per kind */
};

/* The marks this gateway recorded (0 for a kind never shipped). */
int	store_ship_marks_get(struct store *, struct store_ship_marks *, char *err,
	    size_t errlen);
/* Records marks; a mark never moves back (a lower value is ignored). */
int	store_ship_marks_set(struct store *, const struct store_ship_marks *,
	    char *err, size_t errlen);
/*
 * Calls cb, in sequence order, for up to limit block events above after.
 * The event's strings are valid during the call.  Returns rows passed, or -1.
 */
int64_t	store_ship_pending_events(struct store *, int64_t after, size_t limit,
	    int (*cb)(const struct store_event *, int64_t seq, void *), void *arg,
	    char *err, size_t errlen);
int64_t	store_ship_pending_daily(struct store *, int64_t after, size_t limit,
	    int (*cb)(const struct store_ship_daily *, void *), void *arg, char *err,
	    size_t errlen);
int64_t	store_ship_pending_hourly(struct store *, int64_t after, size_t limit,
	    int (*cb)(const struct store_ship_hourly *, void *), void *arg, char *err,
	    size_t errlen);
/* Rows waiting above marks, all kinds together, or -1. */
int64_t	store_ship_backlog(struct store *, const struct store_ship_marks *,
	    char *err, size_t errlen);
/*
 * The daemon's own health, one row (h->gateway and h->backlog are not
 * stored: the shipper fills them).  get: 1 when none was ever written.
 */
int	store_health_set(struct store *, const struct store_gateway_health *,
	    char *err, size_t errlen);
int	store_health_get(struct store *, struct store_gateway_health *h,
	    char *rules_version, size_t rvlen, char *err, size_t errlen);

/*
 * The district's side (PostgreSQL only): the highest sequence the district
 * holds from gateway, per kind (0: nothing).  With the gateway's own marks
 * this makes shipping resumable: a batch the district committed but the
 * gateway never heard back about is not sent again.
 */
int	store_ship_marks_district(struct store *, const char *gateway,
	    struct store_ship_marks *, char *err, size_t errlen);

/*
 * A FERPA request about one student (either backend).  rollups: every daily
 * and hourly rollup row held for student (in the district, every gateway's),
 * to daily and hourly (either may be NULL); strings valid during the call.
 * Returns rows passed, or -1.  Raw and block events: store_events_query.
 */
int64_t	store_student_rollups(struct store *, const char *student,
	    int (*daily)(const struct store_ship_daily *, void *),
	    int (*hourly)(const struct store_ship_hourly *, void *), void *arg,
	    char *err, size_t errlen);
/* Deletes every event, rollup row and e-mail sent-log row of student, in one transaction.  Rows deleted, or -1. */
int64_t	store_student_forget(struct store *, const char *student, char *err,
	    size_t errlen);

#endif
