/* store_impl: the store handle, the backends' operation tables and the checks they share, hidden from callers. */
#ifndef HALLPASS_STORE_IMPL_H
#define HALLPASS_STORE_IMPL_H

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "store_dash.h"

/* Room for store_sqlite.c's statements (checked there at compile time) and the dashboard's. */
#define STORE_ST_MAX		32
#define STORE_DASH_ST_MAX	32
/* Room for the PostgreSQL backend's prepared statements (store_pg.c and store_dash_pg.c). */
#define STORE_PG_ST_MAX		144
/* Day partitions of events whose existence this handle has already ensured. */
#define STORE_PG_PARTS		16

/*
 * What a backend does; store.c and store_dash.c check the arguments every
 * backend would check the same way, then call through these.
 */
struct store_ops {
	void	(*close)(struct store *);
	int	(*events_insert)(struct store *, const struct store_event *, size_t,
		    char *, size_t);
	int	(*usage_add)(struct store *, const char *, int, const char *,
		    const char *, int64_t, int64_t, char *, size_t);
	int64_t	(*events_query)(struct store *, const struct store_filter *,
		    int (*)(const struct store_event *, void *), void *, char *,
		    size_t);
	int64_t	(*purge)(struct store *, int64_t, char *, size_t);
	int	(*invite_create)(struct store *, const char *, const uint8_t[32],
		    int64_t, int64_t, char *, size_t);
	int	(*invite_consume)(struct store *, const uint8_t[32], int64_t, char *,
		    size_t, char *, size_t);
	/* District ingest: NULL in a backend that is not a district database. */
	int64_t	(*ship_events)(struct store *, const char *, const struct store_event *,
		    const int64_t *, size_t, char *, size_t);
	int64_t	(*ship_daily)(struct store *, const char *,
		    const struct store_ship_daily *, size_t, char *, size_t);
	int64_t	(*ship_hourly)(struct store *, const char *,
		    const struct store_ship_hourly *, size_t, char *, size_t);
	int	(*ship_health)(struct store *, const struct store_gateway_health *,
		    char *, size_t);
	int64_t	(*health_list)(struct store *,
		    int (*)(const struct store_gateway_health *, void *), void *,
		    char *, size_t);
};

struct store_dash_ops {
	int	(*account_get)(struct store *, const char *, char *, size_t, char *,
		    size_t);
	int	(*account_set)(struct store *, const char *, const char *, int64_t,
		    char *, size_t);
	int	(*session_create)(struct store *, const uint8_t[STORE_HASH_LEN],
		    const char *, const uint8_t[STORE_CSRF_LEN], int64_t, int64_t,
		    const char *, char *, size_t);
	int	(*session_get)(struct store *, const uint8_t[STORE_HASH_LEN], int64_t,
		    int64_t, struct store_session *, char *, size_t);
	int	(*session_touch)(struct store *, const uint8_t[STORE_HASH_LEN],
		    int64_t, char *, size_t);
	int	(*session_delete)(struct store *, const uint8_t[STORE_HASH_LEN],
		    char *, size_t);
	int	(*sessions_delete_guardian)(struct store *, const char *, char *,
		    size_t);
	int64_t	(*sessions_purge)(struct store *, int64_t, int64_t, char *, size_t);
	int	(*failure_add)(struct store *, const char *, int64_t, char *, size_t);
	int64_t	(*failure_count)(struct store *, const char *, int64_t, char *,
		    size_t);
	int	(*failure_clear)(struct store *, const char *, char *, size_t);
	int	(*failure_purge)(struct store *, int64_t, char *, size_t);
	int	(*aup_ack)(struct store *, const char *, long, int64_t, char *,
		    size_t);
	int	(*aup_acked)(struct store *, const char *, long, int64_t *, char *,
		    size_t);
	int	(*audit)(struct store *, int64_t, const char *, const char *,
		    const char *, char *, size_t);
	int64_t	(*usage_hours)(struct store *, const char *, const char *,
		    const char *, int (*)(const struct store_usage *, void *), void *,
		    char *, size_t);
	int64_t	(*usage_hosts)(struct store *, const char *, const char *,
		    const char *, size_t, int (*)(const struct store_usage *, void *),
		    void *, char *, size_t);
	int64_t	(*usage_categories)(struct store *, const char *, const char *,
		    const char *, size_t, int (*)(const struct store_usage *, void *),
		    void *, char *, size_t);
	int64_t	(*blocked_events)(struct store *, const char *, int64_t, int64_t,
		    size_t, int (*)(const struct store_event *, void *), void *,
		    char *, size_t);
};

struct store {
	const struct store_ops		*ops;
	const struct store_dash_ops	*dops;
	char		*path;		/* SQLite: the file; PostgreSQL: the URI without its password */
	int		 flags;
	int		 in_query;	/* a query's rows are being delivered: its callback is running */
	/* SQLite */
	sqlite3		*db;
	sqlite3_stmt	*st[STORE_ST_MAX];	/* prepared on first use: the CGI never compiles the writer's */
	sqlite3_stmt	*dst[STORE_DASH_ST_MAX];	/* store_dash_sqlite.c's, also prepared on first use */
	/* PostgreSQL */
	PGconn		*pg;
	unsigned char	 pg_prepared[STORE_PG_ST_MAX];	/* PQprepare'd on this connection */
	char		 gateway[64];	/* the id rows written by this handle carry */
	int64_t		 pg_days[STORE_PG_PARTS];	/* UTC days (ms / 86400000) with an events partition */
	int32_t		 pg_months[STORE_PG_PARTS];	/* year * 12 + month - 1 with rollup partitions */
	unsigned	 pg_ndays, pg_nmonths;
};

