/* store_ship: shipping's two ends — the gateway's pending rows and marks (SQLite) and the district's marks (PostgreSQL). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hp_err.h"
#include "hp_str.h"
#include "store_impl.h"

static const char *const ship_kind_name[STORE_SHIP_NKINDS] = { "events", "daily", "hourly" };

static int
ship_local(const struct store *s, const char *fn, char *err, size_t errlen)
{
	if (s == NULL || s->db == NULL) {
		hp_errf(err, errlen, "%s: %s: not a gateway database (shipping reads the "
		    "gateway's SQLite file)", s != NULL ? s->path : "(null)", fn);
		return -1;
	}
	return 0;
}

static sqlite3_stmt *
ship_prepare(struct store *s, const char *sql, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		store_dberr(s, err, errlen, "prepare");
		return NULL;
	}
	return st;
}

int
store_ship_marks_get(struct store *s, struct store_ship_marks *m, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc;

	memset(m, 0, sizeof(*m));
	if (ship_local(s, "store_ship_marks_get", err, errlen) == -1 ||
	    (st = ship_prepare(s, "SELECT kind, seq FROM ship_state", err, errlen)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);

		for (int i = 0; i < STORE_SHIP_NKINDS; i++)
			if (k != NULL && strcmp(k, ship_kind_name[i]) == 0)
				m->seq[i] = sqlite3_column_int64(st, 1);
	}
	if (rc != SQLITE_DONE) {
		store_dberr(s, err, errlen, "read ship_state");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

int
store_ship_marks_set(struct store *s, const struct store_ship_marks *m, char *err,
    size_t errlen)
{
	sqlite3_stmt	*st;

	if (store_writable(s, "store_ship_marks_set", err, errlen) == -1 ||
	    ship_local(s, "store_ship_marks_set", err, errlen) == -1 ||
	    (st = ship_prepare(s, "INSERT INTO ship_state (kind, seq) VALUES (?1, ?2)"
	    " ON CONFLICT (kind) DO UPDATE SET seq = max(seq, excluded.seq)", err,
	    errlen)) == NULL)
		return -1;
	if (store_begin(s, err, errlen) == -1) {
		sqlite3_finalize(st);
		return -1;
	}
	for (int i = 0; i < STORE_SHIP_NKINDS; i++) {
		sqlite3_bind_text(st, 1, ship_kind_name[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, m->seq[i]);
		if (store_run(s, st, "write ship_state", err, errlen) == -1) {
			sqlite3_finalize(st);
			store_rollback(s);
			return -1;
		}
	}
	sqlite3_finalize(st);
	return store_commit(s, err, errlen);
}

static const char *
ship_col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* Runs sql (?1 after, or text1 when not NULL; ?2 limit) and hands each row to row(); rows passed, or -1. */
int64_t
store_sqlite_rows(struct store *s, const char *fn, const char *sql, const char *text1,
    int64_t after, size_t limit, int (*row)(sqlite3_stmt *, void *), void *arg, char *err,
    size_t errlen)
{
	sqlite3_stmt	*st;
	int64_t		 n = 0;
	int		 rc;

	if (ship_local(s, fn, err, errlen) == -1 ||
	    (st = ship_prepare(s, sql, err, errlen)) == NULL)
		return -1;
	if (text1 != NULL)
		store_bind_text(st, 1, text1);
	else
		sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, limit == 0 || limit > INT64_MAX ? -1 : (int64_t)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n++;
		if (row(st, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		store_dberr(s, err, errlen, fn);
		n = -1;
	}
	sqlite3_finalize(st);
	return n;
}

struct ship_ev_arg {
	int	(*cb)(const struct store_event *, int64_t, void *);
	void	*arg;
};

static int
ship_ev_row(sqlite3_stmt *st, void *arg)
{
	struct ship_ev_arg	*a = arg;
	struct store_event	 e;

	e.ts_ms = sqlite3_column_int64(st, 1);
	e.day = ship_col(st, 2);
	e.hour = sqlite3_column_int(st, 3);
	e.student = ship_col(st, 4);
	e.client = ship_col(st, 5);
	e.proto = ship_col(st, 6);
	e.host = ship_col(st, 7);
	e.category = ship_col(st, 8);
	e.action = ship_col(st, 9);
	e.rule = ship_col(st, 10);
	e.reason = ship_col(st, 11);
	return a->cb(&e, sqlite3_column_int64(st, 0), a->arg);
}

int64_t
store_ship_pending_events(struct store *s, int64_t after, size_t limit,
    int (*cb)(const struct store_event *, int64_t, void *), void *arg, char *err,
    size_t errlen)
{
	struct ship_ev_arg a = { cb, arg };

	return store_sqlite_rows(s, "store_ship_pending_events",
	    "SELECT seq, ts_ms, day, hour, student, client, proto, host, category, action,"
	    " rule, reason FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2", NULL,
	    after, limit, ship_ev_row, &a, err, errlen);
}

int
store_sqlite_daily_row(sqlite3_stmt *st, void *arg)
{
	struct store_daily_arg	*a = arg;
	struct store_ship_daily	 r;

	r.seq = sqlite3_column_int64(st, 0);
	r.day = ship_col(st, 1);
	r.student = ship_col(st, 2);
	r.host = ship_col(st, 3);
	r.category = ship_col(st, 4);
	r.visits = sqlite3_column_int64(st, 5);
	r.blocked = sqlite3_column_int64(st, 6);
	r.bytes = sqlite3_column_int64(st, 7);
	r.seconds = sqlite3_column_int64(st, 8);
	return a->cb(&r, a->arg);
}

int64_t
store_ship_pending_daily(struct store *s, int64_t after, size_t limit,
    int (*cb)(const struct store_ship_daily *, void *), void *arg, char *err,
    size_t errlen)
{
	struct store_daily_arg a = { cb, arg };

	return store_sqlite_rows(s, "store_ship_pending_daily",
	    "SELECT seq, day, student, host, category, visits, blocked, bytes, seconds"
	    " FROM usage_daily WHERE seq > ?1 ORDER BY seq LIMIT ?2", NULL,
	    after, limit, store_sqlite_daily_row, &a, err, errlen);
}

int
store_sqlite_hourly_row(sqlite3_stmt *st, void *arg)
{
	struct store_hourly_arg	*a = arg;
	struct store_ship_hourly r;

	r.seq = sqlite3_column_int64(st, 0);
	r.day = ship_col(st, 1);
	r.student = ship_col(st, 2);
	r.hour = sqlite3_column_int(st, 3);
	r.visits = sqlite3_column_int64(st, 4);
	r.blocked = sqlite3_column_int64(st, 5);
	r.bytes = sqlite3_column_int64(st, 6);
	r.seconds = sqlite3_column_int64(st, 7);
	return a->cb(&r, a->arg);
}

int64_t
store_ship_pending_hourly(struct store *s, int64_t after, size_t limit,
    int (*cb)(const struct store_ship_hourly *, void *), void *arg, char *err,
    size_t errlen)
{
	struct store_hourly_arg a = { cb, arg };

	return store_sqlite_rows(s, "store_ship_pending_hourly",
	    "SELECT seq, day, student, hour, visits, blocked, bytes, seconds"
	    " FROM usage_hourly WHERE seq > ?1 ORDER BY seq LIMIT ?2", NULL,
	    after, limit, store_sqlite_hourly_row, &a, err, errlen);
}

int64_t
store_ship_backlog(struct store *s, const struct store_ship_marks *m, char *err,
    size_t errlen)
{
	sqlite3_stmt	*st;
	int64_t		 n = -1;

	if (ship_local(s, "store_ship_backlog", err, errlen) == -1 ||
	    (st = ship_prepare(s, "SELECT (SELECT count(*) FROM events WHERE seq > ?1)"
	    " + (SELECT count(*) FROM usage_daily WHERE seq > ?2)"
	    " + (SELECT count(*) FROM usage_hourly WHERE seq > ?3)", err, errlen)) == NULL)
		return -1;
	for (int i = 0; i < STORE_SHIP_NKINDS; i++)
		sqlite3_bind_int64(st, i + 1, m->seq[i]);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	else
		store_dberr(s, err, errlen, "count the backlog");
	sqlite3_finalize(st);
	return n;
}

int
store_health_set(struct store *s, const struct store_gateway_health *h, char *err,
    size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (store_writable(s, "store_health_set", err, errlen) == -1 ||
	    ship_local(s, "store_health_set", err, errlen) == -1 ||
	    (st = ship_prepare(s, "INSERT INTO health (id, rules_version, last_packet_ms,"
	    " queue_drops, fail_open_events, updated_ms) VALUES (1, ?1, ?2, ?3, ?4, ?5)"
	    " ON CONFLICT (id) DO UPDATE SET rules_version = excluded.rules_version,"
	    " last_packet_ms = excluded.last_packet_ms, queue_drops = excluded.queue_drops,"
	    " fail_open_events = excluded.fail_open_events, updated_ms = excluded.updated_ms",
	    err, errlen)) == NULL)
		return -1;
	store_bind_text(st, 1, h->rules_version);
	sqlite3_bind_int64(st, 2, h->last_packet_ms);
	sqlite3_bind_int64(st, 3, h->queue_drops);
	sqlite3_bind_int64(st, 4, h->fail_open_events);
	sqlite3_bind_int64(st, 5, h->updated_ms);
	rc = store_run(s, st, "write health", err, errlen);
	sqlite3_finalize(st);
	return rc;
}

int
store_health_get(struct store *s, struct store_gateway_health *h, char *rv, size_t rvlen,
    char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc;

	memset(h, 0, sizeof(*h));
	if (rvlen > 0)
		rv[0] = '\0';
	if (ship_local(s, "store_health_get", err, errlen) == -1 ||
	    (st = ship_prepare(s, "SELECT rules_version, last_packet_ms, queue_drops,"
	    " fail_open_events, updated_ms FROM health WHERE id = 1", err, errlen)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (ship_col(st, 0) != NULL) {
			hp_strlcpy(rv, ship_col(st, 0), rvlen);
			h->rules_version = rv;
		}
		h->last_packet_ms = sqlite3_column_int64(st, 1);
		h->queue_drops = sqlite3_column_int64(st, 2);
		h->fail_open_events = sqlite3_column_int64(st, 3);
		h->updated_ms = sqlite3_column_int64(st, 4);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = 1;
	} else {
		store_dberr(s, err, errlen, "read health");
		rc = -1;
	}
	sqlite3_finalize(st);
	return rc;
}

enum { PGS_MARKS = STORE_PG_SHIP_BASE, PGS__MAX };
_Static_assert(PGS__MAX <= STORE_PG_RETAIN_BASE, "raise STORE_PG_RETAIN_BASE in store_impl.h");

int
store_ship_marks_district(struct store *s, const char *gateway,
    struct store_ship_marks *m, char *err, size_t errlen)
{
	struct store_pgp	 p;
	PGresult		*r;

	memset(m, 0, sizeof(*m));
	if (s == NULL || s->pg == NULL) {
		hp_errf(err, errlen, "%s: store_ship_marks_district: not a district "
		    "(PostgreSQL) database", s != NULL ? s->path : "(null)");
		return -1;
	}
	memset(&p, 0, sizeof(p));
	store_pgp_text(&p, gateway);
	/* Each max is an index scan on (gateway, seq...) per partition, newest first. */
	r = store_pg_exec(s, PGS_MARKS,
	    "SELECT (SELECT coalesce(max(seq), 0) FROM events WHERE gateway = $1),"
	    " (SELECT coalesce(max(seq), 0) FROM usage_daily WHERE gateway = $1),"
	    " (SELECT coalesce(max(seq), 0) FROM usage_hourly WHERE gateway = $1)",
	    &p, "read the district's marks", err, errlen);
	if (r == NULL)
		return -1;
	for (int i = 0; i < STORE_SHIP_NKINDS; i++)
		m->seq[i] = store_pg_int(r, i);
	PQclear(r);
	return 0;
}