/* The backends' constructors and tables. */
struct store	*store_sqlite_open(const char *path, int flags, char *, size_t);
struct store	*store_pg_open(const char *uri, int flags, char *, size_t);
extern const struct store_ops		store_sqlite_ops, store_pg_ops;
extern const struct store_dash_ops	store_dash_sqlite_ops, store_dash_pg_ops;

/* Checks both backends share (store.c). */
int	store_writable(const struct store *, const char *fn, char *, size_t);
int	store_day_valid(const char *);
int	store_event_check(const struct store *, const struct store_event *, size_t,
	    char *, size_t);
const char *store_rollup_student(const char *);
/* Argument errors with the function's name. */
int	store_bad(const struct store *, const char *fn, char *, size_t);

/* SQLite helpers shared by store_sqlite.c and store_dash_sqlite.c. */
void	store_dberr(const struct store *, char *, size_t, const char *what);
void	store_stmt_done(sqlite3_stmt *);
int	store_run(struct store *, sqlite3_stmt *, const char *what, char *, size_t);
int	store_begin(struct store *, char *, size_t);
int	store_commit(struct store *, char *, size_t);
void	store_rollback(struct store *);
int	store_bind_text(sqlite3_stmt *, int, const char *);
/* Shipping's and the student export's row readers (store_ship.c): sql binds ?1 (text1, else after) and ?2 (limit). */
struct store_daily_arg {
	int	(*cb)(const struct store_ship_daily *, void *);
	void	*arg;
};
struct store_hourly_arg {
	int	(*cb)(const struct store_ship_hourly *, void *);
	void	*arg;
};
int64_t	store_sqlite_rows(struct store *, const char *fn, const char *sql,
	    const char *text1, int64_t after, size_t limit,
	    int (*row)(sqlite3_stmt *, void *), void *arg, char *, size_t);
/* Rows shaped (seq, day, student, host, category, visits, blocked, bytes, seconds). */
int	store_sqlite_daily_row(sqlite3_stmt *, void *);
/* Rows shaped (seq, day, student, hour, visits, blocked, bytes, seconds). */
int	store_sqlite_hourly_row(sqlite3_stmt *, void *);
/* Finalizes store_dash_sqlite.c's statements; closing the SQLite handle calls it. */
void	store_dash_finalize(struct store *);

/* PostgreSQL: one statement's bound parameters (text, or binary for bytea). */
#define STORE_PGP_MAX	16
struct store_pgp {
	const char	*v[STORE_PGP_MAX];
	int		 len[STORE_PGP_MAX];
	int		 fmt[STORE_PGP_MAX];
	char		 num[STORE_PGP_MAX][24];
	int		 n;
};

/* PostgreSQL helpers shared by store_pg.c and store_dash_pg.c. */
void	store_pg_err(const struct store *, char *, size_t, const char *what,
	    const PGresult *);
void	store_pgp_text(struct store_pgp *, const char *);	/* NULL: SQL NULL */
void	store_pgp_int(struct store_pgp *, int64_t);
void	store_pgp_bytes(struct store_pgp *, const void *, int len);
/* A limit: 0 (or too large) binds NULL, PostgreSQL's "no limit". */
void	store_pgp_limit(struct store_pgp *, size_t);
/*
 * Runs statement id (PQprepare'd on first use on this connection) with p's
 * parameters; returns the result (PQclear it) or NULL with err filled.
 */
PGresult *store_pg_exec(struct store *, int id, const char *sql,
	    const struct store_pgp *p, const char *what, char *, size_t);
/* Same, returning no result: 0 or -1; *changed (when not NULL) gets the rows affected. */
int	store_pg_run(struct store *, int id, const char *sql,
	    const struct store_pgp *p, int64_t *changed, const char *what, char *,
	    size_t);
/* Streams the rows of a query (single-row mode) to row(); row returns nonzero to stop. Rows passed, or -1. */
int64_t	store_pg_rows(struct store *, int id, const char *sql,
	    const struct store_pgp *p, int (*row)(const PGresult *, void *),
	    void *arg, const char *what, char *, size_t);
/* Streams rows shaped as events (ts_ms, day, hour, student, client, proto, host, category, action, rule, reason). */
int64_t	store_pg_events_rows(struct store *, int id, const char *sql,
	    const struct store_pgp *, int (*)(const struct store_event *, void *),
	    void *, const char *what, char *, size_t);
/* A transaction's BEGIN, COMMIT and ROLLBACK (ROLLBACK when one is open). */
int	store_pg_begin(struct store *, char *, size_t);
int	store_pg_commit(struct store *, char *, size_t);
void	store_pg_rollback(struct store *);
/* A text column, NULL for SQL NULL; an integer column, 0 for NULL. */
const char *store_pg_text(const PGresult *, int col);
int64_t	store_pg_int(const PGresult *, int col);
/* Statement ids below this are store_pg.c's, from it store_dash_pg.c's. */
#define STORE_PG_DASH_BASE	32
/* And from this one store_ship.c's (the district's marks), from the next store_retain.c's. */
#define STORE_PG_SHIP_BASE	64
#define STORE_PG_RETAIN_BASE	68
#define STORE_PG_STUDENT_BASE	72
#define STORE_PG_ATTEMPT_BASE	77
/* store_login.c's (sign-in names); 80-103 left to the other district work in flight. */
#define STORE_PG_LOGIN_BASE	104
/* store_home.c's (guardians' controls): a range of its own, clear of the others'. */
#define STORE_PG_HOME_BASE	96
/* store_notify.c's (guardians' e-mail preferences and sent log). */
#define STORE_PG_NOTIFY_BASE	112
/* store_staff.c's (staff console, audit of student views, engagement): 120-143, above every range in use. */
#define STORE_PG_STAFF_BASE	120

#endif
